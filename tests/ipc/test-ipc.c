/* SPDX-License-Identifier: MIT */
/*
 * test-ipc.c - buffers shared with importer processes (docs/ipc.md).
 *
 * Each case forks an importer before it starts any thread. The exporter
 * (this process) dispatches from its own loop, so every verdict follows a
 * protocol event: a byte on the control socket, the context's descriptor
 * becoming readable, waitpid. The importer runs the library's thread, as a
 * program without a loop would. A failed check in the importer exits with
 * the line number; the case asserts the exit status. Children are reaped
 * by a teardown hook whatever happens. How importers are started, reaped
 * and served, for this program and the other tests/ipc/ ones:
 * tests/lib/ipc-child.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dmabuf/check.h>
#include <dmabuf/dma-resv.h>
#include <dmabuf/dmb-ipc.h>
#include <dmabuf/sync_file.h>

#include "harness.h"
#include "ipc-child.h"
#include "ipc-share.h"
#include "mock-fence.h"

#define BUF_SIZE	(64 * 1024)

static pid_t child_pid = -1;

/* How far test_kill_at_each_step's importer goes (an enum kill_step). */
static int kill_step;

/* Start importer @child (given kill_step); *@ctl gets our control socket. */
static void spawn(const char *child, int *ctl)
{
	child_pid = ipc_child_spawn(child, kill_step, ctl);
}

static int reap(void)
{
	int status = ipc_child_reap(child_pid);

	child_pid = -1;
	return status;
}

/* ---- the importer's side ---- */

/* Its invalidate (in the ipc thread, resv held) unmaps and says 'I'. */
static struct ipc_imp imp = { .tell = true };

static struct device imp_dev = { .name = "importer-dev" };

static const struct dma_buf_attach_ops imp_ops = {
	.name = "test-importer",
	.invalidate_mappings = ipc_imp_invalidate,
};

static struct dma_buf *imp_import(int ctl, struct dmb_ipc **ipc)
{
	struct dma_buf *buf;

	imp.ctl = ctl;
	buf = ipc_imp_import(ctl, "importer", true, ipc);
	CHILD_CHECK(dma_buf_size(buf) == BUF_SIZE);
	return buf;
}

static struct sg_table *imp_map(struct dma_buf *buf)
{
	struct dma_resv *resv = dma_buf_resv(buf);

	struct sg_table *sgt;

	/* imp.sgt is shared with invalidate: under the resv lock, as it runs. */
	CHILD_CHECK(dma_resv_lock(resv, NULL) == 0);
	sgt = imp.sgt = dma_buf_map_attachment(imp.attach, DMA_BIDIRECTIONAL);
	dma_resv_unlock(resv);
	CHILD_CHECK(sgt);
	return sgt;
}

/* Map, check the bytes, write one, wait for 'g', clean up. */
static void child_share(int ctl, int arg)
{
	struct dmb_ipc *ipc;
	struct dma_buf *buf = imp_import(ctl, &ipc);
	struct sg_table *sgt;
	const unsigned char *p;

	imp.attach = dma_buf_dynamic_attach(buf, &imp_dev, &imp_ops, &imp);
	CHILD_CHECK(imp.attach);
	sgt = imp_map(buf);
	p = (const unsigned char *)(uintptr_t)sgt->sgl[0].dma_address;
	CHILD_CHECK(sgt->nents == 1 && sgt->sgl[0].dma_length == BUF_SIZE);
	for (size_t i = 0; i < BUF_SIZE; i++)
		CHILD_CHECK(p[i] == (unsigned char)(i * 7));
	((unsigned char *)p)[BUF_SIZE - 1] = 0xab;
	ctl_send(ctl, 'M');
	CHILD_CHECK(ctl_recv(ctl) == 'g');
	ipc_imp_finish(&imp, buf, ipc);
}

/* ---- the exporter's side ---- */

static struct dma_buf *export_buf(struct dmb_ipc *ipc)
{
	return ipc_share_buf(ipc, BUF_SIZE, NULL, 0);
}

static void test_share(void **state)
{
	struct dmb_ipc *ipc = dmb_ipc_create("exporter", 0);
	struct dma_buf *buf;
	char name[64];
	void *vaddr;
	int ctl;

	(void)state;
	assert_non_null(ipc);
	spawn("child_share", &ctl);
	buf = export_buf(ipc);
	ipc_send_buf(buf, ctl);
	assert_int_equal(loop_until(ipc, ctl, -1), 'M');
	/* The importer's attachment is an ordinary one, named after it. */
	snprintf(name, sizeof(name), "importer[%d]", (int)child_pid);
	assert_true(dump_has(name));
	/* Its write is in our pages: shared, not copied. */
	assert_int_equal(dma_buf_vmap_unlocked(buf, &vaddr), 0);
	assert_int_equal(((unsigned char *)vaddr)[BUF_SIZE - 1], 0xab);
	dma_buf_vunmap_unlocked(buf, vaddr);
	assert_int_equal(send(ctl, "g", 1, MSG_NOSIGNAL), 1);
	assert_int_equal(reap(), 0);
	drain(ipc);
	assert_false(dump_has(name));
	close(ctl);
	dma_buf_put(buf);
	dmb_ipc_destroy(ipc);
}

/* Map, report; on 'I' (an invalidate came) try to map (revoked), etc. */
static void child_revoke(int ctl, int arg)
{
	struct dmb_ipc *ipc;
	struct dma_buf *buf = imp_import(ctl, &ipc);
	struct sg_table *sgt;
	const unsigned char *p;

	imp.attach = dma_buf_dynamic_attach(buf, &imp_dev, &imp_ops, &imp);
	CHILD_CHECK(imp.attach);
	imp_map(buf);
	ctl_send(ctl, 'M');
	/* The invalidate arrives in our ipc thread, which sends 'I'. */
	CHILD_CHECK(ctl_recv(ctl) == 'r');	/* revoke returned */
	CHILD_CHECK(dma_resv_lock(dma_buf_resv(buf), NULL) == 0);
	CHILD_CHECK(imp.invalidated == 1 && !imp.sgt);
	dma_resv_unlock(dma_buf_resv(buf));
	sgt = dma_buf_map_attachment_unlocked(imp.attach, DMA_BIDIRECTIONAL);
	CHILD_CHECK(!sgt && errno == ENODEV);
	ctl_send(ctl, 'E');
	CHILD_CHECK(ctl_recv(ctl) == 'u');	/* unrevoked */
	sgt = imp_map(buf);
	/* Fresh memory: none of the old generation's bytes. */
	p = (const unsigned char *)(uintptr_t)sgt->sgl[0].dma_address;
	CHILD_CHECK(p[1] == 0x55);
	ctl_send(ctl, 'M');
	CHILD_CHECK(ctl_recv(ctl) == 'g');
	ipc_imp_finish(&imp, buf, ipc);
}

static void test_revoke(void **state)
{
	struct dmb_ipc *ipc = dmb_ipc_create("exporter", 0);
	struct revoker *r;
	void *vaddr;
	int ctl;
	char c;

	(void)state;
	assert_non_null(ipc);
	spawn("child_revoke", &ctl);
	r = new_revoker(export_buf(ipc));
	ipc_send_buf(r->buf, ctl);
	assert_int_equal(loop_until(ipc, ctl, -1), 'M');

	/* The revoke waits for the importer's unmap, which we dispatch. */
	revoke_serving(ipc, r);
	/* The importer was told ('I') before its unmap let the revoke end. */
	c = ctl_recv(ctl);
	assert_int_equal(c, 'I');
	assert_int_equal(send(ctl, "r", 1, MSG_NOSIGNAL), 1);
	assert_int_equal(loop_until(ipc, ctl, -1), 'E');

	assert_int_equal(dmb_memfd_buf_unrevoke(r->buf), 0);
	assert_int_equal(dma_buf_vmap_unlocked(r->buf, &vaddr), 0);
	assert_int_equal(((unsigned char *)vaddr)[1], 0);
	((unsigned char *)vaddr)[1] = 0x55;
	dma_buf_vunmap_unlocked(r->buf, vaddr);
	assert_int_equal(send(ctl, "u", 1, MSG_NOSIGNAL), 1);
	assert_int_equal(loop_until(ipc, ctl, -1), 'M');
	assert_int_equal(send(ctl, "g", 1, MSG_NOSIGNAL), 1);
	assert_int_equal(reap(), 0);
	drain(ipc);
	close(ctl);
	dma_buf_put(r->buf);
	dmb_ipc_destroy(ipc);
}

/*
 * vmap the proxy, check and write the bytes, use the CPU-access calls, pin
 * a dynamic attachment; on 'u' vunmap; on 'r' (revoked) vmap again.
 */
static void child_vmap(int ctl, int arg)
{
	struct dmb_ipc *ipc;
	struct dma_buf *buf = imp_import(ctl, &ipc);
	struct dma_resv *resv = dma_buf_resv(buf);
	unsigned char *p;
	void *vaddr;

	CHILD_CHECK(dma_buf_begin_cpu_access(buf, DMA_FROM_DEVICE) == 0);
	CHILD_CHECK(dma_buf_vmap_unlocked(buf, &vaddr) == 0);
	p = vaddr;
	for (size_t i = 0; i < BUF_SIZE; i++)
		CHILD_CHECK(p[i] == (unsigned char)(i * 7));
	p[2] = 0xcd;
	CHILD_CHECK(dma_buf_end_cpu_access(buf, DMA_FROM_DEVICE) == 0);
	/* Pinning a revocable proxy attachment keeps it revocable (R10). */
	imp.attach = dma_buf_dynamic_attach(buf, &imp_dev, &imp_ops, &imp);
	CHILD_CHECK(imp.attach);
	CHILD_CHECK(dma_resv_lock(resv, NULL) == 0);
	CHILD_CHECK(dma_buf_pin(imp.attach) == 0);
	dma_resv_unlock(resv);
	CHILD_CHECK(dma_buf_attach_revocable(imp.attach));
	ctl_send(ctl, 'V');
	CHILD_CHECK(ctl_recv(ctl) == 'u');
	dma_buf_vunmap_unlocked(buf, vaddr);
	ctl_send(ctl, 'U');
	/* The revoke invalidated our pinned attachment ('I' from imp_ops). */
	CHILD_CHECK(ctl_recv(ctl) == 'r');
	/* imp.invalidated is written under the resv lock, by the ipc thread. */
	CHILD_CHECK(dma_resv_lock(resv, NULL) == 0);
	CHILD_CHECK(imp.invalidated == 1);
	dma_resv_unlock(resv);
	CHILD_CHECK(dma_buf_vmap_unlocked(buf, &vaddr) == -ENODEV);
	ctl_send(ctl, 'E');
	CHILD_CHECK(dma_resv_lock(resv, NULL) == 0);
	dma_buf_unpin(imp.attach);
	dma_resv_unlock(resv);
	ipc_imp_finish(&imp, buf, ipc);
}

/*
 * An importer's vmap is the exporter's pages. A local vmap refuses a
 * revoke (-EBUSY), as in the kernel; a remote one does not
 * (test-ipc-threats: test_vmap_held_*).
 */
static void test_vmap(void **state)
{
	struct dmb_ipc *ipc = dmb_ipc_create("exporter", 0);
	struct revoker *r;
	void *vaddr;
	int ctl;

	(void)state;
	assert_non_null(ipc);
	spawn("child_vmap", &ctl);
	r = new_revoker(export_buf(ipc));
	ipc_send_buf(r->buf, ctl);
	assert_int_equal(loop_until(ipc, ctl, -1), 'V');
	assert_int_equal(dma_buf_vmap_unlocked(r->buf, &vaddr), 0);
	assert_int_equal(((unsigned char *)vaddr)[2], 0xcd);
	assert_int_equal(dmb_memfd_buf_revoke(r->buf, NULL), -EBUSY);
	dma_buf_vunmap_unlocked(r->buf, vaddr);

	/* Its VUNMAP was sent before 'U': dispatched by the drain. */
	assert_int_equal(send(ctl, "u", 1, MSG_NOSIGNAL), 1);
	assert_int_equal(loop_until(ipc, ctl, -1), 'U');
	drain(ipc);
	revoke_serving(ipc, r);
	assert_int_equal(ctl_recv(ctl), 'I');
	/* Its vmap while revoked is refused by us: we dispatch it. */
	assert_int_equal(send(ctl, "r", 1, MSG_NOSIGNAL), 1);
	assert_int_equal(loop_until(ipc, ctl, -1), 'E');
	assert_int_equal(reap(), 0);
	drain(ipc);
	close(ctl);
	dma_buf_put(r->buf);
	dmb_ipc_destroy(ipc);
}

/* vmap, report, then die holding it. */
static void child_vmap_die(int ctl, int arg)
{
	struct dmb_ipc *ipc;
	struct dma_buf *buf = imp_import(ctl, &ipc);
	void *vaddr;

	(void)ipc;
	CHILD_CHECK(dma_buf_vmap_unlocked(buf, &vaddr) == 0);
	ctl_send(ctl, 'V');
	ctl_recv(ctl);	/* killed here */
}

/*
 * A dead importer's vmap is torn down with it: the attachment that stands
 * for it in the exporter (shown in the dump) is gone.
 */
static void test_vmap_peer_death(void **state)
{
	struct dmb_ipc *ipc = dmb_ipc_create("exporter", 0);
	struct dma_buf *buf;
	char name[32];
	int ctl;

	(void)state;
	assert_non_null(ipc);
	spawn("child_vmap_die", &ctl);
	buf = export_buf(ipc);
	ipc_send_buf(buf, ctl);
	assert_int_equal(loop_until(ipc, ctl, -1), 'V');
	snprintf(name, sizeof(name), "importer[%d]", (int)child_pid);
	assert_true(dump_has(name));
	kill(child_pid, SIGKILL);
	assert_true(WIFSIGNALED(reap()));
	/* Its socket's EOF is there now: the drain tears it down. */
	drain(ipc);
	assert_false(dump_has(name));
	assert_int_equal(dmb_memfd_buf_revoke(buf, NULL), 0);
	close(ctl);
	dma_buf_put(buf);
	dmb_ipc_destroy(ipc);
}

/* Map, report, then die without cleaning anything up. */
static void child_die(int ctl, int arg)
{
	struct dmb_ipc *ipc;
	struct dma_buf *buf = imp_import(ctl, &ipc);

	imp.attach = dma_buf_dynamic_attach(buf, &imp_dev, &imp_ops, &imp);
	CHILD_CHECK(imp.attach);
	imp_map(buf);
	ctl_send(ctl, 'M');
	ctl_recv(ctl);	/* killed here */
}

static void test_peer_death(void **state)
{
	struct dmb_ipc *ipc = dmb_ipc_create("exporter", 0);
	struct dma_buf *buf;
	char name[64];
	int ctl, status;

	(void)state;
	assert_non_null(ipc);
	spawn("child_die", &ctl);
	buf = export_buf(ipc);
	ipc_send_buf(buf, ctl);
	assert_int_equal(loop_until(ipc, ctl, -1), 'M');
	snprintf(name, sizeof(name), "importer[%d]", (int)child_pid);
	assert_true(dump_has(name));
	kill(child_pid, SIGKILL);
	status = reap();
	assert_true(WIFSIGNALED(status));
	/* Its socket closed with its process: the EOF is already there. */
	drain(ipc);
	assert_false(dump_has(name));
	/* Its mapping counts as unmapped: the revoke has nothing to wait for. */
	assert_int_equal(dmb_memfd_buf_revoke(buf, NULL), 0);
	close(ctl);
	dma_buf_put(buf);
	dmb_ipc_destroy(ipc);
}

/* Send a malformed message on the buffer's socket, expect to be dropped. */
static void child_garbage(int ctl, int arg)
{
	struct dmb_ipc_msg msg;
	char byte;
	int fd = dmb_ipc_recv_fd(ctl);

	CHILD_CHECK(fd >= 0);
	dmb_ipc_msg_init(&msg, DMB_IPC_HELLO);
	msg.seq = 1;
	msg.arg = (uint64_t)getpid();
	memcpy(msg.name, "evil", 4);
	msg.name[DMB_IPC_NAME_LEN - 1] = 'x';	/* not NUL-terminated */
	CHILD_CHECK(send(fd, &msg, sizeof(msg), MSG_NOSIGNAL) == sizeof(msg));
	CHILD_CHECK(recv(fd, &byte, 1, 0) == 0);	/* dropped: EOF */
	close(fd);
}

static void test_malformed(void **state)
{
	struct dmb_ipc *ipc = dmb_ipc_create("exporter", 0);
	struct dma_buf *buf;
	int ctl;

	(void)state;
	assert_non_null(ipc);
	spawn("child_garbage", &ctl);
	buf = export_buf(ipc);
	ipc_send_buf(buf, ctl);
	/* The child exits once it saw EOF: ctl's EOF ends the loop. */
	assert_int_equal(loop_until(ipc, ctl, -1), 0);
	assert_int_equal(reap(), 0);
	drain(ipc);
	assert_true(th_take_report(DMB_DIAG_NOTICE, "bad name field"));
	close(ctl);
	dma_buf_put(buf);
	dmb_ipc_destroy(ipc);
}

/* ---- fences across processes ---- */

/* Import the exporter's fence twice (descriptor, dma_fence), wait, check. */
static void child_sync_file(int ctl, int arg)
{
	struct dmb_ipc *ipc = dmb_ipc_create("importer", DMB_IPC_THREAD);
	struct pollfd p = { .events = POLLIN };
	struct dma_fence *fence;
	int fd;

	CHILD_CHECK(ipc);
	dmb_ipc_set_default(ipc);
	fd = dmb_ipc_recv_fd(ctl);
	CHILD_CHECK(fd >= 0);
	CHILD_CHECK(dmb_sync_file_status(fd) == 0);
	fence = sync_file_get_fence(fd);
	CHILD_CHECK(fence && !dma_fence_is_signaled(fence));
	ctl_send(ctl, 'R');
	/* Signalled by our ipc thread when the exporter's fence signals. */
	CHILD_CHECK(dma_fence_wait(fence) == 0);
	CHILD_CHECK(dma_fence_get_status(fence) == -EIO);
	p.fd = fd;
	CHILD_CHECK(poll(&p, 1, 0) == 1 && (p.revents & POLLIN));
	CHILD_CHECK(dmb_sync_file_status(fd) == -EIO);
	dma_fence_put(fence);
	close(fd);
	dmb_ipc_destroy(ipc);
	CHILD_CHECK(dmb_diag_count(DMB_DIAG_WARN) == 0);
}

static void test_sync_file(void **state)
{
	struct dma_fence *fence = mock_fence();
	int ctl, fd;

	(void)state;
	spawn("child_sync_file", &ctl);
	fd = dmb_sync_file_export(fence);
	assert_true(fd >= 0);
	assert_int_equal(dmb_sync_file_status(fd), 0);
	assert_int_equal(dmb_ipc_send_fd(ctl, fd), 0);
	close(fd);
	assert_int_equal(ctl_recv(ctl), 'R');
	dma_fence_set_error(fence, -EIO);
	dma_fence_signal(fence);
	assert_int_equal(reap(), 0);
	close(ctl);
	dma_fence_put(fence);
}

/*
 * Given a dma-buf's descriptor and a pending sync_file's, each where the
 * other is expected: both refused with EINVAL at once, neither taken for
 * what it is not (a dma-buf's was reported a pending sync_file), and
 * neither disturbed: each still works as what it is. Says 'K'.
 */
static void child_kinds(int ctl, int arg)
{
	struct dmb_ipc *ipc = dmb_ipc_create("importer", DMB_IPC_THREAD);
	struct dma_buf *buf;
	int bfd, sfd;

	CHILD_CHECK(ipc);
	dmb_ipc_set_default(ipc);
	bfd = dmb_ipc_recv_fd(ctl);
	sfd = dmb_ipc_recv_fd(ctl);
	CHILD_CHECK(bfd >= 0 && sfd >= 0);
	CHILD_CHECK(dmb_sync_file_status(bfd) == -EINVAL);
	errno = 0;
	CHILD_CHECK(!dmb_sync_file_import(ipc, bfd) && errno == EINVAL);
	errno = 0;
	CHILD_CHECK(!sync_file_get_fence(bfd) && errno == EINVAL);
	errno = 0;
	CHILD_CHECK(!dma_buf_get(sfd) && errno == EINVAL);
	errno = 0;
	CHILD_CHECK(!dmb_ipc_import(ipc, sfd) && errno == EINVAL);
	CHILD_CHECK(dmb_sync_file_status(sfd) == 0);
	buf = dma_buf_get(bfd);
	CHILD_CHECK(buf && dma_buf_size(buf) == BUF_SIZE);
	dma_buf_put(buf);
	close(bfd);
	close(sfd);
	dmb_ipc_destroy(ipc);
	CHILD_CHECK(dmb_diag_count(DMB_DIAG_WARN) == 0);
	ctl_send(ctl, 'K');
}

static void test_sync_file_and_dma_buf_told_apart(void **state)
{
	struct dmb_ipc *ipc = dmb_ipc_create("exporter", 0);
	struct dma_fence *fence = mock_fence();
	struct dma_buf *buf;
	int ctl, fd;

	(void)state;
	assert_non_null(ipc);
	spawn("child_kinds", &ctl);
	buf = export_buf(ipc);
	ipc_send_buf(buf, ctl);
	/* In the exporting process too. */
	fd = dma_buf_fd(buf, O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(dmb_sync_file_status(fd), -EINVAL);
	close(fd);
	fd = dmb_sync_file_export(fence);
	assert_true(fd >= 0);
	assert_int_equal(dmb_sync_file_status(fd), 0);
	assert_int_equal(dmb_ipc_send_fd(ctl, fd), 0);
	close(fd);
	assert_int_equal(loop_until(ipc, ctl, -1), 'K');
	assert_int_equal(reap(), 0);
	drain(ipc);
	close(ctl);
	dma_fence_signal(fence);
	dma_fence_put(fence);
	dma_buf_put(buf);
	dmb_ipc_destroy(ipc);
}

/* ---- an exporter that never answers ---- */

/*
 * The importer's bound on the exporter's answer, short for these cases:
 * twice the checker's fence plus unmap bounds (dmb_ipc_reply_bound_ns()),
 * 40 ms here. A silent peer is silent however long we wait, so the
 * verdicts do not depend on how long anything took. Put back in teardown.
 */
static struct dmb_check_bounds saved_bounds;

static void restore_bounds(void *arg)
{
	(void)arg;
	dmb_check_set_bounds(&saved_bounds);
}

static void short_reply_bound(void)
{
	const struct dmb_check_bounds b = {
		.unmap_ns = 10 * NSEC_PER_MSEC,
		.fence_ns = 10 * NSEC_PER_MSEC,
	};

	dmb_check_get_bounds(&saved_bounds);
	th_on_teardown(restore_bounds, NULL);
	assert_int_equal(dmb_check_set_bounds(&b), 0);
	assert_int_equal(dmb_ipc_reply_bound_ns(), 40 * NSEC_PER_MSEC);
}

/*
 * A silent exporter process: hands the importer one end of a new pair, as
 * it would a dma_buf_fd() descriptor, and reads nothing from its own end
 * until told 'q'. Then the importer must have sent its HELLO and shut its
 * end down (EOF), its own copy of the descriptor still open.
 */
static void child_silent_exporter(int ctl, int arg)
{
	struct dmb_ipc_msg msg;
	int sv[2];

	CHILD_CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
	CHILD_CHECK(dmb_ipc_send_fd(ctl, sv[1]) == 0);
	close(sv[1]);
	CHILD_CHECK(ctl_recv(ctl) == 'q');
	CHILD_CHECK(recv(sv[0], &msg, sizeof(msg), 0) == sizeof(msg));
	CHILD_CHECK(msg.type == DMB_IPC_HELLO);
	CHILD_CHECK(recv(sv[0], &msg, sizeof(msg), 0) == 0);
	close(sv[0]);
}

/*
 * dmb_ipc_import() of a descriptor whose exporter process never answers
 * (it blocked forever): NULL with ETIMEDOUT once the bound passed, a
 * notice, and the connection undone (the exporter reads EOF). Through
 * dma_buf_get() and a context with its own thread, too.
 */
static void test_import_silent_exporter(void **state)
{
	struct dmb_ipc *ipc;
	int ctl, fd;

	(void)state;
	short_reply_bound();
	for (int via_default = 0; via_default < 2; via_default++) {
		spawn("child_silent_exporter", &ctl);
		ipc = dmb_ipc_create("importer", via_default ? DMB_IPC_THREAD : 0);
		assert_non_null(ipc);
		fd = dmb_ipc_recv_fd(ctl);
		assert_true(fd >= 0);
		errno = 0;
		if (via_default) {
			dmb_ipc_set_default(ipc);
			assert_null(dma_buf_get(fd));
		} else {
			assert_null(dmb_ipc_import(ipc, fd));
		}
		assert_int_equal(errno, ETIMEDOUT);
		assert_true(th_take_report(DMB_DIAG_NOTICE, "no answer to a request"));
		ctl_send(ctl, 'q');
		assert_int_equal(reap(), 0);
		close(fd);
		close(ctl);
		dmb_ipc_destroy(ipc);
	}
}

/* The requests a proxy makes after HELLO, each left unanswered in turn. */
enum silent_at { SILENT_ATTACH, SILENT_MAP, SILENT_VMAP, SILENT_FENCE, SILENT_NR };

static const uint16_t silent_type[SILENT_NR] = {
	[SILENT_ATTACH] = DMB_IPC_ATTACH, [SILENT_MAP] = DMB_IPC_MAP,
	[SILENT_VMAP] = DMB_IPC_VMAP, [SILENT_FENCE] = DMB_IPC_FENCE,
};

static unsigned int silent_invalidated;

static void silent_invalidate(struct dma_buf_attachment *attach)
{
	(void)attach;
	silent_invalidated++;
}

static struct device silent_dev = { .name = "silent-dev" };

static const struct dma_buf_attach_ops silent_ops = {
	.name = "silent-importer",
	.invalidate_mappings = silent_invalidate,
};

/* Queue the exporter's answer to request @seq: the requester reads it. */
static void queue_reply(int sock, uint32_t seq, uint64_t handle, uint64_t arg)
{
	struct dmb_ipc_msg rep;

	dmb_ipc_msg_init(&rep, DMB_IPC_REPLY);
	rep.seq = seq;
	rep.handle = handle;
	rep.arg = arg;
	assert_int_equal(dmb_ipc_msg_send(sock, &rep, -1), 0);
}

/*
 * An exporter that answers HELLO (and ATTACH, before a MAP) and then
 * nothing: the request it leaves unanswered fails with -ETIMEDOUT at the
 * bound (attach and map: NULL with errno ETIMEDOUT), with a notice; the
 * exporter counts as gone from then on: the connection is shut down (its
 * end reads the requests, then EOF), the next request fails at once, and
 * the proxy's attachment is told its mappings are stale, as when an
 * exporter dies. The importer's context has no thread and is dispatched
 * only at the end, so only the requests read the socket: the answers are
 * queued before the requests are made.
 */
static void test_request_silent_exporter(void **state)
{
	(void)state;
	short_reply_bound();
	for (int at = 0; at < SILENT_NR; at++) {
		struct dmb_ipc *ipc = dmb_ipc_create("importer", 0);
		struct dma_buf_attachment *att = NULL;
		struct dma_fence *fence = NULL;
		struct dmb_ipc_msg msg;
		struct dma_buf *buf;
		void *vaddr;
		int sv[2];
		uint16_t last = 0;

		assert_non_null(ipc);
		assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC,
					    0, sv), 0);
		queue_reply(sv[1], 1, DMB_IPC_HELLO_RW, 4096);
		if (at == SILENT_MAP)
			queue_reply(sv[1], 2, 7, 0);
		buf = dmb_ipc_import(ipc, sv[0]);
		assert_non_null(buf);
		silent_invalidated = 0;
		if (at == SILENT_MAP) {
			att = dma_buf_dynamic_attach(buf, &silent_dev, &silent_ops, NULL);
			assert_non_null(att);
		}
		errno = 0;
		switch (at) {
		case SILENT_ATTACH:
			assert_null(dma_buf_dynamic_attach(buf, &silent_dev,
							   &silent_ops, NULL));
			assert_int_equal(errno, ETIMEDOUT);
			break;
		case SILENT_MAP:
			assert_null(dma_buf_map_attachment_unlocked(att,
								    DMA_BIDIRECTIONAL));
			assert_int_equal(errno, ETIMEDOUT);
			break;
		case SILENT_VMAP:
			assert_int_equal(dma_buf_vmap_unlocked(buf, &vaddr),
					 -ETIMEDOUT);
			break;
		case SILENT_FENCE:
			fence = mock_fence();
			assert_int_equal(dmb_ipc_add_fence(buf, fence,
							   DMA_RESV_USAGE_WRITE),
					 -ETIMEDOUT);
			break;
		}
		assert_true(th_take_report(DMB_DIAG_NOTICE, "no answer to a request"));
		/* Gone: the next request fails at once, no second wait. */
		assert_int_equal(dma_buf_vmap_unlocked(buf, &vaddr), -ENODEV);
		/* What the importer sent, the unanswered request last, then EOF. */
		for (;;) {
			ssize_t n = recv(sv[1], &msg, sizeof(msg), 0);

			if (n == 0)
				break;
			assert_int_equal(n, sizeof(msg));
			last = msg.type;
		}
		assert_int_equal(last, silent_type[at]);
		/* The death is delivered by the dispatch, as an exporter's EOF. */
		assert_true(dmb_ipc_dispatch(ipc) >= 1);
		if (att) {
			assert_int_equal(silent_invalidated, 1);
			dma_buf_detach(buf, att);
		}
		if (fence) {
			dma_fence_signal(fence);
			dma_fence_put(fence);
		}
		dma_buf_put(buf);
		close(sv[0]);
		close(sv[1]);
		dmb_ipc_destroy(ipc);
	}
}

/* The signaller: export a fence that never signals, send it, say 'S'. */
static void child_fence_die(int ctl, int arg)
{
	struct dma_fence *fence = mock_fence();
	int fd = dmb_sync_file_export(fence);

	CHILD_CHECK(fd >= 0);
	CHILD_CHECK(dmb_ipc_send_fd(ctl, fd) == 0);
	ctl_send(ctl, 'S');
	for (;;)
		pause();
}

struct fence_wait {
	struct dma_fence *fence;
	int ret;
};

static void *wait_fence_thread(void *arg)
{
	struct fence_wait *w = arg;

	w->ret = dma_fence_wait(w->fence);
	return NULL;
}

/*
 * A fence whose signalling process dies (kill -9) while a thread here
 * waits for it in dma_fence_wait(): the waiter, which watches the
 * descriptor itself (the sync_file fence's wait op), returns, and the
 * fence ended with -EPIPE. The context has no thread and is never
 * dispatched, so nobody else signals it.
 */
static void test_sync_file_dead_signaller(void **state)
{
	struct dmb_ipc *ipc = dmb_ipc_create("waiter", 0);
	struct fence_wait *w = TH_NEW(struct fence_wait, { .ret = 1 });
	struct th_thread *t;
	int ctl, fd;

	(void)state;
	assert_non_null(ipc);
	spawn("child_fence_die", &ctl);
	fd = dmb_ipc_recv_fd(ctl);
	assert_true(fd >= 0);
	assert_int_equal(ctl_recv(ctl), 'S');
	w->fence = dmb_sync_file_import(ipc, fd);
	assert_non_null(w->fence);
	assert_false(dma_fence_is_signaled(w->fence));
	t = th_thread_start(wait_fence_thread, w);
	kill(child_pid, SIGKILL);
	assert_int_equal(WTERMSIG(reap()), SIGKILL);
	th_thread_join(t);
	assert_int_equal(w->ret, 0);
	assert_int_equal(dma_fence_get_status(w->fence), -EPIPE);
	assert_int_equal(dmb_sync_file_status(fd), -EPIPE);
	dma_fence_put(w->fence);
	close(fd);
	close(ctl);
	dmb_ipc_destroy(ipc);
}

/*
 * The context of an imported fence is destroyed while a thread waits for
 * the fence in dma_fence_wait(): the fence ends with -ECANCELED, the
 * waiter returns, and the destroy waits until it is out (ASan sees no
 * use of the freed context).
 */
static void test_sync_file_destroyed_while_waiting(void **state)
{
	struct dmb_ipc *ipc = dmb_ipc_create("waiter", DMB_IPC_THREAD);
	struct fence_wait *w = TH_NEW(struct fence_wait, { .ret = 1 });
	struct th_thread *t;
	int ctl, fd;

	(void)state;
	assert_non_null(ipc);
	spawn("child_fence_die", &ctl);
	fd = dmb_ipc_recv_fd(ctl);
	assert_true(fd >= 0);
	assert_int_equal(ctl_recv(ctl), 'S');
	w->fence = dmb_sync_file_import(ipc, fd);
	assert_non_null(w->fence);
	t = th_thread_start(wait_fence_thread, w);
	dmb_ipc_destroy(ipc);
	th_thread_join(t);
	assert_int_equal(w->ret, 0);
	assert_int_equal(dma_fence_get_status(w->fence), -ECANCELED);
	dma_fence_put(w->fence);
	close(fd);
	close(ctl);
}

/*
 * kill -9 of an importer at each step of the protocol. The importer goes
 * as far as kill_step, says 'S' and waits to be killed; at KILL_INVALIDATE
 * it is killed inside invalidate_mappings, before it unmaps, while the
 * exporter's revoke waits for it.
 */
enum kill_step {
	KILL_RECEIVED, KILL_IMPORTED, KILL_ATTACHED, KILL_MAPPED, KILL_FENCED,
	KILL_INVALIDATE, KILL_STEPS,
};


static void imp_invalidate_then_hang(struct dma_buf_attachment *attach)
{
	(void)attach;
	ctl_send(imp.ctl, 'I');
	ctl_recv(imp.ctl);	/* killed here, mapping held */
}

static const struct dma_buf_attach_ops imp_hang_ops = {
	.name = "hung-importer",
	.invalidate_mappings = imp_invalidate_then_hang,
};

static void child_steps(int ctl, int arg)
{
	struct dmb_ipc *ipc;
	struct dma_buf *buf;
	struct dma_fence *job;
	int fd;

	kill_step = arg;

	imp.ctl = ctl;
	if (kill_step == KILL_RECEIVED) {
		fd = dmb_ipc_recv_fd(ctl);
		CHILD_CHECK(fd >= 0);
		goto stop;
	}
	buf = imp_import(ctl, &ipc);
	if (kill_step == KILL_IMPORTED)
		goto stop;
	imp.attach = dma_buf_dynamic_attach(buf, &imp_dev,
		kill_step == KILL_INVALIDATE ? &imp_hang_ops : &imp_ops, &imp);
	CHILD_CHECK(imp.attach);
	if (kill_step == KILL_ATTACHED)
		goto stop;
	imp_map(buf);
	if (kill_step == KILL_MAPPED || kill_step == KILL_INVALIDATE)
		goto stop;
	/* A job that never ends: only the process's death ends it. */
	job = mock_fence();
	CHILD_CHECK(dmb_ipc_add_fence(buf, job, DMA_RESV_USAGE_WRITE) == 0);
stop:
	ctl_send(ctl, 'S');
	for (;;)
		pause();
}

static void test_kill_at_each_step(void **state)
{
	(void)state;
	for (kill_step = 0; kill_step < KILL_STEPS; kill_step++) {
		struct dmb_ipc *ipc = dmb_ipc_create("exporter", 0);
		struct revoker *r;
		struct dma_resv *resv;
		struct th_thread *t = NULL;
		struct dma_fence *job = NULL;
		char name[64];
		int ctl, status;

		assert_non_null(ipc);
		spawn("child_steps", &ctl);
		r = new_revoker(export_buf(ipc));
		resv = dma_buf_resv(r->buf);
		ipc_send_buf(r->buf, ctl);
		assert_int_equal(loop_until(ipc, ctl, -1), 'S');
		/* Its attachment (its job fence is named after it too). */
		snprintf(name, sizeof(name), "device importer[%d]", (int)child_pid);
		assert_int_equal(dump_has(name), kill_step >= KILL_ATTACHED);
		assert_int_equal(dma_resv_test_signaled(resv, DMA_RESV_USAGE_BOOKKEEP),
				 kill_step != KILL_FENCED);
		if (kill_step == KILL_FENCED) {
			struct dma_fence **fences = NULL;
			unsigned int count = 0;

			/* The importer's job fence, imported into our resv. */
			assert_int_equal(dma_resv_get_fences(resv, DMA_RESV_USAGE_BOOKKEEP,
							     &count, &fences), 0);
			assert_int_equal(count, 1);
			job = fences[0];
			free(fences);
			assert_int_equal(dma_fence_get_status(job), 0);
		}
		if (kill_step == KILL_INVALIDATE) {
			/* The revoke waits for the hung importer's unmap. */
			t = th_thread_start(revoke_thread, r);
			assert_int_equal(loop_until(ipc, ctl, -1), 'I');
		}
		kill(child_pid, SIGKILL);
		status = reap();
		assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		if (!t)
			t = th_thread_start(revoke_thread, r);
		/* Its death is its unmap, its detach and its fence's end. */
		loop_until(ipc, ctl, r->done[0]);
		th_thread_join(t);
		assert_int_equal(r->ret, 0);
		drain(ipc);
		assert_false(dump_has(name));
		assert_true(dma_resv_test_signaled(resv, DMA_RESV_USAGE_BOOKKEEP));
		if (job) {
			/* The dead process's job ended with an error. */
			assert_int_equal(dma_fence_get_status(job), -EPIPE);
			dma_fence_put(job);
		}
		close(ctl);
		dma_buf_put(r->buf);
		dmb_ipc_destroy(ipc);
	}
}

/*
 * One revoke of several importer processes, one of which dies inside its
 * invalidate_mappings: every importer is told before the revoke waits for
 * any (all four invalidate), the dead one counts as unmapped, the revoke
 * completes, and the others keep their attachments.
 */
enum { MANY = 4 };

static void test_revoke_many_one_dies(void **state)
{
	struct dmb_ipc *ipc = dmb_ipc_create("exporter", 0);
	struct revoker *r;
	struct th_thread *t;
	char name[MANY][64];
	pid_t many_pids[MANY];
	int ctl[MANY], status;

	(void)state;
	assert_non_null(ipc);
	/* The last one hangs in invalidate_mappings; the others unmap. */
	for (int i = 0; i < MANY; i++) {
		kill_step = i == MANY - 1 ? KILL_INVALIDATE : KILL_MAPPED;
		spawn("child_steps", &ctl[i]);
		many_pids[i] = child_pid;
		child_pid = -1;
		snprintf(name[i], sizeof(name[i]), "importer[%d]", (int)many_pids[i]);
	}
	r = new_revoker(export_buf(ipc));
	for (int i = 0; i < MANY; i++)
		ipc_send_buf(r->buf, ctl[i]);
	for (int i = 0; i < MANY; i++)
		assert_int_equal(loop_until(ipc, ctl[i], -1), 'S');
	t = th_thread_start(revoke_thread, r);
	for (int i = 0; i < MANY; i++)
		assert_int_equal(loop_until(ipc, ctl[i], -1), 'I');
	kill(many_pids[MANY - 1], SIGKILL);
	status = ipc_child_reap(many_pids[MANY - 1]);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	loop_until(ipc, ctl[0], r->done[0]);
	th_thread_join(t);
	assert_int_equal(r->ret, 0);
	drain(ipc);
	assert_false(dump_has(name[MANY - 1]));
	for (int i = 0; i < MANY - 1; i++)
		assert_true(dump_has(name[i]));
	ipc_child_reap_all();
	drain(ipc);
	for (int i = 0; i < MANY; i++)
		close(ctl[i]);
	kill_step = 0;
	dma_buf_put(r->buf);
	dmb_ipc_destroy(ipc);
}

/*
 * A revoke racing remote maps: the importer maps and unmaps as fast as it
 * can (a map while revoked fails -ENODEV; its invalidate unmaps at once)
 * while the exporter revokes and unrevokes; every revoke must complete.
 */
static void child_map_loop(int ctl, int arg)
{
	struct dmb_ipc *ipc;
	struct dma_buf *buf = imp_import(ctl, &ipc);
	struct dma_resv *resv = dma_buf_resv(buf);
	char c;

	imp.attach = dma_buf_dynamic_attach(buf, &imp_dev, &imp_ops, &imp);
	CHILD_CHECK(imp.attach);
	/* One map before the revokes start: the loop below races them. */
	imp_map(buf);
	CHILD_CHECK(dma_resv_lock(resv, NULL) == 0);
	dma_buf_unmap_attachment(imp.attach, imp.sgt, DMA_BIDIRECTIONAL);
	imp.sgt = NULL;
	dma_resv_unlock(resv);
	ctl_send(ctl, 'A');
	while (recv(ctl, &c, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN) {
		struct sg_table *sgt;

		CHILD_CHECK(dma_resv_lock(resv, NULL) == 0);
		sgt = dma_buf_map_attachment(imp.attach, DMA_BIDIRECTIONAL);
		CHILD_CHECK(sgt || errno == ENODEV);
		imp.sgt = sgt;
		dma_resv_unlock(resv);
		CHILD_CHECK(dma_resv_lock(resv, NULL) == 0);
		if (imp.sgt)
			dma_buf_unmap_attachment(imp.attach, imp.sgt,
						 DMA_BIDIRECTIONAL);
		imp.sgt = NULL;
		dma_resv_unlock(resv);
	}
	ipc_imp_finish(&imp, buf, ipc);
}

static void test_revoke_races_remote_maps(void **state)
{
	struct dmb_ipc *ipc = dmb_ipc_create("exporter", 0);
	struct revoker *r;
	int ctl;

	(void)state;
	assert_non_null(ipc);
	spawn("child_map_loop", &ctl);
	r = new_revoker(export_buf(ipc));
	ipc_send_buf(r->buf, ctl);
	assert_int_equal(loop_until(ipc, ctl, -1), 'A');
	for (int i = 0; i < 16; i++) {
		struct th_thread *t = th_thread_start(revoke_thread, r);
		char c;

		loop_until(ipc, ctl, r->done[0]);
		th_thread_join(t);
		assert_int_equal(r->ret, 0);
		assert_int_equal(read(r->done[0], &c, 1), 1);
		assert_int_equal(dmb_memfd_buf_unrevoke(r->buf), 0);
		/* Let the importer map the new generation once in a while. */
		drain(ipc);
	}
	assert_int_equal(send(ctl, "q", 1, MSG_NOSIGNAL), 1);
	/* Serve it until it is done: its exit closes the control socket. */
	while (loop_until(ipc, ctl, -1) == 'I')
		;
	assert_int_equal(reap(), 0);
	drain(ipc);
	close(ctl);
	dma_buf_put(r->buf);
	dmb_ipc_destroy(ipc);
}

/* ---- a peer that speaks the protocol itself and cheats ---- */

static sigjmp_buf fault_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(fault_jmp, 1);
}

/*
 * Map through the protocol, keep a second mapping of the memfd of our own,
 * answer the invalidate with UNMAP (so the revoke completes), then touch
 * the kept mapping: it must fault, and the file cannot be grown back.
 */
static void child_cheat(int ctl, int arg)
{
	volatile unsigned char *kept;
	uint64_t att, map;
	int sock = dmb_ipc_recv_fd(ctl), fd = -1;

	CHILD_CHECK(sock >= 0);
	raw_hello(sock, "cheat", &att);
	CHILD_CHECK(raw_request(sock, DMB_IPC_MAP, att, DMA_BIDIRECTIONAL, NULL,
				&map, &fd) == 0);
	CHILD_CHECK(fd >= 0);
	kept = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHILD_CHECK(kept != MAP_FAILED);
	CHILD_CHECK(kept[1] == 7);
	ctl_send(ctl, 'M');
	raw_wait_invalidate(sock, att);
	raw_unmap(sock, map);
	CHILD_CHECK(ctl_recv(ctl) == 'r');	/* revoke returned */
	signal(SIGBUS, on_sigbus);
	if (sigsetjmp(fault_jmp, 1) == 0) {
		kept[1] = 0x66;		/* must fault */
		CHILD_CHECK(!"write after revoke did not fault");
	}
	if (sigsetjmp(fault_jmp, 1) == 0) {
		CHILD_CHECK(kept[2] == 14 && !"read after revoke did not fault");
	}
	signal(SIGBUS, SIG_DFL);
	/* Sealed against growing: the old pages cannot come back. */
	CHILD_CHECK(ftruncate(fd, BUF_SIZE) < 0 && errno == EPERM);
	munmap((void *)kept, BUF_SIZE);
	close(fd);
	close(sock);
}

static void test_revoke_takes_memory_back(void **state)
{
	struct dmb_ipc *ipc = dmb_ipc_create("exporter", 0);
	struct revoker *r;
	int ctl;

	(void)state;
	assert_non_null(ipc);
	spawn("child_cheat", &ctl);
	r = new_revoker(export_buf(ipc));
	ipc_send_buf(r->buf, ctl);
	assert_int_equal(loop_until(ipc, ctl, -1), 'M');
	revoke_serving(ipc, r);
	assert_int_equal(send(ctl, "r", 1, MSG_NOSIGNAL), 1);
	assert_int_equal(reap(), 0);
	drain(ipc);
	close(ctl);
	dma_buf_put(r->buf);
	dmb_ipc_destroy(ipc);
}

/* The decoder alone: every field of every type is checked. */
static void test_wire_check(void **state)
{
	struct dmb_ipc_msg m;

	(void)state;
	dmb_ipc_msg_init(&m, DMB_IPC_MAP);
	m.seq = 3;
	m.handle = 1;
	m.arg = DMA_BIDIRECTIONAL;
	assert_null(dmb_ipc_msg_check(&m, sizeof(m), 0, true));
	assert_non_null(dmb_ipc_msg_check(&m, sizeof(m), 0, false));
	assert_non_null(dmb_ipc_msg_check(&m, sizeof(m) - 1, 0, true));
	assert_non_null(dmb_ipc_msg_check(&m, sizeof(m), 1, true));
	m.arg = DMA_NONE;
	assert_non_null(dmb_ipc_msg_check(&m, sizeof(m), 0, true));
	m.arg = DMA_TO_DEVICE;
	m.name[5] = 'x';
	assert_non_null(dmb_ipc_msg_check(&m, sizeof(m), 0, true));
	m.name[5] = 0;
	m.version = 2;
	assert_non_null(dmb_ipc_msg_check(&m, sizeof(m), 0, true));
	m.version = DMB_IPC_VERSION;
	m.status = -1;
	assert_non_null(dmb_ipc_msg_check(&m, sizeof(m), 0, true));
	dmb_ipc_msg_init(&m, DMB_IPC_REPLY);
	m.seq = 1;
	m.status = -ENODEV;
	assert_null(dmb_ipc_msg_check(&m, sizeof(m), 0, false));
	assert_non_null(dmb_ipc_msg_check(&m, sizeof(m), 1, false));
	m.status = 5;
	assert_non_null(dmb_ipc_msg_check(&m, sizeof(m), 0, false));
	dmb_ipc_msg_init(&m, DMB_IPC_UNMAP);
	m.handle = 4;
	assert_null(dmb_ipc_msg_check(&m, sizeof(m), 0, true));
	m.seq = 1;
	assert_non_null(dmb_ipc_msg_check(&m, sizeof(m), 0, true));
	dmb_ipc_msg_init(&m, DMB_IPC_VMAP);
	m.seq = 2;
	assert_null(dmb_ipc_msg_check(&m, sizeof(m), 0, true));
	assert_non_null(dmb_ipc_msg_check(&m, sizeof(m), 0, false));
	m.handle = 1;
	assert_non_null(dmb_ipc_msg_check(&m, sizeof(m), 0, true));
	dmb_ipc_msg_init(&m, DMB_IPC_VUNMAP);
	m.handle = 3;
	assert_null(dmb_ipc_msg_check(&m, sizeof(m), 0, true));
	assert_non_null(dmb_ipc_msg_check(&m, sizeof(m), 0, false));
	m.type = DMB_IPC_TYPE_MAX + 1;
	assert_non_null(dmb_ipc_msg_check(&m, sizeof(m), 0, true));
}

/* The importers, by the name spawn() passes to the exec'd program. */
static const struct ipc_child_fn ipc_children[] = {
	IPC_CHILD(child_share), IPC_CHILD(child_revoke), IPC_CHILD(child_vmap),
	IPC_CHILD(child_vmap_die), IPC_CHILD(child_die),
	IPC_CHILD(child_garbage), IPC_CHILD(child_sync_file),
	IPC_CHILD(child_fence_die), IPC_CHILD(child_kinds),
	IPC_CHILD(child_silent_exporter),
	IPC_CHILD(child_steps), IPC_CHILD(child_map_loop),
	IPC_CHILD(child_cheat),
};

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		TH_TEST(test_wire_check),
		TH_TEST(test_share),
		TH_TEST(test_revoke),
		TH_TEST(test_peer_death),
		TH_TEST(test_vmap),
		TH_TEST(test_vmap_peer_death),
		TH_TEST(test_malformed),
		TH_TEST(test_revoke_takes_memory_back),
		TH_TEST(test_sync_file),
		TH_TEST(test_sync_file_and_dma_buf_told_apart),
		TH_TEST(test_import_silent_exporter),
		TH_TEST(test_request_silent_exporter),
		TH_TEST(test_sync_file_dead_signaller),
		TH_TEST(test_sync_file_destroyed_while_waiting),
		TH_TEST(test_kill_at_each_step),
		TH_TEST(test_revoke_many_one_dies),
		TH_TEST(test_revoke_races_remote_maps),
	};

	IPC_CHILD_RUN(argc, argv, ipc_children);
	return th_run(argc, argv, tests, TH_COUNT(tests));
}
