// SPDX-License-Identifier: MIT
/*
 * test-mem-region.c - the physical address space and its regions: fixed
 * bases, page allocation, the memfd behind the bytes, shared ranges taken
 * back (shrunk by their peer too), and isolation that really protects the
 * CPU view.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dmabuf/hw/dma-access.h>
#include <dmabuf/hw/dma-mapping.h>
#include <dmabuf/hw/iommu.h>

#include "fixture.h"

/* Regions get increasing bases on 1 GiB boundaries; lookups find them. */
static void regions_sit_at_fixed_bases(void **state)
{
	struct hw_fixture *f = *state;
	struct dmb_mem_region_info info = { .name = "vram", .size = 2 * DMB_PHYS_REGION_ALIGN };
	struct dmb_mem_region *vram = dmb_mem_region_create(f->space, &info);
	struct dmb_mem_region *bar;
	uint64_t end_ram = DMB_PHYS_BASE + HW_RAM_SIZE;

	info = (struct dmb_mem_region_info){ .name = "bar0", .size = DMB_PAGE_SIZE };
	bar = dmb_mem_region_create(f->space, &info);
	assert_non_null(vram);
	assert_non_null(bar);
	assert_int_equal(dmb_mem_region_base(f->ram), DMB_PHYS_BASE);
	assert_int_equal(dmb_mem_region_base(vram), DMB_PHYS_BASE + DMB_PHYS_REGION_ALIGN);
	assert_int_equal(dmb_mem_region_base(bar), DMB_PHYS_BASE + 3 * DMB_PHYS_REGION_ALIGN);
	assert_string_equal(dmb_mem_region_name(vram), "vram");
	assert_null(dmb_mem_region_owner(f->ram));

	assert_ptr_equal(dmb_phys_to_region(f->space, end_ram - 1), f->ram);
	assert_null(dmb_phys_to_region(f->space, end_ram));
	assert_int_equal(errno, EFAULT);
	assert_null(dmb_phys_to_region(f->space, 0));
	assert_ptr_equal(dmb_phys_to_virt(f->space, DMB_PHYS_BASE + 8, 8),
			 (char *)dmb_mem_region_vaddr(f->ram) + 8);
	assert_null(dmb_phys_to_virt(f->space, end_ram - 4, 8));	/* runs off the end */
	assert_null(dmb_phys_to_virt(f->space, DMB_PHYS_BASE, 0));
	assert_int_equal(dmb_mem_region_destroy(bar), 0);
	assert_null(dmb_phys_to_region(f->space, DMB_PHYS_BASE + 3 * DMB_PHYS_REGION_ALIGN));
	assert_int_equal(dmb_mem_region_destroy(vram), 0);
}

/* Sizes that are zero or not whole pages are refused with a WARN. */
static void bad_region_refused(void **state)
{
	struct hw_fixture *f = *state;
	static const uint64_t sizes[] = { 0, 100, DMB_PAGE_SIZE + 1 };

	for (size_t i = 0; i < DMB_ARRAY_SIZE(sizes); i++) {
		struct dmb_mem_region_info info = { .name = "bad", .size = sizes[i] };

		assert_null(dmb_mem_region_create(f->space, &info));
		assert_int_equal(errno, EINVAL);
		th_assert_warned("bad memory region");
	}
}

/* Allocation is first fit in contiguous runs; freed pages are reused. */
static void alloc_first_fit(void **state)
{
	struct hw_fixture *f = *state;
	uint64_t a = hw_alloc(f->ram, 3), b = hw_alloc(f->ram, 5), c;

	assert_int_equal(a, DMB_PHYS_BASE);
	assert_int_equal(b, DMB_PHYS_BASE + 3 * DMB_PAGE_SIZE);
	assert_int_equal(dmb_mem_region_free_bytes(f->ram), HW_RAM_SIZE - 8 * DMB_PAGE_SIZE);
	assert_int_equal(dmb_mem_free(f->ram, a, 3 * DMB_PAGE_SIZE), 0);
	c = hw_alloc(f->ram, 2);
	assert_int_equal(c, a);
	/* A run of 4 does not fit in the one page left before b. */
	assert_int_equal(hw_alloc(f->ram, 4), DMB_PHYS_BASE + 8 * DMB_PAGE_SIZE);
	/* A size that is not a whole page takes whole pages. */
	assert_int_equal(dmb_mem_alloc(f->ram, 1, &c), 0);
	assert_int_equal(c, DMB_PHYS_BASE + 2 * DMB_PAGE_SIZE);
	assert_int_equal(dmb_mem_alloc(f->ram, 0, &c), -EINVAL);
}

/* Asking for more than is free in one run fails with -ENOMEM. */
static void alloc_exhaustion(void **state)
{
	struct hw_fixture *f = *state;
	uint64_t all, phys;

	assert_int_equal(dmb_mem_alloc(f->ram, HW_RAM_SIZE + DMB_PAGE_SIZE, &phys), -ENOMEM);
	assert_int_equal(dmb_mem_alloc(f->ram, HW_RAM_SIZE, &all), 0);
	assert_int_equal(dmb_mem_alloc(f->ram, DMB_PAGE_SIZE, &phys), -ENOMEM);
	assert_int_equal(dmb_mem_free(f->ram, all + DMB_PAGE_SIZE, DMB_PAGE_SIZE), 0);
	assert_int_equal(dmb_mem_alloc(f->ram, 2 * DMB_PAGE_SIZE, &phys), -ENOMEM);
	assert_int_equal(dmb_mem_alloc(f->ram, DMB_PAGE_SIZE, &phys), 0);
	assert_int_equal(phys, all + DMB_PAGE_SIZE);
	assert_int_equal(dmb_mem_region_free_bytes(f->ram), 0);
}

/* Freeing what is not allocated, or outside the region, WARNs and frees nothing. */
static void bad_free_refused(void **state)
{
	struct hw_fixture *f = *state;
	uint64_t a = hw_alloc(f->ram, 1);

	assert_int_equal(dmb_mem_free(f->ram, a, 2 * DMB_PAGE_SIZE), -EINVAL);
	th_assert_warned("which is not allocated");
	assert_int_equal(dmb_mem_free(f->ram, a + 1, DMB_PAGE_SIZE), -EINVAL);
	th_assert_warned("outside region ram");
	assert_int_equal(dmb_mem_free(f->ram, a + HW_RAM_SIZE, DMB_PAGE_SIZE), -EINVAL);
	th_assert_warned("outside region ram");
	assert_int_equal(dmb_mem_region_free_bytes(f->ram), HW_RAM_SIZE - DMB_PAGE_SIZE);
	assert_int_equal(dmb_mem_free(f->ram, a, DMB_PAGE_SIZE), 0);
}

/* The bytes live in the memfd: another mapping of it sees what the CPU wrote. */
static void memfd_shares_the_bytes(void **state)
{
	struct hw_fixture *f = *state;
	int fd = dmb_mem_region_memfd(f->ram);
	uint8_t *other;

	assert_true(fd >= 0);
	hw_fill(f->space, DMB_PHYS_BASE + DMB_PAGE_SIZE, 64, 42);
	other = mmap(NULL, 2 * DMB_PAGE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(other != MAP_FAILED);
	for (unsigned int i = 0; i < 64; i++)
		assert_int_equal(other[DMB_PAGE_SIZE + i], (uint8_t)(42 + i * 7));
	munmap(other, 2 * DMB_PAGE_SIZE);
	/* Sealed: nobody can shrink it from under the mappings. */
	assert_int_equal(ftruncate(fd, DMB_PAGE_SIZE), -1);
	assert_int_equal(errno, EPERM);
}

static sigjmp_buf bus_jmp;

static void on_bus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

/* Reading @p raises SIGBUS (caught here, whatever cmocka installed). */
static bool read_faults(volatile uint8_t *p)
{
	struct sigaction sa = { .sa_handler = on_bus }, old;
	volatile bool faulted = false;

	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGBUS, &sa, &old), 0);
	if (sigsetjmp(bus_jmp, 1) == 0)
		(void)*p;
	else
		faulted = true;
	sigaction(SIGBUS, &old, NULL);
	return faulted;
}

static uint8_t *map_fd(int fd, uint64_t len)
{
	uint8_t *p;

	assert_true(fd >= 0);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	return p;
}

/*
 * A shared range is a generation of its own: the same pages as the CPU
 * view and the device's DMA, handed out again until taken back; taking it back makes
 * every other mapping fault for good while the CPU view keeps the bytes,
 * and the next share is a new generation.
 */
static void shared_range_taken_back(void **state)
{
	struct hw_fixture *f = *state;
	uint64_t len = 2 * DMB_PAGE_SIZE, phys = hw_alloc(f->ram, 2);
	uint8_t *cpu = dmb_phys_to_virt(f->space, phys, len);
	struct dmb_hw_device *dev = hw_device(f, "dev0", false, 0);
	struct dmb_dma_target t = { 0 };
	uint8_t *other, *again, *next, byte = 0x5a;
	struct sg_table sgt;
	int fd, fd2, fd3;

	hw_fill(f->space, phys, len, 1);
	fd = dmb_mem_share(f->ram, phys, len);
	other = map_fd(fd, len);
	for (uint64_t i = 0; i < len; i++)
		assert_int_equal(other[i], (uint8_t)(1 + i * 7));
	other[5] = 0xaa;
	assert_int_equal(cpu[5], 0xaa);
	hw_fill(f->space, phys, len, 2);
	assert_int_equal(other[len - 1], (uint8_t)(2 + (len - 1) * 7));
	fd2 = dmb_mem_share(f->ram, phys, len);
	again = map_fd(fd2, len);
	again[1] = 0x11;
	assert_int_equal(other[1], 0x11);
	munmap(again, len);
	close(fd2);
	/* The device's DMA reaches the same pages. */
	assert_int_equal(dmb_dma_map_range(dmb_hw_device_dev(dev), &sgt, phys, len,
					   DMA_BIDIRECTIONAL), 0);
	t.addr = sg_dma_address(sgt.sgl) + 3;
	assert_int_equal(dmb_dma_write(dev, &t, &byte, 1), 0);
	assert_int_equal(other[3], 0x5a);
	assert_int_equal(dmb_mem_share(f->ram, phys + DMB_PAGE_SIZE, len), -EBUSY);

	dmb_mem_unshare(f->ram, phys, len);
	assert_true(read_faults(other));
	assert_int_equal(cpu[1], 0x11);
	assert_int_equal(cpu[len - 1], (uint8_t)(2 + (len - 1) * 7));
	byte = 0;
	assert_int_equal(dmb_dma_read(dev, &t, &byte, 1), 0);
	assert_int_equal(byte, 0x5a);
	dmb_dma_unmap_range(dmb_hw_device_dev(dev), &sgt, DMA_BIDIRECTIONAL);
	/* Sealed against growing: the old pages cannot come back. */
	assert_int_equal(ftruncate(fd, (off_t)len), -1);
	assert_int_equal(errno, EPERM);

	fd3 = dmb_mem_share(f->ram, phys, len);
	next = map_fd(fd3, len);
	assert_int_equal(next[1], 0x11);
	next[2] = 0x77;
	assert_int_equal(cpu[2], 0x77);
	assert_true(read_faults(other + 2));
	dmb_mem_unshare(f->ram, phys, len);
	assert_true(read_faults(next));
	munmap(next, len);
	munmap(other, len);
	close(fd3);
	close(fd);
	assert_int_equal(dmb_mem_free(f->ram, phys, len), 0);

	assert_int_equal(dmb_mem_share(f->ram, phys + 1, len), -EINVAL);
	th_assert_warned("dmb_mem_share");
}

/*
 * A generation another process shrank is taken back through its file,
 * never through the views: no fault, even with another SIGBUS handler in
 * front of the guard's; the pages it kept come back as they were, what it
 * cut off as zeros; the shrink nobody checked for is reported once, naming
 * the writer; the next generation is whole.
 */
static void shrunk_range_taken_back_through_the_file(void **state)
{
	struct hw_fixture *f = *state;
	uint64_t len = 2 * DMB_PAGE_SIZE, phys = hw_alloc(f->ram, 2);
	uint8_t *cpu = dmb_phys_to_virt(f->space, phys, len), *next;
	char needle[160];
	struct stat st;
	int fd, fd2;

	hw_fill(f->space, phys, len, 3);
	fd = dmb_mem_share(f->ram, phys, len);
	assert_true(fd >= 0);
	dmb_mem_share_note_writer(f->ram, phys, len, "peer[7]");
	/* The peer keeps the first page. */
	assert_int_equal(ftruncate(fd, DMB_PAGE_SIZE), 0);

	th_sigbus_catch_begin();
	dmb_mem_unshare(f->ram, phys, len);
	assert_int_equal(th_sigbus_catch_end(), 0);
	snprintf(needle, sizeof(needle), "shared range [%#llx, +%#llx) was shrunk "
		 "under the exporter; read-write importers: peer[7]",
		 (unsigned long long)phys, (unsigned long long)len);
	assert_true(th_take_report(DMB_DIAG_NOTICE, needle));
	assert_true(hw_holds(f->space, phys, DMB_PAGE_SIZE, 3));
	for (uint64_t i = DMB_PAGE_SIZE; i < len; i++)
		assert_int_equal(cpu[i], 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, 0);

	fd2 = dmb_mem_share(f->ram, phys, len);
	assert_int_equal(fstat(fd2, &st), 0);
	assert_int_equal(st.st_size, len);
	next = map_fd(fd2, len);
	assert_memory_equal(next, cpu, len);
	next[len - 1] = 0x42;
	assert_int_equal(cpu[len - 1], 0x42);
	assert_int_equal(dmb_mem_share_check(f->ram, phys, len), 0);
	dmb_mem_unshare(f->ram, phys, len);
	assert_int_equal(th_count_reports(DMB_DIAG_NOTICE), 0);
	munmap(next, len);
	close(fd2);
	close(fd);
	assert_int_equal(dmb_mem_free(f->ram, phys, len), 0);
}

/* Run @fn in a child; true if the child died instead of exiting 0. */
static bool child_crashes(void (*fn)(void *arg), void *arg)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		/* cmocka catches SIGSEGV to fail a case: let the child just die. */
		signal(SIGSEGV, SIG_DFL);
		fn(arg);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void raw_read(void *arg)
{
	volatile uint8_t *p = arg;

	(void)*p;
}

/* Isolation protects the CPU view for real; lifting it restores access and the bytes. */
static void isolation_protects_cpu_view(void **state)
{
	struct hw_fixture *f = *state;
	uint8_t *va = dmb_mem_region_vaddr(f->ram);

	va[0] = 0x5a;
	assert_false(child_crashes(raw_read, va));
	assert_int_equal(dmb_mem_region_set_isolated(f->ram, true), 0);
	assert_true(dmb_mem_region_isolated(f->ram));
	assert_true(child_crashes(raw_read, va));
	assert_int_equal(dmb_mem_region_set_isolated(f->ram, false), 0);
	assert_false(dmb_mem_region_isolated(f->ram));
	assert_int_equal(va[0], 0x5a);
}

/* A region an IOMMU still maps cannot be destroyed; after unmap it can. */
static void destroy_while_mapped_is_busy(void **state)
{
	struct hw_fixture *f = *state;
	struct dmb_mem_region_info info = { .name = "vram", .size = DMB_PAGE_SIZE };
	struct dmb_mem_region *vram = dmb_mem_region_create(f->space, &info);
	struct dmb_iommu_domain *d = dmb_iommu_domain_alloc(f->space, DMB_IOMMU_DOMAIN_DMA);

	assert_non_null(d);
	assert_int_equal(dmb_iommu_map(d, DMB_IOVA_START, dmb_mem_region_base(vram),
				       DMB_PAGE_SIZE, DMB_IOMMU_READ), 0);
	assert_int_equal(dmb_mem_region_destroy(vram), -EBUSY);
	th_assert_warned("while an IOMMU still maps 1 of its pages");
	assert_ptr_equal(dmb_phys_to_region(f->space, dmb_mem_region_base(vram)), vram);
	assert_int_equal(dmb_iommu_unmap(d, DMB_IOVA_START, DMB_PAGE_SIZE), 0);
	assert_int_equal(dmb_mem_region_destroy(vram), 0);
	dmb_iommu_domain_put(d);
}

/* A domain that goes away releases its hold on the regions it mapped. */
static void domain_put_releases_regions(void **state)
{
	struct hw_fixture *f = *state;
	struct dmb_mem_region_info info = { .name = "vram", .size = 4 * DMB_PAGE_SIZE };
	struct dmb_mem_region *vram = dmb_mem_region_create(f->space, &info);
	struct dmb_iommu_domain *d = dmb_iommu_domain_alloc(f->space, DMB_IOMMU_DOMAIN_DMA);

	assert_int_equal(dmb_iommu_map(d, 1ULL << 40, dmb_mem_region_base(vram),
				       4 * DMB_PAGE_SIZE, DMB_IOMMU_WRITE), 0);
	dmb_iommu_domain_put(d);
	assert_int_equal(dmb_mem_region_destroy(vram), 0);
}

/* A space with regions left cannot be destroyed. */
static void space_destroy_with_regions_is_busy(void **state)
{
	struct hw_fixture *f = *state;

	assert_int_equal(dmb_phys_space_destroy(f->space), -EBUSY);
	th_assert_warned("with 1 regions left");
	assert_ptr_equal(dmb_phys_space_clock(f->space), f->clock);
	assert_null(dmb_phys_space_create(NULL));
	th_assert_warned("without a clock");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		HW_TEST(regions_sit_at_fixed_bases),
		HW_TEST(bad_region_refused),
		HW_TEST(alloc_first_fit),
		HW_TEST(alloc_exhaustion),
		HW_TEST(bad_free_refused),
		HW_TEST(memfd_shares_the_bytes),
		HW_TEST(shared_range_taken_back),
		HW_TEST(shrunk_range_taken_back_through_the_file),
		HW_TEST(isolation_protects_cpu_view),
		HW_TEST(destroy_while_mapped_is_busy),
		HW_TEST(domain_put_releases_regions),
		HW_TEST(space_destroy_with_regions_is_busy),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
