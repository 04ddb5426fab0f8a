// SPDX-License-Identifier: MIT
/*
 * test-importer-broken.c - the three broken importers, each caught with its
 * own violation and named in the report: broken-no-unmap by the revoke's
 * unmap bound (V6), and released by destroying it; broken-write-after-
 * invalidate by the checker when its write starts (V4); broken-touch-after-
 * unmap by the checker and the IOMMU (V5, a fault, -EFAULT).
 */
#include "importer-fixture.h"

#define SHORT_BOUND_NS	(20 * NSEC_PER_MSEC)	/* real time: the revoke's unmap bound */

static const struct dmb_revoke_policy short_unmap_bound = {
	.wait = DMB_REVOKE_WARN_THEN_WAIT,
	.unmap_bound_ns = SHORT_BOUND_NS,
	.fence_bound_ns = FX_HANG_NS,
};

static struct dmb_importer *create(struct imp_fixture *f, enum dmb_importer_kind kind,
				   struct dma_buf *buf)
{
	struct dmb_importer *imp = dmb_importer_create(kind, f->dev, buf);

	assert_non_null(imp);
	return imp;
}

/*
 * Teardown hook: destroy the importer a failed case left, which is the
 * only unmap its revoke waits for, so the revoking thread can be joined.
 */
static void destroy_left_importer(void *arg)
{
	struct dmb_importer **imp = arg;

	if (*imp)
		dmb_importer_destroy(*imp);
}

/* V6/R11: a revocable importer that never unmaps is named at the bound; destroy releases it. */
static void no_unmap_is_v6(void **state)
{
	struct imp_fixture *f = *state;
	struct test_exporter *te = th_alloc(sizeof(*te));
	struct dmb_importer **left = th_alloc(sizeof(*left));
	struct dmb_importer *imp;
	struct fx_revoker *r = th_alloc(sizeof(*r));

	texp_export(te, f->space, f->devmem, TEXP_REVOCABLE, &short_unmap_bound);
	imp = create(f, DMB_IMPORTER_BROKEN_NO_UNMAP, te->buf);
	*left = imp;
	th_on_teardown(destroy_left_importer, left);
	assert_true(dma_buf_attach_revocable(dmb_importer_attachment(imp)));
	assert_int_equal(atomic_load(&te->maps), 1);	/* mapped at create */

	fx_revoke_start(r, te->rev);
	FX_WAIT_FOR(dmb_check_count(DMB_V6_UNMAP_TIMEOUT) == 1);
	assert_false(atomic_load(&r->done));		/* warned, still waiting */
	assert_int_equal(fx_stats(imp).invalidations, 1);
	fx_claim_violation(DMB_V6_UNMAP_TIMEOUT, "broken-no-unmap");

	*left = NULL;
	dmb_importer_destroy(imp);			/* its only unmap */
	fx_revoke_join(r);
	assert_int_equal(r->stats.warnings, 1);
	assert_int_equal(atomic_load(&te->unmaps), 1);
	texp_put(te);
}

/* V4/R6b: broken-no-unmap keeps using its mapping: reads pass, a write is V4. */
static void no_unmap_write_after_invalidate_is_v4(void **state)
{
	struct imp_fixture *f = *state;
	struct test_exporter *te = th_alloc(sizeof(*te));
	struct dmb_importer *imp;

	texp_export(te, f->space, f->devmem, TEXP_REVOCABLE, NULL);
	imp = create(f, DMB_IMPORTER_BROKEN_NO_UNMAP, te->buf);
	fx_invalidate(te->buf);
	assert_int_equal(dmb_importer_access(imp, false, 0, 64, NULL, NULL), 0);
	assert_int_equal(dmb_check_total(), 0);		/* read-and-discard */
	assert_int_equal(dmb_importer_access(imp, true, 0, 64, NULL, NULL), 0);
	fx_claim_violation(DMB_V4_DMA_AFTER_INVALIDATE, "broken-no-unmap");
	assert_int_equal(dmb_importer_restore(imp), 0);
	assert_int_equal(fx_stats(imp).maps, 1);
	dmb_importer_destroy(imp);
	texp_put(te);
}

/* V4: the next access after invalidate starts a write through the old mapping, then unmaps. */
static void write_after_invalidate_is_v4(void **state)
{
	struct imp_fixture *f = *state;
	struct test_exporter *te = th_alloc(sizeof(*te));
	struct dmb_importer *imp;
	struct fx_revoker *r = th_alloc(sizeof(*r));
	uint8_t in[128];

	texp_export(te, f->space, f->devmem, TEXP_REVOCABLE, &fx_patient);
	imp = create(f, DMB_IMPORTER_BROKEN_WRITE_AFTER_INVALIDATE, te->buf);
	fx_revoke_start(r, te->rev);
	FX_WAIT_FOR(fx_stats(imp).invalidations == 1);
	assert_false(atomic_load(&r->done));		/* it has not unmapped */

	fx_pattern(in, sizeof(in), 99);
	assert_int_equal(dmb_importer_access(imp, true, 64, sizeof(in), in, NULL), 0);
	fx_claim_violation(DMB_V4_DMA_AFTER_INVALIDATE, "broken-write-after-invalidate");
	assert_true(fx_holds(texp_bytes(te, 64), sizeof(in), 99));	/* it landed */
	fx_revoke_join(r);				/* the unmap came after */
	assert_int_equal(atomic_load(&te->unmaps), 1);

	assert_int_equal(dmb_importer_access(imp, true, 0, 8, NULL, NULL), -ENODEV);
	assert_int_equal(fx_stats(imp).refused, 1);
	assert_int_equal(dmb_revocable_unrevoke(te->rev), 0);
	assert_int_equal(dmb_importer_access(imp, true, 0, 8, NULL, NULL), 0);
	assert_int_equal(fx_stats(imp).maps, 2);
	dmb_importer_destroy(imp);
	texp_put(te);
}

/* V4: for a read, it reads (allowed) and writes the bytes back (V4), unchanged. */
static void write_after_invalidate_read_writes_back(void **state)
{
	struct imp_fixture *f = *state;
	struct test_exporter *te = th_alloc(sizeof(*te));
	struct dmb_importer *imp;
	uint8_t out[64];

	texp_export(te, f->space, f->devmem, TEXP_REVOCABLE, NULL);
	fx_pattern(texp_bytes(te, 0), sizeof(out), 12);
	imp = create(f, DMB_IMPORTER_BROKEN_WRITE_AFTER_INVALIDATE, te->buf);
	fx_invalidate(te->buf);
	assert_int_equal(dmb_importer_access(imp, false, 0, sizeof(out), out, NULL), 0);
	fx_claim_violation(DMB_V4_DMA_AFTER_INVALIDATE, "broken-write-after-invalidate");
	assert_true(fx_holds(out, sizeof(out), 12));
	assert_true(fx_holds(texp_bytes(te, 0), sizeof(out), 12));
	assert_int_equal(fx_mapped(dmb_importer_attachment(imp)), 0);
	/* Not revoked: the next access maps again and is clean. */
	assert_int_equal(dmb_importer_access(imp, true, 0, sizeof(out), out, NULL), 0);
	assert_int_equal(dmb_check_total(), 1);
	dmb_importer_destroy(imp);
	texp_put(te);
}

/* V5: after unmapping in invalidate, the next access uses the dead address: V5 + IOMMU fault. */
static void touch_after_unmap_is_v5(void **state)
{
	struct imp_fixture *f = *state;
	struct dmb_iommu_domain *domain = dmb_hw_device_domain(f->dev);
	struct dmb_iommu_fault fault;
	struct test_exporter *te = th_alloc(sizeof(*te));
	struct dmb_importer *imp;

	texp_export(te, f->space, f->devmem, TEXP_REVOCABLE, NULL);
	imp = create(f, DMB_IMPORTER_BROKEN_TOUCH_AFTER_UNMAP, te->buf);
	assert_int_equal(dmb_revocable_revoke(te->rev, NULL), 0);	/* not waited for */
	assert_int_equal(atomic_load(&te->unmaps), 1);

	assert_int_equal(dmb_importer_access(imp, false, 0, 64, NULL, NULL), -EFAULT);
	fx_claim_violation(DMB_V5_DMA_AFTER_UNMAP, "broken-touch-after-unmap");
	assert_int_equal(fx_stats(imp).faults, 1);
	assert_int_equal(dmb_iommu_faults(domain, &fault, 1), 1);
	assert_int_equal(fault.reason, DMB_IOMMU_FAULT_UNMAPPED);
	assert_int_equal(fault.map_state, DMB_MAP_UNMAPPED);
	assert_int_equal(fault.cookie, 1);		/* the first mapping */
	assert_string_equal(fault.device, "imp0");

	/* Once: then it maps again, refused while revoked. */
	assert_int_equal(dmb_importer_access(imp, false, 0, 64, NULL, NULL), -ENODEV);
	assert_int_equal(dmb_revocable_unrevoke(te->rev), 0);
	assert_int_equal(dmb_importer_restore(imp), 0);
	assert_int_equal(dmb_importer_access(imp, true, 0, 64, NULL, NULL), 0);
	assert_int_equal(dmb_iommu_fault_count(domain), 1);
	dmb_importer_destroy(imp);
	texp_put(te);
}

/* R2: each broken kind claims revocability and reports under its own name. */
static void broken_kinds_are_revocable_and_named(void **state)
{
	static const enum dmb_importer_kind kinds[] = {
		DMB_IMPORTER_BROKEN_NO_UNMAP,
		DMB_IMPORTER_BROKEN_WRITE_AFTER_INVALIDATE,
		DMB_IMPORTER_BROKEN_TOUCH_AFTER_UNMAP,
	};
	struct imp_fixture *f = *state;
	struct test_exporter *te = th_alloc(sizeof(*te));

	texp_export(te, f->space, f->devmem, TEXP_REVOCABLE, NULL);
	for (size_t i = 0; i < DMB_ARRAY_SIZE(kinds); i++) {
		struct dmb_importer *imp = create(f, kinds[i], te->buf);
		struct dma_buf_attachment *attach = dmb_importer_attachment(imp);

		assert_true(dma_buf_attach_revocable(attach));
		assert_true(dma_buf_attachment_peer2peer(attach));
		assert_string_equal(dma_buf_attachment_importer_name(attach),
				    dmb_importer_kind_name(kinds[i]));
		dmb_importer_destroy(imp);
	}
	assert_int_equal(atomic_load(&te->maps), 3);
	assert_int_equal(atomic_load(&te->unmaps), 3);
	texp_put(te);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(no_unmap_is_v6),
		FX_TEST(no_unmap_write_after_invalidate_is_v4),
		FX_TEST(write_after_invalidate_is_v4),
		FX_TEST(write_after_invalidate_read_writes_back),
		FX_TEST(touch_after_unmap_is_v5),
		FX_TEST(broken_kinds_are_revocable_and_named),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
