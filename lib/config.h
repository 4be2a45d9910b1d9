/* config.h -- tinkr.toml: a TOML subset read through Debian's inih */
#ifndef TINKR_CONFIG_H
#define TINKR_CONFIG_H

#include <stddef.h>
#include <jansson.h>

#include "rule.h"

enum cval_type {
	CVAL_STRING,
	CVAL_INTEGER,
	CVAL_FLOAT,
	CVAL_BOOL,
	CVAL_ARRAY
};

/* One TOML scalar, or a one-line array of scalars. */
struct cval {
	enum cval_type	 type;
	char		*s;		/* CVAL_STRING, after env: resolution */
	long long	 i;		/* CVAL_INTEGER */
	double		 f;		/* CVAL_FLOAT */
	int		 b;		/* CVAL_BOOL */
	struct cval	*items;		/* CVAL_ARRAY */
	size_t		 nitems;
};

/* One key = value line. */
struct ckey {
	char		*name;
	struct cval	 v;
	char		*env;		/* NAME when written as "env:NAME" */
	int		 secret;	/* the value must never be printed */
	unsigned	 line;
};

enum csect_kind {
	CSECT_PROFILE,		/* [profiles.P] */
	CSECT_SERVICE,		/* [profiles.P.services.S] */
	CSECT_NOTIFIER,		/* [profiles.P.notifiers.N] */
	CSECT_RULE,		/* [profiles.P.services.S.rules.R] */
	CSECT_SERVER,		/* [server] */
	CSECT_AUTHKEY,		/* [auth.keys.SUBJECT] */
	CSECT_LLM		/* [llm] */
};

/* One [section] and its keys, in file order. */
struct csection {
	char		*name;		/* as written, "profiles.demo.services.api" */
	enum csect_kind	 kind;
	char		*profile;	/* "demo"; NULL for server and auth */
	char		*sub;		/* service, notifier or key subject */
	char		*item;		/* rule name (sub: its service) */
	unsigned	 line;
	struct ckey	*keys;
	size_t		 nkeys;
};

/* A profile with its resolved settings. */
struct cprofile {
	char		*name;
	char		*backend;	/* "local" when not set */
	int		 active;	/* active = true */
	unsigned	 line;		/* of its [profiles.P] header, 0 if implied */
	size_t		*services;	/* indexes into config.sections */
	size_t		 nservices;
	size_t		*notifiers;	/* indexes into config.sections */
	size_t		 nnotifiers;
};

/* An immutable, validated configuration snapshot. */
struct config {
	char		*path;		/* NULL for the built-in default */
	char		*envfile;	/* the .env that was read, or NULL */
	struct csection	*sections;
	size_t		 nsections;
	struct cprofile	*profiles;
	size_t		 nprofiles;
	char		**warnings;	/* e.g. secrets in a group-readable file */
	size_t		 nwarnings;
};

/* config.c */
const char		*config_find_path(char *, size_t);
struct config		*config_load(const char *, char *, size_t);
struct config		*config_parse(const char *, const char *, size_t,
			    const char *, char *, size_t);
struct config		*config_default(void);
void			 config_free(struct config *);
const struct cprofile	*config_profile(const struct config *, const char *);
const char		*config_select_profile(const struct config *,
			    const char *, const char **, char *, size_t);
const struct csection	*config_section(const struct config *, const char *);
const struct csection	*config_profile_section(const struct config *,
			    const struct cprofile *);
const struct ckey	*csection_key(const struct csection *, const char *);
const char		*csection_str(const struct csection *, const char *);
const struct csection	*config_notifier(const struct config *,
			    const struct cprofile *, const char *);
const struct csection	*config_service(const struct config *,
			    const struct cprofile *, const char *);
long long		 csection_seconds(const struct csection *,
			    const char *, long long);
json_t			*config_json(const struct config *);
json_t			*config_profile_json(const struct config *,
			    const struct cprofile *);
int			 config_service_rules(const struct config *,
			    const char *, const char *, struct rule **,
			    size_t *);
void			 rules_free(struct rule *, size_t);

#endif
