/*
 * route-rca.c -- POST /api/v1/rca: a root-cause analysis streamed as
 * server-sent events. The job asks the service's source, one request after
 * another, for its anomalies, its error lines and its error and latency
 * series over twice the window (the window before is the baseline), then
 * lib/rca.c reads them. A source that fails on the way is reported in an
 * "error" frame and the analysis goes on with what it has: the stream
 * always ends with [DONE].
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "anomaly.h"
#include "config.h"
#include "fetch.h"
#include "rca.h"
#include "source.h"
#include "tinkrd.h"
#include "util.h"

#define RCA_SINCE_MAX	(12LL * 3600)	/* twice it is the local day */
#define RCA_LINES_MAX	10000

/* The error levels of tinkr(1)'s query language, as one query. */
#define ERROR_QUERY	"level:(error OR err OR critical OR crit OR fatal OR " \
			"panic OR alert OR emerg)"

enum rca_stage {
	RCA_ANOMALIES,
	RCA_ENTRIES,
	RCA_ERRORS,
	RCA_LATENCY,
	RCA_DONE
};

struct rca_job {
	struct tinkrd		*d;
	char			*service;
	char			*profile;
	long long		 since;
	long long		 now;
	enum severity		 min;		/* severity_filter */
	enum rca_stage		 stage;
	struct source_job	*job;
	json_t			*got[RCA_DONE];
	json_t			*frames;
	json_t			*result;
	int			 analysed;
	struct fetch		*llm;		/* the [llm] request, if any */
	char			 llm_origin[256];
};

/* Start the source request of the current stage; 0, or -1 if none. */
static int
stage_start(struct rca_job *r, int *status, char *err, size_t errlen)
{
	const struct cprofile	*prof;
	struct source_params	 p;

	if ((prof = config_profile(r->d->conf, r->profile)) == NULL) {
		*status = 404;
		seterr(err, errlen, "Profile '%s' not found", r->profile);
		return -1;
	}
	memset(&p, 0, sizeof p);
	p.now = r->now;
	p.window = 2 * r->since;
	switch (r->stage) {
	case RCA_ANOMALIES:
		p.op = SOURCE_DETECT;
		p.window = r->since;
		break;
	case RCA_ENTRIES:
		p.op = SOURCE_LOGS;
		p.query = ERROR_QUERY;
		p.limit = RCA_LINES_MAX;
		break;
	case RCA_ERRORS:
	case RCA_LATENCY:
		p.op = SOURCE_METRICS;
		p.metric = r->stage == RCA_ERRORS ? "error_count" :
		    "latency_p99";
		break;
	case RCA_DONE:
		return -1;
	}
	format_duration(p.window, p.window_text, sizeof p.window_text);
	r->job = source_start(r->d->sources, r->d->conf, prof, r->service, &p,
	    status, err, errlen);
	return r->job != NULL ? 0 : -1;
}

/* The member of a stage's answer the analysis reads. */
static json_t *
stage_member(json_t *answer, enum rca_stage stage)
{
	static const char *const names[] = {
		[RCA_ANOMALIES] = "anomalies",
		[RCA_ENTRIES] = "entries",
		[RCA_ERRORS] = "points",
		[RCA_LATENCY] = "points"
	};
	json_t	*v = json_object_get(answer, names[stage]);

	return json_is_array(v) ? json_incref(v) : json_array();
}

/* Note a stage that failed, in an error frame; the analysis goes on. */
static void
stage_failed(struct rca_job *r, const char *what, const char *why)
{
	char	 text[1024];

	snprintf(text, sizeof text, "%s: %s", what, why);
	json_array_append_new(r->frames, json_pack("{s:s, s:s, s:s}",
	    "event", "error", "title", "Source error", "text", text));
	r->got[r->stage] = json_array();
}

/* The text of every section so far: what the model is given. */
static char *
evidence(struct rca_job *r)
{
	struct strbuf	 b = { NULL, 0, 0 };
	json_t		*f;
	size_t		 i;

	strbuf_add(&b, "", 0);
	json_array_foreach(r->frames, i, f) {
		strbuf_str(&b, "## ");
		strbuf_str(&b, json_string_value(json_object_get(f, "title")));
		strbuf_addc(&b, '\n');
		strbuf_str(&b, json_string_value(json_object_get(f, "text")));
		strbuf_str(&b, "\n\n");
	}
	return b.s;
}

/*
 * Ask the [llm] section's model, if there is one, to summarise the
 * evidence; the deterministic report stands whatever it answers.
 */
static void
llm_start(struct rca_job *r)
{
	const struct csection	*sec = config_section(r->d->conf, "llm");
	struct fetch_req	 req;
	json_t			*body;
	char			*ev, *text;

	if (sec == NULL || r->d->fetcher == NULL)
		return;
	ev = evidence(r);
	body = json_pack("{s:s, s:f, s:[{s:s, s:s}, {s:s, s:s}]}",
	    "model", csection_str(sec, "model"), "temperature", 0.0,
	    "messages",
	    "role", "system", "content", "You are an SRE. Summarise the "
	    "root-cause analysis below for the engineer on call in at most "
	    "five sentences. Use only the evidence given; say when it is not "
	    "enough.",
	    "role", "user", "content", ev);
	free(ev);
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	memset(&req, 0, sizeof req);
	req.url = csection_str(sec, "url");
	req.body = text;
	req.bodylen = strlen(text);
	req.content_type = "application/json";
	req.bearer = csection_str(sec, "api_key");
	req.timeout_ms = csection_seconds(sec, "timeout", 30) * 1000;
	url_origin(req.url, r->llm_origin, sizeof r->llm_origin);
	r->llm = fetch_start(r->d->fetcher, &req);
	free(text);
}

/* Add the model's summary, or why there is none, before the last frame. */
static void
llm_finish(struct rca_job *r)
{
	const struct fetch	*fe = r->llm;
	const char		*content = NULL;
	json_t			*j = NULL, *frame;
	char			 why[1024];

	if (fe->status >= 200 && fe->status <= 299 && (j = json_loadb(
	    fe->body.s, fe->body.len, 0, NULL)) != NULL)
		content = json_string_value(json_object_get(json_object_get(
		    json_array_get(json_object_get(j, "choices"), 0),
		    "message"), "content"));
	if (content != NULL)
		frame = json_pack("{s:s, s:s, s:s}", "event", "llm_summary",
		    "title", "Summary by the model", "text", content);
	else {
		if (fe->status == 0)
			snprintf(why, sizeof why, "llm at %s: %s",
			    r->llm_origin, fe->error);
		else
			snprintf(why, sizeof why, "llm at %s: answered %ld "
			    "without choices[0].message.content", r->llm_origin,
			    fe->status);
		frame = json_pack("{s:s, s:s, s:s}", "event", "error",
		    "title", "Model error", "text", why);
	}
	json_array_insert_new(r->frames, json_array_size(r->frames) > 0 ?
	    json_array_size(r->frames) - 1 : 0, frame);
	json_decref(j);
	fetch_free(r->llm);
	r->llm = NULL;
}

/* Read what the source said and build the frames. */
static void
analyse(struct rca_job *r)
{
	struct rca_input	 in;
	json_t			*sections, *a, *kept;
	enum severity		 sev;
	size_t			 i;

	kept = json_array();
	json_array_foreach(r->got[RCA_ANOMALIES], i, a)
		if (severity_parse(json_string_value(json_object_get(a,
		    "severity")), &sev) == 0 && sev >= r->min)
			json_array_append(kept, a);
	memset(&in, 0, sizeof in);
	in.service = r->service;
	in.now = r->now;
	in.since = r->since;
	in.entries = r->got[RCA_ENTRIES];
	in.errors = r->got[RCA_ERRORS];
	in.latency = r->got[RCA_LATENCY];
	in.anomalies = kept;
	sections = rca_analyse(&in);
	json_array_extend(r->frames, sections);
	json_decref(sections);
	json_decref(kept);
	r->analysed = 1;
}

static const char *const stage_names[] = {
	"anomalies", "error lines", "error counts", "latency"
};

/* Move the analysis along; SOURCE_DONE once the frames are ready. */
static int
rca_step(void *job, long long budget)
{
	struct rca_job	*r = job;
	json_t		*answer;
	char		 err[512];
	const char	*detail;
	int		 rc, status;

	while (r->stage < RCA_DONE) {
		if (r->job == NULL && stage_start(r, &status, err,
		    sizeof err) == -1) {
			stage_failed(r, stage_names[r->stage], err);
			r->stage++;
			continue;
		}
		if ((rc = source_step(r->job, budget)) != SOURCE_DONE)
			return rc;
		answer = source_result(r->job, &status);
		source_job_free(r->job);
		r->job = NULL;
		if (status != 200) {
			detail = json_string_value(json_object_get(answer,
			    "detail"));
			/* A source without latencies is no failure. */
			if (r->stage != RCA_LATENCY)
				stage_failed(r, stage_names[r->stage],
				    detail != NULL ? detail : "failed");
			else
				r->got[r->stage] = json_array();
		} else
			r->got[r->stage] = stage_member(answer, r->stage);
		json_decref(answer);
		r->stage++;
	}
	if (!r->analysed) {
		analyse(r);
		llm_start(r);
	}
	if (r->llm != NULL) {
		if (!r->llm->done)
			return SOURCE_WAITING;
		llm_finish(r);
	}
	if (r->result == NULL)
		r->result = json_pack("{s:O}", "frames", r->frames);
	return SOURCE_DONE;
}

static json_t *
rca_result(void *job, int *status)
{
	struct rca_job	*r = job;
	json_t		*j = r->result;

	*status = 200;
	r->result = NULL;
	return j;
}

static void
rca_free(void *job)
{
	struct rca_job	*r = job;
	size_t		 i;

	source_job_free(r->job);
	fetch_free(r->llm);
	for (i = 0; i < RCA_DONE; i++)
		json_decref(r->got[i]);
	json_decref(r->frames);
	json_decref(r->result);
	free(r->service);
	free(r->profile);
	free(r);
}

static const struct job_ops rca_job_ops = {
	rca_step, rca_result, rca_free, 1
};

/*
 * POST /api/v1/rca {service, since = "1h", severity_filter, profile}: an
 * event stream of the analysis' sections, then data: [DONE].
 */
void
route_rca(struct request *req, struct reply *rep)
{
	const struct cprofile	*prof;
	struct rca_job		*r;
	const char		*service, *since, *sev;
	enum severity		 min = SEV_LOW;
	long long		 secs = 3600;
	json_t			*body;
	char			 err[512];
	int			 bad = 0, status;

	if ((body = body_object(req, rep)) == NULL)
		return;
	service = member_string(body, "service", &bad);
	since = member_string(body, "since", &bad);
	sev = member_string(body, "severity_filter", &bad);
	if (bad || service == NULL || *service == '\0') {
		reply_error(rep, 422, "'service' is required, and service, "
		    "since and severity_filter are strings");
		goto out;
	}
	if (since != NULL && (parse_duration(since, &secs) == -1 ||
	    secs <= 0 || secs > RCA_SINCE_MAX)) {
		reply_error(rep, 422, "'since' must be a duration like \"1h\", "
		    "at most 12h (the window before it is the baseline)");
		goto out;
	}
	if (sev != NULL && severity_parse(sev, &min) == -1) {
		reply_error(rep, 422, "'severity_filter' must be low, medium, "
		    "high or critical");
		goto out;
	}
	if ((prof = request_profile(req, rep, body)) == NULL)
		goto out;
	r = xcalloc(1, sizeof *r);
	r->d = req->d;
	r->service = xstrdup(service);
	r->profile = xstrdup(prof->name);
	r->since = secs;
	r->now = (long long)time(NULL);
	r->min = min;
	r->frames = json_array();
	/* An unknown service is answered before the stream starts. */
	if (stage_start(r, &status, err, sizeof err) == -1) {
		reply_error(rep, status, "%s", err);
		rca_free(r);
		goto out;
	}
	rep->job = r;
	rep->ops = &rca_job_ops;
out:
	json_decref(body);
}
