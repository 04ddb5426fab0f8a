/* SPDX-License-Identifier: MIT */
/*
 * dma-direction.h - which way a device moves the bytes of a mapping.
 *
 * Its own header, below both the dma-buf core and the DMA API, because both
 * speak of it: an importer asks the core for a mapping in one direction, and
 * the DMA API grants the device the permissions that direction needs.
 */
#ifndef DMABUF_DMA_DIRECTION_H
#define DMABUF_DMA_DIRECTION_H

#include <dmabuf/compiler.h>

DMB_BEGIN_DECLS

enum dma_data_direction {
	DMA_BIDIRECTIONAL,	/* the device reads and writes */
	DMA_TO_DEVICE,		/* the device reads */
	DMA_FROM_DEVICE,	/* the device writes */
	DMA_NONE,		/* no DMA: refused by every mapping call */
};

DMB_END_DECLS

#endif /* DMABUF_DMA_DIRECTION_H */
