/* SPDX-License-Identifier: MIT */
/*
 * run.h - play a scenario on the reference drivers and the simulated
 * hardware, and fill a sim_result.
 */
#ifndef DMABUF_SIM_RUN_H
#define DMABUF_SIM_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "result.h"
#include "scenario.h"

struct dmb_pci_function;

/**
 * struct sim_run_options - command-line overrides of the scenario
 * @seed: the run's seed (the scenario's if !seed_set)
 * @duration_ns: play this long instead (0: the scenario's)
 * @importers: instances of each importer (0: the scenario's counts)
 * @policy_set: use @policy instead of the scenario's wait policy
 * @progress: called now and then with the fraction done (0..1), or NULL
 */
struct sim_run_options {
	uint64_t seed;
	bool seed_set;
	int64_t duration_ns;
	unsigned int importers;
	bool policy_set;
	struct dmb_revoke_policy policy;
	void (*progress)(double fraction, void *data);
	void *progress_data;
};

/**
 * sim_pci_action - play a PCI function's part of @action on @pci: reset
 * begin and end, decode off and on, close. The in-process world and the
 * importer processes' world both drive vfio-pci through it.
 *
 * Return: what the PCI call returns; -EOPNOTSUPP for any other action.
 */
int sim_pci_action(struct dmb_pci_function *pci, enum sim_action action);

/**
 * sim_run - play @sc with @opt into @res
 *
 * Return: 0 if the run happened (whether or not it met its expectations:
 * see res->pass), -errno if it could not be set up.
 */
int sim_run(const struct sim_scenario *sc, const struct sim_run_options *opt,
	    struct sim_result *res);

#endif /* DMABUF_SIM_RUN_H */
