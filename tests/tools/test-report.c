// SPDX-License-Identifier: MIT
/*
 * test-report.c - the three views of a sim_result (text, JSON, trace) and
 * the judge, on results built by hand: the JSON is read back with jansson
 * and checked field by field, the trace is checked for one named track per
 * device/importer, the text for what a reader needs within 80 columns.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#include "builtin.h"
#include "progress.h"
#include "report.h"
#include "trace.h"

#define MS	NSEC_PER_MSEC
#define SIM_NO_FLATTEN	~0u	/* load_builtin(): keep the variants */

static struct sim_scenario *load_builtin(const char *name, unsigned int variant)
{
	const struct sim_builtin *b = sim_builtin_find(name);
	struct sim_scenario *sc = malloc(sizeof(*sc));
	char err[512] = "";

	assert_non_null(b);
	assert_non_null(sc);
	if (sim_scenario_parse(b->text, b->len, name, sc, err, sizeof(err)))
		fail_msg("%s", err);
	if (variant != SIM_NO_FLATTEN)
		assert_int_equal(sim_scenario_variant(sc, variant, sc), 0);
	return sc;
}

static struct sim_attachment_result *attach(struct sim_result *res, const char *importer,
					    const char *device, unsigned int spec, int result)
{
	struct sim_attachment_result *a =
		sim_result_add_attachment(res, importer, device, "vfio-pci nic0", spec);
	char track[2 * SIM_NAME_LEN];

	assert_non_null(a);
	a->attach_result = result;
	a->revocable = strcmp(importer, "rdma-pinned") != 0;
	snprintf(track, sizeof(track), "%s %s", importer, device);
	sim_result_event(res, 0, track, false, "attach: %s", result ? "refused" : "ok");
	if (result)
		return a;
	a->invalidations = 1;
	a->jobs = 12;
	a->jobs_after_unrevoke = 4;
	a->unmap_latency_ns = 2000 + res->nr_attachments * 1000;
	for (int j = 0; j < 4; j++)
		sim_result_span(res, j * 5 * MS, j * 5 * MS + 2 * MS, track, "copy 64 KiB", false);
	return a;
}

/* What a correct run of vfio-revoke could have produced. */
static struct sim_result *vfio_revoke_result(const struct sim_scenario *sc)
{
	struct sim_result *res = malloc(sizeof(*res));
	struct sim_revoke_result *r;

	assert_non_null(res);
	sim_result_init(res, sc);
	res->duration_ns = 100 * MS;
	res->wall_ns = 3 * MS;
	sim_result_event(res, 0, "vfio-pci nic0", false, "exported 1 MiB");
	attach(res, "iommufd", "vm0", 0, 0);
	attach(res, "rdma-odp", "mlx0", 1, 0);
	attach(res, "gpu", "gpu0", 2, 0);
	attach(res, "rdma-pinned", "mlx1", 3, -EOPNOTSUPP);

	r = sim_result_add_revoke(res, "vfio-pci nic0", "flr", 30 * MS);
	assert_non_null(r);
	r->invalidate_ns = 10000;
	r->fence_wait_ns = 2 * MS;
	r->unmap_wait_ns = 1 * MS;
	r->total_ns = 3 * MS + 10000;
	for (unsigned int i = 0; i < 3; i++)
		r->unmap_latency_ns[i] = res->attachments[i].unmap_latency_ns;
	sim_result_event(res, 30 * MS, "vfio-pci nic0", false, "flr: revoke begins");
	sim_result_event(res, 30 * MS, "iommufd vm0", true, "invalidate_mappings");
	sim_result_span(res, 30 * MS, 30 * MS + 10000, "vfio-pci nic0", "invalidate", false);
	sim_result_span(res, 30 * MS + 10000, 32 * MS + 10000, "vfio-pci nic0", "fence wait", false);
	sim_result_event(res, 35 * MS, "gpu gpu0", true, "IOMMU fault at iova 0x10000");
	sim_result_span(res, 35 * MS, 35 * MS, "gpu gpu0", "copy 64 KiB", true);
	sim_result_event(res, 50 * MS, "vfio-pci nic0", false, "flr-done: unrevoked");
	res->nr_unrevokes = 1;
	res->dma.jobs = 40;
	res->dma.faults = 3;
	res->dma.after_revoke_attempts = 3;
	res->dma.after_revoke_faulted = 3;
	return res;
}

static struct dmb_check_record *add_violation(struct sim_result *res, enum dmb_violation kind,
					      const char *importer, const char *device)
{
	struct dmb_check_record *v = &res->violations[res->nr_violations++];

	memset(v, 0, sizeof(*v));
	v->kind = kind;
	v->time_ns = 60 * MS;
	snprintf(v->buffer, sizeof(v->buffer), "nic0-bar0");
	snprintf(v->exporter, sizeof(v->exporter), "vfio-pci");
	snprintf(v->importer, sizeof(v->importer), "%s", importer);
	snprintf(v->device, sizeof(v->device), "%s", device);
	snprintf(v->detail, sizeof(v->detail),
		 "still mapped 50 ms after invalidate_mappings: the importer's "
		 "invalidate_mappings does not lead to an unmap, so the revoke cannot finish");
	return v;
}

static void result_overflow_is_counted(void **state)
{
	struct sim_scenario *sc = load_builtin("vfio-revoke", 0);
	struct sim_result *res = malloc(sizeof(*res));

	assert_non_null(res);
	sim_result_init(res, sc);
	assert_ptr_equal(res->scenario, sc);
	assert_int_equal(res->seed, sc->seed);
	for (int i = 0; i < SIM_MAX_TIMELINE + 3; i++)
		sim_result_event(res, i, "t", false, "event %d", i);
	assert_int_equal(res->nr_timeline, SIM_MAX_TIMELINE);
	assert_int_equal(res->timeline_dropped, 3);
	assert_string_equal(res->timeline[7].text, "event 7");
	for (int i = 0; i < SIM_MAX_SPANS + 2; i++)
		sim_result_span(res, 10, 5, "t", "s", false);
	assert_int_equal(res->nr_spans, SIM_MAX_SPANS);
	assert_int_equal(res->spans_dropped, 2);
	assert_int_equal(res->spans[0].end_ns, 10);	/* never negative */
	for (int i = 0; i < SIM_MAX_REVOKES; i++)
		assert_int_equal(sim_result_add_revoke(res, "e", "flr", i)->unmap_latency_ns[63],
				 SIM_LATENCY_NONE);
	assert_null(sim_result_add_revoke(res, "e", "flr", 0));
	for (int i = 0; i < SIM_MAX_IMPORTERS; i++)
		assert_int_equal(sim_result_add_attachment(res, "gpu", "g", "e", 0)->unmap_latency_ns,
				 SIM_LATENCY_NONE);
	assert_null(sim_result_add_attachment(res, "gpu", "g", "e", 0));
	free(res);
	free(sc);
}

static void judge_pass(void **state)
{
	struct sim_scenario *sc = load_builtin("vfio-revoke", 0);
	struct sim_result *res = vfio_revoke_result(sc);

	sim_result_judge(res);
	assert_true(res->pass);
	assert_string_equal(res->verdict_reason,
			    "as expected (1 revoke, 0 violations, 3/4 attached)");
	sim_result_judge(res);	/* idempotent */
	assert_true(res->pass);
	free(res);
	free(sc);
}

/* Each way a run can miss an expectation, and the words the verdict uses. */
static void judge_failures(void **state)
{
	static const struct {
		const char *reason;
	} cases[] = {
		{ "2 revokes, expected 1" },
		{ "V5 on gpu gpu0: 1 seen, 0 expected" },
		{ "rdma-pinned mlx1: attach returned 0, expected EOPNOTSUPP" },
		{ "iommufd vm0: 2 invalidations, expected 1" },
		{ "DMA while revoked: 3 attempted, 1 succeeded, 2 faulted" },
		{ "no DMA was attempted while revoked" },
		{ "the buffer was never unrevoked" },
		{ "gpu gpu0: did not resume DMA after the unrevoke" },
		{ "gpu gpu0: ran no DMA" },
		{ "importer mlx1: 0 of 1 instances tried to attach" },
		{ "attachment 3 comes from no importer line" },
	};
	struct sim_scenario *sc = load_builtin("vfio-revoke", 0);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sim_result *res = vfio_revoke_result(sc);

		switch (i) {
		case 0: sim_result_add_revoke(res, "vfio-pci nic0", "flr", 40 * MS); break;
		case 1: add_violation(res, DMB_V5_DMA_AFTER_UNMAP, "gpu", "gpu0"); break;
		case 2: res->attachments[3].attach_result = 0; break;
		case 3: res->attachments[0].invalidations = 2; break;
		case 4: res->dma.after_revoke_succeeded = 1; res->dma.after_revoke_faulted = 2; break;
		case 5: res->dma.after_revoke_attempts = res->dma.after_revoke_faulted = 0; break;
		case 6: res->nr_unrevokes = 0; break;
		case 7: res->attachments[2].jobs_after_unrevoke = 0; break;
		case 8: res->attachments[2].jobs = 0; break;
		case 9: res->nr_attachments = 3; break;
		case 10: res->attachments[3].spec = 9; break;
		}
		sim_result_judge(res);
		assert_false(res->pass);
		if (!strstr(res->verdict_reason, cases[i].reason))
			fail_msg("case %zu: '%s' lacks '%s'", i, res->verdict_reason, cases[i].reason);
		free(res);
	}
	free(sc);
}

/* Several misses are all named, separated by "; ". */
static void judge_lists_every_failure(void **state)
{
	struct sim_scenario *sc = load_builtin("vfio-revoke", 0);
	struct sim_result *res = vfio_revoke_result(sc);

	res->nr_unrevokes = 0;
	add_violation(res, DMB_V4_DMA_AFTER_INVALIDATE, "gpu", "gpu0");
	sim_result_judge(res);
	assert_false(res->pass);
	assert_string_equal(res->verdict_reason,
			    "V4 on gpu gpu0: 1 seen, 0 expected; the buffer was never unrevoked");
	free(res);
	free(sc);
}

/* Expected violations are a multiset; attributed ones must name the culprit. */
static void judge_violation_attribution(void **state)
{
	struct sim_scenario *sc = load_builtin("broken-importer", 0);
	struct sim_result *res = malloc(sizeof(*res));

	assert_non_null(res);
	sim_result_init(res, sc);
	sim_result_add_revoke(res, "vfio-pci nic0", "flr", 20 * MS);
	attach(res, "gpu", "gpu0", 0, 0);
	attach(res, "broken-no-unmap", "bad0", 1, 0);

	sim_result_judge(res);
	assert_false(res->pass);
	assert_string_equal(res->verdict_reason,
			    "V6 on broken-no-unmap bad0: 0 seen, 1 expected");

	add_violation(res, DMB_V6_UNMAP_TIMEOUT, "gpu", "gpu0");
	sim_result_judge(res);
	assert_string_equal(res->verdict_reason,
			    "V6 on broken-no-unmap bad0: 0 seen, 1 expected; "
			    "V6 on gpu gpu0: 1 seen, 0 expected");

	res->nr_violations = 0;
	add_violation(res, DMB_V6_UNMAP_TIMEOUT, "broken-no-unmap", "bad0.1");
	sim_result_judge(res);
	assert_true(res->pass);	/* an instance of the bad0 line */

	res->nr_violations = 0;
	add_violation(res, DMB_V6_UNMAP_TIMEOUT, "broken-no-unmap", "bad01");
	sim_result_judge(res);
	assert_false(res->pass);

	/* Attributed expectations take their records first, whatever the order. */
	sc->expect.nr_violations = 2;
	sc->expect.violations[1] = sc->expect.violations[0];
	memset(&sc->expect.violations[0], 0, sizeof(sc->expect.violations[0]));
	sc->expect.violations[0].kind = DMB_V6_UNMAP_TIMEOUT;
	res->nr_violations = 0;
	add_violation(res, DMB_V6_UNMAP_TIMEOUT, "broken-no-unmap", "bad0");
	add_violation(res, DMB_V6_UNMAP_TIMEOUT, "gpu", "gpu0");
	sim_result_judge(res);
	assert_true(res->pass);
	free(res);
	free(sc);
}

/* One importer process of vfio-processes, with its pid and fate. */
static struct sim_attachment_result *process(struct sim_result *res, const char *device,
					     unsigned int spec, enum sim_behaviour b,
					     enum sim_fate fate, int pid)
{
	struct sim_attachment_result *a =
		sim_result_add_attachment(res, "process", device, "vfio-pci", spec);

	assert_non_null(a);
	a->process = true;
	a->revocable = true;
	a->behaviour = b;
	a->fate = fate;
	a->pid = pid;
	a->invalidations = 1;
	snprintf(a->fate_detail, sizeof(a->fate_detail), "what happened");
	return a;
}

/* Not inlined: GCC 12 then mistakes the stream's buffer for a dangling local. */
static __attribute__((noinline)) char *
capture_text(const struct sim_result *const *res, unsigned int n, bool compare)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	for (unsigned int i = 0; i < n; i++)
		sim_report_text(out, res[i]);
	if (compare)
		sim_report_compare(out, res, n);
	sim_report_verdict(out, res, n);
	fclose(out);
	return buf;
}

/*
 * Importer processes: each must meet its behaviour's fate; the expected
 * V6s name the two that never let go, as name[pid]; a V6 naming one that
 * did let go (late on a loaded machine) is not judged, and is marked so.
 */
static void judge_processes(void **state)
{
	struct sim_scenario *sc = load_builtin("vfio-processes", 0);
	struct sim_result *res = malloc(sizeof(*res));
	const struct sim_result *one = res;
	struct sim_attachment_result *doomed;
	json_t *json, *v;
	char *text;

	assert_non_null(res);
	sim_result_init(res, sc);
	sim_result_add_revoke(res, "vfio-pci nic0", "flr", 5 * MS);
	process(res, "viewer", 0, SIM_BEH_COOPERATING, SIM_FATE_UNMAPPED, 101);
	process(res, "stuck", 1, SIM_BEH_NEVER_UNMAP, SIM_FATE_FAULTED, 102);
	process(res, "writer", 2, SIM_BEH_KEEPS_WRITING, SIM_FATE_FAULTED, 103);
	doomed = process(res, "doomed", 3, SIM_BEH_KILLED_MID_REVOKE, SIM_FATE_CLEANED_UP, 104);
	add_violation(res, DMB_V6_UNMAP_TIMEOUT, "stuck[102]", "stuck[102]");
	add_violation(res, DMB_V6_UNMAP_TIMEOUT, "writer[103]", "writer[103]");
	sim_result_judge(res);
	assert_true(res->pass);

	/* Late, but it let go: shown, not judged. */
	add_violation(res, DMB_V6_UNMAP_TIMEOUT, "doomed[104]", "doomed[104]");
	sim_result_judge(res);
	assert_true(res->pass);
	assert_non_null(strstr(res->verdict_reason, "1 V6 on importer processes that let go"));
	json = sim_report_json(&one, 1);
	assert_non_null(json);
	v = json_array_get(json_object_get(json, "violations"), 2);
	assert_true(json_is_false(json_object_get(v, "judged")));
	assert_true(json_is_true(json_object_get(json_array_get(
		json_object_get(json, "violations"), 0), "judged")));
	v = json_object_get(json_array_get(json_object_get(json, "attachments"), 3), "process");
	assert_int_equal(json_integer_value(json_object_get(v, "pid")), 104);
	assert_string_equal(json_string_value(json_object_get(v, "behaviour")),
			    "killed-mid-revoke");
	assert_string_equal(json_string_value(json_object_get(v, "fate")), "cleaned-up");
	json_decref(json);

	/* The wrong fate fails; and then its late V6 is judged too. */
	doomed->fate = SIM_FATE_LOST;
	sim_result_judge(res);
	assert_false(res->pass);
	assert_non_null(strstr(res->verdict_reason,
			       "process doomed[104] (killed-mid-revoke): lost, expected cleaned-up"));
	/* A process's device bears its name: the culprit is named once. */
	assert_non_null(strstr(res->verdict_reason, "V6 on doomed[104]: 1 seen"));
	text = capture_text(&one, 1, false);
	assert_non_null(strstr(text, "who: doomed[104], buffer"));
	free(text);

	/* A never-unmap process that did not fault fails. */
	doomed->fate = SIM_FATE_CLEANED_UP;
	res->attachments[1].fate = SIM_FATE_UNMAPPED;
	sim_result_judge(res);
	assert_false(res->pass);
	free(res);
	free(sc);
}

/*
 * A holds-vmap process (memfd-processes) must end refused: shown as such
 * in the text, the JSON and the trace; any other fate fails the run.
 */
static void judge_vmap_process(void **state)
{
	struct sim_scenario *sc = load_builtin("memfd-processes", 0);
	struct sim_result *res = malloc(sizeof(*res));
	const struct sim_result *one = res;
	struct sim_attachment_result *holder;
	json_t *json, *v;
	char *text, *dump;

	assert_non_null(res);
	sim_result_init(res, sc);
	sim_result_add_revoke(res, "memfd frame0", "close", 5 * MS);
	process(res, "viewer", 0, SIM_BEH_COOPERATING, SIM_FATE_UNMAPPED, 101);
	process(res, "stuck", 1, SIM_BEH_NEVER_UNMAP, SIM_FATE_FAULTED, 102);
	process(res, "writer", 2, SIM_BEH_KEEPS_WRITING, SIM_FATE_FAULTED, 103);
	process(res, "doomed", 3, SIM_BEH_KILLED_MID_REVOKE, SIM_FATE_CLEANED_UP, 104);
	holder = process(res, "holder", 4, SIM_BEH_HOLDS_VMAP, SIM_FATE_REFUSED, 105);
	holder->invalidations = 0;
	sim_result_span(res, 1 * MS, 9 * MS, "process holder", "holds-vmap", false);
	add_violation(res, DMB_V6_UNMAP_TIMEOUT, "stuck[102]", "stuck[102]");
	add_violation(res, DMB_V6_UNMAP_TIMEOUT, "writer[103]", "writer[103]");
	sim_result_judge(res);
	assert_true(res->pass);
	text = capture_text(&one, 1, false);
	assert_non_null(strstr(text, "  holder[105]"));
	assert_non_null(strstr(text, "holds-vmap, refused (expected refused)"));
	free(text);
	json = sim_report_json(&one, 1);
	assert_non_null(json);
	v = json_object_get(json_array_get(json_object_get(json, "attachments"), 4), "process");
	assert_string_equal(json_string_value(json_object_get(v, "behaviour")), "holds-vmap");
	assert_string_equal(json_string_value(json_object_get(v, "fate")), "refused");
	assert_string_equal(json_string_value(json_object_get(v, "expected_fate")), "refused");
	json_decref(json);
	json = sim_trace_json(&one, 1);
	assert_non_null(json);
	dump = json_dumps(json, 0);
	assert_non_null(dump);
	assert_non_null(strstr(dump, "\"name\": \"holds-vmap\""));
	free(dump);
	json_decref(json);

	/* CPU access that was not refused (or read the bytes) is lost: a fail. */
	holder->fate = SIM_FATE_LOST;
	sim_result_judge(res);
	assert_false(res->pass);
	assert_non_null(strstr(res->verdict_reason,
			       "process holder[105] (holds-vmap): lost, expected refused"));
	free(res);
	free(sc);
}

static void judge_cpu_access(void **state)
{
	struct sim_scenario *sc = load_builtin("low-power", 0);
	struct sim_result *res = malloc(sizeof(*res));

	assert_non_null(res);
	sim_result_init(res, sc);
	attach(res, "iommufd", "vm0", 0, 0);
	attach(res, "gpu", "gpu0", 1, 0);
	sim_result_add_revoke(res, "vfio-pci nic0", "d3", 30 * MS);
	res->nr_unrevokes = 1;
	res->dma.after_revoke_attempts = res->dma.after_revoke_faulted = 1;
	res->cpu.reads = 3;
	res->cpu.faults = res->cpu.revoked_reads = res->cpu.revoked_faults = 1;
	sim_result_judge(res);
	assert_true(res->pass);

	res->cpu.revoked_faults = 0;
	res->cpu.faults = 0;
	sim_result_judge(res);
	assert_string_equal(res->verdict_reason,
			    "1 of 1 CPU reads while revoked succeeded; 0 CPU faults, expected 1");

	res->cpu.revoked_faults = 1;
	res->cpu.faults = 2;
	sim_result_judge(res);
	assert_string_equal(res->verdict_reason,
			    "1 CPU reads faulted while not revoked; 2 CPU faults, expected 1");

	res->cpu.revoked_reads = res->cpu.revoked_faults = 0;
	res->cpu.faults = 1;
	sim_result_judge(res);
	assert_string_equal(res->verdict_reason,
			    "no CPU read while revoked; 1 CPU reads faulted while not revoked");
	free(res);
	free(sc);
}

/* ---- JSON and trace files ---- */

static char tmpdir[256];

static const char *tmp_path(const char *name, char *buf, size_t len)
{
	const char *base = getenv("TMPDIR");

	if (!tmpdir[0]) {
		snprintf(tmpdir, sizeof(tmpdir), "%s/dmabuf-sim-test-XXXXXX",
			 base && base[0] ? base : "/tmp");
		assert_non_null(mkdtemp(tmpdir));
	}
	snprintf(buf, len, "%s/%s", tmpdir, name);
	return buf;
}

static json_t *load_json(const char *path)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr);

	if (!root)
		fail_msg("%s:%d: %s", path, jerr.line, jerr.text);
	unlink(path);
	return root;
}

#define assert_json_int(obj, key, v) \
	assert_int_equal(json_integer_value(json_object_get(obj, key)), v)
#define assert_json_str(obj, key, v) \
	assert_string_equal(json_string_value(json_object_get(obj, key)), v)

static void json_report_fields(void **state)
{
	struct sim_scenario *sc = load_builtin("vfio-revoke", 0);
	struct sim_result *res = vfio_revoke_result(sc);
	const struct sim_result *list[] = { res };
	json_t *root, *v, *a, *r, *dma;
	char path[512], err[512];

	add_violation(res, DMB_V4_DMA_AFTER_INVALIDATE, "gpu", "gpu0");
	sim_result_judge(res);
	tmp_path("report.json", path, sizeof(path));
	assert_int_equal(sim_report_json_write(path, list, 1, err, sizeof(err)), 0);
	root = load_json(path);

	assert_json_str(root, "scenario", "vfio-revoke");
	assert_true(json_is_null(json_object_get(root, "variant")));
	assert_json_int(root, "seed", 1);
	assert_json_str(root, "verdict", "fail");
	assert_json_str(root, "verdict_reason", "V4 on gpu gpu0: 1 seen, 0 expected");
	assert_json_str(root, "clock", "virtual");
	assert_json_int(root, "duration_ns", 100 * MS);
	assert_json_int(root, "schema_version", 1);
	assert_json_str(root, "generator", "dmabuf-sim " SIM_VERSION);
	assert_json_str(json_object_get(root, "policy"), "wait", "warn-then-wait");
	assert_json_int(json_object_get(root, "policy"), "unmap_bound_ns", NSEC_PER_SEC);
	assert_json_str(json_object_get(root, "exporter"), "driver", "vfio-pci");

	assert_int_equal(json_array_size(json_object_get(root, "violations")), 1);
	v = json_array_get(json_object_get(root, "violations"), 0);
	assert_json_str(v, "kind", "V4");
	assert_json_str(v, "buffer", "nic0-bar0");
	assert_json_str(v, "attachment", "gpu gpu0");
	assert_json_str(v, "importer", "gpu");
	assert_json_str(v, "device", "gpu0");
	assert_json_int(v, "time_ns", 60 * MS);
	assert_non_null(strstr(json_string_value(json_object_get(v, "detail")), "still mapped"));
	assert_int_equal(json_array_size(json_object_get(root, "expected_violations")), 0);

	assert_int_equal(json_array_size(json_object_get(root, "attachments")), 4);
	a = json_array_get(json_object_get(root, "attachments"), 0);
	assert_json_str(a, "importer", "iommufd");
	assert_json_str(a, "device", "vm0");
	assert_json_str(a, "exporter", "vfio-pci nic0");
	assert_true(json_is_true(json_object_get(a, "revocable")));
	assert_json_int(a, "attach_result", 0);
	assert_json_int(a, "invalidations", 1);
	assert_json_int(a, "jobs", 12);
	assert_json_int(a, "jobs_after_unrevoke", 4);
	assert_json_int(a, "unmap_latency_ns", 3000);
	a = json_array_get(json_object_get(root, "attachments"), 3);
	assert_json_str(a, "importer", "rdma-pinned");
	assert_true(json_is_false(json_object_get(a, "revocable")));
	assert_json_int(a, "attach_result", -EOPNOTSUPP);
	assert_json_int(a, "expected_attach_result", -EOPNOTSUPP);
	assert_true(json_is_null(json_object_get(a, "unmap_latency_ns")));

	assert_int_equal(json_array_size(json_object_get(root, "revokes")), 1);
	r = json_array_get(json_object_get(root, "revokes"), 0);
	assert_json_str(r, "exporter", "vfio-pci nic0");
	assert_json_str(r, "reason", "flr");
	assert_json_int(r, "at_ns", 30 * MS);
	assert_json_int(r, "total_ns", 3 * MS + 10000);
	assert_json_int(r, "invalidate_ns", 10000);
	assert_json_int(r, "fence_wait_ns", 2 * MS);
	assert_json_int(r, "unmap_wait_ns", 1 * MS);
	assert_json_int(r, "warnings", 0);
	assert_json_int(r, "forced", 0);
	assert_int_equal(json_array_size(json_object_get(r, "unmap_latency")), 3);
	assert_json_str(json_array_get(json_object_get(r, "unmap_latency"), 1), "attachment",
			"rdma-odp mlx0");
	assert_json_int(json_array_get(json_object_get(r, "unmap_latency"), 1), "ns", 4000);

	dma = json_object_get(root, "dma");
	assert_json_int(dma, "jobs", 40);
	assert_json_int(dma, "faults", 3);
	assert_json_int(json_object_get(dma, "after_revoke"), "attempts", 3);
	assert_json_int(json_object_get(dma, "after_revoke"), "succeeded", 0);
	assert_json_int(json_object_get(dma, "after_revoke"), "faulted", 3);
	assert_json_int(root, "unrevokes", 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(root, "expect"),
							    "revokes")), 1);
	assert_int_equal(json_array_size(json_object_get(root, "timeline")), res->nr_timeline);
	json_decref(root);
	free(res);
	free(sc);
}

/* With variants: the same fields at the top, summed, and each play below. */
static void json_report_variants(void **state)
{
	struct sim_scenario *a = load_builtin("low-power", 0), *b = load_builtin("low-power", 1);
	struct sim_result *ra = vfio_revoke_result(a), *rb = vfio_revoke_result(b);
	const struct sim_result *list[] = { ra, rb };
	json_t *root, *plays, *rev;
	char path[512], err[512];

	ra->nr_attachments = 2;
	rb->nr_attachments = 2;
	rb->nr_revokes = 0;
	add_violation(ra, DMB_V7_FENCE_TIMEOUT, "", "");
	sim_result_judge(ra);
	sim_result_judge(rb);
	tmp_path("variants.json", path, sizeof(path));
	assert_int_equal(sim_report_json_write(path, list, 2, err, sizeof(err)), 0);
	root = load_json(path);

	assert_json_str(root, "scenario", "low-power");
	assert_json_str(root, "verdict", "fail");
	assert_non_null(strstr(json_string_value(json_object_get(root, "verdict_reason")),
			       "blocking: "));
	plays = json_object_get(root, "variants");
	assert_int_equal(json_array_size(plays), 2);
	assert_json_str(json_array_get(plays, 0), "variant", "blocking");
	assert_json_str(json_array_get(plays, 1), "variant", "power-ref");
	assert_true(json_is_true(json_object_get(json_object_get(json_array_get(plays, 1),
								 "policy"), "power_ref")));
	assert_int_equal(json_array_size(json_object_get(root, "revokes")), 1);
	rev = json_array_get(json_object_get(root, "revokes"), 0);
	assert_json_str(rev, "variant", "blocking");
	assert_int_equal(json_array_size(json_object_get(root, "attachments")), 4);
	assert_int_equal(json_array_size(json_object_get(root, "violations")), 1);
	assert_true(json_is_null(json_object_get(json_array_get(json_object_get(root, "violations"), 0),
						 "attachment")));
	assert_json_int(json_object_get(root, "dma"), "jobs", 80);
	json_decref(root);
	free(ra);
	free(rb);
	free(a);
	free(b);
}

static void json_write_error(void **state)
{
	struct sim_scenario *sc = load_builtin("vfio-revoke", 0);
	struct sim_result *res = vfio_revoke_result(sc);
	const struct sim_result *list[] = { res };
	char err[512];

	assert_int_equal(sim_report_json_write("/nonexistent/r.json", list, 1, err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "/nonexistent/r.json: cannot write: No such file or directory");
	assert_int_equal(sim_trace_write("/nonexistent/t.json", list, 1, err, sizeof(err)), -ENOENT);
	free(res);
	free(sc);
}

static const char *thread_name(json_t *events, json_int_t pid, json_int_t tid)
{
	json_t *ev;
	size_t i;

	json_array_foreach(events, i, ev) {
		if (strcmp(json_string_value(json_object_get(ev, "ph")), "M") ||
		    strcmp(json_string_value(json_object_get(ev, "name")), "thread_name") ||
		    json_integer_value(json_object_get(ev, "pid")) != pid ||
		    json_integer_value(json_object_get(ev, "tid")) != tid)
			continue;
		return json_string_value(json_object_get(json_object_get(ev, "args"), "name"));
	}
	return NULL;
}

/* One named track per device/importer; spans in microseconds; instants. */
static void trace_tracks(void **state)
{
	static const char *const tracks[] = {
		"vfio-pci nic0", "iommufd vm0", "rdma-odp mlx0", "gpu gpu0", "rdma-pinned mlx1",
	};
	struct sim_scenario *sc = load_builtin("vfio-revoke", 0);
	struct sim_result *res = vfio_revoke_result(sc);
	const struct sim_result *list[] = { res };
	unsigned int spans = 0, instants = 0, names = 0, violations = 0;
	bool seen[5] = { false }, fence_wait = false;
	json_t *root, *events, *ev;
	char path[512], err[512];
	size_t i;

	add_violation(res, DMB_V4_DMA_AFTER_INVALIDATE, "gpu", "gpu0");
	sim_result_judge(res);
	tmp_path("trace.json", path, sizeof(path));
	assert_int_equal(sim_trace_write(path, list, 1, err, sizeof(err)), 0);
	root = load_json(path);
	events = json_object_get(root, "traceEvents");
	assert_true(json_is_array(events));
	assert_json_str(root, "displayTimeUnit", "ms");

	json_array_foreach(events, i, ev) {
		const char *ph = json_string_value(json_object_get(ev, "ph"));
		json_int_t tid = json_integer_value(json_object_get(ev, "tid"));
		const char *track;

		assert_non_null(ph);
		assert_int_equal(json_integer_value(json_object_get(ev, "pid")), 1);
		if (!strcmp(ph, "M")) {
			const char *what = json_string_value(json_object_get(ev, "name"));

			if (!strcmp(what, "process_name"))
				assert_json_str(json_object_get(ev, "args"), "name", "vfio-revoke");
			if (!strcmp(what, "thread_name")) {
				names++;
				for (unsigned int k = 0; k < 5; k++)
					seen[k] |= !strcmp(json_string_value(json_object_get(
						json_object_get(ev, "args"), "name")), tracks[k]);
			}
			continue;
		}
		/* Every span and instant is on a named track. */
		track = thread_name(events, 1, tid);
		assert_non_null(track);
		assert_true(json_is_number(json_object_get(ev, "ts")));
		if (!strcmp(ph, "X")) {
			spans++;
			assert_true(json_is_number(json_object_get(ev, "dur")));
			if (!strcmp(json_string_value(json_object_get(ev, "name")), "fence wait")) {
				fence_wait = true;
				assert_string_equal(track, "vfio-pci nic0");
				assert_true(json_number_value(json_object_get(ev, "ts")) == 30010.0);
				assert_true(json_number_value(json_object_get(ev, "dur")) == 2000.0);
			}
		} else {
			assert_string_equal(ph, "i");
			assert_json_str(ev, "s", "t");
			instants++;
			if (!strcmp(json_string_value(json_object_get(ev, "cat")), "violation")) {
				violations++;
				assert_json_str(ev, "name", "V4");
				assert_string_equal(track, "gpu gpu0");
			}
		}
	}
	assert_int_equal(names, 5);
	for (unsigned int k = 0; k < 5; k++)
		assert_true(seen[k]);
	assert_int_equal(spans, res->nr_spans);
	assert_int_equal(instants, 2 + 1);	/* invalidate, fault, the violation */
	assert_int_equal(violations, 1);
	assert_true(fence_wait);
	json_decref(root);
	free(res);
	free(sc);
}

/* A run of variants is one process per variant. */
static void trace_variants_are_processes(void **state)
{
	struct sim_scenario *a = load_builtin("low-power", 0), *b = load_builtin("low-power", 1);
	struct sim_result *ra = vfio_revoke_result(a), *rb = vfio_revoke_result(b);
	const struct sim_result *list[] = { ra, rb };
	json_t *root = sim_trace_json(list, 2), *ev;
	unsigned int processes = 0;
	size_t i;

	assert_non_null(root);
	json_array_foreach(json_object_get(root, "traceEvents"), i, ev) {
		if (strcmp(json_string_value(json_object_get(ev, "name")), "process_name"))
			continue;
		processes++;
		assert_json_str(json_object_get(ev, "args"), "name",
				json_integer_value(json_object_get(ev, "pid")) == 1 ?
				"low-power/blocking" : "low-power/power-ref");
	}
	assert_int_equal(processes, 2);
	json_decref(root);
	free(ra);
	free(rb);
	free(a);
	free(b);
}

/* ---- the text ---- */

/* Everything but the one-line verdicts keeps to 80 columns. */
static void assert_fits_80(const char *text)
{
	const char *line = text;

	while (*line) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);

		if (n >= SIM_REPORT_WIDTH && strncmp(line, "PASS", 4) && strncmp(line, "FAIL", 4))
			fail_msg("%zu columns: %.*s", n, (int)n, line);
		if (!end)
			break;
		line = end + 1;
	}
}

static void text_report(void **state)
{
	struct sim_scenario *sc = load_builtin("vfio-revoke", 0);
	struct sim_result *res = vfio_revoke_result(sc);
	const struct sim_result *list[] = { res };
	static const char *const wanted[] = {
		"== vfio-revoke ==",
		"seed 1, virtual clock, 100.000 ms",
		"vfio-pci nic0, 1 MiB",
		"warn-then-wait, unmap bound 1.000 s, fence bound 1.000 s",
		"rdma-pinned mlx1   no        EOPNOTSUPP",
		"iommufd     vm0    yes       ok               1      12",
		"    31.000 ms  rdma-pinned mlx1  a long",
		"Revoke 1: vfio-pci nic0, flr at 30.000 ms, 3.010 ms in all",
		"  invalidate   10.0 us",
		"  fence wait   2.000 ms",
		"  unmap wait   1.000 ms",
		"unmap latency, from invalidate_mappings to unmap:",
		"      rdma-odp mlx0     4.0 us",
		"DMA  40 jobs, 3 faults; while revoked 3 attempted, 0 succeeded, 3 faulted",
		"Violations: 1 (expected: none)",
		"  V4  at 60.000 ms: ",
		"      who: gpu gpu0, buffer nic0-bar0, exporter vfio-pci",
		"      what: still mapped 50 ms",
		"FAIL vfio-revoke: V4 on gpu gpu0: 1 seen, 0 expected\n",
	};
	char *text;

	add_violation(res, DMB_V4_DMA_AFTER_INVALIDATE, "gpu", "gpu0");
	sim_result_event(res, 31 * MS, "rdma-pinned mlx1", false,
			 "a long timeline text that has to wrap because it goes on and on past "
			 "the eightieth column of the terminal");
	sim_result_judge(res);
	text = capture_text(list, 1, false);
	for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++)
		if (!strstr(text, wanted[i]))
			fail_msg("no '%s' in:\n%s", wanted[i], text);
	assert_fits_80(text);
	/* The verdict is the last line, once. */
	assert_non_null(strstr(text, "FAIL vfio-revoke"));
	assert_null(strstr(strstr(text, "FAIL vfio-revoke") + 1, "FAIL vfio-revoke"));
	free(text);
	free(res);
	free(sc);
}

/* Counts, not "unexpected": two seen where one was expected says so. */
static void judge_counts_violations(void **state)
{
	struct sim_scenario *sc = load_builtin("broken-importer", 0);
	struct sim_result *res = malloc(sizeof(*res));

	assert_non_null(res);
	sim_result_init(res, sc);
	sim_result_add_revoke(res, "vfio-pci nic0", "flr", 20 * MS);
	attach(res, "gpu", "gpu0", 0, 0);
	attach(res, "broken-no-unmap", "bad0", 1, 0);
	add_violation(res, DMB_V6_UNMAP_TIMEOUT, "broken-no-unmap", "bad0");
	add_violation(res, DMB_V6_UNMAP_TIMEOUT, "broken-no-unmap", "bad0");
	sim_result_judge(res);
	assert_string_equal(res->verdict_reason,
			    "V6 on broken-no-unmap bad0: 2 seen, 1 expected");
	free(res);
	free(sc);
}

/* Long names widen their columns and long texts wrap: nothing is cut. */
static void text_never_cuts(void **state)
{
	static const char long_text[] =
		"a diagnostic far longer than the old limit of one hundred and sixty "
		"characters, which used to be cut in the middle of a word, and which "
		"must now reach the report whole, wrapped at spaces, to its very last word";
	struct sim_scenario *sc = load_builtin("vfio-revoke", 0);
	struct sim_result *res = vfio_revoke_result(sc);
	const struct sim_result *list[] = { res };
	char *text, *flat, *p;

	snprintf(res->attachments[0].device, sizeof(res->attachments[0].device),
		 "a-very-long-device-name-0");
	sim_result_event(res, 31 * MS, "iommufd a-very-long-device-name-0", false, "%s",
			 long_text);
	sim_result_judge(res);
	text = capture_text(list, 1, false);
	assert_fits_80(text);
	assert_non_null(strstr(text, "iommufd     a-very-long-device-name-0 yes"));
	assert_non_null(strstr(text, "ms  iommufd a-very-long-device-name-0\n"));
	assert_non_null(strstr(text, "      iommufd a-very-long-device-name-0  3.0 us\n"));
	/* The text, its wrapping undone, is all there. */
	flat = strdup(text);
	assert_non_null(flat);
	for (p = flat; *p; p++) {
		if (*p != '\n')
			continue;
		memmove(p, p + 1, strlen(p));
		while (p[0] == ' ' && p[1] == ' ')
			memmove(p, p + 1, strlen(p));
	}
	assert_non_null(strstr(flat, long_text));
	free(flat);
	free(text);
	free(res);
	free(sc);
}

static void text_variants_side_by_side(void **state)
{
	struct sim_scenario *a = load_builtin("low-power", 0), *b = load_builtin("low-power", 1);
	struct sim_result *ra = vfio_revoke_result(a), *rb = vfio_revoke_result(b);
	const struct sim_result *list[] = { ra, rb };
	struct sim_scenario *base;
	char *text, *intro = NULL;
	size_t len = 0;
	FILE *out;

	ra->nr_attachments = rb->nr_attachments = 2;
	rb->nr_revokes = 0;
	ra->cpu.reads = 3;
	ra->cpu.faults = ra->cpu.revoked_reads = ra->cpu.revoked_faults = 1;
	rb->cpu.reads = 3;
	rb->cpu.faults = 1;	/* power references should have kept the BAR readable */
	sim_result_judge(ra);
	sim_result_judge(rb);
	assert_true(ra->pass);
	assert_false(rb->pass);
	text = capture_text(list, 2, true);
	assert_non_null(strstr(text, "== low-power, variant blocking =="));
	assert_non_null(strstr(text, "PASS low-power/blocking: as expected"));
	assert_non_null(strstr(text, "FAIL low-power/power-ref: 1 CPU faults, expected 0\n"));
	assert_non_null(strstr(text, "Variants side by side"));
	assert_non_null(strstr(text, "  power references                   no            yes\n"));
	assert_non_null(strstr(text, "  revokes                             1              0\n"));
	assert_non_null(strstr(text, "FAIL low-power: 1 of 2 variants as expected "
			       "(blocking pass, power-ref FAIL)\n"));
	assert_fits_80(text);
	free(text);

	/* The intro, once, says what the scenario is and lists the variants. */
	out = open_memstream(&intro, &len);
	assert_non_null(out);
	base = load_builtin("low-power", SIM_NO_FLATTEN);
	sim_report_intro(out, base);
	fclose(out);
	assert_non_null(strstr(intro, "== low-power: 2 variants ==\n  D3 entry: "));
	assert_non_null(strstr(intro, "\n  - blocking: D3 revokes"));
	assert_non_null(strstr(intro, "\n  - power-ref: each mapping"));
	assert_fits_80(intro);
	free(base);
	free(intro);
	free(ra);
	free(rb);
	free(a);
	free(b);
}

/* ---- progress ---- */

static void progress_draws_and_clears(void **state)
{
	struct sim_progress p;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	bool shown = false;

	assert_non_null(out);
	assert_int_equal(sim_progress_start(&p, out, "x/y", true, 0), 0);
	sim_progress_update(0.5, &p);
	/* Wait for the first redraw (it comes within 0.1 s; allow a slow machine). */
	for (int i = 0; i < 1000 && !shown; i++) {
		th_sleep_ns(10 * MS);
		pthread_mutex_lock(&p.lock);
		shown = p.shown;
		pthread_mutex_unlock(&p.lock);
	}
	assert_true(shown);
	sim_progress_stop(&p);
	fclose(out);
	assert_non_null(strstr(buf, "\rdmabuf-sim: x/y  50%"));
	assert_int_equal(strcmp(buf + len - 4, "\r\033[K"), 0);
	free(buf);
}

/* Not a terminal, not forced: nothing is ever written. */
static void progress_silent_off_terminal(void **state)
{
	struct sim_progress p;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	assert_int_equal(sim_progress_start(&p, out, "x", false, 0), 0);
	sim_progress_update(0.9, &p);
	th_sleep_ns(150 * MS);
	sim_progress_stop(&p);
	fclose(out);
	assert_int_equal(len, 0);
	free(buf);
}

static int remove_tmpdir(void)
{
	if (tmpdir[0])
		rmdir(tmpdir);
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		TH_TEST(result_overflow_is_counted),
		TH_TEST(judge_pass),
		TH_TEST(judge_failures),
		TH_TEST(judge_lists_every_failure),
		TH_TEST(judge_violation_attribution),
		TH_TEST(judge_processes),
		TH_TEST(judge_vmap_process),
		TH_TEST(judge_cpu_access),
		TH_TEST(json_report_fields),
		TH_TEST(json_report_variants),
		TH_TEST(json_write_error),
		TH_TEST(trace_tracks),
		TH_TEST(trace_variants_are_processes),
		TH_TEST(text_report),
		TH_TEST(text_variants_side_by_side),
		TH_TEST(judge_counts_violations),
		TH_TEST(text_never_cuts),
		TH_TEST(progress_draws_and_clears),
		TH_TEST(progress_silent_off_terminal),
	};
	int ret = th_run(argc, argv, tests, TH_COUNT(tests));

	remove_tmpdir();
	return ret;
}
