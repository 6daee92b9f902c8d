# smtpd: swaks relays through a sluice instance to the sink; relay control,
# strict end of DATA (no smuggling), NUL bytes, size limits, pipelining,
# DSN parameters (hostile ones too), bare LF handling and soft_bounce.
. "$(dirname "$0")/lib.sh"
for p in sluice smtpd master cleanup qmgr smtp; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
command -v swaks >/dev/null || skip "swaks not installed"
sp=$(free_port); port=$(free_port)
start_sink "$sp" "$WORK/sink"
C=$WORK/inst
"$B/sluice" init "$C" "$port" >/dev/null || fail "init"
"$B/postconf" -c "$C" -e "relayhost = [127.0.0.1]:$sp" "message_size_limit = 20000" \
  "myhostname = relay.example.com" "smtpd_error_sleep_time = 0s" >/dev/null
"$B/sluice" -c "$C" start || fail "start"
INSTANCES="$C"
wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" || fail "smtpd not listening"

swaks --server 127.0.0.1:$port --from a@client.example --to b@remote.example,c@remote.example \
  --header "Subject: via swaks" --body "hello from swaks" > swaks.out 2>&1 || { cat swaks.out; fail "swaks failed"; }
grep -q '<-  250 2.0.0 Ok: queued as [0-9A-F]' swaks.out || { cat swaks.out; fail "no queued-as reply"; }
wait_for 20 sh -c "[ \$(ls $WORK/sink | grep -c '\.env\$') -ge 1 ]" || { tail -20 "$C/log/maillog"; fail "swaks message not relayed"; }
grep -q 'RCPT TO:<c@remote.example>' "$WORK"/sink/*.env || fail "second recipient lost"
grep -Eq "smtpd\[[0-9]+\]: [0-9A-F]+: client=$CN\[127\.0\.0\.1\]" "$C/log/maillog" || fail "no client= log line"
grep -Eq "disconnect from $CN\[127\.0\.0\.1\] ehlo=1 mail=1 rcpt=2 data=1 quit=1 commands=6" "$C/log/maillog" ||
  { grep disconnect "$C/log/maillog"; fail "disconnect line"; }
# Postfix's order of log lines for one message: smtpd client= (at the first
# accepted recipient), cleanup message-id=, qmgr from=.
qid=$(sed -n 's/.*<-  250 2.0.0 Ok: queued as \([0-9A-F]*\).*/\1/p' swaks.out)
order=$(grep -E "$qid: (client=|message-id=|from=)" "$C/log/maillog" | sed -E 's/.*\]: [0-9A-F]+: ([a-z-]+)=.*/\1/' | tr '\n' ' ')
assert_eq "client message-id from " "$order" "log line order for $qid"
ok "swaks relayed"

# Smuggling: a bare-LF "." never ends DATA; only CRLF.CRLF does. One message.
cat > smuggle.chat <<'CHAT'
< 220
> EHLO t.example
< 250
> MAIL FROM:<s@client.example>
< 250
> RCPT TO:<victim@remote.example>
< 250
> DATA
< 354
>raw b"Subject: smuggle\r\n\r\nfirst\n.\nMAIL FROM:<evil@x>\r\nRCPT TO:<evil@remote.example>\r\n\r\n.\r\n"
< 250
> QUIT
< 221
CHAT
python3 "$SLUICE_ROOT/tests/e2e/smtpchat.py" "$port" smuggle.chat || fail "smuggling dialogue"
wait_for 20 sh -c "grep -l 'victim@remote.example' $WORK/sink/*.env" || fail "smuggle test message not delivered"
grep -q 'evil@' "$WORK"/sink/*.env && fail "a smuggled message was accepted"
m=$(grep -l 'victim@remote.example' "$WORK"/sink/*.env); m=${m%.env}.eml
grep -q '^MAIL FROM:<evil@x>' "$m" || fail "smuggled text should have stayed content"
ok "no SMTP smuggling"

# Relay control: a client outside mynetworks may not relay.
"$B/postconf" -c "$C" -e "mynetworks = 127.0.0.2/32" >/dev/null
sluice_reload "$C" || fail "reload"
cat > relay.chat <<'CHAT'
< 220
> HELO t.example
< 250
> MAIL FROM:<x@example.org>
< 250
> RCPT TO:<victim@elsewhere.test>
< 454 4.7.1 <victim@elsewhere.test>: Relay access denied
> VRFY <"u@remote.test"@localhost>
< 454 4.7.1 <u@remote.test@localhost>: Relay access denied
> QUIT
< 221
CHAT
python3 "$SLUICE_ROOT/tests/e2e/smtpchat.py" "$port" relay.chat || fail "relay denial"
grep -q "NOQUEUE: reject: RCPT from $CN\[127.0.0.1\]: 454 4.7.1 <victim@elsewhere.test>: Relay access denied; from=<x@example.org> to=<victim@elsewhere.test> proto=SMTP helo=<t.example>" "$C/log/maillog" ||
  fail "reject log line"
"$B/postconf" -c "$C" -e "mynetworks = 127.0.0.0/8" >/dev/null
sluice_reload "$C" || fail "reload"
ok "relay denied outside mynetworks"

# Bad input: NUL in a command, overlong line, oversize message, pipelining.
cat > bad.chat <<'CHAT'
< 220
>raw b"EHLO a\x00b\r\n"
< 500
>raw b"NOOP " + b"x" * 5000 + b"\r\n"
< 500 5.5.2 relay.example.com Error: command too long
> MAIL FROM:<s@client.example> SIZE=999999999
< 552
> MAIL FROM:<s@client.example>
< 250
> RCPT TO:<big@remote.example>
< 250
> DATA
< 354
>raw b"Subject: big\r\n\r\n" + (b"y" * 998 + b"\r\n") * 30 + b".\r\n"
< 552
>raw b"RSET\r\nMAIL FROM:<p@client.example>\r\nRCPT TO:<p1@remote.example>\r\nRCPT TO:<p2@remote.example>\r\nDATA\r\n"
< 250
< 250
< 250
< 250
< 354
>raw b"Subject: pipelined\r\n\r\nok\r\n.\r\nQUIT\r\n"
< 250
< 221
CHAT
python3 "$SLUICE_ROOT/tests/e2e/smtpchat.py" "$port" bad.chat || fail "bad-input dialogue"
wait_for 20 sh -c "grep -l 'p2@remote.example' $WORK/sink/*.env" || fail "pipelined message not delivered"
grep -q 'big@remote.example' "$WORK"/sink/*.env && fail "oversize message was relayed"
ok "bad input answered with clear errors"
"$B/sluice" -c "$C" status >/dev/null || fail "sluice not running after bad input"

# A CR at the end of an 8 KB content piece still pairs with the next LF.
cat > crsplit.chat <<'CHAT'
< 220
> EHLO t.example
< 250
> MAIL FROM:<s@client.example>
< 250
> RCPT TO:<crsplit@remote.example>
< 250
> DATA
< 354
>raw b"Subject: split\r\n\r\n" + b"a" * (8192 - 18 - 1) + b"\r"
>raw b"\n.\r\n"
< 250
> QUIT
< 221
CHAT
python3 "$SLUICE_ROOT/tests/e2e/smtpchat.py" "$port" crsplit.chat || fail "CR split across content pieces"
ok "CR/LF split across reads"

# Junk commands: past smtpd_junk_command_limit every one counts as an error.
python3 - "$port" <<'PY' || fail "junk command limit"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
s.sendall(b"NOOP\r\n" * 130)
data = b""
s.settimeout(10)
while b"421" not in data:
    d = s.recv(65536)
    if not d:
        break
    data += d
assert b"421 4.7.0" in data, data[-200:]
PY
ok "junk commands end the session"

# cleanup dies in the middle of DATA: the rest of the content must never be
# read as commands, and the client gets a temporary error at the end.
PYTHONPATH="$SLUICE_ROOT/tests/e2e" python3 - "$port" "$C" "$B" <<'PY' || fail "cleanup failure during DATA"
import os, socket, subprocess, sys, time
from smtpclient import last_reply
port, conf, b = int(sys.argv[1]), sys.argv[2], sys.argv[3]
qd = subprocess.check_output([b + "/postconf", "-c", conf, "-h", "queue_directory"]).decode().strip()
master = int(open(qd + "/pid/master.pid").read().strip())
s = socket.create_connection(("127.0.0.1", port), 10); s.settimeout(20)
f = s.makefile("rb")
last_reply(f)
for cmd in (b"EHLO t.example", b"MAIL FROM:<s@client.example>", b"RCPT TO:<victim2@remote.example>", b"DATA"):
    s.sendall(cmd + b"\r\n"); last_reply(f)
s.sendall(b"Subject: cut\r\n\r\nbefore\r\n")
time.sleep(0.5)
kids = subprocess.check_output(["pgrep", "-P", str(master)]).split()
killed = 0
for k in kids:
    if os.readlink("/proc/%d/exe" % int(k)).endswith("/cleanup"):
        os.kill(int(k), 9); killed += 1
assert killed >= 1, "cleanup not found"   # one per CPU if it grew
time.sleep(0.5)
s.sendall(b"MAIL FROM:<evil@x>\r\nRCPT TO:<injected@remote.example>\r\nDATA\r\nevil\r\n.\r\nQUIT\r\n")
r = last_reply(f)
assert r.startswith("451"), r
s.close()
PY
sleep 2
grep -q 'injected@remote.example' "$WORK"/sink/*.env && fail "content after a cleanup failure ran as commands"
ok "cleanup failure in DATA gives 451 and no injection"

# EHLO keywords as Postfix lists them; smtpd_discard_ehlo_keywords; VRFY.
cat > ehlo.chat <<'CHAT'
< 220
> EHLO t.example
< 250 DSN
> VRFY <someone@remote.example>
< 252 2.0.0 <someone@remote.example>
> VRFY
< 501 5.5.4 Syntax: VRFY address
> QUIT
< 221
CHAT
python3 "$SLUICE_ROOT/tests/e2e/smtpchat.py" "$port" ehlo.chat > ehlo.out || { cat ehlo.out; fail "EHLO/VRFY dialogue"; }
got=$(sed -n '/^250-relay.example.com/,/^250 DSN/p' ehlo.out | tr '\n' ' ')
assert_eq "250-relay.example.com 250-PIPELINING 250-SIZE 20000 250-VRFY 250-ETRN 250-ENHANCEDSTATUSCODES 250-8BITMIME 250 DSN " "$got" "EHLO keywords"
"$B/postconf" -c "$C" -e "disable_vrfy_command = yes" "smtpd_discard_ehlo_keywords = etrn, dsn" \
  "smtpd_helo_required = yes" >/dev/null
sluice_reload "$C" || fail "reload"
cat > ehlo2.chat <<'CHAT'
< 220
> MAIL FROM:<s@client.example>
< 503 5.5.1 Error: send HELO/EHLO first
> EHLO t.example
< 250 8BITMIME
> VRFY <someone@remote.example>
< 502 5.5.1 VRFY command is disabled
> QUIT
< 221
CHAT
python3 "$SLUICE_ROOT/tests/e2e/smtpchat.py" "$port" ehlo2.chat > ehlo2.out || { cat ehlo2.out; fail "discarded keywords"; }
grep -Eq 'VRFY$|ETRN|DSN' ehlo2.out && { cat ehlo2.out; fail "a discarded keyword was listed"; }
"$B/postconf" -c "$C" -X smtpd_helo_required smtpd_discard_ehlo_keywords disable_vrfy_command >/dev/null
ok "EHLO keywords, discard list, VRFY, smtpd_helo_required"

# DSN parameters reach the queue file (postcat) and bad ones get 501/555.
"$B/postsuper" -c "$C" -h ALL >/dev/null 2>&1
"$B/postconf" -c "$C" -e "relayhost = [127.0.0.1]:1" "default_transport = retry" >/dev/null 2>&1
"$B/postconf" -c "$C" -X default_transport >/dev/null 2>&1
sluice_reload "$C" || fail "reload"
cat > dsn.chat <<'CHAT'
< 220
> EHLO t.example
< 250
> MAIL FROM:<s@client.example> RET=HDRS ENVID=QQ+2Bid
< 250 2.1.0 Ok
> RCPT TO:<d1@remote.example> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;orig+2Bx@remote.example
< 250 2.1.5 Ok
> RCPT TO:<d2@remote.example> NOTIFY=NEVER,DELAY
< 501 5.5.4 Error: Bad NOTIFY parameter syntax
> RCPT TO:<d2@remote.example> ORCPT=rfc822
< 501 5.5.4 Error: Bad ORCPT parameter syntax
> RCPT TO:<d2@remote.example> FOO=bar
< 555 5.5.4 Unsupported option: FOO=bar
> DATA
< 354
> Subject: dsn
>
> body
> .
< 250
> MAIL FROM:<s@client.example> RET=ALL
< 501 5.5.4 Bad RET parameter syntax
> QUIT
< 221
CHAT
python3 "$SLUICE_ROOT/tests/e2e/smtpchat.py" "$port" dsn.chat > dsn.out || { cat dsn.out; fail "DSN dialogue"; }
qid=$(sed -n 's/^250 2.0.0 Ok: queued as \([0-9A-F]*\)$/\1/p' dsn.out)
[ -n "$qid" ] || fail "DSN message not queued"
wait_for 10 "$B/postcat" -c "$C" -q "$qid" || fail "postcat -q $qid"
"$B/postcat" -c "$C" -q "$qid" > dsn.cat
# As Postfix stores them: named attributes, ENVID and ORCPT xtext-decoded.
grep -q '^named_attribute: envelope_id=QQ+id$' dsn.cat || { cat dsn.cat; fail "ENVID not in the queue file"; }
grep -q '^named_attribute: ret_flags=2$' dsn.cat || fail "RET not in the queue file"
grep -q '^named_attribute: dsn_orig_rcpt=rfc822;orig+x@remote.example$' dsn.cat || fail "ORCPT not in the queue file"
grep -q '^named_attribute: notify_flags=10$' dsn.cat || fail "NOTIFY not in the queue file"
# Hostile ENVID, RET, NOTIFY, ORCPT and SIZE values get Postfix's replies
# (each in a fresh session; smtpd must survive them all).
export PYTHONPATH="$SLUICE_ROOT/tests/e2e"
timeout 120 python3 - "$port" > hostile.out 2>&1 <<'PY' || { cat hostile.out; fail "hostile DSN and SIZE parameters"; }
import sys
from smtpclient import Client, fail
port = int(sys.argv[1])
def one(mail, rcpt, want):
    c = Client(port)
    c.expect("EHLO t.example", "250")
    if rcpt is None:
        c.expect(mail, want)
    else:
        c.expect(mail, "250")
        c.expect(rcpt, want)
    c.cmd("QUIT"); c.close()
M = "MAIL FROM:<a@client.example>"
R = "RCPT TO:<b@remote.example>"
for arg in ["ENVID=", "ENVID=+", "ENVID=abc+", "ENVID=abc+4", "ENVID=a ENVID=b", "RET=",
            "RET=FULL RET=HDRS", "RET=NONE"]:
    one(M + " " + arg, None, "501 5.5.4")
one(M + " =", None, "555 5.5.4 Unsupported option: =")
one(M + " X" * 600, None, "555 5.5.4")
for arg in ["NOTIFY=", "NOTIFY=NEVER,SUCCESS", "NOTIFY=SUCCESS NOTIFY=DELAY", "NOTIFY=BOGUS",
            "ORCPT=", "ORCPT=;", "ORCPT=rfc822;+", "ORCPT=rfc822;a+4",
            "ORCPT=;a@b", "ORCPT=rfc822;a ORCPT=rfc822;b", "ORCPT=rfc 822;a"]:
    one(M, R + " " + arg, "501 5.5.4")
# NOTIFY with no keyword; SIZE with a sign (not all digits); SIZE beyond off_t.
one(M, R + " NOTIFY=,", "501 5.5.4 Error: Bad NOTIFY parameter syntax")
one(M + " SIZE=-1", None, "501 5.5.4 Bad message size syntax")
one(M + " SIZE=+5", None, "501 5.5.4 Bad message size syntax")
c = Client(port)
c.expect("EHLO t.example", "250")
r = c.cmd(M + " SIZE=99999999999999999999999")
if r != "552 5.3.4 Message size exceeds file system imposed limit":
    fail("SIZE=<23 digits>: got [%s]" % r)
c.cmd("QUIT")
PY
grep -Eq 'smtpd\[[0-9]+\]: (panic|fatal)' "$C/log/maillog" && fail "smtpd died on hostile parameters"
# Without ORCPT, Postfix records the RCPT argument as the client typed it
# (quotes kept) as dsn_orig_rcpt; BODY=8BITMIME is recorded as encoding=8bit.
cat > orcpt.chat <<'CHAT'
< 220
> EHLO t.example
< 250
> MAIL FROM:<orcpt@client.example> BODY=8BITMIME
< 250
> RCPT TO:<"john doe"@remote.example>
< 250
> DATA
< 354
>raw b"Subject: orcpt\r\n\r\nx\r\n.\r\n"
< 250 2.0.0 Ok: queued as
> QUIT
< 221
CHAT
python3 "$SLUICE_ROOT/tests/e2e/smtpchat.py" "$port" orcpt.chat > orcpt.out || { cat orcpt.out; fail "quoted recipient dialogue"; }
qid=$(sed -n 's/^250 2.0.0 Ok: queued as \([0-9A-F]*\)$/\1/p' orcpt.out)
wait_for 10 "$B/postcat" -c "$C" -q "$qid" || fail "postcat -q $qid"
"$B/postcat" -c "$C" -q "$qid" > orcpt.cat
grep -q '^named_attribute: dsn_orig_rcpt=rfc822;"john doe"@remote.example$' orcpt.cat ||
  { grep dsn_orig_rcpt orcpt.cat; fail "dsn_orig_rcpt not in the form the client sent"; }
grep -q '^named_attribute: encoding=8bit$' orcpt.cat || fail "BODY=8BITMIME not recorded as encoding=8bit"
"$B/postsuper" -c "$C" -d ALL >/dev/null 2>&1
"$B/postconf" -c "$C" -e "relayhost = [127.0.0.1]:$sp" >/dev/null
sluice_reload "$C" || fail "reload"
ok "DSN parameters: recorded as Postfix does, hostile values refused"

# Bare LF and bare CR (Postfix 3.9 normalize + cleanup_replace_stray_cr_lf):
# a "." line next to a bare LF is dropped, a CR inside a line becomes a space.
cat > lf.chat <<'CHAT'
< 220
> EHLO t.example
< 250
> MAIL FROM:<s@client.example>
< 250
> RCPT TO:<barelf@remote.example>
< 250
> DATA
< 354
>raw b"Subject: bare\r\n\r\none\n.\ntwo\r\n.\nthree\n.\r\nfour a\rb\r\n.\r\n"
< 250
> QUIT
< 221
CHAT
python3 "$SLUICE_ROOT/tests/e2e/smtpchat.py" "$port" lf.chat >/dev/null || fail "bare LF dialogue"
wait_for 20 sh -c "grep -l 'barelf@remote.example' $WORK/sink/*.env" || fail "bare LF message not delivered"
m=$(grep -l 'barelf@remote.example' "$WORK"/sink/*.env); m=${m%.env}.eml
body=$(tr -d '\r' < "$m" | sed '1,/^$/d' | tr '\n' '|')
assert_eq "one|two|three|four a b|" "$body" "bare LF / bare CR content"
ok "bare LF dot lines dropped, stray CR replaced"

# A quoted local part is stored in Postfix's internal form and quoted again
# on the way out.
cat > quote.chat <<'CHAT'
< 220
> EHLO t.example
< 250
> MAIL FROM:<"odd sender"@client.example>
< 250
> RCPT TO:<"john doe"@remote.example>
< 250
> DATA
< 354
> Subject: quoted
>
> hi
> .
< 250
> QUIT
< 221
CHAT
python3 "$SLUICE_ROOT/tests/e2e/smtpchat.py" "$port" quote.chat >/dev/null || fail "quoted address dialogue"
wait_for 20 sh -c "grep -l 'john doe' $WORK/sink/*.env" || fail "quoted recipient not delivered"
m=$(grep -l 'john doe' "$WORK"/sink/*.env)
grep -q '^RCPT TO:<"john doe"@remote.example>' "$m" || { cat "$m"; fail "recipient not re-quoted on the wire"; }
grep -q '^MAIL FROM:<"odd sender"@client.example>' "$m" || { cat "$m"; fail "sender not re-quoted on the wire"; }
grep -q 'to=<"john doe"@remote.example>, relay=' "$C/log/maillog" || fail "delivery log: external form"
ok "quoted local parts"

# smtpd_forbid_bare_newline = note / reject, and its exclusions.
"$B/postconf" -c "$C" -e "smtpd_forbid_bare_newline = note" "smtpd_forbid_bare_newline_exclusions =" >/dev/null
sluice_reload "$C" || fail "reload"
cat > note.chat <<'CHAT'
< 220
> EHLO t.example
< 250
> MAIL FROM:<s@client.example>
< 250
> RCPT TO:<note@remote.example>
< 250
> DATA
< 354
>raw b"Subject: note\r\n\r\nbare\nlf\r\n.\r\n"
< 250
> QUIT
< 221
CHAT
python3 "$SLUICE_ROOT/tests/e2e/smtpchat.py" "$port" note.chat >/dev/null || fail "note dialogue"
wait_for 5 grep -q 'data=1 quit=1 commands=5 notes=bare_lf' "$C/log/maillog" || fail "no notes=bare_lf"
"$B/postconf" -c "$C" -e "smtpd_forbid_bare_newline = reject" >/dev/null
sluice_reload "$C" || fail "reload"
cat > reject.chat <<'CHAT'
< 220
>raw b"EHLO t.example\n"
< 550 5.5.2 relay.example.com Error: bare <LF> received
> EHLO t.example
< 250
> MAIL FROM:<s@client.example>
< 250
> RCPT TO:<rejectlf@remote.example>
< 250
> DATA
< 354
>raw b"Subject: reject\r\n\r\nbare\nlf\r\n.\r\n"
< 550 5.5.2 relay.example.com Error: bare <LF> received
> QUIT
< 221
CHAT
python3 "$SLUICE_ROOT/tests/e2e/smtpchat.py" "$port" reject.chat >/dev/null || fail "reject dialogue"
grep -q "NOQUEUE: reject: DATA from $CN\[127.0.0.1\]: 550 5.5.2 relay.example.com Error: bare <LF> received" "$C/log/maillog" ||
  fail "no reject log line for the bare LF"
# smtpd_forbid_bare_newline_reject_code: that reply code, then the session
# ends, for a command and for content; the refused message is not queued.
"$B/postconf" -c "$C" -e "smtpd_forbid_bare_newline_reject_code = 521" >/dev/null
sluice_reload "$C" || fail "reload"
PYTHONPATH="$SLUICE_ROOT/tests/e2e" timeout 60 python3 - "$port" > r521.out 2>&1 <<'PY' ||
import sys
from smtpclient import Client, fail
port = int(sys.argv[1])
c = Client(port); c.expect("EHLO a", "250")
c.send("MAIL FROM:<a@client.example>\nRCPT TO:<x@remote.example>\r\nQUIT\r\n")
r = c.last()
if r != "521 5.5.2 relay.example.com Error: bare <LF> received":
    fail("bare LF command: got [%s]" % r)
if not c.closed(5):
    fail("no close after 521 (command)")
c = Client(port); c.expect("EHLO a", "250"); c.expect("MAIL FROM:<a@client.example>", "250")
c.expect("RCPT TO:<lf521@remote.example>", "250"); c.expect("DATA", "354")
c.send("Subject: x\n\nmarker-barelf-521\r\n.\r\nQUIT\r\n")
r = c.last()
if r != "521 5.5.2 relay.example.com Error: bare <LF> received":
    fail("bare LF content: got [%s]" % r)
if not c.closed(5):
    fail("no close after 521 (content)")
PY
  { cat r521.out; fail "smtpd_forbid_bare_newline_reject_code = 521"; }
sleep 1
grep -rq 'marker-barelf-521' "$("$B/postconf" -c "$C" -h queue_directory)" "$WORK/sink" &&
  fail "the refused bare-LF message was queued"
"$B/postconf" -c "$C" -X smtpd_forbid_bare_newline_reject_code >/dev/null
"$B/postconf" -c "$C" -e "smtpd_forbid_bare_newline_exclusions = 127.0.0.0/8" >/dev/null
sluice_reload "$C" || fail "reload"
cat > excl.chat <<'CHAT'
< 220
>raw b"EHLO t.example\n"
< 250
> MAIL FROM:<s@client.example>
< 250
> RCPT TO:<excluded@remote.example>
< 250
> DATA
< 354
>raw b"Subject: excluded\r\n\r\nbare\nlf\r\n.\r\n"
< 250
> QUIT
< 221
CHAT
python3 "$SLUICE_ROOT/tests/e2e/smtpchat.py" "$port" excl.chat >/dev/null || fail "excluded client dialogue"
sleep 2
grep -q 'rejectlf@remote.example' "$WORK"/sink/*.env && fail "a rejected bare-LF message was relayed"
wait_for 20 sh -c "grep -l 'excluded@remote.example' $WORK/sink/*.env" || fail "excluded client's message not relayed"
"$B/postconf" -c "$C" -X smtpd_forbid_bare_newline smtpd_forbid_bare_newline_exclusions >/dev/null
ok "smtpd_forbid_bare_newline note, reject (550 and 521) and exclusions"

# Transactions abandoned by smtpd (RSET or QUIT after RCPT, refused DATA,
# lost clients) are no cleanup errors: nothing in the log from cleanup.
cat > abandon.chat <<'CHAT'
< 220
> EHLO t.example
< 250
> MAIL FROM:<s@client.example>
< 250
> RCPT TO:<abandoned@remote.example>
< 250
> RSET
< 250
> QUIT
< 221
CHAT
python3 "$SLUICE_ROOT/tests/e2e/smtpchat.py" "$port" abandon.chat >/dev/null || fail "abandon dialogue"
sleep 1
grep -q 'cleanup\[[0-9]*\]: warning' "$C/log/maillog" && fail "cleanup warned about an abandoned transaction"
ok "abandoned transactions leave no warning"

# smtpd_helo_restrictions and smtpd_sender_restrictions, at RCPT time.
"$B/postconf" -c "$C" -e "smtpd_helo_restrictions = reject_invalid_helo_hostname" \
  "smtpd_sender_restrictions = reject_non_fqdn_sender, check_sender_access hash:/nonexistent" >/dev/null
sluice_reload "$C" || fail "reload"
cat > lists.chat <<'CHAT'
< 220
> HELO bad..name
< 250
> MAIL FROM:<s@client.example>
< 250
> RCPT TO:<r@remote.example>
< 501 5.5.2 <bad..name>: Helo command rejected: Invalid name
> RSET
< 250
> HELO good.example
< 250
> MAIL FROM:<s@localhost>
< 250
> RCPT TO:<r@remote.example>
< 504 5.5.2 <s@localhost>: Sender address rejected: need fully-qualified address
> RSET
< 250
> MAIL FROM:<s@client.example>
< 250
> RCPT TO:<r@remote.example>
< 250 2.1.5 Ok
> QUIT
< 221
CHAT
python3 "$SLUICE_ROOT/tests/e2e/smtpchat.py" "$port" lists.chat >/dev/null || fail "helo/sender restrictions"
grep -q "NOQUEUE: reject: RCPT from $CN\[127.0.0.1\]: 501 5.5.2 <bad..name>: Helo command rejected: Invalid name; from=<s@client.example> to=<r@remote.example> proto=SMTP helo=<bad..name>" "$C/log/maillog" ||
  fail "helo reject log line"
grep -q 'warning: restriction "check_sender_access" is not supported: ignored' "$C/log/maillog" ||
  fail "no warning for the unsupported access map"
"$B/postconf" -c "$C" -X smtpd_helo_restrictions smtpd_sender_restrictions >/dev/null
ok "helo and sender restrictions"

# soft_bounce = yes: smtpd turns every 5xx reply into 4xx, in the reply code
# and in the enhanced status code.
"$B/postconf" -c "$C" -e "soft_bounce = yes" "message_size_limit = 1000" >/dev/null
sluice_reload "$C" || fail "reload"
cat > soft.chat <<'CHAT'
< 220
> EHLO t.example
< 250
> MAIL FROM:<a@client.example> SIZE=5000
< 452 4.3.4 Message size exceeds fixed limit
> RCPT TO:<b@remote.example>
< 403 4.5.1 Error: need MAIL command
> QUIT
< 221
CHAT
python3 "$SLUICE_ROOT/tests/e2e/smtpchat.py" "$port" soft.chat > soft.out || { cat soft.out; fail "soft_bounce"; }
grep -qx '452 4.3.4 Message size exceeds fixed limit' soft.out && grep -qx '403 4.5.1 Error: need MAIL command' soft.out ||
  { cat soft.out; fail "soft_bounce replies"; }
"$B/postconf" -c "$C" -X soft_bounce >/dev/null
"$B/postconf" -c "$C" -e "message_size_limit = 20000" >/dev/null
ok "soft_bounce = yes: 5xx replies become 4xx"
