#!/bin/sh
# autostart.sh -- clients start exactly one tinkrd when none runs, and
# `daemon status` never starts one.
set -eu
. "${TOP_SRCDIR:-.}/tests/e2e/lib.sh"

sock=$TINKR_SOCKET

# --- daemon status on a fresh scratch says nothing runs, starts nothing ---
tinkr daemon status
is "$rc" 3 "daemon status with no daemon exits 3"
one_error "$err" "no daemon running on $sock" \
    "daemon status says no daemon runs, naming the socket"
is "$out" "" "daemon status prints nothing on stdout when none runs"
ok "daemon status did not create the socket" test ! -e "$sock"
ok "daemon status did not create a pidfile" test ! -e "$sock.pid"
is "$(count_daemons)" 0 "daemon status did not start a tinkrd"

# --- five clients at once, no daemon: all succeed, one daemon ---
# Each client waits for the same go file, then runs; its exit status goes
# to rc.N, its output to out.N and err.N.
n=1
pids=
while [ "$n" -le 5 ]; do
	(
		while [ ! -e go ]; do sleep 0.01; done
		st=0
		with_timeout "$TINKR" profile list >"out.$n" 2>"err.$n" \
		    </dev/null || st=$?
		echo "$st" >"rc.$n"
	) &
	pids="$pids $!"
	n=$((n + 1))
done
: >go
for p in $pids; do
	wait "$p" || true
done

n=1
while [ "$n" -le 5 ]; do
	is "$(cat "rc.$n")" 0 "client $n of 5: profile list exits 0"
	like "$(cat "out.$n")" '^NAME +BACKEND( |$)' \
	    "client $n of 5: prints the NAME/BACKEND header"
	is "$(cat "err.$n")" "" "client $n of 5: says nothing on stderr"
	sanitizer_check "client $n" "err.$n"
	n=$((n + 1))
done

is "$(count_daemons)" 1 "exactly one tinkrd runs for this socket"
pid=$(daemon_pid)
like "$pid" '^[0-9]+$' "the pidfile names the daemon"
ok "the daemon in the pidfile is alive" pid_alive "${pid:-0}"
ok "the socket exists" test -S "$sock"

# --- the daemon that was started answers, and a client reuses it ---
tinkr daemon status
is "$rc" 0 "daemon status now exits 0"
like "$out" "^  PID: +$pid\$" "daemon status shows the started daemon's pid"
tinkr profile list
is "$rc" 0 "a later profile list exits 0"
is "$(count_daemons)" 1 "a later client starts no second daemon"

# --- stop it; nothing is left ---
tinkr daemon stop
is "$rc" 0 "daemon stop exits 0"
is "$(count_daemons)" 0 "no tinkrd runs for this socket after stop"
ok "the socket is gone after stop" test ! -e "$sock"

# --- a tinkrd that cannot be run: the client says so and exits 3 ---
run env TINKRD="$T_SCRATCH/no/such/tinkrd" "$TINKR" profile list
is "$rc" 3 "a client that cannot start tinkrd exits 3"
contains "$err" "cannot run $T_SCRATCH/no/such/tinkrd" "it names the tinkrd it could not run"
is "$out" "" "it prints nothing on stdout"
ok "no socket is left behind" test ! -e "$sock"

done_testing
