# sendmail -> maildrop -> pickup -> cleanup -> incoming/active/deferred, with
# no reachable relayhost, checked with postcat -q against what real Postfix
# wrote for the same submissions (fixtures 1, 3, 4), plus -t extraction,
# Bcc removal, lone-dot handling, sendmail's fatal errors (exit 75) and a
# garbage maildrop file going to corrupt/ while mail keeps flowing.
. "$(dirname "$0")/lib.sh"
for p in sluice sendmail postcat postconf master pickup cleanup qmgr; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
chmod o+x "$WORK" 2>/dev/null  # daemons may run as another user when we are root
C=$WORK/inst
new_instance "$C"
dead=$(free_port)
"$B/postconf" -c "$C" -e "relayhost = [127.0.0.1]:$dead" \
  "myhostname = relay.example.com" "myorigin = example.com" "mail_name = Postfix" \
  >/dev/null || fail "postconf -e"
"$B/sluice" -c "$C" start >/dev/null 2>&1 || fail "sluice start"
INSTANCES="$C"
Q=$("$B/postconf" -c "$C" -h queue_directory)
LOG=$C/log/maillog
F=$FIXTURES
uid=$(id -u)
user=$(id -un)

# qid_of SENDER: the queue ID pickup logged for the message from SENDER.
qid_of() {
  local s=$1 i=0 id=""
  while [ $i -lt 100 ]; do
    id=$(grep -a "pickup\[[0-9]*\]: [0-9A-Za-z]*: uid=$uid from=<$s>" "$LOG" 2>/dev/null |
         tail -1 | sed 's/.*: \([0-9A-Za-z]*\): uid=.*/\1/')
    [ -n "$id" ] && { echo "$id"; return 0; }
    sleep 0.1; i=$((i+1))
  done
  tail -20 "$LOG" >&2
  fail "no pickup log line for sender <$s>"
}
# pcat ARGS ID: postcat -q, retried while qmgr moves the file between queues.
pcat() {
  local i=0
  while [ $i -lt 50 ]; do
    "$B/postcat" -c "$C" "$@" 2>/dev/null && return 0
    sleep 0.1; i=$((i+1))
  done
  fail "postcat $* failed"
}
# norm ID: replace the queue ID, times and the queue path with placeholders;
# the data offset (C field 2) moves with the length of the T record's
# microseconds, so it is masked too.
norm() {
  sed -e "s/$1/QID/g" \
      -e 's/^\(message_size: *[0-9]* *\)[0-9]*/\1OFFSET/' \
      -e 's/[A-Z][a-z][a-z] [A-Z][a-z][a-z] [ 0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9] [0-9]\{4\}/TIME/' \
      -e 's/[A-Z][a-z][a-z], [ 0-9][0-9] [A-Z][a-z][a-z] [0-9]\{4\} [0-9:]\{8\} [-+][0-9]\{4\} ([A-Z]*)/DATE/' \
      -e 's/<[0-9]\{14\}\.QID@/<STAMP.QID@/' \
      -e 's#\(RECORDS\|CONTENTS\|EXTRACTED\|END\) [a-z]*/\(./\)\{0,1\}QID#\1 PATH#' \
      -e 's/from userid [0-9]*/from userid UID/' -e 's/^sender_fullname: .*/sender_fullname: NAME/'
}
# same_as_fixture FIXTURE ID: postcat -q output equals Postfix's, line by line.
same_as_fixture() {
  local fid=${1#*.}
  norm "$fid" < "$F/queuefile-$1.postcat-q.txt" > "want.$fid"
  pcat -q "$2" | norm "$2" > "got.$fid"
  diff "want.$fid" "got.$fid" >&2 || fail "postcat -q $2 differs from fixture $1"
}

# 1. Fixture 4: -f with three recipients, 8-bit body, a 990-character line.
python3 -c 'import sys; sys.stdout.buffer.write(b"Subject: several\nContent-Type: text/plain; charset=iso-8859-1\n\ncaf\xe9\n" + b"x" * 990 + b"\n")' > m4
"$B/sendmail" -C "$C" -f sender@example.org alice@example.net bob@example.net \
  carol@flush.example.net < m4 || fail "sendmail -f exit $?"
id4=$(qid_of sender@example.org)
same_as_fixture 4.4EE5EA75951 "$id4"
grep -aq "cleanup\[[0-9]*\]: $id4: message-id=<[0-9]\{14\}\.$id4@relay.example.com>" "$LOG" ||
  fail "no cleanup message-id log line for $id4"
ok "fixture 4 (-f, 3 recipients, 8-bit, 990 chars) matches Postfix"

# 2. Fixture 3: -t takes the recipient from To:, ".dot line" is kept.
printf 'From: Kyle Dent <kdent@example.com>\nTo: kdent@ora.com\nSubject: queue tools\n\nHello from the queue.\n.dot line\n' |
  "$B/sendmail" -C "$C" -t -f kdent@example.com || fail "sendmail -t exit $?"
same_as_fixture 3.45A9EA757A3 "$(qid_of kdent@example.com)"
ok "fixture 3 (-t, extracted recipient) matches Postfix"

# 3. Fixture 1: null sender, 10 KB body, From: MAILER-DAEMON added.
python3 -c 'import sys; sys.stdout.write("Subject: big\n\n" + "".join("line %04d of a longer message body padding padding\n" % i for i in range(1, 201)))' > m1
"$B/sendmail" -C "$C" -f '<>' dave@example.net < m1 || fail "sendmail -f '<>' exit $?"
same_as_fixture 1.D5CA1A75992 "$(qid_of '')"
ok "fixture 1 (null sender, 10 KB) matches Postfix"

# 4. -t: To/Cc/Bcc, group syntax, comments, quoted names; sorted, unique;
#    Bcc removed from the headers; a command-line recipient as well.
cat > mt <<'EOF'
From: Someone <t4@example.org>
To: "Zed, Z" <zed@example.net>, amy@example.net (Amy),
	undisclosed: bob@example.net, carl@example.net;
Cc: amy@example.net
Bcc: hidden@example.net
Subject: extraction

body
EOF
"$B/sendmail" -C "$C" -t -f t4@example.org extra@example.net < mt || fail "sendmail -t exit $?"
id=$(qid_of t4@example.org)
pcat -e -q "$id" | grep -a '^recipient: ' > rcpts
printf 'recipient: extra@example.net\nrecipient: amy@example.net\nrecipient: bob@example.net\nrecipient: carl@example.net\nrecipient: hidden@example.net\nrecipient: zed@example.net\n' > want
diff want rcpts >&2 || fail "-t recipients"
pcat -h -q "$id" > hdrs
grep -qi '^Bcc:' hdrs && fail "Bcc header kept"
grep -q '^To: "Zed, Z" <zed@example.net>, amy@example.net (Amy),$' hdrs || fail "To: header changed"
grep -q '^	undisclosed: bob@example.net, carl@example.net;$' hdrs || fail "folded To: line changed"
ok "-t extraction (groups, comments, quotes, Cc, Bcc), sorted and unique, Bcc dropped"

# 5. Resent- headers: only Resent-To/Cc/Bcc count.
printf 'To: old@example.net\nResent-To: new@example.net\nResent-Bcc: newbcc@example.net\n\nbody\n' |
  "$B/sendmail" -C "$C" -t -f t5@example.org || fail "sendmail -t resent exit $?"
id=$(qid_of t5@example.org)
assert_eq "recipient: new@example.net
recipient: newbcc@example.net" "$(pcat -e -q "$id" | grep -a '^recipient: ')" "Resent- extraction"
pcat -h -q "$id" | grep -q '^Resent-Message-Id: <' || fail "no Resent-Message-Id added"
ok "Resent- headers: only Resent- recipients, Resent-Message-Id added"

# 6. Body transparency: dot lines, a lone dot with -i, a 998-character line,
#    CRLF input, a last line without newline, an unqualified recipient.
long=$(python3 -c 'print("y" * 998)')
{ printf 'From nobody Mon Nov 23 00:00:00 2026\nSubject: dots\r\n\r\n.one\r\n..two\r\n.\r\n'
  printf '%s\r\n' "$long"; printf 'no newline'; } > m6
"$B/sendmail" -C "$C" -i -f t6@example.org localuser < m6 || fail "sendmail -i exit $?"
id=$(qid_of t6@example.org)
printf '\n.one\n..two\n.\n%s\nno newline\n' "$long" > want
pcat -b -q "$id" > got
cmp want got || { diff want got | head >&2; fail "-i body"; }
pcat -e -q "$id" | grep -aq '^original_recipient: localuser$' || fail "O record is not the address as given"
pcat -e -q "$id" | grep -aq '^recipient: localuser@example.com$' || fail "unqualified recipient not rewritten"
pcat -h -q "$id" | grep -q '^From ' && fail "leading From_ line kept"
ok "-i keeps a lone dot; dots, CRLF, 998 chars, unterminated last line, @myorigin"

# 7. Without -i a lone "." ends the input.
printf 'Subject: eof\n\nbefore\n.\nafter\n' | "$B/sendmail" -C "$C" -f t7@example.org r7@example.net ||
  fail "sendmail exit $?"
id=$(qid_of t7@example.org)
assert_eq "$(printf '\nbefore')" "$(pcat -b -q "$id")" "lone dot without -i"
ok "a lone dot ends the input without -i"

# 8. Fatal errors: exit 75, Postfix's text, no maildrop file left behind.
before=$(ls "$Q/maildrop" | wc -l)
out=$(printf 'Subject: x\n\nx\n' | "$B/sendmail" -C "$C" -f s8@example.org 2>&1); rc=$?
assert_eq 75 "$rc" "exit status without recipients"
assert_eq "sendmail: fatal: s8@example.org($uid): Recipient addresses must be specified on the command line or via the -t option" \
  "$out" "no-recipient message"
out=$(printf 'Subject: x\n\nx\n' | "$B/sendmail" -C "$C" -t -f s8@example.org 2>&1); rc=$?
assert_eq 75 "$rc" "exit status -t without recipients"
assert_eq "sendmail: fatal: s8@example.org($uid): No recipient addresses found in message header" \
  "$out" "-t no-recipient message"
out=$("$B/sendmail" -C "$C" -bz </dev/null 2>&1); rc=$?
assert_eq 75 "$rc" "exit status -bz"
assert_eq "sendmail: fatal: unsupported: -bz" "$out" "-bz message"
out=$("$B/sendmail" -C "$C" -qS </dev/null 2>&1); rc=$?
assert_eq "75 sendmail: fatal: -qS is not implemented" "$rc $out" "-qS"
out=$("$B/sendmail" -C "$C" -n r@example.net </dev/null 2>&1); rc=$?
assert_eq "75 sendmail: fatal: -n option not supported" "$rc $out" "-n"
out=$(echo x | "$B/sendmail" -C "$C" -B 9BIT r@example.net 2>&1); rc=$?
assert_eq "75 sendmail: fatal: -B option needs 8BITMIME or 7BIT" "$rc $out" "-B"
"$B/sendmail" -C "$C" -bh </dev/null || fail "-bh should be ignored"
"$B/sendmail" -C "$C" -q5m </dev/null || fail "-q5m should be ignored"
assert_eq "$before" "$(ls "$Q/maildrop" | wc -l)" "maildrop files after failed submissions"
ok "fatal errors exit 75 with Postfix's text and leave no maildrop file"

# 9. Default sender: the login name, qualified by cleanup.
printf 'Subject: default sender\n\nx\n' | "$B/sendmail" -C "$C" r9@example.net || fail "sendmail exit $?"
id=$(qid_of "$user")
pcat -e -q "$id" | grep -aq "^sender: $user@example.com\$" || fail "default sender not $user@example.com"
pcat -h -q "$id" | grep -aq "^From: .*$user@example.com" || fail "no From: header with the sender"
ok "default sender is the login name, qualified with @myorigin"

# 10. A garbage maildrop file goes to corrupt/, the next message still flows.
printf 'this is not a queue file\n' > "$Q/maildrop/BADF00D1234"
chmod 0744 "$Q/maildrop/BADF00D1234"
printf 'Subject: after garbage\n\nx\n' | "$B/sendmail" -C "$C" -f t10@example.org r10@example.net ||
  fail "sendmail exit $?"
qid_of t10@example.org >/dev/null
wait_for 10 test -f "$Q/corrupt/BADF00D1234" || fail "garbage file not moved to corrupt/"
[ -e "$Q/maildrop/BADF00D1234" ] && fail "garbage file still in maildrop/"
grep -aq 'pickup\[[0-9]*\]: warning: .*BADF00D1234' "$LOG" || fail "no warning naming the bad file"
ok "garbage maildrop file moved to corrupt/ with a warning; mail keeps flowing"

# 11. mailq and -bp run postqueue -p.
"$B/mailq" -C "$C" > mq1 || fail "mailq exit $?"
"$B/sendmail" -C "$C" -bp > mq2 || fail "sendmail -bp exit $?"
grep -q "$id4" mq1 || fail "mailq does not list $id4"
grep -q "$id4" mq2 || fail "sendmail -bp does not list $id4"
ok "mailq and sendmail -bp list the queue"

# 12. Envelope data pickup would refuse is refused here, so exit 0 always
#     means the mail flows: CR/LF/NUL in -F, an oversized recipient.
before=$(ls "$Q/maildrop" | wc -l)
printf 'x\n' | "$B/sendmail" -C "$C" -F "$(printf 'Evil\rName')" -f t12@example.org r12@example.net 2> err12
rc=$?
assert_eq 75 "$rc" "sendmail -F with a CR"
grep -q 'sendmail: fatal: t12@example.org([0-9]*): CR, LF or NUL in envelope data' err12 || { cat err12; fail "message for CR in -F"; }
printf 'x\n' | "$B/sendmail" -C "$C" -f t12@example.org "$(head -c 120000 /dev/zero | tr '\0' a)@example.net" 2> err12b
assert_eq 75 "$?" "sendmail with a 120 KB recipient"
grep -q 'envelope data too long' err12b || fail "message for an oversized recipient"
assert_eq "$before" "$(ls "$Q/maildrop" | wc -l)" "maildrop files left by refused submissions"
ok "bad envelope data refused with exit 75, nothing left in maildrop"

# sendmail -bs: SMTP on standard input and output (smtpd -S), from a pipe
# and from a file; a local client needs no relay permission; ETRN is
# refused as Postfix does; input that ends without QUIT still gets its
# message queued and the process exits.
printf 'EHLO local.example\r\nETRN example.net\r\nMAIL FROM:<bs1@example.org>\r\nRCPT TO:<far@elsewhere.test>\r\nDATA\r\nSubject: bs\r\n\r\nover stdin\r\n.\r\nQUIT\r\n' > bs.in
out=$(cat bs.in | timeout 20 "$B/sendmail" -C "$C" -bs) || fail "sendmail -bs (pipe) exit status"
echo "$out" | grep -q '^220 relay.example.com ESMTP Postfix' || { echo "$out"; fail "-bs banner"; }
echo "$out" | grep -q '^458 Unable to queue messages' || fail "ETRN in -bs mode"
bsid=$(echo "$out" | sed -n 's/^250 2.0.0 Ok: queued as \([0-9A-F]*\).*/\1/p')
[ -n "$bsid" ] || { echo "$out"; fail "-bs message not queued"; }
echo "$out" | grep -q '^221 2.0.0 Bye' || fail "-bs QUIT"
grep -q 'warning: do not use ETRN in "sendmail -bs" mode' "$LOG" || fail "no -bs ETRN warning"
grep -q "$bsid: client=localhost\[127.0.0.1\]" "$LOG" || fail "-bs client= line"
# As Postfix's: the ID is postdrop's maildrop file; pickup gives the queue
# file its own ID (logged with the submitting uid).
bsq() {
  wait_for 10 grep -aq "pickup\[[0-9]*\]: [0-9A-F]*: uid=[0-9]* from=<$1>" "$LOG" ||
    fail "no pickup line for -bs sender $1"
  grep -a "pickup\[[0-9]*\]: [0-9A-F]*: uid=[0-9]* from=<$1>" "$LOG" | tail -1 |
    sed 's/.*: \([0-9A-F]*\): uid=.*/\1/'
}
bsnew=$(bsq bs1@example.org)
pcat -q "$bsnew" | grep -q '^recipient: far@elsewhere.test$' || fail "-bs recipient"
pcat -q "$bsnew" | grep -q "^	by relay.example.com (Postfix) with ESMTP id $bsid\$" || fail "-bs Received: header"
printf 'HELO local.example\r\nMAIL FROM:<bs2@example.org>\r\nRCPT TO:<far2@elsewhere.test>\r\nDATA\r\nSubject: bs2\r\n\r\nno quit\r\n.\r\n' > bs2.in
# /dev/null on standard input (epoll cannot watch it): the banner, then the
# end of input, at once, with no warning.
out=$(timeout 10 "$B/sendmail" -C "$C" -bs < /dev/null 2> bsnull.err) || fail "sendmail -bs </dev/null exit status"
echo "$out" | grep -q '^220 relay.example.com ESMTP Postfix' || { echo "$out"; fail "-bs </dev/null banner"; }
[ ! -s bsnull.err ] || { cat bsnull.err; fail "sendmail -bs </dev/null wrote to stderr"; }
out=$(timeout 20 "$B/sendmail" -C "$C" -bs < bs2.in) || fail "sendmail -bs (file) exit status"
echo "$out" | grep -q '^250 2.0.0 Ok: queued as' || { echo "$out"; fail "-bs without QUIT: not queued"; }
ok "sendmail -bs"

# sendmail -bs with LF-only input (a local user typing, a script): lines end
# in LF and "." LF ends DATA, as Postfix accepts from "sendmail -bs" (the
# network smtpd keeps CR LF . CR LF only: t_smtpd_abuse).
printf 'HELO local.example\nMAIL FROM:<bs3@example.org>\nRCPT TO:<far3@elsewhere.test>\nDATA\nSubject: bs3\n\nlf only\n.\nQUIT\n' > bs3.in
start=$(date +%s)
out=$(timeout 20 "$B/sendmail" -C "$C" -bs < bs3.in) || fail "sendmail -bs (LF) exit status"
echo "$out" | grep -q '^250 2.0.0 Ok: queued as' || { echo "$out"; fail "-bs LF: not queued"; }
echo "$out" | grep -q '^221 2.0.0 Bye' || { echo "$out"; fail "-bs LF: no QUIT reply"; }
[ $(( $(date +%s) - start )) -le 5 ] || fail "-bs LF took too long"
pcat -b -q "$(bsq bs3@example.org)" | grep -q '^lf only$' || fail "-bs LF body"
# Input that ends inside DATA: the session ends at once, nothing queued.
printf 'HELO local.example\nMAIL FROM:<bs4@example.org>\nRCPT TO:<far4@elsewhere.test>\nDATA\nSubject: cut\n\npartial\n' |
  timeout 10 "$B/sendmail" -C "$C" -bs > bs4.out || fail "-bs cut in DATA: exit status or hang"
grep -q 'queued as' bs4.out && fail "-bs cut in DATA: queued"
wait_for 5 grep -aq 'lost connection after DATA ([0-9]* bytes) from localhost\[127.0.0.1\]' "$LOG" ||
  fail "-bs cut in DATA: no lost connection line"
ok "sendmail -bs with LF-only input; input cut in DATA ends the session"
