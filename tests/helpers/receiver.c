/* receiver.c -- an HTTP server for tests that records every request */

/*
 * usage: receiver -p portfile -l logfile [-r dir] [-s status] [-d ms]
 *	  [-P port]
 *
 * Listens on 127.0.0.1 on a port the kernel picks, or on port with -P,
 * writes that port and a newline to portfile (through portfile.tmp and
 * rename) and serves until SIGTERM or SIGINT.
 *
 * Each complete request is appended to logfile as one line of compact JSON,
 * written with a single write(2) before the answer is queued:
 *
 *	{"method":"POST","path":"/x","query":"a=1","headers":{...},"body":"...",
 *	 "t":1775570463123}
 *
 * Header names are in lower case; a header sent twice has its values joined
 * with ", ". Strings that are not valid UTF-8 have each bad byte replaced
 * with '?'. "t" is when the request had all arrived, in milliseconds since
 * the epoch.
 *
 * The answer, for a request path /P: with -r, if dir/P is a regular file its
 * content with status 200, or, if dir/P.status exists, with the status on
 * its Nth line for the Nth request to /P (the last line once they run out);
 * if only dir/P.status exists, that status with body {}; otherwise the -s
 * status (200 by default) with body {"ok":true}. With -r, if dir/P.headers
 * exists, each of its lines "Name: value" is added as a header to every
 * answer for /P (blank lines and lines without ':' are skipped). Paths
 * containing ".." get 400 and bodies over 2 MiB get 413. With -d every
 * answer waits ms milliseconds, after the request has been logged.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#define BODY_MAX	(2 * 1024 * 1024)

/* One request while its body arrives and it is answered. */
struct request {
	char		*uri;		/* as sent, query string included */
	char		*body;
	size_t		 len;
	size_t		 size;
	int		 started;
	int		 too_large;
};

/* How many requests a path has had. */
struct path_count {
	char			*path;
	unsigned long		 n;
	struct path_count	*next;
};

/* An answer to queue; the body is malloc'd. */
struct reply {
	unsigned int	 status;
	char		*body;
	size_t		 len;
};

static pthread_mutex_t	 lock = PTHREAD_MUTEX_INITIALIZER;
static struct path_count *counts;	/* under lock */
static int		 log_fd = -1;	/* written under lock */
static const char	*reply_dir;
static unsigned int	 default_status = 200;
static long		 delay_ms;

/* Print usage and fail. */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: receiver -p portfile -l logfile [-r dir] "
	    "[-s status] [-d ms] [-P port]\n");
	exit(1);
}

/* Read a whole decimal number in [min, max] or fail. */
static long
number_arg(const char *s, long min, long max)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		errx(1, "bad number: %s", s);
	return v;
}

/* malloc that cannot fail. */
static void *
xmalloc(size_t n)
{
	void	*p;

	if ((p = malloc(n)) == NULL)
		err(1, NULL);
	return p;
}

/* strdup that cannot fail. */
static char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		err(1, NULL);
	return p;
}

/* A new string a followed by b. */
static char *
concat(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b);
	char	*p;

	p = xmalloc(la + lb + 1);
	memcpy(p, a, la);
	memcpy(p + la, b, lb + 1);
	return p;
}

/*
 * The length of the valid UTF-8 sequence at s (n bytes left), or 0 if it is
 * not one: overlong forms, surrogates and values past U+10FFFF are invalid.
 */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t		 len, i;
	uint32_t	 cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/* A JSON string of n bytes at s, with each invalid UTF-8 byte as '?'. */
static json_t *
json_text(const char *s, size_t n)
{
	const unsigned char	*u = (const unsigned char *)s;
	json_t			*j;
	char			*clean;
	size_t			 i, k;

	clean = xmalloc(n + 1);
	for (i = 0; i < n; i += k) {
		if ((k = utf8_len(u + i, n - i)) == 0) {
			clean[i] = '?';
			k = 1;
		} else
			memcpy(clean + i, s + i, k);
	}
	clean[n] = '\0';
	if ((j = json_stringn(clean, n)) == NULL)
		errx(1, "json_stringn failed");
	free(clean);
	return j;
}

/* Add one header to the object in cls, its name in lower case. */
static enum MHD_Result
add_header(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	json_t		*headers = cls, *old;
	char		*name, *joined, *p;

	(void)kind;
	if (value == NULL)
		value = "";
	name = xstrdup(key);
	for (p = name; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);

	if ((old = json_object_get(headers, name)) != NULL) {
		p = concat(json_string_value(old), ", ");
		joined = concat(p, value);
		json_object_set_new(headers, name,
		    json_text(joined, strlen(joined)));
		free(joined);
		free(p);
	} else
		json_object_set_new(headers, name, json_text(value,
		    strlen(value)));
	free(name);
	return MHD_YES;
}

/* Epoch milliseconds. */
static long long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Append the request to the log as one line. */
static void
log_request(struct MHD_Connection *c, const char *method, const char *path,
    const char *query, const struct request *req)
{
	json_t	*o, *headers;
	char	*dump, *line;
	size_t	 len, off;
	ssize_t	 n;
	long long	 t = now_ms();

	headers = json_object();
	MHD_get_connection_values(c, MHD_HEADER_KIND, add_header, headers);
	o = json_object();
	if (o == NULL || headers == NULL)
		errx(1, "out of memory");
	json_object_set_new(o, "method", json_text(method, strlen(method)));
	json_object_set_new(o, "path", json_text(path, strlen(path)));
	json_object_set_new(o, "query", json_text(query, strlen(query)));
	json_object_set_new(o, "headers", headers);
	json_object_set_new(o, "body", json_text(req->body == NULL ? "" :
	    req->body, req->len));
	json_object_set_new(o, "t", json_integer((json_int_t)t));
	if ((dump = json_dumps(o, JSON_COMPACT)) == NULL)
		errx(1, "json_dumps failed");
	json_decref(o);

	len = strlen(dump);
	line = xmalloc(len + 2);
	memcpy(line, dump, len);
	line[len++] = '\n';
	line[len] = '\0';
	free(dump);

	pthread_mutex_lock(&lock);
	for (off = 0; off < len; off += (size_t)n) {
		if ((n = write(log_fd, line + off, len - off)) == -1) {
			if (errno == EINTR) {
				n = 0;
				continue;
			}
			warn("write log");
			break;
		}
	}
	pthread_mutex_unlock(&lock);
	free(line);
}

/* Count a request to path; returns how many it has had, this one too. */
static unsigned long
bump_count(const char *path)
{
	struct path_count	*pc;
	unsigned long		 n;

	pthread_mutex_lock(&lock);
	for (pc = counts; pc != NULL; pc = pc->next) {
		if (strcmp(pc->path, path) == 0)
			break;
	}
	if (pc == NULL) {
		pc = xmalloc(sizeof *pc);
		pc->path = xstrdup(path);
		pc->n = 0;
		pc->next = counts;
		counts = pc;
	}
	n = ++pc->n;
	pthread_mutex_unlock(&lock);
	return n;
}

/*
 * The status on line nth of file (the last line if there are fewer); 0 if
 * the file does not exist or holds no status.
 */
static unsigned int
status_from_file(const char *file, unsigned long nth)
{
	FILE		*f;
	char		*line = NULL, *end;
	size_t		 size = 0;
	unsigned long	 i = 0;
	unsigned int	 status = 0;
	long		 v;

	if ((f = fopen(file, "re")) == NULL) {
		if (errno != ENOENT && errno != ENOTDIR)
			warn("%s", file);
		return 0;
	}
	while (i < nth && getline(&line, &size, f) != -1) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		errno = 0;
		v = strtol(line, &end, 10);
		if (errno != 0 || end == line || *end != '\0' || v < 100 ||
		    v > 599) {
			warnx("%s: bad status: %s", file, line);
			continue;
		}
		status = (unsigned int)v;
		i++;
	}
	free(line);
	fclose(f);
	if (status == 0)
		warnx("%s: no status", file);
	return status;
}

/*
 * Read a regular file whole into rep->body; 0 if it is not one. A file that
 * is there but cannot be read is a 500.
 */
static int
body_from_file(const char *file, struct reply *rep)
{
	struct stat	 sb;
	size_t		 size = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(file, O_RDONLY|O_CLOEXEC)) == -1) {
		if (errno != ENOENT && errno != ENOTDIR && errno != EISDIR)
			warn("%s", file);
		return 0;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return 0;
	}

	rep->status = MHD_HTTP_OK;
	rep->len = 0;
	rep->body = NULL;
	for (;;) {
		if (rep->len == size) {
			size = size == 0 ? 4096 : size * 2;
			if ((rep->body = realloc(rep->body, size)) == NULL)
				err(1, NULL);
		}
		n = read(fd, rep->body + rep->len, size - rep->len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			warn("%s", file);
			rep->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
			rep->len = 0;
			break;
		}
		if (n == 0)
			break;
		rep->len += (size_t)n;
	}
	close(fd);
	return 1;
}

/* Set the answer to the nth request to path from the reply directory. */
static void
choose_reply(const char *path, unsigned long nth, struct reply *rep)
{
	char		*file, *status_file;
	unsigned int	 status;
	int		 found;

	if (*path == '/')
		path++;
	file = concat(reply_dir, "/");
	status_file = concat(file, path);
	free(file);
	file = status_file;
	status_file = concat(file, ".status");

	found = body_from_file(file, rep);
	status = status_from_file(status_file, nth);
	if (status != 0 && (!found || rep->status == MHD_HTTP_OK))
		rep->status = status;
	if (!found && status != 0) {
		rep->body = xstrdup("{}");
		rep->len = 2;
	}
	free(status_file);
	free(file);
}

/*
 * Add to r the headers of dir/P.headers for path /P, one "Name: value" a
 * line, if the file exists.
 */
static void
add_reply_headers(struct MHD_Response *r, const char *path)
{
	FILE		*f;
	char		*file, *base, *line = NULL, *value, *end;
	size_t		 size = 0;

	if (*path == '/')
		path++;
	base = concat(reply_dir, "/");
	file = concat(base, path);
	free(base);
	base = file;
	file = concat(base, ".headers");
	free(base);
	if ((f = fopen(file, "re")) == NULL) {
		if (errno != ENOENT && errno != ENOTDIR)
			warn("%s", file);
		free(file);
		return;
	}
	while (getline(&line, &size, f) != -1) {
		line[strcspn(line, "\r\n")] = '\0';
		if ((value = strchr(line, ':')) == NULL || value == line)
			continue;
		*value++ = '\0';
		while (*value == ' ' || *value == '\t')
			value++;
		end = value + strlen(value);
		while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (MHD_add_response_header(r, line, value) == MHD_NO)
			warnx("%s: cannot add header %s", file, line);
	}
	free(line);
	fclose(f);
	free(file);
}

/* Wait the -d delay. */
static void
delay(void)
{
	struct timespec	 ts;

	ts.tv_sec = delay_ms / 1000;
	ts.tv_nsec = (delay_ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Set a fixed answer. */
static void
fixed_reply(struct reply *rep, unsigned int status, const char *body)
{
	rep->status = status;
	rep->body = xstrdup(body);
	rep->len = strlen(body);
}

/* Log and answer a request whose body has all arrived. */
static enum MHD_Result
answer(struct MHD_Connection *c, const char *url, const char *method,
    struct request *req)
{
	struct MHD_Response	*r;
	struct reply		 rep;
	enum MHD_Result		 ret;
	const char		*query;
	unsigned long		 nth;

	query = strchr(req->uri, '?');
	query = query == NULL ? "" : query + 1;
	log_request(c, method, url, query, req);

	nth = bump_count(url);
	memset(&rep, 0, sizeof rep);
	if (req->too_large)	/* 413: MHD renamed its macro across versions */
		fixed_reply(&rep, 413,
		    "{\"error\":\"body too large\"}");
	else if (strstr(url, "..") != NULL)
		fixed_reply(&rep, MHD_HTTP_BAD_REQUEST,
		    "{\"error\":\"bad path\"}");
	else if (reply_dir != NULL)
		choose_reply(url, nth, &rep);
	if (rep.body == NULL)
		fixed_reply(&rep, default_status, "{\"ok\":true}");

	if (delay_ms > 0)
		delay();

	r = MHD_create_response_from_buffer(rep.len, rep.body,
	    MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(rep.body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "application/json");
	if (reply_dir != NULL && strstr(url, "..") == NULL)
		add_reply_headers(r, url);
	ret = MHD_queue_response(c, rep.status, r);
	MHD_destroy_response(r);
	return ret;
}

/* A new request record for the URI exactly as the client sent it. */
static void *
begin_request(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct request	*req;

	(void)cls;
	(void)c;
	req = xmalloc(sizeof *req);
	memset(req, 0, sizeof *req);
	req->uri = xstrdup(uri);
	return req;
}

/* Free a request record once MHD is done with it. */
static void
end_request(void *cls, struct MHD_Connection *c, void **req_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct request	*req = *req_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (req == NULL)
		return;
	free(req->uri);
	free(req->body);
	free(req);
	*req_cls = NULL;
}

/* Gather the body of a request, then log and answer it. */
static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **req_cls)
{
	struct request	*req = *req_cls;
	size_t		 n = *upload_data_size;

	(void)cls;
	(void)version;

	if (req == NULL)	/* no URI callback; should not happen */
		*req_cls = req = begin_request(NULL, url, c);
	if (!req->started) {
		req->started = 1;
		return MHD_YES;
	}
	if (n == 0)
		return answer(c, url, method, req);

	*upload_data_size = 0;
	if (req->too_large || n > BODY_MAX - req->len) {
		req->too_large = 1;
		return MHD_YES;
	}
	if (req->len + n > req->size) {
		req->size = req->size == 0 ? 4096 : req->size;
		while (req->size < req->len + n)
			req->size *= 2;
		if ((req->body = realloc(req->body, req->size)) == NULL)
			err(1, NULL);
	}
	memcpy(req->body + req->len, upload_data, n);
	req->len += n;
	return MHD_YES;
}

/* Write "port\n" to path by way of path.tmp and rename. */
static void
write_port(const char *path, unsigned int port)
{
	char	*tmp;
	char	 line[16];
	ssize_t	 n;
	int	 fd, len;

	tmp = concat(path, ".tmp");
	len = snprintf(line, sizeof line, "%u\n", port);
	if ((fd = open(tmp, O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0644)) == -1)
		err(1, "%s", tmp);
	n = write(fd, line, (size_t)len);
	if (n == -1)
		err(1, "%s", tmp);
	if (n != len)
		errx(1, "%s: short write", tmp);
	if (close(fd) == -1)
		err(1, "%s", tmp);
	if (rename(tmp, path) == -1)
		err(1, "rename %s", tmp);
	free(tmp);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in		 sin;
	struct MHD_Daemon		*mhd;
	const union MHD_DaemonInfo	*info;
	struct path_count		*pc;
	const char			*portfile = NULL, *logfile = NULL;
	sigset_t			 sigs;
	int				 ch, sig;
	long				 listen_port = 0;

	while ((ch = getopt(argc, argv, "d:l:P:p:r:s:")) != -1) {
		switch (ch) {
		case 'd':
			delay_ms = number_arg(optarg, 0, 3600 * 1000);
			break;
		case 'l':
			logfile = optarg;
			break;
		case 'P':
			listen_port = number_arg(optarg, 1, 65535);
			break;
		case 'p':
			portfile = optarg;
			break;
		case 'r':
			reply_dir = optarg;
			break;
		case 's':
			default_status = (unsigned int)number_arg(optarg, 200,
			    599);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || portfile == NULL || logfile == NULL)
		usage();

	log_fd = open(logfile, O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC, 0644);
	if (log_fd == -1)
		err(1, "%s", logfile);

	/* Block the stop signals here so every MHD thread inherits that. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	if ((errno = pthread_sigmask(SIG_BLOCK, &sigs, NULL)) != 0)
		err(1, "pthread_sigmask");
	signal(SIGPIPE, SIG_IGN);

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)listen_port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

	mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG, 0, NULL, NULL,
	    handle, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
	    MHD_OPTION_URI_LOG_CALLBACK, begin_request, NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, end_request, NULL,
	    MHD_OPTION_END);
	if (mhd == NULL)
		errx(1, "cannot start the HTTP server");
	info = MHD_get_daemon_info(mhd, MHD_DAEMON_INFO_BIND_PORT);
	if (info == NULL || info->port == 0)
		errx(1, "cannot find the listening port");
	write_port(portfile, info->port);

	if ((errno = sigwait(&sigs, &sig)) != 0)
		err(1, "sigwait");
	MHD_stop_daemon(mhd);

	while ((pc = counts) != NULL) {
		counts = pc->next;
		free(pc->path);
		free(pc);
	}
	close(log_fd);
	return 0;
}
