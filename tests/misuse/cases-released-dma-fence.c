// SPDX-License-Identifier: MIT
/*
 * cases-released-dma-fence.c - the fence functions of dma-fence.h called
 * with a fence the library freed (its ops have no .release) after its last
 * dma_fence_put(): the release quarantine keeps it poisoned, so each call
 * must report the use with the releaser and refuse it as it refuses NULL.
 *
 * Not here, as the README's limits of the quarantine say: a driver's fence
 * with its own ops->release is the driver's memory and is not kept (a use
 * of it is a plain use after free), and dma_fence_init()/init64() take
 * memory that is not a fence yet. The static inlines of dma-fence.h
 * (dmb_fence_lock(), dmb_fence_unlock(), dmb_fence_lock_held(),
 * dma_fence_test_flag(), dma_fence_test_signaled_flag()) are compiled into
 * the caller and cannot see the quarantine's private state word: they are
 * covered with NULL in cases-dma-fence.c only.
 */
#include <stdio.h>
#include <stdlib.h>

#include <dmabuf/dma-fence.h>

#include "misuse.h"

static const char *rf_name(struct dma_fence *fence)
{
	return "released";
}

/* No .release: the library frees the fence, through the quarantine. */
static const struct dma_fence_ops rf_ops = {
	.get_driver_name = rf_name,
	.get_timeline_name = rf_name,
};

static void nop_cb(struct dma_fence *fence, struct dma_fence_cb *cb)
{
}

static struct dma_fence *live_fence(uint64_t context)
{
	struct dma_fence *fence = malloc(sizeof(*fence));

	if (!fence)
		abort();
	dma_fence_init(fence, &rf_ops, NULL, context, 1);
	return fence;
}

/* A signaled fence of @context after its last put: quarantined, poisoned. */
static struct dma_fence *released_on(uint64_t context)
{
	struct dma_fence *fence = live_fence(context);

	dma_fence_signal(fence);
	dma_fence_put(fence);
	return fence;
}

static struct dma_fence *released(void)
{
	return released_on(dma_fence_context_alloc(1));
}

MISUSE_CASE(dma_fence_get, released, MISUSE_REPORTED)
{
	return dma_fence_get(released()) == NULL;
}

MISUSE_CASE(dma_fence_get_unless_zero, released, MISUSE_REPORTED)
{
	return dma_fence_get_unless_zero(released()) == NULL;
}

MISUSE_CASE(dma_fence_put, released, MISUSE_REPORTED)
{
	dma_fence_put(released());
	return true;
}

MISUSE_CASE(dma_fence_signal, released, MISUSE_REPORTED)
{
	return dma_fence_signal(released()) == -EINVAL;
}

MISUSE_CASE(dma_fence_signal_locked, released, MISUSE_REPORTED)
{
	return dma_fence_signal_locked(released()) == -EINVAL;
}

MISUSE_CASE(dma_fence_signal_timestamp, released, MISUSE_REPORTED)
{
	return dma_fence_signal_timestamp(released(), 1) == -EINVAL;
}

MISUSE_CASE(dma_fence_check_and_signal, released, MISUSE_REPORTED)
{
	return dma_fence_check_and_signal(released());
}

MISUSE_CASE(dma_fence_check_and_signal_locked, released, MISUSE_REPORTED)
{
	return dma_fence_check_and_signal_locked(released());
}

MISUSE_CASE(dma_fence_set_error, released, MISUSE_REPORTED)
{
	dma_fence_set_error(released(), -EIO);
	return true;
}

MISUSE_CASE(dma_fence_set_error_locked, released, MISUSE_REPORTED)
{
	dma_fence_set_error_locked(released(), -EIO);
	return true;
}

MISUSE_CASE(dma_fence_get_status, released, MISUSE_REPORTED)
{
	return dma_fence_get_status(released()) == -EINVAL;
}

MISUSE_CASE(dma_fence_get_status_locked, released, MISUSE_REPORTED)
{
	return dma_fence_get_status_locked(released()) == -EINVAL;
}

MISUSE_CASE(dma_fence_is_signaled, released, MISUSE_REPORTED)
{
	return dma_fence_is_signaled(released());
}

MISUSE_CASE(dma_fence_is_signaled_locked, released, MISUSE_REPORTED)
{
	return dma_fence_is_signaled_locked(released());
}

MISUSE_CASE(dma_fence_add_callback, released, MISUSE_REPORTED)
{
	static struct dma_fence_cb cb;

	return dma_fence_add_callback(released(), &cb, nop_cb) == -EINVAL;
}

MISUSE_CASE(dma_fence_remove_callback, released, MISUSE_REPORTED)
{
	static struct dma_fence_cb cb;

	return !dma_fence_remove_callback(released(), &cb);
}

MISUSE_CASE(dma_fence_enable_sw_signaling, released, MISUSE_REPORTED)
{
	dma_fence_enable_sw_signaling(released());
	return true;
}

MISUSE_CASE(dma_fence_wait_timeout, released, MISUSE_REPORTED)
{
	return dma_fence_wait_timeout(released(), 1) == -EINVAL;
}

MISUSE_CASE(dma_fence_wait, released, MISUSE_REPORTED)
{
	return dma_fence_wait(released()) == -EINVAL;
}

MISUSE_CASE(dmb_fence_wait_timeout, released, MISUSE_REPORTED)
{
	return dmb_fence_wait_timeout(released(), true, 1) == -EINVAL;
}

MISUSE_CASE(dmb_fence_wait, released, MISUSE_REPORTED)
{
	return dmb_fence_wait(released(), true) == -EINVAL;
}

MISUSE_CASE(dma_fence_wait_any_timeout, released, MISUSE_REPORTED)
{
	struct dma_fence *fences[] = { released() };

	return dma_fence_wait_any_timeout(fences, 1, 1, NULL) == -EINVAL;
}

MISUSE_CASE(dma_fence_is_later, released, MISUSE_REPORTED)
{
	/* Same timeline: only the release can refuse the compare. */
	uint64_t context = dma_fence_context_alloc(1);

	return !dma_fence_is_later(released_on(context), live_fence(context));
}

MISUSE_CASE(dma_fence_is_later_or_same, released, MISUSE_REPORTED)
{
	uint64_t context = dma_fence_context_alloc(1);

	return !dma_fence_is_later_or_same(live_fence(context), released_on(context));
}

MISUSE_CASE(dma_fence_later, released, MISUSE_REPORTED)
{
	uint64_t context = dma_fence_context_alloc(1);

	return dma_fence_later(live_fence(context), released_on(context)) == NULL;
}

MISUSE_CASE(dma_fence_timestamp, released, MISUSE_REPORTED)
{
	return dma_fence_timestamp(released()) > 0;
}

MISUSE_CASE(dma_fence_set_deadline, released, MISUSE_REPORTED)
{
	dma_fence_set_deadline(released(), 1);
	return true;
}

MISUSE_CASE(dma_fence_describe, released, MISUSE_REPORTED)
{
	dma_fence_describe(released(), stdout);
	return true;
}

MISUSE_CASE(dma_fence_driver_name, released, MISUSE_REPORTED)
{
	return dma_fence_driver_name(released()) == NULL && errno == EINVAL;
}

MISUSE_CASE(dma_fence_timeline_name, released, MISUSE_REPORTED)
{
	return dma_fence_timeline_name(released()) == NULL && errno == EINVAL;
}
