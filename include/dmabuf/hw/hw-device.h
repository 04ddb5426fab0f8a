/* SPDX-License-Identifier: MIT */
/*
 * hw/hw-device.h - a simulated device: a name, an IOMMU domain, DMA engines
 * and a peer-to-peer capability.
 *
 * Every simulated device embeds the struct device (device.h) that the dma-buf
 * core knows it by: dmb_hw_device_dev() hands it to dma_buf_attach() and
 * friends, and dmb_hw_device_from_dev() recovers the device from the struct
 * device an exporter's map op receives (dma_map_sgtable() does it too).
 * Hence the rule: every struct device that simulated hardware gives the core
 * is embedded in a dmb_hw_device — a bare struct device (a test's mock) must
 * never reach the hw layer.
 *
 * A device translates its DMA through its IOMMU domain: its own DMA domain
 * by default, or a domain given at creation (shared with other devices, or
 * an identity domain). A device with the peer-to-peer capability may map
 * other devices' local memory for DMA; one without may only map system RAM
 * and its own memory.
 *
 * Its engines (hw/dma-engine.h) are created, and their worker threads
 * started, with the device; destroying the device cancels what they have
 * not finished (fences signal -ECANCELED) and joins them, so it never hangs
 * on a virtual clock nobody advances.
 *
 * Locking: creation and destruction are not concurrent with other use of
 * the device; every other function is thread-safe and the accessors return
 * values that never change.
 */
#ifndef DMABUF_HW_HW_DEVICE_H
#define DMABUF_HW_HW_DEVICE_H

#include <stdbool.h>
#include <dmabuf/compiler.h>
#include <dmabuf/device.h>
#include <dmabuf/hw/dma-engine.h>
#include <dmabuf/hw/iommu.h>
#include <dmabuf/hw/phys-space.h>

DMB_BEGIN_DECLS

#define DMB_HW_MAX_ENGINES	8

struct dmb_hw_device;

/**
 * struct dmb_hw_device_info - what dmb_hw_device_create() needs
 * @name: the device's name (copied), shown by the core and in fault logs
 * @p2p: the device can reach other devices' memory peer to peer
 * @domain: the IOMMU domain to translate through (the device takes a
 *	reference), or NULL for a new DMA domain of its own
 * @nr_engines: DMA engines, 0..DMB_HW_MAX_ENGINES
 * @timing: the engines' initial job timing
 */
struct dmb_hw_device_info {
	const char *name;
	bool p2p;
	struct dmb_iommu_domain *domain;
	unsigned int nr_engines;
	struct dmb_dma_timing timing;
};

/**
 * dmb_hw_device_create - a device on @space, engines running
 *
 * Context: any thread.
 * Return: the device, or NULL with errno (EINVAL for a bad info or a domain
 * of another space, ENOMEM, or what starting a thread failed with).
 */
struct dmb_hw_device *dmb_hw_device_create(struct dmb_phys_space *space,
					   const struct dmb_hw_device_info *info);

/**
 * dmb_hw_device_destroy - cancel the engines' work, join them, free
 * @dev: the device; NULL is ignored
 *
 * Context: may sleep (joins the workers). The device must own no memory
 * region any more, and must not be a PCI function's (destroy that with
 * dmb_pci_function_destroy()).
 * Return: 0, or -EBUSY / -EINVAL (a WARN) and nothing is freed.
 */
int dmb_hw_device_destroy(struct dmb_hw_device *dev);

/**
 * dmb_hw_device_dev - the embedded struct device, for the dma-buf core
 *
 * Context: any thread. Return: it (named after the device); NULL with
 * errno = EINVAL (a WARN) for NULL.
 */
struct device *dmb_hw_device_dev(struct dmb_hw_device *dev);

/**
 * dmb_hw_device_from_dev - the simulated device that embeds @dev
 *
 * Context: any thread.
 * Return: the device, or NULL with errno = EINVAL (a WARN) for NULL or a
 * struct device that was not created by dmb_hw_device_create() (its type
 * tag says so; it is not read past its end).
 */
struct dmb_hw_device *dmb_hw_device_from_dev(struct device *dev);

/**
 * dmb_hw_device_is - whether @dev is a simulated device's, without a report
 * (an exporter tells its DMA importers from CPU clients, such as another
 * process mapping the buffer through its descriptor)
 *
 * Context: any thread. Return: true for a device dmb_hw_device_from_dev()
 * accepts; false for NULL or any other struct device.
 */
bool dmb_hw_device_is(const struct device *dev);

/**
 * dmb_hw_device_name / _p2p / _domain / _space / _nr_engines - what the
 * device was created with (the domain is its own if none was given)
 *
 * Context: any thread; constant for the device's life.
 * Return: the value; for a NULL @dev (a WARN) "(null)", false, NULL, NULL,
 * 0.
 */
const char *dmb_hw_device_name(const struct dmb_hw_device *dev);
bool dmb_hw_device_p2p(const struct dmb_hw_device *dev);
struct dmb_iommu_domain *dmb_hw_device_domain(const struct dmb_hw_device *dev);
struct dmb_phys_space *dmb_hw_device_space(const struct dmb_hw_device *dev);
unsigned int dmb_hw_device_nr_engines(const struct dmb_hw_device *dev);

/**
 * dmb_hw_device_engine - engine @idx of @dev
 *
 * Context: any thread.
 * Return: the engine, or NULL with errno = EINVAL if @idx is out of range
 * (and a WARN for a NULL @dev).
 */
struct dmb_dma_engine *dmb_hw_device_engine(struct dmb_hw_device *dev,
					    unsigned int idx);

DMB_END_DECLS

#endif /* DMABUF_HW_HW_DEVICE_H */
