// SPDX-License-Identifier: MIT
/*
 * vfio-pci.c - the VFIO-style exporter: dma-bufs over ranges of a simulated
 * PCI function's BARs, revoked while the function is isolated (R12).
 *
 * Contract (include/dmabuf/drivers/vfio-pci.h has the per-call detail):
 *  - every buffer has a revoke helper (dma-buf-revoke.h); the attach op
 *    refuses importers that are not peer-to-peer capable or not revocable
 *    (-EOPNOTSUPP, R10) and everything while revoked (-ENODEV; checked
 *    again, under the resv lock, by the map op, since attach runs without
 *    it); there is no
 *    pin op, so dma_buf_pin() succeeds and changes nothing;
 *  - a PCI notifier follows the function: a change that isolates it is heard
 *    before it takes effect and revokes every buffer (the helper's full
 *    sequence, so when the BARs go dark nobody touches them any more); the
 *    end of the condition unrevokes them; close revokes for good;
 *  - a buffer exported while the function is isolated, or about to be, is
 *    born revoked;
 *  - under DMB_VFIO_POLICY_POWER_REF every live mapping holds a power
 *    reference, and low-power entry is refused while one exists;
 *  - a buffer is shareable with other processes (the mmap op): its BAR
 *    range becomes a generation of its own (dmb_mem_share()), which every
 *    revoke takes back once the helper's sequence is done
 *    (dmb_mem_unshare()), so when a reset, decode-off, D3 or close has
 *    revoked it no process reaches the BAR's bytes; after the unrevoke a
 *    share is a new generation. Such a process attaches as a CPU client
 *    (exporter-private.h): it needs no peer-to-peer, only revocability.
 *    A process given a writable descriptor can shrink the generation
 *    early: the range's views are guarded (mem-region.c), so from then on
 *    CPU access (begin/end_cpu_access), map and mmap fail with -EIO until
 *    the next revoke takes the range back.
 *
 * Lifetime: the exporter is reference-counted — the open handle holds one
 * reference and every buffer one more — so a buffer that outlives
 * dmb_vfio_pci_release() can still take the list lock in its release op.
 * Nothing else of the exporter is used once it is released: the buffers
 * are revoked for good, so map, attach and the phys call refuse before
 * touching the function.
 *
 * Locking:
 *  - vdev->lock (a mutex) protects the buffer list, walk_seq, isolated,
 *    closed, and each buffer's walk field. It is never held across a revoke
 *    of a buffer someone else can see, nor across an observer call: a walk
 *    takes a reference on a buffer (skipping one whose release has begun),
 *    drops the lock, revokes, reports, drops the reference, and takes the
 *    lock again. The release op takes its buffer off the list under the
 *    lock, so a walk never touches a freed buffer, and it never waits for a
 *    walk (a last put made under the buffer's resv lock would otherwise
 *    deadlock with a walk's revoke, which needs that lock).
 *    Order: the PCI function's transition mutex (held around the notifier),
 *    then vdev->lock, then the helper's locks (a born-revoked buffer is
 *    revoked under vdev->lock: nobody else can see it yet).
 *  - Walks are serialised by the transition mutex; dmb_vfio_pci_release()
 *    walks after unsubscribing, when no notifier call can run.
 *  - pm_lock serialises low-power entry; power_refs and pm_gate are atomics
 *    touched by the map and unmap ops (which run under a resv lock), so
 *    pm_lock is never taken under a resv lock.
 *  - The ops run under the buffer's resv lock (the core's convention) and
 *    touch only the buffer's own fields and the atomics.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include <dmabuf/diag.h>
#include <dmabuf/kref.h>
#include <dmabuf/list.h>
#include <dmabuf/drivers/vfio-pci.h>
#include <dmabuf/hw/dma-mapping.h>
#include <dmabuf/hw/live.h>

#include "exporter-private.h"

/* The exporter's name; its address tells this exporter's buffers apart. */
static const char vfio_pci_exp_name[] = "vfio-pci";

struct dmb_vfio_pci {
	struct dmb_live live;			/* from open to release */
	struct dmb_pci_notifier nb;
	struct dmb_pci_function *pci;
	enum dmb_vfio_policy policy;
	struct dmb_revoke_policy revoke;
	bool has_revoke_policy;
	struct dmb_exporter_observer observer;
	struct dmb_kref ref;

	pthread_mutex_t lock;
	struct dmb_list_head bufs;		/* lock */
	unsigned long walk_seq;			/* lock */
	bool isolated;				/* lock: revoked by a walk */
	bool closed;				/* lock: revoked for good */

	pthread_mutex_t pm_lock;
	atomic_uint power_refs;
	atomic_bool pm_gate;			/* low-power entry in progress */
};

struct vfio_buf {
	struct dmb_vfio_pci *vdev;
	struct dma_buf *dmabuf;
	struct dmb_revocable *rev;
	struct dmb_mem_region *region;		/* const: the BAR */
	uint64_t phys;
	uint64_t size;
	atomic_bool shared;			/* a generation was handed out */
	struct dmb_list_head node;		/* vdev->lock */
	unsigned long walk;			/* vdev->lock: last walk that saw it */
};

enum vfio_walk {
	VFIO_WALK_REVOKE,	/* the function is about to be isolated */
	VFIO_WALK_UNREVOKE,	/* it is reachable again */
	VFIO_WALK_CLOSE,	/* revoke for good */
};

static bool vfio_is_mine(struct dma_buf *buf)
{
	return dma_buf_exporter_name(buf) == vfio_pci_exp_name;
}

/*
 * A WARN and true if @vdev is NULL or not an open exporter: released
 * already (its memory may be freed, so it is looked up, not read) or never
 * opened. Every entry point that takes the handle asks first.
 */
static bool vfio_refuse(struct dmb_vfio_pci *vdev, const char *call)
{
	return DMB_WARN(!vdev, "%s(NULL)", call) || dmb_live_refuse(&vdev->live, call);
}

static void vfio_free(struct dmb_kref *ref)
{
	struct dmb_vfio_pci *vdev = dmb_container_of(ref, struct dmb_vfio_pci, ref);

	pthread_mutex_destroy(&vdev->pm_lock);
	pthread_mutex_destroy(&vdev->lock);
	free(vdev);
}

/* Power references (POWER_REF policy only). */

/*
 * Take a power reference for a new mapping, unless low-power entry is in
 * progress. The increment and the gate check pair with the gate store and
 * the count check of dmb_vfio_pci_low_power() (both sequentially
 * consistent): either the map sees the gate, or low power sees the count.
 */
static int vfio_power_get(struct dmb_vfio_pci *vdev)
{
	if (vdev->policy != DMB_VFIO_POLICY_POWER_REF)
		return 0;
	atomic_fetch_add(&vdev->power_refs, 1);
	if (atomic_load(&vdev->pm_gate)) {
		atomic_fetch_sub(&vdev->power_refs, 1);
		return -ENODEV;
	}
	return 0;
}

static void vfio_power_put(struct dmb_vfio_pci *vdev)
{
	if (vdev->policy == DMB_VFIO_POLICY_POWER_REF)
		atomic_fetch_sub(&vdev->power_refs, 1);
}

/* dma_buf_ops. */

static int vfio_attach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct vfio_buf *vb = dma_buf_priv(dmabuf);

	unsigned int flags = DMB_REVOCABLE_REQUIRE_REVOCABLE;

	/* A CPU client maps the BAR as a program mmap()s it: no P2P. */
	if (!exp_cpu_client(attach))
		flags |= DMB_REVOCABLE_REQUIRE_P2P;
	/*
	 * Peer to peer, then revoked, then revocable: the kernel's order.
	 * Without the resv lock, so "revoked" may change right after; the
	 * map op's dmb_revocable_map() checks again under the lock.
	 */
	return dmb_revocable_attach(vb->rev, attach, flags);
}

/* -EIO once another process shrank the shared range (reported once). */
static int vfio_damaged(struct vfio_buf *vb)
{
	if (!atomic_load(&vb->shared))
		return 0;
	return dmb_mem_share_check(vb->region, vb->phys, vb->size);
}

static int vfio_map(struct dma_buf_attachment *attach,
		    enum dma_data_direction dir, struct sg_table **sgtp)
{
	struct vfio_buf *vb = dma_buf_priv(dma_buf_attachment_dmabuf(attach));
	struct sg_table *sgt;
	int ret;

	ret = dmb_revocable_map(vb->rev);
	if (ret)
		return ret;
	ret = vfio_damaged(vb);
	if (ret)
		goto err_uncount;
	ret = vfio_power_get(vb->vdev);
	if (ret)
		goto err_uncount;
	sgt = calloc(1, sizeof(*sgt));
	if (!sgt) {
		ret = -ENOMEM;
		goto err_power;
	}
	/* The importer's device gets addresses for the BAR range. */
	ret = exp_map_range(attach, sgt, vb->phys, vb->size, dir);
	if (ret)
		goto err_free;
	*sgtp = sgt;
	return 0;

err_free:
	free(sgt);
err_power:
	vfio_power_put(vb->vdev);
err_uncount:
	dmb_revocable_unmap(vb->rev);
	return ret;
}

static void vfio_unmap(struct dma_buf_attachment *attach, struct sg_table *sgt,
		       enum dma_data_direction dir)
{
	struct vfio_buf *vb = dma_buf_priv(dma_buf_attachment_dmabuf(attach));

	exp_unmap_range(attach, sgt, dir);
	free(sgt);
	vfio_power_put(vb->vdev);
	/* Last: this may complete a revoke that waits for the unmap. */
	dmb_revocable_unmap(vb->rev);
}

/* Another process maps the BAR range: its generation. */
static int vfio_mmap(struct dma_buf *dmabuf)
{
	struct vfio_buf *vb = dma_buf_priv(dmabuf);
	int fd;

	/* Under the resv lock: a revoke cannot begin before we return. */
	if (dmb_revocable_is_revoked(vb->rev))
		return -ENODEV;
	fd = vfio_damaged(vb);
	if (fd)
		return fd;
	fd = dmb_mem_share(vb->region, vb->phys, vb->size);
	if (fd >= 0)
		atomic_store(&vb->shared, true);
	return fd;
}

/*
 * Take the range back from every other process: after a revoke (nobody is
 * handed a new descriptor until the unrevoke) or at release.
 */
static void vfio_take_back(struct vfio_buf *vb)
{
	if (atomic_exchange(&vb->shared, false))
		dmb_mem_unshare(vb->region, vb->phys, vb->size);
}

/* A process given a writable descriptor of the range (resv held). */
static void vfio_note_writer(struct dma_buf *dmabuf, const char *peer)
{
	struct vfio_buf *vb = dma_buf_priv(dmabuf);

	dmb_mem_share_note_writer(vb->region, vb->phys, vb->size, peer);
}

/*
 * The exporter's CPU access to the BAR range: where it learns that a peer
 * shrank the shared memory (accesses in between read zeros).
 */
static int vfio_cpu_access(struct dma_buf *dmabuf, enum dma_data_direction dir)
{
	(void)dir;
	return vfio_damaged(dma_buf_priv(dmabuf));
}

static void vfio_release(struct dma_buf *dmabuf)
{
	struct vfio_buf *vb = dma_buf_priv(dmabuf);
	struct dmb_vfio_pci *vdev = vb->vdev;

	vfio_take_back(vb);
	if (vdev) {
		/* No walk holds it (a walk holds a reference): just unlist it. */
		pthread_mutex_lock(&vdev->lock);
		dmb_list_del(&vb->node);
		pthread_mutex_unlock(&vdev->lock);
		dmb_kref_put(&vdev->ref, vfio_free);
	}
	dmb_revocable_destroy(vb->rev);
	free(vb);
}

static const struct dma_buf_ops vfio_pci_dmabuf_ops = {
	.attach = vfio_attach,
	.map_dma_buf = vfio_map,
	.unmap_dma_buf = vfio_unmap,
	.release = vfio_release,
	.mmap = vfio_mmap,
	.begin_cpu_access = vfio_cpu_access,
	.end_cpu_access = vfio_cpu_access,
	.note_writer = vfio_note_writer,
};

/* Following the function. */

/* The condition an event starts or ends, as the observer is told it. */
static const char *vfio_reason(const struct dmb_pci_event *ev)
{
	switch (ev->reason) {
	case DMB_PCI_EVENT_POWER:
		return "d3";
	case DMB_PCI_EVENT_DECODE:
		return "decode-off";
	case DMB_PCI_EVENT_FLR_BEGIN:
	case DMB_PCI_EVENT_FLR_END:
		return "flr";
	case DMB_PCI_EVENT_CLOSE:
		return "close";
	}
	return "pci";
}

/*
 * The next buffer this walk has not seen, with a reference, or NULL. A
 * buffer whose release has begun is passed over (its release op takes it
 * off the list). A buffer exported during the walk is seen too unless it was
 * born in the state the walk establishes (export stamps it with the current
 * walk). Locked.
 * Quadratic in the buffers of one function, which are a handful.
 */
static struct vfio_buf *vfio_walk_next(struct dmb_vfio_pci *vdev,
				       unsigned long seq)
{
	struct vfio_buf *vb;

	dmb_list_for_each_entry(vb, &vdev->bufs, node) {
		if (vb->walk == seq)
			continue;
		vb->walk = seq;
		if (!dmb_dma_buf_get_unless_zero(vb->dmabuf))
			continue;
		return vb;
	}
	return NULL;
}

/* Revoke or unrevoke one buffer and tell the observer. Unlocked. */
static void vfio_walk_one(struct dmb_vfio_pci *vdev, struct vfio_buf *vb,
			  enum vfio_walk what, const char *reason)
{
	const struct dmb_exporter_observer *obs = &vdev->observer;
	struct dmb_revoke_stats stats;

	if (what == VFIO_WALK_UNREVOKE) {
		/* Born revoked or revoked by the walk that began the condition. */
		if (!dmb_revocable_is_revoked(vb->rev))
			return;
		dmb_revocable_unrevoke(vb->rev);
		if (obs->unrevoked)
			obs->unrevoked(obs->data, vb->dmabuf, reason);
		return;
	}
	/*
	 * Already revoked (a close during a reset): the helper neither drops
	 * the count again nor waits; the observer sees stats.already_revoked.
	 */
	dmb_revocable_revoke(vb->rev, &stats);
	/* Nobody maps it any more: the other processes' pages go too. */
	vfio_take_back(vb);
	dmb_revocable_taken_back(vb->rev);
	if (obs->revoked)
		obs->revoked(obs->data, vb->dmabuf, reason, &stats);
}

/*
 * Bring every buffer into the state @what establishes. The exporter's flags
 * change first, under the lock, so that a buffer exported from now on is
 * born in that state; then each buffer is handled with the lock dropped.
 */
static void vfio_walk(struct dmb_vfio_pci *vdev, enum vfio_walk what,
		      const char *reason)
{
	struct vfio_buf *vb;
	unsigned long seq;

	pthread_mutex_lock(&vdev->lock);
	if (vdev->closed)
		goto out_unlock;	/* revoked for good already */
	vdev->isolated = what != VFIO_WALK_UNREVOKE;
	vdev->closed = what == VFIO_WALK_CLOSE;
	seq = ++vdev->walk_seq;
	while ((vb = vfio_walk_next(vdev, seq))) {
		pthread_mutex_unlock(&vdev->lock);
		vfio_walk_one(vdev, vb, what, reason);
		/* Maybe the last reference: the release op takes the lock. */
		dma_buf_put(vb->dmabuf);
		pthread_mutex_lock(&vdev->lock);
	}
out_unlock:
	pthread_mutex_unlock(&vdev->lock);
}

static void vfio_notify(struct dmb_pci_notifier *nb, struct dmb_pci_function *pci,
			const struct dmb_pci_event *ev)
{
	struct dmb_vfio_pci *vdev = dmb_container_of(nb, struct dmb_vfio_pci, nb);

	if (ev->new_state.closed)		/* before, or after an earlier isolation */
		vfio_walk(vdev, VFIO_WALK_CLOSE, vfio_reason(ev));
	else if (ev->before)			/* accessible -> isolated */
		vfio_walk(vdev, VFIO_WALK_REVOKE, vfio_reason(ev));
	else if (dmb_pci_state_isolated(&ev->old_state) &&
		 !dmb_pci_state_isolated(&ev->new_state))
		vfio_walk(vdev, VFIO_WALK_UNREVOKE, vfio_reason(ev));
	/* Any other change leaves the function isolated: nothing to do. */
}

/* The public API. */

static bool revoke_policy_valid(const struct dmb_revoke_policy *p)
{
	return (unsigned int)p->wait <= DMB_REVOKE_DEADLINE_FORCE &&
	       p->unmap_bound_ns >= 0 && p->fence_bound_ns >= 0;
}

struct dmb_vfio_pci *dmb_vfio_pci_open(struct dmb_pci_function *pci,
				       const struct dmb_vfio_pci_info *info)
{
	static const struct dmb_vfio_pci_info defaults = {
		.policy = DMB_VFIO_POLICY_REVOKE,
	};
	struct dmb_vfio_pci *vdev;
	struct dmb_pci_state state;
	int err;

	if (!info)
		info = &defaults;
	if (DMB_WARN(!pci, "dmb_vfio_pci_open without a PCI function") ||
	    DMB_WARN(info->policy != DMB_VFIO_POLICY_REVOKE &&
		     info->policy != DMB_VFIO_POLICY_POWER_REF,
		     "dmb_vfio_pci_open: no low-power policy %d", info->policy) ||
	    DMB_WARN(info->revoke && !revoke_policy_valid(info->revoke),
		     "dmb_vfio_pci_open: invalid revoke policy")) {
		errno = EINVAL;
		return NULL;
	}
	vdev = calloc(1, sizeof(*vdev));
	if (!vdev) {
		errno = ENOMEM;
		return NULL;
	}
	vdev->pci = pci;
	vdev->policy = info->policy;
	vdev->has_revoke_policy = info->revoke;
	if (info->revoke)
		vdev->revoke = *info->revoke;
	if (info->observer)
		vdev->observer = *info->observer;
	dmb_kref_init(&vdev->ref);
	dmb_list_init(&vdev->bufs);
	atomic_init(&vdev->power_refs, 0);
	atomic_init(&vdev->pm_gate, false);
	err = pthread_mutex_init(&vdev->lock, NULL);
	if (err)
		goto err_free;
	err = pthread_mutex_init(&vdev->pm_lock, NULL);
	if (err)
		goto err_lock;
	vdev->nb.notify = vfio_notify;
	err = -dmb_pci_subscribe(pci, &vdev->nb);
	if (err)
		goto err_pm_lock;
	/* Checked once subscribed, so that a close cannot slip in between. */
	dmb_pci_get_state(pci, &state);
	if (state.closed) {
		err = ENODEV;
		goto err_unsubscribe;
	}
	dmb_live_add(&vdev->live);
	return vdev;

err_unsubscribe:
	dmb_pci_unsubscribe(pci, &vdev->nb);
err_pm_lock:
	pthread_mutex_destroy(&vdev->pm_lock);
err_lock:
	pthread_mutex_destroy(&vdev->lock);
err_free:
	free(vdev);
	errno = err;
	return NULL;
}

int dmb_vfio_pci_release(struct dmb_vfio_pci *vdev)
{
	if (vfio_refuse(vdev, __func__))
		return -EINVAL;
	/* The handle is dead from here on, though buffers may keep vdev. */
	dmb_live_del(&vdev->live);
	/* When this returns no notifier call runs, so the walk is alone. */
	dmb_pci_unsubscribe(vdev->pci, &vdev->nb);
	vfio_walk(vdev, VFIO_WALK_CLOSE, "release");
	dmb_kref_put(&vdev->ref, vfio_free);
	return 0;
}

struct dma_buf *dmb_vfio_pci_export(struct dmb_vfio_pci *vdev, unsigned int bar,
				    uint64_t offset, uint64_t size,
				    const char *name)
{
	struct dma_buf_export_info exp = {
		.exp_name = vfio_pci_exp_name,
		.ops = &vfio_pci_dmabuf_ops,
		.size = size,
	};
	struct dmb_mem_region *region;
	struct vfio_buf *vb;
	struct dma_buf *buf;
	int err;

	if (DMB_WARN(!vdev, "dmb_vfio_pci_export without an exporter") ||
	    vfio_refuse(vdev, __func__)) {
		errno = EINVAL;
		return NULL;
	}
	region = dmb_pci_bar(vdev->pci, bar);
	/* A range outside the BAR would hand out memory that is not ours. */
	if (DMB_WARN(!region, "dmb_vfio_pci_export: no BAR %u", bar) ||
	    DMB_WARN(!size || offset > dmb_mem_region_size(region) ||
		     size > dmb_mem_region_size(region) - offset,
		     "dmb_vfio_pci_export: [%#llx, +%#llx) is not inside BAR %u",
		     (unsigned long long)offset, (unsigned long long)size, bar) ||
	    !DMB_PAGE_ALIGNED(offset) || !DMB_PAGE_ALIGNED(size)) {
		errno = EINVAL;
		return NULL;
	}

	vb = calloc(1, sizeof(*vb));
	if (!vb) {
		errno = ENOMEM;
		return NULL;
	}
	vb->region = region;
	vb->phys = dmb_mem_region_base(region) + offset;
	vb->size = size;
	atomic_init(&vb->shared, false);
	dmb_list_init(&vb->node);
	exp.priv = vb;
	buf = dma_buf_export(&exp);
	if (!buf) {
		err = errno;
		free(vb);
		errno = err;
		return NULL;
	}
	/* From here on the release op frees vb with the buffer. */
	vb->dmabuf = buf;
	vb->rev = dmb_revocable_create(buf, vdev->has_revoke_policy ?
				       &vdev->revoke : NULL);
	if (!vb->rev) {
		err = errno;
		goto err_put;
	}
	if (name) {
		err = -dma_buf_set_name(buf, name);
		if (err)
			goto err_put;
	}

	pthread_mutex_lock(&vdev->lock);
	if (vdev->closed) {
		err = ENODEV;
		goto err_unlock;
	}
	/*
	 * Isolated, or about to be (a walk set the flag before the state
	 * changes): born revoked. Nobody else can see the buffer, so the
	 * revoke is immediate.
	 */
	if (vdev->isolated || dmb_pci_is_isolated(vdev->pci))
		dmb_revocable_revoke(vb->rev, NULL);
	vb->vdev = vdev;
	vb->walk = vdev->walk_seq;
	dmb_kref_get(&vdev->ref);
	dmb_list_add_tail(&vb->node, &vdev->bufs);
	pthread_mutex_unlock(&vdev->lock);
	return buf;

err_unlock:
	pthread_mutex_unlock(&vdev->lock);
err_put:
	dma_buf_put(buf);
	errno = err;
	return NULL;
}

int dmb_vfio_pci_reset(struct dmb_vfio_pci *vdev)
{
	int ret;

	if (vfio_refuse(vdev, __func__))
		return -EINVAL;
	ret = dmb_pci_flr_begin(vdev->pci);
	if (ret)
		return ret;
	return dmb_pci_flr_end(vdev->pci);
}

int dmb_vfio_pci_low_power(struct dmb_vfio_pci *vdev, bool enter)
{
	int ret;

	if (vfio_refuse(vdev, __func__))
		return -EINVAL;
	if (!enter)
		return dmb_pci_set_power(vdev->pci, DMB_PCI_D0);
	if (vdev->policy == DMB_VFIO_POLICY_REVOKE)
		return dmb_pci_set_power(vdev->pci, DMB_PCI_D3HOT);

	/*
	 * POWER_REF: close the gate, then look at the count (see
	 * vfio_power_get()). With no mapping the D3hot notifier still revokes
	 * every buffer for the duration, but has nothing to wait for.
	 */
	pthread_mutex_lock(&vdev->pm_lock);
	atomic_store(&vdev->pm_gate, true);
	if (atomic_load(&vdev->power_refs))
		ret = -EBUSY;
	else
		ret = dmb_pci_set_power(vdev->pci, DMB_PCI_D3HOT);
	atomic_store(&vdev->pm_gate, false);
	pthread_mutex_unlock(&vdev->pm_lock);
	return ret;
}

unsigned int dmb_vfio_pci_power_refs(struct dmb_vfio_pci *vdev)
{
	if (vfio_refuse(vdev, __func__))
		return 0;
	return atomic_load(&vdev->power_refs);
}

struct dmb_pci_function *dmb_vfio_pci_function(struct dmb_vfio_pci *vdev)
{
	if (vfio_refuse(vdev, __func__))
		return NULL;
	return vdev->pci;
}

/* @buf's private data if it is a vfio-pci buffer, else a WARN and NULL. */
static struct vfio_buf *vfio_buf_of(struct dma_buf *buf, const char *call)
{
	if (DMB_WARN(!buf, "%s(NULL)", call) ||
	    DMB_WARN(!vfio_is_mine(buf), "%s: buffer %s is not a vfio-pci buffer",
		     call, dma_buf_name(buf)))
		return NULL;
	return dma_buf_priv(buf);
}

bool dmb_vfio_pci_revoked(struct dma_buf *buf)
{
	struct vfio_buf *vb = vfio_buf_of(buf, __func__);

	return vb && dmb_revocable_is_revoked(vb->rev);
}

int dmb_vfio_pci_dma_buf_phys(struct dma_buf_attachment *attach,
			      uint64_t *phys, uint64_t *size)
{
	struct vfio_buf *vb;
	struct dma_buf *buf;

	if (DMB_WARN(!attach || !phys || !size, "dmb_vfio_pci_dma_buf_phys(%p, %p, %p)",
		     (void *)attach, (void *)phys, (void *)size))
		return -EINVAL;
	buf = dma_buf_attachment_dmabuf(attach);
	/* Not a misuse: an importer asks whoever exported the buffer. */
	if (!vfio_is_mine(buf))
		return -EOPNOTSUPP;
	if (!dma_resv_held_or_report(dma_buf_resv(buf)))
		return -EINVAL;
	vb = dma_buf_priv(buf);
	/* Under the resv lock: a revoke cannot begin before the caller unlocks. */
	if (dmb_revocable_is_revoked(vb->rev))
		return -ENODEV;
	*phys = vb->phys;
	*size = vb->size;
	return 0;
}
