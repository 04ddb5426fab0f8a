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
 *    dma_buf_attachment_unmap_latency() has a figure;
 *  - the release quarantine (check.h): released buffers, attachments,
 *    revoke helpers and library-freed fences kept poisoned for a while, so
 *    a use of one is reported with its releaser and refused.
 * What stays on in production mode is what costs a load and a compare: a
 * call that needs a resv lock refuses to run without it (the lock's owner
 * word is exact without tracking), unknown tables are refused at unmap (V8),
 * detach and put misuse (V9), map while revoked (V3), and every NULL check.
 *
 * Debug mode is the default. Production mode is chosen with the environment
 * variable DMABUF_DEBUG=0 (or "off", "no", "false"), read when the library
 * is loaded, or by calling dmb_debug_set(false), best before the library is
 * used. Going from debug to production mode is safe at any time (what debug
 * mode recorded is simply no longer looked at; mappings made before keep
 * their tokens until unmapped); the way back is refused, because locks
 * taken in production mode were never recorded and their release would be
 * reported as a misuse.
 *
 * Locking: none; the mode is one atomic.
 */
#ifndef DMABUF_DEBUG_H
#define DMABUF_DEBUG_H

#include <stdbool.h>
#include <dmabuf/compiler.h>

DMB_BEGIN_DECLS

/**
 * dmb_debug_enabled - true in debug mode
 *
 * Context: any thread, no lock.
 */
bool dmb_debug_enabled(void);

/**
 * dmb_debug_set - choose debug (true) or production (false) mode
 *
 * Context: any; best before any other library call.
 * Return: 0 if the mode is now @on; -EBUSY for debug mode asked for in
 * production mode (refused: locks taken meanwhile were not recorded).
 */
int dmb_debug_set(bool on);

DMB_END_DECLS

#endif /* DMABUF_DEBUG_H */
