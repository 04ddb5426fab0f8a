// SPDX-License-Identifier: MIT
/*
 * cases-released-dma-buf.c - dma-buf.h and dma-buf-revoke.h called with a
 * released object: a buffer after its last dma_buf_put(), an attachment
 * after dma_buf_detach(), a revoke helper after dmb_revocable_destroy().
 * The release quarantine (README, "What the checker catches") keeps each
 * poisoned, so every call must see the state word, report the use with the
 * releaser and refuse it as it refuses a NULL argument.
 */
#include <string.h>

#include <dmabuf/dma-buf-revoke.h>
#include <dmabuf/dma-buf.h>
#include <dmabuf/dma-resv.h>

#include "misuse.h"
#include "mock-exporter.h"

static struct mock_exporter me, live_me;
static struct mock_importer imp;

/* A buffer of the mock exporter after its last (only) reference was put. */
static struct dma_buf *released_buf(void)
{
	struct dma_buf *b = mock_export(&me, "released", 4096, 0);

	dma_buf_put(b);
	return b;
}

/* A live buffer, for the calls that take a buffer and something released. */
static struct dma_buf *live_buf(void)
{
	return mock_export(&live_me, "live", 4096, 0);
}

/* A live attachment of a dynamic, revocable importer to a live buffer. */
static struct dma_buf_attachment *live_attach(void)
{
	mock_importer_init(&imp, "misuse-importer");
	return mock_importer_attach(&imp, live_buf(), &mock_importer_ops_revocable);
}

/* An attachment after its dma_buf_detach(); its buffer (imp.dmabuf) lives. */
static struct dma_buf_attachment *detached(void)
{
	struct dma_buf_attachment *a = live_attach();

	dma_buf_detach(imp.dmabuf, a);
	return a;
}

/* A revoke helper after dmb_revocable_destroy(); its buffer lives. */
static struct dmb_revocable *destroyed(void)
{
	struct dmb_revocable *rev = dmb_revocable_create(live_buf(), NULL);

	dmb_revocable_destroy(rev);
	return rev;
}

/* dma-buf.h: the buffer. */

MISUSE_CASE(get_dma_buf, released, MISUSE_REPORTED)
{
	get_dma_buf(released_buf());
	return true;
}

MISUSE_CASE(dmb_dma_buf_get_unless_zero, released, MISUSE_REPORTED)
{
	return !dmb_dma_buf_get_unless_zero(released_buf());
}

MISUSE_CASE(dma_buf_put, released, MISUSE_REPORTED)
{
	dma_buf_put(released_buf());
	return true;
}

MISUSE_CASE(dma_buf_set_name, released, MISUSE_REPORTED)
{
	return dma_buf_set_name(released_buf(), "x") == -EINVAL;
}

MISUSE_CASE(dma_buf_resv, released, MISUSE_REPORTED)
{
	return dma_buf_resv(released_buf()) == NULL;
}

MISUSE_CASE(dma_buf_priv, released, MISUSE_REPORTED)
{
	return dma_buf_priv(released_buf()) == NULL;
}

MISUSE_CASE(dma_buf_size, released, MISUSE_REPORTED)
{
	return dma_buf_size(released_buf()) == 0;
}

MISUSE_CASE(dma_buf_exporter_name, released, MISUSE_REPORTED)
{
	return strcmp(dma_buf_exporter_name(released_buf()), "(null)") == 0;
}

MISUSE_CASE(dma_buf_name, released, MISUSE_REPORTED)
{
	return strcmp(dma_buf_name(released_buf()), "(null)") == 0;
}

MISUSE_CASE(dma_buf_attach, released, MISUSE_REPORTED)
{
	mock_importer_init(&imp, "misuse-importer");
	return !dma_buf_attach(released_buf(), &imp.dev) && errno == EINVAL;
}

MISUSE_CASE(dma_buf_dynamic_attach, released, MISUSE_REPORTED)
{
	mock_importer_init(&imp, "misuse-importer");
	return !dma_buf_dynamic_attach(released_buf(), &imp.dev,
				       &mock_importer_ops_revocable, &imp) &&
	       errno == EINVAL;
}

MISUSE_CASE(dma_buf_detach, released_buf, MISUSE_REPORTED)
{
	struct dma_buf_attachment *a = live_attach();

	dma_buf_detach(released_buf(), a);
	/* still attached to its own buffer */
	return dma_buf_attachment_dmabuf(a) == imp.dmabuf;
}

MISUSE_CASE(dma_buf_detach, detached, MISUSE_REPORTED)
{
	struct dma_buf_attachment *a = detached();

	dma_buf_detach(imp.dmabuf, a);
	return true;
}

MISUSE_CASE(dma_buf_invalidate_mappings, released, MISUSE_REPORTED)
{
	dma_buf_invalidate_mappings(released_buf());
	return true;
}

MISUSE_CASE(dma_buf_begin_cpu_access, released, MISUSE_REPORTED)
{
	return dma_buf_begin_cpu_access(released_buf(), DMA_BIDIRECTIONAL) == -EINVAL;
}

MISUSE_CASE(dma_buf_end_cpu_access, released, MISUSE_REPORTED)
{
	return dma_buf_end_cpu_access(released_buf(), DMA_BIDIRECTIONAL) == -EINVAL;
}

MISUSE_CASE(dma_buf_vmap, released, MISUSE_REPORTED)
{
	void *vaddr = NULL;

	return dma_buf_vmap(released_buf(), &vaddr) == -EINVAL && !vaddr;
}

MISUSE_CASE(dma_buf_vunmap, released, MISUSE_REPORTED)
{
	dma_buf_vunmap(released_buf(), me.mem);
	return !me.vunmap_calls;
}

MISUSE_CASE(dma_buf_vmap_unlocked, released, MISUSE_REPORTED)
{
	void *vaddr = NULL;

	return dma_buf_vmap_unlocked(released_buf(), &vaddr) == -EINVAL && !vaddr;
}

MISUSE_CASE(dma_buf_vunmap_unlocked, released, MISUSE_REPORTED)
{
	dma_buf_vunmap_unlocked(released_buf(), me.mem);
	return !me.vunmap_calls;
}

/* dma-buf.h: the attachment. */

MISUSE_CASE(dma_buf_attachment_is_dynamic, detached, MISUSE_REPORTED)
{
	return !dma_buf_attachment_is_dynamic(detached());
}

MISUSE_CASE(dma_buf_attach_revocable, detached, MISUSE_REPORTED)
{
	return !dma_buf_attach_revocable(detached());
}

MISUSE_CASE(dma_buf_attachment_dmabuf, detached, MISUSE_REPORTED)
{
	return dma_buf_attachment_dmabuf(detached()) == NULL;
}

MISUSE_CASE(dma_buf_attachment_dev, detached, MISUSE_REPORTED)
{
	return dma_buf_attachment_dev(detached()) == NULL;
}

MISUSE_CASE(dma_buf_attachment_peer2peer, detached, MISUSE_REPORTED)
{
	return !dma_buf_attachment_peer2peer(detached());
}

MISUSE_CASE(dma_buf_attachment_importer_priv, detached, MISUSE_REPORTED)
{
	return dma_buf_attachment_importer_priv(detached()) == NULL;
}

MISUSE_CASE(dma_buf_attachment_importer_name, detached, MISUSE_REPORTED)
{
	return strcmp(dma_buf_attachment_importer_name(detached()), "(null)") == 0;
}

MISUSE_CASE(dma_buf_attachment_priv, detached, MISUSE_REPORTED)
{
	return dma_buf_attachment_priv(detached()) == NULL;
}

MISUSE_CASE(dma_buf_attachment_set_priv, detached, MISUSE_REPORTED)
{
	dma_buf_attachment_set_priv(detached(), &imp);
	return true;
}

MISUSE_CASE(dma_buf_attachment_mapped, detached, MISUSE_REPORTED)
{
	return dma_buf_attachment_mapped(detached()) == 0;
}

MISUSE_CASE(dma_buf_attachment_unmap_latency, detached, MISUSE_REPORTED)
{
	return dma_buf_attachment_unmap_latency(detached()) == -1;
}

MISUSE_CASE(dma_buf_pin, detached, MISUSE_REPORTED)
{
	struct dma_buf_attachment *a = detached();
	int ret;

	dma_resv_lock(dma_buf_resv(imp.dmabuf), NULL);
	ret = dma_buf_pin(a);
	return ret == -EINVAL && !live_me.pin_calls;
}

MISUSE_CASE(dma_buf_unpin, detached, MISUSE_REPORTED)
{
	struct dma_buf_attachment *a = detached();

	dma_resv_lock(dma_buf_resv(imp.dmabuf), NULL);
	dma_buf_unpin(a);
	return !live_me.unpin_calls;
}

MISUSE_CASE(dma_buf_map_attachment, detached, MISUSE_REPORTED)
{
	struct dma_buf_attachment *a = detached();

	dma_resv_lock(dma_buf_resv(imp.dmabuf), NULL);
	return !dma_buf_map_attachment(a, DMA_BIDIRECTIONAL) && errno == EINVAL &&
	       !live_me.map_calls;
}

MISUSE_CASE(dma_buf_unmap_attachment, detached, MISUSE_REPORTED)
{
	struct dma_buf_attachment *a = detached();
	static struct sg_table bogus;

	dma_resv_lock(dma_buf_resv(imp.dmabuf), NULL);
	dma_buf_unmap_attachment(a, &bogus, DMA_BIDIRECTIONAL);
	return !live_me.unmap_calls;
}

MISUSE_CASE(dma_buf_map_attachment_unlocked, detached, MISUSE_REPORTED)
{
	return !dma_buf_map_attachment_unlocked(detached(), DMA_BIDIRECTIONAL) &&
	       errno == EINVAL && !live_me.map_calls;
}

MISUSE_CASE(dma_buf_unmap_attachment_unlocked, detached, MISUSE_REPORTED)
{
	static struct sg_table bogus;

	dma_buf_unmap_attachment_unlocked(detached(), &bogus, DMA_BIDIRECTIONAL);
	return !live_me.unmap_calls;
}

MISUSE_CASE(dma_buf_mapping_token, detached, MISUSE_REPORTED)
{
	struct dma_buf_attachment *a = detached();
	static struct sg_table bogus;

	dma_resv_lock(dma_buf_resv(imp.dmabuf), NULL);
	return !dma_buf_mapping_token(a, &bogus) && errno == EINVAL;
}

/* dma-buf-revoke.h: a released buffer, a destroyed helper. */

MISUSE_CASE(dmb_revocable_create, released, MISUSE_REPORTED)
{
	return !dmb_revocable_create(released_buf(), NULL) && errno == EINVAL;
}

MISUSE_CASE(dmb_revocable_destroy, destroyed, MISUSE_REPORTED)
{
	dmb_revocable_destroy(destroyed());
	return true;
}

MISUSE_CASE(dmb_revocable_set_policy, destroyed, MISUSE_REPORTED)
{
	static const struct dmb_revoke_policy policy = {
		.wait = DMB_REVOKE_WARN_THEN_WAIT,
	};

	return dmb_revocable_set_policy(destroyed(), &policy) == -EINVAL;
}

MISUSE_CASE(dmb_revocable_attach, destroyed, MISUSE_REPORTED)
{
	struct dmb_revocable *rev = destroyed();

	return dmb_revocable_attach(rev, live_attach(), 0) == -EINVAL;
}

MISUSE_CASE(dmb_revocable_map, destroyed, MISUSE_REPORTED)
{
	return dmb_revocable_map(destroyed()) == -EINVAL;
}

MISUSE_CASE(dmb_revocable_unmap, destroyed, MISUSE_REPORTED)
{
	dmb_revocable_unmap(destroyed());
	return true;
}

MISUSE_CASE(dmb_revocable_revoke, destroyed, MISUSE_REPORTED)
{
	return dmb_revocable_revoke(destroyed(), NULL) == -EINVAL;
}

MISUSE_CASE(dmb_revocable_taken_back, destroyed, MISUSE_REPORTED)
{
	dmb_revocable_taken_back(destroyed());
	return true;
}

MISUSE_CASE(dmb_revocable_unrevoke, destroyed, MISUSE_REPORTED)
{
	return dmb_revocable_unrevoke(destroyed()) == -EINVAL;
}

MISUSE_CASE(dmb_revocable_is_revoked, destroyed, MISUSE_REPORTED)
{
	return !dmb_revocable_is_revoked(destroyed());
}

MISUSE_CASE(dmb_revocable_mappings, destroyed, MISUSE_REPORTED)
{
	return dmb_revocable_mappings(destroyed()) == 0;
}
