/*
 * config.c -- tinkr.toml: a TOML subset read through Debian's inih.
 *
 * Debian's libinih cuts lines at 199 characters, treats "; " as the start of
 * an inline comment, keeps "# comments", hands indented lines (even section
 * headers) to the previous key as continuations and gives the handler no
 * line number. So inih never sees the file as written: our reader parses
 * each physical line itself (toml.c) and hands inih one canonical compact
 * line -- "[N]" for the N-th section, "key=<value>" with strings re-emitted
 * as basic strings whose ';' and '#' are \u escapes -- and inih splits those
 * into sections and keys for the handler, which learns the line number from
 * the reader's state.
 */

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ini.h>

#include "anomaly.h"
#include "config.h"
#include "dotenv.h"
#include "query.h"
#include "toml.h"
#include "util.h"

#define CONFIG_MAXSIZE	(1024 * 1024)
#define CONFIG_MAXMSG	1024
#define CONFIG_SHOWMAX	80	/* longest value quoted back in an error */

/* What a key's value must be. */
enum kcheck {
	K_STRING,		/* a non-empty string */
	K_BOOL,			/* true or false */
	K_ENUM,			/* one of choices */
	K_GLOBS,		/* a path glob or an array of them */
	K_URL,			/* an http(s) URL with a host */
	K_HEADER,		/* an HTTP header value */
	K_DURATION,		/* "10s" or a number of seconds */
	K_URLS,			/* an array of http(s) URL prefixes */
	K_QUERY,		/* a query in the log query language */
	K_NUMBER,		/* a finite integer or float */
	K_FRACTION,		/* a number between 0 and 1, both excluded */
	K_STRINGS,		/* a one-line array of strings */
	K_ABSPATH,		/* an absolute path */
	K_LISTEN,		/* host:port */
	K_SHA256,		/* 64 hex digits */
	K_ROLES			/* a non-empty array of role names */
};

#define KR_PREFIX	0x1	/* name is a prefix: header_<Name> */
#define KR_SECRET	0x2	/* never print the value */
#define KR_REQUIRED	0x4	/* the section needs it */
#define KR_LITERAL	0x8	/* "env:" is not special: env:prod is a query */

/* One key a section may hold. */
struct keyrule {
	const char		*name;
	enum csect_kind		 kind;
	const char		*ntype;		/* section type, NULL for any */
	enum kcheck		 check;
	const char *const	*choices;	/* K_ENUM */
	int			 flags;
	const char		*counterpart;	/* same setting, other type */
};

/*
 * One kind of section: '*' stands for a bare name. In a kind with a
 * typekey, the value of that key is the section's type, and keyrules
 * with an ntype apply only to sections of that type.
 */
struct sectrule {
	const char		*pattern;
	enum csect_kind		 kind;
	const char		*noun;		/* "notifier", for messages */
	const char		*typekey;	/* NULL: no types */
	const char *const	*types;
	const char		*deftype;	/* when typekey is unset */
};

static const char *const backends[] = {
	"local", "prometheus", "grafana", "tinkr", NULL
};
static const char *const formats[] = {
	"auto", "json", "logfmt", "text", NULL
};
static const char *const ntypes[] = {
	"webhook", "discord", "exec", NULL
};
static const char *const rkinds[] = {	/* in enum rule_kind's order */
	"count", "quantile", "ratio", "promql", NULL
};
static const char *const directions[] = {
	"above", "below", NULL
};
static const char *const roles[] = {
	"viewer", "oncall", "sre-lead", NULL
};
static const char *const severities[] = {	/* as severity_name() */
	"low", "medium", "high", "critical", NULL
};

/* Every key, by section; "type" and "kind" come first in theirs. */
static const struct keyrule keyrules[] = {
	{ "backend", CSECT_PROFILE, NULL, K_ENUM, backends, 0, NULL },
	{ "active", CSECT_PROFILE, NULL, K_BOOL, NULL, 0, NULL },
	{ "url", CSECT_PROFILE, "prometheus|tinkr", K_URL, NULL, 0,
	    "prometheus_url" },
	{ "prometheus_url", CSECT_PROFILE, "prometheus|grafana", K_URL, NULL,
	    0, NULL },
	{ "grafana_url", CSECT_PROFILE, "grafana", K_URL, NULL, 0, NULL },
	{ "grafana_api_key", CSECT_PROFILE, "grafana", K_STRING, NULL,
	    KR_SECRET, NULL },
	{ "token", CSECT_PROFILE, "prometheus|grafana|tinkr", K_STRING, NULL,
	    KR_SECRET, NULL },
	{ "username", CSECT_PROFILE, "prometheus|grafana", K_STRING, NULL, 0,
	    NULL },
	{ "password", CSECT_PROFILE, "prometheus|grafana", K_STRING, NULL,
	    KR_SECRET, NULL },
	{ "service_label", CSECT_PROFILE, "prometheus|grafana", K_STRING, NULL,
	    0, NULL },
	{ "timeout", CSECT_PROFILE, "prometheus|grafana|tinkr", K_DURATION,
	    NULL, 0, NULL },
	{ "logs", CSECT_SERVICE, NULL, K_GLOBS, NULL, 0, NULL },
	{ "format", CSECT_SERVICE, NULL, K_ENUM, formats, 0, NULL },
	{ "repo_path", CSECT_SERVICE, NULL, K_ABSPATH, NULL, 0, NULL },
	{ "slo_total", CSECT_SERVICE, NULL, K_QUERY, NULL, KR_LITERAL, NULL },
	{ "slo_errors", CSECT_SERVICE, NULL, K_QUERY, NULL, KR_LITERAL, NULL },
	{ "slo_total_expr", CSECT_SERVICE, NULL, K_STRING, NULL, KR_LITERAL,
	    NULL },
	{ "slo_errors_expr", CSECT_SERVICE, NULL, K_STRING, NULL, KR_LITERAL,
	    NULL },
	{ "type", CSECT_NOTIFIER, NULL, K_ENUM, ntypes, KR_REQUIRED, NULL },
	{ "url", CSECT_NOTIFIER, "webhook", K_URL, NULL,
	    KR_SECRET | KR_REQUIRED, "webhook_url" },
	{ "header_", CSECT_NOTIFIER, "webhook", K_HEADER, NULL,
	    KR_PREFIX | KR_SECRET, NULL },
	{ "secret", CSECT_NOTIFIER, "webhook", K_STRING, NULL, KR_SECRET,
	    NULL },
	{ "timeout", CSECT_NOTIFIER, NULL, K_DURATION, NULL, 0, NULL },
	{ "max_age", CSECT_NOTIFIER, NULL, K_DURATION, NULL, 0, NULL },
	{ "destinations", CSECT_NOTIFIER, "webhook", K_URLS, NULL, 0, NULL },
	{ "webhook_url", CSECT_NOTIFIER, "discord", K_URL, NULL,
	    KR_SECRET | KR_REQUIRED, "url" },
	{ "command", CSECT_NOTIFIER, "exec", K_ABSPATH, NULL,
	    KR_REQUIRED | KR_LITERAL, NULL },
	{ "args", CSECT_NOTIFIER, "exec", K_STRINGS, NULL, KR_LITERAL, NULL },
	{ "kind", CSECT_RULE, NULL, K_ENUM, rkinds, KR_REQUIRED, NULL },
	{ "query", CSECT_RULE, "count|quantile|ratio", K_QUERY, NULL,
	    KR_LITERAL, NULL },
	{ "expr", CSECT_RULE, "promql", K_STRING, NULL,
	    KR_LITERAL | KR_REQUIRED, NULL },
	{ "field", CSECT_RULE, "quantile", K_STRING, NULL, KR_REQUIRED, NULL },
	{ "quantile", CSECT_RULE, "quantile", K_FRACTION, NULL, 0, NULL },
	{ "threshold", CSECT_RULE, NULL, K_NUMBER, NULL, KR_REQUIRED, NULL },
	{ "direction", CSECT_RULE, NULL, K_ENUM, directions, 0, NULL },
	{ "severity", CSECT_RULE, NULL, K_ENUM, severities, 0, NULL },
	{ "high", CSECT_RULE, NULL, K_NUMBER, NULL, 0, NULL },
	{ "critical", CSECT_RULE, NULL, K_NUMBER, NULL, 0, NULL },
	{ "unit", CSECT_RULE, NULL, K_STRING, NULL, 0, NULL },
	{ "listen", CSECT_SERVER, NULL, K_LISTEN, NULL, 0, NULL },
	{ "tls_cert", CSECT_SERVER, NULL, K_STRING, NULL, 0, NULL },
	{ "tls_key", CSECT_SERVER, NULL, K_STRING, NULL, 0, NULL },
	{ "url", CSECT_SERVER, NULL, K_URL, NULL, 0, NULL },
	{ "token", CSECT_SERVER, NULL, K_STRING, NULL, KR_SECRET, NULL },
	{ "hash", CSECT_AUTHKEY, NULL, K_SHA256, NULL, KR_REQUIRED, NULL },
	{ "url", CSECT_LLM, NULL, K_URL, NULL, KR_REQUIRED, NULL },
	{ "model", CSECT_LLM, NULL, K_STRING, NULL, KR_REQUIRED, NULL },
	{ "api_key", CSECT_LLM, NULL, K_STRING, NULL, KR_SECRET, NULL },
	{ "timeout", CSECT_LLM, NULL, K_DURATION, NULL, 0, NULL },
	{ "roles", CSECT_AUTHKEY, NULL, K_ROLES, roles, KR_REQUIRED, NULL },
};

/* Indexed by kind. */
static const struct sectrule sectrules[] = {
	[CSECT_PROFILE] = { "profiles.*", CSECT_PROFILE, "profile",
	    "backend", backends, "local" },
	[CSECT_SERVICE] = { "profiles.*.services.*", CSECT_SERVICE, "service",
	    NULL, NULL, NULL },
	[CSECT_NOTIFIER] = { "profiles.*.notifiers.*", CSECT_NOTIFIER,
	    "notifier", "type", ntypes, NULL },
	[CSECT_RULE] = { "profiles.*.services.*.rules.*", CSECT_RULE, "rule",
	    "kind", rkinds, NULL },
	[CSECT_SERVER] = { "server", CSECT_SERVER, "server section", NULL,
	    NULL, NULL },
	[CSECT_AUTHKEY] = { "auth.keys.*", CSECT_AUTHKEY, "key", NULL, NULL,
	    NULL },
	[CSECT_LLM] = { "llm", CSECT_LLM, "llm section", NULL, NULL, NULL },
};

#define RULE_QUANTILE_DEFAULT	0.99

/* The state of one parse, shared by the inih reader and handler. */
struct parse {
	const char	*file;		/* name used in messages */
	const char	*text;
	size_t		 len;
	size_t		 pos;
	unsigned	 line;		/* of the line inih is working on */
	int		 failed;
	char		*err;
	size_t		 errlen;
	struct config	*cfg;
	const char	*envpath;	/* where a .env would be, or NULL */
	struct dotenv	*dotenv;
	int		 dotenv_read;
	long		 cur;		/* current section, -1 before any */
};

static int	check_strings(struct parse *, const struct ckey *);
static int	check_listen(struct parse *, const struct ckey *);
static int	check_roles(struct parse *, const struct keyrule *,
		    const struct ckey *);
static void	perr(struct parse *, unsigned, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	add_warning(struct config *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* Record the first error as "file:line: message". */
static void
perr(struct parse *p, unsigned line, const char *fmt, ...)
{
	char	 msg[CONFIG_MAXMSG];
	va_list	 ap;

	if (p->failed)
		return;
	p->failed = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	seterr(p->err, p->errlen, "%s:%u: %s", p->file, line, msg);
}

/* Add a warning to a snapshot. */
static void
add_warning(struct config *cfg, const char *fmt, ...)
{
	va_list	 ap;

	cfg->warnings = xreallocarray(cfg->warnings, cfg->nwarnings + 1,
	    sizeof *cfg->warnings);
	va_start(ap, fmt);
	xvasprintf(&cfg->warnings[cfg->nwarnings++], fmt, ap);
	va_end(ap);
}

/* Whether a did-you-mean candidate at distance d is close to word. */
static int
close_enough(size_t d, const char *word)
{
	size_t	 n = strlen(word);

	return d <= (n <= 3 ? 1 : n <= 6 ? 2 : 3);
}

/* Whether a string is short and printable enough to quote in an error. */
static int
showable(const char *s)
{
	size_t	 n;

	for (n = 0; s[n] != '\0'; n++)
		if ((unsigned char)s[n] < 0x20 || s[n] == 0x7f)
			return 0;
	return n <= CONFIG_SHOWMAX;
}

/* "a, b, c" from a NULL-terminated list. */
static void
join_list(const char *const *list, char *buf, size_t len)
{
	size_t	 i;

	buf[0] = '\0';
	for (i = 0; list[i] != NULL; i++) {
		if (i > 0)
			strlcat(buf, ", ", len);
		strlcat(buf, list[i], len);
	}
}

/* The rule for a key in a kind of section, or NULL. */
static const struct keyrule *
keyrule_find(enum csect_kind kind, const char *name)
{
	const struct keyrule	*kr;
	size_t			 i;

	for (i = 0; i < nitems(keyrules); i++) {
		kr = &keyrules[i];
		if (kr->kind != kind)
			continue;
		if (kr->flags & KR_PREFIX) {
			if (strncmp(name, kr->name, strlen(kr->name)) == 0)
				return kr;
		} else if (strcmp(name, kr->name) == 0)
			return kr;
	}
	return NULL;
}

/* Whether type is one of the '|'-separated names in list. */
static int
type_in(const char *list, const char *type)
{
	size_t	 n = strlen(type);

	for (;;) {
		if (strncmp(list, type, n) == 0 &&
		    (list[n] == '|' || list[n] == '\0'))
			return 1;
		if ((list = strchr(list, '|')) == NULL)
			return 0;
		list++;
	}
}

/* Whether a rule applies to a section of type (NULL: type not known). */
static int
keyrule_fits(const struct keyrule *kr, const char *type)
{
	return kr->ntype == NULL || type == NULL || type_in(kr->ntype, type);
}

/* The rule for a kind of section. */
static const struct sectrule *
sectrule_of(enum csect_kind kind)
{
	return &sectrules[kind];
}

/* The key called name in a section, or NULL. */
const struct ckey *
csection_key(const struct csection *sec, const char *name)
{
	size_t	 i;

	if (sec == NULL)
		return NULL;
	for (i = 0; i < sec->nkeys; i++)
		if (strcmp(sec->keys[i].name, name) == 0)
			return &sec->keys[i];
	return NULL;
}

/* The string value of a key, or NULL when absent or not a string. */
const char *
csection_str(const struct csection *sec, const char *name)
{
	const struct ckey	*k;

	if ((k = csection_key(sec, name)) == NULL || k->v.type != CVAL_STRING)
		return NULL;
	return k->v.s;
}

/* A duration key in seconds ("10s" or 10), or dflt when absent. */
long long
csection_seconds(const struct csection *sec, const char *name,
    long long dflt)
{
	const struct ckey	*k;
	long long		 secs;

	if ((k = csection_key(sec, name)) == NULL)
		return dflt;
	if (k->v.type == CVAL_INTEGER)
		return k->v.i;
	if (k->v.type == CVAL_STRING && parse_duration(k->v.s, &secs) == 0)
		return secs;
	return dflt;
}

/* "a" or "an", for a word that follows it. */
static const char *
article(const char *word)
{
	return strchr("aeiou", word[0]) != NULL && word[0] != '\0' ?
	    "an" : "a";
}

/* Did-you-mean text for a key, or the list of known keys. */
static void
key_hint(enum csect_kind kind, const char *type, const char *name,
    char *buf, size_t len)
{
	const struct keyrule	*kr, *best = NULL;
	char			 cand[128], bestname[128], known[512];
	const char		*us;
	size_t			 i, d, bestd = (size_t)-1;

	known[0] = '\0';
	for (i = 0; i < nitems(keyrules); i++) {
		kr = &keyrules[i];
		if (kr->kind != kind || !keyrule_fits(kr, type))
			continue;
		if (kr->flags & KR_PREFIX) {
			us = strchr(name, '_');
			snprintf(cand, sizeof cand, "%s%s", kr->name,
			    us != NULL && us[1] != '\0' ? us + 1 : "<Name>");
			if (known[0] != '\0')
				strlcat(known, ", ", sizeof known);
			strlcat(known, kr->name, sizeof known);
			strlcat(known, "<Name>", sizeof known);
		} else {
			strlcpy(cand, kr->name, sizeof cand);
			if (known[0] != '\0')
				strlcat(known, ", ", sizeof known);
			strlcat(known, kr->name, sizeof known);
		}
		d = levenshtein(name, cand);
		if (d < bestd && close_enough(d, name)) {
			bestd = d;
			best = kr;
			strlcpy(bestname, cand, sizeof bestname);
		}
	}
	if (best != NULL)
		snprintf(buf, len, "did you mean '%s'?", bestname);
	else if (type != NULL)
		snprintf(buf, len, "keys for %s %s %s: %s", article(type), type,
		    sectrule_of(kind)->noun, known);
	else
		snprintf(buf, len, "known keys: %s", known);
}

/* The type (notifier type, rule kind) set so far in a section, or NULL. */
static const char *
section_type(const struct csection *sec)
{
	const struct sectrule	*sr = sectrule_of(sec->kind);
	const char		*type;
	size_t			 i;

	if (sr->typekey == NULL ||
	    (type = csection_str(sec, sr->typekey)) == NULL)
		return NULL;
	for (i = 0; sr->types[i] != NULL; i++)
		if (strcmp(sr->types[i], type) == 0)
			return type;
	return NULL;
}

/* The rule for a key in a section; NULL and an error when unknown. */
static const struct keyrule *
key_rule(struct parse *p, const struct csection *sec, const char *name)
{
	const struct keyrule	*kr;
	char			 hint[768];

	if ((kr = keyrule_find(sec->kind, name)) != NULL)
		return kr;
	key_hint(sec->kind, section_type(sec), name, hint, sizeof hint);
	perr(p, p->line, "unknown key '%s' in [%s] (%s)", name, sec->name,
	    hint);
	return NULL;
}

/* Refuse a key before the first [section]. */
static void
outside_section(struct parse *p, const char *name)
{
	perr(p, p->line, "key '%s' is outside any section; put it under a "
	    "[profiles.NAME] header", name);
}

/* Refuse a key that belongs to another type of section. */
static int
wrong_type(struct parse *p, const struct csection *sec, const char *type,
    const struct keyrule *kr, const char *name, unsigned line)
{
	char		 hint[768];

	if (type == NULL || keyrule_fits(kr, type))
		return 0;
	if (kr->counterpart != NULL && keyrule_fits(keyrule_find(sec->kind,
	    kr->counterpart), type))
		snprintf(hint, sizeof hint, "did you mean '%s'?",
		    kr->counterpart);
	else
		key_hint(sec->kind, type, name, hint, sizeof hint);
	perr(p, line, "key '%s' does not belong to %s %s %s (%s)", name,
	    article(type), type,
	    sectrule_of(sec->kind)->noun, hint);
	return -1;
}

/*
 * Check that s is an http:// or https:// URL with a host (and a valid
 * port, if any). On success *host and *hostend bracket host[:port].
 */
static int
url_valid(const char *s, const char **host, const char **hostend)
{
	const char	*p, *q, *end, *h, *colon;
	size_t		 n;

	if (strncasecmp(s, "http://", 7) == 0)
		p = s + 7;
	else if (strncasecmp(s, "https://", 8) == 0)
		p = s + 8;
	else
		return 0;
	for (q = s; *q != '\0'; q++)
		if ((unsigned char)*q <= 0x20 || *q == 0x7f)
			return 0;
	end = p + strcspn(p, "/?#");
	for (h = p, q = p; q < end; q++)
		if (*q == '@')
			h = q + 1;
	if (h == end)
		return 0;
	if (*h == '[') {
		if ((q = memchr(h, ']', end - h)) == NULL || q == h + 1)
			return 0;
		colon = q + 1 < end ? q + 1 : NULL;
		if (colon != NULL && *colon != ':')
			return 0;
	} else {
		colon = memchr(h, ':', end - h);
		if (colon == h)
			return 0;
	}
	if (colon != NULL) {
		n = end - colon - 1;
		if (n == 0 || n > 5 || strspn(colon + 1, "0123456789") < n ||
		    strtol(colon + 1, NULL, 10) > 65535)
			return 0;
	}
	if (host != NULL) {
		*host = h;
		*hostend = end;
	}
	return 1;
}

/* How to name a value in an error without printing a secret. */
static void
subject(const struct ckey *k, const char *src, char *buf, size_t len)
{
	if (k->env != NULL)
		snprintf(buf, len, "%s (from %s)", k->env, src);
	else if (!k->secret && k->v.type == CVAL_STRING && showable(k->v.s))
		snprintf(buf, len, "%s '%s'", k->name, k->v.s);
	else
		snprintf(buf, len, "%s", k->name);
}

/* "a string", "an integer", ... */
static const char *
type_name(const struct cval *v)
{
	switch (v->type) {
	case CVAL_STRING:
		return "a string";
	case CVAL_INTEGER:
		return "an integer";
	case CVAL_FLOAT:
		return "a float";
	case CVAL_BOOL:
		return "a boolean";
	default:
		return "an array";
	}
}

/* One of kr->choices. */
static int
check_enum(struct parse *p, const struct keyrule *kr, const struct ckey *k,
    const char *src)
{
	char	 list[256], subj[512], hint[128];
	size_t	 i, d, bestd = (size_t)-1;

	join_list(kr->choices, list, sizeof list);
	if (k->v.type != CVAL_STRING) {
		perr(p, k->line, "%s must be a string, one of %s (not %s)",
		    k->name, list, type_name(&k->v));
		return -1;
	}
	hint[0] = '\0';
	for (i = 0; kr->choices[i] != NULL; i++) {
		if (strcmp(kr->choices[i], k->v.s) == 0)
			return 0;
		d = levenshtein(k->v.s, kr->choices[i]);
		if (k->env == NULL && d < bestd && close_enough(d, k->v.s)) {
			bestd = d;
			snprintf(hint, sizeof hint, " (did you mean '%s'?)",
			    kr->choices[i]);
		}
	}
	subject(k, src, subj, sizeof subj);
	perr(p, k->line, "%s is not one of %s%s", subj, list, hint);
	return -1;
}

/* A string or an array of strings, none empty. */
static int
check_globs(struct parse *p, const struct ckey *k)
{
	size_t	 i;

	if (k->v.type == CVAL_STRING) {
		if (k->v.s[0] == '\0') {
			perr(p, k->line, "%s is empty", k->name);
			return -1;
		}
		return 0;
	}
	if (k->v.type != CVAL_ARRAY) {
		perr(p, k->line, "%s must be a string or an array of strings",
		    k->name);
		return -1;
	}
	if (k->v.nitems == 0) {
		perr(p, k->line, "%s needs at least one path or glob", k->name);
		return -1;
	}
	for (i = 0; i < k->v.nitems; i++) {
		if (k->v.items[i].type != CVAL_STRING) {
			perr(p, k->line, "%s must be a string or an array of "
			    "strings", k->name);
			return -1;
		}
		if (k->v.items[i].s[0] == '\0') {
			perr(p, k->line, "%s holds an empty string", k->name);
			return -1;
		}
	}
	return 0;
}

/* An array of http(s) URL prefixes. */
static int
check_urls(struct parse *p, const struct ckey *k)
{
	const struct cval	*item;
	size_t			 i;

	if (k->v.type != CVAL_ARRAY) {
		perr(p, k->line, "%s must be an array of URLs, e.g. "
		    "[\"https://hooks.example.com/\"]", k->name);
		return -1;
	}
	for (i = 0; i < k->v.nitems; i++) {
		item = &k->v.items[i];
		if (item->type != CVAL_STRING) {
			perr(p, k->line, "%s must hold only strings (URLs)",
			    k->name);
			return -1;
		}
		if (!url_valid(item->s, NULL, NULL)) {
			if (showable(item->s))
				perr(p, k->line, "'%s' in %s is not an http(s) "
				    "URL", item->s, k->name);
			else
				perr(p, k->line, "item %zu of %s is not an "
				    "http(s) URL", i + 1, k->name);
			return -1;
		}
	}
	return 0;
}

/* An HTTP header: a name after header_, a one-line non-empty value. */
static int
check_header(struct parse *p, const struct keyrule *kr, const struct ckey *k,
    const char *src)
{
	char	 subj[512];

	if (k->name[strlen(kr->name)] == '\0') {
		perr(p, k->line, "%s needs a header name after it, e.g. "
		    "header_Authorization", k->name);
		return -1;
	}
	if (k->v.type != CVAL_STRING) {
		perr(p, k->line, "%s must be a string, not %s", k->name,
		    type_name(&k->v));
		return -1;
	}
	subject(k, src, subj, sizeof subj);
	if (k->v.s[0] == '\0') {
		perr(p, k->line, "%s is empty", subj);
		return -1;
	}
	if (strpbrk(k->v.s, "\r\n") != NULL) {
		perr(p, k->line, "%s contains a line break, which an HTTP "
		    "header cannot hold", subj);
		return -1;
	}
	return 0;
}

/* "10s" or a positive number of seconds. */
static int
check_duration(struct parse *p, const struct ckey *k, const char *src)
{
	char		 subj[512];
	long long	 secs;

	if (k->v.type == CVAL_INTEGER) {
		if (k->v.i <= 0) {
			perr(p, k->line, "%s must be a positive number of "
			    "seconds", k->name);
			return -1;
		}
		return 0;
	}
	if (k->v.type != CVAL_STRING) {
		perr(p, k->line, "%s must be a duration like \"10s\" or a "
		    "number of seconds, not %s", k->name, type_name(&k->v));
		return -1;
	}
	subject(k, src, subj, sizeof subj);
	if (parse_duration(k->v.s, &secs) == -1) {
		perr(p, k->line, "%s is not a duration like \"10s\", \"2m\" or "
		    "\"1h\"", subj);
		return -1;
	}
	if (secs == 0) {
		perr(p, k->line, "%s must be longer than 0s", subj);
		return -1;
	}
	return 0;
}

/* The value of a number (integer or float); -1 for other types. */
static int
cval_number(const struct cval *v, double *d)
{
	if (v->type == CVAL_INTEGER)
		*d = (double)v->i;
	else if (v->type == CVAL_FLOAT)
		*d = v->f;
	else
		return -1;
	return 0;
}

/* A query that query_parse accepts, not blank. */
static int
check_query(struct parse *p, const struct ckey *k)
{
	struct query	*q;
	char		 qerr[256];

	if (k->v.type != CVAL_STRING) {
		perr(p, k->line, "%s must be a string, not %s", k->name,
		    type_name(&k->v));
		return -1;
	}
	if (k->v.s[strspn(k->v.s, " \t")] == '\0') {
		perr(p, k->line, "%s is empty", k->name);
		return -1;
	}
	if ((q = query_parse(k->v.s, qerr, sizeof qerr)) == NULL) {
		perr(p, k->line, "%s", qerr);
		return -1;
	}
	query_free(q);
	return 0;
}

/* A finite number; with fraction set, one between 0 and 1 excluded. */
static int
check_number(struct parse *p, const struct ckey *k, int fraction)
{
	double	 d;

	if (cval_number(&k->v, &d) == -1) {
		perr(p, k->line, "%s must be a number, not %s", k->name,
		    type_name(&k->v));
		return -1;
	}
	if (!isfinite(d)) {
		perr(p, k->line, "%s must be a finite number", k->name);
		return -1;
	}
	if (fraction && !(d > 0 && d < 1)) {
		perr(p, k->line, "%s must be greater than 0 and less than 1, "
		    "such as 0.99 for the 99th percentile", k->name);
		return -1;
	}
	return 0;
}

/* Check one value against its rule. */
static int
check_key(struct parse *p, const struct keyrule *kr, const struct ckey *k,
    const char *src)
{
	char	 subj[512];

	switch (kr->check) {
	case K_STRING:
		if (k->v.type != CVAL_STRING) {
			perr(p, k->line, "%s must be a string, not %s",
			    k->name, type_name(&k->v));
			return -1;
		}
		if (k->v.s[0] == '\0') {
			perr(p, k->line, "%s is empty", k->name);
			return -1;
		}
		return 0;
	case K_BOOL:
		if (k->v.type != CVAL_BOOL) {
			perr(p, k->line, "%s must be true or false (not %s)",
			    k->name, type_name(&k->v));
			return -1;
		}
		return 0;
	case K_ENUM:
		return check_enum(p, kr, k, src);
	case K_GLOBS:
		return check_globs(p, k);
	case K_URL:
		if (k->v.type != CVAL_STRING) {
			perr(p, k->line, "%s must be a string (an http(s) "
			    "URL), not %s", k->name, type_name(&k->v));
			return -1;
		}
		if (!url_valid(k->v.s, NULL, NULL)) {
			subject(k, src, subj, sizeof subj);
			perr(p, k->line, "%s is not an http(s) URL", subj);
			return -1;
		}
		return 0;
	case K_HEADER:
		return check_header(p, kr, k, src);
	case K_DURATION:
		return check_duration(p, k, src);
	case K_URLS:
		return check_urls(p, k);
	case K_QUERY:
		return check_query(p, k);
	case K_NUMBER:
		return check_number(p, k, 0);
	case K_FRACTION:
		return check_number(p, k, 1);
	case K_STRINGS:
		return check_strings(p, k);
	case K_LISTEN:
		return check_listen(p, k);
	case K_SHA256:
		if (k->v.type != CVAL_STRING || strlen(k->v.s) != 64 ||
		    strspn(k->v.s, "0123456789abcdef") != 64) {
			perr(p, k->line, "%s must be the SHA-256 of the token in "
			    "64 lower-case hex digits, as \"tinkr token new\" "
			    "prints it", k->name);
			return -1;
		}
		return 0;
	case K_ROLES:
		return check_roles(p, kr, k);
	case K_ABSPATH:
		if (k->v.type != CVAL_STRING || k->v.s[0] != '/') {
			perr(p, k->line, "%s must be an absolute path, such as "
			    "\"/usr/local/bin/page-oncall\"", k->name);
			return -1;
		}
		return 0;
	}
	return 0;
}

/* Check a listen address: host:port, [v6]:port or :port. */
static int
check_listen(struct parse *p, const struct ckey *k)
{
	const char	*colon;
	char		*end;
	long		 port;

	if (k->v.type != CVAL_STRING || (colon = strrchr(k->v.s, ':')) ==
	    NULL) {
		perr(p, k->line, "%s must be \"HOST:PORT\", such as "
		    "\"127.0.0.1:8000\"", k->name);
		return -1;
	}
	port = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || port < 1 || port > 65535) {
		perr(p, k->line, "%s: the port must be a number from 1 to "
		    "65535, as in \"127.0.0.1:8000\"", k->name);
		return -1;
	}
	return 0;
}

/* Check a non-empty array of role names. */
static int
check_roles(struct parse *p, const struct keyrule *kr, const struct ckey *k)
{
	size_t	 i, j;

	if (k->v.type != CVAL_ARRAY || k->v.nitems == 0) {
		perr(p, k->line, "%s must be an array of roles, such as "
		    "[\"oncall\"]", k->name);
		return -1;
	}
	for (i = 0; i < k->v.nitems; i++) {
		for (j = 0; kr->choices[j] != NULL; j++)
			if (k->v.items[i].type == CVAL_STRING &&
			    strcmp(k->v.items[i].s, kr->choices[j]) == 0)
				break;
		if (kr->choices[j] == NULL) {
			perr(p, k->line, "%s: item %zu is not a role (roles "
			    "are viewer, oncall and sre-lead)", k->name, i + 1);
			return -1;
		}
	}
	return 0;
}

/* Check an array of strings. */
static int
check_strings(struct parse *p, const struct ckey *k)
{
	size_t	 i;

	if (k->v.type != CVAL_ARRAY) {
		perr(p, k->line, "%s must be an array of strings, such as "
		    "[\"--to\", \"ops\"]", k->name);
		return -1;
	}
	for (i = 0; i < k->v.nitems; i++)
		if (k->v.items[i].type != CVAL_STRING) {
			perr(p, k->line, "%s: item %zu is not a string",
			    k->name, i + 1);
			return -1;
		}
	return 0;
}

/* Read the .env beside the config the first time a variable is missing. */
static int
dotenv_need(struct parse *p)
{
	char	 msg[CONFIG_MAXMSG];

	if (p->dotenv_read || p->envpath == NULL)
		return 0;
	p->dotenv_read = 1;
	if (dotenv_load(p->envpath, &p->dotenv, msg, sizeof msg) == -1) {
		if (!p->failed)
			seterr(p->err, p->errlen, "%s", msg);
		p->failed = 1;
		return -1;
	}
	if (p->dotenv == NULL)
		return 0;
	p->cfg->envfile = xstrdup(p->envpath);
	if (p->dotenv->exposed)
		add_warning(p->cfg, "%s holds secrets and is readable by group "
		    "or others; run chmod 600 %s", p->envpath, p->envpath);
	return 0;
}

/*
 * Resolve "env:NAME": the process environment first, then the .env file.
 * *src is set to where the value came from.
 */
static int
resolve_env(struct parse *p, struct ckey *k, const char **src)
{
	const char	*name, *val;
	size_t		 i;

	*src = NULL;
	for (i = 0; i < k->v.nitems; i++) {
		if (k->v.items[i].type == CVAL_STRING &&
		    strncmp(k->v.items[i].s, "env:", 4) == 0) {
			perr(p, k->line, "env: values cannot be used inside an "
			    "array (in '%s')", k->name);
			return -1;
		}
	}
	if (k->v.type != CVAL_STRING || strncmp(k->v.s, "env:", 4) != 0)
		return 0;
	name = k->v.s + 4;
	if (!dotenv_name_valid(name, strlen(name))) {
		perr(p, k->line, "the value of '%s' starts with env: but is not "
		    "followed by a variable name (letters, digits and '_', not "
		    "starting with a digit)", k->name);
		return -1;
	}
	if ((val = getenv(name)) != NULL)
		*src = "the environment";
	else {
		if (dotenv_need(p) == -1)
			return -1;
		if ((val = dotenv_get(p->dotenv, name)) != NULL)
			*src = p->envpath;
	}
	if (val == NULL) {
		perr(p, k->line, "environment variable %s is not set (looked in "
		    "the environment%s%s)", name, p->envpath != NULL ?
		    " and " : "", p->envpath != NULL ? p->envpath : "");
		return -1;
	}
	if (*val == '\0') {
		perr(p, k->line, "environment variable %s is empty (in %s)",
		    name, *src);
		return -1;
	}
	k->env = xstrdup(name);
	free(k->v.s);
	k->v.s = xstrdup(val);
	return 0;
}

/* Free what a key holds. */
static void
ckey_free(struct ckey *k)
{
	free(k->name);
	free(k->env);
	cval_free(&k->v);
}

/* Refuse a key set twice (HTTP header names match without case). */
static int
key_duplicate(struct parse *p, const struct csection *sec,
    const struct keyrule *kr, const char *name)
{
	const struct ckey	*k;
	size_t			 i;

	for (i = 0; i < sec->nkeys; i++) {
		k = &sec->keys[i];
		if (strcmp(k->name, name) == 0) {
			perr(p, p->line, "duplicate key '%s' in [%s] (first set "
			    "on line %u)", name, sec->name, k->line);
			return -1;
		}
		if ((kr->flags & KR_PREFIX) && strcasecmp(k->name, name) == 0) {
			perr(p, p->line, "duplicate key '%s' in [%s] (%s on line "
			    "%u is the same HTTP header)", name, sec->name,
			    k->name, k->line);
			return -1;
		}
	}
	return 0;
}

/* The inih handler: one key = value, in section "N" (our index). */
static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse		*p = user;
	struct csection		*sec;
	const struct keyrule	*kr;
	struct ckey		 k;
	char			 msg[CONFIG_MAXMSG], *end;
	const char		*src;
	unsigned long		 idx;

	if (p->failed)
		return 0;
	if (*section == '\0') {
		outside_section(p, name);
		return 0;
	}
	errno = 0;
	idx = strtoul(section, &end, 10);
	if (errno != 0 || *end != '\0' || idx >= p->cfg->nsections) {
		perr(p, p->line, "internal error: unknown section index");
		return 0;
	}
	sec = &p->cfg->sections[idx];
	if ((kr = key_rule(p, sec, name)) == NULL)
		return 0;
	if (key_duplicate(p, sec, kr, name) == -1 ||
	    wrong_type(p, sec, section_type(sec), kr, name, p->line) == -1)
		return 0;
	memset(&k, 0, sizeof k);
	k.name = xstrdup(name);
	k.line = p->line;
	k.secret = (kr->flags & KR_SECRET) != 0;
	if (toml_value(value, name, 1, &k.v, msg, sizeof msg) == -1) {
		perr(p, p->line, "internal error: %s", msg);
		ckey_free(&k);
		return 0;
	}
	src = NULL;
	if ((!(kr->flags & KR_LITERAL) && resolve_env(p, &k, &src) == -1) ||
	    check_key(p, kr, &k, src) == -1) {
		ckey_free(&k);
		return 0;
	}
	sec->keys = xreallocarray(sec->keys, sec->nkeys + 1,
	    sizeof *sec->keys);
	sec->keys[sec->nkeys++] = k;
	return 1;
}

/* The profile called name, created (line 0) when first seen. */
static size_t
profile_get(struct config *cfg, const char *name)
{
	struct cprofile	*prof;
	size_t		 i;

	for (i = 0; i < cfg->nprofiles; i++)
		if (strcmp(cfg->profiles[i].name, name) == 0)
			return i;
	cfg->profiles = xreallocarray(cfg->profiles, cfg->nprofiles + 1,
	    sizeof *cfg->profiles);
	prof = &cfg->profiles[cfg->nprofiles];
	memset(prof, 0, sizeof *prof);
	prof->name = xstrdup(name);
	return cfg->nprofiles++;
}

/* Which section rule matches a header's names, or NULL. */
static const struct sectrule *
sectrule_match(char **parts, size_t nparts)
{
	const char	*pat, *dot;
	size_t		 i, j, n;

	for (i = 0; i < nitems(sectrules); i++) {
		pat = sectrules[i].pattern;
		for (j = 0; j < nparts && *pat != '\0'; j++) {
			dot = strchr(pat, '.');
			n = dot != NULL ? (size_t)(dot - pat) : strlen(pat);
			if (!(n == 1 && *pat == '*') && (strlen(parts[j]) != n ||
			    strncmp(parts[j], pat, n) != 0))
				break;
			pat += n + (dot != NULL);
		}
		if (j == nparts && *pat == '\0')
			return &sectrules[i];
	}
	return NULL;
}

/* Refuse an unknown section, with a did-you-mean when one is close. */
static void
unknown_section(struct parse *p, const char *name, char **parts,
    size_t nparts)
{
	char		 cand[1024], best[1024], piece[64];
	const char	*pat;
	size_t		 i, j, n, d, bestd = (size_t)-1;

	for (i = 0; i < nitems(sectrules); i++) {
		cand[0] = '\0';
		pat = sectrules[i].pattern;
		for (j = 0; j < nparts && *pat != '\0'; j++) {
			if (j > 0)
				strlcat(cand, ".", sizeof cand);
			n = strcspn(pat, ".");
			if (n == 1 && pat[0] == '*')
				strlcat(cand, parts[j], sizeof cand);
			else {
				snprintf(piece, sizeof piece, "%.*s", (int)n,
				    pat);
				strlcat(cand, piece, sizeof cand);
			}
			pat += n;
			if (*pat == '.')
				pat++;
		}
		if (j != nparts || *pat != '\0')
			continue;
		d = levenshtein(name, cand);
		if (d < bestd && close_enough(d, name)) {
			bestd = d;
			strlcpy(best, cand, sizeof best);
		}
	}
	if (bestd != (size_t)-1)
		perr(p, p->line, "unknown section [%s] (did you mean [%s]?)",
		    name, best);
	else
		perr(p, p->line, "unknown section [%s] (sections are "
		    "[profiles.NAME], [profiles.NAME.services.NAME], "
		    "[profiles.NAME.notifiers.NAME], [server], "
		    "[auth.keys.NAME] and [llm])", name);
}

/* Start a new [section]; its keys follow. */
static int
section_open(struct parse *p, const struct tline *tl)
{
	const struct sectrule	*sr;
	struct csection		*sec;
	struct cprofile		*prof;
	char			*name = NULL, *tmp;
	size_t			 i, pi;

	for (i = 0; i < tl->nparts; i++) {
		xasprintf(&tmp, "%s%s%s", name != NULL ? name : "",
		    i > 0 ? "." : "", tl->parts[i]);
		free(name);
		name = tmp;
	}
	if ((sr = sectrule_match(tl->parts, tl->nparts)) == NULL) {
		unknown_section(p, name, tl->parts, tl->nparts);
		free(name);
		return -1;
	}
	for (i = 0; i < p->cfg->nsections; i++) {
		if (strcmp(p->cfg->sections[i].name, name) == 0) {
			perr(p, p->line, "duplicate section [%s] (first on line "
			    "%u)", name, p->cfg->sections[i].line);
			free(name);
			return -1;
		}
	}
	p->cfg->sections = xreallocarray(p->cfg->sections,
	    p->cfg->nsections + 1, sizeof *p->cfg->sections);
	sec = &p->cfg->sections[p->cfg->nsections];
	memset(sec, 0, sizeof *sec);
	sec->name = name;
	sec->kind = sr->kind;
	sec->line = p->line;
	if (sr->kind == CSECT_SERVER || sr->kind == CSECT_AUTHKEY ||
	    sr->kind == CSECT_LLM) {
		if (sr->kind == CSECT_AUTHKEY)
			sec->sub = xstrdup(tl->parts[2]);
		p->cur = (long)p->cfg->nsections++;
		return 0;
	}
	pi = profile_get(p->cfg, tl->parts[1]);
	sec->profile = xstrdup(tl->parts[1]);
	sec->sub = sr->kind != CSECT_PROFILE ? xstrdup(tl->parts[3]) : NULL;
	sec->item = sr->kind == CSECT_RULE ? xstrdup(tl->parts[5]) : NULL;
	prof = &p->cfg->profiles[pi];
	if (sr->kind == CSECT_PROFILE)
		prof->line = p->line;
	else if (sr->kind == CSECT_SERVICE) {
		prof->services = xreallocarray(prof->services,
		    prof->nservices + 1, sizeof *prof->services);
		prof->services[prof->nservices++] = p->cfg->nsections;
	} else if (sr->kind == CSECT_NOTIFIER) {
		prof->notifiers = xreallocarray(prof->notifiers,
		    prof->nnotifiers + 1, sizeof *prof->notifiers);
		prof->notifiers[prof->nnotifiers++] = p->cfg->nsections;
	}
	p->cur = (long)p->cfg->nsections++;
	return 0;
}

/* A number key as written, for messages: "50", "0.05". */
static void
number_text(const struct ckey *k, char *buf, size_t len)
{
	if (k->v.type == CVAL_INTEGER)
		snprintf(buf, len, "%lld", k->v.i);
	else
		snprintf(buf, len, "%g", k->v.f);
}

/* Refuse a value a rule of this kind can never reach. */
static int
rule_domain(struct parse *p, const char *kind, const struct ckey *k)
{
	char	 num[64];
	double	 d;

	if (k == NULL || cval_number(&k->v, &d) == -1)
		return 0;
	number_text(k, num, sizeof num);
	if (strcmp(kind, "count") == 0 && d < 0) {
		perr(p, k->line, "%s = %s cannot be negative in a count rule",
		    k->name, num);
		return -1;
	}
	if (strcmp(kind, "ratio") == 0 && (d < 0 || d > 1)) {
		perr(p, k->line, "%s = %s must be a fraction from 0 to 1 in a "
		    "ratio rule, such as 0.05 for 5%%", k->name, num);
		return -1;
	}
	return 0;
}

/*
 * Check a severity tier (high or critical): above the base severity, and
 * beyond ref (the threshold or the tier below) in the rule's direction.
 */
static int
rule_tier(struct parse *p, const struct ckey *k, enum severity level,
    enum severity base, const struct ckey *ref, int below)
{
	char	 num[64], refnum[64];
	double	 v, r;

	if (k == NULL)
		return 0;
	number_text(k, num, sizeof num);
	if (base >= level) {
		perr(p, k->line, "%s = %s would not raise the severity, which "
		    "is already %s", k->name, num, severity_name(base));
		return -1;
	}
	if (cval_number(&k->v, &v) == -1 || cval_number(&ref->v, &r) == -1)
		return 0;
	if (below ? v < r : v > r)
		return 0;
	number_text(ref, refnum, sizeof refnum);
	perr(p, k->line, "%s = %s must be %s %s = %s (direction is %s)",
	    k->name, num, below ? "less than" : "greater than", ref->name,
	    refnum, below ? "below" : "above");
	return -1;
}

/* Check what a rule's keys need of each other once all are in. */
static int
rule_finish(struct parse *p, const struct csection *sec)
{
	const struct ckey	*threshold, *high, *critical;
	const char		*kind, *s;
	enum severity		 base = SEV_MEDIUM;
	int			 below;

	kind = csection_str(sec, "kind");
	if (strcmp(kind, "ratio") == 0 && csection_key(sec, "query") == NULL) {
		perr(p, sec->line, "[%s] is missing 'query', which a ratio "
		    "rule needs", sec->name);
		return -1;
	}
	threshold = csection_key(sec, "threshold");
	high = csection_key(sec, "high");
	critical = csection_key(sec, "critical");
	if (rule_domain(p, kind, threshold) == -1 ||
	    rule_domain(p, kind, high) == -1 ||
	    rule_domain(p, kind, critical) == -1)
		return -1;
	if ((s = csection_str(sec, "severity")) != NULL)
		severity_parse(s, &base);
	s = csection_str(sec, "direction");
	below = s != NULL && strcmp(s, "below") == 0;
	if (rule_tier(p, high, SEV_HIGH, base, threshold, below) == -1 ||
	    rule_tier(p, critical, SEV_CRITICAL, base,
	    high != NULL ? high : threshold, below) == -1)
		return -1;
	return 0;
}

/* Whether s is a Prometheus label name. */
static int
label_name_valid(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (!(isalpha((unsigned char)s[i]) || s[i] == '_' ||
		    (i > 0 && isdigit((unsigned char)s[i]))))
			return 0;
	return i > 0;
}

/* Check what a profile's backend needs of its keys. */
static int
profile_finish(struct parse *p, const struct csection *sec, const char *type)
{
	const struct ckey	*k;

	if (strcmp(type, "tinkr") == 0 && csection_key(sec, "url") == NULL) {
		perr(p, sec->line, "[%s] is missing 'url', the address of the "
		    "Tinkr server a tinkr profile reads from", sec->name);
		return -1;
	}
	if (strcmp(type, "prometheus") == 0 &&
	    csection_key(sec, "url") == NULL &&
	    csection_key(sec, "prometheus_url") == NULL) {
		perr(p, sec->line, "[%s] is missing 'url' (or "
		    "'prometheus_url'), the Prometheus server to query",
		    sec->name);
		return -1;
	}
	if (strcmp(type, "prometheus") == 0 &&
	    csection_key(sec, "url") != NULL &&
	    (k = csection_key(sec, "prometheus_url")) != NULL) {
		perr(p, k->line, "[%s] has both 'url' and 'prometheus_url'; "
		    "keep one", sec->name);
		return -1;
	}
	if (strcmp(type, "grafana") == 0 &&
	    csection_key(sec, "prometheus_url") == NULL) {
		perr(p, sec->line, "[%s] is missing 'prometheus_url': a grafana "
		    "profile reads metrics from the Prometheus data source "
		    "behind Grafana", sec->name);
		return -1;
	}
	if ((k = csection_key(sec, "token")) != NULL &&
	    csection_key(sec, "username") != NULL) {
		perr(p, k->line, "[%s] has both 'token' and 'username'; a "
		    "server takes bearer or basic authentication, not both",
		    sec->name);
		return -1;
	}
	if ((k = csection_key(sec, "password")) != NULL &&
	    csection_key(sec, "username") == NULL) {
		perr(p, k->line, "[%s] has 'password' but no 'username'",
		    sec->name);
		return -1;
	}
	if ((k = csection_key(sec, "service_label")) != NULL &&
	    !label_name_valid(k->v.s)) {
		perr(p, k->line, "service_label must be a Prometheus label "
		    "name (letters, digits and '_', not first a digit)");
		return -1;
	}
	return 0;
}

/* Check what a section needs once all its keys are in. */
static int
section_finish(struct parse *p)
{
	const struct csection	*sec;
	const struct sectrule	*sr;
	const struct keyrule	*kr;
	const char		*type;
	char			 list[256];
	size_t			 i;

	if (p->cur < 0)
		return 0;
	sec = &p->cfg->sections[p->cur];
	sr = sectrule_of(sec->kind);
	if ((type = section_type(sec)) == NULL)
		type = sr->deftype;
	if (sr->typekey != NULL && type == NULL) {
		join_list(sr->types, list, sizeof list);
		perr(p, sec->line, "[%s] needs %s = \"...\" (one of %s)",
		    sec->name, sr->typekey, list);
		return -1;
	}
	for (i = 0; i < sec->nkeys; i++) {
		kr = keyrule_find(sec->kind, sec->keys[i].name);
		if (wrong_type(p, sec, type, kr, sec->keys[i].name,
		    sec->keys[i].line) == -1)
			return -1;
	}
	for (i = 0; i < nitems(keyrules); i++) {
		kr = &keyrules[i];
		if (kr->kind != sec->kind || !(kr->flags & KR_REQUIRED) ||
		    (kr->ntype != NULL && (type == NULL ||
		    !type_in(kr->ntype, type))))
			continue;
		if (csection_key(sec, kr->name) != NULL)
			continue;
		if (kr->ntype != NULL)
			perr(p, sec->line, "[%s] is missing '%s', which %s %s "
			    "%s needs", sec->name, kr->name, article(type), type,
			    sr->noun);
		else
			perr(p, sec->line, "[%s] is missing '%s'", sec->name,
			    kr->name);
		return -1;
	}
	if (sec->kind == CSECT_RULE)
		return rule_finish(p, sec);
	if (sec->kind == CSECT_PROFILE)
		return profile_finish(p, sec, type);
	return 0;
}

/* Turn one physical line into the canonical line inih will read. */
static char *
normalise(struct parse *p, const char *line)
{
	const struct keyrule	*kr;
	struct tline		 tl;
	struct cval		 v;
	char			 msg[CONFIG_MAXMSG], *canon = NULL, *val;
	int			 quiet;

	if (toml_split(line, &tl, msg, sizeof msg) == -1) {
		perr(p, p->line, "%s", msg);
		goto out;
	}
	switch (tl.kind) {
	case TLINE_BLANK:
		canon = xstrdup("");
		break;
	case TLINE_HEADER:
		if (section_finish(p) == -1 || section_open(p, &tl) == -1)
			goto out;
		xasprintf(&canon, "[%ld]", p->cur);
		break;
	case TLINE_KEY:
		if (p->cur < 0) {
			outside_section(p, tl.key);
			goto out;
		}
		if ((kr = key_rule(p, &p->cfg->sections[p->cur],
		    tl.key)) == NULL)
			goto out;
		quiet = (kr->flags & KR_SECRET) != 0;
		if (toml_value(tl.rest, tl.key, quiet, &v, msg,
		    sizeof msg) == -1) {
			perr(p, p->line, "%s", msg);
			goto out;
		}
		val = toml_emit(&v);
		cval_free(&v);
		xasprintf(&canon, "%s=%s", tl.key, val);
		free(val);
		break;
	}
out:
	toml_line_free(&tl);
	return canon;
}

/*
 * The inih reader: take the next physical line, normalise it and hand
 * inih the canonical form; NULL at the end or after an error.
 */
static char *
reader(char *buf, int num, void *arg)
{
	struct parse	*p = arg;
	const char	*start, *nl;
	char		*line, *canon;
	size_t		 n, len;

	if (p->failed || p->pos >= p->len)
		return NULL;
	start = p->text + p->pos;
	nl = memchr(start, '\n', p->len - p->pos);
	n = (nl != NULL ? (size_t)(nl - start) : p->len - p->pos);
	p->pos += n + (nl != NULL);
	p->line++;
	if (p->line == 1 && n >= 3 && memcmp(start, "\xef\xbb\xbf", 3) == 0) {
		start += 3;
		n -= 3;
	}
	if (n > 0 && start[n - 1] == '\r')
		n--;
	if (memchr(start, '\0', n) != NULL) {
		perr(p, p->line, "NUL byte in the file");
		return NULL;
	}
	if (!toml_utf8_valid(start, n)) {
		perr(p, p->line, "the line is not valid UTF-8");
		return NULL;
	}
	line = xstrndup(start, n);
	canon = normalise(p, line);
	free(line);
	if (canon == NULL)
		return NULL;
	len = strlen(canon);
	if (num < 3 || len + 2 > (size_t)num) {
		perr(p, p->line, "line too long for the config reader (%zu "
		    "characters, at most %d); move long values into the "
		    "environment and write key = \"env:NAME\"", len, num - 2);
		free(canon);
		return NULL;
	}
	memcpy(buf, canon, len);
	buf[len] = '\n';
	buf[len + 1] = '\0';
	free(canon);
	return buf;
}

/* The [profiles.NAME] section of a profile, or NULL when implied. */
static const struct csection *
profile_section(const struct config *cfg, const char *name)
{
	size_t	 i;

	for (i = 0; i < cfg->nsections; i++)
		if (cfg->sections[i].kind == CSECT_PROFILE &&
		    strcmp(cfg->sections[i].profile, name) == 0)
			return &cfg->sections[i];
	return NULL;
}

/* A profile's [profiles.NAME] section, or NULL when it is implied. */
const struct csection *
config_profile_section(const struct config *cfg, const struct cprofile *prof)
{
	return profile_section(cfg, prof->name);
}

/* The section of a profile's service called name, or NULL. */
static const struct csection *
profile_service(const struct config *cfg, const struct cprofile *prof,
    const char *name)
{
	const struct csection	*sec;
	size_t			 i;

	for (i = 0; i < prof->nservices; i++) {
		sec = &cfg->sections[prof->services[i]];
		if (strcmp(sec->sub, name) == 0)
			return sec;
	}
	return NULL;
}

/* Refuse a rule its profile's backend cannot evaluate. */
static int
rules_fit_backends(struct parse *p)
{
	const struct config	*cfg = p->cfg;
	const struct csection	*sec;
	const char		*backend, *kind;
	size_t			 i;
	int			 promql;

	for (i = 0; i < cfg->nsections; i++) {
		sec = &cfg->sections[i];
		if (sec->kind != CSECT_RULE)
			continue;
		backend = csection_str(profile_section(cfg, sec->profile),
		    "backend");
		if (backend == NULL)
			backend = "local";
		kind = csection_str(sec, "kind");
		promql = strcmp(backend, "prometheus") == 0 ||
		    strcmp(backend, "grafana") == 0;
		if (strcmp(backend, "tinkr") == 0) {
			perr(p, sec->line, "[%s]: profile '%s' reads anomalies "
			    "from a Tinkr server, which applies its own rules; "
			    "configure rules there", sec->name, sec->profile);
			return -1;
		}
		if (promql && strcmp(kind, "promql") != 0) {
			perr(p, sec->line, "[%s]: a %s rule reads log lines; "
			    "profile '%s' uses the %s backend, whose rules are "
			    "kind = \"promql\" with an expr", sec->name, kind,
			    sec->profile, backend);
			return -1;
		}
		if (!promql && strcmp(kind, "promql") == 0) {
			perr(p, sec->line, "[%s]: a promql rule needs a "
			    "prometheus or grafana profile; profile '%s' uses "
			    "the %s backend", sec->name, sec->profile, backend);
			return -1;
		}
	}
	return 0;
}

/* Refuse a rule for a service its profile does not declare. */
static int
rules_have_services(struct parse *p)
{
	const struct config	*cfg = p->cfg;
	const struct csection	*sec, *svc;
	const struct cprofile	*prof;
	char			 hint[256];
	size_t			 i, j, d, bestd;

	if (rules_fit_backends(p) == -1)
		return -1;
	for (i = 0; i < cfg->nsections; i++) {
		sec = &cfg->sections[i];
		if (sec->kind != CSECT_RULE)
			continue;
		prof = config_profile(cfg, sec->profile);
		if (profile_service(cfg, prof, sec->sub) != NULL)
			continue;
		hint[0] = '\0';
		bestd = (size_t)-1;
		for (j = 0; j < prof->nservices; j++) {
			svc = &cfg->sections[prof->services[j]];
			d = levenshtein(sec->sub, svc->sub);
			if (d < bestd && close_enough(d, sec->sub)) {
				bestd = d;
				snprintf(hint, sizeof hint, " (did you mean "
				    "'%s'?)", svc->sub);
			}
		}
		perr(p, sec->line, "rule '%s' is for service '%s', which "
		    "profile '%s' does not declare%s", sec->item, sec->sub,
		    sec->profile, hint);
		return -1;
	}
	return 0;
}

/* Settle each profile's backend and active flag; one active at most. */
static int
finalize(struct parse *p)
{
	struct config		*cfg = p->cfg;
	struct cprofile		*prof;
	const struct csection	*sec;
	const struct ckey	*k, *first = NULL;
	const char		*backend, *firstname = NULL;
	size_t			 i;

	if (section_finish(p) == -1 || rules_have_services(p) == -1)
		return -1;
	for (i = 0; i < cfg->nprofiles; i++) {
		prof = &cfg->profiles[i];
		sec = profile_section(cfg, prof->name);
		backend = csection_str(sec, "backend");
		prof->backend = xstrdup(backend != NULL ? backend : "local");
		if ((k = csection_key(sec, "active")) == NULL || !k->v.b)
			continue;
		prof->active = 1;
		if (first != NULL) {
			perr(p, k->line, "profiles '%s' (line %u) and '%s' "
			    "(line %u) are both active = true; mark only one",
			    firstname, first->line, prof->name, k->line);
			return -1;
		}
		first = k;
		firstname = prof->name;
	}
	return 0;
}

/* Free a snapshot. */
void
config_free(struct config *cfg)
{
	struct csection	*sec;
	size_t		 i, j;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->nsections; i++) {
		sec = &cfg->sections[i];
		for (j = 0; j < sec->nkeys; j++)
			ckey_free(&sec->keys[j]);
		free(sec->keys);
		free(sec->name);
		free(sec->profile);
		free(sec->sub);
		free(sec->item);
	}
	free(cfg->sections);
	for (i = 0; i < cfg->nprofiles; i++) {
		free(cfg->profiles[i].name);
		free(cfg->profiles[i].backend);
		free(cfg->profiles[i].services);
		free(cfg->profiles[i].notifiers);
	}
	free(cfg->profiles);
	for (i = 0; i < cfg->nwarnings; i++)
		free(cfg->warnings[i]);
	free(cfg->warnings);
	free(cfg->path);
	free(cfg->envfile);
	free(cfg);
}

/*
 * Parse a configuration's text; name is used in messages and kept as the
 * path. envfile is the .env to read for env:NAME values the process
 * environment lacks (NULL: none). NULL and the first error on failure.
 */
struct config *
config_parse(const char *name, const char *text, size_t len,
    const char *envfile, char *err, size_t errlen)
{
	struct parse	 p;
	int		 rc;

	memset(&p, 0, sizeof p);
	p.file = name;
	p.text = text;
	p.len = len;
	p.err = err;
	p.errlen = errlen;
	p.envpath = envfile;
	p.cur = -1;
	p.cfg = xcalloc(1, sizeof *p.cfg);
	p.cfg->path = xstrdup(name);
	rc = ini_parse_stream(reader, &p, handler, &p);
	if (!p.failed && rc == -2)
		perr(&p, p.line, "out of memory");
	else if (!p.failed && rc != 0)
		perr(&p, rc > 0 ? (unsigned)rc : p.line, "the config reader "
		    "could not read this line");
	if (!p.failed)
		finalize(&p);
	dotenv_free(p.dotenv);
	if (p.failed) {
		config_free(p.cfg);
		return NULL;
	}
	return p.cfg;
}

/* The .env beside a config file, with an absolute directory if possible. */
static char *
envfile_for(const char *path)
{
	char		 dir[PATH_MAX], real[PATH_MAX], *env;
	const char	*slash;

	if ((slash = strrchr(path, '/')) == NULL)
		strlcpy(dir, ".", sizeof dir);
	else if (slash == path)
		strlcpy(dir, "/", sizeof dir);
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	if (realpath(dir, real) != NULL)
		strlcpy(dir, real, sizeof dir);
	xasprintf(&env, "%s%s.env", dir, dir[strlen(dir) - 1] == '/' ?
	    "" : "/");
	return env;
}

/* Whether a snapshot holds a secret written literally in the file. */
static int
has_literal_secret(const struct config *cfg)
{
	const struct csection	*sec;
	size_t			 i, j;

	for (i = 0; i < cfg->nsections; i++) {
		sec = &cfg->sections[i];
		for (j = 0; j < sec->nkeys; j++)
			if (sec->keys[j].secret && sec->keys[j].env == NULL)
				return 1;
	}
	return 0;
}

/* Read and parse a configuration file. */
struct config *
config_load(const char *path, char *err, size_t errlen)
{
	struct config	*cfg;
	struct stat	 st;
	char		*text, *envfile;
	size_t		 len;
	int		 fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 ||
	    (text = read_fd(fd, CONFIG_MAXSIZE, &len)) == NULL) {
		saved = errno;
		close(fd);
		if (saved == EFBIG)
			seterr(err, errlen, "%s: the file is larger than %d "
			    "bytes", path, CONFIG_MAXSIZE);
		else
			seterr(err, errlen, "%s: %s", path, strerror(saved));
		return NULL;
	}
	close(fd);
	envfile = envfile_for(path);
	cfg = config_parse(path, text, len, envfile, err, errlen);
	free(envfile);
	free(text);
	if (cfg != NULL && (st.st_mode & (S_IRGRP | S_IROTH)) &&
	    has_literal_secret(cfg))
		add_warning(cfg, "%s holds secrets and is readable by group or "
		    "others; run chmod 600 %s", path, path);
	return cfg;
}

/* Put dir + rest into buf; the path if the file exists, else NULL. */
static const char *
try_path(char *buf, size_t len, const char *dir, const char *rest)
{
	if ((size_t)snprintf(buf, len, "%s%s", dir, rest) >= len)
		return NULL;
	if (access(buf, F_OK) != 0)
		return NULL;
	return buf;
}

/*
 * The configuration file to read: $TINKR_CONFIG (even when missing, so
 * that loading it reports the mistake), else the first that exists of
 * ~/.tinkr/config.toml, $XDG_CONFIG_HOME/tinkr/tinkr.toml (default
 * ~/.config) and /etc/tinkr/tinkr.toml. NULL when there is none.
 */
const char *
config_find_path(char *buf, size_t len)
{
	const char	*env, *home, *xdg;

	if ((env = getenv("TINKR_CONFIG")) != NULL && *env != '\0') {
		if (strlcpy(buf, env, len) >= len)
			return NULL;
		return buf;
	}
	home = getenv("HOME");
	if (home != NULL && *home == '\0')
		home = NULL;
	if (home != NULL && try_path(buf, len, home,
	    "/.tinkr/config.toml") != NULL)
		return buf;
	xdg = getenv("XDG_CONFIG_HOME");
	if (xdg != NULL && *xdg == '/') {
		if (try_path(buf, len, xdg, "/tinkr/tinkr.toml") != NULL)
			return buf;
	} else if (home != NULL && try_path(buf, len, home,
	    "/.config/tinkr/tinkr.toml") != NULL)
		return buf;
	return try_path(buf, len, "/etc/tinkr/tinkr.toml", "");
}

/* The built-in snapshot: one profile, "default", on the local backend. */
struct config *
config_default(void)
{
	struct config	*cfg;

	cfg = xcalloc(1, sizeof *cfg);
	cfg->profiles = xcalloc(1, sizeof *cfg->profiles);
	cfg->profiles[0].name = xstrdup("default");
	cfg->profiles[0].backend = xstrdup("local");
	cfg->nprofiles = 1;
	return cfg;
}

/* The profile called name, or NULL. */
const struct cprofile *
config_profile(const struct config *cfg, const char *name)
{
	size_t	 i;

	for (i = 0; i < cfg->nprofiles; i++)
		if (strcmp(cfg->profiles[i].name, name) == 0)
			return &cfg->profiles[i];
	return NULL;
}

/* The section with this full name ("profiles.demo.services.api"), or NULL. */
const struct csection *
config_section(const struct config *cfg, const char *name)
{
	size_t	 i;

	for (i = 0; i < cfg->nsections; i++)
		if (strcmp(cfg->sections[i].name, name) == 0)
			return &cfg->sections[i];
	return NULL;
}

/* Of the sections at n indexes, the one whose subsection is name. */
static const struct csection *
section_named(const struct config *cfg, const size_t *idx, size_t n,
    const char *name)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(cfg->sections[idx[i]].sub, name) == 0)
			return &cfg->sections[idx[i]];
	return NULL;
}

/* A profile's service section called name, or NULL. */
const struct csection *
config_service(const struct config *cfg, const struct cprofile *prof,
    const char *name)
{
	return section_named(cfg, prof->services, prof->nservices, name);
}

/* A profile's notifier section called name, or NULL. */
const struct csection *
config_notifier(const struct config *cfg, const struct cprofile *prof,
    const char *name)
{
	return section_named(cfg, prof->notifiers, prof->nnotifiers, name);
}

/* A number key's value, or dflt when absent. */
static double
csection_number(const struct csection *sec, const char *name, double dflt)
{
	const struct ckey	*k;
	double			 d;

	if ((k = csection_key(sec, name)) == NULL ||
	    cval_number(&k->v, &d) == -1)
		return dflt;
	return d;
}

/* A copy of a string key's value, or NULL when absent. */
static char *
csection_strdup(const struct csection *sec, const char *name)
{
	const char	*s;

	return (s = csection_str(sec, name)) != NULL ? xstrdup(s) : NULL;
}

/* The index of s in a NULL-terminated list, or 0 when absent. */
static int
choice_index(const char *const *list, const char *s)
{
	int	 i;

	for (i = 0; s != NULL && list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return i;
	return 0;
}

/* Fill a rule from its validated section, with the defaults. */
static void
rule_from(const struct csection *sec, struct rule *r)
{
	const char	*s;

	memset(r, 0, sizeof *r);
	r->name = xstrdup(sec->item);
	r->kind = (enum rule_kind)choice_index(rkinds,
	    csection_str(sec, "kind"));
	r->query = csection_strdup(sec, "query");
	r->expr = csection_strdup(sec, "expr");
	r->quantile = NAN;
	if (r->kind == RULE_QUANTILE) {
		r->field = csection_strdup(sec, "field");
		r->quantile = csection_number(sec, "quantile",
		    RULE_QUANTILE_DEFAULT);
	}
	r->threshold = csection_number(sec, "threshold", NAN);
	r->below = choice_index(directions,
	    csection_str(sec, "direction")) == 1;
	r->severity = SEV_MEDIUM;
	if ((s = csection_str(sec, "severity")) != NULL)
		severity_parse(s, &r->severity);
	r->high = csection_number(sec, "high", NAN);
	r->critical = csection_number(sec, "critical", NAN);
	r->unit = csection_strdup(sec, "unit");
	r->line = sec->line;
}

/*
 * The rules of a profile's service, in file order, in a new array for
 * rules_free (NULL when there are none). -1 when the profile does not
 * declare the service.
 */
int
config_service_rules(const struct config *cfg, const char *profile,
    const char *service, struct rule **rulesp, size_t *np)
{
	const struct cprofile	*prof;
	const struct csection	*sec;
	size_t			 i;

	*rulesp = NULL;
	*np = 0;
	if ((prof = config_profile(cfg, profile)) == NULL ||
	    profile_service(cfg, prof, service) == NULL)
		return -1;
	for (i = 0; i < cfg->nsections; i++) {
		sec = &cfg->sections[i];
		if (sec->kind != CSECT_RULE || strcmp(sec->profile,
		    profile) != 0 || strcmp(sec->sub, service) != 0)
			continue;
		*rulesp = xreallocarray(*rulesp, *np + 1, sizeof **rulesp);
		rule_from(sec, &(*rulesp)[(*np)++]);
	}
	return 0;
}

/* Free what config_service_rules returned. */
void
rules_free(struct rule *rules, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(rules[i].name);
		free(rules[i].query);
		free(rules[i].expr);
		free(rules[i].field);
		free(rules[i].unit);
	}
	free(rules);
}

/* "a, b" -- the profile names, for messages. */
static void
profile_list(const struct config *cfg, char *buf, size_t len)
{
	size_t	 i;

	if (cfg->nprofiles == 0) {
		strlcpy(buf, "none", len);
		return;
	}
	buf[0] = '\0';
	for (i = 0; i < cfg->nprofiles; i++) {
		if (i > 0)
			strlcat(buf, ", ", len);
		strlcat(buf, cfg->profiles[i].name, len);
	}
}

/*
 * Choose the profile: --profile (flag), then $TINKR_PROFILE, then the one
 * with active = true, then the one called "default". *how says which.
 */
const char *
config_select_profile(const struct config *cfg, const char *flag,
    const char **how, char *err, size_t errlen)
{
	const struct cprofile	*prof;
	const char		*env, *where, *dummy;
	char			 list[1024];
	size_t			 i;

	if (how == NULL)
		how = &dummy;
	*how = NULL;
	where = cfg->path != NULL ? cfg->path : "the built-in configuration";
	profile_list(cfg, list, sizeof list);
	if (flag != NULL && *flag != '\0') {
		if ((prof = config_profile(cfg, flag)) == NULL) {
			seterr(err, errlen, "no profile '%s' in %s (profiles: "
			    "%s)", flag, where, list);
			return NULL;
		}
		*how = "--profile";
		return prof->name;
	}
	if ((env = getenv("TINKR_PROFILE")) != NULL && *env != '\0') {
		if ((prof = config_profile(cfg, env)) == NULL) {
			seterr(err, errlen, "TINKR_PROFILE: no profile '%s' in "
			    "%s (profiles: %s)", env, where, list);
			return NULL;
		}
		*how = "TINKR_PROFILE";
		return prof->name;
	}
	for (i = 0; i < cfg->nprofiles; i++) {
		if (cfg->profiles[i].active) {
			*how = "active = true";
			return cfg->profiles[i].name;
		}
	}
	if ((prof = config_profile(cfg, "default")) != NULL) {
		*how = "default";
		return prof->name;
	}
	seterr(err, errlen, "no profile selected: pass --profile, set "
	    "TINKR_PROFILE, or mark one profile active = true (profiles: %s)",
	    list);
	return NULL;
}

/* A value as JSON, by its type. */
static json_t *
cval_json(const struct cval *v)
{
	json_t	*a;
	size_t	 i;

	switch (v->type) {
	case CVAL_STRING:
		return json_string(v->s);
	case CVAL_INTEGER:
		return json_integer(v->i);
	case CVAL_FLOAT:
		if (isnan(v->f))
			return json_string("nan");
		if (isinf(v->f))
			return json_string(v->f < 0 ? "-inf" : "inf");
		return json_real(v->f);
	case CVAL_BOOL:
		return json_boolean(v->b);
	case CVAL_ARRAY:
		a = json_array();
		for (i = 0; i < v->nitems; i++)
			json_array_append_new(a, cval_json(&v->items[i]));
		return a;
	}
	return json_null();
}

/* "https://host:port/<redacted>": where a secret URL goes, not its key. */
static json_t *
redacted_url(const char *s)
{
	const char	*host, *end;
	json_t		*j;
	char		*r;

	if (!url_valid(s, &host, &end))
		return json_string("<redacted>");
	xasprintf(&r, "%s://%.*s/<redacted>", tolower((unsigned char)s[4]) ==
	    's' ? "https" : "http", (int)(end - host), host);
	j = json_string(r);
	free(r);
	return j;
}

/* A key's value as shown to people: env:NAME, redacted, or itself. */
static json_t *
ckey_json(const struct csection *sec, const struct ckey *k)
{
	const struct keyrule	*kr;
	json_t			*j;
	char			*s;

	if (k->env != NULL) {
		xasprintf(&s, "env:%s", k->env);
		j = json_string(s);
		free(s);
		return j;
	}
	if (k->secret) {
		kr = keyrule_find(sec->kind, k->name);
		if (kr != NULL && kr->check == K_URL &&
		    k->v.type == CVAL_STRING)
			return redacted_url(k->v.s);
		return json_string("<redacted>");
	}
	return cval_json(&k->v);
}

/* A rule key as JSON when set, else dflt (NULL: leave it out). */
static void
rule_member(json_t *j, const struct csection *sec, const char *name,
    json_t *dflt)
{
	const struct ckey	*k;

	if ((k = csection_key(sec, name)) != NULL) {
		json_object_set_new(j, name, ckey_json(sec, k));
		json_decref(dflt);
	} else if (dflt != NULL)
		json_object_set_new(j, name, dflt);
}

/* {"name", "kind", "query", ...}: a rule with its defaults. */
static json_t *
rule_json(const struct csection *sec)
{
	const char	*kind;
	json_t		*j;

	kind = csection_str(sec, "kind");
	j = json_object();
	json_object_set_new(j, "name", json_string(sec->item));
	rule_member(j, sec, "kind", NULL);
	rule_member(j, sec, "query", NULL);
	rule_member(j, sec, "field", NULL);
	if (kind != NULL && strcmp(kind, "quantile") == 0)
		rule_member(j, sec, "quantile",
		    json_real(RULE_QUANTILE_DEFAULT));
	rule_member(j, sec, "threshold", NULL);
	rule_member(j, sec, "direction", json_string("above"));
	rule_member(j, sec, "severity", json_string("medium"));
	rule_member(j, sec, "high", NULL);
	rule_member(j, sec, "critical", NULL);
	rule_member(j, sec, "unit", NULL);
	return j;
}

/* {"name", "logs": [...], "format", "rules": [...]} */
static json_t *
service_json(const struct config *cfg, const struct csection *sec)
{
	const struct csection	*r;
	const struct ckey	*k;
	json_t			*j, *logs, *rules;
	size_t			 i;

	k = csection_key(sec, "logs");
	if (k == NULL)
		logs = json_array();
	else if (k->v.type == CVAL_ARRAY)
		logs = ckey_json(sec, k);
	else {
		logs = json_array();
		json_array_append_new(logs, ckey_json(sec, k));
	}
	j = json_object();
	json_object_set_new(j, "name", json_string(sec->sub));
	json_object_set_new(j, "logs", logs);
	k = csection_key(sec, "format");
	json_object_set_new(j, "format", k != NULL ? ckey_json(sec, k) :
	    json_string("auto"));
	rules = json_array();
	for (i = 0; i < cfg->nsections; i++) {
		r = &cfg->sections[i];
		if (r->kind == CSECT_RULE && strcmp(r->profile,
		    sec->profile) == 0 && strcmp(r->sub, sec->sub) == 0)
			json_array_append_new(rules, rule_json(r));
	}
	json_object_set_new(j, "rules", rules);
	return j;
}

/* {"name", "type", <keys>...} with secrets redacted. */
static json_t *
notifier_json(const struct csection *sec)
{
	const struct ckey	*k;
	json_t			*j;
	size_t			 i;

	j = json_object();
	if (sec->sub != NULL)
		json_object_set_new(j, "name", json_string(sec->sub));
	if ((k = csection_key(sec, "type")) != NULL)
		json_object_set_new(j, "type", ckey_json(sec, k));
	for (i = 0; i < sec->nkeys; i++) {
		k = &sec->keys[i];
		if (strcmp(k->name, "type") != 0)
			json_object_set_new(j, k->name, ckey_json(sec, k));
	}
	return j;
}

/* One profile as JSON, secrets redacted. */
json_t *
config_profile_json(const struct config *cfg, const struct cprofile *prof)
{
	const struct csection	*sec;
	const struct ckey	*k;
	json_t			*j, *list;
	size_t			 i;

	j = json_object();
	json_object_set_new(j, "name", json_string(prof->name));
	sec = profile_section(cfg, prof->name);
	if ((k = csection_key(sec, "backend")) != NULL)
		json_object_set_new(j, "backend", ckey_json(sec, k));
	else
		json_object_set_new(j, "backend", json_string(prof->backend));
	json_object_set_new(j, "active", json_boolean(prof->active));
	for (i = 0; sec != NULL && i < sec->nkeys; i++) {
		k = &sec->keys[i];
		if (strcmp(k->name, "backend") != 0 &&
		    strcmp(k->name, "active") != 0)
			json_object_set_new(j, k->name, ckey_json(sec, k));
	}
	list = json_array();
	for (i = 0; i < prof->nservices; i++)
		json_array_append_new(list,
		    service_json(cfg, &cfg->sections[prof->services[i]]));
	json_object_set_new(j, "services", list);
	list = json_array();
	for (i = 0; i < prof->nnotifiers; i++)
		json_array_append_new(list,
		    notifier_json(&cfg->sections[prof->notifiers[i]]));
	json_object_set_new(j, "notifiers", list);
	return j;
}

/* The whole snapshot as JSON, secrets redacted. */
json_t *
config_json(const struct config *cfg)
{
	json_t	*j, *list;
	size_t	 i;

	j = json_object();
	json_object_set_new(j, "path", cfg->path != NULL ?
	    json_string(cfg->path) : json_null());
	json_object_set_new(j, "env_file", cfg->envfile != NULL ?
	    json_string(cfg->envfile) : json_null());
	list = json_array();
	for (i = 0; i < cfg->nprofiles; i++)
		json_array_append_new(list,
		    config_profile_json(cfg, &cfg->profiles[i]));
	json_object_set_new(j, "profiles", list);
	list = json_array();
	for (i = 0; i < cfg->nsections; i++) {
		if (cfg->sections[i].kind == CSECT_SERVER)
			json_object_set_new(j, "server",
			    notifier_json(&cfg->sections[i]));
		else if (cfg->sections[i].kind == CSECT_LLM)
			json_object_set_new(j, "llm",
			    notifier_json(&cfg->sections[i]));
		else if (cfg->sections[i].kind == CSECT_AUTHKEY)
			json_array_append_new(list,
			    notifier_json(&cfg->sections[i]));
	}
	json_object_set_new(j, "auth_keys", list);
	return j;
}
