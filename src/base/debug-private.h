/* SPDX-License-Identifier: MIT */
/*
 * debug-private.h - the mode test of debug.h, inline, for the library's own
 * fast paths (every lock operation and every map and unmap asks it). Not
 * installed: programs call dmb_debug_enabled().
 *
 * Locking: one relaxed load; see debug.c.
 */
#ifndef DMABUF_BASE_DEBUG_PRIVATE_H
#define DMABUF_BASE_DEBUG_PRIVATE_H

#include <stdatomic.h>
#include <stdbool.h>

/* 1 in debug mode, 0 in production mode (debug.c). */
extern atomic_int __dmb_debug_mode __attribute__((visibility("hidden")));

static inline bool __dmb_debug_on(void)
{
	return atomic_load_explicit(&__dmb_debug_mode, memory_order_relaxed);
}

#endif /* DMABUF_BASE_DEBUG_PRIVATE_H */
