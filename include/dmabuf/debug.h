/* SPDX-License-Identifier: MIT */
/*
 * debug.h - debug mode or production mode: the one switch for the checks
 * that cost time on every operation.
 *
 * As a kernel builds lockdep and debug objects only when configured to,
 * libdmabuf runs its costly checks only in debug mode:
 *  - per-thread lock tracking (lockdep.h): lock order (V10), recursive
 *    acquisition, the fence-lock assertion of the *_locked fence calls, and
 *    the assertions at the entry of internal helpers;
 *  - the checker's mapping tokens (check.h): each mapping's shadow state, so
 *    DMA through an invalidated or unmapped mapping (V4, V5) is caught, and
 *    the unmap latency a revoke reports;
 *  - the release quarantine, where the library has one.
 * What stays on in production mode is what costs a load and a compare: a
 * call that needs a resv lock refuses to run without it (the lock's owner
 * word is exact without tracking), unknown tables are refused at unmap (V8),
 * detach and put misuse (V9), map while revoked (V3), and every NULL check.
 *
 * Debug mode is the default. Production mode is chosen once per process,
 * before the library is used: with the environment variable DMABUF_DEBUG=0
 * (or "off", "no", "false"), or by calling dmb_debug_set(false) first. The
 * first check that asks decides the mode for the rest of the process (a
 * lock tracked in one mode and released in the other would corrupt the
 * tracking), so a later attempt to change it is refused.
 *
 * Locking: none; the mode is one atomic, decided once.
 */
#ifndef DMABUF_DEBUG_H
#define DMABUF_DEBUG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <dmabuf/compiler.h>

/* Internal: -1 until decided, then 0 (production) or 1 (debug). */
extern atomic_int __dmb_debug_mode;
int __dmb_debug_decide(void);

/**
 * dmb_debug_enabled - true in debug mode
 *
 * Decides the mode (from DMABUF_DEBUG) if nothing has yet.
 * Context: any.
 */
static inline bool dmb_debug_enabled(void)
{
	int mode = atomic_load_explicit(&__dmb_debug_mode, memory_order_relaxed);

	if (dmb_unlikely(mode < 0))
		mode = __dmb_debug_decide();
	return mode;
}

/**
 * dmb_debug_set - choose debug (true) or production (false) mode
 *
 * Call before any other library call; DMABUF_DEBUG is then ignored.
 * Context: any, before the mode is decided.
 * Return: 0 if the mode is now @on; -EBUSY if it was already decided the
 * other way (by an earlier call, or by the first check that ran).
 */
int dmb_debug_set(bool on);

#endif /* DMABUF_DEBUG_H */
