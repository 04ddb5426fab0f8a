// SPDX-License-Identifier: MIT
/*
 * test-importer-gpu.c - the GPU importer: each access is a job on engine 0
 * whose fence goes into the buffer's resv with the access's usage; a revoke
 * waits for the jobs in flight, which complete through valid IOVAs, and the
 * GPU unmaps after its last fence (R6a, R7), from its worker; it maps again
 * for the next job, and is refused while revoked.
 *
 * Jobs take IMP_JOB_NS of virtual time: nothing completes until the test
 * advances the clock.
 */
#include "importer-fixture.h"

static struct dmb_importer *create_gpu(struct imp_fixture *f, struct dma_buf *buf)
{
	struct dmb_importer *imp = dmb_importer_create(DMB_IMPORTER_GPU, f->dev, buf);

	assert_non_null(imp);
	return imp;
}

/* The usage @fence has in @buf's resv, or -1 if it is not there. */
static int resv_usage_of(struct dma_buf *buf, struct dma_fence *fence)
{
	struct dma_resv *resv = dma_buf_resv(buf);
	struct dma_resv_iter cursor;
	struct dma_fence *f;
	int usage = -1;

	dma_resv_lock(resv, NULL);
	dma_resv_for_each_fence(&cursor, resv, DMA_RESV_USAGE_BOOKKEEP, f)
		if (f == fence)
			usage = (int)dma_resv_iter_usage(&cursor);
	dma_resv_unlock(resv);
	return usage;
}

/* A write is a job whose fence is in the resv with WRITE usage. */
static void write_fence_in_resv_as_write(void **state)
{
	struct imp_fixture *f = *state;
	struct test_exporter *te = th_alloc(sizeof(*te));
	struct dmb_importer *imp;
	struct dma_fence *fence;
	uint8_t in[2000];

	texp_export(te, f->space, f->devmem, TEXP_REVOCABLE, NULL);
	imp = create_gpu(f, te->buf);
	fx_pattern(in, sizeof(in), 21);
	assert_int_equal(dmb_importer_access(imp, true, 300, sizeof(in), in, &fence), 0);
	assert_non_null(fence);
	assert_int_equal(resv_usage_of(te->buf, fence), DMA_RESV_USAGE_WRITE);
	assert_false(dma_fence_is_signaled(fence));
	assert_false(dma_resv_test_signaled(dma_buf_resv(te->buf), DMA_RESV_USAGE_WRITE));
	assert_int_equal(fx_finish(f, fence), 1);
	assert_true(fx_holds(texp_bytes(te, 300), sizeof(in), 21));
	assert_int_equal(fx_stats(imp).accesses, 1);
	dma_fence_put(fence);
	dmb_importer_destroy(imp);
	texp_put(te);
}

/* A read's fence has READ usage, and @data holds the bytes once it signals. */
static void read_fence_in_resv_as_read(void **state)
{
	struct imp_fixture *f = *state;
	struct test_exporter *te = th_alloc(sizeof(*te));
	struct dmb_importer *imp;
	struct dma_fence *fence;
	uint8_t out[5000];

	texp_export(te, f->space, f->devmem, TEXP_REVOCABLE, NULL);
	fx_pattern(texp_bytes(te, 1), sizeof(out), 44);
	imp = create_gpu(f, te->buf);
	assert_int_equal(dmb_importer_access(imp, false, 1, sizeof(out), out, &fence), 0);
	assert_int_equal(resv_usage_of(te->buf, fence), DMA_RESV_USAGE_READ);
	/* A reader does not block other readers, only writers. */
	assert_true(dma_resv_test_signaled(dma_buf_resv(te->buf), DMA_RESV_USAGE_WRITE));
	assert_int_equal(fx_finish(f, fence), 1);
	assert_true(fx_holds(out, sizeof(out), 44));
	dma_fence_put(fence);
	dmb_importer_destroy(imp);
	texp_put(te);
}

/* Jobs of one GPU signal in submission order on one timeline. */
static void jobs_signal_in_order(void **state)
{
	struct imp_fixture *f = *state;
	struct dma_fence *fences[4];
	struct test_exporter *te = th_alloc(sizeof(*te));
	struct dmb_importer *imp;

	texp_export(te, f->space, f->ram, 0, NULL);
	imp = create_gpu(f, te->buf);
	for (int i = 0; i < 4; i++)
		assert_int_equal(dmb_importer_access(imp, i % 2, i * 100, 100, NULL,
						     &fences[i]), 0);
	assert_true(dma_fence_is_later(fences[3], fences[0]));
	assert_int_equal(fx_advance_to(f, 2 * IMP_JOB_NS, fences[1]), 1);
	assert_true(dma_fence_is_signaled(fences[0]));
	assert_false(dma_fence_is_signaled(fences[2]));
	assert_int_equal(fx_finish(f, fences[3]), 1);
	for (int i = 0; i < 4; i++)
		dma_fence_put(fences[i]);
	assert_int_equal(atomic_load(&te->maps), 1);
	dmb_importer_destroy(imp);
	texp_put(te);
}

/* R6a/R7/R8: revoke waits for the job in flight, which completes; then the GPU unmaps. */
static void revoke_waits_for_inflight_job(void **state)
{
	struct imp_fixture *f = *state;
	struct dmb_importer *imp;
	struct test_exporter *te = th_alloc(sizeof(*te));
	struct fx_revoker *r = th_alloc(sizeof(*r));
	struct dma_fence *fence;
	uint8_t in[4096];

	texp_export(te, f->space, f->devmem, TEXP_REVOCABLE, &fx_patient);
	imp = create_gpu(f, te->buf);
	fx_pattern(in, sizeof(in), 8);
	assert_int_equal(dmb_importer_access(imp, true, 0, sizeof(in), in, &fence), 0);

	fx_revoke_start(r, te->rev);
	FX_WAIT_FOR(fx_stats(imp).invalidations == 1);
	th_sleep_ns(20 * NSEC_PER_MSEC);
	assert_false(atomic_load(&r->done));		/* blocked on the fence */
	assert_int_equal(atomic_load(&te->unmaps), 0);	/* not unmapped in flight */

	fx_advance(f, IMP_JOB_NS);
	fx_revoke_join(r);
	assert_int_equal(dma_fence_get_status(fence), 1);	/* no fault */
	assert_true(fx_holds(texp_bytes(te, 0), sizeof(in), 8));
	assert_int_equal(atomic_load(&te->unmaps), 1);
	assert_int_equal(dmb_iommu_fault_count(dmb_hw_device_domain(f->dev)), 0);
	assert_int_equal(dmb_importer_unmap_latency(imp), IMP_JOB_NS);
	assert_int_equal(r->stats.warnings, 0);
	dma_fence_put(fence);
	dmb_importer_destroy(imp);
	texp_put(te);
}

/* R6a/R7: invalidate does not unmap; the worker unmaps once the last job signalled. */
static void unmap_deferred_until_last_fence(void **state)
{
	struct imp_fixture *f = *state;
	struct dma_fence *a, *b;
	struct test_exporter *te = th_alloc(sizeof(*te));
	struct dmb_importer *imp;

	texp_export(te, f->space, f->devmem, TEXP_REVOCABLE, NULL);
	imp = create_gpu(f, te->buf);
	assert_int_equal(dmb_importer_access(imp, true, 0, 64, NULL, &a), 0);
	assert_int_equal(dmb_importer_access(imp, false, 64, 64, NULL, &b), 0);
	fx_invalidate(te->buf);
	th_sleep_ns(10 * NSEC_PER_MSEC);
	assert_int_equal(fx_mapped(dmb_importer_attachment(imp)), 1);
	assert_int_equal(fx_advance_to(f, IMP_JOB_NS, a), 1);
	th_sleep_ns(10 * NSEC_PER_MSEC);
	assert_int_equal(fx_mapped(dmb_importer_attachment(imp)), 1);	/* b in flight */
	assert_int_equal(fx_advance_to(f, IMP_JOB_NS, b), 1);
	FX_WAIT_FOR(atomic_load(&te->unmaps) == 1);
	assert_int_equal(fx_mapped(dmb_importer_attachment(imp)), 0);
	assert_int_equal(dmb_importer_unmap_latency(imp), 2 * IMP_JOB_NS);
	dma_fence_put(a);
	dma_fence_put(b);
	dmb_importer_destroy(imp);
	texp_put(te);
}

/* R6: the job after an invalidate goes through a new mapping, never the old one. */
static void maps_again_after_invalidate(void **state)
{
	struct imp_fixture *f = *state;
	struct dma_fence *a, *b;
	struct test_exporter *te = th_alloc(sizeof(*te));
	struct dmb_importer *imp;

	texp_export(te, f->space, f->devmem, TEXP_REVOCABLE, NULL);
	imp = create_gpu(f, te->buf);
	assert_int_equal(dmb_importer_access(imp, true, 0, 64, NULL, &a), 0);
	fx_invalidate(te->buf);
	assert_int_equal(dmb_importer_access(imp, true, 0, 64, NULL, &b), 0);
	assert_int_equal(atomic_load(&te->maps), 2);
	assert_int_equal(fx_stats(imp).maps, 2);
	assert_int_equal(fx_finish(f, b), 1);
	assert_int_equal(dma_fence_get_status(a), 1);
	FX_WAIT_FOR(atomic_load(&te->unmaps) == 1);
	assert_int_equal(fx_mapped(dmb_importer_attachment(imp)), 1);
	assert_int_equal(dmb_check_total(), 0);	/* no write through the old one */
	dma_fence_put(a);
	dma_fence_put(b);
	dmb_importer_destroy(imp);
	assert_int_equal(atomic_load(&te->unmaps), 2);
	texp_put(te);
}

/* R8/R9: while revoked nothing is submitted (-ENODEV); after unrevoke it maps again. */
static void refused_while_revoked(void **state)
{
	struct imp_fixture *f = *state;
	struct test_exporter *te = th_alloc(sizeof(*te));
	struct dmb_importer *imp;
	struct dma_fence *fence;

	texp_export(te, f->space, f->devmem, TEXP_REVOCABLE, NULL);
	imp = create_gpu(f, te->buf);
	assert_int_equal(dmb_importer_restore(imp), 0);	/* maps eagerly */
	assert_int_equal(dmb_revocable_revoke(te->rev, NULL), 0);
	assert_int_equal(dmb_importer_access(imp, true, 0, 64, NULL, &fence), -ENODEV);
	assert_null(fence);
	assert_int_equal(fx_stats(imp).refused, 1);
	assert_int_equal(fx_stats(imp).accesses, 0);
	assert_int_equal(dmb_importer_restore(imp), -ENODEV);
	assert_int_equal(dmb_revocable_unrevoke(te->rev), 0);
	assert_int_equal(dmb_importer_restore(imp), 0);
	assert_int_equal(dmb_importer_access(imp, true, 0, 64, NULL, &fence), 0);
	assert_int_equal(fx_finish(f, fence), 1);
	dma_fence_put(fence);
	dmb_importer_destroy(imp);
	texp_put(te);
}

struct destroyer {
	struct dmb_importer *imp;
	atomic_bool done;
};

static void *destroyer_main(void *arg)
{
	struct destroyer *d = arg;

	dmb_importer_destroy(d->imp);
	atomic_store(&d->done, true);
	return NULL;
}

/* Destroy waits for the importer's jobs; nothing is unmapped under them. */
static void destroy_waits_for_jobs(void **state)
{
	struct imp_fixture *f = *state;
	struct destroyer *d = TH_NEW(struct destroyer, { 0 });
	struct test_exporter *te = th_alloc(sizeof(*te));
	struct dma_fence *fence;
	struct th_thread *t;

	texp_export(te, f->space, f->devmem, TEXP_REVOCABLE, NULL);
	d->imp = create_gpu(f, te->buf);
	assert_int_equal(dmb_importer_access(d->imp, true, 0, 4096, NULL, &fence), 0);
	t = th_thread_start(destroyer_main, d);
	th_sleep_ns(20 * NSEC_PER_MSEC);
	assert_false(atomic_load(&d->done));
	fx_advance(f, IMP_JOB_NS);
	th_thread_join(t);
	assert_int_equal(dma_fence_get_status(fence), 1);
	assert_int_equal(atomic_load(&te->unmaps), 1);
	dma_fence_put(fence);
	texp_put(te);
}

/* A job that faults fails its fence with -EFAULT and counts a fault. */
static void faulting_job_fails_fence(void **state)
{
	struct imp_fixture *f = *state;
	struct test_exporter *te = th_alloc(sizeof(*te));
	struct dmb_importer *imp;
	struct dma_fence *fence;

	texp_export(te, f->space, f->devmem, TEXP_REVOCABLE, NULL);
	imp = create_gpu(f, te->buf);
	assert_int_equal(dmb_mem_region_set_isolated(f->devmem, true), 0);
	assert_int_equal(dmb_importer_access(imp, false, 0, 64, NULL, &fence), 0);
	assert_int_equal(fx_finish(f, fence), -EFAULT);
	assert_int_equal(fx_stats(imp).faults, 1);
	assert_int_equal(dmb_iommu_fault_count(dmb_hw_device_domain(f->dev)), 1);
	assert_int_equal(dmb_mem_region_set_isolated(f->devmem, false), 0);
	dma_fence_put(fence);
	dmb_importer_destroy(imp);
	texp_put(te);
}

/* Staging memory is finite: with it all in flight, an access is -ENOMEM. */
static void staging_full_is_enomem(void **state)
{
	struct imp_fixture *f = *state;
	struct dma_fence *last = NULL, *fence;
	struct test_exporter *te = th_alloc(sizeof(*te));
	struct dmb_importer *imp;
	int ret, n = 0;

	texp_export(te, f->space, f->ram, 0, NULL);
	imp = create_gpu(f, te->buf);
	while ((ret = dmb_importer_access(imp, true, 0, FX_BUF_SIZE, NULL, &fence)) == 0) {
		dma_fence_put(last);
		last = fence;
		n++;
	}
	assert_int_equal(ret, -ENOMEM);
	assert_null(fence);
	assert_true(n >= 4);
	assert_int_equal(fx_finish(f, last), 1);
	assert_int_equal(dmb_importer_access(imp, true, 0, FX_BUF_SIZE, NULL, &fence), 0);
	assert_int_equal(fx_finish(f, fence), 1);
	dma_fence_put(fence);
	dma_fence_put(last);
	dmb_importer_destroy(imp);
	texp_put(te);
}

/* An access over two discontiguous table entries is one job fence over two pieces. */
static void access_spans_entries(void **state)
{
	struct imp_fixture *f = *state;
	struct dmb_iommu_domain *identity =
		dmb_iommu_domain_alloc(f->space, DMB_IOMMU_DOMAIN_IDENTITY);
	struct dmb_hw_device_info info = {
		.name = "gpu-identity", .p2p = true, .domain = identity,
		.nr_engines = 1, .timing = { .fixed_ns = IMP_JOB_NS },
	};
	struct dmb_hw_device *dev = dmb_hw_device_create(f->space, &info);
	uint64_t off = FX_BUF_SIZE / 2 - 100;
	uint8_t in[300], out[300];
	struct test_exporter *te = th_alloc(sizeof(*te));
	struct dmb_importer *imp;
	struct dma_fence *fence;

	assert_non_null(dev);
	texp_export(te, f->space, f->ram, TEXP_SPLIT, NULL);
	imp = dmb_importer_create(DMB_IMPORTER_GPU, dev, te->buf);
	assert_non_null(imp);
	fx_pattern(in, sizeof(in), 5);
	assert_int_equal(dmb_importer_access(imp, true, off, sizeof(in), in, &fence), 0);
	assert_int_equal(fx_finish(f, fence), 1);
	dma_fence_put(fence);
	assert_true(fx_holds(texp_bytes(te, off), 100, 5));
	assert_true(fx_holds(texp_bytes(te, FX_BUF_SIZE / 2), 200, 5 + 100 * 7));
	assert_int_equal(dmb_importer_access(imp, false, off, sizeof(out), out, &fence), 0);
	assert_int_equal(fx_finish(f, fence), 1);
	dma_fence_put(fence);
	assert_true(fx_holds(out, sizeof(out), 5));
	dmb_importer_destroy(imp);
	texp_put(te);
	assert_int_equal(dmb_hw_device_destroy(dev), 0);
	dmb_iommu_domain_put(identity);
}

/* Misuse: a read into host memory without the fence that says when it arrives. */
static void read_without_fence_warns(void **state)
{
	struct imp_fixture *f = *state;
	struct test_exporter *te = th_alloc(sizeof(*te));
	struct dmb_importer *imp;
	uint8_t out[16];

	texp_export(te, f->space, f->ram, 0, NULL);
	imp = create_gpu(f, te->buf);
	assert_int_equal(dmb_importer_access(imp, false, 0, sizeof(out), out, NULL), -EINVAL);
	th_assert_warned("without asking for the job's fence");
	assert_int_equal(fx_stats(imp).accesses, 0);
	/* Writes copy @data at submission: no fence needed. */
	assert_int_equal(dmb_importer_access(imp, true, 0, sizeof(out), out, NULL), 0);
	fx_advance(f, IMP_JOB_NS);
	dmb_importer_destroy(imp);		/* waits for the job */
	texp_put(te);
}

/* A device without DMA engines cannot be a GPU importer. */
static void needs_an_engine(void **state)
{
	struct imp_fixture *f = *state;
	struct test_exporter *te = th_alloc(sizeof(*te));

	texp_export(te, f->space, f->ram, 0, NULL);
	errno = 0;
	assert_null(dmb_importer_create(DMB_IMPORTER_GPU, f->owner, te->buf));
	assert_int_equal(errno, EINVAL);
	assert_string_equal(te->log, "");
	texp_put(te);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(write_fence_in_resv_as_write),
		FX_TEST(read_fence_in_resv_as_read),
		FX_TEST(jobs_signal_in_order),
		FX_TEST(revoke_waits_for_inflight_job),
		FX_TEST(unmap_deferred_until_last_fence),
		FX_TEST(maps_again_after_invalidate),
		FX_TEST(refused_while_revoked),
		FX_TEST(destroy_waits_for_jobs),
		FX_TEST(faulting_job_fails_fence),
		FX_TEST(staging_full_is_enomem),
		FX_TEST(access_spans_entries),
		FX_TEST(read_without_fence_warns),
		FX_TEST(needs_an_engine),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
