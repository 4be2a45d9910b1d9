/*
 * routes.c -- the daemon's one route table.
 *
 * Every capability of tinkrd is a row here: method, path pattern, the
 * least role allowed, and the handler. The Unix socket and the TCP listener
 * serve this same table.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "tinkrd.h"
#include "util.h"

const struct route routes[] = {
	{ "GET", "/health", ROLE_PUBLIC, route_health,
	    "Whether the daemon runs; with a token, its version, profiles and watches",
	    NULL },
	{ "GET", "/openapi.json", ROLE_PUBLIC, route_openapi,
	    "This API, as OpenAPI 3.0",
	    NULL },
	{ "GET", "/docs", ROLE_PUBLIC, route_docs,
	    "A page to read and try every route",
	    NULL },
	{ "GET", "/api/v1/profiles", ROLE_VIEWER, route_profiles,
	    "Every profile with its services and notifiers",
	    NULL },
	{ "GET", "/api/v1/profiles/{name}", ROLE_VIEWER, route_profile,
	    "One profile",
	    NULL },
	{ "POST", "/api/v1/profiles/{name}/activate", ROLE_SRE_LEAD, route_profile_activate,
	    "Make a profile the one requests use when they name none",
	    NULL },
	{ "GET", "/api/v1/config", ROLE_SRE_LEAD, route_config,
	    "The running configuration, secrets redacted",
	    NULL },
	{ "POST", "/api/v1/anomalies", ROLE_VIEWER, route_anomalies,
	    "Detect a service's anomalies now",
	    "{\"service\": \"payments-api\", \"window_minutes\": 10}" },
	{ "POST", "/api/v1/logs", ROLE_VIEWER, route_logs,
	    "A service's newest log lines that match a query",
	    "{\"service\": \"payments-api\", \"query\": \"level:error\", \"since\": \"30m\", \"limit\": 50}" },
	{ "POST", "/api/v1/metrics", ROLE_VIEWER, route_metrics,
	    "A metric of a service, a point a minute",
	    "{\"service\": \"payments-api\", \"metric_name\": \"error_count\", \"since\": \"1h\"}" },
	{ "POST", "/api/v1/slo", ROLE_VIEWER, route_slo,
	    "Availability, error budget and burn rates",
	    "{\"service\": \"payments-api\", \"target_pct\": 99.9, \"window\": \"30d\"}" },
	{ "POST", "/api/v1/rca", ROLE_VIEWER, route_rca,
	    "A root-cause analysis, streamed as server-sent events",
	    "{\"service\": \"payments-api\", \"since\": \"1h\"}" },
	{ "POST", "/api/v1/watches", ROLE_ONCALL, route_watch_start,
	    "Start a watch: notify when a service's anomalies change",
	    "{\"service\": \"payments-api\", \"notifier\": \"pagerduty\", \"interval_seconds\": 60}" },
	{ "GET", "/api/v1/watches", ROLE_VIEWER, route_watch_list,
	    "Every watch",
	    NULL },
	{ "GET", "/api/v1/watches/{id}", ROLE_VIEWER, route_watch_show,
	    "One watch, with what it notified and what waits",
	    NULL },
	{ "DELETE", "/api/v1/watches/{id}", ROLE_ONCALL, route_watch_stop,
	    "Stop a watch; it stays listed",
	    NULL },
	{ "DELETE", "/api/v1/watches/{id}/delete", ROLE_ONCALL, route_watch_delete,
	    "Delete a watch and cancel its pending deliveries",
	    NULL },
	{ "GET", "/api/v1/notifiers", ROLE_VIEWER, route_notifier_list,
	    "A profile's notifiers and their health",
	    NULL },
	{ "POST", "/api/v1/notifiers/{name}/test", ROLE_ONCALL, route_notifier_test,
	    "Send a test notification now",
	    "{}" },
	{ "GET", "/api/v1/deliveries", ROLE_VIEWER, route_deliveries,
	    "Notifications, newest first (?watch=, ?status=pending|failed, ?limit=)",
	    NULL },
	{ "POST", "/api/v1/deliveries/{id}/retry", ROLE_ONCALL, route_delivery_retry,
	    "Queue a failed delivery again",
	    NULL },
	{ "POST", "/mcp", ROLE_VIEWER, route_mcp_post,
	    "MCP over Streamable HTTP: JSON-RPC 2.0 (initialize first)",
	    "{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"initialize\", \"params\": {\"protocolVersion\": \"2025-06-18\", \"capabilities\": {}, \"clientInfo\": {\"name\": \"docs\", \"version\": \"1\"}}}" },
	{ "GET", "/mcp/sse", ROLE_VIEWER, route_mcp_sse,
	    "MCP over HTTP+SSE (2024-11-05): the event stream of a session",
	    NULL },
	{ "POST", "/mcp/messages", ROLE_VIEWER, route_mcp_message,
	    "MCP over HTTP+SSE: a message of a session (?session_id=)",
	    NULL },
	{ "DELETE", "/mcp", ROLE_VIEWER, route_mcp_delete,
	    "End an MCP session (Mcp-Session-Id)",
	    NULL },
	{ "GET", "/api/v1/fixes", ROLE_VIEWER, route_fix_list,
	    "Fixes proposed through MCP, newest first", NULL },
	{ "GET", "/api/v1/fixes/{id}", ROLE_VIEWER, route_fix_show,
	    "One proposed fix, with its diff", NULL },
	{ "POST", "/api/v1/fixes/{id}/apply", ROLE_ONCALL, route_fix_apply,
	    "Apply a proposed fix with git apply in its repository", NULL },
	{ "POST", "/api/v1/fixes/{id}/reject", ROLE_ONCALL, route_fix_reject,
	    "Reject a proposed fix", NULL },
	{ "POST", "/api/v1/daemon/reload", ROLE_SRE_LEAD, route_reload,
	    "Load the configuration again; keep the old one if it is invalid",
	    NULL },
	{ "POST", "/api/v1/daemon/stop", ROLE_SRE_LEAD, route_stop,
	    "Stop the daemon gracefully",
	    NULL },
};
const size_t nroutes = nitems(routes);

/* Answer with {"detail": "..."} and a status. */
void
reply_error(struct reply *rep, int status, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_decref(rep->json);
	rep->status = status;
	rep->json = json_pack("{s:s}", "detail", msg);
}

/* Answer with a JSON value, taking the reference. */
void
reply_json(struct reply *rep, int status, json_t *json)
{
	json_decref(rep->json);
	rep->status = status;
	rep->json = json;
}

/* A query-string argument of the request, or NULL. */
const char *
request_query(struct request *req, const char *name)
{
	if (req->conn == NULL)
		return NULL;
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND,
	    name);
}

/*
 * Match a path against a pattern segment by segment; {name} segments match
 * any non-empty segment and are captured into the request.
 */
static int
route_match(const char *pattern, const char *path, struct request *req)
{
	const char	*p = pattern, *s = path, *pe, *se;
	size_t		 n = 0;

	while (*p != '\0' && *s != '\0') {
		if (*p != '/' || *s != '/')
			goto fail;
		p++;
		s++;
		pe = p + strcspn(p, "/");
		se = s + strcspn(s, "/");
		if (*p == '{' && pe[-1] == '}') {
			if (se == s || n == nitems(req->param))
				goto fail;
			req->param_name[n] = p;
			req->param[n++] = xstrndup(s, (size_t)(se - s));
		} else if (pe - p != se - s || strncmp(p, s, (size_t)(pe - p)) != 0)
			goto fail;
		p = pe;
		s = se;
	}
	if (*p != '\0' || *s != '\0')
		goto fail;
	req->nparams = n;
	return 1;
fail:
	while (n > 0)
		free(req->param[--n]);
	return 0;
}

/* Find the route for a request and run it, or answer 404/405/401/403. */
void
routes_dispatch(struct request *req, struct reply *rep)
{
	const struct route	*r, *found = NULL;
	char			*allowed = rep->allow;
	size_t			 i;

	for (i = 0; i < nitems(routes); i++) {
		r = &routes[i];
		if (!route_match(r->pattern, req->path, req))
			continue;
		if (strcmp(r->method, req->method) == 0) {
			found = r;
			break;
		}
		while (req->nparams > 0)
			free(req->param[--req->nparams]);
		if (*allowed != '\0')
			strlcat(allowed, ", ", sizeof rep->allow);
		strlcat(allowed, r->method, sizeof rep->allow);
	}
	if (found == NULL) {
		if (*allowed != '\0')
			reply_error(rep, 405, "method %s not allowed on %s "
			    "(allowed: %s)", req->method, req->path, allowed);
		else
			reply_error(rep, 404, "no route for %s %s",
			    req->method, req->path);
		return;
	}
	if (req->role < found->role) {
		if (req->role == ROLE_PUBLIC)
			reply_error(rep, 401, "a bearer token is required");
		else
			reply_error(rep, 403, "this token's role may not "
			    "use %s %s", req->method, req->path);
		return;
	}
	rep->status = 200;
	found->handler(req, rep);
	if (rep->json == NULL && rep->job == NULL && rep->raw == NULL &&
	    rep->stream_read == NULL && rep->status != 202)
		reply_error(rep, 500, "the handler gave no answer");
}
