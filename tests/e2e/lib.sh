# Shared helpers for end-to-end tests; source it first:  . "$(dirname "$0")/lib.sh"
# Every test runs in its own $WORK directory (the runner makes it).
# Bounded everything: loops have counts, waits have deadlines.
set -u
B=${SLUICE_BIN:?}
SHARED=${SHARED:?}
export TZ=UTC
STARTED_PIDS=""

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
}
trap cleanup_pids EXIT
