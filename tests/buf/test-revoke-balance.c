// SPDX-License-Identifier: MIT
/*
 * test-revoke-balance.c - the revoke helper against an exporter whose unmap
 * op lowers the helper's count once too often (issue #10, defect 1).
 *
 * The promise under test is R8's last line: when revoke returns, no
 * importer touches the memory. Each importer here keeps an independent
 * "accessing" marker: set once its map returned, cleared just before it
 * calls unmap. The revoking thread reads the marker the moment revoke
 * returns; it must be clear. The main thread waits for conditions (the
 * invalidate reached the importer, the report was raised), never for time.
 */
#include "revoke-fixture.h"

/* What the revoking thread shares with the case (th_alloc()ed). */
struct balance {
	struct dmb_revocable *rev;
	atomic_bool accessing;		/* the live importer's marker */
	atomic_bool returned;
	bool accessing_at_return;	/* the marker when revoke returned */
	int ret;
};

static void *balance_revoke_fn(void *arg)
{
	struct balance *b = arg;

	b->ret = dmb_revocable_revoke(b->rev, NULL);
	b->accessing_at_return = atomic_load(&b->accessing);
	atomic_store(&b->returned, true);
	return NULL;
}

/* Map @imp and raise the marker. */
static void map_accessing(struct balance *b, struct rimp *imp)
{
	assert_int_equal(rimp_map(imp), 0);
	atomic_store(&b->accessing, true);
}

/* Lower the marker, then unmap @imp: access ends before the unmap starts. */
static void unmap_accessing(struct balance *b, struct rimp *imp)
{
	atomic_store(&b->accessing, false);
	rimp_unmap(imp);
}

static unsigned int locked_core_mappings(struct rimp *imp)
{
	struct dma_resv *resv = dma_buf_resv(imp->dmabuf);
	unsigned int n;

	dma_resv_lock(resv, NULL);
	n = dma_buf_attachment_mapped(imp->attach);
	dma_resv_unlock(resv);
	return n;
}

/*
 * Defect 1 as reported: one unbalanced unmap while not revoked. It is
 * reported and refused, the count stays sane, and a revoke with a live
 * importer mapping waits for that importer's unmap.
 */
static void unbalanced_unmap_refused_and_revoke_waits(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = export_rev(f, 0, DMB_REVOKE_WARN_THEN_WAIT,
					 GENEROUS_NS, GENEROUS_NS);
	struct balance *b = th_alloc(sizeof(*b));
	struct rimp *first = &f->imp[0], *live = &f->imp[1];
	struct th_thread *t;

	b->rev = f->me.rev;
	rimp_init(first, "unbalanced", RIMP_REVOCABLE, RIMP_UNMAP_LATER);
	rimp_init(live, "live", RIMP_REVOCABLE, RIMP_UNMAP_LATER);
	attach_map(first, buf);
	assert_int_equal(dmb_revocable_mappings(b->rev), 1);

	f->me.extra_revocable_unmaps = 1;
	rimp_unmap(first);
	assert_int_equal(f->me.extra_revocable_unmaps, 0);	/* it did try */
	assert_true(th_take_report(DMB_DIAG_WARN,
				   "unbalanced dmb_revocable_unmap on bar0"));
	assert_int_equal(dmb_revocable_mappings(b->rev), 0);	/* not 4294967295 */

	assert_non_null(rimp_attach(live, buf));
	map_accessing(b, live);
	assert_int_equal(dmb_revocable_mappings(b->rev), 1);

	t = th_thread_start(balance_revoke_fn, b);
	assert_true(TH_WAIT_UNTIL(atomic_load(&live->invalidate_calls) >= 1));
	/* The importer still maps the buffer: revoke cannot have returned. */
	assert_false(atomic_load(&b->returned));
	unmap_accessing(b, live);
	th_thread_join(t);
	assert_int_equal(b->ret, 0);
	assert_false(b->accessing_at_return);
	assert_int_equal(dmb_revocable_mappings(b->rev), 0);
	assert_no_reports();

	rimp_detach(first);
	rimp_detach(live);
	dma_buf_put(buf);
}

/*
 * The unbalanced unmap the floor cannot see: another mapping is counted, so
 * the extra decrement leaves the helper's count looking sane but one short.
 * Revoke's cross-check with the core's own count reports it, naming the
 * buffer, and waits until the importer the count missed has unmapped.
 */
static void unbalanced_unmap_hidden_caught_by_core_count(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = export_rev(f, 0, DMB_REVOKE_WARN_THEN_WAIT,
					 GENEROUS_NS, GENEROUS_NS);
	struct balance *b = th_alloc(sizeof(*b));
	struct rimp *first = &f->imp[0], *live = &f->imp[1];
	struct th_thread *t;

	b->rev = f->me.rev;
	rimp_init(first, "unbalanced", RIMP_REVOCABLE, RIMP_UNMAP_LATER);
	rimp_init(live, "live", RIMP_REVOCABLE, RIMP_UNMAP_LATER);
	attach_map(first, buf);
	assert_non_null(rimp_attach(live, buf));
	map_accessing(b, live);
	assert_int_equal(dmb_revocable_mappings(b->rev), 2);

	f->me.extra_revocable_unmaps = 1;
	rimp_unmap(first);			/* lowers the count by two */
	assert_int_equal(f->me.extra_revocable_unmaps, 0);
	assert_int_equal(locked_core_mappings(live), 1);

	t = th_thread_start(balance_revoke_fn, b);
	assert_true(TH_WAIT_UNTIL(th_count_reports(DMB_DIAG_WARN) >= 1));
	assert_true(th_take_report(DMB_DIAG_WARN,
				   "revoke of bar0: the exporter's count says unmapped, but 1 mapping(s) are still live"));
	assert_false(atomic_load(&b->returned));
	unmap_accessing(b, live);
	th_thread_join(t);
	assert_int_equal(b->ret, 0);
	assert_false(b->accessing_at_return);
	/* The missed mapping's own unmap then finds nothing left to lower. */
	assert_true(th_take_report(DMB_DIAG_WARN,
				   "unbalanced dmb_revocable_unmap on bar0"));
	assert_no_reports();

	rimp_detach(first);
	rimp_detach(live);
	dma_buf_put(buf);
}

/* A second unbalanced unmap while revoked is refused at the floor of zero. */
static void unbalanced_unmap_while_revoked_refused(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = export_rev(f, 0, DMB_REVOKE_WARN_THEN_WAIT,
					 GENEROUS_NS, GENEROUS_NS);
	struct rimp *imp = &f->imp[0];

	rimp_init(imp, "odp", RIMP_REVOCABLE, RIMP_UNMAP_NOW);
	attach_map(imp, buf);
	f->me.extra_revocable_unmaps = 1;
	/* The unmap inside invalidate lowers the count twice: 2 -> 0, then refused. */
	assert_int_equal(dmb_revocable_revoke(f->me.rev, NULL), 0);
	assert_true(th_take_report(DMB_DIAG_WARN,
				   "unbalanced dmb_revocable_unmap on bar0"));
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 0);
	assert_no_reports();
	/* Unrevoke re-arms a sane count: one map, one unmap, a clean revoke. */
	assert_int_equal(dmb_revocable_unrevoke(f->me.rev), 0);
	assert_int_equal(rimp_map(imp), 0);
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 1);
	assert_int_equal(dmb_revocable_revoke(f->me.rev, NULL), 0);
	assert_false(rimp_mapped(imp));
	assert_no_reports();

	rimp_detach(imp);
	dma_buf_put(buf);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		REV_TEST(unbalanced_unmap_refused_and_revoke_waits),
		REV_TEST(unbalanced_unmap_hidden_caught_by_core_count),
		REV_TEST(unbalanced_unmap_while_revoked_refused),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
