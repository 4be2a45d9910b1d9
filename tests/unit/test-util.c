/* test-util.c -- durations, uptimes, edit distance and friends */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "promql.h"
#include "sha256.h"
#include "rca.h"
#include "sanitize.h"
#include "slo.h"
#include "tap.h"
#include "util.h"

/* parse_duration accepts <integer><s|m|h|d> and nothing else. */
static void
test_parse_duration(void)
{
	long long	 secs;

	ok(parse_duration("30s", &secs) == 0 && secs == 30, "30s");
	ok(parse_duration("10m", &secs) == 0 && secs == 600, "10m");
	ok(parse_duration("2h", &secs) == 0 && secs == 7200, "2h");
	ok(parse_duration("30d", &secs) == 0 && secs == 2592000, "30d");
	ok(parse_duration("0s", &secs) == 0 && secs == 0, "0s");
	ok(parse_duration("007m", &secs) == 0 && secs == 420, "leading zeros");
	secs = 42;
	is_int(parse_duration("", &secs), -1, "empty refused");
	is_int(parse_duration("10", &secs), -1, "no unit refused");
	is_int(parse_duration("s", &secs), -1, "no number refused");
	is_int(parse_duration("-1s", &secs), -1, "negative refused");
	is_int(parse_duration("+1s", &secs), -1, "sign refused");
	is_int(parse_duration("1.5h", &secs), -1, "fraction refused");
	is_int(parse_duration("10x", &secs), -1, "unknown unit refused");
	is_int(parse_duration("10ss", &secs), -1, "trailing text refused");
	is_int(parse_duration("10 s", &secs), -1, "blank refused");
	is_int(parse_duration("1M", &secs), -1, "units are lower case");
	is_int(parse_duration("99999999999999999999s", &secs), -1,
	    "overflowing number refused");
	is_int(parse_duration("9223372036854775807d", &secs), -1,
	    "overflowing product refused");
	is_int(secs, 42, "a refused duration leaves secs alone");
	ok(parse_duration("9223372036854775799s", &secs) == 0 &&
	    secs == 9223372036854775799LL, "very large seconds");
	ok(parse_duration("106751991167300d", &secs) == 0 &&
	    secs == 106751991167300LL * 86400, "very large days");
}

/* format_duration prints the largest unit that divides. */
static void
test_format_duration(void)
{
	char	 buf[32];

	format_duration(600, buf, sizeof buf);
	is_string(buf, "10m", "600 -> 10m");
	format_duration(0, buf, sizeof buf);
	is_string(buf, "0s", "0 -> 0s");
	format_duration(90, buf, sizeof buf);
	is_string(buf, "90s", "90 -> 90s");
	format_duration(7200, buf, sizeof buf);
	is_string(buf, "2h", "7200 -> 2h");
	format_duration(86400 * 30, buf, sizeof buf);
	is_string(buf, "30d", "30 days -> 30d");
	format_duration(5400, buf, sizeof buf);
	is_string(buf, "90m", "5400 -> 90m");
	format_duration(3601, buf, sizeof buf);
	is_string(buf, "3601s", "3601 -> 3601s");
	format_duration(600, buf, 3);
	is_string(buf, "10", "truncated to the buffer");
}

/* format_uptime prints two units for people. */
static void
test_format_uptime(void)
{
	char	 buf[32];

	format_uptime(9, buf, sizeof buf);
	is_string(buf, "9s", "9s");
	format_uptime(250, buf, sizeof buf);
	is_string(buf, "4m10s", "4m10s");
	format_uptime(7500, buf, sizeof buf);
	is_string(buf, "2h5m", "2h5m");
	format_uptime(3 * 86400 + 4 * 3600 + 59, buf, sizeof buf);
	is_string(buf, "3d4h", "3d4h");
	format_uptime(60, buf, sizeof buf);
	is_string(buf, "1m0s", "1m0s");
	format_uptime(-5, buf, sizeof buf);
	is_string(buf, "0s", "negative is 0s");
}

/* levenshtein for did-you-mean hints; case does not count. */
static void
test_levenshtein(void)
{
	char	 longer[80];

	is_int(levenshtein("kitten", "sitting"), 3, "kitten/sitting");
	is_int(levenshtein("bakend", "backend"), 1, "bakend/backend");
	is_int(levenshtein("", "abc"), 3, "empty/abc");
	is_int(levenshtein("abc", ""), 3, "abc/empty");
	is_int(levenshtein("same", "same"), 0, "equal");
	is_int(levenshtein("Type", "type"), 0, "case-insensitive");
	is_int(levenshtein("profile.demo", "profiles.demo"), 1, "section typo");
	memset(longer, 'a', 65);
	longer[65] = '\0';
	ok(levenshtein(longer, "a") == (size_t)-1, "over 64 characters: "
	    "no distance");
}

/* Allocation helpers and the error buffer. */
static void
test_misc(void)
{
	char	*s, buf[8];

	is_int(xasprintf(&s, "%s-%d", "a", 42), 4, "xasprintf length");
	is_string(s, "a-42", "xasprintf text");
	free(s);
	s = xstrndup("abcdef", 3);
	is_string(s, "abc", "xstrndup");
	free(s);
	seterr(buf, sizeof buf, "%s", "a long message");
	is_string(buf, "a long ", "seterr truncates to the buffer");
	seterr(NULL, 0, "%s", "nothing");
	ok(1, "seterr with no buffer does nothing");
	format_time_iso(0, buf, sizeof buf);
	ok(strlen(buf) < sizeof buf, "format_time_iso fits a short buffer");
	{
		char	 iso[32];

		format_time_iso(1775570463LL, iso, sizeof iso);
		is_string(iso, "2026-04-07T14:01:03Z", "ISO 8601 UTC");
	}
}

/* Run every util test. */
/* is_expand EXPR SERVICE WINDOW WANT DESCRIPTION */
static void
is_expand(const char *expr, const char *service, const char *win,
    const char *want, const char *desc)
{
	char	*got = promql_expand(expr, service, win);

	is_string(got, want, "%s", desc);
	free(got);
}

static void
test_promql(void)
{
	is_expand("max(queue_depth{service=\"$service\"})", "payments-api",
	    "10m", "max(queue_depth{service=\"payments-api\"})",
	    "$service is the service's name");
	is_expand("rate(x{app=\"$service\"}[$window])", "api", "90s",
	    "rate(x{app=\"api\"}[90s])", "$window is the window");
	is_expand("x{s=\"$service\"}", "a\"b\\c\nd", "1m",
	    "x{s=\"a\\\"b\\\\c\\nd\"}",
	    "quote, backslash and newline in a service are escaped");
	is_expand("$services + $window_size + $service_x", "api", "5m",
	    "$services + $window_size + $service_x",
	    "longer names that start with $service or $window are kept");
	is_expand("$service$window", "api", "5m", "api5m",
	    "the two may touch");
	is_expand("", "api", "5m", "", "an empty expression stays empty");
	is_expand("sum by (le) ($)", "api", "5m", "sum by (le) ($)",
	    "a lone $ is kept");
}

static void
test_sha256(void)
{
	char	 hex[65], *big;
	size_t	 i;

	sha256_hex("", 0, hex);
	is_string(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	    "SHA-256 of nothing");
	sha256_hex("abc", 3, hex);
	is_string(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    "SHA-256 of abc");
	sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
	    hex);
	is_string(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	    "SHA-256 of the 56-byte FIPS example (two blocks)");
	big = xmalloc(1000000);
	for (i = 0; i < 1000000; i++)
		big[i] = 'a';
	sha256_hex(big, 1000000, hex);
	is_string(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	    "SHA-256 of a million a's");
	free(big);
}

/* A report's number member, -1 for null. */
static double
rnum(json_t *r, const char *a, const char *b)
{
	json_t	*v = json_object_get(r, a);

	if (b != NULL)
		v = json_object_get(v, b);
	return json_is_number(v) ? json_number_value(v) : -1;
}

/* Whether x is within 1e-9 of want. */
static int
near(double x, double want)
{
	return x > want - 1e-9 && x < want + 1e-9;
}

static void
test_slo(void)
{
	struct slo_counts	 w = { 1000000, 500 };
	struct slo_counts	 p[3] = { { 1000, 20 }, { 6000, 6 }, { 24000, 12 } };
	json_t			*r;

	r = slo_report("payments-api", 99.9, 30 * 86400, &w, p);
	ok(near(rnum(r, "availability_pct", NULL), 99.95), "availability "
	    "99.95%%");
	ok(near(rnum(r, "budget_total", NULL), 1000), "1000 errors allowed");
	ok(near(rnum(r, "budget_remaining_pct", NULL), 50), "half the "
	    "budget left");
	ok(near(rnum(r, "burn_rate", NULL), 0.5), "burn rate 0.5");
	ok(near(rnum(r, "budget_minutes", "total"), 43.2), "43.2 minutes of "
	    "budget in 30 days");
	ok(near(rnum(r, "budget_minutes", "consumed"), 21.6), "21.6 consumed");
	ok(near(rnum(json_object_get(r, "burn_rates"), "1h", "burn_rate"),
	    20), "1h burn rate 20");
	is_string(json_string_value(json_object_get(json_object_get(
	    json_object_get(r, "burn_rates"), "1h"), "status")), "critical",
	    "20 > 14.4 is critical");
	ok(near(rnum(r, "hours_left_at_1h_rate", NULL), 18), "18 hours left "
	    "at that rate");
	is_string(json_string_value(json_object_get(r, "status")), "critical",
	    "the report is critical");
	json_decref(r);

	w.total = w.errors = 0;
	memset(p, 0, sizeof p);
	r = slo_report("quiet", 99.9, 86400, &w, p);
	is_string(json_string_value(json_object_get(r, "status")),
	    "no_traffic", "no requests: no_traffic");
	ok(near(rnum(r, "availability_pct", NULL), 100), "and 100%%");
	ok(near(rnum(r, "burn_rate", NULL), 0), "burning nothing");
	json_decref(r);

	w.total = 100;
	w.errors = 0;
	r = slo_report("perfect", 100, 86400, &w, p);
	is_string(json_string_value(json_object_get(r, "status")), "ok",
	    "a 100%% target met is ok");
	ok(near(rnum(r, "budget_remaining_pct", NULL), 100), "with its empty "
	    "budget untouched");
	json_decref(r);
	w.errors = 1;
	r = slo_report("perfect", 100, 86400, &w, p);
	ok(rnum(r, "burn_rate", NULL) == -1, "one error against 100%% "
	    "burns without bound (null)");
	is_string(json_string_value(json_object_get(r, "status")),
	    "exhausted", "and exhausts it");
	json_decref(r);
}

/* is_mask MESSAGE WANT */
static void
is_mask(const char *msg, const char *want)
{
	char	*got = rca_mask(msg);

	is_string(got, want, "mask: %s", msg);
	free(got);
}

static void
test_rca_mask(void)
{
	is_mask("user 42 paid 19.99", "user <n> paid <n>");
	is_mask("req 7c9e6679-7425-40de-944b-e07fc1f90ae7 failed",
	    "req <uuid> failed");
	is_mask("dial tcp 10.0.3.7:5432: refused", "dial tcp <ip>:<n>: refused");
	is_mask("commit deadbeef01 broke", "commit <hex> broke");
	is_mask("no such key \"cart-91\" in 'eu'", "no such key \"<s>\" in '<s>'");
	is_mask("v2 api and http2", "v2 api and http2");
	is_mask("decaf coffee", "decaf coffee");
	is_mask("", "");
}

/* is_clean TEXT WANT */
static void
is_clean(const char *text, const char *want)
{
	char	*got = sanitize(text, NULL);

	is_string(got, want, "sanitize: %s", text);
	free(got);
}

static void
test_sanitize(void)
{
	is_clean("Authorization: Bearer abc.def-123 sent",
	    "Authorization: Bearer <redacted> sent");
	is_clean("key AKIAIOSFODNN7EXAMPLE used", "key <redacted> used");
	is_clean("token ghp_abcdefghijklmnopqrstuvwxyz0123456789 ok",
	    "token <redacted> ok");
	is_clean("login to postgres://app:hunter2@db:5432/x failed",
	    "login to postgres://app:<redacted>@db:5432/x failed");
	is_clean("password=s3cr3t&user=bob", "password=<redacted>&user=bob");
	is_clean("{\"api_key\": \"abcd1234\"}", "{\"api_key\": \"<redacted>\"}");
	is_clean("sk-abcdefghijklmnopqrstuvwx in env", "<redacted> in env");
	is_clean("nothing to hide at 10.0.0.1:5432",
	    "nothing to hide at 10.0.0.1:5432");
	is_clean("http://example.com/a:b@c", "http://example.com/a:b@c");
}

/* strbuf_int writes what %lld does. */
static void
test_strbuf_int(void)
{
	static const long long	 v[] = { 0, 7, -7, 10, 1775570463123LL,
	    -1000000, LLONG_MAX, LLONG_MIN };
	struct strbuf		 b = { NULL, 0, 0 };
	char			 want[32];
	size_t			 i;

	for (i = 0; i < nitems(v); i++) {
		b.len = 0;
		strbuf_str(&b, "n=");
		strbuf_int(&b, v[i]);
		snprintf(want, sizeof want, "n=%lld", v[i]);
		is_string(b.s, want, "strbuf_int %lld", v[i]);
	}
	free(b.s);
}

int
main(void)
{
	plan_lazy();
	test_strbuf_int();
	test_parse_duration();
	test_format_duration();
	test_format_uptime();
	test_levenshtein();
	test_misc();
	test_promql();
	test_sha256();
	test_slo();
	test_rca_mask();
	test_sanitize();
	return done_testing();
}
