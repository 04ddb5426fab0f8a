/* SPDX-License-Identifier: MIT */
/*
 * dma-buf-revoke-private.h - what the revoke helper does with importers
 * it cannot trust, inside libdmabuf (the ipc layer: an importer in another
 * process may hang, lie or never signal its fences).
 *
 * Once bound ops are set, every revoke's waits are bounded whatever the
 * wait policy
 * (at the policy's bounds, 0 meaning the checker's): at the fence bound,
 * each pending fence the exporter can end is ended and reported (V7); at
 * the unmap bound (less the cut reserve, below, for a wait in real time),
 * each attachment still mapped that the exporter can cut
 * off is cut off and reported (V6 if revocable, a notice if not), and the
 * revoke tears its mappings down itself at once (dma_buf_force_unmap(),
 * as DEADLINE_FORCE does), so they count in dmb_revoke_stats.forced and
 * the revoke goes straight on to take the memory back. What the ops cannot
 * end is handled by the policy as without them.
 *
 * Locking: end_fence and cut_off run in the revoking thread with the resv
 * lock held and must not take it, nor wait for anything that needs it;
 * wait_unmapped runs in the revoking thread with op_lock held and no resv
 * lock. The ops are set once (an atomic pointer) and never change after.
 */
#ifndef DMABUF_BUF_REVOKE_PRIVATE_H
#define DMABUF_BUF_REVOKE_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include <dmabuf/completion.h>
#include <dmabuf/dma-buf-revoke.h>

/*
 * struct dmb_revoke_bound_ops - the exporter's hands at the revoke's bounds
 * @end_fence: @fence has not signalled by the fence bound: signal it with
 *	an error if it is an untrusted importer's; true if it did
 * @cut_off: @attach still maps the buffer at the unmap bound: cut its
 *	importer off if it is an untrusted one; true if it did. The revoke
 *	then tears @attach's mappings down; from then on the cut importer
 *	can map no more, and whoever later tears it down must not unmap the
 *	mappings it had (they are gone: a second unmap would be V8).
 * @wait_unmapped: step 6's wait in real time, up to @timeout_ns (finite),
 *	for @done, reading in this thread what @dmabuf's untrusted
 *	importers send meanwhile (their unmaps complete @done right here,
 *	one wake-up less than through a dispatcher thread); @wake_fd, a
 *	non-blocking eventfd, becomes readable when @done may have completed
 *	in another thread (a local importer's unmap), and the op empties it.
 *	Return: 1 if @done completed, 0 at the timeout, -EAGAIN if it has
 *	nothing to read (the helper then sleeps on @done for the time left).
 *	Runs without the resv lock (the unmaps it handles take it). The
 *	bounds and the cuts stay the helper's: the op only waits.
 */
struct dmb_revoke_bound_ops {
	bool (*end_fence)(struct dma_fence *fence);
	bool (*cut_off)(struct dma_buf_attachment *attach);
	int (*wait_unmapped)(struct dma_buf *dmabuf, struct dmb_completion *done,
			     int wake_fd, int64_t timeout_ns);
};

/*
 * dmb_revoke_set_bound_ops - the bound ops of every revoke helper, for
 * any exporter whose buffers are shared with other processes (the ipc
 * layer sets its own when a buffer is first shared, dma_buf_fd())
 * Context: any thread; @ops is static and the same at every call.
 */
void dmb_revoke_set_bound_ops(const struct dmb_revoke_bound_ops *ops);

/*
 * The cut reserve (dma-buf-revoke-reserve.c): once bound ops are set, a
 * revoke waiting in real time cuts importer processes off at its unmap
 * bound minus (at least) dmb_revoke_reserve_ns(bound), so that taking the
 * memory back ends by the bound. The reserve is the costliest of the last
 * cuts plus a quarter, never more than half the bound; 0 for no bound.
 *
 * dmb_revoke_reserve_note - a cut cost @cost ns so far, from the moment it
 *	was due (the helper's figure); Return: its slot in the window
 * dmb_revoke_reserve_raise - the same cut, in @slot, cost @cost in all
 *	(the exporter's take-back included); only ever raises the figure
 * dmb_revoke_reserve_reset - back to the starting estimate (tests)
 *
 * Context: any thread, no lock (atomics).
 */
int64_t dmb_revoke_reserve_ns(int64_t bound);
unsigned int dmb_revoke_reserve_note(int64_t cost);
void dmb_revoke_reserve_raise(unsigned int slot, int64_t cost);
void dmb_revoke_reserve_reset(void);

#endif /* DMABUF_BUF_REVOKE_PRIVATE_H */
