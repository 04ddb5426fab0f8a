/* SPDX-License-Identifier: MIT */
/*
 * run-procs.h - the runner of scenarios whose importers are processes
 * (internal; sim_run() hands such a scenario to it).
 */
#ifndef DMABUF_SIM_RUN_PROCS_H
#define DMABUF_SIM_RUN_PROCS_H

#include "result.h"
#include "run.h"

/**
 * sim_run_procs - play @sc, whose importers are processes (sc->processes)
 *
 * The command line's overrides are already in @sc (sim_overrides_apply()).
 * Starts them by exec() of /proc/self/exe in its --importer-child mode:
 * only the dmabuf-sim program can play such a scenario.
 * Return: as sim_run().
 */
int sim_run_procs(const struct sim_scenario *sc, struct sim_result *res);

#endif /* DMABUF_SIM_RUN_PROCS_H */
