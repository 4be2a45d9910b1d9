/* rule.h -- a service's detection rule, from [profiles.P.services.S.rules.N] */
#ifndef TINKR_RULE_H
#define TINKR_RULE_H

#include <stddef.h>

#include "anomaly.h"

enum rule_kind {
	RULE_COUNT,		/* lines matching query (every line if none) */
	RULE_QUANTILE,		/* a quantile of field in the matching lines */
	RULE_RATIO,		/* lines matching query over all lines */
	RULE_PROMQL		/* the value of a PromQL expression */
};

/*
 * One rule, as config_service_rules hands it out. The rule fires when its
 * value is beyond threshold: greater than it, or less than it when below
 * is set. Beyond high (critical) the severity rises to SEV_HIGH
 * (SEV_CRITICAL); the configuration is checked so that threshold, high and
 * critical lie in that order in the rule's direction.
 */
struct rule {
	char		*name;		/* NAME of [...rules.NAME] */
	enum rule_kind	 kind;
	char		*query;		/* NULL: every line */
	char		*expr;		/* RULE_PROMQL: with $service, $window */
	char		*field;		/* RULE_QUANTILE only, else NULL */
	double		 quantile;	/* RULE_QUANTILE: in (0, 1); else NAN */
	double		 threshold;
	int		 below;		/* direction = "below" */
	enum severity	 severity;	/* the base severity */
	double		 high;		/* NAN when unset */
	double		 critical;	/* NAN when unset */
	char		*unit;		/* how values print, or NULL */
	unsigned	 line;		/* of the section header */
	int		 hidden;	/* counts for slo_total/slo_errors only */
};

#endif
