// SPDX-License-Identifier: MIT
/*
 * heap.c - the system-heap exporter: a contiguous run of system memory that
 * never moves and is never revoked.
 *
 * Contract (include/dmabuf/drivers/heap.h): the buffer is zeroed at export
 * and freed at release. It has a pin op only to count pins — the memory
 * never moves, so a pin changes nothing — which makes the core pin static
 * importers on map (R3), as for any exporter that can pin. It never calls
 * dma_buf_invalidate_mappings(), so it accepts every importer, revocable or
 * not. Mappings are made for the importer's device with the DMA API; vmap
 * hands out the CPU view, which is valid for the buffer's whole life.
 *
 * Shareable with other processes (the mmap op): the buffer's range becomes
 * a generation of its own (dmb_mem_share()), taken back at release
 * (dmb_mem_unshare()) before the pages go back to the allocator, so a
 * process that kept a mapping past its last reference faults instead of
 * reading whoever is given those pages next. Never revoked, the heap has
 * no earlier point to take them back: a process that maps it holds it (its
 * connection holds a reference) until it lets go. Such a process attaches
 * as a CPU client (exporter-private.h). One given a writable descriptor
 * can shrink the generation early: the range's views are guarded
 * (mem-region.c), and from then on map, vmap, mmap and CPU access fail
 * with -EIO; the heap is never revoked, so the buffer stays damaged.
 *
 * Locking: the ops run under the buffer's resv lock (the core's
 * convention); the only state that changes, the pin count, is an atomic so
 * that dmb_heap_pins() can read it without the lock.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <dmabuf/diag.h>
#include <dmabuf/drivers/heap.h>
#include <dmabuf/hw/dma-mapping.h>

#include "exporter-private.h"

/* The exporter's name; its address tells this exporter's buffers apart. */
static const char heap_exp_name[] = "heap";

struct heap_buf {
	struct dmb_mem_region *region;
	uint64_t phys;
	uint64_t size;			/* page-aligned */
	void *vaddr;
	atomic_uint pins;
	bool shared;			/* resv: a generation was handed out */
};

static bool heap_is_mine(struct dma_buf *buf)
{
	return dma_buf_exporter_name(buf) == heap_exp_name;
}

static int heap_pin(struct dma_buf_attachment *attach)
{
	struct heap_buf *hb = dma_buf_priv(dma_buf_attachment_dmabuf(attach));

	atomic_fetch_add(&hb->pins, 1);
	return 0;
}

static void heap_unpin(struct dma_buf_attachment *attach)
{
	struct heap_buf *hb = dma_buf_priv(dma_buf_attachment_dmabuf(attach));

	atomic_fetch_sub(&hb->pins, 1);
}

/*
 * -EIO once a process given a writable descriptor shrank the shared range
 * (its views are guarded: accesses read zeros); reported once.
 */
static int heap_damaged(struct heap_buf *hb)
{
	return dmb_mem_share_check(hb->region, hb->phys, hb->size);
}

static int heap_map(struct dma_buf_attachment *attach,
		    enum dma_data_direction dir, struct sg_table **sgtp)
{
	struct heap_buf *hb = dma_buf_priv(dma_buf_attachment_dmabuf(attach));
	struct sg_table *sgt;
	int ret;

	ret = heap_damaged(hb);
	if (ret)
		return ret;
	sgt = calloc(1, sizeof(*sgt));
	if (!sgt)
		return -ENOMEM;
	ret = exp_map_range(attach, sgt, hb->phys, hb->size, dir);
	if (ret)
		goto err_free;
	*sgtp = sgt;
	return 0;

err_free:
	free(sgt);
	return ret;
}

static void heap_unmap(struct dma_buf_attachment *attach, struct sg_table *sgt,
		       enum dma_data_direction dir)
{
	exp_unmap_range(attach, sgt, dir);
	free(sgt);
}

static void heap_release(struct dma_buf *dmabuf)
{
	struct heap_buf *hb = dma_buf_priv(dmabuf);

	/* Before the pages can be anybody else's. */
	if (hb->shared)
		dmb_mem_unshare(hb->region, hb->phys, hb->size);
	dmb_mem_free(hb->region, hb->phys, hb->size);
	free(hb);
}

static int heap_vmap(struct dma_buf *dmabuf, void **vaddr)
{
	struct heap_buf *hb = dma_buf_priv(dmabuf);
	int ret = heap_damaged(hb);

	if (ret)
		return ret;
	*vaddr = hb->vaddr;
	return 0;
}

static int heap_cpu_access(struct dma_buf *dmabuf, enum dma_data_direction dir)
{
	(void)dir;
	return heap_damaged(dma_buf_priv(dmabuf));
}

static void heap_vunmap(struct dma_buf *dmabuf, void *vaddr)
{
	/* The CPU view stays mapped for the buffer's life: nothing to undo. */
}

/* Another process maps the buffer: its range's generation. */
static int heap_mmap(struct dma_buf *dmabuf)
{
	struct heap_buf *hb = dma_buf_priv(dmabuf);
	int fd = heap_damaged(hb);

	if (!fd)
		fd = dmb_mem_share(hb->region, hb->phys, hb->size);
	if (fd >= 0)
		hb->shared = true;
	return fd;
}

/* A process given a writable descriptor of the range (resv held). */
static void heap_note_writer(struct dma_buf *dmabuf, const char *peer)
{
	struct heap_buf *hb = dma_buf_priv(dmabuf);

	dmb_mem_share_note_writer(hb->region, hb->phys, hb->size, peer);
}

static const struct dma_buf_ops heap_dmabuf_ops = {
	.pin = heap_pin,
	.unpin = heap_unpin,
	.map_dma_buf = heap_map,
	.unmap_dma_buf = heap_unmap,
	.release = heap_release,
	.vmap = heap_vmap,
	.vunmap = heap_vunmap,
	.mmap = heap_mmap,
	.begin_cpu_access = heap_cpu_access,
	.end_cpu_access = heap_cpu_access,
	.note_writer = heap_note_writer,
};

struct dma_buf *dmb_heap_export(struct dmb_mem_region *system, uint64_t size,
				const char *name)
{
	struct dma_buf_export_info exp = {
		.exp_name = heap_exp_name,
		.ops = &heap_dmabuf_ops,
		.size = size,
	};
	struct heap_buf *hb;
	struct dma_buf *buf;
	int err;

	if (DMB_WARN(!system, "dmb_heap_export without a region") ||
	    DMB_WARN(dmb_mem_region_owner(system),
		     "dmb_heap_export: region %s is a device's memory, not system memory",
		     dmb_mem_region_name(system))) {
		errno = EINVAL;
		return NULL;
	}
	if (!size || size > SIZE_MAX - DMB_PAGE_SIZE) {
		errno = EINVAL;
		return NULL;
	}
	hb = calloc(1, sizeof(*hb));
	if (!hb) {
		errno = ENOMEM;
		return NULL;
	}
	hb->region = system;
	hb->size = DMB_PAGE_ALIGN(size);
	atomic_init(&hb->pins, 0);
	err = -dmb_mem_alloc(system, hb->size, &hb->phys);
	if (err)
		goto err_free;
	hb->vaddr = (char *)dmb_mem_region_vaddr(system) +
		    (hb->phys - dmb_mem_region_base(system));
	memset(hb->vaddr, 0, hb->size);

	exp.priv = hb;
	buf = dma_buf_export(&exp);
	if (!buf) {
		err = errno;
		goto err_mem;
	}
	if (name) {
		err = -dma_buf_set_name(buf, name);
		if (err) {
			dma_buf_put(buf);	/* the release op frees the rest */
			errno = err;
			return NULL;
		}
	}
	return buf;

err_mem:
	dmb_mem_free(system, hb->phys, hb->size);
err_free:
	free(hb);
	errno = err;
	return NULL;
}

/* @buf's private data if it is a heap buffer, else a WARN and NULL. */
static struct heap_buf *heap_buf_of(struct dma_buf *buf, const char *call)
{
	if (DMB_WARN(!buf, "%s(NULL)", call) ||
	    DMB_WARN(!heap_is_mine(buf), "%s: buffer %s is not a heap buffer",
		     call, dma_buf_name(buf)))
		return NULL;
	return dma_buf_priv(buf);
}

unsigned int dmb_heap_pins(struct dma_buf *buf)
{
	struct heap_buf *hb = heap_buf_of(buf, __func__);

	return hb ? atomic_load(&hb->pins) : 0;
}

void *dmb_heap_vaddr(struct dma_buf *buf)
{
	struct heap_buf *hb = heap_buf_of(buf, __func__);

	if (!hb) {
		errno = EINVAL;
		return NULL;
	}
	return hb->vaddr;
}
