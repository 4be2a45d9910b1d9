#!/bin/sh
# prometheus.sh -- the prometheus backend end to end: a real Prometheus
# server scrapes tests/helpers/exporter, and tinkr anomaly and metrics read
# it through a private tinkrd. A recording receiver stands in for a
# Prometheus server where a test needs a fixed answer or a misbehaving one.
set -eu
. "${TOP_SRCDIR:-.}/tests/e2e/lib.sh"

PROMETHEUS=${PROMETHEUS:-$(command -v prometheus || true)}

# wait_port FILE: wait for a helper to write its port; print it.
wait_port() {
	wait_until 10 test -s "$1" || return 1
	cat "$1"
}

# start_receiver NAME ARGS...: a receiver logging to NAME.log; its port
# in $port.
start_receiver() {
	_sr=$1
	shift
	"$RECEIVER" -p "$T_SCRATCH/$_sr.port" -l "$T_SCRATCH/$_sr.log" "$@" \
	    2>>"$T_SCRATCH/$_sr.stderr" &
	track_pid $!
	port=$(wait_port "$T_SCRATCH/$_sr.port")
}

mkdir -m 700 conf
cfg=$T_SCRATCH/conf/tinkr.toml
export TINKR_CONFIG="$cfg"
export PROM_TOKEN=s3cret-prom-token

# --- answers fixed by a stand-in server ------------------------------------------
mkdir -p fixed/api/v1
cat >fixed/api/v1/query <<'EOF'
{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1764200000,"0.5"]}]}}
EOF
start_receiver fixed -r "$T_SCRATCH/fixed"
fixed=$port
start_receiver broken -s 200
broken=$port
start_receiver slow -d 3000
slow=$port

write_config() {
	cat >"$cfg" <<EOC
[profiles.live]
backend = "prometheus"
url = "http://127.0.0.1:${1:-9}"
active = true

[profiles.live.services.payments-api]
[profiles.live.services.checkout]

[profiles.rules]
backend = "grafana"
prometheus_url = "http://127.0.0.1:${1:-9}/"
grafana_url = "https://grafana.example.com"

[profiles.rules.services.payments-api]
slo_total_expr = 'sum(increase(http_requests_total{service="\$service",status="200"}[\$window]))'
slo_errors_expr = 'sum(increase(http_requests_total{service="\$service",status="500"}[\$window]))'

[profiles.rules.services.payments-api.rules.queue_depth]
kind = "promql"
expr = 'max(queue_depth{service="\$service"})'
threshold = 10
high = 40

[profiles.rules.services.payments-api.rules.broken]
kind = "promql"
expr = "sum(rate(http_requests_total[\$window]"
threshold = 1

[profiles.fixed]
backend = "prometheus"
url = "http://127.0.0.1:$fixed"
token = "env:PROM_TOKEN"
service_label = "app"

[profiles.fixed.services.pay-ments]

[profiles.basic]
backend = "prometheus"
url = "http://127.0.0.1:$fixed"
username = "tinkr"
password = "env:PROM_TOKEN"

[profiles.basic.services.api]

[profiles.down]
backend = "prometheus"
url = "http://user:hunter2@127.0.0.1:1"

[profiles.down.services.api]

[profiles.broken]
backend = "prometheus"
url = "http://127.0.0.1:$broken"

[profiles.broken.services.api]

[profiles.slow]
backend = "prometheus"
url = "http://127.0.0.1:$slow"
timeout = "1s"

[profiles.slow.services.api]
EOC
	chmod 600 "$cfg"
}
write_config

# --- the request a stand-in server sees -------------------------------------------
ok "tinkrd starts in the foreground" start_foreground "$T_SCRATCH/tinkrd.log"

tinkr -p fixed --json anomaly pay-ments --window 10m
is "$rc" 0 "anomaly against a stand-in Prometheus exits 0"
ok "anomaly --json prints JSON" json_valid "$out"
contains "$out" '"metric": "http_5xx_rate"' "a 5xx rate of 0.5/s is an anomaly"
contains "$out" '"severity": "medium"' "0.5/s is medium (high is above 1/s)"
contains "$out" '"current_value": 0.5' "current_value is the rate"
contains "$out" '"description": "0.5 5xx responses/s over 10m, exceeds threshold of 0.1/s"' \
    "the description names the rate and the window"
contains "$(cat fixed.log)" '"authorization":"Bearer s3cret-prom-token"' \
    "the token is sent as a bearer"
contains "$(cat fixed.log)" 'http_requests_total%7Bapp%3D%22pay-ments%22%2Cstatus%3D~%225..%22%7D%5B10m%5D' \
    "service_label names the label, and the window is the rate's range"
contains "$(cat fixed.log)" '"path":"/api/v1/query"' "instant queries go to /api/v1/query"

tinkr -p basic anomaly api
contains "$(tail -1 fixed.log)" '"authorization":"Basic dGlua3I6czNjcmV0LXByb20tdG9rZW4="' \
    "username and password are sent as basic authentication"

# --- failures are errors, never "no anomalies" ------------------------------------
tinkr -p down anomaly api
is "$rc" 1 "an unreachable Prometheus exits 1"
one_error "$err" "^tinkr: prometheus at http://127\.0\.0\.1:1: .*(connect|Connection refused)" \
    "and names the server and the reason"
lacks "$out$err" "No anomalies" "an unreachable Prometheus is not 'no anomalies'"
lacks "$err" "hunter2" "the URL's password is not shown"

tinkr -p broken anomaly api
is "$rc" 1 "a server that is not Prometheus exits 1"
one_error "$err" "^tinkr: prometheus at http://127\.0\.0\.1:$broken: answered 200 without \"status\": \"success\"" \
    "and says the answer is not Prometheus's"

t0=$(date +%s)
"$TINKR" -p slow anomaly api >slow.out 2>slow.err &
slowpid=$!
sleep 0.3
tinkr daemon status
is "$rc" 0 "the daemon answers while a query waits on a slow server"
wait "$slowpid" && src=0 || src=$?
t1=$(date +%s)
is "$src" 1 "a query slower than timeout exits 1"
like "$(cat slow.err)" "^tinkr: prometheus at http://127\.0\.0\.1:$slow: .*([Tt]imeout|timed out)" \
    "and says it timed out"
ok "timeout = 1s cuts the 3 s wait short" test $((t1 - t0)) -lt 3

tinkr -p fixed logs pay-ments
is "$rc" 1 "logs of a prometheus profile exits 1"
one_error "$err" "holds no log lines" "and says Prometheus holds no log lines"

tinkr -p fixed anomaly nope
is "$rc" 1 "an unknown service exits 1"
one_error "$err" "Service 'nope' not found in profile 'fixed'" "and names it"

# Secrets do not reach the daemon's log.
lacks "$(cat tinkrd.log)" "s3cret-prom-token" "the token is not logged"
lacks "$(cat tinkrd.log)" "hunter2" "a password in a URL is not logged"

# --- a real Prometheus server ------------------------------------------------------
if [ -z "$PROMETHEUS" ]; then
	skip "a real Prometheus server finds the anomalies" \
	    "no prometheus binary (Debian package prometheus)"
	done_testing
fi

"$EXPORTER" -p "$T_SCRATCH/exporter.port" 2>exporter.stderr &
track_pid $!
eport=$(wait_port "$T_SCRATCH/exporter.port")
cat >prometheus.yml <<EOC
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: exporter
    static_configs:
      - targets: ['127.0.0.1:$eport']
EOC

# Find a free port by trying: Prometheus cannot report one it picked.
pport=
for try in 1 2 3 4 5; do
	p=$(awk -v s="$$$try" 'BEGIN { srand(s); print 20000 + int(rand() * 40000) }')
	"$PROMETHEUS" --config.file="$T_SCRATCH/prometheus.yml" \
	    --storage.tsdb.path="$T_SCRATCH/prom-data-$try" \
	    --web.listen-address="127.0.0.1:$p" \
	    >"prometheus-$try.log" 2>&1 &
	ppid_=$!
	track_pid "$ppid_"
	if wait_until 30 curl -sf -o /dev/null "http://127.0.0.1:$p/-/ready"; then
		pport=$p
		break
	fi
	kill "$ppid_" 2>/dev/null || true
done
ok "Prometheus starts on a loopback port" test -n "$pport"
[ -n "$pport" ] || done_testing

# rate() over 20s is steady once the scrapes cover 20 s.
rate_ready() {
	_v=$(curl -sf "http://127.0.0.1:$pport/api/v1/query" --data-urlencode \
	    'query=sum(rate(http_requests_total{service="payments-api",status=~"5.."}[20s]))' |
	    grep -o '"value":\[[0-9.]*,"[0-9.]*"' | sed 's/.*,"//; s/"//') || return 1
	[ -n "$_v" ] && awk -v v="$_v" 'BEGIN { exit !(v >= 5.5) }'
}
ok "Prometheus has 20 s of the exporter's series" wait_until 60 rate_ready

write_config "$pport"
tinkr daemon reload
tinkr anomaly payments-api --window 20s
is "$rc" 0 "anomaly from Prometheus exits 0"
like "$out" '^HIGH +http_5xx_rate +[0-9.]+ 5xx responses/s over 20s, exceeds threshold of 0\.1/s$' \
    "6 5xx responses a second is a high http_5xx_rate anomaly"
like "$out" '^MEDIUM +latency_p99 +p99 latency 4\.[0-9]+s exceeds threshold of 1s$' \
    "a p99 of about 4.3 s from the histogram is a latency anomaly"
tinkr anomaly payments-api --window 20s --severity high
lacks "$out" "latency_p99" "--severity high leaves the medium one out"

tinkr anomaly checkout --window 20s
is "$rc" 0 "a healthy service exits 0"
is "$out" "No anomalies detected for checkout in the last 20s." \
    "a service without 5xx series and with a fast p99 has none"

tinkr --json anomaly payments-api --window 20s
ok "--json answer is JSON" json_valid "$out"
contains "$out" '"queries": 2' "the two default rules were queried"
like "$out" '"current_value": 4[0-9][0-9][0-9]\.' "latency_p99's value is in milliseconds"

tinkr -p rules anomaly payments-api --window 20s
is "$rc" 1 "a rule with a bad expression fails the request"
one_error "$err" "^tinkr: prometheus at http://127\.0\.0\.1:$pport, rule 'broken': answered 400: .*parse error" \
    "and names the rule and Prometheus's reason"

sed -i '/rules.broken/,$d' "$cfg"
tinkr daemon reload
tinkr -p rules anomaly payments-api --window 20s
like "$out" '^HIGH +queue_depth +queue_depth is 42 over 20s, exceeds threshold of 10$' \
    "a promql rule with \$service fires at its high tier"
lacks "$out" "http_5xx_rate" "a service with rules is judged by them alone"

tinkr metrics payments-api queue_depth --since 2m
is "$rc" 0 "metrics from Prometheus exits 0"
like "$out" '42$' "the gauge's points are 42"
tinkr --json metrics payments-api queue_depth --since 2m
contains "$out" '"query": "sum(queue_depth{service=\"payments-api\"})"' \
    "a metric name becomes a sum over the service's series"
contains "$out" '"value": 42.0' "points carry the values"
tinkr --json metrics payments-api latency_p99 --since 2m
contains "$out" 'histogram_quantile(0.99' "a default rule's name gives its expression"

tinkr --json slo payments-api --window 1h
is "$rc" 0 "slo from Prometheus exits 0"
avail=$(printf '%s\n' "$out" | sed -n 's/.*"availability_pct": \([0-9.]*\).*/\1/p')
ok "availability is about 1 - 6/56 = 89.3% of the exporter's requests" \
    awk -v a="$avail" 'BEGIN { exit !(a > 88 && a < 91) }'
contains "$out" '"status": "exhausted"' "which exhausts a 99.9% budget"

tinkr -p rules --json slo payments-api --window 1h
avail=$(printf '%s\n' "$out" | sed -n 's/.*"availability_pct": \([0-9.]*\).*/\1/p')
ok "slo_total_expr and slo_errors_expr replace the defaults: 1 - 5/50 = 90%" \
    awk -v a="$avail" 'BEGIN { exit !(a > 89 && a < 91) }'

sanitizer_check "the prometheus backend"
done_testing
