// SPDX-License-Identifier: MIT
/*
 * bench-dma.c - simulated DMA against the physical limit, in the same run:
 *
 *  1. DMA copy through the IOMMU on an engine (real clock, zero configured
 *     duration) of 4 KiB, 64 KiB and 1 MiB against plain memcpy() of the
 *     same bytes between the same pages (goal: >= 0.9x memcpy at 1 MiB —
 *     the IOMMU walk must not cost more than the copy). Jobs are queued back
 *     to back and the last fence waited for, as a driver keeps an engine
 *     busy; the figure is bandwidth, each repetition's ratio taken on its
 *     own (this VM's speed drifts between repetitions). Copies walk a window
 *     of source and destination pages: 1 MiB, which stays in the caches,
 *     and 128 MiB, four times the last-level cache, which goes to DRAM as
 *     real DMA does.
 *  2. The walk alone: a synchronous device read of 1 MiB through the IOMMU
 *     (dmb_dma_read(): checker, locks, translation, memmove in the calling
 *     thread) against memcpy() of the same bytes in the same thread — the
 *     engine's hand-off and the caches of another core left out.
 *  3. IOMMU map+unmap per page: one page, a 64-page range (per page), and
 *     dma_map_sgtable()+dma_unmap_sgtable() of a one-page table.
 *
 * --callgrind runs each op_* 1000 times for bench/run.sh to count.
 */
#include <dmabuf/hw/dma-access.h>
#include <dmabuf/hw/dma-engine.h>
#include <dmabuf/hw/dma-mapping.h>
#include <dmabuf/hw/hw-device.h>
#include <dmabuf/hw/iommu.h>
#include <dmabuf/hw/mem-region.h>

#include "bench.h"

#define BUF		(128ULL << 20)	/* the largest window */
#define MIB		(1ULL << 20)
#define BYTES_PER_REP	(256ULL << 20)
#define MAP_OPS		20000
#define READ_OPS	256
#define RANGE_PAGES	64

static struct {
	struct dmb_phys_space *space;
	struct dmb_mem_region *ram;
	struct dmb_hw_device *dev;
	struct dmb_dma_engine *engine;
	struct dmb_iommu_domain *d;
	uint64_t src_phys, dst_phys, src_iova, dst_iova;
	uint8_t *src, *dst;
	struct dma_fence **fences;
	struct sg_table sgt;
	uint64_t iova;		/* for the map/unmap ops */
} b;

static void check(int ret, const char *what)
{
	if (ret) {
		fprintf(stderr, "bench-dma: %s failed: %d\n", what, ret);
		exit(1);
	}
}

static void setup(void)
{
	struct dmb_mem_region_info ram = { .name = "ram", .size = 2 * BUF + MIB };
	struct dmb_hw_device_info dev = { .name = "bench", .nr_engines = 1 };

	b.space = dmb_phys_space_create(dmb_clock_real());
	b.ram = dmb_mem_region_create(b.space, &ram);
	b.dev = b.ram ? dmb_hw_device_create(b.space, &dev) : NULL;
	if (!b.dev)
		check(-1, "setup");
	b.engine = dmb_hw_device_engine(b.dev, 0);
	b.d = dmb_hw_device_domain(b.dev);
	check(dmb_mem_alloc(b.ram, BUF, &b.src_phys), "alloc");
	check(dmb_mem_alloc(b.ram, BUF, &b.dst_phys), "alloc");
	check(dmb_iommu_alloc_iova(b.d, BUF, &b.src_iova), "iova");
	check(dmb_iommu_alloc_iova(b.d, BUF, &b.dst_iova), "iova");
	check(dmb_iommu_map(b.d, b.src_iova, b.src_phys, BUF, DMB_IOMMU_READ), "map");
	check(dmb_iommu_map(b.d, b.dst_iova, b.dst_phys, BUF, DMB_IOMMU_WRITE), "map");
	b.src = dmb_phys_to_virt(b.space, b.src_phys, BUF);
	b.dst = dmb_phys_to_virt(b.space, b.dst_phys, BUF);
	memset(b.src, 0x5a, BUF);
	memset(b.dst, 0, BUF);
	b.fences = calloc(BYTES_PER_REP / 4096, sizeof(*b.fences));
	check(!b.fences, "calloc");
	check(sg_alloc_table(&b.sgt, 1), "sg_alloc_table");
	b.sgt.sgl[0].phys_addr = b.src_phys;
	b.sgt.sgl[0].length = 4096;
	check(dmb_iommu_alloc_iova(b.d, RANGE_PAGES * 4096, &b.iova), "iova");
}

static void teardown(void)
{
	check(dmb_iommu_free_iova(b.d, b.iova, RANGE_PAGES * 4096), "free iova");
	sg_free_table(&b.sgt);
	free(b.fences);
	check(dmb_iommu_unmap(b.d, b.src_iova, BUF) | dmb_iommu_unmap(b.d, b.dst_iova, BUF),
	      "unmap");
	check(dmb_hw_device_destroy(b.dev), "device destroy");
	check(dmb_mem_region_destroy(b.ram), "region destroy");
	check(dmb_phys_space_destroy(b.space), "space destroy");
}

static int64_t run_memcpy(uint64_t size, uint64_t window)
{
	uint64_t n = BYTES_PER_REP / size;
	int64_t t0 = dmb_ktime_get_ns();

	for (uint64_t i = 0; i < n; i++) {
		uint64_t off = i * size % window;

		memcpy(b.dst + off, b.src + off, size);
		bench_keep(b.dst);
	}
	return dmb_ktime_get_ns() - t0;
}

static int64_t run_dma(uint64_t size, uint64_t window)
{
	uint64_t n = BYTES_PER_REP / size;
	int64_t t0 = dmb_ktime_get_ns(), t1;

	for (uint64_t i = 0; i < n; i++) {
		uint64_t off = i * size % window;
		struct dmb_dma_job job = {
			.op = DMB_DMA_COPY, .dst = { .addr = b.dst_iova + off },
			.src = { .addr = b.src_iova + off }, .len = size,
		};

		b.fences[i] = dmb_dma_submit(b.engine, &job);
		if (!b.fences[i])
			check(-1, "submit");
	}
	dma_fence_wait(b.fences[n - 1]);
	t1 = dmb_ktime_get_ns();
	for (uint64_t i = 0; i < n; i++) {
		if (dma_fence_get_status(b.fences[i]) != 1)
			check(-1, "copy job");
		dma_fence_put(b.fences[i]);
	}
	return t1 - t0;
}

static double gbps(int64_t ns)
{
	return (double)BYTES_PER_REP / (double)ns;
}

static int cmp_double(const void *a, const void *c)
{
	double x = *(const double *)a, y = *(const double *)c;

	return (x > y) - (x < y);
}

static double median(double *v)
{
	qsort(v, BENCH_REPS, sizeof(v[0]), cmp_double);
	return v[BENCH_REPS / 2];
}

static void bench_copy(uint64_t size, uint64_t window)
{
	double mem[BENCH_REPS], dma[BENCH_REPS], ratio[BENCH_REPS];

	run_memcpy(size, window);	/* warm the pages and the engine */
	run_dma(size, window);
	for (int r = 0; r < BENCH_REPS; r++) {
		mem[r] = gbps(run_memcpy(size, window));
		dma[r] = gbps(run_dma(size, window));
		ratio[r] = dma[r] / mem[r];
	}
	printf("dma-copy: %4llu KiB jobs, %3llu MiB window: memcpy %6.2f GB/s  DMA via IOMMU %6.2f GB/s  (%.2fx%s)\n",
	       (unsigned long long)(size >> 10), (unsigned long long)(window / MIB),
	       median(mem), median(dma), median(ratio),
	       size == MIB ? "; goal >= 0.9x" : "");
}

void __attribute__((noinline)) op_memcpy_1m(void);
void __attribute__((noinline)) op_memcpy_1m(void)
{
	memcpy(b.dst, b.src, MIB);
	bench_keep(b.dst);
}

void __attribute__((noinline)) op_dma_read_1m(void);
void __attribute__((noinline)) op_dma_read_1m(void)
{
	struct dmb_dma_target src = { .addr = b.src_iova };

	if (dmb_dma_read(b.dev, &src, b.dst, MIB))
		check(-1, "dma read");
}

static int64_t run_read(void *arg)
{
	void (*op)(void) = ((const struct bench_op *)arg)->fn;
	int64_t t0 = dmb_ktime_get_ns();

	for (int i = 0; i < READ_OPS; i++)
		op();
	return (dmb_ktime_get_ns() - t0) * 1000 / READ_OPS;
}

void __attribute__((noinline)) op_iommu_map_unmap_page(void);
void __attribute__((noinline)) op_iommu_map_unmap_page(void)
{
	dmb_iommu_map(b.d, b.iova, b.src_phys, 4096, DMB_IOMMU_READ);
	dmb_iommu_unmap(b.d, b.iova, 4096);
}

void __attribute__((noinline)) op_iommu_map_unmap_range(void);
void __attribute__((noinline)) op_iommu_map_unmap_range(void)
{
	dmb_iommu_map(b.d, b.iova, b.src_phys, RANGE_PAGES * 4096, DMB_IOMMU_READ);
	dmb_iommu_unmap(b.d, b.iova, RANGE_PAGES * 4096);
}

void __attribute__((noinline)) op_dma_map_unmap_sgtable(void);
void __attribute__((noinline)) op_dma_map_unmap_sgtable(void)
{
	dma_map_sgtable(dmb_hw_device_dev(b.dev), &b.sgt, DMA_TO_DEVICE, 0);
	dma_unmap_sgtable(dmb_hw_device_dev(b.dev), &b.sgt, DMA_TO_DEVICE, 0);
}

static int64_t run_op(void *arg)
{
	void (*op)(void) = ((const struct bench_op *)arg)->fn;
	int64_t t0 = dmb_ktime_get_ns();

	for (int i = 0; i < MAP_OPS; i++)
		op();
	return (dmb_ktime_get_ns() - t0) * 1000 / MAP_OPS;
}

int main(int argc, char **argv)
{
	double page_ns, range_ns, sgt_ns, memcpy_ns, read_ns;

	setup();
	if (bench_callgrind_mode(argc, argv)) {
		for (int i = 0; i < 100; i++) {
			op_memcpy_1m();
			op_dma_read_1m();
		}
		for (int i = 0; i < 1000; i++) {
			op_iommu_map_unmap_page();
			op_iommu_map_unmap_range();
			op_dma_map_unmap_sgtable();
		}
		goto out;
	}
	for (uint64_t window = MIB; window <= BUF; window *= BUF / MIB) {
		bench_copy(4096, window);
		bench_copy(64 * 1024, window);
		bench_copy(MIB, window);
	}
	memcpy_ns = bench_median(run_read, BENCH_OP(op_memcpy_1m));
	read_ns = bench_median(run_read, BENCH_OP(op_dma_read_1m));
	printf("dma-read: 1 MiB, same thread: memcpy %8.0f ns  dmb_dma_read via IOMMU %8.0f ns  (%.2fx memcpy speed)\n",
	       memcpy_ns, read_ns, memcpy_ns / read_ns);
	page_ns = bench_median(run_op, BENCH_OP(op_iommu_map_unmap_page));
	range_ns = bench_median(run_op, BENCH_OP(op_iommu_map_unmap_range));
	sgt_ns = bench_median(run_op, BENCH_OP(op_dma_map_unmap_sgtable));
	printf("iommu: map+unmap of 1 page                       %8.1f ns\n", page_ns);
	printf("iommu: map+unmap of %d pages                     %8.1f ns  (%.1f ns per page)\n",
	       RANGE_PAGES, range_ns, range_ns / RANGE_PAGES);
	printf("iommu: dma_map_sgtable+dma_unmap_sgtable, 1 page  %8.1f ns\n", sgt_ns);
out:
	teardown();
	return 0;
}
