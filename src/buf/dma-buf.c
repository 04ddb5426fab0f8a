// SPDX-License-Identifier: MIT
/*
 * dma-buf.c - the dma-buf core: buffers, attachments, pinning, mapping and
 * invalidation, with the protocol checks only the core can make.
 *
 * Contract (include/dmabuf/dma-buf.h has the per-call detail):
 *  - every exporter op but attach, detach, release and the CPU-access pair
 *    runs with the buffer's resv lock held (attach and detach run without
 *    it, as in the kernel: the lock covers only the attachment list); a
 *    locked call made without the lock is reported (V1 for invalidate, V2
 *    for map/unmap, a WARN for the others) and refused, and an _unlocked
 *    call (or attach) made with the lock held is reported and refused too:
 *    one rule, so a protocol violation never turns into memory corruption
 *    nor into a lock taken behind the caller;
 *  - the core keeps every mapping it handed out (table, direction, whether
 *    it pinned, and a checker token) on its attachment, so an unmap of a
 *    table it does not know is caught before the exporter sees it (V8) and a
 *    detach with live mappings can clean them up (V9): one record inline in
 *    the attachment for the map's fast path (dma-buf-private.h), the others
 *    in an array;
 *  - every call out to exporter or importer code keeps the buffer alive: a
 *    callback that drops what was the last reference defers the release to
 *    the end of the core's call instead of freeing the buffer under it.
 *    Callouts made under the resv lock count their depth in a plain field
 *    (buf_callout_begin/end: the map and unmap fast paths make them), and
 *    a release due while the depth is not zero is deferred; the others
 *    take a reference (dma_buf_hold());
 *  - a buffer pointer is checked against the list of live buffers before a
 *    get or put touches it, so a put of a released buffer is reported (V9)
 *    instead of being a use-after-free. (An address reused by a newer buffer
 *    cannot be told apart.) In debug mode a released buffer or attachment
 *    is kept a while by the release quarantine (check.h): its other entry
 *    points test its state word and refuse a released one, naming who
 *    released it.
 *
 * Locking: the resv lock protects each buffer's attachment list and each
 * attachment's mapping and pin state. live_lock protects the list of live
 * buffers; it is never held while taking a resv lock, except by
 * dma_buf_debug_dump(), which only trylocks.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "dma-buf-private.h"
#include "../base/debug-private.h"
#include "../sync/ww_mutex-private.h"

static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * Where a released attachment's dmabuf points while the quarantine keeps it:
 * a buffer whose resv lock nobody ever holds. The locked map and unmap test
 * that lock before anything else, so they refuse a released attachment on
 * their cold path (buf_report_unlocked() names it), adding nothing to the
 * hot one; every other entry tests the attachment's state word.
 */
static struct dma_buf dma_buf_released = {
	.obj_state = DMB_OBJ_RELEASED,
	.exp_name = "(released)",
	.resv = &dma_buf_released.own_resv,
};

/* What the quarantine keeps readable of an attachment: state and dmabuf. */
#define ATTACH_KEEP	(offsetof(struct dma_buf_attachment, dmabuf) +	\
			 sizeof(struct dma_buf *) -			\
			 offsetof(struct dma_buf_attachment, obj_state))
static struct dmb_list_head live_bufs = DMB_LIST_HEAD_INIT(live_bufs);

/* Is @dmabuf a buffer that has not been released? Never dereferences it. */
static bool buf_is_live(const struct dma_buf *dmabuf)
{
	struct dma_buf *pos;
	bool live = false;

	pthread_mutex_lock(&live_lock);
	dmb_list_for_each_entry(pos, &live_bufs, node) {
		if (pos == dmabuf) {
			live = true;
			break;
		}
	}
	pthread_mutex_unlock(&live_lock);
	return live;
}

void dma_buf_subject(struct dma_buf *dmabuf, struct dmb_check_subject *who)
{
	who->buffer = dma_buf_name(dmabuf);
	who->exporter = dmabuf->exp_name;
	who->importer = NULL;
	who->device = NULL;
}

void dma_buf_attachment_subject(struct dma_buf_attachment *attach,
				struct dmb_check_subject *who)
{
	dma_buf_subject(attach->dmabuf, who);
	who->importer = dma_buf_attachment_importer_name(attach);
	who->device = dev_name(attach->dev);
}

/* Report a call refused for want of the resv lock (see below). */
static void __attribute__((noinline, cold))
buf_report_unlocked(struct dma_buf *dmabuf, struct dma_buf_attachment *attach,
		    enum dmb_violation kind, const char *call)
{
	struct dmb_check_subject who;

	if (attach && dmb_obj_released(&attach->obj_state)) {
		__dmb_quarantine_report_use(attach, call, 0);
		return;
	}
	if (attach)
		dma_buf_attachment_subject(attach, &who);
	else
		dma_buf_subject(dmabuf, &who);
	if (kind)
		dmb_check_report(kind, &who,
				 "%s called without the buffer's resv lock held: refused",
				 call);
	else
		DMB_WARN(true, "%s on buffer %s without the resv lock held: refused",
			 call, who.buffer);
}

/*
 * The one rule for a call that needs @dmabuf's resv lock (docs/locking.md):
 * made without it, the call is reported (@kind, or a plain WARN for kind 0)
 * and refused, without touching the buffer. Taking the lock on the caller's
 * behalf would hide the bug, and could take a resv lock outside the acquire
 * context the caller uses for the others it holds. The owner test is inline
 * (every map and unmap makes it) and exact in every mode.
 * Return: true if the calling thread holds the lock and the call may go on.
 */
static inline bool buf_held_or_refuse(struct dma_buf *dmabuf,
				      struct dma_buf_attachment *attach,
				      enum dmb_violation kind, const char *call)
{
	if (dmb_likely(__ww_mutex_held(&dmabuf->resv->lock)))
		return true;
	buf_report_unlocked(dmabuf, attach, kind, call);
	return false;
}

/*
 * dma_resv_assert_held() for the core's own helpers, with the owner test
 * inline: the map and unmap of debug mode make it on every call.
 */
#define buf_assert_held(dmabuf) do {					\
	if (__dmb_debug_on())					\
		DMB_WARN(!__ww_mutex_held(&(dmabuf)->resv->lock),	\
			 "lock %s is not held by the calling thread",	\
			 (dmabuf)->resv->lock.dep_map.name);		\
} while (0)

/*
 * The same rule for a call that must run without @dmabuf's resv lock (it
 * takes it, or runs exporter ops that must not hold it): made with it, the
 * call is reported and refused. Return: true if the call may go on.
 */
static bool buf_not_held_or_refuse(struct dma_buf *dmabuf, const char *call)
{
	return !DMB_WARN(dma_resv_held(dmabuf->resv),
			 "%s on buffer %s with its resv lock held: refused",
			 call, dma_buf_name(dmabuf));
}

int dma_buf_lock_self(struct dma_buf *dmabuf, const char *call)
{
	if (!buf_not_held_or_refuse(dmabuf, call))
		return -EINVAL;
	/* No context, not held: this cannot fail. */
	dma_resv_lock(dmabuf->resv, NULL);
	return 0;
}

/* Export and lifetime. */

static bool ops_valid(const struct dma_buf_ops *ops)
{
	if (DMB_WARN(!ops, "dma_buf_export without ops"))
		return false;
	if (DMB_WARN(!ops->map_dma_buf || !ops->unmap_dma_buf || !ops->release,
		     "dma_buf_ops lack map_dma_buf, unmap_dma_buf or release"))
		return false;
	if (DMB_WARN(!ops->pin != !ops->unpin,
		     "dma_buf_ops have pin without unpin or the reverse"))
		return false;
	if (DMB_WARN(!ops->vmap != !ops->vunmap,
		     "dma_buf_ops have vmap without vunmap or the reverse"))
		return false;
	return true;
}

struct dma_buf *dma_buf_export(const struct dma_buf_export_info *exp_info)
{
	struct dma_buf *dmabuf;

	if (DMB_WARN(!exp_info, "dma_buf_export without export info") ||
	    !ops_valid(exp_info->ops) ||
	    DMB_WARN(!exp_info->size, "dma_buf_export of size 0") ||
	    DMB_WARN(!exp_info->exp_name, "dma_buf_export without exp_name")) {
		errno = EINVAL;
		return NULL;
	}

	dmabuf = calloc(1, sizeof(*dmabuf));
	if (!dmabuf) {
		errno = ENOMEM;
		return NULL;
	}
	dmb_kref_init(&dmabuf->refcount);
	dmabuf->size = exp_info->size;
	dmabuf->ops = exp_info->ops;
	dmabuf->priv = exp_info->priv;
	dmabuf->exp_name = exp_info->exp_name;
	dmb_list_init(&dmabuf->attachments);
	atomic_init(&dmabuf->revoked, false);
	atomic_init(&dmabuf->name, NULL);
	pthread_mutex_init(&dmabuf->name_lock, NULL);
	if (exp_info->resv) {
		dmabuf->resv = exp_info->resv;
	} else {
		dma_resv_init(&dmabuf->own_resv);
		dmabuf->resv = &dmabuf->own_resv;
	}

	pthread_mutex_lock(&live_lock);
	dmb_list_add_tail(&dmabuf->node, &live_bufs);
	pthread_mutex_unlock(&live_lock);
	return dmabuf;
}

void get_dma_buf(struct dma_buf *dmabuf)
{
	if (DMB_WARN(!dmabuf, "get_dma_buf(NULL)"))
		return;
	if (!buf_is_live(dmabuf)) {
		if (__dmb_quarantine_holds(dmabuf))
			__dmb_quarantine_report_use(dmabuf, "get_dma_buf",
						    DMB_V9_BAD_DETACH_OR_PUT);
		else
			dmb_check_report(DMB_V9_BAD_DETACH_OR_PUT, NULL,
					 "get_dma_buf of buffer %p, which was already released",
					 (void *)dmabuf);
		return;
	}
	dmb_kref_get(&dmabuf->refcount);
}

bool dmb_dma_buf_get_unless_zero(struct dma_buf *dmabuf)
{
	if (DMB_WARN(!dmabuf, "dmb_dma_buf_get_unless_zero(NULL)") ||
	    dmb_obj_refuse_released(&dmabuf->obj_state, dmabuf,
				    "dmb_dma_buf_get_unless_zero"))
		return false;
	return dmb_kref_get_unless_zero(&dmabuf->refcount);
}

static void buf_detach_locked(struct dma_buf *dmabuf,
			      struct dma_buf_attachment *attach);
static void buf_detach_finish(struct dma_buf *dmabuf,
			      struct dma_buf_attachment *attach);

#define BUF_RELEASE_DEFERRED	(1u << 31)

static void buf_release(struct dma_buf *dmabuf);

static void dma_buf_release(struct dmb_kref *kref)
{
	struct dma_buf *dmabuf = dmb_container_of(kref, struct dma_buf, refcount);

	/*
	 * A callback dropped the last reference from inside a callout this
	 * thread makes under the resv lock: the core still stands on the
	 * buffer. (Callouts is read only by the lock's owner.)
	 */
	if (dma_resv_held(dmabuf->resv) && dmabuf->callouts) {
		dmabuf->callouts += BUF_RELEASE_DEFERRED;
		return;
	}
	buf_release(dmabuf);
}

/*
 * Callouts under the resv lock: begin before calling exporter or importer
 * code, end after the core is done with the buffer. Resv held.
 */
static inline void buf_callout_begin(struct dma_buf *dmabuf)
{
	dmabuf->callouts++;
}

static void __attribute__((noinline, cold))
buf_callout_end_slow(struct dma_buf *dmabuf)
{
	if (dmabuf->callouts != BUF_RELEASE_DEFERRED)
		return;		/* an outer callout is still running */
	dmabuf->callouts = 0;
	buf_release(dmabuf);
}

static inline void buf_callout_end(struct dma_buf *dmabuf)
{
	if (dmb_unlikely(--dmabuf->callouts))
		buf_callout_end_slow(dmabuf);
}

static void buf_release(struct dma_buf *dmabuf)
{
	struct dma_buf_attachment *attach, *tmp;
	struct dmb_check_subject who;
	struct dmb_list_head leftovers;
	struct dma_buf_name *names;
	bool locked;

	pthread_mutex_lock(&live_lock);
	dmb_list_del(&dmabuf->node);
	pthread_mutex_unlock(&live_lock);

	/*
	 * Nobody else has a reference to the buffer, but its resv may be
	 * shared, and the caller may hold it while dropping its last
	 * reference: take it only if this thread does not already.
	 */
	locked = !dma_resv_held(dmabuf->resv);
	if (locked)
		dma_resv_lock(dmabuf->resv, NULL);
	if (!dmb_list_empty(&dmabuf->attachments)) {
		dma_buf_subject(dmabuf, &who);
		dmb_check_report(DMB_V9_BAD_DETACH_OR_PUT, &who,
				 "last reference dropped while attachments remain; detaching them");
	}
	dmb_list_init(&leftovers);
	dmb_list_for_each_entry_safe(attach, tmp, &dmabuf->attachments, node) {
		buf_detach_locked(dmabuf, attach);
		dmb_list_add_tail(&attach->node, &leftovers);
	}
	if (DMB_WARN(dmabuf->vmap_count, "buffer %s released while vmapped %u times",
		     dma_buf_name(dmabuf), dmabuf->vmap_count))
		dmabuf->ops->vunmap(dmabuf, dmabuf->vmap_ptr);
	if (locked)
		dma_resv_unlock(dmabuf->resv);
	/* Nobody else can reach the buffer: @leftovers needs no lock. */
	dmb_list_for_each_entry_safe(attach, tmp, &leftovers, node)
		buf_detach_finish(dmabuf, attach);

	dmabuf->ops->release(dmabuf);
	if (dmabuf->resv == &dmabuf->own_resv)
		dma_resv_fini(&dmabuf->own_resv);
	pthread_mutex_destroy(&dmabuf->name_lock);
	names = dmabuf->names;	/* the name stays valid for the quarantine */
	if (!dmb_quarantine_release(DMB_OBJ_BUFFER, dmabuf, sizeof(*dmabuf),
				    &dmabuf->obj_state,
				    sizeof(dmabuf->obj_state), "%s (exporter %s)",
				    dma_buf_name(dmabuf), dmabuf->exp_name))
		free(dmabuf);
	while (names) {
		struct dma_buf_name *rec = names;

		names = rec->older;
		free(rec);
	}
}

void dma_buf_put(struct dma_buf *dmabuf)
{
	if (DMB_WARN(!dmabuf, "dma_buf_put(NULL)"))
		return;
	if (!buf_is_live(dmabuf)) {
		if (__dmb_quarantine_holds(dmabuf))
			__dmb_quarantine_report_use(dmabuf, "dma_buf_put",
						    DMB_V9_BAD_DETACH_OR_PUT);
		else
			dmb_check_report(DMB_V9_BAD_DETACH_OR_PUT, NULL,
					 "dma_buf_put of buffer %p, which was already released",
					 (void *)dmabuf);
		return;
	}
	dmb_kref_put(&dmabuf->refcount, dma_buf_release);
}

void dma_buf_hold(struct dma_buf *dmabuf)
{
	dmb_kref_get(&dmabuf->refcount);
}

void dma_buf_unhold(struct dma_buf *dmabuf)
{
	dmb_kref_put(&dmabuf->refcount, dma_buf_release);
}

int dma_buf_set_name(struct dma_buf *dmabuf, const char *name)
{
	struct dma_buf_name *rec;
	size_t len;

	if (DMB_WARN(!dmabuf || !name, "dma_buf_set_name(%p, %p)",
		     (void *)dmabuf, (const void *)name) ||
	    dmb_obj_refuse_released(&dmabuf->obj_state, dmabuf, "dma_buf_set_name"))
		return -EINVAL;
	len = strnlen(name, DMA_BUF_NAME_LEN - 1);
	rec = malloc(sizeof(*rec) + len + 1);
	if (!rec)
		return -ENOMEM;
	memcpy(rec->text, name, len);
	rec->text[len] = '\0';
	pthread_mutex_lock(&dmabuf->name_lock);
	rec->older = dmabuf->names;
	dmabuf->names = rec;
	atomic_store_explicit(&dmabuf->name, rec->text, memory_order_release);
	pthread_mutex_unlock(&dmabuf->name_lock);
	return 0;
}

const char *dma_buf_name(struct dma_buf *dmabuf)
{
	const char *name;

	if (DMB_WARN(!dmabuf, "dma_buf_name(NULL)") ||
	    dmb_obj_refuse_released(&dmabuf->obj_state, dmabuf, "dma_buf_name"))
		return "(null)";
	name = atomic_load_explicit(&dmabuf->name, memory_order_acquire);
	return name ? name : dmabuf->exp_name;
}

struct dma_resv *dma_buf_resv(struct dma_buf *dmabuf)
{
	if (DMB_WARN(!dmabuf, "dma_buf_resv(NULL)") ||
	    dmb_obj_refuse_released(&dmabuf->obj_state, dmabuf, "dma_buf_resv"))
		return NULL;
	return dmabuf->resv;
}

void *dma_buf_priv(struct dma_buf *dmabuf)
{
	if (DMB_WARN(!dmabuf, "dma_buf_priv(NULL)") ||
	    dmb_obj_refuse_released(&dmabuf->obj_state, dmabuf, "dma_buf_priv"))
		return NULL;
	return dmabuf->priv;
}

size_t dma_buf_size(struct dma_buf *dmabuf)
{
	if (DMB_WARN(!dmabuf, "dma_buf_size(NULL)") ||
	    dmb_obj_refuse_released(&dmabuf->obj_state, dmabuf, "dma_buf_size"))
		return 0;
	return dmabuf->size;
}

const char *dma_buf_exporter_name(struct dma_buf *dmabuf)
{
	if (DMB_WARN(!dmabuf, "dma_buf_exporter_name(NULL)") ||
	    dmb_obj_refuse_released(&dmabuf->obj_state, dmabuf, "dma_buf_exporter_name"))
		return "(null)";
	return dmabuf->exp_name;
}

/* Attachments. */

static struct dma_buf_attachment *
buf_attach(struct dma_buf *dmabuf, struct device *dev,
	   const struct dma_buf_attach_ops *importer_ops, void *importer_priv)
{
	struct dma_buf_attachment *attach;
	struct dmb_check_subject who;
	int ret;

	if (DMB_WARN(!dmabuf || !dev, "attach(%p, %p): buffer and device required",
		     (void *)dmabuf, (void *)dev) ||
	    dmb_obj_refuse_released(&dmabuf->obj_state, dmabuf, "dma_buf_attach")) {
		errno = EINVAL;
		return NULL;
	}

	attach = calloc(1, sizeof(*attach));
	if (!attach) {
		errno = ENOMEM;
		return NULL;
	}
	attach->dmabuf = dmabuf;
	attach->dev = dev;
	attach->importer_ops = importer_ops;
	attach->importer_priv = importer_priv;
	attach->peer2peer = importer_ops && importer_ops->allow_peer2peer;
	attach->unmap_latency_ns = -1;
	attach->slot.key = importer_ops && !__dmb_debug_on() ?
			   BUF_SLOT_FREE_FAST : BUF_SLOT_FREE;
	dmb_list_init(&attach->node);
	/* Named once: every mapping's token shares this copy. */
	dma_buf_attachment_subject(attach, &who);
	attach->names = dmb_check_names_create(&who);
	if (!attach->names) {
		free(attach);
		errno = ENOMEM;
		return NULL;
	}

	/*
	 * The exporter decides without the resv lock, as in the kernel: its
	 * answer may be stale by the time the attachment goes live (a revoke
	 * in between), so an exporter re-checks what matters in its map op,
	 * which runs locked. An exporter that needs the lock in attach takes
	 * it there.
	 */
	if (!buf_not_held_or_refuse(dmabuf, "dma_buf_attach")) {
		ret = -EINVAL;
		goto err_free;
	}
	dma_buf_hold(dmabuf);
	if (dmabuf->ops->attach) {
		ret = dmabuf->ops->attach(dmabuf, attach);
		if (ret)
			goto err_unhold;
		/*
		 * Only the hold left: the op dropped the caller's last
		 * reference. Nobody can use the attachment; undo it.
		 */
		if (dmb_kref_read(&dmabuf->refcount) == 1) {
			ret = -ENODEV;
			if (dmabuf->ops->detach)
				dmabuf->ops->detach(dmabuf, attach);
			goto err_unhold;
		}
	}
	/* No context, and not held (refused above): this cannot fail. */
	dma_resv_lock(dmabuf->resv, NULL);
	dmb_list_add_tail(&attach->node, &dmabuf->attachments);
	dma_resv_unlock(dmabuf->resv);
	dma_buf_unhold(dmabuf);
	return attach;

err_unhold:
	dma_buf_unhold(dmabuf);
err_free:
	dmb_check_names_put(attach->names);
	free(attach);
	errno = ret < 0 ? -ret : EINVAL;
	return NULL;
}

struct dma_buf_attachment *dma_buf_attach(struct dma_buf *dmabuf,
					  struct device *dev)
{
	return buf_attach(dmabuf, dev, NULL, NULL);
}

struct dma_buf_attachment *
dma_buf_dynamic_attach(struct dma_buf *dmabuf, struct device *dev,
		       const struct dma_buf_attach_ops *importer_ops,
		       void *importer_priv)
{
	/* As in the kernel, where dma_buf_attach() is exactly this call. */
	return buf_attach(dmabuf, dev, importer_ops, importer_priv);
}

/*
 * The mapping @token stood for is gone: stamp it, take the unmap latency
 * from it, and keep it for the next map unless DMA still holds it. Resv held.
 */
static void buf_retire_token(struct dma_buf_attachment *attach,
			     struct dmb_check_map *token, bool forced)
{
	bool invalidated = dmb_check_map_state(token) == DMB_MAP_INVALIDATED;

	dmb_check_map_unmap(token, forced);
	if (invalidated)
		attach->unmap_latency_ns = dmb_check_map_unmapped_at(token) -
					   dmb_check_map_invalidated_at(token);
	if (!attach->spare && dmb_check_map_reuse(token) == 0)
		attach->spare = token;
	else
		dmb_check_map_put(token);
}

/*
 * One mapping of @dmabuf is gone: lower the core's own count, and wake a
 * revoke that waits for it to reach zero. Resv held.
 */
static inline void buf_mapping_gone(struct dma_buf *dmabuf)
{
	/* The waiter first: the count reaches zero on most unmaps. */
	if (dmb_likely(!dmabuf->idle_waiter)) {
		dmabuf->nr_mappings--;
		return;
	}
	if (--dmabuf->nr_mappings == 0)
		dmb_revocable_core_idle(dmabuf->idle_waiter);
}

/*
 * Undo the mapping of record @rec of @attach: exporter unmap, unpin, token
 * (none in production mode). Resv held.
 */
static inline __attribute__((always_inline)) void
buf_unmap_rec(struct dma_buf_attachment *attach,
			  struct dma_buf_mapping *rec, bool forced)
{
	struct dma_buf_mapping m = *rec;
	struct dma_buf *dmabuf = attach->dmabuf;

	/* Every caller tested or asserted the lock already. */
	if (rec == &attach->slot)
		rec->key = BUF_SLOT_FREE_FAST;	/* only the fast path fills it */
	else
		*rec = attach->mappings[--attach->nr_records];
	dmabuf->ops->unmap_dma_buf(attach, m.sgt, buf_mapping_dir(&m));
	if (dmb_unlikely(m.key & BUF_MAP_PINNED))
		dmabuf->ops->unpin(attach);
	if (m.token)
		buf_retire_token(attach, m.token, forced);
	buf_mapping_gone(dmabuf);
}

/* Undo every live mapping of @attach, newest of the array first. Resv held. */
static void buf_unmap_all(struct dma_buf_attachment *attach, bool forced)
{
	while (attach->nr_records)
		buf_unmap_rec(attach, &attach->mappings[attach->nr_records - 1],
			      forced);
	if (dma_buf_slot_live(attach))
		buf_unmap_rec(attach, &attach->slot, forced);
}

/*
 * Take @attach off the buffer, undoing what its importer left behind
 * (reported). The exporter's detach op is not called here: it runs without
 * the lock, from buf_detach_finish(). Resv held.
 */
static void buf_detach_locked(struct dma_buf *dmabuf,
			      struct dma_buf_attachment *attach)
{
	unsigned int live = dma_buf_attachment_nr_mappings(attach);
	struct dmb_check_subject who;

	buf_assert_held(dmabuf);
	if (live) {
		dma_buf_attachment_subject(attach, &who);
		dmb_check_report(DMB_V9_BAD_DETACH_OR_PUT, &who,
				 "detach with %u live mapping(s); unmapping them first",
				 live);
		buf_unmap_all(attach, false);
	}
	if (DMB_WARN(attach->pin_count, "detach of %s from %s while pinned %u time(s)",
		     dma_buf_attachment_importer_name(attach), dma_buf_name(dmabuf),
		     attach->pin_count)) {
		for (; attach->pin_count; attach->pin_count--)
			if (dmabuf->ops->unpin)
				dmabuf->ops->unpin(attach);
	}
	dmb_list_del(&attach->node);
}

/*
 * The exporter's detach op and the freeing of @attach, once it is off the
 * list: without the resv lock, as in the kernel (unless a last put is made
 * by a caller holding a shared resv, see dma_buf_release()).
 */
static void buf_detach_finish(struct dma_buf *dmabuf,
			      struct dma_buf_attachment *attach)
{
	if (dmabuf->ops->detach)
		dmabuf->ops->detach(dmabuf, attach);
	dmb_check_map_put(attach->spare);
	dmb_check_names_put(attach->names);
	free(attach->mappings);
	/* Kept unpoisoned: the locked map and unmap read it first. */
	attach->dmabuf = &dma_buf_released;
	if (!dmb_quarantine_release(DMB_OBJ_ATTACHMENT, attach, sizeof(*attach),
				    &attach->obj_state, ATTACH_KEEP,
				    "%s (device %s) of %s",
				    dma_buf_attachment_importer_name(attach),
				    dev_name(attach->dev), dma_buf_name(dmabuf)))
		free(attach);
}

static bool buf_has_attachment(struct dma_buf *dmabuf,
			       struct dma_buf_attachment *attach)
{
	struct dma_buf_attachment *pos;

	dmb_list_for_each_entry(pos, &dmabuf->attachments, node)
		if (pos == attach)
			return true;
	return false;
}

void dma_buf_detach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct dmb_check_subject who;

	if (DMB_WARN(!dmabuf || !attach, "dma_buf_detach(%p, %p)",
		     (void *)dmabuf, (void *)attach) ||
	    dmb_obj_refuse_released(&dmabuf->obj_state, dmabuf, "dma_buf_detach"))
		return;
	/*
	 * Not even inside the caller's lock session: a detach from an
	 * invalidate_mappings callback would free an attachment the
	 * invalidating walk is standing on. Refused; the attachment stays.
	 */
	if (!buf_not_held_or_refuse(dmabuf, "dma_buf_detach"))
		return;

	dma_resv_lock(dmabuf->resv, NULL);
	if (!buf_has_attachment(dmabuf, attach)) {
		dma_buf_subject(dmabuf, &who);
		if (__dmb_quarantine_holds(attach))
			__dmb_quarantine_report_use(attach, "dma_buf_detach",
						    DMB_V9_BAD_DETACH_OR_PUT);
		else
			dmb_check_report(DMB_V9_BAD_DETACH_OR_PUT, &who,
					 "detach of attachment %p, which is not attached to this buffer",
					 (void *)attach);
		goto out_unlock;
	}
	/* The unmaps, unpins and detach op below are callouts. */
	dma_buf_hold(dmabuf);
	buf_detach_locked(dmabuf, attach);
	dma_resv_unlock(dmabuf->resv);
	buf_detach_finish(dmabuf, attach);
	dma_buf_unhold(dmabuf);
	return;

out_unlock:
	dma_resv_unlock(dmabuf->resv);
}

bool dma_buf_attachment_is_dynamic(struct dma_buf_attachment *attach)
{
	if (DMB_WARN(!attach, "dma_buf_attachment_is_dynamic(NULL)") ||
	    dmb_obj_refuse_released(&attach->obj_state, attach, "dma_buf_attachment_is_dynamic"))
		return false;
	return attach->importer_ops;
}

bool dma_buf_attach_revocable(struct dma_buf_attachment *attach)
{
	if (DMB_WARN(!attach, "dma_buf_attach_revocable(NULL)") ||
	    dmb_obj_refuse_released(&attach->obj_state, attach, "dma_buf_attach_revocable"))
		return false;
	return attach->importer_ops && attach->importer_ops->invalidate_mappings;
}

struct dma_buf *dma_buf_attachment_dmabuf(struct dma_buf_attachment *attach)
{
	if (DMB_WARN(!attach, "dma_buf_attachment_dmabuf(NULL)") ||
	    dmb_obj_refuse_released(&attach->obj_state, attach, "dma_buf_attachment_dmabuf"))
		return NULL;
	return attach->dmabuf;
}

struct device *dma_buf_attachment_dev(struct dma_buf_attachment *attach)
{
	if (DMB_WARN(!attach, "dma_buf_attachment_dev(NULL)") ||
	    dmb_obj_refuse_released(&attach->obj_state, attach, "dma_buf_attachment_dev"))
		return NULL;
	return attach->dev;
}

bool dma_buf_attachment_peer2peer(struct dma_buf_attachment *attach)
{
	if (DMB_WARN(!attach, "dma_buf_attachment_peer2peer(NULL)") ||
	    dmb_obj_refuse_released(&attach->obj_state, attach, "dma_buf_attachment_peer2peer"))
		return false;
	return attach->peer2peer;
}

void *dma_buf_attachment_importer_priv(struct dma_buf_attachment *attach)
{
	if (DMB_WARN(!attach, "dma_buf_attachment_importer_priv(NULL)") ||
	    dmb_obj_refuse_released(&attach->obj_state, attach, "dma_buf_attachment_importer_priv"))
		return NULL;
	return attach->importer_priv;
}

const char *dma_buf_attachment_importer_name(struct dma_buf_attachment *attach)
{
	if (DMB_WARN(!attach, "dma_buf_attachment_importer_name(NULL)") ||
	    dmb_obj_refuse_released(&attach->obj_state, attach, "dma_buf_attachment_importer_name"))
		return "(null)";
	if (!attach->importer_ops)
		return "static";
	return attach->importer_ops->name ? attach->importer_ops->name : "dynamic";
}

void *dma_buf_attachment_priv(struct dma_buf_attachment *attach)
{
	if (DMB_WARN(!attach, "dma_buf_attachment_priv(NULL)") ||
	    dmb_obj_refuse_released(&attach->obj_state, attach, "dma_buf_attachment_priv"))
		return NULL;
	return attach->priv;
}

void dma_buf_attachment_set_priv(struct dma_buf_attachment *attach, void *priv)
{
	if (DMB_WARN(!attach, "dma_buf_attachment_set_priv(NULL)") ||
	    dmb_obj_refuse_released(&attach->obj_state, attach, "dma_buf_attachment_set_priv"))
		return;
	attach->priv = priv;
}

unsigned int dma_buf_attachment_mapped(struct dma_buf_attachment *attach)
{
	if (DMB_WARN(!attach, "dma_buf_attachment_mapped(NULL)") ||
	    dmb_obj_refuse_released(&attach->obj_state, attach, "dma_buf_attachment_mapped"))
		return 0;
	if (!buf_held_or_refuse(attach->dmabuf, attach, 0,
				"dma_buf_attachment_mapped"))
		return 0;
	return dma_buf_attachment_nr_mappings(attach);
}

int64_t dma_buf_attachment_unmap_latency(struct dma_buf_attachment *attach)
{
	if (DMB_WARN(!attach, "dma_buf_attachment_unmap_latency(NULL)") ||
	    dmb_obj_refuse_released(&attach->obj_state, attach, "dma_buf_attachment_unmap_latency"))
		return -1;
	if (!buf_held_or_refuse(attach->dmabuf, attach, 0,
				"dma_buf_attachment_unmap_latency"))
		return -1;
	return attach->unmap_latency_ns;
}

/* Pinning. */

int dma_buf_pin(struct dma_buf_attachment *attach)
{
	struct dma_buf *dmabuf;
	int ret = 0;

	if (DMB_WARN(!attach, "dma_buf_pin(NULL)") ||
	    dmb_obj_refuse_released(&attach->obj_state, attach, "dma_buf_pin"))
		return -EINVAL;
	dmabuf = attach->dmabuf;
	if (!buf_held_or_refuse(dmabuf, attach, 0, "dma_buf_pin"))
		return -EINVAL;
	/*
	 * Pinning is how a dynamic importer says it cannot follow a move;
	 * a static one is pinned by its map already (R3). The kernel warns;
	 * here the call is refused as well, so a prototype learns it here.
	 */
	if (DMB_WARN(!dma_buf_attachment_is_dynamic(attach),
		     "dma_buf_pin of static attachment %s on %s: pin is for dynamic importers",
		     dev_name(attach->dev), dma_buf_name(dmabuf)))
		return -EINVAL;
	/* No pin op: the memory never moves, so pinning is a no-op (R10). */
	if (!dmabuf->ops->pin) {
		attach->pin_count++;
		return 0;
	}
	buf_callout_begin(dmabuf);
	ret = dmabuf->ops->pin(attach);
	if (!ret)
		attach->pin_count++;
	buf_callout_end(dmabuf);
	return ret;
}

void dma_buf_unpin(struct dma_buf_attachment *attach)
{
	struct dma_buf *dmabuf;

	if (DMB_WARN(!attach, "dma_buf_unpin(NULL)") ||
	    dmb_obj_refuse_released(&attach->obj_state, attach, "dma_buf_unpin"))
		return;
	dmabuf = attach->dmabuf;
	if (!buf_held_or_refuse(dmabuf, attach, 0, "dma_buf_unpin"))
		return;
	if (!DMB_WARN(!attach->pin_count, "dma_buf_unpin of %s on %s without a pin",
		      dma_buf_attachment_importer_name(attach),
		      dma_buf_name(dmabuf))) {
		attach->pin_count--;
		if (dmabuf->ops->unpin) {
			buf_callout_begin(dmabuf);
			dmabuf->ops->unpin(attach);
			buf_callout_end(dmabuf);
		}
	}
}

/* Mapping. */

/* Static attachments cannot follow a move, so mapping pins them (R3). */
static bool buf_pin_on_map(struct dma_buf_attachment *attach)
{
	return attach->dmabuf->ops->pin && !attach->importer_ops;
}

/*
 * The record array is full: double it, the only allocation of a map. Out of
 * line, as the map's fast path only tests for it.
 */
static int __attribute__((noinline))
buf_reserve_mapping(struct dma_buf_attachment *attach)
{
	struct dma_buf_mapping *bigger;
	unsigned int want;

	want = attach->max_mappings ? 2 * attach->max_mappings : 2;
	bigger = realloc(attach->mappings, want * sizeof(*bigger));
	if (!bigger)
		return -ENOMEM;
	attach->mappings = bigger;
	attach->max_mappings = want;
	return 0;
}

/*
 * The checker's token for a new mapping of @attach (debug mode only): the
 * one kept from the last unmap, or a new one. NULL if out of memory.
 */
static struct dmb_check_map *buf_take_token(struct dma_buf_attachment *attach)
{
	struct dmb_check_map *token = attach->spare;

	attach->spare = NULL;
	return token ? token : dmb_check_map_create_named(attach->names);
}

/*
 * The exporter's map op answered @ret with table @sgt: anything but a table
 * while not revoked is a failure; say which, giving back a table handed out
 * while revoked (V3). Return: the negative errno the map fails with.
 */
static int __attribute__((noinline, cold))
buf_map_failed(struct dma_buf_attachment *attach, enum dma_data_direction dir,
	       struct sg_table *sgt, int ret)
{
	struct dma_buf *dmabuf = attach->dmabuf;

	if (ret)
		return ret;
	if (DMB_WARN(!sgt, "exporter %s map_dma_buf returned 0 without a table",
		     dmabuf->exp_name))
		return -EINVAL;
	dmb_check_report(DMB_V3_MAP_WHILE_REVOKED,
			 dmb_check_names_subject(attach->names),
			 "exporter returned a mapping while the buffer is revoked; taken back");
	dmabuf->ops->unmap_dma_buf(attach, sgt, dir);
	return -ENODEV;
}

/*
 * Map @attach and keep the mapping's record in the array, in every case:
 * debug mode (a token), the inline record taken, a static attachment to
 * pin. Resv held.
 */
static inline __attribute__((always_inline)) struct sg_table *
buf_map_slow(struct dma_buf_attachment *attach, enum dma_data_direction dir)
{
	struct dma_buf *dmabuf = attach->dmabuf;
	struct dmb_check_map *token = NULL;
	struct sg_table *sgt = NULL;
	bool pinned = false;
	int ret;

	/* Every caller tested the lock already. */
	if (dmb_unlikely(attach->nr_records == attach->max_mappings)) {
		ret = buf_reserve_mapping(attach);
		if (ret)
			goto err;
	}
	if (__dmb_debug_on()) {
		token = buf_take_token(attach);
		if (!token) {
			ret = -ENOMEM;
			goto err;
		}
	} else if (attach->slot.key == BUF_SLOT_FREE && attach->importer_ops) {
		/*
		 * Made in debug mode: the fast path from the next map on,
		 * as production mode is on for good.
		 */
		attach->slot.key = BUF_SLOT_FREE_FAST;
	}
	if (dmb_unlikely(buf_pin_on_map(attach))) {
		ret = dmabuf->ops->pin(attach);
		if (ret)
			goto err_put_token;
		pinned = true;
	}

	ret = dmabuf->ops->map_dma_buf(attach, dir, &sgt);
	if (ret || !sgt || atomic_load(&dmabuf->revoked)) {
		ret = buf_map_failed(attach, dir, sgt, ret);
		goto err_unpin;
	}

	/*
	 * A static importer cannot be told of a move, so it must not see the
	 * memory before a move or clear in flight is done: wait for the
	 * KERNEL fences, as the kernel's map does. Dynamic importers
	 * synchronise with the fences themselves.
	 */
	if (!attach->importer_ops) {
		int64_t left = dma_resv_wait_timeout(dmabuf->resv,
						     DMA_RESV_USAGE_KERNEL,
						     MAX_SCHEDULE_TIMEOUT);

		if (left < 0) {
			ret = (int)left;
			goto err_unmap;
		}
	}

	attach->mappings[attach->nr_records++] = (struct dma_buf_mapping) {
		.sgt = sgt, .token = token,
		.key = (uint32_t)dir | (pinned ? BUF_MAP_PINNED : 0) |
		       (token ? BUF_MAP_TOKEN : 0),
	};
	dmabuf->nr_mappings++;
	return sgt;

err_unmap:
	dmabuf->ops->unmap_dma_buf(attach, sgt, dir);
err_unpin:
	if (pinned)
		dmabuf->ops->unpin(attach);
err_put_token:
	if (token) {
		dmb_check_map_unmap(token, false);
		dmb_check_map_put(token);
	}
err:
	errno = -ret;
	return NULL;
}

/* buf_map_slow() as a callout: the exporter's ops may drop the buffer. */
static struct sg_table *__attribute__((noinline))
buf_map_slow_held(struct dma_buf_attachment *attach, enum dma_data_direction dir)
{
	struct dma_buf *dmabuf = attach->dmabuf;
	struct sg_table *sgt;

	buf_callout_begin(dmabuf);
	sgt = buf_map_slow(attach, dir);
	buf_callout_end(dmabuf);
	return sgt;
}

/*
 * The fast path's exporter op failed (buf_map_failed()): free the inline
 * record again (it holds the direction while vacant) and end the callout.
 */
static struct sg_table *__attribute__((noinline, cold))
buf_map_fast_failed(struct dma_buf_attachment *attach, int ret)
{
	enum dma_data_direction dir = buf_mapping_dir(&attach->slot);
	struct dma_buf *dmabuf = attach->dmabuf;
	struct sg_table *sgt = attach->slot.sgt;

	attach->slot.key = BUF_SLOT_FREE_FAST;
	errno = -buf_map_failed(attach, dir, sgt, ret);
	buf_callout_end(dmabuf);
	return NULL;
}

/* buf_callout_end()'s slow path for the map's fast path, returning @sgt. */
static struct sg_table *__attribute__((noinline, cold))
buf_map_end_slow(struct dma_buf *dmabuf, struct sg_table *sgt)
{
	buf_callout_end_slow(dmabuf);
	return sgt;
}

/* NULL or no lock (V2): reported, refused. */
static struct sg_table *__attribute__((noinline, cold))
buf_map_refused(struct dma_buf_attachment *attach)
{
	if (!DMB_WARN(!attach, "dma_buf_map_attachment(NULL)"))
		buf_report_unlocked(attach->dmabuf, attach, DMB_V2_MAP_UNLOCKED,
				    "dma_buf_map_attachment");
	errno = EINVAL;
	return NULL;
}

/*
 * Map @attach, resv held (tested by the caller), as a callout (the
 * exporter's op may drop the buffer). The common case of production mode -
 * the inline record free and the fast path's (a dynamic attachment:
 * nothing to pin, no KERNEL fences to wait for, no token) - is one test,
 * the exporter's op writing its table straight into the record, three
 * tests of its answer and the record's key, all inline; everything else
 * goes the general way (buf_map_slow()), or out of line on failure. A
 * caller that holds a reference on the buffer (@held_ref) has the general
 * way inline, without a callout.
 */
static inline __attribute__((always_inline)) struct sg_table *
buf_map_locked(struct dma_buf_attachment *attach, enum dma_data_direction dir,
	       bool held_ref)
{
	struct dma_buf *dmabuf;
	struct sg_table *sgt;
	int ret;

	if (dmb_unlikely(attach->slot.key != BUF_SLOT_FREE_FAST))
		return held_ref ? buf_map_slow(attach, dir) :
				  buf_map_slow_held(attach, dir);

	/*
	 * Vacant while the op runs: a map from inside it goes to the array,
	 * an unmap or a walk does not see the half-made record, and nothing
	 * but this call writes it (detach and revoke refuse under the lock).
	 */
	attach->slot.key = (uint32_t)dir | BUF_MAP_VACANT;
	attach->slot.sgt = NULL;
	dmabuf = attach->dmabuf;
	buf_callout_begin(dmabuf);
	ret = dmabuf->ops->map_dma_buf(attach, dir, &attach->slot.sgt);
	/* Read again rather than kept across the call: a register less. */
	dmabuf = attach->dmabuf;
	sgt = attach->slot.sgt;
	if (dmb_unlikely(ret) || dmb_unlikely(!sgt) ||
	    dmb_unlikely(atomic_load(&dmabuf->revoked)))
		return buf_map_fast_failed(attach, ret);
	attach->slot.key &= ~BUF_MAP_VACANT;
	dmabuf->nr_mappings++;
	if (dmb_unlikely(--dmabuf->callouts))
		return buf_map_end_slow(dmabuf, sgt);	/* nothing kept across */
	return sgt;
}

/* The exported function is the fast path; refusals go out of line. */
struct sg_table *dma_buf_map_attachment(struct dma_buf_attachment *attach,
					enum dma_data_direction dir)
{
	if (dmb_unlikely(!attach))
		return buf_map_refused(attach);
	if (dmb_unlikely(!__ww_mutex_held(&attach->dmabuf->resv->lock)))
		return buf_map_refused(attach);
	return buf_map_locked(attach, dir, false);
}

/* The record of @sgt: the array's newest first (mappings mostly go LIFO). */
static inline struct dma_buf_mapping *
buf_find_mapping(struct dma_buf_attachment *attach, const struct sg_table *sgt)
{
	struct dma_buf_mapping *m;

	if (attach->nr_records) {
		m = attach->mappings + attach->nr_records;
		do {
			if ((--m)->sgt == sgt)
				return m;
		} while (m != attach->mappings);
	}
	if (dma_buf_slot_live(attach) && attach->slot.sgt == sgt)
		return &attach->slot;
	return NULL;
}

/* V8: @sgt is not a mapping of @attach. */
static void __attribute__((noinline, cold))
buf_report_bad_unmap(struct dma_buf_attachment *attach, struct sg_table *sgt)
{
	struct dmb_check_subject who;

	dma_buf_attachment_subject(attach, &who);
	dmb_check_report(DMB_V8_BAD_UNMAP, &who,
			 "unmap of table %p, which is not mapped on this attachment (never mapped, or already unmapped%s)",
			 (void *)sgt, attach->force_revoked ?
			 "; the exporter force-revoked this attachment's mappings" : "");
}

/*
 * Unmap record @rec of @attach, the general way: a direction that differs
 * from the map's (reported), a token to retire, a pin to drop. Resv held.
 */
static void buf_unmap_record(struct dma_buf_attachment *attach,
			     struct dma_buf_mapping *rec,
			     enum dma_data_direction dir)
{
	enum dma_data_direction mapped = buf_mapping_dir(rec);

	DMB_WARN(mapped != dir, "unmap direction %d differs from map direction %d",
		 dir, mapped);
	/* The exporter's ops are callouts: they may drop the buffer. */
	buf_callout_begin(attach->dmabuf);
	buf_unmap_rec(attach, rec, false);
	buf_callout_end(attach->dmabuf);
}

/*
 * Unmap @sgt of @attach, which is not the fast path's: find its record or,
 * if there is none, report and refuse (V8). Resv held.
 */
static void __attribute__((noinline))
buf_unmap_general(struct dma_buf_attachment *attach, struct sg_table *sgt,
		  enum dma_data_direction dir)
{
	struct dma_buf_mapping *rec = sgt ? buf_find_mapping(attach, sgt) : NULL;

	if (dmb_unlikely(!rec)) {
		buf_report_bad_unmap(attach, sgt);
		return;
	}
	buf_unmap_record(attach, rec, dir);
}

/*
 * Unmap @sgt of @attach. Resv held. The common case - the inline record
 * is @sgt's, with the direction it was mapped with (it has no token nor
 * pin: only the map's fast path fills it) - frees the record and ends in
 * the exporter's op; one compare of the record's key tests all but the
 * table. Everything else (debug mode always, for its mappings have tokens)
 * goes the general way (buf_unmap_general()).
 */
static inline __attribute__((always_inline)) void
buf_unmap_locked(struct dma_buf_attachment *attach, struct sg_table *sgt,
		 enum dma_data_direction dir)
{
	struct dma_buf *dmabuf;

	if (dmb_unlikely(attach->slot.sgt != sgt) ||
	    dmb_unlikely(attach->slot.key != (uint32_t)dir)) {
		buf_unmap_general(attach, sgt, dir);
		return;
	}
	/*
	 * The record goes first, then the exporter's op as a callout: the op
	 * may drop the last reference, and the release (which unmaps what is
	 * still recorded) must not run inside it, under the exporter's feet.
	 * The buffer's count drops inside the callout, after the op, as in
	 * buf_unmap_rec(): only the buffer is needed across the op's call.
	 * (A revoke woken by the count waits for the resv lock, so it sees
	 * the op done.)
	 */
	attach->slot.key = BUF_SLOT_FREE_FAST;
	dmabuf = attach->dmabuf;
	buf_callout_begin(dmabuf);
	dmabuf->ops->unmap_dma_buf(attach, sgt, dir);
	buf_mapping_gone(dmabuf);
	buf_callout_end(dmabuf);
}

void dma_buf_unmap_attachment(struct dma_buf_attachment *attach,
			      struct sg_table *sgt, enum dma_data_direction dir)
{
	if (DMB_WARN(!attach, "dma_buf_unmap_attachment(NULL, %p)", (void *)sgt))
		return;
	if (!buf_held_or_refuse(attach->dmabuf, attach, DMB_V2_MAP_UNLOCKED,
				"dma_buf_unmap_attachment"))
		return;
	buf_unmap_locked(attach, sgt, dir);
}

struct sg_table *
dma_buf_map_attachment_unlocked(struct dma_buf_attachment *attach,
				enum dma_data_direction dir)
{
	struct dma_buf *dmabuf;
	struct sg_table *sgt;
	int err;

	if (DMB_WARN(!attach, "dma_buf_map_attachment_unlocked(NULL)") ||
	    dmb_obj_refuse_released(&attach->obj_state, attach, "dma_buf_map_attachment_unlocked")) {
		errno = EINVAL;
		return NULL;
	}
	dmabuf = attach->dmabuf;
	if (dma_buf_lock_self(dmabuf, "dma_buf_map_attachment_unlocked")) {
		errno = EINVAL;
		return NULL;
	}
	dma_buf_hold(dmabuf);
	sgt = buf_map_locked(attach, dir, true);
	err = errno;
	dma_resv_unlock(dmabuf->resv);
	dma_buf_unhold(dmabuf);
	errno = err;
	return sgt;
}

void dma_buf_unmap_attachment_unlocked(struct dma_buf_attachment *attach,
				       struct sg_table *sgt,
				       enum dma_data_direction dir)
{
	struct dma_buf *dmabuf;

	if (DMB_WARN(!attach, "dma_buf_unmap_attachment_unlocked(NULL, %p)",
		     (void *)sgt) ||
	    dmb_obj_refuse_released(&attach->obj_state, attach,
				    "dma_buf_unmap_attachment_unlocked"))
		return;
	dmabuf = attach->dmabuf;
	if (dma_buf_lock_self(dmabuf, "dma_buf_unmap_attachment_unlocked"))
		return;
	/* Unlocked before the unhold: the release may free the resv. */
	dma_buf_hold(dmabuf);
	buf_unmap_locked(attach, sgt, dir);
	dma_resv_unlock(dmabuf->resv);
	dma_buf_unhold(dmabuf);
}

unsigned int dma_buf_force_unmap(struct dma_buf_attachment *attach)
{
	unsigned int n = dma_buf_attachment_nr_mappings(attach);

	buf_assert_held(attach->dmabuf);
	buf_unmap_all(attach, true);
	if (n)
		attach->force_revoked = true;
	return n;
}

struct dmb_check_map *dma_buf_mapping_token(struct dma_buf_attachment *attach,
					    struct sg_table *sgt)
{
	struct dma_buf_mapping *rec;
	struct dmb_check_map *token;

	if (DMB_WARN(!attach, "dma_buf_mapping_token(NULL)") ||
	    dmb_obj_refuse_released(&attach->obj_state, attach, "dma_buf_mapping_token")) {
		errno = EINVAL;
		return NULL;
	}
	if (!buf_held_or_refuse(attach->dmabuf, attach, 0,
				"dma_buf_mapping_token")) {
		errno = EINVAL;
		return NULL;
	}
	rec = buf_find_mapping(attach, sgt);
	if (!rec) {
		errno = ENOENT;
		return NULL;
	}
	token = dmb_check_map_get(rec->token);
	if (!token)
		errno = EOPNOTSUPP;	/* production mode: no tokens */
	return token;
}

/* Invalidation. */

void dma_buf_mark_revoked(struct dma_buf *dmabuf, bool revoked)
{
	buf_assert_held(dmabuf);
	atomic_store(&dmabuf->revoked, revoked);
}

void dma_buf_invalidate_mappings(struct dma_buf *dmabuf)
{
	struct dma_buf_attachment *attach;

	if (DMB_WARN(!dmabuf, "dma_buf_invalidate_mappings(NULL)") ||
	    dmb_obj_refuse_released(&dmabuf->obj_state, dmabuf,
				    "dma_buf_invalidate_mappings"))
		return;
	if (!buf_held_or_refuse(dmabuf, NULL, DMB_V1_INVALIDATE_UNLOCKED,
				"dma_buf_invalidate_mappings"))
		return;

	/*
	 * The callout keeps the buffer and its attachments through the walk
	 * even if a callback drops the last reference (the release then runs
	 * after the walk); and no callback can change the list under it,
	 * since attach and detach refuse to run with the resv lock held.
	 */
	buf_callout_begin(dmabuf);
	dmb_list_for_each_entry(attach, &dmabuf->attachments, node) {
		if (!dma_buf_attach_revocable(attach))
			continue;
		/*
		 * Shadow state first: from here on, new writes through these
		 * mappings are V4, even from inside the callback. (The
		 * inline record never has one.)
		 */
		for (unsigned int i = 0; i < attach->nr_records; i++)
			if (attach->mappings[i].token)
				dmb_check_map_invalidate(attach->mappings[i].token);
		attach->importer_ops->invalidate_mappings(attach);
	}
	buf_callout_end(dmabuf);
}

/* CPU access. */

static bool cpu_access_writes(enum dma_data_direction dir)
{
	return dir == DMA_BIDIRECTIONAL || dir == DMA_TO_DEVICE;
}

int dma_buf_begin_cpu_access(struct dma_buf *dmabuf, enum dma_data_direction dir)
{
	int64_t ret;

	if (DMB_WARN(!dmabuf, "dma_buf_begin_cpu_access(NULL)") ||
	    dmb_obj_refuse_released(&dmabuf->obj_state, dmabuf, "dma_buf_begin_cpu_access"))
		return -EINVAL;
	if (!buf_not_held_or_refuse(dmabuf, "dma_buf_begin_cpu_access"))
		return -EINVAL;
	/* Implicit synchronisation: the CPU waits like any other user. */
	ret = dma_resv_wait_timeout(dmabuf->resv,
				    dma_resv_usage_rw(cpu_access_writes(dir)),
				    MAX_SCHEDULE_TIMEOUT);
	if (ret < 0)
		return (int)ret;
	return dmabuf->ops->begin_cpu_access ?
	       dmabuf->ops->begin_cpu_access(dmabuf, dir) : 0;
}

int dma_buf_end_cpu_access(struct dma_buf *dmabuf, enum dma_data_direction dir)
{
	if (DMB_WARN(!dmabuf, "dma_buf_end_cpu_access(NULL)") ||
	    dmb_obj_refuse_released(&dmabuf->obj_state, dmabuf, "dma_buf_end_cpu_access"))
		return -EINVAL;
	if (!buf_not_held_or_refuse(dmabuf, "dma_buf_end_cpu_access"))
		return -EINVAL;
	return dmabuf->ops->end_cpu_access ?
	       dmabuf->ops->end_cpu_access(dmabuf, dir) : 0;
}

/* Kernel mappings (vmap). */

int dma_buf_vmap(struct dma_buf *dmabuf, void **vaddr)
{
	int ret;

	if (DMB_WARN(!dmabuf || !vaddr, "dma_buf_vmap(%p, %p)", (void *)dmabuf,
		     (void *)vaddr) ||
	    dmb_obj_refuse_released(&dmabuf->obj_state, dmabuf, "dma_buf_vmap"))
		return -EINVAL;
	if (!dmabuf->ops->vmap)
		return -EINVAL;
	if (!buf_held_or_refuse(dmabuf, NULL, 0, "dma_buf_vmap"))
		return -EINVAL;
	if (!dmabuf->vmap_count) {
		/* A callout: the op may drop the last reference. */
		buf_callout_begin(dmabuf);
		ret = dmabuf->ops->vmap(dmabuf, &dmabuf->vmap_ptr);
		if (!ret)
			dmabuf->vmap_count++;
		*vaddr = ret ? NULL : dmabuf->vmap_ptr;
		buf_callout_end(dmabuf);
		return ret;
	}
	dmabuf->vmap_count++;
	*vaddr = dmabuf->vmap_ptr;
	return 0;
}

void dma_buf_vunmap(struct dma_buf *dmabuf, void *vaddr)
{
	if (DMB_WARN(!dmabuf, "dma_buf_vunmap(NULL)") ||
	    dmb_obj_refuse_released(&dmabuf->obj_state, dmabuf, "dma_buf_vunmap"))
		return;
	if (!buf_held_or_refuse(dmabuf, NULL, 0, "dma_buf_vunmap"))
		return;
	if (DMB_WARN(!dmabuf->vmap_count || vaddr != dmabuf->vmap_ptr,
		     "dma_buf_vunmap of %p on %s, which is not its vmap",
		     vaddr, dma_buf_name(dmabuf)))
		return;
	if (--dmabuf->vmap_count == 0) {
		/* A callout: the op may drop the last reference. */
		dmabuf->vmap_ptr = NULL;
		buf_callout_begin(dmabuf);
		dmabuf->ops->vunmap(dmabuf, vaddr);
		buf_callout_end(dmabuf);
	}
}

int dmb_dma_buf_mmap_fd(struct dma_buf *dmabuf)
{
	int ret;

	if (DMB_WARN(!dmabuf, "dmb_dma_buf_mmap_fd(NULL)") ||
	    dmb_obj_refuse_released(&dmabuf->obj_state, dmabuf, "dmb_dma_buf_mmap_fd"))
		return -EINVAL;
	if (!buf_held_or_refuse(dmabuf, NULL, 0, "dmb_dma_buf_mmap_fd"))
		return -EINVAL;
	if (!dmabuf->ops->mmap)
		return -EOPNOTSUPP;
	/* A callout: the op may drop the last reference. */
	buf_callout_begin(dmabuf);
	ret = dmabuf->ops->mmap(dmabuf);
	buf_callout_end(dmabuf);
	return ret;
}

int dma_buf_vmap_unlocked(struct dma_buf *dmabuf, void **vaddr)
{
	int ret;

	if (DMB_WARN(!dmabuf, "dma_buf_vmap_unlocked(NULL)") ||
	    dmb_obj_refuse_released(&dmabuf->obj_state, dmabuf, "dma_buf_vmap_unlocked"))
		return -EINVAL;
	ret = dma_buf_lock_self(dmabuf, "dma_buf_vmap_unlocked");
	if (ret)
		return ret;
	ret = dma_buf_vmap(dmabuf, vaddr);
	dma_resv_unlock(dmabuf->resv);
	return ret;
}

void dma_buf_vunmap_unlocked(struct dma_buf *dmabuf, void *vaddr)
{
	if (DMB_WARN(!dmabuf, "dma_buf_vunmap_unlocked(NULL)") ||
	    dmb_obj_refuse_released(&dmabuf->obj_state, dmabuf, "dma_buf_vunmap_unlocked"))
		return;
	if (dma_buf_lock_self(dmabuf, "dma_buf_vunmap_unlocked"))
		return;
	dma_buf_vunmap(dmabuf, vaddr);
	dma_resv_unlock(dmabuf->resv);
}

/* Debugging. */

/*
 * The buffer's fences, as dma_resv_describe() would list them but from the
 * SIGNALED flag only: polling a driver would take fence locks under
 * live_lock, which a fence callback dropping a buffer takes the other way.
 * Resv held.
 */
static void dump_fences(FILE *out, struct dma_resv *resv)
{
	struct dma_resv_iter cursor;
	struct dma_fence *fence;

	dma_resv_for_each_fence(&cursor, resv, DMA_RESV_USAGE_BOOKKEEP, fence)
		fprintf(out, "    fence %-8s %s:%s %llu/%llu %s\n",
			dma_resv_usage_name(dma_resv_iter_usage(&cursor)),
			dma_fence_driver_name(fence),
			dma_fence_timeline_name(fence),
			(unsigned long long)fence->context,
			(unsigned long long)fence->seqno,
			dma_fence_test_signaled_flag(fence) ? "signaled" : "pending");
}

static void dump_buffer(FILE *out, struct dma_buf *dmabuf)
{
	struct dma_buf_attachment *attach;

	fprintf(out, "%-24s exporter %-16s size %10zu refs %u%s\n",
		dma_buf_name(dmabuf), dmabuf->exp_name, dmabuf->size,
		dmb_kref_read(&dmabuf->refcount),
		atomic_load(&dmabuf->revoked) ? " REVOKED" : "");
	/* Trylock: live_lock is held, and it must never wait for a resv. */
	if (!dma_resv_trylock(dmabuf->resv)) {
		fprintf(out, "    (resv locked elsewhere; attachments not shown)\n");
		return;
	}
	dmb_list_for_each_entry(attach, &dmabuf->attachments, node)
		fprintf(out, "    %-16s device %-16s %s%s%s mappings %u pins %u%s\n",
			dma_buf_attachment_importer_name(attach),
			dev_name(attach->dev),
			dma_buf_attachment_is_dynamic(attach) ? "dynamic" : "static",
			dma_buf_attach_revocable(attach) ? " revocable" : "",
			attach->peer2peer ? " p2p" : "",
			dma_buf_attachment_nr_mappings(attach), attach->pin_count,
			attach->force_revoked ? " FORCE-REVOKED" : "");
	dump_fences(out, dmabuf->resv);
	dma_resv_unlock(dmabuf->resv);
}

void dma_buf_debug_dump(FILE *out)
{
	struct dma_buf *dmabuf;
	unsigned int n = 0;

	if (DMB_WARN(!out, "dma_buf_debug_dump(NULL)"))
		return;
	pthread_mutex_lock(&live_lock);
	dmb_list_for_each_entry(dmabuf, &live_bufs, node) {
		dump_buffer(out, dmabuf);
		n++;
	}
	pthread_mutex_unlock(&live_lock);
	fprintf(out, "%u buffer(s)\n", n);
}
