// SPDX-License-Identifier: MIT
/*
 * test-dma-buf-callouts.c - a callback that drops the buffer's last
 * reference from inside a call out of the core (issue #10, defect 3).
 *
 * Drivers do it: an importer puts its buffer from invalidate_mappings, an
 * exporter op drops a reference it was keeping. For every callout the core
 * makes - the importer's invalidate_mappings (from a revoke and from a
 * direct invalidate), the exporter's attach, detach, map, unmap, pin and
 * unpin - the case's only reference is dropped inside the callback. The
 * buffer must not be released while the core still stands on it (ASan
 * fails the run on a use-after-free; the plain build used to spin), and it
 * must be released exactly once, after the call: the exporter counts its
 * release op, and the callback records the count it saw.
 *
 * The resv is the case's own (a shared resv), so a release that runs while
 * the case holds the lock frees nothing the case still uses.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include <dmabuf/debug.h>
#include <dmabuf/dma-buf-revoke.h>
#include <dmabuf/dma-buf.h>

#include "harness.h"

enum drop_in {
	DROP_NONE,
	DROP_ATTACH,
	DROP_DETACH,
	DROP_MAP,
	DROP_UNMAP,
	DROP_PIN,
	DROP_UNPIN,
	DROP_INVALIDATE,
	DROP_VMAP,
	DROP_VUNMAP,
};

/* Shared with the callbacks; th_alloc()ed, outlives the buffer. */
struct cx {
	struct dma_resv resv;
	struct dma_buf *buf;
	struct dmb_revocable *rev;
	struct device dev;
	struct dma_buf_attachment *attach;
	struct sg_table table[4];
	unsigned int next_table;
	enum drop_in drop_in;
	atomic_uint releases;
	unsigned int releases_in_callback;	/* -1u: the callback did not drop */
	unsigned int drops;
};

static void drop_here(struct cx *cx, enum drop_in where)
{
	if (cx->drop_in != where)
		return;
	cx->drop_in = DROP_NONE;
	cx->drops++;
	dma_buf_put(cx->buf);
	/* Still inside the core's call: the release must not have run. */
	cx->releases_in_callback = atomic_load(&cx->releases);
}

static struct cx *buf_cx(struct dma_buf *buf)
{
	return dma_buf_priv(buf);
}

static struct cx *attach_cx(struct dma_buf_attachment *a)
{
	return buf_cx(dma_buf_attachment_dmabuf(a));
}

static int cx_attach(struct dma_buf *buf, struct dma_buf_attachment *a)
{
	drop_here(buf_cx(buf), DROP_ATTACH);
	return 0;
}

static void cx_detach(struct dma_buf *buf, struct dma_buf_attachment *a)
{
	drop_here(buf_cx(buf), DROP_DETACH);
}

static int cx_pin(struct dma_buf_attachment *a)
{
	drop_here(attach_cx(a), DROP_PIN);
	return 0;
}

static void cx_unpin(struct dma_buf_attachment *a)
{
	drop_here(attach_cx(a), DROP_UNPIN);
}

static int cx_map(struct dma_buf_attachment *a, enum dma_data_direction dir,
		  struct sg_table **sgt)
{
	struct cx *cx = attach_cx(a);
	int ret = cx->rev ? dmb_revocable_map(cx->rev) : 0;

	if (ret)
		return ret;
	*sgt = &cx->table[cx->next_table++ % 4];
	drop_here(cx, DROP_MAP);
	return 0;
}

static void cx_unmap(struct dma_buf_attachment *a, struct sg_table *sgt,
		     enum dma_data_direction dir)
{
	struct cx *cx = attach_cx(a);

	if (cx->rev)
		dmb_revocable_unmap(cx->rev);
	drop_here(cx, DROP_UNMAP);
}

static int cx_vmap(struct dma_buf *buf, void **vaddr)
{
	struct cx *cx = buf_cx(buf);

	*vaddr = cx->table;
	drop_here(cx, DROP_VMAP);
	return 0;
}

static void cx_vunmap(struct dma_buf *buf, void *vaddr)
{
	drop_here(buf_cx(buf), DROP_VUNMAP);
}

static void cx_release(struct dma_buf *buf)
{
	struct cx *cx = buf_cx(buf);

	dmb_revocable_destroy(cx->rev);
	cx->rev = NULL;
	atomic_fetch_add(&cx->releases, 1);
}

static const struct dma_buf_ops cx_ops = {
	.attach = cx_attach,
	.detach = cx_detach,
	.pin = cx_pin,
	.unpin = cx_unpin,
	.map_dma_buf = cx_map,
	.unmap_dma_buf = cx_unmap,
	.vmap = cx_vmap,
	.vunmap = cx_vunmap,
	.release = cx_release,
};

/* An ODP-style importer: unmaps inside invalidate, then maybe drops. */
static struct sg_table *imp_sgt;

static void cx_invalidate(struct dma_buf_attachment *a)
{
	struct cx *cx = attach_cx(a);

	if (imp_sgt) {
		dma_buf_unmap_attachment(a, imp_sgt, DMA_BIDIRECTIONAL);
		imp_sgt = NULL;
	}
	drop_here(cx, DROP_INVALIDATE);
}

static const struct dma_buf_attach_ops cx_importer = {
	.name = "dropper",
	.invalidate_mappings = cx_invalidate,
};

static struct cx *cx_export(bool revocable)
{
	struct cx *cx = th_alloc(sizeof(*cx));
	struct dma_buf_export_info info = {
		.exp_name = "callouts", .size = 4096, .ops = &cx_ops,
		.priv = cx, .resv = &cx->resv,
	};

	dma_resv_init(&cx->resv);
	cx->dev.name = "dropper-dev";
	cx->releases_in_callback = -1u;
	imp_sgt = NULL;
	cx->buf = dma_buf_export(&info);
	assert_non_null(cx->buf);
	if (revocable) {
		cx->rev = dmb_revocable_create(cx->buf, NULL);
		assert_non_null(cx->rev);
	}
	return cx;
}

static void cx_attach_dynamic(struct cx *cx)
{
	cx->attach = dma_buf_dynamic_attach(cx->buf, &cx->dev, &cx_importer, NULL);
	assert_non_null(cx->attach);
}

/* The callback dropped the last reference; the release ran once, after. */
static void assert_released_once_after(struct cx *cx)
{
	assert_int_equal(cx->drops, 1);
	assert_int_equal(cx->releases_in_callback, 0);
	assert_int_equal(atomic_load(&cx->releases), 1);
	dma_resv_fini(&cx->resv);
}

/* The release found the attachment the case left (V9), and cleaned it up. */
static void claim_leftover_attachment(void)
{
	assert_true(th_take_report(DMB_DIAG_VIOLATION,
				   "last reference dropped while attachments remain"));
}

/* invalidate_mappings drops the last reference during a revoke. */
static void drop_in_invalidate_during_revoke(void **state)
{
	struct cx *cx = cx_export(true);

	cx_attach_dynamic(cx);
	imp_sgt = dma_buf_map_attachment_unlocked(cx->attach, DMA_BIDIRECTIONAL);
	assert_non_null(imp_sgt);
	cx->drop_in = DROP_INVALIDATE;
	assert_int_equal(dmb_revocable_revoke(cx->rev, NULL), 0);
	claim_leftover_attachment();
	assert_released_once_after(cx);
}

/* The same from a direct invalidate, with a second attachment after it. */
static void drop_in_invalidate_direct(void **state)
{
	struct cx *cx = cx_export(false);
	struct dma_buf_attachment *second;

	cx_attach_dynamic(cx);
	second = dma_buf_dynamic_attach(cx->buf, &cx->dev, &cx_importer, NULL);
	assert_non_null(second);
	cx->drop_in = DROP_INVALIDATE;
	dma_resv_lock(&cx->resv, NULL);
	dma_buf_invalidate_mappings(cx->buf);
	dma_resv_unlock(&cx->resv);
	claim_leftover_attachment();
	assert_released_once_after(cx);
}

/* The exporter's attach op drops the last reference: the attach fails. */
static void drop_in_attach(void **state)
{
	struct cx *cx = cx_export(false);

	cx->drop_in = DROP_ATTACH;
	assert_null(dma_buf_dynamic_attach(cx->buf, &cx->dev, &cx_importer, NULL));
	assert_int_equal(errno, ENODEV);
	assert_released_once_after(cx);
}

static void drop_in_detach(void **state)
{
	struct cx *cx = cx_export(false);

	cx_attach_dynamic(cx);
	cx->drop_in = DROP_DETACH;
	dma_buf_detach(cx->buf, cx->attach);
	assert_released_once_after(cx);
}

static void drop_in_map(void **state)
{
	struct cx *cx = cx_export(true);
	struct sg_table *sgt;

	cx_attach_dynamic(cx);
	cx->drop_in = DROP_MAP;
	dma_resv_lock(&cx->resv, NULL);
	sgt = dma_buf_map_attachment(cx->attach, DMA_BIDIRECTIONAL);
	dma_resv_unlock(&cx->resv);
	assert_non_null(sgt);
	claim_leftover_attachment();
	assert_true(th_take_report(DMB_DIAG_VIOLATION, "detach with 1 live mapping"));
	assert_released_once_after(cx);
}

static void drop_in_unmap(void **state)
{
	struct cx *cx = cx_export(true);
	struct sg_table *sgt;

	cx_attach_dynamic(cx);
	dma_resv_lock(&cx->resv, NULL);
	sgt = dma_buf_map_attachment(cx->attach, DMA_BIDIRECTIONAL);
	assert_non_null(sgt);
	cx->drop_in = DROP_UNMAP;
	dma_buf_unmap_attachment(cx->attach, sgt, DMA_BIDIRECTIONAL);
	dma_resv_unlock(&cx->resv);
	claim_leftover_attachment();
	assert_released_once_after(cx);
}

static void drop_in_unmap_unlocked(void **state)
{
	struct cx *cx = cx_export(true);
	struct sg_table *sgt;

	cx_attach_dynamic(cx);
	sgt = dma_buf_map_attachment_unlocked(cx->attach, DMA_BIDIRECTIONAL);
	assert_non_null(sgt);
	cx->drop_in = DROP_UNMAP;
	dma_buf_unmap_attachment_unlocked(cx->attach, sgt, DMA_BIDIRECTIONAL);
	claim_leftover_attachment();
	assert_released_once_after(cx);
}

static void drop_in_pin(void **state)
{
	struct cx *cx = cx_export(false);

	cx_attach_dynamic(cx);
	cx->drop_in = DROP_PIN;
	dma_resv_lock(&cx->resv, NULL);
	assert_int_equal(dma_buf_pin(cx->attach), 0);
	dma_resv_unlock(&cx->resv);
	claim_leftover_attachment();
	th_assert_warned("while pinned 1 time(s)");
	assert_released_once_after(cx);
}

static void drop_in_unpin(void **state)
{
	struct cx *cx = cx_export(false);

	cx_attach_dynamic(cx);
	dma_resv_lock(&cx->resv, NULL);
	assert_int_equal(dma_buf_pin(cx->attach), 0);
	cx->drop_in = DROP_UNPIN;
	dma_buf_unpin(cx->attach);
	dma_resv_unlock(&cx->resv);
	claim_leftover_attachment();
	assert_released_once_after(cx);
}

static void drop_in_vmap(void **state)
{
	struct cx *cx = cx_export(false);
	void *vaddr;

	cx->drop_in = DROP_VMAP;
	dma_resv_lock(&cx->resv, NULL);
	assert_int_equal(dma_buf_vmap(cx->buf, &vaddr), 0);
	assert_ptr_equal(vaddr, cx->table);
	dma_resv_unlock(&cx->resv);
	/* Released with its vmap: the release takes it back, with a WARN. */
	th_assert_warned("released while vmapped 1 times");
	assert_released_once_after(cx);
}

static void drop_in_vunmap(void **state)
{
	struct cx *cx = cx_export(false);
	void *vaddr;

	dma_resv_lock(&cx->resv, NULL);
	assert_int_equal(dma_buf_vmap(cx->buf, &vaddr), 0);
	cx->drop_in = DROP_VUNMAP;
	dma_buf_vunmap(cx->buf, vaddr);
	dma_resv_unlock(&cx->resv);
	assert_released_once_after(cx);
}

/*
 * Production mode's map and unmap fast paths keep the same guard. Last in
 * the list: the switch to production mode is one-way. Each case maps and
 * unmaps once before the call under test, so that call runs on an inline
 * record a fast-path unmap freed.
 */
static struct cx *cx_production_mapped_once(void)
{
	struct cx *cx;
	struct sg_table *sgt;

	assert_int_equal(dmb_debug_set(false), 0);
	cx = cx_export(true);
	cx_attach_dynamic(cx);
	dma_resv_lock(&cx->resv, NULL);
	sgt = dma_buf_map_attachment(cx->attach, DMA_BIDIRECTIONAL);
	assert_non_null(sgt);
	dma_buf_unmap_attachment(cx->attach, sgt, DMA_BIDIRECTIONAL);
	dma_resv_unlock(&cx->resv);
	return cx;
}

static void drop_in_map_production(void **state)
{
	struct cx *cx = cx_production_mapped_once();
	struct sg_table *sgt;

	cx->drop_in = DROP_MAP;
	dma_resv_lock(&cx->resv, NULL);
	sgt = dma_buf_map_attachment(cx->attach, DMA_BIDIRECTIONAL);
	dma_resv_unlock(&cx->resv);
	assert_non_null(sgt);
	claim_leftover_attachment();
	assert_true(th_take_report(DMB_DIAG_VIOLATION, "detach with 1 live mapping"));
	assert_released_once_after(cx);
}

static void drop_in_unmap_production(void **state)
{
	struct cx *cx = cx_production_mapped_once();
	struct sg_table *sgt;

	dma_resv_lock(&cx->resv, NULL);
	sgt = dma_buf_map_attachment(cx->attach, DMA_BIDIRECTIONAL);
	assert_non_null(sgt);
	cx->drop_in = DROP_UNMAP;
	dma_buf_unmap_attachment(cx->attach, sgt, DMA_BIDIRECTIONAL);
	dma_resv_unlock(&cx->resv);
	claim_leftover_attachment();
	assert_released_once_after(cx);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		TH_TEST(drop_in_invalidate_during_revoke),
		TH_TEST(drop_in_invalidate_direct),
		TH_TEST(drop_in_attach),
		TH_TEST(drop_in_detach),
		TH_TEST(drop_in_map),
		TH_TEST(drop_in_unmap),
		TH_TEST(drop_in_unmap_unlocked),
		TH_TEST(drop_in_pin),
		TH_TEST(drop_in_unpin),
		TH_TEST(drop_in_vmap),
		TH_TEST(drop_in_vunmap),
		TH_TEST(drop_in_map_production),	/* last: one-way switch */
		TH_TEST(drop_in_unmap_production),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
