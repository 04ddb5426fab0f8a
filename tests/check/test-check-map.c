// SPDX-License-Identifier: MIT
/*
 * test-check-map.c - mapping tokens: LIVE -> INVALIDATED -> UNMAPPED with
 * stamps from the checker clock, and the DMA rules V4 and V5.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dmabuf/check.h>

#include "harness.h"

static const struct dmb_check_subject gpu_import = {
	.buffer = "vram0",
	.exporter = "vram",
	.importer = "gpu-import",
	.device = "gpu1",
};

static const enum dmb_dma_access all_accesses[] = {
	DMB_DMA_START_READ, DMB_DMA_START_WRITE, DMB_DMA_READ, DMB_DMA_WRITE,
};

struct fixture {
	struct dmb_clock *clock;
	struct dmb_check_map *map;
};

/* Every case runs on a virtual checker clock at 1 s with a fresh token. */
static int map_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->clock = dmb_clock_create_virtual(NSEC_PER_SEC);
	f->map = dmb_check_map_create(&gpu_import);
	if (!f->clock || !f->map)
		return -1;
	dmb_check_set_clock(f->clock);
	dmb_check_reset();
	*state = f;
	return th_setup(state);
}

static int map_teardown(void **state)
{
	struct fixture *f = *state;

	th_teardown_threads();
	dmb_check_map_put(f->map);
	dmb_check_set_clock(NULL);
	dmb_clock_destroy(f->clock);
	free(f);
	return th_teardown(state);
}

#define MAP_TEST(fn) cmocka_unit_test_setup_teardown(fn, map_setup, map_teardown)

static void advance(struct fixture *f, int64_t ns)
{
	assert_int_equal(dmb_clock_advance(f->clock, ns), 0);
}

/* A new token is LIVE, unstamped, and lets every access through. */
static void new_token_is_live(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(dmb_check_map_state(f->map), DMB_MAP_LIVE);
	assert_int_equal(dmb_check_map_invalidated_at(f->map), -1);
	assert_int_equal(dmb_check_map_unmapped_at(f->map), -1);
	for (size_t i = 0; i < DMB_ARRAY_SIZE(all_accesses); i++)
		assert_int_equal(dmb_check_dma(f->map, all_accesses[i]), 0);
	assert_int_equal(dmb_check_total(), 0);
}

/* Invalidate moves LIVE -> INVALIDATED once; a second call keeps the first stamp. */
static void invalidate_stamps_once(void **state)
{
	struct fixture *f = *state;

	advance(f, 10 * NSEC_PER_MSEC);
	dmb_check_map_invalidate(f->map);
	assert_int_equal(dmb_check_map_state(f->map), DMB_MAP_INVALIDATED);
	assert_int_equal(dmb_check_map_invalidated_at(f->map),
			 NSEC_PER_SEC + 10 * NSEC_PER_MSEC);
	advance(f, NSEC_PER_MSEC);
	dmb_check_map_invalidate(f->map);
	assert_int_equal(dmb_check_map_invalidated_at(f->map),
			 NSEC_PER_SEC + 10 * NSEC_PER_MSEC);
	assert_int_equal(dmb_check_map_unmapped_at(f->map), -1);
}

/* After invalidate, new reads and in-flight work may still go through (R6). */
static void invalidated_allows_reads_and_inflight(void **state)
{
	struct fixture *f = *state;

	dmb_check_map_invalidate(f->map);
	assert_int_equal(dmb_check_dma(f->map, DMB_DMA_START_READ), 0);
	assert_int_equal(dmb_check_dma(f->map, DMB_DMA_READ), 0);
	assert_int_equal(dmb_check_dma(f->map, DMB_DMA_WRITE), 0);
	assert_int_equal(dmb_check_total(), 0);
}

/* A write that starts after invalidate is V4, attributed and timed. */
static void write_after_invalidate_is_v4(void **state)
{
	struct fixture *f = *state;

	dmb_check_map_invalidate(f->map);
	advance(f, 5 * NSEC_PER_MSEC);
	assert_int_equal(dmb_check_dma(f->map, DMB_DMA_START_WRITE), -EFAULT);
	assert_true(th_take_report(DMB_DIAG_VIOLATION,
		"V4 DMA write started through an invalidated mapping: "
		"buffer=vram0 exporter=vram importer=gpu-import device=gpu1: "
		"new write through a mapping invalidated 5.000 ms ago"));
	assert_int_equal(dmb_check_count(DMB_V4_DMA_AFTER_INVALIDATE), 1);
	assert_int_equal(dmb_check_map_state(f->map), DMB_MAP_INVALIDATED);
}

/* Any access after unmap is V5, naming the access and how long after. */
static void any_access_after_unmap_is_v5(void **state)
{
	static const char *const names[] = {
		"new read", "new write", "in-flight read", "in-flight write",
	};
	struct fixture *f = *state;

	dmb_check_map_invalidate(f->map);
	dmb_check_map_unmap(f->map, false);
	advance(f, 2500 * NSEC_PER_USEC);
	for (size_t i = 0; i < DMB_ARRAY_SIZE(all_accesses); i++) {
		char want[128];

		assert_int_equal(dmb_check_dma(f->map, all_accesses[i]), -EFAULT);
		snprintf(want, sizeof(want),
			 "%s through a mapping unmapped by the importer 2.500 ms ago",
			 names[i]);
		assert_true(th_take_report(DMB_DIAG_VIOLATION, want));
	}
	assert_int_equal(dmb_check_count(DMB_V5_DMA_AFTER_UNMAP), 4);
	assert_int_equal(dmb_check_count(DMB_V4_DMA_AFTER_INVALIDATE), 0);
}

/* A mapping the exporter tore down is named force-revoked in V5. */
static void forced_unmap_named(void **state)
{
	struct fixture *f = *state;

	dmb_check_map_unmap(f->map, true);
	assert_int_equal(dmb_check_dma(f->map, DMB_DMA_READ), -EFAULT);
	assert_true(th_take_report(DMB_DIAG_VIOLATION,
				   "force-revoked by the exporter 0.000 ms ago"));
}

/* Unmap straight from LIVE stamps the unmap only. */
static void unmap_from_live(void **state)
{
	struct fixture *f = *state;

	advance(f, NSEC_PER_SEC);
	dmb_check_map_unmap(f->map, false);
	assert_int_equal(dmb_check_map_state(f->map), DMB_MAP_UNMAPPED);
	assert_int_equal(dmb_check_map_unmapped_at(f->map), 2 * NSEC_PER_SEC);
	assert_int_equal(dmb_check_map_invalidated_at(f->map), -1);
	/* invalidate after unmap changes nothing */
	dmb_check_map_invalidate(f->map);
	assert_int_equal(dmb_check_map_state(f->map), DMB_MAP_UNMAPPED);
	assert_int_equal(dmb_check_map_invalidated_at(f->map), -1);
}

/* A second unmap keeps the first stamp and who did it. */
static void second_unmap_keeps_first(void **state)
{
	struct fixture *f = *state;

	dmb_check_map_unmap(f->map, false);
	advance(f, 3 * NSEC_PER_MSEC);
	dmb_check_map_unmap(f->map, true);
	assert_int_equal(dmb_check_map_unmapped_at(f->map), NSEC_PER_SEC);
	assert_int_equal(dmb_check_dma(f->map, DMB_DMA_START_READ), -EFAULT);
	assert_true(th_take_report(DMB_DIAG_VIOLATION,
				   "unmapped by the importer 3.000 ms ago"));
}

/* The token copies its names, so it still attributes after they are gone. */
static void token_outlives_names(void **state)
{
	struct dmb_check_subject who = {
		.buffer = strdup("bar2"),
		.importer = strdup("iommufd"),
	};
	struct dmb_check_map *map = dmb_check_map_create(&who);

	assert_non_null(map);
	free((char *)who.buffer);
	free((char *)who.importer);
	dmb_check_map_unmap(map, false);
	assert_int_equal(dmb_check_dma(map, DMB_DMA_WRITE), -EFAULT);
	assert_true(th_take_report(DMB_DIAG_VIOLATION,
				   ": buffer=bar2 importer=iommufd: in-flight write"));
	dmb_check_map_put(map);
}

/* A token without a subject reports without one. */
static void token_without_subject(void **state)
{
	struct dmb_check_map *map = dmb_check_map_create(NULL);

	assert_non_null(map);
	dmb_check_map_unmap(map, false);
	assert_int_equal(dmb_check_dma(map, DMB_DMA_START_READ), -EFAULT);
	assert_true(th_take_report(DMB_DIAG_VIOLATION,
		"V5 DMA through an unmapped mapping or a revoked buffer: new read"));
	dmb_check_map_put(map);
}

/* get/put count references; the token lives until the last put. */
static void references_keep_token(void **state)
{
	struct fixture *f = *state;
	struct dmb_check_map *extra = dmb_check_map_get(f->map);

	assert_ptr_equal(extra, f->map);
	dmb_check_map_put(f->map);
	f->map = NULL;
	dmb_check_map_invalidate(extra);
	assert_int_equal(dmb_check_map_state(extra), DMB_MAP_INVALIDATED);
	f->map = extra;
	assert_null(dmb_check_map_get(NULL));
	dmb_check_map_put(NULL);
}

/* A NULL token or an unknown access is misuse: WARN and -EINVAL, no violation. */
static void misuse_warns(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(dmb_check_dma(NULL, DMB_DMA_READ), -EINVAL);
	th_assert_warned("NULL mapping token");
	assert_int_equal(dmb_check_dma(f->map, 17), -EINVAL);
	th_assert_warned("unknown DMA access 17");
	dmb_check_map_invalidate(NULL);
	th_assert_warned("invalidate of a NULL mapping token");
	dmb_check_map_unmap(NULL, false);
	th_assert_warned("unmap of a NULL mapping token");
	assert_int_equal(dmb_check_total(), 0);
}

#define READERS	4

struct reader {
	struct dmb_check_map *map;
	atomic_int *started;
	long allowed;
};

/* Read through the token until the access is refused. */
static void *read_until_refused(void *arg)
{
	struct reader *r = arg;

	atomic_fetch_add(r->started, 1);
	while (dmb_check_dma(r->map, DMB_DMA_START_READ) == 0)
		r->allowed++;
	dmb_check_map_put(r->map);
	return NULL;
}

/* Readers racing invalidate and unmap see reads allowed, then exactly one V5 each. */
static void concurrent_dma_and_transitions(void **state)
{
	struct fixture *f = *state;
	struct reader *readers = th_alloc(READERS * sizeof(*readers));
	struct th_thread *threads[READERS];
	atomic_int *started = th_alloc(sizeof(*started));

	atomic_init(started, 0);
	for (int i = 0; i < READERS; i++) {
		readers[i] = (struct reader){
			.map = dmb_check_map_get(f->map),
			.started = started,
		};
		threads[i] = th_thread_start(read_until_refused, &readers[i]);
	}
	assert_true(TH_WAIT_UNTIL(atomic_load(started) == READERS));
	dmb_check_map_invalidate(f->map);
	th_sleep_ns(NSEC_PER_MSEC);	/* reads through the invalidated map, if they come */
	dmb_check_map_unmap(f->map, true);
	for (int i = 0; i < READERS; i++)
		th_thread_join(threads[i]);

	assert_int_equal(dmb_check_count(DMB_V5_DMA_AFTER_UNMAP), READERS);
	assert_int_equal(dmb_check_count(DMB_V4_DMA_AFTER_INVALIDATE), 0);
	for (int i = 0; i < READERS; i++)
		assert_true(th_take_report(DMB_DIAG_VIOLATION, "new read"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		MAP_TEST(new_token_is_live),
		MAP_TEST(invalidate_stamps_once),
		MAP_TEST(invalidated_allows_reads_and_inflight),
		MAP_TEST(write_after_invalidate_is_v4),
		MAP_TEST(any_access_after_unmap_is_v5),
		MAP_TEST(forced_unmap_named),
		MAP_TEST(unmap_from_live),
		MAP_TEST(second_unmap_keeps_first),
		MAP_TEST(token_outlives_names),
		MAP_TEST(token_without_subject),
		MAP_TEST(references_keep_token),
		MAP_TEST(misuse_warns),
		MAP_TEST(concurrent_dma_and_transitions),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
