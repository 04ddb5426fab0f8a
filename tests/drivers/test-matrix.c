// SPDX-License-Identifier: MIT
/*
 * test-matrix.c - every reference exporter against every reference
 * importer, one case per cell, each on fresh objects and played the same
 * way:
 *
 *  1. create the importer on a fresh buffer (attach, pin, map, program...);
 *  2. first access: write pattern A to [0, 256), check it with the CPU,
 *     read it back through the importer;
 *  3. revoke: vfio-pci begins a function level reset (the exporter revokes
 *     before the BAR goes dark); vram evicts the buffer to system memory (a
 *     move: invalidate, wait for fences, copy); heap has nothing to do;
 *  4. after the revoke: write pattern B to [256, 512) through the importer;
 *  5. unrevoke (vfio: the reset ends; the others: nothing) and
 *     dmb_importer_restore();
 *  6. check with the CPU whether B landed in the buffer, and read A back
 *     through the importer.
 *
 * The expected outcome of every step is spelled out in the table below,
 * which docs/drivers-importers.md reproduces; a cell that does something
 * else fails, as does any report the table does not expect. Violations are
 * claimed with the importer's name. Steps after a blocked revoke follow
 * what the table says the revoke does.
 */
#include <dmabuf/drivers/heap.h>
#include <dmabuf/drivers/vfio-pci.h>
#include <dmabuf/drivers/vram.h>
#include <dmabuf/hw/pci.h>

#include "importer-fixture.h"

#define MX_LEN		256
#define MX_A		0x11
#define MX_B		0x5a
#define V6_BOUND_NS	(20 * NSEC_PER_MSEC)	/* real time: only the V6 cell */

enum mx_exporter {
	MX_VFIO,
	MX_VRAM,
	MX_HEAP,
};

enum mx_revoke {
	MX_REV_NONE,		/* nothing to do (heap) */
	MX_REV_OK,		/* returns 0 without waiting for this importer */
	MX_REV_EBUSY,		/* refused: the importer pinned the buffer */
	MX_REV_V6,		/* blocks; V6 at the unmap bound; ends when the importer is destroyed */
	MX_REV_UNTIL_ACCESS,	/* blocks until the importer's next access unmaps */
};

/*
 * struct mx_cell - one exporter x importer pair and what must happen
 * @create: dmb_importer_create()'s errno, negated (0: created)
 * @revoke: what step 3 does
 * @after: step 4's result (a GPU job's fence status folded in)
 * @after_v: the violation step 4 raises, or 0
 * @after_lands: B is in the buffer afterwards (CPU check)
 * @restore: dmb_importer_restore()'s result in step 5
 */
struct mx_cell {
	enum mx_exporter exp;
	enum dmb_importer_kind imp;
	int create;
	enum mx_revoke revoke;
	int after;
	enum dmb_violation after_v;
	bool after_lands;
	int restore;
};

#define NO_V	((enum dmb_violation)0)
#define V4	DMB_V4_DMA_AFTER_INVALIDATE
#define V5	DMB_V5_DMA_AFTER_UNMAP

static const struct mx_cell cells[] = {
	/* vfio-pci: revoke = FLR begin, unrevoke = FLR end */
	{ MX_VFIO, DMB_IMPORTER_IOMMUFD, 0, MX_REV_OK, -EFAULT, NO_V, false, 0 },
	{ MX_VFIO, DMB_IMPORTER_RDMA_PINNED, -EOPNOTSUPP },
	{ MX_VFIO, DMB_IMPORTER_RDMA_ODP, 0, MX_REV_OK, -ENODEV, NO_V, false, 0 },
	{ MX_VFIO, DMB_IMPORTER_GPU, 0, MX_REV_OK, -ENODEV, NO_V, false, 0 },
	{ MX_VFIO, DMB_IMPORTER_BROKEN_NO_UNMAP, 0, MX_REV_V6 },
	{ MX_VFIO, DMB_IMPORTER_BROKEN_WRITE_AFTER_INVALIDATE, 0, MX_REV_UNTIL_ACCESS,
	  0, V4, true, 0 },
	{ MX_VFIO, DMB_IMPORTER_BROKEN_TOUCH_AFTER_UNMAP, 0, MX_REV_OK, -EFAULT, V5, false, 0 },
	/* vram: revoke = evict to system memory (a move), no unrevoke */
	{ MX_VRAM, DMB_IMPORTER_IOMMUFD, -EOPNOTSUPP },
	{ MX_VRAM, DMB_IMPORTER_RDMA_PINNED, 0, MX_REV_EBUSY, 0, NO_V, true, 0 },
	{ MX_VRAM, DMB_IMPORTER_RDMA_ODP, 0, MX_REV_OK, 0, NO_V, true, 0 },
	{ MX_VRAM, DMB_IMPORTER_GPU, 0, MX_REV_OK, 0, NO_V, true, 0 },
	{ MX_VRAM, DMB_IMPORTER_BROKEN_NO_UNMAP, 0, MX_REV_OK, 0, V4, false, 0 },
	{ MX_VRAM, DMB_IMPORTER_BROKEN_WRITE_AFTER_INVALIDATE, 0, MX_REV_OK, 0, V4, false, 0 },
	{ MX_VRAM, DMB_IMPORTER_BROKEN_TOUCH_AFTER_UNMAP, 0, MX_REV_OK, -EFAULT, V5, false, 0 },
	/* heap: never revoked */
	{ MX_HEAP, DMB_IMPORTER_IOMMUFD, -EOPNOTSUPP },
	{ MX_HEAP, DMB_IMPORTER_RDMA_PINNED, 0, MX_REV_NONE, 0, NO_V, true, 0 },
	{ MX_HEAP, DMB_IMPORTER_RDMA_ODP, 0, MX_REV_NONE, 0, NO_V, true, 0 },
	{ MX_HEAP, DMB_IMPORTER_GPU, 0, MX_REV_NONE, 0, NO_V, true, 0 },
	{ MX_HEAP, DMB_IMPORTER_BROKEN_NO_UNMAP, 0, MX_REV_NONE, 0, NO_V, true, 0 },
	{ MX_HEAP, DMB_IMPORTER_BROKEN_WRITE_AFTER_INVALIDATE, 0, MX_REV_NONE, 0, NO_V, true, 0 },
	{ MX_HEAP, DMB_IMPORTER_BROKEN_TOUCH_AFTER_UNMAP, 0, MX_REV_NONE, 0, NO_V, true, 0 },
};

#define MX_CELLS	DMB_ARRAY_SIZE(cells)

/* One cell's objects. */
struct mx {
	const struct mx_cell *cell;
	struct imp_fixture *f;
	struct dma_buf *buf;			/* the test's reference */
	struct dmb_pci_function *pci;		/* vfio-pci */
	struct dmb_vfio_pci *vdev;
	struct dmb_revoke_policy policy;
	struct dmb_hw_device *gpu;		/* vram */
	struct dmb_mem_region *vram;
	struct dmb_vram *vm;
};

/* The exporters, behind one face. */
struct mx_exporter_ops {
	const char *name;
	int (*export)(struct mx *x);
	int (*revoke)(struct mx *x);
	int (*unrevoke)(struct mx *x);
	int (*cpu_read)(struct mx *x, uint64_t offset, void *data, uint64_t len);
	int (*unexport)(struct mx *x);
};

static int vfio_export(struct mx *x)
{
	struct dmb_pci_function_info pci = {
		.dev = { .name = "nic0", .p2p = true },
		.bar_size = { 1ULL << 20 },
	};
	struct dmb_vfio_pci_info info = { .revoke = &x->policy };

	x->policy = (struct dmb_revoke_policy){
		.wait = DMB_REVOKE_WARN_THEN_WAIT,
		.unmap_bound_ns = x->cell->revoke == MX_REV_V6 ? V6_BOUND_NS : FX_HANG_NS,
		.fence_bound_ns = FX_HANG_NS,
	};
	x->pci = dmb_pci_function_create(x->f->space, &pci);
	x->vdev = x->pci ? dmb_vfio_pci_open(x->pci, &info) : NULL;
	x->buf = x->vdev ? dmb_vfio_pci_export(x->vdev, 0, 0, FX_BUF_SIZE, "bar0-buf") : NULL;
	return x->buf ? 0 : -1;
}

static int vfio_revoke(struct mx *x)
{
	return dmb_pci_flr_begin(x->pci);
}

static int vfio_unrevoke(struct mx *x)
{
	return dmb_pci_flr_end(x->pci);
}

static int vfio_cpu_read(struct mx *x, uint64_t offset, void *data, uint64_t len)
{
	return dmb_pci_bar_read(x->pci, 0, offset, data, len);
}

static int vfio_unexport(struct mx *x)
{
	dma_buf_put(x->buf);
	return dmb_vfio_pci_release(x->vdev) | dmb_pci_function_destroy(x->pci);
}

static int vram_export(struct mx *x)
{
	struct dmb_hw_device_info gpu = { .name = "gpu0", .p2p = true, .nr_engines = 1 };
	struct dmb_mem_region_info vram = { .name = "gpu0-vram", .size = 1ULL << 20 };

	x->gpu = dmb_hw_device_create(x->f->space, &gpu);
	vram.owner = x->gpu;
	x->vram = x->gpu ? dmb_mem_region_create(x->f->space, &vram) : NULL;
	x->vm = x->vram ? dmb_vram_create(x->gpu, x->vram, x->f->ram, NULL) : NULL;
	x->buf = x->vm ? dmb_vram_export(x->vm, FX_BUF_SIZE, "vram-buf") : NULL;
	return x->buf && dmb_vram_placement(x->buf) == DMB_VRAM_IN_VRAM ? 0 : -1;
}

static int vram_revoke(struct mx *x)
{
	return dmb_vram_evict(x->buf);
}

static int nothing(struct mx *x)
{
	return 0;
}

static int vram_cpu_read(struct mx *x, uint64_t offset, void *data, uint64_t len)
{
	return dmb_vram_cpu_access(x->buf, offset, data, len, false);
}

static int vram_unexport(struct mx *x)
{
	dma_buf_put(x->buf);
	return dmb_vram_destroy(x->vm) | dmb_mem_region_destroy(x->vram) |
	       dmb_hw_device_destroy(x->gpu);
}

static int heap_export(struct mx *x)
{
	x->buf = dmb_heap_export(x->f->ram, FX_BUF_SIZE, "heap-buf");
	return x->buf ? 0 : -1;
}

static int heap_cpu_read(struct mx *x, uint64_t offset, void *data, uint64_t len)
{
	memcpy(data, (const char *)dmb_heap_vaddr(x->buf) + offset, len);
	return 0;
}

static int heap_unexport(struct mx *x)
{
	dma_buf_put(x->buf);
	return 0;
}

static const struct mx_exporter_ops exporters[] = {
	[MX_VFIO] = { "vfio-pci", vfio_export, vfio_revoke, vfio_unrevoke,
		      vfio_cpu_read, vfio_unexport },
	[MX_VRAM] = { "vram", vram_export, vram_revoke, nothing,
		      vram_cpu_read, vram_unexport },
	[MX_HEAP] = { "heap", heap_export, nothing, nothing,
		      heap_cpu_read, heap_unexport },
};

static const struct mx_exporter_ops *ops_of(struct mx *x)
{
	return &exporters[x->cell->exp];
}

/* Setup and teardown: *state comes in as the cell. */

static int mx_setup(void **state)
{
	struct mx *x = calloc(1, sizeof(*x));

	if (!x)
		return -1;
	x->cell = *state;
	if (fx_setup(state))
		return -1;
	x->f = *state;
	*state = x;
	return ops_of(x)->export(x);
}

static int mx_teardown(void **state)
{
	struct mx *x = *state;
	int ret = ops_of(x)->unexport(x);

	*state = x->f;
	free(x);
	return fx_teardown(state) || ret ? -1 : 0;
}

/* Steps. */

/* One access; a GPU job is run to completion and its status folded in. */
static int mx_access(struct mx *x, struct dmb_importer *imp, bool write,
		     uint64_t offset, void *data)
{
	struct dma_fence *fence;
	int ret, status;

	ret = dmb_importer_access(imp, write, offset, MX_LEN, data, &fence);
	if (ret || !fence)
		return ret;
	status = fx_finish(x->f, fence);
	dma_fence_put(fence);
	return status == 1 ? 0 : status;
}

/* The exporter's revoke, in a thread of its own since it may block. */
struct mx_revoker {
	struct mx *x;
	int ret;
	atomic_bool done;
};

static void *mx_revoker_main(void *arg)
{
	struct mx_revoker *r = arg;

	r->ret = ops_of(r->x)->revoke(r->x);
	atomic_store(&r->done, true);
	return NULL;
}

static void check_first_access(struct mx *x, struct dmb_importer *imp)
{
	uint8_t a[MX_LEN], got[MX_LEN];

	memset(a, MX_A, sizeof(a));
	assert_int_equal(mx_access(x, imp, true, 0, a), 0);
	assert_int_equal(ops_of(x)->cpu_read(x, 0, got, sizeof(got)), 0);
	assert_memory_equal(got, a, sizeof(a));
	memset(got, 0, sizeof(got));
	assert_int_equal(mx_access(x, imp, false, 0, got), 0);
	assert_memory_equal(got, a, sizeof(a));
}

/* Step 4, with the violation it must raise claimed under the importer's name. */
static void check_after_revoke(struct mx *x, struct dmb_importer *imp)
{
	const struct mx_cell *c = x->cell;
	uint8_t b[MX_LEN];

	memset(b, MX_B, sizeof(b));
	assert_int_equal(mx_access(x, imp, true, MX_LEN, b), c->after);
	if (c->after_v)
		fx_claim_violation(c->after_v, dmb_importer_kind_name(c->imp));
	assert_int_equal(dmb_check_total(), c->after_v ? 1 : 0);
}

/* Step 6. */
static void check_reaccess(struct mx *x, struct dmb_importer *imp)
{
	const struct mx_cell *c = x->cell;
	uint8_t got[MX_LEN], want[MX_LEN];

	memset(want, c->after_lands ? MX_B : 0, sizeof(want));
	assert_int_equal(ops_of(x)->cpu_read(x, MX_LEN, got, sizeof(got)), 0);
	assert_memory_equal(got, want, sizeof(want));
	memset(want, MX_A, sizeof(want));
	assert_int_equal(mx_access(x, imp, false, 0, got), 0);
	assert_memory_equal(got, want, sizeof(want));
}

static void run_cell(void **state)
{
	struct mx *x = *state;
	const struct mx_cell *c = x->cell;
	struct mx_revoker *r = TH_NEW(struct mx_revoker, { .x = x });
	struct dmb_importer *imp;
	struct th_thread *t;

	errno = 0;
	imp = dmb_importer_create(c->imp, x->f->dev, x->buf);
	if (c->create) {
		assert_null(imp);
		assert_int_equal(-errno, c->create);
		return;
	}
	assert_non_null(imp);
	check_first_access(x, imp);

	t = th_thread_start(mx_revoker_main, r);
	switch (c->revoke) {
	case MX_REV_V6:
		FX_WAIT_FOR(dmb_check_count(DMB_V6_UNMAP_TIMEOUT) == 1);
		assert_false(atomic_load(&r->done));
		fx_claim_violation(DMB_V6_UNMAP_TIMEOUT, dmb_importer_kind_name(c->imp));
		dmb_importer_destroy(imp);		/* the unmap the revoke waits for */
		th_thread_join(t);
		assert_int_equal(r->ret, 0);
		assert_int_equal(ops_of(x)->unrevoke(x), 0);
		return;
	case MX_REV_UNTIL_ACCESS:
		FX_WAIT_FOR(fx_stats(imp).invalidations == 1);
		assert_false(atomic_load(&r->done));
		check_after_revoke(x, imp);		/* its access unmaps */
		th_thread_join(t);
		assert_int_equal(r->ret, 0);
		break;
	case MX_REV_NONE:
	case MX_REV_OK:
	case MX_REV_EBUSY:
		th_thread_join(t);
		assert_int_equal(r->ret, c->revoke == MX_REV_EBUSY ? -EBUSY : 0);
		check_after_revoke(x, imp);
		break;
	}
	assert_int_equal(ops_of(x)->unrevoke(x), 0);
	assert_int_equal(dmb_importer_restore(imp), c->restore);
	check_reaccess(x, imp);
	assert_int_equal(dmb_check_total(), c->after_v ? 1 : 0);
	dmb_importer_destroy(imp);
}

int main(int argc, char **argv)
{
	static char names[MX_CELLS][64];
	struct CMUnitTest tests[MX_CELLS];

	for (size_t i = 0; i < MX_CELLS; i++) {
		snprintf(names[i], sizeof(names[i]), "%s_x_%s",
			 exporters[cells[i].exp].name,
			 dmb_importer_kind_name(cells[i].imp));
		tests[i] = (struct CMUnitTest){
			.name = names[i],
			.test_func = run_cell,
			.setup_func = mx_setup,
			.teardown_func = mx_teardown,
			.initial_state = (void *)&cells[i],
		};
	}
	return th_run(argc, argv, tests, TH_COUNT(tests));
}
