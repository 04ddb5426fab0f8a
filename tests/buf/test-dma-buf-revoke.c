// SPDX-License-Identifier: MIT
/*
 * test-dma-buf-revoke.c - the revoke helper against its contract
 * (dma-buf-revoke.h) and the rules of the protocol: the full revoke sequence
 * and its order (R8), unrevoke (R9), the attach checks (R10), the wait
 * policies at the bounds (R11: V6, V7, notices, deadline-force and its V8),
 * what importers may still do after invalidate (R6: V4, V5), a second revoke
 * (R12), revoke racing with map, and misuse.
 *
 * The exporter is the shared mock (MOCK_EXP_REVOCABLE: it calls the helper
 * from attach, map and unmap). The importers are local: each has its own
 * name, so a report can be checked against the importer it must blame, and
 * either unmaps inside invalidate_mappings (ODP-style) or leaves the unmap
 * to a thread of the test ("later"). Helper threads never assert (cmocka
 * cannot fail a case from another thread): they record what they saw and
 * the main thread asserts after joining them.
 *
 * Real time is used only where the helper's own bounds are real time; every
 * bound is tens of milliseconds, and every poll gives up after POLL_MAX_NS
 * so that a broken implementation fails a case instead of hanging it.
 */
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dmabuf/check.h>
#include <dmabuf/clock.h>
#include <dmabuf/dma-buf-revoke.h>
#include <dmabuf/dma-buf.h>

#include "harness.h"
#include "mock-exporter.h"
#include "mock-fence.h"

#define MAX_IMP		16
#define BOUND_NS	(20 * NSEC_PER_MSEC)	/* the small bound of the policy cases */
#define LATE_NS		(100 * NSEC_PER_MSEC)	/* a broken importer's unmap delay */
#define STEP_NS		(10 * NSEC_PER_MSEC)	/* a healthy late importer's delay */
#define GENEROUS_NS	(5 * NSEC_PER_SEC)	/* a bound no healthy case reaches */
#define POLL_MAX_NS	(10 * NSEC_PER_SEC)	/* give up waiting: the case fails */

/*
 * POLL_UNTIL - re-evaluate @expr every millisecond until it is true or
 * @timeout_ns passed. Return: its last value. Safe in helper threads.
 */
#define POLL_UNTIL(expr, timeout_ns) ({					\
	int64_t __end = dmb_ktime_get_ns() + (timeout_ns);		\
	bool __ok;							\
	while (!(__ok = (expr)) && dmb_ktime_get_ns() < __end)		\
		th_sleep_ns(NSEC_PER_MSEC);				\
	__ok; })

/* ---- local importers -------------------------------------------------- */

enum rimp_kind {
	RIMP_STATIC,		/* dma_buf_attach(): no importer ops */
	RIMP_DYNAMIC,		/* importer ops without invalidate_mappings (R1) */
	RIMP_REVOCABLE,		/* with invalidate_mappings (R2) */
	RIMP_REVOCABLE_P2P,	/* revocable and peer-to-peer capable */
};

enum rimp_mode {
	RIMP_UNMAP_NOW,		/* unmap inside invalidate_mappings */
	RIMP_UNMAP_LATER,	/* only note it; a thread of the test unmaps */
};

struct rimp {
	struct device dev;
	struct dma_buf_attach_ops ops;
	char name[32];
	enum rimp_kind kind;
	enum rimp_mode mode;
	bool try_remap;			/* map again inside invalidate (must fail) */
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;		/* resv: the live mapping, if any */
	atomic_uint invalidate_calls;
	atomic_uint invalidate_mapped;	/* calls that found a live mapping */
	atomic_uint invalidate_unlocked; /* calls without the resv lock */
	atomic_uint invalidate_early;	/* calls that saw the buffer not yet revoked */
	atomic_int remap_errno;		/* try_remap: errno of the map, 0 if it mapped */
};

static void rimp_invalidate(struct dma_buf_attachment *attach)
{
	struct rimp *imp = dma_buf_attachment_importer_priv(attach);
	struct dma_buf *buf = dma_buf_attachment_dmabuf(attach);
	struct mock_exporter *me = dma_buf_priv(buf);
	struct sg_table *sgt;

	atomic_fetch_add(&imp->invalidate_calls, 1);
	if (!dma_resv_held(dma_buf_resv(buf)))
		atomic_fetch_add(&imp->invalidate_unlocked, 1);
	/* R8: step 2 (revoked) comes before step 3 (invalidate). */
	if (me->rev && !dmb_revocable_is_revoked(me->rev))
		atomic_fetch_add(&imp->invalidate_early, 1);
	if (!imp->sgt)
		return;
	atomic_fetch_add(&imp->invalidate_mapped, 1);
	if (imp->mode != RIMP_UNMAP_NOW)
		return;
	dma_buf_unmap_attachment(attach, imp->sgt, DMA_BIDIRECTIONAL);
	imp->sgt = NULL;
	if (!imp->try_remap)
		return;
	/* R6 allows a new map as soon as we like; while revoked it must fail. */
	sgt = dma_buf_map_attachment(attach, DMA_BIDIRECTIONAL);
	atomic_store(&imp->remap_errno, sgt ? 0 : errno);
	if (sgt)
		dma_buf_unmap_attachment(attach, sgt, DMA_BIDIRECTIONAL);
}

static void rimp_init(struct rimp *imp, const char *name, enum rimp_kind kind,
		      enum rimp_mode mode)
{
	memset(imp, 0, sizeof(*imp));
	snprintf(imp->name, sizeof(imp->name), "%s", name);
	imp->dev.name = imp->name;
	imp->kind = kind;
	imp->mode = mode;
	imp->ops.name = imp->name;
	imp->ops.allow_peer2peer = kind == RIMP_REVOCABLE_P2P;
	if (kind == RIMP_REVOCABLE || kind == RIMP_REVOCABLE_P2P)
		imp->ops.invalidate_mappings = rimp_invalidate;
	atomic_init(&imp->remap_errno, -1);
}

/* Return: the attachment, or NULL with errno. */
static struct dma_buf_attachment *rimp_attach(struct rimp *imp, struct dma_buf *buf)
{
	imp->dmabuf = buf;
	if (imp->kind == RIMP_STATIC)
		imp->attach = dma_buf_attach(buf, &imp->dev);
	else
		imp->attach = dma_buf_dynamic_attach(buf, &imp->dev, &imp->ops, imp);
	return imp->attach;
}

/* Map under the resv lock. Return: 0 or -errno. Never asserts. */
static int rimp_map(struct rimp *imp)
{
	struct dma_resv *resv = dma_buf_resv(imp->dmabuf);
	struct sg_table *sgt;
	int ret = 0;

	dma_resv_lock(resv, NULL);
	sgt = dma_buf_map_attachment(imp->attach, DMA_BIDIRECTIONAL);
	if (sgt)
		imp->sgt = sgt;
	else
		ret = -errno;
	dma_resv_unlock(resv);
	return ret;
}

/* Unmap the live mapping under the resv lock, if there is one. Never asserts. */
static void rimp_unmap(struct rimp *imp)
{
	struct dma_resv *resv = dma_buf_resv(imp->dmabuf);

	dma_resv_lock(resv, NULL);
	if (imp->sgt)
		dma_buf_unmap_attachment(imp->attach, imp->sgt, DMA_BIDIRECTIONAL);
	imp->sgt = NULL;
	dma_resv_unlock(resv);
}

static void rimp_detach(struct rimp *imp)
{
	dma_buf_detach(imp->dmabuf, imp->attach);
	imp->attach = NULL;
}

static bool rimp_mapped(struct rimp *imp)
{
	struct dma_resv *resv = dma_buf_resv(imp->dmabuf);
	bool mapped;

	dma_resv_lock(resv, NULL);
	mapped = imp->sgt || dma_buf_attachment_mapped(imp->attach);
	dma_resv_unlock(resv);
	return mapped;
}

/* ---- fixture ----------------------------------------------------------- */

struct fixture {
	struct mock_exporter me;
	struct rimp imp[MAX_IMP];
	struct dmb_check_bounds bounds;		/* restored in teardown */
	long exp_live_before;
	long fence_live_before;
};

static int rev_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->exp_live_before = mock_exporter_live();
	f->fence_live_before = mock_fence_live();
	dmb_check_get_bounds(&f->bounds);
	dmb_check_reset();
	*state = f;
	return th_setup(state);
}

static int rev_teardown(void **state)
{
	struct fixture *f = *state;
	long bufs = mock_exporter_live() - f->exp_live_before;
	long fences = mock_fence_live() - f->fence_live_before;
	int bad = 0;

	dmb_check_set_bounds(&f->bounds);
	if (bufs) {
		print_error("%ld mock buffers not released\n", bufs);
		bad = 1;
	}
	if (fences) {
		print_error("%ld mock fences leaked\n", fences);
		bad = 1;
	}
	if (f->me.ops_unlocked || f->me.ops_locked) {
		print_error("exporter: %u ops ran without the resv lock, %u with it against the convention (log: %s)\n",
			    f->me.ops_unlocked, f->me.ops_locked, f->me.log);
		bad = 1;
	}
	if (f->me.live_tables) {
		print_error("exporter: %d tables never taken back\n", f->me.live_tables);
		bad = 1;
	}
	for (int i = 0; i < MAX_IMP; i++) {
		if (f->imp[i].invalidate_unlocked) {
			print_error("importer %s: invalidate_mappings ran without the resv lock\n",
				    f->imp[i].name);
			bad = 1;
		}
	}
	/* A failed case may leave a buffer (and threads) pointing into f. */
	if (!bufs)
		free(f);
	return th_teardown(state) || bad ? -1 : 0;
}

#define REV_TEST(fn) cmocka_unit_test_setup_teardown(fn, rev_setup, rev_teardown)

/* A revocable buffer; the helper gets @wait with the two bounds. */
static struct dma_buf *export_rev(struct fixture *f, unsigned int flags,
				  enum dmb_revoke_wait wait, int64_t unmap_ns,
				  int64_t fence_ns)
{
	struct dmb_revoke_policy policy = {
		.wait = wait, .unmap_bound_ns = unmap_ns, .fence_bound_ns = fence_ns,
	};
	struct dma_buf *buf = mock_export(&f->me, "bar0", 4096,
					  flags | MOCK_EXP_REVOCABLE);

	assert_int_equal(dmb_revocable_set_policy(f->me.rev, &policy), 0);
	return buf;
}

/* Attach and map @imp, which must succeed. */
static void attach_map(struct rimp *imp, struct dma_buf *buf)
{
	assert_non_null(rimp_attach(imp, buf));
	assert_int_equal(rimp_map(imp), 0);
}

/*
 * Claim the one violation the case provoked: exactly one of @kind and none
 * else, blaming @importer if not NULL, its report containing @needle.
 */
static void claim_violation(enum dmb_violation kind, const char *importer,
			    const char *needle)
{
	struct dmb_check_record rec;

	assert_int_equal(dmb_check_count(kind), 1);
	assert_int_equal(dmb_check_total(), 1);
	assert_int_equal(dmb_check_records(&rec, 1), 1);
	assert_int_equal(rec.kind, kind);
	if (importer)
		assert_string_equal(rec.importer, importer);
	assert_true(th_take_report(DMB_DIAG_VIOLATION, needle));
	assert_int_equal(th_count_reports(DMB_DIAG_VIOLATION), 0);
	dmb_check_reset();
}

/* Claim exactly one WARN and nothing else. */
static void claim_warn(void)
{
	assert_int_equal(th_count_reports(DMB_DIAG_WARN), 1);
	assert_true(th_take_report(DMB_DIAG_WARN, NULL));
	assert_int_equal(th_count_reports(DMB_DIAG_VIOLATION), 0);
	assert_int_equal(th_count_reports(DMB_DIAG_NOTICE), 0);
}

static void assert_no_reports(void)
{
	assert_int_equal(th_count_reports(DMB_DIAG_WARN), 0);
	assert_int_equal(th_count_reports(DMB_DIAG_VIOLATION), 0);
	assert_int_equal(th_count_reports(DMB_DIAG_NOTICE), 0);
	assert_int_equal(dmb_check_total(), 0);
}

static void add_fence(struct dma_buf *buf, struct dma_fence *fence,
		      enum dma_resv_usage usage)
{
	struct dma_resv *resv = dma_buf_resv(buf);

	assert_int_equal(dma_resv_lock(resv, NULL), 0);
	assert_int_equal(dma_resv_reserve_fences(resv, 1), 0);
	dma_resv_add_fence(resv, fence, usage);
	dma_resv_unlock(resv);
}

/*
 * A thread that unmaps importers "later": once the buffer is revoked, it
 * optionally waits for a report (the one the bound must raise), then sleeps
 * @delay_ns before each unmap and notes whether the revoke had already
 * returned — which it must not have.
 */
struct late_unmap {
	struct dmb_revocable *rev;
	struct rimp *imp[MAX_IMP];
	unsigned int n;
	int64_t delay_ns;
	enum dmb_violation wait_violation;	/* 0: none */
	bool wait_notice;
	int64_t wait_max_ns;			/* for the report; 0: POLL_MAX_NS */
	atomic_bool revoke_returned;		/* set by the revoking thread */
	/* results */
	bool timed_out;
	bool returned_early;
	int64_t last_unmap_at;
};

static void *late_unmap_fn(void *arg)
{
	struct late_unmap *lu = arg;
	int64_t patience = lu->wait_max_ns ? lu->wait_max_ns : POLL_MAX_NS;

	if (!POLL_UNTIL(dmb_revocable_is_revoked(lu->rev), POLL_MAX_NS))
		lu->timed_out = true;
	if (lu->wait_violation &&
	    !POLL_UNTIL(dmb_check_count(lu->wait_violation) >= 1, patience))
		lu->timed_out = true;
	if (lu->wait_notice &&
	    !POLL_UNTIL(th_count_reports(DMB_DIAG_NOTICE) >= 1, patience))
		lu->timed_out = true;
	for (unsigned int i = 0; i < lu->n; i++) {
		th_sleep_ns(lu->delay_ns);
		if (atomic_load(&lu->revoke_returned))
			lu->returned_early = true;
		lu->last_unmap_at = dmb_ktime_get_ns();
		rimp_unmap(lu->imp[i]);
	}
	return NULL;
}

/* Revoke in this thread while @lu unmaps; return when both are done. */
static void revoke_with_late_unmap(struct late_unmap *lu,
				   struct dmb_revoke_stats *stats)
{
	struct th_thread *t = th_thread_start(late_unmap_fn, lu);
	int64_t returned_at;
	int ret;

	ret = dmb_revocable_revoke(lu->rev, stats);
	returned_at = dmb_ktime_get_ns();
	atomic_store(&lu->revoke_returned, true);
	th_thread_join(t);
	assert_int_equal(ret, 0);
	assert_false(lu->timed_out);
	/* R8.6: the revoke blocked until the last unmap. */
	assert_false(lu->returned_early);
	assert_true(returned_at >= lu->last_unmap_at);
}

/* A thread that runs one revoke, for cases where the main thread unmaps. */
struct revoker {
	struct dmb_revocable *rev;
	struct dmb_revoke_stats stats;
	int ret;
	atomic_bool returned;
};

static void *revoker_fn(void *arg)
{
	struct revoker *r = arg;

	r->ret = dmb_revocable_revoke(r->rev, &r->stats);
	atomic_store(&r->returned, true);
	return NULL;
}

/* ---- R8: the full revoke ------------------------------------------------ */

#define NR_ODP	8

/* R8: revoke with 8 importers that unmap inside invalidate: no mapping left, attach/map -ENODEV. */
static void r8_revoke_unmap_in_invalidate(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = export_rev(f, 0, DMB_REVOKE_WARN_THEN_WAIT,
					 GENEROUS_NS, GENEROUS_NS);
	struct dmb_revoke_stats st;
	struct rimp late;

	for (int i = 0; i < NR_ODP; i++) {
		char name[16];

		snprintf(name, sizeof(name), "odp%d", i);
		rimp_init(&f->imp[i], name, RIMP_REVOCABLE, RIMP_UNMAP_NOW);
		f->imp[i].try_remap = true;
		attach_map(&f->imp[i], buf);
	}
	assert_int_equal(dmb_revocable_mappings(f->me.rev), NR_ODP);
	assert_false(dmb_revocable_is_revoked(f->me.rev));

	assert_int_equal(dmb_revocable_revoke(f->me.rev, &st), 0);
	assert_false(st.already_revoked);
	assert_int_equal(st.warnings, 0);
	assert_int_equal(st.forced, 0);
	assert_true(dmb_revocable_is_revoked(f->me.rev));
	for (int i = 0; i < NR_ODP; i++) {
		struct rimp *imp = &f->imp[i];

		assert_int_equal(imp->invalidate_calls, 1);
		assert_int_equal(imp->invalidate_mapped, 1);
		assert_int_equal(imp->invalidate_early, 0);
		/* a map from inside invalidate already saw "revoked" */
		assert_int_equal(imp->remap_errno, ENODEV);
		assert_false(rimp_mapped(imp));
	}
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 0);
	assert_int_equal(f->me.live_tables, 0);
	assert_int_equal(f->me.unmap_calls, NR_ODP);

	/* new map and new attach fail, without a V3 */
	assert_int_equal(rimp_map(&f->imp[0]), -ENODEV);
	rimp_init(&late, "late", RIMP_REVOCABLE, RIMP_UNMAP_NOW);
	assert_null(rimp_attach(&late, buf));
	assert_int_equal(errno, ENODEV);
	rimp_init(&late, "late-static", RIMP_STATIC, RIMP_UNMAP_NOW);
	assert_null(rimp_attach(&late, buf));
	assert_int_equal(errno, ENODEV);
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 0);
	assert_no_reports();

	for (int i = 0; i < NR_ODP; i++)
		rimp_detach(&f->imp[i]);
	dma_buf_put(buf);
}

#define NR_LATE	4

/* R8.6: importers that unmap later from another thread: revoke blocks until the last unmap. */
static void r8_revoke_waits_for_late_unmap(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = export_rev(f, 0, DMB_REVOKE_WARN_THEN_WAIT,
					 GENEROUS_NS, GENEROUS_NS);
	struct late_unmap lu = { .rev = f->me.rev, .n = NR_LATE, .delay_ns = STEP_NS };
	struct dmb_revoke_stats st;

	for (int i = 0; i < NR_LATE; i++) {
		char name[16];

		snprintf(name, sizeof(name), "late%d", i);
		rimp_init(&f->imp[i], name, RIMP_REVOCABLE, RIMP_UNMAP_LATER);
		attach_map(&f->imp[i], buf);
		lu.imp[i] = &f->imp[i];
	}

	revoke_with_late_unmap(&lu, &st);
	/* the helper only started its delays once the buffer was revoked */
	assert_true(st.total_ns >= NR_LATE * STEP_NS);
	assert_int_equal(st.warnings, 0);
	for (int i = 0; i < NR_LATE; i++) {
		assert_int_equal(f->imp[i].invalidate_calls, 1);
		assert_int_equal(f->imp[i].invalidate_mapped, 1);
		assert_false(rimp_mapped(&f->imp[i]));
	}
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 0);
	assert_int_equal(f->me.live_tables, 0);
	assert_no_reports();

	for (int i = 0; i < NR_LATE; i++)
		rimp_detach(&f->imp[i]);
	dma_buf_put(buf);
}

/* R8/R10: a pinned revocable importer (dma_buf_pin + map) is invalidated, unmaps later, revoke completes. */
static void r8_pinned_revocable_importer(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = export_rev(f, MOCK_EXP_PIN, DMB_REVOKE_WARN_THEN_WAIT,
					 GENEROUS_NS, GENEROUS_NS);
	struct late_unmap lu = { .rev = f->me.rev, .n = 1, .delay_ns = STEP_NS };
	struct rimp *imp = &f->imp[0];
	struct dma_resv *resv = dma_buf_resv(buf);

	f->me.revocable_flags = DMB_REVOCABLE_REQUIRE_REVOCABLE;
	rimp_init(imp, "iommufd", RIMP_REVOCABLE, RIMP_UNMAP_LATER);
	assert_non_null(rimp_attach(imp, buf));
	dma_resv_lock(resv, NULL);
	assert_int_equal(dma_buf_pin(imp->attach), 0);
	dma_resv_unlock(resv);
	assert_int_equal(f->me.pin_count, 1);
	assert_true(dma_buf_attach_revocable(imp->attach));
	assert_int_equal(rimp_map(imp), 0);
	/* a dynamic attachment is never pinned by map (R3): still one pin */
	assert_int_equal(f->me.pin_count, 1);

	lu.imp[0] = imp;
	revoke_with_late_unmap(&lu, NULL);
	assert_int_equal(imp->invalidate_calls, 1);
	assert_int_equal(imp->invalidate_mapped, 1);
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 0);
	/* the pin is the importer's to drop (R13 release order) */
	assert_int_equal(f->me.pin_count, 1);
	dma_resv_lock(resv, NULL);
	dma_buf_unpin(imp->attach);
	dma_resv_unlock(resv);
	assert_int_equal(f->me.pin_count, 0);
	assert_no_reports();

	rimp_detach(imp);
	dma_buf_put(buf);
}

/* ---- R10: attach checks ------------------------------------------------- */

/* R10: with REQUIRE_REVOCABLE a static importer is refused with -EOPNOTSUPP. */
static void r10_require_revocable_refuses_static(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = export_rev(f, MOCK_EXP_PIN, DMB_REVOKE_WARN_THEN_WAIT, 0, 0);

	f->me.revocable_flags = DMB_REVOCABLE_REQUIRE_REVOCABLE;
	rimp_init(&f->imp[0], "rdma-static", RIMP_STATIC, RIMP_UNMAP_LATER);
	assert_null(rimp_attach(&f->imp[0], buf));
	assert_int_equal(errno, EOPNOTSUPP);
	assert_no_reports();
	dma_buf_put(buf);
	assert_int_equal(f->me.detach_calls, 0);
}

/* R10/R14: with REQUIRE_REVOCABLE a dynamic importer without invalidate_mappings is refused. */
static void r10_require_revocable_refuses_dynamic(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = export_rev(f, 0, DMB_REVOKE_WARN_THEN_WAIT, 0, 0);

	f->me.revocable_flags = DMB_REVOCABLE_REQUIRE_REVOCABLE;
	rimp_init(&f->imp[0], "rdma-pinned-mr", RIMP_DYNAMIC, RIMP_UNMAP_LATER);
	assert_null(rimp_attach(&f->imp[0], buf));
	assert_int_equal(errno, EOPNOTSUPP);
	/* and a revocable one is accepted */
	rimp_init(&f->imp[1], "rdma-odp", RIMP_REVOCABLE, RIMP_UNMAP_NOW);
	assert_non_null(rimp_attach(&f->imp[1], buf));
	assert_no_reports();
	rimp_detach(&f->imp[1]);
	dma_buf_put(buf);
}

/* R10: with REQUIRE_P2P a revocable but not peer-to-peer importer is refused; a p2p one is accepted. */
static void r10_require_p2p(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = export_rev(f, 0, DMB_REVOKE_WARN_THEN_WAIT, 0, 0);

	f->me.revocable_flags = DMB_REVOCABLE_REQUIRE_REVOCABLE | DMB_REVOCABLE_REQUIRE_P2P;
	rimp_init(&f->imp[0], "no-p2p", RIMP_REVOCABLE, RIMP_UNMAP_NOW);
	assert_null(rimp_attach(&f->imp[0], buf));
	assert_int_equal(errno, EOPNOTSUPP);
	rimp_init(&f->imp[1], "p2p", RIMP_REVOCABLE_P2P, RIMP_UNMAP_NOW);
	assert_non_null(rimp_attach(&f->imp[1], buf));
	assert_true(dma_buf_attachment_peer2peer(f->imp[1].attach));
	assert_no_reports();
	rimp_detach(&f->imp[1]);
	dma_buf_put(buf);
}

/* R8.2/R10: attach while revoked fails -ENODEV (for importers the flags would accept). */
static void r10_attach_while_revoked(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = export_rev(f, 0, DMB_REVOKE_WARN_THEN_WAIT, 0, 0);

	f->me.revocable_flags = DMB_REVOCABLE_REQUIRE_REVOCABLE;
	assert_int_equal(dmb_revocable_revoke(f->me.rev, NULL), 0);
	rimp_init(&f->imp[0], "odp", RIMP_REVOCABLE, RIMP_UNMAP_NOW);
	assert_null(rimp_attach(&f->imp[0], buf));
	assert_int_equal(errno, ENODEV);
	/* after unrevoke the same importer is welcome again */
	assert_int_equal(dmb_revocable_unrevoke(f->me.rev), 0);
	assert_non_null(rimp_attach(&f->imp[0], buf));
	assert_no_reports();
	rimp_detach(&f->imp[0]);
	dma_buf_put(buf);
}

/* R10: dma_buf_pin without a pin op succeeds and the attachment stays revocable and invalidated. */
static void r10_pin_without_pin_op_stays_revocable(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = export_rev(f, 0, DMB_REVOKE_WARN_THEN_WAIT,
					 GENEROUS_NS, GENEROUS_NS);
	struct rimp *imp = &f->imp[0];
	struct dma_resv *resv = dma_buf_resv(buf);

	f->me.revocable_flags = DMB_REVOCABLE_REQUIRE_REVOCABLE;
	rimp_init(imp, "iommufd", RIMP_REVOCABLE, RIMP_UNMAP_NOW);
	assert_non_null(rimp_attach(imp, buf));
	dma_resv_lock(resv, NULL);
	assert_int_equal(dma_buf_pin(imp->attach), 0);
	dma_resv_unlock(resv);
	assert_true(dma_buf_attach_revocable(imp->attach));
	assert_int_equal(f->me.pin_calls, 0);
	assert_int_equal(rimp_map(imp), 0);

	assert_int_equal(dmb_revocable_revoke(f->me.rev, NULL), 0);
	assert_int_equal(imp->invalidate_calls, 1);
	assert_false(rimp_mapped(imp));
	dma_resv_lock(resv, NULL);
	dma_buf_unpin(imp->attach);
	dma_resv_unlock(resv);
	assert_no_reports();
	rimp_detach(imp);
	dma_buf_put(buf);
}

/* ---- R11: the wait policies at the unmap bound --------------------------- */

/* R11/V6: warn-then-wait: one V6 naming the importer that did not unmap, then the revoke completes after its unmap. */
static void v6_warn_then_wait_names_importer(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = export_rev(f, 0, DMB_REVOKE_WARN_THEN_WAIT,
					 BOUND_NS, GENEROUS_NS);
	struct late_unmap lu = {
		.rev = f->me.rev, .n = 1, .delay_ns = LATE_NS,
		.wait_violation = DMB_V6_UNMAP_TIMEOUT,
	};
	struct dmb_revoke_stats st;

	rimp_init(&f->imp[0], "good-odp", RIMP_REVOCABLE, RIMP_UNMAP_NOW);
	rimp_init(&f->imp[1], "lazy-importer", RIMP_REVOCABLE, RIMP_UNMAP_LATER);
	attach_map(&f->imp[0], buf);
	attach_map(&f->imp[1], buf);
	lu.imp[0] = &f->imp[1];

	revoke_with_late_unmap(&lu, &st);
	assert_true(st.warnings >= 1);
	assert_int_equal(st.forced, 0);
	assert_true(st.unmap_wait_ns >= BOUND_NS);
	claim_violation(DMB_V6_UNMAP_TIMEOUT, "lazy-importer", "lazy-importer");
	assert_no_reports();
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 0);
	assert_false(rimp_mapped(&f->imp[1]));

	rimp_detach(&f->imp[0]);
	rimp_detach(&f->imp[1]);
	dma_buf_put(buf);
}

/* R11/V6: a policy bound of 0 takes the checker's unmap bound (dmb_check_set_bounds). */
static void v6_policy_zero_takes_checker_bound(void **state)
{
	struct fixture *f = *state;
	struct dmb_check_bounds small = { .unmap_ns = BOUND_NS, .fence_ns = GENEROUS_NS };
	struct dma_buf *buf = export_rev(f, 0, DMB_REVOKE_WARN_THEN_WAIT, 0, 0);
	/*
	 * Unmap by half the default bound at the latest: a V6 by then can
	 * only come from the checker's small bound.
	 */
	struct late_unmap lu = {
		.rev = f->me.rev, .n = 1, .delay_ns = STEP_NS,
		.wait_violation = DMB_V6_UNMAP_TIMEOUT,
		.wait_max_ns = f->bounds.unmap_ns / 2,
	};

	assert_true(f->bounds.unmap_ns >= 10 * BOUND_NS);
	assert_int_equal(dmb_check_set_bounds(&small), 0);
	rimp_init(&f->imp[0], "slow-gpu", RIMP_REVOCABLE, RIMP_UNMAP_LATER);
	attach_map(&f->imp[0], buf);
	lu.imp[0] = &f->imp[0];

	revoke_with_late_unmap(&lu, NULL);
	claim_violation(DMB_V6_UNMAP_TIMEOUT, "slow-gpu", "slow-gpu");
	assert_no_reports();
	rimp_detach(&f->imp[0]);
	dma_buf_put(buf);
}

/* R7/R11: a pinned static importer blocking the wait gets a NOTICE naming it (not V6); revoke completes after it unmaps. */
static void notice_for_pinned_static_importer(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = export_rev(f, MOCK_EXP_PIN, DMB_REVOKE_WARN_THEN_WAIT,
					 BOUND_NS, GENEROUS_NS);
	struct late_unmap lu = {
		.rev = f->me.rev, .n = 1, .delay_ns = STEP_NS, .wait_notice = true,
	};
	struct dmb_revoke_stats st;
	struct rimp *imp = &f->imp[0];

	rimp_init(imp, "rdma-mr0", RIMP_STATIC, RIMP_UNMAP_LATER);
	attach_map(imp, buf);
	assert_int_equal(f->me.pin_count, 1);	/* R3: pinned by map */
	lu.imp[0] = imp;

	revoke_with_late_unmap(&lu, &st);
	assert_true(st.warnings >= 1);
	assert_true(th_take_report(DMB_DIAG_NOTICE, "rdma-mr0"));
	assert_int_equal(dmb_check_count(DMB_V6_UNMAP_TIMEOUT), 0);
	assert_no_reports();
	/* R4: a static importer is never told */
	assert_int_equal(imp->invalidate_calls, 0);
	assert_int_equal(f->me.pin_count, 0);
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 0);

	rimp_detach(imp);
	dma_buf_put(buf);
}

/* R11: DMB_REVOKE_WAIT reports nothing at the bound and still waits for the unmap. */
static void wait_policy_is_silent(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = export_rev(f, 0, DMB_REVOKE_WAIT, BOUND_NS, BOUND_NS);
	struct late_unmap lu = { .rev = f->me.rev, .n = 1, .delay_ns = LATE_NS };
	struct dmb_revoke_stats st;

	rimp_init(&f->imp[0], "lazy-importer", RIMP_REVOCABLE, RIMP_UNMAP_LATER);
	attach_map(&f->imp[0], buf);
	lu.imp[0] = &f->imp[0];

	revoke_with_late_unmap(&lu, &st);
	assert_true(st.total_ns >= LATE_NS);
	assert_int_equal(st.warnings, 0);
	assert_int_equal(st.forced, 0);
	assert_no_reports();
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 0);
	rimp_detach(&f->imp[0]);
	dma_buf_put(buf);
}

/* R11/V6/V8: deadline-force tears the stuck mapping down through the exporter; the importer's late unmap is V8. */
static void deadline_force_tears_down(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = export_rev(f, 0, DMB_REVOKE_DEADLINE_FORCE,
					 BOUND_NS, GENEROUS_NS);
	struct dma_resv *resv = dma_buf_resv(buf);
	struct rimp *good = &f->imp[0], *stuck = &f->imp[1];
	struct revoker r = { .rev = f->me.rev };
	struct dmb_revoke_stats st;
	struct dmb_check_map *token;
	struct th_thread *t;
	bool forced_in_time;

	rimp_init(good, "good-odp", RIMP_REVOCABLE, RIMP_UNMAP_NOW);
	rimp_init(stuck, "stuck-importer", RIMP_REVOCABLE, RIMP_UNMAP_LATER);
	attach_map(good, buf);
	attach_map(stuck, buf);
	dma_resv_lock(resv, NULL);
	token = dma_buf_mapping_token(stuck->attach, stuck->sgt);
	dma_resv_unlock(resv);
	assert_non_null(token);

	/*
	 * Nobody unmaps "stuck": only the deadline ends this revoke. Should
	 * it not, unmap after a while so the case fails instead of hanging.
	 */
	t = th_thread_start(revoker_fn, &r);
	forced_in_time = POLL_UNTIL(atomic_load(&r.returned), 2 * NSEC_PER_SEC);
	if (!forced_in_time)
		rimp_unmap(stuck);
	th_thread_join(t);
	assert_true(forced_in_time);
	assert_int_equal(r.ret, 0);
	st = r.stats;
	assert_int_equal(st.forced, 1);
	assert_true(st.warnings >= 1);
	claim_violation(DMB_V6_UNMAP_TIMEOUT, "stuck-importer", "stuck-importer");
	assert_int_equal(f->me.unmap_calls, 2);	/* good's own, stuck's forced */
	assert_true(f->me.unmap_saw_lock);
	assert_int_equal(f->me.live_tables, 0);
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 0);
	assert_int_equal(dmb_check_map_state(token), DMB_MAP_UNMAPPED);

	/* the importer comes back to a table that is gone */
	dma_resv_lock(resv, NULL);
	assert_int_equal(dma_buf_attachment_mapped(stuck->attach), 0);
	dma_buf_unmap_attachment(stuck->attach, stuck->sgt, DMA_BIDIRECTIONAL);
	stuck->sgt = NULL;
	dma_resv_unlock(resv);
	claim_violation(DMB_V8_BAD_UNMAP, "stuck-importer", "force-revoke");
	assert_int_equal(f->me.unmap_calls, 2);	/* not passed to the exporter */

	/* and its DMA through the dead mapping faults (V5) */
	assert_int_equal(dmb_check_dma(token, DMB_DMA_START_READ), -EFAULT);
	claim_violation(DMB_V5_DMA_AFTER_UNMAP, "stuck-importer", "force-revoked");
	dmb_check_map_put(token);
	assert_no_reports();

	rimp_detach(good);
	rimp_detach(stuck);
	dma_buf_put(buf);
}

/* ---- R11/V7: the fence wait ---------------------------------------------- */

/*
 * A thread that signals a fence: once the revoke is in its fence wait (the
 * V7 report, if expected; otherwise "revoked"), it sleeps @delay_ns, notes
 * whether the resv is still locked (R8: step 4 before step 5) and whether
 * the revoke returned (it must not have), then signals.
 */
struct signaller {
	struct dmb_revocable *rev;
	struct dma_resv *resv;
	struct dma_fence *fence;
	bool wait_v7;
	int64_t delay_ns;
	atomic_bool revoke_returned;
	bool timed_out;
	bool returned_early;
	bool resv_locked;
	int64_t signalled_at;
};

static void *signaller_fn(void *arg)
{
	struct signaller *s = arg;

	if (!POLL_UNTIL(dmb_revocable_is_revoked(s->rev), POLL_MAX_NS))
		s->timed_out = true;
	if (s->wait_v7 &&
	    !POLL_UNTIL(dmb_check_count(DMB_V7_FENCE_TIMEOUT) >= 1, POLL_MAX_NS))
		s->timed_out = true;
	th_sleep_ns(s->delay_ns);
	s->resv_locked = dma_resv_is_locked(s->resv);
	s->returned_early = atomic_load(&s->revoke_returned);
	s->signalled_at = dmb_ktime_get_ns();
	dma_fence_signal(s->fence);
	return NULL;
}

static void fence_wait_case(struct fixture *f, enum dmb_revoke_wait wait,
			    bool expect_v7)
{
	struct dma_buf *buf = export_rev(f, 0, wait, GENEROUS_NS, BOUND_NS);
	struct signaller s = {
		.rev = f->me.rev, .resv = dma_buf_resv(buf), .fence = mock_fence(),
		.wait_v7 = expect_v7, .delay_ns = LATE_NS,
	};
	struct dmb_revoke_stats st;
	struct th_thread *t;
	int64_t returned_at;
	int ret;

	rimp_init(&f->imp[0], "gpu", RIMP_REVOCABLE, RIMP_UNMAP_NOW);
	attach_map(&f->imp[0], buf);
	add_fence(buf, s.fence, DMA_RESV_USAGE_BOOKKEEP);

	t = th_thread_start(signaller_fn, &s);
	ret = dmb_revocable_revoke(f->me.rev, &st);
	returned_at = dmb_ktime_get_ns();
	atomic_store(&s.revoke_returned, true);
	th_thread_join(t);
	assert_int_equal(ret, 0);
	assert_false(s.timed_out);
	assert_false(s.returned_early);
	assert_true(s.resv_locked);
	assert_true(returned_at >= s.signalled_at);
	assert_true(dma_fence_is_signaled(s.fence));
	if (expect_v7) {
		/* the delay started after the report, inside the fence wait */
		assert_true(st.fence_wait_ns >= BOUND_NS + LATE_NS);
		assert_int_equal(st.warnings, 1);
		claim_violation(DMB_V7_FENCE_TIMEOUT, NULL, "mock-timeline");
	} else {
		assert_true(st.total_ns >= LATE_NS);
		assert_int_equal(st.warnings, 0);
	}
	assert_int_equal(st.forced, 0);
	assert_no_reports();
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 0);

	dma_fence_put(s.fence);
	rimp_detach(&f->imp[0]);
	dma_buf_put(buf);
}

/* R8.4/R11/V7: a fence pending past the bound: one V7, and the revoke waits until it is signalled. */
static void v7_fence_warn_then_wait(void **state)
{
	fence_wait_case(*state, DMB_REVOKE_WARN_THEN_WAIT, true);
}

/* R11/V7: fences cannot be forced: under deadline-force the fence wait is still warn-then-wait. */
static void v7_fence_not_forced(void **state)
{
	fence_wait_case(*state, DMB_REVOKE_DEADLINE_FORCE, true);
}

/* R11: DMB_REVOKE_WAIT waits for a late fence without any report. */
static void fence_wait_policy_is_silent(void **state)
{
	fence_wait_case(*state, DMB_REVOKE_WAIT, false);
}

/* ---- R9/R12: unrevoke and revoking twice ----------------------------------- */

/* R9: after unrevoke importers attach and map again, mappings are counted, and a second revoke works. */
static void r9_unrevoke_then_revoke_again(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = export_rev(f, 0, DMB_REVOKE_WARN_THEN_WAIT,
					 GENEROUS_NS, GENEROUS_NS);
	struct dmb_revoke_stats st;

	rimp_init(&f->imp[0], "odp0", RIMP_REVOCABLE, RIMP_UNMAP_NOW);
	rimp_init(&f->imp[1], "odp1", RIMP_REVOCABLE, RIMP_UNMAP_NOW);
	rimp_init(&f->imp[2], "odp2", RIMP_REVOCABLE, RIMP_UNMAP_NOW);
	attach_map(&f->imp[0], buf);
	attach_map(&f->imp[1], buf);
	assert_int_equal(dmb_revocable_revoke(f->me.rev, NULL), 0);
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 0);

	assert_int_equal(dmb_revocable_unrevoke(f->me.rev), 0);
	assert_false(dmb_revocable_is_revoked(f->me.rev));
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 0);
	assert_int_equal(rimp_map(&f->imp[0]), 0);
	assert_int_equal(rimp_map(&f->imp[1]), 0);
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 2);
	attach_map(&f->imp[2], buf);
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 3);
	/* an unmap outside revoke is counted down as well */
	rimp_unmap(&f->imp[1]);
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 2);

	assert_int_equal(dmb_revocable_revoke(f->me.rev, &st), 0);
	assert_false(st.already_revoked);
	assert_int_equal(f->imp[0].invalidate_calls, 2);
	assert_int_equal(f->imp[1].invalidate_calls, 2);
	assert_int_equal(f->imp[2].invalidate_calls, 1);
	assert_int_equal(f->imp[0].invalidate_mapped, 2);
	assert_int_equal(f->imp[1].invalidate_mapped, 1);
	for (int i = 0; i < 3; i++)
		assert_false(rimp_mapped(&f->imp[i]));
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 0);
	assert_int_equal(f->me.live_tables, 0);
	assert_int_equal(rimp_map(&f->imp[0]), -ENODEV);
	assert_no_reports();

	assert_int_equal(dmb_revocable_unrevoke(f->me.rev), 0);
	for (int i = 0; i < 3; i++)
		rimp_detach(&f->imp[i]);
	dma_buf_put(buf);
}

/* R9: unrevoke of a buffer that is not revoked changes nothing (the live mapping stays counted). */
static void r9_unrevoke_when_not_revoked(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = export_rev(f, 0, DMB_REVOKE_WARN_THEN_WAIT,
					 GENEROUS_NS, GENEROUS_NS);
	struct late_unmap lu = { .rev = f->me.rev, .n = 1, .delay_ns = STEP_NS };

	rimp_init(&f->imp[0], "late", RIMP_REVOCABLE, RIMP_UNMAP_LATER);
	attach_map(&f->imp[0], buf);
	assert_int_equal(dmb_revocable_unrevoke(f->me.rev), 0);
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 1);
	/* the revoke still waits for that mapping */
	lu.imp[0] = &f->imp[0];
	revoke_with_late_unmap(&lu, NULL);
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 0);
	assert_no_reports();
	rimp_detach(&f->imp[0]);
	dma_buf_put(buf);
}

struct watchdog {
	struct dma_fence *fence;
	atomic_bool done;
	bool fired;
};

/* Signal the fence if the case is still blocked after a second. */
static void *watchdog_fn(void *arg)
{
	struct watchdog *w = arg;

	if (!POLL_UNTIL(atomic_load(&w->done), NSEC_PER_SEC)) {
		w->fired = true;
		dma_fence_signal(w->fence);
	}
	return NULL;
}

/* R12: revoking a revoked buffer returns 0 at once: already_revoked, no count underflow, no wait, no invalidate. */
static void r12_revoke_twice_returns_at_once(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = export_rev(f, 0, DMB_REVOKE_WARN_THEN_WAIT,
					 GENEROUS_NS, BOUND_NS);
	struct watchdog w = { .fence = mock_fence() };
	struct dmb_revoke_stats st;
	struct th_thread *t;
	int ret;

	rimp_init(&f->imp[0], "odp", RIMP_REVOCABLE, RIMP_UNMAP_NOW);
	attach_map(&f->imp[0], buf);
	assert_int_equal(dmb_revocable_revoke(f->me.rev, &st), 0);
	assert_false(st.already_revoked);

	/*
	 * Work queued after the revoke (it cannot touch the memory: nothing is
	 * mapped). A second revoke that ran the sequence again would wait
	 * for it, and raise V7; one that does nothing returns at once.
	 */
	add_fence(buf, w.fence, DMA_RESV_USAGE_BOOKKEEP);
	t = th_thread_start(watchdog_fn, &w);
	ret = dmb_revocable_revoke(f->me.rev, &st);
	atomic_store(&w.done, true);
	th_thread_join(t);
	assert_int_equal(ret, 0);
	assert_false(w.fired);
	assert_true(st.already_revoked);
	assert_int_equal(st.warnings, 0);
	assert_int_equal(st.forced, 0);
	assert_int_equal(f->imp[0].invalidate_calls, 1);
	assert_true(dmb_revocable_is_revoked(f->me.rev));
	/* the count did not go below zero (it would read as UINT_MAX) */
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 0);
	assert_no_reports();
	if (!dma_fence_is_signaled(w.fence))
		dma_fence_signal(w.fence);
	dma_fence_put(w.fence);

	/* and the next round counts from zero */
	assert_int_equal(dmb_revocable_unrevoke(f->me.rev), 0);
	assert_int_equal(rimp_map(&f->imp[0]), 0);
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 1);
	assert_int_equal(dmb_revocable_revoke(f->me.rev, &st), 0);
	assert_false(st.already_revoked);
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 0);
	assert_no_reports();
	rimp_detach(&f->imp[0]);
	dma_buf_put(buf);
}

/* ---- calls made while a revoke waits for an unmap ------------------------ */

enum concurrent_call {
	CALL_REVOKE,
	CALL_UNREVOKE,
	CALL_SET_POLICY,
};

struct caller {
	struct dmb_revocable *rev;
	enum concurrent_call call;
	struct dmb_revoke_stats stats;
	int ret;
	atomic_bool returned;
	int64_t returned_at;
};

static void *caller_fn(void *arg)
{
	static const struct dmb_revoke_policy policy = {
		.wait = DMB_REVOKE_WARN_THEN_WAIT, .unmap_bound_ns = GENEROUS_NS,
		.fence_bound_ns = GENEROUS_NS,
	};
	struct caller *c = arg;

	switch (c->call) {
	case CALL_REVOKE:
		c->ret = dmb_revocable_revoke(c->rev, &c->stats);
		break;
	case CALL_UNREVOKE:
		c->ret = dmb_revocable_unrevoke(c->rev);
		break;
	case CALL_SET_POLICY:
		c->ret = dmb_revocable_set_policy(c->rev, &policy);
		break;
	}
	c->returned_at = dmb_ktime_get_ns();
	atomic_store(&c->returned, true);
	return NULL;
}

/*
 * Start a revoke that waits in step 6 for a late importer, make @call from
 * another thread once it waits there, then let the importer unmap.
 */
static void call_during_revoke(struct fixture *f, struct caller *c)
{
	struct dma_buf *buf = export_rev(f, 0, DMB_REVOKE_WARN_THEN_WAIT,
					 GENEROUS_NS, GENEROUS_NS);
	struct dma_resv *resv = dma_buf_resv(buf);
	struct revoker r = { .rev = f->me.rev };
	struct rimp *imp = &f->imp[0];
	struct th_thread *rt, *ct;
	int64_t unmap_at;

	rimp_init(imp, "late", RIMP_REVOCABLE, RIMP_UNMAP_LATER);
	attach_map(imp, buf);
	c->rev = f->me.rev;

	rt = th_thread_start(revoker_fn, &r);
	/* invalidated and the lock dropped: the revoke is in step 6 */
	assert_true(POLL_UNTIL(atomic_load(&imp->invalidate_calls) >= 1 &&
			       !dma_resv_is_locked(resv), POLL_MAX_NS));
	th_sleep_ns(STEP_NS);
	ct = th_thread_start(caller_fn, c);
	th_sleep_ns(STEP_NS);
	assert_false(atomic_load(&r.returned));
	unmap_at = dmb_ktime_get_ns();
	rimp_unmap(imp);
	th_thread_join(rt);
	th_thread_join(ct);
	assert_int_equal(r.ret, 0);
	assert_int_equal(c->ret, 0);
	if (c->call != CALL_SET_POLICY)
		assert_true(c->returned_at >= unmap_at);
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 0);
	assert_no_reports();

	assert_int_equal(dmb_revocable_unrevoke(f->me.rev), 0);
	assert_int_equal(rimp_map(imp), 0);
	rimp_unmap(imp);
	rimp_detach(imp);
	dma_buf_put(buf);
}

/* R8/R12: a second revoke while the first still waits returns only once the memory is free (already_revoked). */
static void r12_concurrent_revoke_waits_for_first(void **state)
{
	struct caller c = { .call = CALL_REVOKE };

	call_during_revoke(*state, &c);
	assert_true(c.stats.already_revoked);
}

/* R9: unrevoke while a revoke waits does not re-arm under it: it returns after the revoke completed. */
static void r9_unrevoke_waits_for_revoke_in_progress(void **state)
{
	struct caller c = { .call = CALL_UNREVOKE };

	call_during_revoke(*state, &c);
}

/* Locking: set_policy while a revoke waits is safe (no data race on the policy). */
static void set_policy_during_revoke(void **state)
{
	struct caller c = { .call = CALL_SET_POLICY };

	call_during_revoke(*state, &c);
}

/* ---- revoke racing with map --------------------------------------------- */

#define NR_MAPPERS	4
#define RACE_ROUNDS	5
#define MAPPER_MAX_ITERS 1000000

struct race {
	atomic_bool stop;
	atomic_bool revoke_returned;
};

struct mapper {
	struct race *race;
	struct rimp *imp;
	unsigned int seed;
	atomic_ulong maps_ok;
	atomic_ulong enodev_after;	/* -ENODEV seen after the revoke returned */
	unsigned long mapped_after;	/* maps that succeeded after it: a bug */
	unsigned long other_errors;
};

/* Map whenever unmapped, unmap now and then; check every outcome under the lock. */
static void *mapper_fn(void *arg)
{
	struct mapper *m = arg;
	struct rimp *imp = m->imp;
	struct dma_resv *resv = dma_buf_resv(imp->dmabuf);

	for (unsigned long i = 0; i < MAPPER_MAX_ITERS &&
	     !atomic_load(&m->race->stop); i++) {
		struct sg_table *sgt;
		bool after;

		dma_resv_lock(resv, NULL);
		if (!imp->sgt) {
			sgt = dma_buf_map_attachment(imp->attach, DMA_BIDIRECTIONAL);
			/*
			 * Read under the lock after the map: if it mapped, no
			 * revoke can have got past step 2, so none returned.
			 */
			after = atomic_load(&m->race->revoke_returned);
			if (sgt) {
				imp->sgt = sgt;
				atomic_fetch_add(&m->maps_ok, 1);
				m->mapped_after += after;
			} else if (errno == ENODEV) {
				if (after)
					atomic_fetch_add(&m->enodev_after, 1);
			} else {
				m->other_errors++;
			}
		} else if (rand_r(&m->seed) % 4 == 0) {
			dma_buf_unmap_attachment(imp->attach, imp->sgt,
						 DMA_BIDIRECTIONAL);
			imp->sgt = NULL;
		}
		dma_resv_unlock(resv);
		sched_yield();
	}
	return NULL;
}

static bool all_mappers(struct mapper *m, bool after)
{
	for (int i = 0; i < NR_MAPPERS; i++)
		if (!atomic_load(after ? &m[i].enodev_after : &m[i].maps_ok))
			return false;
	return true;
}

/* R8/R9: revoke racing with maps from several threads: no map succeeds after it returned, no mapping outlives it. */
static void revoke_races_with_map(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = export_rev(f, 0, DMB_REVOKE_WARN_THEN_WAIT,
					 GENEROUS_NS, GENEROUS_NS);
	struct dma_resv *resv = dma_buf_resv(buf);
	struct mapper m[NR_MAPPERS];
	struct th_thread *t[NR_MAPPERS];
	struct race race;

	for (int i = 0; i < NR_MAPPERS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "mapper%d", i);
		rimp_init(&f->imp[i], name, RIMP_REVOCABLE, RIMP_UNMAP_NOW);
		assert_non_null(rimp_attach(&f->imp[i], buf));
	}

	for (int round = 0; round < RACE_ROUNDS; round++) {
		atomic_init(&race.stop, false);
		atomic_init(&race.revoke_returned, false);
		memset(m, 0, sizeof(m));
		for (int i = 0; i < NR_MAPPERS; i++) {
			m[i].race = &race;
			m[i].imp = &f->imp[i];
			m[i].seed = 1234u + (unsigned int)(round * NR_MAPPERS + i);
			t[i] = th_thread_start(mapper_fn, &m[i]);
		}
		/* revoke while every mapper is busy mapping and unmapping */
		assert_true(POLL_UNTIL(all_mappers(m, false), POLL_MAX_NS));
		assert_int_equal(dmb_revocable_revoke(f->me.rev, NULL), 0);
		atomic_store(&race.revoke_returned, true);

		/* nothing outlived the revoke */
		assert_int_equal(dmb_revocable_mappings(f->me.rev), 0);
		assert_int_equal(f->me.live_tables, 0);
		dma_resv_lock(resv, NULL);
		for (int i = 0; i < NR_MAPPERS; i++) {
			assert_null(f->imp[i].sgt);
			assert_int_equal(dma_buf_attachment_mapped(f->imp[i].attach), 0);
		}
		dma_resv_unlock(resv);
		for (int i = 0; i < NR_MAPPERS; i++)
			assert_int_equal(f->imp[i].invalidate_calls, round + 1);

		/* let every mapper fail at least once against the revoked buffer */
		assert_true(POLL_UNTIL(all_mappers(m, true), POLL_MAX_NS));
		atomic_store(&race.stop, true);
		for (int i = 0; i < NR_MAPPERS; i++)
			th_thread_join(t[i]);
		for (int i = 0; i < NR_MAPPERS; i++) {
			assert_int_equal(m[i].mapped_after, 0);
			assert_int_equal(m[i].other_errors, 0);
		}
		assert_int_equal(dmb_revocable_mappings(f->me.rev), 0);
		assert_int_equal(dmb_revocable_unrevoke(f->me.rev), 0);
	}

	/* after the last unrevoke everybody maps again */
	for (int i = 0; i < NR_MAPPERS; i++)
		assert_int_equal(rimp_map(&f->imp[i]), 0);
	assert_int_equal(dmb_revocable_mappings(f->me.rev), NR_MAPPERS);
	for (int i = 0; i < NR_MAPPERS; i++)
		rimp_unmap(&f->imp[i]);
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 0);
	assert_no_reports();
	for (int i = 0; i < NR_MAPPERS; i++)
		rimp_detach(&f->imp[i]);
	dma_buf_put(buf);
}

/* ---- R6: access after invalidate ----------------------------------------- */

/* R6/V4/V5: after invalidate a new read is allowed, a new write is V4; after unmap any access is V5. */
static void r6_access_after_invalidate_and_unmap(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = export_rev(f, 0, DMB_REVOKE_WARN_THEN_WAIT,
					 GENEROUS_NS, GENEROUS_NS);
	struct dma_resv *resv = dma_buf_resv(buf);
	struct revoker r = { .rev = f->me.rev };
	struct rimp *imp = &f->imp[0];
	struct dmb_check_map *token;
	struct th_thread *t;

	rimp_init(imp, "gpu0", RIMP_REVOCABLE, RIMP_UNMAP_LATER);
	attach_map(imp, buf);
	dma_resv_lock(resv, NULL);
	token = dma_buf_mapping_token(imp->attach, imp->sgt);
	dma_resv_unlock(resv);
	assert_non_null(token);
	assert_int_equal(dmb_check_dma(token, DMB_DMA_START_WRITE), 0);

	t = th_thread_start(revoker_fn, &r);
	assert_true(POLL_UNTIL(atomic_load(&imp->invalidate_calls) >= 1, POLL_MAX_NS));
	assert_int_equal(dmb_check_map_state(token), DMB_MAP_INVALIDATED);
	/* (b) read-and-discard may still start; in-flight work may do both */
	assert_int_equal(dmb_check_dma(token, DMB_DMA_START_READ), 0);
	assert_int_equal(dmb_check_dma(token, DMB_DMA_READ), 0);
	assert_int_equal(dmb_check_dma(token, DMB_DMA_WRITE), 0);
	assert_int_equal(dmb_check_dma(token, DMB_DMA_START_WRITE), -EFAULT);
	claim_violation(DMB_V4_DMA_AFTER_INVALIDATE, "gpu0", "V4");
	assert_false(atomic_load(&r.returned));

	rimp_unmap(imp);
	th_thread_join(t);
	assert_int_equal(r.ret, 0);
	assert_int_equal(dmb_check_map_state(token), DMB_MAP_UNMAPPED);
	assert_int_equal(dmb_check_dma(token, DMB_DMA_START_READ), -EFAULT);
	claim_violation(DMB_V5_DMA_AFTER_UNMAP, "gpu0", "V5");
	assert_int_equal(dmb_check_dma(token, DMB_DMA_WRITE), -EFAULT);
	claim_violation(DMB_V5_DMA_AFTER_UNMAP, "gpu0", "V5");
	dmb_check_map_put(token);
	assert_no_reports();

	rimp_detach(imp);
	dma_buf_put(buf);
}

/* ---- stats --------------------------------------------------------------- */

struct locker {
	struct dma_resv *resv;
	int64_t hold_ns;
	atomic_bool locked;
};

static void *locker_fn(void *arg)
{
	struct locker *l = arg;

	dma_resv_lock(l->resv, NULL);
	atomic_store(&l->locked, true);
	th_sleep_ns(l->hold_ns);
	dma_resv_unlock(l->resv);
	return NULL;
}

/* stats: every phase is measured, and the total (steps 1-6) also covers waiting for the resv lock. */
static void stats_phases_filled(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = export_rev(f, 0, DMB_REVOKE_WARN_THEN_WAIT,
					 GENEROUS_NS, GENEROUS_NS);
	struct late_unmap lu = { .rev = f->me.rev, .n = 1, .delay_ns = 2 * STEP_NS };
	struct locker l = { .resv = dma_buf_resv(buf), .hold_ns = 5 * STEP_NS };
	struct dma_fence *done = mock_fence();
	struct dmb_revoke_stats st;
	struct th_thread *t;

	memset(&st, 0xff, sizeof(st));
	for (int i = 0; i < NR_ODP; i++) {
		char name[16];

		snprintf(name, sizeof(name), "odp%d", i);
		rimp_init(&f->imp[i], name, RIMP_REVOCABLE, RIMP_UNMAP_NOW);
		attach_map(&f->imp[i], buf);
	}
	rimp_init(&f->imp[NR_ODP], "late", RIMP_REVOCABLE, RIMP_UNMAP_LATER);
	attach_map(&f->imp[NR_ODP], buf);
	lu.imp[0] = &f->imp[NR_ODP];
	dma_fence_signal(done);
	add_fence(buf, done, DMA_RESV_USAGE_BOOKKEEP);

	/* step 1 has to wait for somebody else's lock session */
	t = th_thread_start(locker_fn, &l);
	assert_true(POLL_UNTIL(atomic_load(&l.locked), POLL_MAX_NS));
	revoke_with_late_unmap(&lu, &st);
	th_thread_join(t);
	assert_false(st.already_revoked);
	assert_int_equal(st.warnings, 0);
	assert_int_equal(st.forced, 0);
	assert_true(st.invalidate_ns > 0);
	assert_true(st.fence_wait_ns >= 0);
	assert_true(st.unmap_wait_ns > 0);
	/* most of the 50 ms lock hold is in the total and in no phase */
	assert_true(st.total_ns >= st.invalidate_ns + st.fence_wait_ns +
				   st.unmap_wait_ns + STEP_NS);
	assert_no_reports();

	dma_fence_put(done);
	for (int i = 0; i <= NR_ODP; i++)
		rimp_detach(&f->imp[i]);
	dma_buf_put(buf);
}

/* ---- misuse ------------------------------------------------------------ */

/* Misuse: revoke and unrevoke with the resv lock held WARN and return -EINVAL, changing nothing. */
static void misuse_resv_held(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = export_rev(f, 0, DMB_REVOKE_WARN_THEN_WAIT, 0, 0);
	struct dma_resv *resv = dma_buf_resv(buf);

	dma_resv_lock(resv, NULL);
	assert_int_equal(dmb_revocable_revoke(f->me.rev, NULL), -EINVAL);
	dma_resv_unlock(resv);
	claim_warn();
	assert_false(dmb_revocable_is_revoked(f->me.rev));

	assert_int_equal(dmb_revocable_revoke(f->me.rev, NULL), 0);
	dma_resv_lock(resv, NULL);
	assert_int_equal(dmb_revocable_unrevoke(f->me.rev), -EINVAL);
	dma_resv_unlock(resv);
	claim_warn();
	assert_true(dmb_revocable_is_revoked(f->me.rev));
	assert_int_equal(dmb_revocable_unrevoke(f->me.rev), 0);
	assert_no_reports();
	dma_buf_put(buf);
}

/* Misuse: set_policy with an unknown wait, a negative bound or NULL WARNs and returns -EINVAL. */
static void misuse_set_policy_invalid(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = export_rev(f, 0, DMB_REVOKE_WARN_THEN_WAIT, 0, 0);
	const struct dmb_revoke_policy bad[] = {
		{ .wait = (enum dmb_revoke_wait)3 },
		{ .wait = (enum dmb_revoke_wait)-1 },
		{ .wait = DMB_REVOKE_WAIT, .unmap_bound_ns = -1 },
		{ .wait = DMB_REVOKE_WAIT, .fence_bound_ns = -1 },
	};
	const struct dmb_revoke_policy good = {
		.wait = DMB_REVOKE_DEADLINE_FORCE, .unmap_bound_ns = BOUND_NS,
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(dmb_revocable_set_policy(f->me.rev, &bad[i]), -EINVAL);
		claim_warn();
	}
	assert_int_equal(dmb_revocable_set_policy(f->me.rev, NULL), -EINVAL);
	claim_warn();
	assert_int_equal(dmb_revocable_set_policy(NULL, &good), -EINVAL);
	claim_warn();
	assert_int_equal(dmb_revocable_set_policy(f->me.rev, &good), 0);
	assert_no_reports();
	dma_buf_put(buf);
}

/* Misuse: create(NULL) and create with an invalid policy return NULL/EINVAL with a WARN; NULL helpers WARN. */
static void misuse_create_and_null(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = mock_export(&f->me, "heap", 4096, 0);
	const struct dmb_revoke_policy bad = { .wait = DMB_REVOKE_WAIT, .unmap_bound_ns = -5 };
	const struct dmb_revoke_policy good = { .wait = DMB_REVOKE_WAIT };
	struct dmb_revocable *rev;

	errno = 0;
	assert_null(dmb_revocable_create(NULL, NULL));
	assert_int_equal(errno, EINVAL);
	claim_warn();
	errno = 0;
	assert_null(dmb_revocable_create(buf, &bad));
	assert_int_equal(errno, EINVAL);
	claim_warn();
	rev = dmb_revocable_create(buf, &good);
	assert_non_null(rev);
	assert_false(dmb_revocable_is_revoked(rev));
	assert_int_equal(dmb_revocable_mappings(rev), 0);
	dmb_revocable_destroy(rev);
	assert_no_reports();

	assert_int_equal(dmb_revocable_revoke(NULL, NULL), -EINVAL);
	claim_warn();
	assert_int_equal(dmb_revocable_unrevoke(NULL), -EINVAL);
	claim_warn();
	dma_buf_put(buf);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		REV_TEST(r8_revoke_unmap_in_invalidate),
		REV_TEST(r8_revoke_waits_for_late_unmap),
		REV_TEST(r8_pinned_revocable_importer),
		REV_TEST(r10_require_revocable_refuses_static),
		REV_TEST(r10_require_revocable_refuses_dynamic),
		REV_TEST(r10_require_p2p),
		REV_TEST(r10_attach_while_revoked),
		REV_TEST(r10_pin_without_pin_op_stays_revocable),
		REV_TEST(v6_warn_then_wait_names_importer),
		REV_TEST(v6_policy_zero_takes_checker_bound),
		REV_TEST(notice_for_pinned_static_importer),
		REV_TEST(wait_policy_is_silent),
		REV_TEST(deadline_force_tears_down),
		REV_TEST(v7_fence_warn_then_wait),
		REV_TEST(v7_fence_not_forced),
		REV_TEST(fence_wait_policy_is_silent),
		REV_TEST(r9_unrevoke_then_revoke_again),
		REV_TEST(r9_unrevoke_when_not_revoked),
		REV_TEST(r12_revoke_twice_returns_at_once),
		REV_TEST(r12_concurrent_revoke_waits_for_first),
		REV_TEST(r9_unrevoke_waits_for_revoke_in_progress),
		REV_TEST(set_policy_during_revoke),
		REV_TEST(revoke_races_with_map),
		REV_TEST(r6_access_after_invalidate_and_unmap),
		REV_TEST(stats_phases_filled),
		REV_TEST(misuse_resv_held),
		REV_TEST(misuse_set_policy_invalid),
		REV_TEST(misuse_create_and_null),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
