// SPDX-License-Identifier: MIT
/*
 * importer.c - the reference importers' common object: argument checks,
 * dispatch to the kind's ops table, statistics, unmap latency, and the
 * mapping and DMA helpers the kinds share (include/dmabuf/drivers/
 * importer.h is the contract; importer-private.h the kinds' side).
 *
 * Every importer holds a reference on its buffer from creation to the end
 * of destruction: the kind's fini detaches, and only then does the base
 * drop the reference (R13's "unpin, detach, put" ends here).
 *
 * Locking: the public calls must be made without any resv lock held (the
 * kinds take it). One thread drives an importer at a time; its
 * invalidate_mappings may run concurrently in the thread that invalidates,
 * which is why the statistics and the latency stamps are atomics.
 */
#include <errno.h>
#include <stdlib.h>

#include <dmabuf/diag.h>
#include <dmabuf/hw/dma-access.h>

#include "importer-private.h"

static const struct dmb_importer_ops *const importer_kinds[DMB_IMPORTER_NR_KINDS] = {
	[DMB_IMPORTER_IOMMUFD] = &dmb_iommufd_importer_ops,
	[DMB_IMPORTER_RDMA_PINNED] = &dmb_rdma_pinned_importer_ops,
	[DMB_IMPORTER_RDMA_ODP] = &dmb_rdma_odp_importer_ops,
	[DMB_IMPORTER_GPU] = &dmb_gpu_importer_ops,
	[DMB_IMPORTER_BROKEN_NO_UNMAP] = &dmb_broken_no_unmap_importer_ops,
	[DMB_IMPORTER_BROKEN_WRITE_AFTER_INVALIDATE] = &dmb_broken_write_importer_ops,
	[DMB_IMPORTER_BROKEN_TOUCH_AFTER_UNMAP] = &dmb_broken_touch_importer_ops,
};

/*
 * A WARN and true if @imp is NULL or not a live importer: destroyed
 * already (its memory is freed, so it is looked up, not read) or never
 * created. Every entry point that takes the handle asks first.
 */
static bool importer_refuse(const struct dmb_importer *imp, const char *call)
{
	return DMB_WARN(!imp, "%s(NULL)", call) || dmb_live_refuse(&imp->live, call);
}

const char *dmb_importer_kind_name(enum dmb_importer_kind kind)
{
	if ((unsigned int)kind >= DMB_IMPORTER_NR_KINDS)
		return "(unknown)";
	return importer_kinds[kind]->name;
}

struct dmb_importer *dmb_importer_create(enum dmb_importer_kind kind,
					 struct dmb_hw_device *dev,
					 struct dma_buf *buf)
{
	const struct dmb_importer_ops *ops;
	struct dmb_importer *imp;
	int ret;

	if (DMB_WARN((unsigned int)kind >= DMB_IMPORTER_NR_KINDS || !dev || !buf,
		     "dmb_importer_create(%d, %p, %p)", (int)kind, (void *)dev,
		     (void *)buf)) {
		errno = EINVAL;
		return NULL;
	}
	ops = importer_kinds[kind];
	imp = calloc(1, ops->size);
	if (!imp) {
		errno = ENOMEM;
		return NULL;
	}
	imp->ops = ops;
	imp->kind = kind;
	imp->dev = dev;
	imp->buf = buf;
	atomic_init(&imp->invalidated_at, -1);
	atomic_init(&imp->unmap_latency, -1);
	get_dma_buf(buf);

	ret = ops->init(imp);
	if (ret)
		goto err_put;
	dmb_live_add(&imp->live);
	return imp;

err_put:
	dma_buf_put(buf);
	free(imp);
	errno = -ret;
	return NULL;
}

int dmb_importer_access(struct dmb_importer *imp, bool write, uint64_t offset,
			uint64_t len, void *data, struct dma_fence **fence)
{
	if (fence)
		*fence = NULL;
	if (importer_refuse(imp, __func__))
		return -EINVAL;
	if (!len || offset > dma_buf_size(imp->buf) ||
	    len > dma_buf_size(imp->buf) - offset)
		return -EINVAL;
	return imp->ops->access(imp, write, offset, len, data, fence);
}

int dmb_importer_restore(struct dmb_importer *imp)
{
	if (importer_refuse(imp, __func__))
		return -EINVAL;
	return imp->ops->restore(imp);
}

void dmb_importer_destroy(struct dmb_importer *imp)
{
	/* NULL is ignored, as free() does; a destroyed importer is refused. */
	if (!imp || importer_refuse(imp, __func__))
		return;
	dmb_live_del(&imp->live);
	imp->ops->fini(imp);
	dma_buf_put(imp->buf);
	free(imp);
}

enum dmb_importer_kind dmb_importer_kind(const struct dmb_importer *imp)
{
	if (importer_refuse(imp, __func__))
		return DMB_IMPORTER_NR_KINDS;
	return imp->kind;
}

struct dma_buf_attachment *dmb_importer_attachment(struct dmb_importer *imp)
{
	if (importer_refuse(imp, __func__))
		return NULL;
	return imp->attach;
}

void dmb_importer_get_stats(struct dmb_importer *imp,
			    struct dmb_importer_stats *stats)
{
	if (importer_refuse(imp, __func__) ||
	    DMB_WARN(!stats, "dmb_importer_get_stats without stats"))
		return;
	stats->accesses = atomic_load(&imp->accesses);
	stats->faults = atomic_load(&imp->faults);
	stats->refused = atomic_load(&imp->refused);
	stats->invalidations = atomic_load(&imp->invalidations);
	stats->maps = atomic_load(&imp->maps);
}

int64_t dmb_importer_unmap_latency(struct dmb_importer *imp)
{
	if (importer_refuse(imp, __func__))
		return -1;
	return atomic_load(&imp->unmap_latency);
}

/* What the kinds share. */

int __dmb_importer_attach(struct dmb_importer *imp,
			  const struct dma_buf_attach_ops *ops)
{
	imp->attach = dma_buf_dynamic_attach(imp->buf, dmb_hw_device_dev(imp->dev),
					     ops, imp);
	return imp->attach ? 0 : -errno;
}

void __dmb_importer_invalidated(struct dmb_importer *imp, bool mapped)
{
	long long expected = -1;

	atomic_fetch_add(&imp->invalidations, 1);
	if (!mapped)
		return;
	/* A second invalidate before the unmap does not restart the clock. */
	atomic_compare_exchange_strong(&imp->invalidated_at, &expected,
				       (long long)dmb_check_now());
}

void __dmb_importer_unmapped(struct dmb_importer *imp)
{
	long long at = atomic_exchange(&imp->invalidated_at, -1);

	if (at >= 0)
		atomic_store(&imp->unmap_latency, (long long)dmb_check_now() - at);
}

int __dmb_importer_map_locked(struct dmb_importer *imp,
			      struct dmb_importer_map *m)
{
	struct sg_table *sgt;
	int ret;

	dmb_importer_assert_locked(imp);
	sgt = dma_buf_map_attachment(imp->attach, DMA_BIDIRECTIONAL);
	if (!sgt)
		return -errno;
	/* No token in production mode (debug.h): the DMA goes unchecked. */
	m->token = dma_buf_mapping_token(imp->attach, sgt);
	if (!m->token && errno != EOPNOTSUPP) {
		ret = -errno;
		goto err_unmap;
	}
	m->sgt = sgt;
	m->cookie = atomic_fetch_add(&imp->maps, 1) + 1;
	return 0;

err_unmap:
	dma_buf_unmap_attachment(imp->attach, sgt, DMA_BIDIRECTIONAL);
	return ret;
}

void __dmb_importer_unmap_locked(struct dmb_importer *imp,
				 struct dmb_importer_map *m)
{
	dmb_importer_assert_locked(imp);
	/* Stamped first: the unmap may end a revoke that reads the latency. */
	__dmb_importer_unmapped(imp);
	dma_buf_unmap_attachment(imp->attach, m->sgt, DMA_BIDIRECTIONAL);
	dmb_check_map_put(m->token);
	*m = (struct dmb_importer_map){ 0 };
}

int __dmb_importer_sg_locate(const struct sg_table *sgt, uint64_t offset,
			     uint64_t *addr, uint64_t *avail)
{
	const struct scatterlist *sg;
	unsigned int i;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		if (offset < sg_dma_len(sg)) {
			*addr = sg_dma_address(sg) + offset;
			*avail = sg_dma_len(sg) - offset;
			return 0;
		}
		offset -= sg_dma_len(sg);
	}
	return -EINVAL;
}

int __dmb_importer_dma(struct dmb_importer *imp, const struct sg_table *sgt,
		       struct dmb_check_map *token, uint64_t cookie, bool write,
		       uint64_t offset, uint64_t len, void *data)
{
	void *bounce = NULL;
	uint8_t *p = data;
	int ret = 0;

	if (!p) {
		bounce = calloc(1, len);
		if (!bounce)
			return -ENOMEM;
		p = bounce;
	}
	atomic_fetch_add(&imp->accesses, 1);
	while (len) {
		struct dmb_dma_target t = { .map = token, .cookie = cookie };
		uint64_t n;

		ret = __dmb_importer_sg_locate(sgt, offset, &t.addr, &n);
		if (ret)
			break;
		if (n > len)
			n = len;
		ret = write ? dmb_dma_write(imp->dev, &t, p, n) :
			      dmb_dma_read(imp->dev, &t, p, n);
		if (ret) {
			if (ret == -EFAULT)
				atomic_fetch_add(&imp->faults, 1);
			break;
		}
		p += n;
		offset += n;
		len -= n;
	}
	free(bounce);
	return ret;
}
