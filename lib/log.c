/* log.c -- stderr in the foreground, syslog once daemonised */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static int		 log_foreground = 1;
static int		 log_verbose;
static const char	*log_procname = "tinkr";

/* Choose the destination: foreground processes log to stderr. */
void
log_init(int foreground, const char *procname)
{
	log_foreground = foreground;
	log_procname = procname;
	if (!foreground)
		openlog(procname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
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
