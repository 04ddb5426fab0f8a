/* SPDX-License-Identifier: MIT */
/*
 * diag-private.h - the backtraces of diag.c's reports, for the library's own
 * records of where something happened (the release quarantine keeps its
 * releasers'), taken now and named later. Not installed.
 *
 * Locking: none; it unwinds the calling thread only.
 */
#ifndef DMABUF_BASE_DIAG_PRIVATE_H
#define DMABUF_BASE_DIAG_PRIVATE_H

#include <stddef.h>

/*
 * __dmb_diag_capture - the calling thread's return addresses, at most @max
 * into @ips, skipping @skip frames above the caller: cheap, nothing named.
 * Return: how many (0 in a build without an unwinder).
 */
int __dmb_diag_capture(void **ips, int max, int skip)
	__attribute__((visibility("hidden")));

/*
 * __dmb_diag_symbolize - @nr addresses of __dmb_diag_capture() as a report's
 * backtrace shows them (one frame a line, symbolised as the build allows),
 * cut at a frame boundary to fit @size. Slow: it reads symbol tables.
 */
void __dmb_diag_symbolize(void *const *ips, int nr, char *buf, size_t size)
	__attribute__((visibility("hidden")));

#endif /* DMABUF_BASE_DIAG_PRIVATE_H */
