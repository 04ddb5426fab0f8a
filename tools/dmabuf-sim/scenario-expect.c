// SPDX-License-Identifier: MIT
/*
 * scenario-expect.c - the expect: block of a scenario or of a variant.
 *
 * Expectations are what a correct protocol must show; the judge
 * (result.c) holds the run against them. An expectation that the events
 * can never meet (two revokes from one reset, a CPU fault without a CPU
 * read) is a mistake in the file, reported here rather than as a failed
 * run.
 */
#include <stdio.h>
#include <string.h>

#include "scenario-parse.h"

static const char *const violation_names[DMB_NR_VIOLATIONS] = {
	[DMB_V1_INVALIDATE_UNLOCKED] = "V1",
	[DMB_V2_MAP_UNLOCKED] = "V2",
	[DMB_V3_MAP_WHILE_REVOKED] = "V3",
	[DMB_V4_DMA_AFTER_INVALIDATE] = "V4",
	[DMB_V5_DMA_AFTER_UNMAP] = "V5",
	[DMB_V6_UNMAP_TIMEOUT] = "V6",
	[DMB_V7_FENCE_TIMEOUT] = "V7",
	[DMB_V8_BAD_UNMAP] = "V8",
	[DMB_V9_BAD_DETACH_OR_PUT] = "V9",
	[DMB_V10_LOCK_INVERSION] = "V10",
};

static int parse_violation_importer(struct sim_yaml *y, yaml_node_t *node, void *obj)
{
	struct sim_expected_violation *ev = obj;
	int kind = 0;
	const struct sim_key key = {
		.name = "importer", .type = SIM_KEY_ENUM, .size = sizeof(int),
		.names = sim_importer_names, .nr_names = SIM_NR_IMPORTERS,
	};
	int ret = sim_schema_value(y, node, &key, &kind);

	if (!ret)
		snprintf(ev->importer, sizeof(ev->importer), "%s", sim_importer_name(kind));
	return ret;
}

static const struct sim_key violation_keys[] = {
	SIM_KEY("kind", SIM_KEY_ENUM, struct sim_expected_violation, kind, .required = true,
		.names = violation_names, .nr_names = DMB_NR_VIOLATIONS),
	{ .name = "importer", .type = SIM_KEY_CUSTOM, .parse = parse_violation_importer },
	SIM_KEY("device", SIM_KEY_NAME, struct sim_expected_violation, device,
		.max = SIM_DEVICE_MAX),
};

static int parse_violation(struct sim_parser *p, yaml_node_t *node, unsigned int i, void *obj)
{
	struct sim_expect *expect = obj;
	struct sim_expected_violation *ev = &expect->violations[i];
	int ret;

	memset(ev, 0, sizeof(*ev));
	if (node->type == YAML_MAPPING_NODE)
		ret = sim_schema_mapping(&p->y, node, violation_keys,
					 sizeof(violation_keys) / sizeof(violation_keys[0]), ev);
	else
		ret = sim_schema_value(&p->y, node, &violation_keys[0], ev);
	if (ret)
		return ret;
	if (ev->device[0]) {
		unsigned int j;

		for (j = 0; j < p->sc->nr_importers; j++)
			if (!strcmp(p->sc->importers[j].device, ev->device))
				break;
		if (j == p->sc->nr_importers)
			return sim_yaml_fail(&p->y, sim_yaml_get(&p->y, node, "device"),
					     "the device of one of the importers",
					     "no importer has device '%s'", ev->device);
	}
	expect->nr_violations = i + 1;
	return 0;
}

static int parse_violations(struct sim_yaml *y, yaml_node_t *node, void *obj)
{
	((struct sim_expect *)obj)->nr_violations = 0;
	return sim_parse_list(y, node, "a list like [V6] or [{ kind: V6, device: bad0 }]",
			      SIM_MAX_EXPECTED, parse_violation, obj);
}

static const struct sim_key expect_keys[] = {
	{ .name = "violations", .type = SIM_KEY_CUSTOM, .parse = parse_violations },
	SIM_KEY("revokes", SIM_KEY_INT, struct sim_expect, revokes,
		.min = 0, .max = SIM_MAX_EVENTS),
	SIM_KEY("dma_after_revoke_faults", SIM_KEY_BOOL, struct sim_expect,
		dma_after_revoke_faults),
	SIM_KEY("resume", SIM_KEY_BOOL, struct sim_expect, resume),
	SIM_KEY("importers_ran", SIM_KEY_BOOL, struct sim_expect, importers_ran),
	SIM_KEY("data_intact", SIM_KEY_BOOL, struct sim_expect, data_intact),
	SIM_KEY("cpu_access_fails_while_revoked", SIM_KEY_BOOL, struct sim_expect,
		cpu_access_fails_while_revoked),
	SIM_KEY("cpu_faults", SIM_KEY_INT, struct sim_expect, cpu_faults,
		.min = 0, .max = SIM_MAX_EVENTS),
	SIM_KEY("revoke_unfinished", SIM_KEY_BOOL, struct sim_expect,
		revoke_unfinished),
};

static int fail_at(struct sim_parser *p, yaml_node_t *map, const char *key,
		   const char *expected, const char *what)
{
	size_t old = sim_yaml_path_push(&p->y, ".%s", key);
	int ret = sim_yaml_fail(&p->y, sim_yaml_get(&p->y, map, key), expected, "%s", what);

	sim_yaml_path_pop(&p->y, old);
	return ret;
}

/* Expectations the events cannot meet are errors in the file. */
static int check_expect(struct sim_parser *p, yaml_node_t *node,
			const struct sim_expect *e)
{
	char exp[160], what[160];

	if (e->revokes > (int)p->revoking_events) {
		snprintf(exp, sizeof(exp), "at most %u: only flr, decode-off, d3 and close revoke",
			 p->revoking_events);
		snprintf(what, sizeof(what), "%d revokes from %u revoking events",
			 e->revokes, p->revoking_events);
		return fail_at(p, node, "revokes", exp, what);
	}
	if (e->cpu_faults > (int)p->cpu_reads) {
		snprintf(exp, sizeof(exp), "at most %u, one per cpu-read event", p->cpu_reads);
		snprintf(what, sizeof(what), "%d CPU faults from %u reads",
			 e->cpu_faults, p->cpu_reads);
		return fail_at(p, node, "cpu_faults", exp, what);
	}
	if (e->cpu_access_fails_while_revoked && (!p->cpu_reads || !p->revoking_events))
		return fail_at(p, node, "cpu_access_fails_while_revoked",
			       "a revoking event and a cpu-read event",
			       "nothing in the events can show it");
	if (e->dma_after_revoke_faults && !p->revoking_events)
		return fail_at(p, node, "dma_after_revoke_faults",
			       "an flr, decode-off, d3 or close event",
			       "nothing in the events revokes");
	if (e->resume && !p->ending_events)
		return fail_at(p, node, "resume", "an flr-done, decode-on or d0 event",
			       "nothing in the events ends a revoke");
	return 0;
}

int sim_parse_expect(struct sim_parser *p, yaml_node_t *node, struct sim_expect *expect)
{
	int ret = sim_schema_mapping(&p->y, node, expect_keys,
				     sizeof(expect_keys) / sizeof(expect_keys[0]), expect);

	return ret ? ret : check_expect(p, node, expect);
}
