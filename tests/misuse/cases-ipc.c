// SPDX-License-Identifier: MIT
/*
 * cases-ipc.c - misuse of dmb-ipc.h: NULL contexts, buffers and fences,
 * bad names and flags, a buffer of the wrong kind (a local buffer given to
 * dmb_ipc_add_fence(), a buffer not made by dmb_memfd_buf_create() given to
 * dma_buf_fd() or the memfd revoke), the resv lock held by the caller, a
 * dispatch on a context that has its own thread, and a destroyed context
 * (a released object): all reported.
 *
 * Bad descriptors (-1, a closed one, a pipe or /dev/null where a dma-buf's
 * or a socket is expected) are the caller's runtime errors, as in the
 * kernel, whose dma_buf_get(-1) returns -EBADF without a word: refused
 * without a report (MISUSE_SILENT), with the errno the header documents.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <dmabuf/dma-buf.h>
#include <dmabuf/dma-resv.h>
#include <dmabuf/dmb-ipc.h>
#include <dmabuf/sync_file.h>

#include "misuse.h"
#include "mock-exporter.h"
#include "mock-fence.h"

static struct mock_exporter me;

static struct dmb_ipc *ctx(unsigned int flags)
{
	return dmb_ipc_create("misuse", flags);
}

static struct dma_buf *memfd_buf(void)
{
	return dmb_memfd_buf_create(ctx(0), "misuse", 4096, NULL);
}

/* A buffer of another exporter: not a memfd buffer, not imported. */
static struct dma_buf *local_buf(void)
{
	return mock_export(&me, "misuse", 4096, 0);
}

/*
 * A proxy: a memfd buffer imported through a second context of this
 * process; the exporter's context has its own thread to answer.
 */
static struct dma_buf *imported(void)
{
	struct dma_buf *buf = dmb_memfd_buf_create(ctx(DMB_IPC_THREAD), "misuse",
						   4096, NULL);

	return dmb_ipc_import(ctx(0), dma_buf_fd(buf, O_CLOEXEC));
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

static int dev_null(void)
{
	return open("/dev/null", O_RDWR | O_CLOEXEC);
}

/* dmb_ipc_create */

MISUSE_CASE(dmb_ipc_create, null_name, MISUSE_REPORTED)
{
	return !dmb_ipc_create(NULL, 0) && errno == EINVAL;
}

MISUSE_CASE(dmb_ipc_create, empty_name, MISUSE_REPORTED)
{
	return !dmb_ipc_create("", 0) && errno == EINVAL;
}

MISUSE_CASE(dmb_ipc_create, long_name, MISUSE_REPORTED)
{
	return !dmb_ipc_create("a-name-of-thirty-two-bytes-long!", 0) &&
	       errno == EINVAL;
}

MISUSE_CASE(dmb_ipc_create, unprintable_name, MISUSE_REPORTED)
{
	return !dmb_ipc_create("bad\nname", 0) && errno == EINVAL;
}

MISUSE_CASE(dmb_ipc_create, bad_flags, MISUSE_REPORTED)
{
	return !dmb_ipc_create("misuse", 1u << 7) && errno == EINVAL;
}

/* the context */

MISUSE_CASE(dmb_ipc_destroy, null, MISUSE_REPORTED)
{
	dmb_ipc_destroy(NULL);
	return true;
}

MISUSE_CASE(dmb_ipc_get_fd, null, MISUSE_REPORTED)
{
	return dmb_ipc_get_fd(NULL) == -EINVAL;
}

MISUSE_CASE(dmb_ipc_dispatch, null, MISUSE_REPORTED)
{
	return dmb_ipc_dispatch(NULL) == -EINVAL;
}

MISUSE_CASE(dmb_ipc_dispatch, own_thread, MISUSE_REPORTED)
{
	return dmb_ipc_dispatch(ctx(DMB_IPC_THREAD)) == -EINVAL;
}

/*
 * A destroyed context is a released object: every entry point reports and
 * refuses it instead of using freed memory (a second destroy was a double
 * free).
 */
static struct dmb_ipc *destroyed(unsigned int flags)
{
	struct dmb_ipc *ipc = ctx(flags);

	dmb_ipc_destroy(ipc);
	return ipc;
}

MISUSE_CASE(dmb_ipc_destroy, twice, MISUSE_REPORTED)
{
	dmb_ipc_destroy(destroyed(DMB_IPC_THREAD));
	return true;
}

MISUSE_CASE(dmb_ipc_get_fd, destroyed, MISUSE_REPORTED)
{
	return dmb_ipc_get_fd(destroyed(0)) == -EINVAL;
}

MISUSE_CASE(dmb_ipc_dispatch, destroyed, MISUSE_REPORTED)
{
	return dmb_ipc_dispatch(destroyed(0)) == -EINVAL;
}

MISUSE_CASE(dmb_ipc_set_default, destroyed, MISUSE_REPORTED)
{
	dmb_ipc_set_default(destroyed(0));
	return !dma_buf_get(-1) && errno == EINVAL;
}

/*
 * Destroyed while an imported buffer is still referenced (reported): the
 * proxy's last put still closes its connection safely (it was a use of the
 * freed context, seen by ASan), and its ops fail instead.
 */
MISUSE_CASE(dmb_ipc_destroy, imported_buffer_referenced, MISUSE_REPORTED)
{
	struct dmb_ipc *exporter = ctx(DMB_IPC_THREAD), *ipc = ctx(0);
	struct dma_buf *buf = dmb_memfd_buf_create(exporter, "misuse", 4096, NULL);
	struct dma_buf *proxy = dmb_ipc_import(ipc, dma_buf_fd(buf, O_CLOEXEC));
	void *vaddr;

	if (!proxy)
		return false;
	dmb_ipc_destroy(ipc);
	if (!dma_buf_vmap_unlocked(proxy, &vaddr))
		return false;
	dma_buf_put(proxy);
	return true;
}

/* the memfd exporter */

MISUSE_CASE(dmb_memfd_buf_create, null_ipc, MISUSE_REPORTED)
{
	return !dmb_memfd_buf_create(NULL, "misuse", 4096, NULL) &&
	       errno == EINVAL;
}

MISUSE_CASE(dmb_memfd_buf_create, zero_size, MISUSE_REPORTED)
{
	return !dmb_memfd_buf_create(ctx(0), "misuse", 0, NULL) &&
	       errno == EINVAL;
}

MISUSE_CASE(dmb_memfd_buf_create, destroyed_ipc, MISUSE_REPORTED)
{
	return !dmb_memfd_buf_create(destroyed(0), "misuse", 4096, NULL) &&
	       errno == EINVAL;
}

MISUSE_CASE(dmb_memfd_buf_revoke, null, MISUSE_REPORTED)
{
	return dmb_memfd_buf_revoke(NULL, NULL) == -EINVAL;
}

MISUSE_CASE(dmb_memfd_buf_revoke, not_memfd, MISUSE_REPORTED)
{
	return dmb_memfd_buf_revoke(local_buf(), NULL) == -EINVAL;
}

MISUSE_CASE(dmb_memfd_buf_revoke, resv_held, MISUSE_REPORTED)
{
	struct dma_buf *buf = memfd_buf();

	dma_resv_lock(dma_buf_resv(buf), NULL);
	return dmb_memfd_buf_revoke(buf, NULL) == -EINVAL;
}

/* Documented as a runtime state (the exporter's own vmap), not misuse. */
MISUSE_CASE(dmb_memfd_buf_revoke, vmapped, MISUSE_SILENT)
{
	struct dma_buf *buf = memfd_buf();
	void *vaddr;

	return !dma_buf_vmap_unlocked(buf, &vaddr) &&
	       dmb_memfd_buf_revoke(buf, NULL) == -EBUSY;
}

MISUSE_CASE(dmb_memfd_buf_unrevoke, null, MISUSE_REPORTED)
{
	return dmb_memfd_buf_unrevoke(NULL) == -EINVAL;
}

MISUSE_CASE(dmb_memfd_buf_unrevoke, not_memfd, MISUSE_REPORTED)
{
	return dmb_memfd_buf_unrevoke(local_buf()) == -EINVAL;
}

MISUSE_CASE(dmb_memfd_buf_unrevoke, resv_held, MISUSE_REPORTED)
{
	struct dma_buf *buf = memfd_buf();

	if (dmb_memfd_buf_revoke(buf, NULL))
		return false;
	dma_resv_lock(dma_buf_resv(buf), NULL);
	return dmb_memfd_buf_unrevoke(buf) == -EINVAL &&
	       dma_resv_held(dma_buf_resv(buf));
}

/* descriptors of buffers */

MISUSE_CASE(dma_buf_fd, null, MISUSE_REPORTED)
{
	return dma_buf_fd(NULL, O_CLOEXEC) == -EINVAL;
}

MISUSE_CASE(dma_buf_fd, bad_flags, MISUSE_REPORTED)
{
	return dma_buf_fd(memfd_buf(), O_NONBLOCK) == -EINVAL;
}

MISUSE_CASE(dma_buf_fd, not_memfd, MISUSE_REPORTED)
{
	return dma_buf_fd(local_buf(), O_CLOEXEC) == -EOPNOTSUPP;
}

/* The buffer's context destroyed under it: nothing would serve the fd. */
MISUSE_CASE(dma_buf_fd, destroyed_ipc, MISUSE_REPORTED)
{
	struct dmb_ipc *ipc = ctx(0);
	struct dma_buf *buf = dmb_memfd_buf_create(ipc, "misuse", 4096, NULL);

	dmb_ipc_destroy(ipc);
	return dma_buf_fd(buf, O_CLOEXEC) == -EINVAL;
}

MISUSE_CASE(dmb_dma_buf_fd_readonly, null, MISUSE_REPORTED)
{
	return dmb_dma_buf_fd_readonly(NULL, O_CLOEXEC) == -EINVAL;
}

/* O_RDWR asks for what the function exists not to give. */
MISUSE_CASE(dmb_dma_buf_fd_readonly, bad_flags, MISUSE_REPORTED)
{
	return dmb_dma_buf_fd_readonly(memfd_buf(), O_RDWR) == -EINVAL;
}

MISUSE_CASE(dmb_dma_buf_fd_readonly, not_memfd, MISUSE_REPORTED)
{
	return dmb_dma_buf_fd_readonly(local_buf(), O_CLOEXEC) == -EOPNOTSUPP;
}

MISUSE_CASE(dmb_ipc_import, null_ipc, MISUSE_REPORTED)
{
	return !dmb_ipc_import(NULL, dma_buf_fd(memfd_buf(), O_CLOEXEC)) &&
	       errno == EINVAL;
}

MISUSE_CASE(dmb_ipc_import, destroyed_ipc, MISUSE_REPORTED)
{
	return !dmb_ipc_import(destroyed(0), dma_buf_fd(memfd_buf(), O_CLOEXEC)) &&
	       errno == EINVAL;
}

MISUSE_CASE(dmb_ipc_import, minus_one, MISUSE_SILENT)
{
	return !dmb_ipc_import(ctx(0), -1) && errno == EBADF;
}

MISUSE_CASE(dmb_ipc_import, closed_fd, MISUSE_SILENT)
{
	struct dmb_ipc *ipc = ctx(0);

	return !dmb_ipc_import(ipc, closed_fd()) && errno == EBADF;
}

MISUSE_CASE(dmb_ipc_import, pipe, MISUSE_SILENT)
{
	return !dmb_ipc_import(ctx(0), pipe_fd()) && errno == EINVAL;
}

MISUSE_CASE(dmb_ipc_import, dev_null, MISUSE_SILENT)
{
	return !dmb_ipc_import(ctx(0), dev_null()) && errno == EINVAL;
}

/*
 * A sync_file's descriptor is a SOCK_SEQPACKET socket too: refused as not a
 * dma-buf's, pending (its HELLO waited forever for an answer) or signalled.
 */
static int sync_file_fd(bool signalled)
{
	struct dma_fence *fence = mock_fence();
	int fd = dmb_sync_file_export(fence);

	if (signalled)
		dma_fence_signal(fence);
	return fd;
}

MISUSE_CASE(dmb_ipc_import, sync_file_pending, MISUSE_SILENT)
{
	return !dmb_ipc_import(ctx(0), sync_file_fd(false)) && errno == EINVAL;
}

MISUSE_CASE(dmb_ipc_import, sync_file_signalled, MISUSE_SILENT)
{
	return !dmb_ipc_import(ctx(0), sync_file_fd(true)) && errno == EINVAL;
}

/* As a dead exporter's: the sync_file check does not hide it. */
MISUSE_CASE(dmb_ipc_import, exporter_gone, MISUSE_SILENT)
{
	struct dmb_ipc *exporter = ctx(DMB_IPC_THREAD);
	struct dma_buf *buf = dmb_memfd_buf_create(exporter, "misuse", 4096, NULL);
	int fd = dma_buf_fd(buf, O_CLOEXEC);

	dma_buf_put(buf);
	dmb_ipc_destroy(exporter);
	return !dmb_ipc_import(ctx(0), fd) && errno == EPIPE;
}

MISUSE_CASE(dma_buf_get, sync_file, MISUSE_SILENT)
{
	dmb_ipc_set_default(ctx(0));
	return !dma_buf_get(sync_file_fd(false)) && errno == EINVAL;
}

MISUSE_CASE(dma_buf_get, no_default, MISUSE_REPORTED)
{
	return !dma_buf_get(dma_buf_fd(memfd_buf(), O_CLOEXEC)) &&
	       errno == EINVAL;
}

MISUSE_CASE(dma_buf_get, minus_one, MISUSE_SILENT)
{
	dmb_ipc_set_default(ctx(0));
	return !dma_buf_get(-1) && errno == EBADF;
}

MISUSE_CASE(dma_buf_get, closed_fd, MISUSE_SILENT)
{
	dmb_ipc_set_default(ctx(0));
	return !dma_buf_get(closed_fd()) && errno == EBADF;
}

MISUSE_CASE(dma_buf_get, pipe, MISUSE_SILENT)
{
	dmb_ipc_set_default(ctx(0));
	return !dma_buf_get(pipe_fd()) && errno == EINVAL;
}

/* fences into the exporter's resv */

MISUSE_CASE(dmb_ipc_add_fence, null_buf, MISUSE_REPORTED)
{
	return dmb_ipc_add_fence(NULL, mock_fence(),
				 DMA_RESV_USAGE_WRITE) == -EINVAL;
}

MISUSE_CASE(dmb_ipc_add_fence, local_memfd_buf, MISUSE_REPORTED)
{
	return dmb_ipc_add_fence(memfd_buf(), mock_fence(),
				 DMA_RESV_USAGE_WRITE) == -EINVAL;
}

MISUSE_CASE(dmb_ipc_add_fence, local_buf, MISUSE_REPORTED)
{
	return dmb_ipc_add_fence(local_buf(), mock_fence(),
				 DMA_RESV_USAGE_WRITE) == -EINVAL;
}

MISUSE_CASE(dmb_ipc_add_fence, null_fence, MISUSE_REPORTED)
{
	struct dma_buf *proxy = imported();

	return proxy && dmb_ipc_add_fence(proxy, NULL,
					  DMA_RESV_USAGE_WRITE) == -EINVAL;
}

MISUSE_CASE(dmb_ipc_add_fence, bad_usage, MISUSE_REPORTED)
{
	struct dma_buf *proxy = imported();

	return proxy && dmb_ipc_add_fence(proxy, mock_fence(),
					  (enum dma_resv_usage)99) == -EINVAL;
}

/* passing descriptors: sendmsg()'s and recvmsg()'s own refusals */

static int sock_pair(int sv[2])
{
	return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv);
}

MISUSE_CASE(dmb_ipc_send_fd, minus_one_sock, MISUSE_SILENT)
{
	return dmb_ipc_send_fd(-1, dev_null()) == -EBADF;
}

MISUSE_CASE(dmb_ipc_send_fd, closed_sock, MISUSE_SILENT)
{
	int fd = dev_null();

	return dmb_ipc_send_fd(closed_fd(), fd) == -EBADF;
}

MISUSE_CASE(dmb_ipc_send_fd, not_a_socket, MISUSE_SILENT)
{
	return dmb_ipc_send_fd(pipe_fd(), dev_null()) == -ENOTSOCK;
}

MISUSE_CASE(dmb_ipc_send_fd, minus_one_fd, MISUSE_SILENT)
{
	int sv[2];

	return !sock_pair(sv) && dmb_ipc_send_fd(sv[0], -1) == -EBADF;
}

MISUSE_CASE(dmb_ipc_send_fd, closed_fd, MISUSE_SILENT)
{
	int sv[2];

	return !sock_pair(sv) && dmb_ipc_send_fd(sv[0], closed_fd()) == -EBADF;
}

MISUSE_CASE(dmb_ipc_recv_fd, minus_one, MISUSE_SILENT)
{
	return dmb_ipc_recv_fd(-1) == -EBADF;
}

MISUSE_CASE(dmb_ipc_recv_fd, closed_sock, MISUSE_SILENT)
{
	return dmb_ipc_recv_fd(closed_fd()) == -EBADF;
}

MISUSE_CASE(dmb_ipc_recv_fd, not_a_socket, MISUSE_SILENT)
{
	return dmb_ipc_recv_fd(pipe_fd()) == -ENOTSOCK;
}

/*
 * An empty record that carries a descriptor is a peer's malformed message,
 * not EOF: refused, and the descriptor it brought is not left open.
 */
MISUSE_CASE(dmb_ipc_recv_fd, empty_record_with_fd, MISUSE_SILENT)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = &ctl, .iov_len = 0 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c;
	int sv[2], fd = dev_null();

	memset(&ctl, 0, sizeof(ctl));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(fd));
	if (sock_pair(sv) || sendmsg(sv[1], &mh, 0) != 0)
		return false;
	/* The received descriptor takes the lowest free number: this one. */
	close(fd);
	return dmb_ipc_recv_fd(sv[0]) == -EBADMSG && fcntl(fd, F_GETFD) < 0;
}
