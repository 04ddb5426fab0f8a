// SPDX-License-Identifier: MIT
/*
 * ww_mutex.c - wound/wait mutexes: a mutex whose contenders, when they lock
 * inside an acquire context, resolve every deadlock by age (see ww_mutex.h
 * for the contract; this is our own implementation of the kernel's
 * semantics on pthreads and C11 atomics).
 *
 * The owner word. lock->owner is the owning thread's token (its thread
 * pointer, or the address of a thread-local: ww_mutex-private.h; unique
 * among live threads, non-zero, bit 0 clear), or 0
 * when free, plus WW_WAITERS in bit 0: set exactly while lock->waiters is
 * non-zero. The uncontended lock is one CAS 0 -> token, the uncontended
 * unlock one CAS token -> 0; a set WW_WAITERS makes both fail, sending the
 * caller to the slow path, which takes wait_lock. The uncontended paths never
 * touch wait_lock.
 *
 * Waiters. Each sleeping contender is a struct ww_waiter on its stack, with
 * a condition variable of its own, queued on lock->wait_list in the
 * kernel's order (contexts by stamp, oldest first; context-less waiters at
 * the tail, never overtaken). An unlock with waiters hands the lock to the
 * first one: it writes that waiter's token (and context) into the lock and
 * wakes only it. A free lock found by a queued waiter is taken only by the
 * first waiter. So the lock goes in queue order, and nobody is woken to find
 * it gone (no broadcast). Other wake-ups are targeted too: a die or a wound
 * wakes its victim; a new holder is judged for its waiters (ww_rejudge()).
 *
 * Locking rules:
 *  - lock->wait_lock protects lock->wait_list, lock->waiters, WW_WAITERS
 *    (set exactly while a waiter is queued) and each waiter's granted flag,
 *    and is the mutex of every waiter's condition variable. Wait locks
 *    never nest: a thread holds at most one, and never across a sleep other
 *    than pthread_cond_wait() on its own waiter. The interrupt registry's
 *    lock (interrupt.h) is taken before a wait lock, never after.
 *  - lock->owner changes without wait_lock only in the fast paths: 0 ->
 *    token (lock), free -> token keeping WW_WAITERS (trylock), token -> 0
 *    (unlock, only with WW_WAITERS clear). Every other change is made under
 *    wait_lock (a hand-over writes the next owner's token), and with
 *    WW_WAITERS set the owner can only release under wait_lock: to a thread
 *    holding wait_lock with WW_WAITERS set, an owner it read stays in
 *    place, with its acquire context alive.
 *  - lock->ctx is written by the owner right after a fast-path take, by the
 *    unlocker for the waiter it hands over to, and back to NULL by the owner
 *    before it releases. Contenders read it only under wait_lock after
 *    having set WW_WAITERS.
 *  - ctx->acquired, done and contending belong to the context's thread.
 *    ctx->wounded is set by a wounder holding the wait_lock of a lock the
 *    context holds (the owner itself, in ww_rejudge()), and cleared by the
 *    owner. ctx->blocked_on: see wounds.
 *
 * Memory ordering. Acquiring the owner word is an acquire operation and
 * releasing it a release, so a critical section happens-before the next (a
 * hand-over releases under wait_lock, which the new owner then takes).
 * Contenders read the holder's context (stamp, wounded, blocked_on) under
 * wait_lock; the holder may reuse that memory once it has released the
 * lock, which it does either under wait_lock or, after the last waiter
 * cleared WW_WAITERS with a release, by an acq_rel CAS: either way after
 * every such read. The store-then-load pairs below are seq_cst on each side,
 * so at least one of the two sees the other's store.
 *
 * Why no wake-up is lost:
 *  1. Unlock against a new waiter. A waiter queues under wait_lock (an
 *     atomic RMW sets WW_WAITERS), looks at the owner word and sleeps with
 *     pthread_cond_wait(), which releases wait_lock atomically with going to
 *     sleep. If the owner's CAS token -> 0 came first, the waiter sees the
 *     lock free and takes it. Otherwise that CAS fails on WW_WAITERS and the
 *     owner takes wait_lock, which it gets only once the waiter sleeps (or
 *     has left), and hands over.
 *  2. A fast-path owner against a waiter that needs its context (to die or
 *     to wound). The owner stores lock->ctx, then reads the owner word; the
 *     waiter sets WW_WAITERS, then reads lock->ctx. Either the waiter sees
 *     the context, or the owner sees WW_WAITERS and, under wait_lock, has
 *     the waiters judge it (ww_rejudge(): in wound-wait it wounds itself
 *     for them). An owner that got the lock in the slow path does the
 *     same once it has left the queue.
 *  3. A wound against a victim about to sleep. The wounder sets
 *     victim->wounded, then reads victim->blocked_on; the victim sets
 *     blocked_on (when it queues), then reads wounded before each sleep.
 *     Either the victim sees the wound and backs off, or the wounder sees
 *     where the victim sleeps and wakes it.
 *
 * Wounds. The victim may be asleep on another lock B. Waking it means taking
 * B's wait_lock, which the wounder must not do while holding its own (wait
 * locks never nest), and once the wounder drops its own, nothing keeps B or
 * the victim's context alive. So the wounder first pins the victim, under
 * its own wait_lock (victim alive, as it holds that lock): it turns
 * blocked_on from the victim's waiter W into W | WW_PINNED. A pinned victim
 * cannot leave (it must turn blocked_on from W back to 0, under B's
 * wait_lock, to return), so W, B and the context stay alive until the
 * wounder, holding only B's wait_lock, unpins and wakes W. Only the wounder
 * that turned wounded from false to true pins, and wounded stays set while
 * the victim waits, so there is at most one pin at a time.
 *
 * Deadlock freedom: a context waits, while holding locks, only for a holder
 * that is younger (wait-die) or that it wounds (wound-wait), and a wounded
 * context that holds locks backs off at its next wait. A context that holds
 * nothing cannot close a cycle, so it neither dies nor wounds (as in the
 * kernel): it just waits.
 */
#include <errno.h>

#include <dmabuf/interrupt.h>
#include <dmabuf/ww_mutex.h>

#include "ww_mutex-private.h"

#define WW_PINNED	((uintptr_t)1)	/* in ctx->blocked_on */

#ifdef WW_SELF_TLS
/* The calling thread's owner token: see ww_mutex-private.h. */
_Thread_local int __dmb_ww_self_token;
#endif

/* True if @a is older than @b; correct across stamp wrap-around. */
static inline bool ww_ctx_older(const struct ww_acquire_ctx *a,
				const struct ww_acquire_ctx *b)
{
	return (long)(a->stamp - b->stamp) < 0;
}

void ww_mutex_init(struct ww_mutex *lock, struct ww_class *ww_class)
{
	if (DMB_WARN(!lock || !ww_class, "ww_mutex_init(%p, %p)",
		     (void *)lock, (void *)ww_class))
		return;
	atomic_init(&lock->owner, 0);
	atomic_init(&lock->ctx, NULL);
	lock->ww_class = ww_class;
	lock->waiters = 0;
	dmb_list_init(&lock->wait_list);
	pthread_mutex_init(&lock->wait_lock, NULL);
	lock->dep_map.name = ww_class->mutex_name;
}

void ww_mutex_destroy(struct ww_mutex *lock)
{
	if (DMB_WARN(!lock, "ww_mutex_destroy(NULL)"))
		return;
	/* A waiter would be left queued on freed memory. */
	if (DMB_WARN(atomic_load_explicit(&lock->owner, memory_order_relaxed),
		     "ww_mutex_destroy of %s while it is locked",
		     lock->dep_map.name))
		return;
	/* Its address may be reused: order edges through it are stale now. */
	dmb_lockdep_forget(&lock->dep_map);
	pthread_mutex_destroy(&lock->wait_lock);
}

void ww_acquire_init(struct ww_acquire_ctx *ctx, struct ww_class *ww_class)
{
	if (DMB_WARN(!ctx || !ww_class, "ww_acquire_init(%p, %p)",
		     (void *)ctx, (void *)ww_class))
		return;
	ctx->owner = pthread_self();
	ctx->ww_class = ww_class;
	ctx->stamp = atomic_fetch_add_explicit(&ww_class->stamp, 1,
					       memory_order_relaxed);
	ctx->acquired = 0;
	ctx->done = false;
	atomic_init(&ctx->wounded, false);
	ctx->contending = NULL;
	atomic_init(&ctx->blocked_on, 0);
}

void ww_acquire_done(struct ww_acquire_ctx *ctx)
{
	if (DMB_WARN(!ctx, "ww_acquire_done(NULL)"))
		return;
	ctx->done = true;
}

void ww_acquire_fini(struct ww_acquire_ctx *ctx)
{
	if (DMB_WARN(!ctx, "ww_acquire_fini(NULL)"))
		return;
	DMB_WARN(ctx->acquired, "ww_acquire_fini of %s with %u locks still held",
		 ctx->ww_class->acquire_name, ctx->acquired);
}

/* The lock calls, whose contexts obey slightly different rules. */
enum ww_call {
	WW_CALL_LOCK,
	WW_CALL_LOCK_SLOW,
	WW_CALL_TRYLOCK,
};

/*
 * Report misuse of @ctx by @call on @lock. Out of line and cold, so that the
 * uncontended path pays only for the tests in ww_ctx_usable().
 * Return: true if the call must be refused.
 */
static bool __attribute__((noinline, cold))
ww_ctx_report(struct ww_mutex *lock, struct ww_acquire_ctx *ctx,
	      enum ww_call call)
{
	if (DMB_WARN(!pthread_equal(ctx->owner, pthread_self()),
		     "%s used from a thread other than its owner",
		     ctx->ww_class->acquire_name))
		return true;
	if (DMB_WARN(ctx->ww_class != lock->ww_class,
		     "%s locked in a context of another class (%s)",
		     lock->dep_map.name, ctx->ww_class->acquire_name))
		return true;
	if (DMB_WARN(ctx->done, "lock of %s after ww_acquire_done()",
		     lock->dep_map.name))
		return true;
	/* Holding on after -EDEADLK is how ww deadlocks come back. */
	if (call == WW_CALL_LOCK &&
	    DMB_WARN(ctx->contending && ctx->acquired,
		     "lock of %s after -EDEADLK on %s without backing off",
		     lock->dep_map.name, ctx->contending->dep_map.name))
		return true;
	/* Reported, not refused: the slow lock cannot back off anyway. */
	if (call == WW_CALL_LOCK_SLOW)
		DMB_WARN(ctx->acquired,
			 "ww_mutex_lock_slow of %s with %u locks still held in %s",
			 lock->dep_map.name, ctx->acquired,
			 ctx->ww_class->acquire_name);
	return false;
}

/*
 * Check @ctx before @call on @lock: false (reported) if the call must be
 * refused. Context: @ctx's owner, if the call is not refused.
 */
static inline bool ww_ctx_usable(struct ww_mutex *lock,
				 struct ww_acquire_ctx *ctx, enum ww_call call)
{
	bool suspect = !pthread_equal(ctx->owner, pthread_self()) ||
		       ctx->ww_class != lock->ww_class || ctx->done;

	if (call == WW_CALL_LOCK)
		suspect |= ctx->contending && ctx->acquired;
	else if (call == WW_CALL_LOCK_SLOW)
		suspect |= ctx->acquired;
	if (dmb_unlikely(suspect) && ww_ctx_report(lock, ctx, call))
		return false;
	/*
	 * A wound dealt while the context held locks it has since released
	 * (one can land while the last unlock is in flight) means nothing for
	 * a new round; dropped here, before this lock makes the context
	 * visible to wounders again.
	 */
	if (!ctx->acquired)
		atomic_store_explicit(&ctx->wounded, false, memory_order_relaxed);
	return true;
}

/*
 * One sleeping contender, on its own stack. Each has its own condition
 * variable, so that an unlock wakes exactly the waiter it hands the lock to,
 * and a die or a wound wakes exactly its victim: nobody is woken by
 * broadcast to find that the lock went to someone else.
 */
struct ww_waiter {
	struct dmb_list_head node;	/* on lock->wait_list; wait_lock */
	struct ww_mutex *lock;
	struct ww_acquire_ctx *ctx;
	uintptr_t token;		/* the sleeping thread's owner token */
	bool granted;			/* wait_lock: the unlocker made it the owner */
	pthread_cond_t wake;		/* paired with lock->wait_lock */
};

static struct ww_waiter *ww_waiter_of(struct dmb_list_head *pos)
{
	return dmb_container_of(pos, struct ww_waiter, node);
}

static struct ww_waiter *ww_first_waiter(struct ww_mutex *lock)
{
	if (dmb_list_empty(&lock->wait_list))
		return NULL;
	return ww_waiter_of(lock->wait_list.next);
}

/*
 * Have the new holder @hold of @lock judged by its waiters (rule 2), as the
 * kernel's waiter check does. Wait-die: the first (oldest) context waiter
 * is woken to look, and dies if @hold is older and it holds locks; every
 * context waiter behind it holds none (it would have died on queueing, or
 * been woken to die when the older one went in front of it). Wound-wait:
 * the holder wounds itself on behalf of the first context waiter that holds
 * locks, if that waiter is older; it backs off at its next wait. Done here,
 * not left to a woken waiter: one that holds nothing never wounds, and one
 * that does may leave without judging (backing off from a wound of its
 * own), either way leaving an older waiter asleep behind a younger holder
 * that may go on to wait for one of its locks. If that first waiter is
 * younger than @hold, so is every one behind it. The holder is not
 * blocked, so nobody has to wake it. A queued waiter's acquired count is
 * stable: it changes only when its thread takes or drops a lock.
 * Context: wait_lock held, by @hold's thread, which holds @lock.
 */
static void ww_rejudge(struct ww_mutex *lock, struct ww_acquire_ctx *hold)
{
	struct ww_waiter *w;

	dmb_list_for_each_entry(w, &lock->wait_list, node) {
		if (!w->ctx)
			continue;
		if (lock->ww_class->is_wait_die) {
			pthread_cond_signal(&w->wake);
			return;
		}
		if (!w->ctx->acquired)
			continue;
		if (ww_ctx_older(w->ctx, hold))
			atomic_store(&hold->wounded, true);
		return;
	}
}

/*
 * Publish @ctx as the holder of @lock, just taken in a fast path; @seen is
 * the owner word the taking CAS replaced. Rule 2 of the header comment: if
 * anyone waits, the waiters judge the new holder.
 */
static void ww_publish_ctx(struct ww_mutex *lock, struct ww_acquire_ctx *ctx,
			   uintptr_t seen)
{
	atomic_store(&lock->ctx, ctx);
	if (!((seen | atomic_load(&lock->owner)) & WW_WAITERS))
		return;
	pthread_mutex_lock(&lock->wait_lock);
	ww_rejudge(lock, ctx);
	pthread_mutex_unlock(&lock->wait_lock);
}

/*
 * Bookkeeping once @lock is ours and published. A trylock adds no lock
 * order (it never waits). Context: the owner.
 */
static void ww_acquired(struct ww_mutex *lock, struct ww_acquire_ctx *ctx,
			bool trylock)
{
	if (ctx) {
		/* Taking a lock with nothing held completes a back-off. */
		if (!ctx->acquired)
			ctx->contending = NULL;
		ctx->acquired++;
	}
	if (trylock)
		dmb_lockdep_acquire_trylock(&lock->dep_map, ctx);
	else
		dmb_lockdep_acquire(&lock->dep_map, ctx);
}

/*
 * Queue @w on @lock in the kernel's order: waiters without a context at the
 * tail; a waiter with a context before the first younger context waiter
 * (after any context-less ones already there, which it does not overtake).
 * Wait-die on the way: if an older context already waits, a context that
 * holds locks would have to die behind it anyway, so it dies now; younger
 * context waiters it goes in front of are woken, to die if they hold locks.
 * The seq_cst RMW and store pair with the fast-path owner (rule 2) and with
 * wounders (rule 3).
 * Context: lock->wait_lock held. Return: 0, or -EDEADLK (not queued).
 */
static int ww_add_waiter(struct ww_mutex *lock, struct ww_waiter *w,
			 bool may_back_off)
{
	struct ww_acquire_ctx *ctx = w->ctx;
	struct dmb_list_head *before = &lock->wait_list;
	bool wait_die = lock->ww_class->is_wait_die;

	for (struct dmb_list_head *pos = lock->wait_list.prev;
	     ctx && pos != &lock->wait_list; pos = pos->prev) {
		struct ww_waiter *cur = ww_waiter_of(pos);

		if (!cur->ctx)
			continue;
		if (ww_ctx_older(cur->ctx, ctx)) {
			if (wait_die && may_back_off && ctx->acquired)
				return -EDEADLK;
			break;
		}
		before = pos;
		if (wait_die && cur->ctx->acquired)
			pthread_cond_signal(&cur->wake);
	}
	dmb_list_add_tail(&w->node, before);
	lock->waiters++;
	atomic_fetch_or(&lock->owner, WW_WAITERS);
	if (ctx)
		atomic_store(&ctx->blocked_on, (uintptr_t)w);
	return 0;
}

/*
 * Unqueue @w, dropping the waiters bit with the last waiter, then wait
 * until no wounder has its context pinned (the wounder needs @w and the
 * context alive until it has woken it; see the header comment).
 * Context: lock->wait_lock held; may drop it while sleeping.
 */
static void ww_del_waiter(struct ww_mutex *lock, struct ww_waiter *w)
{
	uintptr_t expected;

	/*
	 * Off the queue first, within the caller's wait_lock section: once
	 * off it, no unlock can hand the lock to a waiter that is leaving
	 * with an error, even while it waits below for an unpin.
	 */
	dmb_list_del(&w->node);
	/*
	 * Release, paired with the acquire in the fast unlock: a waiter may
	 * just have read the holder's context, and once the bit is clear the
	 * holder can unlock without wait_lock and reuse that memory.
	 */
	if (!--lock->waiters)
		atomic_fetch_and_explicit(&lock->owner, ~WW_WAITERS,
					  memory_order_release);
	while (w->ctx) {
		expected = (uintptr_t)w;
		if (atomic_compare_exchange_strong(&w->ctx->blocked_on,
						   &expected, 0))
			break;
		pthread_cond_wait(&w->wake, &lock->wait_lock);
	}
}

/*
 * Wound @victim, the younger holder of a lock whose wait_lock the caller
 * holds (so @victim is alive). Return: the waiter @victim sleeps as, pinned,
 * if the caller must wake it (ww_wake_victim(), without any wait_lock held).
 */
static struct ww_waiter *ww_wound(struct ww_acquire_ctx *victim)
{
	uintptr_t on;

	if (atomic_exchange(&victim->wounded, true))
		return NULL;	/* already wounded: woken by that wounder */
	on = atomic_load(&victim->blocked_on);
	/* Fails only if the victim just left its wait: nothing to wake. */
	while (on && !atomic_compare_exchange_weak(&victim->blocked_on, &on,
						   on | WW_PINNED))
		;
	return (struct ww_waiter *)on;
}

/* Unpin @victim and wake it where it sleeps. Context: no wait_lock. */
static void ww_wake_victim(struct ww_waiter *w, struct ww_acquire_ctx *victim)
{
	struct ww_mutex *lock = w->lock;

	pthread_mutex_lock(&lock->wait_lock);
	atomic_store(&victim->blocked_on, (uintptr_t)w);
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&lock->wait_lock);
}

/*
 * Decide what queued @w does about @lock, held by another owner: 0 to wait,
 * -EDEADLK to back off. A context that holds nothing cannot close a cycle
 * and just waits. Wait-die: it dies if the holder is older, or if an older
 * context is queued ahead of it (the kernel's wait-list rule: it would die
 * behind that one anyway). Wound-wait: a wounded context backs off, and a
 * younger holder is wounded; *@pinned then names the victim's waiter,
 * which the caller must wake.
 * Context: lock->wait_lock held, @w queued.
 */
static int ww_judge(struct ww_mutex *lock, struct ww_waiter *w,
		    bool may_back_off, struct ww_acquire_ctx **victim,
		    struct ww_waiter **pinned)
{
	struct ww_acquire_ctx *ctx = w->ctx, *hold = atomic_load(&lock->ctx);

	if (!ctx || !ctx->acquired)
		return 0;
	if (lock->ww_class->is_wait_die) {
		if (!may_back_off)
			return 0;
		if (hold && ww_ctx_older(hold, ctx))
			return -EDEADLK;
		for (struct dmb_list_head *pos = w->node.prev;
		     pos != &lock->wait_list; pos = pos->prev)
			if (ww_waiter_of(pos)->ctx)
				return -EDEADLK;
		return 0;
	}
	if (may_back_off && atomic_load(&ctx->wounded))
		return -EDEADLK;
	if (hold && ww_ctx_older(ctx, hold)) {
		*victim = hold;
		*pinned = ww_wound(hold);
	}
	return 0;
}

/* An interrupt request for a thread sleeping as @arg (a ww_waiter). */
static void ww_interrupt_wake(void *arg)
{
	struct ww_waiter *w = arg;

	pthread_mutex_lock(&w->lock->wait_lock);
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock->wait_lock);
}

/*
 * Take @lock, free, as queued @w: only the first waiter may, so that the
 * lock goes in queue order; a trylock may steal it first.
 * Context: wait_lock held. Return: true if taken.
 */
static bool ww_take_free(struct ww_mutex *lock, struct ww_waiter *w,
			 uintptr_t owner)
{
	struct ww_waiter *first = ww_first_waiter(lock);

	if (first != w) {
		pthread_cond_signal(&first->wake);
		return false;
	}
	if (!atomic_compare_exchange_strong_explicit(&lock->owner, &owner,
						     w->token | owner,
						     memory_order_acquire,
						     memory_order_relaxed))
		return false;
	if (w->ctx)
		atomic_store_explicit(&lock->ctx, w->ctx, memory_order_relaxed);
	return true;
}

/*
 * The sleeping part of the slow path, with @w queued: until @lock is ours
 * (taken, or handed over by an unlock), or an error. -EINTR when @intr and
 * an interrupt request is pending (interrupt.h).
 * Context: lock->wait_lock held; dropped while sleeping.
 */
static int ww_wait_queued(struct ww_mutex *lock, struct ww_waiter *w,
			  bool may_back_off, bool intr)
{
	struct ww_acquire_ctx *victim;
	struct ww_waiter *pinned;
	uintptr_t owner;
	int ret;

	for (;;) {
		if (w->granted)
			return 0;
		owner = atomic_load_explicit(&lock->owner, memory_order_acquire);
		if (!ww_owner_of(owner)) {
			if (ww_take_free(lock, w, owner))
				return 0;
			if (ww_first_waiter(lock) == w)
				continue;	/* a trylock stole it: look again */
		} else {
			pinned = NULL;
			ret = ww_judge(lock, w, may_back_off, &victim, &pinned);
			if (ret)
				return ret;
			if (DMB_WARN(ww_owner_of(owner) == w->token,
				     "recursive lock of %s: the calling thread holds it",
				     lock->dep_map.name))
				return -EINVAL;
			if (pinned) {
				/* Wait locks never nest; the pin keeps both alive. */
				pthread_mutex_unlock(&lock->wait_lock);
				ww_wake_victim(pinned, victim);
				pthread_mutex_lock(&lock->wait_lock);
				continue;
			}
		}
		if (intr && dmb_interrupt_pending())
			return -EINTR;
		pthread_cond_wait(&w->wake, &lock->wait_lock);
	}
}

/*
 * The slow path: queue, wait until @lock is ours, unqueue; or return an
 * error. -EALREADY and the self-deadlock check come from the owner word,
 * which no other thread changes while it holds our token.
 */
static int ww_mutex_lock_contended(struct ww_mutex *lock,
				   struct ww_acquire_ctx *ctx,
				   bool may_back_off, bool intr)
{
	struct ww_waiter w = { .lock = lock, .ctx = ctx, .token = ww_self() };
	struct dmb_interrupt_sleep sleep = { ww_interrupt_wake, &w };
	uintptr_t owner;
	int ret;

	owner = atomic_load_explicit(&lock->owner, memory_order_relaxed);
	if (ww_owner_of(owner) == w.token && ctx &&
	    atomic_load_explicit(&lock->ctx, memory_order_relaxed) == ctx)
		return -EALREADY;
	if (intr && dmb_interrupt_pending())
		return -EINTR;
	/* Alive for as long as an interrupter may signal it. */
	pthread_cond_init(&w.wake, NULL);
	if (intr) {
		/* Registered before wait_lock: the interrupter takes them in that order. */
		ret = dmb_interrupt_sleep_begin(&sleep);
		if (ret)
			goto out_cond;
	}
	pthread_mutex_lock(&lock->wait_lock);
	ret = ww_add_waiter(lock, &w, may_back_off);
	if (!ret) {
		ret = ww_wait_queued(lock, &w, may_back_off, intr);
		ww_del_waiter(lock, &w);
		/* Rule 2: the waiters judge the new holder. */
		if (!ret && ctx)
			ww_rejudge(lock, ctx);
	}
	pthread_mutex_unlock(&lock->wait_lock);
	if (intr)
		dmb_interrupt_sleep_end();
out_cond:
	pthread_cond_destroy(&w.wake);
	return ret;
}

/*
 * Inlined into every caller: the uncontended lock is a handful of
 * instructions. As in the kernel, a pending interrupt request does not stop
 * an uncontended lock; it stops a wait.
 */
static inline __attribute__((always_inline)) int
ww_mutex_lock_common(struct ww_mutex *lock, struct ww_acquire_ctx *ctx,
		     enum ww_call call, bool intr)
{
	uintptr_t owner = 0;
	int ret;

	if (DMB_WARN(!lock, "lock of a NULL ww_mutex"))
		return -EINVAL;
	if (ctx && !ww_ctx_usable(lock, ctx, call))
		return -EINVAL;
	if (dmb_likely(atomic_compare_exchange_strong_explicit(
			&lock->owner, &owner, ww_self(), memory_order_acquire,
			memory_order_relaxed))) {
		ww_test_window(lock);
		if (ctx)
			ww_publish_ctx(lock, ctx, 0);
	} else {
		ret = ww_mutex_lock_contended(lock, ctx,
					      call == WW_CALL_LOCK, intr);
		if (ret) {
			if (ret == -EDEADLK)
				ctx->contending = lock;
			return ret;
		}
	}
	ww_acquired(lock, ctx, false);
	return 0;
}

int ww_mutex_lock(struct ww_mutex *lock, struct ww_acquire_ctx *ctx)
{
	return ww_mutex_lock_common(lock, ctx, WW_CALL_LOCK, false);
}

int ww_mutex_lock_interruptible(struct ww_mutex *lock,
				struct ww_acquire_ctx *ctx)
{
	return ww_mutex_lock_common(lock, ctx, WW_CALL_LOCK, true);
}

void ww_mutex_lock_slow(struct ww_mutex *lock, struct ww_acquire_ctx *ctx)
{
	ww_mutex_lock_common(lock, ctx, WW_CALL_LOCK_SLOW, false);
}

int ww_mutex_lock_slow_interruptible(struct ww_mutex *lock,
				     struct ww_acquire_ctx *ctx)
{
	return ww_mutex_lock_common(lock, ctx, WW_CALL_LOCK_SLOW, true);
}

bool ww_mutex_trylock(struct ww_mutex *lock, struct ww_acquire_ctx *ctx)
{
	uintptr_t owner;

	if (DMB_WARN(!lock, "ww_mutex_trylock(NULL)"))
		return false;
	if (ctx && !ww_ctx_usable(lock, ctx, WW_CALL_TRYLOCK))
		return false;
	owner = atomic_load_explicit(&lock->owner, memory_order_relaxed);
	do {
		if (ww_owner_of(owner))
			return false;
	} while (!atomic_compare_exchange_weak_explicit(&lock->owner, &owner,
							ww_self() | owner,
							memory_order_acquire,
							memory_order_relaxed));
	if (ctx)
		ww_publish_ctx(lock, ctx, owner);
	ww_acquired(lock, ctx, true);
	return true;
}

/*
 * Release @lock to its first waiter, in queue order (the kernel's wait-list
 * rule): it becomes the owner here, with its context published, and only
 * it is woken (it makes the next waiter judge it, see the slow path). Waiters stay queued until they leave, so the waiters bit
 * stays set while anyone is queued. No waiter: the lock is simply freed.
 * Context: wait_lock held, by the owner that is unlocking.
 */
static void ww_hand_over(struct ww_mutex *lock)
{
	struct ww_waiter *first = ww_first_waiter(lock);

	if (!first) {
		atomic_store_explicit(&lock->owner, 0, memory_order_release);
		return;
	}
	atomic_store_explicit(&lock->ctx, first->ctx, memory_order_relaxed);
	atomic_store_explicit(&lock->owner, first->token | WW_WAITERS,
			      memory_order_release);
	first->granted = true;
	pthread_cond_signal(&first->wake);
}

void ww_mutex_unlock(struct ww_mutex *lock)
{
	const uintptr_t self = ww_self();
	struct ww_acquire_ctx *ctx;
	uintptr_t owner = self;

	if (DMB_WARN(!lock, "ww_mutex_unlock(NULL)"))
		return;
	if (DMB_WARN(ww_owner_of(atomic_load_explicit(&lock->owner,
						      memory_order_relaxed)) != self,
		     "unlock of %s by a thread that does not hold it",
		     lock->dep_map.name))
		return;
	dmb_lockdep_release(&lock->dep_map);
	ctx = atomic_load_explicit(&lock->ctx, memory_order_relaxed);
	if (ctx) {
		/* Ordered before the owner word's release below. */
		atomic_store_explicit(&lock->ctx, NULL, memory_order_relaxed);
		ctx->acquired--;
	}
	/*
	 * acq_rel: release our critical section, and acquire the last
	 * departed waiter's accesses to our context (see ww_del_waiter()).
	 */
	if (dmb_likely(atomic_compare_exchange_strong_explicit(
			&lock->owner, &owner, 0, memory_order_acq_rel,
			memory_order_relaxed)))
		return;

	/* Rule 1: someone waits; hand over under wait_lock. */
	pthread_mutex_lock(&lock->wait_lock);
	ww_hand_over(lock);
	pthread_mutex_unlock(&lock->wait_lock);
}

bool ww_mutex_is_locked(struct ww_mutex *lock)
{
	if (DMB_WARN(!lock, "ww_mutex_is_locked(NULL)"))
		return false;
	return ww_owner_of(atomic_load_explicit(&lock->owner,
						memory_order_relaxed));
}

bool ww_mutex_held(struct ww_mutex *lock)
{
	if (DMB_WARN(!lock, "ww_mutex_held(NULL)"))
		return false;
	return __ww_mutex_held(lock);
}
