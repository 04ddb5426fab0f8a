// SPDX-License-Identifier: MIT
/*
 * test-revoke-busy.c - a function-level reset while every importer of a
 * vfio-pci buffer is busy: iommufd and RDMA ODP reading in threads of their
 * own, a GPU with jobs in flight.
 *
 * Pins the whole R8 sequence with the real drivers: the reset's revoke
 * waits for the GPU's in-flight jobs (they finish through live mappings,
 * without a fault), every importer is told exactly once and lets go, and
 * when the revoke returns no DMA reaches the BAR (iommufd faults in its
 * IOMMU, the others cannot map); after the reset all of them work again.
 * And a buffer's last put during such a reset does not deadlock with it.
 */
#include <stdatomic.h>

#include <dmabuf/drivers/importer.h>
#include <dmabuf/drivers/vfio-pci.h>
#include <dmabuf/hw/pci.h>

#include "harness.h"
#include "importer-fixture.h"

#define BAR_SIZE	(1ULL << 20)
#define READERS		2

/* Set by the case from the revoke's return until just before the reset ends. */
static atomic_bool bar_revoked;

struct reader {
	struct dmb_importer *imp;
	atomic_bool stop;
	atomic_ulong ok, fault, refused, other;
	atomic_ulong within_revoke;	/* accesses wholly inside bar_revoked */
	atomic_ulong ok_within_revoke;	/* ... of them that reached the BAR */
	struct th_thread *thread;
};

/*
 * Read 4 KiB again and again until told to stop; count every outcome, and
 * apart those that began and ended while the BAR was revoked: an access
 * counted there ran wholly after the revoke returned, whatever the
 * scheduler did.
 */
static void *reader_main(void *arg)
{
	struct reader *r = arg;
	uint8_t buf[4096];

	while (!atomic_load(&r->stop)) {
		bool before = atomic_load(&bar_revoked);
		int ret = dmb_importer_access(r->imp, false, 0, sizeof(buf), buf, NULL);

		if (before && atomic_load(&bar_revoked)) {
			atomic_fetch_add(&r->within_revoke, 1);
			if (ret == 0)
				atomic_fetch_add(&r->ok_within_revoke, 1);
		}
		if (ret == 0)
			atomic_fetch_add(&r->ok, 1);
		else if (ret == -EFAULT)
			atomic_fetch_add(&r->fault, 1);
		else if (ret == -ENODEV)
			atomic_fetch_add(&r->refused, 1);
		else
			atomic_fetch_add(&r->other, 1);
	}
	return NULL;
}

struct flr {
	struct dmb_pci_function *pci;
	int ret;
	atomic_bool done;
};

/* No cmocka assert here: it would jump across threads. */
static void *flr_main(void *arg)
{
	struct flr *fl = arg;

	fl->ret = dmb_pci_flr_begin(fl->pci);
	atomic_store(&fl->done, true);
	return NULL;
}

static struct dmb_hw_device *device(struct imp_fixture *f, const char *name)
{
	struct dmb_hw_device_info info = { .name = name, .p2p = true };
	struct dmb_hw_device *dev = dmb_hw_device_create(f->space, &info);

	assert_non_null(dev);
	return dev;
}

/* R8/R6a: a reset while iommufd, ODP and a GPU with jobs in flight all run. */
static void reset_while_every_importer_is_busy(void **state)
{
	struct imp_fixture *f = *state;
	struct dmb_pci_function_info pinfo = {
		.dev = { .name = "nic0", .p2p = true },
		.bar_size = { BAR_SIZE },
	};
	struct dmb_vfio_pci_info vinfo = {
		.policy = DMB_VFIO_POLICY_REVOKE, .revoke = &fx_patient,
	};
	struct dmb_hw_device *vm0 = device(f, "vm0"), *mlx0 = device(f, "mlx0");
	struct reader *readers = th_alloc(READERS * sizeof(*readers));
	struct dmb_importer *gpu;
	struct dma_fence *jobs[2];
	struct dmb_pci_function *pci;
	struct dmb_vfio_pci *vdev;
	struct th_thread *flr_thread;
	struct flr *fl = th_alloc(sizeof(*fl));
	struct dma_buf *buf;

	pci = dmb_pci_function_create(f->space, &pinfo);
	assert_non_null(pci);
	vdev = dmb_vfio_pci_open(pci, &vinfo);
	assert_non_null(vdev);
	buf = dmb_vfio_pci_export(vdev, 0, 0, FX_BUF_SIZE, "bar0-buf");
	assert_non_null(buf);

	readers[0].imp = dmb_importer_create(DMB_IMPORTER_IOMMUFD, vm0, buf);
	readers[1].imp = dmb_importer_create(DMB_IMPORTER_RDMA_ODP, mlx0, buf);
	gpu = dmb_importer_create(DMB_IMPORTER_GPU, f->dev, buf);
	assert_non_null(readers[0].imp);
	assert_non_null(readers[1].imp);
	assert_non_null(gpu);

	/* Everyone busy: two jobs in flight on the GPU, two readers looping. */
	assert_int_equal(dmb_importer_access(gpu, true, 0, 4096, NULL, &jobs[0]), 0);
	assert_int_equal(dmb_importer_access(gpu, false, 4096, 4096, NULL, &jobs[1]), 0);
	for (int i = 0; i < READERS; i++)
		readers[i].thread = th_thread_start(reader_main, &readers[i]);
	for (int i = 0; i < READERS; i++)
		FX_WAIT_FOR(atomic_load(&readers[i].ok) > 0);

	fl->pci = pci;
	flr_thread = th_thread_start(flr_main, fl);
	FX_WAIT_FOR(fx_stats(gpu).invalidations == 1);
	th_sleep_ns(20 * NSEC_PER_MSEC);	/* a chance to go wrong, no more */
	/* The revoke waits in its fence wait: the GPU's jobs are not done. */
	assert_false(atomic_load(&fl->done));
	assert_false(dma_fence_is_signaled(jobs[0]));

	/* Two jobs of IMP_JOB_NS each: let them finish, the reset completes. */
	assert_int_equal(fx_finish(f, jobs[1]), 1);
	assert_int_equal(dma_fence_get_status(jobs[0]), 1);	/* no fault in flight */
	th_thread_join(flr_thread);
	assert_int_equal(fl->ret, 0);
	assert_true(dmb_vfio_pci_revoked(buf));
	atomic_store(&bar_revoked, true);

	/* Told once each, and nobody holds a mapping any more. */
	for (int i = 0; i < READERS; i++)
		assert_int_equal(fx_stats(readers[i].imp).invalidations, 1);
	assert_int_equal(fx_stats(gpu).invalidations, 1);
	assert_int_equal(fx_mapped(dmb_importer_attachment(readers[1].imp)), 0);
	assert_int_equal(fx_mapped(dmb_importer_attachment(gpu)), 0);

	/* While revoked nothing reaches the BAR. */
	FX_WAIT_FOR(atomic_load(&readers[0].fault) > 0);	/* iommufd: IOMMU fault */
	FX_WAIT_FOR(atomic_load(&readers[1].refused) > 0);	/* ODP: cannot map */
	for (int i = 0; i < READERS; i++)
		FX_WAIT_FOR(atomic_load(&readers[i].within_revoke) > 0);
	assert_int_equal(dmb_importer_access(gpu, false, 0, 4096, NULL, NULL), -ENODEV);
	atomic_store(&bar_revoked, false);
	for (int i = 0; i < READERS; i++)
		assert_int_equal(atomic_load(&readers[i].ok_within_revoke), 0);

	/* The reset ends: everyone works again. */
	assert_int_equal(dmb_pci_flr_end(pci), 0);
	assert_int_equal(dmb_importer_restore(readers[0].imp), 0);
	for (int i = 0; i < READERS; i++) {
		unsigned long ok = atomic_load(&readers[i].ok);

		FX_WAIT_FOR(atomic_load(&readers[i].ok) > ok);
		atomic_store(&readers[i].stop, true);
		th_thread_join(readers[i].thread);
		assert_int_equal(atomic_load(&readers[i].other), 0);
	}
	dma_fence_put(jobs[0]);
	dma_fence_put(jobs[1]);
	assert_int_equal(dmb_importer_access(gpu, false, 0, 4096, NULL, &jobs[0]), 0);
	assert_int_equal(fx_finish(f, jobs[0]), 1);
	dma_fence_put(jobs[0]);

	dmb_importer_destroy(gpu);
	for (int i = 0; i < READERS; i++)
		dmb_importer_destroy(readers[i].imp);
	dma_buf_put(buf);
	assert_int_equal(dmb_vfio_pci_release(vdev), 0);
	assert_int_equal(dmb_pci_function_destroy(pci), 0);
	assert_int_equal(dmb_hw_device_destroy(vm0), 0);
	assert_int_equal(dmb_hw_device_destroy(mlx0), 0);
}

/*
 * A last put made under the buffer's resv lock while a reset's revoke of
 * that buffer waits for the lock: the walk holds its own reference, so the
 * put is not the last, nothing waits for anything, and the buffer goes when
 * the walk is done with it (it used to wait for the walk: a deadlock).
 */
static void last_put_under_lock_during_reset(void **state)
{
	struct imp_fixture *f = *state;
	struct dmb_pci_function_info pinfo = {
		.dev = { .name = "nic0", .p2p = true },
		.bar_size = { BAR_SIZE },
	};
	struct dmb_vfio_pci_info vinfo = { .revoke = &fx_patient };
	struct dmb_pci_function *pci = dmb_pci_function_create(f->space, &pinfo);
	struct dmb_vfio_pci *vdev = dmb_vfio_pci_open(pci, &vinfo);
	struct dma_buf *buf = dmb_vfio_pci_export(vdev, 0, 0, FX_BUF_SIZE, "bar0-buf");
	struct dma_resv *resv = dma_buf_resv(buf);
	struct th_thread *flr_thread;
	struct flr *fl = TH_NEW(struct flr, { .pci = pci });

	assert_non_null(buf);
	assert_int_equal(dma_resv_lock(resv, NULL), 0);
	flr_thread = th_thread_start(flr_main, fl);
	/* The walk holds the buffer and its revoke waits for our lock. */
	FX_WAIT_FOR(th_lock_waiters(&resv->lock) == 1);
	dma_buf_put(buf);		/* ours; the walk still has one */
	dma_resv_unlock(resv);
	th_thread_join(flr_thread);
	assert_int_equal(fl->ret, 0);
	assert_int_equal(dmb_pci_flr_end(pci), 0);
	assert_int_equal(dmb_vfio_pci_release(vdev), 0);
	assert_int_equal(dmb_pci_function_destroy(pci), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(reset_while_every_importer_is_busy),
		FX_TEST(last_put_under_lock_during_reset),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
