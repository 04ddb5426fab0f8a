// SPDX-License-Identifier: MIT
/*
 * test-importer-iommufd.c - the iommufd importer on a VFIO BAR buffer
 * (R13): it programs its IOMMU itself and never maps through the exporter,
 * so a revoke never waits for it; its invalidate_mappings unmaps the IOVAs
 * at once (the very next DMA faults); restore is refused while revoked; it
 * releases in the order unpin, detach, put; and it refuses buffers that are
 * not VFIO's.
 *
 * The VFIO exporter runs the POWER_REF policy (every mapping holds a power
 * reference, and low power is refused while one exists) and a revoke unmap
 * bound of SHORT_BOUND_NS: a revoke that had to wait for an importer would
 * report V6, which no case here claims.
 */
#include <dmabuf/drivers/vfio-pci.h>
#include <dmabuf/hw/pci.h>

#include "importer-fixture.h"

#define BAR_SIZE	(1ULL << 20)
#define BUF_OFFSET	(4 * DMB_PAGE_SIZE)
#define SHORT_BOUND_NS	(20 * NSEC_PER_MSEC)

struct fd_fixture {
	struct imp_fixture *f;
	struct dmb_pci_function *pci;
	struct dmb_vfio_pci *vdev;
	struct dma_buf *buf;		/* the test's reference, or NULL */
};

static const struct dmb_revoke_policy short_unmap_bound = {
	.wait = DMB_REVOKE_WARN_THEN_WAIT,
	.unmap_bound_ns = SHORT_BOUND_NS,
	.fence_bound_ns = FX_HANG_NS,
};

static int fd_setup(void **state)
{
	struct dmb_pci_function_info pci = {
		.dev = { .name = "nic0", .p2p = true },
		.bar_size = { BAR_SIZE },
	};
	struct dmb_vfio_pci_info vfio = {
		.policy = DMB_VFIO_POLICY_POWER_REF,
		.revoke = &short_unmap_bound,
	};
	struct fd_fixture *x = calloc(1, sizeof(*x));

	if (!x || fx_setup(state))
		return -1;
	x->f = *state;
	x->pci = dmb_pci_function_create(x->f->space, &pci);
	x->vdev = x->pci ? dmb_vfio_pci_open(x->pci, &vfio) : NULL;
	x->buf = x->vdev ? dmb_vfio_pci_export(x->vdev, 0, BUF_OFFSET, FX_BUF_SIZE,
					       "bar0-buf") : NULL;
	if (!x->buf)
		return -1;
	*state = x;
	return 0;
}

static int fd_teardown(void **state)
{
	struct fd_fixture *x = *state;
	int ret = 0;

	if (x->buf)
		dma_buf_put(x->buf);
	ret |= dmb_vfio_pci_release(x->vdev);
	ret |= dmb_pci_function_destroy(x->pci);	/* -EBUSY if an IOVA leaked */
	*state = x->f;
	free(x);
	return fx_teardown(state) || ret ? -1 : 0;
}

#define FD_TEST(fn) cmocka_unit_test_setup_teardown(fn, fd_setup, fd_teardown)

static struct dmb_importer *create_iommufd(struct fd_fixture *x)
{
	struct dmb_importer *imp = dmb_importer_create(DMB_IMPORTER_IOMMUFD,
						       x->f->dev, x->buf);

	assert_non_null(imp);
	return imp;
}

/* The last fault imp0's domain recorded. */
static struct dmb_iommu_fault last_fault(struct fd_fixture *x)
{
	struct dmb_iommu_domain *d = dmb_hw_device_domain(x->f->dev);
	struct dmb_iommu_fault faults[DMB_IOMMU_FAULT_RECORDS];
	size_t n = dmb_iommu_faults(d, faults, DMB_ARRAY_SIZE(faults));

	assert_true(n > 0);
	return faults[n - 1];
}

/* R13: it programs the IOMMU itself: the exporter never maps, and DMA reaches the BAR. */
static void programs_iommu_without_map(void **state)
{
	struct fd_fixture *x = *state;
	struct dmb_importer *imp = create_iommufd(x);
	struct dma_buf_attachment *attach = dmb_importer_attachment(imp);
	uint8_t in[1000], out[1000];

	assert_true(dma_buf_attach_revocable(attach));
	assert_true(dma_buf_attachment_peer2peer(attach));
	assert_string_equal(dma_buf_attachment_importer_name(attach), "iommufd");
	fx_pattern(in, sizeof(in), 31);
	assert_int_equal(dmb_importer_access(imp, true, 10, sizeof(in), in, NULL), 0);
	assert_int_equal(dmb_pci_bar_read(x->pci, 0, BUF_OFFSET + 10, out, sizeof(out)), 0);
	assert_true(fx_holds(out, sizeof(out), 31));
	memset(out, 0, sizeof(out));
	assert_int_equal(dmb_importer_access(imp, false, 10, sizeof(out), out, NULL), 0);
	assert_true(fx_holds(out, sizeof(out), 31));

	assert_int_equal(fx_mapped(attach), 0);			/* no exporter map */
	assert_int_equal(dmb_vfio_pci_power_refs(x->vdev), 0);	/* no mapping counted */
	assert_int_equal(fx_stats(imp).maps, 1);		/* one IOMMU programming */
	dmb_importer_destroy(imp);
}

/* R13: invalidate_mappings unmaps the IOVAs before it returns: the next DMA faults. */
static void invalidate_unmaps_iova_at_once(void **state)
{
	struct fd_fixture *x = *state;
	struct dmb_importer *imp = create_iommufd(x);
	struct dmb_iommu_fault fault;

	fx_invalidate(x->buf);		/* the exporter's call, no revoke around it */
	assert_int_equal(dmb_importer_access(imp, false, 0, 64, NULL, NULL), -EFAULT);
	fault = last_fault(x);
	assert_int_equal(fault.reason, DMB_IOMMU_FAULT_UNMAPPED);
	assert_int_equal(fault.map_state, -1);		/* no token: the IOMMU is the check */
	assert_int_equal(fx_stats(imp).faults, 1);
	assert_int_equal(fx_stats(imp).invalidations, 1);
	assert_int_equal(dmb_importer_unmap_latency(imp), 0);

	assert_int_equal(dmb_importer_restore(imp), 0);	/* not revoked: map again */
	assert_int_equal(dmb_importer_access(imp, false, 0, 64, NULL, NULL), 0);
	assert_int_equal(fx_stats(imp).maps, 2);
	dmb_importer_destroy(imp);
}

/* R8/R12/R13: an FLR revokes without waiting for iommufd; its IOVAs stay unmapped until restore. */
static void flr_does_not_wait_for_iommufd(void **state)
{
	struct fd_fixture *x = *state;
	struct dmb_importer *imp = create_iommufd(x);
	uint8_t in[64], out[64];

	fx_pattern(in, sizeof(in), 2);
	assert_int_equal(dmb_importer_access(imp, true, 0, sizeof(in), in, NULL), 0);
	assert_int_equal(dmb_vfio_pci_reset(x->vdev), 0);	/* no V6: nothing waited */
	assert_false(dmb_vfio_pci_revoked(x->buf));		/* the BAR is back ... */
	assert_int_equal(dmb_importer_access(imp, false, 0, sizeof(out), out, NULL),
			 -EFAULT);				/* ... the IOVAs are not */
	assert_int_equal(last_fault(x).reason, DMB_IOMMU_FAULT_UNMAPPED);
	assert_int_equal(dmb_importer_restore(imp), 0);
	assert_int_equal(dmb_importer_access(imp, false, 0, sizeof(out), out, NULL), 0);
	assert_true(fx_holds(out, sizeof(out), 2));
	dmb_importer_destroy(imp);
}

/* R9/R13: while revoked, restore is -ENODEV and access faults; after unrevoke both work. */
static void restore_refused_while_revoked(void **state)
{
	struct fd_fixture *x = *state;
	struct dmb_importer *imp = create_iommufd(x);

	/* No power reference is held, so POWER_REF lets the function sleep. */
	assert_int_equal(dmb_vfio_pci_low_power(x->vdev, true), 0);
	assert_true(dmb_vfio_pci_revoked(x->buf));
	assert_int_equal(dmb_importer_restore(imp), -ENODEV);
	assert_int_equal(dmb_importer_access(imp, true, 0, 64, NULL, NULL), -EFAULT);
	assert_int_equal(last_fault(x).reason, DMB_IOMMU_FAULT_UNMAPPED);
	assert_int_equal(dmb_vfio_pci_low_power(x->vdev, false), 0);
	assert_int_equal(dmb_importer_restore(imp), 0);
	assert_int_equal(dmb_importer_restore(imp), 0);	/* mapped: nothing to do */
	assert_int_equal(dmb_importer_access(imp, true, 0, 64, NULL, NULL), 0);
	assert_int_equal(fx_stats(imp).maps, 2);
	dmb_importer_destroy(imp);
}

/* R12/R13: after close the buffer stays revoked: restore keeps failing; destroy is clean. */
static void close_is_permanent(void **state)
{
	struct fd_fixture *x = *state;
	struct dmb_importer *imp = create_iommufd(x);

	assert_int_equal(dmb_pci_close(x->pci), 0);
	assert_int_equal(dmb_importer_restore(imp), -ENODEV);
	assert_int_equal(dmb_importer_access(imp, false, 0, 64, NULL, NULL), -EFAULT);
	dmb_importer_destroy(imp);
}

/* R13: release is unpin, detach, put: no pinned-detach WARN, no V9, the buffer is freed. */
static void release_unpin_detach_put(void **state)
{
	struct fd_fixture *x = *state;
	struct dmb_importer *imp = create_iommufd(x);
	char *dump = NULL;
	size_t len = 0;
	FILE *out;

	/* The importer holds the last reference: a put before the detach is V9. */
	dma_buf_put(x->buf);
	x->buf = NULL;
	dmb_importer_destroy(imp);
	assert_int_equal(dmb_check_total(), 0);
	out = open_memstream(&dump, &len);
	assert_non_null(out);
	dma_buf_debug_dump(out);
	fclose(out);
	assert_non_null(strstr(dump, "0 buffer(s)"));
	free(dump);
}

/* R13: a buffer that is not VFIO's is refused before anything is pinned (a pin may move it). */
static void refuses_non_vfio_buffer(void **state)
{
	struct fd_fixture *x = *state;
	struct imp_fixture *f = x->f;
	struct test_exporter *te = th_alloc(sizeof(*te));

	texp_export(te, f->space, f->devmem, TEXP_PIN, NULL);
	errno = 0;
	assert_null(dmb_importer_create(DMB_IMPORTER_IOMMUFD, f->dev, te->buf));
	assert_int_equal(errno, EOPNOTSUPP);
	assert_string_equal(te->log, "attach,detach");
	assert_int_equal(atomic_load(&te->maps), 0);
	texp_put(te);
}

/* R12/R10: the POWER_REF contrast: an ODP mapping holds a power reference, iommufd none. */
static void only_mappings_hold_power(void **state)
{
	struct fd_fixture *x = *state;
	struct dmb_importer *fd = create_iommufd(x);
	struct dmb_importer *odp = dmb_importer_create(DMB_IMPORTER_RDMA_ODP,
						       x->f->dev, x->buf);

	assert_non_null(odp);
	assert_int_equal(dmb_importer_access(odp, false, 0, 64, NULL, NULL), 0);
	assert_int_equal(dmb_vfio_pci_power_refs(x->vdev), 1);
	assert_int_equal(dmb_vfio_pci_low_power(x->vdev, true), -EBUSY);
	dmb_importer_destroy(odp);
	assert_int_equal(dmb_vfio_pci_low_power(x->vdev, true), 0);
	assert_int_equal(dmb_vfio_pci_low_power(x->vdev, false), 0);
	assert_int_equal(dmb_importer_restore(fd), 0);
	dmb_importer_destroy(fd);
}

struct fd_hammer {
	struct dmb_importer *imp;
	atomic_bool stop;
	atomic_ulong ok, faulted, other;
};

static void *fd_hammer_main(void *arg)
{
	struct fd_hammer *h = arg;
	uint8_t buf[128];

	while (!atomic_load(&h->stop)) {
		int ret = dmb_importer_access(h->imp, true, 256, sizeof(buf), buf, NULL);

		atomic_fetch_add(ret == 0 ? &h->ok : ret == -EFAULT ? &h->faulted :
				 &h->other, 1);
	}
	return NULL;
}

/* R13: DMA racing resets either lands or faults at the IOMMU; nothing is reported. */
static void access_races_reset(void **state)
{
	struct fd_fixture *x = *state;
	struct fd_hammer *h = TH_NEW(struct fd_hammer, {
		.imp = create_iommufd(x),
	});
	struct th_thread *t = th_thread_start(fd_hammer_main, h);

	for (int i = 0; i < 20; i++) {
		assert_int_equal(dmb_vfio_pci_reset(x->vdev), 0);
		th_sleep_ns(200 * NSEC_PER_USEC);
		assert_int_equal(dmb_importer_restore(h->imp), 0);
		th_sleep_ns(200 * NSEC_PER_USEC);
	}
	atomic_store(&h->stop, true);
	th_thread_join(t);
	assert_int_equal(atomic_load(&h->other), 0);
	assert_int_equal(fx_stats(h->imp).faults, atomic_load(&h->faulted));
	assert_int_equal(fx_stats(h->imp).invalidations, 20);
	assert_int_equal(dmb_check_total(), 0);
	dmb_importer_destroy(h->imp);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		FD_TEST(programs_iommu_without_map),
		FD_TEST(invalidate_unmaps_iova_at_once),
		FD_TEST(flr_does_not_wait_for_iommufd),
		FD_TEST(restore_refused_while_revoked),
		FD_TEST(close_is_permanent),
		FD_TEST(release_unpin_detach_put),
		FD_TEST(refuses_non_vfio_buffer),
		FD_TEST(only_mappings_hold_power),
		FD_TEST(access_races_reset),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
