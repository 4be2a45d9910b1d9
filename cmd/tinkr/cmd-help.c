/* cmd-help.c -- help [COMMAND] */

#include <stdio.h>
#include <string.h>

#include "tinkr.h"

static int	cmd_help(struct cmd_ctx *);

const struct cmd_entry cmd_help_entry = {
	NULL, "help", "[COMMAND]", 0, 2, NULL,
	"describe all commands, a group of them, or one",
	cmd_help
};

/* Print one command's usage, summary and options. */
static void
help_one(const struct cmd_entry *e)
{
	char	 line[128], opts[256], *p, *slash, *eq, shortname[8];

	cmd_usage_line(e, line, sizeof line);
	printf("usage: tinkr %s\n  %s\n", line, e->summary);
	if (e->options == NULL)
		return;
	strlcpy(opts, e->options, sizeof opts);
	printf("options:\n");
	for (p = strtok(opts, ","); p != NULL; p = strtok(NULL, ",")) {
		*shortname = '\0';
		if ((slash = strchr(p, '/')) != NULL) {
			snprintf(shortname, sizeof shortname, "-%c, ", slash[1]);
			*slash = '\0';
		}
		if ((eq = strchr(p, '=')) != NULL)
			*eq = '\0';
		printf("  %4s--%s%s\n", shortname, p, eq != NULL ? " VALUE" : "");
	}
}

/* tinkr help [COMMAND] */
static int
cmd_help(struct cmd_ctx *ctx)
{
	const struct cmd_entry	*e;
	const char		*hint;
	char			*w1, *w2;
	int			 used;

	if (ctx->args.argc == 0) {
		printf("usage: tinkr [-c file] [-p profile] [--json] [-q] "
		    "command [args]\n\nCommands:\n");
		cmd_list(stdout, NULL);
		printf("\nRun 'tinkr help COMMAND' for one command, and see "
		    "tinkr(1).\n");
		return EXIT_OK;
	}
	w1 = ctx->args.argv[0];
	w2 = ctx->args.argc > 1 ? ctx->args.argv[1] : NULL;
	if ((e = cmd_find(w1, w2, &used)) != NULL && used == ctx->args.argc) {
		help_one(e);
		return EXIT_OK;
	}
	if (w2 == NULL && cmd_is_group(w1)) {
		printf("%s commands:\n", w1);
		cmd_list(stdout, w1);
		return EXIT_OK;
	}
	hint = cmd_suggest(cmd_is_group(w1) ? w1 : NULL,
	    cmd_is_group(w1) && w2 != NULL ? w2 : w1);
	if (hint != NULL)
		return usage_error(ctx, "no command '%s%s%s' (did you mean "
		    "'%s'?)", w1, w2 ? " " : "", w2 ? w2 : "", hint);
	return usage_error(ctx, "no command '%s%s%s'", w1, w2 ? " " : "",
	    w2 ? w2 : "");
}
