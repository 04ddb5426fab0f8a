/* SPDX-License-Identifier: MIT */
/*
 * test-ipc-access.c - access rights across processes (docs/ipc.md,
 * "Access rights"): read-only means read-only, and a writer can only damage
 * what it was allowed to write.
 *
 * As in test-ipc.c, every importer is a process of its own, fork()ed and
 * exec()ed from this program (--ipc-child NAME FD 0), and the exporter (this
 * process) dispatches from its own loop: every verdict follows an event on
 * a control socket or waitpid(), never a time bound. An importer's failed
 * check exits with the failing line; the case asserts the exit status.
 * Children are reaped by a teardown hook whatever happens.
 *
 * Hostile importers speak the wire protocol themselves (raw_request()), so
 * they hold the memory's descriptor the way any peer can.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dmabuf/dmb-ipc.h>
#include <dmabuf/drivers/heap.h>

#include "fixture.h"
#include "harness.h"
#include "ipc-child.h"
#include "ipc-share.h"

#define BUF_SIZE	(64 * 1024)
#define NOBODY		65534	/* an unprivileged uid and gid */

#define MAX_CHILDREN	2
static pid_t children[MAX_CHILDREN] = { -1, -1 };

/* Start importer @child as children[@slot]; *@ctl: our end. */
static void spawn(int slot, const char *child, int *ctl)
{
	children[slot] = ipc_child_spawn(child, 0, ctl);
}

/* Wait for children[@slot]; Return: its exit status, decoded. */
static int reap(int slot)
{
	int status = ipc_child_reap(children[slot]);

	children[slot] = -1;
	return status;
}

#define SEED	1

/* What export_buf() wrote at @i (ipc_share_buf()'s pattern). */
static unsigned char pattern(size_t i)
{
	return (unsigned char)(SEED + i * 7);
}

static struct dma_buf *export_buf(struct dmb_ipc *ipc)
{
	return ipc_share_buf(ipc, BUF_SIZE, NULL, SEED);
}

/* The exporter's bytes are the pattern still: nobody wrote them. */
static void assert_unchanged(struct dma_buf *buf)
{
	const unsigned char *p;
	void *vaddr;

	assert_int_equal(dma_buf_begin_cpu_access(buf, DMA_FROM_DEVICE), 0);
	assert_int_equal(dma_buf_vmap_unlocked(buf, &vaddr), 0);
	p = vaddr;
	for (size_t i = 0; i < BUF_SIZE; i++)
		if (p[i] != pattern(i))
			fail_msg("byte %zu changed to %#x", i, p[i]);
	dma_buf_vunmap_unlocked(buf, vaddr);
	assert_int_equal(dma_buf_end_cpu_access(buf, DMA_FROM_DEVICE), 0);
}

static void send_buf(struct dma_buf *buf, int ctl, bool read_only)
{
	int fd = read_only ? dmb_dma_buf_fd_readonly(buf, O_CLOEXEC) :
			     dma_buf_fd(buf, O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(dmb_ipc_send_fd(ctl, fd), 0);
	close(fd);
}

/* ---- importers that use the library ---- */

static struct device imp_dev = { .name = "importer-dev" };

static void imp_invalidate(struct dma_buf_attachment *attach)
{
	(void)attach;
}

static const struct dma_buf_attach_ops imp_ops = {
	.name = "test-importer",
	.invalidate_mappings = imp_invalidate,
};

/*
 * A read-only importer asks for write access every way the API has: each
 * refused with -EACCES; reading works; its mappings cannot be made
 * writable.
 */
static void child_ro_api(int ctl, int arg)
{
	struct dmb_ipc *ipc;
	struct dma_buf *buf = ipc_imp_import(ctl, "importer", false, &ipc);
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	const unsigned char *p;
	void *vaddr;

	attach = dma_buf_dynamic_attach(buf, &imp_dev, &imp_ops, NULL);
	CHILD_CHECK(attach);
	CHILD_CHECK(!dma_buf_map_attachment_unlocked(attach, DMA_FROM_DEVICE) &&
		    errno == EACCES);
	CHILD_CHECK(!dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL) &&
		    errno == EACCES);
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_TO_DEVICE);
	CHILD_CHECK(sgt);
	p = (const unsigned char *)(uintptr_t)sgt->sgl[0].dma_address;
	for (size_t i = 0; i < BUF_SIZE; i++)
		CHILD_CHECK(p[i] == pattern(i));
	CHILD_CHECK(mprotect((void *)p, BUF_SIZE, PROT_READ | PROT_WRITE) &&
		    errno == EACCES);
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_TO_DEVICE);

	CHILD_CHECK(dma_buf_begin_cpu_access(buf, DMA_TO_DEVICE) == -EACCES);
	CHILD_CHECK(dma_buf_begin_cpu_access(buf, DMA_BIDIRECTIONAL) == -EACCES);
	CHILD_CHECK(dma_buf_begin_cpu_access(buf, DMA_FROM_DEVICE) == 0);
	CHILD_CHECK(dma_buf_vmap_unlocked(buf, &vaddr) == 0);
	p = vaddr;
	for (size_t i = 0; i < BUF_SIZE; i++)
		CHILD_CHECK(p[i] == pattern(i));
	CHILD_CHECK(mprotect(vaddr, BUF_SIZE, PROT_READ | PROT_WRITE) &&
		    errno == EACCES);
	CHILD_CHECK(dma_buf_end_cpu_access(buf, DMA_FROM_DEVICE) == 0);
	dma_buf_vunmap_unlocked(buf, vaddr);
	dma_buf_detach(buf, attach);
	dma_buf_put(buf);
	dmb_ipc_destroy(ipc);
	CHILD_CHECK(dmb_diag_count(DMB_DIAG_WARN) == 0);
	ctl_send(ctl, 'D');
}

static void test_readonly_api_refuses_writes(void **state)
{
	struct dmb_ipc *ipc = dmb_ipc_create("exporter", 0);
	struct dma_buf *buf;
	int ctl;

	(void)state;
	assert_non_null(ipc);
	spawn(0, "child_ro_api", &ctl);
	buf = export_buf(ipc);
	send_buf(buf, ctl, true);
	assert_int_equal(loop_until(ipc, ctl, -1), 'D');
	assert_int_equal(reap(0), 0);
	drain(ipc);
	/* Its library refused the writing maps: none reached us. */
	assert_int_equal(th_count_reports(DMB_DIAG_NOTICE), 0);
	assert_unchanged(buf);
	close(ctl);
	dma_buf_put(buf);
	dmb_ipc_destroy(ipc);
}

/* ---- importers that speak the protocol themselves ---- */

struct raw_peer {
	int sock;
	uint64_t access;	/* the HELLO reply's handle */
	uint64_t att;
};

/* The buffer's socket from @ctl: HELLO as "hostile", ATTACH. */
static struct raw_peer raw_connect(int ctl)
{
	struct raw_peer peer = { .sock = dmb_ipc_recv_fd(ctl) };

	CHILD_CHECK(peer.sock >= 0);
	peer.access = raw_hello(peer.sock, "hostile", &peer.att);
	return peer;
}

/* MAP in @dir; Return: the memfd, *@map its handle. */
static int raw_map(struct raw_peer *peer, enum dma_data_direction dir,
		   uint64_t *map)
{
	int fd = -1;

	CHILD_CHECK(raw_request(peer->sock, DMB_IPC_MAP, peer->att, dir, NULL,
				map, &fd) == 0);
	CHILD_CHECK(fd >= 0);
	return fd;
}

/*
 * In a grandchild that drops root (if it has it) for an unprivileged uid:
 * reopening @fd for writing through /proc must be refused. The grandchild
 * _exit()s, so no sanitizer runs at its exit under another uid.
 */
static void check_proc_reopen_refused(int fd)
{
	char path[32];
	int status;
	pid_t pid;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	pid = fork();
	CHILD_CHECK(pid >= 0);
	if (pid == 0) {
		if (getuid() == 0) {
			CHILD_CHECK(setgroups(0, NULL) == 0);
			CHILD_CHECK(setgid(NOBODY) == 0 && setuid(NOBODY) == 0);
			/* Changing uid made us undumpable: /proc/self/fd
			 * would be closed to us for that reason alone. */
			CHILD_CHECK(prctl(PR_SET_DUMPABLE, 1) == 0);
		}
		CHILD_CHECK(getuid() != 0);
		CHILD_CHECK(open(path, O_RDWR | O_CLOEXEC) < 0 && errno == EACCES);
		CHILD_CHECK(open(path, O_WRONLY | O_CLOEXEC) < 0 && errno == EACCES);
		_exit(0);
	}
	CHILD_CHECK(waitpid(pid, &status, 0) == pid);
	CHILD_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/*
 * A hostile read-only peer: asks the exporter itself for maps the device
 * would write through (refused), then does everything a holder of the
 * memory's descriptor can try to write, shrink, grow or seal it.
 */
static void child_ro_raw(int ctl, int arg)
{
	struct raw_peer peer = raw_connect(ctl);
	uint64_t map;
	unsigned char *p;
	int fd, none = -1;

	CHILD_CHECK(peer.access == DMB_IPC_HELLO_RO);
	/* The exporter does not trust our library to refuse these. */
	CHILD_CHECK(raw_request(peer.sock, DMB_IPC_MAP, peer.att, DMA_FROM_DEVICE,
				NULL, &map, &none) == -EACCES && none < 0);
	CHILD_CHECK(raw_request(peer.sock, DMB_IPC_MAP, peer.att, DMA_BIDIRECTIONAL,
				NULL, &map, &none) == -EACCES && none < 0);
	fd = raw_map(&peer, DMA_TO_DEVICE, &map);
	CHILD_CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY);

	/* write */
	CHILD_CHECK(mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			 fd, 0) == MAP_FAILED && errno == EACCES);
	CHILD_CHECK(pwrite(fd, "x", 1, 0) < 0 && errno == EBADF);
	p = mmap(NULL, BUF_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	CHILD_CHECK(p != MAP_FAILED && p[1] == pattern(1));
	CHILD_CHECK(mprotect(p, BUF_SIZE, PROT_READ | PROT_WRITE) &&
		    errno == EACCES);
	/* truncate, grow */
	CHILD_CHECK(ftruncate(fd, 0) < 0 && errno == EINVAL);
	CHILD_CHECK(ftruncate(fd, 2 * BUF_SIZE) < 0 && errno == EINVAL);
	CHILD_CHECK(fallocate(fd, 0, 0, 2 * BUF_SIZE) < 0 && errno == EBADF);
	CHILD_CHECK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      0, BUF_SIZE) < 0 && errno == EBADF);
	CHILD_CHECK(pwrite(fd, "x", 1, BUF_SIZE) < 0 && errno == EBADF);
	/* seal */
	CHILD_CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) < 0 && errno == EPERM);
	CHILD_CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) < 0 && errno == EPERM);
	/* reopen for writing */
	check_proc_reopen_refused(fd);
	CHILD_CHECK(p[BUF_SIZE - 1] == pattern(BUF_SIZE - 1));
	munmap(p, BUF_SIZE);
	close(fd);
	close(peer.sock);
	ctl_send(ctl, 'D');
}

static void test_readonly_peer_cannot_write(void **state)
{
	struct dmb_ipc *ipc = dmb_ipc_create("exporter", 0);
	struct dma_buf *buf;
	char name[64];
	pid_t pid;
	int ctl;

	(void)state;
	assert_non_null(ipc);
	spawn(0, "child_ro_raw", &ctl);
	pid = children[0];
	buf = export_buf(ipc);
	send_buf(buf, ctl, true);
	assert_int_equal(loop_until(ipc, ctl, -1), 'D');
	assert_int_equal(reap(0), 0);
	drain(ipc);
	snprintf(name, sizeof(name), "hostile[%d] is read-only", (int)pid);
	assert_true(th_take_report(DMB_DIAG_NOTICE, name));
	assert_true(th_take_report(DMB_DIAG_NOTICE, name));
	/* Not shrunk (the CPU access would fail), not written. */
	assert_unchanged(buf);
	assert_int_equal(dmb_memfd_buf_revoke(buf, NULL), 0);
	close(ctl);
	dma_buf_put(buf);
	dmb_ipc_destroy(ipc);
}

/*
 * The same hostile peer against another exporter (heap: its pages are a
 * range of simulated memory shared as a memfd of its own): read-only is
 * the ipc layer's, whichever exporter's mmap op gave the descriptor.
 */
static void test_readonly_heap_peer_cannot_write(void **state)
{
	struct hw_fixture *f = *state;
	struct dmb_ipc *ipc = dmb_ipc_create("exporter", 0);
	const unsigned char *p;
	struct dma_buf *buf;
	char name[64];
	pid_t pid;
	int ctl;

	assert_non_null(ipc);
	/* A buffer of an exporter without a context: the default serves it. */
	dmb_ipc_set_default(ipc);
	spawn(0, "child_ro_raw", &ctl);
	pid = children[0];
	buf = dmb_heap_export(f->ram, BUF_SIZE, "heap");
	assert_non_null(buf);
	p = dmb_heap_vaddr(buf);
	for (size_t i = 0; i < BUF_SIZE; i++)
		((unsigned char *)p)[i] = pattern(i);
	send_buf(buf, ctl, true);
	assert_int_equal(loop_until(ipc, ctl, -1), 'D');
	assert_int_equal(reap(0), 0);
	drain(ipc);
	snprintf(name, sizeof(name), "hostile[%d] is read-only", (int)pid);
	assert_true(th_take_report(DMB_DIAG_NOTICE, name));
	assert_true(th_take_report(DMB_DIAG_NOTICE, name));
	for (size_t i = 0; i < BUF_SIZE; i++)
		if (p[i] != pattern(i))
			fail_msg("byte %zu changed to %#x", i, p[i]);
	close(ctl);
	dma_buf_put(buf);
	dmb_ipc_set_default(NULL);
	dmb_ipc_destroy(ipc);
}

/* A read-write peer: maps, then truncates the memory to nothing. */
static void child_rw_shrink(int ctl, int arg)
{
	struct raw_peer peer = raw_connect(ctl);
	uint64_t map;
	int fd;

	CHILD_CHECK(peer.access == DMB_IPC_HELLO_RW);
	fd = raw_map(&peer, DMA_BIDIRECTIONAL, &map);
	CHILD_CHECK(ftruncate(fd, 0) == 0);
	ctl_send(ctl, 'T');
	CHILD_CHECK(ctl_recv(ctl) == 'g');
	close(fd);
	close(peer.sock);
}

/*
 * Another importer (read-only) holds a vmap when the memory is shrunk:
 * its CPU access fails with -EIO (the file is shorter), its reads complete
 * (zeros); its next map is refused with -EIO by the exporter.
 */
static void child_ro_victim(int ctl, int arg)
{
	struct dmb_ipc *ipc;
	struct dma_buf *buf = ipc_imp_import(ctl, "importer", false, &ipc);
	struct dma_buf_attachment *attach;
	const volatile unsigned char *p;
	void *vaddr;

	CHILD_CHECK(dma_buf_vmap_unlocked(buf, &vaddr) == 0);
	p = vaddr;
	CHILD_CHECK(dma_buf_begin_cpu_access(buf, DMA_FROM_DEVICE) == 0);
	CHILD_CHECK(p[BUF_SIZE - 1] == pattern(BUF_SIZE - 1));
	CHILD_CHECK(dma_buf_end_cpu_access(buf, DMA_FROM_DEVICE) == 0);
	ctl_send(ctl, 'V');
	CHILD_CHECK(ctl_recv(ctl) == 't');	/* shrunk by the other one */
	CHILD_CHECK(dma_buf_begin_cpu_access(buf, DMA_FROM_DEVICE) == -EIO);
	CHILD_CHECK(p[BUF_SIZE - 1] == 0);	/* no SIGBUS: zeros */
	CHILD_CHECK(dma_buf_end_cpu_access(buf, DMA_FROM_DEVICE) == -EIO);
	dma_buf_vunmap_unlocked(buf, vaddr);
	attach = dma_buf_dynamic_attach(buf, &imp_dev, &imp_ops, NULL);
	CHILD_CHECK(attach);
	CHILD_CHECK(!dma_buf_map_attachment_unlocked(attach, DMA_TO_DEVICE) &&
		    errno == EIO);
	dma_buf_detach(buf, attach);
	dma_buf_put(buf);
	dmb_ipc_destroy(ipc);
	CHILD_CHECK(dmb_diag_count(DMB_DIAG_WARN) == 0);
	CHILD_CHECK(dmb_diag_count(DMB_DIAG_NOTICE) == 1);
	ctl_send(ctl, 'E');
}

static void test_shrink_by_writer(void **state)
{
	struct dmb_ipc *ipc = dmb_ipc_create("exporter", 0);
	const volatile unsigned char *p;
	struct dma_buf *buf;
	char name[64];
	void *vaddr;
	int victim, writer;

	(void)state;
	assert_non_null(ipc);
	buf = export_buf(ipc);
	spawn(0, "child_ro_victim", &victim);
	send_buf(buf, victim, true);
	assert_int_equal(loop_until(ipc, victim, -1), 'V');
	/* Our own CPU access, held across the shrink. */
	assert_int_equal(dma_buf_vmap_unlocked(buf, &vaddr), 0);
	p = vaddr;
	assert_int_equal(dma_buf_begin_cpu_access(buf, DMA_FROM_DEVICE), 0);
	spawn(1, "child_rw_shrink", &writer);
	send_buf(buf, writer, false);
	assert_int_equal(loop_until(ipc, writer, -1), 'T');

	/* Our access completes (zeros), the bracket fails, the writer is named. */
	assert_int_equal(p[BUF_SIZE - 1], 0);
	assert_int_equal(dma_buf_end_cpu_access(buf, DMA_FROM_DEVICE), -EIO);
	/* The read-only importer could not have done it: not named. */
	snprintf(name, sizeof(name), "importer[%d]", (int)children[0]);
	assert_false(th_take_report(DMB_DIAG_NOTICE, name));
	snprintf(name, sizeof(name), "read-write importers: hostile[%d]",
		 (int)children[1]);
	assert_true(th_take_report(DMB_DIAG_NOTICE, name));
	assert_int_equal(dma_buf_begin_cpu_access(buf, DMA_FROM_DEVICE), -EIO);
	assert_int_equal(th_count_reports(DMB_DIAG_NOTICE), 0);
	dma_buf_vunmap_unlocked(buf, vaddr);

	/* The other importer gets clean errors too. */
	assert_int_equal(send(victim, "t", 1, MSG_NOSIGNAL), 1);
	assert_int_equal(loop_until(ipc, victim, -1), 'E');
	assert_int_equal(reap(0), 0);
	assert_int_equal(send(writer, "g", 1, MSG_NOSIGNAL), 1);
	assert_int_equal(reap(1), 0);
	drain(ipc);

	/* Revoke and unrevoke: fresh memory, whole again. */
	assert_int_equal(dmb_memfd_buf_revoke(buf, NULL), 0);
	assert_int_equal(dmb_memfd_buf_unrevoke(buf), 0);
	assert_int_equal(dma_buf_begin_cpu_access(buf, DMA_FROM_DEVICE), 0);
	assert_int_equal(dma_buf_end_cpu_access(buf, DMA_FROM_DEVICE), 0);
	close(victim);
	close(writer);
	dma_buf_put(buf);
	dmb_ipc_destroy(ipc);
}

/*
 * A read-only peer keeps page references in a pipe (vmsplice) and answers
 * the revoke's invalidate: after the revoke it can still read what the
 * pages held then, and nothing written to the next generation.
 */
static void child_vmsplice(int ctl, int arg)
{
	struct raw_peer peer = raw_connect(ctl);
	unsigned char *p, *got;
	struct iovec iov;
	uint64_t map;
	int fd, pipefd[2];
	size_t off = 0;

	fd = raw_map(&peer, DMA_TO_DEVICE, &map);
	p = mmap(NULL, BUF_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	CHILD_CHECK(p != MAP_FAILED);
	close(fd);
	CHILD_CHECK(pipe2(pipefd, O_CLOEXEC) == 0);
	CHILD_CHECK(fcntl(pipefd[1], F_SETPIPE_SZ, BUF_SIZE) >= BUF_SIZE);
	iov.iov_base = p;
	iov.iov_len = BUF_SIZE;
	CHILD_CHECK(vmsplice(pipefd[1], &iov, 1, 0) == BUF_SIZE);
	ctl_send(ctl, 'P');
	/* Cooperate with the revoke: unmap when told. */
	raw_wait_invalidate(peer.sock, peer.att);
	munmap(p, BUF_SIZE);
	raw_unmap(peer.sock, map);
	/* Revoked, unrevoked, the new generation written: read the pipe. */
	CHILD_CHECK(ctl_recv(ctl) == 'w');
	got = malloc(BUF_SIZE);
	CHILD_CHECK(got);
	while (off < BUF_SIZE) {
		ssize_t n = read(pipefd[0], got + off, BUF_SIZE - off);

		CHILD_CHECK(n > 0);
		off += (size_t)n;
	}
	for (size_t i = 0; i < BUF_SIZE; i++)
		CHILD_CHECK(got[i] == (i < 16 ? 0x5a : pattern(i)));
	free(got);
	close(pipefd[0]);
	close(pipefd[1]);
	close(peer.sock);
	ctl_send(ctl, 'D');
}

static void test_vmsplice_keeps_revoke_time_only(void **state)
{
	struct dmb_ipc *ipc = dmb_ipc_create("exporter", 0);
	struct revoker *r;
	unsigned char *p;
	void *vaddr;
	int ctl;

	(void)state;
	assert_non_null(ipc);
	spawn(0, "child_vmsplice", &ctl);
	r = new_revoker(export_buf(ipc));
	send_buf(r->buf, ctl, true);
	assert_int_equal(loop_until(ipc, ctl, -1), 'P');
	/* Written after the splice, before the revoke: the peer sees it. */
	assert_int_equal(dma_buf_vmap_unlocked(r->buf, &vaddr), 0);
	memset(vaddr, 0x5a, 16);
	dma_buf_vunmap_unlocked(r->buf, vaddr);

	revoke_serving(ipc, r);

	/* The next generation, written all over: the pipe must not show it. */
	assert_int_equal(dmb_memfd_buf_unrevoke(r->buf), 0);
	assert_int_equal(dma_buf_vmap_unlocked(r->buf, &vaddr), 0);
	p = vaddr;
	memset(p, 0xee, BUF_SIZE);
	dma_buf_vunmap_unlocked(r->buf, vaddr);
	assert_int_equal(send(ctl, "w", 1, MSG_NOSIGNAL), 1);
	assert_int_equal(loop_until(ipc, ctl, -1), 'D');
	assert_int_equal(reap(0), 0);
	drain(ipc);
	close(ctl);
	dma_buf_put(r->buf);
	dmb_ipc_destroy(ipc);
}

/* ---- the SIGBUS guard leaves other faults alone ---- */

/* A shared mapping of a memfd of our own, truncated: touching it faults. */
static volatile unsigned char *truncated_mapping(int *fd)
{
	void *p;

	*fd = memfd_create("unguarded", MFD_CLOEXEC);
	if (*fd < 0 || ftruncate(*fd, 4096))
		return NULL;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	if (p == MAP_FAILED || ftruncate(*fd, 0))
		return NULL;
	return p;
}

static sigjmp_buf fault_jmp;
static volatile sig_atomic_t faults;

static void on_sigbus(int sig)
{
	(void)sig;
	faults++;
	siglongjmp(fault_jmp, 1);
}

/*
 * While a memfd buffer is guarded, a SIGBUS outside it reaches the handler
 * that was there before; once the buffer is gone, that handler is back.
 */
static void test_guard_chains_other_faults(void **state)
{
	struct sigaction mine = { .sa_handler = on_sigbus }, saved, cur;
	struct dmb_ipc *ipc = dmb_ipc_create("exporter", 0);
	volatile unsigned char *p;
	struct dma_buf *buf;
	int fd;

	(void)state;
	assert_non_null(ipc);
	sigemptyset(&mine.sa_mask);
	assert_int_equal(sigaction(SIGBUS, &mine, &saved), 0);
	buf = dmb_memfd_buf_create(ipc, "guarded", BUF_SIZE, NULL);
	assert_non_null(buf);
	assert_int_equal(sigaction(SIGBUS, NULL, &cur), 0);
	assert_true(cur.sa_flags & SA_SIGINFO);	/* the guard's, in front */
	p = truncated_mapping(&fd);
	assert_non_null(p);
	faults = 0;
	if (sigsetjmp(fault_jmp, 1) == 0)
		p[0] = 1;
	assert_int_equal(faults, 1);
	dma_buf_put(buf);
	assert_int_equal(sigaction(SIGBUS, NULL, &cur), 0);
	assert_true(!(cur.sa_flags & SA_SIGINFO) && cur.sa_handler == on_sigbus);
	assert_int_equal(sigaction(SIGBUS, &saved, NULL), 0);
	munmap((void *)p, 4096);
	close(fd);
	dmb_ipc_destroy(ipc);
}

/* With the default action before it, a fault the guard does not own ends
 * the process by SIGBUS, as without the guard. */
static void child_unguarded_fault(int ctl, int arg)
{
	struct dmb_ipc *ipc = dmb_ipc_create("exporter", 0);
	struct dma_buf *buf;
	volatile unsigned char *p;
	int fd;

	CHILD_CHECK(ipc);
	/* Dying of SIGBUS is expected: no core file for it. */
	CHILD_CHECK(setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 }) == 0);
	signal(SIGBUS, SIG_DFL);
	buf = dmb_memfd_buf_create(ipc, "guarded", BUF_SIZE, NULL);
	CHILD_CHECK(buf);
	p = truncated_mapping(&fd);
	CHILD_CHECK(p);
	ctl_send(ctl, 'F');
	p[0] = 1;
	CHILD_CHECK(!"a fault outside the guard did not end the process");
}

static void test_guard_default_action_kept(void **state)
{
	int ctl, status;

	(void)state;
	spawn(0, "child_unguarded_fault", &ctl);
	assert_int_equal(ctl_recv(ctl), 'F');
	status = reap(0);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGBUS);
	close(ctl);
}

/* The importers, by the name spawn() passes to the exec'd program. */
static const struct ipc_child_fn ipc_children[] = {
	IPC_CHILD(child_ro_api), IPC_CHILD(child_ro_raw),
	IPC_CHILD(child_rw_shrink), IPC_CHILD(child_ro_victim),
	IPC_CHILD(child_vmsplice), IPC_CHILD(child_unguarded_fault),
};

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		TH_TEST(test_readonly_api_refuses_writes),
		TH_TEST(test_readonly_peer_cannot_write),
		cmocka_unit_test_setup_teardown(test_readonly_heap_peer_cannot_write,
						exp_setup, hw_teardown),
		TH_TEST(test_shrink_by_writer),
		TH_TEST(test_vmsplice_keeps_revoke_time_only),
		TH_TEST(test_guard_chains_other_faults),
		TH_TEST(test_guard_default_action_kept),
	};

	IPC_CHILD_RUN(argc, argv, ipc_children);
	return th_run(argc, argv, tests, TH_COUNT(tests));
}
