/* exporter.c -- a tiny Prometheus exporter whose counters grow steadily */

/*
 * usage: exporter -p portfile
 *
 * Listens on 127.0.0.1 on a port the kernel picks, writes that port and a
 * newline to portfile (through portfile.tmp and rename, so a reader never
 * sees half of it) and serves GET /metrics until SIGTERM or SIGINT.
 *
 * Every value is worked out from t, the seconds since the exporter started
 * on the monotonic clock: a counter with rate r reads floor(r * t), so two
 * scrapes a second apart differ by about r. Gauges are constant.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#ifndef nitems
#define nitems(a)	(sizeof (a) / sizeof (a)[0])
#endif

/* One series of http_requests_total. */
struct request_series {
	const char	*service;
	const char	*status;
	double		 rate;
};

/* One service's http_request_duration_seconds histogram. */
struct histogram {
	const char	*service;
	double		 buckets[7];	/* cumulative rates, one per bound */
	double		 count;
	double		 sum;
};

/* One series of queue_depth. */
struct gauge {
	const char	*service;
	long long	 value;
};

static const struct request_series requests[] = {
	{ "payments-api",	"200",	50 },
	{ "payments-api",	"500",	5 },
	{ "payments-api",	"503",	1 },
	{ "checkout",		"200",	20 }
};

static const char *const bounds[] = {
	"0.1", "0.25", "0.5", "1", "2.5", "5", "+Inf"
};

static const struct histogram histograms[] = {
	{ "payments-api", { 45, 50, 52, 53, 54, 56, 56 }, 56, 30 },
	{ "checkout", { 18, 20, 20, 20, 20, 20, 20 }, 20, 2 }
};

static const struct gauge queue_depths[] = {
	{ "payments-api",	42 },
	{ "checkout",		3 }
};

static struct timespec	started;

/* Print usage and fail. */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: exporter -p portfile\n");
	exit(1);
}

/* Seconds since the exporter started, on the monotonic clock. */
static double
elapsed(void)
{
	struct timespec	 now;

	if (clock_gettime(CLOCK_MONOTONIC, &now) == -1)
		err(1, "clock_gettime");
	return (double)(now.tv_sec - started.tv_sec) +
	    (double)(now.tv_nsec - started.tv_nsec) / 1e9;
}

/* A counter with the given rate at time t: floor(rate * t), as t >= 0. */
static long long
counter(double rate, double t)
{
	return (long long)(rate * t);
}

/*
 * Write the whole exposition for time t into a new buffer; its length goes
 * in *len. The caller frees it.
 */
static char *
render(double t, size_t *len)
{
	const struct request_series	*rs;
	const struct histogram		*h;
	char				*buf = NULL;
	FILE				*f;
	size_t				 i, j;

	if ((f = open_memstream(&buf, len)) == NULL)
		err(1, "open_memstream");

	fprintf(f, "# HELP http_requests_total "
	    "HTTP requests served, by service and status code.\n");
	fprintf(f, "# TYPE http_requests_total counter\n");
	for (i = 0; i < nitems(requests); i++) {
		rs = &requests[i];
		fprintf(f, "http_requests_total{service=\"%s\",status=\"%s\"} "
		    "%lld\n", rs->service, rs->status, counter(rs->rate, t));
	}

	fprintf(f, "# HELP http_request_duration_seconds "
	    "How long HTTP requests took, by service.\n");
	fprintf(f, "# TYPE http_request_duration_seconds histogram\n");
	for (i = 0; i < nitems(histograms); i++) {
		h = &histograms[i];
		for (j = 0; j < nitems(bounds); j++) {
			fprintf(f, "http_request_duration_seconds_bucket"
			    "{service=\"%s\",le=\"%s\"} %lld\n", h->service,
			    bounds[j], counter(h->buckets[j], t));
		}
		fprintf(f, "http_request_duration_seconds_sum"
		    "{service=\"%s\"} %lld\n", h->service, counter(h->sum, t));
		fprintf(f, "http_request_duration_seconds_count"
		    "{service=\"%s\"} %lld\n", h->service,
		    counter(h->count, t));
	}

	fprintf(f, "# HELP queue_depth Jobs waiting in the queue, by service.\n");
	fprintf(f, "# TYPE queue_depth gauge\n");
	for (i = 0; i < nitems(queue_depths); i++) {
		fprintf(f, "queue_depth{service=\"%s\"} %lld\n",
		    queue_depths[i].service, queue_depths[i].value);
	}

	if (ferror(f) || fclose(f) != 0)
		errx(1, "out of memory");
	return buf;
}

/* Queue a short plain-text answer. */
static enum MHD_Result
send_text(struct MHD_Connection *c, unsigned int status, const char *text)
{
	struct MHD_Response	*r;
	enum MHD_Result		 ret;

	r = MHD_create_response_from_buffer(strlen(text), (void *)text,
	    MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Answer one request: the metrics on GET /metrics, 404 elsewhere. */
static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **req_cls)
{
	static int		 seen;
	struct MHD_Response	*r;
	enum MHD_Result		 ret;
	char			*body;
	size_t			 len;

	(void)cls;
	(void)version;
	(void)upload_data;

	/* Wait for the whole request, ignoring any body. */
	if (*req_cls == NULL) {
		*req_cls = &seen;
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		*upload_data_size = 0;
		return MHD_YES;
	}

	if (strcmp(url, "/metrics") != 0)
		return send_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return send_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "method not allowed\n");

	body = render(elapsed(), &len);
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/plain; version=0.0.4");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* Write "port\n" to path by way of path.tmp and rename. */
static void
write_port(const char *path, unsigned int port)
{
	char	*tmp = NULL;
	char	 line[16];
	size_t	 tlen;
	ssize_t	 n;
	int	 fd, len;

	tlen = strlen(path) + sizeof ".tmp";
	if ((tmp = malloc(tlen)) == NULL)
		err(1, NULL);
	snprintf(tmp, tlen, "%s.tmp", path);

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
	const char			*portfile = NULL;
	sigset_t			 sigs;
	int				 ch, sig;

	while ((ch = getopt(argc, argv, "p:")) != -1) {
		switch (ch) {
		case 'p':
			portfile = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || portfile == NULL)
		usage();

	if (clock_gettime(CLOCK_MONOTONIC, &started) == -1)
		err(1, "clock_gettime");

	/* Block the stop signals here so every MHD thread inherits that. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	if ((errno = pthread_sigmask(SIG_BLOCK, &sigs, NULL)) != 0)
		err(1, "pthread_sigmask");
	signal(SIGPIPE, SIG_IGN);

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

	mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_ERROR_LOG, 0, NULL, NULL, handle, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
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
	return 0;
}
