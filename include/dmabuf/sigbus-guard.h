/* SPDX-License-Identifier: MIT */
/*
 * sigbus-guard.h - mappings whose file another process may shrink.
 *
 * A program that maps a file another process can write (a memfd it shares,
 * as Wayland's wl_shm pools or a dma-buf's pages shared across processes)
 * gets SIGBUS on its next access past the file's end once the other
 * process truncates it. A guarded mapping survives that: while any mapping
 * is guarded, a SIGBUS handler is installed (chained to the previous one)
 * that maps anonymous memory over a guarded mapping that faulted and flags
 * it damaged, so the access completes (reading zeros) and the caller, at
 * its next check, returns an error instead of crashing. This is
 * libwayland's answer to a client shrinking its wl_shm pool, per mapping.
 * A SIGBUS outside every guarded mapping, or sent rather than raised by a
 * fault (kill(), sigqueue(): si_code <= 0), goes to the previous action:
 * its handler is called, SIG_IGN ignores a sent one, and otherwise the
 * process ends as it would have without the guard. When the last mapping
 * stops being guarded, the previous action goes back, unless another
 * handler was installed in front of the guard's since: that one stays.
 *
 * libdmabuf guards the memfd exporter's and an importer's vmap mappings
 * (docs/ipc.md, "Access rights"); libdmabuf-sim guards the shared ranges of
 * simulated memory (docs/hardware.md). A process guards at most 1024
 * mappings at once.
 *
 * Locking: add and del take a private mutex; the handler and the damage
 * queries only read atomics (lock-free, async-signal-safe). A guarded
 * mapping must not be touched while it is unmapped or remapped (as any
 * mapping): stop guarding it first.
 */
#ifndef DMABUF_SIGBUS_GUARD_H
#define DMABUF_SIGBUS_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <dmabuf/compiler.h>

DMB_BEGIN_DECLS

/**
 * dmb_sigbus_guard_add - guard [@addr, @addr + @len), mapped with @prot
 *
 * A fault in the range is answered by mapping anonymous memory with @prot
 * over all of it (MAP_FIXED) and flagging the slot damaged.
 *
 * What that mmap() needs is checked here, so that a guarded mapping's fault
 * is always answered: @addr must be page-aligned (as every mapping is; a
 * @len that is not a whole number of pages covers the rest of its last
 * page, which belongs to the same mapping), the range must not run past
 * the end of the address space, and @prot may only combine PROT_READ,
 * PROT_WRITE and PROT_EXEC (or be PROT_NONE). A byte is guarded by one
 * mapping at most: a range overlapping one already guarded is refused
 * (-EEXIST), the same range included; del the old one first.
 *
 * Context: any thread, no lock held by the guard; not from a signal handler.
 * Takes the guard's lock.
 * Return: a handle (> 0) for the other calls, valid until its del: a slot
 * number and a generation, so that a handle kept after its del is refused
 * even once its slot guards another mapping (a slot's generation wraps
 * after 2^21 adds of it); -EINVAL (reported) for a NULL @addr, a zero
 * @len, an @addr off a page boundary, a range that wraps past the end of
 * the address space, or unknown @prot bits; -EEXIST (reported) for a range
 * overlapping a guarded one; -ENOSPC when every slot is taken; -errno if
 * the handler cannot be installed.
 */
int dmb_sigbus_guard_add(void *addr, size_t len, int prot);

/**
 * dmb_sigbus_guard_del - stop guarding the mapping of @handle; call before
 * unmapping it
 *
 * Context: any thread; not from a signal handler. A handle that is not
 * guarding (never returned by add, or already deleted) is reported and
 * ignored.
 */
void dmb_sigbus_guard_del(int handle);

/**
 * dmb_sigbus_guard_damaged - whether the mapping of @handle faulted and was
 * replaced
 *
 * Context: any thread, no lock (atomic loads).
 * Return: true once a fault hit the mapping; false otherwise, and for a
 * handle that is not guarding (reported).
 */
bool dmb_sigbus_guard_damaged(int handle);

/**
 * dmb_sigbus_guard_range_damaged - whether a byte of [@addr, @addr + @len)
 * lies in a guarded mapping that faulted and was replaced
 *
 * For code that is handed addresses rather than slots (a DMA engine moving
 * bytes through a view of shared memory). One atomic load while nothing
 * was damaged.
 *
 * A range running past the end of the address space (@addr + @len wraps)
 * is taken as reaching its end: the answer errs towards damaged, never
 * misses a damaged mapping (no report, as this runs in signal handlers).
 *
 * Context: any thread, no lock; async-signal-safe.
 * Return: true if the range overlaps a damaged guarded mapping; false
 * otherwise, and for a NULL @addr or zero @len.
 */
bool dmb_sigbus_guard_range_damaged(const void *addr, size_t len);

DMB_END_DECLS

#endif /* DMABUF_SIGBUS_GUARD_H */
