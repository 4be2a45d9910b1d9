#!/bin/sh
# config.sh -- tinkr config check and config show: errors as one
# file:line line, secrets never shown, .env, the search order and the
# choice of profile.
set -eu
. "${TOP_SRCDIR:-.}/tests/e2e/lib.sh"

sock=$TINKR_SOCKET
mkdir -m 700 conf
dir=$T_SCRATCH/conf
unset TINKR_E2E_UNSET TINKR_E2E_DOTENV_URL

# conf NAME: write stdin to conf/NAME, mode 0600; $f is its path.
conf() {
	f=$dir/$1
	cat >"$f"
	chmod 600 "$f"
}

# bad_config DESCRIPTION LINE PATTERN: tinkr config check $f exits 1 with
# exactly one line "tinkr: $f:LINE: ..." matching PATTERN.
bad_config() {
	tinkr config check "$f"
	is "$rc" 1 "$1: exits 1"
	is "$(printf '%s\n' "$err" | wc -l | tr -d ' ')" 1 "$1: one line on stderr"
	like "$err" "^tinkr: $f:$2: " "$1: the line starts with tinkr: $f:$2:"
	like "$err" "$3" "$1: says what is wrong"
	is "$out" "" "$1: nothing on stdout"
}

# --- a good file, checked without any daemon ---
conf good.toml <<'EOF'
# a good configuration
[profiles.demo]
backend = "local"
active = true

[profiles.demo.notifiers.custom]
type = "webhook"
url = "https://hooks.example.invalid/tinkr-alerts"
EOF
tinkr config check "$f"
is "$rc" 0 "config check of a good file exits 0"
like "$out" "^$f: configuration OK" "config check of a good file says configuration OK"
is "$err" "" "config check of a good file says nothing on stderr"
ok "config check made no socket" test ! -e "$sock"
is "$(count_daemons)" 0 "config check started no daemon"

# --- bad files: one line each, with file and line ---
conf unknown-key.toml <<'EOF'
[profiles.demo]
bakend = "local"
EOF
bad_config "an unknown key" 2 "bakend.*did you mean 'backend'"

conf bare-word.toml <<'EOF'
[profiles.demo]
backend = local
EOF
bad_config "a bare word value" 2 "local"

conf missing-env.toml <<'EOF'
[profiles.demo]
backend = "local"

[profiles.demo.notifiers.pd]
type = "webhook"
url = "env:TINKR_E2E_UNSET"
EOF
bad_config "a missing environment variable" 6 "TINKR_E2E_UNSET.* not set"

long=$(printf '%0250d' 0 | tr 0 a)
conf long-line.toml <<EOF
[profiles.demo]
backend = "local"

[profiles.demo.notifiers.custom]
type = "webhook"
url = "https://hooks.example.invalid/$long"
EOF
bad_config "an over-long line" 6 "env:"

conf semicolon.toml <<'EOF'
[profiles.demo]
; an INI comment
backend = "local"
EOF
bad_config "a ';' comment" 2 "';'"

ok "no bad file started a daemon" test ! -e "$sock"

# --- config show never shows a secret ---
conf secrets.toml <<'EOF'
[profiles.demo]
backend = "local"
active = true

[profiles.demo.notifiers.pagerduty]
type = "webhook"
url = "env:TINKR_E2E_PD_URL"
header_Authorization = "env:TINKR_E2E_PD_KEY"

[profiles.demo.notifiers.custom]
type = "webhook"
url = "https://hooks.example.invalid/tinkr-alerts"
header_Authorization = "Token literal-e2e-secret-9431"
EOF
secrets=$f
TINKR_E2E_PD_URL=https://events.example.invalid/integration/url-e2e-secret-5521/enqueue
TINKR_E2E_PD_KEY="Token token=env-e2e-secret-7788"
export TINKR_E2E_PD_URL TINKR_E2E_PD_KEY

# no_secret DESCRIPTION TEXT: none of the three secrets is in TEXT.
no_secret() {
	lacks "$2" "env-e2e-secret-7788" "$1: the header from the environment is not shown"
	lacks "$2" "url-e2e-secret-5521" "$1: the URL from the environment is not shown"
	lacks "$2" "literal-e2e-secret-9431" "$1: the literal header is not shown"
}

tinkr config check "$secrets"
is "$rc" 0 "config check with secrets from the environment exits 0"
no_secret "config check" "$out$err"

tinkr -c "$secrets" daemon start
is "$rc" 0 "daemon start with the secrets config exits 0"

tinkr -c "$secrets" config show
is "$rc" 0 "config show exits 0"
like "$out" '^#.*\(secrets redacted\)$' "config show says secrets are redacted"
contains "$out" "env:TINKR_E2E_PD_KEY" "config show names the header's env:NAME"
contains "$out" "env:TINKR_E2E_PD_URL" "config show names the URL's env:NAME"
contains "$out" "[profiles.demo.notifiers.pagerduty]" "config show shows the notifier"
no_secret "config show" "$out$err"

tinkr -c "$secrets" --json config show
is "$rc" 0 "config show --json exits 0"
ok "config show --json prints JSON" json_valid "$out"
contains "$out" "env:TINKR_E2E_PD_KEY" "config show --json names the env:NAME"
no_secret "config show --json" "$out$err"

tinkr -c "$secrets" profile show demo
is "$rc" 0 "profile show exits 0"
no_secret "profile show" "$out$err"
tinkr -c "$secrets" --json profile list
no_secret "profile list --json" "$out$err"
tinkr -c "$secrets" --json daemon status
no_secret "daemon status --json" "$out$err"

tinkr daemon stop
is "$rc" 0 "daemon stop exits 0"
unset TINKR_E2E_PD_URL TINKR_E2E_PD_KEY

# A literal secret in a file others may read gives a warning.
chmod 644 "$secrets"
TINKR_E2E_PD_URL=https://x.example.invalid/ TINKR_E2E_PD_KEY=k
export TINKR_E2E_PD_URL TINKR_E2E_PD_KEY
tinkr config check "$secrets"
is "$rc" 0 "config check of a world-readable file with a secret exits 0"
like "$err" "^tinkr: warning: .*$secrets" "it warns, naming the file"
no_secret "the warning" "$err"
unset TINKR_E2E_PD_URL TINKR_E2E_PD_KEY
chmod 600 "$secrets"

# --- .env beside the config ---
mkdir -m 700 "$dir/envdir"
conf envdir/tinkr.toml <<'EOF'
[profiles.demo]
active = true

[profiles.demo.notifiers.custom]
type = "webhook"
url = "env:TINKR_E2E_DOTENV_URL"
EOF
envconf=$f
good_url=https://from-dotenv.example.invalid/hook
printf 'TINKR_E2E_DOTENV_URL=%s\n' "$good_url" >"$dir/envdir/.env"
chmod 600 "$dir/envdir/.env"
tinkr config check "$envconf"
is "$rc" 0 "a variable from .env satisfies env:NAME"
is "$err" "" "a private .env gives no warning"

# Which value is used shows in the error for one that is not a URL.
printf 'TINKR_E2E_DOTENV_URL=not a url\n' >"$dir/envdir/.env"
tinkr config check "$envconf"
is "$rc" 1 "an invalid URL from .env is refused"
one_error "$err" "^tinkr: $envconf:6: TINKR_E2E_DOTENV_URL \\(from $dir/envdir/\\.env\\)" \
    "the error names the variable, its line and the .env it came from"

run env TINKR_E2E_DOTENV_URL="$good_url" "$TINKR" config check "$envconf"
is "$rc" 0 "the process environment wins over a bad value in .env"

printf 'TINKR_E2E_DOTENV_URL=%s\n' "$good_url" >"$dir/envdir/.env"
run env TINKR_E2E_DOTENV_URL="ftp://from-env.example.invalid/" "$TINKR" \
    config check "$envconf"
is "$rc" 1 "the process environment wins over a good value in .env"
one_error "$err" "TINKR_E2E_DOTENV_URL \\(from the environment\\)" \
    "the error says the value came from the environment"

chmod 640 "$dir/envdir/.env"
tinkr config check "$envconf"
is "$rc" 0 "a group-readable .env still loads"
one_error "$err" "^tinkr: warning: .*$dir/envdir/\\.env" \
    "a group-readable .env gives one warning line naming it"
chmod 600 "$dir/envdir/.env"

# --- the sample configuration ---
sample=${TOP_SRCDIR:+$TOP_SRCDIR/tinkr.toml.sample}
if [ -z "$sample" ] || [ ! -f "$sample" ]; then
	skip "tinkr config check tinkr.toml.sample" "no tinkr.toml.sample in TOP_SRCDIR yet"
else
	# Give every variable the sample refers to a value, as its .env would.
	vars=$(grep -o 'env:[A-Za-z_][A-Za-z0-9_]*' "$sample" | sed 's/^env://' |
	    sort -u)
	for v in $vars; do
		export "$v=https://example.invalid/$v"
	done
	tinkr config check "$sample"
	is "$rc" 0 "tinkr config check tinkr.toml.sample exits 0"
	contains "$out" "configuration OK" "tinkr.toml.sample is OK"
	for v in $vars; do
		unset "$v"
	done
fi

# --- the search order ---
if [ -e /etc/tinkr/tinkr.toml ]; then
	skip "with no file, the built-in defaults are checked" "/etc/tinkr/tinkr.toml exists here"
else
	tinkr config check
	is "$rc" 0 "config check with no file anywhere exits 0"
	like "$out" '^built-in defaults: configuration OK' "with no file, the built-in defaults are checked"
fi

mkdir -p "$T_SCRATCH/xdg/tinkr"
cp "$dir/good.toml" "$T_SCRATCH/xdg/tinkr/tinkr.toml"
run env XDG_CONFIG_HOME="$T_SCRATCH/xdg" "$TINKR" config check
like "$out" "^$T_SCRATCH/xdg/tinkr/tinkr\\.toml: configuration OK" "XDG_CONFIG_HOME/tinkr/tinkr.toml is found"

mkdir -m 700 "$HOME/.tinkr"
cp "$dir/good.toml" "$HOME/.tinkr/config.toml"
run env XDG_CONFIG_HOME="$T_SCRATCH/xdg" "$TINKR" config check
like "$out" "^$HOME/\\.tinkr/config\\.toml: configuration OK" "HOME/.tinkr/config.toml comes before XDG_CONFIG_HOME"

run env TINKR_CONFIG="$dir/good.toml" "$TINKR" config check
like "$out" "^$dir/good\\.toml: configuration OK" "TINKR_CONFIG comes before HOME/.tinkr/config.toml"

cp "$dir/good.toml" "$dir/other.toml"
run env TINKR_CONFIG="$dir/good.toml" "$TINKR" -c "$dir/other.toml" config check
like "$out" "^$dir/other\\.toml: configuration OK" "-c comes before TINKR_CONFIG"
rm -r "$HOME/.tinkr" "$T_SCRATCH/xdg"

# --- the choice of profile ---
conf profiles.toml <<'EOF'
[profiles.alpha]
backend = "local"

[profiles.beta]
backend = "local"
active = true

[profiles.default]
backend = "local"
EOF
profiles=$f
conf no-active.toml <<'EOF'
[profiles.alpha]
backend = "local"

[profiles.default]
backend = "local"
EOF
noactive=$f

# active_is DESCRIPTION WANT: the last --json config check chose WANT.
active_is() {
	is "$rc" 0 "$1: exits 0"
	is "$(json_get "$out" active_profile)" "$2" "$1: the active profile is $2"
}

tinkr --json config check "$profiles"
active_is "active = true" beta
is "$(json_get "$out" active_from)" "active = true" "active_from says active = true"
is "$(json_get "$out" profiles)" 3 "--json config check counts three profiles"
ok "--json config check prints JSON" json_valid "$out"

run env TINKR_PROFILE=alpha "$TINKR" --json config check "$profiles"
active_is "TINKR_PROFILE over active = true" alpha

run env TINKR_PROFILE=alpha "$TINKR" -p default --json config check "$profiles"
active_is "-p over TINKR_PROFILE" default

run env TINKR_PROFILE=alpha "$TINKR" --json config check --profile default "$profiles"
active_is "--profile after the command" default

tinkr --json config check "$noactive"
active_is "no active = true" default

tinkr -p nosuch config check "$profiles"
is "$rc" 1 "-p with an unknown profile exits 1"
one_error "$err" "nosuch" "-p with an unknown profile names it in one line"

# A TINKR_PROFILE naming no profile is not passed over in silence.
run env TINKR_PROFILE=nosuch "$TINKR" config check "$profiles"
like "$err" "^tinkr: .*TINKR_PROFILE.*'nosuch'" "TINKR_PROFILE naming an unknown profile is reported"

# The same choice as profile show sees it from the daemon.
tinkr -c "$profiles" daemon start
is "$rc" 0 "daemon start with the profiles config exits 0"
tinkr profile show
like "$out" '^Profile: +beta \(active\)$' "profile show shows the active = true profile"
run env TINKR_PROFILE=alpha "$TINKR" profile show
like "$out" '^Profile: +alpha$' "profile show follows TINKR_PROFILE"
run env TINKR_PROFILE=alpha "$TINKR" -p default profile show
like "$out" '^Profile: +default$' "profile show follows -p over TINKR_PROFILE"
tinkr profile show nosuch
is "$rc" 1 "profile show of an unknown profile exits 1"
one_error "$err" "no profile 'nosuch'" "profile show of an unknown profile says so"
tinkr daemon stop
is "$rc" 0 "daemon stop exits 0"

done_testing
