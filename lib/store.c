/*
 * store.c -- crash-safe files in the state directory.
 *
 * A file is replaced whole: written to a temporary name, flushed to disk,
 * renamed over the old one, and the directory flushed, so that after a
 * crash at any instant the name holds either the old content or the new,
 * never a mixture. Appends to a log are flushed before they return.
 * Journals, a record a line, are appended to from a buffer and read back
 * a line at a time, a last line cut short by a crash cut off.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "util.h"

/* Write all of buf to fd. */
static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Flush a directory, so that a rename or unlink in it is on disk. */
int
store_sync_dir(const char *dir)
{
	int	 fd, rc;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Make dir (0700) if it is not there. */
int
store_mkdir(const char *dir, char *err, size_t errlen)
{
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		seterr(err, errlen, "cannot create %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Replace dir/name with len bytes of data. With sync unset the file and
 * the directory are not flushed: for what may be lost in a crash.
 */
int
store_put(const char *dir, const char *name, const char *data, size_t len,
    int sync, char *err, size_t errlen)
{
	char	 tmp[4096], path[4096];
	int	 fd;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1) {
		seterr(err, errlen, "cannot write %s: %s", tmp,
		    strerror(errno));
		return -1;
	}
	if (write_all(fd, data, len) == -1 || (sync && fsync(fd) == -1)) {
		seterr(err, errlen, "cannot write %s: %s", tmp,
		    strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) == -1) {
		seterr(err, errlen, "cannot rename %s to %s: %s", tmp, path,
		    strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (sync && store_sync_dir(dir) == -1) {
		seterr(err, errlen, "cannot flush %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Remove dir/name, the directory unflushed; a missing file is fine. */
int
store_unlink(const char *dir, const char *name)
{
	char	 path[4096];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (unlink(path) == -1 && errno != ENOENT)
		return -1;
	return 0;
}

/* Append one line to path and flush it. */
int
store_append(const char *path, const char *line, size_t len, char *err,
    size_t errlen)
{
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0600)) == -1) {
		seterr(err, errlen, "cannot open %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (write_all(fd, line, len) == -1 || fsync(fd) == -1) {
		seterr(err, errlen, "cannot append to %s: %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Read dir/name whole (at most max bytes); NULL with errno set. */
char *
store_get(const char *dir, const char *name, size_t max, size_t *lenp)
{
	char	 path[4096], *s;
	int	 fd, saved;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	s = read_fd(fd, max, lenp);
	saved = errno;
	close(fd);
	errno = saved;
	return s;
}

/*
 * Write what buf holds to fd, which appends; what cannot be written stays
 * in buf for the next try. The bytes written are added to *total. -1 with
 * errno set on an error.
 */
int
store_write_buf(int fd, struct strbuf *buf, size_t *total)
{
	const char	*p = buf->s;
	size_t		 left = buf->len;
	ssize_t		 n;

	while (left > 0) {
		if ((n = write(fd, p, left)) == -1) {
			if (errno == EINTR)
				continue;
			memmove(buf->s, p, left);
			buf->len = left;
			return -1;
		}
		p += n;
		left -= (size_t)n;
		*total += (size_t)n;
	}
	buf->len = 0;
	return 0;
}

/*
 * Read a journal of one record a line, handing each whole line (with its
 * newline) to line(arg, text, len, lineno). A last line cut short by a
 * crash was never acted on: it is reported through warn and cut off the
 * file. *bytes is the size of what was read. A missing file reads as
 * empty. -1 and err when it cannot be read.
 */
int
store_read_lines(const char *path, void (*line)(void *, const char *,
    size_t, size_t), void *arg, void (*warn)(const char *), size_t *bytes,
    char *err, size_t errlen)
{
	FILE	*fp;
	char	*text = NULL, msg[PATH_MAX + 128];
	size_t	 cap = 0, lineno = 0;
	off_t	 off = 0;
	ssize_t	 len;
	int	 fd;

	*bytes = 0;
	if ((fd = open(path, O_RDWR | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		seterr(err, errlen, "cannot read %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if ((fp = fdopen(fd, "r")) == NULL) {
		seterr(err, errlen, "cannot read %s: %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	while ((len = getline(&text, &cap, fp)) != -1) {
		lineno++;
		if (text[len - 1] != '\n') {
			snprintf(msg, sizeof msg, "%s:%zu: a line cut short (a "
			    "crash while it was written) is dropped", path,
			    lineno);
			warn(msg);
			if (ftruncate(fd, off) == -1) {
				snprintf(msg, sizeof msg, "%s: %s", path,
				    strerror(errno));
				warn(msg);
			}
			break;
		}
		off += len;
		line(arg, text, (size_t)len, lineno);
	}
	free(text);
	fclose(fp);
	*bytes = (size_t)off;
	return 0;
}
