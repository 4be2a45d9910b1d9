/*
 * route-source.c -- anomalies, logs and metrics of a service: the request
 * is checked here and answered by a source job the loop runs in slices.
 */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "source.h"
#include "tinkrd.h"
#include "util.h"

#define WINDOW_MAX	(30LL * 86400)
#define LIMIT_MAX	10000
#define SLO_WINDOW_MAX	(90LL * 86400)

/* The body as a JSON object; NULL after answering 400 or 422. */
json_t *
body_object(struct request *req, struct reply *rep)
{
	json_error_t	 jerr;
	json_t		*j;

	if (req->body == NULL || req->bodylen == 0) {
		reply_error(rep, 422, "a JSON object body is required");
		return NULL;
	}
	if ((j = json_loadb(req->body, req->bodylen, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL) {
		reply_error(rep, 400, "malformed JSON at line %d, column %d: %s",
		    jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		reply_error(rep, 422, "the body must be a JSON object");
		return NULL;
	}
	return j;
}

/* A string member; NULL when absent, and *bad when present but not one. */
const char *
member_string(json_t *body, const char *key, int *bad)
{
	json_t	*v = json_object_get(body, key);

	if (v == NULL || json_is_null(v))
		return NULL;
	if (!json_is_string(v)) {
		*bad = 1;
		return NULL;
	}
	return json_string_value(v);
}

/*
 * The profile a request names ("profile" in the body or ?profile=), else
 * the daemon's active one; NULL after answering.
 */
const struct cprofile *
request_profile(struct request *req, struct reply *rep, json_t *body)
{
	const struct cprofile	*prof;
	const char		*name;
	int			 bad = 0;

	name = member_string(body, "profile", &bad);
	if (bad) {
		reply_error(rep, 422, "'profile' must be a string");
		return NULL;
	}
	if (name == NULL)
		name = request_query(req, "profile");
	if (name == NULL)
		name = tinkrd_active_profile(req->d, NULL);
	if (name == NULL) {
		reply_error(rep, 422, "no profile selected: name one with "
		    "\"profile\", or mark one active = true");
		return NULL;
	}
	if ((prof = config_profile(req->d->conf, name)) == NULL) {
		reply_error(rep, 404, "Profile '%s' not found", name);
		return NULL;
	}
	return prof;
}

/*
 * A duration member like "10m", dflt when absent; -1 after answering.
 * The text is kept to be printed back as it was written.
 */
static long long
member_duration(json_t *body, const char *key, long long dflt,
    struct source_params *p, struct reply *rep)
{
	const char	*s;
	long long	 secs;
	int		 bad = 0;

	if ((s = member_string(body, key, &bad)) == NULL && !bad) {
		format_duration(dflt, p->window_text, sizeof p->window_text);
		return dflt;
	}
	if (bad || parse_duration(s, &secs) == -1 || secs <= 0 ||
	    secs > WINDOW_MAX) {
		reply_error(rep, 422, "'%s' must be a duration like \"30s\", "
		    "\"10m\", \"2h\" or \"7d\", at most 30d", key);
		return -1;
	}
	strlcpy(p->window_text, s, sizeof p->window_text);
	return secs;
}

/* An integer member in [lo, hi]; dflt when absent; -1 after answering. */
long long
member_int(json_t *body, const char *key, long long dflt, long long lo,
    long long hi, struct reply *rep)
{
	json_t	*v = json_object_get(body, key);

	if (v == NULL || json_is_null(v))
		return dflt;
	if (!json_is_integer(v) || json_integer_value(v) < lo ||
	    json_integer_value(v) > hi) {
		reply_error(rep, 422, "'%s' must be an integer from %lld to %lld",
		    key, lo, hi);
		return -1;
	}
	return (long long)json_integer_value(v);
}

/* Start the job for a checked request, or answer why it cannot start. */
static void
start_job(struct request *req, struct reply *rep, json_t *body,
    struct source_params *p)
{
	const struct cprofile	*prof;
	const char		*service;
	char			 err[512];
	int			 bad = 0, status;

	if ((service = member_string(body, "service", &bad)) == NULL ||
	    *service == '\0') {
		reply_error(rep, 422, "'service' is required: the name of a "
		    "service of the profile");
		return;
	}
	if ((prof = request_profile(req, rep, body)) == NULL)
		return;
	p->now = (long long)time(NULL);
	rep->job = source_start(req->d->sources, req->d->conf, prof, service, p,
	    &status, err, sizeof err);
	rep->ops = &source_job_ops;
	if (rep->job == NULL)
		reply_error(rep, status, "%s", err);
}

static int
source_ops_step(void *job, long long budget)
{
	return source_step(job, budget);
}

static json_t *
source_ops_result(void *job, int *status)
{
	return source_result(job, status);
}

static void
source_ops_free(void *job)
{
	source_job_free(job);
}

const struct job_ops source_job_ops = {
	source_ops_step, source_ops_result, source_ops_free, 0
};

/*
 * POST /api/v1/anomalies {service, window_minutes | window, profile}:
 * {"anomalies": [...]} for the window (10 minutes unless told).
 */
void
route_anomalies(struct request *req, struct reply *rep)
{
	struct source_params	 p;
	json_t			*body;
	long long		 minutes;

	if ((body = body_object(req, rep)) == NULL)
		return;
	memset(&p, 0, sizeof p);
	p.op = SOURCE_DETECT;
	if ((minutes = member_int(body, "window_minutes", 0, 1,
	    WINDOW_MAX / 60, rep)) == -1 ||
	    (p.window = member_duration(body, "window", 600, &p, rep)) == -1)
		goto out;
	if (minutes > 0) {
		p.window = minutes * 60;
		format_duration(p.window, p.window_text, sizeof p.window_text);
	}
	start_job(req, rep, body, &p);
out:
	json_decref(body);
}

/*
 * POST /api/v1/logs {service, query, since = "1h", limit = 100, profile}:
 * {"entries": [...]}, the newest matching lines, oldest first.
 */
void
route_logs(struct request *req, struct reply *rep)
{
	struct source_params	 p;
	json_t			*body;
	long long		 limit;
	int			 bad = 0;

	if ((body = body_object(req, rep)) == NULL)
		return;
	memset(&p, 0, sizeof p);
	p.op = SOURCE_LOGS;
	p.query = member_string(body, "query", &bad);
	if (bad) {
		reply_error(rep, 422, "'query' must be a string");
		goto out;
	}
	if ((p.window = member_duration(body, "since", 3600, &p, rep)) == -1 ||
	    (limit = member_int(body, "limit", 100, 1, LIMIT_MAX, rep)) == -1)
		goto out;
	p.limit = (size_t)limit;
	start_job(req, rep, body, &p);
out:
	json_decref(body);
}

/*
 * POST /api/v1/metrics {service, metric_name | metric, since = "1h",
 * profile}: {"points": [...]}, one a minute.
 */
void
route_metrics(struct request *req, struct reply *rep)
{
	struct source_params	 p;
	json_t			*body;
	int			 bad = 0;

	if ((body = body_object(req, rep)) == NULL)
		return;
	memset(&p, 0, sizeof p);
	p.op = SOURCE_METRICS;
	if ((p.metric = member_string(body, "metric_name", &bad)) == NULL &&
	    !bad)
		p.metric = member_string(body, "metric", &bad);
	if (p.metric == NULL || *p.metric == '\0') {
		reply_error(rep, 422, "'metric_name' is required, such as "
		    "error_count or latency_p99");
		goto out;
	}
	if ((p.window = member_duration(body, "since", 3600, &p, rep)) == -1)
		goto out;
	start_job(req, rep, body, &p);
out:
	json_decref(body);
}

/*
 * POST /api/v1/slo {service, target_pct = 99.9, window = "30d", profile}:
 * availability, error budget and burn rates.
 */
void
route_slo(struct request *req, struct reply *rep)
{
	struct source_params	 p;
	json_t			*body, *t;
	const char		*win;
	int			 bad = 0;

	if ((body = body_object(req, rep)) == NULL)
		return;
	memset(&p, 0, sizeof p);
	p.op = SOURCE_SLO;
	p.target = 99.9;
	if ((t = json_object_get(body, "target_pct")) != NULL &&
	    !json_is_null(t)) {
		if (!json_is_number(t) || json_number_value(t) <= 0 ||
		    json_number_value(t) > 100) {
			reply_error(rep, 422, "'target_pct' must be a number "
			    "above 0 and at most 100, such as 99.9");
			goto out;
		}
		p.target = json_number_value(t);
	}
	win = member_string(body, "window", &bad);
	if (bad || (win != NULL && (parse_duration(win, &p.window) == -1 ||
	    p.window <= 0 || p.window > SLO_WINDOW_MAX))) {
		reply_error(rep, 422, "'window' must be a duration like "
		    "\"30d\" or \"7d\", at most 90d");
		goto out;
	}
	if (win == NULL)
		p.window = 30 * 86400;
	format_duration(p.window, p.window_text, sizeof p.window_text);
	start_job(req, rep, body, &p);
out:
	json_decref(body);
}
