# The cleanup protocol on public/cleanup, spoken directly: the queue ID
# comes first, then a good record stream gets status=0 and a complete
# queue file; broken streams get a
# status with a reason and leave no file behind; a client that vanishes
# mid-message leaves nothing either; the daemon keeps serving.
. "$(dirname "$0")/lib.sh"
for p in sluice postcat postconf master cleanup; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
chmod o+x "$WORK" 2>/dev/null  # daemons may run as another user when we are root
C=$WORK/inst
new_instance "$C"
"$B/postconf" -c "$C" -e "relayhost = [127.0.0.1]:$(free_port)" \
  "myhostname = relay.example.com" "myorigin = example.com" \
  "message_size_limit = 20000" >/dev/null || fail "postconf -e"
"$B/sluice" -c "$C" start >/dev/null 2>&1 || fail "sluice start"
INSTANCES="$C"
Q=$("$B/postconf" -c "$C" -h queue_directory)
wait_for 10 test -S "$Q/public/cleanup" || fail "no public/cleanup socket"

# talk CASE: send one record stream, print the reply block on one line.
cat > talk.py <<'PY'
import socket, sys, time
def rec(t, d=b""):
    n = len(d); out = bytes([ord(t)])
    while True:
        b = n & 0x7f; n >>= 7
        out += bytes([b | (0x80 if n else 0)])
        if not n: break
    return out + d
env = rec("T", b"1795460121 1") + rec("A", b"rewrite_context=local") + rec("S", b"a@example.org")
good = env + rec("R", b"bob") + rec("M") + rec("N", b"Subject: direct") + rec("N") + \
       rec("N", b"body") + rec("X") + rec("E")
cases = {
  "good": good,
  "badtype": env + rec("Z", b"junk") + rec("R", b"b@x") + rec("M") + rec("X") + rec("E"),
  "norcpt": env + rec("M") + rec("N", b"x") + rec("X") + rec("E"),
  "badlen": env + b"R\xff\xff\xff\xff\xff",
  "toobig": env + rec("R", b"b@x") + rec("M") + rec("N") + b"".join(rec("N", b"x" * 1000) for _ in range(30)) + rec("X") + rec("E"),
  "vanish": env + rec("R", b"b@x") + rec("M") + rec("N", b"partial"),
}
s = socket.socket(socket.AF_UNIX); s.settimeout(20)
s.connect(sys.argv[1] + "/public/cleanup")
s.sendall(cases[sys.argv[2]])
if sys.argv[2] == "vanish":
    time.sleep(0.5); s.close(); sys.exit(0)
# cleanup names the queue file at once ("queue_id=ID" block), then sends
# the final block; the early block must come first and agree.
data = b""
while data.count(b"\n\n") < 2:
    chunk = s.recv(4096)
    if not chunk: break
    data += chunk
blocks = data.decode().split("\n\n")
early, final = blocks[0], blocks[1] if len(blocks) > 1 else ""
if not early.startswith("queue_id=") or "\n" in early:
    sys.exit("no early queue_id block: %r" % data)
if "queue_id=" in final and final.split("queue_id=")[1] != early[9:]:
    sys.exit("queue IDs differ: %r" % data)
print(" ".join(final.split("\n")).strip())
PY

reply=$(python3 talk.py "$Q" good) || fail "talk good"
case $reply in "status=0 queue_id="*) ;; *) fail "good stream: [$reply]";; esac
id=${reply#status=0 queue_id=}
out=$("$B/postcat" -c "$C" -q "$id") || fail "postcat -q $id"
echo "$out" | grep -q '^recipient: bob@example.com$' || fail "recipient not qualified"
echo "$out" | grep -q '^original_recipient: bob$' || fail "O record not as given"
echo "$out" | grep -q "^Message-Id: <[0-9]\{14\}\.$id@relay.example.com>$" || fail "no Message-Id"
echo "$out" | grep -q '^From: a@example.org$' || fail "no From:"
ok "good stream: status=0 queue_id=$id, complete queue file"

check_reject() {
  local case=$1 want=$2 r
  r=$(python3 talk.py "$Q" "$case") || fail "talk $case"
  assert_eq "$want" "$r" "reply to $case"
}
check_reject badtype "status=65 reason=unexpected record type 90 in envelope"
check_reject norcpt "status=65 reason=no recipients specified"
check_reject badlen "status=65 reason=malformed input record"
check_reject toobig "status=65 reason=message file too big"
python3 talk.py "$Q" vanish || fail "talk vanish"
ok "broken streams rejected with a reason"

# Nothing partial or unready may stay behind in incoming/.
sleep 1
left=$(find "$Q/incoming" -type f ! -perm -700 | wc -l)
assert_eq 0 "$left" "partial files in incoming/"
reply=$(python3 talk.py "$Q" good) || fail "talk good again"
case $reply in "status=0 queue_id="*) ;; *) fail "cleanup stopped serving: [$reply]";; esac
ok "no partial files left; cleanup still serves"
