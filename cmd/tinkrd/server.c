/*
 * server.c -- serve the route table over libmicrohttpd.
 *
 * Each listener is one MHD daemon in external-polling mode with epoll: the
 * loop polls its one epoll descriptor and calls server_run when it is ready,
 * so the daemon stays one thread with no locks.
 */

#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <microhttpd.h>

#include "config.h"
#include "log.h"
#include "source.h"
#include "tinkrd.h"
#include "util.h"

#define BODY_MAX	(1024 * 1024)

struct server {
	struct tinkrd		*d;
	struct MHD_Daemon	*mhd;
	int			 is_unix;
	char			*cert;		/* TLS, or NULL */
	char			*key;
};

/* What we keep for one request while its body arrives and it is served. */
struct conn_ctx {
	char		*body;
	size_t		 len;
	int		 too_large;
	void		(*after)(struct tinkrd *);
	struct reply	 ready;		/* a finished job's answer */
	int		 has_ready;
	char		 subject[64];	/* who asked, for the access log */
};

/* A suspended request waiting for its source job, in the daemon's list. */
struct pending {
	void			*job;
	const struct job_ops	*ops;
	struct MHD_Connection	*conn;
	struct conn_ctx		*cc;
	struct pending		*next;
};

/*
 * Queue an event stream of the frames a job made: each {"event": ...,
 * and the rest} goes as "event:" and a "data:" line of JSON, and the
 * stream ends with "data: [DONE]" as the original Tinkr server's did.
 */
static enum MHD_Result
send_stream(struct MHD_Connection *c, struct reply *rep)
{
	struct MHD_Response	*r;
	struct strbuf		 b = { NULL, 0, 0 };
	enum MHD_Result		 ret;
	const char		*event;
	json_t			*f, *data;
	char			*text;
	size_t			 i;

	strbuf_add(&b, "", 0);
	json_array_foreach(json_object_get(rep->json, "frames"), i, f) {
		event = json_string_value(json_object_get(f, "event"));
		data = json_deep_copy(f);
		json_object_del(data, "event");
		text = json_dumps(data, JSON_COMPACT);
		json_decref(data);
		strbuf_str(&b, "event: ");
		strbuf_str(&b, event != NULL ? event : "message");
		strbuf_str(&b, "\ndata: ");
		strbuf_str(&b, text);
		strbuf_str(&b, "\n\n");
		free(text);
	}
	strbuf_str(&b, "data: [DONE]\n\n");
	r = MHD_create_response_from_buffer(b.len, b.s, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(b.s);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/event-stream");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	ret = MHD_queue_response(c, (unsigned int)rep->status, r);
	MHD_destroy_response(r);
	return ret;
}

/*
 * Queue a JSON reply; the body is freed by MHD. On the Unix socket the
 * daemon names its config file so a client given another one can say so.
 */
static enum MHD_Result
send_reply(struct MHD_Connection *c, struct reply *rep, const char *config)
{
	struct MHD_Response	*r;
	enum MHD_Result		 ret;
	char			*text, *buf;
	size_t			 len;

	if (rep->sse)
		return send_stream(c, rep);
	if (rep->stream_read != NULL) {
		r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096,
		    rep->stream_read, rep->stream_cls, rep->stream_free);
		if (r == NULL)
			return MHD_NO;
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
		    "text/event-stream");
		MHD_add_response_header(r, "Cache-Control", "no-store");
		ret = MHD_queue_response(c, 200, r);
		MHD_destroy_response(r);
		return ret;
	}
	if (rep->raw != NULL) {
		r = MHD_create_response_from_buffer(strlen(rep->raw), rep->raw,
		    MHD_RESPMEM_MUST_FREE);
		rep->raw = NULL;
		if (r == NULL)
			return MHD_NO;
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
		    rep->ctype);
		MHD_add_response_header(r, "Content-Security-Policy",
		    "default-src 'self'; script-src 'unsafe-inline'; "
		    "style-src 'unsafe-inline'");
		ret = MHD_queue_response(c, (unsigned int)rep->status, r);
		MHD_destroy_response(r);
		return ret;
	}
	if (rep->json == NULL && rep->status == 202)
		text = xstrdup("");
	else
		text = json_dumps(rep->json, JSON_INDENT(2) |
		    JSON_REAL_PRECISION(15));
	if (text == NULL)
		text = xstrdup("{\"detail\": \"cannot encode the answer\"}");
	len = strlen(text);
	buf = xmalloc(len + 2);
	memcpy(buf, text, len);
	if (len > 0)
		buf[len++] = '\n';
	buf[len] = '\0';
	free(text);
	r = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(buf);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "application/json");
	if (config != NULL)
		MHD_add_response_header(r, "X-Tinkr-Config", config);
	if (rep->status == 405 && *rep->allow != '\0')
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, rep->allow);
	if (rep->status == 401)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		    "Bearer realm=\"tinkr\"");
	if (rep->hdr_name[0] != '\0')
		MHD_add_response_header(r, rep->hdr_name, rep->hdr_value);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	ret = MHD_queue_response(c, (unsigned int)rep->status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Reply with an error right away, before or instead of dispatching. */
static enum MHD_Result
send_error(struct MHD_Connection *c, int status, const char *detail)
{
	struct reply	 rep;
	enum MHD_Result	 ret;

	memset(&rep, 0, sizeof rep);
	reply_error(&rep, status, "%s", detail);
	ret = send_reply(c, &rep, NULL);
	json_decref(rep.json);
	return ret;
}

/* Decide who the peer is; on the Unix socket only our own uid gets in. */
static int
peer_role(struct server *s, struct MHD_Connection *c, enum role *role,
    const char **subject, char *why, size_t whylen)
{
	const union MHD_ConnectionInfo	*ci;
	struct ucred			 cred;
	socklen_t			 len = sizeof cred;
	const char			*auth;
	int				 r;

	*subject = NULL;
	if (!s->is_unix) {
		*role = ROLE_PUBLIC;
		auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_AUTHORIZATION);
		if (auth == NULL)
			return 0;
		if (strncasecmp(auth, "Bearer ", 7) != 0 || auth[7] == '\0') {
			seterr(why, whylen, "the Authorization header must be "
			    "\"Bearer TOKEN\"");
			return -1;
		}
		if ((r = auth_lookup(&s->d->keys, auth + 7, subject)) == 0) {
			seterr(why, whylen, "the bearer token is not valid");
			return -1;
		}
		*role = (enum role)r;
		return 0;
	}
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci == NULL || getsockopt(ci->connect_fd, SOL_SOCKET, SO_PEERCRED,
	    &cred, &len) == -1) {
		seterr(why, whylen, "cannot identify the peer");
		return -1;
	}
	if (cred.uid != getuid()) {
		seterr(why, whylen, "uid %u may not use this daemon (it runs "
		    "as uid %u)", (unsigned)cred.uid, (unsigned)getuid());
		return -1;
	}
	*role = ROLE_SRE_LEAD;
	return 0;
}

/* Park a request until its source job is done (see server_jobs_run). */
static void
wait_for_job(struct tinkrd *d, struct MHD_Connection *c, struct conn_ctx *cc,
    void *job, const struct job_ops *ops)
{
	struct pending	*p;

	p = xcalloc(1, sizeof *p);
	p->job = job;
	p->ops = ops;
	p->conn = c;
	p->cc = cc;
	p->next = d->pending;
	d->pending = p;
	MHD_suspend_connection(c);
}

/* Give a parked request its answer and wake it. */
static void
finish_pending(struct pending *p, int status, json_t *json)
{
	p->cc->ready.status = status;
	p->cc->ready.json = json;
	p->cc->ready.sse = p->ops->sse && status == 200;
	p->cc->has_ready = 1;
	MHD_resume_connection(p->conn);
	p->ops->free(p->job);
	free(p);
}

/*
 * Run the source jobs for at most budget milliseconds in all, shared
 * among them; finished ones answer their requests. Returns how many
 * finished; *busy says whether any has work left to do now (rather than
 * answers to wait for).
 */
int
server_jobs_run(struct tinkrd *d, long long budget, int *busy)
{
	struct pending	*p, **pp;
	json_t		*json;
	long long	 each;
	size_t		 n = 0;
	int		 status, finished = 0, rc;

	*busy = 0;
	for (p = d->pending; p != NULL; p = p->next)
		n++;
	if (n == 0)
		return 0;
	each = budget / (long long)n > 5 ? budget / (long long)n : 5;
	for (pp = &d->pending; (p = *pp) != NULL;) {
		if ((rc = p->ops->step(p->job, each)) != SOURCE_DONE) {
			if (rc == SOURCE_MORE)
				*busy = 1;
			pp = &p->next;
			continue;
		}
		json = p->ops->result(p->job, &status);
		*pp = p->next;
		finish_pending(p, status, json);
		finished++;
	}
	return finished;
}

/* Answer every parked request with 503: the daemon is stopping. */
void
server_jobs_cancel(struct tinkrd *d)
{
	struct pending	*p;

	while ((p = d->pending) != NULL) {
		d->pending = p->next;
		finish_pending(p, 503, json_pack("{s:s}", "detail",
		    "tinkrd is stopping"));
	}
}

/*
 * One line per request on the TCP listener: who, what, the status. The
 * query string is left out (it is not ours to log), and so is any token.
 */
static void
access_log(struct MHD_Connection *c, const char *method, const char *url,
    int status, const char *subject)
{
	const union MHD_ConnectionInfo	*ci;
	char				 host[64] = "?";
	char				 path[256];
	size_t				 i;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci != NULL && ci->client_addr != NULL)
		getnameinfo(ci->client_addr, ci->client_addr->sa_family ==
		    AF_INET6 ? sizeof(struct sockaddr_in6) :
		    sizeof(struct sockaddr_in), host, sizeof host, NULL, 0,
		    NI_NUMERICHOST);
	strlcpy(path, url, sizeof path);
	for (i = 0; path[i] != '\0'; i++)
		if ((unsigned char)path[i] < 0x20 || path[i] == 0x7f)
			path[i] = '?';
	log_info("%s %s %s %d %s", host, method, path, status,
	    subject != NULL ? subject : "-");
}

/* MHD's access handler: gather the body, then dispatch through the table. */
static enum MHD_Result
server_access(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct server	*s = cls;
	struct conn_ctx	*cc = *con_cls;
	struct request	 req;
	struct reply	 rep;
	enum MHD_Result	 ret;
	const char	*cl, *subject;
	char		 why[256];
	size_t		 i;

	if (cc == NULL) {
		cc = xcalloc(1, sizeof *cc);
		*con_cls = cc;
		cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL && strtoull(cl, NULL, 10) > BODY_MAX)
			return send_error(c, 413, "request body larger than "
			    "1 MiB");
		return MHD_YES;
	}
	if (*upload_size != 0) {
		if (cc->len + *upload_size > BODY_MAX)
			cc->too_large = 1;
		else {
			cc->body = xreallocarray(cc->body, 1,
			    cc->len + *upload_size + 1);
			memcpy(cc->body + cc->len, upload, *upload_size);
			cc->len += *upload_size;
			cc->body[cc->len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (cc->too_large)
		return send_error(c, 413, "request body larger than 1 MiB");
	if (cc->has_ready) {
		if (!s->is_unix)
			access_log(c, method, url, cc->ready.status,
			    cc->subject[0] != '\0' ? cc->subject : NULL);
		ret = send_reply(c, &cc->ready, NULL);
		json_decref(cc->ready.json);
		cc->ready.json = NULL;
		cc->has_ready = 0;
		return ret;
	}

	memset(&req, 0, sizeof req);
	memset(&rep, 0, sizeof rep);
	if (peer_role(s, c, &req.role, &subject, why, sizeof why) == -1) {
		if (s->is_unix) {
			log_warnx("refused a connection on %s: %s", s->d->sock,
			    why);
			return send_error(c, 403, why);
		}
		access_log(c, method, url, 401, NULL);
		return send_error(c, 401, why);
	}
	req.d = s->d;
	req.subject = subject;
	req.method = method;
	req.path = url;
	req.body = cc->body;
	req.bodylen = cc->len;
	req.conn = c;
	routes_dispatch(&req, &rep);
	for (i = 0; i < req.nparams; i++)
		free(req.param[i]);
	if (rep.job != NULL) {
		if (subject != NULL)
			strlcpy(cc->subject, subject, sizeof cc->subject);
		wait_for_job(s->d, c, cc, rep.job, rep.ops);
		return MHD_YES;
	}
	if (s->is_unix)
		log_debug("%s %s %d", method, url, rep.status);
	else
		access_log(c, method, url, rep.status, subject);
	ret = send_reply(c, &rep, s->is_unix && s->d->conf->path != NULL ?
	    s->d->conf->path : NULL);
	json_decref(rep.json);
	cc->after = rep.after;
	return ret;
}

/* MHD's completion callback: run any after-hook and free the context. */
static void
server_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct server	*s = cls;
	struct conn_ctx	*cc = *con_cls;

	if (cc == NULL)
		return;
	if (cc->after != NULL)
		cc->after(s->d);
	json_decref(cc->ready.json);
	free(cc->body);
	free(cc);
	*con_cls = NULL;
}

/* Send libmicrohttpd's own complaints to our log. */
static void __attribute__((format(printf, 2, 0)))
server_log(void *cls, const char *fmt, va_list ap)
{
	char	 msg[512];
	size_t	 len;

	vsnprintf(msg, sizeof msg, fmt, ap);
	len = strlen(msg);
	while (len > 0 && msg[len - 1] == '\n')
		msg[--len] = '\0';
	log_warnx("http: %s", msg);
}

/* Serve the route table on an already listening socket. */
struct server *
server_start(struct tinkrd *d, int fd, int is_unix, const char *cert,
    const char *key, char *err, size_t errlen)
{
	struct server	*s;
	unsigned int	 flags;

	s = xcalloc(1, sizeof *s);
	s->d = d;
	s->is_unix = is_unix;
	flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	if (cert != NULL) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			seterr(err, errlen, "this libmicrohttpd has no TLS");
			free(s);
			return NULL;
		}
		s->cert = xstrdup(cert);
		s->key = xstrdup(key);
		s->mhd = MHD_start_daemon(flags | MHD_USE_TLS, 0,
		    NULL, NULL, server_access, s,
		    MHD_OPTION_EXTERNAL_LOGGER, server_log, NULL,
		    MHD_OPTION_LISTEN_SOCKET, fd,
		    MHD_OPTION_NOTIFY_COMPLETED, server_completed, s,
		    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
		    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)256,
		    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
		    MHD_OPTION_HTTPS_MEM_CERT, s->cert,
		    MHD_OPTION_HTTPS_MEM_KEY, s->key,
		    MHD_OPTION_END);
	} else
		s->mhd = MHD_start_daemon(flags, 0,
		    NULL, NULL, server_access, s,
		    MHD_OPTION_EXTERNAL_LOGGER, server_log, NULL,
		    MHD_OPTION_LISTEN_SOCKET, fd,
		    MHD_OPTION_NOTIFY_COMPLETED, server_completed, s,
		    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
		    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)256,
		    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
		    MHD_OPTION_END);
	if (s->mhd == NULL) {
		seterr(err, errlen, "cannot start the HTTP server%s",
		    cert != NULL ? " (is the TLS key the certificate's?)" :
		    "");
		server_stop(s);
		return NULL;
	}
	return s;
}

/* Listen on host:port ([v6]:port, or :port for every address); an fd. */
int
tcp_listen(const char *addr, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res, *ai;
	char		 host[128], *colon, *port;
	int		 fd = -1, on = 1, rc;

	strlcpy(host, addr, sizeof host);
	if ((colon = strrchr(host, ':')) == NULL) {
		seterr(err, errlen, "listen address %s: expected HOST:PORT",
		    addr);
		return -1;
	}
	*colon = '\0';
	port = colon + 1;
	if (host[0] == '[' && colon[-1] == ']') {
		colon[-1] = '\0';
		memmove(host, host + 1, strlen(host));
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host[0] != '\0' ? host : NULL, port, &hints,
	    &res)) != 0) {
		seterr(err, errlen, "listen address %s: %s", addr,
		    gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, 0)) == -1)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, 128) == 0)
			break;
		seterr(err, errlen, "cannot listen on %s: %s", addr,
		    strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* The one descriptor the loop polls for this listener. */
int
server_fd(struct server *s)
{
	const union MHD_DaemonInfo	*di;

	di = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	return di == NULL ? -1 : di->epoll_fd;
}

/* Do whatever work is ready, without blocking. */
void
server_run(struct server *s)
{
	MHD_run(s->mhd);
}

/* Milliseconds until MHD needs to run again, or -1 for no deadline. */
long long
server_timeout(struct server *s)
{
	MHD_UNSIGNED_LONG_LONG	 ms;

	if (MHD_get_timeout(s->mhd, &ms) != MHD_YES)
		return -1;
	return ms > 60000 ? 60000 : (long long)ms;
}

/* Stop serving; open connections are closed. */
void
server_stop(struct server *s)
{
	if (s == NULL)
		return;
	if (s->mhd != NULL)
		MHD_stop_daemon(s->mhd);
	if (s->key != NULL)
		explicit_bzero(s->key, strlen(s->key));
	free(s->cert);
	free(s->key);
	free(s);
}
