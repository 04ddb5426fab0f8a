// SPDX-License-Identifier: MIT
/*
 * hw-device.c - simulated devices: the struct device the core sees, an IOMMU
 * domain and DMA engines (see hw/hw-device.h for the contract).
 *
 * The struct device's type tag is the address of hw_device_type, which
 * dmb_hw_device_from_dev() checks before dmb_container_of(): a struct
 * device that did not come from here is reported and refused, never read
 * past its end. A PCI function embeds a dmb_hw_device (pci.c) and
 * initialises it with __dmb_hw_device_init().
 *
 * Locking: none; the fields never change between init and fini, and the
 * count of owned regions is atomic.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <dmabuf/diag.h>

#include "hw-internal.h"

/* The type tag of every struct device embedded in a dmb_hw_device. */
static const char hw_device_type[] = "dmb_hw_device";

int __dmb_hw_device_init(struct dmb_hw_device *dev, struct dmb_phys_space *space,
			 const struct dmb_hw_device_info *info)
{
	unsigned int i;
	int err;

	if (DMB_WARN(!space || !info || !info->name ||
		     info->nr_engines > DMB_HW_MAX_ENGINES ||
		     info->timing.fixed_ns < 0 ||
		     (info->domain && __dmb_iommu_domain_space(info->domain) != space),
		     "bad simulated device %s", info && info->name ? info->name : "(null)"))
		return -EINVAL;
	snprintf(dev->name, sizeof(dev->name), "%s", info->name);
	dev->dev.name = dev->name;
	dev->dev.type = &hw_device_type;
	dev->p2p = info->p2p;
	dev->space = space;
	atomic_init(&dev->owned_regions, 0);
	dev->domain = info->domain ? dmb_iommu_domain_get(info->domain) :
		      dmb_iommu_domain_alloc(space, DMB_IOMMU_DOMAIN_DMA);
	if (!dev->domain)
		return -ENOMEM;
	for (i = 0; i < info->nr_engines; i++) {
		dev->engines[i] = __dmb_dma_engine_create(dev, i, &info->timing);
		if (!dev->engines[i]) {
			err = -errno;
			goto err_engines;
		}
	}
	dev->nr_engines = info->nr_engines;
	dmb_live_add(&dev->live);
	return 0;

err_engines:
	while (i--)
		__dmb_dma_engine_destroy(dev->engines[i]);
	dmb_iommu_domain_put(dev->domain);
	dev->dev.type = NULL;
	return err;
}

void __dmb_hw_device_fini(struct dmb_hw_device *dev)
{
	dmb_live_del(&dev->live);
	for (unsigned int i = 0; i < dev->nr_engines; i++)
		__dmb_dma_engine_destroy(dev->engines[i]);
	dmb_iommu_domain_put(dev->domain);
	dev->dev.type = NULL;
}

struct dmb_hw_device *dmb_hw_device_create(struct dmb_phys_space *space,
					   const struct dmb_hw_device_info *info)
{
	struct dmb_hw_device *dev = calloc(1, sizeof(*dev));
	int err;

	if (!dev)
		return NULL;
	err = __dmb_hw_device_init(dev, space, info);
	if (err) {
		free(dev);
		errno = -err;
		return NULL;
	}
	return dev;
}

int dmb_hw_device_destroy(struct dmb_hw_device *dev)
{
	unsigned int owned;

	if (!dev)
		return 0;
	if (dmb_live_refuse(&dev->live, "dmb_hw_device_destroy"))
		return -EINVAL;
	if (DMB_WARN(dev->is_pci, "device %s belongs to a PCI function; use dmb_pci_function_destroy()",
		     dev->name))
		return -EINVAL;
	owned = atomic_load(&dev->owned_regions);
	if (DMB_WARN(owned, "destroying device %s, which still owns %u memory regions",
		     dev->name, owned))
		return -EBUSY;
	__dmb_hw_device_fini(dev);
	free(dev);
	return 0;
}

struct device *dmb_hw_device_dev(struct dmb_hw_device *dev)
{
	if (DMB_WARN(!dev, "dmb_hw_device_dev(NULL)")) {
		errno = EINVAL;
		return NULL;
	}
	return &dev->dev;
}

struct dmb_hw_device *dmb_hw_device_from_dev(struct device *d)
{
	struct dmb_hw_device *dev;

	if (DMB_WARN(!d, "NULL struct device for the hw layer")) {
		errno = EINVAL;
		return NULL;
	}
	if (DMB_WARN(d->type != &hw_device_type,
		     "struct device %s is not a simulated device's", dev_name(d))) {
		errno = EINVAL;
		return NULL;
	}
	dev = dmb_container_of(d, struct dmb_hw_device, dev);
	return dev;
}

bool dmb_hw_device_is(const struct device *d)
{
	return d && d->type == &hw_device_type;
}

const char *dmb_hw_device_name(const struct dmb_hw_device *dev)
{
	if (DMB_WARN(!dev, "dmb_hw_device_name(NULL)"))
		return "(null)";
	return dev->name;
}

bool dmb_hw_device_p2p(const struct dmb_hw_device *dev)
{
	if (DMB_WARN(!dev, "dmb_hw_device_p2p(NULL)"))
		return false;
	return dev->p2p;
}

struct dmb_iommu_domain *dmb_hw_device_domain(const struct dmb_hw_device *dev)
{
	if (DMB_WARN(!dev, "dmb_hw_device_domain(NULL)"))
		return NULL;
	return dev->domain;
}

struct dmb_phys_space *dmb_hw_device_space(const struct dmb_hw_device *dev)
{
	if (DMB_WARN(!dev, "dmb_hw_device_space(NULL)"))
		return NULL;
	return dev->space;
}

unsigned int dmb_hw_device_nr_engines(const struct dmb_hw_device *dev)
{
	if (DMB_WARN(!dev, "dmb_hw_device_nr_engines(NULL)"))
		return 0;
	return dev->nr_engines;
}

struct dmb_dma_engine *dmb_hw_device_engine(struct dmb_hw_device *dev,
					    unsigned int idx)
{
	if (DMB_WARN(!dev, "dmb_hw_device_engine(NULL)") || idx >= dev->nr_engines) {
		errno = EINVAL;
		return NULL;
	}
	return dev->engines[idx];
}
