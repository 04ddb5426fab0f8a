/* SPDX-License-Identifier: MIT */
/*
 * drivers/importer.h - the reference importers, behind one face.
 *
 * Each kind behaves like a driver of the seed series:
 *
 *  - IOMMUFD (R13): attaches dynamically with invalidate_mappings, pins, and
 *    gets the buffer's physical range through the VFIO exporter's private
 *    call (never map/unmap), which it programs into its device's IOMMU
 *    itself. In invalidate_mappings it unmaps those IOVAs at once — access
 *    stops there — and marks itself revoked until restored. Because it never
 *    maps, the exporter's unmap wait never waits for it. Release: unpin
 *    (resv held), detach, put. Only a vfio-pci buffer can be imported
 *    (-EOPNOTSUPP otherwise, as the real iommufd).
 *  - RDMA_PINNED (R14): importer ops without invalidate_mappings (so it is
 *    not revocable, and revoke-capable exporters refuse it with
 *    -EOPNOTSUPP); pins and maps once at registration, unmaps only at
 *    deregistration.
 *  - RDMA_ODP (R14): dynamic; maps at its first access; in
 *    invalidate_mappings it zaps its translations and unmaps right there;
 *    the next access faults the pages back in with a new map (which fails
 *    with -ENODEV while revoked).
 *  - GPU: dynamic, peer-to-peer capable; every access is a DMA job on its
 *    device's engine 0 (the device needs one), copying between the buffer
 *    and staging memory the GPU owns in system RAM (a region
 *    "<device>-staging" it adds to the device's address space), whose
 *    fence goes into the buffer's resv (WRITE usage for writes, READ for
 *    reads). On invalidate it stops submitting, lets in-flight jobs finish
 *    under their fences, then unmaps (from a worker, once its last fence
 *    signalled), and maps again before its next job.
 *  - BROKEN_NO_UNMAP: claims revocability (has invalidate_mappings), maps
 *    at create and never unmaps until destroyed: the revoke's unmap wait
 *    hits the bound (V6) and ends when the importer is destroyed. It keeps
 *    using its mapping, so a write after the invalidate is also V4.
 *  - BROKEN_WRITE_AFTER_INVALIDATE: maps at create; after invalidate its
 *    next access writes through the old mapping (V4) — for a read, it reads
 *    and writes the bytes back — then unmaps.
 *  - BROKEN_TOUCH_AFTER_UNMAP: maps at create, unmaps correctly inside
 *    invalidate_mappings, but its next access goes through the old device
 *    address anyway (V5, and an IOMMU fault: -EFAULT).
 *
 * Every importer holds a reference on its buffer until it is destroyed,
 * and names its attachment after its kind (dmb_importer_kind_name()), so
 * violation reports say which importer broke the protocol.
 *
 * Locking: every function is thread-safe per importer (one thread drives an
 * importer at a time) and must be called without any resv lock held. The
 * importer's invalidate_mappings may run concurrently, in the thread that
 * invalidates (with the resv lock held).
 *
 * After dmb_importer_destroy(), a call with the handle is a WARN and the
 * call's refusal (-EINVAL, NULL, -1, nothing), without reading the freed
 * object (hw/live.h); a new importer at the same address passes for the
 * old.
 */
#ifndef DMABUF_DRIVERS_IMPORTER_H
#define DMABUF_DRIVERS_IMPORTER_H

#include <stdbool.h>
#include <stdint.h>
#include <dmabuf/compiler.h>
#include <dmabuf/dma-buf.h>
#include <dmabuf/hw/hw-device.h>

DMB_BEGIN_DECLS

enum dmb_importer_kind {
	DMB_IMPORTER_IOMMUFD,
	DMB_IMPORTER_RDMA_PINNED,
	DMB_IMPORTER_RDMA_ODP,
	DMB_IMPORTER_GPU,
	DMB_IMPORTER_BROKEN_NO_UNMAP,
	DMB_IMPORTER_BROKEN_WRITE_AFTER_INVALIDATE,
	DMB_IMPORTER_BROKEN_TOUCH_AFTER_UNMAP,
	DMB_IMPORTER_NR_KINDS,
};

/**
 * struct dmb_importer_stats - what an importer did
 * @accesses: DMA accesses attempted (jobs submitted, for the GPU)
 * @faults: accesses that faulted (IOMMU) or whose job failed
 * @refused: accesses not attempted: the buffer is revoked (-ENODEV)
 * @invalidations: invalidate_mappings calls received
 * @maps: mappings (or IOMMU programmings) made, the first included
 */
struct dmb_importer_stats {
	unsigned long accesses;
	unsigned long faults;
	unsigned long refused;
	unsigned long invalidations;
	unsigned long maps;
};

struct dmb_importer;

/**
 * dmb_importer_create - attach an importer of @kind on device @dev to @buf
 * and set it up as that driver would (pin, map, program its IOMMU...)
 *
 * Return: the importer, or NULL with errno: the exporter's refusal
 * (EOPNOTSUPP for a non-revocable or non-p2p importer on a revoke-capable
 * exporter, or for IOMMUFD on a buffer that is not vfio-pci's; ENODEV while
 * revoked; what its pin or map failed with), EINVAL (NULL arguments are
 * also a WARN; a GPU on a device without DMA engines), ENOMEM.
 */
struct dmb_importer *dmb_importer_create(enum dmb_importer_kind kind,
					 struct dmb_hw_device *dev,
					 struct dma_buf *buf);

/**
 * dmb_importer_access - one DMA access by the importer's device to
 * [@offset, @offset + @len) of the buffer
 * @write: write @data to the buffer (else read into @data)
 * @data: host memory of @len bytes, or NULL for "any bytes"
 * @fence: for the GPU, receives the job's fence (a reference) if not NULL;
 *	the access completes when it signals. Others complete synchronously
 *	and set it to NULL.
 *
 * @fence's job signals once the bytes of a read are in @data, which must
 * stay valid until then (a GPU read into @data without @fence is a WARN and
 * -EINVAL). RDMA_ODP and the broken kinds hold the resv lock
 * across their (synchronous) DMA.
 *
 * Return: 0 (for the GPU: submitted; a fault shows as the fence's error
 * -EFAULT); -EFAULT if the access faulted (IOMMU); -ENODEV if the buffer is
 * revoked and the importer cannot map (nothing was attempted; counted as
 * refused); -EINVAL (a range outside the buffer, a zero length; a NULL
 * importer is also a WARN); -ENOMEM (for the GPU: its staging memory is
 * taken by jobs in flight).
 */
int dmb_importer_access(struct dmb_importer *imp, bool write, uint64_t offset,
			uint64_t len, void *data, struct dma_fence **fence);

/**
 * dmb_importer_restore - after an unrevoke, set up again what the importer
 * lost: iommufd re-programs its IOMMU (its pin was kept); RDMA_ODP, GPU,
 * BROKEN_WRITE_AFTER_INVALIDATE and BROKEN_TOUCH_AFTER_UNMAP map now
 * instead of at their next access; RDMA_PINNED and BROKEN_NO_UNMAP never
 * lost their mapping. Nothing happens if nothing was lost.
 *
 * Return: 0, -ENODEV if still revoked, or the exporter's -errno.
 */
int dmb_importer_restore(struct dmb_importer *imp);

/**
 * dmb_importer_destroy - release in the driver's order (unmap, unpin,
 * detach, put) and free; waits for the importer's in-flight jobs (on a
 * virtual clock, someone must advance it). NULL is ignored; a destroyed
 * importer is a WARN (see above).
 */
void dmb_importer_destroy(struct dmb_importer *imp);

enum dmb_importer_kind dmb_importer_kind(const struct dmb_importer *imp);
/** dmb_importer_kind_name - "iommufd", "rdma-pinned", "rdma-odp", "gpu", "broken-no-unmap", ... */
const char *dmb_importer_kind_name(enum dmb_importer_kind kind);
struct dma_buf_attachment *dmb_importer_attachment(struct dmb_importer *imp);
void dmb_importer_get_stats(struct dmb_importer *imp,
			    struct dmb_importer_stats *stats);

/**
 * dmb_importer_unmap_latency - time on the checker's clock
 * (dmb_check_now()) from the last invalidate_mappings to the importer
 * dropping the mapping (or IOMMU translations) it had then, -1 if none
 * yet. An invalidate that finds nothing mapped measures nothing.
 */
int64_t dmb_importer_unmap_latency(struct dmb_importer *imp);

DMB_END_DECLS

#endif /* DMABUF_DRIVERS_IMPORTER_H */
