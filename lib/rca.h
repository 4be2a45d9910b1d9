/* rca.h -- a root-cause analysis from a service's error lines and counts */
#ifndef TINKR_RCA_H
#define TINKR_RCA_H

#include <jansson.h>

/*
 * What the analysis reads. entries: the error lines of the last two
 * windows, each {"timestamp", "message"} as the logs route gives them;
 * errors and latency: points {"timestamp", "value"} a minute over the two
 * windows, as the metrics route gives them (error_count, latency_p99);
 * anomalies: the current anomalies.
 */
struct rca_input {
	const char	*service;
	long long	 now;		/* epoch seconds */
	long long	 since;		/* the window, seconds */
	json_t		*entries;
	json_t		*errors;
	json_t		*latency;
	json_t		*anomalies;
};

/* rca.c */
char	*rca_mask(const char *);
json_t	*rca_analyse(const struct rca_input *);

#endif
