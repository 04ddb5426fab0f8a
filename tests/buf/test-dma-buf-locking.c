// SPDX-License-Identifier: MIT
/*
 * test-dma-buf-locking.c - calls made with the wrong lock state are refused
 * without corrupting anything: a call that takes the resv lock itself, made
 * by a thread already holding it, is reported and refused (and leaves the
 * lock held), detach too, and names can be read while a buffer is renamed.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dmabuf/dma-buf-revoke.h>
#include <dmabuf/dma-buf.h>

#include "harness.h"
#include "mock-exporter.h"

struct fixture {
	struct mock_exporter me;
	struct mock_importer imp;
	struct dma_buf *buf;
	long live_before;
};

static int lock_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->live_before = mock_exporter_live();
	*state = f;
	if (th_setup(state))
		return -1;
	dmb_check_reset();
	f->buf = mock_export(&f->me, "mock", 4096, 0);
	mock_importer_init(&f->imp, "dev0");
	return 0;
}

static int lock_teardown(void **state)
{
	struct fixture *f = *state;
	long leaked;

	th_teardown_threads();
	dma_buf_put(f->buf);
	leaked = mock_exporter_live() - f->live_before;
	free(f);
	return th_teardown(state) || leaked ? -1 : 0;
}

#define LOCK_TEST(fn) cmocka_unit_test_setup_teardown(fn, lock_setup, lock_teardown)

/*
 * One rule, the other way round: a call that takes the resv lock itself,
 * made by a thread that holds it, is reported and refused. It neither locks
 * twice nor runs inside the caller's session, and leaves the lock held.
 */
struct self_locking_call {
	const char *name;
	/* Make the call; true if it returned its documented refusal. */
	bool (*call)(struct fixture *f, struct dma_buf_attachment *a,
		     struct sg_table *sgt);
};

static bool call_map_unlocked(struct fixture *f, struct dma_buf_attachment *a,
			      struct sg_table *sgt)
{
	errno = 0;
	return !dma_buf_map_attachment_unlocked(a, DMA_BIDIRECTIONAL) &&
	       errno == EINVAL;
}

static bool call_unmap_unlocked(struct fixture *f, struct dma_buf_attachment *a,
				struct sg_table *sgt)
{
	dma_buf_unmap_attachment_unlocked(a, sgt, DMA_BIDIRECTIONAL);
	return true;
}

static bool call_vmap_unlocked(struct fixture *f, struct dma_buf_attachment *a,
			       struct sg_table *sgt)
{
	void *v = NULL;

	return dma_buf_vmap_unlocked(f->buf, &v) == -EINVAL && !v;
}

static bool call_vunmap_unlocked(struct fixture *f, struct dma_buf_attachment *a,
				 struct sg_table *sgt)
{
	dma_buf_vunmap_unlocked(f->buf, NULL);
	return true;
}

static bool call_attach(struct fixture *f, struct dma_buf_attachment *a,
			struct sg_table *sgt)
{
	static struct device dev = { .name = "late" };

	errno = 0;
	return !dma_buf_attach(f->buf, &dev) && errno == EINVAL;
}

static bool call_begin_cpu_access(struct fixture *f, struct dma_buf_attachment *a,
				  struct sg_table *sgt)
{
	return dma_buf_begin_cpu_access(f->buf, DMA_FROM_DEVICE) == -EINVAL;
}

static bool call_end_cpu_access(struct fixture *f, struct dma_buf_attachment *a,
				struct sg_table *sgt)
{
	return dma_buf_end_cpu_access(f->buf, DMA_FROM_DEVICE) == -EINVAL;
}

static const struct self_locking_call self_locking_calls[] = {
	{ "dma_buf_map_attachment_unlocked", call_map_unlocked },
	{ "dma_buf_unmap_attachment_unlocked", call_unmap_unlocked },
	{ "dma_buf_vmap_unlocked", call_vmap_unlocked },
	{ "dma_buf_vunmap_unlocked", call_vunmap_unlocked },
	{ "dma_buf_attach", call_attach },
	{ "dma_buf_begin_cpu_access", call_begin_cpu_access },
	{ "dma_buf_end_cpu_access", call_end_cpu_access },
};

static void unlocked_calls_inside_session_refused(void **state)
{
	struct fixture *f = *state;
	struct dma_resv *resv = dma_buf_resv(f->buf);
	struct dma_buf_attachment *a;
	struct sg_table *sgt;
	char log[sizeof(f->me.log)];

	a = mock_importer_attach(&f->imp, f->buf, &mock_importer_ops_revocable);
	assert_non_null(a);
	sgt = dma_buf_map_attachment_unlocked(a, DMA_BIDIRECTIONAL);
	assert_non_null(sgt);
	strcpy(log, f->me.log);
	assert_int_equal(dma_resv_lock(resv, NULL), 0);
	for (size_t i = 0; i < DMB_ARRAY_SIZE(self_locking_calls); i++) {
		const struct self_locking_call *c = &self_locking_calls[i];
		char warning[96];

		print_message("%s\n", c->name);
		assert_true(c->call(f, a, sgt));
		snprintf(warning, sizeof(warning),
			 "%s on buffer mock with its resv lock held: refused", c->name);
		th_assert_warned(warning);
		assert_true(dma_resv_held(resv));	/* the caller's lock survived */
		assert_string_equal(f->me.log, log);	/* no exporter op ran */
	}
	assert_int_equal(dma_buf_attachment_mapped(a), 1);
	dma_resv_unlock(resv);
	assert_false(dma_resv_is_locked(resv));
	dma_buf_unmap_attachment_unlocked(a, sgt, DMA_BIDIRECTIONAL);
	mock_importer_detach(&f->imp);
}

/*
 * The revoke helper keeps the same rule: the entry points an exporter's
 * locked ops call (map, unmap) refuse without the lock, the ones that lock
 * refuse with it; attach, called from the unlocked attach op, needs none.
 */
static void revoke_helper_lock_rule(void **state)
{
	static const struct dmb_revoke_policy policy = { .wait = DMB_REVOKE_WAIT };
	struct fixture *f = *state;
	struct dma_resv *resv = dma_buf_resv(f->buf);
	struct dmb_revocable *rev = dmb_revocable_create(f->buf, NULL);
	struct dma_buf_attachment *a;

	assert_non_null(rev);
	a = mock_importer_attach(&f->imp, f->buf, &mock_importer_ops_revocable);
	assert_non_null(a);
	/* attach runs from the exporter's attach op, unlocked as in the kernel */
	assert_int_equal(dmb_revocable_attach(rev, a, 0), 0);
	assert_int_equal(dmb_revocable_map(rev), -EINVAL);
	th_assert_warned("is not held by the calling thread");
	dmb_revocable_unmap(rev);
	th_assert_warned("is not held by the calling thread");
	assert_int_equal(dmb_revocable_mappings(rev), 0);	/* nothing counted */

	assert_int_equal(dma_resv_lock(resv, NULL), 0);
	assert_int_equal(dmb_revocable_set_policy(rev, &policy), -EINVAL);
	th_assert_warned("dmb_revocable_set_policy on buffer mock with its resv lock held: refused");
	assert_int_equal(dmb_revocable_mappings(rev), 0);
	th_assert_warned("dmb_revocable_mappings on buffer mock with its resv lock held: refused");
	assert_int_equal(dmb_revocable_map(rev), 0);		/* with the lock: counted */
	dmb_revocable_unmap(rev);
	assert_true(dma_resv_held(resv));
	dma_resv_unlock(resv);

	mock_importer_detach(&f->imp);
	dmb_revocable_destroy(rev);
}

/* Detach with the lock held is refused: the attachment stays, the lock too. */
static void detach_inside_session_refused(void **state)
{
	struct fixture *f = *state;
	struct dma_resv *resv = dma_buf_resv(f->buf);
	struct dma_buf_attachment *a;

	a = mock_importer_attach(&f->imp, f->buf, &mock_importer_ops_revocable);
	assert_non_null(a);
	assert_int_equal(dma_resv_lock(resv, NULL), 0);
	dma_buf_detach(f->buf, a);
	th_assert_warned("dma_buf_detach on buffer mock with its resv lock held: refused");
	assert_true(dma_resv_held(resv));
	assert_int_equal(atomic_load(&f->me.detach_calls), 0);
	dma_resv_unlock(resv);
	mock_importer_detach(&f->imp);
	assert_int_equal(atomic_load(&f->me.detach_calls), 1);
}

struct renamer {
	struct dma_buf *buf;
	atomic_bool stop;
};

static void *rename_loop(void *arg)
{
	struct renamer *r = arg;
	char name[32];

	for (int i = 0; i < 2000 && !atomic_load(&r->stop); i++) {
		snprintf(name, sizeof(name), "buffer-%d", i);
		dma_buf_set_name(r->buf, name);
	}
	return NULL;
}

/* A name read while another thread renames is always a whole, stable string. */
static void rename_while_reading(void **state)
{
	struct fixture *f = *state;
	struct renamer *r = TH_NEW(struct renamer, { .buf = f->buf });
	struct th_thread *t = th_thread_start(rename_loop, r);
	size_t total = 0;

	for (int i = 0; i < 2000; i++) {
		const char *name = dma_buf_name(f->buf);

		assert_true(strcmp(name, "mock") == 0 || strncmp(name, "buffer-", 7) == 0);
		total += strlen(name);
	}
	atomic_store(&r->stop, true);
	th_thread_join(t);
	assert_true(total > 0);
}

/*
 * An exporter whose attach and detach ops take the resv lock themselves, as
 * a kernel exporter may: those ops run without it (the core locks only
 * around the attachment-list update).
 */
struct locking_exporter {
	atomic_int attach_held;		/* attach ops that found the lock held */
	atomic_int detach_held;
	atomic_int locked_ok;		/* ops that took the lock themselves */
	struct sg_table sgt;
};

static int locking_attach(struct dma_buf *buf, struct dma_buf_attachment *a)
{
	struct locking_exporter *le = dma_buf_priv(buf);

	if (dma_resv_held(dma_buf_resv(buf))) {
		atomic_fetch_add(&le->attach_held, 1);
		return 0;
	}
	if (dma_resv_lock(dma_buf_resv(buf), NULL) == 0) {
		atomic_fetch_add(&le->locked_ok, 1);
		dma_resv_unlock(dma_buf_resv(buf));
	}
	return 0;
}

static void locking_detach(struct dma_buf *buf, struct dma_buf_attachment *a)
{
	struct locking_exporter *le = dma_buf_priv(buf);

	if (dma_resv_held(dma_buf_resv(buf))) {
		atomic_fetch_add(&le->detach_held, 1);
		return;
	}
	if (dma_resv_lock(dma_buf_resv(buf), NULL) == 0) {
		atomic_fetch_add(&le->locked_ok, 1);
		dma_resv_unlock(dma_buf_resv(buf));
	}
}

static int locking_map(struct dma_buf_attachment *a, enum dma_data_direction dir,
		       struct sg_table **sgtp)
{
	struct locking_exporter *le = dma_buf_priv(dma_buf_attachment_dmabuf(a));

	*sgtp = &le->sgt;
	return 0;
}

static void locking_unmap(struct dma_buf_attachment *a, struct sg_table *sgt,
			  enum dma_data_direction dir)
{
}

static void locking_release(struct dma_buf *buf)
{
}

static const struct dma_buf_ops locking_ops = {
	.attach = locking_attach,
	.detach = locking_detach,
	.map_dma_buf = locking_map,
	.unmap_dma_buf = locking_unmap,
	.release = locking_release,
};

/* exporter attach/detach ops run without the resv lock, so they may take it (kernel rule). */
static void attach_detach_ops_run_unlocked(void **state)
{
	struct fixture *f = *state;
	struct locking_exporter le = { .attach_held = 0 };
	struct dma_buf_export_info info = {
		.exp_name = "locking", .size = 4096, .ops = &locking_ops, .priv = &le,
	};
	struct dma_buf *buf = dma_buf_export(&info);
	struct dma_buf_attachment *a;

	assert_non_null(buf);
	a = dma_buf_attach(buf, &f->imp.dev);
	assert_non_null(a);
	dma_buf_detach(buf, a);
	assert_int_equal(atomic_load(&le.attach_held), 0);
	assert_int_equal(atomic_load(&le.detach_held), 0);
	assert_int_equal(atomic_load(&le.locked_ok), 2);
	dma_buf_put(buf);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		LOCK_TEST(unlocked_calls_inside_session_refused),
		LOCK_TEST(detach_inside_session_refused),
		LOCK_TEST(revoke_helper_lock_rule),
		LOCK_TEST(rename_while_reading),
		LOCK_TEST(attach_detach_ops_run_unlocked),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
