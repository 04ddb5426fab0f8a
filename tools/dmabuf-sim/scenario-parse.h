/* SPDX-License-Identifier: MIT */
/*
 * scenario-parse.h - what the parts of the scenario parser share (internal).
 *
 * The top-level walk (scenario.c) reads the keys that stand alone and only
 * remembers where events, expect and variants are: those refer to other
 * keys (importers, duration, policy) that may come later in the file, so
 * they are read after the walk (scenario-events.c, scenario-expect.c).
 */
#ifndef DMABUF_SIM_SCENARIO_PARSE_H
#define DMABUF_SIM_SCENARIO_PARSE_H

#include <stddef.h>

#include "scenario.h"
#include "schema.h"

struct sim_parser {
	struct sim_yaml y;
	struct sim_scenario *sc;
	yaml_node_t *root, *exporter, *importers, *workload, *events, *expect, *variants;
	yaml_node_t *clock;		/* the clock: key's value, if written */
	/* What the events can cause, for checking expectations against them. */
	unsigned int revoking_events;	/* flr, decode-off, d3, close */
	unsigned int ending_events;	/* flr-done, decode-on, d0 */
	unsigned int cpu_reads;
};

#define sim_parser_of(yp) \
	((struct sim_parser *)((char *)(yp) - offsetof(struct sim_parser, y)))

/* The defaults of docs/scenarios.md. */
void sim_expect_defaults(struct sim_expect *expect);

/* Sequence helpers: an absent or null value is an empty list. */
int sim_parse_list(struct sim_yaml *y, yaml_node_t *node, const char *expected,
		   unsigned int max, int (*item)(struct sim_parser *p,
						 yaml_node_t *node, unsigned int i,
						 void *obj),
		   void *obj);

int sim_parse_events(struct sim_parser *p);
int sim_parse_expect(struct sim_parser *p, yaml_node_t *node, struct sim_expect *expect);

#endif /* DMABUF_SIM_SCENARIO_PARSE_H */
