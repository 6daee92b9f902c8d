# sluice control command: init (files, modes, port, no overwrite), check
# (creates missing directories, names file and line of a bad value),
# start/status/stop with their exit codes, double start, the pid file, a
# failed start, and two instances side by side.
. "$(dirname "$0")/lib.sh"
for p in sluice master; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
# Run as root, the daemons drop to mail_owner and must reach the queue.
chmod 755 "$WORK"
S="$B/sluice"
ROOT=${SLUICE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BINDIR=$(cd "$B" && pwd -P)
A="$WORK/a"
BI="$WORK/b"
INSTANCES="$A $BI"

mode() { stat -c %a "$1"; }
# alive PID: the process exists and is not a zombie awaiting its reaper.
alive() { [ -n "$(ps -o stat= -p "$1" 2>/dev/null | grep -v '^Z')" ]; }
children_of() { ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' '; }
listening() { python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), 1)"; }

# ---- init ----------------------------------------------------------------
pa=$(free_port)
"$S" init "$A" "$pa" >init.out 2>init.err || { cat init.err; fail "sluice init exit $?"; }
for f in main.cf master.cf; do [ -f "$A/$f" ] || fail "init did not write $f"; done
[ -d "$A/log" ] || fail "init did not create log/"
for line in "queue_directory = $A/queue" "maillog_file = $A/log/maillog" \
    "inet_interfaces = 127.0.0.1" "mydestination =" "mynetworks = 127.0.0.0/8" \
    "daemon_directory = $BINDIR" "command_directory = $BINDIR"; do
  grep -qxF "$line" "$A/main.cf" || fail "main.cf lacks \"$line\""
done
# The instance's parent is a log prefix: its own log and a WORK/maillog
# next to a WORK/conf instance (the side-by-side bench layout) are both allowed.
grep -qxF "maillog_file_prefixes = /var, /dev/stdout, $(dirname "$A")" "$A/main.cf" ||
  fail "maillog_file_prefixes does not admit $(dirname "$A")"
if [ "$(id -u)" != 0 ]; then
  grep -qxF "mail_owner = $(id -un)" "$A/main.cf" || fail "mail_owner is not the invoking user"
fi
grep -Eq "^127\.0\.0\.1:$pa +inet +n +- +n +- +- +smtpd\$" "$A/master.cf" ||
  { cat "$A/master.cf"; fail "master.cf has no smtpd on 127.0.0.1:$pa"; }
# The defaults are conf/main.cf and conf/master.cf (what make install installs).
n=$(wc -c < "$ROOT/conf/main.cf")
head -c "$n" "$A/main.cf" | cmp -s - "$ROOT/conf/main.cf" || fail "main.cf does not start with conf/main.cf"
sed "s/^smtp      inet .*/127.0.0.1:$pa inet  n       -       n       -       -       smtpd/" \
  "$ROOT/conf/master.cf" | cmp -s - "$A/master.cf" || fail "master.cf differs from conf/master.cf"
for d in incoming active deferred hold corrupt saved defer bounce trace flush private; do
  assert_eq 700 "$(mode "$A/queue/$d")" "mode of queue/$d"
done
assert_eq 1730 "$(mode "$A/queue/maildrop")" "mode of queue/maildrop (sticky, as Debian's Postfix)"
assert_eq 710 "$(mode "$A/queue/public")" "mode of queue/public"
assert_eq 755 "$(mode "$A/queue/pid")" "mode of queue/pid"
ok "init writes main.cf, master.cf (port $pa), log/ and the queue with Postfix's modes"

"$S" init "$WORK/dflt" >/dev/null 2>&1 || fail "init without a port"
grep -Eq '^127\.0\.0\.1:2525 +inet ' "$WORK/dflt/master.cf" || fail "default port is not 2525"

echo "# mine" >> "$A/main.cf"
sum=$(md5sum < "$A/main.cf")
"$S" init "$A" "$pa" >/dev/null 2>err && fail "init over an existing instance succeeded"
grep -q "main.cf already exists" err || { cat err; fail "no clear refusal message"; }
assert_eq "$sum" "$(md5sum < "$A/main.cf")" "main.cf after a refused init"
ok "init refuses to overwrite an existing main.cf"

# As root, the daemons' account is never a shared one chosen silently.
if [ "$(id -u)" = 0 ]; then
  "$S" init --mail-owner no-such-user-x "$WORK/o1" >/dev/null 2>err &&
    fail "init with a missing --mail-owner succeeded"
  grep -q 'user "no-such-user-x" does not exist' err || { cat err; fail "no reason for a missing owner"; }
  [ -f "$WORK/o1/main.cf" ] && fail "a refused init wrote main.cf"
  "$S" init --mail-owner root "$WORK/o2" >/dev/null 2>err && fail "init with mail_owner root succeeded"
  grep -q 'has user ID 0' err || { cat err; fail "no reason for mail_owner root"; }
  "$S" init --mail-owner sluice "$WORK/o3" >/dev/null 2>err || { cat err; fail "init --mail-owner sluice"; }
  grep -qx 'mail_owner = sluice' "$WORK/o3/main.cf" || fail "--mail-owner not written to main.cf"
  ok "root init names a missing mail_owner, refuses uid 0, honours --mail-owner"
fi

# ---- check ---------------------------------------------------------------
rm -rf "$A/queue/maildrop" "$A/queue/deferred" "$A/queue/public"
"$S" -c "$A" check 2>err || { cat err; fail "check exit $?"; }
assert_eq 1730 "$(mode "$A/queue/maildrop")" "mode of re-created maildrop"
assert_eq 700 "$(mode "$A/queue/deferred")" "mode of re-created deferred"
assert_eq 710 "$(mode "$A/queue/public")" "mode of re-created public"
ok "check re-creates missing queue directories"

chmod 0730 "$A/queue/maildrop"
"$S" -c "$A" check 2>err || { cat err; fail "check with maildrop 0730"; }
assert_eq 1730 "$(mode "$A/queue/maildrop")" "mode of maildrop after check"
grep -q "bad permissions: $A/queue/maildrop had mode 0730; set to 1730" err ||
  { cat err; fail "no warning for the fixed maildrop mode"; }
ok "check fixes the mode of a queue directory it owns (maildrop 0730 -> 1730), with a warning"

# As root, what looks planted is refused, with the path, what was expected
# and what was found; nothing is given away.
if [ "$(id -u)" = 0 ]; then
  owner=$(stat -c %U "$A/queue/incoming")
  [ "$owner" != root ] || fail "queue directories are owned by root"
  mv "$A/queue/deferred" "$A/queue/deferred.real"
  ln -s /etc "$A/queue/deferred"
  etc_before=$(stat -c '%U:%G %a' /etc)
  "$S" -c "$A" check 2>err && fail "check accepted queue/deferred -> /etc"
  grep -q "fatal: $A/queue/deferred is a symbolic link to /etc; expected a directory owned by $owner:.*, mode 0700" err ||
    { cat err; fail "no clear refusal of a symlinked queue directory"; }
  "$S" -c "$A" start 2>err && fail "start with queue/deferred -> /etc succeeded"
  "$S" -c "$A" set-permissions 2>err && fail "set-permissions with queue/deferred -> /etc succeeded"
  assert_eq "$etc_before" "$(stat -c '%U:%G %a' /etc)" "/etc after check, start and set-permissions"
  rm "$A/queue/deferred"; mv "$A/queue/deferred.real" "$A/queue/deferred"
  ok "check, start and set-permissions refuse a symlink in place of a queue directory; /etc untouched"

  chown nobody "$A/queue/hold"
  "$S" -c "$A" check 2>err && fail "check accepted hold owned by nobody"
  grep -q "fatal: $A/queue/hold is a directory owned by nobody:.*, mode 0700; expected a directory owned by $owner:" err ||
    { cat err; fail "no clear refusal of a foreign-owned queue directory"; }
  assert_eq nobody "$(stat -c %U "$A/queue/hold")" "owner of hold after a refused check"
  chown "$owner" "$A/queue/pid"
  "$S" -c "$A" start 2>err && fail "start with pid/ owned by $owner succeeded"
  grep -q "fatal: $A/queue/hold is a directory owned by nobody" err || { cat err; fail "start: no reason"; }
  chown "$owner" "$A/queue/hold"
  chown root "$A/queue/pid"
  ok "check and start refuse a queue directory owned by someone else"

  chown "$owner" "$A/queue/pid"
  "$S" -c "$A" check 2>err && fail "check accepted pid/ owned by $owner"
  grep -q "fatal: $A/queue/pid is a directory owned by $owner:.*; expected a directory owned by root:root, mode 0755" err ||
    { cat err; fail "no clear refusal of pid/ owned by mail_owner"; }
  chown root "$A/queue/pid"

  chmod g+w "$A/queue"
  "$S" -c "$A" check 2>err && fail "check accepted a group-writable queue_directory"
  grep -q "fatal: queue_directory $A/queue is a directory owned by root:.*, mode 0775; expected a directory owned by root and not writable by group or others" err ||
    { cat err; fail "no clear refusal of a group-writable queue_directory"; }
  chmod g-w "$A/queue"
  ok "check refuses pid/ owned by mail_owner and a group-writable queue_directory"

  # set-permissions: what check refuses, it gives to its owner; queue
  # contents to mail_owner (links and multiply linked files skipped);
  # postdrop/postqueue group setgid_group, mode 2755, via descriptors.
  mkdir -p "$WORK/cmd" "$A/queue/deferred/A"
  cp "$B/postqueue" "$WORK/cmd/postqueue"; chmod 755 "$WORK/cmd/postqueue"
  touch "$A/queue/deferred/A/A1B2C3" "$WORK/rootfile"; chmod 600 "$WORK/rootfile"
  ln -s "$WORK/rootfile" "$A/queue/deferred/A/lnk"
  ln "$WORK/rootfile" "$A/queue/deferred/A/hard"
  cp "$A/main.cf" main.cf.keep
  chown nobody "$A/queue/hold"
  echo "command_directory = $WORK/cmd" >> "$A/main.cf"
  "$S" -c "$A" set-permissions 2>err || { cat err; fail "set-permissions exit $?"; }
  assert_eq "$owner" "$(stat -c %U "$A/queue/hold")" "owner of hold after set-permissions"
  assert_eq "$owner" "$(stat -c %U "$A/queue/deferred/A/A1B2C3")" "owner of a queue file"
  assert_eq "$owner" "$(stat -c %U "$A/queue/deferred/A")" "owner of a hash directory"
  assert_eq "root 600" "$(stat -c '%U %a' "$WORK/rootfile")" "file behind a link and a hard link"
  grep -q "deferred/A/lnk is a symbolic link; skipped" err || { cat err; fail "no warning for the link"; }
  grep -q "deferred/A/hard has 2 hard links" err || { cat err; fail "no warning for the hard link"; }
  grep -q "warning: $WORK/cmd/postdrop does not exist" err || { cat err; fail "no warning for a missing postdrop"; }
  assert_eq "root postdrop 2755" "$(stat -c '%U %G %a' "$WORK/cmd/postqueue")" "postqueue after set-permissions"
  rm "$WORK/cmd/postqueue"; ln -s "$WORK/rootfile" "$WORK/cmd/postqueue"
  "$S" -c "$A" set-permissions 2>err || { cat err; fail "set-permissions with a linked postqueue"; }
  grep -q "$WORK/cmd/postqueue is a symbolic link" err || { cat err; fail "no warning for a linked postqueue"; }
  assert_eq "root root 600" "$(stat -c '%U %G %a' "$WORK/rootfile")" "file behind the postqueue link"
  rm -rf "$A/queue/deferred/A"
  cp main.cf.keep "$A/main.cf"
  "$S" -c "$A" check 2>err || { cat err; fail "check after set-permissions"; }
  ok "set-permissions gives queue directories and files to $owner and makes postqueue setgid; links untouched"
fi

cp "$A/main.cf" main.cf.good
echo "minimal_backoff_time = abc" >> "$A/main.cf"
line=$(wc -l < "$A/main.cf")
"$S" -c "$A" check 2>err && fail "check accepted minimal_backoff_time = abc"
grep -q "main.cf, line $line: .*minimal_backoff_time" err || { cat err; fail "error does not name file+line"; }
"$S" -c "$A" start 2>err && fail "start with a bad main.cf succeeded"
cp main.cf.good "$A/main.cf"

cp "$A/master.cf" master.cf.good
echo "broken  unix  -" >> "$A/master.cf"
line=$(wc -l < "$A/master.cf")
"$S" -c "$A" check 2>err && fail "check accepted a broken master.cf"
grep -q "master.cf, line $line" err || { cat err; fail "master.cf error does not name file+line"; }
cp master.cf.good "$A/master.cf"
ok "check reports bad main.cf / master.cf lines with file and line, non-zero exit"

# ---- start / status / stop ------------------------------------------------
"$S" -c "$A" status >/dev/null 2>err && fail "status before start exited 0"
grep -q "the sluice mail system is not running" err || { cat err; fail "status message"; }
"$S" -c "$A" stop 2>err && fail "stop while stopped exited 0"
grep -q "is not running" err || { cat err; fail "stop message when not running"; }

"$S" -c "$A" start 2>err || { cat err; tail "$A/log/maillog"; fail "start exit $?"; }
grep -q "starting the sluice mail system" err || fail "no starting message"
"$S" -c "$A" status 2>err || fail "status after start exited non-zero"
pid=$(sed -n 's/.*is running: PID: \([0-9][0-9]*\)$/\1/p' err)
[ -n "$pid" ] || { cat err; fail "status did not print the PID"; }
# pid file: the pid right-aligned in 32 characters, then a newline.
assert_eq "$(printf '%32s\n' "$pid" | od -c)" "$(od -c < "$A/queue/pid/master.pid")" "pid file format"
kill -0 "$pid" 2>/dev/null || fail "pid $pid is not alive"
tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q '^master ' || fail "pid $pid is not the master"
grep -q "master\[$pid\]: daemon started -- version [0-9.]*, configuration $A\$" "$A/log/maillog" ||
  { cat "$A/log/maillog"; fail "no daemon started line"; }
[ -S "$A/queue/public/qmgr" ] || [ ! -x "$B/qmgr" ] || fail "no public/qmgr socket"
if [ -x "$B/smtpd" ]; then
  wait_for 5 listening "$pa" || fail "nothing listens on 127.0.0.1:$pa"
fi
kids=$(children_of "$pid")
[ -n "$kids" ] || fail "the master started no children"
ok "start: status 0 with PID $pid, pid file, log line, endpoints, children"

"$S" -c "$A" start 2>err && fail "second start exited 0"
grep -q "fatal: the sluice mail system is already running" err || { cat err; fail "double start message"; }
"$S" -c "$A" status 2>err || fail "status after double start"
grep -q "PID: $pid\$" err || fail "the first master was replaced"
ok "double start refused"

if [ -x "$B/qmgr" ]; then
  "$S" -c "$A" flush 2>err || { cat err; fail "flush while running exit $?"; }
  ok "flush reaches qmgr"
fi

"$S" -c "$A" stop 2>err || { cat err; fail "stop exit $?"; }
grep -q "stopping the sluice mail system" err || fail "no stopping message"
alive "$pid" && fail "master $pid still alive after stop returned"
for k in $kids; do alive "$k" && fail "child $k still alive after stop"; done
[ -e "$A/queue/pid/master.pid" ] && fail "pid file left behind"
grep -q "master\[$pid\]: terminating on signal 15" "$A/log/maillog" || fail "no terminating line"
"$S" -c "$A" status >/dev/null 2>&1 && fail "status after stop exited 0"
"$S" -c "$A" flush 2>/dev/null && fail "flush while stopped exited 0"
ok "stop waits for the master and its children; status 1 afterwards"

# ---- a start that cannot work fails with the reason ------------------------
if [ -x "$B/smtpd" ]; then
  pc=$(free_port)
  python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $pc)); s.listen(1); time.sleep(60)" &
blocker=$!; remember $blocker
wait_for 5 listening "$pc" || fail "blocker did not listen"
  "$S" init "$WORK/c" "$pc" >/dev/null 2>&1 || fail "init c"
  "$S" -c "$WORK/c" start 2>err && fail "start on a busy port exited 0"
  grep -q "127.0.0.1:$pc.*Address already in use" err || { cat err; fail "no reason for the failed start"; }
  "$S" -c "$WORK/c" status >/dev/null 2>&1 && fail "status 0 after a failed start"
  kill "$blocker"
  ok "start on a busy port fails with the reason"
fi

# ---- two instances side by side -------------------------------------------
pb=$(free_port)
"$S" init "$BI" "$pb" >/dev/null 2>&1 || fail "init b"
"$S" -c "$A" start 2>/dev/null || fail "start a"
"$S" -c "$BI" start 2>/dev/null || fail "start b"
"$S" -c "$A" status 2>ea || fail "status a"
"$S" -c "$BI" status 2>eb || fail "status b"
pa_pid=$(sed -n 's/.*PID: //p' ea); pb_pid=$(sed -n 's/.*PID: //p' eb)
[ "$pa_pid" != "$pb_pid" ] || fail "both instances report the same master"
if [ -x "$B/smtpd" ]; then
  wait_for 5 listening "$pa" || fail "instance a does not listen"
  wait_for 5 listening "$pb" || fail "instance b does not listen"
fi
"$S" -c "$A" stop 2>/dev/null || fail "stop a"
"$S" -c "$BI" status >/dev/null 2>&1 || fail "stopping a stopped b"
"$S" -c "$BI" stop 2>/dev/null || fail "stop b"
ok "two instances run side by side and stop independently"

# sluice check stops at once on a main.cf whose $name expansion explodes
# (40 doubling definitions would give 2^40 bytes), with the reason.
X="$WORK/explode"
new_instance "$X"
{ echo "a0 = x"; i=1
  while [ $i -le 40 ]; do echo "a$i = \$a$((i - 1))\$a$((i - 1))"; i=$((i + 1)); done
  echo 'myhostname = $a40'; } >> "$X/main.cf"
rc=0; timeout 20 "$S" -c "$X" check 2> explode.err || rc=$?
[ "$rc" = 1 ] || { cat explode.err; fail "sluice check with a 40-level chain: exit $rc"; }
grep -q 'parameter myhostname: macro expansion of "a40" is too long (more than 100000 bytes)$' explode.err ||
  { cat explode.err; fail "sluice check: expansion length error"; }
ok "sluice check refuses an exploding \$name expansion at once"
