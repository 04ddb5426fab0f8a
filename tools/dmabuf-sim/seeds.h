/* SPDX-License-Identifier: MIT */
/*
 * seeds.h - one scenario over a range of seeds (--seeds A..B, --repeat N):
 * a progress bar on a terminal, then a summary: pass or fail per seed, the
 * distribution of revoke latency, and the failing seeds, each as the
 * command that plays it alone.
 */
#ifndef DMABUF_SIM_SEEDS_H
#define DMABUF_SIM_SEEDS_H

#include <stdbool.h>
#include <stdint.h>

#include "result.h"
#include "run.h"
#include "scenario.h"

/**
 * struct sim_seeds - what to play
 * @plays, @opts, @res, @n: the plays of one run (every variant, or one),
 *	overrides applied; each is played once per seed
 * @first, @count: the seeds
 * @replay: the command that plays one seed alone, without its --seed
 * @quiet: print the verdict line only
 * @play: plays one play and judges it (main.c's)
 */
struct sim_seeds {
	struct sim_scenario *plays;
	struct sim_run_options *opts;
	struct sim_result **res;
	unsigned int n;
	uint64_t first;
	uint64_t count;
	const char *replay;
	bool quiet;
	void (*play)(struct sim_scenario *sc, struct sim_run_options *opt,
		     struct sim_result *res, bool show_progress);
};

/**
 * sim_seeds_run - play every seed and print the summary on stdout
 * Return: the exit status: 0 if every seed passed, 1 otherwise.
 */
int sim_seeds_run(const struct sim_seeds *s);

#endif /* DMABUF_SIM_SEEDS_H */
