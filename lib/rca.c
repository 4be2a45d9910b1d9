/*
 * rca.c -- a deterministic root-cause analysis: what the error lines of a
 * window say, when they started, what they name, and which kind of failure
 * they look like, each conclusion with the lines behind it.
 *
 * Error messages are grouped into templates by masking what varies (UUIDs,
 * IP addresses, long hex strings, numbers, quoted strings). The onset is
 * the first minute whose error count stands clear of the previous window's
 * rate. Templates are compared with the previous window to find what grew;
 * host names and URLs in the messages are the dependencies suspected; a
 * table of phrases says which kind of failure the templates describe.
 */

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rca.h"
#include "util.h"

#define TEMPLATES_MAX	2000
#define SHOW_MAX	5

/* One template of error messages. */
struct tmpl {
	char		*text;
	char		*example;	/* the newest message it holds */
	long		 now;		/* in the window */
	long		 before;	/* in the window before */
	long long	 first;		/* epoch seconds, in the window */
	long long	 last;
};

/* A kind of failure and the phrases that name it. */
struct kind {
	const char		*name;
	const char		*label;
	const char *const	*phrases;
	const char *const	*checks;
};

static const char *const dep_phrases[] = {
	"connection refused", "econnrefused", "no route to host",
	"unreachable", "connect error", "dial tcp", "connection reset",
	"broken pipe", "upstream", "service unavailable", " 502", " 503",
	"name or service not known", "could not resolve", "dns", NULL
};
static const char *const dep_checks[] = {
	"Check that the suspected dependencies are up and reachable from "
	    "this host (health endpoints, DNS, security groups).",
	"Look at their own logs and deploys around the onset.",
	"Check connection pools and circuit breakers towards them.", NULL
};
static const char *const timeout_phrases[] = {
	"timeout", "timed out", "deadline exceeded", "etimedout",
	"took too long", "slow", NULL
};
static const char *const timeout_checks[] = {
	"Compare the latency of the slowest dependency before and after the "
	    "onset.",
	"Check timeouts and retries: a retry storm can turn slowness into an "
	    "outage.",
	"Look for saturation (CPU, connection pools, queues) on both sides.",
	NULL
};
static const char *const config_phrases[] = {
	"config", "not set", "missing", "invalid", "permission denied",
	"unauthorized", "forbidden", " 401", " 403", "certificate",
	"not found in", "unknown option", "environment variable", NULL
};
static const char *const config_checks[] = {
	"Compare the configuration and secrets deployed at the onset with "
	    "the last good ones.",
	"Check credentials, certificates and permissions for expiry or "
	    "rotation.",
	"Roll back the last configuration change if it lines up with the "
	    "onset.", NULL
};
static const char *const resource_phrases[] = {
	"out of memory", "oom", "too many open files", "no space left",
	"disk full", "pool exhausted", "too many connections", "quota",
	"resource exhausted", "rate limit", "throttl", "capacity", NULL
};
static const char *const resource_checks[] = {
	"Check memory, file descriptors, disk and connection counts of the "
	    "service's hosts.",
	"Look for a traffic increase or a leak that grew towards the onset.",
	"Scale out or raise the limit named in the errors, then find why it "
	    "was reached.", NULL
};
static const char *const code_phrases[] = {
	"exception", "panic", "nil pointer", "null pointer", "undefined",
	"typeerror", "segmentation", "assert", "stack trace", "traceback",
	"index out of range", "keyerror", "attributeerror", NULL
};
static const char *const code_checks[] = {
	"Find the deploy nearest before the onset and read its changes to the "
	    "failing code path.",
	"Reproduce with the example message's input; roll back if the deploy "
	    "lines up.", NULL
};

static const struct kind kinds[] = {
	{ "dependency_down", "a dependency is down", dep_phrases,
	    dep_checks },
	{ "timeout", "timeouts", timeout_phrases, timeout_checks },
	{ "configuration", "a configuration problem", config_phrases,
	    config_checks },
	{ "resource_exhaustion", "resource exhaustion", resource_phrases,
	    resource_checks },
	{ "code_error", "a code error", code_phrases, code_checks },
};

/* Whether s[0..] starts a UUID. */
static int
is_uuid(const char *s)
{
	static const int	 groups[] = { 8, 4, 4, 4, 12 };
	int			 g, i;

	for (g = 0; g < 5; g++) {
		for (i = 0; i < groups[g]; i++, s++)
			if (!isxdigit((unsigned char)*s))
				return 0;
		if (g < 4 && *s++ != '-')
			return 0;
	}
	return !isalnum((unsigned char)*s);
}

/* The length of an IPv4 address at s, or 0. */
static size_t
ipv4_len(const char *s)
{
	size_t	 n = 0;
	int	 dots = 0, digits;

	for (;;) {
		for (digits = 0; isdigit((unsigned char)s[n]); n++)
			digits++;
		if (digits == 0 || digits > 3)
			return 0;
		if (dots == 3 || s[n] != '.')
			break;
		dots++;
		n++;
	}
	return dots == 3 ? n : 0;
}

/*
 * A message with what varies masked: <uuid>, <ip>, <hex>, <n> and "<s>"
 * for quoted strings. A new string.
 */
char *
rca_mask(const char *msg)
{
	struct strbuf	 b = { NULL, 0, 0 };
	const char	*p = msg, *q;
	size_t		 n;
	int		 word_start;

	strbuf_add(&b, "", 0);
	while (*p != '\0' && b.len < 512) {
		word_start = p == msg || !isalnum((unsigned char)p[-1]);
		if (word_start && is_uuid(p)) {
			strbuf_str(&b, "<uuid>");
			p += 36;
		} else if (word_start && (n = ipv4_len(p)) > 0) {
			strbuf_str(&b, "<ip>");
			p += n;
		} else if (word_start && isxdigit((unsigned char)*p)) {
			for (q = p, n = 0; isxdigit((unsigned char)*q); q++)
				n += isdigit((unsigned char)*q) != 0;
			if (q - p >= 8 && n > 0 && !isalnum((unsigned char)*q)) {
				strbuf_str(&b, "<hex>");
				p = q;
			} else if (isdigit((unsigned char)*p)) {
				while (isdigit((unsigned char)*p) || *p == '.')
					p++;
				strbuf_str(&b, "<n>");
			} else
				strbuf_addc(&b, *p++);
		} else if (*p == '"' || *p == '\'') {
			if ((q = strchr(p + 1, *p)) != NULL) {
				strbuf_str(&b, *p == '"' ? "\"<s>\"" : "'<s>'");
				p = q + 1;
			} else
				strbuf_addc(&b, *p++);
		} else if (isdigit((unsigned char)*p) && word_start) {
			while (isdigit((unsigned char)*p) || *p == '.')
				p++;
			strbuf_str(&b, "<n>");
		} else
			strbuf_addc(&b, *p++);
	}
	return b.s;
}

/* Case-insensitive substring search. */
static int
has(const char *hay, const char *needle)
{
	size_t	 n = strlen(needle), i;

	for (; *hay != '\0'; hay++) {
		for (i = 0; i < n && hay[i] != '\0'; i++)
			if (tolower((unsigned char)hay[i]) !=
			    tolower((unsigned char)needle[i]))
				break;
		if (i == n)
			return 1;
	}
	return 0;
}

/* The templates of the entries, counted in both windows. */
static struct tmpl *
templates(const struct rca_input *in, size_t *np)
{
	struct tmpl	*v = NULL;
	json_t		*e;
	const char	*msg;
	char		*t;
	long long	 ts, start = in->now - in->since;
	size_t		 i, j, n = 0;

	json_array_foreach(in->entries, i, e) {
		if ((msg = json_string_value(json_object_get(e,
		    "message"))) == NULL)
			continue;
		ts = parse_time_iso(json_string_value(json_object_get(e,
		    "timestamp")));
		t = rca_mask(msg);
		for (j = 0; j < n; j++)
			if (strcmp(v[j].text, t) == 0)
				break;
		if (j == n) {
			if (n == TEMPLATES_MAX) {
				free(t);
				continue;
			}
			v = xreallocarray(v, n + 1, sizeof *v);
			memset(&v[n], 0, sizeof v[n]);
			v[n].text = t;
			n++;
		} else
			free(t);
		if (ts >= 0 && ts < start) {
			v[j].before++;
			continue;
		}
		v[j].now++;
		if (ts >= 0 && (v[j].first == 0 || ts < v[j].first))
			v[j].first = ts;
		if (ts >= v[j].last) {
			v[j].last = ts;
			free(v[j].example);
			v[j].example = xstrdup(msg);
		}
	}
	*np = n;
	return v;
}

static int
by_count(const void *a, const void *b)
{
	const struct tmpl	*x = a, *y = b;

	if (x->now != y->now)
		return x->now > y->now ? -1 : 1;
	return strcmp(x->text, y->text);
}

/* "14:03 UTC" of a time. */
static void
hhmm(long long t, char *buf, size_t len)
{
	time_t		 tt = (time_t)t;
	struct tm	 tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%H:%M UTC", &tm);
}

/*
 * The onset: the first minute of the window whose error count is more
 * than twice the previous window's rate and at least 3 above it; -1.
 */
static long long
onset(const struct rca_input *in, double *base)
{
	long long	 start = in->now - in->since, t;
	double		 sum = 0, v;
	size_t		 i, n = 0;
	json_t		*pt;

	json_array_foreach(in->errors, i, pt) {
		t = parse_time_iso(json_string_value(json_object_get(pt,
		    "timestamp")));
		if (t >= 0 && t < start) {
			sum += json_number_value(json_object_get(pt, "value"));
			n++;
		}
	}
	/* Minutes without a point had no errors. */
	*base = in->since > 0 ? sum / ((double)in->since / 60) : 0;
	(void)n;
	json_array_foreach(in->errors, i, pt) {
		t = parse_time_iso(json_string_value(json_object_get(pt,
		    "timestamp")));
		v = json_number_value(json_object_get(pt, "value"));
		if (t >= start && v > 2 * *base && v >= *base + 3)
			return t;
	}
	return -1;
}

/* The mean of a series' values in [from, to); NAN when it has none. */
static double
mean_between(json_t *series, long long from, long long to)
{
	double	 sum = 0;
	size_t	 i, n = 0;
	json_t	*pt;
	long long t;

	json_array_foreach(series, i, pt) {
		t = parse_time_iso(json_string_value(json_object_get(pt,
		    "timestamp")));
		if (t >= from && t < to) {
			sum += json_number_value(json_object_get(pt, "value"));
			n++;
		}
	}
	return n > 0 ? sum / (double)n : NAN;
}

/* A suspect: a host or URL named in the error lines, and how often. */
struct suspect {
	char	 name[128];
	long	 count;
};

/* Add the hosts and URLs a message names. */
static void
find_suspects(const char *msg, long weight, struct suspect *s, size_t *ns,
    size_t max)
{
	const char	*p = msg, *q;
	char		 name[128];
	size_t		 len, i;
	int		 dots, alpha;

	while (*p != '\0') {
		if (!isalnum((unsigned char)*p) || (p > msg &&
		    (isalnum((unsigned char)p[-1]) || p[-1] == '.' ||
		    p[-1] == '-'))) {
			p++;
			continue;
		}
		if (strncmp(p, "http://", 7) == 0 || strncmp(p, "https://",
		    8) == 0)
			p = strstr(p, "//") + 2;
		for (q = p, dots = 0, alpha = 0; isalnum((unsigned char)*q) ||
		    *q == '.' || *q == '-' || *q == ':'; q++) {
			dots += *q == '.';
			alpha += isalpha((unsigned char)*q) != 0;
		}
		while (q > p && (q[-1] == '.' || q[-1] == ':'))
			q--;
		len = (size_t)(q - p);
		/* A name with a dot and letters, or an address with a port. */
		if (len > 3 && len < sizeof name && ((dots > 0 && alpha > 0 &&
		    isalpha((unsigned char)q[-1])) || (memchr(p, ':', len) !=
		    NULL && dots == 3))) {
			memcpy(name, p, len);
			name[len] = '\0';
			for (i = 0; i < *ns; i++)
				if (strcmp(s[i].name, name) == 0)
					break;
			if (i == *ns && *ns < max) {
				strlcpy(s[i].name, name, sizeof s[i].name);
				s[i].count = 0;
				(*ns)++;
			}
			if (i < *ns)
				s[i].count += weight;
		}
		p = q > p ? q : p + 1;
	}
}

static int
by_suspect(const void *a, const void *b)
{
	const struct suspect	*x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Add a section to the list. */
static void
section(json_t *list, const char *event, const char *title,
    struct strbuf *text)
{
	json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "event",
	    event, "title", title, "text", text->s != NULL ? text->s : ""));
	free(text->s);
	memset(text, 0, sizeof *text);
}

/* Append printf-style text. */
static void __attribute__((format(printf, 2, 3)))
add(struct strbuf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	xvasprintf(&s, fmt, ap);
	va_end(ap);
	strbuf_str(b, s);
	free(s);
}

/*
 * The analysis, as sections in order: summary, anomalies, error patterns,
 * timeline, likely cause, recommended checks, confidence. Each is
 * {"event", "title", "text"}; the last holds the verdict as data too.
 */
json_t *
rca_analyse(const struct rca_input *in)
{
	struct tmpl		*t;
	struct suspect		 sus[64];
	struct strbuf		 b = { NULL, 0, 0 };
	const struct kind	*best = NULL;
	json_t			*list = json_array(), *a;
	long			 total = 0, score[nitems(kinds)], bestscore = 0;
	long long		 on;
	double			 base, lat_before, lat_after;
	const char		*confidence;
	char			 when[32], win[32];
	size_t			 i, k, n, ns = 0, shown, active;

	format_duration(in->since, win, sizeof win);
	t = templates(in, &n);
	if (n > 1)
		qsort(t, n, sizeof *t, by_count);
	for (i = 0, active = 0; i < n; i++) {
		total += t[i].now;
		active += t[i].now > 0;
	}
	on = onset(in, &base);
	memset(score, 0, sizeof score);
	for (i = 0; i < n; i++) {
		if (t[i].now == 0)
			continue;
		for (k = 0; k < nitems(kinds); k++) {
			const char *const *ph;

			for (ph = kinds[k].phrases; *ph != NULL; ph++)
				if (has(t[i].text, *ph)) {
					score[k] += t[i].now;
					break;
				}
		}
		find_suspects(t[i].example != NULL ? t[i].example : t[i].text,
		    t[i].now, sus, &ns, nitems(sus));
	}
	for (k = 0; k < nitems(kinds); k++)
		if (score[k] > bestscore) {
			bestscore = score[k];
			best = &kinds[k];
		}
	if (ns > 1)
		qsort(sus, ns, sizeof *sus, by_suspect);
	if (total == 0)
		confidence = "none";
	else if (bestscore * 10 >= total * 6)
		confidence = "high";
	else if (bestscore * 10 >= total * 3)
		confidence = "medium";
	else
		confidence = "low";

	/* Summary. */
	if (total == 0)
		add(&b, "No error lines from %s in the last %s.", in->service,
		    win);
	else {
		add(&b, "%ld error line%s from %s in the last %s, in %zu "
		    "pattern%s.", total, total == 1 ? "" : "s", in->service,
		    win, active, active == 1 ? "" : "s");
		if (on >= 0) {
			hhmm(on, when, sizeof when);
			add(&b, " Errors rose at %s.", when);
		}
		if (best != NULL)
			add(&b, " Likely cause: %s (%s confidence)%s%s.",
			    best->label, confidence, ns > 0 ? ", naming " : "",
			    ns > 0 ? sus[0].name : "");
	}
	section(list, "summary", "Summary", &b);

	/* Anomalies. */
	if (json_array_size(in->anomalies) == 0)
		add(&b, "No anomalies detected in the last %s.", win);
	json_array_foreach(in->anomalies, i, a)
		add(&b, "%s%s %s: %s", i > 0 ? "\n" : "",
		    json_string_value(json_object_get(a, "severity")),
		    json_string_value(json_object_get(a, "metric")),
		    json_string_value(json_object_get(a, "description")));
	section(list, "anomalies", "Anomalies", &b);

	/* Error patterns, and what grew against the window before. */
	if (n == 0)
		add(&b, "None.");
	for (i = 0, shown = 0; i < n && shown < SHOW_MAX; i++) {
		if (t[i].now == 0)
			continue;
		add(&b, "%s%ld x %s (previous %s: %ld)", shown > 0 ? "\n" : "",
		    t[i].now, t[i].text, win, t[i].before);
		shown++;
	}
	section(list, "patterns", "Error patterns", &b);

	/* Timeline. */
	if (on >= 0) {
		hhmm(on, when, sizeof when);
		add(&b, "%s  onset: errors above %.1f a minute, the previous "
		    "window's rate", when, base);
	}
	for (i = 0, shown = 0; i < n && shown < SHOW_MAX; i++) {
		if (t[i].now == 0)
			continue;
		hhmm(t[i].first, when, sizeof when);
		add(&b, "%s%s  first: %s", b.len > 0 ? "\n" : "", when,
		    t[i].text);
		shown++;
	}
	if (on >= 0) {
		lat_before = mean_between(in->latency, in->now - 2 * in->since,
		    on);
		lat_after = mean_between(in->latency, on, in->now + 60);
		if (!isnan(lat_before) && !isnan(lat_after))
			add(&b, "\np99 latency: %.0f ms before the onset, %.0f "
			    "ms after", lat_before, lat_after);
	}
	if (b.len == 0)
		add(&b, "Nothing happened worth a line.");
	section(list, "timeline", "Timeline", &b);

	/* Likely cause, with its evidence. */
	if (best == NULL)
		add(&b, total > 0 ? "Unclassified: no pattern names a known "
		    "kind of failure." : "No errors to explain.");
	else {
		add(&b, "%s: %ld of %ld error lines say so.", best->label,
		    bestscore, total);
		for (i = 0, shown = 0; i < n && shown < 3; i++) {
			const char *const *ph;

			for (ph = best->phrases; *ph != NULL; ph++)
				if (t[i].now > 0 && has(t[i].text, *ph))
					break;
			if (*ph == NULL)
				continue;
			add(&b, "\nEvidence: %s", t[i].example);
			shown++;
		}
		for (i = 0; i < ns && i < 3; i++)
			add(&b, "\nSuspect: %s (named by %ld error line%s)",
			    sus[i].name, sus[i].count, sus[i].count == 1 ? "" :
			    "s");
	}
	section(list, "cause", "Likely cause", &b);

	/* Recommended checks. */
	if (best != NULL) {
		const char *const *c;

		for (c = best->checks; *c != NULL; c++)
			add(&b, "%s- %s", b.len > 0 ? "\n" : "", *c);
	} else
		add(&b, "- Read the newest error lines with tinkr logs -q "
		    "level:error.");
	section(list, "checks", "Recommended checks", &b);

	/* Confidence. */
	add(&b, "%s", confidence);
	json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:s?,"
	    " s:s?, s:I, s:I}",
	    "event", "confidence", "title", "Confidence", "text", b.s,
	    "confidence", confidence,
	    "classification", best != NULL ? best->name : NULL,
	    "onset", on >= 0 ? (format_time_iso(on, when, sizeof when),
	    when) : NULL,
	    "error_lines", (json_int_t)total,
	    "patterns", (json_int_t)active));
	free(b.s);
	for (i = 0; i < n; i++) {
		free(t[i].text);
		free(t[i].example);
	}
	free(t);
	return list;
}
