/*
 * tinkrd.c -- the tinkr daemon: start-up, daemonising, signals, reload.
 */

#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libutil.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fetch.h"
#include "log.h"
#include "paths.h"
#include "source.h"
#include "store.h"
#include "tinkrd.h"
#include "util.h"

static struct tinkrd	*sig_daemon;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: tinkrd [-dfnV] [-c file] [-l address:port] "
	    "[-S socket]\n");
	exit(2);
}

/* Signal handler: hand the signal to the loop through the self-pipe. */
static void
on_signal(int sig)
{
	unsigned char	 c = (unsigned char)sig;
	int		 saved = errno;

	if (sig_daemon != NULL)
		(void)write(sig_daemon->sigfd[1], &c, 1);
	errno = saved;
}

/* Route SIGHUP, SIGTERM, SIGINT and SIGCHLD into the loop; no SIGPIPE. */
static void
signals_init(struct tinkrd *d)
{
	struct sigaction	 sa;

	if (pipe2(d->sigfd, O_CLOEXEC | O_NONBLOCK) == -1)
		fatal("pipe2");
	sig_daemon = d;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = on_signal;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* The address to serve on TCP: --listen, else [server] listen, or "". */
static const char *
listen_address(struct tinkrd *d)
{
	const char	*a;

	if (d->listen_arg != NULL)
		return d->listen_arg;
	a = csection_str(config_section(d->conf, "server"), "listen");
	return a != NULL ? a : "";
}

/* Read a PEM file named in [server], relative to the config's directory. */
static char *
read_pem(struct tinkrd *d, const char *key, char *err, size_t errlen)
{
	const char	*name;
	char		 path[PATH_MAX], *dir, *s;
	size_t		 len;
	int		 fd;

	name = csection_str(config_section(d->conf, "server"), key);
	if (name == NULL)
		return NULL;
	if (name[0] != '/' && d->conf->path != NULL) {
		dir = xstrdup(d->conf->path);
		if (strrchr(dir, '/') != NULL)
			*strrchr(dir, '/') = '\0';
		else
			strlcpy(dir, ".", 2);
		snprintf(path, sizeof path, "%s/%s", dir, name);
		free(dir);
	} else
		strlcpy(path, name, sizeof path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		seterr(err, errlen, "%s %s: %s", key, path, strerror(errno));
		return NULL;
	}
	if ((s = read_fd(fd, 1024 * 1024, &len)) == NULL) {
		seterr(err, errlen, "%s %s: %s", key, path, errno == EFBIG ?
		    "larger than 1 MiB" : strerror(errno));
		close(fd);
		return NULL;
	}
	close(fd);
	return s;
}

/* Whether a listen address is on the loopback interface only. */
static int
loopback(const char *addr)
{
	return strncmp(addr, "127.", 4) == 0 ||
	    strncmp(addr, "[::1]:", 6) == 0 ||
	    strncmp(addr, "localhost:", 10) == 0;
}

/* Start serving the route table on TCP, if asked to. */
static int
tcp_start(struct tinkrd *d, char *err, size_t errlen)
{
	const char	*addr = listen_address(d);
	char		*cert = NULL, *key = NULL;
	int		 fd, rc = -1;

	if (*addr == '\0')
		return 0;
	*err = '\0';
	cert = read_pem(d, "tls_cert", err, errlen);
	if (*err == '\0')
		key = read_pem(d, "tls_key", err, errlen);
	if (*err != '\0')
		goto out;
	if ((cert == NULL) != (key == NULL)) {
		seterr(err, errlen, "[server] needs both tls_cert and tls_key "
		    "for TLS");
		goto out;
	}
	if ((fd = tcp_listen(addr, err, errlen)) == -1)
		goto out;
	if ((d->tcp_srv = server_start(d, fd, 0, cert, key, err,
	    errlen)) == NULL) {
		close(fd);
		goto out;
	}
	d->tcpfd = fd;
	strlcpy(d->listen_addr, addr, sizeof d->listen_addr);
	if (cert == NULL && !loopback(addr))
		log_warnx("serving plain HTTP on %s: tokens cross the network "
		    "in clear; set tls_cert and tls_key in [server]", addr);
	log_info("serving the API on %s%s (%zu keys)", addr, cert != NULL ?
	    " with TLS" : "", d->keys.n);
	rc = 0;
out:
	if (key != NULL)
		explicit_bzero(key, strlen(key));
	free(cert);
	free(key);
	return rc;
}

/* Find and make the state directory and its parts. */
static int
state_init(struct tinkrd *d, char *err, size_t errlen)
{
	if (paths_state_dir(d->statedir, sizeof d->statedir, err,
	    errlen) == -1)
		return -1;
	if (snprintf(d->wjournal, sizeof d->wjournal, "%s/watches.jsonl",
	    d->statedir) >= (int)sizeof d->wjournal ||
	    snprintf(d->journal, sizeof d->journal, "%s/deliveries.jsonl",
	    d->statedir) >= (int)sizeof d->journal) {
		seterr(err, errlen, "state directory path too long");
		return -1;
	}
	return 0;
}

/* Load -c FILE, else the first config file found, else the built-in one. */
static struct config *
load_config(const char *arg, char *err, size_t errlen)
{
	char	 path[PATH_MAX];

	if (arg != NULL)
		return config_load(arg, err, errlen);
	if (config_find_path(path, sizeof path) != NULL)
		return config_load(path, err, errlen);
	return config_default();
}

/*
 * The daemon works from / once in the background: make a relative path in
 * the environment absolute now, so reloads find the same file.
 */
static void
absolute_env(const char *name)
{
	const char	*v = getenv(name);
	char		 cwd[PATH_MAX], *abs;

	if (v == NULL || *v == '\0' || *v == '/' ||
	    getcwd(cwd, sizeof cwd) == NULL)
		return;
	xasprintf(&abs, "%s/%s", cwd, v);
	setenv(name, abs, 1);
	free(abs);
}

/* Log what a new snapshot warns about (never a secret's value). */
static void
log_config_warnings(const struct config *conf)
{
	size_t	 i;

	for (i = 0; i < conf->nwarnings; i++)
		log_warnx("warning: %s", conf->warnings[i]);
}

/*
 * Parse the configuration again and swap it in only if it is valid; the
 * old snapshot keeps running otherwise.
 */
int
tinkrd_reload(struct tinkrd *d, char *err, size_t errlen)
{
	struct config	*conf;
	struct authkeys	 keys;

	if ((conf = load_config(d->conf_arg, err, errlen)) == NULL)
		return -1;
	if (auth_load(conf, getenv("TINKR_API_KEYS"), &keys, err,
	    errlen) == -1) {
		config_free(conf);
		return -1;
	}
	log_config_warnings(conf);
	auth_free(&d->keys);
	d->keys = keys;
	config_free(d->conf);
	d->conf = conf;
	if (d->tcp_srv != NULL && strcmp(listen_address(d), d->listen_addr) !=
	    0)
		log_warnx("the listen address changed to %s; it takes effect "
		    "when tinkrd is restarted", listen_address(d));
	if (d->active != NULL && config_profile(conf, d->active) == NULL) {
		log_warnx("profile %s is gone after reload", d->active);
		free(d->active);
		d->active = NULL;
	}
	log_info("configuration reloaded from %s",
	    conf->path != NULL ? conf->path : "built-in defaults");
	return 0;
}

/* The profile the daemon works with now, and how it was chosen. */
const char *
tinkrd_active_profile(struct tinkrd *d, const char **how)
{
	const char	*h = NULL, *name;

	if (d->active != NULL) {
		if (how != NULL)
			*how = "activated";
		return d->active;
	}
	name = config_select_profile(d->conf, NULL, &h, NULL, 0);
	if (how != NULL)
		*how = name != NULL ? h : NULL;
	return name;
}

/*
 * Fork into the background. The parent waits until the child says it is
 * serving (or why it could not) so that whoever started us knows.
 */
static int
daemonise(int *notify)
{
	char	 msg[512];
	ssize_t	 n;
	pid_t	 pid;
	int	 p[2], fd;

	if (pipe2(p, O_CLOEXEC) == -1)
		fatal("pipe2");
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid != 0) {
		close(p[1]);
		n = read(p[0], msg, sizeof msg - 1);
		if (n <= 0)
			errx(1, "the daemon exited during start-up");
		msg[n] = '\0';
		if (strcmp(msg, "ok") != 0)
			errx(1, "%s", msg);
		_exit(0);
	}
	close(p[0]);
	if (setsid() == -1)
		fatal("setsid");
	if (chdir("/") == -1)
		fatal("chdir /");
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	*notify = p[1];
	return 0;
}

/* Tell the waiting parent how start-up went. */
static void
notify_parent(int *notify, const char *msg)
{
	if (*notify == -1)
		return;
	(void)write(*notify, msg, strlen(msg));
	close(*notify);
	*notify = -1;
}

int
main(int argc, char **argv)
{
	struct tinkrd	 d;
	const char	*sockarg = NULL;
	char		 err[1024], abspath[PATH_MAX];
	int		 ch, checkonly = 0, verbose = 0, notify = -1;

	memset(&d, 0, sizeof d);
	d.jfd = d.wfd = -1;
	d.listenfd = -1;
	d.foreground = 0;
	while ((ch = getopt(argc, argv, "c:dfl:nS:V")) != -1) {
		switch (ch) {
		case 'c':
			d.conf_arg = optarg;
			break;
		case 'd':
			verbose = 1;
			break;
		case 'f':
			d.foreground = 1;
			break;
		case 'l':
			d.listen_arg = optarg;
			break;
		case 'n':
			checkonly = 1;
			break;
		case 'S':
			sockarg = optarg;
			break;
		case 'V':
			printf("tinkrd %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	log_init(1, "tinkrd");
	log_setverbose(verbose);

	if (d.conf_arg != NULL && realpath(d.conf_arg, abspath) != NULL)
		d.conf_arg = abspath;
	absolute_env("TINKR_CONFIG");
	absolute_env("TINKR_STATE_DIR");
	if ((d.conf = load_config(d.conf_arg, err, sizeof err)) == NULL)
		errx(1, "%s", err);
	if (auth_load(d.conf, getenv("TINKR_API_KEYS"), &d.keys, err,
	    sizeof err) == -1)
		errx(1, "%s", err);
	log_config_warnings(d.conf);
	if (checkonly) {
		printf("%s: configuration OK\n", d.conf->path != NULL ?
		    d.conf->path : "built-in defaults");
		config_free(d.conf);
		return 0;
	}

	if (paths_socket(sockarg, d.sock, sizeof d.sock, err, sizeof err) == -1)
		errx(1, "%s", err);
	signals_init(&d);
	if (control_listen(&d, err, sizeof err) == -1)
		errx(1, "%s", err);
	if (!d.foreground) {
		daemonise(&notify);
		log_init(0, "tinkrd");
	}
	if (pidfile_write(d.pfh) == -1)
		log_warn("%s", d.pidpath);
	d.started = time(NULL);
	if ((d.fetcher = fetcher_new()) == NULL) {
		notify_parent(&notify, "libcurl could not start");
		control_cleanup(&d);
		fatalx("libcurl could not start");
	}
	d.sources = sources_new(d.fetcher);
	if (state_init(&d, err, sizeof err) == -1 ||
	    watches_init(&d, err, sizeof err) == -1 ||
	    deliver_init(&d, err, sizeof err) == -1) {
		notify_parent(&notify, err);
		control_cleanup(&d);
		fatalx("%s", err);
	}
	if ((d.unix_srv = server_start(&d, d.listenfd, 1, NULL, NULL, err,
	    sizeof err)) == NULL || tcp_start(&d, err, sizeof err) == -1) {
		notify_parent(&notify, err);
		control_cleanup(&d);
		fatalx("%s", err);
	}
	if (d.stale)
		log_info("removed a stale socket left by a dead daemon");
	log_info("started (pid %ld) on %s with %s", (long)getpid(), d.sock,
	    d.conf->path != NULL ? d.conf->path : "built-in defaults");
	notify_parent(&notify, "ok");

	loop_run(&d);

	mcp_sessions_free(&d);		/* ends their streams first */
	server_stop(d.unix_srv);
	server_stop(d.tcp_srv);
	control_cleanup(&d);
	log_info("stopped");
	watches_free(&d);
	deliver_free(&d);
	sources_free(d.sources);
	fetcher_free(d.fetcher);
	config_free(d.conf);
	auth_free(&d.keys);
	free(d.active);
	close(d.sigfd[0]);
	close(d.sigfd[1]);
	return 0;
}
