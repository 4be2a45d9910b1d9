/* anomaly.c -- what a source found wrong with a service */

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "anomaly.h"
#include "rule.h"
#include "util.h"

static const char *const severity_names[] = {
	"low", "medium", "high", "critical"
};

/* "low", "medium", "high" or "critical". */
const char *
severity_name(enum severity s)
{
	return severity_names[s];
}

/* Parse a severity name, any case; -1 if unknown. */
int
severity_parse(const char *s, enum severity *out)
{
	size_t	 i;

	for (i = 0; i < nitems(severity_names); i++) {
		if (strcasecmp(s, severity_names[i]) == 0) {
			*out = (enum severity)i;
			return 0;
		}
	}
	return -1;
}

/* Append an anomaly; the description is formatted. */
void
anomalies_add(struct anomalies *list, const char *service, const char *metric,
    enum severity sev, long long at, double value, double threshold,
    const char *fmt, ...)
{
	struct anomaly	*a;
	va_list		 ap;

	list->v = xreallocarray(list->v, list->n + 1, sizeof *list->v);
	a = &list->v[list->n++];
	a->service = xstrdup(service);
	a->metric = xstrdup(metric);
	a->severity = sev;
	a->detected_at = at;
	a->current_value = value;
	a->threshold = threshold;
	va_start(ap, fmt);
	xvasprintf(&a->description, fmt, ap);
	va_end(ap);
}

/* Free a list's anomalies. */
void
anomalies_free(struct anomalies *list)
{
	size_t	 i;

	for (i = 0; i < list->n; i++) {
		free(list->v[i].service);
		free(list->v[i].metric);
		free(list->v[i].description);
	}
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

/* A JSON number for a value that may not be finite. */
static json_t *
json_number(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* One anomaly in the reference payload's shape. */
json_t *
anomaly_json(const struct anomaly *a)
{
	char	 at[32];

	format_time_iso(a->detected_at, at, sizeof at);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o}",
	    "service", a->service,
	    "metric", a->metric,
	    "description", a->description,
	    "severity", severity_name(a->severity),
	    "detected_at", at,
	    "current_value", json_number(a->current_value),
	    "threshold", json_number(a->threshold));
}

/* A JSON array of anomalies. */
json_t *
anomalies_json(const struct anomalies *list)
{
	json_t	*arr = json_array();
	size_t	 i;

	for (i = 0; i < list->n; i++)
		json_array_append_new(arr, anomaly_json(&list->v[i]));
	return arr;
}

/*
 * Print an amount for people, shortest first: 3200 ms -> "3.2s",
 * 1000 ms -> "1s", 250 ms -> "250ms", 212800 ms -> "213s"; other units
 * print as plain numbers, never in exponent form.
 */
void
format_amount(double v, const char *unit, char *buf, size_t len)
{
	const char	*u = unit != NULL ? unit : "";

	if (strcmp(u, "ms") == 0 && fabs(v) >= 1000) {
		v /= 1000;
		u = "s";
	}
	if (v == floor(v) || fabs(v) >= 100)
		snprintf(buf, len, "%.0f%s", v, u);
	else if (fabs(v) >= 1)
		snprintf(buf, len, "%.3g%s", v, u);
	else
		snprintf(buf, len, "%.3f%s", v, u);
}

/* Is v beyond limit in the rule's direction? */
static int
beyond(const struct rule *r, double v, double limit)
{
	return !isnan(limit) && (r->below ? v < limit : v > limit);
}

/*
 * Whether value v fires rule r; if so *sev is its severity: the rule's
 * base one, raised by the high and critical tiers v is beyond.
 */
int
rule_fires(const struct rule *r, double v, enum severity *sev)
{
	if (isnan(v) || !beyond(r, v, r->threshold))
		return 0;
	*sev = r->severity;
	if (beyond(r, v, r->high) && *sev < SEV_HIGH)
		*sev = SEV_HIGH;
	if (beyond(r, v, r->critical))
		*sev = SEV_CRITICAL;
	return 1;
}
