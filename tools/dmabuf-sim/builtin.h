/* SPDX-License-Identifier: MIT */
/*
 * builtin.h - the scenarios compiled into dmabuf-sim.
 *
 * Each is a YAML file of tools/dmabuf-sim/scenarios/, embedded verbatim at
 * build time by scripts/embed-scenarios.py, so a built-in is parsed by the
 * same code as a user's file and `dmabuf-sim show NAME` prints an example
 * to start from. The first one is the default.
 */
#ifndef DMABUF_SIM_BUILTIN_H
#define DMABUF_SIM_BUILTIN_H

#include <stddef.h>

struct sim_builtin {
	const char *name;	/* the file's name without .yaml */
	const char *text;	/* the YAML, NUL-terminated */
	size_t len;
};

/* Generated: builtin-texts.c. */
extern const struct sim_builtin sim_builtins[];
extern const unsigned int sim_nr_builtins;

/** sim_builtin_find - the built-in called @name, or NULL */
const struct sim_builtin *sim_builtin_find(const char *name);

/** sim_builtin_default - the scenario `dmabuf-sim` plays without arguments */
const struct sim_builtin *sim_builtin_default(void);

/** sim_builtin_label - "<built-in NAME>", the file name used in messages */
const char *sim_builtin_label(const struct sim_builtin *b, char *buf, size_t len);

#endif /* DMABUF_SIM_BUILTIN_H */
