// SPDX-License-Identifier: MIT
/*
 * vram.c - the GPU-style exporter: buffer objects in a GPU's local memory
 * (VRAM) or in system memory, moved between them on demand (R15).
 *
 * Contract (include/dmabuf/drivers/vram.h has the per-call detail):
 *  - A move takes the resv lock, calls dma_buf_invalidate_mappings(), waits
 *    for every fence (BOOKKEEP), copies the bytes to a new backing with the
 *    CPU, switches to it and unlocks. Mappings made afterwards point to the
 *    new backing.
 *  - Old backings are freed on their last unmap, not at the move: an
 *    importer told to drop its mapping may still read through it until it
 *    unmaps (R6b), and a dynamic importer without invalidate_mappings is
 *    not told at all. Until then its device addresses keep reaching the old
 *    pages, which nobody else can be given: a stale importer reads a stale
 *    copy, never somebody else's memory.
 *  - An attachment can reach VRAM if its device is the GPU itself, or if the
 *    importer allows peer-to-peer and its device can do it. A pin keeps the
 *    buffer where it is when every attachment can reach VRAM, and moves it
 *    to system memory first otherwise (the rule of amdgpu and xe). A map by
 *    an attachment that cannot reach VRAM moves the buffer to system memory
 *    first, as those drivers do for importers without peer-to-peer; if the
 *    buffer is pinned in VRAM that map fails with -EREMOTEIO, the DMA API's
 *    answer, and a pin that would need the pinned buffer to move fails with
 *    -EBUSY. Pinned buffers never move.
 *  - A buffer is shareable with other processes (the mmap op): its current
 *    backing's range becomes a generation of its own (dmb_mem_share()).
 *    A move takes the old backing's generation back before the copy
 *    (dmb_mem_unshare()), so when it returns no other process reaches the
 *    old pages — stricter than for local importers, which may read the old
 *    backing until they unmap (R6b): a process that ignores the
 *    invalidate cannot be made to unmap. A later share gives the new
 *    backing, in a new generation. Such a process attaches as a CPU client
 *    (exporter-private.h), which reaches VRAM as the CPU does. One given
 *    a writable descriptor can shrink the generation early: the range's
 *    views are guarded (mem-region.c), and from then on CPU access, map
 *    and mmap fail with -EIO until a move takes the range back. The move
 *    takes it back first and copies after: the copy then reads the
 *    region's own pages, which nobody else holds, so what a peer cut off
 *    moves as zeros without a fault, and the bytes moved are the ones
 *    that were taken back (no peer writes between the two).
 *  - The copy is a CPU memcpy through the regions' CPU view: a move never
 *    depends on somebody advancing a virtual clock, and its only waits are
 *    the fences. (A real driver copies with its DMA engine and publishes the
 *    copy's fence with KERNEL usage; here nothing can observe the
 *    difference, since the resv lock is held from the fence wait until the
 *    new backing is in place.) The fence waits are on the address space's
 *    clock (dma-fence-clock.h): on a virtual clock a move by an actor of
 *    the clock parks until the fences' jobs end in simulated time.
 *
 * Locking: a buffer's backing, pin count and count of attachments that
 * cannot reach VRAM, and every backing's reference count, are protected by
 * the buffer's resv lock (the ops run with it held; evict, migrate and CPU
 * access take it). The placement and the move count are mirrored in atomics
 * for lock-free readers. The release op runs without the lock, when no
 * attachment (hence no mapping) is left. The manager itself only counts its
 * buffers, atomically.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <dmabuf/clock.h>
#include <dmabuf/diag.h>
#include <dmabuf/dma-fence-clock.h>
#include <dmabuf/drivers/vram.h>
#include <dmabuf/hw/dma-mapping.h>
#include <dmabuf/hw/live.h>

#include "exporter-private.h"

/* The exporter's name; its address tells this exporter's buffers apart. */
static const char vram_exp_name[] = "vram";

struct dmb_vram {
	struct dmb_live live;			/* from create to destroy */
	struct dmb_hw_device *gpu;
	struct dmb_mem_region *region[2];	/* by enum dmb_vram_placement */
	struct dmb_phys_space *space;
	struct dmb_exporter_observer observer;
	atomic_uint buffers;
};

/* Pages holding a buffer's bytes, freed when the last reference goes. */
struct vram_backing {
	struct dmb_mem_region *region;
	enum dmb_vram_placement placement;
	uint64_t phys;
	uint64_t size;
	unsigned int refs;		/* resv: 1 while current + 1 per mapping */
	bool shared;			/* resv: a generation was handed out */
};

struct vram_bo {
	struct dmb_vram *vm;
	struct dma_buf *dmabuf;
	uint64_t size;			/* page-aligned */
	struct vram_backing *backing;	/* resv */
	unsigned int pin_count;		/* resv */
	atomic_uint non_p2p;		/* atomic: attachments that cannot reach VRAM */
	atomic_int placement;		/* mirrors backing->placement */
	atomic_uint moves;
};

/* A mapping: the table the core holds, and the backing it points into. */
struct vram_mapping {
	struct sg_table sgt;
	struct vram_backing *backing;
};

static const char *const placement_name[] = {
	[DMB_VRAM_IN_VRAM] = "vram",
	[DMB_VRAM_IN_SYSTEM] = "system",
};

static bool vram_is_mine(struct dma_buf *buf)
{
	return dma_buf_exporter_name(buf) == vram_exp_name;
}

static void *vram_backing_virt(struct dmb_vram *vm, struct vram_backing *b,
			       uint64_t offset, uint64_t len)
{
	return dmb_phys_to_virt(vm->space, b->phys + offset, len);
}

/* A new backing of @size bytes in @where. Return: 0 or -ENOMEM. */
static int vram_backing_alloc(struct dmb_vram *vm, enum dmb_vram_placement where,
			      uint64_t size, struct vram_backing **out)
{
	struct vram_backing *b = calloc(1, sizeof(*b));
	int ret;

	if (!b)
		return -ENOMEM;
	b->region = vm->region[where];
	b->placement = where;
	b->size = size;
	b->refs = 1;
	ret = dmb_mem_alloc(b->region, size, &b->phys);
	if (ret) {
		free(b);
		return ret;
	}
	*out = b;
	return 0;
}

/* Take @b's pages back from every other process that maps them. */
static void vram_backing_take_back(struct vram_backing *b)
{
	if (b->shared)
		dmb_mem_unshare(b->region, b->phys, b->size);
	b->shared = false;
}

static void vram_backing_put(struct vram_backing *b)
{
	if (--b->refs)
		return;
	vram_backing_take_back(b);
	dmb_mem_free(b->region, b->phys, b->size);
	free(b);
}

/*
 * Can @attach's device reach VRAM? Its own memory always; another device's
 * only if the importer allows peer-to-peer and the device can do it.
 */
static bool vram_attach_p2p(struct vram_bo *bo, struct dma_buf_attachment *attach)
{
	struct dmb_hw_device *hw;

	/* Another process maps it with the CPU, which reaches VRAM. */
	if (exp_cpu_client(attach))
		return true;
	hw = dmb_hw_device_from_dev(dma_buf_attachment_dev(attach));
	if (hw == bo->vm->gpu)
		return true;
	return hw && dma_buf_attachment_peer2peer(attach) && dmb_hw_device_p2p(hw);
}

/* The clock the GPU's work runs on: the fence waits' clock. */
static struct dmb_clock *vram_clock(struct dmb_vram *vm)
{
	return dmb_phys_space_clock(dmb_hw_device_space(vm->gpu));
}

/*
 * Move @bo to @where (not where it is): invalidate, wait for every fence,
 * copy, switch. The old backing goes when its last mapping does.
 * Context: resv lock held. Return: 0; -EBUSY if pinned; -ENOSPC for a full
 * VRAM, -ENOMEM for full system memory.
 */
static int vram_move_locked(struct vram_bo *bo, enum dmb_vram_placement where,
			    struct dmb_revoke_stats *stats)
{
	struct dmb_vram *vm = bo->vm;
	struct dma_resv *resv = dma_buf_resv(bo->dmabuf);
	struct vram_backing *old = bo->backing, *new;
	int64_t t0, t1, t2;
	int ret;

	dma_resv_assert_held(resv);
	if (bo->pin_count)
		return -EBUSY;
	/* Allocate first: a move that cannot happen disturbs nobody. */
	ret = vram_backing_alloc(vm, where, bo->size, &new);
	if (ret)
		return where == DMB_VRAM_IN_VRAM ? -ENOSPC : ret;

	*stats = (struct dmb_revoke_stats){ 0 };
	t0 = dmb_check_now();
	dma_buf_invalidate_mappings(bo->dmabuf);
	t1 = dmb_check_now();
	dmb_resv_wait_until(resv, DMA_RESV_USAGE_BOOKKEEP, vram_clock(vm),
			    MAX_SCHEDULE_TIMEOUT);
	t2 = dmb_check_now();
	/*
	 * Other processes lose the old pages now, not at the last unmap, and
	 * before the copy: it must not read a generation they can shrink.
	 */
	vram_backing_take_back(old);
	memcpy(vram_backing_virt(vm, new, 0, bo->size),
	       vram_backing_virt(vm, old, 0, bo->size), bo->size);
	bo->backing = new;
	vram_backing_put(old);
	atomic_store(&bo->placement, where);
	atomic_fetch_add(&bo->moves, 1);
	stats->invalidate_ns = t1 - t0;
	stats->fence_wait_ns = t2 - t1;
	stats->total_ns = dmb_check_now() - t0;
	return 0;
}

static void vram_report_move(struct vram_bo *bo, const struct dmb_revoke_stats *stats)
{
	const struct dmb_exporter_observer *obs = &bo->vm->observer;

	if (obs->moved)
		obs->moved(obs->data, bo->dmabuf,
			   placement_name[atomic_load(&bo->placement)], stats);
}

/*
 * From an op (resv held): move to system memory for an attachment that
 * cannot reach VRAM. The observer hears it under the resv lock.
 */
static int vram_move_to_system_locked(struct vram_bo *bo)
{
	struct dmb_revoke_stats stats;
	int ret;

	dma_resv_assert_held(dma_buf_resv(bo->dmabuf));
	ret = vram_move_locked(bo, DMB_VRAM_IN_SYSTEM, &stats);
	if (!ret)
		vram_report_move(bo, &stats);
	return ret;
}

/* dma_buf_ops. */

static int vram_attach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct vram_bo *bo = dma_buf_priv(dmabuf);

	/*
	 * The attach op runs without the resv lock (as in the kernel), so the
	 * count is atomic; pin reads it under the lock. An attachment counted
	 * before it is listed only sends a pin to system memory a little
	 * early, which is the safe side.
	 */
	if (!vram_attach_p2p(bo, attach))
		atomic_fetch_add(&bo->non_p2p, 1);
	return 0;
}

/* Runs without the resv lock, after the attachment left the list. */
static void vram_detach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct vram_bo *bo = dma_buf_priv(dmabuf);

	if (!vram_attach_p2p(bo, attach))
		atomic_fetch_sub(&bo->non_p2p, 1);
}

static int vram_pin(struct dma_buf_attachment *attach)
{
	struct vram_bo *bo = dma_buf_priv(dma_buf_attachment_dmabuf(attach));
	int ret;

	/* VRAM only if every attachment can reach it (R15). */
	if (atomic_load(&bo->non_p2p) && bo->backing->placement == DMB_VRAM_IN_VRAM) {
		ret = vram_move_to_system_locked(bo);	/* -EBUSY if pinned */
		if (ret)
			return ret;
	}
	bo->pin_count++;
	return 0;
}

static void vram_unpin(struct dma_buf_attachment *attach)
{
	struct vram_bo *bo = dma_buf_priv(dma_buf_attachment_dmabuf(attach));

	bo->pin_count--;
}

/*
 * -EIO once a process given a writable descriptor shrank the current
 * backing's generation (its views are guarded: accesses read zeros);
 * reported once, naming the writers. Resv held.
 */
static int vram_damaged(struct vram_bo *bo)
{
	struct vram_backing *b = bo->backing;

	return b->shared ? dmb_mem_share_check(b->region, b->phys, b->size) : 0;
}

static int vram_map(struct dma_buf_attachment *attach,
		    enum dma_data_direction dir, struct sg_table **sgtp)
{
	struct vram_bo *bo = dma_buf_priv(dma_buf_attachment_dmabuf(attach));
	struct vram_mapping *m;
	int ret;

	if (bo->backing->placement == DMB_VRAM_IN_VRAM &&
	    !vram_attach_p2p(bo, attach)) {
		/* The device cannot reach VRAM: serve it from system memory. */
		if (bo->pin_count)
			return -EREMOTEIO;
		ret = vram_move_to_system_locked(bo);
		if (ret)
			return ret;
	}
	/* After a move, which took a shrunk range back: the new one is whole. */
	ret = vram_damaged(bo);
	if (ret)
		return ret;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	ret = exp_map_range(attach, &m->sgt, bo->backing->phys, bo->size, dir);
	if (ret)
		goto err_free;
	m->backing = bo->backing;
	m->backing->refs++;
	*sgtp = &m->sgt;
	return 0;

err_free:
	free(m);
	return ret;
}

static void vram_unmap(struct dma_buf_attachment *attach, struct sg_table *sgt,
		       enum dma_data_direction dir)
{
	struct vram_mapping *m = dmb_container_of(sgt, struct vram_mapping, sgt);

	exp_unmap_range(attach, sgt, dir);
	/* The last mapping into a backing left behind by a move frees it. */
	vram_backing_put(m->backing);
	free(m);
}

/* Another process maps the current backing: its generation. */
static int vram_mmap(struct dma_buf *dmabuf)
{
	struct vram_bo *bo = dma_buf_priv(dmabuf);
	struct vram_backing *b = bo->backing;
	int fd;

	fd = vram_damaged(bo);
	if (!fd)
		fd = dmb_mem_share(b->region, b->phys, b->size);
	if (fd >= 0)
		b->shared = true;
	return fd;
}

/* A process given a writable descriptor of the backing (resv held). */
static void vram_note_writer(struct dma_buf *dmabuf, const char *peer)
{
	struct vram_backing *b = ((struct vram_bo *)dma_buf_priv(dmabuf))->backing;

	dmb_mem_share_note_writer(b->region, b->phys, b->size, peer);
}

static void vram_release(struct dma_buf *dmabuf)
{
	struct vram_bo *bo = dma_buf_priv(dmabuf);

	/* No attachment is left, so no mapping: only the current backing. */
	vram_backing_put(bo->backing);
	atomic_fetch_sub(&bo->vm->buffers, 1);
	free(bo);
}

static const struct dma_buf_ops vram_dmabuf_ops = {
	.attach = vram_attach,
	.detach = vram_detach,
	.pin = vram_pin,
	.unpin = vram_unpin,
	.map_dma_buf = vram_map,
	.unmap_dma_buf = vram_unmap,
	.release = vram_release,
	.mmap = vram_mmap,
	.note_writer = vram_note_writer,
};

/* The public API. */

/*
 * A WARN and true if @vm is NULL or not a live manager: destroyed already
 * (its memory is freed, so it is looked up, not read) or never created.
 */
static bool vram_refuse(struct dmb_vram *vm, const char *call)
{
	return DMB_WARN(!vm, "%s(NULL)", call) || dmb_live_refuse(&vm->live, call);
}

struct dmb_vram *dmb_vram_create(struct dmb_hw_device *gpu,
				 struct dmb_mem_region *vram,
				 struct dmb_mem_region *system,
				 const struct dmb_exporter_observer *observer)
{
	struct dmb_vram *vm;

	if (DMB_WARN(!gpu || !vram || !system, "dmb_vram_create(%p, %p, %p)",
		     (void *)gpu, (void *)vram, (void *)system) ||
	    DMB_WARN(dmb_mem_region_owner(vram) != gpu,
		     "dmb_vram_create: region %s is not %s's local memory",
		     dmb_mem_region_name(vram), dmb_hw_device_name(gpu)) ||
	    DMB_WARN(dmb_mem_region_owner(system),
		     "dmb_vram_create: region %s is not system memory",
		     dmb_mem_region_name(system))) {
		errno = EINVAL;
		return NULL;
	}
	vm = calloc(1, sizeof(*vm));
	if (!vm) {
		errno = ENOMEM;
		return NULL;
	}
	vm->gpu = gpu;
	vm->region[DMB_VRAM_IN_VRAM] = vram;
	vm->region[DMB_VRAM_IN_SYSTEM] = system;
	vm->space = dmb_hw_device_space(gpu);
	if (observer)
		vm->observer = *observer;
	atomic_init(&vm->buffers, 0);
	dmb_live_add(&vm->live);
	return vm;
}

int dmb_vram_destroy(struct dmb_vram *vm)
{
	unsigned int left;

	if (vram_refuse(vm, __func__))
		return -EINVAL;
	left = atomic_load(&vm->buffers);
	if (DMB_WARN(left, "dmb_vram_destroy with %u buffer(s) not released", left))
		return -EBUSY;
	dmb_live_del(&vm->live);
	free(vm);
	return 0;
}

struct dma_buf *dmb_vram_export(struct dmb_vram *vm, uint64_t size,
				const char *name)
{
	struct dma_buf_export_info exp = {
		.exp_name = vram_exp_name,
		.ops = &vram_dmabuf_ops,
		.size = size,
	};
	enum dmb_vram_placement where = DMB_VRAM_IN_VRAM;
	struct vram_backing *b;
	struct vram_bo *bo;
	struct dma_buf *buf;
	int err;

	if (DMB_WARN(!vm, "dmb_vram_export without a manager") ||
	    vram_refuse(vm, __func__)) {
		errno = EINVAL;
		return NULL;
	}
	if (!size || size > SIZE_MAX - DMB_PAGE_SIZE) {
		errno = EINVAL;
		return NULL;
	}
	bo = calloc(1, sizeof(*bo));
	if (!bo) {
		errno = ENOMEM;
		return NULL;
	}
	bo->vm = vm;
	bo->size = DMB_PAGE_ALIGN(size);
	/* VRAM first; spill to system memory when it is full. */
	err = -vram_backing_alloc(vm, where, bo->size, &b);
	if (err == ENOMEM) {
		where = DMB_VRAM_IN_SYSTEM;
		err = -vram_backing_alloc(vm, where, bo->size, &b);
	}
	if (err)
		goto err_free;
	memset(vram_backing_virt(vm, b, 0, bo->size), 0, bo->size);
	bo->backing = b;
	atomic_init(&bo->placement, where);
	atomic_init(&bo->moves, 0);

	exp.priv = bo;
	buf = dma_buf_export(&exp);
	if (!buf) {
		err = errno;
		goto err_backing;
	}
	bo->dmabuf = buf;
	atomic_fetch_add(&vm->buffers, 1);
	if (name) {
		err = -dma_buf_set_name(buf, name);
		if (err) {
			dma_buf_put(buf);	/* the release op frees the rest */
			errno = err;
			return NULL;
		}
	}
	return buf;

err_backing:
	vram_backing_put(b);
err_free:
	free(bo);
	errno = err;
	return NULL;
}

/* @buf's buffer object if it is a vram buffer, else a WARN and NULL. */
static struct vram_bo *vram_bo_of(struct dma_buf *buf, const char *call)
{
	if (DMB_WARN(!buf, "%s(NULL)", call) ||
	    DMB_WARN(!vram_is_mine(buf), "%s: buffer %s is not a vram buffer",
		     call, dma_buf_name(buf)))
		return NULL;
	return dma_buf_priv(buf);
}

/* evict and migrate: a move to @where, if the buffer is not there yet. */
static int vram_move(struct dma_buf *buf, enum dmb_vram_placement where,
		     const char *call)
{
	struct vram_bo *bo = vram_bo_of(buf, call);
	struct dmb_revoke_stats stats;
	bool moved = false;
	int ret = 0;

	if (!bo)
		return -EINVAL;
	dma_resv_lock(dma_buf_resv(buf), NULL);
	if (bo->backing->placement != where) {
		ret = vram_move_locked(bo, where, &stats);
		moved = !ret;
	}
	dma_resv_unlock(dma_buf_resv(buf));
	if (moved)
		vram_report_move(bo, &stats);
	return ret;
}

int dmb_vram_evict(struct dma_buf *buf)
{
	return vram_move(buf, DMB_VRAM_IN_SYSTEM, __func__);
}

int dmb_vram_migrate(struct dma_buf *buf)
{
	return vram_move(buf, DMB_VRAM_IN_VRAM, __func__);
}

enum dmb_vram_placement dmb_vram_placement(struct dma_buf *buf)
{
	struct vram_bo *bo = vram_bo_of(buf, __func__);

	return bo ? (enum dmb_vram_placement)atomic_load(&bo->placement)
		  : DMB_VRAM_IN_SYSTEM;
}

unsigned int dmb_vram_moves(struct dma_buf *buf)
{
	struct vram_bo *bo = vram_bo_of(buf, __func__);

	return bo ? atomic_load(&bo->moves) : 0;
}

int dmb_vram_cpu_access(struct dma_buf *buf, uint64_t offset, void *data,
			uint64_t len, bool write)
{
	struct vram_bo *bo = vram_bo_of(buf, __func__);
	struct dma_resv *resv;
	void *va;
	int ret;

	if (!bo || DMB_WARN(!data, "dmb_vram_cpu_access without a host buffer"))
		return -EINVAL;
	if (!len || offset > dma_buf_size(buf) || len > dma_buf_size(buf) - offset)
		return -EINVAL;
	resv = dma_buf_resv(buf);
	/*
	 * Held from the fence wait to the end of the copy: the backing cannot
	 * move, and no fence can be added, under the CPU's access.
	 */
	dma_resv_lock(resv, NULL);
	dmb_resv_wait_until(resv, dma_resv_usage_rw(write), vram_clock(bo->vm),
			    MAX_SCHEDULE_TIMEOUT);
	/* Known shrunk: the views are not touched (no fault to survive). */
	ret = vram_damaged(bo);
	if (ret)
		goto out_unlock;
	va = vram_backing_virt(bo->vm, bo->backing, offset, len);
	if (write)
		memcpy(va, data, len);
	else
		memcpy(data, va, len);
	/* And after: a shrink during the copy faulted into the guard (zeros). */
	ret = vram_damaged(bo);
out_unlock:
	dma_resv_unlock(resv);
	return ret;
}
