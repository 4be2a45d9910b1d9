/* test-watch.c -- change detection and the state files of watches */

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

static void
test_files(void)
{
	struct watch	*w, **v;
	struct delivery	*d, **dv;
	json_t		*notified, *again;
	char		 dir[] = "/tmp/test-watch.XXXXXX", err[256], path[512];
	size_t		 n;
	FILE		*fp;

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
	ok(watch_save(dir, w, 1, err, sizeof err) == 0, "a watch is saved");
	w->destination = NULL;
	v = watch_load_all(dir, &n, warn_none, err, sizeof err);
	is_int((long long)n, 1, "and loads back");
	if (n == 1) {
		is_string(v[0]->id, w->id, "with its ID");
		ok(v[0]->destination == NULL, "no destination stays none");
		ok(v[0]->last_error == NULL, "no error stays none");
		again = watch_notified(v[0]);
		ok(!anomalies_differ(again, notified),
		    "what it notified is kept");
		json_decref(again);
		ok(v[0]->running && v[0]->interval == 60 &&
		    v[0]->window == 600, "running, 60s, 10m");
		watch_free(v[0]);
	}
	free(v);

	snprintf(path, sizeof path, "%s/watch-deadbeef.json", dir);
	if ((fp = fopen(path, "w")) != NULL) {
		fputs("{\"watch_id\": \"watch-deadbeef\", \"serv", fp);
		fclose(fp);
	}
	nwarned = 0;
	v = watch_load_all(dir, &n, warn_count, err, sizeof err);
	is_int((long long)n, 1, "a cut file is left out");
	is_int(nwarned, 1, "and reported");
	ok(access(path, F_OK) == 0, "and left where it is");
	while (n > 0)
		watch_free(v[--n]);
	free(v);
	unlink(path);
	ok(watch_unlink(dir, w->id, err, sizeof err) == 0, "a watch's file "
	    "is removed");

	d = delivery_new();
	delivery_new_id(d->event_id, sizeof d->event_id);
	ok(id_shape(d->event_id, "evt_", 24), "an event ID is evt_ and 24 "
	    "hex digits");
	d->seq = 7;
	d->watch_id = xstrdup(w->id);
	d->service = xstrdup("payments-api");
	d->profile = xstrdup("demo");
	d->notifier = xstrdup("pagerduty");
	d->payload = json_pack("{s:s, s:[]}", "status", "firing",
	    "anomalies");
	d->created_at = 1764200000;
	ok(outbox_save(dir, d, 1, err, sizeof err) == 0, "a notification is "
	    "saved");
	d->seq = 3;
	ok(outbox_save(dir, d, 1, err, sizeof err) == 0, "and an older one");
	dv = outbox_load(dir, &n, warn_none, err, sizeof err);
	is_int((long long)n, 2, "both load back");
	if (n == 2) {
		ok(dv[0]->seq == 3 && dv[1]->seq == 7, "oldest first");
		is_string(dv[0]->event_id, d->event_id, "with the event ID");
		ok(dv[0]->destination == NULL && dv[0]->last_result == NULL,
		    "none stays none");
	}
	while (n > 0)
		delivery_free(dv[--n]);
	free(dv);
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
