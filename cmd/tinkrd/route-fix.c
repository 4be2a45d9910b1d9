/*
 * route-fix.c -- fixes proposed through MCP's suggest_fix: list, show,
 * apply (git apply in the service's repository) and reject.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "fix.h"
#include "log.h"
#include "tinkrd.h"
#include "util.h"

static void
fix_dir(struct tinkrd *d, char *buf, size_t len)
{
	snprintf(buf, len, "%s/fixes", d->statedir);
}

/* GET /api/v1/fixes: every fix, without its diff, newest first. */
void
route_fix_list(struct request *req, struct reply *rep)
{
	char	 dir[PATH_MAX + 16];

	fix_dir(req->d, dir, sizeof dir);
	reply_json(rep, 200, json_pack("{s:o}", "fixes", fix_list(dir)));
}

/* The fix the path names; NULL after a 404. */
static json_t *
path_fix(struct request *req, struct reply *rep)
{
	char	 dir[PATH_MAX + 16];
	json_t	*f;

	fix_dir(req->d, dir, sizeof dir);
	if ((f = fix_load(dir, req->param[0])) == NULL)
		reply_error(rep, 404, "Fix '%s' not found", req->param[0]);
	return f;
}

/* GET /api/v1/fixes/{id}: one fix, with its diff. */
void
route_fix_show(struct request *req, struct reply *rep)
{
	json_t	*f;

	if ((f = path_fix(req, rep)) != NULL)
		reply_json(rep, 200, f);
}

/* Apply or reject a proposed fix. */
static void
fix_decide(struct request *req, struct reply *rep, int apply)
{
	const struct cprofile	*prof;
	const struct csection	*sec;
	const char		*status, *repo = NULL, *svc, *pname;
	char			 dir[PATH_MAX + 16], err[1024], at[32];
	json_t			*f;

	if ((f = path_fix(req, rep)) == NULL)
		return;
	status = json_string_value(json_object_get(f, "status"));
	if (status == NULL || strcmp(status, "proposed") != 0) {
		reply_error(rep, 409, "fix %s is %s, not proposed",
		    req->param[0], status != NULL ? status : "unreadable");
		json_decref(f);
		return;
	}
	if (apply) {
		svc = json_string_value(json_object_get(f, "service"));
		pname = json_string_value(json_object_get(f, "profile"));
		if (pname != NULL && svc != NULL &&
		    (prof = config_profile(req->d->conf, pname)) != NULL &&
		    (sec = config_service(req->d->conf, prof, svc)) != NULL)
			repo = csection_str(sec, "repo_path");
		if (repo == NULL) {
			reply_error(rep, 422, "service '%s' has no repo_path "
			    "any more", svc != NULL ? svc : "?");
			json_decref(f);
			return;
		}
		if (fix_git_apply(repo, json_string_value(json_object_get(f,
		    "diff")), 0, err, sizeof err) == -1) {
			reply_error(rep, 422, "%s", err);
			json_decref(f);
			return;
		}
	}
	format_time_iso((long long)time(NULL), at, sizeof at);
	json_object_set_new(f, "status", json_string(apply ? "applied" :
	    "rejected"));
	json_object_set_new(f, "decided_at", json_string(at));
	json_object_set_new(f, "decided_by", json_string(req->subject != NULL ?
	    req->subject : "local user"));
	fix_dir(req->d, dir, sizeof dir);
	if (fix_save(dir, f, err, sizeof err) == -1)
		log_warnx("fix %s: %s", req->param[0], err);
	log_info("fix %s %s", req->param[0], apply ? "applied" : "rejected");
	json_object_del(f, "diff");
	reply_json(rep, 200, f);
}

/* POST /api/v1/fixes/{id}/apply */
void
route_fix_apply(struct request *req, struct reply *rep)
{
	fix_decide(req, rep, 1);
}

/* POST /api/v1/fixes/{id}/reject */
void
route_fix_reject(struct request *req, struct reply *rep)
{
	fix_decide(req, rep, 0);
}
