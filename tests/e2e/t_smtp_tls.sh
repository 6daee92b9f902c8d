# The smtp client's STARTTLS against tests/e2e/sink.py with a test CA:
# smtp_tls_security_level encrypt (delivered over TLS, Postfix's "Trusted
# TLS connection established" line; a peer without STARTTLS defers with
# nothing sent in plaintext), verify (wrong CA defers with "Server
# certificate not verified", right CA and name delivers, "Verified"),
# fingerprint, smtp_tls_policy_maps choosing per destination (a malformed
# entry defers: "client TLS configuration problem"), and "may" after a
# failed handshake: deferred first, plaintext only once the message has
# waited minimal_backoff_time (Postfix's rule).
. "$(dirname "$0")/lib.sh"
for p in sluice sendmail postconf postsuper master pickup cleanup qmgr smtp; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
command -v openssl >/dev/null || skip "openssl not installed"
python3 -c 'import ssl' 2>/dev/null || skip "python3 has no ssl module"

H='127\.0\.0\.1\[127\.0\.0\.1\]'
DELAYS='delay=[0-9.]+, delays=[0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+'
SUMMARY='TLSv1\.[23] with cipher [A-Z0-9_-]+ \([0-9]+/[0-9]+ bits\)( key-exchange [A-Za-z0-9]+)?( server-signature [A-Z-]+ \(2048 bits\))?( server-digest SHA[0-9]+)?'
# mail TAG [RCPT]: one message to RCPT (default TAG@example.net).
mail() {
  printf 'Subject: %s\n\nbody of %s\n' "$1" "$1" |
    "$B/sendmail" -C "$C" -f sender@example.org "${2:-$1@example.net}" || fail "sendmail $1"
}
make_ca "$WORK/ca"
make_ca "$WORK/other"   # a CA that signed nothing we meet

tp=$(free_port); pp=$(free_port)
start_sink "$tp" "$WORK/tls" --tls-cert "$WORK/ca/server.pem" --tls-key "$WORK/ca/server.key"
start_sink "$pp" "$WORK/plain"
relay_instance "$WORK/i" "$tp"
"$B/postconf" -c "$C" -e "smtp_tls_loglevel = 1" "smtp_host_lookup = native" >/dev/null

# ---- 1. encrypt: delivered over TLS, Postfix's summary line ---------------
reconf "$C" "smtp_tls_security_level = encrypt" "smtp_tls_CAfile = $WORK/ca/ca.pem"
mail enc1
need_log "$C" "smtp\[[0-9]+\]: Trusted TLS connection established to $H:$tp: $SUMMARY\$" "Trusted line"
need_log "$C" ": to=<enc1@example.net>, relay=$H:$tp, $DELAYS, dsn=2\.0\.0, status=sent \(250 2\.0\.0 Ok: queued as SINK1\)" "sent over TLS"
[ -f "$WORK/tls/000001.tls" ] || fail "the sink did not get the message over TLS"
ok "encrypt: delivered over TLS with Postfix's Trusted TLS line"

# Without the CA the same connection is Untrusted but still encrypted.
reconf "$C" "smtp_tls_CAfile ="
mail enc2
need_log "$C" "Untrusted TLS connection established to $H:$tp: $SUMMARY" "Untrusted line"
need_log "$C" ": to=<enc2@example.net>, .*status=sent" "sent over untrusted TLS"
ok "encrypt without CA: Untrusted TLS connection, delivered"

# ---- 2. encrypt to a peer without STARTTLS: deferred, no MAIL in clear ----
reconf "$C" "relayhost = [127.0.0.1]:$pp" "smtp_tls_CAfile = $WORK/ca/ca.pem"
mail enc3
need_log "$C" ": to=<enc3@example.net>, relay=$H:$pp, $DELAYS, dsn=4\.7\.4, status=deferred \(TLS is required, but was not offered by host $H\)" "not offered"
grep -q '^C: MAIL' "$WORK/plain/transcript.log" && { cat "$WORK/plain/transcript.log"; fail "MAIL FROM sent in plaintext"; }
[ "$(sink_count "$WORK/plain")" = 0 ] || fail "the plaintext sink got mail"
ok "encrypt, no STARTTLS offered: deferred, nothing sent in plaintext"

# ---- 3. verify: wrong CA defers, right CA and name delivers ---------------
reconf "$C" "relayhost = [localhost]:$tp" "smtp_tls_security_level = verify" "smtp_tls_CAfile = $WORK/other/ca.pem"
mail ver1
LH='localhost\[127\.0\.0\.1\]'
need_log "$C" "certificate verification failed for $LH:$tp: untrusted issuer /O=sluice test/CN=sluice test CA ca" "verification failure line"
need_log "$C" "Untrusted TLS connection established to $LH:$tp" "Untrusted at verify"
need_log "$C" ": to=<ver1@example.net>, relay=$LH:$tp, $DELAYS, dsn=4\.7\.5, status=deferred \(Server certificate not verified\)" "wrong CA deferred"
[ "$(sink_count "$WORK/tls")" = 2 ] || fail "verify with the wrong CA delivered"
ok "verify, wrong CA: deferred (Server certificate not verified), nothing sent"

reconf "$C" "smtp_tls_CAfile = $WORK/ca/ca.pem"
mail ver2
need_log "$C" "Verified TLS connection established to $LH:$tp: $SUMMARY" "Verified line"
need_log "$C" ": to=<ver2@example.net>, relay=$LH:$tp, .*status=sent" "verify delivered"
ok "verify, right CA and name: Verified TLS connection, delivered"

# Right CA, wrong name (smtp_tls_verify_cert_match): not verified.
reconf "$C" "smtp_tls_verify_cert_match = mx.example.com"
mail ver3
need_log "$C" "server certificate verification failed for $LH:$tp: num=62:hostname mismatch" "hostname mismatch line"
need_log "$C" ": to=<ver3@example.net>, .*dsn=4\.7\.5, status=deferred \(Server certificate not verified\)" "wrong name deferred"
ok "verify, wrong name: deferred"

# ---- 4. fingerprint ---------------------------------------------------------
fp=$(openssl x509 -in "$WORK/ca/server.pem" -noout -fingerprint -sha256 | sed 's/.*=//')
# The default digest is sha256 at compatibility_level 3.7 (sluice init's).
reconf "$C" "smtp_tls_verify_cert_match = hostname" "smtp_tls_security_level = fingerprint" \
  "smtp_tls_fingerprint_cert_match = $fp" "smtp_tls_CAfile ="
mail fpt1
need_log "$C" "Verified TLS connection established to $LH:$tp" "fingerprint Verified"
need_log "$C" ": to=<fpt1@example.net>, .*status=sent" "fingerprint delivered"
reconf "$C" "smtp_tls_fingerprint_cert_match = 00:11:22"
mail fpt2
need_log "$C" ": to=<fpt2@example.net>, .*dsn=4\.7\.5, status=deferred \(Server certificate not verified\)" "wrong fingerprint deferred"
ok "fingerprint: matching digest delivers, another defers"

# ---- 5. smtp_tls_policy_maps per destination --------------------------------
printf '[127.0.0.1]:%s encrypt\n[127.0.0.1]:%s secure match=localhost\n[localhost]:%s bogus\n' \
  "$pp" "$tp" "$tp" > "$WORK/policy"
reconf "$C" "smtp_tls_security_level = none" "smtp_tls_CAfile = $WORK/ca/ca.pem" \
  "smtp_tls_policy_maps = texthash:$WORK/policy" "relayhost = [127.0.0.1]:$tp"
mail pol1
need_log "$C" "Verified TLS connection established to $H:$tp" "policy secure"
need_log "$C" ": to=<pol1@example.net>, relay=$H:$tp, .*status=sent" "policy secure delivered"
reconf "$C" "relayhost = [127.0.0.1]:$pp"
mail pol2
need_log "$C" ": to=<pol2@example.net>, .*dsn=4\.7\.4, status=deferred \(TLS is required, but was not offered by host $H\)" "policy encrypt"
reconf "$C" "relayhost = [localhost]:$tp"
mail pol3
need_log "$C" "warning: smtp_tls_policy_maps, next-hop destination \"\[localhost\]:$tp\": invalid security level \"bogus\"" "policy warning"
need_log "$C" ": to=<pol3@example.net>, relay=none, $DELAYS, dsn=4\.7\.5, status=deferred \(client TLS configuration problem\)" "bad policy deferred"
n=$(sink_count "$WORK/tls")
printf '[localhost]:%s none\n' "$tp" > "$WORK/policy"
reconf "$C" "smtp_tls_security_level = encrypt"
mail pol4
need_log "$C" ": to=<pol4@example.net>, relay=$LH:$tp, .*status=sent" "policy none delivered"
[ -f "$WORK/tls/$(printf %06d $((n + 1))).tls" ] && fail "policy none still used TLS"
ok "smtp_tls_policy_maps: per-destination level, match=, malformed entry defers"

# ---- 6. may: a failed handshake defers; plaintext only after waiting ------
reconf "$C" "smtp_tls_policy_maps =" "smtp_tls_security_level = may" "smtp_tls_protocols = TLSv1" \
  "minimal_backoff_time = 3s" "maximal_backoff_time = 3s"
mail may1
need_log "$C" "SSL_connect error to $LH:$tp: " "SSL_connect error line"
need_log "$C" ": to=<may1@example.net>, relay=$LH:$tp, $DELAYS, dsn=4\.7\.5, status=deferred \(Cannot start TLS: handshake failure\)" "may handshake failure"
need_log "$C" ": to=<may1@example.net>, relay=$LH:$tp, .*status=sent" "may retried in plaintext"
ok "may: handshake failure defers, the retry after minimal_backoff_time goes in plaintext"

# ---- 7. configuration errors: refused before they reach the daemons -------
# (sluice check, and so reload, validates the level and the CA file the
# way smtp reads them; a bad entry inside a policy table, which check does
# not read entry by entry, defers at run time: section 5.)
cp "$C/main.cf" main.cf.good
"$B/postconf" -c "$C" -e "smtp_tls_protocols = >=TLSv1" "smtp_tls_security_level = bogus" >/dev/null
"$B/sluice" -c "$C" check 2>err && fail "check accepted smtp_tls_security_level = bogus"
grep -q 'parameter smtp_tls_security_level: invalid value: "bogus"' err || { cat err; fail "check: bad level text"; }
"$B/sluice" -c "$C" reload 2>/dev/null && fail "reload accepted smtp_tls_security_level = bogus"
cp main.cf.good "$C/main.cf"
"$B/postconf" -c "$C" -e "smtp_tls_security_level = encrypt" "smtp_tls_CAfile = $WORK/nonexistent.pem" >/dev/null
"$B/sluice" -c "$C" check 2>err && fail "check accepted an unreadable smtp_tls_CAfile"
grep -q "nonexistent.pem" err || { cat err; fail "check: CA file text"; }
"$B/sluice" -c "$C" reload 2>/dev/null && fail "reload accepted an unreadable smtp_tls_CAfile"
cp main.cf.good "$C/main.cf"
ok "configuration errors: refused by sluice check and reload; the daemons keep the good configuration"
