// SPDX-License-Identifier: MIT
/*
 * run.c - play a scenario: build the simulated machine (address space,
 * exporter, importer devices), drive the scenario clock while importers run
 * DMA and the event thread performs the scenario's events, then collect
 * what happened into the result and take the machine down again.
 *
 * Time: on a virtual clock (the default) the run is a discrete-event
 * simulation. Every thread that does simulated work is an actor of the
 * clock (clock.h): the DMA engines' workers, the GPU importers' workers and
 * the event thread. The main thread is the driver: it acts only when every
 * actor is parked, and moves the clock straight to the next instant at
 * which something is due (an access, an event, the end of a job, a revoke's
 * bound), waking the sleepers due then one at a time. What happens, and
 * when, is therefore decided by the scenario and the seed alone, never by
 * the machine's speed or load, and idle scenario time costs no wall time;
 * the revoke's bounds pass in scenario time (the event thread is an actor,
 * so the helper waits them on the clock). On the real clock the main thread
 * sleeps a tick at a time and the bounds are real time.
 *
 * Locking: see run-world.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dmabuf/hw/mem-region.h>
#include <dmabuf/hw/pci.h>

#include "budget.h"
#include "run-procs.h"
#include "run-world.h"

#define SIM_SYSMEM_SIZE		(64ull << 20)
#define SIM_TICK_MIN_NS		(100 * NSEC_PER_USEC)
#define SIM_TICK_MAX_NS		NSEC_PER_MSEC
#define SIM_GRACE_NS		(30 * NSEC_PER_SEC)	/* events may overrun this long */
#define SIM_EVENT_SETTLE_NS	(2 * NSEC_PER_MSEC)	/* real clock: for an event to finish */

int64_t sim_now(struct sim_world *w)
{
	int64_t t = dmb_clock_now(w->clock) - w->t0;

	return t > 0 ? t : 0;	/* set-up happens at time 0 */
}

static int64_t tick_ns(const struct sim_scenario *sc);

void sim_hang(struct sim_world *w, const char *doing)
{
	pthread_mutex_lock(&w->lock);
	if (!w->res->hung)
		sim_result_event(w->res, sim_now(w), "dmabuf-sim", true,
				 "the simulation did not settle while %s: a thread waits outside the scenario clock (a bug in dmabuf-sim or the library)",
				 doing);
	w->res->hung = true;
	pthread_mutex_unlock(&w->lock);
}

void sim_settle(struct sim_world *w)
{
	if (w->virtual_clock &&
	    dmb_clock_wait_settled(w->clock, SIM_HANG_GUARD_NS))
		sim_hang(w, "waiting for the actors");
}

/*
 * Regions sit at 1 GiB-aligned bases from DMB_PHYS_BASE, in creation order:
 * the RAM, the exporter's memory, and each importer device's (a GPU's
 * staging). A scenario within the budget has at most 3 + SIM_MAX_IMPORTERS
 * regions of at most 4 GiB each, so this many slots hold them all.
 */
#define SIM_REGION_SLOTS	((3 + SIM_MAX_IMPORTERS) * 5)

void sim_account_memory(struct sim_world *w, uint64_t extra)
{
	uint64_t phys = DMB_PHYS_BASE, sum = extra;

	for (unsigned int slot = 0; slot < SIM_REGION_SLOTS; slot++) {
		struct dmb_mem_region *r = dmb_phys_to_region(w->space, phys);

		if (!r) {
			phys += DMB_PHYS_REGION_ALIGN;
			continue;
		}
		sum += dmb_mem_region_size(r);
		phys = (dmb_mem_region_base(r) + dmb_mem_region_size(r) +
			DMB_PHYS_REGION_ALIGN - 1) & ~(DMB_PHYS_REGION_ALIGN - 1);
	}
	pthread_mutex_lock(&w->lock);
	if (sum > w->res->memory_bytes)
		w->res->memory_bytes = sum;
	pthread_mutex_unlock(&w->lock);
}

/* The initial contents: a pattern only the seed decides, so moves can be checked. */
static void fill_pattern(uint8_t *p, uint64_t len, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;

	for (uint64_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (uint8_t)x;
	}
}

/* Write or read the whole buffer with the CPU, whatever the exporter. */
static int cpu_whole(struct sim_world *w, uint8_t *data, bool write)
{
	uint64_t size = w->sc->exporter.size;

	switch (w->sc->exporter.kind) {
	case SIM_EXP_VFIO_PCI:
		return write ? dmb_pci_bar_write(w->pci, 0, 0, data, size) :
			       dmb_pci_bar_read(w->pci, 0, 0, data, size);
	case SIM_EXP_VRAM:
		return dmb_vram_cpu_access(w->buf, 0, data, size, write);
	case SIM_EXP_HEAP:
		if (write)
			memcpy(dmb_heap_vaddr(w->buf), data, size);
		else
			memcpy(data, dmb_heap_vaddr(w->buf), size);
		return 0;
	default:
		return -EINVAL;
	}
}

static int setup_exporter(struct sim_world *w)
{
	const struct sim_scenario *sc = w->sc;
	char name[SIM_NAME_LEN + 8];
	uint64_t size = sc->exporter.size;

	snprintf(w->exp_track, sizeof(w->exp_track), "%s %s",
		 sim_exporter_name(sc->exporter.kind), sc->exporter.device);
	snprintf(name, sizeof(name), "%s-buf", sc->exporter.device);

	switch (sc->exporter.kind) {
	case SIM_EXP_VFIO_PCI: {
		struct dmb_pci_function_info pinfo = {
			.dev = { .name = sc->exporter.device, .p2p = true },
			.bar_size = { DMB_PAGE_ALIGN(size) },
		};
		struct dmb_vfio_pci_info vinfo = {
			.policy = sc->power_ref ? DMB_VFIO_POLICY_POWER_REF :
						  DMB_VFIO_POLICY_REVOKE,
			.revoke = &sc->policy,
			.observer = &w->observer,
		};

		w->pci = dmb_pci_function_create(w->space, &pinfo);
		if (!w->pci)
			return -errno;
		w->vfio = dmb_vfio_pci_open(w->pci, &vinfo);
		if (!w->vfio)
			return -errno;
		w->buf = dmb_vfio_pci_export(w->vfio, 0, 0, size, name);
		break;
	}
	case SIM_EXP_VRAM: {
		struct dmb_hw_device_info ginfo = {
			.name = sc->exporter.device, .p2p = true, .nr_engines = 1,
		};
		struct dmb_mem_region_info rinfo = {
			.name = "vram", .size = 2 * DMB_PAGE_ALIGN(size),
		};

		w->gpu = dmb_hw_device_create(w->space, &ginfo);
		if (!w->gpu)
			return -errno;
		rinfo.owner = w->gpu;
		w->vram_region = dmb_mem_region_create(w->space, &rinfo);
		if (!w->vram_region)
			return -errno;
		w->vram = dmb_vram_create(w->gpu, w->vram_region, w->sysmem,
					  &w->observer);
		if (!w->vram)
			return -errno;
		w->buf = dmb_vram_export(w->vram, size, name);
		break;
	}
	case SIM_EXP_HEAP:
		w->buf = dmb_heap_export(w->sysmem, size, name);
		break;
	default:
		return -EINVAL;
	}
	if (!w->buf)
		return -errno;
	sim_result_event(w->res, 0, w->exp_track, false, "exported %s (%llu KiB)",
			 dma_buf_name(w->buf), (unsigned long long)(size >> 10));
	return 0;
}

static int setup_contents(struct sim_world *w)
{
	uint64_t size = w->sc->exporter.size;
	uint8_t *data = malloc(size);
	int ret;

	if (!data)
		return -ENOMEM;
	sim_account_memory(w, size);
	fill_pattern(data, size, w->res->seed);
	w->pattern_sum = dmb_dma_checksum(data, size);
	ret = cpu_whole(w, data, true);
	free(data);
	return ret;
}

/* The contents still what they were at the start? */
static bool contents_intact(struct sim_world *w)
{
	uint64_t size = w->sc->exporter.size;
	uint8_t *data = malloc(size);
	bool intact;

	if (!data)
		return false;
	sim_account_memory(w, size);
	intact = cpu_whole(w, data, false) == 0 &&
		 dmb_dma_checksum(data, size) == w->pattern_sum;
	free(data);
	return intact;
}

static int setup(struct sim_world *w)
{
	struct dmb_mem_region_info sys = { .name = "ram", .size = SIM_SYSMEM_SIZE };
	pthread_condattr_t attr;
	int64_t setup_ns;
	int ret;

	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->ev_cond, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&w->ev_idle, &attr);
	pthread_condattr_destroy(&attr);
	w->low_power_since = -1;
	w->virtual_clock = !w->sc->real_clock;
	w->clock = w->virtual_clock ? dmb_clock_create_virtual(0) : dmb_clock_real();
	if (!w->clock)
		return -ENOMEM;
	w->t0 = dmb_clock_now(w->clock);

	dmb_check_reset();
	dmb_check_set_clock(w->virtual_clock ? w->clock : NULL);
	sim_observer_init(w);
	sim_sink_install(w);

	w->space = dmb_phys_space_create(w->clock);
	if (!w->space)
		return -errno;
	w->sysmem = dmb_mem_region_create(w->space, &sys);
	if (!w->sysmem)
		return -errno;
	ret = setup_exporter(w);
	if (ret)
		return ret;
	ret = setup_contents(w);
	if (ret)
		return ret;
	for (unsigned int i = 0; i < w->sc->nr_importers; i++) {
		if (w->sc->importers[i].late)
			continue;
		ret = sim_attach_spec(w, i);
		if (ret)
			return ret;
	}
	/*
	 * The scenario starts now: set-up (which takes real time on the real
	 * clock) is not part of it; the first accesses keep their offsets.
	 */
	setup_ns = sim_now(w);
	w->t0 += setup_ns;
	for (unsigned int i = 0; i < sim_nr_imps(w); i++)
		w->imps[i].next_ns -= setup_ns;
	w->tick_step = tick_ns(w->sc);
	return sim_events_start(w);
}

static void destroy_importers(struct sim_world *w)
{
	for (unsigned int i = 0; i < sim_nr_imps(w); i++) {
		struct dmb_importer *imp;

		/* Unpublish first: an exporter callback may be walking imps[]. */
		pthread_mutex_lock(&w->lock);
		imp = w->imps[i].imp;
		w->imps[i].imp = NULL;
		pthread_mutex_unlock(&w->lock);
		dmb_importer_destroy(imp);	/* NULL is fine */
	}
}

static void teardown(struct sim_world *w)
{
	/*
	 * An event still blocked (a revoke waiting for an importer that
	 * never unmaps) ends when the importers go, as when a process dies.
	 */
	if (w->ev_started && sim_events_busy(w))
		destroy_importers(w);
	sim_events_stop(w);
	sim_workload_reap(w, true);
	destroy_importers(w);
	if (w->buf)
		dma_buf_put(w->buf);
	if (w->vfio)
		dmb_vfio_pci_release(w->vfio);
	if (w->pci)
		dmb_pci_function_destroy(w->pci);
	if (w->vram)
		dmb_vram_destroy(w->vram);
	dmb_mem_region_destroy(w->vram_region);
	dmb_hw_device_destroy(w->gpu);
	for (unsigned int i = 0; i < sim_nr_imps(w); i++)
		dmb_hw_device_destroy(w->imps[i].dev);
	dmb_mem_region_destroy(w->sysmem);
	dmb_phys_space_destroy(w->space);
	dmb_check_set_clock(NULL);
	sim_sink_remove();
	if (w->virtual_clock)
		dmb_clock_destroy(w->clock);
	pthread_cond_destroy(&w->ev_idle);
	pthread_cond_destroy(&w->ev_cond);
	pthread_mutex_destroy(&w->lock);
}

static int64_t tick_ns(const struct sim_scenario *sc)
{
	int64_t t = sc->workload.interval_ns / 2;

	if (t < SIM_TICK_MIN_NS)
		return SIM_TICK_MIN_NS;
	return t > SIM_TICK_MAX_NS ? SIM_TICK_MAX_NS : t;
}

/* The run ends with an event still blocked: record which, for the judge. */
static void give_up(struct sim_world *w, int64_t now)
{
	pthread_mutex_lock(&w->lock);
	sim_result_event(w->res, now, w->exp_track, false,
			 "gave up: the %s begun at %.3f ms was still blocked %lld s after the end",
			 w->ev_next ? sim_action_name(w->ev_next->action) : "event",
			 w->ev_at / 1e6, (long long)(SIM_GRACE_NS / NSEC_PER_SEC));
	w->res->gave_up = true;
	snprintf(w->res->unfinished, sizeof(w->res->unfinished), "%s",
		 w->ev_next ? sim_action_name(w->ev_next->action) : "event");
	w->res->unfinished_at_ns = w->ev_at;
	pthread_mutex_unlock(&w->lock);
}

static void report_progress(struct sim_world *w, int64_t now)
{
	if (w->opt->progress)
		w->opt->progress((double)now / (double)w->sc->duration_ns,
				 w->opt->progress_data);
}

/*
 * Hand the due events to the event thread, one at a time: each gets the
 * instant to itself (it completes, or parks waiting for simulated time,
 * before the next starts). Return: the index of the next event not posted.
 */
static unsigned int post_due_events(struct sim_world *w, int64_t now,
				    unsigned int next_ev)
{
	const struct sim_scenario *sc = w->sc;

	while (next_ev < sc->nr_events && sc->events[next_ev].at_ns <= now &&
	       sim_events_post(w, &sc->events[next_ev])) {
		next_ev++;
		sim_settle(w);
	}
	return next_ev;
}

/* Importers map again once the buffer is back; not while an event runs. */
static void restore_if_unrevoked(struct sim_world *w)
{
	bool restore;

	pthread_mutex_lock(&w->lock);
	restore = w->restore_pending;
	w->restore_pending = false;
	pthread_mutex_unlock(&w->lock);
	if (restore)
		sim_workload_restore(w);
}

static int64_t min_ns(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/*
 * The next instant at which something is due: an event, an access, the
 * end, the next line about a waiting revoke, or whatever an actor sleeps
 * until (a job's end, a revoke's bound).
 */
static int64_t next_instant(struct sim_world *w, int64_t now,
			    unsigned int next_ev, bool busy)
{
	const struct sim_scenario *sc = w->sc;
	int64_t next = sc->duration_ns + SIM_GRACE_NS, due;

	if (now < sc->duration_ns)
		next = sc->duration_ns;
	if (!busy && next_ev < sc->nr_events)
		next = min_ns(next, sc->events[next_ev].at_ns);
	if (!busy && now < sc->duration_ns)
		next = min_ns(next, sim_workload_next(w));
	if (busy)
		next = min_ns(next, sim_waiting_next(w));
	due = dmb_clock_next_deadline(w->clock);
	if (due != MAX_SCHEDULE_TIMEOUT)
		next = min_ns(next, due - w->t0);
	return next > now ? next : now + 1;
}

/* Play the clock to scenario time @t: every actor has had its turn. */
static void run_to(struct sim_world *w, int64_t t)
{
	w->res->clock_steps++;
	if (dmb_clock_run_until(w->clock, w->t0 + t, SIM_HANG_GUARD_NS))
		sim_hang(w, "playing the clock");
}

/* The scenario proper, on a virtual clock. */
static void play_virtual(struct sim_world *w)
{
	const struct sim_scenario *sc = w->sc;
	unsigned int next_ev = 0, steps = 0;
	int64_t now;
	bool busy;

	sim_settle(w);
	for (;;) {
		now = sim_now(w);
		next_ev = post_due_events(w, now, next_ev);
		busy = sim_events_busy(w);
		if (!busy) {
			restore_if_unrevoked(w);
			if (now < sc->duration_ns)
				sim_workload_tick(w, now);
			sim_settle(w);
		}
		sim_workload_reap(w, false);
		sim_story(w);
		if (busy)
			sim_report_waiting(w, now);

		if (now >= sc->duration_ns && next_ev == sc->nr_events && !busy)
			break;
		if (now >= sc->duration_ns + SIM_GRACE_NS) {
			give_up(w, now);
			break;
		}
		if (++steps % 64 == 0)
			report_progress(w, now);
		run_to(w, next_instant(w, now, next_ev, busy));
	}

	/* Let the jobs in flight finish: each ends at a known instant. */
	while (sim_workload_inflight(w)) {
		int64_t due = dmb_clock_next_deadline(w->clock);

		if (due == MAX_SCHEDULE_TIMEOUT)
			break;
		run_to(w, due - w->t0);
		sim_workload_reap(w, false);
	}
}

static void sleep_real(int64_t ns)
{
	struct timespec ts = { ns / NSEC_PER_SEC, ns % NSEC_PER_SEC };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* The scenario proper, on the real clock: a tick of real time at a time. */
static void play_real(struct sim_world *w)
{
	const struct sim_scenario *sc = w->sc;
	unsigned int next_ev = 0, ticks = 0;
	int64_t now;

	for (;;) {
		now = sim_now(w);
		while (next_ev < sc->nr_events && sc->events[next_ev].at_ns <= now &&
		       sim_events_post(w, &sc->events[next_ev])) {
			next_ev++;
			sim_events_wait_idle(w, SIM_EVENT_SETTLE_NS);
		}
		restore_if_unrevoked(w);
		if (now < sc->duration_ns)
			sim_workload_tick(w, now);
		sim_workload_reap(w, false);
		sim_story(w);

		if (now >= sc->duration_ns && next_ev == sc->nr_events &&
		    !sim_events_busy(w))
			break;
		if (now >= sc->duration_ns + SIM_GRACE_NS) {
			give_up(w, now);
			break;
		}
		if (sim_events_busy(w))
			sim_report_waiting(w, now);
		if (++ticks % 16 == 0)
			report_progress(w, now);
		sleep_real(w->tick_step);
	}
	/* Jobs in flight end in real time. */
	sim_workload_reap(w, true);
}

static void collect(struct sim_world *w)
{
	struct sim_result *res = w->res;
	struct dmb_check_record *records;
	bool revoked;
	size_t n;

	sim_story(w);
	sim_story_end(w, sim_now(w));
	for (unsigned int i = 0; i < sim_nr_imps(w); i++) {
		struct sim_imp *si = &w->imps[i];
		struct dmb_importer_stats st;
		struct sim_attachment_result *a;

		if (!si->imp || si->att < 0)
			continue;
		a = &res->attachments[si->att];
		dmb_importer_get_stats(si->imp, &st);
		a->invalidations = (unsigned int)st.invalidations;
		a->unmap_latency_ns = dmb_importer_unmap_latency(si->imp);
		if (a->unmap_latency_ns < 0)
			a->unmap_latency_ns = st.invalidations ? SIM_LATENCY_NEVER :
								 SIM_LATENCY_NONE;
		res->dma.faults += st.faults;
	}

	records = calloc(DMB_CHECK_RECORDS, sizeof(*records));
	if (records) {
		n = dmb_check_records(records, DMB_CHECK_RECORDS);
		memcpy(res->violations, records, n * sizeof(*records));
		res->nr_violations = (unsigned int)n;
		free(records);
	}

	pthread_mutex_lock(&w->lock);
	if (w->low_power_since >= 0)
		res->low_power_ns += sim_now(w) - w->low_power_since;
	revoked = w->revoked;
	pthread_mutex_unlock(&w->lock);
	res->data_intact = !revoked && contents_intact(w);
	res->duration_ns = sim_now(w);
}

int sim_run(const struct sim_scenario *sc, const struct sim_run_options *opt,
	    struct sim_result *res)
{
	struct sim_world *w;
	int64_t wall = dmb_ktime_get_ns();
	int ret;

	if (!sc || !opt || !res)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->sc = sc;
	w->opt = opt;
	w->res = res;
	res->seed = opt->seed_set ? opt->seed : sc->seed;
	res->budget_memory_bytes = sim_budget_memory(sc);
	if (sc->processes) {
		free(w);
		ret = sim_run_procs(sc, res);
		res->wall_ns = dmb_ktime_get_ns() - wall;
		return ret;
	}

	ret = setup(w);
	if (ret == 0) {
		if (w->virtual_clock)
			play_virtual(w);
		else
			play_real(w);
		collect(w);
	} else {
		sim_result_event(res, 0, "dmabuf-sim", false,
				 "could not set the scenario up: %s", strerror(-ret));
	}
	teardown(w);
	res->wall_ns = dmb_ktime_get_ns() - wall;
	free(w);
	return ret;
}
