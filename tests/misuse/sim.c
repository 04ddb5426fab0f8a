// SPDX-License-Identifier: MIT
/*
 * sim.c - the simulated machine of test-misuse-sim (sim.h). Every helper
 * asserts its set-up: a case whose set-up fails ends its child with a
 * failure, never with a wrong verdict.
 *
 * Locking: the child's one thread only.
 */
#include <stdlib.h>

#include "harness.h"
#include "mock-exporter.h"
#include "sim.h"

static struct dmb_phys_space *space;
static struct dmb_mem_region *ram;

struct dmb_phys_space *sim_space(void)
{
	struct dmb_mem_region_info info = { .name = "ram", .size = SIM_RAM_SIZE };
	struct dmb_clock *clock;

	if (space)
		return space;
	clock = dmb_clock_create_virtual(NSEC_PER_SEC);
	assert_non_null(clock);
	space = dmb_phys_space_create(clock);
	assert_non_null(space);
	ram = dmb_mem_region_create(space, &info);
	assert_non_null(ram);
	return space;
}

struct dmb_mem_region *sim_ram(void)
{
	sim_space();
	return ram;
}

struct dmb_hw_device *sim_device(const char *name, bool p2p, unsigned int engines)
{
	struct dmb_hw_device_info info = {
		.name = name, .p2p = p2p, .nr_engines = engines,
	};
	struct dmb_hw_device *dev = dmb_hw_device_create(sim_space(), &info);

	assert_non_null(dev);
	return dev;
}

struct dmb_pci_function *sim_pci(void)
{
	struct dmb_pci_function_info info = {
		.dev = { .name = "vf0", .p2p = true },
		.bar_size = { [0] = SIM_BAR_SIZE },
	};
	struct dmb_pci_function *pci = dmb_pci_function_create(sim_space(), &info);

	assert_non_null(pci);
	return pci;
}

struct dma_buf *sim_foreign_buf(void)
{
	static struct mock_exporter me;
	struct dma_buf *buf = mock_export(&me, "foreign", 4096, 0);

	assert_non_null(buf);
	return buf;
}

struct device *sim_foreign_dev(void)
{
	static struct mock_importer imp;

	mock_importer_init(&imp, "mock-device");
	return &imp.dev;
}
