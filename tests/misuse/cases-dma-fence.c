// SPDX-License-Identifier: MIT
/*
 * cases-dma-fence.c - misuse of dma-fence.h: every function with NULL for
 * each pointer argument, and the wrong states (a *_locked call without the
 * lock, a second signal, an error after the signal, a cb queued twice).
 */
#include <stdio.h>

#include <dmabuf/dma-fence.h>

#include "misuse.h"
#include "mock-fence.h"

static void nop_cb(struct dma_fence *fence, struct dma_fence_cb *cb)
{
}

static const struct dma_fence_ops named_ops;

MISUSE_CASE(dmb_fence_lock, null, MISUSE_REPORTED)
{
	dmb_fence_lock(NULL);
	return true;
}

MISUSE_CASE(dmb_fence_unlock, null, MISUSE_REPORTED)
{
	dmb_fence_unlock(NULL);
	return true;
}

MISUSE_CASE(dmb_fence_unlock, not_held, MISUSE_REPORTED)
{
	struct dma_fence *f = mock_fence();

	dmb_fence_unlock(f);
	return !dmb_fence_lock_held(f);
}

MISUSE_CASE(dmb_fence_lock_held, null, MISUSE_REPORTED)
{
	return !dmb_fence_lock_held(NULL);
}

MISUSE_CASE(dma_fence_context_alloc, zero, MISUSE_REPORTED)
{
	return dma_fence_context_alloc(0) != 0;
}

MISUSE_CASE(dma_fence_init, null_fence, MISUSE_REPORTED)
{
	dma_fence_init(NULL, &named_ops, NULL, 1, 1);
	return true;
}

MISUSE_CASE(dma_fence_init, null_ops, MISUSE_REPORTED)
{
	struct dma_fence f;

	dma_fence_init(&f, NULL, NULL, 1, 1);
	return dma_fence_driver_name(&f) != NULL;
}

MISUSE_CASE(dma_fence_init64, null_fence, MISUSE_REPORTED)
{
	dma_fence_init64(NULL, &named_ops, NULL, 1, 1);
	return true;
}

MISUSE_CASE(dma_fence_init64, null_ops, MISUSE_REPORTED)
{
	struct dma_fence f;

	dma_fence_init64(&f, NULL, NULL, 1, 1);
	return dma_fence_timeline_name(&f) != NULL;
}

MISUSE_CASE(dma_fence_get, null, MISUSE_SILENT)
{
	return dma_fence_get(NULL) == NULL;
}

MISUSE_CASE(dma_fence_get_unless_zero, null, MISUSE_SILENT)
{
	return dma_fence_get_unless_zero(NULL) == NULL;
}

MISUSE_CASE(dma_fence_put, null, MISUSE_SILENT)
{
	dma_fence_put(NULL);
	return true;
}

MISUSE_CASE(dma_fence_signal, null, MISUSE_REPORTED)
{
	return dma_fence_signal(NULL) == -EINVAL;
}

/*
 * Refused but not reported, by design (dma-fence.c): a driver that both
 * signals and answers ops->signaled races the core's poll and loses
 * quietly, as in the kernel.
 */
MISUSE_CASE(dma_fence_signal, twice, MISUSE_SILENT)
{
	struct dma_fence *f = mock_fence();

	dma_fence_signal(f);
	return dma_fence_signal(f) == -EINVAL;
}

MISUSE_CASE(dma_fence_signal_locked, null, MISUSE_REPORTED)
{
	return dma_fence_signal_locked(NULL) == -EINVAL;
}

MISUSE_CASE(dma_fence_signal_locked, without_lock, MISUSE_REPORTED)
{
	struct dma_fence *f = mock_fence();

	return dma_fence_signal_locked(f) == -EINVAL &&
	       !dma_fence_test_signaled_flag(f);
}

MISUSE_CASE(dma_fence_signal_timestamp, null, MISUSE_REPORTED)
{
	return dma_fence_signal_timestamp(NULL, 1) == -EINVAL;
}

MISUSE_CASE(dma_fence_check_and_signal, null, MISUSE_REPORTED)
{
	return dma_fence_check_and_signal(NULL);
}

MISUSE_CASE(dma_fence_check_and_signal_locked, null, MISUSE_REPORTED)
{
	return dma_fence_check_and_signal_locked(NULL);
}

MISUSE_CASE(dma_fence_check_and_signal_locked, without_lock, MISUSE_REPORTED)
{
	struct dma_fence *f = mock_fence();

	return !dma_fence_check_and_signal_locked(f) &&
	       !dma_fence_test_signaled_flag(f);
}

MISUSE_CASE(dma_fence_set_error, null, MISUSE_REPORTED)
{
	dma_fence_set_error(NULL, -EIO);
	return true;
}

MISUSE_CASE(dma_fence_set_error, after_signal, MISUSE_REPORTED)
{
	struct dma_fence *f = mock_fence();

	dma_fence_signal(f);
	dma_fence_set_error(f, -EIO);
	return dma_fence_get_status(f) == 1;
}

MISUSE_CASE(dma_fence_set_error, not_an_errno, MISUSE_REPORTED)
{
	struct dma_fence *f = mock_fence();

	dma_fence_set_error(f, 5);
	dma_fence_signal(f);
	return dma_fence_get_status(f) == 1;
}

MISUSE_CASE(dma_fence_set_error_locked, null, MISUSE_REPORTED)
{
	dma_fence_set_error_locked(NULL, -EIO);
	return true;
}

MISUSE_CASE(dma_fence_set_error_locked, without_lock, MISUSE_REPORTED)
{
	struct dma_fence *f = mock_fence();

	dma_fence_set_error_locked(f, -EIO);
	dma_fence_signal(f);
	return dma_fence_get_status(f) == 1;
}

MISUSE_CASE(dma_fence_get_status, null, MISUSE_REPORTED)
{
	return dma_fence_get_status(NULL) == -EINVAL;
}

MISUSE_CASE(dma_fence_get_status_locked, null, MISUSE_REPORTED)
{
	return dma_fence_get_status_locked(NULL) == -EINVAL;
}

MISUSE_CASE(dma_fence_get_status_locked, without_lock, MISUSE_REPORTED)
{
	return dma_fence_get_status_locked(mock_fence()) == 0;
}

MISUSE_CASE(dma_fence_is_signaled, null, MISUSE_REPORTED)
{
	return dma_fence_is_signaled(NULL);
}

MISUSE_CASE(dma_fence_is_signaled_locked, null, MISUSE_REPORTED)
{
	return dma_fence_is_signaled_locked(NULL);
}

MISUSE_CASE(dma_fence_is_signaled_locked, without_lock, MISUSE_REPORTED)
{
	return !dma_fence_is_signaled_locked(mock_fence());
}

MISUSE_CASE(dma_fence_add_callback, null_fence, MISUSE_REPORTED)
{
	struct dma_fence_cb cb = { 0 };

	return dma_fence_add_callback(NULL, &cb, nop_cb) == -EINVAL;
}

MISUSE_CASE(dma_fence_add_callback, null_cb, MISUSE_REPORTED)
{
	return dma_fence_add_callback(mock_fence(), NULL, nop_cb) == -EINVAL;
}

MISUSE_CASE(dma_fence_add_callback, null_func, MISUSE_REPORTED)
{
	struct dma_fence_cb cb = { 0 };

	return dma_fence_add_callback(mock_fence(), &cb, NULL) == -EINVAL;
}

MISUSE_CASE(dma_fence_add_callback, queued_twice, MISUSE_REPORTED)
{
	struct dma_fence *f = mock_fence();
	struct dma_fence_cb cb = { 0 };

	dma_fence_add_callback(f, &cb, nop_cb);
	return dma_fence_add_callback(f, &cb, nop_cb) == -EBUSY &&
	       dma_fence_signal(f) == 0;
}

MISUSE_CASE(dma_fence_add_callback, queued_on_another_fence, MISUSE_REPORTED)
{
	struct dma_fence *a = mock_fence(), *b = mock_fence();
	struct dma_fence_cb cb = { 0 };

	dma_fence_add_callback(a, &cb, nop_cb);
	return dma_fence_add_callback(b, &cb, nop_cb) == -EBUSY &&
	       dma_fence_signal(b) == 0 && dma_fence_signal(a) == 0;
}

MISUSE_CASE(dma_fence_remove_callback, null_fence, MISUSE_REPORTED)
{
	struct dma_fence_cb cb = { 0 };

	return !dma_fence_remove_callback(NULL, &cb);
}

MISUSE_CASE(dma_fence_remove_callback, null_cb, MISUSE_REPORTED)
{
	return !dma_fence_remove_callback(mock_fence(), NULL);
}

MISUSE_CASE(dma_fence_enable_sw_signaling, null, MISUSE_REPORTED)
{
	dma_fence_enable_sw_signaling(NULL);
	return true;
}

MISUSE_CASE(dma_fence_wait_timeout, null, MISUSE_REPORTED)
{
	return dma_fence_wait_timeout(NULL, 0) == -EINVAL;
}

MISUSE_CASE(dma_fence_wait_timeout, negative_timeout, MISUSE_REPORTED)
{
	return dma_fence_wait_timeout(mock_fence(), -1) == -EINVAL;
}

MISUSE_CASE(dma_fence_wait, null, MISUSE_REPORTED)
{
	return dma_fence_wait(NULL) == -EINVAL;
}

MISUSE_CASE(dmb_fence_wait_timeout, null, MISUSE_REPORTED)
{
	return dmb_fence_wait_timeout(NULL, true, 0) == -EINVAL;
}

MISUSE_CASE(dmb_fence_wait, null, MISUSE_REPORTED)
{
	return dmb_fence_wait(NULL, true) == -EINVAL;
}

MISUSE_CASE(dma_fence_wait_any_timeout, null_array, MISUSE_REPORTED)
{
	return dma_fence_wait_any_timeout(NULL, 1, 0, NULL) == -EINVAL;
}

MISUSE_CASE(dma_fence_wait_any_timeout, null_entry, MISUSE_REPORTED)
{
	struct dma_fence *fences[2] = { mock_fence(), NULL };
	uint32_t idx = 7;

	return dma_fence_wait_any_timeout(fences, 2, 0, &idx) == -EINVAL &&
	       idx == 7;
}

MISUSE_CASE(dma_fence_wait_any_timeout, zero_count, MISUSE_REPORTED)
{
	struct dma_fence *f = mock_fence();

	return dma_fence_wait_any_timeout(&f, 0, 0, NULL) == -EINVAL;
}

MISUSE_CASE(dma_fence_is_later, null_first, MISUSE_REPORTED)
{
	return !dma_fence_is_later(NULL, mock_fence());
}

MISUSE_CASE(dma_fence_is_later, null_second, MISUSE_REPORTED)
{
	return !dma_fence_is_later(mock_fence(), NULL);
}

MISUSE_CASE(dma_fence_is_later, other_timeline, MISUSE_REPORTED)
{
	return !dma_fence_is_later(mock_fence_on(7, 2), mock_fence_on(8, 1));
}

MISUSE_CASE(dma_fence_is_later_or_same, null_first, MISUSE_REPORTED)
{
	return !dma_fence_is_later_or_same(NULL, mock_fence());
}

MISUSE_CASE(dma_fence_is_later_or_same, null_second, MISUSE_REPORTED)
{
	return !dma_fence_is_later_or_same(mock_fence(), NULL);
}

MISUSE_CASE(dma_fence_is_later_or_same, both_null, MISUSE_REPORTED)
{
	return !dma_fence_is_later_or_same(NULL, NULL);
}

MISUSE_CASE(dma_fence_later, null_first, MISUSE_REPORTED)
{
	return dma_fence_later(NULL, mock_fence()) == NULL;
}

MISUSE_CASE(dma_fence_later, null_second, MISUSE_REPORTED)
{
	return dma_fence_later(mock_fence(), NULL) == NULL;
}

MISUSE_NOTHING(dma_fence_get_stub, "no argument")

MISUSE_NOTHING(dma_fence_allocate_private_stub, "no pointer argument; any timestamp is one")

MISUSE_CASE(dma_fence_timestamp, null, MISUSE_REPORTED)
{
	return dma_fence_timestamp(NULL) > 0;
}

MISUSE_CASE(dma_fence_timestamp, unsignaled, MISUSE_REPORTED)
{
	return dma_fence_timestamp(mock_fence()) > 0;
}

MISUSE_CASE(dma_fence_set_deadline, null, MISUSE_REPORTED)
{
	dma_fence_set_deadline(NULL, 1);
	return true;
}

MISUSE_CASE(dma_fence_describe, null_fence, MISUSE_REPORTED)
{
	dma_fence_describe(NULL, stdout);
	return true;
}

MISUSE_CASE(dma_fence_describe, null_stream, MISUSE_REPORTED)
{
	dma_fence_describe(mock_fence(), NULL);
	return true;
}

MISUSE_CASE(dma_fence_driver_name, null, MISUSE_REPORTED)
{
	return dma_fence_driver_name(NULL) == NULL && errno == EINVAL;
}

MISUSE_CASE(dma_fence_timeline_name, null, MISUSE_REPORTED)
{
	return dma_fence_timeline_name(NULL) == NULL && errno == EINVAL;
}

MISUSE_CASE(dma_fence_test_flag, null, MISUSE_REPORTED)
{
	return !dma_fence_test_flag(NULL, DMA_FENCE_FLAG_SIGNALED_BIT);
}

MISUSE_CASE(dma_fence_test_signaled_flag, null, MISUSE_REPORTED)
{
	return dma_fence_test_signaled_flag(NULL);
}
