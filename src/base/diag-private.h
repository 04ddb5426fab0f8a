/* SPDX-License-Identifier: MIT */
/*
 * diag-private.h - the backtrace of diag.c's reports, for the library's own
 * records of where something happened (the release quarantine keeps the
 * releaser's). Not installed.
 *
 * Locking: none; it unwinds the calling thread only.
 */
#ifndef DMABUF_BASE_DIAG_PRIVATE_H
#define DMABUF_BASE_DIAG_PRIVATE_H

#include <stddef.h>

/*
 * __dmb_diag_backtrace - the calling thread's backtrace as a report shows
 * it (one frame a line, symbolised as the build allows; empty without an
 * unwinder), skipping @skip frames above the caller, cut at a frame
 * boundary to fit @size.
 */
void __dmb_diag_backtrace(char *buf, size_t size, int skip)
	__attribute__((visibility("hidden")));

#endif /* DMABUF_BASE_DIAG_PRIVATE_H */
