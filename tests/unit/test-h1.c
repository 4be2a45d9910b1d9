/* test-h1.c -- reading HTTP/1.1 answers: h1_parse, whole and in pieces */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h1.h"
#include "tap.h"
#include "util.h"

/* What parsing an answer came to. */
struct outcome {
	int		 rc;		/* H1_DONE, H1_MORE or H1_ERROR */
	int		 status;
	int		 keep;
	char		 retry_after[64];
	char		*body;
	size_t		 bodylen;
	size_t		 left;		/* bytes after the answer */
	char		 err[256];
};

/*
 * Parse text handed over step bytes at a time (0: all at once), then the
 * end of the connection when eof is set.
 */
static void
parse(const char *text, size_t len, size_t step, int eof, size_t max,
    struct outcome *o)
{
	struct h1resp	 r;
	struct strbuf	 in = { NULL, 0, 0 }, body = { NULL, 0, 0 };
	size_t		 at = 0, n;

	memset(o, 0, sizeof *o);
	h1_resp_init(&r);
	strbuf_add(&body, "", 0);
	o->rc = H1_MORE;
	while (at < len && o->rc == H1_MORE) {
		n = step == 0 || len - at < step ? len - at : step;
		strbuf_add(&in, text + at, n);
		at += n;
		o->rc = h1_parse(&r, &in, 0, &body, max, o->err,
		    sizeof o->err);
	}
	if (o->rc == H1_MORE && eof)
		o->rc = h1_parse(&r, &in, 1, &body, max, o->err,
		    sizeof o->err);
	o->status = r.status;
	o->keep = r.keep;
	strlcpy(o->retry_after, r.retry_after, sizeof o->retry_after);
	o->body = body.s;
	o->bodylen = body.len;
	o->left = in.len + (len - at);
	free(in.s);
}

/* The same answer whole and a byte at a time must read the same. */
static void
check(const char *name, const char *text, int eof, int rc, int status,
    int keep, const char *body, size_t left)
{
	struct outcome	 o;
	size_t		 steps[] = { 0, 1, 7 }, i;

	for (i = 0; i < nitems(steps); i++) {
		parse(text, strlen(text), steps[i], eof, 1024 * 1024, &o);
		if (!is_int(o.rc, rc, "%s (%zu at a time): outcome", name,
		    steps[i]))
			diag("error: %s", o.err);
		if (rc == H1_DONE) {
			is_int(o.status, status, "%s (%zu): status", name,
			    steps[i]);
			is_int(o.keep, keep, "%s (%zu): keep the connection",
			    name, steps[i]);
			is_string(o.body, body, "%s (%zu): body", name,
			    steps[i]);
			is_int((long long)o.left, (long long)left,
			    "%s (%zu): bytes left after it", name, steps[i]);
		}
		free(o.body);
	}
}

/* An answer that must be refused, with words in the reason. */
static void
refused(const char *name, const char *text, int eof, const char *why)
{
	struct outcome	 o;

	parse(text, strlen(text), 0, eof, 1024 * 1024, &o);
	is_int(o.rc, H1_ERROR, "%s is refused", name);
	ok(strstr(o.err, why) != NULL, "%s: the reason says '%s' (%s)", name,
	    why, o.err);
	free(o.body);
}

static void
test_framing(void)
{
	check("Content-Length",
	    "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"ok\":true}",
	    0, H1_DONE, 200, 1, "{\"ok\":true}", 0);
	check("no reason phrase",
	    "HTTP/1.1 204\r\n\r\n", 0, H1_DONE, 204, 1, "", 0);
	check("204 has no body whatever it says",
	    "HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\n", 0,
	    H1_DONE, 204, 1, "", 0);
	check("chunked, with an extension and a trailer",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "5;name=x\r\nhello\r\n1A\r\n abcdefghijklmnopqrstuvwxy\r\n"
	    "0\r\nX-Trailer: 1\r\n\r\n", 0, H1_DONE, 200, 1,
	    "hello abcdefghijklmnopqrstuvwxy", 0);
	check("bare LF line ends",
	    "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", 0, H1_DONE, 200, 1,
	    "ok", 0);
	check("read to the end when no length is given",
	    "HTTP/1.1 200 OK\r\n\r\nall of it", 1, H1_DONE, 200, 0,
	    "all of it", 0);
	check("HTTP/1.0 closes unless asked to keep",
	    "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", 0, H1_DONE, 200,
	    0, "x", 0);
	check("HTTP/1.0 with keep-alive",
	    "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n"
	    "Content-Length: 1\r\n\r\nx", 0, H1_DONE, 200, 1, "x", 0);
	check("Connection: close",
	    "HTTP/1.1 500 Oops\r\nConnection: x, close\r\n"
	    "Content-Length: 0\r\n\r\n", 0, H1_DONE, 500, 0, "", 0);
	check("100 Continue first",
	    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\n"
	    "Content-Length: 2\r\n\r\n{}", 0, H1_DONE, 202, 1, "{}", 0);
	check("empty lines before the status line",
	    "\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0,
	    H1_DONE, 200, 1, "", 0);
	check("bytes after the answer are left",
	    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA", 0, H1_DONE,
	    200, 1, "ok", 5);
	check("Content-Length and chunked: chunked, and not kept",
	    "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", 0,
	    H1_DONE, 200, 0, "ok", 0);
	check("a folded header is read past, the connection not kept",
	    "HTTP/1.1 200 OK\r\nX-A: b\r\n c\r\nContent-Length: 2\r\n\r\n"
	    "ok", 0, H1_DONE, 200, 0, "ok", 0);
	check("a header name that is not a token too",
	    "HTTP/1.1 200 OK\r\nX Powered By: x\r\nContent-Length: 2\r\n"
	    "\r\nok", 0, H1_DONE, 200, 0, "ok", 0);
	check("a Content-Length list of one value",
	    "HTTP/1.1 200 OK\r\nContent-Length: 2 , 2\r\n\r\nok", 0,
	    H1_DONE, 200, 1, "ok", 0);
	check("HTTP/1.0 chunked is not kept, whatever it says",
	    "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", 0,
	    H1_DONE, 200, 0, "ok", 0);
	check("the same Content-Length twice",
	    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\ncontent-length: 2\r\n"
	    "\r\nok", 0, H1_DONE, 200, 1, "ok", 0);
	check("an answer still coming",
	    "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 0, H1_MORE,
	    0, 0, NULL, 0);
}

static void
test_retry_after(void)
{
	struct outcome	 o;
	const char	*t = "HTTP/1.1 429 Too Many\r\nRetry-After:   120  \r\n"
	    "Content-Length: 0\r\n\r\n";

	parse(t, strlen(t), 3, 0, 1024, &o);
	is_int(o.status, 429, "429 read");
	is_string(o.retry_after, "120", "Retry-After, trimmed");
	free(o.body);
	t = "HTTP/1.1 100 Continue\r\nRetry-After: 9\r\n\r\n"
	    "HTTP/1.1 503 No\r\nContent-Length: 0\r\n\r\n";
	parse(t, strlen(t), 0, 0, 1024, &o);
	is_string(o.retry_after, "", "a 100's Retry-After is not the answer's");
	free(o.body);
}

static void
test_refused(void)
{
	struct outcome	 o;
	char		*big;

	refused("garbage", "hello\r\n\r\n", 0, "HTTP/1.x status line");
	refused("HTTP/2", "HTTP/2 200\r\n\r\n", 0, "HTTP/1.x status line");
	refused("a two-digit status", "HTTP/1.1 20 OK\r\n\r\n", 0,
	    "HTTP/1.x status line");
	refused("a status with no space before the reason",
	    "HTTP/1.1 200OK\r\n\r\n", 0, "HTTP/1.x status line");
	refused("101", "HTTP/1.1 101 Switching\r\n\r\n", 0, "switched");
	refused("a folded Content-Length",
	    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n 2\r\n\r\nok", 0,
	    "folded");
	refused("a Content-Length list whose values differ",
	    "HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n\r\nok", 0,
	    "Content-Length");
	refused("a Content-Length list ending in a comma",
	    "HTTP/1.1 200 OK\r\nContent-Length: 2,\r\n\r\nok", 0,
	    "Content-Length");
	refused("a header without a colon", "HTTP/1.1 200 OK\r\nnope\r\n\r\n",
	    0, "without a name");
	refused("a negative Content-Length",
	    "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 0,
	    "Content-Length");
	refused("two Content-Lengths that differ",
	    "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n"
	    "\r\nab", 0, "Content-Length");
	refused("a huge Content-Length",
	    "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
	    0, "Content-Length");
	refused("a bad chunk size",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0,
	    "chunked");
	refused("chunk data overrunning its size",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "2\r\nabc\r\n0\r\n\r\n", 0, "chunked");
	refused("an enormous chunk size",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "ffffffffffffffffff\r\n", 0, "chunked");
	refused("a close with nothing said", "", 1, "without answering");
	refused("a close inside the headers", "HTTP/1.1 200 OK\r\nA: b", 1,
	    "middle of the answer's headers");
	refused("a close inside the body",
	    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", 1,
	    "before the answer's end");
	refused("a close inside a chunked body",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
	    1, "before the answer's end");
	big = xmalloc(70 * 1024 + 1);
	memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
	memset(big + 20, 'a', 70 * 1024 - 20);
	big[70 * 1024] = '\0';
	refused("headers over 64 KiB", big, 0, "longer than 64 KiB");
	free(big);
	parse("HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n"
	    "01234567890123456789", 59, 0, 0, 10, &o);
	is_int(o.rc, H1_ERROR, "a body over the cap is refused");
	ok(strstr(o.err, "larger than") != NULL, "and says it is too large");
	ok(o.bodylen <= 10, "no more than the cap is kept");
	free(o.body);
}

int
main(void)
{
	plan_lazy();
	test_framing();
	test_retry_after();
	test_refused();
	return done_testing();
}
