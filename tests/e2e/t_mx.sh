# MX routing in the smtp delivery agent against a real dnsmasq and two sinks
# on 127.0.0.2 and 127.0.0.3 (smtp_tcp_port = the sinks' port): the best MX
# gets the mail; a refused primary or a 451 on RCPT moves on to the next MX
# (with Postfix's info line); implicit MX; NXDOMAIN bounces 5.4.4; a DNS
# server failure defers 4.4.3; null MX bounces 5.1.0; MX hosts without
# addresses; smtp_mx_address_limit; nexthop lists; smtp_fallback_relay;
# disable_dns_lookups skips the MX lookup.
. "$(dirname "$0")/lib.sh"
for p in sluice sendmail postqueue postconf master pickup cleanup qmgr smtp; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
DNSMASQ=$(command -v dnsmasq || { [ -x /usr/sbin/dnsmasq ] && echo /usr/sbin/dnsmasq; })
[ -n "$DNSMASQ" ] || skip "dnsmasq not installed"
python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.2", 0)); s.close()' 2>/dev/null ||
  skip "no 127.0.0.2 on the loopback interface"

ID='[0-9A-Za-z]+'
DELAYS='delay=[0-9.]+, delays=[0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+'

send() { # C RCPT
  printf 'Subject: to %s\n\nbody for %s\n' "$2" "$2" |
    "$B/sendmail" -C "$1" -i -f sender@example.org "$2" || fail "sendmail to $2: exit $?"
}
# sink_has DIR RCPT: the sink stored a message for RCPT.
sink_has() { grep -qx "RCPT TO:<$2>" "$1"/*.env 2>/dev/null; }

# ---- DNS: dnsmasq on a free port -------------------------------------------
dp=$(free_port)
dead=$(free_port)      # nothing answers there: forwarded queries fail
"$DNSMASQ" --no-daemon --conf-file=/dev/null --pid-file= --port="$dp" \
  --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts \
  --local=/example/ --server=/fail.example/127.0.0.1#"$dead" \
  --mx-host=d1.example,mx2.d1.example,20 --mx-host=d1.example,mx1.d1.example,10 \
  --host-record=mx1.d1.example,127.0.0.2 --host-record=mx2.d1.example,127.0.0.3 \
  --mx-host=d2.example,mx1.d2.example,10 --mx-host=d2.example,mx2.d2.example,20 \
  --host-record=mx1.d2.example,127.0.0.4 --host-record=mx2.d2.example,127.0.0.3 \
  --mx-host=d3.example,mx1.d3.example,10 --mx-host=d3.example,mx2.d3.example,20 \
  --host-record=mx1.d3.example,127.0.0.2 --host-record=mx2.d3.example,127.0.0.3 \
  --host-record=d4.example,127.0.0.3 \
  --mx-host=null.example,.,0 \
  --mx-host=ghost.example,nowhere.ghost.example,10 \
  --mx-host=lim.example,a.lim.example,10 --mx-host=lim.example,b.lim.example,20 \
  --mx-host=lim.example,c.lim.example,30 \
  --host-record=a.lim.example,127.0.0.4 --host-record=b.lim.example,127.0.0.5 \
  --host-record=c.lim.example,127.0.0.2 \
  --mx-host=fb.example,mx.fb.example,10 --host-record=mx.fb.example,127.0.0.4 \
  --mx-host=nodns.example,mx.nodns.example,10 --host-record=mx.nodns.example,127.0.0.2 \
  --host-record=nodns.example,127.0.0.3 \
  --mx-host=sess.example,s1.sess.example,10 --mx-host=sess.example,s2.sess.example,20 \
  --mx-host=sess.example,s3.sess.example,30 --host-record=s1.sess.example,127.0.0.2 \
  --host-record=s2.sess.example,127.0.0.2 --host-record=s3.sess.example,127.0.0.3 \
  --mx-host=loop1.example,me.loop1.example,10 --host-record=me.loop1.example,127.0.0.1 \
  --mx-host=loop2.example,gone.loop2.example,10 --mx-host=loop2.example,me.loop2.example,20 \
  --host-record=me.loop2.example,127.0.0.1 \
  >dnsmasq.log 2>&1 &
remember $!
udp_busy() { ! python3 -c "import socket,sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', $dp))" 2>/dev/null; }
wait_for 10 udp_busy || { cat dnsmasq.log; fail "dnsmasq did not start"; }

# ---- the sinks: 127.0.0.2 (A) and 127.0.0.3 (B) on one port ----------------
sp=$(free_port)
mx_sink() { # NAME ADDR [options]
  local name=$1 addr=$2; shift 2
  mkdir -p "$WORK/$name"
  python3 "$SLUICE_ROOT/tests/e2e/sink.py" --host "$addr" --port "$sp" --dir "$WORK/$name" \
    --pidfile "$WORK/$name.pid" "$@" >"$WORK/$name.log" 2>&1 &
  remember $!
  wait_for 10 test -s "$WORK/$name.pid" || { cat "$WORK/$name.log"; fail "sink $name did not start"; }
}
mx_sink A 127.0.0.2 --reply 'tmp@d3.example=451 4.3.0 Try again later' \
  --reply 'tmp@sess.example=451 4.7.1 Later please'
mx_sink B 127.0.0.3

mx_instance() { # DIR [postconf settings...]
  local c=$1; shift
  new_instance "$c"
  "$B/postconf" -c "$c" -e "dns_servers = 127.0.0.1:$dp" "smtp_tcp_port = $sp" \
    "inet_protocols = ipv4" "minimal_backoff_time = 300s" "maximal_backoff_time = 600s" \
    "queue_run_delay = 300s" "myhostname = relay.example.com" "myorigin = example.com" \
    "$@" >/dev/null || fail "postconf -e"
  "$B/sluice" -c "$c" start || fail "sluice start"
  INSTANCES="${INSTANCES:-} $c"
}
C="$WORK/i1"
mx_instance "$C" "smtp_mx_address_limit = 2"

# ---- 1. the best MX gets the mail ------------------------------------------
send "$C" u1@d1.example
need_log "$C" "smtp\[[0-9]+\]: $ID: to=<u1@d1\.example>, relay=mx1\.d1\.example\[127\.0\.0\.2\]:$sp, $DELAYS, dsn=2\.0\.0, status=sent \(250 2\.0\.0 Ok: queued as SINK[0-9]+\)" "best MX"
sink_has "$WORK/A" u1@d1.example || fail "sink A did not get u1"
sink_has "$WORK/B" u1@d1.example && fail "sink B got u1 too"
ok "lowest preference MX gets the mail"

# ---- 2. primary refuses connections: the secondary gets it -----------------
send "$C" u2@d2.example
need_log "$C" "smtp\[[0-9]+\]: connect to mx1\.d2\.example\[127\.0\.0\.4\]:$sp: Connection refused$" "connect info"
need_log "$C" "$ID: to=<u2@d2\.example>, relay=mx2\.d2\.example\[127\.0\.0\.3\]:$sp, $DELAYS, dsn=2\.0\.0, status=sent" "secondary MX"
sink_has "$WORK/B" u2@d2.example || fail "sink B did not get u2"
ok "refused primary MX, delivered to the secondary"

# ---- 3. 451 on RCPT at the primary: info line, then the secondary ----------
send "$C" tmp@d3.example
need_log "$C" "smtp\[[0-9]+\]: $ID: host mx1\.d3\.example\[127\.0\.0\.2\] said: 451 4\.3\.0 Try again later \(in reply to RCPT TO command\)$" "soft error info line"
need_log "$C" "$ID: to=<tmp@d3\.example>, relay=mx2\.d3\.example\[127\.0\.0\.3\]:$sp, $DELAYS, dsn=2\.0\.0, status=sent" "451 then secondary"
sink_has "$WORK/B" tmp@d3.example || fail "sink B did not get tmp@d3"
logline "$C" "to=<tmp@d3\.example>.*status=deferred" && fail "tmp@d3 was deferred"
ok "4xx on a non-final MX keeps the recipient for the next MX"

# ---- 4. no MX record: implicit MX (the domain's A record) -------------------
send "$C" u4@d4.example
need_log "$C" "$ID: to=<u4@d4\.example>, relay=d4\.example\[127\.0\.0\.3\]:$sp, $DELAYS, dsn=2\.0\.0, status=sent" "implicit MX"
ok "no MX record: delivered to the domain's address"

# ---- 5. NXDOMAIN: bounced 5.4.4 ---------------------------------------------
send "$C" u5@nx.example
need_log "$C" "smtp\[[0-9]+\]: $ID: to=<u5@nx\.example>, relay=none, $DELAYS, dsn=5\.4\.4, status=bounced \(Host or domain name not found\. Name service error for name=nx\.example type=A: Host not found\)" "nxdomain"
ok "NXDOMAIN bounces with 5.4.4 and Postfix's text"

# ---- 6. DNS server failure: deferred 4.4.3 ----------------------------------
send "$C" u6@fail.example
need_log "$C" "smtp\[[0-9]+\]: $ID: to=<u6@fail\.example>, relay=none, $DELAYS, dsn=4\.4\.3, status=deferred \(Host or domain name not found\. Name service error for name=fail\.example type=MX: Host not found, try again\)" "servfail" 90
wait_for 20 sh -c "'$B/mailq' -C '$C' | grep -q 'Name service error for name=fail.example type=MX: Host not found, try again'" ||
  { "$B/mailq" -C "$C"; fail "mailq does not show the DNS reason"; }
ok "temporary DNS failure defers with 4.4.3"

# ---- 7. null MX: bounced 5.1.0 ----------------------------------------------
send "$C" u7@null.example
need_log "$C" "$ID: to=<u7@null\.example>, relay=none, $DELAYS, dsn=5\.1\.0, status=bounced \(Domain null\.example does not accept mail \(nullMX\)\)" "null MX"
ok "null MX bounces with 5.1.0"

# ---- 8. the only MX host has no address --------------------------------------
send "$C" u8@ghost.example
need_log "$C" "warning: no MX host for ghost\.example has a valid address record" "no MX address warning"
need_log "$C" "$ID: to=<u8@ghost\.example>, relay=none, $DELAYS, dsn=5\.4\.4, status=bounced \(Host or domain name not found\. Name service error for name=nowhere\.ghost\.example type=A: Host not found\)" "no MX address"
ok "MX host without address: warning and the address lookup's error"

# ---- 9. smtp_mx_address_limit = 2: the third MX is never tried --------------
send "$C" u9@lim.example
need_log "$C" "$ID: to=<u9@lim\.example>, relay=none, $DELAYS, dsn=4\.4\.1, status=deferred \(connect to b\.lim\.example\[127\.0\.0\.5\]:$sp: Connection refused\)" "address limit"
logline "$C" "connect to a\.lim\.example\[127\.0\.0\.4\]:$sp: Connection refused$" || fail "first MX not tried"
sink_has "$WORK/A" u9@lim.example && fail "third MX tried beyond smtp_mx_address_limit"
ok "smtp_mx_address_limit bounds the addresses; the last error is reported"

# ---- 10. nexthop list, fallback relay, disable_dns_lookups ------------------
C2="$WORK/i2"
mx_instance "$C2" "relayhost = [127.0.0.4], [127.0.0.3]"
send "$C2" u10@d1.example
need_log "$C2" "smtp\[[0-9]+\]: connect to 127\.0\.0\.4\[127\.0\.0\.4\]:$sp: Connection refused$" "list first"
need_log "$C2" "$ID: to=<u10@d1\.example>, relay=127\.0\.0\.3\[127\.0\.0\.3\]:$sp, $DELAYS, dsn=2\.0\.0, status=sent" "list second"
ok "nexthop list: the second destination after the first failed"

C3="$WORK/i3"
mx_instance "$C3" "smtp_fallback_relay = [127.0.0.3]"
send "$C3" u11@fb.example
need_log "$C3" "smtp\[[0-9]+\]: connect to mx\.fb\.example\[127\.0\.0\.4\]:$sp: Connection refused$" "fallback: MX first"
need_log "$C3" "$ID: to=<u11@fb\.example>, relay=127\.0\.0\.3\[127\.0\.0\.3\]:$sp, $DELAYS, dsn=2\.0\.0, status=sent" "fallback relay"
ok "smtp_fallback_relay after all MX hosts failed"

C4="$WORK/i4"
mx_instance "$C4" "disable_dns_lookups = yes"
send "$C4" u12@nodns.example
need_log "$C4" "$ID: to=<u12@nodns\.example>, relay=nodns\.example\[127\.0\.0\.3\]:$sp, $DELAYS, dsn=2\.0\.0, status=sent" "no MX lookup"
sink_has "$WORK/A" u12@nodns.example && fail "disable_dns_lookups still used the MX record"
ok "disable_dns_lookups: no MX lookup, the host's own address"

# ---- 11. smtp_mx_session_limit (2): two sessions, the third MX unused -------
C5="$WORK/i5"
mx_instance "$C5" "smtp_mx_address_limit = 5"
send "$C5" tmp@sess.example
need_log "$C5" "smtp\[[0-9]+\]: $ID: host s1\.sess\.example\[127\.0\.0\.2\] said: 451 4\.7\.1 Later please \(in reply to RCPT TO command\)$" "first session"
need_log "$C5" "$ID: to=<tmp@sess\.example>, relay=s2\.sess\.example\[127\.0\.0\.2\]:$sp, $DELAYS, dsn=4\.7\.1, status=deferred \(host s2\.sess\.example\[127\.0\.0\.2\] said: 451 4\.7\.1 Later please \(in reply to RCPT TO command\)\)" "session limit"
sink_has "$WORK/B" tmp@sess.example && fail "third MX tried beyond smtp_mx_session_limit"
ok "smtp_mx_session_limit: deferred after two sessions with the last reply"

# ---- 12. loop detection (port 25 only; inet_interfaces = 127.0.0.1) --------
# No connection is made: the only usable MX is this host itself.
C6="$WORK/i6"
mx_instance "$C6" "smtp_tcp_port = 25"
assert_eq 25 "$("$B/postconf" -c "$C6" -h smtp_tcp_port)" "smtp_tcp_port"
send "$C6" u13@loop1.example
need_log "$C6" "$ID: to=<u13@loop1\.example>, relay=none, $DELAYS, dsn=5\.4\.6, status=bounced \(mail for loop1\.example loops back to myself\)" "loop, best MX"
send "$C6" u14@loop2.example
need_log "$C6" "$ID: to=<u14@loop2\.example>, relay=none, $DELAYS, dsn=4\.4\.4, status=deferred \(unable to find primary relay for loop2\.example\)" "loop, backup MX"
ok "loop detection: 5.4.6 as best MX, 4.4.4 as backup MX without a reachable primary"
