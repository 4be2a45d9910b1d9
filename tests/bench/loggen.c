/* loggen.c -- write realistic, time-sorted service log lines for benchmarks */

/*
 * usage: loggen [-n lines] [-s seed] [-e error_pct] [-t start_epoch]
 *	      [-r lines_per_sec] [-f json|logfmt|text] [-S service]
 *
 * The same arguments always give the same bytes. JSON lines put a space
 * after each ':' so that grep -c '"level": "error"' counts error lines
 * exactly; no message contains that text.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum format {
	FMT_JSON,
	FMT_LOGFMT,
	FMT_TEXT
};

/* One line's worth of made-up facts. */
struct entry {
	long long	 ms;		/* epoch milliseconds */
	const char	*level;
	const char	*msg;
	const char	*path;
	double		 latency;
	int		 status;
	char		 trace[33];
};

static const char *const error_msgs[] = {
	"card authorization timed out",
	"upstream connect error or disconnect/reset before headers",
	"database query failed: deadlock detected",
	"payment provider returned \"insufficient_funds\" unexpectedly",
	"failed to publish event to queue",
	"unhandled exception in request handler"
};

static const char *const warn_msgs[] = {
	"retrying request to ledger service",
	"slow query on charges table",
	"rate limit close to quota",
	"client sent deprecated API version"
};

static const char *const info_msgs[] = {
	"request completed",
	"charge created",
	"refund issued",
	"customer \"default\" card updated",
	"webhook delivered",
	"session started"
};

static const char *const debug_msgs[] = {
	"cache hit for customer profile",
	"token refreshed",
	"loaded feature flags"
};

static const char *const paths[] = {
	"/v1/charges", "/v1/refunds", "/v1/customers", "/v1/payment_intents",
	"/v1/charges/capture", "/healthz", "/v1/webhooks", "/v1/balance"
};

static uint64_t	rng_state;

/* Next number of a splitmix64 sequence. */
static uint64_t
rng_next(void)
{
	uint64_t	 z;

	z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A uniform double in [0, 1). */
static double
rng_unit(void)
{
	return (double)(rng_next() >> 11) / 9007199254740992.0;
}

/* A uniform integer in [0, n). */
static size_t
rng_below(size_t n)
{
	return (size_t)(rng_unit() * (double)n);
}

/* Print usage and fail. */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: loggen [-n lines] [-s seed] [-e error_pct] "
	    "[-t start_epoch] [-r lines_per_sec] [-f json|logfmt|text] "
	    "[-S service]\n");
	exit(1);
}

/* Read a non-negative number option or fail. */
static double
number_arg(const char *s, double max)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= 0) || v > max) {
		fprintf(stderr, "loggen: bad number: %s\n", s);
		exit(1);
	}
	return v;
}

/* Latency in ms: mostly 20-300, a tail to seconds, worse for errors. */
static double
pick_latency(int error)
{
	double	 u = rng_unit();

	if (error && u < 0.5)
		return 1000 + rng_unit() * 29000;
	if (u < 0.90)
		return 20 + rng_unit() * 280;
	if (u < 0.99)
		return 300 + rng_unit() * 1700;
	return 2000 + rng_unit() * 28000;
}

/* Make up the next entry. */
static void
pick_entry(struct entry *e, double error_pct)
{
	static const int error_status[] = { 500, 502, 503, 504 };
	static const int warn_status[] = { 400, 404, 409, 429 };
	static const int ok_status[] = { 200, 200, 200, 201, 204 };
	double		 u = rng_unit() * 100;
	uint64_t	 a, b;

	if (u < error_pct) {
		e->level = "error";
		e->msg = error_msgs[rng_below(6)];
		e->status = error_status[rng_below(4)];
	} else if (u < error_pct + 5) {
		e->level = "warn";
		e->msg = warn_msgs[rng_below(4)];
		e->status = warn_status[rng_below(4)];
	} else if (u < error_pct + 13) {
		e->level = "debug";
		e->msg = debug_msgs[rng_below(3)];
		e->status = ok_status[rng_below(5)];
	} else {
		e->level = "info";
		e->msg = info_msgs[rng_below(6)];
		e->status = ok_status[rng_below(5)];
	}
	e->latency = pick_latency(e->status >= 500);
	e->path = paths[rng_below(8)];
	a = rng_next();
	b = rng_next();
	snprintf(e->trace, sizeof e->trace, "%016" PRIx64 "%016" PRIx64, a, b);
}

/* Format epoch ms as 2026-04-07T14:01:03.123 (sep between date and time). */
static void
format_time(long long ms, char sep, char *buf, size_t len)
{
	struct tm	 tm;
	time_t		 t = (time_t)(ms / 1000);

	gmtime_r(&t, &tm);
	snprintf(buf, len, "%04d-%02d-%02d%c%02d:%02d:%02d%c%03lld",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, sep, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, sep == 'T' ? '.' : ',', ms % 1000);
}

/* Write a message as a quoted string, escaping quotes. */
static void
put_quoted(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('"');
}

/* Write one entry in a format. */
static void
put_entry(const struct entry *e, enum format fmt, const char *service)
{
	char	 ts[80];

	switch (fmt) {
	case FMT_JSON:
		format_time(e->ms, 'T', ts, sizeof ts);
		printf("{\"ts\": \"%sZ\", \"level\": \"%s\", \"service\": ", ts,
		    e->level);
		put_quoted(service);
		fputs(", \"msg\": ", stdout);
		put_quoted(e->msg);
		printf(", \"latency_ms\": %.1f, \"status\": %d, "
		    "\"trace_id\": \"%s\", \"path\": \"%s\"}\n", e->latency,
		    e->status, e->trace, e->path);
		break;
	case FMT_LOGFMT:
		format_time(e->ms, 'T', ts, sizeof ts);
		printf("ts=%sZ level=%s service=%s msg=", ts, e->level,
		    service);
		put_quoted(e->msg);
		printf(" latency_ms=%.1f status=%d trace_id=%s path=%s\n",
		    e->latency, e->status, e->trace, e->path);
		break;
	case FMT_TEXT:
		format_time(e->ms, ' ', ts, sizeof ts);
		printf("%s %s [%s] %s latency_ms=%.1f status=%d trace_id=%s "
		    "path=%s\n", ts, e->level[0] == 'e' ? "ERROR" :
		    e->level[0] == 'w' ? "WARN" : e->level[0] == 'd' ?
		    "DEBUG" : "INFO", service, e->msg, e->latency, e->status,
		    e->trace, e->path);
		break;
	}
}

/* Write the lines the options ask for. */
int
main(int argc, char **argv)
{
	static char	 obuf[1 << 16];
	struct entry	 e;
	enum format	 fmt = FMT_JSON;
	const char	*service = "payments-api";
	double		 error_pct = 2, rate = 100, step_us;
	long long	 n = 1000, i, start = 1775570463, now_us;
	uint64_t	 seed = 1;
	int		 ch;

	while ((ch = getopt(argc, argv, "n:s:e:t:r:f:S:")) != -1) {
		switch (ch) {
		case 'n':
			n = (long long)number_arg(optarg, 1e12);
			break;
		case 's':
			seed = (uint64_t)number_arg(optarg, 1e18);
			break;
		case 'e':
			error_pct = number_arg(optarg, 100);
			break;
		case 't':
			start = (long long)number_arg(optarg, 253402300799.0);
			break;
		case 'r':
			rate = number_arg(optarg, 1e9);
			if (rate == 0)
				usage();
			break;
		case 'f':
			if (strcmp(optarg, "json") == 0)
				fmt = FMT_JSON;
			else if (strcmp(optarg, "logfmt") == 0)
				fmt = FMT_LOGFMT;
			else if (strcmp(optarg, "text") == 0)
				fmt = FMT_TEXT;
			else
				usage();
			break;
		case 'S':
			service = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
	rng_state = seed;
	step_us = 1e6 / rate;
	now_us = start * 1000000;
	for (i = 0; i < n; i++) {
		/* Gaps average 1/rate and never go back in time. */
		now_us += (long long)(rng_unit() * 2 * step_us);
		pick_entry(&e, error_pct);
		e.ms = now_us / 1000;
		put_entry(&e, fmt, service);
	}
	if (fflush(stdout) == EOF || ferror(stdout)) {
		perror("loggen: stdout");
		return 1;
	}
	return 0;
}
