/* sanitize.h -- masking secrets in text that leaves through MCP */
#ifndef TINKR_SANITIZE_H
#define TINKR_SANITIZE_H

struct config;

/* sanitize.c */
char	*sanitize(const char *, const struct config *);

#endif
