/* promql.h -- writing PromQL: label values and rule expressions */
#ifndef TINKR_PROMQL_H
#define TINKR_PROMQL_H

#include "util.h"

/* promql.c */
void	 promql_label_value(struct strbuf *, const char *);
char	*promql_expand(const char *, const char *, const char *);

#endif
