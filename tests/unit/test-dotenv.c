/* test-dotenv.c -- the .env file of secrets, as a user writes it */

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dotenv.h"
#include "tap.h"

static char	 err[1024];

/* Parse text as /cfg/.env; NULL and err on failure. */
static struct dotenv *
parse(const char *text)
{
	err[0] = '\0';
	return dotenv_parse("/cfg/.env", text, strlen(text), err, sizeof err);
}

/* The error text gives, or "(parsed)". */
static const char *
error_of(const char *text)
{
	struct dotenv	*de;

	if ((de = parse(text)) == NULL)
		return err;
	dotenv_free(de);
	return "(parsed)";
}

/* Values, quoting, comments and the reference page's lines. */
static void
test_values(void)
{
	struct dotenv	*de;

	de = parse("# secrets for tinkr\n"
	    "\n"
	    "PAGERDUTY_WEBHOOK_URL=https://events.pagerduty.com/integration/"
	    "XXXX/enqueue\n"
	    "PAGERDUTY_API_KEY=Token token=XXXX\n"
	    "export OPSGENIE_API_KEY=GenieKey XXXX\n"
	    "  SPACED =   padded value   \n"
	    "DQ=\"line one\\nline \\\"two\\\" \\\\ end\"\n"
	    "SQ='no \\n escapes ; here'\n"
	    "HASH=value #comment\n"
	    "TABHASH=value\t# comment\n"
	    "NOSPACE=abc#def\n"
	    "QUOTEDHASH=\"a # b\"   # trailing comment\n"
	    "EMPTY=\n"
	    "CRLF=windows\r\n"
	    "_under_score1=ok\n"
	    "DUP=first\n"
	    "DUP=second\n"
	    "export=plain name\n"
	    "LAST=no newline");
	ok(de != NULL, "a .env with every form parses");
	if (de == NULL) {
		diag("%s", err);
		return;
	}
	is_string(dotenv_get(de, "PAGERDUTY_WEBHOOK_URL"),
	    "https://events.pagerduty.com/integration/XXXX/enqueue",
	    "URL value");
	is_string(dotenv_get(de, "PAGERDUTY_API_KEY"), "Token token=XXXX",
	    "an unquoted value keeps everything after the first '='");
	is_string(dotenv_get(de, "OPSGENIE_API_KEY"), "GenieKey XXXX",
	    "export prefix");
	is_string(dotenv_get(de, "SPACED"), "padded value", "blanks trimmed");
	is_string(dotenv_get(de, "DQ"), "line one\nline \"two\" \\ end",
	    "double-quoted escapes");
	is_string(dotenv_get(de, "SQ"), "no \\n escapes ; here",
	    "single-quoted values are literal");
	is_string(dotenv_get(de, "HASH"), "value", "' #comment' stripped");
	is_string(dotenv_get(de, "TABHASH"), "value", "tab then # stripped");
	is_string(dotenv_get(de, "NOSPACE"), "abc#def", "# without a blank "
	    "before it is kept");
	is_string(dotenv_get(de, "QUOTEDHASH"), "a # b", "# inside quotes is "
	    "kept");
	is_string(dotenv_get(de, "EMPTY"), "", "empty value");
	is_string(dotenv_get(de, "CRLF"), "windows", "CRLF stripped");
	is_string(dotenv_get(de, "_under_score1"), "ok", "underscore name");
	is_string(dotenv_get(de, "DUP"), "second", "the later line wins");
	is_string(dotenv_get(de, "export"), "plain name", "a variable called "
	    "export");
	is_string(dotenv_get(de, "LAST"), "no newline", "missing final "
	    "newline");
	ok(dotenv_get(de, "MISSING") == NULL, "a missing name is NULL");
	ok(dotenv_get(NULL, "X") == NULL, "no file: NULL");
	is_string(de->path, "/cfg/.env", "path kept");
	dotenv_free(de);
}

/* Malformed lines: path:LINE and never the value. */
static void
test_errors(void)
{
	is_string(error_of("# ok\nPAGERDUTY_API_KEY\n"),
	    "/cfg/.env:2: expected NAME=value", "no '='");
	is_string(error_of("1BAD=x\n"), "/cfg/.env:1: expected NAME=value",
	    "name starting with a digit");
	is_string(error_of("BAD-NAME=x\n"), "/cfg/.env:1: expected NAME=value",
	    "name with a dash");
	is_string(error_of("=value\n"), "/cfg/.env:1: expected NAME=value",
	    "no name");
	is_string(error_of("A=1\nexport\n"), "/cfg/.env:2: expected NAME=value",
	    "export alone");
	is_string(error_of("KEY=\"s3cret\n"),
	    "/cfg/.env:1: missing closing quote in the value of KEY",
	    "unterminated double quote");
	is_string(error_of("KEY='s3cret\n"),
	    "/cfg/.env:1: missing closing quote in the value of KEY",
	    "unterminated single quote");
	is_string(error_of("KEY=\"s3cret\" extra\n"),
	    "/cfg/.env:1: unexpected text after the quoted value of KEY",
	    "text after the closing quote");
	ok(strstr(err, "s3cret") == NULL, "the value is not in the message");
	err[0] = '\0';
	ok(dotenv_parse("/cfg/.env", "A=1\nB=x\0y\n", 10, err,
	    sizeof err) == NULL, "a NUL byte fails");
	is_string(err, "/cfg/.env:2: NUL byte in the file", "NUL byte error");
}

/* Reading files: missing is fine, modes are reported. */
static void
test_load(void)
{
	struct dotenv	*de = NULL;
	char		 dir[] = "/tmp/tinkr-test-dotenv-XXXXXX", path[128];
	FILE		*f;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof path, "%s/.env", dir);
	ok(dotenv_load(path, &de, err, sizeof err) == 0 && de == NULL,
	    "a missing .env is not an error");
	if ((f = fopen(path, "w")) != NULL) {
		fputs("A=1\n", f);
		fclose(f);
	}
	chmod(path, 0600);
	ok(dotenv_load(path, &de, err, sizeof err) == 0 && de != NULL,
	    "a .env loads");
	is_string(dotenv_get(de, "A"), "1", "its value");
	ok(de != NULL && !de->exposed, "0600 is not exposed");
	dotenv_free(de);
	chmod(path, 0640);
	dotenv_load(path, &de, err, sizeof err);
	ok(de != NULL && de->exposed, "0640 is exposed to the group");
	dotenv_free(de);
	chmod(path, 0604);
	dotenv_load(path, &de, err, sizeof err);
	ok(de != NULL && de->exposed, "0604 is exposed to others");
	dotenv_free(de);
	unlink(path);
	mkdir(path, 0700);
	ok(dotenv_load(path, &de, err, sizeof err) == -1 && de == NULL,
	    "a directory called .env fails");
	rmdir(path);
	rmdir(dir);
}

/* Variable names. */
static void
test_names(void)
{
	ok(dotenv_name_valid("PAGERDUTY_API_KEY", 17), "upper case name");
	ok(dotenv_name_valid("_x9", 3), "underscore first");
	ok(!dotenv_name_valid("9x", 2), "digit first");
	ok(!dotenv_name_valid("A-B", 3), "dash");
	ok(!dotenv_name_valid("", 0), "empty");
	ok(dotenv_name_valid("AB-", 2), "length is honoured");
}

/* Run every .env test. */
int
main(void)
{
	plan_lazy();
	test_values();
	test_errors();
	test_load();
	test_names();
	return done_testing();
}
