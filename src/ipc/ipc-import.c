/* SPDX-License-Identifier: MIT */
/*
 * ipc-import.c - the importer's side: a proxy buffer whose ops ask the
 * exporter's process, so the importer uses the ordinary dma-buf API.
 *
 * The proxy is a local dma_buf exported here. Its attach op attaches in the
 * exporter; its map op maps there and maps the memfd it gets back into this
 * process (MAP_SHARED: the same pages, no copy); its unmap and detach ops
 * tell the exporter without waiting. An INVALIDATE from the exporter runs
 * dma_buf_invalidate_mappings() on the proxy in the dispatching thread, so
 * the importer's invalidate_mappings runs in its own process, as required;
 * one of the vmap's handle only marks the vmap revoked (ipc.c).
 *
 * A read-only descriptor (the HELLO reply says which) makes a read-only
 * proxy: maps through which the device would write and CPU write access
 * are refused here with -EACCES (the exporter refuses them too), and the
 * memory is mapped PROT_READ from a read-only descriptor. The vmap is
 * guarded (dmabuf/sigbus-guard.h): once its memory is gone (a revoke took
 * it back, or a read-write peer shrank it), accesses to it complete and
 * the CPU-access calls return -EIO instead of a SIGBUS.
 *
 * Locking: the ops run as the core calls them (map/unmap under the proxy's
 * resv lock); a request blocks under that lock until the exporter answers,
 * which never needs this process's dispatcher (ipc.c). The vmap's handle
 * and revoked mark are under ipc->lock (ipc.c sets them as messages are
 * read); its guard handle and file under the resv lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dmabuf/diag.h>
#include <dmabuf/sigbus-guard.h>
#include <dmabuf/sync_file.h>

#include "ipc-private.h"

static const char proxy_exp_name[] = "ipc-proxy";

struct proxy_map {
	struct sg_table sgt;
	uint64_t handle;
	void *vaddr;
	size_t size;
};

static void send_one_way(struct dmb_ipc_conn *conn, enum dmb_ipc_type type,
			 uint64_t handle)
{
	struct dmb_ipc_msg msg;

	dmb_ipc_msg_init(&msg, type);
	msg.handle = handle;
	/* A dead or hung exporter needs nothing from us: ignore failures. */
	dmb_ipc_msg_send(conn->sock, &msg, -1);
}

static int proxy_attach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct dmb_ipc_conn *conn = dma_buf_priv(dmabuf);
	struct dmb_ipc_msg msg, rep;
	int fd, ret;

	dmb_ipc_msg_init(&msg, DMB_IPC_ATTACH);
	if (dma_buf_attach_revocable(attach))
		msg.arg = DMB_IPC_ATTACH_REVOCABLE;
	ret = dmb_ipc_conn_request(conn, &msg, -1, &rep, &fd);
	if (ret)
		return ret;
	if (fd >= 0 || (!rep.status && !rep.handle)) {
		if (fd >= 0)
			close(fd);
		dmb_ipc_conn_drop(conn, "bad ATTACH reply");
		return -EPROTO;
	}
	if (rep.status)
		return rep.status;
	dma_buf_attachment_set_priv(attach, (void *)(uintptr_t)rep.handle);
	return 0;
}

static void proxy_detach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	uint64_t handle = (uintptr_t)dma_buf_attachment_priv(attach);

	send_one_way(dma_buf_priv(dmabuf), DMB_IPC_DETACH, handle);
}

/*
 * Send @msg (MAP or VMAP) and take its reply, which carries the
 * generation's memfd and a handle covering the whole buffer. Return: 0
 * with *@fd open, the exporter's refusal, -ENODEV once the exporter is
 * gone, or -EPROTO for a malformed reply (the connection is dropped,
 * named by @bad).
 */
static int request_memfd(struct dmb_ipc_conn *conn, struct dmb_ipc_msg *msg,
			 const char *bad, struct dmb_ipc_msg *rep, int *fd)
{
	int ret = dmb_ipc_conn_request(conn, msg, -1, rep, fd);

	if (ret)
		return ret == -ENOTCONN ? -ENODEV : ret;
	if (rep->status || *fd < 0 || !rep->handle || rep->arg != conn->size) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		if (rep->status)
			return rep->status;
		dmb_ipc_conn_drop(conn, bad);
		return -EPROTO;
	}
	return 0;
}

static int proxy_prot(struct dmb_ipc_conn *conn)
{
	return conn->read_only ? PROT_READ : PROT_READ | PROT_WRITE;
}

static int proxy_map(struct dma_buf_attachment *attach,
		     enum dma_data_direction dir, struct sg_table **sgt)
{
	struct dmb_ipc_conn *conn = dma_buf_priv(dma_buf_attachment_dmabuf(attach));
	struct dmb_ipc_msg msg, rep;
	struct proxy_map *map;
	int fd, ret;

	/* Only DMA_TO_DEVICE leaves the memory unwritten by the device. */
	if (conn->read_only && dir != DMA_TO_DEVICE)
		return -EACCES;
	dmb_ipc_msg_init(&msg, DMB_IPC_MAP);
	msg.handle = (uintptr_t)dma_buf_attachment_priv(attach);
	msg.arg = dir;
	ret = request_memfd(conn, &msg, "bad MAP reply", &rep, &fd);
	if (ret)
		return ret;
	ret = -ENOMEM;
	map = calloc(1, sizeof(*map));
	if (!map || sg_alloc_table(&map->sgt, 1))
		goto err_free;
	map->handle = rep.handle;
	map->size = conn->size;
	map->vaddr = mmap(NULL, map->size, proxy_prot(conn), MAP_SHARED, fd, 0);
	if (map->vaddr == MAP_FAILED) {
		ret = -errno;
		sg_free_table(&map->sgt);
		goto err_free;
	}
	close(fd);
	map->sgt.sgl[0].dma_address = (uint64_t)(uintptr_t)map->vaddr;
	map->sgt.sgl[0].dma_length = map->size;
	map->sgt.sgl[0].length = map->size;
	*sgt = &map->sgt;
	return 0;

err_free:
	free(map);
	close(fd);
	send_one_way(conn, DMB_IPC_UNMAP, rep.handle);
	return ret;
}

static void proxy_unmap(struct dma_buf_attachment *attach, struct sg_table *sgt,
			enum dma_data_direction dir)
{
	struct dmb_ipc_conn *conn = dma_buf_priv(dma_buf_attachment_dmabuf(attach));
	struct proxy_map *map = dmb_container_of(sgt, struct proxy_map, sgt);

	(void)dir;
	/*
	 * Told first: a revoke waits for this message, not for our munmap
	 * (which may cost TLB shoot-downs); the importer no longer uses the
	 * mapping either way, and the revoke's truncate takes the pages.
	 */
	send_one_way(conn, DMB_IPC_UNMAP, map->handle);
	munmap(map->vaddr, map->size);
	sg_free_table(&map->sgt);
	free(map);
}

/*
 * The CPU mapping of the whole buffer: the exporter sends the pages'
 * memfd, mapped here, and tells us (INVALIDATE of the vmap's handle,
 * ipc.c) when a revoke is about to take them back; it never waits for us.
 * The core calls this once for all of this process's users. The file is
 * kept: once taken back it is shorter, which the CPU-access calls see.
 */
static int proxy_vmap(struct dma_buf *dmabuf, void **vaddr)
{
	struct dmb_ipc_conn *conn = dma_buf_priv(dmabuf);
	struct dmb_ipc_msg msg, rep;
	void *p;
	int fd, ret;

	dmb_ipc_msg_init(&msg, DMB_IPC_VMAP);
	ret = request_memfd(conn, &msg, "bad VMAP reply", &rep, &fd);
	if (ret)
		goto err_forget;
	p = mmap(NULL, conn->size, proxy_prot(conn), MAP_SHARED, fd, 0);
	ret = p == MAP_FAILED ? -errno : 0;
	if (!ret) {
		ret = dmb_sigbus_guard_add(p, conn->size, proxy_prot(conn));
		if (ret >= 0)
			conn->vmap_guard = ret;
		else
			munmap(p, conn->size);
	}
	if (ret < 0) {
		close(fd);
		send_one_way(conn, DMB_IPC_VUNMAP, rep.handle);
		goto err_forget;
	}
	conn->vmap_fd = fd;
	conn->vmap_reported = false;
	*vaddr = p;
	return 0;

err_forget:
	/* A successful reply named the vmap (ipc.c): it is not ours. */
	pthread_mutex_lock(&conn->ipc->lock);
	conn->vmap_handle = 0;
	pthread_mutex_unlock(&conn->ipc->lock);
	return ret;
}

static void proxy_vunmap(struct dma_buf *dmabuf, void *vaddr)
{
	struct dmb_ipc_conn *conn = dma_buf_priv(dmabuf);
	uint64_t handle;

	dmb_sigbus_guard_del(conn->vmap_guard);
	munmap(vaddr, conn->size);
	close(conn->vmap_fd);
	conn->vmap_fd = -1;
	pthread_mutex_lock(&conn->ipc->lock);
	handle = conn->vmap_handle;
	conn->vmap_handle = 0;
	conn->vmap_revoked = false;
	pthread_mutex_unlock(&conn->ipc->lock);
	send_one_way(conn, DMB_IPC_VUNMAP, handle);
}

/*
 * Whether our vmap's memory is gone: the exporter told us it revokes it
 * (*@told), or the file is shorter than the buffer or an access faulted
 * (dmabuf/sigbus-guard.h): taken back by a revoke, or shrunk by a
 * read-write importer. Resv held (the vmap fields are stable).
 */
static bool vmap_lost(struct dmb_ipc_conn *conn, bool *told)
{
	struct stat st;

	pthread_mutex_lock(&conn->ipc->lock);
	*told = conn->vmap_revoked;
	pthread_mutex_unlock(&conn->ipc->lock);
	return *told || dmb_sigbus_guard_damaged(conn->vmap_guard) ||
	       (!fstat(conn->vmap_fd, &st) && (size_t)st.st_size < conn->size);
}

/*
 * CPU access: a read-only proxy refuses write access; a vmap whose memory
 * is gone (its accesses read zeros, dmabuf/sigbus-guard.h) fails the
 * bracket, from the moment the exporter told us or the memory went,
 * whichever we see first. Reported once per vmap.
 */
static int proxy_cpu_access(struct dma_buf *dmabuf, enum dma_data_direction dir)
{
	struct dmb_ipc_conn *conn = dma_buf_priv(dmabuf);
	struct dma_resv *resv = dma_buf_resv(dmabuf);
	bool told;
	int ret;

	if (conn->read_only && (dir == DMA_TO_DEVICE || dir == DMA_BIDIRECTIONAL))
		return -EACCES;
	/* The vmap fields change under the resv lock (the vmap ops). */
	ret = dma_resv_lock(resv, NULL);
	if (ret)
		return ret;
	if (conn->vmap_fd >= 0 && vmap_lost(conn, &told)) {
		if (!conn->vmap_reported && told)
			dmb_notice("ipc: %s was revoked by its exporter: our "
				   "vmap no longer reaches its memory",
				   dma_buf_name(dmabuf));
		else if (!conn->vmap_reported)
			dmb_notice("ipc: the memory of %s was taken from under "
				   "our vmap (revoked, or shrunk by a "
				   "read-write importer)", dma_buf_name(dmabuf));
		conn->vmap_reported = true;
		ret = -EIO;
	}
	dma_resv_unlock(resv);
	return ret;
}

static void proxy_release(struct dma_buf *dmabuf)
{
	struct dmb_ipc_conn *conn = dma_buf_priv(dmabuf);

	pthread_mutex_lock(&conn->ipc->lock);
	conn->proxy = NULL;
	pthread_mutex_unlock(&conn->ipc->lock);
	/* The exporter sees EOF: whatever is left there is cleaned up. */
	dmb_ipc_conn_close(conn);
	dmb_ipc_conn_put(conn);
}

static const struct dma_buf_ops proxy_ops = {
	.attach = proxy_attach,
	.detach = proxy_detach,
	.map_dma_buf = proxy_map,
	.unmap_dma_buf = proxy_unmap,
	.release = proxy_release,
	.vmap = proxy_vmap,
	.vunmap = proxy_vunmap,
	.begin_cpu_access = proxy_cpu_access,
	.end_cpu_access = proxy_cpu_access,
};

void dmb_ipc_import_invalidate(struct dmb_ipc_conn *conn, bool dead)
{
	struct dmb_ipc *ipc = conn->ipc;
	struct dma_buf *proxy;
	struct dma_resv *resv;

	(void)dead;
	pthread_mutex_lock(&ipc->lock);
	proxy = conn->proxy;
	/* The proxy may be on its way out: only a live one is told. */
	if (proxy && !dmb_dma_buf_get_unless_zero(proxy))
		proxy = NULL;
	pthread_mutex_unlock(&ipc->lock);
	if (!proxy)
		return;
	resv = dma_buf_resv(proxy);
	dma_resv_lock(resv, NULL);
	dma_buf_invalidate_mappings(proxy);
	dma_resv_unlock(resv);
	dma_buf_put(proxy);
}

int dmb_ipc_add_fence(struct dma_buf *dmabuf, struct dma_fence *fence,
		      enum dma_resv_usage usage)
{
	struct dmb_ipc_conn *conn;
	struct dmb_ipc_msg msg, rep;
	int sfd, rfd, ret;

	if (DMB_WARN(!dmabuf || dma_buf_exporter_name(dmabuf) != proxy_exp_name ||
		     !fence || usage > DMA_RESV_USAGE_BOOKKEEP,
		     "dmb_ipc_add_fence: not an imported buffer, or no fence"))
		return -EINVAL;
	conn = dma_buf_priv(dmabuf);
	sfd = dmb_sync_file_export(fence);
	if (sfd < 0)
		return sfd;
	dmb_ipc_msg_init(&msg, DMB_IPC_FENCE);
	msg.arg = usage;
	ret = dmb_ipc_conn_request(conn, &msg, sfd, &rep, &rfd);
	close(sfd);
	if (ret)
		return ret;
	if (rfd >= 0 || rep.handle || rep.arg) {
		if (rfd >= 0)
			close(rfd);
		dmb_ipc_conn_drop(conn, "bad FENCE reply");
		return -EPROTO;
	}
	return rep.status;
}

/*
 * The HELLO on @fd failed with EPIPE: either the exporter is gone (its end
 * closed or shut down: EOF here), or the peer lives but @fd cannot send,
 * so it is not a dma-buf's (a sync_file's is refused by its mark before
 * this, dmb_ipc_fd_check(); this catches any other socket shut for
 * writing). Peeked without blocking: nothing is consumed.
 */
static bool exporter_gone(int fd)
{
	char byte;
	ssize_t n;

	do
		n = recv(fd, &byte, sizeof(byte), MSG_PEEK | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

struct dma_buf *dmb_ipc_import(struct dmb_ipc *ipc, int fd)
{
	struct dma_buf_export_info info = {
		.exp_name = proxy_exp_name,
		.ops = &proxy_ops,
	};
	struct dmb_ipc_conn *conn;
	struct dmb_ipc_msg msg, rep;
	struct dma_buf *proxy;
	int sock, rfd, ret;

	if (DMB_WARN(!ipc, "dmb_ipc_import(NULL, %d)", fd) ||
	    !dmb_ipc_live_or_report(ipc, "dmb_ipc_import")) {
		errno = EINVAL;
		return NULL;
	}
	ret = dmb_ipc_fd_check(fd, false);
	if (ret) {
		errno = -ret;
		return NULL;
	}
	sock = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (sock < 0)
		return NULL;
	conn = dmb_ipc_conn_new(ipc, sock, NULL);
	if (!conn) {
		ret = -errno;
		close(sock);
		goto err;
	}
	/* One reference for the list, one for the proxy (or this function). */
	pthread_mutex_lock(&ipc->lock);
	conn->refs++;
	pthread_mutex_unlock(&ipc->lock);
	dmb_ipc_msg_init(&msg, DMB_IPC_HELLO);
	msg.arg = (uint64_t)getpid();
	memcpy(msg.name, ipc->name, sizeof(msg.name));
	ret = dmb_ipc_conn_request(conn, &msg, -1, &rep, &rfd);
	if (!ret && (rfd >= 0 || rep.status || !rep.arg ||
		     (rep.handle != DMB_IPC_HELLO_RW &&
		      rep.handle != DMB_IPC_HELLO_RO))) {
		if (rfd >= 0)
			close(rfd);
		dmb_ipc_conn_drop(conn, "bad HELLO reply");
		ret = -EPROTO;
	}
	if (ret)
		goto err_conn;
	conn->size = rep.arg;
	conn->read_only = rep.handle == DMB_IPC_HELLO_RO;
	info.size = conn->size;
	info.priv = conn;
	proxy = dma_buf_export(&info);
	if (!proxy) {
		ret = -errno;
		goto err_conn;
	}
	pthread_mutex_lock(&ipc->lock);
	conn->proxy = proxy;
	pthread_mutex_unlock(&ipc->lock);
	return proxy;

err_conn:
	if (ret == -EPIPE && !exporter_gone(fd))
		ret = -EINVAL;
	dmb_ipc_conn_close(conn);
	dmb_ipc_conn_put(conn);
err:
	errno = -ret;
	return NULL;
}
