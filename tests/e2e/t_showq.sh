# t_showq: the showq service (public/showq) and who can list the queue.
# (a) A local user lists the queue through the set-group-ID postqueue (the
#     user_bin copies): postqueue -p / -j, mailq and sendmail -bp print what
#     root's direct read of the queue prints, byte for byte; postqueue -f
#     works; without the set-group-ID bit the user gets Postfix's errors.
# (b) Debian's prometheus-postfix-exporter scrapes public/showq and counts
#     the queued messages; (c) Postfix's qshape shows them by domain;
#     (d) Postfix's own showq (stand-alone) sends the very bytes our
#     service sends. (b)-(d) use the Debian packages, fetched once with
#     "apt-get download" and unpacked with dpkg-deb into build/ext/ (not
#     installed: both depend on a system Postfix); without a reachable
#     repository they are skipped with a message.
# (e) A client that stops reading is dropped after ipc_timeout while other
#     clients are served; (f) with the mail system down a user is told
#     "Queue report unavailable - mail system is down".
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || skip "t_showq needs root (local users, set-group-ID commands)"
for p in sluice postqueue postconf postsuper sendmail showq; do
  [ -x "$B/$p" ] || skip "no $B/$p"
done
getent group postdrop >/dev/null || skip "no postdrop group"

C=$WORK/inst
UB=$WORK/ubin
U=sq$$u
add_user "$U"
user_bin "$UB"
port=$(free_port)
dead=$(free_port)
new_instance "$C" "$port"
INSTANCES="${INSTANCES:-} $C"
# Deferred mail stays deferred for the test's lifetime.
"$B/postconf" -c "$C" -e "relayhost = [127.0.0.1]:$dead" "command_directory = $UB" \
  "minimal_backoff_time = 1h" "maximal_backoff_time = 2h" "queue_run_delay = 1h" \
  >/dev/null || fail "postconf -e"
trust_config_dir "$C"
q=$("$B/postconf" -c "$C" -h queue_directory)
"$B/sluice" -c "$C" start >/dev/null 2>&1 || fail "sluice start"
wait_for 10 test -S "$q/public/showq" || fail "no public/showq"

# Three messages to two domains stay deferred; a fourth goes on hold.
for i in 1 2 3; do
  printf 'Subject: t%s\n\nhello\n' "$i" |
    "$B/sendmail" -C "$C" -f "me@example.org" "you$i@example.net" "x$i@other.test" ||
    fail "sendmail $i"
done
printf 'Subject: held\n\nhello\n' | "$B/sendmail" -C "$C" -f "me@example.org" "h@third.example" ||
  fail "sendmail held"
four_deferred() { [ "$(queue_count "$C" deferred)" = 4 ]; }   # re-counted at each try
wait_for 20 four_deferred || fail "mail was not deferred"
held=$("$B/postqueue" -c "$C" -j | python3 -c '
import json, sys
for l in sys.stdin:
    m = json.loads(l)
    if m["recipients"][0]["address"] == "h@third.example": print(m["queue_id"])')
[ -n "$held" ] || fail "no held message found"
"$B/postsuper" -c "$C" -h "$held" 2>/dev/null || fail "postsuper -h"

# ---- (a) a local user ------------------------------------------------------
# Root's direct read: a configuration whose showq service does not exist.
mkdir -p "$WORK/direct"
{ cat "$C/main.cf"; echo "showq_service_name = noshowq"; } >"$WORK/direct/main.cf"
"$B/postqueue" -c "$WORK/direct" -p >"$WORK/want-p" 2>"$WORK/direct.err" || fail "direct -p"
grep -q 'Mail system is down -- accessing queue directly (Connect to the sluice noshowq service: No such file or directory)' \
  "$WORK/direct.err" || fail "direct read warning: $(cat "$WORK/direct.err")"
"$B/postqueue" -c "$WORK/direct" -j >"$WORK/want-j" 2>/dev/null || fail "direct -j"
grep -q ' in 4 Requests\.$' "$WORK/want-p" || fail "want 4 messages: $(cat "$WORK/want-p")"
grep -q '^[0-9A-F]*! ' "$WORK/want-p" || fail "no held message in the listing"

# same [ARGS]: as the user, stdout equals FILE, stderr empty, exit 0
same() {
  local want=$1; shift
  as_user "$U" "$@" >"$WORK/got" 2>"$WORK/got.err"; rc=$?
  [ $rc = 0 ] || fail "$*: exit $rc: $(cat "$WORK/got.err")"
  [ ! -s "$WORK/got.err" ] || fail "$*: stderr: $(cat "$WORK/got.err")"
  listings_match "$want" "$WORK/got" || fail "$*: differs from the direct read: $(cat "$WORK/got")"
}
"$B/postqueue" -c "$C" -p >"$WORK/root-p" && listings_match "$WORK/want-p" "$WORK/root-p" || fail "root's postqueue -p via showq differs"
same "$WORK/want-p" "$UB/postqueue" -c "$C" -p
same "$WORK/want-j" "$UB/postqueue" -c "$C" -j
same "$WORK/want-p" "$UB/mailq" -C "$C"
same "$WORK/want-p" "$UB/sendmail" -C "$C" -bp
MAIL_CONFIG=$C same "$WORK/want-p" "$UB/postqueue" -p
as_user "$U" "$UB/postqueue" -c "$C" -f >"$WORK/out" 2>&1 || fail "user postqueue -f: $(cat "$WORK/out")"
[ ! -s "$WORK/out" ] || fail "user postqueue -f prints: $(cat "$WORK/out")"
ok "a local user lists the queue (postqueue -p/-j, mailq, sendmail -bp) and flushes it"

# Without the set-group-ID bit the user cannot reach public/: Postfix's texts.
mkdir -p "$WORK/plain" && cp "$B/postqueue" "$WORK/plain/postqueue" && chmod 755 "$WORK/plain/postqueue"
as_user "$U" "$WORK/plain/postqueue" -c "$C" -p >"$WORK/out" 2>"$WORK/err"; rc=$?
assert_eq 69 "$rc" "plain postqueue -p exit"
assert_eq "postqueue: fatal: Connect to the sluice showq service: Permission denied" "$(cat "$WORK/err")" \
  "plain postqueue -p"
as_user "$U" "$WORK/plain/postqueue" -c "$C" -f >"$WORK/out" 2>"$WORK/err"; rc=$?
assert_eq 69 "$rc" "plain postqueue -f exit"
assert_eq "postqueue: fatal: Cannot flush mail queue - mail system is down" "$(cat "$WORK/err")" \
  "plain postqueue -f"
ok "without set-group-ID: Postfix's errors, exit 69"

# showq_stream FILE: everything public/showq sends
showq_stream() {
  python3 - "$q/public/showq" "$1" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(20)
s.connect(sys.argv[1])
data = b""
while True:
    b = s.recv(65536)
    if not b: break
    data += b
open(sys.argv[2], "wb").write(data)
EOF
}

# ---- (b)-(d) Debian's exporter, qshape and Postfix's showq -------------------
if ! X=$(fetch_debs exporter prometheus-postfix-exporter postfix); then
  echo "SKIPPED (b)-(d): cannot fetch prometheus-postfix-exporter and postfix with apt-get download"
else
  # (b) the exporter's queue metrics count what is queued
  mport=$(free_port)
  "$X/usr/bin/prometheus-postfix-exporter" --web.listen-address="127.0.0.1:$mport" \
    --postfix.showq_path="$q/public/showq" --postfix.logfile_path="$C/log/maillog" \
    >"$WORK/exporter.log" 2>&1 &
  remember $!
  wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $mport), 1)" ||
    fail "the exporter did not start: $(cat "$WORK/exporter.log")"
  python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$mport/metrics', timeout=20).read().decode())" \
    >"$WORK/metrics" || fail "scrape /metrics"
  grep -E '^postfix_(up|showq_message_(size_bytes|age_seconds)_count)' "$WORK/metrics" | sed 's/^/  /'
  for want in "postfix_up{path=\"$q/public/showq\"} 1" \
    'postfix_showq_message_size_bytes_count{queue="deferred"} 3' \
    'postfix_showq_message_size_bytes_count{queue="hold"} 1' \
    'postfix_showq_message_size_bytes_count{queue="active"} 0' \
    'postfix_showq_message_age_seconds_count{queue="deferred"} 3' \
    'postfix_showq_message_age_seconds_count{queue="hold"} 1'; do
    grep -qxF "$want" "$WORK/metrics" || fail "exporter: no line [$want]"
  done
  ok "prometheus-postfix-exporter reads public/showq: 3 deferred, 1 held"

  # (c) qshape, with our postconf telling it queue_directory
  PATH=$B:$PATH perl "$X/usr/sbin/qshape" -c "$C" deferred >"$WORK/qshape" 2>"$WORK/qshape.err" ||
    fail "qshape: $(cat "$WORK/qshape.err")"
  sed 's/^/  /' "$WORK/qshape"
  awk '$1 == "TOTAL" && $2 == 6 {t=1} $1 == "example.net" && $2 == 3 {a=1}
    $1 == "other.test" && $2 == 3 {b=1} END {exit !(t && a && b)}' "$WORK/qshape" ||
    fail "qshape deferred: want TOTAL 6, example.net 3, other.test 3"
  PATH=$B:$PATH perl "$X/usr/sbin/qshape" -c "$C" hold >"$WORK/qshape" 2>&1 || fail "qshape hold"
  awk '$1 == "TOTAL" && $2 == 1 {t=1} $1 == "third.example" && $2 == 1 {a=1} END {exit !(t && a)}' \
    "$WORK/qshape" || fail "qshape hold: $(cat "$WORK/qshape")"
  ok "qshape shows the queued mail by recipient domain"

  # (d) Postfix's showq, stand-alone over the same queue, sends the same bytes
  mkdir -p "$WORK/pf"
  printf '%s\n' "compatibility_level = 3.7" "queue_directory = $q" "mail_owner = sluice" \
    "setgid_group = postdrop" >"$WORK/pf/main.cf"
  MAIL_CONFIG=$WORK/pf LD_LIBRARY_PATH=$X/usr/lib/postfix "$X/usr/lib/postfix/sbin/showq" -u -S \
    </dev/null >"$WORK/pf.bin" 2>"$WORK/pf.err" || fail "Postfix's showq -S: $(cat "$WORK/pf.err")"
  showq_stream "$WORK/ours.bin"
  # the same bytes, message records in any order within a queue (directory
  # order for Postfix; one worker per processor for ours)
  python3 - "$WORK/pf.bin" "$WORK/ours.bin" <<'PYEOF' || fail "our showq stream differs from Postfix's showq"
import sys
def groups(b):
    t = b.split(b"\0")
    if t[-1] != b"":
        sys.exit("no NUL at the end")
    t, out, cur, i = t[:-1], [], [], 0
    while i < len(t):
        if t[i] == b"":
            out.append(tuple(cur)); cur = []; i += 1
        else:
            cur.append((t[i], t[i + 1] if i + 1 < len(t) else None)); i += 2
    if cur:
        sys.exit("a group without its end")
    return out
def canon(gs):  # hello, then per queue (in order) the sorted records, end
    queues = []
    for g in gs[1:-1]:
        q = dict(g).get(b"queue_name")
        if not queues or queues[-1][0] != q:
            queues.append((q, []))
        queues[-1][1].append(g)
    return gs[0], [(q, sorted(r)) for q, r in queues], gs[-1]
a, b = (open(f, "rb").read() for f in sys.argv[1:3])
sys.exit(0 if len(a) == len(b) and canon(groups(a)) == canon(groups(b)) else 1)
PYEOF
  ok "our showq stream equals Postfix 3.7's showq: the same $(wc -c <"$WORK/ours.bin") bytes, records in any order within a queue"
fi

# ---- (e) a client that stops reading ------------------------------------------
# 6000 more held messages (copies of the held one) make the listing larger
# than the socket buffers, so a client that reads nothing blocks showq's
# writes for it; showq's ipc_timeout is 2 s.
sed -i "s|^showq .*|& -o ipc_timeout=2s|" "$C/master.cf"
"$B/sluice" -c "$C" reload >/dev/null 2>&1 || fail "reload"
python3 - "$q/hold/$held" "$q/hold" <<'EOF' || fail "make held copies"
import os, shutil, sys
src, d = sys.argv[1], sys.argv[2]
st = os.stat(src)
for i in range(6000):
    p = os.path.join(d, "F%05X%05X" % (i, i))
    shutil.copyfile(src, p)
    os.chown(p, st.st_uid, st.st_gid)
    os.chmod(p, 0o700)
EOF
sleep 1
python3 - "$q/public/showq" <<'EOF' >"$WORK/stuck.out" 2>&1 &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(sys.argv[1])
first = s.recv(100)
time.sleep(6)                 # read nothing: showq must give up
data = first
s.settimeout(10)
while True:
    b = s.recv(65536)
    if not b: break
    data += b
# the whole stream, read at once, for comparison (the queue is unchanged)
f = socket.socket(socket.AF_UNIX)
f.connect(sys.argv[1])
full = b""
while True:
    b = f.recv(65536)
    if not b: break
    full += b
print("cut" if len(data) < len(full) else "complete", len(data), len(full))
EOF
stuck=$!
remember $stuck
sleep 1
# meanwhile another client gets the whole listing
as_user "$U" "$UB/postqueue" -c "$C" -p >"$WORK/big" 2>"$WORK/big.err" || fail "user -p (large): $(cat "$WORK/big.err")"
tail -1 "$WORK/big" | grep -q ' in 6004 Requests\.$' || fail "large listing: $(tail -1 "$WORK/big")"
wait "$stuck"
grep -q '^cut ' "$WORK/stuck.out" || fail "the stuck client got: $(cat "$WORK/stuck.out")"
wait_for 5 grep -q 'postfix/showq\[[0-9]*\]: warning: timeout sending the queue listing to a client' \
  "$C/log/maillog" || fail "no timeout warning in the log"
as_user "$U" "$UB/postqueue" -c "$C" -p | tail -1 | grep -q ' in 6004 Requests\.$' ||
  fail "showq after the timeout"
ok "a client that stops reading is dropped after ipc_timeout; others are served"
find "$q/hold" -name 'F*' -delete

# ---- (f) the mail system down -----------------------------------------------------
"$B/sluice" -c "$C" stop >/dev/null 2>&1
as_user "$U" "$UB/postqueue" -c "$C" -p >"$WORK/out" 2>"$WORK/err"; rc=$?
assert_eq 69 "$rc" "user postqueue -p, system down: exit"
grep -Eqx 'postqueue: fatal: Queue report unavailable - mail system is down \(Connect to the sluice showq service: (Connection refused|No such file or directory)\)' \
  "$WORK/err" || fail "user postqueue -p, system down: $(cat "$WORK/err")"
[ ! -s "$WORK/out" ] || fail "system down: stdout: $(cat "$WORK/out")"
ok "with the mail system down a user gets 'Queue report unavailable'"
ok "showq"
