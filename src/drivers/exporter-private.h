/* SPDX-License-Identifier: MIT */
/*
 * exporter-private.h - what the reference exporters (vfio-pci, vram, heap)
 * share: the table they give an attachment that is not a simulated device.
 *
 * Such an attachment is a *CPU client*: another process that maps the
 * buffer through its descriptor (dma_buf_fd(), dma_buf_ops.mmap), as a
 * program mmap()s a kernel dma-buf's file. It reaches the pages with the
 * CPU, not through a DMA API, so the exporter maps nothing for it: its
 * table names the physical range (dma_address is the physical address),
 * and only stands for the attachment's mapping, which the revoke helper
 * and the checker count like any other.
 *
 * Only the exporter files include this; like out-of-tree drivers, they use
 * nothing but the library's public headers besides it.
 *
 * Locking: none of its own; called from map ops (resv held).
 */
#ifndef DMABUF_DRIVERS_EXPORTER_PRIVATE_H
#define DMABUF_DRIVERS_EXPORTER_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include <dmabuf/dma-buf.h>
#include <dmabuf/hw/dma-mapping.h>
#include <dmabuf/hw/hw-device.h>

/* Does @attach reach the pages with the CPU of another process? */
static inline bool exp_cpu_client(struct dma_buf_attachment *attach)
{
	return !dmb_hw_device_is(dma_buf_attachment_dev(attach));
}

/*
 * Map [@phys, +@len) for @attach: through the DMA API for a simulated
 * device, a table naming the range for a CPU client. Undo with
 * exp_unmap_range(). Return: 0 or -errno.
 */
static inline int exp_map_range(struct dma_buf_attachment *attach,
				struct sg_table *sgt, uint64_t phys,
				uint64_t len, enum dma_data_direction dir)
{
	int ret;

	if (!exp_cpu_client(attach))
		return dmb_dma_map_range(dma_buf_attachment_dev(attach), sgt,
					 phys, len, dir);
	ret = sg_alloc_table(sgt, 1);
	if (ret)
		return ret;
	sgt->sgl[0].phys_addr = phys;
	sgt->sgl[0].length = len;
	sgt->sgl[0].dma_address = phys;
	sgt->sgl[0].dma_length = len;
	return 0;
}

/* Take back a table from exp_map_range(). */
static inline void exp_unmap_range(struct dma_buf_attachment *attach,
				   struct sg_table *sgt,
				   enum dma_data_direction dir)
{
	if (exp_cpu_client(attach))
		sg_free_table(sgt);
	else
		dmb_dma_unmap_range(dma_buf_attachment_dev(attach), sgt, dir);
}

#endif /* DMABUF_DRIVERS_EXPORTER_PRIVATE_H */
