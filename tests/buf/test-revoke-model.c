// SPDX-License-Identifier: MIT
/*
 * test-revoke-model.c - the counterexamples of the revoke model's mutants
 * (model/revoke.pml, docs/model.md), replayed against the library.
 *
 * SPIN kills each mutant with an interleaving; each case here forces that
 * interleaving on the real helper with threads and conditions it waits for
 * (never a sleep), and asserts what the mutant breaks. docs/model.md says
 * for each case how it fails on the buggy variant in C.
 *
 * Helper threads never assert: they record, the main thread asserts after
 * joining them.
 */
#include <sched.h>

#include "revoke-fixture.h"

/* Spin (yielding) until @expr holds or TH_HANG_NS passed (a hang guard); no sleeping. */
#define SPIN_UNTIL(expr) __extension__ ({						\
	int64_t __end = dmb_ktime_get_ns() + TH_HANG_NS;		\
	bool __ok;							\
	while (!(__ok = (expr)) && dmb_ktime_get_ns() < __end)		\
		sched_yield();						\
	__ok; })

/* The kernel's policy: wait without a bound, so no verdict depends on time. */
static struct dma_buf *export_waiting(struct fixture *f, unsigned int flags)
{
	return export_rev(f, flags, DMB_REVOKE_WAIT, 0, 0);
}

/*
 * MUT_DOUBLE_PUT: a reset revokes (the count's base reference goes, the
 * completion fires), then close revokes again. The second revoke must
 * neither drop the count again nor tell the importers again.
 */
static void double_put_close_after_revoke(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = export_waiting(f, 0);
	struct rimp *imp = &f->imp[0];
	struct dmb_revoke_stats stats;

	rimp_init(imp, "now", RIMP_REVOCABLE, RIMP_UNMAP_NOW);
	attach_map(imp, buf);

	assert_int_equal(dmb_revocable_revoke(f->me.rev, &stats), 0);	/* reset */
	assert_false(stats.already_revoked);
	assert_false(rimp_mapped(imp));
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 0);

	assert_int_equal(dmb_revocable_revoke(f->me.rev, &stats), 0);	/* close */
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 0);	/* no underflow */
	assert_true(stats.already_revoked);
	assert_int_equal(atomic_load(&imp->invalidate_calls), 1);
	assert_no_reports();

	rimp_detach(imp);
	dma_buf_put(buf);
}

/*
 * MUT_REARM_LATE: a map that races the unrevoke and wins as soon as
 * "revoked" clears must be counted into the fresh round, so that the next
 * revoke waits for its unmap. The racer spins on is_revoked and maps at
 * once; on a variant that re-arms after dropping the lock the map lands in
 * the window (or TSan reports the unlocked re-arm racing the map's count).
 */
struct racer {
	struct rimp *imp;
	struct dmb_revocable *rev;
	int ret;
	bool timed_out;
};

static void *racer_fn(void *arg)
{
	struct racer *r = arg;

	if (!SPIN_UNTIL(!dmb_revocable_is_revoked(r->rev)))
		r->timed_out = true;
	r->ret = rimp_map(r->imp);
	return NULL;
}

static void rearm_before_reopen(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = export_waiting(f, 0);
	struct rimp *imp = &f->imp[0];
	struct racer *r = TH_NEW(struct racer, { .imp = imp, .rev = f->me.rev });
	struct revoker *rv = TH_NEW(struct revoker, { .rev = f->me.rev });
	struct th_thread *t;

	rimp_init(imp, "racer", RIMP_REVOCABLE, RIMP_UNMAP_LATER);
	assert_non_null(rimp_attach(imp, buf));
	assert_int_equal(dmb_revocable_revoke(f->me.rev, NULL), 0);

	t = th_thread_start(racer_fn, r);
	assert_int_equal(dmb_revocable_unrevoke(f->me.rev), 0);
	th_thread_join(t);
	assert_false(r->timed_out);
	assert_int_equal(r->ret, 0);
	/* Counted into the new round: one mapping, on top of the base reference. */
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 1);

	/* And the next revoke waits for it: it returns only after the unmap. */
	t = th_thread_start(revoker_fn, rv);
	assert_true(SPIN_UNTIL(atomic_load(&imp->invalidate_mapped) == 1));
	assert_false(atomic_load(&rv->returned));
	rimp_unmap(imp);
	th_thread_join(t);
	assert_int_equal(rv->ret, 0);
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 0);
	assert_no_reports();

	rimp_detach(imp);
	dma_buf_put(buf);
}

/*
 * A job fence that tells the test when someone starts waiting for it: the
 * core calls enable_signaling the first time a waiter needs to hear of it.
 */
struct job_fence {
	struct dma_fence base;
	atomic_bool waited;
};

static const char *job_driver_name(struct dma_fence *fence)
{
	return "model-job";
}

static const char *job_timeline_name(struct dma_fence *fence)
{
	return "model-job-timeline";
}

static bool job_enable_signaling(struct dma_fence *fence)
{
	struct job_fence *job = dmb_container_of(fence, struct job_fence, base);

	atomic_store(&job->waited, true);
	return true;
}

static const struct dma_fence_ops job_fence_ops = {
	.get_driver_name = job_driver_name,
	.get_timeline_name = job_timeline_name,
	.enable_signaling = job_enable_signaling,
};

/*
 * MUT_NO_FENCE_WAIT: the importer unmaps inside invalidate_mappings while
 * its job still runs. The revoke must be found waiting for the job's fence,
 * not returned, until the job signals. (It holds the resv lock meanwhile:
 * the test must not take it before the signal.)
 */
static void fence_wait_outlives_unmap(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = export_waiting(f, 0);
	struct rimp *imp = &f->imp[0];
	struct job_fence *job = calloc(1, sizeof(*job));
	struct revoker *rv = TH_NEW(struct revoker, { .rev = f->me.rev });
	struct th_thread *t;

	assert_non_null(job);
	dma_fence_init(&job->base, &job_fence_ops, NULL, dma_fence_context_alloc(1), 1);
	rimp_init(imp, "now", RIMP_REVOCABLE, RIMP_UNMAP_NOW);
	attach_map(imp, buf);
	th_add_fence(buf, &job->base, DMA_RESV_USAGE_BOOKKEEP);

	t = th_thread_start(revoker_fn, rv);
	/* Either the revoke waits for the job, or (the bug) it returned. */
	assert_true(SPIN_UNTIL(atomic_load(&job->waited) || atomic_load(&rv->returned)));
	assert_false(atomic_load(&rv->returned));
	assert_true(atomic_load(&job->waited));

	assert_int_equal(dma_fence_signal(&job->base), 0);
	th_thread_join(t);
	assert_int_equal(rv->ret, 0);
	assert_int_equal(atomic_load(&imp->invalidate_mapped), 1);
	assert_false(rimp_mapped(imp));		/* unmapped before the job ended */
	assert_true(dma_resv_test_signaled(dma_buf_resv(buf), DMA_RESV_USAGE_BOOKKEEP));
	assert_no_reports();

	dma_fence_put(&job->base);
	rimp_detach(imp);
	dma_buf_put(buf);
}

/*
 * MUT_LATE_INVALIDATE: an importer that learns of the revoke (is_revoked)
 * submits a job on its mapping if that mapping is still valid. Invalidate
 * and the fence wait happen under the lock the revoke took in step 1, so
 * the importer gets the lock only once its mapping is gone and never
 * submits; a job submitted in a gap would run after the revoke returned.
 */
struct submitter {
	struct rimp *imp;
	struct dmb_revocable *rev;
	struct dma_fence *job;		/* the job it submitted, if any */
	bool timed_out;
};

static void *submitter_fn(void *arg)
{
	struct submitter *s = arg;
	struct dma_resv *resv = dma_buf_resv(s->imp->dmabuf);

	if (!SPIN_UNTIL(dmb_revocable_is_revoked(s->rev)))
		s->timed_out = true;
	dma_resv_lock(resv, NULL);
	if (s->imp->sgt && !atomic_load(&s->imp->invalidate_calls) &&
	    dma_resv_reserve_fences(resv, 1) == 0) {
		s->job = mock_fence();
		dma_resv_add_fence(resv, s->job, DMA_RESV_USAGE_BOOKKEEP);
	}
	dma_resv_unlock(resv);
	return NULL;
}

static void invalidate_before_unlock(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = export_waiting(f, 0);
	struct rimp *imp = &f->imp[0];
	struct submitter *s = TH_NEW(struct submitter, { .imp = imp, .rev = f->me.rev });
	struct th_thread *t;
	bool idle;

	rimp_init(imp, "now", RIMP_REVOCABLE, RIMP_UNMAP_NOW);
	attach_map(imp, buf);

	t = th_thread_start(submitter_fn, s);
	assert_int_equal(dmb_revocable_revoke(f->me.rev, NULL), 0);
	idle = dma_resv_test_signaled(dma_buf_resv(buf), DMA_RESV_USAGE_BOOKKEEP);
	th_thread_join(t);
	if (s->job) {
		dma_fence_signal(s->job);
		dma_fence_put(s->job);
	}
	assert_false(s->timed_out);
	assert_null(s->job);		/* no job on a mapping the revoke took */
	assert_true(idle);		/* no job running when revoke returned */
	assert_false(rimp_mapped(imp));
	assert_no_reports();

	rimp_detach(imp);
	dma_buf_put(buf);
}

/*
 * MUT_ADMIT_PINNED: an exporter that revokes as a normal operation refuses
 * every importer that cannot be told (R10); otherwise its revoke waits for
 * an unmap that may never come. Then a revoke with the revocable importer
 * returns.
 */
static void pinned_importer_refused(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf;
	struct rimp *pinned = &f->imp[0], *dynamic = &f->imp[1], *now = &f->imp[2];

	buf = export_waiting(f, MOCK_EXP_PIN);
	f->me.revocable_flags = DMB_REVOCABLE_REQUIRE_REVOCABLE;
	rimp_init(pinned, "pinned", RIMP_STATIC, RIMP_UNMAP_NOW);
	rimp_init(dynamic, "unrevocable", RIMP_DYNAMIC, RIMP_UNMAP_NOW);
	rimp_init(now, "now", RIMP_REVOCABLE, RIMP_UNMAP_NOW);

	assert_null(rimp_attach(pinned, buf));
	assert_int_equal(errno, EOPNOTSUPP);
	assert_null(rimp_attach(dynamic, buf));
	assert_int_equal(errno, EOPNOTSUPP);
	attach_map(now, buf);

	assert_int_equal(dmb_revocable_revoke(f->me.rev, NULL), 0);
	assert_false(rimp_mapped(now));
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 0);
	assert_no_reports();

	rimp_detach(now);
	dma_buf_put(buf);
}

/*
 * MUT_UNLOCKED_UNMAP: the importer's own thread unmaps after the invalidate
 * without the resv lock, while the revoke drops its base reference. The
 * core reports V2 and refuses the call, so no unlocked count update can
 * race the revoke's; the importer's proper unmap follows and the revoke
 * returns once, after it, with nothing left.
 */
struct unlocked_unmapper {
	struct rimp *imp;
	struct sg_table *sgt;
	bool timed_out;
};

static void *unlocked_unmapper_fn(void *arg)
{
	struct unlocked_unmapper *u = arg;

	if (!SPIN_UNTIL(atomic_load(&u->imp->invalidate_mapped) == 1))
		u->timed_out = true;
	/* Without the lock the locked unmap is refused (V2) and changes
	 * nothing, so no count update can race the revoke's; the importer then
	 * unmaps the right way. */
	dma_buf_unmap_attachment(u->imp->attach, u->sgt, DMA_BIDIRECTIONAL);
	dma_buf_unmap_attachment_unlocked(u->imp->attach, u->sgt, DMA_BIDIRECTIONAL);
	return NULL;
}

static void unlocked_unmap_serialised(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = export_waiting(f, 0);
	struct rimp *imp = &f->imp[0];
	struct unlocked_unmapper *u = TH_NEW(struct unlocked_unmapper, { .imp = imp });
	struct revoker *rv = TH_NEW(struct revoker, { .rev = f->me.rev });
	struct th_thread *tu, *tr;

	rimp_init(imp, "later", RIMP_REVOCABLE, RIMP_UNMAP_LATER);
	attach_map(imp, buf);
	u->sgt = imp->sgt;

	tu = th_thread_start(unlocked_unmapper_fn, u);
	tr = th_thread_start(revoker_fn, rv);
	th_thread_join(tu);
	th_thread_join(tr);
	imp->sgt = NULL;
	assert_false(u->timed_out);
	assert_int_equal(rv->ret, 0);
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 0);
	assert_false(rimp_mapped(imp));
	th_claim_violation(DMB_V2_MAP_UNLOCKED, "later", "without the buffer's resv lock");
	assert_no_reports();

	rimp_detach(imp);
	dma_buf_put(buf);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		REV_TEST(double_put_close_after_revoke),
		REV_TEST(rearm_before_reopen),
		REV_TEST(fence_wait_outlives_unmap),
		REV_TEST(invalidate_before_unlock),
		REV_TEST(pinned_importer_refused),
		REV_TEST(unlocked_unmap_serialised),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
