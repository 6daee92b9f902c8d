# t_postcat_fuzz: postcat on thousands of damaged copies of Postfix's queue
# files (byte flips, truncations, insertions, deletions, injected pointer
# records, absurd lengths; fixed seed, so every run is the same) never
# crashes, hangs or trips a sanitizer: it exits 0 or 1, and every exit 1
# comes with a diagnostic. Truncated files always exit 1 with a message.
# Failing inputs are kept in $WORK/fail-N.bin.
. "$(dirname "$0")/lib.sh"

P=$B/postcat
[ -x "$P" ] || fail "no $P"
mkdir -p "$WORK/conf" "$WORK/queue" || fail "mkdir"
printf 'queue_directory = %s\n' "$WORK/queue" >"$WORK/conf/main.cf"
# Under the sanitizers each postcat run costs several times more: fewer
# inputs (the same first 1000 of the fixed sequence) keep the test within
# the runner's time limit on a busy machine.
case $B in
*/build/san/*) N=${POSTCAT_FUZZ_COUNT:-1000} ;;
*) N=${POSTCAT_FUZZ_COUNT:-3000} ;;
esac

python3 - "$P" "$WORK/conf" "$FIXTURES" "$WORK" "$N" <<'EOF'
import glob, os, random, subprocess, sys

prog, conf, fixtures, work, count = sys.argv[1:6]
count = int(count)
rng = random.Random(20261123)
files = sorted(f for f in glob.glob(fixtures + '/queuefile-?.*')
               if not f.endswith('.txt'))
if not files:
    sys.exit('no fixtures')
originals = [open(f, 'rb').read() for f in files]

def boundaries(b):
    """Offsets where records start (and the end)."""
    out, i = [], 0
    while i < len(b):
        out.append(i)
        i += 1
        n = s = 0
        while True:
            c = b[i]; i += 1; n |= (c & 0x7f) << s; s += 7
            if not c & 0x80:
                break
        i += n
    out.append(len(b))
    return out

def enc(t, d):
    n = len(d); lb = bytearray()
    while True:
        x = n & 0x7f; n >>= 7
        lb.append(x | (0x80 if n else 0))
        if not n:
            break
    return bytes([t]) + bytes(lb) + d

TYPES = b'pwEMXCLNTASRODKW>c<ionrePV/I\x00\xff'

def mutate(data, bounds):
    """One damaged copy and the kind of damage."""
    b = bytearray(data)
    kind = rng.choice(['flip', 'flip', 'type', 'len', 'trunc', 'insert',
                       'delete', 'pointer', 'pointer', 'multi'])
    if kind == 'flip':
        for _ in range(rng.randint(1, 4)):
            b[rng.randrange(len(b))] = rng.randrange(256)
    elif kind == 'type':
        b[rng.choice(bounds[:-1])] = rng.choice(TYPES)
    elif kind == 'len':
        at = rng.choice(bounds[:-1]) + 1
        for k in range(rng.randint(1, 5)):
            if at + k < len(b):
                b[at + k] = rng.choice([0x80, 0xff, 0x7f, 0x81, 0x00])
    elif kind == 'trunc':
        b = b[:rng.randrange(len(b))]
    elif kind == 'insert':
        at = rng.randrange(len(b) + 1)
        b[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    elif kind == 'delete':
        at = rng.randrange(len(b))
        del b[at:at + rng.randint(1, 8)]
    elif kind == 'pointer':
        # A pointer record at a record boundary, aimed anywhere: into a
        # record, back (loops), past the end, or at itself.
        at = rng.choice(bounds[1:-1])
        target = rng.choice([rng.randrange(len(b) + 50), at, 0, 1,
                             rng.choice(bounds), 10 ** 12])
        val = rng.choice([b'%15d' % target, b'%d' % target, b'-%d' % target,
                          b'%15dx' % target, b''])
        b[at:at] = enc(ord('p'), val)
        if rng.random() < 0.5:
            # A second one pointing back at the first: a loop.
            at2 = rng.choice(bounds[1:-1])
            if at2 > at:
                at2 += len(enc(ord('p'), val))
                b[at2:at2] = enc(ord('p'), b'%15d' % at)
    else:
        for _ in range(rng.randint(2, 6)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        if rng.random() < 0.5:
            b = b[:rng.randrange(len(b))]
    return kind, bytes(b)

optsets = [[], [], ['-e'], ['-h'], ['-b'], ['-eh'], ['-v'], ['-o', '-d'],
           ['-r', '-v'], ['-f', '-e'], ['-b', '-o'], ['-h', '-v'],
           ['-s', '97'], ['-s', '188', '-v']]
bad_words = ('runtime error', 'AddressSanitizer', 'LeakSanitizer',
             'UndefinedBehavior', 'panic:', 'Segmentation')
failures = 0
kinds = {}
fatal_runs = 0
for i in range(count):
    n = i % len(files)
    data = originals[n]
    kind, mutant = mutate(data, boundaries(data))
    opts = [] if kind == 'trunc' else rng.choice(optsets)
    use_stdin = kind != 'trunc' and rng.random() < 0.1
    path = os.path.join(work, 'mutant.bin')
    with open(path, 'wb') as f:
        f.write(mutant)
    argv = [prog, '-c', conf] + opts + ([] if use_stdin else [path])
    problem = None
    try:
        with open(path, 'rb') as stdin:
            r = subprocess.run(argv, stdin=stdin if use_stdin else subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=20)
    except subprocess.TimeoutExpired:
        problem = 'timeout'
    else:
        err = r.stderr.decode('latin-1')
        if r.returncode < 0:
            problem = 'killed by signal %d' % -r.returncode
        elif r.returncode not in (0, 1):
            problem = 'exit status %d' % r.returncode
        elif any(w in err for w in bad_words):
            problem = 'sanitizer/panic report'
        elif r.returncode == 1 and not ('fatal: ' in err or
                                        'premature end of file' in err):
            problem = 'exit 1 without a diagnostic'
        elif kind == 'trunc' and not (r.returncode == 1 and err):
            problem = 'truncated file accepted'
        elif len(r.stdout) > 10001 * (3 * len(mutant) + 300):
            # Pointer loops are cut off after 10000 reverse jumps, as in
            # Postfix; until then each turn may print the whole file.
            problem = 'runaway output (%d bytes)' % len(r.stdout)
        if r.returncode == 1:
            fatal_runs += 1
    kinds[kind] = kinds.get(kind, 0) + 1
    if problem:
        failures += 1
        keep = os.path.join(work, 'fail-%d.bin' % i)
        os.rename(path, keep)
        print('FAIL case %d (%s of %s, %s%s): %s; input kept in %s'
              % (i, kind, os.path.basename(files[n]), ' '.join(opts),
                 ' <stdin' if use_stdin else '', problem, keep))
        if problem != 'timeout':
            print(r.stderr.decode('latin-1')[-2000:])
        if failures >= 20:
            break
print('cases %d, exit 1 in %d, by kind %s' % (i + 1, fatal_runs,
      ' '.join('%s=%d' % kv for kv in sorted(kinds.items()))))
# The damage must actually bite: many runs should end in a diagnostic.
if fatal_runs < count // 10:
    print('FAIL: only %d of %d mutants were rejected' % (fatal_runs, count))
    failures += 1
sys.exit(1 if failures else 0)
EOF
[ $? = 0 ] || fail "postcat fuzzing found problems"
ok "$N mutated queue files"
