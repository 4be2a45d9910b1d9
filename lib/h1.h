/* h1.h -- the fetcher's own keep-alive HTTP/1.1 client for http:// */
#ifndef TINKR_H1_H
#define TINKR_H1_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct fetch;
struct fetch_req;
struct h1;
struct h1xfer;

/* Where an answer's parse is, from its first byte to its last. */
struct h1resp {
	int		 phase;		/* H1P_* below */
	int		 status;
	int		 keep;		/* the connection may serve again */
	int		 framing;	/* H1F_* below */
	unsigned long long left;	/* body or chunk bytes still to come */
	size_t		 got;		/* bytes of this answer seen */
	char		 retry_after[64];
	/* If set: called with each header of the final answer, trimmed. */
	void		(*on_header)(void *, const char *, size_t,
			    const char *, size_t);
	void		*header_arg;
};

/* What h1_parse says. */
#define H1_MORE		0	/* give it more bytes */
#define H1_DONE		1	/* the answer is whole */
#define H1_ERROR	-1	/* malformed; the reason is in err */

/* h1.c */
struct h1	*h1_new(int);
void		 h1_free(struct h1 *);
struct h1xfer	*h1_start(struct h1 *, struct fetch *,
		    const struct fetch_req *);
void		 h1_xfer_free(struct h1xfer *);
void		 h1_event(struct h1 *, void *, uint32_t);
long long	 h1_timeout(struct h1 *);
int		 h1_run(struct h1 *);
void		 h1_resp_init(struct h1resp *);
int		 h1_parse(struct h1resp *, struct strbuf *, int,
		    struct strbuf *, size_t, char *, size_t);

#endif
