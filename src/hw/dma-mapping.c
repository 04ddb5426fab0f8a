// SPDX-License-Identifier: MIT
/*
 * dma-mapping.c - dma_map_sgtable() and dma_unmap_sgtable() for simulated
 * devices (see hw/dma-mapping.h for the contract).
 *
 * Mapping checks every entry first (alignment, memory, peer-to-peer), so a
 * refusal maps nothing; then, under a DMA domain, it allocates one IOVA
 * range for the whole table and maps the entries one after the other in
 * it, unwinding what it mapped if one fails. Unmapping checks that the
 * table's range is one live IOVA allocation of the device's domain before
 * it touches anything (a double unmap must not tear down whoever got that
 * range next), removes the translations, then frees the range.
 *
 * Locking: none of its own; the domain's locks (iommu.c) serialise against
 * DMA in flight.
 */
#include <errno.h>

#include <dmabuf/diag.h>
#include <dmabuf/hw/dma-mapping.h>

#include "hw-internal.h"

static unsigned int dir_prot(enum dma_data_direction dir)
{
	switch (dir) {
	case DMA_TO_DEVICE:
		return DMB_IOMMU_READ;
	case DMA_FROM_DEVICE:
		return DMB_IOMMU_WRITE;
	case DMA_BIDIRECTIONAL:
		return DMB_IOMMU_READ | DMB_IOMMU_WRITE;
	default:
		return 0;
	}
}

/* Check each entry; the IOVA space the table needs goes to @total. */
static int check_entries(struct dmb_hw_device *dev, struct sg_table *sgt,
			 uint64_t *total)
{
	struct scatterlist *sg;
	unsigned int i;

	*total = 0;
	for_each_sgtable_sg(sgt, sg, i) {
		struct dmb_mem_region *r;

		if (DMB_WARN(!DMB_PAGE_ALIGNED(sg->phys_addr) || !sg->length ||
			     !dmb_phys_to_virt(dev->space, sg->phys_addr, sg->length),
			     "sg entry %u [%#llx, +%#llx) for %s is not page-aligned memory",
			     i, (unsigned long long)sg->phys_addr,
			     (unsigned long long)sg->length, dev->name))
			return -EINVAL;
		r = dmb_phys_to_region(dev->space, sg->phys_addr);
		if (r->owner && r->owner != dev && !dev->p2p)
			return -EREMOTEIO;
		*total += DMB_PAGE_ALIGN(sg->length);
	}
	return 0;
}

int dma_map_sgtable(struct device *d, struct sg_table *sgt,
		    enum dma_data_direction dir, unsigned long attrs)
{
	struct dmb_hw_device *dev = dmb_hw_device_from_dev(d);
	unsigned int prot = dir_prot(dir);
	uint64_t total, iova, off = 0;
	struct scatterlist *sg;
	unsigned int i;
	int ret;

	if (!dev)
		return -EINVAL;
	if (DMB_WARN(!prot || !sgt || !sgt->sgl || !sgt->orig_nents,
		     "bad dma_map_sgtable for %s (direction %d)", dev->name, (int)dir))
		return -EINVAL;
	ret = check_entries(dev, sgt, &total);
	if (ret)
		return ret;
	if (dmb_iommu_domain_type(dev->domain) == DMB_IOMMU_DOMAIN_IDENTITY) {
		for_each_sgtable_sg(sgt, sg, i) {
			sg->dma_address = sg->phys_addr;
			sg->dma_length = sg->length;
		}
		sgt->nents = sgt->orig_nents;
		return 0;
	}

	ret = dmb_iommu_alloc_iova(dev->domain, total, &iova);
	if (ret)
		return ret;
	for_each_sgtable_sg(sgt, sg, i) {
		uint64_t size = DMB_PAGE_ALIGN(sg->length);

		ret = dmb_iommu_map(dev->domain, iova + off, sg->phys_addr, size, prot);
		if (ret)
			goto err_unmap;
		sg->dma_address = iova + off;
		sg->dma_length = sg->length;
		off += size;
	}
	sgt->nents = sgt->orig_nents;
	return 0;

err_unmap:
	if (off)
		dmb_iommu_unmap(dev->domain, iova, off);
	dmb_iommu_free_iova(dev->domain, iova, total);
	return ret == -EFAULT ? -EINVAL : ret;
}

void dma_unmap_sgtable(struct device *d, struct sg_table *sgt,
		       enum dma_data_direction dir, unsigned long attrs)
{
	struct dmb_hw_device *dev = dmb_hw_device_from_dev(d);
	struct scatterlist *sg;
	uint64_t total = 0, iova;
	unsigned int i;

	if (!dev)
		return;
	if (DMB_WARN(!sgt || !sgt->sgl || !sgt->orig_nents,
		     "bad dma_unmap_sgtable for %s", dev->name))
		return;
	if (dmb_iommu_domain_type(dev->domain) == DMB_IOMMU_DOMAIN_IDENTITY)
		return;
	for_each_sgtable_sg(sgt, sg, i)
		total += DMB_PAGE_ALIGN(sg->length);
	iova = sg_dma_address(sgt->sgl);
	if (DMB_WARN(!__dmb_iommu_iova_allocated(dev->domain, iova, total),
		     "dma_unmap_sgtable of [%#llx, +%#llx), not mapped for %s (double unmap?)",
		     (unsigned long long)iova, (unsigned long long)total, dev->name))
		return;
	dmb_iommu_unmap(dev->domain, iova, total);
	dmb_iommu_free_iova(dev->domain, iova, total);
}

int dmb_dma_map_range(struct device *dev, struct sg_table *sgt, uint64_t phys,
		      uint64_t len, enum dma_data_direction dir)
{
	int ret;

	if (DMB_WARN(!sgt, "dmb_dma_map_range without a table"))
		return -EINVAL;
	ret = sg_alloc_table(sgt, 1);
	if (ret)
		return ret;
	sgt->sgl[0].phys_addr = phys;
	sgt->sgl[0].length = len;
	ret = dma_map_sgtable(dev, sgt, dir, 0);
	if (ret)
		sg_free_table(sgt);
	return ret;
}

void dmb_dma_unmap_range(struct device *dev, struct sg_table *sgt,
			 enum dma_data_direction dir)
{
	/* Entries of a table still mapped for the device are not freed. */
	if (!dmb_hw_device_from_dev(dev))
		return;
	dma_unmap_sgtable(dev, sgt, dir, 0);
	sg_free_table(sgt);
}
