/* SPDX-License-Identifier: MIT */
/*
 * hw-fixture.h - what the hw tests share: a virtual clock (also the
 * checker's), an address space on it, 16 MiB of system RAM, and helpers to
 * allocate, fill and verify memory through the CPU view.
 *
 * Every case runs with fresh objects and the harness's recording sink; the
 * teardown destroys them in reverse order and fails the case if one cannot
 * be destroyed (a region still mapped, say).
 */
#ifndef DMABUF_TEST_HW_FIXTURE_H
#define DMABUF_TEST_HW_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include <dmabuf/check.h>
#include <dmabuf/hw/mem-region.h>
#include <dmabuf/hw/phys-space.h>

#include "harness.h"

#define HW_START_NS	NSEC_PER_SEC
#define HW_RAM_SIZE	(16ULL << 20)

struct hw_fixture {
	struct dmb_clock *clock;
	struct dmb_phys_space *space;
	struct dmb_mem_region *ram;
	void *priv;		/* the test file's own objects */
};

static inline int hw_setup(void **state)
{
	struct hw_fixture *f = calloc(1, sizeof(*f));
	struct dmb_mem_region_info ram = { .name = "ram", .size = HW_RAM_SIZE };

	if (!f)
		return -1;
	f->clock = dmb_clock_create_virtual(HW_START_NS);
	f->space = f->clock ? dmb_phys_space_create(f->clock) : NULL;
	f->ram = f->space ? dmb_mem_region_create(f->space, &ram) : NULL;
	if (!f->ram)
		return -1;
	dmb_check_set_clock(f->clock);
	dmb_check_reset();
	*state = f;
	return th_setup(state);
}

static inline int hw_teardown(void **state)
{
	struct hw_fixture *f = *state;
	int ret = th_teardown(state);

	if (dmb_mem_region_destroy(f->ram) || dmb_phys_space_destroy(f->space))
		ret = -1;
	dmb_check_set_clock(NULL);
	dmb_clock_destroy(f->clock);
	free(f);
	return ret;
}

#define HW_TEST(fn) cmocka_unit_test_setup_teardown(fn, hw_setup, hw_teardown)

/* @n pages of @r, asserted. */
static inline uint64_t hw_alloc(struct dmb_mem_region *r, uint64_t n)
{
	uint64_t phys = 0;

	assert_int_equal(dmb_mem_alloc(r, n * DMB_PAGE_SIZE, &phys), 0);
	return phys;
}

/* Byte i of a range filled with @seed is (seed + i * 7) & 0xff. */
static inline void hw_fill(struct dmb_phys_space *space, uint64_t phys,
			   uint64_t len, unsigned int seed)
{
	uint8_t *p = dmb_phys_to_virt(space, phys, len);

	assert_non_null(p);
	for (uint64_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

/* True if the range holds what hw_fill(@seed) wrote, byte by byte. */
static inline bool hw_holds(struct dmb_phys_space *space, uint64_t phys,
			    uint64_t len, unsigned int seed)
{
	const uint8_t *p = dmb_phys_to_virt(space, phys, len);

	assert_non_null(p);
	for (uint64_t i = 0; i < len; i++)
		if (p[i] != (uint8_t)(seed + i * 7))
			return false;
	return true;
}

#endif /* DMABUF_TEST_HW_FIXTURE_H */
