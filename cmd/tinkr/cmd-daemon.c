/* cmd-daemon.c -- daemon start, stop, status and reload */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tinkr.h"
#include "util.h"

static int	cmd_daemon_start(struct cmd_ctx *);
static int	cmd_daemon_stop(struct cmd_ctx *);
static int	cmd_daemon_status(struct cmd_ctx *);
static int	cmd_daemon_reload(struct cmd_ctx *);

const struct cmd_entry cmd_daemon_start_entry = {
	"daemon", "start", "", 0, 0, NULL,
	"start tinkrd unless it is already running",
	cmd_daemon_start
};

const struct cmd_entry cmd_daemon_stop_entry = {
	"daemon", "stop", "", 0, 0, NULL,
	"stop tinkrd and wait until it has exited",
	cmd_daemon_stop
};

const struct cmd_entry cmd_daemon_status_entry = {
	"daemon", "status", "", 0, 0, NULL,
	"say whether tinkrd is running, and how (never starts it)",
	cmd_daemon_status
};

const struct cmd_entry cmd_daemon_reload_entry = {
	"daemon", "reload", "", 0, 0, NULL,
	"reload the configuration; a broken one is refused and the old kept",
	cmd_daemon_reload
};

/* A JSON integer member, or 0. */
static long long
jint(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

/* A JSON string member, or a stand-in. */
static const char *
jstr(json_t *o, const char *key, const char *none)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : none;
}

/* Print the daemon's health for people. */
static void
print_status(struct cmd_ctx *ctx, json_t *h)
{
	json_t		*profiles, *p;
	const char	*active;
	char		 up[32];
	size_t		 i;

	format_uptime(jint(h, "uptime_seconds"), up, sizeof up);
	active = jstr(h, "active_profile", NULL);
	say(ctx, "tinkrd is running\n");
	say(ctx, "  PID:       %lld\n", jint(h, "pid"));
	say(ctx, "  Version:   %s\n", jstr(h, "version", "?"));
	say(ctx, "  Uptime:    %s\n", up);
	say(ctx, "  Socket:    %s\n", jstr(h, "socket", "?"));
	say(ctx, "  Config:    %s\n", jstr(h, "config", "(built-in defaults)"));
	profiles = json_object_get(h, "profiles");
	if (active == NULL)
		say(ctx, "  Profile:   (none selected)\n");
	json_array_foreach(profiles, i, p) {
		say(ctx, "  %s %s (%s)\n", i == 0 ? "Profiles: " : "          ",
		    jstr(p, "name", "?"), jstr(p, "backend", "?"));
	}
	if (active != NULL)
		say(ctx, "  Active:    %s\n", active);
}

/* Ask for /health without starting anything. */
static int
get_health(struct cmd_ctx *ctx, struct answer *ans)
{
	return client_call(ctx, 0, "GET", "/health", NULL, ans);
}

/* tinkr daemon status */
static int
cmd_daemon_status(struct cmd_ctx *ctx)
{
	struct answer	 ans;
	int		 rc;

	if ((rc = get_health(ctx, &ans)) != EXIT_OK)
		return rc;
	if ((rc = client_result(ctx, &ans)) == -1) {
		print_status(ctx, ans.json);
		rc = EXIT_OK;
	}
	answer_free(&ans);
	return rc;
}

/* tinkr daemon start */
static int
cmd_daemon_start(struct cmd_ctx *ctx)
{
	struct answer	 ans;
	int		 rc, started;

	if ((rc = client_start_daemon(ctx, &started)) != EXIT_OK)
		return rc;
	if ((rc = get_health(ctx, &ans)) != EXIT_OK)
		return rc;
	if ((rc = client_result(ctx, &ans)) == -1) {
		if (started)
			say(ctx, "tinkrd started (pid %lld) on %s\n",
			    jint(ans.json, "pid"), ctx->sock);
		else
			say(ctx, "tinkrd is already running (pid %lld) on %s\n",
			    jint(ans.json, "pid"), ctx->sock);
		rc = EXIT_OK;
	}
	answer_free(&ans);
	return rc;
}

/* Wait up to ten seconds for a process to be gone. */
static int
wait_gone(pid_t pid)
{
	struct timespec	 ts = { 0, 10 * 1000 * 1000 };
	int		 i;

	for (i = 0; i < 1000; i++) {
		if (kill(pid, 0) == -1 && errno == ESRCH)
			return 0;
		nanosleep(&ts, NULL);
	}
	return -1;
}

/* tinkr daemon stop: stopping a daemon that is not running succeeds. */
static int
cmd_daemon_stop(struct cmd_ctx *ctx)
{
	struct answer	 ans;
	pid_t		 pid;
	int		 rc;

	rc = client_call(ctx, -1, "POST", "/api/v1/daemon/stop", NULL, &ans);
	if (rc == EXIT_UNREACHABLE && ctx->not_running) {
		if (ctx->json)
			printf("{\"status\": \"not running\"}\n");
		else
			say(ctx, "tinkrd is not running\n");
		return EXIT_OK;
	}
	if (rc != EXIT_OK)
		return rc;
	pid = (pid_t)jint(ans.json, "pid");
	if (ans.status < 400 && pid > 0 && wait_gone(pid) == -1) {
		answer_free(&ans);
		return fail("tinkrd (pid %ld) did not stop within 10 seconds",
		    (long)pid);
	}
	if ((rc = client_result(ctx, &ans)) == -1) {
		say(ctx, "tinkrd stopped (pid %ld)\n", (long)pid);
		rc = EXIT_OK;
	}
	answer_free(&ans);
	return rc;
}

/* tinkr daemon reload */
static int
cmd_daemon_reload(struct cmd_ctx *ctx)
{
	struct answer	 ans;
	int		 rc;

	rc = client_call(ctx, 0, "POST", "/api/v1/daemon/reload", NULL, &ans);
	if (rc != EXIT_OK)
		return rc;
	if ((rc = client_result(ctx, &ans)) == -1) {
		say(ctx, "configuration reloaded from %s (active profile: %s)\n",
		    jstr(ans.json, "config", "built-in defaults"),
		    jstr(ans.json, "active_profile", "none"));
		rc = EXIT_OK;
	}
	answer_free(&ans);
	return rc;
}
