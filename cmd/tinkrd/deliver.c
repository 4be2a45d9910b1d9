/*
 * deliver.c -- getting notifications to their notifiers.
 *
 * Each notification waits in a queue of its (watch, notifier): only the
 * head of a queue is attempted, so a resolution never overtakes the firing
 * it resolves. An attempt is an HTTP POST on the daemon's fetcher (webhook,
 * discord) or a child process (exec); neither blocks the loop. A failure
 * that may pass (a timeout, a 5xx, 408, 429, exit 75) is retried after an
 * exponential backoff with full jitter, honouring Retry-After, until the
 * notifier's max_age; any other failure is final. Every change of state is
 * a record in the journal (outbox.c), written once a turn of the loop and
 * flushed before any new notification is first attempted.
 *
 * A queue whose head may go now is on the ready list; one whose head
 * waits for a retry is in a heap by when; one whose head is in flight,
 * or that is empty, is on neither. A turn looks only at those lists.
 */

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "fetch.h"
#include "log.h"
#include "notify.h"
#include "source.h"
#include "store.h"
#include "tinkrd.h"
#include "util.h"
#include "watch.h"

#define MAX_AGE_DEFAULT		86400	/* seconds */
#define ATTEMPT_TIMEOUT		10	/* seconds */
#define RECENT_MAX		1000	/* finished deliveries kept to list */
#define STDERR_TAIL		200
#define INFLIGHT_MAX		256	/* attempts at once */
#define ORIGIN_MAX		16	/* of them to one origin (or command), as
					   many as the fetcher's connections to
					   a host: more only wait in libcurl */
#define JOURNAL_MIN		(4 * 1024 * 1024)	/* bytes before it is cut */
#define JOURNAL_PER_WATCH	2048	/* more bytes allowed per watch */


/* The notifications of one (watch, notifier), oldest first. */
struct dqueue {
	char		*watch_id;
	char		*notifier;
	struct delivery	*head;
	struct delivery	*tail;
	struct dqueue	*prev;		/* in the list of all */
	struct dqueue	*next;
	struct dqueue	*hnext;		/* in its hash bucket */
	unsigned	 hash;
	enum {
		Q_IDLE,			/* empty, or its head in flight */
		Q_READY,		/* on the ready list */
		Q_WAITING		/* in the retry heap */
	}		 where;
	struct dqueue	*rnext;		/* on its origin's ready list */
	size_t		 slot;		/* in the retry heap */
};

#define QHASH_SIZE	4096

/* The bucket of a (watch, notifier). */
static unsigned
qhash(const char *watch_id, const char *notifier)
{
	unsigned	 h = 2166136261u;

	for (; *watch_id != '\0'; watch_id++)
		h = (h ^ (unsigned char)*watch_id) * 16777619u;
	h = (h ^ '\n') * 16777619u;
	for (; *notifier != '\0'; notifier++)
		h = (h ^ (unsigned char)*notifier) * 16777619u;
	return h;
}

/* Take a queue out of its hash bucket. */
static void
qhash_remove(struct tinkrd *d, struct dqueue *q)
{
	struct dqueue	**pp;

	for (pp = &d->qhash[q->hash % QHASH_SIZE]; *pp != NULL;
	    pp = &(*pp)->hnext)
		if (*pp == q) {
			*pp = q->hnext;
			return;
		}
}

/* What the daemon knows of a notifier's health. */
struct nhealth {
	char		*profile;
	char		*name;
	long long	 last_success;	/* epoch seconds */
	long long	 last_failure;
	char		*last_error;
	int		 broken;	/* a discord webhook that is gone */
	struct nhealth	*next;
};

/* A test notification's request, answered when its attempt is over. */
struct ntest {
	int		 done;
	int		 status;
	json_t		*answer;
	int		 orphan;	/* the request went away first */
};

/*
 * An origin (or exec command) that attempts go to: how many are in
 * flight, and the queues whose heads may go to it now. An origin with
 * queues ready and room for another attempt is runnable; turns take from
 * the runnable origins in turn, so one busy receiver neither holds up the
 * others nor piles transfers up in libcurl.
 */
struct obusy {
	char		 origin[256];
	int		 n;
	struct dqueue	*ready;
	struct dqueue	*ready_tail;
	int		 runnable;
	struct obusy	*rnext;		/* on the runnable list */
	struct obusy	*next;		/* in the list of all */
};

/* One attempt in flight. */
struct attempt {
	struct tinkrd	*d;
	struct delivery	*dl;		/* what is being delivered */
	struct dqueue	*q;		/* NULL for a test */
	struct ntest	*test;		/* non-NULL for a test */
	char		 type[16];	/* webhook, discord, exec */
	char		 origin[256];	/* for messages */
	long long	 started;	/* monotonic ms */
	struct fetch	*fe;
	struct obusy	*ob;		/* its origin's count */
	pid_t		 pid;		/* exec */
	int		 errfd;
	long long	 deadline;	/* monotonic ms */
	int		 exited;
	int		 wstatus;
	int		 killed;
	struct attempt	*next;
};

static void	attempt_fetched(struct fetch *, void *);
static void	deliver_start(struct tinkrd *);

/* --- attempts by origin ------------------------------------------------- */

static struct obusy *
obusy_of(struct tinkrd *d, const char *origin)
{
	struct obusy	*o;

	for (o = d->obusy; o != NULL; o = o->next)
		if (strcmp(o->origin, origin) == 0)
			return o;
	o = xcalloc(1, sizeof *o);
	strlcpy(o->origin, origin, sizeof o->origin);
	o->next = d->obusy;
	d->obusy = o;
	return o;
}

/* Put an origin on the runnable list if it has work and room for it. */
static void
origin_wake(struct tinkrd *d, struct obusy *o)
{
	if (o->runnable || o->ready == NULL || o->n >= ORIGIN_MAX)
		return;
	o->runnable = 1;
	o->rnext = NULL;
	if (d->runnable_tail != NULL)
		d->runnable_tail->rnext = o;
	else
		d->runnable = o;
	d->runnable_tail = o;
}

/*
 * Where a delivery's attempt would go, as attempts name it: the origin of
 * its URL, or the exec command; "" when its notifier is gone.
 */
static void
delivery_origin(struct tinkrd *d, const struct delivery *dl, char *buf,
    size_t len)
{
	const struct cprofile	*prof;
	const struct csection	*sec;
	const char		*type, *target;

	buf[0] = '\0';
	if ((prof = config_profile(d->conf, dl->profile)) == NULL ||
	    (sec = config_notifier(d->conf, prof, dl->notifier)) == NULL ||
	    (type = csection_str(sec, "type")) == NULL)
		return;
	if (strcmp(type, "exec") == 0)
		target = csection_str(sec, "command");
	else if (strcmp(type, "discord") == 0)
		target = csection_str(sec, "webhook_url");
	else if (dl->destination != NULL)
		target = dl->destination;
	else
		target = csection_str(sec, "url");
	if (target == NULL)
		return;
	if (strcmp(type, "exec") == 0)
		strlcpy(buf, target, len);
	else
		url_origin(target, buf, len);
}

/* --- notifier health --------------------------------------------------- */

/* What is known of a notifier's health, or NULL for nothing yet. */
static struct nhealth *
health_find(struct tinkrd *d, const char *profile, const char *name)
{
	struct nhealth	*h;

	for (h = d->health; h != NULL; h = h->next)
		if (strcmp(h->profile, profile) == 0 &&
		    strcmp(h->name, name) == 0)
			return h;
	return NULL;
}

/* A notifier's health, made empty if need be. */
static struct nhealth *
health_of(struct tinkrd *d, const char *profile, const char *name)
{
	struct nhealth	*h;

	if ((h = health_find(d, profile, name)) != NULL)
		return h;
	h = xcalloc(1, sizeof *h);
	h->profile = xstrdup(profile);
	h->name = xstrdup(name);
	h->next = d->health;
	d->health = h;
	return h;
}

static void
health_note(struct tinkrd *d, const char *profile, const char *name, int ok,
    const char *result)
{
	struct nhealth	*h = health_of(d, profile, name);

	if (ok) {
		h->last_success = (long long)time(NULL);
		return;
	}
	h->last_failure = (long long)time(NULL);
	free(h->last_error);
	h->last_error = xstrdup(result);
}

/* The health of a notifier as JSON members added to j. */
void
deliver_health_json(struct tinkrd *d, const char *profile, const char *name,
    json_t *j)
{
	struct nhealth	*h;
	char		 t[32];

	h = health_find(d, profile, name);
	if (h != NULL && h->last_success > 0) {
		format_time_iso(h->last_success, t, sizeof t);
		json_object_set_new(j, "last_success_at", json_string(t));
	} else
		json_object_set_new(j, "last_success_at", json_null());
	if (h != NULL && h->last_failure > 0) {
		format_time_iso(h->last_failure, t, sizeof t);
		json_object_set_new(j, "last_failure_at", json_string(t));
	} else
		json_object_set_new(j, "last_failure_at", json_null());
	json_object_set_new(j, "last_error", h != NULL && h->last_error !=
	    NULL ? json_string(h->last_error) : json_null());
	json_object_set_new(j, "broken", json_boolean(h != NULL && h->broken));
}

/* --- queues ------------------------------------------------------------ */

static struct dqueue *
queue_of(struct tinkrd *d, const char *watch_id, const char *notifier)
{
	struct dqueue	*q;
	unsigned	 h = qhash(watch_id, notifier);

	if (d->qhash == NULL)
		d->qhash = xcalloc(QHASH_SIZE, sizeof *d->qhash);
	for (q = d->qhash[h % QHASH_SIZE]; q != NULL; q = q->hnext)
		if (q->hash == h && strcmp(q->watch_id, watch_id) == 0 &&
		    strcmp(q->notifier, notifier) == 0)
			return q;
	q = xcalloc(1, sizeof *q);
	q->watch_id = xstrdup(watch_id);
	q->notifier = xstrdup(notifier);
	q->hash = h;
	q->where = Q_IDLE;
	q->next = d->queues;
	if (d->queues != NULL)
		d->queues->prev = q;
	d->queues = q;
	q->hnext = d->qhash[h % QHASH_SIZE];
	d->qhash[h % QHASH_SIZE] = q;
	return q;
}

/* Free an empty queue that is on no list. */
static void
queue_free(struct tinkrd *d, struct dqueue *q)
{
	qhash_remove(d, q);
	if (q->prev != NULL)
		q->prev->next = q->next;
	else
		d->queues = q->next;
	if (q->next != NULL)
		q->next->prev = q->prev;
	free(q->watch_id);
	free(q->notifier);
	free(q);
}

/* The retry heap: the queue whose head is due soonest on top. */
static int
qheap_less(struct tinkrd *d, size_t a, size_t b)
{
	return d->qheap[a]->head->next_at < d->qheap[b]->head->next_at;
}

static void
qheap_swap(struct tinkrd *d, size_t a, size_t b)
{
	struct dqueue	*t = d->qheap[a];

	d->qheap[a] = d->qheap[b];
	d->qheap[b] = t;
	d->qheap[a]->slot = a;
	d->qheap[b]->slot = b;
}

static void
qheap_fix(struct tinkrd *d, size_t i)
{
	size_t	 l, r, m;

	while (i > 0 && qheap_less(d, i, (i - 1) / 2)) {
		qheap_swap(d, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	for (;;) {
		l = 2 * i + 1;
		r = l + 1;
		m = i;
		if (l < d->nqheap && qheap_less(d, l, m))
			m = l;
		if (r < d->nqheap && qheap_less(d, r, m))
			m = r;
		if (m == i)
			break;
		qheap_swap(d, i, m);
		i = m;
	}
}

static void
qheap_remove(struct tinkrd *d, struct dqueue *q)
{
	size_t	 i = q->slot;

	q->where = Q_IDLE;
	if (i != --d->nqheap) {
		d->qheap[i] = d->qheap[d->nqheap];
		d->qheap[i]->slot = i;
		qheap_fix(d, i);
	}
}

/*
 * A queue's head has changed, or it is no longer in flight: on the ready
 * list if it may go now, in the heap if it waits, freed if it is empty.
 */
static void
queue_schedule(struct tinkrd *d, struct dqueue *q)
{
	struct obusy	*o;
	char		 origin[256];

	if (q->where != Q_IDLE || (q->head != NULL && q->head->inflight))
		return;
	if (q->head == NULL) {
		queue_free(d, q);
		return;
	}
	if (q->head->next_at <= realtime_ms()) {
		delivery_origin(d, q->head, origin, sizeof origin);
		o = obusy_of(d, origin);
		q->where = Q_READY;
		q->rnext = NULL;
		if (o->ready_tail != NULL)
			o->ready_tail->rnext = q;
		else
			o->ready = q;
		o->ready_tail = q;
		origin_wake(d, o);
		return;
	}
	if (d->nqheap == d->qheapcap) {
		d->qheapcap = d->qheapcap == 0 ? 64 : d->qheapcap * 2;
		d->qheap = xreallocarray(d->qheap, d->qheapcap,
		    sizeof *d->qheap);
	}
	q->where = Q_WAITING;
	q->slot = d->nqheap;
	d->qheap[d->nqheap++] = q;
	qheap_fix(d, q->slot);
}

/*
 * The next queue to attempt, taken off its origin's ready list: from the
 * first runnable origin, which then goes to the back. NULL for none.
 */
static struct dqueue *
ready_pop(struct tinkrd *d)
{
	struct obusy	*o;
	struct dqueue	*q;

	while ((o = d->runnable) != NULL) {
		if ((d->runnable = o->rnext) == NULL)
			d->runnable_tail = NULL;
		o->runnable = 0;
		if ((q = o->ready) == NULL || o->n >= ORIGIN_MAX)
			continue;
		if ((o->ready = q->rnext) == NULL)
			o->ready_tail = NULL;
		q->rnext = NULL;
		q->where = Q_IDLE;
		/* Its attempt counts before the origin is looked at again. */
		o->n++;
		origin_wake(d, o);
		o->n--;
		return q;
	}
	return NULL;
}

/* Queue a notification behind the others of its (watch, notifier). */
static void
queue_append(struct tinkrd *d, struct delivery *dl)
{
	struct dqueue	*q = queue_of(d, dl->watch_id, dl->notifier);

	dl->next = NULL;
	if (q->tail != NULL)
		q->tail->next = dl;
	else
		q->head = dl;
	q->tail = dl;
	if (q->head == dl)
		queue_schedule(d, q);
	d->deliver_dirty = 1;
}

/* Add a notification's record to the journal's next write. */
static void
journal_add(struct tinkrd *d, const struct delivery *dl)
{
	delivery_record(dl, &d->jbuf);
}

/* The i-th oldest of the finished deliveries kept. */
#define RECENT(d, i)	((d)->recent[((d)->recent_at + (i)) % RECENT_MAX])

/* Keep a finished delivery to list; the oldest ones go. */
static void
recent_add(struct tinkrd *d, struct delivery *dl)
{
	if (d->recent == NULL)
		d->recent = xcalloc(RECENT_MAX, sizeof *d->recent);
	if (d->nrecent == RECENT_MAX) {
		delivery_free(RECENT(d, 0));
		RECENT(d, 0) = dl;
		d->recent_at = (d->recent_at + 1) % RECENT_MAX;
		return;
	}
	RECENT(d, d->nrecent) = dl;
	d->nrecent++;
}

/*
 * A delivery is over: a record in the journal, off its queue (it is the
 * head; the caller schedules the queue), into the recent list.
 */
static void
finish(struct tinkrd *d, struct dqueue *q, struct delivery *dl,
    enum dstate state, const char *result)
{
	dl->state = state;
	dl->updated_at = (long long)time(NULL);
	free(dl->last_result);
	dl->last_result = xstrdup(result);
	journal_add(d, dl);
	if (state == D_DELIVERED)
		log_debug("notification %s of %s delivered by %s: %s",
		    dl->event_id, dl->watch_id, dl->notifier, result);
	else
		log_info("notification %s of %s by %s %s: %s", dl->event_id,
		    dl->watch_id, dl->notifier, dstate_name(state), result);
	if (q != NULL) {
		q->head = dl->next;
		if (q->head == NULL)
			q->tail = NULL;
	}
	dl->next = NULL;
	recent_add(d, dl);
	d->deliver_dirty = 1;
}

/* --- making notifications ---------------------------------------------- */

/*
 * Queue a notification of a watch's new anomaly set; its record is
 * flushed before its first attempt, and names the watch's new set.
 */
void
deliver_enqueue(struct tinkrd *d, struct watch *w, const char *anomalies,
    size_t n, const char *cleared, const char *status)
{
	struct delivery	*dl;

	dl = delivery_new();
	delivery_new_id(dl->event_id, sizeof dl->event_id);
	dl->seq = ++d->seq;
	dl->watch_id = xstrdup(w->id);
	dl->service = xstrdup(w->service);
	dl->profile = xstrdup(w->profile);
	dl->notifier = xstrdup(w->notifier);
	dl->destination = w->destination != NULL ?
	    xstrdup(w->destination) : NULL;
	dl->body = notify_payload_text(w->id, w->service, dl->event_id,
	    status, anomalies, n, cleared, 0);
	strlcpy(dl->status, status, sizeof dl->status);
	dl->nanomalies = n;
	dl->state = D_PENDING;
	dl->created_at = dl->updated_at = (long long)time(NULL);
	dl->next_at = realtime_ms();
	journal_add(d, dl);
	d->jsync = 1;
	w->notified_seq = dl->seq;
	log_info("watch %s: anomalies changed (%s, %zu); notification %s "
	    "queued for %s", w->id, status, n, dl->event_id, w->notifier);
	queue_append(d, dl);
}

static void
warn_state(const char *msg)
{
	log_warnx("%s", msg);
}

/*
 * A journal record as it is read: a notification a watch made (not one
 * queued again by hand) newer than what the watch's file says it last
 * notified gives the watch that set. The file is written lazily; the
 * journal, first.
 */
static void
journal_seen(void *arg, const struct delivery *dl, json_t *payload)
{
	struct tinkrd	*d = arg;
	struct watch	*w;

	if (dl->seq > d->seq)
		d->seq = dl->seq;
	if (dl->resent || (w = watch_find(d, dl->watch_id)) == NULL ||
	    dl->seq <= w->notified_seq)
		return;
	watch_set_notified(w, json_object_get(payload, "anomalies"));
	w->notified_seq = dl->seq;
	w->stale = 1;
}

/*
 * Bring in what an older tinkr kept: history.jsonl becomes the journal;
 * each file of the outbox directory is added to it, flushed, and only
 * then removed.
 */
static int
journal_migrate(struct tinkrd *d, char *err, size_t errlen)
{
	struct delivery	**v;
	struct strbuf	 buf = { NULL, 0, 0 };
	char		 old[PATH_MAX + 32], dir[PATH_MAX + 32], name[96];
	size_t		 i, n;

	snprintf(old, sizeof old, "%s/history.jsonl", d->statedir);
	if (access(d->journal, F_OK) == -1 && rename(old, d->journal) == 0)
		log_info("%s is now %s", old, d->journal);
	snprintf(dir, sizeof dir, "%s/outbox", d->statedir);
	if ((v = outbox_dir_load(dir, &n, warn_state)) == NULL) {
		rmdir(dir);
		return 0;
	}
	strbuf_add(&buf, "", 0);
	for (i = 0; i < n; i++)
		delivery_record(v[i], &buf);
	if (store_append(d->journal, buf.s, buf.len, err, errlen) == -1) {
		free(buf.s);
		for (i = 0; i < n; i++)
			delivery_free(v[i]);
		free(v);
		return -1;
	}
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof name, "%016llu-%s.json", v[i]->seq,
		    v[i]->event_id);
		store_unlink(dir, name);
		delivery_free(v[i]);
	}
	store_sync_dir(dir);
	rmdir(dir);
	log_info("%zu notifications moved from %s to %s", n, dir,
	    d->journal);
	free(buf.s);
	free(v);
	return 0;
}

/* Read the journal: queue the pending notifications, list the others. */
int
deliver_init(struct tinkrd *d, char *err, size_t errlen)
{
	struct journal	 jl;
	size_t		 i;

	d->jfd = -1;
	if (journal_migrate(d, err, errlen) == -1)
		return -1;
	if (journal_load(d->journal, RECENT_MAX, &jl, journal_seen, d,
	    warn_state, err, errlen) == -1)
		return -1;
	for (i = 0; i < jl.ndone; i++)
		recent_add(d, jl.done[i]);
	for (i = 0; i < jl.npending; i++)
		queue_append(d, jl.pending[i]);
	free(jl.done);
	free(jl.pending);
	/* What a cut would keep, in proportion to the records it would. */
	d->jbytes = jl.bytes;
	d->jlive = jl.records > 0 ? (size_t)((double)jl.bytes *
	    (double)(jl.npending + jl.ndone) / (double)jl.records) : 0;
	if ((d->jfd = open(d->journal, O_WRONLY | O_CREAT | O_APPEND |
	    O_CLOEXEC, 0600)) == -1) {
		seterr(err, errlen, "cannot open %s: %s", d->journal,
		    strerror(errno));
		return -1;
	}
	if (jl.npending > 0)
		log_info("%zu notifications in the journal resumed",
		    jl.npending);
	return 0;
}

/* --- building requests --------------------------------------------------- */

/* Whether a watch's destination may get the notifier's headers/secret. */
int
deliver_trusted(const struct csection *sec, const char *dest)
{
	const struct ckey	*k;
	const char		*prefixes[32];
	size_t			 i, n = 0;

	if (dest == NULL)
		return 1;
	if (notify_same_origin(csection_str(sec, "url"), dest))
		return 1;
	if ((k = csection_key(sec, "destinations")) == NULL ||
	    k->v.type != CVAL_ARRAY)
		return 0;
	for (i = 0; i < k->v.nitems && n < nitems(prefixes); i++)
		prefixes[n++] = k->v.items[i].s;
	return notify_prefix_allowed(dest, prefixes, n);
}

/* The headers of a webhook POST, in hdrs (freed by the caller). */
static size_t
webhook_headers(const struct csection *sec, const struct delivery *dl,
    const char *body, int trusted, char **hdrs, size_t max)
{
	const struct ckey	*k;
	const char		*secret;
	char			*sig, err[256];
	long long		 ts = (long long)time(NULL);
	size_t			 i, n = 0;

	xasprintf(&hdrs[n++], "webhook-id: %s", dl->event_id);
	xasprintf(&hdrs[n++], "webhook-timestamp: %lld", ts);
	if (!trusted)
		return n;
	for (i = 0; i < sec->nkeys && n + 1 < max; i++) {
		k = &sec->keys[i];
		if (strncmp(k->name, "header_", 7) == 0 &&
		    k->v.type == CVAL_STRING)
			xasprintf(&hdrs[n++], "%s: %s", k->name + 7, k->v.s);
	}
	if ((secret = csection_str(sec, "secret")) != NULL && n < max) {
		if ((sig = notify_sign(secret, dl->event_id, ts, body,
		    strlen(body), err, sizeof err)) != NULL) {
			xasprintf(&hdrs[n++], "webhook-signature: %s", sig);
			free(sig);
		} else
			log_warnx("notifier %s: %s", dl->notifier, err);
	}
	return n;
}

/* Start an HTTP attempt: webhook or discord. */
static void
attempt_http(struct tinkrd *d, struct attempt *a,
    const struct csection *sec, const struct delivery *dl)
{
	struct fetch_req	 req;
	char			*hdrs[40], *discord = NULL, *content, *url;
	const char		*base, *body;
	json_t			*j, *payload;
	size_t			 i, n = 0;

	memset(&req, 0, sizeof req);
	if (strcmp(a->type, "discord") == 0) {
		base = csection_str(sec, "webhook_url");
		xasprintf(&url, "%s%swait=true", base, strchr(base, '?') !=
		    NULL ? "&" : "?");
		payload = json_loads(dl->body, 0, NULL);
		content = notify_discord_content(dl->watch_id, dl->service,
		    dl->status, json_object_get(payload, "anomalies"),
		    json_object_get(payload, "resolved"));
		json_decref(payload);
		/* A description must not be able to ping anyone. */
		j = json_pack("{s:s, s:{s:[]}}", "content", content,
		    "allowed_mentions", "parse");
		free(content);
		body = discord = json_dumps(j, JSON_COMPACT);
		json_decref(j);
	} else {
		base = dl->destination != NULL ? dl->destination :
		    csection_str(sec, "url");
		url = xstrdup(base);
		body = dl->body;
		n = webhook_headers(sec, dl, body, deliver_trusted(sec,
		    dl->destination), hdrs, nitems(hdrs));
	}
	req.url = url;
	req.body = body;
	req.bodylen = strlen(body);
	req.content_type = "application/json";
	req.headers = (const char *const *)hdrs;
	req.nheaders = n;
	req.timeout_ms = csection_seconds(sec, "timeout", ATTEMPT_TIMEOUT) *
	    1000;
	a->fe = fetch_start(d->fetcher, &req);
	if (!a->fe->done) {
		a->fe->on_done = attempt_fetched;
		a->fe->on_done_arg = a;
	}
	for (i = 0; i < n; i++) {
		explicit_bzero(hdrs[i], strlen(hdrs[i]));
		free(hdrs[i]);
	}
	free(url);
	free(discord);
}

/* Start an exec attempt: the command, the payload on its stdin. */
static int
attempt_exec(struct attempt *a, const struct csection *sec,
    const struct delivery *dl, char *err, size_t errlen)
{
	const struct ckey	*args = csection_key(sec, "args");
	const char		*cmd = csection_str(sec, "command");
	char			**argv, **envp, *failmsg;
	size_t			 i, nargs, nenv;
	int			 in, nul;

	in = memfd_text("tinkr-payload", dl->body);
	a->errfd = memfd_text("tinkr-stderr", NULL);
	if (in == -1 || a->errfd == -1) {
		seterr(err, errlen, "cannot make the command's input: %s",
		    strerror(errno));
		if (in != -1)
			close(in);
		return -1;
	}
	nargs = args != NULL && args->v.type == CVAL_ARRAY ? args->v.nitems : 0;
	argv = xcalloc(nargs + 2, sizeof *argv);
	argv[0] = (char *)cmd;
	for (i = 0; i < nargs; i++)
		argv[i + 1] = args->v.items[i].s;
	/* The environment is built here: the child only calls what is safe. */
	envp = child_environ(4);
	for (nenv = 0; envp[nenv] != NULL; nenv++)
		;
	xasprintf(&envp[nenv], "TINKR_EVENT_ID=%s", dl->event_id);
	xasprintf(&envp[nenv + 1], "TINKR_WATCH_ID=%s", dl->watch_id);
	xasprintf(&envp[nenv + 2], "TINKR_SERVICE=%s", dl->service);
	xasprintf(&envp[nenv + 3], "TINKR_STATUS=%s", dl->status);
	xasprintf(&failmsg, "cannot run %s\n", cmd);
	switch (a->pid = fork()) {
	case -1:
		seterr(err, errlen, "fork: %s", strerror(errno));
		break;
	case 0:
		/* Its own group (the parent sets it too, whoever runs
		   first), so that a timeout kills all of it. */
		setpgid(0, 0);
		nul = open("/dev/null", O_WRONLY);
		dup2(in, 0);
		dup2(nul, 1);
		dup2(a->errfd, 2);
		/* Nothing of the daemon's: its sockets, its journal. */
		close_range(3, ~0U, 0);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		execve(cmd, argv, envp);
		(void)write(2, failmsg, strlen(failmsg));
		_exit(126);
	}
	close(in);
	if (a->pid > 0)
		(void)setpgid(a->pid, a->pid);
	free(argv);
	for (i = nenv; i < nenv + 4; i++)
		free(envp[i]);
	free(envp);
	free(failmsg);
	return a->pid == -1 ? -1 : 0;
}

/* Free an attempt's own parts. */
static void
attempt_free(struct attempt *a)
{
	fetch_free(a->fe);
	if (a->errfd >= 0)
		close(a->errfd);
	free(a);
}

/*
 * Start an attempt at a delivery (or a test); NULL when it cannot start,
 * with why and whether that is for good (*final).
 */
static struct attempt *
attempt_start(struct tinkrd *d, struct delivery *dl, char *why, size_t len,
    int *final)
{
	const struct cprofile	*prof;
	const struct csection	*sec;
	struct nhealth		*h;
	struct attempt		*a;
	const char		*type;

	*final = 1;
	if ((prof = config_profile(d->conf, dl->profile)) == NULL ||
	    (sec = config_notifier(d->conf, prof, dl->notifier)) == NULL) {
		seterr(why, len, "notifier '%s' is no longer in profile '%s'",
		    dl->notifier, dl->profile);
		return NULL;
	}
	h = health_of(d, dl->profile, dl->notifier);
	if (h->broken) {
		seterr(why, len, "notifier '%s' is broken: %s", dl->notifier,
		    h->last_error != NULL ? h->last_error : "?");
		return NULL;
	}
	type = csection_str(sec, "type");
	a = xcalloc(1, sizeof *a);
	a->d = d;
	a->dl = dl;
	a->errfd = -1;
	a->started = mono_ms();
	strlcpy(a->type, type, sizeof a->type);
	/* Named as the queues by origin name it, so counts match. */
	delivery_origin(d, dl, a->origin, sizeof a->origin);
	if (strcmp(type, "exec") == 0) {
		a->deadline = a->started + csection_seconds(sec, "timeout",
		    ATTEMPT_TIMEOUT) * 1000;
		if (attempt_exec(a, sec, dl, why, len) == -1) {
			*final = 0;
			attempt_free(a);
			return NULL;
		}
	} else
		attempt_http(d, a, sec, dl);
	dl->inflight = 1;
	dl->attempts++;
	a->next = d->attempts;
	d->attempts = a;
	d->ninflight++;
	a->ob = obusy_of(d, a->origin);
	a->ob->n++;
	return a;
}

/* --- judging attempts ---------------------------------------------------- */

enum verdict {
	V_DELIVERED,
	V_RETRY,
	V_FAILED,
	V_BROKEN		/* failed, and the notifier with it */
};

/* The last line of what a command wrote to stderr. */
static void
stderr_tail(int fd, char *buf, size_t len)
{
	char	 tail[STDERR_TAIL + 1], *p;
	off_t	 end;
	ssize_t	 n;

	buf[0] = '\0';
	if ((end = lseek(fd, 0, SEEK_END)) <= 0)
		return;
	n = pread(fd, tail, STDERR_TAIL, end > STDERR_TAIL ?
	    end - STDERR_TAIL : 0);
	if (n <= 0)
		return;
	tail[n] = '\0';
	while (n > 0 && (tail[n - 1] == '\n' || tail[n - 1] == '\r'))
		tail[--n] = '\0';
	if ((p = strrchr(tail, '\n')) != NULL)
		memmove(tail, p + 1, strlen(p + 1) + 1);
	if (tail[0] == '\0')
		return;
	for (p = tail; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	/* The tail may cut a character, or the command write bytes. */
	utf8_scrub(tail);
	snprintf(buf, len, ": %s", tail);
}

/* What an exec attempt came to. */
static enum verdict
judge_exec(struct attempt *a, char *result, size_t len)
{
	char	 tail[STDERR_TAIL + 8];

	stderr_tail(a->errfd, tail, sizeof tail);
	if (a->killed) {
		seterr(result, len, "timed out after %lld ms; killed",
		    a->deadline - a->started);
		return V_RETRY;
	}
	if (WIFSIGNALED(a->wstatus)) {
		seterr(result, len, "killed by signal %d%s",
		    WTERMSIG(a->wstatus), tail);
		return V_FAILED;
	}
	switch (WEXITSTATUS(a->wstatus)) {
	case 0:
		seterr(result, len, "exit 0");
		return V_DELIVERED;
	case 75:
		seterr(result, len, "exit 75 (try again later)%s", tail);
		return V_RETRY;
	default:
		seterr(result, len, "exit %d%s", WEXITSTATUS(a->wstatus),
		    tail);
		return V_FAILED;
	}
}

/* What an HTTP attempt came to; *wait_ms is what the receiver asked. */
static enum verdict
judge_http(struct attempt *a, char *result, size_t len, long long *wait_ms)
{
	const struct fetch	*fe = a->fe;
	json_t			*j;
	double			 ra;
	long long		 secs;

	*wait_ms = 0;
	if (fe->status == 0) {
		seterr(result, len, "%s", fe->error);
		return V_RETRY;
	}
	seterr(result, len, "HTTP %ld", fe->status);
	if (fe->status >= 200 && fe->status <= 299)
		return V_DELIVERED;
	if ((secs = notify_retry_after(fe->retry_after,
	    (long long)time(NULL))) >= 0)
		*wait_ms = secs * 1000;
	if (strcmp(a->type, "discord") == 0 && fe->status == 429 &&
	    (j = json_loadb(fe->body.s, fe->body.len, 0, NULL)) != NULL) {
		ra = json_number_value(json_object_get(j, "retry_after"));
		if (ra > 0 && ra < 86400)
			*wait_ms = (long long)(ra * 1000);
		json_decref(j);
	}
	if (fe->status >= 500 || fe->status == 408 || fe->status == 429)
		return V_RETRY;
	if (fe->status >= 300 && fe->status <= 399) {
		seterr(result, len, "HTTP %ld (redirects are not followed)",
		    fe->status);
		return V_FAILED;
	}
	if (strcmp(a->type, "discord") == 0 && fe->status == 404) {
		seterr(result, len, "HTTP 404: the Discord webhook is gone");
		return V_BROKEN;
	}
	return V_FAILED;
}

/* The notifier's max_age in seconds. */
static long long
max_age_of(struct tinkrd *d, const struct delivery *dl)
{
	const struct cprofile	*prof;
	const struct csection	*sec;

	if ((prof = config_profile(d->conf, dl->profile)) == NULL ||
	    (sec = config_notifier(d->conf, prof, dl->notifier)) == NULL)
		return MAX_AGE_DEFAULT;
	return csection_seconds(sec, "max_age", MAX_AGE_DEFAULT);
}

/* When a delivery that may yet go is next attempted; 0: it is over. */
static int
retry_later(struct tinkrd *d, struct delivery *dl, const char *origin,
    const char *result, long long wait_ms)
{
	long long	 now = realtime_ms(), backoff, age;
	char		 msg[1024], dur[64];

	backoff = notify_backoff(dl->attempts, arc4random());
	if (wait_ms > backoff)
		backoff = wait_ms;
	age = max_age_of(d, dl);
	if (now + backoff > dl->created_at * 1000 + age * 1000) {
		format_duration(age, dur, sizeof dur);
		snprintf(msg, sizeof msg, "gave up after %d attempts in %s: "
		    "%s", dl->attempts, dur, result);
		free(dl->last_result);
		dl->last_result = xstrdup(msg);
		return 0;
	}
	dl->next_at = now + backoff;
	dl->updated_at = (long long)time(NULL);
	free(dl->last_result);
	dl->last_result = xstrdup(result);
	journal_add(d, dl);
	log_info("notification %s to %s: %s; attempt %d in %lld ms",
	    dl->event_id, origin, result, dl->attempts + 1, backoff);
	return 1;
}

/* Act on a finished attempt at a queued delivery; schedule its queue. */
static void
attempt_done(struct tinkrd *d, struct attempt *a, enum verdict v,
    const char *result, long long wait_ms)
{
	struct delivery	*dl = a->dl;
	struct nhealth	*h;
	char		*gave_up;

	dl->inflight = 0;
	health_note(d, dl->profile, dl->notifier, v == V_DELIVERED, result);
	switch (v) {
	case V_DELIVERED:
		finish(d, a->q, dl, D_DELIVERED, result);
		break;
	case V_BROKEN:
		h = health_of(d, dl->profile, dl->notifier);
		h->broken = 1;
		finish(d, a->q, dl, D_FAILED, result);
		break;
	case V_FAILED:
		finish(d, a->q, dl, D_FAILED, result);
		break;
	case V_RETRY:
		if (retry_later(d, dl, a->origin, result, wait_ms))
			break;
		gave_up = xstrdup(dl->last_result);
		finish(d, a->q, dl, D_FAILED, gave_up);
		free(gave_up);
		break;
	}
	queue_schedule(d, a->q);
}

/* Answer a test notification's request. */
static void
test_done(struct attempt *a, enum verdict v, const char *result)
{
	struct ntest	*t = a->test;
	char		 t0[32], detail[1280];
	long long	 ms = mono_ms() - a->started;

	format_time_iso((long long)time(NULL), t0, sizeof t0);
	if (v == V_DELIVERED) {
		t->status = 200;
		t->answer = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}",
		    "notifier", a->dl->notifier, "status", "delivered",
		    "result", result, "elapsed_ms", (json_int_t)ms,
		    "sent_at", t0, "event_id", a->dl->event_id);
	} else {
		snprintf(detail, sizeof detail, "notifier '%s': test "
		    "notification to %s failed: %s", a->dl->notifier,
		    a->origin, result);
		t->status = 502;
		t->answer = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s}",
		    "detail", detail, "notifier", a->dl->notifier,
		    "status", "failed", "result", result,
		    "elapsed_ms", (json_int_t)ms, "sent_at", t0,
		    "event_id", a->dl->event_id);
	}
	t->done = 1;
}

/* Judge an attempt that is over and take it off the list. */
static void
attempt_over(struct tinkrd *d, struct attempt **ap)
{
	struct attempt	*a = *ap;
	enum verdict	 v;
	long long	 wait_ms = 0;
	char		 result[512];

	*ap = a->next;
	d->ninflight--;
	a->ob->n--;
	origin_wake(d, a->ob);
	if (a->dl == NULL) {
		/* Cancelled while in flight: the answer does not matter. */
		attempt_free(a);
		return;
	}
	if (a->fe != NULL)
		v = judge_http(a, result, sizeof result, &wait_ms);
	else
		v = judge_exec(a, result, sizeof result);
	if (a->test != NULL) {
		health_note(d, a->dl->profile, a->dl->notifier,
		    v == V_DELIVERED, result);
		if (a->test->orphan) {
			json_decref(a->test->answer);
			free(a->test);
		} else
			test_done(a, v, result);
		delivery_free(a->dl);
	} else
		attempt_done(d, a, v, result, wait_ms);
	attempt_free(a);
	d->deliver_dirty = 1;
}

/*
 * Collect the children that have exited: exec attempts, and the others
 * (git for fixes) watched with child_watch.
 */
void
deliver_reap(struct tinkrd *d)
{
	struct attempt	*a;
	struct child	*c;
	pid_t		 pid;
	int		 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (a = d->attempts; a != NULL; a = a->next)
			if (a->pid == pid) {
				a->exited = 1;
				a->wstatus = status;
			}
		for (c = d->children; c != NULL; c = c->next)
			if (c->pid == pid) {
				c->exited = 1;
				c->status = status;
			}
	}
	d->deliver_dirty = 1;
}

/*
 * Watch a child the loop does not wait for: it is reaped with the exec
 * attempts, and killed once timeout_ms have gone by.
 */
struct child *
child_watch(struct tinkrd *d, pid_t pid, long long timeout_ms)
{
	struct child	*c = xcalloc(1, sizeof *c);

	c->pid = pid;
	c->deadline = mono_ms() + timeout_ms;
	c->next = d->children;
	d->children = c;
	d->deliver_dirty = 1;
	return c;
}

/* Stop watching a child; one still running is killed (and reaped). */
void
child_forget(struct tinkrd *d, struct child *c)
{
	struct child	**cp;

	if (c == NULL)
		return;
	if (!c->exited)
		kill(c->pid, SIGKILL);
	for (cp = &d->children; *cp != NULL; cp = &(*cp)->next)
		if (*cp == c) {
			*cp = c->next;
			break;
		}
	free(c);
}

/*
 * Rewrite the journal, shorter: a record of each pending notification
 * and of the finished ones the daemon lists. Watches whose files are
 * behind what older records say are written first, flushed: after this
 * the journal no longer holds what they last notified.
 */
static void
journal_cut(struct tinkrd *d)
{
	struct strbuf	 buf = { NULL, 0, 0 };
	struct dqueue	*q;
	struct delivery	*dl;
	char		 err[512], name[PATH_MAX];
	size_t		 i;
	int		 fd;

	if (watches_snapshot(d) == -1) {
		log_warnx("the journal is not cut: the watches could not be "
		    "written first");
		d->jlive = d->jbytes;	/* not again until it doubles */
		return;
	}
	strbuf_add(&buf, "", 0);
	for (i = 0; i < d->nrecent; i++)
		if (RECENT(d, i)->state != D_PENDING)
			delivery_record(RECENT(d, i), &buf);
	for (q = d->queues; q != NULL; q = q->next)
		for (dl = q->head; dl != NULL; dl = dl->next)
			delivery_record(dl, &buf);
	snprintf(name, sizeof name, "%s", strrchr(d->journal, '/') + 1);
	if (store_put(d->statedir, name, buf.s, buf.len, 1, err,
	    sizeof err) == -1) {
		log_warnx("%s", err);
		free(buf.s);
		return;
	}
	if ((fd = open(d->journal, O_WRONLY | O_APPEND | O_CLOEXEC)) == -1)
		log_warn("%s", d->journal);
	else {
		close(d->jfd);
		d->jfd = fd;
	}
	log_info("journal cut from %zu to %zu bytes", d->jbytes, buf.len);
	d->jbytes = d->jlive = buf.len;
	free(buf.s);
}

/*
 * Write the journal records of this turn of the loop; when a new
 * notification is among them, flush them before it can be attempted.
 * Records of attempts only may be lost with the machine: the notification
 * is then sent again.
 */
void
deliver_flush(struct tinkrd *d)
{
	if (d->jbuf.len > 0 &&
	    store_write_buf(d->jfd, &d->jbuf, &d->jbytes) == -1) {
		/* Kept, to try again next turn. */
		log_warn("cannot write %s", d->journal);
		return;
	}
	if (d->jsync && fdatasync(d->jfd) == -1)
		log_warn("flushing %s", d->journal);
	d->jsync = 0;
}

/*
 * Make what this turn wrote durable in the order that loses nothing: the
 * journal first, then the files of watches, which may say what they
 * notified; cut the journal when it has grown.
 */
void
state_commit(struct tinkrd *d)
{
	size_t	 max;

	if (d->jbuf.len > 0)
		deliver_flush(d);
	if (d->ndirty > 0)
		watches_write(d);
	max = JOURNAL_MIN + JOURNAL_PER_WATCH * d->nwatches;
	if (max < 2 * d->jlive)
		max = 2 * d->jlive;
	if (d->jbytes > max && d->jbuf.len == 0)
		journal_cut(d);
}

/* Start what may go, judge what came back. */
void
deliver_run(struct tinkrd *d)
{
	struct attempt	**ap, *a;
	struct child	*c;
	struct dqueue	*q;
	long long	 now = realtime_ms(), mono = mono_ms();

	state_commit(d);
	for (ap = &d->attempts; (a = *ap) != NULL;) {
		if (a->fe != NULL ? a->fe->done : a->exited) {
			attempt_over(d, ap);
			continue;
		}
		if (a->fe == NULL && !a->killed && mono >= a->deadline) {
			if (kill(-a->pid, SIGKILL) == -1)
				kill(a->pid, SIGKILL);
			a->killed = 1;
		}
		ap = &a->next;
	}
	for (c = d->children; c != NULL; c = c->next)
		if (!c->exited && !c->killed && mono >= c->deadline) {
			kill(c->pid, SIGKILL);
			c->killed = 1;
		}
	while (d->nqheap > 0 && d->qheap[0]->head->next_at <= now) {
		q = d->qheap[0];
		qheap_remove(d, q);
		queue_schedule(d, q);
	}
	deliver_start(d);
	d->deliver_dirty = 0;
	state_commit(d);
}

/*
 * An HTTP attempt's answer came (fetch on_done, from fetcher_run): judge
 * it now, and start what is ready, when no new notification waits to be
 * flushed first. The next request then goes out on the connection just
 * freed, instead of after this turn's checks.
 */
static void
attempt_fetched(struct fetch *fe, void *arg)
{
	struct attempt	*a = arg, **ap;
	struct tinkrd	*d = a->d;

	(void)fe;
	for (ap = &d->attempts; *ap != NULL && *ap != a; ap = &(*ap)->next)
		;
	if (*ap == NULL)
		return;
	attempt_over(d, ap);
	if (!d->jsync)
		deliver_start(d);
}

/* Start attempts at the heads of the queues ready, while there is room. */
static void
deliver_start(struct tinkrd *d)
{
	struct attempt	*a;
	struct dqueue	*q;
	struct delivery	*h;
	char		 why[512];
	int		 final;

	while (d->ninflight < INFLIGHT_MAX && (q = ready_pop(d)) != NULL) {
		if ((h = q->head) == NULL) {
			/* Its notifications were cancelled. */
			queue_free(d, q);
			continue;
		}
		if ((a = attempt_start(d, h, why, sizeof why, &final)) !=
		    NULL) {
			a->q = q;
			continue;
		}
		/* It could not start: as a failed attempt. */
		h->attempts++;
		if (final) {
			health_note(d, h->profile, h->notifier, 0, why);
			finish(d, q, h, D_FAILED, why);
			queue_schedule(d, q);
		} else {
			struct attempt	 tmp;

			memset(&tmp, 0, sizeof tmp);
			tmp.dl = h;
			tmp.q = q;
			strlcpy(tmp.origin, h->notifier, sizeof tmp.origin);
			attempt_done(d, &tmp, V_RETRY, why, 0);
		}
	}
}

/* Milliseconds until deliver_run is due; -1 for none. */
long long
deliver_timeout(struct tinkrd *d)
{
	struct attempt	*a;
	struct child	*c;
	long long	 left = -1, t;

	if (d->deliver_dirty || d->jbuf.len > 0 || (d->runnable != NULL &&
	    d->ninflight < INFLIGHT_MAX))
		return 0;
	if (d->nqheap > 0) {
		left = d->qheap[0]->head->next_at - realtime_ms();
		if (left < 0)
			left = 0;
	}
	for (a = d->attempts; a != NULL; a = a->next)
		if (a->fe == NULL && !a->killed) {
			t = a->deadline - mono_ms();
			if (t < 0)
				t = 0;
			if (left < 0 || t < left)
				left = t;
		}
	for (c = d->children; c != NULL; c = c->next)
		if (!c->exited && !c->killed) {
			t = c->deadline - mono_ms();
			if (t < 0)
				t = 0;
			if (left < 0 || t < left)
				left = t;
		}
	return left;
}

/* --- test notifications ---------------------------------------------- */

/* Send a test notification now, outside the outbox; NULL and why. */
struct ntest *
deliver_test(struct tinkrd *d, const char *profile, const char *notifier,
    const char *dest, char *why, size_t len)
{
	struct delivery	*dl;
	struct attempt	*a;
	json_t		*list, *none, *payload;
	char		 at[32];
	int		 final;

	dl = delivery_new();
	delivery_new_id(dl->event_id, sizeof dl->event_id);
	dl->watch_id = xstrdup("watch-test");
	dl->service = xstrdup("tinkr-test");
	dl->profile = xstrdup(profile);
	dl->notifier = xstrdup(notifier);
	dl->destination = dest != NULL ? xstrdup(dest) : NULL;
	format_time_iso((long long)time(NULL), at, sizeof at);
	list = json_pack("[{s:s, s:s, s:s, s:s, s:s, s:f, s:f}]",
	    "service", "tinkr-test",
	    "metric", "tinkr_test",
	    "description", "a test notification from tinkr",
	    "severity", "low",
	    "detected_at", at,
	    "current_value", 1.0,
	    "threshold", 0.0);
	none = json_array();
	payload = notify_payload(dl->watch_id, dl->service, dl->event_id,
	    "firing", list, none, 1);
	delivery_set_body(dl, payload);
	json_decref(payload);
	json_decref(list);
	json_decref(none);
	dl->created_at = dl->updated_at = (long long)time(NULL);
	if ((a = attempt_start(d, dl, why, len, &final)) == NULL) {
		delivery_free(dl);
		return NULL;
	}
	a->test = xcalloc(1, sizeof *a->test);
	return a->test;
}

static int
test_step(void *job, long long budget)
{
	struct ntest	*t = job;

	(void)budget;
	return t->done ? SOURCE_DONE : SOURCE_WAITING;
}

static json_t *
test_result(void *job, int *status)
{
	struct ntest	*t = job;
	json_t		*j;

	if (t->done < 0) {
		*status = 503;
		return json_pack("{s:s}", "detail", "tinkrd is stopping");
	}
	*status = t->status;
	j = t->answer;
	t->answer = NULL;
	return j;
}

static void
test_free(void *job)
{
	struct ntest	*t = job;

	if (t->done) {
		json_decref(t->answer);
		free(t);
	} else
		t->orphan = 1;
}

const struct job_ops test_job_ops = { test_step, test_result, test_free, 0 };

/* Cancel a deleted watch's pending deliveries; how many. */
size_t
deliver_cancel_watch(struct tinkrd *d, const char *watch_id)
{
	struct attempt	*a;
	struct dqueue	*q, *next;
	size_t		 n = 0;

	for (q = d->queues; q != NULL; q = next) {
		next = q->next;
		if (strcmp(q->watch_id, watch_id) != 0)
			continue;
		while (q->head != NULL) {
			for (a = d->attempts; a != NULL; a = a->next)
				if (a->dl == q->head) {
					/* Its answer is ignored. */
					a->dl = NULL;
				}
			q->head->inflight = 0;
			finish(d, q, q->head, D_CANCELLED, "the watch was "
			    "deleted");
			n++;
		}
		/* On the ready list, it is freed when it comes up. */
		if (q->where == Q_WAITING)
			qheap_remove(d, q);
		if (q->where == Q_IDLE)
			queue_free(d, q);
	}
	deliver_flush(d);
	return n;
}

/* The pending deliveries of a watch (NULL: all), as a JSON array. */
json_t *
deliver_pending_json(struct tinkrd *d, const char *watch_id)
{
	struct dqueue	*q;
	struct delivery	*dl;
	json_t		*arr = json_array();

	for (q = d->queues; q != NULL; q = q->next) {
		if (watch_id != NULL && strcmp(q->watch_id, watch_id) != 0)
			continue;
		for (dl = q->head; dl != NULL; dl = dl->next)
			json_array_append_new(arr, delivery_json(dl));
	}
	return arr;
}

/* Free everything; attempts in flight are dropped (they stay pending). */
void
deliver_free(struct tinkrd *d)
{
	struct attempt	*a;
	struct dqueue	*q;
	struct nhealth	*h;
	struct delivery	*dl;
	struct obusy	*o;
	size_t		 i;

	/* Not state_commit: the watches are gone, so no cut now. */
	deliver_flush(d);
	if (d->jfd != -1 && fdatasync(d->jfd) == -1)
		log_warn("flushing %s", d->journal);
	if (d->jfd != -1)
		close(d->jfd);
	free(d->jbuf.s);
	while ((a = d->attempts) != NULL) {
		d->attempts = a->next;
		if (a->pid > 0 && !a->exited)
			kill(-a->pid, SIGKILL);
		if (a->test != NULL) {
			delivery_free(a->dl);
			if (a->test->orphan)
				free(a->test);
			else
				a->test->done = -1;
		}
		attempt_free(a);
	}
	free(d->qhash);
	d->qhash = NULL;
	free(d->qheap);
	while ((o = d->obusy) != NULL) {
		d->obusy = o->next;
		free(o);
	}
	while (d->children != NULL)
		child_forget(d, d->children);
	while ((q = d->queues) != NULL) {
		d->queues = q->next;
		while ((dl = q->head) != NULL) {
			q->head = dl->next;
			delivery_free(dl);
		}
		free(q->watch_id);
		free(q->notifier);
		free(q);
	}
	for (i = 0; i < d->nrecent; i++)
		delivery_free(RECENT(d, i));
	free(d->recent);
	while ((h = d->health) != NULL) {
		d->health = h->next;
		free(h->profile);
		free(h->name);
		free(h->last_error);
		free(h);
	}
}

/* A delivery by event ID: pending first, then the newest finished one. */
struct delivery *
deliver_find(struct tinkrd *d, const char *event_id)
{
	struct dqueue	*q;
	struct delivery	*dl;
	size_t		 i;

	for (q = d->queues; q != NULL; q = q->next)
		for (dl = q->head; dl != NULL; dl = dl->next)
			if (strcmp(dl->event_id, event_id) == 0)
				return dl;
	for (i = d->nrecent; i > 0; i--)
		if (strcmp(RECENT(d, i - 1)->event_id, event_id) == 0)
			return RECENT(d, i - 1);
	return NULL;
}

/*
 * Queue a failed or cancelled delivery again, with its event ID, its
 * attempts counted afresh and its max_age from now. -1 if it is not over
 * or went through.
 */
int
deliver_retry(struct tinkrd *d, struct delivery *old)
{
	struct delivery	*dl;

	if (old->state != D_FAILED && old->state != D_CANCELLED)
		return -1;
	dl = delivery_new();
	strlcpy(dl->event_id, old->event_id, sizeof dl->event_id);
	dl->seq = ++d->seq;
	dl->watch_id = xstrdup(old->watch_id);
	dl->service = xstrdup(old->service);
	dl->profile = xstrdup(old->profile);
	dl->notifier = xstrdup(old->notifier);
	dl->destination = old->destination != NULL ?
	    xstrdup(old->destination) : NULL;
	dl->body = xstrdup(old->body);
	strlcpy(dl->status, old->status, sizeof dl->status);
	dl->nanomalies = old->nanomalies;
	dl->resent = 1;
	dl->state = D_PENDING;
	dl->created_at = dl->updated_at = (long long)time(NULL);
	dl->next_at = realtime_ms();
	journal_add(d, dl);
	d->jsync = 1;
	deliver_flush(d);
	/* The old record now reads as what it became. */
	old->state = D_PENDING;
	queue_append(d, dl);
	return 0;
}

static int
by_seq_desc(const void *a, const void *b)
{
	const struct delivery	*x = *(struct delivery *const *)a;
	const struct delivery	*y = *(struct delivery *const *)b;

	return x->seq > y->seq ? -1 : x->seq < y->seq;
}

/*
 * Deliveries, newest first: of one watch (or all), only pending (1) or
 * failed (2) ones or all (0), at most limit.
 */
json_t *
deliver_list_json(struct tinkrd *d, const char *watch_id, int which,
    size_t limit)
{
	struct delivery	**v = NULL, *dl;
	struct dqueue	*q;
	json_t		*arr = json_array();
	size_t		 i, n = 0;

	for (q = d->queues; q != NULL; q = q->next)
		for (dl = q->head; dl != NULL; dl = dl->next) {
			v = xreallocarray(v, n + 1, sizeof *v);
			v[n++] = dl;
		}
	for (i = 0; i < d->nrecent; i++) {
		/* A retried record shows as its new pending self. */
		if (RECENT(d, i)->state == D_PENDING)
			continue;
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n++] = RECENT(d, i);
	}
	if (n > 1)
		qsort(v, n, sizeof *v, by_seq_desc);
	for (i = 0; i < n && json_array_size(arr) < limit; i++) {
		dl = v[i];
		if (watch_id != NULL && strcmp(dl->watch_id, watch_id) != 0)
			continue;
		if ((which == 1 && dl->state != D_PENDING) ||
		    (which == 2 && dl->state != D_FAILED))
			continue;
		json_array_append_new(arr, delivery_json(dl));
	}
	free(v);
	return arr;
}
