# relay_recipient_maps (gateway): smtpd relays known recipients of
# relay_domains to relay_transport and refuses unknown ones with
# Postfix's "550 5.1.1 <addr>: Recipient address rejected: User unknown in
# relay recipient table" and its NOQUEUE log line; @domain entries accept a
# whole domain; an extension is stripped (recipient_delimiter); when the
# table cannot be read the answer is 451 4.3.0 Temporary lookup failure,
# never an accept.
. "$(dirname "$0")/lib.sh"
for p in sluice postconf master cleanup qmgr smtp smtpd; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
command -v swaks >/dev/null || skip "swaks not installed"

rcpt_in() { grep -qF "RCPT TO:<$2>" "$1"/*.env 2>/dev/null; }

sp=$(free_port); port=$(free_port)
start_sink "$sp" "$WORK/sink"
C=$WORK/inst
new_instance "$C" "$port"
cat > "$C/relay_recipients" <<'EOF'
known@gw.example    OK
@open.example       OK
EOF
# Clients come from 127.0.0.1, outside mynetworks: only relay_domains pass.
"$B/postconf" -c "$C" -e "mynetworks = 127.0.0.2/32" \
  "relay_domains = gw.example, open.example" "recipient_delimiter = +" \
  "relay_recipient_maps = texthash:$C/relay_recipients" \
  "relay_transport = relay:[127.0.0.1]:$sp" \
  "myhostname = mx.example.net" >/dev/null || fail "postconf -e"
"$B/sluice" -c "$C" start || fail "start"
INSTANCES="$C"
wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" ||
  fail "smtpd not listening"

# ---- 1. known recipients are relayed --------------------------------------
for r in known@gw.example known+ext@gw.example anyone@open.example; do
  swaks -s "127.0.0.1:$port" -h client.test -f s@sender.test -t "$r" >swaks.out 2>&1 ||
    { cat swaks.out; fail "swaks to $r refused"; }
  wait_for 30 rcpt_in "$WORK/sink" "$r" || fail "$r was not relayed"
done
need_log "$C" "[0-9A-F]+: to=<known@gw\.example>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$sp" \
  "relay transport delivery"
ok "known recipients (address, address+extension, @domain) are relayed"

# ---- 2. unknown recipients are refused -------------------------------------
swaks -s "127.0.0.1:$port" -h client.test -f s@sender.test -t stranger@gw.example >swaks.out 2>&1
grep -q '<\*\* 550 5.1.1 <stranger@gw.example>: Recipient address rejected: User unknown in relay recipient table' swaks.out ||
  { cat swaks.out; fail "unknown recipient not refused with Postfix's text"; }
need_log "$C" "NOQUEUE: reject: RCPT from localhost\[127\.0\.0\.1\]: 550 5\.1\.1 <stranger@gw\.example>: Recipient address rejected: User unknown in relay recipient table; from=<s@sender\.test> to=<stranger@gw\.example> proto=ESMTP helo=<client\.test>" \
  "reject log line"
# Not a relay domain: relay access is refused first, as Postfix does.
swaks -s "127.0.0.1:$port" -h client.test -f s@sender.test -t x@elsewhere.test >swaks.out 2>&1
grep -q '<\*\* 454 4.7.1 <x@elsewhere.test>: Relay access denied' swaks.out ||
  { cat swaks.out; fail "relay access not denied first"; }
ok "unknown relay recipients get 550 5.1.1 ... User unknown in relay recipient table"

# ---- 3. a table that cannot be read: 451, never accepted -------------------
sleep 1.2
mv "$C/relay_recipients" "$C/relay_recipients.gone"
sleep 1.2
swaks -s "127.0.0.1:$port" -h client.test -f s@sender.test -t known@gw.example >swaks.out 2>&1
grep -q '<\*\* 451 4.3.0 <known@gw.example>: Temporary lookup failure' swaks.out ||
  { cat swaks.out; fail "lookup error not answered 451 4.3.0"; }
need_log "$C" "NOQUEUE: reject: RCPT from localhost\[127\.0\.0\.1\]: 451 4\.3\.0 <known@gw\.example>: Temporary lookup failure;" \
  "lookup failure log line"
"$B/sluice" -c "$C" check >check.out 2>&1 && fail "sluice check accepted the missing table"
grep -q "relay_recipient_maps: texthash:$C/relay_recipients" check.out || { cat check.out; fail "check output"; }
mv "$C/relay_recipients.gone" "$C/relay_recipients"
sleep 1.2
swaks -s "127.0.0.1:$port" -h client.test -f s@sender.test -t known@gw.example >swaks.out 2>&1 ||
  { cat swaks.out; fail "the restored table is not used"; }
ok "an unreadable relay_recipient_maps answers 451 4.3.0 Temporary lookup failure"
