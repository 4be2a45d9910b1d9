/* test-logline.c -- log lines in every format, as services write them */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logline.h"
#include "tap.h"

/* 2026-04-07T14:01:03Z in milliseconds. */
#define T0	1775570463000LL

static struct log_rec	 rec;

/* Parse a NUL-terminated line. */
static int
parse(const char *line, enum log_format fmt)
{
	return log_parse(line, strlen(line), fmt, &rec);
}

/* A slice of the line as a string, "(null)" for NULL; one at a time. */
static const char *
slice(const char *p, size_t n)
{
	static char	 buf[4][256];
	static int	 which;
	char		*s = buf[which++ % 4];

	if (p == NULL)
		return NULL;
	if (n >= sizeof buf[0])
		n = sizeof buf[0] - 1;
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* The level of the last parsed line. */
static const char *
level(void)
{
	return slice(rec.level, rec.levellen);
}

/* The raw message of the last parsed line. */
static const char *
msg(void)
{
	return slice(rec.msg, rec.msglen);
}

/* The raw value of a field of the last parsed line, NULL if none. */
static const char *
field(const char *name)
{
	const struct log_field	*f;

	if ((f = log_field_get(&rec, name)) == NULL)
		return NULL;
	return slice(f->val, f->vallen);
}

/* A field's value read as a number, or -12345 when it is none. */
static double
number(const char *name)
{
	double	 d;

	if (log_field_number(log_field_get(&rec, name), &d) == -1)
		return -12345;
	return d;
}

/* log_parse_time on a C string, -2 when it refuses. */
static long long
ptime(const char *s)
{
	long long	 ms = -2;

	if (log_parse_time(s, strlen(s), &ms) == -1)
		return -2;
	return ms;
}

/* A JSON line with every usual part. */
static void
test_json_basic(void)
{
	const struct log_field	*f;

	is_int(parse("{\"ts\": \"2026-04-07T14:01:03.123Z\", \"level\": "
	    "\"error\", \"service\": \"payments-api\", \"msg\": \"card "
	    "authorization timed out\", \"latency_ms\": 1234.5, \"status\": "
	    "504, \"path\": \"/v1/charges\"}", LOG_AUTO), 0, "json parses");
	is_int(rec.format, LOG_JSON, "auto picks json");
	is_int(rec.ts_ms, T0 + 123, "ts with milliseconds");
	is_string(level(), "error", "level");
	is_int(rec.is_error, 1, "error level is an error");
	is_string(msg(), "card authorization timed out", "msg");
	is_int(rec.msg_quoted, 0, "msg without escapes is not quoted");
	is_int(rec.nfields, 7, "seven fields");
	is_string(slice(rec.fields[0].key, rec.fields[0].keylen), "ts",
	    "fields in line order: first");
	is_string(slice(rec.fields[6].key, rec.fields[6].keylen), "path",
	    "fields in line order: last");
	ok(number("latency_ms") == 1234.5, "latency_ms as a number");
	ok(number("status") == 504, "status as a number");
	ok(number("service") == -12345, "a word is no number");
	is_string(field("path"), "/v1/charges", "string value inside quotes");
	ok(log_field_get(&rec, "nope") == NULL, "missing field is NULL");
	ok(log_field_get(&rec, "late") == NULL, "prefix of a key is no match");
	f = log_field_get(&rec, "service");
	ok(f != NULL && log_field_is_string(f), "a string is a string");
	f = log_field_get(&rec, "status");
	ok(f != NULL && !log_field_is_string(f), "a number is no string");

	is_int(parse("{\"level\":\"info\",\"msg\":\"ok\"}", LOG_JSON), 0,
	    "compact json");
	is_int(rec.is_error, 0, "info is no error");
	is_int(rec.ts_ms, -1, "no ts: -1");
	is_int(parse("  {  \"a\" : 1 ,\t\"b\" :\"x\"  }  ", LOG_AUTO), 0,
	    "json with spaces around everything");
	is_string(field("b"), "x", "value after spaces");
	is_int(parse("{}", LOG_AUTO), 0, "empty object");
	is_int(rec.nfields, 0, "empty object has no fields");
	is_int(parse("{\"msg\": \"x\"}\r", LOG_AUTO), 0, "trailing CR");
	is_int(rec.len, 12, "CR is stripped from len");
}

/* Every key alias for time, level and message. */
static void
test_json_aliases(void)
{
	is_int(parse("{\"timestamp\": \"2026-04-07T14:01:03Z\", \"severity\": "
	    "\"ERROR\", \"message\": \"m\"}", LOG_JSON), 0,
	    "timestamp/severity/message");
	ok(rec.ts_ms == T0 && rec.is_error && strcmp(msg(), "m") == 0,
	    "timestamp, severity and message are used");
	is_int(parse("{\"time\": \"2026-04-07T14:01:03Z\", \"lvl\": \"crit\"}",
	    LOG_JSON), 0, "time/lvl");
	ok(rec.ts_ms == T0 && rec.is_error, "time and lvl are used");
	is_int(parse("{\"@timestamp\": \"2026-04-07T14:01:03Z\", "
	    "\"log.level\": \"fatal\"}", LOG_JSON), 0, "@timestamp/log.level");
	ok(rec.ts_ms == T0 && rec.is_error, "@timestamp and log.level used");
	is_string(level(), "fatal", "literal log.level key");
	is_int(parse("{\"@timestamp\": \"2026-04-07T14:01:03Z\", \"log\": "
	    "{\"logger\": \"app\", \"level\": \"error\"}, \"message\": \"x\"}",
	    LOG_JSON), 0, "ECS nested log.level");
	is_string(level(), "error", "level found inside the log object");
	is_int(rec.is_error, 1, "ECS error level");
	is_string(field("log"), "{\"logger\": \"app\", \"level\": \"error\"}",
	    "nested object kept raw");
	is_int(parse("{\"log\": \"plain docker text\", \"level\": \"warn\"}",
	    LOG_JSON), 0, "log as a string");
	is_string(level(), "warn", "log string is no level");
	is_int(parse("{\"level\": \"info\", \"severity\": \"error\"}",
	    LOG_JSON), 0, "two level keys");
	is_string(level(), "info", "the first level key wins");
	is_int(parse("{\"ts\": \"soon\", \"time\": 1775570463}", LOG_JSON), 0,
	    "bad ts then good time");
	is_int(rec.ts_ms, T0, "the first ts that parses wins");
	is_int(parse("{\"level\": 50, \"msg\": \"pino\"}", LOG_JSON), 0,
	    "numeric level");
	ok(rec.is_error && strcmp(level(), "50") == 0, "pino 50 is an error");
	is_int(parse("{\"level\": 30}", LOG_JSON), 0, "pino info");
	is_int(rec.is_error, 0, "pino 30 is no error");
	is_int(parse("{\"level\": null, \"msg\": null}", LOG_JSON), 0,
	    "null level and msg");
	ok(rec.level == NULL && rec.msg == NULL, "nulls are ignored");
	is_int(parse("{\"msg\": \"say \\\"hi\\\"\"}", LOG_JSON), 0,
	    "escaped msg");
	is_int(rec.msg_quoted, 1, "msg with escapes is quoted");
	is_string(msg(), "say \\\"hi\\\"", "msg keeps its escapes");
	is_int(parse("{\"a\\\"b\": 1, \"c\": 2}", LOG_JSON), 0,
	    "key with an escaped quote");
	is_string(slice(rec.fields[0].key, rec.fields[0].keylen), "a\\\"b",
	    "key kept raw");
	is_string(field("c"), "2", "field after an escaped key");
}

/* Values of every kind, kept raw. */
static void
test_json_values(void)
{
	is_int(parse("{\"a\": true, \"b\": false, \"c\": null, \"d\": -1.5e3, "
	    "\"e\": [1, {\"x\": \"]\"}, [2]], \"f\": {\"g\": {\"h\": \"}\"}}, "
	    "\"i\": \"\"}", LOG_JSON), 0, "all value kinds");
	is_string(field("a"), "true", "true raw");
	is_string(field("c"), "null", "null raw");
	ok(number("d") == -1500, "exponent number");
	is_string(field("e"), "[1, {\"x\": \"]\"}, [2]]", "array raw");
	is_string(field("f"), "{\"g\": {\"h\": \"}\"}}", "object raw");
	is_string(field("i"), "", "empty string");
	ok(log_field_is_string(log_field_get(&rec, "i")),
	    "empty string is a string");
	is_int(parse("{\"s\": \"back\\\\\", \"t\": 1}", LOG_JSON), 0,
	    "string ending in an escaped backslash");
	is_string(field("s"), "back\\\\", "escaped backslash before quote");
	is_string(field("t"), "1", "parse goes on after it");
	is_int(parse("{\"u\": \"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}",
	    LOG_JSON), 0, "UTF-8 in strings");
	is_int(parse("{\"latency_ms\": \"12.5\"}", LOG_JSON), 0,
	    "numeric string");
	ok(number("latency_ms") == 12.5, "numeric string is a number");
}

/* Lines the JSON reader refuses. */
static void
test_json_malformed(void)
{
	static const char *const bad[] = {
		"", "{", "}", "[1]", "{\"a\"}", "{\"a\":}", "{\"a\" 1}",
		"{\"a\": 1,}", "{\"a\": 1", "{\"a\": \"x}", "{a: 1}",
		"{\"a\": tru}", "{\"a\": nul}", "{\"a\": 1} x", "{\"a\": [1}",
		"{\"a\": {\"b\": 1]}", "{\"a\": 1 \"b\": 2}", "{\"a\": 'x'}",
		"{\"a\": \"x\\\"}", "{\"a\": \xff}", "{\"a\": \"\xc3\"}",
		"{\"a\": \"\xed\xa0\x80\"}", "{\"a\": \"\xc0\xaf\"}",
		"{\"a\": \"\xf4\x90\x80\x80\"}", "{\"a\": +1}"
	};
	size_t		 i;
	char		 deep[200];

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		is_int(parse(bad[i], LOG_JSON), -1, "malformed json %zu: %s",
		    i, bad[i]);
	is_int(parse("{\"a\": 1}", LOG_JSON), 0, "good json after bad");
	is_int(parse("{oops", LOG_AUTO), -1, "auto: a { line must be json");
	is_int(rec.format, LOG_JSON, "auto: the failed format is json");
	is_int(rec.nfields, 0, "a failed parse leaves no fields");
	ok(rec.level == NULL && rec.ts_ms == -1, "and no level or time");
	is_int(log_parse("{\"a\": \"x\0y\"}", 12, LOG_JSON, &rec), -1,
	    "NUL in a string");
	is_int(log_parse("{\"a\": 1}\0", 9, LOG_AUTO, &rec), -1,
	    "NUL after the object");

	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	memcpy(deep, "{\"a\":", 5);
	deep[199] = '}';
	is_int(log_parse(deep, 200, LOG_JSON, &rec), -1,
	    "nesting deeper than 64 is refused");
}

/* Long lines: escapes across 64-byte blocks, and the size limit. */
static void
test_long_lines(void)
{
	char		*big;
	size_t		 i, n;

	n = 300;
	if ((big = malloc(LOG_MAXLINE + 2)) == NULL) {
		ok(0, "no memory for long lines");
		return;
	}
	memcpy(big, "{\"m\": \"", 7);
	for (i = 7; i < n - 2; i++)
		big[i] = (i % 2 == 1 && i < 200) ? '\\' : 'x';
	big[n - 2] = '"';
	big[n - 1] = '}';
	is_int(log_parse(big, n, LOG_JSON, &rec), 0,
	    "escapes across block edges");
	is_int(rec.nfields, 1, "one long field");
	is_int(rec.fields[0].vallen, n - 9, "its value runs to the end");
	is_int(rec.fields[0].quoted, 1, "and is quoted");

	for (i = 60; i < 70; i++) {
		memset(big, 'y', 200);
		memcpy(big, "{\"k\": \"", 7);
		big[i] = '\\';
		big[i + 1] = '"';
		memcpy(big + 150, "\", \"z\": 1}", 10);
		is_int(log_parse(big, 160, LOG_JSON, &rec), 0,
		    "escaped quote at %zu", i);
		is_string(field("z"), "1", "field after escaped quote at %zu",
		    i);
	}

	/* Escapes at the edge of the scanner's 1024-byte chunks. */
	for (i = 1018; i < 1030; i++) {
		memset(big, 'y', 2000);
		memcpy(big, "{\"k\": \"", 7);
		big[i] = '\\';
		big[i + 1] = (i % 2) ? '"' : '\\';
		memcpy(big + 1500, "\", \"z\": \"w\"}", 12);
		is_int(log_parse(big, 1512, LOG_JSON, &rec), 0,
		    "escape at %zu, near a chunk edge", i);
		ok(rec.nfields == 2 && strcmp(field("z"), "w") == 0 &&
		    rec.fields[0].vallen == 1500 - 7, "fields after it, at %zu",
		    i);
	}
	big[0] = '{';
	for (i = 0, n = 1; i < 60; i++)
		n += snprintf(big + n, 100, "%s\"key%02zu\": \"%s\"",
		    i ? ", " : "", i, "a \\\"quoted\\\" value, long enough");
	big[n] = '}';
	is_int(log_parse(big, n + 1, LOG_JSON, &rec), 0,
	    "many fields over several chunks");
	is_int(rec.nfields, 60, "all sixty found");
	is_string(field("key59"), "a \\\"quoted\\\" value, long enough",
	    "the last one whole");

	memset(big, 'a', LOG_MAXLINE + 1);
	memcpy(big, "{\"m\": \"", 7);
	memcpy(big + LOG_MAXLINE - 2, "\"}", 2);
	is_int(log_parse(big, LOG_MAXLINE, LOG_JSON, &rec), 0,
	    "a line of exactly LOG_MAXLINE parses");
	big[LOG_MAXLINE - 2] = 'a';
	memcpy(big + LOG_MAXLINE - 1, "\"}", 2);
	is_int(log_parse(big, LOG_MAXLINE + 1, LOG_JSON, &rec), -1,
	    "a longer line is refused");
	is_int(log_parse(big, LOG_MAXLINE + 1, LOG_TEXT, &rec), -1,
	    "also as text");
	free(big);
}

/* Time forms, with their milliseconds. */
static void
test_time(void)
{
	static const char	 odd[] = "/:x\x7f\xb0@";
	char			 buf[32];
	size_t			 i, j;

	is_int(ptime("2026-04-07T14:01:03Z"), T0, "Z");
	is_int(ptime("2026-04-07T14:01:03.123Z"), T0 + 123, "ms fraction");
	is_int(ptime("2026-04-07T14:01:03.123456789Z"), T0 + 123,
	    "ns fraction truncates");
	is_int(ptime("2026-04-07T14:01:03.5Z"), T0 + 500, "one digit fraction");
	is_int(ptime("2026-04-07 14:01:03,123"), T0 + 123,
	    "space and comma fraction, no zone is UTC");
	is_int(ptime("2026-04-07T16:01:03+02:00"), T0, "+hh:mm");
	is_int(ptime("2026-04-07T09:31:03-0430"), T0, "-hhmm");
	is_int(ptime("2026-04-07T15:01:03+01"), T0, "+hh");
	is_int(ptime("2026-04-07t14:01:03z"), T0, "lower case t and z");
	is_int(ptime("2026-04-07T14:01Z"), T0 - 3000, "no seconds");
	is_int(ptime("2024-02-29T23:59:59Z"), 1709251199000LL, "leap day");
	is_int(ptime("2000-03-01T00:00:00Z"), 951868800000LL, "after 2000");
	is_int(ptime("2100-02-28T12:00:00Z"), 4107499200000LL, "in 2100");
	is_int(ptime("1970-01-01T00:00:00.001Z"), 1, "the epoch");
	is_int(ptime("9999-12-31T23:59:59Z"), 253402300799000LL, "year 9999");
	is_int(ptime("1775570463"), T0, "epoch seconds");
	is_int(ptime("1775570463.123456"), T0 + 123, "fractional seconds");
	is_int(ptime("1775570463123"), T0 + 123, "epoch milliseconds");
	is_int(ptime("1775570463123456"), T0 + 123, "epoch microseconds");
	is_int(ptime("1775570463123456789"), T0 + 123, "epoch nanoseconds");
	is_int(ptime("1.775570463123e9"), T0 + 123, "exponent seconds");
	is_int(ptime("2023-02-29T00:00:00Z"), -2, "no Feb 29 in 2023");
	is_int(ptime("2026-04-31T00:00:00Z"), -2, "no April 31");
	is_int(ptime("2026-13-01T00:00:00Z"), -2, "no month 13");
	is_int(ptime("2026-04-07T24:00:00Z"), -2, "no hour 24");
	is_int(ptime("2026-04-07T14:01:03+25:00"), -2, "bad offset");
	is_int(ptime("2026-04-07T14:01:03Zjunk"), -2, "trailing junk");
	is_int(ptime("1969-12-31T23:59:59Z"), -2, "before 1970");
	is_int(ptime("1970-01-01T00:00:00+01:00"), -2, "before the epoch");
	is_int(ptime("2026-04-07"), -2, "a date alone");
	is_int(ptime("-5"), -2, "negative epoch");
	is_int(ptime("0"), -2, "zero epoch");
	is_int(ptime("99999999"), -2, "epoch below 1e8 s is a duration");
	is_int(ptime("100000000"), 100000000000LL, "epoch of 1e8 s");
	is_int(ptime(""), -2, "empty");
	is_int(ptime("12a"), -2, "not a number");
	is_int(ptime("99999999999999999999"), -2, "too many digits");
	for (i = 0; i < 16; i++) {
		for (j = 0; j < sizeof odd - 1; j++) {
			memcpy(buf, "2026-04-07T14:01:03Z", 21);
			if (buf[i] == odd[j])
				continue;
			buf[i] = odd[j];
			if (ptime(buf) != -2)
				break;
		}
		ok(j == sizeof odd - 1, "a wrong byte at %zu is refused", i);
	}

	is_int(parse("{\"ts\": 1775570463.5}", LOG_JSON), 0, "numeric ts");
	is_int(rec.ts_ms, T0 + 500, "numeric ts with fraction");
	is_int(parse("{\"time\": 1775570463123}", LOG_JSON), 0, "ms ts");
	is_int(rec.ts_ms, T0 + 123, "numeric ms ts");
	is_int(parse("{\"ts\": \"1775570463\"}", LOG_JSON), 0, "string epoch");
	is_int(rec.ts_ms, T0, "epoch in a string");
	is_int(parse("{\"time\": 0.25, \"timestamp\": 1775570463}", LOG_JSON),
	    0, "a duration called time");
	is_int(rec.ts_ms, T0, "the duration is skipped for the timestamp");
}

/* Which levels are errors. */
static void
test_levels(void)
{
	static const char *const errors[] = {
		"error", "ERROR", "Error", "err", "ERR", "critical", "CRIT",
		"crit", "fatal", "FATAL", "panic", "alert", "emerg", "EMERG",
		"emergency"
	};
	static const char *const others[] = {
		"info", "warn", "WARNING", "debug", "trace", "notice", "",
		"errors", "erro", "e", "error ", "fatality", "50"
	};
	size_t		 i;

	for (i = 0; i < sizeof errors / sizeof errors[0]; i++)
		ok(log_level_is_error(errors[i], strlen(errors[i])),
		    "%s is an error", errors[i]);
	for (i = 0; i < sizeof others / sizeof others[0]; i++)
		ok(!log_level_is_error(others[i], strlen(others[i])),
		    "'%s' is no error", others[i]);
}

/* logfmt lines, quoting and flags. */
static void
test_logfmt(void)
{
	const struct log_field	*f;
	char			 buf[64];

	is_int(parse("ts=2026-04-07T14:01:03Z level=error msg=\"card "
	    "\\\"visa\\\" declined\" latency_ms=12.5 retry", LOG_AUTO), 0,
	    "logfmt parses");
	is_int(rec.format, LOG_LOGFMT, "auto picks logfmt");
	is_int(rec.ts_ms, T0, "logfmt ts");
	is_string(level(), "error", "logfmt level");
	is_int(rec.is_error, 1, "logfmt error");
	is_string(msg(), "card \\\"visa\\\" declined", "quoted msg raw");
	is_int(rec.msg_quoted, 1, "quoted msg with escapes");
	log_unescape(rec.msg, rec.msglen, rec.msg_quoted, buf, sizeof buf);
	is_string(buf, "card \"visa\" declined", "logfmt msg unescaped");
	ok(number("latency_ms") == 12.5, "logfmt number");
	is_int(rec.nfields, 5, "five logfmt fields");
	f = log_field_get(&rec, "retry");
	ok(f != NULL && f->vallen == 0, "a flag has an empty value");
	ok(f != NULL && !log_field_is_string(f), "a flag is no string");
	f = log_field_get(&rec, "msg");
	ok(f != NULL && log_field_is_string(f), "a quoted value is a string");
	f = log_field_get(&rec, "level");
	ok(f != NULL && !log_field_is_string(f), "a bare value is no string");

	is_int(parse("time=1775570463 severity=INFO message=hello",
	    LOG_LOGFMT), 0, "logfmt aliases");
	ok(rec.ts_ms == T0 && !rec.is_error && strcmp(msg(), "hello") == 0,
	    "time, severity and message in logfmt");
	is_int(parse("a= b=\"\" c=x", LOG_LOGFMT), 0, "empty values");
	ok(strcmp(field("a"), "") == 0 && strcmp(field("b"), "") == 0 &&
	    strcmp(field("c"), "x") == 0, "empty bare and quoted values");
	is_int(parse("k=\"unterminated", LOG_LOGFMT), -1, "unterminated quote");
	is_int(parse("=v a=b", LOG_LOGFMT), -1, "empty key");
	is_int(parse("a=\"x\"y b=c", LOG_LOGFMT), -1, "text after a quote");
	is_int(parse("a=1 b=2 =oops", LOG_AUTO), 0,
	    "auto: broken logfmt falls back to text");
	is_int(rec.format, LOG_TEXT, "as text");
	is_int(parse("user=alice logged in", LOG_AUTO), 0, "one pair");
	is_int(rec.format, LOG_TEXT, "one pair at the start is text");
	is_int(parse("a=1 b=2", LOG_AUTO), 0, "two pairs");
	is_int(rec.format, LOG_LOGFMT, "two pairs at the start are logfmt");
	is_int(parse("lvl=crit log.level=info", LOG_LOGFMT), 0, "lvl");
	is_string(level(), "crit", "lvl first");
	is_int(parse("a=\xff b=1", LOG_LOGFMT), -1, "binary logfmt");
}

/* Plain text lines. */
static void
test_text(void)
{
	is_int(parse("2026-04-07 14:01:03,123 ERROR [payments] card declined",
	    LOG_AUTO), 0, "text parses");
	is_int(rec.format, LOG_TEXT, "auto picks text");
	is_int(rec.ts_ms, T0 + 123, "text ts");
	is_string(level(), "ERROR", "text level");
	is_int(rec.is_error, 1, "text error");
	is_string(msg(), "[payments] card declined", "text message");
	is_int(rec.nfields, 0, "text has no fields");

	parse("[2026-04-07T14:01:03Z] [warn] disk almost full", LOG_TEXT);
	ok(rec.ts_ms == T0 && strcmp(level(), "warn") == 0 &&
	    strcmp(msg(), "disk almost full") == 0, "bracketed ts and level");
	parse("2026-04-07T14:01:03.5+00:00 fatal: out of memory", LOG_TEXT);
	ok(rec.ts_ms == T0 + 500 && rec.is_error &&
	    strcmp(msg(), "out of memory") == 0, "level with a colon");
	parse("ERROR:root:something broke", LOG_TEXT);
	ok(rec.ts_ms == -1 && rec.is_error &&
	    strcmp(msg(), "root:something broke") == 0, "python default");
	parse("2026-04-07 14:01:03,123 - CRITICAL - db gone", LOG_TEXT);
	ok(rec.is_error && strcmp(msg(), "db gone") == 0,
	    "dash separators");
	parse("2026-04-07 14:01:03.123 [main] ERROR com.example.App - boom",
	    LOG_TEXT);
	ok(rec.is_error && strcmp(msg(), "com.example.App - boom") == 0,
	    "java thread before the level");
	parse("2026-04-07 14:01:03 [main] something happened", LOG_TEXT);
	ok(rec.level == NULL && strcmp(msg(), "[main] something happened") == 0,
	    "bracketed word that is no level stays");
	parse("Apr  7 14:01:03 host app[123]: error: disk", LOG_AUTO);
	ok(rec.ts_ms == -1 && rec.level == NULL &&
	    strcmp(msg(), "Apr  7 14:01:03 host app[123]: error: disk") == 0,
	    "syslog line is all message");
	parse("errors were found", LOG_TEXT);
	ok(rec.level == NULL, "a word starting with a level is no level");
	parse("Notice the gap", LOG_TEXT);
	is_string(level(), "Notice", "a leading level word in any case");
	parse("2026-04-07T14:01:03Zjunk text", LOG_TEXT);
	is_int(rec.ts_ms, -1, "ts glued to text is no ts");
	is_int(parse("", LOG_AUTO), 0, "empty line");
	ok(rec.msg == NULL && rec.format == LOG_TEXT, "empty line: no msg");
	is_int(parse("   \t ", LOG_TEXT), 0, "blank line");
	ok(rec.msg == NULL, "blank line: no msg");
	is_int(parse("hello \xe2\x82\xac", LOG_TEXT), 0, "UTF-8 text");
	is_int(parse("bad \xe2\x82", LOG_TEXT), -1, "truncated UTF-8");
	is_int(parse("bad \xc0\x80", LOG_AUTO), -1, "overlong UTF-8");
	is_int(log_parse("nul\0here", 8, LOG_AUTO, &rec), -1, "NUL in text");
}

/* log_unescape decodes, truncates and counts. */
static void
test_unescape(void)
{
	char	 buf[64], small[6];
	size_t	 n;

	n = log_unescape("a\\n\\t\\\"\\\\\\/b", 12, 1, buf, sizeof buf);
	is_string(buf, "a\n\t\"\\/b", "simple escapes");
	is_int(n, 7, "decoded length");
	n = log_unescape("\\u00e9\\u20AC", 12, 1, buf, sizeof buf);
	is_string(buf, "\xc3\xa9\xe2\x82\xac", "\\u to UTF-8");
	n = log_unescape("\\ud83d\\ude00!", 13, 1, buf, sizeof buf);
	is_string(buf, "\xf0\x9f\x98\x80!", "surrogate pair");
	is_int(n, 5, "surrogate pair is four bytes");
	log_unescape("\\ud83dx", 7, 1, buf, sizeof buf);
	is_string(buf, "\xef\xbf\xbdx", "lone high surrogate");
	log_unescape("\\ude00", 6, 1, buf, sizeof buf);
	is_string(buf, "\xef\xbf\xbd", "lone low surrogate");
	log_unescape("\\u12", 4, 1, buf, sizeof buf);
	is_string(buf, "u12", "short \\u keeps the text");
	log_unescape("x\\", 2, 1, buf, sizeof buf);
	is_string(buf, "x\\", "lone last backslash");
	log_unescape("a\\nb", 4, 0, buf, sizeof buf);
	is_string(buf, "a\\nb", "not quoted: copied as is");
	log_unescape("\\u0000z", 7, 1, buf, sizeof buf);
	ok(buf[0] == '\0', "\\u0000 decodes to a NUL byte");

	n = log_unescape("hello world", 11, 1, small, sizeof small);
	is_string(small, "hello", "truncated to the buffer");
	is_int(n, 11, "full length returned");
	n = log_unescape("abcd\xc3\xa9", 6, 0, small, sizeof small);
	is_string(small, "abcd", "no cut inside a UTF-8 sequence");
	is_int(n, 6, "full length with UTF-8");
	n = log_unescape("abc\\u20ac", 9, 1, small, sizeof small);
	is_string(small, "abc", "no cut inside a decoded character");
	is_int(n, 6, "full decoded length");
	n = log_unescape("abc", 3, 1, NULL, 0);
	is_int(n, 3, "length only with no buffer");
	n = log_unescape("", 0, 1, small, sizeof small);
	ok(n == 0 && small[0] == '\0', "empty value");
}

/* Numbers in fields. */
static void
test_numbers(void)
{
	static const struct {
		const char	*text;
		double		 want;
	} good[] = {
		{ "0", 0 }, { "-0", 0 }, { "42", 42 }, { "-7.25", -7.25 },
		{ "1e3", 1000 }, { "2.5E-2", 0.025 }, { "+3", 3 },
		{ ".5", 0.5 }, { "5.", 5 }, { "0.1", 0.1 },
		{ "123456789012345678901234", 123456789012345678901234.0 },
		{ "1e-400", 0 }, { "0.30000000000000004", 0.30000000000000004 },
		{ "9007199254740993", 9007199254740993.0 }
	};
	static const char *const bad[] = {
		"", "-", "e5", "1e", "1e+", "12ms", "0x10", "nan", "inf",
		"1.2.3", "1e999", " 1", "1 "
	};
	struct log_field	 f;
	size_t			 i;
	double			 d;

	memset(&f, 0, sizeof f);
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		f.val = good[i].text;
		f.vallen = strlen(good[i].text);
		ok(log_field_number(&f, &d) == 0 && d == good[i].want,
		    "number %s", good[i].text);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		f.val = bad[i];
		f.vallen = strlen(bad[i]);
		is_int(log_field_number(&f, &d), -1, "not a number: '%s'",
		    bad[i]);
	}
	f.val = "1\\u0030";
	f.vallen = 7;
	f.quoted = 1;
	is_int(log_field_number(&f, &d), -1, "escaped text is no number");
	is_int(log_field_number(NULL, &d), -1, "no field, no number");
}

/* Field limits and format names. */
static void
test_limits(void)
{
	enum log_format	 fmt;
	char		 line[4096];
	size_t		 i, n = 0;

	n += snprintf(line + n, sizeof line - n, "{");
	for (i = 0; i < 70; i++)
		n += snprintf(line + n, sizeof line - n, "%s\"k%zu\": %zu",
		    i ? ", " : "", i, i);
	n += snprintf(line + n, sizeof line - n, ", \"level\": \"error\"}");
	is_int(parse(line, LOG_JSON), 0, "71 fields parse");
	is_int(rec.nfields, LOG_MAXFIELDS, "only LOG_MAXFIELDS are kept");
	is_string(field("k63"), "63", "the last kept field");
	ok(log_field_get(&rec, "k64") == NULL, "later fields are dropped");
	is_int(rec.is_error, 1, "roles still apply past the limit");

	ok(log_format_parse("auto", &fmt) == 0 && fmt == LOG_AUTO, "auto");
	ok(log_format_parse("json", &fmt) == 0 && fmt == LOG_JSON, "json");
	ok(log_format_parse("logfmt", &fmt) == 0 && fmt == LOG_LOGFMT,
	    "logfmt");
	ok(log_format_parse("text", &fmt) == 0 && fmt == LOG_TEXT, "text");
	is_int(log_format_parse("JSON", &fmt), -1, "names are lower case");
	is_int(log_format_parse("", &fmt), -1, "empty name");
}

/* Run every logline test. */
int
main(void)
{
	plan_lazy();
	test_json_basic();
	test_json_aliases();
	test_json_values();
	test_json_malformed();
	test_long_lines();
	test_time();
	test_levels();
	test_logfmt();
	test_text();
	test_unescape();
	test_numbers();
	test_limits();
	return done_testing();
}
