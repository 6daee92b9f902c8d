# smtpd under abuse: random garbage over many connections, hundreds of idle
# connections, and SMTP smuggling variants. The server must stay up, keep
# serving normal clients, and never end a message early.
. "$(dirname "$0")/lib.sh"
for p in sluice smtpd master cleanup qmgr smtp postconf; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
# 500 idle clients plus the server's own descriptors.
ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge 1200 ] || skip "descriptor limit $(ulimit -n) too low"

# bad WHAT: a failed check; the other checks still run, the test fails at the end.
BAD=""
mark=""
bad() { echo "FAIL: $*" >&2; BAD="$BAD
  $*"; }

sp=$(free_port); port=$(free_port)
start_sink "$sp" "$WORK/sink"
C=$WORK/inst
new_instance "$C" "$port"
"$B/postconf" -c "$C" -e "relayhost = [127.0.0.1]:$sp" "myhostname = relay.example.com" \
  "minimal_backoff_time = 2s" "maximal_backoff_time = 4s" "queue_run_delay = 1s" \
  "smtpd_error_sleep_time = 0s" "smtpd_hard_error_limit = 10000" >/dev/null ||
  fail "postconf -e"
"$B/sluice" -c "$C" start || fail "start"
INSTANCES=$C
wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" ||
  fail "smtpd not listening"
LOG=$C/log/maillog

# sink_has TEXT: the sink file (.eml) of a message whose content holds TEXT.
sink_has() { grep -l -F -- "$1" "$WORK"/sink/*.eml 2>/dev/null | head -1; }

# normal.py PORT MARKER: one whole ordinary transaction; prints the seconds taken.
cat > "$WORK/normal.py" <<'PY'
import socket, sys, time
port, marker = int(sys.argv[1]), sys.argv[2]
t0 = time.monotonic()
s = socket.create_connection(("127.0.0.1", port), 10)
s.settimeout(10)
f = s.makefile("rb")
def reply(want):
    while True:
        line = f.readline().decode("latin-1")
        if not line:
            sys.exit("connection closed, wanted %s" % want)
        if len(line) < 4 or line[3] != "-":
            break
    if not line.startswith(want):
        sys.exit("wanted %s, got [%s]" % (want, line.strip()))
reply("220")
for cmd, want in (("EHLO t.example", "250"), ("MAIL FROM:<n@client.example>", "250"),
                  ("RCPT TO:<normal@remote.example>", "250"), ("DATA", "354")):
    s.sendall(cmd.encode() + b"\r\n"); reply(want)
s.sendall(b"Subject: normal\r\n\r\n" + marker.encode() + b"\r\n.\r\n")
reply("250 2.0.0 Ok: queued as ")
s.sendall(b"QUIT\r\n"); reply("221")
print("%.3f" % (time.monotonic() - t0))
PY
normal_mail() { python3 "$WORK/normal.py" "$port" "$1"; }

# smtpd_pids: the smtpd process ids named in the log so far.
smtpd_pids() { grep -o 'smtpd\[[0-9]*\]' "$LOG" | sort -u | tr '\n' ' '; }

# master_complaints: master's lines about a child that died or was throttled.
master_complaints() {
  grep -E 'master\[[0-9]+\]: warning: (process .* pid [0-9]+ (exit status|killed by signal)|.*bad command startup)' "$LOG"
}

normal_mail marker-first >/dev/null || fail "first normal transaction"
wait_for 20 sink_has marker-first || fail "first message not relayed"
pids_before=$(smtpd_pids)
qd=$("$B/postconf" -c "$C" -h queue_directory)
master_pid=$(cat "$qd/pid/master.pid" | tr -d ' ')
[ -n "$master_pid" ] || fail "no master.pid"
echo "smtpd before: $pids_before"

# ---- 1. 2,000 garbage lines over 20 concurrent connections --------------------------
python3 - "$port" <<'PY' || bad "garbage clients"
import random, socket, sys, threading, time
port = int(sys.argv[1])
rnd = random.Random(20261123)
verbs = [b"MAIL FROM:<", b"RCPT TO:<", b"EHLO ", b"HELO ", b"VRFY ", b"ETRN ", b"NOOP",
         b"RSET", b"DATA", b"BDAT 100", b"AUTH PLAIN ", b"STARTTLS", b"XCLIENT ", b"."]
ends = [b"\r\n", b"\n", b"\r", b"\r\r\n", b"", b"\n\r"]
def garbage_line(r):
    kind = r.random()
    if kind < 0.05:
        body = bytes(r.getrandbits(8) for _ in range(r.randint(5000, 100000)))
    elif kind < 0.5:
        body = bytes(r.getrandbits(8) for _ in range(r.randint(0, 300)))
    else:
        body = r.choice(verbs) + bytes(r.getrandbits(8) for _ in range(r.randint(0, 200)))
    if r.random() < 0.3:
        body = body.replace(b"\r", b"").replace(b"\n", b"") + b"\0" + body[:20]
    return body + r.choice(ends)
lines = [garbage_line(rnd) for _ in range(2000)]
stats = {"connections": 0, "reconnects": 0, "replies": 0, "quit_221": 0, "closed": 0, "hung": 0}
lock = threading.Lock()
deadline = time.monotonic() + 120
def drain(s, secs):
    """Read what the server sent within secs; False once it closed."""
    s.settimeout(secs)
    try:
        while True:
            d = s.recv(65536)
            if not d:
                return False
            with lock:
                stats["replies"] += d.count(b"\r\n")
                if b"221 " in d:
                    stats["quit_221"] += 1
    except socket.timeout:
        return True
def worker(part):
    s = None
    for line in part:
        if time.monotonic() > deadline:
            return
        for attempt in range(3):
            try:
                if s is None:
                    s = socket.create_connection(("127.0.0.1", port), 10)
                    with lock:
                        stats["connections"] += 1
                s.sendall(line)
                if not drain(s, 0.01):
                    raise ConnectionResetError("closed")
                break
            except OSError:
                with lock:
                    stats["reconnects"] += 1
                s.close()
                s = None
    if s is None:
        return
    # End whatever state the garbage left: the server must read all of it,
    # answer QUIT (or close) and never hang.
    try:
        s.sendall(b"\r\n.\r\nQUIT\r\n")
        end = time.monotonic() + 20
        while time.monotonic() < end and drain(s, 0.5):
            pass
        if time.monotonic() >= end:
            with lock:
                stats["hung"] += 1
        else:
            with lock:
                stats["closed"] += 1
    except OSError:
        with lock:
            stats["closed"] += 1
    s.close()
threads = [threading.Thread(target=worker, args=(lines[i::20],)) for i in range(20)]
for t in threads:
    t.start()
for t in threads:
    t.join(max(1, deadline - time.monotonic() + 15))
print("garbage: %s" % stats)
if any(t.is_alive() for t in threads):
    sys.exit("garbage clients did not finish in time")
if stats["replies"] < 1000:
    sys.exit("the server answered only %d lines of garbage" % stats["replies"])
if stats["hung"]:
    sys.exit("%d garbage sessions did not end within 20 s after QUIT" % stats["hung"])
PY
sleep 1
t=$(normal_mail marker-after-garbage) || bad "normal transaction after the garbage"
wait_for 20 sink_has marker-after-garbage || bad "message after the garbage not relayed"
"$B/sluice" -c "$C" status >/dev/null 2>&1 || bad "sluice status after the garbage"
if master_complaints; then bad "master logged a dying or throttled child after the garbage"; fi
pids_after=$(smtpd_pids)
echo "smtpd after: $pids_after"
for p in $(echo "$pids_before" | grep -o '[0-9][0-9]*'); do
  kill -0 "$p" 2>/dev/null || bad "smtpd pid $p (it served before the garbage) is gone"
done
[ "$(cat "$qd/pid/master.pid" 2>/dev/null | tr -d ' ')" = "$master_pid" ] || bad "master pid changed"
n=$(grep -c 'master\[[0-9]*\]: daemon started' "$LOG")
[ "$n" = 1 ] || bad "master started $n times"
[ "$BAD" != "$mark" ] || ok "2,000 garbage lines: smtpd stays up, normal mail still relayed"
mark=$BAD

# ---- 2. 500 idle connections, then a normal client ------------------------------------
python3 - "$port" "$WORK" <<'PY' || bad "500 idle connections"
import os, socket, subprocess, sys, time
port, work = int(sys.argv[1]), sys.argv[2]
conns = []
deadline = time.monotonic() + 60
for i in range(500):
    if time.monotonic() > deadline:
        sys.exit("could not open 500 connections in time (%d open)" % len(conns))
    s = socket.create_connection(("127.0.0.1", port), 10)
    conns.append(s)
refused = 0
for i, s in enumerate(conns):
    s.settimeout(max(0.1, deadline - time.monotonic()))
    banner = b""
    try:
        while b"\n" not in banner:
            d = s.recv(4096)
            if not d:
                break
            banner += d
    except socket.timeout:
        sys.exit("idle connection %d: no banner" % i)
    if not banner.startswith(b"220 "):
        refused += 1
        if refused == 1:
            print("idle connection %d got [%s]" % (i, banner.strip().decode("latin-1")))
if refused:
    sys.exit("%d of 500 idle connections were refused" % refused)
print("500 idle connections have their 220 banner")
r = subprocess.run(["python3", work + "/normal.py", str(port), "marker-beside-idle"],
                   capture_output=True, text=True, timeout=30)
print(r.stdout.strip(), r.stderr.strip())
for s in conns:
    s.close()
if r.returncode != 0:
    sys.exit("normal transaction with 500 idle clients failed: %s" % r.stderr.strip())
secs = float(r.stdout.strip().splitlines()[-1])
print("normal transaction took %.3f s" % secs)
if secs > 2.0:
    sys.exit("normal transaction with 500 idle clients took %.3f s (> 2 s)" % secs)
PY
wait_for 20 sink_has marker-beside-idle || bad "message sent beside 500 idle clients not relayed"
[ "$BAD" != "$mark" ] || ok "500 idle connections: a normal client is served within 2 s"
mark=$BAD

# ---- 3. Smuggling variants ------------------------------------------------------------
for v in 1 2 3 4; do
  python3 - "$port" "$v" <<'PY' || bad "smuggling variant $v"
import socket, sys
port, v = int(sys.argv[1]), int(sys.argv[2])
sep = {1: b"\n.\n", 2: b"\r\n.\n", 3: b"\n.\r\n", 4: b"\r.\r\n"}[v]
s = socket.create_connection(("127.0.0.1", port), 10)
s.settimeout(10)
f = s.makefile("rb")
def reply():
    while True:
        line = f.readline().decode("latin-1")
        if not line:
            sys.exit("variant %d: connection closed" % v)
        if len(line) < 4 or line[3] != "-":
            return line.strip()
def expect(want):
    r = reply()
    if not r.startswith(want):
        sys.exit("variant %d: wanted %s, got [%s]" % (v, want, r))
expect("220")
for cmd, want in (("EHLO t.example", "250"), ("MAIL FROM:<s@client.example>", "250"),
                  ("RCPT TO:<victim%d@remote.example>" % v, "250"), ("DATA", "354")):
    s.sendall(cmd.encode() + b"\r\n"); expect(want)
s.sendall(b"Subject: smuggle %d\r\n\r\nbefore-%d" % (v, v) + sep +
          b"MAIL FROM:<evil@x>\r\nRCPT TO:<evil%d@remote.example>\r\nDATA\r\n"
          b"smuggled-%d\r\n.\r\n" % (v, v))
r = reply()
if not r.startswith("250 2.0.0 Ok: queued as "):
    sys.exit("variant %d: end of DATA got [%s]" % (v, r))
s.sendall(b"QUIT\r\n")
r = reply()
if not r.startswith("221"):
    sys.exit("variant %d: QUIT got [%s]: the message ended early and the rest ran as commands"
             % (v, r))
PY
done
for v in 1 2 3 4; do
  wait_for 20 sink_has "before-$v" || { bad "smuggling variant $v: message not relayed"; continue; }
  m=$(sink_has "before-$v")
  grep -q -F "smuggled-$v" "$m" || bad "smuggling variant $v: the text after the fake end is not in the message"
  grep -q -F 'MAIL FROM:<evil@x>' "$m" || bad "smuggling variant $v: the smuggled commands are not content"
  n=$(grep -c '^RCPT TO:' "${m%.eml}.env")
  [ "$n" = 1 ] || bad "smuggling variant $v: $n recipients at the sink"
  [ "$(grep -l -F "before-$v" "$WORK"/sink/*.eml | wc -l)" = 1 ] || bad "smuggling variant $v: more than one message"
done
sleep 1
if grep -l 'evil' "$WORK"/sink/*.env; then bad "a smuggled message reached the sink"; fi
[ "$BAD" != "$mark" ] || ok "smuggling variants: never an early end, never a second message"
mark=$BAD

"$B/sluice" -c "$C" status >/dev/null 2>&1 || bad "sluice status at the end"
if master_complaints; then bad "master logged a dying or throttled child"; fi
[ -z "$BAD" ] || fail "failed checks:$BAD"
