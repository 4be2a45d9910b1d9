/*
 * tinkr.c -- the tinkr backend: anomalies, log entries and metrics from
 * a Tinkr server, another tinkrd or the original Tinkr server, at a
 * profile's url.
 *
 * Each request is one POST to the server's route of the same name, with
 * the original's request shape and the profile's token as a bearer. The
 * answer is checked for the original's response shape before it is
 * passed on; anything else is a 502 naming the server.
 */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anomaly.h"
#include "config.h"
#include "fetch.h"
#include "source.h"
#include "util.h"

struct remote_job {
	enum source_op		 op;
	char			*service;
	char			*profile;
	char			 origin[256];
	struct fetch		*fe;
	json_t			*result;
	int			 status;
};

/* The route and the body of a request, in the original's shapes. */
static json_t *
request_body(const struct source_params *p, const char *service,
    const char **path)
{
	json_t	*body;
	char	 win[32];

	if (*p->window_text != '\0')
		strlcpy(win, p->window_text, sizeof win);
	else
		format_duration(p->window, win, sizeof win);
	body = json_pack("{s:s}", "service", service);
	*path = "/api/v1/anomalies";
	switch (p->op) {
	case SOURCE_DETECT:
		*path = "/api/v1/anomalies";
		if (p->window % 60 == 0)
			json_object_set_new(body, "window_minutes",
			    json_integer(p->window / 60));
		else
			json_object_set_new(body, "window", json_string(win));
		break;
	case SOURCE_LOGS:
		*path = "/api/v1/logs";
		if (p->query != NULL)
			json_object_set_new(body, "query",
			    json_string(p->query));
		json_object_set_new(body, "limit",
		    json_integer((json_int_t)p->limit));
		json_object_set_new(body, "since", json_string(win));
		break;
	case SOURCE_SLO:
		*path = "/api/v1/slo";
		json_object_set_new(body, "target_pct", json_real(p->target));
		json_object_set_new(body, "window", json_string(win));
		break;
	case SOURCE_METRICS:
		*path = "/api/v1/metrics";
		json_object_set_new(body, "metric_name",
		    json_string(p->metric));
		json_object_set_new(body, "since", json_string(win));
		break;
	}
	return body;
}

/* Start a request to a tinkr profile's server. */
struct remote_job *
remote_start(struct fetcher *f, const struct config *conf,
    const struct cprofile *prof, const char *service,
    const struct source_params *p)
{
	const struct csection	*psec;
	struct fetch_req	 req;
	struct remote_job	*job;
	const char		*url, *path;
	json_t			*body;
	char			*full, *text;
	size_t			 n;

	psec = config_profile_section(conf, prof);
	url = csection_str(psec, "url");
	job = xcalloc(1, sizeof *job);
	job->op = p->op;
	job->service = xstrdup(service);
	job->profile = xstrdup(prof->name);
	url_origin(url, job->origin, sizeof job->origin);
	body = request_body(p, service, &path);
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	xasprintf(&full, "%.*s%s", (int)n, url, path);
	memset(&req, 0, sizeof req);
	req.url = full;
	req.body = text;
	req.bodylen = strlen(text);
	req.bearer = csection_str(psec, "token");
	req.timeout_ms = csection_seconds(psec, "timeout", 10) * 1000;
	job->fe = fetch_start(f, &req);
	free(full);
	free(text);
	return job;
}

/* 0 once the answer is in, 2 while waiting for it. */
int
remote_step(struct remote_job *job)
{
	return job->fe->done ? 0 : 2;
}

/* Answer with status and "server at ORIGIN: why". */
static void
remote_fail(struct remote_job *job, int status, const char *why)
{
	char	 msg[1024];

	snprintf(msg, sizeof msg, "tinkr server at %s: %s", job->origin, why);
	job->status = status;
	job->result = json_pack("{s:s}", "detail", msg);
}

/* Whether an element of "anomalies" has the reference payload's fields. */
static int
anomaly_valid(json_t *a, char *why, size_t len)
{
	static const char *const strs[] = {
		"service", "metric", "description", "severity", "detected_at"
	};
	enum severity	 sev;
	size_t		 i;

	if (!json_is_object(a)) {
		seterr(why, len, "an anomaly is not an object");
		return 0;
	}
	for (i = 0; i < nitems(strs); i++)
		if (!json_is_string(json_object_get(a, strs[i]))) {
			seterr(why, len, "an anomaly has no string '%s'",
			    strs[i]);
			return 0;
		}
	if (severity_parse(json_string_value(json_object_get(a, "severity")),
	    &sev) == -1) {
		seterr(why, len, "an anomaly has severity '%.40s', not low, "
		    "medium, high or critical",
		    json_string_value(json_object_get(a, "severity")));
		return 0;
	}
	for (i = 0; i < 2; i++) {
		json_t	*v = json_object_get(a, i ? "threshold" :
		    "current_value");
		if (!json_is_number(v) && !json_is_null(v)) {
			seterr(why, len, "an anomaly's %s is not a number",
			    i ? "threshold" : "current_value");
			return 0;
		}
	}
	return 1;
}

/* Check the answer's shape and keep what the caller is owed. */
static void
remote_finish(struct remote_job *job)
{
	static const char *const members[] = {
		[SOURCE_DETECT] = "anomalies",
		[SOURCE_LOGS] = "entries",
		[SOURCE_METRICS] = "points",
		[SOURCE_SLO] = "availability_pct"
	};
	const struct fetch	*fe = job->fe;
	const char		*member = members[job->op], *detail;
	json_t			*root, *arr, *el;
	char			 why[512];
	size_t			 i;

	if (fe->status == 0) {
		remote_fail(job, 502, fe->error);
		return;
	}
	root = json_loadb(fe->body.s, fe->body.len, 0, NULL);
	detail = json_string_value(json_object_get(root, "detail"));
	if (fe->status < 200 || fe->status > 299) {
		if (detail == NULL)
			detail = "no detail given";
		snprintf(why, sizeof why, "answered %ld: %s", fe->status,
		    detail);
		/* What the server says of the request is the caller's. */
		remote_fail(job, fe->status == 404 || fe->status == 422 ?
		    (int)fe->status : 502, why);
		json_decref(root);
		return;
	}
	arr = json_object_get(root, member);
	if (job->op == SOURCE_SLO ? !json_is_number(arr) && !json_is_null(
	    arr) : !json_is_array(arr)) {
		snprintf(why, sizeof why, "the answer has no \"%s\" %s "
		    "(is the URL a Tinkr server?)", member,
		    job->op == SOURCE_SLO ? "number" : "array");
		remote_fail(job, 502, why);
		json_decref(root);
		return;
	}
	if (job->op == SOURCE_DETECT)
		json_array_foreach(arr, i, el)
			if (!anomaly_valid(el, why, sizeof why)) {
				remote_fail(job, 502, why);
				json_decref(root);
				return;
			}
	if (json_object_get(root, "service") == NULL)
		json_object_set_new(root, "service",
		    json_string(job->service));
	json_object_set_new(root, "profile", json_string(job->profile));
	json_object_set_new(root, "server", json_string(job->origin));
	job->status = 200;
	job->result = root;
}

/* The finished job's status and JSON answer (a new reference). */
json_t *
remote_result(struct remote_job *job, int *status)
{
	json_t	*j;

	if (job->result == NULL)
		remote_finish(job);
	*status = job->status;
	j = job->result;
	job->result = NULL;
	return j;
}

/* Free a job, finished or not. */
void
remote_job_free(struct remote_job *job)
{
	if (job == NULL)
		return;
	fetch_free(job->fe);
	json_decref(job->result);
	free(job->service);
	free(job->profile);
	free(job);
}
