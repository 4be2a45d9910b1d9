/*
 * client.c -- talk to the local tinkrd over its Unix socket, starting it
 * first when a command needs it, under a lock as tmux does, so that five
 * clients at once start exactly one daemon.
 */

#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
#include "paths.h"
#include "tinkr.h"
#include "util.h"

/* Find tinkrd: $TINKRD, beside this program, the install dir, then PATH. */
static void
find_tinkrd(char *buf, size_t len)
{
	const char	*env;
	char		 self[PATH_MAX];
	ssize_t		 n;

	if ((env = getenv("TINKRD")) != NULL && *env != '\0') {
		strlcpy(buf, env, len);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = '\0';
		snprintf(buf, len, "%s/tinkrd", dirname(self));
		if (access(buf, X_OK) == 0)
			return;
	}
	snprintf(buf, len, "%s/tinkrd", TINKR_BINDIR);
	if (access(buf, X_OK) == 0)
		return;
	strlcpy(buf, "tinkrd", len);
}

/* Choose and check the socket path once per command. */
static int
client_socket(struct cmd_ctx *ctx)
{
	char	 err[512];

	if (*ctx->sock != '\0')
		return 0;
	if (paths_socket(NULL, ctx->sock, sizeof ctx->sock, err,
	    sizeof err) == -1) {
		*ctx->sock = '\0';
		fail("%s", err);
		return -1;
	}
	return 0;
}

/* Run tinkrd and wait until it serves (it forks once it is ready). */
static int
spawn_daemon(struct cmd_ctx *ctx)
{
	char	 path[PATH_MAX];
	char	*argv[7];
	int	 argc = 0, status;
	pid_t	 pid;

	find_tinkrd(path, sizeof path);
	argv[argc++] = path;
	argv[argc++] = (char *)"-S";
	argv[argc++] = ctx->sock;
	if (ctx->config_arg != NULL) {
		argv[argc++] = (char *)"-c";
		argv[argc++] = (char *)ctx->config_arg;
	}
	argv[argc] = NULL;
	if ((pid = fork()) == -1)
		return fail("fork: %s", strerror(errno));
	if (pid == 0) {
		/* The daemon serves every client: one's profile is not its own. */
		unsetenv("TINKR_PROFILE");
		execvp(path, argv);
		fprintf(stderr, "tinkr: cannot run %s: %s\n", path,
		    strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return fail("waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "tinkr: tinkrd did not start (see its message "
		    "above)\n");
		return -1;
	}
	return 0;
}

/*
 * Connect; when nothing answers and start is set, take the lock, try once
 * more (another client may have won the race) and otherwise start tinkrd.
 * *started says whether this call started it.
 */
static int
client_connect(struct cmd_ctx *ctx, int start, int *started)
{
	char		 lockpath[PATH_MAX];
	struct timeval	 tv = { 60, 0 };
	int		 fd, lockfd, saved;

	if (started != NULL)
		*started = 0;
	if (client_socket(ctx) == -1)
		return -1;
	if ((fd = http_unix_connect(ctx->sock)) != -1)
		goto connected;
	if (errno != ENOENT && errno != ECONNREFUSED) {
		fprintf(stderr, "tinkr: %s: %s\n", ctx->sock, strerror(errno));
		return -1;
	}
	if (!start) {
		errno = ENOENT;
		return -1;
	}
	if (paths_sibling(ctx->sock, ".lock", lockpath, sizeof lockpath) == -1 ||
	    (lockfd = open(lockpath, O_WRONLY | O_CREAT | O_CLOEXEC,
	    0600)) == -1) {
		fprintf(stderr, "tinkr: %s.lock: %s\n", ctx->sock,
		    strerror(errno));
		return -1;
	}
	while (flock(lockfd, LOCK_EX) == -1 && errno == EINTR)
		;
	if ((fd = http_unix_connect(ctx->sock)) == -1) {
		if (spawn_daemon(ctx) == 0) {
			fd = http_unix_connect(ctx->sock);
			if (fd != -1 && started != NULL)
				*started = 1;
		} else
			errno = ESRCH;
	}
	saved = errno;
	close(lockfd);		/* releases the lock */
	errno = saved;
	if (fd == -1) {
		if (errno != ESRCH)
			fprintf(stderr, "tinkr: %s: %s\n", ctx->sock,
			    strerror(errno));
		return -1;
	}
connected:
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return fd;
}

/* For "daemon start": make sure a daemon runs; say whether we started it. */
int
client_start_daemon(struct cmd_ctx *ctx, int *started)
{
	int	 fd;

	if ((fd = client_connect(ctx, 1, started)) == -1)
		return EXIT_UNREACHABLE;
	close(fd);
	return EXIT_OK;
}

/*
 * With -c FILE, warn when the running daemon uses another file: its
 * answers come from that one until it reloads or restarts.
 */
static void
check_config(struct cmd_ctx *ctx, const char *running)
{
	char	 want[PATH_MAX];

	if (ctx->config_arg == NULL || ctx->warned_config)
		return;
	if (realpath(ctx->config_arg, want) == NULL)
		strlcpy(want, ctx->config_arg, sizeof want);
	if (running != NULL && strcmp(running, want) == 0)
		return;
	ctx->warned_config = 1;
	fprintf(stderr, "tinkr: warning: the running tinkrd uses %s, not %s; "
	    "restart it with 'tinkr daemon stop' to switch\n",
	    running != NULL ? running : "built-in defaults", want);
}

/*
 * Send one request to the daemon and read its answer. start is 1 to start
 * the daemon when none runs, 0 not to, and -1 not to and to stay quiet
 * about it (ctx->not_running is then set). Returns EXIT_OK when an answer
 * came, whatever its status; otherwise prints why and returns
 * EXIT_UNREACHABLE or EXIT_FAIL.
 */
int
client_call(struct cmd_ctx *ctx, int start, const char *method,
    const char *path, json_t *body, struct answer *ans)
{
	struct http_response	 resp;
	json_error_t		 jerr;
	const char		*url, *token;
	char			 err[512], *text = NULL, *extra = NULL;
	int			 fd, rc;

	memset(ans, 0, sizeof *ans);
	if ((url = remote_url(ctx, &token)) != NULL) {
		if (body != NULL)
			text = json_dumps(body, JSON_COMPACT);
		rc = remote_call(ctx, url, token, method, path, text, ans);
		free(text);
		return rc;
	}
	if ((fd = client_connect(ctx, start == 1, NULL)) == -1) {
		if (*ctx->sock == '\0')
			return EXIT_UNREACHABLE;
		if (errno == ENOENT)
			ctx->not_running = 1;
		if (errno == ENOENT && start == 0)
			fprintf(stderr, "tinkr: no daemon running on %s "
			    "(start one with 'tinkr daemon start')\n",
			    ctx->sock);
		return EXIT_UNREACHABLE;
	}
	if (body != NULL)
		text = json_dumps(body, JSON_COMPACT);
	if (ctx->mcp_session != NULL)
		xasprintf(&extra, "Mcp-Session-Id: %s\r\n", ctx->mcp_session);
	rc = http_request(fd, method, path, extra, text, text ? strlen(text) :
	    0, &resp, err, sizeof err);
	free(extra);
	free(text);
	close(fd);
	if (rc == -1) {
		fprintf(stderr, "tinkr: %s: %s\n", ctx->sock, err);
		return EXIT_UNREACHABLE;
	}
	check_config(ctx, resp.config);
	free(resp.config);
	ans->session = resp.session;
	ans->status = resp.status;
	ans->raw = resp.body;
	if (resp.status == 202 && resp.len == 0)
		return EXIT_OK;		/* accepted, nothing to say */
	/* An event stream (rca) is the caller's to read. */
	if (resp.status == 200 && (strncmp(resp.body, "event: ", 7) == 0 ||
	    strncmp(resp.body, "data: ", 6) == 0))
		return EXIT_OK;
	ans->json = json_loadb(resp.body, resp.len, 0, &jerr);
	if (ans->json == NULL) {
		answer_free(ans);
		return fail("the daemon sent invalid JSON: %s", jerr.text);
	}
	return EXIT_OK;
}

/*
 * Handle what every command does with an answer: an error status prints
 * the daemon's detail (exit 1); --json prints the body unchanged (exit 0).
 * Returns -1 when the command should render the answer itself.
 */
int
client_result(struct cmd_ctx *ctx, struct answer *ans)
{
	const char	*detail;

	if (ans->status >= 400) {
		detail = json_string_value(json_object_get(ans->json,
		    "detail"));
		return fail("%s", detail != NULL ? detail : "request failed");
	}
	if (ctx->json) {
		fputs(ans->raw, stdout);
		return EXIT_OK;
	}
	return -1;
}

/* Free an answer. */
void
answer_free(struct answer *ans)
{
	free(ans->raw);
	free(ans->session);
	json_decref(ans->json);
	memset(ans, 0, sizeof *ans);
}
