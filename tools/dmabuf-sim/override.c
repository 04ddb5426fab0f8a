// SPDX-License-Identifier: MIT
/*
 * override.c - apply command-line overrides to a scenario, by the rules a
 * scenario file obeys (docs/scenarios.md, "Limits").
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "budget.h"
#include "override.h"
#include "schema.h"

static int check_duration(const struct sim_scenario *sc, int64_t duration_ns,
			  char *err, size_t err_len)
{
	char a[32], b[32];

	for (unsigned int i = 0; i < sc->nr_events; i++) {
		const struct sim_event_spec *ev = &sc->events[i];

		if (ev->at_ns < duration_ns)
			continue;
		snprintf(err, err_len, "--duration %s: the %s event at %s would not happen "
			 "(expected a duration after %s)",
			 sim_schema_duration_text(duration_ns, a, sizeof(a)),
			 sim_action_name(ev->action),
			 sim_schema_duration_text(ev->at_ns, b, sizeof(b)), b);
		return -EINVAL;
	}
	return 0;
}

/* The overrides applied, the run must still be within the budget. */
static int check_budget(const struct sim_scenario *sc, char *err, size_t err_len)
{
	char what[160], expected[160];

	if (sim_budget_check(sc, what, sizeof(what), expected, sizeof(expected)) ==
	    SIM_BUDGET_OK)
		return 0;
	snprintf(err, err_len, "with these options the scenario is too big: %s (expected %s)",
		 what, expected);
	return -EINVAL;
}

int sim_overrides_apply(struct sim_scenario *sc, const struct sim_overrides *ov,
			struct sim_run_options *opt, char *err, size_t err_len)
{
	memset(opt, 0, sizeof(*opt));

	if (ov->duration_ns) {
		if (check_duration(sc, ov->duration_ns, err, err_len))
			return -EINVAL;
		sc->duration_ns = ov->duration_ns;
		opt->duration_ns = ov->duration_ns;
	}
	if (ov->importers) {
		unsigned int total = ov->importers * sc->nr_importers;

		if (total > SIM_MAX_IMPORTERS) {
			snprintf(err, err_len, "--importers %u: %u importer lines make %u importers "
				 "(expected at most %u in total)", ov->importers,
				 sc->nr_importers, total, SIM_MAX_IMPORTERS);
			return -EINVAL;
		}
		for (unsigned int i = 0; i < sc->nr_importers; i++)
			sc->importers[i].count = ov->importers;
		opt->importers = ov->importers;
	}
	if (ov->seed_set) {
		sc->seed = ov->seed;
		opt->seed = ov->seed;
		opt->seed_set = true;
	}
	if (ov->clock == 0 && sc->processes) {
		snprintf(err, err_len, "--clock virtual: %s has importer processes, which run "
			 "in real time (expected --clock real, or no --clock)", sc->name);
		return -EINVAL;
	}
	if (ov->clock >= 0)
		sc->real_clock = ov->clock;
	if (ov->wait_set)
		sc->policy.wait = ov->wait;
	if (ov->unmap_bound_ns)
		sc->policy.unmap_bound_ns = ov->unmap_bound_ns;
	if (ov->fence_bound_ns)
		sc->policy.fence_bound_ns = ov->fence_bound_ns;
	opt->policy_set = ov->wait_set || ov->unmap_bound_ns || ov->fence_bound_ns;
	opt->policy = sc->policy;
	return check_budget(sc, err, err_len);
}
