/* auth.h -- API keys: who holds a bearer token, and in which role */
#ifndef TINKR_AUTH_H
#define TINKR_AUTH_H

#include <stddef.h>

struct config;

/* Roles in increasing power; the daemon's enum role has the same order. */
#define AUTH_VIEWER	1
#define AUTH_ONCALL	2
#define AUTH_SRE_LEAD	3

struct authkey {
	char		 subject[64];
	char		 hash[65];	/* SHA-256 of the token, hex */
	int		 role;		/* the highest of its roles */
};

struct authkeys {
	struct authkey	*v;
	size_t		 n;
};

/* auth.c */
int		 auth_role_parse(const char *);
const char	*auth_role_name(int);
int		 auth_load(const struct config *, const char *,
		     struct authkeys *, char *, size_t);
void		 auth_free(struct authkeys *);
int		 auth_lookup(const struct authkeys *, const char *,
		     const char **);

#endif
