/* SPDX-License-Identifier: MIT */
/*
 * drivers/exporter-events.h - what the reference exporters tell an observer
 * (dmabuf-sim, a test): every revoke with its measured phases, every
 * unrevoke, every move of a buffer.
 *
 * Callbacks run in the thread that caused the event, with no library lock
 * held — except a vram move made by a pin or a map, which is reported from
 * inside that op, with the buffer's resv lock held. They must return
 * quickly, must not call back into the exporter (no dma_buf_put() of its
 * buffers either) and must not take a resv lock.
 */
#ifndef DMABUF_DRIVERS_EXPORTER_EVENTS_H
#define DMABUF_DRIVERS_EXPORTER_EVENTS_H

#include <dmabuf/compiler.h>
#include <dmabuf/dma-buf-revoke.h>

DMB_BEGIN_DECLS

struct dmb_exporter_observer {
	/*
	 * @reason: the condition that began: "flr", "decode-off", "d3",
	 * "close", "release"; @stats->already_revoked if nothing was left
	 * to do (a close during a reset)
	 */
	void (*revoked)(void *data, struct dma_buf *buf, const char *reason,
			const struct dmb_revoke_stats *stats);
	/* @reason: the condition that ended (same names) */
	void (*unrevoked)(void *data, struct dma_buf *buf, const char *reason);
	/*
	 * vram: the buffer now lives in @where ("vram", "system"); @stats has
	 * invalidate_ns, fence_wait_ns and total_ns (the copy included);
	 * unmap_wait_ns is 0, as a move does not wait for unmaps
	 */
	void (*moved)(void *data, struct dma_buf *buf, const char *where,
		      const struct dmb_revoke_stats *stats);
	void *data;
};

DMB_END_DECLS

#endif /* DMABUF_DRIVERS_EXPORTER_EVENTS_H */
