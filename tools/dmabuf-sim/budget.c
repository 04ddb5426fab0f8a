// SPDX-License-Identifier: MIT
/*
 * budget.c - the cost of a scenario, from its numbers alone.
 *
 * On the virtual clock a run's wall time grows with what happens in it, not
 * with its length: every DMA access is an instant of the clock (a GPU job's
 * end another), and every access moves job_size bytes through the simulated
 * IOMMU. Its memory is the exporter's backing, each GPU importer's staging
 * memory (four times the buffer, at least 1 MiB), the system RAM and a host
 * copy of the buffer. Every importer maps the whole buffer through its
 * IOMMU domain page by page (a GPU its staging memory too), and maps it
 * again after each event that took it away: that costs time, and the page
 * tables cost memory. Bounding accesses, bytes moved, pages mapped and
 * memory bounds the run; on the real clock the duration itself is the cost.
 * Each limit alone is not enough: all at their maximum at once, and played
 * once per variant, they add up. So their weighted sum over every play, the
 * work, is bounded too.
 */
#include <stdio.h>

#include "budget.h"

#define GPU_STAGING_MIN		(1ULL << 20)
#define GPU_STAGING_FACTOR	4ULL

uint64_t sim_budget_accesses(const struct sim_scenario *sc)
{
	uint64_t each = (uint64_t)(sc->duration_ns / sc->workload.interval_ns) + 1;

	return each * sim_scenario_nr_instances(sc);
}

static unsigned int gpu_instances(const struct sim_scenario *sc)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < sc->nr_importers; i++)
		if (sc->importers[i].kind == SIM_IMP_GPU)
			n += sc->importers[i].count;
	return n;
}

uint64_t sim_budget_memory(const struct sim_scenario *sc)
{
	uint64_t size = sc->exporter.size, staging = GPU_STAGING_FACTOR * size;
	uint64_t backing = sc->exporter.kind == SIM_EXP_VFIO_PCI ? size :
			   sc->exporter.kind == SIM_EXP_VRAM ? 2 * size : 0;

	if (staging < GPU_STAGING_MIN)
		staging = GPU_STAGING_MIN;
	return SIM_RAM_SIZE + backing + size + gpu_instances(sc) * staging;
}

uint64_t sim_budget_page_maps(const struct sim_scenario *sc)
{
	uint64_t pages = sc->exporter.size / SIM_PAGE_SIZE;
	uint64_t staging = GPU_STAGING_FACTOR * pages;

	if (staging < GPU_STAGING_MIN / SIM_PAGE_SIZE)
		staging = GPU_STAGING_MIN / SIM_PAGE_SIZE;
	/* Any event may take the mappings away; each importer maps again. */
	return (pages * sim_scenario_nr_instances(sc) + staging * gpu_instances(sc)) *
	       (1 + sc->nr_events);
}

static uint64_t job_bytes(const struct sim_scenario *sc)
{
	return sc->workload.job_size < sc->exporter.size ? sc->workload.job_size :
							    sc->exporter.size;
}

uint64_t sim_budget_work(const struct sim_scenario *sc)
{
	uint64_t accesses = sim_budget_accesses(sc), instances = sim_scenario_nr_instances(sc);
	uint64_t gpu = instances ? accesses / instances * gpu_instances(sc) : 0;
	uint64_t one = gpu * SIM_WORK_GPU_ACCESS + (accesses - gpu) * SIM_WORK_ACCESS +
		       sim_budget_page_maps(sc) * SIM_WORK_PAGE_MAP +
		       accesses * job_bytes(sc) / SIM_WORK_BYTES_PER_UNIT;

	return one * sim_scenario_nr_plays(sc);
}

enum sim_budget_limit sim_budget_check(const struct sim_scenario *sc,
				       char *what, size_t what_len,
				       char *expected, size_t expected_len)
{
	uint64_t size = sc->exporter.size, accesses = sim_budget_accesses(sc);
	uint64_t job = job_bytes(sc);

	if (sc->exporter.kind != SIM_EXP_VFIO_PCI && size > SIM_MAX_RAM_BUFFER) {
		snprintf(what, what_len, "a %s buffer of %llu MiB",
			 sim_exporter_name(sc->exporter.kind),
			 (unsigned long long)(size >> 20));
		snprintf(expected, expected_len,
			 "at most 32MiB: the buffer lives in, or moves to, the simulated 64MiB of system RAM");
		return SIM_BUDGET_RAM_BUFFER;
	}
	if (sim_budget_memory(sc) > SIM_MAX_MEMORY) {
		snprintf(what, what_len,
			 "%llu MiB of simulated memory (the buffer, and 4 times it per gpu importer)",
			 (unsigned long long)(sim_budget_memory(sc) >> 20));
		snprintf(expected, expected_len,
			 "at most 4096 MiB: a smaller buffer or fewer gpu importers");
		return SIM_BUDGET_MEMORY;
	}
	if (accesses > SIM_MAX_ACCESSES) {
		snprintf(what, what_len, "%llu DMA accesses (%u importer%s, one every %lld ns for %lld ns)",
			 (unsigned long long)accesses, sim_scenario_nr_instances(sc),
			 sim_scenario_nr_instances(sc) == 1 ? "" : "s",
			 (long long)sc->workload.interval_ns, (long long)sc->duration_ns);
		snprintf(expected, expected_len,
			 "at most 250000 in all: a longer interval, a shorter duration or fewer importers");
		return SIM_BUDGET_ACCESSES;
	}
	if (accesses * job > SIM_MAX_DMA_BYTES) {
		snprintf(what, what_len, "%llu MiB moved by DMA (%llu accesses of %llu KiB)",
			 (unsigned long long)(accesses * job >> 20),
			 (unsigned long long)accesses, (unsigned long long)(job >> 10));
		snprintf(expected, expected_len,
			 "at most 512 MiB in all: smaller jobs, fewer of them or fewer importers");
		return SIM_BUDGET_DMA_BYTES;
	}
	if (sim_budget_page_maps(sc) > SIM_MAX_PAGE_MAPS) {
		snprintf(what, what_len,
			 "%llu pages mapped by IOMMUs (the buffer's %llu pages per importer, a gpu's staging memory, again after each of %u events)",
			 (unsigned long long)sim_budget_page_maps(sc),
			 (unsigned long long)(size / SIM_PAGE_SIZE), sc->nr_events);
		snprintf(expected, expected_len,
			 "at most 1048576: a smaller buffer, fewer importers or fewer events");
		return SIM_BUDGET_PAGE_MAPS;
	}
	if (sc->real_clock && sc->duration_ns > SIM_MAX_REAL_NS) {
		snprintf(what, what_len, "%lld s of real time",
			 (long long)(sc->duration_ns / 1000000000LL));
		snprintf(expected, expected_len,
			 "at most 60s on the real clock: the virtual clock plays any duration");
		return SIM_BUDGET_REAL_TIME;
	}
	if (sim_budget_work(sc) > SIM_MAX_WORK) {
		snprintf(what, what_len,
			 "%llu units of work (%u play%s of %llu accesses, %llu of them by gpu importers, %llu pages mapped)",
			 (unsigned long long)sim_budget_work(sc), sim_scenario_nr_plays(sc),
			 sim_scenario_nr_plays(sc) == 1 ? "" : "s", (unsigned long long)accesses,
			 (unsigned long long)(sim_scenario_nr_instances(sc) ?
				accesses / sim_scenario_nr_instances(sc) * gpu_instances(sc) : 0),
			 (unsigned long long)sim_budget_page_maps(sc));
		snprintf(expected, expected_len,
			 "at most 60000000 in all variants: fewer variants, fewer or synchronous accesses");
		return SIM_BUDGET_WORK;
	}
	return SIM_BUDGET_OK;
}
