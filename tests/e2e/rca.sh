#!/bin/sh
# rca.sh -- tinkr rca on crafted logs: the injected dependency failure is
# named, with its onset minute; the event stream is well formed and ends
# with [DONE], also when the source fails.
set -eu
. "${TOP_SRCDIR:-.}/tests/e2e/lib.sh"

mkdir -m 700 conf logs
export TINKR_CONFIG=$T_SCRATCH/conf/tinkr.toml
cat >"$TINKR_CONFIG" <<EOC
[profiles.demo]
active = true
[profiles.demo.services.api]
logs = "$T_SCRATCH/logs/api.jsonl"
[profiles.demo.services.calm]
logs = "$T_SCRATCH/logs/calm.jsonl"

[profiles.prom]
backend = "prometheus"
url = "http://127.0.0.1:1"
[profiles.prom.services.api]
EOC
chmod 600 "$TINKR_CONFIG"

# Two hours of good lines at 40 ms; from 17 minutes ago, six refused
# connections to the ledger database a minute, at 3 s; one old, unrelated
# error in the window before.
now=$(date -u +%s)
onset=$(( (now / 60 - 17) * 60 ))
m=0
while [ $m -lt 120 ]; do
	t=$(( (now / 60 - m) * 60 + 5 ))
	ts=$(date -u -d "@$t" +%Y-%m-%dT%H:%M:%SZ)
	i=0
	while [ $i -lt 5 ]; do
		printf '{"ts": "%s", "level": "info", "msg": "GET /pay 200", "latency_ms": 40}\n' "$ts"
		i=$((i + 1))
	done
	if [ $m -le 17 ]; then
		i=0
		while [ $i -lt 6 ]; do
			printf '{"ts": "%s", "level": "error", "msg": "dial tcp 10.0.3.7:5432: connect: connection refused (ledger-db.internal, request %s-%s)", "latency_ms": 3000}\n' \
			    "$ts" "$m" "$i"
			i=$((i + 1))
		done
	fi
	[ $m -eq 90 ] && printf '{"ts": "%s", "level": "error", "msg": "card 4242 declined by issuer"}\n' "$ts"
	m=$((m + 1))
done | sort >logs/api.jsonl
printf '{"ts": "%s", "level": "info", "msg": "fine"}\n' \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >logs/calm.jsonl
want_onset=$(date -u -d "@$onset" +%H:%M)

tinkr rca api --since 1h
is "$rc" 0 "rca exits 0"
like "$out" '^== Summary ==$' "the first section is the summary"
contains "$out" "108 error lines from api in the last 1h, in 1 pattern." \
    "it counts the window's error lines in one pattern"
contains "$out" "Errors rose at $want_onset UTC." "it finds the onset minute"
contains "$out" "Likely cause: a dependency is down (high confidence)" \
    "it calls it a dependency failure"
like "$out" '^Suspect: (10\.0\.3\.7:5432|ledger-db\.internal) \(named by 108 error lines\)$' \
    "it names the injected dependency"
contains "$out" "Suspect: ledger-db.internal" "by its host name too"
contains "$out" "108 x dial tcp <ip>:<n>: connect: connection refused (ledger-db.internal, request <n>-<n>) (previous 1h: 0)" \
    "the pattern masks the address and numbers, and grew from nothing"
lacks "$out" "card <n> declined" "the window before's error is not a pattern now"
contains "$out" "p99 latency: 40 ms before the onset, 3000 ms after" \
    "the latency moved at the onset"
like "$out" '^== Recommended checks ==$' "recommended checks follow"
like "$out" '^== Confidence ==$' "and the confidence last"

tinkr --json rca api --since 1h
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 7 "--json prints 7 sections, one a line"
bad=0
printf '%s\n' "$out" | while IFS= read -r l; do
	json_valid "$l" || exit 1
done || bad=1
is "$bad" 0 "each line is a JSON object"
contains "$out" '"classification":"dependency_down"' "the verdict is data too"

# The raw stream, as curl sees it.
"$TINKR" daemon status >/dev/null
raw=$(curl -s -N --unix-socket "$TINKR_SOCKET" -H 'Accept: text/event-stream' \
    -X POST -d '{"service": "api", "since": "1h"}' http://localhost/api/v1/rca)
is "$(printf '%s\n' "$raw" | grep -c '^event: ')" 7 "seven events"
is "$(printf '%s\n' "$raw" | grep -c '^data: {')" 7 "each with one data line of JSON"
is "$(printf '%s\n' "$raw" | tail -1)" "data: [DONE]" "the stream ends with data: [DONE]"
hdr=$(curl -s -D - -o /dev/null --unix-socket "$TINKR_SOCKET" -X POST \
    -d '{"service": "api"}' http://localhost/api/v1/rca)
contains "$hdr" "Content-Type: text/event-stream" "it is served as an event stream"

tinkr rca calm
contains "$out" "No error lines from calm in the last 1h." "a calm service has none"

tinkr -p prom rca api
is "$rc" 0 "a failing source still gives a report"
contains "$out" "== Source error ==" "with the failure in its own section"
contains "$out" "prometheus at http://127.0.0.1:1" "naming the server"
raw=$(curl -s --unix-socket "$TINKR_SOCKET" -X POST \
    -d '{"service": "api", "profile": "prom"}' http://localhost/api/v1/rca)
is "$(printf '%s\n' "$raw" | tail -1)" "data: [DONE]" "and the stream still ends with [DONE]"

tinkr rca nope
is "$rc" 1 "an unknown service exits 1"
one_error "$err" "Service 'nope' not found in profile 'demo'" "before any stream"
tinkr rca api --since 13h
is "$rc" 1 "a window over 12h is refused"
tinkr rca api --severity urgent
is "$rc" 2 "an unknown severity is a usage error"

# --- an [llm] section writes a summary from the evidence ---------------------------
mkdir -p llm/v1/chat
cat >llm/v1/chat/completions <<'EOJ'
{"id": "c1", "object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assistant", "content": "The ledger database stopped accepting connections."}, "finish_reason": "stop"}]}
EOJ
"$RECEIVER" -p "$T_SCRATCH/llm.port" -l "$T_SCRATCH/llm.log" -r "$T_SCRATCH/llm" 2>llm.err &
track_pid $!
wait_until 10 test -s llm.port
"$RECEIVER" -p "$T_SCRATCH/bad.port" -l "$T_SCRATCH/bad.log" -s 500 2>bad.err &
track_pid $!
wait_until 10 test -s bad.port
cp "$TINKR_CONFIG" conf/plain.toml
# The daemon runs already: the key reaches it through the .env beside the
# configuration, read again on reload.
printf 'LLM_KEY=sk-test-llm-key\n' >conf/.env
chmod 600 conf/.env
printf '\n[llm]\nurl = "http://127.0.0.1:%s/v1/chat/completions"\nmodel = "gpt-test"\napi_key = "env:LLM_KEY"\n' \
    "$(cat llm.port)" >>"$TINKR_CONFIG"
tinkr daemon reload
is "$rc" 0 "the configuration with [llm] is loaded"
tinkr rca api --since 1h
contains "$out" "== Summary by the model ==
The ledger database stopped accepting connections." "the model's summary is a section"
like "$out" '^== Confidence ==$' "and the report still ends with its confidence"
req=$(cat llm.log)
contains "$req" '"authorization":"Bearer sk-test-llm-key"' "the api_key is the bearer"
contains "$req" 'gpt-test' "the model is named"
contains "$req" 'Likely cause' "the model is given the evidence"
tinkr config show
lacks "$out" "sk-test-llm-key" "config show does not print the api_key"
cp conf/plain.toml "$TINKR_CONFIG"
printf '\n[llm]\nurl = "http://127.0.0.1:%s/v1/chat/completions"\nmodel = "gpt-test"\n' \
    "$(cat bad.port)" >>"$TINKR_CONFIG"
tinkr daemon reload
tinkr rca api --since 1h
is "$rc" 0 "a failing model does not fail the report"
contains "$out" "== Model error ==" "it is a section of its own"
contains "$out" "answered 500" "saying what the model answered"
contains "$out" "== Likely cause ==" "and the analysis is all there"

sanitizer_check "rca"
done_testing
