/* cmd-version.c -- version */

#include <stdio.h>

#include "tinkr.h"

static int	cmd_version(struct cmd_ctx *);

const struct cmd_entry cmd_version_entry = {
	NULL, "version", "", 0, 0, NULL,
	"print the versions of tinkr and of the running tinkrd",
	cmd_version
};

/* tinkr version: the daemon's version too when one runs (never starts it). */
static int
cmd_version(struct cmd_ctx *ctx)
{
	struct answer	 ans;
	json_t		*j, *daemon = NULL;
	int		 reached;

	reached = client_call(ctx, -1, "GET", "/health", NULL, &ans) == EXIT_OK;
	if (reached && ans.status == 200)
		daemon = json_pack("{s:O?, s:O?}", "version",
		    json_object_get(ans.json, "version"), "pid",
		    json_object_get(ans.json, "pid"));
	if (ctx->json) {
		j = json_pack("{s:s, s:o?}", "version", PACKAGE_VERSION,
		    "daemon", daemon);
		json_dumpf(j, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(j);
	} else {
		printf("tinkr %s\n", PACKAGE_VERSION);
		if (daemon != NULL)
			printf("tinkrd %s (pid %lld)\n",
			    json_string_value(json_object_get(daemon, "version")),
			    (long long)json_integer_value(json_object_get(daemon,
			    "pid")));
		json_decref(daemon);
	}
	if (reached)
		answer_free(&ans);
	return EXIT_OK;
}
