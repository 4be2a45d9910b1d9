#!/bin/sh
# cli.sh -- the command line: usage errors, help, version, global options
# anywhere, -q, exit statuses.
set -eu
. "${TOP_SRCDIR:-.}/tests/e2e/lib.sh"

sock=$TINKR_SOCKET
version=
if [ -n "$TOP_SRCDIR" ] && [ -f "$TOP_SRCDIR/configure.ac" ]; then
	version=$(sed -n 's/^AC_INIT(\[tinkr\], *\[\([^]]*\)\].*/\1/p' \
	    "$TOP_SRCDIR/configure.ac")
fi
version=${version:-0.1.0}

# usage_error DESCRIPTION PATTERN ARGS...: tinkr ARGS exits 2 with one
# error line matching PATTERN, prints nothing on stdout and starts nothing.
usage_error() {
	_ue_desc=$1
	_ue_pat=$2
	shift 2
	tinkr "$@"
	is "$rc" 2 "$_ue_desc: exits 2"
	one_error "$err" "$_ue_pat" "$_ue_desc: one-line message"
	is "$out" "" "$_ue_desc: nothing on stdout"
}

# --- usage errors ---
usage_error "an unknown command" \
    "unknown command 'deamon' \\(did you mean 'daemon'\\?\\)" deamon status
usage_error "an unknown command far from any" \
    "unknown command 'frobnicate'" frobnicate
usage_error "an unknown subcommand" \
    "unknown daemon command 'strat' \\(did you mean 'start'\\?\\)" daemon strat
usage_error "an unknown long option" "unknown option --bogus" \
    daemon status --bogus
usage_error "an unknown short option" "unknown option -x" daemon status -x
usage_error "an extra argument" "unexpected argument 'extra'" \
    daemon status extra
usage_error "a missing value for -c" "missing value for option -c" \
    daemon status -c
usage_error "a missing value for --profile" \
    "missing value for option (-p|--profile)" profile list --profile
usage_error "help for an unknown command" "no command 'nosuch'" help nosuch

tinkr daemon
is "$rc" 2 "a group without its command exits 2"
like "$err" "^tinkr: daemon needs a command" "a group without its command says so"
like "$err" "daemon start" "a group without its command lists the group's commands"
is "$out" "" "a group without its command prints nothing on stdout"

tinkr
is "$rc" 2 "no command at all exits 2"
like "$err" '^usage: tinkr ' "no command at all prints the usage on stderr"

ok "no usage error started a daemon" test ! -e "$sock"

# --- help and version ---
tinkr help
is "$rc" 0 "tinkr help exits 0"
like "$out" '^usage: tinkr ' "tinkr help prints the usage"
like "$out" '^  daemon start ' "tinkr help lists daemon start"
like "$out" '^  config check ' "tinkr help lists config check"
is "$err" "" "tinkr help says nothing on stderr"

tinkr help daemon
is "$rc" 0 "tinkr help daemon exits 0"
like "$out" '^  daemon stop ' "tinkr help daemon lists daemon stop"
unlike "$out" '^  config ' "tinkr help daemon lists only daemon commands"

tinkr help daemon start
is "$rc" 0 "tinkr help daemon start exits 0"
like "$out" '^usage: tinkr daemon start$' "tinkr help daemon start prints its usage"

tinkr daemon start --help
is "$rc" 0 "tinkr daemon start --help exits 0"
like "$out" '^usage: tinkr daemon start$' "--help after a command prints its usage"
ok "daemon start --help started no daemon" test ! -e "$sock"

tinkr --help
is "$rc" 0 "tinkr --help exits 0"
like "$out" '^usage: tinkr ' "tinkr --help prints the usage on stdout"
like "$out" '^Exit status: ' "tinkr --help documents the exit statuses"

tinkr --version
is "$rc" 0 "tinkr --version exits 0"
is "$out" "tinkr $version" "tinkr --version prints tinkr $version"

tinkr version
is "$rc" 0 "tinkr version exits 0"
is "$out" "tinkr $version" "tinkr version with no daemon prints only tinkr's version"
ok "tinkr version started no daemon" test ! -e "$sock"

# --- exit 3 when no daemon runs ---
tinkr daemon status
is "$rc" 3 "daemon status with no daemon exits 3"
one_error "$err" "no daemon running" "daemon status with no daemon says so in one line"
tinkr daemon status --json
is "$rc" 3 "daemon status --json with no daemon exits 3"
is "$out" "" "daemon status --json with no daemon prints nothing on stdout"
tinkr daemon reload
is "$rc" 3 "daemon reload with no daemon exits 3"
ok "daemon reload started no daemon" test ! -e "$sock"

# --- -q suppresses normal output ---
tinkr -q daemon start
is "$rc" 0 "tinkr -q daemon start exits 0"
is "$out" "" "tinkr -q daemon start prints nothing"
ok "tinkr -q daemon start started the daemon" test -S "$sock"
pid=$(daemon_pid)

tinkr daemon status -q
is "$rc" 0 "daemon status -q exits 0"
is "$out" "" "daemon status -q prints nothing"

tinkr profile list --quiet
is "$rc" 0 "profile list --quiet exits 0"
is "$out" "" "profile list --quiet prints nothing"

tinkr -q --json daemon status
is "$rc" 0 "-q --json daemon status exits 0"
ok "-q still prints the JSON asked for" json_valid "$out"

tinkr -q --version
is "$out" "tinkr $version" "-q still prints the version"
tinkr -q help daemon
like "$out" '^  daemon start ' "-q still prints help"

# --- global options after the command ---
tinkr daemon status --json
is "$rc" 0 "daemon status --json exits 0"
ok "daemon status --json prints JSON" json_valid "$out"
is "$(json_get "$out" pid)" "$pid" "daemon status --json shows the daemon's pid"

tinkr --json daemon status
is "$rc" 0 "--json before the command works the same"
is "$(json_get "$out" pid)" "$pid" "--json before the command shows the pid"

tinkr profile list --json
is "$rc" 0 "profile list --json exits 0"
ok "profile list --json prints JSON" json_valid "$out"

tinkr version
is "$rc" 0 "tinkr version with a daemon exits 0"
like "$out" "^tinkrd $version \\(pid $pid\\)\$" "tinkr version shows the daemon's version and pid"

# A usage error is caught before the daemon is asked anything.
tinkr daemon stop extra
is "$rc" 2 "daemon stop with an extra argument exits 2"
ok "daemon stop with an extra argument stopped nothing" pid_alive "${pid:-0}"

tinkr -q daemon stop
is "$rc" 0 "tinkr -q daemon stop exits 0"
is "$out" "" "tinkr -q daemon stop prints nothing"
ok "the daemon is gone" pid_gone "${pid:-0}"

done_testing
