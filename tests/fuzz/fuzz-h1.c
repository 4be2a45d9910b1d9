/*
 * fuzz-h1.c -- libFuzzer harness: h1_parse, the answers of tinkrd's own
 * HTTP/1.1 client. Each input is read twice, whole and in pieces whose
 * size its first byte picks, and both readings must agree: the outcome,
 * the status, whether the connection is kept, the body and what is left.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "h1.h"
#include "util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct reading {
	int		 rc;
	struct h1resp	 r;
	struct strbuf	 body;
	size_t		 left;
};

static void
readit(const char *data, size_t len, size_t step, struct reading *o)
{
	struct strbuf	 in = { NULL, 0, 0 };
	char		 err[256];
	size_t		 at = 0, n;

	memset(o, 0, sizeof *o);
	h1_resp_init(&o->r);
	strbuf_add(&o->body, "", 0);
	o->rc = H1_MORE;
	while (at < len && o->rc == H1_MORE) {
		n = len - at < step ? len - at : step;
		strbuf_add(&in, data + at, n);
		at += n;
		o->rc = h1_parse(&o->r, &in, 0, &o->body, 4096, err,
		    sizeof err);
	}
	if (o->rc == H1_MORE)
		o->rc = h1_parse(&o->r, &in, 1, &o->body, 4096, err,
		    sizeof err);
	if (o->rc == H1_MORE || (o->rc == H1_ERROR && err[0] == '\0'))
		abort();	/* at the end, an answer is whole or refused */
	o->left = in.len + (len - at);
	free(in.s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reading	 whole, parts;
	size_t		 step;

	if (size < 1)
		return 0;
	step = (size_t)data[0] % 16 + 1;
	readit((const char *)data + 1, size - 1, size, &whole);
	readit((const char *)data + 1, size - 1, step, &parts);
	if (whole.rc != parts.rc)
		abort();
	if (whole.rc == H1_DONE && (whole.r.status != parts.r.status ||
	    whole.r.keep != parts.r.keep || whole.left != parts.left ||
	    whole.body.len != parts.body.len ||
	    memcmp(whole.body.s, parts.body.s, whole.body.len) != 0 ||
	    strcmp(whole.r.retry_after, parts.r.retry_after) != 0 ||
	    whole.r.status < 200 || whole.r.status > 999))
		abort();
	free(whole.body.s);
	free(parts.body.s);
	return 0;
}
