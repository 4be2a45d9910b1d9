/*
 * watch.c -- watches: what they are, how they are kept in the state
 * directory (one file each, replaced whole), and how a check's anomalies
 * are compared with those last notified.
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

/* The watch as its state file holds it. */
static json_t *
watch_state_json(const struct watch *w)
{
	return json_pack("{s:i, s:s, s:s, s:s, s:s, s:s*, s:I, s:I, s:b, s:I,"
	    " s:I, s:s*, s:i, s:I, s:I, s:o*, s:I}",
	    "version", 1,
	    "watch_id", w->id,
	    "service", w->service,
	    "profile", w->profile,
	    "notifier", w->notifier,
	    "destination", w->destination,
	    "interval_seconds", (json_int_t)w->interval,
	    "window_seconds", (json_int_t)w->window,
	    "running", w->running,
	    "started_at", (json_int_t)w->started_at,
	    "last_run_at", (json_int_t)w->last_run_at,
	    "last_error", w->last_error,
	    "consecutive_failures", w->failures,
	    "checks", (json_int_t)w->checks,
	    "notifications", (json_int_t)w->notifications,
	    "notified", watch_notified(w),
	    "notified_seq", (json_int_t)w->notified_seq);
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

/* Write a watch's state file, flushed with sync. */
int
watch_save(const char *dir, const struct watch *w, int sync, char *err,
    size_t errlen)
{
	json_t	*j = watch_state_json(w);
	char	*text, name[32];
	int	 rc;

	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	snprintf(name, sizeof name, "%s.json", w->id);
	rc = store_put(dir, name, text, strlen(text), sync, err, errlen);
	free(text);
	return rc;
}

/* Remove a watch's state file. */
int
watch_unlink(const char *dir, const char *id, char *err, size_t errlen)
{
	char	 name[32];

	snprintf(name, sizeof name, "%s.json", id);
	return store_remove(dir, name, err, errlen);
}

/*
 * Every watch kept in dir, in a new array. A file that cannot be read is
 * reported through warn and left where it is.
 */
struct watch **
watch_load_all(const char *dir, size_t *np, void (*warn)(const char *),
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
