# smtpd STARTTLS: swaks --tls with a test certificate, the TLS line in the
# log, EHLO before and after, smtpd_tls_security_level = encrypt, plain text
# pipelined after STARTTLS is dropped, and a broken key disables TLS.
. "$(dirname "$0")/lib.sh"
for p in sluice smtpd master cleanup qmgr smtp; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
command -v swaks >/dev/null || skip "swaks not installed"
command -v openssl >/dev/null || skip "openssl not installed"
swaks --support 2>&1 | grep -q 'TLS supported' || skip "swaks has no TLS support (Net::SSLeay)"

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=relay.example.com" \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" >/dev/null 2>&1 || fail "openssl req"
sp=$(free_port); port=$(free_port)
start_sink "$sp" "$WORK/sink"
C=$WORK/inst
"$B/sluice" init "$C" "$port" >/dev/null || fail "init"
"$B/postconf" -c "$C" -e "relayhost = [127.0.0.1]:$sp" "myhostname = relay.example.com" \
  "smtpd_tls_security_level = may" "smtpd_tls_cert_file = $WORK/cert.pem" \
  "smtpd_tls_key_file = $WORK/key.pem" >/dev/null
"$B/sluice" -c "$C" start || fail "start"
INSTANCES="$C"
LOG=$C/log/maillog
wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" || fail "smtpd not listening"

swaks --server 127.0.0.1:$port --tls --from a@client.example --to tls@remote.example \
  --header "Subject: over TLS" --body "secret" > swaks.out 2>&1 || { cat swaks.out; fail "swaks --tls failed"; }
grep -q '<-  250-STARTTLS' swaks.out || { cat swaks.out; fail "STARTTLS not advertised"; }
grep -q '<-  220 2.0.0 Ready to start TLS' swaks.out || fail "no 220 Ready to start TLS"
grep -q '<~  250 2.0.0 Ok: queued as [0-9A-F]' swaks.out || { cat swaks.out; fail "not queued over TLS"; }
# After the handshake EHLO no longer offers STARTTLS.
sed -n '/Ready to start TLS/,$p' swaks.out | grep -q 'STARTTLS$' && fail "STARTTLS offered again inside TLS"
grep -Eq "smtpd\[[0-9]+\]: Anonymous TLS connection established from $CN\[127\.0\.0\.1\]: TLSv1\.[23] with cipher [A-Z0-9_-]+ \([0-9]+/[0-9]+ bits\)" "$LOG" ||
  { grep TLS "$LOG"; fail "no TLS line in the log"; }
grep -q "disconnect from $CN\[127.0.0.1\] ehlo=2 starttls=1 mail=1 rcpt=1 data=1 quit=1 commands=7" "$LOG" ||
  { grep disconnect "$LOG"; fail "disconnect line after STARTTLS"; }
wait_for 20 sh -c "grep -l 'tls@remote.example' $WORK/sink/*.env" || fail "TLS message not relayed"
m=$(grep -l 'tls@remote.example' "$WORK"/sink/*.env); grep -q '^secret' "${m%.env}.eml" || fail "body lost"
grep -q 'by relay.example.com (sluice) with ESMTPS id [0-9A-F]' "${m%.env}.eml" ||
  { cat "${m%.env}.eml"; fail "Received: should say ESMTPS (RFC 3848)"; }
grep -h "TLS connection established" "$LOG" | head -1
ok "swaks --tls relayed, TLS version and cipher logged"

# Plain text pipelined after STARTTLS is never read as if it came over TLS,
# and a second STARTTLS is refused.
python3 - "$port" <<'PY' || fail "STARTTLS injection"
import socket, ssl, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
f = s.makefile("rb")
def reply(stream):
    lines = []
    while True:
        l = stream.readline()
        assert l, "connection closed"
        lines.append(l)
        if l[3:4] != b"-":
            return lines
reply(f)
s.sendall(b"EHLO inject.example\r\n"); reply(f)
s.sendall(b"STARTTLS\r\nMAIL FROM:<evil@inject.example>\r\n")
r = reply(f)
assert r[0].startswith(b"220 2.0.0"), r
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
t = ctx.wrap_socket(s, server_hostname="relay.example.com")
g = t.makefile("rb")
t.sendall(b"EHLO inject.example\r\n"); r = reply(g)
assert not any(b"STARTTLS" in l for l in r), r
t.sendall(b"RCPT TO:<x@remote.example>\r\n"); r = reply(g)
assert r[0].startswith(b"503 5.5.1"), r   # the injected MAIL was dropped
t.sendall(b"STARTTLS\r\n"); r = reply(g)
assert r[0].startswith(b"554 5.5.1 Error: TLS already active"), r
t.sendall(b"QUIT\r\n"); r = reply(g)
assert r[0].startswith(b"221"), r
PY
ok "input pipelined after STARTTLS is dropped"

# smtpd_tls_security_level = encrypt: no mail before STARTTLS.
"$B/postconf" -c "$C" -e "smtpd_tls_security_level = encrypt" >/dev/null
"$B/sluice" -c "$C" reload >/dev/null 2>&1; sleep 1
cat > enc.chat <<'CHAT'
< 220
> EHLO t.example
< 250
> MAIL FROM:<a@client.example>
< 530 5.7.0 Must issue a STARTTLS command first
> QUIT
< 221
CHAT
python3 "$SLUICE_ROOT/tests/e2e/smtpchat.py" "$port" enc.chat || fail "encrypt level allows plain MAIL"
swaks --server 127.0.0.1:$port --tls --from a@client.example --to enc@remote.example > swaks2.out 2>&1 ||
  { cat swaks2.out; fail "swaks --tls with level encrypt"; }
wait_for 20 sh -c "grep -l 'enc@remote.example' $WORK/sink/*.env" || fail "encrypted-level message not relayed"
ok "smtpd_tls_security_level = encrypt"

# A key that does not load: a warning, STARTTLS answers 454, plain mail works.
echo garbage > "$WORK/bad.pem"
"$B/postconf" -c "$C" -e "smtpd_tls_security_level = may" "smtpd_tls_key_file = $WORK/bad.pem" >/dev/null
"$B/sluice" -c "$C" reload >/dev/null 2>&1; sleep 1
cat > bad.chat <<'CHAT'
< 220
> EHLO t.example
< 250
> STARTTLS
< 454 4.7.0 TLS not available due to local problem
> MAIL FROM:<a@client.example>
< 250
> QUIT
< 221
CHAT
python3 "$SLUICE_ROOT/tests/e2e/smtpchat.py" "$port" bad.chat || fail "broken key dialogue"
grep -q 'warning: cannot load TLS certificate .*disabling TLS support' "$LOG" || fail "no warning for the broken key"
"$B/sluice" -c "$C" status >/dev/null || fail "sluice not running"
ok "a broken key disables TLS with a warning"
