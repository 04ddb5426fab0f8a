// SPDX-License-Identifier: MIT
/*
 * ww_mutex.c - wound/wait mutexes: a mutex whose contenders, when they lock
 * inside an acquire context, resolve every deadlock by age (see ww_mutex.h
 * for the contract; this is our own implementation of the kernel's
 * semantics on pthreads and C11 atomics).
 *
 * The owner word. lock->owner is the owning thread's token (the address of
 * a thread-local, so unique among live threads, non-zero, bit 0 clear), or 0
 * when free, plus WW_WAITERS in bit 0: set exactly while lock->waiters is
 * non-zero. The uncontended lock is one CAS 0 -> token, the uncontended
 * unlock one CAS token -> 0; a set WW_WAITERS makes both fail, sending the
 * caller to the slow path, which takes wait_lock. The uncontended paths never
 * touch wait_lock.
 *
 * Locking rules:
 *  - lock->wait_lock protects lock->waiters and WW_WAITERS (both change only
 *    under it) and is the mutex of lock->wait. Wait locks never nest: a
 *    thread holds at most one, and never across a sleep other than
 *    pthread_cond_wait() on the matching condition variable.
 *  - lock->owner changes without wait_lock only in the fast paths: 0 ->
 *    token (lock), free -> token keeping WW_WAITERS (trylock), token -> 0
 *    (unlock, only with WW_WAITERS clear). Every other change is made under
 *    wait_lock, and with WW_WAITERS set the owner can only release under
 *    wait_lock: to a thread holding wait_lock with WW_WAITERS set, an owner
 *    it read stays in place, with its acquire context alive.
 *  - lock->ctx is written only by the owner: right after it takes the lock,
 *    and back to NULL before it releases it. Contenders read it only under
 *    wait_lock after having set WW_WAITERS.
 *  - ctx->acquired, done and contending belong to the context's thread.
 *    ctx->wounded is set by a wounder holding the wait_lock of a lock the
 *    context holds, and cleared by the owner. ctx->blocked_on: see wounds.
 *
 * Memory ordering. Acquiring the owner word is an acquire operation and
 * releasing it a release, so a critical section happens-before the next.
 * Contenders read the holder's context (stamp, wounded, blocked_on) under
 * wait_lock; the holder may reuse that memory once it has released the
 * lock, which it does either under wait_lock or, after the last waiter
 * cleared WW_WAITERS with a release, by an acq_rel CAS: either way after
 * every such read. The store-then-load pairs below are seq_cst on each side,
 * so at least one of the two sees the other's store.
 *
 * Why no wake-up is lost:
 *  1. Unlock against a new waiter. A waiter registers under wait_lock (an
 *     atomic RMW sets WW_WAITERS), looks at the owner word and sleeps with
 *     pthread_cond_wait(), which releases wait_lock atomically with going to
 *     sleep. If the owner's CAS token -> 0 came first, the waiter sees the
 *     lock free and takes it. Otherwise that CAS fails on WW_WAITERS and the
 *     owner takes wait_lock, which it gets only once the waiter sleeps (or
 *     has left), and broadcasts.
 *  2. A fast-path owner against a waiter that needs its context (to die or
 *     to wound). The owner stores lock->ctx, then reads the owner word; the
 *     waiter sets WW_WAITERS, then reads lock->ctx. Either the waiter sees
 *     the context, or the owner sees WW_WAITERS and broadcasts under
 *     wait_lock so that the waiter looks again. A holder that took the lock
 *     in the slow path sets lock->ctx under wait_lock and broadcasts if
 *     anyone waits: every waiter re-judges each new holder.
 *  3. A wound against a victim about to sleep. The wounder sets
 *     victim->wounded, then reads victim->blocked_on; the victim sets
 *     blocked_on (when it registers), then reads wounded before each sleep.
 *     Either the victim sees the wound and backs off, or the wounder sees
 *     where the victim sleeps and wakes it.
 *
 * Wounds. The victim may be asleep on another lock B. Waking it means taking
 * B's wait_lock, which the wounder must not do while holding its own (wait
 * locks never nest), and once the wounder drops its own, nothing keeps B or
 * the victim's context alive. So the wounder first pins the victim, under
 * its own wait_lock (victim alive, as it holds that lock): it turns
 * blocked_on from B into B | WW_PINNED. A pinned victim cannot leave B's
 * wait (it must turn blocked_on from B back to 0, under B's wait_lock, to
 * leave), so B and the context stay alive until the wounder, holding only
 * B's wait_lock, unpins and broadcasts. Only the wounder that turned
 * wounded from false to true pins, and wounded stays set while the victim
 * waits, so there is at most one pin at a time.
 *
 * Deadlock freedom: a context waits, while holding locks, only for a holder
 * that is younger (wait-die) or that it wounds (wound-wait), and a wounded
 * context that holds locks backs off at its next wait. A context that holds
 * nothing cannot close a cycle, so it neither dies nor wounds (as in the
 * kernel): it just waits.
 */
#include <errno.h>

#include <dmabuf/ww_mutex.h>

#include "ww_mutex-private.h"

#define WW_PINNED	((uintptr_t)1)	/* in ctx->blocked_on */

/* The calling thread's owner token: see ww_mutex-private.h. */
_Thread_local int __dmb_ww_self_token;

/* True if @a is older than @b; correct across stamp wrap-around. */
static inline bool ww_ctx_older(const struct ww_acquire_ctx *a,
				const struct ww_acquire_ctx *b)
{
	return (long)(a->stamp - b->stamp) < 0;
}

void ww_mutex_init(struct ww_mutex *lock, struct ww_class *ww_class)
{
	atomic_init(&lock->owner, 0);
	atomic_init(&lock->ctx, NULL);
	lock->ww_class = ww_class;
	lock->waiters = 0;
	pthread_mutex_init(&lock->wait_lock, NULL);
	pthread_cond_init(&lock->wait, NULL);
	lock->dep_map.name = ww_class->mutex_name;
}

void ww_mutex_destroy(struct ww_mutex *lock)
{
	/* Destroying a condition variable someone sleeps on is undefined. */
	if (DMB_WARN(atomic_load_explicit(&lock->owner, memory_order_relaxed),
		     "ww_mutex_destroy of %s while it is locked",
		     lock->dep_map.name))
		return;
	/* Its address may be reused: order edges through it are stale now. */
	dmb_lockdep_forget(&lock->dep_map);
	pthread_cond_destroy(&lock->wait);
	pthread_mutex_destroy(&lock->wait_lock);
}

void ww_acquire_init(struct ww_acquire_ctx *ctx, struct ww_class *ww_class)
{
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
	ctx->done = true;
}

void ww_acquire_fini(struct ww_acquire_ctx *ctx)
{
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
 * Publish @ctx as the holder of @lock, just taken in a fast path; @seen is
 * the owner word the taking CAS replaced. Rule 2 of the header comment: if
 * anyone waits, make them look at the new holder.
 */
static void ww_publish_ctx(struct ww_mutex *lock, struct ww_acquire_ctx *ctx,
			   uintptr_t seen)
{
	atomic_store(&lock->ctx, ctx);
	if (!((seen | atomic_load(&lock->owner)) & WW_WAITERS))
		return;
	pthread_mutex_lock(&lock->wait_lock);
	pthread_cond_broadcast(&lock->wait);
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
 * Register the caller as a waiter for @lock. The seq_cst RMW and store pair
 * with the fast-path owner (rule 2) and with wounders (rule 3).
 * Context: lock->wait_lock held.
 */
static void ww_add_waiter(struct ww_mutex *lock, struct ww_acquire_ctx *ctx)
{
	lock->waiters++;
	atomic_fetch_or(&lock->owner, WW_WAITERS);
	if (ctx)
		atomic_store(&ctx->blocked_on, (uintptr_t)lock);
}

/*
 * Unregister: first wait until no wounder has @ctx pinned (it needs @lock and
 * @ctx alive until it has broadcast; see the header comment), then drop the
 * waiters bit with the last waiter. Context: lock->wait_lock held; may drop
 * it while sleeping.
 */
static void ww_del_waiter(struct ww_mutex *lock, struct ww_acquire_ctx *ctx)
{
	uintptr_t expected;

	while (ctx) {
		expected = (uintptr_t)lock;
		if (atomic_compare_exchange_strong(&ctx->blocked_on, &expected, 0))
			break;
		pthread_cond_wait(&lock->wait, &lock->wait_lock);
	}
	/*
	 * Release, paired with the acquire in the fast unlock: a waiter may
	 * just have read the holder's context, and once the bit is clear the
	 * holder can unlock without wait_lock and reuse that memory.
	 */
	if (!--lock->waiters)
		atomic_fetch_and_explicit(&lock->owner, ~WW_WAITERS,
					  memory_order_release);
}

/*
 * Wound @victim, the younger holder of a lock whose wait_lock the caller
 * holds (so @victim is alive). Return: the lock @victim sleeps on, pinned,
 * if the caller must wake it (ww_wake_victim(), without any wait_lock held).
 */
static struct ww_mutex *ww_wound(struct ww_acquire_ctx *victim)
{
	uintptr_t on;

	if (atomic_exchange(&victim->wounded, true))
		return NULL;	/* already wounded: woken by that wounder */
	on = atomic_load(&victim->blocked_on);
	/* Fails only if the victim just left its wait: nothing to wake. */
	while (on && !atomic_compare_exchange_weak(&victim->blocked_on, &on,
						   on | WW_PINNED))
		;
	return (struct ww_mutex *)on;
}

/* Unpin @victim and wake it on @lock, where it sleeps. Context: no wait_lock. */
static void ww_wake_victim(struct ww_mutex *lock, struct ww_acquire_ctx *victim)
{
	pthread_mutex_lock(&lock->wait_lock);
	atomic_store(&victim->blocked_on, (uintptr_t)lock);
	pthread_cond_broadcast(&lock->wait);
	pthread_mutex_unlock(&lock->wait_lock);
}

/*
 * Decide what @ctx does about @lock, held by another owner: 0 to wait,
 * -EDEADLK to back off. In wound-wait, a younger holder is wounded first;
 * *@pinned and *@victim then name a victim the caller must wake.
 * Context: lock->wait_lock held, the caller registered as a waiter.
 */
static int ww_judge(struct ww_mutex *lock, struct ww_acquire_ctx *ctx,
		    bool may_back_off, struct ww_acquire_ctx **victim,
		    struct ww_mutex **pinned)
{
	struct ww_acquire_ctx *hold = atomic_load(&lock->ctx);

	if (!ctx->acquired)
		return 0;
	if (lock->ww_class->is_wait_die)
		return may_back_off && hold && ww_ctx_older(hold, ctx) ?
		       -EDEADLK : 0;
	if (may_back_off && atomic_load(&ctx->wounded))
		return -EDEADLK;
	if (hold && ww_ctx_older(ctx, hold)) {
		*victim = hold;
		*pinned = ww_wound(hold);
	}
	return 0;
}

/*
 * The slow path: wait until @lock is free and take it, or return an error.
 * -EALREADY and the self-deadlock check come from the owner word, which no
 * other thread changes while it holds our token.
 */
static int ww_mutex_lock_contended(struct ww_mutex *lock,
				   struct ww_acquire_ctx *ctx,
				   bool may_back_off)
{
	const uintptr_t self = ww_self();
	struct ww_acquire_ctx *victim;
	struct ww_mutex *pinned;
	uintptr_t owner;
	int ret;

	owner = atomic_load_explicit(&lock->owner, memory_order_relaxed);
	if (ww_owner_of(owner) == self && ctx &&
	    atomic_load_explicit(&lock->ctx, memory_order_relaxed) == ctx)
		return -EALREADY;

	pthread_mutex_lock(&lock->wait_lock);
	ww_add_waiter(lock, ctx);
	for (;;) {
		owner = atomic_load_explicit(&lock->owner, memory_order_acquire);
		if (!ww_owner_of(owner)) {
			/* A trylock may steal it first: then look again. */
			if (!atomic_compare_exchange_strong_explicit(
					&lock->owner, &owner, self | owner,
					memory_order_acquire,
					memory_order_relaxed))
				continue;
			if (ctx)
				atomic_store_explicit(&lock->ctx, ctx,
						      memory_order_relaxed);
			ret = 0;
			break;
		}
		pinned = NULL;
		ret = ctx ? ww_judge(lock, ctx, may_back_off, &victim, &pinned) : 0;
		if (ret)
			break;
		if (DMB_WARN(ww_owner_of(owner) == self,
			     "recursive lock of %s: the calling thread holds it",
			     lock->dep_map.name)) {
			ret = -EINVAL;
			break;
		}
		if (pinned) {
			/* Wait locks never nest; the pin keeps both alive. */
			pthread_mutex_unlock(&lock->wait_lock);
			ww_wake_victim(pinned, victim);
			pthread_mutex_lock(&lock->wait_lock);
			continue;
		}
		pthread_cond_wait(&lock->wait, &lock->wait_lock);
	}
	ww_del_waiter(lock, ctx);
	/* Rule 2: the others re-judge against the new holder. */
	if (!ret && ctx && lock->waiters)
		pthread_cond_broadcast(&lock->wait);
	pthread_mutex_unlock(&lock->wait_lock);
	return ret;
}

/* Inlined into both callers: the uncontended lock is a handful of instructions. */
static inline __attribute__((always_inline)) int
ww_mutex_lock_common(struct ww_mutex *lock, struct ww_acquire_ctx *ctx,
		     enum ww_call call)
{
	uintptr_t owner = 0;
	int ret;

	if (ctx && !ww_ctx_usable(lock, ctx, call))
		return -EINVAL;
	if (dmb_likely(atomic_compare_exchange_strong_explicit(
			&lock->owner, &owner, ww_self(), memory_order_acquire,
			memory_order_relaxed))) {
		if (ctx)
			ww_publish_ctx(lock, ctx, 0);
	} else {
		ret = ww_mutex_lock_contended(lock, ctx,
					      call == WW_CALL_LOCK);
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
	return ww_mutex_lock_common(lock, ctx, WW_CALL_LOCK);
}

void ww_mutex_lock_slow(struct ww_mutex *lock, struct ww_acquire_ctx *ctx)
{
	ww_mutex_lock_common(lock, ctx, WW_CALL_LOCK_SLOW);
}

bool ww_mutex_trylock(struct ww_mutex *lock, struct ww_acquire_ctx *ctx)
{
	uintptr_t owner;

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

void ww_mutex_unlock(struct ww_mutex *lock)
{
	const uintptr_t self = ww_self();
	struct ww_acquire_ctx *ctx;
	uintptr_t owner = self;

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

	/* Rule 1: someone waits; release and wake under wait_lock. */
	pthread_mutex_lock(&lock->wait_lock);
	atomic_fetch_and_explicit(&lock->owner, WW_WAITERS, memory_order_release);
	if (lock->waiters)
		pthread_cond_broadcast(&lock->wait);
	pthread_mutex_unlock(&lock->wait_lock);
}

bool ww_mutex_is_locked(struct ww_mutex *lock)
{
	return ww_owner_of(atomic_load_explicit(&lock->owner,
						memory_order_relaxed));
}

bool ww_mutex_held(struct ww_mutex *lock)
{
	return __ww_mutex_held(lock);
}
