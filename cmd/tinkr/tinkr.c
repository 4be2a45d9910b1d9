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
	{ "remote",	required_argument,	'R' },
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: tinkr [-c file] [-p profile] [--remote url] [--json] "
	    "[-q] command [args]\n\nCommands:\n");
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

/* The command's options and short letters, as getopt_long wants them. */
struct optset {
	struct option	 opts[CMD_MAXOPTS + nitems(globals) + 1];
	int		 nopts;
	char		 shorts[64];	/* the command's letters, then globals' */
	int		 letter[CMD_MAXOPTS];	/* a command option's letter */
};

/*
 * Build the option table from the command's spec: "name" is a flag,
 * "name=" takes a value, "/x" after either gives it the letter -x, which
 * then wins over a global option of the same letter.
 */
static void
build_options(struct optset *os, char *spec, int with_command)
{
	char	*tok, *save, *slash, *eq, *sp = os->shorts;
	int	 n = 0;
	size_t	 i;

	os->nopts = 0;
	*sp++ = ':';
	if (with_command && spec != NULL) {
		for (tok = strtok_r(spec, ",", &save); tok != NULL &&
		    n < CMD_MAXOPTS; tok = strtok_r(NULL, ",", &save)) {
			os->letter[n] = 0;
			if ((slash = strchr(tok, '/')) != NULL) {
				*slash = '\0';
				os->letter[n] = slash[1];
			}
			if ((eq = strchr(tok, '=')) != NULL)
				*eq = '\0';
			if (os->letter[n] != 0) {
				*sp++ = (char)os->letter[n];
				if (eq != NULL)
					*sp++ = ':';
			}
			add_option(os->opts, &os->nopts, tok, eq != NULL ?
			    required_argument : no_argument, 1000 + n);
			n++;
		}
	}
	for (i = 0; i < nitems(globals); i++) {
		add_option(os->opts, &os->nopts, globals[i].name,
		    globals[i].has_arg, globals[i].letter);
		if (strchr("cpqh", globals[i].letter) == NULL ||
		    memchr(os->shorts, globals[i].letter,
		    (size_t)(sp - os->shorts)) != NULL)
			continue;
		*sp++ = (char)globals[i].letter;
		if (globals[i].has_arg == required_argument)
			*sp++ = ':';
	}
	*sp = '\0';
	add_option(os->opts, &os->nopts, NULL, 0, 0);
}

/* Record one option; -1 after a usage error. */
static int
take_option(struct cmd_ctx *ctx, struct optset *os, int ch, int idx,
    char **argv)
{
	int	 i;

	for (i = 0; i < CMD_MAXOPTS && ch < 1000; i++) {
		if (os->opts[i].name == NULL || os->opts[i].val < 1000)
			break;
		if (os->letter[os->opts[i].val - 1000] == ch) {
			ch = os->opts[i].val;
			idx = i;
			break;
		}
	}
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
	case 'R':
		ctx->remote_arg = optarg;
		break;
	case ':':
		usage_error(ctx, "missing value for option %s", argv[optind - 1]);
		return -1;
	case '?':
		if (optopt != 0 && optopt < 1000)
			usage_error(ctx, "unknown option -%c", optopt);
		else
			usage_error(ctx, "unknown option %s", argv[optind - 1]);
		return -1;
	default:
		if (ctx->args.n == CMD_MAXOPTS)
			break;
		ctx->args.name[ctx->args.n] = os->opts[idx].name;
		ctx->args.value[ctx->args.n] = optarg != NULL ? optarg : "";
		ctx->args.n++;
		break;
	}
	return 0;
}

/*
 * Parse the command line: options before the command are global ones;
 * after it, the command's own and the global ones. The command words are
 * taken out; what remains are the positionals.
 */
static int
parse_options(struct cmd_ctx *ctx, int argc, char **argv, int *words,
    int nwords)
{
	struct optset	 os;
	int		 ch, idx, i, j, first = nwords > 0 ? words[0] : argc;
	char		 **pre;

	/* Global options before the command. */
	build_options(&os, NULL, 0);
	pre = xcalloc((size_t)first + 1, sizeof *pre);
	for (i = 0; i < first; i++)
		pre[i] = argv[i];
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(first, pre, os.shorts, os.opts, &idx)) != -1)
		if (take_option(ctx, &os, ch, idx, pre) == -1) {
			free(pre);
			return -1;
		}
	if (optind < first) {
		usage_error(ctx, "unexpected argument '%s'", pre[optind]);
		free(pre);
		return -1;
	}
	free(pre);

	/* The command's options, wherever they stand after its words. */
	for (i = nwords - 1; i >= 0; i--) {
		for (j = words[i]; j < argc - 1; j++)
			argv[j] = argv[j + 1];
		argc--;
	}
	for (i = 1; first > 1 && i + first - 1 <= argc; i++)
		argv[i] = argv[i + first - 1];
	argc -= first > 1 ? first - 1 : 0;
	if (ctx->entry != NULL && ctx->entry->options != NULL)
		ctx->optspec = xstrdup(ctx->entry->options);
	build_options(&os, ctx->optspec, 1);
	optind = 1;
	while ((ch = getopt_long(argc, argv, os.shorts, os.opts, &idx)) != -1)
		if (take_option(ctx, &os, ch, idx, argv) == -1)
			return -1;
	ctx->args.argv = argv + optind;
	ctx->args.argc = argc - optind;
	return 0;
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
