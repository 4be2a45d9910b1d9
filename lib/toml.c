/*
 * toml.c -- one line of the TOML subset tinkr.toml is written in.
 *
 * toml_split classifies a physical line (blank, [header] or key = ...),
 * toml_value parses what follows the '=' (a scalar or a one-line array of
 * scalars, then an optional # comment) and toml_emit writes a value back as
 * the compact canonical text the config reader hands to inih.
 */

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toml.h"
#include "util.h"

#define TOML_MAXTOKEN	128	/* longest number or bare word looked at */
#define TOML_MAXHINT	60	/* longest bare word quoted back in a hint */

/* The state of one value parse. */
struct scan {
	const char	*p;
	const char	*key;
	int		 quiet;		/* never quote the value back */
	char		*err;
	size_t		 errlen;
};

static int	scan_value(struct scan *, struct cval *, int);

/* Whether c may appear in a bare key: A-Z a-z 0-9 _ -. */
int
toml_bare_char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* Skip spaces and tabs. */
static const char *
skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Whether len bytes are well-formed UTF-8 (no overlongs or surrogates). */
int
toml_utf8_valid(const char *s, size_t len)
{
	size_t	 n;

	for (; len > 0; s += n, len -= n)
		if ((n = utf8_char(s, len)) == 0)
			return 0;
	return 1;
}

/* Free what a value holds (not the value itself). */
void
cval_free(struct cval *v)
{
	size_t	 i;

	if (v == NULL)
		return;
	for (i = 0; i < v->nitems; i++)
		cval_free(&v->items[i]);
	free(v->items);
	free(v->s);
	memset(v, 0, sizeof *v);
}

/* Free what toml_split allocated. */
void
toml_line_free(struct tline *tl)
{
	size_t	 i;

	for (i = 0; i < tl->nparts; i++)
		free(tl->parts[i]);
	free(tl->parts);
	free(tl->key);
	memset(tl, 0, sizeof *tl);
}

/* Split "[a . b.c]  # comment" into its names. */
static int
split_header(const char *p, struct tline *tl, char *err, size_t errlen)
{
	const char	*start;

	tl->kind = TLINE_HEADER;
	if (p[1] == '[') {
		seterr(err, errlen, "arrays of tables ([[...]]) are not "
		    "supported; give each table its own [section] name");
		return -1;
	}
	p++;
	for (;;) {
		p = skip_ws(p);
		if (*p == '"' || *p == '\'') {
			seterr(err, errlen, "quoted names are not supported in "
			    "section headers; use bare names (letters, digits, "
			    "'_' and '-')");
			return -1;
		}
		for (start = p; toml_bare_char((unsigned char)*p); p++)
			/* nothing */;
		if (p == start) {
			if (*p == '\0')
				seterr(err, errlen, "missing ']' at the end of "
				    "the section header");
			else if (*p == '.' || *p == ']')
				seterr(err, errlen, "empty name in the section "
				    "header");
			else
				seterr(err, errlen, "invalid character '%c' in "
				    "the section header (names are letters, "
				    "digits, '_' and '-')", isprint((unsigned
				    char)*p) ? *p : '?');
			return -1;
		}
		tl->parts = xreallocarray(tl->parts, tl->nparts + 1,
		    sizeof *tl->parts);
		tl->parts[tl->nparts++] = xstrndup(start, p - start);
		p = skip_ws(p);
		if (*p == '.') {
			p++;
			continue;
		}
		if (*p == ']')
			break;
		if (*p == '\0')
			seterr(err, errlen, "missing ']' at the end of the section "
			    "header");
		else
			seterr(err, errlen, "invalid character '%c' in the "
			    "section header (names are letters, digits, '_' and "
			    "'-')", isprint((unsigned char)*p) ? *p : '?');
		return -1;
	}
	p = skip_ws(p + 1);
	if (*p == ';') {
		seterr(err, errlen, "';' does not start a comment in TOML; use "
		    "'#'");
		return -1;
	}
	if (*p != '\0' && *p != '#') {
		seterr(err, errlen, "unexpected text after the section header "
		    "(comments start with #)");
		return -1;
	}
	return 0;
}

/* Split "key = rest" into the key and what follows the '='. */
static int
split_key(const char *p, struct tline *tl, char *err, size_t errlen)
{
	const char	*start;

	tl->kind = TLINE_KEY;
	if (*p == '"' || *p == '\'') {
		seterr(err, errlen, "quoted keys are not supported; use a bare "
		    "key (letters, digits, '_' and '-')");
		return -1;
	}
	for (start = p; toml_bare_char((unsigned char)*p); p++)
		/* nothing */;
	if (p == start) {
		if (*p == '=')
			seterr(err, errlen, "expected a key before '='");
		else
			seterr(err, errlen, "expected a key (letters, digits, "
			    "'_' and '-') or a [section] header");
		return -1;
	}
	tl->key = xstrndup(start, p - start);
	p = skip_ws(p);
	if (*p == '.') {
		seterr(err, errlen, "dotted keys are not supported; use a "
		    "[section] header for '%s'", tl->key);
		return -1;
	}
	if (*p == ':') {
		seterr(err, errlen, "expected '=' after '%s' (TOML writes "
		    "key = value, not key: value)", tl->key);
		return -1;
	}
	if (*p != '=') {
		seterr(err, errlen, "expected '=' after '%s'", tl->key);
		return -1;
	}
	tl->rest = p + 1;
	return 0;
}

/* Classify one physical line (no newline, no NUL, valid UTF-8). */
int
toml_split(const char *line, struct tline *tl, char *err, size_t errlen)
{
	const char	*p;

	memset(tl, 0, sizeof *tl);
	p = skip_ws(line);
	if (*p == '\0' || *p == '#') {
		tl->kind = TLINE_BLANK;
		return 0;
	}
	if (*p == ';') {
		seterr(err, errlen, "';' does not start a comment in TOML; use "
		    "'#'");
		return -1;
	}
	if (*p == '[')
		return split_header(p, tl, err, errlen);
	return split_key(p, tl, err, errlen);
}

/* Value of a hex digit, or -1. */
static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Append a code point as UTF-8. */
static void
put_utf8(struct strbuf *b, unsigned long cp)
{
	if (cp < 0x80)
		strbuf_addc(b, (int)cp);
	else if (cp < 0x800) {
		strbuf_addc(b, (int)(0xc0 | (cp >> 6)));
		strbuf_addc(b, (int)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		strbuf_addc(b, (int)(0xe0 | (cp >> 12)));
		strbuf_addc(b, (int)(0x80 | ((cp >> 6) & 0x3f)));
		strbuf_addc(b, (int)(0x80 | (cp & 0x3f)));
	} else {
		strbuf_addc(b, (int)(0xf0 | (cp >> 18)));
		strbuf_addc(b, (int)(0x80 | ((cp >> 12) & 0x3f)));
		strbuf_addc(b, (int)(0x80 | ((cp >> 6) & 0x3f)));
		strbuf_addc(b, (int)(0x80 | (cp & 0x3f)));
	}
}

/* Decode \uXXXX or \UXXXXXXXX (p points after the u or U). */
static int
scan_unicode(struct scan *sc, const char *p, int ndigits, struct strbuf *b)
{
	unsigned long	 cp = 0;
	int		 i, d;

	for (i = 0; i < ndigits; i++) {
		if ((d = hexval((unsigned char)p[i])) == -1) {
			seterr(sc->err, sc->errlen, "\\%c needs exactly %d hex "
			    "digits", ndigits == 4 ? 'u' : 'U', ndigits);
			return -1;
		}
		cp = (cp << 4) | (unsigned long)d;
	}
	if (cp == 0) {
		seterr(sc->err, sc->errlen, "a string cannot hold a NUL "
		    "character (\\u0000)");
		return -1;
	}
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
		if (sc->quiet)
			seterr(sc->err, sc->errlen, "an escape in the string for "
			    "'%s' is not a Unicode scalar value", sc->key);
		else
			seterr(sc->err, sc->errlen, "\\%c%.*s is not a Unicode "
			    "scalar value", ndigits == 4 ? 'u' : 'U', ndigits, p);
		return -1;
	}
	put_utf8(b, cp);
	return 0;
}

/* Refuse a control character inside a string. */
static int
bad_control(struct scan *sc, unsigned char c)
{
	if (c == '\0') {
		seterr(sc->err, sc->errlen, "missing closing quote in the "
		    "value of '%s'", sc->key);
		return 1;
	}
	if ((c < 0x20 && c != '\t') || c == 0x7f) {
		seterr(sc->err, sc->errlen, "control character in the string "
		    "for '%s' (write it as an escape such as \\n)", sc->key);
		return 1;
	}
	return 0;
}

/* "basic string" with escapes. */
static int
scan_basic(struct scan *sc, struct cval *v)
{
	struct strbuf	 b = { NULL, 0, 0 };
	const char	*p = sc->p + 1;
	int		 n;

	if (p[0] == '"' && p[1] == '"') {
		seterr(sc->err, sc->errlen, "multi-line strings (\"\"\") are "
		    "not supported; write the value of '%s' on one line",
		    sc->key);
		return -1;
	}
	strbuf_add(&b, "", 0);
	for (; *p != '"'; p++) {
		if (bad_control(sc, (unsigned char)*p))
			goto fail;
		if (*p != '\\') {
			strbuf_addc(&b, *p);
			continue;
		}
		p++;
		switch (*p) {
		case 'b': strbuf_addc(&b, '\b'); break;
		case 't': strbuf_addc(&b, '\t'); break;
		case 'n': strbuf_addc(&b, '\n'); break;
		case 'f': strbuf_addc(&b, '\f'); break;
		case 'r': strbuf_addc(&b, '\r'); break;
		case '"': strbuf_addc(&b, '"'); break;
		case '\\': strbuf_addc(&b, '\\'); break;
		case 'u':
		case 'U':
			n = *p == 'u' ? 4 : 8;
			if (scan_unicode(sc, p + 1, n, &b) == -1)
				goto fail;
			p += n;
			break;
		case '\0':
			seterr(sc->err, sc->errlen, "missing closing quote in "
			    "the value of '%s'", sc->key);
			goto fail;
		default:
			if (!sc->quiet && isprint((unsigned char)*p))
				seterr(sc->err, sc->errlen, "invalid escape "
				    "'\\%c' in the string for '%s' (write \\\\ "
				    "for a backslash)", *p, sc->key);
			else
				seterr(sc->err, sc->errlen, "invalid escape in "
				    "the string for '%s'", sc->key);
			goto fail;
		}
	}
	sc->p = p + 1;
	v->type = CVAL_STRING;
	v->s = b.s;
	return 0;
fail:
	free(b.s);
	return -1;
}

/* 'literal string', no escapes. */
static int
scan_literal(struct scan *sc, struct cval *v)
{
	const char	*p = sc->p + 1, *start;

	if (p[0] == '\'' && p[1] == '\'') {
		seterr(sc->err, sc->errlen, "multi-line strings (''') are not "
		    "supported; write the value of '%s' on one line", sc->key);
		return -1;
	}
	for (start = p; *p != '\''; p++)
		if (bad_control(sc, (unsigned char)*p))
			return -1;
	v->type = CVAL_STRING;
	v->s = xstrndup(start, p - start);
	sc->p = p + 1;
	return 0;
}

/* Whether c is a digit in base. */
static int
is_digit_base(int c, int base)
{
	switch (base) {
	case 2:
		return c == '0' || c == '1';
	case 8:
		return c >= '0' && c <= '7';
	case 16:
		return hexval(c) != -1;
	default:
		return c >= '0' && c <= '9';
	}
}

/*
 * Copy digits in base from *pp into buf, allowing single underscores
 * between digits. Returns how many digits, or -1 for a misplaced '_'.
 */
static int
take_digits(const char **pp, int base, char *buf, size_t *n, size_t size)
{
	const char	*p = *pp;
	int		 count = 0;

	for (;;) {
		if (is_digit_base((unsigned char)*p, base)) {
			if (*n + 1 >= size)
				return -1;
			buf[(*n)++] = *p++;
			count++;
		} else if (*p == '_') {
			if (count == 0 ||
			    !is_digit_base((unsigned char)p[1], base))
				return -1;
			p++;
		} else
			break;
	}
	buf[*n] = '\0';
	*pp = p;
	return count;
}

/* Name the value in an error: the token itself, or the key when quiet. */
static void
tok_subject(struct scan *sc, const char *tok, char *buf, size_t len)
{
	const char	*p;

	for (p = tok; *p != '\0'; p++)
		if (iscntrl((unsigned char)*p))
			break;
	if (sc->quiet || *p != '\0')
		snprintf(buf, len, "the value of '%s'", sc->key);
	else
		snprintf(buf, len, "'%s'", tok);
}

/* An integer in base 16, 8 or 2 after its 0x, 0o or 0b prefix. */
static int
scan_prefixed(struct scan *sc, const char *tok, struct cval *v)
{
	char		 buf[TOML_MAXTOKEN], subj[TOML_MAXTOKEN + 32];
	const char	*p = tok + 2;
	size_t		 n = 0;
	int		 base, count;
	long long	 ll;

	base = tok[1] == 'x' ? 16 : tok[1] == 'o' ? 8 : 2;
	tok_subject(sc, tok, subj, sizeof subj);
	count = take_digits(&p, base, buf, &n, sizeof buf);
	if (count <= 0 || *p != '\0') {
		seterr(sc->err, sc->errlen, "%s is not a valid %s integer",
		    subj, base == 16 ? "hexadecimal" : base == 8 ? "octal" :
		    "binary");
		return -1;
	}
	errno = 0;
	ll = strtoll(buf, NULL, base);
	if (errno == ERANGE) {
		seterr(sc->err, sc->errlen, "%s is out of range for a 64-bit "
		    "integer", subj);
		return -1;
	}
	v->type = CVAL_INTEGER;
	v->i = ll;
	return 0;
}

/* A decimal integer or a float: [+-]int[.frac][e[+-]exp], underscores. */
static int
scan_number(struct scan *sc, const char *tok, struct cval *v)
{
	char		 buf[TOML_MAXTOKEN], subj[TOML_MAXTOKEN + 32];
	const char	*p = tok;
	size_t		 n = 0;
	int		 isfloat = 0;
	long long	 ll;
	double		 d;

	tok_subject(sc, tok, subj, sizeof subj);
	if (tok[0] == '0' && (tok[1] == 'x' || tok[1] == 'o' || tok[1] == 'b'))
		return scan_prefixed(sc, tok, v);
	if (*p == '+' || *p == '-')
		buf[n++] = *p++;
	if (p[0] == '0' && (isdigit((unsigned char)p[1]) || p[1] == '_')) {
		seterr(sc->err, sc->errlen, "%s: leading zeros are not allowed "
		    "in numbers", subj);
		return -1;
	}
	if (take_digits(&p, 10, buf, &n, sizeof buf) <= 0)
		goto bad;
	if (*p == '.') {
		buf[n++] = *p++;
		if (take_digits(&p, 10, buf, &n, sizeof buf) <= 0)
			goto bad;
		isfloat = 1;
	}
	if (*p == 'e' || *p == 'E') {
		buf[n++] = *p++;
		if (*p == '+' || *p == '-')
			buf[n++] = *p++;
		if (take_digits(&p, 10, buf, &n, sizeof buf) <= 0)
			goto bad;
		isfloat = 1;
	}
	if (*p != '\0')
		goto bad;
	errno = 0;
	if (isfloat) {
		d = strtod(buf, NULL);
		if (errno == ERANGE && isinf(d)) {
			seterr(sc->err, sc->errlen, "%s is out of range for a "
			    "float", subj);
			return -1;
		}
		v->type = CVAL_FLOAT;
		v->f = d;
		return 0;
	}
	ll = strtoll(buf, NULL, 10);
	if (errno == ERANGE) {
		seterr(sc->err, sc->errlen, "%s is out of range for a 64-bit "
		    "integer", subj);
		return -1;
	}
	v->type = CVAL_INTEGER;
	v->i = ll;
	return 0;
bad:
	if (strchr(tok, '_') != NULL)
		seterr(sc->err, sc->errlen, "%s is not a valid number (an "
		    "underscore must sit between two digits)", subj);
	else
		seterr(sc->err, sc->errlen, "%s is not a valid number", subj);
	return -1;
}

/* Whether a bare token starts like a date (1979-05-27) or a time (07:32). */
static int
looks_like_date(const char *t)
{
	int	 i;

	for (i = 0; i < 4 && isdigit((unsigned char)t[i]); i++)
		/* nothing */;
	return (i == 4 && t[4] == '-') || (i >= 2 && t[2] == ':');
}

/* Explain a bare word: strings need quotes. */
static void
bare_word(struct scan *sc, const char *hint, size_t len, int inarray)
{
	char	 where[128];
	size_t	 i;
	int	 show = !sc->quiet && len > 0 && len <= TOML_MAXHINT;

	for (i = 0; show && i < len; i++)
		if (hint[i] == '"' || hint[i] == '\\' ||
		    iscntrl((unsigned char)hint[i]))
			show = 0;
	if (inarray)
		snprintf(where, sizeof where, "in the array for '%s'", sc->key);
	else
		snprintf(where, sizeof where, "after '%s ='", sc->key);
	if (show)
		seterr(sc->err, sc->errlen, "expected a value %s (strings need "
		    "quotes: \"%.*s\")", where, (int)len, hint);
	else
		seterr(sc->err, sc->errlen, "expected a value %s (strings need "
		    "quotes)", where);
}

/* A bare token: true, false, a number, inf, nan, or a mistake. */
static int
scan_bare(struct scan *sc, struct cval *v, int inarray)
{
	char		 tok[TOML_MAXTOKEN];
	const char	*p = sc->p, *end;
	size_t		 len;

	while (*p != '\0' && *p != ' ' && *p != '\t' && *p != ',' &&
	    *p != ']' && *p != '#')
		p++;
	len = p - sc->p;
	if (len == 0) {
		if (inarray)
			seterr(sc->err, sc->errlen, "expected a value in the "
			    "array for '%s'", sc->key);
		else
			seterr(sc->err, sc->errlen, "expected a value after "
			    "'%s ='", sc->key);
		return -1;
	}
	if (len >= sizeof tok) {
		bare_word(sc, sc->p, 0, inarray);
		return -1;
	}
	memcpy(tok, sc->p, len);
	tok[len] = '\0';
	if (strcmp(tok, "true") == 0 || strcmp(tok, "false") == 0) {
		v->type = CVAL_BOOL;
		v->b = tok[0] == 't';
	} else if (strcmp(tok, "inf") == 0 || strcmp(tok, "+inf") == 0 ||
	    strcmp(tok, "-inf") == 0) {
		v->type = CVAL_FLOAT;
		v->f = tok[0] == '-' ? -INFINITY : INFINITY;
	} else if (strcmp(tok, "nan") == 0 || strcmp(tok, "+nan") == 0 ||
	    strcmp(tok, "-nan") == 0) {
		v->type = CVAL_FLOAT;
		v->f = NAN;
	} else if (looks_like_date(tok)) {
		seterr(sc->err, sc->errlen, "dates and times are not supported; "
		    "write the value of '%s' as a string", sc->key);
		return -1;
	} else if (isdigit((unsigned char)tok[0]) || ((tok[0] == '+' ||
	    tok[0] == '-' || tok[0] == '.') && tok[1] != '\0')) {
		if (scan_number(sc, tok, v) == -1)
			return -1;
	} else {
		if (!inarray) {
			/* Quote back the rest of the line, up to a comment. */
			end = sc->p + strcspn(sc->p, "#");
			while (end > sc->p && (end[-1] == ' ' ||
			    end[-1] == '\t'))
				end--;
			bare_word(sc, sc->p, end - sc->p, 0);
		} else
			bare_word(sc, tok, len, 1);
		return -1;
	}
	sc->p = p;
	return 0;
}

/* [a, b, c] on one line; trailing comma allowed, no nesting. */
static int
scan_array(struct scan *sc, struct cval *v)
{
	struct cval	 item;

	v->type = CVAL_ARRAY;
	sc->p = skip_ws(sc->p + 1);
	while (*sc->p != ']') {
		if (*sc->p == '\0' || *sc->p == '#') {
			seterr(sc->err, sc->errlen, "multi-line arrays are not "
			    "supported; write the array for '%s' on one line",
			    sc->key);
			return -1;
		}
		memset(&item, 0, sizeof item);
		if (scan_value(sc, &item, 1) == -1)
			return -1;
		v->items = xreallocarray(v->items, v->nitems + 1,
		    sizeof *v->items);
		v->items[v->nitems++] = item;
		sc->p = skip_ws(sc->p);
		if (*sc->p == ',')
			sc->p = skip_ws(sc->p + 1);
		else if (*sc->p != ']' && *sc->p != '\0' && *sc->p != '#') {
			seterr(sc->err, sc->errlen, "expected ',' or ']' in the "
			    "array for '%s'", sc->key);
			return -1;
		}
	}
	sc->p++;
	return 0;
}

/* One value at sc->p. */
static int
scan_value(struct scan *sc, struct cval *v, int inarray)
{
	switch (*sc->p) {
	case '\0':
	case '#':
		seterr(sc->err, sc->errlen, "missing value after '%s ='",
		    sc->key);
		return -1;
	case ',':
		seterr(sc->err, sc->errlen, "missing value in the array for "
		    "'%s'", sc->key);
		return -1;
	case '{':
		seterr(sc->err, sc->errlen, "inline tables are not supported; "
		    "use a [section] for '%s'", sc->key);
		return -1;
	case '[':
		if (inarray) {
			seterr(sc->err, sc->errlen, "nested arrays are not "
			    "supported (in the array for '%s')", sc->key);
			return -1;
		}
		return scan_array(sc, v);
	case '"':
		return scan_basic(sc, v);
	case '\'':
		return scan_literal(sc, v);
	default:
		return scan_bare(sc, v, inarray);
	}
}

/*
 * Parse what follows "key =": one value, blanks, an optional # comment.
 * When quiet, the value is never quoted back in an error.
 */
int
toml_value(const char *s, const char *key, int quiet, struct cval *v,
    char *err, size_t errlen)
{
	struct scan	 sc;

	memset(v, 0, sizeof *v);
	sc.p = skip_ws(s);
	sc.key = key;
	sc.quiet = quiet;
	sc.err = err;
	sc.errlen = errlen;
	if (scan_value(&sc, v, 0) == -1)
		goto fail;
	sc.p = skip_ws(sc.p);
	if (*sc.p == ';') {
		seterr(err, errlen, "';' does not start a comment in TOML; use "
		    "'#'");
		goto fail;
	}
	if (*sc.p != '\0' && *sc.p != '#') {
		seterr(err, errlen, "unexpected text after the value of '%s' "
		    "(comments start with #)", key);
		goto fail;
	}
	return 0;
fail:
	cval_free(v);
	return -1;
}

/* Write a string as a canonical basic string; ';' and '#' as \u escapes. */
static void
emit_string(struct strbuf *b, const char *s)
{
	char	 esc[8];

	strbuf_addc(b, '"');
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '"': strbuf_add(b, "\\\"", 2); break;
		case '\\': strbuf_add(b, "\\\\", 2); break;
		case '\b': strbuf_add(b, "\\b", 2); break;
		case '\t': strbuf_add(b, "\\t", 2); break;
		case '\n': strbuf_add(b, "\\n", 2); break;
		case '\f': strbuf_add(b, "\\f", 2); break;
		case '\r': strbuf_add(b, "\\r", 2); break;
		default:
			if (*s == ';' || *s == '#' ||
			    (unsigned char)*s < 0x20 || *s == 0x7f) {
				snprintf(esc, sizeof esc, "\\u%04X",
				    (unsigned char)*s);
				strbuf_add(b, esc, strlen(esc));
			} else
				strbuf_addc(b, *s);
			break;
		}
	}
	strbuf_addc(b, '"');
}

/* Write one value into b. */
static void
emit_value(struct strbuf *b, const struct cval *v)
{
	char	 num[64];
	size_t	 i;

	switch (v->type) {
	case CVAL_STRING:
		emit_string(b, v->s);
		return;
	case CVAL_INTEGER:
		snprintf(num, sizeof num, "%lld", v->i);
		break;
	case CVAL_FLOAT:
		if (isnan(v->f))
			strlcpy(num, "nan", sizeof num);
		else if (isinf(v->f))
			strlcpy(num, v->f < 0 ? "-inf" : "inf", sizeof num);
		else {
			snprintf(num, sizeof num, "%.17g", v->f);
			if (strpbrk(num, ".e") == NULL)
				strlcat(num, ".0", sizeof num);
		}
		break;
	case CVAL_BOOL:
		strlcpy(num, v->b ? "true" : "false", sizeof num);
		break;
	case CVAL_ARRAY:
		strbuf_addc(b, '[');
		for (i = 0; i < v->nitems; i++) {
			if (i > 0)
				strbuf_addc(b, ',');
			emit_value(b, &v->items[i]);
		}
		strbuf_addc(b, ']');
		return;
	}
	strbuf_add(b, num, strlen(num));
}

/* The canonical one-line text of a value; free it with free(). */
char *
toml_emit(const struct cval *v)
{
	struct strbuf	 b = { NULL, 0, 0 };

	strbuf_add(&b, "", 0);
	emit_value(&b, v);
	return b.s;
}
