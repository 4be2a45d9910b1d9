/* source.h -- where anomalies, log entries and metric points come from */
#ifndef TINKR_SOURCE_H
#define TINKR_SOURCE_H

#include <stddef.h>

#include <jansson.h>

struct config;
struct cprofile;
struct fetcher;
struct csection;
struct sources;
struct source_job;

enum source_op {
	SOURCE_DETECT,		/* {"anomalies": [...]} */
	SOURCE_LOGS,		/* {"entries": [...]} */
	SOURCE_METRICS,		/* {"points": [...]} */
	SOURCE_SLO		/* an SLO report */
};

/* What a caller asks of a source. */
struct source_params {
	enum source_op	 op;
	long long	 window;	/* detect: the window; else how far back */
	char		 window_text[16];	/* as the caller wrote it: "10m" */
	const char	*query;		/* logs: the query, NULL for all */
	size_t		 limit;		/* logs: at most this many entries */
	const char	*metric;	/* metrics: the metric's name */
	double		 target;	/* slo: the objective in percent */
	long long	 now;		/* epoch seconds the request was made */
	int		 recent_ok;	/* detect: a just-made answer will do */
};

/*
 * A source job runs in slices: source_step does at most a budget of work
 * and says whether more remains, so the daemon's loop never blocks for
 * long on a large log.
 */

/* What source_step says of a job. */
#define SOURCE_DONE	0
#define SOURCE_MORE	1
#define SOURCE_WAITING	2

/* source.c */
struct sources		*sources_new(struct fetcher *);
void			 sources_free(struct sources *);
struct source_job	*source_start(struct sources *, const struct config *,
			    const struct cprofile *, const char *,
			    const struct source_params *, int *, char *, size_t);
int			 source_step(struct source_job *, long long);
json_t			*source_result(struct source_job *, int *);
void			 source_job_free(struct source_job *);

/* source/local.c */
struct local_state;
struct local_job;
struct local_state	*local_state_new(void);
void			 local_state_free(struct local_state *);
struct local_job	*local_start(struct local_state *,
			    const struct config *, const char *,
			    const struct csection *, const char *,
			    const struct source_params *, char *, size_t);
int			 local_step(struct local_job *, long long);
json_t			*local_result(struct local_job *, int *);
void			 local_job_free(struct local_job *);

/* source/prometheus.c */
struct prom_job;
struct prom_job		*prom_start(struct fetcher *, const struct config *,
			    const struct cprofile *, const char *,
			    const struct source_params *, int *, char *, size_t);
int			 prom_step(struct prom_job *);
json_t			*prom_result(struct prom_job *, int *);
void			 prom_job_free(struct prom_job *);

/* source/tinkr.c */
struct remote_job;
struct remote_job	*remote_start(struct fetcher *, const struct config *,
			    const struct cprofile *, const char *,
			    const struct source_params *);
int			 remote_step(struct remote_job *);
json_t			*remote_result(struct remote_job *, int *);
void			 remote_job_free(struct remote_job *);

#endif
