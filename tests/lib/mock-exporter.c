// SPDX-License-Identifier: MIT
/*
 * mock-exporter.c - a counting exporter over malloc()ed memory, and mock
 * importers: static, dynamic without invalidate_mappings, and revocable.
 *
 * The exporter keeps no list of its own mappings: each table is embedded in
 * a small record that remembers whether the revoke helper counted it, so the
 * unmap op lowers the helper's count exactly when map raised it (a buggy
 * map that skipped the helper must not make unmap uncount).
 *
 * Locking: ops that run with the resv lock held are serialised by it; the
 * others touch only atomics and the log mutex.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dmabuf/compiler.h>

#include "harness.h"
#include "mock-exporter.h"

static atomic_long live;

struct mock_table {
	struct sg_table sgt;
	bool counted;		/* dmb_revocable_map() counted it */
};

static struct mock_exporter *to_mock(struct dma_buf *dmabuf)
{
	return dma_buf_priv(dmabuf);
}

static struct mock_exporter *attach_to_mock(struct dma_buf_attachment *attach)
{
	return to_mock(dma_buf_attachment_dmabuf(attach));
}

static void mock_log(struct mock_exporter *me, const char *op)
{
	size_t len;

	pthread_mutex_lock(&me->log_lock);
	len = strlen(me->log);
	snprintf(me->log + len, sizeof(me->log) - len, "%s%s", len ? "," : "", op);
	pthread_mutex_unlock(&me->log_lock);
}

/* An op the convention runs under the resv lock: count it if it did not. */
static bool expect_locked(struct mock_exporter *me, struct dma_buf *dmabuf)
{
	bool held = dma_resv_held(dma_buf_resv(dmabuf));

	if (!held)
		atomic_fetch_add(&me->ops_unlocked, 1);
	return held;
}

/* An op the convention runs without it (the op may take it itself). */
static void expect_unlocked(struct mock_exporter *me, struct dma_buf *dmabuf)
{
	if (dma_resv_held(dma_buf_resv(dmabuf)))
		atomic_fetch_add(&me->ops_locked, 1);
}

static int mock_attach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct mock_exporter *me = to_mock(dmabuf);
	unsigned int index;
	int ret;

	atomic_fetch_add(&me->attach_calls, 1);
	mock_log(me, "attach");
	expect_unlocked(me, dmabuf);
	if (me->attach_error)
		return me->attach_error;
	if (me->rev) {
		ret = dmb_revocable_attach(me->rev, attach, me->revocable_flags);
		if (ret)
			return ret;
	}
	/*
	 * The index only picks a distinct device address per attachment;
	 * atomic, as attach ops run without the resv lock, concurrently.
	 */
	index = atomic_fetch_add(&me->next_index, 1);
	dma_buf_attachment_set_priv(attach, (void *)(uintptr_t)index);
	return 0;
}

static void mock_detach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct mock_exporter *me = to_mock(dmabuf);

	atomic_fetch_add(&me->detach_calls, 1);
	mock_log(me, "detach");
	expect_unlocked(me, dmabuf);
}

static int mock_pin(struct dma_buf_attachment *attach)
{
	struct mock_exporter *me = attach_to_mock(attach);

	atomic_fetch_add(&me->pin_calls, 1);
	mock_log(me, "pin");
	expect_locked(me, dma_buf_attachment_dmabuf(attach));
	if (me->pin_error)
		return me->pin_error;
	atomic_fetch_add(&me->pin_count, 1);
	return 0;
}

static void mock_unpin(struct dma_buf_attachment *attach)
{
	struct mock_exporter *me = attach_to_mock(attach);

	atomic_fetch_add(&me->unpin_calls, 1);
	mock_log(me, "unpin");
	expect_locked(me, dma_buf_attachment_dmabuf(attach));
	atomic_fetch_sub(&me->pin_count, 1);
}

static int mock_map(struct dma_buf_attachment *attach,
		    enum dma_data_direction dir, struct sg_table **sgt)
{
	struct mock_exporter *me = attach_to_mock(attach);
	uintptr_t index = (uintptr_t)dma_buf_attachment_priv(attach);
	struct mock_table *t;
	bool counted = false;
	int ret;

	atomic_fetch_add(&me->map_calls, 1);
	mock_log(me, "map");
	me->map_saw_lock = expect_locked(me, dma_buf_attachment_dmabuf(attach));
	if (me->map_error)
		return me->map_error;
	if (!me->buggy_map_while_revoked) {
		if (me->revoked)
			return -ENODEV;
		if (me->rev) {
			ret = dmb_revocable_map(me->rev);
			if (ret)
				return ret;
			counted = true;
		}
	}

	t = calloc(1, sizeof(*t));
	if (!t) {
		ret = -ENOMEM;
		goto err_uncount;
	}
	ret = sg_alloc_table(&t->sgt, 1);
	if (ret)
		goto err_free;
	t->counted = counted;
	t->sgt.sgl[0].phys_addr = (uintptr_t)me->mem;
	t->sgt.sgl[0].length = me->size;
	t->sgt.sgl[0].dma_address = MOCK_DMA_BASE + index * MOCK_DMA_STRIDE;
	t->sgt.sgl[0].dma_length = me->size;
	atomic_fetch_add(&me->live_tables, 1);
	*sgt = &t->sgt;
	return 0;

err_free:
	free(t);
err_uncount:
	if (counted)
		dmb_revocable_unmap(me->rev);
	return ret;
}

static void mock_unmap(struct dma_buf_attachment *attach, struct sg_table *sgt,
		       enum dma_data_direction dir)
{
	struct mock_exporter *me = attach_to_mock(attach);
	struct mock_table *t = dmb_container_of(sgt, struct mock_table, sgt);
	bool counted = t->counted;

	atomic_fetch_add(&me->unmap_calls, 1);
	mock_log(me, "unmap");
	me->unmap_saw_lock = expect_locked(me, dma_buf_attachment_dmabuf(attach));
	sg_free_table(&t->sgt);
	free(t);
	atomic_fetch_sub(&me->live_tables, 1);
	/* Only after the table is gone may the revoke helper's wait end. */
	if (counted)
		dmb_revocable_unmap(me->rev);
	if (counted && me->extra_revocable_unmaps) {
		me->extra_revocable_unmaps--;
		dmb_revocable_unmap(me->rev);
	}
}

static void mock_release(struct dma_buf *dmabuf)
{
	struct mock_exporter *me = to_mock(dmabuf);

	atomic_fetch_add(&me->release_calls, 1);
	mock_log(me, "release");
	expect_unlocked(me, dmabuf);
	if (me->rev) {
		dmb_revocable_destroy(me->rev);
		me->rev = NULL;
	}
	free(me->mem);
	me->mem = NULL;
	atomic_fetch_sub(&live, 1);
}

static int mock_begin_cpu_access(struct dma_buf *dmabuf,
				 enum dma_data_direction dir)
{
	struct mock_exporter *me = to_mock(dmabuf);

	atomic_fetch_add(&me->begin_cpu_calls, 1);
	mock_log(me, "begin_cpu");
	expect_unlocked(me, dmabuf);
	me->begin_cpu_dir = dir;
	/* Which fences the core waited for before calling us. */
	me->begin_cpu_writers_idle = dma_resv_test_signaled(dma_buf_resv(dmabuf),
							    DMA_RESV_USAGE_WRITE);
	me->begin_cpu_all_idle = dma_resv_test_signaled(dma_buf_resv(dmabuf),
							DMA_RESV_USAGE_BOOKKEEP);
	return 0;
}

static int mock_end_cpu_access(struct dma_buf *dmabuf, enum dma_data_direction dir)
{
	struct mock_exporter *me = to_mock(dmabuf);

	atomic_fetch_add(&me->end_cpu_calls, 1);
	mock_log(me, "end_cpu");
	expect_unlocked(me, dmabuf);
	return 0;
}

static int mock_vmap(struct dma_buf *dmabuf, void **vaddr)
{
	struct mock_exporter *me = to_mock(dmabuf);

	atomic_fetch_add(&me->vmap_calls, 1);
	mock_log(me, "vmap");
	expect_locked(me, dmabuf);
	*vaddr = me->mem;
	return 0;
}

static void mock_vunmap(struct dma_buf *dmabuf, void *vaddr)
{
	struct mock_exporter *me = to_mock(dmabuf);

	atomic_fetch_add(&me->vunmap_calls, 1);
	mock_log(me, "vunmap");
	expect_locked(me, dmabuf);
}

const struct dma_buf_ops mock_exporter_ops_pin = {
	.attach = mock_attach,
	.detach = mock_detach,
	.pin = mock_pin,
	.unpin = mock_unpin,
	.map_dma_buf = mock_map,
	.unmap_dma_buf = mock_unmap,
	.release = mock_release,
	.begin_cpu_access = mock_begin_cpu_access,
	.end_cpu_access = mock_end_cpu_access,
	.vmap = mock_vmap,
	.vunmap = mock_vunmap,
};

const struct dma_buf_ops mock_exporter_ops_nopin = {
	.attach = mock_attach,
	.detach = mock_detach,
	.map_dma_buf = mock_map,
	.unmap_dma_buf = mock_unmap,
	.release = mock_release,
	.begin_cpu_access = mock_begin_cpu_access,
	.end_cpu_access = mock_end_cpu_access,
	.vmap = mock_vmap,
	.vunmap = mock_vunmap,
};

const struct dma_buf_ops mock_exporter_ops_minimal = {
	.map_dma_buf = mock_map,
	.unmap_dma_buf = mock_unmap,
	.release = mock_release,
};

struct dma_buf *mock_export_resv(struct mock_exporter *me, const char *name,
				 size_t size, unsigned int flags,
				 struct dma_resv *resv)
{
	struct dma_buf_export_info info = {
		.exp_name = name ? name : "mock",
		.size = size,
		.resv = resv,
		.priv = me,
	};

	memset(me, 0, sizeof(*me));
	pthread_mutex_init(&me->log_lock, NULL);
	me->size = size;
	me->mem = calloc(1, size);
	assert_non_null(me->mem);
	if (flags & MOCK_EXP_MINIMAL)
		info.ops = &mock_exporter_ops_minimal;
	else if (flags & MOCK_EXP_PIN)
		info.ops = &mock_exporter_ops_pin;
	else
		info.ops = &mock_exporter_ops_nopin;

	me->dmabuf = dma_buf_export(&info);
	assert_non_null(me->dmabuf);
	atomic_fetch_add(&live, 1);
	if (flags & MOCK_EXP_REVOCABLE) {
		me->rev = dmb_revocable_create(me->dmabuf, NULL);
		assert_non_null(me->rev);
	}
	return me->dmabuf;
}

struct dma_buf *mock_export(struct mock_exporter *me, const char *name,
			    size_t size, unsigned int flags)
{
	return mock_export_resv(me, name, size, flags, NULL);
}

void mock_exporter_clear_log(struct mock_exporter *me)
{
	pthread_mutex_lock(&me->log_lock);
	me->log[0] = '\0';
	pthread_mutex_unlock(&me->log_lock);
}

long mock_exporter_live(void)
{
	return atomic_load(&live);
}

static void mock_invalidate_mappings(struct dma_buf_attachment *attach)
{
	struct mock_importer *imp = dma_buf_attachment_importer_priv(attach);
	struct dma_buf *dmabuf = dma_buf_attachment_dmabuf(attach);

	atomic_fetch_add(&imp->invalidate_calls, 1);
	if (!dma_resv_held(dma_buf_resv(dmabuf)))
		atomic_fetch_add(&imp->invalidate_unlocked, 1);
	if (!imp->sgt)
		return;
	atomic_fetch_add(&imp->invalidate_mapped, 1);
	/* Like an ODP importer: zap and unmap at once (the lock is held). */
	if (imp->unmap_in_invalidate) {
		dma_buf_unmap_attachment(attach, imp->sgt, imp->dir);
		imp->sgt = NULL;
	}
}

const struct dma_buf_attach_ops mock_importer_ops_dynamic = {
	.name = "mock-dynamic",
};

const struct dma_buf_attach_ops mock_importer_ops_revocable = {
	.name = "mock-revocable",
	.invalidate_mappings = mock_invalidate_mappings,
};

const struct dma_buf_attach_ops mock_importer_ops_revocable_p2p = {
	.name = "mock-revocable-p2p",
	.allow_peer2peer = true,
	.invalidate_mappings = mock_invalidate_mappings,
};

void mock_importer_init(struct mock_importer *imp, const char *name)
{
	memset(imp, 0, sizeof(*imp));
	imp->dev.name = name;
	imp->dir = DMA_BIDIRECTIONAL;
}

struct dma_buf_attachment *mock_importer_attach(struct mock_importer *imp,
						struct dma_buf *dmabuf,
						const struct dma_buf_attach_ops *ops)
{
	imp->dmabuf = dmabuf;
	if (ops)
		imp->attach = dma_buf_dynamic_attach(dmabuf, &imp->dev, ops, imp);
	else
		imp->attach = dma_buf_attach(dmabuf, &imp->dev);
	return imp->attach;
}

struct sg_table *mock_importer_map(struct mock_importer *imp)
{
	imp->sgt = dma_buf_map_attachment_unlocked(imp->attach, imp->dir);
	return imp->sgt;
}

void mock_importer_unmap(struct mock_importer *imp)
{
	struct sg_table *sgt = imp->sgt;

	imp->sgt = NULL;
	dma_buf_unmap_attachment_unlocked(imp->attach, sgt, imp->dir);
}

void mock_importer_detach(struct mock_importer *imp)
{
	dma_buf_detach(imp->dmabuf, imp->attach);
	imp->attach = NULL;
}
