// SPDX-License-Identifier: MIT
/*
 * test-pci.c - PCI functions: BARs that go dark (guarded accessor -EIO, raw
 * access crashes, DMA faults) while the function is in D3hot, has decode
 * off, is in reset or closed, and come back after; subscribers hear each
 * change before it takes effect when it isolates and after otherwise.
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dmabuf/hw/dma-access.h>
#include <dmabuf/hw/iommu.h>
#include <dmabuf/hw/pci.h>

#include "fixture.h"

#define BAR_SIZE	(64 * 1024)
#define MAX_EVENTS	8

struct pci_fixture {
	struct hw_fixture *f;
	struct dmb_pci_function *pci;
};

/* A subscriber that records events and what it could do in the callback. */
struct recorder {
	struct dmb_pci_notifier nb;
	const char *name;
	char *order;			/* shared: who heard it, in order */
	unsigned int n;
	struct dmb_pci_event events[MAX_EVENTS];
	int bar_read[MAX_EVENTS];	/* guarded read from the callback */
	int reenter;			/* 1: try a transition from the callback */
	int reenter_ret;
};

static void record(struct dmb_pci_notifier *nb, struct dmb_pci_function *pci,
		   const struct dmb_pci_event *ev)
{
	struct recorder *r = dmb_container_of(nb, struct recorder, nb);
	uint32_t word;

	if (r->n < MAX_EVENTS) {
		r->events[r->n] = *ev;
		r->bar_read[r->n] = dmb_pci_bar_read(pci, 0, 0, &word, sizeof(word));
		r->n++;
	}
	if (r->order)
		strcat(r->order, r->name);
	if (r->reenter)
		r->reenter_ret = dmb_pci_set_decode(pci, true);
}

static int pci_setup(void **state)
{
	struct dmb_pci_function_info info = {
		.dev = { .name = "vf0" },
		.bar_size = { [0] = BAR_SIZE, [2] = DMB_PAGE_SIZE },
	};
	struct pci_fixture *x = calloc(1, sizeof(*x));

	if (!x || hw_setup(state))
		return -1;
	x->f = *state;
	x->pci = dmb_pci_function_create(x->f->space, &info);
	if (!x->pci)
		return -1;
	*state = x;
	return 0;
}

static int pci_teardown(void **state)
{
	struct pci_fixture *x = *state;
	int ret = th_teardown_threads();

	ret |= dmb_pci_function_destroy(x->pci);
	*state = x->f;
	free(x);
	return hw_teardown(state) || ret ? -1 : 0;
}

#define PCI_TEST(fn) cmocka_unit_test_setup_teardown(fn, pci_setup, pci_teardown)

/* A new function is in D0 with decode on; its BARs are its device's memory. */
static void starts_accessible(void **state)
{
	struct pci_fixture *x = *state;
	struct dmb_hw_device *dev = dmb_pci_function_device(x->pci);
	struct dmb_mem_region *bar0 = dmb_pci_bar(x->pci, 0);
	struct dmb_pci_state s;
	uint32_t in = 0xfeedf00d, out = 0;

	dmb_pci_get_state(x->pci, &s);
	assert_int_equal(s.power, DMB_PCI_D0);
	assert_true(s.decode);
	assert_false(s.in_reset || s.closed);
	assert_false(dmb_pci_is_isolated(x->pci));
	assert_ptr_equal(dmb_pci_function_from_device(dev), x->pci);
	assert_null(dmb_pci_function_from_device(NULL));
	th_assert_warned("dmb_pci_function_from_device(NULL)");
	assert_ptr_equal(dmb_mem_region_owner(bar0), dev);
	assert_string_equal(dmb_mem_region_name(bar0), "vf0-bar0");
	assert_int_equal(dmb_mem_region_size(bar0), BAR_SIZE);
	assert_null(dmb_pci_bar(x->pci, 1));
	assert_null(dmb_pci_bar(x->pci, DMB_PCI_NUM_BARS));
	assert_int_equal(dmb_pci_bar_write(x->pci, 0, 16, &in, sizeof(in)), 0);
	assert_int_equal(dmb_pci_bar_read(x->pci, 0, 16, &out, sizeof(out)), 0);
	assert_int_equal(out, in);
	assert_int_equal(*(uint32_t *)((char *)dmb_mem_region_vaddr(bar0) + 16), in);
	assert_int_equal(dmb_pci_bar_read(x->pci, 0, BAR_SIZE - 2, &out, sizeof(out)), -EINVAL);
	th_assert_warned("is outside BAR 0");
	assert_int_equal(dmb_pci_bar_read(x->pci, 1, 0, &out, sizeof(out)), -EINVAL);
	th_assert_warned("has no BAR 1");
	assert_int_equal(dmb_hw_device_destroy(dev), -EINVAL);
	th_assert_warned("use dmb_pci_function_destroy()");
}

/* Each isolating condition makes the guarded accessor fail; ending it restores access and the bytes. */
static void isolated_bar_refuses_cpu_access(void **state)
{
	struct pci_fixture *x = *state;
	static const char *const conditions[] = { "d3hot", "decode off", "flr" };
	uint32_t in = 0x12345678, out;

	assert_int_equal(dmb_pci_bar_write(x->pci, 0, 0, &in, sizeof(in)), 0);
	for (size_t i = 0; i < DMB_ARRAY_SIZE(conditions); i++) {
		switch (i) {
		case 0: assert_int_equal(dmb_pci_set_power(x->pci, DMB_PCI_D3HOT), 0); break;
		case 1: assert_int_equal(dmb_pci_set_decode(x->pci, false), 0); break;
		case 2: assert_int_equal(dmb_pci_flr_begin(x->pci), 0); break;
		}
		assert_true(dmb_pci_is_isolated(x->pci));
		assert_true(dmb_mem_region_isolated(dmb_pci_bar(x->pci, 0)));
		assert_true(dmb_mem_region_isolated(dmb_pci_bar(x->pci, 2)));
		out = 0;
		assert_int_equal(dmb_pci_bar_read(x->pci, 0, 0, &out, sizeof(out)), -EIO);
		assert_int_equal(dmb_pci_bar_write(x->pci, 0, 0, &out, sizeof(out)), -EIO);
		assert_int_equal(out, 0);
		switch (i) {
		case 0: assert_int_equal(dmb_pci_set_power(x->pci, DMB_PCI_D0), 0); break;
		case 1: assert_int_equal(dmb_pci_set_decode(x->pci, true), 0); break;
		case 2: assert_int_equal(dmb_pci_flr_end(x->pci), 0); break;
		}
		assert_false(dmb_pci_is_isolated(x->pci));
		assert_int_equal(dmb_pci_bar_read(x->pci, 0, 0, &out, sizeof(out)), 0);
		assert_int_equal(out, in);
	}
}

static bool raw_read_crashes(const volatile uint8_t *p)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);	/* cmocka would catch it */
		(void)*p;
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* The raw CPU mapping of the BAR faults for real while isolated. */
static void raw_access_faults_while_isolated(void **state)
{
	struct pci_fixture *x = *state;
	const uint8_t *va = dmb_mem_region_vaddr(dmb_pci_bar(x->pci, 0));

	assert_false(raw_read_crashes(va));
	assert_int_equal(dmb_pci_set_decode(x->pci, false), 0);
	assert_true(raw_read_crashes(va));
	assert_int_equal(dmb_pci_set_decode(x->pci, true), 0);
	assert_false(raw_read_crashes(va));
}

/* A peer's DMA to the BAR faults while the function is in D3hot and works in D0. */
static void peer_dma_faults_while_isolated(void **state)
{
	struct pci_fixture *x = *state;
	struct dmb_hw_device_info info = { .name = "nic0", .p2p = true };
	struct dmb_hw_device *nic = dmb_hw_device_create(x->f->space, &info);
	struct dmb_iommu_domain *d = dmb_hw_device_domain(nic);
	uint64_t bar = dmb_mem_region_base(dmb_pci_bar(x->pci, 0));
	struct dmb_dma_target t = { .addr = 0x10000000 };
	struct dmb_iommu_fault rec;
	uint8_t byte = 7;

	assert_int_equal(dmb_iommu_map(d, t.addr, bar, BAR_SIZE, DMB_IOMMU_WRITE), 0);
	assert_int_equal(dmb_pci_set_power(x->pci, DMB_PCI_D3HOT), 0);
	assert_int_equal(dmb_dma_write(nic, &t, &byte, 1), -EFAULT);
	assert_int_equal(dmb_iommu_faults(d, &rec, 1), 1);
	assert_int_equal(rec.reason, DMB_IOMMU_FAULT_ISOLATED);
	assert_string_equal(rec.device, "nic0");
	assert_int_equal(dmb_pci_set_power(x->pci, DMB_PCI_D0), 0);
	assert_int_equal(dmb_dma_write(nic, &t, &byte, 1), 0);
	assert_int_equal(*(uint8_t *)dmb_mem_region_vaddr(dmb_pci_bar(x->pci, 0)), 7);
	/* A BAR an IOMMU maps cannot go away: destroy closes, then refuses. */
	assert_int_equal(dmb_pci_function_destroy(x->pci), -EBUSY);
	th_assert_warned("while an IOMMU still maps 16 of its pages");
	assert_int_equal(dmb_iommu_unmap(d, t.addr, BAR_SIZE), 0);
	assert_int_equal(dmb_hw_device_destroy(nic), 0);
}

/*
 * Going dark is heard before (the BAR still readable in the callback),
 * coming back after (readable again), changes while dark after; all
 * subscribers in subscription order; no change, no event.
 */
static void subscribers_hear_changes_in_order(void **state)
{
	struct pci_fixture *x = *state;
	char order[64] = "";
	struct recorder a = { .nb.notify = record, .name = "a", .order = order };
	struct recorder b = { .nb.notify = record, .name = "b", .order = order };

	assert_int_equal(dmb_pci_subscribe(x->pci, &a.nb), 0);
	assert_int_equal(dmb_pci_subscribe(x->pci, &b.nb), 0);
	assert_int_equal(dmb_pci_set_power(x->pci, DMB_PCI_D0), 0);	/* no change */
	assert_int_equal(dmb_pci_set_power(x->pci, DMB_PCI_D3HOT), 0);
	assert_int_equal(dmb_pci_set_decode(x->pci, false), 0);
	assert_int_equal(dmb_pci_set_power(x->pci, DMB_PCI_D0), 0);
	assert_int_equal(dmb_pci_set_decode(x->pci, true), 0);
	assert_string_equal(order, "abababab");
	assert_int_equal(a.n, 4);
	assert_memory_equal(&a.events, &b.events, sizeof(a.events));

	assert_int_equal(a.events[0].reason, DMB_PCI_EVENT_POWER);
	assert_true(a.events[0].before);
	assert_int_equal(a.events[0].old_state.power, DMB_PCI_D0);
	assert_int_equal(a.events[0].new_state.power, DMB_PCI_D3HOT);
	assert_int_equal(a.bar_read[0], 0);		/* still accessible */

	assert_int_equal(a.events[1].reason, DMB_PCI_EVENT_DECODE);
	assert_false(a.events[1].before);		/* already dark */
	assert_false(a.events[1].new_state.decode);
	assert_int_equal(a.bar_read[1], -EIO);

	assert_int_equal(a.events[2].reason, DMB_PCI_EVENT_POWER);
	assert_false(a.events[2].before);		/* still dark: decode is off */
	assert_int_equal(a.bar_read[2], -EIO);

	assert_int_equal(a.events[3].reason, DMB_PCI_EVENT_DECODE);
	assert_false(a.events[3].before);		/* coming back: after */
	assert_int_equal(a.bar_read[3], 0);

	dmb_pci_unsubscribe(x->pci, &a.nb);
	assert_int_equal(dmb_pci_set_decode(x->pci, false), 0);
	assert_int_equal(a.n, 4);
	assert_int_equal(b.n, 5);
	dmb_pci_unsubscribe(x->pci, &b.nb);
}

/* A reset window restores the configuration from before it; nested resets are refused. */
static void flr_restores_the_state(void **state)
{
	struct pci_fixture *x = *state;
	struct recorder r = { .nb.notify = record };
	struct dmb_pci_state s;

	assert_int_equal(dmb_pci_set_decode(x->pci, false), 0);
	assert_int_equal(dmb_pci_subscribe(x->pci, &r.nb), 0);
	assert_int_equal(dmb_pci_flr_end(x->pci), -EINVAL);
	th_assert_warned("a reset that was not begun");
	assert_int_equal(dmb_pci_flr_begin(x->pci), 0);
	assert_int_equal(dmb_pci_flr_begin(x->pci), -EBUSY);
	assert_int_equal(dmb_pci_set_decode(x->pci, true), 0);	/* during reset */
	assert_int_equal(dmb_pci_flr_end(x->pci), 0);
	dmb_pci_get_state(x->pci, &s);
	assert_false(s.decode);					/* as before the reset */
	assert_false(s.in_reset);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.events[0].reason, DMB_PCI_EVENT_FLR_BEGIN);
	assert_true(r.events[0].new_state.in_reset);
	assert_int_equal(r.events[2].reason, DMB_PCI_EVENT_FLR_END);
	assert_true(r.events[2].old_state.decode);
	assert_false(r.events[2].new_state.decode);
	dmb_pci_unsubscribe(x->pci, &r.nb);
}

/* Close is heard before it takes effect and is permanent. */
static void close_is_permanent(void **state)
{
	struct pci_fixture *x = *state;
	struct recorder r = { .nb.notify = record };

	assert_int_equal(dmb_pci_subscribe(x->pci, &r.nb), 0);
	assert_int_equal(dmb_pci_close(x->pci), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.events[0].reason, DMB_PCI_EVENT_CLOSE);
	assert_true(r.events[0].before);
	assert_int_equal(r.bar_read[0], 0);
	assert_true(dmb_pci_is_isolated(x->pci));
	assert_int_equal(dmb_pci_close(x->pci), -ENODEV);
	assert_int_equal(dmb_pci_set_power(x->pci, DMB_PCI_D0), -ENODEV);
	assert_int_equal(dmb_pci_flr_begin(x->pci), -ENODEV);
	assert_int_equal(r.n, 1);
	dmb_pci_unsubscribe(x->pci, &r.nb);
}

/* A subscriber that changes the state of the same function is refused, not deadlocked. */
static void reentrant_transition_refused(void **state)
{
	struct pci_fixture *x = *state;
	struct recorder r = { .nb.notify = record, .reenter = 1 };

	assert_int_equal(dmb_pci_subscribe(x->pci, &r.nb), 0);
	assert_int_equal(dmb_pci_set_power(x->pci, DMB_PCI_D3HOT), 0);
	assert_int_equal(r.reenter_ret, -EDEADLK);
	th_assert_warned("from its own subscriber callback");
	assert_int_equal(dmb_pci_set_power(x->pci, 7), -EINVAL);
	th_assert_warned("no power state 7");
	dmb_pci_unsubscribe(x->pci, &r.nb);
	assert_int_equal(dmb_pci_subscribe(x->pci, &(struct dmb_pci_notifier){ 0 }), -EINVAL);
	th_assert_warned("without a callback");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		PCI_TEST(starts_accessible),
		PCI_TEST(isolated_bar_refuses_cpu_access),
		PCI_TEST(raw_access_faults_while_isolated),
		PCI_TEST(peer_dma_faults_while_isolated),
		PCI_TEST(subscribers_hear_changes_in_order),
		PCI_TEST(flr_restores_the_state),
		PCI_TEST(close_is_permanent),
		PCI_TEST(reentrant_transition_refused),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
