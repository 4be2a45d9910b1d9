/* logline.h -- one log line, parsed just enough to count and match it */
#ifndef TINKR_LOGLINE_H
#define TINKR_LOGLINE_H

#include <stddef.h>

enum log_format {
	LOG_AUTO,		/* decide per line */
	LOG_JSON,
	LOG_LOGFMT,
	LOG_TEXT
};

/* One top-level key and its value, pointing into the line. */
struct log_field {
	const char	*key;
	size_t		 keylen;
	const char	*val;		/* JSON strings: inside the quotes, escapes kept */
	size_t		 vallen;
	int		 quoted;	/* a string that may hold escapes */
};

#define LOG_MAXFIELDS	64
#define LOG_MAXLINE	(1024 * 1024)

/* A parsed line. Everything points into the caller's buffer. */
struct log_rec {
	const char		*line;
	size_t			 len;
	enum log_format		 format;	/* what the line turned out to be */
	long long		 ts_ms;		/* -1 when the line has none */
	const char		*level;		/* NULL when the line has none */
	size_t			 levellen;
	int			 is_error;	/* error, err, critical, crit, fatal,
						   panic, alert, emerg (any case) */
	const char		*msg;		/* NULL when the line has none */
	size_t			 msglen;
	int			 msg_quoted;
	struct log_field	 fields[LOG_MAXFIELDS];
	size_t			 nfields;
};

/* logline.c */
int	log_parse(const char *, size_t, enum log_format, struct log_rec *);
int	log_format_parse(const char *, enum log_format *);
const struct log_field *log_field_get(const struct log_rec *, const char *);
int	log_field_number(const struct log_field *, double *);
int	log_field_is_string(const struct log_field *);
size_t	log_unescape(const char *, size_t, int, char *, size_t);
int	log_parse_time(const char *, size_t, long long *);
int	log_level_is_error(const char *, size_t);

#endif
