// SPDX-License-Identifier: MIT
/*
 * test-iommu.c - IOMMU domains: translation, permissions, unmap, isolation,
 * identity, the IOVA allocator, and fault records attributed field by field.
 * Accesses are synchronous (dmb_dma_read/write): no thread runs here.
 */
#include <dmabuf/hw/dma-access.h>
#include <dmabuf/hw/hw-device.h>
#include <dmabuf/hw/iommu.h>

#include "fixture.h"

#define IOVA	0x40000000ULL

static const struct dmb_check_subject gpu_import = {
	.buffer = "buf0", .exporter = "heap", .importer = "gpu-import", .device = "gpu0",
};

struct iommu_fixture {
	struct hw_fixture *f;
	struct dmb_hw_device *dev;
	struct dmb_iommu_domain *d;
};

static int iommu_setup(void **state)
{
	struct dmb_hw_device_info info = { .name = "gpu0" };
	struct hw_fixture *f;
	struct iommu_fixture *x = calloc(1, sizeof(*x));

	if (!x || hw_setup(state))
		return -1;
	f = *state;
	x->f = f;
	x->dev = dmb_hw_device_create(f->space, &info);
	if (!x->dev)
		return -1;
	x->d = dmb_hw_device_domain(x->dev);
	f->priv = x;
	*state = x;
	return 0;
}

static int iommu_teardown(void **state)
{
	struct iommu_fixture *x = *state;
	int ret = th_teardown_threads();

	ret |= dmb_hw_device_destroy(x->dev);
	*state = x->f;
	free(x);
	return hw_teardown(state) || ret ? -1 : 0;
}

#define IOMMU_TEST(fn) cmocka_unit_test_setup_teardown(fn, iommu_setup, iommu_teardown)

static struct dmb_dma_target at(uint64_t addr)
{
	return (struct dmb_dma_target){ .addr = addr };
}

/* The one fault recorded since the last clear. */
static struct dmb_iommu_fault only_fault(struct dmb_iommu_domain *d)
{
	struct dmb_iommu_fault rec;

	assert_int_equal(dmb_iommu_fault_count(d), 1);
	assert_int_equal(dmb_iommu_faults(d, &rec, 1), 1);
	dmb_iommu_clear_faults(d);
	return rec;
}

/* A mapped range translates page by page; a device write lands in RAM and reads back. */
static void map_translates(void **state)
{
	struct iommu_fixture *x = *state;
	uint64_t phys = hw_alloc(x->f->ram, 2), got;
	uint8_t out[2 * DMB_PAGE_SIZE], in[2 * DMB_PAGE_SIZE];
	struct dmb_dma_target t = at(IOVA + 100);
	unsigned int prot;

	assert_int_equal(dmb_iommu_map(x->d, IOVA, phys, 2 * DMB_PAGE_SIZE,
				       DMB_IOMMU_READ | DMB_IOMMU_WRITE), 0);
	assert_int_equal(dmb_iommu_iova_to_phys(x->d, IOVA + DMB_PAGE_SIZE + 5, &got, &prot), 0);
	assert_int_equal(got, phys + DMB_PAGE_SIZE + 5);
	assert_int_equal(prot, DMB_IOMMU_READ | DMB_IOMMU_WRITE);
	assert_int_equal(dmb_iommu_iova_to_phys(x->d, IOVA + 2 * DMB_PAGE_SIZE, &got, NULL), -ENOENT);

	for (unsigned int i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(i * 13);
	assert_int_equal(dmb_dma_write(x->dev, &t, out, sizeof(out) - 100), 0);
	for (unsigned int i = 0; i < sizeof(out) - 100; i++)
		assert_int_equal(((uint8_t *)dmb_phys_to_virt(x->f->space, phys, 2 * DMB_PAGE_SIZE))[100 + i],
				 out[i]);
	assert_int_equal(dmb_dma_read(x->dev, &t, in, sizeof(out) - 100), 0);
	assert_memory_equal(in, out, sizeof(out) - 100);
	assert_int_equal(dmb_iommu_fault_count(x->d), 0);
	assert_int_equal(dmb_iommu_unmap(x->d, IOVA, 2 * DMB_PAGE_SIZE), 0);
}

/* Pages that are not contiguous in physical memory still read as one IOVA range. */
static void scattered_pages_translate(void **state)
{
	struct iommu_fixture *x = *state;
	uint64_t a = hw_alloc(x->f->ram, 1), gap = hw_alloc(x->f->ram, 1), b = hw_alloc(x->f->ram, 1);
	uint8_t buf[2 * DMB_PAGE_SIZE];
	struct dmb_dma_target t = at(IOVA);

	hw_fill(x->f->space, a, DMB_PAGE_SIZE, 1);
	hw_fill(x->f->space, gap, DMB_PAGE_SIZE, 2);
	hw_fill(x->f->space, b, DMB_PAGE_SIZE, 3);
	assert_int_equal(dmb_iommu_map(x->d, IOVA, b, DMB_PAGE_SIZE, DMB_IOMMU_READ), 0);
	assert_int_equal(dmb_iommu_map(x->d, IOVA + DMB_PAGE_SIZE, a, DMB_PAGE_SIZE,
				       DMB_IOMMU_READ), 0);
	assert_int_equal(dmb_dma_read(x->dev, &t, buf, sizeof(buf)), 0);
	for (unsigned int i = 0; i < DMB_PAGE_SIZE; i++) {
		assert_int_equal(buf[i], (uint8_t)(3 + i * 7));
		assert_int_equal(buf[DMB_PAGE_SIZE + i], (uint8_t)(1 + i * 7));
	}
	assert_int_equal(dmb_iommu_unmap(x->d, IOVA, 2 * DMB_PAGE_SIZE), 0);
}

/* A write through a read-only page faults with a permission fault, fully attributed. */
static void write_to_read_only_faults(void **state)
{
	struct iommu_fixture *x = *state;
	uint64_t phys = hw_alloc(x->f->ram, 1);
	struct dmb_check_map *token = dmb_check_map_create(&gpu_import);
	struct dmb_dma_target t = { .addr = IOVA + 8, .map = token, .cookie = 77 };
	struct dmb_iommu_fault rec;
	uint8_t byte = 1;

	hw_fill(x->f->space, phys, DMB_PAGE_SIZE, 9);
	assert_int_equal(dmb_iommu_map(x->d, IOVA, phys, DMB_PAGE_SIZE, DMB_IOMMU_READ), 0);
	dmb_clock_advance(x->f->clock, 5 * NSEC_PER_MSEC);
	assert_int_equal(dmb_dma_write(x->dev, &t, &byte, 1), -EFAULT);
	assert_true(hw_holds(x->f->space, phys, DMB_PAGE_SIZE, 9));
	rec = only_fault(x->d);
	assert_int_equal(rec.time_ns, HW_START_NS + 5 * NSEC_PER_MSEC);
	assert_int_equal(rec.iova, IOVA + 8);
	assert_int_equal(rec.access, DMB_IOMMU_WRITE);
	assert_int_equal(rec.reason, DMB_IOMMU_FAULT_PERMISSION);
	assert_string_equal(rec.device, "gpu0");
	assert_ptr_equal(rec.map, token);
	assert_int_equal(rec.map_state, DMB_MAP_LIVE);
	assert_int_equal(rec.cookie, 77);
	assert_string_equal(dmb_iommu_fault_reason_name(rec.reason), "permission");
	/* Reads are allowed. */
	assert_int_equal(dmb_dma_read(x->dev, &t, &byte, 1), 0);
	assert_int_equal(byte, (uint8_t)(9 + 8 * 7));
	assert_int_equal(dmb_check_total(), 0);
	assert_int_equal(dmb_iommu_unmap(x->d, IOVA, DMB_PAGE_SIZE), 0);
	dmb_check_map_put(token);
}

/* After unmap the IOVA faults, the checker reports V5, and the fault names the dead mapping. */
static void unmap_then_access_faults(void **state)
{
	struct iommu_fixture *x = *state;
	uint64_t phys = hw_alloc(x->f->ram, 1);
	struct dmb_check_map *token = dmb_check_map_create(&gpu_import);
	struct dmb_dma_target t = { .addr = IOVA, .map = token, .cookie = 3 };
	struct dmb_iommu_fault rec;
	uint8_t byte;

	assert_int_equal(dmb_iommu_map(x->d, IOVA, phys, DMB_PAGE_SIZE, DMB_IOMMU_READ), 0);
	assert_int_equal(dmb_dma_read(x->dev, &t, &byte, 1), 0);
	dmb_check_map_unmap(token, false);
	assert_int_equal(dmb_iommu_unmap(x->d, IOVA, DMB_PAGE_SIZE), 0);
	assert_int_equal(dmb_iommu_unmap(x->d, IOVA, DMB_PAGE_SIZE), -ENOENT);
	dmb_clock_advance(x->f->clock, 2 * NSEC_PER_MSEC);
	assert_int_equal(dmb_dma_read(x->dev, &t, &byte, 1), -EFAULT);
	assert_true(th_take_report(DMB_DIAG_VIOLATION,
				   "V5 DMA through an unmapped mapping or a revoked buffer: "
				   "buffer=buf0 exporter=heap importer=gpu-import device=gpu0: "
				   "new read through a mapping unmapped by the importer 2.000 ms ago"));
	rec = only_fault(x->d);
	assert_int_equal(rec.time_ns, HW_START_NS + 2 * NSEC_PER_MSEC);
	assert_int_equal(rec.iova, IOVA);
	assert_int_equal(rec.access, DMB_IOMMU_READ);
	assert_int_equal(rec.reason, DMB_IOMMU_FAULT_UNMAPPED);
	assert_ptr_equal(rec.map, token);
	assert_int_equal(rec.map_state, DMB_MAP_UNMAPPED);
	assert_int_equal(rec.cookie, 3);
	/* The record names the buffer and importer even after the token goes. */
	assert_string_equal(rec.buffer, gpu_import.buffer);
	assert_string_equal(rec.importer, gpu_import.importer);
	dmb_check_map_put(token);
}

/* An access that runs into an unmapped page moves the bytes before it and faults at that page. */
static void fault_at_first_bad_page(void **state)
{
	struct iommu_fixture *x = *state;
	uint64_t phys = hw_alloc(x->f->ram, 2);
	uint8_t buf[3 * DMB_PAGE_SIZE];
	struct dmb_dma_target t = at(IOVA);
	struct dmb_iommu_fault rec;

	memset(buf, 0xab, sizeof(buf));
	assert_int_equal(dmb_iommu_map(x->d, IOVA, phys, 2 * DMB_PAGE_SIZE, DMB_IOMMU_WRITE), 0);
	assert_int_equal(dmb_dma_write(x->dev, &t, buf, sizeof(buf)), -EFAULT);
	rec = only_fault(x->d);
	assert_int_equal(rec.iova, IOVA + 2 * DMB_PAGE_SIZE);
	assert_int_equal(rec.reason, DMB_IOMMU_FAULT_UNMAPPED);
	assert_null(rec.map);
	assert_int_equal(rec.map_state, -1);
	assert_string_equal(rec.buffer, "");
	assert_memory_equal(dmb_phys_to_virt(x->f->space, phys, 2 * DMB_PAGE_SIZE), buf,
			    2 * DMB_PAGE_SIZE);
	assert_int_equal(dmb_iommu_unmap(x->d, IOVA, 2 * DMB_PAGE_SIZE), 0);
}

/* DMA to an isolated region faults; lifting isolation restores it. */
static void isolated_region_faults(void **state)
{
	struct iommu_fixture *x = *state;
	uint64_t phys = hw_alloc(x->f->ram, 1);
	struct dmb_dma_target t = at(IOVA);
	uint8_t byte = 0;

	assert_int_equal(dmb_iommu_map(x->d, IOVA, phys, DMB_PAGE_SIZE, DMB_IOMMU_READ), 0);
	assert_int_equal(dmb_mem_region_set_isolated(x->f->ram, true), 0);
	assert_int_equal(dmb_dma_read(x->dev, &t, &byte, 1), -EFAULT);
	assert_int_equal(only_fault(x->d).reason, DMB_IOMMU_FAULT_ISOLATED);
	assert_int_equal(dmb_mem_region_set_isolated(x->f->ram, false), 0);
	assert_int_equal(dmb_dma_read(x->dev, &t, &byte, 1), 0);
	assert_int_equal(dmb_iommu_unmap(x->d, IOVA, DMB_PAGE_SIZE), 0);
}

/* Mapping errors: overlap, not memory, bad arguments; nothing half-mapped. */
static void map_errors(void **state)
{
	struct iommu_fixture *x = *state;
	uint64_t phys = hw_alloc(x->f->ram, 2), got;

	assert_int_equal(dmb_iommu_map(x->d, IOVA + DMB_PAGE_SIZE, phys, DMB_PAGE_SIZE,
				       DMB_IOMMU_READ), 0);
	assert_int_equal(dmb_iommu_map(x->d, IOVA, phys, 2 * DMB_PAGE_SIZE, DMB_IOMMU_READ),
			 -EEXIST);
	assert_int_equal(dmb_iommu_iova_to_phys(x->d, IOVA, &got, NULL), -ENOENT);
	assert_int_equal(dmb_iommu_map(x->d, IOVA, 0x1000, DMB_PAGE_SIZE, DMB_IOMMU_READ),
			 -EFAULT);
	assert_int_equal(dmb_iommu_map(x->d, IOVA, DMB_PHYS_BASE + HW_RAM_SIZE - DMB_PAGE_SIZE,
				       2 * DMB_PAGE_SIZE, DMB_IOMMU_READ), -EFAULT);

	assert_int_equal(dmb_iommu_map(x->d, IOVA + 1, phys, DMB_PAGE_SIZE, DMB_IOMMU_READ), -EINVAL);
	th_assert_warned("bad IOMMU map");
	assert_int_equal(dmb_iommu_map(x->d, IOVA, phys, DMB_PAGE_SIZE, 0), -EINVAL);
	th_assert_warned("bad IOMMU map");
	assert_int_equal(dmb_iommu_map(x->d, 0, phys, DMB_PAGE_SIZE, DMB_IOMMU_READ), -EINVAL);
	th_assert_warned("bad IOMMU map");
	assert_int_equal(dmb_iommu_map(x->d, DMB_IOVA_END - DMB_PAGE_SIZE, phys,
				       2 * DMB_PAGE_SIZE, DMB_IOMMU_READ), -EINVAL);
	th_assert_warned("bad IOMMU map");
	assert_int_equal(dmb_iommu_unmap(x->d, IOVA, 0), -EINVAL);
	th_assert_warned("bad IOMMU unmap");
	assert_int_equal(dmb_iommu_unmap(x->d, IOVA, 2 * DMB_PAGE_SIZE), -ENOENT);
	assert_int_equal(dmb_iommu_iova_to_phys(x->d, IOVA + DMB_PAGE_SIZE, &got, NULL), -ENOENT);
}

/* Accesses that are empty or wrap past the end of the address space are refused. */
static void bad_access_refused(void **state)
{
	struct iommu_fixture *x = *state;
	struct dmb_dma_target wrap = at(UINT64_MAX), ok = at(IOVA);
	uint8_t buf[2];

	assert_int_equal(dmb_dma_read(x->dev, &wrap, buf, 2), -EINVAL);
	th_assert_warned("bad DMA read");
	assert_int_equal(dmb_dma_write(x->dev, &wrap, buf, 2), -EINVAL);
	th_assert_warned("bad DMA write");
	assert_int_equal(dmb_dma_read(x->dev, &ok, buf, 0), -EINVAL);
	th_assert_warned("bad DMA read");
	assert_int_equal(dmb_iommu_fault_count(x->d), 0);
}

/* An identity domain passes addresses through; only non-memory and isolation fault. */
static void identity_domain(void **state)
{
	struct iommu_fixture *x = *state;
	struct dmb_iommu_domain *id = dmb_iommu_domain_alloc(x->f->space, DMB_IOMMU_DOMAIN_IDENTITY);
	struct dmb_hw_device_info info = { .name = "nic0", .domain = id };
	struct dmb_hw_device *nic = dmb_hw_device_create(x->f->space, &info);
	uint64_t phys = hw_alloc(x->f->ram, 1), got, iova;
	struct dmb_dma_target t = at(phys), bad = at(0x2000);
	uint8_t byte = 0x11;

	dmb_iommu_domain_put(id);	/* the device holds it */
	assert_non_null(nic);
	assert_int_equal(dmb_iommu_domain_type(dmb_hw_device_domain(nic)), DMB_IOMMU_DOMAIN_IDENTITY);
	assert_int_equal(dmb_iommu_iova_to_phys(id, phys, &got, NULL), 0);
	assert_int_equal(got, phys);
	assert_int_equal(dmb_dma_write(nic, &t, &byte, 1), 0);
	assert_int_equal(*(uint8_t *)dmb_phys_to_virt(x->f->space, phys, 1), 0x11);
	assert_int_equal(dmb_dma_read(nic, &bad, &byte, 1), -EFAULT);
	assert_int_equal(only_fault(id).reason, DMB_IOMMU_FAULT_NO_MEMORY);
	assert_int_equal(dmb_mem_region_set_isolated(x->f->ram, true), 0);
	assert_int_equal(dmb_dma_read(nic, &t, &byte, 1), -EFAULT);
	assert_int_equal(only_fault(id).reason, DMB_IOMMU_FAULT_ISOLATED);
	assert_int_equal(dmb_mem_region_set_isolated(x->f->ram, false), 0);

	assert_int_equal(dmb_iommu_map(id, IOVA, phys, DMB_PAGE_SIZE, DMB_IOMMU_READ), -EINVAL);
	th_assert_warned("bad IOMMU map");
	assert_int_equal(dmb_iommu_alloc_iova(id, DMB_PAGE_SIZE, &iova), -EINVAL);
	th_assert_warned("identity domain");
	assert_int_equal(dmb_hw_device_destroy(nic), 0);
}

/* Two devices sharing a domain: each fault names the device that made it. */
static void shared_domain_names_the_device(void **state)
{
	struct iommu_fixture *x = *state;
	struct dmb_hw_device_info info = { .name = "gpu1", .domain = x->d };
	struct dmb_hw_device *gpu1 = dmb_hw_device_create(x->f->space, &info);
	struct dmb_dma_target t = at(IOVA);
	struct dmb_iommu_fault recs[2];
	uint8_t byte;

	assert_ptr_equal(dmb_hw_device_domain(gpu1), x->d);
	assert_int_equal(dmb_dma_read(gpu1, &t, &byte, 1), -EFAULT);
	assert_int_equal(dmb_dma_read(x->dev, &t, &byte, 1), -EFAULT);
	assert_int_equal(dmb_iommu_faults(x->d, recs, 2), 2);
	assert_string_equal(recs[0].device, "gpu1");
	assert_string_equal(recs[1].device, "gpu0");
	dmb_iommu_clear_faults(x->d);
	assert_int_equal(dmb_hw_device_destroy(gpu1), 0);
}

/* The log keeps the most recent faults, oldest first, and counts them all. */
static void fault_log_keeps_recent(void **state)
{
	struct iommu_fixture *x = *state;
	struct dmb_iommu_fault recs[DMB_IOMMU_FAULT_RECORDS];
	unsigned int total = DMB_IOMMU_FAULT_RECORDS + 6;
	uint8_t byte;

	for (unsigned int i = 0; i < total; i++) {
		struct dmb_dma_target t = { .addr = IOVA, .cookie = i };

		assert_int_equal(dmb_dma_read(x->dev, &t, &byte, 1), -EFAULT);
	}
	assert_int_equal(dmb_iommu_fault_count(x->d), total);
	assert_int_equal(dmb_iommu_faults(x->d, recs, 4), 4);
	assert_int_equal(recs[0].cookie, total - 4);
	assert_int_equal(recs[3].cookie, total - 1);
	assert_int_equal(dmb_iommu_faults(x->d, recs, DMB_ARRAY_SIZE(recs)),
			 DMB_IOMMU_FAULT_RECORDS);
	assert_int_equal(recs[0].cookie, 6);
	dmb_iommu_clear_faults(x->d);
	assert_int_equal(dmb_iommu_fault_count(x->d), 0);
	assert_int_equal(dmb_iommu_faults(x->d, recs, 4), 0);
}

/* IOVAs cycle: a freed range is not handed out again straight away. */
static void iova_allocator_cycles(void **state)
{
	struct iommu_fixture *x = *state;
	uint64_t a, b, c;

	assert_int_equal(dmb_iommu_alloc_iova(x->d, DMB_PAGE_SIZE, &a), 0);
	assert_int_equal(a, DMB_IOVA_START);
	assert_int_equal(dmb_iommu_free_iova(x->d, a, DMB_PAGE_SIZE), 0);
	assert_int_equal(dmb_iommu_alloc_iova(x->d, 3 * DMB_PAGE_SIZE - 1, &b), 0);
	assert_int_equal(b, a + DMB_PAGE_SIZE);
	assert_int_equal(dmb_iommu_alloc_iova(x->d, DMB_PAGE_SIZE, &c), 0);
	assert_int_equal(c, b + 3 * DMB_PAGE_SIZE);
	assert_int_equal(dmb_iommu_free_iova(x->d, b, DMB_PAGE_SIZE), -EINVAL);
	th_assert_warned("that was not allocated");
	assert_int_equal(dmb_iommu_free_iova(x->d, b, 3 * DMB_PAGE_SIZE), 0);
	assert_int_equal(dmb_iommu_free_iova(x->d, c, DMB_PAGE_SIZE), 0);
	assert_int_equal(dmb_iommu_alloc_iova(x->d, DMB_IOVA_END, &a), -ENOSPC);
	assert_int_equal(dmb_iommu_alloc_iova(x->d, 0, &a), -EINVAL);
	th_assert_warned("of nothing");
}

/* When the cursor reaches the end, allocation wraps to the lowest gap. */
static void iova_allocator_wraps(void **state)
{
	struct iommu_fixture *x = *state;
	uint64_t big = DMB_IOVA_END - DMB_IOVA_START - 4 * DMB_PAGE_SIZE, a, b, c;

	assert_int_equal(dmb_iommu_alloc_iova(x->d, DMB_PAGE_SIZE, &a), 0);
	assert_int_equal(dmb_iommu_alloc_iova(x->d, big, &b), 0);
	assert_int_equal(b, a + DMB_PAGE_SIZE);
	assert_int_equal(dmb_iommu_free_iova(x->d, a, DMB_PAGE_SIZE), 0);
	/* Three pages are left at the top: a fourth does not fit, wrap to a. */
	assert_int_equal(dmb_iommu_alloc_iova(x->d, 3 * DMB_PAGE_SIZE, &c), 0);
	assert_int_equal(c, b + big);
	assert_int_equal(dmb_iommu_alloc_iova(x->d, DMB_PAGE_SIZE, &c), 0);
	assert_int_equal(c, a);
	assert_int_equal(dmb_iommu_alloc_iova(x->d, DMB_PAGE_SIZE, &c), -ENOSPC);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		IOMMU_TEST(map_translates),
		IOMMU_TEST(scattered_pages_translate),
		IOMMU_TEST(write_to_read_only_faults),
		IOMMU_TEST(unmap_then_access_faults),
		IOMMU_TEST(fault_at_first_bad_page),
		IOMMU_TEST(isolated_region_faults),
		IOMMU_TEST(map_errors),
		IOMMU_TEST(bad_access_refused),
		IOMMU_TEST(identity_domain),
		IOMMU_TEST(shared_domain_names_the_device),
		IOMMU_TEST(fault_log_keeps_recent),
		IOMMU_TEST(iova_allocator_cycles),
		IOMMU_TEST(iova_allocator_wraps),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
