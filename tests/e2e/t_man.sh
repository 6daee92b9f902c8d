# Manual pages: every command (section 1) and daemon (section 8) has one,
# made from its manual comment, plus main.cf and master.cf (section 5);
# each renders without troff warnings and has NAME and SYNOPSIS.
. "$(dirname "$0")/lib.sh"
M=$(cd -P "$B" && cd .. && pwd)/man
[ -d "$M" ] || fail "no manual pages in $M (make builds them)"
command -v groff >/dev/null || skip "groff not installed"
n=0
for prog in "$B"/*; do
  p=$(basename "$prog")
  case $p in
    master|pickup|cleanup|qmgr|smtp|smtpd|flush|bounce|showq|metrics) page=$M/man8/$p.8 ;;
    *) page=$M/man1/$p.1 ;;
  esac
  [ -f "$page" ] || fail "no manual page for $p ($page)"
  n=$((n + 1))
done
for page in "$M"/man1/*.1 "$M"/man5/*.5 "$M"/man8/*.8; do
  head -1 "$page" | grep -q '^\.so ' && continue
  groff -man -ww -z "$page" 2> w.err
  grep -v 'cannot adjust line' w.err > w2.err
  [ -s w2.err ] && { cat w2.err; fail "troff warnings in $page"; }
  grep -q '^\.SH NAME' "$page" || fail "$page has no NAME"
  grep -q '^\.SH SYNOPSIS' "$page" || fail "$page has no SYNOPSIS"
  groff -man -Tutf8 "$page" 2>/dev/null | grep -q . || fail "$page renders empty"
done
grep -q '^\.so man1/sendmail.1' "$M/man1/mailq.1" || fail "mailq.1 should point at sendmail.1"
grep -q '^\.B myhostname$' "$M/man5/postconf.5" || fail "postconf.5 lacks the parameter list"
ok "$n programs have manual pages; all pages render cleanly"
