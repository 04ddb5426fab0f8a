// SPDX-License-Identifier: MIT
/*
 * stress-revoke.c - importer threads map and unmap one revocable buffer at
 * random while a revoker thread revokes and unrevokes it over and over.
 *
 * Half the importers unmap inside invalidate_mappings (ODP-style), half only
 * note the call and unmap a little later from their own thread. Pins:
 *  - right after every revoke returns, no mapping is live anywhere (the
 *    helper's count, the core's per-attachment mappings, the exporter's
 *    tables) — R8;
 *  - no map succeeds while the buffer is revoked, and every refused map was
 *    refused with -ENODEV because it was revoked — R8.2/R9;
 *  - a second revoke of a revoked buffer does nothing — R12;
 *  - at the end every successful map was unmapped exactly once, through the
 *    exporter, and nothing was reported (V6 included: every importer
 *    unmaps promptly).
 * Bounded in rounds and in time; seeded with th_stress_seed() for replay.
 */
#include <errno.h>
#include <sched.h>
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

#define NR_IMPORTERS	6
#define MAX_ROUNDS	2000
#define TIME_LIMIT_NS	(2 * NSEC_PER_SEC)
#define LATER_MAX_US	200		/* a "later" importer's unmap delay */

struct stress;

struct importer {
	struct stress *s;
	struct device dev;
	struct dma_buf_attach_ops ops;
	char name[16];
	bool unmap_now;			/* unmap inside invalidate_mappings */
	unsigned int seed;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;		/* resv */
	unsigned long unmaps;		/* resv: here or in invalidate */
	atomic_bool told;		/* invalidated with a mapping; unmap soon */
	/* the importer thread's own */
	unsigned long maps_ok;
	unsigned long enodev;
	unsigned long mapped_while_revoked;
	unsigned long enodev_not_revoked;
	unsigned long other_errors;
};

struct stress {
	struct mock_exporter me;
	struct dma_buf *buf;
	struct importer imp[NR_IMPORTERS];
	atomic_bool stop;
	int64_t deadline;
	unsigned int seed;
	/* the revoker's own */
	unsigned long rounds;
	unsigned long double_revokes;
	unsigned long bad_revokes;	/* ret != 0 or already_revoked when it was not */
	unsigned long live_after_revoke;
	unsigned long bad_second_revoke;
	int64_t max_revoke_ns;
};

static void importer_invalidate(struct dma_buf_attachment *attach)
{
	struct importer *imp = dma_buf_attachment_importer_priv(attach);

	if (!imp->sgt)
		return;
	if (imp->unmap_now) {
		dma_buf_unmap_attachment(attach, imp->sgt, DMA_BIDIRECTIONAL);
		imp->sgt = NULL;
		imp->unmaps++;
	} else {
		atomic_store(&imp->told, true);
	}
}

/* One step of an importer: honour a pending invalidate, else map or unmap. */
static void importer_step(struct importer *imp)
{
	struct stress *s = imp->s;
	struct dma_resv *resv = dma_buf_resv(s->buf);
	struct sg_table *sgt;

	if (atomic_load(&imp->told)) {
		/* "later": the revoke must wait for us */
		th_sleep_ns((int64_t)(rand_r(&imp->seed) % LATER_MAX_US) * NSEC_PER_USEC);
		dma_resv_lock(resv, NULL);
		atomic_store(&imp->told, false);
		if (imp->sgt) {
			dma_buf_unmap_attachment(imp->attach, imp->sgt, DMA_BIDIRECTIONAL);
			imp->sgt = NULL;
			imp->unmaps++;
		}
		dma_resv_unlock(resv);
		return;
	}

	dma_resv_lock(resv, NULL);
	if (!imp->sgt) {
		if (rand_r(&imp->seed) % 3) {
			sgt = dma_buf_map_attachment(imp->attach, DMA_BIDIRECTIONAL);
			/* "revoked" only changes under the lock we hold */
			if (sgt) {
				imp->sgt = sgt;
				imp->maps_ok++;
				if (dmb_revocable_is_revoked(s->me.rev))
					imp->mapped_while_revoked++;
			} else if (errno == ENODEV) {
				imp->enodev++;
				if (!dmb_revocable_is_revoked(s->me.rev))
					imp->enodev_not_revoked++;
			} else {
				imp->other_errors++;
			}
		}
	} else if (rand_r(&imp->seed) % 4 == 0) {
		dma_buf_unmap_attachment(imp->attach, imp->sgt, DMA_BIDIRECTIONAL);
		imp->sgt = NULL;
		imp->unmaps++;
	}
	dma_resv_unlock(resv);
	if (rand_r(&imp->seed) % 8 == 0)
		th_sleep_ns((int64_t)(rand_r(&imp->seed) % 50) * NSEC_PER_USEC);
	else
		sched_yield();
}

static void *importer_fn(void *arg)
{
	struct importer *imp = arg;

	while (!atomic_load(&imp->s->stop))
		importer_step(imp);
	/* the revoker may still be waiting for our unmap */
	if (atomic_load(&imp->told))
		importer_step(imp);
	return NULL;
}

/* Nothing may be mapped right after a revoke returned. Return: live mappings. */
static unsigned int live_mappings(struct stress *s)
{
	struct dma_resv *resv = dma_buf_resv(s->buf);
	unsigned int live = dmb_revocable_mappings(s->me.rev);

	dma_resv_lock(resv, NULL);
	for (int i = 0; i < NR_IMPORTERS; i++)
		live += (s->imp[i].sgt != NULL) +
			dma_buf_attachment_mapped(s->imp[i].attach);
	dma_resv_unlock(resv);
	return live + (unsigned int)atomic_load(&s->me.live_tables);
}

static void *revoker_fn(void *arg)
{
	struct stress *s = arg;
	unsigned int seed = s->seed ^ 0x7e70c3u;

	/* At least one round, whatever the load: the time only ends the run. */
	while (s->rounds < MAX_ROUNDS &&
	       (s->rounds == 0 || dmb_ktime_get_ns() < s->deadline)) {
		struct dmb_revoke_stats st;

		th_sleep_ns((int64_t)(rand_r(&seed) % 500) * NSEC_PER_USEC);
		if (dmb_revocable_revoke(s->me.rev, &st) || st.already_revoked)
			s->bad_revokes++;
		if (st.total_ns > s->max_revoke_ns)
			s->max_revoke_ns = st.total_ns;
		if (live_mappings(s))
			s->live_after_revoke++;
		if (rand_r(&seed) % 4 == 0) {
			s->double_revokes++;
			if (dmb_revocable_revoke(s->me.rev, &st) || !st.already_revoked ||
			    live_mappings(s))
				s->bad_second_revoke++;
		}
		th_sleep_ns((int64_t)(rand_r(&seed) % 300) * NSEC_PER_USEC);
		if (dmb_revocable_unrevoke(s->me.rev))
			s->bad_revokes++;
		s->rounds++;
	}
	atomic_store(&s->stop, true);
	return NULL;
}

/* R8/R9/R12 under load: revoke/unrevoke rounds against importers mapping at random. */
static void revoke_unrevoke_under_map_load(void **state)
{
	struct stress *s = calloc(1, sizeof(*s));
	struct dmb_revoke_policy policy = {
		.wait = DMB_REVOKE_WARN_THEN_WAIT,
		/* far beyond any healthy unmap: a V6 here is a real hang */
		.unmap_bound_ns = 5 * NSEC_PER_SEC,
		.fence_bound_ns = 5 * NSEC_PER_SEC,
	};
	struct th_thread *t[NR_IMPORTERS], *rt;
	unsigned long maps = 0, unmaps = 0, enodev = 0;

	assert_non_null(s);
	dmb_check_reset();
	s->seed = th_stress_seed();
	s->buf = mock_export(&s->me, "bar0", 4096, MOCK_EXP_REVOCABLE);
	s->me.revocable_flags = DMB_REVOCABLE_REQUIRE_REVOCABLE;
	assert_int_equal(dmb_revocable_set_policy(s->me.rev, &policy), 0);
	for (int i = 0; i < NR_IMPORTERS; i++) {
		struct importer *imp = &s->imp[i];

		imp->s = s;
		imp->unmap_now = i % 2 == 0;
		imp->seed = s->seed + (unsigned int)i * 7919u;
		snprintf(imp->name, sizeof(imp->name), "%s%d",
			 imp->unmap_now ? "odp" : "late", i);
		imp->dev.name = imp->name;
		imp->ops.name = imp->name;
		imp->ops.invalidate_mappings = importer_invalidate;
		imp->attach = dma_buf_dynamic_attach(s->buf, &imp->dev, &imp->ops, imp);
		assert_non_null(imp->attach);
	}

	s->deadline = dmb_ktime_get_ns() + TIME_LIMIT_NS;
	for (int i = 0; i < NR_IMPORTERS; i++)
		t[i] = th_thread_start(importer_fn, &s->imp[i]);
	rt = th_thread_start(revoker_fn, s);
	th_thread_join(rt);
	for (int i = 0; i < NR_IMPORTERS; i++)
		th_thread_join(t[i]);

	for (int i = 0; i < NR_IMPORTERS; i++) {
		struct importer *imp = &s->imp[i];

		assert_int_equal(imp->mapped_while_revoked, 0);
		assert_int_equal(imp->enodev_not_revoked, 0);
		assert_int_equal(imp->other_errors, 0);
		if (imp->sgt) {
			dma_buf_unmap_attachment_unlocked(imp->attach, imp->sgt,
							  DMA_BIDIRECTIONAL);
			imp->sgt = NULL;
			imp->unmaps++;
		}
		/* every successful map was unmapped exactly once */
		assert_int_equal(imp->maps_ok, imp->unmaps);
		maps += imp->maps_ok;
		unmaps += imp->unmaps;
		enodev += imp->enodev;
	}
	fprintf(stderr, "# %lu rounds (%lu double revokes), %lu maps, %lu refused while revoked, longest revoke %lld us\n",
		s->rounds, s->double_revokes, maps, enodev,
		(long long)(s->max_revoke_ns / NSEC_PER_USEC));
	assert_true(s->rounds > 0);
	assert_int_equal(s->bad_revokes, 0);
	assert_int_equal(s->live_after_revoke, 0);
	assert_int_equal(s->bad_second_revoke, 0);
	assert_false(dmb_revocable_is_revoked(s->me.rev));
	assert_int_equal(dmb_revocable_mappings(s->me.rev), 0);
	assert_int_equal(s->me.unmap_calls, unmaps);
	assert_int_equal(s->me.live_tables, 0);
	assert_int_equal(s->me.ops_unlocked, 0);
	assert_int_equal(s->me.ops_locked, 0);
	assert_int_equal(dmb_check_total(), 0);

	for (int i = 0; i < NR_IMPORTERS; i++)
		dma_buf_detach(s->buf, s->imp[i].attach);
	dma_buf_put(s->buf);
	assert_int_equal(s->me.release_calls, 1);
	free(s);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		TH_TEST(revoke_unrevoke_under_map_load),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
