/* SPDX-License-Identifier: MIT */
/*
 * revoke-fixture.h - what the revoke helper's test programs share: local
 * importers with names of their own (so a report can be checked against the
 * importer it must blame) that unmap inside invalidate_mappings or leave it
 * to a thread of the test, the fixture with its leak and report checks, and
 * the threads that revoke, unmap late or signal fences. Helper threads never
 * assert: they record, and the main thread asserts after joining them.
 */
#ifndef DMABUF_TEST_REVOKE_FIXTURE_H
#define DMABUF_TEST_REVOKE_FIXTURE_H

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

#include "fixture.h"
#include "mock-exporter.h"
#include "mock-fence.h"

#define MAX_IMP		16
#define BOUND_NS	(20 * NSEC_PER_MSEC)	/* the small bound of the policy cases */
#define LATE_NS		(100 * NSEC_PER_MSEC)	/* a broken importer's unmap delay */
#define STEP_NS		(10 * NSEC_PER_MSEC)	/* a healthy late importer's delay */
/*
 * A bound no healthy case reaches, whatever the load: a case that expects
 * no report sets it, so only a hang could raise one. The cases that expect
 * a report use BOUND_NS and wait for the report itself, never for the time.
 */
#define GENEROUS_NS	(60 * NSEC_PER_SEC)

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

static inline void rimp_invalidate(struct dma_buf_attachment *attach)
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

static inline void rimp_init(struct rimp *imp, const char *name, enum rimp_kind kind,
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
static inline struct dma_buf_attachment *rimp_attach(struct rimp *imp, struct dma_buf *buf)
{
	imp->dmabuf = buf;
	if (imp->kind == RIMP_STATIC)
		imp->attach = dma_buf_attach(buf, &imp->dev);
	else
		imp->attach = dma_buf_dynamic_attach(buf, &imp->dev, &imp->ops, imp);
	return imp->attach;
}

/* Map under the resv lock. Return: 0 or -errno. Never asserts. */
static inline int rimp_map(struct rimp *imp)
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
static inline void rimp_unmap(struct rimp *imp)
{
	struct dma_resv *resv = dma_buf_resv(imp->dmabuf);

	dma_resv_lock(resv, NULL);
	if (imp->sgt)
		dma_buf_unmap_attachment(imp->attach, imp->sgt, DMA_BIDIRECTIONAL);
	imp->sgt = NULL;
	dma_resv_unlock(resv);
}

static inline void rimp_detach(struct rimp *imp)
{
	dma_buf_detach(imp->dmabuf, imp->attach);
	imp->attach = NULL;
}

static inline bool rimp_mapped(struct rimp *imp)
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

static inline int rev_setup(void **state)
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

static inline int rev_teardown(void **state)
{
	struct fixture *f = *state;
	long bufs, fences;
	int bad = 0;

	th_teardown_threads();
	bufs = mock_exporter_live() - f->exp_live_before;
	fences = mock_fence_live() - f->fence_live_before;
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
static inline struct dma_buf *export_rev(struct fixture *f, unsigned int flags,
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
static inline void attach_map(struct rimp *imp, struct dma_buf *buf)
{
	assert_non_null(rimp_attach(imp, buf));
	assert_int_equal(rimp_map(imp), 0);
}

/* Claim exactly one WARN and nothing else. */
static inline void claim_warn(void)
{
	assert_int_equal(th_count_reports(DMB_DIAG_WARN), 1);
	assert_true(th_take_report(DMB_DIAG_WARN, NULL));
	assert_int_equal(th_count_reports(DMB_DIAG_VIOLATION), 0);
	assert_int_equal(th_count_reports(DMB_DIAG_NOTICE), 0);
}

static inline void assert_no_reports(void)
{
	assert_int_equal(th_count_reports(DMB_DIAG_WARN), 0);
	assert_int_equal(th_count_reports(DMB_DIAG_VIOLATION), 0);
	assert_int_equal(th_count_reports(DMB_DIAG_NOTICE), 0);
	assert_int_equal(dmb_check_total(), 0);
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
	atomic_bool revoke_returned;		/* set by the revoking thread */
	/* results */
	bool timed_out;
	bool returned_early;
	int64_t last_unmap_at;
};

static inline void *late_unmap_fn(void *arg)
{
	struct late_unmap *lu = arg;
	if (!TH_WAIT_UNTIL(dmb_revocable_is_revoked(lu->rev)))
		lu->timed_out = true;
	if (lu->wait_violation &&
	    !TH_WAIT_UNTIL(dmb_check_count(lu->wait_violation) >= 1))
		lu->timed_out = true;
	if (lu->wait_notice &&
	    !TH_WAIT_UNTIL(th_count_reports(DMB_DIAG_NOTICE) >= 1))
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
static inline void revoke_with_late_unmap(struct late_unmap *lu,
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

static inline void *revoker_fn(void *arg)
{
	struct revoker *r = arg;

	r->ret = dmb_revocable_revoke(r->rev, &r->stats);
	atomic_store(&r->returned, true);
	return NULL;
}

#endif /* DMABUF_TEST_REVOKE_FIXTURE_H */
