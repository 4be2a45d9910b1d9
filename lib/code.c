/*
 * code.c -- the code tools' access to a service's repository: one file
 * read, or a plain-text search, never outside the repository. A path is
 * resolved with realpath(3) and refused unless it stays under the
 * repository's own resolved path, so "..", absolute paths and symbolic
 * links that point out are all refused the same way. .git and binary files
 * are skipped; a search is bounded in matches, bytes and time. The
 * pattern is text to find, never an option of any program.
 */

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "code.h"
#include "util.h"

/* Whether path is root or under it. */
static int
under(const char *root, const char *path)
{
	size_t	 n = strlen(root);

	return strncmp(root, path, n) == 0 && (path[n] == '\0' ||
	    path[n] == '/' || strcmp(root, "/") == 0);
}

/* Whether a buffer looks binary: a NUL in its first 8 KiB. */
static int
binary(const char *buf, size_t len)
{
	return memchr(buf, '\0', len < 8192 ? len : 8192) != NULL;
}

/* Read a regular file whole, at most max bytes; NULL with errno. */
static char *
slurp(const char *path, size_t max, size_t *lenp)
{
	char	*s;
	int	 fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return NULL;
	s = read_fd(fd, max, lenp);
	saved = errno;
	close(fd);
	errno = saved;
	return s;
}

/*
 * The content of path, relative to the repository at repo. NULL and why
 * when it is refused or cannot be read.
 */
json_t *
code_get_file(const char *repo, const char *path, char *err, size_t errlen)
{
	char		 root[PATH_MAX], want[PATH_MAX * 2], real[PATH_MAX];
	char		*text;
	struct stat	 sb;
	size_t		 len;
	json_t		*j;

	if (realpath(repo, root) == NULL) {
		seterr(err, errlen, "the service's repo_path cannot be read: "
		    "%s", strerror(errno));
		return NULL;
	}
	if (path[0] == '/' || path[0] == '\0') {
		seterr(err, errlen, "the path must be relative to the "
		    "service's repository");
		return NULL;
	}
	snprintf(want, sizeof want, "%s/%s", root, path);
	if (realpath(want, real) == NULL) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (!under(root, real) || strcmp(root, real) == 0) {
		seterr(err, errlen, "%s is outside the service's repository",
		    path);
		return NULL;
	}
	if (strstr(real + strlen(root), "/.git/") != NULL ||
	    strcmp(real + strlen(root), "/.git") == 0) {
		seterr(err, errlen, "%s is inside .git", path);
		return NULL;
	}
	if (stat(real, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		seterr(err, errlen, "%s is not a regular file", path);
		return NULL;
	}
	if ((text = slurp(real, CODE_FILE_MAX, &len)) == NULL) {
		seterr(err, errlen, errno == EFBIG ? "%s is larger than %d "
		    "KiB" : "%s cannot be read", path, CODE_FILE_MAX / 1024);
		return NULL;
	}
	if (binary(text, len)) {
		free(text);
		seterr(err, errlen, "%s is a binary file", path);
		return NULL;
	}
	j = json_pack("{s:s, s:I, s:s%}", "path", real + strlen(root) + 1,
	    "size", (json_int_t)len, "content", text, len);
	free(text);
	if (j == NULL)
		seterr(err, errlen, "%s is not UTF-8 text", path);
	return j;
}

/* What a search carries along. */
struct search {
	const char	*root;
	const char	*pattern;
	const char	*glob;
	int		 context;
	json_t		*matches;
	size_t		 files;
	size_t		 bytes;
	long long	 deadline;
	int		 truncated;
};

/* The lines of one file that hold the pattern, with their context. */
static void
search_file(struct search *s, const char *path, const char *rel)
{
	char		*text, *line, *end;
	char		**lines = NULL;
	size_t		 len, n = 0, i, k, from, to;
	json_t		*before, *after;

	if ((text = slurp(path, CODE_FILE_MAX * 4, &len)) == NULL ||
	    binary(text, len)) {
		free(text);
		return;
	}
	s->bytes += len;
	for (line = text; *line != '\0'; line = end + 1) {
		end = strchr(line, '\n');
		lines = xreallocarray(lines, n + 1, sizeof *lines);
		lines[n++] = line;
		if (end == NULL)
			break;
		*end = '\0';
	}
	for (i = 0; i < n; i++) {
		if (strstr(lines[i], s->pattern) == NULL)
			continue;
		if (json_array_size(s->matches) >= CODE_MATCHES_MAX) {
			s->truncated = 1;
			break;
		}
		before = json_array();
		after = json_array();
		from = i > (size_t)s->context ? i - (size_t)s->context : 0;
		to = i + (size_t)s->context < n ? i + (size_t)s->context :
		    n - 1;
		for (k = from; k < i; k++)
			json_array_append_new(before, json_string(lines[k]));
		for (k = i + 1; k <= to; k++)
			json_array_append_new(after, json_string(lines[k]));
		json_array_append_new(s->matches, json_pack("{s:s, s:I, s:s?,"
		    " s:o, s:o}", "file", rel, "line", (json_int_t)(i + 1),
		    "text", lines[i], "before", before, "after", after));
	}
	free(lines);
	free(text);
}

/* Walk a directory of the repository; no symbolic link is followed. */
static void
search_dir(struct search *s, const char *dir, const char *rel)
{
	struct dirent	*de;
	struct stat	 sb;
	DIR		*dp;
	char		 path[PATH_MAX], sub[PATH_MAX];

	if ((dp = opendir(dir)) == NULL)
		return;
	while ((de = readdir(dp)) != NULL && !s->truncated) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, ".git") == 0)
			continue;
		if (++s->files > CODE_FILES_MAX || s->bytes > CODE_BYTES_MAX ||
		    mono_ms() > s->deadline) {
			s->truncated = 1;
			break;
		}
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "",
		    de->d_name);
		if (lstat(path, &sb) == -1)
			continue;
		if (S_ISDIR(sb.st_mode))
			search_dir(s, path, sub);
		else if (S_ISREG(sb.st_mode) && (s->glob == NULL ||
		    fnmatch(s->glob, sub, 0) == 0 || fnmatch(s->glob,
		    de->d_name, 0) == 0))
			search_file(s, path, sub);
	}
	closedir(dp);
}

/*
 * The lines of the repository at repo that hold pattern, as plain text,
 * in files matching glob (or all); NULL and why when it cannot search.
 */
json_t *
code_search(const char *repo, const char *pattern, const char *glob,
    int context, char *err, size_t errlen)
{
	struct search	 s;
	char		 root[PATH_MAX];

	if (realpath(repo, root) == NULL) {
		seterr(err, errlen, "the service's repo_path cannot be read: "
		    "%s", strerror(errno));
		return NULL;
	}
	if (*pattern == '\0') {
		seterr(err, errlen, "the pattern is empty");
		return NULL;
	}
	memset(&s, 0, sizeof s);
	s.root = root;
	s.pattern = pattern;
	s.glob = glob != NULL && *glob != '\0' ? glob : NULL;
	s.context = context < 0 ? 0 : context > 20 ? 20 : context;
	s.matches = json_array();
	s.deadline = mono_ms() + CODE_MS_MAX;
	search_dir(&s, root, "");
	return json_pack("{s:s, s:o, s:I, s:b}", "pattern", pattern,
	    "matches", s.matches, "files_searched", (json_int_t)s.files,
	    "truncated", s.truncated);
}
