/* rawhttp.c -- a scripted HTTP server for tests that answers raw bytes */

/*
 * usage: rawhttp -p portfile -l logfile -a dir
 *
 * Listens on 127.0.0.1 on a port the kernel picks, writes that port and a
 * newline to portfile (through portfile.tmp and rename) and serves, one
 * thread polling every connection, until SIGTERM or SIGINT.
 *
 * Connections are numbered 1, 2, 3... in the order they are accepted, and
 * requests 1, 2, 3... in the order they arrive, whatever their connection.
 * A request is its head, up to the first empty line (CRLF CRLF), and then
 * as many bytes of body as its Content-Length says (none without one;
 * chunked requests are not understood). For each request N:
 *
 *  - its head (the request line and the headers, each line ended by "\n"
 *    instead of CRLF) is written to the file logfile.N;
 *  - then one line is appended to logfile with a single write(2):
 *
 *	n=N conn=C POST /path HTTP/1.1 | body
 *
 *    where the body has each CR and LF turned into a space;
 *  - then it is answered, as dir says:
 *	dir/N.drop	exists: the connection is closed at once, unanswered;
 *	dir/N.hold	exists: it is never answered, the connection stays
 *			open (until the client closes it);
 *	dir/N		the answer: its bytes are written as they are, so
 *			they can be any status line, headers, chunks, 1xx
 *			answers, garbage or half an answer;
 *	dir/default	the answer when dir/N does not exist; when neither
 *			does, "HTTP/1.1 200 OK" with Content-Length: 0;
 *	dir/N.close, dir/default.close
 *			either exists: the connection is closed once the
 *			answer is written;
 *	dir/N.delay, dir/default.delay
 *			hold a number of milliseconds to wait before
 *			answering (the first found counts); other
 *			connections are served meanwhile.
 *    These files are looked at when the request has arrived, so a test
 *    may write them between two requests.
 *
 * A connection not closed after its answer is read for more requests
 * (keep-alive); requests sent before the answer (pipelined) wait their
 * turn. Each file is read as it is needed; nothing is cached. A file of
 * dir that cannot be read, or a .delay that is not a number, stops the
 * server with an error: the test has a mistake.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define REQUEST_MAX	(4 * 1024 * 1024)	/* head and body */
#define ANSWER_MAX	(64 * 1024 * 1024)	/* a file of dir */
#define READ_SIZE	(64 * 1024)

/* What a connection is doing. */
enum { S_READ, S_DELAY, S_WRITE, S_HOLD };

struct conn {
	int		 fd;
	unsigned long	 num;
	int		 state;
	char		*in;		/* bytes read and not yet handled */
	size_t		 inlen;
	size_t		 insize;
	char		*out;		/* the answer being written */
	size_t		 outlen;
	size_t		 sent;
	int		 close_after;
	long long	 due;		/* S_DELAY: when to answer, mono ms */
	struct conn	*next;
};

static const char	*log_path;
static const char	*answer_dir;
static int		 log_fd = -1;
static int		 sig_pipe[2] = { -1, -1 };
static unsigned long	 nconns;
static unsigned long	 nrequests;
static struct conn	*conns;

/* Print usage and fail. */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: rawhttp -p portfile -l logfile -a dir\n");
	exit(1);
}

/* malloc that cannot fail. */
static void *
xmalloc(size_t n)
{
	void	*p;

	if ((p = malloc(n == 0 ? 1 : n)) == NULL)
		err(1, NULL);
	return p;
}

/* Monotonic milliseconds. */
static long long
mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Write all of buf to fd, or fail. */
static void
write_all(int fd, const char *buf, size_t len, const char *what)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "%s", what);
		}
		buf += n;
		len -= (size_t)n;
	}
}

/* Write the port and a newline to path, through path.tmp and rename. */
static void
write_port(const char *path, unsigned int port)
{
	char	 tmp[PATH_MAX], line[16];
	int	 fd, len;

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
		errx(1, "%s: path too long", path);
	len = snprintf(line, sizeof line, "%u\n", port);
	if ((fd = open(tmp, O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0644)) == -1)
		err(1, "%s", tmp);
	write_all(fd, line, (size_t)len, tmp);
	if (close(fd) == -1)
		err(1, "%s", tmp);
	if (rename(tmp, path) == -1)
		err(1, "rename %s", tmp);
}

/* The path dir/<n><suffix>, or dir/default<suffix> when n is 0. */
static void
answer_path(char *buf, size_t len, unsigned long n, const char *suffix)
{
	int	 r;

	if (n == 0)
		r = snprintf(buf, len, "%s/default%s", answer_dir, suffix);
	else
		r = snprintf(buf, len, "%s/%lu%s", answer_dir, n, suffix);
	if (r < 0 || (size_t)r >= len)
		errx(1, "%s: path too long", answer_dir);
}

/* Whether dir/<n><suffix> exists. */
static int
answer_has(unsigned long n, const char *suffix)
{
	char	 path[PATH_MAX];

	answer_path(path, sizeof path, n, suffix);
	return access(path, F_OK) == 0;
}

/*
 * The bytes of dir/<n><suffix>, in a new buffer, and their length in
 * *len; NULL when the file does not exist.
 */
static char *
answer_read(unsigned long n, const char *suffix, size_t *len)
{
	struct stat	 st;
	char		 path[PATH_MAX], *buf;
	size_t		 got = 0;
	ssize_t		 r;
	int		 fd;

	answer_path(path, sizeof path, n, suffix);
	if ((fd = open(path, O_RDONLY|O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return NULL;
		err(1, "%s", path);
	}
	if (fstat(fd, &st) == -1)
		err(1, "%s", path);
	if (!S_ISREG(st.st_mode) || st.st_size > ANSWER_MAX)
		errx(1, "%s: not a regular file of at most %d bytes", path,
		    ANSWER_MAX);
	buf = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		if ((r = read(fd, buf + got, (size_t)st.st_size - got)) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "%s", path);
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	*len = got;
	return buf;
}

/* The milliseconds in dir/N.delay or dir/default.delay; 0 for none. */
static long
answer_delay(unsigned long n)
{
	char	 path[PATH_MAX], *s, *end;
	size_t	 len;
	long	 ms;

	if ((s = answer_read(n, ".delay", &len)) == NULL &&
	    (s = answer_read(n = 0, ".delay", &len)) == NULL)
		return 0;
	errno = 0;
	ms = strtol(s, &end, 10);
	while (*end == '\n' || *end == '\r' || *end == ' ')
		end++;
	if (errno != 0 || end == s || *end != '\0' || ms < 0 ||
	    ms > 3600 * 1000) {
		answer_path(path, sizeof path, n, ".delay");
		errx(1, "%s: not a number of milliseconds", path);
	}
	free(s);
	return ms;
}

/* Where the empty line that ends a head starts in s, or NULL. */
static const char *
head_end(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i + 4 <= len; i++)
		if (memcmp(s + i, "\r\n\r\n", 4) == 0)
			return s + i;
	return NULL;
}

/* The Content-Length of a head of len bytes; 0 without one. */
static size_t
content_length(const char *head, size_t len)
{
	static const char	 name[] = "content-length:";
	const char		*line, *eol, *end = head + len;
	unsigned long long	 v = 0;

	/* The head is followed by CRLF CRLF: eol + 2 stays in the buffer. */
	for (line = head; line < end; line = eol + 2) {
		if ((eol = memchr(line, '\r', (size_t)(end - line))) == NULL)
			eol = end;
		if ((size_t)(eol - line) < sizeof name - 1 ||
		    strncasecmp(line, name, sizeof name - 1) != 0)
			continue;
		line += sizeof name - 1;
		while (line < eol && (*line == ' ' || *line == '\t'))
			line++;
		for (v = 0; line < eol && *line >= '0' && *line <= '9'; line++)
			if ((v = v * 10 + (unsigned)(*line - '0')) >
			    REQUEST_MAX)
				return (size_t)REQUEST_MAX + 1;
	}
	return (size_t)v;
}

/* Close a connection and free it. */
static void
conn_free(struct conn *c)
{
	struct conn	**pp;

	for (pp = &conns; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
}

/*
 * Write what is left of c's answer; then close c or read on. Returns 0
 * when c was closed.
 */
static int
conn_write(struct conn *c)
{
	ssize_t	 n;

	while (c->sent < c->outlen) {
		n = send(c->fd, c->out + c->sent, c->outlen - c->sent,
		    MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 1;
		if (n == -1) {
			conn_free(c);
			return 0;
		}
		c->sent += (size_t)n;
	}
	free(c->out);
	c->out = NULL;
	c->outlen = c->sent = 0;
	if (c->close_after) {
		conn_free(c);
		return 0;
	}
	c->state = S_READ;
	return 1;
}

/* Start writing c's answer, now or after its delay. */
static int
conn_answer(struct conn *c, unsigned long n)
{
	static const char	 builtin[] =
	    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	long			 delay;

	if ((c->out = answer_read(n, "", &c->outlen)) == NULL &&
	    (c->out = answer_read(0, "", &c->outlen)) == NULL) {
		c->outlen = sizeof builtin - 1;
		c->out = xmalloc(c->outlen);
		memcpy(c->out, builtin, c->outlen);
	}
	c->sent = 0;
	c->close_after = answer_has(n, ".close") || answer_has(0, ".close");
	if ((delay = answer_delay(n)) > 0) {
		c->state = S_DELAY;
		c->due = mono_ms() + delay;
		return 1;
	}
	c->state = S_WRITE;
	return conn_write(c);
}

/* Record request n: its head to logfile.N, then a line to logfile. */
static void
log_request(struct conn *c, unsigned long n, const char *head,
    size_t headlen, const char *body, size_t bodylen)
{
	char	 path[PATH_MAX], *buf, *p;
	size_t	 i, linelen;
	int	 fd, r;

	r = snprintf(path, sizeof path, "%s.%lu", log_path, n);
	if (r < 0 || (size_t)r >= sizeof path)
		errx(1, "%s: path too long", log_path);
	buf = xmalloc(headlen + 1);
	for (i = 0, p = buf; i < headlen; i++)
		if (!(head[i] == '\r' && i + 1 < headlen &&
		    head[i + 1] == '\n'))
			*p++ = head[i];
	*p++ = '\n';
	if ((fd = open(path, O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC,
	    0644)) == -1)
		err(1, "%s", path);
	write_all(fd, buf, (size_t)(p - buf), path);
	close(fd);
	free(buf);

	if ((p = memchr(head, '\r', headlen)) != NULL)
		linelen = (size_t)(p - head);
	else
		linelen = headlen;
	buf = xmalloc(64 + linelen + bodylen);
	r = snprintf(buf, 64, "n=%lu conn=%lu ", n, c->num);
	p = buf + r;
	memcpy(p, head, linelen);
	p += linelen;
	memcpy(p, " | ", 3);
	p += 3;
	for (i = 0; i < bodylen; i++)
		*p++ = body[i] == '\r' || body[i] == '\n' ? ' ' : body[i];
	*p++ = '\n';
	write_all(log_fd, buf, (size_t)(p - buf), log_path);
	free(buf);
}

/*
 * Handle the whole requests c has read while it is free to answer.
 * Returns 0 when c was closed.
 */
static int
conn_requests(struct conn *c)
{
	const char	*end;
	size_t		 headlen, bodylen, total;
	unsigned long	 n;

	while (c->state == S_READ) {
		if ((end = head_end(c->in, c->inlen)) == NULL) {
			if (c->inlen > REQUEST_MAX) {
				warnx("connection %lu: a head over %d bytes",
				    c->num, REQUEST_MAX);
				conn_free(c);
				return 0;
			}
			return 1;
		}
		headlen = (size_t)(end - c->in);
		bodylen = content_length(c->in, headlen);
		if (bodylen > REQUEST_MAX) {
			warnx("connection %lu: a body over %d bytes", c->num,
			    REQUEST_MAX);
			conn_free(c);
			return 0;
		}
		total = headlen + 4 + bodylen;
		if (c->inlen < total)
			return 1;
		n = ++nrequests;
		log_request(c, n, c->in, headlen, c->in + headlen + 4,
		    bodylen);
		memmove(c->in, c->in + total, c->inlen - total);
		c->inlen -= total;
		if (answer_has(n, ".drop")) {
			conn_free(c);
			return 0;
		}
		if (answer_has(n, ".hold")) {
			c->state = S_HOLD;
			return 1;
		}
		if (!conn_answer(c, n))
			return 0;
	}
	return 1;
}

/* Read what has come on c. Returns 0 when c was closed. */
static int
conn_read(struct conn *c)
{
	ssize_t	 n;

	for (;;) {
		if (c->insize - c->inlen < READ_SIZE) {
			c->insize = c->inlen + READ_SIZE;
			if ((c->in = realloc(c->in, c->insize)) == NULL)
				err(1, NULL);
		}
		n = recv(c->fd, c->in + c->inlen, c->insize - c->inlen, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			/* The client closed it, or it broke. */
			conn_free(c);
			return 0;
		}
		c->inlen += (size_t)n;
		if (c->inlen > 2 * (size_t)REQUEST_MAX) {
			warnx("connection %lu: too much unanswered", c->num);
			conn_free(c);
			return 0;
		}
	}
	return conn_requests(c);
}

/* Accept every connection waiting on the listening socket. */
static void
accept_all(int s)
{
	struct conn	*c, **pp;
	int		 fd;

	for (;;) {
		if ((fd = accept(s, NULL, NULL)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == ECONNABORTED)
				return;
			err(1, "accept");
		}
		if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) ==
		    -1 || fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
			err(1, "fcntl");
		c = xmalloc(sizeof *c);
		memset(c, 0, sizeof *c);
		c->fd = fd;
		c->num = ++nconns;
		c->state = S_READ;
		/* At the end of the list: served in accept order. */
		for (pp = &conns; *pp != NULL; pp = &(*pp)->next)
			;
		*pp = c;
	}
}

/* SIGTERM and SIGINT: wake the loop through the pipe. */
static void
on_signal(int sig)
{
	int	 save = errno;
	char	 b = (char)sig;

	if (write(sig_pipe[1], &b, 1) == -1) {
		/* The pipe is full: the loop is woken already. */
	}
	errno = save;
}

/* Serve until a stop signal. */
static void
serve(int s)
{
	struct pollfd	*pfd = NULL;
	struct conn	*c, *next, **byslot = NULL;
	size_t		 cap = 0, n, i;
	long long	 now, wait;
	int		 timeout;

	for (;;) {
		n = 2;
		for (c = conns; c != NULL; c = c->next)
			n++;
		if (n > cap) {
			cap = n * 2;
			if ((pfd = reallocarray(pfd, cap, sizeof *pfd)) ==
			    NULL || (byslot = reallocarray(byslot, cap,
			    sizeof *byslot)) == NULL)
				err(1, NULL);
		}
		pfd[0].fd = sig_pipe[0];
		pfd[0].events = POLLIN;
		pfd[1].fd = s;
		pfd[1].events = POLLIN;
		timeout = -1;
		now = mono_ms();
		for (i = 2, c = conns; c != NULL; c = c->next, i++) {
			byslot[i] = c;
			pfd[i].fd = c->fd;
			pfd[i].events = POLLIN;
			if (c->state == S_WRITE)
				pfd[i].events |= POLLOUT;
			if (c->state == S_DELAY) {
				wait = c->due > now ? c->due - now : 0;
				if (timeout == -1 || wait < timeout)
					timeout = (int)wait;
			}
		}
		if (poll(pfd, n, timeout) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "poll");
		}
		if (pfd[0].revents & POLLIN)
			break;
		/* Each connection in turn; one may close itself meanwhile. */
		for (i = 2; i < n; i++) {
			c = byslot[i];
			if ((pfd[i].revents & POLLOUT) && c->state == S_WRITE &&
			    (!conn_write(c) || !conn_requests(c)))
				continue;
			if ((pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
			    !conn_read(c))
				continue;
		}
		now = mono_ms();
		for (c = conns; c != NULL; c = next) {
			next = c->next;
			if (c->state != S_DELAY || c->due > now)
				continue;
			c->state = S_WRITE;
			if (conn_write(c))
				conn_requests(c);
		}
		if (pfd[1].revents & POLLIN)
			accept_all(s);
	}
	free(pfd);
	free(byslot);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in	 sin;
	struct sigaction	 sa;
	struct conn		*c;
	socklen_t		 len;
	const char		*portfile = NULL;
	int			 ch, s, one = 1;

	while ((ch = getopt(argc, argv, "a:l:p:")) != -1) {
		switch (ch) {
		case 'a':
			answer_dir = optarg;
			break;
		case 'l':
			log_path = optarg;
			break;
		case 'p':
			portfile = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || portfile == NULL || log_path == NULL ||
	    answer_dir == NULL)
		usage();

	log_fd = open(log_path, O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC, 0644);
	if (log_fd == -1)
		err(1, "%s", log_path);

	if (pipe(sig_pipe) == -1)
		err(1, "pipe");
	fcntl(sig_pipe[1], F_SETFL, O_NONBLOCK);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1)
		err(1, "sigaction");
	signal(SIGPIPE, SIG_IGN);

	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		err(1, "socket");
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = 0;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&sin, sizeof sin) == -1)
		err(1, "bind");
	if (listen(s, 128) == -1)
		err(1, "listen");
	if (fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK) == -1 ||
	    fcntl(s, F_SETFD, FD_CLOEXEC) == -1)
		err(1, "fcntl");
	len = sizeof sin;
	if (getsockname(s, (struct sockaddr *)&sin, &len) == -1)
		err(1, "getsockname");
	write_port(portfile, ntohs(sin.sin_port));

	serve(s);

	while ((c = conns) != NULL)
		conn_free(c);
	close(s);
	close(log_fd);
	return 0;
}
