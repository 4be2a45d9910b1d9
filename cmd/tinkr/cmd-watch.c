/*
 * cmd-watch.c -- watch start, list, show, stop and delete, and the helpers
 * the watch, notifier and delivery commands share: JSON members, times as
 * "12s ago", escaped paths and tables sized to their content.
 */

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tinkr.h"
#include "util.h"

static int	cmd_watch_delete(struct cmd_ctx *);
static int	cmd_watch_list(struct cmd_ctx *);
static int	cmd_watch_show(struct cmd_ctx *);
static int	cmd_watch_start(struct cmd_ctx *);
static int	cmd_watch_stop(struct cmd_ctx *);

const struct cmd_entry cmd_watch_delete_entry = {
	"watch", "delete", "ID", 1, 1, NULL,
	"forget a watch and cancel its pending deliveries",
	cmd_watch_delete
};

const struct cmd_entry cmd_watch_list_entry = {
	"watch", "list", "", 0, 0, NULL,
	"list the watches with their status and last check",
	cmd_watch_list
};

const struct cmd_entry cmd_watch_show_entry = {
	"watch", "show", "ID", 1, 1, NULL,
	"show a watch with its last anomalies and pending deliveries",
	cmd_watch_show
};

const struct cmd_entry cmd_watch_start_entry = {
	"watch", "start",
	"SERVICE [--notifier NAME] [--destination URL] [--interval SECONDS] "
	"[--window DURATION]", 1, 1,
	"notifier=,destination=,interval=,window=",
	"have the daemon check a service on its own and notify on changes",
	cmd_watch_start
};

const struct cmd_entry cmd_watch_stop_entry = {
	"watch", "stop", "ID", 1, 1, NULL,
	"stop a watch, keeping it and its deliveries",
	cmd_watch_stop
};

/* A table: rows of strings, the header being the first row if any. */
struct table {
	size_t	  ncols;
	size_t	  nrows;
	char	**cell;
};

/* A string member, or a stand-in when it is absent or not a string. */
const char *
jtext(json_t *o, const char *key, const char *none)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : none;
}

/* An integer member, or 0. */
long long
jnum(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

/* The profile asked for: -p, else $TINKR_PROFILE when not empty, or NULL. */
const char *
chosen_profile(struct cmd_ctx *ctx)
{
	const char	*profile = ctx->profile_arg;

	if (profile == NULL && (profile = getenv("TINKR_PROFILE")) != NULL &&
	    *profile == '\0')
		profile = NULL;
	return profile;
}

/*
 * How long ago a time was, in its largest unit: "12s ago", "5m ago", "3h
 * ago", "2d ago"; "never" for NULL, the text itself when it is no time.
 */
void
format_ago(const char *iso, char *buf, size_t len)
{
	long long	 t, secs;

	if (iso == NULL) {
		strlcpy(buf, "never", len);
		return;
	}
	if ((t = parse_time_iso(iso)) == -1) {
		strlcpy(buf, iso, len);
		return;
	}
	if ((secs = (long long)time(NULL) - t) < 0)
		secs = 0;
	if (secs < 60)
		snprintf(buf, len, "%llds ago", secs);
	else if (secs < 3600)
		snprintf(buf, len, "%lldm ago", secs / 60);
	else if (secs < 86400)
		snprintf(buf, len, "%lldh ago", secs / 3600);
	else
		snprintf(buf, len, "%lldd ago", secs / 86400);
}

/* base, then id escaped as one path segment, then rest (may be NULL). */
char *
api_path(const char *base, const char *id, const char *rest)
{
	char	*enc, *path;

	enc = url_escape(id);
	xasprintf(&path, "%s/%s%s", base, enc, rest != NULL ? rest : "");
	free(enc);
	return path;
}

/*
 * Send a request, starting the daemon if need be, and free path and body.
 * Returns -1 with the answer in ans when the command is to print it;
 * otherwise the exit status, with the error or the --json output printed.
 */
int
api_call(struct cmd_ctx *ctx, const char *method, char *path, json_t *body,
    struct answer *ans)
{
	int	 rc;

	rc = client_call(ctx, 1, method, path, body, ans);
	free(path);
	json_decref(body);
	if (rc != EXIT_OK)
		return rc;
	if ((rc = client_result(ctx, ans)) != -1)
		answer_free(ans);
	return rc;
}

/* A table of ncols columns and no rows yet. */
struct table *
table_new(size_t ncols)
{
	struct table	*t = xcalloc(1, sizeof *t);

	t->ncols = ncols;
	return t;
}

/* Add a row of ncols strings; NULL shows as "-". */
void
table_add(struct table *t, ...)
{
	va_list		 ap;
	const char	*s;
	size_t		 i;

	t->cell = xreallocarray(t->cell, (t->nrows + 1) * t->ncols,
	    sizeof *t->cell);
	va_start(ap, t);
	for (i = 0; i < t->ncols; i++) {
		s = va_arg(ap, const char *);
		t->cell[t->nrows * t->ncols + i] = xstrdup(s != NULL ? s : "-");
	}
	va_end(ap);
	t->nrows++;
}

/* Print the rows after indent, each column as wide as its widest cell. */
void
table_print(struct cmd_ctx *ctx, struct table *t, const char *indent)
{
	size_t	 r, c, *w, len;
	char	*s;

	w = xcalloc(t->ncols, sizeof *w);
	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++)
			if ((len = strlen(t->cell[r * t->ncols + c])) > w[c])
				w[c] = len;
	for (r = 0; r < t->nrows; r++) {
		say(ctx, "%s", indent);
		for (c = 0; c < t->ncols; c++) {
			s = t->cell[r * t->ncols + c];
			if (c + 1 == t->ncols)
				say(ctx, "%s\n", s);
			else
				say(ctx, "%-*s  ", (int)w[c], s);
		}
	}
	free(w);
}

/* Free a table. */
void
table_free(struct table *t)
{
	size_t	 i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cell[i]);
	free(t->cell);
	free(t);
}

/* A watch's status for people: "failing" is a running one that fails. */
static const char *
watch_status(json_t *w)
{
	const char	*s = jtext(w, "status", "?");

	if (strcmp(s, "running") == 0 && jnum(w, "consecutive_failures") > 0)
		return "failing";
	return s;
}

/* The watch's notifier: "notifier" as a name, or an object with a name. */
static const char *
watch_notifier(json_t *w, const char **type)
{
	json_t	*n = json_object_get(w, "notifier");

	if (json_is_object(n)) {
		*type = jtext(n, "type", NULL);
		return jtext(n, "name", "-");
	}
	*type = jtext(w, "notifier_type", NULL);
	return jtext(w, "notifier", "-");
}

/* Check --interval and --window and add them to the body; -1 if wrong. */
static int
watch_options(struct cmd_ctx *ctx, json_t *body)
{
	const char	*v, *errstr = NULL;
	long long	 n;

	if ((v = args_get(&ctx->args, "interval")) != NULL) {
		n = strtonum(v, 1, 86400, &errstr);
		if (errstr != NULL) {
			usage_error(ctx, "--interval %s: expected a number of "
			    "seconds from 1 to 86400", v);
			return -1;
		}
		json_object_set_new(body, "interval_seconds", json_integer(n));
	}
	if ((v = args_get(&ctx->args, "window")) != NULL) {
		if (parse_duration(v, &n) == -1 || n <= 0) {
			usage_error(ctx, "--window %s: expected a duration like "
			    "30s, 10m, 2h or 7d", v);
			return -1;
		}
		json_object_set_new(body, "window", json_string(v));
	}
	return 0;
}

/* Print the answer of watch start. */
static void
print_started(struct cmd_ctx *ctx, json_t *w)
{
	const char	*outcome = jtext(w, "outcome", "created"), *type;
	const char	*dest = jtext(w, "destination", NULL);
	char		 interval[32];
	int		 width = dest != NULL ? 13 : 10;

	if (strcmp(outcome, "existing") == 0)
		say(ctx, "Watch already running\n");
	else if (strcmp(outcome, "resumed") == 0)
		say(ctx, "Watch resumed\n");
	else
		say(ctx, "Watch started\n");
	snprintf(interval, sizeof interval, "%llds", jnum(w,
	    "interval_seconds"));
	say(ctx, "  %-*s%s\n", width, "ID:", jtext(w, "watch_id", "?"));
	say(ctx, "  %-*s%s\n", width, "Service:", jtext(w, "service", "?"));
	say(ctx, "  %-*s%s\n", width, "Interval:", interval);
	say(ctx, "  %-*s%s\n", width, "Notifier:", watch_notifier(w, &type));
	if (dest != NULL)
		say(ctx, "  %-*s%s\n", width, "Destination:", dest);
}

/*
 * tinkr watch start SERVICE [--notifier NAME] [--destination URL]
 * [--interval SECONDS] [--window DURATION]
 */
static int
cmd_watch_start(struct cmd_ctx *ctx)
{
	struct answer	 ans;
	const char	*warning;
	json_t		*body;
	int		 rc;

	body = json_pack("{s:s, s:s*, s:s*, s:s*}", "service",
	    ctx->args.argv[0], "profile", chosen_profile(ctx), "notifier",
	    args_get(&ctx->args, "notifier"), "destination",
	    args_get(&ctx->args, "destination"));
	if (watch_options(ctx, body) == -1) {
		json_decref(body);
		return EXIT_USAGE;
	}
	rc = client_call(ctx, 1, "POST", "/api/v1/watches", body, &ans);
	json_decref(body);
	if (rc != EXIT_OK)
		return rc;
	if (ans.status < 400 &&
	    (warning = jtext(ans.json, "warning", NULL)) != NULL)
		fprintf(stderr, "tinkr: warning: %s\n", warning);
	if ((rc = client_result(ctx, &ans)) == -1) {
		print_started(ctx, ans.json);
		rc = EXIT_OK;
	}
	answer_free(&ans);
	return rc;
}

/* tinkr watch list */
static int
cmd_watch_list(struct cmd_ctx *ctx)
{
	struct answer	 ans;
	struct table	*t;
	json_t		*watches, *w;
	const char	*type;
	char		 interval[32], ago[64];
	size_t		 i;
	int		 rc;

	if ((rc = api_call(ctx, "GET", xstrdup("/api/v1/watches"), NULL,
	    &ans)) != -1)
		return rc;
	watches = json_object_get(ans.json, "watches");
	if (json_array_size(watches) == 0) {
		say(ctx, "No watches.\n");
		answer_free(&ans);
		return EXIT_OK;
	}
	t = table_new(6);
	table_add(t, "WATCH ID", "SERVICE", "INTERVAL", "STATUS", "NOTIFIER",
	    "LAST CHECK");
	json_array_foreach(watches, i, w) {
		snprintf(interval, sizeof interval, "%llds",
		    jnum(w, "interval_seconds"));
		format_ago(jtext(w, "last_run_at", NULL), ago, sizeof ago);
		table_add(t, jtext(w, "watch_id", "?"), jtext(w, "service",
		    "?"), interval, watch_status(w), watch_notifier(w, &type),
		    ago);
	}
	table_print(ctx, t, "");
	table_free(t);
	answer_free(&ans);
	return EXIT_OK;
}

/* One "Label:  value" line of watch show. */
static void
show_line(struct cmd_ctx *ctx, const char *label, const char *value)
{
	say(ctx, "%-15s%s\n", label, value);
}

/* A name in capitals. */
static void
upcase(const char *s, char *buf, size_t len)
{
	size_t	 i;

	for (i = 0; s[i] != '\0' && i + 1 < len; i++)
		buf[i] = (char)toupper((unsigned char)s[i]);
	buf[i] = '\0';
}

/* The anomalies the watch notified last, one a line. */
static void
show_anomalies(struct cmd_ctx *ctx, json_t *list)
{
	struct table	*t;
	json_t		*a;
	char		 sev[16];
	size_t		 i;

	if (json_array_size(list) == 0) {
		say(ctx, "Anomalies notified last: none\n");
		return;
	}
	say(ctx, "Anomalies notified last (%zu):\n", json_array_size(list));
	t = table_new(3);
	json_array_foreach(list, i, a) {
		upcase(jtext(a, "severity", "?"), sev, sizeof sev);
		table_add(t, sev, jtext(a, "metric", "?"),
		    jtext(a, "description", ""));
	}
	table_print(ctx, t, "  ");
	table_free(t);
}

/* The watch's deliveries still to be made, one a line. */
static void
show_pending(struct cmd_ctx *ctx, json_t *list)
{
	struct table	*t;
	json_t		*d;
	char		 attempts[32], next[64], last[128];
	size_t		 i;

	say(ctx, "Pending deliveries: %zu\n", json_array_size(list));
	if (json_array_size(list) == 0)
		return;
	t = table_new(4);
	json_array_foreach(list, i, d) {
		snprintf(attempts, sizeof attempts, "attempts %lld",
		    jnum(d, "attempts"));
		snprintf(next, sizeof next, "next %s",
		    jtext(d, "next_attempt_at", "-"));
		snprintf(last, sizeof last, "last %s",
		    jtext(d, "last_result", "-"));
		table_add(t, jtext(d, "event_id", "?"), attempts, next, last);
	}
	table_print(ctx, t, "  ");
	table_free(t);
}

/* The times of a watch: started, last and next check. */
static void
show_times(struct cmd_ctx *ctx, json_t *w)
{
	const char	*last = jtext(w, "last_run_at", NULL);
	char		 ago[64], buf[128];

	show_line(ctx, "Started:", jtext(w, "started_at", "-"));
	if (last != NULL) {
		format_ago(last, ago, sizeof ago);
		snprintf(buf, sizeof buf, "%s (%s)", last, ago);
		show_line(ctx, "Last check:", buf);
	} else
		show_line(ctx, "Last check:", "never");
	show_line(ctx, "Next check:", strcmp(jtext(w, "status", ""),
	    "stopped") == 0 ? "-" : jtext(w, "next_run_at", "-"));
}

/* Print one watch for people. */
static void
print_watch(struct cmd_ctx *ctx, json_t *w)
{
	const char	*name, *type;
	char		 buf[256];

	show_line(ctx, "ID:", jtext(w, "watch_id", "?"));
	show_line(ctx, "Service:", jtext(w, "service", "?"));
	show_line(ctx, "Profile:", jtext(w, "profile", "-"));
	name = watch_notifier(w, &type);
	if (type != NULL)
		snprintf(buf, sizeof buf, "%s (%s)", name, type);
	else
		strlcpy(buf, name, sizeof buf);
	show_line(ctx, "Notifier:", buf);
	if (jtext(w, "destination", NULL) != NULL)
		show_line(ctx, "Destination:", jtext(w, "destination", NULL));
	snprintf(buf, sizeof buf, "%llds", jnum(w, "interval_seconds"));
	show_line(ctx, "Interval:", buf);
	show_line(ctx, "Window:", jtext(w, "window", "-"));
	show_line(ctx, "Status:", watch_status(w));
	show_times(ctx, w);
	show_line(ctx, "Last error:", jtext(w, "last_error", "-"));
	snprintf(buf, sizeof buf, "%lld", jnum(w, "consecutive_failures"));
	show_line(ctx, "Failures:", buf);
	snprintf(buf, sizeof buf, "%lld", jnum(w, "checks"));
	show_line(ctx, "Checks:", buf);
	snprintf(buf, sizeof buf, "%lld", jnum(w, "notifications"));
	show_line(ctx, "Notifications:", buf);
	show_anomalies(ctx, json_object_get(w, "notified_anomalies"));
	show_pending(ctx, json_object_get(w, "pending_deliveries"));
}

/* tinkr watch show ID */
static int
cmd_watch_show(struct cmd_ctx *ctx)
{
	struct answer	 ans;
	int		 rc;

	if ((rc = api_call(ctx, "GET", api_path("/api/v1/watches",
	    ctx->args.argv[0], NULL), NULL, &ans)) != -1)
		return rc;
	print_watch(ctx, ans.json);
	answer_free(&ans);
	return EXIT_OK;
}

/* tinkr watch stop ID */
static int
cmd_watch_stop(struct cmd_ctx *ctx)
{
	struct answer	 ans;
	int		 rc;

	if ((rc = api_call(ctx, "DELETE", api_path("/api/v1/watches",
	    ctx->args.argv[0], NULL), NULL, &ans)) != -1)
		return rc;
	say(ctx, "Watch %s stopped\n", jtext(ans.json, "watch_id",
	    ctx->args.argv[0]));
	answer_free(&ans);
	return EXIT_OK;
}

/* tinkr watch delete ID */
static int
cmd_watch_delete(struct cmd_ctx *ctx)
{
	struct answer	 ans;
	long long	 n;
	int		 rc;

	if ((rc = api_call(ctx, "DELETE", api_path("/api/v1/watches",
	    ctx->args.argv[0], "/delete"), NULL, &ans)) != -1)
		return rc;
	say(ctx, "Watch %s deleted\n", jtext(ans.json, "watch_id",
	    ctx->args.argv[0]));
	if ((n = jnum(ans.json, "cancelled_deliveries")) > 0)
		say(ctx, "  %lld pending %s cancelled\n", n,
		    n == 1 ? "delivery" : "deliveries");
	answer_free(&ans);
	return EXIT_OK;
}
