/*
 * route-notify.c -- notifiers (list, test) and deliveries (list, retry).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "tinkrd.h"
#include "util.h"
#include "watch.h"

/* A notifier's target as people may see it: no secret in it. */
static json_t *
notifier_target(const struct csection *sec)
{
	const char	*type = csection_str(sec, "type"), *url;
	char		 origin[256], *s;
	json_t		*j;

	if (strcmp(type, "exec") == 0)
		return json_string(csection_str(sec, "command"));
	url = csection_str(sec, strcmp(type, "discord") == 0 ?
	    "webhook_url" : "url");
	if (url == NULL)
		return json_null();
	url_origin(url, origin, sizeof origin);
	xasprintf(&s, "%s/<redacted>", origin);
	j = json_string(s);
	free(s);
	return j;
}

/* The profile a GET names with ?profile=, else the active one. */
static const struct cprofile *
query_profile(struct request *req, struct reply *rep)
{
	const struct cprofile	*prof;
	const char		*name;

	if ((name = request_query(req, "profile")) == NULL &&
	    (name = tinkrd_active_profile(req->d, NULL)) == NULL) {
		reply_error(rep, 422, "no profile selected: name one with "
		    "?profile=, or mark one active = true");
		return NULL;
	}
	if ((prof = config_profile(req->d->conf, name)) == NULL)
		reply_error(rep, 404, "Profile '%s' not found", name);
	return prof;
}

/* GET /api/v1/notifiers[?profile=P]: the profile's notifiers and health. */
void
route_notifier_list(struct request *req, struct reply *rep)
{
	const struct cprofile	*prof;
	const struct csection	*sec;
	json_t			*arr, *j;
	size_t			 i;

	if ((prof = query_profile(req, rep)) == NULL)
		return;
	arr = json_array();
	for (i = 0; i < prof->nnotifiers; i++) {
		sec = &req->d->conf->sections[prof->notifiers[i]];
		j = json_pack("{s:s, s:s, s:o}", "name", sec->sub,
		    "type", csection_str(sec, "type"),
		    "target", notifier_target(sec));
		deliver_health_json(req->d, prof->name, sec->sub, j);
		json_array_append_new(arr, j);
	}
	reply_json(rep, 200, json_pack("{s:s, s:o}", "profile", prof->name,
	    "notifiers", arr));
}

/*
 * POST /api/v1/notifiers/{name}/test {profile, destination}: send a test
 * notification now; 200 when delivered, 502 when not.
 */
void
route_notifier_test(struct request *req, struct reply *rep)
{
	const struct cprofile	*prof;
	const struct csection	*sec;
	struct ntest		*t;
	const char		*dest, *type;
	json_t			*body;
	char			 why[512];
	int			 bad = 0;

	if (req->body != NULL && req->bodylen > 0) {
		if ((body = body_object(req, rep)) == NULL)
			return;
	} else
		body = json_object();
	if ((dest = member_string(body, "destination", &bad)) != NULL ||
	    bad) {
		if (bad || (strncmp(dest, "http://", 7) != 0 &&
		    strncmp(dest, "https://", 8) != 0)) {
			reply_error(rep, 422, "destination must be an http:// "
			    "or https:// URL");
			goto out;
		}
	}
	if ((prof = request_profile(req, rep, body)) == NULL)
		goto out;
	if ((sec = config_notifier(req->d->conf, prof,
	    req->param[0])) == NULL) {
		reply_error(rep, 404, "notifier '%s' not found in profile '%s'",
		    req->param[0], prof->name);
		goto out;
	}
	type = csection_str(sec, "type");
	if (dest != NULL && strcmp(type, "webhook") != 0) {
		reply_error(rep, 422, strcmp(type, "discord") == 0 ?
		    "discord notifiers take no destination: the channel is "
		    "fixed in the webhook URL" : "%s notifiers take no "
		    "destination", type);
		goto out;
	}
	if ((t = deliver_test(req->d, prof->name, sec->sub, dest, why,
	    sizeof why)) == NULL) {
		reply_error(rep, 502, "notifier '%s': %s", sec->sub, why);
		goto out;
	}
	rep->job = t;
	rep->ops = &test_job_ops;
out:
	json_decref(body);
}

/*
 * GET /api/v1/deliveries[?watch=ID][&status=pending|failed][&limit=N]:
 * {"deliveries": [...]}, newest first.
 */
void
route_deliveries(struct request *req, struct reply *rep)
{
	const char	*watch, *status, *limit;
	char		*end;
	long		 n = 20;
	int		 which = 0;

	watch = request_query(req, "watch");
	if ((status = request_query(req, "status")) != NULL) {
		if (strcmp(status, "pending") == 0)
			which = 1;
		else if (strcmp(status, "failed") == 0)
			which = 2;
		else {
			reply_error(rep, 422, "status must be pending or "
			    "failed");
			return;
		}
	}
	if ((limit = request_query(req, "limit")) != NULL) {
		n = strtol(limit, &end, 10);
		if (*limit == '\0' || *end != '\0' || n < 1 || n > 10000) {
			reply_error(rep, 422, "limit must be an integer from "
			    "1 to 10000");
			return;
		}
	}
	reply_json(rep, 200, json_pack("{s:o}", "deliveries",
	    deliver_list_json(req->d, watch, which, (size_t)n)));
}

/* POST /api/v1/deliveries/{id}/retry: queue a failed one again; 202. */
void
route_delivery_retry(struct request *req, struct reply *rep)
{
	struct delivery	*dl;

	if ((dl = deliver_find(req->d, req->param[0])) == NULL) {
		reply_error(rep, 404, "Delivery '%s' not found",
		    req->param[0]);
		return;
	}
	if (deliver_retry(req->d, dl) == -1) {
		reply_error(rep, 409, "delivery %s is %s: only failed or "
		    "cancelled deliveries can be retried", dl->event_id,
		    dstate_name(dl->state));
		return;
	}
	dl = deliver_find(req->d, req->param[0]);
	reply_json(rep, 202, delivery_json(dl));
}
