// SPDX-License-Identifier: MIT
/*
 * report-text.c - the account a newcomer reads: what was played, what
 * happened when, what each revoke cost, who misbehaved, and the verdict.
 *
 * It keeps to 80 columns: long texts (descriptions, violation details) are
 * wrapped under their column rather than cut, so nothing the runner said is
 * lost on a terminal.
 */
#include <stddef.h>
#include <string.h>

#include "report.h"
#include "units.h"

#define DUR(ns)		sim_format_duration((ns), (char[24]){ 0 }, 24)
#define SIM_TRACK_COLUMN_MAX	24	/* longer track names get a line of their own */
#define SIZE(b)		sim_format_size((b), (char[24]){ 0 }, 24)

void sim_report_wrapped(FILE *out, unsigned int col, unsigned int indent, const char *text)
{
	unsigned int width = SIM_REPORT_WIDTH - 1;

	while (*text) {
		size_t room = col < width ? width - col : 1, n = strlen(text), cut;

		if (n <= room) {
			fputs(text, out);
			break;
		}
		/* Break at the last space that fits, or mid-word if none does. */
		for (cut = room; cut > 0 && text[cut] != ' '; cut--)
			;
		if (!cut)
			cut = room;
		fprintf(out, "%.*s\n%*s", (int)cut, text, (int)indent, "");
		text += cut;
		while (*text == ' ')
			text++;
		col = indent;
	}
	fputc('\n', out);
}

static void print_header(FILE *out, const struct sim_result *res)
{
	const struct sim_scenario *sc = res->scenario;
	char title[160];
	int col;

	/* A variant's section says what the variant changes; the intro said the rest. */
	const char *desc = sc->variant[0] ? sc->variant_description : sc->description;

	if (sc->variant[0])
		snprintf(title, sizeof(title), "%s, variant %s", sc->name, sc->variant);
	else
		snprintf(title, sizeof(title), "%s", sc->name);
	fprintf(out, "== %s ==\n", title);
	if (desc[0]) {
		fputs("  ", out);
		sim_report_wrapped(out, 2, 2, desc);
	}
	fprintf(out, "\n  %-9s seed %llu, %s clock, %s played (wall clock %s)\n", "run",
		(unsigned long long)res->seed, sc->real_clock ? "real" : "virtual",
		DUR(res->duration_ns ? res->duration_ns : sc->duration_ns),
		DUR(res->wall_ns));
	fprintf(out, "  %-9s %s %s, %s\n", "exporter", sim_exporter_name(sc->exporter.kind),
		sc->exporter.device, SIZE(sc->exporter.size));
	col = fprintf(out, "  %-9s %s, unmap bound %s, fence bound %s%s", "policy",
		      sim_wait_name(sc->policy.wait), DUR(sc->policy.unmap_bound_ns),
		      DUR(sc->policy.fence_bound_ns), sc->power_ref ? "," : "");
	if (sc->power_ref)
		fputs(col > 60 ? "\n            power references\n" : " power references\n", out);
	else
		fputc('\n', out);
	if (sc->processes)
		fprintf(out, "  %-9s importer processes, each acting out its behaviour\n",
			"workload");
	else
		fprintf(out, "  %-9s %s jobs of %s every %s per importer\n", "workload",
			SIZE(sc->workload.job_size), DUR(sc->workload.job_ns),
			DUR(sc->workload.interval_ns));
}

/* The width of a column: its heading, or its longest entry. */
static int column_width(const struct sim_result *res, size_t offset, const char *heading)
{
	size_t w = strlen(heading);

	for (unsigned int i = 0; i < res->nr_attachments; i++) {
		size_t n = strlen((const char *)&res->attachments[i] + offset);

		if (n > w)
			w = n;
	}
	return (int)w;
}

static void print_attachments(FILE *out, const struct sim_result *res)
{
	int imp_w = column_width(res, offsetof(struct sim_attachment_result, importer),
				 "importer");
	int dev_w = column_width(res, offsetof(struct sim_attachment_result, device),
				 "device");

	fprintf(out, "\nAttachments\n");
	if (!res->nr_attachments) {
		fprintf(out, "  none\n");
		return;
	}
	fprintf(out, "  %-*s %-*s %-9s %-11s %6s %7s\n", imp_w, "importer", dev_w, "device",
		"revocable", "attach", "inval.", "jobs");
	for (unsigned int i = 0; i < res->nr_attachments; i++) {
		const struct sim_attachment_result *a = &res->attachments[i];
		const char *err = sim_errno_name(a->attach_result);
		char attach[24];

		if (!a->attach_result)
			snprintf(attach, sizeof(attach), "ok");
		else if (err)
			snprintf(attach, sizeof(attach), "%s", err);
		else
			snprintf(attach, sizeof(attach), "%d", a->attach_result);
		fprintf(out, "  %-*s %-*s %-9s %-11s", imp_w, a->importer, dev_w, a->device,
			a->revocable ? "yes" : "no", attach);
		if (a->attach_result)
			fprintf(out, " %6s %7s\n", "-", "-");
		else
			fprintf(out, " %6u %7lu\n", a->invalidations, a->jobs);
	}
}

/* Each importer process: its behaviour, and the fate it met. */
static void print_processes(FILE *out, const struct sim_result *res)
{
	fprintf(out, "\nProcesses\n");
	for (unsigned int i = 0; i < res->nr_attachments; i++) {
		const struct sim_attachment_result *a = &res->attachments[i];
		char who[SIM_NAME_LEN + 16], line[SIM_TEXT_LEN + 64];

		if (!a->process)
			continue;
		snprintf(who, sizeof(who), "%s[%d]", a->device, a->pid);
		snprintf(line, sizeof(line), "%s, %s (expected %s): %s",
			 sim_behaviour_name(a->behaviour), sim_fate_name(a->fate),
			 sim_fate_name(sim_fate_expected(a->behaviour)), a->fate_detail);
		fprintf(out, "  %-16s ", who);
		sim_report_wrapped(out, 19, 19, line);
	}
}

static void print_timeline(FILE *out, const struct sim_result *res)
{
	unsigned int track_w = 8;

	fprintf(out, "\nTimeline\n");
	if (!res->nr_timeline) {
		fprintf(out, "  nothing happened\n");
		return;
	}
	for (unsigned int i = 0; i < res->nr_timeline; i++) {
		size_t n = strlen(res->timeline[i].track);

		if (n > track_w)
			track_w = n;
	}
	if (track_w > SIM_TRACK_COLUMN_MAX)
		track_w = SIM_TRACK_COLUMN_MAX;
	for (unsigned int i = 0; i < res->nr_timeline; i++) {
		const struct sim_event *ev = &res->timeline[i];
		int col;

		/* A track name longer than the column: the text goes below it. */
		if (strlen(ev->track) > track_w) {
			fprintf(out, "  %10.3f ms  %s\n%*s", (double)ev->t_ns / 1e6,
				ev->track, 17 + (int)track_w, "");
			col = 17 + (int)track_w;
		} else {
			col = fprintf(out, "  %10.3f ms  %-*s  ", (double)ev->t_ns / 1e6,
				      (int)track_w, ev->track);
		}
		sim_report_wrapped(out, (unsigned int)col, 17 + track_w, ev->text);
	}
	if (res->timeline_dropped)
		fprintf(out, "  ... and %u more events not recorded\n", res->timeline_dropped);
}

static void print_latency(FILE *out, const struct sim_result *res,
			  const struct sim_revoke_result *r, unsigned int i, int name_w)
{
	char name[SIM_NAME_LEN * 2];
	int64_t ns = r->unmap_latency_ns[i];

	if (ns == SIM_LATENCY_NONE)
		return;
	sim_result_attachment_name(res, i, name, sizeof(name));
	if (ns == SIM_LATENCY_NEVER)
		fprintf(out, "      %-*s  never unmapped%s\n", name_w, name,
			r->forced ? " (torn down by force)" : "");
	else
		fprintf(out, "      %-*s  %s\n", name_w, name, DUR(ns));
}

/* The longest "<importer> <device>". */
static int attachment_name_width(const struct sim_result *res)
{
	char name[SIM_NAME_LEN * 2];
	int w = 0;

	for (unsigned int i = 0; i < res->nr_attachments; i++) {
		sim_result_attachment_name(res, i, name, sizeof(name));
		if ((int)strlen(name) > w)
			w = (int)strlen(name);
	}
	return w;
}

static void print_revokes(FILE *out, const struct sim_result *res)
{
	for (unsigned int k = 0; k < res->nr_revokes; k++) {
		const struct sim_revoke_result *r = &res->revokes[k];
		bool any = false;

		fprintf(out, "\nRevoke %u: %s, %s at %.3f ms, %s in all\n", k + 1, r->exporter,
			r->reason, (double)r->at_ns / 1e6, DUR(r->total_ns));
		fprintf(out, "  %-12s %s\n", "invalidate", DUR(r->invalidate_ns));
		fprintf(out, "  %-12s %s\n", "fence wait", DUR(r->fence_wait_ns));
		fprintf(out, "  %-12s %s\n", "unmap wait", DUR(r->unmap_wait_ns));
		if (r->warnings || r->forced)
			fprintf(out, "  %u warning%s at the bound, %u mapping%s torn down by force\n",
				r->warnings, r->warnings == 1 ? "" : "s",
				r->forced, r->forced == 1 ? "" : "s");
		if (r->bound_ns >= 0)
			fprintf(out, "  %-12s %s + %s slack: %s (measured, not judged)\n", "bound",
				DUR(r->bound_ns), DUR(r->slack_ns),
				r->total_ns <= r->bound_ns + r->slack_ns ? "within it" :
				"OVER it");
		for (unsigned int i = 0; i < res->nr_attachments; i++)
			any |= r->unmap_latency_ns[i] != SIM_LATENCY_NONE;
		if (!any)
			continue;
		fprintf(out, "  unmap latency, from invalidate_mappings to unmap:\n");
		for (unsigned int i = 0; i < res->nr_attachments; i++)
			print_latency(out, res, r, i, attachment_name_width(res));
	}
}

static bool has_moves(const struct sim_scenario *sc)
{
	for (unsigned int i = 0; i < sc->nr_events; i++)
		if (sc->events[i].action == SIM_ACT_EVICT || sc->events[i].action == SIM_ACT_MIGRATE)
			return true;
	return false;
}

static void print_counts(FILE *out, const struct sim_result *res)
{
	if (!res->scenario->processes)
		fprintf(out, "\nDMA  %lu jobs, %lu faults; while revoked %lu attempted, %lu succeeded, "
		"%lu faulted\n", res->dma.jobs, res->dma.faults, res->dma.after_revoke_attempts,
		res->dma.after_revoke_succeeded, res->dma.after_revoke_faulted);
	if (res->cpu.reads)
		fprintf(out, "CPU  %lu reads, %lu faulted; while revoked %lu reads, %lu faulted\n",
			res->cpu.reads, res->cpu.faults, res->cpu.revoked_reads,
			res->cpu.revoked_faults);
	if (res->low_power_ns)
		fprintf(out, "D3   %s in low power\n", DUR(res->low_power_ns));
	if (res->scenario->expect.data_intact || has_moves(res->scenario))
		fprintf(out, "Data %s\n", res->data_intact ? "intact after every move" :
			"NOT intact: a move lost or corrupted bytes");
}

static void print_violations(FILE *out, const struct sim_result *res)
{
	const struct sim_expect *x = &res->scenario->expect;

	fprintf(out, "\nViolations: %u", res->nr_violations);
	if (x->nr_violations) {
		fprintf(out, " (expected:");
		for (unsigned int i = 0; i < x->nr_violations; i++)
			fprintf(out, " %s", dmb_violation_name(x->violations[i].kind));
		fputc(')', out);
	} else {
		fprintf(out, " (expected: none)");
	}
	fputc('\n', out);
	for (unsigned int i = 0; i < res->nr_violations; i++) {
		const struct dmb_check_record *r = &res->violations[i];
		char culprit[2 * DMB_CHECK_NAME_LEN], who[256];

		sim_culprit_name(culprit, sizeof(culprit), r->importer, r->device);
		snprintf(who, sizeof(who), "%s%s%s%s%s", culprit,
			 r->buffer[0] ? ", buffer " : "", r->buffer,
			 r->exporter[0] ? ", exporter " : "", r->exporter);
		fprintf(out, "  %-3s at %.3f ms: %s\n", dmb_violation_name(r->kind),
			(double)r->time_ns / 1e6, dmb_violation_summary(r->kind));
		fprintf(out, "      who: ");
		sim_report_wrapped(out, 11, 11, who[0] ? who : "(not attributed)");
		if (r->detail[0]) {
			fprintf(out, "      what: ");
			sim_report_wrapped(out, 12, 12, r->detail);
		}
		if (sim_result_late_under_load(res, r))
			fprintf(out, "      not judged: this process let go, after the bound on this machine\n");
	}
}

/* One line, whatever its length: scripts and eyes look for it. */
static void print_play_verdict(FILE *out, const struct sim_result *res)
{
	const struct sim_scenario *sc = res->scenario;

	fprintf(out, "%s %s%s%s: %s\n", res->pass ? "PASS" : "FAIL", sc->name,
		sc->variant[0] ? "/" : "", sc->variant, res->verdict_reason);
}

void sim_report_intro(FILE *out, const struct sim_scenario *sc)
{
	fprintf(out, "== %s: %u variants ==\n", sc->name, sim_scenario_nr_plays(sc));
	if (sc->description[0]) {
		fputs("  ", out);
		sim_report_wrapped(out, 2, 2, sc->description);
	}
	for (unsigned int i = 0; i < sc->nr_variants; i++) {
		int col = fprintf(out, "  - %s: ", sc->variants[i].name);

		sim_report_wrapped(out, (unsigned int)col, 6, sc->variants[i].description);
	}
	fputc('\n', out);
}

void sim_report_text(FILE *out, const struct sim_result *res)
{
	print_header(out, res);
	print_attachments(out, res);
	if (res->scenario->processes)
		print_processes(out, res);
	print_timeline(out, res);
	print_revokes(out, res);
	print_counts(out, res);
	print_violations(out, res);
	/* A variant's verdict ends its section; the run's comes last (main). */
	if (res->scenario->variant[0]) {
		fputc('\n', out);
		print_play_verdict(out, res);
	}
}

bool sim_report_pass(const struct sim_result *const *res, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (!res[i]->pass)
			return false;
	return n > 0;
}

static int64_t revoke_total(const struct sim_result *res, size_t field)
{
	int64_t sum = 0;

	for (unsigned int k = 0; k < res->nr_revokes; k++)
		sum += *(const int64_t *)((const char *)&res->revokes[k] + field);
	return sum;
}

void sim_report_compare(FILE *out, const struct sim_result *const *res, unsigned int n)
{
	char cell[32];
	int w = 14;

	/* A column as wide as its longest variant name, never cut. */
	for (unsigned int i = 0; i < n; i++)
		if ((int)strlen(res[i]->scenario->variant) > w)
			w = (int)strlen(res[i]->scenario->variant);
	fprintf(out, "\nVariants side by side\n  %-22s", "");
	for (unsigned int i = 0; i < n; i++)
		fprintf(out, " %*s", w, res[i]->scenario->variant);
	fputc('\n', out);

#define ROW(label, ...)								\
	do {									\
		fprintf(out, "  %-22s", label);					\
		for (unsigned int i = 0; i < n; i++) {				\
			const struct sim_result *r = res[i];			\
			(void)r;						\
			snprintf(cell, sizeof(cell), __VA_ARGS__);		\
			fprintf(out, " %*s", w, cell);				\
		}								\
		fputc('\n', out);						\
	} while (0)

	ROW("wait policy", "%s", sim_wait_name(r->scenario->policy.wait));
	ROW("power references", "%s", r->scenario->power_ref ? "yes" : "no");
	ROW("revokes", "%u", r->nr_revokes);
	ROW("revoke time, total", "%s",
	    r->nr_revokes ? DUR(revoke_total(r, offsetof(struct sim_revoke_result, total_ns))) : "-");
	ROW("unmap wait, total", "%s",
	    r->nr_revokes ? DUR(revoke_total(r, offsetof(struct sim_revoke_result, unmap_wait_ns))) : "-");
	ROW("time in low power", "%s", DUR(r->low_power_ns));
	ROW("DMA jobs", "%lu", r->dma.jobs);
	ROW("DMA faulted", "%lu", r->dma.faults);
	ROW("CPU reads faulted", "%lu of %lu", r->cpu.faults, r->cpu.reads);
	ROW("violations", "%u", r->nr_violations);
	ROW("verdict", "%s", r->pass ? "pass" : "FAIL");
#undef ROW
}

void sim_report_verdict(FILE *out, const struct sim_result *const *res, unsigned int n)
{
	const struct sim_scenario *sc = res[0]->scenario;
	unsigned int passed = 0;

	if (n == 1 && !sc->variant[0]) {
		print_play_verdict(out, res[0]);
		return;
	}
	for (unsigned int i = 0; i < n; i++)
		passed += res[i]->pass;
	fprintf(out, "%s %s: %u of %u variants as expected",
		passed == n ? "PASS" : "FAIL", sc->name, passed, n);
	for (unsigned int i = 0; i < n; i++)
		fprintf(out, "%s%s %s", i ? ", " : " (", res[i]->scenario->variant,
			res[i]->pass ? "pass" : "FAIL");
	fprintf(out, ")\n");
}
