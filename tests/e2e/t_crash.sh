# kill -9 of qmgr, smtp and cleanup in the middle of 500 deliveries: master
# restarts them; every acknowledged message reaches the sink (duplicates are
# allowed and counted, none lost); nothing is left in active/.
# Then kill -9 of cleanup, several times, while 20 SMTP sessions send at
# once (so commits are in flight, cleanup/cleanup_service.c): every message
# whose 250 the client read is delivered, and a file in incoming/ that is
# ready (mode 0700) is always complete (postcat reads it to its end record
# without a warning; sampled during the run and at the end), and nothing
# ends in corrupt/. Each kill waits for a 250 since the previous one, so
# the new cleanup is at work when it is killed.
. "$(dirname "$0")/lib.sh"
for p in sluice sendmail postqueue master pickup cleanup qmgr smtp; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
N=${CRASH_N:-500}
sp=$(free_port)
start_sink "$sp" "$WORK/sink"
relay_instance "$WORK/inst" "$sp"
pids_of() { # children of the master running bin/NAME
  local m; m=$(tr -d ' ' < "$("$B/postconf" -c "$C" -h queue_directory)/pid/master.pid")
  for p in $(pgrep -P "$m" 2>/dev/null); do
    case "$(readlink /proc/$p/exe 2>/dev/null)" in */"$1") echo "$p";; esac
  done
}
acked=0
i=0
while [ $i -lt "$N" ]; do
  i=$((i+1))
  if printf 'Subject: crash %d\nX-Seq: %d\n\nbody %d\n' $i $i $i |
     "$B/sendmail" -C "$C" -f load@example.org "r$i@example.net"; then
    acked=$((acked+1)); echo "$i" >> acked.txt
  fi
  case $i in
    100) for p in $(pids_of qmgr); do kill -9 "$p"; done ;;
    200) for p in $(pids_of smtp); do kill -9 "$p"; done ;;
    300) for p in $(pids_of cleanup); do kill -9 "$p"; done ;;
    400) for p in $(pids_of qmgr) $(pids_of smtp); do kill -9 "$p"; done ;;
  esac
done
echo "acknowledged: $acked of $N"

# Part two: cleanup killed while concurrent SMTP sessions commit messages.
Q=$("$B/postconf" -c "$C" -h queue_directory)
port=$(awk '$2 == "inet" && $NF == "smtpd" { n = split($1, a, ":"); print a[n]; exit }' "$C/master.cf")
cat > load.py <<'PY'
import socket, sys, threading
port, first, sessions, each = (int(x) for x in sys.argv[1:5])
acked, lock = [], threading.Lock()
def reply(f):
    while True:
        line = f.readline()
        if not line:
            raise EOFError
        if line[3:4] != b"-":
            return line
def session(k):
    for j in range(each):
        seq = first + k * each + j
        try:
            s = socket.create_connection(("127.0.0.1", port), 10)
            s.settimeout(60)
            f = s.makefile("rb")
            reply(f)
            for cmd in (b"EHLO load.example\r\n", b"MAIL FROM:<load@example.org>\r\n",
                        b"RCPT TO:<r%d@example.net>\r\n" % seq, b"DATA\r\n"):
                s.sendall(cmd)
                reply(f)
            s.sendall(b"Subject: crash %d\r\nX-Seq: %d\r\n\r\nbody %d\r\n.\r\n" % (seq, seq, seq))
            if reply(f).startswith(b"250 "):
                with lock:
                    acked.append(seq)
                    with open("acked-progress", "a") as p:
                        p.write("%d\n" % seq)
            s.sendall(b"QUIT\r\n")
            s.close()
        except (OSError, EOFError):
            pass
ts = [threading.Thread(target=session, args=(k,)) for k in range(sessions)]
for t in ts: t.start()
for t in ts: t.join()
with open("acked2.txt", "w") as out:
    out.write("".join("%d\n" % x for x in sorted(acked)))
PY
N2=${CRASH_N2:-3000}   # enough load for several kills on a fast machine
python3 load.py "$port" 10001 20 $((N2 / 20)) & lp=$!
remember $lp
check_ready() { # every 0700 file in incoming/ is complete
  local f
  for f in $(find "$Q/incoming" -type f -perm 0700 2>/dev/null); do
    cp "$f" ready.copy 2>/dev/null || continue   # moved on by qmgr meanwhile
    "$B/postcat" -c "$C" ready.copy >/dev/null 2>postcat.err && ! [ -s postcat.err ] ||
      { cat postcat.err; fail "incomplete ready file $f"; }
    checked=$((checked+1))
  done
}
kills=0; checked=0; t=0
while kill -0 $lp 2>/dev/null && [ $t -lt 1200 ]; do
  sleep 0.3; t=$((t+1))
  if [ $kills -lt 8 ] && grep -q . acked-progress 2>/dev/null; then
    for p in $(pids_of cleanup); do kill -9 "$p" && kills=$((kills+1)); done
    : > acked-progress
  fi
  check_ready
done
wait $lp
[ -s acked2.txt ] || fail "no message acknowledged while cleanup was killed"
[ $kills -ge 2 ] || fail "cleanup was killed only $kills times"
acked2=$(wc -l < acked2.txt)
echo "cleanup killed $kills times; acknowledged: $acked2 of $N2; ready files checked: $checked"
cat acked2.txt >> acked.txt
acked=$((acked + acked2))
# Let retries run; flush to skip backoff waits.
t=0
while [ $t -lt 120 ]; do
  cat "$WORK"/sink/*.eml 2>/dev/null | tr -d '\r' | sed -n 's/^X-Seq: //p' | sort -u > seen.txt
  [ -z "$(sort -u acked.txt | comm -23 - seen.txt | head -1)" ] && break
  [ $((t % 5)) = 0 ] && "$B/postqueue" -c "$C" -f >/dev/null 2>&1
  sleep 1; t=$((t+1))
done
cat "$WORK"/sink/*.eml | tr -d '\r' | sed -n 's/^X-Seq: //p' | sort > got.txt
sort -u got.txt > got-uniq.txt
missing=$(sort -u acked.txt | comm -23 - got-uniq.txt | wc -l)
dups=$(( $(wc -l < got.txt) - $(wc -l < got-uniq.txt) ))
echo "delivered: $(wc -l < got-uniq.txt) distinct, duplicates: $dups, missing: $missing"
[ "$missing" = 0 ] || { "$B/mailq" -C "$C" | tail -20; tail -40 "$C/log/maillog"; fail "$missing acknowledged messages lost"; }
[ "$((acked - acked2))" -ge $((N * 9 / 10)) ] || fail "only $((acked - acked2)) of $N submissions acknowledged"
[ "$acked2" -ge $((N2 / 4)) ] || fail "only $acked2 of $N2 SMTP messages acknowledged"
check_ready
[ -z "$(find "$Q/corrupt" -type f 2>/dev/null | head -1)" ] || fail "files in corrupt/"
wait_for 20 sh -c "[ \$(find $("$B/postconf" -c "$C" -h queue_directory)/active -type f | wc -l) = 0 ]" ||
  fail "files left in active/"
grep -q 'killed by signal 9' "$C/log/maillog" || fail "master did not log the killed children"
ok "no acknowledged message lost across kill -9 of qmgr, smtp and cleanup (also cleanup with commits in flight); every ready incoming/ file complete"
