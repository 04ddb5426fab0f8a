/* SPDX-License-Identifier: MIT */
/*
 * ipc-share.c - the shared buffer and the library importer of the
 * cross-process tests (ipc-share.h).
 */
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include <dmabuf/dma-buf.h>
#include <dmabuf/dma-resv.h>
#include <dmabuf/diag.h>

#include "ipc-child.h"
#include "ipc-share.h"

struct dma_buf *ipc_share_buf(struct dmb_ipc *ipc, size_t size,
			      const struct dmb_revoke_policy *policy,
			      unsigned char seed)
{
	struct dma_buf *buf = dmb_memfd_buf_create(ipc, "shared", size, policy);
	unsigned char *p;
	void *vaddr;

	assert_non_null(buf);
	assert_int_equal(dma_buf_vmap_unlocked(buf, &vaddr), 0);
	p = vaddr;
	for (size_t i = 0; i < size; i++)
		p[i] = (unsigned char)(seed + i * 7);
	dma_buf_vunmap_unlocked(buf, vaddr);
	return buf;
}

void ipc_send_buf(struct dma_buf *buf, int ctl)
{
	int fd = dma_buf_fd(buf, O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(dmb_ipc_send_fd(ctl, fd), 0);
	close(fd);
}

void ipc_imp_invalidate(struct dma_buf_attachment *attach)
{
	struct ipc_imp *imp = dma_buf_attachment_importer_priv(attach);

	if (imp->sgt)
		dma_buf_unmap_attachment(attach, imp->sgt, DMA_BIDIRECTIONAL);
	imp->sgt = NULL;
	imp->invalidated++;
	if (imp->tell)
		ctl_send(imp->ctl, 'I');
}

struct dma_buf *ipc_imp_import(int ctl, const char *name, bool as_default,
			       struct dmb_ipc **ipc)
{
	struct dma_buf *buf;
	int fd;

	*ipc = dmb_ipc_create(name, DMB_IPC_THREAD);
	CHILD_CHECK(*ipc);
	if (as_default)
		dmb_ipc_set_default(*ipc);
	fd = dmb_ipc_recv_fd(ctl);
	CHILD_CHECK(fd >= 0);
	buf = as_default ? dma_buf_get(fd) : dmb_ipc_import(*ipc, fd);
	CHILD_CHECK(buf);
	close(fd);
	return buf;
}

const unsigned char *ipc_imp_map(struct ipc_imp *imp, struct dma_buf *buf,
				 size_t size)
{
	struct dma_resv *resv = dma_buf_resv(buf);
	struct sg_table *sgt;
	uint64_t addr;

	CHILD_CHECK(dma_resv_lock(resv, NULL) == 0);
	sgt = imp->sgt = dma_buf_map_attachment(imp->attach, DMA_BIDIRECTIONAL);
	CHILD_CHECK(sgt && sgt->nents == 1 && sgt->sgl[0].dma_length == size);
	addr = sgt->sgl[0].dma_address;
	dma_resv_unlock(resv);
	return (const unsigned char *)(uintptr_t)addr;
}

void ipc_imp_finish(struct ipc_imp *imp, struct dma_buf *buf,
		    struct dmb_ipc *ipc)
{
	struct dma_resv *resv = dma_buf_resv(buf);

	CHILD_CHECK(dma_resv_lock(resv, NULL) == 0);
	if (imp->sgt)
		dma_buf_unmap_attachment(imp->attach, imp->sgt, DMA_BIDIRECTIONAL);
	imp->sgt = NULL;
	dma_resv_unlock(resv);
	dma_buf_detach(buf, imp->attach);
	dma_buf_put(buf);
	dmb_ipc_destroy(ipc);
	CHILD_CHECK(dmb_diag_count(DMB_DIAG_WARN) == 0);
	CHILD_CHECK(dmb_diag_count(DMB_DIAG_VIOLATION) == 0);
}
