/*
 * h1.c -- the fetcher's own keep-alive HTTP/1.1 client, for http:// URLs.
 *
 * Most of what tinkrd sends is small: a notification's POST and a short
 * answer. Through libcurl each such transfer cost 40-50 us of CPU here,
 * mostly in setting the transfer up and taking it down again, and the
 * delivery benchmark found tinkrd could send no faster than that. This
 * client writes a request with one send(2), reads its answer with one
 * recv(2) as a rule, and keeps each connection for the next request: at
 * most H1_PER_ORIGIN to one host and port, as the fetcher asks of libcurl,
 * the other requests waiting their turn in order. A connection stays in
 * the fetcher's epoll set, for reading, as long as it lives, so a request
 * on it costs no epoll_ctl(2).
 *
 * It takes only what it does as libcurl would: http:// URLs in plain
 * ASCII, with no user:password@, when no proxy is set in the environment
 * (http_proxy, all_proxy). https:// and all the rest stay with libcurl.
 * A host is an address, localhost, or a name that getaddrinfo_a(3)
 * resolves away from the loop; what it says is kept for a minute.
 *
 * Its epoll entries carry the connection's address with the low bit set;
 * libcurl's carry the socket shifted left by one (fetch.c).
 */

#include <sys/epoll.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <netdb.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "fetch.h"
#include "h1.h"
#include "util.h"

#define H1_PER_ORIGIN	16		/* connections to one host and port */
#define H1_IDLE_MS	55000		/* older idle connections are closed */
#define H1_HEAD_MAX	(64 * 1024)	/* an answer's status and headers */
#define H1_RECV		(16 * 1024)	/* read at once */
#define H1_ADDRS	8		/* addresses tried for one host */
#define H1_TIMEOUT	10000		/* ms, when the request sets none */
#define H1_DNS_MS	60000		/* a name's addresses are kept */
#define H1_DNS_POLL	5		/* ms between looks at a lookup */
#define H1_TRY_MS	1000		/* a connect before the next address */
#define H1_IDLE_MAX	64		/* idle connections kept in all */
#define H1_ORIGIN_MS	600000		/* an unused origin is forgotten */

/* Where an answer's parse is. */
enum { H1P_HEAD, H1P_BODY, H1P_CHUNK_SIZE, H1P_CHUNK_DATA, H1P_CHUNK_END,
    H1P_TRAILER, H1P_DONE };
#define H1_INTERIM	2	/* parse_head read a 1xx answer */

/* How its body ends. */
enum { H1F_NONE, H1F_LENGTH, H1F_CHUNKED, H1F_CLOSE };
/* What a connection is doing. */
enum { C_CONNECTING, C_SENDING, C_READING, C_IDLE };

struct h1addr {
	struct sockaddr_storage	 ss;
	socklen_t		 len;
};

/* A host and port, its addresses and its connections. */
struct h1origin {
	char		*host;		/* as in the URL: name, a.b.c.d, [v6] */
	int		 port;
	struct h1addr	 addrs[H1_ADDRS];
	size_t		 naddrs;
	int		 named;		/* a name to look up, not an address */
	int		 resolving;	/* gcb is in flight */
	long long	 resolved_ms;	/* when addrs came from a lookup */
	long long	 used_ms;	/* when a request last named it */
	size_t		 nxfers;	/* requests that name it, not freed */
	char		 portstr[8];
	struct addrinfo	 hints;
	struct gaicb	 gcb;
	struct h1conn	*conns[H1_PER_ORIGIN];
	size_t		 nconns;
	struct h1xfer	*wait_head;	/* requests waiting for a connection */
	struct h1xfer	*wait_tail;
	struct h1origin	*next;
};

struct h1conn {
	struct h1	*h;
	struct h1origin	*o;
	int		 fd;		/* -1 while it has no socket */
	int		 closed;	/* waits for h1_run to free it */
	int		 state;
	uint32_t	 events;	/* what epoll watches it for */
	size_t		 addr_at;	/* which of the origin's addresses */
	long long	 try_until;	/* then the next address; 0: none */
	unsigned	 served;	/* answers it gave */
	long long	 idle_since;
	struct h1xfer	*x;		/* the request on it, or NULL */
	size_t		 sent;
	struct strbuf	 in;		/* bytes read and not yet parsed */
	struct h1resp	 r;
	struct h1conn	*dead_next;
};

/* One request, from h1_start to h1_xfer_free. */
struct h1xfer {
	struct h1	*h;
	struct fetch	*fe;
	struct h1origin	*o;
	struct h1conn	*c;		/* the connection it is on */
	struct h1xfer	*next;		/* in the origin's waiting list */
	int		 waiting;
	int		 retried;	/* once, when a kept connection died */
	char		*req;		/* the request's bytes */
	size_t		 reqlen;
	long		 timeout_ms;
	long long	 deadline;
	size_t		 slot;		/* in h->active while not done */
	int		 fin;		/* on h->fin, its on_done to be called */
	struct h1xfer	*fin_next;
};

struct h1 {
	int		 epfd;
	int		 off;		/* a proxy is set: libcurl does it */
	struct h1origin	*origins;
	struct h1xfer	**active;
	size_t		 nactive;
	size_t		 activecap;
	struct h1conn	*dead;		/* closed; freed by h1_run */
	struct h1xfer	*fin;		/* done, their on_done still to call */
	int		 nresolving;	/* lookups in flight */
	int		 kick;		/* a connection closed where some wait */
	long long	 swept;		/* when idle connections were looked at */
	int		 ndone;
};

static void	conn_close(struct h1conn *);
static void	dispatch(struct h1xfer *, int);

/* --- answers ------------------------------------------------------------ */

void
h1_resp_init(struct h1resp *r)
{
	memset(r, 0, sizeof *r);
	r->phase = H1P_HEAD;
}

/* Take n bytes off the front of b. */
static void
consume(struct strbuf *b, size_t n)
{
	memmove(b->s, b->s + n, b->len - n);
	b->len -= n;
	b->s[b->len] = '\0';
}

/*
 * The line at s: its length without the line end, and where the next
 * begins; 0 when no whole line is there yet.
 */
static int
line_at(const char *s, size_t len, size_t *linelen, size_t *next)
{
	const char	*nl;

	if ((nl = memchr(s, '\n', len)) == NULL)
		return 0;
	*next = (size_t)(nl - s) + 1;
	*linelen = (size_t)(nl - s);
	if (*linelen > 0 && s[*linelen - 1] == '\r')
		(*linelen)--;
	return 1;
}

static int
is_tchar(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~",
	    c) != NULL);
}

/* Whether the comma-separated list s (len bytes) holds token tok. */
static int
list_has(const char *s, size_t len, const char *tok, int last_only)
{
	size_t	 i = 0, a, b, n = strlen(tok);
	int	 found = 0;

	while (i <= len) {
		a = i;
		while (i < len && s[i] != ',')
			i++;
		b = i;
		while (a < b && (s[a] == ' ' || s[a] == '\t'))
			a++;
		while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'))
			b--;
		if (b > a || !last_only)
			found = b - a == n && strncasecmp(s + a, tok, n) == 0;
		if (found && !last_only)
			return 1;
		i++;
	}
	return found;
}

/* Parse an answer's status line and headers, once they are all in. */
static int
parse_head(struct h1resp *r, struct strbuf *in, char *err, size_t errlen)
{
	const char		*s = in->s, *v, *colon;
	size_t			 at, len, next, end = 0, n, vlen;
	unsigned long long	 cl = 0;
	int			 minor = 1, cl_seen = 0, te_seen = 0, chunked = 0;
	int			 close_seen = 0, ka_seen = 0, first = 1;
	int			 odd = 0, framing_last = 0;

	/* Empty lines before the status line are read past (RFC 9112). */
	for (at = 0; at < in->len && (s[at] == '\r' || s[at] == '\n'); at++)
		;
	if (at > 0)
		consume(in, at);
	for (at = 0; line_at(s + at, in->len - at, &len, &next); at += next)
		if (len == 0 && at > 0) {
			end = at + next;
			break;
		}
	if (end == 0 || end > H1_HEAD_MAX) {
		if (in->len > H1_HEAD_MAX) {
			seterr(err, errlen, "the answer's headers are longer "
			    "than %d KiB", H1_HEAD_MAX / 1024);
			return H1_ERROR;
		}
		return H1_MORE;
	}
	for (at = 0; at < end; at += next) {
		line_at(s + at, end - at, &len, &next);
		if (len == 0)
			break;
		if (first) {
			first = 0;
			if (len < 12 || strncmp(s + at, "HTTP/1.", 7) != 0 ||
			    (s[at + 7] != '0' && s[at + 7] != '1') ||
			    s[at + 8] != ' ' || s[at + 9] < '1' ||
			    s[at + 9] > '9' || s[at + 10] < '0' ||
			    s[at + 10] > '9' || s[at + 11] < '0' ||
			    s[at + 11] > '9' || (len > 12 && s[at + 12] != ' ')) {
				seterr(err, errlen, "the answer does not start "
				    "with an HTTP/1.x status line");
				return H1_ERROR;
			}
			minor = s[at + 7] - '0';
			r->status = (s[at + 9] - '0') * 100 +
			    (s[at + 10] - '0') * 10 + (s[at + 11] - '0');
			continue;
		}
		/*
		 * A folded line (obsolete) goes on the header before it, and
		 * a header whose name is not a token is no header: both are
		 * read past, as libcurl does, but the connection is not kept,
		 * and a folded framing header is refused.
		 */
		if (s[at] == ' ' || s[at] == '\t') {
			if (framing_last) {
				seterr(err, errlen, "the answer's Content-Length "
				    "or Transfer-Encoding is folded");
				return H1_ERROR;
			}
			odd = 1;
			continue;
		}
		framing_last = 0;
		if ((colon = memchr(s + at, ':', len)) == NULL ||
		    colon == s + at) {
			seterr(err, errlen, "the answer has a header line "
			    "without a name");
			return H1_ERROR;
		}
		for (v = s + at; v < colon; v++)
			if (!is_tchar((unsigned char)*v))
				break;
		if (v < colon) {
			odd = 1;
			continue;
		}
		n = (size_t)(colon - (s + at));
		v = colon + 1;
		vlen = len - n - 1;
		while (vlen > 0 && (*v == ' ' || *v == '\t')) {
			v++;
			vlen--;
		}
		while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
			vlen--;
		if (r->on_header != NULL && r->status >= 200)
			r->on_header(r->header_arg, s + at, n, v, vlen);
		if (n == 14 && strncasecmp(s + at, "content-length", n) == 0) {
			/* "2" or a list of the same number: "2, 2". */
			unsigned long long x;
			size_t i = 0, digits;

			framing_last = 1;
			if (vlen == 0)
				goto badlen;
			while (i < vlen) {
				x = 0;
				for (digits = 0; i < vlen && v[i] >= '0' &&
				    v[i] <= '9'; i++, digits++) {
					if (digits == 15)
						goto badlen;
					x = x * 10 + (unsigned)(v[i] - '0');
				}
				if (digits == 0 || (cl_seen && x != cl))
					goto badlen;
				cl = x;
				cl_seen = 1;
				while (i < vlen && (v[i] == ' ' || v[i] == '\t'))
					i++;
				if (i < vlen && v[i++] != ',')
					goto badlen;
				while (i < vlen && (v[i] == ' ' || v[i] == '\t'))
					i++;
				if (i == vlen && v[vlen - 1] == ',')
					goto badlen;
			}
		} else if (n == 17 && strncasecmp(s + at, "transfer-encoding",
		    n) == 0) {
			framing_last = 1;
			te_seen = 1;
			chunked = list_has(v, vlen, "chunked", 1);
		} else if (n == 10 && strncasecmp(s + at, "connection",
		    n) == 0) {
			close_seen |= list_has(v, vlen, "close", 0);
			ka_seen |= list_has(v, vlen, "keep-alive", 0);
		} else if (n == 11 && strncasecmp(s + at, "retry-after",
		    n) == 0) {
			if (vlen >= sizeof r->retry_after)
				vlen = sizeof r->retry_after - 1;
			memcpy(r->retry_after, v, vlen);
			r->retry_after[vlen] = '\0';
		}
	}
	consume(in, end);
	if (r->status < 200) {
		if (r->status == 101) {
			seterr(err, errlen, "the server switched protocols");
			return H1_ERROR;
		}
		/* 100 Continue and the like: the answer is still to come. */
		r->status = 0;
		r->retry_after[0] = '\0';
		return H1_INTERIM;
	}
	r->keep = minor >= 1 ? !close_seen : ka_seen && !close_seen;
	if (odd || (te_seen && minor == 0))
		r->keep = 0;
	if (r->status == 204 || r->status == 304)
		r->framing = H1F_NONE;
	else if (te_seen) {
		r->framing = chunked ? H1F_CHUNKED : H1F_CLOSE;
		/* Both framings named: a smuggling risk; use this one once. */
		if (cl_seen || !chunked)
			r->keep = 0;
	} else if (cl_seen) {
		r->framing = H1F_LENGTH;
		r->left = cl;
	} else {
		r->framing = H1F_CLOSE;
		r->keep = 0;
	}
	r->phase = r->framing == H1F_CHUNKED ? H1P_CHUNK_SIZE :
	    r->framing == H1F_NONE ? H1P_DONE : H1P_BODY;
	return H1_DONE;
badlen:
	seterr(err, errlen, "the answer's Content-Length is not a number, "
	    "or two of its values differ");
	return H1_ERROR;
}

/* Move up to left bytes of in to the body, within max. */
static int
take_body(struct h1resp *r, struct strbuf *in, struct strbuf *body,
    size_t max, char *err, size_t errlen)
{
	size_t	 n = in->len;

	if (r->framing != H1F_CLOSE && n > r->left)
		n = (size_t)r->left;
	if (body->len + n > max) {
		seterr(err, errlen, "the answer is larger than %zu MiB",
		    max / (1024 * 1024));
		return H1_ERROR;
	}
	strbuf_add(body, in->s, n);
	consume(in, n);
	if (r->framing != H1F_CLOSE)
		r->left -= n;
	return 0;
}

/*
 * Parse what has come of an answer: in holds the bytes not yet parsed
 * (they are taken off as they are used), eof says no more will come. The
 * body, chunked or not, is appended to body, up to max bytes. H1_DONE
 * when the answer is whole: r holds its status, whether the connection
 * may serve again and Retry-After; what is left in in came after it.
 */
int
h1_parse(struct h1resp *r, struct strbuf *in, int eof, struct strbuf *body,
    size_t max, char *err, size_t errlen)
{
	size_t		 len, next, i;
	unsigned long long size;
	int		 rc;

	if (in->s == NULL)
		strbuf_add(in, "", 0);
	if (in->len > 0)
		r->got = 1;
	for (;;) {
		switch (r->phase) {
		case H1P_HEAD:
			if ((rc = parse_head(r, in, err, errlen)) == H1_ERROR)
				return H1_ERROR;
			if (rc == H1_MORE) {
				if (!eof)
					return H1_MORE;
				seterr(err, errlen, r->got ? "the server closed "
				    "the connection in the middle of the "
				    "answer's headers" : "the server closed the "
				    "connection without answering");
				return H1_ERROR;
			}
			break;
		case H1P_BODY:
			if (take_body(r, in, body, max, err, errlen) != 0)
				return H1_ERROR;
			if (r->framing == H1F_LENGTH && r->left == 0)
				r->phase = H1P_DONE;
			else if (eof && r->framing == H1F_CLOSE)
				r->phase = H1P_DONE;
			else if (eof)
				goto cut;
			else
				return H1_MORE;
			break;
		case H1P_CHUNK_SIZE:
			if (!line_at(in->s, in->len, &len, &next)) {
				if (in->len > 1024)
					goto longsize;
				if (eof)
					goto cut;
				return H1_MORE;
			}
			if (next > 1024)
				goto longsize;
			size = 0;
			for (i = 0; i < len; i++) {
				int c = (unsigned char)in->s[i], d;

				if (c >= '0' && c <= '9')
					d = c - '0';
				else if (c >= 'a' && c <= 'f')
					d = c - 'a' + 10;
				else if (c >= 'A' && c <= 'F')
					d = c - 'A' + 10;
				else
					break;
				if (size >> 40 != 0)
					goto badchunk;
				size = size * 16 + (unsigned)d;
			}
			if (i == 0)
				goto badchunk;
			while (i < len && (in->s[i] == ' ' || in->s[i] == '\t'))
				i++;
			if (i < len && in->s[i] != ';')
				goto badchunk;
			consume(in, next);
			r->left = size;
			r->phase = size == 0 ? H1P_TRAILER : H1P_CHUNK_DATA;
			break;
		case H1P_CHUNK_DATA:
			if (take_body(r, in, body, max, err, errlen) != 0)
				return H1_ERROR;
			if (r->left == 0)
				r->phase = H1P_CHUNK_END;
			else if (eof)
				goto cut;
			else
				return H1_MORE;
			break;
		case H1P_CHUNK_END:
			if (!line_at(in->s, in->len, &len, &next)) {
				if (in->len > 2 || eof)
					goto badchunk;
				return H1_MORE;
			}
			if (len != 0)
				goto badchunk;
			consume(in, next);
			r->phase = H1P_CHUNK_SIZE;
			break;
		case H1P_TRAILER:
			/* Trailer fields are read past, within the head's cap. */
			if (!line_at(in->s, in->len, &len, &next)) {
				if (r->left + in->len > H1_HEAD_MAX)
					goto badchunk;
				if (eof)
					goto cut;
				return H1_MORE;
			}
			r->left += next;
			if (r->left > H1_HEAD_MAX)
				goto badchunk;
			consume(in, next);
			if (len == 0)
				r->phase = H1P_DONE;
			break;
		case H1P_DONE:
			return H1_DONE;
		}
	}
cut:
	seterr(err, errlen, "the server closed the connection before the "
	    "answer's end");
	return H1_ERROR;
badchunk:
	seterr(err, errlen, "the answer's chunked body is malformed");
	return H1_ERROR;
longsize:
	seterr(err, errlen, "the answer has a chunk size line over 1 KiB");
	return H1_ERROR;
}

/* --- requests ----------------------------------------------------------- */

/* Whether header line hl ("Name: value") is named name. */
static int
header_named(const char *hl, const char *name)
{
	size_t	 n = strlen(name);

	return strncasecmp(hl, name, n) == 0 && hl[n] == ':';
}

/* Whether the request's own headers set name. */
static int
req_sets(const struct fetch_req *req, const char *name)
{
	size_t	 i;

	for (i = 0; i < req->nheaders; i++)
		if (header_named(req->headers[i], name))
			return 1;
	return 0;
}

/*
 * The bytes of the request; NULL, with a reason, when a header would
 * break a line. As with libcurl, a header of the request's own replaces
 * the one this client would send of that name, and "Name:" with no
 * value only removes it; the framing headers are this client's alone.
 */
static char *
request_bytes(const struct fetch_req *req, const char *host, int port,
    const char *path, size_t pathlen, size_t *len, char *err, size_t errlen)
{
	static const char *const own[] = { "Content-Length",
	    "Transfer-Encoding", "Connection", "Expect" };
	struct strbuf	 b = { NULL, 0, 0 };
	const char	*h, *v;
	char		 num[32];
	size_t		 i, j;

	/* Room for it all at once: the fixed headers fit in 256 bytes. */
	b.size = 256 + pathlen + strlen(host) + req->bodylen +
	    (req->bearer != NULL ? strlen(req->bearer) : 0) +
	    (req->content_type != NULL ? strlen(req->content_type) : 0);
	for (i = 0; i < req->nheaders; i++)
		b.size += strlen(req->headers[i]) + 2;
	b.s = xmalloc(b.size);
	strbuf_str(&b, req->body != NULL ? "POST " : "GET ");
	if (pathlen == 0 || *path != '/')
		strbuf_addc(&b, '/');
	strbuf_add(&b, path, pathlen);
	strbuf_str(&b, " HTTP/1.1\r\n");
	if (!req_sets(req, "Host")) {
		strbuf_str(&b, "Host: ");
		strbuf_str(&b, host);
		if (port != 80) {
			snprintf(num, sizeof num, ":%d", port);
			strbuf_str(&b, num);
		}
		strbuf_str(&b, "\r\n");
	}
	if (!req_sets(req, "User-Agent"))
		strbuf_str(&b, "User-Agent: tinkrd/" PACKAGE_VERSION "\r\n");
	if (!req_sets(req, "Accept"))
		strbuf_str(&b, "Accept: application/json\r\n");
	if (req->content_type != NULL &&
	    strpbrk(req->content_type, "\r\n") != NULL)
		goto broken;
	if (req->bearer != NULL) {
		if (strpbrk(req->bearer, "\r\n") != NULL)
			goto broken;
		strbuf_str(&b, "Authorization: Bearer ");
		strbuf_str(&b, req->bearer);
		strbuf_str(&b, "\r\n");
	}
	for (i = 0; i < req->nheaders; i++) {
		h = req->headers[i];
		if (strpbrk(h, "\r\n") != NULL)
			goto broken;
		if ((v = strchr(h, ':')) == NULL)
			continue;
		for (j = 0; j < nitems(own); j++)
			if (header_named(h, own[j]))
				break;
		if (j < nitems(own))
			continue;
		for (v++; *v == ' ' || *v == '\t'; v++)
			;
		if (*v == '\0')
			continue;
		strbuf_str(&b, h);
		strbuf_str(&b, "\r\n");
	}
	if (req->body != NULL) {
		if (!req_sets(req, "Content-Type")) {
			strbuf_str(&b, "Content-Type: ");
			strbuf_str(&b, req->content_type != NULL ?
			    req->content_type : "application/json");
			strbuf_str(&b, "\r\n");
		}
		strbuf_str(&b, "Content-Length: ");
		strbuf_int(&b, (long long)req->bodylen);
		strbuf_str(&b, "\r\n\r\n");
		strbuf_add(&b, req->body, req->bodylen);
	} else
		strbuf_str(&b, "\r\n");
	*len = b.len;
	return b.s;
broken:
	seterr(err, errlen, "a header of the request holds a line break");
	explicit_bzero(b.s, b.len);
	free(b.s);
	return NULL;
}

/*
 * The host, port and path of an http:// URL this client takes; 0 for any
 * other, which libcurl then takes: another scheme, user:password@, bytes
 * outside printable ASCII, a host that is not a plain name or address.
 */
static int
url_parts(const char *url, char *host, size_t hostlen, int *port,
    const char **path, size_t *pathlen)
{
	const char	*a, *end, *p, *q;
	size_t		 n;
	long		 v;

	if (strncasecmp(url, "http://", 7) != 0)
		return 0;
	a = url + 7;
	end = a + strcspn(a, "/?#");
	if (*a == '[') {
		if ((q = memchr(a, ']', (size_t)(end - a))) == NULL)
			return 0;
		for (p = a + 1; p < q; p++)
			if (strchr("0123456789abcdefABCDEF:.", *p) == NULL)
				return 0;
		p = q + 1;
	} else {
		for (p = a; p < end && *p != ':'; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' &&
			    *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			    *p == '-' || *p == '.' || *p == '_'))
				return 0;
	}
	n = (size_t)(p - a);
	if (n == 0 || n >= hostlen)
		return 0;
	memcpy(host, a, n);
	host[n] = '\0';
	*port = 80;
	if (p < end) {
		if (*p++ != ':')
			return 0;
		for (v = 0; p < end; p++) {
			if (*p < '0' || *p > '9' || (v = v * 10 + (*p - '0')) >
			    65535)
				return 0;
		}
		if (v == 0 && p[-1] != ':')
			return 0;
		if (v != 0)
			*port = (int)v;
	}
	*path = end;
	*pathlen = strcspn(end, "#");
	for (p = end; p < end + *pathlen; p++)
		if (*p <= ' ' || *p >= 0x7f)
			return 0;
	return 1;
}

/* The addresses of a host given as an address, or localhost. */
static size_t
literal_addrs(const char *host, int port, struct h1addr *a)
{
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;
	char			 buf[64];
	size_t			 n;

	memset(a, 0, 2 * sizeof *a);
	sin = (struct sockaddr_in *)&a[0].ss;
	sin6 = (struct sockaddr_in6 *)&a[0].ss;
	if (*host == '[') {
		n = strlen(host);
		if (n - 2 >= sizeof buf)
			return 0;
		memcpy(buf, host + 1, n - 2);
		buf[n - 2] = '\0';
		if (inet_pton(AF_INET6, buf, &sin6->sin6_addr) != 1)
			return 0;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		a[0].len = sizeof *sin6;
		return 1;
	}
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		a[0].len = sizeof *sin;
		return 1;
	}
	/* localhost is the loopback, as libcurl has it, whatever DNS says. */
	if (strcasecmp(host, "localhost") == 0) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a[0].len = sizeof *sin;
		sin6 = (struct sockaddr_in6 *)&a[1].ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		sin6->sin6_addr = in6addr_loopback;
		a[1].len = sizeof *sin6;
		return 2;
	}
	return 0;
}

/* The origin of host and port, made when first asked for. */
static struct h1origin *
origin_get(struct h1 *h, const char *host, int port)
{
	struct h1origin	*o;
	struct h1addr	 a[H1_ADDRS];
	size_t		 n;

	for (o = h->origins; o != NULL; o = o->next)
		if (o->port == port && strcmp(o->host, host) == 0)
			return o;
	n = literal_addrs(host, port, a);
	/* An IPv6 address that inet_pton refused: libcurl's, then. */
	if (n == 0 && *host == '[')
		return NULL;
	o = xcalloc(1, sizeof *o);
	o->host = xstrdup(host);
	o->port = port;
	memcpy(o->addrs, a, n * sizeof *a);
	o->naddrs = n;
	o->named = n == 0;
	o->next = h->origins;
	h->origins = o;
	return o;
}

/* --- transfers ---------------------------------------------------------- */

/* A transfer is over: the fetch says how, and its owner sees done. */
static void
xfer_finish(struct h1xfer *x)
{
	struct h1	*h = x->h;

	if (x->slot != (size_t)-1) {
		h->active[x->slot] = h->active[--h->nactive];
		h->active[x->slot]->slot = x->slot;
		x->slot = (size_t)-1;
	}
	x->fe->done = 1;
	h->ndone++;
	if (x->fe->on_done != NULL) {
		x->fin = 1;
		x->fin_next = h->fin;
		h->fin = x;
	}
}

/*
 * Tell the owners of finished transfers, once h1.c is done with its own
 * work on this event: an owner may free its fetch, or start another
 * request, which then goes out at once on the connection just freed.
 */
static void
fire(struct h1 *h)
{
	struct h1xfer	*x;

	while ((x = h->fin) != NULL) {
		h->fin = x->fin_next;
		x->fin = 0;
		x->fe->on_done(x->fe, x->fe->on_done_arg);
	}
}

/* Fail a transfer with a reason. */
static void
xfer_fail(struct h1xfer *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
xfer_fail(struct h1xfer *x, const char *fmt, ...)
{
	va_list	 ap;

	x->fe->status = 0;
	va_start(ap, fmt);
	vsnprintf(x->fe->error, sizeof x->fe->error, fmt, ap);
	va_end(ap);
	xfer_finish(x);
}

/* Take a waiting transfer off its origin's list. */
static void
unwait(struct h1xfer *x)
{
	struct h1origin	*o = x->o;
	struct h1xfer	**pp, *prev = NULL;

	for (pp = &o->wait_head; *pp != NULL; prev = *pp, pp = &(*pp)->next)
		if (*pp == x) {
			*pp = x->next;
			if (o->wait_tail == x)
				o->wait_tail = prev;
			break;
		}
	x->next = NULL;
	x->waiting = 0;
}

/* --- connections -------------------------------------------------------- */

/* Watch c's socket for events (EPOLLIN, EPOLLOUT). */
static int
conn_watch(struct h1conn *c, uint32_t events)
{
	struct epoll_event	 ev;

	if (c->events == events)
		return 0;
	memset(&ev, 0, sizeof ev);
	ev.events = events;
	ev.data.u64 = (uint64_t)(uintptr_t)c | 1;
	if (epoll_ctl(c->h->epfd, c->events == 0 ? EPOLL_CTL_ADD :
	    EPOLL_CTL_MOD, c->fd, &ev) == -1)
		return -1;
	c->events = events;
	return 0;
}

/*
 * Close a connection. It is freed by h1_run: an event for it may still be
 * in the batch being handled.
 */
static void
conn_close(struct h1conn *c)
{
	struct h1origin	*o = c->o;
	size_t		 i;

	if (c->closed)
		return;
	c->closed = 1;
	if (c->fd != -1) {
		/*
		 * Out of the epoll set first: a child just forked may hold
		 * the socket open a moment longer, and with it the entry.
		 */
		if (c->events != 0)
			epoll_ctl(c->h->epfd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		c->fd = -1;
	}
	if (c->x != NULL) {
		c->x->c = NULL;
		c->x = NULL;
	}
	for (i = 0; i < o->nconns; i++)
		if (o->conns[i] == c) {
			o->conns[i] = o->conns[--o->nconns];
			break;
		}
	c->dead_next = c->h->dead;
	c->h->dead = c;
	if (o->wait_head != NULL)
		c->h->kick = 1;
}

/* The address a connection is on, for messages. */
static const char *
conn_addr(const struct h1conn *c, char *buf, size_t len)
{
	const struct sockaddr_storage	*ss = &c->o->addrs[c->addr_at].ss;

	if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->
		    sin6_addr, buf, (socklen_t)len);
	else
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->
		    sin_addr, buf, (socklen_t)len);
	return buf;
}

/*
 * The connection broke while x was on it: errno-like e, 0 for an end of
 * file. A connection kept from an earlier answer may have been closed by
 * the server just before it was used; x then goes once more, on a new one,
 * if no byte of its answer came.
 */
static void
conn_broke(struct h1conn *c, int e)
{
	struct h1xfer	*x = c->x;
	char		 addr[64];
	int		 again;

	again = x != NULL && c->served > 0 && !c->r.got && !x->retried;
	conn_addr(c, addr, sizeof addr);
	conn_close(c);
	if (x == NULL)
		return;
	if (again) {
		x->retried = 1;
		dispatch(x, 1);
		return;
	}
	if (e == 0)
		xfer_fail(x, "%s port %d closed the connection without "
		    "answering", addr, x->o->port);
	else
		xfer_fail(x, "%s port %d: %s", addr, x->o->port,
		    strerror(e));
}

/* The answer is whole: hand it over, keep the connection if it may. */
static void
conn_answered(struct h1conn *c)
{
	struct h1xfer	*x = c->x;
	struct h1xfer	*w;

	x->fe->status = c->r.status;
	strlcpy(x->fe->retry_after, c->r.retry_after,
	    sizeof x->fe->retry_after);
	c->x = NULL;
	x->c = NULL;
	xfer_finish(x);
	c->served++;
	if (!c->r.keep || c->in.len > 0) {
		conn_close(c);
		return;
	}
	c->state = C_IDLE;
	c->idle_since = mono_ms();
	if ((w = c->o->wait_head) != NULL) {
		unwait(w);
		dispatch(w, 0);
	}
}

/* Read what has come for the request on c. */
static void
conn_read(struct h1conn *c)
{
	struct h1xfer	*x = c->x;
	ssize_t		 n;
	size_t		 room;
	char		 err[256];
	int		 rc;

	for (;;) {
		if (c->in.size - c->in.len < H1_RECV + 1) {
			c->in.size = c->in.len + H1_RECV + 1;
			c->in.s = xreallocarray(c->in.s, c->in.size, 1);
		}
		room = c->in.size - c->in.len - 1;
		n = recv(c->fd, c->in.s + c->in.len, room, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n == -1) {
			conn_broke(c, errno);
			return;
		}
		if (x == NULL) {
			/* Idle: the server closed it, or said what it may not. */
			conn_close(c);
			return;
		}
		c->in.len += (size_t)n;
		c->in.s[c->in.len] = '\0';
		rc = h1_parse(&c->r, &c->in, n == 0, &x->fe->body,
		    FETCH_BODY_MAX, err, sizeof err);
		if (rc == H1_DONE) {
			/* Answered before all was sent, or then closed. */
			if (n == 0 || c->sent < x->reqlen)
				c->r.keep = 0;
			conn_answered(c);
			return;
		}
		if (rc == H1_ERROR) {
			if (n == 0 && !c->r.got) {
				conn_broke(c, 0);
				return;
			}
			conn_close(c);
			xfer_fail(x, "%s", err);
			return;
		}
		if ((size_t)n < room)
			return;
	}
}

/* Send what is left of the request on c. */
static void
conn_send(struct h1conn *c)
{
	struct h1xfer	*x = c->x;
	ssize_t		 n;

	while (c->sent < x->reqlen) {
		n = send(c->fd, x->req + c->sent, x->reqlen - c->sent,
		    MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (conn_watch(c, EPOLLIN | EPOLLOUT) == -1)
				conn_broke(c, errno);
			return;
		}
		if (n == -1) {
			conn_broke(c, errno);
			return;
		}
		c->sent += (size_t)n;
	}
	c->state = C_READING;
	if (conn_watch(c, EPOLLIN) == -1)
		conn_broke(c, errno);
}

/* Put x on connection c, free or just connected, and send it. */
static void
conn_assign(struct h1conn *c, struct h1xfer *x)
{
	c->x = x;
	x->c = c;
	c->sent = 0;
	c->in.len = 0;
	h1_resp_init(&c->r);
	c->state = C_SENDING;
	conn_send(c);
}

/*
 * Connect c's socket to its origin's address at addr_at or a later one;
 * -1 with errno when none would take the first step.
 */
static int
conn_connect(struct h1conn *c)
{
	const struct h1addr	*a;
	int			 one = 1, e = 0;

	for (; c->addr_at < c->o->naddrs; c->addr_at++) {
		a = &c->o->addrs[c->addr_at];
		if ((c->fd = socket(a->ss.ss_family, SOCK_STREAM |
		    SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1) {
			e = errno;
			continue;
		}
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (connect(c->fd, (const struct sockaddr *)&a->ss,
		    a->len) == 0 || errno == EINPROGRESS) {
			c->events = 0;
			/* One that does not answer at all gives way in time. */
			c->try_until = c->addr_at + 1 < c->o->naddrs ?
			    mono_ms() + H1_TRY_MS : 0;
			if (conn_watch(c, EPOLLOUT) == 0)
				return 0;
		}
		e = errno;
		close(c->fd);
		c->fd = -1;
	}
	errno = e;
	return -1;
}

/* Open a new connection to x's origin for x. */
static void
conn_open(struct h1xfer *x)
{
	struct h1origin	*o = x->o;
	struct h1conn	*c;
	char		 addr[64];

	c = xcalloc(1, sizeof *c);
	c->h = x->h;
	c->o = o;
	c->fd = -1;
	c->state = C_CONNECTING;
	if (conn_connect(c) == -1) {
		c->addr_at = o->naddrs - 1;	/* the last one tried */
		xfer_fail(x, "cannot connect to %s port %d: %s",
		    conn_addr(c, addr, sizeof addr), o->port, strerror(errno));
		free(c);
		return;
	}
	o->conns[o->nconns++] = c;
	c->x = x;
	x->c = c;
}

/* The connection finished connecting, or failed to. */
static void
conn_connected(struct h1conn *c)
{
	struct h1xfer	*x = c->x;
	socklen_t	 len = sizeof(int);
	char		 addr[64];
	int		 e = 0;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &len) == -1)
		e = errno;
	if (e == 0) {
		conn_assign(c, x);
		return;
	}
	/* Refused or unreachable: the next address, if there is one. */
	conn_addr(c, addr, sizeof addr);
	epoll_ctl(c->h->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	c->events = 0;
	c->addr_at++;
	if (c->addr_at < c->o->naddrs && conn_connect(c) == 0)
		return;
	conn_close(c);
	xfer_fail(x, "cannot connect to %s port %d: %s", addr, x->o->port,
	    strerror(e));
}

/*
 * Start looking up an origin's name, away from the loop: glibc's own
 * thread does it and h1_run looks at how it went. -1 when it cannot start.
 */
static int
resolve_start(struct h1 *h, struct h1origin *o)
{
	struct gaicb	*list[1];
	struct sigevent	 sev;
	int		 rc;

	memset(&o->gcb, 0, sizeof o->gcb);
	memset(&o->hints, 0, sizeof o->hints);
	memset(&sev, 0, sizeof sev);
	o->hints.ai_family = AF_UNSPEC;
	o->hints.ai_socktype = SOCK_STREAM;
	snprintf(o->portstr, sizeof o->portstr, "%d", o->port);
	o->gcb.ar_name = o->host;
	o->gcb.ar_service = o->portstr;
	o->gcb.ar_request = &o->hints;
	list[0] = &o->gcb;
	sev.sigev_notify = SIGEV_NONE;
	if ((rc = getaddrinfo_a(GAI_NOWAIT, list, 1, &sev)) != 0)
		return -1;
	o->resolving = 1;
	h->nresolving++;
	return 0;
}

/* Fail the requests waiting on an origin's name. */
static void
fail_waiting(struct h1origin *o, const char *why)
{
	struct h1xfer	*x;

	while ((x = o->wait_head) != NULL) {
		unwait(x);
		xfer_fail(x, "cannot resolve %s: %s", o->host, why);
	}
}

/* See how the lookups in flight went. */
static void
resolve_check(struct h1 *h)
{
	struct h1origin	*o;
	struct addrinfo	*ai;
	long long	 now = mono_ms();
	int		 rc;

	for (o = h->origins; o != NULL && h->nresolving > 0; o = o->next) {
		if (!o->resolving ||
		    (rc = gai_error(&o->gcb)) == EAI_INPROGRESS)
			continue;
		o->resolving = 0;
		h->nresolving--;
		if (rc == 0) {
			o->naddrs = 0;
			for (ai = o->gcb.ar_result; ai != NULL &&
			    o->naddrs < H1_ADDRS; ai = ai->ai_next) {
				if ((ai->ai_family != AF_INET &&
				    ai->ai_family != AF_INET6) ||
				    ai->ai_addrlen > sizeof o->addrs[0].ss)
					continue;
				memcpy(&o->addrs[o->naddrs].ss, ai->ai_addr,
				    ai->ai_addrlen);
				o->addrs[o->naddrs++].len = ai->ai_addrlen;
			}
			freeaddrinfo(o->gcb.ar_result);
			o->gcb.ar_result = NULL;
			if (o->naddrs > 0) {
				o->resolved_ms = now;
				h->kick = 1;
				continue;
			}
			fail_waiting(o, "it has no IPv4 or IPv6 address");
		} else if (o->naddrs > 0) {
			/* The old addresses serve until a lookup works. */
			o->resolved_ms = now - H1_DNS_MS + 5000;
			h->kick = 1;
		} else
			fail_waiting(o, gai_strerror(rc));
	}
}

/*
 * Send x on a kept connection of its origin, or a new one, or queue it
 * until one is free. fresh: on a new connection only (a retry), and
 * first in the queue.
 */
static void
dispatch(struct h1xfer *x, int fresh)
{
	struct h1origin	*o = x->o;
	struct h1conn	*c;
	long long	 now = mono_ms();
	size_t		 i;

	for (i = o->nconns; !fresh && i > 0; i--) {
		c = o->conns[i - 1];
		if (c->state != C_IDLE)
			continue;
		if (now - c->idle_since > H1_IDLE_MS) {
			conn_close(c);
			continue;
		}
		conn_assign(c, x);
		return;
	}
	if (o->nconns < H1_PER_ORIGIN && o->named && !o->resolving &&
	    (o->naddrs == 0 || now - o->resolved_ms > H1_DNS_MS) &&
	    resolve_start(x->h, o) == -1) {
		xfer_fail(x, "cannot resolve %s: the lookup did not start",
		    o->host);
		return;
	}
	if (o->nconns < H1_PER_ORIGIN && !o->resolving) {
		conn_open(x);
		return;
	}
	x->waiting = 1;
	if (fresh) {
		x->next = o->wait_head;
		o->wait_head = x;
		if (o->wait_tail == NULL)
			o->wait_tail = x;
		return;
	}
	if (o->wait_tail != NULL)
		o->wait_tail->next = x;
	else
		o->wait_head = x;
	o->wait_tail = x;
}

/*
 * Close connections idle for longer than H1_IDLE_MS, and the oldest idle
 * ones beyond H1_IDLE_MAX in all; forget origins nobody has named for
 * H1_ORIGIN_MS. Once a second, from h1_run.
 */
static void
sweep(struct h1 *h, long long now)
{
	struct h1origin	*o, **op;
	struct h1conn	*c, *oldest;
	size_t		 i, nidle = 0;

	for (o = h->origins; o != NULL; o = o->next)
		for (i = o->nconns; i > 0; i--) {
			c = o->conns[i - 1];
			if (c->state != C_IDLE)
				continue;
			if (now - c->idle_since > H1_IDLE_MS)
				conn_close(c);
			else
				nidle++;
		}
	while (nidle > H1_IDLE_MAX) {
		oldest = NULL;
		for (o = h->origins; o != NULL; o = o->next)
			for (i = 0; i < o->nconns; i++) {
				c = o->conns[i];
				if (c->state == C_IDLE && (oldest == NULL ||
				    c->idle_since < oldest->idle_since))
					oldest = c;
			}
		conn_close(oldest);
		nidle--;
	}
	for (op = &h->origins; (o = *op) != NULL; ) {
		if (o->nconns > 0 || o->nxfers > 0 || o->resolving ||
		    now - o->used_ms < H1_ORIGIN_MS) {
			op = &o->next;
			continue;
		}
		*op = o->next;
		free(o->host);
		free(o);
	}
}

/* --- the interface ------------------------------------------------------ */

/*
 * The client, on the fetcher's epoll descriptor. It stands aside for
 * libcurl, which knows proxies, when the environment names one.
 */
struct h1 *
h1_new(int epfd)
{
	static const char *const proxies[] = { "http_proxy", "all_proxy",
	    "ALL_PROXY" };
	struct h1	*h;
	const char	*v;
	size_t		 i;

	h = xcalloc(1, sizeof *h);
	h->epfd = epfd;
	for (i = 0; i < nitems(proxies); i++)
		if ((v = getenv(proxies[i])) != NULL && *v != '\0')
			h->off = 1;
	return h;
}

/* Free the client; every transfer must have been freed. */
void
h1_free(struct h1 *h)
{
	struct h1origin	*o;
	struct h1conn	*c;

	if (h == NULL)
		return;
	while ((o = h->origins) != NULL) {
		while (o->nconns > 0)
			conn_close(o->conns[0]);
		h->origins = o->next;
		if (o->resolving && gai_cancel(&o->gcb) == EAI_NOTCANCELED) {
			/* glibc's thread still writes to it: let it be. */
			continue;
		}
		if (o->resolving && gai_error(&o->gcb) == 0)
			freeaddrinfo(o->gcb.ar_result);
		free(o->host);
		free(o);
	}
	while ((c = h->dead) != NULL) {
		h->dead = c->dead_next;
		free(c->in.s);
		free(c);
	}
	free(h->active);
	free(h);
}

/*
 * Start fe's request if it is one for this client; NULL when libcurl is
 * to take it. A transfer that cannot start is done at once, with why.
 */
struct h1xfer *
h1_start(struct h1 *h, struct fetch *fe, const struct fetch_req *req)
{
	struct h1origin	*o;
	struct h1xfer	*x;
	const char	*path;
	char		 host[256], err[256];
	size_t		 pathlen;
	int		 port;

	if (h == NULL || h->off || req->user != NULL ||
	    !url_parts(req->url, host, sizeof host, &port, &path, &pathlen) ||
	    (o = origin_get(h, host, port)) == NULL)
		return NULL;
	x = xcalloc(1, sizeof *x);
	x->h = h;
	x->fe = fe;
	x->o = o;
	o->nxfers++;
	o->used_ms = mono_ms();
	x->timeout_ms = req->timeout_ms > 0 ? req->timeout_ms : H1_TIMEOUT;
	x->deadline = mono_ms() + x->timeout_ms;
	x->slot = (size_t)-1;
	if ((x->req = request_bytes(req, host, port, path, pathlen,
	    &x->reqlen, err, sizeof err)) == NULL) {
		xfer_fail(x, "%s", err);
		return x;
	}
	if (h->nactive == h->activecap) {
		h->activecap = h->activecap == 0 ? 64 : h->activecap * 2;
		h->active = xreallocarray(h->active, h->activecap,
		    sizeof *h->active);
	}
	x->slot = h->nactive;
	h->active[h->nactive++] = x;
	dispatch(x, 0);
	return x;
}

/* Free a transfer, stopping it if it still runs. */
void
h1_xfer_free(struct h1xfer *x)
{
	struct h1xfer	**pp;

	if (x == NULL)
		return;
	if (x->fin) {
		for (pp = &x->h->fin; *pp != x; pp = &(*pp)->fin_next)
			;
		*pp = x->fin_next;
	}
	if (x->waiting)
		unwait(x);
	/* Its answer may be on the way: the connection cannot serve again. */
	if (x->c != NULL)
		conn_close(x->c);
	if (x->slot != (size_t)-1) {
		x->h->active[x->slot] = x->h->active[--x->h->nactive];
		x->h->active[x->slot]->slot = x->slot;
	}
	if (x->req != NULL) {
		explicit_bzero(x->req, x->reqlen);
		free(x->req);
	}
	x->o->nxfers--;
	free(x);
}

/* An epoll event for connection cp. */
void
h1_event(struct h1 *h, void *cp, uint32_t events)
{
	struct h1conn	*c = cp;

	if (c->closed)
		return;			/* closed earlier in this batch */
	switch (c->state) {
	case C_CONNECTING:
		conn_connected(c);
		break;
	case C_SENDING:
		if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
			conn_read(c);
		if (!c->closed && c->state == C_SENDING && (events & EPOLLOUT))
			conn_send(c);
		break;
	case C_READING:
	case C_IDLE:
		conn_read(c);
		break;
	}
	fire(h);
}

/* Milliseconds until the first transfer runs out of time; -1 for none. */
long long
h1_timeout(struct h1 *h)
{
	struct h1xfer	*x;
	long long	 first = -1, left;
	size_t		 i;

	/* Some finished before the loop looked, in h1_start: look now. */
	if (h->kick || h->ndone > 0)
		return 0;
	for (i = 0; i < h->nactive; i++) {
		x = h->active[i];
		if (first == -1 || x->deadline < first)
			first = x->deadline;
		if (x->c != NULL && x->c->state == C_CONNECTING &&
		    x->c->try_until != 0 && x->c->try_until < first)
			first = x->c->try_until;
	}
	if (first == -1)
		return -1;
	left = first - mono_ms();
	if (left < 0)
		left = 0;
	return h->nresolving > 0 && left > H1_DNS_POLL ? H1_DNS_POLL : left;
}

/*
 * Fail the transfers whose time ran out and free closed connections;
 * returns how many transfers finished since the last call.
 */
int
h1_run(struct h1 *h)
{
	struct h1origin	*o;
	struct h1xfer	*x;
	struct h1conn	*c;
	long long	 now = mono_ms();
	size_t		 i;
	int		 n, e;

	/* Connects that got no answer in H1_TRY_MS: the next address. */
	for (i = 0; i < h->nactive; ) {
		x = h->active[i];
		c = x->c;
		if (c == NULL || c->state != C_CONNECTING ||
		    c->try_until == 0 || now < c->try_until) {
			i++;
			continue;
		}
		epoll_ctl(h->epfd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		c->fd = -1;
		c->events = 0;
		c->addr_at++;
		if (conn_connect(c) == 0) {
			i++;
			continue;
		}
		e = errno;
		conn_close(c);
		xfer_fail(x, "cannot connect to %s port %d: %s", x->o->host,
		    x->o->port, strerror(e));
	}
	for (i = 0; i < h->nactive; ) {
		x = h->active[i];
		if (x->deadline > now) {
			i++;
			continue;
		}
		if (x->waiting && x->o->resolving) {
			unwait(x);
			xfer_fail(x, "timed out after %ld ms looking up %s",
			    x->timeout_ms, x->o->host);
			continue;
		}
		if (x->waiting)
			unwait(x);
		if (x->c != NULL && x->c->state == C_CONNECTING) {
			conn_close(x->c);
			xfer_fail(x, "timed out after %ld ms connecting to %s "
			    "port %d", x->timeout_ms, x->o->host, x->o->port);
		} else {
			if (x->c != NULL)
				conn_close(x->c);
			xfer_fail(x, "timed out after %ld ms waiting for %s "
			    "port %d", x->timeout_ms, x->o->host, x->o->port);
		}
	}
	if (h->nresolving > 0)
		resolve_check(h);
	/* Connections closed or names found where requests wait. */
	while (h->kick) {
		h->kick = 0;
		for (o = h->origins; o != NULL; o = o->next)
			while ((x = o->wait_head) != NULL && !o->resolving &&
			    o->nconns < H1_PER_ORIGIN) {
				unwait(x);
				dispatch(x, 0);
			}
	}
	if (now - h->swept >= 1000) {
		h->swept = now;
		sweep(h, now);
	}
	while ((c = h->dead) != NULL) {
		h->dead = c->dead_next;
		free(c->in.s);
		free(c);
	}
	fire(h);
	n = h->ndone;
	h->ndone = 0;
	return n;
}
