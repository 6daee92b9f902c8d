# master: restarts a killed daemon (and throttles one that dies again at
# once), reload re-reads main.cf and master.cf (and survives a bad edit),
# stop and abort leave no child behind, start-fg runs in the foreground.
# Uses the real bin/qmgr as the supervised daemon.
. "$(dirname "$0")/lib.sh"
for p in sluice master qmgr; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
chmod 755 "$WORK"	# as root the daemons run as mail_owner
S="$B/sluice"
C="$WORK/inst"
INSTANCES="$C"
LOG="$C/log/maillog"

alive() { [ -n "$(ps -o stat= -p "$1" 2>/dev/null | grep -v '^Z')" ]; }
master_pid() { "$S" -c "$C" status 2>&1 | sed -n 's/.*is running: PID: \([0-9]*\)$/\1/p'; }
# child_pid MASTER PROG: pid of MASTER's child running PROG ("" if none).
child_pid() { ps -o pid=,args= --ppid "$1" 2>/dev/null | awk -v p="$2" '$2 == p { print $1; exit }'; }
has_child() { [ -n "$(child_pid "$1" "$2")" ]; }
new_child() { local c; c=$(child_pid "$1" "$2"); [ -n "$c" ] && [ "$c" != "$3" ]; }
no_child() { [ -z "$(child_pid "$1" "$2")" ]; }
no_children() { [ -z "$(ps -o pid= --ppid "$1" 2>/dev/null)" ]; }
in_log() { grep -q -- "$1" "$LOG"; }
# settled MASTER: the same children for a whole second (restarts are over,
# each child has had time to read main.cf).
kids_of() { ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' ' | sort | tr '\n' ' '; }
settled() { local a; a=$(kids_of "$1"); sleep 1; [ -n "$a" ] && [ "$a" = "$(kids_of "$1")" ]; }

"$S" init "$C" "$(free_port)" >/dev/null 2>&1 || fail "sluice init"
echo "service_throttle_time = 2s" >> "$C/main.cf"
"$S" -c "$C" start 2>/dev/null || { tail "$LOG"; fail "sluice start"; }
m=$(master_pid)
[ -n "$m" ] || fail "no master pid"
wait_for 10 has_child "$m" qmgr || fail "the master did not start qmgr"
q1=$(child_pid "$m" qmgr)
[ -S "$C/queue/public/qmgr" ] || fail "no public/qmgr socket"
ok "master $m runs qmgr $q1"

# ---- restart and throttle ---------------------------------------------------
kill -9 "$q1"
wait_for 10 new_child "$m" qmgr "$q1" || fail "qmgr was not restarted after kill -9"
q2=$(child_pid "$m" qmgr)
wait_for 5 in_log "master\[$m\]: warning: process .*/qmgr pid $q1 killed by signal 9" ||
  { tail "$LOG"; fail "no 'killed by signal 9' log line"; }
ok "kill -9 qmgr: restarted as $q2, logged"

# A restart that dies within 10 s is throttled for service_throttle_time.
sleep 0.5
kill -9 "$q2"
wait_for 5 in_log "warning: .*/qmgr: bad command startup -- throttling" ||
  { tail "$LOG"; fail "no throttling after a quick second death"; }
wait_for 15 new_child "$m" qmgr "$q2" || fail "throttled qmgr was not started again"
q3=$(child_pid "$m" qmgr)
ok "a quick second death is throttled, then qmgr $q3 starts"

# ---- reload -----------------------------------------------------------------
"$S" -c "$C" reload 2>err || { cat err; fail "sluice reload"; }
grep -q "refreshing the sluice mail system" err || fail "no refreshing message"
wait_for 10 in_log "master\[$m\]: reload -- version [0-9.]*, configuration $C\$" ||
  { tail "$LOG"; fail "no reload log line"; }
wait_for 10 new_child "$m" qmgr "$q3" || fail "reload did not restart qmgr"
assert_eq "$m" "$(master_pid)" "master pid after reload"
q4=$(child_pid "$m" qmgr)
ok "reload: logged, qmgr restarted as $q4, same master"

# Reload applies master.cf changes: a disabled service goes away.
echo "master_service_disable = qmgr/unix" >> "$C/main.cf"
"$S" -c "$C" reload 2>/dev/null || fail "reload with qmgr disabled"
wait_for 10 no_child "$m" qmgr || fail "disabled qmgr still runs after reload"
[ -e "$C/queue/public/qmgr" ] && fail "public/qmgr left behind"
sed -i '/^master_service_disable = qmgr/d' "$C/main.cf"
"$S" -c "$C" reload 2>/dev/null || fail "reload with qmgr enabled again"
wait_for 10 has_child "$m" qmgr || fail "qmgr not back after reload"
wait_for 5 test -S "$C/queue/public/qmgr" || fail "public/qmgr not re-created"
ok "reload stops a disabled service and starts it again"

# A bad main.cf must not kill a running master (signalled directly, since
# sluice reload itself refuses a bad configuration).
# (each try takes a second: at most about 20 s)
wait_for 2 settled "$m" || fail "children keep changing after reload"
cp "$C/main.cf" main.cf.good
echo "minimal_backoff_time = abc" >> "$C/main.cf"
"$S" -c "$C" reload 2>/dev/null && fail "sluice reload accepted a bad main.cf"
q5=$(child_pid "$m" qmgr)
kill -HUP "$m"
wait_for 10 in_log "master\[$m\]: warning: reload failed" || { tail "$LOG"; fail "no reload failure warning"; }
alive "$m" || fail "master died on a bad reload"
assert_eq "$q5" "$(child_pid "$m" qmgr)" "qmgr after a failed reload"
cp main.cf.good "$C/main.cf"
ok "a bad configuration on SIGHUP is logged and ignored"

# ---- stop -------------------------------------------------------------------
kids=$(ps -o pid= --ppid "$m" | tr -d ' ')
[ -n "$kids" ] || fail "no children before stop"
"$S" -c "$C" stop 2>/dev/null || fail "sluice stop"
alive "$m" && fail "master alive after stop"
for k in $kids; do alive "$k" && fail "child $k alive after stop"; done
in_log "master\[$m\]: terminating on signal 15" || fail "no terminating line"
ok "stop leaves no child process"

# ---- abort ------------------------------------------------------------------
"$S" -c "$C" start 2>/dev/null || fail "start after stop"
m=$(master_pid)
wait_for 10 has_child "$m" qmgr || fail "no qmgr after restart"
kids=$(ps -o pid= --ppid "$m" | tr -d ' ')
"$S" -c "$C" abort 2>err || { cat err; fail "sluice abort"; }
grep -q "aborting the sluice mail system" err || fail "no aborting message"
alive "$m" && fail "master alive after abort"
for k in $kids; do alive "$k" && fail "child $k alive after abort"; done
"$S" -c "$C" status >/dev/null 2>&1 && fail "status 0 after abort"
ok "abort kills everything"

# ---- start-fg -----------------------------------------------------------------
"$S" -c "$C" start-fg >fg.out 2>&1 &
fg=$!
remember $fg
wait_for 10 sh -c "'$S' -c '$C' status" || { cat fg.out; fail "start-fg did not come up"; }
assert_eq "$fg" "$(master_pid)" "start-fg master is the command itself"
wait_for 10 has_child "$fg" qmgr || fail "start-fg started no qmgr"
kids=$(ps -o pid= --ppid "$fg" | tr -d ' ')
kill -TERM "$fg"
rc=0; wait "$fg" || rc=$?
assert_eq 0 "$rc" "start-fg exit status after SIGTERM"
for k in $kids; do alive "$k" && fail "child $k alive after start-fg ended"; done
"$S" -c "$C" status >/dev/null 2>&1 && fail "status 0 after start-fg ended"
ok "start-fg runs in the foreground and SIGTERM stops everything"

# ---- as root the master itself checks where it creates files -----------------
# (sluice start checks first; the master checks again, for start-fg, a
# manual master, and a layout changed after the check)
if [ "$(id -u)" = 0 ]; then
  owner=$(stat -c %U "$C/queue/public")
  chown nobody "$C/queue/public"
  "$B/master" -c "$C" -w 2>err && fail "master started with public/ owned by nobody"
  grep -q "$C/queue/public is a directory owned by nobody:.*; expected a directory owned by mail_owner $owner" err ||
    { cat err; fail "no reason for refusing public/"; }
  chown "$owner" "$C/queue/public"
  chown "$owner" "$C/queue/pid"
  "$B/master" -c "$C" -w 2>err && fail "master started with pid/ owned by $owner"
  grep -q "$C/queue/pid is a directory owned by $owner:.*; expected one owned by uid 0" err ||
    { cat err; fail "no reason for refusing pid/"; }
  chown root "$C/queue/pid"
  rm -f "$C/queue/pid/master.pid"
  ln -s "$WORK/victim" "$C/queue/pid/master.pid"
  echo keep > "$WORK/victim"
  "$B/master" -c "$C" -w 2>err && fail "master started with a linked pid file"
  grep -q "pid/master.pid is a symbolic link to $WORK/victim" err || { cat err; fail "no reason for refusing the pid file"; }
  assert_eq keep "$(cat "$WORK/victim")" "file behind the pid file link"
  rm "$C/queue/pid/master.pid"
  "$S" -c "$C" start 2>err || { cat err; fail "start after the refusals"; }
  "$S" -c "$C" stop 2>/dev/null || fail "stop after the refusals"
  ok "as root the master refuses public/ or pid/ owned by another user and a linked pid file"
fi
