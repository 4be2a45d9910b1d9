/* util.c -- allocation that cannot fail, error buffers, durations */

#include <sys/mman.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* Out of memory is not an error we can report sensibly: stop at once. */
static void
oom(void)
{
	fputs("tinkr: out of memory\n", stderr);
	abort();
}

/* Allocate size bytes or abort. */
void *
xmalloc(size_t size)
{
	void	*p;

	if ((p = malloc(size == 0 ? 1 : size)) == NULL)
		oom();
	return p;
}

/* Allocate a zeroed array or abort. */
void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size)) == NULL)
		oom();
	return p;
}

/* Resize an array, checking the multiplication, or abort. */
void *
xreallocarray(void *old, size_t n, size_t size)
{
	void	*p;

	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = reallocarray(old, n, size)) == NULL)
		oom();
	return p;
}

/* Copy a string or abort. */
char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		oom();
	return p;
}

/* Copy at most n bytes of a string or abort. */
char *
xstrndup(const char *s, size_t n)
{
	char	*p;

	if ((p = strndup(s, n)) == NULL)
		oom();
	return p;
}

/* Format into a new string or abort. */
int
xvasprintf(char **ret, const char *fmt, va_list ap)
{
	int	 n;

	if ((n = vasprintf(ret, fmt, ap)) < 0)
		oom();
	return n;
}

/* Format into a new string or abort. */
int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = xvasprintf(ret, fmt, ap);
	va_end(ap);
	return n;
}

/* Fill a caller's error buffer, if it gave one. */
void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Parse "<integer><s|m|h|d>" into seconds; -1 when malformed or too large. */
int
parse_duration(const char *s, long long *secs)
{
	const char	*p = s;
	long long	 n = 0, mult;

	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		if (n > (LLONG_MAX - 9) / 10)
			return -1;
		n = n * 10 + (*p - '0');
	}
	switch (*p) {
	case 's': mult = 1; break;
	case 'm': mult = 60; break;
	case 'h': mult = 3600; break;
	case 'd': mult = 86400; break;
	default: return -1;
	}
	if (p[1] != '\0' || n > LLONG_MAX / mult)
		return -1;
	*secs = n * mult;
	return 0;
}

/* Print seconds back in the largest unit that divides them: 600 -> "10m". */
void
format_duration(long long secs, char *buf, size_t len)
{
	if (secs != 0 && secs % 86400 == 0)
		snprintf(buf, len, "%lldd", secs / 86400);
	else if (secs != 0 && secs % 3600 == 0)
		snprintf(buf, len, "%lldh", secs / 3600);
	else if (secs != 0 && secs % 60 == 0)
		snprintf(buf, len, "%lldm", secs / 60);
	else
		snprintf(buf, len, "%llds", secs);
}

/* Print an elapsed time for people: "3d4h", "2h5m", "4m10s", "9s". */
void
format_uptime(long long secs, char *buf, size_t len)
{
	if (secs < 0)
		secs = 0;
	if (secs >= 86400)
		snprintf(buf, len, "%lldd%lldh", secs / 86400, secs % 86400 / 3600);
	else if (secs >= 3600)
		snprintf(buf, len, "%lldh%lldm", secs / 3600, secs % 3600 / 60);
	else if (secs >= 60)
		snprintf(buf, len, "%lldm%llds", secs / 60, secs % 60);
	else
		snprintf(buf, len, "%llds", secs);
}

/* Print a UNIX time as ISO 8601 UTC: 2026-04-07T14:01:03Z. */
void
format_time_iso(long long t, char *buf, size_t len)
{
	time_t		 tt = (time_t)t;
	struct tm	 tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "%lld", t);
}

/* Edit distance between two short strings, for did-you-mean hints. */
size_t
levenshtein(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b), i, j, *row, prev, tmp, best;

	if (la > 64 || lb > 64)
		return (size_t)-1;
	row = xcalloc(lb + 1, sizeof *row);
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			best = prev + (tolower((unsigned char)a[i - 1]) !=
			    tolower((unsigned char)b[j - 1]));
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	best = row[lb];
	free(row);
	return best;
}

/* Percent-encode all but RFC 3986's unreserved characters, for a path. */
char *
url_escape(const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			*out, *o;

	o = out = xmalloc(strlen(s) * 3 + 1);
	for (; *s != '\0'; s++) {
		if (isalnum((unsigned char)*s) || strchr("-._~", *s) != NULL)
			*o++ = *s;
		else {
			*o++ = '%';
			*o++ = hex[(unsigned char)*s >> 4];
			*o++ = hex[(unsigned char)*s & 15];
		}
	}
	*o = '\0';
	return out;
}

/*
 * Read fd to its end into a NUL-terminated buffer. NULL with errno set on
 * a read error, or EFBIG when there is more than max bytes.
 */
char *
read_fd(int fd, size_t max, size_t *lenp)
{
	char	*buf = NULL;
	size_t	 len = 0, size = 0;
	ssize_t	 n;

	for (;;) {
		if (len == size) {
			if (size > max) {
				free(buf);
				errno = EFBIG;
				return NULL;
			}
			size = size == 0 ? 8192 : size * 2;
			buf = xreallocarray(buf, size + 1, 1);
		}
		n = read(fd, buf + len, size - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			free(buf);
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		free(buf);
		errno = EFBIG;
		return NULL;
	}
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

/* Append len bytes to a growing string. */
void
strbuf_add(struct strbuf *b, const char *s, size_t len)
{
	if (b->len + len + 1 > b->size) {
		b->size = (b->len + len + 1) * 2;
		b->s = xreallocarray(b->s, b->size, 1);
	}
	memcpy(b->s + b->len, s, len);
	b->len += len;
	b->s[b->len] = '\0';
}

/* Append one byte to a growing string. */
void
strbuf_addc(struct strbuf *b, int c)
{
	char	 ch = (char)c;

	strbuf_add(b, &ch, 1);
}

/* Append a C string to a growing string. */
void
strbuf_str(struct strbuf *b, const char *s)
{
	strbuf_add(b, s, strlen(s));
}

/*
 * Append a number in decimal: what snprintf's %lld writes, at a tenth of
 * its cost, for the journal lines and requests written per notification.
 */
void
strbuf_int(struct strbuf *b, long long v)
{
	char			 buf[24], *p = buf + sizeof buf;
	unsigned long long	 u = v < 0 ? 0 - (unsigned long long)v :
	    (unsigned long long)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	strbuf_add(b, p, (size_t)(buf + sizeof buf - p));
}

/*
 * The scheme and host of a URL ("https://host:port"), without any
 * user:password@, path or query: what a message may show of an address.
 */
void
url_origin(const char *url, char *buf, size_t len)
{
	const char	*host, *end, *at;
	size_t		 n, m;

	if ((host = strstr(url, "://")) == NULL) {
		strlcpy(buf, "(an address that is not a URL)", len);
		return;
	}
	host += 3;
	end = host + strcspn(host, "/?#");
	for (at = host; at < end; at++)
		if (*at == '@')
			host = at + 1;
	n = (size_t)(strstr(url, "://") + 3 - url);
	if (len == 0)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(buf, url, n);
	m = (size_t)(end - host);
	if (m >= len - n)
		m = len - n - 1;
	memcpy(buf + n, host, m);
	buf[n + m] = '\0';
}

/* Epoch milliseconds, for times kept or sent. */
long long
realtime_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Epoch seconds of an ISO 8601 UTC time, "2026-04-07T14:01:03Z", a
 * fraction of a second allowed, as tinkr and the backends write them;
 * -1 when s is not one.
 */
long long
parse_time_iso(const char *s)
{
	struct tm	 tm;
	int		 n = 0;

	if (s == NULL)
		return -1;
	memset(&tm, 0, sizeof tm);
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    n == 0)
		return -1;
	s += n;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			;
	if (strcmp(s, "Z") != 0 && strcmp(s, "+00:00") != 0 && *s != '\0')
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (long long)timegm(&tm);
}

/* Monotonic milliseconds, for deadlines and timers. */
long long
mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * A memory file (memfd) holding s, at offset 0, closed on exec: a child's
 * standard input, or a place for its standard error. -1 with errno set.
 */
int
memfd_text(const char *name, const char *s)
{
	size_t	 len = s != NULL ? strlen(s) : 0;
	ssize_t	 w;
	int	 fd, saved;

	if ((fd = memfd_create(name, MFD_CLOEXEC)) == -1)
		return -1;
	while (len > 0) {
		if ((w = write(fd, s, len)) == -1) {
			saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
		s += w;
		len -= (size_t)w;
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/*
 * The environment for a child process, in a new array (the strings are
 * environ's): without the tinkr API keys and token, which are not the
 * child's business. Built before fork, as the child may only exec.
 */
char **
child_environ(size_t extra)
{
	extern char	**environ;
	char		**envp;
	size_t		 i, n;

	for (n = 0; environ[n] != NULL; n++)
		;
	envp = xcalloc(n + extra + 1, sizeof *envp);
	for (i = 0, n = 0; environ[i] != NULL; i++)
		if (strncmp(environ[i], "TINKR_API_KEYS=", 15) != 0 &&
		    strncmp(environ[i], "TINKR_API_TOKEN=", 16) != 0)
			envp[n++] = environ[i];
	return envp;
}

/*
 * The length of the well-formed UTF-8 character at p (at most left
 * bytes): 1 to 4, or 0 when it is not one (overlongs and surrogates are
 * not).
 */
size_t
utf8_char(const char *s, size_t left)
{
	const unsigned char	*p = (const unsigned char *)s;
	unsigned long		 cp, min;
	size_t			 n, k;

	if (left == 0)
		return 0;
	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0) {
		n = 1;
		cp = p[0] & 0x1f;
		min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 2;
		cp = p[0] & 0x0f;
		min = 0x800;
	} else if ((p[0] & 0xf8) == 0xf0) {
		n = 3;
		cp = p[0] & 0x07;
		min = 0x10000;
	} else
		return 0;
	if (left <= n)
		return 0;
	for (k = 1; k <= n; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n + 1;
}

/* Replace each byte of s that is not part of well-formed UTF-8 with '?'. */
void
utf8_scrub(char *s)
{
	size_t	 left = strlen(s), n;

	while (left > 0) {
		if ((n = utf8_char(s, left)) == 0) {
			*s = '?';
			n = 1;
		}
		s += n;
		left -= n;
	}
}

/*
 * Add s to b as a JSON string, quoted and escaped as jansson writes it
 * (", \ and control characters; UTF-8 as it is). A byte that is not
 * well-formed UTF-8 is written as U+FFFD. NULL is written as null.
 */
void
strbuf_json(struct strbuf *b, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const char		*run;
	size_t			 left, n;
	char			 esc[8];

	if (s == NULL) {
		strbuf_add(b, "null", 4);
		return;
	}
	strbuf_addc(b, '"');
	left = strlen(s);
	while (left > 0) {
		run = s;
		while (left > 0 && (unsigned char)*s >= 0x20 && *s != '"' &&
		    *s != '\\' && (n = utf8_char(s, left)) > 0) {
			s += n;
			left -= n;
		}
		strbuf_add(b, run, (size_t)(s - run));
		if (left == 0)
			break;
		switch (*s) {
		case '"':
			strbuf_add(b, "\\\"", 2);
			break;
		case '\\':
			strbuf_add(b, "\\\\", 2);
			break;
		case '\b':
			strbuf_add(b, "\\b", 2);
			break;
		case '\f':
			strbuf_add(b, "\\f", 2);
			break;
		case '\n':
			strbuf_add(b, "\\n", 2);
			break;
		case '\r':
			strbuf_add(b, "\\r", 2);
			break;
		case '\t':
			strbuf_add(b, "\\t", 2);
			break;
		default:
			if ((unsigned char)*s < 0x20) {
				memcpy(esc, "\\u00", 4);
				esc[4] = hex[(unsigned char)*s >> 4];
				esc[5] = hex[*s & 0xf];
				strbuf_add(b, esc, 6);
			} else
				strbuf_add(b, "\\ufffd", 6);
			break;
		}
		s++;
		left--;
	}
	strbuf_addc(b, '"');
}
