// SPDX-License-Identifier: MIT
/* json-str.c - JSON strings that never fail on bad UTF-8 (see json-str.h). */
#include <stdlib.h>
#include <string.h>

#include "json-str.h"

json_t *sim_json_str(const char *s)
{
	json_t *j = json_string(s);
	size_t n;
	char *clean;

	if (j)
		return j;
	n = strlen(s);
	clean = malloc(n + 1);
	if (!clean)
		return NULL;
	for (size_t i = 0; i <= n; i++)
		clean[i] = (unsigned char)s[i] < 0x80 ? s[i] : '?';
	j = json_string(clean);
	free(clean);
	return j;
}

json_t *sim_json_str_or_null(const char *s)
{
	return s && s[0] ? sim_json_str(s) : json_null();
}
