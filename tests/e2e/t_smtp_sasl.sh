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
need_log() {
  wait_for 30 grep -Eq "$1" "$C/log/maillog" || { tail -30 "$C/log/maillog"; fail "$2: no log line matching: $1"; }
}
mail() {
  printf 'Subject: %s\n\nbody of %s\n' "$1" "$1" |
    "$B/sendmail" -C "$C" -f "${2:-sender@example.org}" "$1@example.net" || fail "sendmail $1"
}
conf() {
  "$B/postsuper" -c "$C" -d ALL >/dev/null 2>&1
  "$B/postconf" -c "$C" -e "$@" >/dev/null || fail "postconf $*"
  "$B/sluice" -c "$C" reload >/dev/null || fail "reload"
  sleep 0.5
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
conf "smtp_tls_loglevel = 0"
mail ok1
need_log ": to=<ok1@example.net>, relay=$LH:$sp, $DELAYS, dsn=2\.0\.0, status=sent" "authenticated delivery"
grep -q 'TLS connection established' "$C/log/maillog" && fail "summary logged with smtp_tls_loglevel = 0"
python3 - "$WORK/smart/transcript.log" <<'PY' || fail "AUTH not after STARTTLS"
import sys
lines = [l.split(' ')[1].strip() for l in open(sys.argv[1]) if l.startswith('C: ')]
i, j = lines.index('STARTTLS'), lines.index('AUTH')
assert i < j < lines.index('MAIL'), lines
PY
ok "smarthost: STARTTLS, AUTH, delivered"

# ---- 2. mechanism filter -----------------------------------------------------
conf "smtp_sasl_mechanism_filter = login"
mail ok2
need_log ": to=<ok2@example.net>, .*status=sent" "LOGIN delivery"
grep -q '^C: AUTH LOGIN' "$WORK/smart/transcript.log" || fail "smtp_sasl_mechanism_filter = login not used"
conf "smtp_sasl_mechanism_filter = cram-md5"
mail flt
need_log "warning: localhost\[127\.0\.0\.1\]:$sp offered no supported AUTH mechanisms: 'PLAIN LOGIN'" "filter warning"
need_log ": to=<flt@example.net>, .*dsn=4\.7\.0, status=deferred \(SASL authentication failed: server $LH offered no compatible authentication mechanisms for this type of connection security\)" "filtered out"
ok "smtp_sasl_mechanism_filter"

# ---- 3. wrong credentials: deferred with the server's text ---------------
printf '[localhost]:%s alice:wrong\n' "$sp" > "$WORK/passwd"
conf "smtp_sasl_mechanism_filter ="
mail bad1
need_log ": to=<bad1@example.net>, relay=$LH:$sp, $DELAYS, dsn=4\.7\.8, status=deferred \(SASL authentication failed; server $LH said: 535 5\.7\.8 Error: authentication failed: authentication failure\)" "wrong password"
ok "wrong credentials: deferred 4.7.8 with the 535 text"

# ---- 4. sender-dependent credentials ------------------------------------------
printf 'bob@example.org bob:b0b\n[localhost]:%s alice:wrong\n' "$sp" > "$WORK/passwd"
conf "smtp_sender_dependent_authentication = yes"
mail sd1 bob@example.org
need_log ": to=<sd1@example.net>, .*status=sent" "sender-dependent delivery"
ok "smtp_sender_dependent_authentication"

# ---- 5. no credentials in plaintext ---------------------------------------
printf '[localhost]:%s alice:s3cret\n' "$pp" > "$WORK/passwd"
conf "relayhost = [localhost]:$pp" "smtp_tls_security_level = may" \
  "smtp_sasl_security_options = noplaintext, noanonymous" \
  "smtp_sasl_tls_security_options = noanonymous" "smtp_sender_dependent_authentication = no"
mail clr1
need_log ": to=<clr1@example.net>, relay=$LH:$pp, $DELAYS, dsn=4\.7\.0, status=deferred \(SASL authentication failed; cannot authenticate to server $LH: no mechanism available\)" "noplaintext"
grep -q '^C: AUTH' "$WORK/plain/transcript.log" && fail "credentials sent in plaintext"
ok "noplaintext without TLS: no AUTH sent, deferred"

# ---- 6. no password entry: no AUTH; the server's 530 is final -------------
: > "$WORK/passwd"
conf "smtp_sasl_security_options = noanonymous"
mail none1
need_log ": to=<none1@example.net>, .*dsn=5\.7\.0, status=bounced \(host $LH said: 530 5\.7\.0 Authentication required \(in reply to MAIL FROM command\)\)" "no entry"
grep -q '^C: AUTH' "$WORK/plain/transcript.log" && fail "AUTH without a password entry"
ok "no password entry: no AUTH, the server's 530 bounces as in Postfix"
