/* SPDX-License-Identifier: MIT */
/*
 * hw/dma-access.h - a simulated device touching memory: the one path every
 * DMA takes, whether a DMA engine runs it (hw/dma-engine.h) or a driver
 * model does it synchronously (a NIC writing a received packet, say).
 *
 * An access names its device address and, optionally, the mapping it goes
 * through: the checker token from dma_buf_mapping_token() and a cookie of
 * the submitter's choosing. It then
 *  1. asks the protocol checker about the mapping (dmb_check_dma(): a write
 *     that starts after invalidation is V4, any access after unmap is V5) —
 *     the checker observes and reports, it does not block the access;
 *  2. translates through the device's IOMMU domain chunk by chunk, each
 *     chunk under the domain's read lock, and moves the bytes through the
 *     regions' device view. A translation fault — no mapping, no
 *     permission, an isolated region — is recorded in the domain's fault
 *     log with the token and cookie, and ends the access with -EFAULT;
 *     bytes of earlier chunks have moved (as on real hardware). A chunk
 *     that touched a shared range whose memory another process shrank
 *     (dmb_mem_share_check()) moved zeros and ends the access with -EIO.
 *
 * Locking: thread-safe; takes the domain's and the space's rwlocks for
 * reading around each chunk (never across a call out).
 */
#ifndef DMABUF_HW_DMA_ACCESS_H
#define DMABUF_HW_DMA_ACCESS_H

#include <stdint.h>
#include <dmabuf/compiler.h>
#include <dmabuf/check.h>

DMB_BEGIN_DECLS

struct dmb_hw_device;

/**
 * struct dmb_dma_target - one side of a DMA
 * @addr: the device address (an IOVA in the device's domain, or a physical
 *	address under an identity domain)
 * @map: the checker token of the mapping @addr belongs to, or NULL; the
 *	caller keeps its reference for the duration of the access (a DMA job
 *	takes its own)
 * @cookie: recorded with any fault of this side (a mapping generation, an
 *	importer's request id...), 0 if unused
 */
struct dmb_dma_target {
	uint64_t addr;
	struct dmb_check_map *map;
	uint64_t cookie;
};

/**
 * dmb_dma_read - @dev reads [@src->addr, +@len) into host buffer @buf
 *
 * Checks the token as a new read (DMB_DMA_START_READ).
 * Context: any thread; may wait for a concurrent map/unmap on the domain.
 * Return: 0, -EFAULT on a translation fault (recorded), -EIO if the memory
 * of a shared range was shrunk by another process, -EINVAL (a WARN)
 * for NULL arguments, a zero length or a range that wraps past 2^64.
 */
int dmb_dma_read(struct dmb_hw_device *dev, const struct dmb_dma_target *src,
		 void *buf, uint64_t len);

/**
 * dmb_dma_write - @dev writes host buffer @buf to [@dst->addr, +@len)
 *
 * Checks the token as a new write (DMB_DMA_START_WRITE).
 * Context, Return: as dmb_dma_read().
 */
int dmb_dma_write(struct dmb_hw_device *dev, const struct dmb_dma_target *dst,
		  const void *buf, uint64_t len);

DMB_END_DECLS

#endif /* DMABUF_HW_DMA_ACCESS_H */
