// SPDX-License-Identifier: MIT
/* test-dma-fence.c - a fence signals once, runs each callback once, and wakes its waiters. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dmabuf/clock.h>
#include <dmabuf/dma-fence.h>
#include <dmabuf/interrupt.h>
#include <dmabuf/lockdep.h>

#include "harness.h"

/*
 * Test fences: counted, so that every case ends by proving each fence it made
 * was released exactly once, with optional polling and enabling ops.
 */
static atomic_int live_fences;

struct tfence {
	struct dma_fence base;
	atomic_bool hw_done;	/* what ops->signaled answers */
	bool enable_returns;	/* what ops->enable_signaling answers */
	int set_error;		/* ops->signaled sets it before answering true */
	atomic_int enable_calls;
	atomic_int signaled_calls;
	atomic_bool op_without_lock;	/* an op ran without fence->lock */
};

static struct tfence *to_tf(struct dma_fence *fence)
{
	return dmb_container_of(fence, struct tfence, base);
}

/* True if this thread holds fence->lock, as its lock record says. */
static bool lock_is_held(struct dma_fence *fence)
{
	return dmb_fence_lock_held(fence);
}

static const char *tf_driver_name(struct dma_fence *fence)
{
	return "test";
}

static const char *tf_timeline_name(struct dma_fence *fence)
{
	return "test-timeline";
}

static void tf_release(struct dma_fence *fence)
{
	atomic_fetch_sub(&live_fences, 1);
	free(to_tf(fence));
}

static bool tf_enable_signaling(struct dma_fence *fence)
{
	struct tfence *tf = to_tf(fence);

	if (!lock_is_held(fence))
		atomic_store(&tf->op_without_lock, true);
	atomic_fetch_add(&tf->enable_calls, 1);
	return tf->enable_returns;
}

static bool tf_signaled(struct dma_fence *fence)
{
	struct tfence *tf = to_tf(fence);

	if (!lock_is_held(fence))
		atomic_store(&tf->op_without_lock, true);
	atomic_fetch_add(&tf->signaled_calls, 1);
	if (!atomic_load(&tf->hw_done))
		return false;
	if (tf->set_error)
		dma_fence_set_error_locked(fence, tf->set_error);
	return true;
}

static const struct dma_fence_ops tf_ops = {
	.get_driver_name = tf_driver_name,
	.get_timeline_name = tf_timeline_name,
	.release = tf_release,
};

static const struct dma_fence_ops tf_hw_ops = {
	.get_driver_name = tf_driver_name,
	.get_timeline_name = tf_timeline_name,
	.enable_signaling = tf_enable_signaling,
	.signaled = tf_signaled,
	.release = tf_release,
};

static struct tfence *tf_create(const struct dma_fence_ops *ops,
				pthread_mutex_t *lock, uint64_t context,
				uint64_t seqno)
{
	struct tfence *tf = calloc(1, sizeof(*tf));

	assert_non_null(tf);
	tf->enable_returns = true;
	dma_fence_init(&tf->base, ops, lock, context, seqno);
	atomic_fetch_add(&live_fences, 1);
	return tf;
}

/* As tf_create(), on a timeline with 64-bit seqnos (dma_fence_init64()). */
static struct dma_fence *tf_create64(uint64_t context, uint64_t seqno)
{
	struct tfence *tf = calloc(1, sizeof(*tf));

	assert_non_null(tf);
	dma_fence_init64(&tf->base, &tf_ops, NULL, context, seqno);
	atomic_fetch_add(&live_fences, 1);
	return &tf->base;
}

static struct dma_fence *tf_new(void)
{
	return &tf_create(&tf_ops, NULL, dma_fence_context_alloc(1), 1)->base;
}

static struct tfence *tf_new_hw(void)
{
	return tf_create(&tf_hw_ops, NULL, dma_fence_context_alloc(1), 1);
}

/* Every case must have released every fence it made. */
static int tf_teardown(void **state)
{
	int live;

	th_teardown_threads();
	live = atomic_exchange(&live_fences, 0);
	if (live)
		print_error("%d test fences leaked\n", live);
	return th_teardown(state) || live ? -1 : 0;
}

#define TF_TEST(fn) cmocka_unit_test_setup_teardown(fn, th_setup, tf_teardown)

/* A callback that records how, where and how often it ran. */
struct probe {
	struct dma_fence_cb cb;
	atomic_int calls;
	bool lock_held;
	bool in_signalling;
	pthread_t thread;
	int order;
	int fence_error;
};

static atomic_int probe_seq;

static void probe_func(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	struct probe *p = dmb_container_of(cb, struct probe, cb);

	p->lock_held = lock_is_held(fence);
	p->in_signalling = dmb_fence_in_signalling();
	p->thread = pthread_self();
	p->order = atomic_fetch_add(&probe_seq, 1);
	p->fence_error = fence->error;
	atomic_fetch_add(&p->calls, 1);
}

/*
 * Signal a fence from another thread after a delay or, with @await_waiter,
 * once somebody waits on it (a wait adds a callback), so the signal surely
 * wakes a waiter whatever the scheduler does. No assert here: it would jump
 * across threads.
 */
struct signaller {
	struct dma_fence *fence;
	int64_t delay_ns;
	bool await_waiter;
	pthread_t thread;
	bool no_waiter;		/* the hang bound passed without one */
	int ret;
};

static bool fence_has_callback(struct dma_fence *fence)
{
	bool any;

	pthread_mutex_lock(fence->lock);
	any = !dmb_list_empty(&fence->cb_list);
	pthread_mutex_unlock(fence->lock);
	return any;
}

static void *signal_after(void *arg)
{
	struct signaller *s = arg;

	th_sleep_ns(s->delay_ns);
	if (s->await_waiter && !TH_WAIT_UNTIL(fence_has_callback(s->fence)))
		s->no_waiter = true;
	s->thread = pthread_self();
	s->ret = dma_fence_signal(s->fence);
	return NULL;
}

/* init records timeline and seqno, one reference, pending; the last put releases. */
static void sanity(void **state)
{
	uint64_t ctx = dma_fence_context_alloc(1);
	struct tfence *tf = tf_create(&tf_ops, NULL, ctx, 42);
	struct dma_fence *f = &tf->base;

	assert_int_equal(f->context, ctx);
	assert_int_equal(f->seqno, 42);
	assert_ptr_equal(f->ops, &tf_ops);
	assert_ptr_equal(f->lock, &f->inline_lock);
	assert_int_equal(dmb_kref_read(&f->refcount), 1);
	assert_string_equal(dma_fence_driver_name(f), "test");
	assert_string_equal(dma_fence_timeline_name(f), "test-timeline");
	assert_false(dma_fence_is_signaled(f));
	assert_int_equal(atomic_load(&f->flags), 0);
	assert_int_equal(dma_fence_signal(f), 0);
	dma_fence_put(f);
	assert_int_equal(atomic_load(&live_fences), 0);
}

/* contexts are never 0 and consecutive allocations never overlap; 0 is misuse. */
static void context_alloc_unique(void **state)
{
	uint64_t a = dma_fence_context_alloc(3);
	uint64_t b = dma_fence_context_alloc(1);

	assert_int_not_equal(a, 0);
	assert_true(b >= a + 3);
	assert_int_not_equal(dma_fence_context_alloc(0), 0);
	th_assert_warned("of 0 contexts");
}

static void free_release(struct dma_fence *fence)
{
	free(fence);
}

static const struct dma_fence_ops nameless_ops = {
	.release = free_release,
};

/* ops without names are reported; placeholder names keep reports readable. */
static void init_reports_missing_names(void **state)
{
	struct dma_fence *f = malloc(sizeof(*f));

	assert_non_null(f);
	dma_fence_init(f, &nameless_ops, NULL, dma_fence_context_alloc(1), 1);
	th_assert_warned("lack get_driver_name or get_timeline_name");
	assert_string_equal(dma_fence_driver_name(f), "(unnamed driver)");
	assert_string_equal(dma_fence_timeline_name(f), "(unnamed timeline)");
	dma_fence_signal(f);
	dma_fence_put(f);
}

/* NULL ops are reported; the fence still works and is freed with free(). */
static void init_reports_null_ops(void **state)
{
	struct dma_fence *f = malloc(sizeof(*f));

	assert_non_null(f);
	dma_fence_init(f, NULL, NULL, dma_fence_context_alloc(1), 1);
	th_assert_warned("without ops");
	th_assert_warned("lack get_driver_name");
	assert_non_null(f->ops);
	assert_int_equal(dma_fence_signal(f), 0);
	assert_int_equal(dma_fence_get_status(f), 1);
	dma_fence_put(f);
}

/* a lock passed to init is used as is, and survives the fence. */
static void shared_lock_used(void **state)
{
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	uint64_t ctx = dma_fence_context_alloc(1);
	struct dma_fence *a = &tf_create(&tf_ops, &lock, ctx, 1)->base;
	struct dma_fence *b = &tf_create(&tf_ops, &lock, ctx, 2)->base;

	assert_ptr_equal(a->lock, &lock);
	assert_ptr_equal(b->lock, &lock);
	dmb_mutex_lock(&lock);
	assert_int_equal(dma_fence_signal_locked(a), 0);
	assert_int_equal(dma_fence_signal_locked(b), 0);
	dmb_mutex_unlock(&lock);
	dma_fence_put(a);
	dma_fence_put(b);
	assert_int_equal(pthread_mutex_lock(&lock), 0);
	pthread_mutex_unlock(&lock);
	pthread_mutex_destroy(&lock);
}

/* get adds a reference, put drops one; NULL is passed through and ignored. */
static void get_put(void **state)
{
	struct dma_fence *f = tf_new();

	assert_ptr_equal(dma_fence_get(f), f);
	assert_int_equal(dmb_kref_read(&f->refcount), 2);
	dma_fence_put(f);
	assert_int_equal(atomic_load(&live_fences), 1);
	assert_null(dma_fence_get(NULL));
	dma_fence_put(NULL);
	dma_fence_signal(f);
	dma_fence_put(f);
}

static atomic_int static_releases;

static void count_release(struct dma_fence *fence)
{
	atomic_fetch_add(&static_releases, 1);
}

static const struct dma_fence_ops static_ops = {
	.get_driver_name = tf_driver_name,
	.get_timeline_name = tf_timeline_name,
	.release = count_release,
};

/* get_unless_zero takes a reference on a live fence and refuses a released one. */
static void get_unless_zero(void **state)
{
	struct dma_fence f;

	atomic_store(&static_releases, 0);
	dma_fence_init(&f, &static_ops, NULL, dma_fence_context_alloc(1), 1);
	assert_ptr_equal(dma_fence_get_unless_zero(&f), &f);
	dma_fence_put(&f);
	dma_fence_signal(&f);
	dma_fence_put(&f);
	assert_int_equal(atomic_load(&static_releases), 1);
	assert_null(dma_fence_get_unless_zero(&f));
	assert_null(dma_fence_get_unless_zero(NULL));
}

/* signal marks the fence signaled and stamps it with the monotonic time. */
static void signaling(void **state)
{
	struct dma_fence *f = tf_new();
	int64_t t0, t1;

	assert_false(dma_fence_is_signaled(f));
	t0 = dmb_ktime_get_ns();
	assert_int_equal(dma_fence_signal(f), 0);
	t1 = dmb_ktime_get_ns();
	assert_true(dma_fence_is_signaled(f));
	assert_true(dma_fence_test_flag(f, DMA_FENCE_FLAG_SIGNALED_BIT));
	assert_true(dma_fence_test_flag(f, DMA_FENCE_FLAG_TIMESTAMP_BIT));
	assert_in_range(dma_fence_timestamp(f), t0, t1);
	dma_fence_put(f);
}

/* a second signal returns -EINVAL, runs no callback and keeps the first time. */
static void signal_twice(void **state)
{
	struct dma_fence *f = tf_new();
	struct probe p = { .calls = 0 };
	int64_t ts;

	assert_int_equal(dma_fence_add_callback(f, &p.cb, probe_func), 0);
	assert_int_equal(dma_fence_signal(f), 0);
	ts = dma_fence_timestamp(f);
	assert_int_equal(dma_fence_signal(f), -EINVAL);
	assert_int_equal(dma_fence_signal_timestamp(f, ts + 1000), -EINVAL);
	assert_int_equal(atomic_load(&p.calls), 1);
	assert_int_equal(dma_fence_timestamp(f), ts);
	dma_fence_put(f);
}

/* signal_timestamp records the given completion time. */
static void signal_timestamp(void **state)
{
	struct dma_fence *f = tf_new();

	assert_int_equal(dma_fence_signal_timestamp(f, 123456789), 0);
	assert_int_equal(dma_fence_timestamp(f), 123456789);
	dma_fence_put(f);
}

/* signalling NULL is misuse: reported, -EINVAL. */
static void signal_null(void **state)
{
	assert_int_equal(dma_fence_signal(NULL), -EINVAL);
	th_assert_warned("NULL fence");
	assert_int_equal(dma_fence_signal_locked(NULL), -EINVAL);
	th_assert_warned("NULL fence");
}

/* *_locked calls without the fence's lock held are reported and refused. */
static void locked_variants_need_lock(void **state)
{
	struct dma_fence *f = tf_new();

	dma_fence_set_error_locked(f, -EIO);
	th_assert_warned("dma_fence_set_error_locked without fence->lock held: refused");
	assert_false(dma_fence_is_signaled_locked(f));
	th_assert_warned("dma_fence_is_signaled_locked without fence->lock held: refused");
	assert_int_equal(dma_fence_signal_locked(f), -EINVAL);
	th_assert_warned("dma_fence_signal_locked without fence->lock held: refused");
	assert_int_equal(dma_fence_get_status_locked(f), 0);
	th_assert_warned("dma_fence_is_signaled_locked without fence->lock held: refused");
	/* nothing happened: no error, no signal */
	assert_int_equal(dma_fence_get_status(f), 0);
	assert_int_equal(dma_fence_signal(f), 0);
	assert_int_equal(dma_fence_get_status(f), 1);
	dma_fence_put(f);
}

struct lock_holder {
	struct dma_fence *fence;
	atomic_bool locked, release;
};

static void *hold_fence_lock(void *arg)
{
	struct lock_holder *h = arg;

	dmb_fence_lock(h->fence);
	atomic_store(&h->locked, true);
	while (!atomic_load(&h->release))
		th_sleep_ns(100000);
	dmb_fence_unlock(h->fence);
	return NULL;
}

/*
 * The assertion is exact: a lock held by another thread does not count for
 * this one (a trylock guess would have let the call through).
 */
static void locked_variant_refused_while_other_thread_holds(void **state)
{
	struct lock_holder h = { .fence = tf_new() };
	struct th_thread *t = th_thread_start(hold_fence_lock, &h);

	while (!atomic_load(&h.locked))
		th_sleep_ns(100000);
	assert_false(dmb_fence_lock_held(h.fence));
	assert_int_equal(dma_fence_signal_locked(h.fence), -EINVAL);
	th_assert_warned("dma_fence_signal_locked without fence->lock held: refused");
	atomic_store(&h.release, true);
	th_thread_join(t);
	assert_false(dma_fence_is_signaled(h.fence));
	dmb_fence_lock(h.fence);
	assert_true(dmb_fence_lock_held(h.fence));
	dmb_fence_assert_lock_held(h.fence);
	assert_int_equal(dma_fence_signal_locked(h.fence), 0);
	dmb_fence_unlock(h.fence);
	assert_false(dmb_fence_lock_held(h.fence));
	dma_fence_put(h.fence);
}

/* a callback runs once at the signal, with fence->lock held, in a signalling section. */
static void add_callback(void **state)
{
	struct dma_fence *f = tf_new();
	struct probe p = { .calls = 0 };

	assert_int_equal(dma_fence_add_callback(f, &p.cb, probe_func), 0);
	assert_int_equal(atomic_load(&p.calls), 0);
	dma_fence_signal(f);
	assert_int_equal(atomic_load(&p.calls), 1);
	assert_true(p.lock_held);
	assert_true(p.in_signalling);
	assert_false(dmb_fence_in_signalling());
	dma_fence_put(f);
}

/* add_callback on a signaled fence returns -ENOENT and does not call func. */
static void late_add_callback(void **state)
{
	struct dma_fence *f = tf_new();
	struct probe p = { .calls = 0 };

	dma_fence_signal(f);
	assert_int_equal(dma_fence_add_callback(f, &p.cb, probe_func), -ENOENT);
	assert_int_equal(atomic_load(&p.calls), 0);
	assert_false(dma_fence_remove_callback(f, &p.cb));
	dma_fence_put(f);
}

/* add_callback with a NULL argument is reported and refused. */
static void add_callback_null_args(void **state)
{
	struct dma_fence *f = tf_new();
	struct probe p = { .calls = 0 };

	assert_int_equal(dma_fence_add_callback(NULL, &p.cb, probe_func), -EINVAL);
	th_assert_warned("NULL argument");
	assert_int_equal(dma_fence_add_callback(f, NULL, probe_func), -EINVAL);
	th_assert_warned("NULL argument");
	assert_int_equal(dma_fence_add_callback(f, &p.cb, NULL), -EINVAL);
	th_assert_warned("NULL argument");
	dma_fence_signal(f);
	dma_fence_put(f);
}

/* a removed callback reports true and never runs. */
static void rm_callback(void **state)
{
	struct dma_fence *f = tf_new();
	struct probe p = { .calls = 0 };

	assert_int_equal(dma_fence_add_callback(f, &p.cb, probe_func), 0);
	assert_true(dma_fence_remove_callback(f, &p.cb));
	assert_false(dma_fence_remove_callback(f, &p.cb));
	dma_fence_signal(f);
	assert_int_equal(atomic_load(&p.calls), 0);
	dma_fence_put(f);
}

/* removing a callback that already ran reports false. */
static void late_rm_callback(void **state)
{
	struct dma_fence *f = tf_new();
	struct probe p = { .calls = 0 };

	assert_int_equal(dma_fence_add_callback(f, &p.cb, probe_func), 0);
	dma_fence_signal(f);
	assert_false(dma_fence_remove_callback(f, &p.cb));
	assert_int_equal(atomic_load(&p.calls), 1);
	dma_fence_put(f);
}

/* removing a zeroed callback that was never added reports false. */
static void rm_callback_never_added(void **state)
{
	struct dma_fence *f = tf_new();
	struct dma_fence_cb cb = { 0 };

	assert_false(dma_fence_remove_callback(f, &cb));
	dma_fence_signal(f);
	dma_fence_put(f);
}

/* The func a refused second registration names: it must never run. */
static void never_func(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	fail_msg("the func of a refused registration ran");
}

/*
 * a cb still queued on this fence is refused (-EBUSY, reported) and left
 * as it was: the list stays whole, and the cb runs once, with its first func.
 */
static void add_callback_twice_refused(void **state)
{
	struct dma_fence *f = tf_new();
	struct probe p = { .calls = 0 }, q = { .calls = 0 };

	assert_int_equal(dma_fence_add_callback(f, &p.cb, probe_func), 0);
	assert_int_equal(dma_fence_add_callback(f, &q.cb, probe_func), 0);
	assert_int_equal(dma_fence_add_callback(f, &p.cb, never_func), -EBUSY);
	th_assert_warned("still queued");
	dma_fence_signal(f);
	assert_int_equal(atomic_load(&p.calls), 1);
	assert_int_equal(atomic_load(&q.calls), 1);
	assert_int_equal(p.order + 1, q.order);
	dma_fence_put(f);
}

/* a cb queued on one fence is refused by another; it runs with the first only. */
static void add_callback_to_second_fence_refused(void **state)
{
	struct dma_fence *a = tf_new(), *b = tf_new();
	struct probe p = { .calls = 0 }, q = { .calls = 0 };

	assert_int_equal(dma_fence_add_callback(a, &p.cb, probe_func), 0);
	assert_int_equal(dma_fence_add_callback(b, &q.cb, probe_func), 0);
	assert_int_equal(dma_fence_add_callback(b, &p.cb, never_func), -EBUSY);
	th_assert_warned("still queued");
	assert_false(dma_fence_remove_callback(b, &(struct dma_fence_cb){ 0 }));
	dma_fence_signal(b);
	assert_int_equal(atomic_load(&q.calls), 1);
	assert_int_equal(atomic_load(&p.calls), 0);
	dma_fence_signal(a);
	assert_int_equal(atomic_load(&p.calls), 1);
	dma_fence_put(a);
	dma_fence_put(b);
}

/* a cb is free again once it ran, was removed or was refused with -ENOENT. */
static void callback_reusable_after_each_end(void **state)
{
	struct dma_fence *a = tf_new(), *b = tf_new(), *c = tf_new();
	struct probe p = { .calls = 0 };

	/* removed: node left empty, as the kernel's list_del_init */
	assert_int_equal(dma_fence_add_callback(a, &p.cb, probe_func), 0);
	assert_true(dma_fence_remove_callback(a, &p.cb));
	assert_false(dma_fence_remove_callback(a, &p.cb));
	assert_int_equal(dma_fence_add_callback(b, &p.cb, probe_func), 0);
	/* ran */
	dma_fence_signal(b);
	assert_int_equal(atomic_load(&p.calls), 1);
	assert_false(dma_fence_remove_callback(b, &p.cb));
	/* refused with -ENOENT by a signaled fence */
	assert_int_equal(dma_fence_add_callback(b, &p.cb, probe_func), -ENOENT);
	assert_int_equal(dma_fence_add_callback(c, &p.cb, probe_func), 0);
	dma_fence_signal(a);
	dma_fence_signal(c);
	assert_int_equal(atomic_load(&p.calls), 2);
	dma_fence_put(a);
	dma_fence_put(b);
	dma_fence_put(c);
}

/* callbacks run in the order they were added. */
static void callbacks_run_in_order(void **state)
{
	struct dma_fence *f = tf_new();
	struct probe p[3] = { { .calls = 0 } };

	for (int i = 0; i < 3; i++)
		assert_int_equal(dma_fence_add_callback(f, &p[i].cb, probe_func), 0);
	dma_fence_signal(f);
	for (int i = 0; i < 3; i++)
		assert_int_equal(atomic_load(&p[i].calls), 1);
	assert_true(p[0].order < p[1].order && p[1].order < p[2].order);
	dma_fence_put(f);
}

/* callbacks run in the thread that signals, not in the one that added them. */
static void callbacks_run_in_signalling_thread(void **state)
{
	struct dma_fence *f = tf_new();
	struct signaller *s = TH_NEW(struct signaller, {
		.fence = f, .delay_ns = 0,
	});
	struct probe *p = th_alloc(2 * sizeof(*p));

	for (int i = 0; i < 2; i++)
		assert_int_equal(dma_fence_add_callback(f, &p[i].cb, probe_func), 0);
	th_thread_join(th_thread_start(signal_after, s));
	assert_int_equal(s->ret, 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(atomic_load(&p[i].calls), 1);
		assert_true(pthread_equal(p[i].thread, s->thread));
	}
	dma_fence_put(f);
}

static void free_self(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	free(cb);
}

/* a callback may free its own registration: the core no longer touches it. */
static void callback_may_free_itself(void **state)
{
	struct dma_fence *f = tf_new();

	for (int i = 0; i < 3; i++) {
		struct dma_fence_cb *cb = calloc(1, sizeof(*cb));	/* free: zeroed */

		assert_non_null(cb);
		assert_int_equal(dma_fence_add_callback(f, cb, free_self), 0);
	}
	dma_fence_signal(f);
	dma_fence_put(f);
}

/* status is 0 while pending and 1 once signaled without error. */
static void status(void **state)
{
	struct dma_fence *f = tf_new();

	assert_int_equal(dma_fence_get_status(f), 0);
	dma_fence_signal(f);
	assert_int_equal(dma_fence_get_status(f), 1);
	dmb_fence_lock(f);
	assert_int_equal(dma_fence_get_status_locked(f), 1);
	dmb_fence_unlock(f);
	dma_fence_put(f);
}

/* an error set before the signal becomes the status once signaled. */
static void error(void **state)
{
	struct dma_fence *f = tf_new();

	dma_fence_set_error(f, -EIO);
	assert_int_equal(dma_fence_get_status(f), 0);
	dma_fence_signal(f);
	assert_int_equal(dma_fence_get_status(f), -EIO);
	dma_fence_put(f);
}

/* an error set after the signal is reported and ignored. */
static void error_after_signal(void **state)
{
	struct dma_fence *f = tf_new();

	dma_fence_signal(f);
	dma_fence_set_error(f, -EIO);
	th_assert_warned("set after the signal");
	assert_int_equal(dma_fence_get_status(f), 1);
	dma_fence_put(f);
}

/* an error that is not a negative errno is reported and ignored. */
static void error_must_be_negative_errno(void **state)
{
	static const int bad[] = { 0, 5, -4096, -100000 };
	struct dma_fence *f = tf_new();

	for (size_t i = 0; i < DMB_ARRAY_SIZE(bad); i++) {
		dma_fence_set_error(f, bad[i]);
		th_assert_warned("is not a negative errno");
	}
	dma_fence_set_error(f, -4095);
	dma_fence_signal(f);
	assert_int_equal(dma_fence_get_status(f), -4095);
	dma_fence_put(f);
}

/* a wait on a fence nobody signals returns 0 after the timeout, leaving no callback. */
static void wait_timeout_expires(void **state)
{
	struct dma_fence *f = tf_new();
	int64_t t0 = dmb_ktime_get_ns();

	assert_int_equal(dma_fence_wait_timeout(f, 2 * NSEC_PER_MSEC), 0);
	assert_true(dmb_ktime_get_ns() - t0 >= 2 * NSEC_PER_MSEC);
	assert_true(dmb_list_empty(&f->cb_list));
	dma_fence_signal(f);
	dma_fence_put(f);
}

/* a zero timeout does not sleep: 1 if signaled, 0 if not, after enabling signalling. */
static void wait_zero_timeout_tests(void **state)
{
	struct tfence *tf = tf_new_hw();
	struct dma_fence *f = &tf->base;

	assert_int_equal(dma_fence_wait_timeout(f, 0), 0);
	assert_int_equal(atomic_load(&tf->enable_calls), 1);
	assert_true(dma_fence_test_flag(f, DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT));
	dma_fence_signal(f);
	assert_int_equal(dma_fence_wait_timeout(f, 0), 1);
	dma_fence_put(f);
}

/* a zero-timeout wait on a fence that signals when enabled reports it signaled (kernel order). */
static void wait_zero_timeout_enables_first(void **state)
{
	struct tfence *tf = tf_new_hw();
	struct dma_fence *f = &tf->base;

	tf->enable_returns = false;	/* "already complete" once asked */
	assert_int_equal(dma_fence_wait_timeout(f, 0), 1);
	assert_int_equal(atomic_load(&tf->enable_calls), 1);
	assert_true(dma_fence_test_flag(f, DMA_FENCE_FLAG_SIGNALED_BIT));
	dma_fence_put(f);
}

/* a NULL fence or a negative timeout is reported and refused with -EINVAL. */
static void wait_bad_args(void **state)
{
	struct dma_fence *f = tf_new();

	assert_int_equal(dma_fence_wait_timeout(NULL, 1), -EINVAL);
	th_assert_warned("NULL fence or negative timeout");
	assert_int_equal(dma_fence_wait_timeout(f, -1), -EINVAL);
	th_assert_warned("NULL fence or negative timeout");
	assert_int_equal(dma_fence_wait(NULL), -EINVAL);
	th_assert_warned("NULL fence or negative timeout");
	dma_fence_signal(f);
	dma_fence_put(f);
}

/* a wait on a signaled fence returns at once with the whole budget left. */
static void wait_signaled_returns_budget(void **state)
{
	struct dma_fence *f = tf_new();

	dma_fence_signal(f);
	assert_int_equal(dma_fence_wait_timeout(f, NSEC_PER_SEC), NSEC_PER_SEC);
	assert_int_equal(dma_fence_wait_timeout(f, MAX_SCHEDULE_TIMEOUT),
			 MAX_SCHEDULE_TIMEOUT);
	assert_int_equal(dma_fence_wait(f), 0);
	dma_fence_put(f);
}

/* a waiter is woken by a signal from another thread and gets the time left. */
static void wait_woken_by_signal(void **state)
{
	struct dma_fence *f = tf_new();
	struct signaller *s = TH_NEW(struct signaller, {
		.fence = f, .await_waiter = true,
	});
	struct th_thread *t = th_thread_start(signal_after, s);
	int64_t left = dma_fence_wait_timeout(f, 10 * NSEC_PER_SEC);

	assert_true(left >= 1 && left < 10 * NSEC_PER_SEC);
	assert_true(dma_fence_is_signaled(f));
	th_thread_join(t);
	assert_false(s->no_waiter);
	assert_int_equal(s->ret, 0);
	dma_fence_put(f);
}

/* a wait without a timeout is woken by the signal and reports "forever" left. */
static void wait_forever_woken(void **state)
{
	struct dma_fence *f = tf_new();
	struct signaller *s = TH_NEW(struct signaller, {
		.fence = f, .await_waiter = true,
	});
	struct th_thread *t = th_thread_start(signal_after, s);

	assert_int_equal(dma_fence_wait_timeout(f, MAX_SCHEDULE_TIMEOUT),
			 MAX_SCHEDULE_TIMEOUT);
	th_thread_join(t);
	assert_false(s->no_waiter);
	assert_int_equal(s->ret, 0);
	dma_fence_put(f);
}

/* the first wait enables signalling; a driver that answers "done" ends it at once. */
static void wait_enables_signaling(void **state)
{
	struct tfence *tf = tf_new_hw();

	assert_int_equal(dma_fence_wait_timeout(&tf->base, NSEC_PER_MSEC), 0);
	assert_int_equal(atomic_load(&tf->enable_calls), 1);
	tf->enable_returns = false;	/* already enabled: not asked again */
	assert_int_equal(dma_fence_wait_timeout(&tf->base, NSEC_PER_MSEC), 0);
	assert_int_equal(atomic_load(&tf->enable_calls), 1);
	dma_fence_signal(&tf->base);
	dma_fence_put(&tf->base);

	tf = tf_new_hw();
	tf->enable_returns = false;
	assert_true(dma_fence_wait_timeout(&tf->base, NSEC_PER_SEC) > 0);
	assert_true(dma_fence_is_signaled(&tf->base));
	assert_false(atomic_load(&tf->op_without_lock));
	dma_fence_put(&tf->base);
}

#define ANY_FENCES 3

/* wait_any wakes on the one fence signaled and removes every callback it added. */
static void wait_any(void **state)
{
	struct dma_fence *f[ANY_FENCES];
	struct signaller *s = TH_NEW(struct signaller, {
		.await_waiter = true,
	});
	struct th_thread *t;
	uint32_t idx = 99;
	int64_t left;

	for (int i = 0; i < ANY_FENCES; i++)
		f[i] = tf_new();
	s->fence = f[1];
	t = th_thread_start(signal_after, s);
	left = dma_fence_wait_any_timeout(f, ANY_FENCES, 10 * NSEC_PER_SEC, &idx);
	th_thread_join(t);
	assert_false(s->no_waiter);
	assert_int_equal(s->ret, 0);
	assert_true(left >= 1 && left < 10 * NSEC_PER_SEC);
	assert_int_equal(idx, 1);
	for (int i = 0; i < ANY_FENCES; i++) {
		assert_true(dmb_list_empty(&f[i]->cb_list));
		dma_fence_signal(f[i]);
		dma_fence_put(f[i]);
	}
}

/* wait_any on fences nobody signals times out with 0 and leaves no callback. */
static void wait_any_timeout_expires(void **state)
{
	struct dma_fence *f[ANY_FENCES];
	uint32_t idx = 99;

	for (int i = 0; i < ANY_FENCES; i++)
		f[i] = tf_new();
	assert_int_equal(dma_fence_wait_any_timeout(f, ANY_FENCES,
						    2 * NSEC_PER_MSEC, &idx), 0);
	assert_int_equal(idx, 99);
	for (int i = 0; i < ANY_FENCES; i++) {
		assert_true(dmb_list_empty(&f[i]->cb_list));
		dma_fence_signal(f[i]);
		dma_fence_put(f[i]);
	}
}

/* wait_any with a fence already signaled returns its index at once. */
static void wait_any_already_signaled(void **state)
{
	struct dma_fence *f[ANY_FENCES];
	uint32_t idx = 99;

	for (int i = 0; i < ANY_FENCES; i++)
		f[i] = tf_new();
	assert_int_equal(dma_fence_wait_any_timeout(f, ANY_FENCES, 0, &idx), 0);
	dma_fence_signal(f[2]);
	assert_int_equal(dma_fence_wait_any_timeout(f, ANY_FENCES, 0, &idx), 1);
	assert_int_equal(idx, 2);
	idx = 99;
	assert_int_equal(dma_fence_wait_any_timeout(f, ANY_FENCES, NSEC_PER_SEC,
						    &idx), NSEC_PER_SEC);
	assert_int_equal(idx, 2);
	assert_int_equal(dma_fence_wait_any_timeout(f, ANY_FENCES,
						    MAX_SCHEDULE_TIMEOUT, NULL),
			 MAX_SCHEDULE_TIMEOUT);
	for (int i = 0; i < ANY_FENCES; i++) {
		dma_fence_signal(f[i]);
		dma_fence_put(f[i]);
	}
}

/* wait_any without fences, with a NULL entry or a negative timeout is refused. */
static void wait_any_bad_args(void **state)
{
	struct dma_fence *f[2] = { tf_new(), NULL };

	assert_int_equal(dma_fence_wait_any_timeout(f, 0, 1, NULL), -EINVAL);
	th_assert_warned("no fences or negative timeout");
	assert_int_equal(dma_fence_wait_any_timeout(NULL, 1, 1, NULL), -EINVAL);
	th_assert_warned("no fences or negative timeout");
	assert_int_equal(dma_fence_wait_any_timeout(f, 1, -1, NULL), -EINVAL);
	th_assert_warned("no fences or negative timeout");
	assert_int_equal(dma_fence_wait_any_timeout(f, 2, 1, NULL), -EINVAL);
	th_assert_warned("fence 1 is NULL");
	dma_fence_signal(f[0]);
	dma_fence_put(f[0]);
}

/* is_later compares seqnos on one timeline; init64 timelines as full 64-bit numbers. */
static void is_later(void **state)
{
	uint64_t ctx = dma_fence_context_alloc(1);
	struct dma_fence *a = tf_create64(ctx, 1);
	struct dma_fence *b = tf_create64(ctx, 2);
	struct dma_fence *c = tf_create64(ctx, 1ULL << 40);
	assert_true(dma_fence_is_later(b, a));
	assert_false(dma_fence_is_later(a, b));
	assert_false(dma_fence_is_later(a, a));
	assert_true(dma_fence_is_later(c, b));
	assert_ptr_equal(dma_fence_later(a, b), b);
	assert_ptr_equal(dma_fence_later(c, b), c);
	assert_ptr_equal(dma_fence_later(a, a), a);
	dma_fence_signal(a);
	dma_fence_signal(b);
	dma_fence_signal(c);
	dma_fence_put(a);
	dma_fence_put(b);
	dma_fence_put(c);
}

/* default timelines compare seqnos as 32-bit values that wrap, as the kernel does. */
static void is_later_wraps_32bit(void **state)
{
	uint64_t ctx = dma_fence_context_alloc(1);
	struct dma_fence *old = &tf_create(&tf_ops, NULL, ctx, 0xfffffff0u)->base;
	struct dma_fence *wrapped = &tf_create(&tf_ops, NULL, ctx, 0x10)->base;
	struct dma_fence *high = &tf_create(&tf_ops, NULL, ctx, 1ULL << 40)->base;

	assert_true(dma_fence_is_later(wrapped, old));
	assert_false(dma_fence_is_later(old, wrapped));
	assert_ptr_equal(dma_fence_later(old, wrapped), wrapped);
	/* bit 40 is invisible on 32 bits: seqno 0 is behind 0x10 */
	assert_false(dma_fence_is_later(high, wrapped));
	dma_fence_signal(old);
	dma_fence_signal(wrapped);
	dma_fence_signal(high);
	dma_fence_put(old);
	dma_fence_put(wrapped);
	dma_fence_put(high);
}

/* is_later_or_same: the same fence, or a later one; an equal seqno on another fence is neither. */
static void is_later_or_same(void **state)
{
	uint64_t ctx = dma_fence_context_alloc(1);
	struct dma_fence *a = &tf_create(&tf_ops, NULL, ctx, 5)->base;
	struct dma_fence *twin = &tf_create(&tf_ops, NULL, ctx, 5)->base;
	struct dma_fence *b = &tf_create(&tf_ops, NULL, ctx, 6)->base;

	assert_true(dma_fence_is_later_or_same(a, a));
	assert_true(dma_fence_is_later_or_same(b, a));
	assert_false(dma_fence_is_later_or_same(a, b));
	assert_false(dma_fence_is_later_or_same(twin, a));
	dma_fence_signal(a);
	dma_fence_signal(twin);
	dma_fence_signal(b);
	dma_fence_put(a);
	dma_fence_put(twin);
	dma_fence_put(b);
}

/* dma_fence_later returns NULL once the later fence has signaled: nothing to wait for. */
static void later_signaled_is_null(void **state)
{
	uint64_t ctx = dma_fence_context_alloc(1);
	struct dma_fence *a = &tf_create(&tf_ops, NULL, ctx, 1)->base;
	struct tfence *tb = tf_create(&tf_hw_ops, NULL, ctx, 2);
	struct dma_fence *b = &tb->base;

	assert_ptr_equal(dma_fence_later(a, b), b);
	atomic_store(&tb->hw_done, true);	/* complete, found by the poll */
	assert_null(dma_fence_later(a, b));
	assert_null(dma_fence_later(b, a));
	assert_true(dma_fence_test_flag(b, DMA_FENCE_FLAG_SIGNALED_BIT));
	dma_fence_signal(a);
	dma_fence_put(a);
	dma_fence_put(b);
}

/* comparing fences of two timelines is reported: is_later false, later NULL. */
static void later_needs_one_timeline(void **state)
{
	struct dma_fence *a = tf_new();
	struct dma_fence *b = tf_new();

	assert_false(dma_fence_is_later(a, b));
	th_assert_warned("different timelines");
	assert_null(dma_fence_later(a, b));
	th_assert_warned("different timelines");
	dma_fence_signal(a);
	dma_fence_signal(b);
	dma_fence_put(a);
	dma_fence_put(b);
}

/* enable_sw_signaling asks the driver once, with the lock held, whoever asks again. */
static void enable_signaling_once(void **state)
{
	struct tfence *tf = tf_new_hw();
	struct probe p = { .calls = 0 };

	dma_fence_enable_sw_signaling(&tf->base);
	assert_int_equal(atomic_load(&tf->enable_calls), 1);
	assert_true(dma_fence_test_flag(&tf->base, DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT));
	dma_fence_enable_sw_signaling(&tf->base);
	assert_int_equal(dma_fence_add_callback(&tf->base, &p.cb, probe_func), 0);
	assert_int_equal(atomic_load(&tf->enable_calls), 1);
	assert_false(atomic_load(&tf->op_without_lock));
	dma_fence_signal(&tf->base);
	assert_int_equal(atomic_load(&p.calls), 1);
	dma_fence_put(&tf->base);
}

/* enable_signaling answering false signals the fence; add_callback then gets -ENOENT. */
static void enable_signaling_false_signals(void **state)
{
	struct tfence *tf = tf_new_hw();
	struct probe p = { .calls = 0 };

	tf->enable_returns = false;
	dma_fence_enable_sw_signaling(&tf->base);
	assert_true(dma_fence_is_signaled(&tf->base));
	dma_fence_put(&tf->base);

	tf = tf_new_hw();
	tf->enable_returns = false;
	assert_int_equal(dma_fence_add_callback(&tf->base, &p.cb, probe_func),
			 -ENOENT);
	assert_int_equal(atomic_load(&p.calls), 0);
	assert_int_equal(atomic_load(&tf->enable_calls), 1);
	assert_true(dma_fence_is_signaled(&tf->base));
	dma_fence_put(&tf->base);
}

static bool signal_while_unlocked(struct dma_fence *fence)
{
	dmb_fence_unlock(fence);
	dma_fence_signal(fence);
	dmb_fence_lock(fence);
	return true;
}

static const struct dma_fence_ops lock_dropping_ops = {
	.get_driver_name = tf_driver_name,
	.get_timeline_name = tf_timeline_name,
	.enable_signaling = signal_while_unlocked,
	.release = tf_release,
};

/* an enable_signaling that drops the lock may see the fence signal meanwhile: -ENOENT. */
static void enable_signaling_may_drop_lock(void **state)
{
	struct tfence *tf = tf_create(&lock_dropping_ops, NULL,
				      dma_fence_context_alloc(1), 1);
	struct probe p = { .calls = 0 };

	assert_int_equal(dma_fence_add_callback(&tf->base, &p.cb, probe_func),
			 -ENOENT);
	assert_int_equal(atomic_load(&p.calls), 0);
	assert_true(dmb_list_empty(&tf->base.cb_list));
	dma_fence_put(&tf->base);
}

/* is_signaled polls ops->signaled under the lock and signals when it says done. */
static void signaled_op_polled(void **state)
{
	struct tfence *tf = tf_new_hw();
	struct probe p = { .calls = 0 };

	assert_int_equal(dma_fence_add_callback(&tf->base, &p.cb, probe_func), 0);
	assert_false(dma_fence_is_signaled(&tf->base));
	assert_true(atomic_load(&tf->signaled_calls) >= 1);
	assert_int_equal(dma_fence_get_status(&tf->base), 0);
	atomic_store(&tf->hw_done, true);
	assert_true(dma_fence_is_signaled(&tf->base));
	assert_int_equal(atomic_load(&p.calls), 1);
	assert_int_equal(dma_fence_get_status(&tf->base), 1);
	assert_false(atomic_load(&tf->op_without_lock));
	dma_fence_put(&tf->base);
}

/* ops->signaled may set the error it reports; the status then carries it. */
static void signaled_op_sets_error(void **state)
{
	struct tfence *tf = tf_new_hw();

	tf->set_error = -ETIMEDOUT;
	atomic_store(&tf->hw_done, true);
	dmb_fence_lock(&tf->base);
	assert_true(dma_fence_is_signaled_locked(&tf->base));
	assert_int_equal(dma_fence_get_status_locked(&tf->base), -ETIMEDOUT);
	dmb_fence_unlock(&tf->base);
	dma_fence_put(&tf->base);
}

struct chain {
	struct dma_fence_cb cb;
	struct dma_fence *next;
	int ret;
};

static void signal_next(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	struct chain *c = dmb_container_of(cb, struct chain, cb);

	c->ret = dma_fence_signal(c->next);
}

/* a callback may signal a fence of another timeline; its callbacks run nested. */
static void signal_from_callback(void **state)
{
	struct dma_fence *a = tf_new();
	struct dma_fence *b = tf_new();
	struct chain c = { .next = b, .ret = 1 };
	struct probe p = { .calls = 0 };

	assert_int_equal(dma_fence_add_callback(a, &c.cb, signal_next), 0);
	assert_int_equal(dma_fence_add_callback(b, &p.cb, probe_func), 0);
	dma_fence_signal(a);
	assert_int_equal(c.ret, 0);
	assert_true(dma_fence_is_signaled(b));
	assert_int_equal(atomic_load(&p.calls), 1);
	assert_true(pthread_equal(p.thread, pthread_self()));
	dma_fence_put(a);
	dma_fence_put(b);
}

struct waiting_cb {
	struct dma_fence_cb cb;
	struct dma_fence *other;
	int64_t ret;
};

static void wait_other(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	struct waiting_cb *w = dmb_container_of(cb, struct waiting_cb, cb);

	w->ret = dma_fence_wait_timeout(w->other, NSEC_PER_MSEC);
}

/* a wait from inside a callback is reported, even when it would not block. */
static void wait_in_callback_reported(void **state)
{
	struct dma_fence *a = tf_new();
	struct dma_fence *b = tf_new();
	struct waiting_cb w = { .other = b };

	dma_fence_signal(b);
	assert_int_equal(dma_fence_add_callback(a, &w.cb, wait_other), 0);
	dma_fence_signal(a);
	th_assert_warned("inside a fence-signalling section");
	assert_int_equal(w.ret, NSEC_PER_MSEC);
	dma_fence_put(a);
	dma_fence_put(b);
}

/* a wait inside an explicit signalling section is reported; a zero-timeout test is not. */
static void wait_in_signalling_section_reported(void **state)
{
	struct dma_fence *f = tf_new();
	struct dma_fence *fences[1] = { f };
	bool cookie;

	dma_fence_signal(f);
	cookie = dmb_fence_begin_signalling();
	assert_int_equal(dma_fence_wait_timeout(f, 0), 1);
	assert_int_equal(th_count_reports(DMB_DIAG_WARN), 0);
	assert_int_equal(dma_fence_wait_timeout(f, NSEC_PER_MSEC), NSEC_PER_MSEC);
	th_assert_warned("inside a fence-signalling section");
	assert_int_equal(dma_fence_wait_any_timeout(fences, 1, NSEC_PER_MSEC,
						    NULL), NSEC_PER_MSEC);
	th_assert_warned("inside a fence-signalling section");
	dmb_fence_end_signalling(cookie);
	dma_fence_put(f);
}

#define RACE_ROUNDS	1000

struct racer {
	struct dma_fence *fence;
	struct probe p;
	int ret;
};

static void *add_racing_callback(void *arg)
{
	struct racer *r = arg;

	r->ret = dma_fence_add_callback(r->fence, &r->p.cb, probe_func);
	return NULL;
}

/* a callback added while another thread signals runs once, or is refused with -ENOENT. */
static void race_signal_callback(void **state)
{
	for (int round = 0; round < RACE_ROUNDS; round++) {
		struct racer *r = TH_NEW(struct racer, { .fence = tf_new() });
		struct th_thread *t = th_thread_start(add_racing_callback, r);

		dma_fence_signal(r->fence);
		th_thread_join(t);
		if (r->ret) {
			assert_int_equal(r->ret, -ENOENT);
			assert_int_equal(atomic_load(&r->p.calls), 0);
		} else {
			assert_int_equal(atomic_load(&r->p.calls), 1);
		}
		dma_fence_put(r->fence);
	}
}

/* the stub is one signaled fence for everyone; puts never free it. */
static void stub(void **state)
{
	struct dma_fence *a = dma_fence_get_stub();
	struct dma_fence *b = dma_fence_get_stub();
	unsigned int refs = dmb_kref_read(&a->refcount);

	assert_ptr_equal(a, b);
	assert_true(refs >= 3);		/* its own, a's and b's */
	assert_true(dma_fence_is_signaled(a));
	assert_int_equal(dma_fence_get_status(a), 1);
	assert_int_equal(dma_fence_wait_timeout(a, NSEC_PER_SEC), NSEC_PER_SEC);
	assert_string_equal(dma_fence_driver_name(a), "stub");
	dma_fence_put(b);
	dma_fence_put(a);
	assert_int_equal(dmb_kref_read(&a->refcount), refs - 2);
	assert_true(dma_fence_is_signaled(a));
}

/* releasing an unsignaled fence with callbacks is reported; they run with -EDEADLK. */
static void release_with_pending_callbacks(void **state)
{
	struct dma_fence *f = tf_new();
	struct probe p = { .calls = 0 };

	assert_int_equal(dma_fence_add_callback(f, &p.cb, probe_func), 0);
	dma_fence_put(f);
	th_assert_warned("released unsignaled with callbacks pending");
	assert_int_equal(atomic_load(&p.calls), 1);
	assert_int_equal(p.fence_error, -EDEADLK);
}

/* the timestamp of an unsignaled fence is reported and reads as now. */
static void timestamp_of_unsignaled(void **state)
{
	struct dma_fence *f = tf_new();
	int64_t t0 = dmb_ktime_get_ns();

	assert_true(dma_fence_timestamp(f) >= t0);
	th_assert_warned("timestamp of unsignaled fence");
	dma_fence_signal(f);
	dma_fence_put(f);
}

/* ---- the current kernel API ---- */

/* check_and_signal signals a pending fence (false) and reports an already signaled one (true). */
static void check_and_signal(void **state)
{
	struct dma_fence *f = tf_new();
	struct probe p = { .calls = 0 };

	assert_int_equal(dma_fence_add_callback(f, &p.cb, probe_func), 0);
	assert_false(dma_fence_test_signaled_flag(f));
	assert_false(dma_fence_check_and_signal(f));
	assert_true(dma_fence_test_signaled_flag(f));
	assert_int_equal(atomic_load(&p.calls), 1);
	/* a second one is no error and runs nothing again */
	assert_true(dma_fence_check_and_signal(f));
	dmb_fence_lock(f);
	assert_true(dma_fence_check_and_signal_locked(f));
	dmb_fence_unlock(f);
	assert_int_equal(atomic_load(&p.calls), 1);
	dma_fence_put(f);
}

/* test_signaled_flag reads the flag only: it never polls the driver. */
static void test_signaled_flag_does_not_poll(void **state)
{
	struct tfence *tf = tf_new_hw();

	atomic_store(&tf->hw_done, true);
	assert_false(dma_fence_test_signaled_flag(&tf->base));
	assert_int_equal(atomic_load(&tf->signaled_calls), 0);
	assert_true(dma_fence_is_signaled(&tf->base));
	assert_true(dma_fence_test_signaled_flag(&tf->base));
	dma_fence_put(&tf->base);
}

struct dl_fence {
	struct dma_fence base;
	atomic_int calls;
	atomic_llong deadline;
};

static void dl_set_deadline(struct dma_fence *fence, int64_t deadline)
{
	struct dl_fence *d = dmb_container_of(fence, struct dl_fence, base);

	atomic_fetch_add(&d->calls, 1);
	atomic_store(&d->deadline, deadline);
}

static void dl_release(struct dma_fence *fence)
{
	atomic_fetch_sub(&live_fences, 1);
	free(dmb_container_of(fence, struct dl_fence, base));
}

static const struct dma_fence_ops dl_ops = {
	.get_driver_name = tf_driver_name,
	.get_timeline_name = tf_timeline_name,
	.set_deadline = dl_set_deadline,
	.release = dl_release,
};

/* set_deadline reaches the driver's op while pending, not once signaled; no op, no effect. */
static void set_deadline_reaches_op(void **state)
{
	struct dl_fence *d = calloc(1, sizeof(*d));
	struct dma_fence *plain = tf_new();

	assert_non_null(d);
	dma_fence_init(&d->base, &dl_ops, NULL, dma_fence_context_alloc(1), 1);
	atomic_fetch_add(&live_fences, 1);
	dma_fence_set_deadline(&d->base, 777);
	assert_int_equal(atomic_load(&d->calls), 1);
	assert_int_equal(atomic_load(&d->deadline), 777);
	dma_fence_signal(&d->base);
	dma_fence_set_deadline(&d->base, 888);
	assert_int_equal(atomic_load(&d->calls), 1);
	dma_fence_set_deadline(plain, 1);	/* no op: nothing happens */
	dma_fence_signal(plain);
	dma_fence_put(plain);
	dma_fence_put(&d->base);
}

/* A fence whose driver waits itself: the op signals it and counts. */
static int64_t dl_wait(struct dma_fence *fence, bool intr, int64_t timeout)
{
	struct dl_fence *d = dmb_container_of(fence, struct dl_fence, base);

	assert_false(intr);
	atomic_fetch_add(&d->calls, 1);
	atomic_store(&d->deadline, timeout);
	dma_fence_signal(fence);
	return timeout;
}

static const struct dma_fence_ops wait_ops = {
	.get_driver_name = tf_driver_name,
	.get_timeline_name = tf_timeline_name,
	.wait = dl_wait,
	.release = dl_release,
};

/*
 * dma_fence_wait() and a timed wait of a pending fence go to the driver's
 * wait op; a poll (no time to wait), an interruptible wait and a wait of a
 * signaled fence do not.
 */
static void wait_reaches_op(void **state)
{
	struct dl_fence *d = calloc(1, sizeof(*d));
	struct dl_fence *e = calloc(1, sizeof(*e));

	assert_true(d && e);
	dma_fence_init(&d->base, &wait_ops, NULL, dma_fence_context_alloc(1), 1);
	dma_fence_init(&e->base, &wait_ops, NULL, dma_fence_context_alloc(1), 1);
	atomic_fetch_add(&live_fences, 2);
	assert_int_equal(dma_fence_wait_timeout(&d->base, 0), 0);
	assert_int_equal(dmb_fence_wait_timeout(&d->base, true, 0), 0);
	assert_int_equal(atomic_load(&d->calls), 0);
	assert_int_equal(dma_fence_wait_timeout(&d->base, 12345), 12345);
	assert_int_equal(atomic_load(&d->calls), 1);
	assert_int_equal(atomic_load(&d->deadline), 12345);
	assert_true(dma_fence_is_signaled(&d->base));
	assert_int_equal(dma_fence_wait(&d->base), 0);
	assert_int_equal(atomic_load(&d->calls), 1);
	assert_int_equal(dma_fence_wait(&e->base), 0);
	assert_int_equal(atomic_load(&e->calls), 1);
	assert_int_equal(atomic_load(&e->deadline), MAX_SCHEDULE_TIMEOUT);
	dma_fence_put(&d->base);
	dma_fence_put(&e->base);
}

/* describe prints the driver, timeline, seqno and state in one line. */
static void describe_one_line(void **state)
{
	struct dma_fence *f = tf_new();
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	dma_fence_describe(f, out);
	dma_fence_signal(f);
	dma_fence_describe(f, out);
	assert_int_equal(fclose(out), 0);
	assert_non_null(strstr(text, "test:test-timeline"));
	assert_non_null(strstr(text, "pending\n"));
	assert_non_null(strstr(text, "signaled\n"));
	free(text);
	dma_fence_put(f);
}

/* ---- interruptible waits ---- */

struct intr_waiter {
	struct dma_fence *fence;
	pthread_t self;
	atomic_bool started;
	int64_t ret;
};

static bool has_callbacks(struct dma_fence *f)
{
	bool any;

	pthread_mutex_lock(f->lock);
	any = !dmb_list_empty(&f->cb_list);
	pthread_mutex_unlock(f->lock);
	return any;
}

static void *intr_wait_thread(void *arg)
{
	struct intr_waiter *w = arg;

	w->self = pthread_self();
	atomic_store(&w->started, true);
	w->ret = dmb_fence_wait_timeout(w->fence, true, MAX_SCHEDULE_TIMEOUT);
	dmb_interrupt_clear();
	return NULL;
}

/* an interrupt request ends an interruptible wait with -ERESTARTSYS; the fence stays pending. */
static void wait_interruptible_interrupted(void **state)
{
	struct dma_fence *f = tf_new();
	struct intr_waiter w = { .fence = f };
	struct th_thread *t = th_thread_start(intr_wait_thread, &w);

	/* the waiter is asleep once its callback is registered */
	while (!atomic_load(&w.started) || !has_callbacks(f))
		th_sleep_ns(100 * NSEC_PER_USEC);
	assert_int_equal(dmb_thread_interrupt(w.self), 0);
	th_thread_join(t);
	assert_int_equal(w.ret, -ERESTARTSYS);
	assert_false(dma_fence_test_signaled_flag(f));
	assert_false(has_callbacks(f));	/* its callback is gone */
	dma_fence_signal(f);
	dma_fence_put(f);
}

/* with a request pending: interruptible waits fail at once, signaled fences still report signaled, plain waits ignore it. */
static void wait_interruptible_pending_request(void **state)
{
	struct dma_fence *f = tf_new(), *done = tf_new();

	dma_fence_signal(done);
	assert_int_equal(dmb_thread_interrupt(pthread_self()), 0);
	assert_int_equal(dmb_fence_wait_timeout(f, true, MAX_SCHEDULE_TIMEOUT),
			 -ERESTARTSYS);
	assert_int_equal(dmb_fence_wait_timeout(f, true, 0), -ERESTARTSYS);
	assert_int_equal(dmb_fence_wait(f, true), -ERESTARTSYS);
	assert_int_equal(dmb_fence_wait_timeout(done, true, 5), 5);
	assert_int_equal(dmb_fence_wait_timeout(f, false, 0), 0);
	assert_int_equal(dma_fence_wait_timeout(f, 1), 0);	/* times out, uninterrupted */
	dmb_interrupt_clear();
	assert_int_equal(dmb_fence_wait_timeout(f, true, 0), 0);
	dma_fence_signal(f);
	assert_int_equal(dmb_fence_wait(f, true), 0);
	dma_fence_put(f);
	dma_fence_put(done);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		TF_TEST(sanity),
		TF_TEST(context_alloc_unique),
		TF_TEST(init_reports_missing_names),
		TF_TEST(init_reports_null_ops),
		TF_TEST(shared_lock_used),
		TF_TEST(get_put),
		TF_TEST(get_unless_zero),
		TF_TEST(signaling),
		TF_TEST(signal_twice),
		TF_TEST(signal_timestamp),
		TF_TEST(signal_null),
		TF_TEST(locked_variants_need_lock),
		TF_TEST(locked_variant_refused_while_other_thread_holds),
		TF_TEST(add_callback),
		TF_TEST(late_add_callback),
		TF_TEST(add_callback_null_args),
		TF_TEST(rm_callback),
		TF_TEST(late_rm_callback),
		TF_TEST(rm_callback_never_added),
		TF_TEST(add_callback_twice_refused),
		TF_TEST(add_callback_to_second_fence_refused),
		TF_TEST(callback_reusable_after_each_end),
		TF_TEST(callbacks_run_in_order),
		TF_TEST(callbacks_run_in_signalling_thread),
		TF_TEST(callback_may_free_itself),
		TF_TEST(status),
		TF_TEST(error),
		TF_TEST(error_after_signal),
		TF_TEST(error_must_be_negative_errno),
		TF_TEST(wait_timeout_expires),
		TF_TEST(wait_zero_timeout_tests),
		TF_TEST(wait_zero_timeout_enables_first),
		TF_TEST(wait_bad_args),
		TF_TEST(wait_signaled_returns_budget),
		TF_TEST(wait_woken_by_signal),
		TF_TEST(wait_forever_woken),
		TF_TEST(wait_enables_signaling),
		TF_TEST(wait_any),
		TF_TEST(wait_any_timeout_expires),
		TF_TEST(wait_any_already_signaled),
		TF_TEST(wait_any_bad_args),
		TF_TEST(is_later),
		TF_TEST(is_later_wraps_32bit),
		TF_TEST(is_later_or_same),
		TF_TEST(later_signaled_is_null),
		TF_TEST(later_needs_one_timeline),
		TF_TEST(enable_signaling_once),
		TF_TEST(enable_signaling_false_signals),
		TF_TEST(enable_signaling_may_drop_lock),
		TF_TEST(signaled_op_polled),
		TF_TEST(signaled_op_sets_error),
		TF_TEST(signal_from_callback),
		TF_TEST(wait_in_callback_reported),
		TF_TEST(wait_in_signalling_section_reported),
		TF_TEST(race_signal_callback),
		TF_TEST(stub),
		TF_TEST(release_with_pending_callbacks),
		TF_TEST(timestamp_of_unsignaled),
		TF_TEST(check_and_signal),
		TF_TEST(test_signaled_flag_does_not_poll),
		TF_TEST(set_deadline_reaches_op),
		TF_TEST(wait_reaches_op),
		TF_TEST(describe_one_line),
		TF_TEST(wait_interruptible_interrupted),
		TF_TEST(wait_interruptible_pending_request),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
