# smtp connection reuse: 1,000 messages to one TLS destination
# (smtp_connection_cache_on_demand, smtp_tls_connection_reuse = yes) use far
# fewer connections than messages, counted at the peer, with Postfix's
# conn_use=N in the status lines and "TLS connection reused" lines; a peer
# that drops idle connections costs no mail (cached connections are
# checked before use, and a dead one makes way for a new connection);
# smtp_connection_reuse_count_limit caps the uses; with TLS and
# smtp_tls_connection_reuse = no (Postfix's default) nothing is reused.
. "$(dirname "$0")/lib.sh"
for p in sluice sendmail postconf postsuper master pickup cleanup qmgr smtp smtpd; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
command -v openssl >/dev/null || skip "openssl not installed"
python3 -c 'import ssl' 2>/dev/null || skip "python3 has no ssl module"

H='127\.0\.0\.1\[127\.0\.0\.1\]'
# inject N TAG: N messages through the instance's smtpd, one SMTP session.
inject() {
  python3 - "$port" "$1" "$2" <<'PY' || fail "inject $2"
import smtplib, sys
port, n, tag = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
s = smtplib.SMTP("127.0.0.1", port, timeout=60)
for i in range(n):
    s.sendmail("sender@example.org", ["%s-%d@example.net" % (tag, i)],
               "Subject: %s %d\r\n\r\n%s\r\n" % (tag, i, "x" * 900))
s.quit()
PY
}
# conns DIR: connections the sink accepted (less start_sink's probe).
conns() { echo $(( $(wc -l < "$1/connections") - 1 )); }
delivered() { [ "$(sink_count "$1")" -ge "$2" ]; }

make_ca "$WORK/ca"
sp=$(free_port); port=$(free_port)
start_sink "$sp" "$WORK/sink" --tls-cert "$WORK/ca/server.pem" --tls-key "$WORK/ca/server.key"
C=$WORK/i
new_instance "$C" "$port"
"$B/postconf" -c "$C" -e "relayhost = [127.0.0.1]:$sp" "myhostname = relay.example.com" \
  "minimal_backoff_time = 2s" "maximal_backoff_time = 4s" "queue_run_delay = 1s" \
  "smtp_tls_security_level = encrypt" "smtp_tls_CAfile = $WORK/ca/ca.pem" \
  "smtp_tls_loglevel = 1" "smtp_tls_connection_reuse = yes" >/dev/null
"$B/sluice" -c "$C" start || fail "start"
INSTANCES=$C
wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" || fail "smtpd"

# ---- 1. a burst of 1,000 messages over TLS --------------------------------
inject 1000 burst
wait_for 240 delivered "$WORK/sink" 1000 || fail "only $(sink_count "$WORK/sink") of 1000 delivered"
n=$(conns "$WORK/sink")
echo "1000 messages over $n connections"
[ "$n" -le 200 ] || fail "1000 messages used $n connections"
[ "$(ls "$WORK/sink" | grep -c '\.tls$')" = 1000 ] || fail "not every message came over TLS"
need_log "$C" ": to=<burst-[0-9]+@example.net>, relay=$H:$sp, conn_use=[0-9]+, delay=[0-9.]+, delays=[0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+, dsn=2\.0\.0, status=sent" "conn_use"
need_log "$C" "Trusted TLS connection reused to $H:$sp: TLSv1\.[23] with cipher" "reused line"
grep -c 'status=sent' "$C/log/maillog" | grep -qx 1000 || fail "not 1000 sent lines"
grep -q 'status=deferred' "$C/log/maillog" && fail "deferrals in the burst"
ok "1000 messages, $n connections, conn_use=N and TLS reused lines"

# ---- 2. the peer drops idle connections: no loss ---------------------------
stop_sink
: > "$WORK/sink2.dummy"
start_sink "$sp" "$WORK/sink2" --tls-cert "$WORK/ca/server.pem" --tls-key "$WORK/ca/server.key" \
  --idle-timeout 0.3
for r in 1 2 3 4 5; do
  inject 40 drop$r
  sleep 1
done
wait_for 120 delivered "$WORK/sink2" 200 || fail "only $(sink_count "$WORK/sink2") of 200 delivered"
sleep 1
[ "$(sink_count "$WORK/sink2")" = 200 ] || fail "duplicates: $(sink_count "$WORK/sink2")"
grep 'drop[0-9]-' "$C/log/maillog" | grep -q 'status=deferred' && { grep 'drop[0-9]-.*deferred' "$C/log/maillog" | head; fail "deferred while the peer dropped idle connections"; }
ok "peer dropping idle connections: 200 of 200 delivered, none deferred ($(conns "$WORK/sink2") connections)"

# ---- 3. smtp_connection_reuse_count_limit; TLS reuse off --------------------
stop_sink
start_sink "$sp" "$WORK/sink3" --tls-cert "$WORK/ca/server.pem" --tls-key "$WORK/ca/server.key"
"$B/postconf" -c "$C" -e "smtp_connection_reuse_count_limit = 3" >/dev/null
"$B/sluice" -c "$C" reload >/dev/null
sleep 0.5
inject 100 lim
wait_for 120 delivered "$WORK/sink3" 100 || fail "limit: only $(sink_count "$WORK/sink3") delivered"
grep -E 'lim-[0-9]+@.*conn_use=[4-9]' "$C/log/maillog" && fail "conn_use above smtp_connection_reuse_count_limit"
grep -Eq 'lim-[0-9]+@.*conn_use=3' "$C/log/maillog" || fail "no conn_use=3 with the limit at 3"
ok "smtp_connection_reuse_count_limit = 3"

stop_sink
start_sink "$sp" "$WORK/sink4" --tls-cert "$WORK/ca/server.pem" --tls-key "$WORK/ca/server.key"
"$B/postconf" -c "$C" -e "smtp_tls_connection_reuse = no" >/dev/null
"$B/sluice" -c "$C" reload >/dev/null
sleep 0.5
inject 50 off
wait_for 120 delivered "$WORK/sink4" 50 || fail "reuse off: only $(sink_count "$WORK/sink4") delivered"
grep -E 'off-[0-9]+@.*conn_use=' "$C/log/maillog" && fail "TLS connection reused with smtp_tls_connection_reuse = no"
[ "$(conns "$WORK/sink4")" = 50 ] || fail "reuse off: $(conns "$WORK/sink4") connections for 50 messages"
grep -q '^S: <TLS TLSv1.3 resumed>' "$WORK/sink4/transcript.log" || fail "no TLS session was resumed"
ok "smtp_tls_connection_reuse = no: one TLS connection per message, sessions resumed"
