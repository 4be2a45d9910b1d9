/* cmd-notifier.c -- notifier list and test, deliveries and their retry */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinkr.h"
#include "util.h"

static int	cmd_deliveries(struct cmd_ctx *);
static int	cmd_deliveries_retry(struct cmd_ctx *);
static int	cmd_notifier_list(struct cmd_ctx *);
static int	cmd_notifier_test(struct cmd_ctx *);

const struct cmd_entry cmd_deliveries_entry = {
	NULL, "deliveries", "[--watch ID] [--pending | --failed] [-n N]", 0, 0,
	"watch=,pending,failed,limit=/n",
	"list the newest deliveries of alerts, of all watches or of one",
	cmd_deliveries
};

const struct cmd_entry cmd_deliveries_retry_entry = {
	"deliveries", "retry", "EVENT_ID", 1, 1, NULL,
	"try a failed or pending delivery again now",
	cmd_deliveries_retry
};

const struct cmd_entry cmd_notifier_list_entry = {
	"notifier", "list", "", 0, 0, NULL,
	"list a profile's notifiers with their last success and failure",
	cmd_notifier_list
};

const struct cmd_entry cmd_notifier_test_entry = {
	"notifier", "test", "NAME [--destination URL]", 1, 1, "destination=",
	"send a test notification through a notifier and wait for the result",
	cmd_notifier_test
};

/* A notifier's name, with " (broken)" when the daemon says it is. */
static void
notifier_name(json_t *n, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", jtext(n, "name", "?"),
	    json_is_true(json_object_get(n, "broken")) ? " (broken)" : "");
}

/* /api/v1/notifiers, with ?profile=P when one is asked for. */
static char *
notifiers_path(const char *profile)
{
	char	*enc, *path;

	if (profile == NULL)
		return xstrdup("/api/v1/notifiers");
	enc = url_escape(profile);
	xasprintf(&path, "/api/v1/notifiers?profile=%s", enc);
	free(enc);
	return path;
}

/* tinkr notifier list */
static int
cmd_notifier_list(struct cmd_ctx *ctx)
{
	struct answer	 ans;
	struct table	*t;
	const char	*profile = chosen_profile(ctx);
	json_t		*list, *n;
	char		 name[128], ok[64], bad[64];
	size_t		 i;
	int		 rc;

	if ((rc = api_call(ctx, "GET", notifiers_path(profile), NULL,
	    &ans)) != -1)
		return rc;
	list = json_object_get(ans.json, "notifiers");
	if (json_array_size(list) == 0) {
		say(ctx, "No notifiers in profile '%s'.\n",
		    jtext(ans.json, "profile", profile != NULL ? profile : "?"));
		answer_free(&ans);
		return EXIT_OK;
	}
	t = table_new(5);
	table_add(t, "NAME", "TYPE", "TARGET", "LAST SUCCESS", "LAST FAILURE");
	json_array_foreach(list, i, n) {
		notifier_name(n, name, sizeof name);
		format_ago(jtext(n, "last_success_at", NULL), ok, sizeof ok);
		format_ago(jtext(n, "last_failure_at", NULL), bad, sizeof bad);
		table_add(t, name, jtext(n, "type", "?"), jtext(n, "target",
		    "-"), ok, bad);
	}
	table_print(ctx, t, "");
	table_free(t);
	answer_free(&ans);
	return EXIT_OK;
}

/* tinkr notifier test NAME [--destination URL] */
static int
cmd_notifier_test(struct cmd_ctx *ctx)
{
	struct answer	 ans;
	const char	*name = ctx->args.argv[0], *status;
	json_t		*body;
	int		 rc;

	body = json_pack("{s:s*, s:s*}", "profile", chosen_profile(ctx),
	    "destination", args_get(&ctx->args, "destination"));
	if ((rc = api_call(ctx, "POST", api_path("/api/v1/notifiers", name,
	    "/test"), body, &ans)) != -1)
		return rc;
	name = jtext(ans.json, "notifier", name);
	status = jtext(ans.json, "status", "?");
	if (strcmp(status, "delivered") != 0)
		rc = fail("test notification by %s %s: %s", name, status,
		    jtext(ans.json, "result", "no result"));
	else {
		say(ctx, "Test notification delivered by %s: %s in %lld ms\n",
		    name, jtext(ans.json, "result", "?"),
		    jnum(ans.json, "elapsed_ms"));
		rc = EXIT_OK;
	}
	answer_free(&ans);
	return rc;
}

/*
 * The path of the deliveries asked for, or NULL after a usage error:
 * /api/v1/deliveries?limit=N[&watch=ID][&status=pending|failed].
 */
static char *
deliveries_path(struct cmd_ctx *ctx)
{
	const char	*v, *errstr = NULL, *status = NULL;
	char		*path, *enc, *more;
	long long	 limit = 20;

	if ((v = args_get(&ctx->args, "limit")) != NULL &&
	    ((limit = strtonum(v, 1, 10000, &errstr)), errstr != NULL)) {
		usage_error(ctx, "-n %s: expected a number of deliveries from "
		    "1 to 10000", v);
		return NULL;
	}
	if (args_get(&ctx->args, "pending") != NULL)
		status = "pending";
	if (args_get(&ctx->args, "failed") != NULL) {
		if (status != NULL) {
			usage_error(ctx, "--pending and --failed cannot be "
			    "given together");
			return NULL;
		}
		status = "failed";
	}
	xasprintf(&path, "/api/v1/deliveries?limit=%lld%s%s", limit,
	    status != NULL ? "&status=" : "", status != NULL ? status : "");
	if ((v = args_get(&ctx->args, "watch")) != NULL) {
		enc = url_escape(v);
		xasprintf(&more, "%s&watch=%s", path, enc);
		free(enc);
		free(path);
		path = more;
	}
	return path;
}

/* tinkr deliveries [--watch ID] [--pending | --failed] [-n N] */
static int
cmd_deliveries(struct cmd_ctx *ctx)
{
	struct answer	 ans;
	struct table	*t;
	json_t		*list, *d;
	char		*path, attempts[32], age[64];
	size_t		 i;
	int		 rc;

	if ((path = deliveries_path(ctx)) == NULL)
		return EXIT_USAGE;
	if ((rc = api_call(ctx, "GET", path, NULL, &ans)) != -1)
		return rc;
	list = json_object_get(ans.json, "deliveries");
	if (json_array_size(list) == 0) {
		say(ctx, "No deliveries.\n");
		answer_free(&ans);
		return EXIT_OK;
	}
	t = table_new(7);
	table_add(t, "EVENT ID", "WATCH", "NOTIFIER", "STATUS", "ATTEMPTS",
	    "LAST RESULT", "AGE");
	json_array_foreach(list, i, d) {
		snprintf(attempts, sizeof attempts, "%lld", jnum(d, "attempts"));
		format_ago(jtext(d, "created_at", NULL), age, sizeof age);
		table_add(t, jtext(d, "event_id", "?"), jtext(d, "watch_id",
		    "-"), jtext(d, "notifier", "-"), jtext(d, "status", "?"),
		    attempts, jtext(d, "last_result", "-"), age);
	}
	table_print(ctx, t, "");
	table_free(t);
	answer_free(&ans);
	return EXIT_OK;
}

/* tinkr deliveries retry EVENT_ID */
static int
cmd_deliveries_retry(struct cmd_ctx *ctx)
{
	struct answer	 ans;
	int		 rc;

	if ((rc = api_call(ctx, "POST", api_path("/api/v1/deliveries",
	    ctx->args.argv[0], "/retry"), NULL, &ans)) != -1)
		return rc;
	say(ctx, "Delivery %s queued again\n", jtext(ans.json, "event_id",
	    ctx->args.argv[0]));
	answer_free(&ans);
	return EXIT_OK;
}
