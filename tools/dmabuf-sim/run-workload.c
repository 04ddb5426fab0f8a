// SPDX-License-Identifier: MIT
/*
 * run-workload.c - the importers' DMA: every attached importer reads one
 * job's worth of the buffer every interval, each in its own driver's way
 * (a fenced engine job for the GPU, a synchronous access for the others),
 * and the result counts what worked, what faulted and what was refused —
 * separately for DMA attempted while the buffer was revoked.
 *
 * The workload only reads, so the buffer keeps the contents it started
 * with and the runner can check them after any number of moves.
 *
 * Locking: called from the main thread only; results under world->lock.
 */
#include <errno.h>
#include <string.h>

#include "run-world.h"

static uint64_t job_offset(struct sim_world *w, struct sim_imp *si)
{
	uint64_t size = w->sc->exporter.size, len = w->sc->workload.job_size;
	uint64_t slots = size > len ? size / len : 1;

	return (si->seq % slots) * (len < size ? len : size);
}

static uint64_t job_len(struct sim_world *w)
{
	uint64_t size = w->sc->exporter.size, len = w->sc->workload.job_size;

	return len < size ? len : size;
}

/* Count an access that completed (or faulted) in the result. Lock held. */
static void account(struct sim_world *w, struct sim_imp *si, int ret,
		    bool after_revoke)
{
	struct sim_result *res = w->res;

	if (ret == -ENODEV)
		return;			/* refused: nothing was attempted */
	if (after_revoke) {
		res->dma.after_revoke_attempts++;
		if (ret == 0)
			res->dma.after_revoke_succeeded++;
		else
			res->dma.after_revoke_faulted++;
	}
	if (ret)
		return;
	res->dma.jobs++;
	if (si->att >= 0) {
		res->attachments[si->att].jobs++;
		if (res->nr_unrevokes)
			res->attachments[si->att].jobs_after_unrevoke++;
	}
}

static void access_one(struct sim_world *w, struct sim_imp *si, int64_t now)
{
	uint64_t off = job_offset(w, si), len = job_len(w);
	struct dma_fence *fence = NULL;
	char name[SIM_NAME_LEN];
	bool revoked;
	int ret;

	/* A GPU with its queue full skips a beat rather than block the loop. */
	if (si->nr_inflight == SIM_MAX_INFLIGHT)
		return;

	pthread_mutex_lock(&w->lock);
	revoked = w->revoked;
	pthread_mutex_unlock(&w->lock);

	si->seq++;
	ret = dmb_importer_access(si->imp, false, off, len, NULL, &fence);

	pthread_mutex_lock(&w->lock);
	if (fence) {
		si->inflight[si->nr_inflight++] = (struct sim_inflight) {
			.fence = fence, .submitted_ns = now, .after_revoke = revoked,
		};
	} else {
		snprintf(name, sizeof(name), "read %llu KiB",
			 (unsigned long long)(len >> 10));
		if (ret != -ENODEV)
			sim_result_span(w->res, now, now, si->track, name, ret != 0);
		if (ret == -EFAULT)
			sim_result_event(w->res, now, si->track, true,
					 "DMA fault: the device address no longer translates");
		account(w, si, ret, revoked);
	}
	pthread_mutex_unlock(&w->lock);
}

/*
 * Every importer whose access is due makes it. One access, however many
 * intervals have passed: an access held back (while an event ran) is made
 * once, as by a submitter that was blocked, and the beats missed meanwhile
 * are skipped.
 */
void sim_workload_tick(struct sim_world *w, int64_t now)
{
	int64_t interval = w->sc->workload.interval_ns;

	for (unsigned int i = 0; i < sim_nr_imps(w); i++) {
		struct sim_imp *si = &w->imps[i];

		if (!si->imp || si->next_ns > now)
			continue;
		access_one(w, si, now);
		si->next_ns += ((now - si->next_ns) / interval + 1) * interval;
	}
}

int64_t sim_workload_next(struct sim_world *w)
{
	int64_t next = INT64_MAX;

	for (unsigned int i = 0; i < sim_nr_imps(w); i++)
		if (w->imps[i].imp && w->imps[i].next_ns < next)
			next = w->imps[i].next_ns;
	return next;
}

void sim_workload_reap(struct sim_world *w, bool all)
{
	for (unsigned int i = 0; i < sim_nr_imps(w); i++) {
		struct sim_imp *si = &w->imps[i];
		unsigned int kept = 0;

		for (unsigned int j = 0; j < si->nr_inflight; j++) {
			struct sim_inflight *job = &si->inflight[j];
			char name[SIM_NAME_LEN];
			int64_t now;
			int status;

			if (all)
				dma_fence_wait(job->fence);
			if (!dma_fence_is_signaled(job->fence)) {
				si->inflight[kept++] = *job;
				continue;
			}
			status = dma_fence_get_status(job->fence);
			snprintf(name, sizeof(name), "job %llu KiB",
				 (unsigned long long)(job_len(w) >> 10));
			/*
			 * Seen done now: within a tick of when it ended (the
			 * importer's fence is stamped in real time, not on the
			 * scenario clock).
			 */
			now = sim_now(w);
			pthread_mutex_lock(&w->lock);
			sim_result_span(w->res, job->submitted_ns, now, si->track,
					name, status != 1);
			if (status < 0)
				sim_result_event(w->res, now, si->track, true,
						 "job failed: %s", strerror(-status));
			account(w, si, status == 1 ? 0 : -EFAULT, job->after_revoke);
			pthread_mutex_unlock(&w->lock);
			dma_fence_put(job->fence);
		}
		si->nr_inflight = kept;
	}
}

unsigned int sim_workload_inflight(struct sim_world *w)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < sim_nr_imps(w); i++)
		n += w->imps[i].nr_inflight;
	return n;
}

void sim_workload_restore(struct sim_world *w)
{
	for (unsigned int i = 0; i < sim_nr_imps(w); i++) {
		struct sim_imp *si = &w->imps[i];
		int ret;

		if (!si->imp)
			continue;
		ret = dmb_importer_restore(si->imp);
		if (ret) {
			pthread_mutex_lock(&w->lock);
			sim_result_event(w->res, sim_now(w), si->track, false,
					 "restore failed: %s", strerror(-ret));
			pthread_mutex_unlock(&w->lock);
		}
	}
}
