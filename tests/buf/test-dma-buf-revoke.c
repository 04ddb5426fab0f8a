// SPDX-License-Identifier: MIT
/*
 * test-dma-buf-revoke.c - the revoke helper against its contract
 * (dma-buf-revoke.h) and the rules of the protocol: the full revoke sequence
 * and its order (R8), unrevoke (R9), the attach checks (R10), what importers
 * may still do after invalidate (R6: V4, V5), a second revoke (R12), revoke
 * racing with map, and misuse. The wait policies at the bounds (R11) are in
 * test-dma-buf-revoke-policy.c; revoke-fixture.h has what both share.
 *
 * Real time is used only where the helper's own bounds are real time. A
 * case that expects no report runs with GENEROUS_NS bounds no healthy run
 * reaches; one that expects a report waits for the report, not for time.
 * Every wait gives up at the harness's hang bound, so that a broken
 * implementation fails a case instead of hanging it.
 */
#include "revoke-fixture.h"

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
	struct late_unmap *lu = TH_NEW(struct late_unmap, {
		.rev = f->me.rev, .n = NR_LATE, .delay_ns = STEP_NS,
	});
	struct dmb_revoke_stats st;

	for (int i = 0; i < NR_LATE; i++) {
		char name[16];

		snprintf(name, sizeof(name), "late%d", i);
		rimp_init(&f->imp[i], name, RIMP_REVOCABLE, RIMP_UNMAP_LATER);
		attach_map(&f->imp[i], buf);
		lu->imp[i] = &f->imp[i];
	}

	revoke_with_late_unmap(lu, &st);
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
	struct late_unmap *lu = TH_NEW(struct late_unmap, {
		.rev = f->me.rev, .n = 1, .delay_ns = STEP_NS,
	});
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

	lu->imp[0] = imp;
	revoke_with_late_unmap(lu, NULL);
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

/*
 * An exporter whose attach op lets a revoke land between its revoked check
 * and the attachment going live: possible in the kernel, where attach runs
 * without the resv lock, and so possible here.
 */
struct racy_exporter {
	struct dmb_revocable *rev;
	struct sg_table sgt;
	bool revoke_in_attach;
};

static int racy_attach(struct dma_buf *buf, struct dma_buf_attachment *a)
{
	struct racy_exporter *re = dma_buf_priv(buf);
	int ret = dmb_revocable_attach(re->rev, a, 0);

	if (!ret && re->revoke_in_attach)
		assert_int_equal(dmb_revocable_revoke(re->rev, NULL), 0);
	return ret;
}

static int racy_map(struct dma_buf_attachment *a, enum dma_data_direction dir,
		    struct sg_table **sgtp)
{
	struct racy_exporter *re = dma_buf_priv(dma_buf_attachment_dmabuf(a));
	int ret = dmb_revocable_map(re->rev);

	if (!ret)
		*sgtp = &re->sgt;
	return ret;
}

static void racy_unmap(struct dma_buf_attachment *a, struct sg_table *sgt,
		       enum dma_data_direction dir)
{
	struct racy_exporter *re = dma_buf_priv(dma_buf_attachment_dmabuf(a));

	dmb_revocable_unmap(re->rev);
}

static void racy_release(struct dma_buf *buf)
{
}

static const struct dma_buf_ops racy_ops = {
	.attach = racy_attach,
	.map_dma_buf = racy_map,
	.unmap_dma_buf = racy_unmap,
	.release = racy_release,
};

/* R10, kernel shape: a revoke landing during attach is caught by the map's locked re-check. */
static void r10_revoke_during_attach_caught_at_map(void **state)
{
	struct fixture *f = *state;
	struct racy_exporter re = { .revoke_in_attach = true };
	struct dma_buf_export_info info = {
		.exp_name = "racy", .size = 4096, .ops = &racy_ops, .priv = &re,
	};
	struct dma_buf *buf = dma_buf_export(&info);
	struct dma_buf_attachment *a;

	assert_non_null(buf);
	re.rev = dmb_revocable_create(buf, NULL);
	assert_non_null(re.rev);
	rimp_init(&f->imp[0], "odp", RIMP_REVOCABLE, RIMP_UNMAP_NOW);
	a = dma_buf_dynamic_attach(buf, &f->imp[0].dev, &f->imp[0].ops, &f->imp[0]);
	assert_non_null(a);		/* the check passed before the revoke */
	assert_true(dmb_revocable_is_revoked(re.rev));
	assert_null(dma_buf_map_attachment_unlocked(a, DMA_BIDIRECTIONAL));
	assert_int_equal(errno, ENODEV);
	assert_no_reports();
	dma_buf_detach(buf, a);
	dma_buf_put(buf);
	dmb_revocable_destroy(re.rev);
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
	struct late_unmap *lu = TH_NEW(struct late_unmap, {
		.rev = f->me.rev, .n = 1, .delay_ns = STEP_NS,
	});

	rimp_init(&f->imp[0], "late", RIMP_REVOCABLE, RIMP_UNMAP_LATER);
	attach_map(&f->imp[0], buf);
	assert_int_equal(dmb_revocable_unrevoke(f->me.rev), 0);
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 1);
	/* the revoke still waits for that mapping */
	lu->imp[0] = &f->imp[0];
	revoke_with_late_unmap(lu, NULL);
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

/* Signal the fence if the case is still blocked at the hang bound. */
static void *watchdog_fn(void *arg)
{
	struct watchdog *w = arg;

	if (!TH_WAIT_UNTIL(atomic_load(&w->done))) {
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
	struct watchdog *w = TH_NEW(struct watchdog, { .fence = mock_fence() });
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
	th_add_fence(buf, w->fence, DMA_RESV_USAGE_BOOKKEEP);
	t = th_thread_start(watchdog_fn, w);
	ret = dmb_revocable_revoke(f->me.rev, &st);
	atomic_store(&w->done, true);
	th_thread_join(t);
	assert_int_equal(ret, 0);
	assert_false(w->fired);
	assert_true(st.already_revoked);
	assert_int_equal(st.warnings, 0);
	assert_int_equal(st.forced, 0);
	assert_int_equal(f->imp[0].invalidate_calls, 1);
	assert_true(dmb_revocable_is_revoked(f->me.rev));
	/* the count did not go below zero (it would read as UINT_MAX) */
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 0);
	assert_no_reports();
	if (!dma_fence_is_signaled(w->fence))
		dma_fence_signal(w->fence);
	dma_fence_put(w->fence);

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
	struct revoker *r = TH_NEW(struct revoker, { .rev = f->me.rev });
	struct rimp *imp = &f->imp[0];
	struct th_thread *rt, *ct;
	int64_t unmap_at;

	rimp_init(imp, "late", RIMP_REVOCABLE, RIMP_UNMAP_LATER);
	attach_map(imp, buf);
	c->rev = f->me.rev;

	rt = th_thread_start(revoker_fn, r);
	/* invalidated and the lock dropped: the revoke is in step 6 */
	assert_true(TH_WAIT_UNTIL(atomic_load(&imp->invalidate_calls) >= 1 &&
				  !dma_resv_is_locked(resv)));
	th_sleep_ns(STEP_NS);
	ct = th_thread_start(caller_fn, c);
	th_sleep_ns(STEP_NS);
	assert_false(atomic_load(&r->returned));
	unmap_at = dmb_ktime_get_ns();
	rimp_unmap(imp);
	th_thread_join(rt);
	th_thread_join(ct);
	assert_int_equal(r->ret, 0);
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
	struct caller *c = TH_NEW(struct caller, { .call = CALL_REVOKE });

	call_during_revoke(*state, c);
	assert_true(c->stats.already_revoked);
}

/* R9: unrevoke while a revoke waits does not re-arm under it: it returns after the revoke completed. */
static void r9_unrevoke_waits_for_revoke_in_progress(void **state)
{
	struct caller *c = TH_NEW(struct caller, { .call = CALL_UNREVOKE });

	call_during_revoke(*state, c);
}

/* Locking: set_policy while a revoke waits is safe (no data race on the policy). */
static void set_policy_during_revoke(void **state)
{
	struct caller *c = TH_NEW(struct caller, { .call = CALL_SET_POLICY });

	call_during_revoke(*state, c);
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
	struct mapper *m = th_alloc(NR_MAPPERS * sizeof(*m));
	struct th_thread *t[NR_MAPPERS];
	struct race *race = th_alloc(sizeof(*race));

	for (int i = 0; i < NR_MAPPERS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "mapper%d", i);
		rimp_init(&f->imp[i], name, RIMP_REVOCABLE, RIMP_UNMAP_NOW);
		assert_non_null(rimp_attach(&f->imp[i], buf));
	}

	for (int round = 0; round < RACE_ROUNDS; round++) {
		atomic_init(&race->stop, false);
		atomic_init(&race->revoke_returned, false);
		memset(m, 0, NR_MAPPERS * sizeof(*m));
		for (int i = 0; i < NR_MAPPERS; i++) {
			m[i].race = race;
			m[i].imp = &f->imp[i];
			m[i].seed = 1234u + (unsigned int)(round * NR_MAPPERS + i);
			t[i] = th_thread_start(mapper_fn, &m[i]);
		}
		/* revoke while every mapper is busy mapping and unmapping */
		assert_true(TH_WAIT_UNTIL(all_mappers(m, false)));
		assert_int_equal(dmb_revocable_revoke(f->me.rev, NULL), 0);
		atomic_store(&race->revoke_returned, true);

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
		assert_true(TH_WAIT_UNTIL(all_mappers(m, true)));
		atomic_store(&race->stop, true);
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
	struct revoker *r = TH_NEW(struct revoker, { .rev = f->me.rev });
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

	t = th_thread_start(revoker_fn, r);
	assert_true(TH_WAIT_UNTIL(atomic_load(&imp->invalidate_calls) >= 1));
	assert_int_equal(dmb_check_map_state(token), DMB_MAP_INVALIDATED);
	/* (b) read-and-discard may still start; in-flight work may do both */
	assert_int_equal(dmb_check_dma(token, DMB_DMA_START_READ), 0);
	assert_int_equal(dmb_check_dma(token, DMB_DMA_READ), 0);
	assert_int_equal(dmb_check_dma(token, DMB_DMA_WRITE), 0);
	assert_int_equal(dmb_check_dma(token, DMB_DMA_START_WRITE), -EFAULT);
	th_claim_violation(DMB_V4_DMA_AFTER_INVALIDATE, "gpu0", "V4");
	assert_false(atomic_load(&r->returned));

	rimp_unmap(imp);
	th_thread_join(t);
	assert_int_equal(r->ret, 0);
	assert_int_equal(dmb_check_map_state(token), DMB_MAP_UNMAPPED);
	assert_int_equal(dmb_check_dma(token, DMB_DMA_START_READ), -EFAULT);
	th_claim_violation(DMB_V5_DMA_AFTER_UNMAP, "gpu0", "V5");
	assert_int_equal(dmb_check_dma(token, DMB_DMA_WRITE), -EFAULT);
	th_claim_violation(DMB_V5_DMA_AFTER_UNMAP, "gpu0", "V5");
	dmb_check_map_put(token);
	assert_no_reports();

	rimp_detach(imp);
	dma_buf_put(buf);
}

/* ---- stats --------------------------------------------------------------- */

/*
 * Holds the resv lock until the revoke waits for it (so its clock started),
 * then @hold_ns more.
 */
struct locker {
	struct dma_resv *resv;
	int64_t hold_ns;
	atomic_bool locked;
	bool timed_out;
};

static void *locker_fn(void *arg)
{
	struct locker *l = arg;

	dma_resv_lock(l->resv, NULL);
	atomic_store(&l->locked, true);
	if (!TH_WAIT_UNTIL(th_lock_waiters(&l->resv->lock) >= 1))
		l->timed_out = true;
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
	struct late_unmap *lu = TH_NEW(struct late_unmap, {
		.rev = f->me.rev, .n = 1, .delay_ns = 2 * STEP_NS,
	});
	struct locker *l = TH_NEW(struct locker, {
		.resv = dma_buf_resv(buf), .hold_ns = 2 * STEP_NS,
	});
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
	lu->imp[0] = &f->imp[NR_ODP];
	dma_fence_signal(done);
	th_add_fence(buf, done, DMA_RESV_USAGE_BOOKKEEP);

	/* step 1 has to wait for somebody else's lock session */
	t = th_thread_start(locker_fn, l);
	assert_true(TH_WAIT_UNTIL(atomic_load(&l->locked)));
	revoke_with_late_unmap(lu, &st);
	th_thread_join(t);
	assert_false(l->timed_out);
	assert_false(st.already_revoked);
	assert_int_equal(st.warnings, 0);
	assert_int_equal(st.forced, 0);
	assert_true(st.invalidate_ns > 0);
	assert_true(st.fence_wait_ns >= 0);
	assert_true(st.unmap_wait_ns > 0);
	/* the lock hold after the revoke blocked is in the total and in no phase */
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
		REV_TEST(r10_revoke_during_attach_caught_at_map),
		REV_TEST(r10_pin_without_pin_op_stays_revocable),
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
