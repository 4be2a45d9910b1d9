/*
 * fetch.c -- outbound HTTP: tinkrd's own client for http://, libcurl's
 * multi handle for the rest.
 *
 * A plain http:// request goes to h1.c, which costs a fraction of what a
 * libcurl transfer does; https://, proxies and the rest go to libcurl.
 * libcurl tells us which sockets it wants watched (the socket callback)
 * and when it next wants to be called (the timer callback). Its sockets
 * and h1.c's go into one epoll descriptor of our own, so the daemon's
 * loop needs to poll only that one descriptor and wake at
 * fetcher_timeout; fetcher_run then hands each whatever is ready.
 * Nothing here waits.
 */

#include <sys/epoll.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "fetch.h"
#include "h1.h"
#include "log.h"
#include "util.h"

#define FETCH_TIMEOUT_DEFAULT	10000

#define SPARE_MAX	64	/* easy handles kept for the next transfers */

struct fetcher {
	CURLM		*multi;
	struct h1	*h1;
	CURL		*spare[SPARE_MAX];
	int		 nspare;
	int		 epfd;
	long long	 deadline;	/* monotonic ms of curl's timer, or -1 */
	int		 running;
};

/* What a fetch keeps that its owner does not look at. */
struct fetch_priv {
	struct fetcher		*f;
	struct h1xfer		*x;		/* when h1.c has it */
	CURL			*easy;
	struct curl_slist	*headers;
	char			 curlerr[CURL_ERROR_SIZE];
	int			 toolarge;
};

/* libcurl's socket callback: watch s for what it asks, or stop. */
static int
fetcher_socket(CURL *easy, curl_socket_t s, int what, void *cls, void *sockp)
{
	struct fetcher		*f = cls;
	struct epoll_event	 ev;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (epoll_ctl(f->epfd, EPOLL_CTL_DEL, s, NULL) == -1 &&
		    errno != EBADF && errno != ENOENT)
			log_warn("epoll_ctl del");
		curl_multi_assign(f->multi, s, NULL);
		return 0;
	}
	memset(&ev, 0, sizeof ev);
	ev.data.u64 = (uint64_t)s << 1;	/* h1.c's have the low bit set */
	if (what & CURL_POLL_IN)
		ev.events |= EPOLLIN;
	if (what & CURL_POLL_OUT)
		ev.events |= EPOLLOUT;
	if (sockp == NULL) {
		if (epoll_ctl(f->epfd, EPOLL_CTL_ADD, s, &ev) == -1) {
			log_warn("epoll_ctl add");
			return -1;
		}
		curl_multi_assign(f->multi, s, f);
	} else if (epoll_ctl(f->epfd, EPOLL_CTL_MOD, s, &ev) == -1) {
		log_warn("epoll_ctl mod");
		return -1;
	}
	return 0;
}

/* libcurl's timer callback: when it next wants fetcher_run. */
static int
fetcher_timer(CURLM *multi, long ms, void *cls)
{
	struct fetcher	*f = cls;

	(void)multi;
	f->deadline = ms < 0 ? -1 : mono_ms() + ms;
	return 0;
}

/* Make the fetcher; NULL when libcurl cannot start. */
struct fetcher *
fetcher_new(void)
{
	struct fetcher	*f;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return NULL;
	f = xcalloc(1, sizeof *f);
	f->deadline = -1;
	if ((f->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		free(f);
		return NULL;
	}
	if ((f->multi = curl_multi_init()) == NULL) {
		close(f->epfd);
		free(f);
		return NULL;
	}
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, fetcher_socket);
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, fetcher_timer);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f);
	/* Transfers beyond these wait in libcurl for a connection. */
	curl_multi_setopt(f->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 16L);
	curl_multi_setopt(f->multi, CURLMOPT_MAXCONNECTS, 64L);
	f->h1 = getenv("TINKR_HTTP_LIBCURL") != NULL ? NULL : h1_new(f->epfd);
	return f;
}

/* Free the fetcher; every fetch must be freed first. */
void
fetcher_free(struct fetcher *f)
{
	if (f == NULL)
		return;
	h1_free(f->h1);
	while (f->nspare > 0)
		curl_easy_cleanup(f->spare[--f->nspare]);
	curl_multi_cleanup(f->multi);
	close(f->epfd);
	free(f);
	curl_global_cleanup();
}

/* The descriptor the loop polls for reading. */
int
fetcher_fd(struct fetcher *f)
{
	return f->epfd;
}

/* Milliseconds until fetcher_run is due even with no socket ready; -1. */
long long
fetcher_timeout(struct fetcher *f)
{
	long long	 left, h1left;

	h1left = f->h1 != NULL ? h1_timeout(f->h1) : -1;
	if (f->deadline < 0)
		return h1left;
	left = f->deadline - mono_ms();
	if (left < 0)
		left = 0;
	return h1left >= 0 && h1left < left ? h1left : left;
}

/* Say why a finished transfer brought no answer. */
static void
fetch_failed(struct fetch *fe, CURLcode rc)
{
	struct fetch_priv	*p = fe->priv;

	fe->status = 0;
	if (p->toolarge)
		seterr(fe->error, sizeof fe->error, "the answer is larger "
		    "than %d MiB", FETCH_BODY_MAX / (1024 * 1024));
	else if (p->curlerr[0] != '\0')
		seterr(fe->error, sizeof fe->error, "%s", p->curlerr);
	else
		seterr(fe->error, sizeof fe->error, "%s",
		    curl_easy_strerror(rc));
}

/* Collect the transfers libcurl has finished. */
/*
 * A transfer's easy handle is done with: reset (its options, a password
 * among them, are forgotten) and kept for the next one, which saves
 * making a handle per transfer; the connections stay with the multi.
 */
static void
fetch_release(struct fetcher *f, CURL *e)
{
	if (f->nspare == SPARE_MAX) {
		curl_easy_cleanup(e);
		return;
	}
	curl_easy_reset(e);
	f->spare[f->nspare++] = e;
}

static int
fetcher_collect(struct fetcher *f)
{
	struct fetch_priv	*p;
	struct fetch		*fe;
	CURLMsg			*msg;
	int			 left, n = 0;

	while ((msg = curl_multi_info_read(f->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		fe = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &fe);
		p = fe->priv;
		if (msg->data.result == CURLE_OK)
			curl_easy_getinfo(p->easy, CURLINFO_RESPONSE_CODE,
			    &fe->status);
		else
			fetch_failed(fe, msg->data.result);
		curl_multi_remove_handle(f->multi, p->easy);
		fetch_release(f, p->easy);
		p->easy = NULL;
		fe->done = 1;
		n++;
	}
	return n;
}

/* Hand libcurl what is ready; returns how many fetches finished. */
int
fetcher_run(struct fetcher *f)
{
	struct epoll_event	 ev[16];
	int			 i, n, flags, done = 0;

	while ((n = epoll_wait(f->epfd, ev, nitems(ev), 0)) > 0) {
		for (i = 0; i < n; i++) {
			if (ev[i].data.u64 & 1) {
				h1_event(f->h1, (void *)(uintptr_t)
				    (ev[i].data.u64 & ~(uint64_t)1),
				    ev[i].events);
				continue;
			}
			flags = 0;
			if (ev[i].events & EPOLLIN)
				flags |= CURL_CSELECT_IN;
			if (ev[i].events & EPOLLOUT)
				flags |= CURL_CSELECT_OUT;
			if (ev[i].events & (EPOLLERR | EPOLLHUP))
				flags |= CURL_CSELECT_ERR;
			curl_multi_socket_action(f->multi,
			    (curl_socket_t)(ev[i].data.u64 >> 1), flags,
			    &f->running);
		}
		if (n < (int)nitems(ev))
			break;
	}
	if (f->deadline >= 0 && mono_ms() >= f->deadline) {
		f->deadline = -1;
		curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0,
		    &f->running);
	}
	if (f->h1 != NULL)
		done = h1_run(f->h1);
	return done + fetcher_collect(f);
}

/* libcurl's write callback: keep the answer, up to FETCH_BODY_MAX. */
static size_t
fetch_write(char *data, size_t size, size_t n, void *cls)
{
	struct fetch		*fe = cls;
	struct fetch_priv	*p = fe->priv;

	if (fe->body.len + n > FETCH_BODY_MAX) {
		p->toolarge = 1;
		return 0;
	}
	strbuf_add(&fe->body, data, n);
	(void)size;
	return n;
}

/* libcurl's header callback: keep Retry-After. */
static size_t
fetch_header(char *data, size_t size, size_t n, void *cls)
{
	struct fetch	*fe = cls;
	static const char name[] = "retry-after:";
	size_t		 len;

	(void)size;
	if (n > sizeof name - 1 && strncasecmp(data, name,
	    sizeof name - 1) == 0) {
		data += sizeof name - 1;
		len = n - (sizeof name - 1);
		while (len > 0 && (data[len - 1] == '\r' ||
		    data[len - 1] == '\n'))
			len--;
		if (len >= sizeof fe->retry_after)
			len = sizeof fe->retry_after - 1;
		memcpy(fe->retry_after, data, len);
		fe->retry_after[len] = '\0';
	}
	return n;
}

/* Start a transfer; it runs as the loop calls fetcher_run. */
struct fetch *
fetch_start(struct fetcher *f, const struct fetch_req *req)
{
	struct fetch_priv	*p;
	struct fetch		*fe;
	char			*h;
	size_t			 i;
	CURL			*e;

	fe = xcalloc(1, sizeof *fe);
	p = xcalloc(1, sizeof *p);
	fe->priv = p;
	p->f = f;
	strbuf_add(&fe->body, "", 0);
	if ((p->x = h1_start(f->h1, fe, req)) != NULL)
		return fe;
	if ((e = p->easy = f->nspare > 0 ? f->spare[--f->nspare] :
	    curl_easy_init()) == NULL) {
		seterr(fe->error, sizeof fe->error, "libcurl could not start "
		    "a transfer");
		fe->done = 1;
		return fe;
	}
	curl_easy_setopt(e, CURLOPT_URL, req->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, fe);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, p->curlerr);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, fetch_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, fe);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, fetch_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, fe);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_USERAGENT, "tinkrd/" PACKAGE_VERSION);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ?
	    req->timeout_ms : FETCH_TIMEOUT_DEFAULT);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, req->timeout_ms > 0 ?
	    req->timeout_ms : FETCH_TIMEOUT_DEFAULT);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	p->headers = curl_slist_append(p->headers, "Accept: application/json");
	if (req->body != NULL) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)req->bodylen);
		curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, req->body);
		xasprintf(&h, "Content-Type: %s", req->content_type != NULL ?
		    req->content_type : "application/json");
		p->headers = curl_slist_append(p->headers, h);
		free(h);
		/* No "Expect: 100-continue" wait before larger bodies. */
		p->headers = curl_slist_append(p->headers, "Expect:");
	}
	if (req->bearer != NULL) {
		xasprintf(&h, "Authorization: Bearer %s", req->bearer);
		p->headers = curl_slist_append(p->headers, h);
		explicit_bzero(h, strlen(h));
		free(h);
	} else if (req->user != NULL) {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(e, CURLOPT_USERNAME, req->user);
		curl_easy_setopt(e, CURLOPT_PASSWORD, req->password != NULL ?
		    req->password : "");
	}
	for (i = 0; i < req->nheaders; i++)
		p->headers = curl_slist_append(p->headers, req->headers[i]);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, p->headers);
	if (curl_multi_add_handle(f->multi, e) != CURLM_OK) {
		seterr(fe->error, sizeof fe->error, "libcurl could not add "
		    "a transfer");
		curl_easy_cleanup(e);
		p->easy = NULL;
		fe->done = 1;
	}
	return fe;
}

/* Free a fetch, stopping it if it still runs. */
void
fetch_free(struct fetch *fe)
{
	struct fetch_priv	*p;

	if (fe == NULL)
		return;
	p = fe->priv;
	h1_xfer_free(p->x);
	if (p->easy != NULL) {
		curl_multi_remove_handle(p->f->multi, p->easy);
		fetch_release(p->f, p->easy);
	}
	curl_slist_free_all(p->headers);
	free(p);
	free(fe->body.s);
	free(fe);
}
