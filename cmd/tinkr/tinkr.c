/*
 * tinkr.c -- the command line: global options, finding the command,
 * parsing its options, running it.
 */

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinkr.h"
#include "util.h"

/* Global options, accepted before or after the command. */
static const struct {
	const char	*name;
	int		 has_arg;
	int		 letter;
} globals[] = {
	{ "config",	required_argument,	'c' },
	{ "profile",	required_argument,	'p' },
	{ "json",	no_argument,		'j' },
	{ "quiet",	no_argument,		'q' },
	{ "help",	no_argument,		'h' },
	{ "version",	no_argument,		'V' },
};
#define GLOBAL_SHORT	":c:p:qh"

static void
usage(FILE *f)
{
	fprintf(f, "usage: tinkr [-c file] [-p profile] [--json] [-q] "
	    "command [args]\n\nCommands:\n");
	cmd_list(f, NULL);
	fprintf(f, "\nGlobal options:\n"
	    "  -c, --config FILE          use this configuration file\n"
	    "  -p, --profile NAME         use this profile\n"
	    "      --json                 print the daemon's JSON unchanged\n"
	    "  -q, --quiet                print only errors\n"
	    "  -h, --help                 show this help\n"
	    "      --version              print the version\n"
	    "\nExit status: 0 success, 1 failure, 2 usage error, "
	    "3 daemon unreachable.\nSee tinkr(1).\n");
}

/* The value of a command option, "" for a flag given, NULL if absent. */
const char *
args_get(const struct args *a, const char *name)
{
	int	 i;

	for (i = a->n - 1; i >= 0; i--)
		if (strcmp(a->name[i], name) == 0)
			return a->value[i];
	return NULL;
}

/* Print an error about how the command was used; exit status 2. */
int
usage_error(struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list	 ap;
	char	 line[128];

	fputs("tinkr: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (ctx != NULL && ctx->entry != NULL) {
		cmd_usage_line(ctx->entry, line, sizeof line);
		fprintf(stderr, "usage: tinkr %s\n", line);
	}
	return EXIT_USAGE;
}

/* Print a one-line error; exit status 1. */
int
fail(const char *fmt, ...)
{
	va_list	 ap;

	fputs("tinkr: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_FAIL;
}

/* Print to stdout unless -q was given. */
void
say(struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list	 ap;

	if (ctx->quiet)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

/* Does this global option take a value? Matches -c, --config, --config=x. */
static int
global_takes_value(const char *arg)
{
	size_t	 i, len;

	if (arg[0] == '-' && arg[1] != '-')
		return (arg[1] == 'c' || arg[1] == 'p') && arg[2] == '\0';
	for (i = 0; i < nitems(globals); i++) {
		len = strlen(globals[i].name);
		if (strncmp(arg + 2, globals[i].name, len) == 0 &&
		    arg[2 + len] == '\0')
			return globals[i].has_arg == required_argument;
	}
	return 0;
}

/*
 * Find the command words: the first arguments that are neither options
 * nor values of global options. Returns how many words it found (0-2).
 */
static int
find_words(int argc, char **argv, int *at, const char **w1, const char **w2)
{
	int	 i, n = 0;

	*w1 = *w2 = NULL;
	for (i = 1; i < argc && n < 2; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (argv[i][0] == '-' && argv[i][1] != '\0') {
			if (n == 0 && global_takes_value(argv[i]))
				i++;
			if (n == 1)
				break;
			continue;
		}
		at[n] = i;
		if (n == 0)
			*w1 = argv[i];
		else
			*w2 = argv[i];
		n++;
	}
	return n;
}

/* Add one long option to the table built for getopt_long. */
static void
add_option(struct option *o, int *n, const char *name, int has_arg, int val)
{
	o[*n].name = name;
	o[*n].has_arg = has_arg;
	o[*n].flag = NULL;
	o[*n].val = val;
	(*n)++;
}

/*
 * Parse the whole command line against the global options and the
 * command's own; remove the command words from the positionals.
 */
static int
parse_options(struct cmd_ctx *ctx, int argc, char **argv, int *words,
    int nwords)
{
	const struct cmd_entry	*e = ctx->entry;
	struct option		 opts[CMD_MAXOPTS + nitems(globals) + 1];
	char			*spec = NULL, *tok, *save, *eq;
	int			 nopts = 0, nnames = 0, ch, idx, i, j, rc = -1;

	for (i = 0; i < (int)nitems(globals); i++)
		add_option(opts, &nopts, globals[i].name, globals[i].has_arg,
		    globals[i].letter);
	if (e != NULL && e->options != NULL) {
		spec = xstrdup(e->options);
		for (tok = strtok_r(spec, ",", &save); tok != NULL &&
		    nnames < CMD_MAXOPTS; tok = strtok_r(NULL, ",", &save)) {
			if ((eq = strchr(tok, '=')) != NULL)
				*eq = '\0';
			add_option(opts, &nopts, tok, eq != NULL ?
			    required_argument : no_argument, 1000 + nnames);
			nnames++;
		}
	}
	add_option(opts, &nopts, NULL, 0, 0);

	/* Take the command words out so getopt sees only options and args. */
	for (i = nwords - 1; i >= 0; i--) {
		for (j = words[i]; j < argc - 1; j++)
			argv[j] = argv[j + 1];
		argc--;
	}
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, GLOBAL_SHORT, opts,
	    &idx)) != -1) {
		switch (ch) {
		case 'c':
			ctx->config_arg = optarg;
			break;
		case 'p':
			ctx->profile_arg = optarg;
			break;
		case 'j':
			ctx->json = 1;
			break;
		case 'q':
			ctx->quiet = 1;
			break;
		case 'h':
			ctx->want_help = 1;
			break;
		case 'V':
			ctx->want_version = 1;
			break;
		case '?':
		case ':':
			if (ch == ':')
				usage_error(ctx, "missing value for option %s",
				    argv[optind - 1]);
			else if (optopt != 0 && optopt < 1000)
				usage_error(ctx, "unknown option -%c", optopt);
			else
				usage_error(ctx, "%s option %s", ch == ':' ?
				    "missing value for" : "unknown",
				    argv[optind - 1]);
			goto out;
		default:
			if (ctx->args.n == CMD_MAXOPTS)
				break;
			ctx->args.name[ctx->args.n] = opts[idx].name;
			ctx->args.value[ctx->args.n] = optarg != NULL ?
			    optarg : "";
			ctx->args.n++;
			break;
		}
	}
	ctx->args.argv = argv + optind;
	ctx->args.argc = argc - optind;
	rc = 0;
out:
	/* Option names point into spec: it lives as long as the command. */
	ctx->optspec = spec;
	return rc;
}

/* Run the command found, or answer --help and --version. */
static int
run(struct cmd_ctx *ctx)
{
	char	 line[128];

	if (ctx->want_version) {
		printf("tinkr %s\n", PACKAGE_VERSION);
		return EXIT_OK;
	}
	if (ctx->entry == NULL) {
		usage(ctx->want_help ? stdout : stderr);
		return ctx->want_help ? EXIT_OK : EXIT_USAGE;
	}
	if (ctx->want_help && ctx->entry != &cmd_help_entry) {
		cmd_usage_line(ctx->entry, line, sizeof line);
		printf("usage: tinkr %s\n  %s\n", line, ctx->entry->summary);
		return EXIT_OK;
	}
	if (ctx->args.argc < ctx->entry->lower)
		return usage_error(ctx, "missing argument");
	if (ctx->entry->upper != -1 && ctx->args.argc > ctx->entry->upper)
		return usage_error(ctx, "unexpected argument '%s'",
		    ctx->args.argv[ctx->entry->upper]);
	return ctx->entry->exec(ctx);
}

int
main(int argc, char **argv)
{
	struct cmd_ctx		 ctx;
	const char		*w1, *w2, *hint;
	int			 words[2], nwords, used = 0, rc;

	memset(&ctx, 0, sizeof ctx);
	nwords = find_words(argc, argv, words, &w1, &w2);
	if (nwords > 0) {
		ctx.entry = cmd_find(w1, w2, &used);
		if (ctx.entry == NULL && cmd_is_group(w1)) {
			if (w2 == NULL) {
				fprintf(stderr, "tinkr: %s needs a command:\n",
				    w1);
				cmd_list(stderr, w1);
				return EXIT_USAGE;
			}
			hint = cmd_suggest(w1, w2);
			if (hint != NULL)
				return usage_error(NULL, "unknown %s command "
				    "'%s' (did you mean '%s'?)", w1, w2, hint);
			return usage_error(NULL, "unknown %s command '%s'; "
			    "try 'tinkr help %s'", w1, w2, w1);
		}
		if (ctx.entry == NULL) {
			hint = cmd_suggest(NULL, w1);
			if (hint != NULL)
				return usage_error(NULL, "unknown command '%s' "
				    "(did you mean '%s'?)", w1, hint);
			return usage_error(NULL, "unknown command '%s'; try "
			    "'tinkr help'", w1);
		}
	}
	if (parse_options(&ctx, argc, argv, words, used) == -1) {
		free(ctx.optspec);
		return EXIT_USAGE;
	}
	rc = run(&ctx);
	free(ctx.optspec);
	if (fflush(stdout) == EOF && errno != EPIPE)
		return fail("writing the output: %s", strerror(errno));
	return rc;
}
