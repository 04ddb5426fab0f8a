/* SPDX-License-Identifier: MIT */
/*
 * sigbus-guard.c - survive another process shrinking a shared file under
 * our mappings (dmabuf/sigbus-guard.h).
 *
 * The slots are a fixed table of atomics: the SIGBUS handler may run in
 * any thread at any moment, so it takes no lock and calls only mmap(),
 * sigaction() and raise(). sigaction() and raise() are async-signal-safe
 * by POSIX; mmap() is not on POSIX's list, but glibc's and musl's mmap()
 * on Linux is a bare system call wrapper (no lock, no allocation, only
 * errno touched, which the handler saves and restores), so calling it
 * from the handler is safe here. A slot is published by storing its
 * generation, then its start last (release), and withdrawn by clearing
 * start first; the handler reads start with acquire, then the rest.
 *
 * A handle is the slot's index in the low bits and the slot's generation
 * (bumped at every add, never 0) above it: a handle kept after its del,
 * whose slot another add reused, is told from the new one's and refused.
 *
 * The handler is installed when the first mapping is guarded (and again
 * in front of whoever replaced it since) and the previous action restored
 * when the last one goes ("only while needed"), unless another handler was
 * put in front since: that one stays, and if it later puts ours back, ours
 * keeps chaining to the action saved first. The saved action is never our
 * own (chaining to ourselves would recurse until the stack overflows).
 *
 * Only a fault (si_code > 0, set by the kernel) is matched against the
 * slots: for a SIGBUS sent by kill()/sigqueue(), si_addr holds a pid.
 * Anything else goes to the saved action: its handler is called; SIG_IGN
 * ignores a sent signal; otherwise the default action is put back and the
 * process ends as it would have without us (a fault repeats on return, a
 * sent signal is raised again). The guard is only taken out of the way
 * while guarded mappings remain when the process is ending.
 *
 * nr_damaged counts the slots flagged damaged, so that asking whether a
 * range is damaged costs one load while nothing was (the DMA path asks it
 * for every chunk it moves).
 *
 * Locking: guard_lock protects users and the writing of the saved action;
 * the slots, nr_damaged and the index of the saved action the handler
 * reads are atomic (the handler runs on any thread, possibly interrupting
 * a holder of guard_lock: it must never take it).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <dmabuf/diag.h>
#include <dmabuf/sigbus-guard.h>

#define GUARD_SLOT_BITS	10
#define GUARD_SLOTS	(1 << GUARD_SLOT_BITS)
/* The generation fills the rest of a positive int. */
#define GUARD_GEN_MASK	((1u << (31 - GUARD_SLOT_BITS)) - 1)

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
	atomic_uint gen;		/* of the handle last given; 0: never */
};

static struct guard_slot slots[GUARD_SLOTS];
static pthread_mutex_t guard_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int users;		/* guard_lock */
/*
 * The action in place before ours. Written under guard_lock into the copy
 * the handler does not read, then published by the index (release), so a
 * handler chaining on another thread never reads a half-written one.
 */
static struct sigaction old_actions[2];
static atomic_uint old_idx;
static atomic_uint nr_damaged;		/* slots in use flagged damaged */

static void guard_sigbus(int sig, siginfo_t *info, void *uctx);

static bool is_ours(const struct sigaction *sa)
{
	return (sa->sa_flags & SA_SIGINFO) && sa->sa_sigaction == guard_sigbus;
}

static void set_default(int sig)
{
	struct sigaction dfl;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
}

/* A SIGBUS no guarded mapping explains: what the saved action would do. */
static void chain(int sig, siginfo_t *info, void *uctx, bool fault)
{
	const struct sigaction *old =
		&old_actions[atomic_load_explicit(&old_idx, memory_order_acquire)];

	/* install_locked() never saves ours; were it there, it is SIG_DFL. */
	if (!is_ours(old)) {
		if (old->sa_flags & SA_SIGINFO) {
			old->sa_sigaction(sig, info, uctx);
			return;
		}
		if (old->sa_handler == SIG_IGN && !fault)
			return;
		if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN) {
			old->sa_handler(sig);
			return;
		}
	}
	/*
	 * The default action ends the process (a fault cannot be ignored
	 * either): a fault repeats once we return, a sent signal is sent
	 * again, pending until the handler returns and unblocks it.
	 */
	set_default(sig);
	if (!fault)
		raise(sig);
}

static void guard_sigbus(int sig, siginfo_t *info, void *uctx)
{
	uintptr_t addr = (uintptr_t)info->si_addr;
	/* SI_KERNEL and the user codes (<= 0) carry no fault address. */
	bool fault = info->si_code > 0 && info->si_code != SI_KERNEL;
	int saved_errno = errno;

	for (size_t i = 0; fault && i < GUARD_SLOTS; i++) {
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
	chain(sig, info, uctx, fault);
	errno = saved_errno;
}

/*
 * Install the handler for one more user. If somebody replaced it while
 * mappings were guarded (a test framework does, per test), it goes back
 * in front, chained to theirs. If ours is the one in place (put back by
 * whoever had saved it), the action saved before stays the one to chain
 * to.
 */
static int install_locked(void)
{
	unsigned int idx = atomic_load_explicit(&old_idx, memory_order_relaxed);
	struct sigaction sa, cur;

	if (sigaction(SIGBUS, NULL, &cur))
		return -errno;
	if (!is_ours(&cur)) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = guard_sigbus;
		sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
		sigemptyset(&sa.sa_mask);
		old_actions[!idx] = cur;
		atomic_store_explicit(&old_idx, !idx, memory_order_release);
		if (sigaction(SIGBUS, &sa, NULL))
			return -errno;
	}
	users++;
	return 0;
}

/*
 * The last user gone: the saved action goes back if ours is in front. If
 * another handler is (installed after ours), it stays, and ours, if it
 * comes back, chains to the saved action.
 */
static void uninstall_locked(void)
{
	unsigned int idx = atomic_load_explicit(&old_idx, memory_order_relaxed);
	struct sigaction cur;

	if (--users)
		return;
	if (!sigaction(SIGBUS, NULL, &cur) && is_ours(&cur))
		sigaction(SIGBUS, &old_actions[idx], NULL);
}

static int handle_of(int i, unsigned int gen)
{
	return (int)(gen << GUARD_SLOT_BITS) | i;
}

/*
 * The slot @handle guards, or NULL (reported) for a handle no add returned
 * or whose del was called: its slot is free, or guards another mapping
 * since (a later generation). The generation is read after start
 * (acquire) and again after the caller's reads by damaged(), so that a
 * del and re-add racing with it is noticed.
 */
static struct guard_slot *handle_slot(int handle, const char *call)
{
	unsigned int i = (unsigned int)handle & (GUARD_SLOTS - 1);
	unsigned int gen = (unsigned int)handle >> GUARD_SLOT_BITS;
	bool ok = handle >= 0 && gen &&
		  atomic_load_explicit(&slots[i].start, memory_order_acquire) &&
		  atomic_load_explicit(&slots[i].gen, memory_order_acquire) == gen;

	if (DMB_WARN(!ok, "%s: handle %d is not guarding a mapping (%s)", call,
		     handle, handle < 0 || !gen ? "never a handle" :
		     "deleted, or its slot reused since"))
		return NULL;
	return &slots[i];
}

/*
 * The slot in use that guards a byte of [@a, @a + @len), or -1. guard_lock
 * held: only add and del (both under it) change which slots are in use and
 * their ranges, so plain relaxed loads see them all.
 */
static int overlapping_locked(uintptr_t a, size_t len)
{
	for (int i = 0; i < GUARD_SLOTS; i++) {
		uintptr_t start = atomic_load_explicit(&slots[i].start,
						       memory_order_relaxed);

		if (start && start < a + len &&
		    a < start + atomic_load_explicit(&slots[i].len,
						     memory_order_relaxed))
			return i;
	}
	return -1;
}

/*
 * What the handler's mmap(MAP_FIXED) accepts, checked up front: a mapping
 * whose fault the handler could not answer would end the process after
 * all. A start off a page boundary makes that mmap() fail; a range running
 * past the end of the address space has no end to compare with; prot bits
 * other than read, write and exec (PROT_GROWSDOWN, garbage) are refused
 * rather than passed to mmap() from a signal handler.
 */
static bool range_valid(uintptr_t a, size_t len, int prot)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);

	if (DMB_WARN(!a || !len, "dmb_sigbus_guard_add of no mapping"))
		return false;
	if (DMB_WARN(len > UINTPTR_MAX - a,
		     "dmb_sigbus_guard_add of [%#lx, +%#zx): wraps past the end "
		     "of the address space", (unsigned long)a, len))
		return false;
	if (DMB_WARN(a & (page - 1),
		     "dmb_sigbus_guard_add of [%#lx, +%#zx): not at a page "
		     "boundary (page size %lu)", (unsigned long)a, len,
		     (unsigned long)page))
		return false;
	if (DMB_WARN(prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC),
		     "dmb_sigbus_guard_add: unknown prot bits %#x",
		     (unsigned int)(prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))))
		return false;
	return true;
}

int dmb_sigbus_guard_add(void *addr, size_t len, int prot)
{
	int ret = -ENOSPC;
	int other;

	if (!range_valid((uintptr_t)addr, len, prot))
		return -EINVAL;
	pthread_mutex_lock(&guard_lock);
	/*
	 * A byte guarded twice would be answered by whichever slot the
	 * handler meets first, and the other's damage never flagged.
	 */
	other = overlapping_locked((uintptr_t)addr, len);
	if (DMB_WARN(other >= 0,
		     "dmb_sigbus_guard_add of [%p, +%#zx): overlaps the guarded "
		     "[%#lx, +%#zx)", addr, len,
		     (unsigned long)atomic_load_explicit(&slots[other].start,
							 memory_order_relaxed),
		     atomic_load_explicit(&slots[other].len,
					  memory_order_relaxed))) {
		ret = -EEXIST;
		goto out_unlock;
	}
	for (int i = 0; i < GUARD_SLOTS; i++) {
		unsigned int gen;

		if (atomic_load_explicit(&slots[i].start, memory_order_relaxed))
			continue;
		ret = install_locked();
		if (ret)
			break;
		/* Wraps after 2^21 adds of one slot, skipping 0. */
		gen = (atomic_load_explicit(&slots[i].gen, memory_order_relaxed) &
		       GUARD_GEN_MASK) + 1;
		if (gen > GUARD_GEN_MASK)
			gen = 1;
		atomic_store_explicit(&slots[i].gen, gen, memory_order_relaxed);
		atomic_store_explicit(&slots[i].len, len, memory_order_relaxed);
		atomic_store_explicit(&slots[i].prot, prot, memory_order_relaxed);
		atomic_store_explicit(&slots[i].damaged, false, memory_order_relaxed);
		atomic_store_explicit(&slots[i].start, (uintptr_t)addr,
				      memory_order_release);
		ret = handle_of(i, gen);
		break;
	}
out_unlock:
	pthread_mutex_unlock(&guard_lock);
	return ret;
}

void dmb_sigbus_guard_del(int handle)
{
	struct guard_slot *slot;

	pthread_mutex_lock(&guard_lock);
	slot = handle_slot(handle, "dmb_sigbus_guard_del");
	if (slot) {
		atomic_store_explicit(&slot->start, 0, memory_order_release);
		if (atomic_load_explicit(&slot->damaged, memory_order_acquire))
			atomic_fetch_sub_explicit(&nr_damaged, 1,
						  memory_order_release);
		uninstall_locked();
	}
	pthread_mutex_unlock(&guard_lock);
}

bool dmb_sigbus_guard_damaged(int handle)
{
	struct guard_slot *slot = handle_slot(handle, "dmb_sigbus_guard_damaged");
	bool damaged;

	if (!slot)
		return false;
	damaged = atomic_load_explicit(&slot->damaged, memory_order_acquire);
	/* Reused meanwhile (a del racing with the caller's own query). */
	if (DMB_WARN(atomic_load_explicit(&slot->gen, memory_order_acquire) !=
		     (unsigned int)handle >> GUARD_SLOT_BITS,
		     "dmb_sigbus_guard_damaged: handle %d deleted while asked",
		     handle))
		return false;
	return damaged;
}

bool dmb_sigbus_guard_range_damaged(const void *addr, size_t len)
{
	uintptr_t a = (uintptr_t)addr, last;

	if (!addr || !len ||
	    !atomic_load_explicit(&nr_damaged, memory_order_acquire))
		return false;
	/*
	 * The range's last byte, computed so that it cannot wrap: a range
	 * running past the end of the address space is taken to its end
	 * (asked about more bytes, the answer errs towards damaged). No
	 * report: this runs in signal handlers.
	 */
	last = len - 1 > UINTPTR_MAX - a ? UINTPTR_MAX : a + (len - 1);
	for (size_t i = 0; i < GUARD_SLOTS; i++) {
		uintptr_t start = atomic_load_explicit(&slots[i].start,
						       memory_order_acquire);
		size_t slen;

		if (!start || start > last)
			continue;
		slen = atomic_load_explicit(&slots[i].len, memory_order_relaxed);
		if (a < start + slen &&
		    atomic_load_explicit(&slots[i].damaged, memory_order_acquire))
			return true;
	}
	return false;
}
