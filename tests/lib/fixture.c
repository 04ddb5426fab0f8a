// SPDX-License-Identifier: MIT
/*
 * fixture.c - the shared hardware fixture and violation claims (fixture.h).
 *
 * Locking: the fixture belongs to the case's main thread; its threads only
 * use the objects, which are destroyed after th_teardown_threads().
 */
#include <stdlib.h>

#include "fixture.h"

int hw_setup(void **state)
{
	struct hw_fixture *f = calloc(1, sizeof(*f));
	struct dmb_mem_region_info ram = { .name = "ram", .size = HW_RAM_SIZE };

	if (!f)
		return -1;
	*state = f;
	f->clock = dmb_clock_create_virtual(HW_START_NS);
	f->space = f->clock ? dmb_phys_space_create(f->clock) : NULL;
	f->ram = f->space ? dmb_mem_region_create(f->space, &ram) : NULL;
	if (!f->ram)
		return -1;
	dmb_check_set_clock(f->clock);
	dmb_check_reset();
	return th_setup(state);
}

int exp_setup(void **state)
{
	int ret = hw_setup(state);

	if (!ret)
		((struct hw_fixture *)*state)->check_ram = true;
	return ret;
}

int hw_teardown(void **state)
{
	struct hw_fixture *f = *state;
	int ret = th_teardown_threads();
	uint64_t lost = HW_RAM_SIZE - dmb_mem_region_free_bytes(f->ram);

	if (f->check_ram && lost) {
		print_error("%llu bytes of RAM not freed\n", (unsigned long long)lost);
		ret = -1;
	}
	while (f->ndevs)
		if (dmb_hw_device_destroy(f->devs[--f->ndevs]))
			ret = -1;
	if (dmb_mem_region_destroy(f->ram) || dmb_phys_space_destroy(f->space))
		ret = -1;
	dmb_check_set_clock(NULL);
	dmb_clock_destroy(f->clock);
	free(f);
	return th_teardown(state) || ret ? -1 : 0;
}

struct dmb_hw_device *hw_device(struct hw_fixture *f, const char *name,
				bool p2p, unsigned int engines)
{
	struct dmb_hw_device_info info = {
		.name = name, .p2p = p2p, .nr_engines = engines,
		.timing = { .fixed_ns = NSEC_PER_USEC },
	};
	struct dmb_hw_device *dev;

	assert_true(f->ndevs < HW_MAX_DEVS);
	dev = dmb_hw_device_create(f->space, &info);
	assert_non_null(dev);
	f->devs[f->ndevs++] = dev;
	return dev;
}

uint64_t hw_alloc(struct dmb_mem_region *r, uint64_t n)
{
	uint64_t phys = 0;

	assert_int_equal(dmb_mem_alloc(r, n * DMB_PAGE_SIZE, &phys), 0);
	return phys;
}

void hw_fill(struct dmb_phys_space *space, uint64_t phys, uint64_t len,
	     unsigned int seed)
{
	uint8_t *p = dmb_phys_to_virt(space, phys, len);

	assert_non_null(p);
	for (uint64_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

bool hw_holds(struct dmb_phys_space *space, uint64_t phys, uint64_t len,
	      unsigned int seed)
{
	const uint8_t *p = dmb_phys_to_virt(space, phys, len);

	assert_non_null(p);
	for (uint64_t i = 0; i < len; i++)
		if (p[i] != (uint8_t)(seed + i * 7))
			return false;
	return true;
}

void th_add_fence(struct dma_buf *buf, struct dma_fence *fence,
		  enum dma_resv_usage usage)
{
	struct dma_resv *resv = dma_buf_resv(buf);

	assert_int_equal(dma_resv_lock(resv, NULL), 0);
	assert_int_equal(dma_resv_reserve_fences(resv, 1), 0);
	dma_resv_add_fence(resv, fence, usage);
	dma_resv_unlock(resv);
}

unsigned int th_lock_waiters(struct ww_mutex *lock)
{
	unsigned int n;

	pthread_mutex_lock(&lock->wait_lock);
	n = lock->waiters;
	pthread_mutex_unlock(&lock->wait_lock);
	return n;
}

void th_claim_violation(enum dmb_violation kind, const char *importer,
			const char *needle)
{
	struct dmb_check_record rec;

	assert_int_equal(dmb_check_count(kind), 1);
	assert_int_equal(dmb_check_total(), 1);
	assert_int_equal(dmb_check_records(&rec, 1), 1);
	assert_int_equal(rec.kind, kind);
	if (importer)
		assert_string_equal(rec.importer, importer);
	assert_true(th_take_report(DMB_DIAG_VIOLATION, needle));
	assert_int_equal(th_count_reports(DMB_DIAG_VIOLATION), 0);
	dmb_check_reset();
}
