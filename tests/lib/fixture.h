/* SPDX-License-Identifier: MIT */
/*
 * fixture.h - the one fixture the hardware, exporter and driver tests
 * share, and the claims every reporting test makes.
 *
 * struct hw_fixture: a virtual clock (also the checker's, which is reset),
 * an address space on it with HW_RAM_SIZE of system RAM, and the simulated
 * devices a case asks for with hw_device(). Every case gets fresh objects
 * and the harness's recording sink. Teardown first joins the case's
 * threads (harness.h: the fixture rule), then destroys the devices, RAM,
 * space and clock in reverse order, and fails the case if an object cannot
 * go (a region still mapped, say) or, for the exporter tests (exp_setup()),
 * if RAM was not all given back. A test
 * file with objects of its own wraps hw_setup()/hw_teardown() and keeps
 * them in @priv or a struct that points at the fixture; its teardown calls
 * th_teardown_threads() before it destroys them.
 */
#ifndef DMABUF_TEST_FIXTURE_H
#define DMABUF_TEST_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <dmabuf/check.h>
#include <dmabuf/clock.h>
#include <dmabuf/dma-buf.h>
#include <dmabuf/dma-resv.h>
#include <dmabuf/hw/hw-device.h>
#include <dmabuf/hw/mem-region.h>
#include <dmabuf/hw/phys-space.h>

#include "harness.h"

#define HW_START_NS	NSEC_PER_SEC
#define HW_RAM_SIZE	(16ULL << 20)
#define HW_MAX_DEVS	4

struct hw_fixture {
	struct dmb_clock *clock;
	struct dmb_phys_space *space;
	struct dmb_mem_region *ram;
	struct dmb_hw_device *devs[HW_MAX_DEVS];	/* hw_device()'s, for teardown */
	unsigned int ndevs;
	bool check_ram;			/* teardown fails if RAM was not all freed */
	void *priv;			/* the test file's own objects */
};

int hw_setup(void **state);
int exp_setup(void **state);	/* hw_setup(), and RAM must all be freed */
int hw_teardown(void **state);

#define HW_TEST(fn) cmocka_unit_test_setup_teardown(fn, hw_setup, hw_teardown)

/*
 * hw_device - a device with its own DMA domain and @engines engines whose
 * jobs take 1 us of virtual time; destroyed in teardown (asserted)
 */
struct dmb_hw_device *hw_device(struct hw_fixture *f, const char *name,
				bool p2p, unsigned int engines);

/* hw_alloc - @n pages of @r (asserted); Return: the physical address */
uint64_t hw_alloc(struct dmb_mem_region *r, uint64_t n);

/* hw_fill - fill a range so that byte i is (@seed + i * 7) & 0xff */
void hw_fill(struct dmb_phys_space *space, uint64_t phys, uint64_t len,
	     unsigned int seed);

/* hw_holds - true if the range holds what hw_fill(@seed) wrote */
bool hw_holds(struct dmb_phys_space *space, uint64_t phys, uint64_t len,
	      unsigned int seed);

/* th_add_fence - add @fence to @buf's resv with @usage (asserted) */
void th_add_fence(struct dma_buf *buf, struct dma_fence *fence,
		  enum dma_resv_usage usage);

/*
 * th_claim_violation - the case raised exactly one violation, of @kind,
 * and nothing else: its record blames @importer (if not NULL), the sink got
 * its report, containing @needle. Claims it and resets the checker.
 */
void th_claim_violation(enum dmb_violation kind, const char *importer,
			const char *needle);

/*
 * th_lock_waiters - threads blocked on @lock now (read under its wait_lock):
 * how a case knows another thread reached a lock it holds
 */
unsigned int th_lock_waiters(struct ww_mutex *lock);

#endif /* DMABUF_TEST_FIXTURE_H */
