/* SPDX-License-Identifier: MIT */
/*
 * dmb-ipc.h - revocable buffers shared between processes (docs/ipc.md).
 *
 * A buffer travels as a descriptor, as in the kernel: dma_buf_fd() gives a
 * descriptor for a buffer whose exporter has the mmap op (dma-buf.h: a
 * memfd buffer, the reference exporters of libdmabuf-sim), it is passed
 * over a Unix socket (dmb_ipc_send_fd()/dmb_ipc_recv_fd(), SCM_RIGHTS), and
 * the importing process turns it into a struct dma_buf with dma_buf_get() or
 * dmb_ipc_import(). The importer then uses the ordinary API on that proxy
 * buffer; each of its attachments is an ordinary attachment in the exporter,
 * named "importer[pid]", so the revoke helper and the checker see it. A map
 * in the importer is a shared mapping of the descriptor the exporter's mmap
 * op gave for the pages it mapped: the table's single entry has the
 * mapping's address as dma_address.
 *
 * The descriptor is one end of a SOCK_SEQPACKET socket pair whose other end
 * the exporter's context serves. Closing it (or the importing process
 * dying) is seen by the exporter at once: that importer's mappings are
 * unmapped and its attachments detached there.
 *
 * Threads: a context (struct dmb_ipc) serves its connections either from a
 * thread of its own (DMB_IPC_THREAD) or from the program's loop, which polls
 * dmb_ipc_get_fd() and calls dmb_ipc_dispatch() when it is readable. Every
 * callback a remote peer causes — an importer's invalidate_mappings, the
 * exporter ops run for a remote attach, map, unmap or detach — runs in that
 * dispatching thread. A call that needs the exporter's answer (import,
 * attach, map, vmap, dmb_ipc_add_fence()) blocks the calling thread until
 * it arrives, at most a bound: twice the checker's fence bound plus its
 * unmap bound (dmb_check_set_bounds(), read when the request is made; 4 s
 * by default), which leaves a live exporter the time a revoke may hold it
 * up (those two bounds) and as much again. With no answer by then the
 * call fails with ETIMEDOUT (-ETIMEDOUT, or NULL with errno ETIMEDOUT) and
 * a notice, and the exporter counts as gone, as if its process had died:
 * the connection is shut down (so the exporter undoes whatever it did for
 * us, should it ever read the request), the proxy's importers are told
 * their mappings are stale at the next dispatch, and every later request
 * on the buffer fails at once (-ENODEV for maps and vmaps, -ENOTCONN for
 * attach and fences).
 *
 * Misuse (a NULL or destroyed context, a NULL buffer, bad flags, a buffer
 * of the wrong kind, the resv lock held where it must not be) is reported
 * and refused with -EINVAL. A bad descriptor is the caller's runtime error, as in the
 * kernel (whose dma_buf_get(-1) returns -EBADF quietly): refused without a
 * report, with EBADF if it is not open and EINVAL if it is not a dma-buf's.
 */
#ifndef DMABUF_DMB_IPC_H
#define DMABUF_DMB_IPC_H

#include <stddef.h>
#include <dmabuf/compiler.h>
#include <dmabuf/dma-buf.h>
#include <dmabuf/dma-buf-revoke.h>

DMB_BEGIN_DECLS

struct dmb_ipc;

/* Flags for dmb_ipc_create(). */
#define DMB_IPC_THREAD	(1u << 0)	/* the context runs its own thread */

/**
 * dmb_ipc_create - a context that serves cross-process connections
 * @name: this program's name, sent to exporters ("importer" in
 *	"importer[pid]"); at most 31 bytes, printable
 * @flags: 0 (the program dispatches) or DMB_IPC_THREAD
 *
 * Context: any thread.
 * Return: the context, or NULL with errno (EINVAL and a report for a NULL,
 *	empty, long or unprintable @name or unknown @flags; ENOMEM, EMFILE...).
 */
struct dmb_ipc *dmb_ipc_create(const char *name, unsigned int flags);

/**
 * dmb_ipc_destroy - stop the thread, close every connection and free
 *
 * Buffers exported or imported through @ipc must have been put first; one
 * still referenced is reported, its connection closed (its ops fail), and
 * the context's memory kept until its last put.
 * Context: not from a callback of @ipc; NULL or a context already
 *	destroyed is reported and ignored.
 */
void dmb_ipc_destroy(struct dmb_ipc *ipc);

/**
 * dmb_ipc_get_fd - the descriptor to poll for readability
 *
 * Context: any thread. Return: the descriptor, or -EINVAL (and a report)
 *	for a NULL or destroyed @ipc.
 */
int dmb_ipc_get_fd(struct dmb_ipc *ipc);

/**
 * dmb_ipc_dispatch - handle what arrived, without blocking
 *
 * Context: the program's loop; not with a resv lock held; refused
 *	(-EINVAL, reported) for NULL, a destroyed context or one with its
 *	own thread.
 * Return: the number of messages handled, or -errno.
 */
int dmb_ipc_dispatch(struct dmb_ipc *ipc);

/**
 * dmb_ipc_set_default - the context dma_buf_get() imports through
 *
 * Context: any thread; NULL clears it; a destroyed context is reported and
 *	ignored (destroying the default context clears it).
 */
void dmb_ipc_set_default(struct dmb_ipc *ipc);

/**
 * dmb_memfd_buf_create - export @size bytes of memfd memory, revocable
 * @ipc: the context that serves this buffer's descriptors
 * @name: the exporter's name for reports
 * @policy: the revoke wait policy, or NULL for the default
 *
 * Two kinds of importers, side by side (docs/ipc.md, "Bounds"):
 *  - local importers (this process) get @policy's wait mode, by default
 *    warn-then-wait, as for any revocable buffer (dma-buf-revoke.h);
 *  - importer processes are bounded whatever the mode, by @policy's
 *    fence_bound_ns and unmap_bound_ns (0: the checker's bounds, 1 s each
 *    by default): at the fence bound a peer's pending job fence ends with
 *    -ETIMEDOUT (V7, the fence named "ipc:name[pid]"); at the unmap bound
 *    a peer still mapped is cut off as if its process had died (V6 naming
 *    "name[pid]"). A dead peer counts as unmapped at once.
 * The exporter reaches the bytes with dma_buf_vmap() like any buffer.
 * Context: any thread.
 * Return: the buffer, or NULL with errno (EINVAL and a report for a NULL
 *	or destroyed @ipc or a zero @size).
 */
struct dma_buf *dmb_memfd_buf_create(struct dmb_ipc *ipc, const char *name,
				     size_t size,
				     const struct dmb_revoke_policy *policy);

/**
 * dmb_memfd_buf_revoke - revoke every importer, local or remote
 *
 * Runs the revoke helper's sequence (invalidate, fences, unmaps), then
 * truncates the memfd: when it returns no process can reach the old pages
 * through a mapping. A hung importer process delays it by at most the
 * fence bound plus the unmap bound (see dmb_memfd_buf_create()); @stats
 * count what was forced (forced: mappings of cut-off peers, forced_fences:
 * their fences). A peer cut off has its mappings torn down by the revoke
 * itself; the thread that dispatches the context detaches it later.
 * Refused with -EBUSY while this process has it vmapped (a runtime state:
 * no report); an importer process's vmap never holds it off: the peer is
 * told, and its mapping faults afterwards (its CPU access,
 * dma_buf_begin_cpu_access() on its proxy, returns -EIO).
 * Context: may sleep; not with the resv lock held (-EINVAL, reported), not
 *	from a callback.
 * Return: 0 or -errno; -EINVAL and a report for a buffer that is NULL or
 *	not from dmb_memfd_buf_create().
 */
int dmb_memfd_buf_revoke(struct dma_buf *dmabuf, struct dmb_revoke_stats *stats);

/**
 * dmb_memfd_buf_unrevoke - allow attach and map again, on fresh memory
 *
 * Context: may sleep; not with the resv lock held (-EINVAL, reported).
 * Return: 0 (also if it was not revoked) or -errno (ENOMEM, EMFILE...;
 *	-EINVAL and a report for a buffer that is NULL or not from
 *	dmb_memfd_buf_create()).
 */
int dmb_memfd_buf_unrevoke(struct dma_buf *dmabuf);

/**
 * dma_buf_fd - a descriptor for @dmabuf, to send to another process
 * @flags: O_CLOEXEC or 0
 *
 * Each call gives a new descriptor; one importer imports it once. A
 * buffer from dmb_memfd_buf_create() is served by its context, any other
 * by the default one (dmb_ipc_set_default()). The descriptor grants
 * read-write access: the importer may also shrink the memory, which the
 * exporter of a memfd buffer and other importers survive (their CPU
 * access then fails with -EIO, and a notice names the read-write
 * importers).
 * Context: any thread.
 * Return: the descriptor, or -errno (-EINVAL and a report for a NULL
 *	@dmabuf, other @flags, another exporter's buffer without a
 *	default context, or a buffer whose context (its memfd buffer's, or
 *	the default) was destroyed; -EOPNOTSUPP and a report if the exporter has no
 *	mmap op).
 */
int dma_buf_fd(struct dma_buf *dmabuf, int flags);

/**
 * dmb_dma_buf_fd_readonly - dma_buf_fd() for a descriptor that grants read
 * access only (docs/ipc.md, "Access rights")
 * @flags: O_CLOEXEC or 0 (O_RDONLY is 0: hence a function of its own)
 *
 * The importer's maps are refused with -EACCES unless their direction is
 * DMA_TO_DEVICE (the device only reads), as is CPU access for writing
 * (DMA_TO_DEVICE, DMA_BIDIRECTIONAL); the exporter refuses them too,
 * whatever the peer sends. The importer gets the memory through a
 * descriptor opened O_RDONLY of a file of mode 0400, so it can neither
 * write nor truncate, grow or seal it, nor reopen it for writing through
 * /proc — unless it runs as root, which file modes do not stop.
 * Context: any thread.
 * Return: as dma_buf_fd().
 */
int dmb_dma_buf_fd_readonly(struct dma_buf *dmabuf, int flags);

/**
 * dmb_ipc_import - turn a received descriptor into a buffer
 *
 * The descriptor is duplicated: the caller still closes @fd.
 * Context: any thread but a callback of @ipc; waits for the exporter, at
 *	most the bound of a request (above: 4 s with the default checker
 *	bounds).
 * Return: the proxy buffer (put it with dma_buf_put()), or NULL with errno:
 *	EINVAL and a report for a NULL or destroyed @ipc; without a report
 *	EBADF if @fd is not open, EINVAL if it is not a SOCK_SEQPACKET Unix
 *	socket or is a sync_file's (sync_file.h: refused by its mark, at
 *	once), EPIPE if its exporter is gone; ETIMEDOUT (and a notice) if
 *	nobody answered within the bound: the duplicate is shut down and
 *	closed, nothing is left of the attempt (@fd itself stays open).
 */
struct dma_buf *dmb_ipc_import(struct dmb_ipc *ipc, int fd);

/**
 * dmb_ipc_add_fence - add an importer's job fence to the exporter's
 * reservation object (the importer's side of dma_resv_add_fence() on a
 * shared buffer)
 * @dmabuf: a buffer from dmb_ipc_import() or dma_buf_get()
 * @usage: as for dma_resv_add_fence()
 *
 * The exporter waits for it like a local fence (a revoke included); if this
 * process dies first, it signals there with -EPIPE.
 * Context: any thread but a callback of the importing context; waits for
 *	the exporter, at most the bound of a request (above). @fence must
 *	signal before its last reference goes.
 * Return: 0 once the fence is in the exporter's resv, or -errno; -EINVAL
 *	and a report for a NULL @fence, a bad @usage, or a buffer that is
 *	NULL or not imported (a local one); -ETIMEDOUT (a notice) if the
 *	exporter did not answer within the bound (it counts as gone from
 *	then on), -ENOTCONN once it is gone.
 */
int dmb_ipc_add_fence(struct dma_buf *dmabuf, struct dma_fence *fence,
		      enum dma_resv_usage usage);

/**
 * dma_buf_get - dmb_ipc_import() through the default context
 *
 * Context: as dmb_ipc_import(). Return: as dmb_ipc_import(); EINVAL (and
 *	a report) without a default context.
 */
struct dma_buf *dma_buf_get(int fd);

/**
 * dmb_ipc_send_fd - send one descriptor over a Unix socket (SCM_RIGHTS)
 *
 * Context: any thread. Return: 0 or -errno; bad descriptors are refused as
 *	sendmsg() refuses them (-EBADF, -ENOTSOCK), without a report.
 */
int dmb_ipc_send_fd(int sock, int fd);

/**
 * dmb_ipc_recv_fd - receive one descriptor sent by dmb_ipc_send_fd()
 *
 * Context: any thread; blocks on a blocking socket.
 * Return: the descriptor (close-on-exec), or -errno (-EPIPE at EOF,
 *	-EBADMSG for a message without exactly one descriptor or an empty
 *	one with a descriptor, whose descriptors are closed; -EBADF or
 *	-ENOTSOCK, without a report, for a bad @sock).
 */
int dmb_ipc_recv_fd(int sock);

DMB_END_DECLS

#endif /* DMABUF_DMB_IPC_H */
