/*
 * outbox.c -- notifications on their way, kept so that none is lost.
 *
 * A notification is written to the outbox directory, flushed, before its
 * first attempt: one file named by its sequence number and event ID, so a
 * listing sorted by name is the order they were made in. When it is
 * delivered, or fails for good, a line is appended to history.jsonl and
 * only then is the file removed. A crash between the two leaves the file,
 * and the notification is sent again with the same event ID: delivery is
 * at least once, and receivers drop duplicates by that ID.
 */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "util.h"
#include "watch.h"

#define OUTBOX_FILE_MAX	(16 * 1024 * 1024)

static const char *const dstate_names[] = {
	[D_PENDING] = "pending",
	[D_DELIVERED] = "delivered",
	[D_FAILED] = "failed",
	[D_CANCELLED] = "cancelled"
};

/* A new, empty notification. */
struct delivery *
delivery_new(void)
{
	return xcalloc(1, sizeof(struct delivery));
}

/* Free a notification. */
void
delivery_free(struct delivery *d)
{
	if (d == NULL)
		return;
	free(d->watch_id);
	free(d->service);
	free(d->profile);
	free(d->notifier);
	free(d->destination);
	free(d->last_result);
	json_decref(d->payload);
	free(d);
}

/* A fresh event ID: "evt_" and 24 random hex digits. */
void
delivery_new_id(char *buf, size_t len)
{
	snprintf(buf, len, "evt_%08x%08x%08x", arc4random(), arc4random(),
	    arc4random());
}

/* "pending", "delivered", ... */
const char *
dstate_name(enum dstate s)
{
	return dstate_names[s];
}

/* A time for people, or null for 0. */
static json_t *
time_json(long long t)
{
	char	 buf[32];

	if (t <= 0)
		return json_null();
	format_time_iso(t, buf, sizeof buf);
	return json_string(buf);
}

/*
 * A notification as JSON: for routes (full unset), or whole as its file
 * and history hold it, payload included.
 */
json_t *
delivery_json(const struct delivery *d, int full)
{
	const char	*st;
	json_t		*j;

	if (full)
		return json_pack("{s:i, s:s, s:I, s:s, s:s, s:s, s:s, s:s*,"
		    " s:s, s:i, s:I, s:I, s:I, s:s*, s:O}",
		    "version", 1,
		    "event_id", d->event_id,
		    "seq", (json_int_t)d->seq,
		    "watch_id", d->watch_id,
		    "service", d->service,
		    "profile", d->profile,
		    "notifier", d->notifier,
		    "destination", d->destination,
		    "state", dstate_name(d->state),
		    "attempts", d->attempts,
		    "created_at", (json_int_t)d->created_at,
		    "updated_at", (json_int_t)d->updated_at,
		    "next_at", (json_int_t)d->next_at,
		    "last_result", d->last_result,
		    "payload", d->payload);
	st = json_string_value(json_object_get(d->payload, "status"));
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:s?, s:o, s:o, s:o,"
	    " s:s?, s:I}",
	    "event_id", d->event_id,
	    "watch_id", d->watch_id,
	    "notifier", d->notifier,
	    "service", d->service,
	    "status", dstate_name(d->state),
	    "attempts", d->attempts,
	    "last_result", d->last_result,
	    "created_at", time_json(d->created_at),
	    "updated_at", time_json(d->updated_at),
	    "next_attempt_at", d->state == D_PENDING ?
	    time_json(d->next_at / 1000) : json_null(),
	    "event_status", st,
	    "anomaly_count", (json_int_t)json_array_size(
	    json_object_get(d->payload, "anomalies")));
	return j;
}

/* A notification from its JSON; NULL and why when it is not one. */
struct delivery *
delivery_from_json(json_t *j, char *err, size_t errlen)
{
	struct delivery	*d;
	const char	*id, *watch, *service, *profile, *notifier, *state;
	const char	*dest, *last;
	json_int_t	 seq, created, updated, next;
	json_t		*payload, *jdest = NULL, *jlast = NULL;
	json_error_t	 jerr;
	int		 attempts;
	size_t		 i;

	if (json_unpack_ex(j, &jerr, 0, "{s:s, s:I, s:s, s:s, s:s, s:s,"
	    " s?:o, s:s, s:i, s:I, s:I, s:I, s?:o, s:o}",
	    "event_id", &id,
	    "seq", &seq,
	    "watch_id", &watch,
	    "service", &service,
	    "profile", &profile,
	    "notifier", &notifier,
	    "destination", &jdest,
	    "state", &state,
	    "attempts", &attempts,
	    "created_at", &created,
	    "updated_at", &updated,
	    "next_at", &next,
	    "last_result", &jlast,
	    "payload", &payload) == -1) {
		seterr(err, errlen, "%s", jerr.text);
		return NULL;
	}
	dest = json_string_value(jdest);
	last = json_string_value(jlast);
	if ((jdest != NULL && dest == NULL && !json_is_null(jdest)) ||
	    (jlast != NULL && last == NULL && !json_is_null(jlast))) {
		seterr(err, errlen, "destination and last_result must be "
		    "strings");
		return NULL;
	}
	if (strncmp(id, "evt_", 4) != 0 || strlen(id) >= 32 ||
	    !json_is_object(payload) || seq < 0 || attempts < 0) {
		seterr(err, errlen, "a value is out of range");
		return NULL;
	}
	d = delivery_new();
	strlcpy(d->event_id, id, sizeof d->event_id);
	d->seq = (unsigned long long)seq;
	d->watch_id = xstrdup(watch);
	d->service = xstrdup(service);
	d->profile = xstrdup(profile);
	d->notifier = xstrdup(notifier);
	d->destination = dest != NULL ? xstrdup(dest) : NULL;
	for (i = 0; i < nitems(dstate_names); i++)
		if (strcmp(state, dstate_names[i]) == 0)
			d->state = (enum dstate)i;
	d->attempts = attempts;
	d->created_at = created;
	d->updated_at = updated;
	d->next_at = next;
	d->last_result = last != NULL ? xstrdup(last) : NULL;
	d->payload = json_incref(payload);
	return d;
}

/* The outbox file's name of a notification. */
static void
outbox_name(const struct delivery *d, char *buf, size_t len)
{
	snprintf(buf, len, "%016llu-%s.json", d->seq, d->event_id);
}

/*
 * Write (or rewrite) a notification's outbox file; flushed with sync, or
 * left for the caller to flush with others (store_sync_all).
 */
int
outbox_save(const char *dir, const struct delivery *d, int sync, char *err,
    size_t errlen)
{
	json_t	*j = delivery_json(d, 1);
	char	*text, name[96];
	int	 rc;

	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	outbox_name(d, name, sizeof name);
	rc = store_put(dir, name, text, strlen(text), sync, err, errlen);
	free(text);
	return rc;
}

/*
 * Add a finished notification's history line to buf. Once the lines are
 * in the history file, flushed, the notifications leave the outbox
 * (outbox_remove): a crash in between sends them again, never not at all.
 */
void
outbox_history_line(const struct delivery *d, struct strbuf *buf)
{
	json_t	*j = delivery_json(d, 1);
	char	*text;

	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	strbuf_str(buf, text);
	strbuf_addc(buf, '\n');
	free(text);
}


static int
delivery_cmp(const void *a, const void *b)
{
	const struct delivery	*x = *(struct delivery *const *)a;
	const struct delivery	*y = *(struct delivery *const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * The notifications in the outbox, oldest first, in a new array. A file
 * that cannot be read is reported through warn and left where it is.
 */
struct delivery **
outbox_load(const char *dir, size_t *np, void (*warn)(const char *),
    char *err, size_t errlen)
{
	struct delivery	**v = NULL, *d;
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
		if (de->d_name[0] == '.' || len < 5 ||
		    strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		if ((text = store_get(dir, de->d_name, OUTBOX_FILE_MAX,
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
		if (j == NULL || (d = delivery_from_json(j, why,
		    sizeof why)) == NULL) {
			snprintf(msg, sizeof msg, "%s/%s: not a notification "
			    "(%s); left alone", dir, de->d_name, why);
			warn(msg);
			json_decref(j);
			continue;
		}
		json_decref(j);
		d->state = D_PENDING;
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n++] = d;
	}
	closedir(dp);
	if (n > 1)
		qsort(v, n, sizeof *v, delivery_cmp);
	*np = n;
	return v;
}

/*
 * The last max records of the history file, oldest first, in a new
 * array; lines that are not records (a line cut by a crash) are skipped.
 */
struct delivery **
history_load(const char *path, size_t max, size_t *np)
{
	struct delivery	**v;
	json_t		*j;
	FILE		*fp;
	char		*line = NULL, why[256];
	size_t		 cap = 0, n = 0, i, start = 0;
	ssize_t		 len;

	*np = 0;
	if (max == 0 || (fp = fopen(path, "re")) == NULL)
		return NULL;
	v = xcalloc(max, sizeof *v);
	while ((len = getline(&line, &cap, fp)) != -1) {
		struct delivery	*d;

		if ((j = json_loadb(line, (size_t)len, 0, NULL)) == NULL)
			continue;
		d = delivery_from_json(j, why, sizeof why);
		json_decref(j);
		if (d == NULL)
			continue;
		/* A notification retried by hand: its last record counts. */
		for (i = 0; i < n; i++) {
			size_t	 at = (start + i) % max, k;

			if (strcmp(v[at]->event_id, d->event_id) != 0)
				continue;
			delivery_free(v[at]);
			for (k = i; k + 1 < n; k++)
				v[(start + k) % max] = v[(start + k + 1) % max];
			n--;
			break;
		}
		i = (start + n) % max;
		if (n == max) {
			delivery_free(v[start]);
			v[start] = d;
			start = (start + 1) % max;
		} else {
			v[i] = d;
			n++;
		}
	}
	free(line);
	fclose(fp);
	if (start != 0) {
		struct delivery	**r = xcalloc(max, sizeof *r);

		for (i = 0; i < n; i++)
			r[i] = v[(start + i) % max];
		free(v);
		v = r;
	}
	*np = n;
	return v;
}
