/* SPDX-License-Identifier: MIT */
/*
 * check.h - the protocol checker: violations V1-V10 of docs/protocol.md,
 * with attribution, counts, records and a policy.
 *
 * Like lockdep, the checker keeps shadow state beside the objects it checks
 * and reports what the objects themselves cannot see. The dma-buf core
 * reports the violations it detects on its own paths (V1-V3, V8, V9); the
 * revoke helper reports the bounds it watches (V6, V7); lock tracking
 * reports order inversions among reservation locks (V10); and whatever
 * performs DMA (the simulated hardware, or a test) asks the checker about
 * each access through a mapping token (V4, V5).
 *
 * Every report names its subject — buffer, exporter, importer, device — and
 * carries a detail string and the time on the checker's clock. It goes to
 * the diagnostics sink as a DMB_DIAG_VIOLATION first; only once the sink has
 * returned is it kept in a ring of the most recent DMB_CHECK_RECORDS records
 * and then counted per kind. So a program that sees dmb_check_count() rise
 * finds the report in what its sink received and in dmb_check_records();
 * a sink that reads the count sees it without the report it is handling.
 *
 * Locking: every function is thread-safe and may be called with any library
 * lock held (reports never take a library lock); the checker's own state is
 * behind an internal leaf mutex and atomics.
 */
#ifndef DMABUF_CHECK_H
#define DMABUF_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <dmabuf/clock.h>
#include <dmabuf/compiler.h>
#include <dmabuf/kref.h>

DMB_BEGIN_DECLS

enum dmb_violation {
	DMB_V1_INVALIDATE_UNLOCKED = 1,	/* invalidate_mappings without the resv lock */
	DMB_V2_MAP_UNLOCKED,		/* map/unmap (exporter op) without the resv lock */
	DMB_V3_MAP_WHILE_REVOKED,	/* the exporter returned a mapping while revoked */
	DMB_V4_DMA_AFTER_INVALIDATE,	/* DMA (write) started through an invalidated mapping */
	DMB_V5_DMA_AFTER_UNMAP,		/* DMA through an unmapped mapping, or after revoke */
	DMB_V6_UNMAP_TIMEOUT,		/* revocable importer did not unmap within the bound */
	DMB_V7_FENCE_TIMEOUT,		/* a fence did not signal within the bound */
	DMB_V8_BAD_UNMAP,		/* unmap of a table not mapped here, or double unmap */
	DMB_V9_BAD_DETACH_OR_PUT,	/* detach with live mappings; put of a released buffer */
	DMB_V10_LOCK_INVERSION,		/* resv lock order inversion outside an acquire context */
	DMB_NR_VIOLATIONS,
};

/* How many recent violation records the checker keeps. */
#define DMB_CHECK_RECORDS	256
#define DMB_CHECK_NAME_LEN	48
#define DMB_CHECK_DETAIL_LEN	256

/**
 * struct dmb_check_subject - who a report is about; any field may be NULL
 * @buffer: the dma-buf's name
 * @exporter: the exporter's name
 * @importer: the attachment's importer name
 * @device: the importer's device
 */
struct dmb_check_subject {
	const char *buffer;
	const char *exporter;
	const char *importer;
	const char *device;
};

/** struct dmb_check_record - one kept violation; strings are copies */
struct dmb_check_record {
	enum dmb_violation kind;
	int64_t time_ns;
	char buffer[DMB_CHECK_NAME_LEN];
	char exporter[DMB_CHECK_NAME_LEN];
	char importer[DMB_CHECK_NAME_LEN];
	char device[DMB_CHECK_NAME_LEN];
	char detail[DMB_CHECK_DETAIL_LEN];
};

/**
 * enum dmb_check_policy - what a violation does besides being recorded
 * @DMB_CHECK_REPORT: report to the sink and go on (the default)
 * @DMB_CHECK_ABORT: report, then abort() — for programs that must not
 *	violate and want a core dump at the culprit
 */
enum dmb_check_policy {
	DMB_CHECK_REPORT,
	DMB_CHECK_ABORT,
};

/**
 * struct dmb_check_bounds - how long is too long
 * @unmap_ns: from invalidate_mappings until a revocable importer unmaps (V6)
 * @fence_ns: for a fence to signal once someone waits for it to retire (V7)
 *
 * Both default to one second, the bound of the seed series.
 */
struct dmb_check_bounds {
	int64_t unmap_ns;
	int64_t fence_ns;
};

/**
 * dmb_check_set_policy - choose the policy.
 *
 * Context: any thread.
 * Return: the previous one.
 */
enum dmb_check_policy dmb_check_set_policy(enum dmb_check_policy policy);

/**
 * dmb_check_set_bounds / dmb_check_get_bounds - the bounds in force
 *
 * Return (set): 0, or -EINVAL (reported) for NULL or a bound that is not
 * positive; the bounds are then unchanged.
 * Context: any thread; a revoke reads the bounds once, when it starts.
 */
int dmb_check_set_bounds(const struct dmb_check_bounds *bounds);
void dmb_check_get_bounds(struct dmb_check_bounds *bounds);

/**
 * dmb_check_set_clock - timestamp reports with @clock (NULL: real time)
 *
 * Context: the clock must outlive its use here; set NULL before destroying it.
 */
void dmb_check_set_clock(struct dmb_clock *clock);

/**
 * dmb_check_now - the checker clock's reading
 *
 * Context: any thread (a virtual clock takes its internal leaf lock).
 */
int64_t dmb_check_now(void);

/**
 * dmb_check_report_at - record violation @kind about @who, raised from
 * @file:@line in @func; what dmb_check_report() expands to
 *
 * Context: any thread, with any library lock held (a report takes none).
 */
void dmb_check_report_at(enum dmb_violation kind,
			 const struct dmb_check_subject *who, const char *file,
			 int line, const char *func, const char *fmt, ...)
	DMB_PRINTF(6, 7);

/**
 * dmb_check_report - report violation @kind about @who
 *
 * The format describes what happened and what was expected.
 */
#define dmb_check_report(kind, who, ...)				\
	dmb_check_report_at(kind, who, __FILE__, __LINE__, __func__,	\
			    __VA_ARGS__)

/**
 * dmb_check_count - violations of @kind since start or the last reset
 *
 * A violation is counted only after the diagnostics sink has received its
 * report and its record is kept (see above).
 *
 * Context: any thread, no lock.
 */
unsigned long dmb_check_count(enum dmb_violation kind);

/**
 * dmb_check_total - violations of every kind since start or the last reset
 *
 * Context: any thread, no lock.
 */
unsigned long dmb_check_total(void);

/**
 * dmb_check_records - copy out the kept records, oldest first
 * @out: destination array
 * @max: its length; if fewer than the records kept, the most recent @max
 *
 * Context: any thread; takes the checker's leaf lock.
 * Return: the number copied.
 */
size_t dmb_check_records(struct dmb_check_record *out, size_t max);

/**
 * dmb_check_reset - forget counts and records (policy and bounds stay)
 *
 * Context: any thread; takes the checker's leaf lock.
 */
void dmb_check_reset(void);

/**
 * dmb_violation_name - "V1".."V10"
 *
 * Context: any thread, no lock.
 */
const char *dmb_violation_name(enum dmb_violation kind);

/**
 * dmb_violation_summary - one line saying what @kind means
 *
 * Context: any thread, no lock.
 */
const char *dmb_violation_summary(enum dmb_violation kind);

/*
 * Mapping tokens: the shadow state of one mapping (one sg_table handed to
 * one attachment). The dma-buf core creates one per map and moves it through
 * LIVE -> INVALIDATED -> UNMAPPED; whoever performs DMA through the mapping
 * (the simulated IOMMU, a test) holds a reference and asks dmb_check_dma()
 * before each access. The token outlives the mapping, so an access through
 * a dead mapping is still attributed to the right buffer and importer.
 */
enum dmb_check_map_state {
	DMB_MAP_LIVE,
	DMB_MAP_INVALIDATED,
	DMB_MAP_UNMAPPED,
};

enum dmb_dma_access {
	DMB_DMA_START_READ,	/* new work reads through the mapping */
	DMB_DMA_START_WRITE,	/* new work writes through the mapping */
	DMB_DMA_READ,		/* in-flight work (started earlier) reads */
	DMB_DMA_WRITE,		/* in-flight work writes */
};

struct dmb_check_map;
struct dmb_check_names;

/**
 * dmb_check_names_create - an immutable, reference-counted copy of @who's
 * names, to share among the tokens of one attachment (copying names on
 * every map would cost more than the map itself)
 *
 * Context: any thread.
 * Return: the copy with one reference, or NULL with errno = ENOMEM.
 */
struct dmb_check_names *dmb_check_names_create(const struct dmb_check_subject *who);
struct dmb_check_names *dmb_check_names_get(struct dmb_check_names *names);
void dmb_check_names_put(struct dmb_check_names *names);
/**
 * dmb_check_names_subject - the names as a subject (valid while referenced)
 *
 * Context: any thread holding a reference on @names.
 */
const struct dmb_check_subject *dmb_check_names_subject(struct dmb_check_names *names);

/**
 * dmb_check_map_create_named - a LIVE token naming @names (a reference is
 * taken on them)
 *
 * Context: any thread.
 * Return: the token with one reference, or NULL with errno (EINVAL, ENOMEM).
 */
struct dmb_check_map *dmb_check_map_create_named(struct dmb_check_names *names);

/**
 * dmb_check_map_create - a LIVE token for a new mapping of @who, with a
 * private copy of the names
 *
 * Context: any thread.
 * Return: the token with one reference, or NULL with errno = ENOMEM.
 */
struct dmb_check_map *dmb_check_map_create(const struct dmb_check_subject *who);

/**
 * dmb_check_map_reuse - make @map LIVE again for a new mapping
 *
 * Only when the caller holds the sole reference (then nobody can watch the
 * token go back); the stamps are cleared.
 * Context: the holder of the only reference (the dma-buf core, under the
 *	buffer's resv lock).
 * Return: 0, or -EBUSY if someone else holds a reference.
 */
int dmb_check_map_reuse(struct dmb_check_map *map);

/**
 * dmb_check_map_get / _put - take / drop a reference (NULL is ignored)
 *
 * Context: any thread holding a reference on @map, with any lock held.
 */
struct dmb_check_map *dmb_check_map_get(struct dmb_check_map *map);
void dmb_check_map_put(struct dmb_check_map *map);

/**
 * dmb_check_map_invalidate - LIVE -> INVALIDATED, stamped; otherwise no-op
 *
 * Context: any thread (the dma-buf core calls it under the buffer's resv
 *	lock); lock-free.
 */
void dmb_check_map_invalidate(struct dmb_check_map *map);

/**
 * dmb_check_map_unmap - -> UNMAPPED, stamped; a second unmap changes nothing
 * @forced: torn down by the exporter (deadline-force), not by the importer
 * Context: any thread (the dma-buf core calls it under the buffer's resv
 *	lock); lock-free.
 */
void dmb_check_map_unmap(struct dmb_check_map *map, bool forced);

/**
 * dmb_check_map_state - the state @map is in
 *
 * Context: any thread holding a reference on @map; lock-free.
 */
enum dmb_check_map_state dmb_check_map_state(struct dmb_check_map *map);

/**
 * dmb_check_map_subject - who @map's mapping belongs to (buffer, exporter,
 * importer, device); valid while the caller holds a reference on @map
 * Context: any thread holding a reference on @map.
 */
const struct dmb_check_subject *dmb_check_map_subject(struct dmb_check_map *map);

/**
 * dmb_check_map_invalidated_at / _unmapped_at - times of the transitions, or
 *	-1
 *
 * Context: any thread holding a reference on @map; lock-free.
 */
int64_t dmb_check_map_invalidated_at(struct dmb_check_map *map);
int64_t dmb_check_map_unmapped_at(struct dmb_check_map *map);

/**
 * dmb_check_dma - may this access go through @map?
 *
 * A write that starts after invalidation is V4 (reads may still start: they
 * are read-and-discard until unmap); any access after unmap is V5. In-flight
 * work may read and write an invalidated mapping until its fences retire.
 * Context: any thread, typically the one performing the access, with any lock
 *	held (a report takes none).
 * Return: 0 if allowed, -EFAULT after reporting the violation, -EINVAL
 * (a WARN) for a NULL token or an unknown access.
 */
int dmb_check_dma(struct dmb_check_map *map, enum dmb_dma_access access);

/*
 * The release quarantine (debug mode): released buffers, attachments,
 * revoke helpers and the fences the library frees (those without an
 * ops->release) are kept for a while, poisoned, so that a later use of one
 * is reported - what it was and the backtrace of who released it - and
 * refused, instead of reading freed memory; a second release is reported
 * and not freed twice. A FIFO bounded by DMB_QUARANTINE_MAX_OBJECTS and
 * DMB_QUARANTINE_MAX_BYTES: the oldest is really freed when a release
 * passes either bound, and whatever is left when the library is unloaded
 * (at exit). Off in production mode (debug.h), and with the environment
 * variable DMABUF_QUARANTINE=0 (or "off", "no", "false") or
 * dmb_check_set_quarantine(false): released objects are then freed at once.
 */
#define DMB_QUARANTINE_MAX_OBJECTS	256
#define DMB_QUARANTINE_MAX_BYTES	(1024 * 1024)

/**
 * struct dmb_quarantine_stats - what the release quarantine holds and did
 * @objects: objects kept now
 * @bytes: bytes kept now, objects and their records
 * @kept: objects ever taken in
 * @freed: objects ever really freed (past the bound, flushed, switched off)
 */
struct dmb_quarantine_stats {
	size_t objects;
	size_t bytes;
	unsigned long kept;
	unsigned long freed;
};

/**
 * dmb_check_set_quarantine - switch the release quarantine on or off
 * @on: false frees everything kept and lets later releases free at once
 *
 * Independent of the mode: the quarantine works only in debug mode, with
 * the switch on (the default).
 * Context: any thread.
 * Return: the previous setting of the switch.
 */
bool dmb_check_set_quarantine(bool on);

/**
 * dmb_check_quarantine_enabled - does a release go to the quarantine now?
 *
 * Context: any thread, no lock.
 * Return: true in debug mode with the switch on.
 */
bool dmb_check_quarantine_enabled(void);

/**
 * dmb_check_quarantine_stats - copy the quarantine's figures to @out
 *
 * Context: any thread; takes the quarantine's leaf lock.
 */
void dmb_check_quarantine_stats(struct dmb_quarantine_stats *out);

/**
 * dmb_check_quarantine_flush - really free everything the quarantine keeps
 *
 * A use of a flushed object is no longer caught.
 * Context: any thread; takes the quarantine's leaf lock.
 */
void dmb_check_quarantine_flush(void);

DMB_END_DECLS

#endif /* DMABUF_CHECK_H */
