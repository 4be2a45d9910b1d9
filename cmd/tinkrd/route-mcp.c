/*
 * route-mcp.c -- the MCP endpoint over Streamable HTTP (protocol versions
 * 2025-03-26 and 2025-06-18): POST /mcp takes JSON-RPC 2.0 and answers
 * with JSON; DELETE /mcp ends a session. The tools read the service's
 * source as the REST routes do, with the same tokens and roles.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "code.h"
#include "fix.h"
#include "config.h"
#include "log.h"
#include "sanitize.h"
#include "source.h"
#include "tinkrd.h"
#include "util.h"

#define MCP_SESSIONS_MAX	1024	/* in all */
#define MCP_SESSIONS_SUBJECT	64	/* of one token's subject */
#define MCP_SESSION_IDLE	(24 * 3600)

/* The event stream of an HTTP+SSE (2024-11-05) session. */
struct mcp_stream {
	struct MHD_Connection	*conn;
	struct strbuf		 out;		/* events not sent yet */
	size_t			 sent;
	int			 suspended;	/* waiting for events */
	struct mcp_session	*session;	/* NULL once it is gone */
};

/* A client that initialised, and whose token it was. */
struct mcp_session {
	char			 id[40];
	char			 version[16];
	char			 subject[64];
	long long		 last;		/* epoch seconds of its last use */
	struct mcp_stream	*stream;	/* 2024-11-05 only */
	struct mcp_session	*next;
};

static void	stream_push(struct mcp_stream *, const char *, json_t *);

static const char *const versions[] = { "2025-06-18", "2025-03-26", NULL };

/* One request of a POST, worked on in order. */
struct mcp_job {
	struct tinkrd		*d;
	enum role		 role;		/* of the token that asks */
	char			 subject[64];
	char			 sid[40];	/* answers go to its stream */
	char			 version[16];
	json_t			*msgs;		/* the requests, an array */
	int			 batch;
	size_t			 i;
	json_t			*out;		/* the responses */
	struct source_job	*job;		/* a tool's call in flight */
	struct gitjob		*git;		/* or suggest_fix's git check */
	json_t			*draft;		/* and the fix it would keep */
	const char		*tool;
	char			*service;
};

/* --- sessions ------------------------------------------------------------- */

static struct mcp_session *
session_find(struct tinkrd *d, const char *id)
{
	struct mcp_session	*s;

	for (s = d->mcp_sessions; s != NULL; s = s->next)
		if (id != NULL && strcmp(s->id, id) == 0)
			return s;
	return NULL;
}

/* Free a session; its stream, if open, ends. */
static void
session_free(struct mcp_session *s)
{
	if (s->stream != NULL) {
		s->stream->session = NULL;
		if (s->stream->suspended) {
			s->stream->suspended = 0;
			MHD_resume_connection(s->stream->conn);
		}
	}
	free(s);
}

static struct mcp_session *
session_new(struct tinkrd *d, const char *version, const char *subject)
{
	struct mcp_session	*s, **sp;
	long long		 now = (long long)time(NULL);
	size_t			 n = 0, mine = 0;

	if (subject == NULL)
		subject = "";
	/*
	 * Forget sessions idle for a day, and the oldest beyond the caps:
	 * one subject's many sessions push out its own oldest, not others'.
	 */
	for (sp = &d->mcp_sessions; (s = *sp) != NULL;) {
		if ((now - s->last > MCP_SESSION_IDLE && s->stream == NULL) ||
		    (strcmp(s->subject, subject) == 0 &&
		    ++mine >= MCP_SESSIONS_SUBJECT) ||
		    ++n >= MCP_SESSIONS_MAX) {
			*sp = s->next;
			session_free(s);
			continue;
		}
		sp = &s->next;
	}
	s = xcalloc(1, sizeof *s);
	snprintf(s->id, sizeof s->id, "mcp-%08x%08x%08x%08x", arc4random(),
	    arc4random(), arc4random(), arc4random());
	strlcpy(s->version, version, sizeof s->version);
	strlcpy(s->subject, subject, sizeof s->subject);
	s->last = now;
	s->next = d->mcp_sessions;
	d->mcp_sessions = s;
	return s;
}

/* Forget every session. */
void
mcp_sessions_free(struct tinkrd *d)
{
	struct mcp_session	*s;

	while ((s = d->mcp_sessions) != NULL) {
		d->mcp_sessions = s->next;
		session_free(s);
	}
}

/* --- JSON-RPC -------------------------------------------------------------- */

static json_t *
rpc_error(json_t *id, int code, const char *msg)
{
	return json_pack("{s:s, s:O, s:{s:i, s:s}}", "jsonrpc", "2.0",
	    "id", id != NULL ? id : json_null(), "error", "code", code,
	    "message", msg);
}

static json_t *
rpc_result(json_t *id, json_t *result)
{
	return json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id,
	    "result", result);
}

static json_t	*tools_list_sources(struct tinkrd *);
static json_t	*code_tool(struct mcp_job *, json_t *, const char *, json_t *);
static json_t	*suggest_fix(struct mcp_job *, json_t *, json_t *);

/* The tools, with the original's input schemas. */
static json_t *
tools_list(struct tinkrd *d)
{
	json_t	*t = tools_list_sources(d), *list = json_object_get(t, "tools");

	json_array_append_new(list, json_pack("{s:s, s:s, s:{s:s, s:{s:{s:s},"
	    " s:{s:s, s:s}}, s:[s, s]}}",
	    "name", "get_file", "description", "Read a file of a service's "
	    "repository (its repo_path), by a path relative to it",
	    "inputSchema", "type", "object", "properties",
	    "service", "type", "string",
	    "path", "type", "string", "description", "such as src/pay.c",
	    "required", "service", "path"));
	json_array_append_new(list, json_pack("{s:s, s:s, s:{s:s, s:{s:{s:s},"
	    " s:{s:s}, s:{s:s}, s:{s:s}}, s:[s, s, s]}}",
	    "name", "suggest_fix", "description", "Propose a fix as a unified "
	    "diff against the service's repository; it is checked and kept "
	    "for a person to review with tinkr fix, never applied by this "
	    "call (needs the oncall role)",
	    "inputSchema", "type", "object", "properties",
	    "incident_id", "type", "string",
	    "service", "type", "string",
	    "diff", "type", "string",
	    "explanation", "type", "string",
	    "required", "service", "diff", "explanation"));
	json_array_append_new(list, json_pack("{s:s, s:s, s:{s:s, s:{s:{s:s},"
	    " s:{s:s, s:s}, s:{s:s, s:s}, s:{s:s, s:i}}, s:[s, s]}}",
	    "name", "search_code", "description", "Find lines that hold a "
	    "text in a service's repository, with lines of context",
	    "inputSchema", "type", "object", "properties",
	    "service", "type", "string",
	    "pattern", "type", "string", "description", "plain text",
	    "file_glob", "type", "string", "description", "such as *.py",
	    "context_lines", "type", "integer", "default", 3,
	    "required", "service", "pattern"));
	return t;
}

static json_t *
tools_list_sources(struct tinkrd *d)
{
	const struct cprofile	*prof;
	const char		*name;
	char			 be[96];

	name = tinkrd_active_profile(d, NULL);
	prof = name != NULL ? config_profile(d->conf, name) : NULL;
	snprintf(be, sizeof be, " (profile %s, %s backend)",
	    prof != NULL ? prof->name : "none",
	    prof != NULL ? prof->backend : "no");
	return json_pack("{s:["
	    "{s:s, s:s+, s:{s:s, s:{s:{s:s}, s:{s:s, s:s}, s:{s:s, s:s},"
	    " s:{s:s, s:i}}, s:[s]}},"
	    "{s:s, s:s+, s:{s:s, s:{s:{s:s}, s:{s:s, s:i}}, s:[s]}},"
	    "{s:s, s:s+, s:{s:s, s:{s:{s:s}, s:{s:s}, s:{s:s, s:s}},"
	    " s:[s, s]}},"
	    "{s:s, s:s+, s:{s:s, s:{s:{s:s}, s:{s:s, s:i}}, s:[s]}}"
	    "]}",
	    "tools",
	    "name", "query_logs", "description", "Search a service's log "
	    "lines with tinkr's query language, newest last", be,
	    "inputSchema", "type", "object", "properties",
	    "service", "type", "string",
	    "query", "type", "string", "description", "such as "
	    "level:error AND \"timeout\"",
	    "since", "type", "string", "default", "1h",
	    "limit", "type", "integer", "default", 100,
	    "required", "service",
	    "name", "get_recent_errors", "description", "A service's error "
	    "lines of the last minutes", be,
	    "inputSchema", "type", "object", "properties",
	    "service", "type", "string",
	    "minutes", "type", "integer", "default", 30,
	    "required", "service",
	    "name", "get_metrics", "description", "A metric of a service, a "
	    "point a minute", be,
	    "inputSchema", "type", "object", "properties",
	    "service", "type", "string",
	    "metric_name", "type", "string",
	    "since", "type", "string", "default", "1h",
	    "required", "service", "metric_name",
	    "name", "detect_anomalies", "description", "Detect a service's "
	    "anomalies now", be,
	    "inputSchema", "type", "object", "properties",
	    "service", "type", "string",
	    "window_minutes", "type", "integer", "default", 10,
	    "required", "service");
}

/* A string argument, dflt when absent; NULL and *bad when not a string. */
static const char *
arg_str(json_t *args, const char *key, const char *dflt, int *bad)
{
	json_t	*v = json_object_get(args, key);

	if (v == NULL || json_is_null(v))
		return dflt;
	if (!json_is_string(v)) {
		*bad = 1;
		return NULL;
	}
	return json_string_value(v);
}

/* An integer argument in [lo, hi], dflt when absent; -1 and *bad. */
static long long
arg_int(json_t *args, const char *key, long long dflt, long long lo,
    long long hi, int *bad)
{
	json_t	*v = json_object_get(args, key);

	if (v == NULL || json_is_null(v))
		return dflt;
	if (!json_is_integer(v) || json_integer_value(v) < lo ||
	    json_integer_value(v) > hi) {
		*bad = 1;
		return -1;
	}
	return (long long)json_integer_value(v);
}

/*
 * Start a tool's call; 0, or -1 with a JSON-RPC error in *err (bad
 * arguments) or a tool error result (the source refused).
 */
static int
tool_start(struct mcp_job *m, json_t *id, json_t *params, json_t **resp)
{
	const struct cprofile	*prof;
	struct source_params	 p;
	const char		*name, *since, *pname;
	json_t			*args;
	char			 err[512];
	int			 bad = 0, status;

	name = json_string_value(json_object_get(params, "name"));
	args = json_object_get(params, "arguments");
	if (name == NULL || (args != NULL && !json_is_object(args))) {
		*resp = rpc_error(id, -32602, "tools/call needs a tool name and "
		    "an object of arguments");
		return -1;
	}
	if (strcmp(name, "get_file") == 0 || strcmp(name, "search_code") == 0) {
		*resp = code_tool(m, id, name, args);
		return -1;
	}
	if (strcmp(name, "suggest_fix") == 0) {
		/* NULL: git checks the diff, and mcp_step goes on after. */
		if ((*resp = suggest_fix(m, id, args)) == NULL)
			return 0;
		return -1;
	}
	memset(&p, 0, sizeof p);
	p.now = (long long)time(NULL);
	free(m->service);
	m->service = NULL;
	if (arg_str(args, "service", NULL, &bad) != NULL)
		m->service = xstrdup(arg_str(args, "service", NULL, &bad));
	if (strcmp(name, "query_logs") == 0) {
		p.op = SOURCE_LOGS;
		p.query = arg_str(args, "query", NULL, &bad);
		since = arg_str(args, "since", "1h", &bad);
		p.limit = (size_t)arg_int(args, "limit", 100, 1, 10000, &bad);
		if (!bad && (parse_duration(since, &p.window) == -1 ||
		    p.window <= 0))
			bad = 1;
	} else if (strcmp(name, "get_recent_errors") == 0) {
		p.op = SOURCE_LOGS;
		p.query = "level:(error OR err OR critical OR crit OR fatal OR "
		    "panic OR alert OR emerg)";
		p.window = 60 * arg_int(args, "minutes", 30, 1, 1440, &bad);
		p.limit = 200;
	} else if (strcmp(name, "get_metrics") == 0) {
		p.op = SOURCE_METRICS;
		p.metric = arg_str(args, "metric_name", NULL, &bad);
		since = arg_str(args, "since", "1h", &bad);
		if (p.metric == NULL || (!bad && (parse_duration(since,
		    &p.window) == -1 || p.window <= 0)))
			bad = 1;
	} else if (strcmp(name, "detect_anomalies") == 0) {
		p.op = SOURCE_DETECT;
		p.window = 60 * arg_int(args, "window_minutes", 10, 1, 1440,
		    &bad);
	} else {
		snprintf(err, sizeof err, "unknown tool '%s'", name);
		*resp = rpc_error(id, -32602, err);
		return -1;
	}
	if (bad || m->service == NULL) {
		snprintf(err, sizeof err, "invalid arguments for %s: see its "
		    "inputSchema", name);
		*resp = rpc_error(id, -32602, err);
		return -1;
	}
	format_duration(p.window, p.window_text, sizeof p.window_text);
	pname = tinkrd_active_profile(m->d, NULL);
	if (pname == NULL || (prof = config_profile(m->d->conf,
	    pname)) == NULL) {
		*resp = rpc_result(id, json_pack("{s:[{s:s, s:s}], s:b}",
		    "content", "type", "text", "text", "no profile is active",
		    "isError", 1));
		return -1;
	}
	m->tool = name;
	if ((m->job = source_start(m->d->sources, m->d->conf, prof,
	    m->service, &p, &status, err, sizeof err)) == NULL) {
		*resp = rpc_result(id, json_pack("{s:[{s:s, s:s}], s:b}",
		    "content", "type", "text", "text", err, "isError", 1));
		return -1;
	}
	return 0;
}

/* A tool's JSON answer, its secrets masked, as a tools/call result. */
static json_t *
tool_ok(struct mcp_job *m, json_t *id, json_t *answer)
{
	json_t	*r, *clean;
	char	*raw, *text;

	raw = json_dumps(answer, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
	text = sanitize(raw, m->d->conf);
	free(raw);
	r = json_pack("{s:[{s:s, s:s}], s:b}", "content", "type", "text",
	    "text", text, "isError", 0);
	if (strcmp(m->version, "2025-06-18") == 0 && (clean = json_loads(text,
	    0, NULL)) != NULL)
		json_object_set_new(r, "structuredContent", clean);
	free(text);
	return rpc_result(id, r);
}

/* A tool's failure as a tools/call result. */
static json_t *
tool_failed(json_t *id, const char *why)
{
	return rpc_result(id, json_pack("{s:[{s:s, s:s}], s:b}", "content",
	    "type", "text", "text", why, "isError", 1));
}

/* get_file and search_code: the service's repository, read at once. */
static json_t *
code_tool(struct mcp_job *m, json_t *id, const char *name, json_t *args)
{
	const struct cprofile	*prof;
	const struct csection	*sec = NULL;
	const char		*service, *pname, *repo, *path, *pattern;
	const char		*glob;
	long long		 context;
	json_t			*answer, *r;
	char			 err[512];
	int			 bad = 0;

	service = arg_str(args, "service", NULL, &bad);
	if (strcmp(name, "get_file") == 0) {
		path = arg_str(args, "path", NULL, &bad);
		pattern = glob = NULL;
		context = 0;
		if (path == NULL)
			bad = 1;
	} else {
		path = NULL;
		pattern = arg_str(args, "pattern", NULL, &bad);
		glob = arg_str(args, "file_glob", NULL, &bad);
		context = arg_int(args, "context_lines", 3, 0, 20, &bad);
		if (pattern == NULL)
			bad = 1;
	}
	if (bad || service == NULL) {
		snprintf(err, sizeof err, "invalid arguments for %s: see its "
		    "inputSchema", name);
		return rpc_error(id, -32602, err);
	}
	if ((pname = tinkrd_active_profile(m->d, NULL)) == NULL ||
	    (prof = config_profile(m->d->conf, pname)) == NULL)
		return tool_failed(id, "no profile is active");
	sec = config_service(m->d->conf, prof, service);
	if (sec == NULL) {
		snprintf(err, sizeof err, "Service '%s' not found in profile "
		    "'%s'", service, prof->name);
		return tool_failed(id, err);
	}
	if ((repo = csection_str(sec, "repo_path")) == NULL) {
		snprintf(err, sizeof err, "service '%s' has no repo_path in "
		    "the configuration", service);
		return tool_failed(id, err);
	}
	answer = path != NULL ? code_get_file(repo, path, err, sizeof err) :
	    code_search(repo, pattern, glob, (int)context, err, sizeof err);
	if (answer == NULL)
		return tool_failed(id, err);
	json_object_set_new(answer, "service", json_string(service));
	r = tool_ok(m, id, answer);
	json_decref(answer);
	return r;
}

/*
 * suggest_fix: start git checking a diff against the repository; NULL
 * while it does (suggest_fix_done keeps the fix), or an answer now.
 */
static json_t *
suggest_fix(struct mcp_job *m, json_t *id, json_t *args)
{
	const struct cprofile	*prof;
	const struct csection	*sec = NULL;
	const char		*service, *diff, *why, *incident, *pname;
	const char		*repo;
	char			 err[1024], at[32];
	int			 bad = 0;

	service = arg_str(args, "service", NULL, &bad);
	diff = arg_str(args, "diff", NULL, &bad);
	why = arg_str(args, "explanation", NULL, &bad);
	incident = arg_str(args, "incident_id", NULL, &bad);
	if (bad || service == NULL || diff == NULL || why == NULL ||
	    strlen(diff) > FIX_DIFF_MAX)
		return rpc_error(id, -32602, "invalid arguments for "
		    "suggest_fix: service, diff (at most 1 MiB) and "
		    "explanation are strings");
	if (m->role < ROLE_ONCALL)
		return tool_failed(id, "suggest_fix needs the oncall role; "
		    "this token is a viewer's");
	if ((pname = tinkrd_active_profile(m->d, NULL)) == NULL ||
	    (prof = config_profile(m->d->conf, pname)) == NULL)
		return tool_failed(id, "no profile is active");
	sec = config_service(m->d->conf, prof, service);
	if (sec == NULL || (repo = csection_str(sec, "repo_path")) == NULL) {
		snprintf(err, sizeof err, "service '%s' has no repo_path in "
		    "profile '%s'", service, prof->name);
		return tool_failed(id, err);
	}
	if ((m->git = gitjob_start(m->d, repo, diff, 1, err,
	    sizeof err)) == NULL)
		return tool_failed(id, err);
	format_time_iso((long long)time(NULL), at, sizeof at);
	m->draft = json_pack("{s:s, s:s?, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
	    "fix_id", "", "incident_id", incident, "service", service,
	    "profile", prof->name, "explanation", why, "diff", diff,
	    "proposed_by", m->subject[0] != '\0' ? m->subject :
	    "local user", "created_at", at, "status", "proposed");
	return NULL;
}

/* suggest_fix once git has checked the diff: keep the fix, or say why not. */
static json_t *
suggest_fix_done(struct mcp_job *m, json_t *id)
{
	json_t	*fix = m->draft, *r;
	char	 err[1024], fid[16], dir[PATH_MAX + 16];

	m->draft = NULL;
	if (!m->git->ok) {
		r = tool_failed(id, m->git->err);
		json_decref(fix);
		return r;
	}
	fix_new_id(fid, sizeof fid);
	json_object_set_new(fix, "fix_id", json_string(fid));
	snprintf(dir, sizeof dir, "%s/fixes", m->d->statedir);
	if (fix_save(dir, fix, err, sizeof err) == -1) {
		json_decref(fix);
		return tool_failed(id, err);
	}
	log_info("fix %s proposed for %s by %s", fid, json_string_value(
	    json_object_get(fix, "service")), m->subject[0] != '\0' ?
	    m->subject : "local user");
	json_decref(fix);
	fix = json_pack("{s:s, s:s, s:s}", "fix_id", fid, "status",
	    "proposed", "message", "the diff applies cleanly; it is kept for "
	    "review (tinkr fix show) and nothing was applied");
	r = tool_ok(m, id, fix);
	json_decref(fix);
	return r;
}

/* A finished tool's answer as a tools/call result. */
static json_t *
tool_result(struct mcp_job *m, json_t *id, int status, json_t *answer)
{
	const char	*detail;

	if (status != 200) {
		detail = json_string_value(json_object_get(answer, "detail"));
		return rpc_result(id, json_pack("{s:[{s:s, s:s}], s:b}",
		    "content", "type", "text", "text", detail != NULL ?
		    detail : "the source failed", "isError", 1));
	}
	/* Log lines carry secrets more often than anyone means them to. */
	return tool_ok(m, id, answer);
}

/* Answer one message that needs no source; NULL for a notification. */
static json_t *
answer_now(struct mcp_job *m, json_t *msg)
{
	json_t		*id = json_object_get(msg, "id");
	const char	*method;

	if (!json_is_object(msg) || strcmp(json_string_value(json_object_get(
	    msg, "jsonrpc")) != NULL ? json_string_value(json_object_get(msg,
	    "jsonrpc")) : "", "2.0") != 0 || (method = json_string_value(
	    json_object_get(msg, "method"))) == NULL) {
		if (json_is_object(msg) && id == NULL && (json_object_get(msg,
		    "result") != NULL || json_object_get(msg, "error") != NULL))
			return NULL;	/* a response to us: none expected */
		return rpc_error(id, -32600, "not a JSON-RPC 2.0 request: it "
		    "needs \"jsonrpc\": \"2.0\" and a \"method\"");
	}
	if (id == NULL)
		return NULL;		/* a notification */
	if (!json_is_string(id) && !json_is_integer(id))
		return rpc_error(NULL, -32600, "the id must be a string or an "
		    "integer");
	if (strcmp(method, "ping") == 0)
		return rpc_result(id, json_object());
	if (strcmp(method, "tools/list") == 0)
		return rpc_result(id, tools_list(m->d));
	if (strcmp(method, "initialize") == 0) {
		if (m->sid[0] == '\0')
			return rpc_error(id, -32600, "this session is "
			    "initialised already");
		return rpc_result(id, json_pack("{s:s, s:{s:{s:b}}, "
		    "s:{s:s, s:s}}", "protocolVersion", "2024-11-05",
		    "capabilities", "tools", "listChanged", 0,
		    "serverInfo", "name", "tinkr", "version", PACKAGE_VERSION));
	}
	return rpc_error(id, -32601, "method not found");
}

/* Work through the messages; SOURCE_DONE when every one is answered. */
static int
mcp_step(void *job, long long budget)
{
	struct mcp_job	*m = job;
	json_t		*msg, *resp, *answer, *id;
	const char	*method;
	long long	 deadline = mono_ms() + budget, left;
	int		 rc, status;

	while (m->i < json_array_size(m->msgs)) {
		msg = json_array_get(m->msgs, m->i);
		id = json_object_get(msg, "id");
		if (m->git != NULL) {
			if ((rc = gitjob_step(m->git)) != SOURCE_DONE)
				return rc;
			json_array_append_new(m->out, suggest_fix_done(m, id));
			gitjob_free(m->git);
			m->git = NULL;
			m->i++;
			continue;
		}
		if (m->job != NULL) {
			/* A batch's calls share the turn's budget. */
			if ((left = deadline - mono_ms()) <= 0)
				return SOURCE_MORE;
			if ((rc = source_step(m->job, left)) != SOURCE_DONE)
				return rc;
			answer = source_result(m->job, &status);
			source_job_free(m->job);
			m->job = NULL;
			json_array_append_new(m->out, tool_result(m, id, status,
			    answer));
			json_decref(answer);
			m->i++;
			continue;
		}
		method = json_string_value(json_object_get(msg, "method"));
		if (json_is_object(msg) && id != NULL && (json_is_string(id) ||
		    json_is_integer(id)) && method != NULL &&
		    strcmp(method, "tools/call") == 0 && strcmp(
		    json_string_value(json_object_get(msg, "jsonrpc")) != NULL ?
		    json_string_value(json_object_get(msg, "jsonrpc")) : "",
		    "2.0") == 0) {
			if (tool_start(m, id, json_object_get(msg, "params"),
			    &resp) == 0)
				continue;
		} else
			resp = answer_now(m, msg);
		if (resp != NULL)
			json_array_append_new(m->out, resp);
		m->i++;
	}
	return SOURCE_DONE;
}

static json_t *
mcp_result(void *job, int *status)
{
	struct mcp_job		*m = job;
	struct mcp_session	*s;
	json_t			*r;
	size_t			 i;

	if (m->sid[0] != '\0') {
		/* HTTP+SSE: the answers go down the session's stream. */
		if ((s = session_find(m->d, m->sid)) != NULL &&
		    s->stream != NULL)
			json_array_foreach(m->out, i, r)
				stream_push(s->stream, "message", r);
		*status = 202;
		return NULL;
	}
	if (json_array_size(m->out) == 0) {
		*status = 202;
		return NULL;
	}
	*status = 200;
	if (m->batch)
		return json_incref(m->out);
	return json_incref(json_array_get(m->out, 0));
}

static void
mcp_free(void *job)
{
	struct mcp_job	*m = job;

	source_job_free(m->job);
	gitjob_free(m->git);
	json_decref(m->draft);
	json_decref(m->msgs);
	json_decref(m->out);
	free(m->service);
	free(m);
}

static const struct job_ops mcp_job_ops = {
	mcp_step, mcp_result, mcp_free, 0
};

/* A header of the request, or NULL. */
static const char *
header(struct request *req, const char *name)
{
	if (req->conn == NULL)
		return NULL;
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

/* Answer an initialize request: a new session and its header. */
static void
initialize(struct request *req, struct reply *rep, json_t *msg)
{
	struct mcp_session	*s;
	json_t			*id = json_object_get(msg, "id");
	const char		*want, *v = versions[0];
	size_t			 i;

	want = json_string_value(json_object_get(json_object_get(msg,
	    "params"), "protocolVersion"));
	for (i = 0; want != NULL && versions[i] != NULL; i++)
		if (strcmp(want, versions[i]) == 0)
			v = versions[i];
	s = session_new(req->d, v, req->subject);
	strlcpy(rep->hdr_name, "Mcp-Session-Id", sizeof rep->hdr_name);
	strlcpy(rep->hdr_value, s->id, sizeof rep->hdr_value);
	reply_json(rep, 200, rpc_result(id, json_pack("{s:s, s:{s:{s:b}}, "
	    "s:{s:s, s:s}, s:s}",
	    "protocolVersion", v,
	    "capabilities", "tools", "listChanged", 0,
	    "serverInfo", "name", "tinkr", "version", PACKAGE_VERSION,
	    "instructions", "Tools read the logs, metrics and anomalies of "
	    "the services of this tinkrd's active profile.")));
}

/* POST /mcp: JSON-RPC messages of a session (or an initialize). */
void
route_mcp_post(struct request *req, struct reply *rep)
{
	struct mcp_session	*s;
	struct mcp_job		*m;
	json_error_t		 jerr;
	const char		*sid, *pv, *method;
	json_t			*body;
	char			 msg[256];
	size_t			 i;

	if ((body = json_loadb(req->body != NULL ? req->body : "",
	    req->bodylen, 0, &jerr)) == NULL) {
		snprintf(msg, sizeof msg, "parse error: %s", jerr.text);
		reply_json(rep, 400, rpc_error(NULL, -32700, msg));
		return;
	}
	method = json_string_value(json_object_get(body, "method"));
	if (json_is_object(body) && method != NULL &&
	    strcmp(method, "initialize") == 0) {
		initialize(req, rep, body);
		json_decref(body);
		return;
	}
	sid = header(req, "Mcp-Session-Id");
	if (sid == NULL) {
		reply_json(rep, 400, rpc_error(NULL, -32600, "no Mcp-Session-Id "
		    "header: send initialize first"));
		goto out;
	}
	if ((s = session_find(req->d, sid)) == NULL ||
	    strcmp(s->subject, req->subject != NULL ? req->subject : "") !=
	    0) {
		reply_json(rep, 404, rpc_error(NULL, -32600, "unknown session: "
		    "initialize again"));
		goto out;
	}
	s->last = (long long)time(NULL);
	if ((pv = header(req, "MCP-Protocol-Version")) != NULL) {
		for (i = 0; versions[i] != NULL; i++)
			if (strcmp(pv, versions[i]) == 0)
				break;
		if (versions[i] == NULL) {
			snprintf(msg, sizeof msg, "unsupported "
			    "MCP-Protocol-Version %.40s (supported: "
			    "2025-06-18, 2025-03-26)", pv);
			reply_json(rep, 400, rpc_error(NULL, -32600, msg));
			goto out;
		}
	}
	if (json_is_array(body) && (strcmp(s->version, "2025-03-26") != 0 ||
	    json_array_size(body) == 0)) {
		reply_json(rep, 400, rpc_error(NULL, -32600, json_array_size(
		    body) == 0 ? "an empty batch" : "batches are not part of "
		    "protocol version 2025-06-18"));
		goto out;
	}
	m = xcalloc(1, sizeof *m);
	m->d = req->d;
	m->role = req->role;
	strlcpy(m->subject, req->subject != NULL ? req->subject : "",
	    sizeof m->subject);
	strlcpy(m->version, s->version, sizeof m->version);
	m->batch = json_is_array(body);
	m->msgs = m->batch ? json_incref(body) : json_pack("[O]", body);
	m->out = json_array();
	rep->job = m;
	rep->ops = &mcp_job_ops;
out:
	json_decref(body);
}

/* DELETE /mcp: end the session named by Mcp-Session-Id. */
void
route_mcp_delete(struct request *req, struct reply *rep)
{
	struct mcp_session	*s, **sp;
	const char		*sid = header(req, "Mcp-Session-Id");

	for (sp = &req->d->mcp_sessions; (s = *sp) != NULL; sp = &s->next)
		if (sid != NULL && strcmp(s->id, sid) == 0 &&
		    strcmp(s->subject, req->subject != NULL ? req->subject :
		    "") == 0) {
			*sp = s->next;
			session_free(s);
			reply_json(rep, 200, json_pack("{s:s}", "status",
			    "ended"));
			return;
		}
	reply_error(rep, 404, "unknown session");
}

/* --- HTTP+SSE, protocol version 2024-11-05 ---------------------------------- */

/* Queue an event on a stream and wake its connection. */
static void
stream_push(struct mcp_stream *st, const char *event, json_t *data)
{
	char	*text;

	strbuf_str(&st->out, "event: ");
	strbuf_str(&st->out, event);
	strbuf_str(&st->out, "\ndata: ");
	if (json_is_string(data))
		strbuf_str(&st->out, json_string_value(data));
	else {
		text = json_dumps(data, JSON_COMPACT);
		strbuf_str(&st->out, text);
		free(text);
	}
	strbuf_str(&st->out, "\n\n");
	if (st->suspended) {
		st->suspended = 0;
		MHD_resume_connection(st->conn);
	}
}

/* MHD asks for more of the stream: what is queued, or wait for more. */
static ssize_t
stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct mcp_stream	*st = cls;
	size_t			 n;

	(void)pos;
	if (st->sent < st->out.len) {
		n = st->out.len - st->sent;
		if (n > max)
			n = max;
		memcpy(buf, st->out.s + st->sent, n);
		st->sent += n;
		if (st->sent == st->out.len)
			st->sent = st->out.len = 0;
		return (ssize_t)n;
	}
	if (st->session == NULL)
		return MHD_CONTENT_READER_END_OF_STREAM;
	st->suspended = 1;
	MHD_suspend_connection(st->conn);
	return 0;
}

/* The connection is gone: so is the stream, and its session with it. */
static void
stream_free(void *cls)
{
	struct mcp_stream	*st = cls;

	if (st->session != NULL)
		st->session->stream = NULL;
	free(st->out.s);
	free(st);
}

/*
 * GET /mcp/sse: open a 2024-11-05 session; its first event names the URL
 * to POST messages to, and the answers come down this stream.
 */
void
route_mcp_sse(struct request *req, struct reply *rep)
{
	struct mcp_session	*s;
	struct mcp_stream	*st;
	json_t			*ep;
	char			*url;

	s = session_new(req->d, "2024-11-05", req->subject);
	st = xcalloc(1, sizeof *st);
	st->conn = req->conn;
	st->session = s;
	s->stream = st;
	xasprintf(&url, "/mcp/messages?session_id=%s", s->id);
	ep = json_string(url);
	free(url);
	stream_push(st, "endpoint", ep);
	json_decref(ep);
	rep->status = 200;
	rep->stream_read = stream_read;
	rep->stream_free = stream_free;
	rep->stream_cls = st;
}

/* POST /mcp/messages?session_id=ID: a message of a 2024-11-05 session. */
void
route_mcp_message(struct request *req, struct reply *rep)
{
	struct mcp_session	*s;
	struct mcp_job		*m;
	json_error_t		 jerr;
	const char		*sid = request_query(req, "session_id");
	json_t			*body;
	char			 msg[256];

	if ((s = session_find(req->d, sid)) == NULL || s->stream == NULL ||
	    strcmp(s->subject, req->subject != NULL ? req->subject : "") !=
	    0) {
		reply_error(rep, 404, "unknown session: open /mcp/sse again");
		return;
	}
	s->last = (long long)time(NULL);
	if ((body = json_loadb(req->body != NULL ? req->body : "",
	    req->bodylen, 0, &jerr)) == NULL) {
		snprintf(msg, sizeof msg, "parse error: %s", jerr.text);
		body = rpc_error(NULL, -32700, msg);
		stream_push(s->stream, "message", body);
		json_decref(body);
		rep->status = 202;
		return;
	}
	m = xcalloc(1, sizeof *m);
	m->d = req->d;
	m->role = req->role;
	strlcpy(m->subject, req->subject != NULL ? req->subject : "",
	    sizeof m->subject);
	strlcpy(m->sid, s->id, sizeof m->sid);
	strlcpy(m->version, s->version, sizeof m->version);
	m->batch = json_is_array(body);
	m->msgs = m->batch ? json_incref(body) : json_pack("[O]", body);
	m->out = json_array();
	rep->job = m;
	rep->ops = &mcp_job_ops;
	json_decref(body);
}
