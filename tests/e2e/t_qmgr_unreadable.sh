# A queue file qmgr cannot open (here: owned by root, mode 0700, while the
# daemons run as mail_owner) must not be stranded in active/, which no scan
# visits: qmgr puts it back into incoming/ to retry later.
. "$(dirname "$0")/lib.sh"
for p in sluice sendmail postqueue master qmgr; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
[ "$(id -u)" = 0 ] || skip "needs root (daemons must run as another user)"
C=$WORK/inst
new_instance "$C"
"$B/postconf" -c "$C" -e "relayhost = [127.0.0.1]:$(free_port)" >/dev/null
owner=$("$B/postconf" -c "$C" -h mail_owner)
[ "$owner" != root ] || skip "mail_owner is root"
"$B/sluice" -c "$C" start || fail "start"
INSTANCES="$C"
qd=$("$B/postconf" -c "$C" -h queue_directory)
id=0ABCDE12345
cp "$FIXTURES/queuefile-3.45A9EA757A3" "$qd/incoming/$id"
chown root:root "$qd/incoming/$id"; chmod 0700 "$qd/incoming/$id"
"$B/postqueue" -c "$C" -f || fail "postqueue -f"
wait_for 10 grep -q "$id: open" "$C/log/maillog" || { tail "$C/log/maillog"; fail "qmgr did not try the file"; }
sleep 1
[ -f "$qd/incoming/$id" ] || { ls -R "$qd/active" "$qd/incoming"; fail "unreadable file not put back into incoming/"; }
[ -z "$(find "$qd/active" -type f)" ] || fail "file stranded in active/"
ok "unreadable queue file goes back to incoming/"
