/* cmd-profile.c -- profile list and profile show */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinkr.h"
#include "util.h"

static int	cmd_profile_list(struct cmd_ctx *);
static int	cmd_profile_show(struct cmd_ctx *);
static int	cmd_profile_use(struct cmd_ctx *);

const struct cmd_entry cmd_profile_list_entry = {
	"profile", "list", "", 0, 0, NULL,
	"list the profiles with their backends",
	cmd_profile_list
};

const struct cmd_entry cmd_profile_show_entry = {
	"profile", "show", "[NAME]", 0, 1, NULL,
	"show a profile's backend, services and notifiers",
	cmd_profile_show
};

const struct cmd_entry cmd_profile_use_entry = {
	"profile", "use", "NAME", 1, 1, NULL,
	"make NAME the daemon's active profile until it restarts",
	cmd_profile_use
};

/* A string member or a stand-in. */
static const char *
member(json_t *o, const char *key, const char *none)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : none;
}

/* tinkr profile list */
static int
cmd_profile_list(struct cmd_ctx *ctx)
{
	struct answer	 ans;
	json_t		*p;
	size_t		 i;
	int		 rc;

	if ((rc = client_call(ctx, 1, "GET", "/api/v1/profiles", NULL,
	    &ans)) != EXIT_OK)
		return rc;
	if ((rc = client_result(ctx, &ans)) == -1) {
		say(ctx, "%-20s %-12s %-9s %-10s %s\n", "NAME", "BACKEND",
		    "SERVICES", "NOTIFIERS", "ACTIVE");
		json_array_foreach(json_object_get(ans.json, "profiles"), i, p) {
			say(ctx, "%-20s %-12s %-9zu %-10zu %s\n",
			    member(p, "name", "?"), member(p, "backend", "?"),
			    json_array_size(json_object_get(p, "services")),
			    json_array_size(json_object_get(p, "notifiers")),
			    json_is_true(json_object_get(p, "active")) ?
			    "*" : "");
		}
		rc = EXIT_OK;
	}
	answer_free(&ans);
	return rc;
}

/* Join the "logs" array of a service for one line. */
static void
print_logs(struct cmd_ctx *ctx, json_t *logs)
{
	json_t	*l;
	size_t	 i;

	json_array_foreach(logs, i, l)
		say(ctx, "%s%s", i == 0 ? " logs " : ", ", json_string_value(l));
}

/* Print one profile for people. */
static void
print_profile(struct cmd_ctx *ctx, json_t *p)
{
	json_t	*s;
	size_t	 i;

	say(ctx, "Profile:   %s%s\n", member(p, "name", "?"),
	    json_is_true(json_object_get(p, "active")) ? " (active)" : "");
	say(ctx, "Backend:   %s\n", member(p, "backend", "?"));
	say(ctx, "Services:%s\n",
	    json_array_size(json_object_get(p, "services")) ? "" : "  none");
	json_array_foreach(json_object_get(p, "services"), i, s) {
		say(ctx, "  %-20s", member(s, "name", "?"));
		print_logs(ctx, json_object_get(s, "logs"));
		if (json_object_get(s, "format") != NULL)
			say(ctx, " (format %s)", member(s, "format", "auto"));
		say(ctx, "\n");
	}
	say(ctx, "Notifiers:%s\n",
	    json_array_size(json_object_get(p, "notifiers")) ? "" : " none");
	json_array_foreach(json_object_get(p, "notifiers"), i, s)
		say(ctx, "  %-20s %s\n", member(s, "name", "?"),
		    member(s, "type", "?"));
}

/*
 * tinkr profile show [NAME]: NAME, else -p, else $TINKR_PROFILE, else the
 * daemon's active profile.
 */
static int
cmd_profile_show(struct cmd_ctx *ctx)
{
	struct answer	 ans;
	const char	*want;
	char		*name = NULL, *path, *enc;
	int		 rc;

	want = ctx->args.argc > 0 ? ctx->args.argv[0] : ctx->profile_arg;
	if (want == NULL && (want = getenv("TINKR_PROFILE")) != NULL &&
	    *want == '\0')
		want = NULL;
	if (want == NULL) {
		if ((rc = client_call(ctx, 1, "GET", "/health", NULL,
		    &ans)) != EXIT_OK)
			return rc;
		if (json_string_value(json_object_get(ans.json,
		    "active_profile")) == NULL) {
			answer_free(&ans);
			return fail("no profile selected: name one, pass "
			    "--profile, or mark one active = true");
		}
		name = xstrdup(json_string_value(json_object_get(ans.json,
		    "active_profile")));
		answer_free(&ans);
		want = name;
	}
	enc = url_escape(want);
	xasprintf(&path, "/api/v1/profiles/%s", enc);
	free(enc);
	rc = client_call(ctx, 1, "GET", path, NULL, &ans);
	free(path);
	free(name);
	if (rc != EXIT_OK)
		return rc;
	if ((rc = client_result(ctx, &ans)) == -1) {
		print_profile(ctx, ans.json);
		rc = EXIT_OK;
	}
	answer_free(&ans);
	return rc;
}

/* tinkr profile use NAME */
static int
cmd_profile_use(struct cmd_ctx *ctx)
{
	struct answer	 ans;
	char		*name, *path;
	int		 rc;

	name = url_escape(ctx->args.argv[0]);
	xasprintf(&path, "/api/v1/profiles/%s/activate", name);
	free(name);
	rc = client_call(ctx, 1, "POST", path, NULL, &ans);
	free(path);
	if (rc != EXIT_OK)
		return rc;
	if ((rc = client_result(ctx, &ans)) != -1) {
		answer_free(&ans);
		return rc;
	}
	say(ctx, "Profile %s is active (%s backend)\n",
	    json_string_value(json_object_get(ans.json, "active")),
	    json_string_value(json_object_get(ans.json, "backend")));
	answer_free(&ans);
	return EXIT_OK;
}
