// SPDX-License-Identifier: MIT
/*
 * builtin.c - find the built-in scenarios; their texts are generated
 * (builtin-texts.c, from the .yaml files of scenarios/).
 */
#include <stdio.h>
#include <string.h>

#include "builtin.h"

const struct sim_builtin *sim_builtin_find(const char *name)
{
	for (unsigned int i = 0; i < sim_nr_builtins; i++)
		if (!strcmp(sim_builtins[i].name, name))
			return &sim_builtins[i];
	return NULL;
}

const struct sim_builtin *sim_builtin_default(void)
{
	return &sim_builtins[0];
}

const char *sim_builtin_label(const struct sim_builtin *b, char *buf, size_t len)
{
	snprintf(buf, len, "<built-in %s>", b->name);
	return buf;
}
