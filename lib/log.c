/* log.c -- stderr in the foreground, syslog once daemonised */

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int		 log_foreground = 1;
static int		 log_verbose;
static int		 log_nowhere;	/* daemonised, and no syslog daemon */
static const char	*log_procname = "tinkr";

/*
 * Whether a syslog daemon listens on /dev/log. Without one, syslog(3)
 * tries to connect again at every message: a socket and a failed connect
 * a line, for nothing.
 */
static int
syslog_listens(void)
{
	struct sockaddr_un	 sun;
	int			 fd, ok;

	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", _PATH_LOG);
	ok = connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0;
	close(fd);
	return ok;
}

/*
 * Choose the destination: foreground processes log to stderr, daemons to
 * syslog when a syslog daemon listens, and nowhere otherwise.
 */
void
log_init(int foreground, const char *procname)
{
	log_foreground = foreground;
	log_procname = procname;
	log_nowhere = 0;
	if (!foreground) {
		if (syslog_listens())
			openlog(procname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
		else
			log_nowhere = 1;
	}
	tzset();
}

/* Turn debug messages on or off. */
void
log_setverbose(int v)
{
	log_verbose = v;
}

/* Write one message at a syslog priority, with an optional errno text. */
static void __attribute__((format(printf, 3, 0)))
vlog(int pri, const char *emsg, const char *fmt, va_list ap)
{
	char	 msg[1024];

	if (log_nowhere)
		return;
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (log_foreground) {
		if (emsg != NULL)
			fprintf(stderr, "%s: %s: %s\n", log_procname, msg, emsg);
		else
			fprintf(stderr, "%s: %s\n", log_procname, msg);
		fflush(stderr);
	} else if (emsg != NULL)
		syslog(pri, "%s: %s", msg, emsg);
	else
		syslog(pri, "%s", msg);
}

/* Warn, adding the text of errno. */
void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	vlog(LOG_ERR, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
}

/* Warn without errno. */
void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, NULL, fmt, ap);
	va_end(ap);
}

/* Report normal operation. */
void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, NULL, fmt, ap);
	va_end(ap);
}

/* Report detail, only when verbose. */
void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, NULL, fmt, ap);
	va_end(ap);
}

/* Log with errno and stop the process. */
void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	vlog(LOG_CRIT, strerror(saved), fmt, ap);
	va_end(ap);
	exit(1);
}

/* Log and stop the process. */
void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}
