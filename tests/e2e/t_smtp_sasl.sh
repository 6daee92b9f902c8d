# The smtp client's SASL (Cyrus SASL) against tests/e2e/sink.py as a
# smarthost on a 587-style set-up (STARTTLS, then AUTH, AUTH required):
# right credentials deliver, wrong ones defer with the server's 535 text
# (smtp_sasl_auth_soft_bounce), mechanism filter, no credentials in
# plaintext when the security options forbid it (no AUTH command at all),
# no password entry: no AUTH (the server's 530 to MAIL FROM is final),
# sender-dependent credentials.
. "$(dirname "$0")/lib.sh"
for p in sluice sendmail postconf postsuper master pickup cleanup qmgr smtp; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
command -v openssl >/dev/null || skip "openssl not installed"
python3 -c 'import ssl' 2>/dev/null || skip "python3 has no ssl module"
[ -d /usr/lib/x86_64-linux-gnu/sasl2 ] || ls /usr/lib/*/sasl2/libplain.so* >/dev/null 2>&1 ||
  skip "Cyrus SASL plugins not installed (libsasl2-modules)"

LH='localhost\[127\.0\.0\.1\]'
DELAYS='delay=[0-9.]+, delays=[0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+'
mail() {
  printf 'Subject: %s\n\nbody of %s\n' "$1" "$1" |
    "$B/sendmail" -C "$C" -f "${2:-sender@example.org}" "$1@example.net" || fail "sendmail $1"
}
make_ca "$WORK/ca"
sp=$(free_port); pp=$(free_port)
start_sink "$sp" "$WORK/smart" --tls-cert "$WORK/ca/server.pem" --tls-key "$WORK/ca/server.key" \
  --auth "alice:s3cret" --auth "bob:b0b" --auth-tls-only --auth-required
start_sink "$pp" "$WORK/plain" --auth "alice:s3cret" --auth-required
printf '[localhost]:%s alice:s3cret\n' "$sp" > "$WORK/passwd"
relay_instance "$WORK/i" "$sp"
"$B/postconf" -c "$C" -e "smtp_host_lookup = native" "relayhost = [localhost]:$sp" \
  "smtp_tls_security_level = encrypt" "smtp_tls_CAfile = $WORK/ca/ca.pem" \
  "smtp_sasl_auth_enable = yes" "smtp_sasl_password_maps = texthash:$WORK/passwd" \
  "smtp_sasl_security_options = noanonymous" >/dev/null

# ---- 1. right credentials, after STARTTLS ---------------------------------
reconf "$C" "smtp_tls_loglevel = 0"
mail ok1
need_log "$C" ": to=<ok1@example.net>, relay=$LH:$sp, $DELAYS, dsn=2\.0\.0, status=sent" "authenticated delivery"
grep -q 'TLS connection established' "$C/log/maillog" && fail "summary logged with smtp_tls_loglevel = 0"
python3 - "$WORK/smart/transcript.log" <<'PY' || fail "AUTH not after STARTTLS"
import sys
lines = [l.split(' ')[1].strip() for l in open(sys.argv[1]) if l.startswith('C: ')]
i, j = lines.index('STARTTLS'), lines.index('AUTH')
assert i < j < lines.index('MAIL'), lines
PY
ok "smarthost: STARTTLS, AUTH, delivered"

# ---- 2. mechanism filter -----------------------------------------------------
reconf "$C" "smtp_sasl_mechanism_filter = login"
mail ok2
need_log "$C" ": to=<ok2@example.net>, .*status=sent" "LOGIN delivery"
grep -q '^C: AUTH LOGIN' "$WORK/smart/transcript.log" || fail "smtp_sasl_mechanism_filter = login not used"
reconf "$C" "smtp_sasl_mechanism_filter = cram-md5"
mail flt
need_log "$C" "warning: localhost\[127\.0\.0\.1\]:$sp offered no supported AUTH mechanisms: 'PLAIN LOGIN'" "filter warning"
need_log "$C" ": to=<flt@example.net>, .*dsn=4\.7\.0, status=deferred \(SASL authentication failed: server $LH offered no compatible authentication mechanisms for this type of connection security\)" "filtered out"
ok "smtp_sasl_mechanism_filter"

# ---- 3. wrong credentials: deferred with the server's text ---------------
printf '[localhost]:%s alice:wrong\n' "$sp" > "$WORK/passwd"
reconf "$C" "smtp_sasl_mechanism_filter ="
mail bad1
need_log "$C" ": to=<bad1@example.net>, relay=$LH:$sp, $DELAYS, dsn=4\.7\.8, status=deferred \(SASL authentication failed; server $LH said: 535 5\.7\.8 Error: authentication failed: authentication failure\)" "wrong password"
ok "wrong credentials: deferred 4.7.8 with the 535 text"

# ---- 4. sender-dependent credentials ------------------------------------------
printf 'bob@example.org bob:b0b\n[localhost]:%s alice:wrong\n' "$sp" > "$WORK/passwd"
reconf "$C" "smtp_sender_dependent_authentication = yes"
mail sd1 bob@example.org
need_log "$C" ": to=<sd1@example.net>, .*status=sent" "sender-dependent delivery"
ok "smtp_sender_dependent_authentication"

# ---- 5. no credentials in plaintext ---------------------------------------
printf '[localhost]:%s alice:s3cret\n' "$pp" > "$WORK/passwd"
reconf "$C" "relayhost = [localhost]:$pp" "smtp_tls_security_level = may" \
  "smtp_sasl_security_options = noplaintext, noanonymous" \
  "smtp_sasl_tls_security_options = noanonymous" "smtp_sender_dependent_authentication = no"
mail clr1
need_log "$C" ": to=<clr1@example.net>, relay=$LH:$pp, $DELAYS, dsn=4\.7\.0, status=deferred \(SASL authentication failed; cannot authenticate to server $LH: no mechanism available\)" "noplaintext"
grep -q '^C: AUTH' "$WORK/plain/transcript.log" && fail "credentials sent in plaintext"
ok "noplaintext without TLS: no AUTH sent, deferred"

# ---- 6. no password entry: no AUTH; the server's 530 is final -------------
: > "$WORK/passwd"
reconf "$C" "smtp_sasl_security_options = noanonymous"
mail none1
need_log "$C" ": to=<none1@example.net>, .*dsn=5\.7\.0, status=bounced \(host $LH said: 530 5\.7\.0 Authentication required \(in reply to MAIL FROM command\)\)" "no entry"
grep -q '^C: AUTH' "$WORK/plain/transcript.log" && fail "AUTH without a password entry"
ok "no password entry: no AUTH, the server's 530 bounces as in Postfix"

# ---- 7. a real peer: Debian's Postfix smtpd as the smarthost ---------------
# Its own configuration directory and queue, STARTTLS with the test CA's
# certificate, Cyrus SASL with a sasldb made by saslpasswd2 (Debian's
# Postfix reads $config_directory/sasl/smtpd.conf), relaying only for
# authenticated clients and discarding what it accepts.
stop_pf() { kill "$PF_PID" 2>/dev/null; wait "$PF_PID" 2>/dev/null; return 0; }
if [ "$(id -u)" != 0 ]; then
  echo "SKIPPED 7: running Postfix's master needs root"
elif ! command -v saslpasswd2 >/dev/null; then
  echo "SKIPPED 7: saslpasswd2 not installed (sasl2-bin)"
elif ! PF=$(fetch_postfix); then
  echo "SKIPPED 7: cannot fetch Debian's postfix with apt-get download: $(tail -1 "$WORK/apt.log" 2>/dev/null)"
else
  fp=$(free_port)
  mkdir -p "$WORK/pf/etc/sasl"
  echo s3cret | saslpasswd2 -p -c -f "$WORK/pf/sasldb2" -u smarthost.example alice || fail "saslpasswd2"
  chown sluice "$WORK/pf/sasldb2" && chmod 640 "$WORK/pf/sasldb2"
  printf 'pwcheck_method: auxprop\nauxprop_plugin: sasldb\nsasldb_path: %s\nmech_list: PLAIN LOGIN CRAM-MD5 DIGEST-MD5 SCRAM-SHA-1 SCRAM-SHA-256\n' \
    "$WORK/pf/sasldb2" > "$WORK/pf/etc/sasl/smtpd.conf"
  start_postfix "$PF" "$WORK/pf" "$fp" "smtpd_tls_cert_file = $WORK/ca/server.pem" \
    "smtpd_tls_key_file = $WORK/ca/server.key" "smtpd_tls_security_level = may" \
    "smtpd_tls_auth_only = yes" "smtpd_sasl_auth_enable = yes" \
    "smtpd_relay_restrictions = permit_sasl_authenticated, reject"
  printf '[localhost]:%s alice:s3cret\n' "$fp" > "$WORK/passwd"
  reconf "$C" "relayhost = [localhost]:$fp" "smtp_tls_security_level = secure" "smtp_tls_loglevel = 1" \
    "smtp_sasl_mechanism_filter = cram-md5" "smtp_sasl_security_options = noanonymous"
  mail pf1
  need_log "$C" "Verified TLS connection established to $LH:$fp: TLSv1\.3 with cipher" "Postfix peer: Verified"
  need_log "$C" ": to=<pf1@example.net>, relay=$LH:$fp, $DELAYS, dsn=2\.0\.0, status=sent \(250 2\.0\.0 Ok: queued as [0-9A-F]+\)" "Postfix peer: sent"
  wait_for 10 grep -q 'client=localhost\[127\.0\.0\.1\], sasl_method=CRAM-MD5, sasl_username=alice' "$PF_LOG" ||
    { tail "$PF_LOG"; fail "Postfix did not see CRAM-MD5 as alice"; }
  ok "Postfix smarthost: secure TLS, CRAM-MD5 (Cyrus), delivered"

  reconf "$C" "smtp_sasl_mechanism_filter ="
  mail pf2
  need_log "$C" ": to=<pf2@example.net>, relay=$LH:$fp, .*status=sent" "Postfix peer: default mechanism"
  m=$(grep -o 'sasl_method=[A-Z0-9-]*, sasl_username=alice' "$PF_LOG" | tail -1)
  echo "Cyrus chose: $m"
  ok "Postfix smarthost: the library's choice of mechanism ($m)"

  printf '[localhost]:%s alice:wrong\n' "$fp" > "$WORK/passwd"
  reconf "$C" "smtp_sasl_mechanism_filter = plain"
  mail pf3
  need_log "$C" ": to=<pf3@example.net>, relay=$LH:$fp, $DELAYS, dsn=4\.7\.8, status=deferred \(SASL authentication failed; server $LH said: 535 5\.7\.8 Error: authentication failed: [^)]*\)" "Postfix peer: wrong password"
  ok "Postfix smarthost: wrong password deferred with Postfix's 535"

  # Reuse against the real peer: count Postfix's "connect from" lines.
  printf '[localhost]:%s alice:s3cret\n' "$fp" > "$WORK/passwd"
  reconf "$C" "smtp_tls_connection_reuse = yes"
  before=$(grep -c ' connect from ' "$PF_LOG")
  pids=""
  for i in $(seq 1 60); do
    printf 'Subject: r%s\n\nx\n' "$i" | "$B/sendmail" -C "$C" -f sender@example.org "r$i@example.net" &
    pids="$pids $!"
  done
  wait $pids
  wait_for 60 sh -c "[ \$(grep -c 'to=<r[0-9]*@example.net>.*status=sent' '$C/log/maillog') -ge 60 ]" ||
    fail "Postfix peer: not all 60 delivered"
  n=$(( $(grep -c ' connect from ' "$PF_LOG") - before ))
  echo "60 messages, $n connections to Postfix"
  [ "$n" -lt 60 ] || fail "no connection reused with Postfix ($n connections)"
  grep -Eq 'relay=localhost\[127\.0\.0\.1\]:[0-9]+, conn_use=[0-9]+, ' "$C/log/maillog" || fail "no conn_use"
  ok "Postfix smarthost: 60 messages over $n connections (AUTH once per connection)"
  stop_pf
fi
