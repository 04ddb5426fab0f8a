// SPDX-License-Identifier: MIT
/*
 * test-heap.c - the system-heap exporter: zeroed system memory that maps
 * for any importer's device, counts pins (so static importers are pinned on
 * map, R3), hands out its CPU address, accepts every importer (it never
 * revokes, R10), and never invalidates.
 *
 * Importer devices: "dev0" (no peer-to-peer, one engine) — system memory
 * needs no peer-to-peer.
 */
#include <dmabuf/drivers/heap.h>
#include <dmabuf/drivers/vram.h>

#include "timp.h"

#define BUF_SIZE	(3 * DMB_PAGE_SIZE)

#define HEAP_TEST(fn) cmocka_unit_test_setup_teardown(fn, exp_setup, hw_teardown)

static struct dma_buf *heap_export(struct hw_fixture *f, uint64_t size)
{
	struct dma_buf *buf = dmb_heap_export(f->ram, size, "frame");

	assert_non_null(buf);
	return buf;
}

/* Export: zeroed memory of the requested size, named, with a CPU address in system RAM. */
static void export_is_zeroed_system_memory(void **state)
{
	struct hw_fixture *f = *state;
	uint8_t *va = (uint8_t *)dmb_mem_region_vaddr(f->ram);
	struct dma_buf *buf;
	const uint8_t *p;

	/* Dirty the RAM first: pages are not zeroed on allocation. */
	memset(va, 0xa5, 4 * DMB_PAGE_SIZE);
	buf = heap_export(f, BUF_SIZE - 100);
	assert_int_equal(dma_buf_size(buf), BUF_SIZE - 100);
	assert_string_equal(dma_buf_name(buf), "frame");
	assert_string_equal(dma_buf_exporter_name(buf), "heap");
	p = dmb_heap_vaddr(buf);
	assert_non_null(p);
	assert_true(p >= va && p + BUF_SIZE <= va + HW_RAM_SIZE);
	for (uint64_t i = 0; i < BUF_SIZE; i++)
		assert_int_equal(p[i], 0);
	assert_int_equal(dmb_mem_region_free_bytes(f->ram), HW_RAM_SIZE - BUF_SIZE);
	dma_buf_put(buf);
	assert_int_equal(dmb_mem_region_free_bytes(f->ram), HW_RAM_SIZE);
}

/* Export refuses an empty buffer (-EINVAL) and one larger than the RAM left (-ENOMEM). */
static void export_errors(void **state)
{
	struct hw_fixture *f = *state;

	assert_null(dmb_heap_export(f->ram, 0, NULL));
	assert_int_equal(errno, EINVAL);
	assert_null(dmb_heap_export(f->ram, HW_RAM_SIZE + 1, NULL));
	assert_int_equal(errno, ENOMEM);
}

/* dma_buf_pin and dma_buf_unpin reach the exporter, which counts them. */
static void pin_unpin_counts(void **state)
{
	struct hw_fixture *f = *state;
	struct dmb_hw_device *dev = hw_device(f, "dev0", false, 0);
	struct dma_buf *buf = heap_export(f, BUF_SIZE);
	struct timp imp;

	timp_init(&imp, "rdma-pinned", dev, TIMP_DYNAMIC, true, false);
	assert_non_null(timp_attach(&imp, buf));
	assert_int_equal(dmb_heap_pins(buf), 0);
	assert_int_equal(timp_pin(&imp), 0);
	assert_int_equal(timp_pin(&imp), 0);
	assert_int_equal(dmb_heap_pins(buf), 2);
	timp_unpin(&imp);
	assert_int_equal(dmb_heap_pins(buf), 1);
	timp_unpin(&imp);
	assert_int_equal(dmb_heap_pins(buf), 0);
	timp_detach(&imp);
	dma_buf_put(buf);
}

/* R3: mapping a static attachment pins the buffer first, unmapping unpins it; a dynamic one is never pinned implicitly. */
static void static_map_pins_dynamic_does_not(void **state)
{
	struct hw_fixture *f = *state;
	struct dmb_hw_device *dev = hw_device(f, "dev0", false, 0);
	struct dma_buf *buf = heap_export(f, BUF_SIZE);
	struct timp st, dyn;

	timp_init(&st, "static", dev, TIMP_STATIC, false, false);
	timp_init(&dyn, "dynamic", dev, TIMP_REVOCABLE, false, false);
	assert_non_null(timp_attach(&st, buf));
	assert_non_null(timp_attach(&dyn, buf));
	assert_int_equal(timp_map(&st), 0);
	assert_int_equal(dmb_heap_pins(buf), 1);
	assert_int_equal(timp_map(&dyn), 0);
	assert_int_equal(dmb_heap_pins(buf), 1);
	timp_unmap(&st);
	assert_int_equal(dmb_heap_pins(buf), 0);
	timp_detach(&dyn);
	timp_detach(&st);
	dma_buf_put(buf);
}

/* Mappings give the importer's device addresses of the buffer's bytes: DMA reads what the CPU wrote, and writes what the CPU reads. */
static void mapping_reaches_the_bytes(void **state)
{
	struct hw_fixture *f = *state;
	struct dmb_hw_device *dev = hw_device(f, "dev0", false, 1);
	struct dma_buf *buf = heap_export(f, BUF_SIZE);
	struct dma_fence *fence;
	uint8_t *va = dmb_heap_vaddr(buf);
	char out[8] = "";
	struct timp imp;

	timp_init(&imp, "gpu", dev, TIMP_REVOCABLE, false, false);
	assert_non_null(timp_attach(&imp, buf));
	assert_int_equal(timp_map(&imp), 0);
	assert_int_equal(imp.sgt->nents, 1);
	assert_int_equal(sg_dma_len(imp.sgt->sgl), BUF_SIZE);
	assert_ptr_equal(dmb_phys_to_virt(f->space, timp_phys(&imp), BUF_SIZE), va);

	strcpy((char *)va + DMB_PAGE_SIZE, "hello");
	assert_int_equal(timp_dma_read(&imp, timp_addr(&imp), DMB_PAGE_SIZE, out, 6, NULL), 0);
	assert_string_equal(out, "hello");

	fence = dmb_dma_submit(dmb_hw_device_engine(dev, 0), &(struct dmb_dma_job){
		.op = DMB_DMA_FILL, .dst = { .addr = timp_addr(&imp) + 2 * DMB_PAGE_SIZE },
		.len = DMB_PAGE_SIZE, .fill = 0x3c });
	assert_non_null(fence);
	assert_int_equal(dmb_clock_advance(f->clock, NSEC_PER_MSEC), 0);
	assert_int_equal(dma_fence_wait(fence), 0);
	assert_int_equal(dma_fence_get_status(fence), 1);
	dma_fence_put(fence);
	assert_int_equal(va[2 * DMB_PAGE_SIZE], 0x3c);
	assert_int_equal(va[3 * DMB_PAGE_SIZE - 1], 0x3c);
	timp_detach(&imp);
	dma_buf_put(buf);
}

/* R10 (the other side): a heap never revokes, so it accepts importers without invalidate_mappings; and it never invalidates anyone. */
static void never_invalidates(void **state)
{
	struct hw_fixture *f = *state;
	struct dmb_hw_device *dev = hw_device(f, "dev0", false, 0);
	struct dma_buf *buf = heap_export(f, BUF_SIZE);
	struct timp pinned, odp, st;
	void *vaddr;

	timp_init(&pinned, "rdma-pinned", dev, TIMP_DYNAMIC, true, false);
	timp_init(&odp, "rdma-odp", dev, TIMP_REVOCABLE, true, true);
	timp_init(&st, "static", dev, TIMP_STATIC, false, false);
	assert_non_null(timp_attach(&pinned, buf));
	assert_non_null(timp_attach(&odp, buf));
	assert_non_null(timp_attach(&st, buf));
	assert_int_equal(timp_pin(&pinned), 0);
	assert_int_equal(timp_map(&pinned), 0);
	assert_int_equal(timp_map(&odp), 0);
	assert_int_equal(timp_map(&st), 0);
	assert_int_equal(timp_pin(&odp), 0);
	timp_unpin(&odp);
	assert_int_equal(dma_buf_vmap_unlocked(buf, &vaddr), 0);
	dma_buf_vunmap_unlocked(buf, vaddr);
	assert_int_equal(dma_buf_begin_cpu_access(buf, DMA_BIDIRECTIONAL), 0);
	assert_int_equal(dma_buf_end_cpu_access(buf, DMA_BIDIRECTIONAL), 0);
	timp_unmap(&odp);
	timp_unmap(&st);
	timp_unmap(&pinned);
	timp_unpin(&pinned);
	assert_int_equal(atomic_load(&odp.invalidations), 0);
	timp_detach(&st);
	timp_detach(&odp);
	timp_detach(&pinned);
	dma_buf_put(buf);
}

/* vmap hands out the buffer's CPU address, the same for nested vmaps. */
static void vmap_is_the_cpu_view(void **state)
{
	struct hw_fixture *f = *state;
	struct dma_buf *buf = heap_export(f, BUF_SIZE);
	void *a = NULL, *b = NULL;

	assert_int_equal(dma_buf_vmap_unlocked(buf, &a), 0);
	assert_int_equal(dma_buf_vmap_unlocked(buf, &b), 0);
	assert_ptr_equal(a, dmb_heap_vaddr(buf));
	assert_ptr_equal(a, b);
	dma_buf_vunmap_unlocked(buf, b);
	dma_buf_vunmap_unlocked(buf, a);
	dma_buf_put(buf);
}

/* Misuse: NULL arguments, device memory as the heap, and foreign buffers WARN and fail. */
static void misuse_warns(void **state)
{
	struct hw_fixture *f = *state;
	struct dmb_hw_device *gpu = hw_device(f, "gpu0", true, 0);
	struct dmb_mem_region_info info = { .name = "vram", .size = 1 << 20, .owner = gpu };
	struct dmb_mem_region *vram = dmb_mem_region_create(f->space, &info);
	struct dmb_vram *vm;
	struct dma_buf *other;

	assert_non_null(vram);
	assert_null(dmb_heap_export(NULL, BUF_SIZE, NULL));
	assert_int_equal(errno, EINVAL);
	th_assert_warned("without a region");
	assert_null(dmb_heap_export(vram, BUF_SIZE, NULL));
	assert_int_equal(errno, EINVAL);
	th_assert_warned("not system memory");
	assert_int_equal(dmb_heap_pins(NULL), 0);
	th_assert_warned("dmb_heap_pins(NULL)");
	assert_null(dmb_heap_vaddr(NULL));
	th_assert_warned("dmb_heap_vaddr(NULL)");

	vm = dmb_vram_create(gpu, vram, f->ram, NULL);
	assert_non_null(vm);
	other = dmb_vram_export(vm, BUF_SIZE, "bo");
	assert_non_null(other);
	assert_int_equal(dmb_heap_pins(other), 0);
	th_assert_warned("is not a heap buffer");
	assert_null(dmb_heap_vaddr(other));
	th_assert_warned("is not a heap buffer");
	dma_buf_put(other);
	assert_int_equal(dmb_vram_destroy(vm), 0);
	assert_int_equal(dmb_mem_region_destroy(vram), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		HEAP_TEST(export_is_zeroed_system_memory),
		HEAP_TEST(export_errors),
		HEAP_TEST(pin_unpin_counts),
		HEAP_TEST(static_map_pins_dynamic_does_not),
		HEAP_TEST(mapping_reaches_the_bytes),
		HEAP_TEST(never_invalidates),
		HEAP_TEST(vmap_is_the_cpu_view),
		HEAP_TEST(misuse_warns),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
