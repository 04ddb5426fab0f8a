/* SPDX-License-Identifier: MIT */
/*
 * budget.h - what a scenario may cost: the limits that make every scenario
 * the parser accepts finish in bounded time and memory (docs/scenarios.md,
 * "Limits"), checked at parse time and again after command-line overrides.
 */
#ifndef DMABUF_SIM_BUDGET_H
#define DMABUF_SIM_BUDGET_H

#include <stddef.h>
#include <stdint.h>

#include "scenario.h"

#define SIM_MAX_ACCESSES	250000ULL		/* DMA accesses, all importers */
#define SIM_MAX_DMA_BYTES	(512ULL << 20)		/* bytes those accesses move */
#define SIM_MAX_PAGE_MAPS	(1ULL << 20)		/* IOMMU pages mapped, remaps included */
#define SIM_MAX_MEMORY		(4ULL << 30)		/* simulated memory in all */
#define SIM_MAX_RAM_BUFFER	(32ULL << 20)		/* heap, vram: half the RAM */
#define SIM_MAX_REAL_NS		(60LL * 1000000000LL)	/* clock: real plays this long */
#define SIM_RAM_SIZE		(64ULL << 20)		/* the machine's system RAM */
#define SIM_MAX_WORK		60000000ULL		/* work units, every play */

/*
 * What one unit of work stands for: about a microsecond of an idle core
 * (docs/scenarios.md, "The budget"). A GPU access wakes the engine's worker
 * and ends at a second instant, so it costs much more than a synchronous
 * one.
 */
#define SIM_WORK_GPU_ACCESS	100ULL
#define SIM_WORK_ACCESS		2ULL
#define SIM_WORK_PAGE_MAP	4ULL
#define SIM_WORK_BYTES_PER_UNIT	100ULL

/* Which limit a scenario is over; each names the key to blame. */
enum sim_budget_limit {
	SIM_BUDGET_OK,
	SIM_BUDGET_RAM_BUFFER,	/* exporter.size */
	SIM_BUDGET_MEMORY,	/* exporter.size */
	SIM_BUDGET_ACCESSES,	/* workload.interval */
	SIM_BUDGET_DMA_BYTES,	/* workload.job_size */
	SIM_BUDGET_PAGE_MAPS,	/* importers */
	SIM_BUDGET_REAL_TIME,	/* duration */
	SIM_BUDGET_WORK,	/* variants */
};

/** sim_budget_accesses - DMA accesses the workload makes in all */
uint64_t sim_budget_accesses(const struct sim_scenario *sc);

/** sim_budget_memory - simulated memory the run allocates, in bytes */
uint64_t sim_budget_memory(const struct sim_scenario *sc);

/** sim_budget_page_maps - IOMMU pages the importers map, remaps included */
uint64_t sim_budget_page_maps(const struct sim_scenario *sc);

/**
 * sim_budget_work - the work units of every play of @sc (variants included):
 * accesses, bytes moved and pages mapped, each at its cost
 */
uint64_t sim_budget_work(const struct sim_scenario *sc);

/**
 * sim_budget_check - is @sc within every limit?
 * @what: receives what is over, "2400000 DMA accesses (40 importers x ...)"
 * @expected: receives the limit, "at most 250000 ..."
 * Return: SIM_BUDGET_OK, or the first limit @sc is over.
 */
enum sim_budget_limit sim_budget_check(const struct sim_scenario *sc,
				       char *what, size_t what_len,
				       char *expected, size_t expected_len);

#endif /* DMABUF_SIM_BUDGET_H */
