/*
 * local.c -- the embedded default source: a service's own log files.
 *
 * Each service keeps, across requests, the files its globs match (by
 * device and inode, so rotation is seen), how far each has been read, and
 * a day of one-minute buckets: line and error counts and a histogram of
 * latency. A detection reads only the bytes appended since the last one and
 * sums the buckets of its window. A cold start seeks by binary search to
 * the window's first line in a time-sorted file instead of reading all that
 * comes before it.
 *
 * Work is done in slices (local_step) so the daemon's loop stays free.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "anomaly.h"
#include "config.h"
#include "logline.h"
#include "query.h"
#include "rule.h"
#include "slo.h"
#include "source.h"
#include "util.h"

#define BUCKET_SECS	60
#define NBUCKETS	1440			/* a day of minutes */
#define RETENTION	((long long)NBUCKETS * BUCKET_SECS)
#define HIST_SUB	8			/* bins per power of two */
#define HIST_BINS	(1 + 32 * HIST_SUB)
#define CHUNK		(128 * 1024)	/* read size: stays in the L2 cache */
#define SEEK_BLOCK	(64 * 1024)
#define MAX_FILES	256
#define SPLIT_MIN	(16 * 1024 * 1024)	/* a range worth two threads */

/* Default rules, as on the reference page. */
#define ERRORS_THRESHOLD	10
#define ERRORS_HIGH		50
#define P99_THRESHOLD_MS	1000

/* Counts of values in bins a power of two split in HIST_SUB parts. */
struct hist {
	uint32_t	*n;		/* HIST_BINS counts, or NULL when empty */
	double		*sum;		/* the sum of each bin's values */
	uint32_t	 count;
};

/* What one rule counted in a minute. */
struct rstat {
	uint32_t	 matches;
	struct hist	 h;		/* quantile rules: the field's values */
};

/* One minute of a service's lines. */
struct bucket {
	long long	 start;		/* epoch seconds; -1 when unused */
	uint32_t	 lines;
	uint32_t	 errors;
	struct hist	 lat;		/* latency_ms, when no rules are set */
	struct rstat	*rs;		/* per rule, or NULL */
};

/* One log file as far as it has been read. */
struct lfile {
	char		*path;
	dev_t		 dev;
	ino_t		 ino;
	off_t		 head;		/* first byte counted */
	long long	 head_time;	/* the time head was sought for */
	off_t		 off;		/* next byte to read */
	unsigned char	 tail[32];	/* the bytes just before off */
	size_t		 ntail;
	int		 seen;		/* matched by this round's globs */
};

/* What is kept of one service between requests. */
struct lsvc {
	char			*key;		/* "profile/service" */
	char			*sig;		/* the globs and format it counts */
	struct lfile		*files;
	size_t			 nfiles;
	struct bucket		 ring[NBUCKETS];
	size_t			 nrules;	/* what each bucket's rs holds */
	long long		 skipped;	/* malformed, binary, too long */
	long long		 lines;
	struct local_job	*owner;		/* the job reading it now */
	json_t			*recent;	/* the last detect answer */
	long long		 recent_ms;	/* when: monotonic ms */
	long long		 recent_now;	/* its source_params */
	long long		 recent_window;
	char			 recent_text[16];
};

/*
 * A watch's check (recent_ok) asked within RECENT_MS of another detect of
 * the same service, window and second takes that one's answer: as if it
 * had started up to that much earlier, well within how late a check may
 * start. Watches of one service due together (after a restart, say) then
 * read and judge the log once. A person's request always reads the log.
 */
#define RECENT_MS	100

struct local_state {
	struct lsvc	**svcs;
	size_t		  nsvcs;
};

/* A range of one file to read. */
struct work {
	size_t		 file;		/* index into the job's paths */
	dev_t		 dev;		/* which file, for detect and metrics */
	ino_t		 ino;
	off_t		 from;
	off_t		 to;
	int		 sought;	/* from came from a time search */
	int		 helper;	/* read by the helper thread */
};

/*
 * A cold read of a large range is split in two: the second half is
 * counted by a helper thread into buckets of its own, which are added to
 * the service's once it is done. The hand-off needs no lock: the thread
 * touches only its own reader and buckets and what the job does not
 * change while it runs (format, rules, queries), and says it is done
 * through one atomic flag before the loop joins it.
 */
struct helper {
	pthread_t	 thread;
	struct local_job *job;
	struct work	 w;
	char		*path;
	struct lsvc	*svc;		/* its own buckets */
	off_t		 end;		/* where its reading stopped */
	long long	 scanned;
	int		 error;		/* errno of a failed read, or 0 */
	int		 done;		/* atomic: set when finished */
	int		 stop;		/* atomic: asked to stop early */
};

/* A log entry for SOURCE_LOGS, with what orders it. */
struct entry {
	long long	 ts_ms;		/* its time, or the last one before it */
	size_t		 seq;		/* in reading order */
	json_t		*json;
};

/* Reads a range of a file line by line in chunks. */
struct reader {
	int		 fd;
	off_t		 pos;		/* file offset of buf[0] */
	off_t		 end;
	char		*buf;
	size_t		 len;		/* bytes in buf */
	size_t		 at;		/* next unread byte in buf */
	int		 skip_first;	/* drop up to the first newline */
	int		 overlong;	/* inside a line longer than allowed */
	long long	 dropped;	/* lines too long to keep, so far */
};

struct local_job {
	struct local_state	*st;
	struct lsvc		*svc;		/* while this job owns it */
	int			 counts;	/* detect or metrics: uses buckets */
	char			*key;		/* "profile/service" */
	char			*sig;		/* its globs, format and rules */
	struct helper		*helper;	/* a running helper thread */
	int			 helper_tried;
	struct rule		*rules;		/* the service's own rules */
	size_t			 nrules;
	struct query		**rq;		/* each rule's query, or NULL */
	char			*profile;
	char			*service;
	char			**globs;
	size_t			 nglobs;
	enum log_format		 fmt;
	struct source_params	 p;
	char			*query_text;
	char			*metric;
	long long		 slo_window;	/* slo: the window asked for */
	size_t			 nvisible;	/* rules that are not slo_* */
	long			 slo_total;	/* rule index, or -1 */
	long			 slo_errors;
	struct query		*query;
	int			 phase;
	char			**paths;	/* logs: the files, in order */
	size_t			 npaths;
	struct work		*work;
	size_t			 nwork;
	size_t			 wat;
	struct reader		 rd;
	int			 reading;
	struct entry		*entries;	/* logs: a ring per file */
	size_t			 nentries;
	size_t			 ring_at;
	struct entry		*matched;	/* logs: collected entries */
	size_t			 nmatched;
	size_t			 seq;
	long long		 last_ts;	/* of the file's last timed line */
	long long		 scanned;
	int			 status;
	char			 err[512];
	json_t			*result;
};

enum { PHASE_PLAN, PHASE_READ, PHASE_DONE };

static void	lsvc_free(struct lsvc *);
static void	job_fail(struct local_job *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* Stop the job with an HTTP status and a reason. */
static void
job_fail(struct local_job *job, int status, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(job->err, sizeof job->err, fmt, ap);
	va_end(ap);
	job->status = status;
	job->phase = PHASE_DONE;
}

/* --- buckets and histograms ---------------------------------------------- */

/* The histogram bin of a value (milliseconds, or any unit). */
static int
hist_bin(double v)
{
	int	 e, sub;
	double	 frac;

	if (!(v >= 1))
		return 0;
	frac = frexp(v, &e);		/* v = frac * 2^e, frac in [0.5, 1) */
	e -= 1;
	if (e >= 32)
		return HIST_BINS - 1;
	sub = (int)((frac * 2 - 1) * HIST_SUB);
	return 1 + e * HIST_SUB + sub;
}

/* Count a value into a histogram, making it on first use. */
static void
hist_add(struct hist *h, double v)
{
	int	 bin = hist_bin(v);

	if (h->n == NULL) {
		h->n = xcalloc(HIST_BINS, sizeof *h->n);
		h->sum = xcalloc(HIST_BINS, sizeof *h->sum);
	}
	h->n[bin]++;
	h->sum[bin] += v;
	h->count++;
}

/* Empty a histogram, keeping its memory. */
static void
hist_clear(struct hist *h)
{
	if (h->n != NULL) {
		memset(h->n, 0, HIST_BINS * sizeof *h->n);
		memset(h->sum, 0, HIST_BINS * sizeof *h->sum);
	}
	h->count = 0;
}

/* Free a histogram's memory. */
static void
hist_free(struct hist *h)
{
	free(h->n);
	free(h->sum);
}

/* The bucket for a time, cleared if it held an older minute; or NULL. */
static struct bucket *
bucket_for(struct lsvc *svc, long long ts)
{
	struct bucket	*b;
	long long	 start = ts - ((ts % BUCKET_SECS) + BUCKET_SECS) %
			     BUCKET_SECS;
	size_t		 i;

	b = &svc->ring[(start / BUCKET_SECS) % NBUCKETS];
	if (b->start == start)
		return b;
	if (b->start > start)
		return NULL;
	b->start = start;
	b->lines = b->errors = 0;
	hist_clear(&b->lat);
	for (i = 0; b->rs != NULL && i < svc->nrules; i++) {
		b->rs[i].matches = 0;
		hist_clear(&b->rs[i].h);
	}
	return b;
}

/* Count a line into the rules it matches. */
static void
count_rules(struct local_job *job, struct bucket *b, const struct log_rec *rec)
{
	const struct log_field	*f;
	const struct rule	*r;
	struct rstat		*rs;
	size_t			 i;
	double			 v;

	for (i = 0; i < job->nrules; i++) {
		r = &job->rules[i];
		if (job->rq[i] != NULL && !query_match(job->rq[i], rec))
			continue;
		if (b->rs == NULL)
			b->rs = xcalloc(job->nrules, sizeof *b->rs);
		rs = &b->rs[i];
		rs->matches++;
		if (r->kind == RULE_QUANTILE &&
		    (f = log_field_get(rec, r->field)) != NULL &&
		    log_field_number(f, &v) == 0)
			hist_add(&rs->h, v);
	}
}

/* Count one line into a service's buckets. */
static void
count_line(struct local_job *job, struct lsvc *svc, const char *line,
    size_t len)
{
	const struct log_field	*f;
	struct log_rec		 rec;
	struct bucket		*b;
	long long		 ts;
	double			 v;

	if (log_parse(line, len, job->fmt, &rec) == -1) {
		svc->skipped++;
		return;
	}
	ts = rec.ts_ms >= 0 ? rec.ts_ms / 1000 : job->p.now;
	if (ts <= job->p.now - RETENTION || ts > job->p.now + RETENTION)
		return;
	if ((b = bucket_for(svc, ts)) == NULL)
		return;
	svc->lines++;
	b->lines++;
	if (rec.is_error)
		b->errors++;
	if (job->nrules > 0) {
		count_rules(job, b, &rec);
		return;
	}
	if ((f = log_field_get(&rec, "latency_ms")) == NULL)
		f = log_field_get(&rec, "duration_ms");
	if (f != NULL && log_field_number(f, &v) == 0 && v >= 0)
		hist_add(&b->lat, v);
}

/* Totals of a window: lines, errors, matches and one histogram. */
struct sums {
	double		 lines;
	double		 errors;
	double		 matches;	/* of the rule asked about */
	double		 count;		/* values in the histogram */
	uint64_t	 n[HIST_BINS];
	double		 sum[HIST_BINS];
};

/* Add a bucket's histogram into the sums. */
static void
sums_hist(struct sums *s, const struct hist *h)
{
	int	 i;

	if (h->n == NULL)
		return;
	s->count += h->count;
	for (i = 0; i < HIST_BINS; i++) {
		s->n[i] += h->n[i];
		s->sum[i] += h->sum[i];
	}
}

/*
 * Add up the buckets from since to now: the latency histogram, or with
 * rule >= 0 that rule's matches and histogram.
 */
static void
window_sums(struct lsvc *svc, long long now, long long since, long rule,
    struct sums *s)
{
	struct bucket	*b;
	long long	 t;

	memset(s, 0, sizeof *s);
	for (t = since - ((since % BUCKET_SECS) + BUCKET_SECS) % BUCKET_SECS;
	    t <= now; t += BUCKET_SECS) {
		b = &svc->ring[(t / BUCKET_SECS) % NBUCKETS];
		if (b->start != t)
			continue;
		s->lines += b->lines;
		s->errors += b->errors;
		if (rule < 0)
			sums_hist(s, &b->lat);
		else if (b->rs != NULL) {
			s->matches += b->rs[rule].matches;
			sums_hist(s, &b->rs[rule].h);
		}
	}
}

/*
 * The q-quantile of a window's values, -1 when there are none: the mean
 * of the histogram bin it falls in, exact when that bin holds one value
 * and within an eighth of a power of two otherwise.
 */
static double
quantile(const struct sums *s, double q)
{
	double		 rank, seen = 0;
	int		 i;

	if (s->count == 0)
		return -1;
	rank = ceil(q * s->count);
	for (i = 0; i < HIST_BINS; i++) {
		seen += s->n[i];
		if (seen >= rank && s->n[i] > 0)
			return s->sum[i] / s->n[i];
	}
	return -1;
}

/* --- reading files ------------------------------------------------------- */

/* The first timestamp of a line starting in a block, or -1. */
static long long
block_time(const char *buf, size_t len, int skip_first, enum log_format fmt)
{
	const char	*p = buf, *end = buf + len, *nl;
	struct log_rec	 rec;

	if (skip_first) {
		if ((nl = memchr(p, '\n', len)) == NULL)
			return -1;
		p = nl + 1;
	}
	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (log_parse(p, (size_t)(nl - p), fmt, &rec) == 0 &&
		    rec.ts_ms >= 0)
			return rec.ts_ms;
		p = nl + 1;
	}
	return -1;
}

/*
 * In a time-sorted file, find an offset at or before the first line at or
 * after t (ms): a binary search reading one block per probe.
 */
static off_t
seek_time(int fd, off_t size, long long t, enum log_format fmt)
{
	char		*buf;
	off_t		 lo = 0, hi = size, mid;
	ssize_t		 n;
	long long	 ts;

	buf = xmalloc(SEEK_BLOCK);
	while (hi - lo > SEEK_BLOCK) {
		mid = lo + (hi - lo) / 2;
		if ((n = pread(fd, buf, SEEK_BLOCK, mid)) <= 0)
			break;
		if ((ts = block_time(buf, (size_t)n, 1, fmt)) == -1)
			break;
		if (ts < t)
			lo = mid;
		else
			hi = mid;
	}
	free(buf);
	return lo;
}

/* Start reading [from, to) of an open file. */
static void
reader_open(struct reader *rd, int fd, off_t from, off_t to)
{
	char	 c;

	rd->fd = fd;
	rd->pos = from;
	rd->end = to;
	rd->len = rd->at = 0;
	rd->overlong = 0;
	rd->skip_first = from > 0 && (pread(fd, &c, 1, from - 1) != 1 ||
	    c != '\n');
	if (rd->buf == NULL)
		rd->buf = xmalloc(CHUNK + LOG_MAXLINE);
}

/*
 * The next complete line; 1 when one is returned, 0 at the end of the
 * range, -1 on a read error. A last line without its newline is left for
 * the next read; *consumed is the offset after the last line returned.
 */
static int
reader_line(struct reader *rd, const char **line, size_t *len, off_t *consumed)
{
	char	*nl;
	size_t	 keep, want;
	ssize_t	 n;

	for (;;) {
		nl = memchr(rd->buf + rd->at, '\n', rd->len - rd->at);
		if (nl != NULL) {
			*line = rd->buf + rd->at;
			*len = (size_t)(nl - *line);
			rd->at = (size_t)(nl - rd->buf) + 1;
			*consumed = rd->pos + (off_t)rd->at;
			if (rd->skip_first || rd->overlong) {
				rd->dropped += rd->overlong;
				rd->skip_first = rd->overlong = 0;
				continue;
			}
			return 1;
		}
		/* Keep the partial line, unless it is already too long. */
		keep = rd->len - rd->at;
		if (keep > LOG_MAXLINE) {
			rd->overlong = 1;
			keep = 0;
		}
		memmove(rd->buf, rd->buf + rd->at, keep);
		rd->pos += (off_t)(rd->len - keep);
		rd->len = keep;
		rd->at = 0;
		if (rd->pos + (off_t)rd->len >= rd->end)
			return 0;
		want = CHUNK;
		if ((off_t)want > rd->end - rd->pos - (off_t)rd->len)
			want = (size_t)(rd->end - rd->pos - (off_t)rd->len);
		n = pread(rd->fd, rd->buf + rd->len, want,
		    rd->pos + (off_t)rd->len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? 0 : -1;
		rd->len += (size_t)n;
	}
}

/* --- planning: which bytes of which files to read ------------------------ */

/* Add a range of the job's last path to read. */
static void
work_add(struct local_job *job, const struct stat *sb, off_t from, off_t to,
    int sought)
{
	if (from >= to)
		return;
	job->work = xreallocarray(job->work, job->nwork + 1, sizeof *job->work);
	job->work[job->nwork].file = job->npaths - 1;
	job->work[job->nwork].dev = sb->st_dev;
	job->work[job->nwork].ino = sb->st_ino;
	job->work[job->nwork].from = from;
	job->work[job->nwork].to = to;
	job->work[job->nwork].sought = sought;
	job->work[job->nwork].helper = 0;
	job->nwork++;
}

/*
 * Add a range to count; the first range large enough is cut in two at a
 * line boundary, the second half for the helper thread.
 */
static void
work_add_split(struct local_job *job, int fd, const struct stat *sb,
    off_t from, off_t to)
{
	char	 buf[4096], *nl;
	off_t	 mid;
	ssize_t	 n;
	size_t	 i;

	for (i = 0; i < job->nwork; i++)
		if (job->work[i].helper)
			break;
	if (to - from < SPLIT_MIN || i < job->nwork) {
		work_add(job, sb, from, to, 0);
		return;
	}
	mid = from + (to - from) / 2;
	while ((n = pread(fd, buf, sizeof buf, mid)) > 0) {
		if ((nl = memchr(buf, '\n', (size_t)n)) != NULL) {
			mid += nl - buf + 1;
			work_add(job, sb, from, mid, 0);
			work_add(job, sb, mid, to, 0);
			job->work[job->nwork - 1].helper = 1;
			return;
		}
		mid += n;
	}
	work_add(job, sb, from, to, 0);
}

/* Expand the service's globs; -1 (job failed) when nothing matches. */
static int
expand_globs(struct local_job *job, glob_t *g)
{
	size_t	 i;
	int	 flags = 0, rc;

	memset(g, 0, sizeof *g);
	for (i = 0; i < job->nglobs; i++) {
		rc = glob(job->globs[i], flags, NULL, g);
		if (rc != 0 && rc != GLOB_NOMATCH) {
			job_fail(job, 502, "cannot expand %s", job->globs[i]);
			return -1;
		}
		flags = GLOB_APPEND;
	}
	if (g->gl_pathc == 0) {
		job_fail(job, 502, "no log files match %s%s for service '%s'",
		    job->globs[0], job->nglobs > 1 ? " (and more)" : "",
		    job->service);
		return -1;
	}
	if (g->gl_pathc > MAX_FILES) {
		job_fail(job, 502, "%zu files match the logs of service '%s' "
		    "(at most %d)", (size_t)g->gl_pathc, job->service, MAX_FILES);
		return -1;
	}
	return 0;
}

/* Open a path for reading, failing the job with its name if it cannot. */
static int
open_log(struct local_job *job, const char *path, struct stat *sb)
{
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, sb) == -1) {
		job_fail(job, 502, "cannot read %s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (!S_ISREG(sb->st_mode)) {
		close(fd);
		job_fail(job, 502, "%s is not a regular file", path);
		return -1;
	}
	return fd;
}

/*
 * Was the file truncated (and perhaps written again) since it was read?
 * Shorter than what was read, or the bytes before the read offset are no
 * longer those that were there.
 */
static int
truncated(int fd, const struct stat *sb, const struct lfile *f)
{
	unsigned char	 now[sizeof f->tail];

	if (sb->st_size < f->off)
		return 1;
	if (f->ntail == 0)
		return 0;
	return pread(fd, now, f->ntail, f->off - (off_t)f->ntail) !=
	    (ssize_t)f->ntail || memcmp(now, f->tail, f->ntail) != 0;
}

/* Remember where a file was read to, and the bytes just before it. */
static void
lfile_advance(struct lfile *f, int fd, off_t off)
{
	ssize_t	 n;

	f->off = off;
	f->ntail = (size_t)(off < (off_t)sizeof f->tail ? off :
	    (off_t)sizeof f->tail);
	n = pread(fd, f->tail, f->ntail, off - (off_t)f->ntail);
	if (n != (ssize_t)f->ntail)
		f->ntail = 0;
}

/* Was this file already matched by an earlier glob of the service? */
static int
matched_before(dev_t *devs, ino_t *inos, size_t *n, const struct stat *sb)
{
	size_t	 i;

	for (i = 0; i < *n; i++)
		if (devs[i] == sb->st_dev && inos[i] == sb->st_ino)
			return 1;
	devs[*n] = sb->st_dev;
	inos[(*n)++] = sb->st_ino;
	return 0;
}

/* Does a file hold timestamps? Its last block is asked. */
static int
has_times(int fd, off_t size, enum log_format fmt)
{
	char		*buf;
	off_t		 at = size > SEEK_BLOCK ? size - SEEK_BLOCK : 0;
	ssize_t		 n;
	int		 yes = 0;

	buf = xmalloc(SEEK_BLOCK);
	if ((n = pread(fd, buf, SEEK_BLOCK, at)) > 0)
		yes = block_time(buf, (size_t)n, at > 0, fmt) != -1;
	free(buf);
	return yes;
}

/* The service's file known by device and inode, or NULL. */
static struct lfile *
lfile_find(struct lsvc *svc, dev_t dev, ino_t ino)
{
	size_t	 i;

	for (i = 0; i < svc->nfiles; i++)
		if (svc->files[i].dev == dev && svc->files[i].ino == ino)
			return &svc->files[i];
	return NULL;
}

/*
 * Detect and metrics: reconcile the service's files with what the globs
 * match now, and plan to read what is new -- appended bytes, a cold start
 * sought by time, or an older stretch a wider window now needs.
 */
static void
plan_counts(struct local_job *job)
{
	struct lsvc	*svc = job->svc;
	struct lfile	*f, *kept;
	struct stat	 sb;
	glob_t		 g;
	dev_t		 devs[MAX_FILES];
	ino_t		 inos[MAX_FILES];
	long long	 want;
	size_t		 i, nkept = 0, nseen = 0;
	off_t		 start;
	int		 fd;

	if (expand_globs(job, &g) == -1)
		return;
	want = job->p.now - (job->p.window < RETENTION ? job->p.window :
	    RETENTION);
	for (i = 0; i < svc->nfiles; i++)
		svc->files[i].seen = 0;
	job->paths = xcalloc(g.gl_pathc, sizeof *job->paths);
	for (i = 0; i < g.gl_pathc; i++) {
		if ((fd = open_log(job, g.gl_pathv[i], &sb)) == -1)
			break;
		if (matched_before(devs, inos, &nseen, &sb)) {
			close(fd);
			continue;
		}
		if ((f = lfile_find(svc, sb.st_dev, sb.st_ino)) == NULL) {
			svc->files = xreallocarray(svc->files, svc->nfiles + 1,
			    sizeof *svc->files);
			f = &svc->files[svc->nfiles++];
			memset(f, 0, sizeof *f);
			f->dev = sb.st_dev;
			f->ino = sb.st_ino;
			/*
			 * Lines without a time count when they are read: of
			 * a file that has none, only what comes next counts.
			 */
			if (has_times(fd, sb.st_size, job->fmt))
				f->head = f->off = seek_time(fd, sb.st_size,
				    want * 1000, job->fmt);
			else
				f->head = f->off = sb.st_size;
			f->head_time = want;
		}
		free(f->path);
		f->path = xstrdup(g.gl_pathv[i]);
		f->seen = 1;
		job->paths[job->npaths++] = xstrdup(f->path);
		if (truncated(fd, &sb, f)) {
			f->head = f->off = 0;
			f->ntail = 0;
			f->head_time = want;
		}
		if (want < f->head_time && f->head > 0) {
			start = seek_time(fd, f->head, want * 1000, job->fmt);
			work_add(job, &sb, start, f->head, 1);
			f->head = start;
			f->head_time = want;
		}
		work_add_split(job, fd, &sb, f->off, sb.st_size);
		close(fd);
	}
	globfree(&g);
	if (job->phase == PHASE_DONE)
		return;
	/* Forget files no longer matched (deleted or rotated away). */
	kept = svc->files;
	for (i = 0; i < svc->nfiles; i++) {
		if (svc->files[i].seen)
			kept[nkept++] = svc->files[i];
		else
			free(svc->files[i].path);
	}
	svc->nfiles = nkept;
	job->phase = PHASE_READ;
}

/* Logs: plan to read each file from the first line of the window. */
static void
plan_logs(struct local_job *job)
{
	struct stat	 sb;
	glob_t		 g;
	dev_t		 devs[MAX_FILES];
	ino_t		 inos[MAX_FILES];
	size_t		 i, nseen = 0;
	off_t		 start;
	int		 fd;

	if (expand_globs(job, &g) == -1)
		return;
	job->paths = xcalloc(g.gl_pathc, sizeof *job->paths);
	for (i = 0; i < g.gl_pathc; i++) {
		if ((fd = open_log(job, g.gl_pathv[i], &sb)) == -1)
			break;
		if (matched_before(devs, inos, &nseen, &sb)) {
			close(fd);
			continue;
		}
		job->paths[job->npaths++] = xstrdup(g.gl_pathv[i]);
		start = seek_time(fd, sb.st_size,
		    (job->p.now - job->p.window) * 1000, job->fmt);
		work_add(job, &sb, start, sb.st_size, 1);
		close(fd);
	}
	globfree(&g);
	if (job->phase != PHASE_DONE)
		job->phase = PHASE_READ;
}

/* --- log entries ---------------------------------------------------------- */

/* A field's text, unescaped, as a new JSON string. */
static json_t *
text_json(const char *s, size_t len, int quoted)
{
	char	 buf[8192];

	log_unescape(s, len, quoted, buf, sizeof buf);
	return json_stringn_nocheck(buf, strnlen(buf, sizeof buf - 1));
}

/* One matching line as a log entry. */
static json_t *
entry_json(struct local_job *job, const struct log_rec *rec, const char *path)
{
	json_t	*j, *level, *msg;
	char	 ts[32];

	if (rec->ts_ms >= 0)
		format_time_iso(rec->ts_ms / 1000, ts, sizeof ts);
	level = rec->level != NULL ? text_json(rec->level, rec->levellen, 1) :
	    json_null();
	msg = rec->msg != NULL ? text_json(rec->msg, rec->msglen,
	    rec->msg_quoted) : text_json(rec->line, rec->len, 0);
	j = json_pack("{s:o, s:o, s:o, s:s, s:s}",
	    "timestamp", rec->ts_ms >= 0 ? json_string(ts) : json_null(),
	    "level", level,
	    "message", msg,
	    "service", job->service,
	    "file", path);
	return j;
}

/*
 * Keep a matching line among the newest of its file. A line without a
 * time takes the time of the line before it, for --since and for order.
 */
static void
collect_line(struct local_job *job, const char *line, size_t len,
    const char *path)
{
	struct log_rec	 rec;
	struct entry	*e;
	long long	 ts;

	if (log_parse(line, len, job->fmt, &rec) == -1)
		return;
	if (rec.ts_ms >= 0)
		job->last_ts = rec.ts_ms;
	ts = job->last_ts;
	if (ts >= 0 && ts < (job->p.now - job->p.window) * 1000)
		return;
	if (job->query != NULL && !query_match(job->query, &rec))
		return;
	e = &job->entries[job->ring_at];
	json_decref(e->json);
	e->json = entry_json(job, &rec, path);
	e->ts_ms = ts;
	e->seq = job->seq++;
	job->ring_at = (job->ring_at + 1) % job->p.limit;
	if (job->nentries < job->p.limit)
		job->nentries++;
}

/* Move one file's ring of entries into the collected list. */
static void
flush_entries(struct local_job *job)
{
	size_t	 i, at;

	at = (job->ring_at + job->p.limit - job->nentries) % job->p.limit;
	job->matched = xreallocarray(job->matched, job->nmatched +
	    job->nentries, sizeof *job->matched);
	for (i = 0; i < job->nentries; i++) {
		job->matched[job->nmatched++] =
		    job->entries[(at + i) % job->p.limit];
		job->entries[(at + i) % job->p.limit].json = NULL;
	}
	job->nentries = job->ring_at = 0;
	job->last_ts = -1;
}

/* Order entries by time, then by the order they were read. */
static int
entry_cmp(const void *a, const void *b)
{
	const struct entry	*ea = a, *eb = b;

	if (ea->ts_ms != eb->ts_ms)
		return ea->ts_ms < eb->ts_ms ? -1 : 1;
	return ea->seq < eb->seq ? -1 : ea->seq > eb->seq;
}

/* The newest limit entries of all files, oldest first, as JSON. */
static json_t *
entries_json(struct local_job *job)
{
	json_t	*arr = json_array();
	size_t	 i, from;

	if (job->nmatched > 1)
		qsort(job->matched, job->nmatched, sizeof *job->matched,
		    entry_cmp);
	from = job->nmatched > job->p.limit ? job->nmatched - job->p.limit : 0;
	for (i = from; i < job->nmatched; i++)
		json_array_append(arr, job->matched[i].json);
	return arr;
}

/* --- running ------------------------------------------------------------- */

/* --- a helper thread for large cold reads --------------------------------- */

/* Add one histogram into another. */
static void
hist_merge(struct hist *dst, const struct hist *src)
{
	int	 i;

	if (src->n == NULL)
		return;
	if (dst->n == NULL) {
		dst->n = xcalloc(HIST_BINS, sizeof *dst->n);
		dst->sum = xcalloc(HIST_BINS, sizeof *dst->sum);
	}
	for (i = 0; i < HIST_BINS; i++) {
		dst->n[i] += src->n[i];
		dst->sum[i] += src->sum[i];
	}
	dst->count += src->count;
}

/* Add the helper's buckets into the service's. */
static void
buckets_merge(struct lsvc *dst, const struct lsvc *src)
{
	const struct bucket	*sb;
	struct bucket		*db;
	size_t			 i, r;

	for (i = 0; i < NBUCKETS; i++) {
		sb = &src->ring[i];
		if (sb->start == -1 || (db = bucket_for(dst, sb->start)) == NULL)
			continue;
		db->lines += sb->lines;
		db->errors += sb->errors;
		hist_merge(&db->lat, &sb->lat);
		if (sb->rs == NULL)
			continue;
		if (db->rs == NULL)
			db->rs = xcalloc(dst->nrules, sizeof *db->rs);
		for (r = 0; r < dst->nrules; r++) {
			db->rs[r].matches += sb->rs[r].matches;
			hist_merge(&db->rs[r].h, &sb->rs[r].h);
		}
	}
	dst->lines += src->lines;
	dst->skipped += src->skipped;
}

/* The helper thread: count its range into its own buckets. */
static void *
helper_main(void *arg)
{
	struct helper	*h = arg;
	struct reader	 rd;
	const char	*line;
	size_t		 len, n = 0;
	off_t		 consumed;
	int		 fd, rc = 0;

	memset(&rd, 0, sizeof rd);
	if ((fd = open(h->path, O_RDONLY | O_CLOEXEC)) == -1)
		h->error = errno;
	else {
		reader_open(&rd, fd, h->w.from, h->w.to);
		while ((rc = reader_line(&rd, &line, &len, &consumed)) == 1) {
			count_line(h->job, h->svc, line, len);
			h->scanned++;
			if (++n % 4096 == 0 &&
			    __atomic_load_n(&h->stop, __ATOMIC_ACQUIRE))
				break;
		}
		if (rc == -1)
			h->error = errno;
		h->svc->skipped += rd.dropped;
		h->end = rd.pos + (off_t)rd.at;
		close(fd);
		free(rd.buf);
	}
	__atomic_store_n(&h->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Start the helper on a work item; -1 when no thread can be had. */
static int
helper_start(struct local_job *job, const struct work *w)
{
	struct helper	*h;
	size_t		 i;

	h = xcalloc(1, sizeof *h);
	h->job = job;
	h->w = *w;
	h->path = xstrdup(job->paths[w->file]);
	h->svc = xcalloc(1, sizeof *h->svc);
	h->svc->nrules = job->nrules;
	for (i = 0; i < NBUCKETS; i++)
		h->svc->ring[i].start = -1;
	if (pthread_create(&h->thread, NULL, helper_main, h) != 0) {
		lsvc_free(h->svc);
		free(h->path);
		free(h);
		return -1;
	}
	job->helper = h;
	return 0;
}

/* Wait for the helper and free it; its counts are added if merge is set. */
static void
helper_finish(struct local_job *job, int merge)
{
	struct helper	*h = job->helper;
	struct lfile	*f;
	int		 fd;

	if (h == NULL)
		return;
	if (!merge)
		__atomic_store_n(&h->stop, 1, __ATOMIC_RELEASE);
	pthread_join(h->thread, NULL);
	if (merge && h->error != 0)
		job_fail(job, 502, "reading %s: %s", h->path,
		    strerror(h->error));
	else if (merge && job->svc != NULL) {
		buckets_merge(job->svc, h->svc);
		job->scanned += h->scanned;
		if (!h->w.sought && (f = lfile_find(job->svc, h->w.dev,
		    h->w.ino)) != NULL &&
		    (fd = open(h->path, O_RDONLY | O_CLOEXEC)) != -1) {
			lfile_advance(f, fd, h->end);
			close(fd);
		}
	}
	lsvc_free(h->svc);
	free(h->path);
	free(h);
	job->helper = NULL;
}

/* Read planned ranges until the budget is spent; 1 while work remains. */
static int
read_some(struct local_job *job, long long deadline)
{
	struct lfile	*f;
	struct work	*w;
	const char	*line;
	size_t		 len, lines = 0, i;
	off_t		 consumed;
	int		 rc, fd;

	if (!job->helper_tried) {
		job->helper_tried = 1;
		for (i = 0; i < job->nwork; i++)
			if (job->work[i].helper &&
			    helper_start(job, &job->work[i]) == -1)
				job->work[i].helper = 0;
	}
	while (job->wat < job->nwork) {
		w = &job->work[job->wat];
		if (w->helper) {
			job->wat++;
			continue;
		}
		if (!job->reading) {
			fd = open(job->paths[w->file], O_RDONLY | O_CLOEXEC);
			if (fd == -1) {
				job_fail(job, 502, "cannot read %s: %s",
				    job->paths[w->file], strerror(errno));
				return 0;
			}
			reader_open(&job->rd, fd, w->from, w->to);
			job->reading = 1;
			consumed = w->from;
		}
		while ((rc = reader_line(&job->rd, &line, &len,
		    &consumed)) == 1) {
			job->scanned++;
			if (job->counts)
				count_line(job, job->svc, line, len);
			else
				collect_line(job, line, len,
				    job->paths[w->file]);
			if (++lines % 4096 == 0 && mono_ms() > deadline)
				return 1;
		}
		if (rc == -1) {
			job_fail(job, 502, "reading %s: %s",
			    job->paths[w->file], strerror(errno));
			return 0;
		}
		if (job->svc != NULL) {
			job->svc->skipped += job->rd.dropped;
			job->rd.dropped = 0;
		}
		if (job->svc != NULL && !w->sought &&
		    (f = lfile_find(job->svc, w->dev, w->ino)) != NULL)
			lfile_advance(f, job->rd.fd, job->rd.pos +
			    (off_t)job->rd.at);
		close(job->rd.fd);
		job->reading = 0;
		if (!job->counts)
			flush_entries(job);
		job->wat++;
	}
	if (job->helper != NULL) {
		if (!__atomic_load_n(&job->helper->done, __ATOMIC_ACQUIRE))
			return 1;
		helper_finish(job, 1);
	}
	return 0;
}

/* A rule's value in the window; -1 (and no anomaly) when it has none. */
static double
rule_value(struct local_job *job, size_t i, double *count)
{
	const struct rule	*r = &job->rules[i];
	struct sums		 s;

	window_sums(job->svc, job->p.now, job->p.now - job->p.window, (long)i,
	    &s);
	*count = s.matches;
	switch (r->kind) {
	case RULE_COUNT:
		return s.matches;
	case RULE_RATIO:
		return s.lines > 0 ? s.matches / s.lines : -1;
	case RULE_QUANTILE:
		return quantile(&s, r->quantile);
	case RULE_PROMQL:
		break;
	}
	return -1;
}

/* Evaluate the service's own rules instead of the default ones. */
static void
detect_rules(struct local_job *job, const char *win, struct anomalies *list)
{
	const struct rule	*r;
	enum severity		 sev;
	double			 v, count;
	char			 cur[32], thr[32], what[640];
	size_t			 i;

	for (i = 0; i < job->nrules; i++) {
		r = &job->rules[i];
		if (r->hidden)
			continue;
		if ((v = rule_value(job, i, &count)) < 0 ||
		    !rule_fires(r, v, &sev))
			continue;
		if (r->kind == RULE_RATIO) {
			snprintf(cur, sizeof cur, "%.3g%%", v * 100);
			snprintf(thr, sizeof thr, "%.3g%%", r->threshold * 100);
		} else {
			format_amount(v, r->unit, cur, sizeof cur);
			format_amount(r->threshold, r->unit, thr, sizeof thr);
		}
		if (r->kind == RULE_QUANTILE)
			snprintf(what, sizeof what, "p%g %s %s", r->quantile * 100,
			    r->field, cur);
		else if (r->kind == RULE_RATIO)
			snprintf(what, sizeof what, "%s of lines match %s in %s",
			    cur, r->query, win);
		else
			snprintf(what, sizeof what, "%s lines%s%s in %s", cur,
			    r->query != NULL ? " match " : "",
			    r->query != NULL ? r->query : "", win);
		anomalies_add(list, job->service, r->name, sev, job->p.now, v,
		    r->threshold, "%s, %s threshold of %s", what,
		    r->below ? "below" : "exceeds", thr);
	}
}

/*
 * Requests and errors over the last span seconds: the lines matching the
 * service's slo_total and slo_errors queries, or all lines and the error
 * lines.
 */
static void
slo_counts(struct local_job *job, long long span, struct slo_counts *c)
{
	struct sums	 s;

	window_sums(job->svc, job->p.now, job->p.now - span, job->slo_total,
	    &s);
	c->total = job->slo_total >= 0 ? s.matches : s.lines;
	window_sums(job->svc, job->p.now, job->p.now - span, job->slo_errors,
	    &s);
	c->errors = job->slo_errors >= 0 ? s.matches : s.errors;
}

/*
 * An SLO report from the buckets: every counted line a request, every
 * error line an error. The buckets hold a day, so a longer window is
 * reported over the day and says so.
 */
static void
finish_slo(struct local_job *job)
{
	static const long long	 spans[3] = { 3600, 6 * 3600, 24 * 3600 };
	struct slo_counts	 w, periods[3];
	long long		 observed;
	char			 asked[32];
	int			 i;

	observed = job->slo_window < RETENTION ? job->slo_window : RETENTION;
	slo_counts(job, observed, &w);
	for (i = 0; i < 3; i++)
		slo_counts(job, spans[i], &periods[i]);
	job->result = slo_report(job->service, job->p.target, observed, &w,
	    periods);
	json_object_set_new(job->result, "profile",
	    json_string(job->profile));
	if (observed < job->slo_window) {
		format_duration(job->slo_window, asked, sizeof asked);
		json_object_set_new(job->result, "requested_window",
		    json_string(asked));
		json_object_set_new(job->result, "note", json_string("the "
		    "local backend keeps counts for 24h: the report covers "
		    "the last 24h"));
	}
}

/* Decide the anomalies of the window from the buckets. */
static void
finish_detect(struct local_job *job)
{
	struct anomalies	 list = { NULL, 0 };
	struct sums		 s;
	char			 win[32], cur[32], thr[32];
	double			 p99;

	window_sums(job->svc, job->p.now, job->p.now - job->p.window, -1, &s);
	if (*job->p.window_text != '\0')
		strlcpy(win, job->p.window_text, sizeof win);
	else
		format_duration(job->p.window, win, sizeof win);
	if (job->nvisible > 0)
		detect_rules(job, win, &list);
	else if (s.errors > ERRORS_THRESHOLD)
		anomalies_add(&list, job->service, "error_count",
		    s.errors > ERRORS_HIGH ? SEV_HIGH : SEV_MEDIUM, job->p.now,
		    s.errors, ERRORS_THRESHOLD, "%.0f errors in %s, exceeds "
		    "threshold of %d", s.errors, win, ERRORS_THRESHOLD);
	p99 = quantile(&s, 0.99);
	if (job->nvisible == 0 && p99 > P99_THRESHOLD_MS) {
		format_amount(p99, "ms", cur, sizeof cur);
		format_amount(P99_THRESHOLD_MS, "ms", thr, sizeof thr);
		anomalies_add(&list, job->service, "latency_p99", SEV_MEDIUM,
		    job->p.now, p99, P99_THRESHOLD_MS, "p99 latency %s exceeds "
		    "threshold of %s", cur, thr);
	}
	job->result = json_pack("{s:s, s:s, s:s, s:o, s:I, s:I, s:I}",
	    "service", job->service,
	    "profile", job->profile,
	    "window", win,
	    "anomalies", anomalies_json(&list),
	    "lines_in_window", (json_int_t)s.lines,
	    "lines_read", (json_int_t)job->scanned,
	    "lines_skipped", (json_int_t)job->svc->skipped);
	anomalies_free(&list);
}

/* The points of a metric, one per minute of the window that has lines. */
static void
finish_metrics(struct local_job *job)
{
	struct bucket	*b;
	struct sums	 s;
	json_t		*points;
	long long	 t, since = job->p.now - job->p.window;
	double		 v, q = 0;
	char		 ts[32];

	if (strcmp(job->metric, "latency_p50") == 0)
		q = 0.5;
	else if (strcmp(job->metric, "latency_p95") == 0)
		q = 0.95;
	else if (strcmp(job->metric, "latency_p99") == 0)
		q = 0.99;
	points = json_array();
	for (t = since - ((since % BUCKET_SECS) + BUCKET_SECS) % BUCKET_SECS;
	    t <= job->p.now; t += BUCKET_SECS) {
		b = &job->svc->ring[(t / BUCKET_SECS) % NBUCKETS];
		if (b->start != t)
			continue;
		if (q > 0) {
			window_sums(job->svc, t, t, -1, &s);
			if ((v = quantile(&s, q)) < 0)
				continue;
		} else if (strcmp(job->metric, "error_count") == 0)
			v = b->errors;
		else
			v = b->lines;
		format_time_iso(t, ts, sizeof ts);
		json_array_append_new(points, json_pack("{s:s, s:f}",
		    "timestamp", ts, "value", v));
	}
	job->result = json_pack("{s:s, s:s, s:o}", "service", job->service,
	    "metric", job->metric, "points", points);
}

/* Hand the service back and build the answer. */
static void
finish(struct local_job *job)
{
	if (job->status == 200 && job->result == NULL) {
		if (job->p.op == SOURCE_DETECT) {
			finish_detect(job);
			json_decref(job->svc->recent);
			job->svc->recent = json_incref(job->result);
			job->svc->recent_ms = mono_ms();
			job->svc->recent_now = job->p.now;
			job->svc->recent_window = job->p.window;
			strlcpy(job->svc->recent_text, job->p.window_text,
			    sizeof job->svc->recent_text);
		} else if (job->p.op == SOURCE_METRICS)
			finish_metrics(job);
		else if (job->p.op == SOURCE_SLO)
			finish_slo(job);
		else
			job->result = json_pack("{s:s, s:o}", "service",
			    job->service, "entries", entries_json(job));
	}
	if (job->svc != NULL && job->svc->owner == job)
		job->svc->owner = NULL;
	job->svc = NULL;
}

/* --- the interface ------------------------------------------------------- */

/* Per-daemon memory of the services' files and buckets. */
struct local_state *
local_state_new(void)
{
	return xcalloc(1, sizeof(struct local_state));
}

/* Forget a service's files and buckets. */
static void
lsvc_free(struct lsvc *svc)
{
	size_t	 i, j;

	for (i = 0; i < svc->nfiles; i++)
		free(svc->files[i].path);
	free(svc->files);
	for (i = 0; i < NBUCKETS; i++) {
		hist_free(&svc->ring[i].lat);
		for (j = 0; svc->ring[i].rs != NULL && j < svc->nrules; j++)
			hist_free(&svc->ring[i].rs[j].h);
		free(svc->ring[i].rs);
	}
	json_decref(svc->recent);
	free(svc->key);
	free(svc->sig);
	free(svc);
}

/* Whether the service's last detect answers p too (RECENT_MS). */
static int
recent_fits(const struct lsvc *svc, const struct source_params *p)
{
	return svc->recent != NULL && p->op == SOURCE_DETECT &&
	    p->recent_ok && svc->recent_now == p->now &&
	    svc->recent_window == p->window &&
	    strcmp(svc->recent_text, p->window_text) == 0 &&
	    mono_ms() - svc->recent_ms <= RECENT_MS;
}

/*
 * A job already done with the service's last detect answer, when that
 * answers p too; NULL otherwise. The service's configuration is not even
 * copied: the answer is from the last RECENT_MS.
 */
static struct local_job *
recent_job(struct local_state *st, const char *profile, const char *service,
    const struct source_params *p)
{
	struct local_job	*job;
	struct lsvc		*svc;
	size_t			 i, plen = strlen(profile);

	if (p->op != SOURCE_DETECT || !p->recent_ok)
		return NULL;
	for (i = 0; i < st->nsvcs; i++) {
		svc = st->svcs[i];
		if (strncmp(svc->key, profile, plen) == 0 &&
		    svc->key[plen] == '/' &&
		    strcmp(svc->key + plen + 1, service) == 0)
			break;
	}
	if (i == st->nsvcs || !recent_fits(svc, p))
		return NULL;
	job = xcalloc(1, sizeof *job);
	job->st = st;
	job->p = *p;
	job->p.query = NULL;
	job->p.metric = NULL;
	job->status = 200;
	job->phase = PHASE_DONE;
	job->result = json_incref(svc->recent);
	return job;
}

/* Free all that the source remembers. */
void
local_state_free(struct local_state *st)
{
	size_t	 i;

	if (st == NULL)
		return;
	for (i = 0; i < st->nsvcs; i++)
		lsvc_free(st->svcs[i]);
	free(st->svcs);
	free(st);
}

/*
 * The memory of one service. When its globs or format changed (a reload),
 * what was counted no longer means the same and starts again.
 */
static struct lsvc *
lsvc_get(struct local_state *st, const char *key, const char *sig,
    size_t nrules)
{
	struct lsvc	*svc;
	size_t		 i;

	for (i = 0; i < st->nsvcs; i++) {
		svc = st->svcs[i];
		if (strcmp(svc->key, key) != 0)
			continue;
		if (strcmp(svc->sig, sig) == 0 || svc->owner != NULL)
			return svc;
		lsvc_free(svc);
		st->svcs[i] = st->svcs[--st->nsvcs];
		break;
	}
	svc = xcalloc(1, sizeof *svc);
	svc->key = xstrdup(key);
	svc->sig = xstrdup(sig);
	svc->nrules = nrules;
	for (i = 0; i < NBUCKETS; i++)
		svc->ring[i].start = -1;
	st->svcs = xreallocarray(st->svcs, st->nsvcs + 1, sizeof *st->svcs);
	st->svcs[st->nsvcs++] = svc;
	return svc;
}

/* A glob as written, relative ones taken from the config file's directory. */
static char *
glob_path(const char *glob, const char *confpath)
{
	const char	*slash;
	char		*p;

	if (*glob == '/' || confpath == NULL ||
	    (slash = strrchr(confpath, '/')) == NULL)
		return xstrdup(glob);
	xasprintf(&p, "%.*s/%s", (int)(slash - confpath), confpath, glob);
	return p;
}

/* Copy the service's globs and format out of the config snapshot. */
static int
job_config(struct local_job *job, const struct csection *sec,
    const char *confpath, char *err, size_t errlen)
{
	const struct ckey	*k;
	const char		*fmt;
	size_t			 i;

	k = csection_key(sec, "logs");
	if (k == NULL || (k->v.type == CVAL_ARRAY && k->v.nitems == 0)) {
		seterr(err, errlen, "service '%s' has no logs to read: set "
		    "logs = \"/path/*.log\" in its section", job->service);
		return -1;
	}
	if (k->v.type == CVAL_STRING) {
		job->globs = xcalloc(1, sizeof *job->globs);
		job->globs[job->nglobs++] = glob_path(k->v.s, confpath);
	} else {
		job->globs = xcalloc(k->v.nitems, sizeof *job->globs);
		for (i = 0; i < k->v.nitems; i++)
			job->globs[job->nglobs++] = glob_path(k->v.items[i].s,
			    confpath);
	}
	fmt = csection_str(sec, "format");
	if (fmt == NULL || log_format_parse(fmt, &job->fmt) == -1)
		job->fmt = LOG_AUTO;
	return 0;
}

/*
 * A service's slo_total or slo_errors query, counted in the buckets like
 * a count rule that never fires; *index is its place, or -1.
 */
static void
add_slo_rule(struct local_job *job, const struct csection *sec,
    const char *key, long *index)
{
	const char	*q = csection_str(sec, key);
	struct rule	*r;

	*index = -1;
	if (q == NULL)
		return;
	job->rules = xreallocarray(job->rules, job->nrules + 1,
	    sizeof *job->rules);
	r = &job->rules[job->nrules];
	memset(r, 0, sizeof *r);
	r->name = xstrdup(key);
	r->kind = RULE_COUNT;
	r->query = xstrdup(q);
	r->quantile = NAN;
	r->threshold = NAN;
	r->high = NAN;
	r->critical = NAN;
	r->hidden = 1;
	*index = (long)job->nrules++;
}

/* The metrics a local service offers. */
static const char *const local_metrics[] = {
	"error_count", "log_lines", "latency_p50", "latency_p95", "latency_p99"
};

/* Start a job on a service of the local backend. */
struct local_job *
local_start(struct local_state *st, const struct config *conf,
    const char *profile, const struct csection *sec, const char *service,
    const struct source_params *p, char *err, size_t errlen)
{
	struct local_job	*job;
	const struct rule	*r;
	char			*tmp;
	size_t			 i;

	if ((job = recent_job(st, profile, service, p)) != NULL)
		return job;
	job = xcalloc(1, sizeof *job);
	job->st = st;
	job->profile = xstrdup(profile);
	job->service = xstrdup(service);
	job->p = *p;
	job->status = 200;
	job->p.query = NULL;
	job->p.metric = NULL;
	if (job_config(job, sec, conf->path, err, errlen) == -1)
		goto fail;
	if (p->op == SOURCE_LOGS) {
		if (p->query != NULL && *p->query != '\0' &&
		    (job->query = query_parse(p->query, err, errlen)) == NULL)
			goto fail;
		if (job->p.limit == 0)
			job->p.limit = 100;
		job->entries = xcalloc(job->p.limit, sizeof *job->entries);
		job->last_ts = -1;
		return job;
	}
	if (p->op == SOURCE_SLO) {
		/* The burn rates need the last day whatever the window. */
		job->slo_window = p->window;
		job->p.window = RETENTION;
	} else if (p->window > RETENTION) {
		seterr(err, errlen, "the local backend keeps counts for 24h; "
		    "ask for a window of at most 24h");
		goto fail;
	}
	if (p->op == SOURCE_METRICS) {
		for (i = 0; i < nitems(local_metrics); i++)
			if (strcmp(p->metric, local_metrics[i]) == 0)
				break;
		if (i == nitems(local_metrics)) {
			seterr(err, errlen, "unknown metric '%s': one of "
			    "error_count, log_lines, latency_p50, latency_p95, "
			    "latency_p99", p->metric);
			goto fail;
		}
		job->metric = xstrdup(p->metric);
	}
	job->counts = 1;
	xasprintf(&job->key, "%s/%s", profile, service);
	xasprintf(&job->sig, "%d", (int)job->fmt);
	for (i = 0; i < job->nglobs; i++) {
		xasprintf(&tmp, "%s\n%s", job->sig, job->globs[i]);
		free(job->sig);
		job->sig = tmp;
	}
	if (config_service_rules(conf, profile, service, &job->rules,
	    &job->nrules) == -1) {
		seterr(err, errlen, "cannot read the rules of service '%s'",
		    service);
		goto fail;
	}
	job->nvisible = job->nrules;
	add_slo_rule(job, sec, "slo_total", &job->slo_total);
	add_slo_rule(job, sec, "slo_errors", &job->slo_errors);
	job->rq = xcalloc(job->nrules, sizeof *job->rq);
	for (i = 0; i < job->nrules; i++) {
		r = &job->rules[i];
		if (r->query != NULL && (job->rq[i] = query_parse(r->query,
		    err, errlen)) == NULL)
			goto fail;
		/* What the buckets count changes with the rules. */
		xasprintf(&tmp, "%s\n%s %d %s %s", job->sig, r->name,
		    (int)r->kind, r->query != NULL ? r->query : "",
		    r->field != NULL ? r->field : "");
		free(job->sig);
		job->sig = tmp;
	}
	return job;
fail:
	local_job_free(job);
	return NULL;
}

/* Work for at most budget milliseconds; 1 while more remains. */
int
local_step(struct local_job *job, long long budget)
{
	long long	 deadline = mono_ms() + budget;

	if (job->counts && job->svc == NULL) {
		job->svc = lsvc_get(job->st, job->key, job->sig, job->nrules);
		if (job->svc->owner != NULL) {
			job->svc = NULL;
			return 1;	/* another job reads it; wait */
		}
		job->svc->owner = job;
		if (job->phase == PHASE_PLAN && recent_fits(job->svc,
		    &job->p)) {
			job->result = json_incref(job->svc->recent);
			job->phase = PHASE_DONE;
		}
	}
	if (job->phase == PHASE_PLAN) {
		if (job->counts)
			plan_counts(job);
		else
			plan_logs(job);
	}
	if (job->phase == PHASE_READ && read_some(job, deadline) == 1)
		return 1;
	job->phase = PHASE_DONE;
	finish(job);
	return 0;
}

/* The answer of a finished job: its status and JSON (a new reference). */
json_t *
local_result(struct local_job *job, int *status)
{
	*status = job->status;
	if (job->status != 200)
		return json_pack("{s:s}", "detail", job->err);
	return json_incref(job->result);
}

/* Free a job, finished or not. */
void
local_job_free(struct local_job *job)
{
	size_t	 i;

	if (job == NULL)
		return;
	helper_finish(job, 0);
	if (job->svc != NULL && job->svc->owner == job)
		job->svc->owner = NULL;
	if (job->reading)
		close(job->rd.fd);
	free(job->rd.buf);
	for (i = 0; i < job->nglobs; i++)
		free(job->globs[i]);
	free(job->globs);
	for (i = 0; i < job->npaths; i++)
		free(job->paths[i]);
	free(job->paths);
	free(job->work);
	if (job->entries != NULL)
		for (i = 0; i < job->p.limit; i++)
			json_decref(job->entries[i].json);
	free(job->entries);
	for (i = 0; i < job->nmatched; i++)
		json_decref(job->matched[i].json);
	free(job->matched);
	json_decref(job->result);
	if (job->query != NULL)
		query_free(job->query);
	for (i = 0; job->rq != NULL && i < job->nrules; i++)
		if (job->rq[i] != NULL)
			query_free(job->rq[i]);
	free(job->rq);
	rules_free(job->rules, job->nrules);
	free(job->metric);
	free(job->key);
	free(job->sig);
	free(job->profile);
	free(job->service);
	free(job);
}
