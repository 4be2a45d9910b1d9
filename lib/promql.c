/* promql.c -- writing PromQL: label values and rule expressions */

#include <ctype.h>
#include <string.h>

#include "promql.h"
#include "util.h"

/* Append s to b as the inside of a PromQL double-quoted string. */
void
promql_label_value(struct strbuf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '\\':
			strbuf_str(b, "\\\\");
			break;
		case '"':
			strbuf_str(b, "\\\"");
			break;
		case '\n':
			strbuf_str(b, "\\n");
			break;
		default:
			strbuf_addc(b, *s);
		}
	}
}

/*
 * Expand a rule's expression: $service becomes the service's name escaped
 * for a label value, $window the window ("10m"). A new string.
 */
char *
promql_expand(const char *expr, const char *service, const char *window)
{
	struct strbuf	 b = { NULL, 0, 0 };

	strbuf_add(&b, "", 0);
	while (*expr != '\0') {
		if (strncmp(expr, "$service", 8) == 0 &&
		    !isalnum((unsigned char)expr[8]) && expr[8] != '_') {
			promql_label_value(&b, service);
			expr += 8;
		} else if (strncmp(expr, "$window", 7) == 0 &&
		    !isalnum((unsigned char)expr[7]) && expr[7] != '_') {
			strbuf_str(&b, window);
			expr += 7;
		} else
			strbuf_addc(&b, *expr++);
	}
	return b.s;
}
