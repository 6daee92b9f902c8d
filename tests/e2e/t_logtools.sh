# Postfix's log tools read sluice's log with their default settings, on a
# relay run with every outcome (tests/e2e/mixed_run.sh): Debian's
# pflogsumm, default options, reports as received, delivered, deferred,
# bounced and rejected exactly what the run did; fail2ban-regex with
# Debian's postfix filter finds the relay-denied rejects (454 and 554)
# and nothing else. Both come from the Debian repository, unpacked under
# build/ext (fetch_debs), never installed; a part whose packages cannot
# be fetched is skipped with a message.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mixed_run.sh"
for p in sluice smtpd master cleanup qmgr smtp postconf sendmail; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
command -v swaks >/dev/null || skip "swaks not installed"

mixed_run
L=$C/log/maillog
done_parts=0

# ---- pflogsumm ---------------------------------------------------------------
if pf=$(fetch_debs pflogsumm pflogsumm libdate-calc-perl libcarp-clan-perl libbit-vector-perl); then
  PERL5LIB=$pf/usr/share/perl5:$(echo "$pf"/usr/lib/*/perl5/* | tr ' ' ':') \
    perl "$pf/usr/sbin/pflogsumm" "$L" > pflogsumm.out 2> pflogsumm.err ||
    { cat pflogsumm.err; fail "pflogsumm failed"; }
  # " 5   received" etc. in the "Grand Totals" section.
  total() { awk -v w="$1" '$2 == w { print $1; exit }' pflogsumm.out; }
  sed -n '/^Grand Totals/,/^Per-Day/p' pflogsumm.out | head -20
  assert_eq "$EXP_RECEIVED" "$(total received)" "pflogsumm received"
  assert_eq "$EXP_SENT" "$(total delivered)" "pflogsumm delivered"
  assert_eq "$EXP_DEFERRED" "$(total deferred)" "pflogsumm deferred"
  assert_eq "$EXP_BOUNCED" "$(total bounced)" "pflogsumm bounced"
  assert_eq $((EXP_REJECT_4XX + EXP_REJECT_5XX)) "$(total rejected)" "pflogsumm rejected"
  grep -q 'Relay access denied' pflogsumm.out || fail "pflogsumm lists no relay-denied reject"
  ok "pflogsumm: received $EXP_RECEIVED, delivered $EXP_SENT, deferred $EXP_DEFERRED, bounced $EXP_BOUNCED, rejected $((EXP_REJECT_4XX + EXP_REJECT_5XX))"
  done_parts=$((done_parts + 1))
else
  echo "pflogsumm: skipped: Debian's pflogsumm could not be fetched (apt-get download)"
fi

# ---- fail2ban ----------------------------------------------------------------
if fb=$(fetch_debs fail2ban fail2ban); then
  # The filter as Debian installs it: filter.d/postfix.conf with its
  # common.conf, from the package's /etc/fail2ban.
  PYTHONPATH=$fb/usr/lib/python3/dist-packages python3 "$fb/usr/bin/fail2ban-regex" \
    --print-all-matched "$L" "$fb/etc/fail2ban/filter.d/postfix.conf" > f2b.out 2> f2b.err ||
    { cat f2b.err f2b.out; fail "fail2ban-regex failed"; }
  matched=$(sed -n 's/^Lines: [0-9]* lines, [0-9]* ignored, \([0-9]*\) matched.*/\1/p' f2b.out)
  denied=$(grep -c 'reject: RCPT from .*Relay access denied' "$L")
  assert_eq $((EXP_REJECT_4XX + EXP_REJECT_5XX)) "$denied" "relay-denied rejects in the log"
  assert_eq "$denied" "$matched" "fail2ban-regex matches (postfix filter)"
  ok "fail2ban-regex (Debian's postfix filter): $matched matches, the $denied relay-denied rejects"
  done_parts=$((done_parts + 1))
else
  echo "fail2ban: skipped: Debian's fail2ban could not be fetched (apt-get download)"
fi
[ $done_parts -gt 0 ] || skip "neither pflogsumm nor fail2ban could be fetched"
