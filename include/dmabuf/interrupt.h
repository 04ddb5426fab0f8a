/* SPDX-License-Identifier: MIT */
/*
 * interrupt.h - what "interruptible" means in userspace: a per-thread
 * interrupt request.
 *
 * In the kernel an interruptible sleep ends early when a signal is pending
 * for the task: fence waits return -ERESTARTSYS, mutex locks -EINTR, and the
 * signal stays pending (every further interruptible sleep fails at once)
 * until the task returns to userspace and handles it. libdmabuf has no
 * signals to borrow for this, so it keeps one request flag per thread:
 *
 *  - dmb_thread_interrupt(thread) sets @thread's request and wakes it if it
 *    sleeps in an interruptible call (dmb_fence_wait_timeout() with intr,
 *    dmb_resv_wait_timeout() with intr, ww_mutex_lock_interruptible(),
 *    ww_mutex_lock_slow_interruptible(), dma_resv_lock_interruptible(), ...);
 *  - while the request is set, every interruptible call of that thread
 *    fails at once, as with a pending signal; uninterruptible calls ignore
 *    it;
 *  - the thread clears it with dmb_interrupt_clear(), the analogue of
 *    handling the signal on the way back to userspace.
 *
 * A request sent to a thread that has not yet made any call of this API is
 * kept for it. Interrupting a thread that has exited is undefined, as
 * pthread_kill() of it would be.
 *
 * Locking: one internal lock protects the registry of threads and where each
 * sleeps; it is taken before the lock a sleeper waits under (a ww_mutex's
 * wait lock), never after. Nothing here may be called from a signal handler.
 */
#ifndef DMABUF_INTERRUPT_H
#define DMABUF_INTERRUPT_H

#include <pthread.h>
#include <stdbool.h>
#include <dmabuf/compiler.h>

DMB_BEGIN_DECLS

/* The kernel's "restart the system call" errno, absent from userspace headers. */
#ifndef ERESTARTSYS
#define ERESTARTSYS	512
#endif

/**
 * dmb_thread_interrupt - ask @thread to abandon its interruptible waits
 * @thread: the thread to interrupt (may be the caller)
 *
 * Sets @thread's interrupt request and wakes it if it sleeps interruptibly.
 * Context: any thread; takes the registry lock and, if @thread sleeps on a
 * ww_mutex, that mutex's wait lock. Return: 0, or -ENOMEM if the request
 * could not be recorded for a thread never seen before.
 */
int dmb_thread_interrupt(pthread_t thread);

/**
 * dmb_interrupt_pending - is the calling thread's interrupt request set?
 *
 * Context: any thread. Return: true while set (until dmb_interrupt_clear()).
 */
bool dmb_interrupt_pending(void);

/**
 * dmb_interrupt_clear - clear the calling thread's interrupt request
 *
 * Context: any thread; takes the registry lock.
 */
void dmb_interrupt_clear(void);

/**
 * struct dmb_interrupt_sleep - where an interruptible sleeper can be woken
 * @wake: called by dmb_thread_interrupt() with the registry lock held; must
 *	make the sleeper re-check dmb_interrupt_pending() (it may take the
 *	lock the sleeper waits under, never the registry lock)
 * @arg: for @wake
 *
 * For the library's sleeping primitives; a program never needs it.
 */
struct dmb_interrupt_sleep {
	void (*wake)(void *arg);
	void *arg;
};

/**
 * dmb_interrupt_sleep_begin - register the calling thread's sleep
 *
 * After it, a dmb_thread_interrupt() of this thread calls @sleep->wake; the
 * caller checks dmb_interrupt_pending() after registering and before each
 * sleep, so no request is missed. @sleep must stay valid until
 * dmb_interrupt_sleep_end().
 * Context: the sleeping thread, holding no lock its @wake takes.
 * Return: 0, or -ENOMEM (the caller then fails its wait with it).
 */
int dmb_interrupt_sleep_begin(struct dmb_interrupt_sleep *sleep);

/**
 * dmb_interrupt_sleep_end - unregister; once it returns @wake is not running
 * and will not run
 *
 * Context: the sleeping thread, holding no lock its @wake takes.
 */
void dmb_interrupt_sleep_end(void);

DMB_END_DECLS

#endif /* DMABUF_INTERRUPT_H */
