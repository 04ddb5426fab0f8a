// SPDX-License-Identifier: MIT
/*
 * test-dma-buf.c - the dma-buf core against its contract (dma-buf.h) and
 * the rules of the protocol: export, references, attach, pin-on-map,
 * invalidate, the lock rules of map/unmap, the violations the core reports
 * itself (V1-V3, V8, V9), mapping tokens, CPU access, vmap and the dump.
 *
 * Every case runs with a mock exporter that counts and logs its ops and
 * checks each op's lock context, so the cases assert exactly which exporter
 * ops ran, in which order, and under which lock. The fixture checks at the
 * end that every buffer was released and every fence freed.
 */
#include <errno.h>
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

#define NR_EXP	2
#define NR_IMP	4

struct fixture {
	struct mock_exporter exp[NR_EXP];
	struct mock_importer imp[NR_IMP];
	long exp_live_before;
	long fence_live_before;
	const void *row;	/* a table-driven case's data, or NULL */
};

/* @state holds the case's row, if any (cmocka's initial state). */
static int buf_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->row = *state;
	f->exp_live_before = mock_exporter_live();
	f->fence_live_before = mock_fence_live();
	for (int i = 0; i < NR_IMP; i++) {
		static const char *const names[NR_IMP] = { "dev0", "dev1", "dev2", "dev3" };

		mock_importer_init(&f->imp[i], names[i]);
	}
	dmb_check_reset();
	*state = f;
	return th_setup(state);
}

static int buf_teardown(void **state)
{
	struct fixture *f = *state;
	long bufs, fences;
	int bad = 0;

	th_teardown_threads();
	bufs = mock_exporter_live() - f->exp_live_before;
	fences = mock_fence_live() - f->fence_live_before;
	if (bufs) {
		print_error("%ld mock buffers not released\n", bufs);
		bad = 1;
	}
	if (fences) {
		print_error("%ld mock fences leaked\n", fences);
		bad = 1;
	}
	for (int i = 0; i < NR_EXP; i++) {
		struct mock_exporter *me = &f->exp[i];

		/* The lock context of every exporter op (dma-buf.h convention). */
		if (me->ops_unlocked || me->ops_locked) {
			print_error("exporter %d: %u ops ran without the resv lock, "
				    "%u with it against the convention (log: %s)\n",
				    i, me->ops_unlocked, me->ops_locked, me->log);
			bad = 1;
		}
		if (me->live_tables) {
			print_error("exporter %d: %d tables never taken back\n",
				    i, me->live_tables);
			bad = 1;
		}
	}
	for (int i = 0; i < NR_IMP; i++) {
		if (f->imp[i].invalidate_unlocked) {
			print_error("importer %d: invalidate_mappings ran without the resv lock\n", i);
			bad = 1;
		}
	}
	/*
	 * A failed case can leave buffers behind that point into the fixture
	 * (exporter priv, importer devices); keep it then, so later cases that
	 * walk every live buffer (the dump) do not trip over freed memory.
	 */
	if (!bufs)
		free(f);
	return th_teardown(state) || bad ? -1 : 0;
}

#define BUF_TEST(fn) cmocka_unit_test_setup_teardown(fn, buf_setup, buf_teardown)
/* One case per row of a table: the row's name, its data in f->row. */
#define BUF_ROW(fn, row) { (row).name, fn, buf_setup, buf_teardown, (void *)&(row) }

/*
 * Claim exactly @n violations of @kind, and no other kind: the counts come
 * from the checker, the reports from the harness sink.
 */
static void expect_violations(enum dmb_violation kind, unsigned long n)
{
	assert_int_equal(dmb_check_count(kind), n);
	assert_int_equal(dmb_check_total(), n);
	for (unsigned long i = 0; i < n; i++)
		assert_true(th_take_report(DMB_DIAG_VIOLATION, dmb_violation_name(kind)));
	assert_int_equal(th_count_reports(DMB_DIAG_VIOLATION), 0);
	dmb_check_reset();
}

/* Claim exactly one WARN (any message) and nothing else; @what names the call. */
#define EXPECT_ONE_WARN(what) do {					\
	if (th_count_reports(DMB_DIAG_WARN) != 1 ||			\
	    th_count_reports(DMB_DIAG_VIOLATION))			\
		print_error("after %s:\n", what);			\
	assert_int_equal(th_count_reports(DMB_DIAG_WARN), 1);		\
	assert_true(th_take_report(DMB_DIAG_WARN, NULL));		\
	assert_int_equal(th_count_reports(DMB_DIAG_VIOLATION), 0);	\
} while (0)

static unsigned int mapped(struct dma_buf_attachment *attach)
{
	struct dma_resv *resv = dma_buf_resv(dma_buf_attachment_dmabuf(attach));
	unsigned int n;

	assert_int_equal(dma_resv_lock(resv, NULL), 0);
	n = dma_buf_attachment_mapped(attach);
	dma_resv_unlock(resv);
	return n;
}

static void add_fence(struct dma_resv *resv, struct dma_fence *fence,
		      enum dma_resv_usage usage)
{
	assert_int_equal(dma_resv_lock(resv, NULL), 0);
	assert_int_equal(dma_resv_reserve_fences(resv, 1), 0);
	dma_resv_add_fence(resv, fence, usage);
	dma_resv_unlock(resv);
}

/* ---- export and references ------------------------------------------ */

/* export: one reference; the accessors return what was exported; no op runs. */
static void export_accessors(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "heap", 4096, 0);

	assert_int_equal(dma_buf_size(buf), 4096);
	assert_ptr_equal(dma_buf_priv(buf), me);
	assert_string_equal(dma_buf_exporter_name(buf), "heap");
	assert_string_equal(dma_buf_name(buf), "heap");
	assert_non_null(dma_buf_resv(buf));
	assert_false(dma_resv_is_locked(dma_buf_resv(buf)));
	assert_string_equal(me->log, "");
	dma_buf_put(buf);
	assert_string_equal(me->log, "release");
}

/* export with a shared resv uses it, and release leaves it to its owner. */
static void export_shared_resv(void **state)
{
	struct fixture *f = *state;
	struct dma_resv resv;
	struct dma_buf *buf;

	dma_resv_init(&resv);
	buf = mock_export_resv(&f->exp[0], "shared", 4096, 0, &resv);
	assert_ptr_equal(dma_buf_resv(buf), &resv);
	dma_buf_put(buf);
	assert_int_equal(f->exp[0].release_calls, 1);
	/* still ours and still usable: the core did not fini it */
	assert_int_equal(dma_resv_lock(&resv, NULL), 0);
	dma_resv_unlock(&resv);
	dma_resv_fini(&resv);
}

/* Placeholder ops for export validation: never called. */
static void no_release(struct dma_buf *dmabuf)
{
}

static int no_map(struct dma_buf_attachment *a, enum dma_data_direction d,
		  struct sg_table **sgt)
{
	return -ENOSYS;
}

static void no_unmap(struct dma_buf_attachment *a, struct sg_table *sgt,
		     enum dma_data_direction d)
{
}

static int no_pin(struct dma_buf_attachment *a)
{
	return 0;
}

static int no_vmap(struct dma_buf *b, void **v)
{
	return -ENOSYS;
}

/* export refuses missing required ops, size 0 and no name: NULL, EINVAL, one WARN. */
static void export_rejects_invalid(void **state)
{
	static const struct dma_buf_ops no_map_op = {
		.unmap_dma_buf = no_unmap, .release = no_release,
	};
	static const struct dma_buf_ops no_unmap_op = {
		.map_dma_buf = no_map, .release = no_release,
	};
	static const struct dma_buf_ops no_release_op = {
		.map_dma_buf = no_map, .unmap_dma_buf = no_unmap,
	};
	static const struct dma_buf_ops pin_without_unpin = {
		.map_dma_buf = no_map, .unmap_dma_buf = no_unmap,
		.release = no_release, .pin = no_pin,
	};
	static const struct dma_buf_ops vmap_without_vunmap = {
		.map_dma_buf = no_map, .unmap_dma_buf = no_unmap,
		.release = no_release, .vmap = no_vmap,
	};
	const struct {
		const char *what;
		struct dma_buf_export_info info;
	} cases[] = {
		{ "no map_dma_buf", { "x", &no_map_op, 4096, NULL, NULL } },
		{ "no unmap_dma_buf", { "x", &no_unmap_op, 4096, NULL, NULL } },
		{ "no release", { "x", &no_release_op, 4096, NULL, NULL } },
		{ "pin without unpin", { "x", &pin_without_unpin, 4096, NULL, NULL } },
		{ "vmap without vunmap", { "x", &vmap_without_vunmap, 4096, NULL, NULL } },
		{ "no ops", { "x", NULL, 4096, NULL, NULL } },
		{ "size 0", { "x", &mock_exporter_ops_minimal, 0, NULL, NULL } },
		{ "no exporter name", { NULL, &mock_exporter_ops_minimal, 4096, NULL, NULL } },
	};

	for (size_t i = 0; i < DMB_ARRAY_SIZE(cases); i++) {
		print_message("# %s\n", cases[i].what);
		errno = 0;
		assert_null(dma_buf_export(&cases[i].info));
		assert_int_equal(errno, EINVAL);
		EXPECT_ONE_WARN(cases[i].what);
	}
}

/* R16: the buffer is released exactly on the last put, never before. */
static void release_on_last_put(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "heap", 4096, 0);

	get_dma_buf(buf);
	get_dma_buf(buf);
	dma_buf_put(buf);
	dma_buf_put(buf);
	assert_int_equal(me->release_calls, 0);
	assert_int_equal(mock_exporter_live(), f->exp_live_before + 1);
	dma_buf_put(buf);
	assert_int_equal(me->release_calls, 1);
	assert_int_equal(mock_exporter_live(), f->exp_live_before);
}

/* V9: a put of a released buffer is reported and ignored (no use after free). */
static void v9_put_after_release(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "heap", 4096, 0);

	dma_buf_put(buf);
	assert_int_equal(me->release_calls, 1);
	dma_buf_put(buf);
	expect_violations(DMB_V9_BAD_DETACH_OR_PUT, 1);
	assert_int_equal(me->release_calls, 1);
}

/* R16: the last put detaches what importers left attached, reporting it once. */
static void put_detaches_leftovers(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "heap", 4096, 0);

	assert_non_null(mock_importer_attach(&f->imp[0], buf, NULL));
	dma_buf_put(buf);
	assert_string_equal(me->log, "attach,detach,release");
	/* the contract says "reported" without a kind: a WARN or a V9 */
	assert_int_equal(th_count_reports(DMB_DIAG_WARN) +
			 th_count_reports(DMB_DIAG_VIOLATION), 1);
	if (!th_take_report(DMB_DIAG_WARN, NULL))
		expect_violations(DMB_V9_BAD_DETACH_OR_PUT, 1);
}

/* set_name names the buffer for reports (a copy); the default is the exporter's name. */
static void set_name_and_name(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = mock_export(&f->exp[0], "heap", 4096, 0);
	char name[] = "scanout-0";

	assert_string_equal(dma_buf_name(buf), "heap");
	assert_int_equal(dma_buf_set_name(buf, name), 0);
	name[0] = 'X';
	assert_string_equal(dma_buf_name(buf), "scanout-0");
	assert_int_equal(dma_buf_set_name(buf, "scanout-1"), 0);
	assert_string_equal(dma_buf_name(buf), "scanout-1");
	assert_string_equal(dma_buf_exporter_name(buf), "heap");
	dma_buf_put(buf);
}

/* ---- attach ----------------------------------------------------------- */

/* a static attachment: no importer ops, not dynamic, not revocable, named "static". */
static void static_attach(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "heap", 4096, 0);
	struct dma_buf_attachment *a = mock_importer_attach(&f->imp[0], buf, NULL);

	assert_non_null(a);
	assert_string_equal(me->log, "attach");
	assert_ptr_equal(dma_buf_attachment_dmabuf(a), buf);
	assert_ptr_equal(dma_buf_attachment_dev(a), &f->imp[0].dev);
	assert_false(dma_buf_attachment_is_dynamic(a));
	assert_false(dma_buf_attach_revocable(a));
	assert_false(dma_buf_attachment_peer2peer(a));
	assert_null(dma_buf_attachment_importer_priv(a));
	assert_string_equal(dma_buf_attachment_importer_name(a), "static");
	assert_int_equal(mapped(a), 0);
	mock_importer_detach(&f->imp[0]);
	assert_string_equal(me->log, "attach,detach");
	dma_buf_put(buf);
}

/* a dynamic attachment carries the importer's ops, priv, name and p2p capability. */
static void dynamic_attach(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "heap", 4096, 0);
	struct dma_buf_attachment *a, *b;

	a = mock_importer_attach(&f->imp[0], buf, &mock_importer_ops_revocable_p2p);
	b = mock_importer_attach(&f->imp[1], buf, &mock_importer_ops_revocable);
	assert_non_null(a);
	assert_non_null(b);
	assert_true(dma_buf_attachment_is_dynamic(a));
	assert_ptr_equal(dma_buf_attachment_importer_priv(a), &f->imp[0]);
	assert_ptr_equal(dma_buf_attachment_importer_priv(b), &f->imp[1]);
	assert_string_equal(dma_buf_attachment_importer_name(a), "mock-revocable-p2p");
	assert_string_equal(dma_buf_attachment_importer_name(b), "mock-revocable");
	assert_true(dma_buf_attachment_peer2peer(a));
	assert_false(dma_buf_attachment_peer2peer(b));
	assert_ptr_equal(dma_buf_attachment_dev(b), &f->imp[1].dev);
	assert_int_equal(me->attach_calls, 2);
	mock_importer_detach(&f->imp[0]);
	mock_importer_detach(&f->imp[1]);
	assert_int_equal(me->detach_calls, 2);
	dma_buf_put(buf);
}

/* an exporter's attach op refusal reaches the importer as errno; nothing is attached. */
static void attach_refusal_propagates_errno(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "heap", 4096, 0);

	me->attach_error = -EOPNOTSUPP;
	errno = 0;
	assert_null(mock_importer_attach(&f->imp[0], buf, NULL));
	assert_int_equal(errno, EOPNOTSUPP);
	me->attach_error = -EACCES;
	errno = 0;
	assert_null(mock_importer_attach(&f->imp[1], buf, &mock_importer_ops_revocable));
	assert_int_equal(errno, EACCES);
	assert_int_equal(me->attach_calls, 2);
	/* no detach now, none at release: nothing was left attached */
	dma_buf_put(buf);
	assert_string_equal(me->log, "attach,attach,release");
}

/* R1: importer ops without invalidate_mappings are accepted (dynamic, not revocable). */
static void r1_dynamic_without_invalidate(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = mock_export(&f->exp[0], "heap", 4096, 0);
	struct dma_buf_attachment *a;

	a = mock_importer_attach(&f->imp[0], buf, &mock_importer_ops_dynamic);
	assert_non_null(a);
	assert_true(dma_buf_attachment_is_dynamic(a));
	assert_false(dma_buf_attach_revocable(a));
	assert_string_equal(dma_buf_attachment_importer_name(a), "mock-dynamic");
	assert_non_null(mock_importer_map(&f->imp[0]));
	mock_importer_unmap(&f->imp[0]);
	mock_importer_detach(&f->imp[0]);
	dma_buf_put(buf);
}

/* R2: attach_revocable is true iff importer ops with invalidate_mappings. */
static void r2_revocable_iff_invalidate(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = mock_export(&f->exp[0], "heap", 4096, 0);
	const struct {
		const struct dma_buf_attach_ops *ops;
		bool dynamic, revocable;
	} cases[] = {
		{ NULL, false, false },
		{ &mock_importer_ops_dynamic, true, false },
		{ &mock_importer_ops_revocable, true, true },
		{ &mock_importer_ops_revocable_p2p, true, true },
	};

	for (size_t i = 0; i < DMB_ARRAY_SIZE(cases); i++) {
		struct dma_buf_attachment *a;

		a = mock_importer_attach(&f->imp[i], buf, cases[i].ops);
		assert_non_null(a);
		assert_int_equal(dma_buf_attachment_is_dynamic(a), cases[i].dynamic);
		assert_int_equal(dma_buf_attach_revocable(a), cases[i].revocable);
		mock_importer_detach(&f->imp[i]);
	}
	dma_buf_put(buf);
}

/* ---- map, unmap, pin ------------------------------------------------- */

/*
 * R3: mapping a static attachment, by what the exporter can do and what
 * fails: it pins before the map when the exporter can pin and unpins after
 * the unmap; without a pin op it maps without pinning; a failing pin fails
 * the map with its errno and the map op never runs; a failing map undoes
 * the pin it took and its errno comes back.
 */
struct static_map_row {
	const char *name;
	unsigned int flags;		/* of the export: MOCK_EXP_PIN or 0 */
	uint64_t size;
	int pin_error, map_error;	/* injected into the exporter */
	const char *log_mapped;		/* the ops run by the map */
	const char *log_unmapped;	/* ... and by the unmap, if it mapped */
};

static const struct static_map_row static_map_rows[] = {
	{ "r3_static_map_pins_first", MOCK_EXP_PIN, 8192, 0, 0,
	  "attach,pin,map", "attach,pin,map,unmap,unpin" },
	{ "r3_no_pin_op_no_pin", 0, 4096, 0, 0,
	  "attach,map", "attach,map,unmap" },
	{ "r3_pin_failure_fails_map", MOCK_EXP_PIN, 4096, -EBUSY, 0,
	  "attach,pin", NULL },
	{ "r3_map_failure_unpins", MOCK_EXP_PIN, 4096, 0, -ENOMEM,
	  "attach,pin,map,unpin", NULL },
};

static void static_map(void **state)
{
	struct fixture *f = *state;
	const struct static_map_row *row = f->row;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "vram", row->size, row->flags);
	int error = row->pin_error ? row->pin_error : row->map_error;
	bool pins = row->flags & MOCK_EXP_PIN;
	struct sg_table *sgt;

	assert_non_null(mock_importer_attach(&f->imp[0], buf, NULL));
	me->pin_error = row->pin_error;
	me->map_error = row->map_error;
	errno = 0;
	sgt = mock_importer_map(&f->imp[0]);
	assert_string_equal(me->log, row->log_mapped);
	if (error) {
		assert_null(sgt);
		assert_int_equal(errno, -error);
		assert_int_equal(me->pin_count, 0);
		assert_int_equal(mapped(f->imp[0].attach), 0);
		goto out;
	}
	assert_non_null(sgt);
	assert_int_equal(me->pin_count, pins ? 1 : 0);
	assert_int_equal(mapped(f->imp[0].attach), 1);
	/* the exporter's table is what the importer gets */
	assert_int_equal(sgt->nents, 1);
	assert_int_equal(sg_dma_address(&sgt->sgl[0]), MOCK_DMA_BASE);
	assert_int_equal(sg_dma_len(&sgt->sgl[0]), row->size);
	mock_importer_unmap(&f->imp[0]);
	assert_string_equal(me->log, row->log_unmapped);
	assert_int_equal(me->pin_count, 0);
	assert_int_equal(mapped(f->imp[0].attach), 0);
out:
	mock_importer_detach(&f->imp[0]);
	dma_buf_put(buf);
}

/* R3: dynamic attachments are never pinned implicitly, revocable or not. */
static void r3_dynamic_map_never_pins(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "vram", 4096, MOCK_EXP_PIN);

	assert_non_null(mock_importer_attach(&f->imp[0], buf, &mock_importer_ops_dynamic));
	assert_non_null(mock_importer_attach(&f->imp[1], buf, &mock_importer_ops_revocable));
	assert_non_null(mock_importer_map(&f->imp[0]));
	assert_non_null(mock_importer_map(&f->imp[1]));
	mock_importer_unmap(&f->imp[0]);
	mock_importer_unmap(&f->imp[1]);
	assert_string_equal(me->log, "attach,attach,map,map,unmap,unmap");
	assert_int_equal(me->pin_calls, 0);
	mock_importer_detach(&f->imp[0]);
	mock_importer_detach(&f->imp[1]);
	dma_buf_put(buf);
}

/* map reports the exporter's own refusal (revoked -> ENODEV) without a violation. */
static void map_error_propagates(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "heap", 4096, 0);

	assert_non_null(mock_importer_attach(&f->imp[0], buf, &mock_importer_ops_revocable));
	me->revoked = true;
	errno = 0;
	assert_null(mock_importer_map(&f->imp[0]));
	assert_int_equal(errno, ENODEV);
	assert_int_equal(me->map_calls, 1);
	assert_int_equal(me->unmap_calls, 0);
	assert_int_equal(mapped(f->imp[0].attach), 0);
	me->revoked = false;
	assert_non_null(mock_importer_map(&f->imp[0]));
	mock_importer_unmap(&f->imp[0]);
	mock_importer_detach(&f->imp[0]);
	dma_buf_put(buf);
}

/* dma_buf_pin/unpin call the exporter's ops under the resv lock. */
static void pin_unpin_call_exporter(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "vram", 4096, MOCK_EXP_PIN);
	struct dma_buf_attachment *a;

	a = mock_importer_attach(&f->imp[0], buf, &mock_importer_ops_revocable);
	assert_non_null(a);
	assert_int_equal(dma_resv_lock(dma_buf_resv(buf), NULL), 0);
	assert_int_equal(dma_buf_pin(a), 0);
	assert_int_equal(me->pin_count, 1);
	assert_true(dma_buf_attach_revocable(a));
	dma_buf_unpin(a);
	assert_int_equal(me->pin_count, 0);
	me->pin_error = -ENOSPC;
	assert_int_equal(dma_buf_pin(a), -ENOSPC);
	dma_resv_unlock(dma_buf_resv(buf));
	assert_string_equal(me->log, "attach,pin,unpin,pin");
	mock_importer_detach(&f->imp[0]);
	dma_buf_put(buf);
}

/* R10: dma_buf_pin on an exporter without a pin op succeeds, revocability unchanged. */
static void r10_pin_without_pin_op(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "bar", 4096, 0);
	struct dma_buf_attachment *rev, *stat;

	rev = mock_importer_attach(&f->imp[0], buf, &mock_importer_ops_revocable);
	stat = mock_importer_attach(&f->imp[1], buf, NULL);
	assert_int_equal(dma_resv_lock(dma_buf_resv(buf), NULL), 0);
	assert_int_equal(dma_buf_pin(rev), 0);
	assert_true(dma_buf_attach_revocable(rev));
	assert_false(dma_buf_attach_revocable(stat));
	dma_buf_unpin(rev);
	dma_resv_unlock(dma_buf_resv(buf));
	assert_string_equal(me->log, "attach,attach");
	mock_importer_detach(&f->imp[0]);
	mock_importer_detach(&f->imp[1]);
	dma_buf_put(buf);
}

/* Map a static attachment in another thread, recording when it returned. */
struct static_mapper {
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	atomic_bool returned;
};

static void *static_map_thread(void *arg)
{
	struct static_mapper *m = arg;

	m->sgt = dma_buf_map_attachment_unlocked(m->attach, DMA_BIDIRECTIONAL);
	atomic_store(&m->returned, true);
	return NULL;
}

/* Add @fence to @buf's resv with @usage. */
static void add_resv_fence(struct dma_buf *buf, struct dma_fence *fence,
			   enum dma_resv_usage usage)
{
	struct dma_resv *resv = dma_buf_resv(buf);

	assert_int_equal(dma_resv_lock(resv, NULL), 0);
	assert_int_equal(dma_resv_reserve_fences(resv, 1), 0);
	dma_resv_add_fence(resv, fence, usage);
	dma_resv_unlock(resv);
}

/* a static attachment's map waits for the KERNEL fences (a move in flight) before it returns. */
static void static_map_waits_for_kernel_fences(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "vram", 4096, MOCK_EXP_PIN);
	struct dma_fence *move = mock_fence();
	struct static_mapper m = { .sgt = NULL };
	struct th_thread *t;

	m.attach = mock_importer_attach(&f->imp[0], buf, NULL);
	assert_non_null(m.attach);
	add_resv_fence(buf, move, DMA_RESV_USAGE_KERNEL);
	t = th_thread_start(static_map_thread, &m);
	/* the map is waiting once it has asked the fence to report completion */
	while (!dma_fence_test_flag(move, DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT))
		th_sleep_ns(100000);
	assert_false(atomic_load(&m.returned));
	dma_fence_signal(move);
	th_thread_join(t);
	assert_non_null(m.sgt);
	dma_buf_unmap_attachment_unlocked(m.attach, m.sgt, DMA_BIDIRECTIONAL);
	mock_importer_detach(&f->imp[0]);
	dma_fence_put(move);
	dma_buf_put(buf);
}

/* a dynamic attachment's map does not wait for fences: the importer synchronises itself. */
static void dynamic_map_does_not_wait(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "vram", 4096, MOCK_EXP_PIN);
	struct dma_fence *move = mock_fence();
	struct dma_buf_attachment *a;
	struct sg_table *sgt;

	a = mock_importer_attach(&f->imp[0], buf, &mock_importer_ops_revocable);
	add_resv_fence(buf, move, DMA_RESV_USAGE_KERNEL);
	sgt = dma_buf_map_attachment_unlocked(a, DMA_BIDIRECTIONAL);
	assert_non_null(sgt);
	assert_false(dma_fence_test_flag(move, DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT));
	dma_buf_unmap_attachment_unlocked(a, sgt, DMA_BIDIRECTIONAL);
	mock_importer_detach(&f->imp[0]);
	dma_fence_signal(move);
	dma_fence_put(move);
	dma_buf_put(buf);
}

/* pin is for dynamic importers: pinning a static attachment is reported and refused. */
static void pin_static_attachment_refused(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "vram", 4096, MOCK_EXP_PIN);
	struct dma_buf_attachment *stat;

	stat = mock_importer_attach(&f->imp[0], buf, NULL);
	assert_non_null(stat);
	assert_int_equal(dma_resv_lock(dma_buf_resv(buf), NULL), 0);
	assert_int_equal(dma_buf_pin(stat), -EINVAL);
	dma_resv_unlock(dma_buf_resv(buf));
	EXPECT_ONE_WARN("pin of a static attachment");
	assert_int_equal(me->pin_calls, 0);
	assert_string_equal(me->log, "attach");
	mock_importer_detach(&f->imp[0]);
	dma_buf_put(buf);
}

/* dma_buf_dynamic_attach with NULL importer ops is a static attach, as in the kernel. */
static void dynamic_attach_without_ops_is_static(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "vram", 4096, MOCK_EXP_PIN);
	struct dma_buf_attachment *a;
	struct sg_table *sgt;

	a = dma_buf_dynamic_attach(buf, &f->imp[0].dev, NULL, NULL);
	assert_non_null(a);
	assert_false(dma_buf_attachment_is_dynamic(a));
	assert_false(dma_buf_attach_revocable(a));
	assert_string_equal(dma_buf_attachment_importer_name(a), "static");
	/* static: mapping pins (R3) */
	sgt = dma_buf_map_attachment_unlocked(a, DMA_BIDIRECTIONAL);
	assert_non_null(sgt);
	assert_int_equal(me->pin_count, 1);
	dma_buf_unmap_attachment_unlocked(a, sgt, DMA_BIDIRECTIONAL);
	assert_int_equal(me->pin_count, 0);
	dma_buf_detach(buf, a);
	dma_buf_put(buf);
}

/* an unpin without a pin is reported and does not reach the exporter. */
static void unbalanced_unpin_reported(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "vram", 4096, MOCK_EXP_PIN);
	struct dma_buf_attachment *a;

	a = mock_importer_attach(&f->imp[0], buf, &mock_importer_ops_revocable);
	assert_int_equal(dma_resv_lock(dma_buf_resv(buf), NULL), 0);
	dma_buf_unpin(a);
	dma_resv_unlock(dma_buf_resv(buf));
	EXPECT_ONE_WARN("unbalanced unpin");
	assert_int_equal(me->unpin_calls, 0);
	assert_int_equal(me->pin_count, 0);
	mock_importer_detach(&f->imp[0]);
	dma_buf_put(buf);
}

/*
 * R5, one rule: each call that needs the resv lock, made without it, is
 * reported and refused. It returns its documented refusal, no exporter op
 * runs, the lock is not taken behind the caller, and the state is as before.
 */
struct locked_call {
	const char *name;
	enum dmb_violation kind;	/* 0: a WARN */
	/* Make the call; true if it returned its documented refusal. */
	bool (*call)(struct dma_buf *buf, struct dma_buf_attachment *a,
		     struct sg_table *sgt);
};

static bool call_map(struct dma_buf *buf, struct dma_buf_attachment *a,
		     struct sg_table *sgt)
{
	errno = 0;
	return !dma_buf_map_attachment(a, DMA_BIDIRECTIONAL) && errno == EINVAL;
}

static bool call_unmap(struct dma_buf *buf, struct dma_buf_attachment *a,
		       struct sg_table *sgt)
{
	dma_buf_unmap_attachment(a, sgt, DMA_BIDIRECTIONAL);
	return true;
}

static bool call_invalidate(struct dma_buf *buf, struct dma_buf_attachment *a,
			    struct sg_table *sgt)
{
	dma_buf_invalidate_mappings(buf);
	return true;
}

static bool call_pin(struct dma_buf *buf, struct dma_buf_attachment *a,
		     struct sg_table *sgt)
{
	return dma_buf_pin(a) == -EINVAL;
}

static bool call_unpin(struct dma_buf *buf, struct dma_buf_attachment *a,
		       struct sg_table *sgt)
{
	dma_buf_unpin(a);
	return true;
}

static bool call_vmap(struct dma_buf *buf, struct dma_buf_attachment *a,
		      struct sg_table *sgt)
{
	void *v = NULL;

	return dma_buf_vmap(buf, &v) == -EINVAL && !v;
}

static bool call_vunmap(struct dma_buf *buf, struct dma_buf_attachment *a,
			struct sg_table *sgt)
{
	dma_buf_vunmap(buf, NULL);
	return true;
}

static bool call_mapping_token(struct dma_buf *buf, struct dma_buf_attachment *a,
			       struct sg_table *sgt)
{
	errno = 0;
	return !dma_buf_mapping_token(a, sgt) && errno == EINVAL;
}

static bool call_attachment_mapped(struct dma_buf *buf,
				   struct dma_buf_attachment *a,
				   struct sg_table *sgt)
{
	return dma_buf_attachment_mapped(a) == 0;
}

static bool call_unmap_latency(struct dma_buf *buf, struct dma_buf_attachment *a,
			       struct sg_table *sgt)
{
	return dma_buf_attachment_unmap_latency(a) == -1;
}

static const struct locked_call locked_calls[] = {
	{ "dma_buf_map_attachment", DMB_V2_MAP_UNLOCKED, call_map },
	{ "dma_buf_unmap_attachment", DMB_V2_MAP_UNLOCKED, call_unmap },
	{ "dma_buf_invalidate_mappings", DMB_V1_INVALIDATE_UNLOCKED, call_invalidate },
	{ "dma_buf_pin", 0, call_pin },
	{ "dma_buf_unpin", 0, call_unpin },
	{ "dma_buf_vmap", 0, call_vmap },
	{ "dma_buf_vunmap", 0, call_vunmap },
	{ "dma_buf_mapping_token", 0, call_mapping_token },
	{ "dma_buf_attachment_mapped", 0, call_attachment_mapped },
	{ "dma_buf_attachment_unmap_latency", 0, call_unmap_latency },
};

static void locked_calls_without_lock_refused(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "vram", 4096, MOCK_EXP_PIN);
	struct dma_resv *resv = dma_buf_resv(buf);
	struct dma_buf_attachment *a;
	struct sg_table *sgt;
	char log[sizeof(me->log)];

	a = mock_importer_attach(&f->imp[0], buf, &mock_importer_ops_revocable);
	assert_non_null(a);
	/* one live mapping and one pin, for the calls to act on if they ran */
	assert_int_equal(dma_resv_lock(resv, NULL), 0);
	sgt = dma_buf_map_attachment(a, DMA_BIDIRECTIONAL);
	assert_non_null(sgt);
	assert_int_equal(dma_buf_pin(a), 0);
	dma_resv_unlock(resv);
	strcpy(log, me->log);

	for (size_t i = 0; i < DMB_ARRAY_SIZE(locked_calls); i++) {
		const struct locked_call *c = &locked_calls[i];

		print_message("%s\n", c->name);
		assert_true(c->call(buf, a, sgt));
		if (c->kind) {
			expect_violations(c->kind, 1);
			dmb_check_reset();
		} else {
			EXPECT_ONE_WARN(c->name);
		}
		assert_false(dma_resv_is_locked(resv));
		assert_string_equal(me->log, log);	/* no exporter op ran */
		assert_int_equal(f->imp[0].invalidate_calls, 0);
	}
	assert_int_equal(mapped(a), 1);
	assert_int_equal(me->pin_count, 1);	/* ours: a dynamic map does not pin */

	assert_int_equal(dma_resv_lock(resv, NULL), 0);
	dma_buf_unpin(a);
	dma_buf_unmap_attachment(a, sgt, DMA_BIDIRECTIONAL);
	dma_resv_unlock(resv);
	mock_importer_detach(&f->imp[0]);
	dma_buf_put(buf);
}

/* R5: pin/unpin/vmap/vunmap with the lock run the ops in the caller's session. */
static void locked_calls_with_lock(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "vram", 4096, MOCK_EXP_PIN);
	struct dma_resv *resv = dma_buf_resv(buf);
	struct dma_buf_attachment *a;
	void *v = NULL;

	a = mock_importer_attach(&f->imp[0], buf, &mock_importer_ops_revocable);
	assert_int_equal(dma_resv_lock(resv, NULL), 0);
	assert_int_equal(dma_buf_pin(a), 0);
	dma_buf_unpin(a);
	assert_int_equal(dma_buf_vmap(buf, &v), 0);
	assert_ptr_equal(v, me->mem);
	dma_buf_vunmap(buf, v);
	assert_true(dma_resv_held(resv));
	dma_resv_unlock(resv);
	/* every op ran under the lock: the teardown checks ops_unlocked */
	assert_string_equal(me->log, "attach,pin,unpin,vmap,vunmap");
	assert_int_equal(me->pin_count, 0);
	mock_importer_detach(&f->imp[0]);
	dma_buf_put(buf);
}

/* R3: each map of a static attachment is its own mapping with its own pin. */
static void two_mappings_one_attachment(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "vram", 4096, MOCK_EXP_PIN);
	struct dma_buf_attachment *a = mock_importer_attach(&f->imp[0], buf, NULL);
	struct sg_table *s1, *s2, *s3;

	s1 = dma_buf_map_attachment_unlocked(a, DMA_TO_DEVICE);
	s2 = dma_buf_map_attachment_unlocked(a, DMA_FROM_DEVICE);
	s3 = dma_buf_map_attachment_unlocked(a, DMA_BIDIRECTIONAL);
	assert_non_null(s1);
	assert_non_null(s2);
	assert_non_null(s3);
	assert_ptr_not_equal(s1, s2);
	assert_int_equal(mapped(a), 3);
	assert_int_equal(me->pin_count, 3);
	/* out of order: the bookkeeping must find each one */
	dma_buf_unmap_attachment_unlocked(a, s1, DMA_TO_DEVICE);
	assert_int_equal(mapped(a), 2);
	assert_int_equal(me->pin_count, 2);
	dma_buf_unmap_attachment_unlocked(a, s3, DMA_BIDIRECTIONAL);
	dma_buf_unmap_attachment_unlocked(a, s2, DMA_FROM_DEVICE);
	assert_int_equal(mapped(a), 0);
	assert_int_equal(me->pin_count, 0);
	assert_int_equal(me->unmap_calls, 3);
	mock_importer_detach(&f->imp[0]);
	dma_buf_put(buf);
}

/* attachments get distinct device addresses from the exporter (mock sanity). */
static void mappings_per_attachment(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = mock_export(&f->exp[0], "heap", 4096, 0);
	struct sg_table *s0, *s1;

	assert_non_null(mock_importer_attach(&f->imp[0], buf, NULL));
	assert_non_null(mock_importer_attach(&f->imp[1], buf, &mock_importer_ops_revocable));
	s0 = mock_importer_map(&f->imp[0]);
	s1 = mock_importer_map(&f->imp[1]);
	assert_non_null(s0);
	assert_non_null(s1);
	assert_int_equal(sg_dma_address(&s0->sgl[0]), MOCK_DMA_BASE);
	assert_int_equal(sg_dma_address(&s1->sgl[0]), MOCK_DMA_BASE + MOCK_DMA_STRIDE);
	assert_int_equal(s0->sgl[0].phys_addr, (uintptr_t)f->exp[0].mem);
	assert_int_equal(mapped(f->imp[0].attach), 1);
	assert_int_equal(mapped(f->imp[1].attach), 1);
	mock_importer_unmap(&f->imp[0]);
	mock_importer_unmap(&f->imp[1]);
	mock_importer_detach(&f->imp[0]);
	mock_importer_detach(&f->imp[1]);
	dma_buf_put(buf);
}

/* ---- invalidate ------------------------------------------------------ */

/* R4: invalidate calls every attachment's invalidate_mappings once, lock held, and no other op. */
static void r4_invalidate_calls_revocable_only(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "vram", 4096, MOCK_EXP_PIN);
	const struct dma_buf_attach_ops *ops[NR_IMP] = {
		NULL, &mock_importer_ops_dynamic,
		&mock_importer_ops_revocable, &mock_importer_ops_revocable_p2p,
	};

	for (int i = 0; i < NR_IMP; i++) {
		assert_non_null(mock_importer_attach(&f->imp[i], buf, ops[i]));
		assert_non_null(mock_importer_map(&f->imp[i]));
	}
	mock_exporter_clear_log(me);

	assert_int_equal(dma_resv_lock(dma_buf_resv(buf), NULL), 0);
	dma_buf_invalidate_mappings(buf);
	dma_resv_unlock(dma_buf_resv(buf));
	/* importers without the callback are not told, and the core unmaps nothing */
	assert_int_equal(f->imp[2].invalidate_calls, 1);
	assert_int_equal(f->imp[3].invalidate_calls, 1);
	assert_int_equal(f->imp[2].invalidate_mapped, 1);
	assert_string_equal(me->log, "");
	for (int i = 0; i < NR_IMP; i++)
		assert_int_equal(mapped(f->imp[i].attach), 1);

	/* every invalidate is delivered: no coalescing */
	assert_int_equal(dma_resv_lock(dma_buf_resv(buf), NULL), 0);
	dma_buf_invalidate_mappings(buf);
	dma_resv_unlock(dma_buf_resv(buf));
	assert_int_equal(f->imp[2].invalidate_calls, 2);
	assert_int_equal(f->imp[3].invalidate_calls, 2);

	for (int i = 0; i < NR_IMP; i++) {
		mock_importer_unmap(&f->imp[i]);
		mock_importer_detach(&f->imp[i]);
	}
	dma_buf_put(buf);
}

/* R4/R14: an importer may unmap right inside invalidate_mappings (ODP style). */
static void r4_unmap_inside_invalidate(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "vram", 4096, 0);
	struct mock_importer *odp = &f->imp[0];

	odp->unmap_in_invalidate = true;
	assert_non_null(mock_importer_attach(odp, buf, &mock_importer_ops_revocable));
	assert_non_null(mock_importer_map(odp));
	assert_int_equal(dma_resv_lock(dma_buf_resv(buf), NULL), 0);
	dma_buf_invalidate_mappings(buf);
	assert_int_equal(dma_buf_attachment_mapped(odp->attach), 0);
	dma_resv_unlock(dma_buf_resv(buf));
	assert_int_equal(odp->invalidate_calls, 1);
	assert_null(odp->sgt);
	assert_string_equal(me->log, "attach,map,unmap");
	assert_true(me->unmap_saw_lock);
	/* and may map again at once (R6) */
	assert_non_null(mock_importer_map(odp));
	mock_importer_unmap(odp);
	mock_importer_detach(odp);
	dma_buf_put(buf);
}

/* V1: invalidate without the lock is reported and refused: no importer is told. */
static void v1_invalidate_without_lock(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = mock_export(&f->exp[0], "vram", 4096, 0);

	assert_non_null(mock_importer_attach(&f->imp[0], buf, &mock_importer_ops_revocable));
	assert_non_null(mock_importer_attach(&f->imp[1], buf, &mock_importer_ops_revocable_p2p));
	dma_buf_invalidate_mappings(buf);
	expect_violations(DMB_V1_INVALIDATE_UNLOCKED, 1);
	assert_int_equal(f->imp[0].invalidate_calls, 0);
	assert_int_equal(f->imp[1].invalidate_calls, 0);
	assert_false(dma_resv_is_locked(dma_buf_resv(buf)));
	mock_importer_detach(&f->imp[0]);
	mock_importer_detach(&f->imp[1]);
	dma_buf_put(buf);
}

/* ---- lock rules of map/unmap (R5, V2) -------------------------------- */

/* R5: the _unlocked variants take the resv lock around the exporter ops and drop it. */
static void r5_unlocked_variants_take_lock(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "heap", 4096, 0);

	assert_non_null(mock_importer_attach(&f->imp[0], buf, &mock_importer_ops_revocable));
	assert_non_null(mock_importer_map(&f->imp[0]));
	assert_true(me->map_saw_lock);
	assert_false(dma_resv_is_locked(dma_buf_resv(buf)));
	mock_importer_unmap(&f->imp[0]);
	assert_true(me->unmap_saw_lock);
	assert_false(dma_resv_is_locked(dma_buf_resv(buf)));
	mock_importer_detach(&f->imp[0]);
	dma_buf_put(buf);
}

/* R5: the locked variants run the exporter ops in the caller's lock session. */
static void r5_locked_variants(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "heap", 4096, MOCK_EXP_PIN);
	struct dma_resv *resv = dma_buf_resv(buf);
	struct dma_buf_attachment *a;
	struct sg_table *sgt;

	a = mock_importer_attach(&f->imp[0], buf, NULL);
	assert_int_equal(dma_resv_lock(resv, NULL), 0);
	sgt = dma_buf_map_attachment(a, DMA_TO_DEVICE);
	assert_non_null(sgt);
	assert_true(me->map_saw_lock);
	assert_int_equal(dma_buf_attachment_mapped(a), 1);
	dma_buf_unmap_attachment(a, sgt, DMA_TO_DEVICE);
	assert_true(me->unmap_saw_lock);
	/* the core did not drop the caller's lock */
	assert_true(dma_resv_held(resv));
	dma_resv_unlock(resv);
	assert_string_equal(me->log, "attach,pin,map,unmap,unpin");
	mock_importer_detach(&f->imp[0]);
	dma_buf_put(buf);
}

/* V2: map/unmap without the lock are reported and refused; no exporter op runs. */
static void v2_map_unmap_without_lock(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "heap", 4096, 0);
	const struct dma_buf_attach_ops *ops[] = { NULL, &mock_importer_ops_revocable };

	for (size_t i = 0; i < DMB_ARRAY_SIZE(ops); i++) {
		struct dma_buf_attachment *a = mock_importer_attach(&f->imp[i], buf, ops[i]);
		struct sg_table *sgt;

		assert_non_null(a);
		errno = 0;
		assert_null(dma_buf_map_attachment(a, DMA_BIDIRECTIONAL));
		assert_int_equal(errno, EINVAL);
		expect_violations(DMB_V2_MAP_UNLOCKED, 1);
		dmb_check_reset();
		assert_false(dma_resv_is_locked(dma_buf_resv(buf)));
		assert_int_equal(mapped(a), 0);
		sgt = dma_buf_map_attachment_unlocked(a, DMA_BIDIRECTIONAL);
		assert_non_null(sgt);
		dma_buf_unmap_attachment(a, sgt, DMA_BIDIRECTIONAL);
		expect_violations(DMB_V2_MAP_UNLOCKED, 1);
		dmb_check_reset();
		assert_int_equal(mapped(a), 1);		/* still mapped */
		dma_buf_unmap_attachment_unlocked(a, sgt, DMA_BIDIRECTIONAL);
		assert_int_equal(mapped(a), 0);
		mock_importer_detach(&f->imp[i]);
	}
	assert_int_equal(me->map_calls, 2);
	assert_int_equal(me->unmap_calls, 2);
	dma_buf_put(buf);
}

/* ---- revoked (V3) ---------------------------------------------------- */

/* V3: a table the exporter hands out while revoked is reported, taken back, -ENODEV. */
static void v3_map_while_revoked_taken_back(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "bar", 4096, MOCK_EXP_REVOCABLE);
	struct mock_importer *imp = &f->imp[0];

	assert_non_null(mock_importer_attach(imp, buf, &mock_importer_ops_revocable));
	assert_int_equal(dmb_revocable_revoke(me->rev, NULL), 0);
	assert_true(dmb_revocable_is_revoked(me->rev));
	assert_int_equal(imp->invalidate_calls, 1);

	me->buggy_map_while_revoked = true;
	errno = 0;
	assert_null(mock_importer_map(imp));
	assert_int_equal(errno, ENODEV);
	expect_violations(DMB_V3_MAP_WHILE_REVOKED, 1);
	assert_int_equal(me->map_calls, 1);
	assert_int_equal(me->unmap_calls, 1);
	assert_int_equal(me->live_tables, 0);
	assert_int_equal(mapped(imp->attach), 0);
	assert_int_equal(dmb_revocable_mappings(me->rev), 0);

	/* after unrevoke the same exporter maps normally */
	me->buggy_map_while_revoked = false;
	assert_int_equal(dmb_revocable_unrevoke(me->rev), 0);
	assert_non_null(mock_importer_map(imp));
	assert_int_equal(dmb_revocable_mappings(me->rev), 1);
	mock_importer_unmap(imp);
	assert_int_equal(dmb_revocable_mappings(me->rev), 0);
	mock_importer_detach(imp);
	dma_buf_put(buf);
}

/* R8: a well-behaved exporter refuses attach and map while revoked, and that is no violation. */
static void revoked_refuses_without_v3(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "bar", 4096, MOCK_EXP_REVOCABLE);

	assert_non_null(mock_importer_attach(&f->imp[0], buf, &mock_importer_ops_revocable));
	assert_int_equal(dmb_revocable_revoke(me->rev, NULL), 0);
	errno = 0;
	assert_null(mock_importer_map(&f->imp[0]));
	assert_int_equal(errno, ENODEV);
	errno = 0;
	assert_null(mock_importer_attach(&f->imp[1], buf, &mock_importer_ops_revocable));
	assert_int_equal(errno, ENODEV);
	assert_int_equal(me->unmap_calls, 0);
	assert_int_equal(dmb_check_total(), 0);
	mock_importer_detach(&f->imp[0]);
	dma_buf_put(buf);
}

/* ---- bad unmap (V8) -------------------------------------------------- */

/* V8: unmapping another attachment's table is reported and not passed to the exporter. */
static void v8_unmap_foreign_table(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "heap", 4096, 0);
	struct sg_table *sgt;

	assert_non_null(mock_importer_attach(&f->imp[0], buf, &mock_importer_ops_revocable));
	assert_non_null(mock_importer_attach(&f->imp[1], buf, &mock_importer_ops_revocable));
	sgt = mock_importer_map(&f->imp[0]);
	assert_non_null(sgt);
	dma_buf_unmap_attachment_unlocked(f->imp[1].attach, sgt, DMA_BIDIRECTIONAL);
	expect_violations(DMB_V8_BAD_UNMAP, 1);
	assert_int_equal(me->unmap_calls, 0);
	assert_int_equal(mapped(f->imp[0].attach), 1);
	assert_int_equal(mapped(f->imp[1].attach), 0);
	mock_importer_unmap(&f->imp[0]);
	mock_importer_detach(&f->imp[0]);
	mock_importer_detach(&f->imp[1]);
	dma_buf_put(buf);
}

/* V8: a double unmap is reported; the exporter's unmap and unpin run once only. */
static void v8_double_unmap(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "vram", 4096, MOCK_EXP_PIN);
	struct dma_buf_attachment *a = mock_importer_attach(&f->imp[0], buf, NULL);
	struct sg_table *sgt = mock_importer_map(&f->imp[0]);

	assert_non_null(sgt);
	dma_buf_unmap_attachment_unlocked(a, sgt, DMA_BIDIRECTIONAL);
	assert_int_equal(dmb_check_total(), 0);
	/* sgt is freed now: the core must recognise it without touching it */
	dma_buf_unmap_attachment_unlocked(a, sgt, DMA_BIDIRECTIONAL);
	expect_violations(DMB_V8_BAD_UNMAP, 1);
	assert_int_equal(me->unmap_calls, 1);
	assert_int_equal(me->unpin_calls, 1);
	assert_int_equal(me->pin_count, 0);
	mock_importer_detach(&f->imp[0]);
	dma_buf_put(buf);
}

/* V8: a table that was never mapped anywhere is reported and not touched. */
static void v8_unmap_never_mapped(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "heap", 4096, 0);
	struct dma_buf_attachment *a = mock_importer_attach(&f->imp[0], buf, NULL);
	struct sg_table bogus = { 0 };

	dma_buf_unmap_attachment_unlocked(a, &bogus, DMA_BIDIRECTIONAL);
	expect_violations(DMB_V8_BAD_UNMAP, 1);
	assert_int_equal(me->unmap_calls, 0);
	mock_importer_detach(&f->imp[0]);
	dma_buf_put(buf);
}

/* ---- bad detach (V9) ------------------------------------------------- */

/* V9: detach with a live mapping is reported; the mapping is torn down (unmap, unpin) first. */
static void v9_detach_with_live_mapping(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "vram", 4096, MOCK_EXP_PIN);

	assert_non_null(mock_importer_attach(&f->imp[0], buf, NULL));
	assert_non_null(mock_importer_map(&f->imp[0]));
	mock_importer_detach(&f->imp[0]);
	expect_violations(DMB_V9_BAD_DETACH_OR_PUT, 1);
	assert_string_equal(me->log, "attach,pin,map,unmap,unpin,detach");
	assert_int_equal(me->pin_count, 0);
	assert_int_equal(me->live_tables, 0);
	dma_buf_put(buf);
	assert_int_equal(me->release_calls, 1);
}

/* V9: detaching an attachment from a buffer it is not on is reported and refused. */
static void v9_detach_foreign_attachment(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *a = mock_export(&f->exp[0], "a", 4096, 0);
	struct dma_buf *b = mock_export(&f->exp[1], "b", 4096, 0);
	struct dma_buf_attachment *att = mock_importer_attach(&f->imp[0], a, NULL);

	dma_buf_detach(b, att);
	expect_violations(DMB_V9_BAD_DETACH_OR_PUT, 1);
	assert_int_equal(f->exp[0].detach_calls, 0);
	assert_int_equal(f->exp[1].detach_calls, 0);
	/* still attached to a, and usable */
	assert_ptr_equal(dma_buf_attachment_dmabuf(att), a);
	assert_non_null(mock_importer_map(&f->imp[0]));
	mock_importer_unmap(&f->imp[0]);
	mock_importer_detach(&f->imp[0]);
	assert_int_equal(f->exp[0].detach_calls, 1);
	dma_buf_put(a);
	dma_buf_put(b);
}

/* ---- mapping tokens -------------------------------------------------- */

static struct dmb_check_map *token_of(struct mock_importer *imp)
{
	struct dma_resv *resv = dma_buf_resv(imp->dmabuf);
	struct dmb_check_map *tok;

	assert_int_equal(dma_resv_lock(resv, NULL), 0);
	tok = dma_buf_mapping_token(imp->attach, imp->sgt);
	dma_resv_unlock(resv);
	return tok;
}

static void invalidate_locked(struct dma_buf *buf)
{
	assert_int_equal(dma_resv_lock(dma_buf_resv(buf), NULL), 0);
	dma_buf_invalidate_mappings(buf);
	dma_resv_unlock(dma_buf_resv(buf));
}

/* a revocable mapping's token goes LIVE -> INVALIDATED -> UNMAPPED and outlives it. */
static void token_follows_mapping(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = mock_export(&f->exp[0], "vram", 4096, 0);
	struct mock_importer *imp = &f->imp[0];
	struct dmb_check_map *tok;

	assert_non_null(mock_importer_attach(imp, buf, &mock_importer_ops_revocable));
	assert_non_null(mock_importer_map(imp));
	tok = token_of(imp);
	assert_non_null(tok);
	assert_int_equal(dmb_check_map_state(tok), DMB_MAP_LIVE);
	assert_int_equal(dmb_check_map_invalidated_at(tok), -1);
	invalidate_locked(buf);
	assert_int_equal(dmb_check_map_state(tok), DMB_MAP_INVALIDATED);
	assert_true(dmb_check_map_invalidated_at(tok) >= 0);
	mock_importer_unmap(imp);
	assert_int_equal(dmb_check_map_state(tok), DMB_MAP_UNMAPPED);
	assert_true(dmb_check_map_unmapped_at(tok) >= dmb_check_map_invalidated_at(tok));
	mock_importer_detach(imp);
	dma_buf_put(buf);
	/* ours until we put it, after everything else is gone */
	assert_int_equal(dmb_check_map_state(tok), DMB_MAP_UNMAPPED);
	dmb_check_map_put(tok);
}

/* invalidate marks only the mappings of attachments it notified; a static one stays LIVE. */
static void token_static_stays_live(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = mock_export(&f->exp[0], "vram", 4096, 0);
	struct mock_importer *imp = &f->imp[0];
	struct dmb_check_map *tok;

	assert_non_null(mock_importer_attach(imp, buf, NULL));
	assert_non_null(mock_importer_map(imp));
	tok = token_of(imp);
	assert_non_null(tok);
	invalidate_locked(buf);
	assert_int_equal(dmb_check_map_state(tok), DMB_MAP_LIVE);
	mock_importer_unmap(imp);
	assert_int_equal(dmb_check_map_state(tok), DMB_MAP_UNMAPPED);
	dmb_check_map_put(tok);
	mock_importer_detach(imp);
	dma_buf_put(buf);
}

/* a table that is not a live mapping of the attachment has no token: NULL, ENOENT. */
static void token_unknown_table_enoent(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = mock_export(&f->exp[0], "heap", 4096, 0);
	struct dma_resv *resv = dma_buf_resv(buf);
	struct sg_table *sgt;

	assert_non_null(mock_importer_attach(&f->imp[0], buf, NULL));
	assert_non_null(mock_importer_attach(&f->imp[1], buf, NULL));
	sgt = mock_importer_map(&f->imp[0]);
	assert_non_null(sgt);
	assert_int_equal(dma_resv_lock(resv, NULL), 0);
	errno = 0;
	assert_null(dma_buf_mapping_token(f->imp[1].attach, sgt));
	assert_int_equal(errno, ENOENT);
	dma_resv_unlock(resv);
	mock_importer_unmap(&f->imp[0]);
	assert_int_equal(dma_resv_lock(resv, NULL), 0);
	errno = 0;
	assert_null(dma_buf_mapping_token(f->imp[0].attach, sgt));
	assert_int_equal(errno, ENOENT);
	dma_resv_unlock(resv);
	mock_importer_detach(&f->imp[0]);
	mock_importer_detach(&f->imp[1]);
	dma_buf_put(buf);
}

/* ---- CPU access ------------------------------------------------------ */

/*
 * Signals @fence after @delay_ns unless cancelled first, so a case that
 * expects no wait cannot hang if the core waits anyway: it fails instead.
 */
struct late_signal {
	struct dma_fence *fence;
	int64_t delay_ns;
	atomic_bool cancel;
};

static void *late_signal_fn(void *p)
{
	struct late_signal *ls = p;

	for (int64_t t = 0; t < ls->delay_ns; t += NSEC_PER_MSEC) {
		if (atomic_load(&ls->cancel))
			return NULL;
		th_sleep_ns(NSEC_PER_MSEC);
	}
	dma_fence_signal(ls->fence);
	return NULL;
}

/* begin_cpu_access(FROM_DEVICE) waits for a pending writer, then calls the exporter. */
static void begin_cpu_access_waits_for_writer(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "heap", 4096, 0);
	struct late_signal *ls = TH_NEW(struct late_signal, {
		.fence = mock_fence(), .delay_ns = 20 * NSEC_PER_MSEC,
	});
	struct th_thread *t;

	add_fence(dma_buf_resv(buf), ls->fence, DMA_RESV_USAGE_WRITE);
	t = th_thread_start(late_signal_fn, ls);
	assert_int_equal(dma_buf_begin_cpu_access(buf, DMA_FROM_DEVICE), 0);
	assert_true(dma_fence_is_signaled(ls->fence));
	assert_int_equal(me->begin_cpu_calls, 1);
	assert_true(me->begin_cpu_writers_idle);
	assert_int_equal(me->begin_cpu_dir, DMA_FROM_DEVICE);
	th_thread_join(t);
	assert_int_equal(dma_buf_end_cpu_access(buf, DMA_FROM_DEVICE), 0);
	assert_string_equal(me->log, "begin_cpu,end_cpu");
	dma_fence_put(ls->fence);
	dma_buf_put(buf);
}

/* CPU reads wait for writers only; CPU writes (TO_DEVICE) also wait for readers. */
static void cpu_access_waits_per_direction(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "heap", 4096, 0);
	struct late_signal *ls = TH_NEW(struct late_signal, {
		.fence = mock_fence(), .delay_ns = TH_HANG_NS / 2,
	});
	struct th_thread *t;

	add_fence(dma_buf_resv(buf), ls->fence, DMA_RESV_USAGE_READ);
	/* a reader does not block a CPU read (the safety thread is not needed) */
	t = th_thread_start(late_signal_fn, ls);
	assert_int_equal(dma_buf_begin_cpu_access(buf, DMA_FROM_DEVICE), 0);
	atomic_store(&ls->cancel, true);
	th_thread_join(t);
	assert_false(me->begin_cpu_all_idle);
	assert_int_equal(dma_buf_end_cpu_access(buf, DMA_FROM_DEVICE), 0);
	assert_false(dma_fence_is_signaled(ls->fence));

	/* but it blocks a CPU write until it signals */
	ls->delay_ns = 20 * NSEC_PER_MSEC;
	atomic_store(&ls->cancel, false);
	t = th_thread_start(late_signal_fn, ls);
	assert_int_equal(dma_buf_begin_cpu_access(buf, DMA_TO_DEVICE), 0);
	assert_true(me->begin_cpu_all_idle);
	assert_int_equal(me->begin_cpu_dir, DMA_TO_DEVICE);
	th_thread_join(t);
	assert_int_equal(dma_buf_end_cpu_access(buf, DMA_TO_DEVICE), 0);
	assert_int_equal(me->begin_cpu_calls, 2);
	assert_int_equal(me->end_cpu_calls, 2);
	dma_fence_put(ls->fence);
	dma_buf_put(buf);
}

/* an exporter without CPU access ops: begin/end succeed and do nothing. */
static void cpu_access_without_ops(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "min", 4096, MOCK_EXP_MINIMAL);

	assert_int_equal(dma_buf_begin_cpu_access(buf, DMA_BIDIRECTIONAL), 0);
	assert_int_equal(dma_buf_end_cpu_access(buf, DMA_BIDIRECTIONAL), 0);
	assert_string_equal(me->log, "");
	dma_buf_put(buf);
}

/* ---- vmap ------------------------------------------------------------ */

/* vmap is counted: nested vmaps share one address and one op call; the last vunmap calls vunmap. */
static void vmap_is_counted(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "heap", 4096, 0);
	void *v1 = NULL, *v2 = NULL;

	assert_int_equal(dma_buf_vmap_unlocked(buf, &v1), 0);
	assert_int_equal(dma_buf_vmap_unlocked(buf, &v2), 0);
	assert_ptr_equal(v1, me->mem);
	assert_ptr_equal(v2, v1);
	assert_int_equal(me->vmap_calls, 1);
	dma_buf_vunmap_unlocked(buf, v2);
	assert_int_equal(me->vunmap_calls, 0);
	dma_buf_vunmap_unlocked(buf, v1);
	assert_int_equal(me->vunmap_calls, 1);

	/* the locked variants, in the caller's lock session; a new round maps again */
	assert_int_equal(dma_resv_lock(dma_buf_resv(buf), NULL), 0);
	assert_int_equal(dma_buf_vmap(buf, &v1), 0);
	assert_ptr_equal(v1, me->mem);
	dma_buf_vunmap(buf, v1);
	dma_resv_unlock(dma_buf_resv(buf));
	assert_string_equal(me->log, "vmap,vunmap,vmap,vunmap");
	dma_buf_put(buf);
}

/* vmap without a vmap op fails -EINVAL, quietly: it is a capability, not misuse. */
static void vmap_without_op(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = mock_export(&f->exp[0], "min", 4096, MOCK_EXP_MINIMAL);
	void *v = NULL;

	assert_int_equal(dma_buf_vmap_unlocked(buf, &v), -EINVAL);
	assert_null(v);
	dma_buf_put(buf);
}

/* ---- debug dump ------------------------------------------------------ */

static char *dump(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	dma_buf_debug_dump(out);
	assert_int_equal(fclose(out), 0);
	assert_non_null(text);
	return text;
}

/* the dump names each live buffer and its attachments (importer, device); released ones vanish. */
static void debug_dump_names(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = mock_export(&f->exp[0], "heap", 4096, 0);
	char *text;

	assert_int_equal(dma_buf_set_name(buf, "framebuffer-7"), 0);
	assert_non_null(mock_importer_attach(&f->imp[0], buf, NULL));
	assert_non_null(mock_importer_attach(&f->imp[1], buf, &mock_importer_ops_revocable_p2p));
	assert_non_null(mock_importer_map(&f->imp[1]));
	text = dump();
	assert_non_null(strstr(text, "framebuffer-7"));
	assert_non_null(strstr(text, "static"));
	assert_non_null(strstr(text, "mock-revocable-p2p"));
	assert_non_null(strstr(text, f->imp[0].dev.name));
	assert_non_null(strstr(text, f->imp[1].dev.name));
	free(text);
	mock_importer_unmap(&f->imp[1]);
	mock_importer_detach(&f->imp[0]);
	mock_importer_detach(&f->imp[1]);
	dma_buf_put(buf);
	text = dump();
	assert_null(strstr(text, "framebuffer-7"));
	free(text);
}

/* the dump lists the buffer's fences with their usage and state. */
static void debug_dump_lists_fences(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = mock_export(&f->exp[0], "heap", 4096, 0);
	struct dma_fence *move = mock_fence(), *job = mock_fence();
	char *text;

	assert_int_equal(dma_buf_set_name(buf, "fenced-buffer"), 0);
	add_resv_fence(buf, move, DMA_RESV_USAGE_KERNEL);
	add_resv_fence(buf, job, DMA_RESV_USAGE_READ);
	dma_fence_signal(move);
	text = dump();
	assert_non_null(strstr(text, "fenced-buffer"));
	assert_non_null(strstr(text, "fence kernel"));
	assert_non_null(strstr(text, "fence read"));
	assert_non_null(strstr(text, "signaled"));
	assert_non_null(strstr(text, "pending"));
	free(text);
	dma_fence_signal(job);
	dma_fence_put(move);
	dma_fence_put(job);
	dma_buf_put(buf);
}

/* ---- NULL arguments -------------------------------------------------- */

/*
 * One misuse call: its result must be the documented error and it must raise
 * exactly one WARN (and no violation). Mismatches are counted and printed,
 * not asserted, so one run lists every call that misbehaves.
 */
static void one_warn(const char *what, bool result_ok, unsigned int *bad)
{
	unsigned int warns = th_count_reports(DMB_DIAG_WARN);
	unsigned int violations = th_count_reports(DMB_DIAG_VIOLATION);

	if (!result_ok || warns != 1 || violations) {
		print_error("%s: result %s, %u WARN, %u violations (want: error, 1 WARN)\n",
			    what, result_ok ? "ok" : "WRONG", warns, violations);
		(*bad)++;
	}
	while (th_take_report(DMB_DIAG_WARN, NULL))
		;
	while (th_take_report(DMB_DIAG_VIOLATION, NULL))
		;
	dmb_check_reset();
}

/*
 * As one_warn() for an unmap of a NULL table: the contract makes "a table not
 * mapped on @attach" V8, and NULL is one, so V8 instead of the WARN is fine.
 */
static void one_warn_or_v8(const char *what, unsigned int *bad)
{
	if (th_count_reports(DMB_DIAG_WARN) == 0 &&
	    th_count_reports(DMB_DIAG_VIOLATION) == 1 &&
	    dmb_check_count(DMB_V8_BAD_UNMAP) == 1 &&
	    th_take_report(DMB_DIAG_VIOLATION, "V8")) {
		dmb_check_reset();
		return;
	}
	one_warn(what, true, bad);
}

/* NULL buffer arguments: WARN and an error, never a crash. */
static void null_args_buffer(void **state)
{
	struct fixture *f = *state;
	struct dma_buf *buf = mock_export(&f->exp[0], "heap", 4096, 0);
	unsigned int bad = 0;
	void *v = NULL;

	errno = 0;
	one_warn("dma_buf_export(NULL)",
		 !dma_buf_export(NULL) && errno == EINVAL, &bad);
	get_dma_buf(NULL);
	one_warn("get_dma_buf(NULL)", true, &bad);
	dma_buf_put(NULL);
	one_warn("dma_buf_put(NULL)", true, &bad);
	one_warn("dma_buf_set_name(NULL, \"x\")",
		 dma_buf_set_name(NULL, "x") == -EINVAL, &bad);
	one_warn("dma_buf_set_name(buf, NULL)",
		 dma_buf_set_name(buf, NULL) == -EINVAL, &bad);
	dma_buf_invalidate_mappings(NULL);
	one_warn("dma_buf_invalidate_mappings(NULL)", true, &bad);
	one_warn("dma_buf_begin_cpu_access(NULL)",
		 dma_buf_begin_cpu_access(NULL, DMA_FROM_DEVICE) == -EINVAL, &bad);
	one_warn("dma_buf_end_cpu_access(NULL)",
		 dma_buf_end_cpu_access(NULL, DMA_FROM_DEVICE) == -EINVAL, &bad);
	one_warn("dma_buf_vmap_unlocked(NULL, &v)",
		 dma_buf_vmap_unlocked(NULL, &v) == -EINVAL, &bad);
	one_warn("dma_buf_vmap_unlocked(buf, NULL)",
		 dma_buf_vmap_unlocked(buf, NULL) == -EINVAL, &bad);
	dma_buf_vunmap_unlocked(NULL, v);
	one_warn("dma_buf_vunmap_unlocked(NULL, v)", true, &bad);

	/* none of it reached the exporter or changed the buffer */
	assert_string_equal(dma_buf_name(buf), "heap");
	assert_string_equal(f->exp[0].log, "");
	dma_buf_put(buf);
	assert_int_equal(bad, 0);
}

/* NULL attachment arguments: WARN and an error, never a crash. */
static void null_args_attachment(void **state)
{
	struct fixture *f = *state;
	struct mock_exporter *me = &f->exp[0];
	struct dma_buf *buf = mock_export(me, "heap", 4096, 0);
	struct dma_buf_attachment *a = mock_importer_attach(&f->imp[0], buf, NULL);
	struct sg_table *sgt = mock_importer_map(&f->imp[0]);
	struct device *dev = &f->imp[1].dev;
	unsigned int bad = 0;

	assert_non_null(sgt);
	errno = 0;
	one_warn("dma_buf_attach(NULL, dev)",
		 !dma_buf_attach(NULL, dev) && errno == EINVAL, &bad);
	errno = 0;
	one_warn("dma_buf_attach(buf, NULL)",
		 !dma_buf_attach(buf, NULL) && errno == EINVAL, &bad);
	errno = 0;
	one_warn("dma_buf_dynamic_attach(NULL, ...)",
		 !dma_buf_dynamic_attach(NULL, dev, &mock_importer_ops_revocable, NULL) &&
		 errno == EINVAL, &bad);
	dma_buf_detach(NULL, a);
	one_warn("dma_buf_detach(NULL, a)", true, &bad);
	dma_buf_detach(buf, NULL);
	one_warn("dma_buf_detach(buf, NULL)", true, &bad);
	one_warn("dma_buf_attachment_is_dynamic(NULL)",
		 !dma_buf_attachment_is_dynamic(NULL), &bad);
	one_warn("dma_buf_attach_revocable(NULL)",
		 !dma_buf_attach_revocable(NULL), &bad);
	one_warn("dma_buf_pin(NULL)", dma_buf_pin(NULL) == -EINVAL, &bad);
	dma_buf_unpin(NULL);
	one_warn("dma_buf_unpin(NULL)", true, &bad);
	errno = 0;
	one_warn("dma_buf_map_attachment(NULL)",
		 !dma_buf_map_attachment(NULL, DMA_TO_DEVICE) && errno == EINVAL, &bad);
	errno = 0;
	one_warn("dma_buf_map_attachment_unlocked(NULL)",
		 !dma_buf_map_attachment_unlocked(NULL, DMA_TO_DEVICE) &&
		 errno == EINVAL, &bad);
	dma_buf_unmap_attachment(NULL, sgt, DMA_TO_DEVICE);
	one_warn("dma_buf_unmap_attachment(NULL, sgt)", true, &bad);
	dma_buf_unmap_attachment_unlocked(a, NULL, DMA_TO_DEVICE);
	one_warn_or_v8("dma_buf_unmap_attachment_unlocked(a, NULL)", &bad);
	errno = 0;
	one_warn("dma_buf_mapping_token(NULL, sgt)",
		 !dma_buf_mapping_token(NULL, sgt) && errno == EINVAL, &bad);

	/* none of it reached the exporter or disturbed the real mapping */
	assert_string_equal(me->log, "attach,map");
	assert_int_equal(mapped(a), 1);
	mock_importer_unmap(&f->imp[0]);
	mock_importer_detach(&f->imp[0]);
	dma_buf_put(buf);
	assert_int_equal(bad, 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		BUF_TEST(export_accessors),
		BUF_TEST(export_shared_resv),
		BUF_TEST(export_rejects_invalid),
		BUF_TEST(release_on_last_put),
		BUF_TEST(v9_put_after_release),
		BUF_TEST(put_detaches_leftovers),
		BUF_TEST(set_name_and_name),
		BUF_TEST(static_attach),
		BUF_TEST(dynamic_attach),
		BUF_TEST(attach_refusal_propagates_errno),
		BUF_TEST(r1_dynamic_without_invalidate),
		BUF_TEST(r2_revocable_iff_invalidate),
		BUF_ROW(static_map, static_map_rows[0]),
		BUF_TEST(r3_dynamic_map_never_pins),
		BUF_ROW(static_map, static_map_rows[1]),
		BUF_ROW(static_map, static_map_rows[2]),
		BUF_ROW(static_map, static_map_rows[3]),
		BUF_TEST(map_error_propagates),
		BUF_TEST(pin_unpin_call_exporter),
		BUF_TEST(r10_pin_without_pin_op),
		BUF_TEST(static_map_waits_for_kernel_fences),
		BUF_TEST(dynamic_map_does_not_wait),
		BUF_TEST(pin_static_attachment_refused),
		BUF_TEST(dynamic_attach_without_ops_is_static),
		BUF_TEST(unbalanced_unpin_reported),
		BUF_TEST(locked_calls_without_lock_refused),
		BUF_TEST(locked_calls_with_lock),
		BUF_TEST(two_mappings_one_attachment),
		BUF_TEST(mappings_per_attachment),
		BUF_TEST(r4_invalidate_calls_revocable_only),
		BUF_TEST(r4_unmap_inside_invalidate),
		BUF_TEST(v1_invalidate_without_lock),
		BUF_TEST(r5_unlocked_variants_take_lock),
		BUF_TEST(r5_locked_variants),
		BUF_TEST(v2_map_unmap_without_lock),
		BUF_TEST(v3_map_while_revoked_taken_back),
		BUF_TEST(revoked_refuses_without_v3),
		BUF_TEST(v8_unmap_foreign_table),
		BUF_TEST(v8_double_unmap),
		BUF_TEST(v8_unmap_never_mapped),
		BUF_TEST(v9_detach_with_live_mapping),
		BUF_TEST(v9_detach_foreign_attachment),
		BUF_TEST(token_follows_mapping),
		BUF_TEST(token_static_stays_live),
		BUF_TEST(token_unknown_table_enoent),
		BUF_TEST(begin_cpu_access_waits_for_writer),
		BUF_TEST(cpu_access_waits_per_direction),
		BUF_TEST(cpu_access_without_ops),
		BUF_TEST(vmap_is_counted),
		BUF_TEST(vmap_without_op),
		BUF_TEST(debug_dump_names),
		BUF_TEST(debug_dump_lists_fences),
		BUF_TEST(null_args_buffer),
		BUF_TEST(null_args_attachment),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
