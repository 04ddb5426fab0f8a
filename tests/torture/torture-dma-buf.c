// SPDX-License-Identifier: MIT
/*
 * torture-dma-buf.c - the dma-buf core and the revoke helper under random
 * concurrent operations, with the invariants checked as it goes (issue
 * #10; liburcu's rcutorture is the model).
 *
 * NR_THREADS threads share NR_BUFS revocable mock buffers (mock-exporter.h,
 * which counts in a revoke helper). Each thread owns one importer per
 * buffer: the even threads' are ODP-style (they unmap inside
 * invalidate_mappings), the odd threads' only note the call and leave the
 * unmap to an unmapper thread, which never revokes, so a revoke really
 * waits for another thread's unmap. Each worker draws operations at
 * random: attach, detach, map, unmap, pin, unpin, add a fence (signalled at
 * the thread's next operation, so a revoke's fence wait is real but never a
 * deadlock), invalidate, revoke, unrevoke, and get/put of an extra
 * reference. Invariants:
 *  - no access after revoke returns: an importer's "accessing" marker is
 *    set once its map returned and cleared before its unmap starts; the
 *    revoker checks every importer of the buffer the moment revoke returns
 *    (revoke/unrevoke of one buffer are serialised by the test, so no map
 *    can succeed in between);
 *  - every mapping accounted for, counts never negative: under the resv
 *    lock, each importer's view (a table or none) matches the core's count
 *    for its attachment, and the exporter's live tables equal their sum;
 *  - nothing leaked: at the end every buffer is released exactly once and
 *    every fence is gone (ASan checks the rest).
 * Worker threads never assert: they count violations, and the case asserts
 * after joining them.
 *
 * Seeded with $DMABUF_TEST_SEED (th_stress_seed()). `--ops N` runs N
 * operations in all (default TORTURE_OPS, a few seconds under the
 * sanitizers) and prints ops/s and the invariants checked.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dmabuf/dma-buf-revoke.h>
#include <dmabuf/dma-buf.h>

#include "harness.h"
#include "mock-exporter.h"
#include "mock-fence.h"

#define NR_THREADS	8
#define NR_BUFS		3
#define TORTURE_OPS	20000

static unsigned long nr_ops = TORTURE_OPS;

enum op {
	OP_ATTACH, OP_DETACH, OP_MAP, OP_UNMAP, OP_PIN, OP_UNPIN, OP_FENCE,
	OP_INVALIDATE, OP_REVOKE, OP_UNREVOKE, OP_GET, OP_PUT, OP_AUDIT,
	NR_OPS
};

/* One thread's importer of one buffer. */
struct timp {
	struct device dev;
	char name[24];
	struct dma_buf_attachment *attach;	/* owner thread only */
	struct dma_buf_attachment *listed;	/* resv: attach, for the audits */
	struct sg_table *sgt;			/* resv */
	unsigned int pins;			/* owner thread, under resv */
	bool late;				/* const: unmaps after invalidate, later */
	atomic_bool invalidated;		/* late: the unmapper's to do */
	atomic_bool accessing;			/* the independent marker */
};

struct tbuf {
	struct mock_exporter me;
	struct dma_buf *buf;
	pthread_mutex_t rv_lock;	/* serialises revoke+check and unrevoke */
	struct timp imp[NR_THREADS];
};

struct torture {
	struct tbuf bufs[NR_BUFS];
	unsigned int seed;
	atomic_ulong ops_done;
	atomic_ulong checks;
	atomic_ulong violations;
	atomic_ulong revokes;
	atomic_ulong late_unmaps;
	atomic_bool workers_done;
	char first_violation[160];
	pthread_mutex_t msg_lock;
};

/*
 * How often each operation is drawn: maps outweigh unmaps and unrevokes
 * outweigh revokes, so that revokes find mappings to wait for.
 */
static const unsigned char op_weight[NR_OPS] = {
	[OP_ATTACH] = 3, [OP_DETACH] = 1, [OP_MAP] = 8, [OP_UNMAP] = 2,
	[OP_PIN] = 1, [OP_UNPIN] = 1, [OP_FENCE] = 2, [OP_INVALIDATE] = 1,
	[OP_REVOKE] = 2, [OP_UNREVOKE] = 4, [OP_GET] = 1, [OP_PUT] = 1,
	[OP_AUDIT] = 1,
};

static enum op draw_op(unsigned int r)
{
	unsigned int total = 0, op;

	for (op = 0; op < NR_OPS; op++)
		total += op_weight[op];
	r %= total;
	for (op = 0; r >= op_weight[op]; op++)
		r -= op_weight[op];
	return (enum op)op;
}

struct worker {
	struct torture *t;
	unsigned int id;
	unsigned int rng;
	unsigned int extra_refs[NR_BUFS];
	struct dma_fence *pending;
};

static void violation(struct torture *t, const char *what, unsigned int b)
{
	pthread_mutex_lock(&t->msg_lock);
	if (!atomic_fetch_add(&t->violations, 1))
		snprintf(t->first_violation, sizeof(t->first_violation),
			 "%s (buffer %u)", what, b);
	pthread_mutex_unlock(&t->msg_lock);
}

static void check(struct torture *t, bool ok, const char *what, unsigned int b)
{
	atomic_fetch_add(&t->checks, 1);
	if (!ok)
		violation(t, what, b);
}

/* Unmap @imp's table. Resv held. */
static void timp_unmap(struct timp *imp)
{
	atomic_store(&imp->accessing, false);
	dma_buf_unmap_attachment(imp->attach, imp->sgt, DMA_BIDIRECTIONAL);
	imp->sgt = NULL;
}

static void torture_invalidate(struct dma_buf_attachment *attach)
{
	struct timp *imp = dma_buf_attachment_importer_priv(attach);

	if (!imp->sgt)
		return;
	if (imp->late)
		atomic_store(&imp->invalidated, true);
	else
		timp_unmap(imp);
}

/* Unmap what the late importers were told to, until the workers are done. */
static void *unmapper_fn(void *arg)
{
	struct torture *t = arg;
	bool done;

	do {
		unsigned int n = 0;

		done = atomic_load(&t->workers_done);
		for (unsigned int b = 0; b < NR_BUFS; b++) {
			struct dma_resv *resv = dma_buf_resv(t->bufs[b].buf);

			for (unsigned int i = 0; i < NR_THREADS; i++) {
				struct timp *imp = &t->bufs[b].imp[i];

				if (!atomic_exchange(&imp->invalidated, false))
					continue;
				dma_resv_lock(resv, NULL);
				if (imp->sgt)
					timp_unmap(imp);
				dma_resv_unlock(resv);
				n++;
			}
		}
		atomic_fetch_add(&t->late_unmaps, n);
		if (!n)
			th_sleep_ns(20 * 1000);	/* nothing to do: poll again */
	} while (!done);
	return NULL;
}

static const struct dma_buf_attach_ops torture_importer = {
	.name = "torture",
	.allow_peer2peer = true,
	.invalidate_mappings = torture_invalidate,
};

/* Every importer's view matches the core's and the exporter's. Resv held. */
static void audit_locked(struct torture *t, unsigned int b)
{
	struct tbuf *tb = &t->bufs[b];
	int tables = 0;

	for (unsigned int i = 0; i < NR_THREADS; i++) {
		struct timp *imp = &tb->imp[i];

		if (!imp->listed)
			continue;
		check(t, dma_buf_attachment_mapped(imp->listed) == (imp->sgt ? 1u : 0u),
		      "an importer's mapping is not the core's", b);
		tables += imp->sgt != NULL;
	}
	check(t, atomic_load(&tb->me.live_tables) == tables,
	      "the exporter's live tables are not the mappings", b);
	check(t, atomic_load(&tb->me.live_tables) >= 0, "negative table count", b);
}

static void do_revoke(struct torture *t, unsigned int b)
{
	struct tbuf *tb = &t->bufs[b];

	pthread_mutex_lock(&tb->rv_lock);
	if (dmb_revocable_revoke(tb->me.rev, NULL))
		violation(t, "revoke failed", b);
	/* Revoke returned: nobody may touch the memory now. */
	for (unsigned int i = 0; i < NR_THREADS; i++)
		check(t, !atomic_load(&tb->imp[i].accessing),
		      "an importer accesses the memory after revoke returned", b);
	check(t, dmb_revocable_mappings(tb->me.rev) == 0,
	      "mappings counted after revoke", b);
	atomic_fetch_add(&t->revokes, 1);
	pthread_mutex_unlock(&tb->rv_lock);
}

static void do_op(struct worker *w, enum op op, unsigned int b)
{
	struct torture *t = w->t;
	struct tbuf *tb = &t->bufs[b];
	struct timp *imp = &tb->imp[w->id];
	struct dma_resv *resv = dma_buf_resv(tb->buf);
	struct sg_table *sgt;

	switch (op) {
	case OP_ATTACH:
		if (imp->attach)
			break;
		imp->attach = dma_buf_dynamic_attach(tb->buf, &imp->dev,
						     &torture_importer, imp);
		dma_resv_lock(resv, NULL);
		imp->listed = imp->attach;
		dma_resv_unlock(resv);
		break;
	case OP_DETACH:
		if (!imp->attach)
			break;
		dma_resv_lock(resv, NULL);
		if (imp->sgt)
			timp_unmap(imp);
		for (; imp->pins; imp->pins--)
			dma_buf_unpin(imp->attach);
		imp->listed = NULL;
		dma_resv_unlock(resv);
		dma_buf_detach(tb->buf, imp->attach);
		imp->attach = NULL;
		break;
	case OP_MAP:
		if (!imp->attach)
			break;
		dma_resv_lock(resv, NULL);
		if (!imp->sgt) {
			sgt = dma_buf_map_attachment(imp->attach, DMA_BIDIRECTIONAL);
			if (sgt) {
				imp->sgt = sgt;
				atomic_store(&imp->accessing, true);
			} else {
				check(t, errno == ENODEV, "map failed other than revoked", b);
			}
		}
		dma_resv_unlock(resv);
		break;
	case OP_UNMAP:
		if (!imp->attach)
			break;
		dma_resv_lock(resv, NULL);
		if (imp->sgt)
			timp_unmap(imp);
		dma_resv_unlock(resv);
		break;
	case OP_PIN:
	case OP_UNPIN:
		if (!imp->attach)
			break;
		dma_resv_lock(resv, NULL);
		if (op == OP_PIN && imp->pins < 2 && dma_buf_pin(imp->attach) == 0)
			imp->pins++;
		else if (op == OP_UNPIN && imp->pins) {
			dma_buf_unpin(imp->attach);
			imp->pins--;
		}
		dma_resv_unlock(resv);
		break;
	case OP_FENCE:
		if (w->pending)
			break;
		w->pending = mock_fence();
		dma_resv_lock(resv, NULL);
		if (dma_resv_reserve_fences(resv, 1) == 0)
			dma_resv_add_fence(resv, w->pending,
					   (w->rng & 1) ? DMA_RESV_USAGE_WRITE :
							  DMA_RESV_USAGE_BOOKKEEP);
		dma_resv_unlock(resv);
		break;
	case OP_INVALIDATE:
		dma_resv_lock(resv, NULL);
		dma_buf_invalidate_mappings(tb->buf);
		for (unsigned int i = 0; i < NR_THREADS; i++)
			check(t, !tb->imp[i].sgt || tb->imp[i].late,
			      "an ODP mapping survived invalidate", b);
		dma_resv_unlock(resv);
		break;
	case OP_REVOKE:
		do_revoke(t, b);
		break;
	case OP_UNREVOKE:
		pthread_mutex_lock(&tb->rv_lock);
		if (dmb_revocable_unrevoke(tb->me.rev))
			violation(t, "unrevoke failed", b);
		pthread_mutex_unlock(&tb->rv_lock);
		break;
	case OP_GET:
		if (w->extra_refs[b] < 4) {
			get_dma_buf(tb->buf);
			w->extra_refs[b]++;
		}
		break;
	case OP_PUT:
		if (w->extra_refs[b]) {
			dma_buf_put(tb->buf);
			w->extra_refs[b]--;
		}
		break;
	case OP_AUDIT:
	case NR_OPS:
		dma_resv_lock(resv, NULL);
		audit_locked(t, b);
		dma_resv_unlock(resv);
		break;
	}
}

/* Signal and drop the fence this thread added at its last operation. */
static void retire_fence(struct worker *w)
{
	if (!w->pending)
		return;
	dma_fence_signal(w->pending);
	dma_fence_put(w->pending);
	w->pending = NULL;
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	struct torture *t = w->t;

	while (atomic_fetch_add(&t->ops_done, 1) < nr_ops) {
		unsigned int r = (unsigned int)rand_r(&w->rng);

		retire_fence(w);
		do_op(w, draw_op(r & 0xffff), (r >> 16) % NR_BUFS);
	}
	retire_fence(w);
	/* Leave everything as found: no mapping, pin, attachment or ref. */
	for (unsigned int b = 0; b < NR_BUFS; b++) {
		do_op(w, OP_DETACH, b);
		for (; w->extra_refs[b]; w->extra_refs[b]--)
			dma_buf_put(t->bufs[b].buf);
	}
	return NULL;
}

static void torture(void **state)
{
	struct torture *t = th_alloc(sizeof(*t));
	struct worker *w = th_alloc(NR_THREADS * sizeof(*w));
	struct th_thread *threads[NR_THREADS], *unmapper;
	struct dmb_revoke_policy policy = { .wait = DMB_REVOKE_WAIT };
	long fences_before = mock_fence_live();
	long bufs_before = mock_exporter_live();
	int64_t t0, ns;

	t->seed = th_stress_seed();
	pthread_mutex_init(&t->msg_lock, NULL);
	for (unsigned int b = 0; b < NR_BUFS; b++) {
		struct tbuf *tb = &t->bufs[b];

		tb->buf = mock_export(&tb->me, "torture", 4096,
				      MOCK_EXP_PIN | MOCK_EXP_REVOCABLE);
		/* Silent waits: under load a fence may outlast any bound. */
		assert_int_equal(dmb_revocable_set_policy(tb->me.rev, &policy), 0);
		pthread_mutex_init(&tb->rv_lock, NULL);
		for (unsigned int i = 0; i < NR_THREADS; i++) {
			snprintf(tb->imp[i].name, sizeof(tb->imp[i].name),
				 "t%u-b%u", i, b);
			tb->imp[i].dev.name = tb->imp[i].name;
			tb->imp[i].late = i & 1;
		}
	}

	t0 = th_now_ns();
	unmapper = th_thread_start(unmapper_fn, t);
	for (unsigned int i = 0; i < NR_THREADS; i++) {
		w[i] = (struct worker){ .t = t, .id = i, .rng = t->seed + i };
		threads[i] = th_thread_start(worker_fn, &w[i]);
	}
	for (unsigned int i = 0; i < NR_THREADS; i++)
		th_thread_join(threads[i]);
	ns = th_now_ns() - t0;
	atomic_store(&t->workers_done, true);
	th_thread_join(unmapper);

	for (unsigned int b = 0; b < NR_BUFS; b++) {
		struct tbuf *tb = &t->bufs[b];
		struct dma_resv *resv = dma_buf_resv(tb->buf);

		dma_resv_lock(resv, NULL);
		audit_locked(t, b);
		dma_resv_unlock(resv);
		do_revoke(t, b);
		dma_buf_put(tb->buf);
		check(t, atomic_load(&tb->me.release_calls) == 1,
		      "buffer not released exactly once", b);
		check(t, atomic_load(&tb->me.live_tables) == 0, "tables leaked", b);
		pthread_mutex_destroy(&tb->rv_lock);
	}
	pthread_mutex_destroy(&t->msg_lock);
	printf("# torture: seed %u, %lu ops by %d threads on %d buffers in %.2f s (%.0f ops/s), %lu invariants checked, %lu revokes, %lu late unmaps\n",
	       t->seed, nr_ops, NR_THREADS, NR_BUFS, (double)ns / 1e9,
	       (double)nr_ops * 1e9 / (double)(ns ? ns : 1),
	       atomic_load(&t->checks), atomic_load(&t->revokes),
	       atomic_load(&t->late_unmaps));
	if (atomic_load(&t->violations))
		fail_msg("%lu invariant violations, first: %s",
			 atomic_load(&t->violations), t->first_violation);
	assert_int_equal(mock_exporter_live(), bufs_before);
	assert_int_equal(mock_fence_live(), fences_before);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = { TH_TEST(torture) };
	int n = 0;

	/* --ops N for long runs; the rest goes to the harness. */
	for (int i = 0; i < argc; i++) {
		if (i + 1 < argc && !strcmp(argv[i], "--ops")) {
			nr_ops = strtoul(argv[++i], NULL, 0);
			continue;
		}
		argv[n++] = argv[i];
	}
	return th_run(n, argv, tests, TH_COUNT(tests));
}
