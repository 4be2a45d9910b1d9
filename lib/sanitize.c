/*
 * sanitize.c -- mask secrets in text that leaves through MCP: log lines
 * carry tokens and passwords more often than anyone means them to. Masked
 * are bearer tokens and Authorization values, keys in well-known formats
 * (AWS, GitHub, Slack, OpenAI-style sk-, tinkr's own tkr_), values of keys
 * named like secrets (password=, token=, api_key=, ...), passwords in
 * URLs, and the configuration's own secret values wherever they appear.
 */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "sanitize.h"
#include "util.h"

#define MASK	"<redacted>"

/* Characters a token is made of. */
static int
tokchar(int c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '/' ||
	    c == '+' || c == '=' || c == '~';
}

/* The length of a key in a well-known format at s, or 0. */
static size_t
known_key(const char *s)
{
	static const struct {
		const char	*prefix;
		size_t		 min;		/* characters after it */
	} kinds[] = {
		{ "AKIA", 16 }, { "ASIA", 16 }, { "ghp_", 30 }, { "gho_", 30 },
		{ "ghs_", 30 }, { "github_pat_", 30 }, { "xoxb-", 10 },
		{ "xoxp-", 10 }, { "xoxa-", 10 }, { "sk-", 20 }, { "tkr_", 16 },
		{ "whsec_", 16 }, { "glpat-", 16 },
	};
	size_t	 i, p, n;

	for (i = 0; i < nitems(kinds); i++) {
		p = strlen(kinds[i].prefix);
		if (strncmp(s, kinds[i].prefix, p) != 0)
			continue;
		for (n = p; isalnum((unsigned char)s[n]) || s[n] == '_' ||
		    s[n] == '-'; n++)
			;
		if (n - p >= kinds[i].min)
			return n;
	}
	return 0;
}

/* Whether the word before position i (ending at '=' or ':') names a secret. */
static int
secret_name(const char *text, size_t i)
{
	static const char *const names[] = {
		"password", "passwd", "pwd", "secret", "token", "api_key",
		"apikey", "access_key", "private_key", "client_secret",
		"authorization", "auth"
	};
	size_t	 start = i, k, n;

	while (start > 0 && (isalnum((unsigned char)text[start - 1]) ||
	    text[start - 1] == '_' || text[start - 1] == '-'))
		start--;
	n = i - start;
	for (k = 0; k < nitems(names); k++)
		if (n >= strlen(names[k]) && strncasecmp(text + i -
		    strlen(names[k]), names[k], strlen(names[k])) == 0)
			return 1;
	return 0;
}

/* Replace every occurrence of secret in b with the mask. */
static void
mask_value(struct strbuf *b, const char *secret)
{
	struct strbuf	 out = { NULL, 0, 0 };
	size_t		 n = strlen(secret);
	const char	*p = b->s, *hit;

	if (n < 4 || b->s == NULL || strstr(b->s, secret) == NULL)
		return;
	strbuf_add(&out, "", 0);
	while ((hit = strstr(p, secret)) != NULL) {
		strbuf_add(&out, p, (size_t)(hit - p));
		strbuf_str(&out, MASK);
		p = hit + n;
	}
	strbuf_str(&out, p);
	free(b->s);
	*b = out;
}

/*
 * Mask a secret of the configuration, and each word of it long enough to
 * be one ("Token abcd..." as a header's value).
 */
static void
mask_secret(struct strbuf *b, const char *secret)
{
	char	*copy, *word, *last;

	mask_value(b, secret);
	copy = xstrdup(secret);
	for (word = strtok_r(copy, " \t", &last); word != NULL;
	    word = strtok_r(NULL, " \t", &last))
		if (strlen(word) >= 8)
			mask_value(b, word);
	explicit_bzero(copy, strlen(secret));
	free(copy);
}

/* text with its secrets masked; a new string. */
char *
sanitize(const char *text, const struct config *cfg)
{
	struct strbuf	 b = { NULL, 0, 0 };
	const struct csection *sec;
	size_t		 i, j, n, len = strlen(text);

	strbuf_add(&b, "", 0);
	for (i = 0; i < len;) {
		/* "Bearer xyz", "Basic xyz" */
		if ((strncasecmp(text + i, "bearer ", 7) == 0 ||
		    strncasecmp(text + i, "basic ", 6) == 0) && (i == 0 ||
		    !isalnum((unsigned char)text[i - 1]))) {
			n = text[i + 1] == 'e' || text[i + 1] == 'E' ? 7 : 6;
			for (j = i + n; j < len && tokchar((unsigned char)
			    text[j]); j++)
				;
			if (j - (i + n) >= 4) {
				strbuf_add(&b, text + i, n);
				strbuf_str(&b, MASK);
				i = j;
				continue;
			}
		}
		/* keys in well-known formats */
		if ((i == 0 || !isalnum((unsigned char)text[i - 1])) &&
		    (n = known_key(text + i)) > 0) {
			strbuf_str(&b, MASK);
			i += n;
			continue;
		}
		/* scheme://user:password@host */
		if (strncmp(text + i, "://", 3) == 0) {
			for (j = i + 3; j < len && text[j] != '@' &&
			    text[j] != '/' && !isspace((unsigned char)text[j]) &&
			    text[j] != '"'; j++)
				;
			if (j < len && text[j] == '@') {
				const char *colon = memchr(text + i + 3, ':',
				    j - (i + 3));

				if (colon != NULL) {
					strbuf_add(&b, text + i,
					    (size_t)(colon + 1 - (text + i)));
					strbuf_str(&b, MASK);
					i = j;
					continue;
				}
			}
		}
		/* password=..., "token": "..." */
		if ((text[i] == '=' || text[i] == ':') && i > 0 &&
		    secret_name(text, text[i - 1] == '"' ? i - 1 : i)) {
			strbuf_addc(&b, text[i]);
			j = i + 1;
			while (j < len && (text[j] == ' ' || text[j] == '"' ||
			    text[j] == '\\'))
				strbuf_addc(&b, text[j++]);
			if (strncasecmp(text + j, "bearer ", 7) == 0 ||
			    strncasecmp(text + j, "basic ", 6) == 0) {
				i = j;	/* the scheme's rule masks it */
				continue;
			}
			for (n = j; n < len && tokchar((unsigned char)text[n]);
			    n++)
				;
			if (n > j) {
				strbuf_str(&b, MASK);
				i = n;
				continue;
			}
			i = j;
			continue;
		}
		strbuf_addc(&b, text[i++]);
	}
	for (i = 0; cfg != NULL && i < cfg->nsections; i++) {
		sec = &cfg->sections[i];
		for (j = 0; j < sec->nkeys; j++)
			if (sec->keys[j].secret &&
			    sec->keys[j].v.type == CVAL_STRING)
				mask_secret(&b, sec->keys[j].v.s);
	}
	return b.s;
}
