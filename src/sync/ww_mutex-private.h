/* SPDX-License-Identifier: MIT */
/*
 * ww_mutex-private.h - the owner token and "does the calling thread hold
 * this lock?" as inline code, for the library's own fast paths: the dma-buf
 * core asks it on every map and unmap, where a call would cost more than
 * the test. Not installed; programs use ww_mutex_held().
 *
 * Locking: reads the owner word only; the answer about the calling thread
 * is exact, since only that thread can make it true or false.
 */
#ifndef DMABUF_SYNC_WW_MUTEX_PRIVATE_H
#define DMABUF_SYNC_WW_MUTEX_PRIVATE_H

#include <stdint.h>
#include <dmabuf/ww_mutex.h>

#define WW_WAITERS	((uintptr_t)1)	/* in lock->owner */

/*
 * The calling thread's owner token. Where the compiler can read the thread
 * pointer (x86-64, AArch64...), it is the token: unique among live threads,
 * aligned (bit 0, WW_WAITERS, is clear), and one memory operand to compare
 * against (`cmp %fs:0, reg`), which matters on the uncontended path and in
 * the dma-buf core's owner test of every map and unmap. Elsewhere it is the
 * address of a thread-local (initial-exec: a GOT load and an add).
 */
#if defined(__has_builtin) && __has_builtin(__builtin_thread_pointer) && \
	(defined(__x86_64__) || defined(__aarch64__))
static inline uintptr_t ww_self(void)
{
	return (uintptr_t)__builtin_thread_pointer();
}
#else
#define WW_SELF_TLS 1
extern _Thread_local int __dmb_ww_self_token
	__attribute__((tls_model("initial-exec"), visibility("hidden")));

static inline uintptr_t ww_self(void)
{
	return (uintptr_t)&__dmb_ww_self_token;
}
#endif

static inline uintptr_t ww_owner_of(uintptr_t word)
{
	return word & ~WW_WAITERS;
}

/*
 * ww_test_window - where a test build of ww_mutex.c
 * (tests/sync/test-ww_mutex.c, built with WW_MUTEX_TEST_WINDOW) may hold
 * the calling thread: in the fast path, after the lock is taken and before
 * its context is published. Rule 2 of ww_mutex.c closes that window; the
 * test opens it on purpose, to replay the race in an exact order. Nothing
 * in other builds.
 */
#ifdef WW_MUTEX_TEST_WINDOW
void ww_test_window(struct ww_mutex *lock);
#else
static inline void ww_test_window(struct ww_mutex *lock)
{
	(void)lock;
}
#endif

/* ww_mutex_held(), inline. */
static inline bool __ww_mutex_held(struct ww_mutex *lock)
{
	return ww_owner_of(atomic_load_explicit(&lock->owner,
						memory_order_relaxed)) == ww_self();
}

#endif /* DMABUF_SYNC_WW_MUTEX_PRIVATE_H */
