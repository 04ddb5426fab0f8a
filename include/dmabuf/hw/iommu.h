/* SPDX-License-Identifier: MIT */
/*
 * hw/iommu.h - IOMMU domains: the address translation between a device and
 * physical memory, and the record of every access that did not translate.
 *
 * A DMA domain (DMB_IOMMU_DOMAIN_DMA) maps pages of I/O virtual address
 * (IOVA) space to physical pages, each with read and/or write permission,
 * in a four-level page table of 4 KiB pages (48-bit IOVAs). Every simulated
 * DMA access is translated through the domain of the device doing it: an
 * IOVA that is not mapped, a write through a read-only page, or a page in an
 * isolated region is a fault. An identity domain (DMB_IOMMU_DOMAIN_IDENTITY)
 * passes device addresses through as physical addresses, with no
 * permissions: only addresses outside memory and isolated regions fault.
 *
 * Each fault is recorded in the domain's fault log: the device, the IOVA,
 * the access, the reason, the time on the space's clock, and — when the
 * access carried one — which mapping it belonged to (the checker token of
 * check.h) with its state at that moment and the submitter's cookie. The
 * log keeps the DMB_IOMMU_FAULT_RECORDS most recent faults and counts all.
 *
 * IOVAs are handed out by a per-domain allocator that cycles through the
 * space instead of reusing the lowest free range, so an IOVA that was just
 * unmapped keeps faulting for as long as possible rather than aliasing the
 * next mapping (the bug class this library exists to catch).
 *
 * Several devices may share a domain (each holds a reference), as devices
 * of one IOMMU group do.
 *
 * Locking: every function is thread-safe. The page table is behind a
 * writer-preferring rwlock: map and unmap take it for writing, DMA for
 * reading while it moves one chunk of bytes, so when dmb_iommu_unmap()
 * returns no access is still using the old translation (an IOTLB flush that
 * waits for in-flight accesses). The IOVA allocator and the fault log have
 * leaf mutexes of their own.
 */
#ifndef DMABUF_HW_IOMMU_H
#define DMABUF_HW_IOMMU_H

#include <stddef.h>
#include <stdint.h>
#include <dmabuf/compiler.h>
#include <dmabuf/check.h>
#include <dmabuf/hw/phys-space.h>

DMB_BEGIN_DECLS

enum dmb_iommu_domain_type {
	DMB_IOMMU_DOMAIN_DMA,		/* translates through a page table */
	DMB_IOMMU_DOMAIN_IDENTITY,	/* device address == physical address */
};

/* Page permissions, and the access a fault was recorded for. */
#define DMB_IOMMU_READ		(1U << 0)
#define DMB_IOMMU_WRITE		(1U << 1)

/* The IOVA space of a DMA domain: [DMB_IOVA_START, DMB_IOVA_END). */
#define DMB_IOVA_START		0x100000ULL
#define DMB_IOVA_END		(1ULL << 48)

/* How many recent faults a domain keeps. */
#define DMB_IOMMU_FAULT_RECORDS	64
#define DMB_HW_NAME_LEN		48

enum dmb_iommu_fault_reason {
	DMB_IOMMU_FAULT_UNMAPPED = 1,	/* no translation for the IOVA */
	DMB_IOMMU_FAULT_PERMISSION,	/* the page does not allow the access */
	DMB_IOMMU_FAULT_ISOLATED,	/* the memory's region is isolated */
	DMB_IOMMU_FAULT_NO_MEMORY,	/* identity: the address is not memory */
};

/**
 * struct dmb_iommu_fault - one recorded fault
 * @time_ns: when, on the space's clock
 * @iova: the first device address of the access that did not translate
 * @access: DMB_IOMMU_READ or DMB_IOMMU_WRITE
 * @reason: why it did not translate
 * @device: the name of the device that made the access
 * @map: the checker token of the mapping the access went through, or NULL
 *	if it carried none. For comparison with the token the submitter holds
 *	only: the log keeps no reference, so do not dereference it.
 * @map_state: the token's state (enum dmb_check_map_state) when the access
 *	happened, or -1 without a token: DMB_MAP_UNMAPPED means the access
 *	went through a dead mapping
 * @cookie: the submitter's label for the access (a mapping generation,
 *	say), 0 if none
 * @buffer: the buffer @map belongs to, "" without a token
 * @importer: the importer that made @map, "" without a token
 */
struct dmb_iommu_fault {
	int64_t time_ns;
	uint64_t iova;
	unsigned int access;
	enum dmb_iommu_fault_reason reason;
	char device[DMB_HW_NAME_LEN];
	const struct dmb_check_map *map;
	int map_state;
	uint64_t cookie;
	char buffer[DMB_HW_NAME_LEN];
	char importer[DMB_HW_NAME_LEN];
};

struct dmb_iommu_domain;

/**
 * dmb_iommu_domain_alloc - a new, empty domain with one reference
 * @space: the address space its pages are in
 * @type: DMA (translating) or identity
 *
 * Context: any thread.
 * Return: the domain, or NULL with errno (EINVAL, ENOMEM).
 */
struct dmb_iommu_domain *dmb_iommu_domain_alloc(struct dmb_phys_space *space,
						enum dmb_iommu_domain_type type);

/**
 * dmb_iommu_domain_get - take a reference
 *
 * Context: any thread, holding a reference already.
 * Return: @domain; NULL (a WARN) for NULL.
 */
struct dmb_iommu_domain *dmb_iommu_domain_get(struct dmb_iommu_domain *domain);

/**
 * dmb_iommu_domain_put - drop a reference; the last one frees the domain
 * and every mapping still in it (NULL is ignored)
 *
 * Context: any thread; the last put must not race with DMA through the
 * domain (its devices hold references, so it cannot while they live).
 */
void dmb_iommu_domain_put(struct dmb_iommu_domain *domain);

/**
 * dmb_iommu_domain_type - DMA or identity
 *
 * Context: any thread. Return: the type given at allocation;
 * DMB_IOMMU_DOMAIN_DMA (a WARN) for NULL.
 */
enum dmb_iommu_domain_type dmb_iommu_domain_type(const struct dmb_iommu_domain *domain);

/**
 * dmb_iommu_map - map [@iova, @iova+@size) to [@phys, @phys+@size)
 * @prot: DMB_IOMMU_READ and/or DMB_IOMMU_WRITE
 *
 * The physical range must lie in one region. Either every page is mapped
 * or none is.
 * Context: any thread; may wait for in-flight DMA on the domain.
 * Return: 0; -EINVAL for an identity domain, unaligned or empty ranges, a
 * range outside DMB_IOVA_START..DMB_IOVA_END, or no permission; -EFAULT if
 * the physical range is not inside one region; -EEXIST if a page is mapped
 * already; -ENOMEM.
 */
int dmb_iommu_map(struct dmb_iommu_domain *domain, uint64_t iova,
		  uint64_t phys, uint64_t size, unsigned int prot);

/**
 * dmb_iommu_unmap - remove every translation in [@iova, @iova+@size)
 *
 * When it returns, no DMA access translates through the range, nor is any
 * still moving bytes through an old translation of it.
 * Context: any thread; may wait for in-flight DMA on the domain.
 * Return: 0; -ENOENT if some page in the range was not mapped (the others
 * are unmapped all the same); -EINVAL for an identity domain or an
 * unaligned or empty range.
 */
int dmb_iommu_unmap(struct dmb_iommu_domain *domain, uint64_t iova,
		    uint64_t size);

/**
 * dmb_iommu_iova_to_phys - look up a translation, without recording a fault
 * @phys: receives the physical address
 * @prot: if not NULL, receives the page's permissions
 *
 * Context: any thread.
 * Return: 0, or -ENOENT if @iova does not translate (an identity domain
 * translates every address to itself, with both permissions); -EINVAL (a
 * WARN) for a NULL @domain or @phys.
 */
int dmb_iommu_iova_to_phys(struct dmb_iommu_domain *domain, uint64_t iova,
			   uint64_t *phys, unsigned int *prot);

/**
 * dmb_iommu_alloc_iova - reserve @size bytes (rounded up to pages) of IOVA
 * space in a DMA domain, to map into
 * @iova: receives the start
 *
 * Context: any thread.
 * Return: 0, -EINVAL (zero size, identity domain), -ENOSPC, -ENOMEM;
 * -EINVAL (a WARN) for a NULL @domain or @iova.
 */
int dmb_iommu_alloc_iova(struct dmb_iommu_domain *domain, uint64_t size,
			 uint64_t *iova);

/**
 * dmb_iommu_free_iova - release a range from dmb_iommu_alloc_iova(); the
 * caller unmaps it first
 *
 * Context: any thread.
 * Return: 0, or -EINVAL (a WARN) if [@iova, @iova+@size) is not exactly one
 * allocated range.
 */
int dmb_iommu_free_iova(struct dmb_iommu_domain *domain, uint64_t iova,
			uint64_t size);

/**
 * dmb_iommu_fault_count - faults recorded since creation or the last clear
 *
 * Context: any thread. Return: the count; 0 (a WARN) for NULL.
 */
unsigned long dmb_iommu_fault_count(struct dmb_iommu_domain *domain);

/**
 * dmb_iommu_faults - copy out the kept fault records, oldest first
 * @out: destination array
 * @max: its length; if fewer than kept, the most recent @max
 *
 * Context: any thread.
 * Return: the number copied; 0 (a WARN) for a NULL @domain, or a NULL @out
 * with @max > 0.
 */
size_t dmb_iommu_faults(struct dmb_iommu_domain *domain,
			struct dmb_iommu_fault *out, size_t max);

/**
 * dmb_iommu_clear_faults - forget the records and reset the count
 *
 * Context: any thread.
 */
void dmb_iommu_clear_faults(struct dmb_iommu_domain *domain);

/**
 * dmb_iommu_fault_reason_name - "unmapped", "permission", "isolated",
 * "no memory"
 *
 * Context: any thread. Return: a static string; "?" for an unknown reason.
 */
const char *dmb_iommu_fault_reason_name(enum dmb_iommu_fault_reason reason);

DMB_END_DECLS

#endif /* DMABUF_HW_IOMMU_H */
