// SPDX-License-Identifier: MIT
/* test-dma-fence-array.c - an array signals when all (or any) of its members have. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include <dmabuf/clock.h>
#include <dmabuf/dma-fence-array.h>

#include "harness.h"

/*
 * Member fences: counted, so that every case ends by proving that the array
 * dropped the members' references (and with ASan, that it freed itself).
 */
static atomic_int live_members;

struct member {
	struct dma_fence base;
	bool enable_returns;
};

static const char *member_name(struct dma_fence *fence)
{
	return "member";
}

static void member_release(struct dma_fence *fence)
{
	atomic_fetch_sub(&live_members, 1);
	free(dmb_container_of(fence, struct member, base));
}

static bool member_enable_signaling(struct dma_fence *fence)
{
	return dmb_container_of(fence, struct member, base)->enable_returns;
}

static const struct dma_fence_ops member_ops = {
	.get_driver_name = member_name,
	.get_timeline_name = member_name,
	.enable_signaling = member_enable_signaling,
	.release = member_release,
};

static struct dma_fence *member_on(pthread_mutex_t *lock, uint64_t context,
				   uint64_t seqno)
{
	struct member *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	m->enable_returns = true;
	dma_fence_init(&m->base, &member_ops, lock, context, seqno);
	atomic_fetch_add(&live_members, 1);
	return &m->base;
}

static struct dma_fence *member_new(void)
{
	return member_on(NULL, dma_fence_context_alloc(1), 1);
}

/* A malloc()ed vector of @n new members, as dma_fence_array_create() takes. */
static struct dma_fence **members_new(int n)
{
	struct dma_fence **fences = calloc((size_t)n, sizeof(*fences));

	assert_non_null(fences);
	for (int i = 0; i < n; i++)
		fences[i] = member_new();
	return fences;
}

/* An array over @fences; the test's pointers in @fences stay borrowed. */
static struct dma_fence *array_new(int n, struct dma_fence **fences, bool any)
{
	struct dma_fence *array;

	array = dma_fence_array_create(n, fences, dma_fence_context_alloc(1),
				       7, any);
	assert_non_null(array);
	return array;
}

static int member_teardown(void **state)
{
	int live;

	th_teardown_threads();
	live = atomic_exchange(&live_members, 0);
	if (live)
		print_error("%d member fences leaked\n", live);
	return th_teardown(state) || live ? -1 : 0;
}

#define TA_TEST(fn) cmocka_unit_test_setup_teardown(fn, th_setup, member_teardown)

struct probe {
	struct dma_fence_cb cb;
	atomic_int calls;
};

static void probe_func(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	atomic_fetch_add(&dmb_container_of(cb, struct probe, cb)->calls, 1);
}

/* fewer than one member, no vector or a NULL member: NULL, errno EINVAL, reported. */
static void create_rejects_bad_args(void **state)
{
	struct dma_fence **fences = calloc(2, sizeof(*fences));

	assert_non_null(fences);
	errno = 0;
	assert_null(dma_fence_array_create(0, fences, 1, 1, false));
	assert_int_equal(errno, EINVAL);
	th_assert_warned("of 0 fences");
	assert_null(dma_fence_array_create(-1, fences, 1, 1, false));
	th_assert_warned("of -1 fences");
	assert_null(dma_fence_array_create(1, NULL, 1, 1, false));
	th_assert_warned("of 1 fences");
	fences[0] = member_new();
	errno = 0;
	assert_null(dma_fence_array_create(2, fences, 1, 1, false));
	assert_int_equal(errno, EINVAL);
	th_assert_warned("member 1 is NULL");
	/* the caller kept both the vector and the reference */
	dma_fence_signal(fences[0]);
	dma_fence_put(fences[0]);
	free(fences);
}

/* the accessors see members of an array, and a plain fence as its own member 0. */
static void accessors(void **state)
{
	struct dma_fence **fences = members_new(3);
	struct dma_fence *m[3] = { fences[0], fences[1], fences[2] };
	struct dma_fence *array = array_new(3, fences, false);
	struct dma_fence *plain = member_new();

	assert_true(dma_fence_is_array(array));
	assert_int_equal(dma_fence_array_num_fences(array), 3);
	for (unsigned int i = 0; i < 3; i++)
		assert_ptr_equal(dma_fence_array_fence(array, i), m[i]);
	assert_null(dma_fence_array_fence(array, 3));
	assert_string_equal(dma_fence_driver_name(array), "dma_fence_array");
	assert_string_equal(dma_fence_timeline_name(array), "unbound");
	assert_int_equal(array->seqno, 7);

	assert_false(dma_fence_is_array(plain));
	assert_int_equal(dma_fence_array_num_fences(plain), 0);
	assert_ptr_equal(dma_fence_array_fence(plain, 0), plain);
	assert_null(dma_fence_array_fence(plain, 1));

	for (int i = 0; i < 3; i++)
		dma_fence_signal(m[i]);
	dma_fence_signal(plain);
	dma_fence_put(plain);
	dma_fence_put(array);
}

/* the array signals with the last member, once, and not before. */
static void signal_on_all(void **state)
{
	struct dma_fence **fences = members_new(3);
	struct dma_fence *m[3] = { fences[0], fences[1], fences[2] };
	struct dma_fence *array = array_new(3, fences, false);
	struct probe p = { .calls = 0 };

	assert_int_equal(dma_fence_add_callback(array, &p.cb, probe_func), 0);
	dma_fence_signal(m[2]);
	dma_fence_signal(m[0]);
	assert_false(dma_fence_is_signaled(array));
	assert_int_equal(dma_fence_get_status(array), 0);
	dma_fence_signal(m[1]);
	assert_true(dma_fence_is_signaled(array));
	assert_int_equal(atomic_load(&p.calls), 1);
	assert_int_equal(dma_fence_get_status(array), 1);
	dma_fence_put(array);
}

/* with signal_on_any the first member signals the array; later ones change nothing. */
static void signal_on_any(void **state)
{
	struct dma_fence **fences = members_new(3);
	struct dma_fence *m[3] = { fences[0], fences[1], fences[2] };
	struct dma_fence *array = array_new(3, fences, true);
	struct probe p = { .calls = 0 };

	assert_int_equal(dma_fence_add_callback(array, &p.cb, probe_func), 0);
	assert_false(dma_fence_is_signaled(array));
	dma_fence_signal(m[1]);
	assert_true(dma_fence_is_signaled(array));
	assert_int_equal(atomic_load(&p.calls), 1);
	dma_fence_set_error(m[0], -EIO);
	dma_fence_signal(m[0]);
	dma_fence_signal(m[2]);
	assert_int_equal(atomic_load(&p.calls), 1);
	assert_int_equal(dma_fence_get_status(array), 1);
	dma_fence_put(array);
}

/* the array carries the error of the first member that signaled with one. */
static void error_first_member(void **state)
{
	struct dma_fence **fences = members_new(3);
	struct dma_fence *m[3] = { fences[0], fences[1], fences[2] };
	struct dma_fence *array = array_new(3, fences, false);

	dma_fence_enable_sw_signaling(array);
	dma_fence_signal(m[2]);
	dma_fence_set_error(m[1], -EIO);
	dma_fence_signal(m[1]);
	dma_fence_set_error(m[0], -ENODEV);
	dma_fence_signal(m[0]);
	assert_int_equal(dma_fence_get_status(array), -EIO);
	dma_fence_put(array);
}

/* with signal_on_any the first member's error becomes the array's. */
static void error_signal_on_any(void **state)
{
	struct dma_fence **fences = members_new(2);
	struct dma_fence *m[2] = { fences[0], fences[1] };
	struct dma_fence *array = array_new(2, fences, true);

	dma_fence_enable_sw_signaling(array);
	dma_fence_set_error(m[1], -ETIMEDOUT);
	dma_fence_signal(m[1]);
	assert_int_equal(dma_fence_get_status(array), -ETIMEDOUT);
	dma_fence_signal(m[0]);
	dma_fence_put(array);
}

/* members signaled before anyone asks: is_signaled sees them without enabling. */
static void already_signaled_members_polled(void **state)
{
	struct dma_fence **fences = members_new(3);
	struct dma_fence *array;

	dma_fence_signal(fences[0]);
	dma_fence_set_error(fences[1], -EIO);
	dma_fence_signal(fences[1]);
	dma_fence_set_error(fences[2], -ENODEV);
	dma_fence_signal(fences[2]);
	array = array_new(3, fences, false);
	assert_true(dma_fence_is_signaled(array));
	assert_false(dma_fence_test_flag(array, DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT));
	assert_int_equal(dma_fence_get_status(array), -EIO);
	dma_fence_put(array);
}

/* one signaled member is enough for a signal_on_any array's poll; none is not. */
static void any_member_polled(void **state)
{
	struct dma_fence **fences = members_new(2);
	struct dma_fence *m[2] = { fences[0], fences[1] };
	struct dma_fence *array = array_new(2, fences, true);

	assert_false(dma_fence_is_signaled(array));
	dma_fence_signal(m[1]);
	assert_true(dma_fence_is_signaled(array));
	dma_fence_signal(m[0]);
	dma_fence_put(array);
}

/* members signaled before the array is enabled are counted at once. */
static void already_signaled_members_counted(void **state)
{
	struct dma_fence **fences = members_new(3);
	struct dma_fence *m[3] = { fences[0], fences[1], fences[2] };
	struct dma_fence *array = array_new(3, fences, false);
	struct probe p = { .calls = 0 };

	dma_fence_set_error(m[0], -EIO);
	dma_fence_signal(m[0]);
	dma_fence_signal(m[2]);
	assert_int_equal(dma_fence_add_callback(array, &p.cb, probe_func), 0);
	assert_false(dma_fence_is_signaled(array));
	dma_fence_signal(m[1]);
	assert_int_equal(atomic_load(&p.calls), 1);
	assert_int_equal(dma_fence_get_status(array), -EIO);
	dma_fence_put(array);
}

/* all members done when the array is enabled: add_callback gets -ENOENT. */
static void all_signaled_at_enable(void **state)
{
	struct dma_fence **fences = members_new(2);
	struct dma_fence *m[2] = { fences[0], fences[1] };
	struct dma_fence *array = array_new(2, fences, false);
	struct probe p = { .calls = 0 };

	dma_fence_signal(m[0]);
	dma_fence_set_error(m[1], -ENOSPC);
	dma_fence_signal(m[1]);
	assert_int_equal(dma_fence_add_callback(array, &p.cb, probe_func), -ENOENT);
	assert_int_equal(atomic_load(&p.calls), 0);
	assert_int_equal(dma_fence_get_status(array), -ENOSPC);
	dma_fence_put(array);
}

/* a member whose driver reports "already done" on enabling is counted as signaled. */
static void member_done_at_enable(void **state)
{
	struct dma_fence **fences = members_new(2);
	struct dma_fence *m1 = fences[1];
	struct dma_fence *array;

	dmb_container_of(fences[0], struct member, base)->enable_returns = false;
	array = array_new(2, fences, false);
	dma_fence_enable_sw_signaling(array);
	assert_true(dma_fence_is_signaled(fences[0]));
	assert_false(dma_fence_is_signaled(array));
	dma_fence_signal(m1);
	assert_true(dma_fence_is_signaled(array));
	dma_fence_put(array);
}

/*
 * Signals the members once somebody waits on @array (a wait adds a
 * callback), so the last signal surely wakes a waiter.
 */
struct member_signaller {
	struct dma_fence **members;
	int count;
	struct dma_fence *array;
	bool no_waiter;		/* the hang bound passed without one */
};

static bool fence_has_callback(struct dma_fence *fence)
{
	bool any;

	pthread_mutex_lock(fence->lock);
	any = !dmb_list_empty(&fence->cb_list);
	pthread_mutex_unlock(fence->lock);
	return any;
}

static void *signal_members(void *arg)
{
	struct member_signaller *s = arg;

	if (!TH_WAIT_UNTIL(fence_has_callback(s->array)))
		s->no_waiter = true;
	for (int i = 0; i < s->count; i++) {
		th_sleep_ns(NSEC_PER_MSEC);
		dma_fence_signal(s->members[i]);
	}
	return NULL;
}

/* a waiter on the array is woken when another thread signals the last member. */
static void wait_woken_by_members(void **state)
{
	struct dma_fence **fences = members_new(3);
	struct dma_fence **m = th_memdup(fences, 3 * sizeof(*m));
	struct dma_fence *array = array_new(3, fences, false);
	struct member_signaller *s = TH_NEW(struct member_signaller, {
		.members = m, .count = 3, .array = array,
	});
	struct th_thread *t = th_thread_start(signal_members, s);
	int64_t left = dma_fence_wait_timeout(array, 10 * NSEC_PER_SEC);

	assert_true(left >= 1 && left < 10 * NSEC_PER_SEC);
	for (int i = 0; i < 3; i++)
		assert_true(dma_fence_is_signaled(m[i]));
	th_thread_join(t);
	assert_false(s->no_waiter);
	dma_fence_put(array);
}

/* the array owns the members' references and drops them when released. */
static void holds_member_references(void **state)
{
	struct dma_fence **fences = members_new(2);
	struct dma_fence *m0 = dma_fence_get(fences[0]);
	struct dma_fence *array = array_new(2, fences, false);

	assert_int_equal(dmb_kref_read(&m0->refcount), 2);
	dma_fence_signal(fences[1]);
	dma_fence_put(array);
	assert_int_equal(atomic_load(&live_members), 1);
	assert_int_equal(dmb_kref_read(&m0->refcount), 1);
	dma_fence_signal(m0);
	dma_fence_put(m0);
}

/* once enabled, the array outlives its last user reference until the members signal. */
static void outlives_user_reference(void **state)
{
	struct dma_fence **fences = members_new(2);
	struct dma_fence *m[2] = { dma_fence_get(fences[0]), dma_fence_get(fences[1]) };
	struct dma_fence *array = array_new(2, fences, false);

	dma_fence_enable_sw_signaling(array);
	dma_fence_put(array);
	assert_int_equal(dmb_kref_read(&m[0]->refcount), 2);
	dma_fence_signal(m[0]);
	assert_int_equal(dmb_kref_read(&m[1]->refcount), 2);
	/* the last member's callback drops the array's last reference */
	dma_fence_signal(m[1]);
	assert_int_equal(dmb_kref_read(&m[0]->refcount), 1);
	assert_int_equal(dmb_kref_read(&m[1]->refcount), 1);
	dma_fence_put(m[0]);
	dma_fence_put(m[1]);
}

/* a signal_on_any array stays registered on the other members until they signal. */
static void any_keeps_registered_members(void **state)
{
	struct dma_fence **fences = members_new(2);
	struct dma_fence *m[2] = { dma_fence_get(fences[0]), dma_fence_get(fences[1]) };
	struct dma_fence *array = array_new(2, fences, true);

	dma_fence_enable_sw_signaling(array);
	dma_fence_signal(m[0]);
	assert_true(dma_fence_is_signaled(array));
	dma_fence_put(array);
	assert_int_equal(dmb_kref_read(&m[1]->refcount), 2);
	dma_fence_signal(m[1]);
	assert_int_equal(dmb_kref_read(&m[1]->refcount), 1);
	dma_fence_put(m[0]);
	dma_fence_put(m[1]);
}

/* an array member that is an array is reported (kernel WARN) yet works: the outer one signals when the inner one does. */
static void nested_arrays(void **state)
{
	struct dma_fence **inner_fences = members_new(2);
	struct dma_fence *leaf[2] = { inner_fences[0], inner_fences[1] };
	struct dma_fence *inner = array_new(2, inner_fences, false);
	struct dma_fence **outer_fences = calloc(2, sizeof(*outer_fences));
	struct dma_fence *other, *outer;
	struct probe p = { .calls = 0 };

	assert_non_null(outer_fences);
	outer_fences[0] = inner;
	outer_fences[1] = other = member_new();
	outer = array_new(2, outer_fences, false);
	/* reported, as the kernel warns, and still made */
	th_assert_warned("member 0 is a container");
	assert_int_equal(dma_fence_add_callback(outer, &p.cb, probe_func), 0);
	dma_fence_signal(other);
	dma_fence_signal(leaf[0]);
	assert_false(dma_fence_is_signaled(outer));
	dma_fence_set_error(leaf[1], -EIO);
	dma_fence_signal(leaf[1]);
	assert_true(dma_fence_is_signaled(inner));
	assert_int_equal(atomic_load(&p.calls), 1);
	assert_int_equal(dma_fence_get_status(outer), -EIO);
	dma_fence_put(outer);
}

/* members sharing a timeline lock signal the array from under that lock. */
static void shared_lock_members(void **state)
{
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	uint64_t ctx = dma_fence_context_alloc(1);
	struct dma_fence **fences = calloc(3, sizeof(*fences));
	struct dma_fence *m[3];
	struct dma_fence *array;

	assert_non_null(fences);
	for (int i = 0; i < 3; i++)
		m[i] = fences[i] = member_on(&lock, ctx, (uint64_t)i + 1);
	array = array_new(3, fences, false);
	dma_fence_enable_sw_signaling(array);
	dmb_mutex_lock(&lock);
	for (int i = 0; i < 3; i++)
		assert_int_equal(dma_fence_signal_locked(m[i]), 0);
	dmb_mutex_unlock(&lock);
	assert_true(dma_fence_is_signaled(array));
	dma_fence_put(array);
	pthread_mutex_destroy(&lock);
}

#define RACE_ROUNDS	200
#define RACE_MEMBERS	4

struct race {
	struct dma_fence *array;
	int64_t left;
};

static void *wait_array(void *arg)
{
	struct race *r = arg;

	r->left = dma_fence_wait_timeout(r->array, MAX_SCHEDULE_TIMEOUT);
	return NULL;
}

/*
 * enabling an array while its members (on one shared lock) signal from
 * another thread neither deadlocks nor loses the signal.
 */
static void enable_races_member_signals(void **state)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

	for (int round = 0; round < RACE_ROUNDS; round++) {
		uint64_t ctx = dma_fence_context_alloc(1);
		struct dma_fence **fences = calloc(RACE_MEMBERS, sizeof(*fences));
		struct dma_fence *m[RACE_MEMBERS];
		struct race *r = th_alloc(sizeof(*r));
		struct th_thread *t;

		assert_non_null(fences);
		for (int i = 0; i < RACE_MEMBERS; i++)
			m[i] = fences[i] = member_on(i % 2 ? NULL : &lock, ctx,
						     (uint64_t)i + 1);
		r->array = array_new(RACE_MEMBERS, fences, round % 3 == 0);
		t = th_thread_start(wait_array, r);
		for (int i = 0; i < RACE_MEMBERS; i++)
			dma_fence_signal(m[(i + round) % RACE_MEMBERS]);
		th_thread_join(t);
		assert_int_equal(r->left, MAX_SCHEDULE_TIMEOUT);
		assert_int_equal(dma_fence_get_status(r->array), 1);
		dma_fence_put(r->array);
		assert_int_equal(atomic_load(&live_members), 0);
	}
	pthread_mutex_destroy(&lock);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		TA_TEST(create_rejects_bad_args),
		TA_TEST(accessors),
		TA_TEST(signal_on_all),
		TA_TEST(signal_on_any),
		TA_TEST(error_first_member),
		TA_TEST(error_signal_on_any),
		TA_TEST(already_signaled_members_polled),
		TA_TEST(any_member_polled),
		TA_TEST(already_signaled_members_counted),
		TA_TEST(all_signaled_at_enable),
		TA_TEST(member_done_at_enable),
		TA_TEST(wait_woken_by_members),
		TA_TEST(holds_member_references),
		TA_TEST(outlives_user_reference),
		TA_TEST(any_keeps_registered_members),
		TA_TEST(nested_arrays),
		TA_TEST(shared_lock_members),
		TA_TEST(enable_races_member_signals),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
