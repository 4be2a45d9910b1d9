#!/bin/sh
# server.sh -- the API on TCP: bearer tokens and roles, the limits and
# errors a client sees, TLS, and a second daemon reading the first one
# through a tinkr profile, with a watch that delivers through the chain.
set -eu
. "${TOP_SRCDIR:-.}/tests/e2e/lib.sh"

# A free port, found by trying: tinkrd fails to start on a taken one.
pick_port() {
	awk -v s="$$$1" 'BEGIN { srand(s); print 20000 + int(rand() * 40000) }'
}

# api METHOD PATH [TOKEN [BODY]]: curl the TCP listener; leaves $code
# (the HTTP status), $body and $hdrs.
api() {
	set -- "$1" "$2" "${3:-}" "${4:-}"
	_auth=
	[ -n "$3" ] && _auth="Authorization: Bearer $3"
	code=$(curl -s -o api.body -D api.hdrs -w '%{http_code}' \
	    -X "$1" ${_auth:+-H "$_auth"} ${4:+-H 'Content-Type: application/json'} \
	    ${4:+--data-binary "$4"} "$base$2") || code=000
	body=$(cat api.body)
	hdrs=$(cat api.hdrs)
}

mkdir -m 700 conf logs
cfg=$T_SCRATCH/conf/tinkr.toml
export TINKR_STATE_DIR=$T_SCRATCH/state
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
i=0
while [ $i -lt 30 ]; do
	printf '{"ts": "%s", "level": "error", "msg": "upstream timeout"}\n' "$now"
	i=$((i + 1))
done >logs/payments-api.jsonl

tinkr --json token new --subject ann --role viewer
viewer=$(printf '%s\n' "$out" | sed -n 's/.*"token": "\(.*\)".*/\1/p')
printf '%s\n' "$out" | sed -n 's/.*"config": "\(.*\)".*/\1/p' |
    sed 's/\\n/\n/g; s/\\"/"/g' >viewer.toml
contains "$(cat viewer.toml)" "[auth.keys.ann]" "token new prints the section"
like "$viewer" '^tkr_[0-9a-f]{48}$' "a token is tkr_ and 48 hex digits"
tinkr token new --subject ann --role admin
is "$rc" 2 "an unknown role is a usage error"

oncall=tkr_oncall_from_the_environment
export TINKR_API_KEYS="{\"$oncall\": {\"subject\": \"bob\", \"role\": \"oncall\"}}"

write_config() {
	{
		printf '[server]\nlisten = "127.0.0.1:%s"\n\n' "$port"
		cat viewer.toml
		printf '%s\n' "${extra_key:-}"
		cat <<EOC

[profiles.demo]
active = true

[profiles.demo.services.payments-api]
logs = "$T_SCRATCH/logs/payments-api.jsonl"

[profiles.demo.notifiers.hook]
type = "webhook"
url = "http://127.0.0.1:9/"
EOC
	} >"$cfg"
	chmod 600 "$cfg"
}

started=
for try in 1 2 3 4 5; do
	port=$(pick_port $try)
	write_config
	if start_foreground "$T_SCRATCH/a.log" -c "$cfg"; then
		started=1
		break
	fi
done
ok "a daemon serves TCP on a loopback port" test -n "$started"
[ -n "$started" ] || done_testing
apid=$fg_pid
base=http://127.0.0.1:$port
contains "$(cat a.log)" "serving the API on 127.0.0.1:$port (2 keys)" \
    "it says where and with how many keys"

# --- who may do what ----------------------------------------------------------------
api GET /health
is "$code" 200 "GET /health without a token is 200"
is "$(printf '%s' "$body" | tr -d ' \n')" '{"status":"ok"}' \
    "and says only that it is ok: no profiles, no paths"
api GET /health "$viewer"
contains "$body" '"profiles"' "with a viewer's token /health has the details"
api GET /api/v1/watches
is "$code" 401 "a route without a token is 401"
contains "$hdrs" "WWW-Authenticate: Bearer" "with WWW-Authenticate: Bearer"
contains "$body" '"detail"' "and a detail"
api GET /api/v1/watches tkr_wrong
is "$code" 401 "a wrong token is 401"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Basic YTpi' \
    "$base/api/v1/watches")
is "$code" 401 "basic authentication is 401"
api POST /api/v1/anomalies "$viewer" '{"service": "payments-api", "window_minutes": 10}'
is "$code" 200 "a viewer detects anomalies"
contains "$body" '"metric": "error_count"' "and sees them"
api POST /api/v1/watches "$viewer" '{"service": "payments-api"}'
is "$code" 403 "a viewer may not start a watch"
api POST /api/v1/daemon/reload "$oncall"
is "$code" 403 "an oncall token may not reload"
api POST /api/v1/watches "$oncall" '{"service": "payments-api", "interval_seconds": 3600}'
is "$code" 201 "an oncall token from TINKR_API_KEYS starts a watch"
api GET /api/v1/config "$oncall"
is "$code" 403 "an oncall token may not read the configuration"

# --- bad requests -------------------------------------------------------------------
api POST /api/v1/anomalies "$viewer" '{"service": '
is "$code" 400 "malformed JSON is 400"
contains "$body" "malformed JSON" "and says so"
api POST /api/v1/anomalies "$viewer" '{"service": 7}'
is "$code" 422 "a field of the wrong type is 422"
head -c 1100000 /dev/zero | tr '\0' 'x' >big.body
code=$(curl -s -o api.body -w '%{http_code}' -H "Authorization: Bearer $viewer" \
    -H 'Content-Type: application/json' --data-binary @big.body \
    "$base/api/v1/anomalies")
is "$code" 413 "a body over 1 MiB is 413"
api GET /api/v1/nope "$viewer"
is "$code" 404 "an unknown route is 404"

# --- keys change on reload -------------------------------------------------------------
third=tkr_third_key_added_later
extra_key=$(printf '[auth.keys.cat]\nhash = "%s"\nroles = ["sre-lead"]' \
    "$(printf '%s' "$third" | sha256sum | cut -d' ' -f1)")
api GET /api/v1/config "$third"
is "$code" 401 "a key not yet in the configuration is 401"
write_config
api POST /api/v1/daemon/reload "$third"
is "$code" 401 "and cannot reload itself in"
kill -HUP "$apid"
wait_until 5 grep -q "configuration reloaded" a.log
api GET /api/v1/config "$third"
is "$code" 200 "after a reload the new sre-lead key reads the configuration"
lacks "$body" "$third" "the configuration holds no token"

api POST /api/v1/profiles/demo/activate "$oncall"
is "$code" 403 "an oncall token may not activate a profile"
api POST /api/v1/profiles/demo/activate "$third"
is "$code" 200 "an sre-lead token activates one"
contains "$body" '"active": "demo"' "and the answer names it"
tinkr profile use nope
is "$rc" 1 "profile use of an unknown profile exits 1"
one_error "$err" "Profile 'nope' not found" "and names it"
tinkr profile use demo
is "$out" "Profile demo is active (local backend)" "profile use says what it did"

# --- the API described ---------------------------------------------------------------
api GET /openapi.json
is "$code" 200 "GET /openapi.json needs no token"
ok "it is JSON" json_valid "$body"
contains "$body" '"openapi": "3.0.3"' "an OpenAPI 3.0 document"
for r in '"/api/v1/anomalies"' '"/api/v1/slo"' '"/api/v1/rca"' \
    '"/api/v1/watches/{id}/delete"' '"/api/v1/deliveries/{id}/retry"' \
    '"/api/v1/profiles/{name}/activate"'; do
	contains "$body" "$r" "it describes $r"
done
is "$(printf '%s\n' "$body" | grep -c '"summary"')" \
    "$(grep -c '^	{ "[A-Z]*", "/' "$TOP_SRCDIR/cmd/tinkrd/routes.c")" \
    "one operation for each row of the route table"
contains "$body" '"example": {' "request bodies come with examples"
api GET /docs
is "$code" 200 "GET /docs needs no token"
contains "$hdrs" "Content-Type: text/html" "it is a page"
lacks "$body" 'src="http' "it loads no outside script"
lacks "$body" '<link' "nor outside styles or fonts"
contains "$body" "fetch('/openapi.json')" "it reads the API from this server"
if command -v node >/dev/null 2>&1; then
	printf '%s\n' "$body" | sed -n '/<script>/,/<\/script>/p' | sed '1d;$d' \
	    >docs.js
	ok "its script is valid JavaScript" node --check docs.js
else
	skip "the page's script is valid JavaScript" "no node to check it"
fi

# --- the CLI in remote mode ---------------------------------------------------------
mkdir -m 700 nowhere
run env TINKR_SOCKET="$T_SCRATCH/nowhere/s.sock" TINKR_SERVER_URL="$base" \
    TINKR_API_TOKEN="$viewer" "$TINKR" anomaly payments-api
is "$rc" 0 "TINKR_SERVER_URL and TINKR_API_TOKEN send commands to the server"
like "$out" '^MEDIUM +error_count +30 errors in 10m' "which answers them"
ok "no local daemon was started for it" test ! -e nowhere/s.sock
run env TINKR_SOCKET="$T_SCRATCH/nowhere/s.sock" TINKR_API_TOKEN="$viewer" \
    "$TINKR" --remote "$base" --json watch list
is "$rc" 0 "--remote URL works too"
contains "$out" '"watches"' "and --json prints the server's answer"
run env TINKR_SOCKET="$T_SCRATCH/nowhere/s.sock" TINKR_API_TOKEN= \
    "$TINKR" --remote "$base" watch list
is "$rc" 1 "without a token the server's 401 is a failure"
contains "$err" "wants a token: set TINKR_API_TOKEN" "and tinkr says what to set"
run env TINKR_SOCKET="$T_SCRATCH/nowhere/s.sock" TINKR_API_TOKEN="$viewer" \
    "$TINKR" --remote http://127.0.0.1:1 watch list
is "$rc" 3 "an unreachable server exits 3"
like "$err" '^tinkr: http://127\.0\.0\.1:1: .*' "naming it"
printf '[server]\nurl = "%s"\ntoken = "%s"\n' "$base" "$viewer" >conf/client.toml
chmod 600 conf/client.toml
run env TINKR_SOCKET="$T_SCRATCH/nowhere/s.sock" TINKR_API_TOKEN= \
    "$TINKR" -c "$T_SCRATCH/conf/client.toml" rca payments-api
is "$rc" 0 "[server] url and token in the configuration work as well"
contains "$out" "== Likely cause ==" "an rca streams from the server"

run env TINKR_SOCKET="$T_SCRATCH/nowhere/s.sock" TINKR_API_TOKEN="$viewer" \
    "$TINKR" --remote "$base" doctor
is "$rc" 0 "doctor passes with a good token"
like "$out" '^ok   token +accepted$' "and says the token is accepted"
like "$out" '^FAIL TLS|^ok   TLS' "it looks at TLS"
run env TINKR_SOCKET="$T_SCRATCH/nowhere/s.sock" TINKR_API_TOKEN=tkr_wrong \
    "$TINKR" --remote "$base" doctor
is "$rc" 1 "doctor fails with a wrong token"
like "$out" '^FAIL token +the server answers 401 to it$' "naming the check"
contains "$out" "fix: the server does not know this token" "and what to do"
run env TINKR_SOCKET="$T_SCRATCH/nowhere/s.sock" TINKR_API_TOKEN="$viewer" \
    "$TINKR" --remote "$base" --json doctor
ok "doctor --json is JSON" json_valid "$out"

# --- the access log -------------------------------------------------------------------
like "$(cat a.log)" "127\.0\.0\.1 POST /api/v1/watches 201 bob" \
    "the access log names the key's subject"
like "$(cat a.log)" "127\.0\.0\.1 GET /api/v1/watches 401 -" \
    "and a refused request"
lacks "$(cat a.log)" "$viewer" "no token is logged"
lacks "$(cat a.log)" "$oncall" "not even one from the environment"

# --- a second daemon reads the first one through a tinkr profile ------------------------
"$RECEIVER" -p "$T_SCRATCH/recv.port" -l "$T_SCRATCH/recv.log" 2>recv.err &
track_pid $!
wait_until 10 test -s recv.port
rport=$(cat recv.port)
mkdir -m 700 b b/run
cat >b/tinkr.toml <<EOC
[profiles.team]
backend = "tinkr"
url = "$base"
token = "env:TEAM_TOKEN"
active = true

[profiles.team.notifiers.hook]
type = "webhook"
url = "http://127.0.0.1:$rport/alerts"
EOC
chmod 600 b/tinkr.toml
b_env="TINKR_CONFIG=$T_SCRATCH/b/tinkr.toml TINKR_SOCKET=$T_SCRATCH/b/run/s.sock TINKR_STATE_DIR=$T_SCRATCH/b/state TEAM_TOKEN=$viewer"
run env $b_env TINKR_API_KEYS= "$TINKR" anomaly payments-api
track_socket "$T_SCRATCH/b/run/s.sock"
is "$rc" 0 "a client daemon asks the server daemon"
like "$out" '^MEDIUM +error_count +30 errors in 10m, exceeds threshold of 10$' \
    "and shows the server's anomaly"
run env $b_env "$TINKR" watch start payments-api --interval 3600
is "$rc" 0 "a watch on the client daemon starts"
wait_until 10 grep -q '"path":"/alerts"' recv.log
contains "$(cat recv.log)" '\"metric\":\"error_count\"' \
    "its alert, made from the server's anomalies, reaches the receiver"
run env $b_env "$TINKR" daemon stop
run env TINKR_SOCKET="$T_SCRATCH/nowhere/s.sock" TINKR_API_TOKEN= \
    "$TINKR" -c "$T_SCRATCH/conf/client.toml" \
    --remote "http://127.0.0.1:$rport/elsewhere" anomaly payments-api
wait_until 5 grep -q '"path":"/elsewhere' recv.log
other=$(grep '"path":"/elsewhere' recv.log | sed -n 1p)
isnt "$other" "" "--remote to another server reaches it"
lacks "$other" "$viewer" \
    "without the token that [server] keeps for its own url"
lacks "$other" '"authorization"' "nor any Authorization header"

# --- a TINKR_API_KEYS that is not JSON: named, placed, no token quoted ----
run env TINKR_API_KEYS='{"tk-badjson-0123456789": "viewer", ' \
    TINKR_STATE_DIR="$T_SCRATCH/badkeys" "$TINKRD" -f \
    -S "$T_SCRATCH/badkeys.sock" -l 127.0.0.1:0
isnt "$rc" 0 "tinkrd refuses a TINKR_API_KEYS that is not JSON"
is "$(printf '%s\n' "$err" | grep -c .)" 1 "with one line"
like "$err" '^tinkrd: TINKR_API_KEYS is not JSON \(at column [0-9]+\)$' \
    "that names it and the column"
lacks "$err" "tk-badjson" "and does not quote the token"

# --- TLS --------------------------------------------------------------------------------
if ! command -v openssl >/dev/null 2>&1; then
	skip "TLS with a self-signed certificate" "no openssl to make one"
else
	openssl req -x509 -newkey rsa:2048 -nodes -keyout conf/key.pem \
	    -out conf/cert.pem -days 1 -subj /CN=localhost \
	    -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
	chmod 600 conf/key.pem
	sock_a=$TINKR_SOCKET
	export TINKR_SOCKET=$T_SCRATCH/b/run/tls.sock
	tport=$((port + 1))
	{
		printf '[server]\nlisten = "127.0.0.1:%s"\n' "$tport"
		printf 'tls_cert = "cert.pem"\ntls_key = "key.pem"\n\n'
		cat viewer.toml
	} >conf/tls.toml
	chmod 600 conf/tls.toml
	ok "a daemon with TLS starts" start_foreground "$T_SCRATCH/tls.log" \
	    -c "$T_SCRATCH/conf/tls.toml"
	contains "$(cat tls.log)" "on 127.0.0.1:$tport with TLS" "and says so"
	code=$(curl -s -o api.body -w '%{http_code}' --cacert conf/cert.pem \
	    -H "Authorization: Bearer $viewer" "https://127.0.0.1:$tport/health")
	is "$code" 200 "HTTPS with the certificate answers"
	contains "$(cat api.body)" '"version"' "with the viewer's details"
	code=$(curl -s -o /dev/null -w '%{http_code}' \
	    "http://127.0.0.1:$tport/health") || code=000
	isnt "$code" 200 "plain HTTP is not served on the TLS port"
	TINKR_SOCKET=$sock_a
fi

sanitizer_check "the TCP listener"
done_testing
