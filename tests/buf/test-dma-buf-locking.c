// SPDX-License-Identifier: MIT
/*
 * test-dma-buf-locking.c - calls made with the wrong lock state recover
 * without corrupting anything: a call that takes the resv lock itself, made
 * by a thread already holding it, runs inside that thread's lock session
 * (and leaves it locked), detach is refused there, and names can be read
 * while a buffer is renamed.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* An _unlocked call with the lock held is reported and runs in the caller's session. */
static void unlocked_call_inside_session(void **state)
{
	struct fixture *f = *state;
	struct dma_resv *resv = dma_buf_resv(f->buf);
	struct dma_buf_attachment *a;
	struct sg_table *sgt;

	a = mock_importer_attach(&f->imp, f->buf, &mock_importer_ops_revocable);
	assert_non_null(a);
	assert_int_equal(dma_resv_lock(resv, NULL), 0);
	sgt = dma_buf_map_attachment_unlocked(a, DMA_BIDIRECTIONAL);
	assert_non_null(sgt);
	th_assert_warned("dma_buf_map_attachment_unlocked on buffer mock with its resv lock held");
	/* The caller's lock survived the call. */
	assert_true(dma_resv_held(resv));
	assert_int_equal(dma_buf_attachment_mapped(a), 1);
	dma_buf_unmap_attachment_unlocked(a, sgt, DMA_BIDIRECTIONAL);
	th_assert_warned("dma_buf_unmap_attachment_unlocked");
	assert_true(dma_resv_held(resv));
	assert_int_equal(dma_buf_attachment_mapped(a), 0);
	dma_resv_unlock(resv);
	assert_false(dma_resv_is_locked(resv));
	mock_importer_detach(&f->imp);
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

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		LOCK_TEST(unlocked_call_inside_session),
		LOCK_TEST(detach_inside_session_refused),
		LOCK_TEST(rename_while_reading),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
