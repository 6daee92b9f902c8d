# cleanup fails while smtpd has paused a client for cleanup's backlog: the
# client must be read again, get 451 at the end of DATA, and the session end
# (no hang, no stuck connection).
. "$(dirname "$0")/lib.sh"
for p in sluice smtpd master cleanup; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
port=$(free_port)
C=$WORK/inst
"$B/sluice" init "$C" "$port" >/dev/null || fail "init"
"$B/postconf" -c "$C" -e "relayhost = [127.0.0.1]:$(free_port)" >/dev/null
"$B/sluice" -c "$C" start || fail "start"
INSTANCES="$C"
wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" || fail "smtpd not listening"
qd=$("$B/postconf" -c "$C" -h queue_directory)
PYTHONPATH="$SLUICE_ROOT/tests/e2e" python3 - "$port" "$qd" <<'PY' || fail "paused client after a cleanup failure"
import os, signal, socket, subprocess, sys, time
from smtpclient import last_reply
port, qd = int(sys.argv[1]), sys.argv[2]
master = open(qd + "/pid/master.pid").read().strip()
s = socket.create_connection(("127.0.0.1", port), 10)
f = s.makefile("rb")
last_reply(f)
for cmd in (b"EHLO t.example", b"MAIL FROM:<s@client.example>", b"RCPT TO:<big@remote.example>", b"DATA"):
    s.sendall(cmd + b"\r\n"); last_reply(f)
# cleanup starts on demand (smtpd connected to it at RCPT): find it now.
kids = subprocess.run(["pgrep", "-P", master], capture_output=True, text=True).stdout.split()
cl = [int(k) for k in kids if os.readlink("/proc/%s/exe" % k).endswith("/cleanup")]
assert len(cl) >= 1, cl      # one per CPU: stop them all
for c in cl:
    os.kill(c, signal.SIGSTOP)
line = b"x" * 998 + b"\r\n"
s.setblocking(False)
sent, deadline = 0, time.time() + 20
while time.time() < deadline and sent < 8_000_000:
    try:
        sent += s.send(line * 64)
    except BlockingIOError:
        break                       # smtpd stopped reading: backlog reached
s.setblocking(True); s.settimeout(20)
for c in cl:
    os.kill(c, signal.SIGKILL)
time.sleep(0.5)
s.sendall(line * 10 + b".\r\n")
r = last_reply(f)
assert r.startswith("451"), r
s.sendall(b"QUIT\r\n")
assert last_reply(f).startswith("221")
s.close()
PY
ok "a client paused for cleanup's backlog gets 451 when cleanup dies"
