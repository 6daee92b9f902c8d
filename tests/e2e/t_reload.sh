# sluice reload while an SMTP client is in the middle of DATA: the old smtpd
# (and the cleanup it talks to) finish that client, a new smtpd takes new
# clients at once, and the drained processes exit afterwards.
. "$(dirname "$0")/lib.sh"
for p in sluice smtpd master cleanup qmgr smtp; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
sp=$(free_port); port=$(free_port)
start_sink "$sp" "$WORK/sink"
C=$WORK/inst
"$B/sluice" init "$C" "$port" >/dev/null || fail "init"
"$B/postconf" -c "$C" -e "relayhost = [127.0.0.1]:$sp" >/dev/null
"$B/sluice" -c "$C" start || fail "start"
INSTANCES="$C"
wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" || fail "smtpd not listening"
qd=$("$B/postconf" -c "$C" -h queue_directory)
python3 - "$port" "$B" "$C" "$qd" <<'PY' || fail "session across reload"
import os, socket, subprocess, sys, time
port, b, conf, qd = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
def session():
    s = socket.create_connection(("127.0.0.1", port), 10); s.settimeout(20)
    return s, s.makefile("rb")
def reply(f):
    while True:
        line = f.readline().decode()
        if len(line) < 4 or line[3] != "-":
            return line
def smtpd_pids():
    master = open(qd + "/pid/master.pid").read().strip()
    out = subprocess.run(["pgrep", "-P", master], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out if os.readlink("/proc/%s/exe" % p).endswith("/smtpd")]
old = smtpd_pids()
assert len(old) >= 1, old
s, f = session()
assert reply(f).startswith("220")
for cmd in ("EHLO t.example", "MAIL FROM:<s@client.example>", "RCPT TO:<during@remote.example>", "DATA"):
    s.sendall(cmd.encode() + b"\r\n"); reply(f)
s.sendall(b"Subject: across reload\r\n\r\nfirst half\r\n")
subprocess.run([b + "/sluice", "-c", conf, "reload"], check=True, capture_output=True)
time.sleep(1.5)
# A new client is served at once, by a new smtpd.
s2, f2 = session()
assert reply(f2).startswith("220")
for cmd in ("HELO t.example", "MAIL FROM:<s@client.example>", "RCPT TO:<after@remote.example>", "DATA"):
    s2.sendall(cmd.encode() + b"\r\n"); reply(f2)
s2.sendall(b"Subject: after reload\r\n\r\nx\r\n.\r\nQUIT\r\n")
r2 = reply(f2); assert r2.startswith("250"), r2
# The first client finishes its message on the old smtpd.
s.sendall(b"second half\r\n.\r\nQUIT\r\n")
r = reply(f); assert r.startswith("250"), r
s.close(); s2.close()
# Every drained smtpd exits once its client is gone.
alive = lambda: [p for p in old if os.path.exists("/proc/%d" % p)]
for _ in range(50):
    if not alive():
        break
    time.sleep(0.1)
assert not alive(), "old smtpd still running: %s" % alive()
# As many smtpd processes as before, all new.
new = smtpd_pids()
assert len(new) == len(old) and not set(new) & set(old), (old, new)
PY
wait_for 20 sh -c "grep -l 'after@remote.example' $WORK/sink/*.env" || fail "message after reload not delivered"
wait_for 20 sh -c "grep -l 'during@remote.example' $WORK/sink/*.env" || fail "message across reload not delivered"
m=$(grep -l 'during@remote.example' "$WORK"/sink/*.env); m=${m%.env}.eml
grep -q 'first half' "$m" && grep -q 'second half' "$m" || fail "message across reload incomplete"
grep -q 'reload -- version' "$C/log/maillog" || fail "no reload log line"
ok "reload drains in-flight SMTP sessions"
