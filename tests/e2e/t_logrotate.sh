# sluice logrotate, as Postfix 3.4's postfix logrotate: maillog_file is
# renamed with maillog_file_rotate_suffix and compressed with
# maillog_file_compressor while the system runs; the next lines go to a
# new maillog_file; empty settings and devices are refused.
. "$(dirname "$0")/lib.sh"
for p in sluice sendmail master pickup cleanup qmgr smtp; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
command -v gzip >/dev/null || skip "gzip not installed"
sp=$(free_port)
start_sink "$sp" "$WORK/sink"
relay_instance "$WORK/inst" "$sp"
log=$C/log/maillog
printf 'Subject: one\n\nx\n' | "$B/sendmail" -C "$C" -f a@example.org -i one@example.net || fail "sendmail 1"
wait_for 30 grep -q 'to=<one@example.net>.*status=sent' "$log" || fail "first message not delivered"
"$B/sluice" -c "$C" logrotate 2>err || { cat err; fail "logrotate exit $?"; }
[ -f "$log" ] && grep -q 'to=<one@example.net>' "$log" && fail "the old lines are still in maillog_file"
old=$(ls "$log".*.gz 2>/dev/null | head -1)
[ -n "$old" ] || { ls -l "$C/log"; fail "no compressed rotated file"; }
case $(basename "$old") in
  maillog.[0-9][0-9][0-9][0-9][0-1][0-9][0-3][0-9]-[0-2][0-9][0-5][0-9][0-6][0-9].gz) ;;
  *) fail "rotated name $(basename "$old") is not maillog.%Y%m%d-%H%M%S.gz" ;;
esac
gzip -dc "$old" | grep -q 'to=<one@example.net>.*status=sent' || fail "rotated file lost the old lines"
printf 'Subject: two\n\nx\n' | "$B/sendmail" -C "$C" -f a@example.org -i two@example.net || fail "sendmail 2"
wait_for 30 grep -q 'to=<two@example.net>.*status=sent' "$log" ||
  fail "after rotation the daemons do not write to the new maillog_file"
ok "logrotate renames, compresses, and logging continues in a new file"

"$B/postconf" -c "$C" -e "maillog_file_compressor =" >/dev/null
"$B/sluice" -c "$C" logrotate 2>err && fail "logrotate with an empty compressor succeeded"
grep -q "fatal: empty 'maillog_file_compressor' parameter value - logfile rotation failed" err ||
  { cat err; fail "empty parameter text"; }
"$B/postconf" -c "$C" -e "maillog_file_compressor = gzip" "maillog_file = /dev/stdout" >/dev/null
"$B/sluice" -c "$C" logrotate >/dev/null 2>err && fail "logrotate of a device succeeded"
grep -q "fatal: not rotating '/dev/stdout'" err || { cat err; fail "device text"; }
"$B/postconf" -c "$C" -e "maillog_file = $C/log/maillog" "maillog_file_compressor = false" >/dev/null
"$B/sluice" -c "$C" logrotate 2>err && fail "logrotate with a failing compressor succeeded"
grep -q "fatal: logfile '$C/log/maillog' rotation failed: " err || { cat err; fail "failure text"; }
ok "logrotate refuses empty settings and devices, and reports a failing compressor"

"$B/postconf" -c "$C" -e "syslog_facility = local9" >/dev/null
"$B/sluice" -c "$C" check 2>err && fail "check accepted syslog_facility = local9"
grep -q "parameter syslog_facility: unrecognized value: local9" err || { cat err; fail "syslog_facility text"; }
"$B/postconf" -c "$C" -e "syslog_facility = local3" >/dev/null
"$B/sluice" -c "$C" check 2>err || { cat err; fail "check refused syslog_facility = local3"; }
ok "syslog_facility names are checked"
