// SPDX-License-Identifier: MIT
/*
 * cases-drivers.c - misuse of the reference drivers: drivers/heap.h,
 * drivers/importer.h, drivers/vfio-pci.h and drivers/vram.h (the
 * observer of drivers/exporter-events.h is a struct, nothing to call).
 * NULL exporters, buffers, devices and out-pointers; another exporter's
 * buffer handed to a driver's call; regions of the wrong kind; ranges
 * outside a buffer or BAR or wrapping past 2^64; the private phys call
 * without the resv lock; a destroy refused while buffers live.
 */
#include <string.h>
#include <unistd.h>

#include <dmabuf/dma-resv.h>
#include <dmabuf/drivers/heap.h>
#include <dmabuf/drivers/importer.h>
#include <dmabuf/drivers/vfio-pci.h>
#include <dmabuf/drivers/vram.h>

#include "misuse.h"
#include "sim.h"

static struct dma_buf *heap_buf(void)
{
	struct dma_buf *buf = dmb_heap_export(sim_ram(), DMB_PAGE_SIZE, "heap");

	if (!buf)
		_exit(124);
	return buf;
}

static struct dmb_vfio_pci *vfio(void)
{
	struct dmb_vfio_pci *vdev = dmb_vfio_pci_open(sim_pci(), NULL);

	if (!vdev)
		_exit(124);
	return vdev;
}

static struct dma_buf *vfio_buf(void)
{
	struct dma_buf *buf = dmb_vfio_pci_export(vfio(), 0, 0, DMB_PAGE_SIZE, "bar");

	if (!buf)
		_exit(124);
	return buf;
}

static struct dmb_hw_device *gpu;

static struct dmb_mem_region *gpu_vram(void)
{
	struct dmb_mem_region_info info = { .name = "vram", .size = SIM_BAR_SIZE };

	gpu = sim_device("gpu", true, 1);
	info.owner = gpu;
	return dmb_mem_region_create(sim_space(), &info);
}

static struct dmb_vram *vram(void)
{
	struct dmb_mem_region *v = gpu_vram();
	struct dmb_vram *vm = v ? dmb_vram_create(gpu, v, sim_ram(), NULL) : NULL;

	if (!vm)
		_exit(124);
	return vm;
}

static struct dma_buf *vram_buf(void)
{
	struct dma_buf *buf = dmb_vram_export(vram(), DMB_PAGE_SIZE, "vram");

	if (!buf)
		_exit(124);
	return buf;
}

static struct dmb_importer *importer(void)
{
	struct dmb_importer *imp = dmb_importer_create(DMB_IMPORTER_RDMA_PINNED,
						       sim_device("nic", false, 0),
						       heap_buf());

	if (!imp)
		_exit(124);
	return imp;
}

/*
 * Objects whose handle was released or destroyed: each entry point must
 * refuse them without reading the freed memory (hw/live.h). An importer
 * and a vram manager are freed at once; a vfio-pci exporter is freed at
 * once too, having no buffer.
 */
static struct dmb_importer *destroyed_importer(void)
{
	struct dmb_importer *imp = importer();

	dmb_importer_destroy(imp);
	return imp;
}

static struct dmb_vfio_pci *released_vfio(void)
{
	struct dmb_vfio_pci *vdev = vfio();

	if (dmb_vfio_pci_release(vdev))
		_exit(124);
	return vdev;
}

static struct dmb_vram *destroyed_vram(void)
{
	struct dmb_vram *vm = vram();

	if (dmb_vram_destroy(vm))
		_exit(124);
	return vm;
}

/* heap.h */

MISUSE_CASE(dmb_heap_export, null_region, MISUSE_REPORTED)
{
	return !dmb_heap_export(NULL, DMB_PAGE_SIZE, "x") && errno == EINVAL;
}

MISUSE_CASE(dmb_heap_export, device_memory, MISUSE_REPORTED)
{
	struct dmb_mem_region *v = gpu_vram();

	return v && !dmb_heap_export(v, DMB_PAGE_SIZE, "x") && errno == EINVAL;
}

/* Documented: an empty buffer is an error (EINVAL), as for any exporter. */
MISUSE_CASE(dmb_heap_export, zero_size, MISUSE_SILENT)
{
	return !dmb_heap_export(sim_ram(), 0, "x") && errno == EINVAL;
}

/* Rounding up to pages must not wrap to a small buffer. */
MISUSE_CASE(dmb_heap_export, huge_size, MISUSE_SILENT)
{
	return !dmb_heap_export(sim_ram(), UINT64_MAX, "x") && errno == EINVAL &&
	       dmb_mem_region_free_bytes(sim_ram()) == SIM_RAM_SIZE;
}

MISUSE_CASE(dmb_heap_pins, null, MISUSE_REPORTED)
{
	return dmb_heap_pins(NULL) == 0;
}

MISUSE_CASE(dmb_heap_pins, foreign_buf, MISUSE_REPORTED)
{
	return dmb_heap_pins(sim_foreign_buf()) == 0;
}

/*
 * The heap has no object of its own: a released buffer is the release
 * quarantine's, which the lookup of its exporter's name reports.
 */
MISUSE_CASE(dmb_heap_pins, released_buf, MISUSE_REPORTED)
{
	struct dma_buf *buf = heap_buf();

	dma_buf_put(buf);
	return dmb_heap_pins(buf) == 0;
}

MISUSE_CASE(dmb_heap_vaddr, null, MISUSE_REPORTED)
{
	return !dmb_heap_vaddr(NULL);
}

MISUSE_CASE(dmb_heap_vaddr, foreign_buf, MISUSE_REPORTED)
{
	return !dmb_heap_vaddr(sim_foreign_buf());
}

MISUSE_CASE(dmb_heap_vaddr, released_buf, MISUSE_REPORTED)
{
	struct dma_buf *buf = heap_buf();

	dma_buf_put(buf);
	return !dmb_heap_vaddr(buf) && errno == EINVAL;
}

/* importer.h */

MISUSE_CASE(dmb_importer_create, null_dev, MISUSE_REPORTED)
{
	return !dmb_importer_create(DMB_IMPORTER_RDMA_PINNED, NULL, heap_buf()) &&
	       errno == EINVAL;
}

MISUSE_CASE(dmb_importer_create, null_buf, MISUSE_REPORTED)
{
	return !dmb_importer_create(DMB_IMPORTER_RDMA_PINNED,
				    sim_device("nic", false, 0), NULL) &&
	       errno == EINVAL;
}

MISUSE_CASE(dmb_importer_create, bad_kind, MISUSE_REPORTED)
{
	return !dmb_importer_create(DMB_IMPORTER_NR_KINDS,
				    sim_device("nic", false, 0), heap_buf()) &&
	       errno == EINVAL;
}

MISUSE_CASE(dmb_importer_access, null, MISUSE_REPORTED)
{
	char data[8];

	return dmb_importer_access(NULL, false, 0, sizeof(data), data, NULL) == -EINVAL;
}

MISUSE_CASE(dmb_importer_access, destroyed, MISUSE_REPORTED)
{
	char data[8];

	return dmb_importer_access(destroyed_importer(), false, 0, sizeof(data),
				   data, NULL) == -EINVAL;
}

/* Documented: a range outside the buffer is an error, not misuse. */
MISUSE_CASE(dmb_importer_access, wrapping_range, MISUSE_SILENT)
{
	char data[8];

	return dmb_importer_access(importer(), false, 8, UINT64_MAX - 3, data,
				   NULL) == -EINVAL;
}

MISUSE_CASE(dmb_importer_restore, null, MISUSE_REPORTED)
{
	return dmb_importer_restore(NULL) == -EINVAL;
}

MISUSE_CASE(dmb_importer_restore, destroyed, MISUSE_REPORTED)
{
	return dmb_importer_restore(destroyed_importer()) == -EINVAL;
}

MISUSE_CASE(dmb_importer_destroy, null_ignored, MISUSE_SILENT)
{
	dmb_importer_destroy(NULL);
	return true;
}

MISUSE_CASE(dmb_importer_destroy, twice, MISUSE_REPORTED)
{
	dmb_importer_destroy(destroyed_importer());
	return true;
}

MISUSE_CASE(dmb_importer_kind, null, MISUSE_REPORTED)
{
	return dmb_importer_kind(NULL) == DMB_IMPORTER_NR_KINDS;
}

MISUSE_CASE(dmb_importer_kind, destroyed, MISUSE_REPORTED)
{
	return dmb_importer_kind(destroyed_importer()) == DMB_IMPORTER_NR_KINDS;
}

/* Documented as a name for any value, "(unknown)" for one that is no kind. */
MISUSE_CASE(dmb_importer_kind_name, bad_kind, MISUSE_SILENT)
{
	const char *name = dmb_importer_kind_name(DMB_IMPORTER_NR_KINDS);

	return name && !strcmp(name, "(unknown)");
}

MISUSE_CASE(dmb_importer_attachment, null, MISUSE_REPORTED)
{
	return !dmb_importer_attachment(NULL);
}

MISUSE_CASE(dmb_importer_attachment, destroyed, MISUSE_REPORTED)
{
	return !dmb_importer_attachment(destroyed_importer());
}

MISUSE_CASE(dmb_importer_get_stats, null_importer, MISUSE_REPORTED)
{
	struct dmb_importer_stats stats;

	dmb_importer_get_stats(NULL, &stats);
	return true;
}

MISUSE_CASE(dmb_importer_get_stats, null_stats, MISUSE_REPORTED)
{
	dmb_importer_get_stats(importer(), NULL);
	return true;
}

MISUSE_CASE(dmb_importer_get_stats, destroyed, MISUSE_REPORTED)
{
	struct dmb_importer_stats stats = { .accesses = 7 };

	dmb_importer_get_stats(destroyed_importer(), &stats);
	return stats.accesses == 7;
}

MISUSE_CASE(dmb_importer_unmap_latency, null, MISUSE_REPORTED)
{
	return dmb_importer_unmap_latency(NULL) == -1;
}

MISUSE_CASE(dmb_importer_unmap_latency, destroyed, MISUSE_REPORTED)
{
	return dmb_importer_unmap_latency(destroyed_importer()) == -1;
}

/* vfio-pci.h */

MISUSE_CASE(dmb_vfio_pci_open, null_pci, MISUSE_REPORTED)
{
	return !dmb_vfio_pci_open(NULL, NULL) && errno == EINVAL;
}

MISUSE_CASE(dmb_vfio_pci_open, bad_policy, MISUSE_REPORTED)
{
	struct dmb_vfio_pci_info info = { .policy = (enum dmb_vfio_policy)9 };

	return !dmb_vfio_pci_open(sim_pci(), &info) && errno == EINVAL;
}

MISUSE_CASE(dmb_vfio_pci_release, null, MISUSE_REPORTED)
{
	return dmb_vfio_pci_release(NULL) == -EINVAL;
}

MISUSE_CASE(dmb_vfio_pci_release, twice, MISUSE_REPORTED)
{
	return dmb_vfio_pci_release(released_vfio()) == -EINVAL;
}

/* A buffer keeps the exporter's memory, not its handle: still refused. */
MISUSE_CASE(dmb_vfio_pci_release, twice_buffer_left, MISUSE_REPORTED)
{
	struct dmb_vfio_pci *vdev = vfio();
	struct dma_buf *buf = dmb_vfio_pci_export(vdev, 0, 0, DMB_PAGE_SIZE, "b");

	return buf && !dmb_vfio_pci_release(vdev) &&
	       dmb_vfio_pci_release(vdev) == -EINVAL && dmb_vfio_pci_revoked(buf);
}

MISUSE_CASE(dmb_vfio_pci_export, null, MISUSE_REPORTED)
{
	return !dmb_vfio_pci_export(NULL, 0, 0, DMB_PAGE_SIZE, "x") && errno == EINVAL;
}

MISUSE_CASE(dmb_vfio_pci_export, released, MISUSE_REPORTED)
{
	return !dmb_vfio_pci_export(released_vfio(), 0, 0, DMB_PAGE_SIZE, "x") &&
	       errno == EINVAL;
}

MISUSE_CASE(dmb_vfio_pci_export, no_such_bar, MISUSE_REPORTED)
{
	return !dmb_vfio_pci_export(vfio(), 1, 0, DMB_PAGE_SIZE, "x") &&
	       errno == EINVAL;
}

MISUSE_CASE(dmb_vfio_pci_export, wrapping_range, MISUSE_REPORTED)
{
	return !dmb_vfio_pci_export(vfio(), 0, DMB_PAGE_SIZE,
				    UINT64_MAX & DMB_PAGE_MASK, "x") &&
	       errno == EINVAL;
}

MISUSE_CASE(dmb_vfio_pci_export, zero_size, MISUSE_REPORTED)
{
	return !dmb_vfio_pci_export(vfio(), 0, 0, 0, "x") && errno == EINVAL;
}

MISUSE_CASE(dmb_vfio_pci_reset, null, MISUSE_REPORTED)
{
	return dmb_vfio_pci_reset(NULL) == -EINVAL;
}

MISUSE_CASE(dmb_vfio_pci_reset, released, MISUSE_REPORTED)
{
	return dmb_vfio_pci_reset(released_vfio()) == -EINVAL;
}

MISUSE_CASE(dmb_vfio_pci_low_power, null, MISUSE_REPORTED)
{
	return dmb_vfio_pci_low_power(NULL, true) == -EINVAL;
}

MISUSE_CASE(dmb_vfio_pci_low_power, released, MISUSE_REPORTED)
{
	return dmb_vfio_pci_low_power(released_vfio(), true) == -EINVAL;
}

MISUSE_CASE(dmb_vfio_pci_power_refs, null, MISUSE_REPORTED)
{
	return dmb_vfio_pci_power_refs(NULL) == 0;
}

MISUSE_CASE(dmb_vfio_pci_power_refs, released, MISUSE_REPORTED)
{
	return dmb_vfio_pci_power_refs(released_vfio()) == 0;
}

MISUSE_CASE(dmb_vfio_pci_function, null, MISUSE_REPORTED)
{
	return !dmb_vfio_pci_function(NULL);
}

MISUSE_CASE(dmb_vfio_pci_function, released, MISUSE_REPORTED)
{
	return !dmb_vfio_pci_function(released_vfio());
}

MISUSE_CASE(dmb_vfio_pci_revoked, null, MISUSE_REPORTED)
{
	return !dmb_vfio_pci_revoked(NULL);
}

MISUSE_CASE(dmb_vfio_pci_revoked, foreign_buf, MISUSE_REPORTED)
{
	return !dmb_vfio_pci_revoked(heap_buf());
}

static struct dma_buf_attachment *attach_to(struct dma_buf *buf)
{
	struct dmb_importer *imp = dmb_importer_create(DMB_IMPORTER_RDMA_ODP,
						       sim_device("nic", true, 0),
						       buf);

	if (!imp)
		_exit(124);
	return dmb_importer_attachment(imp);
}

MISUSE_CASE(dmb_vfio_pci_dma_buf_phys, null_attach, MISUSE_REPORTED)
{
	uint64_t phys, size;

	return dmb_vfio_pci_dma_buf_phys(NULL, &phys, &size) == -EINVAL;
}

MISUSE_CASE(dmb_vfio_pci_dma_buf_phys, null_phys, MISUSE_REPORTED)
{
	struct dma_buf *buf = vfio_buf();
	struct dma_buf_attachment *a = attach_to(buf);
	uint64_t size;

	dma_resv_lock(dma_buf_resv(buf), NULL);
	return dmb_vfio_pci_dma_buf_phys(a, NULL, &size) == -EINVAL;
}

MISUSE_CASE(dmb_vfio_pci_dma_buf_phys, null_size, MISUSE_REPORTED)
{
	struct dma_buf *buf = vfio_buf();
	struct dma_buf_attachment *a = attach_to(buf);
	uint64_t phys;

	dma_resv_lock(dma_buf_resv(buf), NULL);
	return dmb_vfio_pci_dma_buf_phys(a, &phys, NULL) == -EINVAL;
}

MISUSE_CASE(dmb_vfio_pci_dma_buf_phys, resv_not_held, MISUSE_REPORTED)
{
	uint64_t phys, size;

	return dmb_vfio_pci_dma_buf_phys(attach_to(vfio_buf()), &phys, &size) ==
	       -EINVAL;
}

/* A buffer of another exporter is the documented -EOPNOTSUPP. */
MISUSE_CASE(dmb_vfio_pci_dma_buf_phys, foreign_buf, MISUSE_SILENT)
{
	struct dma_buf *buf = heap_buf();
	struct dma_buf_attachment *a = attach_to(buf);
	uint64_t phys, size;

	dma_resv_lock(dma_buf_resv(buf), NULL);
	return dmb_vfio_pci_dma_buf_phys(a, &phys, &size) == -EOPNOTSUPP;
}

/* vram.h */

MISUSE_CASE(dmb_vram_create, null_gpu, MISUSE_REPORTED)
{
	struct dmb_mem_region *v = gpu_vram();

	return v && !dmb_vram_create(NULL, v, sim_ram(), NULL) && errno == EINVAL;
}

MISUSE_CASE(dmb_vram_create, null_vram, MISUSE_REPORTED)
{
	return !dmb_vram_create(sim_device("gpu", true, 1), NULL, sim_ram(), NULL) &&
	       errno == EINVAL;
}

MISUSE_CASE(dmb_vram_create, null_system, MISUSE_REPORTED)
{
	struct dmb_mem_region *v = gpu_vram();

	return v && !dmb_vram_create(gpu, v, NULL, NULL) && errno == EINVAL;
}

MISUSE_CASE(dmb_vram_create, vram_of_another_device, MISUSE_REPORTED)
{
	struct dmb_mem_region *v = gpu_vram();

	return v && !dmb_vram_create(sim_device("other", true, 1), v, sim_ram(),
				     NULL) && errno == EINVAL;
}

MISUSE_CASE(dmb_vram_create, system_is_device_memory, MISUSE_REPORTED)
{
	struct dmb_mem_region *v = gpu_vram();

	return v && !dmb_vram_create(gpu, v, v, NULL) && errno == EINVAL;
}

MISUSE_CASE(dmb_vram_destroy, null, MISUSE_REPORTED)
{
	return dmb_vram_destroy(NULL) == -EINVAL;
}

MISUSE_CASE(dmb_vram_destroy, twice, MISUSE_REPORTED)
{
	return dmb_vram_destroy(destroyed_vram()) == -EINVAL;
}

MISUSE_CASE(dmb_vram_destroy, buffers_left, MISUSE_REPORTED)
{
	struct dmb_vram *vm = vram();
	struct dma_buf *buf = dmb_vram_export(vm, DMB_PAGE_SIZE, "b");

	return buf && dmb_vram_destroy(vm) == -EBUSY &&
	       dmb_vram_placement(buf) == DMB_VRAM_IN_VRAM;
}

MISUSE_CASE(dmb_vram_export, null, MISUSE_REPORTED)
{
	return !dmb_vram_export(NULL, DMB_PAGE_SIZE, "x") && errno == EINVAL;
}

MISUSE_CASE(dmb_vram_export, destroyed, MISUSE_REPORTED)
{
	return !dmb_vram_export(destroyed_vram(), DMB_PAGE_SIZE, "x") && errno == EINVAL;
}

/* Documented: a zero size is an error (EINVAL), as for any exporter. */
MISUSE_CASE(dmb_vram_export, zero_size, MISUSE_SILENT)
{
	return !dmb_vram_export(vram(), 0, "x") && errno == EINVAL;
}

/* Rounding up to pages must not wrap to a small buffer. */
MISUSE_CASE(dmb_vram_export, huge_size, MISUSE_SILENT)
{
	return !dmb_vram_export(vram(), UINT64_MAX, "x") && errno == EINVAL &&
	       dmb_mem_region_free_bytes(sim_ram()) == SIM_RAM_SIZE;
}

MISUSE_CASE(dmb_vram_evict, null, MISUSE_REPORTED)
{
	return dmb_vram_evict(NULL) == -EINVAL;
}

MISUSE_CASE(dmb_vram_evict, foreign_buf, MISUSE_REPORTED)
{
	return dmb_vram_evict(heap_buf()) == -EINVAL;
}

MISUSE_CASE(dmb_vram_migrate, null, MISUSE_REPORTED)
{
	return dmb_vram_migrate(NULL) == -EINVAL;
}

MISUSE_CASE(dmb_vram_migrate, foreign_buf, MISUSE_REPORTED)
{
	return dmb_vram_migrate(sim_foreign_buf()) == -EINVAL;
}

MISUSE_CASE(dmb_vram_placement, null, MISUSE_REPORTED)
{
	return dmb_vram_placement(NULL) == DMB_VRAM_IN_SYSTEM;
}

MISUSE_CASE(dmb_vram_placement, foreign_buf, MISUSE_REPORTED)
{
	return dmb_vram_placement(heap_buf()) == DMB_VRAM_IN_SYSTEM;
}

MISUSE_CASE(dmb_vram_moves, null, MISUSE_REPORTED)
{
	return dmb_vram_moves(NULL) == 0;
}

MISUSE_CASE(dmb_vram_moves, foreign_buf, MISUSE_REPORTED)
{
	return dmb_vram_moves(heap_buf()) == 0;
}

MISUSE_CASE(dmb_vram_cpu_access, null_buf, MISUSE_REPORTED)
{
	char data[8];

	return dmb_vram_cpu_access(NULL, 0, data, sizeof(data), false) == -EINVAL;
}

MISUSE_CASE(dmb_vram_cpu_access, null_data, MISUSE_REPORTED)
{
	return dmb_vram_cpu_access(vram_buf(), 0, NULL, 8, false) == -EINVAL;
}

MISUSE_CASE(dmb_vram_cpu_access, foreign_buf, MISUSE_REPORTED)
{
	char data[8];

	return dmb_vram_cpu_access(heap_buf(), 0, data, sizeof(data), false) ==
	       -EINVAL;
}

/* Documented: a range outside the buffer is an error, not misuse. */
MISUSE_CASE(dmb_vram_cpu_access, wrapping_range, MISUSE_SILENT)
{
	char data[8];

	return dmb_vram_cpu_access(vram_buf(), 8, data, UINT64_MAX - 3, true) ==
	       -EINVAL;
}

/*
 * Calls on revoked buffers and a closed function: states another thread
 * can cause (a reset, a close), refused with the documented -ENODEV.
 */

MISUSE_CASE(dmb_vfio_pci_export, closed, MISUSE_SILENT)
{
	struct dmb_pci_function *pci = sim_pci();
	struct dmb_vfio_pci *vdev = dmb_vfio_pci_open(pci, NULL);

	return vdev && !dmb_pci_close(pci) &&
	       !dmb_vfio_pci_export(vdev, 0, 0, DMB_PAGE_SIZE, "x") && errno == ENODEV;
}

MISUSE_CASE(dmb_importer_access, revoked, MISUSE_SILENT)
{
	struct dmb_vfio_pci *vdev = vfio();
	struct dma_buf *buf = dmb_vfio_pci_export(vdev, 0, 0, DMB_PAGE_SIZE, "bar");
	struct dmb_importer *imp = buf ?
		dmb_importer_create(DMB_IMPORTER_RDMA_ODP, sim_device("nic", true, 0),
				    buf) : NULL;
	char data[8];

	return imp && !dmb_pci_flr_begin(dmb_vfio_pci_function(vdev)) &&
	       dmb_importer_access(imp, false, 0, sizeof(data), data, NULL) == -ENODEV;
}

MISUSE_CASE(dmb_vfio_pci_dma_buf_phys, revoked, MISUSE_SILENT)
{
	struct dmb_vfio_pci *vdev = vfio();
	struct dma_buf *buf = dmb_vfio_pci_export(vdev, 0, 0, DMB_PAGE_SIZE, "bar");
	struct dma_buf_attachment *a;
	uint64_t phys, size;

	if (!buf)
		return false;
	a = attach_to(buf);
	if (dmb_pci_flr_begin(dmb_vfio_pci_function(vdev)))
		return false;
	dma_resv_lock(dma_buf_resv(buf), NULL);
	return dmb_vfio_pci_dma_buf_phys(a, &phys, &size) == -ENODEV;
}
