// SPDX-License-Identifier: MIT
/* test-list.c - the intrusive list keeps order and survives unlink in a walk. */
#include <dmabuf/list.h>

#include "harness.h"

struct item {
	int value;
	struct dmb_list_head node;
};

static int collect(struct dmb_list_head *head, int *out, int max)
{
	struct item *it;
	int n = 0;

	dmb_list_for_each_entry(it, head, node)
		if (n < max)
			out[n++] = it->value;
	return n;
}

/* add pushes at the front, add_tail appends: the walk sees both orders. */
static void add_and_add_tail_order(void **state)
{
	struct dmb_list_head head = DMB_LIST_HEAD_INIT(head);
	struct item a = { .value = 1 }, b = { .value = 2 }, c = { .value = 3 };
	int got[4];

	assert_true(dmb_list_empty(&head));
	dmb_list_add_tail(&a.node, &head);
	dmb_list_add_tail(&b.node, &head);
	dmb_list_add(&c.node, &head);
	assert_int_equal(collect(&head, got, 4), 3);
	assert_int_equal(got[0], 3);
	assert_int_equal(got[1], 1);
	assert_int_equal(got[2], 2);
	assert_ptr_equal(dmb_list_first_entry(&head, struct item, node), &c);
}

/* del leaves the entry self-linked, so a second del is harmless. */
static void del_is_idempotent(void **state)
{
	struct dmb_list_head head = DMB_LIST_HEAD_INIT(head);
	struct item a = { .value = 1 };

	dmb_list_add(&a.node, &head);
	dmb_list_del(&a.node);
	assert_true(dmb_list_empty(&a.node));
	dmb_list_del(&a.node);
	assert_true(dmb_list_empty(&head));
}

/* the _safe walk tolerates unlinking the current entry. */
static void safe_walk_allows_removal(void **state)
{
	struct dmb_list_head head = DMB_LIST_HEAD_INIT(head);
	struct item items[5], *it, *tmp;
	int got[5];

	for (int i = 0; i < 5; i++) {
		items[i].value = i;
		dmb_list_add_tail(&items[i].node, &head);
	}
	dmb_list_for_each_entry_safe(it, tmp, &head, node)
		if (it->value % 2)
			dmb_list_del(&it->node);
	assert_int_equal(collect(&head, got, 5), 3);
	assert_int_equal(got[0], 0);
	assert_int_equal(got[1], 2);
	assert_int_equal(got[2], 4);
}

/* splice moves a whole list to the tail of another and empties the source. */
static void splice_tail_moves_everything(void **state)
{
	struct dmb_list_head a = DMB_LIST_HEAD_INIT(a), b = DMB_LIST_HEAD_INIT(b);
	struct item items[4];
	int got[4];

	for (int i = 0; i < 4; i++) {
		items[i].value = i;
		dmb_list_add_tail(&items[i].node, i < 2 ? &a : &b);
	}
	dmb_list_splice_tail_init(&b, &a);
	assert_true(dmb_list_empty(&b));
	assert_int_equal(collect(&a, got, 4), 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(got[i], i);
	dmb_list_splice_tail_init(&b, &a);	/* empty source: no change */
	assert_int_equal(collect(&a, got, 4), 4);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		TH_TEST(add_and_add_tail_order),
		TH_TEST(del_is_idempotent),
		TH_TEST(safe_walk_allows_removal),
		TH_TEST(splice_tail_moves_everything),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
