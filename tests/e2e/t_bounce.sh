# Delivery status notifications: a recipient rejected with 550 comes back
# to the sender as a non-delivery notice (null envelope sender, RFC 3464
# multipart/report with the delivery status and the original message)
# through the same relay; a bounce of a null-sender message is not sent
# (no loop); an expired message (maximal_queue_lifetime = 0) is returned
# with its defer reason; a delay notice goes out once when
# delay_warning_time has passed.
. "$(dirname "$0")/lib.sh"
for p in sluice sendmail postconf master pickup cleanup qmgr smtp smtpd bounce; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done

# find_notice DIR SUBJECT: the sink's .eml of the (one) notice with that subject.
find_notice() { grep -l "^Subject: $2" "$1"/*.eml 2>/dev/null | head -1; }

# A python checker for one notice: envelope, headers, MIME structure.
cat > check_notice.py <<'PY'
import sys, re, email
from email import policy
eml, env, kind, sender, qid, host = sys.argv[1:7]
want = sys.argv[7:]          # "Field: value" lines expected in part 2
envtext = open(env).read()
assert envtext.startswith('MAIL FROM:<>'), envtext
assert re.search(r'^RCPT TO:<%s>$' % re.escape(sender), envtext, re.M), envtext
raw = open(eml, 'rb').read()
head = raw.split(b'\r\n\r\n', 1)[0].decode()
names = [l.split(':', 1)[0] for l in head.split('\r\n') if l and l[0] not in ' \t']
subject = {'failure': 'Undelivered Mail Returned to Sender',
           'delay': 'Delayed Mail (still being retried)'}[kind]
exp = ['Received', 'Date', 'From', 'Subject', 'To', 'Auto-Submitted',
       'MIME-Version', 'Content-Type', 'Message-Id']
assert names == exp, names
m = email.message_from_bytes(raw, policy=policy.compat32)
assert m['Subject'] == subject, m['Subject']
assert m['To'] == sender, m['To']
assert m['From'] == 'Mail Delivery System <MAILER-DAEMON@example.com>', m['From']
assert m['Auto-Submitted'] == 'auto-replied'
assert re.match(r'^by %s \(\S+\)\r?\n\tid [0-9A-F]+; ' % re.escape(host), m['Received']), m['Received']
ct = m['Content-Type']
assert re.match(r'multipart/report; report-type=delivery-status;\r?\n\tboundary="%s\.\d+/%s"$'
                % (qid, re.escape(host)), ct), repr(ct)
assert m.get_content_type() == 'multipart/report'
assert raw.split(b'\r\n\r\n', 1)[1].startswith(b'This is a MIME-encapsulated message.\r\n')
parts = m.get_payload()
assert len(parts) == 3, len(parts)
p1, p2, p3 = parts
assert p1['Content-Description'] == 'Notification'
assert p1.get_content_type() == 'text/plain'
text = p1.get_payload()
assert 'This is the mail system at host %s.' % host in text, text
for line in text.split('\r\n'):
    assert len(line) <= 79, line
assert p2['Content-Description'] == 'Delivery report'
assert p2.get_content_type() == 'message/delivery-status'
dsn = p2.as_string().split('\n\n', 1)[1]
dsn = dsn.replace('\r\n', '\n')
for line in ['Reporting-MTA: dns; %s' % host, 'X-Postfix-Queue-ID: %s' % qid,
             'X-Postfix-Sender: rfc822; %s' % sender] + want:
    assert re.search('^' + re.escape(line) + '$', dsn, re.M), (line, dsn)
assert re.search(r'^Arrival-Date: \w\w\w, [ \d]\d \w\w\w \d{4} \d\d:\d\d:\d\d \+0000 \(UTC\)$', dsn, re.M), dsn
if kind == 'failure':
    assert p3['Content-Description'] == 'Undelivered Message'
    assert p3.get_content_type() == 'message/rfc822'
    orig = p3.get_payload()[0]
    assert orig['Return-Path'] == '<%s>' % sender, orig['Return-Path']
    assert orig['Subject'] is not None
    assert 'original body line' in orig.get_payload(), orig.get_payload()
else:
    assert p3['Content-Description'] == 'Undelivered Message Headers'
    assert p3.get_content_type() == 'text/rfc822-headers'
    body = p3.get_payload()
    assert body.startswith('Return-Path: <%s>' % sender), body
    assert 'original body line' not in body
assert raw.rstrip(b'\r\n').endswith(b'--'), raw[-80:]
print('ok')
PY

# ---- 1. a 550 comes back as a non-delivery notice --------------------------
sp=$(free_port)
start_sink "$sp" "$WORK/sink" \
  --reply 'reject@example.net=550 5.1.1 <reject@example.net>: Recipient address rejected: User unknown' \
  --reply 'tmp@example.net=451 4.3.0 Try again later'
relay_instance "$WORK/i1" "$sp"
C1=$C
"$B/postconf" -c "$C1" -e "delay_warning_time = 1s" >/dev/null || fail "postconf"
"$B/sluice" -c "$C1" reload >/dev/null 2>&1 || fail "reload"
sleep 1
printf 'Subject: first\nFrom: alice@example.org\n\noriginal body line\n' |
  "$B/sendmail" -C "$C1" -i -f alice@example.org ok@example.net reject@example.net || fail "sendmail"
need_log "$C1" "status=bounced" "bounce"
need_log "$C1" ": sender non-delivery notification: [0-9A-F]+" "notice log line"
qid=$(sed -nE 's/.*bounce\[[0-9]+\]: ([0-9A-F]+): sender non-delivery notification: ([0-9A-F]+)$/\1/p' "$C1/log/maillog" | head -1)
nid=$(sed -nE 's/.*bounce\[[0-9]+\]: ([0-9A-F]+): sender non-delivery notification: ([0-9A-F]+)$/\2/p' "$C1/log/maillog" | head -1)
[ -n "$qid" ] && [ -n "$nid" ] || { tail -20 "$C1/log/maillog"; fail "no IDs in the notice log line"; }
grep -Eq "qmgr\[[0-9]+\]: $qid: removed" "$C1/log/maillog" || need_log "$C1" "qmgr\[[0-9]+\]: $qid: removed" "original removed"
need_log "$C1" "$nid: from=<>, size=[0-9]+, nrcpt=1 \(queue active\)" "notice queued with the null sender"
need_log "$C1" "$nid: to=<alice@example.org>, relay=.*status=sent" "notice delivered"
wait_for 20 sh -c "grep -l '^Subject: Undelivered Mail' $WORK/sink/*.eml" || fail "the sink got no notice"
eml=$(find_notice "$WORK/sink" "Undelivered Mail")
python3 check_notice.py "$eml" "${eml%.eml}.env" failure alice@example.org "$qid" relay.example.com \
  'Final-Recipient: rfc822; reject@example.net' 'Original-Recipient: rfc822;reject@example.net' \
  'Action: failed' 'Status: 5.1.1' 'Remote-MTA: dns; 127.0.0.1' \
  'Diagnostic-Code: smtp; 550 5.1.1 <reject@example.net>: Recipient address' \
  '    rejected: User unknown' || fail "notice content"
grep -q '^<reject@example.net>: host 127.0.0.1\[127.0.0.1\] said: 550 5.1.1' "$eml" || fail "no reason paragraph"
grep -q '^    ' "$eml" || fail "no wrapped continuation line"
ok "550 comes back as a non-delivery notice with the delivery status and the original"

# ---- 2. a bounce of a null-sender message is not sent (no loop) -----------
port1=$(sed -nE 's/^127\.0\.0\.1:([0-9]+) +inet.*/\1/p' "$C1/master.cf")
before=$(sink_count "$WORK/sink")
python3 - "$port1" <<'PY' || fail "smtp submission of a null-sender message"
import smtplib, sys
s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=20)
s.sendmail('<>', ['reject@example.net'], b'Subject: a bounce\r\n\r\nbounce body\r\n')
s.quit()
PY
# The first test's message went to the same address: wait for this one's
# own "queue active" line, then for its bounced status line.
null_qid() { grep -E 'from=<>, size=.*nrcpt=1 \(queue active\)' "$C1/log/maillog" | grep -v "$nid" | sed -nE 's/.*: ([0-9A-F]+): from=<>.*/\1/p' | tail -1; }
wait_for 30 sh -c "[ -n \"\$(grep -E 'from=<>, size=.*nrcpt=1 \\(queue active\\)' '$C1/log/maillog' | grep -v '$nid')\" ]" ||
  fail "null-sender message never became active"
bq=$(null_qid)
[ -n "$bq" ] && need_log "$C1" "$bq: to=<reject@example.net>.*status=bounced" "null-sender bounce"
[ -n "$bq" ] || fail "null-sender message not found in the log"
need_log "$C1" "qmgr\[[0-9]+\]: $bq: removed" "null-sender message removed"
sleep 2
grep -q "$bq: sender non-delivery notification" "$C1/log/maillog" && fail "a notice for a null-sender message"
assert_eq "$before" "$(sink_count "$WORK/sink")" "sink messages after the null-sender bounce"
ok "a bounce of a null-sender message is discarded, no loop"

# ---- 3. delay notice once delay_warning_time has passed -------------------
printf 'Subject: slow\n\noriginal body line\n' |
  "$B/sendmail" -C "$C1" -i -f carol@example.org tmp@example.net || fail "sendmail"
need_log "$C1" ": sender delay notification: [0-9A-F]+" "delay notice log line"
dq=$(sed -nE 's/.*: ([0-9A-F]+): sender delay notification: [0-9A-F]+$/\1/p' "$C1/log/maillog" | head -1)
wait_for 20 sh -c "grep -l '^Subject: Delayed Mail' $WORK/sink/*.eml" || fail "the sink got no delay notice"
eml=$(find_notice "$WORK/sink" "Delayed Mail")
python3 check_notice.py "$eml" "${eml%.eml}.env" delay carol@example.org "$dq" relay.example.com \
  'Final-Recipient: rfc822; tmp@example.net' 'Action: delayed' 'Status: 4.3.0' \
  'Diagnostic-Code: smtp; 451 4.3.0 Try again later' || fail "delay notice content"
grep -Eq '^Will-Retry-Until: ' "$eml" || fail "no Will-Retry-Until"
# Retries go on (2-4 s backoff) but the W record now says -1: no second notice.
need_log "$C1" "$dq: from=<carol@example.org>, size=[0-9]+, nrcpt=1 \(queue active\)" "first attempt"
wait_for 30 sh -c "[ \$(grep -c '$dq: to=<tmp@example.net>.*status=deferred' $C1/log/maillog) -ge 3 ]" ||
  fail "no retries of the delayed message"
assert_eq 1 "$(grep -c "$dq: sender delay notification" "$C1/log/maillog")" "delay notices sent"
ok "one delay notice (headers only, Will-Retry-Until), not repeated"

# ---- 4. expiry returns deferred mail with its defer reason ----------------
sp2=$(free_port)
start_sink "$sp2" "$WORK/sink2" --reply 'tmp@example.net=451 4.3.0 Try again later'
relay_instance "$WORK/i2" "$sp2"
C2=$C
"$B/postconf" -c "$C2" -e "maximal_queue_lifetime = 0" >/dev/null || fail "postconf"
"$B/sluice" -c "$C2" reload >/dev/null 2>&1 || fail "reload"
sleep 1
printf 'Subject: expire\n\noriginal body line\n' |
  "$B/sendmail" -C "$C2" -i -f dave@example.org tmp@example.net || fail "sendmail"
need_log "$C2" "from=<dave@example.org>, status=expired, returned to sender" "expired"
need_log "$C2" ": sender non-delivery notification: [0-9A-F]+" "expiry notice"
eq=$(sed -nE 's/.*: ([0-9A-F]+): sender non-delivery notification: [0-9A-F]+$/\1/p' "$C2/log/maillog" | head -1)
need_log "$C2" "qmgr\[[0-9]+\]: $eq: removed" "expired message removed"
wait_for 20 sh -c "grep -l '^Subject: Undelivered Mail' $WORK/sink2/*.eml" || fail "the sink got no expiry notice"
eml=$(find_notice "$WORK/sink2" "Undelivered Mail")
python3 check_notice.py "$eml" "${eml%.eml}.env" failure dave@example.org "$eq" relay.example.com \
  'Final-Recipient: rfc822; tmp@example.net' 'Action: failed' 'Status: 4.3.0' \
  'Diagnostic-Code: smtp; 451 4.3.0 Try again later' || fail "expiry notice content"
grep -q '^<tmp@example.net>: host 127.0.0.1\[127.0.0.1\] said: 451 4.3.0 Try again' "$eml" || fail "no defer reason"
assert_eq 0 "$(queue_count "$C2" deferred active incoming defer bounce)" "files left in the queue"
ok "an expired message is returned with its defer reason"

# ---- 5. a notice that cannot go out loses nothing --------------------------
# With soft_bounce = yes the bounce service holds non-delivery notices: the
# expired message stays deferred with its defer log; once soft_bounce is
# off again, its next attempt returns it.
"$B/postconf" -c "$C2" -e "soft_bounce = yes" >/dev/null || fail "postconf"
"$B/sluice" -c "$C2" reload >/dev/null 2>&1 || fail "reload"
sleep 1
printf 'Subject: held\n\noriginal body line\n' |
  "$B/sendmail" -C "$C2" -i -f erin@example.org tmp@example.net || fail "sendmail"
need_log "$C2" "from=<erin@example.org>, status=expired, returned to sender" "expired (held)"
hq=$(sed -nE 's/.*: ([0-9A-F]+): from=<erin@example.org>, status=expired.*/\1/p' "$C2/log/maillog" | head -1)
need_log "$C2" "warning: $hq: sender non-delivery notification failed: bounce service: notice held: soft_bounce = yes" "held warning"
wait_for 10 sh -c "[ \$(find $("$B/postconf" -c "$C2" -h queue_directory)/deferred -name $hq | wc -l) = 1 ]" ||
  fail "held message not in deferred/"
[ "$(queue_count "$C2" defer)" = 1 ] || fail "defer log of the held message is gone"
grep -q "$hq: removed" "$C2/log/maillog" && fail "held message removed"
"$B/postconf" -c "$C2" -e "soft_bounce = no" >/dev/null || fail "postconf"
"$B/sluice" -c "$C2" reload >/dev/null 2>&1 || fail "reload"
need_log "$C2" "$hq: sender non-delivery notification: [0-9A-F]+" "notice after soft_bounce = no"
need_log "$C2" "qmgr\[[0-9]+\]: $hq: removed" "held message removed at last"
wait_for 20 sh -c "[ \$(grep -l '^X-Postfix-Sender: rfc822; erin@example.org' $WORK/sink2/*.eml | wc -l) = 1 ]" ||
  fail "the sink got no notice for the held message"
ok "a held notice keeps the message and its log until it can be sent"

# ---- 6. notify_classes: postmaster notices --------------------------------
# 2bounce: a bounce that bounced goes to the postmaster in full; bounce: the
# postmaster gets a headers-only copy of an ordinary non-delivery notice.
# Both come from double_bounce_sender.
"$B/postconf" -c "$C1" -e "notify_classes = 2bounce" >/dev/null || fail "postconf"
"$B/sluice" -c "$C1" reload >/dev/null 2>&1 || fail "reload"
sleep 1
python3 - "$port1" <<'PY' || fail "smtp submission of a null-sender message"
import smtplib, sys
s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=20)
s.sendmail('<>', ['reject@example.net'], b'Subject: double\r\n\r\nsecond bounce body\r\n')
s.quit()
PY
need_log "$C1" ": postmaster non-delivery notification: [0-9A-F]+" "double bounce to the postmaster"
wait_for 20 sh -c "grep -l '^Subject: Postmaster Copy: Undelivered Mail' $WORK/sink/*.eml" ||
  fail "the sink got no postmaster notice"
eml=$(grep -l '^Subject: Postmaster Copy: Undelivered Mail' "$WORK/sink"/*.eml | head -1)
grep -q '^MAIL FROM:<double-bounce@example.com>' "${eml%.eml}.env" || { cat "${eml%.eml}.env"; fail "postmaster notice envelope sender"; }
grep -q '^RCPT TO:<postmaster@example.com>' "${eml%.eml}.env" || { cat "${eml%.eml}.env"; fail "postmaster notice recipient"; }
grep -q '^Auto-Submitted: auto-generated' "$eml" || fail "postmaster notice Auto-Submitted"
grep -q '^second bounce body' "$eml" || fail "double bounce without the original body"
grep -q '^Return-Path: <>.$' "$eml" || fail "double bounce: Return-Path is not <>"
ok "notify_classes = 2bounce sends a bounce that bounced to the postmaster"

"$B/postconf" -c "$C1" -e "notify_classes = bounce" >/dev/null || fail "postconf"
"$B/sluice" -c "$C1" reload >/dev/null 2>&1 || fail "reload"
sleep 1
printf 'Subject: pm copy\n\noriginal body line\n' |
  "$B/sendmail" -C "$C1" -i -f frank@example.org reject@example.net || fail "sendmail"
wait_for 30 sh -c "grep -l '^X-Postfix-Sender: rfc822; frank@example.org' $WORK/sink/*.eml | wc -l | grep -qx 2" ||
  fail "not two notices (sender, postmaster) for frank"
pm=$(grep -l '^X-Postfix-Sender: rfc822; frank@example.org' "$WORK/sink"/*.eml | xargs grep -l '^Subject: Postmaster Copy')
[ -n "$pm" ] || fail "no postmaster copy"
grep -q '^Content-Type: text/rfc822-headers' "$pm" || fail "postmaster copy is not headers only"
grep -q '^original body line' "$pm" && fail "postmaster copy has the body"
ok "notify_classes = bounce sends the postmaster a headers-only copy"

# ---- 7. hostile requests on private/bounce --------------------------------
# Every bad request gets status=1 with a reason; the service stays up.
qd1=$("$B/postconf" -c "$C1" -h queue_directory)
python3 - "$qd1/private/bounce" <<'PY' || fail "hostile bounce requests"
import socket, sys
path = sys.argv[1]
def ask(data, expect_reply=True):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(path)
    s.sendall(data)
    if not expect_reply:
        s.close(); return None
    out = b''
    while not out.endswith(b'\n\n'):
        b = s.recv(4096)
        if not b: break
        out += b
    s.close()
    return out.decode()
cases = [
    (b'request=flush\nqueue_id=../../etc\nlog=bounce\n\n', 'malformed request'),
    (b'request=flush\nqueue_id=ABCDEF123\nlog=../x\n\n', 'bad log name'),
    (b'request=explode\nqueue_id=ABCDEF123\n\n', 'unknown request'),
    (b'queue_id=ABCDEF123\n\n', 'malformed request'),
    (b'request=flush\nqueue_id=ABCDEF123\nlog=bounce\n\n', 'open active/ABCDEF123'),
    (b'request=warn\nqueue_id=ABCDEF123\nsender=x%0Ay\n\n', 'open active/ABCDEF123'),
]
for data, want in cases:
    r = ask(data)
    assert r.startswith('status=1\n') and want in r, (data, r)
ask(b'not an attribute block at all\x00\n\n', expect_reply=False)
ask(b'x' * 70000, expect_reply=False)
r = ask(b'request=flush\nqueue_id=ABCDEF123\nlog=bounce\n\n')
assert r.startswith('status=1\n'), r
PY
grep -q "bounce\[[0-9]*\]: fatal\|bounce\[[0-9]*\]: panic" "$C1/log/maillog" && fail "bounce died"
ok "hostile requests are refused, the service stays up"
