/* query.c -- compile a log query into a tree and match it against lines */

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "logline.h"
#include "query.h"
#include "util.h"

#define QUERY_VALBUF	4096	/* an unescaped value is cut to this */
#define QUERY_NUMBUF	64	/* longest text read as a number */

enum qtype {
	Q_ALL,			/* '*' or an empty query */
	Q_AND,
	Q_OR,
	Q_NOT,
	Q_TEXT,			/* free text */
	Q_FIELD			/* field:value */
};

enum qwhere {
	QW_KEY,			/* a field found by log_field_get */
	QW_LEVEL,		/* rec->level */
	QW_MESSAGE		/* rec->msg */
};

enum qtest {
	QT_PATTERN,		/* exact, substring or glob */
	QT_EXISTS,
	QT_LT,
	QT_LE,
	QT_GT,
	QT_GE
};

/* One piece of a pattern: lower case text between two '*'. */
struct qseg {
	const char	*s;
	size_t		 len;
};

struct qnode {
	enum qtype	 type;
	struct qnode	*kid;		/* AND, OR, NOT: first operand */
	struct qnode	*next;		/* the next operand of the parent */

	enum qwhere	 where;		/* FIELD */
	char		*key;
	enum qtest	 test;
	double		 num;		/* LT, LE, GT, GE */

	char		*text;		/* TEXT, FIELD: value or number text */
	struct qseg	*seg;		/* pieces of text, split at '*' */
	size_t		 nseg;
	int		 glob;		/* written with '*' */
	int		 anchored;	/* whole value, not a substring */
};

struct query {
	struct qnode	*root;
};

/* How each test is written after the ':'. */
static const char	*test_ops[] = { "", "*", "<", "<=", ">", ">=" };

enum qtok {
	T_END,
	T_LPAREN,
	T_RPAREN,
	T_AND,
	T_OR,
	T_NOT,
	T_MINUS,
	T_QUOTED,
	T_WORD,
	T_FIELD,		/* word followed by ':' */
	T_COLON			/* ':' with no field name */
};

struct token {
	enum qtok	 type;
	size_t		 start;
	size_t		 end;		/* where the token ends */
	size_t		 len;		/* WORD, FIELD: length of the word */
};

struct parser {
	const char	*s;
	size_t		 pos;
	int		 depth;
	size_t		 nterms;
	const char	*group;		/* key of an open field:( ), or NULL */
	enum qwhere	 groupwhere;
	char		*err;
	size_t		 errlen;
};

/* Match context: the message is unescaped at most once per line. */
struct qctx {
	const struct log_rec	*rec;
	int			 msgdone;
	const char		*msg;
	size_t			 msglen;
	char			 msgbuf[QUERY_VALBUF];
};

static struct qnode	*parse_or(struct parser *);

/* ASCII lower case, whatever the locale. */
static unsigned char
lc(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? c | 0x20 : c;
}

/* Whether a byte separates tokens: blanks and control characters. */
static int
is_blank(unsigned char c)
{
	return c <= 0x20 || c == 0x7f;
}

/* Whether len bytes of a equal the lower case needle n, ignoring case. */
static int
ci_eq(const char *a, const char *n, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (lc((unsigned char)a[i]) != (unsigned char)n[i])
			return 0;
	return 1;
}

/* The next byte equal to c at or after p and before end, or NULL. */
static const char *
find_byte(const char *p, const char *end, int c)
{
	if (p >= end)
		return NULL;
	return memchr(p, c, end - p);
}

/*
 * Find the lower case needle n in h ignoring case, without allocating:
 * memchr finds the candidates for the first byte in either case.
 */
static const char *
ci_find(const char *h, size_t hlen, const char *n, size_t nlen)
{
	const char	*end, *lo, *up, *p;
	unsigned char	 c;

	if (nlen == 0)
		return h;
	if (nlen > hlen)
		return NULL;
	end = h + (hlen - nlen) + 1;	/* candidates lie in [h, end) */
	c = (unsigned char)n[0];
	if (c < 'a' || c > 'z') {
		for (p = h; (p = find_byte(p, end, c)) != NULL; p++)
			if (ci_eq(p + 1, n + 1, nlen - 1))
				return p;
		return NULL;
	}
	lo = find_byte(h, end, c);
	up = find_byte(h, end, c - 32);
	while (lo != NULL || up != NULL) {
		if (up == NULL || (lo != NULL && lo < up)) {
			p = lo;
			lo = find_byte(p + 1, end, c);
		} else {
			p = up;
			up = find_byte(p + 1, end, c - 32);
		}
		if (ci_eq(p + 1, n + 1, nlen - 1))
			return p;
	}
	return NULL;
}

/* Whether a value matches a node's pattern. */
static int
pattern_match(const struct qnode *n, const char *v, size_t vlen)
{
	const struct qseg	*g;
	const char		*p;
	size_t			 pos = 0, i = 0;

	if (!n->glob) {
		g = &n->seg[0];
		if (n->anchored)
			return vlen == g->len && ci_eq(v, g->s, g->len);
		return ci_find(v, vlen, g->s, g->len) != NULL;
	}
	if (n->anchored) {
		g = &n->seg[0];
		if (vlen < g->len || !ci_eq(v, g->s, g->len))
			return 0;
		pos = g->len;
		i = 1;
	}
	for (; i < n->nseg; i++) {
		g = &n->seg[i];
		if (n->anchored && i == n->nseg - 1) {
			/* The last piece ends the value, after the others. */
			return vlen - pos >= g->len &&
			    ci_eq(v + vlen - g->len, g->s, g->len);
		}
		if ((p = ci_find(v + pos, vlen - pos, g->s, g->len)) == NULL)
			return 0;
		pos = (p - v) + g->len;
	}
	return 1;
}

/* Read text as a whole finite number; 0 when it is not one. */
static int
text_number(const char *v, size_t vlen, double *d)
{
	char	 buf[QUERY_NUMBUF], *end;

	if (vlen == 0 || vlen >= sizeof buf)
		return 0;
	memcpy(buf, v, vlen);
	buf[vlen] = '\0';
	*d = strtod(buf, &end);
	return *end == '\0' && !is_blank((unsigned char)buf[0]) &&
	    isfinite(*d);
}

/* Whether a number passes a node's comparison. */
static int
number_match(const struct qnode *n, double d)
{
	switch (n->test) {
	case QT_LT:
		return d < n->num;
	case QT_LE:
		return d <= n->num;
	case QT_GT:
		return d > n->num;
	case QT_GE:
		return d >= n->num;
	default:
		return 0;
	}
}

/* Unescape a value into buf when it holds escapes; return its length. */
static size_t
value_text(const char *v, size_t vlen, int quoted, char *buf, size_t size,
    const char **out)
{
	size_t	 n;

	if (!quoted || memchr(v, '\\', vlen) == NULL) {
		*out = v;
		return vlen;
	}
	/* The copy may stop short of size - 1 to keep UTF-8 whole. */
	if ((n = log_unescape(v, vlen, quoted, buf, size)) >= size)
		n = strnlen(buf, size - 1);
	*out = buf;
	return n;
}

/* The text free text searches: the message, or the whole line. */
static void
ctx_message(struct qctx *c)
{
	const struct log_rec	*rec = c->rec;

	if (c->msgdone)
		return;
	c->msgdone = 1;
	if (rec->msg == NULL) {
		c->msg = NULL;
		c->msglen = 0;
		return;
	}
	c->msglen = value_text(rec->msg, rec->msglen, rec->msg_quoted,
	    c->msgbuf, sizeof c->msgbuf, &c->msg);
}

/* Whether a field:value term matches the record. */
static int
field_match(const struct qnode *n, struct qctx *c)
{
	const struct log_rec	*rec = c->rec;
	const struct log_field	*f;
	const char		*v;
	size_t			 vlen;
	double			 d;
	char			 buf[QUERY_VALBUF];

	switch (n->where) {
	case QW_LEVEL:
		if (rec->level == NULL)
			return 0;
		v = rec->level;
		vlen = rec->levellen;
		break;
	case QW_MESSAGE:
		ctx_message(c);
		if (c->msg == NULL)
			return 0;
		v = c->msg;
		vlen = c->msglen;
		break;
	default:
		if ((f = log_field_get(rec, n->key)) == NULL)
			return 0;
		if (n->test == QT_EXISTS)
			return 1;
		if (n->test != QT_PATTERN) {
			if (log_field_number(f, &d) != 0)
				return 0;
			return number_match(n, d);
		}
		vlen = value_text(f->val, f->vallen, f->quoted, buf,
		    sizeof buf, &v);
		break;
	}
	if (n->test == QT_EXISTS)
		return 1;
	if (n->test != QT_PATTERN)
		return text_number(v, vlen, &d) && number_match(n, d);
	return pattern_match(n, v, vlen);
}

/* Whether a node matches the record. */
static int
node_match(const struct qnode *n, struct qctx *c)
{
	const struct qnode	*k;

	switch (n->type) {
	case Q_ALL:
		return 1;
	case Q_AND:
		for (k = n->kid; k != NULL; k = k->next)
			if (!node_match(k, c))
				return 0;
		return 1;
	case Q_OR:
		for (k = n->kid; k != NULL; k = k->next)
			if (node_match(k, c))
				return 1;
		return 0;
	case Q_NOT:
		return !node_match(n->kid, c);
	case Q_TEXT:
		ctx_message(c);
		if (c->msg == NULL)
			return pattern_match(n, c->rec->line, c->rec->len);
		return pattern_match(n, c->msg, c->msglen);
	case Q_FIELD:
		return field_match(n, c);
	}
	return 0;
}

/* Whether the query matches a parsed line; a NULL query matches all. */
int
query_match(const struct query *q, const struct log_rec *rec)
{
	struct qctx	 c;

	if (q == NULL)
		return 1;
	c.rec = rec;
	c.msgdone = 0;
	return node_match(q->root, &c);
}

/* Free a node, its operands and the operands after it. */
static void
node_free(struct qnode *n)
{
	struct qnode	*next;

	for (; n != NULL; n = next) {
		next = n->next;
		node_free(n->kid);
		free(n->key);
		free(n->text);
		free(n->seg);
		free(n);
	}
}

/* Free a compiled query. */
void
query_free(struct query *q)
{
	if (q == NULL)
		return;
	node_free(q->root);
	free(q);
}

/* A new node of a type. */
static struct qnode *
node_new(enum qtype type)
{
	struct qnode	*n;

	n = xcalloc(1, sizeof *n);
	n->type = type;
	return n;
}

/*
 * Join two operands under AND or OR. Operands that are already of that
 * type are spliced in, so a AND (b AND c) is one node with three.
 */
static struct qnode *
node_join(enum qtype type, struct qnode *l, struct qnode *r)
{
	struct qnode	*n, *last;

	if (l->type == type)
		n = l;
	else {
		n = node_new(type);
		n->kid = l;
	}
	for (last = n->kid; last->next != NULL; last = last->next)
		;
	if (r->type == type) {
		last->next = r->kid;
		r->kid = NULL;
		node_free(r);
	} else
		last->next = r;
	return n;
}

/*
 * Keep text (lower cased) as a node's pattern. A glob is split at each
 * '*'; empty pieces are dropped where they mean nothing. Returns 0 when
 * nothing but '*' is left.
 */
static int
node_pattern(struct qnode *n, char *text, size_t len, int glob,
    int anchored)
{
	size_t	 i, start;

	for (i = 0; i < len; i++)
		text[i] = lc((unsigned char)text[i]);
	n->text = text;
	n->anchored = anchored;
	n->seg = xcalloc(len + 1, sizeof *n->seg);
	if (!glob || memchr(text, '*', len) == NULL) {
		n->seg[0].s = text;
		n->seg[0].len = len;
		n->nseg = 1;
		return 1;
	}
	n->glob = 1;
	for (start = 0, i = 0; i <= len; i++) {
		if (i < len && text[i] != '*')
			continue;
		/* Anchored globs keep an empty first and last piece. */
		if (i > start || (anchored && (start == 0 || i == len))) {
			n->seg[n->nseg].s = text + start;
			n->seg[n->nseg].len = i - start;
			n->nseg++;
		}
		start = i + 1;
	}
	if (anchored) {
		for (i = 0; i < n->nseg; i++)
			if (n->seg[i].len != 0)
				return 1;
		return 0;
	}
	if (n->nseg == 1)
		n->glob = 0;	/* *timeout* is a plain substring */
	return n->nseg != 0;
}

/* Fill the error buffer with a message about column col (from 0). */
static void __attribute__((format(printf, 3, 4)))
parse_error(struct parser *p, size_t col, const char *fmt, ...)
{
	char	 msg[128];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	seterr(p->err, p->errlen, "query: %s at column %zu", msg, col + 1);
}

/* Whether a byte ends a word; inside field:( ) a ':' does not. */
static int
ends_word(const struct parser *p, unsigned char c)
{
	return c == '\0' || is_blank(c) || c == '(' || c == ')' ||
	    c == '"' || (c == ':' && p->group == NULL);
}

/* Look at the next token without taking it. */
static struct token
peek(struct parser *p)
{
	struct token	 t;
	const char	*s = p->s;
	size_t		 i;

	while (s[p->pos] != '\0' && is_blank((unsigned char)s[p->pos]))
		p->pos++;
	memset(&t, 0, sizeof t);
	t.start = i = p->pos;
	t.end = i + 1;
	switch (s[i]) {
	case '\0':
		t.type = T_END;
		t.end = i;
		return t;
	case '(':
		t.type = T_LPAREN;
		return t;
	case ')':
		t.type = T_RPAREN;
		return t;
	case '"':
		t.type = T_QUOTED;
		return t;
	case '-':
		t.type = T_MINUS;
		return t;
	case ':':
		if (p->group == NULL) {
			t.type = T_COLON;
			return t;
		}
		break;
	}
	while (!ends_word(p, (unsigned char)s[i]))
		i++;
	t.len = i - t.start;
	t.end = i;
	t.type = T_WORD;
	if (p->group == NULL && s[i] == ':') {
		t.type = T_FIELD;
		t.end = i + 1;
	} else if (t.len == 3 && strncmp(s + t.start, "AND", 3) == 0)
		t.type = T_AND;
	else if (t.len == 2 && strncmp(s + t.start, "OR", 2) == 0)
		t.type = T_OR;
	else if (t.len == 3 && strncmp(s + t.start, "NOT", 3) == 0)
		t.type = T_NOT;
	return t;
}

/* Whether a token can begin a term. */
static int
starts_term(enum qtok type)
{
	switch (type) {
	case T_LPAREN:
	case T_NOT:
	case T_MINUS:
	case T_QUOTED:
	case T_WORD:
	case T_FIELD:
	case T_COLON:
		return 1;
	default:
		return 0;
	}
}

/* The name of an operator token, for messages. */
static const char *
tok_name(enum qtok type)
{
	switch (type) {
	case T_AND:
		return "AND";
	case T_OR:
		return "OR";
	case T_NOT:
		return "NOT";
	case T_MINUS:
		return "-";
	default:
		return "(";
	}
}

/* Check that a term follows the operator just taken; -1 if not. */
static int
expect_term(struct parser *p, enum qtok op)
{
	struct token	 t;

	t = peek(p);
	if (starts_term(t.type))
		return 0;
	parse_error(p, t.start, "expected a term after %s", tok_name(op));
	return -1;
}

/* Count one more term; -1 past the limit. */
static int
count_term(struct parser *p, size_t col)
{
	if (++p->nterms > QUERY_MAXTERMS) {
		parse_error(p, col, "more than %d terms", QUERY_MAXTERMS);
		return -1;
	}
	return 0;
}

/* Go one level deeper; -1 past the limit. */
static int
descend(struct parser *p, size_t col)
{
	if (++p->depth > QUERY_MAXDEPTH) {
		parse_error(p, col, "nesting deeper than %d", QUERY_MAXDEPTH);
		return -1;
	}
	return 0;
}

/*
 * Read a quoted string at p->pos into a new string, handling \" and \\;
 * any other backslash is kept as it is.
 */
static char *
read_quoted(struct parser *p, size_t *lenp)
{
	const char	*s = p->s;
	size_t		 start = p->pos, i, n = 0;
	char		*out;

	for (i = start + 1; s[i] != '"'; i++) {
		if (s[i] == '\0') {
			parse_error(p, start, "unterminated quote");
			return NULL;
		}
		if (s[i] == '\\' && (s[i + 1] == '"' || s[i + 1] == '\\'))
			i++;
		n++;
	}
	out = xmalloc(n + 1);
	for (n = 0, i = start + 1; s[i] != '"'; i++) {
		if (s[i] == '\\' && (s[i + 1] == '"' || s[i + 1] == '\\'))
			i++;
		out[n++] = s[i];
	}
	out[n] = '\0';
	p->pos = i + 1;
	*lenp = n;
	return out;
}

/* Read a bare word at p->pos (values may hold ':'); its length. */
static size_t
read_bare(struct parser *p)
{
	const char	*s = p->s;
	size_t		 start = p->pos;
	unsigned char	 c;

	for (; (c = (unsigned char)s[p->pos]) != '\0'; p->pos++)
		if (is_blank(c) || c == '(' || c == ')' || c == '"')
			break;
	return p->pos - start;
}

/* Read the number after a comparison into a FIELD node. */
static int
parse_number(struct parser *p, struct qnode *n, const char *op)
{
	size_t	 start = p->pos, len;

	len = read_bare(p);
	n->text = xstrndup(p->s + start, len);
	if (!text_number(n->text, len, &n->num)) {
		parse_error(p, start, "expected a number after %s", op);
		return -1;
	}
	return 0;
}

/* Resolve a field name and its aliases; the key to look up. */
static char *
field_key(const char *name, size_t len, enum qwhere *where)
{
	static const struct {
		const char	*name;
		const char	*key;
		enum qwhere	 where;
	} alias[] = {
		{ "level", "level", QW_LEVEL },
		{ "lvl", "level", QW_LEVEL },
		{ "severity", "level", QW_LEVEL },
		{ "message", "message", QW_MESSAGE },
		{ "msg", "message", QW_MESSAGE },
		{ "service", "service", QW_KEY },
		{ "svc", "service", QW_KEY },
		{ "app", "service", QW_KEY },
	};
	size_t	 i;

	for (i = 0; i < nitems(alias); i++) {
		if (strlen(alias[i].name) == len &&
		    strncasecmp(alias[i].name, name, len) == 0) {
			*where = alias[i].where;
			return xstrdup(alias[i].key);
		}
	}
	*where = QW_KEY;
	return xstrndup(name, len);
}

/* Parse one value of a field at p->pos into a FIELD node. */
static struct qnode *
parse_value(struct parser *p, const char *key, enum qwhere where)
{
	struct qnode	*n;
	const char	*s = p->s;
	size_t		 start = p->pos, len;
	char		*text;
	int		 anchored;

	if (count_term(p, start) == -1)
		return NULL;
	n = node_new(Q_FIELD);
	n->key = xstrdup(key);
	n->where = where;
	anchored = where != QW_MESSAGE;
	if (s[start] == '"') {
		if ((text = read_quoted(p, &len)) == NULL)
			goto fail;
		node_pattern(n, text, len, 0, anchored);
		return n;
	}
	if (s[start] == '<' || s[start] == '>') {
		n->test = s[start] == '<' ? QT_LT : QT_GT;
		p->pos++;
		if (s[p->pos] == '=') {
			n->test = n->test == QT_LT ? QT_LE : QT_GE;
			p->pos++;
		}
		if (parse_number(p, n, test_ops[n->test]) == -1)
			goto fail;
		return n;
	}
	if ((len = read_bare(p)) == 0) {
		parse_error(p, start, "expected a value after ':'");
		goto fail;
	}
	text = xstrndup(s + start, len);
	if (!node_pattern(n, text, len, 1, 1))
		n->test = QT_EXISTS;
	else if (!n->glob)
		n->anchored = anchored;
	return n;

fail:
	node_free(n);
	return NULL;
}

/* Parse the ( ... ) after field: with each term a value of that field. */
static struct qnode *
parse_group(struct parser *p, const char *key, enum qwhere where)
{
	struct qnode	*n;
	struct token	 t;
	size_t		 open = p->pos;

	if (descend(p, open) == -1)
		return NULL;
	p->pos++;
	t = peek(p);
	if (t.type == T_RPAREN || t.type == T_END) {
		parse_error(p, open, t.type == T_END ?
		    "unbalanced parenthesis" : "empty parentheses");
		return NULL;
	}
	p->group = key;
	p->groupwhere = where;
	n = parse_or(p);
	p->group = NULL;
	if (n == NULL)
		return NULL;
	if (peek(p).type != T_RPAREN) {
		parse_error(p, open, "unbalanced parenthesis");
		node_free(n);
		return NULL;
	}
	p->pos++;
	p->depth--;
	return n;
}

/* Parse field:value or field:( ... ) with the name at token t. */
static struct qnode *
parse_field(struct parser *p, struct token t)
{
	struct qnode	*n;
	enum qwhere	 where;
	char		*key;

	key = field_key(p->s + t.start, t.len, &where);
	p->pos = t.end;
	if (p->s[p->pos] == '(')
		n = parse_group(p, key, where);
	else
		n = parse_value(p, key, where);
	free(key);
	return n;
}

/* Parse free text: a word or a quoted string. */
static struct qnode *
parse_text(struct parser *p, struct token t)
{
	struct qnode	*n;
	char		*text;
	size_t		 len;
	int		 glob = 0;

	if (count_term(p, t.start) == -1)
		return NULL;
	if (t.type == T_QUOTED) {
		if ((text = read_quoted(p, &len)) == NULL)
			return NULL;
	} else {
		text = xstrndup(p->s + t.start, t.len);
		len = t.len;
		glob = 1;
		p->pos = t.end;
	}
	n = node_new(Q_TEXT);
	if (!node_pattern(n, text, len, glob, 0)) {
		node_free(n);
		n = node_new(Q_ALL);
	}
	return n;
}

/* Parse ( expr ). */
static struct qnode *
parse_paren(struct parser *p, struct token t)
{
	struct qnode	*n;
	struct token	 u;

	if (descend(p, t.start) == -1)
		return NULL;
	p->pos = t.end;
	u = peek(p);
	if (u.type == T_RPAREN) {
		parse_error(p, t.start, "empty parentheses");
		return NULL;
	}
	if (u.type == T_END) {
		parse_error(p, t.start, "unbalanced parenthesis");
		return NULL;
	}
	if ((n = parse_or(p)) == NULL)
		return NULL;
	if (peek(p).type != T_RPAREN) {
		parse_error(p, t.start, "unbalanced parenthesis");
		node_free(n);
		return NULL;
	}
	p->pos++;
	p->depth--;
	return n;
}

/* primary := ( expr ) | field:value | text | value inside field:( ). */
static struct qnode *
parse_primary(struct parser *p)
{
	struct token	 t;

	t = peek(p);
	switch (t.type) {
	case T_LPAREN:
		return parse_paren(p, t);
	case T_RPAREN:
		parse_error(p, t.start, "unbalanced parenthesis");
		return NULL;
	case T_AND:
	case T_OR:
		parse_error(p, t.start, "expected a term before %s",
		    tok_name(t.type));
		return NULL;
	case T_COLON:
		parse_error(p, t.start, "expected a field name before ':'");
		return NULL;
	case T_FIELD:
		return parse_field(p, t);
	case T_WORD:
	case T_QUOTED:
		if (p->group != NULL)
			return parse_value(p, p->group, p->groupwhere);
		return parse_text(p, t);
	default:
		parse_error(p, t.start, "expected a term");
		return NULL;
	}
}

/* not := ( NOT | - ) not | primary */
static struct qnode *
parse_not(struct parser *p)
{
	struct qnode	*n, *kid;
	struct token	 t;

	t = peek(p);
	if (t.type != T_NOT && t.type != T_MINUS)
		return parse_primary(p);
	if (descend(p, t.start) == -1)
		return NULL;
	p->pos = t.end;
	if (t.type == T_MINUS && is_blank((unsigned char)p->s[p->pos])) {
		/* A '-' must touch its term: "a - b" is a mistake. */
		parse_error(p, p->pos, "expected a term after -");
		return NULL;
	}
	if (expect_term(p, t.type) == -1)
		return NULL;
	if ((kid = parse_not(p)) == NULL)
		return NULL;
	p->depth--;
	n = node_new(Q_NOT);
	n->kid = kid;
	return n;
}

/* and := not ( AND? not )* */
static struct qnode *
parse_and(struct parser *p)
{
	struct qnode	*l, *r;
	struct token	 t;

	if ((l = parse_not(p)) == NULL)
		return NULL;
	for (;;) {
		t = peek(p);
		if (t.type == T_AND) {
			p->pos = t.end;
			if (expect_term(p, T_AND) == -1)
				goto fail;
		} else if (!starts_term(t.type))
			return l;
		if ((r = parse_not(p)) == NULL)
			goto fail;
		l = node_join(Q_AND, l, r);
	}

fail:
	node_free(l);
	return NULL;
}

/* or := and ( OR and )* */
static struct qnode *
parse_or(struct parser *p)
{
	struct qnode	*l, *r;
	struct token	 t;

	if ((l = parse_and(p)) == NULL)
		return NULL;
	while ((t = peek(p)).type == T_OR) {
		p->pos = t.end;
		if (expect_term(p, T_OR) == -1 || (r = parse_and(p)) == NULL) {
			node_free(l);
			return NULL;
		}
		l = node_join(Q_OR, l, r);
	}
	return l;
}

/*
 * Compile a query. An empty query (or only blanks) matches every line.
 * Returns NULL and fills err on a syntax error.
 */
struct query *
query_parse(const char *text, char *err, size_t errlen)
{
	struct parser	 p;
	struct query	*q;
	struct qnode	*root;
	struct token	 t;

	memset(&p, 0, sizeof p);
	p.s = text;
	p.err = err;
	p.errlen = errlen;
	if (peek(&p).type == T_END)
		root = node_new(Q_ALL);
	else {
		if ((root = parse_or(&p)) == NULL)
			return NULL;
		if ((t = peek(&p)).type != T_END) {
			/* parse_or stops only at the end or at a ')'. */
			parse_error(&p, t.start, "unbalanced parenthesis");
			node_free(root);
			return NULL;
		}
	}
	q = xcalloc(1, sizeof *q);
	q->root = root;
	return q;
}

/* Whether a field value can be written without quotes. */
static int
bare_value(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || s[0] == '<' || s[0] == '>')
		return 0;
	for (i = 0; i < len; i++)
		if (is_blank((unsigned char)s[i]) || strchr("\"()*\\", s[i]))
			return 0;
	return 1;
}

/* Append text in double quotes, escaping " and \. */
static void
describe_quoted(struct strbuf *b, const char *s, size_t len)
{
	size_t	 i;

	strbuf_add(b, "\"", 1);
	for (i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			strbuf_add(b, "\\", 1);
		strbuf_add(b, s + i, 1);
	}
	strbuf_add(b, "\"", 1);
}

/* Append a glob's pieces joined by '*'. */
static void
describe_glob(struct strbuf *b, const struct qnode *n)
{
	size_t	 i;

	for (i = 0; i < n->nseg; i++) {
		if (i > 0)
			strbuf_add(b, "*", 1);
		strbuf_add(b, n->seg[i].s, n->seg[i].len);
	}
}

/* Append a field term. */
static void
describe_field(struct strbuf *b, const struct qnode *n)
{
	const struct qseg	*g = n->seg;

	strbuf_str(b, n->key);
	strbuf_add(b, ":", 1);
	if (n->test != QT_PATTERN) {
		strbuf_str(b, test_ops[n->test]);
		if (n->test != QT_EXISTS)
			strbuf_str(b, n->text);
	} else if (n->glob)
		describe_glob(b, n);
	else if (bare_value(g->s, g->len))
		strbuf_add(b, g->s, g->len);
	else
		describe_quoted(b, g->s, g->len);
}

/* Append the canonical text of a node. */
static void
describe_node(struct strbuf *b, const struct qnode *n)
{
	const struct qnode	*k;

	switch (n->type) {
	case Q_ALL:
		strbuf_add(b, "*", 1);
		break;
	case Q_AND:
	case Q_OR:
		strbuf_add(b, "(", 1);
		for (k = n->kid; k != NULL; k = k->next) {
			if (k != n->kid)
				strbuf_str(b, n->type == Q_AND ? " AND " :
				    " OR ");
			describe_node(b, k);
		}
		strbuf_add(b, ")", 1);
		break;
	case Q_NOT:
		strbuf_str(b, "NOT ");
		describe_node(b, n->kid);
		break;
	case Q_TEXT:
		/* A leading '-' would read as NOT; a '*' there is harmless. */
		if (n->glob && n->seg[0].s[0] == '-')
			strbuf_add(b, "*", 1);
		if (n->glob)
			describe_glob(b, n);
		else
			describe_quoted(b, n->seg[0].s, n->seg[0].len);
		break;
	case Q_FIELD:
		describe_field(b, n);
		break;
	}
}

/* The canonical text of a query, for debugging and tests. */
char *
query_describe(const struct query *q)
{
	struct strbuf	 b;

	memset(&b, 0, sizeof b);
	strbuf_add(&b, "", 0);
	if (q == NULL)
		strbuf_add(&b, "*", 1);
	else
		describe_node(&b, q->root);
	return b.s;
}
