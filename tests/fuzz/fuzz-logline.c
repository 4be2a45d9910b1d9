/* fuzz-logline.c -- libFuzzer harness: log_parse and its accessors */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logline.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Whether a slice lies inside the line. */
static int
inside(const struct log_rec *rec, const char *p, size_t n)
{
	return p >= rec->line && n <= rec->len &&
	    (size_t)(p - rec->line) <= rec->len - n;
}

/* Check every part of a parsed record and use every accessor on it. */
static void
check(const struct log_rec *rec, int rv)
{
	const struct log_field	*f;
	char			 small[7], key[64];
	size_t			 i, n;
	long long		 ms;
	double			 d;

	if (rv == -1) {
		if (rec->nfields != 0 || rec->level != NULL ||
		    rec->msg != NULL || rec->ts_ms != -1)
			abort();
		return;
	}
	if (rec->format == LOG_AUTO || rec->nfields > LOG_MAXFIELDS)
		abort();
	if (rec->ts_ms < -1)
		abort();
	if (rec->level != NULL) {
		if (!inside(rec, rec->level, rec->levellen))
			abort();
		if (rec->is_error != 0 && rec->is_error != 1)
			abort();
		(void)log_level_is_error(rec->level, rec->levellen);
	}
	if (rec->msg != NULL) {
		if (!inside(rec, rec->msg, rec->msglen))
			abort();
		n = log_unescape(rec->msg, rec->msglen, rec->msg_quoted, small,
		    sizeof small);
		if (strlen(small) > n || strlen(small) >= sizeof small)
			abort();
	}
	for (i = 0; i < rec->nfields; i++) {
		f = &rec->fields[i];
		if (!inside(rec, f->key, f->keylen) ||
		    !inside(rec, f->val, f->vallen))
			abort();
		(void)log_field_is_string(f);
		(void)log_field_number(f, &d);
		(void)log_parse_time(f->val, f->vallen, &ms);
		n = log_unescape(f->val, f->vallen, f->quoted, small,
		    sizeof small);
		if (strlen(small) > n)
			abort();
		(void)log_unescape(f->val, f->vallen, f->quoted, NULL, 0);
		if (f->keylen < sizeof key) {
			memcpy(key, f->key, f->keylen);
			key[f->keylen] = '\0';
			if (strlen(key) == f->keylen &&
			    log_field_get(rec, key) == NULL)
				abort();
		}
	}
}

/* Parse the bytes as one line in every format. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum log_format formats[] = {
		LOG_AUTO, LOG_JSON, LOG_LOGFMT, LOG_TEXT
	};
	static struct log_rec	 rec;
	const char		*line;
	char			*copy;
	size_t			 i;
	long long		 ms;

	/* An exact-size copy, so ASan sees any read past the line. */
	if ((copy = malloc(size == 0 ? 1 : size)) == NULL)
		return 0;
	memcpy(copy, data, size);
	line = copy;
	for (i = 0; i < sizeof formats / sizeof formats[0]; i++)
		check(&rec, log_parse(line, size, formats[i], &rec));
	(void)log_parse_time(line, size, &ms);
	(void)log_level_is_error(line, size);
	free(copy);
	return 0;
}
