/* test-query.c -- the log query language: parsing, errors and matching */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logline.h"
#include "query.h"
#include "tap.h"
#include "util.h"

static char	 err[256];
static char	 out[4096];

/* The canonical text of a query, or its error message. */
static const char *
desc(const char *text)
{
	struct query	*q;
	char		*s;

	err[0] = '\0';
	if ((q = query_parse(text, err, sizeof err)) == NULL)
		return err;
	s = query_describe(q);
	snprintf(out, sizeof out, "%s", s);
	free(s);
	query_free(q);
	return out;
}

/* Whether a query matches a record; -1 when it does not parse. */
static int
matches(const char *text, const struct log_rec *rec)
{
	struct query	*q;
	int		 m;

	err[0] = '\0';
	if ((q = query_parse(text, err, sizeof err)) == NULL)
		return -1;
	m = query_match(q, rec);
	query_free(q);
	return m;
}

/* Start a record for a line; no level, no message, no fields. */
static void
rec_init(struct log_rec *rec, const char *line)
{
	memset(rec, 0, sizeof *rec);
	rec->line = line;
	rec->len = strlen(line);
	rec->format = LOG_JSON;
	rec->ts_ms = -1;
}

/* Add a top-level field, as the JSON or logfmt parser would. */
static void
rec_field(struct log_rec *rec, const char *key, const char *val, int quoted)
{
	struct log_field	*f = &rec->fields[rec->nfields++];

	f->key = key;
	f->keylen = strlen(key);
	f->val = val;
	f->vallen = strlen(val);
	f->quoted = quoted;
}

/* Set the level, from whichever key it came. */
static void
rec_level(struct log_rec *rec, const char *key, const char *level)
{
	rec->level = level;
	rec->levellen = strlen(level);
	rec_field(rec, key, level, 1);
}

/* Set the message, from whichever key it came. */
static void
rec_msg(struct log_rec *rec, const char *key, const char *msg)
{
	rec->msg = msg;
	rec->msglen = strlen(msg);
	rec->msg_quoted = 1;
	rec_field(rec, key, msg, 1);
}

/* Each construct, written back in canonical form. */
static void
test_describe(void)
{
	is_string(desc("level:ERROR AND \"timeout\""),
	    "(level:error AND \"timeout\")", "field AND quoted text");
	is_string(desc("timeout"), "\"timeout\"", "a word is free text");
	is_string(desc("a b c"), "(\"a\" AND \"b\" AND \"c\")",
	    "juxtaposition is AND");
	is_string(desc("a AND b AND c"), "(\"a\" AND \"b\" AND \"c\")",
	    "AND chains into one node");
	is_string(desc("a AND (b AND c)"), "(\"a\" AND \"b\" AND \"c\")",
	    "nested AND is flattened");
	is_string(desc("a OR b OR c"), "(\"a\" OR \"b\" OR \"c\")", "OR chain");
	is_string(desc("a OR b AND c"), "(\"a\" OR (\"b\" AND \"c\"))",
	    "AND binds tighter than OR");
	is_string(desc("a AND b OR c"), "((\"a\" AND \"b\") OR \"c\")",
	    "AND binds tighter than OR, left");
	is_string(desc("a b OR c d"),
	    "((\"a\" AND \"b\") OR (\"c\" AND \"d\"))",
	    "implicit AND binds tighter than OR");
	is_string(desc("(a OR b) c"), "((\"a\" OR \"b\") AND \"c\")",
	    "parentheses group");
	is_string(desc("((a))"), "\"a\"", "redundant parentheses vanish");
	is_string(desc("(a OR (b AND (c OR d)))"),
	    "(\"a\" OR (\"b\" AND (\"c\" OR \"d\")))", "nested parentheses");
	is_string(desc("a(b)"), "(\"a\" AND \"b\")",
	    "a parenthesis ends a word");
	is_string(desc("foo\"bar\""), "(\"foo\" AND \"bar\")",
	    "a quote ends a word");
	is_string(desc("NOT a"), "NOT \"a\"", "NOT");
	is_string(desc("-a"), "NOT \"a\"", "- is NOT");
	is_string(desc("NOT NOT a"), "NOT NOT \"a\"", "NOT NOT");
	is_string(desc("-level:debug"), "NOT level:debug", "- before a field");
	is_string(desc("NOT a OR b"), "(NOT \"a\" OR \"b\")",
	    "NOT binds tighter than OR");
	is_string(desc("NOT a b"), "(NOT \"a\" AND \"b\")",
	    "NOT binds tighter than AND");
	is_string(desc("NOT (a OR b)"), "NOT (\"a\" OR \"b\")", "NOT a group");
	is_string(desc("a-b"), "\"a-b\"", "a - inside a word is a letter");
	is_string(desc("a and b or not c"),
	    "(\"a\" AND \"and\" AND \"b\" AND \"or\" AND \"not\" AND \"c\")",
	    "lower case operators are words");
	is_string(desc("NOTE ORDER ANDROID"),
	    "(\"note\" AND \"order\" AND \"android\")",
	    "words starting with operators");
	is_string(desc("\"upstream timed out\""), "\"upstream timed out\"",
	    "quoted text with spaces");
	is_string(desc("\"say \\\"hi\\\" \\\\ now\""),
	    "\"say \\\"hi\\\" \\\\ now\"", "escaped quote and backslash");
	is_string(desc("\"C:\\path\""), "\"c:\\\\path\"",
	    "other backslashes are kept");
	is_string(desc("\"NOT\""), "\"not\"", "a quoted operator is text");
	is_string(desc("\"\""), "\"\"", "empty quoted text");
}

/* Fields, aliases, groups, wildcards and numbers. */
static void
test_describe_fields(void)
{
	is_string(desc("lvl:warn"), "level:warn", "lvl is level");
	is_string(desc("severity:warn"), "level:warn", "severity is level");
	is_string(desc("SEVERITY:warn"), "level:warn", "aliases ignore case");
	is_string(desc("svc:api"), "service:api", "svc is service");
	is_string(desc("app:api"), "service:api", "app is service");
	is_string(desc("msg:hello"), "message:hello", "msg is message");
	is_string(desc("Host:WEB1"), "Host:web1",
	    "other keys are kept exactly, values fold");
	is_string(desc("level:\"two words\""), "level:\"two words\"",
	    "quoted value");
	is_string(desc("url:http://x/y"), "url:http://x/y",
	    "a value may hold ':'");
	is_string(desc("temp:-5"), "temp:-5", "a value may start with -");
	is_string(desc("svc:pay*"), "service:pay*", "prefix wildcard");
	is_string(desc("msg:*timeout*"), "message:*timeout*",
	    "wildcards around a message");
	is_string(desc("svc:a**b"), "service:a*b", "stars collapse");
	is_string(desc("svc:\"pay*\""), "service:\"pay*\"",
	    "a quoted star is a letter");
	is_string(desc("svc:*"), "service:*", "field:* means exists");
	is_string(desc("svc:**"), "service:*", "field:** means exists");
	is_string(desc("*"), "*", "* alone");
	is_string(desc(""), "*", "empty query matches all");
	is_string(desc("  \t "), "*", "blank query matches all");
	is_string(desc("time*out"), "time*out", "wildcard in free text");
	is_string(desc("*timeout*"), "\"timeout\"",
	    "outer stars of free text mean nothing");
	is_string(desc("**"), "*", "stars alone match all");
	is_string(desc("*-x*y"), "*-x*y", "a glob starting with - keeps its *");
	is_string(desc("latency_ms:>1000"), "latency_ms:>1000", ">");
	is_string(desc("latency_ms:>=1000"), "latency_ms:>=1000", ">=");
	is_string(desc("latency_ms:<1e3"), "latency_ms:<1e3", "<");
	is_string(desc("latency_ms:<=-1.5"), "latency_ms:<=-1.5", "<=");
	is_string(desc("level:(error OR warn)"),
	    "(level:error OR level:warn)", "field group with OR");
	is_string(desc("svc:(api AND NOT web)"),
	    "(service:api AND NOT service:web)", "field group with AND NOT");
	is_string(desc("svc:(api web)"), "(service:api AND service:web)",
	    "field group with juxtaposition");
	is_string(desc("status:(>=500 <600)"),
	    "(status:>=500 AND status:<600)", "field group of comparisons");
	is_string(desc("lvl:(error OR (warn AND \"x y\"))"),
	    "(level:error OR (level:warn AND level:\"x y\"))",
	    "parentheses inside a field group");
	is_string(desc("url:(http://a OR b:c)"),
	    "(url:http://a OR url:b:c)",
	    "':' inside a field group is a letter");
	is_string(desc("level:error -svc:(api OR web) timeout"),
	    "(level:error AND NOT (service:api OR service:web) AND "
	    "\"timeout\")", "a mixed query");
}

/* Every error names what is wrong and the column where. */
static void
test_errors(void)
{
	is_string(desc("(a OR b"),
	    "query: unbalanced parenthesis at column 1", "unclosed (");
	is_string(desc("level:error AND (a OR b"),
	    "query: unbalanced parenthesis at column 17", "unclosed ( later");
	is_string(desc("(a AND b) OR c)"),
	    "query: unbalanced parenthesis at column 15", "stray )");
	is_string(desc(")"), "query: unbalanced parenthesis at column 1",
	    "lone )");
	is_string(desc("("), "query: unbalanced parenthesis at column 1",
	    "lone (");
	is_string(desc("()"), "query: empty parentheses at column 1",
	    "empty parentheses");
	is_string(desc("level:ERROR AND "),
	    "query: expected a term after AND at column 17",
	    "nothing after AND");
	is_string(desc("level:ERROR AND ) x"),
	    "query: expected a term after AND at column 17",
	    ") after AND");
	is_string(desc("a OR"), "query: expected a term after OR at column 5",
	    "nothing after OR");
	is_string(desc("a OR OR b"),
	    "query: expected a term after OR at column 6", "OR OR");
	is_string(desc("a OR AND b"),
	    "query: expected a term after OR at column 6", "OR AND");
	is_string(desc("NOT"), "query: expected a term after NOT at column 4",
	    "nothing after NOT");
	is_string(desc("a -"), "query: expected a term after - at column 4",
	    "nothing after -");
	is_string(desc("a - b"), "query: expected a term after - at column 4",
	    "- must touch its term");
	is_string(desc("AND a"),
	    "query: expected a term before AND at column 1", "leading AND");
	is_string(desc("OR a"),
	    "query: expected a term before OR at column 1", "leading OR");
	is_string(desc("a \"bc"), "query: unterminated quote at column 3",
	    "unterminated quote");
	is_string(desc("\"a\\\""), "query: unterminated quote at column 1",
	    "an escaped quote does not close");
	is_string(desc("level:\"err"),
	    "query: unterminated quote at column 7", "unterminated value");
	is_string(desc("level:"),
	    "query: expected a value after ':' at column 7", "no value");
	is_string(desc("level: error"),
	    "query: expected a value after ':' at column 7",
	    "a blank after ':'");
	is_string(desc("(level:)"),
	    "query: expected a value after ':' at column 8", ") after ':'");
	is_string(desc(":x"),
	    "query: expected a field name before ':' at column 1",
	    "no field name");
	is_string(desc("a :x"),
	    "query: expected a field name before ':' at column 3",
	    "no field name later");
	is_string(desc("n:>abc"),
	    "query: expected a number after > at column 4", "> word");
	is_string(desc("n:>="),
	    "query: expected a number after >= at column 5", ">= nothing");
	is_string(desc("n:< 5"),
	    "query: expected a number after < at column 4", "< blank");
	is_string(desc("n:<=nan"),
	    "query: expected a number after <= at column 5", "<= nan");
	is_string(desc("n:>inf"),
	    "query: expected a number after > at column 4", "> inf");
	is_string(desc("level:(error"),
	    "query: unbalanced parenthesis at column 7", "unclosed group");
	is_string(desc("level:("),
	    "query: unbalanced parenthesis at column 7", "lone group (");
	is_string(desc("level:()"),
	    "query: empty parentheses at column 7", "empty group");
	is_string(desc("level:(error OR)"),
	    "query: expected a term after OR at column 16",
	    "nothing after OR in a group");
	is_string(desc("level:(error) )"),
	    "query: unbalanced parenthesis at column 15",
	    "stray ) after a group");
	ok(query_parse("(", NULL, 0) == NULL, "no error buffer is fine");
}

/* Nesting and term limits fail cleanly, never by running out of stack. */
static void
test_limits(void)
{
	char	*s;
	size_t	 i, n;

	s = malloc(200000);
	for (n = 0, i = 0; i < QUERY_MAXDEPTH; i++)
		s[n++] = '(';
	s[n++] = 'a';
	for (i = 0; i < QUERY_MAXDEPTH; i++)
		s[n++] = ')';
	s[n] = '\0';
	is_string(desc(s), "\"a\"", "64 nested parentheses");

	for (n = 0, i = 0; i <= QUERY_MAXDEPTH; i++)
		s[n++] = '(';
	s[n++] = 'a';
	for (i = 0; i <= QUERY_MAXDEPTH; i++)
		s[n++] = ')';
	s[n] = '\0';
	is_string(desc(s), "query: nesting deeper than 64 at column 65",
	    "65 nested parentheses");

	for (n = 0, i = 0; i < QUERY_MAXDEPTH; i++)
		n += snprintf(s + n, 8, "NOT ");
	snprintf(s + n, 8, "a");
	ok(strncmp(desc(s), "NOT NOT ", 8) == 0, "64 NOTs");
	for (n = 0, i = 0; i <= QUERY_MAXDEPTH; i++)
		s[n++] = '-';
	snprintf(s + n, 8, "a");
	is_string(desc(s), "query: nesting deeper than 64 at column 65",
	    "65 -s");

	for (n = 0, i = 0; i < 100000; i++)
		s[n++] = '(';
	s[n] = '\0';
	is_string(desc(s), "query: nesting deeper than 64 at column 65",
	    "100000 ( fail early");

	for (n = 0, i = 0; i < 60; i++)
		n += snprintf(s + n, 16, "(NOT ");
	snprintf(s + n, 8, "a");
	is_string(desc(s), "query: nesting deeper than 64 at column 161",
	    "parentheses and NOT count together");

	for (n = 0, i = 0; i < QUERY_MAXTERMS; i++)
		n += snprintf(s + n, 16, "%sw%zu", i ? " OR " : "", i);
	s[n] = '\0';
	ok(desc(s)[0] == '(', "256 terms");
	snprintf(s + n, 16, " x");
	like(desc(s), "query: more than 256 terms at column ", "257 terms");
	is_string(desc(s) + strlen("query: more than 256 terms at column "),
	    "1936", "the column of the 257th term");

	for (n = 0, i = 0; i < QUERY_MAXTERMS; i++)
		n += snprintf(s + n, 16, "%s%zu", i ? " OR " : "f:(", i);
	snprintf(s + n, 16, " OR x)");
	like(desc(s), "query: more than 256 terms at column ",
	    "values in a field group count as terms");
	free(s);
}

/* Matching against hand-built records. */
static void
test_match(void)
{
	struct log_rec	 r1, r2, r3, r4, r5, r6;
	char		*big;

	rec_init(&r1, "{\"level\":\"error\",\"msg\":\"upstream timeout\","
	    "\"service\":\"payments\",\"status\":503,\"latency_ms\":1500}");
	rec_level(&r1, "level", "error");
	rec_msg(&r1, "msg", "upstream timeout");
	rec_field(&r1, "service", "payments", 1);
	rec_field(&r1, "status", "503", 0);
	rec_field(&r1, "latency_ms", "1500", 0);

	rec_init(&r2, "{\"severity\":\"INFO\",\"message\":\"timeout\"}");
	rec_level(&r2, "severity", "INFO");
	rec_msg(&r2, "message", "timeout");

	rec_init(&r3, "GET /health 200 OK");
	r3.format = LOG_TEXT;

	rec_init(&r4, "{\"msg\":\"said \\\"hi\\\" to C:\\\\tmp\","
	    "\"user\":\"J\\u00f6rg\"}");
	rec_msg(&r4, "msg", "said \\\"hi\\\" to C:\\\\tmp");
	rec_field(&r4, "user", "Bob \\\"the\\\" Builder", 1);

	rec_init(&r5, "{\"level\":50,\"msg\":\"boom\",\"svc\":\"pay*\"}");
	r5.level = "50";
	r5.levellen = 2;
	rec_field(&r5, "level", "50", 0);
	rec_msg(&r5, "msg", "boom");
	rec_field(&r5, "service", "pay*", 1);

	is_int(matches("level:ERROR AND \"timeout\"", &r1), 1,
	    "level:ERROR AND \"timeout\" matches an error timeout");
	is_int(matches("level:ERROR AND \"timeout\"", &r2), 0,
	    "... and not an info timeout");
	is_int(matches("timeout", &r1), 1, "free text in the message");
	is_int(matches("TIMEOUT", &r2), 1, "free text ignores case");
	is_int(matches("UPSTREAM timeout", &r1), 1, "two words");
	is_int(matches("\"upstream timeout\"", &r1), 1, "a quoted phrase");
	is_int(matches("\"timeout upstream\"", &r1), 0, "phrase order counts");
	is_int(matches("payments", &r1), 0,
	    "free text looks at the message, not other fields");
	is_int(matches("level:info", &r2), 1,
	    "level from severity, any case");
	is_int(matches("lvl:err", &r1), 0, "level compares whole values");
	is_int(matches("lvl:err*", &r1), 1, "level with a wildcard");
	is_int(matches("NOT level:error", &r1), 0, "NOT, false");
	is_int(matches("NOT level:error", &r2), 1, "NOT, true");
	is_int(matches("-timeout", &r1), 0, "- text");
	is_int(matches("upstream -retry", &r1), 1, "text -text");
	is_int(matches("svc:pay*", &r1), 1, "service prefix");
	is_int(matches("svc:PAYMENTS", &r1), 1, "service value ignores case");
	is_int(matches("app:payments", &r1), 1, "app alias");
	is_int(matches("service:pay", &r1), 0, "a value is not a prefix");
	is_int(matches("svc:*ments", &r1), 1, "suffix wildcard");
	is_int(matches("svc:p*y*s", &r1), 1, "inner wildcards");
	is_int(matches("svc:p*x*s", &r1), 0, "inner wildcards, no match");
	is_int(matches("svc:pay*ments*", &r1), 1, "trailing * matches empty");
	is_int(matches("svc:payments*s", &r1), 0,
	    "pieces may not overlap");
	is_int(matches("service:*", &r1), 1, "field exists");
	is_int(matches("service:*", &r2), 0, "field missing");
	is_int(matches("level:*", &r3), 0, "no level");
	is_int(matches("msg:*", &r3), 0, "no message");
	is_int(matches("msg:timeout", &r1), 1, "message value is a substring");
	is_int(matches("msg:*timeout", &r1), 1, "message suffix glob");
	is_int(matches("msg:timeout*", &r1), 0, "message glob is anchored");
	is_int(matches("msg:\"upstream timeout\"", &r1), 1, "message phrase");
	is_int(matches("status:503", &r1), 1, "number as a value");
	is_int(matches("status:>500", &r1), 1, ">");
	is_int(matches("status:>503", &r1), 0, "> equal");
	is_int(matches("status:>=503", &r1), 1, ">= equal");
	is_int(matches("status:<503", &r1), 0, "< equal");
	is_int(matches("status:<=503", &r1), 1, "<= equal");
	is_int(matches("latency_ms:>1000", &r1), 1, "latency over 1000");
	is_int(matches("latency_ms:>1e4", &r1), 0, "exponent");
	is_int(matches("service:>1", &r1), 0, "text is not a number");
	is_int(matches("nothere:>1", &r1), 0, "a missing field is no number");
	is_int(matches("status:(500 OR 503)", &r1), 1, "group OR");
	is_int(matches("status:(>=500 <600)", &r1), 1, "group range");
	is_int(matches("status:(>=500 AND NOT 503)", &r1), 0,
	    "group AND NOT");
	is_int(matches("level:>=50", &r5), 1, "numeric level");
	is_int(matches("level:>=50", &r1), 0, "non-numeric level");
	is_int(matches("svc:\"pay*\"", &r1), 0, "quoted star is literal");
	is_int(matches("svc:\"pay*\"", &r5), 1, "quoted star matches a star");
	is_int(matches("nomatch OR upstream AND timeout", &r1), 1,
	    "precedence: a OR (b AND c)");
	is_int(matches("upstream OR nomatch AND zzz", &r1), 1,
	    "precedence: AND first");
	is_int(matches("(upstream OR nomatch) AND zzz", &r1), 0,
	    "parentheses change it");
	is_int(matches("time*out", &r1), 1, "free text glob");
	is_int(matches("out*time", &r1), 0, "free text glob keeps order");
	is_int(matches("GET", &r3), 1, "no message: the whole line");
	is_int(matches("/health", &r3), 1, "needle starting with /");
	is_int(matches("\"200 ok\"", &r3), 1, "phrase at the end of the line");
	is_int(matches("ok!", &r3), 0, "needle past the end");
	is_int(matches("msg:get", &r3), 0, "message: needs a message");
	is_int(matches("*", &r3), 1, "* matches all");
	is_int(matches("", &r3), 1, "empty query matches all");
	is_int(matches("-*", &r3), 0, "NOT * matches nothing");
	is_int(matches("\"said \\\"hi\\\"\"", &r4), 1,
	    "escaped message is unescaped before matching");
	is_int(matches("\"c:\\\\tmp\"", &r4), 1, "escaped backslash");
	is_int(matches("user:\"bob \\\"the\\\" builder\"", &r4), 1,
	    "escaped field value");
	ok(query_match(NULL, &r1) == 1, "a NULL query matches all");

	/* A long escaped message is cut, not overflowed. */
	big = malloc(20000);
	memset(big, 'x', 19990);
	memcpy(big + 19990, "\\\"end", 6);
	rec_init(&r6, big);
	rec_msg(&r6, "msg", big);
	is_int(matches("xxxx", &r6), 1, "long escaped message");
	is_int(matches("end", &r6), 0, "text past the buffer is cut");
	r6.msg_quoted = 0;
	is_int(matches("end", &r6), 1, "unescaped message is used whole");
	free(big);
}

/* Whether a query matches a line as log_parse reads it. */
static int
matches_line(const char *text, const char *line)
{
	struct log_rec	 rec;

	log_parse(line, strlen(line), LOG_AUTO, &rec);
	return matches(text, &rec);
}

/* Real lines through log_parse: JSON, logfmt and plain text. */
static void
test_match_parsed(void)
{
	const char	*json = "{\"ts\":\"2024-05-01T10:00:00Z\","
	    "\"level\":\"ERROR\",\"msg\":\"upstream \\\"timeout\\\"\","
	    "\"service\":\"payments\",\"status\":503}";
	const char	*logfmt = "level=warn msg=\"disk almost full\" "
	    "svc=api used_pct=91.5";
	const char	*text = "2024-05-01 10:00:00 ERROR upstream timeout";

	is_int(matches_line("level:error AND \"\\\"timeout\\\"\"", json), 1,
	    "JSON: level and an escaped quote in the message");
	is_int(matches_line("svc:payments status:>=500", json), 1,
	    "JSON: service and a number");
	is_int(matches_line("payments", json), 0,
	    "JSON: free text stays in the message");
	is_int(matches_line("lvl:warn \"almost full\"", logfmt), 1,
	    "logfmt: level and a phrase");
	is_int(matches_line("used_pct:>90 -svc:web", logfmt), 1,
	    "logfmt: a number and a NOT");
	is_int(matches_line("msg:\"disk*\"", logfmt), 0,
	    "logfmt: a quoted star is literal");
	is_int(matches_line("timeout", text), 1, "text: free text");
	is_int(matches_line("level:error", text), 1, "text: a level word");
}

/* Describing a query and parsing that gives the same query again. */
static void
test_round_trip(void)
{
	static const char	*queries[] = {
		"level:ERROR AND \"timeout\"",
		"a OR b AND NOT (c OR d:(e OR >5)) -f",
		"svc:pay* msg:*time*out* \"quo\\\"te\" x*y",
		"url:\"a b\" k:\"<5\" k:\"-x\" k:\"\\\\\"",
		"NOT NOT *",
	};
	struct query	*q, *q2;
	char		*s, *s2;
	size_t		 i;

	for (i = 0; i < nitems(queries); i++) {
		q = query_parse(queries[i], err, sizeof err);
		s = query_describe(q);
		q2 = query_parse(s, err, sizeof err);
		s2 = query_describe(q2);
		is_string(s2, s, "round trip of %s", s);
		free(s);
		free(s2);
		query_free(q);
		query_free(q2);
	}
}

int
main(void)
{
	plan_lazy();
	test_describe();
	test_describe_fields();
	test_errors();
	test_limits();
	test_match();
	test_match_parsed();
	test_round_trip();
	return done_testing();
}
