# smtpd client names (smtpd_peername_lookup) against a real dnsmasq: a PTR
# name that resolves back is logged and used in Received:; a PTR name that
# does not resolve to the client gives Postfix's warning and unknown[ADDR];
# no PTR gives unknown[ADDR]; smtpd_peername_lookup = no skips the lookup.
. "$(dirname "$0")/lib.sh"
for p in sluice smtpd master cleanup qmgr smtp postconf; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
DNSMASQ=$(command -v dnsmasq || { [ -x /usr/sbin/dnsmasq ] && echo /usr/sbin/dnsmasq; })
[ -n "$DNSMASQ" ] || skip "dnsmasq not installed"
python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.5", 0)); s.close()' 2>/dev/null ||
  skip "no 127.0.0.5 on the loopback interface"
for a in 127.0.0.5 127.0.0.6 127.0.0.7; do
  grep -q "^$a[[:space:]]" /etc/hosts && skip "$a is in /etc/hosts"
done

dp=$(free_port)
"$DNSMASQ" --no-daemon --conf-file=/dev/null --pid-file= --port="$dp" \
  --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts \
  --local=/test/ --local=/127.in-addr.arpa/ \
  --host-record=client5.test,127.0.0.5 \
  --ptr-record=6.0.0.127.in-addr.arpa,liar.test --host-record=liar.test,127.0.0.9 \
  2>"$WORK/dnsmasq.err" &
remember $!
wait_for 10 python3 -c "
import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.5)
q = b'\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07client5\x04test\x00\x00\x01\x00\x01'
s.sendto(q, ('127.0.0.1', $dp)); s.recv(512)" || { cat "$WORK/dnsmasq.err"; fail "dnsmasq not answering"; }

sp=$(free_port); port=$(free_port)
start_sink "$sp" "$WORK/sink"
C=$WORK/inst
"$B/sluice" init "$C" "$port" >/dev/null || fail "init"
"$B/postconf" -c "$C" -e "relayhost = [127.0.0.1]:$sp" "myhostname = relay.example.com" \
  "dns_servers = 127.0.0.1:$dp" "mynetworks = 127.0.0.0/8" >/dev/null
"$B/sluice" -c "$C" start || fail "start"
INSTANCES="$C"
LOG=$C/log/maillog
wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" || fail "smtpd not listening"

# send FROM_ADDR RCPT: one message over SMTP from source address FROM_ADDR.
send() {
  python3 - "$port" "$1" "$2" <<'PY' || fail "SMTP from $2"
import socket, sys
port, src, rcpt = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.create_connection(("127.0.0.1", port), 20, source_address=(src, 0))
f = s.makefile("rb")
def reply():
    while True:
        l = f.readline()
        assert l, "closed"
        if l[3:4] != b"-":
            return l
assert reply().startswith(b"220")
for cmd, want in ((b"HELO c.example", b"250"), (b"MAIL FROM:<a@c.example>", b"250"),
                  (b"RCPT TO:<%s>" % rcpt.encode(), b"250"), (b"DATA", b"354"),
                  (b"Subject: peer\r\n\r\nhi\r\n.", b"250"), (b"QUIT", b"221")):
    s.sendall(cmd + b"\r\n")
    r = reply()
    assert r.startswith(want), (cmd, r)
PY
}

send 127.0.0.5 five@remote.example
grep -q 'connect from client5.test\[127.0.0.5\]$' "$LOG" || { grep 127.0.0.5 "$LOG"; fail "verified name not logged"; }
wait_for 20 sh -c "grep -l 'five@remote.example' $WORK/sink/*.env" || fail "message from 127.0.0.5 not relayed"
m=$(grep -l 'five@remote.example' "$WORK"/sink/*.env)
grep -q '^Received: from c.example (client5.test \[127.0.0.5\])' "${m%.env}.eml" || { cat "${m%.env}.eml"; fail "Received: header"; }
ok "a PTR name that resolves back is the client name"

send 127.0.0.6 six@remote.example
grep -q 'warning: hostname liar.test does not resolve to address 127.0.0.6$' "$LOG" || { grep 127.0.0.6 "$LOG"; fail "no forward-confirmation warning"; }
grep -q 'connect from unknown\[127.0.0.6\]$' "$LOG" || fail "unverified name used"
ok "a PTR name that does not resolve back gives unknown"

send 127.0.0.7 seven@remote.example
grep -q 'connect from unknown\[127.0.0.7\]$' "$LOG" || { grep 127.0.0.7 "$LOG"; fail "no PTR: unknown expected"; }
ok "no PTR record gives unknown"

"$B/postconf" -c "$C" -e "smtpd_peername_lookup = no" >/dev/null
"$B/sluice" -c "$C" reload >/dev/null 2>&1; sleep 1
send 127.0.0.5 five2@remote.example
[ "$(grep -c 'connect from unknown\[127.0.0.5\]$' "$LOG")" = 1 ] || fail "smtpd_peername_lookup = no still looked up"
ok "smtpd_peername_lookup = no"
