// SPDX-License-Identifier: MIT
/*
 * stress-dma-fence.c - many threads signal and wait on shared fences: each
 * fence is signaled exactly once, every waiter wakes, every callback runs
 * exactly once unless it was removed first, and every fence is released.
 *
 * Rounds: the main thread makes a batch of fences (half on a shared timeline
 * lock, half on their own), then signallers race to signal all of them in
 * their own random order while waiters wait (forever, with short timeouts,
 * on any of several, on arrays) and add and remove callbacks. After each
 * round the main thread checks the counts. Bounded in rounds and in time;
 * seeded by th_stress_seed().
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include <dmabuf/clock.h>
#include <dmabuf/dma-fence-array.h>

#include "harness.h"

#define SIGNALLERS	3
#define WAITERS		4
#define FENCES		16
#define OPS_PER_ROUND	12
#define MAX_ROUNDS	2000
#define BUDGET_NS	(2 * NSEC_PER_SEC)

struct sfence {
	struct dma_fence base;
	atomic_int wins;	/* successful dma_fence_signal() calls */
};

static atomic_int live_fences;

static const char *sfence_name(struct dma_fence *fence)
{
	return "stress";
}

static bool sfence_enable_signaling(struct dma_fence *fence)
{
	return true;
}

static void sfence_release(struct dma_fence *fence)
{
	atomic_fetch_sub(&live_fences, 1);
	free(dmb_container_of(fence, struct sfence, base));
}

static const struct dma_fence_ops sfence_ops = {
	.get_driver_name = sfence_name,
	.get_timeline_name = sfence_name,
	.enable_signaling = sfence_enable_signaling,
	.release = sfence_release,
};

struct probe {
	struct dma_fence_cb cb;
	atomic_int calls;
	int expected;
};

static void probe_func(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	atomic_fetch_add(&dmb_container_of(cb, struct probe, cb)->calls, 1);
}

/* Shared by all threads; the barriers order every access to the round. */
static struct {
	pthread_barrier_t start, end;
	atomic_bool stop;
	unsigned int seed;
	pthread_mutex_t timeline_lock;
	struct sfence *fences[FENCES];
	struct probe probes[WAITERS][OPS_PER_ROUND];

	/* failures seen by worker threads, checked by the main thread */
	atomic_long bad_signal;
	atomic_long bad_wait;
	atomic_long waits, wakes;
	atomic_long timeouts;
	atomic_long arrays;
} s;

static struct dma_fence *pick(unsigned int *seed)
{
	return &s.fences[rand_r(seed) % FENCES]->base;
}

static void *signaller(void *arg)
{
	unsigned int seed = s.seed + 101 * (unsigned int)(uintptr_t)arg;
	unsigned int order[FENCES];

	for (;;) {
		pthread_barrier_wait(&s.start);
		if (atomic_load(&s.stop))
			return NULL;

		for (unsigned int i = 0; i < FENCES; i++)
			order[i] = i;
		for (unsigned int i = FENCES - 1; i > 0; i--) {
			unsigned int j = rand_r(&seed) % (i + 1), t = order[i];

			order[i] = order[j];
			order[j] = t;
		}
		for (unsigned int i = 0; i < FENCES; i++) {
			struct sfence *f = s.fences[order[i]];
			int ret;

			if (rand_r(&seed) % 4 == 0)
				th_sleep_ns(rand_r(&seed) % (20 * NSEC_PER_USEC));
			ret = dma_fence_signal(&f->base);
			if (!ret)
				atomic_fetch_add(&f->wins, 1);
			else if (ret != -EINVAL)
				atomic_fetch_add(&s.bad_signal, 1);
		}
		pthread_barrier_wait(&s.end);
	}
}

static void wait_forever(struct dma_fence *f)
{
	atomic_fetch_add(&s.waits, 1);
	if (dma_fence_wait_timeout(f, MAX_SCHEDULE_TIMEOUT) == MAX_SCHEDULE_TIMEOUT &&
	    dma_fence_is_signaled(f))
		atomic_fetch_add(&s.wakes, 1);
}

/* Short waits race the signal, so timeouts and late callbacks both happen. */
static void wait_short(struct dma_fence *f, unsigned int *seed)
{
	int64_t left;

	left = dma_fence_wait_timeout(f, 1 + rand_r(seed) % (50 * NSEC_PER_USEC));
	if (left < 0)
		atomic_fetch_add(&s.bad_wait, 1);
	else if (left == 0)
		atomic_fetch_add(&s.timeouts, 1);
	wait_forever(f);
}

static void wait_any(unsigned int *seed)
{
	struct dma_fence *f[3] = { pick(seed), pick(seed), pick(seed) };
	uint32_t idx = 3;

	atomic_fetch_add(&s.waits, 1);
	if (dma_fence_wait_any_timeout(f, 3, MAX_SCHEDULE_TIMEOUT, &idx) ==
	    MAX_SCHEDULE_TIMEOUT && idx < 3 && dma_fence_is_signaled(f[idx]))
		atomic_fetch_add(&s.wakes, 1);
}

static void wait_array(unsigned int *seed)
{
	unsigned int n = 2 + rand_r(seed) % 3;
	struct dma_fence **members = calloc(n, sizeof(*members));
	struct dma_fence *array;

	if (!members) {
		atomic_fetch_add(&s.bad_wait, 1);
		return;
	}
	for (unsigned int i = 0; i < n; i++)
		members[i] = dma_fence_get(pick(seed));
	array = dma_fence_array_create((int)n, members,
				       dma_fence_context_alloc(1), 1,
				       rand_r(seed) % 2);
	if (!array) {
		atomic_fetch_add(&s.bad_wait, 1);
		for (unsigned int i = 0; i < n; i++)
			dma_fence_put(members[i]);
		free(members);
		return;
	}
	atomic_fetch_add(&s.arrays, 1);
	wait_forever(array);
	dma_fence_put(array);
}

/* Register a callback, maybe remove it again; record whether it must run. */
static void callback(struct probe *p, unsigned int *seed)
{
	struct dma_fence *f = pick(seed);

	if (dma_fence_add_callback(f, &p->cb, probe_func))
		return;
	p->expected = 1;
	if (rand_r(seed) % 2 && dma_fence_remove_callback(f, &p->cb))
		p->expected = 0;
}

static void *waiter(void *arg)
{
	unsigned int id = (unsigned int)(uintptr_t)arg;
	unsigned int seed = s.seed + 7919 * (id + 1);

	for (;;) {
		pthread_barrier_wait(&s.start);
		if (atomic_load(&s.stop))
			return NULL;

		for (unsigned int op = 0; op < OPS_PER_ROUND; op++) {
			struct probe *p = &s.probes[id][op];

			/* not every slot registers a callback each round */
			atomic_store(&p->calls, 0);
			p->expected = 0;
			switch (rand_r(&seed) % 5) {
			case 0:
				wait_forever(pick(&seed));
				break;
			case 1:
				wait_short(pick(&seed), &seed);
				break;
			case 2:
				wait_any(&seed);
				break;
			case 3:
				wait_array(&seed);
				break;
			default:
				callback(p, &seed);
				break;
			}
		}
		pthread_barrier_wait(&s.end);
	}
}

static void make_fences(void)
{
	uint64_t shared = dma_fence_context_alloc(1);

	for (unsigned int i = 0; i < FENCES; i++) {
		struct sfence *f = calloc(1, sizeof(*f));

		assert_non_null(f);
		atomic_fetch_add(&live_fences, 1);
		if (i % 2)
			dma_fence_init(&f->base, &sfence_ops, &s.timeline_lock,
				       shared, i);
		else
			dma_fence_init(&f->base, &sfence_ops, NULL,
				       dma_fence_context_alloc(1), 1);
		s.fences[i] = f;
	}
}

/* After a round: each fence won once, kept no callback; every probe ran as owed. */
static void check_round(void)
{
	for (unsigned int i = 0; i < FENCES; i++) {
		struct sfence *f = s.fences[i];

		assert_int_equal(atomic_load(&f->wins), 1);
		assert_true(dma_fence_is_signaled(&f->base));
		assert_true(dmb_list_empty(&f->base.cb_list));
		dma_fence_put(&f->base);
	}
	for (unsigned int w = 0; w < WAITERS; w++)
		for (unsigned int op = 0; op < OPS_PER_ROUND; op++)
			assert_int_equal(atomic_load(&s.probes[w][op].calls),
					 s.probes[w][op].expected);
	/* arrays a waiter dropped are released by the last member callback */
	assert_int_equal(atomic_load(&live_fences), 0);
}

/* signallers and waiters hammer shared fences; every count adds up. */
static void signal_and_wait(void **state)
{
	struct th_thread *t[SIGNALLERS + WAITERS];
	int64_t t0 = dmb_ktime_get_ns();
	unsigned int rounds = 0;

	s.seed = th_stress_seed();
	pthread_mutex_init(&s.timeline_lock, NULL);
	pthread_barrier_init(&s.start, NULL, SIGNALLERS + WAITERS + 1);
	pthread_barrier_init(&s.end, NULL, SIGNALLERS + WAITERS + 1);
	for (uintptr_t i = 0; i < SIGNALLERS; i++)
		t[i] = th_thread_start(signaller, (void *)i);
	for (uintptr_t i = 0; i < WAITERS; i++)
		t[SIGNALLERS + i] = th_thread_start(waiter, (void *)i);

	/* At least one round, whatever the load: the time only ends the run. */
	while (rounds < MAX_ROUNDS &&
	       (rounds == 0 || dmb_ktime_get_ns() - t0 < BUDGET_NS)) {
		make_fences();
		pthread_barrier_wait(&s.start);
		pthread_barrier_wait(&s.end);
		check_round();
		rounds++;
	}
	atomic_store(&s.stop, true);
	pthread_barrier_wait(&s.start);
	for (unsigned int i = 0; i < SIGNALLERS + WAITERS; i++)
		th_thread_join(t[i]);

	print_message("# %u rounds, %ld waits (%ld short ones timed out), "
		      "%ld arrays\n", rounds, atomic_load(&s.waits),
		      atomic_load(&s.timeouts), atomic_load(&s.arrays));
	assert_true(rounds > 0);
	assert_int_equal(atomic_load(&s.bad_signal), 0);
	assert_int_equal(atomic_load(&s.bad_wait), 0);
	assert_int_equal(atomic_load(&s.wakes), atomic_load(&s.waits));

	pthread_barrier_destroy(&s.start);
	pthread_barrier_destroy(&s.end);
	pthread_mutex_destroy(&s.timeline_lock);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		TH_TEST(signal_and_wait),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
