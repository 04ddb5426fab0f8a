/* SPDX-License-Identifier: MIT */
/*
 * override.h - command-line options that change a scenario.
 *
 * --seed, --duration, --importers, --policy, --unmap-bound, --fence-bound
 * and --clock replace what the file says. They are applied to the play's
 * copy of the scenario and checked by the file's own rules (a duration that
 * would leave an event after the end is refused, like in the file), so the
 * runner and every report see one consistent scenario; the same values are
 * also passed in struct sim_run_options.
 */
#ifndef DMABUF_SIM_OVERRIDE_H
#define DMABUF_SIM_OVERRIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "run.h"
#include "scenario.h"

struct sim_overrides {
	bool seed_set;
	uint64_t seed;
	int64_t duration_ns;		/* 0: the scenario's */
	unsigned int importers;		/* 0: the scenario's counts */
	bool wait_set;
	enum dmb_revoke_wait wait;
	int64_t unmap_bound_ns;		/* 0: the scenario's */
	int64_t fence_bound_ns;		/* 0: the scenario's */
	int clock;			/* -1: the scenario's; 0 virtual; 1 real */
};

/**
 * sim_overrides_apply - apply @ov to @sc, and describe them in @opt
 * @opt: filled from scratch (progress fields are left to the caller)
 *
 * Return: 0, or -EINVAL with @err saying which option breaks which rule.
 */
int sim_overrides_apply(struct sim_scenario *sc, const struct sim_overrides *ov,
			struct sim_run_options *opt, char *err, size_t err_len);

#endif /* DMABUF_SIM_OVERRIDE_H */
