/* dotenv.h -- the .env file of secrets beside tinkr.toml */
#ifndef TINKR_DOTENV_H
#define TINKR_DOTENV_H

#include <stddef.h>

/* NAME=value pairs read from one .env file. */
struct dotenv {
	char		*path;
	char		**names;
	char		**values;
	size_t		 n;
	int		 exposed;	/* readable by group or others */
};

/* dotenv.c */
int		 dotenv_name_valid(const char *, size_t);
struct dotenv	*dotenv_parse(const char *, const char *, size_t, char *,
		    size_t);
int		 dotenv_load(const char *, struct dotenv **, char *, size_t);
const char	*dotenv_get(const struct dotenv *, const char *);
void		 dotenv_free(struct dotenv *);

#endif
