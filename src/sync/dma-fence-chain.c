// SPDX-License-Identifier: MIT
/*
 * dma-fence-chain.c - timeline points (contract in
 * include/dmabuf/dma-fence-chain.h).
 *
 * A node signals when its contained fence and every earlier one have. It
 * watches them one at a time with a single callback: enable_signaling walks
 * from the node itself towards older points and registers on the first
 * contained fence still pending. When that one signals, the callback (which
 * runs under that fence's lock, where taking the locks of other fences is
 * not allowed) only queues deferred work; the work walks again, registers
 * on the next pending fence, or, with none left, signals the node.
 *
 * Locking: @prev_lock protects @prev, the link to the previous point: the
 * walk takes a reference on it under the lock, and unlinks a signaled point
 * with a compare-and-replace under it, so a reader never takes a reference
 * on a node that is being freed (the kernel gets this from RCU). It is a
 * leaf: nothing else is taken under it. The node's fence lock is the inline
 * one; its ops take contained fences' locks under it. The callback and the
 * deferred work each hold a reference on the node.
 */
#include <errno.h>
#include <stdlib.h>

#include <dmabuf/diag.h>
#include <dmabuf/dma-fence-array.h>
#include <dmabuf/dma-fence-chain.h>
#include <dmabuf/irq_work.h>

struct dma_fence_chain {
	struct dma_fence base;
	struct dma_fence *prev;		/* prev_lock; a reference */
	uint64_t prev_seqno;		/* const after init */
	struct dma_fence *fence;	/* const after init; a reference */
	struct dma_fence_cb cb;		/* on one contained fence at a time */
	struct dmb_irq_work work;
	pthread_mutex_t prev_lock;
};

static const struct dma_fence_ops dma_fence_chain_ops;

struct dma_fence_chain *to_dma_fence_chain(struct dma_fence *fence)
{
	if (!fence || fence->ops != &dma_fence_chain_ops)
		return NULL;
	return dmb_container_of(fence, struct dma_fence_chain, base);
}

bool dma_fence_is_chain(struct dma_fence *fence)
{
	if (DMB_WARN(!fence, "dma_fence_is_chain(NULL)"))
		return false;
	return to_dma_fence_chain(fence) != NULL;
}

bool dma_fence_is_container(struct dma_fence *fence)
{
	if (DMB_WARN(!fence, "dma_fence_is_container(NULL)"))
		return false;
	return dma_fence_is_array(fence) || dma_fence_is_chain(fence);
}

struct dma_fence *dma_fence_chain_contained(struct dma_fence *fence)
{
	struct dma_fence_chain *chain = to_dma_fence_chain(fence);

	return chain ? chain->fence : fence;
}

struct dma_fence *dma_fence_chain_base(struct dma_fence_chain *chain)
{
	if (DMB_WARN(!chain, "dma_fence_chain_base(NULL)")) {
		errno = EINVAL;
		return NULL;
	}
	return &chain->base;
}

/* A reference to @chain's previous point, or NULL. */
static struct dma_fence *chain_get_prev(struct dma_fence_chain *chain)
{
	struct dma_fence *prev;

	pthread_mutex_lock(&chain->prev_lock);
	prev = dma_fence_get(chain->prev);
	pthread_mutex_unlock(&chain->prev_lock);
	return prev;
}

/*
 * Unlink @prev from @chain, linking @replacement (a reference, consumed)
 * instead, unless another walk changed the link first.
 */
static void chain_replace_prev(struct dma_fence_chain *chain,
			       struct dma_fence *prev,
			       struct dma_fence *replacement)
{
	struct dma_fence *drop = replacement;

	pthread_mutex_lock(&chain->prev_lock);
	if (chain->prev == prev) {
		chain->prev = replacement;
		drop = prev;		/* the link's reference */
	}
	pthread_mutex_unlock(&chain->prev_lock);
	dma_fence_put(drop);
}

struct dma_fence *dma_fence_chain_walk(struct dma_fence *fence)
{
	struct dma_fence_chain *chain = to_dma_fence_chain(fence);
	struct dma_fence *prev, *replacement;

	if (!chain) {
		dma_fence_put(fence);
		return NULL;
	}
	while ((prev = chain_get_prev(chain))) {
		struct dma_fence_chain *prev_chain = to_dma_fence_chain(prev);

		if (prev_chain) {
			if (!dma_fence_is_signaled(prev_chain->fence))
				break;
			replacement = chain_get_prev(prev_chain);
		} else {
			if (!dma_fence_is_signaled(prev))
				break;
			replacement = NULL;
		}
		chain_replace_prev(chain, prev, replacement);
		dma_fence_put(prev);
	}
	dma_fence_put(fence);
	return prev;
}

int dma_fence_chain_find_seqno(struct dma_fence **pfence, uint64_t seqno)
{
	struct dma_fence_chain *chain;

	if (DMB_WARN(!pfence, "dma_fence_chain_find_seqno(NULL)"))
		return -EINVAL;
	if (DMB_WARN(!*pfence, "dma_fence_chain_find_seqno of a NULL fence"))
		return -EINVAL;
	if (!seqno)
		return 0;
	chain = to_dma_fence_chain(*pfence);
	if (!chain || chain->base.seqno < seqno)
		return -EINVAL;

	/* The walk consumes *pfence; the head is kept until the end. */
	dma_fence_chain_for_each(*pfence, &chain->base) {
		struct dma_fence_chain *at = to_dma_fence_chain(*pfence);

		if ((*pfence)->context != chain->base.context ||
		    !at || at->prev_seqno < seqno)
			break;
	}
	dma_fence_put(&chain->base);
	return 0;
}

static const char *chain_driver_name(struct dma_fence *fence)
{
	return "dma_fence_chain";
}

static const char *chain_timeline_name(struct dma_fence *fence)
{
	return "unbound";
}

static void chain_cb(struct dma_fence *f, struct dma_fence_cb *cb);

/*
 * Register @head's callback on the first pending contained fence, from
 * @head backwards. The callback holds a reference on @head.
 * Context: @head's fence lock held (enable_signaling) or no lock (the
 * deferred work). Return: true if registered, false if all have signaled.
 */
static bool chain_watch_next(struct dma_fence_chain *head)
{
	struct dma_fence *iter;

	dma_fence_get(&head->base);
	dma_fence_chain_for_each(iter, &head->base) {
		struct dma_fence *f = dma_fence_chain_contained(iter);

		if (!dma_fence_add_callback(f, &head->cb, chain_cb)) {
			dma_fence_put(iter);
			return true;
		}
	}
	/* Not the last reference: the caller holds one. */
	dma_fence_put(&head->base);
	return false;
}

/* Deferred work: move on to the next pending fence, or signal the node. */
static void chain_work(struct dmb_irq_work *work)
{
	struct dma_fence_chain *chain =
		dmb_container_of(work, struct dma_fence_chain, work);

	if (!chain_watch_next(chain))
		dma_fence_signal(&chain->base);
	dma_fence_put(&chain->base);	/* the callback's reference */
}

/* Under the contained fence's lock: nothing but queueing the work. */
static void chain_cb(struct dma_fence *f, struct dma_fence_cb *cb)
{
	struct dma_fence_chain *chain =
		dmb_container_of(cb, struct dma_fence_chain, cb);

	dmb_irq_work_queue(&chain->work);
}

static bool chain_enable_signaling(struct dma_fence *fence)
{
	return chain_watch_next(to_dma_fence_chain(fence));
}

/* Polled with the node's lock held: every contained fence, oldest last. */
static bool chain_signaled(struct dma_fence *fence)
{
	struct dma_fence *iter;

	dma_fence_chain_for_each(iter, fence) {
		if (!dma_fence_is_signaled(dma_fence_chain_contained(iter))) {
			dma_fence_put(iter);
			return false;
		}
	}
	return true;
}

static void chain_set_deadline(struct dma_fence *fence, int64_t deadline)
{
	struct dma_fence *iter;

	dma_fence_chain_for_each(iter, fence)
		dma_fence_set_deadline(dma_fence_chain_contained(iter), deadline);
}

/*
 * Unlink the older nodes only this one holds, one by one, instead of
 * letting each release the next: a long chain would otherwise recurse as
 * deep as it is long. Nobody else holds this node or those it unlinks, so
 * no lock is needed; the count is read with acquire ordering so that what
 * the other holders did under a node's prev_lock before their puts (a walk
 * reading its link) happens before this thread rewrites the link.
 */
static void chain_release(struct dma_fence *fence)
{
	struct dma_fence_chain *chain = to_dma_fence_chain(fence);
	struct dma_fence *prev;

	while ((prev = chain->prev) &&
	       dmb_kref_read_acquire(&prev->refcount) == 1) {
		struct dma_fence_chain *prev_chain = to_dma_fence_chain(prev);

		if (!prev_chain)
			break;
		chain->prev = prev_chain->prev;
		prev_chain->prev = NULL;
		dma_fence_put(prev);
	}
	dma_fence_put(chain->prev);
	dma_fence_put(chain->fence);
	pthread_mutex_destroy(&chain->prev_lock);
	free(chain);
}

static const struct dma_fence_ops dma_fence_chain_ops = {
	.get_driver_name = chain_driver_name,
	.get_timeline_name = chain_timeline_name,
	.enable_signaling = chain_enable_signaling,
	.signaled = chain_signaled,
	.release = chain_release,
	.set_deadline = chain_set_deadline,
};

struct dma_fence_chain *dma_fence_chain_alloc(void)
{
	struct dma_fence_chain *chain = calloc(1, sizeof(*chain));

	if (!chain)
		errno = ENOMEM;
	return chain;
}

void dma_fence_chain_free(struct dma_fence_chain *chain)
{
	free(chain);
}

void dma_fence_chain_init(struct dma_fence_chain *chain, struct dma_fence *prev,
			  struct dma_fence *fence, uint64_t seqno)
{
	struct dma_fence_chain *prev_chain = to_dma_fence_chain(prev);
	uint64_t context;

	if (DMB_WARN(!chain || !fence, "dma_fence_chain_init(%p, %p, %p)",
		     (void *)chain, (void *)prev, (void *)fence))
		return;
	pthread_mutex_init(&chain->prev_lock, NULL);
	chain->prev = prev;
	chain->fence = fence;
	dmb_init_irq_work(&chain->work, chain_work);

	/* Stay on the previous point's timeline if the seqno moves forward. */
	if (prev_chain && seqno > prev->seqno) {
		chain->prev_seqno = prev->seqno;
		context = prev->context;
	} else {
		chain->prev_seqno = 0;
		context = dma_fence_context_alloc(1);
		if (prev && prev->seqno > seqno)
			seqno = prev->seqno;
	}
	dma_fence_init64(&chain->base, &dma_fence_chain_ops, NULL, context,
			 seqno);
}
