/* SPDX-License-Identifier: MIT */
/*
 * ipc-export.c - the exporter's side of a connection: an importer process
 * attaches, maps, unmaps and detaches through ordinary attachments of the
 * buffer, named "importer[pid]", and is told to unmap by a message. Its
 * vmap is the memfd it maps, with an attachment that tells it when a
 * revoke takes the pages back: unlike a local vmap, it never holds off a
 * revoke (a peer must not be able to). A read-only connection
 * (dmb_dma_buf_fd_readonly()) gets read-only descriptors of the memory and
 * is refused (-EACCES) any map through which its device would write: the
 * peer's own library refuses it first, but the peer is not trusted.
 *
 * Locking: a connection's attachments and mappings are touched only in the
 * thread that holds it (conn->reading, ipc.c): the dispatcher, or a
 * revoking thread that reads its importers' UNMAPs itself in its unmap
 * wait (bound_wait_unmapped); every message and the teardown run there, so
 * they need no lock of their own. remote_invalidate, vmap_invalidate and
 * bound_cut_off run in the revoking thread under the buffer's resv lock:
 * the first two only send a message; the third sets conn->cut, after
 * which the revoke tears the peer's mappings down in the core. The
 * dispatcher reads conn->cut under the same lock whenever it maps or
 * unmaps, so each of the peer's mappings is unmapped exactly once, by one
 * side or the other.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dmabuf/diag.h>
#include <dmabuf/sync_file.h>

#include "ipc-private.h"
#include "../buf/dma-buf-private.h"	/* has the exporter an mmap op, a vmap op? */
#include "../buf/dma-buf-revoke-private.h"

/* The device type of every remote attachment: tells them from local ones. */
static const char remote_dev_type[] = "ipc-peer";

struct remote_map {
	struct dmb_list_head node;
	uint64_t handle;
	struct sg_table *sgt;
	enum dma_data_direction dir;
};

struct remote_att {
	struct dmb_list_head node;		/* on conn->atts */
	struct dmb_ipc_conn *conn;		/* const */
	uint64_t handle;			/* const */
	struct dma_buf_attach_ops ops;		/* const: named after the peer */
	struct dma_buf_attachment *attach;
	struct dmb_list_head maps;
};

/*
 * The exporter (under the resv lock) says this importer's mappings are
 * stale: tell its process. A peer whose socket is full is not waited for:
 * it is cut off, and its teardown counts its mappings as unmapped.
 */
static void remote_invalidate(struct dma_buf_attachment *attach)
{
	struct remote_att *ra = dma_buf_attachment_importer_priv(attach);
	struct dmb_ipc_msg msg;

	dmb_ipc_msg_init(&msg, DMB_IPC_INVALIDATE);
	msg.handle = ra->handle;
	if (dmb_ipc_msg_send(ra->conn->sock, &msg, -1) == -EAGAIN)
		dmb_ipc_conn_drop(ra->conn, "socket full on invalidate");
}

static void reply(struct dmb_ipc_conn *conn, const struct dmb_ipc_msg *req,
		  int status, uint64_t handle, uint64_t arg, int fd)
{
	struct dmb_ipc_msg msg;

	dmb_ipc_msg_init(&msg, DMB_IPC_REPLY);
	msg.seq = req->seq;
	msg.status = status;
	if (!status) {
		msg.handle = handle;
		msg.arg = arg;
	}
	if (dmb_ipc_msg_send(conn->sock, &msg, status ? -1 : fd))
		dmb_ipc_conn_drop(conn, "cannot reply");
}

static struct remote_att *find_att(struct dmb_ipc_conn *conn, uint64_t handle)
{
	struct remote_att *ra;

	dmb_list_for_each_entry(ra, &conn->atts, node)
		if (ra->handle == handle)
			return ra;
	return NULL;
}

static struct remote_map *find_map(struct dmb_ipc_conn *conn, uint64_t handle,
				   struct remote_att **owner)
{
	struct remote_att *ra;
	struct remote_map *rm;

	dmb_list_for_each_entry(ra, &conn->atts, node)
		dmb_list_for_each_entry(rm, &ra->maps, node)
			if (rm->handle == handle) {
				*owner = ra;
				return rm;
			}
	return NULL;
}

static void do_hello(struct dmb_ipc_conn *conn, const struct dmb_ipc_msg *msg)
{
	conn->hello = true;
	conn->pid = (pid_t)msg->arg;
	snprintf(conn->peer, sizeof(conn->peer), "%s[%d]", msg->name,
		 (int)conn->pid);
	conn->dev.name = conn->peer;
	conn->dev.type = remote_dev_type;
	reply(conn, msg, 0, conn->read_only ? DMB_IPC_HELLO_RO : DMB_IPC_HELLO_RW,
	      dma_buf_size(conn->buf), -1);
}

static void do_attach(struct dmb_ipc_conn *conn, const struct dmb_ipc_msg *msg)
{
	struct remote_att *ra;

	if (conn->nr_atts >= DMB_IPC_PEER_MAX) {
		dmb_ipc_conn_drop(conn, "too many attachments");
		return;
	}
	ra = calloc(1, sizeof(*ra));
	if (!ra) {
		reply(conn, msg, -ENOMEM, 0, 0, -1);
		return;
	}
	ra->conn = conn;
	ra->handle = ++conn->next_handle;
	ra->ops.name = conn->peer;
	if (msg->arg & DMB_IPC_ATTACH_REVOCABLE)
		ra->ops.invalidate_mappings = remote_invalidate;
	dmb_list_init(&ra->maps);
	ra->attach = dma_buf_dynamic_attach(conn->buf, &conn->dev, &ra->ops, ra);
	if (!ra->attach) {
		reply(conn, msg, -errno, 0, 0, -1);
		free(ra);
		return;
	}
	dmb_list_add_tail(&ra->node, &conn->atts);
	conn->nr_atts++;
	reply(conn, msg, 0, ra->handle, 0, -1);
}

/*
 * Fit @fd, a descriptor of the buffer's pages from its mmap op (or -errno),
 * for @conn's peer; @fd is consumed. A writer gets it as it is and is
 * remembered as one that could shrink the pages. A read-only peer gets the
 * file reopened O_RDONLY, made mode 0400 first, so that it cannot reopen
 * it for writing through /proc either (root bypasses modes). Resv held:
 * the pages behind @fd are the current ones.
 */
static int peer_fd(struct dmb_ipc_conn *conn, int fd)
{
	char path[32];
	int ro;

	if (fd < 0)
		return fd;
	if (!conn->read_only) {
		dmb_memfd_buf_note_writer(conn->buf, conn->peer);
		return fd;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ro = fchmod(fd, 0400) ? -1 : open(path, O_RDONLY | O_CLOEXEC);
	if (ro < 0)
		ro = -errno;
	close(fd);
	return ro;
}

static void do_map(struct dmb_ipc_conn *conn, const struct dmb_ipc_msg *msg)
{
	struct remote_att *ra = find_att(conn, msg->handle);
	struct dma_resv *resv = dma_buf_resv(conn->buf);
	struct remote_map *rm;
	int fd;

	if (!ra) {
		dmb_ipc_conn_drop(conn, "MAP of an unknown attachment");
		return;
	}
	/*
	 * Only DMA_TO_DEVICE leaves the memory unwritten by the device. The
	 * peer's library refuses the others itself: noticed, as it means a
	 * peer that does not use it.
	 */
	if (conn->read_only && msg->arg != DMA_TO_DEVICE) {
		dmb_notice("ipc: %s is read-only: MAP for writing refused",
			   conn->peer);
		reply(conn, msg, -EACCES, 0, 0, -1);
		return;
	}
	if (conn->nr_maps >= DMB_IPC_PEER_MAX) {
		dmb_ipc_conn_drop(conn, "too many mappings");
		return;
	}
	rm = calloc(1, sizeof(*rm));
	if (!rm) {
		reply(conn, msg, -ENOMEM, 0, 0, -1);
		return;
	}
	rm->dir = (enum dma_data_direction)msg->arg;
	/*
	 * One hold: the descriptor shows the pages the table was made for.
	 * A peer a revoke cut off maps no more (its teardown would not
	 * unmap it), even if the buffer was unrevoked meanwhile.
	 */
	dma_resv_lock(resv, NULL);
	errno = ENOTCONN;
	rm->sgt = conn->cut ? NULL : dma_buf_map_attachment(ra->attach, rm->dir);
	fd = rm->sgt ? peer_fd(conn, dmb_dma_buf_mmap_fd(conn->buf)) : -errno;
	dma_resv_unlock(resv);
	if (!rm->sgt) {
		reply(conn, msg, fd, 0, 0, -1);
		free(rm);
		return;
	}
	rm->handle = ++conn->next_handle;
	dmb_list_add_tail(&rm->node, &ra->maps);
	conn->nr_maps++;
	if (fd < 0) {
		/* Keep the mapping: the importer's UNMAP never comes, so the
		 * teardown or its DETACH takes it back. */
		reply(conn, msg, fd, 0, 0, -1);
		return;
	}
	reply(conn, msg, 0, rm->handle, dma_buf_size(conn->buf), fd);
	close(fd);
}

/*
 * The peer's mapping @rm goes: unmap it, unless a revoke that cut the peer
 * off did already (decided under the lock that revoke held). The
 * connection's reference keeps the buffer alive across the call.
 */
static void unmap_one(struct remote_att *ra, struct remote_map *rm)
{
	struct dmb_ipc_conn *conn = ra->conn;
	struct dma_resv *resv = dma_buf_resv(conn->buf);

	conn->nr_maps--;
	dmb_list_del(&rm->node);
	dma_resv_lock(resv, NULL);
	if (!conn->cut)
		dma_buf_unmap_attachment(ra->attach, rm->sgt, rm->dir);
	dma_resv_unlock(resv);
	free(rm);
}

static void detach_one(struct remote_att *ra)
{
	struct remote_map *rm, *tmp;

	/* A dead or detaching peer's mappings count as unmapped now. */
	dmb_list_for_each_entry_safe(rm, tmp, &ra->maps, node)
		unmap_one(ra, rm);
	dmb_list_del(&ra->node);
	ra->conn->nr_atts--;
	dma_buf_detach(ra->conn->buf, ra->attach);
	free(ra);
}

/*
 * The revoke (under the resv lock, in the revoking thread) is about to take
 * the pages back: tell the peer its vmap is going. Nothing waits for an
 * answer; a peer whose socket is full is cut off.
 */
static void vmap_invalidate(struct dma_buf_attachment *attach)
{
	struct dmb_ipc_conn *conn = dma_buf_attachment_importer_priv(attach);
	struct dmb_ipc_msg msg;

	dmb_ipc_msg_init(&msg, DMB_IPC_INVALIDATE);
	msg.handle = conn->vmap_handle;
	if (dmb_ipc_msg_send(conn->sock, &msg, -1) == -EAGAIN)
		dmb_ipc_conn_drop(conn, "socket full on invalidate");
}

static void vunmap_remote(struct dmb_ipc_conn *conn)
{
	dma_buf_detach(conn->buf, conn->vmap_att);
	conn->vmap_att = NULL;
	conn->vmap_handle = 0;
}

/*
 * The importer's CPU mapping: the memfd of the pages, which the peer maps.
 * It is not our vmap (that would hold off a revoke, -EBUSY, for as long as
 * the peer pleases): the pages are the peer's until a revoke takes them
 * back, as for a mapping it kept. An attachment without mappings stands
 * for it, so that the revoke's invalidate tells the peer (INVALIDATE of
 * the vmap's handle) and the checker shows it; the revoke has nothing of
 * it to wait for. Refused, as dma_buf_vmap() is, if the exporter has no
 * vmap op.
 */
static void do_vmap(struct dmb_ipc_conn *conn, const struct dmb_ipc_msg *msg)
{
	struct dma_resv *resv = dma_buf_resv(conn->buf);
	int fd;

	/* The importer's core vmaps once however many users it has. */
	if (conn->vmap_handle) {
		dmb_ipc_conn_drop(conn, "second VMAP");
		return;
	}
	if (!conn->buf->ops->vmap) {
		reply(conn, msg, -EINVAL, 0, 0, -1);
		return;
	}
	/* Set before the attachment is listed: its invalidate reads it. */
	conn->vmap_handle = ++conn->next_handle;
	conn->vmap_ops.name = conn->peer;
	conn->vmap_ops.invalidate_mappings = vmap_invalidate;
	conn->vmap_att = dma_buf_dynamic_attach(conn->buf, &conn->dev,
						&conn->vmap_ops, conn);
	if (!conn->vmap_att) {
		conn->vmap_handle = 0;
		reply(conn, msg, -errno, 0, 0, -1);
		return;
	}
	/*
	 * Under the resv lock: either a revoke marked the buffer before
	 * (the mmap op refuses, -ENODEV) or its invalidate, after, finds
	 * the attachment and tells the peer, before it truncates.
	 */
	dma_resv_lock(resv, NULL);
	fd = peer_fd(conn, dmb_dma_buf_mmap_fd(conn->buf));
	dma_resv_unlock(resv);
	if (fd < 0) {
		vunmap_remote(conn);
		reply(conn, msg, fd, 0, 0, -1);
		return;
	}
	reply(conn, msg, 0, conn->vmap_handle, dma_buf_size(conn->buf), fd);
	close(fd);
}

/*
 * The importer's job fence joins the buffer's reservation object, so a
 * revoke (or any waiter) waits for it like a local one; if the importer's
 * process dies first, the fence signals with -EPIPE.
 */
static void do_fence(struct dmb_ipc_conn *conn, const struct dmb_ipc_msg *msg,
		     int fd)
{
	struct dma_resv *resv = dma_buf_resv(conn->buf);
	struct dma_fence *fence;
	unsigned int i = 0;
	int ret;

	/* Forget the peer's fences that ended; refuse more than the cap. */
	while (i < conn->nr_fences) {
		if (!dma_fence_is_signaled(conn->fences[i])) {
			i++;
			continue;
		}
		dma_fence_put(conn->fences[i]);
		conn->fences[i] = conn->fences[--conn->nr_fences];
	}
	if (conn->nr_fences >= DMB_IPC_PEER_MAX) {
		dmb_ipc_conn_drop(conn, "too many pending fences");
		return;
	}
	fence = dmb_sync_file_import(conn->ipc, fd);
	if (!fence) {
		reply(conn, msg, -errno, 0, 0, -1);
		return;
	}
	dmb_ipc_fence_set_owner(fence, conn->peer);
	conn->fences[conn->nr_fences++] = dma_fence_get(fence);
	ret = dma_resv_lock(resv, NULL);
	if (!ret) {
		ret = dma_resv_reserve_fences(resv, 1);
		if (!ret)
			dma_resv_add_fence(resv, fence,
					   (enum dma_resv_usage)msg->arg);
		dma_resv_unlock(resv);
	}
	dma_fence_put(fence);
	reply(conn, msg, ret, 0, 0, -1);
}

/*
 * The revoke's bounds (dma-buf-revoke-private.h), in the revoking thread
 * under the resv lock. An importer process still mapped at the unmap
 * bound is cut off: its socket is shut down, so it can ask for nothing
 * more; the revoke tears its mappings down at once and truncates the
 * memfd after, so the peer's own mapping faults. The dispatcher sees EOF
 * later and tears the peer down as a dead one, without unmapping again
 * (conn->cut). Nothing here waits for the peer or the dispatcher. One
 * notice per peer, however many of its attachments map.
 */
static bool bound_cut_off(struct dma_buf_attachment *attach)
{
	struct device *dev = dma_buf_attachment_dev(attach);
	struct dmb_ipc_conn *conn;

	if (dev->type != remote_dev_type)
		return false;
	conn = dmb_container_of(dev, struct dmb_ipc_conn, dev);
	if (!conn->cut)
		dmb_ipc_conn_drop(conn, "mapped past the revoke's bound");
	conn->cut = true;
	return true;
}

/*
 * The revoke's unmap wait (dma-buf-revoke-private.h), in the revoking
 * thread without the resv lock: it reads the UNMAPs of the buffer's
 * importer processes itself (ipc.c), in the context that shares the
 * buffer (buf_fd()).
 */
static int bound_wait_unmapped(struct dma_buf *dmabuf,
			       struct dmb_completion *done, int wake_fd,
			       int64_t timeout_ns)
{
	struct dmb_ipc *ipc = dmb_memfd_buf_ipc(dmabuf);

	if (!ipc)
		ipc = dmb_ipc_get_default();
	if (!ipc)
		return -EAGAIN;
	return dmb_ipc_wait_unmapped(ipc, dmabuf, done, wake_fd, timeout_ns);
}

static const struct dmb_revoke_bound_ops bound_ops = {
	.end_fence = dmb_ipc_fence_end,
	.cut_off = bound_cut_off,
	.wait_unmapped = bound_wait_unmapped,
};

void dmb_ipc_export_handle(struct dmb_ipc_conn *conn,
			   const struct dmb_ipc_msg *msg, int fd)
{
	struct remote_att *ra;
	struct remote_map *rm;

	if (msg->type == DMB_IPC_FENCE && conn->hello) {
		do_fence(conn, msg, fd);
		close(fd);
		return;
	}
	if (fd >= 0)
		close(fd);
	if ((msg->type == DMB_IPC_HELLO) == conn->hello) {
		dmb_ipc_conn_drop(conn, conn->hello ? "second HELLO" :
				  "a request before HELLO");
		return;
	}
	switch (msg->type) {
	case DMB_IPC_HELLO:
		do_hello(conn, msg);
		break;
	case DMB_IPC_ATTACH:
		do_attach(conn, msg);
		break;
	case DMB_IPC_MAP:
		do_map(conn, msg);
		break;
	case DMB_IPC_UNMAP:
		rm = find_map(conn, msg->handle, &ra);
		if (!rm)
			dmb_ipc_conn_drop(conn, "UNMAP of an unknown mapping");
		else
			unmap_one(ra, rm);
		break;
	case DMB_IPC_VMAP:
		do_vmap(conn, msg);
		break;
	case DMB_IPC_VUNMAP:
		if (msg->handle != conn->vmap_handle)
			dmb_ipc_conn_drop(conn, "VUNMAP of an unknown mapping");
		else
			vunmap_remote(conn);
		break;
	case DMB_IPC_DETACH:
		ra = find_att(conn, msg->handle);
		if (!ra)
			dmb_ipc_conn_drop(conn, "DETACH of an unknown attachment");
		else
			detach_one(ra);
		break;
	default:
		dmb_ipc_conn_drop(conn, "unexpected message");
		break;
	}
}

void dmb_ipc_export_teardown(struct dmb_ipc_conn *conn)
{
	struct remote_att *ra, *tmp;

	dmb_list_for_each_entry_safe(ra, tmp, &conn->atts, node)
		detach_one(ra);
	while (conn->nr_fences)
		dma_fence_put(conn->fences[--conn->nr_fences]);
	if (conn->vmap_handle)
		vunmap_remote(conn);
	if (conn->buf)
		dma_buf_put(conn->buf);
	conn->buf = NULL;
}

static int buf_fd(struct dma_buf *dmabuf, int flags, bool read_only,
		  const char *call)
{
	struct dmb_ipc *ipc;
	struct dmb_ipc_conn *conn;
	int sv[2], err;

	if (DMB_WARN(!dmabuf || (flags & ~O_CLOEXEC),
		     "%s(%p, %#x): no buffer or bad flags", call,
		     (void *)dmabuf, flags))
		return -EINVAL;
	if (DMB_WARN(!dmabuf->ops->mmap,
		     "%s: exporter %s cannot share %s (no mmap op)", call,
		     dma_buf_exporter_name(dmabuf), dma_buf_name(dmabuf)))
		return -EOPNOTSUPP;
	/* A memfd buffer has its context; other kinds use the default one. */
	ipc = dmb_memfd_buf_ipc(dmabuf);
	if (!ipc)
		ipc = dmb_ipc_get_default();
	if (DMB_WARN(!ipc, "%s(%s): no context (dmb_ipc_set_default())",
		     call, dma_buf_name(dmabuf)) ||
	    !dmb_ipc_live_or_report(ipc, call))
		return -EINVAL;
	/* From now on, every revoke bounds what other processes hold. */
	dmb_revoke_set_bound_ops(&bound_ops);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	if (!(flags & O_CLOEXEC) && fcntl(sv[1], F_SETFD, 0))
		goto err_close;
	get_dma_buf(dmabuf);
	conn = dmb_ipc_conn_new(ipc, sv[0], dmabuf);
	if (!conn) {
		err = errno;
		dma_buf_put(dmabuf);
		close(sv[0]);
		close(sv[1]);
		return -err;
	}
	/* Before the peer's end exists: its HELLO finds it set. */
	pthread_mutex_lock(&ipc->lock);
	conn->read_only = read_only;
	pthread_mutex_unlock(&ipc->lock);
	return sv[1];

err_close:
	err = errno;
	close(sv[0]);
	close(sv[1]);
	return -err;
}

int dma_buf_fd(struct dma_buf *dmabuf, int flags)
{
	return buf_fd(dmabuf, flags, false, "dma_buf_fd");
}

int dmb_dma_buf_fd_readonly(struct dma_buf *dmabuf, int flags)
{
	return buf_fd(dmabuf, flags, true, "dmb_dma_buf_fd_readonly");
}
