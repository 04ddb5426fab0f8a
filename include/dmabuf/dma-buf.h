/* SPDX-License-Identifier: MIT */
/*
 * dma-buf.h - shared buffers: export, attach, map, invalidate.
 *
 * An exporter wraps memory it owns in a dma_buf with dma_buf_export(). Each
 * importer device attaches: statically with dma_buf_attach() (it cannot be
 * told to let go, so mapping pins the buffer if the exporter can pin), or
 * dynamically with dma_buf_dynamic_attach() and importer ops. A dynamic
 * attachment whose ops have invalidate_mappings is *revocable*: the exporter
 * can tell it to drop its mappings, and it promises to unmap within bounded
 * time after being told. Mapping an attachment asks the exporter for an
 * sg_table of device addresses; unmapping gives it back.
 *
 * dma_buf_invalidate_mappings() tells every revocable attachment that its
 * mappings are stale (the memory moves or goes away). After it returns,
 * importers may still touch the memory in two windows: in-flight work may
 * read and write until the fences in the buffer's dma_resv retire, and the
 * importer may read-and-discard until it unmaps; it must not start new
 * writes. To stop all access an exporter marks the buffer revoked (new
 * attach and map fail with -ENODEV), invalidates, waits for the fences, and
 * waits until every mapping it handed out was unmapped: the revoke helper in
 * dma-buf-revoke.h does exactly that.
 *
 * Locking convention (docs/locking.md has the full table):
 *  - dma_buf_pin/unpin, dma_buf_map_attachment/unmap_attachment,
 *    dma_buf_invalidate_mappings, dma_buf_vmap/vunmap and
 *    dma_buf_mapping_token: the caller holds the buffer's resv lock. A
 *    missing lock is reported (violation V1 for invalidate, V2 for
 *    map/unmap, a WARN for the others) and the call is refused (-EINVAL,
 *    or NULL with errno EINVAL; a void call does nothing): the library
 *    never takes a lock behind its caller.
 *  - The _unlocked variants, attach, detach and the CPU access calls take
 *    the lock themselves or run exporter ops that must not hold it: the
 *    caller must not hold it. One that does (an importer calling an
 *    _unlocked unmap from its invalidate_mappings) is reported and refused
 *    the same way. Export and get/put need no lock.
 *  - Exporter ops pin, unpin, map_dma_buf, unmap_dma_buf, vmap and vunmap
 *    run with the resv lock held; attach, detach, release and begin/end
 *    _cpu_access without it, as in the kernel (the core holds the lock only
 *    around the attachment-list update, so an attach op may take it, and a
 *    "revoked?" answer given in attach must be checked again in map).
 *    Detach and release run with it only if the caller drops its last
 *    reference while holding a shared resv.
 *  - Importer op invalidate_mappings runs with the resv lock held, in the
 *    thread that invalidates. It may unmap right there (unmap is a locked
 *    call) or later from any thread, and must not take the resv lock.
 *
 * Misuse — detach with live mappings, unmap of a table that this attachment
 * does not have mapped (or already unmapped), put of a released buffer — is
 * reported as a violation and refused or cleaned up; it never corrupts memory.
 *
 * A callback may drop what was the buffer's last reference (an importer
 * putting its buffer from invalidate_mappings, an exporter op dropping a
 * reference it kept): the core keeps the buffer alive until its own call
 * ends and the release runs then, once. A caller of a locked call whose
 * buffer has its own resv (no shared one) must still hold a reference of
 * its own: the release frees that resv.
 */
#ifndef DMABUF_DMA_BUF_H
#define DMABUF_DMA_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <dmabuf/compiler.h>
#include <dmabuf/check.h>
#include <dmabuf/device.h>
#include <dmabuf/dma-direction.h>
#include <dmabuf/dma-resv.h>
#include <dmabuf/scatterlist.h>

DMB_BEGIN_DECLS

struct dma_buf;
struct dma_buf_attachment;

/**
 * struct dma_buf_ops - what an exporter provides
 * @attach: optional; accept or refuse a new attachment (-errno). Runs with
 *	the resv lock held, so a revoked flag checked here cannot change under
 *	it. A revoke-capable exporter refuses non-revocable attachments here.
 * @detach: optional; forget an attachment
 * @pin: optional; keep the buffer where it is until unpin (resv held)
 * @unpin: required if @pin
 * @map_dma_buf: required; produce the device addresses of the buffer for
 *	@attach's device in *@sgt (resv held). Return 0 or -errno; -ENODEV
 *	while revoked.
 * @unmap_dma_buf: required; take back a table from @map_dma_buf (resv held)
 * @release: required; the last reference is gone, free the exporter's side
 * @begin_cpu_access: optional; prepare for CPU access in @dir
 * @end_cpu_access: optional; CPU access in @dir is done
 * @vmap: optional; a CPU address for the whole buffer (resv held)
 * @vunmap: required if @vmap
 * @mmap: optional; the userspace side of the kernel's mmap of a dma-buf
 *	through its file: return a new descriptor (close-on-exec, the caller
 *	closes it) whose first dma_buf_size() bytes are the buffer's current
 *	pages, shared (not a copy), for another process to map; -errno
 *	otherwise, -ENODEV while revoked (resv held). The pages behind a
 *	descriptor handed out stay the buffer's until the exporter takes
 *	them back: when a revoke or a move that ends their use returns,
 *	every mapping of that descriptor in any process must fault, and no
 *	descriptor may ever reach later pages through it. Without this op
 *	the buffer cannot be shared with another process (dma_buf_fd()).
 * @note_writer: optional; the ipc layer (docs/ipc.md) calls it, resv held,
 *	when it hands peer @peer ("name[pid]") a writable descriptor from
 *	@mmap: a peer that could shrink the pages behind it. The exporter
 *	remembers it, to name the read-write peers if those pages are shrunk
 *	under it (dmabuf/sigbus-guard.h), as long as it hands out those pages.
 */
struct dma_buf_ops {
	int (*attach)(struct dma_buf *dmabuf, struct dma_buf_attachment *attach);
	void (*detach)(struct dma_buf *dmabuf, struct dma_buf_attachment *attach);
	int (*pin)(struct dma_buf_attachment *attach);
	void (*unpin)(struct dma_buf_attachment *attach);
	int (*map_dma_buf)(struct dma_buf_attachment *attach,
			   enum dma_data_direction dir, struct sg_table **sgt);
	void (*unmap_dma_buf)(struct dma_buf_attachment *attach,
			      struct sg_table *sgt, enum dma_data_direction dir);
	void (*release)(struct dma_buf *dmabuf);
	int (*begin_cpu_access)(struct dma_buf *dmabuf, enum dma_data_direction dir);
	int (*end_cpu_access)(struct dma_buf *dmabuf, enum dma_data_direction dir);
	int (*vmap)(struct dma_buf *dmabuf, void **vaddr);
	void (*vunmap)(struct dma_buf *dmabuf, void *vaddr);
	int (*mmap)(struct dma_buf *dmabuf);
	void (*note_writer)(struct dma_buf *dmabuf, const char *peer);
};

/**
 * struct dma_buf_attach_ops - what a dynamic importer provides
 * @name: optional; the importer, for reports ("iommufd", "rdma-odp")
 * @allow_peer2peer: the importer can reach device memory peer-to-peer
 * @invalidate_mappings: optional; the buffer's mappings are stale. Called
 *	with the resv lock held. An importer that provides it must unmap
 *	within bounded time, and makes its attachment revocable.
 */
struct dma_buf_attach_ops {
	const char *name;
	bool allow_peer2peer;
	void (*invalidate_mappings)(struct dma_buf_attachment *attach);
};

/**
 * struct dma_buf_export_info - what dma_buf_export() needs
 * @exp_name: the exporter's name, for reports
 * @ops: the exporter's operations
 * @size: size in bytes, > 0
 * @resv: a reservation object to share, or NULL for the buffer's own
 * @priv: the exporter's private data
 */
struct dma_buf_export_info {
	const char *exp_name;
	const struct dma_buf_ops *ops;
	size_t size;
	struct dma_resv *resv;
	void *priv;
};

/**
 * dma_buf_export - create a buffer with one reference
 *
 * Missing required ops, a zero size or a NULL name are reported.
 * Context: any thread; takes the live-buffer list lock (a leaf).
 * Return: the buffer, or NULL with errno (EINVAL, ENOMEM).
 */
struct dma_buf *dma_buf_export(const struct dma_buf_export_info *exp_info);

/**
 * get_dma_buf - take a reference
 *
 * Context: any thread holding a reference, with any lock held.
 */
void get_dma_buf(struct dma_buf *dmabuf);

/**
 * dmb_dma_buf_get_unless_zero - take a reference unless the last one is
 * already gone (the buffer is being released)
 *
 * For an exporter walking a list of its own buffers: the caller must know
 * the memory is still there, as it is while the buffer is on a list that
 * the release op takes it off under a lock the caller holds. A buffer
 * already released (in debug mode, kept by the release quarantine of
 * check.h) is reported, naming who released it, and false is returned.
 * Context: any thread that knows @dmabuf is still allocated (a lookup under
 *	the exporter's own lock).
 * Return: true if a reference was taken (drop it with dma_buf_put()).
 */
bool dmb_dma_buf_get_unless_zero(struct dma_buf *dmabuf);

/**
 * dma_buf_put - drop a reference; the last one detaches what importers
 * left attached (violation V9), drops a forgotten vmap (WARN), calls
 * ops->release and frees the buffer
 *
 * A put of a buffer that was already released is violation V9 and is
 * ignored: the pointer is checked against the live buffers before use.
 * Context: any thread; the last put takes the resv lock unless the caller
 *	already holds it, and runs the release op without it.
 */
void dma_buf_put(struct dma_buf *dmabuf);

/**
 * dma_buf_set_name - name the buffer for reports (at most 63 bytes are
 * kept); attachments made before keep the name they were made with in their
 * reports. Return: 0, -EINVAL, -ENOMEM.
 * Context: any thread; takes the buffer's name lock (a leaf).
 */
int dma_buf_set_name(struct dma_buf *dmabuf, const char *name);

/*
 * Accessors (no lock needed: these never change after export; NULL is a
 * WARN).
 *
 * Context: any thread, no lock.
 */
struct dma_resv *dma_buf_resv(struct dma_buf *dmabuf);
void *dma_buf_priv(struct dma_buf *dmabuf);
size_t dma_buf_size(struct dma_buf *dmabuf);
const char *dma_buf_exporter_name(struct dma_buf *dmabuf);
/**
 * dma_buf_name - the name set last, or the exporter's name; valid for as
 * long as the buffer lives (a rename publishes a new string)
 * Context: any thread, no lock; the string stays valid while the buffer
 *	lives.
 */
const char *dma_buf_name(struct dma_buf *dmabuf);

/**
 * dma_buf_attach - attach a static importer (no importer ops)
 *
 * Context: takes the resv lock: refused (a WARN, NULL with errno EINVAL)
 * if the caller holds it.
 * Return: the attachment, or NULL with errno (EINVAL, ENOMEM, or what the
 * exporter's attach op refused with).
 */
struct dma_buf_attachment *dma_buf_attach(struct dma_buf *dmabuf,
					  struct device *dev);

/**
 * dma_buf_dynamic_attach - attach an importer that has importer ops
 * @importer_ops: its ops; invalidate_mappings is optional (R1). NULL makes a
 *	static attachment, exactly dma_buf_attach() (as in the kernel)
 * @importer_priv: its private data, see dma_buf_attachment_importer_priv()
 *
 * Peer-to-peer is allowed if the importer's ops allow it.
 * Context: takes the resv lock: refused if the caller holds it.
 * Return: as dma_buf_attach().
 */
struct dma_buf_attachment *
dma_buf_dynamic_attach(struct dma_buf *dmabuf, struct device *dev,
		       const struct dma_buf_attach_ops *importer_ops,
		       void *importer_priv);

/**
 * dma_buf_detach - remove an attachment and free it
 *
 * Detaching with live mappings is violation V9 (one report for all of
 * them): the mappings are torn down (exporter unmap, unpin) before the
 * attachment goes. Detaching an
 * attachment that is not on @dmabuf is V9 and refused. In debug mode the
 * attachment goes to the release quarantine (check.h): a later call on it
 * (a map, a second detach) is reported, naming who detached it, and refused.
 * Context: takes the resv lock: refused (a WARN, nothing detached) if the
 * caller holds it.
 */
void dma_buf_detach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach);

/**
 * dma_buf_attachment_is_dynamic - true if the importer supplied importer ops
 *
 * Context: any thread, no lock.
 */
bool dma_buf_attachment_is_dynamic(struct dma_buf_attachment *attach);

/**
 * dma_buf_attach_revocable - true iff the importer supplied importer ops
 * with invalidate_mappings (R2): it can complete the revoke sequence in
 * bounded time. Exporters that revoke as a normal operation call it from
 * their attach op and refuse attachments for which it is false.
 * Context: any thread, no lock.
 */
bool dma_buf_attach_revocable(struct dma_buf_attachment *attach);

/*
 * Attachment accessors.
 *
 * Context: any thread, no lock.
 */
struct dma_buf *dma_buf_attachment_dmabuf(struct dma_buf_attachment *attach);
struct device *dma_buf_attachment_dev(struct dma_buf_attachment *attach);
bool dma_buf_attachment_peer2peer(struct dma_buf_attachment *attach);
void *dma_buf_attachment_importer_priv(struct dma_buf_attachment *attach);
/**
 * dma_buf_attachment_importer_name - importer ops' name, or "static"
 *
 * Context: any thread, no lock.
 */
const char *dma_buf_attachment_importer_name(struct dma_buf_attachment *attach);
/*
 * The exporter's per-attachment data; set and read under the resv lock.
 *
 * Context: the exporter's ops, under the buffer's resv lock (not checked: the
 *	data is the exporter's).
 */
void *dma_buf_attachment_priv(struct dma_buf_attachment *attach);
void dma_buf_attachment_set_priv(struct dma_buf_attachment *attach, void *priv);
/**
 * dma_buf_attachment_mapped - live mappings of @attach
 *
 * Context: the buffer's resv lock held; refused (0, a WARN) without it.
 */
unsigned int dma_buf_attachment_mapped(struct dma_buf_attachment *attach);
/**
 * dma_buf_attachment_unmap_latency - checker-clock time from the last
 * invalidate_mappings to the unmap of that mapping, or -1 if no invalidated
 * mapping was unmapped yet (always -1 in production mode, which keeps no
 * mapping tokens: see debug.h)
 *
 * Context: the buffer's resv lock held; refused (-1, a WARN) without it.
 */
int64_t dma_buf_attachment_unmap_latency(struct dma_buf_attachment *attach);

/**
 * dma_buf_pin - keep the buffer where it is for @attach
 *
 * Succeeds without effect when the exporter has no pin op; pinning never
 * changes revocability (R10). Only dynamic attachments pin explicitly (a
 * static one is pinned by its map): a static @attach is reported and
 * refused with -EINVAL (the kernel warns).
 * Context: resv lock held; refused (-EINVAL, a WARN) without it.
 * Return: 0, -EINVAL, or the exporter's -errno.
 */
int dma_buf_pin(struct dma_buf_attachment *attach);

/**
 * dma_buf_unpin - undo one dma_buf_pin(); an unpin without a pin is
 * reported and does not reach the exporter
 *
 * Context: the buffer's resv lock held; refused (a WARN, nothing unpinned)
 *	without it.
 */
void dma_buf_unpin(struct dma_buf_attachment *attach);

/**
 * dma_buf_map_attachment - get the device addresses of the buffer
 *
 * Static attachments are pinned first when the exporter can pin (R3), and
 * unpinned by the matching unmap; the map of a static attachment then waits
 * for the buffer's DMA_RESV_USAGE_KERNEL fences (a move or clear in flight),
 * as the kernel's does, since a static importer cannot be told of them.
 * A table returned while the buffer is revoked is violation V3: it is taken
 * back and the call fails -ENODEV.
 * Context: resv lock held; refused (V2, NULL with errno EINVAL) without it;
 * may sleep (static attachments).
 * Return: the table, or NULL with errno (ENODEV while revoked, ENOMEM,
 * EINVAL, or the exporter's error).
 */
struct sg_table *dma_buf_map_attachment(struct dma_buf_attachment *attach,
					enum dma_data_direction dir);

/**
 * dma_buf_unmap_attachment - give back a table from dma_buf_map_attachment()
 *
 * A table not mapped on @attach, or already unmapped (NULL included), is
 * violation V8 and is not touched.
 * Context: resv lock held; refused (V2, nothing unmapped) without it.
 */
void dma_buf_unmap_attachment(struct dma_buf_attachment *attach,
			      struct sg_table *sgt, enum dma_data_direction dir);

/*
 * As above, taking and releasing the resv lock around the call.
 *
 * Context: the buffer's resv lock not held (the call takes it); refused (a
 *	WARN) if held.
 */
struct sg_table *
dma_buf_map_attachment_unlocked(struct dma_buf_attachment *attach,
				enum dma_data_direction dir);
void dma_buf_unmap_attachment_unlocked(struct dma_buf_attachment *attach,
				       struct sg_table *sgt,
				       enum dma_data_direction dir);

/**
 * dma_buf_invalidate_mappings - tell every revocable attachment that its
 * mappings are stale (R4)
 *
 * Calls invalidate_mappings of each attachment that has one, and no other,
 * and marks their live mappings invalidated for the checker (mappings of
 * attachments that were not told stay LIVE). See the overview for what
 * importers may still do afterwards.
 * Context: resv lock held; refused (V1, no importer told) without it.
 */
void dma_buf_invalidate_mappings(struct dma_buf *dmabuf);

/**
 * dma_buf_mapping_token - the checker's token for a live mapping, for
 * whoever performs DMA through it (see check.h)
 *
 * Context: resv lock held; refused (a WARN, NULL with errno EINVAL) without
 * it.
 * Return: a new reference, or NULL with errno = ENOENT if @sgt is not a live
 * mapping of @attach, EOPNOTSUPP in production mode (no tokens: debug.h).
 */
struct dmb_check_map *dma_buf_mapping_token(struct dma_buf_attachment *attach,
					    struct sg_table *sgt);

/**
 * dma_buf_begin_cpu_access - prepare for CPU access in @dir
 *
 * Waits for the fences a CPU access in @dir must wait for — writers only
 * for a CPU read (DMA_FROM_DEVICE), readers and writers for a CPU write
 * (DMA_TO_DEVICE, DMA_BIDIRECTIONAL), as dma_resv_usage_rw() — then calls
 * the exporter.
 * Context: may sleep; the resv lock not held (the exporter's op runs
 * without it): refused (-EINVAL, a WARN) if held.
 * Return: 0 or -errno.
 */
int dma_buf_begin_cpu_access(struct dma_buf *dmabuf, enum dma_data_direction dir);
int dma_buf_end_cpu_access(struct dma_buf *dmabuf, enum dma_data_direction dir);

/**
 * dma_buf_vmap - a CPU address for the whole buffer; counted, so nested
 * vmaps return the same address
 *
 * Context: resv lock held; refused (-EINVAL, a WARN; vunmap does nothing)
 * without it.
 * Return: 0, -EINVAL (no vmap op, or refused), or -errno.
 */
int dma_buf_vmap(struct dma_buf *dmabuf, void **vaddr);
void dma_buf_vunmap(struct dma_buf *dmabuf, void *vaddr);

/**
 * dma_buf_vmap_unlocked, dma_buf_vunmap_unlocked - as dma_buf_vmap() and
 * dma_buf_vunmap(), taking and releasing the resv lock around the call
 *
 * Context: the resv lock not held (the call takes it); refused (-EINVAL, a
 * WARN; vunmap does nothing) if held.
 */
int dma_buf_vmap_unlocked(struct dma_buf *dmabuf, void **vaddr);
void dma_buf_vunmap_unlocked(struct dma_buf *dmabuf, void *vaddr);

/**
 * dmb_dma_buf_mmap_fd - a descriptor of the buffer's current pages, for
 * another process to map (the exporter's mmap op; the kernel's
 * dma_buf_mmap() maps a dma-buf's file, here the caller maps what it gets)
 *
 * The pages are the ones the buffer has while the caller holds the lock: a
 * mapping made under the same hold and this descriptor show the same bytes.
 * Context: resv lock held; refused (-EINVAL, a WARN) without it or for
 *	NULL.
 * Return: the descriptor (close-on-exec; close it), -EOPNOTSUPP if the
 *	exporter has no mmap op (not a misuse: no report), -ENODEV while
 *	revoked, or -errno.
 */
int dmb_dma_buf_mmap_fd(struct dma_buf *dmabuf);

/**
 * dma_buf_debug_dump - print every live buffer, its attachments and their
 * mappings, and the fences of its resv with their usage, to @out, like the
 * kernel's bufinfo
 *
 * A fence is shown signaled once its SIGNALED flag is set; drivers are not
 * polled. A buffer whose resv lock is held elsewhere is shown without its
 * attachments and fences.
 * Context: any thread holding no resv lock of a listed buffer (it trylocks
 * them).
 */
void dma_buf_debug_dump(FILE *out);

DMB_END_DECLS

#endif /* DMABUF_DMA_BUF_H */
