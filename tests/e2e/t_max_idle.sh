# max_idle and max_use (util/server), as an administrator sees them: with
# max_idle = 2s an smtpd started by a client exits a few seconds after the
# session ends, silently (no "process ... exit status" warning, no
# throttling), and the next client still gets a fresh smtpd and its mail
# is delivered. With "-o max_use=3" (and maxproc 1) on the smtpd line of
# master.cf, the smtpd pid changes every few sessions and no session is
# refused or lost: a session left open across the limit ends normally on
# the retiring process while a successor serves the next client, and
# clients connecting in parallel while processes retire are all served. qmgr
# ignores both (it keeps its pid). pickup, a trigger server, retires too
# and a later sendmail still gets its mail delivered; so do bounce (after
# sending a non-delivery notice) and flush (after postqueue -i).
. "$(dirname "$0")/lib.sh"
for p in sluice master smtpd cleanup qmgr pickup smtp sendmail postdrop; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
chmod 755 "$WORK"	# as root the daemons run as mail_owner
sp=$(free_port)
start_sink "$sp" "$WORK/sink" --reply gone@example.net="550 5.1.1 User unknown"
C="$WORK/inst"
new_instance "$C"
"$B/postconf" -c "$C" -e "relayhost = [127.0.0.1]:$sp" \
  "minimal_backoff_time = 2s" "maximal_backoff_time = 4s" "queue_run_delay = 1s" \
  "myhostname = relay.example.com" "myorigin = example.com" \
  "max_idle = 2s" >/dev/null || fail "postconf -e"
port=$(sed -n 's/^\([0-9.:]*\) *inet .*smtpd$/\1/p' "$C/master.cf" | head -1)
port=${port##*:}
[ -n "$port" ] || fail "no smtpd port in master.cf"
# One smtpd process at most (maxproc 1), so that only a successor can
# serve a client while a retiring process finishes an open session.
sed -i "s/^\(127\.0\.0\.1:$port *inet *[-ny] *[-ny] *[-ny] *[-0-9?]*\) *- *smtpd\$/\1 1 smtpd -o max_use=3/" "$C/master.cf"
grep -q -- " 1 smtpd -o max_use=3" "$C/master.cf" || fail "could not set maxproc 1, -o max_use=3"
"$B/sluice" -c "$C" start || fail "sluice start"
INSTANCES="$C"
LOG="$C/log/maillog"
qd=$("$B/postconf" -c "$C" -h queue_directory)
m=$(tr -d ' ' < "$qd/pid/master.pid")
prog() { ps -o pid=,args= --ppid "$m" 2>/dev/null | awk -v p="$1" '$2 == p { print $1 }'; }
gone() { [ -z "$(prog "$1")" ]; }
delivered() { [ "$(sink_count "$WORK/sink")" -ge "$1" ]; }
export PYTHONPATH="$SLUICE_ROOT/tests/e2e"

# smtp_sessions N PARALLEL TAG: N sessions, PARALLEL at a time, each one
# message; prints the number of sessions that got 250 after DATA.
smtp_sessions() {
  python3 - "$port" "$1" "$2" "$3" <<'PY'
import socket, sys, threading
port, n, par, tag = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
good = []
def reply(f):
    while True:
        line = f.readline().decode()
        if len(line) < 4 or line[3] != "-":
            return line
def session(i):
    try:
        s = socket.create_connection(("127.0.0.1", port), 10); s.settimeout(30)
        f = s.makefile("rb")
        if not reply(f).startswith("220"):
            return
        for cmd, code in ((b"EHLO t.example", "250"), (b"MAIL FROM:<a@example.com>", "250"),
                          (("RCPT TO:<%s-%d@example.net>" % (tag, i)).encode(), "250"),
                          (b"DATA", "354"), (b"Subject: max_use\r\n\r\nhello\r\n.", "250"),
                          (b"QUIT", "221")):
            s.sendall(cmd + b"\r\n")
            r = reply(f)
            if not r.startswith(code):
                print("session %d: %r -> %r" % (i, cmd[:20], r), file=sys.stderr)
                return
        good.append(i)
    except Exception as e:
        print("session %d: %s" % (i, e), file=sys.stderr)
for start in range(0, n, par):
    ts = [threading.Thread(target=session, args=(i,)) for i in range(start, min(n, start + par))]
    for t in ts: t.start()
    for t in ts: t.join(60)
print(len(good))
PY
}

wait_for 10 sh -c "[ -n \"\$(ps -o pid=,args= --ppid $m | awk '\$2 == \"qmgr\"')\" ]" ||
  fail "qmgr not started"
q1=$(prog qmgr)
gone smtpd || fail "smtpd runs before any client"

# ---- max_idle -----------------------------------------------------------------
n=$(smtp_sessions 1 1 idle)
assert_eq 1 "$n" "first session served"
s1=$(prog smtpd)
[ -n "$s1" ] || fail "no smtpd after a session"
wait_for 30 delivered 1 || { tail -20 "$LOG"; fail "first message not delivered"; }
wait_for 15 gone smtpd || fail "smtpd $s1 still runs long after max_idle = 2s"
ok "smtpd $s1 exited after max_idle with no client"

n=$(smtp_sessions 1 1 again)
assert_eq 1 "$n" "session after the idle exit served"
s2=$(prog smtpd)
[ -n "$s2" ] && [ "$s2" != "$s1" ] || fail "no fresh smtpd for the next client ($s1 -> $s2)"
wait_for 30 delivered 2 || { tail -20 "$LOG"; fail "second message not delivered"; }
ok "the next client started smtpd $s2; mail delivered"

# ---- max_use (-o max_use=3 on the smtpd line) ----------------------------------
wait_for 15 gone smtpd || fail "smtpd $s2 did not exit after max_idle"
pids=""
for i in 1 2 3 4 5 6 7; do
  n=$(smtp_sessions 1 1 "use$i")
  assert_eq 1 "$n" "sequential session $i served"
  pids="$pids $(prog smtpd)"
done
distinct=$(echo $pids | tr ' ' '\n' | sort -u | grep -c .)
[ "$distinct" -ge 2 ] || fail "smtpd pid never changed over 7 sessions with max_use=3: $pids"
wait_for 30 delivered 9 || { tail -20 "$LOG"; fail "not all sequential messages delivered"; }
ok "7 sessions with max_use=3: all served, smtpd pids$pids"

# A session stays open while its process passes max_use: as Postfix's
# multi-server daemons do, the process goes on serving, new clients
# included, while it has any, and retires only when none is left; the
# next client then gets a new process.
wait_for 15 gone smtpd || fail "smtpd did not exit after max_idle"
python3 - "$port" "$WORK/held.go" > held.out 2>&1 <<'PY' &
import os, socket, sys, time
port, flag = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port), 10); s.settimeout(60)
f = s.makefile("rb")
def reply():
    while True:
        line = f.readline().decode()
        if len(line) < 4 or line[3] != "-":
            return line
assert reply().startswith("220")
s.sendall(b"EHLO held.example\r\n"); assert reply().startswith("250")
print("ready", flush=True)
for i in range(600):
    if os.path.exists(flag):
        break
    time.sleep(0.1)
for cmd, code in ((b"MAIL FROM:<a@example.com>", "250"), (b"RCPT TO:<held@example.net>", "250"),
                  (b"DATA", "354"), (b"Subject: held\r\n\r\nhello\r\n.", "250"), (b"QUIT", "221")):
    s.sendall(cmd + b"\r\n")
    r = reply()
    assert r.startswith(code), (cmd, r)
print("held session done", flush=True)
PY
held=$!
remember $held
wait_for 10 grep -q ready held.out || { cat held.out; fail "held session did not start"; }
old=$(prog smtpd)
n=$(smtp_sessions 2 1 beside)
assert_eq 2 "$n" "sessions 2 and 3 beside the held one"
n=$(smtp_sessions 1 1 past)
assert_eq 1 "$n" "session 4, after max_use, while session 1 is still open"
assert_eq "$old" "$(prog smtpd)" "smtpd serving past max_use while a session is open"
touch "$WORK/held.go"
wait "$held" || { cat held.out; fail "the held session failed"; }
grep -q "held session done" held.out || { cat held.out; fail "the held session failed"; }
wait_for 15 sh -c "! ps -o pid= -p $old >/dev/null" || fail "smtpd $old past max_use did not exit when its last session ended"
n=$(smtp_sessions 1 1 after)
assert_eq 1 "$n" "session after the retirement"
new=$(prog smtpd)
[ -n "$new" ] && [ "$new" != "$old" ] || fail "no new smtpd after $old retired: [$new]"
wait_for 30 delivered 14 || { tail -20 "$LOG"; fail "held-session messages not all delivered"; }
ok "smtpd $old served on past max_use while busy, retired when idle; $new took over"

# Parallel clients while processes retire: none refused, none lost.
n=$(smtp_sessions 60 6 par)
assert_eq 60 "$n" "parallel sessions served with max_use=3"
wait_for 60 delivered 74 || { tail -20 "$LOG"; fail "parallel messages not all delivered ($(sink_count "$WORK/sink")/74)"; }
ok "60 sessions, 6 at a time, with max_use=3: all served and delivered"

# ---- pickup (a trigger server) retires too; sendmail still works ----------------
p1=$(prog pickup)
if [ -n "$p1" ]; then
  wait_for 15 gone pickup || fail "pickup $p1 still runs long after max_idle = 2s"
fi
printf 'Subject: via sendmail\n\nhello\n' |
  "$B/sendmail" -C "$C" -f a@example.com pickup@example.net || fail "sendmail exit $?"
wait_for 30 delivered 75 || { tail -20 "$LOG"; fail "sendmail message not delivered after pickup retired"; }
ok "pickup retired when idle; a later sendmail message was delivered"

# ---- bounce and flush (multi-client daemons) retire too -------------------------
gone bounce || fail "bounce runs before any bounce"
printf 'Subject: to bounce\n\nhello\n' |
  "$B/sendmail" -C "$C" -f a@example.com gone@example.net || fail "sendmail exit $?"
wait_for 30 delivered 76 || { tail -20 "$LOG"; fail "no non-delivery notice came back"; }
b1=$(prog bounce)
[ -n "$b1" ] || fail "no bounce process after a bounce"
wait_for 15 gone bounce || fail "bounce $b1 still runs long after max_idle = 2s"
ok "bounce $b1 sent the notice and retired after max_idle"
"$B/postqueue" -c "$C" -i 4BCD1234567 >/dev/null 2>&1	# no such message: fine
f1=$(prog flush)
[ -n "$f1" ] || fail "postqueue -i started no flush process"
wait_for 15 gone flush || fail "flush $f1 still runs long after max_idle = 2s"
ok "flush $f1 retired after max_idle"

# ---- qmgr ignores max_idle; nothing was logged as a crash -------------------------
assert_eq "$q1" "$(prog qmgr)" "qmgr pid after more than max_idle of idleness"
! grep -E "master\[[0-9]+\]: warning" "$LOG" || fail "the master warned about a voluntary exit"
! grep -q "throttling" "$LOG" || fail "a voluntary exit was throttled"
ok "qmgr $q1 kept its pid; no master warning, no throttling"
