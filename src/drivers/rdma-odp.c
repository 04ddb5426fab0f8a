// SPDX-License-Identifier: MIT
/*
 * rdma-odp.c - the RDMA on-demand-paging memory region (R14): dynamic,
 * revocable, and mapped only while it is being used.
 *
 * Contract:
 *  - create: attach dynamically with invalidate_mappings and peer-to-peer;
 *    nothing is mapped yet.
 *  - access: if the MR has no mapping, it faults the pages in — a new map
 *    of the attachment (refused with -ENODEV while the buffer is revoked:
 *    nothing is attempted and the access is counted as refused); then the
 *    device does the DMA through the mapping with its checker token.
 *  - invalidate_mappings: zap the translations and unmap right there (the
 *    resv lock is held, and unmap is a locked call), so the exporter's unmap
 *    wait never waits for this importer and the latency is zero.
 *  - restore: fault the pages in now instead of on the next access (0, or
 *    -ENODEV while still revoked).
 *  - destroy: unmap if mapped, detach, put.
 *
 * The access holds the resv lock across its (synchronous) DMA: that is how
 * this model keeps an invalidate from pulling the mapping out from under a
 * transfer in progress. A real ODP device instead takes a page fault when a
 * translation vanishes mid-transfer and retries after faulting it back in.
 *
 * Locking: the mapping is protected by the resv lock (invalidate_mappings
 * runs with it held; access, restore and destroy take it).
 */
#include <errno.h>

#include "importer-private.h"

struct rdma_odp_importer {
	struct dmb_importer base;
	struct dmb_importer_map map;	/* resv */
};

static struct rdma_odp_importer *to_odp(struct dmb_importer *imp)
{
	return dmb_container_of(imp, struct rdma_odp_importer, base);
}

static void rdma_odp_invalidate_mappings(struct dma_buf_attachment *attach)
{
	struct rdma_odp_importer *mr = to_odp(dmb_importer_from_attach(attach));

	__dmb_importer_invalidated(&mr->base, mr->map.sgt);
	if (mr->map.sgt)
		__dmb_importer_unmap_locked(&mr->base, &mr->map);
}

static const struct dma_buf_attach_ops rdma_odp_attach_ops = {
	.name = "rdma-odp",
	.allow_peer2peer = true,
	.invalidate_mappings = rdma_odp_invalidate_mappings,
};

static int rdma_odp_init(struct dmb_importer *imp)
{
	return __dmb_importer_attach(imp, &rdma_odp_attach_ops);
}

/* Fault the pages in if they are not. Resv held. */
static int rdma_odp_fault_in_locked(struct rdma_odp_importer *mr)
{
	dmb_importer_assert_locked(&mr->base);
	if (mr->map.sgt)
		return 0;
	return __dmb_importer_map_locked(&mr->base, &mr->map);
}

static int rdma_odp_access(struct dmb_importer *imp, bool write, uint64_t offset,
			   uint64_t len, void *data, struct dma_fence **fence)
{
	struct rdma_odp_importer *mr = to_odp(imp);
	struct dma_resv *resv = dma_buf_resv(imp->buf);
	int ret;

	dma_resv_lock(resv, NULL);
	ret = rdma_odp_fault_in_locked(mr);
	if (ret) {
		if (ret == -ENODEV)
			atomic_fetch_add(&imp->refused, 1);
		goto out_unlock;
	}
	ret = __dmb_importer_dma(imp, mr->map.sgt, mr->map.token, mr->map.cookie,
				 write, offset, len, data);
out_unlock:
	dma_resv_unlock(resv);
	return ret;
}

static int rdma_odp_restore(struct dmb_importer *imp)
{
	struct dma_resv *resv = dma_buf_resv(imp->buf);
	int ret;

	dma_resv_lock(resv, NULL);
	ret = rdma_odp_fault_in_locked(to_odp(imp));
	dma_resv_unlock(resv);
	return ret;
}

static void rdma_odp_fini(struct dmb_importer *imp)
{
	struct rdma_odp_importer *mr = to_odp(imp);
	struct dma_resv *resv = dma_buf_resv(imp->buf);

	dma_resv_lock(resv, NULL);
	if (mr->map.sgt)
		__dmb_importer_unmap_locked(imp, &mr->map);
	dma_resv_unlock(resv);
	dma_buf_detach(imp->buf, imp->attach);
}

const struct dmb_importer_ops dmb_rdma_odp_importer_ops = {
	.name = "rdma-odp",
	.size = sizeof(struct rdma_odp_importer),
	.init = rdma_odp_init,
	.access = rdma_odp_access,
	.restore = rdma_odp_restore,
	.fini = rdma_odp_fini,
};
