/* toml.h -- one line of the TOML subset: headers, keys and scalar values */
#ifndef TINKR_TOML_H
#define TINKR_TOML_H

#include <stddef.h>

#include "config.h"

enum tline_kind {
	TLINE_BLANK,		/* empty or a # comment */
	TLINE_HEADER,		/* [a.b.c] */
	TLINE_KEY		/* key = value */
};

/* One physical line split into its parts; the value is parsed separately. */
struct tline {
	enum tline_kind	 kind;
	char		**parts;	/* TLINE_HEADER: the dotted names */
	size_t		 nparts;
	char		*key;		/* TLINE_KEY: the bare key */
	const char	*rest;		/* TLINE_KEY: the text after '=' */
};

/* toml.c */
int	 toml_utf8_valid(const char *, size_t);
int	 toml_split(const char *, struct tline *, char *, size_t);
void	 toml_line_free(struct tline *);
int	 toml_value(const char *, const char *, int, struct cval *, char *,
	    size_t);
char	*toml_emit(const struct cval *);
void	 cval_free(struct cval *);
int	 toml_bare_char(int);

#endif
