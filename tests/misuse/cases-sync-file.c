// SPDX-License-Identifier: MIT
/*
 * cases-sync-file.c - misuse of sync_file.h: a NULL fence or context is
 * reported; a bad descriptor (-1, a closed one, a pipe, /dev/null, a
 * socket of another type, a SOCK_SEQPACKET socket that is not a
 * sync_file's, a dma-buf's from dma_buf_fd()) is the caller's runtime
 * error, refused without a report as the kernel's sync_file_get_fence()
 * does (MISUSE_SILENT). An import of a bad descriptor must fail, not give a
 * fence signalled with the error, nor one that stays pending forever.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include <dmabuf/dma-buf.h>
#include <dmabuf/dmb-ipc.h>
#include <dmabuf/sync_file.h>

#include "misuse.h"
#include "mock-fence.h"

static struct dmb_ipc *ctx(void)
{
	return dmb_ipc_create("misuse", 0);
}

/*
 * A descriptor number that was open and is not any more: the last thing a
 * case opens, or the number is reused.
 */
static int closed_fd(void)
{
	int p[2];

	if (pipe(p))
		return -1;
	close(p[0]);
	close(p[1]);
	return p[0];
}

/* An open descriptor that is not a socket. */
static int pipe_fd(void)
{
	int p[2];

	return pipe(p) ? -1 : p[0];
}

/* A Unix socket of the wrong type. */
static int stream_sock(void)
{
	int sv[2];

	return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) ? -1 : sv[0];
}

/*
 * A SOCK_SEQPACKET Unix socket, the type of a sync_file's, with nothing to
 * read: it was taken for a pending sync_file.
 */
static int seqpacket_sock(void)
{
	int sv[2];

	return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) ? -1 : sv[0];
}

/*
 * A dma-buf's descriptor, its exporter's context serving it from its own
 * thread: it says nothing before a HELLO, as a pending sync_file says
 * nothing, and was taken for one.
 */
static int dma_buf_desc(void)
{
	struct dmb_ipc *exporter = dmb_ipc_create("misuse", DMB_IPC_THREAD);
	struct dma_buf *buf = exporter ?
		dmb_memfd_buf_create(exporter, "misuse", 4096, NULL) : NULL;

	return buf ? dma_buf_fd(buf, O_CLOEXEC) : -1;
}

MISUSE_CASE(dmb_sync_file_export, null, MISUSE_REPORTED)
{
	return dmb_sync_file_export(NULL) == -EINVAL;
}

MISUSE_CASE(dmb_sync_file_status, minus_one, MISUSE_SILENT)
{
	return dmb_sync_file_status(-1) == -EBADF;
}

MISUSE_CASE(dmb_sync_file_status, closed_fd, MISUSE_SILENT)
{
	return dmb_sync_file_status(closed_fd()) == -EBADF;
}

MISUSE_CASE(dmb_sync_file_status, pipe, MISUSE_SILENT)
{
	return dmb_sync_file_status(pipe_fd()) == -EINVAL;
}

MISUSE_CASE(dmb_sync_file_status, dev_null, MISUSE_SILENT)
{
	return dmb_sync_file_status(open("/dev/null", O_RDONLY | O_CLOEXEC)) ==
	       -EINVAL;
}

MISUSE_CASE(dmb_sync_file_status, stream_socket, MISUSE_SILENT)
{
	return dmb_sync_file_status(stream_sock()) == -EINVAL;
}

MISUSE_CASE(dmb_sync_file_status, seqpacket_socket, MISUSE_SILENT)
{
	return dmb_sync_file_status(seqpacket_sock()) == -EINVAL;
}

MISUSE_CASE(dmb_sync_file_status, dma_buf_fd, MISUSE_SILENT)
{
	int fd = dma_buf_desc();

	return fd >= 0 && dmb_sync_file_status(fd) == -EINVAL;
}

MISUSE_CASE(dmb_sync_file_import, null_ipc, MISUSE_REPORTED)
{
	return !dmb_sync_file_import(NULL, pipe_fd()) && errno == EINVAL;
}

/* A destroyed context is a released object: reported, not used. */
MISUSE_CASE(dmb_sync_file_import, destroyed_ipc, MISUSE_REPORTED)
{
	struct dmb_ipc *ipc = ctx();
	int fd = dmb_sync_file_export(mock_fence());

	dmb_ipc_destroy(ipc);
	return !dmb_sync_file_import(ipc, fd) && errno == EINVAL;
}

MISUSE_CASE(dmb_sync_file_import, minus_one, MISUSE_SILENT)
{
	return !dmb_sync_file_import(ctx(), -1) && errno == EBADF;
}

MISUSE_CASE(dmb_sync_file_import, closed_fd, MISUSE_SILENT)
{
	struct dmb_ipc *ipc = ctx();

	return !dmb_sync_file_import(ipc, closed_fd()) && errno == EBADF;
}

MISUSE_CASE(dmb_sync_file_import, pipe, MISUSE_SILENT)
{
	return !dmb_sync_file_import(ctx(), pipe_fd()) && errno == EINVAL;
}

MISUSE_CASE(dmb_sync_file_import, stream_socket, MISUSE_SILENT)
{
	return !dmb_sync_file_import(ctx(), stream_sock()) && errno == EINVAL;
}

MISUSE_CASE(dmb_sync_file_import, seqpacket_socket, MISUSE_SILENT)
{
	return !dmb_sync_file_import(ctx(), seqpacket_sock()) && errno == EINVAL;
}

MISUSE_CASE(dmb_sync_file_import, dma_buf_fd, MISUSE_SILENT)
{
	int fd = dma_buf_desc();

	return fd >= 0 && !dmb_sync_file_import(ctx(), fd) && errno == EINVAL;
}

MISUSE_CASE(sync_file_get_fence, no_default, MISUSE_REPORTED)
{
	return !sync_file_get_fence(pipe_fd()) && errno == EINVAL;
}

MISUSE_CASE(sync_file_get_fence, minus_one, MISUSE_SILENT)
{
	dmb_ipc_set_default(ctx());
	return !sync_file_get_fence(-1) && errno == EBADF;
}

MISUSE_CASE(sync_file_get_fence, closed_fd, MISUSE_SILENT)
{
	dmb_ipc_set_default(ctx());
	return !sync_file_get_fence(closed_fd()) && errno == EBADF;
}

MISUSE_CASE(sync_file_get_fence, pipe, MISUSE_SILENT)
{
	dmb_ipc_set_default(ctx());
	return !sync_file_get_fence(pipe_fd()) && errno == EINVAL;
}

MISUSE_CASE(sync_file_get_fence, dma_buf_fd, MISUSE_SILENT)
{
	int fd = dma_buf_desc();

	dmb_ipc_set_default(ctx());
	return fd >= 0 && !sync_file_get_fence(fd) && errno == EINVAL;
}
