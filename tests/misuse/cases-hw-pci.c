// SPDX-License-Identifier: MIT
/*
 * cases-hw-pci.c - misuse of hw/pci.h, hw/dma-access.h, hw/dma-engine.h
 * and hw/dma-mapping.h: NULL functions, devices, engines, jobs, tables and
 * out-pointers; PCI transitions in the wrong state (a reset ended that was
 * not begun, one begun twice, anything after close, an unsubscribe of a
 * notifier never subscribed); BAR accesses and DMA whose range is outside
 * the BAR or wraps past 2^64; an unmap of a table that is not mapped.
 */
#include <string.h>
#include <unistd.h>

#include <dmabuf/hw/dma-access.h>
#include <dmabuf/hw/dma-engine.h>
#include <dmabuf/hw/dma-mapping.h>
#include <dmabuf/hw/pci.h>

#include "misuse.h"
#include "mock-fence.h"
#include "sim.h"

static void notify_nothing(struct dmb_pci_notifier *nb, struct dmb_pci_function *pci,
			   const struct dmb_pci_event *event)
{
	(void)nb;
	(void)pci;
	(void)event;
}

static struct dmb_pci_function *closed_pci(void)
{
	struct dmb_pci_function *pci = sim_pci();

	if (dmb_pci_close(pci))
		_exit(124);
	return pci;
}

/* pci.h */

MISUSE_CASE(dmb_pci_state_isolated, null, MISUSE_REPORTED)
{
	/* Nothing reaches the BARs of a function nobody knows the state of. */
	return dmb_pci_state_isolated(NULL);
}

MISUSE_CASE(dmb_pci_function_create, null_space, MISUSE_REPORTED)
{
	struct dmb_pci_function_info info = { .dev = { .name = "vf" } };

	return !dmb_pci_function_create(NULL, &info) && errno == EINVAL;
}

MISUSE_CASE(dmb_pci_function_create, null_info, MISUSE_REPORTED)
{
	return !dmb_pci_function_create(sim_space(), NULL) && errno == EINVAL;
}

MISUSE_CASE(dmb_pci_function_create, unaligned_bar, MISUSE_REPORTED)
{
	struct dmb_pci_function_info info = {
		.dev = { .name = "vf" }, .bar_size = { [1] = 100 },
	};

	return !dmb_pci_function_create(sim_space(), &info) && errno == EINVAL;
}

MISUSE_CASE(dmb_pci_function_destroy, null_ignored, MISUSE_SILENT)
{
	return dmb_pci_function_destroy(NULL) == 0;
}

MISUSE_CASE(dmb_pci_function_destroy, bar_still_mapped, MISUSE_REPORTED)
{
	struct dmb_pci_function *pci = sim_pci();
	struct dmb_iommu_domain *d = dmb_iommu_domain_alloc(sim_space(),
							   DMB_IOMMU_DOMAIN_DMA);

	if (!d || dmb_iommu_map(d, DMB_IOVA_START,
				dmb_mem_region_base(dmb_pci_bar(pci, 0)),
				DMB_PAGE_SIZE, DMB_IOMMU_READ))
		return false;
	return dmb_pci_function_destroy(pci) == -EBUSY && dmb_pci_bar(pci, 0);
}

/* Refused without reading the freed function (live.c). */
MISUSE_CASE(dmb_pci_function_destroy, twice, MISUSE_REPORTED)
{
	struct dmb_pci_function *pci = sim_pci();

	return !dmb_pci_function_destroy(pci) && dmb_pci_function_destroy(pci) == -EINVAL;
}

/* The device of a destroyed function went with it. */
MISUSE_CASE(dmb_hw_device_destroy, of_destroyed_pci_function, MISUSE_REPORTED)
{
	struct dmb_pci_function *pci = sim_pci();
	struct dmb_hw_device *dev = dmb_pci_function_device(pci);

	return !dmb_pci_function_destroy(pci) && dmb_hw_device_destroy(dev) == -EINVAL;
}

MISUSE_CASE(dmb_pci_function_device, null, MISUSE_REPORTED)
{
	return !dmb_pci_function_device(NULL);
}

MISUSE_CASE(dmb_pci_function_from_device, null, MISUSE_REPORTED)
{
	return !dmb_pci_function_from_device(NULL);
}

/* Documented as the question "is it a PCI function's?". */
MISUSE_CASE(dmb_pci_function_from_device, plain_device, MISUSE_SILENT)
{
	return !dmb_pci_function_from_device(sim_device("dev", false, 0));
}

MISUSE_CASE(dmb_pci_bar, null, MISUSE_REPORTED)
{
	return !dmb_pci_bar(NULL, 0) && errno == EINVAL;
}

/* Documented: a BAR the function does not have is NULL and EINVAL, a lookup. */
MISUSE_CASE(dmb_pci_bar, no_such_bar, MISUSE_SILENT)
{
	struct dmb_pci_function *pci = sim_pci();

	return !dmb_pci_bar(pci, DMB_PCI_NUM_BARS) && errno == EINVAL &&
	       !dmb_pci_bar(pci, 1) && errno == EINVAL;
}

MISUSE_CASE(dmb_pci_get_state, null_pci, MISUSE_REPORTED)
{
	struct dmb_pci_state s = { .decode = true };

	dmb_pci_get_state(NULL, &s);
	/* the state of a function that is not there: isolated */
	return dmb_pci_state_isolated(&s);
}

MISUSE_CASE(dmb_pci_get_state, null_state, MISUSE_REPORTED)
{
	dmb_pci_get_state(sim_pci(), NULL);
	return true;
}

MISUSE_CASE(dmb_pci_is_isolated, null, MISUSE_REPORTED)
{
	return dmb_pci_is_isolated(NULL);
}

MISUSE_CASE(dmb_pci_set_power, null, MISUSE_REPORTED)
{
	return dmb_pci_set_power(NULL, DMB_PCI_D3HOT) == -EINVAL;
}

MISUSE_CASE(dmb_pci_set_power, bad_state, MISUSE_REPORTED)
{
	struct dmb_pci_function *pci = sim_pci();

	return dmb_pci_set_power(pci, (enum dmb_pci_power)5) == -EINVAL &&
	       !dmb_pci_is_isolated(pci);
}

/* A state another thread can cause (a close, a reset): the documented error. */
MISUSE_CASE(dmb_pci_set_power, closed, MISUSE_SILENT)
{
	return dmb_pci_set_power(closed_pci(), DMB_PCI_D0) == -ENODEV;
}

MISUSE_CASE(dmb_pci_set_decode, null, MISUSE_REPORTED)
{
	return dmb_pci_set_decode(NULL, false) == -EINVAL;
}

/* A state another thread can cause (a close, a reset): the documented error. */
MISUSE_CASE(dmb_pci_set_decode, closed, MISUSE_SILENT)
{
	return dmb_pci_set_decode(closed_pci(), true) == -ENODEV;
}

MISUSE_CASE(dmb_pci_flr_begin, null, MISUSE_REPORTED)
{
	return dmb_pci_flr_begin(NULL) == -EINVAL;
}

/* A state another thread can cause (a close, a reset): the documented error. */
MISUSE_CASE(dmb_pci_flr_begin, twice, MISUSE_SILENT)
{
	struct dmb_pci_function *pci = sim_pci();

	return !dmb_pci_flr_begin(pci) && dmb_pci_flr_begin(pci) == -EBUSY;
}

/* A state another thread can cause (a close, a reset): the documented error. */
MISUSE_CASE(dmb_pci_flr_begin, closed, MISUSE_SILENT)
{
	return dmb_pci_flr_begin(closed_pci()) == -ENODEV;
}

MISUSE_CASE(dmb_pci_flr_end, null, MISUSE_REPORTED)
{
	return dmb_pci_flr_end(NULL) == -EINVAL;
}

MISUSE_CASE(dmb_pci_flr_end, not_in_reset, MISUSE_REPORTED)
{
	struct dmb_pci_function *pci = sim_pci();

	return dmb_pci_flr_end(pci) == -EINVAL && !dmb_pci_is_isolated(pci);
}

MISUSE_CASE(dmb_pci_close, null, MISUSE_REPORTED)
{
	return dmb_pci_close(NULL) == -EINVAL;
}

/* A state another thread can cause (a close, a reset): the documented error. */
MISUSE_CASE(dmb_pci_close, twice, MISUSE_SILENT)
{
	return dmb_pci_close(closed_pci()) == -ENODEV;
}

MISUSE_CASE(dmb_pci_subscribe, null_pci, MISUSE_REPORTED)
{
	static struct dmb_pci_notifier nb = { .notify = notify_nothing };

	return dmb_pci_subscribe(NULL, &nb) == -EINVAL;
}

MISUSE_CASE(dmb_pci_subscribe, null_notifier, MISUSE_REPORTED)
{
	return dmb_pci_subscribe(sim_pci(), NULL) == -EINVAL;
}

MISUSE_CASE(dmb_pci_subscribe, null_callback, MISUSE_REPORTED)
{
	static struct dmb_pci_notifier nb;

	return dmb_pci_subscribe(sim_pci(), &nb) == -EINVAL;
}

MISUSE_CASE(dmb_pci_subscribe, twice, MISUSE_REPORTED)
{
	static struct dmb_pci_notifier nb = { .notify = notify_nothing };
	struct dmb_pci_function *pci = sim_pci();

	/* a second link of the same node would corrupt the list */
	return !dmb_pci_subscribe(pci, &nb) && dmb_pci_subscribe(pci, &nb) == -EBUSY &&
	       !dmb_pci_set_decode(pci, false);
}

MISUSE_CASE(dmb_pci_unsubscribe, null_pci, MISUSE_REPORTED)
{
	static struct dmb_pci_notifier nb = { .notify = notify_nothing };

	dmb_pci_unsubscribe(NULL, &nb);
	return true;
}

MISUSE_CASE(dmb_pci_unsubscribe, null_notifier, MISUSE_REPORTED)
{
	dmb_pci_unsubscribe(sim_pci(), NULL);
	return true;
}

MISUSE_CASE(dmb_pci_unsubscribe, not_subscribed, MISUSE_REPORTED)
{
	static struct dmb_pci_notifier nb = { .notify = notify_nothing };
	struct dmb_pci_function *pci = sim_pci();

	dmb_pci_unsubscribe(pci, &nb);
	return !dmb_pci_set_decode(pci, false);
}

MISUSE_CASE(dmb_pci_unsubscribe, twice, MISUSE_REPORTED)
{
	static struct dmb_pci_notifier nb = { .notify = notify_nothing };
	struct dmb_pci_function *pci = sim_pci();

	if (dmb_pci_subscribe(pci, &nb))
		return false;
	dmb_pci_unsubscribe(pci, &nb);
	dmb_pci_unsubscribe(pci, &nb);
	return !dmb_pci_set_decode(pci, false);
}

MISUSE_CASE(dmb_pci_bar_read, null_pci, MISUSE_REPORTED)
{
	char buf[8];

	return dmb_pci_bar_read(NULL, 0, 0, buf, sizeof(buf)) == -EINVAL;
}

MISUSE_CASE(dmb_pci_bar_read, null_buf, MISUSE_REPORTED)
{
	return dmb_pci_bar_read(sim_pci(), 0, 0, NULL, 8) == -EINVAL;
}

MISUSE_CASE(dmb_pci_bar_read, no_such_bar, MISUSE_REPORTED)
{
	char buf[8];

	return dmb_pci_bar_read(sim_pci(), DMB_PCI_NUM_BARS, 0, buf, sizeof(buf)) ==
	       -EINVAL;
}

MISUSE_CASE(dmb_pci_bar_read, wrapping_range, MISUSE_REPORTED)
{
	char buf[8];

	return dmb_pci_bar_read(sim_pci(), 0, UINT64_MAX - 3, buf, sizeof(buf)) ==
	       -EINVAL;
}

MISUSE_CASE(dmb_pci_bar_read, past_the_end, MISUSE_REPORTED)
{
	char buf[8];

	return dmb_pci_bar_read(sim_pci(), 0, SIM_BAR_SIZE - 4, buf, sizeof(buf)) ==
	       -EINVAL;
}

MISUSE_CASE(dmb_pci_bar_write, null_pci, MISUSE_REPORTED)
{
	char buf[8] = { 0 };

	return dmb_pci_bar_write(NULL, 0, 0, buf, sizeof(buf)) == -EINVAL;
}

MISUSE_CASE(dmb_pci_bar_write, null_buf, MISUSE_REPORTED)
{
	return dmb_pci_bar_write(sim_pci(), 0, 0, NULL, 8) == -EINVAL;
}

MISUSE_CASE(dmb_pci_bar_write, wrapping_range, MISUSE_REPORTED)
{
	char buf[8] = { 0 };

	return dmb_pci_bar_write(sim_pci(), 0, UINT64_MAX - 3, buf, sizeof(buf)) ==
	       -EINVAL;
}

MISUSE_CASE(dmb_pci_bar_write, past_the_end, MISUSE_REPORTED)
{
	char buf[8] = { 0 };

	return dmb_pci_bar_write(sim_pci(), 0, SIM_BAR_SIZE - 4, buf, sizeof(buf)) ==
	       -EINVAL;
}

/* dma-access.h */

MISUSE_CASE(dmb_dma_read, null_device, MISUSE_REPORTED)
{
	struct dmb_dma_target src = { .addr = DMB_IOVA_START };
	char buf[8];

	return dmb_dma_read(NULL, &src, buf, sizeof(buf)) == -EINVAL;
}

MISUSE_CASE(dmb_dma_read, null_target, MISUSE_REPORTED)
{
	char buf[8];

	return dmb_dma_read(sim_device("dev", false, 0), NULL, buf, sizeof(buf)) ==
	       -EINVAL;
}

MISUSE_CASE(dmb_dma_read, null_buf, MISUSE_REPORTED)
{
	struct dmb_dma_target src = { .addr = DMB_IOVA_START };

	return dmb_dma_read(sim_device("dev", false, 0), &src, NULL, 8) == -EINVAL;
}

MISUSE_CASE(dmb_dma_read, wrapping_range, MISUSE_REPORTED)
{
	struct dmb_dma_target src = { .addr = UINT64_MAX - 3 };
	char buf[8];

	return dmb_dma_read(sim_device("dev", false, 0), &src, buf, sizeof(buf)) ==
	       -EINVAL;
}

MISUSE_CASE(dmb_dma_write, null_device, MISUSE_REPORTED)
{
	struct dmb_dma_target dst = { .addr = DMB_IOVA_START };
	char buf[8] = { 0 };

	return dmb_dma_write(NULL, &dst, buf, sizeof(buf)) == -EINVAL;
}

MISUSE_CASE(dmb_dma_write, null_target, MISUSE_REPORTED)
{
	char buf[8] = { 0 };

	return dmb_dma_write(sim_device("dev", false, 0), NULL, buf, sizeof(buf)) ==
	       -EINVAL;
}

MISUSE_CASE(dmb_dma_write, null_buf, MISUSE_REPORTED)
{
	struct dmb_dma_target dst = { .addr = DMB_IOVA_START };

	return dmb_dma_write(sim_device("dev", false, 0), &dst, NULL, 8) == -EINVAL;
}

MISUSE_CASE(dmb_dma_write, zero_length, MISUSE_REPORTED)
{
	struct dmb_dma_target dst = { .addr = DMB_IOVA_START };
	char buf[8] = { 0 };

	return dmb_dma_write(sim_device("dev", false, 0), &dst, buf, 0) == -EINVAL;
}

/* dma-engine.h */

static struct dmb_dma_engine *engine(void)
{
	return dmb_hw_device_engine(sim_device("dev", false, 1), 0);
}

MISUSE_CASE(dmb_dma_submit, null_engine, MISUSE_REPORTED)
{
	struct dmb_dma_job job = { .op = DMB_DMA_FILL, .len = 8 };

	return !dmb_dma_submit(NULL, &job) && errno == EINVAL;
}

MISUSE_CASE(dmb_dma_submit, null_job, MISUSE_REPORTED)
{
	return !dmb_dma_submit(engine(), NULL) && errno == EINVAL;
}

MISUSE_CASE(dmb_dma_submit, bad_op, MISUSE_REPORTED)
{
	struct dmb_dma_job job = { .op = (enum dmb_dma_op)9, .len = 8 };

	return !dmb_dma_submit(engine(), &job) && errno == EINVAL;
}

MISUSE_CASE(dmb_dma_submit, zero_length, MISUSE_REPORTED)
{
	struct dmb_dma_job job = { .op = DMB_DMA_FILL };

	return !dmb_dma_submit(engine(), &job) && errno == EINVAL;
}

MISUSE_CASE(dmb_dma_submit, wrapping_side, MISUSE_REPORTED)
{
	struct dmb_dma_job job = {
		.op = DMB_DMA_COPY, .len = 8,
		.dst = { .addr = DMB_IOVA_START },
		.src = { .addr = UINT64_MAX - 3 },
	};

	return !dmb_dma_submit(engine(), &job) && errno == EINVAL;
}

MISUSE_CASE(dmb_dma_submit, negative_time, MISUSE_REPORTED)
{
	struct dmb_dma_timing t = { .fixed_ns = -1 };
	struct dmb_dma_job job = { .op = DMB_DMA_FILL, .len = 8, .timing = &t };

	return !dmb_dma_submit(engine(), &job) && errno == EINVAL;
}

MISUSE_CASE(dmb_dma_fence_checksum, null_fence, MISUSE_REPORTED)
{
	uint64_t sum;

	return dmb_dma_fence_checksum(NULL, &sum) == -EINVAL;
}

MISUSE_CASE(dmb_dma_fence_checksum, null_sum, MISUSE_REPORTED)
{
	struct dmb_dma_job job = {
		.op = DMB_DMA_CHECKSUM, .len = 8, .src = { .addr = DMB_IOVA_START },
	};
	struct dma_fence *f = dmb_dma_submit(engine(), &job);

	return f && dmb_dma_fence_checksum(f, NULL) == -EINVAL;
}

MISUSE_CASE(dmb_dma_fence_checksum, foreign_fence, MISUSE_REPORTED)
{
	uint64_t sum;

	return dmb_dma_fence_checksum(mock_fence(), &sum) == -EINVAL;
}

MISUSE_CASE(dmb_dma_checksum, null_buf, MISUSE_REPORTED)
{
	return dmb_dma_checksum(NULL, 8) == 0;
}

MISUSE_CASE(dmb_dma_engine_set_timing, null_engine, MISUSE_REPORTED)
{
	struct dmb_dma_timing t = { 0 };

	return dmb_dma_engine_set_timing(NULL, &t) == -EINVAL;
}

MISUSE_CASE(dmb_dma_engine_set_timing, null_timing, MISUSE_REPORTED)
{
	return dmb_dma_engine_set_timing(engine(), NULL) == -EINVAL;
}

MISUSE_CASE(dmb_dma_engine_set_timing, negative_time, MISUSE_REPORTED)
{
	struct dmb_dma_timing t = { .fixed_ns = -5 };

	return dmb_dma_engine_set_timing(engine(), &t) == -EINVAL;
}

MISUSE_CASE(dmb_dma_engine_name, null, MISUSE_REPORTED)
{
	const char *name = dmb_dma_engine_name(NULL);

	return name && !strcmp(name, "(null)");
}

MISUSE_CASE(dmb_dma_engine_context, null, MISUSE_REPORTED)
{
	return dmb_dma_engine_context(NULL) == 0;
}

MISUSE_CASE(dmb_dma_engine_device, null, MISUSE_REPORTED)
{
	return !dmb_dma_engine_device(NULL);
}

/* dma-mapping.h */

static struct sg_table *ram_table(void)
{
	static struct sg_table sgt;
	uint64_t phys = 0;

	if (sg_alloc_table(&sgt, 1) ||
	    dmb_mem_alloc(sim_ram(), DMB_PAGE_SIZE, &phys))
		_exit(124);
	sgt.sgl[0].phys_addr = phys;
	sgt.sgl[0].length = DMB_PAGE_SIZE;
	return &sgt;
}

static struct device *dev(void)
{
	return dmb_hw_device_dev(sim_device("dev", false, 0));
}

MISUSE_CASE(dma_map_sgtable, null_dev, MISUSE_REPORTED)
{
	return dma_map_sgtable(NULL, ram_table(), DMA_TO_DEVICE, 0) == -EINVAL;
}

MISUSE_CASE(dma_map_sgtable, foreign_dev, MISUSE_REPORTED)
{
	return dma_map_sgtable(sim_foreign_dev(), ram_table(), DMA_TO_DEVICE, 0) ==
	       -EINVAL;
}

MISUSE_CASE(dma_map_sgtable, null_table, MISUSE_REPORTED)
{
	return dma_map_sgtable(dev(), NULL, DMA_TO_DEVICE, 0) == -EINVAL;
}

MISUSE_CASE(dma_map_sgtable, empty_table, MISUSE_REPORTED)
{
	struct sg_table sgt = { 0 };

	return dma_map_sgtable(dev(), &sgt, DMA_TO_DEVICE, 0) == -EINVAL;
}

MISUSE_CASE(dma_map_sgtable, dma_none, MISUSE_REPORTED)
{
	return dma_map_sgtable(dev(), ram_table(), DMA_NONE, 0) == -EINVAL;
}

MISUSE_CASE(dma_map_sgtable, wrapping_entry, MISUSE_REPORTED)
{
	struct sg_table *sgt = ram_table();

	sgt->sgl[0].length = UINT64_MAX & DMB_PAGE_MASK;
	return dma_map_sgtable(dev(), sgt, DMA_TO_DEVICE, 0) == -EINVAL;
}

MISUSE_CASE(dma_unmap_sgtable, null_dev, MISUSE_REPORTED)
{
	dma_unmap_sgtable(NULL, ram_table(), DMA_TO_DEVICE, 0);
	return true;
}

MISUSE_CASE(dma_unmap_sgtable, null_table, MISUSE_REPORTED)
{
	dma_unmap_sgtable(dev(), NULL, DMA_TO_DEVICE, 0);
	return true;
}

MISUSE_CASE(dma_unmap_sgtable, not_mapped, MISUSE_REPORTED)
{
	dma_unmap_sgtable(dev(), ram_table(), DMA_TO_DEVICE, 0);
	return true;
}

MISUSE_CASE(dma_unmap_sgtable, twice, MISUSE_REPORTED)
{
	struct sg_table *sgt = ram_table();
	struct device *d = dev();

	if (dma_map_sgtable(d, sgt, DMA_TO_DEVICE, 0))
		return false;
	dma_unmap_sgtable(d, sgt, DMA_TO_DEVICE, 0);
	dma_unmap_sgtable(d, sgt, DMA_TO_DEVICE, 0);
	return true;
}

MISUSE_CASE(dmb_dma_map_range, null_dev, MISUSE_REPORTED)
{
	struct sg_table sgt = { 0 };

	return dmb_dma_map_range(NULL, &sgt, dmb_mem_region_base(sim_ram()),
				 DMB_PAGE_SIZE, DMA_TO_DEVICE) == -EINVAL &&
	       !sgt.sgl;
}

MISUSE_CASE(dmb_dma_map_range, null_table, MISUSE_REPORTED)
{
	return dmb_dma_map_range(dev(), NULL, dmb_mem_region_base(sim_ram()),
				 DMB_PAGE_SIZE, DMA_TO_DEVICE) == -EINVAL;
}

MISUSE_CASE(dmb_dma_map_range, zero_length, MISUSE_REPORTED)
{
	struct sg_table sgt = { 0 };

	return dmb_dma_map_range(dev(), &sgt, dmb_mem_region_base(sim_ram()), 0,
				 DMA_TO_DEVICE) == -EINVAL && !sgt.sgl;
}

MISUSE_CASE(dmb_dma_map_range, wrapping_range, MISUSE_REPORTED)
{
	struct sg_table sgt = { 0 };

	return dmb_dma_map_range(dev(), &sgt, dmb_mem_region_base(sim_ram()),
				 UINT64_MAX & DMB_PAGE_MASK, DMA_TO_DEVICE) == -EINVAL &&
	       !sgt.sgl;
}

MISUSE_CASE(dmb_dma_unmap_range, null_dev, MISUSE_REPORTED)
{
	struct sg_table sgt = { 0 };
	struct device *d = dev();

	if (dmb_dma_map_range(d, &sgt, dmb_mem_region_base(sim_ram()),
			      DMB_PAGE_SIZE, DMA_TO_DEVICE))
		return false;
	dmb_dma_unmap_range(NULL, &sgt, DMA_TO_DEVICE);
	/* still mapped, entries kept */
	return sgt.sgl != NULL;
}

MISUSE_CASE(dmb_dma_unmap_range, null_table, MISUSE_REPORTED)
{
	dmb_dma_unmap_range(dev(), NULL, DMA_TO_DEVICE);
	return true;
}

MISUSE_CASE(dmb_dma_unmap_range, not_mapped, MISUSE_REPORTED)
{
	struct sg_table sgt = { 0 };

	dmb_dma_unmap_range(dev(), &sgt, DMA_TO_DEVICE);
	return true;
}

MISUSE_CASE(dmb_dma_unmap_range, twice, MISUSE_REPORTED)
{
	struct sg_table sgt = { 0 };
	struct device *d = dev();

	if (dmb_dma_map_range(d, &sgt, dmb_mem_region_base(sim_ram()),
			      DMB_PAGE_SIZE, DMA_TO_DEVICE))
		return false;
	dmb_dma_unmap_range(d, &sgt, DMA_TO_DEVICE);
	dmb_dma_unmap_range(d, &sgt, DMA_TO_DEVICE);
	return true;
}

/*
 * An isolated function's BARs are PROT_NONE: the guarded accessors and DMA
 * refuse rather than touch them. A state another thread can cause (a
 * reset, low power): the documented error, unreported.
 */

MISUSE_CASE(dmb_pci_bar_read, in_reset, MISUSE_SILENT)
{
	struct dmb_pci_function *pci = sim_pci();
	char buf[8];

	return !dmb_pci_flr_begin(pci) &&
	       dmb_pci_bar_read(pci, 0, 0, buf, sizeof(buf)) == -EIO;
}

MISUSE_CASE(dmb_pci_bar_write, powered_off, MISUSE_SILENT)
{
	struct dmb_pci_function *pci = sim_pci();
	char buf[8] = { 0 };

	return !dmb_pci_set_power(pci, DMB_PCI_D3HOT) &&
	       dmb_pci_bar_write(pci, 0, 0, buf, sizeof(buf)) == -EIO;
}

/* A fault is recorded in the domain's log, not reported: it is the device's. */
MISUSE_CASE(dmb_dma_write, isolated_bar, MISUSE_SILENT)
{
	struct dmb_pci_function *pci = sim_pci();
	struct dmb_hw_device *dev = sim_device("dev", true, 0);
	struct dmb_dma_target dst = { .addr = DMB_IOVA_START };
	char buf[8] = { 1 };

	if (dmb_iommu_map(dmb_hw_device_domain(dev), DMB_IOVA_START,
			  dmb_mem_region_base(dmb_pci_bar(pci, 0)), DMB_PAGE_SIZE,
			  DMB_IOMMU_WRITE) ||
	    dmb_pci_set_decode(pci, false))
		return false;
	return dmb_dma_write(dev, &dst, buf, sizeof(buf)) == -EFAULT &&
	       dmb_iommu_fault_count(dmb_hw_device_domain(dev)) == 1;
}
