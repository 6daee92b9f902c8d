# make install PREFIX=... DESTDIR=...: a build for that PREFIX (the
# programs look in PREFIX/etc/sluice), commands in sbin, daemons in
# libexec/sluice, manual pages, the systemd unit and the logrotate
# snippet with PREFIX's paths, postdrop and postqueue set-group-ID
# postdrop (as root), and a configuration that a second install leaves
# alone. Uses a build directory of its own, so the tree under test is
# not rebuilt.
. "$(dirname "$0")/lib.sh"
command -v make >/dev/null || skip "make not installed"
P=/opt/sluice-t$$
D=$WORK/dest
make -C "$SLUICE_ROOT" -s install BUILD="$WORK/build" PREFIX="$P" DESTDIR="$D" \
  LOGROTATEDIR=/etc/logrotate.d >make.out 2>&1 || { tail -30 make.out; fail "make install"; }
for c in sluice sendmail postdrop postqueue postsuper postcat postconf; do
  [ -x "$D$P/sbin/$c" ] || fail "sbin/$c not installed"
done
[ -L "$D$P/sbin/mailq" ] || fail "sbin/mailq is not a link to sendmail"
for d in master pickup cleanup qmgr smtp smtpd flush bounce showq metrics; do
  [ -x "$D$P/libexec/sluice/$d" ] || fail "libexec/sluice/$d not installed"
done
assert_eq "$P/etc/sluice" "$("$D$P/sbin/postconf" -d -h config_directory)" "compiled-in config_directory"
assert_eq "$P/libexec/sluice" "$("$D$P/sbin/postconf" -d -h daemon_directory)" "compiled-in daemon_directory"
[ -f "$D$P/etc/sluice/main.cf" ] && [ -f "$D$P/etc/sluice/master.cf" ] || fail "sample configuration"
for page in man1/postqueue.1 man1/mailq.1 man5/postconf.5 man5/master.5 man8/qmgr.8; do
  [ -f "$D$P/share/man/$page" ] || fail "manual page $page"
done
unit=$D$P/lib/systemd/system/sluice.service
grep -qx "ExecStart=$P/sbin/sluice -c $P/etc/sluice start" "$unit" || { cat "$unit"; fail "unit ExecStart"; }
grep -qx "ExecReload=$P/sbin/sluice -c $P/etc/sluice reload" "$unit" || fail "unit ExecReload"
grep -qx "PIDFile=/var/spool/sluice/pid/master.pid" "$unit" || fail "unit PIDFile"
if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify "$unit" >sa.out 2>&1 || grep -q 'not executable\|No such file' sa.out ||
    { cat sa.out; fail "systemd-analyze verify"; }
fi
grep -q 'create 0600 ' "$D/etc/logrotate.d/sluice" || fail "logrotate snippet"
if [ "$(id -u)" = 0 ]; then
  for c in postdrop postqueue; do
    assert_eq "2755 postdrop" "$(stat -c '%a %G' "$D$P/sbin/$c")" "$c mode and group"
  done
fi
ok "make install puts a PREFIX build, manuals, unit and snippet in place"

echo "# mine" >> "$D$P/etc/sluice/main.cf"
sum=$(md5sum < "$D$P/etc/sluice/main.cf")
make -C "$SLUICE_ROOT" -s install BUILD="$WORK/build" PREFIX="$P" DESTDIR="$D" \
  LOGROTATEDIR=/etc/logrotate.d >make2.out 2>&1 || { tail -30 make2.out; fail "second make install"; }
assert_eq "$sum" "$(md5sum < "$D$P/etc/sluice/main.cf")" "main.cf after a second install"
ok "a second install keeps the configuration"

# The installed programs run an instance and relay a message (the daemon
# directory is under DESTDIR here, so the instance names it).
sp=$(free_port)
start_sink "$sp" "$WORK/sink"
I=$WORK/inst
"$D$P/sbin/sluice" init "$I" "$(free_port)" >/dev/null || fail "installed sluice init"
"$D$P/sbin/postconf" -c "$I" -e "daemon_directory = $D$P/libexec/sluice" \
  "command_directory = $D$P/sbin" "relayhost = [127.0.0.1]:$sp" >/dev/null || fail "postconf"
"$D$P/sbin/sluice" -c "$I" start >/dev/null || { tail "$I/log/maillog"; fail "installed sluice start"; }
INSTANCES="${INSTANCES:-} $I"
printf 'Subject: installed\n\nx\n' | "$D$P/sbin/sendmail" -C "$I" -f a@example.org -i b@example.net ||
  fail "installed sendmail"
wait_for 30 sh -c "ls '$WORK/sink' | grep -q '\.env\$'" || { tail -20 "$I/log/maillog"; fail "not relayed"; }
grep -q "libexec/sluice/smtp\|postfix/smtp\[" "$I/log/maillog" || fail "no smtp log line"
if command -v man >/dev/null; then
  for page in "$D$P"/share/man/man1/postsuper.1 "$D$P"/share/man/man8/smtpd.8 "$D$P"/share/man/man5/postconf.5; do
    MANWIDTH=80 man -l "$page" 2>/dev/null | grep -q 'SYNOPSIS' || fail "man -l $page"
  done
fi
ok "the installed tree starts an instance and relays a message"
