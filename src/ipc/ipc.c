/* SPDX-License-Identifier: MIT */
/*
 * ipc.c - the context: its connections, its loop and who reads a socket.
 *
 * One thread at a time reads a connection (conn->reading). A request that
 * waits for its reply reads the socket itself when nobody else is, so the
 * reply never depends on a dispatcher that may be blocked in a callback
 * (an importer's invalidate waiting for a resv lock the requester holds).
 * What such a requester reads that is not its reply is queued and the loop
 * is woken through the event descriptor. What the dispatcher reads is
 * handled at once in the dispatching thread.
 *
 * Who reads which socket when:
 *  - an importer-side connection: the dispatcher, or the thread whose
 *    request waits for its reply (the socket is off the epoll set
 *    meanwhile); conn->reading covers the recv only, what is read is
 *    handled (or queued) after.
 *  - an exporter-side connection: the dispatcher, or a revoking thread in
 *    its unmap wait (dmb_ipc_wait_unmapped(): the revoke's step 6 holds no
 *    resv lock, and reads its importers' UNMAPs itself instead of waiting
 *    for the dispatcher to wake, read them and wake it). conn->reading
 *    covers the recv AND the handling, so exactly one thread at a time
 *    touches the connection's exporter state (attachments, mappings,
 *    teardown), and the next one to hold it sees what the last one did
 *    (ipc->lock between them). The revoking thread claims only the
 *    connections nobody holds, and takes them off the epoll set for the
 *    wait (as a requester does), so the dispatcher skips them, even from
 *    a batch epoll_wait() returned before; it hands them back, put back
 *    in the set, when the wait ends. dmb_ipc_destroy() wakes such a
 *    waiter (ipc->claimers), which gives its claims back at once, and
 *    tears a connection down only once nobody holds it.
 *
 * A request waits for its reply at most dmb_ipc_reply_bound_ns(): an
 * exporter that does not answer by then is treated as gone (the importer's
 * side of the bound an exporter puts on its importers, docs/ipc.md
 * "Bounds"). Whether it acted on the request cannot be known, so the
 * connection is shut down, as for a protocol error: the exporter then
 * undoes whatever it built for us (a late answer finds nobody), and the
 * proxy's mappings are invalidated here as for an exporter that died.
 *
 * Locking: see ipc-private.h. Callbacks run without ipc->lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <dmabuf/check.h>
#include <dmabuf/clock.h>
#include <dmabuf/completion.h>
#include <dmabuf/diag.h>

#include "../base/timeout-private.h"
#include "ipc-private.h"

#define EV_KEY	0	/* the event descriptor's epoll key; conns count from 1 */

static _Atomic(struct dmb_ipc *) default_ipc;

/*
 * The contexts created and not destroyed, so that an entry point refuses a
 * destroyed one (a second destroy included) instead of using freed memory.
 * Locking: live_lock is a leaf lock, never held while taking another.
 */
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dmb_list_head live_ipcs = DMB_LIST_HEAD_INIT(live_ipcs);

bool dmb_ipc_live_or_report(struct dmb_ipc *ipc, const char *call)
{
	struct dmb_ipc *pos;
	bool live = false;

	pthread_mutex_lock(&live_lock);
	dmb_list_for_each_entry(pos, &live_ipcs, live_node) {
		if (pos == ipc) {
			live = true;
			break;
		}
	}
	pthread_mutex_unlock(&live_lock);
	return !DMB_WARN(!live, "%s: context %p was destroyed (or never created)",
			 call, (void *)ipc);
}

/* Drop a reference; the last frees what the context owns. */
static void ipc_put(struct dmb_ipc *ipc)
{
	if (atomic_fetch_sub(&ipc->refs, 1) != 1)
		return;
	close(ipc->evfd);
	close(ipc->epfd);
	pthread_cond_destroy(&ipc->cond);
	pthread_mutex_destroy(&ipc->lock);
	free(ipc);
}

static void wake_loop(struct dmb_ipc *ipc)
{
	uint64_t one = 1;

	/* Only fails if the counter is saturated: the loop is awake anyway. */
	if (write(ipc->evfd, &one, sizeof(one)) < 0)
		return;
}

static struct dmb_ipc_conn *conn_new(struct dmb_ipc *ipc, int sock,
				     struct dma_buf *buf, struct dma_fence *fence)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct dmb_ipc_conn *conn = calloc(1, sizeof(*conn));

	if (!conn)
		return NULL;
	conn->ipc = ipc;
	conn->sock = sock;
	conn->exporter_side = buf != NULL;
	conn->buf = buf;
	conn->fence = fence;
	conn->refs = 1;
	conn->reply_fd = -1;
	conn->vmap_fd = -1;
	dmb_list_init(&conn->atts);
	pthread_mutex_init(&conn->req_lock, NULL);
	pthread_mutex_lock(&ipc->lock);
	conn->id = ++ipc->next_id;
	ev.data.u64 = conn->id;
	if (epoll_ctl(ipc->epfd, EPOLL_CTL_ADD, sock, &ev)) {
		int err = errno;

		pthread_mutex_unlock(&ipc->lock);
		pthread_mutex_destroy(&conn->req_lock);
		free(conn);
		errno = err;
		return NULL;
	}
	conn->listed = true;
	dmb_list_add_tail(&conn->node, &ipc->conns);
	pthread_mutex_unlock(&ipc->lock);
	atomic_fetch_add(&ipc->refs, 1);
	return conn;
}

struct dmb_ipc_conn *dmb_ipc_conn_new(struct dmb_ipc *ipc, int sock,
				      struct dma_buf *buf)
{
	return conn_new(ipc, sock, buf, NULL);
}

struct dmb_ipc_conn *dmb_ipc_conn_new_fence(struct dmb_ipc *ipc, int sock,
					    struct dma_fence *fence)
{
	return conn_new(ipc, sock, NULL, fence);
}

static void conn_get_locked(struct dmb_ipc_conn *conn)
{
	conn->refs++;
}

void dmb_ipc_conn_put(struct dmb_ipc_conn *conn)
{
	struct dmb_ipc *ipc = conn->ipc;
	bool last;

	pthread_mutex_lock(&ipc->lock);
	last = --conn->refs == 0;
	pthread_mutex_unlock(&ipc->lock);
	if (!last)
		return;
	if (conn->reply_fd >= 0)
		close(conn->reply_fd);
	if (conn->fence) {
		dmb_ipc_fence_detach(conn);
		dma_fence_put(conn->fence);
	}
	close(conn->sock);
	pthread_mutex_destroy(&conn->req_lock);
	free(conn);
	ipc_put(ipc);
}

/* Unlist under ipc->lock; the caller drops the list's reference. */
static bool conn_unlist_locked(struct dmb_ipc_conn *conn)
{
	if (!conn->listed)
		return false;
	conn->listed = false;
	dmb_list_del(&conn->node);
	epoll_ctl(conn->ipc->epfd, EPOLL_CTL_DEL, conn->sock, NULL);
	return true;
}

void dmb_ipc_conn_fence_waiting(struct dmb_ipc_conn *conn, bool waiting)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = conn->id };
	struct dmb_ipc *ipc = conn->ipc;
	bool first;

	pthread_mutex_lock(&ipc->lock);
	first = waiting ? conn->fence_waiters++ == 0 : --conn->fence_waiters == 0;
	/*
	 * Taken out, not masked (a hang-up is reported whatever the mask);
	 * put back, a descriptor that became readable meanwhile is reported.
	 */
	if (first && conn->listed)
		epoll_ctl(ipc->epfd, waiting ? EPOLL_CTL_DEL : EPOLL_CTL_ADD,
			  conn->sock, &ev);
	pthread_mutex_unlock(&ipc->lock);
}

void dmb_ipc_conn_close(struct dmb_ipc_conn *conn)
{
	struct dmb_ipc *ipc = conn->ipc;
	bool listed;

	pthread_mutex_lock(&ipc->lock);
	listed = conn_unlist_locked(conn);
	conn->dead = true;
	/* The peer sees EOF now, even if a dispatcher still holds a ref. */
	shutdown(conn->sock, SHUT_RDWR);
	pthread_cond_broadcast(&ipc->cond);
	pthread_mutex_unlock(&ipc->lock);
	if (listed)
		dmb_ipc_conn_put(conn);
}

/*
 * The peer is gone or broke the protocol. Exporter side: undo everything
 * it had (its mappings count as unmapped, its attachments detach), in this
 * thread, which is the one that dispatches it. Importer side: mark it dead
 * and tell the proxy's importers their mappings are stale.
 */
static void conn_dead(struct dmb_ipc_conn *conn, bool dispatcher)
{
	struct dmb_ipc *ipc = conn->ipc;

	if (conn->exporter_side) {
		dmb_ipc_export_teardown(conn);
		dmb_ipc_conn_close(conn);
		return;
	}
	pthread_mutex_lock(&ipc->lock);
	conn->dead = true;
	/* A closed socket stays readable: stop polling it. */
	epoll_ctl(ipc->epfd, EPOLL_CTL_DEL, conn->sock, NULL);
	pthread_cond_broadcast(&ipc->cond);
	if (!dispatcher)
		conn->pending_dead = true;
	pthread_mutex_unlock(&ipc->lock);
	if (dispatcher)
		dmb_ipc_import_invalidate(conn, true);
	else
		wake_loop(ipc);
}

void dmb_ipc_conn_drop(struct dmb_ipc_conn *conn, const char *why)
{
	dmb_notice("ipc: dropping connection to %s: %s",
		   conn->exporter_side ? (conn->peer[0] ? conn->peer : "an importer")
				       : "the exporter", why);
	shutdown(conn->sock, SHUT_RDWR);
}

/*
 * Hand @msg, the awaited reply, and @fd to the request (ipc->lock held).
 * A VMAP's reply names the vmap here, in the same critical section that
 * ends the read, so an INVALIDATE of it read next is known as one.
 */
static void reply_in_locked(struct dmb_ipc_conn *conn,
			    const struct dmb_ipc_msg *msg, int fd)
{
	conn->reply = *msg;
	conn->reply_fd = fd;
	conn->have_reply = true;
	if (conn->req_type == DMB_IPC_VMAP && !msg->status) {
		conn->vmap_handle = msg->handle;
		conn->vmap_revoked = false;
	}
	pthread_cond_broadcast(&conn->ipc->cond);
}

/*
 * An importer received @msg. A reply goes to the waiting request. An
 * INVALIDATE of the vmap marks it revoked (the exporter is about to take
 * its memory back; nothing to call). Any other INVALIDATE is handled now
 * (@dispatcher) or queued for the loop.
 */
static void import_received(struct dmb_ipc_conn *conn,
			    const struct dmb_ipc_msg *msg, int fd, bool dispatcher)
{
	struct dmb_ipc *ipc = conn->ipc;

	pthread_mutex_lock(&ipc->lock);
	if (msg->type == DMB_IPC_REPLY) {
		if (!conn->waiting || conn->have_reply || msg->seq != conn->seq) {
			pthread_mutex_unlock(&ipc->lock);
			if (fd >= 0)
				close(fd);
			dmb_ipc_conn_drop(conn, "unexpected REPLY");
			return;
		}
		reply_in_locked(conn, msg, fd);
		pthread_mutex_unlock(&ipc->lock);
		return;
	}
	if (conn->vmap_handle && msg->handle == conn->vmap_handle) {
		conn->vmap_revoked = true;
		pthread_mutex_unlock(&ipc->lock);
		return;
	}
	if (!dispatcher)
		conn->pending++;
	pthread_mutex_unlock(&ipc->lock);
	if (dispatcher)
		dmb_ipc_import_invalidate(conn, false);
	else
		wake_loop(ipc);
}

/*
 * Read one message from @conn, which this thread holds (conn->reading),
 * and act on it, as @dispatcher or not. An importer-side connection is
 * let go here (reading cleared) before what was read is handled; an
 * exporter-side one stays held, the caller lets it go. Return: 1 if one
 * was handled, 0 if none was there, -EPIPE if the connection ended.
 */
static int conn_read_held(struct dmb_ipc_conn *conn, bool block, bool dispatcher)
{
	struct dmb_ipc *ipc = conn->ipc;
	struct dmb_ipc_msg msg;
	const char *why = NULL;
	int fd = -1, ret;

	if (conn->fence) {
		/* A sync_file: readable means signalled (or its process died). */
		dmb_ipc_fence_ready(conn);
		return 1;
	}
	ret = dmb_ipc_msg_recv(conn->sock, block, conn->exporter_side, &msg,
			       &fd, &why);

	if (!conn->exporter_side) {
		pthread_mutex_lock(&ipc->lock);
		/*
		 * The awaited reply is handed over in the same critical
		 * section that ends the read: were reading cleared first, the
		 * requester could see neither a reader nor a reply and block
		 * in recvmsg() for a reply this thread already took (a hang
		 * seen in examples/ipc-exporter).
		 */
		if (ret > 0 && msg.type == DMB_IPC_REPLY && conn->waiting &&
		    !conn->have_reply && msg.seq == conn->seq) {
			reply_in_locked(conn, &msg, fd);
			conn->reading = false;
			pthread_mutex_unlock(&ipc->lock);
			return 1;
		}
		conn->reading = false;
		pthread_cond_broadcast(&ipc->cond);
		pthread_mutex_unlock(&ipc->lock);
	}

	if (ret == -EBADMSG) {
		dmb_ipc_conn_drop(conn, why);
		return 0;
	}
	if (ret < 0) {
		conn_dead(conn, dispatcher);
		return -EPIPE;
	}
	if (ret == 0)
		return 0;
	if (conn->exporter_side)
		dmb_ipc_export_handle(conn, &msg, fd);
	else
		import_received(conn, &msg, fd, dispatcher);
	return 1;
}

int64_t dmb_ipc_reply_bound_ns(void)
{
	struct dmb_check_bounds b;

	dmb_check_get_bounds(&b);
	/* Both positive (dmb_check_set_bounds()); saturate, never wrap. */
	if (b.fence_ns > (MAX_SCHEDULE_TIMEOUT / 2) - b.unmap_ns)
		return MAX_SCHEDULE_TIMEOUT;
	return 2 * (b.fence_ns + b.unmap_ns);
}

/*
 * Sleep until @sock is readable (a message, EOF, an error) or @deadline
 * passed. Return: 0 if readable, -ETIMEDOUT.
 */
static int wait_readable(int sock, int64_t deadline)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	struct timespec rel, *tsp;
	int n;

	do {
		if (!__dmb_deadline_timespec(deadline, &rel, &tsp))
			return -ETIMEDOUT;
		n = ppoll(&p, 1, tsp, NULL);
	} while (n == 0 || (n < 0 && errno == EINTR));
	/* Any other poll() failure: the read that follows reports it. */
	return 0;
}

/*
 * Wait on ipc->cond (held) until @deadline. Return: false once it passed.
 */
static bool cond_wait_until(struct dmb_ipc *ipc, int64_t deadline)
{
	struct timespec abs;

	if (deadline == MAX_SCHEDULE_TIMEOUT) {
		pthread_cond_wait(&ipc->cond, &ipc->lock);
		return true;
	}
	if (dmb_ktime_get_ns() >= deadline)
		return false;
	abs.tv_sec = deadline / NSEC_PER_SEC;
	abs.tv_nsec = deadline % NSEC_PER_SEC;
	pthread_cond_timedwait(&ipc->cond, &ipc->lock, &abs);
	return true;
}

/* Let go of @conn, held by this thread since it set conn->reading. */
static void conn_let_go(struct dmb_ipc_conn *conn)
{
	struct dmb_ipc *ipc = conn->ipc;

	pthread_mutex_lock(&ipc->lock);
	conn->reading = false;
	pthread_cond_broadcast(&ipc->cond);
	pthread_mutex_unlock(&ipc->lock);
}

/*
 * Read one message from @conn as @dispatcher or as a requester, and act on
 * it, unless another thread holds the connection. Return: as
 * conn_read_held().
 */
static int conn_read(struct dmb_ipc_conn *conn, bool block, bool dispatcher)
{
	struct dmb_ipc *ipc = conn->ipc;
	int ret;

	pthread_mutex_lock(&ipc->lock);
	/* A requester whose reply the dispatcher already took must not block. */
	if (conn->reading || (conn->dead && !conn->exporter_side) ||
	    (!dispatcher && conn->have_reply)) {
		pthread_mutex_unlock(&ipc->lock);
		return 0;
	}
	conn->reading = true;
	pthread_mutex_unlock(&ipc->lock);

	ret = conn_read_held(conn, block, dispatcher);
	if (conn->exporter_side || conn->fence)
		conn_let_go(conn);
	return ret;
}

int dmb_ipc_conn_request(struct dmb_ipc_conn *conn, struct dmb_ipc_msg *msg,
			 int send_fd, struct dmb_ipc_msg *reply, int *fd)
{
	struct dmb_ipc *ipc = conn->ipc;
	int64_t bound = dmb_ipc_reply_bound_ns();
	int64_t deadline = dmb_timeout_deadline(dmb_ktime_get_ns(), bound);
	int ret = 0;

	*fd = -1;
	if (DMB_WARN(ipc->has_thread && pthread_equal(pthread_self(), ipc->thread),
		     "ipc: a request from a callback of its own context"))
		return -EDEADLK;
	pthread_mutex_lock(&conn->req_lock);
	pthread_mutex_lock(&ipc->lock);
	msg->seq = ++conn->seq ? conn->seq : ++conn->seq;
	conn->waiting = true;
	conn->req_type = msg->type;
	conn->have_reply = false;
	ret = conn->dead ? -ENOTCONN : 0;
	/*
	 * The reply is read here (below): the dispatcher stops polling the
	 * socket meanwhile, or every reply would wake it too, to compete for
	 * the CPU and the socket. What else arrives is queued and delivered
	 * by the dispatcher as usual.
	 */
	if (!ret && conn->listed)
		epoll_ctl(ipc->epfd, EPOLL_CTL_DEL, conn->sock, NULL);
	pthread_mutex_unlock(&ipc->lock);
	if (!ret)
		ret = dmb_ipc_msg_send(conn->sock, msg, send_fd);
	pthread_mutex_lock(&ipc->lock);
	while (!ret && !conn->have_reply) {
		if (conn->dead) {
			ret = -ENOTCONN;
			break;
		}
		if (conn->reading) {
			if (!cond_wait_until(ipc, deadline))
				ret = -ETIMEDOUT;
			continue;
		}
		pthread_mutex_unlock(&ipc->lock);
		/* Read without blocking once readable: the dispatcher may race. */
		ret = wait_readable(conn->sock, deadline);
		if (!ret)
			conn_read(conn, false, false);
		pthread_mutex_lock(&ipc->lock);
	}
	/* A reply that came in as the bound passed still counts. */
	if (conn->have_reply) {
		*reply = conn->reply;
		*fd = conn->reply_fd;
		conn->reply_fd = -1;
		ret = 0;
	}
	conn->waiting = false;
	conn->have_reply = false;
	/* Back in the loop: what arrived meanwhile is reported at once. */
	if (conn->listed && !conn->dead && ret != -ETIMEDOUT) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = conn->id };

		epoll_ctl(ipc->epfd, EPOLL_CTL_ADD, conn->sock, &ev);
	}
	pthread_mutex_unlock(&ipc->lock);
	if (ret == -ETIMEDOUT) {
		char why[96];

		/* Gone, as far as we can tell: see the overview. */
		snprintf(why, sizeof(why),
			 "no answer to a request within %lld ms",
			 (long long)(bound / NSEC_PER_MSEC));
		dmb_ipc_conn_drop(conn, why);
		conn_dead(conn, false);
	}
	pthread_mutex_unlock(&conn->req_lock);
	return ret;
}

/* A revoke in dmb_ipc_wait_unmapped(), on ipc->claimers. */
struct claimer {
	struct dmb_list_head node;
	int wake_fd;			/* const: written to stop the wait */
};

/* Take a reference to @ipc if it is live (not destroyed, not destroying). */
static bool ipc_get_live(struct dmb_ipc *ipc)
{
	struct dmb_ipc *pos;
	bool live = false;

	pthread_mutex_lock(&live_lock);
	dmb_list_for_each_entry(pos, &live_ipcs, live_node) {
		if (pos == ipc) {
			atomic_fetch_add(&ipc->refs, 1);
			live = true;
			break;
		}
	}
	pthread_mutex_unlock(&live_lock);
	return live;
}

/*
 * Claim, for a revoking thread, every exporter-side connection of @buf
 * that no thread holds: held (reading), off the epoll set, referenced.
 * ipc->lock held. Return: how many went into @conns (at most @max).
 */
static unsigned int claim_locked(struct dmb_ipc *ipc, struct dma_buf *buf,
				 struct dmb_ipc_conn **conns, unsigned int max)
{
	struct dmb_ipc_conn *conn;
	unsigned int n = 0;

	dmb_list_for_each_entry(conn, &ipc->conns, node) {
		/* conn->buf changes only in a holder's teardown: read it after. */
		if (n == max || !conn->exporter_side || conn->reading ||
		    conn->dead || conn->buf != buf)
			continue;
		conn->reading = true;
		conn_get_locked(conn);
		epoll_ctl(ipc->epfd, EPOLL_CTL_DEL, conn->sock, NULL);
		conns[n++] = conn;
	}
	return n;
}

/* Give the claimed @conns back to the dispatcher, and drop them. */
static void give_back(struct dmb_ipc *ipc, struct dmb_ipc_conn **conns,
		      unsigned int n)
{
	unsigned int i;

	pthread_mutex_lock(&ipc->lock);
	for (i = 0; i < n; i++) {
		struct epoll_event ev = { .events = EPOLLIN,
					  .data.u64 = conns[i]->id };

		/* Put back, what arrived meanwhile is reported at once. */
		if (conns[i]->listed && !conns[i]->dead)
			epoll_ctl(ipc->epfd, EPOLL_CTL_ADD, conns[i]->sock, &ev);
		conns[i]->reading = false;
	}
	pthread_cond_broadcast(&ipc->cond);
	pthread_mutex_unlock(&ipc->lock);
	for (i = 0; i < n; i++)
		dmb_ipc_conn_put(conns[i]);
}

/* Empty the non-blocking eventfd @fd. */
static void drain_wake(int fd)
{
	uint64_t count;

	if (read(fd, &count, sizeof(count)) < 0)
		return;
}

int dmb_ipc_wait_unmapped(struct dmb_ipc *ipc, struct dma_buf *buf,
			  struct dmb_completion *done, int wake_fd,
			  int64_t timeout_ns)
{
	struct claimer me = { .wake_fd = wake_fd };
	struct dmb_ipc_conn **conns = NULL;
	struct dmb_ipc_conn *conn;
	struct pollfd *pfd = NULL;
	unsigned int i, n = 0, max = 0;
	int64_t end, left;
	struct timespec ts;
	int ret = -EAGAIN;

	/* From the call, as the helper's own wait would: the bound is its. */
	end = dmb_timeout_deadline(dmb_ktime_get_ns(), timeout_ns);
	if (!ipc_get_live(ipc))
		return -EAGAIN;
	pthread_mutex_lock(&ipc->lock);
	dmb_list_for_each_entry(conn, &ipc->conns, node)
		max += conn->exporter_side;
	if (!ipc->destroying && max) {
		conns = calloc(max, sizeof(*conns));
		pfd = calloc(max + 1, sizeof(*pfd));
		if (conns && pfd)
			n = claim_locked(ipc, buf, conns, max);
	}
	if (n)
		dmb_list_add_tail(&me.node, &ipc->claimers);
	pthread_mutex_unlock(&ipc->lock);
	if (!n)
		goto out;

	pfd[0].fd = wake_fd;
	pfd[0].events = POLLIN;
	for (i = 0; i < n; i++) {
		pfd[i + 1].fd = conns[i]->sock;
		pfd[i + 1].events = POLLIN;
	}
	for (;;) {
		if (dmb_completion_done(done)) {
			ret = 1;
			break;
		}
		pthread_mutex_lock(&ipc->lock);
		ret = ipc->destroying ? -EAGAIN : 0;
		pthread_mutex_unlock(&ipc->lock);
		left = end - dmb_ktime_get_ns();
		if (ret || left <= 0)
			break;
		ts.tv_sec = left / NSEC_PER_SEC;
		ts.tv_nsec = left % NSEC_PER_SEC;
		if (ppoll(pfd, n + 1, &ts, NULL) <= 0)
			continue;	/* the time, or a signal: looked at above */
		if (pfd[0].revents)
			drain_wake(wake_fd);
		/*
		 * One message per connection and round, each handled as the
		 * dispatcher would; an ended connection's teardown counts its
		 * mappings as unmapped, and it is polled no more.
		 */
		for (i = 0; i < n && !dmb_completion_done(done); i++)
			if (pfd[i + 1].revents &&
			    conn_read_held(conns[i], false, false) == -EPIPE)
				pfd[i + 1].fd = -1;
	}
	pthread_mutex_lock(&ipc->lock);
	dmb_list_del(&me.node);
	pthread_mutex_unlock(&ipc->lock);
	give_back(ipc, conns, n);
out:
	free(pfd);
	free(conns);
	ipc_put(ipc);
	return ret;
}

static struct dmb_ipc_conn *conn_lookup(struct dmb_ipc *ipc, uint64_t id)
{
	struct dmb_ipc_conn *conn;

	pthread_mutex_lock(&ipc->lock);
	dmb_list_for_each_entry(conn, &ipc->conns, node) {
		if (conn->id == id) {
			conn_get_locked(conn);
			pthread_mutex_unlock(&ipc->lock);
			return conn;
		}
	}
	pthread_mutex_unlock(&ipc->lock);
	return NULL;
}

/* Deliver what requesters queued: one connection at a time, unlocked. */
static int run_pending(struct dmb_ipc *ipc)
{
	struct dmb_ipc_conn *conn, *found;
	bool dead;
	int handled = 0;

	do {
		found = NULL;
		dead = false;
		pthread_mutex_lock(&ipc->lock);
		dmb_list_for_each_entry(conn, &ipc->conns, node) {
			if (conn->pending || conn->pending_dead) {
				found = conn;
				dead = conn->pending_dead;
				conn->pending = 0;
				conn->pending_dead = false;
				conn_get_locked(conn);
				break;
			}
		}
		pthread_mutex_unlock(&ipc->lock);
		if (found) {
			dmb_ipc_import_invalidate(found, dead);
			dmb_ipc_conn_put(found);
			handled++;
		}
	} while (found);
	return handled;
}

static int dispatch(struct dmb_ipc *ipc, int timeout)
{
	struct epoll_event evs[16];
	int i, n, handled = 0;

	n = epoll_wait(ipc->epfd, evs, 16, timeout);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (i = 0; i < n; i++) {
		struct dmb_ipc_conn *conn;
		uint64_t count;

		if (evs[i].data.u64 == EV_KEY) {
			if (read(ipc->evfd, &count, sizeof(count)) < 0)
				count = 0;
			continue;
		}
		conn = conn_lookup(ipc, evs[i].data.u64);
		if (!conn)
			continue;
		if (conn_read(conn, false, true) > 0)
			handled++;
		dmb_ipc_conn_put(conn);
	}
	return handled + run_pending(ipc);
}

static void *ipc_thread(void *arg)
{
	struct dmb_ipc *ipc = arg;

	while (!atomic_load(&ipc->stop))
		dispatch(ipc, -1);
	return NULL;
}

struct dmb_ipc *dmb_ipc_create(const char *name, unsigned int flags)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = EV_KEY };
	pthread_condattr_t cattr;
	struct dmb_ipc *ipc;
	size_t len = name ? strlen(name) : 0;
	size_t i;

	if (DMB_WARN(!len || len >= DMB_IPC_NAME_LEN || (flags & ~DMB_IPC_THREAD),
		     "dmb_ipc_create: bad name or flags %#x", flags))
		goto err_inval;
	for (i = 0; i < len; i++)
		if (DMB_WARN(name[i] < 0x20 || name[i] > 0x7e,
			     "dmb_ipc_create: unprintable name"))
			goto err_inval;
	ipc = calloc(1, sizeof(*ipc));
	if (!ipc)
		return NULL;
	memcpy(ipc->name, name, len);
	dmb_list_init(&ipc->conns);
	dmb_list_init(&ipc->claimers);
	pthread_mutex_init(&ipc->lock, NULL);
	/* Requests wait on it until a CLOCK_MONOTONIC deadline. */
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&ipc->cond, &cattr);
	pthread_condattr_destroy(&cattr);
	atomic_init(&ipc->refs, 1);
	ipc->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (ipc->epfd < 0)
		goto err_free;
	ipc->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ipc->evfd < 0)
		goto err_epoll;
	if (epoll_ctl(ipc->epfd, EPOLL_CTL_ADD, ipc->evfd, &ev))
		goto err_evfd;
	if (flags & DMB_IPC_THREAD) {
		errno = pthread_create(&ipc->thread, NULL, ipc_thread, ipc);
		if (errno)
			goto err_evfd;
		ipc->has_thread = true;
	}
	pthread_mutex_lock(&live_lock);
	dmb_list_add_tail(&ipc->live_node, &live_ipcs);
	pthread_mutex_unlock(&live_lock);
	return ipc;

err_evfd:
	close(ipc->evfd);
err_epoll:
	close(ipc->epfd);
err_free:
	pthread_cond_destroy(&ipc->cond);
	pthread_mutex_destroy(&ipc->lock);
	free(ipc);
	return NULL;
err_inval:
	errno = EINVAL;
	return NULL;
}

/* Take @ipc off the live contexts: false (reported) if it was not there. */
static bool ipc_unlist(struct dmb_ipc *ipc)
{
	struct dmb_ipc *pos;

	pthread_mutex_lock(&live_lock);
	dmb_list_for_each_entry(pos, &live_ipcs, live_node) {
		if (pos == ipc) {
			dmb_list_del(&ipc->live_node);
			pthread_mutex_unlock(&live_lock);
			return true;
		}
	}
	pthread_mutex_unlock(&live_lock);
	DMB_WARN(true, "dmb_ipc_destroy: context %p was destroyed (or never created)",
		 (void *)ipc);
	return false;
}

void dmb_ipc_destroy(struct dmb_ipc *ipc)
{
	struct claimer *claimer;
	struct dmb_ipc_conn *conn;
	uint64_t one = 1;

	if (DMB_WARN(!ipc, "dmb_ipc_destroy(NULL)") || !ipc_unlist(ipc))
		return;
	if (ipc->has_thread) {
		atomic_store(&ipc->stop, true);
		wake_loop(ipc);
		pthread_join(ipc->thread, NULL);
	}
	if (atomic_load(&default_ipc) == ipc)
		atomic_store(&default_ipc, NULL);
	/*
	 * A revoke reading its importers gives them back now (and claims
	 * none from here on): their teardown is this thread's.
	 */
	pthread_mutex_lock(&ipc->lock);
	ipc->destroying = true;
	dmb_list_for_each_entry(claimer, &ipc->claimers, node)
		if (write(claimer->wake_fd, &one, sizeof(one)) < 0)
			continue;	/* saturated: it is awake anyway */
	pthread_mutex_unlock(&ipc->lock);
	/* Exporter-side connections still open: their importers are cut off. */
	for (;;) {
		pthread_mutex_lock(&ipc->lock);
		conn = dmb_list_empty(&ipc->conns) ? NULL :
		       dmb_list_first_entry(&ipc->conns, struct dmb_ipc_conn, node);
		if (conn)
			conn_get_locked(conn);
		while (conn && conn->exporter_side && conn->reading)
			pthread_cond_wait(&ipc->cond, &ipc->lock);
		pthread_mutex_unlock(&ipc->lock);
		if (!conn)
			break;
		/* Nobody will signal an imported fence any more: cancel it. */
		if (conn->fence)
			dmb_ipc_fence_cancel(conn);
		DMB_WARN(!conn->exporter_side && !conn->fence,
			 "dmb_ipc_destroy: an imported buffer is still referenced");
		if (conn->exporter_side)
			dmb_ipc_export_teardown(conn);
		dmb_ipc_conn_close(conn);
		dmb_ipc_conn_put(conn);
	}
	/* Every connection is shut down now, which ends the watchers. */
	pthread_mutex_lock(&ipc->lock);
	while (ipc->watchers)
		pthread_cond_wait(&ipc->cond, &ipc->lock);
	pthread_mutex_unlock(&ipc->lock);
	/* Connections a proxy or an imported fence still holds keep it. */
	ipc_put(ipc);
}

int dmb_ipc_get_fd(struct dmb_ipc *ipc)
{
	if (DMB_WARN(!ipc, "dmb_ipc_get_fd(NULL)") ||
	    !dmb_ipc_live_or_report(ipc, "dmb_ipc_get_fd"))
		return -EINVAL;
	return ipc->epfd;
}

int dmb_ipc_dispatch(struct dmb_ipc *ipc)
{
	if (DMB_WARN(!ipc, "dmb_ipc_dispatch(NULL)") ||
	    !dmb_ipc_live_or_report(ipc, "dmb_ipc_dispatch") ||
	    DMB_WARN(ipc->has_thread,
		     "dmb_ipc_dispatch(%p): a context with its own thread",
		     (void *)ipc))
		return -EINVAL;
	return dispatch(ipc, 0);
}

void dmb_ipc_set_default(struct dmb_ipc *ipc)
{
	if (ipc && !dmb_ipc_live_or_report(ipc, "dmb_ipc_set_default"))
		return;
	atomic_store(&default_ipc, ipc);
}

struct dmb_ipc *dmb_ipc_get_default(void)
{
	return atomic_load(&default_ipc);
}

struct dma_buf *dma_buf_get(int fd)
{
	struct dmb_ipc *ipc = dmb_ipc_get_default();

	if (DMB_WARN(!ipc, "dma_buf_get without a default ipc context")) {
		errno = EINVAL;
		return NULL;
	}
	return dmb_ipc_import(ipc, fd);
}
