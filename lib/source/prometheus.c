/*
 * prometheus.c -- anomalies and metrics from a Prometheus server.
 *
 * A request becomes one or more PromQL queries sent together over the
 * HTTP API (/api/v1/query, /api/v1/query_range) on the daemon's fetcher;
 * the job waits for all of them, then turns the values into anomalies or
 * points. A query that fails fails the request: a backend error is never
 * an empty anomaly list.
 */

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anomaly.h"
#include "config.h"
#include "fetch.h"
#include "promql.h"
#include "rule.h"
#include "slo.h"
#include "source.h"
#include "util.h"

/* The default rules, as the reference page describes them. */
#define HTTP5XX_THRESHOLD	0.1	/* 5xx responses per second */
#define HTTP5XX_HIGH		1.0
#define P99_THRESHOLD_MS	1000.0

#define SERVICE_LABEL_DEFAULT	"service"
#define RANGE_POINTS		240	/* about this many points per series */
#define RANGE_STEP_MIN		15	/* seconds */

enum pq_kind {
	PQ_5XX,			/* the default http_5xx_rate */
	PQ_P99,			/* the default latency_p99 */
	PQ_RULE,		/* a [rules.NAME] of kind promql */
	PQ_RANGE,		/* the points of a metric */
	PQ_SLO			/* requests or errors over a period */
};

/* One PromQL query of a job. */
struct pquery {
	enum pq_kind		 kind;
	char			*name;		/* the anomaly's metric */
	char			*promql;
	const struct rule	*rule;		/* PQ_RULE */
	struct fetch		*fe;
};

struct prom_job {
	struct source_params	 p;
	char			*service;
	char			*profile;
	char			*metric;	/* SOURCE_METRICS */
	char			 origin[256];	/* for messages */
	char			 win[32];
	struct pquery		*q;
	size_t			 nq;
	struct rule		*rules;
	size_t			 nrules;
	json_t			*result;
	int			 status;
};

/* A new selector's query: name{label="service"<more>}. */
static char *
selector(const char *fmt_before, const char *metric, const char *label,
    const char *service, const char *more, const char *after)
{
	struct strbuf	 b = { NULL, 0, 0 };

	strbuf_str(&b, fmt_before);
	strbuf_str(&b, metric);
	strbuf_addc(&b, '{');
	strbuf_str(&b, label);
	strbuf_str(&b, "=\"");
	promql_label_value(&b, service);
	strbuf_addc(&b, '"');
	strbuf_str(&b, more);
	strbuf_addc(&b, '}');
	strbuf_str(&b, after);
	return b.s;
}

/* Whether s is a bare metric name. */
static int
metric_name(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (!(isalpha((unsigned char)s[i]) || s[i] == '_' ||
		    s[i] == ':' || (i > 0 && isdigit((unsigned char)s[i]))))
			return 0;
	return i > 0;
}

static int	instant_value(struct prom_job *, const struct pquery *,
		    double *);

/* The [profiles.P.services.S] section of a service, or NULL. */
static const struct csection *
service_section(const struct config *conf, const struct cprofile *prof,
    const char *service)
{
	size_t	 i;

	for (i = 0; i < prof->nservices; i++)
		if (strcmp(conf->sections[prof->services[i]].sub, service) == 0)
			return &conf->sections[prof->services[i]];
	return NULL;
}

/* Add a query to the job. */
static struct pquery *
add_query(struct prom_job *job, enum pq_kind kind, const char *name,
    char *promql)
{
	struct pquery	*q;

	job->q = xreallocarray(job->q, job->nq + 1, sizeof *job->q);
	q = &job->q[job->nq++];
	memset(q, 0, sizeof *q);
	q->kind = kind;
	q->name = xstrdup(name);
	q->promql = promql;
	return q;
}

/* The default queries of a service: 5xx rate, and p99 if it has one. */
static void
default_queries(struct prom_job *job, const char *label)
{
	char	 range[48];

	snprintf(range, sizeof range, "[%s]))", job->win);
	add_query(job, PQ_5XX, "http_5xx_rate", selector("sum(rate(",
	    "http_requests_total", label, job->service, ",status=~\"5..\"",
	    range));
	snprintf(range, sizeof range, "[%s])))", job->win);
	add_query(job, PQ_P99, "latency_p99", selector("histogram_quantile("
	    "0.99, sum by (le) (rate(", "http_request_duration_seconds_bucket",
	    label, job->service, "", range));
}

/*
 * The queries of an SLO report: requests and 5xx responses over the
 * window, then over the last hour, 6 hours and day.
 */
static void
slo_queries(struct prom_job *job, const char *label,
    const struct csection *svc)
{
	const char	*spans[4], *te, *ee;
	char		 range[48];
	int		 i;

	spans[0] = job->win;
	spans[1] = "1h";
	spans[2] = "6h";
	spans[3] = "24h";
	te = csection_str(svc, "slo_total_expr");
	ee = csection_str(svc, "slo_errors_expr");
	for (i = 0; i < 4; i++) {
		snprintf(range, sizeof range, "[%s]))", spans[i]);
		add_query(job, PQ_SLO, "total", te != NULL ?
		    promql_expand(te, job->service, spans[i]) :
		    selector("sum(increase(", "http_requests_total", label,
		    job->service, "", range));
		add_query(job, PQ_SLO, "errors", ee != NULL ?
		    promql_expand(ee, job->service, spans[i]) :
		    selector("sum(increase(", "http_requests_total", label,
		    job->service, ",status=~\"5..\"", range));
	}
}

/* Build an SLO report from its eight queries. */
static void
finish_slo(struct prom_job *job)
{
	struct slo_counts	 c[4];
	double			 v[8];
	size_t			 i;

	for (i = 0; i < 8; i++) {
		if (instant_value(job, &job->q[i], &v[i]) == -1)
			return;
		if (isnan(v[i]))
			v[i] = 0;
	}
	for (i = 0; i < 4; i++) {
		c[i].total = v[2 * i];
		c[i].errors = v[2 * i + 1];
	}
	job->status = 200;
	job->result = slo_report(job->service, job->p.target, job->p.window,
	    &c[0], &c[1]);
	json_object_set_new(job->result, "profile",
	    json_string(job->profile));
}

/* The query of a metric: a default rule's, a rule's, or the series. */
static char *
metric_query(struct prom_job *job, const char *label)
{
	struct prom_job	 tmp;
	char		*s;
	size_t		 i;

	for (i = 0; i < job->nrules; i++)
		if (strcmp(job->rules[i].name, job->metric) == 0)
			return promql_expand(job->rules[i].expr, job->service,
			    job->win);
	if (strcmp(job->metric, "http_5xx_rate") == 0 ||
	    strcmp(job->metric, "latency_p99") == 0) {
		memset(&tmp, 0, sizeof tmp);
		tmp.service = job->service;
		strlcpy(tmp.win, "5m", sizeof tmp.win);
		default_queries(&tmp, label);
		s = xstrdup(tmp.q[strcmp(job->metric, "latency_p99") == 0]
		    .promql);
		for (i = 0; i < tmp.nq; i++) {
			free(tmp.q[i].name);
			free(tmp.q[i].promql);
		}
		free(tmp.q);
		return s;
	}
	if (metric_name(job->metric))
		return selector("sum(", job->metric, label, job->service, "",
		    ")");
	return promql_expand(job->metric, job->service, job->win);
}

/* The URL of a query. */
static char *
query_url(struct prom_job *job, const char *base, const struct pquery *q)
{
	char		*enc, *url;
	long long	 step;

	enc = url_escape(q->promql);
	if (q->kind == PQ_RANGE) {
		step = job->p.window / RANGE_POINTS;
		if (step < RANGE_STEP_MIN)
			step = RANGE_STEP_MIN;
		xasprintf(&url, "%s/api/v1/query_range?query=%s&start=%lld&"
		    "end=%lld&step=%lld", base, enc, job->p.now - job->p.window,
		    job->p.now, step);
	} else
		xasprintf(&url, "%s/api/v1/query?query=%s&time=%lld", base,
		    enc, job->p.now);
	free(enc);
	return url;
}

/*
 * Start a request to a prometheus or grafana profile's server. NULL when
 * it cannot start, with an HTTP status and a reason.
 */
struct prom_job *
prom_start(struct fetcher *f, const struct config *conf,
    const struct cprofile *prof, const char *service,
    const struct source_params *p, int *status, char *err, size_t errlen)
{
	const struct csection	*psec;
	struct fetch_req	 req;
	struct prom_job		*job;
	const char		*url, *label;
	char			*base, *u;
	size_t			 i;

	if (p->op == SOURCE_LOGS) {
		*status = 501;
		seterr(err, errlen, "profile '%s' reads metrics from Prometheus, "
		    "which holds no log lines", prof->name);
		return NULL;
	}
	psec = config_profile_section(conf, prof);
	if ((url = csection_str(psec, "url")) == NULL)
		url = csection_str(psec, "prometheus_url");
	if ((label = csection_str(psec, "service_label")) == NULL)
		label = SERVICE_LABEL_DEFAULT;
	job = xcalloc(1, sizeof *job);
	job->p = *p;
	job->p.query = NULL;
	job->p.metric = NULL;
	job->service = xstrdup(service);
	job->profile = xstrdup(prof->name);
	url_origin(url, job->origin, sizeof job->origin);
	if (*p->window_text != '\0')
		strlcpy(job->win, p->window_text, sizeof job->win);
	else
		format_duration(p->window, job->win, sizeof job->win);
	config_service_rules(conf, prof->name, service, &job->rules,
	    &job->nrules);
	if (p->op == SOURCE_METRICS) {
		job->metric = xstrdup(p->metric);
		add_query(job, PQ_RANGE, p->metric, metric_query(job, label));
	} else if (p->op == SOURCE_SLO)
		slo_queries(job, label, service_section(conf, prof, service));
	else if (job->nrules == 0)
		default_queries(job, label);
	else {
		for (i = 0; i < job->nrules; i++)
			add_query(job, PQ_RULE, job->rules[i].name,
			    promql_expand(job->rules[i].expr, service,
			    job->win))->rule = &job->rules[i];
	}

	base = xstrdup(url);
	for (i = strlen(base); i > 0 && base[i - 1] == '/'; i--)
		base[i - 1] = '\0';
	memset(&req, 0, sizeof req);
	req.bearer = csection_str(psec, "token");
	req.user = csection_str(psec, "username");
	req.password = csection_str(psec, "password");
	req.timeout_ms = csection_seconds(psec, "timeout", 10) * 1000;
	for (i = 0; i < job->nq; i++) {
		u = query_url(job, base, &job->q[i]);
		req.url = u;
		job->q[i].fe = fetch_start(f, &req);
		free(u);
	}
	free(base);
	return job;
}

/* Whether every query has its answer: 0 when done, 2 while waiting. */
int
prom_step(struct prom_job *job)
{
	size_t	 i;

	for (i = 0; i < job->nq; i++)
		if (!job->q[i].fe->done)
			return 2;
	return 0;
}

/* Fail the job with a 502 naming the server and the query. */
static void
prom_fail(struct prom_job *job, const struct pquery *q, const char *why)
{
	char	 msg[1024];

	if (q->kind == PQ_RULE)
		snprintf(msg, sizeof msg, "prometheus at %s, rule '%s': %s",
		    job->origin, q->name, why);
	else
		snprintf(msg, sizeof msg, "prometheus at %s: %s", job->origin,
		    why);
	job->status = 502;
	job->result = json_pack("{s:s}", "detail", msg);
}

/* A sample's value ("1.5", "NaN", "+Inf"); NAN when it is not one. */
static double
sample_value(json_t *pair)
{
	const char	*s;
	char		*end;
	double		 v;

	if (!json_is_array(pair) || json_array_size(pair) != 2 ||
	    (s = json_string_value(json_array_get(pair, 1))) == NULL)
		return NAN;
	v = strtod(s, &end);
	return *end == '\0' && end != s ? v : NAN;
}

/*
 * The data of a query's answer; NULL after failing the job with why the
 * server's answer is not one.
 */
static json_t *
answer_data(struct prom_job *job, const struct pquery *q, json_t **rootp)
{
	const struct fetch	*fe = q->fe;
	json_t			*root, *data;
	const char		*st, *e;
	char			 why[768];

	*rootp = NULL;
	if (fe->status == 0) {
		prom_fail(job, q, fe->error);
		return NULL;
	}
	root = json_loadb(fe->body.s, fe->body.len, 0, NULL);
	st = json_string_value(json_object_get(root, "status"));
	e = json_string_value(json_object_get(root, "error"));
	if (fe->status != 200 || st == NULL || strcmp(st, "success") != 0) {
		if (e != NULL)
			snprintf(why, sizeof why, "answered %ld: %s",
			    fe->status, e);
		else if (root == NULL)
			snprintf(why, sizeof why, "answered %ld with no "
			    "Prometheus API answer (is the URL right?)",
			    fe->status);
		else
			snprintf(why, sizeof why, "answered %ld without "
			    "\"status\": \"success\"", fe->status);
		prom_fail(job, q, why);
		json_decref(root);
		return NULL;
	}
	if (!json_is_object(data = json_object_get(root, "data")) ||
	    json_string_value(json_object_get(data, "resultType")) == NULL) {
		prom_fail(job, q, "the answer has no data.resultType");
		json_decref(root);
		return NULL;
	}
	*rootp = root;
	return data;
}

/*
 * The value of an instant query: the worst of its series in the rule's
 * direction; NAN when it has none. -1 after failing the job.
 */
static int
instant_value(struct prom_job *job, const struct pquery *q, double *vp)
{
	json_t		*root, *data, *res, *el;
	const char	*type;
	size_t		 i;
	double		 v;
	int		 below = q->rule != NULL && q->rule->below;

	*vp = NAN;
	if ((data = answer_data(job, q, &root)) == NULL)
		return -1;
	type = json_string_value(json_object_get(data, "resultType"));
	res = json_object_get(data, "result");
	if (strcmp(type, "scalar") == 0)
		*vp = sample_value(res);
	else if (strcmp(type, "vector") == 0 && json_is_array(res)) {
		json_array_foreach(res, i, el) {
			v = sample_value(json_object_get(el, "value"));
			if (isnan(v))
				continue;
			if (isnan(*vp) || (below ? v < *vp : v > *vp))
				*vp = v;
		}
	} else {
		prom_fail(job, q, "the expression must give an instant vector "
		    "or a scalar");
		json_decref(root);
		return -1;
	}
	json_decref(root);
	return 0;
}

/* Turn one query's value into an anomaly, if it is one. */
static void
judge(struct prom_job *job, const struct pquery *q, double v,
    struct anomalies *list)
{
	const struct rule	*r = q->rule;
	enum severity		 sev;
	char			 cur[32], thr[32];

	if (isnan(v))
		return;
	switch (q->kind) {
	case PQ_5XX:
		if (v <= HTTP5XX_THRESHOLD)
			return;
		snprintf(cur, sizeof cur, "%.3g", v);
		snprintf(thr, sizeof thr, "%.3g", HTTP5XX_THRESHOLD);
		anomalies_add(list, job->service, q->name, v > HTTP5XX_HIGH ?
		    SEV_HIGH : SEV_MEDIUM, job->p.now, v, HTTP5XX_THRESHOLD,
		    "%s 5xx responses/s over %s, exceeds threshold of %s/s",
		    cur, job->win, thr);
		break;
	case PQ_P99:
		v *= 1000;
		if (v <= P99_THRESHOLD_MS)
			return;
		format_amount(v, "ms", cur, sizeof cur);
		format_amount(P99_THRESHOLD_MS, "ms", thr, sizeof thr);
		anomalies_add(list, job->service, q->name, SEV_MEDIUM,
		    job->p.now, v, P99_THRESHOLD_MS, "p99 latency %s exceeds "
		    "threshold of %s", cur, thr);
		break;
	case PQ_RULE:
		if (!rule_fires(r, v, &sev))
			return;
		format_amount(v, r->unit, cur, sizeof cur);
		format_amount(r->threshold, r->unit, thr, sizeof thr);
		anomalies_add(list, job->service, q->name, sev, job->p.now, v,
		    r->threshold, "%s is %s over %s, %s threshold of %s",
		    q->name, cur, job->win, r->below ? "below" : "exceeds",
		    thr);
		break;
	case PQ_RANGE:
	case PQ_SLO:
		break;
	}
}

/* Build the answer of a detection. */
static void
finish_detect(struct prom_job *job)
{
	struct anomalies	 list = { NULL, 0 };
	double			 v;
	size_t			 i;

	for (i = 0; i < job->nq; i++) {
		if (instant_value(job, &job->q[i], &v) == -1) {
			anomalies_free(&list);
			return;
		}
		judge(job, &job->q[i], v, &list);
	}
	job->status = 200;
	job->result = json_pack("{s:s, s:s, s:s, s:o, s:I}",
	    "service", job->service,
	    "profile", job->profile,
	    "window", job->win,
	    "anomalies", anomalies_json(&list),
	    "queries", (json_int_t)job->nq);
	anomalies_free(&list);
}

/* Build the answer of a metric's range query: the first series. */
static void
finish_metrics(struct prom_job *job)
{
	json_t		*root, *data, *res, *values, *pair, *points;
	const char	*type;
	char		 ts[32];
	size_t		 i;
	double		 v;

	if ((data = answer_data(job, &job->q[0], &root)) == NULL)
		return;
	type = json_string_value(json_object_get(data, "resultType"));
	res = json_object_get(data, "result");
	if (strcmp(type, "matrix") != 0 || !json_is_array(res)) {
		prom_fail(job, &job->q[0], "a range query must give a matrix");
		json_decref(root);
		return;
	}
	points = json_array();
	values = json_object_get(json_array_get(res, 0), "values");
	json_array_foreach(values, i, pair) {
		v = sample_value(pair);
		if (!isfinite(v) || !json_is_number(json_array_get(pair, 0)))
			continue;
		format_time_iso((long long)json_number_value(
		    json_array_get(pair, 0)), ts, sizeof ts);
		json_array_append_new(points, json_pack("{s:s, s:o}",
		    "timestamp", ts, "value", json_real(v)));
	}
	json_decref(root);
	job->status = 200;
	job->result = json_pack("{s:s, s:s, s:s, s:o}", "service",
	    job->service, "metric", job->metric, "query", job->q[0].promql,
	    "points", points);
}

/* The finished job's status and JSON answer (a new reference). */
json_t *
prom_result(struct prom_job *job, int *status)
{
	json_t	*j;

	if (job->result == NULL) {
		if (job->p.op == SOURCE_METRICS)
			finish_metrics(job);
		else if (job->p.op == SOURCE_SLO)
			finish_slo(job);
		else
			finish_detect(job);
	}
	*status = job->status;
	j = job->result;
	job->result = NULL;
	return j;
}

/* Free a job, finished or not. */
void
prom_job_free(struct prom_job *job)
{
	size_t	 i;

	if (job == NULL)
		return;
	for (i = 0; i < job->nq; i++) {
		fetch_free(job->q[i].fe);
		free(job->q[i].name);
		free(job->q[i].promql);
	}
	free(job->q);
	rules_free(job->rules, job->nrules);
	json_decref(job->result);
	free(job->service);
	free(job->profile);
	free(job->metric);
	free(job);
}
