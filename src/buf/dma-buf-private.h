/* SPDX-License-Identifier: MIT */
/*
 * dma-buf-private.h - the layout of dma_buf and dma_buf_attachment, shared
 * by the buf layer's own files (the core and the revoke helper) and nobody
 * else: to exporters and importers both objects are opaque handles.
 *
 * Locking: fields marked (resv) are protected by the buffer's resv lock;
 * (const) never change after creation; (atomic) are read without a lock.
 */
#ifndef DMABUF_BUF_PRIVATE_H
#define DMABUF_BUF_PRIVATE_H

#include <pthread.h>
#include <stdatomic.h>

#include <dmabuf/dma-buf.h>
#include <dmabuf/list.h>

#include "../check/quarantine-private.h"

#define DMA_BUF_NAME_LEN	64

struct dmb_revocable;

struct dma_buf_name {
	struct dma_buf_name *older;
	char text[];
};

/*
 * One table handed to one attachment, and what the core must undo for it.
 * The key is the direction (zero-extended) with flags above bit 31 for what
 * the unmap must undo beyond the exporter's op: the unmap's fast path is
 * one compare, key == (uint32_t)dir, which no direction a caller can pass
 * matches when a flag is set.
 */
#define BUF_MAP_PINNED	(1ull << 32)	/* pinned on map (R3): unpin on unmap */
#define BUF_MAP_TOKEN	(1ull << 33)	/* has a checker token: retire it */

/*
 * The attachment's inline record (dma_buf_attachment.slot), for the common
 * case of production mode: a dynamic importer with one mapping at a time.
 * Only the map's fast path fills it (a key equal to the direction: no pin,
 * no token); every other mapping goes to the array. Its key says when it
 * holds no mapping: VACANT set, with the direction while the fast path's
 * exporter op runs (so a map from inside the op goes to the array, and no
 * walker looks at the half-made record), and all ones when free and the
 * fast path may fill it - a dynamic attachment in production mode, which
 * stays so, as the mode never goes back to debug. (Keys with VACANT never
 * equal a direction, so the unmap's one compare also refuses a free slot
 * whose stale table a caller unmaps again.)
 */
#define BUF_MAP_VACANT		(1ull << 34)
#define BUF_SLOT_FREE_FAST	(~0ull)		/* free: the fast path's */
#define BUF_SLOT_FREE		(~1ull)		/* free: debug mode, static */

struct dma_buf_mapping {
	struct sg_table *sgt;
	struct dmb_check_map *token;	/* the checker's shadow of this mapping */
	uint64_t key;			/* (uint32_t)dir | BUF_MAP_* */
};

static inline enum dma_data_direction
buf_mapping_dir(const struct dma_buf_mapping *m)
{
	return (enum dma_data_direction)(int32_t)(uint32_t)m->key;
}

struct dma_buf_attachment {
	unsigned int obj_state;				/* DMB_OBJ_*: quarantine-private.h */
	struct dma_buf *dmabuf;				/* const */
	struct dma_buf_mapping slot;			/* resv: the inline record */
	struct device *dev;				/* const */
	const struct dma_buf_attach_ops *importer_ops;	/* const */
	void *importer_priv;				/* const */
	bool peer2peer;					/* const */
	struct dmb_list_head node;			/* resv: on dmabuf->attachments */
	void *priv;					/* resv: the exporter's */
	unsigned int pin_count;				/* resv: explicit dma_buf_pin() */
	bool force_revoked;				/* resv: mappings torn down by force */
	struct dma_buf_mapping *mappings;		/* resv: the other live mappings */
	unsigned int nr_records;			/* resv: in @mappings */
	unsigned int max_mappings;			/* resv */
	struct dmb_check_names *names;			/* const: who, for tokens */
	struct dmb_check_map *spare;			/* resv: token to recycle */
	int64_t unmap_latency_ns;			/* resv: last invalidate -> unmap */
};

struct dma_buf {
	unsigned int obj_state;				/* DMB_OBJ_*: quarantine-private.h */
	struct dmb_kref refcount;
	size_t size;					/* const */
	const struct dma_buf_ops *ops;			/* const */
	void *priv;					/* const */
	const char *exp_name;				/* const */
	struct dma_resv *resv;				/* const */
	struct dmb_list_head attachments;		/* resv */
	atomic_bool revoked;				/* atomic; written under resv */
	/*
	 * Live mappings over all attachments, kept by the core itself (map,
	 * unmap, forced teardown), so a revoke can check the exporter's own
	 * count against it; @idle_waiter is the revoke helper waiting for it
	 * to reach zero, if any.
	 */
	unsigned int nr_mappings;			/* resv */
	struct dmb_revocable *idle_waiter;		/* resv */
	/*
	 * Callouts made under the resv lock in progress (depth), plus
	 * BUF_RELEASE_DEFERRED once a callback dropped the last reference:
	 * the release then runs when the outermost callout ends.
	 */
	unsigned int callouts;				/* resv */
	unsigned int vmap_count;			/* resv */
	void *vmap_ptr;					/* resv */
	struct dmb_list_head node;			/* on the live list, its lock */
	pthread_mutex_t name_lock;
	/*
	 * Names are immutable strings: set_name publishes a new one and keeps
	 * the old ones until release, so a name read anywhere (a report made
	 * under some other lock) stays valid while the buffer lives.
	 */
	_Atomic(const char *) name;			/* atomic: the current one */
	struct dma_buf_name *names;			/* name_lock: all of them */
	struct dma_resv own_resv;			/* used when none was given */
};

/* Does @attach's inline record hold a mapping? Resv held. */
static inline bool dma_buf_slot_live(const struct dma_buf_attachment *attach)
{
	return !(attach->slot.key & BUF_MAP_VACANT);
}

/* How many live mappings @attach has, inline and in the array. Resv held. */
static inline unsigned int
dma_buf_attachment_nr_mappings(const struct dma_buf_attachment *attach)
{
	return attach->nr_records + dma_buf_slot_live(attach);
}

/*
 * dma_buf_mark_revoked - tell the core the buffer is (no longer) revoked, so
 * it can catch an exporter that hands out a mapping anyway (V3).
 * Context: resv lock held.
 */
void dma_buf_mark_revoked(struct dma_buf *dmabuf, bool revoked);

/*
 * dmb_revocable_core_idle - the core's count of live mappings of the buffer
 * @rev revokes reached zero while @rev waits for it (dma_buf.idle_waiter).
 * Context: resv lock held.
 */
void dmb_revocable_core_idle(struct dmb_revocable *rev);

/*
 * dma_buf_hold, dma_buf_unhold - keep @dmabuf alive across a call out to
 * exporter or importer code, which may drop what was the caller's last
 * reference (drivers do, from invalidate_mappings): the release then runs
 * at the unhold, once nothing of the core stands on the buffer any more.
 * Context: any; the caller has a reference, or holds the resv lock of a
 * buffer that is not released.
 */
void dma_buf_hold(struct dma_buf *dmabuf);
void dma_buf_unhold(struct dma_buf *dmabuf);

/*
 * dma_buf_force_unmap - tear down every live mapping of @attach through the
 * exporter's unmap op, mark the attachment force-revoked, and return how
 * many mappings went. Context: resv lock held.
 */
unsigned int dma_buf_force_unmap(struct dma_buf_attachment *attach);

/*
 * dma_buf_lock_self - take @dmabuf's resv lock for @call, which takes it
 * itself. A caller that already holds it broke that call's rule: reported
 * and refused (docs/locking.md), as a locked call made without the lock is.
 * Return: 0 with the lock taken (the caller drops it), or -EINVAL.
 */
int dma_buf_lock_self(struct dma_buf *dmabuf, const char *call);

/* dma_buf_attachment_subject - who @attach is, for checker reports */
void dma_buf_attachment_subject(struct dma_buf_attachment *attach,
				struct dmb_check_subject *who);

/* dma_buf_subject - who @dmabuf is (no importer), for checker reports */
void dma_buf_subject(struct dma_buf *dmabuf, struct dmb_check_subject *who);

#endif /* DMABUF_BUF_PRIVATE_H */
