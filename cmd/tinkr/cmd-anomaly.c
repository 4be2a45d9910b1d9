/* cmd-anomaly.c -- anomaly, logs and metrics of a service */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "anomaly.h"
#include "tinkr.h"
#include "util.h"

static int	cmd_anomaly(struct cmd_ctx *);
static int	cmd_logs(struct cmd_ctx *);
static int	cmd_metrics(struct cmd_ctx *);
static int	cmd_tail(struct cmd_ctx *);

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

const struct cmd_entry cmd_tail_entry = {
	NULL, "tail", "SERVICE [-q QUERY] [-n 10]", 1, 1,
	"query=/q,lines=/n",
	"print a service's last log lines, then new ones until interrupted",
	cmd_tail
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

/* Print one log entry: time, level, message. */
static void
print_entry(struct cmd_ctx *ctx, json_t *e)
{
	const char	*ts, *level;

	ts = json_string_value(json_object_get(e, "timestamp"));
	level = json_string_value(json_object_get(e, "level"));
	say(ctx, "%-20s  %-5s  %s\n", ts != NULL ? ts : "-",
	    level != NULL ? level : "-",
	    json_string_value(json_object_get(e, "message")));
}

/* tinkr logs SERVICE [-q QUERY] [--since 30m] [-n 50] */
static int
cmd_logs(struct cmd_ctx *ctx)
{
	struct answer	 ans;
	const char	*v, *errstr = NULL;
	json_t		*body, *e;
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
		json_array_foreach(json_object_get(ans.json, "entries"), i, e)
			print_entry(ctx, e);
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

/* Has this entry been printed? Same time and message as one kept. */
static int
tail_seen(json_t *seen, json_t *e)
{
	json_t	*s;
	size_t	 i;

	json_array_foreach(seen, i, s)
		if (json_equal(s, e))
			return 1;
	return 0;
}

/*
 * tinkr tail SERVICE [-q QUERY] [-n 10]: the last lines, then each new
 * one, asking the daemon every second for the last minute's lines and
 * printing those not printed yet. --json prints one entry per line.
 */
static int
cmd_tail(struct cmd_ctx *ctx)
{
	struct answer	 ans;
	const char	*v, *errstr = NULL;
	json_t		*body, *e, *seen = json_array(), *fresh;
	const char	*ts;
	long long	 lines = 10;
	size_t		 i;
	int		 rc, round = 0;
	char		*text, newest[32] = "";

	if ((v = args_get(&ctx->args, "lines")) != NULL &&
	    ((lines = strtonum(v, 1, 10000, &errstr)), errstr != NULL)) {
		json_decref(seen);
		return usage_error(ctx, "-n %s: expected a number of lines "
		    "from 1 to 10000", v);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		body = source_body(ctx);
		json_object_set_new(body, "since", json_string(round == 0 ?
		    "1h" : "1m"));
		json_object_set_new(body, "limit", json_integer(round == 0 ?
		    lines : 10000));
		if ((v = args_get(&ctx->args, "query")) != NULL)
			json_object_set_new(body, "query", json_string(v));
		if ((rc = source_call(ctx, "/api/v1/logs", body, &ans)) !=
		    EXIT_OK)
			break;
		if (ans.status >= 400) {
			rc = client_result(ctx, &ans);
			answer_free(&ans);
			break;
		}
		fresh = json_array();
		json_array_foreach(json_object_get(ans.json, "entries"), i, e) {
			json_array_append(fresh, e);
			if (tail_seen(seen, e))
				continue;
			ts = json_string_value(json_object_get(e, "timestamp"));
			/* Older lines the first answer left out stay out. */
			if (round == 1 && ts != NULL && strcmp(ts, newest) < 0)
				continue;
			if (round == 0 && ts != NULL)
				strlcpy(newest, ts, sizeof newest);
			if (ctx->json) {
				text = json_dumps(e, JSON_COMPACT);
				printf("%s\n", text);
				free(text);
			} else
				print_entry(ctx, e);
		}
		/* What the last minute held is what may come back. */
		json_decref(seen);
		seen = fresh;
		answer_free(&ans);
		if (round++ > 0)
			sleep(1);
	}
	json_decref(seen);
	return rc;
}
