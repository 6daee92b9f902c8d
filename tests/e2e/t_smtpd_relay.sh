# smtpd relay control against the classic relay-abuse address forms: a client
# outside mynetworks (127.0.0.1 with mynetworks = 127.0.0.2/32) gets
# "454 4.7.1 <ADDR>: Relay access denied" from the default
# smtpd_relay_restrictions (defer_unauth_destination) and 554 5.7.1 with
# reject_unauth_destination, for every form that Postfix's trivial-rewrite
# resolves to a remote destination or leaves "routed"; relay_domains forms
# are accepted and relayed. Odd forms (quoted source routes, address
# literals, empty labels) get Postfix's 454 or 501, and a source route
# without <> is dropped before the message is queued and relayed.
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

# More forms, each with the reply Postfix 3.7 gives (two replies are allowed
# where Postfix's answer depends on a step sluice takes differently but to
# the same effect). Each line: address inside <> | wanted reply prefixes
# separated by " or " | why.
cat > forms.txt <<'EOF'
user@[127.1]|501 5.1.3|not a valid address literal (no dotted quad): the resolver flags an error, smtpd answers 501
user@[0x7f.0.0.1]|501 5.1.3|the same
user@[IPv6:::ffff:127.0.0.1]|454 4.7.1|a v4-mapped IPv6 address is not our IPv4 address
user@[::1]|501 5.1.3|IPv6 literals need the IPv6: prefix: no valid literal
"user%remote.test"@relay.example|454 4.7.1|quotes removed: % in the local part of a relay domain, routed
"\"user%remote.test\""@localhost|454 4.7.1 or 501 5.1.3|nested quotes cracked open: remote, or a next hop with a quote that is no host name
"user\@remote.test"@localhost|454 4.7.1|escaped @: user@remote.test after localhost
user@relay.example...|501 5.1.3|only one trailing dot goes; relay.example.. is no host name
@relay.example:"user@remote.test"@localhost|454 4.7.1|real source route dropped, then the quoted @
user@relay.example|250 2.1.5|relay_domains
"a\"b"@relay.example|250 2.1.5|an escaped quote is no routing operator
user@[127.0.0.1].|250 2.1.5|our literal, one trailing dot
"@remote.test:user"@relay.example|454 4.7.1|quoted, so no source route is dropped; the address is routed (an @ before the last @)
"@a.test,@remote.test:user"@relay.example|454 4.7.1|the same with two hops
"@remote.test:user"@localhost|454 4.7.1 or 501 5.1.3|localhost stripped, then the route: user@$myorigin = user@mx.example.net, not local
user@.|501 5.1.3|the domain "." is kept (the trailing-dot rule skips "@.") and is no host name
user@|501 5.1.3|resolve_null_domain = no: the empty domain stays, no host name
user@relay.example@.|501 5.1.3|domain "." again; the relay domain in the local part is never looked at
user@relay.examp\"le|501 5.1.3|a quote in the domain: no host name
user@.relay.example|501 5.1.3|empty first label: no host name
user@[192.0.2.99].relay.example|501 5.1.3|no host name and no address literal
EOF
python3 - "$port" forms.txt > forms.out 2>&1 <<'PY' || { cat forms.out; fail "address forms differ from Postfix"; }
import socket, sys
port, path = int(sys.argv[1]), sys.argv[2]
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
bad = n = 0
assert reply().startswith("220")
assert cmd("EHLO t.example").startswith("250")
assert cmd("MAIL FROM:<x@example.org>").startswith("250")
for ln in open(path):
    addr, want, why = ln.rstrip("\n").split("|", 2)
    r = cmd("RCPT TO:<%s>" % addr)
    n += 1
    if not any(r.startswith(w) for w in want.split(" or ")):
        print("<%s>: got [%s], Postfix [%s]: %s" % (addr, r, want, why)); bad += 1
cmd("QUIT")
print("%d forms, %d differ" % (n, bad))
sys.exit(1 if bad else 0)
PY
[ "$(wc -l < forms.txt)" -ge 20 ] || fail "too few forms"
ok "$(tail -1 forms.out): quoted routes, odd literals and empty labels as Postfix"

# A source route without <> (strict_rfc821_envelopes = no): Postfix drops an
# unquoted "@...:" prefix with or without <> and queues user@relay.example,
# and that is what goes on the wire; no route (not even the quoted one
# refused above) ever reaches the next hop.
cat > bare.chat <<'CHAT'
< 220
> EHLO t.example
< 250
> MAIL FROM:<x@example.org>
< 250
> RCPT TO:@remote.test:user@relay.example
< 250 2.1.5 Ok
> DATA
< 354
>raw b"Subject: bare route\r\n\r\nroute\r\n.\r\n"
< 250 2.0.0 Ok: queued as
> QUIT
< 221
CHAT
python3 "$SLUICE_ROOT/tests/e2e/smtpchat.py" "$port" bare.chat >chat.out || { cat chat.out; fail "bare source route"; }
wait_for 20 sh -c "grep -qx 'RCPT TO:<user@relay.example>' $WORK/sink/*.env" ||
  { grep -h 'RCPT TO' "$WORK"/sink/*.env; fail "bare source route not relayed as <user@relay.example>"; }
grep -h 'RCPT TO' "$WORK"/sink/*.env | grep -F 'remote.test' && fail "a source route reached the wire"
ok "bare source route dropped before queueing; no route on the wire"

# reject_unauth_destination: the same forms get 554 5.7.1.
"$B/postconf" -c "$C" -e "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination" >/dev/null
"$B/sluice" -c "$C" reload >/dev/null 2>&1 || fail "reload"
n=0
until relay_check 554 5.7.1 >check554.out 2>&1; do
  n=$((n + 1)); [ $n -lt 20 ] || { cat check554.out; fail "reject_unauth_destination"; }
  sleep 0.5                            # the old smtpd may still be answering
done
ok "554 5.7.1 with reject_unauth_destination"
