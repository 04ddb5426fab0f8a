// SPDX-License-Identifier: MIT
/*
 * names.c - the names of drivers, actions and policies, as written in
 * scenario files and printed in reports: one table per enum, indexed by
 * value, so a name and its value can never drift apart.
 */
#include <stdio.h>
#include <string.h>

#include "scenario.h"

const char *const sim_exporter_names[SIM_NR_EXPORTERS] = {
	[SIM_EXP_VFIO_PCI] = "vfio-pci",
	[SIM_EXP_VRAM] = "vram",
	[SIM_EXP_HEAP] = "heap",
	[SIM_EXP_MEMFD] = "memfd",
};

const char *const sim_importer_names[SIM_NR_IMPORTERS] = {
	[SIM_IMP_IOMMUFD] = "iommufd",
	[SIM_IMP_RDMA_PINNED] = "rdma-pinned",
	[SIM_IMP_RDMA_ODP] = "rdma-odp",
	[SIM_IMP_GPU] = "gpu",
	[SIM_IMP_BROKEN_NO_UNMAP] = "broken-no-unmap",
	[SIM_IMP_BROKEN_WRITE_AFTER_INV] = "broken-write-after-invalidate",
	[SIM_IMP_BROKEN_TOUCH_AFTER_UNMAP] = "broken-touch-after-unmap",
	[SIM_IMP_PROCESS] = "process",
};

const char *const sim_action_names[SIM_NR_ACTIONS] = {
	[SIM_ACT_FLR] = "flr",
	[SIM_ACT_FLR_DONE] = "flr-done",
	[SIM_ACT_DECODE_OFF] = "decode-off",
	[SIM_ACT_DECODE_ON] = "decode-on",
	[SIM_ACT_D3] = "d3",
	[SIM_ACT_D0] = "d0",
	[SIM_ACT_CLOSE] = "close",
	[SIM_ACT_EVICT] = "evict",
	[SIM_ACT_MIGRATE] = "migrate",
	[SIM_ACT_ATTACH] = "attach",
	[SIM_ACT_CPU_READ] = "cpu-read",
	[SIM_ACT_INVALIDATE] = "invalidate",
};

const char *const sim_wait_names[SIM_NR_WAITS] = {
	[DMB_REVOKE_WARN_THEN_WAIT] = "warn-then-wait",
	[DMB_REVOKE_WAIT] = "wait",
	[DMB_REVOKE_DEADLINE_FORCE] = "deadline-force",
};

const char *const sim_behaviour_names[SIM_NR_BEHAVIOURS] = {
	[SIM_BEH_COOPERATING] = "cooperating",
	[SIM_BEH_NEVER_UNMAP] = "never-unmap",
	[SIM_BEH_KEEPS_WRITING] = "keeps-writing",
	[SIM_BEH_KILLED_MID_REVOKE] = "killed-mid-revoke",
	[SIM_BEH_HOLDS_VMAP] = "holds-vmap",
};

static const char *name_or(const char *const *names, unsigned int nr,
			   unsigned int i)
{
	return i < nr && names[i] ? names[i] : "?";
}

const char *sim_exporter_name(enum sim_exporter_kind kind)
{
	return name_or(sim_exporter_names, SIM_NR_EXPORTERS, kind);
}

const char *sim_importer_name(enum sim_importer_kind kind)
{
	return name_or(sim_importer_names, SIM_NR_IMPORTERS, kind);
}

const char *sim_action_name(enum sim_action action)
{
	return name_or(sim_action_names, SIM_NR_ACTIONS, action);
}

const char *sim_wait_name(enum dmb_revoke_wait wait)
{
	return name_or(sim_wait_names, SIM_NR_WAITS, wait);
}

const char *sim_behaviour_name(enum sim_behaviour behaviour)
{
	return name_or(sim_behaviour_names, SIM_NR_BEHAVIOURS, behaviour);
}

int sim_name_lookup(const char *const *names, unsigned int nr, const char *name)
{
	for (unsigned int i = 0; i < nr; i++)
		if (names[i] && !strcmp(names[i], name))
			return (int)i;
	return -1;
}

/*
 * Which exporter reacts to what: resets, decode, power and close are PCI
 * function events (vfio-pci); moves are what movable VRAM does; any
 * exporter can have a late importer, a CPU reader, or invalidate its
 * mappings without revoking (a heap that is about to move pages). A memfd
 * buffer shared with processes only closes (a permanent revoke).
 */
bool sim_action_allowed(enum sim_exporter_kind kind, enum sim_action action)
{
	switch (action) {
	case SIM_ACT_FLR:
	case SIM_ACT_FLR_DONE:
	case SIM_ACT_DECODE_OFF:
	case SIM_ACT_DECODE_ON:
	case SIM_ACT_D3:
	case SIM_ACT_D0:
		return kind == SIM_EXP_VFIO_PCI;
	case SIM_ACT_CLOSE:
		return kind == SIM_EXP_VFIO_PCI || kind == SIM_EXP_MEMFD;
	case SIM_ACT_EVICT:
	case SIM_ACT_MIGRATE:
		return kind == SIM_EXP_VRAM;
	case SIM_ACT_ATTACH:
	case SIM_ACT_CPU_READ:
	case SIM_ACT_INVALIDATE:
		return kind != SIM_EXP_MEMFD;
	case SIM_NR_ACTIONS:
		break;
	}
	return false;
}

/*
 * Whose buffers dma_buf_fd() gives a descriptor for, so that importer
 * processes can import them (run-procs.c).
 */
bool sim_exporter_shares(enum sim_exporter_kind kind)
{
	return kind == SIM_EXP_MEMFD || kind == SIM_EXP_VFIO_PCI;
}

/*
 * Whose buffers have a vmap op: an importer process's VMAP is refused
 * (-EINVAL) without one, as dma_buf_vmap() is (docs/ipc.md). A vfio-pci
 * BAR has none; VRAM is not CPU-mapped by its exporter.
 */
bool sim_exporter_vmaps(enum sim_exporter_kind kind)
{
	return kind == SIM_EXP_MEMFD || kind == SIM_EXP_HEAP;
}

void sim_importer_instance_name(const struct sim_importer_spec *spec,
				unsigned int i, char *buf, size_t len)
{
	if (i == 0)
		snprintf(buf, len, "%s", spec->device);
	else
		snprintf(buf, len, "%s.%u", spec->device, i);
}
