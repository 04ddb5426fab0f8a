// SPDX-License-Identifier: MIT
/*
 * bench-revoke.c - latency of a full revoke (dma-buf-revoke.h) with 1, 16,
 * 256 and 1024 cooperating importers, each holding one mapping and
 * unmapping it inside invalidate_mappings (ODP-style), so nothing waits on
 * another thread and the figure is the library's own cost. The exporter's
 * ops do next to nothing (one preallocated sg_table, the helper's count).
 *
 * Per importer count: the median of RUNS revokes, each preceded by an
 * unrevoke and a re-map of every importer (not timed), printed as the total
 * and per phase (from struct dmb_revoke_stats), and per importer. The cost
 * should grow linearly; goal: <= 2 us per importer at 1024.
 *
 * With --callgrind: CALLGRIND_RUNS revokes of 1024 importers, each inside
 * the noinline op_revoke(), for bench/run.sh to count instructions per
 * importer.
 */
#include <stdlib.h>

#include <dmabuf/dma-buf-revoke.h>
#include <dmabuf/dma-buf.h>

#include "bench.h"

#define MAX_IMPORTERS	1024
#define RUNS		11
#define CALLGRIND_RUNS	3

struct exporter {
	struct dma_buf *buf;
	struct dmb_revocable *rev;
	unsigned int n;			/* importers attached */
};

struct importer {
	struct device dev;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;		/* resv */
};

static struct scatterlist the_sg;
static struct sg_table the_table = { .sgl = &the_sg, .nents = 1, .orig_nents = 1 };
static struct importer importers[MAX_IMPORTERS];

static struct dmb_revocable *to_rev(struct dma_buf *dmabuf)
{
	return ((struct exporter *)dma_buf_priv(dmabuf))->rev;
}

static int exp_attach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	return dmb_revocable_attach(to_rev(dmabuf), attach,
				    DMB_REVOCABLE_REQUIRE_REVOCABLE);
}

static int exp_map(struct dma_buf_attachment *attach,
		   enum dma_data_direction dir, struct sg_table **sgt)
{
	int ret = dmb_revocable_map(to_rev(dma_buf_attachment_dmabuf(attach)));

	if (ret)
		return ret;
	*sgt = &the_table;
	return 0;
}

static void exp_unmap(struct dma_buf_attachment *attach, struct sg_table *sgt,
		      enum dma_data_direction dir)
{
	dmb_revocable_unmap(to_rev(dma_buf_attachment_dmabuf(attach)));
}

static void exp_release(struct dma_buf *dmabuf)
{
}

static const struct dma_buf_ops exp_ops = {
	.attach = exp_attach,
	.map_dma_buf = exp_map,
	.unmap_dma_buf = exp_unmap,
	.release = exp_release,
};

/* ODP-style: zap and unmap at once, under the resv lock we were called with. */
static void imp_invalidate(struct dma_buf_attachment *attach)
{
	struct importer *imp = dma_buf_attachment_importer_priv(attach);

	dma_buf_unmap_attachment(attach, imp->sgt, DMA_BIDIRECTIONAL);
	imp->sgt = NULL;
}

static const struct dma_buf_attach_ops imp_ops = {
	.name = "odp",
	.invalidate_mappings = imp_invalidate,
};

static void exporter_init(struct exporter *e, unsigned int n)
{
	struct dma_buf_export_info info = {
		.exp_name = "bench", .ops = &exp_ops, .size = 4096, .priv = e,
	};

	e->n = n;
	e->buf = dma_buf_export(&info);
	if (!e->buf)
		abort();
	e->rev = dmb_revocable_create(e->buf, NULL);
	if (!e->rev)
		abort();
	for (unsigned int i = 0; i < n; i++) {
		importers[i].dev.name = "odp-dev";
		importers[i].attach = dma_buf_dynamic_attach(e->buf, &importers[i].dev,
							     &imp_ops, &importers[i]);
		if (!importers[i].attach)
			abort();
	}
}

static void exporter_fini(struct exporter *e)
{
	for (unsigned int i = 0; i < e->n; i++)
		dma_buf_detach(e->buf, importers[i].attach);
	dmb_revocable_destroy(e->rev);
	dma_buf_put(e->buf);
}

/* Not timed: open the buffer again and map every importer. */
static void remap_all(struct exporter *e)
{
	struct dma_resv *resv = dma_buf_resv(e->buf);

	if (dmb_revocable_unrevoke(e->rev))
		abort();
	dma_resv_lock(resv, NULL);
	for (unsigned int i = 0; i < e->n; i++) {
		importers[i].sgt = dma_buf_map_attachment(importers[i].attach,
							  DMA_BIDIRECTIONAL);
		if (!importers[i].sgt)
			abort();
	}
	dma_resv_unlock(resv);
}

void __attribute__((noinline)) op_revoke(struct exporter *e,
					 struct dmb_revoke_stats *st);
void __attribute__((noinline)) op_revoke(struct exporter *e,
					 struct dmb_revoke_stats *st)
{
	if (dmb_revocable_revoke(e->rev, st) || st->already_revoked)
		abort();
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

int main(int argc, char **argv)
{
	static const unsigned int counts[] = { 1, 16, 256, 1024 };
	struct dmb_revoke_stats st;
	struct exporter e;

	if (bench_callgrind_mode(argc, argv)) {
		exporter_init(&e, MAX_IMPORTERS);
		for (int r = 0; r < CALLGRIND_RUNS; r++) {
			remap_all(&e);
			op_revoke(&e, &st);
		}
		exporter_fini(&e);
		return 0;
	}

	printf("revoke: (%s)\n", bench_mode_name());
	printf("revoke: importers  total us  per importer ns  (invalidate / fence wait / unmap wait / lock+mark ns, median of %d)\n",
	       RUNS);
	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		double total[RUNS], inval[RUNS], fence[RUNS], unmap[RUNS], rest[RUNS];
		unsigned int n = counts[c];

		exporter_init(&e, n);
		remap_all(&e);		/* warm-up round, not counted */
		op_revoke(&e, &st);
		for (int r = 0; r < RUNS; r++) {
			remap_all(&e);
			op_revoke(&e, &st);
			total[r] = (double)st.total_ns;
			inval[r] = (double)st.invalidate_ns;
			fence[r] = (double)st.fence_wait_ns;
			unmap[r] = (double)st.unmap_wait_ns;
			rest[r] = (double)(st.total_ns - st.invalidate_ns -
					   st.fence_wait_ns - st.unmap_wait_ns);
		}
		exporter_fini(&e);
		{
			double t = median(total, RUNS);

			printf("revoke: %9u  %8.1f  %15.0f  (%.0f / %.0f / %.0f / %.0f)%s\n",
			       n, t / 1000.0, t / n, median(inval, RUNS),
			       median(fence, RUNS), median(unmap, RUNS),
			       median(rest, RUNS),
			       n == 1024 ? "  goal <= 2000 ns per importer" : "");
		}
	}
	return 0;
}
