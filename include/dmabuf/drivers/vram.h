/* SPDX-License-Identifier: MIT */
/*
 * drivers/vram.h - the GPU-style exporter: buffers that live in the GPU's
 * local memory (VRAM) or in system memory, and move between them (R15).
 *
 * A move (eviction to system memory, migration back to VRAM) takes the
 * buffer's resv lock, calls dma_buf_invalidate_mappings(), waits for every
 * fence, moves the bytes (a CPU copy), and switches the backing; mappings
 * made afterwards point to the new place. The old backing is freed when the
 * last mapping into it is unmapped, not at the move: until an importer
 * unmaps, its old device addresses reach the old copy (R6: read-and-discard
 * after invalidate; an importer without invalidate_mappings is not told at
 * all), never memory given to somebody else. Importers that write through
 * an old mapping past the move are what the checker catches.
 *
 * An attachment can reach VRAM if its device is the GPU itself, or if the
 * importer allows peer-to-peer and its device can do it. Importers must use
 * simulated devices (hw/hw-device.h); attach refuses others with -EINVAL.
 *
 * Pinning: a buffer may be pinned in VRAM only if every attachment can
 * reach VRAM; otherwise the pin migrates it to system memory first. A pin
 * that would need a buffer already pinned in VRAM to move fails with
 * -EBUSY. A pinned buffer does not move: evict and migrate return -EBUSY.
 * Static importers are pinned on map by the core (R3).
 *
 * Mapping: an attachment that cannot reach VRAM is served from system
 * memory — its map moves the buffer there first (invalidating the others),
 * or fails with -EREMOTEIO if the buffer is pinned in VRAM. Maps never move
 * a buffer into VRAM; dmb_vram_migrate() does.
 *
 * The VRAM region must stay reachable by the CPU (not a BAR that a PCI
 * function may isolate): moves and CPU access copy through its CPU view.
 *
 * Sharing with other processes (dma_buf_fd(), docs/ipc.md): the current
 * backing's range becomes a generation of its own, which a move takes
 * back. A process given a writable descriptor can shrink it; then CPU
 * access, map and mmap fail with -EIO (one notice names the writers)
 * until a move takes the range back; its bytes are lost (zeros).
 *
 * Locking: every function is thread-safe and must be called without the
 * buffer's resv lock.
 *
 * After dmb_vram_destroy(), a call with the handle is a WARN and the
 * call's refusal (-EINVAL, NULL, 0), without reading the freed object
 * (hw/live.h); a new manager at the same address passes for the old.
 */
#ifndef DMABUF_DRIVERS_VRAM_H
#define DMABUF_DRIVERS_VRAM_H

#include <stdint.h>
#include <dmabuf/compiler.h>
#include <dmabuf/dma-buf.h>
#include <dmabuf/drivers/exporter-events.h>
#include <dmabuf/hw/hw-device.h>
#include <dmabuf/hw/mem-region.h>

DMB_BEGIN_DECLS

enum dmb_vram_placement {
	DMB_VRAM_IN_VRAM,
	DMB_VRAM_IN_SYSTEM,
};

struct dmb_vram;

/**
 * dmb_vram_create - a memory manager for @gpu's @vram, spilling to @system
 * @vram: a region owned by @gpu
 * @system: a region without owner (system RAM)
 * @observer: told of every move, or NULL (copied)
 *
 * The regions and @gpu must outlive the manager.
 * Return: the manager, or NULL with errno (EINVAL — a WARN — for NULL
 * arguments or regions of the wrong kind, ENOMEM).
 */
struct dmb_vram *dmb_vram_create(struct dmb_hw_device *gpu,
				 struct dmb_mem_region *vram,
				 struct dmb_mem_region *system,
				 const struct dmb_exporter_observer *observer);

/**
 * dmb_vram_destroy - free the manager; every buffer must be released
 * @vm: the manager
 *
 * Context: any thread, not concurrently with other calls on @vm.
 * Return: 0, -EBUSY (a WARN) while buffers remain, or -EINVAL (a WARN) for
 * NULL or a manager destroyed already.
 */
int dmb_vram_destroy(struct dmb_vram *vm);

/**
 * dmb_vram_export - a new buffer of @size bytes in VRAM (or system memory if
 * VRAM is full), zeroed
 * @name: the buffer's name for reports, or NULL
 *
 * Return: the buffer (one reference), or NULL with errno (EINVAL for a zero
 * size, ENOMEM if neither region has room).
 */
struct dma_buf *dmb_vram_export(struct dmb_vram *vm, uint64_t size,
				const char *name);

/**
 * dmb_vram_evict - move @buf to system memory
 *
 * Context: may sleep (waits for the buffer's fences).
 * Return: 0 (also when it is there already: nothing happens), -EBUSY if
 * pinned, -ENOMEM, -EINVAL (a WARN) for a buffer that is not a vram buffer.
 */
int dmb_vram_evict(struct dma_buf *buf);

/**
 * dmb_vram_migrate - move @buf back to VRAM
 *
 * Context: may sleep (waits for the buffer's fences).
 * Return: 0 (also when it is there already), -EBUSY if pinned, -ENOSPC if
 * VRAM has no room (nothing was disturbed), -EINVAL as dmb_vram_evict().
 */
int dmb_vram_migrate(struct dma_buf *buf);

/** dmb_vram_placement - where @buf lives now (a WARN and IN_SYSTEM for a foreign buffer) */
enum dmb_vram_placement dmb_vram_placement(struct dma_buf *buf);

/** dmb_vram_moves - how many times @buf moved (a WARN and 0 for a foreign buffer) */
unsigned int dmb_vram_moves(struct dma_buf *buf);

/**
 * dmb_vram_cpu_access - read or write @len bytes at @offset with the CPU,
 * wherever the buffer lives (waits for fences like begin_cpu_access)
 *
 * Context: may sleep; takes the resv lock, so the buffer cannot move during
 * the copy.
 * Return: 0, -EIO if a process given a writable descriptor shrank the
 * shared memory (@data got zeros or was left as it was; a notice naming
 * the writers the first time, docs/ipc.md; the next move takes the range
 * back and makes the buffer whole memory again), or -EINVAL for a range
 * outside the buffer, a zero length, a NULL @data or a foreign buffer
 * (the last two a WARN).
 */
int dmb_vram_cpu_access(struct dma_buf *buf, uint64_t offset, void *data,
			uint64_t len, bool write);

DMB_END_DECLS

#endif /* DMABUF_DRIVERS_VRAM_H */
