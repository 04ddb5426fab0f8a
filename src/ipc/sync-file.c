/* SPDX-License-Identifier: MIT */
/*
 * sync-file.c - fences as descriptors.
 *
 * A sync_file is one end of a SOCK_SEQPACKET pair. The exporting process
 * keeps the other end in a fence callback: when the fence signals it sends
 * one record, the fence's status, and closes its end. The descriptor is
 * then readable, and stays so: the status is read with MSG_PEEK, so every
 * poller and every importer sees it. A process that dies closes its end
 * without a record: readable with EOF, status -EPIPE.
 *
 * A dma-buf's descriptor is a SOCK_SEQPACKET socket too, silent until its
 * importer speaks: a pending sync_file and it look the same to a reader.
 * So the descriptor is marked (DMB_IPC_SYNC_FILE_MARK, ipc-private.h) and
 * every call here refuses one without the mark (-EINVAL) rather than
 * report it pending; dma_buf_get() refuses one with it.
 *
 * An imported fence is a connection of its context, whose dispatcher
 * signals it. That alone could deadlock: a revoke waits for the buffer's
 * fences with the resv lock held, and the same dispatcher may be blocked on
 * that lock (a dead peer's teardown, a map). So the first time somebody
 * needs to be told of completion (enable_signaling: a wait, a callback), a
 * watcher thread of its own polls the descriptor too; it ends when the
 * fence signals or the connection closes (its socket is shut down, so the
 * poll returns). Whichever comes first signals, once.
 *
 * Locking: the export callback runs under the fence's lock (the core's
 * rule) and only sends and closes. sync_fence.conn is read and cleared
 * under the fence's lock; the connection's reference count under ipc->lock
 * (taken inside the fence lock, never the other way round).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <dmabuf/clock.h>
#include <dmabuf/diag.h>
#include <dmabuf/sync_file.h>

#include <stdatomic.h>

#include "../base/timeout-private.h"
#include "ipc-private.h"

struct sync_export {
	struct dma_fence_cb cb;
	int sock;
};

static void send_status(int sock, int32_t status)
{
	/* A peer that closed its end needs nothing: ignore failures. */
	send(sock, &status, sizeof(status), MSG_DONTWAIT | MSG_NOSIGNAL);
	close(sock);
}

static void export_signalled(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	struct sync_export *se = dmb_container_of(cb, struct sync_export, cb);

	send_status(se->sock, dma_fence_get_status_locked(fence));
	free(se);
}

int dmb_sync_file_export(struct dma_fence *fence)
{
	struct sync_export *se;
	int sv[2], ret;

	if (DMB_WARN(!fence, "dmb_sync_file_export(NULL)"))
		return -EINVAL;
	se = calloc(1, sizeof(*se));
	if (!se)
		return -ENOMEM;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		ret = -errno;
		free(se);
		return ret;
	}
	/*
	 * Marked as a sync_file's (ipc-private.h), so that the sync_file
	 * calls refuse a dma-buf's descriptor and dma_buf_get() refuses
	 * this one, at once: neither kind says anything before an answer.
	 * The descriptor only reads: shut for writing, so a process that
	 * writes to it (a peer of an older version that took it for a
	 * dma-buf's) is refused (EPIPE) rather than left waiting.
	 */
	ret = DMB_IPC_SYNC_FILE_MARK;
	if (setsockopt(sv[1], SOL_SOCKET, SO_RCVLOWAT, &ret, sizeof(ret)) ||
	    shutdown(sv[1], SHUT_WR)) {
		ret = -errno;
		goto err_close;
	}
	se->sock = sv[0];
	ret = dma_fence_add_callback(fence, &se->cb, export_signalled);
	if (ret && ret != -ENOENT)
		goto err_close;
	if (ret == -ENOENT) {
		send_status(sv[0], dma_fence_get_status(fence));
		free(se);
	}
	return sv[1];

err_close:
	close(sv[0]);
	close(sv[1]);
	free(se);
	return ret;
}

/* The status of @fd, known to be a sync_file's socket. */
static int status_of(int fd)
{
	int32_t status;
	ssize_t n;

	do
		n = recv(fd, &status, sizeof(status), MSG_PEEK | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 :
		       errno == ECONNRESET ? -EPIPE : -errno;
	if (n == 0)
		return -EPIPE;
	if (n != sizeof(status) || status > 1 || status < -4095 || status == 0)
		return -EBADMSG;
	return status;
}

int dmb_sync_file_status(int fd)
{
	int ret = dmb_ipc_fd_check(fd, true);

	return ret ? ret : status_of(fd);
}

struct sync_fence {
	struct dma_fence base;
	atomic_bool done;		/* signalled (by whichever came first) */
	struct dmb_ipc_conn *conn;	/* fence lock: NULL once it is freed */
	/* const once published: the importer process that sent it, if any */
	char owner[DMB_IPC_NAME_LEN + 16];
};

static struct sync_fence *to_sync_fence(struct dma_fence *fence)
{
	return dmb_container_of(fence, struct sync_fence, base);
}

static const char *sync_fence_driver(struct dma_fence *fence)
{
	return "ipc";
}

static const char *sync_fence_timeline(struct dma_fence *fence)
{
	struct sync_fence *sf = to_sync_fence(fence);

	/* A peer's job fence is named after its process, for reports. */
	return sf->owner[0] ? sf->owner : "sync_file";
}

/* Signal @fence with @status (1 or -errno) as its result, once. */
static void signal_with(struct dma_fence *fence, int status)
{
	if (atomic_exchange(&to_sync_fence(fence)->done, true))
		return;
	if (status < 0)
		dma_fence_set_error(fence, status);
	dma_fence_signal(fence);
}

static void *watcher(void *arg)
{
	struct dmb_ipc_conn *conn = arg;
	struct dmb_ipc *ipc = conn->ipc;
	struct pollfd p = { .fd = conn->sock, .events = POLLIN };
	int status;

	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
	status = dmb_sync_file_status(conn->sock);
	/* 0: our own shutdown woke us (the dispatcher signalled it). */
	if (status)
		signal_with(conn->fence, status);
	dmb_ipc_conn_put(conn);
	/* The last touch of the context: dmb_ipc_destroy() waits for it. */
	pthread_mutex_lock(&ipc->lock);
	ipc->watchers--;
	pthread_cond_broadcast(&ipc->cond);
	pthread_mutex_unlock(&ipc->lock);
	return NULL;
}

static bool sync_fence_enable_signaling(struct dma_fence *fence)
{
	struct sync_fence *sf = to_sync_fence(fence);
	struct dmb_ipc_conn *conn = sf->conn;
	pthread_attr_t attr;
	pthread_t thread;
	bool alive = false;

	if (!conn)
		return !atomic_load(&sf->done);
	pthread_mutex_lock(&conn->ipc->lock);
	if (conn->refs && !conn->dead) {
		conn->refs++;
		conn->ipc->watchers++;
		alive = true;
	}
	pthread_mutex_unlock(&conn->ipc->lock);
	if (!alive)
		return !atomic_load(&sf->done);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&thread, &attr, watcher, conn)) {
		/* The dispatcher still signals it; only the shortcut is lost. */
		dmb_notice("ipc: no watcher thread for an imported fence");
		dmb_ipc_conn_put(conn);
		pthread_mutex_lock(&conn->ipc->lock);
		conn->ipc->watchers--;
		pthread_mutex_unlock(&conn->ipc->lock);
	}
	pthread_attr_destroy(&attr);
	return true;
}

/*
 * @sf's connection with a reference, or NULL once it is closed. The
 * waiting thread counts as a watcher: dmb_ipc_destroy() (which cancels the
 * fence and shuts the descriptor down, waking it) waits until it is out.
 */
static struct dmb_ipc_conn *sync_fence_conn(struct sync_fence *sf)
{
	struct dmb_ipc_conn *conn;
	bool alive = false;

	dmb_fence_lock(&sf->base);
	conn = sf->conn;
	if (conn) {
		pthread_mutex_lock(&conn->ipc->lock);
		alive = conn->refs && !conn->dead;
		if (alive) {
			conn->refs++;
			conn->ipc->watchers++;
		}
		pthread_mutex_unlock(&conn->ipc->lock);
	}
	dmb_fence_unlock(&sf->base);
	return alive ? conn : NULL;
}

/* Drop what sync_fence_conn() took; the last touch of the context. */
static void sync_fence_conn_put(struct dmb_ipc_conn *conn)
{
	struct dmb_ipc *ipc = conn->ipc;

	dmb_ipc_conn_put(conn);
	pthread_mutex_lock(&ipc->lock);
	ipc->watchers--;
	pthread_cond_broadcast(&ipc->cond);
	pthread_mutex_unlock(&ipc->lock);
}

/*
 * dma_fence_ops.wait: the waiting thread polls the descriptor itself, so a
 * signal in the other process wakes it directly, not through the
 * dispatcher or the watcher and then the core's futex (one wake-up instead
 * of two). A connection already closed was closed after its fence was
 * signalled (dmb_ipc_fence_ready(), dmb_ipc_destroy()).
 *
 * Why a loop of its own and not the core's default wait (dma-fence.c) with
 * a "block on this descriptor" step: the default wait enables signalling
 * and adds a callback, which for this fence starts the watcher thread (the
 * second wake-up this op exists to avoid), and sleeps on a futex word only
 * that callback sets. Here the descriptor is the wake source and this
 * thread signals the fence itself, with no callback. A core step for it
 * would have to skip both for such fences and call back into this layer
 * to read the status: a second loop inside the first, and a new
 * dma_fence_ops member. Interruptible waits never come here (the core
 * calls .wait for uninterruptible ones only, the kernel's order): they
 * take the default loop, the watcher signalling. An EINTR of ppoll() only
 * re-checks. What the two loops do share, the deadline's arithmetic
 * ("forever", "passed", time left >= 1), is one copy:
 * base/timeout-private.h.
 */
static int64_t sync_fence_wait(struct dma_fence *fence, bool intr,
			       int64_t timeout)
{
	struct sync_fence *sf = to_sync_fence(fence);
	struct dmb_ipc_conn *conn = sync_fence_conn(sf);
	int64_t deadline = dmb_timeout_deadline(dmb_ktime_get_ns(), timeout);
	struct pollfd p = { .events = POLLIN };
	int64_t ret = 0;

	(void)intr;
	if (!conn)
		return timeout;
	p.fd = conn->sock;
	dmb_ipc_conn_fence_waiting(conn, true);
	while (!dma_fence_is_signaled(fence)) {
		struct timespec rel, *tsp;
		int status;

		if (!__dmb_deadline_timespec(deadline, &rel, &tsp))
			goto out;
		if (ppoll(&p, 1, tsp, NULL) <= 0)
			continue;
		/* 0: our context's own shutdown, after it cancelled the fence. */
		status = status_of(conn->sock);
		if (status == -EBADMSG)
			dmb_notice("ipc: a sync_file sent a malformed status");
		if (status)
			signal_with(fence, status);
	}
	/* Closed here, as the dispatcher would: no wake-up of it to do so. */
	dmb_ipc_conn_close(conn);
	dmb_ipc_conn_fence_waiting(conn, false);
	ret = __dmb_deadline_left(deadline);
	sync_fence_conn_put(conn);
	return ret;
out:
	dmb_ipc_conn_fence_waiting(conn, false);
	sync_fence_conn_put(conn);
	return ret;
}

void dmb_ipc_fence_detach(struct dmb_ipc_conn *conn)
{
	struct sync_fence *sf = to_sync_fence(conn->fence);

	dmb_fence_lock(&sf->base);
	sf->conn = NULL;
	dmb_fence_unlock(&sf->base);
}

static const struct dma_fence_ops sync_fence_ops = {
	.get_driver_name = sync_fence_driver,
	.get_timeline_name = sync_fence_timeline,
	.enable_signaling = sync_fence_enable_signaling,
	.wait = sync_fence_wait,
};

void dmb_ipc_fence_ready(struct dmb_ipc_conn *conn)
{
	int status = dmb_sync_file_status(conn->sock);

	if (!status)
		return;
	if (status == -EBADMSG)
		dmb_notice("ipc: a sync_file sent a malformed status");
	signal_with(conn->fence, status);
	dmb_ipc_conn_close(conn);
}

void dmb_ipc_fence_set_owner(struct dma_fence *fence, const char *peer)
{
	struct sync_fence *sf = to_sync_fence(fence);

	snprintf(sf->owner, sizeof(sf->owner), "%s", peer);
}

/*
 * The revoke's fence bound passed: a peer's job fence ends with -ETIMEDOUT,
 * and its descriptor is shut down so the dispatcher closes it rather than
 * keep it for a peer that may never signal.
 */
bool dmb_ipc_fence_end(struct dma_fence *fence)
{
	struct sync_fence *sf = to_sync_fence(fence);

	if (fence->ops != &sync_fence_ops || !sf->owner[0])
		return false;
	signal_with(fence, -ETIMEDOUT);
	dmb_fence_lock(fence);
	if (sf->conn)
		shutdown(sf->conn->sock, SHUT_RDWR);
	dmb_fence_unlock(fence);
	return true;
}

void dmb_ipc_fence_cancel(struct dmb_ipc_conn *conn)
{
	signal_with(conn->fence, -ECANCELED);
}

struct dma_fence *dmb_sync_file_import(struct dmb_ipc *ipc, int fd)
{
	struct sync_fence *sf;
	struct dmb_ipc_conn *conn;
	int sock, status, err;

	if (DMB_WARN(!ipc, "dmb_sync_file_import(NULL, %d)", fd) ||
	    !dmb_ipc_live_or_report(ipc, "dmb_sync_file_import")) {
		errno = EINVAL;
		return NULL;
	}
	/* Else its status would be the error, and the fence signal with it. */
	err = dmb_ipc_fd_check(fd, true);
	if (err) {
		errno = -err;
		return NULL;
	}
	sf = calloc(1, sizeof(*sf));
	if (!sf)
		return NULL;
	dma_fence_init(&sf->base, &sync_fence_ops, NULL,
		       dma_fence_context_alloc(1), 1);
	status = dmb_sync_file_status(fd);
	if (status) {
		signal_with(&sf->base, status);
		return &sf->base;
	}
	sock = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (sock < 0)
		goto err_fence;
	/* The connection holds its own reference until it is freed. */
	conn = dmb_ipc_conn_new_fence(ipc, sock, dma_fence_get(&sf->base));
	if (!conn) {
		err = errno;
		dma_fence_put(&sf->base);
		close(sock);
		errno = err;
		goto err_fence;
	}
	dmb_fence_lock(&sf->base);
	sf->conn = conn;
	dmb_fence_unlock(&sf->base);
	return &sf->base;

err_fence:
	err = errno;
	signal_with(&sf->base, -err);
	dma_fence_put(&sf->base);
	errno = err;
	return NULL;
}

struct dma_fence *sync_file_get_fence(int fd)
{
	struct dmb_ipc *ipc = dmb_ipc_get_default();

	if (DMB_WARN(!ipc, "sync_file_get_fence without a default ipc context")) {
		errno = EINVAL;
		return NULL;
	}
	return dmb_sync_file_import(ipc, fd);
}
