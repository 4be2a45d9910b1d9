/* source.c -- one interface over the backends a profile can use */

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "source.h"
#include "util.h"

/* What the daemon keeps for its sources between requests. */
struct sources {
	struct local_state	*local;
	struct fetcher		*fetcher;	/* the daemon's, for HTTP */
};

/* A running request to some backend: one of these is set. */
struct source_job {
	struct local_job	*local;
	struct prom_job		*prom;
	struct remote_job	*remote;
};

/* Make the sources' memory; HTTP backends use the fetcher. */
struct sources *
sources_new(struct fetcher *f)
{
	struct sources	*s;

	s = xcalloc(1, sizeof *s);
	s->local = local_state_new();
	s->fetcher = f;
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

/*
 * Start a request to the service's backend. NULL when it cannot start,
 * with an HTTP status and a reason: 404 for an unknown service, 422 for a
 * bad request, 501 for what the backend cannot do. A tinkr profile need
 * not declare its services: the server it reads from knows them.
 */
struct source_job *
source_start(struct sources *s, const struct config *conf,
    const struct cprofile *prof, const char *service,
    const struct source_params *p, int *status, char *err, size_t errlen)
{
	const struct csection	*sec;
	struct source_job	*job;
	struct local_job	*lj;
	struct prom_job		*pj;

	if (strcmp(prof->backend, "tinkr") == 0) {
		job = xcalloc(1, sizeof *job);
		job->remote = remote_start(s->fetcher, conf, prof, service, p);
		return job;
	}
	if ((sec = config_service(conf, prof, service)) == NULL) {
		*status = 404;
		seterr(err, errlen, "Service '%s' not found in profile '%s'",
		    service, prof->name);
		return NULL;
	}
	if (strcmp(prof->backend, "prometheus") == 0 ||
	    strcmp(prof->backend, "grafana") == 0) {
		if ((pj = prom_start(s->fetcher, conf, prof, service, p,
		    status, err, errlen)) == NULL)
			return NULL;
		job = xcalloc(1, sizeof *job);
		job->prom = pj;
		return job;
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

/*
 * Work for at most budget milliseconds. SOURCE_MORE while work remains,
 * SOURCE_WAITING while the job waits for answers from afar (the loop then
 * need not hurry back), SOURCE_DONE when the result is ready.
 */
int
source_step(struct source_job *job, long long budget)
{
	if (job->prom != NULL)
		return prom_step(job->prom);
	if (job->remote != NULL)
		return remote_step(job->remote);
	return local_step(job->local, budget);
}

/* The finished job's status and JSON answer (a new reference). */
json_t *
source_result(struct source_job *job, int *status)
{
	if (job->prom != NULL)
		return prom_result(job->prom, status);
	if (job->remote != NULL)
		return remote_result(job->remote, status);
	return local_result(job->local, status);
}

/* Free a job, finished or not. */
void
source_job_free(struct source_job *job)
{
	if (job == NULL)
		return;
	local_job_free(job->local);
	prom_job_free(job->prom);
	remote_job_free(job->remote);
	free(job);
}
