/* slo.h -- availability objectives, error budgets and burn rates */
#ifndef TINKR_SLO_H
#define TINKR_SLO_H

#include <jansson.h>

#define SLO_BURN_CRITICAL	14.4	/* spends 2% of 30d's budget in 1h */
#define SLO_BURN_WARNING	6.0	/* spends 5% of it in 6h */

/* Requests and errors over a period. */
struct slo_counts {
	double	 total;
	double	 errors;
};

/* slo.c */
const char	*slo_burn_status(double);
json_t		*slo_report(const char *, double, long long,
		     const struct slo_counts *, const struct slo_counts[3]);

#endif
