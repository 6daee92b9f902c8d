# smtpd STARTTLS: swaks --tls with a test certificate, the TLS line in the
# log, EHLO before and after, smtpd_tls_security_level = encrypt, plain text
# pipelined after STARTTLS is dropped, STARTTLS with delayed replies, in a
# transaction, broken, dropped or silent handshakes, discarded EHLO keywords,
# and a broken key disables TLS.
. "$(dirname "$0")/lib.sh"
for p in sluice smtpd master cleanup qmgr smtp; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
command -v swaks >/dev/null || skip "swaks not installed"
command -v openssl >/dev/null || skip "openssl not installed"
swaks --support 2>&1 | grep -q 'TLS supported' || skip "swaks has no TLS support (Net::SSLeay)"
python3 -c 'import ssl' 2>/dev/null || skip "python3 has no ssl module"

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

# Raw-socket dialogues (tests/e2e/smtpclient.py) with an error delay and
# short timeouts: STARTTLS pipelined while replies are delayed, STARTTLS in
# a transaction, broken and dropped handshakes, STARTTLS then silence.
export PYTHONPATH="$SLUICE_ROOT/tests/e2e"
"$B/postconf" -c "$C" -e "smtpd_tls_security_level = may" "smtpd_soft_error_limit = 2" \
  "smtpd_error_sleep_time = 1s" "smtpd_timeout = 10s" >/dev/null
"$B/sluice" -c "$C" reload >/dev/null 2>&1; sleep 1.5
# py WHAT: the dialogue on stdin, with the port as argv[1]; fails the test.
py() { timeout 60 python3 - "$port" > py.out 2>&1 || { cat py.out; fail "$1"; }; }

# Pipelined NOOP, STARTTLS after the soft error limit: both replies come
# (delayed), then the handshake; the 220 is never held back.
py "STARTTLS pipelined while delayed" <<'PY'
import sys, socket
from smtpclient import Client, fail
c = Client(int(sys.argv[1]), timeout=6)
c.expect("EHLO t.example", "250")
c.cmd("BOGUS1"); c.cmd("BOGUS2")
c.send("NOOP\r\nSTARTTLS\r\n")
try:
    r1 = c.last(); r2 = c.last()
except (EOFError, socket.timeout) as e:
    fail("pipelined NOOP, STARTTLS after the soft error limit: no 220 (%r)" % e)
if not r1.startswith("250"):
    fail("wanted 250 for NOOP, got [%s]" % r1)
if not r2.startswith("220 2.0.0 Ready to start TLS"):
    fail("wanted 220 2.0.0 Ready to start TLS, got [%s]" % r2)
c.starttls()
c.expect("EHLO t.example", "250")
c.expect("QUIT", "221")
PY
ok "STARTTLS pipelined after the soft error limit"

py "STARTTLS after MAIL and RCPT" <<'PY'
import sys
from smtpclient import Client, fail
c = Client(int(sys.argv[1]))
c.expect("EHLO t.example", "250")
c.expect("MAIL FROM:<a@client.example>", "250")
c.expect("RCPT TO:<b@remote.example>", "250")
c.expect("STARTTLS", "220 2.0.0")
c.starttls()
c.expect("EHLO t.example", "250")
c.expect("RCPT TO:<c@remote.example>", "503 5.5.1")
c.expect("DATA", "503")
c.expect("QUIT", "221")
PY
ok "STARTTLS inside a transaction resets the transaction"

# A partial ClientHello, plain text after the 220, a reset: each session
# ends, and smtpd goes on serving.
py "broken handshakes" <<'PY'
import sys, socket, struct
from smtpclient import Client, fail
port = int(sys.argv[1])
c = Client(port); c.expect("EHLO a", "250"); c.expect("STARTTLS", "220")
c.send(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"A" * 40); c.close()
c = Client(port); c.expect("EHLO a", "250"); c.expect("STARTTLS", "220")
c.send(b"EHLO evil\r\nMAIL FROM:<x@y.example>\r\n")
if not c.closed(8):
    fail("plain text instead of a ClientHello: the server did not close")
c = Client(port); c.expect("EHLO a", "250"); c.expect("STARTTLS", "220")
c.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); c.close()
c = Client(port); c.expect("EHLO a", "250"); c.expect("QUIT", "221")
PY
ok "partial ClientHello, plain text after 220, RST: sessions end, smtpd serves on"

# A client that drops after a completed handshake: Postfix logs "lost
# connection after MAIL", no TLS handshake error.
sleep 1
before=$(wc -l < "$LOG")
py "dirty close after TLS" <<'PY'
import sys
from smtpclient import Client, fail
c = Client(int(sys.argv[1]))
c.expect("EHLO a", "250"); c.expect("STARTTLS", "220"); c.starttls()
c.expect("EHLO dirty-close.example", "250"); c.expect("MAIL FROM:<dirty@client.example>", "250")
c.s.close()
PY
wait_for 5 sh -c "tail -n +$((before + 1)) '$LOG' | grep -q 'lost connection after MAIL from [^ ]*\[127\.0\.0\.1\]'" ||
  fail "no 'lost connection after MAIL' after a dropped TLS session"
tail -n +"$((before + 1))" "$LOG" | grep 'SSL_accept error' &&
  fail "'SSL_accept error' logged for a client that dropped after the handshake"
ok "a drop after the handshake is a lost connection"

# smtpd_discard_ehlo_keywords = dsn, starttls: the keywords are not offered,
# STARTTLS gets 502 and DSN parameters 501 5.7.1; message_size_limit = 0
# offers SIZE without a number.
"$B/postconf" -c "$C" -e "smtpd_discard_ehlo_keywords = dsn, starttls" "message_size_limit = 0" >/dev/null
"$B/sluice" -c "$C" reload >/dev/null 2>&1; sleep 1.5
py "discarded EHLO keywords, SIZE with no limit" <<'PY'
import sys
from smtpclient import Client, fail
c = Client(int(sys.argv[1]))
c.send("EHLO t.example\r\n"); ehlo = c.reply()
if any("DSN" in l or "STARTTLS" in l for l in ehlo):
    fail("discarded keywords still offered: %r" % ehlo)
if "250-SIZE" not in ehlo:
    fail("message_size_limit = 0: wanted the EHLO keyword [SIZE], got %r" % ehlo)
got = [c.cmd("MAIL FROM:<a@client.example> RET=HDRS"), c.cmd("MAIL FROM:<a@client.example> ENVID=x")]
c.cmd("RSET")
c.expect("MAIL FROM:<a@client.example>", "250")
got += [c.cmd("RCPT TO:<b@remote.example> NOTIFY=NEVER"), c.cmd("RCPT TO:<b@remote.example> ORCPT=rfc822;b@remote.example")]
st = c.cmd("STARTTLS")
if any(g != "501 5.7.1 DSN support is disabled" for g in got):
    fail("DSN parameters with dsn discarded: got %r" % got)
if st != "502 5.5.1 Error: command not implemented":
    fail("STARTTLS with starttls discarded: got [%s]" % st)
PY
ok "discarded dsn and starttls: 501 5.7.1 and 502; SIZE without a limit"

# STARTTLS, then silence: smtpd_starttls_timeout ends the session.
"$B/postconf" -c "$C" -X smtpd_discard_ehlo_keywords message_size_limit >/dev/null
"$B/postconf" -c "$C" -e "smtpd_timeout = 3s" "smtpd_starttls_timeout = 3s" >/dev/null
"$B/sluice" -c "$C" reload >/dev/null 2>&1; sleep 1.5
py "STARTTLS then silence" <<'PY'
import sys, time
from smtpclient import Client, fail
c = Client(int(sys.argv[1]))
c.expect("EHLO a", "250")
c.expect("STARTTLS", "220")
t0 = time.monotonic()
if not c.closed(15):
    fail("STARTTLS then silence: still open %.0f s later (smtpd_starttls_timeout = 3s)"
         % (time.monotonic() - t0))
PY
grep -Eq 'smtpd\[[0-9]+\]: (panic|fatal)' "$LOG" && fail "smtpd died or panicked"
"$B/postconf" -c "$C" -X smtpd_soft_error_limit smtpd_error_sleep_time smtpd_timeout smtpd_starttls_timeout >/dev/null
ok "STARTTLS then silence: the session ends"

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
