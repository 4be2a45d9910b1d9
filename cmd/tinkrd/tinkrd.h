/* tinkrd.h -- the daemon: one loop, one route table, two listeners */
#ifndef TINKRD_H
#define TINKRD_H

#include <limits.h>
#include <time.h>

#include <jansson.h>

struct config;
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
	time_t		 started;
	int		 foreground;
	int		 stopping;	/* leave the loop when set */
	int		 sigfd[2];	/* self-pipe: handlers write, loop reads */
	struct sources	*sources;	/* what the backends keep between calls */
	struct fetcher	*fetcher;	/* outbound HTTP: the one multi handle */
	struct pending	*pending;	/* requests waiting on a source job */
};

/* One request as a handler sees it. */
struct request {
	struct tinkrd	*d;
	const char	*method;
	const char	*path;
	const char	*body;
	size_t		 bodylen;
	enum role	 role;
	const char	*param_name[4];	/* {name} segments of the route */
	char		*param[4];
	size_t		 nparams;
	void		*conn;		/* the MHD connection, for query args */
};

/* What a handler answers: a status and a JSON body. */
struct reply {
	int		 status;
	json_t		*json;
	struct source_job *job;		/* answer when this job finishes */
	char		 allow[32];	/* the Allow header of a 405 */
	void		(*after)(struct tinkrd *);	/* once the reply is sent */
};

struct route {
	const char	*method;
	const char	*pattern;	/* "/api/v1/watches/{id}" */
	enum role	 role;
	void		(*handler)(struct request *, struct reply *);
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
struct server	*server_start(struct tinkrd *, int, int, char *, size_t);
int		 server_fd(struct server *);
void		 server_run(struct server *);
long long	 server_timeout(struct server *);
void		 server_stop(struct server *);
int		 server_jobs_run(struct tinkrd *, long long, int *);
void		 server_jobs_cancel(struct tinkrd *);

/* routes.c */
void		 routes_dispatch(struct request *, struct reply *);
void		 reply_error(struct reply *, int, const char *, ...)
		     __attribute__((format(printf, 3, 4)));
void		 reply_json(struct reply *, int, json_t *);
const char	*request_query(struct request *, const char *);

/* route-source.c */
void		 route_anomalies(struct request *, struct reply *);
void		 route_logs(struct request *, struct reply *);
void		 route_metrics(struct request *, struct reply *);

/* route-daemon.c */
void		 route_health(struct request *, struct reply *);
void		 route_profiles(struct request *, struct reply *);
void		 route_profile(struct request *, struct reply *);
void		 route_config(struct request *, struct reply *);
void		 route_reload(struct request *, struct reply *);
void		 route_stop(struct request *, struct reply *);

#endif
