// SPDX-License-Identifier: MIT
/*
 * iommu.c - IOMMU domains: a four-level page table from IOVA pages to
 * physical pages with permissions, the translation every simulated DMA
 * access goes through, an IOVA allocator, and a fault log (see hw/iommu.h
 * for the contract).
 *
 * The table has 512 entries per level (9 bits each, 48-bit IOVAs, 4 KiB
 * pages); directories are allocated when first needed and freed with the
 * domain. A leaf entry holds the physical page with its permission bits and
 * the region the page is in, so translating never searches the region
 * table: the host address is the region's device view plus the offset.
 * Each entry counts in its region's `mapped`, which keeps the region from
 * being destroyed while a domain points into it.
 *
 * A translation covers a run: the first page, then following pages as long
 * as they are contiguous in physical memory, in the same region and allowed,
 * so a DMA of a contiguously mapped buffer moves its bytes in long memcpy()s
 * (the benchmark's goal: the walk must cost less than the copy).
 *
 * Locking: domain->lock is a writer-preferring rwlock. map and unmap hold it
 * for writing; DMA holds it for reading from translation until the chunk's
 * bytes have moved (with the space's lock for reading inside it), so unmap
 * returns only once no access uses the old entries. The table is read and
 * written with plain accesses under that lock. The IOVA allocator
 * (iova.c) and the fault log (fault_lock) have leaf mutexes; the fault log
 * is written after the DMA dropped the read locks. The count is a kref.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dmabuf/diag.h>
#include <dmabuf/kref.h>

#include "hw-internal.h"

#define PT_BITS		9
#define PT_ENTRIES	(1U << PT_BITS)
#define PT_LEVELS	4
#define PTE_PROT_MASK	(DMB_IOMMU_READ | DMB_IOMMU_WRITE)

struct pte {
	uint64_t phys_prot;		/* page address | DMB_IOMMU_* bits; 0 if absent */
	struct dmb_mem_region *region;
};

struct pt_leaf {
	struct pte e[PT_ENTRIES];
};

struct pt_dir {
	void *e[PT_ENTRIES];		/* struct pt_dir, or struct pt_leaf at the last level */
};

struct dmb_iommu_domain {
	struct dmb_kref ref;
	enum dmb_iommu_domain_type type;
	struct dmb_phys_space *space;
	pthread_rwlock_t lock;
	struct pt_dir *root;		/* DMA domains only */
	struct dmb_iova_allocator iova;
	pthread_mutex_t fault_lock;
	unsigned long faults_written;	/* since the last clear */
	struct dmb_iommu_fault faults[DMB_IOMMU_FAULT_RECORDS];
};

static const char *const reason_names[] = {
	[DMB_IOMMU_FAULT_UNMAPPED] = "unmapped",
	[DMB_IOMMU_FAULT_PERMISSION] = "permission",
	[DMB_IOMMU_FAULT_ISOLATED] = "isolated",
	[DMB_IOMMU_FAULT_NO_MEMORY] = "no memory",
};

static unsigned int pt_index(uint64_t iova, int level)
{
	int shift = DMB_PAGE_SHIFT + (PT_LEVELS - 1 - level) * PT_BITS;

	return (iova >> shift) & (PT_ENTRIES - 1);
}

/* The leaf entry of @iova, or NULL if no table covers it. Lock held. */
static struct pte *pte_lookup(struct dmb_iommu_domain *d, uint64_t iova)
{
	struct pt_dir *dir = d->root;

	if (iova >= DMB_IOVA_END)
		return NULL;
	for (int level = 0; level < PT_LEVELS - 1 && dir; level++)
		dir = dir->e[pt_index(iova, level)];
	if (!dir)
		return NULL;
	return &((struct pt_leaf *)dir)->e[pt_index(iova, PT_LEVELS - 1)];
}

/* As pte_lookup(), allocating missing tables. Write lock held. */
static struct pte *pte_alloc(struct dmb_iommu_domain *d, uint64_t iova)
{
	struct pt_dir *dir = d->root;

	for (int level = 0; level < PT_LEVELS - 1; level++) {
		void **slot = &dir->e[pt_index(iova, level)];

		if (!*slot) {
			*slot = level == PT_LEVELS - 2 ?
				calloc(1, sizeof(struct pt_leaf)) :
				calloc(1, sizeof(struct pt_dir));
			if (!*slot)
				return NULL;
		}
		dir = *slot;
	}
	return &((struct pt_leaf *)dir)->e[pt_index(iova, PT_LEVELS - 1)];
}

static void pt_free(void *table, int level)
{
	if (!table)
		return;
	if (level == PT_LEVELS - 1) {
		struct pt_leaf *leaf = table;

		for (unsigned int i = 0; i < PT_ENTRIES; i++)
			if (leaf->e[i].phys_prot)
				atomic_fetch_sub(&leaf->e[i].region->mapped, 1);
	} else {
		struct pt_dir *dir = table;

		for (unsigned int i = 0; i < PT_ENTRIES; i++)
			pt_free(dir->e[i], level + 1);
	}
	free(table);
}

struct dmb_iommu_domain *dmb_iommu_domain_alloc(struct dmb_phys_space *space,
						enum dmb_iommu_domain_type type)
{
	struct dmb_iommu_domain *d;
	pthread_rwlockattr_t attr;

	if (DMB_WARN(!space || (type != DMB_IOMMU_DOMAIN_DMA &&
				type != DMB_IOMMU_DOMAIN_IDENTITY),
		     "bad IOMMU domain (space %p, type %d)", (void *)space,
		     (int)type)) {
		errno = EINVAL;
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	if (type == DMB_IOMMU_DOMAIN_DMA) {
		d->root = calloc(1, sizeof(*d->root));
		if (!d->root) {
			free(d);
			errno = ENOMEM;
			return NULL;
		}
	}
	dmb_kref_init(&d->ref);
	d->type = type;
	d->space = space;
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr,
				      PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&d->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	__dmb_iova_init(&d->iova, DMB_IOVA_START, DMB_IOVA_END);
	pthread_mutex_init(&d->fault_lock, NULL);
	return d;
}

struct dmb_iommu_domain *dmb_iommu_domain_get(struct dmb_iommu_domain *d)
{
	if (DMB_WARN(!d, "dmb_iommu_domain_get(NULL)"))
		return NULL;
	dmb_kref_get(&d->ref);
	return d;
}

static void domain_release(struct dmb_kref *ref)
{
	struct dmb_iommu_domain *d = dmb_container_of(ref, struct dmb_iommu_domain, ref);

	pt_free(d->root, 0);
	pthread_mutex_destroy(&d->fault_lock);
	__dmb_iova_fini(&d->iova);
	pthread_rwlock_destroy(&d->lock);
	free(d);
}

void dmb_iommu_domain_put(struct dmb_iommu_domain *d)
{
	if (d)
		dmb_kref_put(&d->ref, domain_release);
}

enum dmb_iommu_domain_type dmb_iommu_domain_type(const struct dmb_iommu_domain *d)
{
	/* The answer that lets no address through untranslated. */
	if (DMB_WARN(!d, "dmb_iommu_domain_type(NULL)"))
		return DMB_IOMMU_DOMAIN_DMA;
	return d->type;
}

struct dmb_phys_space *__dmb_iommu_domain_space(const struct dmb_iommu_domain *d)
{
	return d->space;
}

static bool range_ok(uint64_t iova, uint64_t size)
{
	return size && DMB_PAGE_ALIGNED(iova) && DMB_PAGE_ALIGNED(size) &&
	       iova >= DMB_IOVA_START && iova < DMB_IOVA_END &&
	       size <= DMB_IOVA_END - iova;
}

int dmb_iommu_map(struct dmb_iommu_domain *d, uint64_t iova, uint64_t phys,
		  uint64_t size, unsigned int prot)
{
	struct dmb_mem_region *r;
	uint64_t off;
	int ret = 0;

	if (DMB_WARN(!d, "dmb_iommu_map(NULL)"))
		return -EINVAL;
	if (DMB_WARN(d->type != DMB_IOMMU_DOMAIN_DMA || !range_ok(iova, size) ||
		     !DMB_PAGE_ALIGNED(phys) || !prot || (prot & ~PTE_PROT_MASK),
		     "bad IOMMU map of [%#llx, +%#llx) -> %#llx prot %#x",
		     (unsigned long long)iova, (unsigned long long)size,
		     (unsigned long long)phys, prot))
		return -EINVAL;

	pthread_rwlock_wrlock(&d->lock);
	/* The space's read lock makes lookup + count atomic against removal. */
	__dmb_space_read_lock(d->space);
	r = __dmb_space_lookup_locked(d->space, phys);
	if (!r || size > r->size - (phys - r->base)) {
		ret = -EFAULT;
		goto out_unlock;
	}
	for (off = 0; off < size; off += DMB_PAGE_SIZE) {
		struct pte *pte = pte_alloc(d, iova + off);

		if (!pte) {
			ret = -ENOMEM;
			goto out_unlock;
		}
		if (pte->phys_prot) {
			ret = -EEXIST;
			goto out_unlock;
		}
	}
	for (off = 0; off < size; off += DMB_PAGE_SIZE) {
		struct pte *pte = pte_lookup(d, iova + off);

		pte->phys_prot = (phys + off) | prot;
		pte->region = r;
	}
	atomic_fetch_add(&r->mapped, size / DMB_PAGE_SIZE);
out_unlock:
	__dmb_space_read_unlock(d->space);
	pthread_rwlock_unlock(&d->lock);
	return ret;
}

int dmb_iommu_unmap(struct dmb_iommu_domain *d, uint64_t iova, uint64_t size)
{
	bool missing = false;

	if (DMB_WARN(!d, "dmb_iommu_unmap(NULL)"))
		return -EINVAL;
	if (DMB_WARN(d->type != DMB_IOMMU_DOMAIN_DMA || !range_ok(iova, size),
		     "bad IOMMU unmap of [%#llx, +%#llx)",
		     (unsigned long long)iova, (unsigned long long)size))
		return -EINVAL;

	pthread_rwlock_wrlock(&d->lock);
	for (uint64_t off = 0; off < size; off += DMB_PAGE_SIZE) {
		struct pte *pte = pte_lookup(d, iova + off);

		if (!pte || !pte->phys_prot) {
			missing = true;
			continue;
		}
		atomic_fetch_sub(&pte->region->mapped, 1);
		pte->phys_prot = 0;
		pte->region = NULL;
	}
	pthread_rwlock_unlock(&d->lock);
	return missing ? -ENOENT : 0;
}

int dmb_iommu_iova_to_phys(struct dmb_iommu_domain *d, uint64_t iova,
			   uint64_t *phys, unsigned int *prot)
{
	struct pte *pte;
	int ret = -ENOENT;

	if (DMB_WARN(!d || !phys, "dmb_iommu_iova_to_phys(%p, %#llx, %p)", (void *)d,
		     (unsigned long long)iova, (void *)phys))
		return -EINVAL;
	if (d->type == DMB_IOMMU_DOMAIN_IDENTITY) {
		if (prot)
			*prot = PTE_PROT_MASK;
		*phys = iova;
		return 0;
	}
	pthread_rwlock_rdlock(&d->lock);
	pte = pte_lookup(d, iova);
	if (pte && pte->phys_prot) {
		*phys = (pte->phys_prot & DMB_PAGE_MASK) + (iova & ~DMB_PAGE_MASK);
		if (prot)
			*prot = pte->phys_prot & PTE_PROT_MASK;
		ret = 0;
	}
	pthread_rwlock_unlock(&d->lock);
	return ret;
}

int dmb_iommu_alloc_iova(struct dmb_iommu_domain *d, uint64_t size,
			 uint64_t *iova)
{
	if (DMB_WARN(!d || !iova, "dmb_iommu_alloc_iova(%p, %#llx, %p)", (void *)d,
		     (unsigned long long)size, (void *)iova))
		return -EINVAL;
	if (DMB_WARN(d->type != DMB_IOMMU_DOMAIN_DMA || !size,
		     "IOVA allocation of %#llx bytes in an identity domain or of nothing",
		     (unsigned long long)size))
		return -EINVAL;
	return __dmb_iova_alloc(&d->iova, size, iova);
}

int dmb_iommu_free_iova(struct dmb_iommu_domain *d, uint64_t iova, uint64_t size)
{
	if (DMB_WARN(!d, "dmb_iommu_free_iova(NULL)"))
		return -EINVAL;
	if (DMB_WARN(d->type != DMB_IOMMU_DOMAIN_DMA ||
		     __dmb_iova_free(&d->iova, iova, size),
		     "free of IOVA range [%#llx, +%#llx) that was not allocated",
		     (unsigned long long)iova, (unsigned long long)size))
		return -EINVAL;
	return 0;
}

bool __dmb_iommu_iova_allocated(struct dmb_iommu_domain *d, uint64_t iova,
				uint64_t size)
{
	return d->type == DMB_IOMMU_DOMAIN_DMA &&
	       __dmb_iova_allocated(&d->iova, iova, size);
}

void __dmb_iommu_access_begin(struct dmb_iommu_domain *d)
{
	pthread_rwlock_rdlock(&d->lock);
	__dmb_space_read_lock(d->space);
}

void __dmb_iommu_access_end(struct dmb_iommu_domain *d)
{
	__dmb_space_read_unlock(d->space);
	pthread_rwlock_unlock(&d->lock);
}

static int pte_check(const struct pte *pte, unsigned int access)
{
	if (!pte || !pte->phys_prot)
		return DMB_IOMMU_FAULT_UNMAPPED;
	if (access & ~pte->phys_prot & PTE_PROT_MASK)
		return DMB_IOMMU_FAULT_PERMISSION;
	if (atomic_load_explicit(&pte->region->isolated, memory_order_acquire))
		return DMB_IOMMU_FAULT_ISOLATED;
	return 0;
}

static int identity_translate(struct dmb_iommu_domain *d, uint64_t addr,
			      uint64_t max, uint8_t **host, uint64_t *run)
{
	struct dmb_mem_region *r = __dmb_space_lookup_locked(d->space, addr);
	uint64_t off;

	if (!r)
		return DMB_IOMMU_FAULT_NO_MEMORY;
	if (atomic_load_explicit(&r->isolated, memory_order_acquire))
		return DMB_IOMMU_FAULT_ISOLATED;
	off = addr - r->base;
	*host = r->dev_view + off;
	*run = max < r->size - off ? max : r->size - off;
	return 0;
}

int __dmb_iommu_translate(struct dmb_iommu_domain *d, uint64_t iova,
			  uint64_t max, unsigned int access, uint8_t **host,
			  uint64_t *run)
{
	const struct pte *pte, *next;
	uint64_t page_phys, n;
	int reason;

	if (d->type == DMB_IOMMU_DOMAIN_IDENTITY)
		return identity_translate(d, iova, max, host, run);
	pte = pte_lookup(d, iova);
	reason = pte_check(pte, access);
	if (reason)
		return reason;
	page_phys = pte->phys_prot & DMB_PAGE_MASK;
	*host = pte->region->dev_view + (page_phys - pte->region->base) +
		(iova & ~DMB_PAGE_MASK);
	n = DMB_PAGE_SIZE - (iova & ~DMB_PAGE_MASK);
	/*
	 * Extend over pages that follow on in the same region: the next entry
	 * of the same leaf table, or a fresh walk when the run crosses into
	 * the next one.
	 */
	next = pte;
	while (n < max) {
		if (pt_index(iova + n, PT_LEVELS - 1) == 0)
			next = pte_lookup(d, iova + n);
		else
			next++;
		if (pte_check(next, access) || next->region != pte->region ||
		    (next->phys_prot & DMB_PAGE_MASK) != page_phys + n +
		    (iova & ~DMB_PAGE_MASK))
			break;
		n += DMB_PAGE_SIZE;
	}
	*run = n < max ? n : max;
	return 0;
}

void __dmb_iommu_record_fault(struct dmb_iommu_domain *d, const char *device,
			      uint64_t iova, unsigned int access,
			      enum dmb_iommu_fault_reason reason,
			      const struct dmb_dma_target *target)
{
	struct dmb_iommu_fault f = {
		.time_ns = dmb_clock_now(dmb_phys_space_clock(d->space)),
		.iova = iova,
		.access = access,
		.reason = reason,
		.map = target ? target->map : NULL,
		.map_state = target && target->map ?
			     (int)dmb_check_map_state(target->map) : -1,
		.cookie = target ? target->cookie : 0,
	};

	snprintf(f.device, sizeof(f.device), "%s", device);
	if (f.map) {
		/* The submitter holds a reference for the access: safe to read. */
		const struct dmb_check_subject *who =
			dmb_check_map_subject(target->map);

		snprintf(f.buffer, sizeof(f.buffer), "%s", who->buffer);
		snprintf(f.importer, sizeof(f.importer), "%s", who->importer);
	}
	pthread_mutex_lock(&d->fault_lock);
	d->faults[d->faults_written % DMB_IOMMU_FAULT_RECORDS] = f;
	d->faults_written++;
	pthread_mutex_unlock(&d->fault_lock);
}

unsigned long dmb_iommu_fault_count(struct dmb_iommu_domain *d)
{
	unsigned long n;

	if (DMB_WARN(!d, "dmb_iommu_fault_count(NULL)"))
		return 0;
	pthread_mutex_lock(&d->fault_lock);
	n = d->faults_written;
	pthread_mutex_unlock(&d->fault_lock);
	return n;
}

size_t dmb_iommu_faults(struct dmb_iommu_domain *d, struct dmb_iommu_fault *out,
			size_t max)
{
	unsigned long kept, first;
	size_t n;

	if (DMB_WARN(!d || (!out && max), "dmb_iommu_faults(%p, %p, %zu)", (void *)d,
		     (void *)out, max))
		return 0;
	pthread_mutex_lock(&d->fault_lock);
	kept = d->faults_written < DMB_IOMMU_FAULT_RECORDS ?
	       d->faults_written : DMB_IOMMU_FAULT_RECORDS;
	n = kept < max ? kept : max;
	first = d->faults_written - n;
	for (size_t i = 0; i < n; i++)
		out[i] = d->faults[(first + i) % DMB_IOMMU_FAULT_RECORDS];
	pthread_mutex_unlock(&d->fault_lock);
	return n;
}

void dmb_iommu_clear_faults(struct dmb_iommu_domain *d)
{
	if (DMB_WARN(!d, "dmb_iommu_clear_faults(NULL)"))
		return;
	pthread_mutex_lock(&d->fault_lock);
	d->faults_written = 0;
	pthread_mutex_unlock(&d->fault_lock);
}

const char *dmb_iommu_fault_reason_name(enum dmb_iommu_fault_reason reason)
{
	if ((unsigned int)reason >= DMB_ARRAY_SIZE(reason_names) ||
	    !reason_names[reason])
		return "?";
	return reason_names[reason];
}
