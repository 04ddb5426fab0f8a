/* SPDX-License-Identifier: MIT */
/*
 * scatterlist.h - the table of address ranges a mapping hands to a device.
 *
 * Each entry is one contiguous range: where it is in physical memory and at
 * which device address (an IOVA in the importer's IOMMU domain, or a bus
 * address) the importer may do DMA to it. Exporters allocate and fill the
 * table in their map op and free it in their unmap op.
 *
 * Locking: none; a table belongs to the mapping that carries it.
 */
#ifndef DMABUF_SCATTERLIST_H
#define DMABUF_SCATTERLIST_H

#include <stdint.h>
#include <dmabuf/compiler.h>
#include <dmabuf/diag.h>

DMB_BEGIN_DECLS

struct scatterlist {
	uint64_t phys_addr;	/* physical address of the range */
	uint64_t length;	/* bytes */
	uint64_t dma_address;	/* device address */
	uint64_t dma_length;	/* bytes at dma_address */
};

struct sg_table {
	struct scatterlist *sgl;
	unsigned int nents;		/* entries mapped for DMA */
	unsigned int orig_nents;	/* entries allocated */
};

/**
 * sg_alloc_table - allocate @nents zeroed entries
 *
 * Context: any thread.
 * Return: 0, -EINVAL for nents 0, -ENOMEM.
 */
int sg_alloc_table(struct sg_table *table, unsigned int nents);

/**
 * sg_free_table - free the entries (not @table itself)
 *
 * Context: any thread; nobody uses @table any more.
 */
void sg_free_table(struct sg_table *table);

/**
 * sg_dma_address - the device address of entry @sg
 *
 * Context: any thread, no lock.
 */
static inline uint64_t sg_dma_address(const struct scatterlist *sg)
{
	if (DMB_WARN(!sg, "sg_dma_address(NULL)"))
		return 0;
	return sg->dma_address;
}

/**
 * sg_dma_len - the length of entry @sg's device range
 *
 * Context: any thread, no lock.
 */
static inline uint64_t sg_dma_len(const struct scatterlist *sg)
{
	if (DMB_WARN(!sg, "sg_dma_len(NULL)"))
		return 0;
	return sg->dma_length;
}

#define for_each_sgtable_dma_sg(sgt, sg, i)				\
	for ((i) = 0, (sg) = (sgt)->sgl; (i) < (sgt)->nents; (i)++, (sg)++)

#define for_each_sgtable_sg(sgt, sg, i)					\
	for ((i) = 0, (sg) = (sgt)->sgl; (i) < (sgt)->orig_nents; (i)++, (sg)++)

DMB_END_DECLS

#endif /* DMABUF_SCATTERLIST_H */
