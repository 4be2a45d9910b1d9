/* cmd-rca.c -- rca: a root-cause analysis, section by section */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinkr.h"
#include "util.h"

static int	cmd_rca(struct cmd_ctx *);

const struct cmd_entry cmd_rca_entry = {
	NULL, "rca", "SERVICE [--since 1h] [--severity LEVEL]", 1, 1,
	"since=,severity=",
	"analyse a service's errors: patterns, onset, likely cause, checks",
	cmd_rca
};

/*
 * Print an event stream's frames: a heading and the text of each section,
 * or with --json one object a line (NDJSON). Returns how many were read.
 */
static size_t
print_frames(struct cmd_ctx *ctx, char *stream)
{
	char		*line, *next, event[64] = "message";
	const char	*title, *text;
	json_t		*j;
	size_t		 n = 0;

	for (line = stream; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (strncmp(line, "event: ", 7) == 0) {
			strlcpy(event, line + 7, sizeof event);
			continue;
		}
		if (strncmp(line, "data: ", 6) != 0 ||
		    strcmp(line + 6, "[DONE]") == 0)
			continue;
		if ((j = json_loads(line + 6, 0, NULL)) == NULL)
			continue;
		n++;
		if (ctx->json) {
			json_object_set_new(j, "event", json_string(event));
			json_dumpf(j, stdout, JSON_COMPACT);
			putchar('\n');
		} else if (!ctx->quiet) {
			title = json_string_value(json_object_get(j, "title"));
			text = json_string_value(json_object_get(j, "text"));
			printf("%s== %s ==\n%s\n", n > 1 ? "\n" : "",
			    title != NULL ? title : event,
			    text != NULL ? text : "");
		}
		fflush(stdout);
		json_decref(j);
		strlcpy(event, "message", sizeof event);
	}
	return n;
}

/* tinkr rca SERVICE [--since 1h] [--severity LEVEL] */
static int
cmd_rca(struct cmd_ctx *ctx)
{
	struct answer	 ans;
	const char	*since, *sev, *profile = ctx->profile_arg;
	long long	 secs;
	json_t		*body;
	int		 rc;

	since = args_get(&ctx->args, "since");
	if (since != NULL && (parse_duration(since, &secs) == -1 || secs <= 0))
		return usage_error(ctx, "--since %s: expected a duration like "
		    "30m or 1h", since);
	sev = args_get(&ctx->args, "severity");
	if (sev != NULL && strcmp(sev, "low") != 0 && strcmp(sev, "medium") !=
	    0 && strcmp(sev, "high") != 0 && strcmp(sev, "critical") != 0)
		return usage_error(ctx, "--severity %s: expected low, medium, "
		    "high or critical", sev);
	if (profile == NULL && (profile = getenv("TINKR_PROFILE")) != NULL &&
	    *profile == '\0')
		profile = NULL;
	body = json_pack("{s:s, s:s?, s:s?, s:s?}", "service",
	    ctx->args.argv[0], "since", since, "severity_filter", sev,
	    "profile", profile);
	rc = client_call(ctx, 1, "POST", "/api/v1/rca", body, &ans);
	json_decref(body);
	if (rc != EXIT_OK)
		return rc;
	if (ans.json != NULL) {
		/* Not a stream: an error before it began. */
		rc = ans.status >= 400 ? client_result(ctx, &ans) :
		    fail("the daemon sent no event stream");
		answer_free(&ans);
		return rc;
	}
	rc = print_frames(ctx, ans.raw) > 0 ? EXIT_OK :
	    fail("the daemon's event stream held no sections");
	answer_free(&ans);
	return rc;
}
