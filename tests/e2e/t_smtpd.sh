# smtpd: swaks relays through a sluice instance to the sink; relay control,
# strict end of DATA (no smuggling), NUL bytes, size limits, pipelining.
. "$(dirname "$0")/lib.sh"
for p in sluice smtpd master cleanup qmgr smtp; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
command -v swaks >/dev/null || skip "swaks not installed"
sp=$(free_port); port=$(free_port)
start_sink "$sp" "$WORK/sink"
C=$WORK/inst
"$B/sluice" init "$C" "$port" >/dev/null || fail "init"
"$B/postconf" -c "$C" -e "relayhost = [127.0.0.1]:$sp" "message_size_limit = 20000" \
  "myhostname = relay.example.com" >/dev/null
"$B/sluice" -c "$C" start || fail "start"
INSTANCES="$C"
wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" || fail "smtpd not listening"

swaks --server 127.0.0.1:$port --from a@client.example --to b@remote.example,c@remote.example \
  --header "Subject: via swaks" --body "hello from swaks" > swaks.out 2>&1 || { cat swaks.out; fail "swaks failed"; }
grep -q '<-  250 2.0.0 Ok: queued as [0-9A-F]' swaks.out || { cat swaks.out; fail "no queued-as reply"; }
wait_for 20 sh -c "[ \$(ls $WORK/sink | grep -c '\.eml\$') -ge 1 ]" || { tail -20 "$C/log/maillog"; fail "swaks message not relayed"; }
grep -q 'RCPT TO:<c@remote.example>' "$WORK"/sink/*.env || fail "second recipient lost"
grep -Eq 'smtpd\[[0-9]+\]: [0-9A-F]+: client=unknown\[127\.0\.0\.1\]' "$C/log/maillog" || fail "no client= log line"
grep -Eq 'disconnect from unknown\[127\.0\.0\.1\] ehlo=1 mail=1 rcpt=2 data=1 quit=1 commands=6' "$C/log/maillog" ||
  { grep disconnect "$C/log/maillog"; fail "disconnect line"; }
ok "swaks relayed"

# Smuggling: a bare-LF "." never ends DATA; only CRLF.CRLF does. One message.
cat > smuggle.chat <<'CHAT'
< 220
> EHLO t.example
< 250
> MAIL FROM:<s@client.example>
< 250
> RCPT TO:<victim@remote.example>
< 250
> DATA
< 354
>raw b"Subject: smuggle\r\n\r\nfirst\n.\nMAIL FROM:<evil@x>\r\nRCPT TO:<evil@remote.example>\r\n\r\n.\r\n"
< 250
> QUIT
< 221
CHAT
python3 "$SLUICE_ROOT/tests/e2e/smtpchat.py" "$port" smuggle.chat || fail "smuggling dialogue"
wait_for 20 sh -c "grep -l 'victim@remote.example' $WORK/sink/*.env" || fail "smuggle test message not delivered"
grep -q 'evil@' "$WORK"/sink/*.env && fail "a smuggled message was accepted"
m=$(grep -l 'victim@remote.example' "$WORK"/sink/*.env); m=${m%.env}.eml
grep -q '^MAIL FROM:<evil@x>' "$m" || fail "smuggled text should have stayed content"
ok "no SMTP smuggling"

# Relay control: a client outside mynetworks may not relay.
"$B/postconf" -c "$C" -e "mynetworks = 127.0.0.2/32" >/dev/null
"$B/sluice" -c "$C" reload >/dev/null 2>&1; sleep 1
cat > relay.chat <<'CHAT'
< 220
> HELO t.example
< 250
> MAIL FROM:<x@example.org>
< 250
> RCPT TO:<victim@elsewhere.test>
< 454 4.7.1 <victim@elsewhere.test>: Relay access denied
> QUIT
< 221
CHAT
python3 "$SLUICE_ROOT/tests/e2e/smtpchat.py" "$port" relay.chat || fail "relay denial"
grep -q 'NOQUEUE: reject: RCPT from unknown\[127.0.0.1\]: 454 4.7.1 <victim@elsewhere.test>: Relay access denied; from=<x@example.org> to=<victim@elsewhere.test> proto=SMTP helo=<t.example>' "$C/log/maillog" ||
  fail "reject log line"
"$B/postconf" -c "$C" -e "mynetworks = 127.0.0.0/8" >/dev/null
"$B/sluice" -c "$C" reload >/dev/null 2>&1; sleep 1
ok "relay denied outside mynetworks"

# Bad input: NUL in a command, overlong line, oversize message, pipelining.
cat > bad.chat <<'CHAT'
< 220
>raw b"EHLO a\x00b\r\n"
< 500
>raw b"NOOP " + b"x" * 5000 + b"\r\n"
< 500 5.5.0
> MAIL FROM:<s@client.example> SIZE=999999999
< 552
> MAIL FROM:<s@client.example>
< 250
> RCPT TO:<big@remote.example>
< 250
> DATA
< 354
>raw b"Subject: big\r\n\r\n" + (b"y" * 998 + b"\r\n") * 30 + b".\r\n"
< 552
>raw b"RSET\r\nMAIL FROM:<p@client.example>\r\nRCPT TO:<p1@remote.example>\r\nRCPT TO:<p2@remote.example>\r\nDATA\r\n"
< 250
< 250
< 250
< 250
< 354
>raw b"Subject: pipelined\r\n\r\nok\r\n.\r\nQUIT\r\n"
< 250
< 221
CHAT
python3 "$SLUICE_ROOT/tests/e2e/smtpchat.py" "$port" bad.chat || fail "bad-input dialogue"
wait_for 20 sh -c "grep -l 'p2@remote.example' $WORK/sink/*.env" || fail "pipelined message not delivered"
grep -q 'big@remote.example' "$WORK"/sink/*.env && fail "oversize message was relayed"
ok "bad input answered with clear errors"
"$B/sluice" -c "$C" status >/dev/null || fail "sluice not running after bad input"
