#!/bin/sh
# slo.sh -- tinkr slo on crafted logs of the local backend, checked against
# figures computed by hand.
set -eu
. "${TOP_SRCDIR:-.}/tests/e2e/lib.sh"

mkdir -m 700 conf logs
export TINKR_CONFIG=$T_SCRATCH/conf/tinkr.toml
cat >"$TINKR_CONFIG" <<EOC
[profiles.demo]
active = true
[profiles.demo.services.api]
logs = "$T_SCRATCH/logs/api.jsonl"
[profiles.demo.services.quiet]
logs = "$T_SCRATCH/logs/quiet.jsonl"
[profiles.demo.services.web]
logs = "$T_SCRATCH/logs/web.jsonl"
slo_total = "status:(200 OR 503)"
slo_errors = "status:503"
EOC
chmod 600 "$TINKR_CONFIG"
: >logs/quiet.jsonl

# Ten good lines a minute, 0-50 and 70-119 minutes ago (none near the hour,
# so the last hour holds exactly minutes 0-50), and one error line a minute
# for the last 30 minutes: 1,040 lines and 30 errors in 2h; 540 lines and 30
# errors in the last hour.
now=$(date -u +%s)
m=0
while [ $m -lt 120 ]; do
	if [ $m -le 50 ] || [ $m -ge 70 ]; then
		ts=$(date -u -d "@$((now - m * 60 - 5))" +%Y-%m-%dT%H:%M:%SZ)
		i=0
		while [ $i -lt 10 ]; do
			printf '{"ts": "%s", "level": "info", "msg": "ok"}\n' "$ts"
			i=$((i + 1))
		done
		[ $m -lt 30 ] && printf '{"ts": "%s", "level": "error", "msg": "boom"}\n' "$ts"
	fi
	m=$((m + 1))
done | sort >logs/api.jsonl

# within GOT WANT: GOT is within 1e-6 of WANT.
within() {
	awk -v g="$1" -v w="$2" 'BEGIN { d = g - w; exit !(d < 1e-6 && d > -1e-6) }'
}
# member JSON NAME: a number member of the answer, at any depth.
member() {
	printf '%s\n' "$1" | sed -n "s/.*\"$2\": \\([-0-9.e+]*\\).*/\\1/p" | head -1
}

tinkr --json slo api --window 2h
is "$rc" 0 "slo --json exits 0"
ok "and prints JSON" json_valid "$out"
is "$(member "$out" total_requests)" "1040.0" "1,040 requests in 2h"
is "$(member "$out" error_count)" "30.0" "30 errors"
ok "availability is 100 * (1 - 30/1040) = 97.1153846%" \
    within "$(member "$out" availability_pct)" 97.1153846153846
ok "the budget is 1040 * 0.001 = 1.04 errors" \
    within "$(member "$out" budget_total)" 1.04
ok "the burn rate is (30/1040)/0.001 = 28.846" \
    within "$(member "$out" burn_rate)" 28.8461538461538
ok "2h of budget is 120 * 0.001 = 0.12 minutes" \
    within "$(member "$out" total)" 0.12
ok "3.4615 minutes of it are consumed (120 * 30/1040)" \
    within "$(member "$out" consumed)" 3.46153846153846
contains "$out" '"status": "exhausted"' "an overspent budget is exhausted"
h1=$(printf '%s\n' "$out" | tr -d '\n ' | sed -n 's/.*"1h":{\([^}]*\)}.*/\1/p')
contains "$h1" '"total_requests":540.0' "the last hour has 540 requests"
ok "and burns at (30/540)/0.001 = 55.56" \
    within "$(printf '%s' "$h1" | sed -n 's/.*"burn_rate":\([0-9.]*\).*/\1/p')" 55.5555555555556
contains "$h1" '"status":"critical"' "which is critical"

tinkr slo api --window 2h
like "$out" '^SLO report: api \(target 99\.9% over 2h\)$' "the report's title"
like "$out" '^  Availability    97\.115%  \(30 errors in 1,040 requests\)$' \
    "availability, errors and requests"
like "$out" '^    last 1h       55\.56      CRITICAL$' "the 1h burn rate"
like "$out" '^  Status          EXHAUSTED$' "the status"

tinkr slo api
contains "$out" "over 30d" "the default window is 30d"
contains "$out" "the report covers the last 24h" \
    "and the local backend says it keeps a day"

tinkr slo api --target 100 --window 2h
like "$out" '^  Burn rate       unbounded over the window$' \
    "a 100% target with errors burns without bound"
tinkr --json slo api --target 100 --window 2h
contains "$out" '"burn_rate": null' "which the JSON gives as null"

tinkr slo quiet --window 1h
is "$rc" 0 "a service without requests exits 0"
like "$out" '^  Availability    100\.000%  \(0 errors in 0 requests\)$' \
    "it is 100% available"
like "$out" '^  Status          NO_TRAFFIC$' "with no traffic"

tinkr slo api --target 0
is "$rc" 2 "a target of 0 is a usage error"
tinkr slo api --target 100.5
is "$rc" 2 "a target over 100 is a usage error"
tinkr slo api --window 91d
is "$rc" 1 "a window over 90d is refused by the daemon"
one_error "$err" "'window' must be a duration" "and says why"
tinkr slo nope
is "$rc" 1 "an unknown service exits 1"
one_error "$err" "Service 'nope' not found in profile 'demo'" "and names it"

# slo_total and slo_errors choose the lines: 90 good and 10 failed requests
# among 50 lines that are no requests and 5 error lines that are no
# failed requests.
ts=$(date -u +%Y-%m-%dT%H:%M:%SZ)
{
	i=0
	while [ $i -lt 90 ]; do
		printf '{"ts": "%s", "msg": "GET /x", "status": 200}\n' "$ts"
		i=$((i + 1))
	done
	i=0
	while [ $i -lt 10 ]; do
		printf '{"ts": "%s", "msg": "GET /x", "status": 503}\n' "$ts"
		i=$((i + 1))
	done
	i=0
	while [ $i -lt 50 ]; do
		printf '{"ts": "%s", "msg": "cache warmed"}\n' "$ts"
		i=$((i + 1))
	done
	i=0
	while [ $i -lt 5 ]; do
		printf '{"ts": "%s", "level": "error", "msg": "cron failed"}\n' "$ts"
		i=$((i + 1))
	done
} >logs/web.jsonl
tinkr --json slo web --window 1h
is "$(member "$out" total_requests)" "100.0" "slo_total counts the request lines"
is "$(member "$out" error_count)" "10.0" "slo_errors counts the failed ones"
ok "availability is 90%" within "$(member "$out" availability_pct)" 90
tinkr anomaly web
is "$out" "No anomalies detected for web in the last 10m." \
    "the slo queries are no rules: 5 error lines are below the default rule"

sanitizer_check "slo"
done_testing
