// SPDX-License-Identifier: MIT
/*
 * scenario.c - read a scenario: the YAML of docs/scenarios.md into a
 * struct sim_scenario, with the defaults where the file is silent.
 *
 * libyaml parses; this file only says what the format is, as key tables
 * (schema.h), and checks what relates one key to another once all are read.
 * A file is rejected at its first error with "FILE:LINE: PATH: what is
 * wrong (expected what)", so a scenario that parses is one the runner can
 * play as written.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dmabuf/clock.h>

#include "budget.h"
#include "scenario-parse.h"
#include "units.h"

#define SIM_MAX_FILE	(1 << 20)	/* a scenario is a page of text, not a data set */

static const char *const clock_names[] = { "virtual", "real" };

void sim_expect_defaults(struct sim_expect *expect)
{
	memset(expect, 0, sizeof(*expect));
	expect->revokes = -1;
	expect->cpu_faults = -1;
}

static void scenario_defaults(struct sim_scenario *sc)
{
	memset(sc, 0, sizeof(*sc));
	sc->duration_ns = 100 * NSEC_PER_MSEC;
	sc->seed = 1;
	sc->policy.wait = DMB_REVOKE_WARN_THEN_WAIT;
	sc->policy.unmap_bound_ns = NSEC_PER_SEC;
	sc->policy.fence_bound_ns = NSEC_PER_SEC;
	sc->exporter.size = 1 << 20;
	sc->workload.job_size = 64 << 10;
	sc->workload.job_ns = 2 * NSEC_PER_MSEC;
	sc->workload.interval_ns = 5 * NSEC_PER_MSEC;
	sim_expect_defaults(&sc->expect);
}

int sim_parse_list(struct sim_yaml *y, yaml_node_t *node, const char *expected,
		   unsigned int max, int (*item)(struct sim_parser *p,
						 yaml_node_t *node, unsigned int i,
						 void *obj),
		   void *obj)
{
	yaml_node_item_t *it;
	unsigned int i = 0;
	int ret;

	if (!node || sim_yaml_is_null(node))
		return 0;
	if (node->type != YAML_SEQUENCE_NODE)
		return sim_yaml_fail(y, node, expected, "%s where a list belongs",
				     sim_yaml_kind(node));
	for (it = node->data.sequence.items.start; it < node->data.sequence.items.top; it++, i++) {
		yaml_node_t *n = sim_yaml_node(y, *it);
		size_t old;

		if (i == max)
			return sim_yaml_fail(y, n, expected, "more than %u entries", max);
		old = sim_yaml_path_push(y, "[%u]", i);
		ret = item(sim_parser_of(y), n, i, obj);
		sim_yaml_path_pop(y, old);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- policy ---- */

static const struct sim_key policy_keys[] = {
	SIM_KEY("wait", SIM_KEY_ENUM, struct sim_policy, revoke.wait,
		.names = sim_wait_names, .nr_names = SIM_NR_WAITS),
	SIM_KEY("unmap_bound", SIM_KEY_DURATION, struct sim_policy, revoke.unmap_bound_ns,
		.min = 1, .max = SIM_MAX_DURATION_NS),
	SIM_KEY("fence_bound", SIM_KEY_DURATION, struct sim_policy, revoke.fence_bound_ns,
		.min = 1, .max = SIM_MAX_DURATION_NS),
	SIM_KEY("power_ref", SIM_KEY_BOOL, struct sim_policy, power_ref),
};

/* Shared with variants: @obj is a struct sim_policy already holding defaults. */
static int parse_policy_into(struct sim_yaml *y, yaml_node_t *node, void *obj)
{
	return sim_schema_mapping(y, node, policy_keys,
				  sizeof(policy_keys) / sizeof(policy_keys[0]), obj);
}

static int parse_policy(struct sim_yaml *y, yaml_node_t *node, void *obj)
{
	struct sim_scenario *sc = obj;
	struct sim_policy pol = { .revoke = sc->policy, .power_ref = sc->power_ref };
	int ret = parse_policy_into(y, node, &pol);

	sc->policy = pol.revoke;
	sc->power_ref = pol.power_ref;
	return ret;
}

/* ---- exporter ---- */

static const struct sim_key exporter_keys[] = {
	SIM_KEY("driver", SIM_KEY_ENUM, struct sim_scenario, exporter.kind, .required = true,
		.names = sim_exporter_names, .nr_names = SIM_NR_EXPORTERS),
	SIM_KEY("device", SIM_KEY_NAME, struct sim_scenario, exporter.device,
		.max = SIM_DEVICE_MAX),
	SIM_KEY("size", SIM_KEY_SIZE, struct sim_scenario, exporter.size,
		.min = SIM_PAGE_SIZE, .max = SIM_MAX_SIZE,
		.expected = "a size in whole 4KiB pages from 4KiB to 1GiB, like 64KiB or 1MiB"),
};

static int parse_exporter(struct sim_yaml *y, yaml_node_t *node, void *obj)
{
	struct sim_scenario *sc = obj;
	int ret;

	sim_parser_of(y)->exporter = node;
	ret = sim_schema_mapping(y, node, exporter_keys,
				 sizeof(exporter_keys) / sizeof(exporter_keys[0]), sc);
	if (ret)
		return ret;
	sc->exporter.where.line = sim_yaml_line(node);
	if (sc->exporter.size % SIM_PAGE_SIZE) {
		yaml_node_t *size = sim_yaml_get(y, node, "size");
		size_t old = sim_yaml_path_push(y, ".size");

		ret = sim_yaml_fail(y, size, exporter_keys[2].expected,
				    "'%s' is not a whole number of pages",
				    sim_yaml_scalar(size));
		sim_yaml_path_pop(y, old);
		return ret;
	}
	if (!sc->exporter.device[0])
		snprintf(sc->exporter.device, sizeof(sc->exporter.device), "%s0",
			 sim_exporter_name(sc->exporter.kind));
	return 0;
}

/* ---- importers ---- */

static int parse_expect_attach(struct sim_yaml *y, yaml_node_t *node, void *obj)
{
	static const struct sim_key key =
		SIM_KEY("expect_attach", SIM_KEY_ERRNO, struct sim_importer_spec, expect_attach);
	struct sim_importer_spec *imp = obj;

	imp->expect_attach_set = true;
	return sim_schema_value(y, node, &key, obj);
}

static int parse_behaviour(struct sim_yaml *y, yaml_node_t *node, void *obj)
{
	static const struct sim_key key =
		SIM_KEY("behaviour", SIM_KEY_ENUM, struct sim_importer_spec, behaviour,
			.names = sim_behaviour_names, .nr_names = SIM_NR_BEHAVIOURS);
	struct sim_importer_spec *imp = obj;

	imp->behaviour_set = true;
	return sim_schema_value(y, node, &key, obj);
}

static const struct sim_key importer_keys[] = {
	SIM_KEY("driver", SIM_KEY_ENUM, struct sim_importer_spec, kind, .required = true,
		.names = sim_importer_names, .nr_names = SIM_NR_IMPORTERS),
	SIM_KEY("device", SIM_KEY_NAME, struct sim_importer_spec, device,
		.max = SIM_DEVICE_MAX),
	SIM_KEY("count", SIM_KEY_UINT, struct sim_importer_spec, count,
		.min = 1, .max = SIM_MAX_IMPORTERS),
	SIM_KEY("late", SIM_KEY_BOOL, struct sim_importer_spec, late),
	{ .name = "expect_attach", .type = SIM_KEY_CUSTOM, .parse = parse_expect_attach },
	SIM_KEY("expect_invalidations", SIM_KEY_INT, struct sim_importer_spec,
		expect_invalidations, .min = 0, .max = SIM_MAX_EVENTS),
	{ .name = "behaviour", .type = SIM_KEY_CUSTOM, .parse = parse_behaviour },
};

static int fail_importer_key(struct sim_parser *p, yaml_node_t *node, const char *key,
			     const char *expected, const char *what)
{
	size_t old = sim_yaml_path_push(&p->y, ".%s", key);
	yaml_node_t *at = sim_yaml_get(&p->y, node, key);
	int ret = sim_yaml_fail(&p->y, at ? at : node, expected, "%s", what);

	sim_yaml_path_pop(&p->y, old);
	return ret;
}

/*
 * A process importer (driver: process) says what it does with behaviour:,
 * which means nothing for the in-process drivers. It runs from the start of
 * the scenario and attaches like any importer: late and expect_attach are
 * for the simulated drivers.
 */
static int check_process_importer(struct sim_parser *p, yaml_node_t *node,
				  const struct sim_importer_spec *imp)
{
	char list[160], exp[200];

	sim_schema_list(sim_behaviour_names, SIM_NR_BEHAVIOURS, list, sizeof(list));
	if (imp->kind != SIM_IMP_PROCESS) {
		if (!imp->behaviour_set)
			return 0;
		return fail_importer_key(p, node, "behaviour",
					 "behaviour only with driver: process",
					 "a behaviour for an in-process importer");
	}
	if (!imp->behaviour_set) {
		snprintf(exp, sizeof(exp), "behaviour: one of %s", list);
		return sim_yaml_fail(&p->y, node, exp, "a process importer without a behaviour");
	}
	if (imp->late)
		return fail_importer_key(p, node, "late",
					 "late: false (importer processes start with the scenario)",
					 "a late process importer");
	if (imp->expect_attach)
		return fail_importer_key(p, node, "expect_attach",
					 "expect_attach: 0 (an importer process always attaches)",
					 "a process importer expected to be refused");
	return 0;
}

/* A default device name: the driver's, numbered among its namesakes. */
static void default_device(struct sim_scenario *sc, struct sim_importer_spec *imp)
{
	unsigned int n = 0;

	for (struct sim_importer_spec *o = sc->importers; o < imp; o++)
		n += o->kind == imp->kind;
	snprintf(imp->device, sizeof(imp->device), "%s%u", sim_importer_name(imp->kind), n);
}

static int parse_importer(struct sim_parser *p, yaml_node_t *node, unsigned int i,
			  void *obj)
{
	struct sim_scenario *sc = p->sc;
	struct sim_importer_spec *imp = &sc->importers[i];
	int ret;

	imp->count = 1;
	imp->expect_invalidations = -1;
	imp->where.line = sim_yaml_line(node);
	ret = sim_schema_mapping(&p->y, node, importer_keys,
				 sizeof(importer_keys) / sizeof(importer_keys[0]), imp);
	if (ret)
		return ret;
	ret = check_process_importer(p, node, imp);
	if (ret)
		return ret;
	if (!imp->device[0])
		default_device(sc, imp);
	for (unsigned int j = 0; j < i; j++) {
		if (!strcmp(sc->importers[j].device, imp->device))
			return sim_yaml_fail(&p->y, node, "a device name used by one importer only",
					     "device '%s' is also importers[%u]", imp->device, j);
	}
	if (sim_scenario_nr_instances(sc) + imp->count > SIM_MAX_IMPORTERS)
		return sim_yaml_fail(&p->y, node, "at most " SIM_STR(SIM_MAX_IMPORTERS)
				     " importers, counts included",
				     "%u importers in total",
				     sim_scenario_nr_instances(sc) + imp->count);
	sc->nr_importers = i + 1;
	return 0;
}

static int parse_importers(struct sim_yaml *y, yaml_node_t *node, void *obj)
{
	static const char exp[] = "a list of importers like - { driver: iommufd, device: vm0 }";
	int ret;

	sim_parser_of(y)->importers = node;
	ret = sim_parse_list(y, node, exp, SIM_MAX_IMPORTERS, parse_importer, obj);

	if (!ret && !((struct sim_scenario *)obj)->nr_importers)
		return sim_yaml_fail(y, node, exp, "no importers");
	return ret;
}

/* ---- workload ---- */

static const struct sim_key workload_keys[] = {
	SIM_KEY("job_size", SIM_KEY_SIZE, struct sim_scenario, workload.job_size,
		.min = 1, .max = SIM_MAX_SIZE),
	SIM_KEY("job_duration", SIM_KEY_DURATION, struct sim_scenario, workload.job_ns,
		.min = 1, .max = SIM_MAX_DURATION_NS),
	SIM_KEY("interval", SIM_KEY_DURATION, struct sim_scenario, workload.interval_ns,
		.min = NSEC_PER_USEC, .max = SIM_MAX_DURATION_NS),
};

static int parse_workload(struct sim_yaml *y, yaml_node_t *node, void *obj)
{
	sim_parser_of(y)->workload = node;
	return sim_schema_mapping(y, node, workload_keys,
				  sizeof(workload_keys) / sizeof(workload_keys[0]), obj);
}

/* ---- the top level ---- */

static int parse_clock(struct sim_yaml *y, yaml_node_t *node, void *obj)
{
	static const struct sim_key key = {
		.name = "clock", .type = SIM_KEY_ENUM, .size = sizeof(int),
		.names = clock_names, .nr_names = 2,
	};
	int real = 0;
	int ret = sim_schema_value(y, node, &key, &real);

	sim_parser_of(y)->clock = node;
	((struct sim_scenario *)obj)->real_clock = real;
	return ret;
}

/* These refer to other keys: remembered now, read after the walk. */
static int defer_events(struct sim_yaml *y, yaml_node_t *node, void *obj)
{
	sim_parser_of(y)->events = node;
	return 0;
}

static int defer_expect(struct sim_yaml *y, yaml_node_t *node, void *obj)
{
	sim_parser_of(y)->expect = node;
	return 0;
}

static int defer_variants(struct sim_yaml *y, yaml_node_t *node, void *obj)
{
	sim_parser_of(y)->variants = node;
	return 0;
}

static const struct sim_key top_keys[] = {
	SIM_KEY("name", SIM_KEY_NAME, struct sim_scenario, name, .required = true),
	SIM_KEY("description", SIM_KEY_TEXT, struct sim_scenario, description),
	{ .name = "clock", .type = SIM_KEY_CUSTOM, .parse = parse_clock },
	SIM_KEY("duration", SIM_KEY_DURATION, struct sim_scenario, duration_ns,
		.min = 1, .max = SIM_MAX_DURATION_NS),
	SIM_KEY("seed", SIM_KEY_U64, struct sim_scenario, seed, .min = 0, .max = INT64_MAX),
	{ .name = "policy", .type = SIM_KEY_CUSTOM, .parse = parse_policy },
	{ .name = "exporter", .type = SIM_KEY_CUSTOM, .parse = parse_exporter, .required = true,
	  .expected = "a mapping like { driver: vfio-pci, device: nic0, size: 1MiB }" },
	{ .name = "importers", .type = SIM_KEY_CUSTOM, .parse = parse_importers, .required = true,
	  .expected = "a list of importers like - { driver: iommufd, device: vm0 }" },
	{ .name = "workload", .type = SIM_KEY_CUSTOM, .parse = parse_workload },
	{ .name = "events", .type = SIM_KEY_CUSTOM, .parse = defer_events },
	{ .name = "expect", .type = SIM_KEY_CUSTOM, .parse = defer_expect },
	{ .name = "variants", .type = SIM_KEY_CUSTOM, .parse = defer_variants },
};

/* The key a budget limit blames, and its path in messages. */
static yaml_node_t *budget_node(struct sim_parser *p, enum sim_budget_limit limit,
				const char **path)
{
	yaml_node_t *parent = p->root, *node;
	const char *key = "duration";

	switch (limit) {
	case SIM_BUDGET_RAM_BUFFER:
	case SIM_BUDGET_MEMORY:
		parent = p->exporter;
		key = "size";
		*path = "exporter.size";
		break;
	case SIM_BUDGET_ACCESSES:
		parent = p->workload;
		key = "interval";
		*path = "workload.interval";
		break;
	case SIM_BUDGET_DMA_BYTES:
		parent = p->workload;
		key = "job_size";
		*path = "workload.job_size";
		break;
	case SIM_BUDGET_PAGE_MAPS:
		*path = "importers";
		return p->importers ? p->importers : p->root;
	case SIM_BUDGET_WORK:
		/* One play within the other limits is within this one: 8 are not. */
		*path = "variants";
		return p->variants ? p->variants : p->root;
	default:
		*path = "duration";
		break;
	}
	/* A default value is blamed on the mapping that left it out. */
	node = parent ? sim_yaml_get(&p->y, parent, key) : NULL;
	if (node)
		return node;
	return parent ? parent : p->root;
}

/* What the run would cost (budget.h): refused here, with the line to blame. */
static int check_budget(struct sim_parser *p)
{
	char what[160], expected[160];
	enum sim_budget_limit limit;
	const char *path = "";
	yaml_node_t *node;

	limit = sim_budget_check(p->sc, what, sizeof(what), expected, sizeof(expected));
	if (limit == SIM_BUDGET_OK)
		return 0;
	node = budget_node(p, limit, &path);
	sim_yaml_path_set(&p->y, "%s", path);
	return sim_yaml_fail(&p->y, node, expected, "%s", what);
}

/* What relates the workload to the exporter. */
static int check_workload(struct sim_parser *p)
{
	struct sim_scenario *sc = p->sc;
	char exp[128], a[32];

	if (sc->workload.job_size > sc->exporter.size) {
		yaml_node_t *node = sim_yaml_get(&p->y, p->workload, "job_size");

		sim_yaml_path_set(&p->y, "workload.job_size");
		snprintf(exp, sizeof(exp), "at most the exporter's size, %s",
			 sim_schema_size_text(sc->exporter.size, a, sizeof(a)));
		if (node)
			return sim_yaml_fail(&p->y, node, exp, "a job larger than the buffer");
		return sim_yaml_fail(&p->y, p->exporter, exp,
				     "the default, 64KiB, is larger than the buffer");
	}
	return 0;
}

/*
 * Importer processes: all or none. They share the buffer through a
 * descriptor (dma_buf_fd()), which not every exporter gives, and a memfd
 * buffer has nobody else to share with; they run in real time.
 */
static int check_processes(struct sim_parser *p)
{
	struct sim_scenario *sc = p->sc;
	unsigned int procs = 0;
	yaml_node_t *node;

	for (unsigned int i = 0; i < sc->nr_importers; i++)
		procs += sc->importers[i].kind == SIM_IMP_PROCESS;
	sc->processes = procs > 0;
	if (!procs && sc->exporter.kind != SIM_EXP_MEMFD)
		return 0;
	node = sim_yaml_get(&p->y, p->exporter, "driver");
	if (!procs) {
		sim_yaml_path_set(&p->y, "exporter.driver");
		return sim_yaml_fail(&p->y, node ? node : p->exporter,
				     "driver: process importers with a memfd exporter",
				     "a memfd exporter without importer processes");
	}
	if (!sim_exporter_shares(sc->exporter.kind)) {
		sim_yaml_path_set(&p->y, "exporter.driver");
		return sim_yaml_fail(&p->y, node ? node : p->exporter,
				     "memfd or vfio-pci (the exporters dmabuf-sim shares with processes)",
				     "importer processes cannot import a %s buffer",
				     sim_exporter_name(sc->exporter.kind));
	}
	for (unsigned int i = 0; i < sc->nr_importers; i++) {
		yaml_node_t *imp;

		if (sc->importers[i].kind != SIM_IMP_PROCESS ||
		    sc->importers[i].behaviour != SIM_BEH_HOLDS_VMAP ||
		    sim_exporter_vmaps(sc->exporter.kind))
			continue;
		/* Its VMAP would be refused (-EINVAL): it could never hold one. */
		imp = sim_yaml_node(&p->y, p->importers->data.sequence.items.start[i]);
		node = sim_yaml_get(&p->y, imp, "behaviour");
		sim_yaml_path_set(&p->y, "importers[%u].behaviour", i);
		return sim_yaml_fail(&p->y, node ? node : imp,
				     "an exporter with a vmap op (memfd) for holds-vmap",
				     "holds-vmap on a %s buffer, which has no vmap op",
				     sim_exporter_name(sc->exporter.kind));
	}
	for (unsigned int i = 0; i < sc->nr_importers; i++) {
		if (sc->importers[i].kind == SIM_IMP_PROCESS)
			continue;
		sim_yaml_path_set(&p->y, "importers[%u]", i);
		return sim_yaml_fail(&p->y, sim_yaml_node(&p->y,
				     p->importers->data.sequence.items.start[i]),
				     "driver: process, as every importer of this scenario",
				     "an in-process %s importer among importer processes",
				     sim_importer_name(sc->importers[i].kind));
	}
	if (p->clock && !sc->real_clock) {
		sim_yaml_path_set(&p->y, "clock");
		return sim_yaml_fail(&p->y, p->clock,
				     "clock: real (processes run in real time)",
				     "a virtual clock for importer processes");
	}
	sc->real_clock = true;
	return 0;
}

/*
 * What the process runner plays: the exporter's revokes and their ends.
 * The in-process importers' events (attach, cpu-read, invalidate) and the
 * power states are the simulated drivers'.
 */
static bool process_action(enum sim_action action)
{
	return action == SIM_ACT_FLR || action == SIM_ACT_FLR_DONE ||
	       action == SIM_ACT_DECODE_OFF || action == SIM_ACT_DECODE_ON ||
	       action == SIM_ACT_CLOSE;
}

static int check_process_events(struct sim_parser *p)
{
	const struct sim_scenario *sc = p->sc;
	const char *const names[] = { "flr", "flr-done", "decode-off", "decode-on", "close" };
	char list[96], exp[160];

	if (!sc->processes)
		return 0;
	for (unsigned int i = 0; i < sc->nr_events; i++) {
		yaml_node_t *ev, *node;

		if (process_action(sc->events[i].action))
			continue;
		ev = sim_yaml_node(&p->y, p->events->data.sequence.items.start[i]);
		node = sim_yaml_get(&p->y, ev, "do");
		sim_yaml_path_set(&p->y, "events[%u].do", i);
		snprintf(exp, sizeof(exp), "one of %s",
			 sim_schema_list(names, sizeof(names) / sizeof(names[0]), list,
					 sizeof(list)));
		return sim_yaml_fail(&p->y, node ? node : ev, exp,
				     "'%s' is not played with importer processes",
				     sim_action_name(sc->events[i].action));
	}
	return 0;
}

/* ---- variants ---- */

static int parse_variant_policy(struct sim_yaml *y, yaml_node_t *node, void *obj)
{
	return parse_policy_into(y, node, &((struct sim_variant *)obj)->policy);
}

static int parse_variant_expect(struct sim_yaml *y, yaml_node_t *node, void *obj)
{
	struct sim_variant *v = obj;

	/* A variant's expectations replace the scenario's whole. */
	sim_expect_defaults(&v->expect);
	return sim_parse_expect(sim_parser_of(y), node, &v->expect);
}

static const struct sim_key variant_keys[] = {
	SIM_KEY("name", SIM_KEY_NAME, struct sim_variant, name, .required = true),
	SIM_KEY("description", SIM_KEY_TEXT, struct sim_variant, description),
	{ .name = "policy", .type = SIM_KEY_CUSTOM, .parse = parse_variant_policy },
	{ .name = "expect", .type = SIM_KEY_CUSTOM, .parse = parse_variant_expect },
};

static int parse_variant(struct sim_parser *p, yaml_node_t *node, unsigned int i, void *obj)
{
	struct sim_scenario *sc = p->sc;
	struct sim_variant *v = &sc->variants[i];
	int ret;

	v->policy.revoke = sc->policy;
	v->policy.power_ref = sc->power_ref;
	v->expect = sc->expect;
	v->where.line = sim_yaml_line(node);
	ret = sim_schema_mapping(&p->y, node, variant_keys,
				 sizeof(variant_keys) / sizeof(variant_keys[0]), v);
	if (ret)
		return ret;
	for (unsigned int j = 0; j < i; j++)
		if (!strcmp(sc->variants[j].name, v->name))
			return sim_yaml_fail(&p->y, sim_yaml_get(&p->y, node, "name"),
					     "a name used by one variant only",
					     "variant '%s' is also variants[%u]", v->name, j);
	sc->nr_variants = i + 1;
	return 0;
}

static int parse_variants(struct sim_parser *p)
{
	static const char exp[] =
		"a list of variants like - { name: blocking, policy: { power_ref: false } }";
	int ret;

	if (!p->variants)
		return 0;
	sim_yaml_path_set(&p->y, "variants");
	ret = sim_parse_list(&p->y, p->variants, exp, SIM_MAX_VARIANTS, parse_variant, NULL);
	if (!ret && !p->sc->nr_variants)
		return sim_yaml_fail(&p->y, p->variants, exp, "no variants");
	return ret;
}

int sim_scenario_parse(const char *text, size_t len, const char *file,
		       struct sim_scenario *out, char *err, size_t err_len)
{
	struct sim_parser *p;
	int ret;

	/* The parser is small, but the scenario it fills is not: no stack. */
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, err_len, "%s: out of memory", file);
		return -ENOMEM;
	}
	p->sc = out;
	scenario_defaults(out);
	ret = sim_yaml_load(&p->y, text, len, file, err, err_len);
	if (ret)
		goto out;
	p->root = sim_yaml_root(&p->y);
	ret = sim_schema_mapping(&p->y, p->root, top_keys,
				 sizeof(top_keys) / sizeof(top_keys[0]), out);
	if (!ret)
		ret = check_workload(p);
	if (!ret)
		ret = check_processes(p);
	if (!ret)
		ret = sim_parse_events(p);
	if (!ret)
		ret = check_process_events(p);
	if (!ret && out->processes && !p->revoking_events) {
		sim_yaml_path_set(&p->y, "events");
		ret = sim_yaml_fail(&p->y, p->events ? p->events : p->root,
				    "an event that revokes, like - { at: 10ms, do: close }",
				    "importer processes and nothing that revokes");
	}
	if (!ret && p->expect) {
		sim_yaml_path_set(&p->y, "expect");
		ret = sim_parse_expect(p, p->expect, &out->expect);
	}
	if (!ret)
		ret = parse_variants(p);
	/* Last: the cost depends on the events (remaps) and the variants (plays). */
	if (!ret)
		ret = check_budget(p);
out:
	sim_yaml_free(&p->y);
	free(p);
	return ret;
}

int sim_scenario_load(const char *path, struct sim_scenario *out,
		      char *err, size_t err_len)
{
	FILE *f = fopen(path, "rb");
	char *text;
	size_t len;
	int ret;

	if (!f) {
		ret = -errno;
		snprintf(err, err_len, "%s: cannot read: %s", path, strerror(errno));
		return ret;
	}
	text = malloc(SIM_MAX_FILE + 1);
	if (!text) {
		ret = -ENOMEM;
		snprintf(err, err_len, "%s: out of memory", path);
		goto out_close;
	}
	errno = 0;
	len = fread(text, 1, SIM_MAX_FILE + 1, f);
	if (ferror(f)) {
		ret = errno ? -errno : -EIO;
		snprintf(err, err_len, "%s: cannot read: %s", path, strerror(-ret));
	} else if (len > SIM_MAX_FILE) {
		ret = -EFBIG;
		snprintf(err, err_len, "%s: larger than 1 MiB, not a scenario", path);
	} else {
		ret = sim_scenario_parse(text, len, path, out, err, err_len);
	}
	free(text);
out_close:
	fclose(f);
	return ret;
}

unsigned int sim_scenario_nr_instances(const struct sim_scenario *sc)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < sc->nr_importers; i++)
		n += sc->importers[i].count;
	return n;
}

unsigned int sim_scenario_nr_plays(const struct sim_scenario *sc)
{
	return sc->nr_variants ? sc->nr_variants : 1;
}

int sim_scenario_variant(const struct sim_scenario *sc, unsigned int index,
			 struct sim_scenario *out)
{
	const struct sim_variant *v;

	if (index >= sim_scenario_nr_plays(sc))
		return -EINVAL;
	v = &sc->variants[index];
	if (out != sc)
		memcpy(out, sc, sizeof(*out));
	if (!sc->nr_variants)
		return 0;
	snprintf(out->variant, sizeof(out->variant), "%s", v->name);
	snprintf(out->variant_description, sizeof(out->variant_description), "%s",
		 v->description);
	out->policy = v->policy.revoke;
	out->power_ref = v->policy.power_ref;
	out->expect = v->expect;
	out->nr_variants = 0;
	memset(out->variants, 0, sizeof(out->variants));
	return 0;
}
