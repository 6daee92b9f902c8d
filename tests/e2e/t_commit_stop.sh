# sluice reload (three times) and sluice stop while 15 SMTP sessions submit
# messages, so that cleanup has commits in flight (cleanup/cleanup_service.c:
# a draining cleanup counts them, SIGTERM waits for them). Then sluice start,
# the sink comes up and the queue drains. What an administrator checks:
# - every message whose "250 2.0.0 Ok: queued as ID" a client read reaches
#   the sink exactly once, as that queue ID (smtpd's Received: header);
# - no message is delivered twice, none the clients did not send;
# - a client cut off by the stop got an error or a closed connection, never
#   a 5xx for a good message (and never a 250 for a message then missing);
# - every file left in the queue while the system is stopped is complete
#   (postcat reads it to its end without a warning), nothing in corrupt/;
# - the queue is empty in the end, the maillog has no panic or fatal line
#   from cleanup or smtpd, no process had to be killed (SIGKILL).
# The sink is down during the load, so no delivery is in flight at the stop
# (a delivery cut by a stop may be repeated: at-least-once, not the subject
# here); messages wait in deferred/ and are flushed at the end.
. "$(dirname "$0")/lib.sh"
for p in sluice postconf postcat postqueue master cleanup qmgr smtp smtpd; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
SESSIONS=${STOP_SESSIONS:-15}
sp=$(free_port)
relay_instance "$WORK/inst" "$sp"
Q=$("$B/postconf" -c "$C" -h queue_directory)
port=$(awk '$2 == "inet" && $NF == "smtpd" { n = split($1, a, ":"); print a[n]; exit }' "$C/master.cf")
wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" ||
  fail "smtpd not listening"

# Each session: connections of up to 3 messages each, until load.stop exists
# (or 90 s, or 400 connections). Every message carries a unique token
# (Message-ID, X-Token, recipient). load.log gets one line per event:
# "try TOKEN", "acked TOKEN QID", "cut TOKEN WHY" (connection lost or
# timed out after the message was started), "reply TOKEN STAGE REPLY" (any
# other reply than the expected one), "refused - -" (no connection).
cat > load.py <<'PY'
import os, socket, sys, threading, time
from smtpclient import last_reply
port, sessions = int(sys.argv[1]), int(sys.argv[2])
end = time.time() + 90
lock = threading.Lock()
log = open("load.log", "a", buffering=1)
pad = "".join("pad line %03d to give the queue file some size\r\n" % i
              for i in range(40))
def note(*words):
    with lock:
        log.write(" ".join(words) + "\n")
def reply(f):
    r = last_reply(f)
    if not r:
        raise EOFError("closed")
    return r
def expect(s, f, tok, stage, cmd, want):
    if cmd:
        s.sendall(cmd.encode() + b"\r\n")
    r = reply(f)
    if not r.startswith(want):
        note("reply", tok, stage, r)
        return False
    return True
def connection(k, seq):
    s = socket.create_connection(("127.0.0.1", port), 5)
    s.settimeout(30)
    f = s.makefile("rb")
    tok = "-"
    try:
        if not expect(s, f, tok, "greeting", None, "220") or \
           not expect(s, f, tok, "ehlo", "EHLO load.example", "250"):
            return seq
        for _ in range(3):
            seq += 1
            tok = "s%d.%d" % (k, seq)
            note("try", tok)
            if not expect(s, f, tok, "mail", "MAIL FROM:<load@example.org>", "250") or \
               not expect(s, f, tok, "rcpt", "RCPT TO:<%s@example.net>" % tok, "250") or \
               not expect(s, f, tok, "data", "DATA", "354"):
                return seq
            s.sendall(("Message-ID: <%s@load.example>\r\nSubject: stop test %s\r\n"
                       "X-Token: %s\r\n\r\nbody %s\r\n%s.\r\n" % (tok, tok, tok, tok, pad)).encode())
            r = reply(f)
            if not r.startswith("250 "):
                note("reply", tok, "dot", r)
                return seq
            note("acked", tok, r.split()[-1])
            tok = "-"
        s.sendall(b"QUIT\r\n")
    except (OSError, EOFError) as e:
        if tok != "-":
            note("cut", tok, type(e).__name__)
    finally:
        s.close()
    return seq
def session(k):
    seq = 0
    for _ in range(400):
        if os.path.exists("load.stop") or time.time() > end:
            return
        try:
            seq = connection(k, seq)
        except OSError:
            note("refused", "-", "-")
            time.sleep(0.05)
ts = [threading.Thread(target=session, args=(k,)) for k in range(sessions)]
for t in ts: t.start()
for t in ts: t.join()
note("done", "-", "-")
PY
acked() { grep -c '^acked ' load.log 2>/dev/null; }
# wait_acks N: wait (at most 30 s) until N more messages are acknowledged.
wait_acks() {
  local want=$(( $(acked) + $1 )) i=0
  while [ "$(acked)" -lt $want ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
  [ "$(acked)" -ge $want ] || fail "no progress: $(acked) acknowledged, wanted $want"
}
: > load.log
PYTHONPATH="$SLUICE_ROOT/tests/e2e" python3 load.py "$port" "$SESSIONS" & lp=$!
remember $lp
wait_acks 30
for r in 1 2 3; do
  "$B/sluice" -c "$C" reload >/dev/null 2>&1 || fail "sluice reload $r"
  wait_acks 30
done
before_stop=$(acked)
"$B/sluice" -c "$C" stop >/dev/null 2>&1 || fail "sluice stop"
[ -e "$Q/pid/master.pid" ] && fail "master.pid still there after stop"
# Stopped: every file in the queue is complete, whatever the stop cut off.
find "$Q/incoming" "$Q/active" "$Q/deferred" "$Q/hold" -type f > left.txt 2>/dev/null
files=$(wc -l < left.txt)
if [ "$files" -gt 0 ]; then
  xargs "$B/postcat" -c "$C" < left.txt >/dev/null 2>postcat.err && ! [ -s postcat.err ] ||
    { head postcat.err; fail "incomplete queue files after stop"; }
fi
[ -z "$(find "$Q/corrupt" -type f 2>/dev/null | head -1)" ] || fail "files in corrupt/ after stop"
echo "stopped after $before_stop acknowledged; $files queue files, all complete"
# The clients find nobody (bounded), then the system comes back.
i=0
while [ "$(grep -c '^refused ' load.log)" -lt $SESSIONS ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
"$B/sluice" -c "$C" start || fail "sluice start again"
wait_acks 30
touch load.stop
i=0
while kill -0 $lp 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
kill -0 $lp 2>/dev/null && fail "load did not finish"
wait $lp || fail "load script failed"
grep -q '^done ' load.log || fail "load script did not finish"

# Deliver: the sink comes up, flush the deferred queue until every
# acknowledged message is there and the queue is empty (bounded).
start_sink "$sp" "$WORK/sink"
grep '^acked ' load.log | awk '{ print $2 }' | sort > acked.txt
tokens() { cat "$WORK"/sink/*.eml 2>/dev/null | tr -d '\r' | sed -n 's/^X-Token: //p' | sort; }
t=0
while [ $t -lt 60 ]; do
  [ $((t % 3)) = 0 ] && "$B/postqueue" -c "$C" -f >/dev/null 2>&1
  sleep 1; t=$((t+1))
  [ -z "$(tokens | sort -u | comm -23 acked.txt - | head -1)" ] &&
    [ "$(queue_count "$C" incoming active deferred hold maildrop)" = 0 ] && break
done
sleep 1   # anything still on its way would show as a duplicate
python3 - "$WORK/sink" <<'PY' || fail "delivery check"
import collections, glob, re, sys
acked, tried, cut, replies = {}, set(), set(), []
for line in open("load.log"):
    w = line.split(None, 3)
    if w[0] == "acked": acked[w[1]] = w[2]
    elif w[0] == "try": tried.add(w[1])
    elif w[0] == "cut": cut.add(w[1])
    elif w[0] == "reply": replies.append(line.strip())
got = collections.defaultdict(list)
for p in glob.glob(sys.argv[1] + "/*.eml"):
    head = open(p, "rb").read().decode("latin-1").replace("\r", "").split("\n\n", 1)[0]
    m = re.search(r"^X-Token: (\S+)$", head, re.M)
    ids = re.findall(r"with E?SMTP id (\w+)", head)
    got[m.group(1) if m else "?"].append((p, ids))
bad = []
for tok, qid in sorted(acked.items()):
    if tok not in got:
        bad.append("LOST: %s (250 queued as %s)" % (tok, qid))
    elif not any(qid in ids for _, ids in got[tok]):
        bad.append("%s: acknowledged as %s, delivered as %s" % (tok, qid, got[tok]))
for tok, copies in sorted(got.items()):
    if len(copies) > 1:
        bad.append("DUPLICATE: %s delivered %d times: %s" % (tok, len(copies), copies))
    if tok not in tried:
        bad.append("delivered but never sent: %s %s" % (tok, copies))
fivexx = [r for r in replies if re.match(r"reply \S+ \S+ 5", r)]
unacked = sorted(t for t in got if t in tried and t not in acked)
print("acknowledged %d, delivered %d; cut off %d (%d of them delivered anyway); "
      "other replies %d" % (len(acked), len(got), len(cut), len(unacked), len(replies)))
for r in replies[:10]:
    print("  " + r)
for b in bad[:20]:
    print(b)
if fivexx:
    print("5xx replies: %s" % fivexx[:5])
sys.exit(1 if bad or fivexx else 0)
PY
[ "$(queue_count "$C" incoming active deferred hold maildrop corrupt)" = 0 ] ||
  { "$B/postqueue" -c "$C" -p | tail; fail "queue not empty"; }
grep -E '(cleanup|smtpd)\[[0-9]+\]: (panic|fatal):' "$C/log/maillog" && fail "panic or fatal in the maillog"
grep 'sending SIGKILL' "$C/log/maillog" && fail "a process had to be killed"
[ "$(grep -c 'reload -- version' "$C/log/maillog")" -ge 3 ] || fail "fewer than 3 reloads logged"
ok "reloads and a stop under load: every acknowledged message delivered once, queue files complete"
