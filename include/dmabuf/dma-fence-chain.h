/* SPDX-License-Identifier: MIT */
/*
 * dma-fence-chain.h - timeline points: fences linked into a chain, each
 * standing for its own fence and every earlier point.
 *
 * A chain node wraps one fence (the "contained" fence) at a seqno of a
 * timeline and points at the previous node (or at any fence). It signals
 * once its own fence and every fence before it in the chain have signaled,
 * so the head of a chain stands for the whole timeline up to its seqno: a
 * syncobj timeline in the kernel. Nodes of one timeline share a context and
 * compare seqnos on 64 bits (dma_fence_init64()).
 *
 * Walking (dma_fence_chain_walk(), dma_fence_chain_for_each()) goes from a
 * node to earlier ones and unlinks nodes whose fence has signaled on the
 * way, so chains do not grow without bound. dma_fence_chain_find_seqno()
 * finds the node that covers a seqno.
 *
 * As in the kernel, a chain learns of its fences one at a time: its
 * callback on one contained fence queues deferred work (irq_work.h), which
 * moves on to the next pending fence or signals the chain. A chain is
 * therefore signaled shortly after its last fence, in the deferred-work
 * thread; dma_fence_is_signaled() on it polls every contained fence and is
 * true at once.
 *
 * Locking: each node has its own fence lock, and an internal leaf lock that
 * protects its link to the previous node (the kernel's RCU pointer). A
 * node's enable_signaling and signaled ops take the locks of contained
 * fences under the node's fence lock (order: chain node, then contained
 * fence). Nodes are reference counted like any fence; a node holds a
 * reference on its previous node and on its contained fence.
 */
#ifndef DMABUF_DMA_FENCE_CHAIN_H
#define DMABUF_DMA_FENCE_CHAIN_H

#include <stdbool.h>
#include <stdint.h>
#include <dmabuf/compiler.h>
#include <dmabuf/dma-fence.h>

DMB_BEGIN_DECLS

struct dma_fence_chain;

/**
 * dma_fence_chain_alloc - memory for one chain node, to be initialised with
 * dma_fence_chain_init() (allocated first so that the init cannot fail)
 *
 * Context: any thread. Return: the node, or NULL with errno ENOMEM.
 */
struct dma_fence_chain *dma_fence_chain_alloc(void);

/**
 * dma_fence_chain_free - free a node that was never initialised (once
 * initialised, a node goes with its last dma_fence_put())
 *
 * Context: any thread.
 */
void dma_fence_chain_free(struct dma_fence_chain *chain);

/**
 * dma_fence_chain_init - make @chain the point @seqno after @prev, for @fence
 * @chain: from dma_fence_chain_alloc()
 * @prev: the previous point (usually a chain node); the reference passes to
 *	@chain. NULL starts a new timeline (a libdmabuf convenience; the
 *	kernel passes a stub fence)
 * @fence: the work of this point; the reference passes to @chain
 * @seqno: the point's seqno
 *
 * If @prev is a chain node and @seqno is later than @prev's, @chain joins
 * @prev's timeline (same context). Otherwise it starts a new timeline, at
 * the larger of the two seqnos, as in the kernel. @fence is then
 * dma_fence_chain_contained() of the node, and the node itself is a fence:
 * dma_fence_chain_base(@chain) is it, with one reference.
 * Context: any thread; @chain is not yet shared.
 */
void dma_fence_chain_init(struct dma_fence_chain *chain, struct dma_fence *prev,
			  struct dma_fence *fence, uint64_t seqno);

/**
 * dma_fence_chain_base - the fence that is @chain
 *
 * Context: any thread. Return: the fence; never NULL for a valid @chain
 * (NULL with errno EINVAL, reported, for a NULL @chain).
 */
struct dma_fence *dma_fence_chain_base(struct dma_fence_chain *chain);

/**
 * to_dma_fence_chain - @fence as a chain node
 *
 * Context: any thread. Return: the node, or NULL if @fence is not one
 * (NULL included, not reported: the kernel's accepts NULL too).
 */
struct dma_fence_chain *to_dma_fence_chain(struct dma_fence *fence);

/**
 * dma_fence_is_chain - true if @fence is a chain node; false, reported, for
 * a NULL @fence
 *
 * Context: any thread.
 */
bool dma_fence_is_chain(struct dma_fence *fence);

/**
 * dma_fence_is_container - true if @fence is a chain node or a fence array
 *
 * A NULL @fence is reported and is no container (false).
 * Context: any thread.
 */
bool dma_fence_is_container(struct dma_fence *fence);

/**
 * dma_fence_chain_contained - the fence a chain node wraps, or @fence itself
 * when it is not a chain node (no reference taken); NULL for NULL, as in
 * the kernel
 *
 * Context: any thread, while the caller holds a reference on @fence.
 */
struct dma_fence *dma_fence_chain_contained(struct dma_fence *fence);

/**
 * dma_fence_chain_walk - step from @fence to the previous point that is
 * still pending
 * @fence: a chain node; the caller's reference on it is consumed
 *
 * Nodes whose contained fence has signaled are unlinked on the way (garbage
 * collection, as in the kernel).
 * Context: any thread; takes fence locks to poll them.
 * Return: a new reference to the previous pending point (a node, or the
 * fence a chain started from), or NULL at the end of the chain or when
 * @fence is not a chain node.
 */
struct dma_fence *dma_fence_chain_walk(struct dma_fence *fence);

/**
 * dma_fence_chain_for_each - visit @head and every earlier pending point
 * @iter: a struct dma_fence * holding the current point (a reference,
 *	dropped by the next step; put it yourself if you leave the loop early)
 * @head: where to start (a reference is taken on it)
 *
 * Context: any thread; must not hold fence locks of the chain (it polls).
 */
#define dma_fence_chain_for_each(iter, head)				\
	for ((iter) = dma_fence_get(head); (iter);			\
	     (iter) = dma_fence_chain_walk(iter))

/**
 * dma_fence_chain_find_seqno - find the point of a chain that covers @seqno
 * @pfence: in: a chain node (its reference is consumed); out: a reference to
 *	the node whose range of seqnos includes @seqno, or NULL if every
 *	point up to @seqno has signaled
 * @seqno: the seqno to find; 0 leaves *@pfence as it is
 *
 * Context: any thread; takes fence locks to poll them.
 * Return: 0, or -EINVAL if *@pfence is not a chain node or its seqno is
 * lower than @seqno (the point does not exist yet); *@pfence is then
 * unchanged.
 */
int dma_fence_chain_find_seqno(struct dma_fence **pfence, uint64_t seqno);

DMB_END_DECLS

#endif /* DMABUF_DMA_FENCE_CHAIN_H */
