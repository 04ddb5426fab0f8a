// SPDX-License-Identifier: MIT
/*
 * broken.c - three importers that break the revoke protocol, each in one
 * way, so that the checker, the IOMMU and the revoke helper's bound can be
 * seen catching them (V6, V4, V5). Each has its own ops table; they share
 * only the eager mapping they make at create and the plain access.
 *
 * Every kind attaches dynamically with invalidate_mappings and
 * peer-to-peer (so it claims to be revocable and a VFIO exporter accepts
 * it), and maps at create, so that a revoke always finds a mapping to wait
 * for.
 *
 *  - broken-no-unmap: invalidate_mappings only counts the call. It keeps
 *    its mapping and keeps using it (a write after the invalidate is V4;
 *    a read is read-and-discard, allowed), and unmaps only when destroyed.
 *    A revoke therefore waits until the importer is destroyed, reporting
 *    V6 at the unmap bound (or, under the deadline-force policy, until the
 *    exporter tears the mapping down; the importer then forgets it and
 *    maps again like anyone).
 *  - broken-write-after-invalidate: invalidate_mappings notes that it was
 *    told and keeps the mapping. Its next access goes through the old
 *    mapping as a write-back of the range — the write itself for a write;
 *    for a read, the bytes are read (allowed) and written back — which is
 *    V4; then it unmaps. Later accesses map again (-ENODEV while revoked).
 *  - broken-touch-after-unmap: invalidate_mappings unmaps at once, as an
 *    ODP MR does, but the device keeps its own copy of the old device
 *    addresses and the old token, and its next access goes through them:
 *    V5, and the IOMMU faults (-EFAULT). Then it forgets them and maps again
 *    on the access after (-ENODEV while revoked).
 *
 * Accesses are synchronous and hold the resv lock across the DMA, as in
 * rdma-odp.c.
 *
 * Locking: the mapping, the "told" flag and the device's address cache are
 * protected by the resv lock (invalidate_mappings runs with it held; access,
 * restore and destroy take it).
 */
#include <errno.h>
#include <string.h>

#include "importer-private.h"

struct broken_importer {
	struct dmb_importer base;
	struct dmb_importer_map map;	/* resv */
	bool told;			/* resv: write: invalidated, still mapped */
	/*
	 * touch: the device's copy of the device addresses of the last
	 * mapping, and that mapping's token and cookie; kept across the
	 * unmap, which is the bug (resv)
	 */
	struct sg_table cache;
	struct dmb_check_map *cache_token;
	uint64_t cache_cookie;
};

static struct broken_importer *to_broken(struct dmb_importer *imp)
{
	return dmb_container_of(imp, struct broken_importer, base);
}

static struct broken_importer *attach_to_broken(struct dma_buf_attachment *attach)
{
	return to_broken(dmb_importer_from_attach(attach));
}

/* Map at create, under the resv lock; detach again if it fails. */
static int broken_init(struct dmb_importer *imp,
		       const struct dma_buf_attach_ops *ops)
{
	struct broken_importer *b = to_broken(imp);
	struct dma_resv *resv = dma_buf_resv(imp->buf);
	int ret;

	ret = __dmb_importer_attach(imp, ops);
	if (ret)
		return ret;
	dma_resv_lock(resv, NULL);
	ret = __dmb_importer_map_locked(imp, &b->map);
	dma_resv_unlock(resv);
	if (ret)
		dma_buf_detach(imp->buf, imp->attach);
	return ret;
}

/*
 * A mapping the exporter tore down by force (the deadline-force revoke
 * policy) is gone, its sg_table with it: forget it without unmapping, and
 * never touch that table again. Resv held.
 */
static void broken_forget_forced(struct broken_importer *b)
{
	if (!b->map.sgt || dmb_check_map_state(b->map.token) != DMB_MAP_UNMAPPED)
		return;
	dmb_check_map_put(b->map.token);
	b->map = (struct dmb_importer_map){ 0 };
	b->told = false;
}

/* Map if not mapped, counting a refusal. Resv held. */
static int broken_map_locked(struct broken_importer *b)
{
	int ret;

	dmb_importer_assert_locked(&b->base);
	broken_forget_forced(b);
	if (b->map.sgt)
		return 0;
	ret = __dmb_importer_map_locked(&b->base, &b->map);
	if (ret == -ENODEV)
		atomic_fetch_add(&b->base.refused, 1);
	return ret;
}

static int broken_dma(struct broken_importer *b, bool write, uint64_t offset,
		      uint64_t len, void *data)
{
	return __dmb_importer_dma(&b->base, b->map.sgt, b->map.token,
				  b->map.cookie, write, offset, len, data);
}

static void broken_fini(struct dmb_importer *imp)
{
	struct broken_importer *b = to_broken(imp);
	struct dma_resv *resv = dma_buf_resv(imp->buf);

	dma_resv_lock(resv, NULL);
	broken_forget_forced(b);
	if (b->map.sgt)
		__dmb_importer_unmap_locked(imp, &b->map);
	dma_resv_unlock(resv);
	sg_free_table(&b->cache);
	dmb_check_map_put(b->cache_token);
	dma_buf_detach(imp->buf, imp->attach);
}

/* broken-no-unmap */

static void no_unmap_invalidate_mappings(struct dma_buf_attachment *attach)
{
	struct broken_importer *b = attach_to_broken(attach);

	/* Told, and does nothing about it. */
	__dmb_importer_invalidated(&b->base, b->map.sgt);
}

static const struct dma_buf_attach_ops no_unmap_attach_ops = {
	.name = "broken-no-unmap",
	.allow_peer2peer = true,
	.invalidate_mappings = no_unmap_invalidate_mappings,
};

static int no_unmap_init(struct dmb_importer *imp)
{
	return broken_init(imp, &no_unmap_attach_ops);
}

static int no_unmap_access(struct dmb_importer *imp, bool write, uint64_t offset,
			   uint64_t len, void *data, struct dma_fence **fence)
{
	struct dma_resv *resv = dma_buf_resv(imp->buf);
	int ret;

	dma_resv_lock(resv, NULL);
	/* After a forced teardown it maps again like anyone (or is refused). */
	ret = broken_map_locked(to_broken(imp));
	if (!ret)
		ret = broken_dma(to_broken(imp), write, offset, len, data);
	dma_resv_unlock(resv);
	return ret;
}

/* The mapping never went away. */
static int no_unmap_restore(struct dmb_importer *imp)
{
	return 0;
}

const struct dmb_importer_ops dmb_broken_no_unmap_importer_ops = {
	.name = "broken-no-unmap",
	.size = sizeof(struct broken_importer),
	.init = no_unmap_init,
	.access = no_unmap_access,
	.restore = no_unmap_restore,
	.fini = broken_fini,
};

/* broken-write-after-invalidate */

static void write_invalidate_mappings(struct dma_buf_attachment *attach)
{
	struct broken_importer *b = attach_to_broken(attach);

	__dmb_importer_invalidated(&b->base, b->map.sgt);
	if (b->map.sgt)
		b->told = true;
}

static const struct dma_buf_attach_ops write_attach_ops = {
	.name = "broken-write-after-invalidate",
	.allow_peer2peer = true,
	.invalidate_mappings = write_invalidate_mappings,
};

static int write_init(struct dmb_importer *imp)
{
	return broken_init(imp, &write_attach_ops);
}

/* The write-back through the invalidated mapping (V4), then the unmap. */
static int write_stale_locked(struct broken_importer *b, bool write,
			      uint64_t offset, uint64_t len, void *data)
{
	int ret = 0;

	dmb_importer_assert_locked(&b->base);
	if (!write)
		ret = broken_dma(b, false, offset, len, data);
	if (!ret)
		ret = broken_dma(b, true, offset, len, data);
	__dmb_importer_unmap_locked(&b->base, &b->map);
	b->told = false;
	return ret;
}

static int write_access(struct dmb_importer *imp, bool write, uint64_t offset,
			uint64_t len, void *data, struct dma_fence **fence)
{
	struct broken_importer *b = to_broken(imp);
	struct dma_resv *resv = dma_buf_resv(imp->buf);
	int ret;

	dma_resv_lock(resv, NULL);
	broken_forget_forced(b);
	if (b->told) {
		ret = write_stale_locked(b, write, offset, len, data);
		goto out_unlock;
	}
	ret = broken_map_locked(b);
	if (!ret)
		ret = broken_dma(b, write, offset, len, data);
out_unlock:
	dma_resv_unlock(resv);
	return ret;
}

static int write_restore(struct dmb_importer *imp)
{
	struct broken_importer *b = to_broken(imp);
	struct dma_resv *resv = dma_buf_resv(imp->buf);
	int ret = 0;

	dma_resv_lock(resv, NULL);
	if (!b->told)
		ret = broken_map_locked(b);
	dma_resv_unlock(resv);
	return ret;
}

const struct dmb_importer_ops dmb_broken_write_importer_ops = {
	.name = "broken-write-after-invalidate",
	.size = sizeof(struct broken_importer),
	.init = write_init,
	.access = write_access,
	.restore = write_restore,
	.fini = broken_fini,
};

/* broken-touch-after-unmap */

/* Forget the device's stale copy (resv held). */
static void touch_forget_locked(struct broken_importer *b)
{
	dmb_importer_assert_locked(&b->base);
	sg_free_table(&b->cache);
	dmb_check_map_put(b->cache_token);
	b->cache_token = NULL;
}

/* Map, and let the device copy the device addresses (resv held). */
static int touch_map_locked(struct broken_importer *b)
{
	int ret;

	dmb_importer_assert_locked(&b->base);
	if (b->map.sgt)
		return 0;
	touch_forget_locked(b);
	ret = broken_map_locked(b);
	if (ret)
		return ret;
	ret = sg_alloc_table(&b->cache, b->map.sgt->nents);
	if (ret)
		goto err_unmap;
	memcpy(b->cache.sgl, b->map.sgt->sgl,
	       b->map.sgt->nents * sizeof(*b->cache.sgl));
	b->cache_token = dmb_check_map_get(b->map.token);
	b->cache_cookie = b->map.cookie;
	return 0;

err_unmap:
	__dmb_importer_unmap_locked(&b->base, &b->map);
	return ret;
}

static void touch_invalidate_mappings(struct dma_buf_attachment *attach)
{
	struct broken_importer *b = attach_to_broken(attach);

	__dmb_importer_invalidated(&b->base, b->map.sgt);
	/* The unmap is right; keeping the device's copy is not. */
	if (b->map.sgt)
		__dmb_importer_unmap_locked(&b->base, &b->map);
}

static const struct dma_buf_attach_ops touch_attach_ops = {
	.name = "broken-touch-after-unmap",
	.allow_peer2peer = true,
	.invalidate_mappings = touch_invalidate_mappings,
};

static int touch_init(struct dmb_importer *imp)
{
	struct broken_importer *b = to_broken(imp);
	struct dma_resv *resv = dma_buf_resv(imp->buf);
	int ret;

	ret = __dmb_importer_attach(imp, &touch_attach_ops);
	if (ret)
		return ret;
	dma_resv_lock(resv, NULL);
	ret = touch_map_locked(b);
	dma_resv_unlock(resv);
	if (ret)
		dma_buf_detach(imp->buf, imp->attach);
	return ret;
}

static int touch_access(struct dmb_importer *imp, bool write, uint64_t offset,
			uint64_t len, void *data, struct dma_fence **fence)
{
	struct broken_importer *b = to_broken(imp);
	struct dma_resv *resv = dma_buf_resv(imp->buf);
	int ret;

	dma_resv_lock(resv, NULL);
	if (!b->map.sgt && b->cache_token) {
		/* Through the dead addresses: V5 and an IOMMU fault. */
		ret = __dmb_importer_dma(imp, &b->cache, b->cache_token,
					 b->cache_cookie, write, offset, len, data);
		touch_forget_locked(b);
		goto out_unlock;
	}
	ret = touch_map_locked(b);
	if (!ret)
		ret = broken_dma(b, write, offset, len, data);
out_unlock:
	dma_resv_unlock(resv);
	return ret;
}

static int touch_restore(struct dmb_importer *imp)
{
	struct dma_resv *resv = dma_buf_resv(imp->buf);
	int ret;

	dma_resv_lock(resv, NULL);
	ret = touch_map_locked(to_broken(imp));
	dma_resv_unlock(resv);
	return ret;
}

const struct dmb_importer_ops dmb_broken_touch_importer_ops = {
	.name = "broken-touch-after-unmap",
	.size = sizeof(struct broken_importer),
	.init = touch_init,
	.access = touch_access,
	.restore = touch_restore,
	.fini = broken_fini,
};
