// SPDX-License-Identifier: MIT
/*
 * test-alloc-failures.c - every allocation a call makes can fail, and the
 * call then reports -ENOMEM (or NULL with errno ENOMEM) and leaves nothing
 * behind: no memory (fault-inject.h counts it), no reference, no half-made
 * attachment or mapping, and the objects it was given unchanged.
 *
 * Each case runs its call with the 0th, 1st, 2nd... allocation failing
 * until the call no longer allocates that many times and succeeds, so every
 * allocation site on the call's path is failed once.
 */
#include <stdlib.h>

#include <dmabuf/check.h>
#include <dmabuf/dma-buf-revoke.h>
#include <dmabuf/dma-fence-array.h>
#include <dmabuf/dma-resv.h>
#include <dmabuf/drivers/importer.h>
#include <dmabuf/drivers/vfio-pci.h>
#include <dmabuf/hw/mem-region.h>
#include <dmabuf/hw/pci.h>
#include <dmabuf/hw/phys-space.h>

#include "fault-inject.h"
#include "harness.h"
#include "mock-exporter.h"
#include "mock-fence.h"

#define MAX_SITES	200	/* more allocations than any call here makes */

/* dma_resv: a failed growth keeps the table and the slots reserved before. */
static void resv_reserve(void **state)
{
	struct dma_fence *fence = mock_fence();
	struct dma_resv resv;
	long base;
	int ret;

	dma_resv_init(&resv);
	assert_int_equal(dma_resv_lock(&resv, NULL), 0);
	assert_int_equal(dma_resv_reserve_fences(&resv, 1), 0);
	base = fi_live();
	fi_fail_nth(0);
	ret = dma_resv_reserve_fences(&resv, 100);
	assert_true(fi_failed());
	assert_int_equal(ret, -ENOMEM);
	assert_int_equal(fi_live(), base);
	/* the slot reserved first is still there: no "without a reserved slot" */
	dma_resv_add_fence(&resv, fence, DMA_RESV_USAGE_WRITE);
	dma_resv_unlock(&resv);
	dma_fence_signal(fence);
	dma_fence_put(fence);
	dma_resv_fini(&resv);
}

/* dma_resv readers and copies: -ENOMEM, no reference kept, dst unchanged. */
static void resv_readers(void **state)
{
	struct dma_fence *fences[6];
	struct dma_resv src, dst;
	long base;

	dma_resv_init(&src);
	dma_resv_init(&dst);
	assert_int_equal(dma_resv_lock(&src, NULL), 0);
	for (int i = 0; i < 6; i++) {
		fences[i] = mock_fence();
		assert_int_equal(dma_resv_reserve_fences(&src, 1), 0);
		dma_resv_add_fence(&src, fences[i], DMA_RESV_USAGE_READ);
	}
	dma_resv_unlock(&src);

	base = fi_live();
	for (long n = 0; n < MAX_SITES; n++) {
		struct dma_fence **got = NULL, *single = NULL;
		unsigned int count = 0;
		int ret;

		fi_fail_nth(n);
		ret = dma_resv_get_fences(&src, DMA_RESV_USAGE_BOOKKEEP, &count, &got);
		if (!fi_failed()) {
			assert_int_equal(ret, 0);
			for (unsigned int i = 0; i < count; i++)
				dma_fence_put(got[i]);
			free(got);
			break;
		}
		assert_int_equal(ret, -ENOMEM);
		assert_null(got);
		assert_int_equal(fi_live(), base);
		fi_fail_nth(n);
		ret = dma_resv_get_singleton(&src, DMA_RESV_USAGE_BOOKKEEP, &single);
		if (fi_failed()) {
			assert_int_equal(ret, -ENOMEM);
			assert_int_equal(fi_live(), base);
		} else {
			dma_fence_put(single);
		}
	}
	for (int i = 0; i < 6; i++)	/* every reference the readers took came back */
		assert_int_equal(dmb_kref_read(&fences[i]->refcount), 2);

	assert_int_equal(dma_resv_lock(&dst, NULL), 0);
	base = fi_live();
	for (long n = 0; n < MAX_SITES; n++) {
		struct dma_resv_iter cursor;
		struct dma_fence *f;
		unsigned int in_dst = 0;
		int ret;

		fi_fail_nth(n);
		ret = dma_resv_copy_fences(&dst, &src);
		dma_resv_for_each_fence(&cursor, &dst, DMA_RESV_USAGE_BOOKKEEP, f)
			in_dst++;
		if (!fi_failed()) {
			assert_int_equal(ret, 0);
			assert_int_equal(in_dst, 6);
			break;
		}
		assert_int_equal(ret, -ENOMEM);
		assert_int_equal(in_dst, 0);
		assert_int_equal(fi_live(), base);
	}
	dma_resv_unlock(&dst);
	for (int i = 0; i < 6; i++) {
		dma_fence_signal(fences[i]);
		dma_fence_put(fences[i]);
	}
	dma_resv_fini(&dst);
	dma_resv_fini(&src);
}

/* a fence array that cannot be made leaves the caller its fences. */
static void fence_array(void **state)
{
	for (long n = 0; n < MAX_SITES; n++) {
		struct dma_fence **fences = malloc(2 * sizeof(*fences));
		struct dma_fence *array;
		long base;

		assert_non_null(fences);
		fences[0] = mock_fence();
		fences[1] = mock_fence();
		base = fi_live();
		fi_fail_nth(n);
		array = dma_fence_array_create(2, fences, dma_fence_context_alloc(1), 1, false);
		if (!fi_failed()) {
			assert_non_null(array);
			dma_fence_signal(fences[0]);
			dma_fence_signal(fences[1]);
			assert_true(dma_fence_is_signaled(array));
			dma_fence_put(array);	/* owns the array and the references */
			break;
		}
		assert_null(array);
		assert_int_equal(errno, ENOMEM);
		assert_int_equal(fi_live(), base);
		assert_int_equal(dmb_kref_read(&fences[0]->refcount), 1);
		dma_fence_put(fences[0]);
		dma_fence_put(fences[1]);
		free(fences);
	}
}

static int nop_map(struct dma_buf_attachment *attach, enum dma_data_direction dir,
		   struct sg_table **sgt)
{
	return -ENODEV;
}

static void nop_unmap(struct dma_buf_attachment *attach, struct sg_table *sgt,
		      enum dma_data_direction dir)
{
}

static void nop_release(struct dma_buf *dmabuf)
{
}

static const struct dma_buf_ops nop_ops = {
	.map_dma_buf = nop_map,
	.unmap_dma_buf = nop_unmap,
	.release = nop_release,
};

/* export: NULL with ENOMEM and nothing allocated. */
static void buf_export(void **state)
{
	struct dma_buf_export_info info = {
		.exp_name = "nop", .ops = &nop_ops, .size = 4096,
	};
	long base = fi_live();

	for (long n = 0; n < MAX_SITES; n++) {
		struct dma_buf *buf;

		fi_fail_nth(n);
		buf = dma_buf_export(&info);
		if (!fi_failed()) {
			assert_non_null(buf);
			dma_buf_put(buf);
			break;
		}
		assert_null(buf);
		assert_int_equal(errno, ENOMEM);
		assert_int_equal(fi_live(), base);
	}
	assert_int_equal(fi_live(), base);
}

/* attach and map: NULL with ENOMEM, nothing attached, mapped or pinned. */
static void buf_attach_map(void **state)
{
	struct mock_exporter me;
	struct mock_importer imp;
	struct dma_buf_attachment *a = NULL;
	struct dma_buf *buf = mock_export(&me, "mock", 4096,
					  MOCK_EXP_PIN | MOCK_EXP_REVOCABLE);
	long base;

	mock_importer_init(&imp, "dev0");
	for (long n = 0; n < MAX_SITES && !a; n++) {
		base = fi_live();
		fi_fail_nth(n);
		a = dma_buf_dynamic_attach(buf, &imp.dev, &mock_importer_ops_revocable, &imp);
		if (!fi_failed())
			break;
		assert_null(a);
		assert_int_equal(errno, ENOMEM);
		assert_int_equal(fi_live(), base);
	}
	assert_non_null(a);
	imp.attach = a;
	imp.dmabuf = buf;

	for (long n = 0; n < MAX_SITES; n++) {
		struct sg_table *sgt;

		base = fi_live();
		fi_fail_nth(n);
		sgt = dma_buf_map_attachment_unlocked(a, DMA_BIDIRECTIONAL);
		if (!fi_failed()) {
			assert_non_null(sgt);
			dma_buf_unmap_attachment_unlocked(a, sgt, DMA_BIDIRECTIONAL);
			break;
		}
		assert_null(sgt);
		assert_int_equal(errno, ENOMEM);
		/* nothing mapped, nothing counted by the revoke helper, no pin */
		assert_int_equal(dma_resv_lock(dma_buf_resv(buf), NULL), 0);
		assert_int_equal(dma_buf_attachment_mapped(a), 0);
		dma_resv_unlock(dma_buf_resv(buf));
		assert_int_equal(dmb_revocable_mappings(me.rev), 0);
		assert_int_equal(atomic_load(&me.pin_count), 0);
		/* the mapping record may have grown; the first map keeps it */
		assert_true(fi_live() <= base + 1);
	}
	dma_buf_detach(buf, a);
	dma_buf_put(buf);
}

/* the revoke helper and the checker's own objects. */
static void helper_and_tokens(void **state)
{
	struct dmb_check_subject who = { "buf", "exp", "imp", "dev" };
	struct mock_exporter me;
	struct dma_buf *buf = mock_export(&me, "mock", 4096, 0);
	long base = fi_live();

	for (long n = 0; n < MAX_SITES; n++) {
		struct dmb_revocable *rev;

		fi_fail_nth(n);
		rev = dmb_revocable_create(buf, NULL);
		if (!fi_failed()) {
			dmb_revocable_destroy(rev);
			break;
		}
		assert_null(rev);
		assert_int_equal(errno, ENOMEM);
		assert_int_equal(fi_live(), base);
	}
	for (long n = 0; n < MAX_SITES; n++) {
		struct dmb_check_map *token;

		fi_fail_nth(n);
		token = dmb_check_map_create(&who);
		if (!fi_failed()) {
			dmb_check_map_put(token);
			break;
		}
		assert_null(token);
		assert_int_equal(errno, ENOMEM);
		assert_int_equal(fi_live(), base);
	}
	assert_int_equal(fi_live(), base);
	dma_buf_put(buf);
}

/* the reference drivers: an export or an import that cannot be made unwinds. */
static void drivers(void **state)
{
	static const enum dmb_importer_kind kinds[] = {
		DMB_IMPORTER_IOMMUFD, DMB_IMPORTER_RDMA_ODP, DMB_IMPORTER_GPU,
	};
	struct dmb_clock *clock = dmb_clock_create_virtual(0);
	struct dmb_phys_space *space = dmb_phys_space_create(clock);
	struct dmb_mem_region_info ram = { .name = "ram", .size = 16ULL << 20 };
	struct dmb_pci_function_info pinfo = {
		.dev = { .name = "nic0", .p2p = true }, .bar_size = { 1ULL << 20 },
	};
	struct dmb_hw_device_info dinfo = { .name = "imp0", .p2p = true, .nr_engines = 1 };
	struct dmb_mem_region *region = dmb_mem_region_create(space, &ram);
	struct dmb_pci_function *pci = dmb_pci_function_create(space, &pinfo);
	struct dmb_vfio_pci *vdev = dmb_vfio_pci_open(pci, NULL);
	struct dma_buf *buf = NULL;
	long base;

	assert_non_null(region);
	assert_non_null(vdev);
	base = fi_live();
	for (long n = 0; n < MAX_SITES && !buf; n++) {
		fi_fail_nth(n);
		buf = dmb_vfio_pci_export(vdev, 0, 0, 16 * DMB_PAGE_SIZE, "bar0-buf");
		if (!fi_failed())
			break;
		assert_null(buf);
		assert_int_equal(errno, ENOMEM);
		assert_int_equal(fi_live(), base);
	}
	assert_non_null(buf);

	/*
	 * Each kind on a device of its own, created after the count is
	 * taken: the IOMMU's page-table levels an attempt made stay with the
	 * device's domain (as a real IOMMU's do) until the device goes, so
	 * the count is compared once the device is gone too.
	 */
	for (unsigned int k = 0; k < DMB_ARRAY_SIZE(kinds); k++) {
		struct dmb_hw_device *dev;

		base = fi_live();
		dev = dmb_hw_device_create(space, &dinfo);
		assert_non_null(dev);
		for (long n = 0; n < MAX_SITES; n++) {
			struct dmb_importer *imp;

			fi_fail_nth(n);
			imp = dmb_importer_create(kinds[k], dev, buf);
			if (!fi_failed()) {
				assert_non_null(imp);
				dmb_importer_destroy(imp);
				break;
			}
			assert_null(imp);
			assert_int_equal(errno, ENOMEM);
		}
		assert_int_equal(dmb_hw_device_destroy(dev), 0);
		assert_int_equal(fi_live(), base);
	}

	dma_buf_put(buf);
	assert_int_equal(dmb_vfio_pci_release(vdev), 0);
	assert_int_equal(dmb_pci_function_destroy(pci), 0);
	assert_int_equal(dmb_mem_region_destroy(region), 0);
	assert_int_equal(dmb_phys_space_destroy(space), 0);
	dmb_clock_destroy(clock);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		TH_TEST(resv_reserve),
		TH_TEST(resv_readers),
		TH_TEST(fence_array),
		TH_TEST(buf_export),
		TH_TEST(buf_attach_map),
		TH_TEST(helper_and_tokens),
		TH_TEST(drivers),
	};

	/*
	 * Live allocations are counted to the byte here, and the release
	 * quarantine keeps released objects allocated on purpose: off, so a
	 * release frees at once (tests/check/test-quarantine.c tests it).
	 */
	dmb_check_set_quarantine(false);
	return th_run(argc, argv, tests, TH_COUNT(tests));
}
