#!/bin/sh
# Install the Debian packages sluice needs.  Usage: deps.sh [build|test|fuzz]
# As root it installs what is missing; otherwise it prints the exact command.
set -e
build="pkg-config libevent-dev libc-ares-dev libssl-dev libdb5.3-dev liblmdb-dev libcdb-dev libpcre2-dev libsasl2-dev liburing-dev"
test="libcmocka-dev swaks dnsmasq-base openssl libnet-ssleay-perl clang-format groff-base python3-prometheus-client sasl2-bin libsasl2-modules systemd man-db"
fuzz="clang libclang-rt-14-dev" # make fuzz: clang with libFuzzer
case "${1:-test}" in
  build) want="$build" ;;
  fuzz)  want="$build $fuzz" ;;
  *)     want="$build $test" ;;
esac
missing=""
for p in $want; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
    missing="$missing $p"
done
[ -z "$missing" ] && exit 0
cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" = 0 ]; then
  echo "deps.sh: installing:$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null 2>&1 || apt-get update
  $cmd >/dev/null || $cmd
else
  echo "deps.sh: missing packages:$missing" >&2
  echo "deps.sh: run as root: $cmd" >&2
  exit 1
fi
