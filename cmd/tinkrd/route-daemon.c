/* route-daemon.c -- health, profiles, config, reload and stop */

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "tinkrd.h"
#include "util.h"

/* A profile's name and backend, for lists. */
static json_t *
profile_brief(const struct cprofile *p, const char *active)
{
	return json_pack("{s:s, s:s, s:b}", "name", p->name, "backend",
	    p->backend, "active", active != NULL && strcmp(active, p->name) == 0);
}

/*
 * GET /health: anyone may ask whether the daemon is up; only a caller with
 * at least the viewer role learns more than that.
 */
void
route_health(struct request *req, struct reply *rep)
{
	struct tinkrd	*d = req->d;
	const char	*active;
	json_t		*j, *profiles;
	char		 since[32];
	size_t		 i;

	if (req->role < ROLE_VIEWER) {
		reply_json(rep, 200, json_pack("{s:s}", "status", "ok"));
		return;
	}
	active = tinkrd_active_profile(d, NULL);
	profiles = json_array();
	for (i = 0; i < d->conf->nprofiles; i++)
		json_array_append_new(profiles,
		    profile_brief(&d->conf->profiles[i], active));
	format_time_iso((long long)d->started, since, sizeof since);
	j = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s?, s:s, s:s?, s:o}",
	    "status", "ok",
	    "version", PACKAGE_VERSION,
	    "pid", (json_int_t)getpid(),
	    "uptime_seconds", (json_int_t)(time(NULL) - d->started),
	    "started_at", since,
	    "config", d->conf->path,
	    "socket", d->sock,
	    "active_profile", active,
	    "profiles", profiles);
	json_object_set_new(j, "watches", watches_stats_json(d));
	reply_json(rep, 200, j);
}

/* One profile with its services and notifiers, marked if active. */
static json_t *
profile_full(struct tinkrd *d, const struct cprofile *p, const char *active)
{
	json_t	*j;

	j = config_profile_json(d->conf, p);
	json_object_set_new(j, "active", json_boolean(active != NULL &&
	    strcmp(active, p->name) == 0));
	return j;
}

/* GET /api/v1/profiles: every profile with its services and notifiers. */
void
route_profiles(struct request *req, struct reply *rep)
{
	struct tinkrd	*d = req->d;
	const char	*active, *how;
	json_t		*list;
	size_t		 i;

	active = tinkrd_active_profile(d, &how);
	list = json_array();
	for (i = 0; i < d->conf->nprofiles; i++)
		json_array_append_new(list,
		    profile_full(d, &d->conf->profiles[i], active));
	reply_json(rep, 200, json_pack("{s:s?, s:s?, s:o}", "active", active,
	    "active_from", how, "profiles", list));
}

/* GET /api/v1/profiles/{name}: one profile. */
void
route_profile(struct request *req, struct reply *rep)
{
	struct tinkrd		*d = req->d;
	const struct cprofile	*p;
	char			*names = NULL, *tmp;
	size_t			 i;

	if ((p = config_profile(d->conf, req->param[0])) != NULL) {
		reply_json(rep, 200, profile_full(d, p,
		    tinkrd_active_profile(d, NULL)));
		return;
	}
	for (i = 0; i < d->conf->nprofiles; i++) {
		xasprintf(&tmp, "%s%s%s", names != NULL ? names : "",
		    names != NULL ? ", " : "", d->conf->profiles[i].name);
		free(names);
		names = tmp;
	}
	reply_error(rep, 404, "no profile '%s' (profiles: %s)", req->param[0],
	    names != NULL ? names : "none");
	free(names);
}

/* GET /api/v1/config: the running snapshot, secrets redacted. */
void
route_config(struct request *req, struct reply *rep)
{
	struct tinkrd	*d = req->d;
	json_t		*j, *warnings;
	size_t		 i;

	j = config_json(d->conf);
	json_object_set_new(j, "active_profile",
	    json_string(tinkrd_active_profile(d, NULL)));
	warnings = json_array();
	for (i = 0; i < d->conf->nwarnings; i++)
		json_array_append_new(warnings,
		    json_string(d->conf->warnings[i]));
	json_object_set_new(j, "warnings", warnings);
	reply_json(rep, 200, j);
}

/* POST /api/v1/daemon/reload: swap in a new snapshot only if it is valid. */
void
route_reload(struct request *req, struct reply *rep)
{
	struct tinkrd	*d = req->d;
	char		 err[1024];

	if (tinkrd_reload(d, err, sizeof err) == -1) {
		reply_error(rep, 422, "%s; the running configuration is kept",
		    err);
		return;
	}
	reply_json(rep, 200, json_pack("{s:s, s:s?, s:s?, s:I}",
	    "status", "reloaded",
	    "config", d->conf->path,
	    "active_profile", tinkrd_active_profile(d, NULL),
	    "profiles", (json_int_t)d->conf->nprofiles));
}

/* Leave the loop once the stop reply has gone out. */
static void
stop_after_reply(struct tinkrd *d)
{
	d->stopping = 1;
}

/* POST /api/v1/daemon/stop: answer, then stop gracefully. */
void
route_stop(struct request *req, struct reply *rep)
{
	log_info("stop requested through %s", req->d->sock);
	reply_json(rep, 202, json_pack("{s:s, s:I}", "status", "stopping",
	    "pid", (json_int_t)getpid()));
	rep->after = stop_after_reply;
}

/*
 * POST /api/v1/profiles/{name}/activate: make a profile the one requests
 * use when they name none, until a restart or another activation.
 */
void
route_profile_activate(struct request *req, struct reply *rep)
{
	struct tinkrd		*d = req->d;
	const struct cprofile	*p;

	if ((p = config_profile(d->conf, req->param[0])) == NULL) {
		reply_error(rep, 404, "Profile '%s' not found", req->param[0]);
		return;
	}
	free(d->active);
	d->active = xstrdup(p->name);
	log_info("profile %s activated", p->name);
	reply_json(rep, 200, json_pack("{s:s, s:s, s:s}", "status",
	    "activated", "active", p->name, "backend", p->backend));
}
