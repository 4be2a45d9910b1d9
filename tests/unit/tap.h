/* tap.h -- a small Test Anything Protocol writer for the C unit tests */
#ifndef TINKR_TAP_H
#define TINKR_TAP_H

/* tap.c */
void	plan_lazy(void);
int	ok(int, const char *, ...) __attribute__((format(printf, 2, 3)));
int	is_int(long long, long long, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
int	is_string(const char *, const char *, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
int	like(const char *, const char *, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	diag(const char *, ...) __attribute__((format(printf, 1, 2)));
int	done_testing(void);

#endif
