/* SPDX-License-Identifier: MIT */
/*
 * importer-private.h - what the reference importers share behind
 * include/dmabuf/drivers/importer.h: the base object every kind embeds, the
 * ops table each kind provides, and the helpers they all use (statistics,
 * unmap latency, DMA through a mapping's sg table).
 *
 * Only the importer files include this; like an out-of-tree driver, they
 * use nothing but the library's public headers besides it.
 *
 * Locking: the base's statistics are atomics (an engine's completion, an
 * invalidate_mappings in the revoking thread and the driving thread all
 * update them); the invalidate and unmap stamps are atomics too. Everything
 * else in the base is constant after creation. What a kind keeps about its
 * mapping is protected by the buffer's resv lock unless the kind says
 * otherwise.
 */
#ifndef DMABUF_DRIVERS_IMPORTER_PRIVATE_H
#define DMABUF_DRIVERS_IMPORTER_PRIVATE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dmabuf/check.h>
#include <dmabuf/dma-buf.h>
#include <dmabuf/drivers/importer.h>
#include <dmabuf/hw/hw-device.h>
#include <dmabuf/hw/live.h>

/**
 * struct dmb_importer_ops - one kind of importer
 * @name: the kind's name, also the name of its dma-buf importer ops
 * @size: bytes of the kind's object, which embeds struct dmb_importer first
 * @init: attach to the buffer and set up as the driver would; on failure
 *	undo everything it did and return -errno (the base then drops the
 *	buffer reference and frees the object)
 * @access: one access of the device, arguments checked by the base
 *	(in range, @fence already NULL-ed)
 * @restore: set up again after an unrevoke; 0 or -ENODEV
 * @fini: release in the driver's order, up to and including the detach;
 *	the base drops the buffer reference afterwards
 *
 * Every op is called without any resv lock held. All are required.
 */
struct dmb_importer_ops {
	const char *name;
	size_t size;
	int (*init)(struct dmb_importer *imp);
	int (*access)(struct dmb_importer *imp, bool write, uint64_t offset,
		      uint64_t len, void *data, struct dma_fence **fence);
	int (*restore)(struct dmb_importer *imp);
	void (*fini)(struct dmb_importer *imp);
};

/**
 * struct dmb_importer - the part every kind shares; embedded first
 * @live: in the live registry (hw/live.h) from create to destroy
 * @ops: the kind's ops (const)
 * @kind: the kind (const)
 * @dev: the importing device (const)
 * @buf: the buffer; the importer holds a reference (const)
 * @attach: the attachment, set by @ops->init (const afterwards)
 * @accesses, @faults, @refused, @invalidations, @maps: see
 *	struct dmb_importer_stats
 * @invalidated_at: checker-clock time of the last invalidate_mappings whose
 *	unmap has not happened yet, -1 if none is pending
 * @unmap_latency: time from that invalidate to the unmap, -1 if none yet
 */
struct dmb_importer {
	struct dmb_live live;
	const struct dmb_importer_ops *ops;
	enum dmb_importer_kind kind;
	struct dmb_hw_device *dev;
	struct dma_buf *buf;
	struct dma_buf_attachment *attach;
	atomic_ulong accesses;
	atomic_ulong faults;
	atomic_ulong refused;
	atomic_ulong invalidations;
	atomic_ulong maps;
	atomic_llong invalidated_at;
	atomic_llong unmap_latency;
};

/* The kinds (one file each; broken.c has the three broken ones). */
extern const struct dmb_importer_ops dmb_iommufd_importer_ops;
extern const struct dmb_importer_ops dmb_rdma_pinned_importer_ops;
extern const struct dmb_importer_ops dmb_rdma_odp_importer_ops;
extern const struct dmb_importer_ops dmb_gpu_importer_ops;
extern const struct dmb_importer_ops dmb_broken_no_unmap_importer_ops;
extern const struct dmb_importer_ops dmb_broken_write_importer_ops;
extern const struct dmb_importer_ops dmb_broken_touch_importer_ops;

/** dmb_importer_from_attach - the importer whose attachment @attach is */
static inline struct dmb_importer *
dmb_importer_from_attach(struct dma_buf_attachment *attach)
{
	return dma_buf_attachment_importer_priv(attach);
}

/**
 * __dmb_importer_attach - attach @imp's device to its buffer with @ops and
 * @imp as importer_priv; sets @imp->attach
 *
 * Context: takes the resv lock. Return: 0 or the exporter's -errno.
 */
int __dmb_importer_attach(struct dmb_importer *imp,
			  const struct dma_buf_attach_ops *ops);

/**
 * __dmb_importer_invalidated - count an invalidate_mappings and, if the
 * importer has something @mapped, stamp it so that the unmap that follows
 * can be timed
 *
 * Context: from invalidate_mappings (resv held); does not sleep.
 */
void __dmb_importer_invalidated(struct dmb_importer *imp, bool mapped);

/**
 * __dmb_importer_unmapped - the importer dropped its mapping (or IOMMU
 * translations): if an invalidate is pending, its latency is now known
 *
 * Context: any thread; does not sleep.
 */
void __dmb_importer_unmapped(struct dmb_importer *imp);

/**
 * struct dmb_importer_map - a mapping as an importer keeps it
 * @sgt: the table from dma_buf_map_attachment(), NULL if not mapped
 * @token: the checker's token for it (a reference)
 * @cookie: the importer's mapping generation, recorded with IOMMU faults
 */
struct dmb_importer_map {
	struct sg_table *sgt;
	struct dmb_check_map *token;
	uint64_t cookie;
};

/* Assert that the calling thread holds @imp's buffer's resv lock. */
#define dmb_importer_assert_locked(imp)					\
	dma_resv_assert_held(dma_buf_resv(dma_buf_attachment_dmabuf((imp)->attach)))

/**
 * __dmb_importer_map_locked - map @imp's attachment (bidirectional) into
 * @m and take its checker token; counts a map
 *
 * Context: resv lock held. Return: 0, -ENODEV while revoked, or the
 * exporter's -errno (nothing is left mapped then).
 */
int __dmb_importer_map_locked(struct dmb_importer *imp,
			      struct dmb_importer_map *m);

/**
 * __dmb_importer_unmap_locked - stamp the unmap, give @m's table back to
 * the exporter, drop the token and clear @m
 *
 * Context: resv lock held; may be called from invalidate_mappings.
 */
void __dmb_importer_unmap_locked(struct dmb_importer *imp,
				 struct dmb_importer_map *m);

/**
 * __dmb_importer_sg_locate - the device address of byte @offset of @sgt
 * @addr: receives it
 * @avail: receives how many bytes from there lie in the same entry
 *
 * Return: 0, or -EINVAL if @offset is past the table.
 */
int __dmb_importer_sg_locate(const struct sg_table *sgt, uint64_t offset,
			     uint64_t *addr, uint64_t *avail);

/**
 * __dmb_importer_dma - a synchronous access of @imp's device through @sgt,
 * entry by entry, naming @token and @cookie to the checker and the IOMMU
 * @data: host memory, or NULL for "any bytes" (a bounce buffer is used)
 *
 * Counts the access, and the fault if it faulted.
 * Context: any thread; may wait for a map/unmap on the device's domain.
 * Return: 0, -EFAULT on an IOMMU fault, -ENOMEM, -EINVAL.
 */
int __dmb_importer_dma(struct dmb_importer *imp, const struct sg_table *sgt,
		       struct dmb_check_map *token, uint64_t cookie, bool write,
		       uint64_t offset, uint64_t len, void *data);

#endif /* DMABUF_DRIVERS_IMPORTER_PRIVATE_H */
