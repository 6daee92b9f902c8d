# transport_maps and the sender-dependent tables (util/resolve) with real
# sinks on loopback: a transport_maps entry wins over relayhost (the
# issue's example), a ".parent" entry matches subdomains only, error:
# bounces with its text and status (and smtpd refuses it at RCPT),
# discard: is logged status=sent with relay=none, an unknown transport is
# deferred with "mail transport unavailable", sender_dependent_relayhost_maps
# overrides relayhost, an edited table takes effect without a restart,
# mail routed to a dead host expires with a DSN. Bad tables (missing file,
# unknown type, a regexp that does not compile, a 10 MB line): an error at
# "sluice check", a deferral at run time, never a misroute or a crash.
. "$(dirname "$0")/lib.sh"
for p in sluice sendmail postconf master pickup cleanup qmgr smtp smtpd bounce; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
command -v swaks >/dev/null || skip "swaks not installed"

ID='[0-9A-F]+'
DELAYS='delay=[0-9.]+, delays=[0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+'
# rcpt_in DIR ADDR: some message in sink DIR has ADDR among its recipients.
rcpt_in() { grep -qF "RCPT TO:<$2>" "$1"/*.env 2>/dev/null; }
send() { # send C FROM RCPT...
  local c=$1 f=$2; shift 2
  printf 'Subject: t\n\nbody\n' | "$B/sendmail" -C "$c" -i -f "$f" "$@" || fail "sendmail $*"
}

pa=$(free_port); pb=$(free_port); pc=$(free_port); dead=$(free_port)
start_sink "$pa" "$WORK/sa"   # the relayhost
start_sink "$pb" "$WORK/sb"   # transport_maps target
start_sink "$pc" "$WORK/sc"   # sender_dependent_relayhost_maps target
port=$(free_port)
C=$WORK/i1
new_instance "$C" "$port"
cat > "$C/transport" <<EOF
# the issue's example: a nexthop from transport_maps wins over relayhost
dead.test        smtp:[127.0.0.1]:$pb
.parent.test     smtp:[127.0.0.1]:$pb
closed.test      error:5.1.2 closed
gone.test        error:
void.test        discard:
nowhere.test     nosuchtransport:
hop.test         :[127.0.0.1]:$pb
EOF
echo "@special.test [127.0.0.1]:$pc" > "$C/sdr"
"$B/postconf" -c "$C" -e "relayhost = [127.0.0.1]:$pa" \
  "transport_maps = texthash:$C/transport" \
  "sender_dependent_relayhost_maps = texthash:$C/sdr" \
  "minimal_backoff_time = 2s" "maximal_backoff_time = 4s" "queue_run_delay = 1s" \
  "myhostname = relay.example.com" "myorigin = example.com" >/dev/null || fail "postconf -e"
"$B/sluice" -c "$C" check || fail "sluice check with good tables"
"$B/sluice" -c "$C" start || fail "start"
INSTANCES="$C"
wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" ||
  fail "smtpd not listening"

# ---- 1. the issue: transport_maps beats relayhost -------------------------
swaks -s "127.0.0.1:$port" -f s@sender.test -t u@dead.test >swaks1.out 2>&1 || {
  cat swaks1.out; fail "swaks to u@dead.test"; }
wait_for 30 rcpt_in "$WORK/sb" u@dead.test || fail "u@dead.test did not reach the transport_maps host"
need_log "$C" "$ID: to=<u@dead.test>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$pb, $DELAYS, dsn=2\.0\.0, status=sent" \
  "dead.test via transport_maps"
rcpt_in "$WORK/sa" u@dead.test && fail "u@dead.test also went to the relayhost"
ok "transport_maps nexthop wins over relayhost"

# ---- 2. parent domains: ".parent.test" matches subdomains only ------------
send "$C" s@example.org u@sub.parent.test v@parent.test
wait_for 30 rcpt_in "$WORK/sb" u@sub.parent.test || fail "subdomain not routed by .parent.test"
wait_for 30 rcpt_in "$WORK/sa" v@parent.test || fail "parent.test itself should use the relayhost"
ok "\".parent.test\" routes subdomains, not the parent itself"

# ---- 3. ":nexthop" keeps the transport, changes the next hop ---------------
send "$C" s@example.org w@hop.test
wait_for 30 rcpt_in "$WORK/sb" w@hop.test || fail "w@hop.test not routed by :nexthop"
ok "an empty transport keeps smtp with the table's next hop"

# ---- 4. error: bounces with its text and status ---------------------------
send "$C" s@example.org x@closed.test y@gone.test
need_log "$C" "$ID: to=<x@closed\.test>, relay=none, $DELAYS, dsn=5\.1\.2, status=bounced \(closed\)" \
  "error:5.1.2 closed"
need_log "$C" "$ID: to=<y@gone\.test>, relay=none, $DELAYS, dsn=5\.0\.0, status=bounced \(Address is undeliverable\)" \
  "error: without text"
wait_for 30 sh -c "grep -l '^Subject: Undelivered Mail' $WORK/sa/*.eml" || fail "no bounce notice"
eml=$(grep -l '^Subject: Undelivered Mail' "$WORK"/sa/*.eml | head -1)
grep -q '^Status: 5.1.2' "$eml" || fail "notice without Status: 5.1.2"
grep -q '<x@closed.test>: closed' "$eml" || fail "notice without the error text"
ok "error: bounces with the table's text and DSN status"

# smtpd refuses it at RCPT (smtpd_reject_unlisted_recipient = yes).
swaks -s "127.0.0.1:$port" -h client.test -f s@sender.test -t x@closed.test >swaks2.out 2>&1
grep -q '<\*\* 550 5.1.2 <x@closed.test>: Recipient address rejected: closed' swaks2.out ||
  { cat swaks2.out; fail "smtpd did not refuse error: at RCPT"; }
need_log "$C" "NOQUEUE: reject: RCPT from localhost\[127\.0\.0\.1\]: 550 5\.1\.2 <x@closed\.test>: Recipient address rejected: closed; from=<s@sender\.test> to=<x@closed\.test> proto=ESMTP helo=<client\.test>" \
  "smtpd reject log line"
swaks -s "127.0.0.1:$port" -h client.test -f s@sender.test -t y@gone.test >swaks3.out 2>&1
grep -q '<\*\* 550 5.1.1 <y@gone.test>: Recipient address rejected: Address is undeliverable' swaks3.out ||
  { cat swaks3.out; fail "smtpd did not refuse bare error: at RCPT"; }
ok "smtpd refuses error: recipients at RCPT with Postfix's text"

# ---- 5. discard: -----------------------------------------------------------
send "$C" s@example.org z@void.test
need_log "$C" "$ID: to=<z@void\.test>, relay=none, $DELAYS, dsn=2\.0\.0, status=sent \(void\.test\)" "discard:"
ok "discard: is logged as sent with relay=none"

# ---- 6. a transport that master.cf does not have --------------------------
send "$C" s@example.org n@nowhere.test
need_log "$C" "$ID: to=<n@nowhere\.test>, relay=none, $DELAYS, dsn=4\.3\.0, status=deferred \(mail transport unavailable\)" \
  "unknown transport"
ok "an unknown transport defers: mail transport unavailable"

# ---- 7. sender_dependent_relayhost_maps ------------------------------------
send "$C" a@special.test p@other.test
wait_for 30 rcpt_in "$WORK/sc" p@other.test || fail "sender-dependent relayhost not used"
send "$C" a@plain.test q@other.test
wait_for 30 rcpt_in "$WORK/sa" q@other.test || fail "other senders should use relayhost"
ok "sender_dependent_relayhost_maps (@domain) overrides relayhost"

# ---- 8. an edited table takes effect without a restart ---------------------
sleep 1.2
echo "late.test smtp:[127.0.0.1]:$pb" >> "$C/transport"
sleep 1.2
send "$C" s@example.org l@late.test
wait_for 30 rcpt_in "$WORK/sb" l@late.test || fail "the edited table was not read"
ok "an edited table is re-read by the running daemons"

# ---- 9. bad tables: sluice check ------------------------------------------
X=$WORK/ix
new_instance "$X"
printf '/(unclosed/ smtp:[127.0.0.1]:1\n' > "$X/bad.re"
python3 -c "import sys; sys.stdout.write('k ' + 'v' * (10 * 1024 * 1024) + '\n')" > "$X/huge"
check_bad() { # check_bad VALUE WHAT PATTERN
  "$B/postconf" -c "$X" -e "transport_maps = $1" >/dev/null || fail "postconf"
  "$B/sluice" -c "$X" check >check.out 2>&1 && fail "sluice check accepted $2"
  grep -Eq "$3" check.out || { cat check.out; fail "sluice check: unclear error for $2"; }
}
check_bad "texthash:$X/missing" "a missing file" "transport_maps: texthash:$X/missing: .*No such file"
check_bad "bogus:$X/transport" "an unknown type" "transport_maps: bogus:$X/transport: .*bogus"
check_bad "regexp:$X/bad.re" "a bad regexp" "transport_maps: regexp:$X/bad.re: .*line 1"
check_bad "texthash:$X/huge" "a 10 MB line" "transport_maps: texthash:$X/huge: "
"$B/postconf" -c "$X" -e "transport_maps =" "relay_recipient_maps = hash:$X/missing" >/dev/null
"$B/sluice" -c "$X" check >check.out 2>&1 && fail "sluice check accepted a missing relay_recipient_maps"
grep -q "relay_recipient_maps: hash:$X/missing" check.out || { cat check.out; fail "relay_recipient_maps not named"; }
ok "sluice check names the parameter and the table for every bad table"

# ---- 10. bad tables at run time: deferred, never misrouted ------------------
# The running instance's table goes bad in each way; mail for dead.test
# must neither reach the relayhost nor crash a daemon.
qmgr_pid() { ps -o pid=,comm= --ppid "$(cat "$C/queue/pid/master.pid" 2>/dev/null | tr -d ' ')" 2>/dev/null |
  awk '$2 == "qmgr" { print $1 }'; }
qp=$(qmgr_pid)
n=0
for bad in missing huge regexp; do
  n=$((n + 1))
  case $bad in
    missing) mv "$C/transport" "$C/transport.good" ;;
    huge) cp "$X/huge" "$C/transport" ;;
    regexp) cp "$X/bad.re" "$C/transport.re"
            "$B/postconf" -c "$C" -e "transport_maps = regexp:$C/transport.re" >/dev/null ;;
  esac
  if [ "$bad" = regexp ]; then
    # main.cf changed: a reload is refused (sluice check fails), so let the
    # master start a new qmgr with it, as after a crash.
    "$B/sluice" -c "$C" reload >/dev/null 2>&1 && fail "reload accepted a bad regexp table"
    [ -n "$qp" ] || fail "no qmgr process found"
    kill "$qp"
    new_qmgr() { np=$(qmgr_pid); [ -n "$np" ] && [ "$np" != "$qp" ]; }
    wait_for 30 new_qmgr || fail "the master did not restart qmgr"
  fi
  sleep 1.2
  send "$C" s@example.org "b$n@dead.test"
  need_log "$C" "$ID: to=<b$n@dead\.test>, relay=none, $DELAYS, dsn=4\.3\.0, status=deferred \(address resolver failure\)" \
    "deferral with a $bad table"
  need_log "$C" "warning: transport_maps lookup failure" "lookup failure warning"
done
sleep 2
for i in 1 2 3; do
  rcpt_in "$WORK/sa" "b$i@dead.test" && fail "b$i@dead.test was misrouted to the relayhost"
  rcpt_in "$WORK/sb" "b$i@dead.test" && fail "b$i@dead.test was delivered with a bad table"
done
# (sluice-script's "fatal" is the refused reload.)
grep -v sluice-script "$C/log/maillog" | grep -Eq 'panic:|fatal:' &&
  { grep -E 'panic:|fatal:' "$C/log/maillog"; fail "a daemon died"; }
# The table repaired: the deferred mail goes where the table says.
printf 'dead.test smtp:[127.0.0.1]:%s\n' "$pb" > "$C/transport"
"$B/postconf" -c "$C" -e "transport_maps = texthash:$C/transport" >/dev/null
"$B/sluice" -c "$C" reload >/dev/null || fail "reload with the repaired table"
sleep 1
"$B/postqueue" -c "$C" -f >/dev/null 2>&1
for i in 1 2 3; do
  wait_for 40 rcpt_in "$WORK/sb" "b$i@dead.test" || fail "b$i@dead.test not delivered after the repair"
done
ok "a bad table defers (address resolver failure), no misroute, no crash; repaired, the mail goes out"

# ---- 11. expiry of mail routed to a dead host -------------------------------
"$B/postconf" -c "$C" -e "maximal_queue_lifetime = 0" >/dev/null
printf 'expire.test smtp:[127.0.0.1]:%s\n' "$dead" >> "$C/transport"
"$B/sluice" -c "$C" reload >/dev/null 2>&1 || fail "reload"
sleep 1.2
send "$C" old@example.org e@expire.test
need_log "$C" "$ID: to=<e@expire\.test>, relay=none, $DELAYS, dsn=4\.4\.1, status=deferred \(connect to 127\.0\.0\.1\[127\.0\.0\.1\]:$dead: Connection refused\)" \
  "dead host deferral"
need_log "$C" "$ID: from=<old@example\.org>, status=expired, returned to sender" "expiry"
wait_for 30 sh -c "grep -l '^To: old@example.org' $WORK/sa/*.eml" || fail "no expiry notice to the sender"
ok "mail routed by transport_maps to a dead host expires with a notice"
