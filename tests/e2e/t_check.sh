# sluice check validates every value as the daemon that reads it will
# (util/pcheck): a bad enumeration, a misspelt restriction, a table that
# does not open, chroot y and a missing program in master.cf, a bad -o
# override are refused naming file, line and parameter; a misspelt
# parameter name is a warning with a hint. sluice reload (and a SIGHUP
# sent to the master directly) with such a configuration fails and leaves
# the old daemons serving: a client still gets its banner at once.
# sluice start refuses it too.
. "$(dirname "$0")/lib.sh"
for p in sluice master smtpd postconf; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
S="$B/sluice"
C=$WORK/inst
port=$(free_port)
new_instance "$C" "$port"
"$S" -c "$C" start || fail "start"
INSTANCES="$C"
wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" ||
  fail "smtpd not listening"
cp "$C/main.cf" main.cf.good
cp "$C/master.cf" master.cf.good
qd=$("$B/postconf" -c "$C" -h queue_directory)
master_pid=$(tr -d ' \n' < "$qd/pid/master.pid")

# banner: a new client gets "220 " within a second (a little margin for a
# loaded machine), from the smtpd that was there before.
banner() {
  python3 - "$port" <<'PY' || fail "no banner within a second after $1"
import socket, sys, time
t = time.monotonic()
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2)
s.settimeout(2)
line = s.makefile("rb").readline().decode()
took = time.monotonic() - t
s.close()
assert line.startswith("220 "), line
assert took < 1.2, took
PY
}

# refused WHAT EXPECTED: check and reload fail with EXPECTED on stderr,
# the master keeps running with its old configuration, the banner comes.
refused() {
  "$S" -c "$C" check >check.out 2>check.err && { cat check.err; fail "check accepted $1"; }
  grep -qF -- "$2" check.err || { cat check.err; fail "check: no \"$2\" for $1"; }
  grep -q "fatal: .* configuration error" check.err || { cat check.err; fail "check: no summary for $1"; }
  lines=$(grep -c 'reload -- version' "$C/log/maillog")
  "$S" -c "$C" reload >reload.out 2>reload.err && fail "reload accepted $1"
  grep -qF -- "$2" reload.err || { cat reload.err; fail "reload: no \"$2\" for $1"; }
  grep -q "refreshing" reload.err && fail "reload signalled the master for $1"
  sleep 0.3
  assert_eq "$lines" "$(grep -c 'reload -- version' "$C/log/maillog")" "reloads after refused $1"
  [ "$(tr -d ' \n' < "$qd/pid/master.pid")" = "$master_pid" ] || fail "master changed after $1"
  banner "$1"
  cp main.cf.good "$C/main.cf"
  cp master.cf.good "$C/master.cf"
  ok "refused: $1"
}
line_of() { grep -n -- "$1" "$2" | tail -1 | cut -d: -f1; }

# ---- main.cf ---------------------------------------------------------------
echo "smtpd_tls_security_level = mandatory" >> "$C/main.cf"
n=$(line_of smtpd_tls_security_level "$C/main.cf")
refused "smtpd_tls_security_level = mandatory" \
  "error: $C/main.cf, line $n: parameter smtpd_tls_security_level: invalid value: \"mandatory\" (expected none, may or encrypt)"

echo "smtpd_relay_restrictions = permit_mynetwork, reject_unauth_destination" >> "$C/main.cf"
n=$(line_of smtpd_relay_restrictions "$C/main.cf")
refused "a misspelt restriction" \
  "error: $C/main.cf, line $n: parameter smtpd_relay_restrictions: unknown restriction \"permit_mynetwork\" (did you mean \"permit_mynetworks\"?)"

echo "smtpd_sender_restrictions = check_sender_access" >> "$C/main.cf"
n=$(line_of smtpd_sender_restrictions "$C/main.cf")
refused "a restriction without its table" \
  "$C/main.cf, line $n: parameter smtpd_sender_restrictions: restriction \"check_sender_access\" needs an argument"

echo "transport_maps = hash:$WORK/missing" >> "$C/main.cf"
n=$(line_of transport_maps "$C/main.cf")
refused "a table that does not open" \
  "$C/main.cf, line $n: parameter transport_maps: transport_maps: hash:$WORK/missing:"

printf 'smtpd_tls_security_level = may\nsmtpd_tls_cert_file = %s/nocert.pem\n' "$WORK" >> "$C/main.cf"
n=$(line_of smtpd_tls_cert_file "$C/main.cf")
refused "an unreadable certificate" \
  "$C/main.cf, line $n: parameter smtpd_tls_cert_file: cannot read \"$WORK/nocert.pem\": No such file or directory"

# ---- master.cf -------------------------------------------------------------
sed -i "s/^\(127\.0\.0\.1:$port *inet *n *- *\)n/\1y/" "$C/master.cf"
n=$(line_of "^127.0.0.1:$port " "$C/master.cf")
grep -q "^127.0.0.1:$port *inet *n *- *y" "$C/master.cf" || fail "test set-up: chroot y"
refused "chroot y" \
  "error: $C/master.cf, line $n: service \"127.0.0.1:$port\": chroot is not supported"

echo "spare     unix  -       -       n       -       -       nosuchprog" >> "$C/master.cf"
n=$(line_of "^spare " "$C/master.cf")
refused "a missing program" \
  "error: $C/master.cf, line $n: service \"spare\": command \"nosuchprog\": $("$B/postconf" -c "$C" -h daemon_directory)/nosuchprog: No such file or directory"

sed -i "s/^\(127\.0\.0\.1:$port .*smtpd\)\$/\1 -o smtpd_tls_security_level=mandatory/" "$C/master.cf"
n=$(line_of "^127.0.0.1:$port " "$C/master.cf")
refused "a bad -o value" \
  "error: $C/master.cf, line $n: service \"127.0.0.1:$port\": parameter smtpd_tls_security_level: invalid value: \"mandatory\""

# ---- misspelt names: warnings, not errors ------------------------------------
echo "relyhost = [127.0.0.1]:25" >> "$C/main.cf"
sed -i "s/^\(127\.0\.0\.1:$port .*smtpd\)\$/\1 -o smtpd_tls_securty_level=may/" "$C/master.cf"
"$S" -c "$C" check 2>check.err || { cat check.err; fail "check refused a misspelt name"; }
n=$(line_of relyhost "$C/main.cf")
grep -qF "warning: $C/main.cf, line $n: unknown parameter \"relyhost\" (did you mean \"relayhost\"?)" check.err ||
  { cat check.err; fail "no hint for relyhost"; }
n=$(line_of "^127.0.0.1:$port " "$C/master.cf")
grep -qF "warning: $C/master.cf, line $n: service \"127.0.0.1:$port\": unknown parameter \"smtpd_tls_securty_level\" (did you mean \"smtpd_tls_security_level\"?)" check.err ||
  { cat check.err; fail "no hint for the -o name"; }
# A user-defined name that something references is no typo.
cp main.cf.good "$C/main.cf"; cp master.cf.good "$C/master.cf"
printf 'my_networks = 127.0.0.0/8\nmynetworks = $my_networks\n' >> "$C/main.cf"
"$S" -c "$C" check 2>check.err || { cat check.err; fail "check refused a user-defined name"; }
grep -q "unknown parameter" check.err && { cat check.err; fail "referenced name warned"; }
cp main.cf.good "$C/main.cf"
ok "misspelt names are warned with a hint"

# ---- a SIGHUP from elsewhere is refused the same way -------------------------
echo "smtpd_tls_security_level = mandatory" >> "$C/main.cf"
kill -HUP "$master_pid"
wait_for 10 grep -q "reload failed: configuration error" "$C/log/maillog" ||
  fail "master accepted a bad configuration on SIGHUP"
grep -q "error: $C/main.cf, line [0-9]*: parameter smtpd_tls_security_level: invalid value" "$C/log/maillog" ||
  fail "master's reload check did not log the reason"
banner "SIGHUP with a bad configuration"
cp main.cf.good "$C/main.cf"
ok "master refuses a bad configuration on SIGHUP"

# ---- the good configuration reloads; start refuses a bad one -----------------
"$S" -c "$C" reload 2>reload.err || { cat reload.err; fail "reload of the good configuration"; }
banner "a good reload"
"$S" -c "$C" stop >/dev/null 2>&1 || fail "stop"
echo "smtpd_relay_restrictions = permit_mynetwork, reject_unauth_destination" >> "$C/main.cf"
"$S" -c "$C" start 2>start.err && fail "start accepted a misspelt restriction"
grep -qF "unknown restriction \"permit_mynetwork\"" start.err || { cat start.err; fail "start: no reason"; }
"$S" -c "$C" status >/dev/null 2>&1 && fail "a master runs after a refused start"
ok "start refuses a bad configuration"
