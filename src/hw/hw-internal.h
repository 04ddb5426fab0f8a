/* SPDX-License-Identifier: MIT */
/*
 * hw-internal.h - what the hw layer's objects share and nobody else sees:
 * the layouts the DMA fast path reads without calling out, and the
 * constructors one object calls for another (a device creates its engines,
 * a PCI function embeds a device).
 */
#ifndef DMABUF_SRC_HW_INTERNAL_H
#define DMABUF_SRC_HW_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dmabuf/hw/dma-access.h>
#include <dmabuf/hw/dma-engine.h>
#include <dmabuf/hw/hw-device.h>
#include <dmabuf/hw/iommu.h>
#include <dmabuf/hw/live.h>
#include <dmabuf/hw/mem-region.h>
#include <dmabuf/hw/phys-space.h>

/* The most bytes one DMA access moves under one hold of the read locks. */
#define DMB_DMA_CHUNK		(256 * 1024ULL)

/* phys-space.c: the region table; DMA holds the lock for reading. */
void __dmb_space_read_lock(struct dmb_phys_space *space);
void __dmb_space_read_unlock(struct dmb_phys_space *space);
/* Exclude every DMA access (the space's lock for writing). */
void __dmb_space_write_lock(struct dmb_phys_space *space);
void __dmb_space_write_unlock(struct dmb_phys_space *space);
/* Wait until no reader that started before the call still holds the lock. */
void __dmb_space_barrier(struct dmb_phys_space *space);
/* The region containing @phys; caller holds the lock for reading. */
struct dmb_mem_region *__dmb_space_lookup_locked(struct dmb_phys_space *space,
						 uint64_t phys);
/* Give @region its base and insert it. Return: 0 or -ENOMEM. */
int __dmb_space_insert(struct dmb_phys_space *space, struct dmb_mem_region *region);
/* Remove @region unless an IOMMU maps it. Return: 0 or -EBUSY. */
int __dmb_space_remove(struct dmb_phys_space *space, struct dmb_mem_region *region);

/*
 * mem-region.c. The fields the translation path reads: base and size never
 * change; isolated is read with acquire on every translated page; mapped
 * counts IOMMU page-table entries that point into the region, changed under
 * a domain's write lock and the space's read lock.
 */
struct dmb_mem_region {
	struct dmb_live live;
	struct dmb_phys_space *space;
	uint64_t base;
	uint64_t size;
	uint8_t *cpu_view;		/* what programs see; PROT_NONE while isolated */
	uint8_t *dev_view;		/* what DMA uses; never protected */
	atomic_bool isolated;
	atomic_ulong mapped;
	struct dmb_hw_device *owner;
	int memfd;
	char name[DMB_HW_NAME_LEN];
	pthread_mutex_t alloc_lock;	/* leaf: the page bitmap */
	pthread_mutex_t share_lock;	/* the shared ranges, the CPU view's protection */
	struct dmb_mem_share *shares;	/* share_lock */
	uint64_t *bitmap;
	uint64_t nr_pages;
	uint64_t free_pages;
};

/* iova.c: a cycling first-fit allocator of page-aligned ranges. */
struct dmb_iova_range {
	uint64_t start;
	uint64_t size;
};

struct dmb_iova_allocator {
	pthread_mutex_t lock;		/* leaf */
	uint64_t start, end;		/* the space handed out */
	uint64_t cursor;		/* the next search starts here */
	struct dmb_iova_range *ranges;	/* allocated, sorted by start */
	size_t nr, cap;
};

void __dmb_iova_init(struct dmb_iova_allocator *a, uint64_t start, uint64_t end);
void __dmb_iova_fini(struct dmb_iova_allocator *a);
int __dmb_iova_alloc(struct dmb_iova_allocator *a, uint64_t size, uint64_t *iova);
int __dmb_iova_free(struct dmb_iova_allocator *a, uint64_t iova, uint64_t size);
/* True if [@iova, +@size) is exactly one allocated range. */
bool __dmb_iova_allocated(struct dmb_iova_allocator *a, uint64_t iova,
			  uint64_t size);

/* iommu.c: the translation path, for dma-access.c. */
struct dmb_phys_space *__dmb_iommu_domain_space(const struct dmb_iommu_domain *domain);
bool __dmb_iommu_iova_allocated(struct dmb_iommu_domain *domain, uint64_t iova,
				uint64_t size);
/* Take the domain's and the space's read locks around one chunk. */
void __dmb_iommu_access_begin(struct dmb_iommu_domain *domain);
void __dmb_iommu_access_end(struct dmb_iommu_domain *domain);
/*
 * Translate [@iova, @iova+@max) for @access (DMB_IOMMU_READ or _WRITE),
 * between access_begin and access_end: the host address of its first byte
 * in the device view, and how many bytes from there are contiguous and
 * accessible (1..@max). Return: 0, or the fault reason at @iova.
 */
int __dmb_iommu_translate(struct dmb_iommu_domain *domain, uint64_t iova,
			  uint64_t max, unsigned int access, uint8_t **host,
			  uint64_t *run);
void __dmb_iommu_record_fault(struct dmb_iommu_domain *domain,
			      const char *device, uint64_t iova,
			      unsigned int access,
			      enum dmb_iommu_fault_reason reason,
			      const struct dmb_dma_target *target);

/* hw-device.c; a PCI function embeds one. */
struct dmb_hw_device {
	struct device dev;		/* what the dma-buf core sees; .type tags it */
	bool p2p;
	bool is_pci;
	char name[DMB_HW_NAME_LEN];
	struct dmb_phys_space *space;
	struct dmb_iommu_domain *domain;
	unsigned int nr_engines;
	struct dmb_dma_engine *engines[DMB_HW_MAX_ENGINES];
	atomic_uint owned_regions;	/* regions whose owner this is */
	struct dmb_live live;
};

int __dmb_hw_device_init(struct dmb_hw_device *dev, struct dmb_phys_space *space,
			 const struct dmb_hw_device_info *info);
void __dmb_hw_device_fini(struct dmb_hw_device *dev);

/* dma-engine.c */
struct dmb_dma_engine *__dmb_dma_engine_create(struct dmb_hw_device *dev,
					       unsigned int idx,
					       const struct dmb_dma_timing *timing);
void __dmb_dma_engine_destroy(struct dmb_dma_engine *engine);

/*
 * dma-access.c: one transfer through @dev's domain. Each side is a device
 * target (translated), a host buffer, or absent; @check_dst / @check_src is
 * the access to ask the checker about for that side's token, or -1 for no
 * check. A FILL has no source (@fill is written); a CHECKSUM no
 * destination (@sum receives the checksum of what was read).
 */
struct dmb_dma_xfer {
	const struct dmb_dma_target *dst;
	const struct dmb_dma_target *src;
	void *dst_buf;
	const void *src_buf;
	uint8_t fill;
	uint64_t *sum;
	uint64_t len;
	int check_dst;
	int check_src;
};

int __dmb_dma_xfer(struct dmb_hw_device *dev, const struct dmb_dma_xfer *x);

/* 64-bit FNV-1a, continued over @len more bytes. */
#define DMB_FNV_OFFSET	0xcbf29ce484222325ULL
#define DMB_FNV_PRIME	0x100000001b3ULL

static inline uint64_t __dmb_fnv1a(uint64_t h, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * DMB_FNV_PRIME;
	return h;
}

#endif /* DMABUF_SRC_HW_INTERNAL_H */
