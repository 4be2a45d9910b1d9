/* util.h -- small helpers shared by tinkr, tinkrd and the tests */
#ifndef TINKR_UTIL_H
#define TINKR_UTIL_H

#include <stdarg.h>
#include <stddef.h>

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

/* A growing string, always NUL-terminated once anything is added. */
struct strbuf {
	char	*s;
	size_t	 len;
	size_t	 size;
};

/* util.c */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
int	 xasprintf(char **, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 xvasprintf(char **, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
void	 seterr(char *, size_t, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
int	 parse_duration(const char *, long long *);
void	 format_duration(long long, char *, size_t);
void	 format_uptime(long long, char *, size_t);
void	 format_time_iso(long long, char *, size_t);
size_t	 levenshtein(const char *, const char *);
char	*url_escape(const char *);
void	 url_origin(const char *, char *, size_t);
long long mono_ms(void);
long long realtime_ms(void);
long long parse_time_iso(const char *);
char	**child_environ(size_t);
int	 memfd_text(const char *, const char *);
char	*read_fd(int, size_t, size_t *);
size_t	 utf8_char(const char *, size_t);
void	 utf8_scrub(char *);
void	 strbuf_json(struct strbuf *, const char *);
void	 strbuf_add(struct strbuf *, const char *, size_t);
void	 strbuf_addc(struct strbuf *, int);
void	 strbuf_str(struct strbuf *, const char *);
void	 strbuf_int(struct strbuf *, long long);

#endif
