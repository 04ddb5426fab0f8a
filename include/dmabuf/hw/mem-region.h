/* SPDX-License-Identifier: MIT */
/*
 * hw/mem-region.h - a range of simulated physical memory backed by real
 * host memory: system RAM, or a device's local memory (a PCI BAR, VRAM).
 *
 * A region sits at a fixed physical base in its address space
 * (hw/phys-space.h) and is backed by a memfd of its size, mapped twice: the
 * CPU view (dmb_mem_region_vaddr(), dmb_phys_to_virt()) that programs read
 * and write, and a device view that only simulated DMA uses. Both see the
 * same bytes, so DMA moves real data and a test verifies it byte by byte;
 * the memfd can be mapped by another process to share them.
 *
 * A region with an owner is that device's local memory: a device without
 * peer-to-peer capability cannot map another device's memory for DMA
 * (dma_map_sgtable() fails with -EREMOTEIO). A region without owner is
 * system RAM, which every device reaches.
 *
 * Pages (DMB_PAGE_SIZE) are allocated in contiguous runs, first fit. Pages
 * are not zeroed on allocation: like RAM, they keep what the last user left
 * (a fresh region reads as zeroes).
 *
 * An isolated region is unreachable: every DMA access to it faults
 * (DMB_IOMMU_FAULT_ISOLATED), and its CPU view is mprotect()ed PROT_NONE so
 * a CPU access crashes for real. A PCI function isolates its BARs while it
 * is in reset, in D3hot, has memory decode off, or is closed (hw/pci.h).
 *
 * Locking: every function is thread-safe. The allocator has its own leaf
 * mutex; isolation is an atomic flag, and setting it waits until no DMA
 * access that could have missed it is still moving bytes.
 */
#ifndef DMABUF_HW_MEM_REGION_H
#define DMABUF_HW_MEM_REGION_H

#include <stdbool.h>
#include <stdint.h>
#include <dmabuf/compiler.h>
#include <dmabuf/hw/phys-space.h>

DMB_BEGIN_DECLS

struct dmb_hw_device;

/**
 * struct dmb_mem_region_info - what dmb_mem_region_create() needs
 * @name: for reports ("ram", "vram", "bar0"); copied
 * @size: bytes, > 0, a multiple of DMB_PAGE_SIZE and of the host page size
 * @owner: the device whose local memory this is, or NULL for system RAM;
 *	the region must be destroyed before its owner
 */
struct dmb_mem_region_info {
	const char *name;
	uint64_t size;
	struct dmb_hw_device *owner;
};

/**
 * dmb_mem_region_create - add a region to @space at the next free base
 *
 * Context: any thread.
 * Return: the region, or NULL with errno (EINVAL for a bad size or name,
 * ENOMEM, or what memfd_create()/mmap() failed with).
 */
struct dmb_mem_region *dmb_mem_region_create(struct dmb_phys_space *space,
					     const struct dmb_mem_region_info *info);

/**
 * dmb_mem_region_destroy - remove a region and free its memory
 * @region: the region; NULL is ignored
 *
 * Context: no IOMMU may still map any of its pages.
 * Return: 0, or -EBUSY (a WARN) while IOMMU mappings remain; the region
 * then stays.
 */
int dmb_mem_region_destroy(struct dmb_mem_region *region);

/**
 * dmb_mem_region_name / _base / _size / _owner - what the region was
 * created with (the base chosen by its space)
 *
 * Context: any thread; constant for the region's life.
 * Return: the value; the owner is NULL for system RAM. For a NULL @region
 * (a WARN): "(null)", 0, 0, NULL.
 */
const char *dmb_mem_region_name(const struct dmb_mem_region *region);
uint64_t dmb_mem_region_base(const struct dmb_mem_region *region);
uint64_t dmb_mem_region_size(const struct dmb_mem_region *region);
struct dmb_hw_device *dmb_mem_region_owner(const struct dmb_mem_region *region);

/**
 * dmb_mem_region_vaddr - the CPU view of the region's first byte
 *
 * Context: any thread; inaccessible (PROT_NONE) while the region is isolated.
 * Return: the host address; NULL (a WARN) for a NULL @region.
 */
void *dmb_mem_region_vaddr(const struct dmb_mem_region *region);

/**
 * dmb_mem_region_memfd - the memfd backing the region: map it elsewhere
 * (another process) to share the bytes
 *
 * It cannot be taken back (sealed against shrinking): to share memory that
 * is revoked, share a range with dmb_mem_share(). While a range is shared
 * its bytes are in the range's own memfd, not in this one.
 * Context: any thread. The region owns the fd and closes it on destroy;
 * dup() it to keep it longer.
 * Return: the fd; -EINVAL (a WARN) for a NULL @region.
 */
int dmb_mem_region_memfd(const struct dmb_mem_region *region);

/**
 * dmb_mem_share - a descriptor through which another process maps the
 * range [@phys, +@size) of @region: the exporter's side of a dma-buf's
 * mmap op (dma_buf_ops.mmap)
 *
 * The first share of a range gives it a memfd of its own (a generation)
 * holding its bytes, sized and sealed against growing and further seals,
 * and maps it over the range in the CPU and the device views: from then on
 * the devices, this process and every process mapping the descriptor see
 * the same pages. Sharing the same range again hands out the same
 * generation until dmb_mem_unshare() takes it back; ranges of a region
 * that are shared at the same time must not overlap.
 * Context: any thread; may be called under a buffer's resv lock (waits for
 *	the DMA accesses in flight in the region's space).
 * Return: a new descriptor (close-on-exec; the caller closes it), or
 *	-errno: -EINVAL (a WARN) for a range that is not whole host pages of
 *	@region, -EBUSY if it overlaps another shared range, -ENOMEM, -EMFILE.
 */
int dmb_mem_share(struct dmb_mem_region *region, uint64_t phys, uint64_t size);

/**
 * dmb_mem_unshare - take every shared range inside [@phys, +@size) back
 * from the processes that map it
 *
 * The range's bytes go back into the region's own pages, which both views
 * map again, then the generation is truncated: every other process's
 * mapping of it faults (SIGBUS) from then on, and cannot be grown back;
 * this process and the devices never miss a byte. A later share of the
 * range is a new generation. The bytes are read through the generation's
 * file, never through the views: a generation another process shrank
 * gives back the pages it kept and zeros for the rest without a fault,
 * and its shrink is reported as dmb_mem_share_check() does, if nobody
 * checked before. Nothing happens for a range that is not shared.
 * dmb_mem_region_destroy() takes back every range.
 * Context: any thread; may be called under a buffer's resv lock.
 * A range outside @region is a WARN and ignored.
 */
void dmb_mem_unshare(struct dmb_mem_region *region, uint64_t phys, uint64_t size);

/**
 * dmb_mem_share_note_writer - remember @writer as given a writable
 * descriptor of the shared ranges inside [@phys, +@size): the exporter's
 * dma_buf_ops.note_writer
 *
 * dmb_mem_share_check() names them if such a range is shrunk. A
 * generation's list ends when it is taken back; it keeps the first names
 * that fit (about 256 characters).
 * Context: any thread; takes the region's share lock (may be called under
 *	a buffer's resv lock). A range outside @region or a NULL @writer is a
 *	WARN and ignored.
 */
void dmb_mem_share_note_writer(struct dmb_mem_region *region, uint64_t phys,
			       uint64_t size, const char *writer);

/**
 * dmb_mem_share_check - whether another process shrank a shared range
 * overlapping [@phys, +@size) under this process
 *
 * A process given a writable descriptor of a generation can truncate it
 * early. Both views of a shared range are guarded (dmabuf/sigbus-guard.h):
 * an access that faults reads zeros instead of killing the process, a DMA
 * transfer that touched the range fails with -EIO, and this call is how an
 * exporter's CPU-access path learns it. The range stays damaged until it
 * is taken back (dmb_mem_unshare()); the next share is whole memory again.
 * Context: any thread; takes the region's share lock (may be called under
 *	a buffer's resv lock, not from a DMA access).
 * Return: 0, or -EIO if such a range was shrunk (a notice the first time
 *	for that generation, naming the read-write importers noted with
 *	dmb_mem_share_note_writer()), or -EINVAL (a WARN) for a range outside @region.
 */
int dmb_mem_share_check(struct dmb_mem_region *region, uint64_t phys,
			uint64_t size);

/**
 * dmb_mem_alloc - allocate @size bytes (rounded up to pages) of contiguous
 * physical memory in @region, first fit
 * @phys: receives the physical address of the first page
 *
 * Context: any thread.
 * Return: 0, -EINVAL for a zero size (a WARN for a NULL @region or @phys),
 * -ENOMEM if no run is free.
 */
int dmb_mem_alloc(struct dmb_mem_region *region, uint64_t size,
		  uint64_t *phys);

/**
 * dmb_mem_free - give back pages from dmb_mem_alloc()
 *
 * Context: any thread.
 * Return: 0, or -EINVAL (a WARN) if the range is not page-aligned, not in
 * @region, or contains a page that is not allocated (nothing is freed).
 */
int dmb_mem_free(struct dmb_mem_region *region, uint64_t phys, uint64_t size);

/**
 * dmb_mem_region_free_bytes - bytes not allocated right now
 *
 * Context: any thread. Return: the count, a multiple of DMB_PAGE_SIZE; 0 (a
 * WARN) for NULL.
 */
uint64_t dmb_mem_region_free_bytes(struct dmb_mem_region *region);

/**
 * dmb_mem_region_set_isolated - make the region unreachable, or reachable
 * again
 *
 * Isolating makes every later DMA access fault and protects the CPU view
 * (PROT_NONE); when it returns, no DMA access is moving bytes in the region
 * any more (accesses that translated before it finish first). Lifting it
 * restores read/write access.
 * Context: may sleep (waits for in-flight DMA chunks); must not be called
 * from a DMA engine's completion path.
 * Return: 0, or the -errno of mprotect() (the flag is then unchanged);
 * -EINVAL (a WARN) for NULL.
 */
int dmb_mem_region_set_isolated(struct dmb_mem_region *region, bool isolated);

/**
 * dmb_mem_region_isolated - true while the region is isolated
 *
 * Context: any thread. Return: the flag; true (a WARN) for NULL.
 */
bool dmb_mem_region_isolated(const struct dmb_mem_region *region);

DMB_END_DECLS

#endif /* DMABUF_HW_MEM_REGION_H */
