/* SPDX-License-Identifier: MIT */
/*
 * ipc-private.h - the ipc layer's objects, shared by its files only.
 *
 * Locking: ipc->lock protects the connection list, every connection's
 * reference count, reading flag, reply slot, dead flag and pending events;
 * ipc->cond is broadcast whenever one of those changes. A connection's
 * req_lock serialises the requests that wait for an answer (one in flight
 * per connection). Exporter-side connection state (attachments, mappings)
 * is touched only by the thread that dispatches the connection, and by the
 * connection's teardown, which runs in that thread too; except its cut
 * flag, set by a revoking thread, under the buffer's resv lock, which is
 * also when the core's mappings of a cut peer go (ipc-export.c).
 */
#ifndef DMABUF_IPC_PRIVATE_H
#define DMABUF_IPC_PRIVATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <dmabuf/completion.h>
#include <dmabuf/device.h>
#include <dmabuf/dma-fence.h>
#include <dmabuf/dmb-ipc.h>
#include <dmabuf/list.h>

#define DMB_IPC_MAGIC		0x49424d44u	/* "DMBI" */
#define DMB_IPC_VERSION		1u
#define DMB_IPC_NAME_LEN	32

enum dmb_ipc_type {
	DMB_IPC_HELLO = 1,	/* i->e: arg = pid, name = importer */
	DMB_IPC_ATTACH,		/* i->e: arg = DMB_IPC_ATTACH_* flags */
	DMB_IPC_MAP,		/* i->e: handle = attachment, arg = direction */
	DMB_IPC_UNMAP,		/* i->e: handle = mapping; no answer */
	DMB_IPC_DETACH,		/* i->e: handle = attachment; no answer */
	DMB_IPC_REPLY,		/* e->i: seq, status, handle, arg; a memfd for MAP */
	DMB_IPC_INVALIDATE,	/* e->i: handle = attachment */
	DMB_IPC_FENCE,		/* i->e: arg = usage; a sync_file descriptor */
	DMB_IPC_VMAP,		/* i->e: reply handle = vmap, the memfd */
	DMB_IPC_VUNMAP,		/* i->e: handle = vmap; no answer */
	DMB_IPC_TYPE_MAX = DMB_IPC_VUNMAP,
};

#define DMB_IPC_ATTACH_REVOCABLE	(1u << 0)

/* A HELLO's REPLY handle: the access the descriptor grants. */
#define DMB_IPC_HELLO_RW	1u
#define DMB_IPC_HELLO_RO	2u

/*
 * What one importer process may hold in the exporter at a time: live
 * attachments, live mappings, pending job fences (each a descriptor and,
 * once waited for, a watcher thread). A peer asking for more is cut off,
 * so a flood of requests costs the exporter a bounded amount.
 */
#define DMB_IPC_PEER_MAX		64

/* One message: fixed size, every field validated by dmb_ipc_msg_check(). */
struct dmb_ipc_msg {
	uint32_t magic;
	uint16_t version;
	uint16_t type;
	uint32_t seq;		/* requests and their replies; 0 otherwise */
	int32_t status;		/* REPLY: 0 or -errno; 0 otherwise */
	uint64_t handle;
	uint64_t arg;
	char name[DMB_IPC_NAME_LEN];	/* HELLO: NUL-terminated; else zero */
};

/*
 * dmb_ipc_msg_check - validate @msg of @len bytes that came with @nfds
 * descriptors, as received by @exporter_side.
 * Return: NULL if valid, or what is wrong (for the diagnostic).
 */
const char *dmb_ipc_msg_check(const struct dmb_ipc_msg *msg, size_t len,
			      int nfds, bool exporter_side);

/* dmb_ipc_msg_init - a message of @type with the header filled in */
void dmb_ipc_msg_init(struct dmb_ipc_msg *msg, enum dmb_ipc_type type);

/*
 * A sync_file's descriptor carries this as its SO_RCVLOWAT, set by
 * dmb_sync_file_export() before the descriptor leaves it; a dma-buf's keeps
 * the default (1). Both are SOCK_SEQPACKET Unix sockets, and nothing they
 * carry tells one from the other before an answer arrives (a pending
 * sync_file and a dma-buf's before its HELLO are both silent): the mark is
 * per socket, so every process the descriptor reaches reads it
 * (getsockopt()), and it does nothing else to a SOCK_SEQPACKET socket
 * (neither its reads nor poll() look at SO_RCVLOWAT). "SYNC" in ASCII.
 */
#define DMB_IPC_SYNC_FILE_MARK	0x53594e43

/*
 * dmb_ipc_fd_check - whether @fd can be one of ours: a sync_file's
 * descriptor if @sync_file, else a dma-buf's (both SOCK_SEQPACKET Unix
 * sockets, told apart by DMB_IPC_SYNC_FILE_MARK). A bad descriptor is the
 * caller's runtime error, as in the kernel: no report.
 * Return: 0, -EBADF if @fd is not open, -EINVAL if it is something else
 * (the other kind included).
 */
int dmb_ipc_fd_check(int fd, bool sync_file);

/* Send @msg (and @fd if >= 0) without blocking: 0 or -errno. */
int dmb_ipc_msg_send(int sock, const struct dmb_ipc_msg *msg, int fd);

/*
 * Receive one message: 1 with *@fd set (-1 if none), 0 if nothing is there
 * (non-blocking only), -EPIPE at EOF, -EBADMSG for a malformed message (a
 * descriptor that came with it is closed), or -errno.
 */
int dmb_ipc_msg_recv(int sock, bool block, bool exporter_side,
		     struct dmb_ipc_msg *msg, int *fd, const char **why);

struct dmb_ipc {
	char name[DMB_IPC_NAME_LEN];
	int epfd;
	int evfd;			/* wakes the loop: stop, queued events */
	bool has_thread;
	pthread_t thread;
	atomic_bool stop;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct dmb_list_head conns;
	uint64_t next_id;
	unsigned int watchers;		/* lock: fence watcher threads running,
					 * and threads in a fence's wait op */
	bool destroying;		/* lock: dmb_ipc_destroy() began */
	struct dmb_list_head claimers;	/* lock: revokes reading their
					 * importers (ipc.c) */
	/*
	 * The creator's reference and one per connection: a proxy buffer or
	 * an imported fence that outlives dmb_ipc_destroy() still closes its
	 * connection through the context, which is freed with the last one.
	 */
	atomic_uint refs;
	struct dmb_list_head live_node;	/* live_lock (ipc.c): until destroyed */
};

struct dmb_ipc_conn {
	struct dmb_ipc *ipc;		/* const */
	uint64_t id;			/* const: the epoll key */
	int sock;			/* const until freed */
	bool exporter_side;		/* const */
	bool read_only;			/* const: the descriptor grants reads only */
	struct dmb_list_head node;	/* ipc->lock: on ipc->conns */
	unsigned int refs;		/* ipc->lock */
	bool listed;			/* ipc->lock */
	bool reading;			/* ipc->lock: a thread is in recv; on the
					 * exporter side, or handles what it
					 * read (ipc.c) */
	bool dead;			/* ipc->lock */
	struct dma_fence *fence;	/* const: an imported sync_file's fence */
	unsigned int fence_waiters;	/* ipc->lock: threads in its wait op */
	/* importer side */
	pthread_mutex_t req_lock;
	uint32_t seq;			/* req_lock */
	bool waiting;			/* ipc->lock: a request awaits seq */
	uint16_t req_type;		/* ipc->lock: the type it awaits */
	bool have_reply;		/* ipc->lock */
	struct dmb_ipc_msg reply;	/* ipc->lock */
	int reply_fd;			/* ipc->lock */
	unsigned int pending;		/* ipc->lock: invalidates to deliver */
	bool pending_dead;		/* ipc->lock: death to deliver */
	struct dma_buf *proxy;		/* ipc->lock: set once imported */
	size_t size;			/* const once imported */
	/* exporter side (its dispatching thread) */
	struct dma_buf *buf;
	bool hello;
	pid_t pid;
	char peer[DMB_IPC_NAME_LEN + 16];	/* "name[pid]" */
	struct device dev;
	struct dmb_list_head atts;
	unsigned int nr_atts, nr_maps;	/* at most DMB_IPC_PEER_MAX each */
	bool cut;			/* buf's resv: a revoke cut it off and
					 * tore its mappings down itself */
	struct dma_fence *fences[DMB_IPC_PEER_MAX];	/* its job fences, */
	unsigned int nr_fences;		/* ... pending when last looked at */
	uint64_t next_handle;
	/*
	 * Both sides: the peer's vmap (0: none). The exporter's is its
	 * dispatcher's, written only while vmap_att is not attached (the
	 * revoking thread reads it in vmap_att's invalidate, under the resv
	 * lock). The importer's is under ipc->lock, set where the VMAP's
	 * reply is handed over, so an INVALIDATE of it read right after is
	 * known as one.
	 */
	uint64_t vmap_handle;
	/* exporter: the attachment that tells the peer its vmap is revoked */
	struct dma_buf_attachment *vmap_att;
	struct dma_buf_attach_ops vmap_ops;	/* const: named after the peer */
	bool vmap_revoked;		/* importer, ipc->lock: told (INVALIDATE) */
	/* importer, under the proxy's resv lock, as its vmap ops run */
	int vmap_guard;			/* the vmap's guard handle */
	int vmap_fd;			/* its file (-1: none): shorter once
					 * taken back */
	bool vmap_reported;		/* its loss was reported */
};

/* ipc.c: connections */
/*
 * @buf: the exporter's buffer (a reference passes), or NULL to import; the
 * caller sets read_only before the connection can be dispatched.
 */
struct dmb_ipc_conn *dmb_ipc_conn_new(struct dmb_ipc *ipc, int sock,
				      struct dma_buf *buf);
void dmb_ipc_conn_put(struct dmb_ipc_conn *conn);
/* Take @conn off its context and close its socket's reading end. */
void dmb_ipc_conn_close(struct dmb_ipc_conn *conn);
/* Drop the connection with a diagnostic (a protocol error). */
void dmb_ipc_conn_drop(struct dmb_ipc_conn *conn, const char *why);
/* A connection that signals @fence (a reference passes) when readable. */
struct dmb_ipc_conn *dmb_ipc_conn_new_fence(struct dmb_ipc *ipc, int sock,
					    struct dma_fence *fence);
/*
 * Send a request (with @send_fd if >= 0) and wait for its reply, at most
 * dmb_ipc_reply_bound_ns(); *@fd gets a descriptor or -1. Return: 0 with
 * the reply, -ENOTCONN once the connection is dead, -ETIMEDOUT if no reply
 * came within the bound (the connection is then dropped and dead: the
 * exporter counts as gone), or the send's -errno.
 */
int dmb_ipc_conn_request(struct dmb_ipc_conn *conn, struct dmb_ipc_msg *msg,
			 int send_fd, struct dmb_ipc_msg *reply, int *fd);
/*
 * How long a request waits for the exporter's answer: twice the checker's
 * fence bound plus its unmap bound (dmb_check_get_bounds(), read when the
 * request starts; 4 s by default). A live exporter's dispatcher may be
 * held up that long by a revoke (its map op needs the resv lock the revoke
 * holds while it waits, at most those two bounds), then answers; twice
 * that leaves as much again for the answer itself.
 */
int64_t dmb_ipc_reply_bound_ns(void);
struct dmb_ipc *dmb_ipc_get_default(void);
/*
 * dmb_ipc_wait_unmapped - a revoke's unmap wait (bound ops, dma-buf-revoke-
 * private.h) that reads @buf's importer processes itself: the exporter-side
 * connections of @buf in @ipc that no other thread holds are taken from the
 * dispatcher until @done completes (the UNMAPs they send count there, a
 * peer's EOF is its teardown, any other message is handled as the
 * dispatcher would) or @timeout_ns passes; @wake_fd is polled too.
 * Return: 1 if @done, 0 at the timeout, -EAGAIN if there was nothing to
 * read (no such connection, or the context is being destroyed).
 * Context: no resv lock held.
 */
int dmb_ipc_wait_unmapped(struct dmb_ipc *ipc, struct dma_buf *buf,
			  struct dmb_completion *done, int wake_fd,
			  int64_t timeout_ns);
/*
 * dmb_ipc_live_or_report - whether @ipc is a context created and not yet
 * destroyed; if not, @call is reported (a released object) and the caller
 * refuses it. @ipc is compared as an address, never read.
 */
bool dmb_ipc_live_or_report(struct dmb_ipc *ipc, const char *call);

/* sync-file.c: @conn's sync_file is readable; signal its fence */
void dmb_ipc_fence_ready(struct dmb_ipc_conn *conn);
/* Nobody will signal @conn's fence any more: signal it -ECANCELED. */
void dmb_ipc_fence_cancel(struct dmb_ipc_conn *conn);
/*
 * A thread starts (@waiting) or ends waiting on @conn's fence itself: while
 * one does, the dispatcher stops polling the descriptor (its wake-up would
 * compete with the waiter's).
 */
void dmb_ipc_conn_fence_waiting(struct dmb_ipc_conn *conn, bool waiting);
/* @conn is being freed: its fence forgets it. */
void dmb_ipc_fence_detach(struct dmb_ipc_conn *conn);
/* @fence, imported from a FENCE message, is the job of process @peer. */
void dmb_ipc_fence_set_owner(struct dma_fence *fence, const char *peer);
/* A revoke's fence bound passed: end @fence if it is a peer's (true). */
bool dmb_ipc_fence_end(struct dma_fence *fence);

/* ipc-export.c: the exporter's side of one connection */
/* Handle @msg, which came with @fd (-1 if none; closed here). */
void dmb_ipc_export_handle(struct dmb_ipc_conn *conn,
			   const struct dmb_ipc_msg *msg, int fd);
void dmb_ipc_export_teardown(struct dmb_ipc_conn *conn);

/* ipc-import.c: the importer's side */
void dmb_ipc_import_invalidate(struct dmb_ipc_conn *conn, bool dead);

/* memfd-buf.c: the context serving a memfd buffer; NULL for another kind */
struct dmb_ipc *dmb_memfd_buf_ipc(struct dma_buf *dmabuf);
/*
 * Tell @dmabuf's exporter that @writer, a peer, was given a writable
 * descriptor of its current pages, one that could shrink them (resv held):
 * its note_writer op, if it has one.
 */
void dmb_memfd_buf_note_writer(struct dma_buf *dmabuf, const char *writer);

#endif /* DMABUF_IPC_PRIVATE_H */
