/*
 * route-watch.c -- starting, listing, showing, stopping and deleting
 * watches.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "log.h"
#include "tinkrd.h"
#include "util.h"
#include "watch.h"

/* "a, b, c": the notifiers of a profile, for messages. */
static void
notifier_names(const struct config *conf, const struct cprofile *prof,
    char *buf, size_t len)
{
	size_t	 i;

	buf[0] = '\0';
	for (i = 0; i < prof->nnotifiers; i++) {
		if (i > 0)
			strlcat(buf, ", ", len);
		strlcat(buf, conf->sections[prof->notifiers[i]].sub, len);
	}
}

/*
 * The notifier a watch start names, else "default", else the only one;
 * NULL after answering why none fits.
 */
static const struct csection *
choose_notifier(struct request *req, struct reply *rep,
    const struct cprofile *prof, const char *name)
{
	const struct config	*conf = req->d->conf;
	const struct csection	*sec;
	char			 names[512];

	notifier_names(conf, prof, names, sizeof names);
	if (prof->nnotifiers == 0) {
		reply_error(rep, 422, "profile '%s' has no notifiers: add a "
		    "[profiles.%s.notifiers.NAME] section to the configuration",
		    prof->name, prof->name);
		return NULL;
	}
	if (name != NULL) {
		if ((sec = config_notifier(conf, prof, name)) == NULL)
			reply_error(rep, 422, "notifier '%s' not found in "
			    "profile '%s' (notifiers: %s)", name, prof->name,
			    names);
		return sec;
	}
	if ((sec = config_notifier(conf, prof, "default")) != NULL)
		return sec;
	if (prof->nnotifiers == 1)
		return &conf->sections[prof->notifiers[0]];
	reply_error(rep, 422, "profile '%s' has several notifiers; name one "
	    "with --notifier (notifiers: %s)", prof->name, names);
	return NULL;
}

/* Whether a profile declares a service (a tinkr profile knows them all). */
static int
has_service(const struct config *conf, const struct cprofile *prof,
    const char *service)
{
	return strcmp(prof->backend, "tinkr") == 0 ||
	    config_service(conf, prof, service) != NULL;
}

/* Check a destination for a notifier; NULL, or a warning, or -1. */
static int
check_destination(struct reply *rep, const struct csection *sec,
    const char *dest, char *warn, size_t warnlen)
{
	const char	*type = csection_str(sec, "type");

	warn[0] = '\0';
	if (dest == NULL)
		return 0;
	if (strcmp(type, "discord") == 0) {
		reply_error(rep, 422, "discord notifiers take no destination: "
		    "the channel is fixed in the webhook URL");
		return -1;
	}
	if (strcmp(type, "webhook") != 0) {
		reply_error(rep, 422, "%s notifiers take no destination",
		    type);
		return -1;
	}
	if ((strncmp(dest, "http://", 7) != 0 &&
	    strncmp(dest, "https://", 8) != 0) || strlen(dest) > 2048 ||
	    strpbrk(dest, " \t\r\n") != NULL) {
		reply_error(rep, 422, "destination must be an http:// or "
		    "https:// URL");
		return -1;
	}
	if (!deliver_trusted(sec, dest))
		snprintf(warn, warnlen, "the destination is not on the origin "
		    "of notifier '%s' nor in its destinations, so its headers "
		    "and secret will not be sent there", sec->sub);
	return 0;
}

/* The watch as show and start answer it. */
static json_t *
watch_full_json(struct tinkrd *d, struct watch *w)
{
	const struct cprofile	*prof;
	const struct csection	*sec = NULL;
	json_t			*j = watch_json(w), *pending, *notified;
	long long		 left;
	char			 t[32];

	if ((prof = config_profile(d->conf, w->profile)) != NULL)
		sec = config_notifier(d->conf, prof, w->notifier);
	json_object_set_new(j, "notifier_type", sec != NULL ?
	    json_string(csection_str(sec, "type")) : json_null());
	if (w->running && w->slot != (size_t)-1) {
		left = w->due - mono_ms();
		format_time_iso((long long)time(NULL) + (left > 0 ?
		    (left + 999) / 1000 : 0), t, sizeof t);
		json_object_set_new(j, "next_run_at", json_string(t));
	} else
		json_object_set_new(j, "next_run_at", json_null());
	if ((notified = watch_notified(w)) == NULL)
		notified = json_array();
	json_object_set_new(j, "notified_anomalies", notified);
	pending = deliver_pending_json(d, w->id);
	json_object_set_new(j, "pending_count",
	    json_integer((json_int_t)json_array_size(pending)));
	json_object_set_new(j, "pending_deliveries", pending);
	return j;
}

/*
 * POST /api/v1/watches {service, profile, notifier, destination,
 * interval_seconds, window}: 201 and the watch; 200 when the same watch
 * was already running, or is resumed.
 */
void
route_watch_start(struct request *req, struct reply *rep)
{
	const struct cprofile	*prof;
	const struct csection	*nsec;
	struct tinkrd		*d = req->d;
	struct watch		*w = NULL;
	const char		*service, *dest, *notifier, *win;
	long long		 interval, window = WATCH_WINDOW_DEFAULT;
	json_t			*body, *j;
	char			 warn[512];
	const char		*outcome = "created";
	size_t			 i;
	int			 bad = 0;

	if ((body = body_object(req, rep)) == NULL)
		return;
	service = member_string(body, "service", &bad);
	notifier = member_string(body, "notifier", &bad);
	dest = member_string(body, "destination", &bad);
	win = member_string(body, "window", &bad);
	if (bad) {
		reply_error(rep, 422, "service, notifier, destination and "
		    "window must be strings");
		goto out;
	}
	if (service == NULL || *service == '\0') {
		reply_error(rep, 422, "'service' is required: the name of a "
		    "service of the profile");
		goto out;
	}
	if ((interval = member_int(body, "interval_seconds",
	    WATCH_INTERVAL_DEFAULT, 1, WATCH_INTERVAL_MAX, rep)) == -1)
		goto out;
	if (win != NULL && (parse_duration(win, &window) == -1 ||
	    window <= 0 || window > 30 * 86400)) {
		reply_error(rep, 422, "'window' must be a duration like "
		    "\"10m\", at most 30d");
		goto out;
	}
	if ((prof = request_profile(req, rep, body)) == NULL)
		goto out;
	if (!has_service(d->conf, prof, service)) {
		reply_error(rep, 404, "Service '%s' not found in profile '%s'",
		    service, prof->name);
		goto out;
	}
	if ((nsec = choose_notifier(req, rep, prof, notifier)) == NULL)
		goto out;
	if (check_destination(rep, nsec, dest, warn, sizeof warn) == -1)
		goto out;

	for (i = 0; i < d->nwatches; i++) {
		w = d->watches[i];
		if (strcmp(w->service, service) != 0 ||
		    strcmp(w->profile, prof->name) != 0 ||
		    strcmp(w->notifier, nsec->sub) != 0 ||
		    (w->destination == NULL) != (dest == NULL) ||
		    (dest != NULL && strcmp(w->destination, dest) != 0))
			continue;
		if (w->running)
			outcome = "existing";
		else {
			outcome = "resumed";
			w->running = 1;
			w->interval = interval;
			w->window = window;
			watch_schedule(d, w);
			watch_store_now(d, w);
			log_info("watch %s resumed", w->id);
		}
		break;
	}
	if (i == d->nwatches) {
		w = watch_new();
		do
			watch_new_id(w->id, sizeof w->id);
		while (watch_find(d, w->id) != NULL);
		w->service = xstrdup(service);
		w->profile = xstrdup(prof->name);
		w->notifier = xstrdup(nsec->sub);
		w->destination = dest != NULL ? xstrdup(dest) : NULL;
		w->interval = interval;
		w->window = window;
		w->running = 1;
		w->started_at = (long long)time(NULL);
		watch_add(d, w);
		watch_store_now(d, w);
		watch_schedule(d, w);
		log_info("watch %s started: %s of profile %s every %llds, "
		    "notifying %s", w->id, service, prof->name, interval,
		    nsec->sub);
	}
	j = watch_full_json(d, w);
	json_object_set_new(j, "outcome", json_string(outcome));
	json_object_set_new(j, "warning", warn[0] != '\0' ?
	    json_string(warn) : json_null());
	reply_json(rep, strcmp(outcome, "created") == 0 ? 201 : 200, j);
out:
	json_decref(body);
}

static int
by_start(const void *a, const void *b)
{
	const struct watch	*x = *(struct watch *const *)a;
	const struct watch	*y = *(struct watch *const *)b;

	if (x->started_at != y->started_at)
		return x->started_at < y->started_at ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* GET /api/v1/watches: {"watches": [...]}, oldest first. */
void
route_watch_list(struct request *req, struct reply *rep)
{
	struct tinkrd	*d = req->d;
	struct watch	**v;
	json_t		*arr = json_array();
	size_t		 i;

	v = xcalloc(d->nwatches + 1, sizeof *v);
	if (d->nwatches > 0) {
		memcpy(v, d->watches, d->nwatches * sizeof *v);
		qsort(v, d->nwatches, sizeof *v, by_start);
	}
	for (i = 0; i < d->nwatches; i++)
		json_array_append_new(arr, watch_json(v[i]));
	free(v);
	reply_json(rep, 200, json_pack("{s:o}", "watches", arr));
}

/* The watch named by the path, or NULL after a 404. */
static struct watch *
path_watch(struct request *req, struct reply *rep)
{
	struct watch	*w;

	if ((w = watch_find(req->d, req->param[0])) == NULL)
		reply_error(rep, 404, "Watch '%s' not found", req->param[0]);
	return w;
}

/* GET /api/v1/watches/{id}: the watch, what it notified, what waits. */
void
route_watch_show(struct request *req, struct reply *rep)
{
	struct watch	*w;

	if ((w = path_watch(req, rep)) != NULL)
		reply_json(rep, 200, watch_full_json(req->d, w));
}

/* DELETE /api/v1/watches/{id}: stop it; it stays listed. */
void
route_watch_stop(struct request *req, struct reply *rep)
{
	struct watch	*w;

	if ((w = path_watch(req, rep)) == NULL)
		return;
	if (w->running) {
		w->running = 0;
		watch_halt(req->d, w);
		watch_store_now(req->d, w);
		log_info("watch %s stopped", w->id);
	}
	reply_json(rep, 200, watch_full_json(req->d, w));
}

/* DELETE /api/v1/watches/{id}/delete: remove it, cancel what it owes. */
void
route_watch_delete(struct request *req, struct reply *rep)
{
	struct watch	*w;
	char		 id[16];
	size_t		 n;

	if ((w = path_watch(req, rep)) == NULL)
		return;
	strlcpy(id, w->id, sizeof id);
	n = deliver_cancel_watch(req->d, id);
	watch_forget(req->d, id);
	watch_drop(req->d, w);
	log_info("watch %s deleted, %zu pending notifications cancelled",
	    id, n);
	reply_json(rep, 200, json_pack("{s:s, s:b, s:I}", "watch_id", id,
	    "deleted", 1, "cancelled_deliveries", (json_int_t)n));
}
