#!/bin/sh
# reload.sh -- `tinkr daemon reload` and SIGHUP swap in a valid
# configuration and keep the running one when the new one is broken.
set -eu
. "${TOP_SRCDIR:-.}/tests/e2e/lib.sh"

mkdir -m 700 conf
cfg=$T_SCRATCH/conf/tinkr.toml

# write_config NAME...: profiles in that order; the second one is active.
write_config() {
	{
		echo "# written by reload.sh"
		_wc_i=0
		for _wc_name in "$@"; do
			echo "[profiles.$_wc_name]"
			echo 'backend = "local"'
			[ "$_wc_i" != 1 ] || echo 'active = true'
			echo
			_wc_i=$((_wc_i + 1))
		done
	} >"$cfg.tmp"
	chmod 600 "$cfg.tmp"
	mv "$cfg.tmp" "$cfg"
}

# $names: the profile names `tinkr profile list` shows, sorted, on one line.
list_profiles() {
	tinkr profile list
	if [ "$rc" != 0 ]; then
		names="(profile list failed: exit $rc)"
		return
	fi
	names=$(printf '%s\n' "$out" | sed 1d | awk 'NF { print $1 }' | sort |
	    tr '\n' ' ' | sed 's/ $//')
}

# --- start with two profiles ---
write_config alpha beta
tinkr -c "$cfg" daemon start
is "$rc" 0 "daemon start with -c FILE exits 0"
pid=$(daemon_pid)
list_profiles
is "$names" "alpha beta" "profile list shows both profiles"
like "$out" '^beta +.*\*$' "profile list marks the active = true profile"

# --- a third profile, reloaded ---
write_config alpha beta gamma
tinkr daemon reload
is "$rc" 0 "daemon reload of a valid config exits 0"
like "$out" "^configuration reloaded from $cfg" "daemon reload says configuration reloaded"
list_profiles
is "$names" "alpha beta gamma" "profile list shows three profiles after reload"
is "$(daemon_pid)" "$pid" "reload keeps the same daemon"

# --- a broken config is refused and the running one kept ---
# line 1 comment, 2 [profiles.alpha], 3 backend, 4 blank, 5 [profiles.beta],
# 6 backend, 7 active, 8 blank, 9 [profiles.gamma], 10 backend, 11 blank
write_config alpha beta gamma
printf '[profiles.delta]\nbakend = "local"\n' >>"$cfg"
tinkr daemon reload
is "$rc" 1 "daemon reload of an unknown key exits 1"
one_error "$err" "^tinkr: $cfg:13: .*running configuration is kept" \
    "daemon reload names file:line and says the running configuration is kept"
list_profiles
is "$names" "alpha beta gamma" "profile list still shows the three profiles"

write_config alpha beta gamma
printf '[profiles.delta]\nbackend = local\n' >>"$cfg"
tinkr daemon reload
is "$rc" 1 "daemon reload of a bare word value exits 1"
one_error "$err" "^tinkr: $cfg:13: .*running configuration is kept" \
    "a bare word value is reported at its file:line"
list_profiles
is "$names" "alpha beta gamma" "profile list still shows the three profiles"
mv "$cfg" "$cfg.away"
tinkr daemon reload
is "$rc" 1 "daemon reload of a missing file exits 1"
one_error "$err" "^tinkr: $cfg: .*running configuration is kept" \
    "a missing file is named and the running configuration is kept"
mv "$cfg.away" "$cfg"
list_profiles
is "$names" "alpha beta gamma" "profile list still shows the three profiles"
ok "the daemon survived the broken reloads" pid_alive "${pid:-0}"

tinkr daemon stop
is "$rc" 0 "daemon stop exits 0"

# --- SIGHUP, with the daemon in the foreground and its log kept ---
write_config alpha beta gamma
log=$T_SCRATCH/hup.log
TINKR_CONFIG=$cfg
export TINKR_CONFIG
if start_foreground "$log"; then
	pass "tinkrd -f with TINKR_CONFIG starts"
else
	fail "tinkrd -f with TINKR_CONFIG starts"
	diag_file "its log" "$log"
fi
unset TINKR_CONFIG
contains "$(cat "$log")" "$cfg" "tinkrd logs the config file it started with"
list_profiles
is "$names" "alpha beta gamma" "profile list shows the three profiles"

write_config alpha beta gamma
printf '[profiles.delta]\nbackend = local\n' >>"$cfg"
kill -HUP "$fg_pid"
ok "SIGHUP with a broken config logs reload failed" \
    wait_until 10 grep -q 'reload failed' "$log"
like "$(cat "$log")" "reload failed.*$cfg:13: " "the log names the broken file:line"
ok "the daemon survives SIGHUP with a broken config" pid_alive "$fg_pid"
list_profiles
is "$names" "alpha beta gamma" "the old profiles are kept after a failed SIGHUP"

write_config alpha beta delta
kill -HUP "$fg_pid"
ok "SIGHUP with a fixed config logs configuration reloaded" \
    wait_until 10 grep -q 'configuration reloaded' "$log"
list_profiles
is "$names" "alpha beta delta" "the new profiles are visible after SIGHUP"
ok "the daemon still runs" pid_alive "$fg_pid"

kill -TERM "$fg_pid"
st=0
wait "$fg_pid" || st=$?
is "$st" 0 "tinkrd -f exits 0 on SIGTERM"
sanitizer_check "tinkrd -f" "$log"

done_testing
