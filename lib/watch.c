/*
 * watch.c -- watches: what they are, how they are kept in the state
 * directory (a journal, watches.jsonl: a line each time a watch is made or
 * changes, and one when it is deleted; the newest line of a watch is what
 * it is), and how a check's anomalies are compared with those last
 * notified.
 */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "util.h"
#include "watch.h"

#define WATCH_FILE_MAX	(4 * 1024 * 1024)

/* A new, empty watch. */
struct watch *
watch_new(void)
{
	struct watch	*w;

	w = xcalloc(1, sizeof *w);
	w->interval = WATCH_INTERVAL_DEFAULT;
	w->window = WATCH_WINDOW_DEFAULT;
	w->slot = (size_t)-1;
	return w;
}

/* Free a watch. */
void
watch_free(struct watch *w)
{
	if (w == NULL)
		return;
	free(w->service);
	free(w->profile);
	free(w->notifier);
	free(w->destination);
	free(w->last_error);
	free(w->notified);
	free(w);
}

/* A fresh watch ID: "watch-" and 8 random hex digits. */
void
watch_new_id(char *buf, size_t len)
{
	snprintf(buf, len, "watch-%08x", arc4random());
}

/* The anomalies a watch last notified (a new reference), or NULL. */
json_t *
watch_notified(const struct watch *w)
{
	if (w->notified == NULL)
		return NULL;
	return json_loads(w->notified, 0, NULL);
}

/* Keep anomalies as what a watch last notified (NULL: none yet). */
void
watch_set_notified(struct watch *w, json_t *list)
{
	free(w->notified);
	w->notified = list != NULL ? json_dumps(list, JSON_COMPACT) : NULL;
	w->nnotified = json_array_size(list);
}

/* Keep text, a compact JSON array of n anomalies, as what was notified. */
void
watch_set_notified_text(struct watch *w, char *text, size_t n)
{
	free(w->notified);
	w->notified = text;
	w->nnotified = n;
}

/* A time for people, or null for 0 (never). */
static json_t *
time_json(long long t)
{
	char	 buf[32];

	if (t <= 0)
		return json_null();
	format_time_iso(t, buf, sizeof buf);
	return json_string(buf);
}

/* The watch as routes show it. */
json_t *
watch_json(const struct watch *w)
{
	char	 win[32];

	format_duration(w->window, win, sizeof win);
	return json_pack("{s:s, s:s, s:s, s:s, s:s?, s:I, s:s, s:s, s:o, s:o,"
	    " s:s?, s:i, s:I, s:I, s:I}",
	    "watch_id", w->id,
	    "service", w->service,
	    "profile", w->profile,
	    "notifier", w->notifier,
	    "destination", w->destination,
	    "interval_seconds", (json_int_t)w->interval,
	    "window", win,
	    "status", w->running ? "running" : "stopped",
	    "started_at", time_json(w->started_at),
	    "last_run_at", time_json(w->last_run_at),
	    "last_error", w->last_error,
	    "consecutive_failures", w->failures,
	    "checks", (json_int_t)w->checks,
	    "notifications", (json_int_t)w->notifications,
	    "anomaly_count", (json_int_t)w->nnotified);
}

/* A watch from its state file's JSON; NULL and why when it is not one. */
struct watch *
watch_from_json(json_t *j, char *err, size_t errlen)
{
	struct watch	*w;
	const char	*id, *service, *profile, *notifier, *dest;
	const char	*lasterr;
	json_int_t	 interval, window, started, lastrun, checks, notes;
	json_int_t	 nseq = 0;
	json_t		*notified = NULL, *jdest = NULL, *jerrv = NULL;
	json_error_t	 jerr;
	int		 running, failures;

	if (json_unpack_ex(j, &jerr, 0, "{s:s, s:s, s:s, s:s, s?:o, s:I, s:I,"
	    " s:b, s:I, s:I, s?:o, s:i, s:I, s:I, s?:o, s?:I}",
	    "watch_id", &id,
	    "service", &service,
	    "profile", &profile,
	    "notifier", &notifier,
	    "destination", &jdest,
	    "interval_seconds", &interval,
	    "window_seconds", &window,
	    "running", &running,
	    "started_at", &started,
	    "last_run_at", &lastrun,
	    "last_error", &jerrv,
	    "consecutive_failures", &failures,
	    "checks", &checks,
	    "notifications", &notes,
	    "notified", &notified,
	    "notified_seq", &nseq) == -1) {
		seterr(err, errlen, "%s", jerr.text);
		return NULL;
	}
	dest = json_string_value(jdest);
	lasterr = json_string_value(jerrv);
	if ((jdest != NULL && dest == NULL && !json_is_null(jdest)) ||
	    (jerrv != NULL && lasterr == NULL && !json_is_null(jerrv))) {
		seterr(err, errlen, "destination and last_error must be "
		    "strings");
		return NULL;
	}
	if (strncmp(id, "watch-", 6) != 0 || strlen(id) != 14 ||
	    interval < 1 || interval > WATCH_INTERVAL_MAX || window < 1 ||
	    nseq < 0 ||
	    (notified != NULL && !json_is_array(notified) &&
	    !json_is_null(notified))) {
		seterr(err, errlen, "a value is out of range");
		return NULL;
	}
	w = watch_new();
	strlcpy(w->id, id, sizeof w->id);
	w->service = xstrdup(service);
	w->profile = xstrdup(profile);
	w->notifier = xstrdup(notifier);
	w->destination = dest != NULL ? xstrdup(dest) : NULL;
	w->interval = interval;
	w->window = window;
	w->running = running;
	w->started_at = started;
	w->last_run_at = lastrun;
	w->last_error = lasterr != NULL ? xstrdup(lasterr) : NULL;
	w->failures = failures;
	w->checks = checks;
	w->notifications = notes;
	if (json_is_array(notified))
		watch_set_notified(w, notified);
	w->notified_seq = (unsigned long long)nseq;
	return w;
}

/*
 * Add a watch's journal line to buf: written here rather than through a
 * tree, what it notified copied in as the text it is kept as.
 */
void
watch_record(const struct watch *w, struct strbuf *buf)
{
	strbuf_str(buf, "{\"version\":1,\"watch_id\":");
	strbuf_json(buf, w->id);
	strbuf_str(buf, ",\"service\":");
	strbuf_json(buf, w->service);
	strbuf_str(buf, ",\"profile\":");
	strbuf_json(buf, w->profile);
	strbuf_str(buf, ",\"notifier\":");
	strbuf_json(buf, w->notifier);
	strbuf_str(buf, ",\"destination\":");
	strbuf_json(buf, w->destination);
	strbuf_str(buf, ",\"interval_seconds\":");
	strbuf_int(buf, w->interval);
	strbuf_str(buf, ",\"window_seconds\":");
	strbuf_int(buf, w->window);
	strbuf_str(buf, w->running ? ",\"running\":true" :
	    ",\"running\":false");
	strbuf_str(buf, ",\"started_at\":");
	strbuf_int(buf, w->started_at);
	strbuf_str(buf, ",\"last_run_at\":");
	strbuf_int(buf, w->last_run_at);
	strbuf_str(buf, ",\"last_error\":");
	strbuf_json(buf, w->last_error);
	strbuf_str(buf, ",\"consecutive_failures\":");
	strbuf_int(buf, w->failures);
	strbuf_str(buf, ",\"checks\":");
	strbuf_int(buf, w->checks);
	strbuf_str(buf, ",\"notifications\":");
	strbuf_int(buf, w->notifications);
	strbuf_str(buf, ",\"notified_seq\":");
	strbuf_int(buf, (long long)w->notified_seq);
	if (w->notified != NULL) {
		strbuf_str(buf, ",\"notified\":");
		strbuf_str(buf, w->notified);
	}
	strbuf_str(buf, "}\n");
}

/* Add the journal line of a deleted watch to buf. */
void
watch_gone_record(const char *id, struct strbuf *buf)
{
	json_t	*j = json_pack("{s:i, s:s, s:b}", "version", 1, "watch_id", id,
	    "deleted", 1);
	char	*text;

	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	strbuf_str(buf, text);
	strbuf_addc(buf, '\n');
	free(text);
}

/* The bucket of a watch ID in a table of nb (a power of two) buckets. */
static struct watch **
id_bucket(struct watch **b, size_t nb, const char *id)
{
	unsigned	 h = 2166136261u;

	for (; *id != '\0'; id++)
		h = (h ^ (unsigned char)*id) * 16777619u;
	return &b[h & (nb - 1)];
}

/* Where the watch with an ID is in a table; *pp is NULL for none. */
static struct watch **
id_find(struct watch **b, size_t nb, const char *id)
{
	struct watch	**pp;

	for (pp = id_bucket(b, nb, id); *pp != NULL; pp = &(*pp)->hnext)
		if (strcmp((*pp)->id, id) == 0)
			break;
	return pp;
}

/* What watch_journal_load reads with: the watches by ID, in order. */
struct wread {
	struct watch	**v;
	size_t		 n;
	struct watch	**b;
	size_t		 nb;		/* buckets, a power of two */
	const char	*path;
	void		(*warn)(const char *);
};

/* One line of the watches' journal: the newest state of a watch. */
static void
watch_line(void *cls, const char *line, size_t len, size_t lineno)
{
	struct wread	*r = cls;
	struct watch	**pp, *w, *x, *next, **nb;
	json_t		*j;
	const char	*id;
	char		 why[256], msg[1024];
	size_t		 k;

	if ((j = json_loadb(line, len, 0, NULL)) == NULL ||
	    (id = json_string_value(json_object_get(j, "watch_id"))) == NULL) {
		snprintf(msg, sizeof msg, "%s:%zu: not a watch (%s); skipped",
		    r->path, lineno, j == NULL ? "not JSON" : "no watch_id");
		r->warn(msg);
		json_decref(j);
		return;
	}
	pp = id_find(r->b, r->nb, id);
	if (json_is_true(json_object_get(j, "deleted"))) {
		if ((x = *pp) != NULL) {
			/* A hole, closed at the end. */
			*pp = x->hnext;
			r->v[x->slot] = NULL;
			watch_free(x);
		}
		json_decref(j);
		return;
	}
	if ((w = watch_from_json(j, why, sizeof why)) == NULL) {
		snprintf(msg, sizeof msg, "%s:%zu: not a watch (%s); skipped",
		    r->path, lineno, why);
		r->warn(msg);
		json_decref(j);
		return;
	}
	json_decref(j);
	if ((x = *pp) != NULL) {
		w->slot = x->slot;
		w->hnext = x->hnext;
		watch_free(x);
	} else {
		r->v = xreallocarray(r->v, r->n + 1, sizeof *r->v);
		w->slot = r->n++;
		w->hnext = NULL;
	}
	*pp = w;
	r->v[w->slot] = w;
	if (r->n > r->nb) {
		/* Twice the buckets, the watches spread again. */
		nb = xcalloc(r->nb * 2, sizeof *nb);
		for (k = 0; k < r->nb; k++)
			for (x = r->b[k]; x != NULL; x = next) {
				next = x->hnext;
				pp = id_bucket(nb, r->nb * 2, x->id);
				x->hnext = *pp;
				*pp = x;
			}
		free(r->b);
		r->b = nb;
		r->nb *= 2;
	}
}

/*
 * The watches of the journal at path, in a new array, in the order they
 * were first made: the newest line of each counts, and a deleted one is
 * left out. A last line cut short by a crash is cut off the file
 * (store_read_lines); a line that is not a watch is reported through
 * warn and skipped. *bytes is the size of the file. NULL with err set
 * when it cannot be read.
 */
struct watch **
watch_journal_load(const char *path, size_t *np, size_t *bytes,
    void (*warn)(const char *), char *err, size_t errlen)
{
	struct wread	 r;
	size_t		 i, k;

	*np = 0;
	memset(&r, 0, sizeof r);
	r.v = xcalloc(1, sizeof *r.v);
	r.nb = 1024;
	r.b = xcalloc(r.nb, sizeof *r.b);
	r.path = path;
	r.warn = warn;
	if (store_read_lines(path, watch_line, &r, warn, bytes, err,
	    errlen) == -1) {
		free(r.b);
		free(r.v);
		return NULL;
	}
	free(r.b);
	for (i = 0, k = 0; i < r.n; i++)
		if (r.v[i] != NULL) {
			r.v[i]->hnext = NULL;
			r.v[i]->slot = 0;
			r.v[k++] = r.v[i];
		}
	*np = k;
	return r.v;
}

/*
 * Every watch in a directory of one file each, as tinkr kept them before
 * the journal, in a new array. A file that cannot be read is reported
 * through warn and left where it is.
 */
struct watch **
watch_dir_load(const char *dir, size_t *np, void (*warn)(const char *),
    char *err, size_t errlen)
{
	struct watch	**v = NULL, *w;
	struct dirent	*de;
	DIR		*dp;
	json_error_t	 jerr;
	json_t		*j;
	char		*text, why[256], msg[1024];
	size_t		 len, n = 0;

	*np = 0;
	if ((dp = opendir(dir)) == NULL) {
		seterr(err, errlen, "cannot read %s: %s", dir, strerror(errno));
		return NULL;
	}
	while ((de = readdir(dp)) != NULL) {
		len = strlen(de->d_name);
		if (strncmp(de->d_name, "watch-", 6) != 0 || len < 5 ||
		    strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		if ((text = store_get(dir, de->d_name, WATCH_FILE_MAX,
		    &len)) == NULL) {
			snprintf(msg, sizeof msg, "%s/%s: %s", dir, de->d_name,
			    strerror(errno));
			warn(msg);
			continue;
		}
		j = json_loadb(text, len, 0, &jerr);
		free(text);
		if (j == NULL)
			seterr(why, sizeof why, "%s", jerr.text);
		if (j == NULL || (w = watch_from_json(j, why,
		    sizeof why)) == NULL) {
			snprintf(msg, sizeof msg, "%s/%s: not a watch (%s); "
			    "left alone", dir, de->d_name, why);
			warn(msg);
			json_decref(j);
			continue;
		}
		json_decref(j);
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n++] = w;
	}
	closedir(dp);
	*np = n;
	return v;
}

/* "service\nmetric\nseverity" of an anomaly, in buf. */
static void
identity(json_t *a, char *buf, size_t len, int with_severity)
{
	const char	*s, *m, *v;

	s = json_string_value(json_object_get(a, "service"));
	m = json_string_value(json_object_get(a, "metric"));
	v = json_string_value(json_object_get(a, "severity"));
	snprintf(buf, len, "%s\n%s\n%s", s != NULL ? s : "",
	    m != NULL ? m : "", with_severity && v != NULL ? v : "");
}

/* Whether list holds an anomaly with a's identity. */
static int
holds(json_t *list, json_t *a, int with_severity)
{
	char	 want[512], have[512];
	size_t	 i;
	json_t	*b;

	identity(a, want, sizeof want, with_severity);
	json_array_foreach(list, i, b) {
		identity(b, have, sizeof have, with_severity);
		if (strcmp(want, have) == 0)
			return 1;
	}
	return 0;
}

/*
 * Whether two anomaly lists differ as sets of identities (service, metric,
 * severity): a new anomaly, a changed severity, or one gone. Descriptions
 * and values do not count. NULL is the empty list.
 */
int
anomalies_differ(json_t *old, json_t *new)
{
	size_t	 i;
	json_t	*a;

	json_array_foreach(new, i, a)
		if (!holds(old, a, 1))
			return 1;
	json_array_foreach(old, i, a)
		if (!holds(new, a, 1))
			return 1;
	return 0;
}

/* The anomalies of old whose (service, metric) is not in new: cleared. */
json_t *
anomalies_cleared(json_t *old, json_t *new)
{
	json_t	*gone = json_array(), *a;
	size_t	 i;

	json_array_foreach(old, i, a)
		if (!holds(new, a, 0))
			json_array_append(gone, a);
	return gone;
}
