/* cmd-config.c -- config check and config show */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "tinkr.h"
#include "util.h"

static int	cmd_config_check(struct cmd_ctx *);
static int	cmd_config_show(struct cmd_ctx *);

const struct cmd_entry cmd_config_check_entry = {
	"config", "check", "[FILE]", 0, 1, NULL,
	"check a configuration file; works without the daemon",
	cmd_config_check
};

const struct cmd_entry cmd_config_show_entry = {
	"config", "show", "", 0, 0, NULL,
	"show the daemon's running configuration, secrets redacted",
	cmd_config_show
};

/* tinkr config check [FILE] */
static int
cmd_config_check(struct cmd_ctx *ctx)
{
	struct config	*conf;
	const char	*file, *active, *how = NULL, *env;
	char		 path[PATH_MAX], err[1024];
	json_t		*j, *warnings;
	size_t		 i;

	file = ctx->args.argc > 0 ? ctx->args.argv[0] : ctx->config_arg;
	if (file == NULL)
		file = config_find_path(path, sizeof path);
	conf = file != NULL ? config_load(file, err, sizeof err) :
	    config_default();
	if (conf == NULL)
		return fail("%s", err);
	active = config_select_profile(conf, ctx->profile_arg, &how, err,
	    sizeof err);
	env = getenv("TINKR_PROFILE");
	if (active == NULL && (ctx->profile_arg != NULL ||
	    (env != NULL && *env != '\0'))) {
		config_free(conf);
		return fail("%s", err);
	}
	warnings = json_array();
	if (active == NULL && conf->nprofiles > 0) {
		fprintf(stderr, "tinkr: warning: %s\n", err);
		json_array_append_new(warnings, json_string(err));
	}
	for (i = 0; i < conf->nwarnings; i++) {
		fprintf(stderr, "tinkr: warning: %s\n", conf->warnings[i]);
		json_array_append_new(warnings, json_string(conf->warnings[i]));
	}
	if (ctx->json) {
		j = json_pack("{s:s?, s:b, s:I, s:s?, s:s?, s:o}",
		    "path", conf->path, "ok", 1,
		    "profiles", (json_int_t)conf->nprofiles,
		    "active_profile", active, "active_from", how,
		    "warnings", warnings);
		json_dumpf(j, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(j);
	} else {
		json_decref(warnings);
		say(ctx, "%s: configuration OK (%zu profile%s", conf->path != NULL ?
		    conf->path : "built-in defaults", conf->nprofiles,
		    conf->nprofiles == 1 ? "" : "s");
		if (active != NULL)
			say(ctx, "; active: %s, by %s", active, how);
		say(ctx, ")\n");
	}
	config_free(conf);
	return EXIT_OK;
}

/* Print one value as TOML. */
static void
print_value(json_t *v)
{
	char	*s;

	s = json_dumps(v, JSON_ENCODE_ANY);
	if (s != NULL) {
		fputs(s, stdout);
		free(s);
	}
}

/* Print a table's keys as TOML, leaving out the ones in skip. */
static void
print_table(const char *header, json_t *o, const char *const *skip)
{
	const char	*key;
	json_t		*v;
	size_t		 i;

	printf("\n[%s]\n", header);
	json_object_foreach(o, key, v) {
		for (i = 0; skip[i] != NULL; i++)
			if (strcmp(skip[i], key) == 0)
				break;
		if (skip[i] != NULL || json_is_null(v))
			continue;
		printf("%s = ", key);
		print_value(v);
		putchar('\n');
	}
}

/* tinkr config show */
static int
cmd_config_show(struct cmd_ctx *ctx)
{
	static const char *const profile_skip[] = { "name", "services",
	    "notifiers", NULL };
	static const char *const item_skip[] = { "name", NULL };
	struct answer	 ans;
	json_t		*p, *s;
	const char	*pname;
	char		 header[512];
	size_t		 i, j;
	int		 rc;

	if ((rc = client_call(ctx, 1, "GET", "/api/v1/config", NULL,
	    &ans)) != EXIT_OK)
		return rc;
	if ((rc = client_result(ctx, &ans)) != -1) {
		answer_free(&ans);
		return rc;
	}
	if (!ctx->quiet) {
		printf("# %s", json_string_value(json_object_get(ans.json,
		    "path")) ? json_string_value(json_object_get(ans.json,
		    "path")) : "built-in defaults");
		printf(" (secrets redacted)\n");
		json_array_foreach(json_object_get(ans.json, "profiles"), i, p) {
			pname = json_string_value(json_object_get(p, "name"));
			snprintf(header, sizeof header, "profiles.%s", pname);
			print_table(header, p, profile_skip);
			json_array_foreach(json_object_get(p, "services"), j, s) {
				snprintf(header, sizeof header,
				    "profiles.%s.services.%s", pname,
				    json_string_value(json_object_get(s, "name")));
				print_table(header, s, item_skip);
			}
			json_array_foreach(json_object_get(p, "notifiers"), j, s) {
				snprintf(header, sizeof header,
				    "profiles.%s.notifiers.%s", pname,
				    json_string_value(json_object_get(s, "name")));
				print_table(header, s, item_skip);
			}
		}
		if ((s = json_object_get(ans.json, "server")) != NULL)
			print_table("server", s, item_skip);
		if ((s = json_object_get(ans.json, "llm")) != NULL)
			print_table("llm", s, item_skip);
		json_array_foreach(json_object_get(ans.json, "auth_keys"), j,
		    s) {
			snprintf(header, sizeof header, "auth.keys.%s",
			    json_string_value(json_object_get(s, "name")));
			print_table(header, s, item_skip);
		}
	}
	answer_free(&ans);
	return EXIT_OK;
}
