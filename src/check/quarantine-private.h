/* SPDX-License-Identifier: MIT */
/*
 * quarantine-private.h - the release quarantine's hooks for the objects it
 * keeps (buffers, attachments, revoke helpers, fences the library frees):
 * a state word in each, one release call per release path, one check per
 * entry point. Not installed; the switch and the figures are in check.h.
 *
 * An object's state word is DMB_OBJ_LIVE (0, what calloc() and
 * dma_fence_init() leave) until its release path hands it to the
 * quarantine, which makes it DMB_OBJ_RELEASED and poisons the rest. An
 * entry point tests the word (a load, a compare, a branch in every mode):
 * a released object is reported with its kind, name and releaser, and the
 * call is refused. In production mode or with the quarantine switched off
 * nothing is kept: the object is freed at once and a later use is the
 * caller's use after free, as before.
 *
 * Locking: the state word is read with a relaxed load and written once,
 * by the release path, with an atomic exchange (a second release of the
 * same object is reported, not kept twice). The quarantine itself is
 * behind an internal leaf lock (see quarantine.c).
 */
#ifndef DMABUF_CHECK_QUARANTINE_PRIVATE_H
#define DMABUF_CHECK_QUARANTINE_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include <stdatomic.h>

#include <dmabuf/compiler.h>
#include <dmabuf/diag.h>

#include "../base/debug-private.h"

#define DMB_OBJ_LIVE		0u
#define DMB_OBJ_RELEASED	0x52454c44u	/* "RELD" */

/* The byte a quarantined object is filled with (the kernel's POISON_FREE). */
#define DMB_POISON_BYTE		0x6b

enum dmb_obj_kind {
	DMB_OBJ_BUFFER,
	DMB_OBJ_ATTACHMENT,
	DMB_OBJ_REVOCABLE,
	DMB_OBJ_FENCE,
};

/* dmb_check_set_quarantine()'s switch (quarantine.c). */
extern atomic_bool __dmb_quarantine_switch __attribute__((visibility("hidden")));

/* Does a release now go to the quarantine? Debug mode and the switch on. */
static inline bool __dmb_quarantine_on(void)
{
	return __dmb_debug_on() &&
	       atomic_load_explicit(&__dmb_quarantine_switch,
				    memory_order_relaxed);
}

/*
 * __dmb_quarantine_release - @obj of @kind, @size bytes at the start of a
 * malloc()ed block, was released: keep it, poisoned but for @keep bytes
 * from its @state word (the word, and what the object's fast paths must
 * still read, set by the caller), with its name (printf @fmt) and its
 * releaser's backtrace. The oldest kept object is freed once the bound is
 * passed.
 * Context: any thread, any lock held; @obj unreachable but by misuse.
 * Return: true if the quarantine took @obj, or it was released before
 * (reported): the caller must not free it; false if the caller frees it
 * now (out of memory).
 */
bool __dmb_quarantine_release(enum dmb_obj_kind kind, void *obj, size_t size,
			      unsigned int *state, size_t keep,
			      const char *fmt, ...)
	__attribute__((visibility("hidden"))) DMB_PRINTF(6, 7);

/*
 * dmb_quarantine_release - the release path's one call: true if the
 * quarantine took @obj (do not free it), false to free it now as before
 * (production mode or the quarantine off: the name is not even formatted).
 */
#define dmb_quarantine_release(kind, obj, size, state, keep, ...)	\
	(__dmb_quarantine_on() &&					\
	 __dmb_quarantine_release(kind, obj, size, state, keep, __VA_ARGS__))

/*
 * __dmb_quarantine_report_use - report @call on released @obj: its kind,
 * name and releaser if the quarantine still holds it. As a checker
 * violation of @violation (an enum dmb_violation), or as a WARN for 0.
 * Context: any thread, any lock held.
 */
void __dmb_quarantine_report_use(const void *obj, const char *call,
				 int violation)
	__attribute__((visibility("hidden"), noinline, cold));

/*
 * __dmb_quarantine_holds - is @obj (compared as an address, never read) in
 * the quarantine? For callers that cannot read an object that may have
 * been freed (a put checked against the live buffers).
 * Context: any thread, any lock held.
 */
bool __dmb_quarantine_holds(const void *obj)
	__attribute__((visibility("hidden")));

/* Is the object whose state word is @state released? No report. */
static inline bool dmb_obj_released(const unsigned int *state)
{
	return dmb_unlikely(__atomic_load_n(state, __ATOMIC_RELAXED) ==
			    DMB_OBJ_RELEASED);
}

/*
 * dmb_obj_refuse_released - the entry check: true (after reporting) if
 * @obj, whose state word is @state, was released, so @call must be refused.
 */
#define dmb_obj_refuse_released(state, obj, call)			\
	(dmb_obj_released(state) &&					\
	 (__dmb_quarantine_report_use(obj, call, 0), true))

#endif /* DMABUF_CHECK_QUARANTINE_PRIVATE_H */
