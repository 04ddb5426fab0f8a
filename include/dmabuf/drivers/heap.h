/* SPDX-License-Identifier: MIT */
/*
 * drivers/heap.h - the system-heap exporter: plain system memory that never
 * moves and is never revoked. It has pin/unpin (so static importers are
 * pinned on map, R3) and never calls invalidate_mappings, so importers
 * without invalidate_mappings — the RDMA pinned MR — work with it as they
 * always have. dma_buf_vmap() hands out the CPU view (dmb_heap_vaddr()).
 *
 * Locking: thread-safe; call without the buffer's resv lock.
 */
#ifndef DMABUF_DRIVERS_HEAP_H
#define DMABUF_DRIVERS_HEAP_H

#include <stdint.h>
#include <dmabuf/compiler.h>
#include <dmabuf/dma-buf.h>
#include <dmabuf/hw/mem-region.h>

DMB_BEGIN_DECLS

/**
 * dmb_heap_export - a zeroed buffer of @size bytes in @system
 * @system: a region without owner (system RAM); device memory is a WARN
 * @name: the buffer's name for reports, or NULL
 *
 * Return: the buffer (one reference), or NULL with errno (EINVAL, ENOMEM).
 */
struct dma_buf *dmb_heap_export(struct dmb_mem_region *system, uint64_t size,
				const char *name);

/** dmb_heap_pins - current pin count of a heap buffer (for tests; a WARN and 0 for a foreign buffer) */
unsigned int dmb_heap_pins(struct dma_buf *buf);

/** dmb_heap_vaddr - the CPU address of a heap buffer's memory (a WARN and NULL for a foreign buffer) */
void *dmb_heap_vaddr(struct dma_buf *buf);

DMB_END_DECLS

#endif /* DMABUF_DRIVERS_HEAP_H */
