# Review of smtpd relay control against Postfix 3.7, over real SMTP
# sessions (the companion of tests/unit/test_smtpd_check_review.c). The
# client 127.0.0.1 is outside mynetworks (127.0.0.2/32); relay_domains =
# relay.example, mydestination = localhost, myhostname = mx.example.net.
#
# Part 1: forms on which sluice already agrees with Postfix.
# Part 2: forms that sluice accepted (250) before the review fixes and Postfix refuses:
#  - 454 4.7.1 Relay access denied: a quoted local part that starts like a
#    source route (smtpd.c extract_addr drops only an unquoted "@...:"
#    prefix) becomes, in internal form, "@remote.test:user@relay.example";
#    resolve.c keeps the route and finds the address routed (an @ before
#    the last @), so it is no authorised destination. sluice's resolver
#    drops the route a second time. The smtp client then sends the route
#    unquoted, as Postfix's quote_822_local() would: the MX of the relay
#    domain gets RCPT TO:<@remote.test:user@relay.example>;
#  - 501 5.1.3 Bad recipient address syntax: smtpd.c extract_addr calls
#    smtpd_check_addr(), which fails when trivial-rewrite flags the resolved
#    domain as no valid host name or address literal (RESOLVE_FLAG_ERROR),
#    whoever the client is.
# Part 2 fails until smtpd is fixed; it also shows where the accepted mail
# goes (the relayhost sink) and what the smtp client sends there.
. "$(dirname "$0")/lib.sh"
for p in sluice smtpd master cleanup qmgr smtp postconf; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
sp=$(free_port); port=$(free_port)
start_sink "$sp" "$WORK/sink"
C=$WORK/inst
new_instance "$C" "$port"
"$B/postconf" -c "$C" -e "relayhost = [127.0.0.1]:$sp" "mynetworks = 127.0.0.2/32" \
  "relay_domains = relay.example" "mydestination = localhost" \
  "myhostname = mx.example.net" "smtpd_soft_error_limit = 100" \
  "smtpd_hard_error_limit = 200" "queue_run_delay = 1s" >/dev/null || fail "postconf -e"
"$B/sluice" -c "$C" start || fail "start"
INSTANCES="$C"
wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" ||
  fail "smtpd not listening"

# check FILE: one session; each line of FILE is "address inside <>|wanted
# reply prefixes separated by ' or '|why". Prints every mismatch.
check() {
  python3 - "$port" "$1" <<'PY'
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
}

cat > agree.txt <<'EOF'
user@[127.1]|501 5.1.3|resolve.c: not a valid_mailhost_literal (dotted quad) sets RESOLVE_FLAG_ERROR; smtpd answers 501
user@[0x7f.0.0.1]|501 5.1.3|the same
user@[IPv6:::ffff:127.0.0.1]|454 4.7.1|a v4-mapped IPv6 address is not our IPv4 address
user@[::1]|501 5.1.3|IPv6 literals need the IPv6: prefix: no valid literal
"user%remote.test"@relay.example|454 4.7.1|quotes removed: % in the local part of a relay domain, routed
"\"user%remote.test\""@localhost|454 4.7.1 or 501 5.1.3|nested quotes cracked open: remote (sluice: the next hop is remote.test" with a quote, no host name)
"user\@remote.test"@localhost|454 4.7.1|escaped @: user@remote.test after localhost
user@relay.example...|501 5.1.3|only one trailing dot goes; relay.example.. is no host name (RESOLVE_FLAG_ERROR)
@relay.example:"user@remote.test"@localhost|454 4.7.1|real source route dropped, then the quoted @
user@relay.example|250 2.1.5|relay_domains
"a\"b"@relay.example|250 2.1.5|an escaped quote is no routing operator
user@[127.0.0.1].|250 2.1.5|our literal, one trailing dot
EOF
check agree.txt > agree.out 2>&1 || { cat agree.out; fail "forms where sluice agreed with Postfix"; }
ok "$(tail -1 agree.out) (agreeing forms)"

cat > bugs.txt <<'EOF'
"@remote.test:user"@relay.example|454 4.7.1|quoted, so no source route; resolve.c: routed (@ before the last @)
"@a.test,@remote.test:user"@relay.example|454 4.7.1|the same with two hops
"@remote.test:user"@localhost|454 4.7.1 or 501 5.1.3|localhost stripped, then the route: user@$myorigin = user@mx.example.net, not local
user@.|501 5.1.3|domain "." is kept (trailing dot rule skips "@.") and is no host name
user@|501 5.1.3|resolve_null_domain = no: the empty domain stays, no host name
user@relay.example@.|501 5.1.3|domain "." again; the quoted relay domain is never looked at
user@relay.examp\"le|501 5.1.3|a quote in the domain: no host name (sluice unquotes twice)
user@.relay.example|501 5.1.3|empty first label: no host name
user@[192.0.2.99].relay.example|501 5.1.3|no host name and no address literal
EOF
check bugs.txt > bugs.out 2>&1 || bugs="forms that Postfix refuses are accepted;"
cat bugs.out

# send_one RCPT-ARGUMENT: one message to the relayhost sink; prints the
# RCPT TO line that the smtp client sent there.
n_env=0
send_one() {
  printf '< 220\n> EHLO t.example\n< 250\n> MAIL FROM:<x@example.org>\n< 250\n> RCPT TO:%s\n< 250\n> DATA\n< 354\n>raw b"Subject: review\\r\\n\\r\\nroute\\r\\n.\\r\\n"\n< 250\n> QUIT\n< 221\n' "$1" > one.chat
  python3 "$SLUICE_ROOT/tests/e2e/smtpchat.py" "$port" one.chat >chat.out 2>&1 || { cat chat.out; return 1; }
  n_env=$((n_env + 1))
  wait_for 20 sh -c "[ \$(ls $WORK/sink | grep -c '\\.env\$') -ge $n_env ]" || return 1
  grep -h 'RCPT TO' $(ls -t "$WORK"/sink/*.env | head -1)
}
# What the accepted quoted route turns into on the wire (informational:
# Postfix refuses it at RCPT, see above).
echo "quoted route relayed as: $(send_one '<"@remote.test:user"@relay.example>')"
# A source route without <> (strict_rfc821_envelopes = no): Postfix's
# extract_addr drops an unquoted "@...:" prefix in both forms and queues
# user@relay.example; smtpd_session.c parse_path() drops it only inside <>.
got=$(send_one '@remote.test:user@relay.example')
echo "bare route relayed as: $got"
[ "$got" = "RCPT TO:<user@relay.example>" ] ||
  bugs="$bugs a bare source route is queued and relayed as a route;"
[ -z "${bugs:-}" ] || fail "BUG: $bugs"
ok "forms that Postfix refuses, bare source route dropped"
