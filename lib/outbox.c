/*
 * outbox.c -- notifications on their way, kept so that none is lost.
 *
 * Every notification is a line in one append-only journal
 * (deliveries.jsonl in the state directory): a record when it is made,
 * another each time a retry is set, and one when it is delivered, fails
 * for good or is cancelled. The newest record of a notification is what
 * it is. The daemon writes a turn's records together and flushes them
 * once before any new notification's first attempt (group commit), so a
 * crash at any instant leaves each notification either not yet made or
 * in the journal; one that was pending is sent again with the same event
 * ID. Delivery is at least once, and receivers drop duplicates by that ID.
 * The journal is rewritten, shorter, when it grows (deliver.c).
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
	free(d->body);
	free(d);
}

/* A fresh event ID: "evt_" and 24 random hex digits. */
void
delivery_new_id(char *buf, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	uint32_t		 r[3];
	char			 id[4 + 24 + 1] = "evt_";
	size_t			 i;

	r[0] = arc4random();
	r[1] = arc4random();
	r[2] = arc4random();
	for (i = 0; i < 24; i++)
		id[4 + i] = hex[(r[i / 8] >> (28 - 4 * (i % 8))) & 0xf];
	id[28] = '\0';
	strlcpy(buf, id, len);
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

/* Keep a payload object as a notification's body, with its status. */
void
delivery_set_body(struct delivery *d, json_t *payload)
{
	const char	*st;

	free(d->body);
	d->body = json_dumps(payload, JSON_COMPACT);
	st = json_string_value(json_object_get(payload, "status"));
	strlcpy(d->status, st != NULL ? st : "firing", sizeof d->status);
	d->nanomalies = json_array_size(json_object_get(payload,
	    "anomalies"));
}

/* A notification as routes show it. */
json_t *
delivery_json(const struct delivery *d)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:s?, s:o, s:o, s:o,"
	    " s:s, s:I}",
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
	    "event_status", d->status,
	    "anomaly_count", (json_int_t)d->nanomalies);
}

/*
 * Add a notification's journal record to buf: one line of JSON, written
 * here rather than through a tree, the body last as it is.
 */
void
delivery_record(const struct delivery *d, struct strbuf *buf)
{
	strbuf_str(buf, "{\"version\":1,\"event_id\":");
	strbuf_json(buf, d->event_id);
	strbuf_str(buf, ",\"seq\":");
	strbuf_int(buf, (long long)d->seq);
	strbuf_str(buf, ",\"watch_id\":");
	strbuf_json(buf, d->watch_id);
	strbuf_str(buf, ",\"service\":");
	strbuf_json(buf, d->service);
	strbuf_str(buf, ",\"profile\":");
	strbuf_json(buf, d->profile);
	strbuf_str(buf, ",\"notifier\":");
	strbuf_json(buf, d->notifier);
	strbuf_str(buf, ",\"destination\":");
	strbuf_json(buf, d->destination);
	strbuf_str(buf, ",\"state\":");
	strbuf_json(buf, dstate_name(d->state));
	strbuf_str(buf, ",\"attempts\":");
	strbuf_int(buf, d->attempts);
	strbuf_str(buf, ",\"created_at\":");
	strbuf_int(buf, d->created_at);
	strbuf_str(buf, ",\"updated_at\":");
	strbuf_int(buf, d->updated_at);
	strbuf_str(buf, ",\"next_at\":");
	strbuf_int(buf, d->next_at);
	strbuf_str(buf, ",\"last_result\":");
	strbuf_json(buf, d->last_result);
	if (d->resent)
		strbuf_str(buf, ",\"resent\":true");
	strbuf_str(buf, ",\"payload\":");
	strbuf_str(buf, d->body);
	strbuf_str(buf, "}\n");
}

/* A notification from its JSON; NULL and why when it is not one. */
struct delivery *
delivery_from_json(json_t *j, char *err, size_t errlen)
{
	struct delivery	*d;
	const char	*id, *watch, *service, *profile, *notifier, *state;
	const char	*dest, *last;
	json_int_t	 seq, created, updated, next;
	json_t		*payload, *jdest = NULL, *jlast = NULL, *jresent = NULL;
	json_error_t	 jerr;
	int		 attempts;
	size_t		 i;

	if (json_unpack_ex(j, &jerr, 0, "{s:s, s:I, s:s, s:s, s:s, s:s,"
	    " s?:o, s:s, s:i, s:I, s:I, s:I, s?:o, s:o, s?:o}",
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
	    "payload", &payload,
	    "resent", &jresent) == -1) {
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
	d->resent = json_is_true(jresent);
	delivery_set_body(d, payload);
	return d;
}

static int
delivery_cmp(const void *a, const void *b)
{
	const struct delivery	*x = *(struct delivery *const *)a;
	const struct delivery	*y = *(struct delivery *const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* --- reading the journal ------------------------------------------------- */

/* The newest record of each notification, by event ID, while reading. */
struct jtable {
	struct delivery	**bucket;
	size_t		 nbuckets;	/* a power of two */
	size_t		 n;
	struct delivery	**ring;		/* finished, the last max of them */
	size_t		 max, start, nring;
};

static unsigned
event_hash(const char *id)
{
	unsigned	 h = 2166136261u;

	for (; *id != '\0'; id++)
		h = (h ^ (unsigned char)*id) * 16777619u;
	return h;
}

static struct delivery **
jt_slot(struct jtable *t, const char *id)
{
	struct delivery	**pp;

	pp = &t->bucket[event_hash(id) & (t->nbuckets - 1)];
	while (*pp != NULL && strcmp((*pp)->event_id, id) != 0)
		pp = &(*pp)->hnext;
	return pp;
}

static void
jt_grow(struct jtable *t)
{
	struct delivery	**old = t->bucket, *d, *next;
	size_t		 i, n = t->nbuckets;

	t->nbuckets = n == 0 ? 1024 : n * 2;
	t->bucket = xcalloc(t->nbuckets, sizeof *t->bucket);
	for (i = 0; i < n; i++)
		for (d = old[i]; d != NULL; d = next) {
			next = d->hnext;
			d->hnext = t->bucket[event_hash(d->event_id) &
			    (t->nbuckets - 1)];
			t->bucket[event_hash(d->event_id) &
			    (t->nbuckets - 1)] = d;
		}
	free(old);
}

/* Drop a record from the table (and the ring), freeing it. */
static void
jt_drop(struct jtable *t, struct delivery **pp)
{
	struct delivery	*d = *pp;

	*pp = d->hnext;
	t->n--;
	if (d->state != D_PENDING)
		t->ring[d->slot] = NULL;
	delivery_free(d);
}

/* Make d the newest record of its notification. */
static void
jt_put(struct jtable *t, struct delivery *d)
{
	struct delivery	**pp;
	size_t		 at;

	if (t->n >= t->nbuckets)
		jt_grow(t);
	/* In the old record's place, the rest of its bucket behind it. */
	if (*(pp = jt_slot(t, d->event_id)) != NULL)
		jt_drop(t, pp);
	d->hnext = *pp;
	*pp = d;
	t->n++;
	if (d->state == D_PENDING)
		return;
	if (t->nring == t->max) {
		/* The oldest finished record goes, if it is still there. */
		if (t->ring[t->start] != NULL)
			jt_drop(t, jt_slot(t, t->ring[t->start]->event_id));
		t->start = (t->start + 1) % t->max;
		t->nring--;
	}
	at = (t->start + t->nring++) % t->max;
	t->ring[at] = d;
	d->slot = at;
}

/* What journal_load reads with. */
struct jread {
	struct jtable	 t;
	struct journal	*jl;
	const char	*path;
	void		(*seen)(void *, const struct delivery *, json_t *);
	void		*arg;
	void		(*warn)(const char *);
};

/* One line of the journal: a record, or a line reported and skipped. */
static void
journal_line(void *cls, const char *line, size_t len, size_t lineno)
{
	struct jread	*r = cls;
	struct delivery	*d;
	json_error_t	 jerr;
	json_t		*j;
	char		 why[256], msg[1024];

	if ((j = json_loadb(line, len, 0, &jerr)) == NULL) {
		snprintf(msg, sizeof msg, "%s:%zu: not a record (not JSON, "
		    "column %d); skipped", r->path, lineno, jerr.column);
		r->warn(msg);
		return;
	}
	if ((d = delivery_from_json(j, why, sizeof why)) == NULL) {
		snprintf(msg, sizeof msg, "%s:%zu: not a record (%s); skipped",
		    r->path, lineno, why);
		r->warn(msg);
		json_decref(j);
		return;
	}
	r->jl->records++;
	if (r->seen != NULL)
		r->seen(r->arg, d, json_object_get(j, "payload"));
	json_decref(j);
	jt_put(&r->t, d);
}

/*
 * Read the journal at path: the newest record of each notification
 * counts. The pending ones are to be queued again; of the finished ones
 * the last max are kept to list. seen, if set, is called with every
 * record as it is read, and its body. A last line cut short by a crash
 * is cut off (store_read_lines); a line that is not a record is reported
 * through warn and skipped. -1 and err when the file cannot be read.
 */
int
journal_load(const char *path, size_t max, struct journal *jl,
    void (*seen)(void *, const struct delivery *, json_t *), void *arg,
    void (*warn)(const char *), char *err, size_t errlen)
{
	struct jread	 r;
	struct delivery	*d;
	size_t		 i;
	int		 rc;

	memset(jl, 0, sizeof *jl);
	memset(&r, 0, sizeof r);
	r.jl = jl;
	r.path = path;
	r.seen = seen;
	r.arg = arg;
	r.warn = warn;
	r.t.max = max > 0 ? max : 1;
	r.t.ring = xcalloc(r.t.max, sizeof *r.t.ring);
	jt_grow(&r.t);
	rc = store_read_lines(path, journal_line, &r, warn, &jl->bytes, err,
	    errlen);
	for (i = 0; i < r.t.nbuckets; i++)
		for (d = r.t.bucket[i]; d != NULL; d = d->hnext)
			if (d->state == D_PENDING) {
				jl->pending = xreallocarray(jl->pending,
				    jl->npending + 1, sizeof *jl->pending);
				jl->pending[jl->npending++] = d;
			}
	if (jl->npending > 1)
		qsort(jl->pending, jl->npending, sizeof *jl->pending,
		    delivery_cmp);
	if (r.t.nring > 0)
		jl->done = xcalloc(r.t.nring, sizeof *jl->done);
	for (i = 0; i < r.t.nring; i++)
		if ((d = r.t.ring[(r.t.start + i) % r.t.max]) != NULL)
			jl->done[jl->ndone++] = d;
	for (i = 0; i < jl->npending; i++)
		jl->pending[i]->hnext = NULL;
	for (i = 0; i < jl->ndone; i++)
		jl->done[i]->hnext = NULL;
	free(r.t.bucket);
	free(r.t.ring);
	return rc;
}

/*
 * The notifications in an outbox directory of one file each, as tinkr
 * kept them before the journal, oldest first, in a new array (NULL when
 * there is none). A file that cannot be read is reported through warn
 * and left where it is; the others are for the caller to remove once
 * they are in the journal.
 */
struct delivery **
outbox_dir_load(const char *dir, size_t *np, void (*warn)(const char *))
{
	struct delivery	**v = NULL, *d;
	struct dirent	*de;
	DIR		*dp;
	json_error_t	 jerr;
	json_t		*j;
	char		*text, why[256], msg[1024];
	size_t		 len, n = 0;

	*np = 0;
	if ((dp = opendir(dir)) == NULL)
		return NULL;
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
			seterr(why, sizeof why, "not JSON, line %d", jerr.line);
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
