/*
 * remote.c -- remote mode: commands talk to a Tinkr server over HTTP(S)
 * instead of the local daemon. libcurl is loaded with dlopen the first
 * time a remote call is made, so local commands never pay for it
 * (DESIGN.md, decision 3).
 *
 * The server is --remote URL, else TINKR_SERVER_URL as the original read
 * it, else url in the configuration's [server] section; the token is
 * TINKR_API_TOKEN, else [server] token.
 */

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "config.h"
#include "tinkr.h"
#include "util.h"

#define REMOTE_BODY_MAX	(16 * 1024 * 1024)

/* The parts of libcurl we use, found at run time. */
static struct {
	void		*lib;
	CURLcode	 (*global_init)(long);
	CURL		*(*easy_init)(void);
	CURLcode	 (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode	 (*easy_perform)(CURL *);
	CURLcode	 (*easy_getinfo)(CURL *, CURLINFO, ...);
	void		 (*easy_cleanup)(CURL *);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void		 (*slist_free_all)(struct curl_slist *);
} lc;

static struct config	*remote_conf;	/* read once, for [server] */

/* Load libcurl; -1 and a message when it is not there. */
static int
load_curl(void)
{
	if (lc.lib != NULL)
		return 0;
	if ((lc.lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL)) == NULL) {
		fail("remote mode needs libcurl (libcurl.so.4): %s", dlerror());
		return -1;
	}
	lc.global_init = (CURLcode (*)(long))dlsym(lc.lib, "curl_global_init");
	lc.easy_init = (CURL *(*)(void))dlsym(lc.lib, "curl_easy_init");
	lc.easy_setopt = (CURLcode (*)(CURL *, CURLoption, ...))dlsym(lc.lib,
	    "curl_easy_setopt");
	lc.easy_perform = (CURLcode (*)(CURL *))dlsym(lc.lib,
	    "curl_easy_perform");
	lc.easy_getinfo = (CURLcode (*)(CURL *, CURLINFO, ...))dlsym(lc.lib,
	    "curl_easy_getinfo");
	lc.easy_cleanup = (void (*)(CURL *))dlsym(lc.lib, "curl_easy_cleanup");
	lc.slist_append = (struct curl_slist *(*)(struct curl_slist *,
	    const char *))dlsym(lc.lib, "curl_slist_append");
	lc.slist_free_all = (void (*)(struct curl_slist *))dlsym(lc.lib,
	    "curl_slist_free_all");
	if (lc.global_init == NULL || lc.easy_init == NULL ||
	    lc.easy_setopt == NULL || lc.easy_perform == NULL ||
	    lc.easy_getinfo == NULL || lc.easy_cleanup == NULL ||
	    lc.slist_append == NULL || lc.slist_free_all == NULL) {
		fail("libcurl.so.4 lacks what remote mode needs");
		return -1;
	}
	lc.global_init(CURL_GLOBAL_DEFAULT);
	return 0;
}

/*
 * The server to talk to, and the token for it, or NULL for the local
 * daemon.
 */
const char *
remote_url(struct cmd_ctx *ctx, const char **token)
{
	const struct csection	*sec;
	const char		*url, *t, *confurl;
	char			 path[4096], err[512], a[512], b[512];

	*token = getenv("TINKR_API_TOKEN");
	if (*token != NULL && **token == '\0')
		*token = NULL;
	if ((url = ctx->remote_arg) != NULL ||
	    ((url = getenv("TINKR_SERVER_URL")) != NULL && *url != '\0')) {
		if (*token == NULL)
			goto fromconf;
		return url;
	}
	url = NULL;
fromconf:
	if (remote_conf == NULL) {
		if (ctx->config_arg != NULL)
			strlcpy(path, ctx->config_arg, sizeof path);
		else if (config_find_path(path, sizeof path) == NULL)
			return url;
		/* A file that does not parse is for the daemon to report. */
		if ((remote_conf = config_load(path, err, sizeof err)) == NULL)
			return url;
	}
	sec = config_section(remote_conf, "server");
	confurl = csection_str(sec, "url");
	if (url == NULL)
		url = confurl;
	/* The configuration's token is for its server, not any other. */
	if (url != NULL && *token == NULL && confurl != NULL &&
	    (t = csection_str(sec, "token")) != NULL) {
		url_origin(url, a, sizeof a);
		url_origin(confurl, b, sizeof b);
		if (strcasecmp(a, b) == 0)
			*token = t;
	}
	return url;
}

/* libcurl's write callback: keep the body, up to REMOTE_BODY_MAX. */
static size_t
keep(char *data, size_t size, size_t n, void *cls)
{
	struct strbuf	*b = cls;

	(void)size;
	if (b->len + n > REMOTE_BODY_MAX)
		return 0;
	strbuf_add(b, data, n);
	return n;
}

/* libcurl's header callback: keep Mcp-Session-Id. */
static size_t
keep_session(char *data, size_t size, size_t n, void *cls)
{
	struct answer	*ans = cls;
	static const char name[] = "mcp-session-id:";
	size_t		 len;

	(void)size;
	if (n > sizeof name - 1 && strncasecmp(data, name,
	    sizeof name - 1) == 0) {
		data += sizeof name - 1;
		len = n - (sizeof name - 1);
		while (len > 0 && (*data == ' ' || *data == '\t')) {
			data++;
			len--;
		}
		while (len > 0 && (data[len - 1] == '\r' ||
		    data[len - 1] == '\n'))
			len--;
		free(ans->session);
		ans->session = xstrndup(data, len);
	}
	return n;
}

/*
 * One request to the server; the answer as client_call gives it.
 * EXIT_UNREACHABLE when no answer came.
 */
int
remote_call(struct cmd_ctx *ctx, const char *url, const char *token,
    const char *method, const char *path, const char *body,
    struct answer *ans)
{
	struct curl_slist	*h = NULL;
	struct strbuf		 b = { NULL, 0, 0 };
	json_error_t		 jerr;
	char			 errbuf[CURL_ERROR_SIZE], *full, *auth;
	char			 origin[256];
	long			 status = 0;
	size_t			 n;
	CURLcode		 rc;
	CURL			*e;

	memset(ans, 0, sizeof *ans);
	if (load_curl() == -1)
		return EXIT_FAIL;
	if ((e = lc.easy_init()) == NULL)
		return fail("libcurl could not start");
	n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	xasprintf(&full, "%.*s%s", (int)n, url, path);
	url_origin(url, origin, sizeof origin);
	errbuf[0] = '\0';
	strbuf_add(&b, "", 0);
	lc.easy_setopt(e, CURLOPT_URL, full);
	lc.easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	lc.easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	lc.easy_setopt(e, CURLOPT_WRITEFUNCTION, keep);
	lc.easy_setopt(e, CURLOPT_WRITEDATA, &b);
	lc.easy_setopt(e, CURLOPT_HEADERFUNCTION, keep_session);
	lc.easy_setopt(e, CURLOPT_HEADERDATA, ans);
	lc.easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	lc.easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 10L);
	lc.easy_setopt(e, CURLOPT_TIMEOUT, 120L);
	lc.easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	lc.easy_setopt(e, CURLOPT_USERAGENT, "tinkr/" PACKAGE_VERSION);
	if (token != NULL) {
		xasprintf(&auth, "Authorization: Bearer %s", token);
		h = lc.slist_append(h, auth);
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	if (ctx->mcp_session != NULL) {
		xasprintf(&auth, "Mcp-Session-Id: %s", ctx->mcp_session);
		h = lc.slist_append(h, auth);
		free(auth);
	}
	if (body != NULL) {
		h = lc.slist_append(h, "Content-Type: application/json");
		h = lc.slist_append(h, "Expect:");
		lc.easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
		lc.easy_setopt(e, CURLOPT_POSTFIELDS, body);
	}
	lc.easy_setopt(e, CURLOPT_HTTPHEADER, h);
	rc = lc.easy_perform(e);
	if (rc == CURLE_OK)
		lc.easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	lc.easy_cleanup(e);
	lc.slist_free_all(h);
	free(full);
	if (rc != CURLE_OK) {
		fprintf(stderr, "tinkr: %s: %s\n", origin, errbuf[0] != '\0' ?
		    errbuf : "no answer");
		free(b.s);
		return EXIT_UNREACHABLE;
	}
	ans->status = (int)status;
	ans->raw = b.s;
	if (status == 202 && b.len == 0)
		return EXIT_OK;
	if (status == 200 && (strncmp(b.s, "event: ", 7) == 0 ||
	    strncmp(b.s, "data: ", 6) == 0))
		return EXIT_OK;
	if ((ans->json = json_loadb(b.s, b.len, 0, &jerr)) == NULL) {
		answer_free(ans);
		return fail("%s answered %ld without JSON: is it a Tinkr "
		    "server?", origin, status);
	}
	if (status == 401 && token == NULL)
		fprintf(stderr, "tinkr: %s wants a token: set TINKR_API_TOKEN "
		    "or token in [server]\n", origin);
	return EXIT_OK;
}
