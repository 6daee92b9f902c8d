# Root never follows a link that mail_owner plants (issue 9). While a
# process running as mail_owner keeps renaming symbolic links to a
# root-only file over the endpoint names in public/ and private/ (UNIX
# sockets and a FIFO), root runs several start/stop cycles with reloads
# that re-create endpoints: the file's owner, mode and contents never
# change, every start succeeds, and afterwards the daemons still serve
# (a message submitted with sendmail reaches the sink).
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || skip "needs root (mail_owner must be another account)"
for p in sluice master pickup cleanup qmgr smtp bounce sendmail postconf; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
command -v setpriv >/dev/null 2>&1 || skip "setpriv not installed"
PY=/usr/bin/python3
[ -x "$PY" ] || skip "no $PY for the unprivileged loop"
chmod 755 "$WORK"	# the daemons and the loop run as mail_owner
S="$B/sluice"
C="$WORK/inst"
INSTANCES="$C"
CYCLES=${SYMLINK_CYCLES:-8}

new_instance "$C"
sp=$(free_port)
start_sink "$sp" "$WORK/sink"
"$B/postconf" -c "$C" -e "relayhost = [127.0.0.1]:$sp" "service_throttle_time = 1s" \
  "queue_run_delay = 1s" "minimal_backoff_time = 1s" "maximal_backoff_time = 2s" \
  >/dev/null || fail "postconf -e"
# A FIFO endpoint too (woken every second by the master).
echo "tfifo     fifo  n       -       n       1       1       bounce" >> "$C/master.cf"
owner=$("$B/postconf" -c "$C" -h mail_owner)
group=$(id -gn "$owner") || fail "no primary group for $owner"
setpriv --reuid="$owner" --regid="$group" --clear-groups "$PY" -c 0 ||
  skip "cannot run $PY as $owner"
q="$C/queue"

# The file a compromised daemon would like to own.
secret="$WORK/secret"
echo "root only" > "$secret"; chown root:root "$secret"; chmod 0600 "$secret"
before=$(stat -c '%u:%g %a %i %s' "$secret")

# The unprivileged loop: plant a link at every endpoint name, by rename.
cat > "$WORK/plant.py" <<'EOF'
import os, sys, time
q, target, secs, stop = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
names = ["public/pickup", "public/qmgr", "public/cleanup", "public/flush",
         "public/tfifo", "private/bounce", "private/smtp", "private/relay"]
end, n = time.time() + secs, 0
while time.time() < end and not os.path.exists(stop):
    for name in names:
        d = name.split("/")[0]
        tmp = "%s/%s/.plant%d" % (q, d, os.getpid())
        try:
            os.symlink(target, tmp)
            os.rename(tmp, "%s/%s" % (q, name))
            n += 1
        except OSError:
            pass
print(n)
EOF
setpriv --reuid="$owner" --regid="$group" --clear-groups \
  "$PY" "$WORK/plant.py" "$q" "$secret" 50 "$WORK/stop" > "$WORK/planted" 2>&1 &
planter=$!
remember $planter
sleep 0.3

failed=0 i=1
while [ $i -le "$CYCLES" ]; do
  if ! "$S" -c "$C" start 2>"$WORK/start.$i"; then
    failed=$((failed + 1)); echo "start $i failed: $(cat "$WORK/start.$i")"
    i=$((i + 1)); continue
  fi
  if [ $((i % 3)) = 0 ]; then
    # Reloads that remove and re-create endpoints under the loop's feet.
    "$B/postconf" -c "$C" -e "master_service_disable = pickup/unix, tfifo/fifo" >/dev/null
    "$S" -c "$C" reload 2>/dev/null || { failed=$((failed + 1)); echo "reload $i failed"; }
    sleep 0.3
    "$B/postconf" -c "$C" -e "master_service_disable =" >/dev/null
    "$S" -c "$C" reload 2>/dev/null || { failed=$((failed + 1)); echo "reload $i failed"; }
    sleep 0.3
  fi
  "$S" -c "$C" stop 2>/dev/null || { failed=$((failed + 1)); echo "stop $i failed"; }
  i=$((i + 1))
done
touch "$WORK/stop"
wait $planter
n=$(cat "$WORK/planted")
after=$(stat -c '%u:%g %a %i %s' "$secret")
echo "planted $n links during $CYCLES cycles; secret before [$before] after [$after]"
[ "${n:-0}" -gt 100 ] || fail "the loop planted only ${n:-0} links"
assert_eq "$before" "$after" "owner, mode, inode and size of the root-only file"
assert_eq "root only" "$(cat "$secret")" "contents of the root-only file"
[ "$failed" = 0 ] || fail "$failed of $CYCLES start/reload/stop steps failed"
ok "$CYCLES start/stop cycles (with reloads) under a link-planting loop: every start succeeded, $secret stayed $after"

# Afterwards the daemons serve: the endpoints are back and mail flows.
"$S" -c "$C" start 2>err || { cat err; fail "start after the loop"; }
for e in public/pickup public/qmgr public/cleanup private/smtp; do
  [ -S "$q/$e" ] || fail "$e is not a socket after start"
  assert_eq "$owner" "$(stat -c %U "$q/$e")" "owner of $e"
done
assert_eq "0600" "$(stat -c %04a "$q/private/smtp")" "mode of private/smtp"
assert_eq "0666" "$(stat -c %04a "$q/public/pickup")" "mode of public/pickup"
[ -p "$q/public/tfifo" ] || fail "public/tfifo is not a FIFO"
assert_eq "$owner 0622" "$(stat -c '%U %04a' "$q/public/tfifo")" "owner and mode of public/tfifo"
printf 'Subject: after\n\nhello\n' | "$B/sendmail" -C "$C" -f a@example.org b@example.net ||
  fail "sendmail"
delivered() { [ "$(sink_count "$WORK/sink")" -ge 1 ]; }
wait_for 20 delivered ||
  { tail -20 "$C/log/maillog"; fail "the message did not reach the sink"; }
ok "after the loop the endpoints belong to $owner and a message is delivered"
"$S" -c "$C" stop 2>/dev/null || fail "final stop"
