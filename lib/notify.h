/* notify.h -- pure helpers for the daemon's alert delivery */
#ifndef TINKR_NOTIFY_H
#define TINKR_NOTIFY_H

#include <stddef.h>

#include <jansson.h>

/* Discord refuses a message whose content is longer than this. */
#define NOTIFY_DISCORD_MAX	2000

/* The longest wait a Retry-After header may ask for, in seconds. */
#define NOTIFY_RETRY_AFTER_MAX	86400

/* The longest backoff between two attempts, in milliseconds. */
#define NOTIFY_BACKOFF_MAX	300000

/*
 * notify.c; each function is described above its definition. In short:
 * notify_sign		Standard Webhooks "v1,<base64 HMAC-SHA256>" signature
 * notify_same_origin	two http(s) URLs share scheme, host and port
 * notify_prefix_allowed	a URL starts with an allowed prefix, at a boundary
 * notify_header_*_valid	a header name is a token; a value has no controls
 * notify_retry_after	a Retry-After value as seconds to wait, or -1
 * notify_backoff		full-jitter exponential backoff in milliseconds
 * notify_discord_content	a Discord message's content, at most 2000 bytes
 * notify_payload		the webhook body object
 */
char		*notify_sign(const char *, const char *, long long, const char *,
		    size_t, char *, size_t);
int		 notify_same_origin(const char *, const char *);
int		 notify_prefix_allowed(const char *, const char *const *, size_t);
int		 notify_header_name_valid(const char *);
int		 notify_header_value_valid(const char *);
long long	 notify_retry_after(const char *, long long);
long long	 notify_backoff(int, unsigned int);
char		*notify_discord_content(const char *, const char *, const char *,
		    json_t *, json_t *);
char		*notify_payload_text(const char *, const char *, const char *,
		     const char *, const char *, size_t, const char *, int);
json_t		*notify_payload(const char *, const char *, const char *,
		    const char *, json_t *, json_t *, int);

#endif
