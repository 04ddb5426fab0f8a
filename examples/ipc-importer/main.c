// SPDX-License-Identifier: MIT
/*
 * ipc-importer - the other half of ipc-exporter (run by it, with the
 * number of its control socket as the argument).
 *
 * It receives a buffer descriptor, turns it into a struct dma_buf with
 * dma_buf_get(), attaches as a revocable importer, maps (its mapping is the
 * exporter's pages, not a copy) and prints what the exporter wrote. When
 * the exporter revokes, invalidate_mappings runs here, in the library's
 * thread, and gives the mapping back at once. Afterwards a map fails with
 * -ENODEV. Then it detaches, puts the buffer and exits.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dmabuf/dmb-ipc.h>

/* Shared with invalidate_mappings, under the buffer's resv lock. */
static struct sg_table *mapping;

static void invalidate(struct dma_buf_attachment *attach)
{
	/* The resv lock is held: the locked unmap is the one to call. */
	if (mapping)
		dma_buf_unmap_attachment(attach, mapping, DMA_FROM_DEVICE);
	mapping = NULL;
	printf("importer: told to let go; unmapped\n");
}

static const struct dma_buf_attach_ops ops = {
	.name = "ipc-importer",
	.invalidate_mappings = invalidate,
};

static struct device dev = { .name = "viewer" };

int main(int argc, char **argv)
{
	struct dma_buf_attachment *attach;
	struct dma_resv *resv;
	struct sg_table *sgt;
	struct dmb_ipc *ipc;
	struct dma_buf *buf;
	int ctl, fd, ret = 1;
	char byte;

	if (argc != 2)
		return 2;
	ctl = atoi(argv[1]);
	ipc = dmb_ipc_create("ipc-importer", DMB_IPC_THREAD);
	if (!ipc)
		return 1;
	dmb_ipc_set_default(ipc);
	fd = dmb_ipc_recv_fd(ctl);
	buf = fd >= 0 ? dma_buf_get(fd) : NULL;
	if (fd >= 0)
		close(fd);
	if (!buf)
		goto out_ipc;
	attach = dma_buf_dynamic_attach(buf, &dev, &ops, NULL);
	if (!attach)
		goto out_buf;
	resv = dma_buf_resv(buf);
	dma_resv_lock(resv, NULL);
	sgt = mapping = dma_buf_map_attachment(attach, DMA_FROM_DEVICE);
	dma_resv_unlock(resv);
	if (!sgt)
		goto out_detach;
	printf("importer: mapped %llu bytes, they say \"%s\"\n",
	       (unsigned long long)sgt->sgl[0].dma_length,
	       (const char *)(uintptr_t)sgt->sgl[0].dma_address);
	if (write(ctl, "M", 1) != 1 || read(ctl, &byte, 1) != 1 || byte != 'R')
		goto out_detach;
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_FROM_DEVICE);
	if (sgt) {
		dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_FROM_DEVICE);
		goto out_detach;
	}
	printf("importer: map after the revoke: %s, as it must\n",
	       errno == ENODEV ? "ENODEV" : strerror(errno));
	ret = errno == ENODEV ? 0 : 1;
out_detach:
	dma_resv_lock(resv, NULL);
	if (mapping)
		dma_buf_unmap_attachment(attach, mapping, DMA_FROM_DEVICE);
	mapping = NULL;
	dma_resv_unlock(resv);
	dma_buf_detach(buf, attach);
out_buf:
	dma_buf_put(buf);
out_ipc:
	dmb_ipc_destroy(ipc);
	return ret;
}
