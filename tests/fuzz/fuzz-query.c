/* fuzz-query.c -- libFuzzer harness: query_parse and query_match */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logline.h"
#include "query.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Add a top-level field to a record. */
static void
add_field(struct log_rec *rec, const char *key, const char *val, size_t len,
    int quoted)
{
	struct log_field	*f = &rec->fields[rec->nfields++];

	f->key = key;
	f->keylen = strlen(key);
	f->val = val;
	f->vallen = len;
	f->quoted = quoted;
}

/* Build the records every query is matched against. */
static void
make_records(struct log_rec *r, const char *rest, size_t restlen)
{
	static const char	*json = "{\"level\":\"error\",\"msg\":"
	    "\"upstream \\\"timeout\\\" after 30s\",\"service\":\"payments\","
	    "\"status\":503,\"latency_ms\":1500.5}";
	static const char	*text = "GET /health 200 OK";

	memset(r, 0, 3 * sizeof *r);

	r[0].line = json;
	r[0].len = strlen(json);
	r[0].format = LOG_JSON;
	r[0].ts_ms = -1;
	r[0].level = "error";
	r[0].levellen = 5;
	r[0].msg = strstr(json, "upstream");
	r[0].msglen = strlen("upstream \\\"timeout\\\" after 30s");
	r[0].msg_quoted = 1;
	add_field(&r[0], "level", "error", 5, 1);
	add_field(&r[0], "msg", r[0].msg, r[0].msglen, 1);
	add_field(&r[0], "service", "payments", 8, 1);
	add_field(&r[0], "status", "503", 3, 0);
	add_field(&r[0], "latency_ms", "1500.5", 6, 0);

	r[1].line = text;
	r[1].len = strlen(text);
	r[1].format = LOG_TEXT;
	r[1].ts_ms = -1;

	/* The rest of the input as a message, a level and a field. */
	r[2].line = rest;
	r[2].len = restlen;
	r[2].format = LOG_LOGFMT;
	r[2].ts_ms = -1;
	r[2].msg = rest;
	r[2].msglen = restlen;
	r[2].msg_quoted = 1;
	r[2].level = rest;
	r[2].levellen = restlen < 8 ? restlen : 8;
	add_field(&r[2], "k", rest, restlen, 1);
	add_field(&r[2], "service", rest, restlen, 0);
}

/* Whether an error message has the documented shape on one line. */
static int
good_error(const char *s)
{
	if (strncmp(s, "query: ", 7) != 0 || strstr(s, " at column ") == NULL)
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* ASCII lower case. */
static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* The slow, obvious case-insensitive substring test. */
static int
naive_find(const char *h, size_t hlen, const char *n, size_t nlen)
{
	size_t	 i, j;

	for (i = 0; i + nlen <= hlen; i++) {
		for (j = 0; j < nlen; j++)
			if (lower((unsigned char)h[i + j]) !=
			    lower((unsigned char)n[j]))
				break;
		if (j == nlen)
			return 1;
	}
	return 0;
}

/*
 * Quote the query text as a phrase and check the matcher's substring
 * search against the obvious one, over the rest of the input.
 */
static void
check_phrase(const char *text, const char *rest, size_t restlen)
{
	struct log_rec	 r;
	struct query	*q;
	char		 phrase[64];
	size_t		 len = strlen(text);

	if (len > 32 || strpbrk(text, "\\\"") != NULL)
		return;
	phrase[0] = '"';
	memcpy(phrase + 1, text, len);
	memcpy(phrase + 1 + len, "\"", 2);
	if ((q = query_parse(phrase, NULL, 0)) == NULL)
		abort();
	memset(&r, 0, sizeof r);
	r.line = r.msg = rest;
	r.len = r.msglen = restlen;
	if (query_match(q, &r) != naive_find(rest, restlen, text, len))
		abort();
	query_free(q);
}

/*
 * The first line is a query. A failure must leave a good message. A
 * success must describe itself as text that parses to the same query,
 * and both must match the records alike.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct log_rec	 r[3];
	struct query	*q, *q2;
	const char	*nl, *rest;
	char		*text, *s, *s2, err[256];
	size_t		 len, i;

	nl = memchr(data, '\n', size);
	len = nl != NULL ? (size_t)(nl - (const char *)data) : size;
	rest = nl != NULL ? nl + 1 : (const char *)data + size;
	if ((text = malloc(len + 1)) == NULL)
		return 0;
	memcpy(text, data, len);
	text[len] = '\0';

	check_phrase(text, rest, size - (rest - (const char *)data));
	err[0] = '\0';
	if ((q = query_parse(text, err, sizeof err)) == NULL) {
		if (!good_error(err))
			abort();
		free(text);
		return 0;
	}
	make_records(r, rest, size - (rest - (const char *)data));
	s = query_describe(q);
	if ((q2 = query_parse(s, err, sizeof err)) == NULL) {
		/* Canonical parentheses may nest deeper than the input. */
		if (strstr(err, "nesting deeper") == NULL)
			abort();
	} else {
		s2 = query_describe(q2);
		if (strcmp(s, s2) != 0)
			abort();
		free(s2);
	}
	for (i = 0; i < 3; i++) {
		if (q2 != NULL && query_match(q, &r[i]) != query_match(q2,
		    &r[i]))
			abort();
	}
	free(s);
	query_free(q2);
	query_free(q);
	free(text);
	return 0;
}
