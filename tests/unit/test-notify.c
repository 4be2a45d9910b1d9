/* test-notify.c -- webhook signatures, URL checks, Retry-After, Discord */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "anomaly.h"
#include "notify.h"
#include "tap.h"
#include "util.h"

#define WHSEC_SPEC	"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define BAD_BASE64	"secret: whsec_ value is not valid base64"
#define T_1994		784111777LL	/* Sun, 06 Nov 1994 08:49:37 GMT */

/* is_sign SECRET ID TS BODY LEN WANT: a signature, or NULL and no error. */
static void
is_sign(const char *secret, const char *id, long long ts, const char *body,
    size_t len, const char *want, const char *desc)
{
	char	 err[128] = "", *sig;

	sig = notify_sign(secret, id, ts, body, len, err, sizeof err);
	is_string(sig, want, "sign: %s", desc);
	if (sig == NULL)
		diag("error: %s", err);
	free(sig);
}

/* is_sign_err SECRET WANT: signing fails with the error given. */
static void
is_sign_err(const char *secret, const char *id, const char *want,
    const char *desc)
{
	char	 err[128] = "", *sig;

	sig = notify_sign(secret, id, 1, "x", 1, err, sizeof err);
	ok(sig == NULL, "sign refuses %s", desc);
	is_string(err, want, "sign: %s: error", desc);
	free(sig);
}

/* notify_sign against vectors computed with openssl dgst. */
static void
test_sign(void)
{
	const char	*body = "{\"test\": 2432232314}";
	char		*sig;

	is_sign(WHSEC_SPEC, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
	    body, strlen(body),
	    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
	    "the Standard Webhooks example");
	is_sign("plain-secret", "msg_1", 1700000000, "hello", 5,
	    "v1,/2/EnnRK+APzMK/A+8/zG91ylE27Ks1PEE5hXCd1Mm8=",
	    "a secret without whsec_ is the key itself");
	is_sign("k", "msg_2", 0, "a\0b", 3,
	    "v1,71Oke+v9NPrmQt+uLPtrpbuArGxsQzET/iAVuDLjYHw=",
	    "the body is bytes: a NUL inside counts");
	is_sign("whsec_YWJjZA==", "id", 5, "x", 1,
	    "v1,DzoFWa0wAdALkopb3dsbXDz7Fbg3Tbo8Gf/nE4Za9cs=",
	    "two padding characters are not key bytes");
	is_sign("abcd", "id", 5, "x", 1,
	    "v1,DzoFWa0wAdALkopb3dsbXDz7Fbg3Tbo8Gf/nE4Za9cs=",
	    "the same key given raw");
	is_sign("whsec_YWJjZGU=", "id", 5, "x", 1,
	    "v1,onZdxg9wEPTklb4qxyjtwDWI0g3ZG8zle2CUVsntdbc=",
	    "one padding character is not a key byte");
	is_sign("whsec_YWJjZGU=", "id", -7, NULL, 0,
	    "v1,cls1dMgBNxiLgipNNyAHW+Uwg55KidOyrdv+OxMg0Fw=",
	    "negative timestamp, no body");

	is_sign_err("whsec_", "id", BAD_BASE64, "an empty whsec_ value");
	is_sign_err("whsec_abc", "id", BAD_BASE64, "a length not a multiple of 4");
	is_sign_err("whsec_ab!d", "id", BAD_BASE64, "a byte outside base64");
	is_sign_err("whsec_a=bc", "id", BAD_BASE64, "'=' in the middle");
	is_sign_err("whsec_A===", "id", BAD_BASE64, "three '='");
	is_sign_err("whsec_====", "id", BAD_BASE64, "only '='");
	is_sign_err("whsec_YWJj ZA==", "id", BAD_BASE64, "a blank inside");
	is_sign_err("whsec_YWJjZA==\n", "id", BAD_BASE64, "a trailing newline");
	is_sign_err("whsec_YWJj-A__", "id", BAD_BASE64, "the URL-safe alphabet");
	is_sign_err("", "id", "secret: empty", "an empty secret");
	is_sign_err(NULL, "id", "secret: empty", "no secret");
	is_sign_err("k", NULL, "message id: missing", "no message id");

	sig = notify_sign(WHSEC_SPEC, "m", 1, "", 0, NULL, 0);
	ok(sig != NULL && strncmp(sig, "v1,", 3) == 0 && strlen(sig) == 47,
	    "sign: v1, and 44 characters of base64");
	free(sig);
	sig = notify_sign("whsec_!", "m", 1, "", 0, NULL, 0);
	ok(sig == NULL, "sign: an error with no error buffer");
}

/* notify_same_origin: scheme, host and port, nothing else. */
static void
test_same_origin(void)
{
	const char	*base = "https://hooks.acme.com/x";

	is_int(notify_same_origin(base, "https://HOOKS.acme.com:443/y"), 1,
	    "host case and the default port written out");
	is_int(notify_same_origin(base, "HTTPS://hooks.acme.com?q#f"), 1,
	    "scheme case; no path");
	is_int(notify_same_origin(base, "https://hooks.acme.com"), 1,
	    "nothing after the host");
	is_int(notify_same_origin(base, "https://hooks.acme.com:/"), 1,
	    "an empty port is the default");
	is_int(notify_same_origin(base, "http://hooks.acme.com/x"), 0,
	    "http is not https");
	is_int(notify_same_origin(base, "https://hooks.acme.com:8443/x"), 0,
	    "another port");
	is_int(notify_same_origin(base, "https://hooks.acme.com.evil.com/"),
	    0, "a longer host");
	is_int(notify_same_origin(base, "https://acme.com/"), 0,
	    "a shorter host");
	is_int(notify_same_origin(base, "https://evilhooks.acme.com/"), 0,
	    "a host that ends the same");
	is_int(notify_same_origin("https://a.com@evil.com/", "https://evil.com"),
	    1, "userinfo: the host is after '@'");
	is_int(notify_same_origin("https://a.com@evil.com/", "https://a.com/"),
	    0, "userinfo is not the host");
	is_int(notify_same_origin("https://u:p@hooks.acme.com/", base), 1,
	    "user and password ignored");
	is_int(notify_same_origin("https://a@b@hooks.acme.com/", base), 1,
	    "the last '@' ends the userinfo");
	is_int(notify_same_origin("https://hooks.acme.com/?u=a@evil.com",
	    base), 1, "an '@' in the query is not userinfo");
	is_int(notify_same_origin("https://hooks.acme.com#@evil.com",
	    "https://evil.com"), 0, "an '@' in the fragment is not userinfo");
	is_int(notify_same_origin("https://evil.com\\@hooks.acme.com/", base),
	    0, "a backslash in the authority");
	is_int(notify_same_origin("https://hooks.acme.com /", base), 0,
	    "a blank in the authority");
	is_int(notify_same_origin("http://h:80/", "http://h/"), 1,
	    "http's default port is 80");
	is_int(notify_same_origin("http://h:443/", "https://h/"), 0,
	    "port 443 over http is not https");
	is_int(notify_same_origin("https://h:0443/", "https://h/"), 1,
	    "a port with a leading zero");
	is_int(notify_same_origin("https://h:99999/", "https://h:99999/"), 0,
	    "a port beyond 65535");
	is_int(notify_same_origin("https://h:0/", "https://h:0/"), 0,
	    "port 0");
	is_int(notify_same_origin("https://h:8x/", "https://h:8x/"), 0,
	    "a port that is not a number");
	is_int(notify_same_origin("https://[::1]:443/", "https://[::1]/"), 1,
	    "an IPv6 literal");
	is_int(notify_same_origin("https://[::1]/", "https://[::2]/"), 0,
	    "another IPv6 literal");
	is_int(notify_same_origin("https://[::1/", "https://[::1/"), 0,
	    "an unclosed IPv6 literal");
	is_int(notify_same_origin("https:///x", "https:///x"), 0,
	    "an empty host");
	is_int(notify_same_origin("https://u@/x", "https://u@/x"), 0,
	    "an empty host after userinfo");
	is_int(notify_same_origin("ftp://h/", "ftp://h/"), 0, "ftp");
	is_int(notify_same_origin("hooks.acme.com", "hooks.acme.com"), 0,
	    "no scheme");
	is_int(notify_same_origin("https:hooks.acme.com", base), 0,
	    "no slashes");
	is_int(notify_same_origin(NULL, base), 0, "NULL");
	is_int(notify_same_origin(base, base), 1, "a URL and itself");
}

/* notify_prefix_allowed: a byte prefix that ends at a boundary. */
static void
test_prefix_allowed(void)
{
	const char *const	 p[] = {
		"https://hooks.acme.com",
		"https://api.example.com/team-a/",
		"",
		NULL
	};
	const size_t		 n = nitems(p);
	const char *const	 empty[] = { "" };

	is_int(notify_prefix_allowed("https://hooks.acme.com", p, n), 1,
	    "the prefix itself");
	is_int(notify_prefix_allowed("https://hooks.acme.com/x/y", p, n), 1,
	    "then a path");
	is_int(notify_prefix_allowed("https://hooks.acme.com?a=1", p, n), 1,
	    "then a query");
	is_int(notify_prefix_allowed("https://hooks.acme.com#f", p, n), 1,
	    "then a fragment");
	is_int(notify_prefix_allowed("https://hooks.acme.com.evil.com/", p, n),
	    0, "a longer host");
	is_int(notify_prefix_allowed("https://hooks.acme.comevil/", p, n), 0,
	    "a host with more letters");
	is_int(notify_prefix_allowed("https://hooks.acme.com@evil.com/", p, n),
	    0, "the prefix as userinfo");
	is_int(notify_prefix_allowed("https://hooks.acme.com:8443/", p, n), 0,
	    "another port");
	is_int(notify_prefix_allowed("https://hooks.acme.com\\@evil.com/", p,
	    n), 0, "a backslash after the host");
	is_int(notify_prefix_allowed("https://HOOKS.acme.com/x", p, n), 0,
	    "bytes compare exactly");
	is_int(notify_prefix_allowed("http://hooks.acme.com/x", p, n), 0,
	    "another scheme");
	is_int(notify_prefix_allowed("https://api.example.com/team-a/hook", p,
	    n), 1, "a prefix ending in '/'");
	is_int(notify_prefix_allowed("https://api.example.com/team-a/", p, n),
	    1, "exactly the prefix ending in '/'");
	is_int(notify_prefix_allowed("https://api.example.com/team-a", p, n),
	    0, "short of the prefix's '/'");
	is_int(notify_prefix_allowed("https://api.example.com/team-b/", p, n),
	    0, "another path");
	is_int(notify_prefix_allowed(
	    "https://api.example.com/team-a/../team-b/x", p, n), 0,
	    "'..' out of the prefix");
	is_int(notify_prefix_allowed(
	    "https://api.example.com/team-a/%2e%2E/team-b", p, n), 0,
	    "'..' percent-encoded");
	is_int(notify_prefix_allowed(
	    "https://api.example.com/team-a/.%2E/team-b", p, n), 0,
	    "'..' half encoded");
	is_int(notify_prefix_allowed(
	    "https://api.example.com/team-a/..\\team-b", p, n), 0,
	    "'..' before a backslash");
	is_int(notify_prefix_allowed(
	    "https://api.example.com/team-a/..%2fteam-b", p, n), 0,
	    "'..' before an encoded '/'");
	is_int(notify_prefix_allowed(
	    "https://api.example.com/team-a/..%5Cteam-b", p, n), 0,
	    "'..' before an encoded backslash");
	is_int(notify_prefix_allowed("https://api.example.com/team-a/..", p,
	    n), 0, "'..' at the end");
	is_int(notify_prefix_allowed("https://api.example.com/team-a/./x", p,
	    n), 0, "'.'");
	is_int(notify_prefix_allowed("https://hooks.acme.com/a/../b", p, n), 0,
	    "'..' is refused under a host prefix too");
	is_int(notify_prefix_allowed("https://api.example.com/team-a/...", p,
	    n), 1, "'...' is a name");
	is_int(notify_prefix_allowed("https://api.example.com/team-a/a..b", p,
	    n), 1, "dots inside a name");
	is_int(notify_prefix_allowed("https://api.example.com/team-a/.env", p,
	    n), 1, "a name starting with a dot");
	is_int(notify_prefix_allowed(
	    "https://api.example.com/team-a/x?next=../../y", p, n), 1,
	    "'..' in the query is not in the path");
	is_int(notify_prefix_allowed("https://hooks.acme.com#/../x", p, n), 1,
	    "'..' in the fragment is not in the path");
	is_int(notify_prefix_allowed("/x", empty, 1), 0,
	    "an empty prefix allows nothing");
	is_int(notify_prefix_allowed("", empty, 1), 0,
	    "an empty prefix allows not even the empty URL");
	is_int(notify_prefix_allowed("https://hooks.acme.com", p, 0), 0,
	    "no prefixes");
	is_int(notify_prefix_allowed("https://hooks.acme.com", NULL, 3), 0,
	    "NULL prefixes");
	is_int(notify_prefix_allowed(NULL, p, n), 0, "NULL URL");
}

/* Header names are tokens; values have no control characters. */
static void
test_headers(void)
{
	is_int(notify_header_name_valid("X-Signature"), 1, "X-Signature");
	is_int(notify_header_name_valid("webhook-id"), 1, "webhook-id");
	is_int(notify_header_name_valid("!#$%&'*+-.^_`|~09azAZ"), 1,
	    "every tchar");
	is_int(notify_header_name_valid("a"), 1, "one character");
	is_int(notify_header_name_valid(""), 0, "empty name");
	is_int(notify_header_name_valid(NULL), 0, "NULL name");
	is_int(notify_header_name_valid("X Sig"), 0, "a blank");
	is_int(notify_header_name_valid("X:Sig"), 0, "a colon");
	is_int(notify_header_name_valid("X-Sig\r\nEvil"), 0, "CR LF");
	is_int(notify_header_name_valid("X\tSig"), 0, "a tab");
	is_int(notify_header_name_valid("\xc3\xbc" "ber"), 0, "UTF-8");
	is_int(notify_header_name_valid("(x)"), 0, "parentheses");
	is_int(notify_header_name_valid("a/b"), 0, "a slash");
	is_int(notify_header_name_valid("a@b"), 0, "an at sign");
	is_int(notify_header_name_valid("a\"b"), 0, "a quote");
	is_int(notify_header_name_valid("a,b"), 0, "a comma");
	is_int(notify_header_name_valid("a=b"), 0, "an equals sign");
	is_int(notify_header_name_valid("a\x7f"), 0, "DEL");

	is_int(notify_header_value_valid("Bearer abc.def"), 1, "a token");
	is_int(notify_header_value_valid(""), 1, "an empty value");
	is_int(notify_header_value_valid("a\tb"), 1, "a tab");
	is_int(notify_header_value_valid(" a b "), 1, "blanks");
	is_int(notify_header_value_valid("h\xc3\xa9llo"), 1,
	    "bytes above 127");
	is_int(notify_header_value_valid("x\r\nEvil: 1"), 0, "CR LF");
	is_int(notify_header_value_valid("x\n"), 0, "LF");
	is_int(notify_header_value_valid("x\r"), 0, "CR");
	is_int(notify_header_value_valid("\x01"), 0, "SOH");
	is_int(notify_header_value_valid("a\x1b[0m"), 0, "ESC");
	is_int(notify_header_value_valid("a\x7f"), 0, "DEL");
	is_int(notify_header_value_valid(NULL), 0, "NULL value");
}

/* Retry-After: delta-seconds and the three forms of HTTP-date. */
static void
test_retry_after(void)
{
	const char *const	 forms[] = {
		"Sun, 06 Nov 1994 08:49:37 GMT",
		"Sunday, 06-Nov-94 08:49:37 GMT",
		"Sun Nov  6 08:49:37 1994"
	};
	size_t			 i;

	is_int(notify_retry_after("120", 0), 120, "seconds");
	is_int(notify_retry_after(" 120 ", 0), 120, "blanks around");
	is_int(notify_retry_after("\t0\r\n", 0), 0, "0, tab and CR LF");
	is_int(notify_retry_after("86400", 0), 86400, "a day");
	is_int(notify_retry_after("86401", 0), 86400, "capped at a day");
	is_int(notify_retry_after("99999999999999999999999999", 0), 86400,
	    "a huge number is capped, not overflowed");
	is_int(notify_retry_after("000000000000000000000000000005", 0), 5,
	    "leading zeros");
	is_int(notify_retry_after("-5", 0), -1, "negative");
	is_int(notify_retry_after("+5", 0), -1, "a plus sign");
	is_int(notify_retry_after("1.5", 0), -1, "a fraction");
	is_int(notify_retry_after("1 2", 0), -1, "two numbers");
	is_int(notify_retry_after("12abc", 0), -1, "trailing text");
	is_int(notify_retry_after("abc", 0), -1, "text");
	is_int(notify_retry_after("", 0), -1, "empty");
	is_int(notify_retry_after("  \t", 0), -1, "blanks only");
	is_int(notify_retry_after(NULL, 0), -1, "NULL");

	for (i = 0; i < nitems(forms); i++) {
		is_int(notify_retry_after(forms[i], T_1994 - 90), 90,
		    "%s: 90s ahead", forms[i]);
		is_int(notify_retry_after(forms[i], T_1994), 0,
		    "%s: now", forms[i]);
		is_int(notify_retry_after(forms[i], T_1994 + 10), 0,
		    "%s: in the past", forms[i]);
		is_int(notify_retry_after(forms[i], T_1994 - 200000), 86400,
		    "%s: over a day ahead is capped", forms[i]);
		is_int(notify_retry_after(forms[i], LLONG_MIN), 86400,
		    "%s: now far in the past does not overflow", forms[i]);
		is_int(notify_retry_after(forms[i], LLONG_MAX), 0,
		    "%s: now far in the future", forms[i]);
	}
	is_int(notify_retry_after("  Sun Nov  6 08:49:37 1994\t", T_1994 - 1),
	    1, "asctime with blanks around");
	is_int(notify_retry_after("Sun Nov 06 08:49:37 1994", T_1994 - 1), 1,
	    "asctime with a two-digit day");
	is_int(notify_retry_after("Thu, 01 Jan 1970 00:00:00 GMT", -30), 30,
	    "the epoch");
	is_int(notify_retry_after("Thu, 29 Feb 2024 23:59:59 GMT",
	    1709251199LL - 7), 7, "a leap day");
	is_int(notify_retry_after("Wed, 01 Mar 2000 00:00:00 GMT",
	    951868800LL - 3), 3, "after 2000's leap day");
	is_int(notify_retry_after("Sun, 06 Nov 1994 08:49:60 GMT", T_1994), 23,
	    "a leap second");
	is_int(notify_retry_after("Sat, 29 Feb 2025 00:00:00 GMT", 0), -1,
	    "29 February in a common year");
	is_int(notify_retry_after("Mon, 29 Feb 2100 00:00:00 GMT", 0), -1,
	    "29 February in a century year");
	is_int(notify_retry_after("Sun, 31 Apr 1994 00:00:00 GMT", 0), -1,
	    "31 April");
	is_int(notify_retry_after("Sun, 00 Nov 1994 00:00:00 GMT", 0), -1,
	    "day 0");
	is_int(notify_retry_after("Sun, 06 Nov 1994 24:00:00 GMT", 0), -1,
	    "hour 24");
	is_int(notify_retry_after("Sun, 06 Nov 1994 08:60:00 GMT", 0), -1,
	    "minute 60");
	is_int(notify_retry_after("Sun, 06 Nov 1994 08:49:61 GMT", 0), -1,
	    "second 61");
	is_int(notify_retry_after("Sun, 06 Nov 1994 08:49:37 UTC", 0), -1,
	    "UTC is not GMT");
	is_int(notify_retry_after("Sun, 06 Nov 1994 08:49:37", 0), -1,
	    "no GMT");
	is_int(notify_retry_after("Sun, 6 Nov 1994 08:49:37 GMT", 0), -1,
	    "IMF-fixdate with a one-digit day");
	is_int(notify_retry_after("Sun, 06 Nov 94 08:49:37 GMT", 0), -1,
	    "IMF-fixdate with a two-digit year");
	is_int(notify_retry_after("sun, 06 nov 1994 08:49:37 GMT", 0), -1,
	    "names are case-sensitive");
	is_int(notify_retry_after("Sun, 06 Xyz 1994 08:49:37 GMT", 0), -1,
	    "an unknown month");
	is_int(notify_retry_after("Sunday, 06 Nov 1994 08:49:37 GMT", 0), -1,
	    "a long day name with an IMF date");
	is_int(notify_retry_after("Sun, 06-Nov-94 08:49:37 GMT", 0), -1,
	    "a short day name with an RFC 850 date");
	is_int(notify_retry_after("Sunday, 06-Nov-1994 08:49:37 GMT", 0), -1,
	    "RFC 850 with a four-digit year");
	is_int(notify_retry_after("Sun Nov  6 08:49:37 1994 GMT", 0), -1,
	    "asctime with GMT");
	is_int(notify_retry_after("Sun Nov 6 08:49:37 1994", 0), -1,
	    "asctime with one blank before a one-digit day");
	is_int(notify_retry_after("Sun, 06 Nov 1994 08:49:37 GMT x", 0), -1,
	    "trailing text after a date");
	is_int(notify_retry_after("Sun,  06 Nov 1994 08:49:37 GMT", 0), -1,
	    "two blanks inside a date");
	is_int(notify_retry_after("Sun", 0), -1, "only a day name");
	is_int(notify_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"
	    "                                                            ",
	    T_1994 - 5), 5, "many trailing blanks");
	is_int(notify_retry_after("Sun, 06 Nov 1994 08:49:37 GMTxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 0), -1,
	    "a long value");

	/* An RFC 850 year is the one within fifty years of now's. */
	is_int(notify_retry_after("Tuesday, 07-Apr-26 14:02:03 GMT",
	    1775570463LL), 60, "RFC 850 in 2026");
	is_int(notify_retry_after("Tuesday, 07-Apr-76 14:02:03 GMT",
	    1775570463LL), 86400, "RFC 850: 76 is 2076 in 2026");
	is_int(notify_retry_after("Wednesday, 07-Apr-77 14:02:03 GMT",
	    1775570463LL), 0, "RFC 850: 77 is 1977 in 2026");
	is_int(notify_retry_after("Friday, 01-Jan-00 00:00:00 GMT",
	    4102444740LL), 60, "RFC 850: 00 is 2100 late in 2099");
	is_int(notify_retry_after("Wednesday, 31-Dec-69 23:00:10 GMT",
	    -3600), 10, "RFC 850 before the epoch");
}

/* Full-jitter backoff: rnd modulo one more than the cap. */
static void
test_backoff(void)
{
	unsigned int	 r;
	int		 a, bad;

	is_int(notify_backoff(1, 0), 0, "attempt 1, rnd 0");
	is_int(notify_backoff(1, 999), 999, "attempt 1, rnd 999");
	is_int(notify_backoff(1, 1000), 1000, "attempt 1: the cap is 1s");
	is_int(notify_backoff(1, 1001), 0, "attempt 1: rnd wraps");
	is_int(notify_backoff(2, 2000), 2000, "attempt 2: 2s");
	is_int(notify_backoff(2, 2001), 0, "attempt 2: rnd wraps");
	is_int(notify_backoff(3, 4000), 4000, "attempt 3: 4s");
	is_int(notify_backoff(9, 256000), 256000, "attempt 9: 256s");
	is_int(notify_backoff(9, 256001), 0, "attempt 9: rnd wraps");
	is_int(notify_backoff(10, 300000), 300000, "attempt 10: capped at 5m");
	is_int(notify_backoff(10, 300001), 0, "attempt 10: rnd wraps");
	is_int(notify_backoff(64, UINT_MAX), UINT_MAX % 300001,
	    "attempt 64 does not overflow");
	is_int(notify_backoff(1000, 299999), 299999, "attempt 1000");
	is_int(notify_backoff(INT_MAX, UINT_MAX), UINT_MAX % 300001,
	    "attempt INT_MAX");
	is_int(notify_backoff(0, 1000), 1000, "attempt 0 is taken as 1");
	is_int(notify_backoff(0, 1001), 0, "attempt 0 caps at 1s");
	is_int(notify_backoff(INT_MIN, 5000), 5000 % 1001, "attempt INT_MIN");

	bad = 0;
	for (a = 1; a <= 40; a++) {
		for (r = 0; r < 4000000000U; r += 9999991U) {
			long long	 ms = notify_backoff(a, r);
			long long	 cap = a >= 10 ? 300000 : 1000LL << (a - 1);

			if (ms < 0 || ms > cap || ms != (long long)(r % (cap + 1)))
				bad++;
		}
	}
	is_int(bad, 0, "backoff within its cap over a sweep");
}

/* An anomaly object as anomaly_json makes them, minus the numbers. */
static json_t *
anomaly(const char *metric, const char *severity, const char *desc)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "service", "payments-api",
	    "metric", metric, "description", desc, "severity", severity);
}

/* How many times needle is in s. */
static int
count(const char *s, const char *needle)
{
	int	 n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

/* Whether s ends with suffix. */
static int
ends_with(const char *s, const char *suffix)
{
	size_t	 len = strlen(s), slen = strlen(suffix);

	return len >= slen && strcmp(s + len - slen, suffix) == 0;
}

/*
 * Whether every bullet of a message ends with "…" and no lone backslash
 * comes before it.
 */
static int
all_cut(const char *s)
{
	const char	*p, *e;
	size_t		 len;
	int		 n = 0;

	for (p = s; (p = strstr(p, "\n• ")) != NULL; p++) {
		e = strchr(p + 1, '\n');
		len = e != NULL ? (size_t)(e - p) : strlen(p);
		if (len < 6 || strncmp(p + len - 3, "…", 3) != 0 ||
		    (p[len - 4] == '\\' && p[len - 5] != '\\'))
			return 0;
		n++;
	}
	return n > 0;
}

/* Whether a message is one Discord takes: UTF-8, short, no controls. */
static int
discord_ok(const char *s)
{
	json_t		*j;
	const char	*p;

	if (s == NULL || strlen(s) > 2000)
		return 0;
	for (p = s; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 && *p != '\n')
			return 0;
	}
	if ((j = json_string(s)) == NULL)
		return 0;
	json_decref(j);
	return 1;
}

/* The Discord message in its ordinary shapes. */
static void
test_discord_format(void)
{
	json_t	*arr, *res;
	char	*s;
	int	 i;

	arr = json_array();
	json_array_append_new(arr, anomaly("error_count", "high",
	    "847 errors in 10m, exceeds threshold of 10"));
	json_array_append_new(arr, anomaly("latency_p99", "medium",
	    "p99 latency 3.2s exceeds threshold of 1s"));
	s = notify_discord_content("watch-a3f2b1c4", "payments-api", "firing",
	    arr, NULL);
	is_string(s,
	    "**🚨 payments-api — 2 anomalies** (watch `watch-a3f2b1c4`)\n"
	    "• **HIGH** `error_count` — 847 errors in 10m, exceeds threshold "
	    "of 10\n"
	    "• **MEDIUM** `latency_p99` — p99 latency 3.2s exceeds threshold "
	    "of 1s", "discord: the example");
	free(s);

	res = json_array();
	json_array_append_new(res, anomaly("queue_depth", "low", "x"));
	json_array_append_new(res, json_string("cpu"));
	s = notify_discord_content("w", "api", "firing", arr, res);
	like(s, "of 1s\nCleared: `queue_depth`, `cpu`",
	    "discord: a Cleared: line after the bullets");
	ok(s != NULL && strstr(s, "Cleared") == strrchr(s, '\n') + 1,
	    "discord: the Cleared: line is the last");
	free(s);

	json_array_remove(arr, 1);
	json_decref(res);
	res = json_array();
	s = notify_discord_content("w", "api", "firing", arr, res);
	json_decref(res);
	is_string(s, "**🚨 api — 1 anomaly** (watch `w`)\n"
	    "• **HIGH** `error_count` — 847 errors in 10m, exceeds threshold "
	    "of 10", "discord: one anomaly, singular; no Cleared: line for "
	    "an empty array");
	free(s);
	json_decref(arr);

	res = json_pack("[s, s]", "queue_depth", "cpu");
	arr = json_array();
	s = notify_discord_content("w", "api", "firing", arr, NULL);
	is_string(s, "**🚨 api — 0 anomalies** (watch `w`)",
	    "discord: no anomalies");
	free(s);
	for (i = 0; i < 5; i++)
		json_array_append_new(arr, anomaly("m", "low", "d"));
	s = notify_discord_content("w", "api", "firing", arr, NULL);
	is_int(count(s, "\n• "), 5, "discord: five bullets");
	ok(strstr(s, "more") == NULL, "discord: five bullets and no more");
	free(s);
	json_array_append_new(arr, anomaly("m", "low", "d"));
	json_array_append_new(arr, anomaly("m", "low", "d"));
	s = notify_discord_content("w", "api", "firing", arr, NULL);
	like(s, "7 anomalies", "discord: seven anomalies counted");
	is_int(count(s, "\n• "), 5, "discord: five bullets of seven");
	ok(ends_with(s, "\n• **LOW** `m` — d\n*…and 2 more*"),
	    "discord: …and 2 more");
	free(s);
	json_decref(arr);

	s = notify_discord_content("watch-a3f2b1c4", "payments-api",
	    "resolved", NULL, res);
	is_string(s, "**✅ payments-api — resolved** (watch `watch-a3f2b1c4`)\n"
	    "• ~~`queue_depth`~~ cleared\n• ~~`cpu`~~ cleared",
	    "discord: resolved");
	free(s);
	for (i = 0; i < 6; i++)
		json_array_append_new(res, json_string("x"));
	arr = json_array();
	s = notify_discord_content("w", "api", "resolved", arr, res);
	json_decref(arr);
	is_int(count(s, "~~ cleared"), 5, "discord: five resolved bullets");
	like(s, "cleared\n*…and 3 more*", "discord: resolved …and 3 more");
	free(s);
	json_decref(res);
	s = notify_discord_content("w", "api", "resolved", NULL, NULL);
	is_string(s, "**✅ api — resolved** (watch `w`)",
	    "discord: resolved with nothing listed");
	free(s);
}

/* Markdown escapes, odd input, missing members. */
static void
test_discord_escape(void)
{
	json_t	*arr;
	char	*s;

	arr = json_array();
	json_array_append_new(arr, anomaly("err`_*x", "hi*gh",
	    "use *bold* and `code` | _x_ ~y~ \\z"));
	s = notify_discord_content("w`1", "pay*ments_api", "firing", arr,
	    NULL);
	is_string(s, "**🚨 pay\\*ments\\_api — 1 anomaly** (watch `w'1`)\n"
	    "• **HI\\*GH** `err'_*x` — use \\*bold\\* and \\`code\\` \\| "
	    "\\_x\\_ \\~y\\~ \\\\z",
	    "discord: markdown escaped; a code span has backquotes replaced");
	free(s);
	json_decref(arr);

	arr = json_array();
	json_array_append_new(arr, anomaly("m", "low",
	    "line one\nline two\r\n\ttabbed\x1b[31m"));
	s = notify_discord_content("w", "api", "firing", arr, NULL);
	like(s, "— line one line two   tabbed [31m",
	    "discord: control characters become blanks");
	free(s);
	json_decref(arr);

	arr = json_array();
	json_array_append_new(arr, json_object());
	json_array_append_new(arr, json_integer(3));
	json_array_append_new(arr, json_pack("{s:i, s:n}", "metric", 1,
	    "severity"));
	s = notify_discord_content(NULL, NULL, NULL, arr, NULL);
	is_string(s, "**🚨 ? — 3 anomalies** (watch `?`)\n"
	    "• **?** `?` — ?\n• **?** `?` — ?\n• **?** `?` — ?",
	    "discord: missing members and arguments print as ?");
	free(s);
	json_decref(arr);

	arr = json_integer(1);
	s = notify_discord_content("", "", "firing", arr, NULL);
	is_string(s, "**🚨 ? — 0 anomalies** (watch `?`)",
	    "discord: anomalies that are not an array");
	free(s);
	json_decref(arr);

	s = notify_discord_content("w\xff", "a\xc3pi\xed\xa0\x80\xc0\xaf",
	    "firing", NULL, NULL);
	is_string(s, "**🚨 a\xef\xbf\xbdpi\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd — 0 anomalies** "
	    "(watch `w\xef\xbf\xbd`)",
	    "discord: bytes that are not UTF-8 become U+FFFD");
	ok(discord_ok(s), "discord: and the result is UTF-8");
	free(s);

	arr = json_array();
	json_array_append_new(arr, anomaly("m", "critical", ""));
	s = notify_discord_content("w", "api", "firing", arr, NULL);
	like(s, "• **CRITICAL** `m` — ", "discord: an empty description");
	free(s);
	json_decref(arr);
}

/* A description of len bytes cycling through ASCII, é and 🚨. */
static char *
long_desc(size_t len, int seed)
{
	static const char *const	 parts[] = {
		"abc ", "\xc3\xa9", "\xf0\x9f\x9a\xa8", "*", "x_y ", "\xe2\x80\x94"
	};
	struct strbuf			 b = { NULL, 0, 0 };
	size_t				 i = (size_t)seed;

	strbuf_str(&b, "");
	while (b.len < len)
		strbuf_str(&b, parts[i++ % nitems(parts)]);
	return b.s;
}

/* The 2000-byte cap. */
static void
test_discord_cap(void)
{
	json_t		*arr, *res;
	const char	*head = "**🚨 payments-api — 50 anomalies** (watch "
			    "`watch-a3f2b1c4`)\n";
	char		*s, *d, *p, name[64];
	int		 i, bad, bullets;
	unsigned int	 seed = 12345;

	/* 50 anomalies with 300-byte descriptions and 30 cleared. */
	arr = json_array();
	for (i = 0; i < 50; i++) {
		d = long_desc(300, i);
		snprintf(name, sizeof name, "metric_%d", i);
		json_array_append_new(arr, anomaly(name, "high", d));
		free(d);
	}
	res = json_array();
	for (i = 0; i < 30; i++) {
		snprintf(name, sizeof name, "cleared_metric_%d", i);
		json_array_append_new(res, json_string(name));
	}
	s = notify_discord_content("watch-a3f2b1c4", "payments-api", "firing",
	    arr, res);
	ok(discord_ok(s), "cap: 50 long anomalies fit in 2000 bytes (%zu)",
	    strlen(s));
	ok(strncmp(s, head, strlen(head)) == 0, "cap: the header stays");
	is_int(count(s, "\n• **HIGH** `metric_"), 5, "cap: five bullets");
	ok(all_cut(s), "cap: each description cut with …, not inside an "
	    "escape");
	like(s, "\n*…and 45 more*\nCleared: `cleared_metric_0`",
	    "cap: …and 45 more, then Cleared:");
	free(s);
	json_decref(arr);

	/* Without the Cleared: line the descriptions fill the room. */
	arr = json_array();
	for (i = 0; i < 50; i++) {
		d = long_desc(700, i);
		json_array_append_new(arr, anomaly("m", "high", d));
		free(d);
	}
	s = notify_discord_content("watch-a3f2b1c4", "payments-api", "firing",
	    arr, NULL);
	ok(discord_ok(s), "cap: without Cleared: (%zu bytes)", strlen(s));
	ok(strlen(s) > 1970, "cap: the room is used");
	ok(all_cut(s), "cap: each description cut");
	ok(ends_with(s, "…\n*…and 45 more*"), "cap: …and 45 more stays");
	free(s);
	json_decref(arr);

	/* One long description, all escapes. */
	arr = json_array();
	d = xmalloc(3001);
	memset(d, '*', 3000);
	d[3000] = '\0';
	json_array_append_new(arr, anomaly("m", "low", d));
	free(d);
	s = notify_discord_content("w", "api", "firing", arr, res);
	ok(discord_ok(s), "cap: 3000 asterisks (%zu bytes)", strlen(s));
	p = strstr(s, "…\nCleared:");
	ok(p != NULL && p[-1] == '*' && p[-2] == '\\',
	    "cap: cut after a whole \\*");
	like(s, "\nCleared: `cleared_metric_0`, ", "cap: Cleared: kept");
	free(s);
	json_decref(arr);

	/* A short description keeps all of itself; long ones share. */
	arr = json_array();
	json_array_append_new(arr, anomaly("short", "low", "all of me"));
	for (i = 0; i < 4; i++) {
		d = long_desc(1000, i);
		json_array_append_new(arr, anomaly("long", "low", d));
		free(d);
	}
	s = notify_discord_content("w", "api", "firing", arr, NULL);
	ok(discord_ok(s), "cap: one short and four long (%zu bytes)",
	    strlen(s));
	like(s, "`short` — all of me\n", "cap: the short one whole");
	is_int(count(s, "…"), 4, "cap: the long ones cut");
	free(s);
	json_decref(arr);

	/* Many cleared metrics: the line is cut, the descriptions kept. */
	json_decref(res);
	res = json_array();
	for (i = 0; i < 200; i++) {
		snprintf(name, sizeof name, "a_fairly_long_metric_name_%03d", i);
		json_array_append_new(res, json_string(name));
	}
	arr = json_array();
	json_array_append_new(arr, anomaly("m", "low", "short"));
	s = notify_discord_content("w", "api", "firing", arr, res);
	ok(discord_ok(s), "cap: 200 cleared (%zu bytes)", strlen(s));
	like(s, "`m` — short\nCleared: `a_fairly_long_metric_name_000`, ",
	    "cap: the description whole");
	ok(strlen(s) > 14 && strcmp(s + strlen(s) - 5, "more*") == 0 &&
	    strstr(s, "` *…and ") != NULL, "cap: Cleared: ends with …and N more");
	free(s);
	s = notify_discord_content("w", "api", "resolved", NULL, res);
	ok(discord_ok(s), "cap: 200 resolved");
	like(s, "\n*…and 195 more*", "cap: resolved …and 195 more");
	free(s);
	json_decref(arr);
	json_decref(res);

	/* Huge names. */
	d = long_desc(5000, 1);
	arr = json_array();
	for (i = 0; i < 9; i++)
		json_array_append_new(arr, anomaly(d, d, d));
	res = json_array();
	for (i = 0; i < 9; i++)
		json_array_append_new(res, json_string(d));
	s = notify_discord_content(d, d, "firing", arr, res);
	ok(discord_ok(s), "cap: 5000-byte names everywhere (%zu bytes)",
	    strlen(s));
	ok(strncmp(s, "**🚨 ", 7) == 0 && strstr(s, " — 9 anomalies** (watch `")
	    != NULL, "cap: the header stays, its names cut");
	is_int(count(s, "\n• "), 5, "cap: five bullets still");
	free(s);
	s = notify_discord_content(d, d, "resolved", arr, res);
	ok(discord_ok(s), "cap: resolved with 5000-byte names (%zu bytes)",
	    strlen(s));
	free(s);
	free(d);
	json_decref(arr);
	json_decref(res);

	/* Random shapes never break the limit or UTF-8. */
	bad = 0;
	bullets = 0;
	for (i = 0; i < 300; i++) {
		char	*m;
		int	 j, na, nr;

		seed = seed * 1103515245U + 12345U;
		na = (int)(seed >> 16) % 12;
		seed = seed * 1103515245U + 12345U;
		nr = (int)(seed >> 16) % 40;
		arr = json_array();
		for (j = 0; j < na; j++) {
			seed = seed * 1103515245U + 12345U;
			m = long_desc((seed >> 16) % 200, j);
			seed = seed * 1103515245U + 12345U;
			d = long_desc((seed >> 16) % 1500, j + i);
			json_array_append_new(arr, anomaly(m, "medium", d));
			free(m);
			free(d);
		}
		res = json_array();
		for (j = 0; j < nr; j++) {
			seed = seed * 1103515245U + 12345U;
			d = long_desc((seed >> 16) % 150, j);
			json_array_append_new(res, json_string(d));
			free(d);
		}
		s = notify_discord_content("w", "api", i % 5 == 0 ?
		    "resolved" : "firing", arr, res);
		if (!discord_ok(s))
			bad++;
		bullets += count(s, "\n• ");
		free(s);
		json_decref(arr);
		json_decref(res);
	}
	is_int(bad, 0, "cap: 300 random messages fit (%d bullets)", bullets);
}

/* The webhook body. */
static void
test_payload(void)
{
	struct anomalies	 list = { NULL, 0 };
	json_t			*arr, *res, *p;
	char			*s, *a, *t, *r;

	arr = json_pack("[{s:s}]", "metric", "m");
	res = json_pack("[{s:s}]", "metric", "r");
	p = notify_payload("w1", "api", "evt_1", "firing", arr, res, 0);
	s = json_dumps(p, JSON_COMPACT);
	is_string(s, "{\"watch_id\":\"w1\",\"service\":\"api\","
	    "\"anomaly_count\":1,\"anomalies\":[{\"metric\":\"m\"}],"
	    "\"status\":\"firing\",\"event_id\":\"evt_1\","
	    "\"resolved\":[{\"metric\":\"r\"}]}", "payload: members in order");
	free(s);
	ok(json_object_get(p, "anomalies") == arr &&
	    json_object_get(p, "resolved") == res,
	    "payload: the arrays themselves, not copies");
	is_int((long long)arr->refcount, 2, "payload: anomalies increfed");
	is_int((long long)res->refcount, 2, "payload: resolved increfed");
	json_decref(p);
	is_int((long long)arr->refcount, 1, "payload: and released with it");

	json_decref(arr);
	arr = json_array();
	p = notify_payload("w1", "api", "evt_2", "resolved", arr, NULL, 1);
	s = json_dumps(p, JSON_COMPACT);
	is_string(s, "{\"watch_id\":\"w1\",\"service\":\"api\","
	    "\"anomaly_count\":0,\"anomalies\":[],\"status\":\"resolved\","
	    "\"event_id\":\"evt_2\",\"resolved\":[],\"test\":true}",
	    "payload: a resolved test delivery");
	free(s);
	json_decref(p);

	json_decref(res);
	res = json_integer(1);
	p = notify_payload(NULL, "api", "e", "bogus", NULL, res, 0);
	s = json_dumps(p, JSON_COMPACT);
	is_string(s, "{\"watch_id\":null,\"service\":\"api\","
	    "\"anomaly_count\":0,\"anomalies\":[],\"status\":\"firing\","
	    "\"event_id\":\"e\",\"resolved\":[]}",
	    "payload: no arrays, an unknown status");
	free(s);
	json_decref(p);
	json_decref(arr);
	json_decref(res);

	/* With anomalies as the detectors make them. */
	anomalies_add(&list, "payments-api", "error_count", SEV_HIGH, 0, 847,
	    10, "%d errors in 10m, exceeds threshold of %d", 847, 10);
	anomalies_add(&list, "payments-api", "latency_p99", SEV_MEDIUM, 0, 3.2,
	    1, "p99 latency 3.2s exceeds threshold of 1s");
	arr = anomalies_json(&list);
	p = notify_payload("w", "payments-api", "e", "firing", arr, NULL, 0);
	is_int(json_integer_value(json_object_get(p, "anomaly_count")), 2,
	    "payload: anomaly_count");
	/* The text form is byte for byte what jansson writes. */
	s = json_dumps(p, JSON_COMPACT);
	a = json_dumps(arr, JSON_COMPACT);
	t = notify_payload_text("w", "payments-api", "e", "firing", a, 2,
	    NULL, 0);
	is_string(t, s, "payload text: the same bytes as the object's");
	free(t);
	free(s);
	json_decref(p);
	res = json_pack("[{s:s}]", "metric", "say \"hi\"\n\t\x01 ü");
	r = json_dumps(res, JSON_COMPACT);
	p = notify_payload("w\"1", "api\\x", "evt_9", "resolved", arr, res, 1);
	s = json_dumps(p, JSON_COMPACT);
	t = notify_payload_text("w\"1", "api\\x", "evt_9", "resolved", a, 2,
	    r, 1);
	is_string(t, s, "payload text: escapes, resolved, test: the same");
	free(t);
	free(s);
	free(r);
	free(a);
	json_decref(p);
	json_decref(res);
	s = notify_discord_content("w", "payments-api", "firing", arr, NULL);
	like(s, "\n• **HIGH** `error_count` — 847 errors in 10m, exceeds "
	    "threshold of 10\n• **MEDIUM** `latency_p99` — p99",
	    "discord: from anomalies_json");
	free(s);
	json_decref(arr);
	anomalies_free(&list);
}

/* JSON strings as jansson writes them, and bytes that are not UTF-8. */
static void
test_json_string(void)
{
	const char	*cases[] = { "plain", "q\"b\\s/", "\b\f\n\r\t\x01\x1f",
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "" };
	struct strbuf	 b = { NULL, 0, 0 };
	json_t		*j;
	char		*want, s[16];
	size_t		 i;

	for (i = 0; i < nitems(cases); i++) {
		b.len = 0;
		strbuf_add(&b, "", 0);
		strbuf_json(&b, cases[i]);
		j = json_string(cases[i]);
		want = json_dumps(j, JSON_ENCODE_ANY);
		is_string(b.s, want, "strbuf_json writes case %zu as jansson "
		    "does", i);
		free(want);
		json_decref(j);
	}
	b.len = 0;
	strbuf_json(&b, "a\xff" "b\xc3");
	is_string(b.s, "\"a\\ufffdb\\ufffd\"", "strbuf_json: bytes that are "
	    "not UTF-8 become U+FFFD");
	b.len = 0;
	strbuf_json(&b, NULL);
	is_string(b.s, "null", "strbuf_json: NULL is null");
	free(b.s);
	strlcpy(s, "ok\xff\xe2\x82", sizeof s);
	utf8_scrub(s);
	is_string(s, "ok???", "utf8_scrub: each bad byte is a ?");
}

int
main(void)
{
	plan_lazy();
	test_json_string();
	test_sign();
	test_same_origin();
	test_prefix_allowed();
	test_headers();
	test_retry_after();
	test_backoff();
	test_discord_format();
	test_discord_escape();
	test_discord_cap();
	test_payload();
	return done_testing();
}
