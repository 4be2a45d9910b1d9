/*
 * loop.c -- the daemon's one event loop.
 *
 * Everything waits in one poll(2): the listeners' epoll descriptors, the
 * fetcher's (outbound HTTP) and the signal self-pipe. Source jobs (a scan of a large log) run in slices of
 * JOB_SLICE_MS between two polls. Nothing here may block for longer.
 */

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "fetch.h"
#include "log.h"
#include "tinkrd.h"

/* How long source jobs may run between two looks at the sockets. */
#define JOB_SLICE_MS	20

/* Act on the signals the handlers wrote to the self-pipe. */
static void
loop_signals(struct tinkrd *d)
{
	unsigned char	 sig[16];
	char		 err[1024];
	ssize_t		 n, i;

	while ((n = read(d->sigfd[0], sig, sizeof sig)) > 0) {
		for (i = 0; i < n; i++) {
			switch (sig[i]) {
			case SIGHUP:
				log_info("SIGHUP: reloading the configuration");
				if (tinkrd_reload(d, err, sizeof err) == -1)
					log_warnx("reload failed, keeping the "
					    "running configuration: %s", err);
				break;
			case SIGCHLD:
				deliver_reap(d);
				break;
			case SIGTERM:
			case SIGINT:
				log_info("%s: stopping", sig[i] == SIGTERM ?
				    "SIGTERM" : "SIGINT");
				d->stopping = 1;
				break;
			}
		}
	}
}

/* The sooner of two poll timeouts, where -1 is none. */
static long long
sooner(long long a, long long b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

/* Run until asked to stop. */
void
loop_run(struct tinkrd *d)
{
	struct pollfd	 pfd[4];
	long long	 timeout;
	int		 busy = 0, resumed = 0, jobs_busy;

	while (!d->stopping) {
		pfd[0].fd = d->sigfd[0];
		pfd[0].events = POLLIN;
		pfd[1].fd = server_fd(d->unix_srv);
		pfd[1].events = POLLIN;
		pfd[2].fd = fetcher_fd(d->fetcher);
		pfd[2].events = POLLIN;
		pfd[3].fd = d->tcp_srv != NULL ? server_fd(d->tcp_srv) : -1;
		pfd[3].events = POLLIN;
		/* A resumed request is served by the next run, not an event. */
		if (busy || resumed)
			timeout = 0;
		else
			timeout = sooner(sooner(server_timeout(d->unix_srv),
			    fetcher_timeout(d->fetcher)), sooner(
			    watches_timeout(d), deliver_timeout(d)));
		if (d->tcp_srv != NULL && !busy && !resumed)
			timeout = sooner(timeout, server_timeout(d->tcp_srv));
		if (timeout > INT_MAX)
			timeout = INT_MAX;
		if (poll(pfd, 4, (int)timeout) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[0].revents & POLLIN)
			loop_signals(d);
		fetcher_run(d->fetcher);
		server_run(d->unix_srv);
		if (d->tcp_srv != NULL)
			server_run(d->tcp_srv);
		resumed = 0;
		busy = watches_run(d, JOB_SLICE_MS);
		deliver_run(d);
		if (d->pending != NULL) {
			resumed = server_jobs_run(d, JOB_SLICE_MS, &jobs_busy) >
			    0;
			busy |= jobs_busy;
		}
	}
	server_jobs_cancel(d);
}
