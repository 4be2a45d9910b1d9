/*
 * fix.c -- fixes an AI editor proposes through MCP's suggest_fix. A diff
 * is checked with `git apply --check` in the service's repository and
 * kept in the state directory for a person to read, apply or reject;
 * nothing is applied until someone says so (tinkr fix apply). git runs
 * as a child the daemon's loop does not wait for.
 */

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fix.h"
#include "store.h"
#include "util.h"

/*
 * Start `git apply [--check] -` in repo with diff on its standard input,
 * without waiting for it: its pid, with what it writes to stderr going to
 * *errfd. -1 and why when it cannot start. fix_git_judge says what it
 * came to once it has exited.
 */
pid_t
fix_git_start(const char *repo, const char *diff, int check, int *errfd,
    char *err, size_t errlen)
{
	char		*argv[7], **envp;
	pid_t		 pid;
	int		 in, out, nul;

	*errfd = -1;
	if ((in = memfd_text("tinkr-diff", diff)) == -1 ||
	    (out = memfd_text("tinkr-git", NULL)) == -1) {
		seterr(err, errlen, "cannot run git: %s", strerror(errno));
		if (in != -1)
			close(in);
		return -1;
	}
	argv[0] = "git";
	argv[1] = "-C";
	argv[2] = (char *)repo;
	argv[3] = "apply";
	argv[4] = check ? "--check" : "--verbose";
	argv[5] = "-";
	argv[6] = NULL;
	envp = child_environ(0);
	switch (pid = fork()) {
	case -1:
		seterr(err, errlen, "fork: %s", strerror(errno));
		close(in);
		close(out);
		free(envp);
		return -1;
	case 0:
		nul = open("/dev/null", O_WRONLY);
		dup2(in, 0);
		dup2(nul, 1);
		dup2(out, 2);
		/* None of the daemon's descriptors: sockets, the journals. */
		close_range(3, ~0U, 0);
		signal(SIGCHLD, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		execvpe("git", argv, envp);
		_exit(127);
	}
	free(envp);
	close(in);
	*errfd = out;
	return pid;
}

/*
 * What a git started by fix_git_start came to, from its wait status (or
 * that it was killed for taking too long): 0 when it accepted the diff;
 * -1 and git's complaint otherwise. errfd is closed.
 */
int
fix_git_judge(int status, int killed, int errfd, char *err, size_t errlen)
{
	char	 buf[512];
	ssize_t	 n;

	if (killed) {
		close(errfd);
		seterr(err, errlen, "git took longer than %d s",
		    FIX_GIT_TIMEOUT_MS / 1000);
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		close(errfd);
		return 0;
	}
	n = pread(errfd, buf, sizeof buf - 1, 0);
	close(errfd);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	utf8_scrub(buf);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		seterr(err, errlen, "git is not installed");
	else
		seterr(err, errlen, "git apply refuses the diff: %s",
		    buf[0] != '\0' ? buf : "no reason given");
	return -1;
}

/* A fresh fix ID: "fix-" and 8 hex digits. */
void
fix_new_id(char *buf, size_t len)
{
	snprintf(buf, len, "fix-%08x", arc4random());
}

/* Write a fix's file in dir, flushed. */
int
fix_save(const char *dir, json_t *fix, char *err, size_t errlen)
{
	char	*text, name[64];
	int	 rc;

	const char	*id = json_string_value(json_object_get(fix, "fix_id"));

	if (id == NULL || strncmp(id, "fix-", 4) != 0 || strchr(id, '/') !=
	    NULL || strlen(id) > 32) {
		seterr(err, errlen, "a fix without a fix ID cannot be kept");
		return -1;
	}
	if (store_mkdir(dir, err, errlen) == -1)
		return -1;
	snprintf(name, sizeof name, "%s.json", id);
	text = json_dumps(fix, JSON_INDENT(2));
	rc = store_put(dir, name, text, strlen(text), 1, err, errlen);
	free(text);
	return rc;
}

/* The fix of an ID, or NULL. */
json_t *
fix_load(const char *dir, const char *id)
{
	char	 name[64], *text;
	size_t	 len;
	json_t	*j;

	if (strncmp(id, "fix-", 4) != 0 || strlen(id) != 12 ||
	    strspn(id + 4, "0123456789abcdef") != 8)
		return NULL;
	snprintf(name, sizeof name, "%s.json", id);
	if ((text = store_get(dir, name, FIX_DIFF_MAX * 2, &len)) == NULL)
		return NULL;
	j = json_loadb(text, len, 0, NULL);
	free(text);
	return j;
}

/* A fix's created_at, or "". */
static const char *
created(json_t *f)
{
	const char	*s = json_string_value(json_object_get(f, "created_at"));

	return s != NULL ? s : "";
}

/* Every fix, without its diff, newest first. */
json_t *
fix_list(const char *dir)
{
	struct dirent	*de;
	DIR		*dp;
	json_t		*arr = json_array(), *f;
	char		 id[16];
	size_t		 i, j;

	if ((dp = opendir(dir)) == NULL)
		return arr;
	while ((de = readdir(dp)) != NULL) {
		if (strlen(de->d_name) != 17 ||
		    strcmp(de->d_name + 12, ".json") != 0)
			continue;
		snprintf(id, sizeof id, "%.12s", de->d_name);
		if ((f = fix_load(dir, id)) == NULL)
			continue;
		json_object_del(f, "diff");
		json_array_append_new(arr, f);
	}
	closedir(dp);
	/* Newest first, by created_at. */
	for (i = 1; i < json_array_size(arr); i++)
		for (j = i; j > 0 && strcmp(created(json_array_get(arr, j - 1)),
		    created(json_array_get(arr, j))) < 0; j--) {
			f = json_incref(json_array_get(arr, j));
			json_array_set(arr, j, json_array_get(arr, j - 1));
			json_array_set_new(arr, j - 1, f);
		}
	return arr;
}
