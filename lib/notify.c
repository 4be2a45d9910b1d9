/* notify.c -- pure helpers for the daemon's alert delivery */

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "notify.h"
#include "util.h"

#define UTF8_SIREN	"\xf0\x9f\x9a\xa8"	/* U+1F6A8 police car light */
#define UTF8_CHECK	"\xe2\x9c\x85"		/* U+2705 white heavy check mark */
#define UTF8_DASH	"\xe2\x80\x94"		/* U+2014 em dash */
#define UTF8_BULLET	"\xe2\x80\xa2"		/* U+2022 bullet */
#define UTF8_ELLIPSIS	"\xe2\x80\xa6"		/* U+2026 horizontal ellipsis */
#define UTF8_REPLACE	"\xef\xbf\xbd"		/* U+FFFD replacement character */

#define DISCORD_SHOW	5	/* bullet lines before "…and N more" */
#define DISCORD_NAME	100	/* bytes of a service, metric or watch id */
#define DISCORD_SEV	16	/* bytes of a severity */
#define DISCORD_CLEARED	400	/* bytes the Cleared: line keeps when short */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static const char *const day_short[] = {
	"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"
};
static const char *const day_long[] = {
	"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
	"Sunday"
};
static const char *const month_names[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
	"Nov", "Dec"
};

/* One bullet line of a Discord message, while the message is fitted. */
struct bullet {
	struct strbuf	 head;		/* "\n• **HIGH** `metric` — " */
	const char	*desc;		/* the description, raw */
	size_t		 need;		/* its length rendered whole */
	size_t		 max;		/* the bytes it may have */
	int		 settled;
};

/*
 * Decode standard base64 with its '=' padding into a new buffer, *lenp
 * set to the decoded length. NULL when s is empty, is not a multiple of
 * four long, or has a byte outside the alphabet or a '=' anywhere but the
 * last two places.
 */
static unsigned char *
base64_decode(const char *s, size_t *lenp)
{
	unsigned char	*out;
	size_t		 len = strlen(s), pad = 0, i;
	int		 n;

	if (len == 0 || len % 4 != 0 || len > INT_MAX)
		return NULL;
	if (s[len - 1] == '=') {
		pad = 1;
		if (s[len - 2] == '=')
			pad = 2;
	}
	for (i = 0; i < len - pad; i++) {
		if (strchr(b64_alphabet, s[i]) == NULL)
			return NULL;
	}
	out = xmalloc(len / 4 * 3 + 1);
	/* EVP_DecodeBlock counts the padding as zero bytes: take it off. */
	if ((n = EVP_DecodeBlock(out, (const unsigned char *)s, (int)len)) < 0 ||
	    (size_t)n != len / 4 * 3) {
		free(out);
		return NULL;
	}
	*lenp = (size_t)n - pad;
	return out;
}

/*
 * Sign a webhook message the Standard Webhooks way: "v1," and the base64
 * of HMAC-SHA256 over msg_id "." timestamp "." body. A secret starting
 * "whsec_" is the base64 of the key; any other is the key itself. Returns
 * a new string, or NULL with err filled.
 */
char *
notify_sign(const char *secret, const char *msg_id, long long timestamp,
    const char *body, size_t bodylen, char *err, size_t errlen)
{
	struct strbuf		 data = { NULL, 0, 0 };
	unsigned char		 mac[EVP_MAX_MD_SIZE];
	unsigned char		 b64[(EVP_MAX_MD_SIZE + 2) / 3 * 4 + 1];
	unsigned char		*decoded = NULL;
	const unsigned char	*key;
	unsigned int		 maclen;
	size_t			 keylen;
	char			 ts[32], *sig = NULL;

	if (secret == NULL || *secret == '\0') {
		seterr(err, errlen, "secret: empty");
		return NULL;
	}
	if (msg_id == NULL) {
		seterr(err, errlen, "message id: missing");
		return NULL;
	}
	if (strncmp(secret, "whsec_", 6) == 0) {
		if ((decoded = base64_decode(secret + 6, &keylen)) == NULL) {
			seterr(err, errlen,
			    "secret: whsec_ value is not valid base64");
			return NULL;
		}
		key = decoded;
	} else {
		key = (const unsigned char *)secret;
		keylen = strlen(secret);
	}
	if (keylen > INT_MAX) {
		seterr(err, errlen, "secret: too long");
		goto out;
	}

	snprintf(ts, sizeof ts, "%lld", timestamp);
	strbuf_str(&data, msg_id);
	strbuf_addc(&data, '.');
	strbuf_str(&data, ts);
	strbuf_addc(&data, '.');
	if (body != NULL && bodylen > 0)
		strbuf_add(&data, body, bodylen);

	if (HMAC(EVP_sha256(), key, (int)keylen, (unsigned char *)data.s,
	    data.len, mac, &maclen) == NULL) {
		seterr(err, errlen, "signature: HMAC-SHA256 failed");
		goto out;
	}
	EVP_EncodeBlock(b64, mac, (int)maclen);
	xasprintf(&sig, "v1,%s", (char *)b64);

out:
	if (decoded != NULL) {
		OPENSSL_cleanse(decoded, keylen);
		free(decoded);
	}
	OPENSSL_cleanse(mac, sizeof mac);
	free(data.s);
	return sig;
}

/* The parts of an http(s) URL that make its origin. */
struct origin {
	int		 https;
	const char	*host;		/* not NUL-terminated */
	size_t		 hostlen;
	unsigned long	 port;
};

/*
 * Split an http or https URL into scheme, host and port, the port being
 * the scheme's own when absent; userinfo is skipped. -1 when the URL is
 * not http(s), or its authority has a blank, a control character or a
 * backslash, or its host is empty or its port not in 1-65535.
 */
static int
origin_parse(const char *url, struct origin *o)
{
	const char	*p, *end, *q, *hostend;

	if (url == NULL)
		return -1;
	if (strncasecmp(url, "http://", 7) == 0) {
		o->https = 0;
		o->port = 80;
		p = url + 7;
	} else if (strncasecmp(url, "https://", 8) == 0) {
		o->https = 1;
		o->port = 443;
		p = url + 8;
	} else
		return -1;

	end = p + strcspn(p, "/?#");
	for (q = p; q < end; q++) {
		if ((unsigned char)*q <= ' ' || *q == 0x7f || *q == '\\')
			return -1;
		if (*q == '@')
			p = q + 1;	/* the host follows the last '@' */
	}

	if (*p == '[') {
		if ((q = memchr(p, ']', (size_t)(end - p))) == NULL)
			return -1;
		hostend = q + 1;
		if (hostend != end && *hostend != ':')
			return -1;
	} else {
		if ((hostend = memchr(p, ':', (size_t)(end - p))) == NULL)
			hostend = end;
		for (q = p; q < hostend; q++) {
			if (*q == '[' || *q == ']')
				return -1;
		}
	}
	if (hostend == p)
		return -1;
	o->host = p;
	o->hostlen = (size_t)(hostend - p);

	if (hostend < end && hostend + 1 < end) {
		o->port = 0;
		for (q = hostend + 1; q < end; q++) {
			if (*q < '0' || *q > '9')
				return -1;
			o->port = o->port * 10 + (unsigned long)(*q - '0');
			if (o->port > 65535)
				return -1;
		}
		if (o->port == 0)
			return -1;
	}
	return 0;
}

/*
 * Whether URLs a and b have the same origin: scheme and host alike but
 * for case, and the same port, written or implied. 0 when either is not
 * an http(s) URL.
 */
int
notify_same_origin(const char *a, const char *b)
{
	struct origin	 oa, ob;

	if (origin_parse(a, &oa) == -1 || origin_parse(b, &ob) == -1)
		return 0;
	return oa.https == ob.https && oa.port == ob.port &&
	    oa.hostlen == ob.hostlen &&
	    strncasecmp(oa.host, ob.host, oa.hostlen) == 0;
}

/* Whether p starts "%XY", XY being the hex pair given, in either case. */
static int
pct_is(const char *p, const char *xy)
{
	return p[0] == '%' && p[1] != '\0' &&
	    (p[1] | 0x20) == (xy[0] | 0x20) && p[2] != '\0' &&
	    (p[2] | 0x20) == (xy[1] | 0x20);
}

/*
 * Whether the path of a URL (after the authority, before any query or
 * fragment) has a "." or ".." segment, which would be resolved away,
 * perhaps out of an allowed prefix. As some servers take them, '\',
 * "%2f" and "%5c" count as separators and "%2e" as a dot.
 */
static int
has_dot_segment(const char *url)
{
	const char	*p, *end;
	size_t		 dots = 0, other = 0;

	if ((p = strstr(url, "://")) != NULL)
		p += 3;
	else
		p = url;
	p += strcspn(p, "/?#");
	end = p + strcspn(p, "?#");
	while (p <= end) {
		if (p == end || *p == '/' || *p == '\\' || pct_is(p, "2f") ||
		    pct_is(p, "5c")) {
			if (other == 0 && (dots == 1 || dots == 2))
				return 1;
			dots = other = 0;
			p += (p < end && *p == '%') ? 3 : 1;
		} else if (*p == '.') {
			dots++;
			p++;
		} else if (pct_is(p, "2e")) {
			dots++;
			p += 3;
		} else {
			other++;
			p++;
		}
	}
	return 0;
}

/*
 * Whether url starts with one of the n prefixes, the match ending at a
 * boundary: the prefix ends with '/' or the URL goes on with '/', '?',
 * '#' or nothing. A URL whose path has a dot segment is never allowed.
 */
int
notify_prefix_allowed(const char *url, const char *const *prefixes, size_t n)
{
	size_t	 i, len;
	char	 next;

	if (url == NULL || prefixes == NULL || has_dot_segment(url))
		return 0;
	for (i = 0; i < n; i++) {
		if (prefixes[i] == NULL || (len = strlen(prefixes[i])) == 0)
			continue;
		if (strncmp(url, prefixes[i], len) != 0)
			continue;
		next = url[len];
		if (prefixes[i][len - 1] == '/' || next == '\0' ||
		    next == '/' || next == '?' || next == '#')
			return 1;
	}
	return 0;
}

/* Whether c is an ASCII letter or digit, whatever the locale. */
static int
ascii_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* Whether name is an RFC 9110 token, as a header's name must be. */
int
notify_header_name_valid(const char *name)
{
	const char	*p;

	if (name == NULL || *name == '\0')
		return 0;
	for (p = name; *p != '\0'; p++) {
		if (!ascii_alnum((unsigned char)*p) &&
		    strchr("!#$%&'*+-.^_`|~", *p) == NULL)
			return 0;
	}
	return 1;
}

/*
 * Whether v may be a header's value: no control character (CR and LF
 * above all) but tab, and no DEL. It may be empty.
 */
int
notify_header_value_valid(const char *v)
{
	const unsigned char	*p;

	if (v == NULL)
		return 0;
	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return 0;
	}
	return 1;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static long long
days_from_civil(long long y, int m, int d)
{
	long long	 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The year, in UTC, of a UNIX time. */
static long long
civil_year(long long t)
{
	long long	 z, era, doe, yoe, doy, mp;

	z = t / 86400 - (t % 86400 < 0) + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	return yoe + era * 400 + (mp >= 10);
}

/* Whether y is a leap year. */
static int
leap_year(long long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Read exactly n digits at *pp into *v, advancing; -1 if they are not. */
static int
get_digits(const char **pp, int n, int *v)
{
	const char	*p = *pp;
	int		 i;

	*v = 0;
	for (i = 0; i < n; i++, p++) {
		if (*p < '0' || *p > '9')
			return -1;
		*v = *v * 10 + (*p - '0');
	}
	*pp = p;
	return 0;
}

/* Skip the literal s at *pp; -1 if it is not there. */
static int
get_literal(const char **pp, const char *s)
{
	size_t	 len = strlen(s);

	if (strncmp(*pp, s, len) != 0)
		return -1;
	*pp += len;
	return 0;
}

/*
 * Match one of n names at *pp, whole (no letter follows) and in the same
 * case, advancing past it; its index, or -1.
 */
static int
get_name(const char **pp, const char *const *names, size_t n)
{
	size_t	 i, len;
	char	 c;

	for (i = 0; i < n; i++) {
		len = strlen(names[i]);
		if (strncmp(*pp, names[i], len) != 0)
			continue;
		c = (*pp)[len];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			continue;
		*pp += len;
		return (int)i;
	}
	return -1;
}

/* Read "HH:MM:SS" at *pp. */
static int
get_time(const char **pp, int *h, int *m, int *s)
{
	if (get_digits(pp, 2, h) == -1 || get_literal(pp, ":") == -1 ||
	    get_digits(pp, 2, m) == -1 || get_literal(pp, ":") == -1 ||
	    get_digits(pp, 2, s) == -1)
		return -1;
	return 0;
}

/*
 * Parse an RFC 9110 HTTP-date, in any of its three forms, into a UNIX
 * time: IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850 "Sunday,
 * 06-Nov-94 08:49:37 GMT" or asctime "Sun Nov  6 08:49:37 1994". Names
 * are case-sensitive, as the RFC has them; the day of the week is not
 * checked against the date. An RFC 850 year is taken within fifty years
 * of now's.
 */
static int
parse_http_date(const char *s, long long now, long long *t)
{
	static const int	 mdays[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	const char		*p = s;
	long long		 y, base;
	int			 day, mon, year, h, m, sec;

	if (get_name(&p, day_short, nitems(day_short)) != -1 && *p == ',') {
		if (get_literal(&p, ", ") == -1 ||
		    get_digits(&p, 2, &day) == -1 ||
		    get_literal(&p, " ") == -1 ||
		    (mon = get_name(&p, month_names, nitems(month_names))) == -1 ||
		    get_literal(&p, " ") == -1 ||
		    get_digits(&p, 4, &year) == -1 ||
		    get_literal(&p, " ") == -1 ||
		    get_time(&p, &h, &m, &sec) == -1 ||
		    get_literal(&p, " GMT") == -1)
			return -1;
		y = year;
	} else if (p != s) {
		if (get_literal(&p, " ") == -1 ||
		    (mon = get_name(&p, month_names, nitems(month_names))) == -1 ||
		    get_literal(&p, " ") == -1)
			return -1;
		if (*p == ' ') {
			p++;
			if (get_digits(&p, 1, &day) == -1)
				return -1;
		} else if (get_digits(&p, 2, &day) == -1)
			return -1;
		if (get_literal(&p, " ") == -1 ||
		    get_time(&p, &h, &m, &sec) == -1 ||
		    get_literal(&p, " ") == -1 ||
		    get_digits(&p, 4, &year) == -1)
			return -1;
		y = year;
	} else if (get_name(&p, day_long, nitems(day_long)) != -1) {
		if (get_literal(&p, ", ") == -1 ||
		    get_digits(&p, 2, &day) == -1 ||
		    get_literal(&p, "-") == -1 ||
		    (mon = get_name(&p, month_names, nitems(month_names))) == -1 ||
		    get_literal(&p, "-") == -1 ||
		    get_digits(&p, 2, &year) == -1 ||
		    get_literal(&p, " ") == -1 ||
		    get_time(&p, &h, &m, &sec) == -1 ||
		    get_literal(&p, " GMT") == -1)
			return -1;
		base = civil_year(now);
		y = base - base % 100 + year;
		if (y > base + 50)
			y -= 100;
		else if (y <= base - 50)
			y += 100;
	} else
		return -1;
	if (*p != '\0')
		return -1;

	if (day < 1 || day > mdays[mon] + (mon == 1 && leap_year(y)) ||
	    h > 23 || m > 59 || sec > 60)
		return -1;
	*t = days_from_civil(y, mon + 1, day) * 86400 + h * 3600 + m * 60 + sec;
	return 0;
}

/* Whether c is white space around a header value. */
static int
header_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * How many seconds a Retry-After value asks to wait, at most a day:
 * delta-seconds, or an HTTP-date less now (0 when it is past). -1 when
 * the value is neither. White space around it is ignored.
 */
long long
notify_retry_after(const char *value, long long now)
{
	const char	*p, *end, *q;
	char		 buf[64];
	long long	 n, t;
	size_t		 len;

	if (value == NULL)
		return -1;
	for (p = value; header_space(*p); p++)
		;
	end = p + strlen(p);
	while (end > p && header_space(end[-1]))
		end--;
	if (p == end)
		return -1;

	for (q = p; q < end && *q >= '0' && *q <= '9'; q++)
		;
	if (q == end) {
		n = 0;
		for (q = p; q < end; q++) {
			if (n <= NOTIFY_RETRY_AFTER_MAX)
				n = n * 10 + (*q - '0');
		}
		return n > NOTIFY_RETRY_AFTER_MAX ? NOTIFY_RETRY_AFTER_MAX : n;
	}

	len = (size_t)(end - p);
	if (len >= sizeof buf)
		return -1;
	memcpy(buf, p, len);
	buf[len] = '\0';
	if (parse_http_date(buf, now, &t) == -1)
		return -1;
	if (t <= now)
		return 0;
	if (now < t - NOTIFY_RETRY_AFTER_MAX)
		return NOTIFY_RETRY_AFTER_MAX;
	return t - now;
}

/*
 * Milliseconds to wait after failed attempt number attempt (1 for the
 * first failure): full jitter, rnd modulo one more than the cap, the cap
 * doubling from a second each attempt up to five minutes.
 */
long long
notify_backoff(int attempt, unsigned int rnd)
{
	long long	 cap = 1000;
	int		 i;

	for (i = 1; i < attempt && cap < NOTIFY_BACKOFF_MAX; i++)
		cap *= 2;
	if (cap > NOTIFY_BACKOFF_MAX)
		cap = NOTIFY_BACKOFF_MAX;
	return (long long)rnd % (cap + 1);
}

/*
 * The length of the valid UTF-8 sequence s starts with, or 0 if it does
 * not start one: a stray continuation byte, a sequence cut short, an
 * overlong form, a surrogate or a code point beyond U+10FFFF.
 */
static size_t
utf8_len(const unsigned char *s)
{
	unsigned long	 cp;
	size_t		 n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * Render the character at *pp for a Discord message into out, advancing
 * past it; its length. A control character becomes a blank and a byte
 * that is not UTF-8 becomes U+FFFD. In plain text a backslash goes before
 * each of * _ ~ ` | \; in a code span, which shows a backslash as itself,
 * a backquote becomes a quote instead.
 */
static size_t
render_char(const char **pp, int code, char out[4])
{
	const unsigned char	*p = (const unsigned char *)*pp;
	size_t			 n;

	if ((n = utf8_len(p)) == 0) {
		*pp += 1;
		memcpy(out, UTF8_REPLACE, 3);
		return 3;
	}
	*pp += n;
	if (n > 1) {
		memcpy(out, p, n);
		return n;
	}
	if (*p < 0x20 || *p == 0x7f) {
		out[0] = ' ';
		return 1;
	}
	if (code) {
		out[0] = *p == '`' ? '\'' : (char)*p;
		return 1;
	}
	if (strchr("*_~`|\\", *p) != NULL) {
		out[0] = '\\';
		out[1] = (char)*p;
		return 2;
	}
	out[0] = (char)*p;
	return 1;
}

/* The length of s rendered whole. */
static size_t
render_len(const char *s, int code)
{
	char	 out[4];
	size_t	 len = 0;

	while (*s != '\0')
		len += render_char(&s, code, out);
	return len;
}

/*
 * Append s rendered for Discord (plain text, or the inside of a code span
 * when code is set) in at most max bytes: whole if it fits, else cut
 * between two characters and ended with "…" (or nothing if even that
 * does not fit).
 */
static void
render(struct strbuf *b, const char *s, int code, size_t max)
{
	const char	*p;
	char		 out[4];
	size_t		 n, used = 0;
	int		 whole;

	whole = render_len(s, code) <= max;
	if (!whole) {
		if (max < sizeof UTF8_ELLIPSIS - 1)
			return;
		max -= sizeof UTF8_ELLIPSIS - 1;
	}
	while (*s != '\0') {
		p = s;
		n = render_char(&p, code, out);
		if (used + n > max)
			break;
		strbuf_add(b, out, n);
		used += n;
		s = p;
	}
	if (!whole)
		strbuf_str(b, UTF8_ELLIPSIS);
}

/* A name to show: "?" when there is none. */
static const char *
known(const char *s)
{
	return s == NULL || *s == '\0' ? "?" : s;
}

/* Append a code span: `s`. */
static void
add_code(struct strbuf *b, const char *s, size_t max)
{
	strbuf_addc(b, '`');
	render(b, known(s), 1, max);
	strbuf_addc(b, '`');
}

/* Append "*…and N more*", with a blank or newline before it if given. */
static void
add_more(struct strbuf *b, const char *before, size_t n)
{
	char	 num[32];

	snprintf(num, sizeof num, "%zu", n);
	strbuf_str(b, before);
	strbuf_str(b, "*" UTF8_ELLIPSIS "and ");
	strbuf_str(b, num);
	strbuf_str(b, " more*");
}

/* A string member of an anomaly, or "?" when missing or not a string. */
static const char *
member(json_t *obj, const char *key)
{
	json_t	*v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : "?";
}

/* The metric of a resolved anomaly: an object, or just its metric. */
static const char *
resolved_metric(json_t *v)
{
	if (json_is_string(v))
		return json_string_value(v);
	return member(v, "metric");
}

/* Append "**<icon> service — what** (watch `id`)". */
static void
add_header(struct strbuf *b, const char *icon, const char *service,
    const char *what, const char *watch_id)
{
	strbuf_str(b, "**");
	strbuf_str(b, icon);
	strbuf_addc(b, ' ');
	render(b, known(service), 0, DISCORD_NAME);
	strbuf_str(b, " " UTF8_DASH " ");
	strbuf_str(b, what);
	strbuf_str(b, "** (watch ");
	add_code(b, watch_id, DISCORD_NAME);
	strbuf_addc(b, ')');
}

/*
 * Append "\nCleared: `a`, `b`" for the metrics of the resolved anomalies
 * in at most max bytes: as many as fit, then "*…and N more*" for the rest.
 */
static void
add_cleared(struct strbuf *b, json_t *resolved, size_t max)
{
	struct strbuf	 item = { NULL, 0, 0 }, more = { NULL, 0, 0 };
	size_t		 n = json_array_size(resolved), i, start = b->len;

	strbuf_str(b, "\nCleared: ");
	for (i = 0; i < n; i++) {
		item.len = more.len = 0;
		if (i > 0)
			strbuf_str(&item, ", ");
		add_code(&item, resolved_metric(json_array_get(resolved, i)),
		    DISCORD_NAME);
		if (i + 1 < n)
			add_more(&more, " ", n - i - 1);
		if (b->len - start + item.len + more.len > max)
			break;
		strbuf_add(b, item.s, item.len);
	}
	if (i < n)
		add_more(b, i > 0 ? " " : "", n - i);
	free(item.s);
	free(more.s);
}

/*
 * Share budget bytes out among the descriptions: each that needs no more
 * than an equal share gets what it needs, and the rest split what is left.
 */
static void
share_out(struct bullet *v, size_t n, size_t budget)
{
	size_t	 i, left = n, share;
	int	 changed = 1;

	for (i = 0; i < n; i++)
		v[i].settled = 0;
	while (left > 0 && changed) {
		changed = 0;
		share = budget / left;
		for (i = 0; i < n; i++) {
			if (v[i].settled || v[i].need > share)
				continue;
			v[i].max = v[i].need;
			v[i].settled = 1;
			budget -= v[i].need;
			left--;
			changed = 1;
		}
	}
	for (i = 0; i < n; i++) {
		if (!v[i].settled)
			v[i].max = budget / left;
	}
}

/*
 * Append the bullets of a firing message, "…and N more" and the Cleared:
 * line, fitting the whole within Discord's limit: the Cleared: line keeps
 * its first DISCORD_CLEARED bytes, or more if the descriptions leave room,
 * and the descriptions share out the rest.
 */
static void
add_firing(struct strbuf *b, json_t *anomalies, json_t *resolved)
{
	struct bullet	 v[DISCORD_SHOW];
	struct strbuf	 more = { NULL, 0, 0 }, clear = { NULL, 0, 0 };
	json_t		*a;
	size_t		 n, shown, i, j, fixed, want, room, keep;
	char		*sev;

	n = json_array_size(anomalies);
	shown = n < DISCORD_SHOW ? n : DISCORD_SHOW;
	fixed = b->len;
	want = 0;
	for (i = 0; i < shown; i++) {
		a = json_array_get(anomalies, i);
		memset(&v[i], 0, sizeof v[i]);
		sev = xstrdup(member(a, "severity"));
		for (j = 0; sev[j] != '\0'; j++) {
			if (sev[j] >= 'a' && sev[j] <= 'z')
				sev[j] = (char)(sev[j] - 'a' + 'A');
		}
		strbuf_str(&v[i].head, "\n" UTF8_BULLET " **");
		render(&v[i].head, known(sev), 0, DISCORD_SEV);
		strbuf_str(&v[i].head, "** ");
		add_code(&v[i].head, member(a, "metric"), DISCORD_NAME);
		strbuf_str(&v[i].head, " " UTF8_DASH " ");
		free(sev);
		v[i].desc = member(a, "description");
		v[i].need = v[i].max = render_len(v[i].desc, 0);
		fixed += v[i].head.len;
		want += v[i].need;
	}
	if (n > shown)
		add_more(&more, "\n", n - shown);
	fixed += more.len;
	if (json_array_size(resolved) > 0)
		add_cleared(&clear, resolved, SIZE_MAX);

	if (fixed + want + clear.len > NOTIFY_DISCORD_MAX) {
		room = fixed < NOTIFY_DISCORD_MAX ? NOTIFY_DISCORD_MAX - fixed : 0;
		keep = clear.len < DISCORD_CLEARED ? clear.len : DISCORD_CLEARED;
		if (room > want + keep)
			keep = room - want;
		if (keep < clear.len) {
			clear.len = 0;
			add_cleared(&clear, resolved, keep);
		}
		share_out(v, shown, room > clear.len ? room - clear.len : 0);
	}

	for (i = 0; i < shown; i++) {
		strbuf_add(b, v[i].head.s, v[i].head.len);
		render(b, v[i].desc, 0, v[i].max);
		free(v[i].head.s);
	}
	if (more.len > 0)
		strbuf_add(b, more.s, more.len);
	if (clear.len > 0)
		strbuf_add(b, clear.s, clear.len);
	free(more.s);
	free(clear.s);
}

/* Append the bullets of a resolved message and "…and N more". */
static void
add_resolved(struct strbuf *b, json_t *resolved)
{
	size_t	 n = json_array_size(resolved), i;

	for (i = 0; i < n && i < DISCORD_SHOW; i++) {
		strbuf_str(b, "\n" UTF8_BULLET " ~~");
		add_code(b, resolved_metric(json_array_get(resolved, i)),
		    DISCORD_NAME);
		strbuf_str(b, "~~ cleared");
	}
	if (n > DISCORD_SHOW)
		add_more(b, "\n", n - DISCORD_SHOW);
}

/*
 * The content of a Discord message about a watch: for status "resolved"
 * a header and a bullet for each anomaly in resolved; for any other status
 * a header counting the anomalies, a bullet for each, and the metrics of
 * resolved on a Cleared: line. Five bullets at most, then "…and N more".
 * Text from the anomalies is escaped for Discord's markdown, and the
 * descriptions are cut so that the whole is at most NOTIFY_DISCORD_MAX
 * bytes of valid UTF-8. Anomalies and resolved are arrays of objects as
 * anomaly_json makes them (resolved may also hold just metric names);
 * missing members show as "?". Returns a new string.
 */
char *
notify_discord_content(const char *watch_id, const char *service,
    const char *status, json_t *anomalies, json_t *resolved)
{
	struct strbuf	 b = { NULL, 0, 0 };
	char		 what[64];
	size_t		 n, len;

	if (status != NULL && strcmp(status, "resolved") == 0) {
		add_header(&b, UTF8_CHECK, service, "resolved", watch_id);
		add_resolved(&b, resolved);
	} else {
		n = json_array_size(anomalies);
		snprintf(what, sizeof what, "%zu %s", n,
		    n == 1 ? "anomaly" : "anomalies");
		add_header(&b, UTF8_SIREN, service, what, watch_id);
		add_firing(&b, anomalies, resolved);
	}

	/* The limits above keep within Discord's: this is only a backstop. */
	if (b.len > NOTIFY_DISCORD_MAX) {
		len = NOTIFY_DISCORD_MAX;
		while (len > 0 && ((unsigned char)b.s[len] & 0xc0) == 0x80)
			len--;
		b.s[len] = '\0';
		b.len = len;
	}
	return b.s;
}

/* A JSON string, or null for no string or one that is not UTF-8. */
static json_t *
string_or_null(const char *s)
{
	json_t	*v;

	if (s == NULL || (v = json_string(s)) == NULL)
		return json_null();
	return v;
}

/*
 * The body of a webhook: watch_id, service, anomaly_count, anomalies
 * (the array itself, with a new reference), status ("resolved", or else
 * "firing"), event_id, resolved (an empty array if there is none) and,
 * for a test delivery only, "test": true; in that order.
 */
json_t *
notify_payload(const char *watch_id, const char *service,
    const char *event_id, const char *status, json_t *anomalies,
    json_t *resolved, int test)
{
	json_t	*o;

	if (!json_is_array(anomalies))
		anomalies = NULL;
	if (!json_is_array(resolved))
		resolved = NULL;
	if (status == NULL || strcmp(status, "resolved") != 0)
		status = "firing";

	o = json_object();
	json_object_set_new(o, "watch_id", string_or_null(watch_id));
	json_object_set_new(o, "service", string_or_null(service));
	json_object_set_new(o, "anomaly_count",
	    json_integer((json_int_t)json_array_size(anomalies)));
	json_object_set_new(o, "anomalies",
	    anomalies != NULL ? json_incref(anomalies) : json_array());
	json_object_set_new(o, "status", json_string(status));
	json_object_set_new(o, "event_id", string_or_null(event_id));
	json_object_set_new(o, "resolved",
	    resolved != NULL ? json_incref(resolved) : json_array());
	if (test)
		json_object_set_new(o, "test", json_true());
	return o;
}

/*
 * The body of a webhook as JSON text, byte for byte what json_dumps of
 * notify_payload writes compact, from the anomalies (n of them) and the
 * resolved ones as compact JSON arrays already: a watch's check writes
 * its anomalies once, for the body and for what it notified.
 */
char *
notify_payload_text(const char *watch_id, const char *service,
    const char *event_id, const char *status, const char *anomalies,
    size_t n, const char *resolved, int test)
{
	struct strbuf	 b = { NULL, 0, 0 };

	if (status == NULL || strcmp(status, "resolved") != 0)
		status = "firing";
	strbuf_str(&b, "{\"watch_id\":");
	strbuf_json(&b, watch_id);
	strbuf_str(&b, ",\"service\":");
	strbuf_json(&b, service);
	strbuf_str(&b, ",\"anomaly_count\":");
	strbuf_int(&b, (long long)n);
	strbuf_str(&b, ",\"anomalies\":");
	strbuf_str(&b, anomalies != NULL ? anomalies : "[]");
	strbuf_str(&b, ",\"status\":");
	strbuf_json(&b, status);
	strbuf_str(&b, ",\"event_id\":");
	strbuf_json(&b, event_id);
	strbuf_str(&b, ",\"resolved\":");
	strbuf_str(&b, resolved != NULL ? resolved : "[]");
	if (test)
		strbuf_str(&b, ",\"test\":true");
	strbuf_addc(&b, '}');
	return b.s;
}
