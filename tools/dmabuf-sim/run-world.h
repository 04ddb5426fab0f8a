/* SPDX-License-Identifier: MIT */
/*
 * run-world.h - the runner's world: the simulated machine a scenario is
 * played on, shared by run.c (set-up, the clock loop, tear-down),
 * run-events.c (the scenario's events and what the exporter reports back)
 * and run-workload.c (the importers' DMA).
 *
 * Threads: the main thread runs the workload and drives the clock; one
 * event thread performs the scenario's events, because an event (a reset)
 * may block in a revoke until in-flight DMA finishes, which needs the clock
 * to keep moving. On a virtual clock the event thread is an actor of the
 * clock (clock.h) and the main thread acts only while every actor is
 * parked, so at most one of them runs scenario code at a time, and the
 * workload waits while an event is under way (an access could need the
 * resv lock a parked revoke holds): its next access is held back, as a
 * submitter blocked on that lock would be. Exporter callbacks and
 * diagnostics arrive in whichever thread caused them. world->lock protects the result and the fields marked (lock);
 * imps[] entries are written by whoever attaches them before nr_imps
 * publishes them (release/acquire), then only by the main thread.
 */
#ifndef DMABUF_SIM_RUN_WORLD_H
#define DMABUF_SIM_RUN_WORLD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <dmabuf/drivers/heap.h>
#include <dmabuf/drivers/importer.h>
#include <dmabuf/drivers/vfio-pci.h>
#include <dmabuf/drivers/vram.h>
#include <dmabuf/hw/phys-space.h>

#include "result.h"
#include "run.h"

#define SIM_MAX_INFLIGHT	16	/* GPU jobs in flight per importer */

struct sim_inflight {
	struct dma_fence *fence;
	int64_t submitted_ns;
	bool after_revoke;		/* submitted while the buffer was revoked */
};

/* One importer instance and its device. */
struct sim_imp {
	const struct sim_importer_spec *spec;
	unsigned int spec_idx;
	char device[SIM_NAME_LEN];
	char track[SIM_TRACK_LEN];
	struct dmb_hw_device *dev;
	struct dmb_importer *imp;	/* NULL if refused or not attached yet */
	int att;			/* index in res->attachments, -1 before attach */
	int64_t next_ns;		/* next access */
	unsigned long seq;
	struct sim_inflight inflight[SIM_MAX_INFLIGHT];
	unsigned int nr_inflight;
	/* what the timeline has told of it (world->lock) */
	unsigned long seen_invalidations;
	unsigned long seen_maps;
	int64_t invalidated_at;
	bool awaiting_unmap;
};

struct sim_world {
	const struct sim_scenario *sc;
	const struct sim_run_options *opt;
	struct sim_result *res;

	struct dmb_clock *clock;
	bool virtual_clock;
	int64_t t0;			/* clock reading at the start */
	struct dmb_phys_space *space;
	struct dmb_mem_region *sysmem;

	/* the exporter */
	struct dmb_pci_function *pci;
	struct dmb_vfio_pci *vfio;
	struct dmb_hw_device *gpu;	/* vram's device */
	struct dmb_mem_region *vram_region;
	struct dmb_vram *vram;
	struct dma_buf *buf;
	char exp_track[SIM_TRACK_LEN];
	uint64_t pattern_sum;		/* checksum of the initial contents */
	struct dmb_exporter_observer observer;

	struct sim_imp imps[SIM_MAX_IMPORTERS];
	atomic_uint nr_imps;		/* entries published in imps[] */

	pthread_mutex_t lock;
	bool revoked;			/* (lock) */
	bool restore_pending;		/* (lock) unrevoked: importers restore */
	int64_t low_power_since;	/* (lock) -1 when not in D3 */

	int64_t tick_step;			/* real clock: the main thread's step */

	/* the event thread */
	pthread_t ev_thread;
	bool ev_started;
	unsigned int ev_actor;			/* its actor id on a virtual clock */
	pthread_cond_t ev_cond;			/* real clock: work for the thread */
	pthread_cond_t ev_idle;		/* the thread finished an event */
	atomic_bool ev_wake;			/* virtual clock: its park predicate */
	const struct sim_event_spec *ev_next;	/* (lock) handed to the thread */
	bool ev_busy;				/* (lock) */
	bool ev_stop;				/* (lock) */
	int64_t ev_at;				/* (lock) when the current event began */

	/* a revoke waiting past its bound: repeated lines (main thread) */
	char wait_line[SIM_TEXT_LEN];		/* (lock) its last V6/V7 */
	int64_t wait_next;			/* when to repeat it, 0: not armed */
	int64_t wait_every;			/* and then after this long */
};

/* Scenario time: ns since the start, on the scenario clock. */
int64_t sim_now(struct sim_world *w);

/* Virtual clock: a guard that only catches an actor blocked outside it. */
#define SIM_HANG_GUARD_NS	(60 * NSEC_PER_SEC)

/* Virtual clock: wait until every actor is parked (run.c). */
void sim_settle(struct sim_world *w);
/* An actor did not park within SIM_HANG_GUARD_NS: the run failed. */
void sim_hang(struct sim_world *w, const char *doing);

/*
 * Account the simulated memory now in use, plus @extra bytes the runner
 * holds, into the result's peak (run.c). Any thread; takes world->lock.
 */
void sim_account_memory(struct sim_world *w, uint64_t extra);

/* Importers published so far. */
static inline unsigned int sim_nr_imps(struct sim_world *w)
{
	return atomic_load_explicit(&w->nr_imps, memory_order_acquire);
}

/* run-events.c */
int sim_events_start(struct sim_world *w);
void sim_events_stop(struct sim_world *w);
/* Hand @ev to the event thread. Return: false if it is still busy. */
bool sim_events_post(struct sim_world *w, const struct sim_event_spec *ev);
bool sim_events_busy(struct sim_world *w);
/* Real clock: wait up to @real_ns for the thread to finish. Return: idle. */
bool sim_events_wait_idle(struct sim_world *w, int64_t real_ns);
/* An event waits (a revoke past its bound): repeat what it waits for. */
void sim_report_waiting(struct sim_world *w, int64_t now);
/* When sim_report_waiting() has something to say next. */
int64_t sim_waiting_next(struct sim_world *w);
void sim_observer_init(struct sim_world *w);
void sim_sink_install(struct sim_world *w);
void sim_sink_remove(void);
int sim_attach_spec(struct sim_world *w, unsigned int spec_idx);

/* run-story.c: each importer's invalidate, unmap and map again; revoke phases */
void sim_story(struct sim_world *w);
void sim_story_locked(struct sim_world *w, int64_t now);
/* At the end: an importer still waiting to unmap never did. */
void sim_story_end(struct sim_world *w, int64_t end);
void sim_story_revoke(struct sim_world *w, int64_t end,
		      const struct dmb_revoke_stats *st);

/* run-workload.c */
void sim_workload_tick(struct sim_world *w, int64_t now);
/* The earliest next access of any importer (INT64_MAX if none). */
int64_t sim_workload_next(struct sim_world *w);
/* Collect finished GPU jobs; @all waits for every one. */
void sim_workload_reap(struct sim_world *w, bool all);
unsigned int sim_workload_inflight(struct sim_world *w);
void sim_workload_restore(struct sim_world *w);

#endif /* DMABUF_SIM_RUN_WORLD_H */
