// SPDX-License-Identifier: MIT
/*
 * test-scenario-parse.c - the scenario format of docs/scenarios.md: every
 * built-in parses and says what its scenario must show, the units and
 * defaults are as documented, and each kind of bad file is rejected at the
 * right line with the right words.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#include "builtin.h"
#include "override.h"
#include "scenario.h"
#include "units.h"

#ifndef SIM_SCENARIO_DIR
#error "SIM_SCENARIO_DIR: the built-in scenarios' source folder"
#endif

static struct sim_scenario *sc_alloc(void)
{
	struct sim_scenario *sc = malloc(sizeof(*sc));

	assert_non_null(sc);
	return sc;
}

static int parse(const char *text, struct sim_scenario *sc, char *err, size_t len)
{
	return sim_scenario_parse(text, strlen(text), "t.yaml", sc, err, len);
}

static const struct sim_builtin *builtin(const char *name)
{
	const struct sim_builtin *b = sim_builtin_find(name);

	assert_non_null(b);
	return b;
}

static void parse_builtin(const char *name, struct sim_scenario *sc)
{
	const struct sim_builtin *b = builtin(name);
	char err[512] = "";

	if (sim_scenario_parse(b->text, b->len, name, sc, err, sizeof(err)))
		fail_msg("%s", err);
}

static const struct sim_importer_spec *importer(const struct sim_scenario *sc,
						const char *device)
{
	for (unsigned int i = 0; i < sc->nr_importers; i++)
		if (!strcmp(sc->importers[i].device, device))
			return &sc->importers[i];
	fail_msg("no importer %s", device);
	return NULL;
}

/* Every built-in parses, is named after its file, and fits `list`. */
static void builtins_parse(void **state)
{
	struct sim_scenario *sc = sc_alloc();
	static const char *const names[] = {
		"vfio-revoke", "broken-importer", "gpu-evict", "low-power",
		"device-close", "legacy-pinned", "vfio-processes", "memfd-processes",
	};

	assert_int_equal(sim_nr_builtins, 8);
	assert_string_equal(sim_builtin_default()->name, "vfio-revoke");
	for (unsigned int i = 0; i < sim_nr_builtins; i++) {
		const char *dot;

		assert_string_equal(sim_builtins[i].name, names[i]);
		assert_int_equal(strlen(sim_builtins[i].text), sim_builtins[i].len);
		parse_builtin(names[i], sc);
		assert_string_equal(sc->name, names[i]);
		/* The first sentence is the `list` line: short enough for 80 columns. */
		dot = strstr(sc->description, ". ");
		assert_non_null(dot);
		assert_true(dot - sc->description + 1 <= 60);
		/* Every built-in judges violations: the default [] means "none". */
		assert_true(sc->expect.nr_violations || sc->expect.revokes >= 0 ||
			    sc->nr_variants);
	}
	assert_null(sim_builtin_find("nope"));
	free(sc);
}

/* The file next to the source is the text embedded: `run FILE` == `run NAME`. */
static void builtins_are_the_files(void **state)
{
	struct sim_scenario *a = sc_alloc(), *b = sc_alloc();
	char path[512], err[512] = "";

	for (unsigned int i = 0; i < sim_nr_builtins; i++) {
		FILE *f;
		char *text = malloc(sim_builtins[i].len + 1);

		assert_non_null(text);
		snprintf(path, sizeof(path), "%s/%s.yaml", SIM_SCENARIO_DIR, sim_builtins[i].name);
		f = fopen(path, "rb");
		assert_non_null(f);
		assert_int_equal(fread(text, 1, sim_builtins[i].len + 1, f), sim_builtins[i].len);
		fclose(f);
		assert_memory_equal(text, sim_builtins[i].text, sim_builtins[i].len);
		free(text);

		if (sim_scenario_load(path, a, err, sizeof(err)))
			fail_msg("%s", err);
		parse_builtin(sim_builtins[i].name, b);
		assert_memory_equal(a, b, sizeof(*a));
	}
	free(a);
	free(b);
}

/* vfio-revoke: the pinned importer is refused, one revoke, DMA after it faults. */
static void builtin_vfio_revoke(void **state)
{
	struct sim_scenario *sc = sc_alloc();

	parse_builtin("vfio-revoke", sc);
	assert_int_equal(sc->exporter.kind, SIM_EXP_VFIO_PCI);
	assert_int_equal(sc->nr_importers, 4);
	assert_int_equal(importer(sc, "vm0")->kind, SIM_IMP_IOMMUFD);
	assert_int_equal(importer(sc, "mlx0")->kind, SIM_IMP_RDMA_ODP);
	assert_int_equal(importer(sc, "gpu0")->kind, SIM_IMP_GPU);
	assert_int_equal(importer(sc, "mlx1")->kind, SIM_IMP_RDMA_PINNED);
	assert_int_equal(importer(sc, "mlx1")->expect_attach, -EOPNOTSUPP);
	assert_true(importer(sc, "mlx1")->expect_attach_set);
	assert_int_equal(importer(sc, "vm0")->expect_attach, 0);
	assert_int_equal(importer(sc, "vm0")->expect_invalidations, 1);
	assert_int_equal(sc->nr_events, 2);
	assert_int_equal(sc->events[0].action, SIM_ACT_FLR);
	assert_int_equal(sc->events[1].action, SIM_ACT_FLR_DONE);
	assert_int_equal(sc->expect.nr_violations, 0);
	assert_int_equal(sc->expect.revokes, 1);
	assert_true(sc->expect.dma_after_revoke_faults);
	assert_true(sc->expect.resume);
	assert_int_equal(sc->policy.wait, DMB_REVOKE_WARN_THEN_WAIT);
	assert_int_equal(sc->nr_variants, 0);
	free(sc);
}

/* broken-importer: V6 naming the broken importer, with a short bound. */
static void builtin_broken_importer(void **state)
{
	struct sim_scenario *sc = sc_alloc();

	parse_builtin("broken-importer", sc);
	assert_int_equal(importer(sc, "bad0")->kind, SIM_IMP_BROKEN_NO_UNMAP);
	assert_int_equal(sc->expect.nr_violations, 1);
	assert_int_equal(sc->expect.violations[0].kind, DMB_V6_UNMAP_TIMEOUT);
	assert_string_equal(sc->expect.violations[0].importer, "broken-no-unmap");
	assert_string_equal(sc->expect.violations[0].device, "bad0");
	assert_int_equal(sc->policy.unmap_bound_ns, 50 * NSEC_PER_MSEC);
	assert_int_equal(sc->policy.wait, DMB_REVOKE_DEADLINE_FORCE);
	assert_int_equal(sc->expect.revokes, 1);
	free(sc);
}

/* gpu-evict: moves, no revokes, data intact, every importer invalidated per move. */
static void builtin_gpu_evict(void **state)
{
	struct sim_scenario *sc = sc_alloc();

	parse_builtin("gpu-evict", sc);
	assert_int_equal(sc->exporter.kind, SIM_EXP_VRAM);
	assert_int_equal(importer(sc, "gpu1")->count, 2);
	assert_int_equal(sim_scenario_nr_instances(sc), 3);
	assert_int_equal(sc->nr_events, 4);
	assert_int_equal(sc->events[0].action, SIM_ACT_EVICT);
	assert_int_equal(sc->events[1].action, SIM_ACT_MIGRATE);
	for (unsigned int i = 0; i < sc->nr_importers; i++)
		assert_int_equal(sc->importers[i].expect_invalidations, 4);
	assert_int_equal(sc->expect.revokes, 0);
	assert_true(sc->expect.data_intact);
	free(sc);
}

/* low-power: two variants, same events, different policy and expectations. */
static void builtin_low_power(void **state)
{
	struct sim_scenario *sc = sc_alloc(), *v = sc_alloc();

	parse_builtin("low-power", sc);
	assert_int_equal(sc->nr_variants, 2);
	assert_int_equal(sim_scenario_nr_plays(sc), 2);

	assert_int_equal(sim_scenario_variant(sc, 0, v), 0);
	assert_string_equal(v->variant, "blocking");
	assert_false(v->power_ref);
	assert_int_equal(v->expect.revokes, 1);
	assert_true(v->expect.cpu_access_fails_while_revoked);
	assert_int_equal(v->expect.cpu_faults, 1);
	assert_int_equal(v->nr_variants, 0);

	assert_int_equal(sim_scenario_variant(sc, 1, v), 0);
	assert_string_equal(v->variant, "power-ref");
	assert_true(v->power_ref);
	assert_int_equal(v->expect.revokes, 0);
	assert_int_equal(v->expect.cpu_faults, 0);
	assert_false(v->expect.cpu_access_fails_while_revoked);
	assert_int_equal(v->nr_events, sc->nr_events);

	assert_int_equal(sim_scenario_variant(sc, 2, v), -EINVAL);
	free(v);
	free(sc);
}

/* device-close: the late importer is attached after the close and refused. */
static void builtin_device_close(void **state)
{
	struct sim_scenario *sc = sc_alloc();
	const struct sim_event_spec *last;

	parse_builtin("device-close", sc);
	assert_true(importer(sc, "gpu0")->late);
	assert_int_equal(importer(sc, "gpu0")->expect_attach, -ENODEV);
	last = &sc->events[sc->nr_events - 1];
	assert_int_equal(last->action, SIM_ACT_ATTACH);
	assert_string_equal(sc->importers[last->importer].device, "gpu0");
	assert_int_equal(sc->events[sc->nr_events - 2].action, SIM_ACT_CLOSE);
	assert_int_equal(sc->expect.revokes, 2);
	free(sc);
}

/* legacy-pinned: heap, pinned importer attached and never invalidated. */
static void builtin_legacy_pinned(void **state)
{
	struct sim_scenario *sc = sc_alloc();

	parse_builtin("legacy-pinned", sc);
	assert_int_equal(sc->exporter.kind, SIM_EXP_HEAP);
	assert_int_equal(importer(sc, "mlx1")->kind, SIM_IMP_RDMA_PINNED);
	assert_int_equal(importer(sc, "mlx1")->expect_attach, 0);
	assert_int_equal(importer(sc, "mlx1")->expect_invalidations, 0);
	assert_int_equal(importer(sc, "mlx0")->expect_invalidations, 1);
	assert_int_equal(sc->expect.revokes, 0);
	free(sc);
}

/* What a file leaves out takes the documented defaults. */
/*
 * Importer processes, one per behaviour, real time, on @exporter: the
 * first @nr of these (holds-vmap only where the exporter has a vmap op).
 */
static void builtin_processes(const char *name, enum sim_exporter_kind exporter,
			      enum sim_action revoke, unsigned int nr)
{
	struct sim_scenario *sc = sc_alloc();
	static const struct { const char *device; enum sim_behaviour b; } want[] = {
		{ "viewer", SIM_BEH_COOPERATING }, { "stuck", SIM_BEH_NEVER_UNMAP },
		{ "writer", SIM_BEH_KEEPS_WRITING }, { "doomed", SIM_BEH_KILLED_MID_REVOKE },
		{ "holder", SIM_BEH_HOLDS_VMAP },
	};

	parse_builtin(name, sc);
	assert_true(sc->processes);
	assert_true(sc->real_clock);
	assert_int_equal(sc->exporter.kind, exporter);
	assert_int_equal(sc->nr_importers, nr);
	assert_int_equal(nr == 5, sim_exporter_vmaps(exporter));
	for (unsigned int i = 0; i < nr; i++) {
		const struct sim_importer_spec *imp = importer(sc, want[i].device);

		assert_int_equal(imp->kind, SIM_IMP_PROCESS);
		assert_true(imp->behaviour_set);
		assert_int_equal(imp->behaviour, want[i].b);
	}
	assert_int_equal(sc->events[0].action, revoke);
	assert_int_equal(sc->policy.wait, DMB_REVOKE_DEADLINE_FORCE);
	assert_int_equal(sc->expect.nr_violations, 2);
	assert_int_equal(sc->expect.revokes, 1);
	free(sc);
}

/* vfio-processes: issue #13's, a vfio-pci reset. */
static void builtin_vfio_processes(void **state)
{
	builtin_processes("vfio-processes", SIM_EXP_VFIO_PCI, SIM_ACT_FLR, 4);
}

/* memfd-processes: the same against the ipc layer's own exporter. */
static void builtin_memfd_processes(void **state)
{
	builtin_processes("memfd-processes", SIM_EXP_MEMFD, SIM_ACT_CLOSE, 5);
}

static void defaults(void **state)
{
	struct sim_scenario *sc = sc_alloc();
	char err[512] = "";

	if (parse("name: t\nexporter: { driver: heap }\nimporters: [ { driver: gpu }, "
		  "{ driver: gpu }, { driver: iommufd } ]\n", sc, err, sizeof(err)))
		fail_msg("%s", err);
	assert_string_equal(sc->description, "");
	assert_false(sc->real_clock);
	assert_int_equal(sc->duration_ns, 100 * NSEC_PER_MSEC);
	assert_int_equal(sc->seed, 1);
	assert_int_equal(sc->policy.wait, DMB_REVOKE_WARN_THEN_WAIT);
	assert_int_equal(sc->policy.unmap_bound_ns, NSEC_PER_SEC);
	assert_int_equal(sc->policy.fence_bound_ns, NSEC_PER_SEC);
	assert_false(sc->power_ref);
	assert_string_equal(sc->exporter.device, "heap0");
	assert_int_equal(sc->exporter.size, 1 << 20);
	assert_int_equal(sc->exporter.where.line, 2);
	/* Devices default to the driver's name, numbered among its namesakes. */
	assert_string_equal(sc->importers[0].device, "gpu0");
	assert_string_equal(sc->importers[1].device, "gpu1");
	assert_string_equal(sc->importers[2].device, "iommufd0");
	assert_int_equal(sc->importers[0].count, 1);
	assert_false(sc->importers[0].late);
	assert_false(sc->importers[0].expect_attach_set);
	assert_int_equal(sc->importers[0].expect_attach, 0);
	assert_int_equal(sc->importers[0].expect_invalidations, -1);
	assert_int_equal(sc->workload.job_size, 64 << 10);
	assert_int_equal(sc->workload.job_ns, 2 * NSEC_PER_MSEC);
	assert_int_equal(sc->workload.interval_ns, 5 * NSEC_PER_MSEC);
	assert_int_equal(sc->nr_events, 0);
	assert_int_equal(sc->expect.nr_violations, 0);
	assert_int_equal(sc->expect.revokes, -1);
	assert_int_equal(sc->expect.cpu_faults, -1);
	assert_false(sc->expect.dma_after_revoke_faults);
	assert_int_equal(sc->nr_variants, 0);
	assert_int_equal(sim_scenario_nr_plays(sc), 1);
	free(sc);
}

/* Every key, set: the format round-trips into the struct. */
static void every_key(void **state)
{
	static const char text[] =
		"name: all-keys\n"
		"description: every key\n"
		"clock: real\n"
		"duration: 1.5s\n"
		"seed: 42\n"
		"policy: { wait: deadline-force, unmap_bound: 20us, fence_bound: 250ns, power_ref: true }\n"
		"exporter: { driver: vfio-pci, device: nic0, size: 2MiB }\n"
		"importers:\n"
		"  - { driver: broken-write-after-invalidate, device: w0, count: 3 }\n"
		"  - { driver: broken-touch-after-unmap, device: t0, late: true, expect_attach: -ENODEV,\n"
		"      expect_invalidations: 0 }\n"
		"workload: { job_size: 4096, job_duration: 1ms, interval: 3ms }\n"
		"events:\n"
		"  - { at: 0, do: decode-off }\n"
		"  - { at: 1ms, do: decode-on }\n"
		"  - { at: 1ms, do: d3 }\n"
		"  - { at: 2ms, do: cpu-read }\n"
		"  - { at: 3ms, do: d0 }\n"
		"  - { at: 4ms, do: attach, importer: t0 }\n"
		"  - { at: 5ms, do: invalidate }\n"
		"expect:\n"
		"  violations: [V4, { kind: V5, importer: broken-touch-after-unmap }, { kind: V10 }]\n"
		"  revokes: 2\n"
		"  dma_after_revoke_faults: true\n"
		"  resume: true\n"
		"  importers_ran: true\n"
		"  data_intact: true\n"
		"  cpu_access_fails_while_revoked: true\n"
		"  cpu_faults: 1\n";
	struct sim_scenario *sc = sc_alloc();
	char err[512] = "";

	if (parse(text, sc, err, sizeof(err)))
		fail_msg("%s", err);
	assert_true(sc->real_clock);
	assert_int_equal(sc->duration_ns, 1500 * NSEC_PER_MSEC);
	assert_int_equal(sc->seed, 42);
	assert_int_equal(sc->policy.wait, DMB_REVOKE_DEADLINE_FORCE);
	assert_int_equal(sc->policy.unmap_bound_ns, 20000);
	assert_int_equal(sc->policy.fence_bound_ns, 250);
	assert_true(sc->power_ref);
	assert_int_equal(sc->exporter.size, 2 << 20);
	assert_int_equal(sc->importers[0].kind, SIM_IMP_BROKEN_WRITE_AFTER_INV);
	assert_int_equal(sc->importers[0].count, 3);
	assert_int_equal(sc->importers[0].where.line, 9);
	assert_int_equal(sc->importers[1].kind, SIM_IMP_BROKEN_TOUCH_AFTER_UNMAP);
	assert_true(sc->importers[1].late);
	assert_int_equal(sc->importers[1].expect_attach, -ENODEV);
	assert_int_equal(sc->importers[1].expect_invalidations, 0);
	assert_int_equal(sim_scenario_nr_instances(sc), 4);
	assert_int_equal(sc->workload.job_size, 4096);
	assert_int_equal(sc->nr_events, 7);
	assert_int_equal(sc->events[0].at_ns, 0);
	assert_int_equal(sc->events[0].where.line, 14);
	assert_int_equal(sc->events[5].action, SIM_ACT_ATTACH);
	assert_int_equal(sc->events[5].importer, 1);
	assert_int_equal(sc->events[6].action, SIM_ACT_INVALIDATE);
	assert_int_equal(sc->expect.nr_violations, 3);
	assert_int_equal(sc->expect.violations[0].kind, DMB_V4_DMA_AFTER_INVALIDATE);
	assert_string_equal(sc->expect.violations[1].importer, "broken-touch-after-unmap");
	assert_int_equal(sc->expect.violations[2].kind, DMB_V10_LOCK_INVERSION);
	assert_int_equal(sc->expect.revokes, 2);
	assert_true(sc->expect.resume && sc->expect.importers_ran && sc->expect.data_intact);
	assert_int_equal(sc->expect.cpu_faults, 1);
	free(sc);
}

/* A variant merges its policy keys into the scenario's and replaces expect. */
static void variants_merge_policy_replace_expect(void **state)
{
	static const char text[] =
		"name: v\n"
		"exporter: { driver: vfio-pci }\n"
		"importers: [ { driver: gpu } ]\n"
		"events: [ { at: 10ms, do: flr } ]\n"
		"variants:\n"
		"  - { name: a, description: first }\n"
		"  - { name: b, policy: { power_ref: true }, expect: { revokes: 0 } }\n"
		"policy: { wait: wait, unmap_bound: 7ms }\n"
		"expect: { revokes: 1, violations: [V7] }\n";
	struct sim_scenario *sc = sc_alloc(), *v = sc_alloc();
	char err[512] = "";

	if (parse(text, sc, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(sim_scenario_variant(sc, 0, v), 0);
	assert_string_equal(v->variant, "a");
	assert_string_equal(v->variant_description, "first");
	assert_int_equal(v->policy.wait, DMB_REVOKE_WAIT);	/* declared after variants */
	assert_int_equal(v->policy.unmap_bound_ns, 7 * NSEC_PER_MSEC);
	assert_int_equal(v->expect.revokes, 1);
	assert_int_equal(v->expect.nr_violations, 1);

	assert_int_equal(sim_scenario_variant(sc, 1, v), 0);
	assert_true(v->power_ref);
	assert_int_equal(v->policy.wait, DMB_REVOKE_WAIT);
	assert_int_equal(v->policy.unmap_bound_ns, 7 * NSEC_PER_MSEC);
	assert_int_equal(v->expect.revokes, 0);
	assert_int_equal(v->expect.nr_violations, 0);	/* replaced, not merged */

	/* Without variants, play 0 is the scenario itself. */
	parse_builtin("vfio-revoke", sc);
	assert_int_equal(sim_scenario_variant(sc, 0, v), 0);
	assert_memory_equal(sc, v, sizeof(*sc));
	assert_int_equal(sim_scenario_variant(sc, 1, v), -EINVAL);
	free(v);
	free(sc);
}

static void units_durations(void **state)
{
	static const struct { const char *s; int ret; int64_t ns; } cases[] = {
		{ "0", 0, 0 }, { "250ns", 0, 250 }, { "20us", 0, 20000 },
		{ "5ms", 0, 5000000 }, { "1s", 0, 1000000000 }, { "1.5ms", 0, 1500000 },
		{ "0.000000001s", 0, 1 }, { "3600s", 0, 3600LL * NSEC_PER_SEC },
		{ "5", -EINVAL, 0 }, { "1.5", -EINVAL, 0 }, { "ms", -EINVAL, 0 },
		{ "-1ms", -EINVAL, 0 }, { "1.5ns", -EINVAL, 0 }, { "1 ms", -EINVAL, 0 },
		{ "1h", -EINVAL, 0 }, { "1.ms", -EINVAL, 0 }, { "0.0000000001s", -EINVAL, 0 },
		{ "99999999999999999999ns", -ERANGE, 0 }, { "9999999999s", -ERANGE, 0 },
		{ "", -EINVAL, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t ns = -1;

		if (sim_parse_duration(cases[i].s, &ns) != cases[i].ret)
			fail_msg("'%s': not %d", cases[i].s, cases[i].ret);
		if (!cases[i].ret)
			assert_int_equal(ns, cases[i].ns);
	}
}

static void units_sizes_and_errnos(void **state)
{
	static const struct { const char *s; int ret; uint64_t v; } sizes[] = {
		{ "4096", 0, 4096 }, { "64KiB", 0, 65536 }, { "1MiB", 0, 1 << 20 },
		{ "2GiB", 0, 2ULL << 30 }, { "7B", 0, 7 }, { "1KB", -EINVAL, 0 },
		{ "1k", -EINVAL, 0 }, { "-4096", -EINVAL, 0 }, { "1.5MiB", -EINVAL, 0 },
		{ "99999999999TiB", -ERANGE, 0 },
	};
	int err = 1;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t v = 0;

		assert_int_equal(sim_parse_size(sizes[i].s, &v), sizes[i].ret);
		if (!sizes[i].ret)
			assert_int_equal(v, sizes[i].v);
	}
	assert_int_equal(sim_parse_errno("0", &err), 0);
	assert_int_equal(err, 0);
	assert_int_equal(sim_parse_errno("EOPNOTSUPP", &err), 0);
	assert_int_equal(err, -EOPNOTSUPP);
	assert_int_equal(sim_parse_errno("-ENODEV", &err), 0);
	assert_int_equal(err, -ENODEV);
	assert_int_equal(sim_parse_errno("ENOTSUP", &err), 0);
	assert_int_equal(err, -EOPNOTSUPP);
	assert_int_equal(sim_parse_errno("EWHAT", &err), -EINVAL);
	assert_int_equal(sim_parse_errno("95", &err), -EINVAL);
	assert_string_equal(sim_errno_name(-EOPNOTSUPP), "EOPNOTSUPP");
	assert_string_equal(sim_errno_name(-ENODEV), "ENODEV");
	assert_string_equal(sim_errno_name(0), "0");
	assert_null(sim_errno_name(-4095));
}

static void names_and_instances(void **state)
{
	struct sim_importer_spec spec = { .device = "gpu1", .count = 3 };
	char buf[SIM_NAME_LEN];

	for (int i = 0; i < SIM_NR_EXPORTERS; i++)
		assert_int_equal(sim_name_lookup(sim_exporter_names, SIM_NR_EXPORTERS,
						 sim_exporter_name(i)), i);
	for (int i = 0; i < SIM_NR_IMPORTERS; i++)
		assert_int_equal(sim_name_lookup(sim_importer_names, SIM_NR_IMPORTERS,
						 sim_importer_name(i)), i);
	for (int i = 0; i < SIM_NR_ACTIONS; i++)
		assert_int_equal(sim_name_lookup(sim_action_names, SIM_NR_ACTIONS,
						 sim_action_name(i)), i);
	assert_string_equal(sim_wait_name(DMB_REVOKE_WARN_THEN_WAIT), "warn-then-wait");
	assert_string_equal(sim_exporter_name(SIM_NR_EXPORTERS), "?");
	sim_importer_instance_name(&spec, 0, buf, sizeof(buf));
	assert_string_equal(buf, "gpu1");
	sim_importer_instance_name(&spec, 2, buf, sizeof(buf));
	assert_string_equal(buf, "gpu1.2");
	assert_true(sim_action_allowed(SIM_EXP_VFIO_PCI, SIM_ACT_FLR));
	assert_false(sim_action_allowed(SIM_EXP_HEAP, SIM_ACT_FLR));
	assert_true(sim_action_allowed(SIM_EXP_VRAM, SIM_ACT_EVICT));
	assert_false(sim_action_allowed(SIM_EXP_VFIO_PCI, SIM_ACT_EVICT));
	assert_true(sim_action_allowed(SIM_EXP_HEAP, SIM_ACT_INVALIDATE));
	assert_true(sim_action_allowed(SIM_EXP_MEMFD, SIM_ACT_CLOSE));
	assert_false(sim_action_allowed(SIM_EXP_MEMFD, SIM_ACT_FLR));
	assert_false(sim_action_allowed(SIM_EXP_MEMFD, SIM_ACT_INVALIDATE));
	assert_true(sim_exporter_shares(SIM_EXP_VFIO_PCI));
	assert_true(sim_exporter_shares(SIM_EXP_MEMFD));
	assert_false(sim_exporter_shares(SIM_EXP_HEAP));
	assert_false(sim_exporter_vmaps(SIM_EXP_VFIO_PCI));
	for (int i = 0; i < SIM_NR_BEHAVIOURS; i++)
		assert_int_equal(sim_name_lookup(sim_behaviour_names, SIM_NR_BEHAVIOURS,
						 sim_behaviour_name(i)), i);
}

/* A valid head; the table's texts add one mistake after it (line 4 on). */
#define HEAD "name: t\nexporter: { driver: vfio-pci }\nimporters: [ { driver: gpu } ]\n"
/* A valid head for importer processes: add the importers (line 4 on). */
#define PHEAD "name: t\nexporter: { driver: memfd }\nevents: [ { at: 1ms, do: close } ]\n"
#define BEHAVIOURS "cooperating, never-unmap, keeps-writing, killed-mid-revoke or holds-vmap"
#define HEAD_LATE "name: t\nexporter: { driver: vfio-pci }\n" \
	"importers: [ { driver: gpu }, { driver: iommufd, device: vm9, late: true } ]\n"

struct bad_case {
	const char *text;
	unsigned int line;
	const char *fragment;
};

static const struct bad_case bad_cases[] = {
	/* syntax */
	{ "name: t\nexporter: { driver: vfio-pci\nimporters: []\n", 3, "YAML syntax error" },
	{ "name: t\n  bad: indent\n", 2, "YAML syntax error" },
	{ "name: t\n\texporter: 1\n", 2, "YAML syntax error" },
	{ "name: [unclosed\n", 2, "YAML syntax error" },
	{ "", 1, "the file is empty" },
	{ "# only a comment\n", 1, "the file is empty" },
	{ HEAD "---\nname: u\n", 5, "a second YAML document" },
	{ "- a\n- b\n", 1, "a list where a mapping belongs" },
	{ "just text\n", 1, "a value where a mapping belongs" },
	/* unknown keys, names, drivers, actions */
	{ HEAD "colour: red\n", 4, "unknown key 'colour' (expected one of the keys name," },
	{ HEAD "name: again\n", 4, "duplicate key 'name'" },
	{ "name: t\nexporter: { driver: nvidia }\nimporters: [ { driver: gpu } ]\n", 2,
	  "exporter.driver: unknown driver 'nvidia' (expected one of vfio-pci, vram, heap or memfd)" },
	{ "name: t\nexporter: { driver: heap }\nimporters:\n  - { driver: gpu }\n  - { driver: dpdk }\n",
	  5, "importers[1].driver: unknown driver 'dpdk'" },
	{ HEAD "events: [ { at: 1ms, do: reboot } ]\n", 4, "events[0].do: unknown do 'reboot'" },
	{ HEAD "policy: { wait: forever }\n", 4,
	  "policy.wait: unknown wait 'forever' (expected one of warn-then-wait, wait or deadline-force)" },
	{ HEAD "exporter2: {}\n", 4, "unknown key 'exporter2'" },
	{ "name: t\nexporter: { driver: heap, sise: 4096 }\nimporters: [ { driver: gpu } ]\n", 2,
	  "exporter: unknown key 'sise' (expected one of the keys driver, device or size)" },
	{ "name: 'bad name'\nexporter: { driver: heap }\nimporters: [ { driver: gpu } ]\n", 1,
	  "name: 'bad name' is not a valid name" },
	{ HEAD "clock: wall\n", 4, "clock: unknown clock 'wall' (expected one of virtual or real)" },
	{ HEAD "expect: { violations: [V11] }\n", 4, "expect.violations[0]: unknown kind 'V11'" },
	{ HEAD "expect: { violations: [{ kind: V6, device: nobody }] }\n", 4,
	  "no importer has device 'nobody'" },
	{ HEAD "expect: { violations: [{ kind: V6, importer: nvidia }] }\n", 4,
	  "unknown importer 'nvidia'" },
	{ HEAD "importers: []\n", 4, "duplicate key 'importers'" },
	/* missing fields */
	{ "exporter: { driver: heap }\nimporters: [ { driver: gpu } ]\n", 1, "'name' is missing" },
	{ "name: t\nimporters: [ { driver: gpu } ]\n", 1, "'exporter' is missing" },
	{ "name: t\nexporter: { device: x }\nimporters: [ { driver: gpu } ]\n", 2,
	  "exporter: 'driver' is missing" },
	{ "name: t\nexporter: { driver: heap }\n", 1, "'importers' is missing" },
	{ "name: t\nexporter: { driver: heap }\nimporters: []\n", 3, "importers: no importers" },
	{ "name: t\nexporter: { driver: heap }\nimporters:\n", 3, "importers: no importers" },
	{ "name: t\nexporter: { driver: heap }\nimporters: [ { device: x } ]\n", 3,
	  "importers[0]: 'driver' is missing" },
	{ HEAD "events: [ { do: flr } ]\n", 4, "events[0]: 'at' is missing" },
	{ HEAD_LATE "events: [ { at: 1ms, do: attach } ]\n", 4, "events[0]: 'importer' is missing" },
	{ HEAD "variants: [ { description: x } ]\n", 4, "variants[0]: 'name' is missing" },
	{ "name:\nexporter: { driver: heap }\nimporters: [ { driver: gpu } ]\n", 1, "name: no value" },
	/* wrong types */
	{ HEAD "duration: 5\n", 4, "duration: '5' has no unit" },
	{ HEAD "duration: fast\n", 4, "duration: 'fast' is not a duration" },
	{ HEAD "seed: -3\n", 4, "seed: '-3' is not an integer" },
	{ HEAD "policy: { power_ref: yes }\n", 4, "policy.power_ref: 'yes' is not a boolean" },
	{ HEAD "policy: warn\n", 4, "policy: a value where a mapping belongs" },
	{ HEAD "events: { at: 1ms }\n", 4, "events: a mapping where a list belongs" },
	{ HEAD "expect: { revokes: [1] }\n", 4, "expect.revokes: a list where a value belongs" },
	{ "name: t\nexporter: { driver: heap }\nimporters: [ { driver: gpu, expect_attach: EWHAT } ]\n",
	  3, "importers[0].expect_attach: unknown errno 'EWHAT'" },
	{ "name: t\nexporter: { driver: heap }\nimporters: [ { driver: gpu, late: 1 } ]\n",
	  3, "importers[0].late: '1' is not a boolean" },
	/* importer processes */
	{ PHEAD "importers: [ { driver: process } ]\n", 4,
	  "importers[0]: a process importer without a behaviour (expected behaviour: one of "
	  BEHAVIOURS ")" },
	{ PHEAD "importers:\n  - { driver: process, behaviour: sulks }\n", 5,
	  "importers[0].behaviour: unknown behaviour 'sulks' (expected one of " BEHAVIOURS ")" },
	{ HEAD "importers2: x\n", 4, "unknown key 'importers2'" },
	{ "name: t\nexporter: { driver: heap }\nimporters:\n"
	  "  - { driver: gpu, behaviour: cooperating }\n", 4,
	  "importers[0].behaviour: a behaviour for an in-process importer "
	  "(expected behaviour only with driver: process)" },
	{ PHEAD "importers:\n  - { driver: process, behaviour: cooperating,\n      late: true }\n", 6,
	  "importers[0].late: a late process importer (expected late: false" },
	{ PHEAD "importers:\n  - { driver: process, behaviour: cooperating, expect_attach: ENODEV }\n",
	  5, "importers[0].expect_attach: a process importer expected to be refused" },
	{ PHEAD "importers:\n  - { driver: process, behaviour: cooperating }\n  - { driver: gpu }\n",
	  6, "importers[1]: an in-process gpu importer among importer processes "
	  "(expected driver: process, as every importer of this scenario)" },
	{ "name: t\nexporter: { driver: heap }\n"
	  "importers: [ { driver: process, behaviour: cooperating } ]\n", 2,
	  "exporter.driver: importer processes cannot import a heap buffer (expected memfd or vfio-pci" },
	{ "name: t\nexporter: { driver: vfio-pci }\n"
	  "importers: [ { driver: process, behaviour: cooperating } ]\n"
	  "events:\n  - { at: 1ms, do: flr }\n  - { at: 2ms, do: cpu-read }\n", 6,
	  "events[1].do: 'cpu-read' is not played with importer processes "
	  "(expected one of flr, flr-done, decode-off, decode-on or close)" },
	{ "name: t\nexporter: { driver: vfio-pci }\nimporters:\n"
	  "  - { driver: process, behaviour: cooperating }\n"
	  "  - { driver: process,\n      behaviour: holds-vmap }\n", 6,
	  "importers[1].behaviour: holds-vmap on a vfio-pci buffer, which has no vmap op "
	  "(expected an exporter with a vmap op (memfd) for holds-vmap)" },
	{ "name: t\nexporter:\n  driver: memfd\nimporters: [ { driver: gpu } ]\n", 3,
	  "exporter.driver: a memfd exporter without importer processes" },
	{ PHEAD "clock: virtual\nimporters: [ { driver: process, behaviour: cooperating } ]\n", 4,
	  "clock: a virtual clock for importer processes (expected clock: real" },
	{ "name: t\nexporter: { driver: memfd }\n"
	  "importers: [ { driver: process, behaviour: never-unmap } ]\n", 1,
	  "events: importer processes and nothing that revokes (expected an event that revokes" },
	{ "name: t\nexporter: { driver: memfd }\n"
	  "importers: [ { driver: process, behaviour: cooperating } ]\n"
	  "events: [ { at: 1ms, do: flr } ]\n", 4,
	  "events[0].do: 'flr' means nothing to a memfd exporter (expected one of close)" },
	/* absurd numbers */
	{ "name: t\nexporter: { driver: heap, size: 0 }\nimporters: [ { driver: gpu } ]\n", 2,
	  "exporter.size: '0' is too small" },
	{ "name: t\nexporter: { driver: heap, size: 2GiB }\nimporters: [ { driver: gpu } ]\n", 2,
	  "exporter.size: '2GiB' is too large (expected a size in whole 4KiB pages from 4KiB to 1GiB" },
	{ "name: t\nexporter: { driver: heap, size: 5000 }\nimporters: [ { driver: gpu } ]\n", 2,
	  "exporter.size: '5000' is not a whole number of pages" },
	{ "name: t\nexporter: { driver: heap, size: 99999999999999999999 }\n"
	  "importers: [ { driver: gpu } ]\n", 2, "exporter.size: '99999999999999999999' is too large" },
	{ HEAD "duration: 0\n", 4, "duration: '0' is too small" },
	{ HEAD "duration: 2h\n", 4, "duration: '2h' is not a duration" },
	{ HEAD "duration: 3601s\n", 4, "duration: '3601s' is too large (expected a duration from 1ns to 3600s" },
	{ HEAD "policy: { unmap_bound: 0 }\n", 4, "policy.unmap_bound: '0' is too small" },
	{ HEAD "policy: { fence_bound: 4000s }\n", 4, "policy.fence_bound: '4000s' is too large" },
	{ HEAD "workload: { job_duration: 0 }\n", 4, "workload.job_duration: '0' is too small" },
	{ HEAD "workload: { interval: 10ns }\n", 4, "workload.interval: '10ns' is too small" },
	{ HEAD "workload: { job_size: 2MiB }\n", 4,
	  "workload.job_size: a job larger than the buffer (expected at most the exporter's size, 1MiB)" },
	{ "name: t\nexporter: { driver: heap, size: 8KiB }\nimporters: [ { driver: gpu } ]\n", 2,
	  "workload.job_size: the default, 64KiB, is larger than the buffer" },
	/* the budget (budget.h): every accepted scenario finishes in bounded time and memory */
	{ HEAD "duration: 3600s\nworkload: { interval: 1us }\n", 5,
	  "workload.interval: 3600000001 DMA accesses (1 importer, one every 1000 ns for "
	  "3600000000000 ns) (expected at most 250000 in all" },
	{ "name: t\nexporter: { driver: vfio-pci }\nimporters: [ { driver: gpu, count: 64 } ]\n"
	  "duration: 3600s\n", 1, "workload.interval: 46080064 DMA accesses (64 importers" },
	{ HEAD "duration: 10s\nworkload: { job_size: 1MiB, interval: 1ms }\n", 5,
	  "workload.job_size: 10001 MiB moved by DMA (10001 accesses of 1024 KiB) "
	  "(expected at most 512 MiB in all" },
	{ "name: t\nexporter: { driver: vfio-pci, size: 1GiB }\n"
	  "importers: [ { driver: iommufd, count: 5 } ]\n", 3,
	  "importers: 1310720 pages mapped by IOMMUs (the buffer's 262144 pages per importer" },
	{ "name: t\nexporter: { driver: heap, size: 64MiB }\nimporters: [ { driver: gpu } ]\n", 2,
	  "exporter.size: a heap buffer of 64 MiB (expected at most 32MiB" },
	{ "name: t\nexporter:\n  driver: vram\n  size: 48MiB\nimporters: [ { driver: gpu } ]\n", 4,
	  "exporter.size: a vram buffer of 48 MiB (expected at most 32MiB" },
	{ "name: t\nexporter: { driver: vfio-pci, size: 1GiB }\nimporters: [ { driver: gpu } ]\n", 2,
	  "exporter.size: 6208 MiB of simulated memory (the buffer, and 4 times it per gpu importer) "
	  "(expected at most 4096 MiB" },
	/* the pages an event's remap costs count at parse time, with the line */
	{ "name: t\nexporter: { driver: vfio-pci, size: 256MiB }\n"
	  "importers: [ { driver: iommufd, count: 4 } ]\nworkload: { job_size: 4KiB }\n"
	  "events: [ { at: 1ms, do: flr }, { at: 2ms, do: flr-done },\n"
	  "  { at: 3ms, do: flr }, { at: 4ms, do: flr-done } ]\n", 3,
	  "importers: 1310720 pages mapped by IOMMUs (the buffer's 65536 pages per importer, "
	  "a gpu's staging memory, again after each of 4 events) (expected at most 1048576" },
	/* every limit near its maximum is fine once; three plays of it are not */
	{ "name: t\nduration: 3600s\nexporter: { driver: vfio-pci, size: 64KiB }\n"
	  "importers: [ { driver: gpu, count: 64 } ]\n"
	  "workload: { job_size: 2KiB, interval: 922ms }\n"
	  "variants:\n  - { name: a }\n  - { name: b }\n  - { name: c }\n", 7,
	  "variants: 90539979 units of work (3 plays of 249920 accesses, 249920 of them by gpu "
	  "importers, 17408 pages mapped) (expected at most 60000000 in all variants" },
	{ HEAD "clock: real\nduration: 61s\nworkload: { interval: 1s }\n", 5,
	  "duration: 61 s of real time (expected at most 60s on the real clock" },
	{ HEAD "seed: 9223372036854775808\n", 4, "seed: '9223372036854775808' is too large" },
	{ "name: t\nexporter: { driver: heap }\nimporters: [ { driver: gpu, count: 0 } ]\n", 3,
	  "importers[0].count: '0' is too small (expected an integer from 1 to 64)" },
	{ "name: t\nexporter: { driver: heap }\nimporters: [ { driver: gpu, count: 65 } ]\n", 3,
	  "importers[0].count: '65' is too large" },
	{ "name: t\nexporter: { driver: heap }\nimporters:\n  - { driver: gpu, count: 40 }\n"
	  "  - { driver: iommufd, count: 30 }\n", 5,
	  "importers[1]: 70 importers in total (expected at most 64 importers, counts included)" },
	{ HEAD "expect: { revokes: 65 }\n", 4, "expect.revokes: '65' is too large" },
	/* relations between keys */
	{ HEAD "events: [ { at: 100ms, do: flr } ]\n", 4,
	  "events[0].at: 100ms is not before the end of the run (expected a time before the duration, 100ms)" },
	{ HEAD "duration: 10ms\nevents: [ { at: 20ms, do: flr } ]\n", 5,
	  "events[0].at: 20ms is not before the end of the run" },
	{ HEAD "events:\n  - { at: 20ms, do: flr }\n  - { at: 10ms, do: flr-done }\n", 6,
	  "events[1].at: 10ms is before the previous event (expected events in time order)" },
	{ "name: t\nexporter: { driver: heap }\nimporters: [ { driver: gpu } ]\n"
	  "events: [ { at: 1ms, do: flr } ]\n", 4,
	  "events[0].do: 'flr' means nothing to a heap exporter (expected one of attach, cpu-read or invalidate)" },
	{ HEAD "events: [ { at: 1ms, do: evict } ]\n", 4, "'evict' means nothing to a vfio-pci exporter" },
	{ HEAD "events: [ { at: 1ms, do: flr-done } ]\n", 4,
	  "events[0].do: the end of a reset that did not begin (expected an flr event before it)" },
	{ HEAD "events:\n  - { at: 1ms, do: flr }\n  - { at: 2ms, do: flr }\n", 6,
	  "events[1].do: a reset that is already in progress" },
	{ HEAD "events: [ { at: 1ms, do: d0 } ]\n", 4, "the device is not in d3" },
	{ HEAD "events:\n  - { at: 1ms, do: close }\n  - { at: 2ms, do: flr }\n", 6,
	  "events[1].do: the device is already closed" },
	{ "name: t\nexporter: { driver: vram }\nimporters: [ { driver: gpu } ]\n"
	  "events: [ { at: 1ms, do: migrate } ]\n", 4, "the buffer is already in VRAM" },
	{ HEAD "events: [ { at: 1ms, do: attach, importer: gpu0 } ]\n", 4,
	  "events[0].importer: importer 'gpu0' attaches at the start (expected an importer with late: true)" },
	{ HEAD_LATE "events: [ { at: 1ms, do: attach, importer: nobody } ]\n", 4,
	  "events[0].importer: no importer has device 'nobody'" },
	{ HEAD_LATE "events:\n  - { at: 1ms, do: attach, importer: vm9 }\n"
	  "  - { at: 2ms, do: attach, importer: vm9 }\n", 6, "importer 'vm9' is attached twice" },
	{ HEAD "events: [ { at: 1ms, do: flr, importer: gpu0 } ]\n", 4,
	  "events[0].importer: only an attach event names an importer" },
	{ HEAD_LATE "events: []\n", 3, "importers[1]: late importer 'vm9' is never attached" },
	{ "name: t\nexporter: { driver: heap }\nimporters: [ { driver: gpu, device: a }, "
	  "{ driver: iommufd, device: a } ]\n", 3, "device 'a' is also importers[0]" },
	{ HEAD "expect: { revokes: 1 }\n", 4,
	  "expect.revokes: 1 revokes from 0 revoking events (expected at most 0" },
	{ HEAD "events: [ { at: 1ms, do: cpu-read } ]\nexpect: { cpu_faults: 2 }\n", 5,
	  "expect.cpu_faults: 2 CPU faults from 1 reads" },
	{ HEAD "expect: { cpu_access_fails_while_revoked: true }\n", 4,
	  "expect.cpu_access_fails_while_revoked: nothing in the events can show it" },
	{ HEAD "expect: { dma_after_revoke_faults: true }\n", 4, "nothing in the events revokes" },
	{ HEAD "events: [ { at: 1ms, do: flr } ]\nexpect: { resume: true }\n", 5,
	  "expect.resume: nothing in the events ends a revoke" },
	{ HEAD "variants: []\n", 4, "variants: no variants" },
	{ HEAD "variants: [ { name: a }, { name: a } ]\n", 4, "variant 'a' is also variants[0]" },
	{ HEAD "variants: [ { name: a, expect: { revokes: 1 } } ]\n", 4,
	  "variants[0].expect.revokes: 1 revokes from 0" },
	{ HEAD "variants: [ { name: a, events: [] } ]\n", 4,
	  "variants[0]: unknown key 'events' (expected one of the keys name, description, policy or expect)" },
	{ HEAD "variants:\n  - { name: a }\n  - { name: b }\n  - { name: c }\n  - { name: d }\n"
	  "  - { name: e }\n  - { name: f }\n  - { name: g }\n  - { name: h }\n  - { name: i }\n",
	  13, "variants: more than 8 entries" },
};

/* Each bad file: -EINVAL, "t.yaml:LINE: ", and the words that say what is wrong. */
static void bad_scenarios(void **state)
{
	struct sim_scenario *sc = sc_alloc();

	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		char err[768] = "", prefix[32];

		snprintf(prefix, sizeof(prefix), "t.yaml:%u: ", c->line);
		if (parse(c->text, sc, err, sizeof(err)) != -EINVAL)
			fail_msg("case %zu accepted:\n%s", i, c->text);
		if (strncmp(err, prefix, strlen(prefix)) || !strstr(err, c->fragment))
			fail_msg("case %zu:\n%s\ngot:      %s\nexpected: %s...%s", i, c->text,
				 err, prefix, c->fragment);
		/* Every message says what was expected. */
		assert_non_null(strstr(err, " (expected "));
	}
	free(sc);
}

/* Too many events: the limit is the format's, not the array's. */
static void too_many_events(void **state)
{
	struct sim_scenario *sc = sc_alloc();
	char *text = malloc(8192), err[512] = "";
	size_t len;

	assert_non_null(text);
	len = (size_t)snprintf(text, 8192, HEAD "events:\n");
	for (int i = 0; i <= SIM_MAX_EVENTS; i++)
		len += (size_t)snprintf(text + len, 8192 - len, "  - { at: %dms, do: cpu-read }\n", i);
	assert_int_equal(parse(text, sc, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "t.yaml:69: events: more than 64 entries"));
	free(text);
	free(sc);
}

static void load_errors(void **state)
{
	struct sim_scenario *sc = sc_alloc();
	char err[512] = "";

	assert_int_equal(sim_scenario_load("/nonexistent/s.yaml", sc, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "/nonexistent/s.yaml: cannot read: No such file or directory");
	assert_int_equal(sim_scenario_load(SIM_SCENARIO_DIR, sc, err, sizeof(err)) < 0, 1);
	free(sc);
}

/* Command-line overrides obey the file's rules and reach the scenario. */
static void overrides(void **state)
{
	struct sim_scenario *sc = sc_alloc();
	struct sim_overrides ov = { .clock = -1 };
	struct sim_run_options opt;
	char err[512] = "";

	parse_builtin("vfio-revoke", sc);
	ov.duration_ns = 20 * NSEC_PER_MSEC;
	assert_int_equal(sim_overrides_apply(sc, &ov, &opt, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "--duration 20ms: the flr event at 33ms would not happen "
			    "(expected a duration after 33ms)");

	ov.duration_ns = 3599 * NSEC_PER_SEC;	/* 719801 accesses per importer */
	assert_int_equal(sim_overrides_apply(sc, &ov, &opt, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "with these options the scenario is too big: 2879204 DMA accesses"));
	parse_builtin("vfio-revoke", sc);

	ov.duration_ns = 0;
	ov.importers = 17;	/* 4 lines x 17 = 68 */
	assert_int_equal(sim_overrides_apply(sc, &ov, &opt, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "68 importers"));

	ov = (struct sim_overrides){ .clock = 1, .seed_set = true, .seed = 7, .importers = 2,
				     .duration_ns = NSEC_PER_SEC, .wait_set = true,
				     .wait = DMB_REVOKE_DEADLINE_FORCE,
				     .unmap_bound_ns = 5 * NSEC_PER_MSEC };
	assert_int_equal(sim_overrides_apply(sc, &ov, &opt, err, sizeof(err)), 0);
	assert_true(sc->real_clock);
	assert_int_equal(sc->seed, 7);
	assert_int_equal(sc->duration_ns, NSEC_PER_SEC);
	assert_int_equal(sim_scenario_nr_instances(sc), 8);
	assert_int_equal(sc->policy.wait, DMB_REVOKE_DEADLINE_FORCE);
	assert_int_equal(sc->policy.unmap_bound_ns, 5 * NSEC_PER_MSEC);
	assert_int_equal(sc->policy.fence_bound_ns, NSEC_PER_SEC);
	assert_true(opt.seed_set && opt.policy_set);
	assert_int_equal(opt.seed, 7);
	assert_int_equal(opt.importers, 2);
	assert_int_equal(opt.duration_ns, NSEC_PER_SEC);
	assert_int_equal(opt.policy.unmap_bound_ns, 5 * NSEC_PER_MSEC);
	assert_null(opt.progress);
	free(sc);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		TH_TEST(builtins_parse),
		TH_TEST(builtins_are_the_files),
		TH_TEST(builtin_vfio_revoke),
		TH_TEST(builtin_broken_importer),
		TH_TEST(builtin_gpu_evict),
		TH_TEST(builtin_low_power),
		TH_TEST(builtin_device_close),
		TH_TEST(builtin_legacy_pinned),
		TH_TEST(builtin_vfio_processes),
		TH_TEST(builtin_memfd_processes),
		TH_TEST(defaults),
		TH_TEST(every_key),
		TH_TEST(variants_merge_policy_replace_expect),
		TH_TEST(units_durations),
		TH_TEST(units_sizes_and_errnos),
		TH_TEST(names_and_instances),
		TH_TEST(bad_scenarios),
		TH_TEST(too_many_events),
		TH_TEST(load_errors),
		TH_TEST(overrides),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
