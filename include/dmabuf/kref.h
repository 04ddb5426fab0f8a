/* SPDX-License-Identifier: MIT */
/*
 * kref.h - reference counts with a release callback, the kernel's kref.
 *
 * The count is atomic: get and put may run concurrently from any thread
 * without a lock. The thread that drops the last reference runs @release,
 * exactly once. Getting a reference on an object whose count already reached
 * zero is a use-after-free in the caller; it is reported, not ignored.
 *
 * The count is a plain unsigned int that only the functions below touch,
 * with the compiler's __atomic builtins: the header then reads the same in
 * C and C++ (C++ before C++23 has no _Atomic), for gcc and clang alike.
 */
#ifndef DMABUF_KREF_H
#define DMABUF_KREF_H

#include <stdbool.h>
#include <dmabuf/compiler.h>
#include <dmabuf/diag.h>

DMB_BEGIN_DECLS

struct dmb_kref {
	unsigned int refcount;	/* only through the functions below */
};

#define DMB_KREF_INIT(n) { .refcount = (n) }

/**
 * dmb_kref_init - the count starts at one reference
 *
 * Context: any thread; the object not yet shared.
 */
static inline void dmb_kref_init(struct dmb_kref *kref)
{
	__atomic_store_n(&kref->refcount, 1, __ATOMIC_RELAXED);
}

/**
 * dmb_kref_read - the current count
 *
 * Context: any thread, no lock (a snapshot).
 */
static inline unsigned int dmb_kref_read(const struct dmb_kref *kref)
{
	return __atomic_load_n(&kref->refcount, __ATOMIC_RELAXED);
}

/*
 * The count, read with acquire ordering: it pairs with the release of every
 * other holder's put, so a caller that finds itself the sole holder sees all
 * they did before letting go.
 *
 * Context: any thread holding a reference, no lock.
 */
static inline unsigned int dmb_kref_read_acquire(const struct dmb_kref *kref)
{
	return __atomic_load_n(&kref->refcount, __ATOMIC_ACQUIRE);
}

/**
 * dmb_kref_get - take one more reference
 *
 * Context: any thread holding a reference.
 */
static inline void dmb_kref_get(struct dmb_kref *kref)
{
	unsigned int old = __atomic_fetch_add(&kref->refcount, 1,
					      __ATOMIC_RELAXED);

	DMB_WARN(old == 0, "kref_get on an object that was already released");
}

/*
 * Get a reference unless the count already dropped to zero (the object is
 * being released). For lookups through a pointer that does not own one.
 * Context: any thread that knows the object is still allocated.
 */
static inline bool dmb_kref_get_unless_zero(struct dmb_kref *kref)
{
	unsigned int old = __atomic_load_n(&kref->refcount, __ATOMIC_RELAXED);

	do {
		if (old == 0)
			return false;
	} while (!__atomic_compare_exchange_n(&kref->refcount, &old, old + 1,
					      true, __ATOMIC_ACQUIRE,
					      __ATOMIC_RELAXED));
	return true;
}

/*
 * Drop a reference; the last one runs @release. Returns true if it did.
 * acq_rel ordering makes every write done under any reference visible to
 * the thread that runs @release (a separate acquire fence would do the same
 * with less cost on weak machines, but ThreadSanitizer cannot see fences).
 * Context: any thread holding a reference; @release runs in the thread that
 *	drops the last one.
 */
static inline bool dmb_kref_put(struct dmb_kref *kref,
				void (*release)(struct dmb_kref *kref))
{
	unsigned int old = __atomic_fetch_sub(&kref->refcount, 1,
					      __ATOMIC_ACQ_REL);

	if (DMB_WARN(old == 0, "kref_put underflow: object already released")) {
		__atomic_store_n(&kref->refcount, 0, __ATOMIC_RELAXED);
		return false;
	}
	if (old != 1)
		return false;
	release(kref);
	return true;
}

DMB_END_DECLS

#endif /* DMABUF_KREF_H */
