#!/bin/sh
# remote.sh -- the tinkr backend end to end: a profile that reads another
# Tinkr server. Recording receivers play the server, answering in the
# original Tinkr server's shapes or misbehaving, and show what was sent.
set -eu
. "${TOP_SRCDIR:-.}/tests/e2e/lib.sh"

# start_receiver NAME ARGS...: a receiver logging to NAME.log; its port
# in $port.
start_receiver() {
	_sr=$1
	shift
	"$RECEIVER" -p "$T_SCRATCH/$_sr.port" -l "$T_SCRATCH/$_sr.log" "$@" \
	    2>>"$T_SCRATCH/$_sr.stderr" &
	track_pid $!
	wait_until 10 test -s "$T_SCRATCH/$_sr.port"
	port=$(cat "$T_SCRATCH/$_sr.port")
}

# The server's answers, as the original Tinkr server gives them.
mkdir -p server/api/v1 lost/api/v1 badshape/api/v1 badsev/api/v1
cat >server/api/v1/anomalies <<'EOF'
{"anomalies": [
 {"service": "payments-api", "metric": "error_count", "description": "847 errors in 10m, exceeds threshold of 10", "severity": "high", "detected_at": "2026-11-27T10:00:00Z", "current_value": 847.0, "threshold": 10.0},
 {"service": "payments-api", "metric": "latency_p99", "description": "p99 latency 3.2s exceeds threshold of 1s", "severity": "medium", "detected_at": "2026-11-27T10:00:00Z", "current_value": 3200.0, "threshold": 1000.0}
]}
EOF
cat >server/api/v1/logs <<'EOF'
{"entries": [
 {"timestamp": "2026-11-27T10:00:01Z", "level": "ERROR", "message": "upstream timeout", "service": "payments-api"},
 {"timestamp": "2026-11-27T10:00:02Z", "level": "INFO", "message": "charge ok", "service": "payments-api"}
]}
EOF
cat >server/api/v1/metrics <<'EOF'
{"points": [
 {"timestamp": "2026-11-27T10:00:00Z", "value": 12.0},
 {"timestamp": "2026-11-27T10:01:00Z", "value": 17.0}
]}
EOF
echo '{"detail": "Service '"'"'ghost'"'"' not found in profile '"'"'prod'"'"'"}' \
    >lost/api/v1/anomalies
echo 404 >lost/api/v1/anomalies.status
echo '{"results": []}' >badshape/api/v1/anomalies
echo '{"anomalies": [{"service": "a", "metric": "m", "description": "d", "severity": "urgent", "detected_at": "x", "current_value": 1, "threshold": 0}]}' \
    >badsev/api/v1/anomalies

start_receiver server -r "$T_SCRATCH/server"
server=$port
start_receiver lost -r "$T_SCRATCH/lost"
lost=$port
start_receiver badshape -r "$T_SCRATCH/badshape"
badshape=$port
start_receiver badsev -r "$T_SCRATCH/badsev"
badsev=$port
start_receiver refuse -s 401
refuse=$port
start_receiver fail -s 503
fail=$port

mkdir -m 700 conf
cfg=$T_SCRATCH/conf/tinkr.toml
export TINKR_CONFIG="$cfg"
export TEAM_TOKEN=tk-remote-0123456789
cat >"$cfg" <<EOC
[profiles.team]
backend = "tinkr"
url = "http://127.0.0.1:$server/"
token = "env:TEAM_TOKEN"
active = true

[profiles.lost]
backend = "tinkr"
url = "http://127.0.0.1:$lost"

[profiles.badshape]
backend = "tinkr"
url = "http://127.0.0.1:$badshape"

[profiles.badsev]
backend = "tinkr"
url = "http://127.0.0.1:$badsev"

[profiles.refuse]
backend = "tinkr"
url = "http://127.0.0.1:$refuse"
token = "env:TEAM_TOKEN"

[profiles.fail]
backend = "tinkr"
url = "http://127.0.0.1:$fail"

[profiles.down]
backend = "tinkr"
url = "http://127.0.0.1:1"
EOC
chmod 600 "$cfg"

ok "tinkrd starts in the foreground" start_foreground "$T_SCRATCH/tinkrd.log"

# --- anomalies ---------------------------------------------------------------------
tinkr anomaly payments-api
is "$rc" 0 "anomaly from a Tinkr server exits 0"
like "$out" '^HIGH +error_count +847 errors in 10m, exceeds threshold of 10$' \
    "the server's high anomaly is shown"
like "$out" '^MEDIUM +latency_p99 +p99 latency 3\.2s exceeds threshold of 1s$' \
    "and its medium one"
req=$(tail -1 server.log)
contains "$req" '"method":"POST","path":"/api/v1/anomalies"' \
    "it is a POST to /api/v1/anomalies (the url's trailing / is dropped)"
contains "$req" '"body":"{\"service\":\"payments-api\",\"window_minutes\":10}"' \
    "with the original's body: service and window_minutes"
contains "$req" '"authorization":"Bearer tk-remote-0123456789"' \
    "and the profile's token as a bearer"
contains "$req" '"content-type":"application/json"' "the body is sent as JSON"

tinkr anomaly payments-api --window 90s
contains "$(tail -1 server.log)" '"window\":\"90s\"' \
    "a window of whole seconds is sent as window"

tinkr --json anomaly payments-api
ok "--json prints JSON" json_valid "$out"
contains "$out" '"server": "http://127.0.0.1:'"$server"'"' \
    "the answer names the server"
contains "$out" '"current_value": 847.0' "the server's values are kept"

tinkr anomaly payments-api --fail --severity high
is "$rc" 1 "--fail exits 1 for the server's anomalies"

# --- logs and metrics --------------------------------------------------------------
tinkr logs payments-api -q 'level:error' -n 20 --since 1h
is "$rc" 0 "logs from a Tinkr server exits 0"
contains "$out" "upstream timeout" "the server's entries are printed"
req=$(tail -1 server.log)
contains "$req" '"path":"/api/v1/logs"' "logs are a POST to /api/v1/logs"
contains "$req" '\"query\":\"level:error\"' "with the query"
contains "$req" '\"limit\":20' "the limit"
contains "$req" '\"since\":\"1h\"' "and since"

tinkr metrics payments-api error_count --since 2h
is "$rc" 0 "metrics from a Tinkr server exits 0"
like "$out" '17$' "the server's points are printed"
req=$(tail -1 server.log)
contains "$req" '\"metric_name\":\"error_count\"' "the metric is sent as metric_name"
contains "$req" '\"since\":\"2h\"' "with since"

# --- what the server says of the request is passed on --------------------------------
tinkr -p lost anomaly ghost
is "$rc" 1 "a service the server does not know exits 1"
one_error "$err" "^tinkr: tinkr server at http://127\.0\.0\.1:$lost: answered 404: Service 'ghost' not found in profile 'prod'$" \
    "with the server's reason"
tinkr -p lost --json anomaly ghost
contains "$out$err" "404" "and the 404 is kept"

# --- failures are errors naming the server, never "no anomalies" ----------------------
tinkr -p down anomaly api
is "$rc" 1 "an unreachable server exits 1"
one_error "$err" "^tinkr: tinkr server at http://127\.0\.0\.1:1: .*(connect|refused)" \
    "and says it could not connect"
lacks "$out" "No anomalies" "an unreachable server is not 'no anomalies'"

tinkr -p refuse anomaly api
is "$rc" 1 "a refused token exits 1"
one_error "$err" "answered 401" "and says the server answered 401"
lacks "$err" "tk-remote" "the token is not in the message"

tinkr -p fail anomaly api
is "$rc" 1 "a failing server exits 1"
one_error "$err" "answered 503" "and says it answered 503"

tinkr -p badshape anomaly api
is "$rc" 1 "an answer without anomalies exits 1"
one_error "$err" 'the answer has no "anomalies" array' "and says what is missing"

tinkr -p badsev anomaly api
is "$rc" 1 "an anomaly with an unknown severity exits 1"
one_error "$err" "severity 'urgent'" "and names the severity"

# --- config -------------------------------------------------------------------------
printf '[profiles.x]\nbackend = "tinkr"\n' >bad.toml
tinkr config check bad.toml
is "$rc" 1 "a tinkr profile without url is refused"
one_error "$err" "bad\.toml:1: \[profiles\.x\] is missing 'url'" "with file and line"

printf '[profiles.x]\nbackend = "tinkr"\nurl = "http://h"\n[profiles.x.services.s.rules.r]\nkind = "count"\nthreshold = 1\n' >bad.toml
tinkr config check bad.toml
is "$rc" 1 "a rule in a tinkr profile is refused"
contains "$err" "configure rules there" "and says the server applies its own"

printf '[profiles.x]\nurl = "http://h"\n' >bad.toml
tinkr config check bad.toml
is "$rc" 1 "url in a local profile is refused"
one_error "$err" "bad\.toml:2: key 'url' does not belong to a local profile" \
    "and says it does not belong there"

lacks "$(cat tinkrd.log)" "tk-remote" "the token is not logged"
sanitizer_check "the tinkr backend"
done_testing
