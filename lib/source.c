/* source.c -- one interface over the backends a profile can use */

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "source.h"
#include "util.h"

/* What the daemon keeps for its sources between requests. */
struct sources {
	struct local_state	*local;
};

/* A running request to some backend. */
struct source_job {
	struct local_job	*local;
};

/* Make the sources' memory. */
struct sources *
sources_new(void)
{
	struct sources	*s;

	s = xcalloc(1, sizeof *s);
	s->local = local_state_new();
	return s;
}

/* Free the sources' memory; no job may be running. */
void
sources_free(struct sources *s)
{
	if (s == NULL)
		return;
	local_state_free(s->local);
	free(s);
}

/* The section of a profile's service, or NULL. */
static const struct csection *
find_service(const struct config *conf, const struct cprofile *prof,
    const char *service)
{
	const struct csection	*sec;
	size_t			 i;

	for (i = 0; i < prof->nservices; i++) {
		sec = &conf->sections[prof->services[i]];
		if (strcmp(sec->sub, service) == 0)
			return sec;
	}
	return NULL;
}

/*
 * Start a request to the service's backend. NULL when it cannot start,
 * with an HTTP status and a reason: 404 for an unknown service, 422 for a
 * bad request, 501 for a backend this build does not have.
 */
struct source_job *
source_start(struct sources *s, const struct config *conf,
    const struct cprofile *prof, const char *service,
    const struct source_params *p, int *status, char *err, size_t errlen)
{
	const struct csection	*sec;
	struct source_job	*job;
	struct local_job	*lj;

	if ((sec = find_service(conf, prof, service)) == NULL) {
		*status = 404;
		seterr(err, errlen, "Service '%s' not found in profile '%s'",
		    service, prof->name);
		return NULL;
	}
	if (strcmp(prof->backend, "local") != 0) {
		*status = 501;
		seterr(err, errlen, "profile '%s': the %s backend is not "
		    "available in this version of tinkrd", prof->name,
		    prof->backend);
		return NULL;
	}
	if ((lj = local_start(s->local, conf, prof->name, sec, service, p, err,
	    errlen)) == NULL) {
		*status = 422;
		return NULL;
	}
	job = xcalloc(1, sizeof *job);
	job->local = lj;
	return job;
}

/* Work for at most budget milliseconds; 1 while more remains. */
int
source_step(struct source_job *job, long long budget)
{
	return local_step(job->local, budget);
}

/* The finished job's status and JSON answer (a new reference). */
json_t *
source_result(struct source_job *job, int *status)
{
	return local_result(job->local, status);
}

/* Free a job, finished or not. */
void
source_job_free(struct source_job *job)
{
	if (job == NULL)
		return;
	local_job_free(job->local);
	free(job);
}
