#!/bin/sh
# socket.sh -- the control socket: stale sockets, unsafe directories,
# HTTP on the socket, and peers with another uid.
set -eu
. "${TOP_SRCDIR:-.}/tests/e2e/lib.sh"

sock=$TINKR_SOCKET

# --- a socket left by a killed daemon is cleaned up by the next start ---
tinkr daemon start
is "$rc" 0 "daemon start exits 0"
pid1=$(daemon_pid)
isnt "$pid1" "" "the first daemon wrote its pidfile"
kill -KILL "${pid1:-0}" 2>/dev/null || true
ok "kill -9 stops the first daemon" wait_gone "${pid1:-0}"
ok "the killed daemon left its socket behind" test -S "$sock"

tinkr daemon status
is "$rc" 3 "daemon status on a stale socket exits 3"
contains "$err" "no daemon running" "daemon status on a stale socket says no daemon runs"

tinkr daemon start
is "$rc" 0 "daemon start over a stale socket exits 0"
like "$out" '^tinkrd started \(pid [0-9]+\)' "daemon start over a stale socket starts a daemon"
pid2=$(daemon_pid)
isnt "$pid2" "$pid1" "the new daemon has a new pid"
ok "the new daemon is alive" pid_alive "${pid2:-0}"
tinkr daemon status
is "$rc" 0 "the new daemon answers on the old path"
like "$out" "^  PID: +$pid2\$" "daemon status shows the new daemon"

# --- a second daemon is refused while one answers ---
run "$TINKRD" -S "$sock"
is "$rc" 1 "a second tinkrd exits 1"
contains "$err" "already running" "a second tinkrd says already running"
ok "the running daemon survives the attempt" pid_alive "${pid2:-0}"
is "$(count_daemons)" 1 "one tinkrd runs for this socket"

# --- HTTP on the socket, as curl sees it ---
if command -v curl >/dev/null 2>&1; then
	# http_call METHOD PATH [CURL-ARGS...]: $rc, $out (body + status line)
	http_call() {
		_hc_m=$1
		_hc_p=$2
		shift 2
		run curl -sS --max-time 10 -D "$T_SCRATCH/headers" \
		    -w '\nHTTP %{http_code}\n' -X "$_hc_m" \
		    --unix-socket "$sock" "$@" "http://localhost$_hc_p"
		code=$(printf '%s\n' "$out" | sed -n 's/^HTTP \([0-9]*\)$/\1/p')
		body=$(printf '%s\n' "$out" | sed '$d')
		headers=$(tr -d '\r' <"$T_SCRATCH/headers")
	}
	http_call GET /health
	is "$rc" 0 "curl GET /health exits 0"
	is "$code" 200 "GET /health answers 200"
	like "$headers" '^[Cc]ontent-[Tt]ype: application/json' "GET /health is application/json"
	ok "GET /health returns a JSON object" json_valid "$body"
	is "$(json_get "$body" status)" ok "GET /health: status is ok"
	is "$(json_get "$body" pid)" "$pid2" "GET /health: pid is the daemon's"

	http_call GET /no/such/route
	is "$code" 404 "an unknown route answers 404"
	ok "the 404 body is JSON" json_valid "$body"
	like "$(json_get "$body" detail)" '.' "the 404 body has a detail"

	http_call DELETE /health
	is "$code" 405 "a wrong method answers 405"
	like "$(json_get "$body" detail)" 'DELETE' "the 405 detail names the method"
	like "$headers" '^Allow: GET$' "the 405 answer carries Allow: GET (RFC 9110)"

	http_call POST /api/v1/daemon/reload -H 'Content-Type: application/json' \
	    --data-binary @/dev/null
	is "$code" 200 "POST /api/v1/daemon/reload answers 200 on the socket"
else
	skip "HTTP on the socket with curl" "curl is not installed"
fi

# --- a peer with another uid ---
other=65534
if [ "$(id -u)" != 0 ]; then
	skip "another uid cannot connect" "needs root to act as uid $other"
	skip "the daemon refuses another uid" "needs root to act as uid $other"
elif ! command -v setpriv >/dev/null 2>&1; then
	skip "another uid cannot connect" "setpriv is not installed"
	skip "the daemon refuses another uid" "setpriv is not installed"
elif ! command -v curl >/dev/null 2>&1; then
	skip "another uid cannot connect" "curl is not installed"
	skip "the daemon refuses another uid" "curl is not installed"
else
	as_other() {
		run setpriv --reuid="$other" --regid="$other" --clear-groups "$@"
	}
	# Let the other user reach the socket's directory, but not into it:
	# the 0700 directory is itself the protection.
	chmod 711 "$T_SCRATCH"
	as_other curl -sS -v --max-time 10 --unix-socket "$sock" \
	    http://localhost/health
	isnt "$rc" 0 "another uid cannot connect through the 0700 directory"
	contains "$err" "Permission denied" "another uid gets permission denied"

	# Opened up by mistake, the daemon itself still refuses the peer.
	chmod 711 "$T_SCRATCH/run"
	chmod 666 "$sock"
	as_other curl -sS --max-time 10 -w '\nHTTP %{http_code}\n' \
	    --unix-socket "$sock" http://localhost/health
	chmod 700 "$T_SCRATCH/run" "$T_SCRATCH"
	chmod 600 "$sock"
	like "$out" '^HTTP 403$' "the daemon answers another uid with 403"
	contains "$out" "uid $other may not use this daemon" "the 403 names the refused uid"
	tinkr daemon status
	is "$rc" 0 "the daemon still serves its own user"
fi

tinkr daemon stop
is "$rc" 0 "daemon stop exits 0"

# --- the default place under XDG_RUNTIME_DIR is created 0700 ---
xdg=$T_SCRATCH/xdg-good
mkdir -m 700 "$xdg"
track_socket "$xdg/tinkr/tinkrd.sock"
run env -u TINKR_SOCKET XDG_RUNTIME_DIR="$xdg" "$TINKR" daemon start
is "$rc" 0 "daemon start under XDG_RUNTIME_DIR exits 0"
ok "the socket is made in XDG_RUNTIME_DIR/tinkr" test -S "$xdg/tinkr/tinkrd.sock"
is "$(stat -c %a "$xdg/tinkr" 2>/dev/null)" 700 "XDG_RUNTIME_DIR/tinkr is created 0700"
run env -u TINKR_SOCKET XDG_RUNTIME_DIR="$xdg" "$TINKR" daemon stop
is "$rc" 0 "daemon stop under XDG_RUNTIME_DIR exits 0"
ok "the socket under XDG_RUNTIME_DIR is gone" test ! -e "$xdg/tinkr/tinkrd.sock"

# --- an unsafe socket directory is refused ---
xdg=$T_SCRATCH/xdg-open
mkdir -m 700 "$xdg"
mkdir -m 755 "$xdg/tinkr"
chmod 755 "$xdg/tinkr"
track_socket "$xdg/tinkr/tinkrd.sock"
run env -u TINKR_SOCKET XDG_RUNTIME_DIR="$xdg" "$TINKR" daemon start
isnt "$rc" 0 "daemon start in a 0755 socket directory fails"
one_error "$err" "$xdg/tinkr.*chmod 700" \
    "the error names the directory and says chmod 700"
ok "no socket is made in the 0755 directory" test ! -e "$xdg/tinkr/tinkrd.sock"
is "$(count_daemons "$xdg/tinkr/tinkrd.sock")" 0 "no daemon starts for the 0755 directory"

run env -u TINKR_SOCKET XDG_RUNTIME_DIR="$xdg" "$TINKRD"
is "$rc" 1 "tinkrd itself refuses a 0755 socket directory"
contains "$err" "chmod 700" "tinkrd says chmod 700 too"

# --- a path that is not a socket is left alone ---
printf 'precious\n' >"$T_SCRATCH/run/not-a-socket"
track_socket "$T_SCRATCH/run/not-a-socket"
run env TINKR_SOCKET="$T_SCRATCH/run/not-a-socket" "$TINKR" daemon start
isnt "$rc" 0 "daemon start on a regular file fails"
is "$(cat "$T_SCRATCH/run/not-a-socket" 2>/dev/null)" precious \
    "a regular file at the socket path is not removed"
is "$(count_daemons "$T_SCRATCH/run/not-a-socket")" 0 "no daemon serves on a regular file's path"

long=$T_SCRATCH/run/$(printf '%0110d' 0).sock
run env TINKR_SOCKET="$long" "$TINKR" daemon start
is "$rc" 3 "daemon start with a socket path too long exits 3"
one_error "$err" "socket path too long" "it says the socket path is too long"

# --- a socket directory owned by another user is refused ---
owned=$T_SCRATCH/owned
mkdir -m 700 "$owned"
if [ "$(id -u)" != 0 ]; then
	skip "a socket directory owned by another uid is refused" "needs root to chown"
elif ! chown "$other:$other" "$owned" 2>/dev/null; then
	skip "a socket directory owned by another uid is refused" "cannot chown here"
else
	track_socket "$owned/tinkrd.sock"
	run env TINKR_SOCKET="$owned/tinkrd.sock" "$TINKR" daemon start
	isnt "$rc" 0 "daemon start in another user's directory fails"
	one_error "$err" "$owned.*owned by uid $other" \
	    "the error names the directory and its owner"
	ok "no socket is made in another user's directory" test ! -e "$owned/tinkrd.sock"
	is "$(count_daemons "$owned/tinkrd.sock")" 0 "no daemon starts in another user's directory"
fi

done_testing
