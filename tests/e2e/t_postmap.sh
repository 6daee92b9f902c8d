# postmap as Postfix 3.7's: every case below was run with Debian's Postfix
# 3.7.11 postmap and its output and exit status pinned here (stdout and
# stderr together, "[exit N]" last); sluice's must give the same bytes.
# The cases run in order in one directory, each on what the earlier ones
# left. Then, when Debian's postfix, postfix-lmdb and postfix-cdb packages
# can be fetched (apt-get download, cached in $SLUICE_ROOT/build/ext), the
# two postmaps read each other's hash, btree, lmdb and cdb tables; without
# them that part is skipped with a message and the rest still counts.
. "$(dirname "$0")/lib.sh"
[ -x "$B/postmap" ] || skip "bin/postmap not built yet"
C="$WORK/conf"
mkdir -p "$C" d
printf 'compatibility_level = 3.6\n' > "$C/main.cf"
PM="$B/postmap -c $C"
cd d
printf 'a 1\nA 2\nB 3\n# c\n\nc:  4\nd 5\n  cont\n"q k" 6\n"unbal 7\ne\\ f 8\nnoval\n  \nb 9\n' > t
printf 'x y\n' > small
printf '/a(b)/ x$1\n' > re
printf '10.0.0.0/8 ten\n' > ci
printf 'k \xff\xfe v\nok 1\n' > nu

# check: stdin is "$ COMMAND" and the expected output; "postmap" in the
# command runs sluice's.
ncases=0
check() {
  local text cmd want got
  text=$(cat)
  cmd=${text%%$'\n'*}; cmd=${cmd#\$ }
  want=${text#*$'\n'}
  got=$(eval "${cmd//postmap/$PM}" 2>&1; echo "[exit $?]")
  [ "$got" = "$want" ] || {
    diff <(echo "$want") <(echo "$got") | sed 's/^/  /' >&2
    fail "$cmd: output differs from Postfix's (< Postfix, > sluice)"
  }
  ncases=$((ncases + 1))
}

check <<'CASE'
$ postmap hash:t
postmap: warning: t.db: duplicate entry: "a"
postmap: warning: t, line 6: record is in "key: value" format; is this an alias file?
postmap: warning: t, line 10: unbalanced '"' in '"unbal 7' -- ignoring this line
postmap: warning: t, line 12: expected format: key whitespace value
postmap: warning: t.db: duplicate entry: "b"
[exit 0]
CASE
check <<'CASE'
$ postmap -s hash:t
"q k"	6
b	3
d	5  cont
a	1
c:	4
e\ f	8
[exit 0]
CASE
check <<'CASE'
$ postmap -q A hash:t
1
[exit 0]
CASE
check <<'CASE'
$ postmap -q zz hash:t
[exit 1]
CASE
check <<'CASE'
$ printf 'a\nzz\nd\n"q k"\n' | postmap -q - hash:t
a	1
d	5  cont
"q k"	6
[exit 0]
CASE
check <<'CASE'
$ cp t t2; postmap -r btree:t2
postmap: warning: t2, line 6: record is in "key: value" format; is this an alias file?
postmap: warning: t2, line 10: unbalanced '"' in '"unbal 7' -- ignoring this line
postmap: warning: t2, line 12: expected format: key whitespace value
[exit 0]
CASE
check <<'CASE'
$ postmap -s btree:t2
"q k"	6
a	2
b	9
c:	4
d	5  cont
e\ f	8
[exit 0]
CASE
check <<'CASE'
$ postmap -w lmdb:t
postmap: warning: t, line 6: record is in "key: value" format; is this an alias file?
postmap: warning: t, line 10: unbalanced '"' in '"unbal 7' -- ignoring this line
postmap: warning: t, line 12: expected format: key whitespace value
[exit 0]
CASE
check <<'CASE'
$ postmap -s lmdb:t
"q k"	6
a	1
b	3
c:	4
d	5  cont
e\ f	8
[exit 0]
CASE
check <<'CASE'
$ postmap cdb:t
postmap: warning: t: duplicate entry: "a"
postmap: warning: t, line 6: record is in "key: value" format; is this an alias file?
postmap: warning: t, line 10: unbalanced '"' in '"unbal 7' -- ignoring this line
postmap: warning: t, line 12: expected format: key whitespace value
postmap: warning: t: duplicate entry: "b"
[exit 0]
CASE
check <<'CASE'
$ postmap -s cdb:t
postmap: fatal: table cdb:t.cdb: sequence operation is not supported
[exit 1]
CASE
check <<'CASE'
$ postmap -q b cdb:t
3
[exit 0]
CASE
check <<'CASE'
$ postmap -q a
postmap: fatal: usage: postmap [-bfFhimnNoprsuUvw] [-c config_dir] [-d key] [-q key] [map_type:]file...
[exit 1]
CASE
check <<'CASE'
$ postmap
postmap: fatal: usage: postmap [-bfFhimnNoprsuUvw] [-c config_dir] [-d key] [-q key] [map_type:]file...
[exit 1]
CASE
check <<'CASE'
$ postmap -x
postmap: invalid option -- 'x'
postmap: fatal: usage: postmap [-bfFhimnNoprsuUvw] [-c config_dir] [-d key] [-q key] [map_type:]file...
[exit 1]
CASE
check <<'CASE'
$ postmap -q a nosuch:t
postmap: fatal: unsupported dictionary type: nosuch
[exit 1]
CASE
check <<'CASE'
$ postmap nosuch:t
postmap: fatal: unsupported dictionary type: nosuch. Is the postfix-nosuch package installed?
[exit 1]
CASE
check <<'CASE'
$ postmap hash:missing
postmap: fatal: open missing: No such file or directory
[exit 1]
CASE
check <<'CASE'
$ postmap -q a hash:missing
postmap: fatal: open database missing.db: No such file or directory
[exit 1]
CASE
check <<'CASE'
$ postmap -s hash:missing
postmap: fatal: open database missing.db: No such file or directory
[exit 1]
CASE
check <<'CASE'
$ postmap -d a hash:missing
postmap: fatal: open database missing.db: No such file or directory
[exit 1]
CASE
check <<'CASE'
$ postmap -q b static:foo
foo
[exit 0]
CASE
check <<'CASE'
$ postmap -s static:foo
postmap: fatal: table static:foo: sequence operation is not supported
[exit 1]
CASE
check <<'CASE'
$ postmap lmdb:missing
postmap: fatal: open missing: No such file or directory
[exit 1]
CASE
check <<'CASE'
$ postmap -q a lmdb:missing
postmap: fatal: open database missing.lmdb: No such file or directory
[exit 1]
CASE
check <<'CASE'
$ postmap -q a cdb:missing
postmap: fatal: open database missing.cdb: No such file or directory
[exit 1]
CASE
check <<'CASE'
$ postmap -q a texthash:missing
postmap: fatal: open database missing: No such file or directory
[exit 1]
CASE
check <<'CASE'
$ postmap -q a regexp:missing
postmap: fatal: open missing: No such file or directory
[exit 1]
CASE
check <<'CASE'
$ postmap -q a cidr:missing
postmap: fatal: open missing: No such file or directory
[exit 1]
CASE
check <<'CASE'
$ postmap texthash:t
postmap: fatal: unsupported dictionary type: texthash does not support bulk-mode creation.
[exit 1]
CASE
check <<'CASE'
$ postmap regexp:re
postmap: fatal: unsupported dictionary type: regexp does not support bulk-mode creation.
[exit 1]
CASE
check <<'CASE'
$ postmap cidr:ci
postmap: fatal: unsupported dictionary type: cidr does not support bulk-mode creation.
[exit 1]
CASE
check <<'CASE'
$ postmap 'inline:{a=b}'
postmap: fatal: open {a=b}: No such file or directory
[exit 1]
CASE
check <<'CASE'
$ postmap -q a 'inline:{a=b}'
b
[exit 0]
CASE
check <<'CASE'
$ postmap -q a inline:a=b
postmap: fatal: bad syntax: "inline:a=b"; need "inline:{name=value...}"
[exit 1]
CASE
check <<'CASE'
$ postmap -s regexp:re
postmap: fatal: table regexp:re: sequence operation is not supported
[exit 1]
CASE
check <<'CASE'
$ postmap -s cidr:ci
postmap: fatal: table cidr:ci: sequence operation is not supported
[exit 1]
CASE
check <<'CASE'
$ postmap -q ab regexp:re
xb
[exit 0]
CASE
check <<'CASE'
$ postmap -q ab pcre:re
xb
[exit 0]
CASE
check <<'CASE'
$ postmap -q 10.1.1.1 cidr:ci
ten
[exit 0]
CASE
check <<'CASE'
$ postmap -d a hash:t
[exit 0]
CASE
check <<'CASE'
$ postmap -d a hash:t
[exit 1]
CASE
check <<'CASE'
$ postmap -s hash:t
"q k"	6
b	3
d	5  cont
c:	4
e\ f	8
[exit 0]
CASE
check <<'CASE'
$ postmap -d A lmdb:t
[exit 0]
CASE
check <<'CASE'
$ postmap -s lmdb:t
"q k"	6
b	3
c:	4
d	5  cont
e\ f	8
[exit 0]
CASE
check <<'CASE'
$ echo 'c 3' | postmap -i hash:t
[exit 0]
CASE
check <<'CASE'
$ printf 'C 4\nd\n' | postmap -i hash:t
postmap: warning: t.db: duplicate entry: "c"
postmap: warning: stdin, line 2: expected format: key whitespace value
[exit 0]
CASE
check <<'CASE'
$ postmap -q c hash:t
3
[exit 0]
CASE
check <<'CASE'
$ postmap -d a cdb:t
postmap: fatal: dict_cdb_open: inappropriate open flags for cdb database - specify O_RDONLY or O_WRONLY|O_CREAT|O_TRUNC
[exit 1]
CASE
check <<'CASE'
$ echo 'x y' | postmap -i cdb:t
postmap: fatal: dict_cdb_open: inappropriate open flags for cdb database - specify O_RDONLY or O_WRONLY|O_CREAT|O_TRUNC
[exit 1]
CASE
check <<'CASE'
$ postmap -d a texthash:t
postmap: fatal: texthash:t map requires O_RDONLY access mode
[exit 1]
CASE
check <<'CASE'
$ postmap -d a static:x
postmap: fatal: table static:x: delete operation is not supported
[exit 1]
CASE
check <<'CASE'
$ postmap -d a regexp:re
postmap: fatal: regexp:re map requires O_RDONLY access mode
[exit 1]
CASE
check <<'CASE'
$ postmap -d a 'inline:{a=b}'
postmap: fatal: inline:{a=b} map requires O_RDONLY access mode
[exit 1]
CASE
check <<'CASE'
$ postmap -d a -d c hash:t
postmap: fatal: specify only one of -s -q or -d
[exit 1]
CASE
check <<'CASE'
$ postmap -q a -s hash:t
postmap: fatal: specify only one of -s or -q or -d
[exit 1]
CASE
check <<'CASE'
$ postmap -s -q a hash:t
postmap: fatal: specify only one of -s -q or -d
[exit 1]
CASE
check <<'CASE'
$ postmap -s
[exit 1]
CASE
check <<'CASE'
$ postmap -s hash:small btree:t2
postmap: fatal: open database small.db: No such file or directory
[exit 1]
CASE
check <<'CASE'
$ printf 'b\nzz\n' | postmap -d - hash:t lmdb:t
[exit 0]
CASE
check <<'CASE'
$ postmap -s hash:t
"q k"	6
d	5  cont
c	3
c:	4
e\ f	8
[exit 0]
CASE
check <<'CASE'
$ postmap -s lmdb:t
"q k"	6
c:	4
d	5  cont
e\ f	8
[exit 0]
CASE
check <<'CASE'
$ postmap -q - </dev/null
postmap: fatal: usage: postmap [-bfFhimnNoprsuUvw] [-c config_dir] [-d key] [-q key] [map_type:]file...
[exit 1]
CASE
check <<'CASE'
$ postmap -i texthash:t </dev/null
postmap: fatal: unsupported dictionary type: texthash does not support bulk-mode creation.
[exit 1]
CASE
check <<'CASE'
$ postmap -i hash:missing2 </dev/null; ls missing2*
missing2.db
[exit 0]
CASE
check <<'CASE'
$ postmap -i nosuch:x </dev/null
postmap: fatal: unsupported dictionary type: nosuch. Is the postfix-nosuch package installed?
[exit 1]
CASE
check <<'CASE'
$ postmap -d a nosuch:x
postmap: fatal: unsupported dictionary type: nosuch
[exit 1]
CASE
check <<'CASE'
$ postmap hash:nu
postmap: warning: nu, line 1: non-UTF-8 input "k ?? v" -- ignoring this line
[exit 0]
CASE
check <<'CASE'
$ postmap -u btree:nu; postmap -s btree:nu | od -c
0000000   k  \t 377 376       v  \n   o   k  \t   1  \n
0000014
[exit 0]
CASE
check <<'CASE'
$ postmap -q zz hash:small btree:t2
postmap: fatal: open database small.db: No such file or directory
[exit 1]
CASE
check <<'CASE'
$ postmap -q y hash:small small
postmap: fatal: open database small.db: No such file or directory
[exit 1]
CASE
check <<'CASE'
$ postmap -q x small hash:t
postmap: fatal: open database small.db: No such file or directory
[exit 1]
CASE
check <<'CASE'
$ postmap -f hash:t; postmap -q A hash:t; postmap -f -q A hash:t
postmap: warning: t, line 6: record is in "key: value" format; is this an alias file?
postmap: warning: t, line 10: unbalanced '"' in '"unbal 7' -- ignoring this line
postmap: warning: t, line 12: expected format: key whitespace value
1
2
[exit 0]
CASE
check <<'CASE'
$ postmap -N lmdb:small; postmap -q x lmdb:small
y
[exit 0]
CASE
check <<'CASE'
$ postmap -b -q a hash:t
postmap: fatal: specify -b -h or -m only with "-q -"
[exit 1]
CASE
check <<'CASE'
$ postmap -h hash:t
postmap: fatal: specify -b -h or -m only with "-q -"
[exit 1]
CASE
check <<'CASE'
$ postmap hash:t hash:small lmdb:small; postmap -q y hash:small
postmap: warning: t.db: duplicate entry: "a"
postmap: warning: t, line 6: record is in "key: value" format; is this an alias file?
postmap: warning: t, line 10: unbalanced '"' in '"unbal 7' -- ignoring this line
postmap: warning: t, line 12: expected format: key whitespace value
postmap: warning: t.db: duplicate entry: "b"
[exit 1]
CASE
check <<'CASE'
$ postmap -s 'inline:{ k1=v1, {k2 = v 2} }' | sort
k1	v1
k2	v 2
[exit 0]
CASE
ok "$ncases postmap cases give Postfix 3.7's output and exit status"

# ---- tables: owner and mode, the rename, -N/-n -------------------------
printf 'k v\n' > perm; chmod 640 perm
$PM hash:perm || fail "build perm"
[ "$(stat -c %a perm.db)" = 640 ] || fail "perm.db mode $(stat -c %a perm.db), want 640 (source lacks o+r)"
chmod 600 perm.db; $PM hash:perm
[ "$(stat -c %a perm.db)" = 600 ] || fail "a rebuilt table keeps its mode"
$PM -p hash:perm; [ "$(stat -c %a perm.db)" = 600 ] || fail "-p: mode kept"
ino=$(stat -c %i perm.db)
printf 'k w\n' > perm; $PM hash:perm
[ "$($PM -q k hash:perm)" = w ] || fail "rebuilt value"
[ ! -e perm.db.tmp ] || fail "temporary file left behind"
ok "new tables: mode from the source, rebuilt ones keep theirs, no temporary left"
if [ "$(id -u)" = 0 ] && getent passwd sluice >/dev/null; then
  mkdir own; chmod 777 own; printf 'k v\n' > own/s; chown sluice own/s
  # LeakSanitizer cannot stop a process that changed its effective user.
  ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" $PM hash:own/s lmdb:own/s
  $PM -o cdb:own/s
  [ "$(stat -c %U own/s.db)/$(stat -c %U own/s.lmdb)/$(stat -c %U own/s.cdb)" = sluice/sluice/root ] ||
    fail "owners $(stat -c %U own/s.db own/s.lmdb own/s.cdb): root builds as the source's owner (-o: not)"
  ok "run by root, tables are built as the source file's owner, -o keeps root"
fi

# ---- interoperation with Postfix's postmap -------------------------------
# Debian's packages, fetched once into build/ext and unpacked there.
if ! ext=$(fetch_debs postfix-debian postfix postfix-lmdb postfix-cdb); then
  echo "SKIPPED: interoperation with Postfix: could not fetch Debian's postfix packages (apt-get download)"
  exit 0
fi
# Postfix's configuration: its dynamic maps from the unpacked packages, a
# mail_owner that exists and is not root.
PC="$WORK/pfconf"
postfix_conf "$PC" "$ext"
pfpm() { LD_LIBRARY_PATH=$ext/usr/lib/postfix "$ext/usr/sbin/postmap" -c "$PC" "$@"; }
if ! pfpm -q x 'inline:{x=y}' >/dev/null 2>"$WORK/pf.err"; then
  echo "SKIPPED: interoperation with Postfix: its postmap does not run here: $(cat "$WORK/pf.err")"
  exit 0
fi
mkdir ../io && cd ../io
printf 'Alpha 1\nbeta two words\ngamma smtp:[10.0.0.1]:25\n' > src
for i in $(seq 500); do echo "key$i value$i"; done >> src
cp src bysluice; cp src bypf
# (hash and btree share FILE.db: the btree table replaces the hash one.)
for ty in hash btree lmdb cdb; do
  $PM $ty:bysluice || fail "sluice postmap $ty"
  pfpm $ty:bypf || fail "Postfix postmap $ty"
  for k in alpha BETA key250 absent; do
    a=$(pfpm -q $k $ty:bysluice; echo "[exit $?]")
    b=$($PM -q $k $ty:bypf; echo "[exit $?]")
    c=$($PM -q $k $ty:bysluice; echo "[exit $?]")
    [ "$a" = "$b" ] && [ "$a" = "$c" ] || fail "$ty -q $k: Postfix on sluice's [$a], sluice on Postfix's [$b], sluice on sluice's [$c]"
  done
  a=$(printf 'gamma\nkey1\nnone\n' | pfpm -q - $ty:bysluice)
  b=$(printf 'gamma\nkey1\nnone\n' | $PM -q - $ty:bypf)
  [ "$a" = "$b" ] && [ -n "$a" ] || fail "$ty -q -: [$a] vs [$b]"
  if [ $ty != cdb ]; then
    pfpm -s $ty:bysluice > a.s; $PM -s $ty:bypf > b.s
    cmp -s a.s b.s && [ "$(wc -l < a.s)" = 503 ] || fail "$ty -s: Postfix on sluice's table and sluice on Postfix's differ"
  fi
done
ok "hash, btree, lmdb and cdb tables: each postmap reads the other's (-q, -q -, -s)"
# Changes by one, read by the other.
echo 'delta 4' | $PM -i btree:bypf && [ "$(pfpm -q delta btree:bypf)" = 4 ] || fail "-i by sluice, read by Postfix"
$PM -d alpha lmdb:bypf && ! pfpm -q alpha lmdb:bypf >/dev/null || fail "-d by sluice, read by Postfix"
pfpm -d beta btree:bysluice && ! $PM -q beta btree:bysluice >/dev/null || fail "-d by Postfix, read by sluice"
ok "-i and -d on the other's tables"
