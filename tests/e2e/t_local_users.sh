# Local users and the set-group-ID postdrop (root only): an instance
# started by root, commands copied where users reach them (postdrop
# set-group-ID postdrop, as "sluice set-permissions" makes it), and two
# throwaway users.
#  (a) a user submits with sendmail and with "sendmail -bs" (LF-only
#      input): delivered, logged with the user's uid;
#  (b) that user cannot read, open, delete, hold or requeue another user's
#      queued message, which stays intact;
#  (c) forged internal attributes (submit_uid, trace_header, log_origin)
#      fed to postdrop, or put into a maildrop file directly, are dropped
#      with Postfix's warning: no forged Received:, no "userid 0";
#  (d) sendmail -C with a directory not in alternate_config_directories:
#      postdrop refuses it, nothing is queued;
#  (e) postdrop with a hostile environment (MAIL_CONFIG) refuses too.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || skip "needs root (creates users)"
command -v setpriv >/dev/null || skip "no setpriv"
for p in sluice sendmail postdrop postcat postsuper postconf master pickup cleanup qmgr smtp smtpd; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
getent group postdrop >/dev/null || skip "no postdrop group"
chmod 755 "$WORK"

ua=st$$a; ub=st$$b
add_user "$ua"; add_user "$ub"
uida=$(id -u "$ua"); uidb=$(id -u "$ub")

# Programs where the users reach them; daemons too (daemon_directory).
UB=$WORK/ubin
user_bin "$UB"
for p in sluice master pickup cleanup qmgr smtp flush bounce showq postconf; do
  [ -x "$B/$p" ] && cp "$B/$p" "$UB/$p"
done
assert_eq 2755 "$(stat -c %a "$UB/postdrop")" "postdrop mode"

sport=$(free_port)
start_sink "$sport" "$WORK/sink"
C=$WORK/inst
new_instance "$C"
"$B/postconf" -c "$C" -e "relayhost = [127.0.0.1]:$sport" \
  "minimal_backoff_time = 1s" "maximal_backoff_time = 2s" "queue_run_delay = 1s" \
  "myhostname = relay.example.com" "myorigin = example.com" \
  "command_directory = $UB" "daemon_directory = $UB" >/dev/null || fail "postconf -e"
chmod 755 "$C"
trust_config_dir "$C"
"$B/sluice" -c "$C" start >/dev/null 2>&1 || fail "sluice start"
INSTANCES="$C"
Q=$("$B/postconf" -c "$C" -h queue_directory)
LOG=$C/log/maillog
chmod 1730 "$Q/maildrop"   # what "sluice check" makes it (rootsafe)
chgrp postdrop "$Q/maildrop"

printf 'Subject: from a\n\nhello from a\n' > msg
chmod 644 msg

# pickup_id UID SENDER: the queue ID pickup logged for that submission.
pickup_id() {
  local pat="pickup\[[0-9]*\]: [0-9A-F]*: uid=$1 from=<$2>"
  wait_for 10 grep -aq "$pat" "$LOG" || { tail -20 "$LOG" >&2; fail "no pickup line uid=$1 from=<$2>"; }
  grep -a "$pat" "$LOG" | tail -1 | sed 's/.*: \([0-9A-F]*\): uid=.*/\1/'
}
# sink_file PATTERN: the .eml file the sink stored with that text.
sink_file() {
  local i=0 f
  while [ $i -lt 100 ]; do
    f=$(grep -l -- "$1" "$WORK"/sink/*.eml 2>/dev/null | head -1)
    [ -n "$f" ] && { echo "$f"; return 0; }
    sleep 0.1; i=$((i+1))
  done
  fail "nothing delivered with $1"
}

# (a) sendmail as a user: delivered, uid logged.
as_user "$ua" "$UB/sendmail" -C "$C" -f a@example.org ra@example.net < msg 2> a.err ||
  { cat a.err; fail "sendmail as $ua: exit $?"; }
pickup_id "$uida" a@example.org >/dev/null
f=$(sink_file "hello from a") || exit 1
grep -q "from userid $uida)" "$f" || fail "no 'from userid $uida' in the delivered message"
ok "(a) $ua submits with sendmail; pickup logs uid=$uida; delivered"

printf 'HELO me\nMAIL FROM:<abs@example.org>\nRCPT TO:<rbs@example.net>\nDATA\nSubject: bs\n\nlf only from a\n.\nQUIT\n' > bs.in
out=$(as_user "$ua" timeout 20 "$UB/sendmail" -C "$C" -bs < bs.in 2> bs.err) ||
  { cat bs.err; echo "$out"; fail "sendmail -bs as $ua: exit status"; }
echo "$out" | grep -q '^250 2.0.0 Ok: queued as' || { echo "$out"; cat bs.err; fail "-bs as $ua: not queued"; }
pickup_id "$uida" abs@example.org >/dev/null
sink_file "lf only from a" >/dev/null || exit 1
ok "(a) $ua submits with sendmail -bs and LF-only input; delivered"

# (b) another user's queued message: the sink is down, so it stays.
stop_sink
printf 'Subject: secret of b\n\nsecret text\n' | as_user "$ub" "$UB/sendmail" -C "$C" -f b@example.org rb@example.net ||
  fail "sendmail as $ub"
idb=$(pickup_id "$uidb" b@example.org) || exit 1
wait_for 10 "$B/postcat" -c "$C" -q "$idb" || fail "postcat -q $idb as root"
path=$(find "$Q/incoming" "$Q/active" "$Q/deferred" -name "$idb" -type f | head -1)
[ -n "$path" ] || fail "$idb not in the queue"
"$B/postsuper" -c "$C" -h "$idb" 2>/dev/null || fail "root: postsuper -h $idb"
before=$("$B/postcat" -c "$C" -q "$idb" | md5sum)
as_user "$ua" "$UB/postcat" -c "$C" -q "$idb" > pc.out 2>&1 && fail "$ua read $idb with postcat -q"
grep -q 'secret text' pc.out && fail "postcat as $ua printed the message"
hpath=$(find "$Q/hold" -name "$idb" -type f | head -1)
as_user "$ua" cat "$hpath" > /dev/null 2>&1 && fail "$ua opened $hpath"
as_user "$ua" ls "$Q/hold" > /dev/null 2>&1 && fail "$ua listed hold/"
as_user "$ua" ls "$Q/maildrop" > /dev/null 2>&1 && fail "$ua listed maildrop/"
for op in -d -h -r -H; do
  out=$(as_user "$ua" "$UB/postsuper" -c "$C" $op "$idb" 2>&1) && fail "$ua: postsuper $op succeeded"
  assert_eq "postsuper: fatal: use of this command is reserved for the superuser" "$out" "postsuper $op as $ua"
done
assert_eq "$before" "$("$B/postcat" -c "$C" -q "$idb" | md5sum)" "$idb after $ua's attempts"
[ -f "$hpath" ] || fail "$idb moved"
"$B/postsuper" -c "$C" -H "$idb" 2>/dev/null || fail "root: postsuper -H"
ok "(b) $ua cannot read, open, delete, hold, release or requeue $ub's message; it is intact"

# (c) forged internal attributes, through postdrop and directly.
start_sink "$sport" "$WORK/sink"
cat > rec.py <<'EOF'
import sys
def rec(t, d):
    d = d.encode()
    n = len(d); l = b""
    while True:
        b = n & 0x7f; n >>= 7
        l += bytes([b | (0x80 if n else 0)])
        if not n: break
    sys.stdout.buffer.write(t.encode() + l + d)
if len(sys.argv) > 1:
    rec("T", "1700000000 0")   # what postdrop writes first
rec("A", "submit_uid=0")
rec("A", "trace_header=Received: from trusted.example.com (trusted.example.com [192.0.2.1])")
rec("A", "log_origin=trusted.example.com[192.0.2.1]")
rec("A", "rewrite_context=local")
rec("S", "forger@example.org")
rec("R", "rc@example.net")
rec("M", "")
rec("N", "Subject: forged")
rec("N", "")
rec("N", "forged body" if len(sys.argv) < 2 else "direct body")
rec("X", "")
rec("E", "")
EOF
python3 rec.py > forged.rec && chmod 644 forged.rec
as_user "$ua" "$UB/postdrop" -r -c "$C" < forged.rec > pd.out 2> pd.err || { cat pd.err; fail "postdrop as $ua"; }
grep -q '^status=0$' pd.out || { cat pd.out pd.err; fail "postdrop reply"; }
for a in 'submit_uid=0' 'trace_header=Received: from trusted.example.com' 'log_origin=trusted.example.com'; do
  grep -q "^postdrop: warning: uid=$uida: ignoring attribute record: $a" pd.err ||
    { cat pd.err; fail "postdrop did not warn about $a"; }
done
pickup_id "$uida" forger@example.org >/dev/null
f=$(sink_file "forged body") || exit 1
grep -q 'trusted.example.com' "$f" && fail "forged header delivered"
grep -q 'userid 0' "$f" && fail "forged uid delivered"
grep -q "from userid $uida)" "$f" || fail "no 'from userid $uida'"
ok "(c) postdrop drops submit_uid, trace_header, log_origin with Postfix's warning"

as_user "$ua" sh -c "cat forged.rec > '$Q/maildrop/F00DF00D123'" 2>/dev/null && fail "$ua wrote into maildrop/"
python3 rec.py direct > direct.rec
cp direct.rec "$Q/maildrop/F00DF00D123"
chown "$ua" "$Q/maildrop/F00DF00D123" && chmod 0744 "$Q/maildrop/F00DF00D123"
python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.send(b'W')" "$Q/public/pickup" ||
  fail "trigger pickup"
f=$(sink_file "direct body") || { tail -20 "$LOG" >&2; exit 1; }
grep -q 'trusted.example.com' "$f" && fail "forged header delivered from a direct maildrop file"
grep -q 'userid 0' "$f" && fail "forged uid delivered from a direct maildrop file"
grep -aq "pickup\[[0-9]*\]: warning: uid=$uida: ignoring attribute record: submit_uid=0" "$LOG" ||
  fail "no pickup warning in the log"
grep -aq "pickup\[[0-9]*\]: warning: uid=$uida: ignoring attribute record: trace_header=Received: from trusted" "$LOG" ||
  fail "no pickup trace_header warning"
ok "(c) a user's file put into maildrop/ directly: pickup drops them with the warning"

# (d) sendmail -C with a directory that is not trusted.
D=$WORK/other
new_instance "$D"
"$B/postconf" -c "$D" -e "command_directory = $UB" "daemon_directory = $UB" >/dev/null
chmod 755 "$D"
n0=$(find "$Q/maildrop" "$D/queue" -type f 2>/dev/null | wc -l)
as_user "$ua" "$UB/sendmail" -C "$D" -f d@example.org rd@example.net < msg > d.out 2> d.err
assert_eq 75 "$?" "sendmail -C untrusted exit status"
grep -q "^postdrop: fatal: unauthorized configuration directory name: $D\$" d.err ||
  { cat d.err; fail "postdrop message for -C $D"; }
grep -q "^sendmail: fatal: d@example.org($uida): unable to execute $UB/postdrop -r: " d.err ||
  { cat d.err; fail "sendmail message for -C $D"; }
assert_eq "$n0" "$(find "$Q/maildrop" "$D/queue" -type f 2>/dev/null | wc -l)" "files queued for -C $D"
ok "(d) -C $D (not in alternate_config_directories): refused, nothing queued"

# (e) a hostile environment: MAIL_CONFIG names the user's own main.cf
# (queue_directory of their choosing); postdrop refuses it.
E=$WORK/evil
mkdir -p "$E/q/maildrop" && chmod -R 777 "$E"
printf 'queue_directory = %s/q\n' "$E" > "$E/main.cf"
as_user "$ua" env MAIL_CONFIG="$E" LD_PRELOAD=/nonexistent.so "$UB/postdrop" -r < forged.rec > e.out 2> e.err
[ $? -ne 0 ] || fail "postdrop accepted MAIL_CONFIG=$E"
grep -q "^postdrop: fatal: unauthorized configuration directory name: $E\$" e.err || { cat e.err; fail "postdrop MAIL_CONFIG message"; }
as_user "$ua" "$UB/postdrop" -r -c "$E" < forged.rec > e2.out 2> e2.err && fail "postdrop accepted -c $E"
grep -q "unauthorized configuration directory name: $E\$" e2.err || fail "postdrop -c message"
assert_eq 0 "$(find "$E/q" -type f | wc -l)" "files under $E/q"
as_user "$ua" env MAIL_CONFIG="$C" "$UB/postdrop" -r < forged.rec > e3.out 2> e3.err || { cat e3.err; fail "postdrop with MAIL_CONFIG=$C"; }
grep -q '^status=0$' e3.out || fail "postdrop with the trusted MAIL_CONFIG"
ok "(e) postdrop refuses MAIL_CONFIG and -c naming an untrusted directory"
