/* SPDX-License-Identifier: MIT */
/*
 * hw/phys-space.h - the simulated machine's physical address space.
 *
 * A physical address space holds memory regions (hw/mem-region.h) at fixed,
 * non-overlapping physical base addresses, and the clock every piece of
 * simulated hardware on it runs on: DMA engines complete their jobs on it and
 * IOMMU faults are stamped with it. A test gives it a virtual clock (work
 * completes when the test advances it); a demo or benchmark the real clock.
 *
 * Physical addresses are 64-bit numbers the simulated devices and IOMMUs
 * understand; the host memory behind them is reached through
 * dmb_phys_to_virt() (the CPU's view). Bases are handed out upwards from
 * DMB_PHYS_BASE and never reused, so a stale physical address hits nothing
 * rather than a newer region.
 *
 * Locking: every function is thread-safe. Regions are added and removed
 * under an internal rwlock that simulated DMA holds for reading while it
 * moves bytes (see docs/hardware.md).
 */
#ifndef DMABUF_HW_PHYS_SPACE_H
#define DMABUF_HW_PHYS_SPACE_H

#include <stddef.h>
#include <stdint.h>
#include <dmabuf/compiler.h>
#include <dmabuf/clock.h>

DMB_BEGIN_DECLS

/* The simulated page: the unit of allocation, mapping and protection. */
#define DMB_PAGE_SHIFT		12
#define DMB_PAGE_SIZE		(1ULL << DMB_PAGE_SHIFT)
#define DMB_PAGE_MASK		(~(DMB_PAGE_SIZE - 1))
#define DMB_PAGE_ALIGNED(x)	(((x) & (DMB_PAGE_SIZE - 1)) == 0)
#define DMB_PAGE_ALIGN(x)	(((x) + DMB_PAGE_SIZE - 1) & DMB_PAGE_MASK)

/* The first region's base (4 GiB); each region starts on a 1 GiB boundary. */
#define DMB_PHYS_BASE		0x100000000ULL
#define DMB_PHYS_REGION_ALIGN	0x40000000ULL

struct dmb_phys_space;
struct dmb_mem_region;

/**
 * dmb_phys_space_create - an empty physical address space
 * @clock: the clock its hardware runs on (dmb_clock_real() or a virtual
 *	clock); it must outlive the space
 *
 * Context: any thread.
 * Return: the space, or NULL with errno (EINVAL for a NULL clock, ENOMEM).
 */
struct dmb_phys_space *dmb_phys_space_create(struct dmb_clock *clock);

/**
 * dmb_phys_space_destroy - free an empty space
 * @space: the space; NULL is ignored
 *
 * Context: every region on it must have been destroyed.
 * Return: 0, or -EBUSY (a WARN) if regions remain; the space then stays.
 */
int dmb_phys_space_destroy(struct dmb_phys_space *space);

/**
 * dmb_phys_space_clock - the clock the space's hardware runs on
 *
 * Context: any thread. Return: the clock given at creation; NULL (a WARN) for NULL.
 */
struct dmb_clock *dmb_phys_space_clock(struct dmb_phys_space *space);

/**
 * dmb_phys_to_region - the region that contains @phys
 *
 * No reference is taken: the region is valid until its owner destroys it.
 * Context: any thread.
 * Return: the region, or NULL with errno = EFAULT if @phys is not memory,
 * or with errno = EINVAL (a WARN) for a NULL @space.
 */
struct dmb_mem_region *dmb_phys_to_region(struct dmb_phys_space *space,
					  uint64_t phys);

/**
 * dmb_phys_to_virt - the CPU's view of physical range [@phys, @phys+@len)
 *
 * The pointer is the region's CPU mapping: while the region is isolated it
 * is inaccessible (an access crashes with SIGSEGV; use a guarded accessor
 * such as dmb_pci_bar_read() where isolation can happen).
 * Context: any thread.
 * Return: the host address, or NULL with errno = EFAULT if the range is not
 * inside one region (or @len is 0); EINVAL (a WARN) for a NULL @space.
 */
void *dmb_phys_to_virt(struct dmb_phys_space *space, uint64_t phys,
		       uint64_t len);

DMB_END_DECLS

#endif /* DMABUF_HW_PHYS_SPACE_H */
