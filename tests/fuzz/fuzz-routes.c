/*
 * fuzz-routes.c -- libFuzzer harness: the daemon's JSON request handlers.
 * The first byte chooses a route; the rest is the request body. Every
 * answer must be a status from 200 to 599 with a JSON object, and an
 * error must carry a "detail" string; a job a handler starts is freed
 * unrun.
 */

#include <sys/stat.h>

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fetch.h"
#include "source.h"
#include "tinkrd.h"
#include "util.h"
#include "watch.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char conf_text[] =
    "[profiles.demo]\nactive = true\n"
    "[profiles.demo.services.api]\nlogs = \"/nonexistent/tinkr-fuzz/*.log\"\n"
    "[profiles.demo.notifiers.hook]\ntype = \"webhook\"\n"
    "url = \"http://127.0.0.1:9/\"\n"
    "[profiles.prom]\nbackend = \"prometheus\"\nurl = \"http://127.0.0.1:9\"\n"
    "[profiles.prom.services.api]\n";

static const struct {
	const char	*method;
	const char	*path;
} targets[] = {
	{ "POST", "/api/v1/anomalies" },
	{ "POST", "/api/v1/logs" },
	{ "POST", "/api/v1/metrics" },
	{ "POST", "/api/v1/slo" },
	{ "POST", "/api/v1/rca" },
	{ "POST", "/api/v1/watches" },
	{ "GET", "/api/v1/watches/watch-00000000" },
	{ "DELETE", "/api/v1/watches/watch-00000000" },
};

static struct tinkrd	 d;

/* What tinkrd.c gives the routes, for a daemon with no file behind it. */
int
tinkrd_reload(struct tinkrd *t, char *err, size_t errlen)
{
	(void)t;
	seterr(err, errlen, "no reload here");
	return -1;
}

const char *
tinkrd_active_profile(struct tinkrd *t, const char **how)
{
	if (how != NULL)
		*how = "active = true";
	return config_select_profile(t->conf, NULL, how, NULL, 0);
}

/* A daemon's state, once: a configuration and a private state dir. */
static void
setup(void)
{
	char	 err[512];

	if (d.conf != NULL)
		return;
	if ((d.conf = config_parse("fuzz.toml", conf_text, strlen(conf_text),
	    NULL, err, sizeof err)) == NULL) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	snprintf(d.statedir, sizeof d.statedir, "/tmp/tinkr-fuzz-%d",
	    (int)getpid());
	snprintf(d.wjournal, sizeof d.wjournal, "%s/watches.jsonl",
	    d.statedir);
	snprintf(d.journal, sizeof d.journal, "%s/deliveries.jsonl",
	    d.statedir);
	(void)mkdir(d.statedir, 0700);
	d.jfd = -1;
	/* Watches' records go to a journal that is cut at each input. */
	if ((d.wfd = open(d.wjournal, O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0600)) == -1)
		abort();
	if ((d.fetcher = fetcher_new()) == NULL)
		abort();
	d.sources = sources_new(d.fetcher);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct request	 req;
	struct reply	 rep;
	char		*body;
	size_t		 i;

	if (size < 1)
		return 0;
	setup();
	body = malloc(size);
	memcpy(body, data + 1, size - 1);
	body[size - 1] = '\0';
	memset(&req, 0, sizeof req);
	memset(&rep, 0, sizeof rep);
	req.d = &d;
	req.method = targets[data[0] % nitems(targets)].method;
	req.path = targets[data[0] % nitems(targets)].path;
	req.body = body;
	req.bodylen = size - 1;
	req.role = ROLE_SRE_LEAD;
	routes_dispatch(&req, &rep);
	for (i = 0; i < req.nparams; i++)
		free(req.param[i]);
	if (rep.job != NULL)
		rep.ops->free(rep.job);
	else if (rep.status < 200 || rep.status > 599 ||
	    !json_is_object(rep.json) || (rep.status >= 400 &&
	    !json_is_string(json_object_get(rep.json, "detail"))))
		abort();
	json_decref(rep.json);
	free(rep.raw);
	/* Watches made by this input go; their records too. */
	while (d.nwatches > 0)
		watch_drop(&d, d.watches[0]);
	if (ftruncate(d.wfd, 0) == -1)
		abort();
	free(body);
	return 0;
}
