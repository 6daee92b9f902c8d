# qmgr: a file left in active/ by a crashed queue manager is recovered at
# start-up; with the relayhost down a message waits in deferred/ with its
# mtime at least minimal_backoff_time ahead and the smtp agent's connect
# error in defer/; "sluice flush" (triggers F A D I) retries at once.
. "$(dirname "$0")/lib.sh"
for p in sluice master sendmail pickup cleanup qmgr smtp postconf postqueue; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
dead=$(free_port)
C=$WORK/inst
new_instance "$C"
"$B/postconf" -c "$C" -e "relayhost = [127.0.0.1]:$dead" \
  "minimal_backoff_time = 600s" "maximal_backoff_time = 1200s" "queue_run_delay = 600s" \
  "myhostname = relay.example.com" "myorigin = example.com" >/dev/null || fail "postconf -e"
"$B/sluice" -c "$C" check >/dev/null 2>&1
qd=$("$B/postconf" -c "$C" -h queue_directory)
[ -d "$qd/active" ] || fail "no $qd/active after sluice check"

# A complete queue file (Postfix format, created now) planted in active/
# as if a queue manager had died while delivering it.
planted=ABCDE00042
python3 - "$qd/active/$planted" <<'PY' || fail "cannot write the planted queue file"
import sys, time
def rec(t, d=b''):
    n = len(d); out = bytes([ord(t)])
    while True:
        b = n & 0x7f; n >>= 7
        out += bytes([b | 0x80 if n else b])
        if not n: return out + d
now = time.time()
env = rec('T', b'%d %d' % (int(now), int(now % 1 * 1e6))) + rec('A', b'create_time=%d' % int(now)) \
    + rec('A', b'rewrite_context=local') + rec('S', b'planted@example.org') \
    + rec('A', b'dsn_orig_rcpt=rfc822;rescued@example.net') + rec('O', b'rescued@example.net') \
    + rec('R', b'rescued@example.net') + rec('M')
body = rec('N', b'Subject: planted') + rec('N', b'') + rec('N', b'left in active')
c_len = 2 + 95
data_off = c_len + len(env)
fields = (len(body), data_off, 1, 0, len(body), 0)
c = rec('C', ' '.join('%15d' % f for f in fields).encode())
assert len(c) == c_len
open(sys.argv[1], 'wb').write(c + env + body + rec('X') + rec('E'))
PY
chown --reference="$qd/active" "$qd/active/$planted"
chmod 0700 "$qd/active/$planted"

"$B/sluice" -c "$C" start || fail "sluice start"
INSTANCES="$C"
t0=$(date +%s)
printf 'Subject: qmgr\n\nhello\n' | "$B/sendmail" -C "$C" -f alice@example.org bob@example.net ||
  fail "sendmail exit $?"

wait_for 30 sh -c "[ \$(find $qd/deferred -type f | wc -l) = 2 ]" ||
  { "$B/mailq" -C "$C"; tail -30 "$C/log/maillog"; fail "messages not deferred"; }
[ -e "$qd/active/$planted" ] && fail "planted file still in active/"
[ -n "$(find "$qd/deferred" -type f -name "$planted")" ] ||
  { ls -R "$qd"; fail "planted file did not go through delivery into deferred/"; }
grep -q "qmgr\[[0-9]*\]: $planted: from=<planted@example.org>, size=[0-9]*, nrcpt=1 (queue active)" \
  "$C/log/maillog" || { tail -30 "$C/log/maillog"; fail "no 'queue active' line for the recovered file"; }
ok "a file left in active/ is recovered and tried"

# Next attempt: mtime = now + minimal_backoff_time (the age is below it).
for f in $(find "$qd/deferred" -type f); do
  m=$(stat -c %Y "$f")
  [ "$m" -ge $((t0 + 600)) ] || fail "$(basename "$f"): mtime $m < $t0 + 600"
  [ "$m" -le $(( $(date +%s) + 600 + 5 )) ] || fail "$(basename "$f"): mtime $m too far ahead"
done
ok "deferred mtime is at least now + minimal_backoff_time"

# The agent's reason in each defer log.
reason="connect to 127.0.0.1[127.0.0.1]:$dead: Connection refused"
for f in $(find "$qd/deferred" -type f); do
  id=$(basename "$f")
  log=$(find "$qd/defer" -type f -name "$id")
  [ -n "$log" ] || fail "no defer log for $id"
  grep -qxF "reason=$reason" "$log" || { cat "$log"; fail "defer log of $id lacks the connect error"; }
done
grep -q "status=deferred ($reason)" "$C/log/maillog" || fail "no deferred status line"
ok "defer logs hold the connect error"

# Bring the relay up: with a 600 s backoff nothing moves by itself ...
start_sink "$dead" "$WORK/sink"
sleep 2
assert_eq 0 "$(sink_count "$WORK/sink")" "delivered before the flush"
# ... until sluice flush sends F A D I: the dead destination is forgotten,
# mtimes are ignored, the deferred queue is scanned.
"$B/sluice" -c "$C" flush || fail "sluice flush exit $?"
wait_for 30 sh -c "[ \$(ls $WORK/sink | grep -c '\.eml\$') -ge 2 ]" ||
  { "$B/mailq" -C "$C"; tail -30 "$C/log/maillog"; fail "flush did not retry the deferred messages"; }
wait_for 10 sh -c "[ \$(find $qd/deferred $qd/active $qd/incoming -type f | wc -l) = 0 ]" ||
  fail "queue not empty after the flush"
grep -q "qmgr\[[0-9]*\]: $planted: removed" "$C/log/maillog" || fail "no 'removed' line"
for id in $(sed -n 's/.*qmgr\[[0-9]*\]: \([0-9A-F]*\): from=<alice@example.org>.*/\1/p' "$C/log/maillog" | sort -u); do
  [ -z "$(find "$qd/defer" -type f -name "$id")" ] || fail "defer log of $id left behind"
done
ok "sluice flush retries deferred mail at once"
