#!/bin/sh
# daemon.sh -- daemon start, status, stop; tinkrd -n, -f; SIGTERM; a second
# tinkrd on the same socket is refused.
set -eu
. "${TOP_SRCDIR:-.}/tests/e2e/lib.sh"

sock=$TINKR_SOCKET

# --- daemon start, then status ---
tinkr daemon start
is "$rc" 0 "daemon start exits 0"
like "$out" '^tinkrd started \(pid [0-9]+\)' "daemon start says tinkrd started (pid N)"
pid=$(printf '%s\n' "$out" | sed -n 's/^tinkrd started (pid \([0-9]*\)).*/\1/p')
is "$(daemon_pid)" "${pid:-none}" "the pidfile holds the pid daemon start printed"
ok "the started daemon is alive" pid_alive "${pid:-0}"
ok "the socket exists" test -S "$sock"
is "$(count_daemons)" 1 "one tinkrd runs for this socket"

tinkr daemon status
is "$rc" 0 "daemon status exits 0"
like "$out" '^tinkrd is running$' "daemon status says tinkrd is running"
like "$out" "^  PID: +$pid\$" "daemon status shows the PID"
like "$out" '^  Version: +[0-9]+\.[0-9]+\.[0-9]+' "daemon status shows the Version"
contains "$out" "  Socket:    $sock" "daemon status shows the Socket"
like "$out" '^  Profiles: +[^ ]+ \([^)]+\)' "daemon status shows the Profiles"

# --- a second start finds the first ---
tinkr daemon start
is "$rc" 0 "a second daemon start exits 0"
like "$out" "already running \\(pid $pid\\)" "a second daemon start says already running, same pid"
is "$(count_daemons)" 1 "still one tinkrd after a second start"

# --- --json ---
tinkr --json daemon status
is "$rc" 0 "--json daemon status exits 0"
ok "--json daemon status prints valid JSON" json_valid "$out"
is "$(json_get "$out" status)" ok "--json daemon status: status is ok"
is "$(json_get "$out" pid)" "$pid" "--json daemon status: pid matches"
is "$(json_get "$out" socket)" "$sock" "--json daemon status: socket matches"

# --- running tinkrd by hand while one runs ---
run "$TINKRD" -S "$sock"
is "$rc" 1 "a second tinkrd on the same socket exits 1"
contains "$err" "already running" "a second tinkrd says already running"
ok "the first daemon still runs" pid_alive "$pid"
ok "the socket is still there" test -S "$sock"
is "$(daemon_pid)" "$pid" "the pidfile still names the first daemon"
is "$(count_daemons)" 1 "still one tinkrd for this socket"

# --- tinkrd -n checks the configuration and exits ---
mkdir -m 700 conf
cat >conf/good.toml <<'EOF'
# two profiles
[profiles.alpha]
backend = "local"
active = true

[profiles.beta]
backend = "local"
EOF
cat >conf/bad.toml <<'EOF'
[profiles.alpha]
backend = "local"
bakend = "local"
EOF
chmod 600 conf/good.toml conf/bad.toml
cfg=$T_SCRATCH/conf

run "$TINKRD" -n -c "$cfg/good.toml"
is "$rc" 0 "tinkrd -n with a valid config exits 0"
contains "$out" "configuration OK" "tinkrd -n with a valid config says configuration OK"
run "$TINKRD" -n -c "$cfg/bad.toml"
is "$rc" 1 "tinkrd -n with a broken config exits 1"
like "$err" "^tinkrd: $cfg/bad\\.toml:3: " "tinkrd -n names the broken file and line"
is "$(printf '%s\n' "$err" | wc -l | tr -d ' ')" 1 "tinkrd -n prints one error line"
if [ -e /etc/tinkr/tinkr.toml ]; then
	skip "tinkrd -n without a file checks the built-in defaults" "/etc/tinkr/tinkr.toml exists here"
else
	run "$TINKRD" -n
	is "$rc" 0 "tinkrd -n without a config file exits 0"
	contains "$out" "built-in defaults: configuration OK" "tinkrd -n without a file checks the built-in defaults"
fi
is "$(count_daemons)" 1 "tinkrd -n started no daemon"

# --- daemon stop ---
tinkr daemon stop
is "$rc" 0 "daemon stop exits 0"
like "$out" '^tinkrd stopped' "daemon stop says tinkrd stopped"
ok "the daemon process is gone after stop" pid_gone "$pid"
ok "the socket is gone after stop" test ! -e "$sock"
ok "the pidfile is gone after stop" test ! -e "$sock.pid"
is "$(count_daemons)" 0 "no tinkrd runs for this socket"

tinkr daemon stop
is "$rc" 0 "daemon stop with nothing running exits 0"
is "$out" "tinkrd is not running" "daemon stop with nothing running says so"

tinkr daemon status
is "$rc" 3 "daemon status after stop exits 3"

# --- SIGTERM stops the daemon cleanly too ---
tinkr daemon start
is "$rc" 0 "daemon start again exits 0"
pid=$(daemon_pid)
isnt "$pid" "" "the new daemon wrote its pidfile"
kill -TERM "${pid:-0}" 2>/dev/null || true
ok "SIGTERM stops the daemon" wait_gone "${pid:-0}"
ok "SIGTERM removes the socket" test ! -e "$sock"
ok "SIGTERM removes the pidfile" test ! -e "$sock.pid"

# --- tinkrd -f runs in the foreground and logs to stderr ---
if start_foreground "$T_SCRATCH/fg.log"; then
	pass "tinkrd -f starts in the foreground"
else
	fail "tinkrd -f starts in the foreground"
	diag_file "its log" "$T_SCRATCH/fg.log"
fi
log=$(cat "$T_SCRATCH/fg.log")
like "$log" '^tinkrd: started \(pid [0-9]+\)' "tinkrd -f logs started to stderr"
contains "$log" "(pid $fg_pid)" "the log names the foreground pid"
tinkr daemon status
is "$rc" 0 "daemon status reaches the foreground daemon"
like "$out" "^  PID: +$fg_pid\$" "daemon status shows the foreground daemon's pid"
kill -TERM "$fg_pid"
st=0
wait "$fg_pid" || st=$?
is "$st" 0 "tinkrd -f exits 0 on SIGTERM"
log=$(cat "$T_SCRATCH/fg.log")
like "$log" '^tinkrd: SIGTERM: stopping$' "tinkrd -f logs SIGTERM"
like "$log" '^tinkrd: stopped$' "tinkrd -f logs stopped"
ok "the foreground daemon removed its socket" test ! -e "$sock"
ok "the foreground daemon removed its pidfile" test ! -e "$sock.pid"
sanitizer_check "tinkrd -f" "$T_SCRATCH/fg.log"

done_testing
