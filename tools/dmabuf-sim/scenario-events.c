// SPDX-License-Identifier: MIT
/*
 * scenario-events.c - the events: list of a scenario.
 *
 * Events are checked as a timeline, not one by one: in time order, inside
 * the run, meaningful to the exporter (a reset is a PCI function's, a move
 * is VRAM's) and in a legal sequence (a reset ends only after it began,
 * nothing happens to a closed device). An attach event names a late
 * importer, and every late importer is attached by exactly one event.
 */
#include <stdio.h>
#include <string.h>

#include "scenario-parse.h"

struct event_item {
	struct sim_event_spec ev;
	char importer[SIM_NAME_LEN];
};

static const struct sim_key event_keys[] = {
	SIM_KEY("at", SIM_KEY_DURATION, struct event_item, ev.at_ns, .required = true,
		.min = 0, .max = SIM_MAX_DURATION_NS),
	SIM_KEY("do", SIM_KEY_ENUM, struct event_item, ev.action, .required = true,
		.names = sim_action_names, .nr_names = SIM_NR_ACTIONS),
	SIM_KEY("importer", SIM_KEY_NAME, struct event_item, importer, .max = SIM_DEVICE_MAX),
};

/* The state of the exporter's device as the timeline goes. */
struct device_state {
	bool in_flr, decode_off, d3, closed, evicted;
	bool attached[SIM_MAX_IMPORTERS];
};

/*
 * Whether @action may happen in state @st; if not, what is wrong and what
 * would be right. Updates @st when it may.
 */
static bool step(struct device_state *st, enum sim_action action,
		 const char **wrong, const char **expected)
{
	bool *flag = NULL, want = false;

	/* What only a PCI function has ends with its close. */
	if (st->closed && !sim_action_allowed(SIM_EXP_HEAP, action)) {
		*wrong = "the device is already closed";
		*expected = "no reset, decode or power event after close";
		return false;
	}
	switch (action) {
	case SIM_ACT_FLR:
		flag = &st->in_flr, want = false;
		*wrong = "a reset that is already in progress";
		*expected = "flr-done before the next flr";
		break;
	case SIM_ACT_FLR_DONE:
		flag = &st->in_flr, want = true;
		*wrong = "the end of a reset that did not begin";
		*expected = "an flr event before it";
		break;
	case SIM_ACT_DECODE_OFF:
		flag = &st->decode_off, want = false;
		*wrong = "memory decode is already off";
		*expected = "decode-on before the next decode-off";
		break;
	case SIM_ACT_DECODE_ON:
		flag = &st->decode_off, want = true;
		*wrong = "memory decode is already on";
		*expected = "a decode-off event before it";
		break;
	case SIM_ACT_D3:
		flag = &st->d3, want = false;
		*wrong = "the device is already in d3";
		*expected = "d0 before the next d3";
		break;
	case SIM_ACT_D0:
		flag = &st->d3, want = true;
		*wrong = "the device is not in d3";
		*expected = "a d3 event before it";
		break;
	case SIM_ACT_CLOSE:
		st->closed = true;
		return true;
	case SIM_ACT_EVICT:
		flag = &st->evicted, want = false;
		*wrong = "the buffer is already in system memory";
		*expected = "migrate before the next evict";
		break;
	case SIM_ACT_MIGRATE:
		flag = &st->evicted, want = true;
		*wrong = "the buffer is already in VRAM";
		*expected = "an evict event before it";
		break;
	default:
		return true;
	}
	if (*flag != want)
		return false;
	*flag = !want;
	return true;
}

static int fail_key(struct sim_parser *p, yaml_node_t *event, const char *key,
		    const char *expected, const char *what)
{
	size_t old = sim_yaml_path_push(&p->y, ".%s", key);
	yaml_node_t *node = sim_yaml_get(&p->y, event, key);
	int ret = sim_yaml_fail(&p->y, node ? node : event, expected, "%s", what);

	sim_yaml_path_pop(&p->y, old);
	return ret;
}

static int resolve_attach(struct sim_parser *p, yaml_node_t *node,
			  struct event_item *it, struct device_state *st)
{
	struct sim_scenario *sc = p->sc;
	char what[160];

	if (it->ev.action != SIM_ACT_ATTACH) {
		if (!it->importer[0])
			return 0;
		return fail_key(p, node, "importer", "no importer key on this event",
				"only an attach event names an importer");
	}
	if (!it->importer[0])
		return sim_yaml_fail(&p->y, node, "importer: the device of a late importer",
				     "'importer' is missing");
	for (unsigned int i = 0; i < sc->nr_importers; i++) {
		if (strcmp(sc->importers[i].device, it->importer))
			continue;
		if (!sc->importers[i].late) {
			snprintf(what, sizeof(what), "importer '%s' attaches at the start",
				 it->importer);
			return fail_key(p, node, "importer", "an importer with late: true", what);
		}
		if (st->attached[i]) {
			snprintf(what, sizeof(what), "importer '%s' is attached twice",
				 it->importer);
			return fail_key(p, node, "importer", "one attach event per late importer",
					what);
		}
		st->attached[i] = true;
		it->ev.importer = i;
		return 0;
	}
	snprintf(what, sizeof(what), "no importer has device '%s'", it->importer);
	return fail_key(p, node, "importer", "the device of a late importer", what);
}

static int parse_event(struct sim_parser *p, yaml_node_t *node, unsigned int i, void *obj)
{
	struct sim_scenario *sc = p->sc;
	struct device_state *st = obj;
	struct event_item it = { 0 };
	const char *wrong = NULL, *expected = NULL;
	char what[160], exp[200], list[160], a[32], b[32];
	int ret;

	ret = sim_schema_mapping(&p->y, node, event_keys,
				 sizeof(event_keys) / sizeof(event_keys[0]), &it);
	if (ret)
		return ret;
	it.ev.where.line = sim_yaml_line(node);

	if (it.ev.at_ns >= sc->duration_ns) {
		snprintf(what, sizeof(what), "%s is not before the end of the run",
			 sim_schema_duration_text(it.ev.at_ns, a, sizeof(a)));
		snprintf(exp, sizeof(exp), "a time before the duration, %s",
			 sim_schema_duration_text(sc->duration_ns, b, sizeof(b)));
		return fail_key(p, node, "at", exp, what);
	}
	if (i && it.ev.at_ns < sc->events[i - 1].at_ns) {
		snprintf(what, sizeof(what), "%s is before the previous event",
			 sim_schema_duration_text(it.ev.at_ns, a, sizeof(a)));
		return fail_key(p, node, "at", "events in time order", what);
	}
	if (!sim_action_allowed(sc->exporter.kind, it.ev.action)) {
		const char *allowed[SIM_NR_ACTIONS];

		for (unsigned int k = 0; k < SIM_NR_ACTIONS; k++)
			allowed[k] = sim_action_allowed(sc->exporter.kind, k) ?
				sim_action_names[k] : NULL;
		snprintf(what, sizeof(what), "'%s' means nothing to a %s exporter",
			 sim_action_name(it.ev.action), sim_exporter_name(sc->exporter.kind));
		snprintf(exp, sizeof(exp), "one of %s",
			 sim_schema_list(allowed, SIM_NR_ACTIONS, list, sizeof(list)));
		return fail_key(p, node, "do", exp, what);
	}
	if (!step(st, it.ev.action, &wrong, &expected))
		return fail_key(p, node, "do", expected, wrong);
	ret = resolve_attach(p, node, &it, st);
	if (ret)
		return ret;

	switch (it.ev.action) {
	case SIM_ACT_FLR: case SIM_ACT_DECODE_OFF: case SIM_ACT_D3: case SIM_ACT_CLOSE:
		p->revoking_events++;
		break;
	case SIM_ACT_FLR_DONE: case SIM_ACT_DECODE_ON: case SIM_ACT_D0:
		p->ending_events++;
		break;
	case SIM_ACT_CPU_READ:
		p->cpu_reads++;
		break;
	default:
		break;
	}
	sc->events[i] = it.ev;
	sc->nr_events = i + 1;
	return 0;
}

int sim_parse_events(struct sim_parser *p)
{
	struct sim_scenario *sc = p->sc;
	struct device_state st = { 0 };
	char exp[160];
	int ret;

	sim_yaml_path_set(&p->y, "events");
	ret = sim_parse_list(&p->y, p->events,
			     "a list of events like - { at: 30ms, do: flr }",
			     SIM_MAX_EVENTS, parse_event, &st);
	if (ret)
		return ret;
	for (unsigned int i = 0; i < sc->nr_importers; i++) {
		if (!sc->importers[i].late || st.attached[i])
			continue;
		sim_yaml_path_set(&p->y, "importers[%u]", i);
		snprintf(exp, sizeof(exp), "an event like - { at: 10ms, do: attach, importer: %s }",
			 sc->importers[i].device);
		return sim_yaml_fail(&p->y, sim_yaml_item(&p->y, p->importers, i), exp,
				     "late importer '%s' is never attached",
				     sc->importers[i].device);
	}
	return 0;
}
