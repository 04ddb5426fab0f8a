// SPDX-License-Identifier: MIT
/*
 * dma-access.c - the path of every simulated DMA: ask the checker, then
 * translate and move the bytes chunk by chunk (see hw/dma-access.h).
 *
 * A chunk is at most DMB_DMA_CHUNK bytes, and shorter where a translation
 * run ends (a page that is not contiguous with the previous one). Both
 * sides of a copy are translated and the bytes moved under one hold of the
 * domain's and the space's read locks, so an unmap or an isolation that
 * returns has waited for the chunk. A fault is recorded after the locks are
 * dropped, at the first device address that did not translate.
 *
 * Simulated memory is not C memory shared between threads: a DMA races the
 * CPU and other DMA exactly as hardware does, ordering it is what fences are
 * for, and judging it is the checker's job. So under ThreadSanitizer the
 * bytes a DMA moves are hidden from it (its ignore annotations around the
 * memmove/memset/checksum of a chunk); everything else a DMA does — page
 * table walks, queues, fences — stays checked.
 *
 * A shared range's views are guarded against another process shrinking
 * its memory (mem-region.c): a chunk that touched a damaged view moved
 * zeros, so the transfer fails with -EIO instead of succeeding silently.
 *
 * Locking: no lock of its own; see iommu.c for the read locks.
 */
#include <errno.h>
#include <string.h>

#include <dmabuf/diag.h>
#include <dmabuf/sigbus-guard.h>

#include "hw-internal.h"

#if defined(__SANITIZE_THREAD__)
#define DMB_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define DMB_TSAN 1
#endif
#endif

#ifdef DMB_TSAN
/* ThreadSanitizer's dynamic annotations (its runtime defines them). */
void AnnotateIgnoreReadsBegin(const char *file, int line);
void AnnotateIgnoreReadsEnd(const char *file, int line);
void AnnotateIgnoreWritesBegin(const char *file, int line);
void AnnotateIgnoreWritesEnd(const char *file, int line);

static void simulated_bytes_begin(void)
{
	AnnotateIgnoreReadsBegin(__FILE__, __LINE__);
	AnnotateIgnoreWritesBegin(__FILE__, __LINE__);
}

static void simulated_bytes_end(void)
{
	AnnotateIgnoreWritesEnd(__FILE__, __LINE__);
	AnnotateIgnoreReadsEnd(__FILE__, __LINE__);
}
#else
static inline void simulated_bytes_begin(void) {}
static inline void simulated_bytes_end(void) {}
#endif

static void check_side(const struct dmb_dma_target *t, int access)
{
	if (t && t->map && access >= 0)
		dmb_check_dma(t->map, (enum dmb_dma_access)access);
}

int __dmb_dma_xfer(struct dmb_hw_device *dev, const struct dmb_dma_xfer *x)
{
	struct dmb_iommu_domain *d = dev->domain;
	uint64_t done = 0, sum = DMB_FNV_OFFSET;

	check_side(x->dst, x->check_dst);
	check_side(x->src, x->check_src);
	while (done < x->len) {
		const struct dmb_dma_target *bad = NULL;
		uint64_t n = x->len - done < DMB_DMA_CHUNK ? x->len - done : DMB_DMA_CHUNK;
		const uint8_t *s = x->src_buf ? (const uint8_t *)x->src_buf + done : NULL;
		uint8_t *t = x->dst_buf ? (uint8_t *)x->dst_buf + done : NULL;
		unsigned int access = 0;
		uint8_t *host = NULL;
		bool damaged = false;
		int reason = 0;

		__dmb_iommu_access_begin(d);
		if (x->src) {
			reason = __dmb_iommu_translate(d, x->src->addr + done, n,
						       DMB_IOMMU_READ, &host, &n);
			s = host;
			bad = x->src;
			access = DMB_IOMMU_READ;
		}
		if (!reason && x->dst) {
			reason = __dmb_iommu_translate(d, x->dst->addr + done, n,
						       DMB_IOMMU_WRITE, &host, &n);
			t = host;
			bad = x->dst;
			access = DMB_IOMMU_WRITE;
		}
		if (!reason) {
			simulated_bytes_begin();
			if (s && t)
				memmove(t, s, n);
			else if (t)
				memset(t, x->fill, n);
			else
				sum = __dmb_fnv1a(sum, s, n);
			simulated_bytes_end();
			/* Checked after the move: a fault during it damages. */
			damaged = (x->src && dmb_sigbus_guard_range_damaged(s, n)) ||
				  (x->dst && dmb_sigbus_guard_range_damaged(t, n));
		}
		__dmb_iommu_access_end(d);
		if (reason) {
			__dmb_iommu_record_fault(d, dev->name, bad->addr + done,
						 access, reason, bad);
			return -EFAULT;
		}
		if (damaged)
			return -EIO;
		done += n;
	}
	if (x->sum)
		*x->sum = sum;
	return 0;
}

int dmb_dma_read(struct dmb_hw_device *dev, const struct dmb_dma_target *src,
		 void *buf, uint64_t len)
{
	struct dmb_dma_xfer x = {
		.src = src, .dst_buf = buf, .len = len,
		.check_dst = -1, .check_src = DMB_DMA_START_READ,
	};

	if (DMB_WARN(!dev || !src || !buf || !len || len - 1 > UINT64_MAX - src->addr,
		     "bad DMA read"))
		return -EINVAL;
	return __dmb_dma_xfer(dev, &x);
}

int dmb_dma_write(struct dmb_hw_device *dev, const struct dmb_dma_target *dst,
		  const void *buf, uint64_t len)
{
	struct dmb_dma_xfer x = {
		.dst = dst, .src_buf = buf, .len = len,
		.check_dst = DMB_DMA_START_WRITE, .check_src = -1,
	};

	if (DMB_WARN(!dev || !dst || !buf || !len || len - 1 > UINT64_MAX - dst->addr,
		     "bad DMA write"))
		return -EINVAL;
	return __dmb_dma_xfer(dev, &x);
}
