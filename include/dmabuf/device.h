/* SPDX-License-Identifier: MIT */
/*
 * device.h - what the dma-buf core knows of a device: a name.
 *
 * As a struct device is to the kernel's dma-buf, a device here is an opaque
 * handle the core passes back to exporters and names in reports. Whoever
 * models real devices (the simulated hardware, a test) embeds one in its own
 * device object and recovers it with dmb_container_of().
 */
#ifndef DMABUF_DEVICE_H
#define DMABUF_DEVICE_H

#include <dmabuf/compiler.h>

DMB_BEGIN_DECLS

/**
 * struct device - a device as the core sees it
 * @name: for reports
 * @type: who embeds it: the address of an object private to the embedder
 *	(NULL for a bare device), so an embedder can check a struct device is
 *	one of its own before dmb_container_of() — a struct device that came
 *	from someone else is then refused instead of read past its end
 */
struct device {
	const char *name;
	const void *type;
};

/**
 * dev_name - @dev's name, for reports
 *
 * Context: any thread, no lock.
 */
static inline const char *dev_name(const struct device *dev)
{
	return dev && dev->name ? dev->name : "(no device)";
}

DMB_END_DECLS

#endif /* DMABUF_DEVICE_H */
