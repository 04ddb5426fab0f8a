/* SPDX-License-Identifier: MIT */
/*
 * test-ipc-threats.c - the threat model of docs/ipc.md, one case per row:
 * importer processes that hang, lie, die, flood or attack cannot keep the
 * memory, and cannot hurt the exporter or the other importers.
 *
 * Importers are fork()+exec()'d (`--ipc-child NAME CTL MODE`, as in
 * test-ipc.c): hostile ones speak the wire protocol themselves, cooperating
 * ones use the library. The exporter dispatches from the case's own loop
 * and revokes from a second thread. Every verdict is an event: a byte on a
 * control socket, the revoke's pipe, an exit status (a child whose access
 * faults exits FAULTED from its SIGBUS handler, which ASan lets run), the
 * checker's reports, the revoke's stats. A case that needs the bound sets
 * it short so it runs fast; one that must not hit it sets it long, so only
 * a hang would. Children are reaped by a teardown hook whatever happens.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dmabuf/check.h>
#include <dmabuf/dmb-ipc.h>
#include <dmabuf/sync_file.h>

#include "harness.h"
#include "ipc-child.h"
#include "ipc-share.h"
#include "mock-fence.h"

#define BUF_SIZE	(64 * 1024)
#define FAULTED		66	/* a child's exit status: its access faulted */
#define NOT_FAULTED	67	/* ... the access after the revoke went through */
#define SHORT_BOUND	(10LL * 1000 * 1000)		/* hit on purpose */
#define LONG_BOUND	(60LL * 1000 * 1000 * 1000)	/* only a hang hits it */
#define MAX_KIDS	2

/* How a raw (protocol-speaking) importer behaves. */
enum raw_mode {
	RAW_LIE_WRITE,	/* answers INVALIDATE with UNMAP, keeps its mmap, writes */
	RAW_LIE_READ,	/* the same, reads */
	RAW_HANG,	/* never answers INVALIDATE, then writes */
	RAW_FORK,	/* answers, but a forked child kept the mapping and writes */
	RAW_EXIT,	/* exits inside the revoke, on INVALIDATE */
	RAW_KILLED,	/* says 'I' on INVALIDATE and waits to be killed */
	RAW_LATE,	/* says 'I' on INVALIDATE; on 'l' unmaps if it still can,
			 * says 'U', writes */
};

struct kid {
	pid_t pid;
	int ctl;
};

static struct kid kids[MAX_KIDS];

/* Its control socket: the hook of ipc_child_spawn() reaps the process. */
static void close_kid(void *arg)
{
	struct kid *k = arg;

	if (k->ctl >= 0)
		close(k->ctl);
	k->ctl = -1;
}

/* Start importer @i: this program exec'd as @name in @mode. */
static struct kid *spawn(int i, const char *name, int mode)
{
	if (i == 0)
		dmb_check_reset();	/* the cases count the checker's reports */
	kids[i].pid = ipc_child_spawn(name, mode, &kids[i].ctl);
	th_on_teardown(close_kid, &kids[i]);
	return &kids[i];
}

/* Reap @k; Return: its wait status. */
static int reap(struct kid *k)
{
	int status = ipc_child_reap(k->pid);

	k->pid = -1;
	return status;
}

static void assert_exited(int status, int code)
{
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), code);
}

/* The exporter's loop: dispatch until @fd is readable. */
static void serve_until(struct dmb_ipc *ipc, int fd)
{
	loop_until(ipc, -1, fd);
}

/* Dispatch until @a or @b is readable; assert it is @a. */
static void serve_until_either(struct dmb_ipc *ipc, int a, int b)
{
	for (;;) {
		struct pollfd p[3] = {
			{ .fd = dmb_ipc_get_fd(ipc), .events = POLLIN },
			{ .fd = a, .events = POLLIN },
			{ .fd = b, .events = POLLIN },
		};

		assert_true(poll(p, 3, -1) > 0);
		assert_false(p[2].revents);
		if (p[0].revents)
			assert_true(dmb_ipc_dispatch(ipc) >= 0);
		if (p[1].revents)
			return;
	}
}

/* Dispatch until @k's next control byte; return it (0 at EOF). */
static char serve_for(struct dmb_ipc *ipc, struct kid *k)
{
	return loop_until(ipc, k->ctl, -1);
}

/*
 * @wait is the policy of local importers; importer processes are bounded
 * by @bound whatever it is (dmb_memfd_buf_create()).
 */
static struct dma_buf *export_policy(struct dmb_ipc *ipc,
				     enum dmb_revoke_wait wait, int64_t bound)
{
	const struct dmb_revoke_policy policy = {
		.wait = wait,
		.unmap_bound_ns = bound,
		.fence_bound_ns = bound,
	};

	return ipc_share_buf(ipc, BUF_SIZE, &policy, 0);
}

static struct dma_buf *export_buf(struct dmb_ipc *ipc, int64_t bound)
{
	return export_policy(ipc, DMB_REVOKE_WARN_THEN_WAIT, bound);
}

/* The unrevoked buffer's fresh memory is the exporter's, with a mark. */
static void unrevoke_mark(struct dma_buf *buf)
{
	void *vaddr;

	assert_int_equal(dmb_memfd_buf_unrevoke(buf), 0);
	assert_int_equal(dma_buf_vmap_unlocked(buf, &vaddr), 0);
	assert_int_equal(((unsigned char *)vaddr)[1], 0);
	((unsigned char *)vaddr)[1] = 0x55;
	dma_buf_vunmap_unlocked(buf, vaddr);
}

static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

/*
 * Revoke from a second thread while dispatching, as revoke_serving(), for
 * a case whose hostile importer @bad holds the revoke until its bound: the
 * verdict is that the revoke returned. Should it not (a revoke that waits
 * for the peer without end), the hang guard kills @bad, whose death is its
 * unmap and ends its fences, so the revoke returns and the case fails
 * instead of hanging. Return: whether it returned by itself.
 */
static bool revoke_past(struct dmb_ipc *ipc, struct revoker *r, struct kid *bad)
{
	struct th_thread *t = th_thread_start(revoke_thread, r);
	int64_t end = th_now_ns() + TH_HANG_NS;
	bool returned;

	while (!(returned = readable(r->done[0])) && th_now_ns() < end) {
		struct pollfd p[2] = {
			{ .fd = dmb_ipc_get_fd(ipc), .events = POLLIN },
			{ .fd = r->done[0], .events = POLLIN },
		};

		/* The timeout only paces the hang guard. */
		if (poll(p, 2, 100) > 0 && p[0].revents)
			assert_true(dmb_ipc_dispatch(ipc) >= 0);
	}
	if (!returned) {
		kill(bad->pid, SIGKILL);
		serve_until(ipc, r->done[0]);
	}
	th_thread_join(t);
	assert_int_equal(r->ret, 0);
	return returned;
}

/* ---- importers speaking the protocol themselves ---- */

static volatile unsigned char *fault_lo, *fault_hi;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	volatile unsigned char *a = si->si_addr;

	(void)sig;
	(void)uc;
	_exit(a >= fault_lo && a < fault_hi ? FAULTED : NOT_FAULTED + 1);
}

static void catch_faults(volatile unsigned char *p)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO };
	struct rlimit none = { 0, 0 };

	setrlimit(RLIMIT_CORE, &none);
	fault_lo = p;
	fault_hi = p + BUF_SIZE;
	CHILD_CHECK(sigaction(SIGBUS, &sa, NULL) == 0);
}

/* A raw MAP, and a mapping of the memfd of our own, kept. */
static volatile unsigned char *raw_map(int sock, uint64_t att, uint64_t *map)
{
	volatile unsigned char *kept;
	int fd = -1;

	CHILD_CHECK(raw_request(sock, DMB_IPC_MAP, att, DMA_BIDIRECTIONAL, NULL,
				map, &fd) == 0 && fd >= 0);
	kept = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHILD_CHECK(kept != MAP_FAILED);
	/* Read-write, yet no seal against the revoke's truncate, no growing. */
	CHILD_CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) < 0 && errno == EPERM);
	CHILD_CHECK(ftruncate(fd, 2 * BUF_SIZE) < 0 && errno == EPERM);
	close(fd);
	CHILD_CHECK(kept[1] == 7);
	return kept;
}

static void child_raw(int ctl, int mode)
{
	struct dmb_ipc_msg msg;
	volatile unsigned char *kept;
	uint64_t att, map;
	int sock = dmb_ipc_recv_fd(ctl), gc_pipe[2], status;
	pid_t gc = -1;
	char c;

	CHILD_CHECK(sock >= 0);
	raw_hello(sock, "hostile", &att);
	kept = raw_map(sock, att, &map);
	catch_faults(kept);
	if (mode == RAW_FORK) {
		/* The grandchild inherits the mapping, and waits for 'g'. */
		CHILD_CHECK(pipe(gc_pipe) == 0);
		gc = fork();
		CHILD_CHECK(gc >= 0);
		if (gc == 0) {
			close(gc_pipe[1]);
			close(sock);
			if (read(gc_pipe[0], &c, 1) != 1)
				_exit(2);
			kept[1] = 0x66;		/* must fault */
			_exit(NOT_FAULTED);
		}
		close(gc_pipe[0]);
	}
	ctl_send(ctl, 'M');
	if (mode != RAW_HANG) {
		raw_wait_invalidate(sock, att);
		if (mode == RAW_EXIT)
			_exit(0);
		if (mode == RAW_KILLED) {
			ctl_send(ctl, 'I');
			for (;;)
				pause();
		}
		if (mode == RAW_LATE) {
			/* Too late (the revoke cut us off first). */
			ctl_send(ctl, 'I');
			CHILD_CHECK(ctl_recv(ctl) == 'l');
			/* Refused once the exporter cut us off: no matter. */
			dmb_ipc_msg_init(&msg, DMB_IPC_UNMAP);
			msg.handle = map;
			dmb_ipc_msg_send(sock, &msg, -1);
			ctl_send(ctl, 'U');
		} else {
			/* The lie: "unmapped", with our own mapping kept. */
			raw_unmap(sock, map);
		}
	}
	CHILD_CHECK(ctl_recv(ctl) == 'r');	/* the revoke returned */
	switch (mode) {
	case RAW_LIE_READ:
		CHILD_CHECK(kept[2] != 14 && !"read after revoke went through");
		break;
	case RAW_FORK:
		CHILD_CHECK(write(gc_pipe[1], "g", 1) == 1);
		CHILD_CHECK(waitpid(gc, &status, 0) == gc);
		CHILD_CHECK(WIFEXITED(status));
		/* The grandchild's verdict, passed on. */
		_exit(WEXITSTATUS(status) == FAULTED ? 70 : WEXITSTATUS(status));
	default:
		kept[1] = 0x66;
		break;
	}
	_exit(NOT_FAULTED);
}

#define RAW_CHILD(mode) static void child_##mode(int ctl, int m) \
	{ (void)m; child_raw(ctl, mode); }

/* ---- a cooperating importer, through the library ---- */

static struct ipc_imp imp;

static struct device imp_dev = { .name = "coop-dev" };
static const struct dma_buf_attach_ops imp_ops = {
	.name = "coop",
	.invalidate_mappings = ipc_imp_invalidate,
};

/* What the cooperating importer does before its first 'M'. */
enum coop_mode {
	COOP_ATTACHED,	/* attach only */
	COOP_MAPPED,	/* attach, map and read */
	COOP_MAP_ON_CUE,	/* attach, say 'A', map and read on 'm' */
};

/*
 * Attach (and unless COOP_ATTACHED, map and read) and say 'M'; on 'r'
 * (revoked) check what the revoke did to us; on 'u' (unrevoked) map the
 * fresh memory and say 'M'; on 'g' clean up. A dropped or cut-off
 * connection would fail the map after 'u'.
 */
static void child_coop(int ctl, int mode)
{
	struct dmb_ipc *ipc;
	struct dma_buf *buf = ipc_imp_import(ctl, "coop", false, &ipc);
	struct dma_resv *resv = dma_buf_resv(buf);
	bool mapped = mode != COOP_ATTACHED;
	const unsigned char *p;

	imp.attach = dma_buf_dynamic_attach(buf, &imp_dev, &imp_ops, &imp);
	CHILD_CHECK(imp.attach);
	if (mode == COOP_MAP_ON_CUE) {
		ctl_send(ctl, 'A');
		CHILD_CHECK(ctl_recv(ctl) == 'm');
	}
	if (mapped) {
		p = ipc_imp_map(&imp, buf, BUF_SIZE);
		CHILD_CHECK(p[1] == 7 && p[BUF_SIZE - 1] == (unsigned char)((BUF_SIZE - 1) * 7));
	}
	ctl_send(ctl, 'M');
	CHILD_CHECK(ctl_recv(ctl) == 'r');
	CHILD_CHECK(dma_resv_lock(resv, NULL) == 0);
	/* Mapped, we were told and unmapped before the revoke returned. */
	CHILD_CHECK(!imp.sgt && (!mapped || imp.invalidated == 1));
	dma_resv_unlock(resv);
	CHILD_CHECK(!dma_buf_map_attachment_unlocked(imp.attach, DMA_BIDIRECTIONAL) &&
		    errno == ENODEV);
	ctl_send(ctl, 'E');
	CHILD_CHECK(ctl_recv(ctl) == 'u');
	p = ipc_imp_map(&imp, buf, BUF_SIZE);
	CHILD_CHECK(p[1] == 0x55);		/* the new generation's */
	ctl_send(ctl, 'M');
	CHILD_CHECK(ctl_recv(ctl) == 'g');
	ipc_imp_finish(&imp, buf, ipc);
	exit(0);
}

/* The cooperating importer's side of a revoke and unrevoke. */
static void coop_after_revoke(struct dmb_ipc *ipc, struct kid *k,
			      struct dma_buf *buf)
{
	assert_int_equal(send(k->ctl, "r", 1, MSG_NOSIGNAL), 1);
	assert_int_equal(serve_for(ipc, k), 'E');
	unrevoke_mark(buf);
	assert_int_equal(send(k->ctl, "u", 1, MSG_NOSIGNAL), 1);
	assert_int_equal(serve_for(ipc, k), 'M');
	assert_int_equal(send(k->ctl, "g", 1, MSG_NOSIGNAL), 1);
	serve_until(ipc, k->ctl);	/* EOF: it exited */
	assert_exited(reap(k), 0);
	drain(ipc);
}

/*
 * Rows "write after revoke", "read after revoke", "lie about unmapping":
 * a hostile importer answers the invalidate with UNMAP but keeps its own
 * mapping of the memfd. The revoke completes (nobody waits on the lie), its
 * access afterwards faults, and the exporter and a cooperating importer
 * go on: the latter is invalidated, then maps the next generation.
 */
static void lie_case(const char *child)
{
	struct dmb_ipc *ipc = dmb_ipc_create("exporter", 0);
	struct dma_buf *buf;
	struct revoker *r;
	struct kid *bad, *coop;

	assert_non_null(ipc);
	bad = spawn(0, child, 0);
	coop = spawn(1, "child_coop", COOP_MAPPED);
	buf = export_buf(ipc, LONG_BOUND);
	r = new_revoker(buf);
	ipc_send_buf(buf, bad->ctl);
	ipc_send_buf(buf, coop->ctl);
	assert_int_equal(serve_for(ipc, bad), 'M');
	assert_int_equal(serve_for(ipc, coop), 'M');
	revoke_serving(ipc, r);
	/* The lie and the cooperation both counted as unmaps: nothing forced. */
	assert_int_equal(r->stats.forced, 0);
	assert_int_equal(r->stats.warnings, 0);
	assert_int_equal(send(bad->ctl, "r", 1, MSG_NOSIGNAL), 1);
	assert_exited(reap(bad), FAULTED);
	coop_after_revoke(ipc, coop, buf);
	dma_buf_put(buf);
	dmb_ipc_destroy(ipc);
}

RAW_CHILD(RAW_LIE_WRITE)
RAW_CHILD(RAW_LIE_READ)
RAW_CHILD(RAW_HANG)
RAW_CHILD(RAW_FORK)
RAW_CHILD(RAW_EXIT)
RAW_CHILD(RAW_KILLED)
RAW_CHILD(RAW_LATE)

static void test_write_after_revoke(void **state)
{
	(void)state;
	lie_case("child_RAW_LIE_WRITE");
}

static void test_read_after_revoke(void **state)
{
	(void)state;
	lie_case("child_RAW_LIE_READ");
}

/*
 * Row "fork and hand the mapping to a child": the importer answers the
 * invalidate, but a child it forked holds the mapping; after the revoke
 * the grandchild's access faults too.
 */
static void test_fork_hands_mapping(void **state)
{
	struct dmb_ipc *ipc = dmb_ipc_create("exporter", 0);
	struct dma_buf *buf;
	struct revoker *r;
	struct kid *bad;

	(void)state;
	assert_non_null(ipc);
	bad = spawn(0, "child_RAW_FORK", 0);
	buf = export_buf(ipc, LONG_BOUND);
	r = new_revoker(buf);
	ipc_send_buf(buf, bad->ctl);
	assert_int_equal(serve_for(ipc, bad), 'M');
	revoke_serving(ipc, r);
	assert_int_equal(r->stats.forced, 0);
	assert_int_equal(send(bad->ctl, "r", 1, MSG_NOSIGNAL), 1);
	/* 70: its grandchild exited FAULTED. */
	assert_exited(reap(bad), 70);
	drain(ipc);
	dma_buf_put(buf);
	dmb_ipc_destroy(ipc);
}

/*
 * Row "never unmap": a hung importer process. The revoke returns at the
 * bound whatever the wait policy @wait of local importers (DMB_REVOKE_WAIT,
 * the kernel's, would wait for a local one without end), V6 names the
 * importer "hostile[pid]", stats count its mapping as forced, and its
 * access then faults. A cooperating importer (attached) is not touched.
 */
static void never_unmaps_case(enum dmb_revoke_wait wait)
{
	struct dmb_ipc *ipc = dmb_ipc_create("exporter", 0);
	struct dma_buf *buf;
	struct revoker *r;
	struct kid *bad, *coop;
	char needle[64];

	assert_non_null(ipc);
	bad = spawn(0, "child_RAW_HANG", 0);
	coop = spawn(1, "child_coop", COOP_ATTACHED);
	buf = export_policy(ipc, wait, SHORT_BOUND);
	r = new_revoker(buf);
	ipc_send_buf(buf, bad->ctl);
	ipc_send_buf(buf, coop->ctl);
	assert_int_equal(serve_for(ipc, bad), 'M');
	assert_int_equal(serve_for(ipc, coop), 'M');
	assert_true(revoke_past(ipc, r, bad));
	assert_int_equal(r->stats.forced, 1);
	assert_int_equal(r->stats.forced_fences, 0);
	snprintf(needle, sizeof(needle), "importer=hostile[%d]", (int)bad->pid);
	assert_true(th_take_report(DMB_DIAG_VIOLATION, needle));
	assert_int_equal(dmb_check_count(DMB_V6_UNMAP_TIMEOUT), 1);
	snprintf(needle, sizeof(needle), "hostile[%d]: mapped past the revoke's bound",
		 (int)bad->pid);
	assert_true(th_take_report(DMB_DIAG_NOTICE, needle));
	assert_int_equal(send(bad->ctl, "r", 1, MSG_NOSIGNAL), 1);
	assert_exited(reap(bad), FAULTED);
	coop_after_revoke(ipc, coop, buf);
	dma_buf_put(buf);
	dmb_ipc_destroy(ipc);
}

static void test_never_unmaps(void **state)
{
	(void)state;
	never_unmaps_case(DMB_REVOKE_WARN_THEN_WAIT);
}

static void test_never_unmaps_policy_wait(void **state)
{
	(void)state;
	never_unmaps_case(DMB_REVOKE_WAIT);
}

/*
 * The cut is the revoke's own: at the bound, the revoking thread tears the
 * hung peer's mappings down and truncates the memory itself, so the revoke
 * returns, and the peer's access faults, while nobody dispatches the
 * exporter's context (its dispatcher could be busy or descheduled). The
 * peer's UNMAP, sent after the cut (if the socket still takes it), and its
 * teardown when the dispatcher does run, unmap nothing twice (no V8, V9).
 * (An UNMAP sent in time is read by the revoking thread itself, and
 * nothing is cut: test_unmaps_read_without_dispatcher.)
 * The cut comes early by the cut reserve, at most half the bound, so that
 * the memory is back by the bound; never before the bound minus the
 * reserve (a lower limit on the time, which no load can break).
 */
static void test_cut_off_without_dispatcher(void **state)
{
	struct dmb_ipc *ipc = dmb_ipc_create("exporter", 0);
	struct dmb_check_record rec;
	struct th_thread *t;
	struct dma_buf *buf;
	struct revoker *r;
	struct kid *bad;
	char needle[64];
	int64_t start;
	bool returned;

	(void)state;
	assert_non_null(ipc);
	bad = spawn(0, "child_RAW_LATE", 0);
	buf = export_buf(ipc, SHORT_BOUND);
	r = new_revoker(buf);
	ipc_send_buf(buf, bad->ctl);
	assert_int_equal(serve_for(ipc, bad), 'M');
	start = dmb_check_now();
	t = th_thread_start(revoke_thread, r);
	returned = TH_WAIT_UNTIL(readable(r->done[0]));
	if (!returned)
		serve_until(ipc, r->done[0]);	/* let it end, to fail cleanly */
	th_thread_join(t);
	assert_true(returned);
	assert_int_equal(r->ret, 0);
	assert_int_equal(r->stats.forced, 1);
	assert_true(r->stats.cut_reserve_ns > 0);
	assert_true(r->stats.cut_reserve_ns <= SHORT_BOUND / 2);
	assert_int_equal(dmb_check_records(&rec, 1), 1);
	assert_int_equal(rec.kind, DMB_V6_UNMAP_TIMEOUT);
	assert_true(rec.time_ns >= start + SHORT_BOUND - r->stats.cut_reserve_ns);
	snprintf(needle, sizeof(needle), "importer=hostile[%d]", (int)bad->pid);
	assert_true(th_take_report(DMB_DIAG_VIOLATION, needle));
	assert_int_equal(dmb_check_count(DMB_V6_UNMAP_TIMEOUT), 1);
	snprintf(needle, sizeof(needle), "hostile[%d]: mapped past the revoke's bound",
		 (int)bad->pid);
	assert_true(th_take_report(DMB_DIAG_NOTICE, needle));
	/* Told before the cut, it unmaps after: the UNMAP is read (if the
	 * socket still took it) when the loop runs. */
	assert_int_equal(ctl_recv(bad->ctl), 'I');
	assert_int_equal(send(bad->ctl, "l", 1, MSG_NOSIGNAL), 1);
	assert_int_equal(ctl_recv(bad->ctl), 'U');
	assert_int_equal(send(bad->ctl, "r", 1, MSG_NOSIGNAL), 1);
	assert_exited(reap(bad), FAULTED);
	drain(ipc);
	assert_int_equal(dmb_check_count(DMB_V8_BAD_UNMAP), 0);
	assert_int_equal(dmb_check_count(DMB_V9_BAD_DETACH_OR_PUT), 0);
	assert_int_equal(dmb_check_count(DMB_V6_UNMAP_TIMEOUT), 1);
	dma_buf_put(buf);
	dmb_ipc_destroy(ipc);
}

/*
 * The revoking thread reads its importers' UNMAPs itself in its unmap wait
 * (ipc.c), so a revoke whose importer processes cooperate ends with their
 * unmaps, without a cut, while nobody dispatches the exporter's context:
 * two cooperating importers (each with its own library thread) are told,
 * unmap, and the revoke returns long before its bound (which only a hang
 * reaches). Without that, the UNMAPs would wait for a dispatch, and the
 * revoke for its bound. The connections go back to the loop after: the
 * importers map the next generation through it.
 */
static void test_unmaps_read_without_dispatcher(void **state)
{
	struct dmb_ipc *ipc = dmb_ipc_create("exporter", 0);
	struct kid *coop[2];
	struct th_thread *t;
	struct dma_buf *buf;
	struct revoker *r;
	bool returned;
	int i;

	(void)state;
	assert_non_null(ipc);
	for (i = 0; i < 2; i++)
		coop[i] = spawn(i, "child_coop", COOP_MAPPED);
	buf = export_buf(ipc, LONG_BOUND);
	r = new_revoker(buf);
	for (i = 0; i < 2; i++) {
		ipc_send_buf(buf, coop[i]->ctl);
		assert_int_equal(serve_for(ipc, coop[i]), 'M');
	}
	t = th_thread_start(revoke_thread, r);
	returned = TH_WAIT_UNTIL(readable(r->done[0]));
	if (!returned)
		serve_until(ipc, r->done[0]);	/* let it end, to fail cleanly */
	th_thread_join(t);
	assert_true(returned);
	assert_int_equal(r->ret, 0);
	assert_int_equal(r->stats.forced, 0);
	assert_int_equal(r->stats.warnings, 0);
	assert_int_equal(dmb_check_count(DMB_V6_UNMAP_TIMEOUT), 0);
	/* Both were told and unmapped before the revoke returned: 'E'. */
	for (i = 0; i < 2; i++) {
		assert_int_equal(send(coop[i]->ctl, "r", 1, MSG_NOSIGNAL), 1);
		assert_int_equal(serve_for(ipc, coop[i]), 'E');
	}
	unrevoke_mark(buf);
	for (i = 0; i < 2; i++) {
		assert_int_equal(send(coop[i]->ctl, "u", 1, MSG_NOSIGNAL), 1);
		assert_int_equal(serve_for(ipc, coop[i]), 'M');
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(send(coop[i]->ctl, "g", 1, MSG_NOSIGNAL), 1);
		serve_until(ipc, coop[i]->ctl);	/* EOF: it exited */
		assert_exited(reap(coop[i]), 0);
	}
	drain(ipc);
	assert_int_equal(dmb_check_count(DMB_V8_BAD_UNMAP), 0);
	assert_int_equal(dmb_check_count(DMB_V9_BAD_DETACH_OR_PUT), 0);
	dma_buf_put(buf);
	dmb_ipc_destroy(ipc);
}

/* Import, add a job fence that never signals, say 'F', wait for 'q'. */
static void child_fence(int ctl, int mode)
{
	struct dmb_ipc *ipc;
	struct dma_buf *buf = ipc_imp_import(ctl, "coop", false, &ipc);

	(void)mode;
	CHILD_CHECK(dmb_ipc_add_fence(buf, mock_fence(), DMA_RESV_USAGE_WRITE) == 0);
	ctl_send(ctl, 'F');
	ctl_recv(ctl);
	_exit(0);	/* the job never ends: no clean-up to check */
}

/*
 * Row "never signal a fence": the revoke's fence wait ends at the bound
 * whatever the wait policy @wait of local importers, V7 names the
 * importer's job fence after its process, the fence ends with -ETIMEDOUT,
 * and the stats count it.
 */
static void never_signals_case(enum dmb_revoke_wait wait)
{
	struct dmb_ipc *ipc = dmb_ipc_create("exporter", 0);
	struct dma_fence **fences = NULL, *job;
	unsigned int count = 0;
	struct dma_buf *buf;
	struct revoker *r;
	struct kid *bad;
	char needle[64];

	assert_non_null(ipc);
	bad = spawn(0, "child_fence", 0);
	buf = export_policy(ipc, wait, SHORT_BOUND);
	r = new_revoker(buf);
	ipc_send_buf(buf, bad->ctl);
	assert_int_equal(serve_for(ipc, bad), 'F');
	assert_int_equal(dma_resv_get_fences(dma_buf_resv(buf), DMA_RESV_USAGE_BOOKKEEP,
					     &count, &fences), 0);
	assert_int_equal(count, 1);
	job = fences[0];
	free(fences);
	assert_true(revoke_past(ipc, r, bad));
	assert_int_equal(r->stats.forced_fences, 1);
	assert_int_equal(dma_fence_get_status(job), -ETIMEDOUT);
	dma_fence_put(job);
	snprintf(needle, sizeof(needle), "ipc:coop[%d] seqno", (int)bad->pid);
	assert_true(th_take_report(DMB_DIAG_VIOLATION, needle));
	assert_int_equal(dmb_check_count(DMB_V7_FENCE_TIMEOUT), 1);
	assert_int_equal(send(bad->ctl, "q", 1, MSG_NOSIGNAL), 1);
	assert_exited(reap(bad), 0);
	drain(ipc);
	dma_buf_put(buf);
	dmb_ipc_destroy(ipc);
}

static void test_never_signals(void **state)
{
	(void)state;
	never_signals_case(DMB_REVOKE_WARN_THEN_WAIT);
}

static void test_never_signals_policy_wait(void **state)
{
	(void)state;
	never_signals_case(DMB_REVOKE_WAIT);
}

/*
 * Row "exit or be killed mid-revoke": the importer leaves while the revoke
 * waits for it (exits on the invalidate; is killed after it). Its death is
 * its unmap: with a bound only a hang reaches, the revoke completes with
 * nothing forced and nothing reported.
 */
static void test_die_mid_revoke(void **state)
{
	(void)state;
	for (int mode = RAW_EXIT; mode <= RAW_KILLED; mode++) {
		struct dmb_ipc *ipc = dmb_ipc_create("exporter", 0);
		struct th_thread *t;
		struct dma_buf *buf;
		struct revoker *r;
		struct kid *bad;
		int status;

		assert_non_null(ipc);
		bad = spawn(0, mode == RAW_EXIT ? "child_RAW_EXIT" : "child_RAW_KILLED", 0);
		buf = export_buf(ipc, LONG_BOUND);
		r = new_revoker(buf);
		ipc_send_buf(buf, bad->ctl);
		assert_int_equal(serve_for(ipc, bad), 'M');
		t = th_thread_start(revoke_thread, r);
		if (mode == RAW_KILLED) {
			assert_int_equal(serve_for(ipc, bad), 'I');
			kill(bad->pid, SIGKILL);
		}
		status = reap(bad);
		assert_true(mode == RAW_EXIT ? WIFEXITED(status) && !WEXITSTATUS(status) :
			    WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		serve_until(ipc, r->done[0]);
		th_thread_join(t);
		assert_int_equal(r->ret, 0);
		assert_int_equal(r->stats.forced, 0);
		assert_int_equal(r->stats.warnings, 0);
		close(bad->ctl);
		bad->ctl = -1;
		drain(ipc);
		dma_buf_put(buf);
		dmb_ipc_destroy(ipc);
	}
}

/* What a flooding importer asks for, again and again. */
enum flood_mode {
	FLOOD_ATTACH,	/* attachments */
	FLOOD_FENCES,	/* job fences that never signal */
	FLOOD_MAPS,	/* mappings of its one attachment */
};

/* One request of @mode; Return: its reply's status, -EPIPE once cut off. */
static int flood_one(int sock, enum flood_mode mode, uint64_t att)
{
	struct dmb_ipc_msg msg, rep;
	const char *why = NULL;
	int none = -1, sync;

	switch (mode) {
	case FLOOD_ATTACH:
		return raw_request(sock, DMB_IPC_ATTACH, 0, DMB_IPC_ATTACH_REVOCABLE,
				   NULL, &att, NULL);
	case FLOOD_MAPS:
		/* The memfd's descriptor each reply carries is closed. */
		return raw_request(sock, DMB_IPC_MAP, att, DMA_BIDIRECTIONAL, NULL,
				   NULL, NULL);
	case FLOOD_FENCES:
		break;
	}
	sync = dmb_sync_file_export(mock_fence());
	CHILD_CHECK(sync >= 0);
	dmb_ipc_msg_init(&msg, DMB_IPC_FENCE);
	msg.seq = ++raw_seq;
	msg.arg = DMA_RESV_USAGE_WRITE;
	if (dmb_ipc_msg_send(sock, &msg, sync) ||
	    dmb_ipc_msg_recv(sock, true, false, &rep, &none, &why) != 1) {
		close(sync);
		return -EPIPE;
	}
	CHILD_CHECK(rep.type == DMB_IPC_REPLY && rep.seq == msg.seq);
	close(sync);
	return rep.status;
}

/*
 * Flood: as fast as we can, thousands of times, ask for what @mode says,
 * reading each reply; say 'S' once half the cap's worth was granted (the
 * flood has begun), and go on. The exporter must cut us off at
 * DMB_IPC_PEER_MAX (HELLO's attachment counts). Says 'D' with the count
 * checked.
 */
static void child_flood(int ctl, int mode)
{
	int sock = dmb_ipc_recv_fd(ctl), i, ret;
	uint64_t att;

	CHILD_CHECK(sock >= 0);
	raw_hello(sock, "flood", &att);
	for (i = mode == FLOOD_ATTACH ? 1 : 0; i < 10000; i++) {
		if (i == DMB_IPC_PEER_MAX / 2)
			ctl_send(ctl, 'S');
		ret = flood_one(sock, (enum flood_mode)mode, att);
		if (ret == -EPIPE)
			break;
		CHILD_CHECK(ret == 0);
	}
	CHILD_CHECK(i == DMB_IPC_PEER_MAX);
	ctl_send(ctl, 'D');
	_exit(0);	/* the fences end (-EPIPE) as we go */
}

/*
 * Row "flood the socket": while one importer process floods the exporter
 * with requests, a cooperating one is served: it maps and reads once the
 * flood has begun (the flooder's 'S'); the flooder is cut off at a bounded
 * cost, and a revoke completes.
 */
static void flood_case(enum flood_mode mode, const char *why)
{
	struct dmb_ipc *ipc = dmb_ipc_create("exporter", 0);
	struct dma_buf *buf;
	struct revoker *r;
	struct kid *bad, *coop;
	char needle[64];

	assert_non_null(ipc);
	bad = spawn(0, "child_flood", mode);
	coop = spawn(1, "child_coop", COOP_MAP_ON_CUE);
	buf = export_buf(ipc, LONG_BOUND);
	r = new_revoker(buf);
	ipc_send_buf(buf, coop->ctl);
	assert_int_equal(serve_for(ipc, coop), 'A');
	ipc_send_buf(buf, bad->ctl);
	/* Both are served by the same loop; the cooperating one maps. */
	assert_int_equal(serve_for(ipc, bad), 'S');
	assert_int_equal(send(coop->ctl, "m", 1, MSG_NOSIGNAL), 1);
	assert_int_equal(serve_for(ipc, coop), 'M');
	assert_int_equal(serve_for(ipc, bad), 'D');
	snprintf(needle, sizeof(needle), "flood[%d]: %s", (int)bad->pid, why);
	assert_exited(reap(bad), 0);
	assert_true(th_take_report(DMB_DIAG_NOTICE, needle));
	/* Its fences and mappings ended with its process: nothing to force. */
	revoke_serving(ipc, r);
	assert_int_equal(r->stats.forced, 0);
	assert_int_equal(r->stats.forced_fences, 0);
	coop_after_revoke(ipc, coop, buf);
	dma_buf_put(buf);
	dmb_ipc_destroy(ipc);
}

static void test_flood_attach(void **state)
{
	(void)state;
	flood_case(FLOOD_ATTACH, "too many attachments");
}

static void test_flood_fences(void **state)
{
	(void)state;
	flood_case(FLOOD_FENCES, "too many pending fences");
}

static void test_flood_maps(void **state)
{
	(void)state;
	flood_case(FLOOD_MAPS, "too many mappings");
}

/*
 * Two connections to one buffer: garbage on the first (after a valid
 * HELLO), then the second works. Says 'D'.
 */
static void child_malformed(int ctl, int mode)
{
	int s1 = dmb_ipc_recv_fd(ctl), s2 = dmb_ipc_recv_fd(ctl);
	struct dmb_ipc_msg msg;
	volatile unsigned char *kept;
	uint64_t att, map;
	char byte;

	(void)mode;
	CHILD_CHECK(s1 >= 0 && s2 >= 0);
	raw_hello(s1, "malformed", &att);
	dmb_ipc_msg_init(&msg, DMB_IPC_MAP);
	msg.magic = 0x12345678;
	CHILD_CHECK(send(s1, &msg, sizeof(msg), MSG_NOSIGNAL) == sizeof(msg));
	CHILD_CHECK(recv(s1, &byte, 1, 0) == 0);	/* dropped: EOF */
	raw_hello(s2, "malformed", &att);
	kept = raw_map(s2, att, &map);
	raw_unmap(s2, map);
	munmap((void *)kept, BUF_SIZE);
	close(s1);
	close(s2);
	ctl_send(ctl, 'D');
	_exit(0);
}

/*
 * Row "malformed messages": the connection that sent one is dropped with
 * a notice naming its process; its other connection, the exporter and a
 * cooperating importer are unaffected.
 */
static void test_malformed_drops_one(void **state)
{
	struct dmb_ipc *ipc = dmb_ipc_create("exporter", 0);
	struct dma_buf *buf;
	struct revoker *r;
	struct kid *bad, *coop;
	char needle[64];

	(void)state;
	assert_non_null(ipc);
	bad = spawn(0, "child_malformed", 0);
	coop = spawn(1, "child_coop", COOP_MAPPED);
	buf = export_buf(ipc, LONG_BOUND);
	r = new_revoker(buf);
	ipc_send_buf(buf, bad->ctl);
	ipc_send_buf(buf, bad->ctl);
	ipc_send_buf(buf, coop->ctl);
	assert_int_equal(serve_for(ipc, coop), 'M');
	assert_int_equal(serve_for(ipc, bad), 'D');
	snprintf(needle, sizeof(needle), "malformed[%d]: bad magic", (int)bad->pid);
	assert_exited(reap(bad), 0);
	drain(ipc);
	assert_true(th_take_report(DMB_DIAG_NOTICE, needle));
	assert_int_equal(th_count_reports(DMB_DIAG_NOTICE), 0);
	revoke_serving(ipc, r);
	coop_after_revoke(ipc, coop, buf);
	dma_buf_put(buf);
	dmb_ipc_destroy(ipc);
}

/* ---- row "hold a vmap" ---- */

/*
 * A library-using importer vmaps and reads (say 'V'). @told: it dispatches
 * its own context until its CPU access fails, the memory still there (the
 * exporter told it before taking it back), and says 'T'. On 'r' (revoked)
 * its CPU access fails with -EIO and the bytes are gone (read as zeros:
 * the guard, no SIGBUS); it vunmaps and says 'E'. On 'u' (unrevoked) a new
 * vmap reaches the fresh memory; it says 'M' and exits.
 */
static void child_vmap_held(int ctl, int told)
{
	struct dmb_ipc *ipc = dmb_ipc_create("vmapper", told ? 0 : DMB_IPC_THREAD);
	const volatile unsigned char *p;
	struct dma_buf *buf;
	void *vaddr;
	int fd;

	CHILD_CHECK(ipc);
	fd = dmb_ipc_recv_fd(ctl);
	CHILD_CHECK(fd >= 0);
	buf = dmb_ipc_import(ipc, fd);
	CHILD_CHECK(buf);
	close(fd);
	CHILD_CHECK(dma_buf_vmap_unlocked(buf, &vaddr) == 0);
	p = vaddr;
	CHILD_CHECK(dma_buf_begin_cpu_access(buf, DMA_FROM_DEVICE) == 0);
	CHILD_CHECK(p[1] == 7 && p[BUF_SIZE - 1] == (unsigned char)((BUF_SIZE - 1) * 7));
	CHILD_CHECK(dma_buf_end_cpu_access(buf, DMA_FROM_DEVICE) == 0);
	ctl_send(ctl, 'V');
	if (told) {
		/* Each dispatch follows a message: no time decides this. */
		for (;;) {
			struct pollfd pfd = { .fd = dmb_ipc_get_fd(ipc), .events = POLLIN };

			CHILD_CHECK(poll(&pfd, 1, -1) == 1);
			CHILD_CHECK(dmb_ipc_dispatch(ipc) >= 0);
			if (dma_buf_begin_cpu_access(buf, DMA_FROM_DEVICE) == -EIO)
				break;
			CHILD_CHECK(dma_buf_end_cpu_access(buf, DMA_FROM_DEVICE) == 0);
		}
		CHILD_CHECK(p[1] == 7);		/* told first, taken back after */
		ctl_send(ctl, 'T');
	}
	CHILD_CHECK(ctl_recv(ctl) == 'r');	/* the revoke returned */
	CHILD_CHECK(dma_buf_begin_cpu_access(buf, DMA_FROM_DEVICE) == -EIO);
	CHILD_CHECK(p[1] == 0 && p[BUF_SIZE - 1] == 0);	/* gone: zeros */
	CHILD_CHECK(dma_buf_end_cpu_access(buf, DMA_FROM_DEVICE) == -EIO);
	dma_buf_vunmap_unlocked(buf, vaddr);
	ctl_send(ctl, 'E');
	CHILD_CHECK(ctl_recv(ctl) == 'u');
	CHILD_CHECK(dma_buf_vmap_unlocked(buf, &vaddr) == 0);
	p = vaddr;
	CHILD_CHECK(dma_buf_begin_cpu_access(buf, DMA_FROM_DEVICE) == 0);
	CHILD_CHECK(p[1] == 0x55);		/* the new generation's */
	CHILD_CHECK(dma_buf_end_cpu_access(buf, DMA_FROM_DEVICE) == 0);
	dma_buf_vunmap_unlocked(buf, vaddr);
	dma_buf_put(buf);
	dmb_ipc_destroy(ipc);
	/* The loss was reported once; nothing else. */
	CHILD_CHECK(dmb_diag_count(DMB_DIAG_NOTICE) == 1);
	CHILD_CHECK(dmb_diag_count(DMB_DIAG_WARN) == 0);
	CHILD_CHECK(dmb_diag_count(DMB_DIAG_VIOLATION) == 0);
	ctl_send(ctl, 'M');
	exit(0);
}

/*
 * Row "hold a vmap", a cooperating importer: its vmap does not hold off
 * the revoke (a bound only a hang reaches, nothing forced); after it, its
 * CPU access fails with -EIO and its bytes are gone. With @told, a fence
 * of ours holds the revoke between its invalidate and the truncate, and
 * the importer learns it there, before its memory goes.
 */
static void vmap_held_case(int told)
{
	struct dmb_ipc *ipc = dmb_ipc_create("exporter", 0);
	struct dma_fence *job = NULL;
	struct th_thread *t;
	struct dma_buf *buf;
	struct revoker *r;
	struct kid *k;

	assert_non_null(ipc);
	k = spawn(0, "child_vmap_held", told);
	buf = export_buf(ipc, LONG_BOUND);
	r = new_revoker(buf);
	ipc_send_buf(buf, k->ctl);
	assert_int_equal(serve_for(ipc, k), 'V');
	if (told) {
		struct dma_resv *resv = dma_buf_resv(buf);

		job = mock_fence();
		assert_int_equal(dma_resv_lock(resv, NULL), 0);
		assert_int_equal(dma_resv_reserve_fences(resv, 1), 0);
		dma_resv_add_fence(resv, job, DMA_RESV_USAGE_WRITE);
		dma_resv_unlock(resv);
	}
	t = th_thread_start(revoke_thread, r);
	if (told) {
		/* Told while our fence holds the revoke: it has not returned. */
		serve_until_either(ipc, k->ctl, r->done[0]);
		assert_int_equal(ctl_recv(k->ctl), 'T');
		dma_fence_signal(job);
		dma_fence_put(job);
	}
	serve_until(ipc, r->done[0]);
	th_thread_join(t);
	assert_int_equal(r->ret, 0);
	assert_int_equal(r->stats.forced, 0);
	assert_int_equal(r->stats.warnings, 0);
	assert_int_equal(send(k->ctl, "r", 1, MSG_NOSIGNAL), 1);
	assert_int_equal(serve_for(ipc, k), 'E');
	unrevoke_mark(buf);
	assert_int_equal(send(k->ctl, "u", 1, MSG_NOSIGNAL), 1);
	assert_int_equal(serve_for(ipc, k), 'M');
	serve_until(ipc, k->ctl);	/* EOF: it exited */
	assert_exited(reap(k), 0);
	drain(ipc);
	dma_buf_put(buf);
	dmb_ipc_destroy(ipc);
}

static void test_vmap_held_across_revoke(void **state)
{
	(void)state;
	vmap_held_case(0);
}

static void test_vmap_held_told_first(void **state)
{
	(void)state;
	vmap_held_case(1);
}

/*
 * A hostile importer: HELLO, VMAP, a mapping of its own of the memfd it
 * got, and never a VUNMAP (says 'M'). On 'r' (revoked) it must find the
 * INVALIDATE of its vmap in its socket, then writes: that must fault.
 */
static void child_vmap_hostile(int ctl, int mode)
{
	int sock = dmb_ipc_recv_fd(ctl), fd = -1;
	volatile unsigned char *kept;
	uint64_t vmap;

	(void)mode;
	CHILD_CHECK(sock >= 0);
	CHILD_CHECK(raw_request(sock, DMB_IPC_HELLO, 0, (uint64_t)getpid(),
				"hostile", NULL, NULL) == 0);
	CHILD_CHECK(raw_request(sock, DMB_IPC_VMAP, 0, 0, NULL, &vmap, &fd) == 0 &&
		    fd >= 0 && vmap);
	kept = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHILD_CHECK(kept != MAP_FAILED);
	close(fd);
	CHILD_CHECK(kept[1] == 7);
	catch_faults(kept);
	ctl_send(ctl, 'M');
	CHILD_CHECK(ctl_recv(ctl) == 'r');
	raw_wait_invalidate(sock, vmap);	/* told, before the truncate */
	kept[1] = 0x66;				/* must fault */
	_exit(NOT_FAULTED);
}

/*
 * Row "hold a vmap", a hostile importer: it vmaps and never lets go. The
 * revoke neither waits for it nor forces anything (a bound only a hang
 * reaches); it was told, its access afterwards faults, and a cooperating
 * importer is invalidated and then maps the next generation.
 */
static void test_vmap_held_by_hostile(void **state)
{
	struct dmb_ipc *ipc = dmb_ipc_create("exporter", 0);
	struct dma_buf *buf;
	struct revoker *r;
	struct kid *bad, *coop;

	(void)state;
	assert_non_null(ipc);
	bad = spawn(0, "child_vmap_hostile", 0);
	coop = spawn(1, "child_coop", COOP_MAPPED);
	buf = export_buf(ipc, LONG_BOUND);
	r = new_revoker(buf);
	ipc_send_buf(buf, bad->ctl);
	ipc_send_buf(buf, coop->ctl);
	assert_int_equal(serve_for(ipc, bad), 'M');
	assert_int_equal(serve_for(ipc, coop), 'M');
	revoke_serving(ipc, r);
	assert_int_equal(r->stats.forced, 0);
	assert_int_equal(r->stats.warnings, 0);
	assert_int_equal(send(bad->ctl, "r", 1, MSG_NOSIGNAL), 1);
	assert_exited(reap(bad), FAULTED);
	coop_after_revoke(ipc, coop, buf);
	dma_buf_put(buf);
	dmb_ipc_destroy(ipc);
}

/* The importers, by the name spawn() passes to the exec'd program. */
static const struct ipc_child_fn ipc_children[] = {
	IPC_CHILD(child_RAW_LIE_WRITE), IPC_CHILD(child_RAW_LIE_READ),
	IPC_CHILD(child_RAW_HANG), IPC_CHILD(child_RAW_FORK),
	IPC_CHILD(child_RAW_EXIT), IPC_CHILD(child_RAW_KILLED),
	IPC_CHILD(child_RAW_LATE),
	IPC_CHILD(child_coop), IPC_CHILD(child_fence), IPC_CHILD(child_flood),
	IPC_CHILD(child_malformed), IPC_CHILD(child_vmap_held),
	IPC_CHILD(child_vmap_hostile),
};

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		TH_TEST(test_write_after_revoke),
		TH_TEST(test_read_after_revoke),
		TH_TEST(test_fork_hands_mapping),
		TH_TEST(test_never_unmaps),
		TH_TEST(test_never_unmaps_policy_wait),
		TH_TEST(test_cut_off_without_dispatcher),
		TH_TEST(test_unmaps_read_without_dispatcher),
		TH_TEST(test_never_signals),
		TH_TEST(test_never_signals_policy_wait),
		TH_TEST(test_die_mid_revoke),
		TH_TEST(test_flood_attach),
		TH_TEST(test_flood_fences),
		TH_TEST(test_flood_maps),
		TH_TEST(test_malformed_drops_one),
		TH_TEST(test_vmap_held_across_revoke),
		TH_TEST(test_vmap_held_told_first),
		TH_TEST(test_vmap_held_by_hostile),
	};

	IPC_CHILD_RUN(argc, argv, ipc_children);
	return th_run(argc, argv, tests, TH_COUNT(tests));
}
