# Reuse of finished queue files (qdir_recycle, qdir_create_reuse): after a
# delivery qmgr keeps the file in recycle/ (mode 0600, not ready) instead
# of removing it, and the next message accepted is written into that very
# file under a new queue ID. What an administrator checks: a big message
# followed by a small one in the reused file: the small message's queue
# file is cut at its own end (postcat reads it cleanly, nothing of the
# big message is left in it, its size is its own), it is delivered
# exactly as sent, and nothing is logged as a problem.
. "$(dirname "$0")/lib.sh"
for p in sluice sendmail postqueue postcat master pickup cleanup qmgr smtp; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
sp=$(free_port)
start_sink "$sp" "$WORK/sink"
relay_instance "$WORK/inst" "$sp"
qd=$("$B/postconf" -c "$C" -h queue_directory)
[ -d "$qd/recycle" ] || fail "sluice check made no recycle/ directory"
assert_eq 700 "$(stat -c %a "$qd/recycle")" "mode of recycle/"

# A 60 KB message, delivered: its file goes to recycle/.
python3 - > big.eml <<'PY'
print("Subject: big\n")
for i in range(1000):
    print("BIGFILLER line %04d ..............................................." % i)
PY
"$B/sendmail" -C "$C" -f alice@example.org bob@example.net < big.eml || fail "sendmail big"
wait_for 30 sh -c "[ \$(ls $WORK/sink | grep -c '\.env\$') = 1 ]" || fail "big message not delivered"
wait_for 10 sh -c "[ \$(ls $qd/recycle | wc -l) = 1 ]" ||
  { ls -la "$qd/recycle"; fail "the delivered file was not kept in recycle/"; }
pooled=$(ls "$qd/recycle")
assert_eq pool.0 "$pooled" "name of the first pool slot"
ino=$(stat -c %i "$qd/recycle/$pooled")
bigsize=$(stat -c %s "$qd/recycle/$pooled")
assert_eq 600 "$(stat -c %a "$qd/recycle/$pooled")" "mode of a kept file"
[ "$bigsize" -gt 60000 ] || fail "the kept file is not the big message's ($bigsize bytes)"
bigid=$(sed -n 's/.*: \([0-9A-Za-z]*\): removed$/\1/p' "$C/log/maillog" | head -1)
[ -n "$bigid" ] || fail "no 'removed' log line for the big message"
ok "delivered file $bigid kept in recycle/$pooled ($bigsize bytes, mode 0600)"

# The sink goes away: the next message stays queued, in the reused file.
# (cleanup looks at a pool it found empty again only a second later: it
# was empty when the big message came.)
stop_sink
sleep 1.1
printf 'Subject: small\n\ntoken-%s\n' "$$" | "$B/sendmail" -C "$C" -f alice@example.org carol@example.net ||
  fail "sendmail small"
wait_for 30 sh -c "[ \$(find $qd/deferred -type f | wc -l) = 1 ]" ||
  { "$B/mailq" -C "$C"; tail -20 "$C/log/maillog"; fail "small message not deferred"; }
f=$(find "$qd/deferred" -type f)
id=$(basename "$f")
[ "$id" != "$bigid" ] || fail "reused file kept its old queue ID"
assert_eq "$ino" "$(stat -c %i "$f")" "inode of the small message's queue file (reuse)"
assert_eq 0 "$(ls "$qd/recycle" | wc -l)" "files left in recycle/"
size=$(stat -c %s "$f")
[ "$size" -lt 2000 ] || fail "reused queue file not cut at its end: $size bytes (was $bigsize)"
"$B/postcat" -c "$C" -q "$id" > pc 2> pc.err || { cat pc pc.err; fail "postcat -q $id"; }
[ -s pc.err ] && { cat pc.err; fail "postcat complained"; }
grep -q "token-$$" pc || { cat pc; fail "small message body not in its queue file"; }
grep -q BIGFILLER "$f" && fail "bytes of the big message left in the reused file"
ok "small message in the reused file: new ID, $size bytes, postcat reads it"

# Delivered exactly as sent once the sink is back.
start_sink "$sp" "$WORK/sink2"
"$B/postqueue" -c "$C" -f || fail "postqueue -f"
wait_for 30 sh -c "[ \$(ls $WORK/sink2 | grep -c '\.env\$') = 1 ]" || fail "small message not delivered"
body=$(ls "$WORK"/sink2/*.eml 2>/dev/null | head -1)
[ -n "$body" ] || body=$(ls "$WORK"/sink2/* | grep -v '\.env$' | head -1)
grep -q "token-$$" "$body" || { cat "$body"; fail "delivered body"; }
grep -q BIGFILLER "$body" && fail "delivered message carries bytes of the big one"
grep -E 'warning|fatal|panic' "$C/log/maillog" | grep -v 'connect to 127.0.0.1' |
  grep -v 'Connection refused' && fail "problems logged"
ok "delivered intact; nothing logged as a problem"
