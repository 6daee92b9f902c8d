# qmgr, in two parts.
# 1. bin/qmgr alone, started as master would start it (trigger endpoint on
#    fd 3) next to a fake delivery agent on private/smtp: recovery of
#    active/, bundling per destination and the request format; a dead
#    destination (4th site failure at window 5) and its deferrals; the
#    transport-unavailable path; an agent that dies after marking a
#    recipient done; a locked file, a corrupt file, an expired message;
#    the W, D and A triggers; recipients read in slices.
# 2. The whole system: a file left in active/ by a crashed queue manager
#    is recovered at start-up; with the relayhost down a message waits in
#    deferred/ with its mtime at least minimal_backoff_time ahead and the
#    smtp agent's connect error in defer/; "sluice flush" (F A D I)
#    retries at once.
. "$(dirname "$0")/lib.sh"
[ -x "$B/qmgr" ] || skip "bin/qmgr not built yet"

# ---- part 1: qmgr with a fake delivery agent ------------------------------
cat > "$WORK/qmgr_agent_test.py" <<'PYEOF'
# Drives bin/qmgr alone: a fake delivery agent on private/smtp and the
# trigger endpoint public/qmgr passed as fd 3, as master would.
import os, sys, socket, subprocess, time, shutil, pwd, threading, re, fcntl

BIN = os.environ['SLUICE_BIN'] + '/qmgr'
WORK = os.environ['WORK']
failures = 0

def rec(t, d=b''):
    n = len(d); out = bytes([ord(t)])
    while True:
        b = n & 0x7f; n >>= 7
        out += bytes([b | 0x80 if n else b])
        if not n: return out + d

def qfile(sender, rcpts, create=None):
    """A complete queue file; returns (bytes, [R offsets])."""
    now = time.time() if create is None else create
    env = rec('T', b'%d 0' % int(now)) + rec('A', b'create_time=%d' % int(now)) \
        + rec('A', b'rewrite_context=local') + rec('S', sender.encode())
    offs = []
    for r in rcpts:
        env += rec('A', b'dsn_orig_rcpt=rfc822;' + r.encode()) + rec('O', r.encode())
        offs.append(97 + len(env))
        env += rec('R', r.encode())
    env += rec('M')
    body = rec('N', b'Subject: t') + rec('N', b'') + rec('N', b'hello')
    f = (len(body), 97 + len(env), len(rcpts), 0, len(body), 0)
    c = rec('C', ' '.join('%15d' % x for x in f).encode())
    return c + env + body + rec('X') + rec('E'), offs

class Run:
    def __init__(self, name, main_cf='', agent=True, reply='status=0\n\n'):
        self.name = name
        self.root = '%s/%s' % (WORK, name)
        self.q = self.root + '/queue'
        os.makedirs(self.root + '/conf')
        for d in 'incoming active deferred corrupt hold defer bounce public private maildrop pid'.split():
            os.makedirs(self.q + '/' + d)
        if os.getuid() == 0:
            self.pw = pwd.getpwnam('nobody')
        else:
            self.pw = pwd.getpwuid(os.getuid())
        open(self.root + '/conf/main.cf', 'w').write(
            'queue_directory = %s\nmaillog_file = %s/maillog\nmaillog_file_prefixes = /\nmyhostname = relay.example.com\n'
            'mail_owner = %s\nminimal_backoff_time = 600s\nmaximal_backoff_time = 1200s\n'
            'queue_run_delay = 600s\ntransport_retry_time = 600s\n%s\n'
            % (self.q, self.root, self.pw.pw_name, main_cf))
        open(self.root + '/maillog', 'w').close()
        self.chown()
        self.requests = []
        self.reply = reply
        self.lock = threading.Lock()
        if agent:
            self.agent_sock = socket.socket(socket.AF_UNIX)
            self.agent_sock.bind(self.q + '/private/smtp')
            os.chmod(self.q + '/private/smtp', 0o777)
            self.agent_sock.listen(100)
            threading.Thread(target=self.agent, daemon=True).start()
        self.proc = None

    def chown(self):
        for dp, dn, fn in os.walk(self.root):
            for n in dn + fn:
                os.lchown(os.path.join(dp, n), self.pw.pw_uid, self.pw.pw_gid)
        os.chown(self.root, self.pw.pw_uid, self.pw.pw_gid)

    def agent(self):
        while True:
            try:
                c, _ = self.agent_sock.accept()
            except OSError:
                return
            data = b''
            c.settimeout(10)
            try:
                while not data.endswith(b'\n\n'):
                    b = c.recv(65536)
                    if not b: break
                    data += b
            except OSError:
                pass
            req = data.decode()
            with self.lock:
                self.requests.append(req)
                reply = self.reply
            if callable(reply):
                reply = reply(self, req)
            if reply is None:
                c.close(); continue
            try:
                c.sendall(reply.encode())
            except OSError:
                pass
            c.close()

    def path(self, queue, qid):
        if queue in ('deferred', 'defer'):
            return '%s/%s/%s/%s' % (self.q, queue, qid[0], qid)
        return '%s/%s/%s' % (self.q, queue, qid)

    def plant(self, queue, qid, data, mtime=None, mode=0o700):
        p = self.path(queue, qid)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        tmp = p + '.tmp'
        open(tmp, 'wb').write(data)
        os.chmod(tmp, mode)
        if mtime is not None:
            os.utime(tmp, (mtime, mtime))
        self.chown()
        os.rename(tmp, p)

    def start(self):
        self.tsock = socket.socket(socket.AF_UNIX)
        self.tsock.bind(self.q + '/public/qmgr')
        self.tsock.listen(10)
        fd = self.tsock.fileno()
        pw = self.pw
        def pre():
            os.dup2(fd, 3)
            if os.getuid() == 0:
                os.setgid(pw.pw_gid); os.setuid(pw.pw_uid)
        self.proc = subprocess.Popen([BIN, '-c', self.root + '/conf', '-n', 'qmgr', '-t', 'unix'],
                                     preexec_fn=pre, pass_fds=(fd, 3))

    def trig(self, b):
        c = socket.socket(socket.AF_UNIX); c.connect(self.q + '/public/qmgr'); c.sendall(b); c.close()

    def log(self):
        return open(self.root + '/maillog').read()

    def files(self, queue):
        out = []
        for dp, dn, fn in os.walk(self.q + '/' + queue):
            out += [os.path.join(dp, n) for n in fn]
        return sorted(out)

    def wait(self, what, fn, secs=10):
        end = time.time() + secs
        while time.time() < end:
            if fn(): return True
            time.sleep(0.05)
        check(False, '%s: timed out waiting for %s' % (self.name, what), self)
        return False

    def stop(self):
        if self.proc:
            self.proc.terminate()
            try: self.proc.wait(10)
            except subprocess.TimeoutExpired: self.proc.kill(); self.proc.wait()
        if getattr(self, 'agent_sock', None):
            self.agent_sock.close()

def check(cond, what, run=None):
    global failures
    if cond:
        return
    failures += 1
    print('FAIL:', what)
    if run:
        print('--- maillog'); print(run.log()[-3000:])
        print('--- files'); print('\n'.join(run.files('')))
        print('--- requests', len(run.requests))
        for r in run.requests[:3]: print(r)

def attrs(req):
    return [tuple(l.split('=', 1)) for l in req.split('\n') if '=' in l]

def qmgr_lines(run, text):
    return [l for l in run.log().splitlines() if re.search(r'qmgr\[\d+\]: ' + text, l)]

# 1. Recovery of active/, bundling per destination, the request format.
def t_recover_and_bundle():
    r = Run('bundle', 'smtp_destination_recipient_limit = 2')
    d1, offs1 = qfile('a@example.org', ['x1@one.example', 'x2@ONE.example', 'y@two.example'])
    r.plant('active', 'ABCDE00001', d1)
    d2, offs2 = qfile('b@example.org', ['z%d@one.example' % i for i in range(5)])
    r.plant('incoming', 'ABCDE00002', d2)
    r.start()
    r.wait('both removed', lambda: len(qmgr_lines(r, r'ABCDE0000[12]: removed')) == 2)
    check(not r.files('active') and not r.files('incoming'), 'bundle: queue not empty', r)
    check(len(qmgr_lines(r, r'ABCDE00001: from=<a@example.org>, size=\d+, nrcpt=3 \(queue active\)')) == 1,
          'bundle: no queue active line for the recovered file', r)
    by_msg = {}
    for q in r.requests:
        a = attrs(q)
        d = dict(a)
        check(d.get('queue_name') == 'active' and d.get('transport') == 'smtp', 'bundle: request header %r' % a)
        check(re.match(r'^\d+\.\d{6}$', d.get('arrival_time', '')) is not None, 'bundle: arrival_time %r' % d)
        check(re.match(r'^\d+\.\d{6}$', d.get('active_time', '')) is not None, 'bundle: active_time %r' % d)
        rc = [v for k, v in a if k == 'rcpt']
        by_msg.setdefault(d['queue_id'], []).append((d['nexthop'], rc))
    m1 = sorted(by_msg.get('ABCDE00001', []))
    want1 = sorted([('one.example', ['%d\tx1@one.example\trfc822;x1@one.example\tx1@one.example' % offs1[0],
                                     '%d\tx2@ONE.example\trfc822;x2@ONE.example\tx2@ONE.example' % offs1[1]]),
                    ('two.example', ['%d\ty@two.example\trfc822;y@two.example\ty@two.example' % offs1[2]])])
    check(m1 == want1, 'bundle: requests of the recovered message %r != %r' % (m1, want1), r)
    sizes = sorted(len(rc) for nh, rc in by_msg.get('ABCDE00002', []))
    check(sizes == [1, 2, 2], 'bundle: 5 recipients with limit 2 gave %r' % sizes, r)
    r.stop()

# 2. Dead destination: the 4th consecutive site failure at window 5 kills;
#    queued recipients are deferred by qmgr itself; F A D revive and retry.
def t_dead_destination():
    hop = 'connect to 127.0.0.1[127.0.0.1]:9: Connection refused'
    r = Run('dead', 'relayhost = [127.0.0.1]:9',
            reply='status=1\nhop_status=%s\nhop_dsn=4.4.1\n\n' % hop)
    for i in range(12):
        d, offs = qfile('s@example.org', ['r%d@example.net' % i])
        r.plant('incoming', 'DEAD%06d' % i, d)
    t0 = time.time()
    r.start()
    r.wait('12 deferred', lambda: len(r.files('deferred')) == 12)
    check(len(r.requests) == 5, 'dead: %d requests, want 5' % len(r.requests), r)
    susp = qmgr_lines(r, r'DEAD\d+: to=<r\d+@example.net>, relay=none, delay=[0-9.]+, delays=[0-9./]+, '
                      r'dsn=4\.4\.1, status=deferred \(delivery temporarily suspended: ' + re.escape(hop) + r'\)')
    check(len(susp) == 7, 'dead: %d suspended lines, want 7' % len(susp), r)
    logs = r.files('defer')
    check(len(logs) == 7, 'dead: %d defer logs, want 7' % len(logs), r)
    for l in logs:
        check('reason=delivery temporarily suspended: %s\n' % hop in open(l).read(), 'dead: defer log %s' % l, r)
    for f in r.files('deferred'):
        check(os.stat(f).st_mtime >= int(t0) + 600, 'dead: mtime of %s below now + 600' % f, r)
    # The relay is back: F forgets the dead site, A ignores mtimes, D scans.
    with r.lock:
        r.reply = 'status=0\n\n'
    r.trig(b'FAD')
    r.wait('12 removed', lambda: len(qmgr_lines(r, r'DEAD\d+: removed')) == 12)
    check(not r.files('deferred') and not r.files('defer'), 'dead: leftovers after flush', r)
    r.stop()

# 3. No delivery agent: "mail transport unavailable" (4.3.0), throttled.
def t_transport_unavailable():
    r = Run('noagent', agent=False)
    d, offs = qfile('s@example.org', ['a@x.example', 'b@y.example'])
    r.plant('incoming', 'NOAGENT01', d)
    r.start()
    r.wait('deferred', lambda: len(r.files('deferred')) == 1)
    lines = qmgr_lines(r, r'NOAGENT01: to=<[ab]@[xy].example>, relay=none, .*dsn=4\.3\.0, '
                       r'status=deferred \(mail transport unavailable\)')
    check(len(lines) == 2, 'noagent: %d deferral lines, want 2' % len(lines), r)
    check(len(qmgr_lines(r, r'warning: transport smtp: throttled')) == 1, 'noagent: no throttle warning', r)
    log = r.files('defer')
    check(len(log) == 1 and open(log[0]).read().count('reason=mail transport unavailable\n') == 2,
          'noagent: defer log', r)
    r.stop()

# 4. The agent marks one recipient done, then dies without a reply.
def t_agent_drops():
    def markdrop(run, req):
        d = dict(attrs(req))
        off = int(re.search(r'rcpt=(\d+)', req).group(1))
        fd = os.open(run.path('active', d['queue_id']), os.O_RDWR)
        os.pwrite(fd, b'D', off); os.close(fd)
        return None
    r = Run('drop', 'relayhost = [127.0.0.1]:9', reply=markdrop)
    d, offs = qfile('s@example.org', ['done@x.example', 'left1@x.example', 'left2@x.example'])
    r.plant('incoming', 'DROP00001', d)
    r.start()
    r.wait('deferred', lambda: len(r.files('deferred')) == 1)
    lines = qmgr_lines(r, r'DROP00001: to=<([a-z0-9]+)@x.example>, relay=none.*mail transport unavailable')
    got = sorted(re.search(r'to=<([^@]+)@', l).group(1) for l in lines)
    check(got == ['left1', 'left2'], 'drop: deferred %r, want left1 left2' % got, r)
    r.stop()

# 5. A file still locked by a delivery agent; 6. a corrupt file;
# 7. an expired message; W and D triggers.
def t_lock_corrupt_expire_triggers():
    r = Run('misc', 'relayhost = [127.0.0.1]:9', reply='status=1\n\n')
    d, offs = qfile('s@example.org', ['a@x.example'])
    r.plant('incoming', 'LOCKED001', d)
    fd = os.open(r.path('incoming', 'LOCKED001'), os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_SH)
    r.plant('incoming', 'CORRUPT01', b'C\x5fnot a queue file at all')
    old, offs = qfile('old@example.org', ['a@x.example'], create=time.time() - 6 * 86400)
    r.plant('incoming', 'EXPIRED01', old)
    t0 = time.time()
    r.start()
    r.wait('skipped', lambda: qmgr_lines(r, r'LOCKED001: skipped, still being delivered'))
    r.wait('corrupt', lambda: r.files('corrupt'))
    check(qmgr_lines(r, r'warning: saving corrupt file "CORRUPT01" from queue "active" to queue "corrupt"'),
          'misc: corrupt warning', r)
    r.wait('expired', lambda: qmgr_lines(r, r'EXPIRED01: removed'))
    check(qmgr_lines(r, r'EXPIRED01: from=<old@example.org>, status=expired, returned to sender'),
          'misc: expired line', r)
    time.sleep(0.3)
    st = os.stat(r.path('incoming', 'LOCKED001'))
    check(st.st_mtime >= int(t0) + 59, 'misc: locked file mtime not now + 60', r)
    os.close(fd)
    # W: a new file in incoming is picked up at once.
    d, offs = qfile('s@example.org', ['w@x.example'])
    r.plant('incoming', 'WAKEUP001', d)
    r.trig(b'W')
    r.wait('W', lambda: qmgr_lines(r, r'WAKEUP001: from=<s@example.org>'))
    # D: a due deferred file is taken; a future one only with A.
    with r.lock:
        r.reply = 'status=0\n\n'
    d, offs = qfile('s@example.org', ['d@x.example'])
    r.plant('deferred', 'DUEDUE001', d, mtime=time.time() - 1)
    r.plant('deferred', 'LATER0001', d, mtime=time.time() + 3600)
    r.trig(b'D')
    r.wait('D', lambda: qmgr_lines(r, r'DUEDUE001: removed'))
    time.sleep(0.3)
    check(not qmgr_lines(r, r'LATER0001: from'), 'misc: D alone took a file that is not due', r)
    r.trig(b'AD')
    r.wait('AD', lambda: qmgr_lines(r, r'LATER0001: removed'))
    r.stop()

# 8. Bounded memory: one recipient in core at a time, read in slices.
def t_slices():
    r = Run('slices', 'qmgr_message_active_limit = 1\nqmgr_message_recipient_limit = 1\n'
            'qmgr_message_recipient_minimum = 1')
    d, offs = qfile('s@example.org', ['a@one.example', 'b@two.example', 'c@three.example'])
    r.plant('incoming', 'SLICE0001', d)
    d2, offs2 = qfile('s@example.org', ['e@one.example'])
    r.plant('incoming', 'SLICE0002', d2)
    r.start()
    r.wait('removed', lambda: len(qmgr_lines(r, r'SLICE000[12]: removed')) == 2)
    got = [(dict(attrs(q))['queue_id'], [v for k, v in attrs(q) if k == 'rcpt']) for q in r.requests]
    check(all(len(rc) == 1 for _, rc in got) and len(got) == 4, 'slices: requests %r' % got, r)
    s1 = [rc[0].split('\t')[0] for qid, rc in got if qid == 'SLICE0001']
    check(s1 == [str(o) for o in offs], 'slices: offsets %r, want %r' % (s1, offs), r)
    r.stop()

for t in (t_recover_and_bundle, t_dead_destination, t_transport_unavailable, t_agent_drops,
          t_lock_corrupt_expire_triggers, t_slices):
    before = failures
    try:
        t()
    except Exception as e:
        import traceback; traceback.print_exc()
        failures += 1
    print('%s: %s' % ('ok' if failures == before else 'FAILED', t.__name__))
sys.exit(1 if failures else 0)
PYEOF
mkdir -p "$WORK/alone"
[ "$(id -u)" != 0 ] || chmod 755 "$WORK"
WORK="$WORK/alone" timeout 300 python3 "$WORK/qmgr_agent_test.py" || fail "qmgr with a fake agent"
ok "qmgr alone: recovery, bundling, dead destination, transport failure, triggers, slices"

# ---- part 2: the whole system ----------------------------------------------
for p in sluice master sendmail pickup cleanup smtp postconf postqueue; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet (qmgr alone passed)"
done
dead=$(free_port)
C=$WORK/inst
new_instance "$C"
"$B/postconf" -c "$C" -e "relayhost = [127.0.0.1]:$dead" \
  "minimal_backoff_time = 600s" "maximal_backoff_time = 1200s" "queue_run_delay = 600s" \
  "myhostname = relay.example.com" "myorigin = example.com" >/dev/null || fail "postconf -e"
"$B/sluice" -c "$C" check >/dev/null 2>&1
qd=$("$B/postconf" -c "$C" -h queue_directory)
[ -d "$qd/active" ] || fail "no $qd/active after sluice check"

# A complete queue file (Postfix format, created now) planted in active/
# as if a queue manager had died while delivering it.
planted=ABCDE00042
python3 - "$qd/active/$planted" <<'PY' || fail "cannot write the planted queue file"
import sys, time
def rec(t, d=b''):
    n = len(d); out = bytes([ord(t)])
    while True:
        b = n & 0x7f; n >>= 7
        out += bytes([b | 0x80 if n else b])
        if not n: return out + d
now = time.time()
env = rec('T', b'%d %d' % (int(now), int(now % 1 * 1e6))) + rec('A', b'create_time=%d' % int(now)) \
    + rec('A', b'rewrite_context=local') + rec('S', b'planted@example.org') \
    + rec('A', b'dsn_orig_rcpt=rfc822;rescued@example.net') + rec('O', b'rescued@example.net') \
    + rec('R', b'rescued@example.net') + rec('M')
body = rec('N', b'Subject: planted') + rec('N', b'') + rec('N', b'left in active')
c_len = 2 + 95
data_off = c_len + len(env)
fields = (len(body), data_off, 1, 0, len(body), 0)
c = rec('C', ' '.join('%15d' % f for f in fields).encode())
assert len(c) == c_len
open(sys.argv[1], 'wb').write(c + env + body + rec('X') + rec('E'))
PY
chown --reference="$qd/active" "$qd/active/$planted"
chmod 0700 "$qd/active/$planted"

"$B/sluice" -c "$C" start || fail "sluice start"
INSTANCES="$C"
t0=$(date +%s)
printf 'Subject: qmgr\n\nhello\n' | "$B/sendmail" -C "$C" -f alice@example.org bob@example.net ||
  fail "sendmail exit $?"

wait_for 30 sh -c "[ \$(find $qd/deferred -type f | wc -l) = 2 ]" ||
  { "$B/mailq" -C "$C"; tail -30 "$C/log/maillog"; fail "messages not deferred"; }
[ -e "$qd/active/$planted" ] && fail "planted file still in active/"
[ -n "$(find "$qd/deferred" -type f -name "$planted")" ] ||
  { ls -R "$qd"; fail "planted file did not go through delivery into deferred/"; }
grep -q "qmgr\[[0-9]*\]: $planted: from=<planted@example.org>, size=[0-9]*, nrcpt=1 (queue active)" \
  "$C/log/maillog" || { tail -30 "$C/log/maillog"; fail "no 'queue active' line for the recovered file"; }
ok "a file left in active/ is recovered and tried"

# Next attempt: mtime = now + minimal_backoff_time (the age is below it).
for f in $(find "$qd/deferred" -type f); do
  m=$(stat -c %Y "$f")
  [ "$m" -ge $((t0 + 600)) ] || fail "$(basename "$f"): mtime $m < $t0 + 600"
  [ "$m" -le $(( $(date +%s) + 600 + 5 )) ] || fail "$(basename "$f"): mtime $m too far ahead"
done
ok "deferred mtime is at least now + minimal_backoff_time"

# The agent's reason in each defer log.
reason="connect to 127.0.0.1[127.0.0.1]:$dead: Connection refused"
for f in $(find "$qd/deferred" -type f); do
  id=$(basename "$f")
  log=$(find "$qd/defer" -type f -name "$id")
  [ -n "$log" ] || fail "no defer log for $id"
  grep -qxF "reason=$reason" "$log" || { cat "$log"; fail "defer log of $id lacks the connect error"; }
done
grep -qF "status=deferred ($reason)" "$C/log/maillog" || fail "no deferred status line"
ok "defer logs hold the connect error"

# Bring the relay up: with a 600 s backoff nothing moves by itself ...
start_sink "$dead" "$WORK/sink"
sleep 2
assert_eq 0 "$(sink_count "$WORK/sink")" "delivered before the flush"
# ... until sluice flush sends F A D I: the dead destination is forgotten,
# mtimes are ignored, the deferred queue is scanned.
"$B/sluice" -c "$C" flush || fail "sluice flush exit $?"
wait_for 30 sh -c "[ \$(ls $WORK/sink | grep -c '\.env\$') -ge 2 ]" ||
  { "$B/mailq" -C "$C"; tail -30 "$C/log/maillog"; fail "flush did not retry the deferred messages"; }
wait_for 10 sh -c "[ \$(find $qd/deferred $qd/active $qd/incoming -type f | wc -l) = 0 ]" ||
  fail "queue not empty after the flush"
grep -q "qmgr\[[0-9]*\]: $planted: removed" "$C/log/maillog" || fail "no 'removed' line"
for id in $(sed -n 's/.*qmgr\[[0-9]*\]: \([0-9A-F]*\): from=<alice@example.org>.*/\1/p' "$C/log/maillog" | sort -u); do
  [ -z "$(find "$qd/defer" -type f -name "$id")" ] || fail "defer log of $id left behind"
done
ok "sluice flush retries deferred mail at once"
