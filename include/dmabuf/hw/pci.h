/* SPDX-License-Identifier: MIT */
/*
 * hw/pci.h - a PCI function: a simulated device with BARs (device-local
 * memory regions) and the state a VFIO-style exporter must follow — power
 * (D0, D3hot), memory decode, function level reset, close.
 *
 * The function is *isolated* while it is not in D0, or has memory decode
 * off, or is in reset, or is closed. While isolated its BARs are isolated
 * regions (hw/mem-region.h): DMA to them faults, and their CPU mapping is
 * PROT_NONE, so a raw CPU access crashes for real. dmb_pci_bar_read() and
 * dmb_pci_bar_write() are the guarded accessors: they check the state under
 * the function's state lock, which every transition takes for writing, and
 * return -EIO instead of touching an isolated BAR. (No SIGSEGV handler is
 * involved, so they coexist with sanitizers; the limit is that only these
 * accessors are guarded — a program that keeps the raw pointer is not.)
 *
 * Transitions and subscribers. Every state change is delivered to the
 * subscribers (struct dmb_pci_notifier), in subscription order,
 * synchronously, in the thread making the change:
 *  - a change that makes an accessible function isolated is delivered
 *    BEFORE the state changes: the BARs are still accessible, so a VFIO-
 *    style exporter can revoke its dma-bufs (wait for fences, wait for
 *    unmaps) before the memory goes dark;
 *  - every other change (coming back, or a change while already isolated)
 *    is delivered AFTER it: the BARs are accessible again when an exporter
 *    un-revokes.
 * Transitions of one function are serialised; a subscriber must not make a
 * transition of the same function, nor (un)subscribe to it, from its
 * callback (reported, -EDEADLK). Close is permanent: later transitions fail
 * with -ENODEV.
 *
 * Function level reset is a window: dmb_pci_flr_begin() enters reset
 * (isolated), dmb_pci_flr_end() leaves it, restoring power and decode as
 * they were (as VFIO restores the function's config space).
 *
 * Locking: every function is thread-safe. Transitions hold the function's
 * transition mutex across subscriber callbacks (never the state lock).
 */
#ifndef DMABUF_HW_PCI_H
#define DMABUF_HW_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <dmabuf/compiler.h>
#include <dmabuf/diag.h>
#include <dmabuf/list.h>
#include <dmabuf/hw/hw-device.h>
#include <dmabuf/hw/mem-region.h>

DMB_BEGIN_DECLS

#define DMB_PCI_NUM_BARS	6

enum dmb_pci_power {
	DMB_PCI_D0,
	DMB_PCI_D3HOT,
};

/**
 * struct dmb_pci_state - the function's state
 * @power: D0 or D3hot
 * @decode: memory decode enabled (the command register's memory bit)
 * @in_reset: between dmb_pci_flr_begin() and dmb_pci_flr_end()
 * @closed: closed for good
 */
struct dmb_pci_state {
	enum dmb_pci_power power;
	bool decode;
	bool in_reset;
	bool closed;
};

/**
 * dmb_pci_state_isolated - whether a function in state @s is isolated
 *
 * Context: any thread. Return: true if not in D0, decode off, in reset or
 * closed; true (a WARN) for NULL: no state, no access.
 */
static inline bool dmb_pci_state_isolated(const struct dmb_pci_state *s)
{
	if (DMB_WARN(!s, "dmb_pci_state_isolated(NULL)"))
		return true;
	return s->power != DMB_PCI_D0 || !s->decode || s->in_reset || s->closed;
}

enum dmb_pci_event_reason {
	DMB_PCI_EVENT_POWER,
	DMB_PCI_EVENT_DECODE,
	DMB_PCI_EVENT_FLR_BEGIN,
	DMB_PCI_EVENT_FLR_END,
	DMB_PCI_EVENT_CLOSE,
};

/**
 * struct dmb_pci_event - one state change
 * @reason: what caused it
 * @old_state: the state before
 * @new_state: the state after
 * @before: true if delivered before the change took effect (the function
 *	goes from accessible to isolated), false if after
 */
struct dmb_pci_event {
	enum dmb_pci_event_reason reason;
	struct dmb_pci_state old_state;
	struct dmb_pci_state new_state;
	bool before;
};

struct dmb_pci_function;
struct dmb_pci_notifier;

/**
 * struct dmb_pci_notifier - a subscription; embed it in the subscriber
 * @notify: called for every state change (see the overview for when),
 *	with no library lock held; it may sleep, take resv locks and wait
 *	for fences
 * @node: private to the function
 */
struct dmb_pci_notifier {
	void (*notify)(struct dmb_pci_notifier *nb, struct dmb_pci_function *pci,
		       const struct dmb_pci_event *event);
	struct dmb_list_head node;
};

/**
 * struct dmb_pci_function_info - what dmb_pci_function_create() needs
 * @dev: the device (name, p2p, domain, engines)
 * @bar_size: the size of each BAR in bytes, 0 for none (multiples of
 *	DMB_PAGE_SIZE)
 */
struct dmb_pci_function_info {
	struct dmb_hw_device_info dev;
	uint64_t bar_size[DMB_PCI_NUM_BARS];
};

/**
 * dmb_pci_function_create - a function in D0 with decode on, its BARs
 * created as regions owned by its device ("<name>-bar<N>")
 *
 * Context: any thread.
 * Return: the function, or NULL with errno (as dmb_hw_device_create() and
 * dmb_mem_region_create()).
 */
struct dmb_pci_function *
dmb_pci_function_create(struct dmb_phys_space *space,
			const struct dmb_pci_function_info *info);

/**
 * dmb_pci_function_destroy - close the function if it is not closed yet
 * (subscribers hear it), then free its BARs and its device
 * @pci: the function; NULL is ignored
 *
 * Context: may sleep. The BARs must no longer be mapped by any IOMMU.
 * Return: 0, or -EBUSY (a WARN) while a BAR is still mapped; the function
 * is then closed but not freed.
 */
int dmb_pci_function_destroy(struct dmb_pci_function *pci);

/**
 * dmb_pci_function_device - the function's simulated device
 *
 * Context: any thread. Return: the device (freed with the function).
 */
struct dmb_hw_device *dmb_pci_function_device(struct dmb_pci_function *pci);

/**
 * dmb_pci_function_from_device - the PCI function of @dev
 *
 * Context: any thread.
 * Return: the function, or NULL if @dev is not a PCI function's (NULL
 * for a NULL @dev too, a WARN).
 */
struct dmb_pci_function *dmb_pci_function_from_device(struct dmb_hw_device *dev);

/**
 * dmb_pci_bar - BAR @bar's region
 *
 * Context: any thread.
 * Return: the region, or NULL with errno = EINVAL for no such BAR.
 */
struct dmb_mem_region *dmb_pci_bar(struct dmb_pci_function *pci,
				   unsigned int bar);

/**
 * dmb_pci_get_state - a consistent snapshot of the state
 *
 * Context: any thread; waits for a state change in progress. A NULL @state
 * is a WARN and ignored; a NULL @pci a WARN, and @state reads closed.
 */
void dmb_pci_get_state(struct dmb_pci_function *pci,
		       struct dmb_pci_state *state);

/**
 * dmb_pci_is_isolated - true while the BARs are unreachable
 *
 * Context: any thread. Return: dmb_pci_state_isolated() of the state.
 */
bool dmb_pci_is_isolated(struct dmb_pci_function *pci);

/**
 * dmb_pci_set_power - move to D0 or D3hot
 *
 * Context: may sleep (subscribers run in this thread).
 * Return: 0 (also when nothing changes: no event), -EINVAL (a WARN: a NULL
 * @pci, no such power state), -ENODEV once closed, -EDEADLK from a
 * subscriber's callback.
 */
int dmb_pci_set_power(struct dmb_pci_function *pci, enum dmb_pci_power power);

/**
 * dmb_pci_set_decode - enable or disable memory decode
 *
 * Context, Return: as dmb_pci_set_power().
 */
int dmb_pci_set_decode(struct dmb_pci_function *pci, bool enable);

/**
 * dmb_pci_flr_begin - enter function level reset
 *
 * Context: as dmb_pci_set_power().
 * Return: as dmb_pci_set_power(); -EBUSY if already in reset.
 */
int dmb_pci_flr_begin(struct dmb_pci_function *pci);

/**
 * dmb_pci_flr_end - leave function level reset
 *
 * Context: as dmb_pci_set_power().
 * Return: as dmb_pci_set_power(); -EINVAL (a WARN) if not in reset.
 */
int dmb_pci_flr_end(struct dmb_pci_function *pci);

/**
 * dmb_pci_close - close the function for good (isolated from now on)
 *
 * Context: as dmb_pci_set_power().
 * Return: 0, -ENODEV if already closed, -EDEADLK from a callback.
 */
int dmb_pci_close(struct dmb_pci_function *pci);

/**
 * dmb_pci_subscribe - deliver every later state change to @nb
 *
 * Context: not from a subscriber's callback of @pci.
 * Return: 0, -EINVAL (a WARN) for a NULL @pci, @nb or callback, -EBUSY (a
 * WARN) if @nb is subscribed already, -EDEADLK from a callback.
 */
int dmb_pci_subscribe(struct dmb_pci_function *pci, struct dmb_pci_notifier *nb);

/**
 * dmb_pci_unsubscribe - stop delivering to @nb; when it returns, @nb's
 * callback is not running and will not run
 *
 * Context: not from a subscriber's callback of @pci (reported, ignored).
 * NULL arguments and a notifier that is not subscribed are WARNs, ignored.
 */
void dmb_pci_unsubscribe(struct dmb_pci_function *pci,
			 struct dmb_pci_notifier *nb);

/**
 * dmb_pci_bar_read - CPU read of @len bytes at @offset of BAR @bar into
 * @buf, refused while the function is isolated
 *
 * Context: any thread; waits for a transition in progress to take effect.
 * Return: 0, -EIO while isolated (nothing read), -EINVAL (a WARN) for NULL
 * arguments, no such BAR or a range outside it.
 */
int dmb_pci_bar_read(struct dmb_pci_function *pci, unsigned int bar,
		     uint64_t offset, void *buf, size_t len);

/**
 * dmb_pci_bar_write - the CPU write counterpart of dmb_pci_bar_read()
 *
 * Context, Return: as dmb_pci_bar_read().
 */
int dmb_pci_bar_write(struct dmb_pci_function *pci, unsigned int bar,
		      uint64_t offset, const void *buf, size_t len);

DMB_END_DECLS

#endif /* DMABUF_HW_PCI_H */
