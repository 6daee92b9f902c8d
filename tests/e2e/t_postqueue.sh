# t_postqueue: postqueue on a "sluice init" instance holding Postfix's real
# queue files. -p and -j print what Postfix printed (fixtures; messages of
# one queue may come in any readdir order, queues in Postfix's order), the
# markers, long IDs, usage and error texts with exit status 69, and the
# flush modes -f, -i, -s with the mail system down and up. The listings
# come from the showq service (an instance running only showq, so that no
# qmgr touches the fixtures); with the mail system down postqueue warns
# and reads the queue directly, printing the same.
. "$(dirname "$0")/lib.sh"

PQ=$B/postqueue
for p in sluice postqueue postconf; do
  [ -x "$B/$p" ] || skip "no $B/$p"
done
F=$FIXTURES
C=$WORK/inst
chmod 755 "$WORK"	# as root the daemons run as mail_owner
port=$(free_port)
dead=$(free_port)
new_instance "$C" "$port"
"$B/postconf" -c "$C" -e "relayhost = [127.0.0.1]:$dead" \
  "fast_flush_domains = flush.example.net" >/dev/null 2>&1 || fail "postconf -e"
q=$("$B/postconf" -c "$C" -h queue_directory 2>/dev/null)
[ -d "$q/deferred" ] || fail "no queue in $q"
log=$C/log/maillog

IDS="D5CA1A75992 C21D3A75972 45A9EA757A3 4EE5EA75951"
fixture() { ls "$F"/queuefile-?."$1"; }
deferlog() { ls "$F"/deferlog-?."$1"; }
h() { printf %s "$1" | cut -c1; }
own() { [ "$(id -u)" = 0 ] && chown "$(stat -c %u:%g "$q/deferred")" "$@"; return 0; }
install_fixtures() {
  rm -rf "$q"/maildrop/* "$q"/incoming/* "$q"/active/* "$q"/deferred/* "$q"/hold/* "$q"/defer/*
  for id in $IDS; do
    mkdir -p "$q/deferred/$(h "$id")" "$q/defer/$(h "$id")"
    cp "$(fixture "$id")" "$q/deferred/$(h "$id")/$id"
    chmod 0700 "$q/deferred/$(h "$id")/$id"
    cp "$(deferlog "$id")" "$q/defer/$(h "$id")/$id"
  done
  own -R "$q/deferred" "$q/defer"
}
# move ID FROM TO: by hand, as the daemons would
move() { mkdir -p "$q/$3" && mv "$q/$2/$(h "$1")/$1" "$q/$3/$1" || fail "move $1"; }
where() {
  local f; f=$(find "$q/maildrop" "$q/incoming" "$q/active" "$q/deferred" "$q/hold" -type f -name "$1" 2>/dev/null)
  [ -n "$f" ] || { echo none; return; }
  f=${f#"$q"/}; echo "${f%%/*}"
}

# listing MODE WANT [FIRST] [LAST]: postqueue -MODE equals WANT, blocks
# (-p) or lines (-j) in any order, FIRST/LAST the first/last block prefix
listing() {
  TZ=UTC "$PQ" -c "$C" -"$1" >"$WORK/list" 2>"$WORK/list.err"; rc=$?
  [ $rc = 0 ] || fail "postqueue -$1: exit $rc: $(cat "$WORK/list.err")"
  [ ! -s "$WORK/list.err" ] || fail "postqueue -$1: stderr: $(cat "$WORK/list.err")"
  python3 - "$1" "$2" "$WORK/list" "${3:-}" "${4:-}" <<'EOF' || fail "postqueue -$1 differs from $2"
import sys
mode, wf, gf, first, last = sys.argv[1:6]
want, got = open(wf).read(), open(gf).read()
def parse(t):
    if mode == "j":
        return "", t.splitlines(True), ""
    head, rest = t.split("\n", 1)
    body, trailer = rest.rsplit("\n\n", 1)
    return head, body.split("\n\n"), trailer
w, g = parse(want), parse(got)
ok = w[0] == g[0] and w[2] == g[2] and sorted(w[1]) == sorted(g[1])
if first: ok = ok and g[1][0].startswith(first)
if last: ok = ok and g[1][-1].startswith(last)
if not ok: sys.stderr.write("--- want\n" + want + "--- got\n" + got)
sys.exit(0 if ok else 1)
EOF
}

# fatal69 TEXT ARGS...: stderr is "postqueue: fatal: TEXT", exit 69, no stdout
fatal69() {
  want=$1; shift
  "$PQ" "$@" >"$WORK/out" 2>"$WORK/err"; rc=$?
  assert_eq 69 "$rc" "postqueue $* exit status"
  printf 'postqueue: fatal: %s\n' "$want" | cmp -s - "$WORK/err" || fail "postqueue $*: stderr [$(cat "$WORK/err")]"
  [ ! -s "$WORK/out" ] || fail "postqueue $*: stdout: $(cat "$WORK/out")"
}

# ---- listings ---------------------------------------------------------------
# Only the showq service runs while the listings are checked.
cp "$C/master.cf" "$WORK/master.cf.full"
grep '^showq ' "$WORK/master.cf.full" >"$C/master.cf" || fail "no showq in master.cf"
"$B/sluice" -c "$C" start >/dev/null 2>&1 || fail "sluice start (showq only)"
INSTANCES="${INSTANCES:-} $C"
wait_for 10 test -S "$q/public/showq" || fail "no public/showq"
install_fixtures
rm -rf "$q"/deferred/* "$q"/defer/*
TZ=UTC "$PQ" -c "$C" -p | cmp -s - "$F/postqueue-p-empty.txt" || fail "empty queue"
[ -z "$(TZ=UTC "$PQ" -c "$C" -j)" ] || fail "-j of an empty queue prints nothing"

install_fixtures
listing p "$F/postqueue-p.txt"
listing j "$F/postqueue-j.txt"
MAIL_CONFIG=$C listing p "$F/postqueue-p.txt"
if [ -x "$B/sendmail" ]; then
  TZ=UTC "$B/sendmail" -C "$C" -bp >"$WORK/bp" 2>&1 || fail "sendmail -bp: $(cat "$WORK/bp")"
  TZ=UTC "$PQ" -c "$C" -p | cmp -s - "$WORK/bp" || fail "sendmail -bp differs from postqueue -p"
fi

move D5CA1A75992 deferred hold
listing p "$F/postqueue-p-hold.txt" "" "D5CA1A75992!"
listing j "$F/postqueue-j-hold.txt" "" '{"queue_name": "hold", "queue_id": "D5CA1A75992"'

install_fixtures
move C21D3A75972 deferred maildrop
listing p "$F/postqueue-p-after-requeue.txt" "C21D3A75972 "

# markers: active "*", forced expiry "#", both
install_fixtures
move 45A9EA757A3 deferred active
chmod g+x "$q/active/45A9EA757A3" "$q/deferred/C/C21D3A75972"
TZ=UTC "$PQ" -c "$C" -p >"$WORK/list"
grep -qx '45A9EA757A3\*#     332 Mon Nov 23 18:55:21  kdent@example.com' "$WORK/list" || fail "active+expired line"
grep -qx 'C21D3A75972#     334 Mon Nov 23 18:55:21  a@client.example' "$WORK/list" || fail "expired line"
TZ=UTC "$PQ" -c "$C" -j | grep -q '"queue_name": "active", "queue_id": "45A9EA757A3", "arrival_time": 1795460121, "message_size": 332, "forced_expire": true,' ||
  fail "-j active+expired"
# active is listed before incoming and deferred
head -2 "$WORK/list" | tail -1 | grep -q '^45A9EA757A3\*#' || fail "active first"

# a file still being written (0600) and a maildrop file being written (0644)
install_fixtures
chmod 0600 "$q/deferred/4/45A9EA757A3"
cp "$(fixture C21D3A75972)" "$q/maildrop/ABCDE12345" && chmod 0644 "$q/maildrop/ABCDE12345"
TZ=UTC "$PQ" -c "$C" -p | tail -1 | grep -qx -- '-- 12 Kbytes in 3 Requests.' || fail "non-ready files must be invisible"

# long queue IDs
install_fixtures
rm -rf "$q"/deferred/* "$q"/defer/*
mkdir -p "$q/deferred/B" && cp "$(fixture 45A9EA757A3)" "$q/deferred/B/4jYFGl5Yc7z1bgLW" &&
  chmod 0700 "$q/deferred/B/4jYFGl5Yc7z1bgLW" && own -R "$q/deferred"
"$B/postconf" -c "$C" -e enable_long_queue_ids=yes >/dev/null 2>&1 || fail "postconf -e"
TZ=UTC "$PQ" -c "$C" -p >"$WORK/list"
printf '%s\n' "----Queue ID----- --Size-- ---Arrival Time---- --Sender/Recipient------" \
  "4jYFGl5Yc7z1bgLW       332 Mon Nov 23 18:55:21 kdent@example.com" \
  "                                               kdent@ora.com" "" \
  "-- 0 Kbytes in 1 Request." | cmp -s - "$WORK/list" || fail "long ID listing: $(cat "$WORK/list")"
"$B/postconf" -c "$C" -e enable_long_queue_ids=no >/dev/null 2>&1

# the mail system down: root is warned and reads the queue directly
install_fixtures
"$PQ" -c "$C" -p >"$WORK/up" 2>&1 || fail "postqueue -p: $(cat "$WORK/up")"
"$B/sluice" -c "$C" stop >/dev/null 2>&1
cp "$WORK/master.cf.full" "$C/master.cf"
"$PQ" -c "$C" -p >"$WORK/down" 2>"$WORK/down.err" || fail "postqueue -p, system down: $(cat "$WORK/down.err")"
listings_match "$WORK/up" "$WORK/down" || fail "direct listing differs from showq's"
grep -Eqx 'postqueue: warning: Mail system is down -- accessing queue directly \(Connect to the sluice showq service: (Connection refused|No such file or directory)\)' \
  "$WORK/down.err" || fail "system down warning: $(cat "$WORK/down.err")"

# ---- usage and errors: always exit 69 ----------------------------------------
U="usage: postqueue -f | postqueue -i queueid | postqueue -j | postqueue -p | postqueue -s site"
fatal69 "$U" -c "$C"
fatal69 "$U" -c "$C" -p -j
fatal69 "$U" -c "$C" -p extra
fatal69 "$U" -c "$C" -f -s flush.example.net
fatal69 'Cannot flush queue ID - invalid name: "bad.id"' -c "$C" -i bad.id
fatal69 'Cannot flush mail queue - invalid destination: "bad..site"' -c "$C" -s bad..site
fatal69 'Cannot flush mail queue - invalid destination: "[300.1.2.3]"' -c "$C" -s '[300.1.2.3]'
long=$(printf 'a%.0s' $(seq 1 120)).example
fatal69 "Cannot flush mail queue - invalid destination: \"$(printf %.100s "$long")...\"" -c "$C" -s "$long"
"$PQ" -c "$C" -s notlisted.example >"$WORK/out" 2>&1; echo "exit=$?" >>"$WORK/out"
cmp -s "$F/postqueue-s-notlisted.txt" "$WORK/out" || fail "-s notlisted: $(cat "$WORK/out")"
grep -q 'postfix/postqueue\[[0-9]*\]: fatal: Flush service is not configured for destination "notlisted.example"$' "$log" ||
  fail "fatal not logged"

# ---- flushing with the mail system down ---------------------------------------
D="Cannot flush mail queue - mail system is down"
fatal69 "$D" -c "$C" -f
install_fixtures
# -i and -s ask the flush service; when it is down they say so (exit 69)
# and never move queue files themselves, as Postfix's postqueue.
fatal69 "$D" -c "$C" -i NOSUCHID
fatal69 "$D" -c "$C" -i D5CA1A75992
assert_eq deferred "$(where D5CA1A75992)" "-i with the system down moved nothing"
fatal69 "$D" -c "$C" -s flush.example.net
assert_eq deferred "$(where 4EE5EA75951)" "-s with the system down moved nothing"
# a listed parent domain covers subdomains; ".domain" only subdomains
"$B/postconf" -c "$C" -e "fast_flush_domains = example.net, !client.example, .ora.com" >/dev/null 2>&1
fatal69 "$D" -c "$C" -s FLUSH.example.net
fatal69 'Flush service is not configured for destination "client.example"' -c "$C" -s client.example
fatal69 'Flush service is not configured for destination "ora.com"' -c "$C" -s ora.com
fatal69 "$D" -c "$C" -s sub.ora.com
"$B/postconf" -c "$C" -e "fast_flush_domains = flush.example.net" >/dev/null 2>&1

# ---- flushing with the mail system up -------------------------------------------
install_fixtures
# far-future retry times: qmgr leaves these alone unless flushed
for id in $IDS; do touch -d '+1 day' "$q/deferred/$(h "$id")/$id"; done
"$B/sluice" -c "$C" start >/dev/null 2>&1 || fail "sluice start"
INSTANCES="${INSTANCES:-} $C"
wait_for 10 test -S "$q/public/qmgr" || fail "no public/qmgr"
"$PQ" -c "$C" -s flush.example.net >"$WORK/out" 2>&1; rc=$?
cmp -s "$F/postqueue-s-listed.txt" "$WORK/out" || fail "-s listed: $(cat "$WORK/out")"
assert_eq 0 "$rc" "-s listed exit"
"$PQ" -c "$C" -i C21D3A75972 >"$WORK/out" 2>&1 || fail "-i with the system up: $(cat "$WORK/out")"
[ ! -s "$WORK/out" ] || fail "-i prints: $(cat "$WORK/out")"
"$PQ" -c "$C" -f >"$WORK/out" 2>&1 || fail "-f with the system up: $(cat "$WORK/out")"
[ ! -s "$WORK/out" ] || fail "-f prints: $(cat "$WORK/out")"
# qmgr takes flushed mail from incoming (and, the relay being dead, defers it)
wait_for 20 sh -c "! find '$q/incoming' -type f | grep -q ." || fail "flushed mail stayed in incoming"
"$B/sluice" -c "$C" stop >/dev/null 2>&1
ok "postqueue"
