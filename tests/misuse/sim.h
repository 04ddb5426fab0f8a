/* SPDX-License-Identifier: MIT */
/*
 * sim.h - the simulated machine the cases of test-misuse-sim misuse: a
 * virtual clock, an address space on it with system RAM, devices, a PCI
 * function and the reference exporters over them. Built in the child of
 * each case (misuse.h), never torn down: the child exits without clean-up.
 * (Not the shared hw_fixture of tests/lib/fixture.h: its set-up installs
 * the harness's recording sink, which would hide the child's reports from
 * the runner.)
 *
 * Locking: the child's one thread only.
 */
#ifndef DMABUF_TEST_MISUSE_SIM_H
#define DMABUF_TEST_MISUSE_SIM_H

#include <stdint.h>

#include <dmabuf/dma-buf.h>
#include <dmabuf/hw/hw-device.h>
#include <dmabuf/hw/mem-region.h>
#include <dmabuf/hw/pci.h>
#include <dmabuf/hw/phys-space.h>

#define SIM_RAM_SIZE	(1ULL << 20)
#define SIM_BAR_SIZE	(64ULL << 10)

struct dmb_phys_space *sim_space(void);	/* with a RAM region */
struct dmb_mem_region *sim_ram(void);
/* a new device with its own DMA domain and @engines engines */
struct dmb_hw_device *sim_device(const char *name, bool p2p, unsigned int engines);
/* a new PCI function with BAR 0 of SIM_BAR_SIZE, in D0 with decode on */
struct dmb_pci_function *sim_pci(void);
/* a buffer of a mock exporter: not one of the simulated exporters' */
struct dma_buf *sim_foreign_buf(void);
/* a struct device that is not a simulated device's */
struct device *sim_foreign_dev(void);

#endif /* DMABUF_TEST_MISUSE_SIM_H */
