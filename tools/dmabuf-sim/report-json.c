// SPDX-License-Identifier: MIT
/*
 * report-json.c - the machine-readable report, written with jansson.
 *
 * One object per play with the fields of docs/scenarios.md ("JSON
 * report"). A scenario with variants gets the same fields at the top,
 * summed over its plays (each array entry carrying its "variant"), and the
 * plays themselves under "variants": a consumer that only knows the
 * single-play schema still reads the overall verdict correctly.
 *
 * Field names are an interface (tests and scripts read them): add fields,
 * never rename one.
 */
#include <errno.h>
#include <string.h>

#include "json-str.h"
#include "report.h"

#ifndef SIM_VERSION
#define SIM_VERSION "unknown"
#endif

#define SIM_JSON_SCHEMA	1

static json_t *jlatency(int64_t ns)
{
	return ns >= 0 ? json_integer(ns) : json_null();
}

static json_t *violation_json(const struct dmb_check_record *r)
{
	char attachment[2 * DMB_CHECK_NAME_LEN + 2] = "";

	if (r->importer[0] || r->device[0])
		snprintf(attachment, sizeof(attachment), "%s%s%s", r->importer,
			 r->importer[0] && r->device[0] ? " " : "", r->device);
	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:I}",
			 "kind", dmb_violation_name(r->kind),
			 "buffer", sim_json_str_or_null(r->buffer),
			 "attachment", sim_json_str_or_null(attachment),
			 "detail", sim_json_str(r->detail),
			 "exporter", sim_json_str_or_null(r->exporter),
			 "importer", sim_json_str_or_null(r->importer),
			 "device", sim_json_str_or_null(r->device),
			 "time_ns", (json_int_t)r->time_ns);
}

/* An importer process: who it was, what it did, what became of it; else null. */
static json_t *process_json(const struct sim_attachment_result *a)
{
	if (!a->process)
		return json_null();
	return json_pack("{s:i, s:s, s:s, s:s, s:o}",
			 "pid", a->pid,
			 "behaviour", sim_behaviour_name(a->behaviour),
			 "fate", sim_fate_name(a->fate),
			 "expected_fate", sim_fate_name(sim_fate_expected(a->behaviour)),
			 "detail", sim_json_str(a->fate_detail));
}

static json_t *attachment_json(const struct sim_result *res, unsigned int i)
{
	const struct sim_attachment_result *a = &res->attachments[i];
	const struct sim_importer_spec *spec = a->spec < res->scenario->nr_importers ?
		&res->scenario->importers[a->spec] : NULL;
	json_t *obj;

	obj = json_pack("{s:o, s:o, s:o, s:b, s:i, s:o, s:i, s:I, s:I, s:o, s:b}",
			 "importer", sim_json_str(a->importer),
			 "device", sim_json_str(a->device),
			 "exporter", sim_json_str(a->exporter),
			 "revocable", a->revocable,
			 "attach_result", a->attach_result,
			 "expected_attach_result",
			 spec ? json_integer(spec->expect_attach) : json_null(),
			 "invalidations", (int)a->invalidations,
			 "jobs", (json_int_t)a->jobs,
			 "jobs_after_unrevoke", (json_int_t)a->jobs_after_unrevoke,
			 "unmap_latency_ns", jlatency(a->unmap_latency_ns),
			 "never_unmapped", a->unmap_latency_ns == SIM_LATENCY_NEVER);
	if (obj && json_object_set_new(obj, "process", process_json(a))) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

static json_t *revoke_json(const struct sim_result *res, unsigned int k)
{
	const struct sim_revoke_result *r = &res->revokes[k];
	json_t *lat = json_array();
	char name[2 * SIM_NAME_LEN];

	for (unsigned int i = 0; lat && i < res->nr_attachments; i++) {
		if (r->unmap_latency_ns[i] == SIM_LATENCY_NONE)
			continue;
		sim_result_attachment_name(res, i, name, sizeof(name));
		json_array_append_new(lat, json_pack("{s:o, s:i, s:o, s:b}",
			"attachment", sim_json_str(name), "index", (int)i,
			"ns", jlatency(r->unmap_latency_ns[i]),
			"never_unmapped", r->unmap_latency_ns[i] == SIM_LATENCY_NEVER));
	}
	json_t *obj = json_pack("{s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:i, s:i, s:o}",
			 "exporter", sim_json_str(r->exporter),
			 "reason", sim_json_str(r->reason),
			 "at_ns", (json_int_t)r->at_ns,
			 "total_ns", (json_int_t)r->total_ns,
			 "invalidate_ns", (json_int_t)r->invalidate_ns,
			 "fence_wait_ns", (json_int_t)r->fence_wait_ns,
			 "unmap_wait_ns", (json_int_t)r->unmap_wait_ns,
			 "warnings", (int)r->warnings,
			 "forced", (int)r->forced,
			 "unmap_latency", lat);

	/* The policy's bound: a measured comparison, not part of the verdict. */
	if (obj && json_object_set_new(obj, "bound", r->bound_ns < 0 ? json_null() :
			json_pack("{s:I, s:I, s:b}", "bound_ns", (json_int_t)r->bound_ns,
				  "slack_ns", (json_int_t)r->slack_ns,
				  "within", r->total_ns <= r->bound_ns + r->slack_ns))) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

static json_t *dma_json(unsigned long jobs, unsigned long faults, unsigned long attempts,
			unsigned long succeeded, unsigned long faulted)
{
	return json_pack("{s:I, s:I, s:{s:I, s:I, s:I}}",
			 "jobs", (json_int_t)jobs, "faults", (json_int_t)faults,
			 "after_revoke",
			 "attempts", (json_int_t)attempts,
			 "succeeded", (json_int_t)succeeded,
			 "faulted", (json_int_t)faulted);
}

static json_t *cpu_json(unsigned long reads, unsigned long faults,
			unsigned long revoked_reads, unsigned long revoked_faults)
{
	return json_pack("{s:I, s:I, s:I, s:I}",
			 "reads", (json_int_t)reads, "faults", (json_int_t)faults,
			 "revoked_reads", (json_int_t)revoked_reads,
			 "revoked_faults", (json_int_t)revoked_faults);
}

/* Build an array of @n items from @make; NULL if any failed. */
static json_t *array_of(const struct sim_result *res, unsigned int n,
			json_t *(*make)(const struct sim_result *res, unsigned int i))
{
	json_t *arr = json_array();

	for (unsigned int i = 0; arr && i < n; i++) {
		if (json_array_append_new(arr, make(res, i))) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* "judged": false for a process's V6 that only says the machine was slow. */
static json_t *violation_at(const struct sim_result *res, unsigned int i)
{
	json_t *v = violation_json(&res->violations[i]);

	if (v && json_object_set_new(v, "judged",
			json_boolean(!sim_result_late_under_load(res, &res->violations[i])))) {
		json_decref(v);
		return NULL;
	}
	return v;
}

static json_t *expected_at(const struct sim_result *res, unsigned int i)
{
	return json_string(dmb_violation_name(res->scenario->expect.violations[i].kind));
}

static json_t *event_at(const struct sim_result *res, unsigned int i)
{
	const struct sim_event *ev = &res->timeline[i];

	return json_pack("{s:I, s:o, s:o, s:b}", "t_ns", (json_int_t)ev->t_ns,
			 "track", sim_json_str(ev->track), "text", sim_json_str(ev->text),
			 "instant", ev->instant);
}

/* Fields added after the first schema: set on the packed object. */
static json_t *play_json_more(const struct sim_result *res, json_t *play)
{
	json_t *expect = json_object_get(play, "expect");
	json_t *unfinished = res->gave_up ?
		json_pack("{s:s, s:I}", "action", res->unfinished,
			  "at_ns", (json_int_t)res->unfinished_at_ns) : json_null();

	if (!play || !expect ||
	    json_object_set_new(play, "unfinished", unfinished) ||
	    json_object_set_new(play, "clock_steps", json_integer((json_int_t)res->clock_steps)) ||
	    json_object_set_new(play, "memory", json_pack("{s:I, s:I}",
			"bytes", (json_int_t)res->memory_bytes,
			"budget_bytes", (json_int_t)res->budget_memory_bytes)) ||
	    json_object_set_new(expect, "revoke_unfinished",
				json_boolean(res->scenario->expect.revoke_unfinished))) {
		json_decref(play);
		return NULL;
	}
	return play;
}

static json_t *play_json(const struct sim_result *res)
{
	const struct sim_scenario *sc = res->scenario;
	const struct sim_expect *x = &sc->expect;

	return play_json_more(res, json_pack("{s:s, s:o, s:o, s:I, s:s, s:I, s:I,"
			 " s:{s:s, s:I, s:I, s:b}, s:{s:s, s:s, s:I},"
			 " s:s, s:o, s:o, s:o, s:o, s:o, s:i, s:o, s:o, s:b, s:I,"
			 " s:{s:o, s:b, s:b, s:b, s:b, s:b, s:o},"
			 " s:o, s:i, s:i}",
		"scenario", sc->name,
		"variant", sim_json_str_or_null(sc->variant),
		"description", sim_json_str(sc->description),
		"seed", (json_int_t)res->seed,
		"clock", sc->real_clock ? "real" : "virtual",
		"duration_ns", (json_int_t)(res->duration_ns ? res->duration_ns : sc->duration_ns),
		"wall_ns", (json_int_t)res->wall_ns,
		"policy",
			"wait", sim_wait_name(sc->policy.wait),
			"unmap_bound_ns", (json_int_t)sc->policy.unmap_bound_ns,
			"fence_bound_ns", (json_int_t)sc->policy.fence_bound_ns,
			"power_ref", sc->power_ref,
		"exporter",
			"driver", sim_exporter_name(sc->exporter.kind),
			"device", sc->exporter.device,
			"size", (json_int_t)sc->exporter.size,
		"verdict", res->pass ? "pass" : "fail",
		"verdict_reason", sim_json_str(res->verdict_reason),
		"violations", array_of(res, res->nr_violations, violation_at),
		"expected_violations", array_of(res, x->nr_violations, expected_at),
		"attachments", array_of(res, res->nr_attachments, attachment_json),
		"revokes", array_of(res, res->nr_revokes, revoke_json),
		"unrevokes", (int)res->nr_unrevokes,
		"dma", dma_json(res->dma.jobs, res->dma.faults, res->dma.after_revoke_attempts,
				res->dma.after_revoke_succeeded, res->dma.after_revoke_faulted),
		"cpu", cpu_json(res->cpu.reads, res->cpu.faults, res->cpu.revoked_reads,
				res->cpu.revoked_faults),
		"data_intact", res->data_intact,
		"low_power_ns", (json_int_t)res->low_power_ns,
		"expect",
			"revokes", x->revokes >= 0 ? json_integer(x->revokes) : json_null(),
			"dma_after_revoke_faults", x->dma_after_revoke_faults,
			"resume", x->resume,
			"importers_ran", x->importers_ran,
			"data_intact", x->data_intact,
			"cpu_access_fails_while_revoked", x->cpu_access_fails_while_revoked,
			"cpu_faults", x->cpu_faults >= 0 ? json_integer(x->cpu_faults) : json_null(),
		"timeline", array_of(res, res->nr_timeline, event_at),
		"timeline_dropped", (int)res->timeline_dropped,
		"spans_dropped", (int)res->spans_dropped));
}

/*
 * Append copies of @play[@key]'s entries to @all[@key]; objects are tagged
 * with their variant (expected violations are plain names, kept as they are).
 */
static int gather(json_t *all, json_t *play, const char *key, const char *variant)
{
	json_t *dst = json_object_get(all, key), *item;
	size_t i;

	json_array_foreach(json_object_get(play, key), i, item) {
		json_t *copy = json_deep_copy(item);

		if (json_is_object(copy) &&
		    json_object_set_new(copy, "variant", json_string(variant))) {
			json_decref(copy);
			return -ENOMEM;
		}
		if (json_array_append_new(dst, copy))
			return -ENOMEM;
	}
	return 0;
}

/* The top of a report with variants: every play, and their sum. */
static json_t *summary_json(const struct sim_result *const *res, unsigned int n, json_t *plays)
{
	static const char *const arrays[] = {
		"violations", "expected_violations", "attachments", "revokes",
	};
	const struct sim_result *first = res[0];
	unsigned long d[5] = { 0 }, c[4] = { 0 };
	char reason[2048] = "";
	size_t used = 0;
	json_t *top;

	for (unsigned int i = 0; i < n; i++) {
		d[0] += res[i]->dma.jobs;
		d[1] += res[i]->dma.faults;
		d[2] += res[i]->dma.after_revoke_attempts;
		d[3] += res[i]->dma.after_revoke_succeeded;
		d[4] += res[i]->dma.after_revoke_faulted;
		c[0] += res[i]->cpu.reads;
		c[1] += res[i]->cpu.faults;
		c[2] += res[i]->cpu.revoked_reads;
		c[3] += res[i]->cpu.revoked_faults;
		if (used < sizeof(reason))
			used += (size_t)snprintf(reason + used, sizeof(reason) - used, "%s%s: %s",
						 i ? "; " : "", res[i]->scenario->variant,
						 res[i]->verdict_reason);
	}
	top = json_pack("{s:s, s:n, s:o, s:I, s:s, s:o, s:[], s:[], s:[], s:[], s:o, s:o, s:O}",
		"scenario", first->scenario->name,
		"variant",
		"description", sim_json_str(first->scenario->description),
		"seed", (json_int_t)first->seed,
		"verdict", sim_report_pass(res, n) ? "pass" : "fail",
		"verdict_reason", sim_json_str(reason),
		"violations", "expected_violations", "attachments", "revokes",
		"dma", dma_json(d[0], d[1], d[2], d[3], d[4]),
		"cpu", cpu_json(c[0], c[1], c[2], c[3]),
		"variants", plays);
	if (!top)
		return NULL;
	for (unsigned int i = 0; i < n; i++) {
		json_t *play = json_array_get(plays, i);

		for (size_t k = 0; k < sizeof(arrays) / sizeof(arrays[0]); k++) {
			if (gather(top, play, arrays[k], res[i]->scenario->variant)) {
				json_decref(top);
				return NULL;
			}
		}
	}
	return top;
}

json_t *sim_report_json(const struct sim_result *const *res, unsigned int n)
{
	json_t *plays = json_array(), *top = NULL;

	if (!plays || !n)
		goto out;
	for (unsigned int i = 0; i < n; i++)
		if (json_array_append_new(plays, play_json(res[i])))
			goto out;
	if (n == 1 && !res[0]->scenario->variant[0])
		top = json_incref(json_array_get(plays, 0));
	else
		top = summary_json(res, n, plays);
	if (top && (json_object_set_new(top, "generator", json_string("dmabuf-sim " SIM_VERSION)) ||
		    json_object_set_new(top, "schema_version", json_integer(SIM_JSON_SCHEMA)))) {
		json_decref(top);
		top = NULL;
	}
out:
	json_decref(plays);
	if (!top)
		errno = ENOMEM;
	return top;
}

int sim_report_json_write(const char *path, const struct sim_result *const *res,
			  unsigned int n, char *err, size_t err_len)
{
	json_t *root = sim_report_json(res, n);
	int ret = 0;

	if (!root) {
		snprintf(err, err_len, "%s: out of memory building the report", path);
		return -ENOMEM;
	}
	errno = 0;
	if (json_dump_file(root, path, JSON_INDENT(2) | JSON_ENSURE_ASCII)) {
		ret = errno ? -errno : -EIO;
		snprintf(err, err_len, "%s: cannot write: %s", path, strerror(-ret));
	}
	json_decref(root);
	return ret;
}
