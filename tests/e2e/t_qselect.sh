# t_qselect: queue selection (beyond Postfix; util/qselect). 1,000 queue
# files in Postfix's format, from 10 senders to 10 domains, are written
# straight into deferred/ (tests/e2e/qgen.py; postcat reads them), on an
# instance that runs only showq (no qmgr moves them). Then:
# "postsuper -d ALL --sender s3@..." removes exactly that sender's 100
# messages (and their defer logs) and leaves the other 900 intact;
# "postqueue -p --domain d5.example" lists exactly the expected IDs, the
# same through the showq service as from the direct read; every other
# criterion and their AND/OR rules against the generator's manifest;
# -h/-H/-r and explicit IDs ("-d ID", "-d -") with a selection; the
# ID-reuse check (a file replaced under the same ID is left alone); bad
# values with Postfix's exit statuses (postqueue 69, postsuper 1); plain
# postqueue/postsuper output unchanged by the new code.
. "$(dirname "$0")/lib.sh"

PS=$B/postsuper
PQ=$B/postqueue
for p in sluice postsuper postqueue postconf postcat; do
  [ -x "$B/$p" ] || skip "no $B/$p"
done
C=$WORK/inst
chmod 755 "$WORK"	# as root the daemons run as mail_owner
new_instance "$C"
"$B/postconf" -c "$C" -e "relayhost = [127.0.0.1]:$(free_port)" >/dev/null || fail "postconf -e"
q=$("$B/postconf" -c "$C" -h queue_directory 2>/dev/null)
[ -d "$q/deferred" ] || fail "no queue in $q"
own() { [ "$(id -u)" = 0 ] && chown -R "$(stat -c %u:%g "$q/deferred")" "$@"; return 0; }
GEN="python3 $SLUICE_ROOT/tests/e2e/qgen.py"
M=$WORK/manifest

# gen: the 1,000 messages (queue emptied first); the manifest has
# "ID SENDER RECIPIENT SIZE ARRIVAL" per message
gen() {
  rm -rf "$q"/maildrop/* "$q"/incoming/* "$q"/active/* "$q"/deferred/* "$q"/hold/* "$q"/defer/*
  $GEN --queue "$q" --count 1000 >"$M" || fail "qgen"
  own "$q/deferred"
}
# want EXPR: sorted IDs of the manifest rows for which the awk
# expression EXPR (over s, r, size, age in seconds) is true
want() {
  awk -v now="$(date +%s)" "{ s = \$2; r = \$3; size = \$4; age = now - \$5 } $1 { print \$1 }" "$M" | sort
}
# ids_p FILE: the IDs of a postqueue -p listing, sorted (markers dropped)
ids_p() { grep -E '^[0-9A-F]' "$1" | awk '{ print $1 }' | tr -d '*!#' | sort; }
# ids_j FILE: the IDs of a postqueue -j listing, sorted
ids_j() { sed 's/^{"queue_name": "[a-z]*", "queue_id": "\([0-9A-F]*\)", .*/\1/' "$1" | sort; }
# same_ids WANTFILE GOTFILE WHAT
same_ids() {
  cmp -s "$1" "$2" || { diff "$1" "$2" | head -5 >&2; fail "$3: $(wc -l <"$1") IDs wanted, $(wc -l <"$2") listed"; }
}
# sel_j WHAT EXPR ARGS...: postqueue -j ARGS lists exactly the EXPR rows
sel_j() {
  local what=$1 expr=$2; shift 2
  "$PQ" -c "$C" -j "$@" >"$WORK/j" 2>"$WORK/j.err" || fail "$what: postqueue -j $*: $(cat "$WORK/j.err")"
  want "$expr" >"$WORK/want"; ids_j "$WORK/j" >"$WORK/got"
  same_ids "$WORK/want" "$WORK/got" "$what"
  [ -s "$WORK/want" ] || [ "$what" = empty ] || fail "$what: the test selects nothing"
}
# ps ARGS...: postsuper, stderr in $WORK/err, exit status in RC
ps() { "$PS" -c "$C" "$@" >"$WORK/out" 2>"$WORK/err"; RC=$?; }
# done_ids WHAT: the IDs of "postsuper: ID: WHAT" lines, sorted
done_ids() { sed -n "s/^postsuper: \([0-9A-F]*\): $1\$/\1/p" "$WORK/err" | sort; }

# ---- 1,000 messages, readable by postcat --------------------------------------
gen
assert_eq 1000 "$(find "$q/deferred" -type f | wc -l)" "generated files"
id=$(awk 'NR == 37 { print $1 }' "$M")
"$B/postcat" -c "$C" -q "$id" >"$WORK/pc" 2>"$WORK/pc.err" || fail "postcat -q $id: $(cat "$WORK/pc.err")"
[ ! -s "$WORK/pc.err" ] || fail "postcat warns: $(cat "$WORK/pc.err")"
grep -qx "sender: $(awk 'NR == 37 { print $2 }' "$M")" "$WORK/pc" || fail "postcat: sender"
grep -qx "recipient: $(awk 'NR == 37 { print $3 }' "$M")" "$WORK/pc" || fail "postcat: recipient"
grep -qx "\*\*\* MESSAGE FILE END deferred/${id:0:1}/$id \*\*\*" "$WORK/pc" || fail "postcat: end"

# ---- listing by domain: direct read, then through the showq service ---------
"$PQ" -c "$C" -p --domain d5.example >"$WORK/direct" 2>"$WORK/direct.err" || fail "direct -p --domain"
grep -q "Mail system is down -- accessing queue directly" "$WORK/direct.err" ||
  fail "direct read warning: $(cat "$WORK/direct.err")"
want 'r ~ /@d5\.example$/' >"$WORK/want"
assert_eq 100 "$(wc -l <"$WORK/want")" "manifest: 100 messages to d5.example"
ids_p "$WORK/direct" >"$WORK/got"
same_ids "$WORK/want" "$WORK/got" "postqueue -p --domain d5.example (direct)"
kb=$(awk 'NR == FNR { w[$1] = 1; next } $1 in w { t += $4 } END { print int(t / 1024) }' "$WORK/want" "$M")
assert_eq "-- $kb Kbytes in 100 Requests." "$(tail -1 "$WORK/direct")" "trailer counts what is shown"

cp "$C/master.cf" "$WORK/master.cf.full"
grep '^showq ' "$WORK/master.cf.full" >"$C/master.cf" || fail "no showq in master.cf"
"$B/sluice" -c "$C" start >/dev/null 2>&1 || fail "sluice start (showq only)"
INSTANCES="${INSTANCES:-} $C"
wait_for 10 test -S "$q/public/showq" || fail "no public/showq"
"$PQ" -c "$C" -p --domain d5.example >"$WORK/showq" 2>"$WORK/showq.err" || fail "-p --domain via showq"
[ ! -s "$WORK/showq.err" ] || fail "-p via showq: stderr: $(cat "$WORK/showq.err")"
listings_match "$WORK/direct" "$WORK/showq" || fail "showq listing differs from the direct read"
"$PQ" -c "$C" -p --domain=@D5.Example. >"$WORK/showq2" && listings_match "$WORK/direct" "$WORK/showq2" || fail "--domain=@D5.Example."
"$PQ" -c "$C" -p >"$WORK/all" || fail "postqueue -p"
grep -q " in 1000 Requests\.$" "$WORK/all" || fail "plain listing: $(tail -1 "$WORK/all")"

# ---- every criterion, AND between kinds, OR within one ------------------------
sel_j "sender" 's == "s3@senders.example"' --sender s3@senders.example
sel_j "sender, any case, <>" 's == "s3@senders.example"' --sender '<S3@Senders.EXAMPLE>'
sel_j "two senders" 's == "s1@senders.example" || s == "s8@senders.example"' \
  --sender s1@senders.example --sender s8@senders.example
sel_j "sender-domain" '1' --sender-domain senders.example
sel_j "recipient" 'r == "r42@d4.example"' --recipient r42@d4.example
sel_j "domain and sender" 'r ~ /@d2\.example$/ && s == "s7@senders.example"' \
  --domain d2.example --sender s7@senders.example
sel_j "domains or'ed" 'r ~ /@d[29]\.example$/' \
  --domain d2.example --domain d9.example
sel_j "older-than" 'age > 500 * 60' --older-than 500m
sel_j "newer-than" 'age < 3 * 3600' --newer-than 3h
sel_j "age window" 'age > 2 * 3600 && age < 5 * 3600' --older-than 2h --newer-than 18000
sel_j "larger-than" 'size > 1024' --larger-than 1k
sel_j "smaller-than" 'size < 600' --smaller-than 600
sel_j "queue" '1' --queue deferred
sel_j "empty" '0' --queue hold
"$PQ" -c "$C" -p --queue hold >"$WORK/p" 2>&1 || fail "-p --queue hold"
assert_eq "Mail queue is empty" "$(cat "$WORK/p")" "an empty selection prints what Postfix prints for an empty queue"

# ---- select and delete one sender -----------------------------------------------
want 's == "s3@senders.example"' >"$WORK/s3"
d=$(head -1 "$WORK/s3")
mkdir -p "$q/defer/${d:0:1}" && echo "recipient=x" >"$q/defer/${d:0:1}/$d" && own "$q/defer"
ps -d ALL --sender s3@senders.example
assert_eq 0 "$RC" "-d ALL --sender exit"
assert_eq "postsuper: Deleted: 100 messages" "$(tail -1 "$WORK/err")" "-d ALL --sender summary"
done_ids removed >"$WORK/got"
same_ids "$WORK/s3" "$WORK/got" "-d ALL --sender: per-message lines"
assert_eq 101 "$(wc -l <"$WORK/err")" "-d ALL --sender: nothing else on stderr"
[ ! -e "$q/defer/${d:0:1}/$d" ] || fail "-d with a selection must remove the defer log"
assert_eq 900 "$(find "$q/deferred" -type f | wc -l)" "900 files left"
"$PQ" -c "$C" -j >"$WORK/j" || fail "-j"
want 's != "s3@senders.example"' >"$WORK/want"; ids_j "$WORK/j" >"$WORK/got"
same_ids "$WORK/want" "$WORK/got" "the other 900 are intact"
"$PQ" -c "$C" -p --domain d5.example >"$WORK/p" || fail "-p --domain after delete"
want 'r ~ /@d5\.example$/ && s != "s3@senders.example"' >"$WORK/want"; ids_p "$WORK/p" >"$WORK/got"
same_ids "$WORK/want" "$WORK/got" "-p --domain d5.example after the delete"
ps -d ALL --sender s3@senders.example
assert_eq "postsuper: Deleted: 0 messages" "$(cat "$WORK/err")" "second delete finds nothing"

# ---- hold, release, requeue, explicit IDs --------------------------------------
ps -h ALL --sender s1@senders.example --domain d7.example
want 's == "s1@senders.example" && r ~ /@d7\.example$/' >"$WORK/want"
done_ids "placed on hold" >"$WORK/got"
same_ids "$WORK/want" "$WORK/got" "-h ALL with two criteria"
assert_eq "postsuper: Placed on hold: 10 messages" "$(tail -1 "$WORK/err")" "-h summary"
assert_eq 10 "$(find "$q/hold" -type f | wc -l)" "10 in hold"
sel_j "held ones" 's == "s1@senders.example" && r ~ /@d7\.example$/' --queue hold
h1=$(head -1 "$WORK/want")
ps -H ALL --recipient "$(awk -v i="$h1" '$1 == i { print $3 }' "$M")"
assert_eq "postsuper: $h1: released from hold
postsuper: Released from hold: 1 message" "$(cat "$WORK/err")" "-H ALL --recipient"
[ -f "$q/deferred/${h1:0:1}/$h1" ] || fail "-H: not back in deferred"
other=$(sed -n 2p "$WORK/want")
ps -r "$other" --sender s2@senders.example
assert_eq "postsuper: Requeued: 0 messages" "$(cat "$WORK/err")" "-r ID not selected"
ps -r "$other" --sender s1@senders.example --queue hold
assert_eq "postsuper: $other: requeued
postsuper: Requeued: 1 message" "$(cat "$WORK/err")" "-r ID selected"
[ -f "$q/maildrop/$other" ] || fail "-r: not in maildrop"
# IDs on standard input: only those the selection also chooses
want 'r ~ /@d2\.example$/' | "$PS" -c "$C" -d - --sender s4@senders.example 2>"$WORK/err" ||
  fail "-d - with a selection"
want 'r ~ /@d2\.example$/ && s == "s4@senders.example"' >"$WORK/want"
done_ids removed >"$WORK/got"
same_ids "$WORK/want" "$WORK/got" "-d - --sender"
assert_eq "postsuper: Deleted: 10 messages" "$(tail -1 "$WORK/err")" "-d - summary"

# ---- an explicit ID is looked for in every queue --------------------------------
# (The ID-reuse check, a file replaced between the read and the act, is
# tested in tests/unit/test_qselect.c.)
x=$(want 's == "s5@senders.example" && r ~ /@d0\.example$/' | head -1)
mkdir -p "$q/active" && mv "$q/deferred/${x:0:1}/$x" "$q/active/$x"
ps -d "$x" --sender s5@senders.example
assert_eq "postsuper: $x: removed
postsuper: Deleted: 1 message" "$(cat "$WORK/err")" "-d ID finds the moved message"

# ---- null sender, quoted local part, subdomains ---------------------------------
$GEN --queue "$q" --special >"$WORK/special" || fail "qgen --special"
own "$q/deferred"
nul=E0000A00001 quo=E0000A00002 sub=E0000A00003
for s in '' '<>' MAILER-DAEMON; do
  "$PQ" -c "$C" -j --sender "$s" >"$WORK/j" || fail "-j --sender '$s'"
  assert_eq "$nul" "$(ids_j "$WORK/j")" "--sender '$s' (null sender)"
done
assert_eq "$quo" "$("$PQ" -c "$C" -p --sender '"a b"@q.example' | ids_p /dev/stdin)" "quoted sender"
assert_eq "$quo" "$("$PQ" -c "$C" -p --sender 'A b@Q.example' | ids_p /dev/stdin)" "quoted sender, unquoted"
"$PQ" -c "$C" -p --sender '"a b"@q.example' | grep -q '  "a b"@q.example$' || fail "quoted sender shown quoted"
"$PQ" -c "$C" -p --domain d5.example | ids_p /dev/stdin | grep -qx "$sub" || fail "--domain matches subdomains"
"$PQ" -c "$C" -p --domain mx.d5.example | ids_p /dev/stdin >"$WORK/got"
assert_eq "$sub" "$(cat "$WORK/got")" "--domain mx.d5.example is only the subdomain"
"$PQ" -c "$C" -p --domain 5.example | ids_p /dev/stdin | grep -q . && fail "--domain 5.example must not match d5.example"

# ---- bad values and misuse --------------------------------------------------------
# pq_err WANT ARGS...: postqueue fails with exit 69 and WANT on stderr
pq_err() {
  local w=$1; shift
  "$PQ" -c "$C" "$@" >"$WORK/out" 2>"$WORK/err"; rc=$?
  assert_eq 69 "$rc" "postqueue $* exit"
  assert_eq "postqueue: fatal: $w" "$(cat "$WORK/err")" "postqueue $*"
  [ ! -s "$WORK/out" ] || fail "postqueue $*: stdout"
}
ps_err() {
  local w=$1; shift
  ps "$@"
  assert_eq 1 "$RC" "postsuper $* exit"
  assert_eq "postsuper: fatal: $w" "$(cat "$WORK/err")" "postsuper $*"
}
TW="(want a number with an optional unit s, m, h, d or w)"
SW="(want a number of bytes with an optional k, m or g)"
QW="(want maildrop, incoming, active, deferred or hold)"
for o in older-than newer-than; do
  for v in '' 3x -5 1.5h 99999999999999999999 10ms; do
    pq_err "invalid --$o value: \"$v\" $TW" -p --$o "$v"
    ps_err "invalid --$o value: \"$v\" $TW" -d ALL --$o "$v"
  done
done
for o in larger-than smaller-than; do
  for v in '' 1kb k -1 99999999999999999g; do
    pq_err "invalid --$o value: \"$v\" $SW" -j --$o "$v"
    ps_err "invalid --$o value: \"$v\" $SW" -h ALL --$o "$v"
  done
done
pq_err "invalid --queue value: \"defer\" $QW" -p --queue defer
ps_err "invalid --queue value: \"Hold\" $QW" -H ALL --queue Hold
for v in '' '@' 'a@b.example' 'a b'; do
  pq_err "invalid --domain value: \"$v\" (want a domain name)" -p --domain "$v"
  ps_err "invalid --sender-domain value: \"$v\" (want a domain name)" -r ALL --sender-domain "$v"
done
pq_err "invalid --domain value: \"a?b\" (want a domain name)" -p --domain "$(printf 'a\tb')"
pq_err "queue selection options need -p or -j" -f --sender a@b
pq_err "queue selection options need -p or -j" -s example.com --sender a@b
ps_err "queue selection options need -d, -e, -f, -h, -H or -r" -s --sender a@b
# a missing value and an unknown long option are usage errors
"$PQ" -c "$C" -p --sender >/dev/null 2>"$WORK/err"; assert_eq 69 "$?" "postqueue --sender without value"
grep -q "^postqueue: fatal: usage: postqueue -f" "$WORK/err" || fail "postqueue missing value: $(cat "$WORK/err")"
"$PQ" -c "$C" -p --nosuch x >/dev/null 2>"$WORK/err"; assert_eq 69 "$?" "postqueue --nosuch"
ps -d ALL --sender; assert_eq 1 "$RC" "postsuper --sender without value"
grep -q "^postsuper: fatal: usage: postsuper \[-c config_dir\]" "$WORK/err" || fail "postsuper missing value: $(cat "$WORK/err")"
ps -d ALL --nosuch x; assert_eq 1 "$RC" "postsuper --nosuch"

# ---- plain Postfix options unchanged --------------------------------------------
n=$(find "$q/deferred" "$q/maildrop" "$q/active" "$q/hold" -type f | wc -l)
ps -d ALL
assert_eq "postsuper: Deleted: $n messages" "$(cat "$WORK/err")" "plain -d ALL: summary only"
"$PQ" -c "$C" -p >"$WORK/p" 2>&1 || fail "-p empty"
assert_eq "Mail queue is empty" "$(cat "$WORK/p")" "plain -p on an empty queue"
"$B/sluice" -c "$C" stop >/dev/null 2>&1
cp "$WORK/master.cf.full" "$C/master.cf"
ok "qselect"
