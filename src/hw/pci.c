// SPDX-License-Identifier: MIT
/*
 * pci.c - PCI functions: a simulated device with BARs and the power /
 * decode / reset / close state (see hw/pci.h for the contract and the
 * subscribers' ordering).
 *
 * A transition computes the new state; if it makes an accessible function
 * isolated, the subscribers hear it first, then the state changes; in every
 * other case the state changes, then they hear it. Changing the state flips
 * the BARs' isolation when isolation changes (mprotect of the CPU view and
 * the DMA fault flag, mem-region.c).
 *
 * Locking:
 *  - pci->transition (a mutex) serialises transitions, subscribe and
 *    unsubscribe, and is held across subscriber callbacks; its lockdep map
 *    lets a callback that re-enters the same function be reported instead
 *    of deadlocking.
 *  - pci->state_lock (an rwlock) protects pci->state: transitions take it
 *    for writing just to change the state and the BARs' isolation, the
 *    guarded accessors for reading around their memcpy, so an accessor
 *    never touches a BAR that is isolated or about to be.
 *  Order: transition, then state_lock, then the space's lock (inside
 *  dmb_mem_region_set_isolated()).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dmabuf/diag.h>
#include <dmabuf/lockdep.h>
#include <dmabuf/hw/pci.h>

#include "hw-internal.h"

struct dmb_pci_function {
	struct dmb_live live;
	struct dmb_hw_device hw;
	struct dmb_mem_region *bars[DMB_PCI_NUM_BARS];
	pthread_mutex_t transition;
	struct dmb_lockdep_map transition_map;
	struct dmb_list_head subscribers;	/* under transition */
	pthread_rwlock_t state_lock;
	struct dmb_pci_state state;		/* under state_lock */
	struct dmb_pci_state before_reset;	/* under transition */
};

/*
 * Take the transition mutex, unless the calling thread holds it already.
 * Every transition, (un)subscribe, starts here: a NULL function is refused
 * here too.
 */
static int transition_lock(struct dmb_pci_function *pci, const char *call)
{
	if (DMB_WARN(!pci, "%s(NULL)", call))
		return -EINVAL;
	if (DMB_WARN(dmb_lockdep_is_held(&pci->transition_map),
		     "PCI function %s: state change or (un)subscribe from its own subscriber callback",
		     pci->hw.name))
		return -EDEADLK;
	pthread_mutex_lock(&pci->transition);
	dmb_lockdep_acquire(&pci->transition_map, NULL);
	return 0;
}

static void transition_unlock(struct dmb_pci_function *pci)
{
	dmb_lockdep_release(&pci->transition_map);
	pthread_mutex_unlock(&pci->transition);
}

/* Whether @nb is on @pci's list. Caller holds pci->transition. */
static bool subscribed(struct dmb_pci_function *pci, struct dmb_pci_notifier *nb)
{
	struct dmb_pci_notifier *pos;

	dmb_list_for_each_entry(pos, &pci->subscribers, node)
		if (pos == nb)
			return true;
	return false;
}

static void notify(struct dmb_pci_function *pci, const struct dmb_pci_event *ev)
{
	struct dmb_pci_notifier *nb;

	dmb_list_for_each_entry(nb, &pci->subscribers, node)
		nb->notify(nb, pci, ev);
}

static void set_state(struct dmb_pci_function *pci, const struct dmb_pci_state *s)
{
	bool was, now = dmb_pci_state_isolated(s);

	pthread_rwlock_wrlock(&pci->state_lock);
	was = dmb_pci_state_isolated(&pci->state);
	pci->state = *s;
	for (unsigned int i = 0; was != now && i < DMB_PCI_NUM_BARS; i++) {
		if (!pci->bars[i])
			continue;
		DMB_WARN(dmb_mem_region_set_isolated(pci->bars[i], now),
			 "PCI function %s: cannot change the protection of BAR %u",
			 pci->hw.name, i);
	}
	pthread_rwlock_unlock(&pci->state_lock);
}

/* Deliver @reason moving to @next, in the order of the overview. Locked. */
static void transition_locked(struct dmb_pci_function *pci,
			      enum dmb_pci_event_reason reason,
			      const struct dmb_pci_state *next)
{
	struct dmb_pci_event ev = {
		.reason = reason,
		.old_state = pci->state,	/* only transitions write it */
		.new_state = *next,
	};

	dmb_lockdep_assert_held(&pci->transition_map);
	ev.before = !dmb_pci_state_isolated(&ev.old_state) &&
		    dmb_pci_state_isolated(next);
	if (ev.before)
		notify(pci, &ev);
	set_state(pci, next);
	if (!ev.before)
		notify(pci, &ev);
}

/*
 * The common shape of a transition: lock, refuse once closed, let @change
 * compute the next state (or an error), deliver it unless nothing changed.
 */
static int transition(struct dmb_pci_function *pci,
		      enum dmb_pci_event_reason reason,
		      int (*change)(struct dmb_pci_function *pci,
				    struct dmb_pci_state *next, long arg),
		      long arg, const char *call)
{
	struct dmb_pci_state next;
	int ret = transition_lock(pci, call);

	if (ret)
		return ret;
	if (pci->state.closed) {
		ret = -ENODEV;
		goto out_unlock;
	}
	next = pci->state;
	ret = change(pci, &next, arg);
	if (ret || !memcmp(&next, &pci->state, sizeof(next)))
		goto out_unlock;
	transition_locked(pci, reason, &next);
out_unlock:
	transition_unlock(pci);
	return ret;
}

static int change_power(struct dmb_pci_function *pci, struct dmb_pci_state *s,
			long power)
{
	if (DMB_WARN(power != DMB_PCI_D0 && power != DMB_PCI_D3HOT,
		     "PCI function %s: no power state %ld", pci->hw.name, power))
		return -EINVAL;
	s->power = (enum dmb_pci_power)power;
	return 0;
}

static int change_decode(struct dmb_pci_function *pci, struct dmb_pci_state *s,
			 long enable)
{
	s->decode = enable;
	return 0;
}

static int change_flr_begin(struct dmb_pci_function *pci,
			    struct dmb_pci_state *s, long unused)
{
	if (s->in_reset)
		return -EBUSY;
	pci->before_reset = *s;
	s->in_reset = true;
	return 0;
}

static int change_flr_end(struct dmb_pci_function *pci, struct dmb_pci_state *s,
			  long unused)
{
	if (DMB_WARN(!s->in_reset, "PCI function %s: end of a reset that was not begun",
		     pci->hw.name))
		return -EINVAL;
	/* The function comes back configured as before the reset. */
	*s = pci->before_reset;
	return 0;
}

static int change_close(struct dmb_pci_function *pci, struct dmb_pci_state *s,
			long unused)
{
	s->closed = true;
	return 0;
}

int dmb_pci_set_power(struct dmb_pci_function *pci, enum dmb_pci_power power)
{
	return transition(pci, DMB_PCI_EVENT_POWER, change_power, power,
			  "dmb_pci_set_power");
}

int dmb_pci_set_decode(struct dmb_pci_function *pci, bool enable)
{
	return transition(pci, DMB_PCI_EVENT_DECODE, change_decode, enable,
			  "dmb_pci_set_decode");
}

int dmb_pci_flr_begin(struct dmb_pci_function *pci)
{
	return transition(pci, DMB_PCI_EVENT_FLR_BEGIN, change_flr_begin, 0,
			  "dmb_pci_flr_begin");
}

int dmb_pci_flr_end(struct dmb_pci_function *pci)
{
	return transition(pci, DMB_PCI_EVENT_FLR_END, change_flr_end, 0,
			  "dmb_pci_flr_end");
}

int dmb_pci_close(struct dmb_pci_function *pci)
{
	return transition(pci, DMB_PCI_EVENT_CLOSE, change_close, 0,
			  "dmb_pci_close");
}

int dmb_pci_subscribe(struct dmb_pci_function *pci, struct dmb_pci_notifier *nb)
{
	int ret;

	if (DMB_WARN(!nb || !nb->notify, "PCI subscriber without a callback"))
		return -EINVAL;
	ret = transition_lock(pci, "dmb_pci_subscribe");
	if (ret)
		return ret;
	/* Linking a linked node again would corrupt the list. */
	if (DMB_WARN(subscribed(pci, nb), "PCI function %s: notifier subscribed twice",
		     pci->hw.name))
		ret = -EBUSY;
	else
		dmb_list_add_tail(&nb->node, &pci->subscribers);
	transition_unlock(pci);
	return ret;
}

void dmb_pci_unsubscribe(struct dmb_pci_function *pci,
			 struct dmb_pci_notifier *nb)
{
	if (DMB_WARN(!nb, "dmb_pci_unsubscribe without a notifier") ||
	    transition_lock(pci, "dmb_pci_unsubscribe"))
		return;
	/* Unlinking a node that is not linked would corrupt the list. */
	if (!DMB_WARN(!subscribed(pci, nb),
		      "PCI function %s: unsubscribe of a notifier not subscribed",
		      pci->hw.name))
		dmb_list_del(&nb->node);
	transition_unlock(pci);
}

static void bars_destroy(struct dmb_pci_function *pci)
{
	for (unsigned int i = 0; i < DMB_PCI_NUM_BARS; i++) {
		if (pci->bars[i] && !dmb_mem_region_destroy(pci->bars[i]))
			pci->bars[i] = NULL;
	}
}

static void pci_free(struct dmb_pci_function *pci)
{
	__dmb_hw_device_fini(&pci->hw);
	pthread_rwlock_destroy(&pci->state_lock);
	pthread_mutex_destroy(&pci->transition);
	free(pci);
}

struct dmb_pci_function *
dmb_pci_function_create(struct dmb_phys_space *space,
			const struct dmb_pci_function_info *info)
{
	struct dmb_pci_function *pci = calloc(1, sizeof(*pci));
	int err;

	if (!pci)
		return NULL;
	err = __dmb_hw_device_init(&pci->hw, space, info ? &info->dev : NULL);
	if (err) {
		free(pci);
		errno = -err;
		return NULL;
	}
	pci->hw.is_pci = true;
	pci->transition_map.name = pci->hw.name;
	pthread_mutex_init(&pci->transition, NULL);
	pthread_rwlock_init(&pci->state_lock, NULL);
	dmb_list_init(&pci->subscribers);
	pci->state = (struct dmb_pci_state){ .power = DMB_PCI_D0, .decode = true };
	for (unsigned int i = 0; i < DMB_PCI_NUM_BARS; i++) {
		char name[DMB_HW_NAME_LEN + 8];
		struct dmb_mem_region_info bar = {
			.name = name,
			.size = info->bar_size[i],
			.owner = &pci->hw,
		};

		if (!bar.size)
			continue;
		snprintf(name, sizeof(name), "%s-bar%u", pci->hw.name, i);
		pci->bars[i] = dmb_mem_region_create(space, &bar);
		if (!pci->bars[i])
			goto err_bars;
	}
	dmb_live_add(&pci->live);
	return pci;

err_bars:
	err = errno;
	bars_destroy(pci);
	pci_free(pci);
	errno = err;
	return NULL;
}

int dmb_pci_function_destroy(struct dmb_pci_function *pci)
{
	if (!pci)
		return 0;
	if (dmb_live_refuse(&pci->live, "dmb_pci_function_destroy"))
		return -EINVAL;
	dmb_pci_close(pci);	/* -ENODEV if closed already: fine */
	bars_destroy(pci);
	for (unsigned int i = 0; i < DMB_PCI_NUM_BARS; i++)
		if (pci->bars[i])
			return -EBUSY;	/* dmb_mem_region_destroy() warned */
	dmb_live_del(&pci->live);
	pci_free(pci);
	return 0;
}

struct dmb_hw_device *dmb_pci_function_device(struct dmb_pci_function *pci)
{
	if (DMB_WARN(!pci, "dmb_pci_function_device(NULL)"))
		return NULL;
	return &pci->hw;
}

struct dmb_pci_function *dmb_pci_function_from_device(struct dmb_hw_device *dev)
{
	if (DMB_WARN(!dev, "dmb_pci_function_from_device(NULL)"))
		return NULL;
	return dev->is_pci ? dmb_container_of(dev, struct dmb_pci_function, hw) : NULL;
}

struct dmb_mem_region *dmb_pci_bar(struct dmb_pci_function *pci, unsigned int bar)
{
	if (DMB_WARN(!pci, "dmb_pci_bar(NULL)")) {
		errno = EINVAL;
		return NULL;
	}
	if (bar >= DMB_PCI_NUM_BARS || !pci->bars[bar]) {
		errno = EINVAL;
		return NULL;
	}
	return pci->bars[bar];
}

void dmb_pci_get_state(struct dmb_pci_function *pci, struct dmb_pci_state *state)
{
	if (DMB_WARN(!state, "dmb_pci_get_state without a state to fill"))
		return;
	/* A function nobody knows the state of: closed, hence isolated. */
	if (DMB_WARN(!pci, "dmb_pci_get_state(NULL)")) {
		*state = (struct dmb_pci_state){ .closed = true };
		return;
	}
	pthread_rwlock_rdlock(&pci->state_lock);
	*state = pci->state;
	pthread_rwlock_unlock(&pci->state_lock);
}

bool dmb_pci_is_isolated(struct dmb_pci_function *pci)
{
	struct dmb_pci_state s;

	dmb_pci_get_state(pci, &s);
	return dmb_pci_state_isolated(&s);
}

/* Copy to or from BAR @bar under the state lock, refusing while isolated. */
static int bar_access(struct dmb_pci_function *pci, unsigned int bar,
		      uint64_t offset, void *buf, size_t len, bool write,
		      const char *call)
{
	struct dmb_mem_region *r;
	uint8_t *va;
	int ret = 0;

	if (DMB_WARN(!pci || !buf, "%s(%p, %u, buf %p)", call, (void *)pci, bar, buf) ||
	    DMB_WARN(bar >= DMB_PCI_NUM_BARS || !pci->bars[bar],
		     "%s: PCI function %s has no BAR %u", call, pci->hw.name, bar))
		return -EINVAL;
	r = pci->bars[bar];
	if (DMB_WARN(offset > r->size || len > r->size - offset,
		     "%s: [%#llx, +%#zx) is outside BAR %u of %s (%#llx bytes)",
		     call, (unsigned long long)offset, len, bar, pci->hw.name,
		     (unsigned long long)r->size))
		return -EINVAL;
	pthread_rwlock_rdlock(&pci->state_lock);
	if (dmb_pci_state_isolated(&pci->state)) {
		ret = -EIO;
		goto out_unlock;
	}
	va = r->cpu_view + offset;
	if (write)
		memcpy(va, buf, len);
	else
		memcpy(buf, va, len);
out_unlock:
	pthread_rwlock_unlock(&pci->state_lock);
	return ret;
}

int dmb_pci_bar_read(struct dmb_pci_function *pci, unsigned int bar,
		     uint64_t offset, void *buf, size_t len)
{
	return bar_access(pci, bar, offset, buf, len, false, "dmb_pci_bar_read");
}

int dmb_pci_bar_write(struct dmb_pci_function *pci, unsigned int bar,
		      uint64_t offset, const void *buf, size_t len)
{
	return bar_access(pci, bar, offset, (void *)buf, len, true,
			  "dmb_pci_bar_write");
}
