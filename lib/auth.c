/*
 * auth.c -- API keys. They come from [auth.keys.SUBJECT] sections, which
 * hold only a token's SHA-256, and from TINKR_API_KEYS in the environment
 * as the original Tinkr server read it: a JSON object of tokens, or an
 * array of keys. A presented token is hashed and compared with every key
 * in constant time.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "auth.h"
#include "config.h"
#include "sha256.h"
#include "util.h"

static const char *const role_names[] = {
	[AUTH_VIEWER] = "viewer",
	[AUTH_ONCALL] = "oncall",
	[AUTH_SRE_LEAD] = "sre-lead"
};

/* A role by name ("sre_lead" and "admin" as the original wrote them); 0. */
int
auth_role_parse(const char *s)
{
	int	 i;

	if (s == NULL)
		return 0;
	for (i = AUTH_VIEWER; i <= AUTH_SRE_LEAD; i++)
		if (strcmp(s, role_names[i]) == 0)
			return i;
	if (strcmp(s, "sre_lead") == 0 || strcmp(s, "admin") == 0)
		return AUTH_SRE_LEAD;
	if (strcmp(s, "on-call") == 0 || strcmp(s, "on_call") == 0)
		return AUTH_ONCALL;
	return 0;
}

const char *
auth_role_name(int role)
{
	return role >= AUTH_VIEWER && role <= AUTH_SRE_LEAD ?
	    role_names[role] : "none";
}

static void
add_key(struct authkeys *keys, const char *subject, const char *hash,
    int role)
{
	struct authkey	*k;

	keys->v = xreallocarray(keys->v, keys->n + 1, sizeof *keys->v);
	k = &keys->v[keys->n++];
	snprintf(k->subject, sizeof k->subject, "%s", subject);
	snprintf(k->hash, sizeof k->hash, "%s", hash);
	k->role = role;
}

/* The highest role of a "role" string or a "roles" array; 0 if none. */
static int
roles_of(json_t *o)
{
	json_t	*r, *v;
	size_t	 i;
	int	 best = 0, x;

	if ((r = json_object_get(o, "role")) != NULL)
		return auth_role_parse(json_string_value(r));
	json_array_foreach(json_object_get(o, "roles"), i, v) {
		if ((x = auth_role_parse(json_string_value(v))) == 0)
			return 0;
		if (x > best)
			best = x;
	}
	return best;
}

/* One key of TINKR_API_KEYS: the token and what it says of it. */
static int
env_key(struct authkeys *keys, const char *token, json_t *v, size_t n,
    char *err, size_t errlen)
{
	const char	*subject = NULL;
	char		 hash[65], dflt[32];
	int		 role;

	if (json_is_string(v))
		role = auth_role_parse(json_string_value(v));
	else if (json_is_object(v)) {
		role = roles_of(v);
		subject = json_string_value(json_object_get(v, "subject"));
		if (subject == NULL)
			subject = json_string_value(json_object_get(v, "name"));
	} else
		role = 0;
	if (token == NULL || *token == '\0' || role == 0) {
		seterr(err, errlen, "TINKR_API_KEYS: key %zu needs a token and "
		    "a role (viewer, oncall or sre-lead)", n);
		return -1;
	}
	if (subject == NULL) {
		snprintf(dflt, sizeof dflt, "env-key-%zu", n);
		subject = dflt;
	}
	sha256_hex(token, strlen(token), hash);
	add_key(keys, subject, hash, role);
	return 0;
}

/*
 * The keys of a snapshot and of TINKR_API_KEYS (envjson, or NULL).
 * -1 and why when the environment's keys cannot be read.
 */
int
auth_load(const struct config *cfg, const char *envjson,
    struct authkeys *keys, char *err, size_t errlen)
{
	const struct csection	*sec;
	const struct ckey	*k;
	const char		*token;
	json_error_t		 jerr;
	json_t			*j, *v;
	size_t			 i, n = 0;
	int			 role, x;

	keys->v = NULL;
	keys->n = 0;
	for (i = 0; i < cfg->nsections; i++) {
		sec = &cfg->sections[i];
		if (sec->kind != CSECT_AUTHKEY)
			continue;
		role = 0;
		if ((k = csection_key(sec, "roles")) != NULL &&
		    k->v.type == CVAL_ARRAY) {
			for (n = 0; n < k->v.nitems; n++)
				if ((x = auth_role_parse(k->v.items[n].s)) >
				    role)
					role = x;
		}
		add_key(keys, sec->sub, csection_str(sec, "hash"), role);
	}
	if (envjson == NULL || *envjson == '\0')
		return 0;
	if ((j = json_loads(envjson, 0, &jerr)) == NULL) {
		/* jansson's text may quote a token: the place only. */
		seterr(err, errlen, "TINKR_API_KEYS is not JSON (at column "
		    "%d)", jerr.column);
		goto fail;
	}
	n = 0;
	if (json_is_object(j)) {
		json_object_foreach(j, token, v)
			if (env_key(keys, token, v, ++n, err, errlen) == -1)
				goto fail;
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v) {
			token = json_string_value(json_object_get(v, "token"));
			if (token == NULL)
				token = json_string_value(json_object_get(v,
				    "key"));
			if (env_key(keys, token, v, i + 1, err, errlen) == -1)
				goto fail;
		}
	} else {
		seterr(err, errlen, "TINKR_API_KEYS must be a JSON object of "
		    "tokens or an array of keys");
		goto fail;
	}
	json_decref(j);
	return 0;
fail:
	json_decref(j);
	auth_free(keys);
	return -1;
}

void
auth_free(struct authkeys *keys)
{
	if (keys->v != NULL)
		explicit_bzero(keys->v, keys->n * sizeof *keys->v);
	free(keys->v);
	keys->v = NULL;
	keys->n = 0;
}

/*
 * The role of a token, and its key's subject; 0 when no key has it. Every
 * key is compared, each in time that does not depend on where it differs.
 */
int
auth_lookup(const struct authkeys *keys, const char *token,
    const char **subject)
{
	char		 hash[65];
	size_t		 i, j;
	unsigned char	 diff;
	int		 role = 0;

	*subject = NULL;
	sha256_hex(token, strlen(token), hash);
	for (i = 0; i < keys->n; i++) {
		diff = 0;
		for (j = 0; j < 64; j++)
			diff |= (unsigned char)(hash[j] ^ keys->v[i].hash[j]);
		if (diff == 0 && role == 0) {
			role = keys->v[i].role;
			*subject = keys->v[i].subject;
		}
	}
	explicit_bzero(hash, sizeof hash);
	return role;
}
