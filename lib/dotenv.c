/*
 * dotenv.c -- the .env file of secrets beside tinkr.toml.
 *
 * NAME=value lines, an optional "export ", # comment lines, "double"
 * (with \n \" \\ escapes) or 'single' quoted values; an unquoted value is
 * everything after the first '=' up to a " #comment", trimmed. A value is
 * never quoted back in an error.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dotenv.h"
#include "util.h"

#define DOTENV_MAXSIZE	(1024 * 1024)

/* Whether s[0..len) is a variable name: [A-Za-z_][A-Za-z0-9_]*. */
int
dotenv_name_valid(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (i = 0; i < len; i++) {
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	}
	return 1;
}

/* Skip spaces and tabs. */
static const char *
skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Set name to value, the later line winning. */
static void
dotenv_set(struct dotenv *de, const char *name, size_t namelen, char *value)
{
	size_t	 i;

	for (i = 0; i < de->n; i++) {
		if (strlen(de->names[i]) == namelen &&
		    strncmp(de->names[i], name, namelen) == 0) {
			free(de->values[i]);
			de->values[i] = value;
			return;
		}
	}
	de->names = xreallocarray(de->names, de->n + 1, sizeof *de->names);
	de->values = xreallocarray(de->values, de->n + 1, sizeof *de->values);
	de->names[de->n] = xstrndup(name, namelen);
	de->values[de->n] = value;
	de->n++;
}

/* A "double-quoted" value; p points at the opening quote. */
static char *
quoted_double(const char *p, const char **end)
{
	char	*out, *o;

	o = out = xmalloc(strlen(p) + 1);
	for (p++; *p != '"'; p++) {
		if (*p == '\0') {
			free(out);
			return NULL;
		}
		if (*p == '\\' && p[1] != '\0') {
			p++;
			switch (*p) {
			case 'n': *o++ = '\n'; break;
			case 'r': *o++ = '\r'; break;
			case 't': *o++ = '\t'; break;
			case '"':
			case '\\':
				*o++ = *p;
				break;
			default:
				*o++ = '\\';
				*o++ = *p;
				break;
			}
			continue;
		}
		*o++ = *p;
	}
	*o = '\0';
	*end = p + 1;
	return out;
}

/* An unquoted value: up to a blank followed by '#', trimmed. */
static char *
unquoted(const char *p)
{
	const char	*q, *end;

	for (q = p; *q != '\0'; q++)
		if (*q == '#' && q > p && (q[-1] == ' ' || q[-1] == '\t'))
			break;
	end = q;
	p = skip_ws(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return xstrndup(p, end - p);
}

/* Parse one line (no newline) into de; -1 with a message on error. */
static int
dotenv_line(struct dotenv *de, const char *file, unsigned lineno,
    const char *line, char *err, size_t errlen)
{
	const char	*p, *name, *end;
	size_t		 namelen;
	char		*value;

	p = skip_ws(line);
	if (*p == '\0' || *p == '#')
		return 0;
	if (strncmp(p, "export", 6) == 0 && (p[6] == ' ' || p[6] == '\t'))
		p = skip_ws(p + 6);
	for (name = p; *p == '_' || (*p >= 'A' && *p <= 'Z') ||
	    (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'); p++)
		/* nothing */;
	namelen = p - name;
	p = skip_ws(p);
	if (!dotenv_name_valid(name, namelen) || *p != '=') {
		seterr(err, errlen, "%s:%u: expected NAME=value", file, lineno);
		return -1;
	}
	p = skip_ws(p + 1);
	if (*p == '"' || *p == '\'') {
		if (*p == '"')
			value = quoted_double(p, &end);
		else if ((end = strchr(p + 1, '\'')) != NULL) {
			value = xstrndup(p + 1, end - p - 1);
			end++;
		} else
			value = NULL;
		if (value == NULL) {
			seterr(err, errlen, "%s:%u: missing closing quote in "
			    "the value of %.*s", file, lineno, (int)namelen,
			    name);
			return -1;
		}
		end = skip_ws(end);
		if (*end != '\0' && *end != '#') {
			free(value);
			seterr(err, errlen, "%s:%u: unexpected text after the "
			    "quoted value of %.*s", file, lineno, (int)namelen,
			    name);
			return -1;
		}
	} else
		value = unquoted(p);
	dotenv_set(de, name, namelen, value);
	return 0;
}

/* Parse the text of a .env file; name is used in messages. */
struct dotenv *
dotenv_parse(const char *name, const char *text, size_t len, char *err,
    size_t errlen)
{
	struct dotenv	*de;
	const char	*p = text, *nl, *end = text + len;
	char		*line;
	size_t		 n;
	unsigned	 lineno = 0;
	int		 rc;

	de = xcalloc(1, sizeof *de);
	de->path = xstrdup(name);
	while (p < end) {
		lineno++;
		nl = memchr(p, '\n', end - p);
		n = (nl != NULL ? nl : end) - p;
		if (memchr(p, '\0', n) != NULL) {
			seterr(err, errlen, "%s:%u: NUL byte in the file", name,
			    lineno);
			dotenv_free(de);
			return NULL;
		}
		if (n > 0 && p[n - 1] == '\r')
			n--;
		line = xstrndup(p, n);
		rc = dotenv_line(de, name, lineno, line, err, errlen);
		free(line);
		if (rc == -1) {
			dotenv_free(de);
			return NULL;
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return de;
}

/*
 * Read a .env file. A missing file is not an error: *out is set to NULL
 * and 0 returned. -1 and a message when it cannot be read or parsed.
 */
int
dotenv_load(const char *path, struct dotenv **out, char *err, size_t errlen)
{
	struct stat	 st;
	char		*text;
	size_t		 len;
	int		 fd, saved;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 ||
	    (text = read_fd(fd, DOTENV_MAXSIZE, &len)) == NULL) {
		saved = errno;
		close(fd);
		seterr(err, errlen, "%s: %s", path, strerror(saved));
		return -1;
	}
	close(fd);
	*out = dotenv_parse(path, text, len, err, errlen);
	free(text);
	if (*out == NULL)
		return -1;
	(*out)->exposed = (st.st_mode & (S_IRGRP | S_IROTH)) != 0;
	return 0;
}

/* The value of name in the file, or NULL. */
const char *
dotenv_get(const struct dotenv *de, const char *name)
{
	size_t	 i;

	if (de == NULL)
		return NULL;
	for (i = 0; i < de->n; i++)
		if (strcmp(de->names[i], name) == 0)
			return de->values[i];
	return NULL;
}

/* Free a parsed .env. */
void
dotenv_free(struct dotenv *de)
{
	size_t	 i;

	if (de == NULL)
		return;
	for (i = 0; i < de->n; i++) {
		free(de->names[i]);
		free(de->values[i]);
	}
	free(de->names);
	free(de->values);
	free(de->path);
	free(de);
}
