# The metrics service scraped during a relay run (tests/e2e/mixed_run.sh:
# sent, deferred, bounced, 4xx and 5xx rejects, STARTTLS, sendmail):
# both formats parse with python3-prometheus-client's parsers (and
# promtool's check when installed), every counter equals what the run did
# and what the maillog shows, the delay histograms hold one observation
# per status= line with the logged delays as sums, the queue gauges show
# the deferred message; the counters survive a restart of the whole
# system; bad requests get 404/405.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mixed_run.sh"
for p in sluice smtpd master cleanup qmgr smtp metrics postconf; do
  [ -x "$B/$p" ] || skip "bin/$p not built yet"
done
command -v swaks >/dev/null || skip "swaks not installed"

# A python with python3-prometheus-client: Debian's, else the package
# unpacked from the Debian repository.
PY=""
for py in /usr/bin/python3 python3; do
  "$py" -c 'import prometheus_client' 2>/dev/null && { PY=$py; break; }
done
if [ -z "$PY" ]; then
  root=$(fetch_debs promclient python3-prometheus-client python3-decorator) ||
    skip "python3-prometheus-client is neither installed nor fetchable"
  export PYTHONPATH=$root/usr/lib/python3/dist-packages
  PY=python3
fi

mp=$(free_port)
mixed_run "$mp"
L=$C/log/maillog

# Scrape in both formats and parse. scrape.py prints "name{labels} value"
# lines (labels sorted) from the parser's samples.
cat > scrape.py <<'PY'
import sys, urllib.request
url, fmt = sys.argv[1], sys.argv[2]
hdr = {"Accept": "application/openmetrics-text; version=1.0.0"} if fmt == "om" else {}
with urllib.request.urlopen(urllib.request.Request(url, headers=hdr), timeout=20) as r:
    ctype = r.headers["Content-Type"]
    text = r.read().decode()
open("scrape.%s.txt" % fmt, "w").write(text)
if fmt == "om":
    assert ctype.startswith("application/openmetrics-text; version=1.0.0"), ctype
    from prometheus_client.openmetrics.parser import text_string_to_metric_families
else:
    assert ctype.startswith("text/plain; version=0.0.4"), ctype
    from prometheus_client.parser import text_string_to_metric_families
for fam in text_string_to_metric_families(text):
    for s in fam.samples:
        labels = ",".join('%s="%s"' % kv for kv in sorted(s.labels.items()))
        print("%s{%s} %s" % (s.name, labels, repr(float(s.value))))
PY
"$PY" scrape.py "http://127.0.0.1:$mp/metrics" om > om.samples 2> om.err ||
  { cat om.err; cat scrape.om.txt 2>/dev/null | head -50; fail "OpenMetrics scrape did not parse"; }
"$PY" scrape.py "http://127.0.0.1:$mp/metrics" text > text.samples 2> text.err ||
  { cat text.err; fail "text format scrape did not parse"; }
ok "both formats parse ($(wc -l < om.samples) OpenMetrics samples)"
if command -v promtool >/dev/null; then
  promtool check metrics < scrape.text.txt || fail "promtool check metrics"
  ok "promtool check metrics"
fi

# val NAME{LABELS}: a sample's value as an integer (the OpenMetrics scrape).
val() {
  awk -v k="$1" '$1 == k { printf "%d\n", $2; f = 1 } END { if (!f) print "missing" }' om.samples
}
check() { # check SAMPLE EXPECTED_FROM_RUN LOG_COUNT
  assert_eq "$2" "$3" "log count for $1 (the run's count first)"
  assert_eq "$2" "$(val "$1")" "$1"
}
check 'sluice_messages_received_total{}' $((EXP_RECEIVED + EXP_NOTICES)) \
  $(($(log_count 'postfix/smtpd\[[0-9]+\]: [0-9A-F]+: client=') +
     $(log_count 'postfix/pickup\[[0-9]+\]: [0-9A-F]+: uid=') +
     $(log_count 'postfix/bounce\[[0-9]+\]: [0-9A-F]+: sender [a-z-]+ notification: ')))
check 'sluice_deliveries_total{status="sent"}' "$EXP_SENT" "$(log_count ', status=sent ')"
check 'sluice_deliveries_total{status="deferred"}' "$EXP_DEFERRED" "$(log_count ', status=deferred ')"
check 'sluice_deliveries_total{status="bounced"}' "$EXP_BOUNCED" "$(log_count ', status=bounced ')"
check 'sluice_smtpd_rejects_total{class="4xx"}' "$EXP_REJECT_4XX" "$(log_count 'reject: .*: 4[0-9][0-9] ')"
check 'sluice_smtpd_rejects_total{class="5xx"}' "$EXP_REJECT_5XX" "$(log_count 'reject: .*: 5[0-9][0-9] ')"
check 'sluice_smtpd_connections_total{}' "$EXP_SMTPD_CONN" "$(log_count 'postfix/smtpd\[[0-9]+\]: connect from ')"
check 'sluice_tls_connections_total{direction="in"}' "$EXP_TLS_IN" "$(log_count 'TLS connection established from ')"
# Outbound sessions: the EHLOs the sink saw (every session got that far).
ehlo=$(grep -a -c 'C: EHLO ' "$WORK/sink/transcript.log")
check 'sluice_smtp_connections_total{}' "$ehlo" "$ehlo"
assert_eq 0 "$(val 'sluice_smtpd_active_connections{}')" "open smtpd connections"
ok "counters equal the run's counts and the maillog's"

# Delay histograms: one observation per status= line in every stage, and
# the sums agree with the logged delays=a/b/c/d (rounded in the log).
lines=$(log_count ', status=(sent|deferred|bounced) ')
awk -v n="$lines" '
  FNR == NR { if (match($0, /delays=[0-9.\/]+/)) { split(substr($0, RSTART + 7, RLENGTH - 7), d, "/");
              for (i = 1; i <= 4; i++) logged[i] += d[i] } next }
  { v[$1] = $2 }
  END { split("before_qmgr in_qmgr conn_setup transmission", st, " ");
    for (i = 1; i <= 4; i++) {
      c = v["sluice_delivery_delay_seconds_count{stage=\"" st[i] "\"}"]
      inf = v["sluice_delivery_delay_seconds_bucket{le=\"+Inf\",stage=\"" st[i] "\"}"]
      s = v["sluice_delivery_delay_seconds_sum{stage=\"" st[i] "\"}"]
      if (c != n || inf != n) { printf "%s: count %s, +Inf %s, lines %d\n", st[i], c, inf, n; bad = 1 }
      if (s - logged[i] > 0.01 * n + 0.001 || logged[i] - s > 0.1 * n + 0.001) {
        printf "%s: sum %s, logged %s\n", st[i], s, logged[i]; bad = 1 }
    }
    exit bad }' "$L" om.samples || fail "delay histograms do not match the log"
ok "delay histograms: $lines observations per stage, sums as logged"

# Queue gauges: the deferred message, as mailq lists it.
size=$("$B/postqueue" -c "$C" -j | python3 -c 'import sys, json; print(sum(json.loads(l)["message_size"] for l in sys.stdin))')
assert_eq 1 "$(val 'sluice_queue_messages{queue="deferred"}')" "deferred queue length"
assert_eq "$size" "$(val 'sluice_queue_bytes{queue="deferred"}')" "deferred queue bytes"
for q in maildrop incoming active hold; do
  assert_eq 0 "$(val "sluice_queue_messages{queue=\"$q\"}")" "$q queue length"
done
age=$(val 'sluice_queue_oldest_age_seconds{queue="deferred"}')
[ "$age" -ge 0 ] && [ "$age" -lt 600 ] || fail "oldest deferred age $age"
ok "queue gauges: 1 deferred message of $size bytes, $age s old"

# The text format carries the same counters.
for k in 'sluice_deliveries_total{status="sent"}' 'sluice_messages_received_total{}'; do
  assert_eq "$(awk -v k="$k" '$1 == k { print $2 }' om.samples)" \
    "$(awk -v k="$k" '$1 == k { print $2 }' text.samples)" "$k in both formats"
done

# The counters survive a restart of every daemon, the master included.
"$B/sluice" -c "$C" stop >/dev/null || fail "stop"
"$B/sluice" -c "$C" start >/dev/null || fail "start again"
wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $mp), 1)" ||
  fail "metrics did not come back"
"$PY" scrape.py "http://127.0.0.1:$mp/metrics" om > om2.samples || fail "scrape after restart"
for k in 'sluice_deliveries_total{status="sent"}' 'sluice_messages_received_total{}' \
  'sluice_smtpd_rejects_total{class="4xx"}' 'sluice_delivery_delay_seconds_count{stage="in_qmgr"}'; do
  assert_eq "$(awk -v k="$k" '$1 == k { print $2 }' om.samples)" \
    "$(awk -v k="$k" '$1 == k { print $2 }' om2.samples)" "$k after a restart"
done
ok "counters survive a restart"

# HTTP edges.
"$PY" - "$mp" <<'PY' || fail "HTTP errors"
import sys, urllib.request, urllib.error, socket
base = "http://127.0.0.1:%s" % sys.argv[1]
def code(path, method="GET"):
    try:
        with urllib.request.urlopen(urllib.request.Request(base + path, method=method), timeout=20) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, b""
assert code("/nothing")[0] == 404, code("/nothing")
assert code("/metrics", "POST")[0] == 405
st, body = code("/metrics", "HEAD")
assert st == 200 and body == b"", (st, body)
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 20)
s.sendall(b"GET /metrics HTTP/1.0\r\n" + b"X: " + b"y" * 9000 + b"\r\n\r\n")
assert s.recv(100).startswith(b"HTTP/1.1 431 "), "no 431"
PY
ok "404, 405, HEAD, 431"
