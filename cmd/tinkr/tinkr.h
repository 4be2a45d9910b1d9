/* tinkr.h -- the command-line client: one table of commands */
#ifndef TINKR_H
#define TINKR_H

#include <limits.h>

#include <jansson.h>

/* Exit statuses, documented in tinkr(1). */
#define EXIT_OK			0
#define EXIT_FAIL		1
#define EXIT_USAGE		2
#define EXIT_UNREACHABLE	3

#define CMD_MAXOPTS		16

/* Options given to one command, global ones included. */
struct args {
	const char	*name[CMD_MAXOPTS];
	const char	*value[CMD_MAXOPTS];	/* "" for a flag */
	int		 n;
	char		**argv;		/* positionals, command words removed */
	int		 argc;
};

/* What every command is given. */
struct cmd_ctx {
	const char		*config_arg;	/* -c FILE */
	const char		*profile_arg;	/* -p NAME */
	const char		*remote_arg;	/* --remote URL */
	const char		*mcp_session;	/* sent as Mcp-Session-Id */
	int			 json;		/* --json */
	int			 quiet;		/* -q */
	int			 want_help;	/* -h, --help */
	int			 want_version;	/* --version */
	char			*optspec;	/* the command's option names */
	int			 not_running;	/* no daemon answered */
	int			 warned_config;	/* said the daemon uses another */
	const struct cmd_entry	*entry;
	struct args		 args;
	char			 sock[PATH_MAX];
};

/*
 * One command, in the shape of tmux's cmd_entry: its words, the usage of
 * its arguments, how many positionals it takes, its own long options
 * ("notifier=,yes": '=' takes a value), a summary, flags and the function
 * that runs it.
 */
struct cmd_entry {
	const char	*group;		/* "daemon", or NULL for one word */
	const char	*name;		/* "start" */
	const char	*usage;		/* "[FILE]" */
	int		 lower;		/* positionals, at least */
	int		 upper;		/* at most, -1 for any */
	const char	*options;
	const char	*summary;
	int		(*exec)(struct cmd_ctx *);
};

/* A daemon's answer to one request. */
struct answer {
	int	 status;
	char	*raw;		/* the body as sent */
	json_t	*json;		/* the body parsed, or NULL */
	char	*session;	/* Mcp-Session-Id, or NULL */
};

/* cmd.c */
extern const struct cmd_entry *cmd_table[];
const struct cmd_entry	*cmd_find(const char *, const char *, int *);
int			 cmd_is_group(const char *);
void			 cmd_usage_line(const struct cmd_entry *, char *, size_t);
void			 cmd_list(FILE *, const char *);
const char		*cmd_suggest(const char *, const char *);

/* tinkr.c */
const char	*args_get(const struct args *, const char *);
int		 usage_error(struct cmd_ctx *, const char *, ...)
		     __attribute__((format(printf, 2, 3)));
int		 fail(const char *, ...) __attribute__((format(printf, 1, 2)));
void		 say(struct cmd_ctx *, const char *, ...)
		     __attribute__((format(printf, 2, 3)));

/* client.c */
int		 client_call(struct cmd_ctx *, int, const char *, const char *,
		     json_t *, struct answer *);
int		 client_result(struct cmd_ctx *, struct answer *);

/* remote.c */
const char	*remote_url(struct cmd_ctx *, const char **);
int		 remote_call(struct cmd_ctx *, const char *, const char *,
		     const char *, const char *, const char *, struct answer *);
void		 answer_free(struct answer *);
int		 client_start_daemon(struct cmd_ctx *, int *);

/* cmd-watch.c: helpers of the watch, notifier and delivery commands */
struct table;
const char	*jtext(json_t *, const char *, const char *);
long long	 jnum(json_t *, const char *);
const char	*chosen_profile(struct cmd_ctx *);
void		 format_ago(const char *, char *, size_t);
char		*api_path(const char *, const char *, const char *);
int		 api_call(struct cmd_ctx *, const char *, char *, json_t *,
		     struct answer *);
struct table	*table_new(size_t);
void		 table_add(struct table *, ...);
void		 table_print(struct cmd_ctx *, struct table *, const char *);
void		 table_free(struct table *);

/* cmd-*.c */
extern const struct cmd_entry cmd_anomaly_entry;
extern const struct cmd_entry cmd_logs_entry;
extern const struct cmd_entry cmd_metrics_entry;
extern const struct cmd_entry cmd_tail_entry;
extern const struct cmd_entry cmd_config_check_entry;
extern const struct cmd_entry cmd_config_show_entry;
extern const struct cmd_entry cmd_daemon_reload_entry;
extern const struct cmd_entry cmd_daemon_start_entry;
extern const struct cmd_entry cmd_daemon_status_entry;
extern const struct cmd_entry cmd_daemon_stop_entry;
extern const struct cmd_entry cmd_deliveries_entry;
extern const struct cmd_entry cmd_deliveries_retry_entry;
extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_notifier_list_entry;
extern const struct cmd_entry cmd_notifier_test_entry;
extern const struct cmd_entry cmd_profile_list_entry;
extern const struct cmd_entry cmd_profile_show_entry;
extern const struct cmd_entry cmd_profile_use_entry;
extern const struct cmd_entry cmd_doctor_entry;
extern const struct cmd_entry cmd_fix_apply_entry;
extern const struct cmd_entry cmd_fix_list_entry;
extern const struct cmd_entry cmd_fix_reject_entry;
extern const struct cmd_entry cmd_fix_show_entry;
extern const struct cmd_entry cmd_mcp_entry;
extern const struct cmd_entry cmd_rca_entry;
extern const struct cmd_entry cmd_slo_entry;
extern const struct cmd_entry cmd_token_new_entry;
extern const struct cmd_entry cmd_version_entry;
extern const struct cmd_entry cmd_watch_delete_entry;
extern const struct cmd_entry cmd_watch_list_entry;
extern const struct cmd_entry cmd_watch_show_entry;
extern const struct cmd_entry cmd_watch_start_entry;
extern const struct cmd_entry cmd_watch_stop_entry;

#endif
