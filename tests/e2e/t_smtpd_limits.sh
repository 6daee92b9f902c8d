# smtpd limits: overlong command lines, smtpd_recipient_limit,
# message_size_limit, hard and soft error limits (the delay after the soft
# limit with QUIT and pipelined commands), smtpd_timeout, a queue file
# system that refuses to grow (ulimit -f) and queue_minfree. Real smtpd and
# master, raw sockets, relay to the sink.
. "$(dirname "$0")/lib.sh"
for p in sluice smtpd master cleanup qmgr smtp postconf postqueue; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done

# A small client library for the dialogues below (python3 standard library).
cat > "$WORK/lim.py" <<'PY'
import socket, sys, time
class Client:
    """One SMTP client: cmd() sends a line and returns the reply's last line."""
    def __init__(self, port, timeout=15):
        self.s = socket.create_connection(("127.0.0.1", port), 10)
        self.s.settimeout(timeout)
        self.buf = b""
        self.greeting = self.reply()
    def reply(self):
        """Read one (multi-line) reply; return its last line as text."""
        while True:
            while b"\n" not in self.buf:
                d = self.s.recv(65536)
                if not d:
                    raise EOFError("connection closed; partial %r" % self.buf[:200])
                self.buf += d
            line, self.buf = self.buf.split(b"\n", 1)
            line = line.rstrip(b"\r").decode("latin-1")
            print("  <- " + line[:200])
            if len(line) < 4 or line[3] != "-":
                return line
    def send(self, data):
        self.s.sendall(data)
    def cmd(self, line):
        if isinstance(line, str):
            line = line.encode("latin-1")
        print("  -> " + line[:80].decode("latin-1") + ("..." if len(line) > 80 else ""))
        self.s.sendall(line + b"\r\n")
        return self.reply()
    def expect(self, line, want):
        r = self.cmd(line)
        if not r.startswith(want):
            fail("%s: wanted [%s], got [%s]" % (line[:40], want, r))
        return r
    def closed(self, secs=10):
        """True when the server closes the connection within secs."""
        self.s.settimeout(secs)
        try:
            return self.s.recv(1) == b""
        except (socket.timeout, ConnectionError):
            return False
    def close(self):
        self.s.close()
def fail(why):
    print("FAIL: " + why)
    sys.exit(1)
PY
export PYTHONPATH="$WORK"

sp=$(free_port); port=$(free_port)
start_sink "$sp" "$WORK/sink"
C=$WORK/inst
new_instance "$C" "$port"
"$B/postconf" -c "$C" -e "relayhost = [127.0.0.1]:$sp" "myhostname = relay.example.com" \
  "minimal_backoff_time = 2s" "maximal_backoff_time = 4s" "queue_run_delay = 1s" \
  "smtpd_recipient_limit = 5" "message_size_limit = 20000" "smtpd_hard_error_limit = 5" \
  "smtpd_error_sleep_time = 0s" >/dev/null || fail "postconf -e"
"$B/sluice" -c "$C" start || fail "start"
INSTANCES=$C
wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" ||
  fail "smtpd not listening"
LOG=$C/log/maillog

# bad WHAT: a failed check; the other checks still run, the test fails at the end.
BAD=""
bad() { echo "FAIL: $*" >&2; BAD="$BAD
  $*"; }
mark=""

# queue_empty: postqueue -p says the queue is empty.
queue_empty() { "$B/postqueue" -c "$C" -p 2>&1 | grep -q '^Mail queue is empty'; }

# sink_has TEXT: some message stored by the sink holds TEXT in its content.
sink_has() { grep -l -F -- "$1" "$WORK"/sink/*.eml 2>/dev/null | head -1; }

# ---- 1. A 10,000-byte command line --------------------------------------------
python3 - "$port" <<'PY' || bad "overlong command line"
import sys
from lim import Client, fail
c = Client(int(sys.argv[1]))
c.expect("EHLO t.example", "250")
r = c.cmd("NOOP " + "x" * 9995)
if not r.startswith("500 "):
    fail("10,000-byte line: wanted a 500 reply, got [%s]" % r)
print("observed: " + r)
c.expect("NOOP", "250")
c.expect("MAIL FROM:<long@client.example>", "250")
c.expect("RCPT TO:<afterlong@remote.example>", "250")
c.expect("DATA", "354")
c.send(b"Subject: after a long line\r\n\r\nmarker-afterlong\r\n.\r\n")
r = c.reply()
if not r.startswith("250 2.0.0 Ok: queued as "):
    fail("message after the long line: [%s]" % r)
c.expect("QUIT", "221")
PY
wait_for 20 sink_has marker-afterlong || fail "message after the long line not relayed"
[ "$BAD" != "$mark" ] || ok "10,000-byte command line: 500, the session goes on and queues mail"
mark=$BAD

# ---- 2. smtpd_recipient_limit = 5 -------------------------------------------------
python3 - "$port" <<'PY' || bad "recipient limit"
import sys
from lim import Client, fail
c = Client(int(sys.argv[1]))
c.expect("EHLO t.example", "250")
c.expect("MAIL FROM:<many@client.example>", "250")
for i in range(1, 6):
    c.expect("RCPT TO:<r%d@remote.example>" % i, "250")
r = c.cmd("RCPT TO:<r6@remote.example>")
if r != "452 4.5.3 Error: too many recipients":
    fail("RCPT 6: wanted [452 4.5.3 Error: too many recipients], got [%s]" % r)
c.expect("DATA", "354")
c.send(b"Subject: five\r\n\r\nmarker-five\r\n.\r\n")
r = c.reply()
if not r.startswith("250 2.0.0 Ok: queued as "):
    fail("five-recipient message: [%s]" % r)
c.expect("QUIT", "221")
PY
wait_for 20 sink_has marker-five || fail "five-recipient message not relayed"
sleep 1  # a split delivery would come in a second transaction
n=0; envs=""
for e in $(grep -l -F marker-five "$WORK"/sink/*.eml); do envs="$envs ${e%.eml}.env"; done
n=$(cat $envs | grep -c '^RCPT TO:')
assert_eq 5 "$n" "recipients at the sink for the five-recipient message"
for i in 1 2 3 4 5; do grep -q "^RCPT TO:<r$i@remote.example>" $envs || fail "r$i missing at the sink"; done
grep -q 'r6@remote.example' $envs && fail "the sixth recipient was relayed"
[ "$BAD" != "$mark" ] || ok "smtpd_recipient_limit: RCPT 6 gets 452 4.5.3, 5 recipients relayed"
mark=$BAD

# ---- 3. message_size_limit = 20000 ---------------------------------------------------
wait_for 20 queue_empty || fail "queue not empty before the size test"
before=$(sink_count "$WORK/sink")
python3 - "$port" <<'PY' || bad "message size limit"
import sys
from lim import Client, fail
c = Client(int(sys.argv[1]))
c.expect("EHLO t.example", "250")
r = c.cmd("MAIL FROM:<big@client.example> SIZE=30000")
if not r.startswith("552 5.3.4"):
    fail("SIZE=30000: wanted [552 5.3.4 ...], got [%s]" % r)
c.expect("MAIL FROM:<big@client.example>", "250")
c.expect("RCPT TO:<big@remote.example>", "250")
c.expect("DATA", "354")
c.send(b"Subject: big\r\n\r\nmarker-big\r\n" + (b"y" * 78 + b"\r\n") * 512 + b".\r\n")
r = c.reply()
if r != "552 5.3.4 Error: message file too big":
    fail("40 KB body: wanted [552 5.3.4 Error: message file too big], got [%s]" % r)
c.expect("NOOP", "250")
c.expect("RSET", "250")
c.expect("QUIT", "221")
PY
sleep 1
queue_empty || { "$B/postqueue" -c "$C" -p; bad "the oversize message left something in the queue"; }
n=$(queue_count "$C" incoming active deferred hold)
[ "$n" = 0 ] || bad "queue files after the oversize message: $n"
sleep 2
[ "$before" = "$(sink_count "$WORK/sink")" ] || bad "the sink got a message after the oversize one"
[ -z "$(sink_has marker-big)" ] || bad "the oversize message reached the sink"
[ "$BAD" != "$mark" ] || ok "message_size_limit: SIZE= and content over the limit get 552 5.3.4, nothing queued"
mark=$BAD

# ---- 4. smtpd_hard_error_limit = 5 ------------------------------------------------------
python3 - "$port" <<'PY' || bad "hard error limit"
import sys
from lim import Client, fail
c = Client(int(sys.argv[1]))
c.expect("EHLO t.example", "250")
for i in range(1, 5):
    r = c.cmd("BOGUS%d" % i)
    if not r.startswith("5"):
        fail("error %d: [%s]" % (i, r))
c.cmd("BOGUS5")
r = c.reply()
if r != "421 4.7.0 relay.example.com Error: too many errors":
    fail("after the 5th error: wanted [421 4.7.0 relay.example.com Error: too many errors], got [%s]" % r)
if not c.closed():
    fail("the server did not close after 421")
PY
wait_for 5 grep -q "too many errors after .* from $CN\[127\.0\.0\.1\]" "$LOG" ||
  bad "no 'too many errors after' log line"
[ "$BAD" != "$mark" ] || ok "smtpd_hard_error_limit: 421 4.7.0 after the 5th error, disconnect, logged"
mark=$BAD

# ---- 5. soft error limit and timeout (reload with new settings) --------------------------
"$B/postconf" -c "$C" -e "smtpd_soft_error_limit = 2" "smtpd_error_sleep_time = 1s" \
  "smtpd_hard_error_limit = 20" "smtpd_timeout = 3s" >/dev/null || fail "postconf -e"
"$B/sluice" -c "$C" reload >/dev/null 2>&1 || fail "reload"
sleep 1.5
python3 - "$port" <<'PY' || bad "soft error limit"
import sys, time
from lim import Client, fail
c = Client(int(sys.argv[1]))
c.expect("EHLO t.example", "250")
for i in (1, 2):
    c.cmd("BOGUS%d" % i)
for what in ("NOOP", "BOGUS3"):
    t0 = time.monotonic()
    c.cmd(what)
    dt = time.monotonic() - t0
    print("%s after 2 errors took %.2f s" % (what, dt))
    if dt < 0.8:
        fail("reply to %s after the 2nd error came after %.2f s, wanted >= 0.8 s" % (what, dt))
c.cmd("QUIT")
PY
[ "$BAD" != "$mark" ] || ok "smtpd_soft_error_limit: replies after the 2nd error are delayed"
mark=$BAD

python3 - "$port" <<'PY' || bad "smtpd_timeout"
import socket, sys, time
from lim import Client, fail
c = Client(int(sys.argv[1]), timeout=10)
t0 = time.monotonic()
try:
    r = c.reply()
except (EOFError, socket.timeout) as e:
    fail("idle client: no reply (%s)" % e)
print("after %.1f s idle: %s" % (time.monotonic() - t0, r))
if r != "421 4.4.2 relay.example.com Error: timeout exceeded":
    fail("idle client: wanted [421 4.4.2 relay.example.com Error: timeout exceeded], got [%s]" % r)
if not c.closed():
    fail("the server did not close after the timeout")
PY
wait_for 5 grep -q "timeout after CONNECT from $CN\[127\.0\.0\.1\]" "$LOG" ||
  bad "no 'timeout after CONNECT' log line"
[ "$BAD" != "$mark" ] || ok "smtpd_timeout: 421 4.4.2 to an idle client, logged"
mark=$BAD

# ---- 5b. the delay after the soft limit with QUIT and pipelining -------------------------
# Every reply after the soft limit is delayed, QUIT's 221 included, and none
# is lost when the client pipelines: NOOP then QUIT gets 250 then 221, and
# errors up to the hard limit get their replies and then the 421.
"$B/postconf" -c "$C" -e "smtpd_hard_error_limit = 4" "smtpd_timeout = 10s" >/dev/null || fail "postconf -e"
"$B/sluice" -c "$C" reload >/dev/null 2>&1 || fail "reload"
sleep 1.5
python3 - "$port" <<'PY' || bad "QUIT after the soft error limit"
import sys, time
from lim import Client, fail
c = Client(int(sys.argv[1]))
c.expect("EHLO t.example", "250")
c.cmd("BOGUS1"); c.cmd("BOGUS2")
t0 = time.monotonic()
c.expect("QUIT", "221 2.0.0 Bye")
if time.monotonic() - t0 < 0.8:
    fail("221 after the soft error limit was not delayed")
if not c.closed():
    fail("no close after 221")
PY
python3 - "$port" <<'PY' || bad "pipelined NOOP, QUIT after the soft error limit"
import sys, socket
from lim import Client, fail
c = Client(int(sys.argv[1]))
c.expect("EHLO t.example", "250")
c.cmd("BOGUS1"); c.cmd("BOGUS2")
c.send(b"NOOP\r\nQUIT\r\n")
try:
    r1 = c.reply(); r2 = c.reply()
except (EOFError, socket.timeout) as e:
    fail("pipelined NOOP, QUIT after the soft error limit: %s" % e)
if not (r1.startswith("250") and r2.startswith("221 2.0.0 Bye")):
    fail("pipelined NOOP, QUIT: got [%s] [%s]" % (r1, r2))
PY
python3 - "$port" <<'PY' || bad "421 at the hard limit under pipelining"
import sys, socket
from lim import Client, fail
c = Client(int(sys.argv[1]))
c.expect("EHLO t.example", "250")
c.cmd("BOGUS1"); c.cmd("BOGUS2")
c.send(b"NOOP\r\nBOGUS3\r\nBOGUS4\r\n")
got = []
try:
    for i in range(4):      # 250, 502, 502, 421
        got.append(c.reply())
except (EOFError, socket.timeout) as e:
    fail("replies lost at the hard error limit under pipelining: got %r, then %s" % (got, e))
if not (got[0].startswith("250") and got[1].startswith("502") and got[2].startswith("502")):
    fail("wanted 250, 502, 502 before the 421, got %r" % got)
if not got[3].startswith("421 4.7.0 relay.example.com Error: too many errors"):
    fail("wanted the 421 after the 4th error, got %r" % got)
if not c.closed():
    fail("no close after the 421")
PY
[ "$BAD" != "$mark" ] || ok "after the soft limit: QUIT delayed, pipelined replies all sent, 421 at the hard limit"
mark=$BAD

# ---- 6. queue_minfree larger than the free space ------------------------------------------
"$B/postconf" -c "$C" -e "smtpd_timeout = 300s" "smtpd_soft_error_limit = 10" \
  "smtpd_hard_error_limit = 20" >/dev/null
qd=$("$B/postconf" -c "$C" -h queue_directory)
avail=$(df -P -k "$qd" | awk 'NR == 2 { print $4 }')
[ -n "$avail" ] || fail "df $qd"
"$B/postconf" -c "$C" -e "queue_minfree = $(( (avail + 1024 * 1024) * 1024 * 2 ))" >/dev/null
"$B/sluice" -c "$C" reload >/dev/null 2>&1 || fail "reload"
sleep 1.5
python3 - "$port" <<'PY' || bad "queue_minfree"
import sys
from lim import Client, fail
c = Client(int(sys.argv[1]))
c.expect("EHLO t.example", "250")
r = c.cmd("MAIL FROM:<minfree@client.example>")
if r != "452 4.3.1 Insufficient system storage":
    fail("queue_minfree: wanted [452 4.3.1 Insufficient system storage], got [%s]" % r)
c.cmd("QUIT")
PY
"$B/postconf" -c "$C" -e "queue_minfree = 0" >/dev/null
"$B/sluice" -c "$C" reload >/dev/null 2>&1
[ "$BAD" != "$mark" ] || ok "queue_minfree: MAIL FROM gets 452 4.3.1"
mark=$BAD

# ---- 7. A queue file system that refuses to grow (ulimit -f) --------------------------------
"$B/sluice" -c "$C" stop >/dev/null 2>&1
C2=$WORK/full
port2=$(free_port)
new_instance "$C2" "$port2"
"$B/postconf" -c "$C2" -e "relayhost = [127.0.0.1]:$sp" "myhostname = relay.example.com" \
  "message_size_limit = 0" "queue_run_delay = 1s" "minimal_backoff_time = 2s" >/dev/null || fail "postconf -e"
# bash counts ulimit -f in 1024-byte blocks: files stop at 64 KiB.
( ulimit -f 64 && exec "$B/sluice" -c "$C2" start ) || fail "start under ulimit -f"
INSTANCES="$INSTANCES $C2"
wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $port2), 1)" ||
  fail "smtpd (ulimit -f) not listening"
python3 - "$port2" <<'PY' || bad "write error at the end of DATA"
import socket, sys
from lim import Client, fail
c = Client(int(sys.argv[1]), timeout=30)
c.expect("EHLO t.example", "250")
c.expect("MAIL FROM:<huge@client.example>", "250")
c.expect("RCPT TO:<huge@remote.example>", "250")
c.expect("DATA", "354")
c.send(b"Subject: huge\r\n\r\nmarker-huge\r\n" + (b"z" * 98 + b"\r\n") * 2000 + b".\r\n")
try:
    r = c.reply()
except (EOFError, socket.timeout) as e:
    fail("200 KB message: no reply at the end of DATA (%s)" % e)
print("observed: " + r)
if not r.startswith("4"):
    fail("200 KB message on a full file system: wanted a 4xx reply, got [%s]" % r)
if r != "451 4.3.0 Error: queue file write error":
    print("NOTE: wanted [451 4.3.0 Error: queue file write error]")
c.expect("RSET", "250")
c.expect("MAIL FROM:<small@client.example>", "250")
c.expect("RCPT TO:<small@remote.example>", "250")
c.expect("DATA", "354")
c.send(b"Subject: small\r\n\r\nmarker-small\r\n.\r\n")
r = c.reply()
if not r.startswith("250 2.0.0 Ok: queued as "):
    fail("small message after the write error: [%s]" % r)
c.expect("QUIT", "221")
PY
wait_for 20 sink_has marker-small || bad "small message after the write error not relayed"
sleep 1
[ -z "$(sink_has marker-huge)" ] || bad "the message that could not be written reached the sink"
C=$C2
wait_for 10 queue_empty || { "$B/postqueue" -c "$C2" -p; bad "the failed message left something in the queue"; }
n=$(queue_count "$C2" incoming active deferred hold)
[ "$n" = 0 ] || { find "$("$B/postconf" -c "$C2" -h queue_directory)"/incoming -type f -ls
  bad "queue files left after the write error: $n"; }
if grep -E 'cleanup.*(killed by signal|exit status)' "$C2/log/maillog"; then
  bad "cleanup died instead of failing the write"
fi
[ "$BAD" != "$mark" ] || ok "full queue file system: 4xx at the end of DATA, nothing queued, small mail still relayed"
mark=$BAD

[ -z "$BAD" ] || fail "failed checks:$BAD"
