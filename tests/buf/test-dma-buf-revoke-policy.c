// SPDX-License-Identifier: MIT
/*
 * test-dma-buf-revoke-policy.c - the revoke helper's wait policies at the
 * bounds (R11): warn-then-wait names every revocable importer still mapped
 * (V6) and every pending fence (V7) and keeps waiting, a pinned importer
 * gets a notice instead, the wait policy is silent, and deadline-force tears
 * the remaining mappings down (a later unmap is V8) but never forces fences.
 */
#include <sys/prctl.h>

#include <dmabuf/debug.h>

#include "revoke-fixture.h"

/* ---- R11: the wait policies at the unmap bound --------------------------- */

/* R11/V6: warn-then-wait: one V6 naming the importer that did not unmap, then the revoke completes after its unmap. */
static void v6_warn_then_wait_names_importer(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = export_rev(f, 0, DMB_REVOKE_WARN_THEN_WAIT,
					 BOUND_NS, GENEROUS_NS);
	struct late_unmap *lu = TH_NEW(struct late_unmap, {
		.rev = f->me.rev, .n = 1, .delay_ns = LATE_NS,
		.wait_violation = DMB_V6_UNMAP_TIMEOUT,
	});
	struct dmb_revoke_stats st;
	int slack = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);

	rimp_init(&f->imp[0], "good-odp", RIMP_REVOCABLE, RIMP_UNMAP_NOW);
	rimp_init(&f->imp[1], "lazy-importer", RIMP_REVOCABLE, RIMP_UNMAP_LATER);
	attach_map(&f->imp[0], buf);
	attach_map(&f->imp[1], buf);
	lu->imp[0] = &f->imp[1];

	/* The bounded waits run without timer slack, and give the caller's back. */
	assert_int_equal(prctl(PR_SET_TIMERSLACK, 123457UL, 0, 0, 0), 0);
	revoke_with_late_unmap(lu, &st);
	assert_int_equal(prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0), 123457);
	assert_int_equal(prctl(PR_SET_TIMERSLACK, (unsigned long)slack, 0, 0, 0), 0);
	assert_true(st.warnings >= 1);
	assert_int_equal(st.forced, 0);
	assert_true(st.unmap_wait_ns >= BOUND_NS);
	th_claim_violation(DMB_V6_UNMAP_TIMEOUT, "lazy-importer", "lazy-importer");
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
	struct late_unmap *lu = TH_NEW(struct late_unmap, {
		.rev = f->me.rev, .n = 1, .delay_ns = STEP_NS,
		.wait_violation = DMB_V6_UNMAP_TIMEOUT,
	});

	assert_true(f->bounds.unmap_ns >= 10 * BOUND_NS);
	assert_int_equal(dmb_check_set_bounds(&small), 0);
	rimp_init(&f->imp[0], "slow-gpu", RIMP_REVOCABLE, RIMP_UNMAP_LATER);
	attach_map(&f->imp[0], buf);
	lu->imp[0] = &f->imp[0];

	revoke_with_late_unmap(lu, NULL);
	/* the report names the bound it used: the checker's, not the default */
	th_claim_violation(DMB_V6_UNMAP_TIMEOUT, "slow-gpu",
			   "still live 20 ms after invalidate");
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
	struct late_unmap *lu = TH_NEW(struct late_unmap, {
		.rev = f->me.rev, .n = 1, .delay_ns = STEP_NS, .wait_notice = true,
	});
	struct dmb_revoke_stats st;
	struct rimp *imp = &f->imp[0];

	rimp_init(imp, "rdma-mr0", RIMP_STATIC, RIMP_UNMAP_LATER);
	attach_map(imp, buf);
	assert_int_equal(f->me.pin_count, 1);	/* R3: pinned by map */
	lu->imp[0] = imp;

	revoke_with_late_unmap(lu, &st);
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
	struct late_unmap *lu = TH_NEW(struct late_unmap, {
		.rev = f->me.rev, .n = 1, .delay_ns = LATE_NS,
	});
	struct dmb_revoke_stats st;

	rimp_init(&f->imp[0], "lazy-importer", RIMP_REVOCABLE, RIMP_UNMAP_LATER);
	attach_map(&f->imp[0], buf);
	lu->imp[0] = &f->imp[0];

	revoke_with_late_unmap(lu, &st);
	assert_true(st.total_ns >= LATE_NS);
	assert_int_equal(st.warnings, 0);
	assert_int_equal(st.forced, 0);
	assert_no_reports();
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 0);
	rimp_detach(&f->imp[0]);
	dma_buf_put(buf);
}

/*
 * R11/V6/V8: deadline-force tears the stuck mapping down through the
 * exporter; the importer's late unmap is V8. With @tokens (debug mode) the
 * mapping's token goes unmapped too; without (production mode) the
 * mappings are the attachments' inline records of the map's fast path.
 */
static void deadline_force(void **state, bool tokens)
{
	struct fixture *f = *state;
	struct dma_buf *buf = export_rev(f, 0, DMB_REVOKE_DEADLINE_FORCE,
					 BOUND_NS, GENEROUS_NS);
	struct dma_resv *resv = dma_buf_resv(buf);
	struct rimp *good = &f->imp[0], *stuck = &f->imp[1];
	struct revoker *r = TH_NEW(struct revoker, { .rev = f->me.rev });
	struct dmb_revoke_stats st;
	struct dmb_check_map *token = NULL;
	struct th_thread *t;
	bool forced_in_time;

	rimp_init(good, "good-odp", RIMP_REVOCABLE, RIMP_UNMAP_NOW);
	rimp_init(stuck, "stuck-importer", RIMP_REVOCABLE, RIMP_UNMAP_LATER);
	attach_map(good, buf);
	attach_map(stuck, buf);
	if (tokens) {
		dma_resv_lock(resv, NULL);
		token = dma_buf_mapping_token(stuck->attach, stuck->sgt);
		dma_resv_unlock(resv);
		assert_non_null(token);
	}

	/*
	 * Nobody unmaps "stuck": only the deadline ends this revoke. Should
	 * it not, unmap at the hang bound so the case fails instead of hanging.
	 */
	t = th_thread_start(revoker_fn, r);
	forced_in_time = TH_WAIT_UNTIL(atomic_load(&r->returned));
	if (!forced_in_time)
		rimp_unmap(stuck);
	th_thread_join(t);
	assert_true(forced_in_time);
	assert_int_equal(r->ret, 0);
	st = r->stats;
	assert_int_equal(st.forced, 1);
	assert_true(st.warnings >= 1);
	th_claim_violation(DMB_V6_UNMAP_TIMEOUT, "stuck-importer", "stuck-importer");
	assert_int_equal(f->me.unmap_calls, 2);	/* good's own, stuck's forced */
	assert_true(f->me.unmap_saw_lock);
	assert_int_equal(f->me.live_tables, 0);
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 0);
	if (tokens)
		assert_int_equal(dmb_check_map_state(token), DMB_MAP_UNMAPPED);

	/* the importer comes back to a table that is gone */
	dma_resv_lock(resv, NULL);
	assert_int_equal(dma_buf_attachment_mapped(stuck->attach), 0);
	dma_buf_unmap_attachment(stuck->attach, stuck->sgt, DMA_BIDIRECTIONAL);
	stuck->sgt = NULL;
	dma_resv_unlock(resv);
	th_claim_violation(DMB_V8_BAD_UNMAP, "stuck-importer", "force-revoke");
	assert_int_equal(f->me.unmap_calls, 2);	/* not passed to the exporter */

	/* and its DMA through the dead mapping faults (V5) */
	if (tokens) {
		assert_int_equal(dmb_check_dma(token, DMB_DMA_START_READ), -EFAULT);
		th_claim_violation(DMB_V5_DMA_AFTER_UNMAP, "stuck-importer", "force-revoked");
		dmb_check_map_put(token);
	}
	assert_no_reports();

	rimp_detach(good);
	rimp_detach(stuck);
	dma_buf_put(buf);
}

static void deadline_force_tears_down(void **state)
{
	deadline_force(state, true);
}

/* Production mode: last in the list, as the switch is one-way. */
static void deadline_force_tears_down_production(void **state)
{
	assert_int_equal(dmb_debug_set(false), 0);
	deadline_force(state, false);
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

	if (!TH_WAIT_UNTIL(dmb_revocable_is_revoked(s->rev)))
		s->timed_out = true;
	if (s->wait_v7 &&
	    !TH_WAIT_UNTIL(dmb_check_count(DMB_V7_FENCE_TIMEOUT) >= 1))
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
	struct signaller *s = TH_NEW(struct signaller, {
		.rev = f->me.rev, .resv = dma_buf_resv(buf), .fence = mock_fence(),
		.wait_v7 = expect_v7, .delay_ns = LATE_NS,
	});
	struct dmb_revoke_stats st;
	struct th_thread *t;
	int64_t returned_at;
	int ret;

	rimp_init(&f->imp[0], "gpu", RIMP_REVOCABLE, RIMP_UNMAP_NOW);
	attach_map(&f->imp[0], buf);
	th_add_fence(buf, s->fence, DMA_RESV_USAGE_BOOKKEEP);

	t = th_thread_start(signaller_fn, s);
	ret = dmb_revocable_revoke(f->me.rev, &st);
	returned_at = dmb_ktime_get_ns();
	atomic_store(&s->revoke_returned, true);
	th_thread_join(t);
	assert_int_equal(ret, 0);
	assert_false(s->timed_out);
	assert_false(s->returned_early);
	assert_true(s->resv_locked);
	assert_true(returned_at >= s->signalled_at);
	assert_true(dma_fence_is_signaled(s->fence));
	if (expect_v7) {
		/* the delay started after the report, inside the fence wait */
		assert_true(st.fence_wait_ns >= BOUND_NS + LATE_NS);
		assert_int_equal(st.warnings, 1);
		th_claim_violation(DMB_V7_FENCE_TIMEOUT, NULL, "mock-timeline");
	} else {
		assert_true(st.total_ns >= LATE_NS);
		assert_int_equal(st.warnings, 0);
	}
	assert_int_equal(st.forced, 0);
	assert_no_reports();
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 0);

	dma_fence_put(s->fence);
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

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		REV_TEST(v6_warn_then_wait_names_importer),
		REV_TEST(v6_policy_zero_takes_checker_bound),
		REV_TEST(notice_for_pinned_static_importer),
		REV_TEST(wait_policy_is_silent),
		REV_TEST(deadline_force_tears_down),
		REV_TEST(v7_fence_warn_then_wait),
		REV_TEST(v7_fence_not_forced),
		REV_TEST(fence_wait_policy_is_silent),
		REV_TEST(deadline_force_tears_down_production),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
