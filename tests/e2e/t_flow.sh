# Mail moves: sendmail -> maildrop -> pickup -> cleanup -> qmgr -> smtp -> sink,
# with the body byte-identical (dot lines, 8-bit bytes, a 998-character line).
. "$(dirname "$0")/lib.sh"
for p in sluice sendmail postqueue master pickup cleanup qmgr smtp; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
sp=$(free_port)
start_sink "$sp" "$WORK/sink"
relay_instance "$WORK/inst" "$sp"

long=$(python3 -c 'print("x" * 998)')
body() {
  printf '.starts with a dot\n..two dots\n.\n'
  printf '8-bit: caf\303\251 \351\n'
  printf '%s\n' "$long"
  printf 'last line\n'
}
{ printf 'From: alice@example.org\nTo: t1@example.net, "T Two" <t2@example.net>\nBcc: hidden@example.net\nSubject: via -t\n\n'; body; } > msg-t
{ printf 'Subject: via -f\n\n'; body; } > msg-f
"$B/sendmail" -C "$C" -t -i < msg-t || fail "sendmail -t exit $?"
"$B/sendmail" -C "$C" -i -f s@example.org r1@example.net r2@example.net < msg-f || fail "sendmail -f exit $?"

wait_for 30 sh -c "[ \$(ls $WORK/sink | grep -c '\.env\$') -ge 2 ]" || {
  "$B/mailq" -C "$C"; tail -30 "$C/log/maillog"; fail "messages did not reach the sink"; }

# Which stored message is which: look at the envelopes.
ft=""; ff=""
for env in "$WORK"/sink/*.env; do
  grep -q 'RCPT TO:<t1@example.net>' "$env" && ft=${env%.env}.eml
  grep -q 'MAIL FROM:<s@example.org>' "$env" && ff=${env%.env}.eml
done
[ -n "$ft" ] && [ -n "$ff" ] || { cat "$WORK"/sink/*.env; fail "envelopes not as sent"; }
for r in t1@example.net t2@example.net hidden@example.net; do
  grep -q "RCPT TO:<$r>" "${ft%.eml}.env" || fail "-t recipient $r missing at the sink"
done
for r in r1@example.net r2@example.net; do
  grep -q "RCPT TO:<$r>" "${ff%.eml}.env" || fail "recipient $r missing at the sink"
done

# Bodies: everything after the first empty line, CRLF -> LF, must equal what was sent.
body > expected-body
for m in "$ft" "$ff"; do
  python3 - "$m" expected-body <<'PY' || fail "body of $m differs"
import sys
data = open(sys.argv[1], 'rb').read().replace(b'\r\n', b'\n')
body = data.split(b'\n\n', 1)[1]
exp = open(sys.argv[2], 'rb').read()
if body != exp:
    sys.stderr.write("got:\n%r\nexpected:\n%r\n" % (body[:300], exp[:300]))
    sys.exit(1)
PY
done
grep -qi '^Bcc:' "$ft" && fail "Bcc header was not removed"
grep -qi '^Message-Id: <' "$ft" || fail "no Message-Id added"
grep -qi '^Received: by relay.example.com' "$ft" || fail "no Received header added"

# Log lines in Postfix's format for each delivery.
grep -Eq 'smtp\[[0-9]+\]: [0-9A-F]+: to=<r1@example.net>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:'"$sp"', delay=[0-9.]+, delays=[0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+, dsn=2\.0\.0, status=sent \(250 ' "$C/log/maillog" ||
  { tail -20 "$C/log/maillog"; fail "no Postfix-format status=sent line"; }
wait_for 10 sh -c "[ \"\$($B/postqueue -c $C -p)\" = 'Mail queue is empty' ]" || fail "queue not empty after delivery"
assert_eq 0 "$(queue_count "$C" active incoming deferred maildrop)" "files left in the queue"
ok "sendmail -t and -f delivered byte-identical bodies"
