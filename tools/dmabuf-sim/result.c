// SPDX-License-Identifier: MIT
/*
 * result.c - fill a sim_result, and judge it against the scenario.
 *
 * The judge is the only place that decides pass or fail, so the text
 * verdict, the JSON "verdict" and the exit code cannot disagree. Every
 * expectation that fails adds its reason; a reader sees all of them, not
 * just the first.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "result.h"
#include "units.h"

void sim_result_init(struct sim_result *res, const struct sim_scenario *sc)
{
	memset(res, 0, sizeof(*res));
	res->scenario = sc;
	res->seed = sc->seed;
}

void sim_result_event(struct sim_result *res, int64_t t_ns, const char *track,
		      bool instant, const char *fmt, ...)
{
	struct sim_event *ev;
	va_list ap;

	if (res->nr_timeline == SIM_MAX_TIMELINE) {
		res->timeline_dropped++;
		return;
	}
	ev = &res->timeline[res->nr_timeline++];
	ev->t_ns = t_ns;
	ev->instant = instant;
	snprintf(ev->track, sizeof(ev->track), "%s", track);
	va_start(ap, fmt);
	vsnprintf(ev->text, sizeof(ev->text), fmt, ap);
	va_end(ap);
}

void sim_result_span(struct sim_result *res, int64_t start_ns, int64_t end_ns,
		     const char *track, const char *name, bool failed)
{
	struct sim_span *sp;

	if (res->nr_spans == SIM_MAX_SPANS) {
		res->spans_dropped++;
		return;
	}
	sp = &res->spans[res->nr_spans++];
	sp->start_ns = start_ns;
	sp->end_ns = end_ns < start_ns ? start_ns : end_ns;
	sp->failed = failed;
	snprintf(sp->track, sizeof(sp->track), "%s", track);
	snprintf(sp->name, sizeof(sp->name), "%s", name);
}

struct sim_attachment_result *
sim_result_add_attachment(struct sim_result *res, const char *importer,
			  const char *device, const char *exporter, unsigned int spec)
{
	struct sim_attachment_result *a;

	if (res->nr_attachments == SIM_MAX_IMPORTERS)
		return NULL;
	a = &res->attachments[res->nr_attachments++];
	memset(a, 0, sizeof(*a));
	snprintf(a->importer, sizeof(a->importer), "%s", importer);
	snprintf(a->device, sizeof(a->device), "%s", device);
	snprintf(a->exporter, sizeof(a->exporter), "%s", exporter);
	a->spec = spec;
	a->unmap_latency_ns = SIM_LATENCY_NONE;
	return a;
}

struct sim_revoke_result *
sim_result_add_revoke(struct sim_result *res, const char *exporter,
		      const char *reason, int64_t at_ns)
{
	struct sim_revoke_result *r;

	if (res->nr_revokes == SIM_MAX_REVOKES)
		return NULL;
	r = &res->revokes[res->nr_revokes++];
	memset(r, 0, sizeof(*r));
	snprintf(r->exporter, sizeof(r->exporter), "%s", exporter);
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
	r->at_ns = at_ns;
	r->bound_ns = r->slack_ns = -1;
	for (unsigned int i = 0; i < SIM_MAX_IMPORTERS; i++)
		r->unmap_latency_ns[i] = SIM_LATENCY_NONE;
	return r;
}

const char *sim_fate_name(enum sim_fate fate)
{
	static const char *const names[SIM_NR_FATES] = {
		[SIM_FATE_NONE] = "none",
		[SIM_FATE_UNMAPPED] = "unmapped",
		[SIM_FATE_FAULTED] = "faulted",
		[SIM_FATE_CLEANED_UP] = "cleaned-up",
		[SIM_FATE_REFUSED] = "refused",
		[SIM_FATE_FAILED] = "failed",
		[SIM_FATE_LOST] = "lost",
	};

	return fate < SIM_NR_FATES ? names[fate] : "?";
}

enum sim_fate sim_fate_expected(enum sim_behaviour behaviour)
{
	switch (behaviour) {
	case SIM_BEH_COOPERATING:
		return SIM_FATE_UNMAPPED;
	case SIM_BEH_NEVER_UNMAP:
	case SIM_BEH_KEEPS_WRITING:
		return SIM_FATE_FAULTED;
	case SIM_BEH_KILLED_MID_REVOKE:
		return SIM_FATE_CLEANED_UP;
	case SIM_BEH_HOLDS_VMAP:
		return SIM_FATE_REFUSED;
	default:
		return SIM_FATE_LOST;
	}
}

void sim_culprit_name(char *buf, size_t len, const char *importer,
		      const char *device)
{
	if (!strcmp(importer, device))
		device = "";
	snprintf(buf, len, "%s%s%s", importer,
		 importer[0] && device[0] ? " " : "", device);
}

void sim_result_attachment_name(const struct sim_result *res, unsigned int i,
				char *buf, size_t len)
{
	sim_culprit_name(buf, len, res->attachments[i].importer,
			 res->attachments[i].device);
}

/* ---- the judge ---- */

struct verdict {
	struct sim_result *res;
	unsigned int failures;
	size_t used;
};

static void __attribute__((format(printf, 2, 3)))
fail(struct verdict *v, const char *fmt, ...)
{
	char *buf = v->res->verdict_reason;
	size_t size = sizeof(v->res->verdict_reason);
	va_list ap;

	if (v->used + 1 < size && v->failures)
		v->used += (size_t)snprintf(buf + v->used, size - v->used, "; ");
	if (v->used + 1 < size) {
		va_start(ap, fmt);
		v->used += (size_t)vsnprintf(buf + v->used, size - v->used, fmt, ap);
		va_end(ap);
	}
	if (v->used >= size)
		v->used = size - 1;
	v->failures++;
}

/* An expected device names an importer line: it matches all its instances. */
static bool device_matches(const char *actual, const char *expected)
{
	size_t n = strlen(expected);

	return !strncmp(actual, expected, n) && (actual[n] == '\0' || actual[n] == '.');
}

static bool violation_matches(const struct sim_expected_violation *e,
			      const struct dmb_check_record *r)
{
	return e->kind == r->kind &&
	       (!e->importer[0] || !strcmp(e->importer, r->importer)) &&
	       (!e->device[0] || device_matches(r->device, e->device));
}

static bool same_expectation(const struct sim_expected_violation *a,
			      const struct sim_expected_violation *b)
{
	return a->kind == b->kind && !strcmp(a->importer, b->importer) &&
	       !strcmp(a->device, b->device);
}

static bool same_culprit(const struct dmb_check_record *a, const struct dmb_check_record *b)
{
	return a->kind == b->kind && !strcmp(a->importer, b->importer) &&
	       !strcmp(a->device, b->device);
}

/* "V4", "V6 on broken-no-unmap bad0": what a count is about. */
static void label(char *buf, size_t len, enum dmb_violation kind,
		  const char *importer, const char *device)
{
	char who[2 * DMB_CHECK_NAME_LEN];

	sim_culprit_name(who, sizeof(who), importer, device);
	snprintf(buf, len, "%s%s%s", dmb_violation_name(kind),
		 who[0] ? " on " : "", who);
}

/*
 * The reported violations must be exactly the expected multiset. Expected
 * entries that name an importer are matched first, so a bare "V6" does not
 * take the record a "V6 on bad0" needed. A mismatch is told as counts, once
 * per culprit: "V4 on gpu gpu0: 2 seen, 1 expected".
 */
/*
 * A V6 naming an importer process that did let go — a cooperating one that
 * unmapped, one killed mid-revoke that the exporter cleaned up — says only
 * that, on this machine, its unmap (or its death) came after the bound:
 * real time under load, measured and shown, never judged.
 */
bool sim_result_late_under_load(const struct sim_result *res, const struct dmb_check_record *r)
{
	char who[SIM_NAME_LEN + 16];

	if (r->kind != DMB_V6_UNMAP_TIMEOUT)
		return false;
	for (unsigned int i = 0; i < res->nr_attachments; i++) {
		const struct sim_attachment_result *a = &res->attachments[i];

		if (!a->process || a->fate != sim_fate_expected(a->behaviour) ||
		    (a->behaviour != SIM_BEH_COOPERATING &&
		     a->behaviour != SIM_BEH_KILLED_MID_REVOKE))
			continue;
		snprintf(who, sizeof(who), "%s[%d]", a->device, a->pid);
		if (!strcmp(r->importer, who))
			return true;
	}
	return false;
}

static void judge_violations(struct verdict *v)
{
	const struct sim_result *res = v->res;
	const struct sim_expect *x = &res->scenario->expect;
	bool used[DMB_CHECK_RECORDS] = { false }, met[SIM_MAX_EXPECTED] = { false };
	bool told[DMB_CHECK_RECORDS] = { false };
	char what[2 * DMB_CHECK_NAME_LEN + 16];

	for (unsigned int j = 0; j < res->nr_violations; j++)
		used[j] = sim_result_late_under_load(res, &res->violations[j]);
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned int i = 0; i < x->nr_violations; i++) {
			const struct sim_expected_violation *e = &x->violations[i];
			bool attributed = e->importer[0] || e->device[0];

			if (attributed != (pass == 0))
				continue;
			for (unsigned int j = 0; j < res->nr_violations; j++) {
				if (!used[j] && violation_matches(e, &res->violations[j])) {
					used[j] = met[i] = true;
					break;
				}
			}
		}
	}
	for (unsigned int i = 0; i < x->nr_violations; i++) {
		const struct sim_expected_violation *e = &x->violations[i];
		unsigned int seen = 0, expected = 0;
		bool first = true;

		if (met[i])
			continue;
		for (unsigned int k = 0; k < i; k++)
			first &= met[k] || !same_expectation(&x->violations[k], e);
		if (!first)
			continue;
		for (unsigned int k = 0; k < x->nr_violations; k++)
			expected += same_expectation(&x->violations[k], e);
		for (unsigned int j = 0; j < res->nr_violations; j++)
			seen += violation_matches(e, &res->violations[j]);
		label(what, sizeof(what), e->kind, e->importer, e->device);
		fail(v, "%s: %u seen, %u expected", what, seen, expected);
	}
	for (unsigned int j = 0; j < res->nr_violations; j++) {
		const struct dmb_check_record *r = &res->violations[j];
		unsigned int seen = 0, expected = 0;

		if (used[j] || told[j])
			continue;
		for (unsigned int k = 0; k < res->nr_violations; k++) {
			if (!same_culprit(&res->violations[k], r))
				continue;
			seen++;
			expected += used[k];
			told[k] = true;
		}
		label(what, sizeof(what), r->kind, r->importer, r->device);
		fail(v, "%s: %u seen, %u expected", what, seen, expected);
	}
}

static void judge_attachments(struct verdict *v)
{
	const struct sim_result *res = v->res;
	const struct sim_scenario *sc = res->scenario;
	const struct sim_expect *x = &sc->expect;
	unsigned int seen[SIM_MAX_IMPORTERS] = { 0 };
	char name[SIM_NAME_LEN * 2];

	for (unsigned int i = 0; i < res->nr_attachments; i++) {
		const struct sim_attachment_result *a = &res->attachments[i];
		const struct sim_importer_spec *spec;

		if (a->spec >= sc->nr_importers) {
			fail(v, "attachment %u comes from no importer line", i);
			continue;
		}
		spec = &sc->importers[a->spec];
		seen[a->spec]++;
		sim_result_attachment_name(res, i, name, sizeof(name));
		if (a->attach_result != spec->expect_attach) {
			const char *got = sim_errno_name(a->attach_result);

			fail(v, "%s: attach returned %s, expected %s", name,
			     got ? got : "an unknown error",
			     sim_errno_name(spec->expect_attach));
			continue;
		}
		if (a->attach_result)
			continue;
		if (spec->expect_invalidations >= 0 &&
		    a->invalidations != (unsigned int)spec->expect_invalidations)
			fail(v, "%s: %u invalidations, expected %d", name, a->invalidations,
			     spec->expect_invalidations);
		if (a->process && a->fate != sim_fate_expected(a->behaviour))
			fail(v, "%s[%d] (%s): %s, expected %s: %s", name, a->pid,
			     sim_behaviour_name(a->behaviour), sim_fate_name(a->fate),
			     sim_fate_name(sim_fate_expected(a->behaviour)), a->fate_detail);
		if (x->importers_ran && !a->jobs)
			fail(v, "%s: ran no DMA", name);
		if (x->resume && res->nr_unrevokes && a->revocable && a->invalidations &&
		    !a->jobs_after_unrevoke)
			fail(v, "%s: did not resume DMA after the unrevoke", name);
	}
	for (unsigned int s = 0; s < sc->nr_importers; s++)
		if (seen[s] != sc->importers[s].count)
			fail(v, "importer %s: %u of %u instances tried to attach",
			     sc->importers[s].device, seen[s], sc->importers[s].count);
}

static void judge_counts(struct verdict *v)
{
	const struct sim_result *res = v->res;
	const struct sim_expect *x = &res->scenario->expect;

	if (x->revokes >= 0 && res->nr_revokes != (unsigned int)x->revokes)
		fail(v, "%u revokes, expected %d", res->nr_revokes, x->revokes);
	if (x->resume && !res->nr_unrevokes)
		fail(v, "the buffer was never unrevoked");
	if (x->dma_after_revoke_faults) {
		if (!res->dma.after_revoke_attempts)
			fail(v, "no DMA was attempted while revoked");
		else if (res->dma.after_revoke_succeeded ||
			 res->dma.after_revoke_faulted != res->dma.after_revoke_attempts)
			fail(v, "DMA while revoked: %lu attempted, %lu succeeded, %lu faulted",
			     res->dma.after_revoke_attempts, res->dma.after_revoke_succeeded,
			     res->dma.after_revoke_faulted);
	}
	if (x->data_intact && !res->data_intact)
		fail(v, "the buffer's contents did not survive");
	if (x->cpu_access_fails_while_revoked) {
		if (!res->cpu.revoked_reads)
			fail(v, "no CPU read while revoked");
		else if (res->cpu.revoked_faults != res->cpu.revoked_reads)
			fail(v, "%lu of %lu CPU reads while revoked succeeded",
			     res->cpu.revoked_reads - res->cpu.revoked_faults,
			     res->cpu.revoked_reads);
		if (res->cpu.faults != res->cpu.revoked_faults)
			fail(v, "%lu CPU reads faulted while not revoked",
			     res->cpu.faults - res->cpu.revoked_faults);
	}
	if (x->cpu_faults >= 0 && res->cpu.faults != (unsigned long)x->cpu_faults)
		fail(v, "%lu CPU faults, expected %d", res->cpu.faults, x->cpu_faults);
}

/* A run that never finished an event fails, unless that is the point. */
static void judge_completion(struct verdict *v)
{
	const struct sim_result *res = v->res;
	const struct sim_expect *x = &res->scenario->expect;

	if (res->hung)
		fail(v, "the simulation did not settle (a bug; see the timeline)");
	if (res->gave_up && !x->revoke_unfinished)
		fail(v, "the %s at %.3f ms never finished: a revoke still waited for an importer when the run gave up (see the timeline; -p deadline-force ends such a wait at the bound)",
		     res->unfinished, res->unfinished_at_ns / 1e6);
	if (!res->gave_up && x->revoke_unfinished)
		fail(v, "every event finished, expected a revoke that does not");
}

void sim_result_judge(struct sim_result *res)
{
	struct verdict v = { .res = res };
	unsigned int attached = 0, late = 0;

	res->verdict_reason[0] = '\0';
	judge_completion(&v);
	judge_violations(&v);
	judge_counts(&v);
	judge_attachments(&v);
	res->pass = !v.failures;
	if (!res->pass)
		return;
	for (unsigned int i = 0; i < res->nr_attachments; i++)
		attached += !res->attachments[i].attach_result;
	for (unsigned int j = 0; j < res->nr_violations; j++)
		late += sim_result_late_under_load(res, &res->violations[j]);
	snprintf(res->verdict_reason, sizeof(res->verdict_reason),
		 "as expected (%u revoke%s, %u violation%s, %u/%u attached)",
		 res->nr_revokes, res->nr_revokes == 1 ? "" : "s",
		 res->nr_violations - late, res->nr_violations - late == 1 ? "" : "s",
		 attached, res->nr_attachments);
	if (late)
		snprintf(res->verdict_reason + strlen(res->verdict_reason),
			 sizeof(res->verdict_reason) - strlen(res->verdict_reason),
			 "; %u V6 on importer processes that let go after the bound on this machine, not judged",
			 late);
}
