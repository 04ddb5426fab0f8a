// SPDX-License-Identifier: MIT
/*
 * test-live.c - the live-object registry (hw/live.h): a node is live from
 * its add to its del, a lookup of one that is not is refused with a report,
 * a second add or a del of what is not live is reported and changes
 * nothing; and lookups running beside adds and dels of other nodes in the
 * same buckets always find what is live (TSan: the lock rule).
 */
#include <dmabuf/hw/live.h>

#include "harness.h"

#define LIVE_THREADS	3
#define LIVE_NODES	64		/* per thread: every bucket, several times */
#define LIVE_ROUNDS	200

static void live_from_add_to_del(void **state)
{
	static struct dmb_live a, b;

	(void)state;
	assert_true(dmb_live_refuse(&a, "never_added"));
	th_assert_warned("never_added of an object that does not exist");
	dmb_live_add(&a);
	dmb_live_add(&b);
	assert_false(dmb_live_refuse(&a, "live"));
	assert_false(dmb_live_refuse(&b, "live"));
	dmb_live_del(&a);
	assert_true(dmb_live_refuse(&a, "deleted"));
	th_assert_warned("deleted of an object that does not exist");
	assert_false(dmb_live_refuse(&b, "other still live"));
	dmb_live_del(&b);
	assert_int_equal(th_count_reports(DMB_DIAG_WARN), 0);
}

static void live_misuse_changes_nothing(void **state)
{
	static struct dmb_live a;

	(void)state;
	dmb_live_add(&a);
	dmb_live_add(&a);
	th_assert_warned("live already");
	/* Linked once: one del ends it, and the bucket has no cycle. */
	dmb_live_del(&a);
	assert_true(dmb_live_refuse(&a, "deleted"));
	th_assert_warned("deleted of an object");
	dmb_live_del(&a);
	th_assert_warned("not live");
	assert_true(dmb_live_refuse(NULL, "null"));
	th_assert_warned("dmb_live_refuse(");
}

struct churn {
	struct dmb_live nodes[LIVE_NODES];
	const struct dmb_live *watched;	/* live throughout, in shared buckets */
	unsigned int wrong;		/* lookups that answered wrongly */
};

/* Add, look up and delete own nodes while the others do the same. */
static void *churn_thread(void *arg)
{
	struct churn *c = arg;
	unsigned int round, i;

	for (round = 0; round < LIVE_ROUNDS; round++) {
		for (i = 0; i < LIVE_NODES; i++)
			dmb_live_add(&c->nodes[i]);
		for (i = 0; i < LIVE_NODES; i++)
			c->wrong += dmb_live_refuse(&c->nodes[i], "churn");
		c->wrong += dmb_live_refuse(c->watched, "watched");
		for (i = 0; i < LIVE_NODES; i++)
			dmb_live_del(&c->nodes[i]);
	}
	return NULL;
}

static void live_lookups_beside_changes(void **state)
{
	struct dmb_live *watched = th_alloc(sizeof(*watched));
	struct th_thread *t[LIVE_THREADS];
	struct churn *c[LIVE_THREADS];
	unsigned int i;

	(void)state;
	dmb_live_add(watched);
	for (i = 0; i < LIVE_THREADS; i++) {
		c[i] = th_alloc(sizeof(*c[i]));
		c[i]->watched = watched;
		t[i] = th_thread_start(churn_thread, c[i]);
	}
	for (i = 0; i < LIVE_THREADS; i++)
		th_thread_join(t[i]);
	for (i = 0; i < LIVE_THREADS; i++)
		assert_int_equal(c[i]->wrong, 0);
	assert_false(dmb_live_refuse(watched, "watched"));
	dmb_live_del(watched);
	assert_int_equal(th_count_reports(DMB_DIAG_WARN), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		TH_TEST(live_from_add_to_del),
		TH_TEST(live_misuse_changes_nothing),
		TH_TEST(live_lookups_beside_changes),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
