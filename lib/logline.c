/* logline.c -- one log line, parsed just enough to count and match it */

/*
 * A line is read in one pass and nothing is allocated or copied: the
 * record points into the caller's buffer. The quotes and backslashes of
 * a JSON line are found 64 bytes at a time, so a string's end is a bit
 * search; nested objects and arrays are kept as raw text, and escapes
 * are decoded only when a caller asks with log_unescape.
 *
 * Decisions a caller should know:
 * - A line is "binary", hence malformed, when it holds a NUL byte or
 *   invalid UTF-8 (overlong forms, surrogates and code points past
 *   U+10FFFF included). Other control bytes are allowed, even raw inside
 *   JSON strings. A malformed line leaves no time, level, message or
 *   field in the record; format says what was tried.
 * - LOG_AUTO: a line starting with '{' is JSON or malformed; one starting
 *   with two key=value pairs is logfmt, or text if the rest is not; any
 *   other line, an empty one too, is text.
 * - Fields are the top-level keys in line order, duplicates included;
 *   for time, level and message the first key that fits wins. Only the
 *   first nfields entries of fields[] are set. JSON nests 64 deep at most.
 * - A field's quoted flag is set only for a quoted string holding a
 *   backslash, that is one that needs log_unescape; log_field_is_string
 *   tells whether a value was quoted at all.
 * - Timestamps without a zone are taken as UTC. Years 1970 to 9999 only;
 *   epoch numbers from 1e8 seconds (1973) on, as smaller ones are more
 *   likely durations ("time": 0.25).
 * - A JSON numeric level (pino, bunyan) of 50 or more is an error.
 * - Plain text knows ISO 8601 timestamps only; a syslog line such as
 *   "Apr  7 14:01:03 host app[1]: ..." is all message, with no time and
 *   no level.
 * - log_unescape returns the whole decoded length, but a truncated copy
 *   may stop short of buflen - 1 bytes so as not to split a UTF-8
 *   character: take strnlen of the buffer when the result is >= buflen.
 *   \u0000 decodes to a NUL byte.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "logline.h"

#define ONES		0x0101010101010101ULL
#define HIGHS		0x8080808080808080ULL
#define MAXDEPTH	64		/* nesting a JSON value may have */
#define MAXTIME_MS	253402300799999LL	/* 9999-12-31T23:59:59.999Z */
#define MINEPOCH_MS	100000000000LL	/* 1e8 s: smaller numbers are
					   durations, not times */

/* What a value was, as far as the roles of its key care. */
enum val_kind {
	VAL_STRING,
	VAL_NUMBER,
	VAL_LITERAL,		/* true, false, null */
	VAL_NESTED		/* an object or an array */
};

/* What a key means to a record. */
enum key_role {
	ROLE_NONE,
	ROLE_TIME,
	ROLE_LEVEL,
	ROLE_MSG,
	ROLE_LOG		/* an ECS "log" object may hold "level" */
};

static const char *const text_levels[] = {
	"error", "warn", "warning", "info", "debug", "trace", "fatal",
	"critical", "crit", "panic", "alert", "emerg", "emergency", "err",
	"notice"
};

static const double pow10_exact[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

/* The bytes a JSON number is made of. */
static const unsigned char number_chars[256] = {
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
	['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['.'] = 1, ['e'] = 1,
	['E'] = 1, ['+'] = 1, ['-'] = 1
};

/* Days before each month in a common year. */
static const unsigned int days_before[] = {
	0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334
};

/* The value of the digit at p, above 9 when it is no digit. */
#define DIGIT(p)	((unsigned int)(unsigned char)*(p) - '0')

/* Load eight bytes from a possibly unaligned address. */
static inline uint64_t
load8(const char *p)
{
	uint64_t	 w;

	memcpy(&w, p, sizeof w);
	return w;
}

/* Flag the zero bytes of w, and maybe bytes above them, in their top bits. */
static inline uint64_t
zero_bytes(uint64_t w)
{
	return (w - ONES) & ~w & HIGHS;
}

/* Length of the valid UTF-8 sequence at p, 0 when it is invalid. */
static size_t
utf8_seq(const char *s, const char *end)
{
	const unsigned char	*p = (const unsigned char *)s;
	unsigned char		 lo = 0x80, hi = 0xbf;
	size_t			 n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] < 0xc2)
		return 0;
	if (p[0] < 0xe0)
		n = 2;
	else if (p[0] < 0xf0) {
		n = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;
		else if (p[0] == 0xed)
			hi = 0x9f;
	} else if (p[0] < 0xf5) {
		n = 4;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if ((size_t)(end - s) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* Whether bytes are text: no NUL and valid UTF-8. */
static int
is_text(const char *p, const char *end)
{
	size_t	 n;
	uint64_t w;

	while (p < end) {
		while (end - p >= 8) {
			w = load8(p);
			if (((w | zero_bytes(w)) & HIGHS) != 0)
				break;
			p += 8;
		}
		if (p == end)
			break;
		if (*p == '\0')
			return 0;
		if ((n = utf8_seq(p, end)) == 0)
			return 0;
		p += n;
	}
	return 1;
}

/*
 * Read a decimal number into a double, any number of digits and an
 * exponent; -1 unless all of the text is one.
 */
static int
parse_double_slow(const char *p, const char *end, double *d)
{
	unsigned long long	 mant = 0;
	int			 neg = 0, digits = 0, sig = 0, lost = 0;
	int			 exp10 = 0, e = 0, eneg = 0;
	char			 buf[64];
	double			 v;

	if (p < end && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	for (; p < end && *p >= '0' && *p <= '9'; p++, digits++) {
		if (sig < 19) {
			mant = mant * 10 + (*p - '0');
			if (mant != 0)
				sig++;
		} else {
			exp10++;
			lost |= *p != '0';
		}
	}
	if (p < end && *p == '.') {
		for (p++; p < end && *p >= '0' && *p <= '9'; p++, digits++) {
			if (sig < 19) {
				mant = mant * 10 + (*p - '0');
				if (mant != 0)
					sig++;
				exp10--;
			} else
				lost |= *p != '0';
		}
	}
	if (digits == 0)
		return -1;
	if (p < end && (*p == 'e' || *p == 'E')) {
		if (++p < end && (*p == '-' || *p == '+'))
			eneg = *p++ == '-';
		if (p == end || *p < '0' || *p > '9')
			return -1;
		for (; p < end && *p >= '0' && *p <= '9'; p++)
			if (e < 100000)
				e = e * 10 + (*p - '0');
		exp10 += eneg ? -e : e;
	}
	if (p != end)
		return -1;

	if (!lost && mant <= (1ULL << 53) && exp10 >= -22 && exp10 <= 22) {
		v = (double)mant;
		if (exp10 < 0)
			v /= pow10_exact[-exp10];
		else
			v *= pow10_exact[exp10];
	} else {
		/* No decimal point, so the locale cannot matter. */
		snprintf(buf, sizeof buf, "%llue%d", mant, exp10);
		errno = 0;
		v = strtod(buf, NULL);
		if (errno == ERANGE && (v > 1 || v < -1))
			return -1;
	}
	*d = neg ? -v : v;
	return 0;
}

/*
 * Read a decimal number into a double; -1 unless all of the text is one.
 * Up to 19 digits and no exponent, the usual case, the result is exact
 * or correctly rounded from integers; the rest goes the slow way.
 */
static int
parse_double(const char *p, const char *end, double *d)
{
	const char		*start = p, *digits;
	unsigned long long	 mant = 0;
	size_t			 nint, nfrac = 0;
	double			 v;
	int			 neg = 0;

	if (p < end && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	for (digits = p; p < end && DIGIT(p) <= 9; p++)
		mant = mant * 10 + DIGIT(p);
	nint = p - digits;
	if (p < end && *p == '.') {
		for (digits = ++p; p < end && DIGIT(p) <= 9; p++)
			mant = mant * 10 + DIGIT(p);
		nfrac = p - digits;
	}
	if (p != end || nint + nfrac == 0 || nint + nfrac > 19 ||
	    mant > (1ULL << 53))
		return parse_double_slow(start, end, d);
	v = (double)mant;
	if (nfrac > 0)
		v /= pow10_exact[nfrac];
	*d = neg ? -v : v;
	return 0;
}

/* Read n ASCII digits as a number, -1 if one is not a digit. */
static inline int
read_digits(const char *p, int n)
{
	unsigned int	 d;
	int		 v = 0;

	for (; n > 0; n--, p++) {
		if ((d = (unsigned char)*p - '0') > 9)
			return -1;
		v = v * 10 + d;
	}
	return v;
}

/* Whether a year is a leap year. */
static inline unsigned int
leap_year(unsigned int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to a date of 1970 or later. */
static inline long long
days_since_epoch(unsigned int y, unsigned int m, unsigned int d)
{
	unsigned int	 days, before = y - 1;

	days = 365 * (y - 1970) + (before / 4 - before / 100 + before / 400) -
	    (1969 / 4 - 1969 / 100 + 1969 / 400);
	days += days_before[m - 1] + (m > 2 && leap_year(y));
	return days + d - 1;
}

/* Read a zone: Z, +hh, +hh:mm or +hhmm, as minutes east of UTC. */
static const char *
iso_zone(const char *p, const char *end, int *minutes)
{
	int	 sign, h, m = 0;

	*minutes = 0;
	if (p == end)
		return p;
	if (*p == 'Z' || *p == 'z')
		return p + 1;
	if (*p != '+' && *p != '-')
		return p;
	sign = *p == '-' ? -1 : 1;
	if (end - p < 3 || (h = read_digits(p + 1, 2)) == -1 || h > 23)
		return NULL;
	p += 3;
	if (end - p >= 3 && *p == ':') {
		if ((m = read_digits(p + 1, 2)) == -1)
			return NULL;
		p += 3;
	} else if (end - p >= 2 && (m = read_digits(p, 2)) != -1)
		p += 2;
	else
		m = 0;
	if (m > 59)
		return NULL;
	*minutes = sign * (h * 60 + m);
	return p;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define BYTES(b)	(0x0101010101010101ULL * (b))
#define BYTE_AT(w, i)	((unsigned int)((w) >> (8 * (i))) & 0xff)

/*
 * Check that the bytes of w flagged 0xff in mask are ASCII digits and
 * turn w into pairs: byte i becomes 10 * digit i + digit i + 1.
 */
static inline int
digit_pairs(uint64_t w, uint64_t mask, uint64_t *pairs)
{
	uint64_t	 x;

	x = (w & mask) | (BYTES('0') & ~mask);
	if ((x & BYTES(0xf0)) != BYTES(0x30) ||
	    ((x + BYTES(0x06)) & BYTES(0xf0)) != BYTES(0x30))
		return -1;
	x -= BYTES('0');
	*pairs = x * 10 + (x >> 8);
	return 0;
}

/*
 * Read the 16 bytes "YYYY-MM-DDThh:mm" at p, eight at a time: the digits
 * are checked and paired up in a word without a loop.
 */
static inline int
iso_date(const char *p, unsigned int *y, unsigned int *mo, unsigned int *d,
    unsigned int *h, unsigned int *mi)
{
	uint64_t	 a = load8(p), b = load8(p + 8), pa, pb;

	/* "YYYY-MM-": digits but for bytes 4 and 7, which are '-'. */
	if ((a & 0xff0000ff00000000ULL) != 0x2d00002d00000000ULL ||
	    digit_pairs(a, 0x00ffff00ffffffffULL, &pa) == -1)
		return -1;
	/* "DDThh:mm": byte 2 is T, t or a space and byte 5 is ':'. */
	if (BYTE_AT(b, 5) != ':' || (BYTE_AT(b, 2) != 'T' &&
	    BYTE_AT(b, 2) != 't' && BYTE_AT(b, 2) != ' ') ||
	    digit_pairs(b, 0xffff00ffff00ffffULL, &pb) == -1)
		return -1;
	*y = BYTE_AT(pa, 0) * 100 + BYTE_AT(pa, 2);
	*mo = BYTE_AT(pa, 5);
	*d = BYTE_AT(pb, 0);
	*h = BYTE_AT(pb, 3);
	*mi = BYTE_AT(pb, 6);
	return 0;
}
#else
/* Read the 16 bytes "YYYY-MM-DDThh:mm" at p. */
static inline int
iso_date(const char *p, unsigned int *y, unsigned int *mo, unsigned int *d,
    unsigned int *h, unsigned int *mi)
{
	if (p[4] != '-' || p[7] != '-' || p[13] != ':' ||
	    (p[10] != 'T' && p[10] != 't' && p[10] != ' '))
		return -1;
	if (DIGIT(p) > 9 || DIGIT(p + 1) > 9 || DIGIT(p + 2) > 9 ||
	    DIGIT(p + 3) > 9 || DIGIT(p + 5) > 9 || DIGIT(p + 6) > 9 ||
	    DIGIT(p + 8) > 9 || DIGIT(p + 9) > 9 || DIGIT(p + 11) > 9 ||
	    DIGIT(p + 12) > 9 || DIGIT(p + 14) > 9 || DIGIT(p + 15) > 9)
		return -1;
	*y = DIGIT(p) * 1000 + DIGIT(p + 1) * 100 + DIGIT(p + 2) * 10 +
	    DIGIT(p + 3);
	*mo = DIGIT(p + 5) * 10 + DIGIT(p + 6);
	*d = DIGIT(p + 8) * 10 + DIGIT(p + 9);
	*h = DIGIT(p + 11) * 10 + DIGIT(p + 12);
	*mi = DIGIT(p + 14) * 10 + DIGIT(p + 15);
	return 0;
}
#endif

/*
 * Read an ISO 8601 time at p: YYYY-MM-DD, then T, t or a space, hh:mm,
 * optional :ss with an optional fraction after '.' or ',', an optional
 * zone. Return where it ends, NULL when there is none.
 */
static const char *
iso_time(const char *p, const char *end, long long *ms)
{
	long long	 t;
	unsigned int	 y, mo, d, h, mi, s = 0, frac = 0;
	int		 off;

	if (end - p < 16 || iso_date(p, &y, &mo, &d, &h, &mi) == -1)
		return NULL;
	if (y < 1970 || mo - 1 > 11 || d - 1 > 30 || h > 23 || mi > 59)
		return NULL;
	if (d > 28 && d > (mo == 2 ? 28 + leap_year(y) :
	    30 + ((mo + (mo > 7)) & 1)))
		return NULL;
	p += 16;
	if (end - p >= 3 && p[0] == ':') {
		if (DIGIT(p + 1) > 9 || DIGIT(p + 2) > 9)
			return NULL;
		if ((s = DIGIT(p + 1) * 10 + DIGIT(p + 2)) > 60)
			return NULL;
		p += 3;
		if (end - p >= 2 && (*p == '.' || *p == ',') &&
		    DIGIT(p + 1) <= 9) {
			frac = DIGIT(p + 1) * 100;
			p += 2;
			if (p < end && DIGIT(p) <= 9) {
				frac += DIGIT(p) * 10;
				if (++p < end && DIGIT(p) <= 9)
					frac += DIGIT(p++);
			}
			while (p < end && DIGIT(p) <= 9)
				p++;
		}
	}
	if (p < end && (*p == 'Z' || *p == 'z')) {
		p++;
		off = 0;
	} else if ((p = iso_zone(p, end, &off)) == NULL)
		return NULL;
	t = ((days_since_epoch(y, mo, d) * 24 + h) * 60 + mi - off) * 60 + s;
	t = t * 1000 + frac;
	if (t < 0 || t > MAXTIME_MS)
		return NULL;
	*ms = t;
	return p;
}

/* Turn epoch seconds, or ms, us or ns by magnitude, into ms. */
static int
epoch_ms(double v, long long *ms)
{
	if (!(v > 0) || v > 1e22)
		return -1;
	if (v > 1e17)
		v /= 1e6;
	else if (v > 1e14)
		v /= 1e3;
	else if (v <= 1e11)
		v *= 1e3;
	if (v < MINEPOCH_MS || v > MAXTIME_MS)
		return -1;
	*ms = (long long)v;
	return 0;
}

/*
 * Read an epoch number: seconds (maybe with a fraction), milliseconds
 * above 1e11, microseconds above 1e14, nanoseconds above 1e17. Below 1e8
 * seconds (1973) it is taken for a duration such as "time": 0.25.
 */
static int
epoch_time(const char *p, const char *end, long long *ms)
{
	const char		*start = p;
	unsigned long long	 n = 0;
	int			 digits = 0, frac = 0, scale = 100;
	double			 v;

	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (++digits > 19)
			return -1;
		n = n * 10 + (*p - '0');
	}
	if (digits == 0)
		return -1;
	if (p < end && *p == '.') {
		if (++p == end || *p < '0' || *p > '9')
			return -1;
		for (; p < end && *p >= '0' && *p <= '9'; p++) {
			frac += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		if (parse_double(start, end, &v) == -1)
			return -1;
		return epoch_ms(v, ms);
	}
	if (p != end)
		return -1;
	if (n > 100000000000000000ULL)
		n /= 1000000;
	else if (n > 100000000000000ULL)
		n /= 1000;
	else if (n <= 100000000000ULL)
		n = n * 1000 + frac;
	if (n < MINEPOCH_MS || n > MAXTIME_MS)
		return -1;
	*ms = (long long)n;
	return 0;
}

/*
 * Read a whole string as a time: ISO 8601 or an epoch number. Store
 * milliseconds since the epoch (UTC) in *ms; return -1 if it is no time.
 */
int
log_parse_time(const char *s, size_t len, long long *ms)
{
	const char	*end = s + len;
	long long	 t;

	if (len >= 16 && s[4] == '-') {
		if (iso_time(s, end, &t) != end)
			return -1;
	} else if (epoch_time(s, end, &t) == -1)
		return -1;
	*ms = t;
	return 0;
}

/* Whether two ASCII strings of n bytes match, the second in lower case. */
static inline int
same_nocase(const char *s, const char *lower, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if ((s[i] | 0x20) != lower[i])
			return 0;
	return 1;
}

/*
 * Whether a level names an error: error, err, critical, crit, fatal,
 * panic, alert, emerg or emergency, in any case.
 */
int
log_level_is_error(const char *s, size_t n)
{
	switch (n) {
	case 3:
		return same_nocase(s, "err", 3);
	case 4:
		return same_nocase(s, "crit", 4);
	case 5:
		return same_nocase(s, "error", 5) ||
		    same_nocase(s, "fatal", 5) ||
		    same_nocase(s, "panic", 5) ||
		    same_nocase(s, "alert", 5) ||
		    same_nocase(s, "emerg", 5);
	case 8:
		return same_nocase(s, "critical", 8);
	case 9:
		return same_nocase(s, "emergency", 9);
	}
	return 0;
}

/* Skip JSON white space. */
static inline const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (unsigned char)*p <= ' ' && (*p == ' ' ||
	    *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/*
 * Skip white space, the byte c and white space again; NULL when c is not
 * there. ": " and ", " are tried first.
 */
static inline const char *
skip_sep(const char *p, const char *end, char c)
{
	if (end - p >= 3 && p[0] == c) {
		if ((unsigned char)p[1] > ' ')
			return p + 1;
		if (p[1] == ' ' && (unsigned char)p[2] > ' ')
			return p + 2;
	}
	p = skip_ws(p, end);
	if (p == end || *p != c)
		return NULL;
	return skip_ws(p + 1, end);
}

/* Skip blanks between logfmt pairs and text words. */
static inline const char *
skip_blanks(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

#define QBLOCKS		16		/* 64-byte blocks a qscan holds */

/*
 * Where the unescaped quotes and the backslashes of a JSON line are,
 * worked out for up to QBLOCKS blocks of 64 bytes at a time. Finding the
 * end of a string is then a look at a 64-bit window of the masks, with
 * no byte loop and no branch on where the blocks end.
 */
struct qscan {
	const char	*base;
	size_t		 len;
	size_t		 first;		/* offset of the first block held */
	const char	*origin;	/* base + first */
	size_t		 nblk;		/* blocks held */
	int		 slashy;	/* some block held has a backslash */
	uint64_t	 quotes[QBLOCKS + 1];	/* one more, always 0 */
	uint64_t	 slashes[QBLOCKS + 1];
	int		 carry;		/* the next block starts escaped */
	int		 checked;	/* the whole line's UTF-8 was checked */
	int		 bad;		/* a NUL or invalid UTF-8 was seen */
};

/* Flags block_quotes raises for a block. */
#define BLOCK_SLASH	0x1		/* it has a backslash */
#define BLOCK_ODD	0x2		/* it has a NUL or a byte above 0x7f */

/*
 * The mask of the quotes in 64 bytes, raising flags for backslashes and
 * for NUL or high bytes; those are rare and only then looked for one by
 * one.
 */
static inline uint64_t
block_quotes(const char *p, int *flags)
{
#ifdef __SSE2__
	__m128i		 v0, v1, v2, v3, cq = _mm_set1_epi8('"');
	__m128i		 cb = _mm_set1_epi8('\\'), z = _mm_setzero_si128();
	__m128i		 slash, odd;
	uint64_t	 q;

	v0 = _mm_loadu_si128((const __m128i *)p);
	v1 = _mm_loadu_si128((const __m128i *)(p + 16));
	v2 = _mm_loadu_si128((const __m128i *)(p + 32));
	v3 = _mm_loadu_si128((const __m128i *)(p + 48));
	q = (uint64_t)(unsigned int)_mm_movemask_epi8(_mm_cmpeq_epi8(v0, cq)) |
	    (uint64_t)(unsigned int)_mm_movemask_epi8(
	    _mm_cmpeq_epi8(v1, cq)) << 16 |
	    (uint64_t)(unsigned int)_mm_movemask_epi8(
	    _mm_cmpeq_epi8(v2, cq)) << 32 |
	    (uint64_t)(unsigned int)_mm_movemask_epi8(
	    _mm_cmpeq_epi8(v3, cq)) << 48;
	slash = _mm_or_si128(
	    _mm_or_si128(_mm_cmpeq_epi8(v0, cb), _mm_cmpeq_epi8(v1, cb)),
	    _mm_or_si128(_mm_cmpeq_epi8(v2, cb), _mm_cmpeq_epi8(v3, cb)));
	odd = _mm_or_si128(
	    _mm_or_si128(_mm_or_si128(v0, v1), _mm_or_si128(v2, v3)),
	    _mm_or_si128(
	    _mm_or_si128(_mm_cmpeq_epi8(v0, z), _mm_cmpeq_epi8(v1, z)),
	    _mm_or_si128(_mm_cmpeq_epi8(v2, z), _mm_cmpeq_epi8(v3, z))));
	*flags = (_mm_movemask_epi8(slash) != 0 ? BLOCK_SLASH : 0) |
	    (_mm_movemask_epi8(odd) != 0 ? BLOCK_ODD : 0);
	return q;
#else
	uint64_t	 q = 0;
	int		 i;

	*flags = 0;
	for (i = 0; i < 64; i++) {
		q |= (uint64_t)(p[i] == '"') << i;
		if (p[i] == '\\')
			*flags |= BLOCK_SLASH;
		if (p[i] == '\0' || (unsigned char)p[i] >= 0x80)
			*flags |= BLOCK_ODD;
	}
	return q;
#endif
}

/* The mask of the backslashes in 64 bytes. */
static uint64_t
block_slashes(const char *p)
{
	uint64_t	 b = 0;
	int		 i;
#ifdef __SSE2__
	__m128i		 cb = _mm_set1_epi8('\\');

	for (i = 0; i < 4; i++)
		b |= (uint64_t)(unsigned int)_mm_movemask_epi8(_mm_cmpeq_epi8(
		    _mm_loadu_si128((const __m128i *)(p + 16 * i)), cb)) <<
		    (16 * i);
#else
	for (i = 0; i < 64; i++)
		b |= (uint64_t)(p[i] == '\\') << i;
#endif
	return b;
}

/*
 * Where 64 readable bytes for block i of the chunk are, and how far their
 * masks must be shifted down: a short last block is read as the line's
 * last 64 bytes, or copied when the line is shorter than that.
 */
static const char *
qscan_block(const struct qscan *qs, size_t i, char *tmp, unsigned int *shift)
{
	size_t	 n = qs->len - qs->first - 64 * i;

	*shift = 0;
	if (n >= 64)
		return qs->origin + 64 * i;
	if (qs->len >= 64) {
		*shift = 64 - n;
		return qs->base + qs->len - 64;
	}
	memset(tmp, ' ', 64);
	memcpy(tmp, qs->origin + 64 * i, n);
	return tmp;
}

/* Find the escaped quotes of the blocks held, the rare case. */
static void
qscan_escapes(struct qscan *qs)
{
	const char	*at;
	char		 tmp[64];
	size_t		 i;
	uint64_t	 b, bs, esc;
	unsigned int	 shift, j;

	for (i = 0; i < qs->nblk; i++) {
		at = qscan_block(qs, i, tmp, &shift);
		b = block_slashes(at) >> shift;
		esc = 0;
		bs = b;
		if (qs->carry) {
			esc = 1;
			bs &= ~1ULL;
		}
		qs->carry = 0;
		while (bs != 0) {
			j = __builtin_ctzll(bs);
			if (j == 63) {
				qs->carry = 1;
				break;
			}
			esc |= 2ULL << j;
			bs &= ~(3ULL << j);
		}
		qs->quotes[i] &= ~esc;
		qs->slashes[i] = b;
	}
	qs->slashes[i] = 0;
	qs->slashy = 1;
}

/* Work out the masks of up to QBLOCKS blocks from offset from on. */
static void
qscan_fill(struct qscan *qs, size_t from)
{
	const char	*at;
	char		 tmp[64];
	size_t		 i, n, full;
	unsigned int	 shift;
	int		 flags, all = 0;

	qs->first = from;
	qs->origin = qs->base + from;
	n = qs->len - from;
	full = n / 64 < QBLOCKS ? n / 64 : QBLOCKS;
	for (i = 0; i < full; i++) {
		qs->quotes[i] = block_quotes(qs->origin + 64 * i, &flags);
		all |= flags;
	}
	if (i < QBLOCKS && n > 64 * i) {
		at = qscan_block(qs, i, tmp, &shift);
		qs->quotes[i++] = block_quotes(at, &flags) >> shift;
		all |= flags;
	}
	qs->nblk = i;
	qs->quotes[i] = 0;
	if (all & BLOCK_ODD) {
		if (memchr(qs->origin, '\0', n < 64 * i ? n : 64 * i) != NULL)
			qs->bad = 1;
		if (!qs->checked) {
			qs->checked = 1;
			if (!is_text(qs->base, qs->base + qs->len))
				qs->bad = 1;
		}
	}
	qs->slashy = 0;
	if ((all & BLOCK_SLASH) || qs->carry)
		qscan_escapes(qs);
}

/* Start scanning a line; -1 if it is binary in its first blocks. */
static int
qscan_init(struct qscan *qs, const char *base, size_t len)
{
	qs->base = base;
	qs->len = len;
	qs->carry = qs->checked = qs->bad = 0;
	qscan_fill(qs, 0);
	return qs->bad ? -1 : 0;
}

/* qscan_quote for a string past the window: block by block. */
static const char *
qscan_quote_slow(struct qscan *qs, const char *at, int *esc)
{
	size_t		 pos = at - qs->base, idx;
	uint64_t	 from, m, b;

	*esc = 0;
	for (;;) {
		if (pos >= qs->len || pos < qs->first)
			return NULL;
		if ((idx = (pos - qs->first) >> 6) >= qs->nblk) {
			qscan_fill(qs, qs->first + 64 * qs->nblk);
			if (qs->bad)
				return NULL;
			continue;
		}
		from = ~0ULL << ((pos - qs->first) & 63);
		b = qs->slashy ? qs->slashes[idx] & from : 0;
		if ((m = qs->quotes[idx] & from) != 0) {
			m &= -m;	/* the lowest bit: the quote */
			if ((b & (m - 1)) != 0)
				*esc = 1;
			return qs->origin + 64 * idx + __builtin_ctzll(m);
		}
		if (b != 0)
			*esc = 1;
		pos = qs->first + 64 * (idx + 1);
	}
}

/*
 * The first unescaped quote at or after at, noting in *esc whether a
 * backslash came first. NULL past the end or in a binary line. The usual
 * case reads the 64 bits of masks from at on.
 */
static inline const char *
qscan_quote(struct qscan *qs, const char *at, int *esc)
{
	size_t		 rel = at - qs->origin, idx = rel >> 6;
	unsigned int	 off = rel & 63;
	uint64_t	 w, b;

	if (idx < qs->nblk) {
		w = qs->quotes[idx] >> off | qs->quotes[idx + 1] << 1 <<
		    (63 - off);
		if (w != 0) {
			*esc = 0;
			if (qs->slashy) {
				b = qs->slashes[idx] >> off |
				    qs->slashes[idx + 1] << 1 << (63 - off);
				*esc = (b & ((w & -w) - 1)) != 0;
			}
			return at + __builtin_ctzll(w);
		}
	}
	return qscan_quote_slow(qs, at, esc);
}

/* Skip a nested object or array, checking its brackets pair up. */
static const char *
skip_nested(struct qscan *qs, const char *p, const char *end)
{
	uint64_t	 objects = 0;	/* one bit a level: 1 for an object */
	int		 depth = 0, esc;

	for (; p < end; p++) {
		switch (*p) {
		case '"':
			if ((p = qscan_quote(qs, p + 1, &esc)) == NULL)
				return NULL;
			break;
		case '{':
		case '[':
			if (depth == MAXDEPTH)
				return NULL;
			objects = objects << 1 | (*p == '{');
			depth++;
			break;
		case '}':
		case ']':
			if (depth == 0 || (objects & 1) != (*p == '}'))
				return NULL;
			objects >>= 1;
			if (--depth == 0)
				return p + 1;
			break;
		default:
			if (*p == '\0' || (unsigned char)*p >= 0x80)
				return NULL;
			break;
		}
	}
	return NULL;
}

/* Skip a JSON number, true, false or null; NULL when it is none. */
static inline const char *
skip_token(const char *p, const char *end, enum val_kind *kind)
{
	const char	*start = p;
	size_t		 n;

	if (*p == '-' || DIGIT(p) <= 9) {
		while (p < end && number_chars[(unsigned char)*p])
			p++;
		*kind = VAL_NUMBER;
		return p;
	}
	while (p < end && *p >= 'a' && *p <= 'z')
		p++;
	n = p - start;
	if ((n == 4 && (memcmp(start, "true", 4) == 0 ||
	    memcmp(start, "null", 4) == 0)) ||
	    (n == 5 && memcmp(start, "false", 5) == 0)) {
		*kind = VAL_LITERAL;
		return p;
	}
	return NULL;
}

/* Read a JSON value other than a string at p into a field's value. */
static const char *
json_other(struct qscan *qs, const char *p, const char *end,
    struct log_field *f, enum val_kind *kind)
{
	if (p == end)
		return NULL;
	f->val = p;
	f->quoted = 0;
	if (*p == '{' || *p == '[') {
		p = skip_nested(qs, p, end);
		*kind = VAL_NESTED;
	} else
		p = skip_token(p, end, kind);
	if (p != NULL)
		f->vallen = p - f->val;
	return p;
}

/* Read the JSON value at p into a field's value. */
static inline const char *
json_value(struct qscan *qs, const char *p, const char *end,
    struct log_field *f, enum val_kind *kind)
{
	if (p == end || *p != '"')
		return json_other(qs, p, end, f, kind);
	f->val = ++p;
	if ((p = qscan_quote(qs, p, &f->quoted)) == NULL)
		return NULL;
	f->vallen = p - f->val;
	*kind = VAL_STRING;
	return p + 1;
}

/* Whether n bytes (2 to 16, a constant once inlined) match a literal. */
static inline int
same_bytes(const char *s, const char *lit, size_t n)
{
	uint64_t	 a8, b8, c8, d8;
	uint32_t	 a4, b4, c4, d4;
	uint16_t	 a2, b2, c2, d2;

	if (n >= 8) {
		memcpy(&a8, s, 8);
		memcpy(&b8, lit, 8);
		memcpy(&c8, s + n - 8, 8);
		memcpy(&d8, lit + n - 8, 8);
		return ((a8 ^ b8) | (c8 ^ d8)) == 0;
	}
	if (n >= 4) {
		memcpy(&a4, s, 4);
		memcpy(&b4, lit, 4);
		memcpy(&c4, s + n - 4, 4);
		memcpy(&d4, lit + n - 4, 4);
		return ((a4 ^ b4) | (c4 ^ d4)) == 0;
	}
	memcpy(&a2, s, 2);
	memcpy(&b2, lit, 2);
	memcpy(&c2, s + n - 2, 2);
	memcpy(&d2, lit + n - 2, 2);
	return ((a2 ^ b2) | (c2 ^ d2)) == 0;
}

/* What a key is for: time, level, message or none of them. */
static inline enum key_role
key_role(const char *k, size_t n)
{
	switch (n) {
	case 2:
		if (same_bytes(k, "ts", 2))
			return ROLE_TIME;
		break;
	case 3:
		if (same_bytes(k, "msg", 3))
			return ROLE_MSG;
		if (same_bytes(k, "lvl", 3))
			return ROLE_LEVEL;
		if (same_bytes(k, "log", 3))
			return ROLE_LOG;
		break;
	case 4:
		if (same_bytes(k, "time", 4))
			return ROLE_TIME;
		break;
	case 5:
		if (same_bytes(k, "level", 5))
			return ROLE_LEVEL;
		break;
	case 7:
		if (same_bytes(k, "message", 7))
			return ROLE_MSG;
		break;
	case 8:
		if (same_bytes(k, "severity", 8))
			return ROLE_LEVEL;
		break;
	case 9:
		if (same_bytes(k, "timestamp", 9))
			return ROLE_TIME;
		if (same_bytes(k, "log.level", 9))
			return ROLE_LEVEL;
		break;
	case 10:
		if (same_bytes(k, "@timestamp", 10))
			return ROLE_TIME;
		break;
	}
	return ROLE_NONE;
}

/* Whether a numeric level is an error in pino and bunyan terms (50+). */
static int
number_is_error(const char *s, size_t n)
{
	double	 d;

	return parse_double(s, s + n, &d) == 0 && d >= 50;
}

static void	ecs_level(struct log_rec *, const char *, const char *);

/* Give a field its role in the record, the first of each role winning. */
static void
apply_role(struct log_rec *rec, const struct log_field *f,
    enum val_kind kind, enum key_role role)
{
	long long	 ms;

	switch (role) {
	case ROLE_NONE:
		break;
	case ROLE_LOG:
		if (kind == VAL_NESTED && rec->level == NULL)
			ecs_level(rec, f->val, f->val + f->vallen);
		break;
	case ROLE_TIME:
		if (rec->ts_ms == -1 && (kind == VAL_STRING ||
		    kind == VAL_NUMBER) && !f->quoted &&
		    log_parse_time(f->val, f->vallen, &ms) == 0)
			rec->ts_ms = ms;
		break;
	case ROLE_LEVEL:
		if (rec->level != NULL)
			break;
		if (kind == VAL_STRING) {
			rec->level = f->val;
			rec->levellen = f->vallen;
			rec->is_error = log_level_is_error(f->val, f->vallen);
		} else if (kind == VAL_NUMBER) {
			rec->level = f->val;
			rec->levellen = f->vallen;
			rec->is_error = number_is_error(f->val, f->vallen);
		}
		break;
	case ROLE_MSG:
		if (rec->msg == NULL && kind != VAL_LITERAL) {
			rec->msg = f->val;
			rec->msglen = f->vallen;
			rec->msg_quoted = f->quoted;
		}
		break;
	}
}

/* Look inside an ECS {"log": {"level": ...}} object for the level. */
static void
ecs_level(struct log_rec *rec, const char *p, const char *end)
{
	struct qscan		 qs;
	struct log_field	 f;
	enum val_kind		 kind;
	int			 esc;

	if (qscan_init(&qs, p, end - p) == -1)
		return;
	p = skip_ws(p + 1, end);
	while (p < end && *p == '"') {
		f.key = p + 1;
		if ((p = qscan_quote(&qs, p + 1, &esc)) == NULL)
			return;
		f.keylen = p - f.key;
		p = skip_ws(p + 1, end);
		if (p == end || *p != ':')
			return;
		p = skip_ws(p + 1, end);
		if ((p = json_value(&qs, p, end, &f, &kind)) == NULL)
			return;
		if (f.keylen == 5 && memcmp(f.key, "level", 5) == 0) {
			apply_role(rec, &f, kind, ROLE_LEVEL);
			return;
		}
		p = skip_ws(p, end);
		if (p == end || *p != ',')
			return;
		p = skip_ws(p + 1, end);
	}
}

/*
 * Parse a line as one JSON object. The field being read lives in a local
 * and is copied into the record whole, so the stores into the record do
 * not hold up the next loads.
 */
static int
parse_json(struct log_rec *rec, const char *p, const char *end)
{
	struct qscan		 qs;
	struct log_field	 f;
	const char		*q;
	enum val_kind		 kind;
	enum key_role		 role;
	size_t			 n = 0;
	int			 esc, found = 0;

	if (qscan_init(&qs, rec->line, end - rec->line) == -1)
		return -1;
	p = skip_ws(p, end);
	if (p == end || *p != '{')
		return -1;
	p = skip_ws(p + 1, end);
	if (p < end && *p == '}')
		return skip_ws(p + 1, end) == end ? 0 : -1;
	for (;;) {
		if (p == end || *p != '"')
			return -1;
		f.key = p + 1;
		if ((p = qscan_quote(&qs, p + 1, &esc)) == NULL)
			return -1;
		f.keylen = p - f.key;
		if ((p = skip_sep(p + 1, end, ':')) == NULL)
			return -1;
		if (p < end && *p == '"') {
			f.val = ++p;
			if ((p = qscan_quote(&qs, p, &f.quoted)) == NULL)
				return -1;
			f.vallen = p - f.val;
			kind = VAL_STRING;
			p++;
		} else if ((p = json_other(&qs, p, end, &f, &kind)) == NULL)
			return -1;
		if (n < LOG_MAXFIELDS)
			rec->fields[n++] = f;
		if (!found && (role = key_role(f.key, f.keylen)) != ROLE_NONE) {
			apply_role(rec, &f, kind, role);
			found = rec->ts_ms != -1 && rec->level != NULL &&
			    rec->msg != NULL;
		}
		if ((q = skip_sep(p, end, ',')) != NULL) {
			p = q;
			continue;
		}
		p = skip_ws(p, end);
		if (p == end || *p != '}')
			return -1;
		break;
	}
	rec->nfields = n;
	return skip_ws(p + 1, end) == end ? 0 : -1;
}

/*
 * Find the closing quote of a logfmt value starting at p, noting in *esc
 * whether a backslash was seen; NULL when there is none.
 */
static const char *
logfmt_quote(const char *p, const char *end, int *esc)
{
	*esc = 0;
	for (; p < end; p++) {
		if (*p == '"')
			return p;
		if (*p == '\\') {
			*esc = 1;
			if (++p == end)
				return NULL;
		}
	}
	return NULL;
}

/* Whether a byte may be part of a logfmt key. */
static inline int
logfmt_keychar(char c)
{
	return (unsigned char)c > ' ' && c != '=' && c != '"' && c != 0x7f;
}

/*
 * Read one logfmt key, key=value or key="value"; NULL when malformed.
 * Every logfmt value counts as a string.
 */
static const char *
logfmt_pair(const char *p, const char *end, struct log_field *f,
    int *has_value)
{
	f->key = p;
	while (p < end && logfmt_keychar(*p))
		p++;
	if ((f->keylen = p - f->key) == 0)
		return NULL;
	f->quoted = 0;
	if (p == end || *p != '=') {
		*has_value = 0;
		f->val = p;
		f->vallen = 0;
		return p < end && *p == '"' ? NULL : p;
	}
	*has_value = 1;
	if (++p < end && *p == '"') {
		f->val = ++p;
		if ((p = logfmt_quote(p, end, &f->quoted)) == NULL)
			return NULL;
		f->vallen = p - f->val;
		p++;
		if (p < end && *p != ' ' && *p != '\t')
			return NULL;
		return p;
	}
	f->val = p;
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	f->vallen = p - f->val;
	return p;
}

/* Whether a line starts with two logfmt key=value pairs. */
static int
logfmt_like(const char *p, const char *end)
{
	struct log_field	 f;
	int			 i, has_value;

	for (i = 0; i < 2; i++) {
		p = skip_blanks(p, end);
		if ((p = logfmt_pair(p, end, &f, &has_value)) == NULL ||
		    !has_value)
			return 0;
	}
	return 1;
}

/* Parse a line as logfmt pairs. */
static int
parse_logfmt(struct log_rec *rec, const char *p, const char *end)
{
	struct log_field	*f, spare;
	int			 has_value;

	for (;;) {
		if ((p = skip_blanks(p, end)) == end)
			return 0;
		if (rec->nfields < LOG_MAXFIELDS)
			f = &rec->fields[rec->nfields];
		else
			f = &spare;
		if ((p = logfmt_pair(p, end, f, &has_value)) == NULL)
			return -1;
		if (f != &spare)
			rec->nfields++;
		if (has_value)
			apply_role(rec, f, VAL_STRING,
			    key_role(f->key, f->keylen));
	}
}

/* Whether a word is a level word of plain text, in any case. */
static int
text_level(const char *w, size_t n)
{
	size_t	 i;

	for (i = 0; i < sizeof text_levels / sizeof text_levels[0]; i++)
		if (strlen(text_levels[i]) == n &&
		    strncasecmp(w, text_levels[i], n) == 0)
			return 1;
	return 0;
}

/*
 * Read a level word at p: LEVEL, [LEVEL] or LEVEL: followed by a blank or
 * the end. Return where the message may start, NULL if there is none.
 */
static const char *
text_level_at(const char *p, const char *end, const char **w, size_t *n)
{
	int	 bracket = 0;

	if (p < end && *p == '[') {
		bracket = 1;
		p++;
	}
	*w = p;
	while (p < end && ((*p >= 'a' && *p <= 'z') ||
	    (*p >= 'A' && *p <= 'Z')))
		p++;
	*n = p - *w;
	if (*n == 0 || !text_level(*w, *n))
		return NULL;
	if (bracket) {
		if (p == end || *p != ']')
			return NULL;
		p++;
		if (p < end && *p == ':')
			p++;
	} else if (p < end && *p == ':')
		return p + 1;
	if (p < end && *p != ' ' && *p != '\t')
		return NULL;
	return p;
}

/* Skip one word made only of '-', '|' or ':', and the blanks after it. */
static const char *
skip_separator(const char *p, const char *end)
{
	const char	*q = p;

	while (q < end && (*q == '-' || *q == '|' || *q == ':'))
		q++;
	if (q == p || (q < end && *q != ' ' && *q != '\t'))
		return p;
	return skip_blanks(q, end);
}

/* Read a leading ISO 8601 time, maybe in [brackets], into the record. */
static const char *
text_time(struct log_rec *rec, const char *p, const char *end)
{
	const char	*q = p;
	long long	 ms;
	int		 bracket = 0;

	if (q < end && *q == '[') {
		bracket = 1;
		q++;
	}
	if ((q = iso_time(q, end, &ms)) == NULL)
		return p;
	if (bracket) {
		if (q == end || *q != ']')
			return p;
		q++;
	}
	if (q < end && *q != ' ' && *q != '\t')
		return p;
	rec->ts_ms = ms;
	return skip_blanks(q, end);
}

/*
 * Parse a plain text line: an optional time, an optional level word,
 * then the message. One [bracketed] word that is no level may stand
 * between the time and the level, as in Java's "[main] ERROR"; it is
 * then left out of the message.
 */
static int
parse_text(struct log_rec *rec, const char *p, const char *end)
{
	const char	*q, *w;
	size_t		 n;

	p = skip_blanks(p, end);
	p = text_time(rec, p, end);
	if (rec->ts_ms != -1)
		p = skip_separator(p, end);
	q = text_level_at(p, end, &w, &n);
	if (q == NULL && rec->ts_ms != -1 && p < end && *p == '[') {
		q = memchr(p, ']', end - p);
		if (q != NULL && q + 1 < end && (q[1] == ' ' || q[1] == '\t'))
			q = text_level_at(skip_blanks(q + 1, end), end, &w, &n);
		else
			q = NULL;
	}
	if (q != NULL) {
		rec->level = w;
		rec->levellen = n;
		rec->is_error = log_level_is_error(w, n);
		p = skip_separator(skip_blanks(q, end), end);
	}
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (p < end) {
		rec->msg = p;
		rec->msglen = end - p;
	}
	return 0;
}

/* Reset a record to hold nothing but the line. */
static void
rec_init(struct log_rec *rec, const char *line, size_t len,
    enum log_format fmt)
{
	rec->line = line;
	rec->len = len;
	rec->format = fmt;
	rec->ts_ms = -1;
	rec->level = NULL;
	rec->levellen = 0;
	rec->is_error = 0;
	rec->msg = NULL;
	rec->msglen = 0;
	rec->msg_quoted = 0;
	rec->nfields = 0;
}

/*
 * Parse one line, without its newline, in a format or LOG_AUTO. Return 0
 * or -1 when the line is malformed for the format, binary or longer than
 * LOG_MAXLINE; the record then holds no time, level, message or field.
 */
int
log_parse(const char *line, size_t len, enum log_format fmt,
    struct log_rec *rec)
{
	const char	*end, *p;
	int		 rv;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	rec_init(rec, line, len, fmt == LOG_AUTO ? LOG_TEXT : fmt);
	if (len > LOG_MAXLINE)
		return -1;
	end = line + len;

	switch (fmt) {
	case LOG_JSON:
		rv = parse_json(rec, line, end);
		break;
	case LOG_LOGFMT:
		rv = is_text(line, end) ? parse_logfmt(rec, line, end) : -1;
		break;
	case LOG_TEXT:
		rv = is_text(line, end) ? parse_text(rec, line, end) : -1;
		break;
	default:
		p = skip_ws(line, end);
		if (p < end && *p == '{') {
			rec->format = LOG_JSON;
			rv = parse_json(rec, p, end);
			break;
		}
		if (!is_text(line, end)) {
			rv = -1;
			break;
		}
		if (logfmt_like(line, end)) {
			rec->format = LOG_LOGFMT;
			if (parse_logfmt(rec, line, end) == 0) {
				rv = 0;
				break;
			}
			rec_init(rec, line, len, LOG_TEXT);
		}
		rv = parse_text(rec, line, end);
		break;
	}
	if (rv == -1)
		rec_init(rec, line, len, rec->format);
	return rv;
}

/* Read "auto", "json", "logfmt" or "text" as a format. */
int
log_format_parse(const char *s, enum log_format *fmt)
{
	if (strcmp(s, "auto") == 0)
		*fmt = LOG_AUTO;
	else if (strcmp(s, "json") == 0)
		*fmt = LOG_JSON;
	else if (strcmp(s, "logfmt") == 0)
		*fmt = LOG_LOGFMT;
	else if (strcmp(s, "text") == 0)
		*fmt = LOG_TEXT;
	else
		return -1;
	return 0;
}

/* The first field with exactly this key, NULL if there is none. */
const struct log_field *
log_field_get(const struct log_rec *rec, const char *name)
{
	size_t	 i, n = strlen(name);

	for (i = 0; i < rec->nfields; i++) {
		if (rec->fields[i].keylen == n &&
		    memcmp(rec->fields[i].key, name, n) == 0)
			return &rec->fields[i];
	}
	return NULL;
}

/*
 * Whether a field of a parsed record had a quoted string for its value
 * (JSON or logfmt): such a value always follows its opening quote, which
 * no other value does.
 */
int
log_field_is_string(const struct log_field *f)
{
	return f->val > f->key + f->keylen && f->val[-1] == '"';
}

/*
 * Read a field's value as a number: a JSON number or a string holding one
 * ("12.5"). Return -1 when it is not a number or f is NULL.
 */
int
log_field_number(const struct log_field *f, double *d)
{
	if (f == NULL || f->quoted || f->vallen == 0)
		return -1;
	return parse_double(f->val, f->val + f->vallen, d);
}

/* A bounded output buffer for log_unescape. */
struct out {
	char	*buf;
	size_t	 room;		/* bytes that may still be written */
	size_t	 used;		/* bytes written */
	size_t	 total;		/* bytes the whole value decodes to */
};

/* Length a UTF-8 sequence has by its first byte, 1 for others. */
static size_t
utf8_lead_len(unsigned char c)
{
	if (c >= 0xf0)
		return 4;
	if (c >= 0xe0)
		return 3;
	if (c >= 0xc0)
		return 2;
	return 1;
}

/*
 * Append bytes. A run of plain bytes is cut where the room ends, but not
 * inside a UTF-8 sequence; a decoded character goes in whole or not at
 * all. Once something is cut, nothing more is written.
 */
static void
out_put(struct out *o, const char *s, size_t n, int whole)
{
	size_t	 k, i;

	o->total += n;
	if (n == 0)
		return;
	if (n <= o->room) {
		memcpy(o->buf + o->used, s, n);
		o->used += n;
		o->room -= n;
		return;
	}
	if (!whole && o->room > 0) {
		k = o->room;
		for (i = k; i > 0 && k - i < 4; i--) {
			if (((unsigned char)s[i - 1] & 0xc0) != 0x80) {
				if (utf8_lead_len(s[i - 1]) > k - (i - 1))
					k = i - 1;
				break;
			}
		}
		memcpy(o->buf + o->used, s, k);
		o->used += k;
	}
	o->room = 0;
}

/* Read four hex digits as a number, -1 if they are not. */
static long
hex4(const char *p, const char *end)
{
	long	 v = 0;
	int	 i;

	if (end - p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		v <<= 4;
		if (p[i] >= '0' && p[i] <= '9')
			v |= p[i] - '0';
		else if (p[i] >= 'a' && p[i] <= 'f')
			v |= p[i] - 'a' + 10;
		else if (p[i] >= 'A' && p[i] <= 'F')
			v |= p[i] - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* Encode a code point as UTF-8, returning its length. */
static size_t
utf8_put(long c, char *s)
{
	if (c < 0x80) {
		s[0] = c;
		return 1;
	}
	if (c < 0x800) {
		s[0] = 0xc0 | (c >> 6);
		s[1] = 0x80 | (c & 0x3f);
		return 2;
	}
	if (c < 0x10000) {
		s[0] = 0xe0 | (c >> 12);
		s[1] = 0x80 | ((c >> 6) & 0x3f);
		s[2] = 0x80 | (c & 0x3f);
		return 3;
	}
	s[0] = 0xf0 | (c >> 18);
	s[1] = 0x80 | ((c >> 12) & 0x3f);
	s[2] = 0x80 | ((c >> 6) & 0x3f);
	s[3] = 0x80 | (c & 0x3f);
	return 4;
}

/*
 * Decode one \u escape (p after the u), joining a surrogate pair; a lone
 * surrogate becomes U+FFFD. Return where the escape ends.
 */
static const char *
unescape_u(const char *p, const char *end, long *cp)
{
	long	 hi, lo;

	if ((hi = hex4(p, end)) == -1) {
		*cp = 'u';	/* not an escape after all: keep the u */
		return p;
	}
	p += 4;
	if (hi >= 0xdc00 && hi <= 0xdfff) {
		*cp = 0xfffd;
		return p;
	}
	if (hi < 0xd800 || hi > 0xdbff) {
		*cp = hi;
		return p;
	}
	if (end - p >= 6 && p[0] == '\\' && p[1] == 'u' &&
	    (lo = hex4(p + 2, end)) >= 0xdc00 && lo <= 0xdfff) {
		*cp = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
		return p + 6;
	}
	*cp = 0xfffd;
	return p;
}

/*
 * Copy a value into buf, decoding JSON and logfmt escapes when quoted is
 * set. The copy is truncated to buflen - 1 bytes, never inside a UTF-8
 * sequence, and NUL-terminated when buflen > 0. Return the whole decoded
 * length, as strlcpy does.
 */
size_t
log_unescape(const char *s, size_t len, int quoted, char *buf,
    size_t buflen)
{
	struct out	 o = { buf, buflen > 0 ? buflen - 1 : 0, 0, 0 };
	const char	*p = s, *end = s + len, *run;
	char		 enc[4];
	long		 cp;

	while (p < end) {
		run = p;
		if (quoted && (p = memchr(p, '\\', end - p)) == NULL)
			p = end;
		else if (!quoted)
			p = end;
		out_put(&o, run, p - run, 0);
		if (p == end)
			break;
		if (++p == end) {
			/* A lone backslash at the end stays. */
			out_put(&o, "\\", 1, 1);
			break;
		}
		switch (*p++) {
		case 'n':
			cp = '\n';
			break;
		case 't':
			cp = '\t';
			break;
		case 'r':
			cp = '\r';
			break;
		case 'b':
			cp = '\b';
			break;
		case 'f':
			cp = '\f';
			break;
		case 'u':
			p = unescape_u(p, end, &cp);
			break;
		default:	/* \" \\ \/ and any other: the byte itself */
			out_put(&o, p - 1, 1, 1);
			continue;
		}
		out_put(&o, enc, utf8_put(cp, enc), 1);
	}
	if (buflen > 0)
		buf[o.used] = '\0';
	return o.total;
}
