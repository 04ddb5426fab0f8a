// SPDX-License-Identifier: MIT
/*
 * trace.c - write the Chrome trace-event JSON of a run with jansson.
 *
 * The format is the JSON Object Format of the Trace Event Format document
 * (a "traceEvents" array plus metadata). Only what Perfetto's importer
 * understands is used: "M" process_name/thread_name/thread_sort_index,
 * "X" with ts and dur, "i" with thread scope. Tracks are numbered in the
 * order the timeline first names them, so the exporter, which acts first,
 * is on top.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-str.h"
#include "trace.h"

#define TRACE_VIOLATIONS_TRACK	"checker"
#define VTRACK_LEN		(2 * DMB_CHECK_NAME_LEN + 2)

struct tracks {
	const char *names[SIM_MAX_TIMELINE + SIM_MAX_SPANS + DMB_CHECK_RECORDS];
	unsigned int nr;
};

/* The thread id of @name (1-based), adding it if new. */
static unsigned int track_id(struct tracks *t, const char *name)
{
	for (unsigned int i = 0; i < t->nr; i++)
		if (!strcmp(t->names[i], name))
			return i + 1;
	if (t->nr == sizeof(t->names) / sizeof(t->names[0]))
		return t->nr;	/* cannot happen: one per event at most */
	t->names[t->nr++] = name;
	return t->nr;
}

static double us(int64_t ns)
{
	return (double)ns / 1000.0;
}

static int append(json_t *events, json_t *ev)
{
	return json_array_append_new(events, ev) ? -ENOMEM : 0;
}

static int metadata(json_t *events, int pid, unsigned int tid, const char *what,
		    const char *key, json_t *value)
{
	return append(events, json_pack("{s:s, s:s, s:i, s:i, s:{s:o}}", "name", what,
					"ph", "M", "pid", pid, "tid", (int)tid, "args", key, value));
}

static int play_events(json_t *events, const struct sim_result *res, int pid,
		       struct tracks *t, char *vtracks)
{
	char label[2 * SIM_NAME_LEN + 2];
	int ret;

	snprintf(label, sizeof(label), "%s%s%s", res->scenario->name,
		 res->scenario->variant[0] ? "/" : "", res->scenario->variant);
	ret = metadata(events, pid, 0, "process_name", "name", sim_json_str(label));
	/*
	 * Every track the timeline names gets its thread, in the order of the
	 * timeline: the exporter first, and an importer that was refused (no
	 * spans, no instants) still shows, empty, as the place it would be.
	 */
	for (unsigned int i = 0; i < res->nr_timeline; i++)
		track_id(t, res->timeline[i].track);

	for (unsigned int i = 0; !ret && i < res->nr_spans; i++) {
		const struct sim_span *sp = &res->spans[i];

		ret = append(events, json_pack("{s:o, s:s, s:s, s:i, s:i, s:f, s:f, s:{s:b}}",
			"name", sim_json_str(sp->name), "cat", "sim", "ph", "X", "pid", pid,
			"tid", (int)track_id(t, sp->track), "ts", us(sp->start_ns),
			"dur", us(sp->end_ns - sp->start_ns), "args", "failed", sp->failed));
	}
	for (unsigned int i = 0; !ret && i < res->nr_timeline; i++) {
		const struct sim_event *ev = &res->timeline[i];

		if (!ev->instant)
			continue;
		ret = append(events, json_pack("{s:o, s:s, s:s, s:s, s:i, s:i, s:f}",
			"name", sim_json_str(ev->text), "cat", "sim", "ph", "i", "s", "t", "pid", pid,
			"tid", (int)track_id(t, ev->track), "ts", us(ev->t_ns)));
	}

	/* Violations go on the importer's track when they name one. */
	for (unsigned int i = 0; !ret && i < res->nr_violations; i++) {
		const struct dmb_check_record *r = &res->violations[i];
		char *track = vtracks + i * VTRACK_LEN;

		if (r->importer[0] || r->device[0])
			snprintf(track, VTRACK_LEN, "%s%s%s", r->importer,
				 r->importer[0] && r->device[0] ? " " : "", r->device);
		else
			snprintf(track, VTRACK_LEN, "%s", TRACE_VIOLATIONS_TRACK);
		ret = append(events, json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:f, s:{s:o}}",
			"name", dmb_violation_name(r->kind), "cat", "violation", "ph", "i",
			"s", "t", "pid", pid, "tid", (int)track_id(t, track),
			"ts", us(r->time_ns), "args", "detail", sim_json_str(r->detail)));
	}
	for (unsigned int i = 0; !ret && i < t->nr; i++) {
		ret = metadata(events, pid, i + 1, "thread_name", "name", sim_json_str(t->names[i]));
		if (!ret)
			ret = metadata(events, pid, i + 1, "thread_sort_index", "sort_index",
				       json_integer(i + 1));
	}
	return ret;
}

/* Track names point into @res and @vtracks, which outlive their use. */
static int play_trace(json_t *events, const struct sim_result *res, int pid)
{
	struct tracks *t = calloc(1, sizeof(*t));
	char *vtracks = calloc(res->nr_violations + 1, VTRACK_LEN);
	int ret = -ENOMEM;

	if (t && vtracks)
		ret = play_events(events, res, pid, t, vtracks);
	free(vtracks);
	free(t);
	return ret;
}

json_t *sim_trace_json(const struct sim_result *const *res, unsigned int n)
{
	json_t *events = json_array(), *root;

	for (unsigned int i = 0; events && i < n; i++) {
		if (play_trace(events, res[i], (int)i + 1)) {
			json_decref(events);
			events = NULL;
		}
	}
	root = events ? json_pack("{s:o, s:s, s:{s:s, s:I}}", "traceEvents", events,
				  "displayTimeUnit", "ms", "otherData",
				  "scenario", n ? res[0]->scenario->name : "",
				  "seed", (json_int_t)(n ? res[0]->seed : 0)) : NULL;
	if (!root)
		errno = ENOMEM;
	return root;
}

int sim_trace_write(const char *path, const struct sim_result *const *res,
		    unsigned int n, char *err, size_t err_len)
{
	json_t *root = sim_trace_json(res, n);
	int ret = 0;

	if (!root) {
		snprintf(err, err_len, "%s: out of memory building the trace", path);
		return -ENOMEM;
	}
	errno = 0;
	if (json_dump_file(root, path, JSON_COMPACT | JSON_ENSURE_ASCII)) {
		ret = errno ? -errno : -EIO;
		snprintf(err, err_len, "%s: cannot write: %s", path, strerror(-ret));
	}
	json_decref(root);
	return ret;
}
