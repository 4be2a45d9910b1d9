#!/bin/sh
# man-lint.sh -- the manual pages are clean under mandoc -Tlint, tinkr(1)
# documents every command of the CLI's table, and tinkr.toml(5) documents
# exactly the keys lib/config.c knows.
#
# Run by "make check" with MANDOC (the path of mandoc, empty when it was not
# found) and TOP_SRCDIR set; prints TAP.
set -eu

: "${MANDOC:=}"
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"

if [ -z "$MANDOC" ]; then
	echo "1..0 # SKIP mandoc not installed"
	exit 0
fi

n=0
failed=0

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
}

# Print text as TAP diagnostics, one "# " line per line.
diag() {
	printf '%s\n' "$1" | sed 's/^/# /'
}

# --- each page is clean under mandoc -Tlint -W warning ----------------------
for page in man/tinkr.1 man/tinkrd.8 man/tinkr.toml.5; do
	if [ ! -f "$TOP_SRCDIR/$page" ]; then
		not_ok "mandoc -Tlint $page"
		diag "$page is missing"
		continue
	fi
	status=0
	out=$("$MANDOC" -Tlint -W warning "$TOP_SRCDIR/$page" 2>&1) || status=$?
	if [ "$status" -eq 0 ] && [ -z "$out" ]; then
		ok "mandoc -Tlint $page"
	else
		not_ok "mandoc -Tlint $page"
		diag "$out"
	fi
done

# --- tinkr(1) documents every command in the CLI's table --------------------
# Each command is a "const struct cmd_entry cmd_..._entry = {" block whose
# next line starts with its group (or NULL) and its name:
#	"daemon", "start", "", 0, 0, NULL,
# A command is documented by an item ".It Cm group name" in tinkr.1.
commands=$(for f in "$TOP_SRCDIR"/cmd/tinkr/cmd-*.c; do
	awk '/cmd_.*_entry = \{/ { getline; print }' "$f"
done | sed -n -e 's/^[[:space:]]*NULL,[[:space:]]*"\([^"]*\)".*/\1/p' \
    -e 's/^[[:space:]]*"\([^"]*\)",[[:space:]]*"\([^"]*\)".*/\1 \2/p')

if [ -z "$commands" ]; then
	not_ok "the CLI's command table is found in cmd/tinkr/cmd-*.c"
fi
while read -r words; do
	[ -n "$words" ] || continue
	if grep -Eq "^\.It Cm $words( |\$)" "$TOP_SRCDIR/man/tinkr.1" \
	    2>/dev/null; then
		ok "tinkr.1 documents '$words'"
	else
		not_ok "tinkr.1 documents '$words'"
		diag "no '.It Cm $words' item in man/tinkr.1"
	fi
done <<EOF
$commands
EOF

# --- tinkr.toml(5) and lib/config.c's schema name the same keys --------------
# A key is documented by an item ".It Ic key" in tinkr.toml.5; for
# header_<Name> the item is ".It Ic header_ Ns ...". The schema is the
# table of key rules in lib/config.c, one { "key", CSECT_..., ... } a key.
config_c=$TOP_SRCDIR/lib/config.c
if [ ! -f "$config_c" ]; then
	n=$((n + 1))
	echo "ok $n # SKIP lib/config.c does not exist yet"
else
	documented=$(sed -n 's/^\.It Ic \([A-Za-z_][A-Za-z0-9_-]*\).*/\1/p' \
	    "$TOP_SRCDIR/man/tinkr.toml.5" | sort -u)
	schema=$(grep -v '^[[:space:]]*\[CSECT_' "$config_c" |
	    sed -n 's/.*{[[:space:]]*"\([A-Za-z0-9_-]*\)",[[:space:]]*CSECT_.*/\1/p' |
	    sort -u)
	if [ -z "$documented" ]; then
		not_ok "tinkr.toml.5 documents keys as '.It Ic key' items"
	fi
	if [ -z "$schema" ]; then
		not_ok "lib/config.c has a key table"
	fi
	for key in $documented; do
		if printf '%s\n' "$schema" | grep -qx -- "$key"; then
			ok "tinkr.toml.5 key '$key' is in lib/config.c"
		else
			not_ok "tinkr.toml.5 key '$key' is in lib/config.c"
			diag "lib/config.c's key table has no \"$key\""
		fi
	done
	for key in $schema; do
		if printf '%s\n' "$documented" | grep -qx -- "$key"; then
			ok "lib/config.c key '$key' is in tinkr.toml.5"
		else
			not_ok "lib/config.c key '$key' is in tinkr.toml.5"
			diag "no '.It Ic $key' item in man/tinkr.toml.5"
		fi
	done
fi

echo "1..$n"
[ "$failed" -eq 0 ]
