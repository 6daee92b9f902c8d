# t_postsuper: postsuper on a "sluice init" instance holding Postfix's real
# queue files: every operation prints what Postfix printed (fixtures), on
# standard error and in the log, and does the same thing on disk; the
# classic "postqueue -p | awk | postsuper -d -" script works; "-d ALL"
# on 1,000 messages; -s/-p repairs; who may run it.
. "$(dirname "$0")/lib.sh"

PS=$B/postsuper
PQ=$B/postqueue
for p in sluice postsuper postqueue postconf; do
  [ -x "$B/$p" ] || skip "no $B/$p"
done
F=$FIXTURES
C=$WORK/inst
chmod 755 "$WORK"	# as root the daemons run as mail_owner
new_instance "$C"
q=$("$B/postconf" -c "$C" -h queue_directory 2>/dev/null)
[ -d "$q/deferred" ] || fail "no queue in $q"
log=$C/log/maillog

IDS="D5CA1A75992 C21D3A75972 45A9EA757A3 4EE5EA75951"
fixture() { ls "$F"/queuefile-?."$1"; }
deferlog() { ls "$F"/deferlog-?."$1"; }
h() { printf %s "$1" | cut -c1; }

# own PATH: files belong to the queue owner, as if the daemons made them
own() { [ "$(id -u)" = 0 ] && chown "$(stat -c %u:%g "$q/deferred")" "$@"; return 0; }

# put QUEUE ID [FILE]: a ready queue file (and the defer log of fixtures)
put() {
  local dir="$q/$1"
  case $1 in deferred|defer) dir="$dir/$(h "$2")";; esac
  mkdir -p "$dir" && own "$dir"
  cp "${3:-$(fixture "$2")}" "$dir/$2" && chmod 0700 "$dir/$2" && own "$dir/$2" || fail "put $1 $2"
}
install_fixtures() {
  rm -rf "$q"/maildrop/* "$q"/incoming/* "$q"/active/* "$q"/deferred/* "$q"/hold/* "$q"/defer/*
  for id in $IDS; do
    put deferred "$id"
    mkdir -p "$q/defer/$(h "$id")" && own "$q/defer/$(h "$id")"
    cp "$(deferlog "$id")" "$q/defer/$(h "$id")/$id" && own "$q/defer/$(h "$id")/$id"
  done
}

# run_ps WANTFILE ARGS...: stderr of postsuper equals the fixture, exit 0,
# nothing on stdout
run_ps() {
  want=$1; shift
  "$PS" -c "$C" "$@" >"$WORK/out" 2>"$WORK/err"; rc=$?
  [ $rc = 0 ] || fail "postsuper $*: exit $rc: $(cat "$WORK/err")"
  [ ! -s "$WORK/out" ] || fail "postsuper $*: stdout: $(cat "$WORK/out")"
  cmp -s "$want" "$WORK/err" || { diff "$want" "$WORK/err" >&2; fail "postsuper $*: differs from $want"; }
}
# expect_err TEXT ARGS...: stderr equals TEXT (one line per argument line)
expect_err() {
  want=$1; shift
  "$PS" -c "$C" "$@" >"$WORK/out" 2>"$WORK/err"; rc=$?
  printf '%s\n' "$want" >"$WORK/want"
  cmp -s "$WORK/want" "$WORK/err" || { diff "$WORK/want" "$WORK/err" >&2; fail "postsuper $*: stderr"; }
  RC=$rc
}

# where ID: the queue holding ID ("none" if not found)
where() {
  local f; f=$(find "$q/maildrop" "$q/incoming" "$q/active" "$q/deferred" "$q/hold" -type f -name "$1" 2>/dev/null)
  [ -n "$f" ] || { echo none; return; }
  f=${f#"$q"/}; echo "${f%%/*}"
}
count() { find "$q/$1" -type f 2>/dev/null | wc -l | tr -d ' '; }

# same_listing WANT: postqueue -p equals WANT, message blocks in any order
# within a queue (readdir order), queue order checked by FIRST / LAST id.
same_listing() {
  TZ=UTC "$PQ" -c "$C" -p >"$WORK/list" 2>"$WORK/list.err" || fail "postqueue -p: $(cat "$WORK/list.err")"
  python3 - "$1" "$WORK/list" "${2:-}" "${3:-}" <<'EOF' || fail "postqueue -p differs from $1"
import sys
def parse(t):
    head, rest = t.split("\n", 1)
    body, trailer = rest.rsplit("\n\n", 1)
    return head, body.split("\n\n"), trailer
want, got = (open(f).read() for f in sys.argv[1:3])
w, g = parse(want), parse(got)
ok = w[0] == g[0] and w[2] == g[2] and sorted(w[1]) == sorted(g[1])
if sys.argv[3]: ok = ok and g[1][0].startswith(sys.argv[3])
if sys.argv[4]: ok = ok and g[1][-1].startswith(sys.argv[4])
if not ok: sys.stderr.write("--- want\n" + want + "--- got\n" + got)
sys.exit(0 if ok else 1)
EOF
}

# ---- one message at a time, as in the fixtures ------------------------------
install_fixtures
same_listing "$F/postqueue-p.txt"

run_ps "$F/postsuper-h.txt" -h D5CA1A75992
assert_eq hold "$(where D5CA1A75992)" "-h moves into hold"
same_listing "$F/postqueue-p-hold.txt" "" "D5CA1A75992!"
grep -q "postfix/postsuper\[[0-9]*\]: D5CA1A75992: placed on hold$" "$log" || fail "-h not logged"
grep -q "postfix/postsuper\[[0-9]*\]: Placed on hold: 1 message$" "$log" || fail "-h summary not logged"

run_ps "$F/postsuper-H.txt" -H D5CA1A75992
assert_eq deferred "$(where D5CA1A75992)" "-H moves back to deferred"
[ -f "$q/deferred/D/D5CA1A75992" ] || fail "-H: not at its hashed path"

run_ps "$F/postsuper-h-ALL.txt" -h ALL
assert_eq 4 "$(count hold)" "-h ALL: all in hold"
assert_eq 0 "$(count deferred)" "-h ALL: deferred empty"
run_ps "$F/postsuper-H-ALL.txt" -H ALL
assert_eq 4 "$(count deferred)" "-H ALL: all back"

before=$(date +%s)
run_ps "$F/postsuper-r.txt" -r C21D3A75972
assert_eq maildrop "$(where C21D3A75972)" "-r moves into maildrop"
assert_eq 700 "$(stat -c %a "$q/maildrop/C21D3A75972")" "-r keeps mode 0700 (pickup: requeued)"
[ "$(stat -c %Y "$q/maildrop/C21D3A75972")" -ge "$before" ] || fail "-r: mtime not now"
[ -f "$q/defer/C/C21D3A75972" ] || fail "-r must keep the defer log"
same_listing "$F/postqueue-p-after-requeue.txt" "C21D3A75972 "

run_ps "$F/postsuper-d.txt" -d D5CA1A75992
assert_eq none "$(where D5CA1A75992)" "-d removes the file"
[ ! -e "$q/defer/D/D5CA1A75992" ] || fail "-d must remove the defer log"
run_ps "$F/postsuper-d-missing.txt" -d NOSUCHID
run_ps "$F/postsuper-d-ALL.txt" -d ALL
for d in maildrop incoming active deferred hold defer; do
  assert_eq 0 "$(count $d)" "-d ALL leaves nothing in $d"
done
TZ=UTC "$PQ" -c "$C" -p | cmp -s - "$F/postqueue-p-empty.txt" || fail "queue not empty after -d ALL"

# -d ALL deferred: the messages only; their defer logs stay (Postfix)
install_fixtures
expect_err "postsuper: Deleted: 4 messages" -d ALL deferred
assert_eq 0 "$(count deferred)" "-d ALL deferred"
assert_eq 4 "$(count defer)" "-d ALL deferred keeps defer logs"

# The same where the kernel gives no io_uring (SLUICE_IO_URING=0: one file
# at a time): the listing, and -d ALL, which leaves a file not yet ready
install_fixtures
export SLUICE_IO_URING=0
same_listing "$F/postqueue-p.txt"
cp "$(fixture D5CA1A75992)" "$q/deferred/D/D5CA1A75993" && own "$q/deferred/D/D5CA1A75993"
chmod 0600 "$q/deferred/D/D5CA1A75993"
expect_err "postsuper: Deleted: 4 messages" -d ALL
assert_eq 1 "$(count deferred)" "-d ALL (no io_uring) keeps the file being written"
assert_eq 0 "$(count defer)" "-d ALL (no io_uring) removes the defer logs"
unset SLUICE_IO_URING
# ... and with it (where the kernel allows it)
install_fixtures
cp "$(fixture D5CA1A75992)" "$q/deferred/D/D5CA1A75993" && own "$q/deferred/D/D5CA1A75993"
chmod 0600 "$q/deferred/D/D5CA1A75993"
expect_err "postsuper: Deleted: 4 messages" -d ALL
assert_eq 1 "$(count deferred)" "-d ALL keeps the file being written"
assert_eq 0 "$(count defer)" "-d ALL removes the defer logs"

# ---- expire, and the summary order -----------------------------------------
install_fixtures
expect_err "postsuper: 45A9EA757A3: expired
postsuper: Force-expired: 1 message" -e 45A9EA757A3
assert_eq 0 "$RC" "-e exit"
assert_eq 710 "$(stat -c %a "$q/deferred/4/45A9EA757A3")" "-e sets g+x"
TZ=UTC "$PQ" -c "$C" -p | grep -q '^45A9EA757A3#     332 ' || fail "mailq shows # for forced expiry"
"$PS" -c "$C" -h 4EE5EA75951 2>/dev/null
expect_err "postsuper: 4EE5EA75951: expired
postsuper: 4EE5EA75951: released from hold
postsuper: Force-expired: 1 message
postsuper: Released from hold: 1 message" -f 4EE5EA75951
assert_eq deferred "$(where 4EE5EA75951)" "-f releases"
assert_eq 710 "$(stat -c %a "$q/deferred/4/4EE5EA75951")" "-f expires"
expect_err "postsuper: C21D3A75972: placed on hold
postsuper: C21D3A75972: requeued
postsuper: D5CA1A75992: removed
postsuper: Requeued: 1 message
postsuper: Deleted: 1 message
postsuper: Placed on hold: 1 message
postsuper: Released from hold: 0 messages" -h C21D3A75972 -r C21D3A75972 -d D5CA1A75992 -H NOSUCHID
assert_eq maildrop "$(where C21D3A75972)" "-h then -r in command-line order"
expect_err "postsuper: warning: invalid mail queue id: bad.id
postsuper: warning: invalid mail queue id: ../x
postsuper: Deleted: 0 messages" -d bad.id -d ../x
assert_eq 0 "$RC" "invalid IDs are warnings"
# a message being written (mode 0600) is invisible
put deferred 4EE5EA75951 && chmod 0600 "$q/deferred/4/4EE5EA75951"
expect_err "postsuper: Deleted: 0 messages" -d 4EE5EA75951
[ -f "$q/deferred/4/4EE5EA75951" ] || fail "-d removed a file that is not ready"
# queue names limit the search
install_fixtures
expect_err "postsuper: Deleted: 0 messages" -d D5CA1A75992 hold
expect_err "postsuper: D5CA1A75992: removed
postsuper: Deleted: 1 message" -d D5CA1A75992 hold deferred

# ---- the admin's classic scripts --------------------------------------------
install_fixtures
"$PS" -c "$C" -h 45A9EA757A3 2>/dev/null
chmod g+x "$q/deferred/D/D5CA1A75992"
# postsuper(1)'s example: delete mail with exactly one recipient
TZ=UTC "$PQ" -c "$C" -p | tail -n +2 | grep -v '^ *(' |
  awk 'BEGIN { RS = "" } { if ($8 == "kdent@ora.com" && $9 == "") print $1 }' |
  tr -d '*!' | "$PS" -c "$C" -d - 2>"$WORK/err"
printf 'postsuper: 45A9EA757A3: removed\npostsuper: Deleted: 1 message\n' | cmp -s - "$WORK/err" ||
  fail "man page script (held message): $(cat "$WORK/err")"
# every message from or to a domain, split on white space
TZ=UTC "$PQ" -c "$C" -p | tail -n +2 | awk 'BEGIN { RS = "" } /@example\.net/ { print $1 }' |
  tr -d '*!' | "$PS" -c "$C" -d - 2>"$WORK/err"
sort "$WORK/err" >"$WORK/err.sorted"
printf 'postsuper: 4EE5EA75951: removed\npostsuper: D5CA1A75992: removed\npostsuper: Deleted: 2 messages\n' |
  sort | cmp -s - "$WORK/err.sorted" || fail "awk script (forced-expire # marker): $(cat "$WORK/err")"
assert_eq 1 "$(count deferred)" "one message left"
# find + postcat, as admins locate files
id=C21D3A75972
f=$(find "$("$B/postconf" -c "$C" -h queue_directory 2>/dev/null)/deferred" -type f -name $id)
[ "$f" = "$q/deferred/C/$id" ] || fail "find deferred -name $id: [$f]"
if [ -x "$B/postcat" ]; then
  TZ=UTC "$B/postcat" -c "$C" "$f" >"$WORK/pc" 2>&1 || fail "postcat $f: $(cat "$WORK/pc")"
  grep -q "^\*\*\* ENVELOPE RECORDS $f \*\*\*$" "$WORK/pc" || fail "postcat output"
  grep -q '^recipient: b@remote.example$' "$WORK/pc" || fail "postcat output recipients"
fi

# ---- -d ALL on 1,000 messages -------------------------------------------------
install_fixtures
rm -rf "$q"/deferred/* "$q"/defer/*
src=$(fixture 45A9EA757A3)
i=0
while [ $i -lt 1000 ]; do
  printf -v id '%05X%X' $((i * 997 % 1000000)) $((0x100000 + i))
  d=$q/deferred/${id:0:1}
  [ -d "$d" ] || { mkdir -p "$d"; own "$d"; }
  cp "$src" "$d/$id"
  i=$((i + 1))
done
chmod 0700 "$q"/deferred/*/*
own "$q"/deferred/*/*
assert_eq 1000 "$(count deferred)" "1000 generated messages"
TZ=UTC "$PQ" -c "$C" -p | tail -1 | grep -qx -- '-- 324 Kbytes in 1000 Requests.' || fail "mailq trailer for 1000"
expect_err "postsuper: Deleted: 1000 messages" -d ALL
assert_eq 0 "$(count deferred)" "-d ALL removed them all"

# ---- repairs ----------------------------------------------------------------
install_fixtures
# a file in the wrong hash directory, a stale and a fresh temporary file,
# a FIFO, a bogus name
mkdir -p "$q/deferred/Z" && own "$q/deferred/Z"
mv "$q/deferred/4/45A9EA757A3" "$q/deferred/Z/45A9EA757A3"
printf x >"$q/incoming/123456.789" && touch -d '8 days ago' "$q/incoming/123456.789"
printf x >"$q/incoming/654321.987"
mkfifo "$q/active/ABCDEF12345"
printf x >"$q/deferred/4/bogus-name"
# name and inode: the copies got new inodes, so -s renames them
"$PS" -c "$C" -s -p >"$WORK/out" 2>"$WORK/err" || fail "postsuper -s -p: $(cat "$WORK/err")"
[ -f "$q/deferred/Z/45A9EA757A3" ] && fail "-s left a file in the wrong hash directory"
[ -e "$q/incoming/123456.789" ] && fail "-p kept a stale temporary file"
[ -e "$q/incoming/654321.987" ] || fail "-p removed a fresh temporary file"
[ -e "$q/active/ABCDEF12345" ] && fail "-p kept a FIFO"
grep -qx "postsuper: warning: bogus file name: deferred/4/bogus-name" "$WORK/err" || fail "-s bogus name: $(cat "$WORK/err")"
grep -qx "postsuper: Renamed to match inode number: 4 messages" "$WORK/err" || fail "-s rename summary: $(cat "$WORK/err")"
grep -qx "postsuper: warning: QUEUE FILE NAMES WERE CHANGED TO MATCH INODE NUMBERS" "$WORK/err" || fail "-s warning"
for f in $(find "$q/deferred" -type f -name '[0-9A-F]*[0-9A-F]'); do
  id=$(basename "$f")
  want=$(printf '%X' "$(stat -c %i "$f")")
  [ "${id#?????}" = "$want" ] || fail "-s: $id does not match inode $want"
  [ "$f" = "$q/deferred/$(h "$id")/$id" ] || fail "-s: $f not hashed"
  [ -f "$q/defer/$(h "$id")/$id" ] || fail "-s: defer log of $id did not follow"
done
TZ=UTC "$PQ" -c "$C" -p | grep -c 'Connection refused)$' | grep -qx 4 || fail "reasons lost after -s"
# a second run changes nothing
"$PS" -c "$C" -s 2>"$WORK/err2" || fail "second -s"
grep -q Renamed "$WORK/err2" && fail "second -s renamed again"
# per-ID requests are refused after a rename
rm -rf "$q"/deferred/* && put deferred 45A9EA757A3
expect_err "postsuper: Renamed to match inode number: 1 message
postsuper: warning: QUEUE FILE NAMES WERE CHANGED TO MATCH INODE NUMBERS
postsuper: error: QUEUE FILE NAMES WERE CHANGED TO MATCH INODE NUMBERS
postsuper: fatal: CHECK YOUR QUEUE IDS AND RE-ISSUE THE COMMAND" -s -d 45A9EA757A3
assert_eq 1 "$RC" "fatal exit status"

# ---- usage, bad arguments, privileges ----------------------------------------
expect_err "postsuper: fatal: invalid directory name: nosuch" -d ALL nosuch
assert_eq 1 "$RC" "bad queue name exit"
"$PS" -c relative/dir -s >/dev/null 2>"$WORK/err"; rc=$?
assert_eq 1 "$rc" "-c relative exit"
grep -qx "postsuper: fatal: -c requires absolute pathname" "$WORK/err" || fail "-c relative: $(cat "$WORK/err")"
"$PS" -c "$C" -x >/dev/null 2>"$WORK/err"; rc=$?
assert_eq 1 "$rc" "usage exit"
grep -q "^postsuper: fatal: usage: postsuper \[-c config_dir\] \[-d queue_id (delete)\]" "$WORK/err" || fail "usage text: $(cat "$WORK/err")"
if [ "$(id -u)" = 0 ]; then
  setpriv --reuid=1 --regid=1 --clear-groups "$PS" -c "$C" -d ALL >/dev/null 2>"$WORK/err"; rc=$?
  assert_eq 1 "$rc" "non-owner exit"
  grep -qx "postsuper: fatal: use of this command is reserved for the superuser" "$WORK/err" ||
    fail "non-owner: $(cat "$WORK/err")"
fi
ok "postsuper"
