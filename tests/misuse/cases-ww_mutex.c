// SPDX-License-Identifier: MIT
/*
 * cases-ww_mutex.c - misuse of ww_mutex.h: NULL locks, contexts and
 * classes, and the wrong states (unlock of an unlocked mutex, a recursive
 * lock, fini with locks held, a lock after ww_acquire_done(), a context of
 * another class, destroy of a locked mutex).
 */
#include <dmabuf/ww_mutex.h>

#include "misuse.h"

static DEFINE_WD_CLASS(misuse_wd_class);
static DEFINE_WW_CLASS(misuse_ww_class);

static struct ww_mutex *new_lock(void)
{
	static struct ww_mutex lock;

	ww_mutex_init(&lock, &misuse_wd_class);
	return &lock;
}

MISUSE_CASE(ww_mutex_init, null_lock, MISUSE_REPORTED)
{
	ww_mutex_init(NULL, &misuse_wd_class);
	return true;
}

MISUSE_CASE(ww_mutex_init, null_class, MISUSE_REPORTED)
{
	struct ww_mutex lock;

	ww_mutex_init(&lock, NULL);
	return true;
}

MISUSE_CASE(ww_mutex_destroy, null, MISUSE_REPORTED)
{
	ww_mutex_destroy(NULL);
	return true;
}

MISUSE_CASE(ww_mutex_destroy, locked, MISUSE_REPORTED)
{
	struct ww_mutex *lock = new_lock();

	ww_mutex_lock(lock, NULL);
	ww_mutex_destroy(lock);
	return ww_mutex_is_locked(lock);
}

MISUSE_CASE(ww_acquire_init, null_ctx, MISUSE_REPORTED)
{
	ww_acquire_init(NULL, &misuse_wd_class);
	return true;
}

MISUSE_CASE(ww_acquire_init, null_class, MISUSE_REPORTED)
{
	struct ww_acquire_ctx ctx;

	ww_acquire_init(&ctx, NULL);
	return true;
}

MISUSE_CASE(ww_acquire_done, null, MISUSE_REPORTED)
{
	ww_acquire_done(NULL);
	return true;
}

MISUSE_CASE(ww_acquire_fini, null, MISUSE_REPORTED)
{
	ww_acquire_fini(NULL);
	return true;
}

MISUSE_CASE(ww_acquire_fini, locks_held, MISUSE_REPORTED)
{
	struct ww_acquire_ctx ctx;

	ww_acquire_init(&ctx, &misuse_wd_class);
	ww_mutex_lock(new_lock(), &ctx);
	ww_acquire_fini(&ctx);
	return true;
}

MISUSE_CASE(ww_mutex_lock, null, MISUSE_REPORTED)
{
	return ww_mutex_lock(NULL, NULL) == -EINVAL;
}

MISUSE_CASE(ww_mutex_lock, recursive_without_ctx, MISUSE_REPORTED)
{
	struct ww_mutex *lock = new_lock();

	ww_mutex_lock(lock, NULL);
	return ww_mutex_lock(lock, NULL) == -EINVAL;
}

MISUSE_CASE(ww_mutex_lock, after_acquire_done, MISUSE_REPORTED)
{
	struct ww_acquire_ctx ctx;

	ww_acquire_init(&ctx, &misuse_wd_class);
	ww_acquire_done(&ctx);
	return ww_mutex_lock(new_lock(), &ctx) == -EINVAL;
}

MISUSE_CASE(ww_mutex_lock, ctx_of_another_class, MISUSE_REPORTED)
{
	struct ww_acquire_ctx ctx;

	ww_acquire_init(&ctx, &misuse_ww_class);
	return ww_mutex_lock(new_lock(), &ctx) == -EINVAL &&
	       !ww_mutex_is_locked(new_lock());
}

MISUSE_CASE(ww_mutex_lock_slow, null, MISUSE_REPORTED)
{
	struct ww_acquire_ctx ctx;

	ww_acquire_init(&ctx, &misuse_wd_class);
	ww_mutex_lock_slow(NULL, &ctx);
	return true;
}

/* Reported, not refused: the slow lock has no error to return. */
MISUSE_CASE(ww_mutex_lock_slow, locks_held, MISUSE_REPORTED)
{
	static struct ww_mutex other;
	struct ww_acquire_ctx ctx;

	ww_mutex_init(&other, &misuse_wd_class);
	ww_acquire_init(&ctx, &misuse_wd_class);
	ww_mutex_lock(&other, &ctx);
	ww_mutex_lock_slow(new_lock(), &ctx);
	return true;
}

MISUSE_CASE(ww_mutex_lock_interruptible, null, MISUSE_REPORTED)
{
	return ww_mutex_lock_interruptible(NULL, NULL) == -EINVAL;
}

MISUSE_CASE(ww_mutex_lock_slow_interruptible, null, MISUSE_REPORTED)
{
	return ww_mutex_lock_slow_interruptible(NULL, NULL) == -EINVAL;
}

MISUSE_CASE(ww_mutex_trylock, null, MISUSE_REPORTED)
{
	return !ww_mutex_trylock(NULL, NULL);
}

MISUSE_CASE(ww_mutex_trylock, after_acquire_done, MISUSE_REPORTED)
{
	struct ww_acquire_ctx ctx;

	ww_acquire_init(&ctx, &misuse_wd_class);
	ww_acquire_done(&ctx);
	return !ww_mutex_trylock(new_lock(), &ctx);
}

MISUSE_CASE(ww_mutex_unlock, null, MISUSE_REPORTED)
{
	ww_mutex_unlock(NULL);
	return true;
}

MISUSE_CASE(ww_mutex_unlock, unlocked, MISUSE_REPORTED)
{
	struct ww_mutex *lock = new_lock();

	ww_mutex_unlock(lock);
	return !ww_mutex_is_locked(lock) && ww_mutex_lock(lock, NULL) == 0;
}

MISUSE_CASE(ww_mutex_is_locked, null, MISUSE_REPORTED)
{
	return !ww_mutex_is_locked(NULL);
}

MISUSE_CASE(ww_mutex_held, null, MISUSE_REPORTED)
{
	return !ww_mutex_held(NULL);
}
