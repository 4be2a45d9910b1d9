#!/bin/sh
# delivery.sh -- getting alerts to notifiers end to end: webhook headers,
# Standard Webhooks signatures and where they may go, Discord messages and
# a deleted Discord webhook, exec notifiers, retries with backoff and
# Retry-After, final failures, test notifications, retrying a failed
# delivery, and the delivery journal across kill -9 of the daemon. Recording
# receivers play the endpoints.
set -eu
. "${TOP_SRCDIR:-.}/tests/e2e/lib.sh"

if [ -z "$T_JQ" ]; then
	skip "alert delivery end to end" "jq is not installed"
	done_testing
fi

# start_receiver NAME ARGS...: a receiver logging to NAME.log; its port
# in $port and its pid in $rpid.
start_receiver() {
	_sr=$1
	shift
	rm -f "$T_SCRATCH/$_sr.port"
	"$RECEIVER" -p "$T_SCRATCH/$_sr.port" -l "$T_SCRATCH/$_sr.log" "$@" \
	    2>>"$T_SCRATCH/$_sr.stderr" &
	rpid=$!
	track_pid "$rpid"
	wait_until 10 test -s "$T_SCRATCH/$_sr.port"
	port=$(cat "$T_SCRATCH/$_sr.port")
}

# posts LOG PATH: the requests to PATH in a receiver's log, one a line (a
# line still being written is left out; jq -R is not used, as jq 1.6 breaks
# UTF-8 characters that straddle its read buffer in raw input).
posts() {
	[ -f "$1" ] || return 0
	head -n "$(wc -l <"$1")" "$1" | jq -c --arg p "$2" 'select(.path == $p)'
}

# nposts LOG PATH: how many requests PATH had.
nposts() {
	posts "$1" "$2" | wc -l | tr -d ' '
}

# has_posts LOG PATH N: has PATH had at least N requests?
has_posts() {
	[ "$(nposts "$1" "$2")" -ge "$3" ]
}

# post_of LOG PATH N: the Nth request to PATH.
post_of() {
	posts "$1" "$2" | sed -n "${3}p"
}

# jqr JSON FILTER: a jq filter over a text, "(invalid JSON)" when it is not.
jqr() {
	printf '%s\n' "$1" | jq -r "$2" 2>/dev/null || echo "(invalid JSON)"
}

# hdr POST NAME: a header of a logged request, "(none)" when absent.
hdr() {
	jqr "$1" ".headers[\"$2\"] // \"(none)\""
}

# lines FILE N LEVEL [LATENCY]: append N JSON lines stamped now, with one
# write, so that a check never sees only some of them.
lines() {
	_ln_now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	_ln_n=$2
	while [ "$_ln_n" -gt 0 ]; do
		printf '{"ts": "%s", "level": "%s", "msg": "m", "latency_ms": %s}\n' \
		    "$_ln_now" "$3" "${4:-20}"
		_ln_n=$((_ln_n - 1))
	done >"$T_SCRATCH/.lines"
	cat "$T_SCRATCH/.lines" >>"$1"
}

# watch_id: the ID in watch start's output.
watch_id() {
	printf '%s\n' "$out" | sed -n 's/^  ID: *//p'
}

# delivery_done ID: whether `tinkr deliveries --watch ID` shows a
# delivery that is no longer pending; its row in $row.
delivery_done() {
	tinkr deliveries --watch "$1"
	row=$(printf '%s\n' "$out" | grep '^evt_' | sed -n 1p)
	case $row in
	*" pending "*|'') return 1 ;;
	esac
}

# wait_done ID SECONDS: delivery_done, polled.
wait_done() {
	_wd_end=$(($(date +%s) + $2))
	until delivery_done "$1"; do
		[ "$(date +%s)" -le "$_wd_end" ] || return 1
		sleep 0.2
	done
}

# sig_of POST: the signature the request should carry, computed with
# openssl from the key in $keyhex, apart from tinkr's code.
sig_of() {
	_so_id=$(hdr "$1" webhook-id)
	_so_ts=$(hdr "$1" webhook-timestamp)
	_so_body=$(jqr "$1" .body)
	printf 'v1,'
	printf '%s.%s.%s' "$_so_id" "$_so_ts" "$_so_body" |
	    openssl dgst -sha256 -mac HMAC -macopt "hexkey:$keyhex" -binary |
	    base64 | tr -d '\n'
}

# check_signed POST LABEL: the request had the headers and a good signature.
check_signed() {
	is "$(hdr "$1" authorization)" "Token token=tk-hook-0123" \
	    "$2: the Authorization header from the environment"
	is "$(hdr "$1" x-team)" "sre" "$2: the X-Team header"
	like "$(hdr "$1" webhook-id)" '^evt_[0-9a-f]{24}$' "$2: webhook-id"
	is "$(hdr "$1" webhook-id)" "$(jqr "$(jqr "$1" .body)" .event_id)" \
	    "$2: webhook-id is the payload's event_id"
	_cs_ts=$(hdr "$1" webhook-timestamp)
	_cs_now=$(date +%s)
	ok "$2: webhook-timestamp is now ($_cs_ts)" \
	    test "$_cs_ts" -ge $((_cs_now - 120)) -a "$_cs_ts" -le $((_cs_now + 5))
	like "$(hdr "$1" webhook-signature)" '^v1,[A-Za-z0-9+/]{43}=$' \
	    "$2: webhook-signature is v1,<base64 of a SHA-256 HMAC>"
	if [ -n "$openssl" ]; then
		is "$(hdr "$1" webhook-signature)" "$(sig_of "$1")" \
		    "$2: the signature verifies with openssl"
	else
		skip "$2: the signature verifies with openssl" \
		    "openssl is not installed"
	fi
}

# check_unsigned POST LABEL: sent without the notifier's headers.
check_unsigned() {
	is "$(hdr "$1" authorization)" "(none)" "$2: no Authorization header"
	is "$(hdr "$1" x-team)" "(none)" "$2: no X-Team header"
	is "$(hdr "$1" webhook-signature)" "(none)" "$2: no signature"
	like "$(hdr "$1" webhook-id)" '^evt_[0-9a-f]{24}$' "$2: but a webhook-id"
	like "$(hdr "$1" webhook-timestamp)" '^[0-9]+$' "$2: and a webhook-timestamp"
}

if command -v openssl >/dev/null 2>&1; then
	openssl=openssl
else
	openssl=
fi

# --- receivers, scripts, configuration ------------------------------------------------
mkdir -p replies
printf '500\n500\n500\n200\n' >replies/retry.status
printf '503\n200\n' >replies/later.status
printf 'Retry-After: 2\n' >replies/later.headers
echo 400 >replies/bad.status
echo 500 >replies/failing.status
echo 404 >replies/gone.status
start_receiver main -r "$T_SCRATCH/replies"
main=$port
mlog=$T_SCRATCH/main.log
start_receiver team
team=$port
start_receiver stranger
stranger=$port
start_receiver slow -d 200
slow=$port
# A port with nothing listening, for the receiver that comes up late.
start_receiver probe
crash=$port
stop_pid "$rpid" "receiver"
wait "$rpid" 2>/dev/null || true

mkdir -m 700 conf logs bin exec
cat >bin/pager.sh <<EOF
#!/bin/sh
cat >"$T_SCRATCH/exec/stdin"
printf '%s\n' "\$TINKR_EVENT_ID" "\$TINKR_WATCH_ID" "\$TINKR_SERVICE" \\
    "\$TINKR_STATUS" >"$T_SCRATCH/exec/env"
printf '%s\n' "\$@" >"$T_SCRATCH/exec/args"
EOF
cat >bin/flaky.sh <<EOF
#!/bin/sh
cat >/dev/null
n=\$(cat "$T_SCRATCH/exec/flaky.count" 2>/dev/null || echo 0)
echo \$((n + 1)) >"$T_SCRATCH/exec/flaky.count"
if [ "\$n" = 0 ]; then
	echo "pager busy" >&2
	exit 75
fi
exit 0
EOF
cat >bin/nopager.sh <<EOF
#!/bin/sh
echo "no pager configured" >&2
exit 3
EOF
cat >bin/chatty.sh <<EOF
#!/bin/sh
echo "looking for a pager" >&2
echo "paging ops" >&2
printf 'no pager answered \\377 \\303\\274\\n' >&2
exit 4
EOF
chmod 755 bin/*.sh

key=$(head -c 32 /dev/urandom | base64 | tr -d '\n')
keyhex=$(printf '%s' "$key" | base64 -d | od -An -v -tx1 | tr -d ' \n')
HOOK_SECRET=whsec_$key
HOOK_TOKEN="Token token=tk-hook-0123"
TEAM=sre
export HOOK_SECRET HOOK_TOKEN TEAM

api=$T_SCRATCH/logs/api.jsonl
lines "$api" 5 info
lines "$api" 15 error
lines logs/hot.jsonl 60 error
lines logs/many.jsonl 5 info
lines logs/crash.jsonl 5 info
for b in b1 b2 b3 b4; do
	lines "logs/$b.jsonl" 50 info
done

cfg=$T_SCRATCH/conf/tinkr.toml
export TINKR_CONFIG="$cfg"
{
	cat <<EOC
[profiles.demo]
backend = "local"
active = true

[profiles.demo.services.api]
logs = "$api"

[profiles.demo.services.hot]
logs = "$T_SCRATCH/logs/hot.jsonl"

[profiles.demo.services.many]
logs = "$T_SCRATCH/logs/many.jsonl"

[profiles.demo.services.crashsvc]
logs = "$T_SCRATCH/logs/crash.jsonl"

[profiles.demo.notifiers.signed]
type = "webhook"
url = "http://127.0.0.1:$main/signed"
header_Authorization = "env:HOOK_TOKEN"
header_X-Team = "env:TEAM"
secret = "env:HOOK_SECRET"
destinations = ["http://127.0.0.1:$team/"]

[profiles.demo.notifiers.chat]
type = "discord"
webhook_url = "http://127.0.0.1:$main/discord"

[profiles.demo.notifiers.gone]
type = "discord"
webhook_url = "http://127.0.0.1:$main/gone"

[profiles.demo.notifiers.pager]
type = "exec"
command = "$T_SCRATCH/bin/pager.sh"
args = ["--to", "ops team"]

[profiles.demo.notifiers.flaky]
type = "exec"
command = "$T_SCRATCH/bin/flaky.sh"

[profiles.demo.notifiers.nopager]
type = "exec"
command = "$T_SCRATCH/bin/nopager.sh"

[profiles.demo.notifiers.chatty]
type = "exec"
command = "$T_SCRATCH/bin/chatty.sh"

[profiles.demo.notifiers.retry]
type = "webhook"
url = "http://127.0.0.1:$main/retry"

[profiles.demo.notifiers.later]
type = "webhook"
url = "http://127.0.0.1:$main/later"

[profiles.demo.notifiers.bad]
type = "webhook"
url = "http://127.0.0.1:$main/bad"

[profiles.demo.notifiers.failing]
type = "webhook"
url = "http://127.0.0.1:$main/failing"

[profiles.demo.notifiers.crash]
type = "webhook"
url = "http://127.0.0.1:$crash/crash"

[profiles.demo.notifiers.slow]
type = "webhook"
url = "http://127.0.0.1:$slow/slow"
EOC
	for b in b1 b2 b3 b4; do
		printf '\n[profiles.demo.services.%s]\nlogs = "%s"\n' \
		    "$b" "$T_SCRATCH/logs/$b.jsonl"
	done
	# Eight rules that all fire, with long names and descriptions full
	# of characters that Discord's markdown needs escaped.
	long=$(printf '%0110d' 0 | tr 0 n)
	under=$(printf '%0140d' 0 | tr 0 _)
	for i in 1 2 3 4 5 6 7 8; do
		printf '\n[profiles.demo.services.many.rules.r%s_%s]\n' "$i" "$long"
		printf 'kind = "count"\nquery = "q%s%s"\n' "$i" "$under"
		printf 'threshold = 1\ndirection = "below"\n'
	done
} >"$cfg"
chmod 600 "$cfg"

n=0
# start_daemon: a foreground tinkrd, its log in $dlog.
start_daemon() {
	n=$((n + 1))
	dlog=$T_SCRATCH/tinkrd.$n.log
	start_foreground "$dlog" -d
}
ok "tinkrd starts in the foreground" start_daemon

# --- every notifier gets an alert at once --------------------------------------------
tinkr watch start api --notifier signed --interval 60
is "$rc" 0 "a watch through a signed webhook starts"
w_signed=$(watch_id)
tinkr watch start api --notifier signed --interval 60 \
    --destination "http://127.0.0.1:$main/other-path"
is "$rc" 0 "a destination on the notifier's origin is taken"
is "$err" "" "without a warning"
w_same=$(watch_id)
tinkr watch start api --notifier signed --interval 60 \
    --destination "http://127.0.0.1:$team/team/hook"
is "$rc" 0 "a destination listed in destinations is taken"
is "$err" "" "without a warning"
w_team=$(watch_id)
tinkr watch start api --notifier signed --interval 60 \
    --destination "http://127.0.0.1:$stranger/elsewhere"
is "$rc" 0 "a destination on another origin is taken"
is "$err" "tinkr: warning: the destination is not on the origin of notifier 'signed' nor in its destinations, so its headers and secret will not be sent there" \
    "with a warning that the headers and secret will not go there"
like "$out" "^  Destination: +http://127\\.0\\.0\\.1:$stranger/elsewhere\$" \
    "watch start prints the destination"
w_stranger=$(watch_id)
for nt in chat gone pager flaky nopager chatty retry later bad; do
	case $nt in
	chat) svc=hot ;;
	*) svc=api ;;
	esac
	tinkr watch start "$svc" --notifier "$nt" --interval 60
	is "$rc" 0 "a watch through notifier $nt starts"
	eval "w_$nt=\$(watch_id)"
done
tinkr watch start many --notifier chat --interval 60
w_many=$(watch_id)

# --- headers and signatures -------------------------------------------------------------
ok "the signed webhook gets its alert" wait_until 5 has_posts "$mlog" /signed 1
p=$(post_of "$mlog" /signed 1)
is "$(jqr "$(jqr "$p" .body)" .watch_id)" "$w_signed" "it is the watch's"
check_signed "$p" "own url"
ok "the same-origin destination gets its alert" \
    wait_until 5 has_posts "$mlog" /other-path 1
check_signed "$(post_of "$mlog" /other-path 1)" "same origin"
ok "the destination in destinations gets its alert" \
    wait_until 5 has_posts "$T_SCRATCH/team.log" /team/hook 1
check_signed "$(post_of "$T_SCRATCH/team.log" /team/hook 1)" "listed destination"
ok "the destination on another origin gets its alert" \
    wait_until 5 has_posts "$T_SCRATCH/stranger.log" /elsewhere 1
p=$(post_of "$T_SCRATCH/stranger.log" /elsewhere 1)
check_unsigned "$p" "another origin"
is "$(jqr "$(jqr "$p" .body)" '[.watch_id, .status, .anomalies[0].metric] | join(" ")')" \
    "$w_stranger firing error_count" "another origin still gets the payload"
is "$(nposts "$mlog" /signed)" 1 "the notifier's own url got only its own watch's alert"

# --- Discord -----------------------------------------------------------------------------
ok "discord gets its alerts" wait_until 5 has_posts "$mlog" /discord 2
p=$(posts "$mlog" /discord | jq -c --arg w "$w_chat" \
    'select(.body | fromjson | .content | contains($w))' | sed -n 1p)
is "$(jqr "$p" .query)" "wait=true" "it is posted with ?wait=true"
is "$(jqr "$p" '.headers["content-type"]')" application/json "as JSON"
body=$(jqr "$p" .body)
is "$(jqr "$body" '.content | type')" string "whose content is a string"
content=$(jqr "$body" .content)
like "$(printf '%s\n' "$content" | sed -n 1p)" \
    "^\\*\\*.* hot .* 1 anomaly\\*\\* \\(watch \`$w_chat\`\\)\$" \
    "the first line names the service and the watch"
like "$content" '^• \*\*HIGH\*\* `error_count` — 60 errors in 10m, exceeds threshold of 10$' \
    "a bullet with **HIGH** and \`error_count\`"
is "$(hdr "$p" webhook-signature)" "(none)" "a discord post is not signed"

p=$(posts "$mlog" /discord | jq -c --arg w "$w_many" \
    'select(.body | fromjson | .content | contains($w))' | sed -n 1p)
content=$(jqr "$(jqr "$p" .body)" .content)
like "$(printf '%s\n' "$content" | sed -n 1p)" "many .* 8 anomalies\\*\\* \\(watch \`$w_many\`\\)\$" \
    "eight anomalies are counted in the first line"
chars=$(jqr "$(jqr "$p" .body)" '.content | length')
ok "the message is at most 2000 characters ($chars)" test "$chars" -le 2000
bytes=$(printf '%s' "$content" | wc -c | tr -d ' ')
ok "and at most 2000 bytes ($bytes)" test "$bytes" -le 2000
is "$(printf '%s\n' "$content" | grep -c '^• ')" 5 "five anomalies are shown"
is "$(printf '%s\n' "$content" | tail -n 1)" "*…and 3 more*" \
    "the last line says how many more there are"
like "$content" '…' "descriptions were cut to fit"
like "$content" '\\_\\_' "markdown in descriptions is escaped"

ok "the deleted discord webhook is tried" wait_until 5 has_posts "$mlog" /gone 1
ok "its delivery fails" wait_done "$w_gone" 5
like "$row" "^evt_[0-9a-f]+ +$w_gone +gone +failed +1 +HTTP 404: the Discord webhook is gone " \
    "as failed after one attempt: the webhook is gone"
tinkr notifier list
like "$out" '^NAME +TYPE +TARGET +LAST SUCCESS +LAST FAILURE$' "notifier list has a header"
like "$out" "^gone \\(broken\\) +discord +http://127\\.0\\.0\\.1:$main/<redacted> +never +[0-9]+s ago\$" \
    "notifier list shows the notifier broken"
like "$out" "^chat +discord +http://127\\.0\\.0\\.1:$main/<redacted> +[0-9]+s ago +never\$" \
    "and the working one not"
tinkr --json notifier list
is "$(jqr "$out" '.notifiers[] | select(.name == "gone") | [(.broken|tostring), .last_error] | join(" ")')" \
    "true HTTP 404: the Discord webhook is gone" "--json says why it is broken"
tinkr notifier test gone
is "$rc" 1 "a test through a broken notifier fails"
one_error "$err" "gone.*broken" "and says the notifier is broken"
is "$(nposts "$mlog" /gone)" 1 "without posting to it again"

# --- exec -----------------------------------------------------------------------------------
ok "the exec notifier delivers" wait_done "$w_pager" 5
like "$row" "^evt_[0-9a-f]+ +$w_pager +pager +delivered +1 +exit 0 " \
    "delivered after one attempt, exit 0"
stdin=$(cat exec/stdin 2>/dev/null || true)
ok "the command got JSON on its stdin" json_valid "$stdin"
is "$(jqr "$stdin" 'keys_unsorted | join(",")')" \
    "watch_id,service,anomaly_count,anomalies,status,event_id,resolved" \
    "the webhook payload"
is "$(jqr "$stdin" '[.watch_id, .service, .status, (.anomaly_count|tostring), .anomalies[0].metric, .anomalies[0].severity] | join(" ")')" \
    "$w_pager api firing 1 error_count medium" "of the watch's alert"
evt=$(jqr "$stdin" .event_id)
is "$(cat exec/env 2>/dev/null)" "$evt
$w_pager
api
firing" "TINKR_EVENT_ID, TINKR_WATCH_ID, TINKR_SERVICE and TINKR_STATUS are set"
is "$(cat exec/args 2>/dev/null)" "--to
ops team" "the args are passed as they are, without a shell"
like "$row" "^$evt " "the delivery is that event"

ok "the command that exits 75 first is retried" wait_done "$w_flaky" 6
like "$row" "^evt_[0-9a-f]+ +$w_flaky +flaky +delivered +2 +exit 0 " \
    "and delivered after two attempts"
is "$(cat exec/flaky.count)" 2 "it ran twice"

ok "the command that exits 3 fails" wait_done "$w_nopager" 5
like "$row" "^evt_[0-9a-f]+ +$w_nopager +nopager +failed +1 +exit 3: no pager configured " \
    "after one attempt, with its exit status and the last line of its stderr"
ok "a command that writes several lines to stderr fails" wait_done "$w_chatty" 5
like "$row" "^evt_[0-9a-f]+ +$w_chatty +chatty +failed +1 +exit 4: no pager answered \\? ü " \
    "with the last line of its stderr only (tinkr.toml(5)), a byte that is not UTF-8 as ?"
tinkr --json deliveries --watch "$w_chatty"
is "$(jqr "$out" '.deliveries[0].last_result')" "exit 4: no pager answered ? ü" \
    "and as JSON"
tinkr deliveries --failed
like "$out" "^evt_[0-9a-f]+ +$w_nopager +nopager +failed +1 +exit 3: no pager configured " \
    "deliveries --failed shows it"
lacks "$out" "delivered" "and no delivered one"

# --- retries ------------------------------------------------------------------------------
ok "500, 500, 500, 200: four attempts" wait_until 12 has_posts "$mlog" /retry 4
ok "the delivery is over" wait_done "$w_retry" 3
like "$row" "^evt_[0-9a-f]+ +$w_retry +retry +delivered +4 +HTTP 200 " \
    "deliveries shows it delivered after 4 attempts"
sleep 1
is "$(nposts "$mlog" /retry)" 4 "exactly four POSTs"
is "$(posts "$mlog" /retry | jq -r '.headers["webhook-id"]' | sort -u | wc -l | tr -d ' ')" 1 \
    "all with the same webhook-id"
is "$(posts "$mlog" /retry | jq -r '.body | fromjson | .event_id' | sort -u)" \
    "$(post_of "$mlog" /retry 1 | jq -r '.headers["webhook-id"]')" \
    "and the same event_id, the webhook-id"

ok "503 with Retry-After: 2, then 200" wait_until 8 has_posts "$mlog" /later 2
t1=$(post_of "$mlog" /later 1 | jq -r .t)
t2=$(post_of "$mlog" /later 2 | jq -r .t)
ok "the second attempt waits the 2 s asked ($((t2 - t1)) ms)" \
    test $((t2 - t1)) -ge 2000
ok "and not much more" test $((t2 - t1)) -lt 4000
ok "it is delivered" wait_done "$w_later" 3
like "$row" "^evt_[0-9a-f]+ +$w_later +later +delivered +2 +HTTP 200 " \
    "after 2 attempts"

ok "a 400 fails the delivery" wait_done "$w_bad" 5
like "$row" "^evt_[0-9a-f]+ +$w_bad +bad +failed +1 +HTTP 400 " \
    "after one attempt"
evt_bad=$(printf '%s\n' "$row" | awk '{print $1}')
sleep 1.5
is "$(nposts "$mlog" /bad)" 1 "a 400 is not retried"

# --- deliveries retry ---------------------------------------------------------------------
echo 200 >replies/bad.status
tinkr deliveries retry "$evt_bad"
is "$rc" 0 "deliveries retry of a failed delivery exits 0"
is "$out" "Delivery $evt_bad queued again" "and says it is queued again"
ok "it is sent again" wait_until 5 has_posts "$mlog" /bad 2
p=$(post_of "$mlog" /bad 2)
is "$(hdr "$p" webhook-id)" "$evt_bad" "with the same webhook-id"
is "$(jqr "$(jqr "$p" .body)" .event_id)" "$evt_bad" "and event_id"
ok "and delivered" wait_done "$w_bad" 3
like "$row" "^$evt_bad +$w_bad +bad +delivered +1 +HTTP 200 " \
    "deliveries shows it delivered"
tinkr deliveries --watch "$w_bad"
is "$(printf '%s\n' "$out" | grep -c '^evt_')" 1 "as one delivery, not two"
tinkr deliveries retry "$evt_bad"
is "$rc" 1 "a delivered delivery cannot be retried"
one_error "$err" "$evt_bad is delivered" "and says it was delivered"
tinkr deliveries retry evt_000000000000000000000000
is "$rc" 1 "an unknown event ID exits 1"
one_error "$err" "not found" "and says it is not found"

# --- test notifications -------------------------------------------------------------------
tinkr notifier test signed
is "$rc" 0 "notifier test exits 0"
like "$out" '^Test notification delivered by signed: HTTP 200 in [0-9]+ ms$' \
    "and says it was delivered, with the status and the time"
p=$(post_of "$mlog" /signed 2)
body=$(jqr "$p" .body)
is "$(jqr "$body" '.test')" true "the receiver got \"test\": true"
is "$(jqr "$body" '[.watch_id, .status, .anomalies[0].severity] | join(" ")')" \
    "watch-test firing low" "in a payload like a watch's"
check_signed "$p" "test notification"
tinkr notifier test failing
is "$rc" 1 "a test answered with 500 exits 1"
one_error "$err" "failing.*HTTP 500" "with one error line saying what came back"
is "$(nposts "$mlog" /failing)" 1 "a test notification is not retried"
tinkr notifier list
like "$out" "^signed +webhook +http://127\\.0\\.0\\.1:$main/<redacted> +[0-9]+s ago +never\$" \
    "notifier list shows the last success, and no secret"
lacks "$out" "tk-hook" "no header value is shown"

# --- crash safety: the journal across kill -9 -------------------------------------------------
journal=$TINKR_STATE_DIR/deliveries.jsonl
# newest: the newest record of each notification in the journal, one a
# line (whole lines only: a line being written is left out).
newest() {
	[ -f "$journal" ] || return 0
	head -n "$(wc -l <"$journal")" "$journal" |
	    jq -c -s 'reduce .[] as $r ({}; .[$r.event_id] = $r) | .[]'
}
# pending_of WATCH: the event ID of the watch's pending notification that
# has been attempted.
pending_of() {
	newest | jq -r --arg w "$1" 'select(.watch_id == $w and
	    .state == "pending" and .attempts >= 1) | .event_id' | sed -n 1p
}
has_pending() {
	[ -n "$(pending_of "$1")" ]
}
# journal_valid: every whole line of the journal is one JSON object.
journal_valid() {
	_jv_bad=0
	[ -f "$journal" ] || return 0
	while IFS= read -r _jv_line; do
		json_valid "$_jv_line" || _jv_bad=$((_jv_bad + 1))
	done <<EOJ
$(head -n "$(wc -l <"$journal")" "$journal")
EOJ
	[ "$_jv_bad" = 0 ]
}
tinkr watch start crashsvc --notifier crash --interval 1
is "$rc" 0 "a watch whose receiver is down starts"
w_crash=$(watch_id)
lines logs/crash.jsonl 15 error
ok "the change is written to the journal and attempted" \
    wait_until 8 has_pending "$w_crash"
evt_crash=$(pending_of "$w_crash")
like "$evt_crash" '^evt_[0-9a-f]{24}$' "its record has its event ID"
kill -9 "$fg_pid"
ok "the daemon is killed" wait_gone "$fg_pid"
is "$(pending_of "$w_crash")" "$evt_crash" \
    "the notification is still pending in the journal"
ok "every record of the journal is JSON" journal_valid
ok "tinkrd starts again" start_daemon
like "$(cat "$dlog")" "notifications? in the journal resumed" \
    "and resumes the pending notifications"
start_receiver crash -P "$crash"
is "$port" "$crash" "the receiver comes up on the same port"
ok "the notification arrives" wait_until 10 has_posts "$T_SCRATCH/crash.log" /crash 1
p=$(post_of "$T_SCRATCH/crash.log" /crash 1)
is "$(jqr "$(jqr "$p" .body)" .event_id)" "$evt_crash" \
    "with the event ID the journal had"
is "$(hdr "$p" webhook-id)" "$evt_crash" "as its webhook-id too"
is "$(jqr "$(jqr "$p" .body)" '[.watch_id, .status, .anomalies[0].metric] | join(" ")')" \
    "$w_crash firing error_count" "it is the watch's alert"
none_pending() {
	[ -z "$(newest | jq -r 'select(.state == "pending") | .event_id')" ]
}
ok "nothing is pending in the journal afterwards" wait_until 5 none_pending
sleep 1.5
is "$(nposts "$T_SCRATCH/crash.log" /crash)" 1 \
    "the restarted watch does not notify the same change again"
ok "the delivery is recorded" wait_done "$w_crash" 3
like "$row" "^$evt_crash +$w_crash +crash +delivered " "as delivered"

# --- crash safety: kill -9 three times during a burst ------------------------------------
for b in b1 b2 b3 b4; do
	tinkr watch start "$b" --notifier slow --interval 1
	eval "w_$b=\$(watch_id)"
done
# rnd_sleep: 0.1 to 1.2 s, at random.
rnd_sleep() {
	_rs=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	sleep "$((_rs % 12 / 10)).$((_rs % 10))"
}
# state_valid: every whole line of both journals is one JSON object.
state_valid() {
	journal_valid || return 1
	_sv_bad=0
	_sv_w=$TINKR_STATE_DIR/watches.jsonl
	while IFS= read -r _sv_line; do
		json_valid "$_sv_line" || {
			diag "not JSON in $_sv_w: $_sv_line"
			_sv_bad=$((_sv_bad + 1))
		}
	done <<EOW
$(head -n "$(wc -l <"$_sv_w")" "$_sv_w")
EOW
	[ "$_sv_bad" = 0 ]
}
# seen WANT: every burst watch has seen the anomalies WANT ("metric
# severity,..."), whether or not its notification is delivered yet.
seen() {
	for _se_w in "$w_b1" "$w_b2" "$w_b3" "$w_b4"; do
		tinkr --json watch show "$_se_w"
		[ "$(jqr "$out" '.notified_anomalies | map(.metric + " " +
		    .severity) | sort | join(",")')" = "$1" ] || return 1
	done
}
round=0
for change in medium high latency; do
	round=$((round + 1))
	for b in b1 b2 b3 b4; do
		case $change in
		medium) lines "logs/$b.jsonl" 15 error ;;
		high) lines "logs/$b.jsonl" 40 error ;;
		latency) lines "logs/$b.jsonl" 20 info 3200 ;;
		esac
	done
	rnd_sleep
	kill -9 "$fg_pid"
	ok "kill -9 number $round" wait_gone "$fg_pid"
	ok "every state file is JSON after kill -9 number $round" state_valid
	ok "tinkrd starts again after kill -9 number $round" start_daemon
	unlike "$(cat "$dlog")" "not a watch|not a record|left alone" \
	    "and reads every state file"
	case $change in
	medium) want="error_count medium" ;;
	high) want="error_count high" ;;
	latency) want="error_count high,latency_p99 medium" ;;
	esac
	ok "every burst watch sees the change ($want)" wait_until 8 seen "$want"
done
all_final() {
	none_pending || return 1
	for _af_w in "$w_b1" "$w_b2" "$w_b3" "$w_b4"; do
		posts "$T_SCRATCH/slow.log" /slow | jq -r --arg w "$_af_w" \
		    '.body | fromjson | select(.watch_id == $w) |
		    .anomalies | map(.metric + " " + .severity) | sort | join(",")' |
		    grep -qx 'error_count high,latency_p99 medium' || return 1
	done
}
ok "every watch's last change is delivered and nothing stays pending" \
    wait_until 30 all_final
sleep 1
ok "every state file is JSON" state_valid
ok "every line of the journal is JSON" journal_valid
burst_ids=$(newest | jq -r --arg a "$w_b1" --arg b "$w_b2" --arg c "$w_b3" --arg d "$w_b4" \
    'select(.watch_id == $a or .watch_id == $b or .watch_id == $c or
    .watch_id == $d) | .event_id' | sort -u)
nburst=$(printf '%s\n' "$burst_ids" | grep -c . || true)
ok "the burst made notifications ($nburst)" test "$nburst" -ge 12
received=$(posts "$T_SCRATCH/slow.log" /slow | jq -r '.headers["webhook-id"]' | sort -u)
missing=$(printf '%s\n' "$burst_ids" | grep -vxF "$received" || true)
is "$missing" "" "every notification in the journal reached the receiver"
notdel=$(newest | jq -r --arg a "$w_b1" --arg b "$w_b2" --arg c "$w_b3" --arg d "$w_b4" \
    'select(.watch_id == $a or .watch_id == $b or .watch_id == $c or
    .watch_id == $d) | select(.state != "delivered") | .event_id')
is "$notdel" "" "and every one is recorded as delivered"
mism=$(posts "$T_SCRATCH/slow.log" /slow | jq -r \
    'select(.headers["webhook-id"] != (.body | fromjson | .event_id)) | .path')
is "$mism" "" "each POST's webhook-id is its event_id"
for b in b1 b2 b3 b4; do
	eval "w=\$w_$b"
	per=$(posts "$T_SCRATCH/slow.log" /slow | jq -r --arg w "$w" \
	    '.body | fromjson | select(.watch_id == $w) |
	    (.anomalies | map(.metric + " " + .severity) | sort | join(","))' |
	    uniq | tr '\n' ';')
	is "$per" "error_count medium;error_count high;error_count high,latency_p99 medium;" \
	    "watch of $b: each change arrived, in order"
done
tinkr deliveries --pending
is "$out" "No deliveries." "nothing is pending"

tinkr daemon stop
is "$rc" 0 "the daemon stops"
ok "tinkrd starts cleanly on the state left" start_daemon
unlike "$(cat "$dlog")" "not a watch|not a record|left alone|warning" \
    "without a complaint"
tinkr watch list
is "$(printf '%s\n' "$out" | grep -c '^watch-')" 19 "with every watch"
tinkr deliveries -n 100
is "$(printf '%s\n' "$out" | grep -c "^$evt_bad ")" 1 \
    "the delivery retried by hand is listed once after the restart"
like "$out" "^$evt_bad +$w_bad +bad +delivered " "as delivered"
tinkr deliveries --failed
lacks "$out" "$evt_bad" "and not among the failed ones"
like "$out" "^evt_[0-9a-f]+ +$w_nopager +nopager +failed " \
    "while those that failed still are"
before=$(wc -l <"$T_SCRATCH/slow.log")
sleep 2
is "$(wc -l <"$T_SCRATCH/slow.log")" "$before" "and sends nothing again"

sanitizer_check "delivery"
done_testing
