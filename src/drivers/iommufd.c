// SPDX-License-Identifier: MIT
/*
 * iommufd.c - the iommufd-style importer (R13): it maps a VFIO BAR buffer
 * into its device's IOMMU domain itself, never through map/unmap.
 *
 * Contract:
 *  - create: attach dynamically with invalidate_mappings and peer-to-peer;
 *    then, under one hold of the resv lock, pin and ask the VFIO exporter
 *    for the buffer's physical range (dmb_vfio_pci_dma_buf_phys()), so no
 *    revoke can slip in between; then reserve an IOVA range and program it.
 *    A buffer that is not VFIO's is refused with -EOPNOTSUPP, after the
 *    pin is undone (unpin, detach: the release order).
 *  - invalidate_mappings: unmap the IOVA range from the domain at once —
 *    when the call returns the device can no longer reach the memory — and
 *    remember that the buffer is revoked. The IOVA range stays reserved, as
 *    the address userspace chose in its IOAS does.
 *  - access: DMA at the IOVA with no checker token (there is no mapping for
 *    the checker to know: the IOMMU is the enforcement); after an
 *    invalidate it faults (-EFAULT).
 *  - restore: ask for the physical range again (-ENODEV while revoked) and
 *    program it at the same IOVA.
 *  - destroy: unmap the IOVA range if mapped and free it, then unpin (resv
 *    held), detach, put — the order of the seed's iopt_release_pages().
 *
 * Because the exporter never handed out a mapping, its revoke never waits
 * for this importer: the unmap in invalidate_mappings is what stops access.
 *
 * Locking: @mapped is protected by the resv lock (written in
 * invalidate_mappings, which holds it, and by create/restore/destroy under
 * it). @iova and @size are constant after create. Access does not read
 * @mapped: the device simply tries, and the IOMMU answers.
 * invalidate_mappings sleeps only on the domain's page-table lock.
 */
#include <errno.h>

#include <dmabuf/drivers/vfio-pci.h>
#include <dmabuf/hw/dma-access.h>
#include <dmabuf/hw/iommu.h>

#include "importer-private.h"

struct iommufd_importer {
	struct dmb_importer base;
	struct dmb_iommu_domain *domain;
	uint64_t iova;		/* const: reserved at create */
	uint64_t size;		/* const: page-aligned */
	bool mapped;		/* resv */
};

static struct iommufd_importer *to_iommufd(struct dmb_importer *imp)
{
	return dmb_container_of(imp, struct iommufd_importer, base);
}

static void iommufd_invalidate_mappings(struct dma_buf_attachment *attach)
{
	struct iommufd_importer *fd = to_iommufd(dmb_importer_from_attach(attach));

	__dmb_importer_invalidated(&fd->base, fd->mapped);
	if (!fd->mapped)
		return;
	/* Access stops here: no translation survives this call. */
	dmb_iommu_unmap(fd->domain, fd->iova, fd->size);
	fd->mapped = false;
	__dmb_importer_unmapped(&fd->base);
}

static const struct dma_buf_attach_ops iommufd_attach_ops = {
	.name = "iommufd",
	.allow_peer2peer = true,
	.invalidate_mappings = iommufd_invalidate_mappings,
};

/* Program the buffer's current physical range at the IOVA. Resv held. */
static int iommufd_map_locked(struct iommufd_importer *fd)
{
	uint64_t phys, size;
	int ret;

	dmb_importer_assert_locked(&fd->base);
	ret = dmb_vfio_pci_dma_buf_phys(fd->base.attach, &phys, &size);
	if (ret)
		return ret;
	ret = dmb_iommu_map(fd->domain, fd->iova, phys, fd->size,
			    DMB_IOMMU_READ | DMB_IOMMU_WRITE);
	if (ret)
		return ret;
	fd->mapped = true;
	atomic_fetch_add(&fd->base.maps, 1);
	return 0;
}

static int iommufd_init(struct dmb_importer *imp)
{
	struct iommufd_importer *fd = to_iommufd(imp);
	struct dma_resv *resv = dma_buf_resv(imp->buf);
	uint64_t phys, size;
	int ret;

	fd->domain = dmb_hw_device_domain(imp->dev);
	ret = __dmb_importer_attach(imp, &iommufd_attach_ops);
	if (ret)
		return ret;

	dma_resv_lock(resv, NULL);
	/*
	 * Ask first, pin after: the query only reads, while a pin may move a
	 * buffer (and disturb every other importer) that iommufd would then
	 * refuse anyway. Both under one lock hold, so nothing slips between.
	 */
	ret = dmb_vfio_pci_dma_buf_phys(imp->attach, &phys, &size);
	if (ret)
		goto err_unlock;
	ret = dma_buf_pin(imp->attach);
	if (ret)
		goto err_unlock;
	fd->size = DMB_PAGE_ALIGN(size);
	ret = dmb_iommu_alloc_iova(fd->domain, fd->size, &fd->iova);
	if (ret)
		goto err_unpin;
	ret = iommufd_map_locked(fd);
	if (ret)
		goto err_free_iova;
	dma_resv_unlock(resv);
	return 0;

err_free_iova:
	dmb_iommu_free_iova(fd->domain, fd->iova, fd->size);
err_unpin:
	dma_buf_unpin(imp->attach);
err_unlock:
	dma_resv_unlock(resv);
	dma_buf_detach(imp->buf, imp->attach);
	return ret;
}

static int iommufd_access(struct dmb_importer *imp, bool write, uint64_t offset,
			  uint64_t len, void *data, struct dma_fence **fence)
{
	struct iommufd_importer *fd = to_iommufd(imp);
	struct scatterlist sg = {
		.dma_address = fd->iova, .dma_length = dma_buf_size(imp->buf),
	};
	/* One contiguous IOVA range: a one-entry table for the DMA helper. */
	struct sg_table table = { .sgl = &sg, .nents = 1, .orig_nents = 1 };

	return __dmb_importer_dma(imp, &table, NULL, 0, write, offset, len, data);
}

static int iommufd_restore(struct dmb_importer *imp)
{
	struct iommufd_importer *fd = to_iommufd(imp);
	struct dma_resv *resv = dma_buf_resv(imp->buf);
	int ret = 0;

	dma_resv_lock(resv, NULL);
	if (!fd->mapped)
		ret = iommufd_map_locked(fd);
	dma_resv_unlock(resv);
	return ret;
}

static void iommufd_fini(struct dmb_importer *imp)
{
	struct iommufd_importer *fd = to_iommufd(imp);
	struct dma_resv *resv = dma_buf_resv(imp->buf);

	dma_resv_lock(resv, NULL);
	if (fd->mapped) {
		dmb_iommu_unmap(fd->domain, fd->iova, fd->size);
		fd->mapped = false;
	}
	dmb_iommu_free_iova(fd->domain, fd->iova, fd->size);
	dma_buf_unpin(imp->attach);
	dma_resv_unlock(resv);
	dma_buf_detach(imp->buf, imp->attach);
}

const struct dmb_importer_ops dmb_iommufd_importer_ops = {
	.name = "iommufd",
	.size = sizeof(struct iommufd_importer),
	.init = iommufd_init,
	.access = iommufd_access,
	.restore = iommufd_restore,
	.fini = iommufd_fini,
};
