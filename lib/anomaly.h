/* anomaly.h -- what a source found wrong with a service */
#ifndef TINKR_ANOMALY_H
#define TINKR_ANOMALY_H

#include <stddef.h>

#include <jansson.h>

enum severity {
	SEV_LOW,
	SEV_MEDIUM,
	SEV_HIGH,
	SEV_CRITICAL
};

/* One anomaly, as in the reference payload. */
struct anomaly {
	char		*service;
	char		*metric;
	char		*description;
	enum severity	 severity;
	long long	 detected_at;	/* epoch seconds */
	double		 current_value;
	double		 threshold;
};

struct anomalies {
	struct anomaly	*v;
	size_t		 n;
};

/* anomaly.c */
const char	*severity_name(enum severity);
int		 severity_parse(const char *, enum severity *);
void		 anomalies_add(struct anomalies *, const char *, const char *,
		     enum severity, long long, double, double, const char *, ...)
		     __attribute__((format(printf, 8, 9)));
void		 anomalies_free(struct anomalies *);
json_t		*anomaly_json(const struct anomaly *);
json_t		*anomalies_json(const struct anomalies *);
void		 format_amount(double, const char *, char *, size_t);
struct rule;
int		 rule_fires(const struct rule *, double, enum severity *);

#endif
