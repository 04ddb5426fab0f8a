// SPDX-License-Identifier: MIT
/*
 * test-dma-engine.c - DMA engines: jobs that really move bytes through the
 * IOMMU, complete exactly when the virtual clock reaches their scheduled
 * time, signal in order per engine, fail with the fault on their fence, tell
 * the checker V4 from allowed in-flight access, and shut down without
 * hanging on a clock nobody advances.
 */
#include <pthread.h>

#include <dmabuf/hw/dma-engine.h>
#include <dmabuf/hw/hw-device.h>
#include <dmabuf/hw/iommu.h>

#include "fixture.h"

#define PAGES		16
#define BUF_SIZE	(PAGES * DMB_PAGE_SIZE)
#define WAIT_NS		(10 * NSEC_PER_SEC)	/* a hang guard, never a timing check */

static const struct dmb_check_subject gpu_import = {
	.buffer = "buf0", .exporter = "heap", .importer = "gpu-import", .device = "gpu0",
};

struct engine_fixture {
	struct hw_fixture *f;
	struct dmb_hw_device *gpu;	/* two engines, zero timing */
	struct dmb_mem_region *vram;	/* gpu0's */
	struct dmb_iommu_domain *d;
	uint64_t ram_phys, vram_phys;	/* BUF_SIZE each */
	uint64_t ram_iova, vram_iova;	/* mapped read/write */
};

static uint64_t map_range(struct dmb_iommu_domain *d, uint64_t phys, uint64_t len)
{
	uint64_t iova;

	assert_int_equal(dmb_iommu_alloc_iova(d, len, &iova), 0);
	assert_int_equal(dmb_iommu_map(d, iova, phys, len, DMB_IOMMU_READ | DMB_IOMMU_WRITE), 0);
	return iova;
}

static int engine_setup(void **state)
{
	struct dmb_hw_device_info gpu = { .name = "gpu0", .nr_engines = 2 };
	struct dmb_mem_region_info vram = { .name = "vram", .size = 1 << 20 };
	struct engine_fixture *x = calloc(1, sizeof(*x));

	if (!x || hw_setup(state))
		return -1;
	x->f = *state;
	x->gpu = dmb_hw_device_create(x->f->space, &gpu);
	if (!x->gpu)
		return -1;
	vram.owner = x->gpu;
	x->vram = dmb_mem_region_create(x->f->space, &vram);
	if (!x->vram)
		return -1;
	x->d = dmb_hw_device_domain(x->gpu);
	x->ram_phys = hw_alloc(x->f->ram, PAGES);
	x->vram_phys = hw_alloc(x->vram, PAGES);
	x->ram_iova = map_range(x->d, x->ram_phys, BUF_SIZE);
	x->vram_iova = map_range(x->d, x->vram_phys, BUF_SIZE);
	*state = x;
	return 0;
}

static int engine_teardown(void **state)
{
	struct engine_fixture *x = *state;
	int ret = th_teardown_threads();

	ret |= dmb_iommu_unmap(x->d, x->ram_iova, BUF_SIZE);
	/* vram is gpu0's, and gpu0's domain maps it: unmap, vram, then gpu0. */
	ret |= dmb_iommu_unmap(x->d, x->vram_iova, BUF_SIZE);
	ret |= dmb_mem_region_destroy(x->vram);
	ret |= dmb_hw_device_destroy(x->gpu);
	*state = x->f;
	free(x);
	return hw_teardown(state) || ret ? -1 : 0;
}

#define ENGINE_TEST(fn) cmocka_unit_test_setup_teardown(fn, engine_setup, engine_teardown)

static struct dmb_dma_engine *engine(struct engine_fixture *x, unsigned int i)
{
	return dmb_hw_device_engine(x->gpu, i);
}

static struct dma_fence *copy(struct dmb_dma_engine *e, uint64_t dst, uint64_t src,
			      uint64_t len, const struct dmb_dma_timing *timing)
{
	struct dmb_dma_job job = {
		.op = DMB_DMA_COPY, .dst = { .addr = dst }, .src = { .addr = src },
		.len = len, .timing = timing,
	};
	struct dma_fence *fence = dmb_dma_submit(e, &job);

	assert_non_null(fence);
	return fence;
}

static void wait_done(struct dma_fence *fence, int status)
{
	assert_true(dma_fence_wait_timeout(fence, WAIT_NS) > 0);
	assert_int_equal(dma_fence_get_status(fence), status);
}

/* Copies move real bytes RAM -> VRAM -> RAM, at odd offsets and lengths. */
static void copy_moves_bytes_across_regions(void **state)
{
	struct engine_fixture *x = *state;
	uint64_t len = 3 * DMB_PAGE_SIZE + 123;
	struct dma_fence *a, *b;

	hw_fill(x->f->space, x->ram_phys + 17, len, 5);
	a = copy(engine(x, 0), x->vram_iova + 1000, x->ram_iova + 17, len, NULL);
	wait_done(a, 1);
	assert_true(hw_holds(x->f->space, x->vram_phys + 1000, len, 5));
	assert_int_equal(dma_fence_timestamp(a), HW_START_NS);
	b = copy(engine(x, 1), x->ram_iova + 8 * DMB_PAGE_SIZE, x->vram_iova + 1000, len, NULL);
	wait_done(b, 1);
	assert_true(hw_holds(x->f->space, x->ram_phys + 8 * DMB_PAGE_SIZE, len, 5));
	assert_int_equal(dmb_iommu_fault_count(x->d), 0);
	dma_fence_put(a);
	dma_fence_put(b);
}

/* A fill writes its byte; a checksum job computes what the CPU computes. */
static void fill_and_checksum(void **state)
{
	struct engine_fixture *x = *state;
	struct dmb_dma_job fill = {
		.op = DMB_DMA_FILL, .dst = { .addr = x->vram_iova + 10 }, .len = 5000, .fill = 0x3c,
	};
	struct dmb_dma_job sum = {
		.op = DMB_DMA_CHECKSUM, .src = { .addr = x->vram_iova }, .len = BUF_SIZE,
	};
	const uint8_t *va = dmb_phys_to_virt(x->f->space, x->vram_phys, BUF_SIZE);
	struct dma_fence *ff = dmb_dma_submit(engine(x, 0), &fill), *sf;
	uint64_t got = 0;

	wait_done(ff, 1);
	for (unsigned int i = 0; i < 5000; i++)
		assert_int_equal(va[10 + i], 0x3c);
	assert_int_equal(va[5010], 0);
	sf = dmb_dma_submit(engine(x, 0), &sum);
	wait_done(sf, 1);
	assert_int_equal(dmb_dma_fence_checksum(sf, &got), 0);
	assert_true(got == dmb_dma_checksum(va, BUF_SIZE));
	assert_int_equal(dmb_dma_fence_checksum(ff, &got), -EINVAL);
	th_assert_warned("not a DMA checksum job's fence");
	dma_fence_put(ff);
	dma_fence_put(sf);
}

/* A job completes when, and only when, the clock reaches its scheduled end. */
static void job_completes_at_its_time(void **state)
{
	struct engine_fixture *x = *state;
	struct dmb_dma_timing ten_ms = { .fixed_ns = 10 * NSEC_PER_MSEC };
	struct dmb_dma_job sum = {
		.op = DMB_DMA_CHECKSUM, .src = { .addr = x->ram_iova }, .len = 64, .timing = &ten_ms,
	};
	struct dma_fence *f, *s = dmb_dma_submit(engine(x, 1), &sum);
	uint64_t got;

	hw_fill(x->f->space, x->ram_phys, 64, 1);
	f = copy(engine(x, 0), x->vram_iova, x->ram_iova, 64, &ten_ms);
	assert_int_equal(dmb_dma_fence_checksum(s, &got), -EBUSY);
	dmb_clock_advance(x->f->clock, 10 * NSEC_PER_MSEC - 1);
	th_sleep_ns(2 * NSEC_PER_MSEC);
	assert_false(dma_fence_is_signaled(f));
	assert_false(hw_holds(x->f->space, x->vram_phys, 64, 1));	/* nothing moved yet */
	dmb_clock_advance(x->f->clock, 1);
	wait_done(f, 1);
	wait_done(s, 1);
	assert_true(hw_holds(x->f->space, x->vram_phys, 64, 1));
	assert_int_equal(dma_fence_timestamp(f), HW_START_NS + 10 * NSEC_PER_MSEC);
	dma_fence_put(f);
	dma_fence_put(s);
}

/* Per-byte cost, per-job timing, and jobs queued back to back on one engine. */
static void timing_and_queueing(void **state)
{
	struct engine_fixture *x = *state;
	struct dmb_dma_timing gbps = { .fixed_ns = 1000, .bytes_per_sec = NSEC_PER_SEC };
	struct dmb_dma_timing two_ms = { .fixed_ns = 2 * NSEC_PER_MSEC };
	int64_t a_end = HW_START_NS + 1000 + 4096;
	struct dma_fence *a, *b;

	assert_int_equal(dmb_dma_engine_set_timing(engine(x, 0), &gbps), 0);
	a = copy(engine(x, 0), x->vram_iova, x->ram_iova, 4096, NULL);
	b = copy(engine(x, 0), x->vram_iova, x->ram_iova, 4096, &two_ms);
	dmb_clock_advance(x->f->clock, a_end - HW_START_NS);
	wait_done(a, 1);
	assert_int_equal(dma_fence_timestamp(a), a_end);
	th_sleep_ns(2 * NSEC_PER_MSEC);
	assert_false(dma_fence_is_signaled(b));
	dmb_clock_advance(x->f->clock, 2 * NSEC_PER_MSEC);
	wait_done(b, 1);
	assert_int_equal(dma_fence_timestamp(b), a_end + 2 * NSEC_PER_MSEC);
	assert_int_equal(b->seqno, a->seqno + 1);
	assert_int_equal(a->context, dmb_dma_engine_context(engine(x, 0)));
	dma_fence_put(a);
	dma_fence_put(b);
}

#define ORDER_ENGINES	4
#define ORDER_JOBS	40

struct order_log {
	pthread_mutex_t lock;
	uint64_t last[ORDER_ENGINES];	/* last seqno signalled per engine */
	unsigned int out_of_order;
	unsigned int signalled;
	uint64_t contexts[ORDER_ENGINES];
};

struct order_cb {
	struct dma_fence_cb cb;
	struct order_log *log;
};

static void order_signalled(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	struct order_cb *ocb = dmb_container_of(cb, struct order_cb, cb);
	struct order_log *log = ocb->log;

	pthread_mutex_lock(&log->lock);
	for (unsigned int e = 0; e < ORDER_ENGINES; e++) {
		if (log->contexts[e] != fence->context)
			continue;
		if (fence->seqno != log->last[e] + 1)
			log->out_of_order++;
		log->last[e] = fence->seqno;
	}
	log->signalled++;
	pthread_mutex_unlock(&log->lock);
}

/* Four engines on two devices run many jobs at once; each signals its fences in order. */
static void many_engines_signal_in_order(void **state)
{
	struct engine_fixture *x = *state;
	struct dmb_hw_device_info info = { .name = "gpu1", .nr_engines = 2, .domain = x->d };
	struct dmb_hw_device *gpu1 = dmb_hw_device_create(x->f->space, &info);
	struct dmb_dma_engine *engines[ORDER_ENGINES] = {
		engine(x, 0), engine(x, 1),
		dmb_hw_device_engine(gpu1, 0), dmb_hw_device_engine(gpu1, 1),
	};
	static struct order_cb cbs[ORDER_ENGINES][ORDER_JOBS];
	struct dma_fence *fences[ORDER_ENGINES][ORDER_JOBS];
	struct order_log log = { .lock = PTHREAD_MUTEX_INITIALIZER };
	unsigned int seed = 12345;

	assert_string_equal(dmb_dma_engine_name(engines[3]), "gpu1-dma1");
	assert_ptr_equal(dmb_dma_engine_device(engines[3]), gpu1);
	for (unsigned int e = 0; e < ORDER_ENGINES; e++)
		log.contexts[e] = dmb_dma_engine_context(engines[e]);
	assert_true(log.contexts[0] != log.contexts[1] && log.contexts[1] != log.contexts[2]);
	for (unsigned int j = 0; j < ORDER_JOBS; j++) {
		for (unsigned int e = 0; e < ORDER_ENGINES; e++) {
			struct dmb_dma_timing t = { .fixed_ns = 1000 + rand_r(&seed) % 5000 };
			uint64_t off = (e * ORDER_JOBS + j) % PAGES * DMB_PAGE_SIZE;

			fences[e][j] = copy(engines[e], x->vram_iova + off, x->ram_iova + off,
					    DMB_PAGE_SIZE, &t);
			cbs[e][j].log = &log;
			assert_int_equal(dma_fence_add_callback(fences[e][j], &cbs[e][j].cb,
								order_signalled), 0);
		}
	}
	for (unsigned int step = 0; step < ORDER_JOBS * 6; step++)
		dmb_clock_advance(x->f->clock, 1000);
	for (unsigned int e = 0; e < ORDER_ENGINES; e++) {
		for (unsigned int j = 0; j < ORDER_JOBS; j++) {
			wait_done(fences[e][j], 1);
			assert_string_equal(dma_fence_timeline_name(fences[e][j]),
					    dmb_dma_engine_name(engines[e]));
			dma_fence_put(fences[e][j]);
		}
	}
	/* A waiter may wake before the signalling thread ran the callbacks. */
	for (unsigned int spins = 0; spins < 10000; spins++) {
		bool all;

		pthread_mutex_lock(&log.lock);
		all = log.signalled == ORDER_ENGINES * ORDER_JOBS;
		pthread_mutex_unlock(&log.lock);
		if (all)
			break;
		th_sleep_ns(NSEC_PER_MSEC);
	}
	pthread_mutex_lock(&log.lock);
	assert_int_equal(log.signalled, ORDER_ENGINES * ORDER_JOBS);
	for (unsigned int e = 0; e < ORDER_ENGINES; e++)
		assert_int_equal(log.last[e], ORDER_JOBS);
	assert_int_equal(log.out_of_order, 0);
	pthread_mutex_unlock(&log.lock);
	assert_int_equal(dmb_hw_device_destroy(gpu1), 0);
}

/* A job whose source does not translate fails with -EFAULT, the fault attributed. */
static void fault_fails_the_job(void **state)
{
	struct engine_fixture *x = *state;
	struct dmb_dma_job job = {
		.op = DMB_DMA_COPY, .dst = { .addr = x->vram_iova },
		.src = { .addr = 0x7000000000ULL, .cookie = 42 }, .len = 100,
	};
	struct dma_fence *f;
	struct dmb_iommu_fault rec;

	hw_fill(x->f->space, x->vram_phys, 100, 8);
	f = dmb_dma_submit(engine(x, 1), &job);
	wait_done(f, -EFAULT);
	assert_int_equal(dmb_iommu_faults(x->d, &rec, 1), 1);
	assert_int_equal(rec.iova, 0x7000000000ULL);
	assert_int_equal(rec.access, DMB_IOMMU_READ);
	assert_int_equal(rec.reason, DMB_IOMMU_FAULT_UNMAPPED);
	assert_int_equal(rec.cookie, 42);
	assert_string_equal(rec.device, "gpu0");
	assert_true(hw_holds(x->f->space, x->vram_phys, 100, 8));
	dmb_iommu_clear_faults(x->d);
	dma_fence_put(f);
}

static struct dma_fence *write_through(struct engine_fixture *x, unsigned int e,
				       struct dmb_check_map *token,
				       const struct dmb_dma_timing *t)
{
	struct dmb_dma_job job = {
		.op = DMB_DMA_COPY, .dst = { .addr = x->vram_iova, .map = token, .cookie = 1 },
		.src = { .addr = x->ram_iova }, .len = DMB_PAGE_SIZE, .timing = t,
	};
	struct dma_fence *f = dmb_dma_submit(engine(x, e), &job);

	assert_non_null(f);
	return f;
}

/*
 * The checker sees what each job is: in-flight work may finish after
 * invalidate (R6), a write submitted after it is V4, and work still queued
 * at unmap faults and is V5, reported once.
 */
static void checker_tells_inflight_from_new(void **state)
{
	struct engine_fixture *x = *state;
	struct dmb_check_map *token = dmb_check_map_create(&gpu_import);
	struct dmb_dma_timing ms = { .fixed_ns = NSEC_PER_MSEC }, five_ms = { .fixed_ns = 5 * NSEC_PER_MSEC };
	struct dmb_dma_job read = {
		.op = DMB_DMA_CHECKSUM, .src = { .addr = x->vram_iova, .map = token },
		.len = 64,
	};
	struct dma_fence *inflight, *late_write, *late_read, *queued, *dead;
	struct dmb_iommu_fault rec;

	inflight = write_through(x, 0, token, &ms);
	queued = write_through(x, 1, token, &five_ms);
	dmb_check_map_invalidate(token);
	late_write = write_through(x, 0, token, &ms);
	assert_true(th_take_report(DMB_DIAG_VIOLATION,
		"V4 DMA write started through an invalidated mapping: buffer=buf0"));
	late_read = dmb_dma_submit(engine(x, 0), &read);
	dmb_clock_advance(x->f->clock, 2 * NSEC_PER_MSEC);
	wait_done(inflight, 1);		/* in flight at invalidate: allowed */
	wait_done(late_write, 1);	/* V4, but the IOMMU still translates */
	wait_done(late_read, 1);	/* read-and-discard: allowed */
	assert_int_equal(dmb_check_count(DMB_V4_DMA_AFTER_INVALIDATE), 1);
	assert_int_equal(dmb_iommu_fault_count(x->d), 0);

	/* The importer unmaps while a job submitted before invalidate is still queued. */
	dmb_check_map_unmap(token, false);
	assert_int_equal(dmb_iommu_unmap(x->d, x->vram_iova, BUF_SIZE), 0);
	dmb_clock_advance(x->f->clock, 3 * NSEC_PER_MSEC);
	wait_done(queued, -EFAULT);
	assert_true(th_take_report(DMB_DIAG_VIOLATION,
		"in-flight write through a mapping unmapped by the importer 3.000 ms ago"));
	assert_int_equal(dmb_iommu_faults(x->d, &rec, 1), 1);
	assert_ptr_equal(rec.map, token);
	assert_int_equal(rec.map_state, DMB_MAP_UNMAPPED);
	assert_int_equal(rec.access, DMB_IOMMU_WRITE);
	assert_int_equal(rec.iova, x->vram_iova);
	assert_int_equal(rec.time_ns, HW_START_NS + 5 * NSEC_PER_MSEC);
	assert_int_equal(rec.cookie, 1);

	/* New work through the dead mapping: V5 at submission, once, and a fault. */
	dead = write_through(x, 0, token, NULL);
	assert_true(th_take_report(DMB_DIAG_VIOLATION, "new write through a mapping unmapped"));
	wait_done(dead, -EFAULT);
	assert_int_equal(dmb_check_count(DMB_V5_DMA_AFTER_UNMAP), 2);
	assert_int_equal(dmb_iommu_fault_count(x->d), 2);
	dmb_iommu_clear_faults(x->d);
	x->vram_iova = map_range(x->d, x->vram_phys, BUF_SIZE);	/* for the teardown */
	dma_fence_put(inflight);
	dma_fence_put(late_write);
	dma_fence_put(late_read);
	dma_fence_put(queued);
	dma_fence_put(dead);
	dmb_check_map_put(token);
}

/* Destroying the device cancels the job asleep on the clock and those queued. */
static void shutdown_cancels_pending_jobs(void **state)
{
	struct engine_fixture *x = *state;
	struct dmb_hw_device_info info = {
		.name = "slow", .nr_engines = 1, .domain = x->d,
		.timing = { .fixed_ns = 3600 * NSEC_PER_SEC },
	};
	struct dmb_hw_device *slow = dmb_hw_device_create(x->f->space, &info);
	struct dma_fence *f[3];

	hw_fill(x->f->space, x->ram_phys, 64, 3);
	for (unsigned int i = 0; i < 3; i++)
		f[i] = copy(dmb_hw_device_engine(slow, 0), x->vram_iova, x->ram_iova, 64, NULL);
	th_sleep_ns(2 * NSEC_PER_MSEC);	/* let the worker fall asleep on the first */
	assert_int_equal(dmb_hw_device_destroy(slow), 0);
	for (unsigned int i = 0; i < 3; i++) {
		assert_int_equal(dma_fence_get_status(f[i]), -ECANCELED);
		assert_string_equal(dma_fence_timeline_name(f[i]), "slow-dma0");	/* outlives the engine */
		dma_fence_put(f[i]);
	}
	assert_false(hw_holds(x->f->space, x->vram_phys, 64, 3));
}

/* Bad jobs and timings are refused with a WARN; accessors check their index. */
static void bad_jobs_refused(void **state)
{
	struct engine_fixture *x = *state;
	struct dmb_dma_timing neg = { .fixed_ns = -1 };
	struct dmb_dma_job jobs[] = {
		{ .op = DMB_DMA_COPY, .len = 0 },
		{ .op = (enum dmb_dma_op)99, .len = 1 },
		{ .op = DMB_DMA_FILL, .len = 1, .timing = &neg },
		{ .op = DMB_DMA_COPY, .len = 2, .dst = { .addr = UINT64_MAX } },
		{ .op = DMB_DMA_CHECKSUM, .len = 2, .src = { .addr = UINT64_MAX } },
	};

	for (size_t i = 0; i < DMB_ARRAY_SIZE(jobs); i++) {
		assert_null(dmb_dma_submit(engine(x, 0), &jobs[i]));
		assert_int_equal(errno, EINVAL);
		th_assert_warned("bad DMA job");
	}
	assert_int_equal(dmb_dma_engine_set_timing(engine(x, 0), &neg), -EINVAL);
	th_assert_warned("bad DMA engine timing");
	assert_int_equal(dmb_hw_device_nr_engines(x->gpu), 2);
	assert_null(dmb_hw_device_engine(x->gpu, 2));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(dmb_hw_device_destroy(x->gpu), -EBUSY);	/* still owns vram */
	th_assert_warned("still owns 1 memory regions");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		ENGINE_TEST(copy_moves_bytes_across_regions),
		ENGINE_TEST(fill_and_checksum),
		ENGINE_TEST(job_completes_at_its_time),
		ENGINE_TEST(timing_and_queueing),
		ENGINE_TEST(many_engines_signal_in_order),
		ENGINE_TEST(fault_fails_the_job),
		ENGINE_TEST(checker_tells_inflight_from_new),
		ENGINE_TEST(shutdown_cancels_pending_jobs),
		ENGINE_TEST(bad_jobs_refused),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
