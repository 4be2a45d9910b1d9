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

static const struct route routes[] = {
	{ "GET",  "/health",		    ROLE_PUBLIC,   route_health },
	{ "GET",  "/api/v1/profiles",	    ROLE_VIEWER,   route_profiles },
	{ "GET",  "/api/v1/profiles/{name}", ROLE_VIEWER,  route_profile },
	{ "POST", "/api/v1/profiles/{name}/activate", ROLE_SRE_LEAD,
	    route_profile_activate },
	{ "GET",  "/api/v1/config",	    ROLE_SRE_LEAD, route_config },
	{ "POST", "/api/v1/anomalies",	    ROLE_VIEWER,   route_anomalies },
	{ "POST", "/api/v1/logs",	    ROLE_VIEWER,   route_logs },
	{ "POST", "/api/v1/metrics",	    ROLE_VIEWER,   route_metrics },
	{ "POST", "/api/v1/slo",	    ROLE_VIEWER,   route_slo },
	{ "POST", "/api/v1/rca",	    ROLE_VIEWER,   route_rca },
	{ "POST", "/api/v1/watches",	    ROLE_ONCALL,   route_watch_start },
	{ "GET",  "/api/v1/watches",	    ROLE_VIEWER,   route_watch_list },
	{ "GET",  "/api/v1/watches/{id}",  ROLE_VIEWER,   route_watch_show },
	{ "DELETE", "/api/v1/watches/{id}", ROLE_ONCALL,  route_watch_stop },
	{ "DELETE", "/api/v1/watches/{id}/delete", ROLE_ONCALL,
	    route_watch_delete },
	{ "GET",  "/api/v1/notifiers",	    ROLE_VIEWER,   route_notifier_list },
	{ "POST", "/api/v1/notifiers/{name}/test", ROLE_ONCALL,
	    route_notifier_test },
	{ "GET",  "/api/v1/deliveries",    ROLE_VIEWER,   route_deliveries },
	{ "POST", "/api/v1/deliveries/{id}/retry", ROLE_ONCALL,
	    route_delivery_retry },
	{ "POST", "/api/v1/daemon/reload",  ROLE_SRE_LEAD, route_reload },
	{ "POST", "/api/v1/daemon/stop",    ROLE_SRE_LEAD, route_stop },
};

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
	if (rep->json == NULL && rep->job == NULL)
		reply_error(rep, 500, "the handler gave no answer");
}
