/*
 * route-fix.c -- fixes proposed through MCP's suggest_fix: list, show,
 * apply (git apply in the service's repository) and reject; and git run
 * as a job, which the loop does not wait for.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "fix.h"
#include "log.h"
#include "source.h"
#include "tinkrd.h"
#include "util.h"

static void
fix_dir(struct tinkrd *d, char *buf, size_t len)
{
	snprintf(buf, len, "%s/fixes", d->statedir);
}

/* --- git as a job ------------------------------------------------------ */

/*
 * Start git apply (--check with check) on diff in repo; NULL and why when
 * it cannot start.
 */
struct gitjob *
gitjob_start(struct tinkrd *d, const char *repo, const char *diff,
    int check, char *err, size_t errlen)
{
	struct gitjob	*g;
	pid_t		 pid;
	int		 errfd;

	if ((pid = fix_git_start(repo, diff, check, &errfd, err,
	    errlen)) == -1)
		return NULL;
	g = xcalloc(1, sizeof *g);
	g->d = d;
	g->errfd = errfd;
	g->child = child_watch(d, pid, FIX_GIT_TIMEOUT_MS);
	return g;
}

/* SOURCE_DONE once git has exited, with ok or err set; else waiting. */
int
gitjob_step(struct gitjob *g)
{
	if (g->child == NULL)
		return SOURCE_DONE;
	if (!g->child->exited)
		return SOURCE_WAITING;
	g->ok = fix_git_judge(g->child->status, g->child->killed, g->errfd,
	    g->err, sizeof g->err) == 0;
	g->errfd = -1;
	child_forget(g->d, g->child);
	g->child = NULL;
	return SOURCE_DONE;
}

/* Free a git job; a git still running is killed. */
void
gitjob_free(struct gitjob *g)
{
	if (g == NULL)
		return;
	child_forget(g->d, g->child);
	if (g->errfd != -1)
		close(g->errfd);
	free(g);
}

/* An apply waiting for git: the fix, and who decided. */
struct decide {
	struct tinkrd	*d;
	struct gitjob	*git;
	json_t		*fix;
	char		 id[32];
	char		*subject;
};

static json_t	*fix_decided(struct tinkrd *, json_t *, const char *,
		     const char *, int);

static int
decide_step(void *job, long long budget)
{
	struct decide	*x = job;

	(void)budget;
	return gitjob_step(x->git);
}

static json_t *
decide_result(void *job, int *status)
{
	struct decide	*x = job;

	if (!x->git->ok) {
		*status = 422;
		return json_pack("{s:s}", "detail", x->git->err);
	}
	*status = 200;
	return fix_decided(x->d, json_incref(x->fix), x->id, x->subject, 1);
}

static void
decide_free(void *job)
{
	struct decide	*x = job;

	gitjob_free(x->git);
	json_decref(x->fix);
	free(x->subject);
	free(x);
}

static const struct job_ops decide_job_ops = {
	decide_step, decide_result, decide_free, 0
};

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
	struct decide		*x;
	const char		*status, *repo = NULL, *svc, *pname;
	char			 err[1024];
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
		/* git runs as a job: the answer comes when it is done. */
		x = xcalloc(1, sizeof *x);
		if ((x->git = gitjob_start(req->d, repo, json_string_value(
		    json_object_get(f, "diff")), 0, err, sizeof err)) ==
		    NULL) {
			free(x);
			reply_error(rep, 422, "%s", err);
			json_decref(f);
			return;
		}
		x->d = req->d;
		x->fix = f;
		strlcpy(x->id, req->param[0], sizeof x->id);
		x->subject = req->subject != NULL ? xstrdup(req->subject) :
		    NULL;
		rep->job = x;
		rep->ops = &decide_job_ops;
		return;
	}
	reply_json(rep, 200, fix_decided(req->d, f, req->param[0],
	    req->subject, 0));
}

/*
 * Record a fix as applied or rejected, and by whom; what the route
 * answers (the fix without its diff). Takes f.
 */
static json_t *
fix_decided(struct tinkrd *d, json_t *f, const char *id, const char *subject,
    int apply)
{
	char	 dir[PATH_MAX + 16], err[1024], at[32];

	format_time_iso((long long)time(NULL), at, sizeof at);
	json_object_set_new(f, "status", json_string(apply ? "applied" :
	    "rejected"));
	json_object_set_new(f, "decided_at", json_string(at));
	json_object_set_new(f, "decided_by", json_string(subject != NULL ?
	    subject : "local user"));
	fix_dir(d, dir, sizeof dir);
	if (fix_save(dir, f, err, sizeof err) == -1)
		log_warnx("fix %s: %s", id, err);
	log_info("fix %s %s", id, apply ? "applied" : "rejected");
	json_object_del(f, "diff");
	return f;
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
