/* fuzz-config.c -- libFuzzer harness: config_parse on arbitrary bytes */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * Parse the bytes as a tinkr.toml. A failure must leave a one-line
 * message; a success must dump as JSON and free cleanly.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	*cfg;
	const char	*how;
	char		 err[1024], *s;
	json_t		*j;

	err[0] = '\0';
	cfg = config_parse("fuzz.toml", (const char *)data, size, NULL, err,
	    sizeof err);
	if (cfg == NULL) {
		if (err[0] == '\0' || strchr(err, '\n') != NULL)
			abort();
		return 0;
	}
	j = config_json(cfg);
	if ((s = json_dumps(j, JSON_COMPACT)) == NULL)
		abort();
	free(s);
	json_decref(j);
	config_select_profile(cfg, NULL, &how, err, sizeof err);
	config_free(cfg);
	return 0;
}
