// SPDX-License-Identifier: MIT
/*
 * dma-engine.c - a DMA engine: one worker thread, a FIFO of jobs, one fence
 * timeline (see hw/dma-engine.h for the contract).
 *
 * A job is a dma_fence with the job's description around it; the fence's
 * release frees it. The queue holds one reference, the submitter gets
 * another. Each job's completion time is fixed at submission (after the
 * previous job's, or now if the engine is idle), so the timeline is the same
 * whatever the threads' scheduling; the worker pops the head, sleeps on the
 * clock until that time, moves the bytes through the device's IOMMU
 * (dma-access.c) and signals, stamped with the completion time.
 *
 * On a virtual clock the worker is an actor of the clock (clock.h): it
 * waits for work parked on the clock too, with a count of queued jobs as
 * its predicate and a kick from the submitter, so a driver that plays the
 * clock with dmb_clock_run_until() knows when the engine has nothing left
 * to do at the current instant.
 *
 * Shutdown (the device's destruction) sets `stopping`, wakes the worker and
 * kicks the clock: a worker asleep until a virtual time nobody will reach
 * wakes, and every job not completed signals -ECANCELED.
 *
 * Locking: engine->lock, a leaf mutex, protects the queue, the seqno, the
 * schedule and the timing; `stopping` is also an atomic because the worker
 * reads it under the clock's lock as its stop predicate, and so is the
 * count of queued jobs (written under engine->lock). Jobs run and
 * signal with no lock held, inside a fence-signalling section. Each fence
 * uses its own inline lock, so a fence outlives its engine safely; the
 * single worker is what orders signals on the timeline.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dmabuf/diag.h>
#include <dmabuf/lockdep.h>

#include "hw-internal.h"

struct dmb_dma_engine {
	struct dmb_hw_device *dev;
	struct dmb_clock *clock;
	char name[DMB_HW_NAME_LEN + 16];
	uint64_t context;
	pthread_mutex_t lock;
	pthread_cond_t work;		/* a job was queued, or stopping */
	struct dmb_list_head queue;	/* jobs not yet started, in order */
	uint64_t seqno;			/* of the last job queued */
	int64_t busy_until;		/* completion time of the last job queued */
	struct dmb_dma_timing timing;
	atomic_bool stopping;
	atomic_uint queued;		/* jobs on the queue */
	bool virtual_clock;
	unsigned int actor;		/* the worker's actor id on a virtual clock */
	pthread_t worker;
};

struct dma_job {
	struct dma_fence base;
	struct dmb_list_head node;
	struct dmb_dma_job desc;	/* desc.timing is not used after submit */
	int64_t end_ns;			/* completion time on the engine's clock */
	bool dst_reported;		/* the submit-time check reported this side */
	bool src_reported;
	uint64_t sum;			/* CHECKSUM's result */
	char timeline[DMB_HW_NAME_LEN + 16];
};

static const char *job_driver_name(struct dma_fence *f)
{
	return "dmb-dma";
}

static const char *job_timeline_name(struct dma_fence *f)
{
	return dmb_container_of(f, struct dma_job, base)->timeline;
}

static void job_release(struct dma_fence *f)
{
	struct dma_job *job = dmb_container_of(f, struct dma_job, base);

	dmb_check_map_put(job->desc.dst.map);
	dmb_check_map_put(job->desc.src.map);
	free(job);
}

static const struct dma_fence_ops job_ops = {
	.get_driver_name = job_driver_name,
	.get_timeline_name = job_timeline_name,
	.release = job_release,
};

uint64_t dmb_dma_checksum(const void *buf, size_t len)
{
	if (DMB_WARN(!buf && len, "dmb_dma_checksum of %zu bytes at NULL", len))
		return 0;
	return __dmb_fnv1a(DMB_FNV_OFFSET, buf, len);
}

/* A GNU extension of gcc and clang, as the kernel's u128 is. */
__extension__ typedef unsigned __int128 u128;

static int64_t job_duration(const struct dmb_dma_timing *t, uint64_t len)
{
	u128 ns = 0;	/* len * 1e9 overflows 64 bits */

	if (t->bytes_per_sec)
		ns = (u128)len * NSEC_PER_SEC / t->bytes_per_sec;
	ns += (uint64_t)t->fixed_ns;
	return ns > INT64_MAX ? INT64_MAX : (int64_t)ns;
}

static int64_t add_sat(int64_t a, int64_t b)
{
	return a > INT64_MAX - b ? INT64_MAX : a + b;
}

/* The side's last byte is addressable: no wrap-around past 2^64. */
static bool side_valid(const struct dmb_dma_target *t, uint64_t len)
{
	return len - 1 <= UINT64_MAX - t->addr;
}

static bool job_valid(const struct dmb_dma_job *job)
{
	if (!job->len || (job->timing && job->timing->fixed_ns < 0))
		return false;
	switch (job->op) {
	case DMB_DMA_COPY:
		return side_valid(&job->dst, job->len) && side_valid(&job->src, job->len);
	case DMB_DMA_FILL:
		return side_valid(&job->dst, job->len);
	case DMB_DMA_CHECKSUM:
		return side_valid(&job->src, job->len);
	default:
		return false;
	}
}

/* The submit-time check: new work starts using the mapping. */
static bool check_start(struct dmb_check_map *map, enum dmb_dma_access access)
{
	return map && dmb_check_dma(map, access) != 0;
}

struct dma_fence *dmb_dma_submit(struct dmb_dma_engine *e,
				 const struct dmb_dma_job *desc)
{
	struct dma_job *job;
	int64_t start;

	if (DMB_WARN(!e || !desc || !job_valid(desc), "bad DMA job")) {
		errno = EINVAL;
		return NULL;
	}
	job = calloc(1, sizeof(*job));
	if (!job)
		return NULL;
	job->desc = *desc;
	job->desc.timing = NULL;
	if (desc->op == DMB_DMA_CHECKSUM)
		job->desc.dst = (struct dmb_dma_target){ 0 };
	if (desc->op == DMB_DMA_FILL)
		job->desc.src = (struct dmb_dma_target){ 0 };
	dmb_check_map_get(job->desc.dst.map);
	dmb_check_map_get(job->desc.src.map);
	memcpy(job->timeline, e->name, sizeof(job->timeline));
	job->dst_reported = check_start(job->desc.dst.map, DMB_DMA_START_WRITE);
	job->src_reported = check_start(job->desc.src.map, DMB_DMA_START_READ);

	pthread_mutex_lock(&e->lock);
	if (atomic_load(&e->stopping)) {
		pthread_mutex_unlock(&e->lock);
		job_release(&job->base);
		errno = ESHUTDOWN;
		return NULL;
	}
	start = dmb_clock_now(e->clock);
	if (start < e->busy_until)
		start = e->busy_until;
	job->end_ns = add_sat(start, job_duration(desc->timing ? desc->timing :
						  &e->timing, desc->len));
	e->busy_until = job->end_ns;
	dma_fence_init(&job->base, &job_ops, NULL, e->context, ++e->seqno);
	dma_fence_get(&job->base);
	dmb_list_add_tail(&job->node, &e->queue);
	atomic_fetch_add(&e->queued, 1);
	pthread_cond_signal(&e->work);
	pthread_mutex_unlock(&e->lock);
	if (e->virtual_clock)
		dmb_clock_kick(e->clock);
	return &job->base;
}

static int job_run(struct dmb_dma_engine *e, struct dma_job *job)
{
	const struct dmb_dma_job *d = &job->desc;
	struct dmb_dma_xfer x = {
		.len = d->len,
		.fill = d->fill,
		.check_dst = job->dst_reported ? -1 : DMB_DMA_WRITE,
		.check_src = job->src_reported ? -1 : DMB_DMA_READ,
	};

	if (d->op != DMB_DMA_CHECKSUM)
		x.dst = &d->dst;
	if (d->op != DMB_DMA_FILL)
		x.src = &d->src;
	if (d->op == DMB_DMA_CHECKSUM)
		x.sum = &job->sum;
	return __dmb_dma_xfer(e->dev, &x);
}

/* Signal @job with @error (0 for success) and drop the queue's reference. */
static void job_complete(struct dmb_dma_engine *e, struct dma_job *job, int error)
{
	bool cookie = dmb_fence_begin_signalling();

	if (error)
		dma_fence_set_error(&job->base, error);
	dma_fence_signal_timestamp(&job->base, dmb_clock_now(e->clock));
	dmb_fence_end_signalling(cookie);
	/* Tokens go now: a fence may be kept long after its mappings died. */
	dmb_check_map_put(job->desc.dst.map);
	dmb_check_map_put(job->desc.src.map);
	job->desc.dst.map = NULL;
	job->desc.src.map = NULL;
	dma_fence_put(&job->base);
}

static bool engine_stopping(void *arg)
{
	struct dmb_dma_engine *e = arg;

	return atomic_load(&e->stopping);
}

static bool engine_has_work(void *arg)
{
	struct dmb_dma_engine *e = arg;

	return atomic_load(&e->queued) || atomic_load(&e->stopping);
}

/* Wait for a job or for shutdown; e->lock held, dropped while parked. */
static void engine_wait_work(struct dmb_dma_engine *e)
{
	while (dmb_list_empty(&e->queue) && !atomic_load(&e->stopping)) {
		if (!e->virtual_clock) {
			pthread_cond_wait(&e->work, &e->lock);
			continue;
		}
		pthread_mutex_unlock(&e->lock);
		dmb_clock_sleep_until_or(e->clock, MAX_SCHEDULE_TIMEOUT,
					 engine_has_work, e);
		pthread_mutex_lock(&e->lock);
	}
}

static void *engine_worker(void *arg)
{
	struct dmb_dma_engine *e = arg;
	struct dma_job *job, *tmp;

	dmb_clock_actor_begin(e->clock, e->actor);
	pthread_mutex_lock(&e->lock);
	for (;;) {
		engine_wait_work(e);
		if (atomic_load(&e->stopping))
			break;
		job = dmb_list_first_entry(&e->queue, struct dma_job, node);
		dmb_list_del(&job->node);
		atomic_fetch_sub(&e->queued, 1);
		pthread_mutex_unlock(&e->lock);

		if (dmb_clock_sleep_until_or(e->clock, job->end_ns,
					     engine_stopping, e))
			job_complete(e, job, -ECANCELED);
		else
			job_complete(e, job, job_run(e, job));
		pthread_mutex_lock(&e->lock);
	}
	pthread_mutex_unlock(&e->lock);

	/* Nothing is queued after `stopping` was set under the lock. */
	dmb_list_for_each_entry_safe(job, tmp, &e->queue, node) {
		dmb_list_del(&job->node);
		job_complete(e, job, -ECANCELED);
	}
	dmb_clock_actor_end();
	return NULL;
}

struct dmb_dma_engine *__dmb_dma_engine_create(struct dmb_hw_device *dev,
					       unsigned int idx,
					       const struct dmb_dma_timing *timing)
{
	struct dmb_dma_engine *e = calloc(1, sizeof(*e));
	int err;

	if (!e)
		return NULL;
	e->dev = dev;
	e->clock = dmb_phys_space_clock(dev->space);
	snprintf(e->name, sizeof(e->name), "%s-dma%u", dev->name, idx);
	e->context = dma_fence_context_alloc(1);
	e->timing = *timing;
	e->virtual_clock = dmb_clock_is_virtual(e->clock);
	dmb_list_init(&e->queue);
	pthread_mutex_init(&e->lock, NULL);
	pthread_cond_init(&e->work, NULL);
	e->actor = dmb_clock_actor_expect(e->clock);
	err = pthread_create(&e->worker, NULL, engine_worker, e);
	if (err) {
		dmb_clock_actor_cancel(e->clock, e->actor);
		pthread_cond_destroy(&e->work);
		pthread_mutex_destroy(&e->lock);
		free(e);
		errno = err;
		return NULL;
	}
	return e;
}

void __dmb_dma_engine_destroy(struct dmb_dma_engine *e)
{
	pthread_mutex_lock(&e->lock);
	atomic_store(&e->stopping, true);
	pthread_cond_signal(&e->work);
	pthread_mutex_unlock(&e->lock);
	dmb_clock_kick(e->clock);
	pthread_join(e->worker, NULL);
	pthread_cond_destroy(&e->work);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

int dmb_dma_fence_checksum(struct dma_fence *fence, uint64_t *sum)
{
	struct dma_job *job;
	int status;

	if (DMB_WARN(!sum, "dmb_dma_fence_checksum without a place for the sum"))
		return -EINVAL;
	if (DMB_WARN(!fence || fence->ops != &job_ops ||
		     dmb_container_of(fence, struct dma_job, base)->desc.op !=
		     DMB_DMA_CHECKSUM, "not a DMA checksum job's fence"))
		return -EINVAL;
	job = dmb_container_of(fence, struct dma_job, base);
	status = dma_fence_get_status(fence);
	if (status == 0)
		return -EBUSY;
	if (status < 0)
		return status;
	*sum = job->sum;
	return 0;
}

int dmb_dma_engine_set_timing(struct dmb_dma_engine *e,
			      const struct dmb_dma_timing *timing)
{
	if (DMB_WARN(!e || !timing || timing->fixed_ns < 0, "bad DMA engine timing"))
		return -EINVAL;
	pthread_mutex_lock(&e->lock);
	e->timing = *timing;
	pthread_mutex_unlock(&e->lock);
	return 0;
}

const char *dmb_dma_engine_name(const struct dmb_dma_engine *e)
{
	if (DMB_WARN(!e, "dmb_dma_engine_name(NULL)"))
		return "(null)";
	return e->name;
}

uint64_t dmb_dma_engine_context(const struct dmb_dma_engine *e)
{
	if (DMB_WARN(!e, "dmb_dma_engine_context(NULL)"))
		return 0;
	return e->context;
}

struct dmb_hw_device *dmb_dma_engine_device(const struct dmb_dma_engine *e)
{
	if (DMB_WARN(!e, "dmb_dma_engine_device(NULL)"))
		return NULL;
	return e->dev;
}
