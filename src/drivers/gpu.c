// SPDX-License-Identifier: MIT
/*
 * gpu.c - the GPU-style importer: every access is a DMA job on its device's
 * engine 0, published in the buffer's dma_resv, and a revoke lets the jobs
 * already in flight finish before the mapping goes (R6a).
 *
 * Contract:
 *  - create: attach dynamically with invalidate_mappings and peer-to-peer.
 *    The GPU also gets staging memory of its own in system RAM (a region
 *    "<device>-staging" on its device's address space, mapped into its
 *    domain), from which each job copies (writes) or into which it copies
 *    (reads); nothing of the buffer is mapped yet.
 *  - access: under the resv lock, map if there is no current mapping
 *    (-ENODEV while revoked: refused, nothing submitted), reserve a fence
 *    slot, take staging pages, submit one COPY per contiguous piece of the
 *    range, and add the job's fence to the resv with WRITE usage for a
 *    write and READ for a read. The job's fence is the importer's own: it
 *    signals, with the engine's error if a piece failed, once the bytes of
 *    a read are in @data and the staging pages are free again, so a caller
 *    that waited for it may read @data (a read into @data without asking
 *    for the fence is refused: nobody could tell when the bytes arrive). The engine orders the jobs; there
 *    are no dependencies on other devices' fences (the caller orders
 *    cross-device work).
 *  - invalidate_mappings (resv held): stop using the current mapping — the
 *    next access maps again — and hand it, with the fence of the last job
 *    submitted, to the GPU's worker thread. Nothing is unmapped here: jobs
 *    in flight must finish through valid IOVAs.
 *  - the worker waits for that fence without any lock, then takes the resv
 *    lock and unmaps. The exporter's fence wait (revoke step 4) and its
 *    unmap wait (step 6) therefore both end once the jobs complete. On a
 *    virtual clock the worker is an actor of the clock (clock.h): it waits
 *    for work and for fences parked on the clock, so the unmap happens at
 *    the instant the last job ends, before the clock moves on.
 *  - restore: map now (0, or -ENODEV while still revoked).
 *  - destroy: wait for the last job, stop the worker, unmap whatever is
 *    still mapped, detach, free the staging memory.
 *
 * Limits: the staging memory holds four times the buffer (at least 1 MiB);
 * an access that finds it full fails with -ENOMEM until jobs complete.
 *
 * Locking: the current mapping, the timeline's seqno and @last are
 * protected by the resv lock. The stale list and the worker's stop flag are
 * protected by @wlock (and mirrored in @pending, an atomic the worker's
 * predicate reads under the clock's lock), a leaf mutex taken under the resv lock (in
 * invalidate_mappings) or alone (by the worker, which never holds it while
 * waiting or taking the resv lock). Job completion runs in the engine's
 * signalling thread (a fence callback): it touches only the job, the
 * staging allocator (its own leaf lock) and atomics, and never sleeps.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dmabuf/diag.h>
#include <dmabuf/dma-fence-clock.h>
#include <dmabuf/list.h>
#include <dmabuf/hw/dma-engine.h>
#include <dmabuf/hw/iommu.h>
#include <dmabuf/hw/mem-region.h>

#include "importer-private.h"

#define GPU_STAGING_MIN		(1ULL << 20)
#define GPU_STAGING_FACTOR	4
#define GPU_NAME_LEN		(DMB_HW_NAME_LEN + 16)

/*
 * struct gpu_mapping - one mapping of the buffer; allocated when mapped, so
 * that invalidate_mappings can hand it to the worker without allocating
 */
struct gpu_mapping {
	struct dmb_list_head node;	/* wlock: on the stale list */
	struct dmb_importer_map map;
	struct dma_fence *last;		/* the last job through it, or NULL */
};

struct gpu_importer {
	struct dmb_importer base;
	struct dmb_dma_engine *engine;
	struct dmb_iommu_domain *domain;
	struct dmb_mem_region *staging;
	uint64_t staging_addr;		/* its device address */
	bool staging_mapped;		/* in the domain (not identity) */
	uint64_t context;		/* the job fences' timeline */
	char timeline[GPU_NAME_LEN];

	struct gpu_mapping *cur;	/* resv */
	uint64_t seqno;			/* resv */
	struct dma_fence *last;		/* resv: the last job submitted */

	pthread_mutex_t wlock;
	pthread_cond_t wcond;
	struct dmb_list_head stale;	/* wlock: invalidated, not unmapped */
	bool stop;			/* wlock */
	atomic_uint pending;		/* stale entries, +1 once stopping */
	struct dmb_clock *clock;
	unsigned int actor;		/* the worker's, on a virtual clock */
	pthread_t worker;
};

/*
 * struct gpu_job - one access: the importer's fence, and the engine jobs
 * (one per contiguous piece) it stands for
 */
struct gpu_job {
	struct dma_fence base;
	struct dma_fence_cb cb;		/* on the last piece */
	struct gpu_importer *gpu;
	bool write;
	void *data;
	uint64_t len;
	uint64_t staging_phys;
	int submit_error;		/* pieces that could not be submitted */
	char timeline[GPU_NAME_LEN];
	unsigned int nr_pieces;
	struct dma_fence *pieces[];
};

static struct gpu_importer *to_gpu(struct dmb_importer *imp)
{
	return dmb_container_of(imp, struct gpu_importer, base);
}

/* The job fence. */

static const char *gpu_fence_driver_name(struct dma_fence *f)
{
	return "gpu-importer";
}

static const char *gpu_fence_timeline_name(struct dma_fence *f)
{
	return dmb_container_of(f, struct gpu_job, base)->timeline;
}

static void gpu_fence_release(struct dma_fence *f)
{
	struct gpu_job *job = dmb_container_of(f, struct gpu_job, base);

	for (unsigned int i = 0; i < job->nr_pieces; i++)
		dma_fence_put(job->pieces[i]);
	free(job);
}

static const struct dma_fence_ops gpu_fence_ops = {
	.get_driver_name = gpu_fence_driver_name,
	.get_timeline_name = gpu_fence_timeline_name,
	.release = gpu_fence_release,
};

/*
 * The last piece signalled (every earlier one did before it: one engine).
 * Finish the access, then signal the job. Runs in the engine's signalling
 * thread, or in the submitter if the piece was done before the callback
 * could be added; must not sleep.
 */
static void gpu_job_done(struct dma_fence *piece, struct dma_fence_cb *cb)
{
	struct gpu_job *job = dmb_container_of(cb, struct gpu_job, cb);
	struct gpu_importer *gpu = job->gpu;
	int error = job->submit_error;

	for (unsigned int i = 0; i < job->nr_pieces && !error; i++)
		if (dma_fence_get_status(job->pieces[i]) < 0)
			error = dma_fence_get_status(job->pieces[i]);
	if (!error && !job->write && job->data)
		memcpy(job->data, (char *)dmb_mem_region_vaddr(gpu->staging) +
		       (job->staging_phys - dmb_mem_region_base(gpu->staging)),
		       job->len);
	dmb_mem_free(gpu->staging, job->staging_phys, DMB_PAGE_ALIGN(job->len));
	if (error) {
		atomic_fetch_add(&gpu->base.faults, 1);
		dma_fence_set_error(&job->base, error);
	}
	/* From here on the importer may be gone: touch only the job. */
	dma_fence_signal(&job->base);
	dma_fence_put(&job->base);
}

/* Mappings. */

/* Map the buffer as the current mapping. Resv held. */
static int gpu_map_locked(struct gpu_importer *gpu)
{
	struct gpu_mapping *m;
	int ret;

	dmb_importer_assert_locked(&gpu->base);
	if (gpu->cur)
		return 0;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	ret = __dmb_importer_map_locked(&gpu->base, &m->map);
	if (ret) {
		if (ret == -ENODEV)
			atomic_fetch_add(&gpu->base.refused, 1);
		free(m);
		return ret;
	}
	gpu->cur = m;
	return 0;
}

/* Unmap @m and free it. Resv held. */
static void gpu_unmap_locked(struct gpu_importer *gpu, struct gpu_mapping *m)
{
	dmb_importer_assert_locked(&gpu->base);
	__dmb_importer_unmap_locked(&gpu->base, &m->map);
	dma_fence_put(m->last);
	free(m);
}

static void gpu_invalidate_mappings(struct dma_buf_attachment *attach)
{
	struct gpu_importer *gpu = to_gpu(dmb_importer_from_attach(attach));
	struct gpu_mapping *m = gpu->cur;

	__dmb_importer_invalidated(&gpu->base, m);
	if (!m)
		return;
	/* No new job goes through @m; those in flight finish first. */
	gpu->cur = NULL;
	m->last = dma_fence_get(gpu->last);
	pthread_mutex_lock(&gpu->wlock);
	dmb_list_add_tail(&m->node, &gpu->stale);
	atomic_fetch_add(&gpu->pending, 1);
	pthread_cond_signal(&gpu->wcond);
	pthread_mutex_unlock(&gpu->wlock);
	if (gpu->actor)
		dmb_clock_kick(gpu->clock);
}

static const struct dma_buf_attach_ops gpu_attach_ops = {
	.name = "gpu",
	.allow_peer2peer = true,
	.invalidate_mappings = gpu_invalidate_mappings,
};

static bool gpu_has_work(void *arg)
{
	struct gpu_importer *gpu = arg;

	return atomic_load(&gpu->pending) != 0;
}

/* Wait for a stale mapping or for stop; wlock held, dropped while parked. */
static void gpu_wait_work(struct gpu_importer *gpu)
{
	while (dmb_list_empty(&gpu->stale) && !gpu->stop) {
		if (!gpu->actor) {
			pthread_cond_wait(&gpu->wcond, &gpu->wlock);
			continue;
		}
		pthread_mutex_unlock(&gpu->wlock);
		dmb_clock_sleep_until_or(gpu->clock, MAX_SCHEDULE_TIMEOUT,
					 gpu_has_work, gpu);
		pthread_mutex_lock(&gpu->wlock);
	}
}

static bool gpu_resv_free(void *arg)
{
	return !dma_resv_is_locked(arg);
}

/*
 * Take the resv lock for the deferred unmap. On a driven virtual clock
 * (clock.h) an actor must not block on a lock that a parked actor holds (a
 * revoke waits for fences with it held, which only the clock's driver can
 * end), so it parks until the lock is free and tries again: the driver's
 * settling sees the lock released. On a clock nobody drives, nobody would
 * see it, and the worker simply blocks.
 */
static void gpu_worker_lock(struct gpu_importer *gpu, struct dma_resv *resv)
{
	if (!gpu->actor || !dmb_clock_driven(gpu->clock)) {
		dma_resv_lock(resv, NULL);
		return;
	}
	while (!dma_resv_trylock(resv))
		dmb_clock_sleep_until_or(gpu->clock, MAX_SCHEDULE_TIMEOUT,
					 gpu_resv_free, resv);
}

/*
 * The deferred unmap: for each invalidated mapping, wait for its last job,
 * then unmap under the resv lock. On stop, finish the list and exit.
 */
static void *gpu_worker(void *arg)
{
	struct gpu_importer *gpu = arg;
	struct dma_resv *resv = dma_buf_resv(gpu->base.buf);
	struct gpu_mapping *m;

	dmb_clock_actor_begin(gpu->clock, gpu->actor);
	pthread_mutex_lock(&gpu->wlock);
	for (;;) {
		gpu_wait_work(gpu);
		if (dmb_list_empty(&gpu->stale))
			break;
		m = dmb_list_first_entry(&gpu->stale, struct gpu_mapping, node);
		dmb_list_del(&m->node);
		pthread_mutex_unlock(&gpu->wlock);

		if (m->last)
			dmb_fence_wait_until(m->last, gpu->clock,
					     MAX_SCHEDULE_TIMEOUT);
		gpu_worker_lock(gpu, resv);
		gpu_unmap_locked(gpu, m);
		dma_resv_unlock(resv);

		pthread_mutex_lock(&gpu->wlock);
		atomic_fetch_sub(&gpu->pending, 1);
	}
	pthread_mutex_unlock(&gpu->wlock);
	dmb_clock_actor_end();
	return NULL;
}

/* Staging memory. */

static uint64_t gpu_staging_size(uint64_t buf_size)
{
	uint64_t host_page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t size = GPU_STAGING_FACTOR * DMB_PAGE_ALIGN(buf_size);

	if (size < GPU_STAGING_MIN)
		size = GPU_STAGING_MIN;
	return (size + host_page - 1) / host_page * host_page;
}

static int gpu_staging_create(struct gpu_importer *gpu)
{
	struct dmb_hw_device *dev = gpu->base.dev;
	char name[GPU_NAME_LEN];
	struct dmb_mem_region_info info = {
		.name = name,
		.size = gpu_staging_size(dma_buf_size(gpu->base.buf)),
	};
	uint64_t base;
	int ret;

	snprintf(name, sizeof(name), "%s-staging", dmb_hw_device_name(dev));
	gpu->staging = dmb_mem_region_create(dmb_hw_device_space(dev), &info);
	if (!gpu->staging)
		return -errno;
	base = dmb_mem_region_base(gpu->staging);
	if (dmb_iommu_domain_type(gpu->domain) == DMB_IOMMU_DOMAIN_IDENTITY) {
		gpu->staging_addr = base;
		return 0;
	}
	ret = dmb_iommu_alloc_iova(gpu->domain, info.size, &gpu->staging_addr);
	if (ret)
		goto err_destroy;
	ret = dmb_iommu_map(gpu->domain, gpu->staging_addr, base, info.size,
			    DMB_IOMMU_READ | DMB_IOMMU_WRITE);
	if (ret)
		goto err_free_iova;
	gpu->staging_mapped = true;
	return 0;

err_free_iova:
	dmb_iommu_free_iova(gpu->domain, gpu->staging_addr, info.size);
err_destroy:
	dmb_mem_region_destroy(gpu->staging);
	return ret;
}

static void gpu_staging_destroy(struct gpu_importer *gpu)
{
	uint64_t size = dmb_mem_region_size(gpu->staging);

	if (gpu->staging_mapped) {
		dmb_iommu_unmap(gpu->domain, gpu->staging_addr, size);
		dmb_iommu_free_iova(gpu->domain, gpu->staging_addr, size);
	}
	dmb_mem_region_destroy(gpu->staging);
}

/* Create and destroy. */

static int gpu_init(struct dmb_importer *imp)
{
	struct gpu_importer *gpu = to_gpu(imp);
	int ret;

	gpu->engine = dmb_hw_device_engine(imp->dev, 0);
	if (!gpu->engine)
		return -EINVAL;
	gpu->domain = dmb_hw_device_domain(imp->dev);
	gpu->context = dma_fence_context_alloc(1);
	snprintf(gpu->timeline, sizeof(gpu->timeline), "%s-gpu",
		 dmb_hw_device_name(imp->dev));
	dmb_list_init(&gpu->stale);
	pthread_mutex_init(&gpu->wlock, NULL);
	pthread_cond_init(&gpu->wcond, NULL);

	ret = gpu_staging_create(gpu);
	if (ret)
		goto err_locks;
	ret = __dmb_importer_attach(imp, &gpu_attach_ops);
	if (ret)
		goto err_staging;
	gpu->clock = dmb_phys_space_clock(dmb_hw_device_space(imp->dev));
	gpu->actor = dmb_clock_actor_expect(gpu->clock);
	ret = -pthread_create(&gpu->worker, NULL, gpu_worker, gpu);
	if (ret)
		goto err_actor;
	return 0;

err_actor:
	dmb_clock_actor_cancel(gpu->clock, gpu->actor);
	dma_buf_detach(imp->buf, imp->attach);
err_staging:
	gpu_staging_destroy(gpu);
err_locks:
	pthread_cond_destroy(&gpu->wcond);
	pthread_mutex_destroy(&gpu->wlock);
	return ret;
}

static void gpu_fini(struct dmb_importer *imp)
{
	struct gpu_importer *gpu = to_gpu(imp);
	struct dma_resv *resv = dma_buf_resv(imp->buf);
	struct gpu_mapping *m, *tmp;
	struct dmb_list_head left;
	struct dma_fence *last;

	dma_resv_lock(resv, NULL);
	last = dma_fence_get(gpu->last);
	dma_resv_unlock(resv);
	if (last)
		dmb_fence_wait_until(last, gpu->clock, MAX_SCHEDULE_TIMEOUT);
	dma_fence_put(last);

	pthread_mutex_lock(&gpu->wlock);
	gpu->stop = true;
	atomic_fetch_add(&gpu->pending, 1);
	pthread_cond_signal(&gpu->wcond);
	pthread_mutex_unlock(&gpu->wlock);
	if (gpu->actor)
		dmb_clock_kick(gpu->clock);
	pthread_join(gpu->worker, NULL);

	/* An invalidate may have come after the worker left. */
	dmb_list_init(&left);
	dma_resv_lock(resv, NULL);
	pthread_mutex_lock(&gpu->wlock);
	dmb_list_splice_tail_init(&gpu->stale, &left);
	pthread_mutex_unlock(&gpu->wlock);
	dmb_list_for_each_entry_safe(m, tmp, &left, node)
		gpu_unmap_locked(gpu, m);
	if (gpu->cur)
		gpu_unmap_locked(gpu, gpu->cur);
	gpu->cur = NULL;
	dma_fence_put(gpu->last);
	gpu->last = NULL;
	dma_resv_unlock(resv);

	dma_buf_detach(imp->buf, imp->attach);
	gpu_staging_destroy(gpu);
	pthread_cond_destroy(&gpu->wcond);
	pthread_mutex_destroy(&gpu->wlock);
}

/* Access. */

/* How many contiguous pieces [@offset, +@len) of @sgt is in. */
static unsigned int gpu_count_pieces(const struct sg_table *sgt,
				     uint64_t offset, uint64_t len)
{
	unsigned int n = 0;
	uint64_t addr, avail;

	while (len && !__dmb_importer_sg_locate(sgt, offset, &addr, &avail)) {
		if (avail > len)
			avail = len;
		offset += avail;
		len -= avail;
		n++;
	}
	return n;
}

/*
 * Submit one COPY per piece, between the buffer (through @m, with its
 * token) and the job's staging pages. Stops at the first piece the engine
 * refuses and records why in the job.
 */
static void gpu_submit_pieces(struct gpu_importer *gpu, struct gpu_job *job,
			      struct gpu_mapping *m, uint64_t offset,
			      unsigned int nr_pieces)
{
	uint64_t staging = gpu->staging_addr +
			   (job->staging_phys - dmb_mem_region_base(gpu->staging));
	uint64_t done = 0;

	while (job->nr_pieces < nr_pieces) {
		struct dmb_dma_target buf = {
			.map = m->map.token, .cookie = m->map.cookie,
		};
		struct dmb_dma_target mem = { .addr = staging + done };
		struct dmb_dma_job desc = { .op = DMB_DMA_COPY };
		struct dma_fence *f;
		uint64_t n;

		__dmb_importer_sg_locate(m->map.sgt, offset + done, &buf.addr, &n);
		if (n > job->len - done)
			n = job->len - done;
		desc.dst = job->write ? buf : mem;
		desc.src = job->write ? mem : buf;
		desc.len = n;
		f = dmb_dma_submit(gpu->engine, &desc);
		if (!f) {
			job->submit_error = -errno;
			return;
		}
		job->pieces[job->nr_pieces++] = f;
		done += n;
	}
}

static struct gpu_job *gpu_job_alloc(struct gpu_importer *gpu, bool write,
				     uint64_t len, void *data,
				     unsigned int nr_pieces)
{
	struct gpu_job *job;
	int ret;

	job = calloc(1, sizeof(*job) + nr_pieces * sizeof(job->pieces[0]));
	if (!job) {
		errno = ENOMEM;
		return NULL;
	}
	ret = dmb_mem_alloc(gpu->staging, DMB_PAGE_ALIGN(len), &job->staging_phys);
	if (ret) {
		free(job);
		errno = -ret;
		return NULL;
	}
	job->gpu = gpu;
	job->write = write;
	job->data = data;
	job->len = len;
	memcpy(job->timeline, gpu->timeline, sizeof(job->timeline));
	if (write && data)
		memcpy((char *)dmb_mem_region_vaddr(gpu->staging) +
		       (job->staging_phys - dmb_mem_region_base(gpu->staging)),
		       data, len);
	return job;
}

static int gpu_access(struct dmb_importer *imp, bool write, uint64_t offset,
		      uint64_t len, void *data, struct dma_fence **fence)
{
	struct gpu_importer *gpu = to_gpu(imp);
	struct dma_resv *resv = dma_buf_resv(imp->buf);
	unsigned int nr_pieces;
	struct gpu_job *job;
	int ret;

	/* The bytes of a read arrive when the job signals: one must see it. */
	if (DMB_WARN(!write && data && !fence,
		     "GPU read into a host buffer without asking for the job's fence"))
		return -EINVAL;
	dma_resv_lock(resv, NULL);
	ret = gpu_map_locked(gpu);
	if (ret)
		goto out_unlock;
	ret = dma_resv_reserve_fences(resv, 1);
	if (ret)
		goto out_unlock;
	nr_pieces = gpu_count_pieces(gpu->cur->map.sgt, offset, len);
	job = gpu_job_alloc(gpu, write, len, data, nr_pieces);
	if (!job) {
		ret = -errno;
		goto out_unlock;
	}
	gpu_submit_pieces(gpu, job, gpu->cur, offset, nr_pieces);
	if (!job->nr_pieces) {
		ret = job->submit_error;
		dmb_mem_free(gpu->staging, job->staging_phys, DMB_PAGE_ALIGN(len));
		free(job);
		goto out_unlock;
	}
	atomic_fetch_add(&imp->accesses, 1);

	/* Committed: from here on nothing fails. */
	dma_fence_init(&job->base, &gpu_fence_ops, NULL, gpu->context,
		       ++gpu->seqno);
	dma_fence_get(&job->base);	/* the completion's */
	if (dma_fence_add_callback(job->pieces[job->nr_pieces - 1], &job->cb,
				   gpu_job_done))
		gpu_job_done(job->pieces[job->nr_pieces - 1], &job->cb);
	dma_resv_add_fence(resv, &job->base,
			   write ? DMA_RESV_USAGE_WRITE : DMA_RESV_USAGE_READ);
	dma_fence_put(gpu->last);
	gpu->last = dma_fence_get(&job->base);
	if (fence)
		*fence = &job->base;
	else
		dma_fence_put(&job->base);
out_unlock:
	dma_resv_unlock(resv);
	return ret;
}

static int gpu_restore(struct dmb_importer *imp)
{
	struct dma_resv *resv = dma_buf_resv(imp->buf);
	int ret;

	dma_resv_lock(resv, NULL);
	ret = gpu_map_locked(to_gpu(imp));
	dma_resv_unlock(resv);
	return ret;
}

const struct dmb_importer_ops dmb_gpu_importer_ops = {
	.name = "gpu",
	.size = sizeof(struct gpu_importer),
	.init = gpu_init,
	.access = gpu_access,
	.restore = gpu_restore,
	.fini = gpu_fini,
};
