// SPDX-License-Identifier: MIT
/*
 * test-ww_mutex.c - a ww_mutex is a mutex; inside acquire contexts, every
 * contention resolves by age (wait-die or wound-wait) and misuse is reported.
 *
 * Multi-thread cases script "actors": threads that run one lock operation at
 * a time on command, so a case can put a thread to sleep on a lock, check
 * that it sleeps (it is registered as a waiter and its command is still
 * running), and release it, in an exact order and without timing guesses.
 */
#include <pthread.h>
#include <stdatomic.h>

#include <dmabuf/clock.h>
#include <dmabuf/interrupt.h>
#include <dmabuf/ww_mutex.h>

#include "fixture.h"
#include "../../src/sync/ww_mutex-private.h"

static DEFINE_WW_CLASS(ww_class);
static DEFINE_WD_CLASS(wd_class);

struct fixture {
	struct ww_mutex a, b, c;
	const void *row;	/* a table-driven case's data, or NULL */
};

/* Locks of @cls; @state holds the case's row (cmocka's initial state). */
static int setup_class(void **state, struct ww_class *cls)
{
	static struct fixture f;

	f.row = *state;
	ww_mutex_init(&f.a, cls);
	ww_mutex_init(&f.b, cls);
	ww_mutex_init(&f.c, cls);
	*state = &f;
	return th_setup(state);
}

static int setup_ww(void **state)
{
	return setup_class(state, &ww_class);
}

static int setup_wd(void **state)
{
	return setup_class(state, &wd_class);
}

/*
 * A table-driven case's row starts with its name and the class of its
 * locks; the fixture's locks are of that class.
 */
struct ww_row {
	const char *name;
	struct ww_class *cls;
};

static int setup_row(void **state)
{
	const struct ww_row *row = *state;

	return setup_class(state, row->cls);
}

/* Every case leaves its locks free: destroy would report otherwise. */
static int teardown(void **state)
{
	struct fixture *f = *state;

	th_teardown_threads();
	ww_mutex_destroy(&f->a);
	ww_mutex_destroy(&f->b);
	ww_mutex_destroy(&f->c);
	return th_teardown(state);
}

#define WW_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup_ww, teardown)
/* One case per row of a table: @row's name, its data in the fixture. */
#define WW_ROW(fn, row) { (row).head.name, fn, setup_row, teardown, (void *)&(row) }
#define WD_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup_wd, teardown)

/* Wait until @n threads are registered waiters of @lock (asserted). */
static void wait_for_waiters(struct ww_mutex *lock, unsigned int n)
{
	assert_true(TH_WAIT_UNTIL(th_lock_waiters(lock) >= n));
}

/*
 * This program builds its own ww_mutex.c with WW_MUTEX_TEST_WINDOW: a
 * thread that armed the window is held in the fast path between taking a
 * lock and publishing its context (ww_mutex-private.h), until the case
 * closes it. Locking: window.lock protects window.held and window.open.
 */
static _Thread_local bool window_armed;
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool held;	/* a thread waits in the window */
	bool open;	/* and stays there while this is true */
} window = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER };

void ww_test_window(struct ww_mutex *lock)
{
	(void)lock;
	if (!window_armed)
		return;
	window_armed = false;
	pthread_mutex_lock(&window.lock);
	window.held = true;
	window.open = true;
	pthread_cond_broadcast(&window.cond);
	while (window.open)
		pthread_cond_wait(&window.cond, &window.lock);
	window.held = false;
	pthread_mutex_unlock(&window.lock);
}

static bool window_is_held(void)
{
	bool held;

	pthread_mutex_lock(&window.lock);
	held = window.held;
	pthread_mutex_unlock(&window.lock);
	return held;
}

static void window_close(void)
{
	pthread_mutex_lock(&window.lock);
	window.open = false;
	pthread_cond_broadcast(&window.cond);
	pthread_mutex_unlock(&window.lock);
}

enum actor_op {
	OP_INIT,	/* ww_acquire_init(ctx, arg) */
	OP_LOCK,	/* ww_mutex_lock(arg, ctx) */
	OP_LOCK_PLAIN,	/* ww_mutex_lock(arg, NULL) */
	OP_LOCK_SLOW,	/* ww_mutex_lock_slow(arg, ctx) */
	OP_TRYLOCK,	/* ww_mutex_trylock(arg, ctx) */
	OP_UNLOCK,	/* ww_mutex_unlock(arg) */
	OP_FINI,	/* ww_acquire_fini(ctx) */
	OP_LOCK_INTR,	/* ww_mutex_lock_interruptible(arg, ctx) */
	OP_LOCK_SLOW_INTR, /* ww_mutex_lock_slow_interruptible(arg, ctx) */
	OP_INTR_CLEAR,	/* dmb_interrupt_clear() */
	OP_LOCK_HELD_OPEN, /* ww_mutex_lock(arg, ctx), held in the window */
	OP_EXIT,
};

/*
 * A thread running one operation at a time. @ctx is the context it uses, its
 * own @own_ctx unless a case points it elsewhere. Locking: @lock protects
 * @op, @arg, @busy and @ret.
 */
struct actor {
	struct th_thread *thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	enum actor_op op;
	void *arg;
	bool busy;
	int ret;
	struct ww_acquire_ctx *ctx;
	struct ww_acquire_ctx own_ctx;
	pthread_t self;		/* the actor's thread, for interrupts */
};

static int actor_run(struct actor *a, enum actor_op op, void *arg)
{
	switch (op) {
	case OP_INIT:
		ww_acquire_init(a->ctx, arg);
		return 0;
	case OP_LOCK:
		return ww_mutex_lock(arg, a->ctx);
	case OP_LOCK_PLAIN:
		return ww_mutex_lock(arg, NULL);
	case OP_LOCK_SLOW:
		ww_mutex_lock_slow(arg, a->ctx);
		return 0;
	case OP_TRYLOCK:
		return ww_mutex_trylock(arg, a->ctx);
	case OP_UNLOCK:
		ww_mutex_unlock(arg);
		return 0;
	case OP_FINI:
		ww_acquire_fini(a->ctx);
		return 0;
	case OP_LOCK_INTR:
		return ww_mutex_lock_interruptible(arg, a->ctx);
	case OP_LOCK_SLOW_INTR:
		return ww_mutex_lock_slow_interruptible(arg, a->ctx);
	case OP_INTR_CLEAR:
		dmb_interrupt_clear();
		return 0;
	case OP_LOCK_HELD_OPEN:
		window_armed = true;
		return ww_mutex_lock(arg, a->ctx);
	case OP_EXIT:
		break;
	}
	return 0;
}

static void *actor_main(void *p)
{
	struct actor *a = p;
	enum actor_op op;

	pthread_mutex_lock(&a->lock);
	a->self = pthread_self();
	do {
		int ret;

		while (!a->busy)
			pthread_cond_wait(&a->cond, &a->lock);
		op = a->op;
		pthread_mutex_unlock(&a->lock);
		ret = actor_run(a, op, a->arg);
		pthread_mutex_lock(&a->lock);
		a->ret = ret;
		a->busy = false;
		pthread_cond_broadcast(&a->cond);
	} while (op != OP_EXIT);
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

static struct actor *actor_start(void)
{
	struct actor *a = test_calloc(1, sizeof(*a));

	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->cond, NULL);
	a->ctx = &a->own_ctx;
	a->thread = th_thread_start(actor_main, a);
	return a;
}

/* Start @op without waiting for it: it may block. */
static void actor_post(struct actor *a, enum actor_op op, void *arg)
{
	pthread_mutex_lock(&a->lock);
	assert_false(a->busy);
	a->op = op;
	a->arg = arg;
	a->busy = true;
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
}

/* Wait for the posted operation to finish. Return: its result. */
static int actor_wait(struct actor *a)
{
	int ret;

	pthread_mutex_lock(&a->lock);
	while (a->busy)
		pthread_cond_wait(&a->cond, &a->lock);
	ret = a->ret;
	pthread_mutex_unlock(&a->lock);
	return ret;
}

static int actor_do(struct actor *a, enum actor_op op, void *arg)
{
	actor_post(a, op, arg);
	return actor_wait(a);
}

/* True while the posted operation runs (for a lock: sleeps). */
static bool actor_busy(struct actor *a)
{
	bool busy;

	pthread_mutex_lock(&a->lock);
	busy = a->busy;
	pthread_mutex_unlock(&a->lock);
	return busy;
}

static void actor_stop(struct actor *a)
{
	actor_do(a, OP_EXIT, NULL);
	th_thread_join(a->thread);
	pthread_cond_destroy(&a->cond);
	pthread_mutex_destroy(&a->lock);
	test_free(a);
}

/* Two actors with contexts of @cls, @old's stamp older than @young's. */
static void actors_start(struct ww_class *cls, struct actor **old,
			 struct actor **young)
{
	*old = actor_start();
	*young = actor_start();
	actor_do(*old, OP_INIT, cls);
	actor_do(*young, OP_INIT, cls);
	assert_true((*old)->ctx->stamp < (*young)->ctx->stamp);
}

static void actors_stop(struct actor *old, struct actor *young)
{
	actor_do(old, OP_FINI, NULL);
	actor_do(young, OP_FINI, NULL);
	actor_stop(old);
	actor_stop(young);
}

/* ---- the plain mutex (ctx == NULL) ---- */

/* lock and unlock without a context; is_locked and held follow. */
static void mutex_lock_unlock(void **state)
{
	struct fixture *f = *state;

	assert_false(ww_mutex_is_locked(&f->a));
	assert_int_equal(ww_mutex_lock(&f->a, NULL), 0);
	assert_true(ww_mutex_is_locked(&f->a));
	assert_true(ww_mutex_held(&f->a));
	assert_true(dmb_lockdep_is_held(&f->a.dep_map));
	assert_null(dmb_lockdep_held_ctx(&f->a.dep_map));
	ww_mutex_unlock(&f->a);
	assert_false(ww_mutex_is_locked(&f->a));
	assert_false(ww_mutex_held(&f->a));
	assert_false(dmb_lockdep_is_held(&f->a.dep_map));
}

/* the lock is reported under its class's mutex name. */
static void mutex_named_after_class(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(f->a.dep_map.name, "ww_class_mutex");
	assert_string_equal(ww_class.acquire_name, "ww_class_acquire");
}

/* trylock takes a free lock and never waits for a held one. */
static void mutex_trylock(void **state)
{
	struct fixture *f = *state;
	struct actor *t = actor_start();

	t->ctx = NULL;
	assert_true(ww_mutex_trylock(&f->a, NULL));
	assert_true(ww_mutex_held(&f->a));
	assert_false(ww_mutex_trylock(&f->a, NULL));
	assert_int_equal(actor_do(t, OP_TRYLOCK, &f->a), false);
	ww_mutex_unlock(&f->a);
	assert_int_equal(actor_do(t, OP_TRYLOCK, &f->a), true);
	assert_false(ww_mutex_held(&f->a));
	assert_true(ww_mutex_is_locked(&f->a));
	actor_do(t, OP_UNLOCK, &f->a);
	actor_stop(t);
}

/* a held lock makes another thread sleep until it is unlocked (kernel: mutex). */
static void mutex_excludes(void **state)
{
	struct fixture *f = *state;
	struct actor *t = actor_start();

	assert_int_equal(ww_mutex_lock(&f->a, NULL), 0);
	actor_post(t, OP_LOCK_PLAIN, &f->a);
	wait_for_waiters(&f->a, 1);
	assert_true(actor_busy(t));
	assert_true(ww_mutex_held(&f->a));
	ww_mutex_unlock(&f->a);
	assert_int_equal(actor_wait(t), 0);
	assert_true(ww_mutex_is_locked(&f->a));
	assert_false(ww_mutex_held(&f->a));
	actor_do(t, OP_UNLOCK, &f->a);
	assert_false(ww_mutex_is_locked(&f->a));
	actor_stop(t);
}

/* The first of @n actors (NULL: gone) that finished its operation, or -1. */
static int first_idle(struct actor **t, int n)
{
	for (int i = 0; i < n; i++)
		if (t[i] && !actor_busy(t[i]))
			return i;
	return -1;
}

/* several sleepers are all served, one at a time. */
static void mutex_serves_every_waiter(void **state)
{
	struct fixture *f = *state;
	struct actor *t[3];

	assert_int_equal(ww_mutex_lock(&f->a, NULL), 0);
	for (int i = 0; i < 3; i++) {
		t[i] = actor_start();
		actor_post(t[i], OP_LOCK_PLAIN, &f->a);
	}
	wait_for_waiters(&f->a, 3);
	ww_mutex_unlock(&f->a);
	for (int served = 0; served < 3; served++) {
		int owner = -1;

		assert_true(TH_WAIT_UNTIL(
			(owner = first_idle(t, 3)) >= 0));
		assert_int_equal(actor_wait(t[owner]), 0);
		/* the others keep sleeping while it holds the lock */
		for (int i = 0; i < 3; i++)
			if (t[i] && i != owner)
				assert_true(actor_busy(t[i]));
		actor_do(t[owner], OP_UNLOCK, &f->a);
		actor_stop(t[owner]);
		t[owner] = NULL;
	}
	assert_false(ww_mutex_is_locked(&f->a));
}

/* locking a lock the thread already holds is refused, not a self-deadlock. */
static void recursive_lock_refused(void **state)
{
	struct fixture *f = *state;
	struct ww_acquire_ctx ctx;

	ww_acquire_init(&ctx, &ww_class);
	assert_int_equal(ww_mutex_lock(&f->a, NULL), 0);
	assert_int_equal(ww_mutex_lock(&f->a, NULL), -EINVAL);
	th_assert_warned("recursive lock of ww_class_mutex");
	assert_int_equal(ww_mutex_lock(&f->a, &ctx), -EINVAL);
	th_assert_warned("recursive lock");
	assert_int_equal(ctx.acquired, 0);
	ww_mutex_unlock(&f->a);
	ww_acquire_fini(&ctx);
}

/* ---- acquire contexts ---- */

/* each context gets a younger stamp than the one before. */
static void stamps_order_contexts(void **state)
{
	struct ww_acquire_ctx first, second;

	ww_acquire_init(&first, &ww_class);
	ww_acquire_init(&second, &ww_class);
	assert_true(second.stamp > first.stamp);
	ww_acquire_fini(&second);
	ww_acquire_fini(&first);
}

/* a context counts the locks it holds, trylock included; lockdep records it. */
static void ctx_counts_locks(void **state)
{
	struct fixture *f = *state;
	struct ww_acquire_ctx ctx;

	ww_acquire_init(&ctx, &ww_class);
	assert_int_equal(ww_mutex_lock(&f->a, &ctx), 0);
	assert_int_equal(ww_mutex_lock(&f->b, &ctx), 0);
	assert_true(ww_mutex_trylock(&f->c, &ctx));
	assert_int_equal(ctx.acquired, 3);
	assert_ptr_equal(dmb_lockdep_held_ctx(&f->b.dep_map), &ctx);
	ww_acquire_done(&ctx);
	ww_mutex_unlock(&f->b);
	assert_int_equal(ctx.acquired, 2);
	ww_mutex_unlock(&f->a);
	ww_mutex_unlock(&f->c);
	assert_int_equal(ctx.acquired, 0);
	ww_acquire_fini(&ctx);
}

/* a lock the context already holds gives -EALREADY and is not counted twice (kernel: aa). */
static void aa_returns_ealready(void **state)
{
	struct fixture *f = *state;
	struct ww_acquire_ctx ctx;

	ww_acquire_init(&ctx, &ww_class);
	assert_int_equal(ww_mutex_lock(&f->a, &ctx), 0);
	assert_false(ww_mutex_trylock(&f->a, NULL));
	assert_false(ww_mutex_trylock(&f->a, &ctx));
	assert_int_equal(ww_mutex_lock(&f->a, &ctx), -EALREADY);
	assert_int_equal(ctx.acquired, 1);
	assert_int_equal(dmb_lockdep_depth(), 1);
	ww_mutex_unlock(&f->a);
	assert_false(ww_mutex_is_locked(&f->a));
	ww_acquire_fini(&ctx);
}

/* held is true only in the owning thread; is_locked in every thread. */
static void held_only_by_owner(void **state)
{
	struct fixture *f = *state;
	struct actor *t = actor_start();

	actor_do(t, OP_INIT, &ww_class);
	assert_int_equal(actor_do(t, OP_LOCK, &f->a), 0);
	assert_true(ww_mutex_is_locked(&f->a));
	assert_false(ww_mutex_held(&f->a));
	assert_false(dmb_lockdep_is_held(&f->a.dep_map));
	actor_do(t, OP_UNLOCK, &f->a);
	actor_do(t, OP_FINI, NULL);
	actor_stop(t);
}

/* ---- who waits, in both classes ---- */

/*
 * One context asks for the lock another context holds and waits, neither
 * dying nor wounding: the waiter is older (it may wait) or holds nothing
 * (it cannot close a cycle), in either class.
 */
struct wait_row {
	struct ww_row head;
	bool waiter_is_old;	/* else the younger waits */
	bool waiter_holds;	/* the waiter holds b when it asks for a */
};

static const struct wait_row wait_rows[] = {
	/* an older context waits for a younger holder instead of dying */
	{ { "wait_die_older_waits", &wd_class }, true, true },
	/* a younger context that holds nothing waits: it cannot close a cycle */
	{ { "wait_die_idle_younger_waits", &wd_class }, false, false },
	/* a younger context waits for an older holder and is not wounded */
	{ { "wound_wait_younger_waits", &ww_class }, false, true },
	/* an older context that holds nothing waits without wounding */
	{ { "wound_wait_idle_older_waits", &ww_class }, true, false },
};

static void waiter_waits(void **state)
{
	struct fixture *f = *state;
	const struct wait_row *row = f->row;
	struct actor *old, *young, *holder, *waiter;

	actors_start(row->head.cls, &old, &young);
	holder = row->waiter_is_old ? young : old;
	waiter = row->waiter_is_old ? old : young;
	assert_int_equal(actor_do(holder, OP_LOCK, &f->a), 0);
	if (row->waiter_holds)
		assert_int_equal(actor_do(waiter, OP_LOCK, &f->b), 0);
	actor_post(waiter, OP_LOCK, &f->a);
	wait_for_waiters(&f->a, 1);
	assert_true(actor_busy(waiter));
	assert_false(atomic_load(&holder->ctx->wounded));
	actor_do(holder, OP_UNLOCK, &f->a);
	assert_int_equal(actor_wait(waiter), 0);
	assert_int_equal(waiter->ctx->acquired, row->waiter_holds ? 2 : 1);
	assert_false(atomic_load(&waiter->ctx->wounded));
	actor_do(waiter, OP_UNLOCK, &f->a);
	if (row->waiter_holds)
		actor_do(waiter, OP_UNLOCK, &f->b);
	actors_stop(old, young);
}

/* ---- wait-die ---- */

/* a younger context holding a lock dies at once on a lock an older one holds. */
static void wait_die_younger_dies(void **state)
{
	struct fixture *f = *state;
	struct actor *old, *young;

	actors_start(&wd_class, &old, &young);
	assert_int_equal(actor_do(old, OP_LOCK, &f->a), 0);
	assert_int_equal(actor_do(young, OP_LOCK, &f->b), 0);
	assert_int_equal(actor_do(young, OP_LOCK, &f->a), -EDEADLK);
	assert_ptr_equal(young->ctx->contending, &f->a);
	assert_int_equal(young->ctx->acquired, 1);
	/* back off, then lock_slow sleeps until the older one is done */
	actor_do(young, OP_UNLOCK, &f->b);
	actor_post(young, OP_LOCK_SLOW, &f->a);
	wait_for_waiters(&f->a, 1);
	assert_true(actor_busy(young));
	actor_do(old, OP_UNLOCK, &f->a);
	assert_int_equal(actor_wait(young), 0);
	assert_null(young->ctx->contending);
	assert_int_equal(young->ctx->acquired, 1);
	assert_int_equal(actor_do(young, OP_LOCK, &f->b), 0);
	actor_do(young, OP_UNLOCK, &f->a);
	actor_do(young, OP_UNLOCK, &f->b);
	actors_stop(old, young);
}

/* Read @lock's waiter count. */
static unsigned int waiters_of(struct ww_mutex *lock)
{
	unsigned int n;

	pthread_mutex_lock(&lock->wait_lock);
	n = lock->waiters;
	pthread_mutex_unlock(&lock->wait_lock);
	return n;
}

/*
 * Let @a's posted lock on @lock run until it either returns or sleeps as
 * waiter number @n. Return: true if it returned.
 */
static bool actor_returns_or_waits(struct actor *a, struct ww_mutex *lock,
				   unsigned int n)
{
	while (actor_busy(a) && waiters_of(lock) < n)
		th_sleep_ns(50 * NSEC_PER_USEC);
	return !actor_busy(a);
}

/* wait-die, kernel wait-list rule: a younger context holding locks dies behind an older waiter. */
static void wait_die_dies_behind_older_waiter(void **state)
{
	struct fixture *f = *state;
	struct actor *old, *young;

	actors_start(&wd_class, &old, &young);
	assert_int_equal(ww_mutex_lock(&f->a, NULL), 0);	/* ctx-less holder */
	actor_post(old, OP_LOCK, &f->a);
	wait_for_waiters(&f->a, 1);
	assert_int_equal(actor_do(young, OP_LOCK, &f->b), 0);
	actor_post(young, OP_LOCK, &f->a);
	/* it must not queue behind the older one: it would die there anyway */
	assert_true(actor_returns_or_waits(young, &f->a, 2));
	assert_int_equal(actor_wait(young), -EDEADLK);
	assert_ptr_equal(young->ctx->contending, &f->a);
	assert_true(actor_busy(old));
	ww_mutex_unlock(&f->a);
	assert_int_equal(actor_wait(old), 0);
	actor_do(old, OP_UNLOCK, &f->a);
	actor_do(young, OP_UNLOCK, &f->b);
	actors_stop(old, young);
}

/* wait-die: an older context queueing in front of a younger waiter that holds locks kills it. */
static void wait_die_older_waiter_kills_queued_younger(void **state)
{
	struct fixture *f = *state;
	struct actor *old, *young;

	actors_start(&wd_class, &old, &young);
	assert_int_equal(ww_mutex_lock(&f->a, NULL), 0);
	assert_int_equal(actor_do(young, OP_LOCK, &f->b), 0);
	actor_post(young, OP_LOCK, &f->a);	/* ctx-less holder: waits */
	wait_for_waiters(&f->a, 1);
	actor_post(old, OP_LOCK, &f->a);
	/* the younger is woken to die while the lock is still held */
	assert_int_equal(actor_wait(young), -EDEADLK);
	assert_true(actor_busy(old));
	ww_mutex_unlock(&f->a);
	assert_int_equal(actor_wait(old), 0);
	actor_do(old, OP_UNLOCK, &f->a);
	actor_do(young, OP_UNLOCK, &f->b);
	actors_stop(old, young);
}

/*
 * The lock is handed to waiters in stamp order, whatever order they queued
 * in, and only the one it goes to wakes: the younger still sleeps while the
 * older holds it.
 */
static void waiters_served_in_stamp_order(void **state)
{
	struct fixture *f = *state;
	struct actor *old, *young;

	actors_start(&wd_class, &old, &young);
	assert_int_equal(ww_mutex_lock(&f->a, NULL), 0);
	actor_post(young, OP_LOCK, &f->a);	/* holds nothing: waits */
	wait_for_waiters(&f->a, 1);
	actor_post(old, OP_LOCK, &f->a);
	wait_for_waiters(&f->a, 2);
	ww_mutex_unlock(&f->a);
	assert_int_equal(actor_wait(old), 0);
	assert_true(actor_busy(young));
	actor_do(old, OP_UNLOCK, &f->a);
	assert_int_equal(actor_wait(young), 0);
	actor_do(young, OP_UNLOCK, &f->a);
	actors_stop(old, young);
}

/* waiters without a context are served first come, first served. */
static void plain_waiters_served_in_order(void **state)
{
	struct fixture *f = *state;
	struct actor *first = actor_start(), *second = actor_start();

	assert_int_equal(ww_mutex_lock(&f->a, NULL), 0);
	actor_post(first, OP_LOCK_PLAIN, &f->a);
	wait_for_waiters(&f->a, 1);
	actor_post(second, OP_LOCK_PLAIN, &f->a);
	wait_for_waiters(&f->a, 2);
	ww_mutex_unlock(&f->a);
	assert_int_equal(actor_wait(first), 0);
	assert_true(actor_busy(second));
	actor_do(first, OP_UNLOCK, &f->a);
	assert_int_equal(actor_wait(second), 0);
	actor_do(second, OP_UNLOCK, &f->a);
	actor_stop(first);
	actor_stop(second);
}

/* ---- interruptible locks (interrupt.h) ---- */

/* an interrupt request ends an interruptible wait with -EINTR; nothing is taken. */
static void lock_interruptible_interrupted(void **state)
{
	struct fixture *f = *state;
	struct actor *old, *young;

	actors_start(&wd_class, &old, &young);
	assert_int_equal(actor_do(old, OP_LOCK, &f->a), 0);
	actor_post(young, OP_LOCK_INTR, &f->a);
	wait_for_waiters(&f->a, 1);
	assert_int_equal(dmb_thread_interrupt(young->self), 0);
	assert_int_equal(actor_wait(young), -EINTR);
	assert_int_equal(young->ctx->acquired, 0);
	assert_int_equal(waiters_of(&f->a), 0);
	/* still pending: the next contended interruptible lock fails at once */
	assert_int_equal(actor_do(young, OP_LOCK_SLOW_INTR, &f->a), -EINTR);
	actor_do(young, OP_INTR_CLEAR, NULL);
	actor_post(young, OP_LOCK_SLOW_INTR, &f->a);
	wait_for_waiters(&f->a, 1);
	actor_do(old, OP_UNLOCK, &f->a);
	assert_int_equal(actor_wait(young), 0);
	actor_do(young, OP_UNLOCK, &f->a);
	actors_stop(old, young);
}

/* a pending request does not stop an uncontended lock (the kernel takes it too). */
static void lock_interruptible_uncontended_ignores_request(void **state)
{
	struct fixture *f = *state;
	struct ww_acquire_ctx ctx;

	assert_int_equal(dmb_thread_interrupt(pthread_self()), 0);
	assert_true(dmb_interrupt_pending());
	ww_acquire_init(&ctx, &wd_class);
	assert_int_equal(ww_mutex_lock_interruptible(&f->a, &ctx), 0);
	ww_mutex_unlock(&f->a);
	assert_int_equal(ww_mutex_lock_slow_interruptible(&f->a, &ctx), 0);
	ww_mutex_unlock(&f->a);
	ww_acquire_fini(&ctx);
	dmb_interrupt_clear();
	assert_false(dmb_interrupt_pending());
}

/* an uninterruptible lock ignores the request and still waits for the lock. */
static void plain_lock_ignores_request(void **state)
{
	struct fixture *f = *state;
	struct actor *t = actor_start();

	assert_int_equal(ww_mutex_lock(&f->a, NULL), 0);
	actor_post(t, OP_LOCK_PLAIN, &f->a);
	wait_for_waiters(&f->a, 1);
	assert_int_equal(dmb_thread_interrupt(t->self), 0);
	/* it is still queued: an interrupt touches interruptible waits only */
	assert_int_equal(waiters_of(&f->a), 1);
	assert_true(actor_busy(t));
	ww_mutex_unlock(&f->a);
	assert_int_equal(actor_wait(t), 0);
	actor_do(t, OP_UNLOCK, &f->a);
	actor_do(t, OP_INTR_CLEAR, NULL);
	actor_stop(t);
}

/* two contexts of one thread: the younger dies, and never waits for its own thread. */
static void wait_die_same_thread(void **state)
{
	struct fixture *f = *state;
	struct ww_acquire_ctx old, young;

	ww_acquire_init(&old, &wd_class);
	ww_acquire_init(&young, &wd_class);
	assert_int_equal(ww_mutex_lock(&f->a, &old), 0);
	assert_int_equal(ww_mutex_lock(&f->b, &young), 0);
	assert_int_equal(ww_mutex_lock(&f->a, &young), -EDEADLK);
	ww_mutex_unlock(&f->b);
	/* holding nothing it would wait, for itself: refused instead */
	assert_int_equal(ww_mutex_lock(&f->a, &young), -EINVAL);
	th_assert_warned("recursive lock of wd_class_mutex");
	ww_mutex_unlock(&f->a);
	ww_mutex_lock_slow(&f->a, &young);
	assert_int_equal(young.acquired, 1);
	assert_int_equal(old.acquired, 0);
	ww_mutex_unlock(&f->a);
	ww_acquire_fini(&young);
	ww_acquire_fini(&old);
}

/* ---- wound-wait ---- */

/* an older context holding a lock wounds a younger holder, which backs off at its next contended lock. */
static void wound_wait_older_wounds_younger(void **state)
{
	struct fixture *f = *state;
	struct actor *old, *young;

	actors_start(&ww_class, &old, &young);
	assert_int_equal(actor_do(old, OP_LOCK, &f->b), 0);
	assert_int_equal(actor_do(young, OP_LOCK, &f->a), 0);
	actor_post(old, OP_LOCK, &f->a);
	wait_for_waiters(&f->a, 1);
	assert_true(atomic_load(&young->ctx->wounded));
	/* a free lock is still taken ... */
	assert_int_equal(actor_do(young, OP_LOCK, &f->c), 0);
	/* ... a contended one is not, even one held by an older context */
	assert_int_equal(actor_do(young, OP_LOCK, &f->b), -EDEADLK);
	assert_ptr_equal(young->ctx->contending, &f->b);
	actor_do(young, OP_UNLOCK, &f->c);
	assert_true(actor_busy(old));
	actor_do(young, OP_UNLOCK, &f->a);
	assert_int_equal(actor_wait(old), 0);
	/* the back-off completes once the older one is done */
	actor_post(young, OP_LOCK_SLOW, &f->b);
	wait_for_waiters(&f->b, 1);
	actor_do(old, OP_UNLOCK, &f->a);
	actor_do(old, OP_UNLOCK, &f->b);
	assert_int_equal(actor_wait(young), 0);
	assert_false(atomic_load(&young->ctx->wounded));
	assert_int_equal(actor_do(young, OP_LOCK, &f->a), 0);
	actor_do(young, OP_UNLOCK, &f->a);
	actor_do(young, OP_UNLOCK, &f->b);
	actors_stop(old, young);
}

/* a wounded context asleep on another lock is woken and backs off. */
static void wound_wait_wakes_sleeping_victim(void **state)
{
	struct fixture *f = *state;
	struct actor *old, *young;

	actors_start(&ww_class, &old, &young);
	assert_int_equal(ww_mutex_lock(&f->c, NULL), 0);
	assert_int_equal(actor_do(old, OP_LOCK, &f->b), 0);
	assert_int_equal(actor_do(young, OP_LOCK, &f->a), 0);
	actor_post(young, OP_LOCK, &f->c);	/* sleeps: c is held */
	wait_for_waiters(&f->c, 1);
	actor_post(old, OP_LOCK, &f->a);
	assert_int_equal(actor_wait(young), -EDEADLK);	/* c still held */
	assert_ptr_equal(young->ctx->contending, &f->c);
	assert_true(ww_mutex_held(&f->c));
	actor_do(young, OP_UNLOCK, &f->a);
	assert_int_equal(actor_wait(old), 0);
	ww_mutex_unlock(&f->c);
	actor_do(old, OP_UNLOCK, &f->a);
	actor_do(old, OP_UNLOCK, &f->b);
	actors_stop(old, young);
}

/*
 * A new holder is judged by the oldest waiter that holds locks, not merely
 * by the oldest waiter. Replayed in rule 2's window: young takes a with the
 * fast path and stops before publishing its context; oldest (holding
 * nothing, as after a back-off) and middle (holding b) queue on a and see
 * no context to wound. Once young publishes, it must be wounded on
 * middle's behalf: leaving that to oldest, which cannot wound, would leave
 * middle asleep behind a younger holder that goes on to wait for b, the
 * deadlock wound-wait exists to prevent.
 */
static void wound_wait_new_holder_judged_by_waiter_holding_locks(void **state)
{
	struct fixture *f = *state;
	struct actor *oldest = actor_start(), *middle = actor_start();
	struct actor *young = actor_start();

	actor_do(oldest, OP_INIT, &ww_class);
	actor_do(middle, OP_INIT, &ww_class);
	actor_do(young, OP_INIT, &ww_class);
	assert_int_equal(actor_do(middle, OP_LOCK, &f->b), 0);
	actor_post(young, OP_LOCK_HELD_OPEN, &f->a);
	assert_true(TH_WAIT_UNTIL(window_is_held()));
	actor_post(oldest, OP_LOCK, &f->a);
	wait_for_waiters(&f->a, 1);
	actor_post(middle, OP_LOCK, &f->a);
	wait_for_waiters(&f->a, 2);
	assert_false(atomic_load(&young->ctx->wounded));	/* nothing to wound yet */

	window_close();
	assert_int_equal(actor_wait(young), 0);
	assert_true(TH_WAIT_UNTIL(atomic_load(&young->ctx->wounded)));
	assert_int_equal(actor_do(young, OP_LOCK, &f->b), -EDEADLK);
	assert_true(actor_busy(oldest) && actor_busy(middle));

	/* young backs off: a goes to oldest, then to middle, in stamp order */
	actor_do(young, OP_UNLOCK, &f->a);
	assert_int_equal(actor_wait(oldest), 0);
	actor_do(oldest, OP_UNLOCK, &f->a);
	assert_int_equal(actor_wait(middle), 0);
	actor_do(middle, OP_UNLOCK, &f->a);
	actor_do(middle, OP_UNLOCK, &f->b);
	actors_stop(oldest, middle);
	actor_do(young, OP_FINI, NULL);
	actor_stop(young);
}

/* ---- abba and cycle (kernel: test_abba, test_cycle) ---- */

/*
 * Lock @locks[0..n) in @ctx with the full back-off protocol, @held saying
 * which are already held. Return: the number of back-offs, or a negative
 * errno from an unexpected failure.
 */
static int lock_set(struct ww_mutex **locks, unsigned int n,
		    struct ww_acquire_ctx *ctx, uint32_t held)
{
	int backoffs = 0;
	unsigned int i;
	int ret;

retry:
	for (i = 0; i < n; i++) {
		if (held & (1u << i))
			continue;
		ret = ww_mutex_lock(locks[i], ctx);
		if (ret == -EDEADLK) {
			for (unsigned int j = 0; j < n; j++)
				if (held & (1u << j))
					ww_mutex_unlock(locks[j]);
			ww_mutex_lock_slow(locks[i], ctx);
			held = 1u << i;
			backoffs++;
			goto retry;
		}
		if (ret)
			return ret;
		held |= 1u << i;
	}
	return backoffs;
}

#define CYCLE_MAX	8

struct cycle {
	struct ww_class *cls;
	struct ww_mutex locks[CYCLE_MAX];
	unsigned int n;
	pthread_barrier_t all_hold_first;
};

struct cycle_worker {
	struct cycle *cycle;
	unsigned int index;
	struct ww_acquire_ctx ctx;
	int result;
};

/* Take my lock, wait until everyone holds theirs, then take the next one. */
static void *cycle_worker(void *p)
{
	struct cycle_worker *w = p;
	struct cycle *c = w->cycle;
	struct ww_mutex *locks[2] = {
		&c->locks[w->index], &c->locks[(w->index + 1) % c->n],
	};

	ww_acquire_init(&w->ctx, c->cls);
	w->result = ww_mutex_lock(locks[0], &w->ctx);
	pthread_barrier_wait(&c->all_hold_first);
	if (!w->result)
		w->result = lock_set(locks, 2, &w->ctx, 1);
	ww_acquire_done(&w->ctx);
	if (w->result >= 0) {
		ww_mutex_unlock(locks[1]);
		ww_mutex_unlock(locks[0]);
	}
	ww_acquire_fini(&w->ctx);
	return NULL;
}

/*
 * @n threads each hold one lock of a ring and want the next: a deadlock for
 * plain mutexes; with ww_mutexes every thread completes, at least one backs
 * off and the oldest never does.
 */
static void run_cycle(struct ww_class *cls, unsigned int n)
{
	struct cycle *c = TH_NEW(struct cycle, { .cls = cls, .n = n });
	struct cycle_worker *w = th_alloc(CYCLE_MAX * sizeof(*w));
	struct th_thread *t[CYCLE_MAX];
	unsigned int oldest = 0;
	int backoffs = 0;

	for (unsigned int i = 0; i < n; i++)
		ww_mutex_init(&c->locks[i], cls);
	pthread_barrier_init(&c->all_hold_first, NULL, n);
	for (unsigned int i = 0; i < n; i++) {
		w[i] = (struct cycle_worker){ .cycle = c, .index = i };
		t[i] = th_thread_start(cycle_worker, &w[i]);
	}
	for (unsigned int i = 0; i < n; i++)
		th_thread_join(t[i]);
	for (unsigned int i = 0; i < n; i++) {
		assert_true(w[i].result >= 0);
		backoffs += w[i].result;
		if (w[i].ctx.stamp < w[oldest].ctx.stamp)
			oldest = i;
	}
	assert_true(backoffs >= 1);
	assert_int_equal(w[oldest].result, 0);
	pthread_barrier_destroy(&c->all_hold_first);
	for (unsigned int i = 0; i < n; i++)
		ww_mutex_destroy(&c->locks[i]);
}

/*
 * Rings of threads, each holding one lock and wanting the next: two threads
 * locking a,b and b,a (kernel: abba), and rings of 3 to CYCLE_MAX (kernel:
 * cycle), all complete in either class.
 */
struct cycle_row {
	struct ww_row head;
	unsigned int min_threads, max_threads;
};

static const struct cycle_row cycle_rows[] = {
	{ { "abba_wait_die", &wd_class }, 2, 2 },
	{ { "abba_wound_wait", &ww_class }, 2, 2 },
	{ { "cycle_wait_die", &wd_class }, 3, CYCLE_MAX },
	{ { "cycle_wound_wait", &ww_class }, 3, CYCLE_MAX },
};

static void rings_complete(void **state)
{
	struct fixture *f = *state;
	const struct cycle_row *row = f->row;

	for (unsigned int n = row->min_threads; n <= row->max_threads; n++)
		run_cycle(row->head.cls, n);
}

/* ---- misuse ---- */

/* unlock by a thread that does not hold the lock is reported and ignored. */
static void unlock_by_non_owner(void **state)
{
	struct fixture *f = *state;
	struct actor *t = actor_start();

	ww_mutex_unlock(&f->a);
	th_assert_warned("unlock of ww_class_mutex by a thread that does not hold it");
	assert_int_equal(ww_mutex_lock(&f->a, NULL), 0);
	actor_do(t, OP_UNLOCK, &f->a);
	th_assert_warned("does not hold it");
	assert_true(ww_mutex_held(&f->a));
	ww_mutex_unlock(&f->a);
	actor_stop(t);
}

/* locking after ww_acquire_done() is reported and refused. */
static void lock_after_done(void **state)
{
	struct fixture *f = *state;
	struct ww_acquire_ctx ctx;

	ww_acquire_init(&ctx, &ww_class);
	assert_int_equal(ww_mutex_lock(&f->a, &ctx), 0);
	ww_acquire_done(&ctx);
	assert_int_equal(ww_mutex_lock(&f->b, &ctx), -EINVAL);
	th_assert_warned("after ww_acquire_done()");
	assert_false(ww_mutex_trylock(&f->b, &ctx));
	th_assert_warned("after ww_acquire_done()");
	assert_false(ww_mutex_is_locked(&f->b));
	assert_int_equal(ctx.acquired, 1);
	ww_mutex_unlock(&f->a);
	ww_acquire_fini(&ctx);
}

/* fini of a context that still holds locks is reported. */
static void fini_while_holding(void **state)
{
	struct fixture *f = *state;
	struct ww_acquire_ctx ctx;

	ww_acquire_init(&ctx, &ww_class);
	assert_int_equal(ww_mutex_lock(&f->a, &ctx), 0);
	ww_acquire_fini(&ctx);
	th_assert_warned("ww_acquire_fini of ww_class_acquire with 1 locks still held");
	ww_mutex_unlock(&f->a);
}

/* a mutex of another class than the context's is reported and refused. */
static void class_mismatch(void **state)
{
	struct fixture *f = *state;
	struct ww_acquire_ctx ctx;

	ww_acquire_init(&ctx, &wd_class);
	assert_int_equal(ww_mutex_lock(&f->a, &ctx), -EINVAL);
	th_assert_warned("ww_class_mutex locked in a context of another class (wd_class_acquire)");
	assert_false(ww_mutex_is_locked(&f->a));
	ww_acquire_fini(&ctx);
}

/* a context used from another thread than its owner is reported and refused. */
static void ctx_from_other_thread(void **state)
{
	struct fixture *f = *state;
	struct actor *t = actor_start();
	struct ww_acquire_ctx ctx;

	ww_acquire_init(&ctx, &ww_class);
	t->ctx = &ctx;
	assert_int_equal(actor_do(t, OP_LOCK, &f->a), -EINVAL);
	th_assert_warned("ww_class_acquire used from a thread other than its owner");
	assert_false(ww_mutex_is_locked(&f->a));
	assert_int_equal(ctx.acquired, 0);
	actor_stop(t);
	ww_acquire_fini(&ctx);
}

/* destroying a locked mutex is reported and leaves it usable. */
static void destroy_while_locked(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(ww_mutex_lock(&f->a, NULL), 0);
	ww_mutex_destroy(&f->a);
	th_assert_warned("ww_mutex_destroy of ww_class_mutex while it is locked");
	ww_mutex_unlock(&f->a);
	assert_false(ww_mutex_is_locked(&f->a));
}

/* lock_slow with locks still held in the context is reported but still locks. */
static void lock_slow_while_holding(void **state)
{
	struct fixture *f = *state;
	struct ww_acquire_ctx ctx;

	ww_acquire_init(&ctx, &ww_class);
	assert_int_equal(ww_mutex_lock(&f->a, &ctx), 0);
	ww_mutex_lock_slow(&f->b, &ctx);
	th_assert_warned("ww_mutex_lock_slow of ww_class_mutex with 1 locks still held");
	assert_true(ww_mutex_held(&f->b));
	assert_int_equal(ctx.acquired, 2);
	ww_mutex_unlock(&f->b);
	ww_mutex_unlock(&f->a);
	ww_acquire_fini(&ctx);
}

/* after -EDEADLK, locking more without backing off is reported and refused. */
static void lock_after_edeadlk_without_backoff(void **state)
{
	struct fixture *f = *state;
	struct actor *old, *young;

	actors_start(&wd_class, &old, &young);
	assert_int_equal(actor_do(old, OP_LOCK, &f->a), 0);
	assert_int_equal(actor_do(young, OP_LOCK, &f->b), 0);
	assert_int_equal(actor_do(young, OP_LOCK, &f->a), -EDEADLK);
	assert_int_equal(actor_do(young, OP_LOCK, &f->c), -EINVAL);
	th_assert_warned("lock of wd_class_mutex after -EDEADLK on wd_class_mutex without backing off");
	assert_false(ww_mutex_is_locked(&f->c));
	actor_do(young, OP_UNLOCK, &f->b);
	actor_do(old, OP_UNLOCK, &f->a);
	actor_do(young, OP_LOCK_SLOW, &f->a);
	actor_do(young, OP_UNLOCK, &f->a);
	actors_stop(old, young);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		WW_TEST(mutex_lock_unlock),
		WW_TEST(mutex_named_after_class),
		WW_TEST(mutex_trylock),
		WW_TEST(mutex_excludes),
		WW_TEST(mutex_serves_every_waiter),
		WW_TEST(recursive_lock_refused),
		WW_TEST(stamps_order_contexts),
		WW_TEST(ctx_counts_locks),
		WW_TEST(aa_returns_ealready),
		WW_TEST(held_only_by_owner),
		WD_TEST(wait_die_younger_dies),
		WW_ROW(waiter_waits, wait_rows[0]),
		WW_ROW(waiter_waits, wait_rows[1]),
		WD_TEST(wait_die_dies_behind_older_waiter),
		WD_TEST(wait_die_older_waiter_kills_queued_younger),
		WD_TEST(waiters_served_in_stamp_order),
		WW_TEST(plain_waiters_served_in_order),
		WD_TEST(lock_interruptible_interrupted),
		WD_TEST(lock_interruptible_uncontended_ignores_request),
		WW_TEST(plain_lock_ignores_request),
		WD_TEST(wait_die_same_thread),
		WW_TEST(wound_wait_older_wounds_younger),
		WW_TEST(wound_wait_wakes_sleeping_victim),
		WW_TEST(wound_wait_new_holder_judged_by_waiter_holding_locks),
		WW_ROW(waiter_waits, wait_rows[2]),
		WW_ROW(waiter_waits, wait_rows[3]),
		WW_ROW(rings_complete, cycle_rows[0]),
		WW_ROW(rings_complete, cycle_rows[1]),
		WW_ROW(rings_complete, cycle_rows[2]),
		WW_ROW(rings_complete, cycle_rows[3]),
		WW_TEST(unlock_by_non_owner),
		WW_TEST(lock_after_done),
		WW_TEST(fini_while_holding),
		WW_TEST(class_mismatch),
		WW_TEST(ctx_from_other_thread),
		WW_TEST(destroy_while_locked),
		WW_TEST(lock_slow_while_holding),
		WD_TEST(lock_after_edeadlk_without_backoff),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
