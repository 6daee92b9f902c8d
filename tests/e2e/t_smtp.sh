# The smtp delivery agent against tests/e2e/sink.py: per-recipient results
# (sent / bounced / deferred) with Postfix's log lines and texts, mailq
# reasons, byte-identical bodies, SIZE and BODY=8BITMIME, lock-step and
# pipelined dialogues, multi-line replies, end-of-data rejection, refused
# greetings and refused connections followed by a successful retry.
. "$(dirname "$0")/lib.sh"
for p in sluice sendmail postqueue postconf master pickup cleanup qmgr smtp; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done

H='127\.0\.0\.1\[127\.0\.0\.1\]'
ID='[0-9A-Za-z]+'
DELAYS='delay=[0-9.]+, delays=[0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+'


# ---- 1. three recipients: sent, bounced (550), deferred (451) -------------
sp=$(free_port)
start_sink "$sp" "$WORK/sink1" \
  --reply 'reject@example.net=550 5.1.1 <reject@example.net>: Recipient address rejected: User unknown' \
  --reply 'tmp@example.net=451 4.3.0 Try again later'
relay_instance "$WORK/i1" "$sp"
C1=$C
long=$(python3 -c 'print("y" * 998)')
body() {
  printf '.leading dot\n..two dots\n.\n'
  printf 'eight bit: caf\303\251 \351\377\n'
  printf '%s\n' "$long"
  printf 'last line\n'
}
{ printf 'Subject: three\nContent-Transfer-Encoding: 8bit\n\n'; body; } > msg1
"$B/sendmail" -C "$C1" -i -f sender@example.org ok@example.net reject@example.net tmp@example.net < msg1 ||
  fail "sendmail exit $?"

need_log "$C1" "smtp\[[0-9]+\]: $ID: to=<ok@example.net>, relay=$H:$sp, $DELAYS, dsn=2\.0\.0, status=sent \(250 2\.0\.0 Ok: queued as SINK1\)" "sent"
need_log "$C1" "smtp\[[0-9]+\]: $ID: to=<reject@example.net>, relay=$H:$sp, $DELAYS, dsn=5\.1\.1, status=bounced \(host $H said: 550 5\.1\.1 <reject@example\.net>: Recipient address rejected: User unknown \(in reply to RCPT TO command\)\)" "bounced"
need_log "$C1" "smtp\[[0-9]+\]: $ID: to=<tmp@example.net>, relay=$H:$sp, $DELAYS, dsn=4\.3\.0, status=deferred \(host $H said: 451 4\.3\.0 Try again later \(in reply to RCPT TO command\)\)" "deferred"
ok "sent, bounced and deferred status lines"

# mailq: the deferred recipient with its reason, and only that one.
# (The message is retried every few seconds; while a retry runs, its old
# reason is gone: look until a listing between retries shows it.)
listed() {
  q=$("$B/mailq" -C "$C1")
  echo "$q" | grep -q '(host 127.0.0.1\[127.0.0.1\] said: 451 4.3.0 Try again later (in reply to RCPT TO command))'
}
wait_for 30 listed || { "$B/mailq" -C "$C1"; fail "mailq does not list tmp@example.net with the defer reason"; }
echo "$q" | grep -Eq 'ok@example.net|reject@example.net' && { echo "$q"; fail "mailq lists a final recipient"; }
ok "mailq shows the deferred recipient with its reason"

# The sink got exactly ok@ in the envelope, SIZE and BODY=8BITMIME, and the body.
env1="$WORK/sink1/000001.env"
[ -f "$env1" ] || fail "sink stored nothing"
grep -Eq '^MAIL FROM:<sender@example.org> SIZE=[0-9]+ BODY=8BITMIME$' "$env1" || { cat "$env1"; fail "MAIL FROM without SIZE/BODY"; }
assert_eq "RCPT TO:<ok@example.net>" "$(grep '^RCPT' "$env1")" "accepted recipients at the sink"
body > expected
python3 - "$WORK/sink1/000001.eml" expected <<'PY' || fail "body not byte-identical"
import sys
data = open(sys.argv[1], 'rb').read()
head, sep, rest = data.partition(b'\r\n\r\n')
exp = open(sys.argv[2], 'rb').read().replace(b'\n', b'\r\n')
if not sep or rest != exp:
    sys.stderr.write("got %r\nwant %r\n" % (rest[:200], exp[:200]))
    sys.exit(1)
if b'\n' in data.replace(b'\r\n', b''):
    sys.stderr.write("bare LF in the DATA stream\n")
    sys.exit(1)
PY
# The size announced is the queue file's content size (mailq's size).
size=$(sed -n 's/^MAIL FROM:<[^>]*> SIZE=\([0-9]*\).*/\1/p' "$env1")
echo "$q" | grep -Eq "^[0-9A-F]+ +$size " || { echo "$q"; fail "SIZE=$size is not the queue file size"; }
ok "body byte-identical (dots, 8-bit, 998-byte line), SIZE and BODY=8BITMIME"

# Defer log entry has Postfix's fields.
qd=$("$B/postconf" -c "$C1" -h queue_directory)
# (A retry replaces the defer log: copy a complete one, then look at it.)
copy_dl() {
  local dl; dl=$(find "$qd/defer" -type f | head -1)
  [ -n "$dl" ] && cp "$dl" dl.copy 2>/dev/null && grep -qx 'mta_mname=127.0.0.1' dl.copy
}
wait_for 30 copy_dl || fail "no complete defer log"
for f in 'recipient=tmp@example.net' 'status=4.3.0' 'action=delayed' 'diag_type=smtp' \
         'diag_text=451 4.3.0 Try again later' 'mta_type=dns' 'mta_mname=127.0.0.1'; do
  grep -qx "$f" dl.copy || { cat dl.copy; fail "defer log lacks $f"; }
done
ok "defer log entry with diag and mta fields"

# ---- 2. lock-step dialogue, multi-line reply, end-of-data rejection -------
sp2=$(free_port)
start_sink "$sp2" "$WORK/sink2" --no-pipelining \
  --reply 'multi@example.net=550 5.7.1 first line\nsecond line'
relay_instance "$WORK/i2" "$sp2"
C2=$C
printf 'Subject: plain\n\nseven bit only\n' |
  "$B/sendmail" -C "$C2" -i -f s2@example.org a@example.net multi@example.net b@example.net ||
  fail "sendmail exit $?"
need_log "$C2" "$ID: to=<multi@example.net>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$sp2, $DELAYS, dsn=5\.7\.1, status=bounced \(host $H said: 550-5\.7\.1 first line 550 second line \(in reply to RCPT TO command\)\)" "multi-line"
need_log "$C2" "$ID: to=<a@example.net>, relay=$H:$sp2, $DELAYS, dsn=2\.0\.0, status=sent" "lock-step a"
need_log "$C2" "$ID: to=<b@example.net>, relay=$H:$sp2, $DELAYS, dsn=2\.0\.0, status=sent" "lock-step b"
grep -Eq '^MAIL FROM:<s2@example.org> SIZE=[0-9]+$' "$WORK/sink2/000001.env" ||
  { cat "$WORK/sink2/000001.env"; fail "7-bit mail got BODY= or lost SIZE"; }
ok "lock-step dialogue, multi-line reply joined as Postfix does"

stop_sink
start_sink "$sp2" "$WORK/sink2b" --data-reply '554 5.7.1 Message content rejected'
printf 'Subject: refused\n\nno\n' | "$B/sendmail" -C "$C2" -i -f s3@example.org c@example.net || fail "sendmail exit $?"
need_log "$C2" "$ID: to=<c@example.net>, relay=$H:$sp2, $DELAYS, dsn=5\.7\.1, status=bounced \(host $H said: 554 5\.7\.1 Message content rejected \(in reply to end of DATA command\)\)" "end of data"
ok "end-of-data rejection bounces"

# ---- 3. greeting refused: site failure, deferred --------------------------
stop_sink
start_sink "$sp2" "$WORK/sink2c" --greeting '421 4.3.2 Service shutting down'
printf 'Subject: greet\n\nx\n' | "$B/sendmail" -C "$C2" -i -f s4@example.org d@example.net || fail "sendmail exit $?"
need_log "$C2" "$ID: to=<d@example.net>, relay=$H:$sp2, $DELAYS, dsn=4\.3\.2, status=deferred \(host $H refused to talk to me: 421 4\.3\.2 Service shutting down\)" "greeting"
ok "refused greeting defers"
stop_sink

# ---- 4. connection refused, then delivered after the sink appears ---------
sp3=$(free_port)
relay_instance "$WORK/i3" "$sp3"
C3=$C
printf 'Subject: later\n\nretry me\n' | "$B/sendmail" -C "$C3" -i -f s5@example.org late@example.net || fail "sendmail exit $?"
need_log "$C3" "smtp\[[0-9]+\]: connect to $H:$sp3: Connection refused$" "connect info line"
need_log "$C3" "$ID: to=<late@example.net>, relay=none, $DELAYS, dsn=4\.4\.1, status=deferred \(connect to $H:$sp3: Connection refused\)" "connect refused"
wait_for 20 sh -c "'$B/mailq' -C '$C3' | grep -q '(connect to 127.0.0.1\[127.0.0.1\]:$sp3: Connection refused)'" ||
  { "$B/mailq" -C "$C3"; fail "mailq does not show the connect error"; }
start_sink "$sp3" "$WORK/sink3"
"$B/postqueue" -c "$C3" -f >/dev/null 2>&1
need_log "$C3" "$ID: to=<late@example.net>, relay=$H:$sp3, $DELAYS, dsn=2\.0\.0, status=sent" "retry"
wait_for 20 sh -c "[ \"\$('$B/postqueue' -c '$C3' -p)\" = 'Mail queue is empty' ]" || fail "queue not empty after the retry"
ok "connection refused is deferred with relay=none, delivered on retry"

# ---- 5. timeouts and lost connections in each phase ------------------------
# Short timeouts; the misbehaving sink closes or hangs at one phase each time.
sp4=$(free_port)
C4="$WORK/i4"
new_instance "$C4"
"$B/postconf" -c "$C4" -e "relayhost = [127.0.0.1]:$sp4" \
  "minimal_backoff_time = 300s" "maximal_backoff_time = 600s" "queue_run_delay = 300s" \
  "myhostname = relay.example.com" "myorigin = example.com" \
  "smtp_helo_timeout = 2s" "smtp_data_done_timeout = 2s" >/dev/null || fail "postconf -e"
"$B/sluice" -c "$C4" start || fail "sluice start"
INSTANCES="${INSTANCES:-} $C4"
# A body much larger than the socket buffers, so that writes fail.
python3 -c 'import sys; sys.stdout.write(("z" * 99 + "\n") * 60000)' > big-body
phase_case() { # RCPT SINK-OPTION PHASE-TEXT-REGEX
  start_sink "$sp4" "$WORK/sink4-$1" $2
  { printf 'Subject: %s\n\nline one\nline two\n' "$1"; [ "$1" = body ] && cat big-body; } |
    "$B/sendmail" -C "$C4" -i -f s@example.org "$1@example.net" || fail "sendmail exit $?"
  need_log "$C4" "$ID: to=<$1@example.net>, relay=$H:$sp4, $DELAYS, dsn=4\.4\.2, status=deferred \($3\)" "$1"
  stop_sink
}
phase_case greet "--hang-at connect" "conversation with $H timed out while receiving the initial server greeting"
phase_case ehlo "--close-at ehlo" "lost connection with $H while performing the EHLO handshake"
phase_case rcpt "--close-at rcpt" "lost connection with $H while sending RCPT TO"
phase_case body "--close-at body" "lost connection with $H while sending message body"
phase_case dot "--hang-at dot" "conversation with $H timed out while sending end of data -- message may be sent more than once"
ok "timeouts and lost connections name the phase (4.4.2)"

# A site failure is reported to qmgr as hop_status: with a window of one the
# destination dies at once and the next message waits with Postfix's
# "suspended" reason instead of another connection attempt.
sp5=$(free_port)
C5="$WORK/i5"
new_instance "$C5"
"$B/postconf" -c "$C5" -e "relayhost = [127.0.0.1]:$sp5" "initial_destination_concurrency = 1" \
  "minimal_backoff_time = 300s" "maximal_backoff_time = 600s" "queue_run_delay = 300s" \
  "myhostname = relay.example.com" "myorigin = example.com" >/dev/null || fail "postconf -e"
"$B/sluice" -c "$C5" start || fail "sluice start"
INSTANCES="${INSTANCES:-} $C5"
printf 'Subject: one\n\nx\n' | "$B/sendmail" -C "$C5" -i -f s@example.org first@example.net || fail "sendmail exit $?"
need_log "$C5" "smtp\[[0-9]+\]: $ID: to=<first@example.net>, relay=none, $DELAYS, dsn=4\.4\.1, status=deferred \(connect to $H:$sp5: Connection refused\)" "refused"
printf 'Subject: two\n\nx\n' | "$B/sendmail" -C "$C5" -i -f s@example.org second@example.net || fail "sendmail exit $?"
need_log "$C5" "qmgr\[[0-9]+\]: $ID: to=<second@example.net>, relay=none, $DELAYS, dsn=4\.4\.1, status=deferred \(delivery temporarily suspended: connect to $H:$sp5: Connection refused\)" "throttled"
[ "$(grep -c 'connect to .*Connection refused$' "$C5/log/maillog")" = 1 ] || fail "throttled destination was contacted again"
ok "site failure throttles the destination via hop_status"

# ---- 6. names through c-ares and dnsmasq: dns_servers, address fallback ----
DNSMASQ=$(command -v dnsmasq || { [ -x /usr/sbin/dnsmasq ] && echo /usr/sbin/dnsmasq; })
if [ -z "$DNSMASQ" ]; then
  echo "dnsmasq not installed: DNS cases skipped"
  exit 0
fi
dp=$(free_port)
"$DNSMASQ" --no-daemon --conf-file=/dev/null --pid-file= --port="$dp" \
  --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts \
  --host-record=relay.test.example,127.0.0.1 \
  --host-record=dual.test.example,127.0.0.1,::1 \
  --address=/nx.example/ >dnsmasq.log 2>&1 &
remember $!
sleep 0.5
dns_instance() { # DIR RELAYHOST [postconf settings...]
  local c=$1 r=$2; shift 2
  new_instance "$c"
  "$B/postconf" -c "$c" -e "relayhost = $r" "dns_servers = 127.0.0.1:$dp" \
    "smtp_randomize_addresses = no" "minimal_backoff_time = 300s" \
    "queue_run_delay = 300s" "myhostname = relay.example.com" \
    "myorigin = example.com" "$@" >/dev/null || fail "postconf -e"
  "$B/sluice" -c "$c" start || fail "sluice start"
  INSTANCES="${INSTANCES:-} $c"
}

sp6=$(free_port)
start_sink "$sp6" "$WORK/sink6"
dns_instance "$WORK/i6" "[relay.test.example]:$sp6"
printf 'Subject: dns\n\nx\n' | "$B/sendmail" -C "$WORK/i6" -i -f s@example.org n1@example.net || fail "sendmail exit $?"
need_log "$WORK/i6" "$ID: to=<n1@example.net>, relay=relay\.test\.example\[127\.0\.0\.1\]:$sp6, $DELAYS, dsn=2\.0\.0, status=sent" "dns name"
ok "relayhost name resolved through dns_servers"

dns_instance "$WORK/i7" "[nx.example]:$sp6"
printf 'Subject: nx\n\nx\n' | "$B/sendmail" -C "$WORK/i7" -i -f s@example.org n2@example.net || fail "sendmail exit $?"
need_log "$WORK/i7" "$ID: to=<n2@example.net>, relay=none, $DELAYS, dsn=4\.3\.5, status=deferred \(Host or domain name not found\. Name service error for name=nx\.example type=AAAA: Host not found\)" "nxdomain relayhost"
grep -q 'warning: .*relayhost configuration problem' "$WORK/i7/log/maillog" || fail "no relayhost configuration warning"
ok "unresolvable relayhost is deferred with 4.3.5"

if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
  sp8=$(free_port)
  mkdir -p "$WORK/sink8"
  python3 "$SLUICE_ROOT/tests/e2e/sink.py" --host ::1 --port "$sp8" --dir "$WORK/sink8" \
    --pidfile "$WORK/sink8.pid" >"$WORK/sink8.log" 2>&1 &
  remember $!
  wait_for 10 test -s "$WORK/sink8.pid" || fail "IPv6 sink did not start"
  dns_instance "$WORK/i8" "[dual.test.example]:$sp8"
  printf 'Subject: dual\n\nx\n' | "$B/sendmail" -C "$WORK/i8" -i -f s@example.org n3@example.net || fail "sendmail exit $?"
  need_log "$WORK/i8" "smtp\[[0-9]+\]: connect to dual\.test\.example\[127\.0\.0\.1\]:$sp8: Connection refused$" "first address"
  need_log "$WORK/i8" "$ID: to=<n3@example.net>, relay=dual\.test\.example\[::1\]:$sp8, $DELAYS, dsn=2\.0\.0, status=sent" "second address"
  ok "the next address is tried after a refused connection"
else
  echo "no IPv6 loopback: address fallback case skipped"
fi
