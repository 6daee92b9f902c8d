# Address rewriting in cleanup, as Postfix's canonical(5) and masquerading:
# sender_canonical_maps, recipient_canonical_maps, canonical_maps and
# masquerade_domains change the envelope and the headers of local mail
# (headers of remote clients stay as they are), and a table that cannot
# be read defers the message instead of passing it on unrewritten.
. "$(dirname "$0")/lib.sh"
for p in sluice sendmail master pickup cleanup qmgr smtp smtpd; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
sp=$(free_port)
start_sink "$sp" "$WORK/sink"
relay_instance "$WORK/inst" "$sp"

cat > "$WORK/canonical" <<'EOF'
joe@example.org         Joe.Smith@example.org
@old.example            @new.example
EOF
cat > "$WORK/sender_canonical" <<'EOF'
robot@host.example.org  noreply@example.org
EOF
cat > "$WORK/recipient_canonical" <<'EOF'
/^(.*)@legacy\.example$/   ${1}@modern.example
EOF
"$B/postconf" -c "$C" -e "canonical_maps = texthash:$WORK/canonical" \
  "sender_canonical_maps = texthash:$WORK/sender_canonical" \
  "recipient_canonical_maps = regexp:$WORK/recipient_canonical" \
  "masquerade_domains = !keep.example.org, example.org" \
  "masquerade_exceptions = root" "recipient_delimiter = +" >/dev/null || fail "postconf -e"
"$B/sluice" -c "$C" reload >/dev/null || fail "reload"
sleep 1

# store_of ADDR: the .eml of the message whose envelope has RCPT TO:<ADDR>.
store_of() {
  local env
  for env in "$WORK"/sink/*.env; do
    grep -qi "RCPT TO:<$1>" "$env" 2>/dev/null && { echo "${env%.env}.eml"; return 0; }
  done
  return 1
}

printf 'From: Joe (the man) <joe@example.org>\nTo: "Ann B" <ann@legacy.example>, u+x@old.example\nCc: root@mail.example.org, x@a.keep.example.org\nSubject: rewrite\n\nbody\n' |
  "$B/sendmail" -C "$C" -f robot@host.example.org -t -i || fail "sendmail exit $?"
wait_for 30 store_of ann@modern.example || { cat "$WORK"/sink/*.env 2>/dev/null; tail -20 "$C/log/maillog"; fail "rewritten recipient not delivered"; }
eml=$(store_of ann@modern.example)
env=${eml%.eml}.env
grep -q 'MAIL FROM:<noreply@example.org>' "$env" || { cat "$env"; fail "envelope sender not rewritten by sender_canonical_maps"; }
for r in ann@modern.example u+x@new.example root@mail.example.org x@a.keep.example.org; do
  grep -qi "RCPT TO:<$r>" "$env" || { cat "$env"; fail "envelope recipient $r"; }
done
grep -q '^From: Joe (the man) <Joe.Smith@example.org>' "$eml" || { cat "$eml"; fail "From: header not rewritten, or its comment lost"; }
grep -q '^To: "Ann B" <ann@modern.example>, u+x@new.example' "$eml" || { cat "$eml"; fail "To: header"; }
# masquerade_classes (envelope_sender, header_sender, header_recipient):
# header recipients are masqueraded, except root and the !excluded domain.
grep -q '^Cc: root@mail.example.org, x@a.keep.example.org' "$eml" || { cat "$eml"; fail "Cc: masquerading exceptions"; }
ok "canonical, sender/recipient canonical and masquerading in envelope and headers"

printf 'From: someone@sub.example.org\nSubject: masq\n\nbody\n' |
  "$B/sendmail" -C "$C" -f someone@sub.example.org -i target@example.net || fail "sendmail 2"
wait_for 30 store_of target@example.net || fail "second message not delivered"
eml=$(store_of target@example.net)
grep -q 'MAIL FROM:<someone@example.org>' "${eml%.eml}.env" || { cat "${eml%.eml}.env"; fail "envelope sender not masqueraded"; }
grep -q '^From: someone@example.org' "$eml" || { cat "$eml"; fail "From: not masqueraded"; }
ok "masquerade_domains strips subdomains of the sender"

# A remote client's headers are not rewritten (no remote_header_rewrite_domain);
# its envelope is. smtpd on 127.0.0.1 counts as local here (mynetworks), so
# make the client remote by leaving mynetworks empty of it.
"$B/postconf" -c "$C" -e "mynetworks = 192.0.2.0/24" "relay_domains = example.net" >/dev/null
"$B/sluice" -c "$C" reload >/dev/null || fail "reload"
sleep 1
port=$("$B/postconf" -c "$C" -M | awk '$2 == "inet" { split($1, a, ":"); print a[2]; exit }')
swaks --server 127.0.0.1:"$port" --from joe@example.org --to remote@example.net \
  --header "From: joe@example.org" --body "x" >swaks.out 2>&1 || { cat swaks.out; fail "swaks"; }
wait_for 30 store_of remote@example.net || fail "remote message not delivered"
eml=$(store_of remote@example.net)
grep -q 'MAIL FROM:<Joe.Smith@example.org>' "${eml%.eml}.env" || { cat "${eml%.eml}.env"; fail "remote envelope sender not rewritten"; }
grep -q '^From: joe@example.org' "$eml" || { cat "$eml"; fail "a remote client's header was rewritten"; }
ok "remote clients: envelope rewritten, headers kept"

# smtp_generic_maps: the smtp client rewrites the envelope and the address
# headers on the way out; the queue file and the log keep the originals.
cat > "$WORK/generic" <<'EOF'
alice@box.lan        alice.smith@example.com
@box.lan             @hosted.example.com
EOF
"$B/postconf" -c "$C" -e "smtp_generic_maps = texthash:$WORK/generic" "mynetworks = 127.0.0.0/8" "relay_domains =" \
  "masquerade_domains =" >/dev/null
"$B/sluice" -c "$C" reload >/dev/null || fail "reload"
sleep 1
printf 'From: Alice <alice@box.lan>\nTo: bob@box.lan, carol@example.net\nSubject: generic\n\nbody line\n' |
  "$B/sendmail" -C "$C" -f alice@box.lan -i carol@example.net bob@box.lan || fail "sendmail generic"
wait_for 30 store_of carol@example.net || { tail -20 "$C/log/maillog"; fail "generic message not delivered"; }
eml=$(store_of carol@example.net)
grep -q 'MAIL FROM:<alice.smith@example.com>' "${eml%.eml}.env" || { cat "${eml%.eml}.env"; fail "generic: envelope sender"; }
grep -qi 'RCPT TO:<bob@hosted.example.com>' "${eml%.eml}.env" || { cat "${eml%.eml}.env"; fail "generic: envelope recipient"; }
grep -q '^From: Alice <alice.smith@example.com>' "$eml" || { cat "$eml"; fail "generic: From: header"; }
grep -q '^To: bob@hosted.example.com, carol@example.net' "$eml" || { cat "$eml"; fail "generic: To: header"; }
grep -q '^body line' "$eml" || fail "generic: body"
grep -q 'from=<alice@box.lan>' "$C/log/maillog" || fail "generic: the log should keep the original sender"
grep -q 'to=<bob@box.lan>.*status=sent' "$C/log/maillog" || fail "generic: the log should keep the original recipient"
"$B/postconf" -c "$C" -e "smtp_generic_maps =" >/dev/null
ok "smtp_generic_maps rewrites envelope and headers on output only"

# A table that cannot be read defers (never passes mail on unrewritten).
# (sluice check, and so reload, refuses a missing table: make it go
# away while the daemons run.)
echo "nobody@example.org nobody@example.com" > "$WORK/canon2"
"$B/postmap" -c "$C" "hash:$WORK/canon2" || fail "postmap"
"$B/postconf" -c "$C" -e "canonical_maps = hash:$WORK/canon2" "mynetworks = 127.0.0.0/8" >/dev/null
"$B/sluice" -c "$C" reload >/dev/null || fail "reload"
sleep 1
rm -f "$WORK/canon2.db"
sleep 1.5
before=$(sink_count "$WORK/sink")
printf 'Subject: t\n\nx\n' | "$B/sendmail" -C "$C" -f a@example.org -i deferred@example.net
wait_for 20 grep -q 'canonical_maps map lookup problem' "$C/log/maillog" ||
  { tail -20 "$C/log/maillog"; fail "no lookup problem logged"; }
sleep 2
assert_eq "$before" "$(sink_count "$WORK/sink")" "messages at the sink after a table failure"
ok "an unreadable canonical table: the message is not passed on"
