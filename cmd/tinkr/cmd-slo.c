/* cmd-slo.c -- slo: a service's availability against its objective */

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinkr.h"
#include "util.h"

static int	cmd_slo(struct cmd_ctx *);

const struct cmd_entry cmd_slo_entry = {
	NULL, "slo", "SERVICE [--target 99.9] [--window 30d]", 1, 1,
	"target=,window=",
	"report a service's availability, error budget and burn rates",
	cmd_slo
};

/* A member as a number; NAN when it is null or absent. */
static double
numof(json_t *o, const char *key)
{
	json_t	*v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* "1,234,567" for a count. */
static void
count_text(double v, char *buf, size_t len)
{
	char	 raw[64];
	size_t	 n, i, o = 0;

	snprintf(raw, sizeof raw, "%.0f", v);
	n = strlen(raw);
	for (i = 0; i < n && o + 2 < len; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = raw[i];
	}
	buf[o] = '\0';
}

/* A status in capitals. */
static void
shout(const char *s, char *buf, size_t len)
{
	size_t	 i;

	for (i = 0; s != NULL && s[i] != '\0' && i + 1 < len; i++)
		buf[i] = (char)toupper((unsigned char)s[i]);
	buf[i] = '\0';
}

/* Print the report the route gave. */
static void
print_report(json_t *r)
{
	static const char *const spans[] = { "1h", "6h", "24h" };
	json_t		*rates = json_object_get(r, "burn_rates"), *b;
	json_t		*mins = json_object_get(r, "budget_minutes");
	char		 total[64], errs[64], st[32];
	double		 v;
	size_t		 i;

	count_text(numof(r, "total_requests"), total, sizeof total);
	count_text(numof(r, "error_count"), errs, sizeof errs);
	printf("SLO report: %s (target %g%% over %s)\n\n",
	    json_string_value(json_object_get(r, "service")),
	    numof(r, "target_pct"),
	    json_string_value(json_object_get(r, "requested_window")) != NULL ?
	    json_string_value(json_object_get(r, "requested_window")) :
	    json_string_value(json_object_get(r, "window")));
	printf("  Availability    %.3f%%  (%s errors in %s requests)\n",
	    numof(r, "availability_pct"), errs, total);
	v = numof(r, "budget_remaining_pct");
	printf("  Error budget    %.1f min: %.1f min consumed, ",
	    numof(mins, "total"), numof(mins, "consumed"));
	if (isnan(v))
		printf("none left\n");
	else if (v < 0)
		printf("overspent by %.1f min\n", -numof(mins, "remaining"));
	else
		printf("%.1f min left (%.1f%%)\n", numof(mins, "remaining"),
		    v);
	v = numof(r, "burn_rate");
	if (isnan(v))
		printf("  Burn rate       unbounded over the window\n");
	else
		printf("  Burn rate       %.2f over the window\n", v);
	for (i = 0; i < nitems(spans); i++) {
		b = json_object_get(rates, spans[i]);
		shout(json_string_value(json_object_get(b, "status")), st,
		    sizeof st);
		v = numof(b, "burn_rate");
		if (isnan(v))
			printf("    last %-4s     unbounded  %s\n", spans[i], st);
		else
			printf("    last %-4s     %-9.2f  %s\n", spans[i], v, st);
	}
	v = numof(r, "hours_left_at_1h_rate");
	if (!isnan(v))
		printf("  At the 1h rate  the budget lasts %.1fh\n", v);
	shout(json_string_value(json_object_get(r, "status")), st, sizeof st);
	printf("  Status          %s\n", st);
	if (json_string_value(json_object_get(r, "note")) != NULL)
		printf("\nNote: %s.\n", json_string_value(json_object_get(r,
		    "note")));
}

/* tinkr slo SERVICE [--target 99.9] [--window 30d] */
static int
cmd_slo(struct cmd_ctx *ctx)
{
	struct answer	 ans;
	const char	*v, *profile = ctx->profile_arg;
	long long	 secs;
	double		 target = 99.9;
	char		*end;
	json_t		*body;
	int		 rc;

	if ((v = args_get(&ctx->args, "target")) != NULL) {
		target = strtod(v, &end);
		if (*v == '\0' || *end != '\0' || !(target > 0) ||
		    target > 100)
			return usage_error(ctx, "--target %s: expected a "
			    "percentage above 0 and at most 100, such as 99.9",
			    v);
	}
	if ((v = args_get(&ctx->args, "window")) != NULL &&
	    (parse_duration(v, &secs) == -1 || secs <= 0))
		return usage_error(ctx, "--window %s: expected a duration "
		    "like 7d or 30d", v);
	if (profile == NULL && (profile = getenv("TINKR_PROFILE")) != NULL &&
	    *profile == '\0')
		profile = NULL;
	body = json_pack("{s:s, s:f, s:s?, s:s?}", "service",
	    ctx->args.argv[0], "target_pct", target, "window", v,
	    "profile", profile);
	rc = client_call(ctx, 1, "POST", "/api/v1/slo", body, &ans);
	json_decref(body);
	if (rc != EXIT_OK)
		return rc;
	if ((rc = client_result(ctx, &ans)) != -1) {
		answer_free(&ans);
		return rc;
	}
	if (!ctx->quiet)
		print_report(ans.json);
	answer_free(&ans);
	return EXIT_OK;
}
