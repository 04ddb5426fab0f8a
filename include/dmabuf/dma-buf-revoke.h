/* SPDX-License-Identifier: MIT */
/*
 * dma-buf-revoke.h - the exporter-side revoke helper.
 *
 * Any exporter that must be able to take its memory back (a PCI function
 * being reset, a device being closed) creates one dmb_revocable per buffer
 * and calls it from its ops:
 *
 *	attach op:	ret = dmb_revocable_attach(rev, attach, flags);
 *	map op:		ret = dmb_revocable_map(rev);      (then build the table)
 *	unmap op:	dmb_revocable_unmap(rev);          (after freeing it)
 *
 * and revokes with dmb_revocable_revoke(), which runs the full sequence:
 *
 *	1. take the resv lock;
 *	2. mark the buffer revoked: attach and map now fail with -ENODEV (the
 *	   attach check runs without the resv lock, as the kernel's attach op
 *	   does, so an attach racing this step may still succeed; the map
 *	   check, made under the lock, is the one that holds);
 *	3. dma_buf_invalidate_mappings();
 *	4. wait for every fence (DMA_RESV_USAGE_BOOKKEEP);
 *	5. drop the resv lock;
 *	6. wait until every mapping handed out was unmapped: a count that each
 *	   map raises and each unmap lowers, and a completion at zero.
 *
 * When it returns no importer touches the memory any more. The core keeps
 * its own count of the buffer's live mappings and step 6 checks the two: an
 * unmap op that calls dmb_revocable_unmap() once too often is reported and
 * refused when the count would go below its base, and if it went unnoticed
 * there (other mappings were counted), the revoke reports it and waits for
 * the core's count to reach zero as well. Unrevoke re-arms
 * the count and the completion *before* clearing "revoked" under the lock, so
 * a map racing with it can never count into a finished round. Revoking a
 * buffer that is already revoked returns at once: it neither lowers the
 * count a second time nor waits on a completion that already fired.
 *
 * The waits of steps 4 and 6 are bounded only if every attachment is
 * revocable; the wait policy says what happens at the bound:
 *
 *  - DMB_REVOKE_WAIT: wait, silently, as the merged kernel code does.
 *  - DMB_REVOKE_WARN_THEN_WAIT (default): at the bound, report every
 *    revocable attachment still mapped (V6, "broken invalidate_mappings"),
 *    every pinned one as a notice, and every pending fence (V7); then keep
 *    waiting, because memory still mapped must never be reused.
 *  - DMB_REVOKE_DEADLINE_FORCE (a libdmabuf extension, not kernel
 *    behaviour): at the bound, report as above, then tear the remaining
 *    mappings down through the exporter's unmap op and mark those
 *    attachments force-revoked; a later unmap by the importer is reported.
 *    Fences cannot be forced: the fence wait stays warn-then-wait.
 *
 * Importers in other processes (dmb-ipc.h, docs/ipc.md) are bounded
 * whatever the policy, once the program shared a buffer (dma_buf_fd()):
 * at the fence bound their pending job fences end with -ETIMEDOUT (V7), at
 * the unmap bound each one still mapped is cut off as if its process had
 * died (V6 naming "name[pid]"), and its mappings count in @forced; the
 * exporter then takes the pages back (a memfd is truncated), so memory
 * safety does not depend on the peer. The policy above applies to local
 * importers. Cutting a peer off and taking the pages back take time, so
 * a revoke waiting in real time cuts importer processes off a little
 * before the unmap bound: at the bound minus the cut reserve, what the
 * last cuts cost until the memory was back (dmb_revocable_taken_back()),
 * never more than half the bound. A hung importer process thus delays the
 * revoke by the bound, not by the bound and the cut; local importers get
 * the whole bound.
 *
 * Locking: attach/map/unmap are called from exporter ops, i.e. with the resv
 * lock held. revoke, unrevoke and destroy take it and must be called without
 * it. is_revoked may be called either way (it reads an atomic).
 */
#ifndef DMABUF_DMA_BUF_REVOKE_H
#define DMABUF_DMA_BUF_REVOKE_H

#include <stdbool.h>
#include <stdint.h>
#include <dmabuf/compiler.h>
#include <dmabuf/dma-buf.h>

DMB_BEGIN_DECLS

enum dmb_revoke_wait {
	DMB_REVOKE_WARN_THEN_WAIT,
	DMB_REVOKE_WAIT,
	DMB_REVOKE_DEADLINE_FORCE,
};

/**
 * struct dmb_revoke_policy - what revoke does at the bound
 * @wait: the policy above
 * @unmap_bound_ns: bound for step 6; 0 takes the checker's unmap bound
 * @fence_bound_ns: bound for step 4; 0 takes the checker's fence bound
 */
struct dmb_revoke_policy {
	enum dmb_revoke_wait wait;
	int64_t unmap_bound_ns;
	int64_t fence_bound_ns;
};

/**
 * struct dmb_revoke_stats - what one revoke did, for measurement; times are
 * on the checker's clock (check.h): real time, unless the program gave the
 * checker a virtual clock, whose time they are then in. The bounds of the
 * wait policy are real time, except for a revoke run by an actor of a
 * virtual clock (clock.h), which waits them on that clock
 * @invalidate_ns: step 3
 * @fence_wait_ns: step 4
 * @unmap_wait_ns: step 6
 * @total_ns: steps 1-6
 * @warnings: reports raised at the bounds
 * @forced: mappings torn down by DEADLINE_FORCE, or taken back from an
 *	importer process cut off at the bound (dmb-ipc.h)
 * @forced_fences: fences of importer processes ended with -ETIMEDOUT at
 *	the fence bound (dmb-ipc.h)
 * @cut_reserve_ns: of the unmap bound, the part kept for cutting importer
 *	processes off and taking the memory back, so that both end by the
 *	bound (see above); 0 when no importer process could map
 * @already_revoked: the buffer was revoked before; nothing was done
 */
struct dmb_revoke_stats {
	int64_t invalidate_ns;
	int64_t fence_wait_ns;
	int64_t unmap_wait_ns;
	int64_t total_ns;
	unsigned int warnings;
	unsigned int forced;
	unsigned int forced_fences;
	int64_t cut_reserve_ns;
	bool already_revoked;
};

/* Flags for dmb_revocable_attach(). */
#define DMB_REVOCABLE_REQUIRE_REVOCABLE	(1u << 0)	/* -EOPNOTSUPP otherwise (R10) */
#define DMB_REVOCABLE_REQUIRE_P2P	(1u << 1)	/* -EOPNOTSUPP unless peer-to-peer */

struct dmb_revocable;

/**
 * dmb_revocable_create - a revoke helper for @dmabuf
 * @policy: the wait policy, or NULL for warn-then-wait at the checker bounds
 *
 * Context: any thread; takes no lock.
 * Return: the helper, or NULL with errno (EINVAL, ENOMEM).
 */
struct dmb_revocable *dmb_revocable_create(struct dma_buf *dmabuf,
					   const struct dmb_revoke_policy *policy);

/**
 * dmb_revocable_destroy - free the helper; typically from the release op
 *
 * In debug mode the helper goes to the release quarantine (check.h): a
 * second destroy, or any call on it, is reported and refused.
 * Context: no mapping may be live.
 */
void dmb_revocable_destroy(struct dmb_revocable *rev);

/**
 * dmb_revocable_set_policy - change the wait policy.
 *
 * Context: the buffer's resv lock not held (the call takes it; refused with
 *	-EINVAL if held).
 * Return: 0 or -EINVAL.
 */
int dmb_revocable_set_policy(struct dmb_revocable *rev,
			     const struct dmb_revoke_policy *policy);

/**
 * dmb_revocable_attach - the revoke-related attach checks
 *
 * The revoked answer is advisory: it is read without the resv lock and may
 * be stale by the time the attachment goes live; dmb_revocable_map() checks
 * again under the lock.
 * Context: the exporter's attach op, which runs without the resv lock (the
 * lock may be held; the call needs none).
 * Return: 0; -ENODEV while revoked; -EOPNOTSUPP for a non-revocable (with
 * DMB_REVOCABLE_REQUIRE_REVOCABLE) or non-peer-to-peer (with
 * DMB_REVOCABLE_REQUIRE_P2P) attachment.
 */
int dmb_revocable_attach(struct dmb_revocable *rev,
			 struct dma_buf_attachment *attach, unsigned int flags);

/**
 * dmb_revocable_map - count a mapping about to be handed out
 *
 * Context: resv lock held (from the exporter's map op).
 * Return: 0, or -ENODEV while revoked (nothing counted).
 */
int dmb_revocable_map(struct dmb_revocable *rev);

/**
 * dmb_revocable_unmap - a mapping was taken back (from the unmap op)
 *
 * Context: the buffer's resv lock held (the exporter's unmap op); refused
 *	without it.
 */
void dmb_revocable_unmap(struct dmb_revocable *rev);

/**
 * dmb_revocable_revoke - run the full revoke sequence (see above)
 * @stats: if not NULL, receives what the revoke did
 *
 * Context: may sleep; must not hold the resv lock.
 * Return: 0 (also when already revoked), -EINVAL on misuse.
 */
int dmb_revocable_revoke(struct dmb_revocable *rev, struct dmb_revoke_stats *stats);

/**
 * dmb_revocable_taken_back - the exporter took the memory back after a
 * revoke (unmapped its own views, truncated what other processes map)
 *
 * Optional. When a revoke had to cut importer processes off, the helper
 * learns how long that took until the memory was back, and keeps that much
 * of later revokes' unmap bound for it (@cut_reserve_ns in the stats);
 * without this call it learns only its own part. A call after a revoke
 * that cut nobody off, or a second one, does nothing.
 * Context: any thread, no lock needed; after dmb_revocable_revoke()
 *	returned.
 */
void dmb_revocable_taken_back(struct dmb_revocable *rev);

/**
 * dmb_revocable_unrevoke - allow attach and map again
 *
 * Context: must not hold the resv lock. Return: 0 (also when not revoked).
 */
int dmb_revocable_unrevoke(struct dmb_revocable *rev);

/**
 * dmb_revocable_is_revoked - true between revoke and unrevoke
 *
 * Context: any thread, no lock (a snapshot).
 */
bool dmb_revocable_is_revoked(struct dmb_revocable *rev);

/**
 * dmb_revocable_mappings - mappings counted and not yet unmapped
 *
 * Context: the buffer's resv lock not held (the call takes it; refused, 0, if
 *	held).
 */
unsigned int dmb_revocable_mappings(struct dmb_revocable *rev);

DMB_END_DECLS

#endif /* DMABUF_DMA_BUF_REVOKE_H */
