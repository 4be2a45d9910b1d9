/*
 * loop.c -- the daemon's one event loop.
 *
 * Everything waits in one poll(2): the listeners' epoll descriptors and the
 * signal self-pipe. Later, libcurl's sockets and the poll and retry timers
 * join the same wait. Nothing here may block.
 */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tinkrd.h"

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

/* Run until asked to stop. */
void
loop_run(struct tinkrd *d)
{
	struct pollfd	 pfd[2];
	long long	 timeout;

	while (!d->stopping) {
		pfd[0].fd = d->sigfd[0];
		pfd[0].events = POLLIN;
		pfd[1].fd = server_fd(d->unix_srv);
		pfd[1].events = POLLIN;
		timeout = server_timeout(d->unix_srv);
		if (poll(pfd, 2, (int)timeout) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[0].revents & POLLIN)
			loop_signals(d);
		server_run(d->unix_srv);
	}
}
