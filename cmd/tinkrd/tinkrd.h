/* tinkrd.h -- the daemon: one loop, one route table, two listeners */
#ifndef TINKRD_H
#define TINKRD_H

#include <sys/types.h>

#include <limits.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "auth.h"
#include "util.h"

struct config;
struct cprofile;
struct delivery;
struct watch;
struct dqueue;
struct attempt;
struct nhealth;
struct ntest;
struct mcp_session;
struct csection;
struct pidfh;
struct server;
struct sources;
struct fetcher;
struct source_job;
struct pending;

/* Who a request comes from, in increasing power. */
enum role {
	ROLE_PUBLIC,		/* anyone who can reach the listener */
	ROLE_VIEWER,		/* reads */
	ROLE_ONCALL,		/* also changes watches and deliveries */
	ROLE_SRE_LEAD		/* also administers the daemon */
};

#define LATE_BUCKETS	1000	/* ms; later checks count in the last */

/* The daemon's one instance: all mutable state lives here. */
struct tinkrd {
	struct config	*conf;		/* the running snapshot */
	const char	*conf_arg;	/* -c FILE, or NULL to search */
	char		*active;	/* a profile chosen at run time, or NULL */
	char		 sock[PATH_MAX];
	char		 pidpath[PATH_MAX];
	struct pidfh	*pfh;
	int		 listenfd;
	int		 stale;		/* a dead daemon's socket was removed */
	struct server	*unix_srv;
	struct server	*tcp_srv;	/* [server] listen, or NULL */
	int		 tcpfd;
	const char	*listen_arg;	/* --listen, or NULL */
	char		 listen_addr[128];	/* what tcp_srv listens on */
	struct authkeys	 keys;		/* the tokens TCP clients may present */
	time_t		 started;
	int		 foreground;
	int		 stopping;	/* leave the loop when set */
	int		 sigfd[2];	/* self-pipe: handlers write, loop reads */
	struct sources	*sources;	/* what the backends keep between calls */
	struct fetcher	*fetcher;	/* outbound HTTP: the one multi handle */
	struct pending	*pending;	/* requests waiting on a source job */

	/* The state directory: watches and the delivery journal. */
	char		 statedir[PATH_MAX];
	char		 wjournal[PATH_MAX];	/* watches.jsonl */
	char		 journal[PATH_MAX];	/* deliveries.jsonl */

	/* Watches (watches.c): all of them, and the running ones by due. */
	struct watch	**watches;
	size_t		 nwatches;
	struct watch	**whash;	/* they, by ID */
	int		 wfd;		/* their journal, appended to */
	struct strbuf	 wbuf;		/* its lines not written yet */
	size_t		 wbytes;	/* its size */
	size_t		 wlive;		/* its size when last rewritten */
	size_t		 nwhash;	/* buckets, a power of two */
	struct watch	**heap;
	size_t		 nheap;
	size_t		 heapcap;
	size_t		 nchecking;	/* watches with a check in flight */
	struct watch	**checks;	/* they, maybe with NULL holes */
	size_t		 nchecks;
	size_t		 checkscap;
	size_t		 checks_next;
	json_t		*dumped;	/* the anomalies last written out */
	char		*dumped_text;	/* and their compact JSON */
	size_t		 ndirty;	/* watches whose files are behind */
	unsigned long long checks_run;
	unsigned	 late[LATE_BUCKETS + 1];	/* checks by ms late */

	/* Delivery (deliver.c). */
	struct dqueue	*queues;	/* pending, per (watch, notifier) */
	struct dqueue	**qhash;	/* they, by (watch, notifier) */
	struct obusy	*obusy;		/* where attempts go: in flight, ready */
	struct obusy	*runnable;	/* they, with heads ready and room */
	struct obusy	*runnable_tail;
	struct dqueue	**qheap;	/* heads waiting to retry, soonest
					   first */
	size_t		 nqheap;
	size_t		 qheapcap;
	struct attempt	*attempts;	/* in flight */
	size_t		 ninflight;
	struct delivery	**recent;	/* finished: a ring, see RECENT() */
	size_t		 nrecent;
	size_t		 recent_at;	/* where its oldest is */
	struct nhealth	*health;	/* per notifier */
	unsigned long long seq;		/* of the newest notification */
	int		 deliver_dirty;	/* something to look at now */
	int		 jfd;		/* the journal, appended to */
	struct strbuf	 jbuf;		/* its records not written yet */
	int		 jsync;		/* some are new: flush before sending */
	size_t		 jbytes;	/* its size */
	size_t		 jlive;		/* its size when last rewritten */
	struct child	*children;	/* others than exec attempts */
	struct mcp_session *mcp_sessions;
};

/* A child process other than an exec attempt, reaped by the loop. */
struct child {
	pid_t		 pid;
	int		 exited;
	int		 status;	/* its wait status, once exited */
	int		 killed;	/* for taking past its deadline */
	long long	 deadline;	/* monotonic ms */
	struct child	*next;
};

/* A git started for a fix, as a job: done once git has exited. */
struct gitjob {
	struct tinkrd	*d;
	struct child	*child;
	int		 errfd;
	int		 ok;		/* git accepted the diff */
	char		 err[1024];	/* else why not */
};

/* One request as a handler sees it. */
struct request {
	struct tinkrd	*d;
	const char	*method;
	const char	*path;
	const char	*body;
	size_t		 bodylen;
	enum role	 role;
	const char	*subject;	/* the token's key, NULL on the socket */
	const char	*param_name[4];	/* {name} segments of the route */
	char		*param[4];
	size_t		 nparams;
	void		*conn;		/* the MHD connection, for query args */
};

/*
 * Work a reply waits for: stepped by the loop until done (SOURCE_DONE),
 * then asked for the answer, then freed (also when never finished).
 */
struct job_ops {
	int		(*step)(void *, long long);
	json_t		*(*result)(void *, int *);
	void		(*free)(void *);
	int		 sse;		/* a 200 result is {"frames": [...]} */
};

/* What a handler answers: a status and a JSON body. */
struct reply {
	int		 status;
	json_t		*json;
	void		*job;		/* answer when this job finishes */
	const struct job_ops *ops;
	int		 sse;		/* send json's frames as an event stream */
	ssize_t		(*stream_read)(void *, uint64_t, char *, size_t);
	void		(*stream_free)(void *);
	void		*stream_cls;	/* a response of unknown length */
	char		 hdr_name[32];	/* one more header, if set */
	char		 hdr_value[64];
	char		*raw;		/* or send this body, of type ctype */
	const char	*ctype;
	char		 allow[32];	/* the Allow header of a 405 */
	void		(*after)(struct tinkrd *);	/* once the reply is sent */
};

struct route {
	const char	*method;
	const char	*pattern;	/* "/api/v1/watches/{id}" */
	enum role	 role;
	void		(*handler)(struct request *, struct reply *);
	const char	*summary;	/* for /openapi.json and /docs */
	const char	*example;	/* a request body, or NULL */
};

/* tinkrd.c */
int		 tinkrd_reload(struct tinkrd *, char *, size_t);
const char	*tinkrd_active_profile(struct tinkrd *, const char **);

/* control.c */
int		 control_listen(struct tinkrd *, char *, size_t);
void		 control_cleanup(struct tinkrd *);

/* loop.c */
void		 loop_run(struct tinkrd *);

/* server.c */
struct server	*server_start(struct tinkrd *, int, int, const char *,
		     const char *, char *, size_t);
int		 tcp_listen(const char *, char *, size_t);
int		 server_fd(struct server *);
void		 server_run(struct server *);
long long	 server_timeout(struct server *);
void		 server_stop(struct server *);
int		 server_jobs_run(struct tinkrd *, long long, int *);
void		 server_jobs_cancel(struct tinkrd *);

/* routes.c */
extern const struct route routes[];
extern const size_t nroutes;
void		 routes_dispatch(struct request *, struct reply *);
void		 reply_error(struct reply *, int, const char *, ...)
		     __attribute__((format(printf, 3, 4)));
void		 reply_json(struct reply *, int, json_t *);
const char	*request_query(struct request *, const char *);

/* route-source.c */
extern const struct job_ops source_job_ops;
json_t		*body_object(struct request *, struct reply *);
const char	*member_string(json_t *, const char *, int *);
const struct cprofile *request_profile(struct request *, struct reply *,
		     json_t *);
long long	 member_int(json_t *, const char *, long long, long long,
		     long long, struct reply *);
void		 route_anomalies(struct request *, struct reply *);
void		 route_logs(struct request *, struct reply *);
void		 route_metrics(struct request *, struct reply *);
void		 route_slo(struct request *, struct reply *);

/* route-docs.c */
void		 route_openapi(struct request *, struct reply *);
void		 route_docs(struct request *, struct reply *);

/* route-mcp.c */
void		 route_mcp_post(struct request *, struct reply *);
void		 route_mcp_delete(struct request *, struct reply *);
void		 mcp_sessions_free(struct tinkrd *);
void		 route_mcp_sse(struct request *, struct reply *);
void		 route_mcp_message(struct request *, struct reply *);

/* route-fix.c */
void		 route_fix_list(struct request *, struct reply *);
void		 route_fix_show(struct request *, struct reply *);
void		 route_fix_apply(struct request *, struct reply *);
void		 route_fix_reject(struct request *, struct reply *);
struct gitjob	*gitjob_start(struct tinkrd *, const char *, const char *,
		     int, char *, size_t);
int		 gitjob_step(struct gitjob *);
void		 gitjob_free(struct gitjob *);

/* route-rca.c */
void		 route_rca(struct request *, struct reply *);

/* watches.c */
struct watch	*watch_find(struct tinkrd *, const char *);
void		 watch_store(struct tinkrd *, struct watch *);
void		 watch_store_now(struct tinkrd *, struct watch *);
void		 watches_write(struct tinkrd *);
int		 watches_snapshot(struct tinkrd *);
void		 watch_forget(struct tinkrd *, const char *);
json_t		*watches_stats_json(struct tinkrd *);
void		 watch_schedule(struct tinkrd *, struct watch *);
void		 watch_halt(struct tinkrd *, struct watch *);
void		 watch_add(struct tinkrd *, struct watch *);
void		 watch_drop(struct tinkrd *, struct watch *);
int		 watches_init(struct tinkrd *, char *, size_t);
void		 watches_free(struct tinkrd *);
long long	 watches_timeout(struct tinkrd *);
int		 watches_run(struct tinkrd *, long long);
void		 check_done(struct tinkrd *, struct watch *, int, json_t *,
		     const char *, ...) __attribute__((format(printf, 5, 6)));

/* deliver.c */
int		 deliver_init(struct tinkrd *, char *, size_t);
void		 deliver_free(struct tinkrd *);
void		 deliver_enqueue(struct tinkrd *, struct watch *, const char *,
		     size_t, const char *, const char *);
void		 deliver_run(struct tinkrd *);
void		 deliver_flush(struct tinkrd *);
struct child	*child_watch(struct tinkrd *, pid_t, long long);
void		 child_forget(struct tinkrd *, struct child *);
long long	 deliver_timeout(struct tinkrd *);
void		 deliver_reap(struct tinkrd *);
void		 state_commit(struct tinkrd *);
size_t		 deliver_cancel_watch(struct tinkrd *, const char *);
json_t		*deliver_pending_json(struct tinkrd *, const char *);
int		 deliver_trusted(const struct csection *, const char *);
void		 deliver_health_json(struct tinkrd *, const char *,
		     const char *, json_t *);
struct ntest	*deliver_test(struct tinkrd *, const char *, const char *,
		     const char *, char *, size_t);
struct delivery	*deliver_find(struct tinkrd *, const char *);
int		 deliver_retry(struct tinkrd *, struct delivery *);
json_t		*deliver_list_json(struct tinkrd *, const char *, int,
		     size_t);
extern const struct job_ops test_job_ops;

/* route-watch.c */
void		 route_watch_start(struct request *, struct reply *);
void		 route_watch_list(struct request *, struct reply *);
void		 route_watch_show(struct request *, struct reply *);
void		 route_watch_stop(struct request *, struct reply *);
void		 route_watch_delete(struct request *, struct reply *);

/* route-notify.c */
void		 route_notifier_list(struct request *, struct reply *);
void		 route_notifier_test(struct request *, struct reply *);
void		 route_deliveries(struct request *, struct reply *);
void		 route_delivery_retry(struct request *, struct reply *);

/* route-daemon.c */
void		 route_health(struct request *, struct reply *);
void		 route_profiles(struct request *, struct reply *);
void		 route_profile(struct request *, struct reply *);
void		 route_profile_activate(struct request *, struct reply *);
void		 route_config(struct request *, struct reply *);
void		 route_reload(struct request *, struct reply *);
void		 route_stop(struct request *, struct reply *);

#endif
