/* test-config.c -- tinkr.toml as a user writes it, and what they see */

#include <sys/stat.h>

#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "tap.h"

#define HASH_A	"2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b"
#include "toml.h"
#include "util.h"

static char	 err[1024];
static char	 tmpdir[256];

/* The reference page's notifiers, exactly as written there. */
static const char reference[] =
    "[profiles.aws-prod.notifiers.pagerduty]\n"
    "type = \"webhook\"\n"
    "url = \"env:PAGERDUTY_WEBHOOK_URL\"\n"
    "header_Authorization = \"env:PAGERDUTY_API_KEY\"\n"
    "[profiles.aws-prod.notifiers.opsgenie]\n"
    "type = \"webhook\"\n"
    "url = \"env:OPSGENIE_WEBHOOK_URL\"\n"
    "header_Authorization = \"env:OPSGENIE_API_KEY\"\n"
    "[profiles.aws-prod.notifiers.custom]\n"
    "type = \"webhook\"\n"
    "url = \"https://hooks.internal.acme.com/tinker-alerts\"\n"
    "[profiles.aws-prod.notifiers.discord-ops]\n"
    "type = \"discord\"\n"
    "webhook_url = \"env:DISCORD_OPS_WEBHOOK_URL\"\n";

/* ...and its .env lines. */
static const char reference_env[] =
    "PAGERDUTY_WEBHOOK_URL=https://events.pagerduty.com/integration/XXXX/"
    "enqueue\n"
    "PAGERDUTY_API_KEY=Token token=XXXX\n"
    "OPSGENIE_WEBHOOK_URL=https://api.opsgenie.com/v2/alerts\n"
    "OPSGENIE_API_KEY=GenieKey XXXX\n"
    "DISCORD_OPS_WEBHOOK_URL=https://discord.com/api/webhooks/1234567890/"
    "xxxx\n";

static const char *const reference_vars[] = {
	"PAGERDUTY_WEBHOOK_URL", "PAGERDUTY_API_KEY", "OPSGENIE_WEBHOOK_URL",
	"OPSGENIE_API_KEY", "DISCORD_OPS_WEBHOOK_URL", NULL
};

/* Parse text as t.toml without a .env; NULL and err on failure. */
static struct config *
parse(const char *text)
{
	err[0] = '\0';
	return config_parse("t.toml", text, strlen(text), NULL, err,
	    sizeof err);
}

/* The error text parses to, or "(parsed)". */
static const char *
error_of(const char *text)
{
	struct config	*cfg;

	if ((cfg = parse(text)) == NULL)
		return err;
	config_free(cfg);
	return "(parsed)";
}

/* Parse one value with toml_value; the error lands in err. */
static int
value_of(const char *s, struct cval *v)
{
	err[0] = '\0';
	return toml_value(s, "k", 0, v, err, sizeof err);
}

/* The string a section's key holds, or NULL. */
static const char *
str_of(const struct config *cfg, const char *section, const char *key)
{
	return csection_str(config_section(cfg, section), key);
}

/* Write a file with a mode. */
static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL) {
		diag("cannot write %s", path);
		return;
	}
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

/* A path inside the scratch directory (one static buffer per slot). */
static const char *
tmp(const char *name)
{
	static char	 bufs[4][PATH_MAX];
	static int	 slot;
	char		*b = bufs[slot++ % 4];

	snprintf(b, PATH_MAX, "%s/%s", tmpdir, name);
	return b;
}

/* The scratch directory with symbolic links resolved. */
static void
real_tmpdir(char *buf, size_t len)
{
	char	*r;

	if ((r = realpath(tmpdir, NULL)) == NULL) {
		strlcpy(buf, tmpdir, len);
		return;
	}
	strlcpy(buf, r, len);
	free(r);
}

/* nftw callback: remove one entry. */
static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* Unset every variable the reference page uses. */
static void
unset_reference_vars(void)
{
	size_t	 i;

	for (i = 0; reference_vars[i] != NULL; i++)
		unsetenv(reference_vars[i]);
}

/* Every scalar form: the value accepted, or the error a user sees. */
static void
test_scalars(void)
{
	struct cval	 v;
	char		*s;

	ok(value_of("\"a\\tb\\n\\\"q\\\" \\\\ \\u00e9 \\U0001F600\"", &v) == 0 &&
	    v.type == CVAL_STRING, "basic string with escapes");
	is_string(v.s, "a\tb\n\"q\" \\ \xc3\xa9 \xf0\x9f\x98\x80",
	    "escapes decoded, \\u and \\U as UTF-8");
	cval_free(&v);
	value_of("\"\\b\\f\\r\"", &v);
	is_string(v.s, "\b\f\r", "\\b \\f \\r");
	cval_free(&v);
	value_of("'C:\\logs\\*.log'", &v);
	is_string(v.s, "C:\\logs\\*.log", "literal string keeps backslashes");
	cval_free(&v);
	value_of("'say \"hi\"'", &v);
	is_string(v.s, "say \"hi\"", "literal string keeps double quotes");
	cval_free(&v);
	value_of("\"\"", &v);
	is_string(v.s, "", "empty basic string");
	cval_free(&v);
	value_of("''", &v);
	is_string(v.s, "", "empty literal string");
	cval_free(&v);
	value_of("\"a # b ; c\"   # comment", &v);
	is_string(v.s, "a # b ; c", "# and ; inside a string are kept; "
	    "the comment after it is not");
	cval_free(&v);

	value_of("42", &v);
	ok(v.type == CVAL_INTEGER && v.i == 42, "integer 42");
	value_of("+42", &v);
	is_int(v.i, 42, "integer +42");
	value_of("-17", &v);
	is_int(v.i, -17, "integer -17");
	value_of("0", &v);
	is_int(v.i, 0, "integer 0");
	value_of("-0", &v);
	is_int(v.i, 0, "integer -0");
	value_of("1_000_000", &v);
	is_int(v.i, 1000000, "underscores between digits");
	value_of("0xDEAD_beef", &v);
	is_int(v.i, 0xdeadbeef, "hexadecimal with an underscore");
	value_of("0o755", &v);
	is_int(v.i, 0755, "octal");
	value_of("0b1101", &v);
	is_int(v.i, 13, "binary");
	value_of("9223372036854775807", &v);
	is_int(v.i, 9223372036854775807LL, "largest integer");
	value_of("-9223372036854775808", &v);
	ok(v.i == -9223372036854775807LL - 1, "smallest integer");

	value_of("012", &v);
	is_string(err, "'012': leading zeros are not allowed in numbers",
	    "leading zero refused");
	value_of("1__0", &v);
	is_string(err, "'1__0' is not a valid number (an underscore must sit "
	    "between two digits)", "double underscore refused");
	value_of("1_", &v);
	like(err, "'1_' is not a valid number (an underscore", "trailing "
	    "underscore refused");
	value_of("0x", &v);
	is_string(err, "'0x' is not a valid hexadecimal integer", "0x alone");
	value_of("0b102", &v);
	is_string(err, "'0b102' is not a valid binary integer", "bad binary");
	value_of("0o8", &v);
	is_string(err, "'0o8' is not a valid octal integer", "bad octal");
	value_of("+0x1", &v);
	is_string(err, "'+0x1' is not a valid number", "sign on hex");
	value_of("9223372036854775808", &v);
	is_string(err, "'9223372036854775808' is out of range for a 64-bit "
	    "integer", "integer overflow");
	value_of("0x8000000000000000", &v);
	like(err, "out of range for a 64-bit integer", "hex overflow");

	value_of("3.14", &v);
	ok(v.type == CVAL_FLOAT && v.f == 3.14, "float 3.14");
	value_of("-0.5", &v);
	ok(v.f == -0.5, "float -0.5");
	value_of("1e6", &v);
	ok(v.type == CVAL_FLOAT && v.f == 1e6, "float 1e6");
	value_of("1E-2", &v);
	ok(v.f == 0.01, "float 1E-2");
	value_of("6.626e-34", &v);
	ok(v.f == 6.626e-34, "float 6.626e-34");
	value_of("1_000.000_1", &v);
	ok(v.f == 1000.0001, "float with underscores");
	value_of("1e+06", &v);
	ok(v.f == 1e6, "exponent with a sign and leading zero");
	value_of("inf", &v);
	ok(v.type == CVAL_FLOAT && isinf(v.f) && v.f > 0, "inf");
	value_of("+inf", &v);
	ok(isinf(v.f) && v.f > 0, "+inf");
	value_of("-inf", &v);
	ok(isinf(v.f) && v.f < 0, "-inf");
	value_of("nan", &v);
	ok(v.type == CVAL_FLOAT && isnan(v.f), "nan");
	value_of("-nan", &v);
	ok(isnan(v.f), "-nan");
	value_of("1.", &v);
	is_string(err, "'1.' is not a valid number", "1. refused");
	value_of(".5", &v);
	is_string(err, "'.5' is not a valid number", ".5 refused");
	value_of("1e", &v);
	is_string(err, "'1e' is not a valid number", "1e refused");
	value_of("01.5", &v);
	like(err, "leading zeros are not allowed", "01.5 refused");
	value_of("1.5.2", &v);
	is_string(err, "'1.5.2' is not a valid number", "1.5.2 refused");
	value_of("1e999", &v);
	is_string(err, "'1e999' is out of range for a float", "float overflow");

	value_of("true", &v);
	ok(v.type == CVAL_BOOL && v.b == 1, "true");
	value_of("false", &v);
	ok(v.type == CVAL_BOOL && v.b == 0, "false");
	value_of("True", &v);
	is_string(err, "expected a value after 'k =' (strings need quotes: "
	    "\"True\")", "True is not a boolean");

	ok(value_of("[]", &v) == 0 && v.type == CVAL_ARRAY && v.nitems == 0,
	    "empty array");
	cval_free(&v);
	ok(value_of("[ 1 , \"two\", 'three', true, 4.5, ]", &v) == 0 &&
	    v.nitems == 5, "array with a trailing comma");
	ok(v.items[0].i == 1 && strcmp(v.items[1].s, "two") == 0 &&
	    strcmp(v.items[2].s, "three") == 0 && v.items[3].b &&
	    v.items[4].f == 4.5, "array items parsed");
	s = toml_emit(&v);
	is_string(s, "[1,\"two\",\"three\",true,4.5]", "canonical array");
	free(s);
	cval_free(&v);
	value_of("[[1], [2]]", &v);
	is_string(err, "nested arrays are not supported (in the array for "
	    "'k')", "nested array refused");
	value_of("[1, 2,", &v);
	is_string(err, "multi-line arrays are not supported; write the array "
	    "for 'k' on one line", "unclosed array refused");
	value_of("[  # comment", &v);
	like(err, "multi-line arrays are not supported", "array opened and "
	    "commented out");
	value_of("[1 2]", &v);
	is_string(err, "expected ',' or ']' in the array for 'k'", "missing "
	    "comma");
	value_of("[,]", &v);
	is_string(err, "missing value in the array for 'k'", "lone comma");
	value_of("[a, b]", &v);
	is_string(err, "expected a value in the array for 'k' (strings need "
	    "quotes: \"a\")", "bare word in an array");
	value_of("[{ a = 1 }]", &v);
	like(err, "inline tables are not supported", "table in an array");

	value_of("1979-05-27", &v);
	is_string(err, "dates and times are not supported; write the value of "
	    "'k' as a string", "date refused");
	value_of("1979-05-27T07:32:00Z", &v);
	like(err, "dates and times are not supported", "datetime refused");
	value_of("07:32:00", &v);
	like(err, "dates and times are not supported", "time refused");
	value_of("{ a = 1 }", &v);
	is_string(err, "inline tables are not supported; use a [section] for "
	    "'k'", "inline table refused");
	value_of("\"\"\"text\"\"\"", &v);
	is_string(err, "multi-line strings (\"\"\") are not supported; write "
	    "the value of 'k' on one line", "\"\"\" refused");
	value_of("'''text'''", &v);
	like(err, "multi-line strings (''') are not supported", "''' refused");
	value_of("\"a\\qb\"", &v);
	is_string(err, "invalid escape '\\q' in the string for 'k' (write \\\\ "
	    "for a backslash)", "invalid escape refused");
	value_of("\"\\u12\"", &v);
	is_string(err, "\\u needs exactly 4 hex digits", "short \\u refused");
	value_of("\"\\uD800\"", &v);
	is_string(err, "\\uD800 is not a Unicode scalar value", "surrogate "
	    "refused");
	value_of("\"\\U00110000\"", &v);
	like(err, "is not a Unicode scalar value", "beyond U+10FFFF refused");
	value_of("\"\\u0000\"", &v);
	is_string(err, "a string cannot hold a NUL character (\\u0000)",
	    "\\u0000 refused");
	value_of("\"open", &v);
	is_string(err, "missing closing quote in the value of 'k'",
	    "unterminated string");
	value_of("'open", &v);
	like(err, "missing closing quote", "unterminated literal string");
	value_of("\"a\x01\"", &v);
	like(err, "control character in the string for 'k'", "control "
	    "character refused");
	value_of("\"a\" \"b\"", &v);
	is_string(err, "unexpected text after the value of 'k' (comments start "
	    "with #)", "two strings");
	value_of("true false", &v);
	like(err, "unexpected text after the value of 'k'", "two booleans");
	value_of("1 ; comment", &v);
	is_string(err, "';' does not start a comment in TOML; use '#'",
	    "; after a value");
	value_of("", &v);
	is_string(err, "missing value after 'k ='", "missing value");
	value_of("   # only a comment", &v);
	is_string(err, "missing value after 'k ='", "comment instead of a "
	    "value");

	err[0] = '\0';
	toml_value("Token abc123", "header_Authorization", 1, &v, err,
	    sizeof err);
	is_string(err, "expected a value after 'header_Authorization =' "
	    "(strings need quotes)", "a secret bare word is not quoted back");

	value_of("\"a ; b # c\"", &v);
	s = toml_emit(&v);
	is_string(s, "\"a \\u003B b \\u0023 c\"", "canonical string hides ; "
	    "and # from inih");
	free(s);
	cval_free(&v);
	value_of("1.0", &v);
	s = toml_emit(&v);
	is_string(s, "1.0", "canonical float keeps its point");
	free(s);
}

/* Debian inih's quirks never change a value silently. */
static void
test_quirks(void)
{
	struct config	*cfg;
	const struct csection *sec;
	char		 text[2048], longname[61], value[260], comment[301];

	cfg = parse("[profiles.p.services.s]\n"
	    "logs = \"/var/log/a ; b.log\"\n"
	    "format = \"json\"\n");
	is_string(str_of(cfg, "profiles.p.services.s", "logs"),
	    "/var/log/a ; b.log", "'; ' inside a string is kept");
	config_free(cfg);

	cfg = parse("[profiles.p.notifiers.n]\n"
	    "type = \"webhook\"\n"
	    "url = \"https://h.example/x\"\n"
	    "header_Authorization = \"Token a ; b\"\n"
	    "secret = 'lit ; eral'\n");
	sec = config_section(cfg, "profiles.p.notifiers.n");
	is_string(csection_str(sec, "header_Authorization"), "Token a ; b",
	    "the reference's 'Token a ; b' arrives whole");
	is_string(csection_str(sec, "secret"), "lit ; eral", "'; ' inside a "
	    "literal string is kept");
	config_free(cfg);

	cfg = parse("[profiles.p]\n"
	    "backend = \"grafana\"   # a note\n"
	    "prometheus_url = \"http://prom:9090\"  # its data source\n"
	    "[profiles.p.services.s]\n"
	    "logs = \"/var/log/#1/*.log\"  # the first one\n");
	is_string(((cfg != NULL) ? cfg->profiles[0].backend : NULL),
	    "grafana", "# comment after a value is stripped");
	is_string(str_of(cfg, "profiles.p.services.s", "logs"),
	    "/var/log/#1/*.log", "# inside a string is kept");
	config_free(cfg);

	cfg = parse("[profiles.a]\n"
	    "  backend = \"tinkr\"\n"
	    "  url = \"http://tinkr.example.com\"\n"
	    "  [profiles.a.services.api]\n"
	    "\t\tlogs = \"/var/log/api.log\"\n"
	    "    [profiles.b]\n"
	    "    active = true\n");
	ok(cfg != NULL, "indented keys and headers parse");
	if (cfg != NULL) {
		is_int(cfg->nsections, 3, "indented headers start sections");
		is_string(cfg->profiles[0].backend, "tinkr", "indented key in "
		    "[profiles.a]");
		is_string(str_of(cfg, "profiles.a.services.api", "logs"),
		    "/var/log/api.log", "indented key in the indented section");
		ok(cfg->profiles[1].active && !cfg->profiles[0].active,
		    "active = true lands in [profiles.b], not in a's backend");
	}
	config_free(cfg);

	memset(comment, 'c', sizeof comment - 1);
	comment[0] = '#';
	comment[sizeof comment - 1] = '\0';
	snprintf(text, sizeof text, "[profiles.p]\n%s\nbackend = \"local\" "
	    "%s\n", comment, comment);
	is_string(error_of(text), "(parsed)", "a 300-character comment line "
	    "and a long trailing comment are fine");

	memset(value, 'v', 250);
	value[250] = '\0';
	snprintf(text, sizeof text, "[profiles.p.services.s]\nformat = "
	    "\"json\"\nlogs = \"%s\"\n", value);
	is_string(error_of(text), "t.toml:3: line too long for the config "
	    "reader (257 characters, at most 198); move long values into the "
	    "environment and write key = \"env:NAME\"", "a 250-character "
	    "value is refused with the env: hint");

	memset(value, 'v', 191);
	value[191] = '\0';
	snprintf(text, sizeof text, "[profiles.p.services.s]\nlogs = \"%s\"\n",
	    value);
	cfg = parse(text);
	is_string(str_of(cfg, "profiles.p.services.s", "logs"), value,
	    "a canonical line of exactly 198 characters arrives whole");
	config_free(cfg);
	memset(value, 'v', 192);
	value[192] = '\0';
	snprintf(text, sizeof text, "[profiles.p.services.s]\nlogs = \"%s\"\n",
	    value);
	like(error_of(text), "t.toml:2: line too long for the config reader "
	    "(199 characters, at most 198)", "199 characters are refused, not "
	    "cut");

	memset(longname, 'n', 60);
	longname[60] = '\0';
	snprintf(text, sizeof text, "[profiles.%s]\nbackend = \"grafana\"\n"
	    "prometheus_url = \"http://p\"\n[profiles.%s.services.%s]\nlogs = \"/x\"\n", longname, longname,
	    longname);
	cfg = parse(text);
	ok(cfg != NULL && config_profile(cfg, longname) != NULL,
	    "a 60-character profile name works");
	if (cfg != NULL) {
		is_string(config_profile(cfg, longname)->backend, "grafana",
		    "the long-named section holds its keys");
		snprintf(text, sizeof text, "profiles.%s.services.%s", longname,
		    longname);
		is_string(str_of(cfg, text, "logs"), "/x", "a 138-character "
		    "section name works");
	}
	config_free(cfg);

	cfg = parse("[profiles.a]\r\nbackend = \"grafana\"\r\n"
	    "prometheus_url = \"http://p\"\r\n\r\n");
	is_string(cfg != NULL ? cfg->profiles[0].backend : NULL, "grafana",
	    "CRLF line ends");
	config_free(cfg);
	cfg = parse("\xef\xbb\xbf[profiles.a]\nbackend = \"prometheus\"\n"
	    "url = \"http://p\"");
	is_string(cfg != NULL ? cfg->profiles[0].backend : NULL, "prometheus",
	    "UTF-8 BOM and no final newline");
	config_free(cfg);
	cfg = parse("");
	ok(cfg != NULL && cfg->nprofiles == 0, "an empty file has no "
	    "profiles");
	config_free(cfg);

	err[0] = '\0';
	cfg = config_parse("t.toml", "[profiles.a]\nback\0end = 1\n", 25, NULL,
	    err, sizeof err);
	ok(cfg == NULL, "a NUL byte fails the parse");
	is_string(err, "t.toml:2: NUL byte in the file", "NUL byte error");
	config_free(cfg);
	is_string(error_of("[profiles.a]\nbackend = \"gr\xc3\"\n"),
	    "t.toml:2: the line is not valid UTF-8", "invalid UTF-8");

	is_string(error_of("[profiles.a]\nbackend: \"local\"\n"),
	    "t.toml:2: expected '=' after 'backend' (TOML writes key = value, "
	    "not key: value)", "key: value refused");
	is_string(error_of("[profiles.a]\n; old-style comment\n"),
	    "t.toml:2: ';' does not start a comment in TOML; use '#'",
	    "; comment line refused");
	is_string(error_of("[profiles.a]\nbackend = \"local\" ; note\n"),
	    "t.toml:2: ';' does not start a comment in TOML; use '#'",
	    "; inline comment refused");
	is_string(error_of("[profiles.a]   ; note\n"),
	    "t.toml:1: ';' does not start a comment in TOML; use '#'",
	    "; after a header refused");
	is_string(error_of("[profiles.a]\n\"backend\" = \"local\"\n"),
	    "t.toml:2: quoted keys are not supported; use a bare key "
	    "(letters, digits, '_' and '-')", "quoted key refused");
	is_string(error_of("[profiles]\na.backend = \"local\"\n"),
	    "t.toml:1: unknown section [profiles] (sections are "
	    "[profiles.NAME], [profiles.NAME.services.NAME], "
	    "[profiles.NAME.notifiers.NAME], [server], [auth.keys.NAME] "
	    "and [llm])",
	    "[profiles] alone is unknown");
	is_string(error_of("[profiles.a]\nservices.x = \"local\"\n"),
	    "t.toml:2: dotted keys are not supported; use a [section] header "
	    "for 'services'", "dotted key refused");
	is_string(error_of("[profiles.\"a b\"]\n"),
	    "t.toml:1: quoted names are not supported in section headers; use "
	    "bare names (letters, digits, '_' and '-')", "quoted header name");
	is_string(error_of("[[profiles]]\nname = \"a\"\n"),
	    "t.toml:1: arrays of tables ([[...]]) are not supported; give each "
	    "table its own [section] name", "array of tables refused");
	is_string(error_of("[profiles.a\n"),
	    "t.toml:1: missing ']' at the end of the section header",
	    "unclosed header");
	is_string(error_of("[profiles..a]\n"),
	    "t.toml:1: empty name in the section header", "empty header name");
	is_string(error_of("[profiles.a] x\n"),
	    "t.toml:1: unexpected text after the section header (comments "
	    "start with #)", "text after a header");
	cfg = parse("[ profiles . a ]  # spaced\nbackend = \"grafana\"\n"
	    "prometheus_url = \"http://p\"\n");
	ok(cfg != NULL && config_section(cfg, "profiles.a") != NULL,
	    "blanks around dots in a header");
	config_free(cfg);
	is_string(error_of("backend = \"local\"\n"),
	    "t.toml:1: key 'backend' is outside any section; put it under a "
	    "[profiles.NAME] header", "key outside any section");
	is_string(error_of("[profiles.a]\n= \"local\"\n"),
	    "t.toml:2: expected a key before '='", "missing key");
	is_string(error_of("[profiles.a]\nbackend\n"),
	    "t.toml:2: expected '=' after 'backend'", "key without '='");
	is_string(error_of("[profiles.demo]\nbackend = local\n"),
	    "t.toml:2: expected a value after 'backend =' (strings need quotes: "
	    "\"local\")", "bare word refused with the quoted hint");
	is_string(error_of("[profiles.demo]\nbackend =   # none\n"),
	    "t.toml:2: missing value after 'backend ='", "missing value");
	is_string(error_of("[profiles.demo]\nbackend = \"local\" grafana\n"),
	    "t.toml:2: unexpected text after the value of 'backend' (comments "
	    "start with #)", "trailing garbage");
	is_string(error_of("[profiles.demo]\nbackend = \"\"\"\nlocal\n\"\"\"\n"),
	    "t.toml:2: multi-line strings (\"\"\") are not supported; write the "
	    "value of 'backend' on one line", "multi-line string");
	is_string(error_of("[profiles.d.services.s]\nlogs = [\n  \"/a\",\n]\n"),
	    "t.toml:2: multi-line arrays are not supported; write the array for "
	    "'logs' on one line", "multi-line array");
	is_string(error_of("[profiles.d]\nbackend = { name = \"local\" }\n"),
	    "t.toml:2: inline tables are not supported; use a [section] for "
	    "'backend'", "inline table");
	is_string(error_of("[profiles.d]\nbackend = 2024-01-01\n"),
	    "t.toml:2: dates and times are not supported; write the value of "
	    "'backend' as a string", "date");
	is_string(error_of("[profiles.d]\nbackend = \"local\"\n\n"
	    "backend = \"grafana\"\n"),
	    "t.toml:4: duplicate key 'backend' in [profiles.d] (first set on "
	    "line 2)", "duplicate key names both lines");
	is_string(error_of("[profiles.d]\nbackend = \"local\"\n[profiles.e]\n"
	    "[profiles.d]\n"),
	    "t.toml:4: duplicate section [profiles.d] (first on line 1)",
	    "duplicate section names both lines");
	is_string(error_of("[profiles.d.services.s]\nlogs = \"/a\"\n"
	    "[profiles.d.services.s]\n"),
	    "t.toml:3: duplicate section [profiles.d.services.s] (first on "
	    "line 1)", "duplicate service section");
}

/* Sections, keys and the values each key takes. */
static void
test_schema(void)
{
	struct config		*cfg;
	const struct cprofile	*prof;
	const struct csection	*sec;
	const struct ckey	*k;

	cfg = parse("[profiles.demo.services.api]\nlogs = \"/var/log/api/*.log\"\n"
	    "[profiles.demo]\nbackend = \"prometheus\"\n"
	    "url = \"http://prometheus.example.com:9090\"\n"
	    "[profiles.other.notifiers.n]\ntype = \"discord\"\n"
	    "webhook_url = \"https://discord.com/api/webhooks/1/x\"\n"
	    "[profiles.demo.services.db]\nlogs = ['/a', \"/b\"]\n"
	    "format = \"logfmt\"\n");
	ok(cfg != NULL, "services and notifiers imply their profiles");
	if (cfg == NULL)
		return;
	is_int(cfg->nprofiles, 2, "two profiles");
	is_string(cfg->profiles[0].name, "demo", "profiles in order of first "
	    "appearance (1)");
	is_string(cfg->profiles[1].name, "other", "profiles in order of first "
	    "appearance (2)");
	is_int(cfg->profiles[0].line, 3, "a profile's line is its header's");
	is_int(cfg->profiles[1].line, 0, "an implied profile has line 0");
	is_string(cfg->profiles[1].backend, "local", "backend defaults to "
	    "local");
	prof = config_profile(cfg, "demo");
	is_int(prof->nservices, 2, "demo has two services");
	sec = &cfg->sections[prof->services[1]];
	is_string(sec->sub, "db", "service name");
	is_string(sec->profile, "demo", "service's profile");
	ok(sec->kind == CSECT_SERVICE, "service kind");
	k = csection_key(sec, "logs");
	ok(k != NULL && k->v.type == CVAL_ARRAY && k->v.nitems == 2 &&
	    strcmp(k->v.items[1].s, "/b") == 0, "logs as an array");
	is_int(k != NULL ? k->line : 0, 10, "a key knows its line");
	ok(config_notifier(cfg, config_profile(cfg, "other"), "n") != NULL,
	    "config_notifier finds a notifier");
	ok(config_notifier(cfg, prof, "n") == NULL, "...only in its profile");
	ok(config_profile(cfg, "nope") == NULL, "unknown profile is NULL");
	config_free(cfg);

	is_string(error_of("[profiles.demo]\nbakend = \"local\"\n"),
	    "t.toml:2: unknown key 'bakend' in [profiles.demo] (did you mean "
	    "'backend'?)", "did-you-mean for a key");
	is_string(error_of("[profiles.demo]\nzzz = \"local\"\n"),
	    "t.toml:2: unknown key 'zzz' in [profiles.demo] (known keys: "
	    "backend, active, url, prometheus_url, grafana_url, "
	    "grafana_api_key, token, username, password, service_label, "
	    "timeout)", "no close key: the known ones are listed");
	is_string(error_of("[profiles.demo]\nbackend = \"local\"\n"
	    "zzz = \"local\"\n"),
	    "t.toml:3: unknown key 'zzz' in [profiles.demo] (keys for a local "
	    "profile: backend, active)", "...those of its backend once known");
	is_string(error_of("[profiles.demo]\nbackend = \"prometheus\"\n"
	    "tokn = \"x\"\n"),
	    "t.toml:3: unknown key 'tokn' in [profiles.demo] (did you mean "
	    "'token'?)", "did-you-mean among a backend's keys");
	is_string(error_of("[profiles.demo]\nbackend = \"prometheus\"\n"),
	    "t.toml:1: [profiles.demo] is missing 'url' (or 'prometheus_url'), "
	    "the Prometheus server to query", "a prometheus profile needs url");
	is_string(error_of("[profiles.demo]\nbackend = \"grafana\"\n"
	    "url = \"http://p\"\n"),
	    "t.toml:3: key 'url' does not belong to a grafana profile (did you "
	    "mean 'prometheus_url'?)", "url in a grafana profile");
	is_string(error_of("[profiles.demo]\nbackend = \"prometheus\"\n"
	    "url = \"http://p\"\ntoken = \"t\"\nusername = \"u\"\n"),
	    "t.toml:4: [profiles.demo] has both 'token' and 'username'; a "
	    "server takes bearer or basic authentication, not both",
	    "token and username together");
	is_string(error_of("[profiles.demo]\nbackend = \"prometheus\"\n"
	    "url = \"http://p\"\npassword = \"pw\"\n"),
	    "t.toml:4: [profiles.demo] has 'password' but no 'username'",
	    "password without username");
	is_string(error_of("[profiles.demo]\nbackend = \"prometheus\"\n"
	    "url = \"http://p\"\nservice_label = \"app-name\"\n"),
	    "t.toml:4: service_label must be a Prometheus label name (letters, "
	    "digits and '_', not first a digit)", "a bad service_label");
	is_string(error_of("[profiles.demo]\nbackend = \"prometheus\"\n"
	    "url = \"http://p\"\n[profiles.demo.services.s]\n"
	    "[profiles.demo.services.s.rules.r]\nkind = \"count\"\n"
	    "threshold = 1\n"),
	    "t.toml:5: [profiles.demo.services.s.rules.r]: a count rule reads "
	    "log lines; profile 'demo' uses the prometheus backend, whose rules "
	    "are kind = \"promql\" with an expr", "a log rule in a prometheus "
	    "profile");
	is_string(error_of("[profiles.demo.services.s]\n"
	    "[profiles.demo.services.s.rules.r]\nkind = \"promql\"\n"
	    "expr = \"up\"\nthreshold = 1\n"),
	    "t.toml:2: [profiles.demo.services.s.rules.r]: a promql rule needs "
	    "a prometheus or grafana profile; profile 'demo' uses the local "
	    "backend", "a promql rule in a local profile");
	is_string(error_of("[profiles.demo]\nbackend = \"prometheus\"\n"
	    "url = \"http://p\"\n[profiles.demo.services.s]\n"
	    "[profiles.demo.services.s.rules.r]\nkind = \"promql\"\n"
	    "threshold = 1\n"),
	    "t.toml:5: [profiles.demo.services.s.rules.r] is missing 'expr', "
	    "which a promql rule needs", "a promql rule needs expr");
	is_string(error_of("[profile.demo]\n"),
	    "t.toml:1: unknown section [profile.demo] (did you mean "
	    "[profiles.demo]?)", "did-you-mean for a section");
	is_string(error_of("[profiles.demo.service.api]\n"),
	    "t.toml:1: unknown section [profiles.demo.service.api] (did you "
	    "mean [profiles.demo.services.api]?)", "did-you-mean for a service");
	like(error_of("[profiles.demo.notifier.pd]\n"),
	    "(did you mean [profiles.demo.notifiers.pd]?)", "did-you-mean for "
	    "a notifier");
	is_string(error_of("[server]\nlisten = \"x\"\n"),
	    "t.toml:2: listen must be \"HOST:PORT\", such as "
	    "\"127.0.0.1:8000\"", "a listen address needs a port");
	is_string(error_of("[server]\nlisten = \"h:99999\"\n"),
	    "t.toml:2: listen: the port must be a number from 1 to 65535, as "
	    "in \"127.0.0.1:8000\"", "a port out of range");
	like(error_of("[auth.tokens]\n"), "t.toml:1: unknown section "
	    "[auth.tokens]", "[auth.tokens] is unknown");
	is_string(error_of("[auth.keys.ann]\nroles = [\"oncall\"]\n"),
	    "t.toml:1: [auth.keys.ann] is missing 'hash'", "a key needs a "
	    "hash");
	is_string(error_of("[auth.keys.ann]\nhash = \"ABC\"\n"),
	    "t.toml:2: hash must be the SHA-256 of the token in 64 lower-case "
	    "hex digits, as \"tinkr token new\" prints it", "a hash is 64 "
	    "hex digits");
	is_string(error_of("[auth.keys.ann]\nhash = \"" HASH_A "\"\n"
	    "roles = [\"root\"]\n"),
	    "t.toml:3: roles: item 1 is not a role (roles are viewer, oncall "
	    "and sre-lead)", "an unknown role");
	is_string(error_of("[auth.keys.ann]\nhash = \"" HASH_A "\"\n"
	    "roles = []\n"),
	    "t.toml:3: roles must be an array of roles, such as [\"oncall\"]",
	    "no roles");
	is_string(error_of("[server]\ntoken = \"t\"\nlisten = \"127.0.0.1:80\""
	    "\nport = 1\n"),
	    "t.toml:4: unknown key 'port' in [server] (known keys: listen, "
	    "tls_cert, tls_key, url, token)", "an unknown key in [server]");

	is_string(error_of("[profiles.d]\nbackend = \"promethus\"\n"),
	    "t.toml:2: backend 'promethus' is not one of local, prometheus, "
	    "grafana, tinkr (did you mean 'prometheus'?)", "wrong backend");
	is_string(error_of("[profiles.d]\nbackend = \"splunk\"\n"),
	    "t.toml:2: backend 'splunk' is not one of local, prometheus, "
	    "grafana, tinkr", "unknown backend lists the known ones");
	is_string(error_of("[profiles.d]\nbackend = 1\n"),
	    "t.toml:2: backend must be a string, one of local, prometheus, "
	    "grafana, tinkr (not an integer)", "backend of the wrong type");
	is_string(error_of("[profiles.d]\nactive = \"yes\"\n"),
	    "t.toml:2: active must be true or false (not a string)",
	    "active must be a boolean");
	is_string(error_of("[profiles.d.services.s]\nformat = \"xml\"\n"),
	    "t.toml:2: format 'xml' is not one of auto, json, logfmt, text",
	    "unknown format");
	is_string(error_of("[profiles.d.services.s]\nlogs = []\n"),
	    "t.toml:2: logs needs at least one path or glob", "empty logs");
	is_string(error_of("[profiles.d.services.s]\nlogs = [\"/a\", 2]\n"),
	    "t.toml:2: logs must be a string or an array of strings",
	    "logs with a number");
	is_string(error_of("[profiles.d.services.s]\nlogs = [\"env:X\"]\n"),
	    "t.toml:2: env: values cannot be used inside an array (in 'logs')",
	    "env: inside an array");
	is_string(error_of("[profiles.a]\nactive = true\n[profiles.b]\n"
	    "active = false\n[profiles.c]\nactive = true\n"),
	    "t.toml:6: profiles 'a' (line 2) and 'c' (line 6) are both "
	    "active = true; mark only one", "two active profiles name both "
	    "lines");

	cfg = parse("[profiles.p.notifiers.w]\ntype = \"webhook\"\n"
	    "url = \"https://h.example/hook\"\ntimeout = 0x1E\n"
	    "destinations = [\"https://a.example/\", 'http://b.example:8080/x']\n"
	    "[profiles.p.notifiers.v]\ntype = \"webhook\"\n"
	    "url = \"http://[::1]:9000/\"\ntimeout = \"2m\"\n");
	ok(cfg != NULL, "webhook with timeout and destinations");
	is_int(csection_seconds(config_section(cfg, "profiles.p.notifiers.w"),
	    "timeout", 5), 30, "timeout = 0x1E is 30 seconds");
	is_int(csection_seconds(config_section(cfg, "profiles.p.notifiers.v"),
	    "timeout", 5), 120, "timeout = \"2m\" is 120 seconds");
	is_int(csection_seconds(config_section(cfg, "profiles.p.notifiers.v"),
	    "nothing", 5), 5, "an absent duration gives the default");
	sec = config_section(cfg, "profiles.p.notifiers.w");
	ok(csection_key(sec, "url")->secret, "url is secret");
	ok(!csection_key(sec, "timeout")->secret, "timeout is not");
	config_free(cfg);

	is_string(error_of("[profiles.p.notifiers.w]\ntype = \"webhook\"\n"
	    "url = \"https://h/\"\ntimeout = 1.5\n"),
	    "t.toml:4: timeout must be a duration like \"10s\" or a number of "
	    "seconds, not a float", "timeout as a float");
	is_string(error_of("[profiles.p.notifiers.w]\ntype = \"webhook\"\n"
	    "url = \"https://h/\"\ntimeout = \"10x\"\n"),
	    "t.toml:4: timeout '10x' is not a duration like \"10s\", \"2m\" or "
	    "\"1h\"", "timeout as a bad duration");
	is_string(error_of("[profiles.p.notifiers.w]\ntype = \"webhook\"\n"
	    "url = \"https://h/\"\ntimeout = 0\n"),
	    "t.toml:4: timeout must be a positive number of seconds",
	    "timeout = 0");
	is_string(error_of("[profiles.p.notifiers.w]\ntype = \"webhook\"\n"
	    "url = \"ftp://h.example/secret-token\"\n"),
	    "t.toml:3: url is not an http(s) URL", "bad URL, value not shown");
	is_string(error_of("[profiles.p.notifiers.w]\ntype = \"webhook\"\n"
	    "url = \"https:///path\"\n"),
	    "t.toml:3: url is not an http(s) URL", "URL without a host");
	is_string(error_of("[profiles.p.notifiers.w]\ntype = \"webhook\"\n"
	    "url = \"https://h:99999/\"\n"),
	    "t.toml:3: url is not an http(s) URL", "URL with a bad port");
	is_string(error_of("[profiles.p.notifiers.w]\ntype = \"webhook\"\n"
	    "url = \"https://h/\"\ndestinations = [\"gopher://x/\"]\n"),
	    "t.toml:4: 'gopher://x/' in destinations is not an http(s) URL",
	    "bad destination");
	is_string(error_of("[profiles.p.notifiers.w]\ntype = \"webhook\"\n"
	    "url = \"https://h/\"\ndestinations = \"https://x/\"\n"),
	    "t.toml:4: destinations must be an array of URLs, e.g. "
	    "[\"https://hooks.example.com/\"]", "destinations not an array");
	is_string(error_of("[profiles.p.notifiers.w]\ntype = \"webhook\"\n"
	    "url = \"https://h/\"\nheader_X = \"a\\r\\nInjected: 1\"\n"),
	    "t.toml:4: header_X contains a line break, which an HTTP header "
	    "cannot hold", "header value with CR/LF");
	is_string(error_of("[profiles.p.notifiers.w]\ntype = \"webhook\"\n"
	    "url = \"https://h/\"\nheader_ = \"x\"\n"),
	    "t.toml:4: header_ needs a header name after it, e.g. "
	    "header_Authorization", "header_ without a name");
	is_string(error_of("[profiles.p.notifiers.w]\ntype = \"webhook\"\n"
	    "url = \"https://h/\"\nheader_X-Key = \"a\"\nheader_x-key = \"b\"\n"),
	    "t.toml:5: duplicate key 'header_x-key' in [profiles.p.notifiers.w] "
	    "(header_X-Key on line 4 is the same HTTP header)", "header names "
	    "match without case");
	is_string(error_of("[profiles.p.notifiers.w]\ntype = \"webhook\"\n"
	    "url = \"https://h/\"\nheaders_Authorization = \"a\"\n"),
	    "t.toml:4: unknown key 'headers_Authorization' in "
	    "[profiles.p.notifiers.w] (did you mean 'header_Authorization'?)",
	    "did-you-mean for a header key");
	is_string(error_of("[profiles.p.notifiers.w]\ntype = \"webhook\"\n"
	    "webhook_url = \"https://h/\"\n"),
	    "t.toml:3: key 'webhook_url' does not belong to a webhook notifier "
	    "(did you mean 'url'?)", "discord key in a webhook");
	is_string(error_of("[profiles.p.notifiers.d]\nurl = \"https://h/\"\n"
	    "type = \"discord\"\n"),
	    "t.toml:2: key 'url' does not belong to a discord notifier (did you "
	    "mean 'webhook_url'?)", "webhook key before type = discord");
	is_string(error_of("[profiles.p.notifiers.d]\ntype = \"discord\"\n"
	    "webhook_url = \"https://h/\"\nsecret = \"s\"\n"),
	    "t.toml:4: key 'secret' does not belong to a discord notifier "
	    "(keys for a discord notifier: type, timeout, max_age, "
	    "webhook_url)", "no close key for the type");
	is_string(error_of("[profiles.p.notifiers.x]\ntype = \"exec\"\n"
	    "command = \"page-oncall\"\n"),
	    "t.toml:3: command must be an absolute path, such as "
	    "\"/usr/local/bin/page-oncall\"", "an exec command is absolute");
	is_string(error_of("[profiles.p.notifiers.x]\ntype = \"exec\"\n"
	    "command = \"/bin/true\"\nargs = \"-v\"\n"),
	    "t.toml:4: args must be an array of strings, such as [\"--to\", "
	    "\"ops\"]", "exec args are an array");
	is_string(error_of("[profiles.p.notifiers.x]\ntype = \"exec\"\n"
	    "command = \"/bin/true\"\nargs = [\"a\", 2]\n"),
	    "t.toml:4: args: item 2 is not a string", "exec args are strings");
	is_string(error_of("[profiles.p.notifiers.x]\ntype = \"exec\"\n"),
	    "t.toml:1: [profiles.p.notifiers.x] is missing 'command', which an "
	    "exec notifier needs", "an exec notifier needs a command");
	is_string(error_of("[profiles.p.notifiers.w]\ntype = \"webhook\"\n\n"
	    "[profiles.p]\n"),
	    "t.toml:1: [profiles.p.notifiers.w] is missing 'url', which a "
	    "webhook notifier needs", "missing url at the header's line");
	is_string(error_of("[profiles.p.notifiers.d]\ntype = \"discord\"\n"),
	    "t.toml:1: [profiles.p.notifiers.d] is missing 'webhook_url', "
	    "which a discord notifier needs", "missing webhook_url");
	is_string(error_of("[profiles.p.notifiers.n]\nurl = \"https://h/\"\n"),
	    "t.toml:1: [profiles.p.notifiers.n] needs type = \"...\" (one of "
	    "webhook, discord, exec)", "missing type");
	is_string(error_of("[profiles.p.notifiers.n]\ntype = \"slack\"\n"),
	    "t.toml:2: type 'slack' is not one of webhook, discord, exec",
	    "unknown notifier type");
	is_string(error_of("[profiles.p.notifiers.w]\ntype = \"webhook\"\n"
	    "url = \"https://h/\"\ntoken = abc123\n"),
	    "t.toml:4: unknown key 'token' in [profiles.p.notifiers.w] (keys "
	    "for a webhook notifier: type, url, header_<Name>, secret, timeout, "
	    "max_age, destinations)", "unknown key named before its value is read");
	is_string(error_of("[profiles.p.notifiers.w]\ntype = \"webhook\"\n"
	    "url = \"https://h/\"\nsecret = s3cr3t-value\n"),
	    "t.toml:4: expected a value after 'secret =' (strings need quotes)",
	    "a bare secret is never quoted back");
	is_string(error_of("[profiles.p.notifiers.w]\ntype = \"webhook\"\n"
	    "url = \"https://h/\"\nsecret = \"ab\\qcd\"\n"),
	    "t.toml:4: invalid escape in the string for 'secret'",
	    "a bad escape in a secret is not quoted back");
	is_string(error_of("[profiles.p.notifiers.w]\ntype = \"webhook\"\n"
	    "url = \"https://h/\"\nheader_A = \"\\uDC00\"\n"),
	    "t.toml:4: an escape in the string for 'header_A' is not a Unicode "
	    "scalar value", "nor is a bad \\u in a header");
}

/* Parse a rule's keys under [profiles.p.services.s.rules.r] (line 3). */
static const char *
rule_error(const char *keys)
{
	static char	 text[2048];

	snprintf(text, sizeof text, "[profiles.p.services.s]\nlogs = \"/a\"\n"
	    "[profiles.p.services.s.rules.r]\n%s", keys);
	return error_of(text);
}

/* Three kinds of rule with every key, and their defaults. */
static const char rules_full[] =
    "[profiles.p.services.api]\n"			/* 1 */
    "logs = \"/var/log/api.log\"\n"
    "[profiles.p.services.api.rules.errors]\n"		/* 3 */
    "kind = \"count\"\n"
    "query = \"level:error\"\n"
    "threshold = 10\n"
    "high = 50\n"
    "critical = 200.5\n"
    "severity = \"low\"\n"
    "[profiles.p.services.api.rules.slow]\n"		/* 10 */
    "kind = \"quantile\"\n"
    "field = \"latency_ms\"\n"
    "quantile = 0.95\n"
    "query = 'service:api AND \"GET /\"'\n"
    "threshold = 1_000\n"
    "high = 2.5e3\n"
    "critical = 5000\n"
    "unit = \"ms\"\n"
    "direction = \"above\"\n"
    "[profiles.p.services.api.rules.failing]\n"		/* 20 */
    "kind = \"ratio\"\n"
    "query = \"level:error OR status:>=500\"\n"
    "threshold = 0.05\n"
    "severity = \"high\"\n"
    "critical = 0.2\n"
    "[profiles.p.services.api.rules.quiet]\n"		/* 26 */
    "kind = \"count\"\n"
    "threshold = 5\n"
    "direction = \"below\"\n"
    "high = 1\n"
    "critical = 0\n"
    "[profiles.p.services.db.rules.p99]\n"		/* 32 */
    "field = \"duration_ms\"\n"
    "kind = \"quantile\"\n"
    "threshold = 300\n"
    "[profiles.p.services.db]\n"			/* 36 */
    "logs = \"/var/log/db.log\"\n"
    "[profiles.p.services.idle]\n"
    "logs = \"/var/log/idle.log\"\n";

/* [profiles.P.services.S.rules.NAME]: parsed, with defaults. */
static void
test_rules(void)
{
	struct config		*cfg;
	const struct csection	*sec;
	struct rule		*r;
	size_t			 n;

	cfg = parse(rules_full);
	ok(cfg != NULL, "rules of each kind parse");
	if (cfg == NULL) {
		diag("%s", err);
		return;
	}
	sec = config_section(cfg, "profiles.p.services.api.rules.slow");
	ok(sec != NULL && sec->kind == CSECT_RULE, "a rules section has "
	    "its own kind");
	ok(sec != NULL && strcmp(sec->profile, "p") == 0 &&
	    strcmp(sec->sub, "api") == 0 && strcmp(sec->item, "slow") == 0,
	    "...its profile, its service in sub and its name in item");
	ok(config_section(cfg, "profiles.p.services.api")->item == NULL,
	    "item is NULL for other sections");
	is_int(config_profile(cfg, "p")->nservices, 3, "rules are not "
	    "services of the profile");

	ok(config_service_rules(cfg, "p", "api", &r, &n) == 0,
	    "config_service_rules for api");
	is_int(n, 4, "api has four rules");
	if (n != 4) {
		rules_free(r, n);
		config_free(cfg);
		return;
	}
	is_string(r[0].name, "errors", "rules in file order, by name");
	ok(r[0].kind == RULE_COUNT, "kind = count");
	is_string(r[0].query, "level:error", "count query");
	ok(r[0].field == NULL && isnan(r[0].quantile), "a count has no "
	    "field nor quantile");
	ok(r[0].threshold == 10 && r[0].high == 50 && r[0].critical == 200.5,
	    "integer and float threshold and tiers");
	ok(!r[0].below, "direction defaults to above");
	ok(r[0].severity == SEV_LOW, "severity = low");
	ok(r[0].unit == NULL, "no unit");
	is_int(r[0].line, 3, "a rule's line is its header's");

	ok(r[1].kind == RULE_QUANTILE, "kind = quantile");
	is_string(r[1].field, "latency_ms", "quantile field");
	ok(r[1].quantile == 0.95, "quantile = 0.95");
	is_string(r[1].query, "service:api AND \"GET /\"", "a literal-string "
	    "query keeps its quotes");
	ok(r[1].threshold == 1000 && r[1].high == 2500 &&
	    r[1].critical == 5000, "threshold 1_000, high 2.5e3");
	is_string(r[1].unit, "ms", "unit");
	ok(r[1].severity == SEV_MEDIUM && !r[1].below, "severity defaults to "
	    "medium; direction = above");

	ok(r[2].kind == RULE_RATIO, "kind = ratio");
	is_string(r[2].query, "level:error OR status:>=500", "ratio query");
	ok(r[2].threshold == 0.05 && isnan(r[2].high) &&
	    r[2].critical == 0.2, "ratio threshold as a fraction, critical "
	    "without high");
	ok(r[2].severity == SEV_HIGH, "severity = high");

	ok(r[3].kind == RULE_COUNT && r[3].query == NULL, "a count without "
	    "a query counts every line");
	ok(r[3].below && r[3].threshold == 5 && r[3].high == 1 &&
	    r[3].critical == 0, "direction = below with falling tiers");
	rules_free(r, n);

	ok(config_service_rules(cfg, "p", "db", &r, &n) == 0 && n == 1,
	    "a rule before its service's section");
	if (n == 1) {
		is_string(r[0].name, "p99", "its name");
		ok(r[0].kind == RULE_QUANTILE && r[0].quantile == 0.99,
		    "quantile defaults to 0.99");
		ok(r[0].query == NULL && r[0].unit == NULL &&
		    isnan(r[0].high) && isnan(r[0].critical), "unset query, "
		    "unit and tiers");
		ok(r[0].severity == SEV_MEDIUM && !r[0].below, "default "
		    "severity and direction");
		is_int(r[0].line, 32, "its line");
	}
	rules_free(r, n);
	ok(config_service_rules(cfg, "p", "idle", &r, &n) == 0 && n == 0 &&
	    r == NULL, "a service without rules: none, and no array");
	ok(config_service_rules(cfg, "p", "nope", &r, &n) == -1 && n == 0 &&
	    r == NULL, "an undeclared service is -1");
	ok(config_service_rules(cfg, "q", "api", &r, &n) == -1,
	    "an unknown profile is -1");
	config_free(cfg);

	cfg = parse("[profiles.p.services.s]\nlogs = \"/a\"\n"
	    "[profiles.p.services.s.rules.prod]\nkind = \"count\"\n"
	    "query = \"env:prod level:error\"\nthreshold = 1\n");
	ok(cfg != NULL && config_service_rules(cfg, "p", "s", &r, &n) == 0 &&
	    n == 1 && strcmp(r[0].query, "env:prod level:error") == 0,
	    "a query is taken as written: env:prod is a field, not a "
	    "variable");
	if (cfg != NULL)
		rules_free(r, n);
	config_free(cfg);

	is_string(rule_error("threshold = 1\n"),
	    "t.toml:3: [profiles.p.services.s.rules.r] needs kind = \"...\" "
	    "(one of count, quantile, ratio, promql)", "missing kind");
	is_string(rule_error("kind = \"count\"\n"),
	    "t.toml:3: [profiles.p.services.s.rules.r] is missing "
	    "'threshold'", "missing threshold");
	is_string(rule_error("kind = \"histogram\"\n"),
	    "t.toml:4: kind 'histogram' is not one of count, quantile, ratio, promql",
	    "unknown kind");
	is_string(rule_error("kind = \"cuont\"\n"),
	    "t.toml:4: kind 'cuont' is not one of count, quantile, ratio, "
	    "promql (did you mean 'count'?)", "misspelt kind");
	is_string(rule_error("kind = \"count\"\nthreshold = 1\n"
	    "field = \"latency_ms\"\n"),
	    "t.toml:6: key 'field' does not belong to a count rule (keys for "
	    "a count rule: kind, query, threshold, direction, severity, high, "
	    "critical, unit)", "field in a count rule");
	is_string(rule_error("field = \"latency_ms\"\nkind = \"ratio\"\n"
	    "query = \"x\"\nthreshold = 0.1\n"),
	    "t.toml:4: key 'field' does not belong to a ratio rule (keys for "
	    "a ratio rule: kind, query, threshold, direction, severity, high, "
	    "critical, unit)", "field before kind = ratio, at its own line");
	is_string(rule_error("kind = \"count\"\nquantile = 0.5\n"
	    "threshold = 1\n"),
	    "t.toml:5: key 'quantile' does not belong to a count rule (keys "
	    "for a count rule: kind, query, threshold, direction, severity, "
	    "high, critical, unit)", "quantile in a count rule");
	is_string(rule_error("kind = \"quantile\"\nthreshold = 1\n"),
	    "t.toml:3: [profiles.p.services.s.rules.r] is missing 'field', "
	    "which a quantile rule needs", "quantile without field");
	is_string(rule_error("kind = \"quantile\"\nfield = \"\"\n"),
	    "t.toml:5: field is empty", "empty field");
	is_string(rule_error("kind = \"quantile\"\nfield = \"f\"\n"
	    "quantile = 1\n"),
	    "t.toml:6: quantile must be greater than 0 and less than 1, such "
	    "as 0.99 for the 99th percentile", "quantile = 1");
	like(rule_error("kind = \"quantile\"\nfield = \"f\"\nquantile = 0\n"),
	    "t.toml:6: quantile must be greater than 0", "quantile = 0");
	like(rule_error("kind = \"quantile\"\nfield = \"f\"\nquantile = 99\n"),
	    "such as 0.99 for the 99th percentile", "quantile = 99 hints at "
	    "0.99");
	like(rule_error("kind = \"quantile\"\nfield = \"f\"\n"
	    "quantile = -0.5\n"), "t.toml:6: quantile must be greater than 0",
	    "negative quantile");
	is_string(rule_error("kind = \"quantile\"\nfield = \"f\"\n"
	    "quantile = \"p99\"\n"),
	    "t.toml:6: quantile must be a number, not a string",
	    "quantile as a string");
	is_string(rule_error("kind = \"count\"\nthreshold = 1\n"
	    "query = \"level:error AND\"\n"),
	    "t.toml:6: query: expected a term after AND at column 16",
	    "a bad query: its message, line and column");
	is_string(rule_error("kind = \"count\"\nquery = \"(a OR b\"\n"),
	    "t.toml:5: query: unbalanced parenthesis at column 1",
	    "an unbalanced query");
	is_string(rule_error("kind = \"count\"\nquery = \"  \"\n"),
	    "t.toml:5: query is empty", "a blank query");
	is_string(rule_error("kind = \"count\"\nquery = 5\n"),
	    "t.toml:5: query must be a string, not an integer",
	    "a query of the wrong type");
	is_string(rule_error("kind = \"ratio\"\nthreshold = 0.1\n"),
	    "t.toml:3: [profiles.p.services.s.rules.r] is missing 'query', "
	    "which a ratio rule needs", "ratio without query");
	is_string(rule_error("kind = \"ratio\"\nquery = \"x\"\n"
	    "threshold = 5\n"),
	    "t.toml:6: threshold = 5 must be a fraction from 0 to 1 in a "
	    "ratio rule, such as 0.05 for 5%", "ratio threshold as a percent");
	is_string(rule_error("kind = \"ratio\"\nquery = \"x\"\n"
	    "threshold = 0.5\nhigh = 1.5\n"),
	    "t.toml:7: high = 1.5 must be a fraction from 0 to 1 in a "
	    "ratio rule, such as 0.05 for 5%", "ratio tier beyond 1");
	is_string(rule_error("kind = \"count\"\nthreshold = -1\n"),
	    "t.toml:5: threshold = -1 cannot be negative in a count rule",
	    "negative count threshold");
	is_string(rule_error("kind = \"count\"\nthreshold = \"10\"\n"),
	    "t.toml:5: threshold must be a number, not a string",
	    "threshold as a string");
	is_string(rule_error("kind = \"count\"\nthreshold = nan\n"),
	    "t.toml:5: threshold must be a finite number", "threshold = nan");
	like(rule_error("kind = \"count\"\nthreshold = 1\nhigh = inf\n"),
	    "t.toml:6: high must be a finite number", "high = inf");

	is_string(rule_error("kind = \"count\"\nthreshold = 50\nhigh = 40\n"),
	    "t.toml:6: high = 40 must be greater than threshold = 50 "
	    "(direction is above)", "high below the threshold");
	is_string(rule_error("kind = \"count\"\nthreshold = 50\nhigh = 50\n"),
	    "t.toml:6: high = 50 must be greater than threshold = 50 "
	    "(direction is above)", "high equal to the threshold");
	is_string(rule_error("kind = \"count\"\nthreshold = 10\nhigh = 80\n"
	    "critical = 60\n"),
	    "t.toml:7: critical = 60 must be greater than high = 80 "
	    "(direction is above)", "critical below high");
	is_string(rule_error("kind = \"count\"\nthreshold = 10\n"
	    "critical = 5\n"),
	    "t.toml:6: critical = 5 must be greater than threshold = 10 "
	    "(direction is above)", "critical alone below the threshold");
	is_string(rule_error("kind = \"quantile\"\nfield = \"f\"\n"
	    "direction = \"below\"\nthreshold = 500\nhigh = 600\n"),
	    "t.toml:8: high = 600 must be less than threshold = 500 "
	    "(direction is below)", "below: high above the threshold");
	is_string(rule_error("critical = 200\nkind = \"quantile\"\n"
	    "field = \"f\"\ndirection = \"below\"\nthreshold = 500\n"
	    "high = 100\n"),
	    "t.toml:4: critical = 200 must be less than high = 100 "
	    "(direction is below)", "below: critical above high, whatever "
	    "the order of the keys");
	is_string(rule_error("kind = \"count\"\nthreshold = 10\n"
	    "severity = \"high\"\nhigh = 80\n"),
	    "t.toml:7: high = 80 would not raise the severity, which is "
	    "already high", "a high tier on a high rule");
	is_string(rule_error("kind = \"count\"\nthreshold = 10\n"
	    "severity = \"critical\"\ncritical = 80\n"),
	    "t.toml:7: critical = 80 would not raise the severity, which is "
	    "already critical", "a critical tier on a critical rule");
	is_string(rule_error("kind = \"count\"\nthreshold = 10\n"
	    "severity = \"high\"\ncritical = 80\n"), "(parsed)",
	    "a critical tier on a high rule");
	is_string(rule_error("kind = \"count\"\ndirection = \"abve\"\n"),
	    "t.toml:5: direction 'abve' is not one of above, below (did you "
	    "mean 'above'?)", "misspelt direction");
	is_string(rule_error("kind = \"count\"\nseverity = \"urgent\"\n"),
	    "t.toml:5: severity 'urgent' is not one of low, medium, high, "
	    "critical", "unknown severity");
	is_string(rule_error("kind = \"count\"\nunit = \"\"\n"),
	    "t.toml:5: unit is empty", "empty unit");

	is_string(rule_error("kind = \"count\"\nthresold = 1\n"),
	    "t.toml:5: unknown key 'thresold' in "
	    "[profiles.p.services.s.rules.r] (did you mean 'threshold'?)", "did-you-mean for a rule key");
	is_string(rule_error("zzz = 1\n"),
	    "t.toml:4: unknown key 'zzz' in [profiles.p.services.s.rules.r] "
	    "(known keys: kind, query, expr, field, quantile, threshold, direction, "
	    "severity, high, critical, unit)", "no close key: all are listed");
	is_string(rule_error("kind = \"ratio\"\nzzz = 1\n"),
	    "t.toml:5: unknown key 'zzz' in [profiles.p.services.s.rules.r] "
	    "(keys for a ratio rule: kind, query, threshold, direction, "
	    "severity, high, critical, unit)", "...those of its kind once "
	    "known");
	is_string(error_of("[profiles.p.services.s]\nlogs = \"/a\"\n"
	    "[profiles.p.services.s.rule.r]\n"),
	    "t.toml:3: unknown section [profiles.p.services.s.rule.r] (did you "
	    "mean [profiles.p.services.s.rules.r]?)", "did-you-mean for a "
	    "rules section");
	is_string(error_of("[profiles.p.services.s]\nlogs = \"/a\"\n"
	    "[profiles.p.services.s.rules.r]\nkind = \"count\"\n"
	    "threshold = 1\n[profiles.p.services.s.rules.r]\n"),
	    "t.toml:6: duplicate section [profiles.p.services.s.rules.r] "
	    "(first on line 3)", "duplicate rule");
	is_string(error_of("[profiles.p]\n[profiles.p.services.x.rules.r]\n"
	    "kind = \"count\"\nthreshold = 1\n"),
	    "t.toml:2: rule 'r' is for service 'x', which profile 'p' does "
	    "not declare", "a rule for an undeclared service");
	is_string(error_of("[profiles.p.services.api]\nlogs = \"/a\"\n"
	    "[profiles.q.services.api]\nlogs = \"/a\"\n"
	    "[profiles.p.services.apii.rules.r]\nkind = \"count\"\n"
	    "threshold = 1\n"),
	    "t.toml:5: rule 'r' is for service 'apii', which profile 'p' does "
	    "not declare (did you mean 'api'?)", "...with a did-you-mean");
	is_string(error_of("[profiles.q.services.x]\nlogs = \"/a\"\n"
	    "[profiles.p.services.x.rules.r]\nkind = \"count\"\n"
	    "threshold = 1\n"),
	    "t.toml:3: rule 'r' is for service 'x', which profile 'p' does "
	    "not declare", "another profile's service does not count");
}

/* Rules in config_json: every member set, defaults shown, unset left out. */
static void
test_rules_json(void)
{
	struct config	*cfg;
	json_t		*j, *svc, *rules, *r;
	char		*dump;

	setenv("TINKR_TEST_FIELD", "elapsed_ms", 1);
	cfg = parse(rules_full);
	ok(cfg != NULL, "rules to dump");
	if (cfg == NULL)
		return;
	j = config_profile_json(cfg, config_profile(cfg, "p"));
	svc = json_array_get(json_object_get(j, "services"), 0);
	rules = json_object_get(svc, "rules");
	is_int(json_array_size(rules), 4, "api's four rules under its "
	    "service");
	dump = json_dumps(json_array_get(rules, 0), JSON_COMPACT);
	is_string(dump, "{\"name\":\"errors\",\"kind\":\"count\","
	    "\"query\":\"level:error\",\"threshold\":10,"
	    "\"direction\":\"above\",\"severity\":\"low\",\"high\":50,"
	    "\"critical\":200.5}",
	    "a count rule as JSON");
	free(dump);
	dump = json_dumps(json_array_get(rules, 3), JSON_COMPACT);
	is_string(dump, "{\"name\":\"quiet\",\"kind\":\"count\","
	    "\"threshold\":5,\"direction\":\"below\",\"severity\":\"medium\","
	    "\"high\":1,\"critical\":0}", "a count without a query leaves it "
	    "out");
	free(dump);
	r = json_array_get(rules, 1);
	is_string(json_string_value(json_object_get(r, "field")), "latency_ms",
	    "quantile field");
	ok(json_real_value(json_object_get(r, "quantile")) == 0.95 &&
	    json_real_value(json_object_get(r, "high")) == 2500,
	    "quantile and a float tier are JSON reals");
	is_string(json_string_value(json_object_get(r, "unit")), "ms",
	    "unit");
	r = json_array_get(rules, 2);
	ok(json_object_get(r, "field") == NULL &&
	    json_object_get(r, "quantile") == NULL &&
	    json_object_get(r, "high") == NULL, "a ratio has no field, "
	    "quantile nor high");
	ok(json_real_value(json_object_get(r, "threshold")) == 0.05,
	    "ratio threshold");
	svc = json_array_get(json_object_get(j, "services"), 1);
	r = json_array_get(json_object_get(svc, "rules"), 0);
	is_string(json_string_value(json_object_get(r, "name")), "p99",
	    "db's rule under db");
	ok(json_real_value(json_object_get(r, "quantile")) == 0.99,
	    "the default quantile is shown");
	svc = json_array_get(json_object_get(j, "services"), 2);
	ok(json_is_array(json_object_get(svc, "rules")) &&
	    json_array_size(json_object_get(svc, "rules")) == 0,
	    "a service without rules has an empty array");
	json_decref(j);
	config_free(cfg);

	cfg = parse("[profiles.p.services.s]\nlogs = \"/a\"\n"
	    "[profiles.p.services.s.rules.r]\nkind = \"quantile\"\n"
	    "field = \"env:TINKR_TEST_FIELD\"\nthreshold = 1\n");
	j = cfg != NULL ? config_json(cfg) : NULL;
	dump = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	like(dump, "\"field\":\"env:TINKR_TEST_FIELD\"", "a field from the "
	    "environment shows env:NAME, as other keys do");
	free(dump);
	json_decref(j);
	config_free(cfg);
	unsetenv("TINKR_TEST_FIELD");
}

/* The reference page's notifiers with their variables set. */
static void
test_reference_env(void)
{
	struct config		*cfg;
	const struct csection	*sec;
	const struct ckey	*k;
	char			*dump;
	json_t			*j;

	setenv("PAGERDUTY_WEBHOOK_URL",
	    "https://events.pagerduty.com/integration/XXXX/enqueue", 1);
	setenv("PAGERDUTY_API_KEY", "Token token=XXXX", 1);
	setenv("OPSGENIE_WEBHOOK_URL", "https://api.opsgenie.com/v2/alerts", 1);
	setenv("OPSGENIE_API_KEY", "GenieKey XXXX", 1);
	setenv("DISCORD_OPS_WEBHOOK_URL",
	    "https://discord.com/api/webhooks/1234567890/xxxx", 1);
	cfg = parse(reference);
	ok(cfg != NULL, "the reference page's notifiers validate");
	if (cfg == NULL) {
		diag("%s", err);
		return;
	}
	is_int(cfg->nprofiles, 1, "one profile, aws-prod");
	is_string(cfg->profiles[0].name, "aws-prod", "profile name");
	is_int(cfg->profiles[0].nnotifiers, 4, "four notifiers");
	sec = config_section(cfg, "profiles.aws-prod.notifiers.pagerduty");
	is_string(csection_str(sec, "url"),
	    "https://events.pagerduty.com/integration/XXXX/enqueue",
	    "pagerduty url resolved from the environment");
	k = csection_key(sec, "header_Authorization");
	is_string(k->v.s, "Token token=XXXX", "pagerduty header resolved");
	is_string(k->env, "PAGERDUTY_API_KEY", "ckey.env records the name");
	ok(k->secret, "header_* is secret");
	sec = config_section(cfg, "profiles.aws-prod.notifiers.opsgenie");
	is_string(csection_str(sec, "header_Authorization"), "GenieKey XXXX",
	    "opsgenie header resolved");
	sec = config_section(cfg, "profiles.aws-prod.notifiers.custom");
	k = csection_key(sec, "url");
	is_string(k->v.s, "https://hooks.internal.acme.com/tinker-alerts",
	    "custom url literal");
	ok(k->env == NULL && k->secret, "literal url: no env, secret");
	sec = config_section(cfg, "profiles.aws-prod.notifiers.discord-ops");
	is_string(csection_str(sec, "type"), "discord", "discord type");
	is_string(csection_str(sec, "webhook_url"),
	    "https://discord.com/api/webhooks/1234567890/xxxx",
	    "discord webhook resolved");

	j = config_json(cfg);
	dump = json_dumps(j, JSON_COMPACT);
	ok(strstr(dump, "XXXX") == NULL && strstr(dump, "GenieKey") == NULL &&
	    strstr(dump, "1234567890") == NULL &&
	    strstr(dump, "tinker-alerts") == NULL, "no secret value in the "
	    "JSON dump");
	like(dump, "\"url\":\"env:PAGERDUTY_WEBHOOK_URL\"", "env url shown as "
	    "env:NAME");
	like(dump, "\"header_Authorization\":\"env:OPSGENIE_API_KEY\"",
	    "env header shown as env:NAME");
	like(dump, "\"url\":\"https://hooks.internal.acme.com/<redacted>\"",
	    "literal url shows scheme and host only");
	like(dump, "{\"name\":\"discord-ops\",\"type\":\"discord\","
	    "\"webhook_url\":\"env:DISCORD_OPS_WEBHOOK_URL\"}", "discord "
	    "notifier shape");
	like(dump, "\"path\":\"t.toml\",\"env_file\":null,\"profiles\":[{"
	    "\"name\":\"aws-prod\",\"backend\":\"local\",\"active\":false,"
	    "\"services\":[],\"notifiers\":[", "snapshot and profile shape");
	free(dump);
	json_decref(j);
	config_free(cfg);

	setenv("PAGERDUTY_WEBHOOK_URL", "mailto:oncall@example.com", 1);
	is_string(error_of(reference), "t.toml:3: PAGERDUTY_WEBHOOK_URL (from "
	    "the environment) is not an http(s) URL", "a bad URL from the "
	    "environment is named by its variable only");
	setenv("PAGERDUTY_WEBHOOK_URL", "https://events.pagerduty.com/x", 1);
	setenv("PAGERDUTY_API_KEY", "Token a\nInjected: yes", 1);
	is_string(error_of(reference), "t.toml:4: PAGERDUTY_API_KEY (from the "
	    "environment) contains a line break, which an HTTP header cannot "
	    "hold", "a header from the environment with a line break");
	setenv("PAGERDUTY_API_KEY", "", 1);
	is_string(error_of(reference), "t.toml:4: environment variable "
	    "PAGERDUTY_API_KEY is empty (in the environment)", "an empty "
	    "variable is an error, not an empty value");
	unsetenv("PAGERDUTY_API_KEY");
	is_string(error_of(reference), "t.toml:4: environment variable "
	    "PAGERDUTY_API_KEY is not set (looked in the environment)",
	    "a missing variable names itself and the line");
	unset_reference_vars();
	is_string(error_of("[profiles.p.services.s]\nlogs = \"env:9BAD\"\n"),
	    "t.toml:2: the value of 'logs' starts with env: but is not followed "
	    "by a variable name (letters, digits and '_', not starting with a "
	    "digit)", "env: with a bad name");
}

/* The reference page's .env beside the config file. */
static void
test_dotenv_files(void)
{
	struct config		*cfg;
	const struct csection	*sec;
	char			 want[2048], real[512];
	char			*dump;
	json_t			*j;

	unset_reference_vars();
	real_tmpdir(real, sizeof real);
	write_file(tmp("tinkr.toml"), reference, 0600);
	write_file(tmp(".env"), reference_env, 0600);
	cfg = config_load(tmp("tinkr.toml"), err, sizeof err);
	ok(cfg != NULL, "reference notifiers with the reference .env");
	if (cfg == NULL) {
		diag("%s", err);
		return;
	}
	snprintf(want, sizeof want, "%s/.env", real);
	is_string(cfg->envfile, want, "envfile is the .env beside the config");
	is_string(cfg->path, tmp("tinkr.toml"), "path as given");
	is_int(cfg->nwarnings, 0, "no warnings for 0600 files");
	sec = config_section(cfg, "profiles.aws-prod.notifiers.pagerduty");
	is_string(csection_str(sec, "header_Authorization"), "Token token=XXXX",
	    "unquoted .env value keeps everything after the first '='");
	is_string(csection_key(sec, "url")->env, "PAGERDUTY_WEBHOOK_URL",
	    "env recorded for a .env value");
	sec = config_section(cfg, "profiles.aws-prod.notifiers.discord-ops");
	is_string(csection_str(sec, "webhook_url"),
	    "https://discord.com/api/webhooks/1234567890/xxxx",
	    "discord webhook from .env");
	j = config_json(cfg);
	dump = json_dumps(j, JSON_COMPACT);
	ok(strstr(dump, "XXXX") == NULL && strstr(dump, "GenieKey") == NULL &&
	    strstr(dump, "xxxx") == NULL, "no .env value in the JSON dump");
	snprintf(want, sizeof want, "\"env_file\":\"%s/.env\"", real);
	like(dump, want, "env_file in the JSON");
	free(dump);
	json_decref(j);
	config_free(cfg);

	setenv("PAGERDUTY_API_KEY", "Token token=FROM-PROCESS", 1);
	cfg = config_load(tmp("tinkr.toml"), err, sizeof err);
	sec = cfg != NULL ? config_section(cfg,
	    "profiles.aws-prod.notifiers.pagerduty") : NULL;
	is_string(csection_str(sec, "header_Authorization"),
	    "Token token=FROM-PROCESS", "the process environment wins over "
	    ".env");
	is_string(csection_str(config_section(cfg,
	    "profiles.aws-prod.notifiers.opsgenie"), "header_Authorization"),
	    "GenieKey XXXX", "...and .env fills in the rest");
	config_free(cfg);
	unsetenv("PAGERDUTY_API_KEY");
}

/* Profile choice: --profile, TINKR_PROFILE, active = true, default. */
static void
test_profiles(void)
{
	struct config	*cfg;
	const char	*name, *how;

	unsetenv("TINKR_PROFILE");
	cfg = parse("[profiles.a]\n[profiles.b]\nactive = true\n"
	    "[profiles.default]\n");
	name = config_select_profile(cfg, "a", &how, err, sizeof err);
	is_string(name, "a", "--profile chooses");
	is_string(how, "--profile", "...and says so");
	setenv("TINKR_PROFILE", "default", 1);
	name = config_select_profile(cfg, "a", &how, err, sizeof err);
	is_string(name, "a", "--profile wins over TINKR_PROFILE");
	name = config_select_profile(cfg, NULL, &how, err, sizeof err);
	is_string(name, "default", "TINKR_PROFILE chooses");
	is_string(how, "TINKR_PROFILE", "...and says so");
	setenv("TINKR_PROFILE", "", 1);
	name = config_select_profile(cfg, NULL, &how, err, sizeof err);
	is_string(name, "b", "an empty TINKR_PROFILE is unset; active = true "
	    "chooses");
	is_string(how, "active = true", "...and says so");
	unsetenv("TINKR_PROFILE");
	name = config_select_profile(cfg, "x", &how, err, sizeof err);
	ok(name == NULL && how == NULL, "unknown --profile fails");
	is_string(err, "no profile 'x' in t.toml (profiles: a, b, default)",
	    "unknown --profile error");
	setenv("TINKR_PROFILE", "y", 1);
	name = config_select_profile(cfg, NULL, &how, err, sizeof err);
	is_string(err, "TINKR_PROFILE: no profile 'y' in t.toml (profiles: a, "
	    "b, default)", "unknown TINKR_PROFILE error");
	unsetenv("TINKR_PROFILE");
	config_free(cfg);

	cfg = parse("[profiles.a]\n[profiles.default]\nactive = false\n");
	name = config_select_profile(cfg, NULL, &how, err, sizeof err);
	is_string(name, "default", "the profile named default is the last "
	    "resort");
	is_string(how, "default", "...and says so");
	config_free(cfg);

	cfg = parse("[profiles.a]\n[profiles.c]\n");
	name = config_select_profile(cfg, NULL, &how, err, sizeof err);
	ok(name == NULL, "nothing selectable");
	is_string(err, "no profile selected: pass --profile, set "
	    "TINKR_PROFILE, or mark one profile active = true (profiles: a, c)",
	    "no selection error");
	ok(config_select_profile(cfg, NULL, &how, NULL, 0) == NULL,
	    "a NULL error buffer is fine");
	config_free(cfg);

	cfg = config_default();
	ok(cfg->path == NULL && cfg->nsections == 0 && cfg->nprofiles == 1,
	    "built-in default snapshot");
	is_string(cfg->profiles[0].backend, "local", "default backend");
	name = config_select_profile(cfg, NULL, &how, err, sizeof err);
	is_string(name, "default", "built-in default selects default");
	config_select_profile(cfg, "zz", &how, err, sizeof err);
	is_string(err, "no profile 'zz' in the built-in configuration "
	    "(profiles: default)", "unknown profile in the built-in one");
	config_free(cfg);
}

/* config_json and config_profile_json: shapes and redaction. */
static void
test_json(void)
{
	struct config	*cfg;
	json_t		*j, *p, *s, *n;
	char		*dump;

	setenv("TINKR_TEST_BACKEND", "grafana", 1);
	setenv("TINKR_TEST_SIGNING", "sigsecret-5150", 1);
	cfg = parse("[profiles.p]\nbackend = \"env:TINKR_TEST_BACKEND\"\n"
	    "prometheus_url = \"http://p\"\nactive = true\n"
	    "[profiles.p.services.api]\nlogs = \"/var/log/api.log\"\n"
	    "[profiles.p.services.db]\nlogs = [\"/a\", \"/b\"]\n"
	    "format = \"json\"\n"
	    "[profiles.p.notifiers.w]\ntype = \"webhook\"\n"
	    "url = \"https://user:pw-9876@hooks.example.com:8443/T0/B1/"
	    "tok-4321?k=v\"\n"
	    "header_X-Api-Key = \"literal-key-1234\"\n"
	    "secret = \"env:TINKR_TEST_SIGNING\"\n"
	    "timeout = 15\n"
	    "destinations = [\"https://hooks.acme.com/\"]\n");
	ok(cfg != NULL, "a profile to dump");
	if (cfg == NULL) {
		diag("%s", err);
		return;
	}
	is_string(cfg->profiles[0].backend, "grafana", "backend from env");
	j = config_json(cfg);
	dump = json_dumps(j, JSON_COMPACT);
	ok(strstr(dump, "pw-9876") == NULL && strstr(dump, "tok-4321") == NULL &&
	    strstr(dump, "literal-key-1234") == NULL &&
	    strstr(dump, "sigsecret") == NULL && strstr(dump, "user") == NULL,
	    "no secret, user info or URL path in the dump");
	free(dump);
	p = json_array_get(json_object_get(j, "profiles"), 0);
	is_string(json_string_value(json_object_get(p, "backend")),
	    "env:TINKR_TEST_BACKEND", "backend from env shows env:NAME");
	ok(json_is_true(json_object_get(p, "active")), "active is a boolean");
	s = json_array_get(json_object_get(p, "services"), 0);
	ok(json_is_array(json_object_get(s, "logs")) &&
	    json_array_size(json_object_get(s, "logs")) == 1, "a logs string "
	    "is shown as an array");
	is_string(json_string_value(json_object_get(s, "format")), "auto",
	    "format defaults to auto");
	s = json_array_get(json_object_get(p, "services"), 1);
	is_int(json_array_size(json_object_get(s, "logs")), 2, "logs array");
	is_string(json_string_value(json_object_get(s, "name")), "db",
	    "service name");
	n = json_array_get(json_object_get(p, "notifiers"), 0);
	is_string(json_string_value(json_object_get(n, "url")),
	    "https://hooks.example.com:8443/<redacted>", "literal url: scheme, "
	    "host and port only");
	is_string(json_string_value(json_object_get(n, "header_X-Api-Key")),
	    "<redacted>", "literal header redacted");
	is_string(json_string_value(json_object_get(n, "secret")),
	    "env:TINKR_TEST_SIGNING", "secret from env shows env:NAME");
	ok(json_is_integer(json_object_get(n, "timeout")) &&
	    json_integer_value(json_object_get(n, "timeout")) == 15,
	    "timeout is a JSON integer");
	ok(json_is_array(json_object_get(n, "destinations")),
	    "destinations is a JSON array");
	json_decref(j);

	j = config_profile_json(cfg, &cfg->profiles[0]);
	is_string(json_string_value(json_object_get(j, "name")), "p",
	    "config_profile_json has the name");
	ok(json_object_get(j, "services") != NULL &&
	    json_object_get(j, "notifiers") != NULL, "...services and "
	    "notifiers");
	json_decref(j);
	config_free(cfg);

	cfg = config_default();
	j = config_json(cfg);
	dump = json_dumps(j, JSON_COMPACT);
	is_string(dump, "{\"path\":null,\"env_file\":null,\"profiles\":[{"
	    "\"name\":\"default\",\"backend\":\"local\",\"active\":false,"
	    "\"services\":[],\"notifiers\":[]}],\"auth_keys\":[]}",
	    "built-in default as JSON");
	free(dump);
	json_decref(j);
	config_free(cfg);
	unsetenv("TINKR_TEST_BACKEND");
	unsetenv("TINKR_TEST_SIGNING");
}

/* config_find_path: TINKR_CONFIG, ~/.tinkr, XDG, /etc. */
static void
test_find_path(void)
{
	char		 buf[PATH_MAX], home[PATH_MAX], xdg[PATH_MAX];
	const char	*etc = "/etc/tinkr/tinkr.toml", *got;
	int		 have_etc = access(etc, F_OK) == 0;

	snprintf(home, sizeof home, "%s/home", tmpdir);
	snprintf(xdg, sizeof xdg, "%s/xdg", tmpdir);
	mkdir(home, 0700);
	mkdir(xdg, 0700);
	unsetenv("TINKR_CONFIG");
	setenv("HOME", home, 1);
	setenv("XDG_CONFIG_HOME", xdg, 1);

	got = config_find_path(buf, sizeof buf);
	is_string(got, have_etc ? etc : NULL, "nothing found: NULL (or /etc)");

	mkdir(tmp("xdg/tinkr"), 0700);
	write_file(tmp("xdg/tinkr/tinkr.toml"), "", 0600);
	is_string(config_find_path(buf, sizeof buf), tmp("xdg/tinkr/tinkr.toml"),
	    "$XDG_CONFIG_HOME/tinkr/tinkr.toml");

	mkdir(tmp("home/.config"), 0700);
	mkdir(tmp("home/.config/tinkr"), 0700);
	write_file(tmp("home/.config/tinkr/tinkr.toml"), "", 0600);
	is_string(config_find_path(buf, sizeof buf), tmp("xdg/tinkr/tinkr.toml"),
	    "XDG_CONFIG_HOME wins over ~/.config");
	unsetenv("XDG_CONFIG_HOME");
	is_string(config_find_path(buf, sizeof buf),
	    tmp("home/.config/tinkr/tinkr.toml"), "~/.config when "
	    "XDG_CONFIG_HOME is unset");
	setenv("XDG_CONFIG_HOME", "relative/dir", 1);
	is_string(config_find_path(buf, sizeof buf),
	    tmp("home/.config/tinkr/tinkr.toml"), "a relative XDG_CONFIG_HOME "
	    "is ignored");
	setenv("XDG_CONFIG_HOME", xdg, 1);

	mkdir(tmp("home/.tinkr"), 0700);
	write_file(tmp("home/.tinkr/config.toml"), "", 0600);
	is_string(config_find_path(buf, sizeof buf),
	    tmp("home/.tinkr/config.toml"), "~/.tinkr/config.toml wins over "
	    "XDG");

	setenv("TINKR_CONFIG", tmp("explicit.toml"), 1);
	is_string(config_find_path(buf, sizeof buf), tmp("explicit.toml"),
	    "TINKR_CONFIG wins, even when the file is missing");
	err[0] = '\0';
	ok(config_load(config_find_path(buf, sizeof buf), err,
	    sizeof err) == NULL, "...so loading it fails");
	snprintf(home, sizeof home, "%s: No such file or directory",
	    tmp("explicit.toml"));
	is_string(err, home, "missing file error");
	setenv("TINKR_CONFIG", "", 1);
	is_string(config_find_path(buf, sizeof buf),
	    tmp("home/.tinkr/config.toml"), "an empty TINKR_CONFIG is unset");
	ok(config_find_path(buf, 8) == NULL, "a short buffer gives NULL");
	unsetenv("TINKR_CONFIG");
	unsetenv("XDG_CONFIG_HOME");
}

/* config_load: unreadable files, a bad .env, permission warnings. */
static void
test_load(void)
{
	struct config	*cfg;
	char		 want[2048], real[512];

	unset_reference_vars();
	real_tmpdir(real, sizeof real);
	config_load(tmpdir, err, sizeof err);
	snprintf(want, sizeof want, "%s: Is a directory", tmpdir);
	is_string(err, want, "a directory is not a config file");

	write_file(tmp("tinkr.toml"), reference, 0600);
	write_file(tmp(".env"), reference_env, 0600);
	cfg = config_load(tmp("tinkr.toml"), err, sizeof err);
	is_int(cfg != NULL ? cfg->nwarnings : 99, 0, "0600 files: no warnings");
	config_free(cfg);

	chmod(tmp(".env"), 0640);
	cfg = config_load(tmp("tinkr.toml"), err, sizeof err);
	ok(cfg != NULL && cfg->nwarnings == 1, "a group-readable .env warns");
	snprintf(want, sizeof want, "%s/.env holds secrets and is readable by "
	    "group or others; run chmod 600 %s/.env", real, real);
	is_string(cfg != NULL && cfg->nwarnings > 0 ? cfg->warnings[0] : NULL,
	    want, "the .env warning text");
	config_free(cfg);

	chmod(tmp(".env"), 0600);
	chmod(tmp("tinkr.toml"), 0644);
	cfg = config_load(tmp("tinkr.toml"), err, sizeof err);
	snprintf(want, sizeof want, "%s holds secrets and is readable by group "
	    "or others; run chmod 600 %s", tmp("tinkr.toml"), tmp("tinkr.toml"));
	is_string(cfg != NULL && cfg->nwarnings > 0 ? cfg->warnings[0] : NULL,
	    want, "a world-readable config with a literal secret warns");
	config_free(cfg);

	write_file(tmp("plain.toml"), "[profiles.p.notifiers.d]\n"
	    "type = \"discord\"\nwebhook_url = \"env:DISCORD_OPS_WEBHOOK_URL\"\n",
	    0644);
	cfg = config_load(tmp("plain.toml"), err, sizeof err);
	is_int(cfg != NULL ? cfg->nwarnings : 99, 0, "a world-readable config "
	    "whose secrets are all env: does not warn");
	config_free(cfg);

	write_file(tmp(".env"), "PAGERDUTY_WEBHOOK_URL=https://e.example/x\n"
	    "PAGERDUTY_API_KEY=\"Token token=quoted ; with # hash\"\n"
	    "export OPSGENIE_WEBHOOK_URL='https://api.opsgenie.com/v2/alerts'\n"
	    "OPSGENIE_API_KEY=GenieKey YYYY #comment\n", 0600);
	chmod(tmp("tinkr.toml"), 0600);
	cfg = config_load(tmp("tinkr.toml"), err, sizeof err);
	ok(cfg == NULL, "a variable missing from the environment and .env");
	snprintf(want, sizeof want, "%s:14: environment variable "
	    "DISCORD_OPS_WEBHOOK_URL is not set (looked in the environment and "
	    "%s/.env)", tmp("tinkr.toml"), real);
	is_string(err, want, "the missing-variable error names the variable, "
	    "the line and the .env");

	write_file(tmp(".env"), reference_env, 0600);
	write_file(tmp("quoted.toml"), "[profiles.p.notifiers.w]\n"
	    "type = \"webhook\"\nurl = \"env:PAGERDUTY_WEBHOOK_URL\"\n"
	    "header_Authorization = \"env:OPSGENIE_API_KEY\"\n", 0600);
	write_file(tmp(".env"), "PAGERDUTY_WEBHOOK_URL=https://e.example/x\n"
	    "OPSGENIE_API_KEY=\"Token a ; b # c\" # comment\n", 0600);
	cfg = config_load(tmp("quoted.toml"), err, sizeof err);
	is_string(cfg != NULL ? csection_str(config_section(cfg,
	    "profiles.p.notifiers.w"), "header_Authorization") : err,
	    "Token a ; b # c", "a quoted .env value keeps ; and #");
	config_free(cfg);

	write_file(tmp(".env"), "# secrets\nPAGERDUTY_WEBHOOK_URL\n", 0600);
	cfg = config_load(tmp("quoted.toml"), err, sizeof err);
	snprintf(want, sizeof want, "%s/.env:2: expected NAME=value", real);
	is_string(err, want, "a malformed .env line fails the load");
	config_free(cfg);

	write_file(tmp(".env"), "PAGERDUTY_WEBHOOK_URL=ftp://x/\n"
	    "OPSGENIE_API_KEY=k\n", 0600);
	cfg = config_load(tmp("quoted.toml"), err, sizeof err);
	snprintf(want, sizeof want, "%s:3: PAGERDUTY_WEBHOOK_URL (from %s/.env) "
	    "is not an http(s) URL", tmp("quoted.toml"), real);
	is_string(err, want, "a bad URL from .env names the variable and file");
	config_free(cfg);

	write_file(tmp(".env"), "PAGERDUTY_WEBHOOK_URL=\nOPSGENIE_API_KEY=k\n",
	    0600);
	cfg = config_load(tmp("quoted.toml"), err, sizeof err);
	snprintf(want, sizeof want, "%s:3: environment variable "
	    "PAGERDUTY_WEBHOOK_URL is empty (in %s/.env)", tmp("quoted.toml"),
	    real);
	is_string(err, want, "an empty .env value is an error");
	config_free(cfg);

	write_file(tmp("nosecret.toml"), "[profiles.p]\nbackend = \"local\"\n",
	    0644);
	write_file(tmp(".env"), "garbage\n", 0644);
	cfg = config_load(tmp("nosecret.toml"), err, sizeof err);
	ok(cfg != NULL && cfg->envfile == NULL && cfg->nwarnings == 0,
	    "a .env is only read when a variable is missing");
	config_free(cfg);
}

/* Run every config test in a scratch directory. */
int
main(void)
{
	plan_lazy();
	snprintf(tmpdir, sizeof tmpdir, "%s/tinkr-test-config-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		diag("mkdtemp failed");
		return 1;
	}
	unsetenv("TINKR_PROFILE");
	unsetenv("TINKR_CONFIG");
	unset_reference_vars();

	test_scalars();
	test_quirks();
	test_schema();
	test_rules();
	test_rules_json();
	test_reference_env();
	test_dotenv_files();
	test_profiles();
	test_json();
	test_find_path();
	test_load();

	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return done_testing();
}
