/* code.h -- read-only access to a service's source, confined to its repo */
#ifndef TINKR_CODE_H
#define TINKR_CODE_H

#include <jansson.h>

#define CODE_FILE_MAX		(256 * 1024)	/* bytes get_file returns */
#define CODE_MATCHES_MAX	200
#define CODE_FILES_MAX		20000
#define CODE_BYTES_MAX		(64 * 1024 * 1024)	/* read per search */
#define CODE_MS_MAX		2000

/* code.c */
json_t	*code_get_file(const char *, const char *, char *, size_t);
json_t	*code_search(const char *, const char *, const char *, int, char *,
	    size_t);

#endif
