/* cmd-anomaly.c -- anomaly, logs and metrics of a service */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anomaly.h"
#include "tinkr.h"
#include "util.h"

static int	cmd_anomaly(struct cmd_ctx *);
static int	cmd_logs(struct cmd_ctx *);
static int	cmd_metrics(struct cmd_ctx *);

const struct cmd_entry cmd_anomaly_entry = {
	NULL, "anomaly",
	"SERVICE [--window 10m] [--severity LEVEL] [--fail]", 1, 1,
	"window=,severity=,fail",
	"detect a service's anomalies now; --fail exits 1 if any is shown",
	cmd_anomaly
};

const struct cmd_entry cmd_logs_entry = {
	NULL, "logs", "SERVICE [-q QUERY] [--since 30m] [-n 50]", 1, 1,
	"query=/q,since=,lines=/n",
	"show a service's newest log lines, optionally matching a query",
	cmd_logs
};

const struct cmd_entry cmd_metrics_entry = {
	NULL, "metrics", "SERVICE METRIC [--since 1h]", 2, 2, "since=",
	"show a metric of a service, one point a minute",
	cmd_metrics
};

/* The request body every source command starts from. */
static json_t *
source_body(struct cmd_ctx *ctx)
{
	const char	*profile = ctx->profile_arg;

	if (profile == NULL && (profile = getenv("TINKR_PROFILE")) != NULL &&
	    *profile == '\0')
		profile = NULL;
	return json_pack("{s:s, s:s?}", "service", ctx->args.argv[0],
	    "profile", profile);
}

/* Check a duration option; -1 after a usage error. */
static int
duration_option(struct cmd_ctx *ctx, const char *name, const char *dflt,
    json_t *body, const char *key)
{
	const char	*v = args_get(&ctx->args, name);
	long long	 secs;

	if (v == NULL)
		v = dflt;
	if (parse_duration(v, &secs) == -1 || secs <= 0) {
		usage_error(ctx, "--%s %s: expected a duration like 30s, 10m, "
		    "2h or 7d", name, v);
		return -1;
	}
	json_object_set_new(body, key, json_string(v));
	return 0;
}

/* Send a source request and handle the common answers. */
static int
source_call(struct cmd_ctx *ctx, const char *path, json_t *body,
    struct answer *ans)
{
	int	 rc;

	rc = client_call(ctx, 1, "POST", path, body, ans);
	json_decref(body);
	return rc;
}

/* A severity's name in capitals, for the table. */
static void
upper(const char *s, char *buf, size_t len)
{
	size_t	 i;

	for (i = 0; s[i] != '\0' && i + 1 < len; i++)
		buf[i] = (char)toupper((unsigned char)s[i]);
	buf[i] = '\0';
}

/* tinkr anomaly SERVICE [--window 10m] [--severity LEVEL] [--fail] */
static int
cmd_anomaly(struct cmd_ctx *ctx)
{
	struct answer	 ans;
	enum severity	 min = SEV_LOW, sev;
	const char	*v, *window;
	json_t		*body, *a;
	char		 sevname[16];
	size_t		 i, shown = 0;
	int		 rc;

	if ((v = args_get(&ctx->args, "severity")) != NULL &&
	    severity_parse(v, &min) == -1)
		return usage_error(ctx, "--severity %s: expected low, medium, "
		    "high or critical", v);
	body = source_body(ctx);
	if (duration_option(ctx, "window", "10m", body, "window") == -1) {
		json_decref(body);
		return EXIT_USAGE;
	}
	window = args_get(&ctx->args, "window");
	if ((rc = source_call(ctx, "/api/v1/anomalies", body, &ans)) != EXIT_OK)
		return rc;
	if (ans.status >= 400) {
		rc = client_result(ctx, &ans);
		answer_free(&ans);
		return rc;
	}
	json_array_foreach(json_object_get(ans.json, "anomalies"), i, a) {
		if (severity_parse(json_string_value(json_object_get(a,
		    "severity")), &sev) == -1 || sev < min)
			continue;
		if (shown++ == 0 && !ctx->json)
			say(ctx, "%-8s  %-14s  %s\n", "SEVERITY", "METRIC",
			    "DESCRIPTION");
		if (ctx->json)
			continue;
		upper(json_string_value(json_object_get(a, "severity")),
		    sevname, sizeof sevname);
		say(ctx, "%-8s  %-14s  %s\n", sevname,
		    json_string_value(json_object_get(a, "metric")),
		    json_string_value(json_object_get(a, "description")));
	}
	if (ctx->json)
		fputs(ans.raw, stdout);
	else if (shown == 0)
		say(ctx, "No anomalies detected for %s in the last %s.\n",
		    ctx->args.argv[0], window != NULL ? window : "10m");
	answer_free(&ans);
	return shown > 0 && args_get(&ctx->args, "fail") != NULL ?
	    EXIT_FAIL : EXIT_OK;
}

/* tinkr logs SERVICE [-q QUERY] [--since 30m] [-n 50] */
static int
cmd_logs(struct cmd_ctx *ctx)
{
	struct answer	 ans;
	const char	*v, *errstr = NULL;
	json_t		*body, *e, *level;
	long long	 lines = 50;
	size_t		 i;
	int		 rc;

	if ((v = args_get(&ctx->args, "lines")) != NULL &&
	    ((lines = strtonum(v, 1, 10000, &errstr)), errstr != NULL))
		return usage_error(ctx, "-n %s: expected a number of lines "
		    "from 1 to 10000", v);
	body = source_body(ctx);
	if (duration_option(ctx, "since", "30m", body, "since") == -1) {
		json_decref(body);
		return EXIT_USAGE;
	}
	json_object_set_new(body, "limit", json_integer(lines));
	if ((v = args_get(&ctx->args, "query")) != NULL)
		json_object_set_new(body, "query", json_string(v));
	if ((rc = source_call(ctx, "/api/v1/logs", body, &ans)) != EXIT_OK)
		return rc;
	if ((rc = client_result(ctx, &ans)) == -1) {
		json_array_foreach(json_object_get(ans.json, "entries"), i, e) {
			level = json_object_get(e, "level");
			say(ctx, "%-20s  %-5s  %s\n",
			    json_string_value(json_object_get(e, "timestamp")) ?
			    json_string_value(json_object_get(e, "timestamp")) :
			    "-", json_is_string(level) ?
			    json_string_value(level) : "-",
			    json_string_value(json_object_get(e, "message")));
		}
		rc = EXIT_OK;
	}
	answer_free(&ans);
	return rc;
}

/* tinkr metrics SERVICE METRIC [--since 1h] */
static int
cmd_metrics(struct cmd_ctx *ctx)
{
	struct answer	 ans;
	json_t		*body, *pt;
	char		 val[32];
	size_t		 i;
	int		 rc;

	body = source_body(ctx);
	json_object_set_new(body, "metric_name",
	    json_string(ctx->args.argv[1]));
	if (duration_option(ctx, "since", "1h", body, "since") == -1) {
		json_decref(body);
		return EXIT_USAGE;
	}
	if ((rc = source_call(ctx, "/api/v1/metrics", body, &ans)) != EXIT_OK)
		return rc;
	if ((rc = client_result(ctx, &ans)) == -1) {
		say(ctx, "%-20s  %s\n", "TIMESTAMP", ctx->args.argv[1]);
		json_array_foreach(json_object_get(ans.json, "points"), i, pt) {
			format_amount(json_number_value(json_object_get(pt,
			    "value")), NULL, val, sizeof val);
			say(ctx, "%-20s  %s\n", json_string_value(
			    json_object_get(pt, "timestamp")), val);
		}
		rc = EXIT_OK;
	}
	answer_free(&ans);
	return rc;
}
