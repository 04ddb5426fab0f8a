// SPDX-License-Identifier: MIT
/* test-kref.c - release runs exactly once, after the last put, from any thread. */
#include <stdatomic.h>

#include <dmabuf/kref.h>

#include "harness.h"

struct obj {
	struct dmb_kref ref;
	atomic_int released;
};

static void obj_release(struct dmb_kref *ref)
{
	struct obj *o = dmb_container_of(ref, struct obj, ref);

	atomic_fetch_add(&o->released, 1);
}

/* the last put, and only it, releases. */
static void last_put_releases(void **state)
{
	struct obj o = { .released = 0 };

	dmb_kref_init(&o.ref);
	dmb_kref_get(&o.ref);
	assert_int_equal(dmb_kref_read(&o.ref), 2);
	assert_false(dmb_kref_put(&o.ref, obj_release));
	assert_int_equal(o.released, 0);
	assert_true(dmb_kref_put(&o.ref, obj_release));
	assert_int_equal(o.released, 1);
}

/* get_unless_zero refuses an object whose count already hit zero. */
static void get_unless_zero_refuses_dead(void **state)
{
	struct obj o = { .released = 0 };

	dmb_kref_init(&o.ref);
	assert_true(dmb_kref_get_unless_zero(&o.ref));
	dmb_kref_put(&o.ref, obj_release);
	dmb_kref_put(&o.ref, obj_release);
	assert_false(dmb_kref_get_unless_zero(&o.ref));
}

/* a put below zero is reported and does not release a second time. */
static void underflow_is_reported(void **state)
{
	struct obj o = { .released = 0 };

	dmb_kref_init(&o.ref);
	dmb_kref_put(&o.ref, obj_release);
	assert_false(dmb_kref_put(&o.ref, obj_release));
	th_assert_warned("underflow");
	assert_int_equal(o.released, 1);
}

#define KREF_THREADS	4
#define KREF_ROUNDS	20000

static void *get_put_loop(void *arg)
{
	struct obj *o = arg;

	for (int i = 0; i < KREF_ROUNDS; i++) {
		dmb_kref_get(&o->ref);
		dmb_kref_put(&o->ref, obj_release);
	}
	return NULL;
}

/* concurrent get/put pairs never release while the owner's reference lives. */
static void concurrent_get_put(void **state)
{
	struct obj *o = TH_NEW(struct obj, { .released = 0 });
	struct th_thread *t[KREF_THREADS];

	dmb_kref_init(&o->ref);
	for (int i = 0; i < KREF_THREADS; i++)
		t[i] = th_thread_start(get_put_loop, o);
	for (int i = 0; i < KREF_THREADS; i++)
		th_thread_join(t[i]);
	assert_int_equal(o->released, 0);
	assert_int_equal(dmb_kref_read(&o->ref), 1);
	assert_true(dmb_kref_put(&o->ref, obj_release));
	assert_int_equal(o->released, 1);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		TH_TEST(last_put_releases),
		TH_TEST(get_unless_zero_refuses_dead),
		TH_TEST(underflow_is_reported),
		TH_TEST(concurrent_get_put),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
