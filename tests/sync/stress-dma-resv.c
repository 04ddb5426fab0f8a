// SPDX-License-Identifier: MIT
/*
 * stress-dma-resv.c - many threads lock random sets of reservation objects
 * inside acquire contexts and add fences, while readers walk them unlocked.
 *
 * Pins: no deadlock (the run finishes inside the test timeout), no lost
 * fence (the last fence each thread added to each object is still there at
 * the end), and the lock really excludes (a counter bumped under every lock
 * held adds up). Bounded in rounds and in time; seeded for replay.
 */
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include <dmabuf/dma-resv.h>

#include "harness.h"
#include "mock-fence.h"

#define NR_OBJS		16
#define NR_WRITERS	4
#define NR_READERS	2
#define SET_SIZE	4
#define ROUNDS		3000
#define TIME_LIMIT_NS	(3 * NSEC_PER_SEC)

struct stress_obj {
	struct dma_resv resv;
	unsigned long adds;		/* protected by resv */
};

struct stress {
	struct stress_obj objs[NR_OBJS];
	atomic_bool stop;
	int64_t deadline;
};

struct writer {
	struct stress *s;
	unsigned int seed;
	uint64_t context;
	unsigned long rounds;
	unsigned long adds;
	struct dma_fence *last[NR_OBJS];	/* our newest fence per object */
	unsigned long backoffs;
};

/* Pick SET_SIZE distinct objects. */
static void pick_set(unsigned int *seed, int *set)
{
	for (int i = 0; i < SET_SIZE; i++) {
		bool dup;

		do {
			set[i] = rand_r(seed) % NR_OBJS;
			dup = false;
			for (int j = 0; j < i; j++)
				dup |= set[j] == set[i];
		} while (dup);
	}
}

/* Lock every object of @set in @ctx with the full back-off protocol. */
static void lock_set(struct writer *w, struct ww_acquire_ctx *ctx, const int *set)
{
	struct dma_resv *contended = NULL;
	int i;

retry:
	for (i = 0; i < SET_SIZE; i++) {
		struct dma_resv *obj = &w->s->objs[set[i]].resv;
		int ret;

		if (obj == contended) {
			contended = NULL;
			continue;
		}
		ret = dma_resv_lock(obj, ctx);
		if (ret == -EDEADLK) {
			for (int j = 0; j < i; j++)
				if (&w->s->objs[set[j]].resv != contended)
					dma_resv_unlock(&w->s->objs[set[j]].resv);
			if (contended)
				dma_resv_unlock(contended);
			contended = obj;
			w->backoffs++;
			dma_resv_lock_slow(obj, ctx);
			goto retry;
		}
		assert_int_equal(ret, 0);
	}
}

static void *writer_thread(void *p)
{
	struct writer *w = p;
	struct stress *s = w->s;

	for (uint64_t seqno = 1; seqno <= ROUNDS; seqno++) {
		struct ww_acquire_ctx ctx;
		struct dma_fence *fence;
		int set[SET_SIZE];

		/* at least one round, whatever the load: time only ends the run */
		if (seqno > 1 && dmb_ktime_get_ns() > s->deadline)
			break;
		pick_set(&w->seed, set);
		fence = mock_fence_on(w->context, seqno);

		ww_acquire_init(&ctx, &reservation_ww_class);
		lock_set(w, &ctx, set);
		ww_acquire_done(&ctx);
		for (int i = 0; i < SET_SIZE; i++) {
			struct stress_obj *o = &s->objs[set[i]];

			assert_int_equal(dma_resv_reserve_fences(&o->resv, 1), 0);
			dma_resv_add_fence(&o->resv, fence, DMA_RESV_USAGE_WRITE);
			o->adds++;
			w->adds++;
			dma_fence_put(w->last[set[i]]);
			w->last[set[i]] = dma_fence_get(fence);
		}
		/* Hold the set a little now and then, so contexts collide. */
		if (rand_r(&w->seed) % 4 == 0)
			sched_yield();
		for (int i = 0; i < SET_SIZE; i++)
			dma_resv_unlock(&s->objs[set[i]].resv);
		ww_acquire_fini(&ctx);

		/* Retire most fences at once, keep some pending for readers. */
		if (rand_r(&w->seed) % 4)
			dma_fence_signal(fence);
		dma_fence_put(fence);
		w->rounds++;
	}
	return NULL;
}

static void *reader_thread(void *p)
{
	struct stress *s = p;
	unsigned int seed = th_stress_seed() ^ 0x5a5a;
	unsigned long walks = 0;

	while (!atomic_load(&s->stop)) {
		struct stress_obj *o = &s->objs[rand_r(&seed) % NR_OBJS];
		struct dma_fence **fences;
		unsigned int n;

		dma_resv_test_signaled(&o->resv, DMA_RESV_USAGE_BOOKKEEP);
		assert_int_equal(dma_resv_get_fences(&o->resv, DMA_RESV_USAGE_READ,
						     &n, &fences), 0);
		for (unsigned int i = 0; i < n; i++) {
			assert_false(dma_fence_is_signaled(fences[i]) &&
				     dma_fence_get_status(fences[i]) < 0);
			dma_fence_put(fences[i]);
		}
		free(fences);
		walks++;
	}
	return (void *)walks;
}

/* Is @fence still in @resv (the newest fence of its timeline there)? */
static bool resv_contains(struct dma_resv *resv, struct dma_fence *fence)
{
	struct dma_resv_iter cursor;
	struct dma_fence *f;
	bool found = false;

	dma_resv_lock(resv, NULL);
	dma_resv_for_each_fence(&cursor, resv, DMA_RESV_USAGE_BOOKKEEP, f)
		found |= f == fence;
	dma_resv_unlock(resv);
	return found;
}

static void lock_random_sets(void **state)
{
	struct stress *s = th_alloc(sizeof(*s));
	struct writer *w = th_alloc(NR_WRITERS * sizeof(*w));
	struct th_thread *wt[NR_WRITERS], *rt[NR_READERS];
	unsigned long adds = 0, counted = 0, backoffs = 0;
	long live_before = mock_fence_live();

	assert_non_null(s);
	s->deadline = dmb_ktime_get_ns() + TIME_LIMIT_NS;
	for (int i = 0; i < NR_OBJS; i++)
		dma_resv_init(&s->objs[i].resv);
	for (int i = 0; i < NR_WRITERS; i++) {
		w[i].s = s;
		w[i].seed = th_stress_seed() + (unsigned int)i;
		w[i].context = dma_fence_context_alloc(1);
		wt[i] = th_thread_start(writer_thread, &w[i]);
	}
	for (int i = 0; i < NR_READERS; i++)
		rt[i] = th_thread_start(reader_thread, s);

	for (int i = 0; i < NR_WRITERS; i++)
		th_thread_join(wt[i]);
	atomic_store(&s->stop, true);
	for (int i = 0; i < NR_READERS; i++)
		th_thread_join(rt[i]);

	for (int i = 0; i < NR_WRITERS; i++) {
		assert_true(w[i].rounds > 0);
		adds += w[i].adds;
		backoffs += w[i].backoffs;
		/* no lost fence: each writer's newest fence per object is there */
		for (int o = 0; o < NR_OBJS; o++) {
			if (!w[i].last[o])
				continue;
			assert_true(dma_fence_is_signaled(w[i].last[o]) ||
				    resv_contains(&s->objs[o].resv, w[i].last[o]));
		}
	}
	for (int o = 0; o < NR_OBJS; o++)
		counted += s->objs[o].adds;
	assert_int_equal(counted, adds);
	print_message("# %lu adds, %lu back-offs\n", adds, backoffs);

	for (int i = 0; i < NR_WRITERS; i++)
		for (int o = 0; o < NR_OBJS; o++) {
			if (w[i].last[o])
				dma_fence_signal(w[i].last[o]);
			dma_fence_put(w[i].last[o]);
		}
	for (int o = 0; o < NR_OBJS; o++)
		dma_resv_fini(&s->objs[o].resv);
	assert_int_equal(mock_fence_live(), live_before);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		TH_TEST(lock_random_sets),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
