# Shared by t_metrics and t_logtools (sourced after lib.sh): a relay run
# with every outcome an MTA's log tools count, and the numbers it produces
# by construction.
#
# mixed_run [METRICS_PORT]: a sink that refuses rej@example.net (550) and
# tmp@example.net (451); an instance $C whose smtpd on $PORT treats
# 127.0.0.1 as an outside client (mynetworks = 127.0.0.2/32, relay_domains
# = example.net: the default relay restrictions answer 454), a second
# smtpd on $PORT2 with reject_unauth_destination (554), STARTTLS when
# openssl and swaks can, and the metrics service on METRICS_PORT when
# given. Retries are an hour away, so each deferral happens once. Then:
#   smtpd: ok1+ok2 (one message), rej (bounced; the notice to the sender
#          is sent), tmp (deferred), ok3 over STARTTLS (when TLS works);
#   pickup: ok4 (sendmail);
#   rejects: two RCPTs to remote.test on $PORT (454), one on $PORT2 (554).
# Sets EXP_RECEIVED (smtpd + pickup messages), EXP_NOTICES, EXP_SENT,
# EXP_DEFERRED, EXP_BOUNCED, EXP_REJECT_4XX, EXP_REJECT_5XX, EXP_TLS_IN,
# EXP_SMTPD_CONN (the readiness probes included), and waits until the log shows every result.
mixed_run() {
  local mp=${1:-} sp tls=0
  sp=$(free_port); PORT=$(free_port); PORT2=$(free_port)
  start_sink "$sp" "$WORK/sink" --reply 'rej@example.net=550 5.1.1 User unknown' \
    --reply 'tmp@example.net=451 4.3.0 Try again later'
  C=$WORK/inst
  new_instance "$C" "$PORT"
  INSTANCES="${INSTANCES:-} $C"
  "$B/postconf" -c "$C" -e "relayhost = [127.0.0.1]:$sp" "mynetworks = 127.0.0.2/32" \
    "relay_domains = example.net" "myhostname = relay.example.com" "myorigin = example.com" \
    "minimal_backoff_time = 1h" "maximal_backoff_time = 2h" "queue_run_delay = 1h" \
    >/dev/null || fail "postconf -e"
  if command -v openssl >/dev/null && swaks --support 2>&1 | grep -q 'TLS supported'; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=relay.example.com" \
      -keyout "$WORK/key.pem" -out "$WORK/cert.pem" >/dev/null 2>&1 || fail "openssl req"
    "$B/postconf" -c "$C" -e "smtpd_tls_security_level = may" \
      "smtpd_tls_cert_file = $WORK/cert.pem" "smtpd_tls_key_file = $WORK/key.pem" >/dev/null
    tls=1
  fi
  printf '127.0.0.1:%s inet n - n - - smtpd -o smtpd_relay_restrictions=permit_mynetworks,reject_unauth_destination\n' \
    "$PORT2" >> "$C/master.cf"
  [ -n "$mp" ] && printf '127.0.0.1:%s inet n - n - 1 metrics\n' "$mp" >> "$C/master.cf"
  "$B/sluice" -c "$C" start >/dev/null || fail "sluice start"
  for p in $PORT $PORT2 $mp; do
    wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $p), 1)" ||
      fail "nothing listens on $p"
  done

  local sw="swaks --server 127.0.0.1:$PORT --from s@example.org"
  $sw --to ok1@example.net,ok2@example.net >sw1.out 2>&1 || { cat sw1.out; fail "swaks ok1,ok2"; }
  $sw --to rej@example.net >sw2.out 2>&1 || { cat sw2.out; fail "swaks rej"; }
  $sw --to tmp@example.net >sw3.out 2>&1 || { cat sw3.out; fail "swaks tmp"; }
  if [ $tls = 1 ]; then
    $sw --tls --to ok3@example.net >sw4.out 2>&1 || { cat sw4.out; fail "swaks --tls"; }
  fi
  printf 'Subject: local\n\nhello\n' | "$B/sendmail" -C "$C" -f s@example.org ok4@example.net ||
    fail "sendmail"
  $sw --to x@remote.test >sw5.out 2>&1; grep -q '454 4.7.1' sw5.out || { cat sw5.out; fail "no 454"; }
  $sw --to y@remote.test >sw6.out 2>&1; grep -q '454 4.7.1' sw6.out || { cat sw6.out; fail "no 454"; }
  swaks --server 127.0.0.1:$PORT2 --from s@example.org --to z@remote.test >sw7.out 2>&1
  grep -q '554 5.7.1' sw7.out || { cat sw7.out; fail "no 554"; }

  EXP_RECEIVED=$((4 + tls)); EXP_NOTICES=1
  EXP_SENT=$((4 + tls)); EXP_DEFERRED=1; EXP_BOUNCED=1
  EXP_REJECT_4XX=2; EXP_REJECT_5XX=1; EXP_TLS_IN=$tls
  EXP_SMTPD_CONN=$((6 + tls + 2)) # and the two probes for a listener above
  local L=$C/log/maillog
  wait_for 60 sh -c "[ \$(grep -c 'status=sent' $L) -ge $EXP_SENT ] &&
    [ \$(grep -c 'status=deferred' $L) -ge 1 ] && [ \$(grep -c 'status=bounced' $L) -ge 1 ] &&
    [ \$(grep -c 'postfix/qmgr.*removed' $L) -ge $((EXP_RECEIVED + EXP_NOTICES - 1)) ]" ||
    { tail -40 "$L"; fail "the run did not finish"; }
  # Every smtpd session has ended (the gauge of open connections is 0).
  wait_for 10 sh -c "[ \$(grep -c 'smtpd.*: disconnect from' $L) -ge $EXP_SMTPD_CONN ]" ||
    { tail -40 "$L"; fail "smtpd sessions did not end"; }
}

# log_count ERE: the number of maillog lines that match.
log_count() { grep -Ec "$1" "$C/log/maillog"; }
