# t_flush: the fast flush service. Mail relayed to a dead port is deferred
# with a long backoff; the flush daemon logs the deferred IDs per site
# (fast_flush_domains = flush.example); once a sink is up,
# "postqueue -s flush.example" and ETRN deliver only that site's mail at
# once (other.example stays deferred), "postqueue -i ID" one message; a
# site that is not listed gets Postfix's error texts.
. "$(dirname "$0")/lib.sh"
for p in sluice sendmail postqueue postconf master pickup cleanup qmgr smtp smtpd flush; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
F=$FIXTURES
C=$WORK/inst
sp=$(free_port)
port=$(free_port)
new_instance "$C" "$port"
"$B/postconf" -c "$C" -e "relayhost = [127.0.0.1]:$sp" "fast_flush_domains = flush.example" \
  "minimal_backoff_time = 3600s" "maximal_backoff_time = 3600s" "queue_run_delay = 3600s" \
  "myhostname = relay.example.com" "myorigin = example.com" >/dev/null || fail "postconf -e"
"$B/sluice" -c "$C" start >/dev/null 2>&1 || fail "sluice start"
INSTANCES="$C"
q=$("$B/postconf" -c "$C" -h queue_directory)
log=$C/log/maillog
wait_for 10 test -S "$q/public/flush" || fail "no public/flush: $(tail -5 "$log")"

# send RCPT: submit one message, print its queue ID once it is deferred
send() {
  local before id
  before=$(grep -c 'status=deferred' "$log" 2>/dev/null)
  printf 'Subject: to %s\n\nhello\n' "$1" | "$B/sendmail" -C "$C" -f alice@example.org "$1" || fail "sendmail $1"
  wait_for 30 sh -c "[ \$(grep -c 'status=deferred' '$log') -gt $before ]" ||
    { tail -20 "$log" >&2; fail "$1 not deferred"; }
  id=$(grep "to=<$1>.*status=deferred" "$log" | tail -1 | sed 's/.*: \([0-9A-Za-z]*\): to=.*/\1/')
  [ -n "$id" ] || fail "no queue ID for $1"
  wait_for 10 sh -c "find '$q/deferred' -type f -name '$id' | grep -q ." || fail "$id not in deferred/"
  echo "$id"
}
where() {
  local f; f=$(find "$q/incoming" "$q/active" "$q/deferred" -type f -name "$1" 2>/dev/null)
  [ -n "$f" ] || { echo none; return; }
  f=${f#"$q"/}; echo "${f%%/*}"
}
sent() { grep -q "$1: to=<.*status=sent" "$log"; }

a=$(send u1@flush.example)
b=$(send u2@other.example)
# the per-site log holds the deferred ID; other.example is not listed
wait_for 10 grep -qx "$a" "$q/flush/flush_example" || fail "flush/flush_example lacks $a: $(cat "$q/flush/flush_example" 2>&1)"
[ ! -e "$q/flush/other_example" ] || fail "log for a site that is not listed"
[ "$(stat -c %a "$q/flush/flush_example")" = 600 ] || fail "log mode $(stat -c %a "$q/flush/flush_example")"
ok "deferred IDs logged per eligible site"

start_sink "$sp" "$WORK/sink"
sleep 2
assert_eq 0 "$(sink_count "$WORK/sink")" "delivered before any flush (backoff 3600s)"

# postqueue -s: the listed site's mail goes now, the other stays
"$B/postqueue" -c "$C" -s flush.example >"$WORK/out" 2>&1; rc=$?
assert_eq 0 "$rc" "postqueue -s flush.example exit"
cmp -s "$F/postqueue-s-listed.txt" "$WORK/out" || fail "-s listed output: $(cat "$WORK/out")"
wait_for 20 sent "$a" || { tail -20 "$log"; fail "postqueue -s did not deliver $a"; }
assert_eq 1 "$(sink_count "$WORK/sink")" "sink messages after -s"
sleep 1
assert_eq deferred "$(where "$b")" "other.example mail after -s"
[ ! -s "$q/flush/flush_example" ] || fail "log not emptied: $(cat "$q/flush/flush_example")"
ok "postqueue -s delivers only the site's mail"

# not eligible, invalid: Postfix's texts, exit 69
"$B/postqueue" -c "$C" -s notlisted.example >"$WORK/out" 2>&1; echo "exit=$?" >>"$WORK/out"
cmp -s "$F/postqueue-s-notlisted.txt" "$WORK/out" || fail "-s notlisted: $(cat "$WORK/out")"
"$B/postqueue" -c "$C" -s other.example >"$WORK/out" 2>&1; rc=$?
assert_eq 69 "$rc" "-s other.example exit"
grep -qx 'postqueue: fatal: Flush service is not configured for destination "other.example"' "$WORK/out" ||
  fail "-s other.example: $(cat "$WORK/out")"
assert_eq deferred "$(where "$b")" "other.example mail after a refused -s"
ok "postqueue -s of a site that is not listed"

# ETRN: a new deferred message for flush.example, flushed over SMTP
stop_sink
c=$(send u3@flush.example)
wait_for 10 grep -qx "$c" "$q/flush/flush_example" || fail "flush/flush_example lacks $c"
start_sink "$sp" "$WORK/sink2"
cat >etrn.chat <<'CHAT'
< 220
> EHLO client.example
< 250
> ETRN
< 500 Syntax: ETRN domain
> ETRN a b
< 500 Syntax: ETRN domain
> ETRN bad..site
< 501 Error: invalid parameter syntax
> ETRN 1.2.3.4
< 501 Error: invalid parameter syntax
> ETRN notlisted.example
< 459 <notlisted.example>: service unavailable
> ETRN @other.example
< 459 <other.example>: service unavailable
> MAIL FROM:<x@example.org>
< 250
> ETRN flush.example
< 503 Error: MAIL transaction in progress
> RSET
< 250
> ETRN #flush.example
< 250 Queuing started
> QUIT
< 221
CHAT
python3 "$SLUICE_ROOT/tests/e2e/smtpchat.py" "$port" etrn.chat >"$WORK/chat.out" || fail "ETRN dialogue: $(cat "$WORK/chat.out")"
wait_for 20 sent "$c" || { tail -20 "$log"; fail "ETRN did not deliver $c"; }
assert_eq 1 "$(sink_count "$WORK/sink2")" "sink messages after ETRN"
grep -q 'warning: reject: ETRN notlisted.example\.\.\. from ' "$log" || fail "no reject warning logged"
grep -q 'disconnect from .* etrn=1/8 ' "$log" || fail "disconnect counters: $(grep disconnect "$log" | tail -1)"
sleep 1
assert_eq deferred "$(where "$b")" "other.example mail after ETRN"
ok "ETRN delivers only the site's mail"

# postqueue -i: one message, whatever its site
"$B/postqueue" -c "$C" -i "$b" >"$WORK/out" 2>&1 || fail "postqueue -i: $(cat "$WORK/out")"
[ ! -s "$WORK/out" ] || fail "postqueue -i prints: $(cat "$WORK/out")"
wait_for 20 sent "$b" || { tail -20 "$log"; fail "postqueue -i did not deliver $b"; }
"$B/postqueue" -c "$C" -i NOSUCHID1 >"$WORK/out" 2>&1 || fail "-i of a missing ID: $(cat "$WORK/out")"
ok "postqueue -i delivers one message"

# hostile requests get status 3 (BAD) or 2 (UNKNOWN) and the service stays
# up; the master's "W" wake-up is accepted; purge removes empty logs
python3 - "$q/public/flush" <<'PY' || fail "flush service requests"
import socket, sys
def ask(data, close=False):
    s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
    s.sendall(data)
    if close:
        s.close(); return None
    r = b""
    while not r.endswith(b"\n\n"):
        d = s.recv(100)
        if not d: break
        r += d
    s.close(); return r
for req, want in [(b"no equals sign\n\n", b"status=3\n\n"),
                  (b"x" * 5000, b"status=3\n\n"),
                  (b"request=send_site\nsite=bad..site\n\n", b"status=3\n\n"),
                  (b"request=send_site\nsite=other.example\n\n", b"status=4\n\n"),
                  (b"request=bogus\n\n", b"status=2\n\n"),
                  (b"request=add\nsite=flush.example\nqueue_id=../../x\n\n", b"status=3\n\n")]:
    got = ask(req)
    assert got == want, (req[:40], got)
ask(b"W", close=True)
assert ask(b"request=purge\n\n") == b"status=0\n\n"
PY
[ ! -e "$q/flush/flush_example" ] || fail "purge left the empty log"
"$B/sluice" -c "$C" stop >/dev/null 2>&1
ok "flush"
