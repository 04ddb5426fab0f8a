/* SPDX-License-Identifier: MIT */
/*
 * test-ipc-exporters.c - the reference exporters (vfio-pci, vram, heap)
 * shared with importer processes, and their memory taken back
 * (docs/ipc.md, "Which buffers can be shared").
 *
 * Each case runs two importers, fork()ed and exec()ed from this program
 * (`--ipc-child NAME FD KIND`) as in test-ipc.c: a cooperating one that
 * uses the library (dynamic attachment with invalidate_mappings, map,
 * read), and a keeper that speaks the protocol itself and keeps a mapping
 * of the memfd of its own past its UNMAP (or past its last reference).
 * The exporter dispatches from this thread's loop; every verdict follows
 * an event (a byte on a control socket, a revoke's pipe, waitpid), never
 * a time bound. A failed check in an importer exits with the line number;
 * the case asserts exit status 0. Teardown kills and reaps both importers
 * whatever happened.
 *
 * The order of each case: the exporter fills pattern A; both importers
 * map and read it; the exporter writes pattern B (after they mapped) and
 * both see it (zero-copy); the exporter's revoke path runs; the
 * cooperating importer's invalidate_mappings runs and unmaps; the keeper's
 * kept mapping faults (SIGBUS, contained to it) and cannot be grown back;
 * then fresh memory: a new map shows what the exporter writes now, and the
 * keeper's old mapping still faults.
 *
 * The shrink cases (docs/ipc.md, "Access rights"): a read-write importer
 * (`child_shrinker`) truncates a shared range's generation early. The
 * exporter's CPU view reads zeros instead of dying, its CPU access and a
 * DMA job over the range fail with -EIO, a notice names the range and the
 * writer (not the read-only importer), the other importer
 * (`child_victim`, read-only) is refused a new map with -EIO; a revoke or
 * a move takes the range back and the next generation is whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dmabuf/dmb-ipc.h>
#include <dmabuf/drivers/heap.h>
#include <dmabuf/drivers/vfio-pci.h>
#include <dmabuf/drivers/vram.h>
#include <dmabuf/hw/dma-engine.h>
#include <dmabuf/hw/iommu.h>
#include <dmabuf/hw/pci.h>

#include "fixture.h"
#include "ipc-child.h"
#include "ipc-share.h"

#define BUF_SIZE	(4 * DMB_PAGE_SIZE)
#define BAR_SIZE	(64 * 1024ULL)
#define VRAM_SIZE	(1ULL << 20)
#define SEED_A		1
#define SEED_B		2
#define SEED_C		3

enum kind { KIND_VFIO, KIND_VRAM, KIND_HEAP };

/* ---- both sides ---- */

static bool holds(const volatile unsigned char *p, unsigned int seed)
{
	for (size_t i = 0; i < BUF_SIZE; i++)
		if (p[i] != (unsigned char)(seed + i * 7))
			return false;
	return true;
}

/* ---- the cooperating importer ---- */

/* Its invalidate (in the ipc thread, resv held) unmaps and says 'I'. */
static struct ipc_imp imp = { .tell = true };
static struct device imp_dev = { .name = "importer-dev" };

static const struct dma_buf_attach_ops imp_ops = {
	.name = "coop",
	.invalidate_mappings = ipc_imp_invalidate,
};

/*
 * Import through the default context (dma_buf_get()), attach dynamically
 * with invalidate_mappings, map, read A; on 'w' read B through the same
 * mapping. Revocable exporters: on 'r' (the revoke path returned) the
 * invalidate has run and unmapped; vfio-pci refuses a map while revoked
 * and a non-revocable importer always; on 'u' map again and read C (after
 * a close, 'g' comes instead).
 */
static void child_coop(int ctl, int kind)
{
	struct dmb_ipc *ipc;
	const unsigned char *p;
	struct dma_buf *buf;
	struct dma_resv *resv;
	char c;

	imp.ctl = ctl;
	buf = ipc_imp_import(ctl, "coop", true, &ipc);
	CHILD_CHECK(dma_buf_size(buf) == BUF_SIZE);
	resv = dma_buf_resv(buf);
	/* vfio-pci takes only revocable importers, in any process (R10). */
	if (kind == KIND_VFIO)
		CHILD_CHECK(!dma_buf_attach(buf, &imp_dev) && errno == EOPNOTSUPP);
	imp.attach = dma_buf_dynamic_attach(buf, &imp_dev, &imp_ops, &imp);
	CHILD_CHECK(imp.attach);
	p = ipc_imp_map(&imp, buf, BUF_SIZE);
	CHILD_CHECK(holds(p, SEED_A));
	ctl_send(ctl, 'M');
	CHILD_CHECK(ctl_recv(ctl) == 'w');
	CHILD_CHECK(holds(p, SEED_B));	/* the exporter's pages, not a copy */
	ctl_send(ctl, 'B');
	if (kind != KIND_HEAP) {
		CHILD_CHECK(ctl_recv(ctl) == 'r');
		CHILD_CHECK(dma_resv_lock(resv, NULL) == 0);
		CHILD_CHECK(imp.invalidated == 1 && !imp.sgt);
		dma_resv_unlock(resv);
		if (kind == KIND_VFIO) {
			CHILD_CHECK(!dma_buf_map_attachment_unlocked(imp.attach,
								     DMA_BIDIRECTIONAL));
			CHILD_CHECK(errno == ENODEV);
		}
		ctl_send(ctl, 'E');
		c = ctl_recv(ctl);
		if (c == 'u') {			/* not after a close */
			p = ipc_imp_map(&imp, buf, BUF_SIZE);
			CHILD_CHECK(holds(p, SEED_C));
			ctl_send(ctl, 'M');
			c = ctl_recv(ctl);
		}
	} else {
		c = ctl_recv(ctl);
	}
	CHILD_CHECK(c == 'g');
	ipc_imp_finish(&imp, buf, ipc);
}

/* ---- the keeper: the protocol by hand, a mapping of its own ---- */

static sigjmp_buf fault_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(fault_jmp, 1);
}

/* A read and a write of @p both fault (SIGBUS), contained to us. */
static bool faults(volatile unsigned char *p)
{
	volatile bool ok = true;

	signal(SIGBUS, on_sigbus);
	if (sigsetjmp(fault_jmp, 1) == 0) {
		(void)p[1];
		ok = false;
	}
	if (ok && sigsetjmp(fault_jmp, 1) == 0) {
		p[2] = 0x66;
		ok = false;
	}
	signal(SIGBUS, SIG_DFL);
	return ok;
}

static volatile unsigned char *raw_map(int sock, uint64_t att, uint64_t *map,
				       int *fd)
{
	void *p;

	CHILD_CHECK(raw_request(sock, DMB_IPC_MAP, att, DMA_BIDIRECTIONAL, NULL,
				map, fd) == 0);
	CHILD_CHECK(*fd >= 0);
	p = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	CHILD_CHECK(p != MAP_FAILED);
	return p;
}

/*
 * Map, read A, then B after 'w'. vfio-pci and vram: answer the
 * invalidate with UNMAP (vram: only after 'r', as a move does not wait
 * for it) but keep the mapping; on 'r' it faults and the
 * file cannot be grown back; on 'u' it still faults and a new MAP shows
 * C (after a close, 'g' comes instead). Heap: on 'c' close the connection, keeping the mapping; on 'r' (the
 * buffer was released) it faults; on 'u' (a new buffer in those pages) it
 * still does.
 */
static void child_keeper(int ctl, int kind)
{
	volatile unsigned char *kept, *fresh;
	uint64_t att, map;
	int sock = dmb_ipc_recv_fd(ctl), fd, fd2;
	char c;

	CHILD_CHECK(sock >= 0);
	raw_hello(sock, "keeper", &att);
	kept = raw_map(sock, att, &map, &fd);
	CHILD_CHECK(holds(kept, SEED_A));
	ctl_send(ctl, 'M');
	CHILD_CHECK(ctl_recv(ctl) == 'w');
	CHILD_CHECK(holds(kept, SEED_B));
	ctl_send(ctl, 'B');
	if (kind == KIND_HEAP) {
		CHILD_CHECK(ctl_recv(ctl) == 'c');
		close(sock);
		ctl_send(ctl, 'K');
		CHILD_CHECK(ctl_recv(ctl) == 'r');
		CHILD_CHECK(faults(kept));
		ctl_send(ctl, 'F');
		CHILD_CHECK(ctl_recv(ctl) == 'u');
		CHILD_CHECK(faults(kept));	/* never the new buffer's bytes */
		ctl_send(ctl, 'N');
		CHILD_CHECK(ctl_recv(ctl) == 'g');
		munmap((void *)kept, BUF_SIZE);
		close(fd);
		return;
	}
	raw_wait_invalidate(sock, att);
	/* A revoke waits for our UNMAP; a move does not: hold it back. */
	if (kind == KIND_VFIO)
		raw_unmap(sock, map);
	CHILD_CHECK(ctl_recv(ctl) == 'r');
	CHILD_CHECK(faults(kept));
	if (kind == KIND_VRAM)
		raw_unmap(sock, map);
	/* Sealed against growing: the old pages cannot come back. */
	CHILD_CHECK(ftruncate(fd, BUF_SIZE) < 0 && errno == EPERM);
	ctl_send(ctl, 'F');
	c = ctl_recv(ctl);
	if (c == 'u') {				/* not after a close */
		CHILD_CHECK(faults(kept));
		fresh = raw_map(sock, att, &map, &fd2);
		CHILD_CHECK(holds(fresh, SEED_C));
		ctl_send(ctl, 'C');
		c = ctl_recv(ctl);
		munmap((void *)fresh, BUF_SIZE);
		close(fd2);
	}
	CHILD_CHECK(c == 'g');
	munmap((void *)kept, BUF_SIZE);
	close(fd);
	close(sock);
}

/*
 * A hung importer: map, then never read the socket again (no UNMAP ever);
 * on 'r' (the revoke returned at its bound) the mapping faults.
 */
static void child_hung(int ctl, int kind)
{
	volatile unsigned char *kept;
	uint64_t att, map;
	int sock = dmb_ipc_recv_fd(ctl), fd;

	(void)kind;
	CHILD_CHECK(sock >= 0);
	raw_hello(sock, "keeper", &att);
	kept = raw_map(sock, att, &map, &fd);
	ctl_send(ctl, 'M');
	CHILD_CHECK(ctl_recv(ctl) == 'r');
	CHILD_CHECK(faults(kept));
	ctl_send(ctl, 'F');
	CHILD_CHECK(ctl_recv(ctl) == 'g');
	munmap((void *)kept, BUF_SIZE);
	close(fd);
	close(sock);
}

/* ---- the shrink cases' importers ---- */

/*
 * A read-write peer speaking the protocol itself: map, then truncate the
 * generation to nothing ('T'); on 'g' go.
 */
static void child_shrinker(int ctl, int kind)
{
	volatile unsigned char *p;
	uint64_t att, map;
	int sock = dmb_ipc_recv_fd(ctl), fd;

	CHILD_CHECK(sock >= 0);
	raw_hello(sock, "shrinker", &att);
	p = raw_map(sock, att, &map, &fd);
	CHILD_CHECK(holds(p, SEED_A));
	munmap((void *)p, BUF_SIZE);
	CHILD_CHECK(ftruncate(fd, 0) == 0);
	ctl_send(ctl, 'T');
	CHILD_CHECK(ctl_recv(ctl) == 'g');
	close(fd);
	close(sock);
}

/*
 * Another importer, read-only, using the library: map for the device to
 * read and read A ('M'); on 't' (the memory was shrunk) let the old
 * mapping go untouched and be refused a new one with -EIO ('E'); on 'g'
 * go.
 */
static void child_victim(int ctl, int kind)
{
	struct dmb_ipc *ipc;
	struct sg_table *sgt;
	struct dma_buf *buf;

	(void)kind;
	imp.ctl = ctl;
	buf = ipc_imp_import(ctl, "victim", true, &ipc);
	CHILD_CHECK(dma_buf_size(buf) == BUF_SIZE);
	imp.attach = dma_buf_dynamic_attach(buf, &imp_dev, &imp_ops, &imp);
	CHILD_CHECK(imp.attach);
	sgt = dma_buf_map_attachment_unlocked(imp.attach, DMA_TO_DEVICE);
	CHILD_CHECK(sgt && sgt->nents == 1);
	CHILD_CHECK(holds((const unsigned char *)(uintptr_t)sgt->sgl[0].dma_address,
			  SEED_A));
	ctl_send(ctl, 'M');
	CHILD_CHECK(ctl_recv(ctl) == 't');
	/* Its mapping is not guarded (a device's): let it go untouched. */
	dma_buf_unmap_attachment_unlocked(imp.attach, sgt, DMA_TO_DEVICE);
	CHILD_CHECK(!dma_buf_map_attachment_unlocked(imp.attach, DMA_TO_DEVICE));
	CHILD_CHECK(errno == EIO);
	ctl_send(ctl, 'E');
	CHILD_CHECK(ctl_recv(ctl) == 'g');
	dma_buf_detach(buf, imp.attach);
	dma_buf_put(buf);
	dmb_ipc_destroy(ipc);
	CHILD_CHECK(dmb_diag_count(DMB_DIAG_WARN) == 0);
	CHILD_CHECK(dmb_diag_count(DMB_DIAG_VIOLATION) == 0);
}

/* ---- the exporter ---- */

struct xf {
	struct hw_fixture *f;
	struct dmb_ipc *ipc;
	pid_t pid[2];			/* the cooperating importer, the keeper */
	int ctl[2];
	struct dmb_pci_function *pci;
	struct dmb_vfio_pci *vdev;
	struct dmb_hw_device *gpu;
	struct dmb_mem_region *vram;
	struct dmb_vram *vm;
	int done[2];			/* a pipe: readable when the revoke returned */
	int ret;
};

enum { COOP, KEEPER };

static int xf_setup(void **state)
{
	struct xf *x = calloc(1, sizeof(*x));

	if (!x || exp_setup(state))
		return -1;
	x->f = *state;
	x->pid[COOP] = x->pid[KEEPER] = -1;
	x->ctl[COOP] = x->ctl[KEEPER] = -1;
	x->done[0] = x->done[1] = -1;
	x->ipc = dmb_ipc_create("exporter", 0);
	if (!x->ipc)
		return -1;
	/* Buffers of exporters without a context are served by this one. */
	dmb_ipc_set_default(x->ipc);
	*state = x;
	return 0;
}

static int xf_teardown(void **state)
{
	struct xf *x = *state;
	int ret = th_teardown_threads();

	/* The importers were killed and reaped by the hooks it ran. */
	for (int i = 0; i < 2; i++)
		if (x->ctl[i] >= 0)
			close(x->ctl[i]);
	if (x->done[0] >= 0) {
		close(x->done[0]);
		close(x->done[1]);
	}
	dmb_ipc_set_default(NULL);
	dmb_ipc_destroy(x->ipc);
	if (x->vdev)
		dmb_vfio_pci_release(x->vdev);
	if (x->pci && dmb_pci_function_destroy(x->pci))
		ret = -1;
	if (x->vm && dmb_vram_destroy(x->vm))
		ret = -1;
	if (x->vram && dmb_mem_region_destroy(x->vram))
		ret = -1;
	*state = x->f;
	free(x);
	return hw_teardown(state) || ret ? -1 : 0;
}

#define XF_TEST(fn) cmocka_unit_test_setup_teardown(fn, xf_setup, xf_teardown)

/* Start importer @who (fork and exec of this program) running @child. */
static void spawn(struct xf *x, int who, const char *child, enum kind kind)
{
	x->pid[who] = ipc_child_spawn(child, kind, &x->ctl[who]);
}

static int reap(struct xf *x, int who)
{
	int status = ipc_child_reap(x->pid[who]);

	x->pid[who] = -1;
	return status;
}

/*
 * Dispatch until a byte arrives from importer @who, and return it; with
 * @fd >= 0, until @fd is readable instead (return 0).
 */
static char xf_loop_until(struct xf *x, int who, int fd)
{
	return loop_until(x->ipc, x->ctl[who], fd);
}

static void tell(struct xf *x, int who, char c)
{
	assert_int_equal(send(x->ctl[who], &c, 1, MSG_NOSIGNAL), 1);
}

/* Both importers get a descriptor of @buf, map it and read pattern A. */
static void share_with_both(struct xf *x, struct dma_buf *buf, enum kind kind)
{
	spawn(x, COOP, "child_coop", kind);
	spawn(x, KEEPER, "child_keeper", kind);
	for (int who = 0; who < 2; who++) {
		int fd = dma_buf_fd(buf, O_CLOEXEC);

		assert_true(fd >= 0);
		assert_int_equal(dmb_ipc_send_fd(x->ctl[who], fd), 0);
		close(fd);
		assert_int_equal(xf_loop_until(x, who, -1), 'M');
	}
}

/* After they mapped: both see what the exporter writes now. */
static void both_see(struct xf *x)
{
	for (int who = 0; who < 2; who++) {
		tell(x, who, 'w');
		assert_int_equal(xf_loop_until(x, who, -1), 'B');
	}
}

/*
 * The revoke path returned: the cooperating importer was invalidated and
 * (vfio-pci) is refused a map; the keeper's mapping faults.
 */
static void after_revoke(struct xf *x)
{
	assert_int_equal(xf_loop_until(x, COOP, -1), 'I');
	tell(x, COOP, 'r');
	assert_int_equal(xf_loop_until(x, COOP, -1), 'E');
	tell(x, KEEPER, 'r');
	assert_int_equal(xf_loop_until(x, KEEPER, -1), 'F');
}

/* Fresh memory holding C: both map it; the keeper's old mapping faults. */
static void after_unrevoke(struct xf *x)
{
	tell(x, COOP, 'u');
	assert_int_equal(xf_loop_until(x, COOP, -1), 'M');
	tell(x, KEEPER, 'u');
	assert_int_equal(xf_loop_until(x, KEEPER, -1), 'C');
}

static void finish(struct xf *x, struct dma_buf *buf)
{
	for (int who = 0; who < 2; who++) {
		tell(x, who, 'g');
		assert_int_equal(reap(x, who), 0);
	}
	drain(x->ipc);
	dma_buf_put(buf);
}

/* A condition that isolates the PCI function, and its end (none for close). */
struct vfio_cond {
	int (*begin)(struct dmb_pci_function *pci);
	int (*end)(struct dmb_pci_function *pci);
};

static int decode_off(struct dmb_pci_function *pci)
{
	return dmb_pci_set_decode(pci, false);
}

static int decode_on(struct dmb_pci_function *pci)
{
	return dmb_pci_set_decode(pci, true);
}

static int enter_d3(struct dmb_pci_function *pci)
{
	return dmb_pci_set_power(pci, DMB_PCI_D3HOT);
}

static int enter_d0(struct dmb_pci_function *pci)
{
	return dmb_pci_set_power(pci, DMB_PCI_D0);
}

static const struct vfio_cond *cond;

static void *cond_begin_thread(void *arg)
{
	struct xf *x = arg;

	x->ret = cond->begin(x->pci);
	if (write(x->done[1], "d", 1) != 1)
		x->ret = -EIO;
	return NULL;
}

/*
 * vfio-pci: a condition that isolates the function revokes the BAR buffer
 * (its remote importers unmap while we dispatch) and takes the BAR range
 * back from every process before the BAR goes dark; the end of the
 * condition hands out a new generation.
 */
static void vfio_case(struct xf *x, const struct vfio_cond *c)
{
	struct dmb_pci_function_info info = {
		.dev = { .name = "vf0" }, .bar_size = { [0] = BAR_SIZE },
	};
	struct th_thread *t;
	struct dma_buf *buf;
	uint64_t phys;

	x->pci = dmb_pci_function_create(x->f->space, &info);
	assert_non_null(x->pci);
	x->vdev = dmb_vfio_pci_open(x->pci, NULL);
	assert_non_null(x->vdev);
	buf = dmb_vfio_pci_export(x->vdev, 0, 0, BUF_SIZE, "bar0");
	assert_non_null(buf);
	phys = dmb_mem_region_base(dmb_pci_bar(x->pci, 0));
	hw_fill(x->f->space, phys, BUF_SIZE, SEED_A);
	share_with_both(x, buf, KIND_VFIO);
	hw_fill(x->f->space, phys, BUF_SIZE, SEED_B);
	both_see(x);

	/* The revoke waits for the importers' unmaps, which we dispatch. */
	cond = c;
	assert_int_equal(pipe2(x->done, O_CLOEXEC), 0);
	t = th_thread_start(cond_begin_thread, x);
	xf_loop_until(x, COOP, x->done[0]);
	th_thread_join(t);
	assert_int_equal(x->ret, 0);
	assert_true(dmb_vfio_pci_revoked(buf));
	after_revoke(x);

	if (c->end) {
		assert_int_equal(c->end(x->pci), 0);
		assert_false(dmb_vfio_pci_revoked(buf));
		/* The BAR kept its bytes here: only other processes lost them. */
		assert_true(hw_holds(x->f->space, phys, BUF_SIZE, SEED_B));
		hw_fill(x->f->space, phys, BUF_SIZE, SEED_C);
		after_unrevoke(x);
	}
	finish(x, buf);
}

static void test_vfio_pci_flr(void **state)
{
	static const struct vfio_cond flr = { dmb_pci_flr_begin, dmb_pci_flr_end };

	vfio_case(*state, &flr);
}

static void test_vfio_pci_decode_off(void **state)
{
	static const struct vfio_cond decode = { decode_off, decode_on };

	vfio_case(*state, &decode);
}

static void test_vfio_pci_d3(void **state)
{
	static const struct vfio_cond d3 = { enter_d3, enter_d0 };

	vfio_case(*state, &d3);
}

static void test_vfio_pci_close(void **state)
{
	static const struct vfio_cond close_for_good = { dmb_pci_close, NULL };

	vfio_case(*state, &close_for_good);
}

/*
 * vfio-pci, an importer process that never unmaps: the bound for importer
 * processes holds for every revoke helper once a buffer is shared, not
 * only a memfd buffer's. The FLR's revoke returns at the unmap bound (set
 * short, so the case runs fast), V6 names keeper[pid], it is cut off,
 * and the BAR range taken back from it faults.
 */
static void test_vfio_pci_hung_importer(void **state)
{
	static const struct vfio_cond flr = { dmb_pci_flr_begin, dmb_pci_flr_end };
	static const struct dmb_revoke_policy bound = {
		.wait = DMB_REVOKE_WARN_THEN_WAIT,
		.unmap_bound_ns = 10 * 1000 * 1000,
	};
	const struct dmb_vfio_pci_info vinfo = { .revoke = &bound };
	struct dmb_pci_function_info info = {
		.dev = { .name = "vf0" }, .bar_size = { [0] = BAR_SIZE },
	};
	struct xf *x = *state;
	struct th_thread *t;
	struct dma_buf *buf;
	char needle[64];
	int fd;

	x->pci = dmb_pci_function_create(x->f->space, &info);
	assert_non_null(x->pci);
	x->vdev = dmb_vfio_pci_open(x->pci, &vinfo);
	assert_non_null(x->vdev);
	buf = dmb_vfio_pci_export(x->vdev, 0, 0, BUF_SIZE, "bar0");
	assert_non_null(buf);
	spawn(x, KEEPER, "child_hung", KIND_VFIO);
	fd = dma_buf_fd(buf, O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(dmb_ipc_send_fd(x->ctl[KEEPER], fd), 0);
	close(fd);
	assert_int_equal(xf_loop_until(x, KEEPER, -1), 'M');

	cond = &flr;
	assert_int_equal(pipe2(x->done, O_CLOEXEC), 0);
	t = th_thread_start(cond_begin_thread, x);
	xf_loop_until(x, KEEPER, x->done[0]);
	th_thread_join(t);
	assert_int_equal(x->ret, 0);
	assert_true(dmb_vfio_pci_revoked(buf));
	snprintf(needle, sizeof(needle), "importer=keeper[%d]", (int)x->pid[KEEPER]);
	assert_true(th_take_report(DMB_DIAG_VIOLATION, needle));
	snprintf(needle, sizeof(needle), "keeper[%d]: mapped past the revoke's bound",
		 (int)x->pid[KEEPER]);
	assert_true(th_take_report(DMB_DIAG_NOTICE, needle));
	tell(x, KEEPER, 'r');
	assert_int_equal(xf_loop_until(x, KEEPER, -1), 'F');
	assert_int_equal(flr.end(x->pci), 0);
	tell(x, KEEPER, 'g');
	assert_int_equal(reap(x, KEEPER), 0);
	drain(x->ipc);
	dma_buf_put(buf);
}

static void fill(void *p, unsigned int seed)
{
	for (size_t i = 0; i < BUF_SIZE; i++)
		((unsigned char *)p)[i] = (unsigned char)(seed + i * 7);
}

static void vram_write(struct dma_buf *buf, unsigned int seed)
{
	unsigned char pattern[BUF_SIZE];

	fill(pattern, seed);
	assert_int_equal(dmb_vram_cpu_access(buf, 0, pattern, BUF_SIZE, true), 0);
}

/* A GPU with its VRAM, and a buffer object exported from it, in VRAM. */
static struct dma_buf *vram_buf(struct xf *x)
{
	struct dmb_mem_region_info info = { .name = "vram", .size = VRAM_SIZE };
	struct dma_buf *buf;

	x->gpu = hw_device(x->f, "gpu0", true, 1);
	info.owner = x->gpu;
	x->vram = dmb_mem_region_create(x->f->space, &info);
	assert_non_null(x->vram);
	x->vm = dmb_vram_create(x->gpu, x->vram, x->f->ram, NULL);
	assert_non_null(x->vm);
	buf = dmb_vram_export(x->vm, BUF_SIZE, "bo");
	assert_non_null(buf);
	assert_int_equal(dmb_vram_placement(buf), DMB_VRAM_IN_VRAM);
	return buf;
}

/*
 * vram: an eviction moves the buffer object out of VRAM while importer
 * processes map it; the move takes the old pages back from them at once
 * (it does not wait for their unmaps), and a new map shows the new
 * backing, in a new generation.
 */
static void test_vram(void **state)
{
	struct xf *x = *state;
	struct dma_buf *buf;

	buf = vram_buf(x);
	vram_write(buf, SEED_A);
	share_with_both(x, buf, KIND_VRAM);
	/* Another process reaches VRAM as the CPU does: nothing moved. */
	assert_int_equal(dmb_vram_moves(buf), 0);
	vram_write(buf, SEED_B);
	both_see(x);

	assert_int_equal(dmb_vram_evict(buf), 0);
	assert_int_equal(dmb_vram_placement(buf), DMB_VRAM_IN_SYSTEM);
	after_revoke(x);

	vram_write(buf, SEED_C);
	after_unrevoke(x);
	finish(x, buf);
}

/*
 * heap: never revoked, so its pages are taken back from other processes
 * when the buffer is released: a process that kept a mapping past its
 * last reference faults instead of reading the next buffer given them.
 */
static void test_heap(void **state)
{
	struct xf *x = *state;
	struct dma_buf *buf, *next;

	buf = dmb_heap_export(x->f->ram, BUF_SIZE, "heap");
	assert_non_null(buf);
	fill(dmb_heap_vaddr(buf), SEED_A);
	share_with_both(x, buf, KIND_HEAP);
	fill(dmb_heap_vaddr(buf), SEED_B);
	both_see(x);

	/* The cooperating importer lets go; the keeper closes but keeps. */
	tell(x, COOP, 'g');
	assert_int_equal(reap(x, COOP), 0);
	tell(x, KEEPER, 'c');
	assert_int_equal(xf_loop_until(x, KEEPER, -1), 'K');
	drain(x->ipc);
	assert_false(dump_has("keeper["));
	/* Our reference was the last: the release takes the pages back. */
	dma_buf_put(buf);
	tell(x, KEEPER, 'r');
	assert_int_equal(xf_loop_until(x, KEEPER, -1), 'F');

	/* The pages go to a new buffer: the old mapping never shows them. */
	next = dmb_heap_export(x->f->ram, BUF_SIZE, "next");
	assert_non_null(next);
	fill(dmb_heap_vaddr(next), SEED_C);
	tell(x, KEEPER, 'u');
	assert_int_equal(xf_loop_until(x, KEEPER, -1), 'N');
	tell(x, KEEPER, 'g');
	assert_int_equal(reap(x, KEEPER), 0);
	dma_buf_put(next);
}

/* Hand @buf to importer @who (already spawned) and wait for @c. */
static void hand_to(struct xf *x, int who, struct dma_buf *buf, bool read_only,
		    char c)
{
	int fd = read_only ? dmb_dma_buf_fd_readonly(buf, O_CLOEXEC) :
			     dma_buf_fd(buf, O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(dmb_ipc_send_fd(x->ctl[who], fd), 0);
	close(fd);
	assert_int_equal(xf_loop_until(x, who, -1), c);
}

/*
 * A DMA job of device @dev copying [@phys, +BUF_SIZE) into RAM: its fence's
 * status once it signaled (the domain maps both for the job's time).
 */
static int dma_copy_status(struct xf *x, struct dmb_hw_device *dev, uint64_t phys)
{
	struct dmb_iommu_domain *d = dmb_hw_device_domain(dev);
	uint64_t ram = hw_alloc(x->f->ram, BUF_SIZE / DMB_PAGE_SIZE);
	/* No time to take: nobody needs to move the virtual clock. */
	static const struct dmb_dma_timing now = { .fixed_ns = 0 };
	struct dmb_dma_job job = {
		.op = DMB_DMA_COPY, .len = BUF_SIZE, .timing = &now,
	};
	struct dma_fence *fence;
	int status;

	assert_int_equal(dmb_iommu_alloc_iova(d, BUF_SIZE, &job.src.addr), 0);
	assert_int_equal(dmb_iommu_map(d, job.src.addr, phys, BUF_SIZE,
				       DMB_IOMMU_READ), 0);
	assert_int_equal(dmb_iommu_alloc_iova(d, BUF_SIZE, &job.dst.addr), 0);
	assert_int_equal(dmb_iommu_map(d, job.dst.addr, ram, BUF_SIZE,
				       DMB_IOMMU_WRITE), 0);
	fence = dmb_dma_submit(dmb_hw_device_engine(dev, 0), &job);
	assert_non_null(fence);
	assert_int_equal(dma_fence_wait(fence), 0);
	status = dma_fence_get_status(fence);
	dma_fence_put(fence);
	assert_int_equal(dmb_iommu_unmap(d, job.dst.addr, BUF_SIZE), 0);
	assert_int_equal(dmb_iommu_unmap(d, job.src.addr, BUF_SIZE), 0);
	assert_int_equal(dmb_mem_free(x->f->ram, ram, BUF_SIZE), 0);
	return status;
}

/*
 * The shrink, whatever the exporter: @buf's range [@phys, +BUF_SIZE) is
 * shared with a victim and a shrinker; after the shrink the exporter's
 * CPU view reads zeros, @check (the exporter's CPU access) fails with
 * -EIO and a notice names the range, a DMA job over it fails with -EIO,
 * the victim is refused a new map with -EIO. Both importers are reaped.
 */
static void shrink_case(struct xf *x, struct dma_buf *buf, uint64_t phys,
			enum kind kind, int (*check)(struct dma_buf *buf))
{
	struct dmb_hw_device *dma = hw_device(x->f, "dma0", true, 1);
	volatile unsigned char *view = dmb_phys_to_virt(x->f->space, phys, BUF_SIZE);
	char needle[160];

	hw_fill(x->f->space, phys, BUF_SIZE, SEED_A);
	spawn(x, COOP, "child_victim", kind);
	hand_to(x, COOP, buf, true, 'M');
	assert_int_equal(dma_copy_status(x, dma, phys), 1);
	spawn(x, KEEPER, "child_shrinker", kind);
	hand_to(x, KEEPER, buf, false, 'T');

	/* The exporter's CPU view: an access completes, reading zeros. */
	assert_int_equal(view[BUF_SIZE - 1], 0);
	view[0] = 0x11;
	assert_int_equal(check(buf), -EIO);
	/* The writer is named; the read-only victim could not have done it. */
	snprintf(needle, sizeof(needle), "victim[%d]", (int)x->pid[COOP]);
	assert_false(th_take_report(DMB_DIAG_NOTICE, needle));
	snprintf(needle, sizeof(needle), "shared range [%#llx, +%#llx) was shrunk "
		 "under the exporter; read-write importers: shrinker[%d]",
		 (unsigned long long)phys, (unsigned long long)BUF_SIZE,
		 (int)x->pid[KEEPER]);
	assert_true(th_take_report(DMB_DIAG_NOTICE, needle));
	assert_int_equal(check(buf), -EIO);	/* reported once */
	assert_int_equal(th_count_reports(DMB_DIAG_NOTICE), 0);
	/* The device view: the job completes with an error. */
	assert_int_equal(dma_copy_status(x, dma, phys), -EIO);

	/* The other importer gets a clean error. */
	tell(x, COOP, 't');
	assert_int_equal(xf_loop_until(x, COOP, -1), 'E');
	for (int who = 0; who < 2; who++) {
		tell(x, who, 'g');
		assert_int_equal(reap(x, who), 0);
	}
	drain(x->ipc);
}

/* Begin and end CPU access; Return: the first error, 0 if neither failed. */
static int cpu_check(struct dma_buf *buf)
{
	int ret = dma_buf_begin_cpu_access(buf, DMA_FROM_DEVICE);

	return ret ? ret : dma_buf_end_cpu_access(buf, DMA_FROM_DEVICE);
}

/*
 * vfio-pci: a read-write importer shrinks the BAR range's generation. The
 * exporter survives with clean errors; a revoke (FLR) takes the range
 * back, and after it the BAR range is whole memory again.
 */
static void test_vfio_pci_shrunk_by_writer(void **state)
{
	struct dmb_pci_function_info info = {
		.dev = { .name = "vf0" }, .bar_size = { [0] = BAR_SIZE },
	};
	struct xf *x = *state;
	struct dma_buf *buf;
	uint64_t phys;

	x->pci = dmb_pci_function_create(x->f->space, &info);
	assert_non_null(x->pci);
	x->vdev = dmb_vfio_pci_open(x->pci, NULL);
	assert_non_null(x->vdev);
	buf = dmb_vfio_pci_export(x->vdev, 0, 0, BUF_SIZE, "bar0");
	assert_non_null(buf);
	phys = dmb_mem_region_base(dmb_pci_bar(x->pci, 0));
	shrink_case(x, buf, phys, KIND_VFIO, cpu_check);

	/* Taken back by the revoke: the next generation is whole. */
	assert_int_equal(dmb_pci_flr_begin(x->pci), 0);
	assert_int_equal(dmb_pci_flr_end(x->pci), 0);
	assert_false(dmb_vfio_pci_revoked(buf));
	hw_fill(x->f->space, phys, BUF_SIZE, SEED_C);
	assert_true(hw_holds(x->f->space, phys, BUF_SIZE, SEED_C));
	assert_int_equal(cpu_check(buf), 0);
	dma_buf_put(buf);
}

static int vram_cpu_check(struct dma_buf *buf)
{
	unsigned char bytes[BUF_SIZE];

	return dmb_vram_cpu_access(buf, 0, bytes, BUF_SIZE, false);
}

/*
 * vram: the same shrink of the buffer's VRAM range; an eviction (a move)
 * takes the range back, and after it the buffer is whole memory again,
 * and so is the next generation another process is given.
 */
static void test_vram_shrunk_by_writer(void **state)
{
	struct xf *x = *state;
	unsigned char bytes[BUF_SIZE], *fresh;
	struct dma_buf *buf;
	struct stat st;
	int fd;

	buf = vram_buf(x);
	/* The first buffer in an empty VRAM: at its base (the victim checks). */
	shrink_case(x, buf, dmb_mem_region_base(x->vram), KIND_VRAM,
		    vram_cpu_check);

	assert_int_equal(dmb_vram_evict(buf), 0);
	assert_int_equal(dmb_vram_placement(buf), DMB_VRAM_IN_SYSTEM);
	vram_write(buf, SEED_C);
	assert_int_equal(dmb_vram_cpu_access(buf, 0, bytes, BUF_SIZE, false), 0);
	assert_true(holds(bytes, SEED_C));
	/* What the mmap op hands the next process: a whole generation. */
	assert_int_equal(dma_resv_lock(dma_buf_resv(buf), NULL), 0);
	fd = dmb_dma_buf_mmap_fd(buf);
	dma_resv_unlock(dma_buf_resv(buf));
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, BUF_SIZE);
	fresh = mmap(NULL, BUF_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(fresh != MAP_FAILED);
	assert_true(holds(fresh, SEED_C));
	munmap(fresh, BUF_SIZE);
	close(fd);
	dma_buf_put(buf);
}

/*
 * heap: the same shrink; the heap is never revoked, so the buffer stays
 * damaged (vmap refused too) until its release takes the range back.
 */
static void test_heap_shrunk_by_writer(void **state)
{
	struct xf *x = *state;
	struct dma_buf *buf;
	uint64_t phys;
	void *vaddr;

	buf = dmb_heap_export(x->f->ram, BUF_SIZE, "heap");
	assert_non_null(buf);
	/* Where its CPU view lies in the region's is where it lies in RAM. */
	phys = dmb_mem_region_base(x->f->ram) +
	       (uint64_t)((char *)dmb_heap_vaddr(buf) -
			  (char *)dmb_mem_region_vaddr(x->f->ram));
	shrink_case(x, buf, phys, KIND_HEAP, cpu_check);
	assert_int_equal(dma_buf_vmap_unlocked(buf, &vaddr), -EIO);
	dma_buf_put(buf);
}

/* The importers, by the name spawn() passes to the exec'd program. */
static const struct ipc_child_fn ipc_children[] = {
	IPC_CHILD(child_coop), IPC_CHILD(child_shrinker), IPC_CHILD(child_victim),
	IPC_CHILD(child_keeper), IPC_CHILD(child_hung),
};

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		XF_TEST(test_vfio_pci_flr),
		XF_TEST(test_vfio_pci_decode_off),
		XF_TEST(test_vfio_pci_d3),
		XF_TEST(test_vfio_pci_close),
		XF_TEST(test_vfio_pci_hung_importer),
		XF_TEST(test_vram),
		XF_TEST(test_heap),
		XF_TEST(test_vfio_pci_shrunk_by_writer),
		XF_TEST(test_heap_shrunk_by_writer),
		XF_TEST(test_vram_shrunk_by_writer),
	};

	IPC_CHILD_RUN(argc, argv, ipc_children);
	return th_run(argc, argv, tests, TH_COUNT(tests));
}
