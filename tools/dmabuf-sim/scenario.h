/* SPDX-License-Identifier: MIT */
/*
 * scenario.h - what dmabuf-sim is asked to play: the input model.
 *
 * A scenario is data: one exporter, its importers, a DMA workload, a
 * timeline of events (a reset, a close, an eviction) and the expectations
 * the run is judged against. Built-in scenarios are the same YAML as
 * scenario files (docs/scenarios.md documents the format), parsed by the
 * same code, so every built-in is also an example file.
 *
 * A scenario may declare variants: the same situation played again with
 * another exporter policy and its own expectations (low-power runs once
 * blocking and once with power references). The parser fills variants[];
 * sim_scenario_variant() flattens one into a plain scenario, which is all
 * the runner ever sees.
 *
 * Everything the parser accepts has passed every check of the format: names
 * are known, numbers are in range, events are in time order and legal for
 * the exporter, and an "attach" event names a late importer.
 */
#ifndef DMABUF_SIM_SCENARIO_H
#define DMABUF_SIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dmabuf/check.h>
#include <dmabuf/dma-buf-revoke.h>

#define SIM_NAME_LEN		48
#define SIM_DEVICE_MAX		40	/* leaves room for an instance suffix ".63" */
#define SIM_DESC_LEN		512
#define SIM_MAX_IMPORTERS	64	/* instances, counts included */
#define SIM_MAX_EVENTS		64
#define SIM_MAX_EXPECTED	32
#define SIM_MAX_VARIANTS	8
#define SIM_NR_WAITS		3	/* enum dmb_revoke_wait's values */

#define __SIM_STR(x)		#x
#define SIM_STR(x)		__SIM_STR(x)

/* Limits of the format (docs/scenarios.md). */
#define SIM_MAX_DURATION_NS	(3600LL * 1000000000LL)	/* any duration: 1 hour */
#define SIM_MAX_SIZE		(1ULL << 30)		/* any size: 1 GiB */
#define SIM_PAGE_SIZE		4096ULL			/* buffer sizes are whole pages */

enum sim_exporter_kind {
	SIM_EXP_VFIO_PCI,	/* PCI BAR memory, revokes on reset/decode/D3/close */
	SIM_EXP_VRAM,		/* GPU memory that moves between VRAM and system RAM */
	SIM_EXP_HEAP,		/* system memory, pinnable, never revokes */
	SIM_EXP_MEMFD,		/* memfd pages shared with importer processes (dmb-ipc.h) */
	SIM_NR_EXPORTERS,
};

enum sim_importer_kind {
	SIM_IMP_IOMMUFD,		/* pins, programs its IOMMU, zaps on invalidate */
	SIM_IMP_RDMA_PINNED,		/* pinned MR, not revocable */
	SIM_IMP_RDMA_ODP,		/* on-demand paging: unmaps on invalidate, faults back in */
	SIM_IMP_GPU,			/* fenced DMA jobs, remaps before the next job */
	SIM_IMP_BROKEN_NO_UNMAP,	/* claims revocability, never unmaps */
	SIM_IMP_BROKEN_WRITE_AFTER_INV,	/* starts writes after invalidate */
	SIM_IMP_BROKEN_TOUCH_AFTER_UNMAP, /* DMA through the mapping after unmap */
	SIM_IMP_PROCESS,		/* a separate process importing a descriptor */
	SIM_NR_IMPORTERS,
};

/* What an importer process does when told to invalidate (run-procs.c). */
enum sim_behaviour {
	SIM_BEH_COOPERATING,	/* unmaps in invalidate_mappings */
	SIM_BEH_NEVER_UNMAP,	/* keeps its mapping and reads it after the revoke */
	SIM_BEH_KEEPS_WRITING,	/* writes through its mapping until it faults */
	SIM_BEH_KILLED_MID_REVOKE, /* the runner kills it once its invalidate arrived */
	SIM_BEH_HOLDS_VMAP,	/* vmaps, keeps the vmap through the revoke, then CPU access */
	SIM_NR_BEHAVIOURS,
};

enum sim_action {
	SIM_ACT_FLR,		/* function-level reset begins (vfio-pci) */
	SIM_ACT_FLR_DONE,	/* ... and ends */
	SIM_ACT_DECODE_OFF,	/* memory decode disabled */
	SIM_ACT_DECODE_ON,
	SIM_ACT_D3,		/* low-power entry */
	SIM_ACT_D0,		/* back to full power */
	SIM_ACT_CLOSE,		/* device closed: permanent revoke */
	SIM_ACT_EVICT,		/* vram: move the buffer to system memory */
	SIM_ACT_MIGRATE,	/* vram: move it back to VRAM */
	SIM_ACT_ATTACH,		/* a late importer attaches (importer: its index) */
	SIM_ACT_CPU_READ,	/* the CPU reads the exporter's memory, once */
	SIM_ACT_INVALIDATE,	/* the exporter invalidates mappings without revoking */
	SIM_NR_ACTIONS,
};

/* Where a value came from, for error messages about it. */
struct sim_where {
	unsigned int line;	/* 1-based line in the scenario text */
};

/*
 * One importer line of the file; @count identical instances of it. Instance
 * i > 0 is named "<device>.<i>" (sim_importer_instance_name()).
 */
struct sim_importer_spec {
	enum sim_importer_kind kind;
	char device[SIM_NAME_LEN];
	unsigned int count;		/* identical importers, >= 1 */
	bool late;			/* attaches on an "attach" event, not at start */
	bool expect_attach_set;		/* written in the file (else 0 is expected) */
	int expect_attach;		/* 0 or -errno; always checked */
	int expect_invalidations;	/* per instance; -1: not checked */
	enum sim_behaviour behaviour;	/* SIM_IMP_PROCESS only */
	bool behaviour_set;		/* written in the file */
	struct sim_where where;
};

struct sim_event_spec {
	int64_t at_ns;			/* on the scenario clock, from the start */
	enum sim_action action;
	unsigned int importer;		/* SIM_ACT_ATTACH: index in importers[] */
	struct sim_where where;
};

/*
 * An expected violation: its kind, and optionally who it must name (the
 * importer driver and/or the device of an importer line; a device matches
 * every instance of that line).
 */
struct sim_expected_violation {
	enum dmb_violation kind;
	char importer[SIM_NAME_LEN];	/* "" = any */
	char device[SIM_NAME_LEN];	/* "" = any */
};

struct sim_expect {
	struct sim_expected_violation violations[SIM_MAX_EXPECTED]; /* a multiset */
	unsigned int nr_violations;	/* the run must report exactly these */
	int revokes;			/* full revokes performed; -1: not checked */
	bool dma_after_revoke_faults;	/* DMA was attempted while revoked, and all of it faulted */
	bool resume;			/* after the last unrevoke every importer that was
					 * invalidated ran DMA again */
	bool importers_ran;		/* every attached importer completed DMA */
	bool data_intact;		/* contents survived every move */
	bool cpu_access_fails_while_revoked; /* CPU reads fault while revoked, work otherwise */
	int cpu_faults;			/* CPU reads that faulted; -1: not checked */
	bool revoke_unfinished;		/* an event is still blocked when the run gives up */
};

/* Policy knobs a variant may change (policy: in the file). */
struct sim_policy {
	struct dmb_revoke_policy revoke;
	bool power_ref;
};

struct sim_variant {
	char name[SIM_NAME_LEN];
	char description[SIM_DESC_LEN];
	struct sim_policy policy;	/* the scenario's, with the variant's keys applied */
	struct sim_expect expect;	/* the variant's own, or the scenario's */
	struct sim_where where;
};

struct sim_scenario {
	char name[SIM_NAME_LEN];
	char description[SIM_DESC_LEN];
	char variant[SIM_NAME_LEN];	/* set by sim_scenario_variant(), else "" */
	char variant_description[SIM_DESC_LEN];
	bool real_clock;		/* default: virtual; always real with processes */
	bool processes;			/* the importers are processes (run-procs.c) */
	int64_t duration_ns;		/* how long to play */
	uint64_t seed;
	struct dmb_revoke_policy policy;
	bool power_ref;			/* vfio-pci: hold a power reference per map instead */
	struct {
		enum sim_exporter_kind kind;
		char device[SIM_NAME_LEN];
		uint64_t size;
		struct sim_where where;
	} exporter;
	struct sim_importer_spec importers[SIM_MAX_IMPORTERS];
	unsigned int nr_importers;
	struct {
		uint64_t job_size;
		int64_t job_ns;		/* duration of one DMA job */
		int64_t interval_ns;	/* between submissions, per importer */
	} workload;
	struct sim_event_spec events[SIM_MAX_EVENTS];
	unsigned int nr_events;
	struct sim_expect expect;
	struct sim_variant variants[SIM_MAX_VARIANTS];
	unsigned int nr_variants;	/* 0: the scenario is played once, as is */
};

/**
 * sim_scenario_parse - parse a scenario from YAML text
 * @text: the YAML
 * @len: its length
 * @file: its name, for messages ("scenario.yaml", "<built-in vfio-revoke>")
 * @out: receives the scenario, with defaults where the text is silent
 * @err: receives "file:line: what is wrong (expected ...)" on failure
 * @err_len: size of @err
 *
 * Return: 0, or -EINVAL (-ENOMEM) with @err filled (@out is then undefined).
 */
int sim_scenario_parse(const char *text, size_t len, const char *file,
		       struct sim_scenario *out, char *err, size_t err_len);

/**
 * sim_scenario_load - read and parse @path
 *
 * Return: as above; -errno if unreadable, with @err saying so.
 */
int sim_scenario_load(const char *path, struct sim_scenario *out,
		      char *err, size_t err_len);

/**
 * sim_scenario_variant - the scenario to play for variant @index of @sc
 * @out: receives a copy of @sc with the variant's policy and expectations,
 *	variant set to its name and no variants of its own; with no variants,
 *	index 0 is @sc itself
 *
 * Return: 0, or -EINVAL for an index out of range.
 */
int sim_scenario_variant(const struct sim_scenario *sc, unsigned int index,
			 struct sim_scenario *out);

/** sim_scenario_nr_plays - how many runs @sc asks for (variants, or 1) */
unsigned int sim_scenario_nr_plays(const struct sim_scenario *sc);

/** sim_scenario_nr_instances - importers counting every instance */
unsigned int sim_scenario_nr_instances(const struct sim_scenario *sc);

/**
 * sim_importer_instance_name - the device name of instance @i of @spec:
 * "<device>" for 0, "<device>.<i>" after
 */
void sim_importer_instance_name(const struct sim_importer_spec *spec,
				unsigned int i, char *buf, size_t len);

/* Names, for output: "vfio-pci", "iommufd", "flr", ... */
const char *sim_exporter_name(enum sim_exporter_kind kind);
const char *sim_importer_name(enum sim_importer_kind kind);
const char *sim_action_name(enum sim_action action);
const char *sim_wait_name(enum dmb_revoke_wait wait);
const char *sim_behaviour_name(enum sim_behaviour behaviour);

/* The same tables, indexed by value, for the parser and the CLI. */
extern const char *const sim_exporter_names[SIM_NR_EXPORTERS];
extern const char *const sim_importer_names[SIM_NR_IMPORTERS];
extern const char *const sim_action_names[SIM_NR_ACTIONS];
extern const char *const sim_wait_names[SIM_NR_WAITS];
extern const char *const sim_behaviour_names[SIM_NR_BEHAVIOURS];

/**
 * sim_name_lookup - index of @name in @names, or -1
 */
int sim_name_lookup(const char *const *names, unsigned int nr, const char *name);

/**
 * sim_action_allowed - whether an exporter of @kind understands @action
 * (a reset on a heap exporter means nothing)
 */
bool sim_action_allowed(enum sim_exporter_kind kind, enum sim_action action);

/**
 * sim_exporter_shares - whether importer processes can import a buffer of
 * an exporter of @kind (dma_buf_fd() gives a descriptor for it)
 */
bool sim_exporter_shares(enum sim_exporter_kind kind);

/**
 * sim_exporter_vmaps - whether a buffer of an exporter of @kind has a vmap
 * op, so that an importer process can dma_buf_vmap() it (holds-vmap)
 */
bool sim_exporter_vmaps(enum sim_exporter_kind kind);

#endif /* DMABUF_SIM_SCENARIO_H */
