# master: a service without a wakeup column starts its first process only
# when its endpoint becomes readable (a client connects), as Postfix's
# master does. After start no relay, bounce, showq, smtpd or cleanup runs;
# qmgr and pickup (wakeup column) do. A client gets the banner of an
# on-demand smtpd and its mail is delivered; postqueue -p gets its showq. A
# killed on-demand process is not started again until the next client; one
# that dies again at once is throttled, not restarted in a loop. stop
# leaves nothing behind.
. "$(dirname "$0")/lib.sh"
for p in sluice master smtpd cleanup qmgr pickup smtp showq postqueue; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
chmod 755 "$WORK"	# as root the daemons run as mail_owner
sp=$(free_port)
start_sink "$sp" "$WORK/sink"
relay_instance "$WORK/inst" "$sp"
LOG="$C/log/maillog"
port=$(sed -n 's/^\([0-9.:]*\) *inet .*smtpd$/\1/p' "$C/master.cf" | head -1)
port=${port##*:}
[ -n "$port" ] || fail "no smtpd port in master.cf"
qd=$("$B/postconf" -c "$C" -h queue_directory)
m=$(tr -d ' ' < "$qd/pid/master.pid")
alive() { [ -n "$(ps -o stat= -p "$1" 2>/dev/null | grep -v '^Z')" ]; }
# svc NAME: pids of the master's children for master.cf service NAME (-n)
svc() { ps -o pid=,args= --ppid "$m" 2>/dev/null | awk -v n="$1" '{ for (i = 3; i < NF; i++) if ($i == "-n" && $(i+1) == n) print $1 }'; }
prog() { ps -o pid=,args= --ppid "$m" 2>/dev/null | awk -v p="$1" '$2 == p { print $1 }'; }
has() { [ -n "$(prog "$1")" ]; }
banner() {
  python3 -c "import socket,sys; s=socket.create_connection(('127.0.0.1', $port), 5); s.settimeout(30); sys.stdout.write(s.recv(100).decode())"
}

wait_for 10 has qmgr || fail "qmgr not started at once"
wait_for 10 has pickup || fail "pickup not started at once"
sleep 0.5
for s in relay bounce showq flush cleanup smtp; do
  [ -z "$(svc "$s")" ] || fail "service $s runs a process before any use"
done
[ -z "$(prog smtpd)" ] || fail "smtpd runs before any client"
ok "after start only qmgr and pickup run"

# A client: banner from a fresh smtpd, mail through cleanup and smtp.
PYTHONPATH="$SLUICE_ROOT/tests/e2e" python3 - "$port" <<'PY' || fail "SMTP transaction"
import socket, sys
from smtpclient import last_reply
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5); s.settimeout(30)
f = s.makefile("rb")
assert last_reply(f).startswith("220")
for cmd, code in ((b"EHLO t.example", "250"), (b"MAIL FROM:<a@example.com>", "250"),
                  (b"RCPT TO:<od@example.net>", "250"), (b"DATA", "354"),
                  (b"Subject: on demand\r\n\r\nhello\r\n.", "250"), (b"QUIT", "221")):
    s.sendall(cmd + b"\r\n")
    r = last_reply(f)
    assert r.startswith(code), (cmd, r)
PY
wait_for 30 sh -c "[ \$(ls '$WORK/sink' | grep -c '\.env\$') -ge 1 ]" ||
  { tail -20 "$LOG"; fail "mail did not reach the sink"; }
has smtpd || fail "no smtpd after a client"
[ -n "$(svc cleanup)" ] || fail "no cleanup after a message"
[ -z "$(svc relay)" ] || fail "relay started though nothing used it"
ok "first client: banner, mail delivered, smtpd and cleanup started on demand"

# postqueue -p: showq starts when postqueue connects.
"$B/postqueue" -c "$C" -p > pq.out 2>&1 || { cat pq.out; fail "postqueue -p"; }
grep -q "Mail queue is empty" pq.out || { cat pq.out; fail "postqueue -p output"; }
[ -n "$(svc showq)" ] || fail "no showq after postqueue -p"
ok "postqueue -p works (showq on demand)"

# kill -9: no new process without a client; the next client gets one.
s1=$(prog smtpd)
kill -9 $s1
wait_for 10 sh -c "! ps -o pid= --ppid $m | grep -qw $s1" || fail "killed smtpd still a child"
wait_for 5 grep -q "pid $s1 killed by signal 9" "$LOG" || fail "no 'killed by signal 9' line"
sleep 1
[ -z "$(prog smtpd)" ] || fail "smtpd restarted without a client"
banner | grep -q '^220 ' || fail "no banner after smtpd was killed"
s2=$(prog smtpd)
[ -n "$s2" ] && [ "$s2" != "$s1" ] || fail "smtpd not started again by a client"
ok "killed smtpd $s1: back to watching, the next client starts $s2"

# It dies again at once: throttled (service_throttle_time 1s), no loop;
# a client still gets a banner once the throttle time is over.
kill -9 $s2
wait_for 10 grep -q "smtpd: bad command startup -- throttling" "$LOG" ||
  { tail "$LOG"; fail "no throttling after a quick second death"; }
banner | grep -q '^220 ' || fail "no banner after throttling"
n=$(grep -c "smtpd pid .* killed by signal 9" "$LOG")
assert_eq 2 "$n" "smtpd deaths logged"
ok "a quick second death is throttled, then a client is served"

# stop: every child goes, the master too.
kids=$(ps -o pid= --ppid "$m" | tr -d ' ')
"$B/sluice" -c "$C" stop 2>/dev/null || fail "sluice stop"
alive "$m" && fail "master alive after stop"
for k in $kids; do alive "$k" && fail "child $k alive after stop"; done
ok "stop leaves no process"
