/* SPDX-License-Identifier: MIT */
/*
 * sync_file.h - fences as descriptors, for other processes (docs/ipc.md).
 *
 * As the kernel's sync_file: a descriptor that poll() reports readable once
 * the fence signalled, carrying its status (1, or the fence's error). The
 * process that exported it keeps the fence's signalling side; a process that
 * receives the descriptor waits on it with poll(), reads the status with
 * dmb_sync_file_status(), or turns it into a struct dma_fence with
 * sync_file_get_fence() and uses it like a local one (a dma_resv, a wait).
 * If the exporting process dies before the fence signalled, the descriptor
 * becomes readable with status -EPIPE and the imported fence signals with
 * that error: nobody waits on a dead process. The descriptor only reads (it
 * is shut down for writing).
 *
 * A sync_file's descriptor and a dma-buf's (dma_buf_fd()) are both
 * SOCK_SEQPACKET Unix sockets; the sync_file's is marked (its SO_RCVLOWAT,
 * docs/ipc.md "Fences"), so each kind is refused with EINVAL at once where
 * the other is expected: a dma-buf's given to the calls below, a
 * sync_file's given to dma_buf_get(). Neither is waited on nor reported
 * pending.
 *
 * A NULL fence or context is reported and refused with EINVAL. A bad
 * descriptor is the caller's runtime error, as in the kernel: refused
 * without a report, EBADF if it is not open, EINVAL if it is not a
 * sync_file's (not a SOCK_SEQPACKET Unix socket, or one without the mark:
 * a dma-buf's, any other socket).
 */
#ifndef DMABUF_SYNC_FILE_H
#define DMABUF_SYNC_FILE_H

#include <dmabuf/compiler.h>
#include <dmabuf/dma-fence.h>

DMB_BEGIN_DECLS

struct dmb_ipc;

/**
 * dmb_sync_file_export - a descriptor for @fence
 *
 * The fence must signal before its last reference goes (as any fence with a
 * callback; the library reports one that does not, and the descriptor then
 * reports -EDEADLK).
 * Context: any thread, not under @fence's lock.
 * Return: the descriptor (close-on-exec), or -errno (-EINVAL and a report
 *	for a NULL @fence).
 */
int dmb_sync_file_export(struct dma_fence *fence);

/**
 * dmb_sync_file_status - the status a sync_file descriptor carries
 *
 * Context: any thread; never blocks.
 * Return: 0 while the fence is pending, 1 once it signalled without error,
 *	the fence's negative error, -EPIPE if its process died first,
 *	-EBADF if @fd is not open, -EINVAL if it is not a sync_file's (a
 *	dma-buf's from dma_buf_fd(), another socket or file), -EBADMSG if
 *	what it carries is not a status (no report for any).
 */
int dmb_sync_file_status(int fd);

/**
 * dmb_sync_file_import - a fence that signals when @fd's fence does
 *
 * @fd is duplicated (the caller closes its own); @ipc's dispatcher signals
 * the fence, with the status as its error, in the dispatching thread.
 * Context: any thread.
 * Return: a new reference, or NULL with errno (EINVAL and a report for a
 *	NULL or destroyed @ipc; EBADF or EINVAL, no report, for a bad @fd, as
 *	dmb_sync_file_status(): a dma-buf's descriptor is EINVAL, never a
 *	pending fence).
 */
struct dma_fence *dmb_sync_file_import(struct dmb_ipc *ipc, int fd);

/**
 * sync_file_get_fence - dmb_sync_file_import() through the default context
 * (dmb_ipc_set_default())
 *
 * Context: any thread. Return: as dmb_sync_file_import(); EINVAL (and a
 *	report) without a default context.
 */
struct dma_fence *sync_file_get_fence(int fd);

DMB_END_DECLS

#endif /* DMABUF_SYNC_FILE_H */
