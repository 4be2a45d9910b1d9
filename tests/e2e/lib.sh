# lib.sh -- shared helpers for tinkr's end-to-end tests.
#
# Sourced by each tests/e2e/*.sh after `set -eu`. It gives the test:
#  - a TAP writer: ok, is, isnt, like, unlike, contains, lacks, pass, fail,
#    skip, diag; the plan is printed at the end and the exit status is
#    non-zero when any test failed or the script stopped early;
#  - run: run a command with stdin from /dev/null and a time limit, leaving
#    $rc, $out and $err; any sanitizer report fails a test;
#  - a private scratch directory ($T_SCRATCH) with its own HOME, config
#    places and socket ($TINKR_SOCKET, in a 0700 directory), removed at exit
#    after every tinkrd the test started has been stopped;
#  - daemon helpers: daemon_pid, pid_alive, wait_gone, wait_until,
#    count_daemons, start_foreground, track_socket, track_pid.
#
# The binaries come from $TINKR and $TINKRD (absolute paths, exported by
# make check); TINKRD is also what tinkr spawns.
#
# A test script ends with `done_testing`; reaching the end of the script
# any other way counts as stopping early.

# --- the TAP writer ----------------------------------------------------------

t_count=0
t_failed=0
t_done=0
t_last_cmd=
t_stopped=0
rc=0
out=
err=

# Print each argument, each of its lines, as a TAP diagnostic.
diag() {
	printf '%s\n' "$@" | sed 's/^/# /'
}

# Print a file (at most 40 lines) as diagnostics under a heading.
diag_file() {
	[ -s "$2" ] || return 0
	diag "$1:"
	sed -n '1,40s/^/#   /p' "$2"
}

# A description with '#' in it would read as a TAP directive: escape it.
t_desc() {
	case $1 in
	*'#'*) printf '%s' "$1" | sed 's/#/\\#/g' ;;
	*) printf '%s' "$1" ;;
	esac
}

pass() {
	t_count=$((t_count + 1))
	printf 'ok %d - %s\n' "$t_count" "$(t_desc "$1")"
}

fail() {
	t_count=$((t_count + 1))
	t_failed=$((t_failed + 1))
	printf 'not ok %d - %s\n' "$t_count" "$(t_desc "$1")"
	if [ -n "$t_last_cmd" ]; then
		diag "last command: $t_last_cmd (exit $rc)"
		diag_file "its stdout" "$T_SCRATCH/.stdout"
		diag_file "its stderr" "$T_SCRATCH/.stderr"
	fi
}

# skip DESCRIPTION REASON
skip() {
	t_count=$((t_count + 1))
	printf 'ok %d - %s # SKIP %s\n' "$t_count" "$1" "$2"
}

# ok DESCRIPTION COMMAND...: passes when the command succeeds.
ok() {
	_ok_desc=$1
	shift
	if "$@"; then
		pass "$_ok_desc"
	else
		fail "$_ok_desc"
		diag "condition failed: $*"
	fi
}

# is GOT WANT DESCRIPTION
is() {
	if [ "$1" = "$2" ]; then
		pass "$3"
	else
		fail "$3"
		diag "got:  '$1'" "want: '$2'"
	fi
}

# isnt GOT UNWANTED DESCRIPTION
isnt() {
	if [ "$1" != "$2" ]; then
		pass "$3"
	else
		fail "$3"
		diag "got:  '$1'" "want anything else"
	fi
}

# like GOT EXTENDED-REGEX DESCRIPTION: some line of GOT matches.
like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		pass "$3"
	else
		fail "$3"
		diag "got:  '$1'" "want a line matching: $2"
	fi
}

# unlike GOT EXTENDED-REGEX DESCRIPTION: no line of GOT matches.
unlike() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		fail "$3"
		diag "got:  '$1'" "want no line matching: $2"
	else
		pass "$3"
	fi
}

# contains GOT STRING DESCRIPTION: GOT holds STRING literally.
contains() {
	if printf '%s\n' "$1" | grep -Fq -- "$2"; then
		pass "$3"
	else
		fail "$3"
		diag "got:  '$1'" "want it to contain: $2"
	fi
}

# lacks GOT STRING DESCRIPTION: GOT does not hold STRING.
lacks() {
	if printf '%s\n' "$1" | grep -Fq -- "$2"; then
		fail "$3"
		diag "got:  '$1'" "want it not to contain: $2"
	else
		pass "$3"
	fi
}

# one_error ERR EXTENDED-REGEX DESCRIPTION: stderr is one "tinkr: ..." line
# matching the pattern, optionally followed by "usage: ..." lines.
one_error() {
	_oe_n=$(printf '%s\n' "$1" | grep -c '^tinkr: ' || true)
	_oe_other=$(printf '%s\n' "$1" | grep -Evc '^(tinkr|usage): ' || true)
	if [ "$_oe_n" = 1 ] && [ "$_oe_other" = 0 ] &&
	    printf '%s\n' "$1" | grep '^tinkr: ' | grep -Eq -- "$2"; then
		pass "$3"
	else
		fail "$3"
		diag "got:  '$1'" "want one line 'tinkr: ...' matching: $2"
	fi
}

# Call at the end of a test script.
done_testing() {
	t_done=1
	exit 0
}

# --- sanitizers --------------------------------------------------------------

# Do not use run (or tinkr) inside $(...): the results it counts there
# are lost to the test (sanitizer reports are still caught at the end).
#
# Reports from AddressSanitizer and LeakSanitizer go to files under
# $T_SCRATCH/san (so that a daemonised tinkrd's reports, whose stderr is
# /dev/null, are seen too); UndefinedBehaviorSanitizer writes to stderr.
T_SAN_PATTERN='ERROR: AddressSanitizer|runtime error:|LeakSanitizer|ERROR: UndefinedBehaviorSanitizer'

# sanitizer_check LABEL [FILE]: fail a test for any report in FILE (a
# captured stderr or log) or in the sanitizer log directory. A report
# from stderr is kept there too, so one seen in a subshell is not lost.
t_san_seen=
sanitizer_check() {
	if [ $# -gt 1 ] && [ -f "$2" ] && grep -Eq "$T_SAN_PATTERN" "$2"; then
		_sc_f=$(mktemp "$T_SCRATCH/san/asan.stderr.XXXXXX")
		grep -E -A 12 "$T_SAN_PATTERN" "$2" >"$_sc_f"
	fi
	for _sc_f in "$T_SCRATCH"/san/asan.*; do
		[ -f "$_sc_f" ] || continue
		case " $t_san_seen " in *" $_sc_f "*) continue ;; esac
		t_san_seen="$t_san_seen $_sc_f"
		t_count=$((t_count + 1))
		t_failed=$((t_failed + 1))
		printf 'not ok %d - no sanitizer report (after %s)\n' \
		    "$t_count" "$(t_desc "$1")"
		sed -n '1,40s/^/#   /p' "$_sc_f"
	done
}

# --- running commands ----------------------------------------------------------

# with_timeout COMMAND...: run an external command with a time limit of
# $T_TIMEOUT seconds when timeout(1) is there (exit 124 when it runs out).
with_timeout() {
	if [ -n "$T_TIMEOUT" ]; then
		timeout -k 5 "$T_TIMEOUT" "$@"
	else
		"$@"
	fi
}

# run COMMAND...: run with stdin from /dev/null and a time limit; leaves
# $rc, $out (stdout) and $err (stderr), and checks for sanitizer reports.
run() {
	t_last_cmd="$*"
	rc=0
	with_timeout "$@" >"$T_SCRATCH/.stdout" 2>"$T_SCRATCH/.stderr" \
	    </dev/null || rc=$?
	out=$(cat "$T_SCRATCH/.stdout")
	err=$(cat "$T_SCRATCH/.stderr")
	[ "$rc" != 124 ] || diag "timed out after ${T_TIMEOUT}s: $*"
	sanitizer_check "$*" "$T_SCRATCH/.stderr"
}

# tinkr ARGS...: run the tinkr under test.
tinkr() {
	run "$TINKR" "$@"
}

# --- JSON, with jq when it is installed --------------------------------------------

if command -v jq >/dev/null 2>&1; then
	T_JQ=jq
else
	T_JQ=
fi

# json_valid TEXT: is TEXT one JSON object? Without jq, a small scan
# checks strings, nesting, literals and that nothing follows the object.
json_valid() {
	if [ -n "$T_JQ" ]; then
		_jv=$(printf '%s\n' "$1" | jq -s \
		    'length == 1 and (.[0] | type) == "object"' 2>/dev/null) ||
		    return 1
		[ "$_jv" = true ]
		return
	fi
	printf '%s\n' "$1" | awk -v RS='\001' '
	{
		s = $0; n = length(s); depth = 0; instr = 0; done = 0
		seen = 0; bad = 0
		for (i = 1; i <= n && !bad; i++) {
			c = substr(s, i, 1)
			if (instr) {
				if (c == "\\") i++
				else if (c == "\"") instr = 0
				continue
			}
			if (c ~ /[ \t\r\n]/) continue
			if (done || (!seen && c != "{")) { bad = 1; break }
			seen = 1
			if (c == "\"") instr = 1
			else if (c == "{" || c == "[") depth++
			else if (c == "}" || c == "]") {
				if (--depth == 0) done = 1
			} else if (substr(s, i, 4) == "true" ||
			    substr(s, i, 4) == "null") i += 3
			else if (substr(s, i, 5) == "false") i += 4
			else if (c !~ /[-+0-9.eE:,]/) bad = 1
		}
		exit (!bad && done && !instr) ? 0 : 1
	}'
}

# json_get TEXT KEY: a top-level member as text ("null" when absent or
# null). Without jq, only scalar members of indented output are found.
json_get() {
	if [ -n "$T_JQ" ]; then
		printf '%s\n' "$1" | jq -r --arg k "$2" '.[$k]' 2>/dev/null ||
		    echo "(invalid JSON)"
		return 0
	fi
	_jg=$(printf '%s\n' "$1" | sed -n "s/^ \{0,2\}\"$2\": *\(.*[^,]\),\{0,1\}\$/\1/p" |
	    sed -n '1p')
	_jg=${_jg#\"}
	printf '%s\n' "${_jg%\"}" | sed 's/^$/null/'
}

# --- processes -------------------------------------------------------------------

# Is PID a live process (a zombie counts as gone)?
pid_alive() {
	kill -0 "$1" 2>/dev/null || return 1
	_pa_stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	_pa_stat=${_pa_stat##*) }
	[ "${_pa_stat%% *}" != Z ]
}

# wait_until SECONDS COMMAND...: poll every 20 ms until the command
# succeeds; false when time runs out.
wait_until() {
	_wu_n=$(($1 * 50))
	shift
	while [ "$_wu_n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.02
		_wu_n=$((_wu_n - 1))
	done
	"$@"
}

pid_gone() {
	! pid_alive "$1"
}

# wait_gone PID [SECONDS]: wait for a process to exit.
wait_gone() {
	wait_until "${2:-10}" pid_gone "$1"
}

# daemon_pid [SOCKET]: the pid in SOCKET.pid, or nothing.
daemon_pid() {
	_dp=$(cat "${1:-$TINKR_SOCKET}.pid" 2>/dev/null) || _dp=
	printf '%s' "$_dp" | tr -dc 0-9
}

# count_daemons [SOCKET]: how many tinkrd processes name SOCKET on their
# command line (pgrep on the name would count other tests' daemons).
count_daemons() {
	_cd_sock=${1:-$TINKR_SOCKET}
	_cd_n=0
	for _cd_f in /proc/[0-9]*/cmdline; do
		_cd_c=$( (tr '\0' ' ' <"$_cd_f") 2>/dev/null) || continue
		case ${_cd_c%% *} in
		tinkrd|*/tinkrd) ;;
		*) continue ;;
		esac
		case "$_cd_c " in
		*" $_cd_sock "*) _cd_n=$((_cd_n + 1)) ;;
		esac
	done
	echo "$_cd_n"
}

# track_socket SOCKET: stop the daemon serving SOCKET at exit.
track_socket() {
	case " $t_sockets " in
	*" $1 "*) ;;
	*) t_sockets="$t_sockets $1" ;;
	esac
}

# track_pid PID: a daemon started by this shell, stopped and reaped at exit.
track_pid() {
	t_pids="$t_pids $1"
}

# start_foreground LOG TINKRD-ARGS...: run `tinkrd -f -S $TINKR_SOCKET ARGS`
# in the background with stderr in LOG, and wait until it says it started.
# Leaves its pid in $fg_pid; false when it did not start.
start_foreground() {
	_sf_log=$1
	shift
	"$TINKRD" -f -S "$TINKR_SOCKET" "$@" </dev/null >/dev/null \
	    2>"$_sf_log" &
	fg_pid=$!
	track_pid "$fg_pid"
	wait_until 20 t_fg_settled
	grep -q 'started' "$_sf_log"
}

# Has the foreground daemon said it started, or exited?
t_fg_settled() {
	grep -q 'started' "$_sf_log" || ! pid_alive "$fg_pid"
}

# Stop one process that this test started: SIGTERM, then up to 10 s, then
# SIGKILL, which fails the test.
stop_pid() {
	pid_alive "$1" || return 0
	kill -TERM "$1" 2>/dev/null || return 0
	if ! wait_gone "$1" 10; then
		kill -KILL "$1" 2>/dev/null || true
		fail "process $1 ($2) stopped on SIGTERM (it needed SIGKILL)"
	fi
}

# Stop every daemon this test may have left: the tracked sockets' pidfiles,
# the tracked children, then any process still naming the scratch dir.
t_stop_daemons() {
	for _sd_s in $t_sockets; do
		_sd_p=$(daemon_pid "$_sd_s")
		[ -n "$_sd_p" ] && stop_pid "$_sd_p" "tinkrd on $_sd_s"
	done
	for _sd_p in $t_pids; do
		stop_pid "$_sd_p" "a tinkrd started by the test"
		wait "$_sd_p" 2>/dev/null || true
	done
	for _sd_f in /proc/[0-9]*/cmdline; do
		_sd_p=${_sd_f#/proc/}
		_sd_p=${_sd_p%/cmdline}
		[ "$_sd_p" != $$ ] || continue
		_sd_c=$( (tr '\0' ' ' <"$_sd_f") 2>/dev/null) || continue
		case $_sd_c in
		*"$T_SCRATCH"*)
			case ${_sd_c%% *} in
			tinkrd|*/tinkrd) ;;
			*) continue ;;
			esac
			stop_pid "$_sd_p" "left behind: $_sd_c"
			;;
		esac
	done
}

# At exit: report an early stop, stop the daemons, look for sanitizer
# reports once more, print the plan and remove the scratch directory.
t_exit() {
	_te_status=$?
	trap - EXIT HUP INT TERM
	set +e
	if [ "$t_done" != 1 ]; then
		[ "$t_stopped" = 0 ] || _te_status="a signal"
		fail "the test script ran to the end"
		diag "it stopped early, with status $_te_status"
	fi
	t_last_cmd=
	t_stop_daemons
	sanitizer_check "the end of the test"
	printf '1..%d\n' "$t_count"
	cd /
	rm -rf "$T_SCRATCH"
	[ "$t_failed" -eq 0 ] || exit 1
	exit 0
}

# --- the private environment -------------------------------------------------------

: "${TINKR:?set TINKR to the tinkr binary (make check does)}"
: "${TINKRD:?set TINKRD to the tinkrd binary (make check does)}"
case $TINKR in /*) ;; *) TINKR=$(pwd)/$TINKR ;; esac
case $TINKRD in /*) ;; *) TINKRD=$(pwd)/$TINKRD ;; esac
TOP_SRCDIR=${TOP_SRCDIR:-}
export TINKR TINKRD TOP_SRCDIR

if command -v timeout >/dev/null 2>&1; then
	T_TIMEOUT=${T_TIMEOUT:-60}
else
	T_TIMEOUT=
fi

t_sockets=
t_pids=
T_SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/tinkr-e2e.XXXXXX")
T_SCRATCH=$(cd "$T_SCRATCH" && pwd -P)
trap t_exit EXIT
trap 't_stopped=1; exit 129' HUP
trap 't_stopped=1; exit 130' INT
trap 't_stopped=1; exit 143' TERM

mkdir -m 700 "$T_SCRATCH/run" "$T_SCRATCH/home" "$T_SCRATCH/state" \
    "$T_SCRATCH/san"
HOME=$T_SCRATCH/home
TINKR_SOCKET=$T_SCRATCH/run/tinkrd.sock
TINKR_STATE_DIR=$T_SCRATCH/state
export HOME TINKR_SOCKET TINKR_STATE_DIR
unset XDG_RUNTIME_DIR XDG_CONFIG_HOME XDG_STATE_HOME TINKR_CONFIG \
    TINKR_PROFILE
track_socket "$TINKR_SOCKET"

if [ -n "${ASAN_OPTIONS:-}" ]; then
	ASAN_OPTIONS="$ASAN_OPTIONS:log_path=$T_SCRATCH/san/asan"
else
	ASAN_OPTIONS="log_path=$T_SCRATCH/san/asan"
fi
export ASAN_OPTIONS
cd "$T_SCRATCH" || exit 1
