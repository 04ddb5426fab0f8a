// SPDX-License-Identifier: MIT
/*
 * rdma-pinned.c - the RDMA pinned memory region (R14): registered once,
 * pinned and mapped for its whole life.
 *
 * Contract:
 *  - its importer ops have no invalidate_mappings (R1): the attachment is
 *    dynamic but not revocable, so the core never tells it anything, and a
 *    revoke-capable exporter refuses it at attach time with -EOPNOTSUPP
 *    (R10) — create then fails with that errno;
 *  - create (registration): attach, then under the resv lock pin and map
 *    once; an exporter with a pin op keeps the memory in place (a heap
 *    counts the pin, a movable exporter refuses to move it);
 *  - access: DMA through the mapping's device address with its checker
 *    token, without any lock — the mapping never changes;
 *  - destroy (deregistration): unmap and unpin under the resv lock, detach,
 *    put. This is the only unmap: a revoke of a buffer it holds would wait
 *    for it forever, which is exactly why such exporters refuse it.
 *
 * Locking: the mapping is written at create and destroy only (under the
 * resv lock) and read by access without a lock; one thread drives the
 * importer, so the two never overlap.
 */
#include <errno.h>

#include "importer-private.h"

struct rdma_pinned_importer {
	struct dmb_importer base;
	struct dmb_importer_map map;
};

static struct rdma_pinned_importer *to_pinned(struct dmb_importer *imp)
{
	return dmb_container_of(imp, struct rdma_pinned_importer, base);
}

/* No invalidate_mappings: the MR cannot be told to let go. */
static const struct dma_buf_attach_ops rdma_pinned_attach_ops = {
	.name = "rdma-pinned",
	.allow_peer2peer = true,
};

static int rdma_pinned_init(struct dmb_importer *imp)
{
	struct rdma_pinned_importer *mr = to_pinned(imp);
	struct dma_resv *resv = dma_buf_resv(imp->buf);
	int ret;

	ret = __dmb_importer_attach(imp, &rdma_pinned_attach_ops);
	if (ret)
		return ret;

	dma_resv_lock(resv, NULL);
	ret = dma_buf_pin(imp->attach);
	if (ret)
		goto err_unlock;
	ret = __dmb_importer_map_locked(imp, &mr->map);
	if (ret)
		goto err_unpin;
	dma_resv_unlock(resv);
	return 0;

err_unpin:
	dma_buf_unpin(imp->attach);
err_unlock:
	dma_resv_unlock(resv);
	dma_buf_detach(imp->buf, imp->attach);
	return ret;
}

static int rdma_pinned_access(struct dmb_importer *imp, bool write,
			      uint64_t offset, uint64_t len, void *data,
			      struct dma_fence **fence)
{
	struct rdma_pinned_importer *mr = to_pinned(imp);

	return __dmb_importer_dma(imp, mr->map.sgt, mr->map.token, mr->map.cookie,
				  write, offset, len, data);
}

/* Never invalidated, never unmapped: nothing to set up again. */
static int rdma_pinned_restore(struct dmb_importer *imp)
{
	return 0;
}

static void rdma_pinned_fini(struct dmb_importer *imp)
{
	struct rdma_pinned_importer *mr = to_pinned(imp);
	struct dma_resv *resv = dma_buf_resv(imp->buf);

	dma_resv_lock(resv, NULL);
	__dmb_importer_unmap_locked(imp, &mr->map);
	dma_buf_unpin(imp->attach);
	dma_resv_unlock(resv);
	dma_buf_detach(imp->buf, imp->attach);
}

const struct dmb_importer_ops dmb_rdma_pinned_importer_ops = {
	.name = "rdma-pinned",
	.size = sizeof(struct rdma_pinned_importer),
	.init = rdma_pinned_init,
	.access = rdma_pinned_access,
	.restore = rdma_pinned_restore,
	.fini = rdma_pinned_fini,
};
