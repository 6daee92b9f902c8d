# One recipient delivered, one deferred (451): the message waits in
# deferred/ with the delivered recipient marked done (postcat shows
# done_recipient), and the retry sends the deferred recipient only; the
# delivered one never reaches the sink twice. With strace at hand it also
# checks where the durability comes from: the smtp agent fsyncs the defer
# log entry but not the queue file (its D marks are synced by qmgr only when
# the file stays queued), and qmgr fsyncs the file once, before renaming it
# into deferred/.
. "$(dirname "$0")/lib.sh"
for p in sluice sendmail postqueue postcat master pickup cleanup qmgr smtp; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
sp=$(free_port)
start_sink "$sp" "$WORK/sink" --reply tmp@example.net="451 4.3.0 Try again later"
relay_instance "$WORK/inst" "$sp"
# No retry before the test asks for one (postqueue -f).
"$B/postconf" -c "$C" -e "minimal_backoff_time = 3600s" "maximal_backoff_time = 3600s" \
  "queue_run_delay = 3600s" >/dev/null || fail "postconf -e"
"$B/sluice" -c "$C" reload >/dev/null 2>&1 || fail "reload"
qd=$("$B/postconf" -c "$C" -h queue_directory)
pids_of() { # children of the master running bin/NAME
  local m; m=$(tr -d ' ' < "$qd/pid/master.pid")
  for p in $(pgrep -P "$m" 2>/dev/null); do
    case "$(readlink /proc/$p/exe 2>/dev/null)" in */"$1") echo "$p";; esac
  done
}
# After the reload: qmgr is restarted, wait until the new one runs.
wait_for 10 sh -c "[ -n \"\$(pgrep -P $(tr -d ' ' < "$qd/pid/master.pid") qmgr)\" ]"
# The smtp agent starts on demand: a connection to its endpoint starts it,
# so that it can be traced from the start.
python3 -c "import socket; s = socket.socket(socket.AF_UNIX); s.connect('$qd/private/smtp'); s.close()" ||
  fail "connect to private/smtp"
wait_for 10 sh -c "[ -n \"\$(pgrep -x -P $(tr -d ' ' < "$qd/pid/master.pid") smtp)\" ]" || fail "no smtp agent"
sleep 1

tracing=0
if command -v strace >/dev/null 2>&1; then
  targs=""
  for p in $(pids_of qmgr); do targs="$targs -p $p"; QMGR_PID=$p; done
  for p in $(pids_of smtp); do targs="$targs -p $p"; done
  if [ -n "${QMGR_PID:-}" ]; then
    # shellcheck disable=SC2086
    strace -f -qq -y -o "$WORK/trace" -e trace=fsync,fdatasync,sync_file_range,rename,renameat,renameat2 \
      $targs 2>"$WORK/strace.err" &
    ST_PID=$!
    remember $ST_PID
    sleep 1
    tracing=1
  fi
fi

printf 'Subject: half\n\nhello\n' | "$B/sendmail" -C "$C" -f alice@example.org ok@example.net tmp@example.net ||
  fail "sendmail"
wait_for 30 sh -c "[ \$(find $qd/deferred -type f | wc -l) = 1 ]" ||
  { "$B/mailq" -C "$C"; tail -20 "$C/log/maillog"; fail "message not deferred"; }
assert_eq 1 "$(sink_count "$WORK/sink")" "messages at the sink after the first attempt"
assert_eq "RCPT TO:<ok@example.net>" "$(sed -n 2,9p "$WORK/sink/000001.env")" "recipients of the first delivery"
id=$(basename "$(find "$qd/deferred" -type f)")
"$B/postcat" -c "$C" -q "$id" > pc || fail "postcat -q $id"
grep -q '^done_recipient: ok@example.net$' pc || { cat pc; fail "ok@ not marked done in the deferred file"; }
grep -q '^recipient: tmp@example.net$' pc || { cat pc; fail "tmp@ not pending in the deferred file"; }
ok "deferred with the delivered recipient marked done"

if [ $tracing = 1 ]; then
  sleep 0.5
  kill "$ST_PID" 2>/dev/null; wait "$ST_PID" 2>/dev/null
  python3 - "$WORK/trace" "$QMGR_PID" "$id" <<'PY' || { cat "$WORK/trace"; fail "fsync pattern"; }
import re, sys
path, qmgr, qid = sys.argv[1], sys.argv[2], sys.argv[3]
lines = open(path).read().splitlines()
sync = re.compile(r'^(\d+) +(fsync|fdatasync|sync_file_range)\(\d+<([^>]*)>')
# The agent's fsyncs: the defer log entry of tmp@ only, never the queue file.
agent = [l for l in lines if sync.match(l) and sync.match(l).group(1) != qmgr]
assert [m for m in agent if '/defer/' not in m] == [], "agent syncs: %r" % agent
assert len(agent) == 1, "agent syncs: %r" % agent
qm = [(i, l) for i, l in enumerate(lines) if l.startswith(qmgr + " ")]
syncs = [i for i, l in qm if sync.match(l)]
moves = [i for i, l in qm if re.search(r'rename(at2?)?\(.*active/' + qid +
                                       r'.*deferred/.*' + qid + r'.*= 0$', l)]
assert len(moves) == 1, "qmgr renames to deferred/: %r" % moves
assert len(syncs) == 1, "qmgr fsyncs: %d" % len(syncs)
assert '/active/' + qid in lines[syncs[0]], lines[syncs[0]]
assert syncs[0] < moves[0], "fsync after the rename"
PY
  ok "no queue-file fsync by smtp; one by qmgr before the move to deferred/"
fi

# The retry: the sink now takes everyone; only tmp@ is sent.
stop_sink
start_sink "$sp" "$WORK/sink2"
"$B/postqueue" -c "$C" -f || fail "postqueue -f exit $?"
wait_for 30 sh -c "[ \$(ls $WORK/sink2 | grep -c '\.env\$') -ge 1 ]" ||
  { "$B/mailq" -C "$C"; tail -20 "$C/log/maillog"; fail "retry did not deliver"; }
wait_for 10 sh -c "[ \"\$($B/postqueue -c $C -p)\" = 'Mail queue is empty' ]" || fail "queue not empty"
assert_eq 1 "$(sink_count "$WORK/sink2")" "messages at the sink after the retry"
assert_eq "RCPT TO:<tmp@example.net>" "$(sed -n 2,9p "$WORK/sink2/000001.env")" "recipients of the retry"
assert_eq 1 "$(grep -c 'to=<ok@example.net>.*status=sent' "$C/log/maillog")" "deliveries of ok@"
assert_eq 1 "$(grep -c 'to=<tmp@example.net>.*status=sent' "$C/log/maillog")" "deliveries of tmp@"
ok "the retry sends the deferred recipient only"
