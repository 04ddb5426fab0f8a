/* SPDX-License-Identifier: MIT */
/*
 * mock-exporter.h - a counting exporter and three kinds of importer for the
 * dma-buf tests.
 *
 * The exporter backs a buffer of N bytes with malloc()ed memory. Every op it
 * implements counts its calls, appends its name to a log ("attach,pin,map")
 * so a test can assert the exact sequence, and checks the resv lock against
 * the locking convention of dma-buf.h (attach, detach, pin, unpin, map,
 * unmap, vmap, vunmap must run with it; release and CPU access without).
 * A test asserts the lock counters are zero, so an op that ran in the wrong
 * context fails the case even if nothing else went wrong.
 *
 * Switches, set by the test between calls (the struct is the test's):
 *  - attach_error: the attach op refuses with this -errno;
 *  - pin_error / map_error: the pin / map op fails with this -errno;
 *  - revoked: the exporter's own "revoked" state; a well-behaved map then
 *    returns -ENODEV;
 *  - buggy_map_while_revoked: map ignores every revoked state (its own and
 *    the revoke helper's) and hands out a table anyway, to provoke V3;
 *  - extra_revocable_unmaps: the next N unmaps lower the revoke helper's
 *    count twice, as an exporter with an unbalanced unmap op does.
 *
 * With MOCK_EXP_REVOCABLE the exporter owns a revoke helper (dma-buf-revoke.h)
 * and calls it from attach, map and unmap, as a real revoke-capable exporter
 * does; mock_exporter.rev is then the helper to revoke with.
 *
 * The struct mock_exporter belongs to the caller and outlives the buffer, so
 * a test can read the counters after the last put; the release op frees
 * everything the exporter allocated (memory, revoke helper).
 *
 * Locking: the counters are atomic and the log has its own mutex, so ops may
 * run from several threads.
 */
#ifndef DMABUF_TEST_MOCK_EXPORTER_H
#define DMABUF_TEST_MOCK_EXPORTER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dmabuf/device.h>
#include <dmabuf/dma-buf-revoke.h>
#include <dmabuf/dma-buf.h>

/* Device address of attachment i's mapping: MOCK_DMA_BASE + i * MOCK_DMA_STRIDE. */
#define MOCK_DMA_BASE	0x100000ull
#define MOCK_DMA_STRIDE	0x10000ull

#define MOCK_LOG_LEN	512

enum mock_exporter_flags {
	MOCK_EXP_PIN = 1u << 0,		/* ops with pin/unpin */
	MOCK_EXP_MINIMAL = 1u << 1,	/* only the required ops (map, unmap, release) */
	MOCK_EXP_REVOCABLE = 1u << 2,	/* own a dmb_revocable (NULL policy) */
};

struct mock_exporter {
	struct dma_buf *dmabuf;		/* as exported; stale after release */
	void *mem;
	size_t size;
	struct dmb_revocable *rev;	/* with MOCK_EXP_REVOCABLE */

	/* switches */
	int attach_error;
	int pin_error;
	int map_error;
	bool revoked;
	bool buggy_map_while_revoked;
	unsigned int revocable_flags;	/* passed to dmb_revocable_attach() */
	/* the next N unmaps call dmb_revocable_unmap() twice (an unbalanced exporter) */
	unsigned int extra_revocable_unmaps;

	/* op calls */
	atomic_uint attach_calls;
	atomic_uint detach_calls;
	atomic_uint pin_calls;
	atomic_uint unpin_calls;
	atomic_uint map_calls;
	atomic_uint unmap_calls;
	atomic_uint release_calls;
	atomic_uint begin_cpu_calls;
	atomic_uint end_cpu_calls;
	atomic_uint vmap_calls;
	atomic_uint vunmap_calls;
	atomic_int pin_count;		/* pins minus unpins */
	atomic_int live_tables;		/* tables handed out and not taken back */

	/* context checks */
	atomic_uint ops_unlocked;	/* ops that need the resv lock ran without it */
	atomic_uint ops_locked;		/* ops that must not hold it ran with it */
	bool map_saw_lock;		/* last map op: resv held */
	bool unmap_saw_lock;		/* last unmap op: resv held */
	bool begin_cpu_writers_idle;	/* last begin_cpu_access: no pending WRITE fence */
	bool begin_cpu_all_idle;	/* last begin_cpu_access: no pending fence at all */
	enum dma_data_direction begin_cpu_dir;

	atomic_uint next_index;		/* attachment index, for the dma address */

	pthread_mutex_t log_lock;
	char log[MOCK_LOG_LEN];		/* "attach,pin,map,..." */
};

extern const struct dma_buf_ops mock_exporter_ops_pin;
extern const struct dma_buf_ops mock_exporter_ops_nopin;
extern const struct dma_buf_ops mock_exporter_ops_minimal;

/**
 * mock_export - export a buffer of @size bytes backed by malloc()ed memory
 * @me: zeroed and filled here; must outlive the buffer
 * @name: the exporter name ("mock" if NULL)
 * @flags: MOCK_EXP_*
 *
 * Fails the test on error. Return: the buffer, with one reference.
 */
struct dma_buf *mock_export(struct mock_exporter *me, const char *name,
			    size_t size, unsigned int flags);

/** mock_export_resv - as mock_export(), sharing the caller's @resv */
struct dma_buf *mock_export_resv(struct mock_exporter *me, const char *name,
				 size_t size, unsigned int flags,
				 struct dma_resv *resv);

/** mock_exporter_clear_log - forget the op log (counters stay) */
void mock_exporter_clear_log(struct mock_exporter *me);

/** mock_exporter_live - mock buffers exported and not yet released */
long mock_exporter_live(void);

/*
 * Importers. A mock_importer is one device with (at most) one attachment
 * and one mapping, which is what most cases need; a test that needs more
 * uses more importers.
 */
struct mock_importer {
	struct device dev;
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;		/* the current mapping, if any */
	enum dma_data_direction dir;

	bool unmap_in_invalidate;	/* unmap right inside invalidate_mappings */
	atomic_uint invalidate_calls;
	atomic_uint invalidate_unlocked; /* calls without the resv lock held */
	atomic_uint invalidate_mapped;	 /* calls that found a live mapping */
};

/* Dynamic importer ops without invalidate_mappings (R1): not revocable. */
extern const struct dma_buf_attach_ops mock_importer_ops_dynamic;
/* Dynamic, revocable: invalidate_mappings records the call. */
extern const struct dma_buf_attach_ops mock_importer_ops_revocable;
/* As mock_importer_ops_revocable, and peer-to-peer capable. */
extern const struct dma_buf_attach_ops mock_importer_ops_revocable_p2p;

/** mock_importer_init - a device called @name, nothing attached */
void mock_importer_init(struct mock_importer *imp, const char *name);

/**
 * mock_importer_attach - attach to @dmabuf: statically if @ops is NULL,
 * dynamically with @ops (importer_priv is @imp) otherwise
 *
 * Return: the attachment, or NULL with errno (the test decides).
 */
struct dma_buf_attachment *mock_importer_attach(struct mock_importer *imp,
						struct dma_buf *dmabuf,
						const struct dma_buf_attach_ops *ops);

/** mock_importer_map - map with the _unlocked call. Return: the table or NULL. */
struct sg_table *mock_importer_map(struct mock_importer *imp);

/** mock_importer_unmap - unmap the current mapping with the _unlocked call */
void mock_importer_unmap(struct mock_importer *imp);

/** mock_importer_detach - detach (the mapping, if any, must be gone) */
void mock_importer_detach(struct mock_importer *imp);

#endif /* DMABUF_TEST_MOCK_EXPORTER_H */
