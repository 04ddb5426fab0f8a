/* SPDX-License-Identifier: MIT */
/*
 * drivers/vfio-pci.h - the VFIO-style exporter: dma-bufs over the BARs of a
 * simulated PCI function (R12).
 *
 * The exporter follows the function's state through a PCI notifier: when
 * the function is about to become isolated — function level reset, memory
 * decode off, low-power entry (D3hot), close — it revokes every dma-buf it
 * exported (the full sequence of the revoke helper, with the configured wait
 * policy) before the BARs go dark; when the condition ends it unrevokes
 * them, except after close, which is permanent (the buffers stay revoked and
 * the exporter lets go of the device). A buffer exported while the function
 * is isolated is born revoked and comes back with the function.
 *
 * Attach rules (R10): an attachment that is not peer-to-peer capable, or not
 * revocable, is refused with -EOPNOTSUPP; any attach or map while revoked
 * fails with -ENODEV. Pinned importers are accepted if they are revocable:
 * the exporter has no pin op, so dma_buf_pin() succeeds and changes nothing.
 *
 * Two policies for low power, the two positions of the review:
 *  - DMB_VFIO_POLICY_REVOKE (the series): dmb_vfio_pci_low_power() revokes
 *    and enters D3hot; it may block until importers unmap.
 *  - DMB_VFIO_POLICY_POWER_REF: every live mapping holds a power reference;
 *    dmb_vfio_pci_low_power() refuses with -EBUSY while any exists. With
 *    none, it enters D3hot and the buffers are still revoked for the
 *    duration (the BARs are dark: "CPU mmap fault <=> dma-buf revoked"), but
 *    the revoke has nobody to wait for; attachments stay, and attach or map
 *    fail with -ENODEV until the function is back in D0. A map racing with
 *    the entry either holds its reference first (the entry fails -EBUSY) or
 *    fails with -ENODEV. A D3hot the exporter did not ask for (a direct
 *    dmb_pci_set_power()) revokes as under the REVOKE policy.
 *
 * A close after an earlier revoke (close during a reset, say) neither lowers
 * the mapping count twice nor waits on a completion that already fired.
 *
 * The observer hears every revoke with the condition that began — "flr",
 * "decode-off", "d3", "close", or "release" (dmb_vfio_pci_release()) — and
 * every unrevoke with the condition that ended. A close that finds a buffer
 * already revoked is reported with stats->already_revoked set.
 *
 * Locking: every function is thread-safe and must be called without any
 * resv lock held, except dmb_vfio_pci_dma_buf_phys() (see there). The
 * notifier revokes in the thread making the PCI transition; it waits for the
 * importers' unmaps, so an importer must never make a transition of the
 * function from a path its unmap depends on. A buffer's last put waits while
 * a revoke or unrevoke of that buffer is in progress.
 *
 * After dmb_vfio_pci_release(), a call with the handle is a WARN and the
 * call's refusal (-EINVAL, NULL, 0), without reading the freed object
 * (hw/live.h); a new exporter at the same address passes for the old.
 */
#ifndef DMABUF_DRIVERS_VFIO_PCI_H
#define DMABUF_DRIVERS_VFIO_PCI_H

#include <stdint.h>
#include <dmabuf/compiler.h>
#include <dmabuf/dma-buf-revoke.h>
#include <dmabuf/drivers/exporter-events.h>
#include <dmabuf/hw/pci.h>

DMB_BEGIN_DECLS

enum dmb_vfio_policy {
	DMB_VFIO_POLICY_REVOKE,
	DMB_VFIO_POLICY_POWER_REF,
};

/**
 * struct dmb_vfio_pci_info - how to open a function
 * @policy: the low-power policy
 * @revoke: the revoke helper's wait policy, or NULL for the default
 * @observer: told of revokes and unrevokes, or NULL
 */
struct dmb_vfio_pci_info {
	enum dmb_vfio_policy policy;
	const struct dmb_revoke_policy *revoke;
	const struct dmb_exporter_observer *observer;
};

struct dmb_vfio_pci;

/**
 * dmb_vfio_pci_open - take over @pci and follow its state
 * @info: the policies and the observer, or NULL for the REVOKE policy, the
 *	helper's default wait policy and no observer
 *
 * Return: the exporter, or NULL with errno (EINVAL, ENOMEM, ENODEV if the
 * function is closed).
 */
struct dmb_vfio_pci *dmb_vfio_pci_open(struct dmb_pci_function *pci,
				       const struct dmb_vfio_pci_info *info);

/**
 * dmb_vfio_pci_release - stop following the function and free the exporter
 *
 * Buffers still exported are revoked for good first (as by close) and stay
 * valid handles until their last put, which may come later.
 * Context: may sleep (a revoke). Call it before dmb_pci_function_destroy()
 * of @vdev's function, and not concurrently with other calls on @vdev.
 * Return: 0, or -EINVAL (a WARN) for NULL or an exporter released already.
 */
int dmb_vfio_pci_release(struct dmb_vfio_pci *vdev);

/**
 * dmb_vfio_pci_export - a dma-buf over [@offset, @offset + @size) of BAR @bar
 * @name: the buffer's name for reports, or NULL
 *
 * Return: the buffer (one reference), or NULL with errno (EINVAL for a
 * range not page-aligned, and with a WARN for a NULL @vdev, no such BAR, an
 * empty range or one outside the BAR; ENODEV if closed, ENOMEM).
 */
struct dma_buf *dmb_vfio_pci_export(struct dmb_vfio_pci *vdev, unsigned int bar,
				    uint64_t offset, uint64_t size,
				    const char *name);

/**
 * dmb_vfio_pci_reset - a function level reset through VFIO: begin, end
 *
 * Context: may sleep (the revoke waits for unmaps).
 * Return: 0, or the PCI layer's -errno.
 */
int dmb_vfio_pci_reset(struct dmb_vfio_pci *vdev);

/**
 * dmb_vfio_pci_low_power - enter (@enter) or leave low power through VFIO
 *
 * Context: may sleep (under the REVOKE policy the revoke waits for unmaps).
 * Return: 0; -EBUSY under DMB_VFIO_POLICY_POWER_REF while mapped; the PCI
 * layer's -errno.
 */
int dmb_vfio_pci_low_power(struct dmb_vfio_pci *vdev, bool enter);

/** dmb_vfio_pci_power_refs - live power references (POWER_REF policy; 0 under REVOKE) */
unsigned int dmb_vfio_pci_power_refs(struct dmb_vfio_pci *vdev);

/** dmb_vfio_pci_function - the PCI function */
struct dmb_pci_function *dmb_vfio_pci_function(struct dmb_vfio_pci *vdev);

/**
 * dmb_vfio_pci_revoked - true while @buf (one of this exporter's) is revoked
 *
 * A buffer of another exporter is a WARN and false.
 */
bool dmb_vfio_pci_revoked(struct dma_buf *buf);

/**
 * dmb_vfio_pci_dma_buf_phys - the private exporter call iommufd uses: the
 * physical range of the buffer @attach is attached to, without map/unmap
 *
 * Context: resv lock held (the importer holds it while it programs its
 * IOMMU, so a revoke cannot slip in between).
 * Return: 0; -ENODEV while revoked; -EOPNOTSUPP if @attach's buffer was not
 * exported by a vfio-pci exporter; -EINVAL (a WARN) for NULL arguments or
 * without the resv lock.
 */
int dmb_vfio_pci_dma_buf_phys(struct dma_buf_attachment *attach,
			      uint64_t *phys, uint64_t *size);

DMB_END_DECLS

#endif /* DMABUF_DRIVERS_VFIO_PCI_H */
