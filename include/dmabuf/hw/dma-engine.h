/* SPDX-License-Identifier: MIT */
/*
 * hw/dma-engine.h - a device's DMA engines: worker threads that run queued
 * jobs (copy, fill, checksum) through the device's IOMMU and signal a
 * dma_fence for each.
 *
 * Each engine is one timeline: one fence context, seqnos 1, 2, 3... in
 * submission order, and jobs run one at a time in that order, so its fences
 * signal in order. A job's fence signals with error -EFAULT if an access
 * faulted (the fault is in the domain's log), -EIO if it touched a shared
 * range whose memory another process shrank (dmb_mem_share_check()),
 * -ECANCELED if the engine was shut down before the job completed.
 *
 * Time. A job takes timing->fixed_ns plus len / timing->bytes_per_sec on the
 * clock of the device's address space, and its schedule is fixed when it is
 * submitted: it starts when the previous job on the engine ends, or at
 * submission if the engine is idle, and completes at start + duration.
 * On a virtual clock a job therefore completes exactly when the test
 * advances the clock to that time, whatever the machine's speed; on the
 * real clock the worker really sleeps. A job with zero duration runs as soon
 * as the worker gets to it.
 *
 * The protocol checker. A job carries, for each side, the checker token of
 * the mapping it uses (hw/dma-access.h). Submitting is when the work starts
 * in the protocol's sense — from then on its fence stands for it in the
 * buffer's dma_resv — so the submitting thread asks dmb_check_dma() about a
 * new read or write (a write submitted after invalidate_mappings is V4);
 * when the bytes move, the worker asks again as in-flight work (allowed
 * after invalidation until the fences retire, R6; V5 after unmap). A side
 * already reported at submission is not reported twice. The checker only
 * observes: the IOMMU is what makes an access through a dead mapping fail.
 *
 * Locking: every function is thread-safe. An engine's queue is behind its
 * own leaf mutex; the worker runs each job, and signals its fence, inside a
 * fence-signalling section with no library lock held.
 */
#ifndef DMABUF_HW_DMA_ENGINE_H
#define DMABUF_HW_DMA_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <dmabuf/compiler.h>
#include <dmabuf/dma-fence.h>
#include <dmabuf/hw/dma-access.h>

DMB_BEGIN_DECLS

struct dmb_dma_engine;
struct dmb_hw_device;

enum dmb_dma_op {
	DMB_DMA_COPY,		/* src -> dst */
	DMB_DMA_FILL,		/* the fill byte -> dst */
	DMB_DMA_CHECKSUM,	/* read src, checksum it (dmb_dma_checksum()) */
};

/**
 * struct dmb_dma_timing - how long a job takes
 * @fixed_ns: per job, >= 0
 * @bytes_per_sec: bandwidth; 0 means no per-byte cost
 */
struct dmb_dma_timing {
	int64_t fixed_ns;
	uint64_t bytes_per_sec;
};

/**
 * struct dmb_dma_job - what dmb_dma_submit() queues
 * @op: the operation
 * @dst: written by COPY and FILL
 * @src: read by COPY and CHECKSUM
 * @len: bytes, > 0
 * @fill: FILL's byte
 * @timing: this job's timing, or NULL for the engine's
 */
struct dmb_dma_job {
	enum dmb_dma_op op;
	struct dmb_dma_target dst;
	struct dmb_dma_target src;
	uint64_t len;
	uint8_t fill;
	const struct dmb_dma_timing *timing;
};

/**
 * dmb_dma_submit - queue @job on @engine
 *
 * The job takes its own references on the tokens; @job itself may be
 * reused when this returns.
 * Context: any thread; takes the engine's queue lock briefly.
 * Return: the job's fence (a reference for the caller), or NULL with errno
 * (EINVAL and a WARN for a bad job: unknown op, zero length, a negative
 * fixed_ns, a side that wraps past 2^64; ESHUTDOWN once the engine is
 * shutting down; ENOMEM).
 */
struct dma_fence *dmb_dma_submit(struct dmb_dma_engine *engine,
				 const struct dmb_dma_job *job);

/**
 * dmb_dma_fence_checksum - the result of a CHECKSUM job
 * @fence: a fence from dmb_dma_submit()
 * @sum: receives the checksum
 *
 * Context: any thread.
 * Return: 0 once signaled without error; -EBUSY while pending; the fence's
 * error if it failed; -EINVAL (a WARN) if @fence is not a CHECKSUM job's or
 * @sum is NULL.
 */
int dmb_dma_fence_checksum(struct dma_fence *fence, uint64_t *sum);

/**
 * dmb_dma_checksum - what a CHECKSUM job computes over @len bytes at @buf
 * (64-bit FNV-1a), for the CPU side of a comparison
 *
 * Context: any thread. Return: the checksum; 0 (a WARN) for a NULL @buf
 * with @len > 0.
 */
uint64_t dmb_dma_checksum(const void *buf, size_t len);

/**
 * dmb_dma_engine_set_timing - the timing of jobs submitted from now on
 *
 * Context: any thread.
 * Return: 0, or -EINVAL (a WARN) for a NULL argument or a negative fixed_ns.
 */
int dmb_dma_engine_set_timing(struct dmb_dma_engine *engine,
			      const struct dmb_dma_timing *timing);

/**
 * dmb_dma_engine_name / _context / _device - the engine's name
 * ("<device>-dma<N>", also its fences' timeline name), the fence context of
 * its timeline, and the device it belongs to
 *
 * Context: any thread; constant for the engine's life. Return: the value;
 * "(null)", 0 or NULL (a WARN) for a NULL @engine.
 */
const char *dmb_dma_engine_name(const struct dmb_dma_engine *engine);
uint64_t dmb_dma_engine_context(const struct dmb_dma_engine *engine);
struct dmb_hw_device *dmb_dma_engine_device(const struct dmb_dma_engine *engine);

DMB_END_DECLS

#endif /* DMABUF_HW_DMA_ENGINE_H */
