// SPDX-License-Identifier: MIT
/*
 * test-dma-mapping.c - dma_map_sgtable()/dma_unmap_sgtable(): one
 * contiguous IOVA range per table, permissions from the direction,
 * peer-to-peer refusal, identity pass-through, unmap making the addresses
 * fault, and misuse reported.
 */
#include <dmabuf/hw/dma-access.h>
#include <dmabuf/hw/dma-mapping.h>
#include <dmabuf/hw/hw-device.h>
#include <dmabuf/hw/iommu.h>

#include "fixture.h"

struct map_fixture {
	struct hw_fixture *f;
	struct dmb_hw_device *gpu;	/* no p2p, owns vram */
	struct dmb_hw_device *nic;	/* p2p */
	struct dmb_mem_region *vram;
	struct sg_table sgt;
};

static int map_setup(void **state)
{
	struct dmb_hw_device_info gpu = { .name = "gpu0" }, nic = { .name = "nic0", .p2p = true };
	struct map_fixture *x = calloc(1, sizeof(*x));
	struct dmb_mem_region_info vram = { .name = "vram", .size = 1 << 20 };

	if (!x || hw_setup(state))
		return -1;
	x->f = *state;
	x->gpu = dmb_hw_device_create(x->f->space, &gpu);
	x->nic = dmb_hw_device_create(x->f->space, &nic);
	vram.owner = x->gpu;
	x->vram = dmb_mem_region_create(x->f->space, &vram);
	if (!x->gpu || !x->nic || !x->vram)
		return -1;
	*state = x;
	return 0;
}

static int map_teardown(void **state)
{
	struct map_fixture *x = *state;
	int ret = th_teardown_threads();

	ret |= dmb_mem_region_destroy(x->vram);
	ret |= dmb_hw_device_destroy(x->gpu) | dmb_hw_device_destroy(x->nic);
	sg_free_table(&x->sgt);
	*state = x->f;
	free(x);
	return hw_teardown(state) || ret ? -1 : 0;
}

#define MAP_TEST(fn) cmocka_unit_test_setup_teardown(fn, map_setup, map_teardown)

/* A table of @n entries, entry i being @pages[i] pages at @phys[i]. */
static void table(struct map_fixture *x, unsigned int n, const uint64_t *phys,
		  const uint64_t *len)
{
	assert_int_equal(sg_alloc_table(&x->sgt, n), 0);
	for (unsigned int i = 0; i < n; i++) {
		x->sgt.sgl[i].phys_addr = phys[i];
		x->sgt.sgl[i].length = len[i];
	}
}

/* Three scattered ranges become one IOVA range; a device write spans them in order. */
static void table_gets_one_iova_range(void **state)
{
	struct map_fixture *x = *state;
	struct hw_fixture *f = x->f;
	uint64_t phys[3] = { hw_alloc(f->ram, 2), 0, 0 }, len[3] = { 2 * DMB_PAGE_SIZE, 100, DMB_PAGE_SIZE };
	struct dmb_dma_target t;
	uint8_t buf[4 * DMB_PAGE_SIZE];
	uint64_t got;

	hw_alloc(f->ram, 1);	/* a hole */
	phys[1] = hw_alloc(f->ram, 1);
	phys[2] = hw_alloc(f->ram, 1);
	table(x, 3, phys, len);
	assert_int_equal(dma_map_sgtable(dmb_hw_device_dev(x->gpu), &x->sgt,
					 DMA_BIDIRECTIONAL, 0), 0);
	assert_int_equal(x->sgt.nents, 3);
	assert_true(sg_dma_address(&x->sgt.sgl[0]) >= DMB_IOVA_START);
	assert_int_equal(sg_dma_address(&x->sgt.sgl[1]), sg_dma_address(&x->sgt.sgl[0]) + 2 * DMB_PAGE_SIZE);
	assert_int_equal(sg_dma_address(&x->sgt.sgl[2]), sg_dma_address(&x->sgt.sgl[1]) + DMB_PAGE_SIZE);
	assert_int_equal(sg_dma_len(&x->sgt.sgl[1]), 100);
	assert_int_equal(dmb_iommu_iova_to_phys(dmb_hw_device_domain(x->gpu),
						sg_dma_address(&x->sgt.sgl[2]) + 9, &got, NULL), 0);
	assert_int_equal(got, phys[2] + 9);

	/* Entry 1 is 100 bytes in a whole page: write the 3 pages in IOVA order. */
	for (unsigned int i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i / DMB_PAGE_SIZE + 1);
	t = (struct dmb_dma_target){ .addr = sg_dma_address(x->sgt.sgl) };
	assert_int_equal(dmb_dma_write(x->gpu, &t, buf, 4 * DMB_PAGE_SIZE), 0);
	assert_int_equal(*(uint8_t *)dmb_phys_to_virt(f->space, phys[0] + DMB_PAGE_SIZE, 1), 2);
	assert_int_equal(*(uint8_t *)dmb_phys_to_virt(f->space, phys[1] + 99, 1), 3);
	assert_int_equal(*(uint8_t *)dmb_phys_to_virt(f->space, phys[2], 1), 4);
	dma_unmap_sgtable(dmb_hw_device_dev(x->gpu), &x->sgt, DMA_BIDIRECTIONAL, 0);
}

/* The direction sets the pages' permissions: a device cannot write a TO_DEVICE mapping. */
static void direction_sets_permissions(void **state)
{
	static const struct {
		enum dma_data_direction dir;
		int read, write;
	} cases[] = {
		{ DMA_TO_DEVICE, 0, -EFAULT },
		{ DMA_FROM_DEVICE, -EFAULT, 0 },
		{ DMA_BIDIRECTIONAL, 0, 0 },
	};
	struct map_fixture *x = *state;
	uint64_t phys = hw_alloc(x->f->ram, 1), len = DMB_PAGE_SIZE;
	struct dmb_iommu_domain *d = dmb_hw_device_domain(x->gpu);

	table(x, 1, &phys, &len);
	for (size_t i = 0; i < DMB_ARRAY_SIZE(cases); i++) {
		struct dmb_dma_target t;
		uint8_t byte = 0;

		assert_int_equal(dma_map_sgtable(dmb_hw_device_dev(x->gpu), &x->sgt,
						 cases[i].dir, 0), 0);
		t = (struct dmb_dma_target){ .addr = sg_dma_address(x->sgt.sgl) };
		assert_int_equal(dmb_dma_read(x->gpu, &t, &byte, 1), cases[i].read);
		assert_int_equal(dmb_dma_write(x->gpu, &t, &byte, 1), cases[i].write);
		assert_int_equal(dmb_iommu_fault_count(d), !!cases[i].read + !!cases[i].write);
		dmb_iommu_clear_faults(d);
		dma_unmap_sgtable(dmb_hw_device_dev(x->gpu), &x->sgt, cases[i].dir, 0);
	}
}

/* Another device's memory maps only for a p2p-capable device; its own always. */
static void p2p_needs_the_capability(void **state)
{
	struct map_fixture *x = *state;
	uint64_t phys = hw_alloc(x->vram, 1), len = DMB_PAGE_SIZE, iova;
	struct dmb_hw_device_info info = { .name = "cpu-dma" };
	struct dmb_hw_device *plain = dmb_hw_device_create(x->f->space, &info);

	table(x, 1, &phys, &len);
	assert_int_equal(dma_map_sgtable(dmb_hw_device_dev(plain), &x->sgt, DMA_TO_DEVICE, 0),
			 -EREMOTEIO);
	/* Nothing was mapped: the first IOVA is still free. */
	assert_int_equal(dmb_iommu_alloc_iova(dmb_hw_device_domain(plain), DMB_PAGE_SIZE, &iova), 0);
	assert_int_equal(iova, DMB_IOVA_START);
	assert_int_equal(dma_map_sgtable(dmb_hw_device_dev(x->nic), &x->sgt, DMA_TO_DEVICE, 0), 0);
	dma_unmap_sgtable(dmb_hw_device_dev(x->nic), &x->sgt, DMA_TO_DEVICE, 0);
	assert_int_equal(dma_map_sgtable(dmb_hw_device_dev(x->gpu), &x->sgt, DMA_TO_DEVICE, 0), 0);
	dma_unmap_sgtable(dmb_hw_device_dev(x->gpu), &x->sgt, DMA_TO_DEVICE, 0);
	assert_int_equal(dmb_hw_device_destroy(plain), 0);
}

/* After unmap the table's addresses fault; a second unmap is reported and harmless. */
static void unmap_makes_addresses_fault(void **state)
{
	struct map_fixture *x = *state;
	uint64_t phys = hw_alloc(x->f->ram, 1), len = DMB_PAGE_SIZE;
	struct dmb_iommu_domain *d = dmb_hw_device_domain(x->gpu);
	struct dmb_dma_target t;
	struct dmb_iommu_fault rec;
	uint8_t byte;

	table(x, 1, &phys, &len);
	assert_int_equal(dma_map_sgtable(dmb_hw_device_dev(x->gpu), &x->sgt, DMA_TO_DEVICE, 0), 0);
	t = (struct dmb_dma_target){ .addr = sg_dma_address(x->sgt.sgl) };
	dma_unmap_sgtable(dmb_hw_device_dev(x->gpu), &x->sgt, DMA_TO_DEVICE, 0);
	assert_int_equal(sg_dma_address(x->sgt.sgl), t.addr);	/* left stale */
	assert_int_equal(dmb_dma_read(x->gpu, &t, &byte, 1), -EFAULT);
	assert_int_equal(dmb_iommu_faults(d, &rec, 1), 1);
	assert_int_equal(rec.iova, t.addr);
	assert_int_equal(rec.reason, DMB_IOMMU_FAULT_UNMAPPED);
	dmb_iommu_clear_faults(d);
	dma_unmap_sgtable(dmb_hw_device_dev(x->gpu), &x->sgt, DMA_TO_DEVICE, 0);
	th_assert_warned("not mapped for gpu0 (double unmap?)");
	/* A new mapping gets a new range. */
	assert_int_equal(dma_map_sgtable(dmb_hw_device_dev(x->gpu), &x->sgt, DMA_TO_DEVICE, 0), 0);
	assert_true(sg_dma_address(x->sgt.sgl) != t.addr);
	dma_unmap_sgtable(dmb_hw_device_dev(x->gpu), &x->sgt, DMA_TO_DEVICE, 0);
}

/* The range helper: a one-entry table mapped for the device, or nothing left. */
static void range_helper_maps_one_range(void **state)
{
	struct map_fixture *x = *state;
	uint64_t phys = hw_alloc(x->f->ram, 2);
	struct dmb_hw_device_info info = { .name = "cpu-dma" };
	struct sg_table sgt = { 0 }, far = { 0 };
	struct dmb_hw_device *plain;
	struct dmb_dma_target t;
	uint8_t byte = 0x5a, back = 0;

	assert_int_equal(dmb_dma_map_range(dmb_hw_device_dev(x->nic), &sgt, phys,
					   2 * DMB_PAGE_SIZE, DMA_BIDIRECTIONAL), 0);
	assert_int_equal(sgt.nents, 1);
	assert_int_equal(sgt.sgl[0].phys_addr, phys);
	assert_int_equal(sg_dma_len(sgt.sgl), 2 * DMB_PAGE_SIZE);
	t = (struct dmb_dma_target){ .addr = sg_dma_address(sgt.sgl) + DMB_PAGE_SIZE };
	assert_int_equal(dmb_dma_write(x->nic, &t, &byte, 1), 0);
	assert_int_equal(*(uint8_t *)dmb_phys_to_virt(x->f->space, phys + DMB_PAGE_SIZE, 1),
			 0x5a);
	dmb_dma_unmap_range(dmb_hw_device_dev(x->nic), &sgt, DMA_BIDIRECTIONAL);
	assert_null(sgt.sgl);
	assert_int_equal(dmb_dma_read(x->nic, &t, &back, 1), -EFAULT);
	dmb_iommu_clear_faults(dmb_hw_device_domain(x->nic));

	/* A failed map (no p2p to another device's memory) leaves no entries. */
	plain = dmb_hw_device_create(x->f->space, &info);
	assert_non_null(plain);
	assert_int_equal(dmb_dma_map_range(dmb_hw_device_dev(plain), &far,
					   hw_alloc(x->vram, 1), DMB_PAGE_SIZE,
					   DMA_TO_DEVICE), -EREMOTEIO);
	assert_null(far.sgl);
	assert_int_equal(far.nents, 0);
	assert_int_equal(dmb_hw_device_destroy(plain), 0);
}

/* Under an identity domain the device address is the physical address. */
static void identity_passes_through(void **state)
{
	struct map_fixture *x = *state;
	struct dmb_iommu_domain *id = dmb_iommu_domain_alloc(x->f->space, DMB_IOMMU_DOMAIN_IDENTITY);
	struct dmb_hw_device_info info = { .name = "legacy", .domain = id };
	struct dmb_hw_device *legacy = dmb_hw_device_create(x->f->space, &info);
	uint64_t phys = hw_alloc(x->f->ram, 1), len = 10;

	dmb_iommu_domain_put(id);
	table(x, 1, &phys, &len);
	assert_int_equal(dma_map_sgtable(dmb_hw_device_dev(legacy), &x->sgt, DMA_FROM_DEVICE, 0), 0);
	assert_int_equal(sg_dma_address(x->sgt.sgl), phys);
	assert_int_equal(sg_dma_len(x->sgt.sgl), 10);
	dma_unmap_sgtable(dmb_hw_device_dev(legacy), &x->sgt, DMA_FROM_DEVICE, 0);
	assert_int_equal(dmb_hw_device_destroy(legacy), 0);
}

/* Malformed tables, DMA_NONE and a device that is not simulated are refused with a WARN. */
static void misuse_refused(void **state)
{
	struct map_fixture *x = *state;
	uint64_t phys = hw_alloc(x->f->ram, 1), len = DMB_PAGE_SIZE;
	uint64_t bad_phys[] = { phys + 8, DMB_PHYS_BASE + HW_RAM_SIZE, phys };
	uint64_t bad_len[] = { len, len, 0 };
	struct {
		struct device dev;
		char room[64];	/* so the magic check reads inside this object */
	} bare = { .dev = { .name = "mock" } };

	for (size_t i = 0; i < DMB_ARRAY_SIZE(bad_phys); i++) {
		struct sg_table one = { 0 };

		assert_int_equal(sg_alloc_table(&one, 1), 0);
		one.sgl[0].phys_addr = bad_phys[i];
		one.sgl[0].length = bad_len[i];
		assert_int_equal(dma_map_sgtable(dmb_hw_device_dev(x->gpu), &one, DMA_TO_DEVICE, 0),
				 -EINVAL);
		th_assert_warned("is not page-aligned memory");
		sg_free_table(&one);
	}
	table(x, 1, &phys, &len);
	assert_int_equal(dma_map_sgtable(dmb_hw_device_dev(x->gpu), &x->sgt, DMA_NONE, 0), -EINVAL);
	th_assert_warned("bad dma_map_sgtable for gpu0");
	assert_int_equal(dma_map_sgtable(&bare.dev, &x->sgt, DMA_TO_DEVICE, 0), -EINVAL);
	th_assert_warned("struct device mock is not a simulated device's");
	dma_unmap_sgtable(&bare.dev, &x->sgt, DMA_TO_DEVICE, 0);
	th_assert_warned("struct device mock is not a simulated device's");
	assert_null(dmb_hw_device_from_dev(NULL));
	th_assert_warned("NULL struct device");
	assert_ptr_equal(dmb_hw_device_from_dev(dmb_hw_device_dev(x->gpu)), x->gpu);
	assert_string_equal(dev_name(dmb_hw_device_dev(x->gpu)), "gpu0");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		MAP_TEST(table_gets_one_iova_range),
		MAP_TEST(direction_sets_permissions),
		MAP_TEST(p2p_needs_the_capability),
		MAP_TEST(unmap_makes_addresses_fault),
		MAP_TEST(range_helper_maps_one_range),
		MAP_TEST(identity_passes_through),
		MAP_TEST(misuse_refused),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
