# Relayhost down: the message waits in deferred/ and mailq shows Postfix's
# layout with the connect error; the retry schedule delivers it once the
# sink is up; with a long backoff, postqueue -f delivers at once.
. "$(dirname "$0")/lib.sh"
for p in sluice sendmail postqueue master pickup cleanup qmgr smtp; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
sp=$(free_port)
relay_instance "$WORK/inst" "$sp"
printf 'Subject: retry\n\nhello\n' | "$B/sendmail" -C "$C" -f alice@example.org bob@example.net carol@example.net ||
  fail "sendmail"
wait_for 30 sh -c "[ \$(find $("$B/postconf" -c "$C" -h queue_directory)/deferred -type f | wc -l) = 1 ]" ||
  { "$B/mailq" -C "$C"; tail "$C/log/maillog"; fail "message not deferred"; }

# The listing, byte for byte, apart from the ID, size and time.
"$B/postqueue" -c "$C" -p > listing || fail "postqueue -p exit $?"
id=$(sed -n '2s/^\([0-9A-F]*\).*/\1/p' listing)
[ -n "$id" ] || { cat listing; fail "no queue ID in listing"; }
size=$(sed -n '2p' listing | awk '{print $2}')
reason="(connect to 127.0.0.1[127.0.0.1]:$sp: Connection refused)"
pad=$((76 - ${#reason} + 2))   # Postfix: 76 - strlen(text inside the parentheses)
python3 - "$id" "$size" "$reason" "$pad" listing <<'PY' || fail "listing layout differs"
import sys, re
qid, size, reason, pad, path = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
got = open(path).read().split('\n')
exp0 = "%-11s %7s %-20s %s" % ("-Queue ID-", "--Size--", "----Arrival Time----", "-Sender/Recipient-------")
assert got[0] == exp0, (got[0], exp0)
m = re.match(r'^(\S+)\s+(\d+) (\w\w\w \w\w\w [ \d]\d \d\d:\d\d:\d\d)  alice@example.org$', got[1])
assert m and m.group(1) == qid and len("%-11s %7d " % (qid, size)) + 21 == got[1].index("alice"), got[1]
assert got[2] == " " * pad + reason, repr(got[2])
assert got[3] == " " * 41 + "bob@example.net", repr(got[3])
assert got[4] == " " * 41 + "carol@example.net", repr(got[4])
assert got[5] == "", repr(got[5])
assert got[6] == "-- %d Kbytes in 1 Request." % (size // 1024), repr(got[6])
PY
ok "mailq layout with the connect error"

# Bring the sink up: the retry schedule (2-4 s backoff here) delivers it.
start_sink "$sp" "$WORK/sink"
wait_for 40 sh -c "[ \$(ls $WORK/sink | grep -c '\.env\$') -ge 1 ]" ||
  { "$B/mailq" -C "$C"; tail -20 "$C/log/maillog"; fail "not delivered by the retry schedule"; }
wait_for 10 sh -c "[ \"\$($B/postqueue -c $C -p)\" = 'Mail queue is empty' ]" || fail "queue not empty"
ok "delivered by the retry schedule"

# Long backoff: only postqueue -f can make it go now.
stop_sink
"$B/postconf" -c "$C" -e "minimal_backoff_time = 3600s" "maximal_backoff_time = 3600s" "queue_run_delay = 3600s" >/dev/null
"$B/sluice" -c "$C" reload >/dev/null 2>&1 || fail "reload"
sleep 1
printf 'Subject: flush\n\nhello\n' | "$B/sendmail" -C "$C" -f alice@example.org dave@example.net || fail "sendmail"
qd=$("$B/postconf" -c "$C" -h queue_directory)
wait_for 30 sh -c "[ \$(find $qd/deferred -type f | wc -l) = 1 ]" || fail "second message not deferred"
start_sink "$sp" "$WORK/sink2"
sleep 2
assert_eq 0 "$(sink_count "$WORK/sink2")" "delivered before the flush"
"$B/postqueue" -c "$C" -f || fail "postqueue -f exit $?"
wait_for 20 sh -c "[ \$(ls $WORK/sink2 | grep -c '\.env\$') -ge 1 ]" ||
  { "$B/mailq" -C "$C"; tail -20 "$C/log/maillog"; fail "postqueue -f did not deliver"; }
ok "postqueue -f delivers at once"
