# kill -9 of qmgr, smtp and cleanup in the middle of 500 deliveries: master
# restarts them; every acknowledged message reaches the sink (duplicates are
# allowed and counted, none lost); nothing is left in active/.
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
# Let retries run; flush to skip backoff waits.
t=0
while [ $t -lt 120 ]; do
  seqs=$(cat "$WORK"/sink/*.eml 2>/dev/null | tr -d '\r' | sed -n 's/^X-Seq: //p' | sort -un | wc -l)
  [ "$seqs" -ge "$acked" ] && break
  [ $((t % 5)) = 0 ] && "$B/postqueue" -c "$C" -f >/dev/null 2>&1
  sleep 1; t=$((t+1))
done
cat "$WORK"/sink/*.eml | tr -d '\r' | sed -n 's/^X-Seq: //p' | sort > got.txt
sort -u got.txt > got-uniq.txt
missing=$(sort acked.txt | comm -23 - got-uniq.txt | wc -l)
dups=$(( $(wc -l < got.txt) - $(wc -l < got-uniq.txt) ))
echo "delivered: $(wc -l < got-uniq.txt) distinct, duplicates: $dups, missing: $missing"
[ "$missing" = 0 ] || { "$B/mailq" -C "$C" | tail -20; tail -40 "$C/log/maillog"; fail "$missing acknowledged messages lost"; }
[ "$acked" -ge $((N * 9 / 10)) ] || fail "only $acked of $N submissions acknowledged"
wait_for 20 sh -c "[ \$(find $("$B/postconf" -c "$C" -h queue_directory)/active -type f | wc -l) = 0 ]" ||
  fail "files left in active/"
grep -q 'killed by signal 9' "$C/log/maillog" || fail "master did not log the killed children"
ok "no acknowledged message lost across kill -9 of qmgr, smtp and cleanup"
