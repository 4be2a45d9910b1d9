/* fetch.h -- outbound HTTP on the daemon's one libcurl multi handle */
#ifndef TINKR_FETCH_H
#define TINKR_FETCH_H

#include <stddef.h>

#include "util.h"

/* The most of an answer a fetch keeps; a larger one fails the fetch. */
#define FETCH_BODY_MAX	(16 * 1024 * 1024)

struct fetcher;

/* What to send. Strings are copied; none need outlive fetch_start. */
struct fetch_req {
	const char	*url;
	const char	*body;		/* NULL: a GET */
	size_t		 bodylen;
	const char	*content_type;	/* of the body */
	const char	*bearer;	/* Authorization: Bearer, or NULL */
	const char	*user;		/* basic authentication, or NULL */
	const char	*password;
	long		 timeout_ms;	/* the whole transfer; 0: 10 s */
	const char *const *headers;	/* more "Name: value" lines */
	size_t		 nheaders;
};

/*
 * One transfer. When done is set, either status holds the HTTP status and
 * body the answer, or status is 0 and error says why nothing came back.
 */
struct fetch {
	int		 done;
	long		 status;
	char		 error[256];
	struct strbuf	 body;
	char		 retry_after[64];	/* the header's value, or "" */
	/*
	 * Set after fetch_start, if wanted: called once done, from
	 * fetcher_run, for transfers of tinkrd's own client; it may free
	 * the fetch. Others, and one done within fetch_start, only set done.
	 */
	void		(*on_done)(struct fetch *, void *);
	void		*on_done_arg;
	void		*priv;		/* the fetcher's */
};

/* fetch.c */
struct fetcher	*fetcher_new(void);
void		 fetcher_free(struct fetcher *);
int		 fetcher_fd(struct fetcher *);
long long	 fetcher_timeout(struct fetcher *);
int		 fetcher_run(struct fetcher *);
struct fetch	*fetch_start(struct fetcher *, const struct fetch_req *);
void		 fetch_free(struct fetch *);

#endif
