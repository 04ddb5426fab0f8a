/* SPDX-License-Identifier: MIT */
/*
 * kref.h - reference counts with a release callback, the kernel's kref.
 *
 * The count is atomic: get and put may run concurrently from any thread
 * without a lock. The thread that drops the last reference runs @release,
 * exactly once. Getting a reference on an object whose count already reached
 * zero is a use-after-free in the caller; it is reported, not ignored.
 */
#ifndef DMABUF_KREF_H
#define DMABUF_KREF_H

#include <stdatomic.h>
#include <stdbool.h>
#include <dmabuf/diag.h>

struct dmb_kref {
	atomic_uint refcount;
};

#define DMB_KREF_INIT(n) { .refcount = (n) }

static inline void dmb_kref_init(struct dmb_kref *kref)
{
	atomic_init(&kref->refcount, 1);
}

static inline unsigned int dmb_kref_read(const struct dmb_kref *kref)
{
	return atomic_load_explicit(&((struct dmb_kref *)kref)->refcount,
				    memory_order_relaxed);
}

static inline void dmb_kref_get(struct dmb_kref *kref)
{
	unsigned int old = atomic_fetch_add_explicit(&kref->refcount, 1,
						     memory_order_relaxed);

	DMB_WARN(old == 0, "kref_get on an object that was already released");
}

/*
 * Get a reference unless the count already dropped to zero (the object is
 * being released). For lookups through a pointer that does not own one.
 */
static inline bool dmb_kref_get_unless_zero(struct dmb_kref *kref)
{
	unsigned int old = atomic_load_explicit(&kref->refcount,
						memory_order_relaxed);

	do {
		if (old == 0)
			return false;
	} while (!atomic_compare_exchange_weak_explicit(&kref->refcount, &old,
							old + 1,
							memory_order_acquire,
							memory_order_relaxed));
	return true;
}

/*
 * Drop a reference; the last one runs @release. Returns true if it did.
 * acq_rel ordering makes every write done under any reference visible to
 * the thread that runs @release (a separate acquire fence would do the same
 * with less cost on weak machines, but ThreadSanitizer cannot see fences).
 */
static inline bool dmb_kref_put(struct dmb_kref *kref,
				void (*release)(struct dmb_kref *kref))
{
	unsigned int old = atomic_fetch_sub_explicit(&kref->refcount, 1,
						     memory_order_acq_rel);

	if (DMB_WARN(old == 0, "kref_put underflow: object already released")) {
		atomic_store_explicit(&kref->refcount, 0, memory_order_relaxed);
		return false;
	}
	if (old != 1)
		return false;
	release(kref);
	return true;
}

#endif /* DMABUF_KREF_H */
