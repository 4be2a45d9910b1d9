/* test-watch.c -- change detection and the state files of watches */

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "tap.h"
#include "util.h"
#include "watch.h"

/* An anomaly with an identity and a value. */
static json_t *
anomaly(const char *metric, const char *severity, double value)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:f, s:f}",
	    "service", "payments-api", "metric", metric,
	    "description", "whatever it says", "severity", severity,
	    "detected_at", "2026-04-07T14:01:03Z", "current_value", value,
	    "threshold", 10.0);
}

static void
test_differ(void)
{
	json_t	*a, *b, *gone;

	a = json_pack("[o, o]", anomaly("error_count", "high", 847),
	    anomaly("latency_p99", "medium", 3200));
	b = json_pack("[o, o]", anomaly("latency_p99", "medium", 4100),
	    anomaly("error_count", "high", 912));
	ok(!anomalies_differ(a, b), "new values and order alone: no change");
	json_decref(b);

	b = json_pack("[o, o]", anomaly("error_count", "critical", 847),
	    anomaly("latency_p99", "medium", 3200));
	ok(anomalies_differ(a, b), "a changed severity is a change");
	gone = anomalies_cleared(a, b);
	is_int((long long)json_array_size(gone), 0, "but nothing cleared: "
	    "the metric is still there");
	json_decref(gone);
	json_decref(b);

	b = json_pack("[o]", anomaly("error_count", "high", 847));
	ok(anomalies_differ(a, b), "one gone is a change");
	gone = anomalies_cleared(a, b);
	is_int((long long)json_array_size(gone), 1, "one cleared");
	is_string(json_string_value(json_object_get(json_array_get(gone, 0),
	    "metric")), "latency_p99", "the latency one");
	json_decref(gone);
	json_decref(b);

	b = json_pack("[o, o, o]", anomaly("error_count", "high", 847),
	    anomaly("latency_p99", "medium", 3200),
	    anomaly("queue_depth", "low", 42));
	ok(anomalies_differ(a, b), "a new one is a change");
	json_decref(b);

	b = json_array();
	ok(anomalies_differ(a, b), "all gone is a change");
	gone = anomalies_cleared(a, b);
	is_int((long long)json_array_size(gone), 2, "both cleared");
	json_decref(gone);
	ok(!anomalies_differ(b, NULL), "empty and none are the same");
	ok(anomalies_differ(NULL, a), "none before, some now");
	json_decref(b);
	json_decref(a);
}

/* Whether s is prefix and n lower-case hex digits. */
static int
id_shape(const char *s, const char *prefix, size_t n)
{
	size_t	 i, len = strlen(prefix);

	if (strncmp(s, prefix, len) != 0 || strlen(s) != len + n)
		return 0;
	for (i = len; s[i] != '\0'; i++)
		if (strchr("0123456789abcdef", s[i]) == NULL)
			return 0;
	return 1;
}

static void
warn_none(const char *msg)
{
	diag("%s", msg);
}

static int nwarned;

static void
warn_count(const char *msg)
{
	(void)msg;
	nwarned++;
}

static int	nseen;

static void
seen_count(void *arg, const struct delivery *d, json_t *payload)
{
	(void)arg;
	(void)d;
	if (json_is_object(payload))
		nseen++;
}

/* Append text to path. */
static void
put(const char *path, const char *text)
{
	FILE	*fp;

	if ((fp = fopen(path, "a")) != NULL) {
		fputs(text, fp);
		fclose(fp);
	}
}

static void
test_journal(const char *dir, struct delivery *d)
{
	struct strbuf	 buf = { NULL, 0, 0 };
	struct journal	 jl;
	struct delivery	*e, *first;
	char		 path[512], err[256], id[32];
	json_t		*j;
	size_t		 i;
	struct stat	 sb;

	snprintf(path, sizeof path, "%s/deliveries.jsonl", dir);
	ok(journal_load(path, 10, &jl, NULL, NULL, warn_none, err,
	    sizeof err) == 0 && jl.npending == 0 && jl.ndone == 0,
	    "no journal is an empty one");

	strbuf_add(&buf, "", 0);
	delivery_record(d, &buf);
	ok(buf.len > 0 && buf.s[buf.len - 1] == '\n' &&
	    memchr(buf.s, '\n', buf.len) == buf.s + buf.len - 1,
	    "a record is one line");
	j = json_loadb(buf.s, buf.len, 0, NULL);
	ok(j != NULL, "of JSON");
	ok((e = delivery_from_json(j, err, sizeof err)) != NULL,
	    "that reads back");
	if (e != NULL) {
		is_string(e->body, d->body, "with the body as it was");
		is_string(e->event_id, d->event_id, "and the event ID");
		ok(e->seq == 7 && e->state == D_PENDING && !e->resent,
		    "seq, state");
		delivery_free(e);
	}
	json_decref(j);
	put(path, buf.s);

	/* An older notification, then the first one delivered. */
	first = d;
	e = delivery_new();
	strlcpy(e->event_id, "evt_000000000000000000000003", sizeof e->event_id);
	e->seq = 3;
	e->watch_id = xstrdup(first->watch_id);
	e->service = xstrdup("payments-api");
	e->profile = xstrdup("demo");
	e->notifier = xstrdup("pagerduty");
	e->body = xstrdup(first->body);
	buf.len = 0;
	delivery_record(e, &buf);
	first->state = D_DELIVERED;
	first->last_result = xstrdup("HTTP 200");
	delivery_record(first, &buf);
	put(path, buf.s);
	put(path, "not a record\n{\"event_id\": \"evt_x\"}\n");
	nwarned = nseen = 0;
	ok(journal_load(path, 10, &jl, seen_count, NULL, warn_count, err,
	    sizeof err) == 0, "a journal loads");
	is_int(nseen, 3, "every record is seen, with its body");
	is_int(nwarned, 2, "lines that are not records are reported");
	is_int((long long)jl.npending, 1, "the newest record counts: one "
	    "pending");
	is_int((long long)jl.ndone, 1, "one done");
	if (jl.npending == 1 && jl.ndone == 1) {
		ok(jl.pending[0]->seq == 3, "the pending one");
		ok(jl.done[0]->state == D_DELIVERED &&
		    strcmp(jl.done[0]->last_result, "HTTP 200") == 0,
		    "the delivered one, as it finished");
	}
	for (i = 0; i < jl.npending; i++)
		delivery_free(jl.pending[i]);
	for (i = 0; i < jl.ndone; i++)
		delivery_free(jl.done[i]);
	free(jl.pending);
	free(jl.done);

	/* A crash while a record was written: it is cut off. */
	stat(path, &sb);
	put(path, "{\"version\":1,\"event_id\":\"evt_00");
	nwarned = 0;
	ok(journal_load(path, 10, &jl, NULL, NULL, warn_count, err,
	    sizeof err) == 0 && jl.npending == 1, "a cut record is dropped");
	is_int(nwarned, 3, "and reported, with the two lines before");
	is_int((long long)jl.bytes, (long long)sb.st_size, "the journal "
	    "ends where its last whole record does");
	for (i = 0; i < jl.npending; i++)
		delivery_free(jl.pending[i]);
	for (i = 0; i < jl.ndone; i++)
		delivery_free(jl.done[i]);
	free(jl.pending);
	free(jl.done);
	stat(path, &sb);
	is_int((long long)sb.st_size, (long long)jl.bytes, "and the file "
	    "is cut there too");

	/* Only the last max finished ones are kept. */
	buf.len = 0;
	e->state = D_FAILED;
	for (i = 0; i < 25; i++) {
		snprintf(id, sizeof id, "evt_%024zu", i + 100);
		strlcpy(e->event_id, id, sizeof e->event_id);
		e->seq = 100 + i;
		delivery_record(e, &buf);
	}
	put(path, buf.s);
	ok(journal_load(path, 10, &jl, NULL, NULL, warn_none, err,
	    sizeof err) == 0, "a longer journal loads");
	is_int((long long)jl.ndone, 10, "with the last 10 finished");
	ok(jl.ndone == 10 && jl.done[0]->seq == 115 &&
	    jl.done[9]->seq == 124, "in the order they finished");
	for (i = 0; i < jl.npending; i++)
		delivery_free(jl.pending[i]);
	for (i = 0; i < jl.ndone; i++)
		delivery_free(jl.done[i]);
	free(jl.pending);
	free(jl.done);

	/*
	 * 3000 notifications, then every other one delivered: records
	 * replaced in crowded buckets must not take the others with them.
	 */
	buf.len = 0;
	e->state = D_PENDING;
	for (i = 0; i < 3000; i++) {
		snprintf(id, sizeof id, "evt_%024zu", i + 1000);
		strlcpy(e->event_id, id, sizeof e->event_id);
		e->seq = 1000 + i;
		delivery_record(e, &buf);
	}
	e->state = D_DELIVERED;
	for (i = 0; i < 3000; i += 2) {
		snprintf(id, sizeof id, "evt_%024zu", i + 1000);
		strlcpy(e->event_id, id, sizeof e->event_id);
		e->seq = 1000 + i;
		delivery_record(e, &buf);
	}
	put(path, buf.s);
	ok(journal_load(path, 10, &jl, NULL, NULL, warn_none, err,
	    sizeof err) == 0, "a journal of 4,500 more records loads");
	is_int((long long)jl.npending, 1501, "every notification not "
	    "delivered is pending: the 1500 odd ones and the one before");
	for (i = 1; i < jl.npending; i++)
		if (jl.pending[i]->seq % 2 == 0)
			break;
	ok(i == jl.npending, "and none of the delivered ones is");
	for (i = 0; i < jl.npending; i++)
		delivery_free(jl.pending[i]);
	for (i = 0; i < jl.ndone; i++)
		delivery_free(jl.done[i]);
	free(jl.pending);
	free(jl.done);
	delivery_free(e);
	free(buf.s);
	unlink(path);
}

static void
test_files(void)
{
	struct watch	*w, **v, *other;
	struct delivery	*d;
	struct strbuf	 wb = { NULL, 0, 0 };
	struct stat	 sb;
	json_t		*notified, *again, *body;
	char		 dir[] = "/tmp/test-watch.XXXXXX", err[256], path[512];
	size_t		 n, bytes;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	w = watch_new();
	watch_new_id(w->id, sizeof w->id);
	ok(id_shape(w->id, "watch-", 8), "a watch ID is watch- and 8 hex "
	    "digits");
	w->service = xstrdup("payments-api");
	w->profile = xstrdup("demo");
	w->notifier = xstrdup("pagerduty");
	w->running = 1;
	w->started_at = 1764200000;
	notified = json_pack("[o]", anomaly("error_count", "high", 847));
	watch_set_notified(w, notified);
	w->notified_seq = 12;
	strbuf_add(&wb, "", 0);
	watch_record(w, &wb);
	ok(wb.len > 0 && memchr(wb.s, '\n', wb.len) == wb.s + wb.len - 1,
	    "a watch's record is one line");
	snprintf(path, sizeof path, "%s/watches.jsonl", dir);
	put(path, wb.s);
	v = watch_journal_load(path, &n, &bytes, warn_none, err, sizeof err);
	is_int((long long)n, 1, "and loads back");
	if (n == 1) {
		is_string(v[0]->id, w->id, "with its ID");
		ok(v[0]->destination == NULL, "no destination stays none");
		ok(v[0]->last_error == NULL, "no error stays none");
		again = watch_notified(v[0]);
		ok(!anomalies_differ(again, notified),
		    "what it notified is kept");
		json_decref(again);
		ok(v[0]->notified_seq == 12, "and by which notification");
		ok(v[0]->running && v[0]->interval == 60 &&
		    v[0]->window == 600, "running, 60s, 10m");
		watch_free(v[0]);
	}
	free(v);

	/* A second watch, the first changed, a junk line, a cut line. */
	other = watch_new();
	strlcpy(other->id, "watch-deadbeef", sizeof other->id);
	other->service = xstrdup("search");
	other->profile = xstrdup("demo");
	other->notifier = xstrdup("pagerduty");
	wb.len = 0;
	watch_record(other, &wb);
	w->running = 0;
	watch_record(w, &wb);
	put(path, wb.s);
	put(path, "junk\n");
	stat(path, &sb);
	put(path, "{\"watch_id\": \"watch-deadbeef\", \"serv");
	nwarned = 0;
	v = watch_journal_load(path, &n, &bytes, warn_count, err, sizeof err);
	is_int((long long)n, 2, "the newest line of each watch counts");
	is_int(nwarned, 2, "a junk line and a cut one are reported");
	is_int((long long)bytes, (long long)sb.st_size,
	    "the cut line is cut off");
	if (n == 2) {
		ok(strcmp(v[0]->id, w->id) == 0 && !v[0]->running,
		    "the first watch, stopped, first");
		is_string(v[1]->id, "watch-deadbeef", "then the other");
	}
	while (n > 0)
		watch_free(v[--n]);
	free(v);
	wb.len = 0;
	watch_gone_record(w->id, &wb);
	put(path, wb.s);
	v = watch_journal_load(path, &n, &bytes, warn_none, err, sizeof err);
	ok(n == 1 && strcmp(v[0]->id, "watch-deadbeef") == 0,
	    "a deleted watch is left out");
	while (n > 0)
		watch_free(v[--n]);
	free(v);
	watch_free(other);
	free(wb.s);
	unlink(path);

	d = delivery_new();
	delivery_new_id(d->event_id, sizeof d->event_id);
	ok(id_shape(d->event_id, "evt_", 24), "an event ID is evt_ and 24 "
	    "hex digits");
	d->seq = 7;
	d->watch_id = xstrdup(w->id);
	d->service = xstrdup("payments-api");
	d->profile = xstrdup("demo");
	d->notifier = xstrdup("pagerduty");
	body = json_pack("{s:s, s:[o]}", "status", "firing", "anomalies",
	    anomaly("error_count", "high", 847));
	delivery_set_body(d, body);
	json_decref(body);
	is_string(d->status, "firing", "a body gives its status");
	is_int((long long)d->nanomalies, 1, "and its anomaly count");
	d->created_at = 1764200000;
	test_journal(dir, d);
	delivery_free(d);
	watch_free(w);
	json_decref(notified);
	snprintf(path, sizeof path, "rm -rf %s", dir);
	if (system(path) != 0)
		diag("could not remove %s", dir);
}

int
main(void)
{
	plan_lazy();
	test_differ();
	test_files();
	return done_testing();
}
