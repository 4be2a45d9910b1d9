/* query.h -- the log query language: level:ERROR AND "timeout" */
#ifndef TINKR_QUERY_H
#define TINKR_QUERY_H

#include <stddef.h>

/*
 * Grammar. AND, OR and NOT are operators only in upper case: "and" is a
 * word. NOT binds tighter than AND, AND tighter than OR.
 *
 *	expr	:= and ( 'OR' and )*
 *	and	:= not ( 'AND'? not )*		juxtaposition is AND
 *	not	:= ( 'NOT' | '-' ) not | primary	'-' touches its term
 *	primary	:= '(' expr ')' | '*' | text | field ':' value
 *		 | field ':' '(' expr ')'	each term a value of field
 *	value	:= word | "quoted" | ( '>' | '>=' | '<' | '<=' ) number
 *
 * Free text (a word or a "quoted string" without a field) is a
 * case-insensitive substring of the message, or of the whole line when
 * the record has none. Quoted strings know \" and \\; other
 * backslashes are kept. A '*' in a bare word or value is a wildcard, in
 * a quoted string a plain character; '*' alone matches every line and
 * field:* means the field exists.
 *
 * field:value compares the whole value, ignoring ASCII case, after
 * unescaping; for the message a value without '*' is a substring and one
 * with '*' a glob over the whole message. level is the record's level
 * from whichever key it came. field:>N compares numbers; a value that is
 * not a number never matches. Aliases (any case): lvl, severity -> level;
 * msg -> message; svc, app -> service. Other field names are looked up
 * exactly. Inside field:( ) a ':' is part of a value.
 *
 * An empty or blank query matches every line, as does a NULL query.
 * Errors read "query: <what> at column <n>", n counting bytes from 1.
 */

#define QUERY_MAXTERMS	256
#define QUERY_MAXDEPTH	64

struct log_rec;
struct query;

/* query.c */
struct query	*query_parse(const char *, char *, size_t);
int		 query_match(const struct query *, const struct log_rec *);
char		*query_describe(const struct query *);
void		 query_free(struct query *);

#endif
