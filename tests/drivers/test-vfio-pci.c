// SPDX-License-Identifier: MIT
/*
 * test-vfio-pci.c - the VFIO-style exporter against R10 and R12: the attach
 * rules, revoke on FLR / decode off / D3hot / close before the BARs go dark
 * and unrevoke when the condition ends, close for good (also after an
 * earlier revoke), the two low-power policies, "CPU mmap fault <=> dma-buf
 * revoked", DMA through a revoked mapping faulting, the private phys call,
 * and misuse.
 *
 * Each case gets a PCI function "vf0" (BAR0 64 KiB, BAR2 one page) on a
 * virtual clock, an exporter opened with the case's policy, and importer
 * devices: "nic0" (peer-to-peer capable, one DMA engine) and "cpu0" (not).
 * An observer records every revoke and unrevoke the exporter reports.
 */
#include <pthread.h>

#include <dmabuf/hw/dma-engine.h>
#include <dmabuf/hw/pci.h>
#include <dmabuf/drivers/heap.h>
#include <dmabuf/drivers/vfio-pci.h>

#include "timp.h"

#define BAR_SIZE	(64 * 1024ULL)
#define BUF_SIZE	(4 * DMB_PAGE_SIZE)
#define MAX_EVENTS	16

struct event {
	bool revoked;			/* else unrevoked */
	struct dma_buf *buf;
	char reason[16];
	bool already_revoked;
};

struct vfx {
	struct hw_fixture *f;
	struct dmb_pci_function *pci;
	struct dmb_vfio_pci *vdev;
	struct dmb_hw_device *nic;	/* p2p, one engine */
	struct dmb_hw_device *cpu;	/* no p2p */
	struct dmb_exporter_observer obs;
	pthread_mutex_t lock;
	unsigned int nev;
	struct event ev[MAX_EVENTS];
};

static void obs_record(struct vfx *x, bool revoked, struct dma_buf *buf,
		       const char *reason, const struct dmb_revoke_stats *stats)
{
	pthread_mutex_lock(&x->lock);
	if (x->nev < MAX_EVENTS) {
		struct event *e = &x->ev[x->nev++];

		e->revoked = revoked;
		e->buf = buf;
		snprintf(e->reason, sizeof(e->reason), "%s", reason);
		e->already_revoked = stats && stats->already_revoked;
	}
	pthread_mutex_unlock(&x->lock);
}

static void obs_revoked(void *data, struct dma_buf *buf, const char *reason,
			const struct dmb_revoke_stats *stats)
{
	obs_record(data, true, buf, reason, stats);
}

static void obs_unrevoked(void *data, struct dma_buf *buf, const char *reason)
{
	obs_record(data, false, buf, reason, NULL);
}

/* Claim the next recorded event, which must be as given. */
static void take_event(struct vfx *x, bool revoked, struct dma_buf *buf,
		       const char *reason, bool already)
{
	struct event e;

	pthread_mutex_lock(&x->lock);
	assert_true(x->nev > 0);
	e = x->ev[0];
	memmove(x->ev, x->ev + 1, --x->nev * sizeof(x->ev[0]));
	pthread_mutex_unlock(&x->lock);
	assert_int_equal(e.revoked, revoked);
	assert_ptr_equal(e.buf, buf);
	assert_string_equal(e.reason, reason);
	assert_int_equal(e.already_revoked, already);
}

static unsigned int events_left(struct vfx *x)
{
	unsigned int n;

	pthread_mutex_lock(&x->lock);
	n = x->nev;
	pthread_mutex_unlock(&x->lock);
	return n;
}

static int vfx_setup(void **state)
{
	struct dmb_pci_function_info info = {
		.dev = { .name = "vf0" },
		.bar_size = { [0] = BAR_SIZE, [2] = DMB_PAGE_SIZE },
	};
	struct vfx *x = calloc(1, sizeof(*x));

	if (!x || exp_setup(state))
		return -1;
	x->f = *state;
	x->pci = dmb_pci_function_create(x->f->space, &info);
	if (!x->pci)
		return -1;
	x->nic = hw_device(x->f, "nic0", true, 1);
	x->cpu = hw_device(x->f, "cpu0", false, 0);
	x->obs = (struct dmb_exporter_observer){
		.revoked = obs_revoked, .unrevoked = obs_unrevoked, .data = x,
	};
	pthread_mutex_init(&x->lock, NULL);
	*state = x;
	return 0;
}

static int vfx_teardown(void **state)
{
	struct vfx *x = *state;
	int ret = th_teardown_threads();

	if (x->vdev)
		dmb_vfio_pci_release(x->vdev);
	if (dmb_pci_function_destroy(x->pci))
		ret = -1;
	if (x->nev) {
		print_error("%u observer event(s) not claimed\n", x->nev);
		ret = -1;
	}
	pthread_mutex_destroy(&x->lock);
	*state = x->f;
	free(x);
	return hw_teardown(state) || ret ? -1 : 0;
}

#define VFX_TEST(fn) cmocka_unit_test_setup_teardown(fn, vfx_setup, vfx_teardown)

static struct dmb_vfio_pci *vfx_open(struct vfx *x, enum dmb_vfio_policy policy,
				     const struct dmb_revoke_policy *revoke)
{
	struct dmb_vfio_pci_info info = {
		.policy = policy, .revoke = revoke, .observer = &x->obs,
	};

	x->vdev = dmb_vfio_pci_open(x->pci, &info);
	assert_non_null(x->vdev);
	assert_ptr_equal(dmb_vfio_pci_function(x->vdev), x->pci);
	return x->vdev;
}

static struct dma_buf *vfx_export(struct vfx *x, const char *name)
{
	struct dma_buf *buf = dmb_vfio_pci_export(x->vdev, 0, 0, BUF_SIZE, name);

	assert_non_null(buf);
	return buf;
}

/* A revocable, p2p importer on nic0, attached and mapped. */
static void nic_attach_map(struct vfx *x, struct timp *imp, struct dma_buf *buf,
			   bool unmap_now)
{
	timp_init(imp, "nic-imp", x->nic, TIMP_REVOCABLE, true, unmap_now);
	assert_non_null(timp_attach(imp, buf));
	assert_int_equal(timp_map(imp), 0);
}

/* R10: an importer that is not peer-to-peer capable is refused, revocable or not. */
static void attach_refuses_non_p2p(void **state)
{
	struct vfx *x = *state;
	struct dma_buf *buf;
	struct timp imp;

	vfx_open(x, DMB_VFIO_POLICY_REVOKE, NULL);
	buf = vfx_export(x, "bar0");
	timp_init(&imp, "no-p2p", x->nic, TIMP_REVOCABLE, false, true);
	assert_null(timp_attach(&imp, buf));
	assert_int_equal(errno, EOPNOTSUPP);
	dma_buf_put(buf);
}

/* R10: static and dynamic-without-invalidate importers are refused even if p2p. */
static void attach_refuses_non_revocable(void **state)
{
	struct vfx *x = *state;
	struct dma_buf *buf;
	struct timp imp;

	vfx_open(x, DMB_VFIO_POLICY_REVOKE, NULL);
	buf = vfx_export(x, "bar0");
	timp_init(&imp, "static", x->nic, TIMP_STATIC, false, false);
	assert_null(timp_attach(&imp, buf));
	assert_int_equal(errno, EOPNOTSUPP);
	timp_init(&imp, "rdma-pinned", x->nic, TIMP_DYNAMIC, true, false);
	assert_null(timp_attach(&imp, buf));
	assert_int_equal(errno, EOPNOTSUPP);
	dma_buf_put(buf);
}

/* R10, R12: a pinned revocable importer is accepted; the pin succeeds and the revoke still reaches it. */
static void pinned_revocable_importer_accepted(void **state)
{
	struct vfx *x = *state;
	struct dma_buf *buf;
	struct timp imp;

	vfx_open(x, DMB_VFIO_POLICY_REVOKE, NULL);
	buf = vfx_export(x, "bar0");
	timp_init(&imp, "iommufd", x->nic, TIMP_REVOCABLE, true, true);
	assert_non_null(timp_attach(&imp, buf));
	assert_int_equal(timp_pin(&imp), 0);
	assert_true(dma_buf_attach_revocable(imp.attach));
	assert_int_equal(timp_map(&imp), 0);

	assert_int_equal(dmb_vfio_pci_reset(x->vdev), 0);
	assert_int_equal(atomic_load(&imp.invalidations), 1);
	assert_false(timp_mapped(&imp));
	take_event(x, true, buf, "flr", false);
	take_event(x, false, buf, "flr", false);

	timp_unpin(&imp);
	timp_detach(&imp);
	dma_buf_put(buf);
}

/*
 * R12, R8, R9: FLR revokes before the reset (invalidate, unmap, attach and
 * map refused with -ENODEV) and unrevokes after it; mapping works again.
 */
static void flr_revokes_then_unrevokes(void **state)
{
	struct vfx *x = *state;
	struct timp imp, other;
	struct dma_buf *buf;

	vfx_open(x, DMB_VFIO_POLICY_REVOKE, NULL);
	buf = vfx_export(x, "bar0");
	nic_attach_map(x, &imp, buf, true);
	assert_false(dmb_vfio_pci_revoked(buf));

	assert_int_equal(dmb_pci_flr_begin(x->pci), 0);
	assert_true(dmb_vfio_pci_revoked(buf));
	assert_int_equal(atomic_load(&imp.invalidations), 1);
	assert_false(timp_mapped(&imp));
	take_event(x, true, buf, "flr", false);
	assert_int_equal(timp_map(&imp), -ENODEV);
	timp_init(&other, "late", x->nic, TIMP_REVOCABLE, true, true);
	assert_null(timp_attach(&other, buf));
	assert_int_equal(errno, ENODEV);

	assert_int_equal(dmb_pci_flr_end(x->pci), 0);
	assert_false(dmb_vfio_pci_revoked(buf));
	take_event(x, false, buf, "flr", false);
	assert_int_equal(timp_map(&imp), 0);
	assert_int_equal(timp_phys(&imp), dmb_mem_region_base(dmb_pci_bar(x->pci, 0)));
	assert_int_equal(events_left(x), 0);

	timp_detach(&imp);
	dma_buf_put(buf);
}

/* R12: memory decode off revokes every buffer of the exporter; decode on unrevokes them. */
static void decode_off_revokes_then_unrevokes(void **state)
{
	struct vfx *x = *state;
	struct dma_buf *a, *b;
	struct timp imp;

	vfx_open(x, DMB_VFIO_POLICY_REVOKE, NULL);
	a = vfx_export(x, "a");
	b = dmb_vfio_pci_export(x->vdev, 2, 0, DMB_PAGE_SIZE, "b");
	assert_non_null(b);
	nic_attach_map(x, &imp, b, true);

	assert_int_equal(dmb_pci_set_decode(x->pci, false), 0);
	assert_true(dmb_vfio_pci_revoked(a) && dmb_vfio_pci_revoked(b));
	assert_false(timp_mapped(&imp));
	take_event(x, true, a, "decode-off", false);
	take_event(x, true, b, "decode-off", false);
	assert_int_equal(timp_map(&imp), -ENODEV);

	assert_int_equal(dmb_pci_set_decode(x->pci, true), 0);
	take_event(x, false, a, "decode-off", false);
	take_event(x, false, b, "decode-off", false);
	assert_int_equal(timp_map(&imp), 0);

	timp_detach(&imp);
	dma_buf_put(a);
	dma_buf_put(b);
}

/* R12: under the REVOKE policy low-power entry revokes (D3hot), leaving it unrevokes. */
static void d3_revokes_then_unrevokes(void **state)
{
	struct vfx *x = *state;
	struct dma_buf *buf;
	struct timp imp;

	vfx_open(x, DMB_VFIO_POLICY_REVOKE, NULL);
	buf = vfx_export(x, "bar0");
	nic_attach_map(x, &imp, buf, true);

	assert_int_equal(dmb_vfio_pci_low_power(x->vdev, true), 0);
	assert_true(dmb_pci_is_isolated(x->pci));
	assert_true(dmb_vfio_pci_revoked(buf));
	assert_false(timp_mapped(&imp));
	take_event(x, true, buf, "d3", false);
	assert_int_equal(dmb_vfio_pci_power_refs(x->vdev), 0);

	assert_int_equal(dmb_vfio_pci_low_power(x->vdev, false), 0);
	assert_false(dmb_vfio_pci_revoked(buf));
	take_event(x, false, buf, "d3", false);
	assert_int_equal(timp_map(&imp), 0);

	timp_detach(&imp);
	dma_buf_put(buf);
}

/* R12: only the end of the last isolating condition unrevokes. */
static void overlapping_conditions_unrevoke_once(void **state)
{
	struct vfx *x = *state;
	struct dma_buf *buf;

	vfx_open(x, DMB_VFIO_POLICY_REVOKE, NULL);
	buf = vfx_export(x, "bar0");
	assert_int_equal(dmb_pci_set_power(x->pci, DMB_PCI_D3HOT), 0);
	take_event(x, true, buf, "d3", false);
	assert_int_equal(dmb_pci_set_decode(x->pci, false), 0);
	assert_int_equal(dmb_vfio_pci_reset(x->vdev), 0);
	assert_int_equal(dmb_pci_set_power(x->pci, DMB_PCI_D0), 0);
	assert_true(dmb_vfio_pci_revoked(buf));
	assert_int_equal(events_left(x), 0);
	assert_int_equal(dmb_pci_set_decode(x->pci, true), 0);
	assert_false(dmb_vfio_pci_revoked(buf));
	take_event(x, false, buf, "decode-off", false);
	dma_buf_put(buf);
}

/* R12: close revokes for good: attach and export refused, no later event unrevokes. */
static void close_is_permanent(void **state)
{
	struct vfx *x = *state;
	struct dma_buf *buf;
	struct timp imp;

	vfx_open(x, DMB_VFIO_POLICY_REVOKE, NULL);
	buf = vfx_export(x, "bar0");
	nic_attach_map(x, &imp, buf, true);

	assert_int_equal(dmb_pci_close(x->pci), 0);
	assert_true(dmb_vfio_pci_revoked(buf));
	assert_false(timp_mapped(&imp));
	take_event(x, true, buf, "close", false);
	assert_int_equal(timp_map(&imp), -ENODEV);
	timp_detach(&imp);
	assert_null(timp_attach(&imp, buf));
	assert_int_equal(errno, ENODEV);
	assert_null(dmb_vfio_pci_export(x->vdev, 0, 0, BUF_SIZE, NULL));
	assert_int_equal(errno, ENODEV);

	assert_int_equal(dmb_pci_set_power(x->pci, DMB_PCI_D0), -ENODEV);
	assert_int_equal(dmb_vfio_pci_reset(x->vdev), -ENODEV);
	assert_true(dmb_vfio_pci_revoked(buf));
	/* Release after close has nothing left to revoke. */
	assert_int_equal(dmb_vfio_pci_release(x->vdev), 0);
	x->vdev = NULL;
	assert_int_equal(events_left(x), 0);
	dma_buf_put(buf);
}

/*
 * R12: a close during an FLR (after the FLR's revoke) neither lowers the
 * mapping count again nor waits on the fired completion — the helper would
 * warn when the buffer goes, and the case would hang — and the FLR's end
 * cannot bring the buffer back.
 */
static void close_during_flr_revokes_once(void **state)
{
	struct vfx *x = *state;
	struct dma_buf *buf;
	struct timp imp;

	vfx_open(x, DMB_VFIO_POLICY_POWER_REF, NULL);
	buf = vfx_export(x, "bar0");
	nic_attach_map(x, &imp, buf, true);
	assert_int_equal(dmb_vfio_pci_power_refs(x->vdev), 1);

	assert_int_equal(dmb_pci_flr_begin(x->pci), 0);
	take_event(x, true, buf, "flr", false);
	assert_int_equal(dmb_vfio_pci_power_refs(x->vdev), 0);

	assert_int_equal(dmb_pci_close(x->pci), 0);
	take_event(x, true, buf, "close", true);
	assert_int_equal(dmb_vfio_pci_power_refs(x->vdev), 0);
	assert_int_equal(dmb_pci_flr_end(x->pci), -ENODEV);
	assert_true(dmb_vfio_pci_revoked(buf));
	assert_int_equal(timp_map(&imp), -ENODEV);
	assert_int_equal(events_left(x), 0);

	timp_detach(&imp);
	dma_buf_put(buf);
}

/* R12: releasing the exporter revokes its buffers for good; they stay valid handles; later events do not reach them. */
static void release_revokes_for_good(void **state)
{
	struct vfx *x = *state;
	struct dma_buf *buf;
	struct timp imp;

	vfx_open(x, DMB_VFIO_POLICY_REVOKE, NULL);
	buf = vfx_export(x, "bar0");
	nic_attach_map(x, &imp, buf, true);

	assert_int_equal(dmb_vfio_pci_release(x->vdev), 0);
	x->vdev = NULL;
	take_event(x, true, buf, "release", false);
	assert_true(dmb_vfio_pci_revoked(buf));
	assert_false(timp_mapped(&imp));
	assert_int_equal(dmb_pci_set_power(x->pci, DMB_PCI_D3HOT), 0);
	assert_int_equal(dmb_pci_set_power(x->pci, DMB_PCI_D0), 0);
	assert_true(dmb_vfio_pci_revoked(buf));
	assert_int_equal(timp_map(&imp), -ENODEV);
	assert_int_equal(events_left(x), 0);
	timp_detach(&imp);
	dma_buf_put(buf);
}

/* R12: a buffer exported while the function is isolated is born revoked and comes back with the function. */
static void export_while_isolated_is_born_revoked(void **state)
{
	struct vfx *x = *state;
	struct dma_buf *buf;
	struct timp imp;

	vfx_open(x, DMB_VFIO_POLICY_REVOKE, NULL);
	assert_int_equal(dmb_pci_set_power(x->pci, DMB_PCI_D3HOT), 0);
	buf = vfx_export(x, "bar0");
	assert_true(dmb_vfio_pci_revoked(buf));
	timp_init(&imp, "nic-imp", x->nic, TIMP_REVOCABLE, true, true);
	assert_null(timp_attach(&imp, buf));
	assert_int_equal(errno, ENODEV);
	assert_int_equal(events_left(x), 0);

	assert_int_equal(dmb_pci_set_power(x->pci, DMB_PCI_D0), 0);
	take_event(x, false, buf, "d3", false);
	assert_non_null(timp_attach(&imp, buf));
	assert_int_equal(timp_map(&imp), 0);
	timp_detach(&imp);
	dma_buf_put(buf);
}

/* Export refuses ranges outside the BAR, unaligned ranges, empty ones and missing BARs with -EINVAL. */
static void export_rejects_bad_ranges(void **state)
{
	/* @warned: a range not inside an existing BAR is misuse (a WARN) */
	static const struct {
		unsigned int bar;
		uint64_t offset, size;
		bool warned;
	} bad[] = {
		{ 0, 0, 0, true },
		{ 0, 1, DMB_PAGE_SIZE, false },
		{ 0, 0, DMB_PAGE_SIZE + 1, false },
		{ 0, BAR_SIZE - DMB_PAGE_SIZE, 2 * DMB_PAGE_SIZE, true },
		{ 0, BAR_SIZE, DMB_PAGE_SIZE, true },
		{ 0, UINT64_MAX & DMB_PAGE_MASK, 2 * DMB_PAGE_SIZE, true },
		{ 1, 0, DMB_PAGE_SIZE, true },
		{ DMB_PCI_NUM_BARS, 0, DMB_PAGE_SIZE, true },
	};
	struct vfx *x = *state;
	uint64_t phys, size;
	struct dma_buf *buf;
	struct timp imp;

	vfx_open(x, DMB_VFIO_POLICY_REVOKE, NULL);
	for (unsigned int i = 0; i < DMB_ARRAY_SIZE(bad); i++) {
		errno = 0;
		assert_null(dmb_vfio_pci_export(x->vdev, bad[i].bar, bad[i].offset,
						bad[i].size, NULL));
		assert_int_equal(errno, EINVAL);
		if (bad[i].warned)
			th_assert_warned("dmb_vfio_pci_export");
	}
	/* The last pages of the BAR are fine, and the buffer starts there. */
	buf = dmb_vfio_pci_export(x->vdev, 0, BAR_SIZE - BUF_SIZE, BUF_SIZE, NULL);
	assert_non_null(buf);
	assert_string_equal(dma_buf_name(buf), "vfio-pci");
	assert_int_equal(dma_buf_size(buf), BUF_SIZE);
	timp_init(&imp, "iommufd", x->nic, TIMP_REVOCABLE, true, true);
	assert_non_null(timp_attach(&imp, buf));
	dma_resv_lock(dma_buf_resv(buf), NULL);
	assert_int_equal(dmb_vfio_pci_dma_buf_phys(imp.attach, &phys, &size), 0);
	dma_resv_unlock(dma_buf_resv(buf));
	assert_int_equal(phys, dmb_mem_region_base(dmb_pci_bar(x->pci, 0)) +
			 BAR_SIZE - BUF_SIZE);
	assert_int_equal(size, BUF_SIZE);
	timp_detach(&imp);
	dma_buf_put(buf);
}

/*
 * Review position (power references): under POWER_REF a live mapping holds
 * a power reference and low-power entry is refused with -EBUSY; without
 * mappings it enters D3hot, the buffers being revoked for the duration.
 */
static void power_ref_refuses_low_power_while_mapped(void **state)
{
	struct vfx *x = *state;
	struct dma_buf *buf;
	struct timp imp;

	vfx_open(x, DMB_VFIO_POLICY_POWER_REF, NULL);
	buf = vfx_export(x, "bar0");
	nic_attach_map(x, &imp, buf, true);
	assert_int_equal(dmb_vfio_pci_power_refs(x->vdev), 1);

	assert_int_equal(dmb_vfio_pci_low_power(x->vdev, true), -EBUSY);
	assert_false(dmb_pci_is_isolated(x->pci));
	assert_false(dmb_vfio_pci_revoked(buf));
	assert_true(timp_mapped(&imp));
	assert_int_equal(atomic_load(&imp.invalidations), 0);
	assert_int_equal(events_left(x), 0);

	timp_unmap(&imp);
	assert_int_equal(dmb_vfio_pci_power_refs(x->vdev), 0);
	assert_int_equal(dmb_vfio_pci_low_power(x->vdev, true), 0);
	assert_true(dmb_pci_is_isolated(x->pci));
	assert_true(dmb_vfio_pci_revoked(buf));
	take_event(x, true, buf, "d3", false);
	assert_int_equal(timp_map(&imp), -ENODEV);
	assert_int_equal(dmb_vfio_pci_power_refs(x->vdev), 0);

	assert_int_equal(dmb_vfio_pci_low_power(x->vdev, false), 0);
	take_event(x, false, buf, "d3", false);
	assert_int_equal(timp_map(&imp), 0);
	assert_int_equal(dmb_vfio_pci_power_refs(x->vdev), 1);

	/* A D3hot the exporter did not ask for still revokes (and drops the reference). */
	assert_int_equal(dmb_pci_set_power(x->pci, DMB_PCI_D3HOT), 0);
	take_event(x, true, buf, "d3", false);
	assert_false(timp_mapped(&imp));
	assert_int_equal(dmb_vfio_pci_power_refs(x->vdev), 0);
	assert_int_equal(dmb_pci_set_power(x->pci, DMB_PCI_D0), 0);
	take_event(x, false, buf, "d3", false);

	timp_detach(&imp);
	dma_buf_put(buf);
}

/* R12: CPU access through the guarded accessor fails exactly while the dma-buf is revoked. */
static void cpu_access_fails_iff_revoked(void **state)
{
	static const char *const reasons[] = { "d3", "decode-off", "flr" };
	struct vfx *x = *state;
	uint32_t in = 0xc0ffee, out;
	struct dma_buf *buf;

	vfx_open(x, DMB_VFIO_POLICY_REVOKE, NULL);
	buf = vfx_export(x, "bar0");
	assert_int_equal(dmb_pci_bar_write(x->pci, 0, 8, &in, sizeof(in)), 0);
	for (unsigned int i = 0; i < DMB_ARRAY_SIZE(reasons); i++) {
		int ret = i == 0 ? dmb_pci_set_power(x->pci, DMB_PCI_D3HOT) :
			  i == 1 ? dmb_pci_set_decode(x->pci, false) :
				   dmb_pci_flr_begin(x->pci);

		assert_int_equal(ret, 0);
		assert_true(dmb_vfio_pci_revoked(buf));
		assert_int_equal(dmb_pci_bar_read(x->pci, 0, 8, &out, sizeof(out)), -EIO);
		take_event(x, true, buf, reasons[i], false);

		ret = i == 0 ? dmb_pci_set_power(x->pci, DMB_PCI_D0) :
		      i == 1 ? dmb_pci_set_decode(x->pci, true) :
			       dmb_pci_flr_end(x->pci);
		assert_int_equal(ret, 0);
		assert_false(dmb_vfio_pci_revoked(buf));
		out = 0;
		assert_int_equal(dmb_pci_bar_read(x->pci, 0, 8, &out, sizeof(out)), 0);
		assert_int_equal(out, in);
		take_event(x, false, buf, reasons[i], false);
	}
	dma_buf_put(buf);
}

/*
 * R8, V5: after the revoke a DMA through the old mapping faults — a
 * synchronous read and an engine job alike — and the checker names the
 * importer; after the reset a new mapping works.
 */
static void dma_through_revoked_mapping_faults(void **state)
{
	struct vfx *x = *state;
	struct dmb_iommu_domain *domain = dmb_hw_device_domain(x->nic);
	struct dmb_check_map *token;
	struct dmb_iommu_fault rec;
	struct dma_fence *fence;
	uint32_t in = 0x5a5a1234, out = 0;
	struct dma_buf *buf;
	struct timp imp;
	uint64_t addr;

	vfx_open(x, DMB_VFIO_POLICY_REVOKE, NULL);
	buf = vfx_export(x, "bar0");
	nic_attach_map(x, &imp, buf, true);
	addr = timp_addr(&imp);
	token = timp_token(&imp);
	assert_int_equal(dmb_pci_bar_write(x->pci, 0, 0, &in, sizeof(in)), 0);
	assert_int_equal(timp_dma_read(&imp, addr, 0, &out, sizeof(out), token), 0);
	assert_int_equal(out, in);

	assert_int_equal(dmb_pci_flr_begin(x->pci), 0);
	take_event(x, true, buf, "flr", false);
	assert_int_equal(dmb_check_map_state(token), DMB_MAP_UNMAPPED);
	assert_int_equal(timp_dma_read(&imp, addr, 0, &out, sizeof(out), token), -EFAULT);
	th_claim_violation(DMB_V5_DMA_AFTER_UNMAP, NULL, "nic-imp");
	assert_int_equal(dmb_iommu_faults(domain, &rec, 1), 1);
	assert_int_equal(rec.reason, DMB_IOMMU_FAULT_UNMAPPED);
	assert_ptr_equal(rec.map, token);
	assert_int_equal(rec.map_state, DMB_MAP_UNMAPPED);

	fence = dmb_dma_submit(dmb_hw_device_engine(x->nic, 0), &(struct dmb_dma_job){
		.op = DMB_DMA_FILL, .dst = { .addr = addr, .map = token },
		.len = DMB_PAGE_SIZE, .fill = 0xff });
	assert_non_null(fence);
	assert_int_equal(dmb_clock_advance(x->f->clock, NSEC_PER_MSEC), 0);
	assert_int_equal(dma_fence_wait(fence), 0);
	assert_int_equal(dma_fence_get_status(fence), -EFAULT);
	dma_fence_put(fence);
	th_claim_violation(DMB_V5_DMA_AFTER_UNMAP, NULL, NULL);
	assert_int_equal(dmb_iommu_fault_count(domain), 2);
	dmb_check_map_put(token);

	assert_int_equal(dmb_pci_flr_end(x->pci), 0);
	take_event(x, false, buf, "flr", false);
	assert_int_equal(timp_map(&imp), 0);
	out = 0;
	assert_int_equal(timp_dma_read(&imp, timp_addr(&imp), 0, &out, sizeof(out), NULL), 0);
	assert_int_equal(out, in);
	timp_detach(&imp);
	dma_buf_put(buf);
}

struct flr_thread {
	struct dmb_pci_function *pci;
	atomic_bool done;
	int ret;
};

static void *flr_begin_thread(void *arg)
{
	struct flr_thread *t = arg;

	t->ret = dmb_pci_flr_begin(t->pci);
	atomic_store(&t->done, true);
	return NULL;
}

/*
 * R8, R12: the revoke runs while the BAR is still reachable — the CPU can
 * access it and the invalidated importer may still read-and-discard — and
 * the function goes dark only once the importer unmapped.
 */
static void revoke_completes_before_isolation(void **state)
{
	static const struct dmb_revoke_policy wait = { .wait = DMB_REVOKE_WAIT };
	struct flr_thread *t = TH_NEW(struct flr_thread, { 0 });
	struct vfx *x = *state;
	struct dmb_check_map *token;
	struct th_thread *thread;
	struct dma_buf *buf;
	struct timp *imp = th_alloc(sizeof(*imp));
	uint32_t word;

	vfx_open(x, DMB_VFIO_POLICY_REVOKE, &wait);
	buf = vfx_export(x, "bar0");
	nic_attach_map(x, imp, buf, false);
	token = timp_token(imp);
	t->pci = x->pci;
	thread = th_thread_start(flr_begin_thread, t);

	assert_true(TH_WAIT_UNTIL(atomic_load(&imp->invalidations) == 1));
	assert_true(dmb_vfio_pci_revoked(buf));
	assert_false(dmb_pci_is_isolated(x->pci));
	assert_int_equal(dmb_pci_bar_read(x->pci, 0, 0, &word, sizeof(word)), 0);
	assert_int_equal(timp_dma_read(imp, timp_addr(imp), 0, &word, sizeof(word), token), 0);
	assert_false(atomic_load(&t->done));

	timp_unmap(imp);
	th_thread_join(thread);
	assert_int_equal(t->ret, 0);
	assert_true(dmb_pci_is_isolated(x->pci));
	take_event(x, true, buf, "flr", false);
	dmb_check_map_put(token);
	assert_int_equal(dmb_check_total(), 0);

	assert_int_equal(dmb_pci_flr_end(x->pci), 0);
	take_event(x, false, buf, "flr", false);
	timp_detach(imp);
	dma_buf_put(buf);
}

/* R8: a map that fails in the DMA API gives back its count and power reference, so a later revoke does not wait for it. */
static void failed_map_undoes_its_count(void **state)
{
	struct vfx *x = *state;
	struct dma_buf *buf;
	struct timp imp;

	vfx_open(x, DMB_VFIO_POLICY_POWER_REF, NULL);
	buf = vfx_export(x, "bar0");
	/* The importer claims peer-to-peer; its device cannot do it. */
	timp_init(&imp, "cpu-imp", x->cpu, TIMP_REVOCABLE, true, true);
	assert_non_null(timp_attach(&imp, buf));
	assert_int_equal(timp_map(&imp), -EREMOTEIO);
	assert_int_equal(dmb_vfio_pci_power_refs(x->vdev), 0);

	assert_int_equal(dmb_vfio_pci_reset(x->vdev), 0);
	take_event(x, true, buf, "flr", false);
	take_event(x, false, buf, "flr", false);
	assert_int_equal(dmb_vfio_pci_low_power(x->vdev, true), 0);
	take_event(x, true, buf, "d3", false);
	assert_int_equal(dmb_vfio_pci_low_power(x->vdev, false), 0);
	take_event(x, false, buf, "d3", false);
	timp_detach(&imp);
	dma_buf_put(buf);
}

/* R13 (exporter side): the private phys call needs the resv lock, refuses while revoked and for other exporters' buffers. */
static void dma_buf_phys_private_call(void **state)
{
	struct vfx *x = *state;
	struct dma_buf *buf, *heap;
	uint64_t phys = 0, size = 0;
	struct timp imp, himp;

	vfx_open(x, DMB_VFIO_POLICY_REVOKE, NULL);
	buf = vfx_export(x, "bar0");
	timp_init(&imp, "iommufd", x->nic, TIMP_REVOCABLE, true, true);
	assert_non_null(timp_attach(&imp, buf));
	assert_int_equal(timp_pin(&imp), 0);

	dma_resv_lock(dma_buf_resv(buf), NULL);
	assert_int_equal(dmb_vfio_pci_dma_buf_phys(imp.attach, &phys, &size), 0);
	dma_resv_unlock(dma_buf_resv(buf));
	assert_int_equal(phys, dmb_mem_region_base(dmb_pci_bar(x->pci, 0)));
	assert_int_equal(size, BUF_SIZE);

	assert_int_equal(dmb_vfio_pci_dma_buf_phys(imp.attach, &phys, &size), -EINVAL);
	th_assert_warned("is not held");

	assert_int_equal(dmb_pci_flr_begin(x->pci), 0);
	take_event(x, true, buf, "flr", false);
	dma_resv_lock(dma_buf_resv(buf), NULL);
	assert_int_equal(dmb_vfio_pci_dma_buf_phys(imp.attach, &phys, &size), -ENODEV);
	dma_resv_unlock(dma_buf_resv(buf));
	assert_int_equal(dmb_pci_flr_end(x->pci), 0);
	take_event(x, false, buf, "flr", false);

	heap = dmb_heap_export(x->f->ram, DMB_PAGE_SIZE, "heap");
	assert_non_null(heap);
	timp_init(&himp, "iommufd", x->nic, TIMP_REVOCABLE, true, true);
	assert_non_null(timp_attach(&himp, heap));
	dma_resv_lock(dma_buf_resv(heap), NULL);
	assert_int_equal(dmb_vfio_pci_dma_buf_phys(himp.attach, &phys, &size), -EOPNOTSUPP);
	dma_resv_unlock(dma_buf_resv(heap));
	timp_detach(&himp);
	dma_buf_put(heap);

	timp_unpin(&imp);
	timp_detach(&imp);
	dma_buf_put(buf);
}

/* Opening a closed function fails with -ENODEV. */
static void open_refuses_closed_function(void **state)
{
	struct vfx *x = *state;

	assert_int_equal(dmb_pci_close(x->pci), 0);
	assert_null(dmb_vfio_pci_open(x->pci, NULL));
	assert_int_equal(errno, ENODEV);
}

/* Misuse: NULL arguments, bad policies and foreign buffers WARN and fail. */
static void misuse_warns(void **state)
{
	static const struct dmb_revoke_policy bad_revoke = { .unmap_bound_ns = -1 };
	struct dmb_vfio_pci_info bad = { .policy = 7 };
	struct vfx *x = *state;
	uint64_t phys, size;
	struct dma_buf *heap;

	assert_null(dmb_vfio_pci_open(NULL, NULL));
	assert_int_equal(errno, EINVAL);
	th_assert_warned("without a PCI function");
	assert_null(dmb_vfio_pci_open(x->pci, &bad));
	th_assert_warned("no low-power policy");
	bad = (struct dmb_vfio_pci_info){ .revoke = &bad_revoke };
	assert_null(dmb_vfio_pci_open(x->pci, &bad));
	th_assert_warned("invalid revoke policy");

	assert_null(dmb_vfio_pci_export(NULL, 0, 0, BUF_SIZE, NULL));
	th_assert_warned("without an exporter");
	assert_int_equal(dmb_vfio_pci_release(NULL), -EINVAL);
	th_assert_warned("release(NULL)");
	assert_int_equal(dmb_vfio_pci_reset(NULL), -EINVAL);
	th_assert_warned("reset(NULL)");
	assert_int_equal(dmb_vfio_pci_low_power(NULL, true), -EINVAL);
	th_assert_warned("low_power(NULL)");
	assert_int_equal(dmb_vfio_pci_power_refs(NULL), 0);
	th_assert_warned("power_refs(NULL)");
	assert_null(dmb_vfio_pci_function(NULL));
	th_assert_warned("function(NULL)");
	assert_false(dmb_vfio_pci_revoked(NULL));
	th_assert_warned("revoked(NULL)");
	assert_int_equal(dmb_vfio_pci_dma_buf_phys(NULL, &phys, &size), -EINVAL);
	th_assert_warned("dma_buf_phys");

	heap = dmb_heap_export(x->f->ram, DMB_PAGE_SIZE, "heap");
	assert_non_null(heap);
	assert_false(dmb_vfio_pci_revoked(heap));
	th_assert_warned("is not a vfio-pci buffer");
	dma_buf_put(heap);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		VFX_TEST(attach_refuses_non_p2p),
		VFX_TEST(attach_refuses_non_revocable),
		VFX_TEST(pinned_revocable_importer_accepted),
		VFX_TEST(flr_revokes_then_unrevokes),
		VFX_TEST(decode_off_revokes_then_unrevokes),
		VFX_TEST(d3_revokes_then_unrevokes),
		VFX_TEST(overlapping_conditions_unrevoke_once),
		VFX_TEST(close_is_permanent),
		VFX_TEST(close_during_flr_revokes_once),
		VFX_TEST(release_revokes_for_good),
		VFX_TEST(export_while_isolated_is_born_revoked),
		VFX_TEST(export_rejects_bad_ranges),
		VFX_TEST(power_ref_refuses_low_power_while_mapped),
		VFX_TEST(cpu_access_fails_iff_revoked),
		VFX_TEST(dma_through_revoked_mapping_faults),
		VFX_TEST(revoke_completes_before_isolation),
		VFX_TEST(failed_map_undoes_its_count),
		VFX_TEST(dma_buf_phys_private_call),
		VFX_TEST(open_refuses_closed_function),
		VFX_TEST(misuse_warns),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
