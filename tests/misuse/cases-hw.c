// SPDX-License-Identifier: MIT
/*
 * cases-hw.c - misuse of hw/hw-device.h, hw/phys-space.h,
 * hw/mem-region.h, hw/iommu.h and hw/live.h: NULL objects and out-pointers, bad
 * creation infos, destroys refused while the object is in use, sizes and
 * ranges that are empty, unaligned, outside the object or wrap past 2^64,
 * frees and unmaps of what was not allocated or mapped, nodes added twice
 * or deleted without being live.
 */
#include <string.h>
#include <unistd.h>

#include <dmabuf/clock.h>
#include <dmabuf/hw/hw-device.h>
#include <dmabuf/hw/iommu.h>
#include <dmabuf/hw/live.h>
#include <dmabuf/hw/mem-region.h>
#include <dmabuf/hw/phys-space.h>

#include "misuse.h"
#include "sim.h"

/* Pages of RAM, allocated. */
static uint64_t ram_pages(uint64_t n)
{
	uint64_t phys = 0;

	if (dmb_mem_alloc(sim_ram(), n * DMB_PAGE_SIZE, &phys))
		_exit(124);
	return phys;
}

static struct dmb_iommu_domain *domain(void)
{
	struct dmb_iommu_domain *d = dmb_iommu_domain_alloc(sim_space(),
							   DMB_IOMMU_DOMAIN_DMA);

	if (!d)
		_exit(124);
	return d;
}

/* hw-device.h */

MISUSE_CASE(dmb_hw_device_create, null_space, MISUSE_REPORTED)
{
	struct dmb_hw_device_info info = { .name = "dev" };

	return !dmb_hw_device_create(NULL, &info) && errno == EINVAL;
}

MISUSE_CASE(dmb_hw_device_create, null_info, MISUSE_REPORTED)
{
	return !dmb_hw_device_create(sim_space(), NULL) && errno == EINVAL;
}

MISUSE_CASE(dmb_hw_device_create, null_name, MISUSE_REPORTED)
{
	struct dmb_hw_device_info info = { 0 };

	return !dmb_hw_device_create(sim_space(), &info) && errno == EINVAL;
}

MISUSE_CASE(dmb_hw_device_create, too_many_engines, MISUSE_REPORTED)
{
	struct dmb_hw_device_info info = {
		.name = "dev", .nr_engines = DMB_HW_MAX_ENGINES + 1,
	};

	return !dmb_hw_device_create(sim_space(), &info) && errno == EINVAL;
}

MISUSE_CASE(dmb_hw_device_create, domain_of_other_space, MISUSE_REPORTED)
{
	struct dmb_phys_space *other =
		dmb_phys_space_create(dmb_clock_create_virtual(0));
	struct dmb_hw_device_info info = {
		.name = "dev",
		.domain = dmb_iommu_domain_alloc(other, DMB_IOMMU_DOMAIN_DMA),
	};

	return info.domain && !dmb_hw_device_create(sim_space(), &info) &&
	       errno == EINVAL;
}

MISUSE_CASE(dmb_hw_device_destroy, null_ignored, MISUSE_SILENT)
{
	return dmb_hw_device_destroy(NULL) == 0;
}

MISUSE_CASE(dmb_hw_device_destroy, owns_region, MISUSE_REPORTED)
{
	struct dmb_hw_device *dev = sim_device("dev", false, 0);
	struct dmb_mem_region_info info = {
		.name = "vram", .size = SIM_BAR_SIZE, .owner = dev,
	};
	struct dmb_mem_region *vram = dmb_mem_region_create(sim_space(), &info);

	return vram && dmb_hw_device_destroy(dev) == -EBUSY &&
	       dmb_mem_region_owner(vram) == dev;
}

MISUSE_CASE(dmb_hw_device_destroy, pci_functions_device, MISUSE_REPORTED)
{
	struct dmb_pci_function *pci = sim_pci();

	return dmb_hw_device_destroy(dmb_pci_function_device(pci)) == -EINVAL &&
	       !dmb_pci_is_isolated(pci);
}

/* Refused without reading the freed device (live.c). */
MISUSE_CASE(dmb_hw_device_destroy, twice, MISUSE_REPORTED)
{
	struct dmb_hw_device *dev = sim_device("dev", false, 1);

	return !dmb_hw_device_destroy(dev) && dmb_hw_device_destroy(dev) == -EINVAL;
}

MISUSE_CASE(dmb_hw_device_dev, null, MISUSE_REPORTED)
{
	return dmb_hw_device_dev(NULL) == NULL && errno == EINVAL;
}

MISUSE_CASE(dmb_hw_device_from_dev, null, MISUSE_REPORTED)
{
	return !dmb_hw_device_from_dev(NULL) && errno == EINVAL;
}

MISUSE_CASE(dmb_hw_device_from_dev, foreign_device, MISUSE_REPORTED)
{
	return !dmb_hw_device_from_dev(sim_foreign_dev()) && errno == EINVAL;
}

/* Documented as the report-free question. */
MISUSE_CASE(dmb_hw_device_is, null, MISUSE_SILENT)
{
	return !dmb_hw_device_is(NULL) && !dmb_hw_device_is(sim_foreign_dev());
}

MISUSE_CASE(dmb_hw_device_name, null, MISUSE_REPORTED)
{
	const char *name = dmb_hw_device_name(NULL);

	return name && !strcmp(name, "(null)");
}

MISUSE_CASE(dmb_hw_device_p2p, null, MISUSE_REPORTED)
{
	return !dmb_hw_device_p2p(NULL);
}

MISUSE_CASE(dmb_hw_device_domain, null, MISUSE_REPORTED)
{
	return !dmb_hw_device_domain(NULL);
}

MISUSE_CASE(dmb_hw_device_space, null, MISUSE_REPORTED)
{
	return !dmb_hw_device_space(NULL);
}

MISUSE_CASE(dmb_hw_device_nr_engines, null, MISUSE_REPORTED)
{
	return dmb_hw_device_nr_engines(NULL) == 0;
}

MISUSE_CASE(dmb_hw_device_engine, null, MISUSE_REPORTED)
{
	return !dmb_hw_device_engine(NULL, 0) && errno == EINVAL;
}

/* Documented: how a driver asks whether an engine is there (gpu.c). */
MISUSE_CASE(dmb_hw_device_engine, index_out_of_range, MISUSE_SILENT)
{
	return !dmb_hw_device_engine(sim_device("dev", false, 1), 1) &&
	       errno == EINVAL;
}

/* phys-space.h */

MISUSE_CASE(dmb_phys_space_create, null_clock, MISUSE_REPORTED)
{
	return !dmb_phys_space_create(NULL) && errno == EINVAL;
}

MISUSE_CASE(dmb_phys_space_destroy, null_ignored, MISUSE_SILENT)
{
	return dmb_phys_space_destroy(NULL) == 0;
}

MISUSE_CASE(dmb_phys_space_destroy, regions_left, MISUSE_REPORTED)
{
	struct dmb_phys_space *space = sim_space();

	return dmb_phys_space_destroy(space) == -EBUSY &&
	       dmb_phys_to_region(space, dmb_mem_region_base(sim_ram())) == sim_ram();
}

MISUSE_CASE(dmb_phys_space_destroy, twice, MISUSE_REPORTED)
{
	struct dmb_phys_space *space =
		dmb_phys_space_create(dmb_clock_create_virtual(0));

	return space && !dmb_phys_space_destroy(space) &&
	       dmb_phys_space_destroy(space) == -EINVAL;
}

MISUSE_CASE(dmb_phys_space_clock, null, MISUSE_REPORTED)
{
	return !dmb_phys_space_clock(NULL);
}

MISUSE_CASE(dmb_phys_to_region, null_space, MISUSE_REPORTED)
{
	return !dmb_phys_to_region(NULL, DMB_PHYS_BASE) && errno == EINVAL;
}

MISUSE_CASE(dmb_phys_to_virt, null_space, MISUSE_REPORTED)
{
	return !dmb_phys_to_virt(NULL, DMB_PHYS_BASE, 1) && errno == EINVAL;
}

/* A range that wraps past 2^64 is not inside a region. */
MISUSE_CASE(dmb_phys_to_virt, wrapping_range, MISUSE_SILENT)
{
	uint64_t base = dmb_mem_region_base(sim_ram());

	return !dmb_phys_to_virt(sim_space(), base + 1, UINT64_MAX) &&
	       errno == EFAULT;
}

/* mem-region.h */

MISUSE_CASE(dmb_mem_region_create, null_space, MISUSE_REPORTED)
{
	struct dmb_mem_region_info info = { .name = "r", .size = DMB_PAGE_SIZE };

	return !dmb_mem_region_create(NULL, &info) && errno == EINVAL;
}

MISUSE_CASE(dmb_mem_region_create, null_info, MISUSE_REPORTED)
{
	return !dmb_mem_region_create(sim_space(), NULL) && errno == EINVAL;
}

MISUSE_CASE(dmb_mem_region_create, null_name, MISUSE_REPORTED)
{
	struct dmb_mem_region_info info = { .size = DMB_PAGE_SIZE };

	return !dmb_mem_region_create(sim_space(), &info) && errno == EINVAL;
}

MISUSE_CASE(dmb_mem_region_create, unaligned_size, MISUSE_REPORTED)
{
	struct dmb_mem_region_info info = { .name = "r", .size = 100 };

	return !dmb_mem_region_create(sim_space(), &info) && errno == EINVAL;
}

MISUSE_CASE(dmb_mem_region_destroy, null_ignored, MISUSE_SILENT)
{
	return dmb_mem_region_destroy(NULL) == 0;
}

MISUSE_CASE(dmb_mem_region_destroy, still_mapped, MISUSE_REPORTED)
{
	struct dmb_iommu_domain *d = domain();
	uint64_t phys = ram_pages(1);

	if (dmb_iommu_map(d, DMB_IOVA_START, phys, DMB_PAGE_SIZE, DMB_IOMMU_READ))
		return false;
	return dmb_mem_region_destroy(sim_ram()) == -EBUSY &&
	       dmb_phys_to_region(sim_space(), phys) == sim_ram();
}

MISUSE_CASE(dmb_mem_region_destroy, twice, MISUSE_REPORTED)
{
	struct dmb_mem_region_info info = { .name = "r", .size = SIM_BAR_SIZE };
	struct dmb_mem_region *r = dmb_mem_region_create(sim_space(), &info);

	return r && !dmb_mem_region_destroy(r) && dmb_mem_region_destroy(r) == -EINVAL;
}

MISUSE_CASE(dmb_mem_region_name, null, MISUSE_REPORTED)
{
	const char *name = dmb_mem_region_name(NULL);

	return name && !strcmp(name, "(null)");
}

MISUSE_CASE(dmb_mem_region_base, null, MISUSE_REPORTED)
{
	return dmb_mem_region_base(NULL) == 0;
}

MISUSE_CASE(dmb_mem_region_size, null, MISUSE_REPORTED)
{
	return dmb_mem_region_size(NULL) == 0;
}

MISUSE_CASE(dmb_mem_region_owner, null, MISUSE_REPORTED)
{
	return !dmb_mem_region_owner(NULL);
}

MISUSE_CASE(dmb_mem_region_vaddr, null, MISUSE_REPORTED)
{
	return !dmb_mem_region_vaddr(NULL);
}

MISUSE_CASE(dmb_mem_region_memfd, null, MISUSE_REPORTED)
{
	return dmb_mem_region_memfd(NULL) == -EINVAL;
}

MISUSE_CASE(dmb_mem_share, null, MISUSE_REPORTED)
{
	return dmb_mem_share(NULL, DMB_PHYS_BASE, DMB_PAGE_SIZE) == -EINVAL;
}

MISUSE_CASE(dmb_mem_share, outside_region, MISUSE_REPORTED)
{
	struct dmb_mem_region *r = sim_ram();

	return dmb_mem_share(r, dmb_mem_region_base(r) + SIM_RAM_SIZE,
			     DMB_PAGE_SIZE) == -EINVAL;
}

MISUSE_CASE(dmb_mem_share, wrapping_range, MISUSE_REPORTED)
{
	struct dmb_mem_region *r = sim_ram();

	return dmb_mem_share(r, dmb_mem_region_base(r) + DMB_PAGE_SIZE,
			     UINT64_MAX & DMB_PAGE_MASK) == -EINVAL;
}

MISUSE_CASE(dmb_mem_share, unaligned, MISUSE_REPORTED)
{
	struct dmb_mem_region *r = sim_ram();

	return dmb_mem_share(r, dmb_mem_region_base(r) + 1, DMB_PAGE_SIZE) == -EINVAL;
}

MISUSE_CASE(dmb_mem_unshare, null, MISUSE_REPORTED)
{
	dmb_mem_unshare(NULL, DMB_PHYS_BASE, DMB_PAGE_SIZE);
	return true;
}

MISUSE_CASE(dmb_mem_unshare, wrapping_range, MISUSE_REPORTED)
{
	struct dmb_mem_region *r = sim_ram();

	dmb_mem_unshare(r, dmb_mem_region_base(r) + DMB_PAGE_SIZE, UINT64_MAX);
	return true;
}

MISUSE_CASE(dmb_mem_share_note_writer, null_region, MISUSE_REPORTED)
{
	dmb_mem_share_note_writer(NULL, DMB_PHYS_BASE, DMB_PAGE_SIZE, "w");
	return true;
}

MISUSE_CASE(dmb_mem_share_note_writer, null_writer, MISUSE_REPORTED)
{
	struct dmb_mem_region *r = sim_ram();

	dmb_mem_share_note_writer(r, dmb_mem_region_base(r), DMB_PAGE_SIZE, NULL);
	return true;
}

MISUSE_CASE(dmb_mem_share_note_writer, wrapping_range, MISUSE_REPORTED)
{
	struct dmb_mem_region *r = sim_ram();

	dmb_mem_share_note_writer(r, dmb_mem_region_base(r) + DMB_PAGE_SIZE,
				  UINT64_MAX, "w");
	return true;
}

MISUSE_CASE(dmb_mem_share_check, null, MISUSE_REPORTED)
{
	return dmb_mem_share_check(NULL, DMB_PHYS_BASE, DMB_PAGE_SIZE) == -EINVAL;
}

MISUSE_CASE(dmb_mem_share_check, wrapping_range, MISUSE_REPORTED)
{
	struct dmb_mem_region *r = sim_ram();

	return dmb_mem_share_check(r, dmb_mem_region_base(r) + DMB_PAGE_SIZE,
				   UINT64_MAX) == -EINVAL;
}

MISUSE_CASE(dmb_mem_alloc, null_region, MISUSE_REPORTED)
{
	uint64_t phys;

	return dmb_mem_alloc(NULL, DMB_PAGE_SIZE, &phys) == -EINVAL;
}

MISUSE_CASE(dmb_mem_alloc, null_phys, MISUSE_REPORTED)
{
	return dmb_mem_alloc(sim_ram(), DMB_PAGE_SIZE, NULL) == -EINVAL &&
	       dmb_mem_region_free_bytes(sim_ram()) == SIM_RAM_SIZE;
}

/* Documented: an empty allocation is an error, as in any allocator. */
MISUSE_CASE(dmb_mem_alloc, zero_size, MISUSE_SILENT)
{
	uint64_t phys;

	return dmb_mem_alloc(sim_ram(), 0, &phys) == -EINVAL;
}

/* Rounding up to pages must not wrap to a small size. */
MISUSE_CASE(dmb_mem_alloc, size_wraps_when_rounded, MISUSE_SILENT)
{
	uint64_t phys;

	return dmb_mem_alloc(sim_ram(), UINT64_MAX, &phys) == -ENOMEM &&
	       dmb_mem_region_free_bytes(sim_ram()) == SIM_RAM_SIZE;
}

MISUSE_CASE(dmb_mem_free, null, MISUSE_REPORTED)
{
	return dmb_mem_free(NULL, DMB_PHYS_BASE, DMB_PAGE_SIZE) == -EINVAL;
}

MISUSE_CASE(dmb_mem_free, not_allocated, MISUSE_REPORTED)
{
	struct dmb_mem_region *r = sim_ram();

	return dmb_mem_free(r, dmb_mem_region_base(r), DMB_PAGE_SIZE) == -EINVAL &&
	       dmb_mem_region_free_bytes(r) == SIM_RAM_SIZE;
}

MISUSE_CASE(dmb_mem_free, twice, MISUSE_REPORTED)
{
	uint64_t phys = ram_pages(1);

	return !dmb_mem_free(sim_ram(), phys, DMB_PAGE_SIZE) &&
	       dmb_mem_free(sim_ram(), phys, DMB_PAGE_SIZE) == -EINVAL;
}

MISUSE_CASE(dmb_mem_free, wrapping_range, MISUSE_REPORTED)
{
	uint64_t phys = ram_pages(1);

	return dmb_mem_free(sim_ram(), phys, UINT64_MAX & DMB_PAGE_MASK) == -EINVAL &&
	       dmb_mem_region_free_bytes(sim_ram()) == SIM_RAM_SIZE - DMB_PAGE_SIZE;
}

MISUSE_CASE(dmb_mem_region_free_bytes, null, MISUSE_REPORTED)
{
	return dmb_mem_region_free_bytes(NULL) == 0;
}

MISUSE_CASE(dmb_mem_region_set_isolated, null, MISUSE_REPORTED)
{
	return dmb_mem_region_set_isolated(NULL, true) == -EINVAL;
}

MISUSE_CASE(dmb_mem_region_isolated, null, MISUSE_REPORTED)
{
	/* Nothing can reach a region that is not there. */
	return dmb_mem_region_isolated(NULL);
}

/* iommu.h */

MISUSE_CASE(dmb_iommu_domain_alloc, null_space, MISUSE_REPORTED)
{
	return !dmb_iommu_domain_alloc(NULL, DMB_IOMMU_DOMAIN_DMA) && errno == EINVAL;
}

MISUSE_CASE(dmb_iommu_domain_alloc, bad_type, MISUSE_REPORTED)
{
	return !dmb_iommu_domain_alloc(sim_space(), (enum dmb_iommu_domain_type)7) &&
	       errno == EINVAL;
}

MISUSE_CASE(dmb_iommu_domain_get, null, MISUSE_REPORTED)
{
	return !dmb_iommu_domain_get(NULL);
}

MISUSE_CASE(dmb_iommu_domain_put, null_ignored, MISUSE_SILENT)
{
	dmb_iommu_domain_put(NULL);
	return true;
}

MISUSE_CASE(dmb_iommu_domain_type, null, MISUSE_REPORTED)
{
	/* The answer that lets no address through unchecked. */
	return dmb_iommu_domain_type(NULL) == DMB_IOMMU_DOMAIN_DMA;
}

MISUSE_CASE(dmb_iommu_map, null, MISUSE_REPORTED)
{
	return dmb_iommu_map(NULL, DMB_IOVA_START, ram_pages(1), DMB_PAGE_SIZE,
			     DMB_IOMMU_READ) == -EINVAL;
}

MISUSE_CASE(dmb_iommu_map, identity_domain, MISUSE_REPORTED)
{
	struct dmb_iommu_domain *d =
		dmb_iommu_domain_alloc(sim_space(), DMB_IOMMU_DOMAIN_IDENTITY);

	return d && dmb_iommu_map(d, DMB_IOVA_START, ram_pages(1), DMB_PAGE_SIZE,
				  DMB_IOMMU_READ) == -EINVAL;
}

MISUSE_CASE(dmb_iommu_map, no_permission, MISUSE_REPORTED)
{
	return dmb_iommu_map(domain(), DMB_IOVA_START, ram_pages(1),
			     DMB_PAGE_SIZE, 0) == -EINVAL;
}

MISUSE_CASE(dmb_iommu_map, wrapping_iova, MISUSE_REPORTED)
{
	return dmb_iommu_map(domain(), UINT64_MAX & DMB_PAGE_MASK, ram_pages(1),
			     DMB_PAGE_SIZE, DMB_IOMMU_READ) == -EINVAL;
}

MISUSE_CASE(dmb_iommu_map, unaligned, MISUSE_REPORTED)
{
	return dmb_iommu_map(domain(), DMB_IOVA_START + 1, ram_pages(1),
			     DMB_PAGE_SIZE, DMB_IOMMU_READ) == -EINVAL;
}

MISUSE_CASE(dmb_iommu_unmap, null, MISUSE_REPORTED)
{
	return dmb_iommu_unmap(NULL, DMB_IOVA_START, DMB_PAGE_SIZE) == -EINVAL;
}

MISUSE_CASE(dmb_iommu_unmap, wrapping_range, MISUSE_REPORTED)
{
	return dmb_iommu_unmap(domain(), DMB_IOVA_START,
			       UINT64_MAX & DMB_PAGE_MASK) == -EINVAL;
}

/* Documented: the kernel's iommu_unmap() of a hole returns less, quietly. */
MISUSE_CASE(dmb_iommu_unmap, not_mapped, MISUSE_SILENT)
{
	return dmb_iommu_unmap(domain(), DMB_IOVA_START, DMB_PAGE_SIZE) == -ENOENT;
}

MISUSE_CASE(dmb_iommu_iova_to_phys, null_domain, MISUSE_REPORTED)
{
	uint64_t phys;

	return dmb_iommu_iova_to_phys(NULL, DMB_IOVA_START, &phys, NULL) == -EINVAL;
}

MISUSE_CASE(dmb_iommu_iova_to_phys, null_phys, MISUSE_REPORTED)
{
	struct dmb_iommu_domain *d = domain();

	if (dmb_iommu_map(d, DMB_IOVA_START, ram_pages(1), DMB_PAGE_SIZE,
			  DMB_IOMMU_READ))
		return false;
	return dmb_iommu_iova_to_phys(d, DMB_IOVA_START, NULL, NULL) == -EINVAL;
}

MISUSE_CASE(dmb_iommu_alloc_iova, null_domain, MISUSE_REPORTED)
{
	uint64_t iova;

	return dmb_iommu_alloc_iova(NULL, DMB_PAGE_SIZE, &iova) == -EINVAL;
}

MISUSE_CASE(dmb_iommu_alloc_iova, null_iova, MISUSE_REPORTED)
{
	return dmb_iommu_alloc_iova(domain(), DMB_PAGE_SIZE, NULL) == -EINVAL;
}

MISUSE_CASE(dmb_iommu_alloc_iova, zero_size, MISUSE_REPORTED)
{
	uint64_t iova;

	return dmb_iommu_alloc_iova(domain(), 0, &iova) == -EINVAL;
}

/* Rounding up to pages must not wrap to a small size. */
MISUSE_CASE(dmb_iommu_alloc_iova, size_wraps_when_rounded, MISUSE_SILENT)
{
	uint64_t iova;

	return dmb_iommu_alloc_iova(domain(), UINT64_MAX, &iova) == -ENOSPC;
}

MISUSE_CASE(dmb_iommu_free_iova, null, MISUSE_REPORTED)
{
	return dmb_iommu_free_iova(NULL, DMB_IOVA_START, DMB_PAGE_SIZE) == -EINVAL;
}

MISUSE_CASE(dmb_iommu_free_iova, not_allocated, MISUSE_REPORTED)
{
	return dmb_iommu_free_iova(domain(), DMB_IOVA_START, DMB_PAGE_SIZE) == -EINVAL;
}

MISUSE_CASE(dmb_iommu_free_iova, twice, MISUSE_REPORTED)
{
	struct dmb_iommu_domain *d = domain();
	uint64_t iova;

	return !dmb_iommu_alloc_iova(d, DMB_PAGE_SIZE, &iova) &&
	       !dmb_iommu_free_iova(d, iova, DMB_PAGE_SIZE) &&
	       dmb_iommu_free_iova(d, iova, DMB_PAGE_SIZE) == -EINVAL;
}

MISUSE_CASE(dmb_iommu_fault_count, null, MISUSE_REPORTED)
{
	return dmb_iommu_fault_count(NULL) == 0;
}

MISUSE_CASE(dmb_iommu_faults, null_domain, MISUSE_REPORTED)
{
	struct dmb_iommu_fault out[1];

	return dmb_iommu_faults(NULL, out, 1) == 0;
}

MISUSE_CASE(dmb_iommu_faults, null_out, MISUSE_REPORTED)
{
	return dmb_iommu_faults(domain(), NULL, 1) == 0;
}

MISUSE_CASE(dmb_iommu_clear_faults, null, MISUSE_REPORTED)
{
	dmb_iommu_clear_faults(NULL);
	return true;
}

/* Documented: "?" names a reason the library does not know. */
MISUSE_CASE(dmb_iommu_fault_reason_name, unknown_reason, MISUSE_SILENT)
{
	return !strcmp(dmb_iommu_fault_reason_name((enum dmb_iommu_fault_reason)99),
		       "?");
}

/* hw/live.h */

MISUSE_CASE(dmb_live_add, null, MISUSE_REPORTED)
{
	dmb_live_add(NULL);
	return true;
}

/* A second add must not link the node twice (a cycle in its bucket). */
MISUSE_CASE(dmb_live_add, twice, MISUSE_REPORTED)
{
	static struct dmb_live node;

	dmb_live_add(&node);
	dmb_live_add(&node);
	dmb_live_del(&node);
	return dmb_live_refuse(&node, "case");
}

MISUSE_CASE(dmb_live_del, null, MISUSE_REPORTED)
{
	dmb_live_del(NULL);
	return true;
}

MISUSE_CASE(dmb_live_del, not_live, MISUSE_REPORTED)
{
	static struct dmb_live node, other;

	dmb_live_add(&other);
	dmb_live_del(&node);
	return !dmb_live_refuse(&other, "case");
}

MISUSE_CASE(dmb_live_refuse, null, MISUSE_REPORTED)
{
	return dmb_live_refuse(NULL, "case");
}

MISUSE_CASE(dmb_live_refuse, null_call, MISUSE_REPORTED)
{
	static struct dmb_live node;

	dmb_live_add(&node);
	return dmb_live_refuse(&node, NULL);
}

MISUSE_CASE(dmb_live_refuse, never_added, MISUSE_REPORTED)
{
	static struct dmb_live node;

	return dmb_live_refuse(&node, "case");
}

MISUSE_CASE(dmb_live_refuse, deleted, MISUSE_REPORTED)
{
	static struct dmb_live node;

	dmb_live_add(&node);
	dmb_live_del(&node);
	return dmb_live_refuse(&node, "case");
}

/* The answer for a live node, which every entry point asks: no report. */
MISUSE_CASE(dmb_live_refuse, live, MISUSE_SILENT)
{
	static struct dmb_live node;

	dmb_live_add(&node);
	return !dmb_live_refuse(&node, "case");
}
