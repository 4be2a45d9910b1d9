/*
 * fuzz-notify.c -- libFuzzer harness: what tinkrd reads from receivers and
 * from its own state files. The first byte chooses the parser:
 *	0: a Retry-After value		1: two URLs, same origin?
 *	2: a URL against prefixes	3: a watch's journal line
 *	4: a journal record		5: a Discord message's anomalies
 *	6: a whole journal file
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "notify.h"
#include "util.h"
#include "watch.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The input from the second byte as a string. */
static char *
text_of(const uint8_t *data, size_t size)
{
	char	*s = malloc(size);

	if (s == NULL)
		abort();
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	return s;
}

/* A parsed state file must print and parse back the same. */
static void
state_file(const char *s, int outbox)
{
	struct strbuf	 rec = { NULL, 0, 0 };
	struct delivery	*d, *d2;
	struct watch	*w, *w2;
	json_t		*j, *j2, *p;
	char		 err[256];

	if ((j = json_loads(s, 0, NULL)) == NULL)
		return;
	if (outbox) {
		if ((d = delivery_from_json(j, err, sizeof err)) != NULL) {
			/* Its record reads back as the same notification. */
			delivery_record(d, &rec);
			if ((j2 = json_loadb(rec.s, rec.len, 0, NULL)) ==
			    NULL || (d2 = delivery_from_json(j2, err,
			    sizeof err)) == NULL)
				abort();
			if (strcmp(d->body, d2->body) != 0 ||
			    strcmp(d->event_id, d2->event_id) != 0 ||
			    d->seq != d2->seq || d->state != d2->state ||
			    d->resent != d2->resent)
				abort();
			p = delivery_json(d2);
			json_decref(p);
			delivery_free(d2);
			json_decref(j2);
			delivery_free(d);
			free(rec.s);
		}
	} else if ((w = watch_from_json(j, err, sizeof err)) != NULL) {
		p = watch_json(w);
		json_decref(p);
		/* Its journal line reads back as the same watch. */
		watch_record(w, &rec);
		if ((j2 = json_loadb(rec.s, rec.len, 0, NULL)) == NULL ||
		    (w2 = watch_from_json(j2, err, sizeof err)) == NULL)
			abort();
		if (strcmp(w->id, w2->id) != 0 ||
		    strcmp(w->service, w2->service) != 0 ||
		    w->notified_seq != w2->notified_seq ||
		    (w->notified == NULL) != (w2->notified == NULL) ||
		    (w->notified != NULL &&
		    strcmp(w->notified, w2->notified) != 0))
			abort();
		watch_free(w2);
		json_decref(j2);
		free(rec.s);
		watch_free(w);
	}
	json_decref(j);
}

static void
ignore(const char *msg)
{
	(void)msg;
}

/* A journal file: it loads, and what it gives is whole. */
static void
journal_file(const uint8_t *data, size_t size)
{
	static char	 path[64];
	struct journal	 jl;
	char		 err[256];
	size_t		 i;
	FILE		*fp;
	int		 fd;

	if (path[0] == '\0') {
		strlcpy(path, "/tmp/fuzz-journal.XXXXXX", sizeof path);
		if ((fd = mkstemp(path)) == -1)
			abort();
		close(fd);
	}
	if ((fp = fopen(path, "w")) == NULL)
		abort();
	fwrite(data, 1, size, fp);
	fclose(fp);
	if (journal_load(path, 4, &jl, NULL, NULL, ignore, err,
	    sizeof err) == -1)
		abort();
	if (jl.ndone > 4 || jl.bytes > size)
		abort();
	for (i = 0; i < jl.npending; i++)
		if (jl.pending[i]->state != D_PENDING ||
		    (i > 0 && jl.pending[i - 1]->seq > jl.pending[i]->seq))
			abort();
	for (i = 0; i < jl.npending; i++)
		delivery_free(jl.pending[i]);
	for (i = 0; i < jl.ndone; i++) {
		if (jl.done[i]->state == D_PENDING)
			abort();
		delivery_free(jl.done[i]);
	}
	free(jl.pending);
	free(jl.done);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*prefixes[4];
	char		*s, *nl, *c;
	json_t		*j;
	long long	 v;
	size_t		 n = 0;

	if (size < 1)
		return 0;
	if (data[0] % 7 == 6) {
		journal_file(data + 1, size - 1);
		return 0;
	}
	s = text_of(data, size);
	switch (data[0] % 7) {
	case 0:
		v = notify_retry_after(s, 1764200000);
		if (v < -1 || v > NOTIFY_RETRY_AFTER_MAX)
			abort();
		break;
	case 1:
		if ((nl = strchr(s, '\n')) != NULL) {
			*nl = '\0';
			if (notify_same_origin(s, nl + 1) !=
			    notify_same_origin(nl + 1, s))
				abort();
		}
		break;
	case 2:
		for (c = s; n < 4 && (nl = strchr(c, '\n')) != NULL; c = nl + 1) {
			*nl = '\0';
			prefixes[n++] = c;
		}
		(void)notify_prefix_allowed(c, prefixes, n);
		break;
	case 3:
	case 4:
		state_file(s, data[0] % 7 == 4);
		break;
	case 5:
		if ((j = json_loads(s, 0, NULL)) != NULL) {
			c = notify_discord_content("watch-00000000", "svc",
			    "firing", j, j);
			if (strlen(c) > NOTIFY_DISCORD_MAX)
				abort();
			free(c);
			json_decref(j);
		}
		break;
	}
	free(s);
	return 0;
}
