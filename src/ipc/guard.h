/* SPDX-License-Identifier: MIT */
/*
 * guard.h - mappings whose file another process may shrink (guard.c).
 *
 * A read-write importer can truncate a generation's memfd early; every
 * process that then touches a mapping past the new end gets SIGBUS. A
 * guarded mapping survives it: while any mapping is guarded, a SIGBUS
 * handler is installed (chained to the previous one) that maps anonymous
 * memory over a guarded mapping that faulted and flags it damaged, so the
 * access completes (reading zeros) and the CPU-access call that brackets it
 * returns -EIO. This is libwayland's answer to a client shrinking its
 * wl_shm pool, per mapping instead of per pool.
 *
 * Locking: add and del take a private mutex; the signal handler only reads
 * the slots' atomics (lock-free), so it is async-signal-safe. A guarded
 * mapping must not be touched while it is being unmapped (as any mapping).
 */
#ifndef DMABUF_IPC_GUARD_H
#define DMABUF_IPC_GUARD_H

#include <stdbool.h>
#include <stddef.h>

/*
 * dmb_guard_add - guard [@addr, @addr + @len), mapped with @prot.
 * Return: a slot (>= 0) for the other calls, or -ENOSPC when every slot is
 *	taken, or -errno if the handler cannot be installed.
 */
int dmb_guard_add(void *addr, size_t len, int prot);

/* dmb_guard_del - stop guarding @slot; call before unmapping it. */
void dmb_guard_del(int slot);

/* dmb_guard_damaged - whether @slot's mapping faulted and was replaced. */
bool dmb_guard_damaged(int slot);

#endif /* DMABUF_IPC_GUARD_H */
