# Shared helpers for end-to-end tests; source it first:  . "$(dirname "$0")/lib.sh"
# Every test runs in its own $WORK directory (the runner makes it).
# Bounded everything: loops have counts, waits have deadlines.
set -u
B=${SLUICE_BIN:?}
# Files made by real Postfix that tests compare with (tests/fixtures/README.md).
FIXTURES=${SLUICE_ROOT:?}/tests/fixtures
export TZ=UTC
STARTED_PIDS=""

# The name smtpd logs for a client on 127.0.0.1 (smtpd_peername_lookup):
# the first name of the hosts file's 127.0.0.1 line, forward-confirmed
# there too; "unknown" when the hosts file has none.
CN=$(awk '$1 == "127.0.0.1" { print $2; exit }' /etc/hosts 2>/dev/null)
CN=${CN:-unknown}
# Daemons inherit this: a resolver that does not answer costs one second
# per lookup (c-ares, util/dns.h), not fifteen, on machines without DNS.
export RES_OPTIONS="timeout:1 attempts:1"

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "$*"; exit 77; }
ok()   { echo "ok: $*"; }

# free_port: print a TCP port on 127.0.0.1 that nothing listens on.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
wait_for() {
  local secs=$1; shift
  local n=$((secs * 10)) i=0
  while [ $i -lt $n ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; i=$((i+1)); done
  return 1
}

# assert_eq EXPECTED ACTUAL WHAT
assert_eq() { [ "$1" = "$2" ] || fail "$3: expected [$1], got [$2]"; }

# new_instance DIR [PORT]: sluice init DIR and point the log at DIR/log/maillog.
new_instance() {
  "$B/sluice" init "$1" "${2:-$(free_port)}" >/dev/null || fail "sluice init $1"
}

# remember PID: stop it at exit (by pid, never by name).
remember() { STARTED_PIDS="$STARTED_PIDS $1"; }
cleanup_pids() {
  for p in $STARTED_PIDS; do kill "$p" 2>/dev/null; done
  for c in ${INSTANCES:-}; do "$B/sluice" -c "$c" stop >/dev/null 2>&1; done
  for u in ${TEST_USERS:-}; do userdel "$u" >/dev/null 2>&1; done
  [ -n "${TRUSTED_MAIN_CF:-}" ] && rm -f "$TRUSTED_MAIN_CF" && rmdir "${TRUSTED_MAIN_CF%/main.cf}" 2>/dev/null
}
trap cleanup_pids EXIT

# ---- instances and the sink ------------------------------------------------
# relay_instance DIR SINKPORT: a started sluice instance relaying everything
# to [127.0.0.1]:SINKPORT with fast retry settings. Sets $C to DIR.
relay_instance() {
  C=$1
  new_instance "$C"
  "$B/postconf" -c "$C" -e "relayhost = [127.0.0.1]:$2" \
    "minimal_backoff_time = 2s" "maximal_backoff_time = 4s" "queue_run_delay = 1s" \
    "service_throttle_time = 1s" "myhostname = relay.example.com" "myorigin = example.com" \
    >/dev/null || fail "postconf -e"
  "$B/sluice" -c "$C" start || fail "sluice start"
  INSTANCES="${INSTANCES:-} $C"
}

# sluice_reload DIR: reload instance DIR and wait (at most 20 s each) until
# every smtpd that ran before the reload has exited, so that the next
# client meets a process with the new settings (on a busy machine the
# old one can take more than a second to hand over).
sluice_reload() {
  local c=$1 qd m old p
  qd=$("$B/postconf" -c "$c" -h queue_directory)
  m=$(tr -d ' ' < "$qd/pid/master.pid")
  old=$(pgrep -P "$m" -x smtpd | tr '\n' ' ')
  "$B/sluice" -c "$c" reload >/dev/null 2>&1 || return 1
  for p in $old; do
    wait_for 20 sh -c "! kill -0 $p 2>/dev/null" || return 1
  done
}

# reconf DIR NAME=VALUE...: empty instance DIR's queue, change its main.cf
# and reload it (the next message meets the new settings).
reconf() {
  local c=$1; shift
  "$B/postsuper" -c "$c" -d ALL >/dev/null 2>&1
  "$B/postconf" -c "$c" -e "$@" >/dev/null || fail "postconf $*"
  "$B/sluice" -c "$c" reload >/dev/null || fail "reload"
  sleep 0.5
}

# logline DIR REGEX: instance DIR's log has a line matching REGEX (ERE).
logline() { grep -Eq "$2" "$1/log/maillog"; }

# need_log DIR REGEX WHAT [SECONDS]: wait (default 40 s) for such a line;
# fail showing the log's tail if it never comes.
need_log() {
  wait_for "${4:-40}" logline "$1" "$2" || { tail -30 "$1/log/maillog"; fail "$3: no log line matching: $2"; }
}

# start_sink PORT DIR [sink options...]: run tests/e2e/sink.py, remember its pid.
start_sink() {
  local port=$1 dir=$2; shift 2
  mkdir -p "$dir"
  python3 "$SLUICE_ROOT/tests/e2e/sink.py" --port "$port" --dir "$dir" "$@" >"$dir.log" 2>&1 &
  SINK_PID=$!
  remember $SINK_PID
  wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" ||
    fail "sink on port $port did not start"
}
stop_sink() { kill "$SINK_PID" 2>/dev/null; wait "$SINK_PID" 2>/dev/null; }

# sink_count DIR: number of messages the sink stored.
sink_count() { ls "$1" 2>/dev/null | grep -c '\.env$'; }   # .env is written last

# queue_count DIR QUEUE...: number of files in those queues of instance DIR.
queue_count() {
  local c=$1; shift
  local q; q=$("$B/postconf" -c "$c" -h queue_directory)
  local n=0 d
  for d in "$@"; do n=$((n + $(find "$q/$d" -type f 2>/dev/null | wc -l))); done
  echo $n
}

# ---- local users (root only) -----------------------------------------------
# add_user NAME: a throwaway login account with its own group, removed at
# exit. Names are made unique per run by the caller (e.g. "st$$a").
add_user() {
  [ "$(id -u)" = 0 ] || fail "add_user needs root"
  useradd --user-group --no-create-home --home-dir /nonexistent --shell /bin/sh "$1" ||
    fail "useradd $1"
  TEST_USERS="${TEST_USERS:-} $1"
}

# as_user NAME CMD...: run CMD with NAME's user and group IDs only.
as_user() {
  local u=$1; shift
  setpriv --reuid="$u" --regid="$u" --init-groups -- "$@"
}

# user_bin DIR: copy the commands a local user runs into DIR (the build
# tree may sit where other users cannot reach), with postdrop and
# postqueue set-group-ID setgid_group as "sluice set-permissions" makes
# them. Point an instance's command_directory at DIR to use them.
user_bin() {
  local d=$1 p
  mkdir -p "$d" && chmod 755 "$d"
  for p in sendmail postdrop postqueue postcat postsuper smtpd; do
    [ -x "$B/$p" ] && cp "$B/$p" "$d/$p"
  done
  ln -sf sendmail "$d/mailq"
  for p in postdrop postqueue; do
    [ -f "$d/$p" ] && chgrp postdrop "$d/$p" && chmod 2755 "$d/$p"
  done
  return 0
}

# trust_config_dir DIR...: let set-group-ID commands accept -c/-C DIR, as an
# administrator does: list DIR in alternate_config_directories of the
# default main.cf (postconf -d config_directory). Root only; the test is
# skipped when a default main.cf that this run did not write exists.
trust_config_dir() {
  local def; def=$("$B/postconf" -d -h config_directory)
  if [ -z "${TRUSTED_MAIN_CF:-}" ]; then
    [ -e "$def/main.cf" ] && skip "$def/main.cf exists; not touching an installed configuration"
    mkdir -p "$def" || fail "mkdir $def"
    TRUSTED_MAIN_CF="$def/main.cf"
    : > "$TRUSTED_MAIN_CF"
  fi
  echo "alternate_config_directories = $*" > "$TRUSTED_MAIN_CF"
}

# ---- Debian packages for interoperation tests ------------------------------
# fetch_debs NAME PKG...: Debian's packages PKG..., fetched with "apt-get
# download" and unpacked with dpkg-deb into $SLUICE_ROOT/build/ext/NAME/root
# once (later runs reuse it); prints that root. Returns 1 when they cannot
# be fetched (no apt-get, no repository): the caller skips that part.
fetch_debs() {
  local name=$1 dir p; shift
  dir=$SLUICE_ROOT/build/ext/$name
  if [ -f "$dir/.done" ]; then echo "$dir/root"; return 0; fi
  command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || return 1
  rm -rf "$dir" && mkdir -p "$dir/debs" || return 1
  ( cd "$dir/debs" && timeout 180 apt-get download "$@" ) >"$dir/fetch.log" 2>&1 || return 1
  for p in "$dir"/debs/*.deb; do dpkg-deb -x "$p" "$dir/root" || return 1; done
  touch "$dir/.done"
  echo "$dir/root"
}

# postfix_conf DIR ROOT: a main.cf in DIR for Postfix's own tools unpacked in
# ROOT (mail_owner that exists, lmdb and cdb from postfix-lmdb/-cdb).
postfix_conf() {
  local owner=sluice group=postdrop
  [ "$(id -u)" = 0 ] || { owner=$(id -un); group=$(id -gn); }
  mkdir -p "$1"
  printf 'compatibility_level = 3.6\nmail_owner = %s\nsetgid_group = %s\nmeta_directory = %s\nshlib_directory = %s\n' \
    "$owner" "$group" "$1" "$2/usr/lib/postfix" > "$1/main.cf"
  printf 'cdb\tpostfix-cdb.so\tdict_cdb_open\tmkmap_cdb_open\nlmdb\tpostfix-lmdb.so\tdict_lmdb_open\tmkmap_lmdb_open\n' \
    > "$1/dynamicmaps.cf"
}

# ---- TLS fixtures ----------------------------------------------------------
# make_ca DIR [NAME]: a test CA in DIR (ca.pem, ca.key) and a server
# certificate DIR/server.pem + DIR/server.key for NAME (default
# localhost) with subjectAltName DNS:NAME, DNS:localhost, IP:127.0.0.1,
# made with openssl (RSA 2048, valid 2 days).
make_ca() {
  local d=$1 name=${2:-localhost}
  mkdir -p "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.pem" \
    -days 2 -subj "/O=sluice test/CN=sluice test CA $(basename "$d")" >/dev/null 2>&1 || fail "openssl CA"
  openssl req -newkey rsa:2048 -nodes -keyout "$d/server.key" -out "$d/server.csr" \
    -subj "/CN=$name" >/dev/null 2>&1 || fail "openssl server key"
  printf 'subjectAltName=DNS:%s,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' "$name" > "$d/ext.cnf"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
    -days 2 -extfile "$d/ext.cnf" -out "$d/server.pem" >/dev/null 2>&1 || fail "openssl server cert"
  chmod 644 "$d"/*.pem "$d"/*.key
}

# fetch_postfix: Debian's postfix (with postfix-lmdb and postfix-cdb, the
# cache t_postmap and t_transport_tables share) through fetch_debs; prints
# its root.
fetch_postfix() {
  fetch_debs postfix-debian postfix postfix-lmdb postfix-cdb
}

# start_postfix PFROOT DIR PORT [main.cf line]...: a private Postfix (from
# fetch_postfix) set up by postfix_setup (tests/e2e/postfix.sh) in DIR,
# smtpd on 127.0.0.1:PORT. Runs Postfix's own master in the foreground
# (-d), remembered for the exit trap; sets PF_PID and PF_LOG.
. "$SLUICE_ROOT/tests/e2e/postfix.sh"
start_postfix() {
  local root=$1 d=$2 port=$3; shift 3
  postfix_setup "$root" "$d" "$port" "$@" || fail "postfix_setup $d"
  LD_LIBRARY_PATH=$root/usr/lib/postfix "$root/usr/lib/postfix/sbin/master" -c "$d/etc" -d >"$d/master.out" 2>&1 &
  PF_PID=$!
  remember $PF_PID
  PF_LOG=$d/maillog
  wait_for 20 python3 -c "import socket; s=socket.create_connection(('127.0.0.1', $port), 1); assert s.recv(100).startswith(b'220')" ||
    { cat "$d/master.out" "$d/maillog"; fail "Postfix smtpd on port $port did not start"; }
}

# listings_match A B: two postqueue -p (or -j) listings hold the same
# messages: same header and trailer, the same message blocks (-j: lines)
# in any order (within a queue the order is directory order, not fixed).
listings_match() {
  python3 - "$1" "$2" <<'PYEOF'
import sys
def parse(t):
    if t.startswith("{") or not t:
        return "", sorted(t.splitlines(True)), ""
    if "\n" not in t.rstrip("\n"):
        return t, [], ""
    head, rest = t.split("\n", 1)
    body, trailer = rest.rsplit("\n\n", 1)
    return head, sorted(body.split("\n\n")), trailer
a, b = (parse(open(f).read()) for f in sys.argv[1:3])
sys.exit(0 if a == b else 1)
PYEOF
}
