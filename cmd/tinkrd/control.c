/* control.c -- the control socket and the pidfile that guards it */

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <libutil.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
#include "paths.h"
#include "tinkrd.h"
#include "util.h"

/*
 * Take the pidfile lock, then claim the socket: if a daemon answers on it,
 * refuse to start a second one; if nothing answers, the socket is stale
 * and is removed. Bind and listen with the socket only usable by us.
 */
int
control_listen(struct tinkrd *d, char *err, size_t errlen)
{
	struct sockaddr_un	 sun;
	struct stat		 sb;
	pid_t			 other;
	mode_t			 mask;
	int			 fd;

	if (paths_sibling(d->sock, ".pid", d->pidpath, sizeof d->pidpath) == -1) {
		seterr(err, errlen, "socket path too long: %s", d->sock);
		return -1;
	}
	d->pfh = pidfile_open(d->pidpath, 0600, &other);
	if (d->pfh == NULL) {
		if (errno == EEXIST)
			seterr(err, errlen, "already running (pid %ld) on %s",
			    (long)other, d->sock);
		else
			seterr(err, errlen, "%s: %s", d->pidpath,
			    strerror(errno));
		return -1;
	}
	if ((fd = http_unix_connect(d->sock)) != -1) {
		close(fd);
		seterr(err, errlen, "another daemon answers on %s", d->sock);
		goto fail;
	}
	if (errno != ENOENT && errno != ECONNREFUSED) {
		seterr(err, errlen, "%s: %s", d->sock, strerror(errno));
		goto fail;
	}
	if (lstat(d->sock, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode)) {
			seterr(err, errlen, "%s exists and is not a socket; "
			    "remove it or choose another path", d->sock);
			goto fail;
		}
		if (unlink(d->sock) == 0)
			d->stale = 1;
	}

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, d->sock, sizeof sun.sun_path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1) {
		seterr(err, errlen, "socket: %s", strerror(errno));
		goto fail;
	}
	mask = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		umask(mask);
		seterr(err, errlen, "bind %s: %s", d->sock, strerror(errno));
		close(fd);
		goto fail;
	}
	umask(mask);
	if (listen(fd, 128) == -1) {
		seterr(err, errlen, "listen %s: %s", d->sock, strerror(errno));
		close(fd);
		unlink(d->sock);
		goto fail;
	}
	d->listenfd = fd;
	return 0;

fail:
	pidfile_remove(d->pfh);
	d->pfh = NULL;
	return -1;
}

/* Remove the socket and the pidfile on the way out. */
void
control_cleanup(struct tinkrd *d)
{
	struct stat	 sb;

	if (d->listenfd != -1 && lstat(d->sock, &sb) == 0 &&
	    S_ISSOCK(sb.st_mode))
		unlink(d->sock);
	if (d->pfh != NULL) {
		pidfile_remove(d->pfh);
		d->pfh = NULL;
	}
}
