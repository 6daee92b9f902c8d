# postfix.sh - a private instance of Debian's Postfix (unpacked with
# dpkg-deb -x) as a test peer or benchmark anchor; sourced by lib.sh and
# bench/run. No network, no system configuration is touched.
#
# postfix_setup ROOT DIR PORT [main.cf line]...: DIR/etc/main.cf and
# master.cf, the queue in DIR/queue, the log in DIR/maillog; smtpd on
# 127.0.0.1:PORT, no chroot, mail_owner sluice and setgid_group postdrop
# when run as root (else the caller's user and group), mydestination
# empty, mynetworks 127.0.0.0/8, mail for any domain accepted only as
# smtpd_relay_restrictions allow and then discarded (default_transport =
# discard) unless the extra lines say otherwise (later lines win).
# Daemons find the package's libraries through import_environment.
# Debian's Postfix reads Cyrus SASL's smtpd.conf from DIR/etc/sasl.
# Start it with: LD_LIBRARY_PATH=ROOT/usr/lib/postfix
# ROOT/usr/lib/postfix/sbin/master -c DIR/etc -d &
postfix_setup() {
  local root=$1 d=$2 port=$3; shift 3
  local q owner group
  mkdir -p "$d/etc" "$d/queue" "$d/data" || return 1
  for q in active bounce corrupt defer deferred flush hold incoming private saved trace; do
    mkdir -p "$d/queue/$q" && chmod 700 "$d/queue/$q" || return 1
  done
  mkdir -p "$d/queue/public" "$d/queue/maildrop" "$d/queue/pid" || return 1
  chmod 755 "$d" "$d/queue"; chmod 710 "$d/queue/public"; chmod 730 "$d/queue/maildrop"
  if [ "$(id -u)" = 0 ]; then
    owner=sluice group=postdrop
    chown -R "$owner" "$d/queue" "$d/data" && chown root "$d/queue" "$d/queue/pid" &&
      chgrp "$group" "$d/queue/public" "$d/queue/maildrop" || return 1
  else
    owner=$(id -un) group=$(id -gn)
  fi
  : > "$d/maillog" && chmod 644 "$d/maillog"
  {
    cat <<EOC
compatibility_level = 3.6
queue_directory = $d/queue
data_directory = $d/data
daemon_directory = $root/usr/lib/postfix/sbin
command_directory = $root/usr/sbin
shlib_directory = $root/usr/lib/postfix
meta_directory = $root/etc/postfix
mail_owner = $owner
setgid_group = $group
myhostname = smarthost.example
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
relay_domains =
local_recipient_maps =
alias_maps =
alias_database =
mynetworks = 127.0.0.0/8
default_transport = discard
biff = no
maillog_file = $d/maillog
maillog_file_prefixes = $d
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C LD_LIBRARY_PATH=$root/usr/lib/postfix
EOC
    for l in "$@"; do echo "$l"; done
  } > "$d/etc/main.cf" || return 1
  cat > "$d/etc/master.cf" <<EOC
127.0.0.1:$port inet n - n - - smtpd
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
tlsmgr unix - - n 1000? 1 tlsmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
smtp unix - - n - - smtp
relay unix - - n - - smtp
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
EOC
}
