/* http.h -- a small HTTP/1.1 client for the daemon's Unix socket */
#ifndef TINKR_HTTP_H
#define TINKR_HTTP_H

#include <stddef.h>

struct http_response {
	int	 status;
	char	*body;		/* NUL-terminated */
	size_t	 len;
	char	*config;	/* X-Tinkr-Config: the daemon's config file */
	char	*session;	/* Mcp-Session-Id, or NULL */
};

/* http.c */
int	http_unix_connect(const char *);
int	http_request(int, const char *, const char *, const char *,
	    const char *, size_t, struct http_response *, char *, size_t);
void	http_response_free(struct http_response *);

#endif
