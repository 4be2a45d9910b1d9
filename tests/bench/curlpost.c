/*
 * curlpost -- POST one body N times through one libcurl multi handle, a
 * transfer per connection at once, and print the requests per second: what
 * libcurl alone reaches against a receiver, for the delivery benchmark to
 * set tinkrd's figure beside. Easy handles are reset and reused, as
 * tinkrd's fetcher does, with its options (timeouts, Accept-Encoding, a
 * header callback).
 *
 * Usage: curlpost [-c CONNECTIONS] [-n REQUESTS] [-H "Name: value"]...
 *		   [-F HEADERFILE] URL BODYFILE
 * HEADERFILE holds more headers, one "Name: value" a line.
 */

#include <sys/resource.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#define CONNS_MAX	256

static size_t
discard(char *data, size_t size, size_t n, void *cls)
{
	(void)data;
	(void)cls;
	return size * n;
}

static void
setup(CURL *e, const char *url, const char *body, size_t len,
    struct curl_slist *hdrs, char *errbuf)
{
	curl_easy_reset(e);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, discard);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_USERAGENT, "curlpost");
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, body);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
}

int
main(int argc, char **argv)
{
	struct curl_slist	*hdrs = NULL;
	struct timespec		 t0, t1;
	struct rusage		 ru;
	CURL			*easy[CONNS_MAX];
	CURLMsg			*msg;
	CURLM			*m;
	FILE			*fp;
	char			 body[1 << 16], errbuf[CURL_ERROR_SIZE];
	char			 line[8192];
	long			 conns = 16, total = 20000, started = 0, done = 0;
	long			 failed = 0, status;
	double			 wall, cpu;
	size_t			 len;
	int			 ch, running, left, i;

	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	hdrs = curl_slist_append(hdrs, "Expect:");
	while ((ch = getopt(argc, argv, "c:F:H:n:")) != -1) {
		switch (ch) {
		case 'c':
			conns = strtol(optarg, NULL, 10);
			break;
		case 'F':
			if ((fp = fopen(optarg, "r")) == NULL)
				err(2, "%s", optarg);
			while (fgets(line, sizeof line, fp) != NULL) {
				line[strcspn(line, "\r\n")] = '\0';
				if (line[0] != '\0')
					hdrs = curl_slist_append(hdrs, line);
			}
			fclose(fp);
			break;
		case 'H':
			hdrs = curl_slist_append(hdrs, optarg);
			break;
		case 'n':
			total = strtol(optarg, NULL, 10);
			break;
		default:
			goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2 || conns < 1 || conns > CONNS_MAX || total < 1)
		goto usage;
	if ((fp = fopen(argv[1], "rb")) == NULL)
		err(2, "%s", argv[1]);
	len = fread(body, 1, sizeof body - 1, fp);
	fclose(fp);
	body[len] = '\0';

	curl_global_init(CURL_GLOBAL_ALL);
	m = curl_multi_init();
	curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, conns);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < conns && started < total; i++, started++) {
		easy[i] = curl_easy_init();
		setup(easy[i], argv[0], body, len, hdrs, errbuf);
		curl_multi_add_handle(m, easy[i]);
	}
	while (done < total) {
		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			status = 0;
			curl_easy_getinfo(msg->easy_handle,
			    CURLINFO_RESPONSE_CODE, &status);
			if (msg->data.result != CURLE_OK || status < 200 ||
			    status > 299)
				failed++;
			curl_multi_remove_handle(m, msg->easy_handle);
			done++;
			if (started < total) {
				setup(msg->easy_handle, argv[0], body, len,
				    hdrs, errbuf);
				curl_multi_add_handle(m, msg->easy_handle);
				started++;
			}
		}
		if (done < total)
			curl_multi_poll(m, NULL, 0, 1000, NULL);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	wall = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	getrusage(RUSAGE_SELF, &ru);
	cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	printf("%.0f requests/s, %.1f us of CPU a request, %ld failed\n",
	    (double)total / wall, cpu / (double)total * 1e6, failed);
	return failed > 0;
usage:
	fprintf(stderr, "usage: curlpost [-c connections] [-n requests] "
	    "[-H header]... [-F headerfile] url bodyfile\n");
	return 2;
}
