/* SPDX-License-Identifier: MIT */
/*
 * ipc-share.h - the buffer the cross-process tests (tests/ipc/) share, and
 * the importer that uses the library to take it: what ipc-child.h leaves
 * to each program, where several programs did it alike.
 *
 * The exporter's side: a memfd buffer filled with a known pattern, its
 * descriptor sent on a control socket. The importer's side: one dynamic
 * attachment a process (struct ipc_imp, given to dma_buf_dynamic_attach()
 * as importer_priv) whose invalidate unmaps at once.
 *
 * Locking: an ipc_imp's @sgt and @invalidated belong to the buffer's resv
 * lock, which the invalidate runs under (in the importer's ipc thread);
 * the rest is the importer's main thread's.
 */
#ifndef DMABUF_TEST_IPC_SHARE_H
#define DMABUF_TEST_IPC_SHARE_H

#include <stdbool.h>
#include <stddef.h>

#include <dmabuf/dma-buf-revoke.h>
#include <dmabuf/dmb-ipc.h>

/* ---- the exporter's side ---- */

/**
 * ipc_share_buf - a memfd buffer of @size bytes served by @ipc, with
 * revoke policy @policy (NULL: the default), byte i holding seed + i * 7
 * (asserted)
 */
struct dma_buf *ipc_share_buf(struct dmb_ipc *ipc, size_t size,
			      const struct dmb_revoke_policy *policy,
			      unsigned char seed);

/** ipc_send_buf - send a read-write descriptor of @buf on @ctl (asserted) */
void ipc_send_buf(struct dma_buf *buf, int ctl);

/* ---- an importer through the library ---- */

struct ipc_imp {
	int ctl;		/* with @tell: where the invalidate says 'I' */
	bool tell;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;		/* resv */
	unsigned int invalidated;	/* resv */
};

/**
 * ipc_imp_invalidate - invalidate_mappings of an attachment whose
 * importer_priv is a struct ipc_imp: unmap its mapping there and then,
 * count the call, and with ->tell say 'I' on ->ctl. Resv lock held.
 */
void ipc_imp_invalidate(struct dma_buf_attachment *attach);

/**
 * ipc_imp_import - create an ipc context @name with its thread (*@ipc),
 * receive a buffer's descriptor on @ctl and import it: through
 * dma_buf_get() with the context made the default (@as_default), or
 * dmb_ipc_import(). CHILD_CHECKed. Return: the buffer.
 */
struct dma_buf *ipc_imp_import(int ctl, const char *name, bool as_default,
			       struct dmb_ipc **ipc);

/**
 * ipc_imp_map - map @imp's attachment of @buf (one entry of @size bytes,
 * CHILD_CHECKed), under the resv lock since the invalidate may free the
 * table as it runs. Return: the bytes, valid until the exporter's revoke.
 */
const unsigned char *ipc_imp_map(struct ipc_imp *imp, struct dma_buf *buf,
				 size_t size);

/**
 * ipc_imp_finish - unmap @imp's mapping if any, detach, put @buf, destroy
 * @ipc; then the importer must have had no warning nor violation
 * (CHILD_CHECKed)
 */
void ipc_imp_finish(struct ipc_imp *imp, struct dma_buf *buf,
		    struct dmb_ipc *ipc);

#endif /* DMABUF_TEST_IPC_SHARE_H */
