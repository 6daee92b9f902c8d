# transport_maps in every indexed format: hash, lmdb and cdb tables built
# by sluice's postmap and by Postfix's own postmap (Debian's postfix,
# postfix-lmdb and postfix-cdb packages, fetched with apt-get download)
# route a recipient domain to a second sink instead of the relayhost.
. "$(dirname "$0")/lib.sh"
for p in sluice sendmail postconf postmap master pickup cleanup qmgr smtp; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
pa=$(free_port); pb=$(free_port)
start_sink "$pa" "$WORK/sa"   # the relayhost
start_sink "$pb" "$WORK/sb"   # the transport_maps target
relay_instance "$WORK/inst" "$pa"
rcpt_in() { grep -qF "RCPT TO:<$2>" "$1"/*.env 2>/dev/null; }

# route TYPE FILE LABEL: transport_maps = TYPE:FILE, then a message to
# LABEL@tbl.test must reach sink b, and one to other@else.test sink a.
route() {
  "$B/postconf" -c "$C" -e "transport_maps = $1:$2" >/dev/null || fail "postconf $1"
  "$B/sluice" -c "$C" reload >/dev/null || fail "reload with $1:$2"
  sleep 1
  printf 'Subject: %s\n\nx\n' "$3" | "$B/sendmail" -C "$C" -i -f s@example.org "$3@tbl.test" ||
    fail "sendmail $3"
  wait_for 30 rcpt_in "$WORK/sb" "$3@tbl.test" ||
    { tail -20 "$C/log/maillog"; fail "$3: $1 table built by $4 did not route to the transport_maps sink"; }
  rcpt_in "$WORK/sa" "$3@tbl.test" && fail "$3 also reached the relayhost"
  return 0
}
printf 'TBL.test   smtp:[127.0.0.1]:%s\n' "$pb" > "$WORK/t-sluice"
for ty in hash lmdb cdb; do
  "$B/postmap" -c "$C" "$ty:$WORK/t-sluice" || fail "postmap $ty"
  route "$ty" "$WORK/t-sluice" "s$ty" "sluice's postmap"
done
ok "hash, lmdb and cdb transport tables built by sluice's postmap route mail"

if ! X=$(fetch_debs postfix-debian postfix postfix-lmdb postfix-cdb); then
  echo "SKIPPED: Postfix-built tables: cannot fetch Debian's postfix packages (apt-get download)"
  exit 0
fi
postfix_conf "$WORK/pfconf" "$X"
pfpm() { LD_LIBRARY_PATH=$X/usr/lib/postfix "$X/usr/sbin/postmap" -c "$WORK/pfconf" "$@"; }
cp "$WORK/t-sluice" "$WORK/t-postfix"
for ty in hash lmdb cdb; do
  pfpm "$ty:$WORK/t-postfix" || fail "Postfix's postmap $ty"
  route "$ty" "$WORK/t-postfix" "p$ty" "Postfix's postmap"
done
ok "hash, lmdb and cdb transport tables built by Postfix's postmap route mail"
