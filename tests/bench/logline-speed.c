/* logline-speed.c -- how fast log_parse goes through a whole log file */

/*
 * usage: logline-speed [-f auto|json|logfmt|text] [-r repeat] file
 *
 * Maps the file, splits it into lines with memchr, parses each one and
 * sums the errors and the latency_ms field, as a log source would. Prints
 * the counts and the best of the repeats in lines/s and MB/s (10^6 bytes).
 */

#include <sys/mman.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "logline.h"

/* What one pass over the file found. */
struct tally {
	size_t		 lines;
	size_t		 errors;
	size_t		 malformed;
	size_t		 latencies;
	double		 latency_sum;
	long long	 last_ts;
};

/* Seconds on the monotonic clock. */
static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Parse every line of a buffer. */
static void
scan(const char *p, size_t len, enum log_format fmt, struct tally *t)
{
	static struct log_rec	 rec;
	const char		*end = p + len, *nl;
	double			 d;

	memset(t, 0, sizeof *t);
	while (p < end) {
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			nl = end;
		t->lines++;
		if (log_parse(p, nl - p, fmt, &rec) == -1)
			t->malformed++;
		else {
			t->errors += rec.is_error;
			if (rec.ts_ms != -1)
				t->last_ts = rec.ts_ms;
			if (log_field_number(log_field_get(&rec, "latency_ms"),
			    &d) == 0) {
				t->latency_sum += d;
				t->latencies++;
			}
		}
		p = nl + 1;
	}
}

/* Time log_parse over a whole file. */
int
main(int argc, char **argv)
{
	struct tally	 t;
	struct stat	 st;
	enum log_format	 fmt = LOG_AUTO;
	const char	*map;
	double		 start, best = 0, secs;
	int		 fd, ch, i, repeat = 1;

	while ((ch = getopt(argc, argv, "f:r:")) != -1) {
		switch (ch) {
		case 'f':
			if (log_format_parse(optarg, &fmt) == -1)
				goto usage;
			break;
		case 'r':
			if ((repeat = atoi(optarg)) < 1)
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	if (optind + 1 != argc)
		goto usage;

	if ((fd = open(argv[optind], O_RDONLY)) == -1 || fstat(fd, &st) == -1) {
		perror(argv[optind]);
		return 1;
	}
	if (st.st_size == 0) {
		fprintf(stderr, "%s: empty\n", argv[optind]);
		return 1;
	}
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd,
	    0);
	if (map == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (i = 0; i < repeat; i++) {
		start = now();
		scan(map, st.st_size, fmt, &t);
		secs = now() - start;
		if (i == 0 || secs < best)
			best = secs;
	}
	printf("lines %zu errors %zu malformed %zu latencies %zu "
	    "mean_latency_ms %.3f last_ts %lld\n", t.lines, t.errors,
	    t.malformed, t.latencies, t.latencies ? t.latency_sum /
	    t.latencies : 0.0, t.last_ts);
	printf("%.3f s  %.0f lines/s  %.1f MB/s  %.1f ns/line\n", best,
	    t.lines / best, st.st_size / best / 1e6, best * 1e9 / t.lines);
	munmap((void *)map, st.st_size);
	close(fd);
	return 0;

usage:
	fprintf(stderr, "usage: logline-speed [-f auto|json|logfmt|text] "
	    "[-r repeat] file\n");
	return 1;
}
