#!/bin/sh
# watch.sh -- watches end to end: starting, listing, showing, stopping,
# resuming and deleting them; what a watch start refuses; the notifications
# a watch sends as a service's anomalies change, through restarts and a
# crash of the daemon; and the tinkr_source_error of a service that cannot
# be read. Recording receivers play the webhooks.
set -eu
. "${TOP_SRCDIR:-.}/tests/e2e/lib.sh"

if [ -z "$T_JQ" ]; then
	skip "watches end to end" "jq is not installed"
	done_testing
fi

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

# body_of LOG PATH N: the body of the Nth request to PATH.
body_of() {
	posts "$1" "$2" | sed -n "${3}p" | jq -r '.body'
}

# header_of LOG PATH N NAME: a header of the Nth request to PATH.
header_of() {
	posts "$1" "$2" | sed -n "${3}p" | jq -r --arg h "$4" \
	    '.headers[$h] // "(none)"'
}

# jqr JSON FILTER: a jq filter over a text, "(invalid JSON)" when it is not.
jqr() {
	printf '%s\n' "$1" | jq -r "$2" 2>/dev/null || echo "(invalid JSON)"
}

# checks_of ID: the number of checks the watch made, in $checks (-1 when
# it cannot be shown).
checks_of() {
	tinkr --json watch show "$1"
	checks=$(jqr "$out" '.checks // -1')
	case $checks in *[!0-9-]*|'') checks=-1 ;; esac
}

# checks_reach ID N [SECONDS]: wait until the watch has made N checks in
# all, at most SECONDS (N + 3 by default) at an interval of 1 s.
checks_reach() {
	_cr_end=$(($(date +%s) + ${3:-$(($2 + 3))}))
	checks_of "$1"
	while [ "$checks" -lt "$2" ] && [ "$(date +%s)" -le "$_cr_end" ]; do
		sleep 0.2
		checks_of "$1"
	done
	[ "$checks" -ge "$2" ]
}

# more_checks ID N: wait until the watch has made N checks more than now.
more_checks() {
	checks_of "$1"
	[ "$checks" -ge 0 ] || return 1
	checks_reach "$1" $((checks + $2)) $(($2 + 3))
}

# lines FILE N LEVEL MESSAGE: append N JSON lines stamped now, with one
# write, so that a check never sees only some of them.
lines() {
	_ln_now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	_ln_n=$2
	while [ "$_ln_n" -gt 0 ]; do
		printf '{"ts": "%s", "level": "%s", "msg": "%s"}\n' \
		    "$_ln_now" "$3" "$4"
		_ln_n=$((_ln_n - 1))
	done >"$T_SCRATCH/.lines"
	cat "$T_SCRATCH/.lines" >>"$1"
}

start_receiver hook
hook=$port
start_receiver fail -s 500
fail=$port
rlog=$T_SCRATCH/hook.log

mkdir -m 700 conf logs
cfg=$T_SCRATCH/conf/tinkr.toml
export TINKR_CONFIG="$cfg"
pay=$T_SCRATCH/logs/payments-api.jsonl
checkout=$T_SCRATCH/logs/checkout.jsonl
lines "$pay" 20 info "charge ok"
lines "$checkout" 5 info "cart ok"
lines "$checkout" 15 error "cart lost"

# config PAYMENTS-FORMAT: write the configuration.
config() {
	cat >"$cfg" <<EOC
[profiles.demo]
backend = "local"
active = true

[profiles.demo.services.payments-api]
logs = "$pay"
format = "$1"

[profiles.demo.services.checkout]
logs = "$checkout"
format = "json"

[profiles.demo.services.ledger]
logs = "$T_SCRATCH/logs/ledger/*.jsonl"
format = "json"

[profiles.demo.notifiers.hook]
type = "webhook"
url = "http://127.0.0.1:$hook/hook"

[profiles.demo.notifiers.seq]
type = "webhook"
url = "http://127.0.0.1:$hook/seq"

[profiles.demo.notifiers.blind]
type = "webhook"
url = "http://127.0.0.1:$hook/blind"

[profiles.demo.notifiers.stuck]
type = "webhook"
url = "http://127.0.0.1:$fail/stuck"

[profiles.demo.notifiers.chat]
type = "discord"
webhook_url = "http://127.0.0.1:$hook/discord"

[profiles.solo]
backend = "local"

[profiles.solo.services.checkout]
logs = "$checkout"

[profiles.solo.notifiers.other]
type = "webhook"
url = "http://127.0.0.1:$hook/solo-other"

[profiles.solo.notifiers.default]
type = "webhook"
url = "http://127.0.0.1:$hook/solo-default"

[profiles.mute]
backend = "local"

[profiles.mute.services.checkout]
logs = "$checkout"
EOC
	chmod 600 "$cfg"
}
config json

# --- start, already running, list, show, stop, resume -------------------------
tinkr watch start checkout --notifier hook --interval 300
is "$rc" 0 "watch start exits 0"
like "$out" '^Watch started$' "it prints 'Watch started'"
like "$out" '^  ID: +watch-[0-9a-f]{8}$' "with an ID watch-XXXXXXXX"
id=$(printf '%s\n' "$out" | sed -n 's/^  ID: *//p')
like "$out" '^  Service: +checkout$' "the service"
like "$out" '^  Interval: +300s$' "the interval"
like "$out" '^  Notifier: +hook$' "and the notifier"

# The first check runs at once, not an interval later.
ok "the first check runs at once: a notification within 4 s, not 300" \
    wait_until 4 has_posts "$rlog" /hook 1
body=$(body_of "$rlog" /hook 1)
is "$(jqr "$body" '.watch_id')" "$id" "the notification is the watch's"

tinkr --json watch start checkout --notifier hook --interval 300
is "$rc" 0 "watch start --json of a running watch exits 0"
ok "watch start --json prints a JSON object" json_valid "$out"
is "$(jqr "$out" '.watch_id')" "$id" "the same watch is answered"
is "$(jqr "$out" '.outcome')" existing "its outcome is existing"
is "$(jqr "$out" '[.service, .profile, .notifier, .notifier_type, .status,
    (.interval_seconds|tostring), .window, (.warning|tostring),
    (.destination|tostring)] | join(" ")')" \
    "checkout demo hook webhook running 300 10m null null" \
    "the watch object has its service, profile, notifier, status, interval and window"
like "$(jqr "$out" '.started_at')" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' \
    "started_at is an ISO time"

tinkr watch start checkout --notifier hook --interval 300
is "$rc" 0 "starting the same watch again exits 0"
like "$out" '^Watch already running$' "and says 'Watch already running'"
like "$out" "^  ID: +$id\$" "with the same ID"

tinkr watch list
is "$rc" 0 "watch list exits 0"
like "$out" '^WATCH ID +SERVICE +INTERVAL +STATUS +NOTIFIER +LAST CHECK$' \
    "watch list has a header"
like "$out" "^$id +checkout +300s +running +hook +[0-9]+s ago\$" \
    "and a row for the watch"
is "$(printf '%s\n' "$out" | grep -c '^watch-')" 1 "one watch is listed"

tinkr watch show "$id"
is "$rc" 0 "watch show exits 0"
like "$out" "^ID: +$id\$" "watch show: ID"
like "$out" '^Service: +checkout$' "watch show: service"
like "$out" '^Profile: +demo$' "watch show: profile"
like "$out" '^Notifier: +hook \(webhook\)$' "watch show: notifier and its type"
like "$out" '^Interval: +300s$' "watch show: interval"
like "$out" '^Window: +10m$' "watch show: window"
like "$out" '^Status: +running$' "watch show: status"
like "$out" '^Last check: +[0-9T:-]+Z \([0-9]+s ago\)$' "watch show: last check"
like "$out" '^Next check: +[0-9T:-]+Z$' "watch show: next check"
like "$out" '^Last error: +-$' "watch show: no error"
like "$out" '^Failures: +0$' "watch show: no failures"
like "$out" '^Checks: +1$' "watch show: one check in the interval of 300 s"
like "$out" '^Notifications: +1$' "watch show: one notification"
like "$out" '^Anomalies notified last \(1\):$' "watch show: the anomalies notified"
like "$out" '^  MEDIUM +error_count +15 errors in 10m, exceeds threshold of 10$' \
    "as anomaly prints them"
like "$out" '^Pending deliveries: 0$' "watch show: nothing pending"
# wlast ID: the newest whole line of a watch in the watches' journal.
wlast() {
	_wj=$TINKR_STATE_DIR/watches.jsonl
	head -n "$(wc -l <"$_wj")" "$_wj" |
	    jq -c --arg w "$1" 'select(.watch_id == $w)' | tail -n 1
}
is "$(jqr "$(wlast "$id")" '"\(.service) \(.running)"')" \
    "checkout true" "the watches' journal has it, running"

tinkr watch stop "$id"
is "$rc" 0 "watch stop exits 0"
is "$out" "Watch $id stopped" "and says so"
tinkr watch list
like "$out" "^$id +checkout +300s +stopped +hook " "a stopped watch is listed as stopped"
tinkr watch show "$id"
like "$out" '^Next check: +-$' "a stopped watch has no next check"

tinkr watch start checkout --notifier hook --interval 300
is "$rc" 0 "starting a stopped watch exits 0"
like "$out" '^Watch resumed$' "and says 'Watch resumed'"
like "$out" "^  ID: +$id\$" "with the same ID"
ok "the resumed watch checks at once" checks_reach "$id" 2 3
sleep 0.5
is "$(nposts "$rlog" /hook)" 1 "an unchanged set is not notified again on resume"

tinkr watch show nosuch
is "$rc" 1 "watch show of an unknown ID exits 1"
one_error "$err" "Watch 'nosuch' not found" "and says so"

# --- delete: the watch goes, with its pending deliveries ------------------------
tinkr watch start checkout --notifier stuck --interval 30
is "$rc" 0 "a watch whose receiver answers 500 starts"
sid=$(printf '%s\n' "$out" | sed -n 's/^  ID: *//p')
ok "its notification is attempted" \
    wait_until 5 has_posts "$T_SCRATCH/fail.log" /stuck 1
# show_has ID REGEX: watch show prints a line matching REGEX.
show_has() {
	tinkr watch show "$1"
	printf '%s\n' "$out" | grep -Eq -- "$2"
}
wait_until 3 show_has "$sid" 'last HTTP 500$' || true
tinkr watch show "$sid"
like "$out" '^Pending deliveries: 1$' "and stays pending"
like "$out" '^  evt_[0-9a-f]{24} +attempts [0-9]+ +next .* +last HTTP 500$' \
    "with its attempts and last result"
evt=$(printf '%s\n' "$out" | sed -n 's/^  \(evt_[0-9a-f]*\) .*/\1/p')
# last_state EVENT: the state the newest journal record of EVENT gives.
last_state() {
	head -n "$(wc -l <"$TINKR_STATE_DIR/deliveries.jsonl")" \
	    "$TINKR_STATE_DIR/deliveries.jsonl" |
	    jq -r --arg e "$1" 'select(.event_id == $e) | .state' | tail -n 1
}
is "$(last_state "$evt")" pending "it is pending in the journal"
tinkr watch delete "$sid"
is "$rc" 0 "watch delete exits 0"
is "$out" "Watch $sid deleted
  1 pending delivery cancelled" "and says it cancelled the pending delivery"
tinkr watch list
lacks "$out" "$sid" "a deleted watch is no longer listed"
contains "$out" "$id" "the other watch still is"
is "$(jqr "$(wlast "$sid")" .deleted)" true \
    "the watches' journal says it is deleted"
is "$(last_state "$evt")" cancelled \
    "the journal's last record of its notification says cancelled"
tinkr deliveries
like "$out" "^$evt +$sid +stuck +cancelled " \
    "tinkr deliveries shows the delivery cancelled"
tinkr deliveries --pending
lacks "$out" "$evt" "and no longer pending"
tinkr watch show "$sid"
is "$rc" 1 "watch show of a deleted watch exits 1"
n=$(nposts "$T_SCRATCH/fail.log" /stuck)
sleep 2.5
is "$(nposts "$T_SCRATCH/fail.log" /stuck)" "$n" "a cancelled delivery is not tried again"
tinkr watch delete "$sid"
is "$rc" 1 "deleting it again exits 1"
one_error "$err" "Watch '$sid' not found" "and says it is not found"

# --- what watch start refuses -------------------------------------------------------
for bad in 0 86401 abc; do
	tinkr watch start checkout --notifier hook --interval "$bad"
	is "$rc" 2 "--interval $bad is a usage error"
	like "$err" "^tinkr: --interval $bad: expected a number of seconds from 1 to 86400" \
	    "and says what an interval is ($bad)"
done
tinkr watch start
is "$rc" 2 "watch start without a service is a usage error"

tinkr watch start nosuch --notifier hook
is "$rc" 1 "an unknown service exits 1"
one_error "$err" "^tinkr: Service 'nosuch' not found in profile 'demo'$" \
    "and says so as anomaly does"

tinkr watch start checkout --notifier nope
is "$rc" 1 "an unknown notifier exits 1"
one_error "$err" "notifier 'nope' not found in profile 'demo' \(notifiers: hook, seq, blind, stuck, chat\)" \
    "and lists the profile's notifiers"

tinkr watch start checkout
is "$rc" 1 "no notifier named with several in the profile exits 1"
one_error "$err" "several notifiers.*--notifier.*\(notifiers: hook, seq, blind, stuck, chat\)" \
    "and lists them"

tinkr -p mute watch start checkout
is "$rc" 1 "a profile without notifiers exits 1"
one_error "$err" "profile 'mute' has no notifiers" "and says so"

tinkr -p solo watch start checkout --interval 30
is "$rc" 0 "a profile with a notifier named default starts a watch"
like "$out" '^  Notifier: +default$' "through the notifier named default"
did=$(printf '%s\n' "$out" | sed -n 's/^  ID: *//p')
ok "and notifies it" wait_until 4 has_posts "$rlog" /solo-default 1
is "$(nposts "$rlog" /solo-other)" 0 "not the other one"
tinkr watch delete "$did"
is "$rc" 0 "a watch with nothing pending is deleted"
is "$out" "Watch $did deleted" "with no line about cancelled deliveries"
is "$(jqr "$(wlast "$did")" .deleted)" true \
    "the watches' journal says so"

tinkr watch start checkout --notifier chat --destination "http://127.0.0.1:$hook/elsewhere"
is "$rc" 1 "a discord notifier with a destination exits 1"
one_error "$err" "^tinkr: discord notifiers take no destination: the channel is fixed in the webhook URL$" \
    "and says the channel is fixed in the webhook URL"
tinkr watch start checkout --notifier hook --destination "ftp://127.0.0.1/x"
is "$rc" 1 "a destination that is not http(s) exits 1"
one_error "$err" "destination must be an http:// or https:// URL" "and says so"
tinkr watch list
is "$(printf '%s\n' "$out" | grep -c '^watch-')" 1 "no refused start left a watch"

# --- the change sequence --------------------------------------------------------
slog=$rlog
tinkr watch start payments-api --notifier seq --interval 1
is "$rc" 0 "a watch with an interval of 1 s starts"
wid=$(printf '%s\n' "$out" | sed -n 's/^  ID: *//p')
ok "it checks every second" more_checks "$wid" 2
is "$(nposts "$slog" /seq)" 0 "a quiet first check (no anomalies) sends nothing"
tinkr watch show "$wid"
like "$out" '^Anomalies notified last: none$' "and the watch has notified nothing"
like "$out" '^Notifications: +0$' "no notification was made"

lines "$pay" 15 error "card declined"
ok "15 errors: a notification" wait_until 5 has_posts "$slog" /seq 1
post=$(posts "$slog" /seq | sed -n 1p)
body=$(printf '%s\n' "$post" | jq -r .body)
ok "the body is a JSON object" json_valid "$body"
is "$(jqr "$post" '.method')" POST "it is a POST"
is "$(jqr "$post" '.headers["content-type"]')" application/json "of JSON"
is "$(jqr "$body" 'keys_unsorted | join(",")')" \
    "watch_id,service,anomaly_count,anomalies,status,event_id,resolved" \
    "the payload has the reference members, in order"
is "$(jqr "$body" '.watch_id')" "$wid" "watch_id is the watch's"
is "$(jqr "$body" '.service')" payments-api "service is the service"
contains "$body" '"anomaly_count":1,' "anomaly_count is the integer 1"
is "$(jqr "$body" '.status')" firing "status is firing"
like "$(jqr "$body" '.event_id')" '^evt_[0-9a-f]{24}$' "event_id is an event ID"
is "$(jqr "$body" '.event_id')" "$(jqr "$post" '.headers["webhook-id"]')" \
    "event_id is the webhook-id header"
is "$(jqr "$body" '.resolved | tojson')" "[]" "resolved is empty"
is "$(jqr "$body" '.anomalies | length')" 1 "one anomaly"
is "$(jqr "$body" '.anomalies[0] | keys_unsorted | join(",")')" \
    "service,metric,description,severity,detected_at,current_value,threshold" \
    "the anomaly has the reference members"
is "$(jqr "$body" '.anomalies[0] | [.service, .metric, .severity] | join(" ")')" \
    "payments-api error_count medium" "a medium error_count anomaly of the service"
is "$(jqr "$body" '.anomalies[0].description')" \
    "15 errors in 10m, exceeds threshold of 10" "described as anomaly does"
like "$(jqr "$body" '.anomalies[0].detected_at')" \
    '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' "detected_at is an ISO time"
contains "$body" '"current_value":15.0' "current_value is a JSON real"
contains "$body" '"threshold":10.0' "threshold is a JSON real"
is "$(jqr "$body" '[.anomalies[0][] | type] | join(",")')" \
    "string,string,string,string,string,number,number" "the types are the reference's"
evt1=$(jqr "$body" '.event_id')

lines "$pay" 10 error "card declined"
ok "more errors: the watch checks on" more_checks "$wid" 3
tinkr watch show "$wid"
like "$out" '^  MEDIUM +error_count +15 errors in 10m' \
    "watch show keeps the set as it was notified, not the newer count"
is "$(nposts "$slog" /seq)" 1 "more errors at the same severity send nothing"

lines "$pay" 30 error "card declined"
ok "55 errors: a notification" wait_until 5 has_posts "$slog" /seq 2
body=$(body_of "$slog" /seq 2)
is "$(jqr "$body" '.anomalies | map(.metric + " " + .severity) | join(",")')" \
    "error_count high" "the anomaly is now high"
is "$(jqr "$body" '[.status, (.anomaly_count|tostring), (.resolved|tojson)] | join(" ")')" \
    "firing 1 []" "still firing, nothing resolved"
contains "$body" '"current_value":55.0' "with the new count"
isnt "$(jqr "$body" '.event_id')" "$evt1" "a new event ID"

# Truncation keeps what was counted (tinkr.toml(5)); a reload that changes
# the service's format starts its counts over, and the errors are gone.
: >"$pay"
ok "after a truncation the watch checks on" more_checks "$wid" 3
is "$(nposts "$slog" /seq)" 2 "a truncation alone keeps the errors counted: nothing sent"
config auto
tinkr daemon reload
is "$rc" 0 "the daemon reloads a configuration that changes the service's format"
ok "the errors gone: a notification" wait_until 6 has_posts "$slog" /seq 3
body=$(body_of "$slog" /seq 3)
is "$(jqr "$body" '.status')" resolved "status is resolved"
contains "$body" '"anomaly_count":0,' "anomaly_count is 0"
is "$(jqr "$body" '.anomalies | tojson')" "[]" "anomalies is empty"
is "$(jqr "$body" '.resolved | map(.metric + " " + .severity + " " + .service) | join(",")')" \
    "error_count high payments-api" "resolved holds the error_count anomaly"
is "$(jqr "$body" '.resolved[0] | keys_unsorted | join(",")')" \
    "service,metric,description,severity,detected_at,current_value,threshold" \
    "as a whole anomaly"
is "$(jqr "$body" '.watch_id')" "$wid" "of the watch"
ok "the watch checks on" more_checks "$wid" 2
is "$(nposts "$slog" /seq)" 3 "nothing more is sent while it stays quiet"
tinkr watch show "$wid"
like "$out" '^Notifications: +3$' "the watch counts three notifications"
like "$out" '^Anomalies notified last: none$' "and has nothing firing"

# --- a source that keeps failing: tinkr_source_error -----------------------------
tinkr watch start ledger --notifier blind --interval 1
is "$rc" 0 "a watch of a service whose logs match nothing starts"
bid=$(printf '%s\n' "$out" | sed -n 's/^  ID: *//p')
ok "it checks" more_checks "$bid" 1
tinkr watch list
like "$out" "^$bid +ledger +1s +failing +blind " "a failing watch is listed as failing"
tinkr watch show "$bid"
like "$out" '^Status: +failing$' "watch show says failing"
like "$out" "^Last error: +.*no log files match $T_SCRATCH/logs/ledger/\\*\\.jsonl" \
    "and shows the last error"
like "$out" '^Failures: +[1-9]' "and counts the failures"
ok "after three failures a notification" wait_until 6 has_posts "$rlog" /blind 1
tinkr --json watch show "$bid"
ok "it was sent after three failed checks or more" \
    test "$(jqr "$out" '.checks')" -ge 3
body=$(body_of "$rlog" /blind 1)
is "$(jqr "$body" '[.status, (.anomaly_count|tostring)] | join(" ")')" "firing 1" \
    "a firing notification with one anomaly"
is "$(jqr "$body" '.anomalies[0] | [.service, .metric, .severity] | join(" ")')" \
    "ledger tinkr_source_error high" "a high tinkr_source_error of the service"
like "$(jqr "$body" '.anomalies[0].description')" \
    "3 checks in a row failed: .*no log files match" "saying why the checks fail"
ok "more failures" more_checks "$bid" 2
is "$(nposts "$rlog" /blind)" 1 "further failures send nothing more"

mkdir "$T_SCRATCH/logs/ledger"
lines "$T_SCRATCH/logs/ledger/ledger.jsonl" 3 info "posted"
ok "the log file appears: a notification" wait_until 5 has_posts "$rlog" /blind 2
body=$(body_of "$rlog" /blind 2)
is "$(jqr "$body" '[.status, (.anomaly_count|tostring), (.anomalies|tojson)] | join(" ")')" \
    "resolved 0 []" "the source error is resolved"
is "$(jqr "$body" '.resolved | map(.metric) | join(",")')" tinkr_source_error \
    "resolved holds the tinkr_source_error"
tinkr watch list
like "$out" "^$bid +ledger +1s +running +blind " "the watch runs again"
tinkr watch show "$bid"
like "$out" '^Last error: +-$' "with no last error"

# --- restarts: the watches survive, and an unchanged set is not sent again ------
lines "$pay" 15 error "card declined"
ok "errors again after the reload: a notification" \
    wait_until 5 has_posts "$slog" /seq 4
body=$(body_of "$slog" /seq 4)
is "$(jqr "$body" '[.status, (.anomalies | map(.metric + " " + .severity) | join(",")), (.resolved|tojson)] | join(" ")')" \
    "firing error_count medium []" "firing a medium error_count"
checks_of "$id"
hooks=$checks

tinkr daemon stop
is "$rc" 0 "the daemon stops"
tinkr watch list
is "$rc" 0 "watch list starts the daemon again"
like "$out" "^$wid +payments-api +1s +running +seq " "the watch survived the restart"
like "$out" "^$id +checkout +300s +running +hook " "so did the one checking every 300 s"
like "$out" "^$bid +ledger +1s +running +blind " "and the one that had failed"
ok "it checks again after the restart" more_checks "$wid" 3
tinkr --json watch show "$id"
is "$(jqr "$out" '[.checks, .notifications, .anomaly_count] | map(tostring) | join(" ")')" \
    "$hooks 1 1" "the watch of every 300 s kept its checks, notification and anomaly"
gap=$(jqr "$out" '((.next_run_at | fromdate) - (.last_run_at | fromdate)) | tostring')
ok "and its cadence: the next check is due an interval after the last ($gap s)" \
    test "$gap" -ge 298 -a "$gap" -le 302
is "$(nposts "$slog" /seq)" 4 "an unchanged set is not sent again after a restart"
is "$(nposts "$rlog" /hook)" 1 "nor that of the other watch"
is "$(nposts "$rlog" /blind)" 2 "nor a resolved source error"
tinkr watch show "$wid"
like "$out" '^Notifications: +4$' "the watch kept its count of notifications"
like "$out" '^  MEDIUM +error_count +15 errors in 10m' \
    "and the anomalies it notified last"

pid=$(daemon_pid)
kill -9 "$pid"
ok "the daemon is killed" wait_gone "$pid"
tinkr watch list
like "$out" "^$wid +payments-api +1s +running +seq " "the watch survived kill -9"
isnt "$(daemon_pid)" "$pid" "a new daemon runs"
ok "it checks again after kill -9" more_checks "$wid" 3
is "$(nposts "$slog" /seq)" 4 "an unchanged set is not sent again after kill -9"
is "$(nposts "$rlog" /hook)" 1 "nor that of the other watch"
wj=$TINKR_STATE_DIR/watches.jsonl
nbad=0
while IFS= read -r line; do
	json_valid "$line" || nbad=$((nbad + 1))
done <<EOW
$(head -n "$(wc -l <"$wj")" "$wj")
EOW
is "$nbad" 0 "every whole line of the watches' journal is JSON"
tinkr daemon stop
start_foreground "$T_SCRATCH/tinkrd.log"
tinkr watch list
is "$(printf '%s\n' "$out" | grep -c '^watch-')" 3 "a daemon in the foreground finds the three watches"
lacks "$(cat "$T_SCRATCH/tinkrd.log")" "not a watch" "and no state file it cannot read"
ok "the watch checks on" more_checks "$wid" 2
is "$(nposts "$slog" /seq)" 4 "and sends nothing"

# --- a state directory left by an older tinkr: a file a watch, an outbox ---
tinkr daemon stop
old=$T_SCRATCH/oldstate
mkdir -m 700 "$old" "$old/watches" "$old/outbox"
now=$(date +%s)
cat >"$old/watches/watch-0000abcd.json" <<EOF
{"version":1,"watch_id":"watch-0000abcd","service":"checkout","profile":"demo","notifier":"hook","destination":null,"interval_seconds":3600,"window_seconds":600,"running":false,"started_at":$now,"last_run_at":0,"last_error":null,"consecutive_failures":0,"checks":0,"notifications":2,"notified":[]}
EOF
payload='{"watch_id":"watch-0000abcd","service":"checkout","anomaly_count":0,"anomalies":[],"status":"resolved","event_id":"EVT","resolved":[]}'
record() {	# record SEQ EVENT STATE
	printf '{"version":1,"event_id":"%s","seq":%s,"watch_id":"watch-0000abcd","service":"checkout","profile":"demo","notifier":"hook","destination":"http://127.0.0.1:%s/migrated","state":"%s","attempts":0,"created_at":%s,"updated_at":%s,"next_at":0,"last_result":null,"payload":%s}\n' \
	    "$2" "$1" "$hook" "$3" "$now" "$now" "$(printf '%s' "$payload" | sed "s/EVT/$2/")"
}
record 1 evt_0000000000000000000abc01 delivered >"$old/history.jsonl"
record 2 evt_0000000000000000000abc02 pending \
    >"$old/outbox/0000000000000002-evt_0000000000000000000abc02.json"
TINKR_STATE_DIR=$old
export TINKR_STATE_DIR
tinkr daemon start
is "$rc" 0 "tinkrd starts on a state directory of an older tinkr"
tinkr watch list
like "$out" '^watch-0000abcd +checkout +3600s +stopped ' "its watch is there"
ok "its pending notification is delivered" \
    wait_until 10 has_posts "$rlog" /migrated 1
is "$(posts "$rlog" /migrated | tail -n 1 | jq -r '.headers["webhook-id"]')" \
    evt_0000000000000000000abc02 "with its event ID"
tinkr deliveries
like "$out" '^evt_0000000000000000000abc01 +watch-0000abcd +hook +delivered ' \
    "its history is listed"
ok "the old files are gone" test ! -e "$old/watches" -a ! -e "$old/outbox" \
    -a ! -e "$old/history.jsonl"
ok "into the two journals" test -s "$old/watches.jsonl" -a \
    -s "$old/deliveries.jsonl"
tinkr daemon stop
tinkr daemon start
tinkr watch list
like "$out" '^watch-0000abcd +checkout +3600s +stopped ' \
    "the watch is still there after a restart"
is "$(nposts "$rlog" /migrated)" 1 "and nothing is sent again"

# --- a journal past its size is cut, the watches written first -------------
tinkr daemon stop
awk -v now="$now" -v port="$hook" 'BEGIN {
	for (i = 1; i <= 5000; i++)
		printf "{\"version\":1,\"event_id\":\"evt_%024d\",\"seq\":%d,\"watch_id\":\"watch-0000abcd\",\"service\":\"checkout\",\"profile\":\"demo\",\"notifier\":\"hook\",\"destination\":\"http://127.0.0.1:%s/migrated\",\"state\":\"delivered\",\"attempts\":1,\"created_at\":%d,\"updated_at\":%d,\"next_at\":0,\"last_result\":\"HTTP 200\",\"payload\":{\"watch_id\":\"watch-0000abcd\",\"service\":\"checkout\",\"anomaly_count\":0,\"anomalies\":[],\"status\":\"resolved\",\"event_id\":\"evt_%024d\",\"resolved\":[],\"padding\":\"%0800d\"}}\n", i, 100 + i, port, now, now, i, 0
}' >>"$old/deliveries.jsonl"
before=$(wc -c <"$old/deliveries.jsonl")
ok "the journal is past 4 MiB ($before bytes)" test "$before" -gt 4194304
tinkr daemon start
is "$rc" 0 "tinkrd starts on it"
cut_small() {
	[ "$(wc -c <"$old/deliveries.jsonl")" -lt 2097152 ]
}
ok "and cuts it" wait_until 5 cut_small
is "$(wc -l <"$old/deliveries.jsonl" | tr -d ' ')" 1000 \
    "to the last 1000 finished notifications"
tinkr deliveries -n 1
like "$out" '^evt_000000000000000000005000 +watch-0000abcd +hook +delivered ' \
    "the newest is still listed"
tinkr watch list
like "$out" '^watch-0000abcd +checkout +3600s +stopped ' "the watch is kept"
tinkr daemon stop
tinkr daemon start
tinkr watch list
like "$out" '^watch-0000abcd +checkout +3600s +stopped ' \
    "and still after a restart"
is "$(nposts "$rlog" /migrated)" 1 "nothing is sent again"

sanitizer_check "watches"
done_testing
