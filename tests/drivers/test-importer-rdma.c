// SPDX-License-Identifier: MIT
/*
 * test-importer-rdma.c - the RDMA importers (R14): the pinned MR is not
 * revocable, is refused by a revoke-capable exporter and works on one that
 * only pins, is never told to invalidate and maps exactly once; the ODP MR
 * maps on first access, unmaps inside invalidate_mappings and faults the
 * pages back in on the next access, and is refused while revoked.
 */
#include "importer-fixture.h"

static struct dmb_importer *create(struct imp_fixture *f, enum dmb_importer_kind kind,
				   struct dma_buf *buf)
{
	struct dmb_importer *imp = dmb_importer_create(kind, f->dev, buf);

	assert_non_null(imp);
	return imp;
}

/* R10/R14: a revoke-capable exporter refuses the pinned MR at attach. */
static void pinned_refused_by_revocable_exporter(void **state)
{
	struct imp_fixture *f = *state;
	struct test_exporter *te = th_alloc(sizeof(*te));

	texp_export(te, f->space, f->devmem, TEXP_REVOCABLE, NULL);
	errno = 0;
	assert_null(dmb_importer_create(DMB_IMPORTER_RDMA_PINNED, f->dev, te->buf));
	assert_int_equal(errno, EOPNOTSUPP);
	assert_string_equal(te->log, "attach");
	texp_put(te);
}

/* R14/R3: pinned on an exporter with pin: attach, pin, one map; then the reverse. */
static void pinned_pins_and_maps_once(void **state)
{
	struct imp_fixture *f = *state;
	uint8_t data[512];
	struct test_exporter *te = th_alloc(sizeof(*te));
	struct dmb_importer *imp;

	texp_export(te, f->space, f->ram, TEXP_PIN, NULL);
	imp = create(f, DMB_IMPORTER_RDMA_PINNED, te->buf);
	assert_string_equal(te->log, "attach,pin,map");
	assert_false(dma_buf_attach_revocable(dmb_importer_attachment(imp)));
	for (int i = 0; i < 3; i++)
		assert_int_equal(dmb_importer_access(imp, false, 0, sizeof(data), data, NULL), 0);
	assert_int_equal(atomic_load(&te->maps), 1);
	assert_int_equal(fx_stats(imp).maps, 1);
	assert_int_equal(fx_stats(imp).accesses, 3);

	texp_clear_log(te);
	dmb_importer_destroy(imp);
	assert_string_equal(te->log, "unmap,unpin,detach");
	texp_put(te);
}

/* R14: the pinned MR's DMA moves the bytes through its mapping. */
static void pinned_access_moves_bytes(void **state)
{
	struct imp_fixture *f = *state;
	uint8_t in[3000], out[3000];
	struct test_exporter *te = th_alloc(sizeof(*te));
	struct dmb_importer *imp;

	texp_export(te, f->space, f->devmem, TEXP_PIN, NULL);
	imp = create(f, DMB_IMPORTER_RDMA_PINNED, te->buf);
	fx_pattern(in, sizeof(in), 3);
	assert_int_equal(dmb_importer_access(imp, true, 100, sizeof(in), in, NULL), 0);
	assert_true(fx_holds(texp_bytes(te, 100), sizeof(in), 3));
	assert_int_equal(dmb_importer_access(imp, false, 100, sizeof(out), out, NULL), 0);
	assert_true(fx_holds(out, sizeof(out), 3));
	dmb_importer_destroy(imp);
	texp_put(te);
}

/* R1/R4/R14: invalidate skips the pinned MR; its mapping stays live (no V4). */
static void pinned_never_invalidated(void **state)
{
	struct imp_fixture *f = *state;
	uint8_t data[64] = { 1 };
	struct test_exporter *te = th_alloc(sizeof(*te));
	struct dmb_importer *imp;

	texp_export(te, f->space, f->ram, TEXP_PIN, NULL);
	imp = create(f, DMB_IMPORTER_RDMA_PINNED, te->buf);
	fx_invalidate(te->buf);
	assert_int_equal(fx_stats(imp).invalidations, 0);
	assert_int_equal(dmb_importer_access(imp, true, 0, sizeof(data), data, NULL), 0);
	assert_int_equal(dmb_check_total(), 0);
	assert_int_equal(dmb_importer_unmap_latency(imp), -1);
	assert_int_equal(dmb_importer_restore(imp), 0);
	dmb_importer_destroy(imp);
	texp_put(te);
}

/* R14: a failing pin leaves nothing attached and reports the exporter's errno. */
static void pinned_create_fails_with_exporter_errno(void **state)
{
	struct imp_fixture *f = *state;
	struct dmb_hw_device_info info = { .name = "nop2p", .nr_engines = 1 };
	struct dmb_hw_device *nop2p = dmb_hw_device_create(f->space, &info);
	struct test_exporter *te = th_alloc(sizeof(*te));

	/* exp0's memory through a device without p2p: dma_map_sgtable refuses. */
	assert_non_null(nop2p);
	texp_export(te, f->space, f->devmem, TEXP_PIN, NULL);
	errno = 0;
	assert_null(dmb_importer_create(DMB_IMPORTER_RDMA_PINNED, nop2p, te->buf));
	assert_int_equal(errno, EREMOTEIO);
	assert_string_equal(te->log, "attach,pin,map,unpin,detach");
	texp_put(te);
	assert_int_equal(dmb_hw_device_destroy(nop2p), 0);
}

/* R14: the ODP MR maps nothing until its first access. */
static void odp_maps_on_first_access(void **state)
{
	struct imp_fixture *f = *state;
	uint8_t data[256];
	struct test_exporter *te = th_alloc(sizeof(*te));
	struct dmb_importer *imp;

	texp_export(te, f->space, f->devmem, TEXP_REVOCABLE, NULL);
	imp = create(f, DMB_IMPORTER_RDMA_ODP, te->buf);
	assert_true(dma_buf_attach_revocable(dmb_importer_attachment(imp)));
	assert_int_equal(atomic_load(&te->maps), 0);
	assert_int_equal(dmb_importer_access(imp, false, 0, sizeof(data), data, NULL), 0);
	assert_int_equal(dmb_importer_access(imp, false, 0, sizeof(data), data, NULL), 0);
	assert_int_equal(atomic_load(&te->maps), 1);
	assert_int_equal(fx_mapped(dmb_importer_attachment(imp)), 1);
	dmb_importer_destroy(imp);
	assert_int_equal(atomic_load(&te->unmaps), 1);
	texp_put(te);
}

/* R14/R7: the ODP MR has unmapped when invalidate_mappings returns. */
static void odp_unmaps_inside_invalidate(void **state)
{
	struct imp_fixture *f = *state;
	struct test_exporter *te = th_alloc(sizeof(*te));
	struct dmb_importer *imp;
	struct dma_resv *resv;

	texp_export(te, f->space, f->devmem, TEXP_REVOCABLE, NULL);
	imp = create(f, DMB_IMPORTER_RDMA_ODP, te->buf);
	assert_int_equal(dmb_importer_access(imp, true, 0, 8, NULL, NULL), 0);
	resv = dma_buf_resv(te->buf);
	dma_resv_lock(resv, NULL);
	dma_buf_invalidate_mappings(te->buf);
	assert_int_equal(dma_buf_attachment_mapped(dmb_importer_attachment(imp)), 0);
	dma_resv_unlock(resv);
	assert_int_equal(atomic_load(&te->unmaps), 1);
	assert_int_equal(fx_stats(imp).invalidations, 1);
	assert_int_equal(dmb_importer_unmap_latency(imp), 0);
	dmb_importer_destroy(imp);
	texp_put(te);
}

/* R7: unmap latency is measured only for an invalidate that found a mapping. */
static void odp_latency_needs_a_mapping(void **state)
{
	struct imp_fixture *f = *state;
	struct test_exporter *te = th_alloc(sizeof(*te));
	struct dmb_importer *imp;

	texp_export(te, f->space, f->devmem, TEXP_REVOCABLE, NULL);
	imp = create(f, DMB_IMPORTER_RDMA_ODP, te->buf);
	fx_invalidate(te->buf);
	assert_int_equal(fx_stats(imp).invalidations, 1);
	fx_advance(f, NSEC_PER_SEC);
	assert_int_equal(dmb_importer_access(imp, false, 0, 8, NULL, NULL), 0);
	fx_invalidate(te->buf);
	assert_int_equal(dmb_importer_unmap_latency(imp), 0);
	dmb_importer_destroy(imp);
	texp_put(te);
}

/* R14/R6: the access after an invalidate faults the pages in with a new map. */
static void odp_faults_back_in(void **state)
{
	struct imp_fixture *f = *state;
	uint8_t in[100], out[100];
	struct test_exporter *te = th_alloc(sizeof(*te));
	struct dmb_importer *imp;

	texp_export(te, f->space, f->devmem, TEXP_REVOCABLE, NULL);
	imp = create(f, DMB_IMPORTER_RDMA_ODP, te->buf);
	fx_pattern(in, sizeof(in), 9);
	assert_int_equal(dmb_importer_access(imp, true, 4000, sizeof(in), in, NULL), 0);
	fx_invalidate(te->buf);
	assert_int_equal(dmb_importer_access(imp, false, 4000, sizeof(out), out, NULL), 0);
	assert_true(fx_holds(out, sizeof(out), 9));
	assert_int_equal(fx_stats(imp).maps, 2);
	assert_int_equal(atomic_load(&te->maps), 2);
	assert_int_equal(dmb_iommu_fault_count(dmb_hw_device_domain(f->dev)), 0);
	assert_int_equal(dmb_check_total(), 0);
	dmb_importer_destroy(imp);
	texp_put(te);
}

/* R8/R14: revoke does not wait for ODP; while revoked its access is refused. */
static void odp_refused_while_revoked(void **state)
{
	struct imp_fixture *f = *state;
	struct dmb_revoke_stats stats;
	struct test_exporter *te = th_alloc(sizeof(*te));
	struct dmb_importer *imp;

	texp_export(te, f->space, f->devmem, TEXP_REVOCABLE, NULL);
	imp = create(f, DMB_IMPORTER_RDMA_ODP, te->buf);
	assert_int_equal(dmb_importer_access(imp, true, 0, 64, NULL, NULL), 0);
	assert_int_equal(dmb_revocable_revoke(te->rev, &stats), 0);
	assert_int_equal(stats.warnings, 0);
	assert_int_equal(dmb_importer_access(imp, false, 0, 64, NULL, NULL), -ENODEV);
	assert_int_equal(fx_stats(imp).refused, 1);
	assert_int_equal(dmb_importer_restore(imp), -ENODEV);

	assert_int_equal(dmb_revocable_unrevoke(te->rev), 0);
	assert_int_equal(dmb_importer_restore(imp), 0);
	assert_int_equal(fx_mapped(dmb_importer_attachment(imp)), 1);
	assert_int_equal(dmb_importer_access(imp, false, 0, 64, NULL, NULL), 0);
	assert_int_equal(fx_stats(imp).maps, 2);
	dmb_importer_destroy(imp);
	texp_put(te);
}

/* R14: an access that spans two table entries reaches both, byte-exact. */
static void odp_access_spans_entries(void **state)
{
	struct imp_fixture *f = *state;
	struct dmb_iommu_domain *identity =
		dmb_iommu_domain_alloc(f->space, DMB_IOMMU_DOMAIN_IDENTITY);
	struct dmb_hw_device_info info = {
		.name = "imp-identity", .p2p = true, .domain = identity,
	};
	struct dmb_hw_device *dev = dmb_hw_device_create(f->space, &info);
	uint64_t off = FX_BUF_SIZE / 2 - 700;
	uint8_t in[1400], out[1400];
	struct test_exporter *te = th_alloc(sizeof(*te));
	struct dmb_importer *imp;

	assert_non_null(dev);
	texp_export(te, f->space, f->ram, TEXP_REVOCABLE | TEXP_SPLIT, NULL);
	imp = dmb_importer_create(DMB_IMPORTER_RDMA_ODP, dev, te->buf);
	assert_non_null(imp);
	fx_pattern(in, sizeof(in), 77);
	assert_int_equal(dmb_importer_access(imp, true, off, sizeof(in), in, NULL), 0);
	assert_true(fx_holds(texp_bytes(te, off), 700, 77));
	assert_true(fx_holds(texp_bytes(te, FX_BUF_SIZE / 2), 700, 77 + 700 * 7));
	assert_int_equal(dmb_importer_access(imp, false, off, sizeof(out), out, NULL), 0);
	assert_true(fx_holds(out, sizeof(out), 77));
	dmb_importer_destroy(imp);
	texp_put(te);
	assert_int_equal(dmb_hw_device_destroy(dev), 0);
	dmb_iommu_domain_put(identity);
}

struct odp_hammer {
	struct dmb_importer *imp;
	atomic_bool stop;
	atomic_ulong ok, refused, other;
};

static void *odp_hammer_main(void *arg)
{
	struct odp_hammer *h = arg;
	uint8_t buf[256];

	while (!atomic_load(&h->stop)) {
		int ret = dmb_importer_access(h->imp, true, 512, sizeof(buf), buf, NULL);

		if (ret == 0)
			atomic_fetch_add(&h->ok, 1);
		else if (ret == -ENODEV)
			atomic_fetch_add(&h->refused, 1);
		else
			atomic_fetch_add(&h->other, 1);
	}
	return NULL;
}

/* R6/R8/R14: accesses racing revoke/unrevoke never fault and never violate. */
static void odp_races_revoke(void **state)
{
	struct imp_fixture *f = *state;
	struct odp_hammer *h = TH_NEW(struct odp_hammer, { 0 });
	struct test_exporter *te = th_alloc(sizeof(*te));
	struct th_thread *t;

	texp_export(te, f->space, f->devmem, TEXP_REVOCABLE, NULL);
	h->imp = create(f, DMB_IMPORTER_RDMA_ODP, te->buf);
	t = th_thread_start(odp_hammer_main, h);
	for (int i = 0; i < 50; i++) {
		assert_int_equal(dmb_revocable_revoke(te->rev, NULL), 0);
		th_sleep_ns(100 * NSEC_PER_USEC);
		assert_int_equal(dmb_revocable_unrevoke(te->rev), 0);
		th_sleep_ns(100 * NSEC_PER_USEC);
	}
	/*
	 * On a loaded machine the hammer may not have run in any unrevoked
	 * window yet: wait for its first access of the unrevoked buffer
	 * rather than for time to pass.
	 */
	assert_true(TH_WAIT_UNTIL(atomic_load(&h->ok) > 0));
	atomic_store(&h->stop, true);
	th_thread_join(t);
	assert_int_equal(atomic_load(&h->other), 0);
	assert_int_equal(fx_stats(h->imp).faults, 0);
	assert_int_equal(fx_stats(h->imp).invalidations, 50);
	assert_int_equal(dmb_check_total(), 0);
	dmb_importer_destroy(h->imp);
	texp_put(te);
}

/* Misuse: NULL arguments WARN and fail with EINVAL; bad ranges are EINVAL. */
static void null_arguments_warn(void **state)
{
	struct imp_fixture *f = *state;
	struct test_exporter *te = th_alloc(sizeof(*te));
	struct dmb_importer *imp;
	struct dma_fence *fence = (struct dma_fence *)te;

	texp_export(te, f->space, f->ram, 0, NULL);
	errno = 0;
	assert_null(dmb_importer_create(DMB_IMPORTER_RDMA_ODP, NULL, te->buf));
	assert_int_equal(errno, EINVAL);
	th_assert_warned("dmb_importer_create");
	assert_null(dmb_importer_create(DMB_IMPORTER_NR_KINDS, f->dev, te->buf));
	th_assert_warned("dmb_importer_create");
	assert_int_equal(dmb_importer_access(NULL, false, 0, 1, NULL, &fence), -EINVAL);
	assert_null(fence);
	th_assert_warned("dmb_importer_access");
	assert_int_equal(dmb_importer_restore(NULL), -EINVAL);
	th_assert_warned("dmb_importer_restore");
	dmb_importer_destroy(NULL);

	imp = create(f, DMB_IMPORTER_RDMA_ODP, te->buf);
	assert_int_equal(dmb_importer_access(imp, false, 0, 0, NULL, NULL), -EINVAL);
	assert_int_equal(dmb_importer_access(imp, false, FX_BUF_SIZE - 1, 2, NULL, NULL),
			 -EINVAL);
	assert_int_equal(fx_stats(imp).accesses, 0);
	assert_int_equal(dmb_importer_kind(imp), DMB_IMPORTER_RDMA_ODP);
	assert_string_equal(dmb_importer_kind_name(dmb_importer_kind(imp)), "rdma-odp");
	assert_string_equal(dma_buf_attachment_importer_name(dmb_importer_attachment(imp)),
			    "rdma-odp");
	dmb_importer_destroy(imp);
	texp_put(te);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(pinned_refused_by_revocable_exporter),
		FX_TEST(pinned_pins_and_maps_once),
		FX_TEST(pinned_access_moves_bytes),
		FX_TEST(pinned_never_invalidated),
		FX_TEST(pinned_create_fails_with_exporter_errno),
		FX_TEST(odp_maps_on_first_access),
		FX_TEST(odp_unmaps_inside_invalidate),
		FX_TEST(odp_latency_needs_a_mapping),
		FX_TEST(odp_faults_back_in),
		FX_TEST(odp_refused_while_revoked),
		FX_TEST(odp_access_spans_entries),
		FX_TEST(odp_races_revoke),
		FX_TEST(null_arguments_warn),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
