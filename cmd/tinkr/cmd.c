/* cmd.c -- the command table and how a command is found */

#include <stdio.h>
#include <string.h>

#include "tinkr.h"
#include "util.h"

/* Every command tinkr knows, in the order help lists them. */
const struct cmd_entry *cmd_table[] = {
	&cmd_anomaly_entry,
	&cmd_config_check_entry,
	&cmd_config_show_entry,
	&cmd_daemon_reload_entry,
	&cmd_daemon_start_entry,
	&cmd_daemon_status_entry,
	&cmd_daemon_stop_entry,
	&cmd_deliveries_entry,
	&cmd_doctor_entry,
	&cmd_deliveries_retry_entry,
	&cmd_fix_apply_entry,
	&cmd_fix_list_entry,
	&cmd_fix_reject_entry,
	&cmd_fix_show_entry,
	&cmd_help_entry,
	&cmd_logs_entry,
	&cmd_mcp_entry,
	&cmd_metrics_entry,
	&cmd_notifier_list_entry,
	&cmd_notifier_test_entry,
	&cmd_profile_list_entry,
	&cmd_profile_show_entry,
	&cmd_profile_use_entry,
	&cmd_rca_entry,
	&cmd_slo_entry,
	&cmd_tail_entry,
	&cmd_token_new_entry,
	&cmd_version_entry,
	&cmd_watch_delete_entry,
	&cmd_watch_list_entry,
	&cmd_watch_show_entry,
	&cmd_watch_start_entry,
	&cmd_watch_stop_entry,
	NULL
};

/* Is word the first word of a two-word command such as "daemon start"? */
int
cmd_is_group(const char *word)
{
	const struct cmd_entry	**e;

	for (e = cmd_table; *e != NULL; e++)
		if ((*e)->group != NULL && strcmp((*e)->group, word) == 0)
			return 1;
	return 0;
}

/*
 * Find the command named by one or two words. *used says how many words
 * the name took. A word may be both a command and a group, as
 * "deliveries" and "deliveries retry": the two words win when they name a
 * command; a second word after a command of that kind that takes no
 * argument is a mistyped subcommand, and nothing is found.
 */
const struct cmd_entry *
cmd_find(const char *first, const char *second, int *used)
{
	const struct cmd_entry	**e, *one = NULL;

	for (e = cmd_table; *e != NULL; e++) {
		if ((*e)->group == NULL) {
			if (one == NULL && strcmp((*e)->name, first) == 0)
				one = *e;
		} else if (second != NULL && strcmp((*e)->group, first) == 0 &&
		    strcmp((*e)->name, second) == 0) {
			*used = 2;
			return *e;
		}
	}
	if (one != NULL && second != NULL && one->upper == 0 &&
	    cmd_is_group(first))
		return NULL;
	if (one != NULL)
		*used = 1;
	return one;
}

/* "daemon start", or "version". */
static void
cmd_fullname(const struct cmd_entry *e, char *buf, size_t len)
{
	if (e->group != NULL)
		snprintf(buf, len, "%s %s", e->group, e->name);
	else
		snprintf(buf, len, "%s", e->name);
}

/* "profile show [NAME]" with the command's options. */
void
cmd_usage_line(const struct cmd_entry *e, char *buf, size_t len)
{
	char	 name[64];

	cmd_fullname(e, name, sizeof name);
	snprintf(buf, len, "%s%s%s", name, *e->usage != '\0' ? " " : "",
	    e->usage);
}

/* Print the commands, or only those of one group, one per line. */
void
cmd_list(FILE *f, const char *group)
{
	const struct cmd_entry	**e;
	char			 line[128];

	for (e = cmd_table; *e != NULL; e++) {
		if (group != NULL && ((*e)->group == NULL ||
		    strcmp((*e)->group, group) != 0))
			continue;
		cmd_usage_line(*e, line, sizeof line);
		if (strlen(line) > 26)
			fprintf(f, "  %s\n  %-26s %s\n", line, "",
			    (*e)->summary);
		else
			fprintf(f, "  %-26s %s\n", line, (*e)->summary);
	}
}

/*
 * The known command word closest to a mistyped one, or NULL: a command or
 * group name, or with a group, one of its subcommands.
 */
const char *
cmd_suggest(const char *group, const char *word)
{
	const struct cmd_entry	**e;
	const char		*best = NULL, *w;
	size_t			 d, bestd = 3;

	for (e = cmd_table; *e != NULL; e++) {
		if (group == NULL)
			w = (*e)->group != NULL ? (*e)->group : (*e)->name;
		else if ((*e)->group != NULL && strcmp((*e)->group, group) == 0)
			w = (*e)->name;
		else
			continue;
		if ((d = levenshtein(word, w)) < bestd) {
			bestd = d;
			best = w;
		}
	}
	return best;
}
