/* SPDX-License-Identifier: MIT */
/*
 * hw/dma-mapping.h - the DMA API: give a device addresses at which it can
 * reach a list of physical ranges, and take them back.
 *
 * An exporter's map_dma_buf op fills an sg_table with the physical ranges of
 * the buffer (sg->phys_addr, sg->length) and calls dma_map_sgtable() with
 * the IMPORTER's device, as a kernel exporter does. Under a DMA domain the
 * whole table gets one contiguous IOVA range, mapped page by page with the
 * permissions the direction allows (DMA_TO_DEVICE: the device reads;
 * DMA_FROM_DEVICE: it writes; DMA_BIDIRECTIONAL: both); each entry's
 * dma_address is its place in that range, so sg_dma_address(sgt->sgl) is the
 * start of the whole buffer in device address space. Under an identity
 * domain the device address is the physical address. Either way
 * sgt->nents = sgt->orig_nents.
 *
 * Peer to peer: a range in another device's local memory is mapped only if
 * the mapping device has the p2p capability; otherwise the call fails with
 * -EREMOTEIO, the kernel's answer for "these two devices cannot do DMA to
 * each other". The memory's owner is assumed able to serve p2p.
 *
 * dma_unmap_sgtable() removes the translations and frees the IOVA range;
 * when it returns no access translates through them any more, and a device
 * that still uses them faults. The dma_address fields are left as they were,
 * so a stale user of the table faults rather than reading zeroes.
 *
 * Locking: thread-safe; a table must not be mapped and unmapped concurrently
 * with itself.
 */
#ifndef DMABUF_HW_DMA_MAPPING_H
#define DMABUF_HW_DMA_MAPPING_H

#include <dmabuf/compiler.h>
#include <dmabuf/device.h>
#include <dmabuf/dma-direction.h>
#include <dmabuf/scatterlist.h>

DMB_BEGIN_DECLS

/**
 * dma_map_sgtable - map every entry of @sgt for DMA by @dev
 * @dev: a struct device embedded in a dmb_hw_device (hw/hw-device.h)
 * @sgt: entries with page-aligned phys_addr and a non-zero length, each
 *	inside one memory region
 * @dir: the direction of the DMA; not DMA_NONE
 * @attrs: the kernel's DMA_ATTR_* bits; accepted and ignored (there are no
 *	CPU caches to maintain)
 *
 * On failure nothing stays mapped.
 * Context: any thread; may wait for in-flight DMA on the domain.
 * Return: 0; -EINVAL for a device that is not simulated, an empty or
 * malformed table, a range that is not memory, or DMA_NONE; -EREMOTEIO for
 * another device's memory without p2p; -ENOSPC or -ENOMEM.
 */
int dma_map_sgtable(struct device *dev, struct sg_table *sgt,
		    enum dma_data_direction dir, unsigned long attrs);

/**
 * dma_unmap_sgtable - undo dma_map_sgtable() of @sgt for @dev
 * @dir, @attrs: as given to dma_map_sgtable()
 *
 * A table that is not mapped for @dev (or was already unmapped) is
 * reported as a WARN and left alone.
 * Context: any thread; may wait for in-flight DMA on the domain.
 */
void dma_unmap_sgtable(struct device *dev, struct sg_table *sgt,
		       enum dma_data_direction dir, unsigned long attrs);

/**
 * dmb_dma_map_range - what every exporter of one contiguous range does in
 * its map op: make @sgt a one-entry table for [@phys, @phys + @len) and map
 * it for @dev with dma_map_sgtable()
 * @sgt: an empty table, owned by the caller (embedded or allocated)
 *
 * On failure the entries are freed again and @sgt is left empty.
 * Context, Return: as sg_alloc_table() and dma_map_sgtable().
 */
int dmb_dma_map_range(struct device *dev, struct sg_table *sgt, uint64_t phys,
		      uint64_t len, enum dma_data_direction dir);

/**
 * dmb_dma_unmap_range - undo dmb_dma_map_range(): dma_unmap_sgtable(), then
 * free the entries (not @sgt itself)
 */
void dmb_dma_unmap_range(struct device *dev, struct sg_table *sgt,
			 enum dma_data_direction dir);

DMB_END_DECLS

#endif /* DMABUF_HW_DMA_MAPPING_H */
