// SPDX-License-Identifier: MIT
/*
 * fenced-importer - an importer whose device works on a buffer behind a
 * fence, and the protocol checker watching it through a mapping token.
 *
 * The importer maps the buffer, takes the checker's token for the mapping
 * (dma_buf_mapping_token), publishes its job's fence in the buffer's
 * reservation object, and has its "device" ask the checker before each
 * access (dmb_check_dma), as the simulated IOMMU does for libdmabuf-sim.
 *
 * Round 1 does it right: it waits for its fences before it unmaps, and the
 * checker has nothing to say. Round 2 unmaps while the job is still running
 * and the job's next write goes through a mapping that no longer exists: the
 * checker reports violation V5, naming the buffer, exporter and importer.
 * A real device would be writing to memory it no longer owns.
 *
 * The job runs step by step on the calling thread, so the example says the
 * same thing on every run. Build against an installed libdmabuf:
 * make -C examples run-fenced-importer
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <dmabuf/check.h>
#include <dmabuf/diag.h>
#include <dmabuf/dma-buf.h>
#include <dmabuf/dma-fence.h>
#include <dmabuf/dma-resv.h>

#define BUF_SIZE	4096

/* A minimal exporter: host memory, one range, no revoke. */
static unsigned char memory[BUF_SIZE];

static int exp_map(struct dma_buf_attachment *attach,
		   enum dma_data_direction dir, struct sg_table **sgtp)
{
	struct sg_table *sgt = calloc(1, sizeof(*sgt));
	int ret;

	(void)attach;
	(void)dir;
	if (!sgt)
		return -ENOMEM;
	ret = sg_alloc_table(sgt, 1);
	if (ret) {
		free(sgt);
		return ret;
	}
	sgt->sgl[0].phys_addr = (uint64_t)(uintptr_t)memory;
	sgt->sgl[0].length = BUF_SIZE;
	sgt->sgl[0].dma_address = sgt->sgl[0].phys_addr;
	sgt->sgl[0].dma_length = BUF_SIZE;
	*sgtp = sgt;
	return 0;
}

static void exp_unmap(struct dma_buf_attachment *attach, struct sg_table *sgt,
		      enum dma_data_direction dir)
{
	(void)attach;
	(void)dir;
	sg_free_table(sgt);
	free(sgt);
}

static void exp_release(struct dma_buf *dmabuf)
{
	(void)dmabuf;
}

static const struct dma_buf_ops exp_ops = {
	.map_dma_buf = exp_map,
	.unmap_dma_buf = exp_unmap,
	.release = exp_release,
};

/* The importer's job: a fence, and the mapping token its device uses. */
struct job {
	struct dma_fence fence;
	struct dmb_check_map *token;
};

static const char *job_driver_name(struct dma_fence *fence)
{
	(void)fence;
	return "fenced-importer";
}

static const char *job_timeline_name(struct dma_fence *fence)
{
	(void)fence;
	return "copy-engine";
}

static const struct dma_fence_ops job_fence_ops = {
	.get_driver_name = job_driver_name,
	.get_timeline_name = job_timeline_name,
};

static void job_release(struct job *job)
{
	dmb_check_map_put(job->token);
	dma_fence_put(&job->fence);	/* the default release frees the job */
}

/*
 * Map @attach and start a job writing to the buffer: the token is taken and
 * the fence published under the resv lock, as one step.
 */
static struct job *job_start(struct dma_buf_attachment *attach,
			     struct sg_table **sgtp, uint64_t context,
			     uint64_t seqno)
{
	struct dma_resv *resv = dma_buf_resv(dma_buf_attachment_dmabuf(attach));
	struct job *job = calloc(1, sizeof(*job));

	if (!job)
		return NULL;
	dma_fence_init(&job->fence, &job_fence_ops, NULL, context, seqno);
	dma_resv_lock(resv, NULL);
	*sgtp = dma_buf_map_attachment(attach, DMA_BIDIRECTIONAL);
	if (*sgtp)
		job->token = dma_buf_mapping_token(attach, *sgtp);
	if (!job->token || dma_resv_reserve_fences(resv, 1)) {
		if (*sgtp)
			dma_buf_unmap_attachment(attach, *sgtp, DMA_BIDIRECTIONAL);
		dma_resv_unlock(resv);
		dma_fence_signal(&job->fence);
		job_release(job);
		return NULL;
	}
	dma_resv_add_fence(resv, &job->fence, DMA_RESV_USAGE_WRITE);
	dma_resv_unlock(resv);
	dmb_check_dma(job->token, DMB_DMA_START_WRITE);
	return job;
}

/* One more write of the running job: allowed only while the mapping lives. */
static int job_step(struct job *job)
{
	return dmb_check_dma(job->token, DMB_DMA_WRITE);
}

static void job_finish(struct job *job)
{
	dma_fence_signal(&job->fence);
	job_release(job);
}

/* Print what the checker reports, and count it. */
static void print_report(const struct dmb_diag *diag, void *data)
{
	unsigned int *reports = data;

	(*reports)++;
	printf("  checker: %s\n", diag->msg);
}

int main(void)
{
	struct dma_buf_export_info info = {
		.exp_name = "host-memory",
		.ops = &exp_ops,
		.size = BUF_SIZE,
	};
	struct device dev = { .name = "copy-engine" };
	struct dma_buf_attachment *attach;
	uint64_t context = dma_fence_context_alloc(1);
	unsigned int reports = 0;
	struct sg_table *sgt;
	struct dma_buf *buf;
	struct job *job;
	int ret, failures = 0;

	dmb_diag_set_backtrace(false);
	dmb_diag_set_sink(print_report, &reports);
	buf = dma_buf_export(&info);
	attach = buf ? dma_buf_attach(buf, &dev) : NULL;
	if (!attach) {
		perror("export and attach");
		return 1;
	}

	printf("round 1: wait for the fences, then unmap\n");
	job = job_start(attach, &sgt, context, 1);
	if (!job)
		return 1;
	job_step(job);
	job_finish(job);
	dma_resv_wait_timeout(dma_buf_resv(buf), DMA_RESV_USAGE_BOOKKEEP,
			      MAX_SCHEDULE_TIMEOUT);
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
	printf("  %u report(s)\n", reports);
	if (reports || dmb_check_total())
		failures++;

	printf("round 2: unmap while the job still runs\n");
	job = job_start(attach, &sgt, context, 2);
	if (!job)
		return 1;
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
	ret = job_step(job);		/* the device writes on */
	job_finish(job);
	printf("  the write: %s; V5 reports: %lu\n", ret ? "refused" : "allowed",
	       dmb_check_count(DMB_V5_DMA_AFTER_UNMAP));
	if (ret != -EFAULT || dmb_check_count(DMB_V5_DMA_AFTER_UNMAP) != 1)
		failures++;

	dmb_diag_set_sink(NULL, NULL);
	dma_buf_detach(buf, attach);
	dma_buf_put(buf);
	printf("%s\n", failures ? "FAILED" : "done");
	return failures ? 1 : 0;
}
