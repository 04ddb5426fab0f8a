/* SPDX-License-Identifier: MIT */
/*
 * timp.h - the exporter tests' minimal test importer, on the shared
 * hardware fixture (fixture.h).
 *
 * The test importer is deliberately small (the reference importers are
 * tested on their own): it attaches statically, dynamically without
 * invalidate_mappings, or revocably; it counts invalidations and either
 * unmaps inside invalidate_mappings or only notes that its mapping is stale
 * and leaves the unmap to the test. It keeps one mapping at a time.
 *
 * Helper threads never assert (cmocka cannot fail a case from another
 * thread): they record what they saw and the main thread asserts after
 * joining them.
 */
#ifndef DMABUF_TEST_TIMP_H
#define DMABUF_TEST_TIMP_H

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dmabuf/check.h>
#include <dmabuf/clock.h>
#include <dmabuf/dma-buf.h>
#include <dmabuf/hw/dma-access.h>
#include <dmabuf/hw/hw-device.h>
#include <dmabuf/hw/iommu.h>
#include <dmabuf/hw/mem-region.h>
#include <dmabuf/hw/phys-space.h>

#include "fixture.h"

/* ---- the test importer ------------------------------------------------- */

enum timp_kind {
	TIMP_STATIC,		/* dma_buf_attach(): no importer ops */
	TIMP_DYNAMIC,		/* importer ops without invalidate_mappings */
	TIMP_REVOCABLE,		/* with invalidate_mappings */
};

struct timp {
	struct dmb_hw_device *hw;
	struct dma_buf_attach_ops ops;
	char name[32];
	enum timp_kind kind;
	bool unmap_now;			/* unmap inside invalidate_mappings */
	struct dma_buf *buf;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;		/* resv: the live mapping, if any */
	atomic_uint invalidations;
	atomic_uint invalidate_unlocked;
	atomic_bool stale;		/* told, and not mapped again since */
};

static inline void timp_invalidate(struct dma_buf_attachment *attach)
{
	struct timp *imp = dma_buf_attachment_importer_priv(attach);

	atomic_fetch_add(&imp->invalidations, 1);
	if (!dma_resv_held(dma_buf_resv(imp->buf)))
		atomic_fetch_add(&imp->invalidate_unlocked, 1);
	atomic_store(&imp->stale, true);
	if (imp->unmap_now && imp->sgt) {
		dma_buf_unmap_attachment(attach, imp->sgt, DMA_BIDIRECTIONAL);
		imp->sgt = NULL;
	}
}

static inline void timp_init(struct timp *imp, const char *name,
			     struct dmb_hw_device *hw, enum timp_kind kind,
			     bool p2p, bool unmap_now)
{
	memset(imp, 0, sizeof(*imp));
	snprintf(imp->name, sizeof(imp->name), "%s", name);
	imp->hw = hw;
	imp->kind = kind;
	imp->unmap_now = unmap_now;
	imp->ops.name = imp->name;
	imp->ops.allow_peer2peer = p2p;
	if (kind == TIMP_REVOCABLE)
		imp->ops.invalidate_mappings = timp_invalidate;
}

/* Return: the attachment, or NULL with errno. */
static inline struct dma_buf_attachment *timp_attach(struct timp *imp,
						     struct dma_buf *buf)
{
	struct device *dev = dmb_hw_device_dev(imp->hw);

	imp->buf = buf;
	if (imp->kind == TIMP_STATIC)
		imp->attach = dma_buf_attach(buf, dev);
	else
		imp->attach = dma_buf_dynamic_attach(buf, dev, &imp->ops, imp);
	return imp->attach;
}

/* Map (dropping a stale mapping first) under the resv lock. Return: 0 or -errno. */
static inline int timp_map(struct timp *imp)
{
	struct dma_resv *resv = dma_buf_resv(imp->buf);
	struct sg_table *sgt;
	int ret = 0;

	dma_resv_lock(resv, NULL);
	if (imp->sgt)
		dma_buf_unmap_attachment(imp->attach, imp->sgt, DMA_BIDIRECTIONAL);
	imp->sgt = NULL;
	atomic_store(&imp->stale, false);
	sgt = dma_buf_map_attachment(imp->attach, DMA_BIDIRECTIONAL);
	if (sgt)
		imp->sgt = sgt;
	else
		ret = -errno;
	dma_resv_unlock(resv);
	return ret;
}

static inline void timp_unmap(struct timp *imp)
{
	struct dma_resv *resv = dma_buf_resv(imp->buf);

	dma_resv_lock(resv, NULL);
	if (imp->sgt)
		dma_buf_unmap_attachment(imp->attach, imp->sgt, DMA_BIDIRECTIONAL);
	imp->sgt = NULL;
	dma_resv_unlock(resv);
}

static inline void timp_detach(struct timp *imp)
{
	timp_unmap(imp);
	dma_buf_detach(imp->buf, imp->attach);
	imp->attach = NULL;
	assert_int_equal(atomic_load(&imp->invalidate_unlocked), 0);
}

static inline bool timp_mapped(struct timp *imp)
{
	struct dma_resv *resv = dma_buf_resv(imp->buf);
	bool mapped;

	dma_resv_lock(resv, NULL);
	mapped = imp->sgt;
	dma_resv_unlock(resv);
	return mapped;
}

/* The device address of the live mapping (asserted). */
static inline uint64_t timp_addr(struct timp *imp)
{
	assert_non_null(imp->sgt);
	return sg_dma_address(imp->sgt->sgl);
}

/* The physical address the live mapping points to (asserted). */
static inline uint64_t timp_phys(struct timp *imp)
{
	assert_non_null(imp->sgt);
	return imp->sgt->sgl[0].phys_addr;
}

/* The checker token of the live mapping (a reference; asserted). */
static inline struct dmb_check_map *timp_token(struct timp *imp)
{
	struct dma_resv *resv = dma_buf_resv(imp->buf);
	struct dmb_check_map *token;

	dma_resv_lock(resv, NULL);
	token = dma_buf_mapping_token(imp->attach, imp->sgt);
	dma_resv_unlock(resv);
	assert_non_null(token);
	return token;
}

/* Pin under the resv lock. Return: 0 or -errno. */
static inline int timp_pin(struct timp *imp)
{
	struct dma_resv *resv = dma_buf_resv(imp->buf);
	int ret;

	dma_resv_lock(resv, NULL);
	ret = dma_buf_pin(imp->attach);
	dma_resv_unlock(resv);
	return ret;
}

static inline void timp_unpin(struct timp *imp)
{
	struct dma_resv *resv = dma_buf_resv(imp->buf);

	dma_resv_lock(resv, NULL);
	dma_buf_unpin(imp->attach);
	dma_resv_unlock(resv);
}

/* A synchronous DMA read of @len bytes at @offset through the mapping at @addr. */
static inline int timp_dma_read(struct timp *imp, uint64_t addr, uint64_t offset,
				void *out, uint64_t len, struct dmb_check_map *token)
{
	struct dmb_dma_target src = { .addr = addr + offset, .map = token };

	return dmb_dma_read(imp->hw, &src, out, len);
}

#endif /* DMABUF_TEST_TIMP_H */
