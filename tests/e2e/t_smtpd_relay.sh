# smtpd relay control against the classic relay-abuse address forms: a client
# outside mynetworks (127.0.0.1 with mynetworks = 127.0.0.2/32) gets
# "454 4.7.1 <ADDR>: Relay access denied" from the default
# smtpd_relay_restrictions (defer_unauth_destination) and 554 5.7.1 with
# reject_unauth_destination, for every form that Postfix's trivial-rewrite
# resolves to a remote destination or leaves "routed"; relay_domains forms
# are accepted and relayed.
. "$(dirname "$0")/lib.sh"
for p in sluice smtpd master cleanup qmgr smtp postconf; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
sp=$(free_port); port=$(free_port)
start_sink "$sp" "$WORK/sink"
C=$WORK/inst
new_instance "$C" "$port"
# mydestination = localhost and inet_interfaces = 127.0.0.1 are this host's
# final destinations; myhostname (the default myorigin) is not one of them.
# The error limits are raised so that 25 refused RCPTs in one session
# neither sleep nor disconnect.
"$B/postconf" -c "$C" -e "relayhost = [127.0.0.1]:$sp" "mynetworks = 127.0.0.2/32" \
  "relay_domains = relay.example" "mydestination = localhost" \
  "myhostname = mx.example.net" "smtpd_soft_error_limit = 100" \
  "smtpd_hard_error_limit = 200" >/dev/null || fail "postconf -e"
"$B/sluice" -c "$C" start || fail "start"
INSTANCES="$C"
wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" ||
  fail "smtpd not listening"

# Each line: the address inside <> as sent | why Postfix refuses it.
cat > refused.txt <<'EOF'
user@remote.test|remote domain, not in relay_domains
USER@REMOTE.TEST|the same, case does not matter
user@remote.test.|one trailing dot is stripped: still remote
user%remote.test@localhost|localhost stripped, percent hack: user@remote.test
user%remote.test@relay.example|relay.example is not local, so % is never resolved: routed
remote.test!user@localhost|localhost stripped, bang path: user@remote.test
remote.test!user@relay.example|bang left in the local part of a relay domain: routed
"user@remote.test"@localhost|quoted local part cracked open (resolve_dequoted_address): user@remote.test
"user%remote.test"@localhost|unquoted it is user%remote.test@localhost: user@remote.test
@localhost:user@remote.test|source route dropped: user@remote.test
@relay.example,@localhost:user@remote.test|two-hop source route dropped: user@remote.test
user@remote.test@localhost|localhost stripped: user@remote.test
user@remote.test@relay.example|@ left in the local part of a relay domain: routed
"user@remote.test"@relay.example|the same in quotes: routed
user@[192.0.2.1]|address literal that is not ours
user%remote.test@[127.0.0.1]|our own literal stripped, percent hack: user@remote.test
remote.test!user|unqualified bang path: user@remote.test
user%remote.test|unqualified percent hack: user@remote.test
user@relay.example.evil.test|relay.example is a prefix, not the parent domain
user@evilrelay.example|no dot boundary before relay.example
"user@remote.test"|its internal form is user@remote.test
user@[IPv6:2001:db8::1]|IPv6 literal that is not ours
a.test!b.test!user@localhost|first ! is the site: b.test!user@a.test, remote and routed
user%remote.test%localhost@localhost|localhost stripped twice: user@remote.test
user|unqualified: user@$myorigin = user@mx.example.net, not a final destination
EOF
# Accepted: relay_domains (subdomains match), and tricks that Postfix
# resolves to a relay domain or to this host.
cat > accepted.txt <<'EOF'
user@relay.example|relay_domains
user@sub.relay.example|subdomain of a relay_domains entry (parent_domain_matches_subdomains)
USER@RELAY.EXAMPLE.|case-insensitive, one trailing dot stripped
"quoted local"@relay.example|quotes removed; no routing operator in "quoted local"
user%relay.example@localhost|localhost stripped, percent hack: user@relay.example
user@[127.0.0.1]|our own address literal is a final destination
EOF

# relay_check CODE DSN: one session, every form; the reply text shows the
# address as smtpd passed it on (source route dropped), or Postfix's
# internal (unquoted) form.
relay_check() {
  python3 - "$port" "$1" "$2" <<'PY'
import socket, sys
port, code, dsn = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.create_connection(("127.0.0.1", port), 10); s.settimeout(10)
f = s.makefile("rb")
def reply():
    while True:
        line = f.readline().decode("latin-1").rstrip("\r\n")
        if not line:
            raise SystemExit("EOF")
        if len(line) < 4 or line[3] != "-":
            return line
def cmd(c):
    s.sendall(c.encode("latin-1") + b"\r\n")
    return reply()
def shown(addr):
    if addr.startswith("@") and ":" in addr:
        addr = addr.split(":", 1)[1]
    return addr
bad = 0
assert reply().startswith("220")
assert cmd("EHLO t.example").startswith("250")
assert cmd("MAIL FROM:<x@example.org>").startswith("250")
for ln in open("refused.txt"):
    addr, why = ln.rstrip("\n").split("|", 1)
    r = cmd("RCPT TO:<%s>" % addr)
    ok = ["%s %s <%s>: Relay access denied" % (code, dsn, a)
          for a in (shown(addr), shown(addr).replace('"', ""))]
    if r not in ok:
        print("refused form <%s> (%s): got [%s], want [%s]" % (addr, why, r, ok[0])); bad += 1
for ln in open("accepted.txt"):
    addr, why = ln.rstrip("\n").split("|", 1)
    r = cmd("RCPT TO:<%s>" % addr)
    if r != "250 2.1.5 Ok":
        print("accepted form <%s> (%s): got [%s]" % (addr, why, r)); bad += 1
cmd("QUIT")
print("%d refused, %d accepted forms checked" % (sum(1 for _ in open("refused.txt")),
                                                 sum(1 for _ in open("accepted.txt"))))
sys.exit(1 if bad else 0)
PY
}

relay_check 454 4.7.1 || fail "defer_unauth_destination (default smtpd_relay_restrictions)"
[ "$(wc -l < refused.txt)" -ge 15 ] || fail "too few forms"
grep -qF "NOQUEUE: reject: RCPT from $CN[127.0.0.1]: 454 4.7.1 <user%remote.test@localhost>: Relay access denied; from=<x@example.org> to=<user%remote.test@localhost> proto=ESMTP helo=<t.example>" \
  "$C/log/maillog" || { grep reject "$C/log/maillog" | head -3; fail "reject log line"; }
ok "454 4.7.1 for every relay-abuse form, 250 for relay_domains"

# One relay_domains message really reaches the sink.
cat > relayed.chat <<'CHAT'
< 220
> EHLO t.example
< 250
> MAIL FROM:<x@example.org>
< 250
> RCPT TO:<user@sub.relay.example>
< 250 2.1.5 Ok
> RCPT TO:<user@remote.test>
< 454 4.7.1
> DATA
< 354
>raw b"Subject: relay domain\r\n\r\nfor a relay domain\r\n.\r\n"
< 250 2.0.0 Ok: queued as
> QUIT
< 221
CHAT
python3 "$SLUICE_ROOT/tests/e2e/smtpchat.py" "$port" relayed.chat >chat.out || { cat chat.out; fail "relay_domains message"; }
wait_for 20 sh -c "grep -l 'RCPT TO:<user@sub.relay.example>' $WORK/sink/*.env" ||
  { tail -20 "$C/log/maillog"; fail "relay_domains message did not reach the sink"; }
grep -q 'user@remote.test' "$WORK"/sink/*.env && fail "a refused recipient was relayed"
ok "relay_domains message relayed"

# reject_unauth_destination: the same forms get 554 5.7.1.
"$B/postconf" -c "$C" -e "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination" >/dev/null
"$B/sluice" -c "$C" reload >/dev/null 2>&1 || fail "reload"
n=0
until relay_check 554 5.7.1 >check554.out 2>&1; do
  n=$((n + 1)); [ $n -lt 20 ] || { cat check554.out; fail "reject_unauth_destination"; }
  sleep 0.5                            # the old smtpd may still be answering
done
ok "554 5.7.1 with reject_unauth_destination"
