/* fuzz-config.c -- libFuzzer harness: config_parse on arbitrary bytes */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "dotenv.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Variables the seed corpus refers to as env:NAME. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	setenv("TINKR_FUZZ_URL", "https://hooks.example.com/T0/secret", 1);
	setenv("TINKR_FUZZ_KEY", "Token token=fuzz ; key", 1);
	setenv("TINKR_FUZZ_CRLF", "bad\r\nInjected: 1", 1);
	setenv("TINKR_FUZZ_EMPTY", "", 1);
	return 0;
}

/* Whether an error message is one non-empty line without control bytes. */
static int
one_line(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/*
 * Parse the bytes as a tinkr.toml and as a .env. A failure must leave a
 * one-line message; a success must dump as JSON and free cleanly.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	*cfg;
	struct dotenv	*de;
	const char	*how;
	char		 err[1024], *s;
	json_t		*j;

	err[0] = '\0';
	cfg = config_parse("fuzz.toml", (const char *)data, size, NULL, err,
	    sizeof err);
	if (cfg == NULL) {
		if (!one_line(err))
			abort();
	} else {
		j = config_json(cfg);
		if ((s = json_dumps(j, JSON_COMPACT)) == NULL)
			abort();
		free(s);
		json_decref(j);
		config_select_profile(cfg, NULL, &how, err, sizeof err);
		config_free(cfg);
	}

	err[0] = '\0';
	de = dotenv_parse("fuzz.env", (const char *)data, size, err,
	    sizeof err);
	if (de == NULL && !one_line(err))
		abort();
	dotenv_free(de);
	return 0;
}
