/* SPDX-License-Identifier: MIT */
/*
 * result.h - what a dmabuf-sim run produced: the output model.
 *
 * The runner fills one sim_result; the text report, the JSON report and the
 * Chrome trace are three views of it, so they always agree. Times are on the
 * scenario clock (virtual unless the scenario asks for real time), in ns
 * from the start of the run, revoke phase durations and unmap latencies
 * included (the runner gives the checker the scenario clock).
 */
#ifndef DMABUF_SIM_RESULT_H
#define DMABUF_SIM_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dmabuf/check.h>

#include "scenario.h"

#define SIM_MAX_TIMELINE	1024
#define SIM_MAX_SPANS		4096
#define SIM_MAX_REVOKES		16
#define SIM_TEXT_LEN		640	/* a diagnostic with its detail and names, whole */
#define SIM_TRACK_LEN		80	/* "<driver> <device>" fits */

/* Unmap latencies that are not a time. */
#define SIM_LATENCY_NONE	(-1)	/* nothing to unmap: not mapped, or not invalidated */
#define SIM_LATENCY_NEVER	(-2)	/* mapped and never unmapped (broken, or pinned) */

/* One line of the timeline: something a reader should know happened. */
struct sim_event {
	int64_t t_ns;
	char track[SIM_TRACK_LEN];	/* "vfio-pci nic0", "iommufd vm0", ... */
	char text[SIM_TEXT_LEN];
	bool instant;			/* an instant in the trace (invalidate, fault) */
};

/* A span in the trace: a DMA job, a revoke phase. */
struct sim_span {
	int64_t start_ns;
	int64_t end_ns;
	char track[SIM_TRACK_LEN];
	char name[SIM_NAME_LEN];	/* "copy 64 KiB", "invalidate", ... */
	bool failed;
};

/*
 * What became of an importer process (run-procs.c), from what it reported
 * and waitpid(). Each behaviour has the fate it must end with
 * (sim_fate_expected()).
 */
enum sim_fate {
	SIM_FATE_NONE,		/* not a process */
	SIM_FATE_UNMAPPED,	/* unmapped when told, exited cleanly */
	SIM_FATE_FAULTED,	/* its access after the revoke faulted (SIGBUS); contained */
	SIM_FATE_CLEANED_UP,	/* killed mid-revoke; the exporter dropped its attachment */
	SIM_FATE_REFUSED,	/* its CPU access after the revoke was refused (-EIO); contained */
	SIM_FATE_FAILED,	/* it could not import, attach or map */
	SIM_FATE_LOST,		/* anything else: no report, a wrong signal, still attached */
	SIM_NR_FATES,
};

/*
 * One importer instance, in attach order (late importers when they attach).
 * Every instance of every importer line gets one entry, refused ones too.
 */
struct sim_attachment_result {
	char importer[SIM_NAME_LEN];	/* driver name */
	char device[SIM_NAME_LEN];	/* instance name (sim_importer_instance_name) */
	char exporter[SIM_NAME_LEN];
	unsigned int spec;		/* index of its line in scenario->importers[] */
	bool revocable;
	int attach_result;		/* 0 or -errno */
	unsigned int invalidations;	/* invalidate_mappings calls it received */
	unsigned long jobs;		/* DMA jobs it completed */
	unsigned long jobs_after_unrevoke; /* ... of which after the last unrevoke */
	int64_t unmap_latency_ns;	/* last invalidate -> unmap, or SIM_LATENCY_* */
	/* importer processes only */
	bool process;
	int pid;
	enum sim_behaviour behaviour;
	enum sim_fate fate;
	char fate_detail[SIM_TEXT_LEN];
};

struct sim_revoke_result {
	char exporter[SIM_NAME_LEN];
	char reason[SIM_NAME_LEN];	/* the action: "flr", "decode-off", "d3", "close" */
	int64_t at_ns;
	int64_t total_ns;
	int64_t invalidate_ns;
	int64_t fence_wait_ns;
	int64_t unmap_wait_ns;
	unsigned int warnings;
	unsigned int forced;
	/*
	 * The policy's bound (fence + unmap) and the slack shown with it, or
	 * -1 for an unbounded policy and the in-process runner: a measured
	 * figure, never part of the verdict.
	 */
	int64_t bound_ns;
	int64_t slack_ns;
	/* invalidate -> unmap per attachment index, or SIM_LATENCY_* */
	int64_t unmap_latency_ns[SIM_MAX_IMPORTERS];
};

struct sim_result {
	const struct sim_scenario *scenario;
	uint64_t seed;
	bool pass;			/* every expectation met */
	char verdict_reason[512];	/* why not, or a one-line summary */

	struct sim_event timeline[SIM_MAX_TIMELINE];
	unsigned int nr_timeline;
	unsigned int timeline_dropped;	/* events that did not fit */
	struct sim_span spans[SIM_MAX_SPANS];
	unsigned int nr_spans;
	unsigned int spans_dropped;

	struct sim_attachment_result attachments[SIM_MAX_IMPORTERS];
	unsigned int nr_attachments;
	struct sim_revoke_result revokes[SIM_MAX_REVOKES];
	/*
	 * Full revokes that did something: not moves, and not a revoke of a
	 * buffer already revoked (dmb_revoke_stats.already_revoked), which is a
	 * timeline event only.
	 */
	unsigned int nr_revokes;
	unsigned int nr_unrevokes;

	struct dmb_check_record violations[DMB_CHECK_RECORDS];
	unsigned int nr_violations;

	struct {
		unsigned long jobs;
		unsigned long faults;
		unsigned long after_revoke_attempts;
		unsigned long after_revoke_succeeded;
		unsigned long after_revoke_faulted;
	} dma;
	struct {
		unsigned long reads;		/* one per cpu-read event */
		unsigned long faults;		/* ... refused */
		unsigned long revoked_reads;	/* ... made while the buffer was revoked */
		unsigned long revoked_faults;
	} cpu;
	bool data_intact;		/* every verification of the contents passed */
	int64_t low_power_ns;		/* time the exporter's device spent in D3 */
	bool gave_up;			/* an event was still blocked at the end */
	char unfinished[SIM_NAME_LEN];	/* ... that event's action */
	int64_t unfinished_at_ns;	/* ... and when it began */
	bool hung;			/* the simulation did not settle (a bug) */
	unsigned long clock_steps;	/* instants the virtual clock was moved to */
	uint64_t memory_bytes;		/* peak simulated memory plus the runner's copy */
	uint64_t budget_memory_bytes;	/* what the parser's budget allowed for it */
	int64_t duration_ns;		/* how long was played, scenario clock */
	int64_t wall_ns;		/* how long it took, real time */
};

/* Append to the timeline / trace; what does not fit is counted in *_dropped. */
void sim_result_event(struct sim_result *res, int64_t t_ns, const char *track,
		      bool instant, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void sim_result_span(struct sim_result *res, int64_t start_ns, int64_t end_ns,
		     const char *track, const char *name, bool failed);

/**
 * sim_result_init - an empty result for a run of @sc (res->scenario = @sc)
 */
void sim_result_init(struct sim_result *res, const struct sim_scenario *sc);

/**
 * sim_result_add_attachment / sim_result_add_revoke - the next entry, zeroed
 * with its latencies at SIM_LATENCY_NONE and names filled; NULL when full
 */
struct sim_attachment_result *
sim_result_add_attachment(struct sim_result *res, const char *importer,
			  const char *device, const char *exporter, unsigned int spec);
struct sim_revoke_result *
sim_result_add_revoke(struct sim_result *res, const char *exporter,
		      const char *reason, int64_t at_ns);

/**
 * sim_result_judge - compare the result with the scenario's expectations,
 * set pass and verdict_reason
 *
 * Idempotent: the CLI calls it after sim_run(); the runner need not.
 */
void sim_result_judge(struct sim_result *res);

/** sim_fate_name - "unmapped", "faulted", "cleaned-up", ... */
const char *sim_fate_name(enum sim_fate fate);

/** sim_fate_expected - the fate an importer process of @behaviour must meet */
enum sim_fate sim_fate_expected(enum sim_behaviour behaviour);

/**
 * sim_result_late_under_load - whether violation @r is a V6 naming an
 * importer process that did let go (unmapped, or killed and cleaned up),
 * only after the bound on this machine: shown, never judged
 */
bool sim_result_late_under_load(const struct sim_result *res,
				const struct dmb_check_record *r);

/**
 * sim_culprit_name - "<importer> <device>", or "<importer>" alone when the
 * device has the importer's name (an importer process's "name[pid]")
 */
void sim_culprit_name(char *buf, size_t len, const char *importer,
		      const char *device);

/** sim_result_attachment_name - sim_culprit_name() of attachment @i */
void sim_result_attachment_name(const struct sim_result *res, unsigned int i,
				char *buf, size_t len);

#endif /* DMABUF_SIM_RESULT_H */
