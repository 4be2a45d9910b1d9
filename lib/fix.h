/* fix.h -- proposed fixes: diffs checked against a repository, kept for review */
#ifndef TINKR_FIX_H
#define TINKR_FIX_H

#include <sys/types.h>

#include <stddef.h>

#include <jansson.h>

#define FIX_DIFF_MAX		(1024 * 1024)
#define FIX_GIT_TIMEOUT_MS	5000

/* fix.c */
pid_t	 fix_git_start(const char *, const char *, int, int *, char *,
	     size_t);
int	 fix_git_judge(int, int, int, char *, size_t);
void	 fix_new_id(char *, size_t);
int	 fix_save(const char *, json_t *, char *, size_t);
json_t	*fix_load(const char *, const char *);
json_t	*fix_list(const char *);

#endif
