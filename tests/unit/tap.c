/* tap.c -- a small Test Anything Protocol writer for the C unit tests */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

static int	tap_count;
static int	tap_failed;

/* The plan is printed at the end, by done_testing. */
void
plan_lazy(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

/* Print one result line. */
static int __attribute__((format(printf, 2, 0)))
vresult(int pass, const char *fmt, va_list ap)
{
	tap_count++;
	if (!pass)
		tap_failed++;
	printf("%sok %d - ", pass ? "" : "not ", tap_count);
	vprintf(fmt, ap);
	putchar('\n');
	return pass;
}

/* Pass when cond is true. */
int
ok(int cond, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vresult(cond, fmt, ap);
	va_end(ap);
	return cond;
}

/* Pass when two integers are equal. */
int
is_int(long long got, long long want, const char *fmt, ...)
{
	va_list	 ap;
	int	 pass = got == want;

	va_start(ap, fmt);
	vresult(pass, fmt, ap);
	va_end(ap);
	if (!pass)
		diag("got %lld, want %lld", got, want);
	return pass;
}

/* Pass when two strings are equal; NULL equals only NULL. */
int
is_string(const char *got, const char *want, const char *fmt, ...)
{
	va_list	 ap;
	int	 pass;

	pass = (got == NULL || want == NULL) ? got == want : strcmp(got, want) == 0;
	va_start(ap, fmt);
	vresult(pass, fmt, ap);
	va_end(ap);
	if (!pass)
		diag("got \"%s\", want \"%s\"", got ? got : "(null)",
		    want ? want : "(null)");
	return pass;
}

/* Pass when got contains the substring want. */
int
like(const char *got, const char *want, const char *fmt, ...)
{
	va_list	 ap;
	int	 pass = got != NULL && strstr(got, want) != NULL;

	va_start(ap, fmt);
	vresult(pass, fmt, ap);
	va_end(ap);
	if (!pass)
		diag("got \"%s\", want it to contain \"%s\"",
		    got ? got : "(null)", want);
	return pass;
}

/* Print a comment line. */
void
diag(const char *fmt, ...)
{
	va_list	 ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Print the plan; the exit status says whether anything failed. */
int
done_testing(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed == 0 ? 0 : 1;
}
