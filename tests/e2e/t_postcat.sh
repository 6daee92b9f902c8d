# t_postcat: postcat prints Postfix's real queue files exactly as Postfix's
# postcat did (fixtures), by path and by queue ID, with -e -h -b -eh -v, and
# fails the way Postfix does on bad IDs, missing files and damaged files.
. "$(dirname "$0")/lib.sh"

P=$B/postcat
[ -x "$P" ] || fail "no $P"
F=$FIXTURES
conf=$WORK/conf
q=$WORK/queue
mkdir -p "$conf" "$q/maildrop" "$q/incoming" "$q/active" "$q/deferred" \
  "$q/hold" "$q/saved" || fail "mkdir"
printf 'queue_directory = %s\n' "$q" >"$conf/main.cf"

# fixture_ids: the queue IDs of the fixtures
fixture_ids() {
  for f in "$F"/queuefile-?.*; do
    case $f in *.txt) continue ;; esac
    echo "${f##*.}"
  done
}
fixture() { ls "$F"/queuefile-?."$1"; }

ids=$(fixture_ids)
[ -n "$ids" ] || fail "no fixtures in $F"
for id in $ids; do
  h=$(printf %s "$id" | cut -c1)
  mkdir -p "$q/deferred/$h"
  cp "$(fixture "$id")" "$q/deferred/$h/$id" && chmod 0700 "$q/deferred/$h/$id" \
    || fail "install $id"
done

# same FILE CMD...: stdout of CMD must equal FILE byte for byte, exit 0,
# nothing on stderr.
same() {
  want=$1; shift
  "$@" >"$WORK/out" 2>"$WORK/err"; rc=$?
  [ $rc = 0 ] || fail "$*: exit $rc: $(cat "$WORK/err")"
  cmp -s "$want" "$WORK/out" || { diff "$want" "$WORK/out" | head -20 >&2; fail "$*: output differs from $want"; }
  [ ! -s "$WORK/err" ] || fail "$*: stderr: $(cat "$WORK/err")"
}

cd "$q" || fail "cd"
for id in $ids; do
  f=$(fixture "$id")
  h=$(printf %s "$id" | cut -c1)
  # By path, from inside queue_directory (MAIL_CONFIG from the environment).
  MAIL_CONFIG=$conf same "$f.postcat-file.txt" "$P" "deferred/$h/$id"
  # By queue ID, and the section options.
  same "$f.postcat-q.txt" "$P" -c "$conf" -q "$id"
  for o in e h b eh; do
    same "$f.postcat-$o.txt" "$P" -c "$conf" -"$o" -q "$id"
  done
  # -v: the fixture starts with Postfix's own chatter from stderr.
  grep -a -v '^postcat: ' "$f.postcat-v.txt" >"$WORK/want-v"
  same "$WORK/want-v" "$P" -c "$conf" -v -q "$id"
  # -r alone changes nothing; -r -v equals -v (no pointers in these files).
  same "$f.postcat-q.txt" "$P" -c "$conf" -r -q "$id"
  same "$WORK/want-v" "$P" -c "$conf" -r -v -q "$id"
  # Standard input: the path is "stdin".
  sed "s|deferred/$h/$id|stdin|" "$f.postcat-q.txt" >"$WORK/want-stdin"
  same "$WORK/want-stdin" "$P" -c "$conf" <"$f"
  ok "$id: file, -q, -e, -h, -b, -eh, -v, -r, stdin"
done

# -q looks in maildrop incoming active deferred hold saved; the printed path
# is where it was found.
id=$(echo $ids | cut -d' ' -f1); h=$(printf %s "$id" | cut -c1)
for dst in hold saved maildrop active incoming; do
  mv "deferred/$h/$id" "$dst/$id" || fail "mv"
  "$P" -c "$conf" -e -q "$id" | head -1 >"$WORK/out"
  assert_eq "*** ENVELOPE RECORDS $dst/$id ***" "$(cat "$WORK/out")" "-q in $dst"
  mv "$dst/$id" "deferred/$h/$id" || fail "mv back"
done
ok "-q searches every queue"

# Several files in one run.
f1=$(fixture "$(echo $ids | cut -d' ' -f1)"); f2=$(fixture "$(echo $ids | cut -d' ' -f2)")
cat "$f1.postcat-q.txt" "$f2.postcat-q.txt" >"$WORK/want-two"
set -- $ids
same "$WORK/want-two" "$P" -c "$conf" -q "$1" "$2"
ok "two IDs"

# -o and -d prefixes (offsets checked against the file's real layout).
f3=$(fixture 45A9EA757A3)
"$P" -c "$conf" -o -d "$f3" >"$WORK/out" || fail "-o -d"
grep -qx "      169  83 sender: kdent@example.com" "$WORK/out" || fail "-o -d sender line: $(sed -n 7p "$WORK/out")"
grep -qx "      188  77 \*\*\* MESSAGE CONTENTS $f3 \*\*\*" "$WORK/out" || fail "-o -d M marker"
grep -qx "      575  82 recipient: kdent@ora.com" "$WORK/out" || fail "-o -d recipient"
# -s starts at an offset: no envelope banner, no validity check.
"$P" -c "$conf" -s 188 "$f3" | head -1 >"$WORK/out"
assert_eq "*** MESSAGE CONTENTS $f3 ***" "$(cat "$WORK/out")" "-s 188"
"$P" -c "$conf" -s 188 <"$f3" | head -1 >"$WORK/out"
assert_eq "*** MESSAGE CONTENTS stdin ***" "$(cat "$WORK/out")" "-s 188 stdin"
# -f: the file name before every line.
"$P" -c "$conf" -f "$f3" >"$WORK/out" || fail "-f"
n=$(wc -l <"$WORK/out"); m=$(grep -c "^$f3: " "$WORK/out")
assert_eq "$n" "$m" "-f prefixes every line"
ok "-o -d -s -f"

# Diagnostics: program name as typed, Postfix's texts and exit status.
expect() {
  want_rc=$1 want_err=$2; shift 2
  "$@" >"$WORK/out" 2>"$WORK/err"; rc=$?
  assert_eq "$want_rc" "$rc" "exit status of $*"
  grep -qxF -- "$want_err" "$WORK/err" || fail "$*: stderr [$(cat "$WORK/err")], want [$want_err]"
}
expect 1 "$P: fatal: bad mail queue ID: bad.id" "$P" -c "$conf" -q bad.id
expect 1 "$P: fatal: open queue file NOSUCHID: No such file or directory" "$P" -c "$conf" -q NOSUCHID
expect 1 "$P: fatal: open /nonexistent/x: No such file or directory" "$P" -c "$conf" /nonexistent/x
( cd "$B" && expect 1 "./postcat: fatal: bad mail queue ID: a/b" ./postcat -c "$conf" -q a/b ) || exit 1
expect 1 "$P: fatal: bad offset: 12x" "$P" -c "$conf" -s 12x "$f3"
echo "hello, not a queue file" >"$WORK/notq"
expect 0 "$P: warning: $WORK/notq: input is not a valid queue file" "$P" -c "$conf" "$WORK/notq"
[ ! -s "$WORK/out" ] || fail "not a queue file: printed something"
"$P" -c "$conf" -z >/dev/null 2>"$WORK/err"; rc=$?
assert_eq 1 "$rc" "usage exit"
grep -q "^$P: fatal: usage: $P \[-b (body text)\] \[-c config_dir\]" "$WORK/err" || fail "usage text: $(cat "$WORK/err")"
ok "diagnostics"

# Damaged files: a message, a non-zero exit, never a crash.
head -c 500 "$f3" >"$WORK/trunc"
expect 1 "$P: fatal: record read error" "$P" -c "$conf" "$WORK/trunc"
grep -qx "$P: warning: $WORK/trunc: unexpected EOF in data, record type 78 length 21" "$WORK/err" \
  || fail "truncation warning: $(cat "$WORK/err")"
head -c 590 "$f3" >"$WORK/noend"
expect 1 "$P: warning: $WORK/noend: premature end of file: no message end record" "$P" -c "$conf" "$WORK/noend"
# Raw bytes of a damaged size record reach the log as '?' (Postfix's
# printable()): ESC CR DEL and two high bytes that are not UTF-8.
python3 -c 'import sys; b = open(sys.argv[1], "rb").read()
sys.stdout.buffer.write(b[:2] + b"3312 \x1b\r\x7f\xff\xfe".ljust(95) + b[97:])' \
  "$f3" >"$WORK/badsize" || fail "python"
"$P" -c "$conf" "$WORK/badsize" >/dev/null 2>"$WORK/err"
grep -q "^$P: warning: invalid size record: 3312 ????? *$" "$WORK/err" \
  || fail "size warning: $(cat -v "$WORK/err")"
assert_eq 0 "$(LC_ALL=C grep -c '[^[:print:]]' "$WORK/err")" "unprintable stderr lines"
ok "damaged files"

# Pointer records as Postfix's cleanup writes them for milter edits: a
# header appended through the heap after E, a recipient added the same way.
python3 - "$f3" "$WORK/ptr" "$WORK/loop" <<'EOF' || fail "python"
import sys
src = open(sys.argv[1], 'rb').read()
def recs(b):
    i, out = 0, []
    while i < len(b):
        t = b[i]; i += 1; n = s = 0
        while True:
            c = b[i]; i += 1; n |= (c & 0x7f) << s; s += 7
            if not c & 0x80: break
        out.append((t, b[i:i + n])); i += n
    return out
def enc(t, d):
    n = len(d); lb = bytearray()
    while True:
        x = n & 0x7f; n >>= 7
        lb.append(x | (0x80 if n else 0))
        if not n: break
    return bytes([t]) + bytes(lb) + d
def build(loop):
    # Keep every record; after the first header line put a pointer to the
    # heap where an extra header sits, followed by a pointer back.
    r = recs(src); out = bytearray(); fix = None; back = None
    for k, (t, d) in enumerate(r):
        if t == ord('E'):
            out += enc(t, d)
            break
        out += enc(t, d)
        if t == ord('N') and fix is None:
            fix = len(out); out += enc(ord('p'), b'%15d' % 0)
            back = len(out); out += enc(ord('p'), b'%15d' % 0)  # dummy
            out += enc(ord('w'), b'padding')
    heap = len(out)
    out += enc(ord('N'), b'X-Milter: added')
    out += enc(ord('p'), b'%15d' % (heap if loop else back))
    out[fix + 2:fix + 17] = b'%15d' % heap
    return bytes(out)
open(sys.argv[2], 'wb').write(build(False))
open(sys.argv[3], 'wb').write(build(True))
EOF
"$P" -c "$conf" -h "$WORK/ptr" >"$WORK/out" || fail "pointer file"
sed -n 2p "$WORK/out" | grep -qx "X-Milter: added" || fail "pointer not followed: $(head -3 "$WORK/out")"
n=$(grep -c . "$WORK/out"); m=$(grep -c . "$f3.postcat-h.txt")
assert_eq $((m + 1)) "$n" "header lines with the inserted one"
"$P" -c "$conf" -v "$WORK/ptr" >"$WORK/out" || fail "-v pointer file"
grep -q "^pointer_record: " "$WORK/out" || fail "-v shows no pointer_record"
grep -qx "padding: padding" "$WORK/out" || fail "-v shows no padding"
grep -qx "regular_text: X-Milter: added" "$WORK/out" || fail "-v did not follow the pointer"
"$P" -c "$conf" -r -v "$WORK/ptr" >"$WORK/out" || fail "-r -v pointer file"
tail -1 "$WORK/out" | grep -q "^pointer_record: " || fail "-r -v: heap not shown after the end marker"
timeout 20 "$P" -c "$conf" "$WORK/loop" >/dev/null 2>"$WORK/err"; rc=$?
assert_eq 1 "$rc" "pointer loop exit"
grep -q "too many reverse jump records" "$WORK/err" || fail "loop: $(cat "$WORK/err")"
ok "pointer records and loops"
exit 0
