// SPDX-License-Identifier: MIT
/*
 * bench-map.c - what the dma-buf core adds to a map+unmap: a dynamic
 * attachment to an exporter whose ops do next to nothing (they hand out one
 * preallocated sg_table), against a bare pthread mutex lock/unlock pair in
 * the same run.
 *
 * Four operations, each a noinline function so that callgrind can count it
 * (bench/run.sh):
 *  - op_mutex_lock_unlock: the physical limit of anything that takes a lock;
 *  - op_direct_ops: resv lock, the exporter's map and unmap ops called
 *    straight through the ops table, resv unlock — everything but the core;
 *  - op_map_unmap: resv lock, dma_buf_map_attachment(),
 *    dma_buf_unmap_attachment(), resv unlock. Minus op_direct_ops, this is
 *    the core's overhead per map+unmap (goal: <= 300 instructions);
 *  - op_map_unmap_rev: the same with an exporter that counts its mappings
 *    in a revoke helper (dma-buf-revoke.h), as a revoke-capable one must;
 *  - op_map_unmap_unlocked: the _unlocked pair (two lock sessions).
 */
#include <pthread.h>

#include <dmabuf/dma-buf-revoke.h>
#include <dmabuf/dma-buf.h>

#include "bench.h"

#define OPS	1000000

static pthread_mutex_t bare = PTHREAD_MUTEX_INITIALIZER;
static struct scatterlist the_sg;
static struct sg_table the_table = { .sgl = &the_sg, .nents = 1, .orig_nents = 1 };
static struct dmb_revocable *rev;

static int triv_map(struct dma_buf_attachment *attach,
		    enum dma_data_direction dir, struct sg_table **sgt)
{
	*sgt = &the_table;
	return 0;
}

static void triv_unmap(struct dma_buf_attachment *attach, struct sg_table *sgt,
		       enum dma_data_direction dir)
{
}

static void triv_release(struct dma_buf *dmabuf)
{
}

static int rev_map(struct dma_buf_attachment *attach,
		   enum dma_data_direction dir, struct sg_table **sgt)
{
	int ret = dmb_revocable_map(rev);

	if (ret)
		return ret;
	*sgt = &the_table;
	return 0;
}

static void rev_unmap(struct dma_buf_attachment *attach, struct sg_table *sgt,
		      enum dma_data_direction dir)
{
	dmb_revocable_unmap(rev);
}

static const struct dma_buf_ops triv_ops = {
	.map_dma_buf = triv_map,
	.unmap_dma_buf = triv_unmap,
	.release = triv_release,
};

static const struct dma_buf_ops rev_ops = {
	.map_dma_buf = rev_map,
	.unmap_dma_buf = rev_unmap,
	.release = triv_release,
};

static void bench_invalidate(struct dma_buf_attachment *attach)
{
}

static const struct dma_buf_attach_ops importer_ops = {
	.name = "bench",
	.invalidate_mappings = bench_invalidate,
};

static struct device dev = { .name = "bench-dev" };
static struct dma_buf *buf, *rev_buf;
static struct dma_buf_attachment *attach, *rev_attach;

void __attribute__((noinline)) op_mutex_lock_unlock(void);
void __attribute__((noinline)) op_mutex_lock_unlock(void)
{
	pthread_mutex_lock(&bare);
	pthread_mutex_unlock(&bare);
}

void __attribute__((noinline)) op_direct_ops(void);
void __attribute__((noinline)) op_direct_ops(void)
{
	const struct dma_buf_ops *ops = &triv_ops;
	struct sg_table *sgt;

	/*
	 * The ops are called through the table, as the core calls them: hidden
	 * from the optimiser, which would otherwise inline their bodies here
	 * and count them as the core's overhead.
	 */
	bench_hide(ops);
	dma_resv_lock(dma_buf_resv(buf), NULL);
	ops->map_dma_buf(attach, DMA_BIDIRECTIONAL, &sgt);
	ops->unmap_dma_buf(attach, sgt, DMA_BIDIRECTIONAL);
	dma_resv_unlock(dma_buf_resv(buf));
}

void __attribute__((noinline)) op_map_unmap(void);
void __attribute__((noinline)) op_map_unmap(void)
{
	struct sg_table *sgt;

	dma_resv_lock(dma_buf_resv(buf), NULL);
	sgt = dma_buf_map_attachment(attach, DMA_BIDIRECTIONAL);
	dma_buf_unmap_attachment(attach, sgt, DMA_BIDIRECTIONAL);
	dma_resv_unlock(dma_buf_resv(buf));
}

void __attribute__((noinline)) op_map_unmap_rev(void);
void __attribute__((noinline)) op_map_unmap_rev(void)
{
	struct sg_table *sgt;

	dma_resv_lock(dma_buf_resv(rev_buf), NULL);
	sgt = dma_buf_map_attachment(rev_attach, DMA_BIDIRECTIONAL);
	dma_buf_unmap_attachment(rev_attach, sgt, DMA_BIDIRECTIONAL);
	dma_resv_unlock(dma_buf_resv(rev_buf));
}

void __attribute__((noinline)) op_map_unmap_unlocked(void);
void __attribute__((noinline)) op_map_unmap_unlocked(void)
{
	struct sg_table *sgt;

	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
}

static int64_t run(void *arg)
{
	void (*op)(void) = ((const struct bench_op *)arg)->fn;
	int64_t t0 = dmb_ktime_get_ns();

	for (int i = 0; i < OPS; i++)
		op();
	return (dmb_ktime_get_ns() - t0) * 1000 / OPS;
}

static struct dma_buf *bench_export(const struct dma_buf_ops *ops)
{
	struct dma_buf_export_info info = {
		.exp_name = "bench", .ops = ops, .size = 4096,
	};
	struct dma_buf *b = dma_buf_export(&info);

	if (!b)
		abort();
	return b;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *what;
		void (*op)(void);
	} ops[] = {
		{ "dma_buf_map+unmap (locked pair)", op_map_unmap },
		{ "  with a revoke helper", op_map_unmap_rev },
		{ "  _unlocked pair", op_map_unmap_unlocked },
		{ "exporter ops only, under resv", op_direct_ops },
	};
	double bare_ns;

	buf = bench_export(&triv_ops);
	rev_buf = bench_export(&rev_ops);
	rev = dmb_revocable_create(rev_buf, NULL);
	attach = dma_buf_dynamic_attach(buf, &dev, &importer_ops, NULL);
	rev_attach = dma_buf_dynamic_attach(rev_buf, &dev, &importer_ops, NULL);
	if (!rev || !attach || !rev_attach)
		return 1;

	if (bench_callgrind_mode(argc, argv)) {
		for (int i = 0; i < 1000; i++) {
			op_mutex_lock_unlock();
			op_direct_ops();
			op_map_unmap();
			op_map_unmap_rev();
			op_map_unmap_unlocked();
		}
		goto out;
	}
	bare_ns = bench_median(run, BENCH_OP(op_mutex_lock_unlock));
	printf("map: (%s)\n", bench_mode_name());
	printf("map: pthread mutex lock+unlock           %7.2f ns\n", bare_ns);
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		double ns = bench_median(run, BENCH_OP(ops[i].op));

		printf("map: %-36s %7.2f ns  (%.1fx bare mutex)\n",
		       ops[i].what, ns, ns / bare_ns);
	}
out:
	dma_buf_detach(buf, attach);
	dma_buf_detach(rev_buf, rev_attach);
	dmb_revocable_destroy(rev);
	dma_buf_put(buf);
	dma_buf_put(rev_buf);
	return 0;
}
