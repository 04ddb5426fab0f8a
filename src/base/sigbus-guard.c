/* SPDX-License-Identifier: MIT */
/*
 * sigbus-guard.c - survive another process shrinking a shared file under
 * our mappings (dmabuf/sigbus-guard.h).
 *
 * The slots are a fixed table of atomics: the SIGBUS handler may run in
 * any thread at any moment, so it takes no lock and calls only mmap() and
 * sigaction(), which are async-signal-safe. A slot is published by storing
 * its start last (release) and withdrawn by clearing it first; the handler
 * reads start with acquire, then the rest.
 *
 * The handler is installed when the first mapping is guarded (and again
 * in front of whoever replaced it since) and the previous action restored
 * when the last one goes ("only while needed"). A
 * SIGBUS outside every guarded mapping goes to the previous action: its
 * handler is called, or for SIG_DFL / SIG_IGN the default action is put
 * back and the fault, repeated on return, ends the process as it would
 * have without us.
 *
 * nr_damaged counts the slots flagged damaged, so that asking whether a
 * range is damaged costs one load while nothing was (the DMA path asks it
 * for every chunk it moves).
 *
 * Locking: guard_lock protects users and old_action; the slots and
 * nr_damaged are atomic.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include <dmabuf/diag.h>
#include <dmabuf/sigbus-guard.h>

#define GUARD_SLOTS	1024

/* The handler may only touch lock-free state. */
_Static_assert(ATOMIC_LONG_LOCK_FREE == 2 && ATOMIC_INT_LOCK_FREE == 2 &&
	       ATOMIC_BOOL_LOCK_FREE == 2 && sizeof(uintptr_t) == sizeof(long) &&
	       sizeof(size_t) == sizeof(long),
	       "the SIGBUS handler needs lock-free atomics");

struct guard_slot {
	atomic_uintptr_t start;		/* 0: free */
	atomic_size_t len;
	atomic_int prot;
	atomic_bool damaged;
};

static struct guard_slot slots[GUARD_SLOTS];
static pthread_mutex_t guard_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int users;		/* guard_lock */
static struct sigaction old_action;	/* guard_lock; the handler reads it */
static atomic_uint nr_damaged;		/* slots in use flagged damaged */

static void chain(int sig, siginfo_t *info, void *uctx)
{
	struct sigaction dfl;

	if (old_action.sa_flags & SA_SIGINFO) {
		old_action.sa_sigaction(sig, info, uctx);
		return;
	}
	if (old_action.sa_handler != SIG_DFL && old_action.sa_handler != SIG_IGN) {
		old_action.sa_handler(sig);
		return;
	}
	/* A fault cannot be ignored: the default action ends the process. */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigaction(SIGBUS, &dfl, NULL);
}

static void guard_sigbus(int sig, siginfo_t *info, void *uctx)
{
	uintptr_t addr = (uintptr_t)info->si_addr;
	int saved_errno = errno;

	for (size_t i = 0; i < GUARD_SLOTS; i++) {
		uintptr_t start = atomic_load_explicit(&slots[i].start,
						       memory_order_acquire);
		size_t len;

		if (!start || addr < start)
			continue;
		len = atomic_load_explicit(&slots[i].len, memory_order_relaxed);
		if (addr - start >= len)
			continue;
		/* Zeros instead of the lost pages: the access completes. */
		if (mmap((void *)start, len,
			 atomic_load_explicit(&slots[i].prot, memory_order_relaxed),
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
			break;
		if (!atomic_exchange_explicit(&slots[i].damaged, true,
					      memory_order_acq_rel))
			atomic_fetch_add_explicit(&nr_damaged, 1,
						  memory_order_release);
		errno = saved_errno;
		return;
	}
	errno = saved_errno;
	chain(sig, info, uctx);
}

static bool is_ours(const struct sigaction *sa)
{
	return (sa->sa_flags & SA_SIGINFO) && sa->sa_sigaction == guard_sigbus;
}

/*
 * Install the handler for one more user. If somebody replaced it while
 * mappings were guarded (a test framework does, per test), it goes back
 * in front, chained to theirs.
 */
static int install_locked(void)
{
	struct sigaction sa, cur;

	if (users && (sigaction(SIGBUS, NULL, &cur) || is_ours(&cur))) {
		users++;
		return 0;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = guard_sigbus;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, &old_action))
		return -errno;
	users++;
	return 0;
}

static void uninstall_locked(void)
{
	struct sigaction cur;

	if (--users)
		return;
	sigaction(SIGBUS, &old_action, &cur);
	/* Somebody installed a handler after ours: theirs stays. */
	if (!is_ours(&cur))
		sigaction(SIGBUS, &cur, NULL);
}

static bool slot_in_use(int slot, const char *call)
{
	return !DMB_WARN(slot < 0 || slot >= GUARD_SLOTS ||
			 !atomic_load_explicit(&slots[slot].start,
					       memory_order_acquire),
			 "%s: slot %d is not guarding a mapping", call, slot);
}

int dmb_sigbus_guard_add(void *addr, size_t len, int prot)
{
	int ret = -ENOSPC;

	if (DMB_WARN(!addr || !len, "dmb_sigbus_guard_add of no mapping"))
		return -EINVAL;
	pthread_mutex_lock(&guard_lock);
	for (int i = 0; i < GUARD_SLOTS; i++) {
		if (atomic_load_explicit(&slots[i].start, memory_order_relaxed))
			continue;
		ret = install_locked();
		if (ret)
			break;
		atomic_store_explicit(&slots[i].len, len, memory_order_relaxed);
		atomic_store_explicit(&slots[i].prot, prot, memory_order_relaxed);
		atomic_store_explicit(&slots[i].damaged, false, memory_order_relaxed);
		atomic_store_explicit(&slots[i].start, (uintptr_t)addr,
				      memory_order_release);
		ret = i;
		break;
	}
	pthread_mutex_unlock(&guard_lock);
	return ret;
}

void dmb_sigbus_guard_del(int slot)
{
	pthread_mutex_lock(&guard_lock);
	if (slot_in_use(slot, "dmb_sigbus_guard_del")) {
		atomic_store_explicit(&slots[slot].start, 0, memory_order_release);
		if (atomic_load_explicit(&slots[slot].damaged, memory_order_acquire))
			atomic_fetch_sub_explicit(&nr_damaged, 1,
						  memory_order_release);
		uninstall_locked();
	}
	pthread_mutex_unlock(&guard_lock);
}

bool dmb_sigbus_guard_damaged(int slot)
{
	return slot_in_use(slot, "dmb_sigbus_guard_damaged") &&
	       atomic_load_explicit(&slots[slot].damaged, memory_order_acquire);
}

bool dmb_sigbus_guard_range_damaged(const void *addr, size_t len)
{
	uintptr_t a = (uintptr_t)addr;

	if (!addr || !len ||
	    !atomic_load_explicit(&nr_damaged, memory_order_acquire))
		return false;
	for (size_t i = 0; i < GUARD_SLOTS; i++) {
		uintptr_t start = atomic_load_explicit(&slots[i].start,
						       memory_order_acquire);
		size_t slen;

		if (!start || start >= a + len)
			continue;
		slen = atomic_load_explicit(&slots[i].len, memory_order_relaxed);
		if (a < start + slen &&
		    atomic_load_explicit(&slots[i].damaged, memory_order_acquire))
			return true;
	}
	return false;
}
