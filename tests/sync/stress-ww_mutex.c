// SPDX-License-Identifier: MIT
/*
 * stress-ww_mutex.c - threads lock random sets of ww_mutexes in random
 * order; every round completes and every lock excludes.
 *
 * Each round picks STRESS_SET distinct locks out of STRESS_LOCKS and takes
 * them in an acquire context with the full back-off protocol, then bumps a
 * plain counter behind every lock it holds. Some rounds take one lock
 * without a context or try the set with trylock, so contexts also contend
 * with plain holders and with the trylock fast path. At the end each lock's
 * counter must equal the bumps the threads counted for it: a lost update
 * means two threads held a lock at once, a hang means a deadlock or a lost
 * wake-up (meson's timeout fails it). Bounded in rounds and in time; seeded
 * by th_stress_seed().
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include <dmabuf/clock.h>
#include <dmabuf/ww_mutex.h>

#include "harness.h"

#define STRESS_THREADS	5
#define STRESS_LOCKS	8
#define STRESS_SET	4
#define STRESS_ROUNDS	50000
#define STRESS_BUDGET	(NSEC_PER_SEC * 2 / 3)	/* per case; three cases */
#define STRESS_HOT	2	/* plain-only runs hammer this many locks */

static DEFINE_WW_CLASS(ww_class);
static DEFINE_WD_CLASS(wd_class);

struct stress {
	struct ww_class *cls;	/* NULL: plain mutexes only */
	struct ww_mutex locks[STRESS_LOCKS];
	unsigned long count[STRESS_LOCKS];	/* count[i] under locks[i] */
	int64_t deadline;
};

struct worker {
	struct stress *s;
	unsigned int seed;
	unsigned long rounds;
	unsigned long backoffs;
	unsigned long errors;	/* unexpected results, checked by the main thread */
	unsigned long bumps[STRESS_LOCKS];
};

/* Pick @n distinct locks in random order. */
static void pick_set(struct worker *w, unsigned int *set, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		bool dup;

		do {
			set[i] = (unsigned int)rand_r(&w->seed) % STRESS_LOCKS;
			dup = false;
			for (unsigned int j = 0; j < i; j++)
				dup |= set[j] == set[i];
		} while (dup);
	}
}

/*
 * Count one pass through lock @i's critical section; now and then linger in
 * it, so that others find it held and go to sleep.
 */
static void bump(struct worker *w, unsigned int i)
{
	if (!ww_mutex_held(&w->s->locks[i]))
		w->errors++;
	w->s->count[i]++;
	w->bumps[i]++;
	if (rand_r(&w->seed) % 16 == 0)
		sched_yield();
}

/* Lock @set in @ctx with the full back-off protocol. */
static void lock_set(struct worker *w, struct ww_acquire_ctx *ctx,
		     const unsigned int *set)
{
	uint32_t held = 0;
	unsigned int i;
	int ret;

retry:
	for (i = 0; i < STRESS_SET; i++) {
		if (held & (1u << i))
			continue;
		ret = ww_mutex_lock(&w->s->locks[set[i]], ctx);
		if (ret == -EDEADLK) {
			for (unsigned int j = 0; j < STRESS_SET; j++)
				if (held & (1u << j))
					ww_mutex_unlock(&w->s->locks[set[j]]);
			ww_mutex_lock_slow(&w->s->locks[set[i]], ctx);
			held = 1u << i;
			w->backoffs++;
			goto retry;
		}
		if (ret)
			w->errors++;
		held |= 1u << i;
	}
}

static void round_ctx(struct worker *w, const unsigned int *set)
{
	struct ww_acquire_ctx ctx;

	ww_acquire_init(&ctx, w->s->cls);
	lock_set(w, &ctx, set);
	ww_acquire_done(&ctx);
	if (ctx.acquired != STRESS_SET)
		w->errors++;
	for (unsigned int i = 0; i < STRESS_SET; i++)
		bump(w, set[i]);
	for (unsigned int i = 0; i < STRESS_SET; i++)
		ww_mutex_unlock(&w->s->locks[set[i]]);
	ww_acquire_fini(&ctx);
}

/* All or nothing with trylock, in a context: never waits. */
static void round_trylock(struct worker *w, const unsigned int *set)
{
	struct ww_acquire_ctx ctx;
	unsigned int i, n;

	ww_acquire_init(&ctx, w->s->cls);
	for (n = 0; n < STRESS_SET; n++)
		if (!ww_mutex_trylock(&w->s->locks[set[n]], &ctx))
			break;
	if (n == STRESS_SET)
		for (i = 0; i < n; i++)
			bump(w, set[i]);
	for (i = 0; i < n; i++)
		ww_mutex_unlock(&w->s->locks[set[i]]);
	ww_acquire_fini(&ctx);
}

static void round_plain(struct worker *w, unsigned int lock)
{
	if (ww_mutex_lock(&w->s->locks[lock], NULL))
		w->errors++;
	bump(w, lock);
	ww_mutex_unlock(&w->s->locks[lock]);
}

static void *worker_main(void *p)
{
	struct worker *w = p;

	/* At least one round, whatever the load: the time only ends the run. */
	while (w->rounds < STRESS_ROUNDS &&
	       (w->rounds == 0 || dmb_ktime_get_ns() < w->s->deadline)) {
		unsigned int set[STRESS_SET];
		unsigned int kind = (unsigned int)rand_r(&w->seed) % 8;

		pick_set(w, set, STRESS_SET);
		if (!w->s->cls)
			round_plain(w, set[0] % STRESS_HOT);
		else if (kind == 0)
			round_plain(w, set[0]);
		else if (kind == 1)
			round_trylock(w, set);
		else
			round_ctx(w, set);
		w->rounds++;
	}
	return NULL;
}

static void run_stress(struct ww_class *cls, const char *name)
{
	static struct stress s;
	struct worker *w = th_alloc(STRESS_THREADS * sizeof(*w));
	struct th_thread *t[STRESS_THREADS];
	unsigned long rounds = 0, backoffs = 0;
	unsigned int seed = th_stress_seed();

	s.cls = cls;
	for (unsigned int i = 0; i < STRESS_LOCKS; i++) {
		ww_mutex_init(&s.locks[i], cls ? cls : &ww_class);
		s.count[i] = 0;
	}
	s.deadline = dmb_ktime_get_ns() + STRESS_BUDGET;
	for (unsigned int i = 0; i < STRESS_THREADS; i++) {
		w[i] = (struct worker){ .s = &s, .seed = seed + 7919 * i };
		t[i] = th_thread_start(worker_main, &w[i]);
	}
	for (unsigned int i = 0; i < STRESS_THREADS; i++)
		th_thread_join(t[i]);

	for (unsigned int i = 0; i < STRESS_THREADS; i++) {
		assert_int_equal(w[i].errors, 0);
		assert_true(w[i].rounds > 0);
		rounds += w[i].rounds;
		backoffs += w[i].backoffs;
	}
	for (unsigned int l = 0; l < STRESS_LOCKS; l++) {
		unsigned long expected = 0;

		for (unsigned int i = 0; i < STRESS_THREADS; i++)
			expected += w[i].bumps[l];
		assert_int_equal(s.count[l], expected);
		assert_false(ww_mutex_is_locked(&s.locks[l]));
		ww_mutex_destroy(&s.locks[l]);
	}
	print_message("# %s: %lu rounds, %lu back-offs\n", name, rounds, backoffs);
}

/* wait-die contexts, plain holders and trylocks on shared locks: all complete, all exclude. */
static void stress_wait_die(void **state)
{
	run_stress(&wd_class, "wait-die");
}

/* the same with wound-wait contexts (wounds wake sleepers on other locks). */
static void stress_wound_wait(void **state)
{
	run_stress(&ww_class, "wound-wait");
}

/* plain lock/unlock only: the fast and slow paths never lose a wake-up. */
static void stress_plain(void **state)
{
	run_stress(NULL, "plain");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		TH_TEST(stress_wait_die),
		TH_TEST(stress_wound_wait),
		TH_TEST(stress_plain),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
