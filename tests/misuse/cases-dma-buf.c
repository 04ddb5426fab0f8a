// SPDX-License-Identifier: MIT
/*
 * cases-dma-buf.c - misuse of dma-buf.h and dma-buf-revoke.h: NULL
 * buffers, attachments, devices and out-pointers, and the lock rule of
 * docs/locking.md (a locked call without the resv lock, an _unlocked call
 * with it), a detach of a foreign attachment, map after revoke, an unmap of
 * a table that was not mapped, an unpin without a pin, a double revoke.
 */
#include <stdio.h>

#include <dmabuf/dma-buf-revoke.h>
#include <dmabuf/dma-buf.h>
#include <dmabuf/dma-resv.h>

#include "misuse.h"
#include "mock-exporter.h"

static struct mock_exporter me, other_me;
static struct mock_importer imp;

/* A buffer of the mock exporter, one reference, nothing attached. */
static struct dma_buf *buf(unsigned int flags)
{
	return mock_export(&me, "misuse", 4096, flags);
}

/* An attachment of a dynamic, revocable importer to a new buffer. */
static struct dma_buf_attachment *attached(unsigned int flags)
{
	mock_importer_init(&imp, "misuse-importer");
	return mock_importer_attach(&imp, buf(flags), &mock_importer_ops_revocable);
}

static void lock(struct dma_buf_attachment *attach)
{
	dma_resv_lock(dma_buf_resv(dma_buf_attachment_dmabuf(attach)), NULL);
}

MISUSE_CASE(dma_buf_export, null_info, MISUSE_REPORTED)
{
	return !dma_buf_export(NULL) && errno == EINVAL;
}

MISUSE_CASE(dma_buf_export, null_ops, MISUSE_REPORTED)
{
	struct dma_buf_export_info info = { .exp_name = "x", .size = 4096 };

	return !dma_buf_export(&info) && errno == EINVAL;
}

MISUSE_CASE(dma_buf_export, zero_size, MISUSE_REPORTED)
{
	struct dma_buf_export_info info = {
		.exp_name = "x", .ops = &mock_exporter_ops_pin,
	};

	return !dma_buf_export(&info) && errno == EINVAL;
}

MISUSE_CASE(get_dma_buf, null, MISUSE_REPORTED)
{
	get_dma_buf(NULL);
	return true;
}

MISUSE_CASE(dmb_dma_buf_get_unless_zero, null, MISUSE_REPORTED)
{
	return !dmb_dma_buf_get_unless_zero(NULL);
}

MISUSE_CASE(dma_buf_put, null, MISUSE_REPORTED)
{
	dma_buf_put(NULL);
	return true;
}

MISUSE_CASE(dma_buf_set_name, null_buf, MISUSE_REPORTED)
{
	return dma_buf_set_name(NULL, "x") == -EINVAL;
}

MISUSE_CASE(dma_buf_set_name, null_name, MISUSE_REPORTED)
{
	return dma_buf_set_name(buf(0), NULL) == -EINVAL;
}

MISUSE_CASE(dma_buf_resv, null, MISUSE_REPORTED)
{
	return dma_buf_resv(NULL) == NULL;
}

MISUSE_CASE(dma_buf_priv, null, MISUSE_REPORTED)
{
	return dma_buf_priv(NULL) == NULL;
}

MISUSE_CASE(dma_buf_size, null, MISUSE_REPORTED)
{
	return dma_buf_size(NULL) == 0;
}

MISUSE_CASE(dma_buf_exporter_name, null, MISUSE_REPORTED)
{
	return dma_buf_exporter_name(NULL) != NULL;
}

MISUSE_CASE(dma_buf_name, null, MISUSE_REPORTED)
{
	return dma_buf_name(NULL) != NULL;
}

MISUSE_CASE(dma_buf_attach, null_buf, MISUSE_REPORTED)
{
	mock_importer_init(&imp, "misuse-importer");
	return !dma_buf_attach(NULL, &imp.dev) && errno == EINVAL;
}

MISUSE_CASE(dma_buf_attach, null_dev, MISUSE_REPORTED)
{
	return !dma_buf_attach(buf(0), NULL) && errno == EINVAL;
}

MISUSE_CASE(dma_buf_attach, resv_held, MISUSE_REPORTED)
{
	struct dma_buf *b = buf(0);

	mock_importer_init(&imp, "misuse-importer");
	dma_resv_lock(dma_buf_resv(b), NULL);
	return !dma_buf_attach(b, &imp.dev) && errno == EINVAL;
}

MISUSE_CASE(dma_buf_dynamic_attach, null_buf, MISUSE_REPORTED)
{
	mock_importer_init(&imp, "misuse-importer");
	return !dma_buf_dynamic_attach(NULL, &imp.dev,
				       &mock_importer_ops_revocable, &imp) &&
	       errno == EINVAL;
}

MISUSE_CASE(dma_buf_dynamic_attach, null_dev, MISUSE_REPORTED)
{
	return !dma_buf_dynamic_attach(buf(0), NULL,
				       &mock_importer_ops_revocable, NULL) &&
	       errno == EINVAL;
}

MISUSE_CASE(dma_buf_detach, null_buf, MISUSE_REPORTED)
{
	dma_buf_detach(NULL, attached(0));
	return true;
}

MISUSE_CASE(dma_buf_detach, null_attach, MISUSE_REPORTED)
{
	dma_buf_detach(buf(0), NULL);
	return true;
}

MISUSE_CASE(dma_buf_detach, foreign_attachment, MISUSE_REPORTED)
{
	struct dma_buf_attachment *attach = attached(0);
	struct dma_buf *other = mock_export(&other_me, "other", 4096, 0);

	dma_buf_detach(other, attach);
	/* still attached where it was */
	return dma_buf_attachment_dmabuf(attach) == imp.dmabuf;
}

MISUSE_CASE(dma_buf_detach, resv_held, MISUSE_REPORTED)
{
	struct dma_buf_attachment *attach = attached(0);

	lock(attach);
	dma_buf_detach(imp.dmabuf, attach);
	return dma_buf_attachment_mapped(attach) == 0;
}

MISUSE_CASE(dma_buf_attachment_is_dynamic, null, MISUSE_REPORTED)
{
	return !dma_buf_attachment_is_dynamic(NULL);
}

MISUSE_CASE(dma_buf_attach_revocable, null, MISUSE_REPORTED)
{
	return !dma_buf_attach_revocable(NULL);
}

MISUSE_CASE(dma_buf_attachment_dmabuf, null, MISUSE_REPORTED)
{
	return dma_buf_attachment_dmabuf(NULL) == NULL;
}

MISUSE_CASE(dma_buf_attachment_dev, null, MISUSE_REPORTED)
{
	return dma_buf_attachment_dev(NULL) == NULL;
}

MISUSE_CASE(dma_buf_attachment_peer2peer, null, MISUSE_REPORTED)
{
	return !dma_buf_attachment_peer2peer(NULL);
}

MISUSE_CASE(dma_buf_attachment_importer_priv, null, MISUSE_REPORTED)
{
	return dma_buf_attachment_importer_priv(NULL) == NULL;
}

MISUSE_CASE(dma_buf_attachment_importer_name, null, MISUSE_REPORTED)
{
	return dma_buf_attachment_importer_name(NULL) != NULL;
}

MISUSE_CASE(dma_buf_attachment_priv, null, MISUSE_REPORTED)
{
	return dma_buf_attachment_priv(NULL) == NULL;
}

MISUSE_CASE(dma_buf_attachment_set_priv, null, MISUSE_REPORTED)
{
	dma_buf_attachment_set_priv(NULL, &imp);
	return true;
}

MISUSE_CASE(dma_buf_attachment_mapped, null, MISUSE_REPORTED)
{
	return dma_buf_attachment_mapped(NULL) == 0;
}

MISUSE_CASE(dma_buf_attachment_mapped, without_lock, MISUSE_REPORTED)
{
	return dma_buf_attachment_mapped(attached(0)) == 0;
}

MISUSE_CASE(dma_buf_attachment_unmap_latency, null, MISUSE_REPORTED)
{
	return dma_buf_attachment_unmap_latency(NULL) == -1;
}

MISUSE_CASE(dma_buf_attachment_unmap_latency, without_lock, MISUSE_REPORTED)
{
	return dma_buf_attachment_unmap_latency(attached(0)) == -1;
}

MISUSE_CASE(dma_buf_pin, null, MISUSE_REPORTED)
{
	return dma_buf_pin(NULL) == -EINVAL;
}

MISUSE_CASE(dma_buf_pin, without_lock, MISUSE_REPORTED)
{
	return dma_buf_pin(attached(MOCK_EXP_PIN)) == -EINVAL &&
	       atomic_load(&me.pin_calls) == 0;
}

MISUSE_CASE(dma_buf_unpin, null, MISUSE_REPORTED)
{
	dma_buf_unpin(NULL);
	return true;
}

MISUSE_CASE(dma_buf_unpin, without_pin, MISUSE_REPORTED)
{
	struct dma_buf_attachment *attach = attached(MOCK_EXP_PIN);

	lock(attach);
	dma_buf_unpin(attach);
	return atomic_load(&me.unpin_calls) == 0;
}

MISUSE_CASE(dma_buf_map_attachment, null, MISUSE_REPORTED)
{
	return !dma_buf_map_attachment(NULL, DMA_BIDIRECTIONAL) &&
	       errno == EINVAL;
}

MISUSE_CASE(dma_buf_map_attachment, without_lock, MISUSE_REPORTED)
{
	return !dma_buf_map_attachment(attached(0), DMA_BIDIRECTIONAL) &&
	       errno == EINVAL && atomic_load(&me.map_calls) == 0;
}

MISUSE_CASE(dma_buf_map_attachment, after_revoke, MISUSE_SILENT)
{
	struct dma_buf_attachment *attach = attached(MOCK_EXP_REVOCABLE);

	dmb_revocable_revoke(me.rev, NULL);
	lock(attach);
	/* an ordinary refusal the importer must expect (R8): no report */
	return !dma_buf_map_attachment(attach, DMA_BIDIRECTIONAL) &&
	       errno == ENODEV;
}

MISUSE_CASE(dma_buf_unmap_attachment, null_attach, MISUSE_REPORTED)
{
	dma_buf_unmap_attachment(NULL, NULL, DMA_BIDIRECTIONAL);
	return true;
}

MISUSE_CASE(dma_buf_unmap_attachment, null_table, MISUSE_REPORTED)
{
	struct dma_buf_attachment *attach = attached(0);

	lock(attach);
	dma_buf_unmap_attachment(attach, NULL, DMA_BIDIRECTIONAL);
	return atomic_load(&me.unmap_calls) == 0;
}

MISUSE_CASE(dma_buf_unmap_attachment, twice, MISUSE_REPORTED)
{
	struct dma_buf_attachment *attach = attached(0);
	struct sg_table *sgt;

	lock(attach);
	sgt = dma_buf_map_attachment(attach, DMA_BIDIRECTIONAL);
	dma_buf_unmap_attachment(attach, sgt, DMA_BIDIRECTIONAL);
	dma_buf_unmap_attachment(attach, sgt, DMA_BIDIRECTIONAL);
	return atomic_load(&me.unmap_calls) == 1;
}

MISUSE_CASE(dma_buf_unmap_attachment, without_lock, MISUSE_REPORTED)
{
	struct dma_buf_attachment *attach = attached(0);
	struct sg_table *sgt;

	lock(attach);
	sgt = dma_buf_map_attachment(attach, DMA_BIDIRECTIONAL);
	dma_resv_unlock(dma_buf_resv(imp.dmabuf));
	dma_buf_unmap_attachment(attach, sgt, DMA_BIDIRECTIONAL);
	return atomic_load(&me.unmap_calls) == 0;
}

MISUSE_CASE(dma_buf_map_attachment_unlocked, null, MISUSE_REPORTED)
{
	return !dma_buf_map_attachment_unlocked(NULL, DMA_BIDIRECTIONAL) &&
	       errno == EINVAL;
}

MISUSE_CASE(dma_buf_map_attachment_unlocked, resv_held, MISUSE_REPORTED)
{
	struct dma_buf_attachment *attach = attached(0);

	lock(attach);
	return !dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL) &&
	       errno == EINVAL;
}

MISUSE_CASE(dma_buf_unmap_attachment_unlocked, null, MISUSE_REPORTED)
{
	dma_buf_unmap_attachment_unlocked(NULL, NULL, DMA_BIDIRECTIONAL);
	return true;
}

MISUSE_CASE(dma_buf_unmap_attachment_unlocked, not_mapped, MISUSE_REPORTED)
{
	static struct sg_table bogus;

	dma_buf_unmap_attachment_unlocked(attached(0), &bogus, DMA_BIDIRECTIONAL);
	return atomic_load(&me.unmap_calls) == 0;
}

MISUSE_CASE(dma_buf_invalidate_mappings, null, MISUSE_REPORTED)
{
	dma_buf_invalidate_mappings(NULL);
	return true;
}

MISUSE_CASE(dma_buf_invalidate_mappings, without_lock, MISUSE_REPORTED)
{
	attached(0);
	dma_buf_invalidate_mappings(imp.dmabuf);
	return atomic_load(&imp.invalidate_calls) == 0;
}

MISUSE_CASE(dma_buf_mapping_token, null, MISUSE_REPORTED)
{
	return !dma_buf_mapping_token(NULL, NULL) && errno == EINVAL;
}

MISUSE_CASE(dma_buf_mapping_token, without_lock, MISUSE_REPORTED)
{
	static struct sg_table bogus;

	return !dma_buf_mapping_token(attached(0), &bogus) && errno == EINVAL;
}

MISUSE_CASE(dma_buf_begin_cpu_access, null, MISUSE_REPORTED)
{
	return dma_buf_begin_cpu_access(NULL, DMA_TO_DEVICE) == -EINVAL;
}

MISUSE_CASE(dma_buf_begin_cpu_access, resv_held, MISUSE_REPORTED)
{
	struct dma_buf *b = buf(0);

	dma_resv_lock(dma_buf_resv(b), NULL);
	return dma_buf_begin_cpu_access(b, DMA_TO_DEVICE) == -EINVAL;
}

MISUSE_CASE(dma_buf_end_cpu_access, null, MISUSE_REPORTED)
{
	return dma_buf_end_cpu_access(NULL, DMA_TO_DEVICE) == -EINVAL;
}

MISUSE_CASE(dma_buf_vmap, null_buf, MISUSE_REPORTED)
{
	void *vaddr;

	return dma_buf_vmap(NULL, &vaddr) == -EINVAL;
}

MISUSE_CASE(dma_buf_vmap, null_vaddr, MISUSE_REPORTED)
{
	struct dma_buf *b = buf(0);

	dma_resv_lock(dma_buf_resv(b), NULL);
	return dma_buf_vmap(b, NULL) == -EINVAL;
}

MISUSE_CASE(dma_buf_vmap, without_lock, MISUSE_REPORTED)
{
	void *vaddr;

	return dma_buf_vmap(buf(0), &vaddr) == -EINVAL;
}

MISUSE_CASE(dmb_dma_buf_mmap_fd, null, MISUSE_REPORTED)
{
	return dmb_dma_buf_mmap_fd(NULL) == -EINVAL;
}

MISUSE_CASE(dmb_dma_buf_mmap_fd, without_lock, MISUSE_REPORTED)
{
	return dmb_dma_buf_mmap_fd(buf(0)) == -EINVAL;
}

/* An exporter without the op: a runtime answer, not a misuse. */
MISUSE_CASE(dmb_dma_buf_mmap_fd, no_op, MISUSE_SILENT)
{
	struct dma_buf *b = buf(0);

	dma_resv_lock(dma_buf_resv(b), NULL);
	return dmb_dma_buf_mmap_fd(b) == -EOPNOTSUPP;
}

MISUSE_CASE(dma_buf_vunmap, null, MISUSE_REPORTED)
{
	dma_buf_vunmap(NULL, NULL);
	return true;
}

MISUSE_CASE(dma_buf_vunmap, not_vmapped, MISUSE_REPORTED)
{
	struct dma_buf *b = buf(0);

	dma_resv_lock(dma_buf_resv(b), NULL);
	dma_buf_vunmap(b, &me);
	return atomic_load(&me.vunmap_calls) == 0;
}

MISUSE_CASE(dma_buf_vmap_unlocked, null_buf, MISUSE_REPORTED)
{
	void *vaddr;

	return dma_buf_vmap_unlocked(NULL, &vaddr) == -EINVAL;
}

MISUSE_CASE(dma_buf_vmap_unlocked, null_vaddr, MISUSE_REPORTED)
{
	return dma_buf_vmap_unlocked(buf(0), NULL) == -EINVAL;
}

MISUSE_CASE(dma_buf_vunmap_unlocked, null, MISUSE_REPORTED)
{
	dma_buf_vunmap_unlocked(NULL, NULL);
	return true;
}

MISUSE_CASE(dma_buf_debug_dump, null, MISUSE_REPORTED)
{
	dma_buf_debug_dump(NULL);
	return true;
}

/* dma-buf-revoke.h */

MISUSE_CASE(dmb_revocable_create, null_buf, MISUSE_REPORTED)
{
	return !dmb_revocable_create(NULL, NULL) && errno == EINVAL;
}

MISUSE_CASE(dmb_revocable_destroy, null, MISUSE_SILENT)
{
	dmb_revocable_destroy(NULL);
	return true;
}

MISUSE_CASE(dmb_revocable_set_policy, null_rev, MISUSE_REPORTED)
{
	static const struct dmb_revoke_policy policy;

	return dmb_revocable_set_policy(NULL, &policy) == -EINVAL;
}

MISUSE_CASE(dmb_revocable_set_policy, null_policy, MISUSE_REPORTED)
{
	buf(MOCK_EXP_REVOCABLE);
	return dmb_revocable_set_policy(me.rev, NULL) == -EINVAL;
}

MISUSE_CASE(dmb_revocable_attach, null_rev, MISUSE_REPORTED)
{
	return dmb_revocable_attach(NULL, attached(0), 0) == -EINVAL;
}

MISUSE_CASE(dmb_revocable_attach, null_attach, MISUSE_REPORTED)
{
	buf(MOCK_EXP_REVOCABLE);
	return dmb_revocable_attach(me.rev, NULL, 0) == -EINVAL;
}

MISUSE_CASE(dmb_revocable_map, null, MISUSE_REPORTED)
{
	return dmb_revocable_map(NULL) == -EINVAL;
}

MISUSE_CASE(dmb_revocable_map, without_lock, MISUSE_REPORTED)
{
	buf(MOCK_EXP_REVOCABLE);
	return dmb_revocable_map(me.rev) == -EINVAL;
}

MISUSE_CASE(dmb_revocable_unmap, null, MISUSE_REPORTED)
{
	dmb_revocable_unmap(NULL);
	return true;
}

MISUSE_CASE(dmb_revocable_revoke, null, MISUSE_REPORTED)
{
	return dmb_revocable_revoke(NULL, NULL) == -EINVAL;
}

MISUSE_CASE(dmb_revocable_revoke, resv_held, MISUSE_REPORTED)
{
	buf(MOCK_EXP_REVOCABLE);
	dma_resv_lock(dma_buf_resv(me.dmabuf), NULL);
	return dmb_revocable_revoke(me.rev, NULL) == -EINVAL &&
	       !dmb_revocable_is_revoked(me.rev);
}

MISUSE_CASE(dmb_revocable_taken_back, null, MISUSE_REPORTED)
{
	dmb_revocable_taken_back(NULL);
	return true;
}

/* Before any revoke there is no cut to account for: silently nothing. */
MISUSE_CASE(dmb_revocable_taken_back, never_revoked, MISUSE_SILENT)
{
	buf(MOCK_EXP_REVOCABLE);
	dmb_revocable_taken_back(me.rev);
	dmb_revocable_taken_back(me.rev);
	return !dmb_revocable_is_revoked(me.rev);
}

MISUSE_CASE(dmb_revocable_unrevoke, null, MISUSE_REPORTED)
{
	return dmb_revocable_unrevoke(NULL) == -EINVAL;
}

MISUSE_CASE(dmb_revocable_is_revoked, null, MISUSE_REPORTED)
{
	return !dmb_revocable_is_revoked(NULL);
}

MISUSE_CASE(dmb_revocable_mappings, null, MISUSE_REPORTED)
{
	return dmb_revocable_mappings(NULL) == 0;
}
