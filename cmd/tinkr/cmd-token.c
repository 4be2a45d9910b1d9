/* cmd-token.c -- token new: an API key for the daemon's TCP listener */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "sha256.h"
#include "tinkr.h"
#include "util.h"

#define TOKEN_BYTES	24

static int	cmd_token_new(struct cmd_ctx *);

const struct cmd_entry cmd_token_new_entry = {
	"token", "new", "--subject NAME --role ROLE", 0, 0, "subject=,role=",
	"make an API token; print it once, with the config lines for its hash",
	cmd_token_new
};

/* Whether s can name an [auth.keys.NAME] section. */
static int
subject_valid(const char *s)
{
	size_t	 n = strlen(s);

	return n > 0 && n < 64 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

/*
 * tinkr token new --subject NAME --role ROLE: a random token, shown once,
 * and the section that holds its hash. Nothing is written anywhere.
 */
static int
cmd_token_new(struct cmd_ctx *ctx)
{
	const char	*subject = args_get(&ctx->args, "subject");
	const char	*rolearg = args_get(&ctx->args, "role");
	unsigned char	 raw[TOKEN_BYTES];
	char		 token[4 + 2 * TOKEN_BYTES + 1], hash[65], *snippet;
	const char	*role;
	json_t		*j;
	size_t		 i;

	if (subject == NULL || !subject_valid(subject))
		return usage_error(ctx, "--subject NAME is required: letters, "
		    "digits, '_' and '-', such as --subject ci-deploy");
	if (rolearg == NULL || auth_role_parse(rolearg) == 0 ||
	    strcmp(auth_role_name(auth_role_parse(rolearg)), rolearg) != 0)
		return usage_error(ctx, "--role ROLE is required: viewer, "
		    "oncall or sre-lead");
	role = auth_role_name(auth_role_parse(rolearg));
	arc4random_buf(raw, sizeof raw);
	memcpy(token, "tkr_", 4);
	for (i = 0; i < sizeof raw; i++)
		snprintf(token + 4 + 2 * i, 3, "%02x", raw[i]);
	explicit_bzero(raw, sizeof raw);
	sha256_hex(token, strlen(token), hash);
	xasprintf(&snippet, "[auth.keys.%s]\nhash = \"%s\"\nroles = [\"%s\"]\n",
	    subject, hash, role);
	if (ctx->json) {
		j = json_pack("{s:s, s:[s], s:s, s:s, s:s}", "subject",
		    subject, "roles", role, "token", token, "hash", hash,
		    "config", snippet);
		json_dumpf(j, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(j);
	} else
		printf("Token for %s (%s), shown this once; keep it in a "
		    "secret store:\n\n  %s\n\nAdd this to the daemon's "
		    "configuration, then run \"tinkr daemon reload\":\n\n%s",
		    subject, role, token, snippet);
	explicit_bzero(token, sizeof token);
	free(snippet);
	return EXIT_OK;
}
