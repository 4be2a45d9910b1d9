/*
 * http.c -- a small HTTP/1.1 client for the daemon's Unix socket.
 *
 * Local commands must start as fast as tmux, so they do not load libcurl:
 * one request per connection, Connection: close; the answer is read
 * with the daemon's own parser (h1_parse).
 */

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h1.h"
#include "http.h"
#include "util.h"

#define HTTP_MAX_RESPONSE	(64 * 1024 * 1024)

/* Connect to a Unix socket; -1 with errno set on failure. */
int
http_unix_connect(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd, saved;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof sun.sun_path) >=
	    sizeof sun.sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* Write all of buf, retrying short writes. */
static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Keep the headers the commands use (an h1_parse on_header). */
static void
keep_header(void *arg, const char *name, size_t nlen, const char *value,
    size_t vlen)
{
	struct http_response	*resp = arg;

	if (nlen == 14 && strncasecmp(name, "X-Tinkr-Config", nlen) == 0) {
		free(resp->config);
		resp->config = xstrndup(value, vlen);
	} else if (nlen == 14 &&
	    strncasecmp(name, "Mcp-Session-Id", nlen) == 0) {
		free(resp->session);
		resp->session = xstrndup(value, vlen);
	}
}

/*
 * Send one request on a connected socket and read the whole answer. The
 * socket is left open; the caller closes it.
 */
int
http_request(int fd, const char *method, const char *path, const char *extra,
    const char *body, size_t bodylen, struct http_response *resp, char *err,
    size_t errlen)
{
	struct h1resp	 r;
	struct strbuf	 in, ans = { NULL, 0, 0 };
	char		*req, *raw, why[256];
	size_t		 rawlen;
	int		 n;

	memset(resp, 0, sizeof *resp);
	if (extra == NULL)
		extra = "";
	if (body != NULL)
		n = xasprintf(&req, "%s %s HTTP/1.1\r\nHost: localhost\r\n"
		    "Connection: close\r\nAccept: application/json\r\n%s"
		    "Content-Type: application/json\r\n"
		    "Content-Length: %zu\r\n\r\n", method, path, extra,
		    bodylen);
	else
		n = xasprintf(&req, "%s %s HTTP/1.1\r\nHost: localhost\r\n"
		    "Connection: close\r\nAccept: application/json\r\n%s\r\n",
		    method, path, extra);
	if (write_all(fd, req, (size_t)n) == -1 ||
	    (body != NULL && write_all(fd, body, bodylen) == -1)) {
		seterr(err, errlen, "sending the request: %s", strerror(errno));
		free(req);
		return -1;
	}
	free(req);
	if ((raw = read_fd(fd, HTTP_MAX_RESPONSE, &rawlen)) == NULL) {
		seterr(err, errlen, "reading the answer: %s", strerror(errno));
		return -1;
	}
	/* The answer is read as tinkrd reads its receivers' (h1.c). */
	in.s = raw;
	in.len = rawlen;
	in.size = rawlen + 1;
	h1_resp_init(&r);
	r.on_header = keep_header;
	r.header_arg = resp;
	strbuf_add(&ans, "", 0);
	if (h1_parse(&r, &in, 1, &ans, HTTP_MAX_RESPONSE, why,
	    sizeof why) != H1_DONE) {
		seterr(err, errlen, "the daemon sent no valid HTTP answer: %s",
		    why);
		http_response_free(resp);
		free(ans.s);
		free(raw);
		return -1;
	}
	free(raw);
	resp->status = r.status;
	resp->body = ans.s;
	resp->len = ans.len;
	return 0;
}

/* Free what http_request allocated. */
void
http_response_free(struct http_response *resp)
{
	free(resp->body);
	free(resp->config);
	free(resp->session);
	resp->session = NULL;
	resp->body = NULL;
	resp->config = NULL;
}
