/*
 * cmd-doctor.c -- doctor: check what tinkr needs, one line a check, and
 * say what to fix: the configuration, the local daemon, and in remote mode
 * the server, its TLS and the token.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "tinkr.h"
#include "util.h"

static int	cmd_doctor(struct cmd_ctx *);

const struct cmd_entry cmd_doctor_entry = {
	NULL, "doctor", "", 0, 0, NULL,
	"check the configuration, the daemon and any remote server",
	cmd_doctor
};

struct checks {
	json_t	*list;
	int	 failed;
};

/* Record a check: ok, or the problem and what to do about it. */
static void
check(struct checks *c, const char *name, int ok, const char *detail,
    const char *fix)
{
	json_array_append_new(c->list, json_pack("{s:s, s:b, s:s, s:s?}",
	    "check", name, "ok", ok, "detail", detail, "fix", ok ? NULL : fix));
	if (!ok)
		c->failed++;
}

/* The configuration: found, valid, and what it warns about. */
static struct config *
check_config_file(struct cmd_ctx *ctx, struct checks *c)
{
	struct config	*conf;
	const char	*file = ctx->config_arg;
	char		 path[PATH_MAX], err[1024], msg[1200];
	size_t		 i;

	if (file == NULL)
		file = config_find_path(path, sizeof path);
	if (file == NULL) {
		check(c, "configuration", 1, "none found: the built-in "
		    "profile 'default' on the local backend is used", NULL);
		return config_default();
	}
	if ((conf = config_load(file, err, sizeof err)) == NULL) {
		check(c, "configuration", 0, err, "fix the line named, then "
		    "run tinkr config check");
		return NULL;
	}
	snprintf(msg, sizeof msg, "%s: %zu profile%s", file, conf->nprofiles,
	    conf->nprofiles == 1 ? "" : "s");
	check(c, "configuration", 1, msg, NULL);
	for (i = 0; i < conf->nwarnings; i++)
		check(c, "configuration warning", 0, conf->warnings[i],
		    "see the warning");
	return conf;
}

/* The local daemon: running, and on which configuration. */
static void
check_daemon(struct cmd_ctx *ctx, struct checks *c)
{
	struct answer	 ans;
	const char	*ver, *cfg;
	char		 msg[PATH_MAX + 1200];

	if (client_call(ctx, -1, "GET", "/health", NULL, &ans) != EXIT_OK) {
		check(c, "local daemon", 1, "not running: commands start it "
		    "when they need it", NULL);
		return;
	}
	ver = json_string_value(json_object_get(ans.json, "version"));
	cfg = json_string_value(json_object_get(ans.json, "config"));
	snprintf(msg, sizeof msg, "tinkrd %s on %s, with %s",
	    ver != NULL ? ver : "?", ctx->sock, cfg != NULL ? cfg :
	    "built-in defaults");
	check(c, "local daemon", ans.status == 200, msg, "restart it with "
	    "tinkr daemon stop; tinkr daemon start");
	answer_free(&ans);
}

/* The remote server: reachable, over TLS, and the token accepted. */
static void
check_remote(struct cmd_ctx *ctx, struct checks *c, const char *url,
    const char *token)
{
	struct answer	 ans;
	char		 msg[1200];
	int		 rc;

	snprintf(msg, sizeof msg, "%s", url);
	check(c, "remote server", 1, msg, NULL);
	check(c, "TLS", strncmp(url, "https://", 8) == 0 ||
	    strncmp(url, "http://127.", 11) == 0 ||
	    strncmp(url, "http://localhost", 16) == 0 ||
	    strncmp(url, "http://[::1]", 12) == 0,
	    strncmp(url, "https://", 8) == 0 ? "https" : "plain http",
	    "use an https:// URL: the token crosses the network in clear");
	if ((rc = remote_call(ctx, url, NULL, "GET", "/health", NULL,
	    &ans)) != EXIT_OK) {
		check(c, "reachable", 0, "no answer (see above)", "check the "
		    "URL, the network, and the server's certificate");
		return;
	}
	check(c, "reachable", ans.status == 200, ans.status == 200 ?
	    "GET /health answers" : "GET /health does not answer 200",
	    "is the URL a Tinkr server?");
	answer_free(&ans);
	if (token == NULL) {
		check(c, "token", 0, "none", "set TINKR_API_TOKEN or token in "
		    "[server]");
		return;
	}
	if (remote_call(ctx, url, token, "GET", "/api/v1/watches", NULL,
	    &ans) != EXIT_OK)
		return;
	snprintf(msg, sizeof msg, "the server answers %d to it", ans.status);
	check(c, "token", ans.status == 200, ans.status == 200 ?
	    "accepted" : msg, ans.status == 401 ? "the server does not know "
	    "this token: make one with tinkr token new on the server's side" :
	    "ask for a token with at least the viewer role");
	answer_free(&ans);
}

/* tinkr doctor */
static int
cmd_doctor(struct cmd_ctx *ctx)
{
	struct checks	 c = { json_array(), 0 };
	struct config	*conf;
	const char	*url, *token;
	json_t		*e;
	size_t		 i;

	conf = check_config_file(ctx, &c);
	if ((url = remote_url(ctx, &token)) != NULL)
		check_remote(ctx, &c, url, token);
	else
		check_daemon(ctx, &c);
	if (ctx->json) {
		e = json_pack("{s:b, s:O}", "ok", c.failed == 0, "checks",
		    c.list);
		json_dumpf(e, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(e);
	} else if (!ctx->quiet) {
		json_array_foreach(c.list, i, e) {
			printf("%s %-22s %s\n", json_is_true(json_object_get(e,
			    "ok")) ? "ok  " : "FAIL",
			    json_string_value(json_object_get(e, "check")),
			    json_string_value(json_object_get(e, "detail")));
			if (json_is_string(json_object_get(e, "fix")))
				printf("     %-22s fix: %s\n", "",
				    json_string_value(json_object_get(e,
				    "fix")));
		}
	}
	json_decref(c.list);
	config_free(conf);
	return c.failed > 0 ? EXIT_FAIL : EXIT_OK;
}
