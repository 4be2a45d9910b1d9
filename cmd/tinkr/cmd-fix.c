/* cmd-fix.c -- fix list, show, apply and reject: fixes an editor proposed */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tinkr.h"
#include "util.h"

static int	cmd_fix_list(struct cmd_ctx *);
static int	cmd_fix_show(struct cmd_ctx *);
static int	cmd_fix_apply(struct cmd_ctx *);
static int	cmd_fix_reject(struct cmd_ctx *);

const struct cmd_entry cmd_fix_list_entry = {
	"fix", "list", "", 0, 0, NULL,
	"list the fixes proposed through MCP", cmd_fix_list
};
const struct cmd_entry cmd_fix_show_entry = {
	"fix", "show", "ID", 1, 1, NULL,
	"show a proposed fix with its diff", cmd_fix_show
};
const struct cmd_entry cmd_fix_apply_entry = {
	"fix", "apply", "ID [--yes]", 1, 1, "yes",
	"show a proposed fix, ask, then apply it with git apply",
	cmd_fix_apply
};
const struct cmd_entry cmd_fix_reject_entry = {
	"fix", "reject", "ID", 1, 1, NULL,
	"reject a proposed fix", cmd_fix_reject
};

static const char *
str(json_t *o, const char *k)
{
	const char	*s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "-";
}

/*
 * One call to /api/v1/fixes, /api/v1/fixes/ID or /api/v1/fixes/ID/verb;
 * -1 when the caller renders the answer.
 */
static int
call(struct cmd_ctx *ctx, const char *method, const char *id,
    const char *verb, struct answer *ans)
{
	char	*path, *esc = NULL;
	int	 rc;

	if (id != NULL)
		esc = url_escape(id);
	xasprintf(&path, "/api/v1/fixes%s%s%s%s", esc != NULL ? "/" : "",
	    esc != NULL ? esc : "", verb != NULL ? "/" : "",
	    verb != NULL ? verb : "");
	free(esc);
	rc = client_call(ctx, 1, method, path, NULL, ans);
	free(path);
	if (rc != EXIT_OK)
		return rc;
	if ((rc = client_result(ctx, ans)) != -1) {
		answer_free(ans);
		return rc;
	}
	return -1;
}

/* tinkr fix list */
static int
cmd_fix_list(struct cmd_ctx *ctx)
{
	struct answer	 ans;
	json_t		*f;
	size_t		 i;
	int		 rc;

	if ((rc = call(ctx, "GET", NULL, NULL, &ans)) != -1)
		return rc;
	if (json_array_size(json_object_get(ans.json, "fixes")) == 0)
		say(ctx, "No fixes.\n");
	else
		say(ctx, "%-12s  %-9s  %-16s  %-20s  %s\n", "FIX ID", "STATUS",
		    "SERVICE", "PROPOSED", "BY");
	json_array_foreach(json_object_get(ans.json, "fixes"), i, f)
		say(ctx, "%-12s  %-9s  %-16s  %-20s  %s\n", str(f, "fix_id"),
		    str(f, "status"), str(f, "service"), str(f, "created_at"),
		    str(f, "proposed_by"));
	answer_free(&ans);
	return EXIT_OK;
}

/* Print a fix for a person to read. */
static void
print_fix(json_t *f)
{
	printf("Fix %s (%s) for %s, proposed by %s at %s\n", str(f, "fix_id"),
	    str(f, "status"), str(f, "service"), str(f, "proposed_by"),
	    str(f, "created_at"));
	if (json_string_value(json_object_get(f, "incident_id")) != NULL)
		printf("Incident: %s\n", str(f, "incident_id"));
	printf("\n%s\n\n%s", str(f, "explanation"), str(f, "diff"));
	if (*str(f, "diff") != '\0' && str(f, "diff")[strlen(str(f,
	    "diff")) - 1] != '\n')
		putchar('\n');
}

/* tinkr fix show ID */
static int
cmd_fix_show(struct cmd_ctx *ctx)
{
	struct answer	 ans;
	int		 rc;

	if ((rc = call(ctx, "GET", ctx->args.argv[0], NULL,
	    &ans)) != -1)
		return rc;
	if (!ctx->quiet)
		print_fix(ans.json);
	answer_free(&ans);
	return EXIT_OK;
}

/* tinkr fix apply ID [--yes]: show, ask, apply. */
static int
cmd_fix_apply(struct cmd_ctx *ctx)
{
	struct answer	 ans;
	char		 line[16];
	int		 rc;

	if (args_get(&ctx->args, "yes") == NULL) {
		if ((rc = call(ctx, "GET", ctx->args.argv[0],
		    NULL, &ans)) != -1)
			return rc;
		if (ctx->json)
			return usage_error(ctx, "--json needs --yes: there is "
			    "no one to ask");
		print_fix(ans.json);
		answer_free(&ans);
		if (!isatty(STDIN_FILENO))
			return fail("not applied: give --yes to apply without "
			    "being asked");
		printf("\nApply this fix? [y/N] ");
		fflush(stdout);
		if (fgets(line, sizeof line, stdin) == NULL ||
		    (line[0] != 'y' && line[0] != 'Y'))
			return fail("not applied");
	}
	if ((rc = call(ctx, "POST", ctx->args.argv[0],
	    "apply", &ans)) != -1)
		return rc;
	say(ctx, "Fix %s applied\n", str(ans.json, "fix_id"));
	answer_free(&ans);
	return EXIT_OK;
}

/* tinkr fix reject ID */
static int
cmd_fix_reject(struct cmd_ctx *ctx)
{
	struct answer	 ans;
	int		 rc;

	if ((rc = call(ctx, "POST", ctx->args.argv[0],
	    "reject", &ans)) != -1)
		return rc;
	say(ctx, "Fix %s rejected\n", str(ans.json, "fix_id"));
	answer_free(&ans);
	return EXIT_OK;
}
