// SPDX-License-Identifier: MIT
/*
 * report-html.c - the picture of a run: one self-contained HTML file (no
 * scripts, no fonts, nothing fetched) with, per play, an SVG timeline and
 * the summary tables beside it.
 *
 * The timeline has one lane per device: the exporter on top, then every
 * importer in attach order, then a lane for violations that name no
 * importer. On the exporter's lane each revoke is a span split into its
 * phases (invalidate, fence wait, unmap wait), and the events are ticks.
 * On an importer's lane its DMA jobs are spans (green when they completed,
 * red when they faulted; a GPU job is fenced, and its fence signals at the
 * span's end, drawn as a bar), the time from its invalidate to its unmap
 * is a hatched span, and the story is told in markers: invalidated,
 * unmapped, mapped again, faults, violations. Every mark has a <title>, so
 * a browser shows what it is on hover.
 *
 * A revoke is often short beside the run, so each gets a second picture
 * of the same lanes, zoomed on it: from a little before it began to a
 * little after it ended.
 *
 * The SVG is well-formed XML (the tests parse it): every text is escaped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report-html.h"
#include "units.h"

#define LANE_H		34
#define LABEL_W		230
#define PLOT_W		960
#define RIGHT_W		48		/* room for the last tick's label */
#define AXIS_H		28
#define MARGIN		12
#define MIN_SPAN_W	1.5

#define DUR(ns)		sim_format_duration((ns), (char[24]){ 0 }, 24)

struct lanes {
	const char *names[SIM_MAX_IMPORTERS + 2];
	unsigned int nr;
};

static void put_escaped(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default:
			/* Control characters are not XML. */
			if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
				fputc(*s, out);
		}
	}
}

/* The lane of @track, adding it if @add; -1 if it has none. */
static int lane_of(struct lanes *l, const char *track, bool add)
{
	for (unsigned int i = 0; i < l->nr; i++)
		if (!strcmp(l->names[i], track))
			return (int)i;
	if (!add || l->nr == sizeof(l->names) / sizeof(l->names[0]))
		return -1;
	l->names[l->nr] = track;
	return (int)l->nr++;
}

struct plot {
	FILE *out;
	int64_t from_ns;	/* the time the plot covers: from ... */
	int64_t span_ns;	/* ... this long */
	struct lanes lanes;
	char vtracks[DMB_CHECK_RECORDS][2 * DMB_CHECK_NAME_LEN + 2];
};

/* Where @t is; times outside the window are pinned to its edges. */
static double x_of(const struct plot *p, int64_t t)
{
	t -= p->from_ns;
	if (t < 0)
		t = 0;
	if (t > p->span_ns)
		t = p->span_ns;
	return LABEL_W + (double)t * PLOT_W / (double)p->span_ns;
}

static bool in_window(const struct plot *p, int64_t start, int64_t end)
{
	return end >= p->from_ns && start <= p->from_ns + p->span_ns;
}

static double y_of(int lane)
{
	return AXIS_H + (double)lane * LANE_H;
}

/* A round step for the axis: about ten ticks. */
static int64_t tick_step(int64_t span)
{
	int64_t step = 1;

	while (span / step > 10)
		step *= (span / step > 50) ? 10 : ((span / step > 20) ? 5 : 2);
	return step;
}

static void draw_axis(struct plot *p, double height)
{
	int64_t step = tick_step(p->span_ns);
	int64_t first = (p->from_ns + step - 1) / step * step;

	fprintf(p->out, "<g class=\"axis\">\n");
	for (int64_t t = first; t <= p->from_ns + p->span_ns; t += step) {
		double x = x_of(p, t);

		fprintf(p->out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
			"<text x=\"%.1f\" y=\"%d\" class=\"tick\">%s</text>\n",
			x, AXIS_H - 4, x, height, x, AXIS_H - 8, DUR(t));
	}
	fprintf(p->out, "</g>\n");
}

static void draw_lanes(struct plot *p)
{
	for (unsigned int i = 0; i < p->lanes.nr; i++) {
		double y = y_of((int)i);

		fprintf(p->out, "<rect x=\"0\" y=\"%.1f\" width=\"%d\" height=\"%d\" class=\"lane%s\"/>"
			"<text x=\"6\" y=\"%.1f\" class=\"lanelabel\">", y, LABEL_W + PLOT_W + RIGHT_W,
			LANE_H, i % 2 ? " odd" : "", y + LANE_H / 2.0 + 4);
		put_escaped(p->out, p->lanes.names[i]);
		fprintf(p->out, "</text>\n");
	}
}

static void span_rect(struct plot *p, int lane, int64_t start, int64_t end,
		      double top, double h, const char *cls, const char *title)
{
	double x = x_of(p, start), w = x_of(p, end) - x;

	if (w < MIN_SPAN_W)
		w = MIN_SPAN_W;
	fprintf(p->out, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" class=\"%s\">"
		"<title>", x, y_of(lane) + top, w, h, cls);
	put_escaped(p->out, title);
	fprintf(p->out, " (%s, from %s)</title></rect>\n", DUR(end - start), DUR(start));
}

static bool is_phase(const char *name)
{
	return !strcmp(name, "invalidate") || !strcmp(name, "fence wait") ||
	       !strcmp(name, "unmap wait");
}

static void draw_spans(struct plot *p, const struct sim_result *res)
{
	for (unsigned int i = 0; i < res->nr_spans; i++) {
		const struct sim_span *sp = &res->spans[i];
		int lane = lane_of(&p->lanes, sp->track, false);
		bool job = !strncmp(sp->name, "job ", 4);

		if (lane < 0 || !in_window(p, sp->start_ns, sp->end_ns))
			continue;
		if (!strcmp(sp->name, "revoke")) {
			span_rect(p, lane, sp->start_ns, sp->end_ns, 3, LANE_H - 6, "revoke",
				  "revoke");
		} else if (is_phase(sp->name)) {
			char cls[32];

			snprintf(cls, sizeof(cls), "phase %s", sp->name[0] == 'i' ? "inv" :
				 sp->name[0] == 'f' ? "fence" : sp->failed ? "unmap late" : "unmap");
			span_rect(p, lane, sp->start_ns, sp->end_ns, 8, LANE_H - 16, cls, sp->name);
		} else if (!strcmp(sp->name, "invalidated, mapped")) {
			span_rect(p, lane, sp->start_ns, sp->end_ns, 4, LANE_H - 8, "stale",
				  "invalidated, still mapped until the unmap");
		} else {
			span_rect(p, lane, sp->start_ns, sp->end_ns, 10, LANE_H - 20,
				  sp->failed ? "dma faulted" : "dma ok", sp->name);
			/* A GPU job is fenced: its fence signals where it ends. */
			if (job && !sp->failed)
				fprintf(p->out, "<rect x=\"%.2f\" y=\"%.1f\" width=\"2\" height=\"%d\" "
					"class=\"fence\"><title>fence signalled at %s</title></rect>\n",
					x_of(p, sp->end_ns) - 1, y_of(lane) + 6, LANE_H - 12,
					DUR(sp->end_ns));
		}
	}
}

/* The class of a timeline marker, from what it says. */
static const char *marker_class(const struct sim_event *ev)
{
	if (!strncmp(ev->text, "invalidated", 11))
		return "m-inv";
	if (!strncmp(ev->text, "unmapped", 8))
		return "m-unmap";
	if (!strncmp(ev->text, "mapped again", 12))
		return "m-map";
	if (strstr(ev->text, "fault") || strstr(ev->text, "failed"))
		return "m-fault";
	if (ev->instant)
		return "m-note";
	return "m-event";
}

static void draw_events(struct plot *p, const struct sim_result *res)
{
	for (unsigned int i = 0; i < res->nr_timeline; i++) {
		const struct sim_event *ev = &res->timeline[i];
		int lane = lane_of(&p->lanes, ev->track, false);
		const char *cls = marker_class(ev);
		double x = x_of(p, ev->t_ns), y;

		if (lane < 0 || !in_window(p, ev->t_ns, ev->t_ns))
			continue;
		y = y_of(lane);
		if (!strcmp(cls, "m-inv"))
			fprintf(p->out, "<path d=\"M%.2f %.1f l-5 -8 h10 z\" class=\"%s\">",
				x, y + LANE_H / 2.0, cls);
		else if (!strcmp(cls, "m-unmap"))
			fprintf(p->out, "<path d=\"M%.2f %.1f l-5 8 h10 z\" class=\"%s\">",
				x, y + LANE_H / 2.0, cls);
		else if (!strcmp(cls, "m-map"))
			fprintf(p->out, "<circle cx=\"%.2f\" cy=\"%.1f\" r=\"4.5\" class=\"%s\">",
				x, y + LANE_H / 2.0, cls);
		else if (!strcmp(cls, "m-fault"))
			fprintf(p->out, "<path d=\"M%.2f %.1f l8 8 m0 -8 l-8 8\" class=\"%s\">",
				x - 4, y + LANE_H / 2.0 - 4, cls);
		else
			fprintf(p->out, "<rect x=\"%.2f\" y=\"%.1f\" width=\"2\" height=\"%d\" class=\"%s\">",
				x - 1, y + 2, LANE_H - 4, cls);
		fprintf(p->out, "<title>%.3f ms: ", (double)ev->t_ns / 1e6);
		put_escaped(p->out, ev->text);
		fprintf(p->out, "</title>%s\n", !strcmp(cls, "m-map") ? "</circle>" :
			!strcmp(cls, "m-event") || !strcmp(cls, "m-note") ? "</rect>" : "</path>");
	}
}

/* Violations go on the importer's lane when they name one. */
static void draw_violations(struct plot *p, const struct sim_result *res)
{
	for (unsigned int i = 0; i < res->nr_violations; i++) {
		const struct dmb_check_record *r = &res->violations[i];
		int lane = lane_of(&p->lanes, p->vtracks[i], false);
		double x = x_of(p, r->time_ns), y;

		if (lane < 0 || !in_window(p, r->time_ns, r->time_ns))
			continue;
		y = y_of(lane) + LANE_H / 2.0;
		fprintf(p->out, "<g class=\"violation\"><path d=\"M%.2f %.1f l7 7 l-7 7 l-7 -7 z\"/>"
			"<text x=\"%.2f\" y=\"%.1f\">%s</text><title>%s at %.3f ms: ",
			x, y - 7, x + 9, y + 4, dmb_violation_name(r->kind),
			dmb_violation_name(r->kind), (double)r->time_ns / 1e6);
		put_escaped(p->out, r->detail);
		fprintf(p->out, "</title></g>\n");
	}
}

static void plot_lanes(struct plot *p, const struct sim_result *res)
{
	for (unsigned int i = 0; i < res->nr_timeline; i++)
		if (!strcmp(res->timeline[i].track, res->timeline[0].track))
			lane_of(&p->lanes, res->timeline[i].track, true);
	for (unsigned int i = 0; i < res->nr_attachments; i++) {
		char name[2 * SIM_NAME_LEN + 2];

		sim_result_attachment_name(res, i, name, sizeof(name));
		for (unsigned int j = 0; j < res->nr_timeline; j++)
			if (!strcmp(res->timeline[j].track, name))
				lane_of(&p->lanes, res->timeline[j].track, true);
	}
	for (unsigned int i = 0; i < res->nr_violations; i++) {
		const struct dmb_check_record *r = &res->violations[i];

		if (r->importer[0] || r->device[0])
			snprintf(p->vtracks[i], sizeof(p->vtracks[i]), "%s%s%s", r->importer,
				 r->importer[0] && r->device[0] ? " " : "", r->device);
		else
			snprintf(p->vtracks[i], sizeof(p->vtracks[i]), "checker");
		lane_of(&p->lanes, p->vtracks[i], true);
	}
}

/* The lanes over [@from_ns, +@span_ns); @zoom: a revoke's close-up. */
static void put_svg(FILE *out, const struct sim_result *res, struct plot *p,
		    int64_t from_ns, int64_t span_ns, bool zoom)
{
	double height;

	memset(p, 0, sizeof(*p));
	p->out = out;
	p->from_ns = from_ns;
	p->span_ns = span_ns > 0 ? span_ns : 1;
	plot_lanes(p, res);
	height = y_of((int)p->lanes.nr) + MARGIN;
	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline%s\" "
		"width=\"%d\" height=\"%.0f\" viewBox=\"0 0 %d %.0f\" role=\"img\">\n"
		"<title>%s of ", zoom ? " zoom" : "", LABEL_W + PLOT_W + RIGHT_W, height,
		LABEL_W + PLOT_W + RIGHT_W, height, zoom ? "a revoke, close up, in the run" :
		"timeline");
	put_escaped(out, res->scenario->name);
	fprintf(out, "</title>\n<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" "
		"patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
		"<rect width=\"3\" height=\"6\" fill=\"#f0a030\"/></pattern></defs>\n");
	draw_lanes(p);
	draw_axis(p, height - MARGIN);
	draw_spans(p, res);
	draw_events(p, res);
	draw_violations(p, res);
	fprintf(out, "</svg>\n");
}

static const char css[] =
	"body{font:14px/1.4 sans-serif;margin:24px;color:#222;background:#fff}\n"
	"h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 6px}h3{font-size:15px}\n"
	".verdict{display:inline-block;padding:3px 10px;border-radius:4px;font-weight:bold;color:#fff}\n"
	".pass{background:#2e7d32}.fail{background:#c62828}\n"
	"table{border-collapse:collapse;margin:6px 0 14px}\n"
	"td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}\n"
	"th{background:#f2f2f2}td.num{text-align:right}\n"
	".wrap{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}\n"
	".legend span{display:inline-block;margin-right:14px}\n"
	".sw{display:inline-block;width:14px;height:10px;margin-right:4px;vertical-align:middle}\n"
	"svg.timeline{border:1px solid #bbb;background:#fff}\n"
	"svg .lane{fill:#fafafa}svg .lane.odd{fill:#eef2f7}\n"
	"svg .lanelabel{font:12px sans-serif;fill:#222}\n"
	"svg .grid{stroke:#d0d0d0;stroke-width:1}svg .tick{font:10px sans-serif;fill:#555;text-anchor:middle}\n"
	"svg .revoke{fill:none;stroke:#6a1b9a;stroke-width:1.5}\n"
	"svg .phase.inv{fill:#f0a030}svg .phase.fence{fill:#1e88e5}svg .phase.unmap{fill:#8e24aa}\n"
	"svg .phase.late{fill:#c62828}\n"
	"svg .stale{fill:url(#hatch);stroke:#f0a030;stroke-width:1}\n"
	"svg .dma.ok{fill:#43a047}svg .dma.faulted{fill:#e53935}svg .fence{fill:#0d47a1}\n"
	"svg .m-inv{fill:#ef6c00}svg .m-unmap{fill:#1565c0}svg .m-map{fill:#2e7d32}\n"
	"svg .m-fault{stroke:#c62828;stroke-width:2;fill:none}svg .m-event{fill:#555}svg .m-note{fill:#999}\n"
	"svg .violation path{fill:#c62828}svg .violation text{font:bold 11px sans-serif;fill:#c62828}\n";

static void put_legend(FILE *out)
{
	static const struct { const char *color, *what; } items[] = {
		{ "#6a1b9a", "revoke (outline)" }, { "#f0a030", "invalidate" },
		{ "#1e88e5", "fence wait" }, { "#8e24aa", "unmap wait" },
		{ "#c62828", "unmap wait past its bound, violation" },
		{ "#43a047", "DMA job ok" }, { "#e53935", "DMA faulted" },
		{ "#0d47a1", "fence signalled" }, { "#ef6c00", "invalidated (\xe2\x96\xbc)" },
		{ "#1565c0", "unmapped (\xe2\x96\xb2)" }, { "#2e7d32", "mapped again (\xe2\x97\x8f)" },
	};

	fputs("<p class=\"legend\">", out);
	for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++)
		fprintf(out, "<span><i class=\"sw\" style=\"background:%s\"></i>%s</span>",
			items[i].color, items[i].what);
	fputs("<span><i class=\"sw\" style=\"background:repeating-linear-gradient("
	      "45deg,#f0a030 0 3px,#fff 3px 6px)\"></i>invalidated, still mapped</span></p>\n", out);
}

static void put_attachments(FILE *out, const struct sim_result *res)
{
	fputs("<table><caption>Attachments</caption><tr><th>importer</th><th>device</th>"
	      "<th>revocable</th><th>attach</th><th>invalidations</th><th>jobs</th>"
	      "<th>unmap latency</th></tr>\n", out);
	for (unsigned int i = 0; i < res->nr_attachments; i++) {
		const struct sim_attachment_result *a = &res->attachments[i];
		const char *err = sim_errno_name(a->attach_result);

		fputs("<tr><td>", out);
		put_escaped(out, a->importer);
		fputs("</td><td>", out);
		put_escaped(out, a->device);
		fprintf(out, "</td><td>%s</td><td>%s</td><td class=\"num\">%u</td>"
			"<td class=\"num\">%lu</td><td class=\"num\">%s</td></tr>\n",
			a->revocable ? "yes" : "no", a->attach_result ? (err ? err : "error") : "ok",
			a->invalidations, a->jobs,
			a->unmap_latency_ns >= 0 ? DUR(a->unmap_latency_ns) :
			a->unmap_latency_ns == SIM_LATENCY_NEVER ? "never" : "-");
	}
	fputs("</table>\n", out);
}

static void put_revokes(FILE *out, const struct sim_result *res)
{
	if (!res->nr_revokes)
		return;
	fputs("<table><caption>Revokes</caption><tr><th>#</th><th>reason</th><th>at</th>"
	      "<th>invalidate</th><th>fence wait</th><th>unmap wait</th><th>total</th>"
	      "<th>warnings</th><th>forced</th></tr>\n", out);
	for (unsigned int k = 0; k < res->nr_revokes; k++) {
		const struct sim_revoke_result *r = &res->revokes[k];

		fprintf(out, "<tr><td>%u</td><td>", k + 1);
		put_escaped(out, r->reason);
		fprintf(out, "</td><td class=\"num\">%.3f ms</td>", (double)r->at_ns / 1e6);
		fprintf(out, "<td class=\"num\">%s</td>", DUR(r->invalidate_ns));
		fprintf(out, "<td class=\"num\">%s</td>", DUR(r->fence_wait_ns));
		fprintf(out, "<td class=\"num\">%s</td>", DUR(r->unmap_wait_ns));
		fprintf(out, "<td class=\"num\">%s</td><td class=\"num\">%u</td>"
			"<td class=\"num\">%u</td></tr>\n", DUR(r->total_ns), r->warnings, r->forced);
	}
	fputs("</table>\n", out);
}

static void put_violations(FILE *out, const struct sim_result *res)
{
	fprintf(out, "<table><caption>Violations: %u</caption>", res->nr_violations);
	if (!res->nr_violations) {
		fputs("<tr><td>none</td></tr></table>\n", out);
		return;
	}
	fputs("<tr><th>kind</th><th>at</th><th>who</th><th>what</th></tr>\n", out);
	for (unsigned int i = 0; i < res->nr_violations; i++) {
		const struct dmb_check_record *r = &res->violations[i];

		fprintf(out, "<tr><td>%s</td><td class=\"num\">%.3f ms</td><td>",
			dmb_violation_name(r->kind), (double)r->time_ns / 1e6);
		put_escaped(out, r->importer);
		fputc(' ', out);
		put_escaped(out, r->device);
		fputs("</td><td>", out);
		put_escaped(out, r->detail);
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
}

static void put_counts(FILE *out, const struct sim_result *res)
{
	fprintf(out, "<table><caption>DMA and CPU</caption>"
		"<tr><th>DMA jobs</th><td class=\"num\">%lu</td></tr>"
		"<tr><th>DMA faults</th><td class=\"num\">%lu</td></tr>"
		"<tr><th>while revoked: attempted / succeeded / faulted</th>"
		"<td class=\"num\">%lu / %lu / %lu</td></tr>"
		"<tr><th>CPU reads / faulted</th><td class=\"num\">%lu / %lu</td></tr>"
		"<tr><th>scenario time played</th><td class=\"num\">%s</td></tr></table>\n",
		res->dma.jobs, res->dma.faults, res->dma.after_revoke_attempts,
		res->dma.after_revoke_succeeded, res->dma.after_revoke_faulted,
		res->cpu.reads, res->cpu.faults, DUR(res->duration_ns));
}

/* The whole run: its duration, or longer if something happened after. */
static int64_t play_span(const struct sim_result *res)
{
	int64_t span = res->duration_ns ? res->duration_ns : res->scenario->duration_ns;

	for (unsigned int i = 0; i < res->nr_timeline; i++)
		if (res->timeline[i].t_ns > span)
			span = res->timeline[i].t_ns;
	return span;
}

static void put_play(FILE *out, const struct sim_result *res, struct plot *p)
{
	const struct sim_scenario *sc = res->scenario;

	fputs("<h2>", out);
	put_escaped(out, sc->name);
	if (sc->variant[0]) {
		fputs(", variant ", out);
		put_escaped(out, sc->variant);
	}
	fprintf(out, " <span class=\"verdict %s\">%s</span></h2>\n<p>",
		res->pass ? "pass" : "fail", res->pass ? "PASS" : "FAIL");
	put_escaped(out, res->verdict_reason);
	fprintf(out, "</p>\n<p>seed %llu, %s clock, policy %s (unmap bound %s, fence bound %s), "
		"exporter %s ", (unsigned long long)res->seed,
		sc->real_clock ? "real" : "virtual", sim_wait_name(sc->policy.wait),
		DUR(sc->policy.unmap_bound_ns), DUR(sc->policy.fence_bound_ns),
		sim_exporter_name(sc->exporter.kind));
	put_escaped(out, sc->exporter.device);
	fputs("</p>\n<div class=\"wrap\"><div>\n", out);
	put_svg(out, res, p, 0, play_span(res), false);
	put_legend(out);
	for (unsigned int k = 0; k < res->nr_revokes; k++) {
		const struct sim_revoke_result *r = &res->revokes[k];
		int64_t pad = r->total_ns / 4 > 100000 ? r->total_ns / 4 : 100000;
		int64_t from = r->at_ns > pad ? r->at_ns - pad : 0;

		fprintf(out, "<h3>Revoke %u (%s at %.3f ms), close up</h3>\n", k + 1,
			r->reason, (double)r->at_ns / 1e6);
		put_svg(out, res, p, from, r->at_ns + r->total_ns + pad - from, true);
	}
	fputs("</div><div>\n", out);
	put_attachments(out, res);
	put_revokes(out, res);
	put_counts(out, res);
	put_violations(out, res);
	fputs("</div></div>\n", out);
}

int sim_report_html(FILE *out, const struct sim_result *const *res, unsigned int n)
{
	struct plot *p = calloc(1, sizeof(*p));
	const struct sim_scenario *sc = res[0]->scenario;

	if (!p)
		return -ENOMEM;
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>dmabuf-sim: ",
	      out);
	put_escaped(out, sc->name);
	fprintf(out, "</title>\n<style>\n%s</style></head><body>\n<h1>dmabuf-sim: ", css);
	put_escaped(out, sc->name);
	fprintf(out, " <span class=\"verdict %s\">%s</span></h1>\n<p>",
		sim_report_pass(res, n) ? "pass" : "fail", sim_report_pass(res, n) ? "PASS" : "FAIL");
	put_escaped(out, sc->description);
	fputs("</p>\n", out);
	for (unsigned int i = 0; i < n; i++)
		put_play(out, res[i], p);
	fputs("<p><small>Times are scenario time. Hover a mark for what it is.</small></p>\n"
	      "</body></html>\n", out);
	free(p);
	return ferror(out) ? -EIO : 0;
}

int sim_report_html_write(const char *path, const struct sim_result *const *res,
			  unsigned int n, char *err, size_t err_len)
{
	FILE *out = fopen(path, "w");
	int ret;

	if (!out) {
		snprintf(err, err_len, "%s: cannot write: %s", path, strerror(errno));
		return -errno;
	}
	ret = sim_report_html(out, res, n);
	if (fclose(out) && !ret)
		ret = -errno;
	if (ret)
		snprintf(err, err_len, "%s: cannot write: %s", path, strerror(-ret));
	return ret;
}
