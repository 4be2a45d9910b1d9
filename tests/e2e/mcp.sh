#!/bin/sh
# mcp.sh -- the MCP endpoint: the official MCP TypeScript SDK (from npm)
# over Streamable HTTP with a bearer token and over stdio through
# `tinkr mcp`, and curl for every refusal and JSON-RPC error.
set -eu
. "${TOP_SRCDIR:-.}/tests/e2e/lib.sh"

mkdir -m 700 conf logs
cfg=$T_SCRATCH/conf/tinkr.toml
export TINKR_CONFIG=$cfg TINKR_STATE_DIR=$T_SCRATCH/state
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
i=0
while [ $i -lt 20 ]; do
	printf '{"ts": "%s", "level": "error", "msg": "upstream timeout after 30s"}\n' "$now"
	printf '{"ts": "%s", "level": "info", "msg": "ok", "latency_ms": 20}\n' "$now"
	i=$((i + 1))
done >logs/api.jsonl
printf '{"ts": "%s", "level": "error", "msg": "login failed: password=hunter22 with Bearer abcdef123456 and key cfgsecret-9999"}\n' \
    "$now" >>logs/api.jsonl
mkdir -p repo/src
if command -v git >/dev/null 2>&1; then
	git init -q repo
else
	mkdir -p repo/.git && printf '[core]\n' >repo/.git/config
fi
printf 'def charge():\n    # retry with --pre=evil off\n    raise TimeoutError("ledger")\n\nok = 1\n' >repo/src/pay.py
printf 'a\000b' >repo/blob.bin
ln -s /etc/passwd repo/passwd
viewer=tkr_mcp_viewer_token
other=tkr_mcp_other_token
oncall=tkr_mcp_oncall_token
write_config() {
{
	printf '[server]\nlisten = "127.0.0.1:%s"\n' "$port"
	for t in "$viewer:ann" "$other:bob"; do
		printf '[auth.keys.%s]\nhash = "%s"\nroles = ["viewer"]\n' \
		    "${t#*:}" "$(printf '%s' "${t%%:*}" | sha256sum | cut -d' ' -f1)"
	done
	printf '[auth.keys.cat]\nhash = "%s"\nroles = ["oncall"]\n' \
	    "$(printf '%s' "$oncall" | sha256sum | cut -d' ' -f1)"
	cat <<EOC
[profiles.demo]
active = true
[profiles.demo.services.api]
logs = "$T_SCRATCH/logs/api.jsonl"
repo_path = "$T_SCRATCH/repo"
[profiles.demo.notifiers.hook]
type = "webhook"
url = "http://127.0.0.1:9/"
header_Authorization = "Token cfgsecret-9999"
EOC
} >"$cfg"
chmod 600 "$cfg"
}
# git as the daemon finds it: the real one, after as many seconds as the
# file slowgit says, when it is there.
if realgit=$(command -v git); then
	mkdir -p bin
	cat >bin/git <<EOG
#!/bin/sh
[ -f "$T_SCRATCH/slowgit" ] && sleep "\$(cat "$T_SCRATCH/slowgit")"
exec "$realgit" "\$@"
EOG
	chmod 755 bin/git
	PATH=$T_SCRATCH/bin:$PATH
	export PATH
fi
started=
for try in 1 2 3 4 5; do
	port=$(awk -v s="$$$try" 'BEGIN { srand(s); print 20000 + int(rand() * 40000) }')
	write_config
	if start_foreground "$T_SCRATCH/d.log" -c "$cfg"; then
		started=1
		break
	fi
done
ok "a daemon serves TCP" test -n "$started"
[ -n "$started" ] || done_testing
base=http://127.0.0.1:$port

# rpc BODY [SESSION [TOKEN [EXTRA-HEADER]]]: POST /mcp; $code, $body, $hdrs.
rpc() {
	code=$(curl -s -o rpc.body -D rpc.hdrs -w '%{http_code}' -X POST \
	    -H "Authorization: Bearer ${3:-$viewer}" \
	    -H 'Content-Type: application/json' \
	    -H 'Accept: application/json, text/event-stream' \
	    ${2:+-H "Mcp-Session-Id: $2"} ${4:+-H "$4"} \
	    --data-binary "$1" "$base/mcp") || code=000
	body=$(cat rpc.body)
	hdrs=$(tr -d '\r' <rpc.hdrs)
}
init='{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "curl", "version": "1"}}}'

# --- refusals and JSON-RPC errors -------------------------------------------------
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d "$init" "$base/mcp")
is "$code" 401 "no token is 401"
rpc "$init"
is "$code" 200 "initialize is 200"
contains "$body" '"protocolVersion": "2025-06-18"' "the version asked for is agreed"
contains "$body" '"tools": {' "tools are a capability"
sid=$(printf '%s\n' "$hdrs" | sed -n 's/^Mcp-Session-Id: //p')
like "$sid" '^mcp-[0-9a-f]{32}$' "the answer opens a session"
rpc '{"jsonrpc": "2.0", "method": "notifications/initialized"}' "$sid"
is "$code" 202 "a notification is 202"
is "$body" "" "with no body"
rpc '{"jsonrpc": "2.0", "id": 2, "method": "ping"}'
is "$code" 400 "a request without a session is 400"
rpc '{"jsonrpc": "2.0", "id": 2, "method": "ping"}' mcp-nope
is "$code" 404 "an unknown session is 404"
rpc '{"jsonrpc": "2.0", "id": 2, "method": "ping"}' "$sid" "$other"
is "$code" 404 "a session belongs to the token that opened it"
rpc '{"jsonrpc": "2.0", "id": 2, "method": "ping"}' "$sid"
contains "$body" '"result": {}' "ping answers"
rpc '{"jsonrpc": "2.0", "id": 3, "method": "ping"' "$sid"
contains "$body" '"code": -32700' "malformed JSON is -32700"
rpc '{"id": 4, "method": "ping"}' "$sid"
contains "$body" '"code": -32600' "a message without jsonrpc 2.0 is -32600"
rpc '{"jsonrpc": "2.0", "id": 5, "method": "resources/list"}' "$sid"
contains "$body" '"code": -32601' "an unknown method is -32601"
rpc '{"jsonrpc": "2.0", "id": 6, "method": "tools/call", "params": {"name": "detect_anomalies", "arguments": {"window_minutes": "x"}}}' "$sid"
contains "$body" '"code": -32602' "bad arguments are -32602"
rpc '{"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "rm_rf", "arguments": {}}}' "$sid"
contains "$body" "unknown tool 'rm_rf'" "an unknown tool is refused by name"
rpc '[{"jsonrpc": "2.0", "id": 8, "method": "ping"}]' "$sid"
contains "$body" "batches are not part of protocol version 2025-06-18" \
    "2025-06-18 takes no batch"
rpc '{"jsonrpc": "2.0", "id": 9, "method": "ping"}' "$sid" "" "MCP-Protocol-Version: 1999-01-01"
is "$code" 400 "an unsupported MCP-Protocol-Version is 400"
rpc "$(printf '%s' "$init" | sed 's/2025-06-18/2025-03-26/')"
sid2=$(printf '%s\n' "$hdrs" | sed -n 's/^Mcp-Session-Id: //p')
rpc '[{"jsonrpc": "2.0", "id": 10, "method": "ping"}, {"jsonrpc": "2.0", "method": "notifications/initialized"}, {"jsonrpc": "2.0", "id": 11, "method": "tools/call", "params": {"name": "detect_anomalies", "arguments": {"service": "api"}}}]' "$sid2"
is "$code" 200 "2025-03-26 takes a batch"
is "$(printf '%s\n' "$body" | grep -c '"jsonrpc"')" 2 "answering its two requests, not the notification"
contains "$body" "21 errors in 10m" "the tool in it ran"
rpc '{"jsonrpc": "2.0", "id": 13, "method": "tools/call", "params": {"name": "query_logs", "arguments": {"service": "api", "query": "login"}}}' "$sid2"
contains "$body" "login failed" "query_logs finds the line with secrets in it"
lacks "$body" "hunter22" "a password= value is masked"
lacks "$body" "abcdef123456" "a bearer token is masked"
lacks "$body" "cfgsecret-9999" "a secret of the configuration is masked"
contains "$body" "password=<redacted>" "with <redacted> in their place"
# code tools, confined to repo_path
call() {
	rpc "{\"jsonrpc\": \"2.0\", \"id\": 20, \"method\": \"tools/call\", \"params\": {\"name\": \"$1\", \"arguments\": $2}}" "$sid2"
}
call get_file '{"service": "api", "path": "src/pay.py"}'
contains "$body" 'raise TimeoutError(\\\"ledger\\\")' "get_file reads a file of the repository"
call get_file '{"service": "api", "path": "../logs/api.jsonl"}'
contains "$body" '"isError": true' "a path with .. out of the repository is refused"
contains "$body" "is outside the service's repository" "saying so"
call get_file '{"service": "api", "path": "passwd"}'
contains "$body" "passwd is outside the service's repository" "so is a symbolic link that points out"
call get_file '{"service": "api", "path": "/etc/passwd"}'
contains "$body" "must be relative" "and an absolute path"
call get_file '{"service": "api", "path": ".git/config"}'
contains "$body" "inside .git" ".git is not read"
call get_file '{"service": "api", "path": "blob.bin"}'
contains "$body" "is a binary file" "nor a binary file"
call search_code '{"service": "api", "pattern": "TimeoutError", "file_glob": "*.py", "context_lines": 1}'
contains "$body" '\"line\": 3' "search_code finds the line"
contains "$body" 'retry with --pre=evil off' "with its context"
call search_code '{"service": "api", "pattern": "--pre=evil"}'
contains "$body" '\"file\": \"src/pay.py\"' "a pattern that starts with - is searched as text"
call search_code '{"service": "api", "pattern": "core"}'
contains "$body" '\"matches\": []' "and .git is not searched"
# suggest_fix: checked, kept, applied only by a person
cat >good.diff <<'EOD'
--- a/src/pay.py
+++ b/src/pay.py
@@ -1,5 +1,5 @@
 def charge():
     # retry with --pre=evil off
-    raise TimeoutError("ledger")
+    raise TimeoutError("ledger unavailable")
 
 ok = 1
EOD
# json_file FILE: FILE's text as a JSON string.
json_file() {
	sed 's/\\/\\\\/g; s/"/\\"/g' "$1" | awk 'BEGIN { printf "\"" }
	    { printf "%s\\n", $0 } END { printf "\"" }'
}
fix_args="{\"service\": \"api\", \"incident_id\": \"INC-7\", \"explanation\": \"say which ledger call failed\", \"diff\": $(json_file good.diff)}"
call suggest_fix "$fix_args"
contains "$body" "suggest_fix needs the oncall role" "a viewer may not suggest a fix"
if command -v git >/dev/null 2>&1; then
	rpc "$init" "" "$oncall"
	sid3=$(printf '%s\n' "$hdrs" | sed -n 's/^Mcp-Session-Id: //p')
	rpc "{\"jsonrpc\": \"2.0\", \"id\": 30, \"method\": \"tools/call\", \"params\": {\"name\": \"suggest_fix\", \"arguments\": {\"service\": \"api\", \"explanation\": \"x\", \"diff\": \"--- a/nope\\n+++ b/nope\\n@@ -1 +1 @@\\n-a\\n+b\\n\"}}}" "$sid3" "$oncall"
	contains "$body" "git apply refuses the diff" "a diff that does not apply is refused"
	rpc "{\"jsonrpc\": \"2.0\", \"id\": 31, \"method\": \"tools/call\", \"params\": {\"name\": \"suggest_fix\", \"arguments\": $fix_args}}" "$sid3" "$oncall"
	fix=$(printf '%s\n' "$body" | grep -o 'fix-[0-9a-f]\{8\}' | head -1)
	like "$fix" '^fix-[0-9a-f]{8}$' "a diff that applies is kept as a fix"
	contains "$(cat repo/src/pay.py)" 'TimeoutError("ledger")' "and nothing is applied yet"
	tinkr fix list
	like "$out" "^$fix +proposed +api +.* cat$" "fix list shows it proposed, by its key"
	tinkr fix show "$fix"
	contains "$out" 'raise TimeoutError("ledger unavailable")' "fix show shows the diff"
	contains "$out" "say which ledger call failed" "and the explanation"
	tinkr fix apply "$fix"
	is "$rc" 1 "fix apply without a terminal and without --yes does not apply"
	tinkr fix apply "$fix" --yes
	is "$rc" 0 "fix apply --yes applies"
	contains "$(cat repo/src/pay.py)" 'TimeoutError("ledger unavailable")' \
	    "the repository has the change"
	tinkr fix apply "$fix" --yes
	is "$rc" 1 "a fix is applied once"
	contains "$err" "is applied, not proposed" "and says so"
	code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $viewer" \
	    "$base/api/v1/fixes/$fix/reject")
	is "$code" 403 "a viewer may not decide a fix"

	# git runs beside the loop: the daemon answers while it works.
	echo 2 >slowgit
	rpc_start=$(date +%s)
	curl -s -o slow.body -X POST -H "Authorization: Bearer $oncall" \
	    -H 'Content-Type: application/json' \
	    -H 'Accept: application/json, text/event-stream' \
	    -H "Mcp-Session-Id: $sid3" --data-binary \
	    "{\"jsonrpc\": \"2.0\", \"id\": 32, \"method\": \"tools/call\", \"params\": {\"name\": \"suggest_fix\", \"arguments\": $fix_args}}" \
	    "$base/mcp" &
	slow_pid=$!
	sleep 0.5
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$base/health")
	is "$code" 200 "GET /health answers while git checks a diff"
	ok "while the suggest_fix call still waits for git" kill -0 "$slow_pid"
	wait "$slow_pid" || true
	contains "$(cat slow.body)" "git apply refuses the diff" \
	    "and the call then answers with git's verdict (applied already)"
	echo 7 >slowgit
	rpc "{\"jsonrpc\": \"2.0\", \"id\": 33, \"method\": \"tools/call\", \"params\": {\"name\": \"suggest_fix\", \"arguments\": $fix_args}}" "$sid3" "$oncall"
	contains "$body" "git took longer than 5 s" \
	    "a git that takes longer than 5 s is killed, and the call says so"
	rm -f slowgit
else
	skip "suggest_fix checks diffs with git" "no git here"
fi
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "Authorization: Bearer $viewer" \
    -H "Mcp-Session-Id: $sid2" "$base/mcp")
is "$code" 200 "DELETE ends a session"
rpc '{"jsonrpc": "2.0", "id": 12, "method": "ping"}' "$sid2"
is "$code" 404 "which is gone after"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $viewer" "$base/mcp")
is "$code" 405 "GET /mcp is 405: answers come on the POST"

# --- HTTP+SSE (2024-11-05) with curl --------------------------------------------
curl -s -N -H "Authorization: Bearer $viewer" "$base/mcp/sse" >sse.out 2>/dev/null &
ssepid=$!
track_pid "$ssepid"
wait_until 10 grep -q '^data: /mcp/messages' sse.out
ep=$(sed -n 's/^data: //p' sse.out | head -1)
like "$ep" '^/mcp/messages\?session_id=mcp-[0-9a-f]{32}$' \
    "GET /mcp/sse first names where to post messages"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $viewer" \
    -d '{"jsonrpc": "2.0", "id": 1, "method": "ping"}' "$base$ep")
is "$code" 202 "a message is accepted with 202"
wait_until 10 grep -q '"id":1' sse.out
contains "$(cat sse.out)" 'event: message
data: {"jsonrpc":"2.0","id":1,"result":{}}' "its answer comes down the stream"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $other" \
    -d '{"jsonrpc": "2.0", "id": 2, "method": "ping"}' "$base$ep")
is "$code" 404 "another token cannot post to the session"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $viewer" \
    -d '{"jsonrpc": "2.0", "id": 3, "method": "ping"}' "$base/mcp/messages?session_id=mcp-nope")
is "$code" 404 "an unknown session is 404"
kill "$ssepid" 2>/dev/null || true

# --- the official SDK ------------------------------------------------------------
sdk=$(dirname "$TINKR")/tests/mcp-sdk
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	skip "the official MCP SDK uses every tool" "no node and npm here"
	done_testing
fi
if [ ! -d "$sdk/node_modules/@modelcontextprotocol/sdk" ]; then
	mkdir -p "$sdk"
	(cd "$sdk" && npm install --no-audit --no-fund --silent \
	    @modelcontextprotocol/sdk@1.32.2 >npm.log 2>&1) ||
	    { diag "$(cat "$sdk/npm.log")"; rm -rf "$sdk/node_modules"; }
fi
if [ ! -d "$sdk/node_modules/@modelcontextprotocol/sdk" ]; then
	skip "the official MCP SDK uses every tool" "npm could not install @modelcontextprotocol/sdk"
	done_testing
fi
cp "$TOP_SRCDIR/tests/helpers/mcp-client.mjs" "$sdk/"

cat >sdk.diff <<'EOD'
--- a/src/pay.py
+++ b/src/pay.py
@@ -3,3 +3,3 @@
     raise TimeoutError("ledger unavailable")
 
-ok = 1
+ok = 2
EOD
MCP_FIX_DIFF=$(cat sdk.diff)
export MCP_FIX_DIFF
for transport in http sse stdio; do
	if [ $transport = http ]; then
		run node "$sdk/mcp-client.mjs" http "$base/mcp" "$viewer" api
	elif [ $transport = sse ]; then
		run node "$sdk/mcp-client.mjs" sse "$base/mcp/sse" "$viewer" api
	else
		run node "$sdk/mcp-client.mjs" stdio "$TINKR" api mcp
	fi
	is "$rc" 0 "the SDK over $transport runs through"
	contains "$out" '"step":"connected","server":{"name":"tinkr"' "it connects over $transport"
	contains "$out" '"names":["query_logs","get_recent_errors","get_metrics","detect_anomalies","get_file","suggest_fix","search_code"]' \
	    "it lists the tools over $transport"
	contains "$out" '"name":"detect_anomalies","isError":false' "detect_anomalies answers over $transport"
	contains "$out" '21 errors in 1h, exceeds threshold of 10' "with the service's anomaly"
	contains "$out" '"name":"query_logs","isError":false' "query_logs answers"
	contains "$out" 'upstream timeout after 30s' "with the log lines"
	contains "$out" '"name":"get_recent_errors","isError":false' "get_recent_errors answers"
	contains "$out" '"name":"get_metrics","isError":false' "get_metrics answers"
	contains "$out" '"name":"get_file","isError":false' "get_file answers"
	contains "$out" 'def charge():' "with the file"
	contains "$out" '"name":"search_code","isError":false' "search_code answers"
	if [ $transport = stdio ]; then
		contains "$out" '"name":"suggest_fix","isError":false' \
		    "suggest_fix keeps a fix for the local user"
	else
		contains "$out" '"name":"suggest_fix","isError":true' \
		    "suggest_fix is refused to a viewer's token over $transport"
	fi
	[ $transport = sse ] ||
	    contains "$out" '"structured":{"service":"api"' "results carry structuredContent"
	contains "$out" '"step":"bad-service","isError":true' "a failing tool is isError"
	contains "$out" "Service 'no-such-service' not found" "saying why"
	contains "$out" '"step":"closed"' "and the client closes cleanly"
done

sanitizer_check "mcp"
done_testing
