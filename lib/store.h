/* store.h -- crash-safe files in the state directory */
#ifndef TINKR_STORE_H
#define TINKR_STORE_H

#include <stddef.h>

struct strbuf;

/* store.c */
int	 store_sync_dir(const char *);
int	 store_mkdir(const char *, char *, size_t);
int	 store_put(const char *, const char *, const char *, size_t, int,
	     char *, size_t);
int	 store_unlink(const char *, const char *);
int	 store_append(const char *, const char *, size_t, char *, size_t);
char	*store_get(const char *, const char *, size_t, size_t *);
int	 store_write_buf(int, struct strbuf *, size_t *);
int	 store_read_lines(const char *, void (*)(void *, const char *, size_t,
	     size_t), void *, void (*)(const char *), size_t *, char *,
	     size_t);

#endif
