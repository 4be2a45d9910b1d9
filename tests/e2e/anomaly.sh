#!/bin/sh
# anomaly.sh -- the local backend end to end: tinkr anomaly, logs and
# metrics over a service's own log files, through a private tinkrd.
set -eu
. "${TOP_SRCDIR:-.}/tests/e2e/lib.sh"

mkdir -m 700 conf logs
cfg=$T_SCRATCH/conf/tinkr.toml
log=$T_SCRATCH/logs/payments-api.jsonl
cat >"$cfg" <<EOC
[profiles.demo]
backend = "local"
active = true

[profiles.demo.services.payments-api]
logs = "$T_SCRATCH/logs/payments-api*.jsonl"
format = "json"

[profiles.demo.services.empty]
logs = "$T_SCRATCH/nothing/*.log"

[profiles.demo.services.checkout]
logs = "$T_SCRATCH/logs/checkout.jsonl"

[profiles.demo.services.checkout.rules.timeouts]
kind = "count"
query = 'level:error AND "timeout"'
threshold = 3
high = 10

[profiles.demo.services.checkout.rules.slow]
kind = "quantile"
field = "latency_ms"
quantile = 0.95
threshold = 800
unit = "ms"

[profiles.demo.services.checkout.rules.error_ratio]
kind = "ratio"
query = "level:error"
threshold = 0.2
EOC
chmod 600 "$cfg"
export TINKR_CONFIG="$cfg"

now=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# lines N LEVEL MESSAGE [LATENCY]: append N JSON lines stamped now.
lines() {
	_n=$1
	while [ "$_n" -gt 0 ]; do
		printf '{"ts": "%s", "level": "%s", "service": "payments-api", "msg": "%s", "latency_ms": %s}\n' \
		    "$now" "$2" "$3" "${4:-40}"
		_n=$((_n - 1))
	done >>"$log"
}

# --- a quiet service has no anomalies ---
lines 50 info "charge ok"
lines 5 error "card declined"
tinkr anomaly payments-api
is "$rc" 0 "anomaly on a quiet service exits 0"
is "$out" "No anomalies detected for payments-api in the last 10m." \
    "a quiet service has no anomalies"
tinkr anomaly payments-api --fail
is "$rc" 0 "--fail exits 0 when nothing is shown"

# --- errors over the threshold ---
lines 15 error "upstream timeout"
tinkr anomaly payments-api
is "$rc" 0 "anomaly exits 0"
like "$out" '^MEDIUM +error_count +20 errors in 10m, exceeds threshold of 10$' \
    "20 errors in 10m is a medium error_count anomaly"
tinkr anomaly payments-api --fail
is "$rc" 1 "--fail exits 1 when an anomaly is shown"
tinkr anomaly payments-api --severity high --fail
is "$rc" 0 "--severity high hides a medium anomaly"
contains "$out" "No anomalies detected" "and says none is shown"

lines 40 error "upstream timeout"
tinkr anomaly payments-api
like "$out" '^HIGH +error_count +60 errors in 10m, exceeds threshold of 10$' \
    "only the appended lines are added: 60 errors is high"

# --- latency ---
lines 10 info "slow charge" 3200
tinkr anomaly payments-api
like "$out" '^MEDIUM +latency_p99 +p99 latency 3.2s exceeds threshold of 1s$' \
    "a p99 over 1s is a latency anomaly"

# --- JSON for scripts ---
tinkr --json anomaly payments-api --window 5m
is "$rc" 0 "anomaly --json exits 0"
ok "anomaly --json prints JSON" json_valid "$out"
contains "$out" '"metric": "error_count"' "the JSON has the error_count anomaly"
contains "$out" '"current_value": 60.0' "current_value is a real"
contains "$out" '"threshold": 10.0' "threshold is a real"
contains "$out" '"window": "5m"' "the window is printed back"

# --- malformed and binary lines are skipped ---
printf 'not json at all\n{"ts": broken\n\001\002\003\n' >>"$log"
lines 1 error "after the junk"
tinkr --json anomaly payments-api
is "$rc" 0 "junk lines do not fail detection"
contains "$out" '"lines_skipped": 3' "the three junk lines are counted as skipped"
like "$out" '61 errors in 10m' "lines after the junk still count"

# --- rotation: the old file is renamed away from the glob, a new one written ---
mv "$log" "$log.1"
: >"$log"
lines 2 error "after rotation"
tinkr anomaly payments-api
like "$out" '63 errors in 10m' "a rotated file is not counted twice"

# --- truncation ---
: >"$log"
lines 3 error "after truncation"
tinkr anomaly payments-api
like "$out" '66 errors in 10m' "lines written after a truncation count"

# --- logs and metrics ---
tinkr logs payments-api -q 'level:error AND "truncation"' -n 5
is "$rc" 0 "logs exits 0"
is "$(printf '%s\n' "$out" | grep -c 'after truncation')" 3 \
    "logs -q finds the three matching lines"
lacks "$out" "charge ok" "logs -q leaves out other lines"
tinkr logs payments-api -n 3
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 3 "-n 3 prints three lines"
tinkr logs payments-api -q 'level:('
is "$rc" 1 "a malformed query fails"
one_error "$err" 'query' "and says what is wrong with the query"

tinkr metrics payments-api error_count --since 10m
is "$rc" 0 "metrics exits 0"
like "$out" '^TIMESTAMP +error_count$' "metrics prints a header"
like "$out" 'Z +66$' "the minute's error count is 66"
tinkr metrics payments-api no_such_metric
is "$rc" 1 "an unknown metric fails"
one_error "$err" "unknown metric 'no_such_metric'" "and names it"

# --- tail: the last lines, then new ones, each once ---
"$TINKR" tail payments-api -n 2 >"$T_SCRATCH/tail.out" 2>"$T_SCRATCH/tail.err" &
tail_pid=$!
sleep 2
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
lines 2 warn "tailed line"
sleep 3
kill "$tail_pid" 2>/dev/null || true
wait "$tail_pid" 2>/dev/null || true
tailed=$(cat "$T_SCRATCH/tail.out")
is "$(printf '%s\n' "$tailed" | grep -c 'after truncation')" 2 \
    "tail -n 2 prints the last two lines first"
is "$(printf '%s\n' "$tailed" | grep -c 'tailed line')" 2 \
    "tail prints each new line once"
is "$(printf '%s\n' "$tailed" | wc -l | tr -d ' ')" 4 "and nothing else"
sanitizer_check "tinkr tail" "$T_SCRATCH/tail.err"

# --- a service's own rules replace the default ones ---
log=$T_SCRATCH/logs/checkout.jsonl
lines 10 info "charge ok" 100
lines 5 error "upstream timeout" 2000
tinkr anomaly checkout
is "$rc" 0 "anomaly with rules exits 0"
like "$out" '^MEDIUM +timeouts +5 lines match level:error AND "timeout" in 10m, exceeds threshold of 3$' \
    "a count rule fires with its query in the description"
like "$out" '^MEDIUM +slow +p95 latency_ms 2s, exceeds threshold of 800ms$' \
    "a quantile rule fires in its unit"
like "$out" '^MEDIUM +error_ratio +33.3% of lines match level:error in 10m, exceeds threshold of 20%$' \
    "a ratio rule fires as a percentage"
lacks "$out" "error_count" "the default rules do not apply"
lines 6 error "upstream timeout" 2000
tinkr anomaly checkout --severity high
like "$out" '^HIGH +timeouts +11 lines match' "beyond 'high' the severity rises"
log=$T_SCRATCH/logs/payments-api.jsonl

# --- a large cold read, split with the helper thread, counts every line once ---
big=$T_SCRATCH/logs/big.jsonl
cat >>"$cfg" <<EOC

[profiles.demo.services.big]
logs = "$big"
EOC
if [ -x "${LOGGEN:-}" ]; then
	"$LOGGEN" -n 100000 -s 3 -e 2 -r 200 -t $(( $(date +%s) - 500 )) >"$big"
	want_errors=$(grep -c '"level": "error"' "$big")
	tinkr daemon reload
	tinkr --json anomaly big
	is "$rc" 0 "a 20 MB log is read"
	contains "$out" "\"current_value\": $want_errors.0" \
	    "every error line of it is counted once ($want_errors)"
	contains "$out" '"lines_read": 100000' "every line is read once"
	printf '{"ts": "%s", "level": "error", "msg": "one more"}\n' \
	    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$big"
	tinkr --json anomaly big
	contains "$out" "\"current_value\": $((want_errors + 1)).0" \
	    "an appended line after the split read counts once"
	contains "$out" '"lines_read": 1,' "and only it is read"
else
	skip "a 20 MB log is read" "LOGGEN is not set"
fi

# --- bad input ---
tinkr anomaly nosuch
is "$rc" 1 "an unknown service exits 1"
one_error "$err" "Service 'nosuch' not found in profile 'demo'" \
    "and says so as the original did"
tinkr anomaly empty
is "$rc" 1 "a service whose logs match no file exits 1"
one_error "$err" "no log files match .*/nothing/\\*\\.log" \
    "and names the glob, never an empty list"
tinkr anomaly payments-api --window 10x
is "$rc" 2 "a bad --window is a usage error"
tinkr anomaly payments-api --window 3d
is "$rc" 1 "a window beyond the local backend's day fails"
one_error "$err" "24h" "and says how far back it keeps"
tinkr anomaly
is "$rc" 2 "anomaly without a service is a usage error"

# --- bad request bodies, as a script calling the socket would send them ---
# post PATH BODY: $code is the HTTP status, $out the body.
post() {
	run curl -sS --max-time 20 -o "$T_SCRATCH/.body" -w '%{http_code}' \
	    --unix-socket "$TINKR_SOCKET" -H 'Content-Type: application/json' \
	    --data-binary "$2" "http://tinkr$1"
	code=$out
	out=$(cat "$T_SCRATCH/.body")
}
if command -v curl >/dev/null 2>&1; then
	post /api/v1/anomalies '{"service": '
	is "$code" 400 "malformed JSON is a 400"
	contains "$out" '"detail": "malformed JSON' "and says so"
	post /api/v1/anomalies '[1, 2]'
	is "$code" 422 "a body that is not an object is a 422"
	post /api/v1/anomalies '{"window_minutes": 10}'
	is "$code" 422 "a missing service is a 422"
	contains "$out" "'service' is required" "and names the field"
	post /api/v1/anomalies '{"service": "payments-api", "window_minutes": "ten"}'
	is "$code" 422 "a window_minutes that is not an integer is a 422"
	post /api/v1/logs '{"service": "payments-api", "limit": 0}'
	is "$code" 422 "a limit of 0 is a 422"
	contains "$out" "'limit' must be an integer from 1 to 10000" \
	    "and gives the range"
	post /api/v1/metrics '{"service": "payments-api", "metric_name": "error_count", "since": "soon"}'
	is "$code" 422 "a since that is not a duration is a 422"
	post /api/v1/anomalies '{"service": "payments-api", "profile": "nope"}'
	is "$code" 404 "an unknown profile is a 404"
	post /api/v1/anomalies '{"service": "payments-api", "window_minutes": 10}'
	is "$code" 200 "after all that, a good request still works"
else
	skip "bad request bodies" "curl is not installed"
fi

chmod 000 "$log"
if [ "$(id -u)" = 0 ]; then
	skip "an unreadable log is reported by path" "root reads any file"
else
	tinkr anomaly payments-api
	one_error "$err" "cannot read .*payments-api.jsonl" \
	    "an unreadable log is reported by path"
fi
chmod 600 "$log"

done_testing
