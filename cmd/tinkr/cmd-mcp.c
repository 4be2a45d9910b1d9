/*
 * cmd-mcp.c -- mcp: MCP over stdio for editors that launch a command. Each
 * line of standard input is a JSON-RPC message, sent to the daemon's (or
 * the remote server's) POST /mcp; each answer is written as one line to
 * standard output. The session the initialize answer opens is carried on.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinkr.h"
#include "util.h"

static int	cmd_mcp(struct cmd_ctx *);

const struct cmd_entry cmd_mcp_entry = {
	NULL, "mcp", "", 0, 0, NULL,
	"speak MCP on stdin and stdout, for an editor that launches tinkr",
	cmd_mcp
};

/* Write a JSON-RPC error for a line the server could not take. */
static void
stdio_error(const char *msg)
{
	json_t	*j;

	j = json_pack("{s:s, s:n, s:{s:i, s:s}}", "jsonrpc", "2.0", "id",
	    "error", "code", -32603, "message", msg);
	json_dumpf(j, stdout, JSON_COMPACT);
	putchar('\n');
	fflush(stdout);
	json_decref(j);
}

/* tinkr mcp */
static int
cmd_mcp(struct cmd_ctx *ctx)
{
	struct answer	 ans;
	json_error_t	 jerr;
	json_t		*msg;
	char		*line = NULL, *session = NULL;
	size_t		 cap = 0;
	ssize_t		 n;

	while ((n = getline(&line, &cap, stdin)) != -1) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0)
			continue;
		if ((msg = json_loads(line, 0, &jerr)) == NULL) {
			stdio_error("parse error");
			continue;
		}
		ctx->mcp_session = session;
		if (client_call(ctx, 1, "POST", "/mcp", msg, &ans) !=
		    EXIT_OK) {
			json_decref(msg);
			stdio_error("tinkr cannot reach the daemon");
			continue;
		}
		json_decref(msg);
		if (ans.session != NULL) {
			free(session);
			session = xstrdup(ans.session);
		}
		if (ans.json != NULL) {
			json_dumpf(ans.json, stdout, JSON_COMPACT);
			putchar('\n');
			fflush(stdout);
		}
		answer_free(&ans);
	}
	free(line);
	free(session);
	return EXIT_OK;
}
