/* paths.c -- where the socket, its lock, the pidfile and the state live */

#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paths.h"
#include "util.h"

/* Create every missing directory leading to dir, each 0700. */
static int
mkdir_parents(const char *dir)
{
	char	 tmp[PATH_MAX], *p;

	if (strlcpy(tmp, dir, sizeof tmp) >= sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (p = tmp + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(tmp, 0700) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

/*
 * Make sure dir is a directory we own that nobody else can use, creating it
 * 0700 when asked. A directory others can write could hold someone else's
 * socket; one others can read leaks what we run.
 */
int
paths_check_dir(const char *dir, int create, char *err, size_t errlen)
{
	struct stat	 sb;

	if (create && mkdir_parents(dir) == -1) {
		seterr(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	if (lstat(dir, &sb) == -1) {
		seterr(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		seterr(err, errlen, "%s is not a directory", dir);
		return -1;
	}
	if (sb.st_uid != getuid()) {
		seterr(err, errlen, "unsafe socket directory %s: owned by uid %u, "
		    "not %u", dir, (unsigned)sb.st_uid, (unsigned)getuid());
		return -1;
	}
	if ((sb.st_mode & 077) != 0) {
		seterr(err, errlen, "unsafe socket directory %s: mode %03o lets "
		    "others in; run chmod 700 %s", dir,
		    (unsigned)(sb.st_mode & 0777), dir);
		return -1;
	}
	return 0;
}

/*
 * Choose the control socket: an explicit path, then $TINKR_SOCKET, then
 * $XDG_RUNTIME_DIR/tinkr/tinkrd.sock, then /tmp/tinkr-UID/tinkrd.sock.
 * The directory is created (for the default places) and checked.
 */
int
paths_socket(const char *explicit, char *buf, size_t len, char *err,
    size_t errlen)
{
	const char	*env, *xdg;
	char		 dir[PATH_MAX], *slash;
	int		 n, create = 0;

	if ((env = explicit) == NULL || *env == '\0')
		env = getenv("TINKR_SOCKET");
	if (env != NULL && *env != '\0')
		n = snprintf(buf, len, "%s", env);
	else if ((xdg = getenv("XDG_RUNTIME_DIR")) != NULL && *xdg == '/') {
		n = snprintf(buf, len, "%s/tinkr/tinkrd.sock", xdg);
		create = 1;
	} else {
		n = snprintf(buf, len, "/tmp/tinkr-%u/tinkrd.sock",
		    (unsigned)getuid());
		create = 1;
	}
	if (n < 0 || (size_t)n >= len ||
	    (size_t)n >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		seterr(err, errlen, "socket path too long: %s", buf);
		return -1;
	}
	if (strlcpy(dir, buf, sizeof dir) >= sizeof dir) {
		seterr(err, errlen, "socket path too long: %s", buf);
		return -1;
	}
	if ((slash = strrchr(dir, '/')) == NULL)
		strlcpy(dir, ".", sizeof dir);
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	return paths_check_dir(dir, create, err, errlen);
}

/* Name a file beside the socket: /run/user/1000/tinkr/tinkrd.sock.lock. */
int
paths_sibling(const char *sock, const char *suffix, char *buf, size_t len)
{
	int	 n;

	n = snprintf(buf, len, "%s%s", sock, suffix);
	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

/*
 * Choose the state directory: $TINKR_STATE_DIR, then $XDG_STATE_HOME/tinkr,
 * then ~/.local/state/tinkr; create it 0700.
 */
int
paths_state_dir(char *buf, size_t len, char *err, size_t errlen)
{
	const char	*env, *home;
	int		 n;

	if ((env = getenv("TINKR_STATE_DIR")) != NULL && *env != '\0')
		n = snprintf(buf, len, "%s", env);
	else if ((env = getenv("XDG_STATE_HOME")) != NULL && *env == '/')
		n = snprintf(buf, len, "%s/tinkr", env);
	else if ((home = getenv("HOME")) != NULL && *home == '/')
		n = snprintf(buf, len, "%s/.local/state/tinkr", home);
	else {
		seterr(err, errlen, "no state directory: set TINKR_STATE_DIR "
		    "or HOME");
		return -1;
	}
	if (n < 0 || (size_t)n >= len) {
		seterr(err, errlen, "state directory path too long");
		return -1;
	}
	if (mkdir_parents(buf) == -1) {
		seterr(err, errlen, "cannot create %s: %s", buf, strerror(errno));
		return -1;
	}
	return 0;
}
