/*
 * http.c -- a small HTTP/1.1 client for the daemon's Unix socket.
 *
 * Local commands must start as fast as tmux, so they do not load libcurl:
 * one request per connection, Connection: close, a Content-Length or
 * chunked body, nothing else.
 */

#include <sys/socket.h>
#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Undo chunked transfer coding in place; -1 if malformed. */
static int
dechunk(char *body, size_t len, size_t *outlen)
{
	char		*in = body, *end = body + len, *out = body, *eol;
	unsigned long	 n;

	for (;;) {
		if ((eol = memmem(in, (size_t)(end - in), "\r\n", 2)) == NULL)
			return -1;
		errno = 0;
		n = strtoul(in, NULL, 16);
		if (errno != 0 || !isxdigit((unsigned char)*in))
			return -1;
		in = eol + 2;
		if (n == 0)
			break;
		if (n > (unsigned long)(end - in))
			return -1;
		memmove(out, in, n);
		out += n;
		in += n;
		if (end - in < 2 || in[0] != '\r' || in[1] != '\n')
			return -1;
		in += 2;
	}
	*out = '\0';
	*outlen = (size_t)(out - body);
	return 0;
}

/* Find a header's value in the header block; NULL if absent. */
static const char *
header_value(const char *head, const char *name)
{
	const char	*p = head;
	size_t		 nlen = strlen(name);

	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
			p += nlen + 1;
			while (*p == ' ' || *p == '\t')
				p++;
			return p;
		}
	}
	return NULL;
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
	const char	*te, *cl;
	char		*req, *raw, *hend;
	size_t		 rawlen, headlen, blen;
	unsigned long long clen = 0;
	int		 n, chunked, haslen;

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
	if (sscanf(raw, "HTTP/1.%*1d %3d", &resp->status) != 1 ||
	    (hend = strstr(raw, "\r\n\r\n")) == NULL) {
		seterr(err, errlen, "the daemon sent no valid HTTP answer");
		free(raw);
		return -1;
	}
	hend[2] = '\0';
	headlen = (size_t)(hend + 4 - raw);
	blen = rawlen - headlen;
	te = header_value(raw, "Transfer-Encoding");
	cl = header_value(raw, "Content-Length");
	chunked = te != NULL && strncasecmp(te, "chunked", 7) == 0;
	if ((haslen = cl != NULL))
		clen = strtoull(cl, NULL, 10);
	if ((te = header_value(raw, "X-Tinkr-Config")) != NULL)
		resp->config = xstrndup(te, strcspn(te, "\r\n"));
	if ((te = header_value(raw, "Mcp-Session-Id")) != NULL)
		resp->session = xstrndup(te, strcspn(te, "\r\n"));
	memmove(raw, hend + 4, blen);
	raw[blen] = '\0';
	if (chunked) {
		if (dechunk(raw, blen, &blen) == -1) {
			seterr(err, errlen, "the daemon sent a malformed "
			    "chunked body");
			http_response_free(resp);
			free(raw);
			return -1;
		}
	} else if (haslen && clen < blen) {
		blen = (size_t)clen;
		raw[blen] = '\0';
	}
	resp->body = raw;
	resp->len = blen;
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
