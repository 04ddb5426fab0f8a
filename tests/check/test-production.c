// SPDX-License-Identifier: MIT
/*
 * test-production.c - production mode (debug.h): what it turns off, what it
 * keeps, and the one-way switch.
 *
 * The first case runs in debug mode, the default, and switches; every other
 * case switches (again) in its setup, so it runs in production mode alone
 * or after the first, as in a program started with DMABUF_DEBUG=0.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include <dmabuf/check.h>
#include <dmabuf/debug.h>
#include <dmabuf/dma-buf-revoke.h>
#include <dmabuf/dma-buf.h>
#include <dmabuf/lockdep.h>

#include "harness.h"
#include "mock-exporter.h"
#include "mock-fence.h"

struct fixture {
	struct mock_exporter me;
	struct mock_importer imp;
	struct dma_buf *buf;
	long live_before;
};

static int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->live_before = mock_exporter_live();
	*state = f;
	if (th_setup(state))
		return -1;
	dmb_check_reset();
	f->buf = mock_export(&f->me, "prod", 4096, MOCK_EXP_REVOCABLE);
	mock_importer_init(&f->imp, "dev0");
	return f->buf ? 0 : -1;
}

static int prod_setup(void **state)
{
	return dmb_debug_set(false) || fixture_setup(state);
}

static int prod_teardown(void **state)
{
	struct fixture *f = *state;
	long leaked;
	bool bad = f->me.ops_unlocked || f->me.ops_locked;

	dma_buf_put(f->buf);
	leaked = mock_exporter_live() - f->live_before;
	free(f);
	return th_teardown(state) || leaked || bad ? -1 : 0;
}

#define DEBUG_TEST(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, prod_teardown)
#define PROD_TEST(fn) cmocka_unit_test_setup_teardown(fn, prod_setup, prod_teardown)

/*
 * Debug mode, then the switch: a mapping made in debug mode keeps its token
 * (DMA through it is still checked) and unmaps cleanly in production mode;
 * the way back is refused.
 */
static void switch_keeps_live_mapping(void **state)
{
	struct fixture *f = *state;
	struct dma_buf_attachment *a;
	struct dmb_check_map *token;
	struct sg_table *sgt;
	struct dma_resv *resv = dma_buf_resv(f->buf);

	assert_true(dmb_debug_enabled());
	a = mock_importer_attach(&f->imp, f->buf, &mock_importer_ops_revocable);
	assert_non_null(a);
	sgt = dma_buf_map_attachment_unlocked(a, DMA_BIDIRECTIONAL);
	assert_non_null(sgt);
	assert_int_equal(dma_resv_lock(resv, NULL), 0);
	token = dma_buf_mapping_token(a, sgt);
	assert_non_null(token);
	assert_int_equal(dmb_lockdep_depth(), 1);	/* tracked */
	dma_resv_unlock(resv);

	assert_int_equal(dmb_debug_set(false), 0);
	assert_false(dmb_debug_enabled());
	assert_int_equal(dmb_debug_set(true), -EBUSY);
	assert_false(dmb_debug_enabled());

	dma_buf_unmap_attachment_unlocked(a, sgt, DMA_BIDIRECTIONAL);
	assert_int_equal(dmb_check_map_state(token), DMB_MAP_UNMAPPED);
	assert_int_equal(dmb_check_dma(token, DMB_DMA_READ), -EFAULT);
	assert_true(th_take_report(DMB_DIAG_VIOLATION, "V5"));
	dmb_check_map_put(token);
	mock_importer_detach(&f->imp);
}

/* No tokens: the core keeps its records, but no shadow state per mapping. */
static void no_mapping_tokens(void **state)
{
	struct fixture *f = *state;
	struct dma_resv *resv = dma_buf_resv(f->buf);
	struct dma_buf_attachment *a;
	struct sg_table *sgt;

	a = mock_importer_attach(&f->imp, f->buf, &mock_importer_ops_revocable);
	assert_non_null(a);
	assert_int_equal(dma_resv_lock(resv, NULL), 0);
	sgt = dma_buf_map_attachment(a, DMA_BIDIRECTIONAL);
	assert_non_null(sgt);
	errno = 0;
	assert_null(dma_buf_mapping_token(a, sgt));
	assert_int_equal(errno, EOPNOTSUPP);
	assert_int_equal(dma_buf_attachment_mapped(a), 1);
	dma_buf_unmap_attachment(a, sgt, DMA_BIDIRECTIONAL);
	assert_int_equal(dma_buf_attachment_mapped(a), 0);
	dma_resv_unlock(resv);
	assert_string_equal(f->me.log, "attach,map,unmap");
	mock_importer_detach(&f->imp);
}

/* No lock tracking: nothing is recorded, so nothing is asserted from it. */
static void no_lock_tracking(void **state)
{
	struct fixture *f = *state;
	struct dma_resv *resv = dma_buf_resv(f->buf);
	struct dma_fence *fence = mock_fence();

	assert_int_equal(dma_resv_lock(resv, NULL), 0);
	assert_int_equal(dmb_lockdep_depth(), 0);
	assert_false(dmb_lockdep_is_held(&resv->lock.dep_map));
	assert_true(dma_resv_held(resv));		/* the owner word still knows */
	dma_resv_unlock(resv);

	/* The fence-lock rule cannot be checked: the call is trusted. */
	dmb_fence_lock(fence);
	assert_false(dmb_fence_lock_held(fence));
	dmb_fence_assert_lock_held(fence);		/* quiet */
	assert_int_equal(dma_fence_signal_locked(fence), 0);
	dmb_fence_unlock(fence);
	assert_int_equal(dma_fence_get_status(fence), 1);
	dma_fence_put(fence);
}

/* What stays on: the resv lock rule (its owner word), V8, V9. */
static void lock_rule_and_core_checks_stay(void **state)
{
	struct fixture *f = *state;
	struct dma_buf_attachment *a;
	struct sg_table bogus = { 0 }, *sgt;

	a = mock_importer_attach(&f->imp, f->buf, &mock_importer_ops_revocable);
	assert_non_null(a);
	errno = 0;
	assert_null(dma_buf_map_attachment(a, DMA_BIDIRECTIONAL));
	assert_int_equal(errno, EINVAL);
	assert_true(th_take_report(DMB_DIAG_VIOLATION, "V2"));

	sgt = dma_buf_map_attachment_unlocked(a, DMA_BIDIRECTIONAL);
	assert_non_null(sgt);
	dma_buf_unmap_attachment_unlocked(a, &bogus, DMA_BIDIRECTIONAL);
	assert_true(th_take_report(DMB_DIAG_VIOLATION, "V8"));
	dma_buf_detach(f->buf, a);			/* with a live mapping */
	assert_true(th_take_report(DMB_DIAG_VIOLATION, "V9"));
	assert_int_equal(f->me.unmap_calls, 1);		/* cleaned up */
	f->imp.attach = NULL;
	f->imp.sgt = NULL;
	assert_int_equal(dmb_check_count(DMB_V2_MAP_UNLOCKED), 1);
	assert_int_equal(dmb_check_count(DMB_V8_BAD_UNMAP), 1);
	assert_int_equal(dmb_check_count(DMB_V9_BAD_DETACH_OR_PUT), 1);
}

/*
 * The map and unmap fast paths (no token, the attachment's inline record,
 * one key compare) against every other order: more mappings than the
 * inline record and the first record array hold, an unmap that is not the
 * newest, a direction that differs (reported, unmapped), a double unmap
 * and NULL (V8, refused), each table unmapped exactly once by the exporter.
 */
static void records_in_any_order(void **state)
{
	struct fixture *f = *state;
	struct dma_resv *resv = dma_buf_resv(f->buf);
	struct dma_buf_attachment *a;
	struct sg_table *s1, *s2, *s3;

	a = mock_importer_attach(&f->imp, f->buf, &mock_importer_ops_revocable);
	assert_non_null(a);
	assert_int_equal(dma_resv_lock(resv, NULL), 0);
	s1 = dma_buf_map_attachment(a, DMA_TO_DEVICE);
	s2 = dma_buf_map_attachment(a, DMA_FROM_DEVICE);
	s3 = dma_buf_map_attachment(a, DMA_BIDIRECTIONAL);	/* grows the array */
	assert_non_null(s1);
	assert_non_null(s2);
	assert_non_null(s3);
	assert_int_equal(dma_buf_attachment_mapped(a), 3);

	dma_buf_unmap_attachment(a, s3, DMA_TO_DEVICE);		/* newest, wrong direction */
	assert_true(th_take_report(DMB_DIAG_WARN, "differs"));
	assert_int_equal(dma_buf_attachment_mapped(a), 2);
	assert_int_equal(f->me.unmap_calls, 1);

	dma_buf_unmap_attachment(a, s1, DMA_TO_DEVICE);		/* not the newest */
	assert_int_equal(dma_buf_attachment_mapped(a), 1);
	assert_int_equal(f->me.unmap_calls, 2);

	dma_buf_unmap_attachment(a, s3, DMA_BIDIRECTIONAL);	/* again */
	assert_true(th_take_report(DMB_DIAG_VIOLATION, "V8"));
	dma_buf_unmap_attachment(a, NULL, DMA_FROM_DEVICE);
	assert_true(th_take_report(DMB_DIAG_VIOLATION, "V8"));
	assert_int_equal(dma_buf_attachment_mapped(a), 1);
	assert_int_equal(f->me.unmap_calls, 2);

	dma_buf_unmap_attachment(a, s2, DMA_FROM_DEVICE);
	assert_int_equal(dma_buf_attachment_mapped(a), 0);
	assert_int_equal(f->me.unmap_calls, 3);
	dma_buf_unmap_attachment(a, s1, DMA_TO_DEVICE);		/* the inline one, again */
	assert_true(th_take_report(DMB_DIAG_VIOLATION, "V8"));
	assert_int_equal(f->me.unmap_calls, 3);
	dma_resv_unlock(resv);
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 0);
	assert_int_equal(f->me.live_tables, 0);
	assert_int_equal(dmb_check_count(DMB_V8_BAD_UNMAP), 3);
	mock_importer_detach(&f->imp);
}

/*
 * An exporter whose map op maps the same attachment once more, from inside
 * (the resv lock is held: the nested call is legal), as a driver that maps
 * through the core on behalf of its importer could.
 */
struct nest {
	struct sg_table table[2];
	unsigned int maps, unmaps, live;
	bool nest_next;
	struct sg_table *inner;
};

static struct nest *nest_of(struct dma_buf_attachment *a)
{
	return dma_buf_priv(dma_buf_attachment_dmabuf(a));
}

static int nest_map(struct dma_buf_attachment *a, enum dma_data_direction dir,
		    struct sg_table **sgt)
{
	struct nest *n = nest_of(a);
	struct sg_table *mine = &n->table[n->maps++ % 2];

	if (n->nest_next) {
		n->nest_next = false;
		n->inner = dma_buf_map_attachment(a, dir);
	}
	n->live++;
	*sgt = mine;
	return 0;
}

static void nest_unmap(struct dma_buf_attachment *a, struct sg_table *sgt,
		       enum dma_data_direction dir)
{
	struct nest *n = nest_of(a);

	n->unmaps++;
	n->live--;
}

static void nest_release(struct dma_buf *buf)
{
}

static const struct dma_buf_ops nest_ops = {
	.map_dma_buf = nest_map,
	.unmap_dma_buf = nest_unmap,
	.release = nest_release,
};

/*
 * The map's fast path keeps the inline record vacant while the exporter's
 * op runs: a map made from inside the op gets its own record (in the
 * array), and neither call's record overwrites the other's, so both tables
 * unmap, each exactly once, and a third unmap is refused (V8).
 */
static void map_from_inside_map(void **state)
{
	struct nest *n = th_alloc(sizeof(*n));
	struct dma_buf_export_info info = {
		.exp_name = "nest", .ops = &nest_ops, .size = 4096, .priv = n,
	};
	struct device dev = { .name = "nest-dev" };
	struct dma_buf_attachment *a;
	struct sg_table *outer;
	struct dma_buf *buf;

	buf = dma_buf_export(&info);
	assert_non_null(buf);
	a = dma_buf_dynamic_attach(buf, &dev, &mock_importer_ops_revocable, NULL);
	assert_non_null(a);
	assert_int_equal(dma_resv_lock(dma_buf_resv(buf), NULL), 0);
	n->nest_next = true;
	outer = dma_buf_map_attachment(a, DMA_BIDIRECTIONAL);
	assert_non_null(outer);
	assert_non_null(n->inner);
	assert_ptr_not_equal(outer, n->inner);
	assert_int_equal(dma_buf_attachment_mapped(a), 2);

	dma_buf_unmap_attachment(a, outer, DMA_BIDIRECTIONAL);
	assert_int_equal(dma_buf_attachment_mapped(a), 1);
	dma_buf_unmap_attachment(a, n->inner, DMA_BIDIRECTIONAL);
	assert_int_equal(dma_buf_attachment_mapped(a), 0);
	assert_int_equal(n->unmaps, 2);
	dma_buf_unmap_attachment(a, outer, DMA_BIDIRECTIONAL);
	assert_true(th_take_report(DMB_DIAG_VIOLATION, "V8"));
	assert_int_equal(n->unmaps, 2);
	assert_int_equal(n->live, 0);
	dma_resv_unlock(dma_buf_resv(buf));
	dma_buf_detach(buf, a);
	dma_buf_put(buf);
}

/*
 * An exporter that hands out a table while revoked (V3), on the fast path:
 * the table is taken back, the map fails, and the inline record is free
 * for the next map once unrevoked.
 */
static void fast_map_while_revoked(void **state)
{
	struct fixture *f = *state;
	struct dma_resv *resv = dma_buf_resv(f->buf);
	struct dma_buf_attachment *a;
	struct sg_table *sgt;

	a = mock_importer_attach(&f->imp, f->buf, &mock_importer_ops_revocable);
	assert_non_null(a);
	assert_int_equal(dmb_revocable_revoke(f->me.rev, NULL), 0);
	f->me.buggy_map_while_revoked = true;
	assert_int_equal(dma_resv_lock(resv, NULL), 0);
	errno = 0;
	assert_null(dma_buf_map_attachment(a, DMA_BIDIRECTIONAL));
	assert_int_equal(errno, ENODEV);
	assert_true(th_take_report(DMB_DIAG_VIOLATION, "V3"));
	assert_int_equal(dma_buf_attachment_mapped(a), 0);
	assert_int_equal(f->me.live_tables, 0);
	dma_resv_unlock(resv);
	f->me.buggy_map_while_revoked = false;
	assert_int_equal(dmb_revocable_unrevoke(f->me.rev), 0);

	assert_int_equal(dma_resv_lock(resv, NULL), 0);
	sgt = dma_buf_map_attachment(a, DMA_BIDIRECTIONAL);
	assert_non_null(sgt);
	assert_int_equal(dma_buf_attachment_mapped(a), 1);
	dma_buf_unmap_attachment(a, sgt, DMA_BIDIRECTIONAL);
	assert_int_equal(dma_buf_attachment_mapped(a), 0);
	dma_resv_unlock(resv);
	assert_int_equal(f->me.live_tables, 0);
	mock_importer_detach(&f->imp);
}

/* A revoke works as in debug mode: invalidate, the importer unmaps, done. */
static void revoke_works(void **state)
{
	struct fixture *f = *state;
	struct dmb_revoke_stats st;

	f->imp.unmap_in_invalidate = true;
	assert_non_null(mock_importer_attach(&f->imp, f->buf,
					     &mock_importer_ops_revocable));
	assert_non_null(mock_importer_map(&f->imp));
	assert_int_equal(dmb_revocable_revoke(f->me.rev, &st), 0);
	assert_int_equal(f->imp.invalidate_calls, 1);
	assert_null(f->imp.sgt);
	assert_int_equal(dmb_revocable_mappings(f->me.rev), 0);
	assert_null(mock_importer_map(&f->imp));	/* revoked */
	assert_int_equal(dmb_revocable_unrevoke(f->me.rev), 0);
	assert_non_null(mock_importer_map(&f->imp));
	mock_importer_unmap(&f->imp);
	mock_importer_detach(&f->imp);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		DEBUG_TEST(switch_keeps_live_mapping),	/* first: debug mode */
		PROD_TEST(no_mapping_tokens),
		PROD_TEST(no_lock_tracking),
		PROD_TEST(lock_rule_and_core_checks_stay),
		PROD_TEST(records_in_any_order),
		PROD_TEST(map_from_inside_map),
		PROD_TEST(fast_map_while_revoked),
		PROD_TEST(revoke_works),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
