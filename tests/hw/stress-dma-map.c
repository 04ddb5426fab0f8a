// SPDX-License-Identifier: MIT
/*
 * stress-dma-map.c - map/unmap racing with DMA: no access ever translates
 * through an unmapped IOVA.
 *
 * Mapper threads share one device (two engines) and loop: allocate source
 * pages, fill them with a pattern unique to the iteration, map them with
 * dma_map_sgtable(), queue a copy into the thread's own destination, then
 * unmap — sometimes after the copy completed, mostly while it may still be
 * queued or running — and at once overwrite the freed pages with poison
 * before giving them back (another thread may get them next). A copy that
 * succeeded must have moved exactly the pattern: had any chunk translated
 * after dma_unmap_sgtable() returned, it would have read poison or another
 * thread's bytes. A copy that failed must have failed with an IOMMU fault
 * through an unmapped IOVA, and only when the unmap did not wait for it.
 *
 * Bounded by iterations and by about two seconds; seeded (DMABUF_TEST_SEED).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include <dmabuf/hw/dma-engine.h>
#include <dmabuf/hw/dma-mapping.h>
#include <dmabuf/hw/hw-device.h>
#include <dmabuf/hw/iommu.h>

#include "fixture.h"

#define THREADS		3
#define ITERATIONS	3000
#define MAX_PAGES	80
#define RUN_NS		(2 * NSEC_PER_SEC)
#define WAIT_NS		(30 * NSEC_PER_SEC)

static const struct dmb_check_subject who = {
	.buffer = "stress", .exporter = "heap", .importer = "mapper", .device = "gpu0",
};

struct shared {
	struct hw_fixture *f;
	struct dmb_hw_device *gpu;
	int64_t stop_at;
	atomic_uint ok, faulted, bad;
};

struct mapper {
	struct shared *s;
	unsigned int id;
	unsigned int seed;
	uint64_t dst_phys, dst_iova;
	struct th_thread *thread;
};

/* One iteration; returns false if an invariant broke. */
static bool iterate(struct mapper *m, unsigned int iter)
{
	struct shared *s = m->s;
	struct device *dev = dmb_hw_device_dev(s->gpu);
	uint64_t pages = 1 + rand_r(&m->seed) % MAX_PAGES, len = pages * DMB_PAGE_SIZE;
	unsigned int pattern = m->id * 7919 + iter, split = rand_r(&m->seed) % pages;
	bool wait_first = rand_r(&m->seed) % 4 == 0;
	struct dmb_check_map *token = dmb_check_map_create(&who);
	struct sg_table sgt = { 0 };
	struct dma_fence *fence;
	struct dmb_dma_job job;
	uint64_t phys;
	int status;

	if (!token || dmb_mem_alloc(s->f->ram, len, &phys))
		return false;
	hw_fill(s->f->space, phys, len, pattern);
	/* One entry, or two split at a page boundary. */
	if (sg_alloc_table(&sgt, split ? 2 : 1))
		return false;
	sgt.sgl[0] = (struct scatterlist){ .phys_addr = phys,
					   .length = (split ? split : pages) * DMB_PAGE_SIZE };
	if (split)
		sgt.sgl[1] = (struct scatterlist){ .phys_addr = phys + split * DMB_PAGE_SIZE,
						   .length = (pages - split) * DMB_PAGE_SIZE };
	if (dma_map_sgtable(dev, &sgt, DMA_TO_DEVICE, 0))
		return false;

	job = (struct dmb_dma_job){
		.op = DMB_DMA_COPY,
		.dst = { .addr = m->dst_iova },
		.src = { .addr = sg_dma_address(sgt.sgl), .map = token, .cookie = iter },
		.len = len,
	};
	fence = dmb_dma_submit(dmb_hw_device_engine(s->gpu, rand_r(&m->seed) % 2), &job);
	if (!fence)
		return false;
	if (wait_first && dma_fence_wait_timeout(fence, WAIT_NS) <= 0)
		return false;

	dmb_check_map_unmap(token, false);
	dma_unmap_sgtable(dev, &sgt, DMA_TO_DEVICE, 0);
	memset(dmb_phys_to_virt(s->f->space, phys, len), 0xee, len);
	dmb_mem_free(s->f->ram, phys, len);
	sg_free_table(&sgt);
	dmb_check_map_put(token);

	if (dma_fence_wait_timeout(fence, WAIT_NS) <= 0)
		return false;
	status = dma_fence_get_status(fence);
	dma_fence_put(fence);
	if (status == 1) {
		atomic_fetch_add(&s->ok, 1);
		return hw_holds(s->f->space, m->dst_phys, len, pattern);
	}
	atomic_fetch_add(&s->faulted, 1);
	return status == -EFAULT && !wait_first;
}

static void *mapper_thread(void *arg)
{
	struct mapper *m = arg;

	for (unsigned int i = 0; i < ITERATIONS; i++) {
		if (!iterate(m, i)) {
			fprintf(stderr, "# mapper %u: invariant broken at iteration %u\n", m->id, i);
			atomic_fetch_add(&m->s->bad, 1);
			break;
		}
		if (dmb_ktime_get_ns() > m->s->stop_at)
			break;
	}
	return NULL;
}

/* Copies racing with unmap either move exactly their bytes or fault; never stale memory. */
static void map_unmap_races_dma(void **state)
{
	struct hw_fixture *f = *state;
	struct dmb_hw_device_info info = { .name = "gpu0", .nr_engines = 2 };
	struct shared *s = TH_NEW(struct shared, {
		.f = f, .stop_at = dmb_ktime_get_ns() + RUN_NS,
	});
	struct mapper *m = th_alloc(THREADS * sizeof(*m));
	struct dmb_iommu_domain *d;
	struct dmb_iommu_fault recs[DMB_IOMMU_FAULT_RECORDS];
	unsigned int seed = th_stress_seed();
	size_t n;

	s->gpu = dmb_hw_device_create(f->space, &info);
	assert_non_null(s->gpu);
	d = dmb_hw_device_domain(s->gpu);
	for (unsigned int i = 0; i < THREADS; i++) {
		m[i] = (struct mapper){ .s = s, .id = i, .seed = seed + i };
		m[i].dst_phys = hw_alloc(f->ram, MAX_PAGES);
		assert_int_equal(dmb_iommu_alloc_iova(d, MAX_PAGES * DMB_PAGE_SIZE, &m[i].dst_iova), 0);
		assert_int_equal(dmb_iommu_map(d, m[i].dst_iova, m[i].dst_phys,
					       MAX_PAGES * DMB_PAGE_SIZE, DMB_IOMMU_WRITE), 0);
	}
	for (unsigned int i = 0; i < THREADS; i++)
		m[i].thread = th_thread_start(mapper_thread, &m[i]);
	for (unsigned int i = 0; i < THREADS; i++)
		th_thread_join(m[i].thread);

	fprintf(stderr, "# %u copies completed, %u faulted on a dead mapping, %lu IOMMU faults\n",
		atomic_load(&s->ok), atomic_load(&s->faulted), dmb_iommu_fault_count(d));
	assert_int_equal(atomic_load(&s->bad), 0);
	assert_int_equal(dmb_iommu_fault_count(d), atomic_load(&s->faulted));
	n = dmb_iommu_faults(d, recs, DMB_ARRAY_SIZE(recs));
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(recs[i].reason, DMB_IOMMU_FAULT_UNMAPPED);
		assert_int_equal(recs[i].access, DMB_IOMMU_READ);
		assert_int_equal(recs[i].map_state, DMB_MAP_UNMAPPED);
	}
	th_forget_reports();	/* the V5 reports of the faulted copies */
	for (unsigned int i = 0; i < THREADS; i++)
		assert_int_equal(dmb_iommu_unmap(d, m[i].dst_iova, MAX_PAGES * DMB_PAGE_SIZE), 0);
	assert_int_equal(dmb_hw_device_destroy(s->gpu), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		HW_TEST(map_unmap_races_dma),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
