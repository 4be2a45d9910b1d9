/*
 * watches.c -- the daemon's watches: kept in the state directory, checked
 * on their intervals from a timer heap, and compared with what they last
 * notified. A change becomes a notification in the outbox (deliver.c);
 * checking never waits on delivery.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "notify.h"
#include "source.h"
#include "store.h"
#include "tinkrd.h"
#include "util.h"
#include "watch.h"

/*
 * Checks in flight at most: when more are due at once (a restart, many
 * watches on one interval), the others start as these end, late by that
 * much, so that memory stays bounded and deliveries go on in between.
 */
#define CHECKS_MAX	512

/* --- the timer heap: running watches by when they are due ---------------- */

static void
heap_swap(struct tinkrd *d, size_t a, size_t b)
{
	struct watch	*t = d->heap[a];

	d->heap[a] = d->heap[b];
	d->heap[b] = t;
	d->heap[a]->slot = a;
	d->heap[b]->slot = b;
}

static void
heap_up(struct tinkrd *d, size_t i)
{
	while (i > 0 && d->heap[(i - 1) / 2]->due > d->heap[i]->due) {
		heap_swap(d, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void
heap_down(struct tinkrd *d, size_t i)
{
	size_t	 l, r, m;

	for (;;) {
		l = 2 * i + 1;
		r = l + 1;
		m = i;
		if (l < d->nheap && d->heap[l]->due < d->heap[m]->due)
			m = l;
		if (r < d->nheap && d->heap[r]->due < d->heap[m]->due)
			m = r;
		if (m == i)
			return;
		heap_swap(d, i, m);
		i = m;
	}
}

/* Schedule a watch at w->due. */
static void
heap_push(struct tinkrd *d, struct watch *w)
{
	if (d->nheap == d->heapcap) {
		d->heapcap = d->heapcap == 0 ? 64 : d->heapcap * 2;
		d->heap = xreallocarray(d->heap, d->heapcap, sizeof *d->heap);
	}
	w->slot = d->nheap;
	d->heap[d->nheap++] = w;
	heap_up(d, w->slot);
}

/* Take a watch off the schedule. */
static void
heap_remove(struct tinkrd *d, struct watch *w)
{
	size_t	 i = w->slot;

	if (i == (size_t)-1)
		return;
	w->slot = (size_t)-1;
	if (i != --d->nheap) {
		d->heap[i] = d->heap[d->nheap];
		d->heap[i]->slot = i;
		heap_down(d, i);
		heap_up(d, i);
	}
}

/* --- the watch table --------------------------------------------------- */

/* Log a state file that could not be read. */
static void
warn_file(const char *msg)
{
	log_warnx("%s", msg);
}

/* The bucket of a watch ID in the table by ID. */
static struct watch **
whash_bucket(struct tinkrd *d, const char *id)
{
	unsigned	 h = 2166136261u;

	for (; *id != '\0'; id++)
		h = (h ^ (unsigned char)*id) * 16777619u;
	return &d->whash[h & (d->nwhash - 1)];
}

/* Put a watch in the table by ID, which grows with the watches. */
static void
whash_add(struct tinkrd *d, struct watch *w)
{
	struct watch	**old = d->whash, *x, *next, **b;
	size_t		 i, n = d->nwhash;

	if (d->nwatches >= d->nwhash) {
		d->nwhash = n == 0 ? 256 : n * 2;
		d->whash = xcalloc(d->nwhash, sizeof *d->whash);
		for (i = 0; i < n; i++)
			for (x = old[i]; x != NULL; x = next) {
				next = x->hnext;
				b = whash_bucket(d, x->id);
				x->hnext = *b;
				*b = x;
			}
		free(old);
	}
	b = whash_bucket(d, w->id);
	w->hnext = *b;
	*b = w;
}

/* Find a watch by ID. */
struct watch *
watch_find(struct tinkrd *d, const char *id)
{
	struct watch	*w;

	if (d->nwhash == 0)
		return NULL;
	for (w = *whash_bucket(d, id); w != NULL; w = w->hnext)
		if (strcmp(w->id, id) == 0)
			return w;
	return NULL;
}

/*
 * Mark a watch as behind in the journal: state_commit writes its line
 * after the delivery journal, so a crash may repeat a notification but not
 * lose one.
 */
void
watch_store(struct tinkrd *d, struct watch *w)
{
	if (!w->dirty) {
		w->dirty = 1;
		d->ndirty++;
	}
}

/* Write the watches' lines not written yet; flushed with sync. */
static void
watches_flush(struct tinkrd *d, int sync)
{
	if (d->wbuf.len > 0 &&
	    store_write_buf(d->wfd, &d->wbuf, &d->wbytes) == -1) {
		log_warn("cannot write %s", d->wjournal);
		return;
	}
	if (sync && fdatasync(d->wfd) == -1)
		log_warn("flushing %s", d->wjournal);
}

/* Write a watch's line now, flushed: before a route answers. */
void
watch_store_now(struct tinkrd *d, struct watch *w)
{
	/* What it says it notified must not be ahead of the journal. */
	deliver_flush(d);
	watch_record(w, &d->wbuf);
	watches_flush(d, 1);
	w->stale = 0;
	if (w->dirty) {
		w->dirty = 0;
		d->ndirty--;
	}
}

/* Record a deleted watch now, flushed. */
void
watch_forget(struct tinkrd *d, const char *id)
{
	watch_gone_record(id, &d->wbuf);
	watches_flush(d, 1);
}

/*
 * Rewrite the watches' journal whole, a line a watch, flushed: what only
 * counted, and what the delivery journal alone said they notified, is
 * written at last. -1 when it could not be.
 */
int
watches_snapshot(struct tinkrd *d)
{
	struct strbuf	 buf = { NULL, 0, 0 };
	char		 err[512];
	size_t		 i;
	int		 fd;

	/* Closed: the watches are being freed, and must not be written. */
	if (d->wfd == -1)
		return -1;
	strbuf_add(&buf, "", 0);
	for (i = 0; i < d->nwatches; i++)
		watch_record(d->watches[i], &buf);
	if (store_put(d->statedir, "watches.jsonl", buf.s, buf.len, 1, err,
	    sizeof err) == -1) {
		log_warnx("%s", err);
		free(buf.s);
		return -1;
	}
	if ((fd = open(d->wjournal, O_WRONLY | O_APPEND | O_CLOEXEC)) == -1)
		log_warn("%s", d->wjournal);
	else {
		if (d->wfd != -1)
			close(d->wfd);
		d->wfd = fd;
	}
	d->wbuf.len = 0;
	d->wbytes = d->wlive = buf.len;
	for (i = 0; i < d->nwatches; i++) {
		d->watches[i]->stale = 0;
		d->watches[i]->dirty = 0;
	}
	d->ndirty = 0;
	free(buf.s);
	return 0;
}

/*
 * Write the lines of the watches that are behind, unflushed; rewrite the
 * journal when it has grown to twice what it holds, and a MiB.
 */
void
watches_write(struct tinkrd *d)
{
	size_t	 i;

	for (i = 0; i < d->nwatches && d->ndirty > 0; i++) {
		if (!d->watches[i]->dirty)
			continue;
		watch_record(d->watches[i], &d->wbuf);
		d->watches[i]->dirty = 0;
		d->watches[i]->stale = 0;
		d->ndirty--;
	}
	watches_flush(d, 0);
	if (d->wbytes > 2 * d->wlive + 1024 * 1024)
		watches_snapshot(d);
}

/* Put a running watch on the schedule, its first check now. */
void
watch_schedule(struct tinkrd *d, struct watch *w)
{
	w->due = mono_ms();
	heap_push(d, w);
}

/* Stop a watch: off the schedule, its check in flight dropped. */
void
watch_halt(struct tinkrd *d, struct watch *w)
{
	size_t	 i;

	heap_remove(d, w);
	if (w->job != NULL) {
		source_job_free(w->job);
		w->job = NULL;
		d->nchecking--;
	}
	for (i = 0; i < d->nchecks; i++)
		if (d->checks[i] == w)
			d->checks[i] = NULL;
}

/* Add a new watch to the table. */
void
watch_add(struct tinkrd *d, struct watch *w)
{
	whash_add(d, w);
	d->watches = xreallocarray(d->watches, d->nwatches + 1,
	    sizeof *d->watches);
	d->watches[d->nwatches++] = w;
}

/* Take a watch out of the table and free it. */
void
watch_drop(struct tinkrd *d, struct watch *w)
{
	struct watch	**pp;
	size_t		 i;

	watch_halt(d, w);
	if (w->dirty)
		d->ndirty--;
	for (pp = whash_bucket(d, w->id); *pp != NULL; pp = &(*pp)->hnext)
		if (*pp == w) {
			*pp = w->hnext;
			break;
		}
	for (i = 0; i < d->nwatches; i++)
		if (d->watches[i] == w) {
			d->watches[i] = d->watches[--d->nwatches];
			break;
		}
	watch_free(w);
}

/*
 * Bring in what an older tinkr kept: a watches/ directory of one file
 * each is added to the journal, flushed, and only then removed.
 */
static int
watches_migrate(struct tinkrd *d, char *err, size_t errlen)
{
	struct watch	**v;
	struct strbuf	 buf = { NULL, 0, 0 };
	char		 dir[PATH_MAX + 16], path[PATH_MAX + 64];
	size_t		 i, n;

	snprintf(dir, sizeof dir, "%s/watches", d->statedir);
	if (access(dir, F_OK) == -1)
		return 0;
	*err = '\0';
	v = watch_dir_load(dir, &n, warn_file, err, errlen);
	if (v == NULL && *err != '\0')
		return -1;
	strbuf_add(&buf, "", 0);
	for (i = 0; i < n; i++)
		watch_record(v[i], &buf);
	if (n > 0 && store_append(d->wjournal, buf.s, buf.len, err,
	    errlen) == -1) {
		free(buf.s);
		for (i = 0; i < n; i++)
			watch_free(v[i]);
		free(v);
		return -1;
	}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/%s.json", dir, v[i]->id);
		unlink(path);
		watch_free(v[i]);
	}
	store_sync_dir(dir);
	if (rmdir(dir) == 0 || n > 0)
		log_info("%zu watches moved from %s to %s", n, dir,
		    d->wjournal);
	free(buf.s);
	free(v);
	return 0;
}

/* Load the watches kept in the state directory; schedule running ones. */
int
watches_init(struct tinkrd *d, char *err, size_t errlen)
{
	struct watch	**v;
	long long	 now, next;
	size_t		 i, n;

	d->wfd = -1;
	if (watches_migrate(d, err, errlen) == -1)
		return -1;
	if ((v = watch_journal_load(d->wjournal, &n, &d->wbytes, warn_file,
	    err, errlen)) == NULL)
		return -1;
	/* Unknown until it is rewritten: a MiB more, and it will be. */
	d->wlive = 0;
	if ((d->wfd = open(d->wjournal, O_WRONLY | O_CREAT | O_APPEND |
	    O_CLOEXEC, 0600)) == -1) {
		seterr(err, errlen, "cannot open %s: %s", d->wjournal,
		    strerror(errno));
		for (i = 0; i < n; i++)
			watch_free(v[i]);
		free(v);
		return -1;
	}
	now = (long long)time(NULL);
	for (i = 0; i < n; i++) {
		watch_add(d, v[i]);
		if (!v[i]->running)
			continue;
		/* Keep the cadence it had: due an interval after its last. */
		v[i]->due = mono_ms();
		next = v[i]->last_run_at + v[i]->interval;
		if (v[i]->last_run_at > 0 && next > now)
			v[i]->due += (next - now) * 1000;
		heap_push(d, v[i]);
	}
	free(v);
	if (n > 0)
		log_info("%zu watches loaded, %zu running", n, d->nheap);
	return 0;
}

/* Free every watch. */
void
watches_free(struct tinkrd *d)
{
	/* What is behind is written now, after the delivery journal. */
	deliver_flush(d);
	if (d->wfd != -1) {
		watches_snapshot(d);
		close(d->wfd);
		d->wfd = -1;
	}
	while (d->nwatches > 0)
		watch_drop(d, d->watches[0]);
	free(d->watches);
	free(d->whash);
	free(d->wbuf.s);
	free(d->heap);
	free(d->checks);
	json_decref(d->dumped);
	free(d->dumped_text);
	d->dumped = NULL;
	d->dumped_text = NULL;
}

/* Milliseconds until the next check is due; -1 for none. */
long long
watches_timeout(struct tinkrd *d)
{
	long long	 left;

	/* At the cap, a check that ends makes room: the loop looks then. */
	if (d->nheap == 0 || d->nchecking >= CHECKS_MAX)
		return -1;
	left = d->heap[0]->due - mono_ms();
	return left > 0 ? left : 0;
}

/* --- checks ----------------------------------------------------------- */

/* Start a due watch's check, unless its last one is still running. */
static void
check_start(struct tinkrd *d, struct watch *w)
{
	const struct cprofile	*prof;
	struct source_params	 p;
	char			 err[512];
	int			 status;

	if (w->job != NULL) {
		log_debug("watch %s: the last check is still running; this "
		    "one is skipped", w->id);
		return;
	}
	memset(&p, 0, sizeof p);
	p.op = SOURCE_DETECT;
	p.window = w->window;
	format_duration(w->window, p.window_text, sizeof p.window_text);
	p.now = (long long)time(NULL);
	p.recent_ok = 1;
	if ((prof = config_profile(d->conf, w->profile)) == NULL) {
		check_done(d, w, 404, NULL, "profile '%s' is no longer in the "
		    "configuration", w->profile);
		return;
	}
	if ((w->job = source_start(d->sources, d->conf, prof, w->service, &p,
	    &status, err, sizeof err)) == NULL) {
		check_done(d, w, status, NULL, "%s", err);
		return;
	}
	d->nchecking++;
	if (d->nchecks == d->checkscap) {
		d->checkscap = d->checkscap == 0 ? 64 : d->checkscap * 2;
		d->checks = xreallocarray(d->checks, d->checkscap,
		    sizeof *d->checks);
	}
	d->checks[d->nchecks++] = w;
}

/* The anomaly a watch reports for itself when its source keeps failing. */
static json_t *
source_error_anomaly(struct watch *w)
{
	json_t	*list = json_array(), *a, *old = watch_notified(w);
	char	 at[32], desc[768];
	size_t	 i;

	json_array_foreach(old, i, a) {
		const char *m = json_string_value(json_object_get(a, "metric"));

		if (m == NULL || strcmp(m, "tinkr_source_error") != 0)
			json_array_append(list, a);
	}
	format_time_iso((long long)time(NULL), at, sizeof at);
	snprintf(desc, sizeof desc, "%d checks in a row failed: %s",
	    w->failures, w->last_error != NULL ? w->last_error : "?");
	json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:s, "
	    "s:f, s:f}",
	    "service", w->service,
	    "metric", "tinkr_source_error",
	    "description", desc,
	    "severity", "high",
	    "detected_at", at,
	    "current_value", (double)w->failures,
	    "threshold", (double)WATCH_BLIND_AFTER));
	json_decref(old);
	return list;
}

/*
 * The compact JSON of a check's anomalies, a new string. Checks that
 * share a source's answer (see RECENT_MS in the local source) share the
 * list too: it is written out once for all of them.
 */
static char *
anomalies_text(struct tinkrd *d, json_t *list)
{
	if (list != d->dumped) {
		json_decref(d->dumped);
		free(d->dumped_text);
		d->dumped = json_incref(list);
		d->dumped_text = json_dumps(list, JSON_COMPACT);
	}
	return d->dumped_text != NULL ? xstrdup(d->dumped_text) : NULL;
}

/*
 * A check is over: status and answer from the source, or a reason it
 * could not run. Record it, and notify if the anomaly set changed.
 */
void
check_done(struct tinkrd *d, struct watch *w, int status, json_t *answer,
    const char *fmt, ...)
{
	json_t		*current, *cleared, *old;
	const char	*detail;
	char		 why[1024], *text, *ctext;
	size_t		 n;
	va_list		 ap;
	int		 first, changed, was_failing = w->failures > 0;

	w->checks++;
	w->last_run_at = (long long)time(NULL);
	free(w->last_error);
	w->last_error = NULL;
	if (status == 200 && json_is_array(json_object_get(answer,
	    "anomalies"))) {
		w->failures = 0;
		current = json_incref(json_object_get(answer, "anomalies"));
	} else {
		if (fmt != NULL) {
			va_start(ap, fmt);
			vsnprintf(why, sizeof why, fmt, ap);
			va_end(ap);
		} else if ((detail = json_string_value(json_object_get(answer,
		    "detail"))) != NULL)
			snprintf(why, sizeof why, "%s", detail);
		else
			snprintf(why, sizeof why, "the source answered %d",
			    status);
		w->last_error = xstrdup(why);
		w->failures++;
		log_info("watch %s: check failed (%d in a row): %s", w->id,
		    w->failures, why);
		if (w->failures < WATCH_BLIND_AFTER) {
			watch_store(d, w);
			return;
		}
		current = source_error_anomaly(w);
	}
	first = w->notified == NULL;
	old = watch_notified(w);
	changed = first ? json_array_size(current) > 0 :
	    anomalies_differ(old, current);
	if (first || changed) {
		/* Written once: for the body, and as what was notified. */
		text = anomalies_text(d, current);
		n = json_array_size(current);
		if (changed) {
			cleared = anomalies_cleared(old, current);
			ctext = json_dumps(cleared, JSON_COMPACT);
			deliver_enqueue(d, w, text, n, ctext, n > 0 ?
			    "firing" : "resolved");
			free(ctext);
			json_decref(cleared);
			w->notifications++;
		}
		watch_set_notified_text(w, text, n);
	}
	json_decref(old);
	json_decref(current);
	/*
	 * The file follows failures. What was notified is in the journal,
	 * which gives it back after a crash (notified_seq); the file, like
	 * the counts, is written when the daemon stops or the journal is cut.
	 */
	if (was_failing || w->failures > 0)
		watch_store(d, w);
	else
		w->stale = 1;
}

/*
 * Finish the checks whose source jobs are done and step the others, for
 * at most budget milliseconds in all: a burst of due checks is spread
 * over several turns of the loop, which goes on answering in between.
 */
static int
checks_step(struct tinkrd *d, long long budget)
{
	struct watch	*w;
	json_t		*answer;
	long long	 deadline = mono_ms() + budget, left;
	size_t		 i, n;
	int		 rc, busy = 0, status;

	n = d->nchecks;
	for (i = 0; i < n && d->nchecking > 0; i++) {
		/* Start where the last turn stopped, round the list. */
		w = d->checks[(d->checks_next + i) % n];
		if (w == NULL || w->job == NULL)
			continue;
		if ((left = deadline - mono_ms()) <= 0) {
			d->checks_next = (d->checks_next + i) % n;
			return 1;
		}
		if ((rc = source_step(w->job, left < 5 ? 5 : left)) !=
		    SOURCE_DONE) {
			busy |= rc == SOURCE_MORE;
			continue;
		}
		answer = source_result(w->job, &status);
		source_job_free(w->job);
		w->job = NULL;
		d->nchecking--;
		check_done(d, w, status, answer, NULL);
		json_decref(answer);
	}
	/* Compact the list of checks in flight. */
	for (i = 0, n = 0; i < d->nchecks; i++)
		if (d->checks[i] != NULL && d->checks[i]->job != NULL)
			d->checks[n++] = d->checks[i];
	d->nchecks = n;
	d->checks_next = 0;
	return busy;
}

/*
 * Start the checks that are due and move those in flight along; 1 when
 * some check has work left to do now.
 */
int
watches_run(struct tinkrd *d, long long budget)
{
	struct watch	*w;
	long long	 now = mono_ms(), step, late;

	while (d->nheap > 0 && d->heap[0]->due <= now &&
	    d->nchecking < CHECKS_MAX) {
		w = d->heap[0];
		late = mono_ms() - w->due;
		d->late[late < LATE_BUCKETS ? late : LATE_BUCKETS]++;
		d->checks_run++;
		step = w->interval * 1000;
		/* Due times stay on the grid of the first: no drift. */
		w->due += step * ((now - w->due) / step + 1);
		heap_down(d, 0);
		check_start(d, w);
	}
	if (d->nchecking == 0)
		return 0;
	return checks_step(d, budget);
}

/* The quantile q of how late checks started, in ms; -1 before any. */
static long long
late_quantile(struct tinkrd *d, double q)
{
	unsigned long long	 seen = 0, want;
	size_t			 i;

	if (d->checks_run == 0)
		return -1;
	want = (unsigned long long)(q * (double)d->checks_run);
	if (want >= d->checks_run)
		want = d->checks_run - 1;
	for (i = 0; i <= LATE_BUCKETS; i++) {
		seen += d->late[i];
		if (seen > want)
			return (long long)i;
	}
	return LATE_BUCKETS;
}

/* Counts of the watches and how late their checks start, for /health. */
json_t *
watches_stats_json(struct tinkrd *d)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "total", (json_int_t)d->nwatches,
	    "running", (json_int_t)d->nheap,
	    "checking", (json_int_t)d->nchecking,
	    "checks_run", (json_int_t)d->checks_run,
	    "late_p50_ms", (json_int_t)late_quantile(d, 0.5),
	    "late_p99_ms", (json_int_t)late_quantile(d, 0.99),
	    "late_max_ms", (json_int_t)late_quantile(d, 1.0));
}
