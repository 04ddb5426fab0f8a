// SPDX-License-Identifier: MIT
/*
 * test-dma-fence-chain.c - timeline points: which timeline a node joins,
 * when it signals, how walking unlinks signaled points, find_seqno, deadline
 * hints, a long chain's release, and walks racing signals.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include <dmabuf/clock.h>
#include <dmabuf/dma-fence-array.h>
#include <dmabuf/dma-fence-chain.h>
#include <dmabuf/irq_work.h>

#include "harness.h"
#include "mock-fence.h"

/* A bound that only catches hangs. */
#define HANG_NS		(10 * NSEC_PER_SEC)

/* A new point after @prev (consumed) for @fence (a new reference taken). */
static struct dma_fence *point(struct dma_fence *prev, struct dma_fence *fence,
			       uint64_t seqno)
{
	struct dma_fence_chain *chain = dma_fence_chain_alloc();

	assert_non_null(chain);
	dma_fence_chain_init(chain, prev, dma_fence_get(fence), seqno);
	return dma_fence_chain_base(chain);
}

/*
 * Wait until @fence has only @refs references: a signaled chain is dropped
 * by its deferred work a moment after it signals.
 */
static void wait_refs(struct dma_fence *fence, unsigned int refs)
{
	while (dmb_kref_read(&fence->refcount) != refs)
		th_sleep_ns(100 * NSEC_PER_USEC);
}

/* Count the points a for_each walk from @head visits. */
static unsigned int count_points(struct dma_fence *head)
{
	struct dma_fence *iter;
	unsigned int n = 0;

	dma_fence_chain_for_each(iter, head)
		n++;
	return n;
}

/* a later seqno joins the previous point's timeline; an earlier one starts a new one at the larger seqno. */
static void init_picks_timeline(void **state)
{
	struct dma_fence *f1 = mock_fence(), *f2 = mock_fence(), *f3 = mock_fence();
	struct dma_fence *c1 = point(NULL, f1, 1);
	struct dma_fence *c2 = point(dma_fence_get(c1), f2, 2);
	struct dma_fence *c3 = point(dma_fence_get(c2), f3, 1);

	assert_true(dma_fence_is_chain(c1));
	assert_true(dma_fence_is_container(c1));
	assert_false(dma_fence_is_chain(f1));
	assert_int_equal(c2->context, c1->context);
	assert_int_equal(c2->seqno, 2);
	assert_int_not_equal(c3->context, c2->context);
	assert_int_equal(c3->seqno, 2);
	assert_ptr_equal(dma_fence_chain_contained(c2), f2);
	assert_ptr_equal(dma_fence_chain_contained(f2), f2);
	assert_true(dma_fence_test_flag(c1, DMA_FENCE_FLAG_SEQNO64_BIT));
	dma_fence_signal(f1);
	dma_fence_signal(f2);
	dma_fence_signal(f3);
	dma_fence_put(c1);
	dma_fence_put(c2);
	dma_fence_put(c3);
	dma_fence_put(f1);
	dma_fence_put(f2);
	dma_fence_put(f3);
}

/* a point signals only once its fence and every earlier one have, in whatever order they signal. */
static void signals_after_all_earlier(void **state)
{
	struct dma_fence *f1 = mock_fence(), *f2 = mock_fence();
	struct dma_fence *c1 = point(NULL, f1, 1);
	struct dma_fence *c2 = point(c1, f2, 2);

	dma_fence_enable_sw_signaling(c2);
	dma_fence_signal(f2);
	assert_false(dma_fence_is_signaled(c2));
	dma_fence_signal(f1);
	/* signaled by the deferred work; the poll knows at once */
	assert_true(dmb_fence_wait_timeout(c2, false, HANG_NS) > 0);
	assert_true(dma_fence_test_signaled_flag(c2));
	dma_fence_put(c2);
	wait_refs(f2, 1);
	dma_fence_put(f1);
	dma_fence_put(f2);
}

/* is_signaled polls every contained fence, without signalling being enabled. */
static void is_signaled_polls(void **state)
{
	struct dma_fence *f1 = mock_fence(), *f2 = mock_fence();
	struct dma_fence *c2 = point(point(NULL, f1, 1), f2, 2);

	dma_fence_signal(f2);
	assert_false(dma_fence_is_signaled(c2));
	dma_fence_signal(f1);
	assert_true(dma_fence_is_signaled(c2));
	dma_fence_put(c2);
	dma_fence_put(f1);
	dma_fence_put(f2);
}

/* a wait on a chain's head returns once its last pending fence signals from another thread. */
static void *signal_later(void *arg)
{
	dma_fence_signal(arg);
	return NULL;
}

static void wait_woken_across_threads(void **state)
{
	struct dma_fence *f1 = mock_fence(), *f2 = mock_fence();
	struct dma_fence *c2 = point(point(NULL, f1, 1), f2, 2);
	struct th_thread *t;

	dma_fence_signal(f2);
	t = th_thread_start(signal_later, f1);
	assert_true(dmb_fence_wait_timeout(c2, false, HANG_NS) > 0);
	th_thread_join(t);
	dma_fence_put(c2);
	wait_refs(f2, 1);
	dma_fence_put(f1);
	dma_fence_put(f2);
}

/* walking skips points whose fence signaled and unlinks them from the chain. */
static void walk_unlinks_signaled(void **state)
{
	struct dma_fence *f[3] = { mock_fence(), mock_fence(), mock_fence() };
	struct dma_fence *c1 = point(NULL, f[0], 1);
	struct dma_fence *c2 = point(dma_fence_get(c1), f[1], 2);
	struct dma_fence *c3 = point(dma_fence_get(c2), f[2], 3);
	struct dma_fence *next;

	assert_int_equal(count_points(c3), 3);
	dma_fence_signal(f[1]);
	next = dma_fence_chain_walk(dma_fence_get(c3));
	assert_ptr_equal(next, c1);		/* c2 skipped */
	dma_fence_put(next);
	/* c3 no longer holds c2: only our reference is left */
	assert_int_equal(dmb_kref_read(&c2->refcount), 1);
	assert_int_equal(count_points(c3), 2);
	/* the end of a chain, and a plain fence, walk to NULL */
	assert_null(dma_fence_chain_walk(dma_fence_get(c1)));
	assert_null(dma_fence_chain_walk(dma_fence_get(f[0])));
	for (int i = 0; i < 3; i++)
		dma_fence_signal(f[i]);
	dma_fence_put(c1);
	dma_fence_put(c2);
	dma_fence_put(c3);
	for (int i = 0; i < 3; i++)
		dma_fence_put(f[i]);
}

/* find_seqno returns the point whose range covers the seqno, NULL once it signaled. */
static void find_seqno_ranges(void **state)
{
	struct dma_fence *f[3] = { mock_fence(), mock_fence(), mock_fence() };
	struct dma_fence *c1 = point(NULL, f[0], 1);
	struct dma_fence *c2 = point(dma_fence_get(c1), f[1], 3);
	struct dma_fence *c3 = point(dma_fence_get(c2), f[2], 5);
	static const struct { uint64_t seqno; int want; } cases[] = {
		{ 5, 3 }, { 4, 3 }, { 3, 2 }, { 2, 2 }, { 1, 1 },
	};
	struct dma_fence *want[4] = { NULL, c1, c2, c3 };
	struct dma_fence *found;

	for (unsigned int i = 0; i < DMB_ARRAY_SIZE(cases); i++) {
		found = dma_fence_get(c3);
		assert_int_equal(dma_fence_chain_find_seqno(&found, cases[i].seqno), 0);
		assert_ptr_equal(found, want[cases[i].want]);
		dma_fence_put(found);
	}
	/* 0 changes nothing; a point not yet made is -EINVAL */
	found = dma_fence_get(c3);
	assert_int_equal(dma_fence_chain_find_seqno(&found, 0), 0);
	assert_ptr_equal(found, c3);
	assert_int_equal(dma_fence_chain_find_seqno(&found, 6), -EINVAL);
	assert_ptr_equal(found, c3);
	dma_fence_put(found);
	found = f[0];
	assert_int_equal(dma_fence_chain_find_seqno(&found, 1), -EINVAL);
	/* once point 1 signaled, nothing is left to wait for */
	dma_fence_signal(f[0]);
	found = dma_fence_get(c3);
	assert_int_equal(dma_fence_chain_find_seqno(&found, 1), 0);
	assert_null(found);
	for (int i = 1; i < 3; i++)
		dma_fence_signal(f[i]);
	dma_fence_put(c1);
	dma_fence_put(c2);
	dma_fence_put(c3);
	for (int i = 0; i < 3; i++)
		dma_fence_put(f[i]);
}

/* A fence that records the deadline it was given. */
struct dl_fence {
	struct dma_fence base;
	atomic_llong deadline;
};

static const char *dl_name(struct dma_fence *fence)
{
	return "deadline";
}

static void dl_set_deadline(struct dma_fence *fence, int64_t deadline)
{
	atomic_store(&dmb_container_of(fence, struct dl_fence, base)->deadline,
		     deadline);
}

static const struct dma_fence_ops dl_ops = {
	.get_driver_name = dl_name,
	.get_timeline_name = dl_name,
	.set_deadline = dl_set_deadline,
};

/* a deadline on a chain reaches every pending contained fence. */
static void deadline_reaches_contained(void **state)
{
	struct dl_fence *d = calloc(2, sizeof(*d));
	struct dma_fence *c2;

	assert_non_null(d);
	for (int i = 0; i < 2; i++) {
		dma_fence_init(&d[i].base, &dl_ops, NULL, dma_fence_context_alloc(1), 1);
		dma_fence_get(&d[i].base);	/* never freed by put: released below */
	}
	c2 = point(point(NULL, &d[0].base, 1), &d[1].base, 2);
	dma_fence_set_deadline(c2, 12345);
	assert_int_equal(atomic_load(&d[0].deadline), 12345);
	assert_int_equal(atomic_load(&d[1].deadline), 12345);
	dma_fence_signal(&d[0].base);
	dma_fence_signal(&d[1].base);
	dma_fence_put(c2);
	/* the chain's references are gone; ours (init + get) remain */
	for (int i = 0; i < 2; i++)
		assert_int_equal(dmb_kref_read(&d[i].base.refcount), 2);
	free(d);
}

#define LONG_CHAIN	20000

/* releasing a long chain does not recurse once per point (it would overflow the stack). */
static void long_chain_release(void **state)
{
	struct dma_fence *f = mock_fence(), *head = NULL;

	dma_fence_signal(f);
	for (uint64_t i = 1; i <= LONG_CHAIN; i++)
		head = point(head, f, i);
	assert_int_equal(dmb_kref_read(&f->refcount), LONG_CHAIN + 1);
	dma_fence_put(head);
	assert_int_equal(dmb_kref_read(&f->refcount), 1);
	dma_fence_put(f);
}

#define RACE_POINTS	64
#define RACE_WALKERS	2

struct race {
	struct dma_fence *head;
	atomic_bool done;
};

static void *walker(void *arg)
{
	struct race *r = arg;

	while (!atomic_load(&r->done))
		assert_true(count_points(r->head) <= RACE_POINTS);
	return NULL;
}

/* walks from several threads while the points signal: no point is freed under a walker. */
static void walks_race_signals(void **state)
{
	struct dma_fence *f[RACE_POINTS], *head = NULL;
	struct th_thread *t[RACE_WALKERS];
	struct race r;

	for (int i = 0; i < RACE_POINTS; i++) {
		f[i] = mock_fence();
		head = point(head, f[i], (uint64_t)i + 1);
	}
	r.head = head;
	atomic_init(&r.done, false);
	for (int i = 0; i < RACE_WALKERS; i++)
		t[i] = th_thread_start(walker, &r);
	dma_fence_enable_sw_signaling(head);
	for (int i = 0; i < RACE_POINTS; i++)
		dma_fence_signal(f[i]);
	assert_true(dmb_fence_wait_timeout(head, false, HANG_NS) > 0);
	atomic_store(&r.done, true);
	for (int i = 0; i < RACE_WALKERS; i++)
		th_thread_join(t[i]);
	assert_int_equal(count_points(head), 1);
	dma_fence_put(head);
	wait_refs(f[RACE_POINTS - 1], 1);
	for (int i = 0; i < RACE_POINTS; i++)
		dma_fence_put(f[i]);
}

static atomic_bool warm_ran;

static void warm_fn(struct dmb_irq_work *work)
{
	atomic_store(&warm_ran, true);
}

int main(int argc, char **argv)
{
	static struct dmb_irq_work warm;
	const struct CMUnitTest tests[] = {
		MOCK_FENCE_TEST(init_picks_timeline),
		MOCK_FENCE_TEST(signals_after_all_earlier),
		MOCK_FENCE_TEST(is_signaled_polls),
		MOCK_FENCE_TEST(wait_woken_across_threads),
		MOCK_FENCE_TEST(walk_unlinks_signaled),
		MOCK_FENCE_TEST(find_seqno_ranges),
		MOCK_FENCE_TEST(deadline_reaches_contained),
		MOCK_FENCE_TEST(long_chain_release),
		MOCK_FENCE_TEST(walks_race_signals),
	};

	/*
	 * Chains move on from the library's deferred-work thread, which lives
	 * as long as the process: start it before the first case, so that the
	 * harness's count of threads left behind by a case does not see it.
	 */
	dmb_init_irq_work(&warm, warm_fn);
	dmb_irq_work_queue(&warm);
	if (!TH_WAIT_UNTIL(atomic_load(&warm_ran)))
		return 1;
	return th_run(argc, argv, tests, TH_COUNT(tests));
}
