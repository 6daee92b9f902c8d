# postconf as an administrator uses it: -d matches Postfix's defaults
# (fixtures/postconf-d.txt) except sluice's documented differences, -e edits
# main.cf in place and creates it when missing, -n/-h/-x/-H show it, unknown
# and unused names are reported, -M prints master.cf normalised.
. "$(dirname "$0")/lib.sh"
[ -x "$B/postconf" ] || skip "bin/postconf not built yet"
P="$B/postconf"
C="$WORK/conf"
mkdir -p "$C"

# ---- -d against Postfix --------------------------------------------------
# Intended differences (documented at the top of util/param.c): install
# paths, sluice's names, host-derived values, the process's own PID.
exceptions='config_directory daemon_directory command_directory data_directory
queue_directory sendmail_path mailq_path newaliases_path manpage_directory
html_directory readme_directory sample_directory meta_directory shlib_directory
mail_owner mail_name mail_version myhostname mydomain mynetworks
process_id'
"$P" -d > d.out 2> d.err || fail "postconf -d exit $?"
[ -s d.err ] && { cat d.err; fail "postconf -d wrote to stderr"; }
python3 - "$FIXTURES/postconf-d.txt" d.out "$exceptions" <<'PY' || fail "postconf -d differs from Postfix"
import sys
def load(path):
    d = {}
    for line in open(path, encoding="latin-1"):
        line = line.rstrip("\n")
        name, sep, value = line.partition(" = ")
        if not sep:
            assert line.endswith(" ="), "malformed line %r" % line
            name, value = line[:-2], ""
        d[name] = value
    return d
fix, got = load(sys.argv[1]), load(sys.argv[2])
exc = set(sys.argv[3].split())
bad = 0
for name, value in fix.items():
    if name in exc:
        continue
    if name not in got:
        print("missing: %s" % name); bad += 1
    elif got[name] != value:
        print("differs: %s: want %r got %r" % (name, value, got[name])); bad += 1
for name in exc:
    assert name in got, "exception %s not printed" % name
names = [l.split(" ")[0] for l in open(sys.argv[2])]
assert names == sorted(names), "not sorted"
assert got["dns_servers"] == "" and got["mail_owner"] == "sluice" and got["syslog_name"] == "${multi_instance_name?{$multi_instance_name}:{postfix}}"
assert got["mail_version"] == "0.1" and got["queue_directory"] == "/var/spool/sluice"
sys.exit(1 if bad else 0)
PY
ok "postconf -d matches fixtures/postconf-d.txt apart from the documented exceptions"
# The empty value prints as "name =" without a trailing space.
grep -qx 'relayhost =' d.out || fail "empty value not printed as 'relayhost ='"
# -d works without main.cf; the plain form needs one.
[ ! -e "$C/main.cf" ] || fail "main.cf exists too early"
"$P" -c "$C" -d -h mail_owner > o || fail "-d without main.cf"
assert_eq "sluice" "$(cat o)" "-d -h mail_owner"
if "$P" -c "$C" -n > o 2> e; then fail "postconf -n without main.cf succeeded"; fi
grep -q "fatal: open $C/main.cf: No such file or directory" e || { cat e; fail "missing main.cf error"; }

# ---- -e creates and edits main.cf -----------------------------------------
"$P" -c "$C" -e "relayhost = [127.0.0.1]:2626" myhostname=relay.example.com "mydestination=" ||
  fail "postconf -e on a missing main.cf"
[ -f "$C/main.cf" ] || fail "-e did not create main.cf"
[ ! -e "$C/main.cf.tmp" ] || fail "main.cf.tmp left behind"
"$P" -c "$C" -n > n.out 2> n.err || fail "postconf -n"
cat > n.want <<EOF
config_directory = $C
mydestination =
myhostname = relay.example.com
relayhost = [127.0.0.1]:2626
EOF
diff n.want n.out || fail "postconf -n after -e"
[ -s n.err ] && { cat n.err; fail "unexpected warnings"; }

# Replace a multi-line entry in place, keep comments, append new names sorted.
cat > "$C/main.cf" <<'EOF'
# head comment
myhostname = old.example.com
mydestination = $myhostname,
# comment inside a continued entry
    localhost
relayhost = [127.0.0.1]:2626
EOF
chmod 640 "$C/main.cf"
"$P" -c "$C" -e "mydestination = localhost" "soft_bounce=yes" "compatibility_level=3.6" ||
  fail "postconf -e replace"
cat > main.want <<'EOF'
# head comment
myhostname = old.example.com
mydestination = localhost
# comment inside a continued entry
relayhost = [127.0.0.1]:2626
compatibility_level = 3.6
soft_bounce = yes
EOF
diff main.want "$C/main.cf" || fail "main.cf after -e"
assert_eq 640 "$(stat -c %a "$C/main.cf")" "main.cf mode kept"
# Implied -e when an argument has '='.
"$P" -c "$C" myhostname=new.example.com || fail "implied -e"
assert_eq "new.example.com" "$("$P" -c "$C" -h myhostname)" "-h after implied -e"
# Concurrent editors serialise: no edit is lost.
mkdir "$WORK/conc"
pids=""
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
  "$P" -c "$WORK/conc" -e "user_param_$i = $i" & pids="$pids $!"
done
for p in $pids; do wait "$p" || fail "concurrent postconf -e failed"; done
assert_eq 12 "$(grep -c '^user_param_' "$WORK/conc/main.cf")" "entries after 12 concurrent edits"
[ ! -e "$WORK/conc/main.cf.tmp" ] || fail "main.cf.tmp left after concurrent edits"
ok "-e replaces in place, appends sorted, creates main.cf"

# ---- -h, -H, -x, names, whitespace ---------------------------------------
printf 'smtpd_banner = $myhostname   ESMTP\n\t$mail_name\n' >> "$C/main.cf"
"$P" -c "$C" -h myhostname relayhost myorigin > h.out || fail "-h"
printf 'new.example.com\n[127.0.0.1]:2626\n$myhostname\n' | diff - h.out || fail "-h values"
assert_eq 'smtpd_banner = $myhostname ESMTP $mail_name' "$("$P" -c "$C" smtpd_banner)" "white space normalised"
assert_eq 'new.example.com ESMTP sluice' "$("$P" -c "$C" -xh smtpd_banner)" "-x expands"
assert_eq 'localhost.new.example.com' "$("$P" -c "$C" -o mydomain=new.example.com -xh mydomain | sed 's/^/localhost./')" "-o with -x"
assert_eq '' "$("$P" -c "$C" -xh relay_domains)" "relay_domains at compat 3.6"
"$P" -c "$C" -Hn > H.out || fail "-Hn"
printf 'compatibility_level\nconfig_directory\nmydestination\nmyhostname\nrelayhost\nsmtpd_banner\nsoft_bounce\n' |
  diff - H.out || fail "-H -n names"
"$P" -c "$C" > all.out || fail "postconf"
[ "$(wc -l < all.out)" -ge 895 ] || fail "postconf lists too few parameters"
grep -qx 'myhostname = new.example.com' all.out || fail "main.cf value in full listing"
grep -qx 'myorigin = $myhostname' all.out || fail "default in full listing"

# ---- unknown and unused parameters ---------------------------------------
"$P" -c "$C" -h no_such_thing myhostname > u.out 2> u.err || fail "unknown name exit"
assert_eq "new.example.com" "$(cat u.out)" "known name still printed"
assert_eq "$P: warning: no_such_thing: unknown parameter" "$(cat u.err)" "unknown parameter warning"
printf 'zeta_unused = 1\nalpha_unused = two words\nmy_list = a, b\nsmtpd_client_restrictions = $my_list\n' >> "$C/main.cf"
"$P" -c "$C" -n > n2.out 2> n2.err || fail "-n with unused"
printf '%s\n' "$P: warning: $C/main.cf: unused parameter: alpha_unused=two words" \
  "$P: warning: $C/main.cf: unused parameter: zeta_unused=1" | diff - n2.err || fail "unused warnings"
grep -qx 'my_list = a, b' n2.out || fail "user-defined parameter not shown by -n"
ok "unknown and unused parameter warnings"

# ---- -X and -# ------------------------------------------------------------
"$P" -c "$C" -X zeta_unused alpha_unused || fail "-X"
"$P" -c "$C" -# soft_bounce || fail "-#"
grep -q unused "$C/main.cf" && fail "-X left the entries"
grep -qx '#soft_bounce = yes' "$C/main.cf" || fail "-# did not comment out"
assert_eq "no" "$("$P" -c "$C" -h soft_bounce)" "commented-out parameter is back to default"

# ---- -M -------------------------------------------------------------------
cat > "$C/master.cf" <<'EOF'
# service type  private unpriv  chroot  wakeup  maxproc command + args
smtp inet n - n - - smtpd
127.0.0.1:2525      inet  n       -       n       -       -       smtpd
  -o syslog_name=sluice/alt
pickup    unix  n       -       n       60      1       pickup
flush     unix  n       -       n       1000?   0       flush
a_very_long_service_name unix - - n - - smtp
EOF
"$P" -c "$C" -M > M.out || fail "-M"
cat > M.want <<'EOF'
smtp       inet  n       -       n       -       -       smtpd
127.0.0.1:2525 inet n    -       n       -       -       smtpd -o syslog_name=sluice/alt
pickup     unix  n       -       n       60      1       pickup
flush      unix  n       -       n       1000?   0       flush
a_very_long_service_name unix - - n      -       -       smtp
EOF
diff M.want M.out || fail "-M layout"
"$P" -c "$C" -M pickup/unix nosuch > M2.out 2> M2.err || fail "-M service/type"
grep -qx 'pickup     unix  n       -       n       60      1       pickup' M2.out || fail "-M pickup/unix"
[ "$(wc -l < M2.out)" = 1 ] || fail "-M selected too much"
grep -q 'warning: unmatched request: "nosuch"' M2.err || fail "unmatched request warning"
printf 'smtp inet y - n - - smtpd\n' > "$C/master.cf"
if "$P" -c "$C" -M > /dev/null 2> M3.err; then fail "bad master.cf accepted"; fi
grep -q "$C/master.cf, line 1: inet service cannot be private" M3.err || { cat M3.err; fail "master.cf error text"; }
ok "-M prints master.cf at Postfix's columns"

# ---- -F and -P: show and edit master.cf as Postfix 3.7's postconf does ----
# (expected texts were produced by Postfix 3.7.11's postconf on the same
# input; braces group inside an argument, "name={ a, b }" is one token).
cat > "$C/master.cf" <<'EOF'
# a comment that stays
smtp      inet  n       -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
sub  inet n - n - - smtpd -v
  -o smtpd_client_restrictions={ permit_mynetworks, reject } -o a=b
  -o syslog_name=sub
  extra arg
a inet n - n - - smtpd -v w -o a=b x y -o c=d z -o e={f g}
EOF
"$P" -c "$C" -F sub/inet > F.out || fail "-F"
cat > F.want <<'EOF'
sub/inet/service = sub
sub/inet/type = inet
sub/inet/private = n
sub/inet/unprivileged = -
sub/inet/chroot = n
sub/inet/wakeup = -
sub/inet/process_limit = -
sub/inet/command = smtpd -v -o {smtpd_client_restrictions={ permit_mynetworks, reject }} -o a=b -o syslog_name=sub extra arg
EOF
diff F.want F.out || fail "-F service/type"
assert_eq "n
n
n
n" "$("$P" -c "$C" -Fh '*/*/chroot')" "-Fh */*/chroot"
"$P" -c "$C" -P > P.out || fail "-P"
cat > P.want <<'EOF'
sub/inet/a = b
sub/inet/smtpd_client_restrictions = { permit_mynetworks, reject }
sub/inet/syslog_name = sub
EOF
diff P.want P.out || fail "-P sorted by name per service"
"$P" -c "$C" -F pickup/unix/maxproc > /dev/null 2> F.err && fail "-F with a bad field name"
grep -q 'fatal: invalid service attribute name: "maxproc"' F.err || { cat F.err; fail "-F bad field text"; }
"$P" -c "$C" -P sub/inet/a nope/x > /dev/null 2> P.err || fail "-P unmatched"
grep -q 'warning: unmatched request: "nope/x"' P.err || fail "-P unmatched text"

"$P" -c "$C" -P sub/inet/a=c 'a/inet/c=q' || fail "-P edit"
"$P" -c "$C" -F pickup/unix/process_limit=5 || fail "-F edit"
cat > edited.want <<'EOF'
# a comment that stays
smtp      inet  n       -       n       -       -       smtpd
pickup     unix  n       -       n       60      5       pickup
sub        inet  n       -       n       -       -       smtpd -v
    -o {smtpd_client_restrictions={ permit_mynetworks, reject }}
    -o a=c
    -o syslog_name=sub
    extra arg
a          inet  n       -       n       -       -       smtpd -v
    -o c=q
    w -o a=b x y -o c=d z -o {e={f g}}
EOF
diff edited.want "$C/master.cf" || fail "-P/-F rewrite only the edited entries, in Postfix's layout"
"$P" -c "$C" -PX sub/inet/smtpd_client_restrictions || fail "-PX"
"$P" -c "$C" -M# smtp/inet || fail "-M#"
"$P" -c "$C" -MX a/inet || fail "-MX"
"$P" -c "$C" -M 'submission/inet=submission inet n - n - - smtpd -o syslog_name=postfix/submission' ||
  fail "-M add"
cat > edited2.want <<'EOF'
# a comment that stays
#smtp      inet  n       -       n       -       -       smtpd
pickup     unix  n       -       n       60      5       pickup
sub        inet  n       -       n       -       -       smtpd -v
    -o a=c
    -o syslog_name=sub
    extra arg
submission inet  n       -       n       -       -       smtpd
    -o syslog_name=postfix/submission
EOF
diff edited2.want "$C/master.cf" || fail "-PX, -M#, -MX, -M add"
cp "$C/master.cf" before.bad
"$P" -c "$C" -P 'sub/inet/a=b c' 2> e1 && fail "-P with white space accepted"
grep -q 'fatal: -Pe does not accept whitespace in parameter value' e1 || fail "-P white space text"
"$P" -c "$C" -F 'sub/inet/chroot=a b' 2> e2 && fail "-F with white space accepted"
grep -q 'fatal: -Fe does not accept whitespace in non-command field' e2 || fail "-F white space text"
"$P" -c "$C" -M 'x/unix=x unix n - n -' 2> e3 && fail "-M short entry accepted"
grep -q 'fatal: bad field count: "x/unix=x unix n - n -"' e3 || { cat e3; fail "-M field count text"; }
"$P" -c "$C" -F sub/inet/private=y 2> e4 && fail "-F made an inet service private"
"$P" -c "$C" -P 'nope/unix/y=2' 2> e5 || fail "-P unmatched service"
grep -q 'warning: unmatched service_name/type: "nope/unix/y=2"' e5 || fail "-P unmatched service text"
cmp -s before.bad "$C/master.cf" || fail "a refused edit changed master.cf"
ok "-F and -P show and edit master.cf as Postfix's postconf"
# ---- bounded $name expansion ------------------------------------------------
# 40 doubling definitions would expand to 2^40 bytes. Without -x postconf
# prints the value as written, at once; with -x the expansion gives up
# after 100000 bytes with a warning (as for a reference loop), and a program
# that needs the value (sluice check) stops with a fatal error.
mkdir "$WORK/big"
{ echo "a0 = x"; i=1
  while [ $i -le 40 ]; do echo "a$i = \$a$((i - 1))\$a$((i - 1))"; i=$((i + 1)); done
  echo 'myhostname = $a40'; } > "$WORK/big/main.cf"
rc=0; out=$(timeout 20 "$P" -c "$WORK/big" myhostname 2> big.err) || rc=$?
[ "$rc" = 0 ] || { cat big.err; fail "postconf myhostname with a 40-level chain: exit $rc"; }
assert_eq 'myhostname = $a40' "$out" "postconf myhostname, as written"
rc=0; timeout 20 "$P" -c "$WORK/big" -n > /dev/null 2> big.err || rc=$?
[ "$rc" = 0 ] || { cat big.err; fail "postconf -n with a 40-level chain: exit $rc"; }
rc=0; timeout 20 "$P" -c "$WORK/big" -xh myhostname > /dev/null 2> big.err || rc=$?
[ "$rc" != 124 ] || fail "postconf -x with a 40-level chain did not finish in 20 s"
grep -qx "$P: warning: myhostname: macro expansion of \"a40\" is too long (more than 100000 bytes)" big.err ||
  { cat big.err; fail "postconf -x: expansion length warning"; }
# A reference loop still gives Postfix's nesting error.
printf 'a = $b\nb = $a\nsmtpd_banner = $a\n' > "$WORK/big/main.cf"
timeout 20 "$P" -c "$WORK/big" -xh smtpd_banner > /dev/null 2> loop.err || fail "postconf -x with a loop"
assert_eq "$P: warning: smtpd_banner: unreasonable macro call nesting: \"a\"" "$(cat loop.err)" "loop error"
ok "exponential and looping \$name expansions finish at once"
exit 0
