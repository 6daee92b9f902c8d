# master: several processes per endpoint. smtpd and cleanup start with one
# process, when their first client comes (on demand); once one of them serves two clients at once the master starts
# the others, up to min(maxproc, online CPUs). A killed copy is restarted,
# maxproc 1 keeps a service at one process, reload shrinks a grown service
# and stop leaves no process behind. Needs two CPUs (the count is per CPU).
. "$(dirname "$0")/lib.sh"
for p in sluice master smtpd cleanup qmgr; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
ncpu=$(getconf _NPROCESSORS_ONLN)
[ "$ncpu" -ge 2 ] || skip "one CPU: every service runs one process"
[ "$ncpu" -le 16 ] || ncpu=16	# MASTER_MAX_PROC
chmod 755 "$WORK"
S="$B/sluice"
C="$WORK/inst"
port=$(free_port)
"$S" init "$C" "$port" >/dev/null 2>&1 || fail "sluice init"
echo "service_throttle_time = 2s" >> "$C/main.cf"
"$S" -c "$C" start 2>/dev/null || fail "sluice start"
INSTANCES="$C"
qd=$("$B/postconf" -c "$C" -h queue_directory)
m=$(tr -d ' ' < "$qd/pid/master.pid")
alive() { [ -n "$(ps -o stat= -p "$1" 2>/dev/null | grep -v '^Z')" ]; }
# pids_of PROG: the master's children running PROG, sorted
pids_of() { ps -o pid=,args= --ppid "$m" 2>/dev/null | awk -v p="$1" '$2 == p { print $1 }' | sort -n | tr '\n' ' '; }
count_of() { set -- $(pids_of "$1"); echo $#; }
has_n() { [ "$(count_of "$1")" = "$2" ]; }

# smtpd and cleanup start on demand: none until a client comes, then one.
wait_for 10 has_n qmgr 1 || fail "no qmgr"
sleep 0.5
assert_eq 0 "$(count_of smtpd)" "smtpd processes before any client"
assert_eq 0 "$(count_of cleanup)" "cleanup processes before any client"
banner() { python3 -c "import socket,sys; s=socket.create_connection(('127.0.0.1', $port), 5); s.settimeout(10); sys.stdout.write(s.recv(100).decode())"; }
banner | grep -q '^220 ' || fail "no banner from an on-demand smtpd"
wait_for 10 has_n smtpd 1 || fail "no smtpd after a client"
sleep 0.5
assert_eq 1 "$(count_of smtpd)" "smtpd processes while idle"
assert_eq 1 "$(count_of qmgr)" "qmgr processes"
ok "idle: no smtpd, no cleanup until a client; then one smtpd"

# hold N CONNECTIONS to smtpd (inet port) or cleanup (public/cleanup) open
# for SECONDS, in the background; prints nothing.
hold() {
  python3 - "$1" "$2" "$3" <<'PY' &
import socket, sys, time
what, n, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
conns = []
for _ in range(n):
    if what.startswith("/"):
        s = socket.socket(socket.AF_UNIX); s.connect(what)
    else:
        s = socket.create_connection(("127.0.0.1", int(what)), 5)
    conns.append(s)
    time.sleep(0.05)
time.sleep(secs)
PY
  remember $!
}

hold "$port" 3 6
wait_for 10 has_n smtpd "$ncpu" || fail "smtpd: $(count_of smtpd) processes with 3 clients, want $ncpu"
hold "$qd/public/cleanup" 3 6
wait_for 10 has_n cleanup "$ncpu" || fail "cleanup: $(count_of cleanup) processes with 3 clients, want $ncpu"
ok "two clients at once: $ncpu smtpd and $ncpu cleanup processes"

# A killed copy is restarted; its siblings are left alone.
set -- $(pids_of smtpd)
victim=$1; shift; others="$*"
kill -9 "$victim"
wait_for 10 sh -c "ps -o pid= --ppid $m | grep -qw $victim && exit 1; exit 0" || fail "killed smtpd $victim still a child"
wait_for 10 has_n smtpd "$ncpu" || fail "killed smtpd copy not restarted"
for o in $others; do alive "$o" || fail "smtpd $o died with its sibling"; done
ok "a killed copy is restarted, its siblings keep running"

# maxproc 1: reload leaves one cleanup, and it stays one under load. (The
# clients above are gone first: a surplus process that still has one
# drains, and runs, until it leaves.)
wait
sed -i 's/^cleanup\( *unix *n *- *n *- *\)0 /cleanup\11 /' "$C/master.cf"
grep -q '^cleanup *unix *n *- *n *- *1 ' "$C/master.cf" || fail "master.cf edit"
"$S" -c "$C" reload 2>/dev/null || fail "reload"
# (after a reload cleanup starts again on demand: none or one process)
at_most_one() { [ "$(count_of cleanup)" -le 1 ]; }
settled_one() { at_most_one && sleep 1 && at_most_one; }
wait_for 10 settled_one || fail "cleanup: $(count_of cleanup) processes after maxproc 1"
hold "$qd/public/cleanup" 3 2
sleep 1.5
assert_eq 1 "$(count_of cleanup)" "cleanup processes with maxproc 1 and 3 clients"
ok "maxproc 1 keeps one process"

# Back to maxproc 0: the copies come back once cleanup is busy again.
wait
sed -i 's/^cleanup\( *unix *n *- *n *- *\)1 /cleanup\10 /' "$C/master.cf"
"$S" -c "$C" reload 2>/dev/null || fail "reload"
wait_for 10 settled_one || fail "cleanup: $(count_of cleanup) processes after maxproc 0"
hold "$qd/public/cleanup" 3 4
wait_for 10 has_n cleanup "$ncpu" || fail "cleanup: $(count_of cleanup) processes after maxproc 0 and 3 clients, want $ncpu"
ok "a reload that raises maxproc lets the service grow again"

# stop: no child left, the copies included.
kids=$(ps -o pid= --ppid "$m" | tr -d ' ')
"$S" -c "$C" stop 2>/dev/null || fail "sluice stop"
alive "$m" && fail "master alive after stop"
for k in $kids; do alive "$k" && fail "child $k alive after stop"; done
ok "stop leaves no process"
