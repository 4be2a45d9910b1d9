/* watch.h -- watches, the notifications they make, and where both are kept */
#ifndef TINKR_WATCH_H
#define TINKR_WATCH_H

#include <stddef.h>

#include <jansson.h>

#include "util.h"

#define WATCH_INTERVAL_DEFAULT	60
#define WATCH_INTERVAL_MAX	86400
#define WATCH_WINDOW_DEFAULT	600
#define WATCH_BLIND_AFTER	3	/* failed checks before tinkr_source_error */

/* A service polled on an interval, notifying one notifier of changes. */
struct watch {
	char		 id[16];	/* "watch-" and 8 hex digits */
	char		*service;
	char		*profile;
	char		*notifier;
	char		*destination;	/* NULL: the notifier's own */
	long long	 interval;	/* seconds */
	long long	 window;	/* seconds */
	int		 running;
	long long	 started_at;	/* epoch seconds */
	long long	 last_run_at;	/* epoch seconds, 0 for never */
	char		*last_error;	/* of the last check, or NULL */
	int		 failures;	/* consecutive failed checks */
	long long	 checks;
	long long	 notifications;
	char		*notified;	/* anomalies last notified, as compact
					   JSON text (a tenth of the memory of
					   the parsed form); NULL: none */
	size_t		 nnotified;	/* how many */
	unsigned long long notified_seq; /* the notification that sent them
					   (its seq), 0 for none: the
					   journal may hold a newer one */

	/* The daemon's, not kept. */
	long long	 due;		/* monotonic ms of the next check */
	int		 dirty;		/* its file is behind */
	int		 stale;		/* behind, but the journal holds
					   what matters */
	struct watch	*hnext;		/* in its hash bucket */
	size_t		 slot;		/* its place in the timer heap */
	void		*job;		/* the check in flight */
};

/* Where a notification is on its way. */
enum dstate {
	D_PENDING,
	D_DELIVERED,
	D_FAILED,
	D_CANCELLED
};

/* One notification, as the last record of it in the journal says. */
struct delivery {
	char		 event_id[32];	/* "evt_" and 24 hex digits */
	unsigned long long seq;		/* order of creation */
	char		*watch_id;
	char		*service;
	char		*profile;
	char		*notifier;
	char		*destination;	/* NULL: the notifier's own */
	char		*body;		/* the webhook body, JSON text */
	char		 status[12];	/* the body's: firing, resolved */
	size_t		 nanomalies;	/* the body's anomaly count */
	int		 resent;	/* queued again by hand */
	enum dstate	 state;
	int		 attempts;
	long long	 created_at;	/* epoch seconds */
	long long	 updated_at;
	long long	 next_at;	/* epoch ms of the next attempt */
	char		*last_result;	/* "HTTP 500", or NULL before any */

	/* Not kept. */
	int		 inflight;
	struct delivery	*next;		/* in its (watch, notifier) queue */
	struct delivery	*hnext;		/* in a table by event ID */
	size_t		 slot;		/* its place in a list */
};

/* watch.c */
struct watch	*watch_new(void);
void		 watch_free(struct watch *);
void		 watch_new_id(char *, size_t);
json_t		*watch_json(const struct watch *);
json_t		*watch_notified(const struct watch *);
void		 watch_set_notified(struct watch *, json_t *);
void		 watch_set_notified_text(struct watch *, char *, size_t);
struct watch	*watch_from_json(json_t *, char *, size_t);
void		 watch_record(const struct watch *, struct strbuf *);
void		 watch_gone_record(const char *, struct strbuf *);
struct watch	**watch_journal_load(const char *, size_t *, size_t *,
		     void (*)(const char *), char *, size_t);
struct watch	**watch_dir_load(const char *, size_t *,
		     void (*)(const char *), char *, size_t);
int		 anomalies_differ(json_t *, json_t *);
json_t		*anomalies_cleared(json_t *, json_t *);

/* outbox.c */
struct delivery	*delivery_new(void);
void		 delivery_free(struct delivery *);
void		 delivery_new_id(char *, size_t);
const char	*dstate_name(enum dstate);
void		 delivery_set_body(struct delivery *, json_t *);
json_t		*delivery_json(const struct delivery *);
struct delivery	*delivery_from_json(json_t *, char *, size_t);
void		 delivery_record(const struct delivery *, struct strbuf *);

/* What journal_load found. */
struct journal {
	struct delivery	**pending;	/* oldest first, to queue again */
	size_t		 npending;
	struct delivery	**done;		/* the last finished ones, in the
					   order they finished */
	size_t		 ndone;
	size_t		 records;	/* lines read */
	size_t		 bytes;		/* the file's size, once whole */
};

int		 journal_load(const char *, size_t, struct journal *,
		     void (*)(void *, const struct delivery *, json_t *),
		     void *, void (*)(const char *), char *, size_t);
struct delivery	**outbox_dir_load(const char *, size_t *,
		     void (*)(const char *));

#endif
