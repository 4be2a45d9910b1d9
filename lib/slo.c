/*
 * slo.c -- an availability objective's report from request and error
 * counts: the original's fields (availability, error budget, burn rate,
 * status), the budget in minutes, and burn rates over 1h, 6h and 24h with
 * the thresholds of Google's SRE workbook (page above 14.4, ticket above
 * 6). Every case has a defined answer: no traffic, no budget (a 100%
 * target), an overspent budget.
 */

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "slo.h"
#include "util.h"

/* A number, or null when it is not finite (an infinite burn rate). */
static json_t *
num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* How fast errors spend the budget: 1 spends it exactly in the window. */
static double
burn(double total, double errors, double target)
{
	double	 allowed = 1 - target / 100;

	if (total <= 0 || errors <= 0)
		return 0;
	if (allowed <= 0)
		return INFINITY;
	return (errors / total) / allowed;
}

/* "critical", "warning" or "ok" for a burn rate. */
const char *
slo_burn_status(double rate)
{
	if (rate > SLO_BURN_CRITICAL)
		return "critical";
	if (rate > SLO_BURN_WARNING)
		return "warning";
	return "ok";
}

/*
 * The report for a service: counts over the window and over the last
 * hour, 6 hours and day; target in percent; window in seconds.
 */
json_t *
slo_report(const char *service, double target, long long window,
    const struct slo_counts *w, const struct slo_counts periods[3])
{
	static const char *const names[3] = { "1h", "6h", "24h" };
	double		 avail, allowed, used_pct, remaining_pct, rate;
	double		 minutes, total_min, used_min, left_h = NAN;
	const char	*status;
	json_t		*j, *rates;
	char		 win[32];
	int		 i;

	minutes = (double)window / 60;
	allowed = w->total * (1 - target / 100);
	avail = w->total > 0 ? 100 * (1 - w->errors / w->total) : 100;
	if (allowed > 0)
		used_pct = 100 * w->errors / allowed;
	else
		used_pct = w->errors > 0 ? INFINITY : 0;
	remaining_pct = isfinite(used_pct) ? 100 - used_pct : -INFINITY;
	if (remaining_pct < -100000)
		remaining_pct = -INFINITY;
	total_min = minutes * (1 - target / 100);
	used_min = w->total > 0 ? minutes * w->errors / w->total : 0;
	rate = burn(w->total, w->errors, target);

	rates = json_object();
	status = "ok";
	for (i = 0; i < 3; i++) {
		double	 r = burn(periods[i].total, periods[i].errors, target);

		json_object_set_new(rates, names[i], json_pack("{s:o, s:f, "
		    "s:f, s:s}", "burn_rate", num(r), "total_requests",
		    periods[i].total, "error_count", periods[i].errors,
		    "status", slo_burn_status(r)));
		if (i == 0 && r > 0 && total_min > 0 && remaining_pct > 0)
			left_h = (remaining_pct / 100) * (minutes / 60) / r;
	}
	if (w->total <= 0)
		status = "no_traffic";
	else if (remaining_pct <= 0)
		status = "exhausted";
	else if (strcmp(slo_burn_status(burn(periods[0].total,
	    periods[0].errors, target)), "critical") == 0)
		status = "critical";
	else if (strcmp(slo_burn_status(burn(periods[1].total,
	    periods[1].errors, target)), "ok") != 0)
		status = "warning";
	format_duration(window, win, sizeof win);
	j = json_pack("{s:s, s:f, s:s, s:o, s:f, s:f, s:f, s:f, s:o, s:o,"
	    " s:s, s:{s:o, s:o, s:o}, s:o, s:o}",
	    "service", service,
	    "target_pct", target,
	    "window", win,
	    "availability_pct", num(avail),
	    "total_requests", w->total,
	    "error_count", w->errors,
	    "budget_total", allowed,
	    "budget_used", w->errors,
	    "budget_remaining_pct", num(remaining_pct),
	    "burn_rate", num(rate),
	    "status", status,
	    "budget_minutes",
	    "total", num(total_min),
	    "consumed", num(used_min),
	    "remaining", num(total_min - used_min),
	    "burn_rates", rates,
	    "hours_left_at_1h_rate", num(left_h));
	return j;
}
