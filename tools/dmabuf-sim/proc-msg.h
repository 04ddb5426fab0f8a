/* SPDX-License-Identifier: MIT */
/*
 * proc-msg.h - what the runner and an importer process tell each other
 * (internal to dmabuf-sim; run-procs.c and proc-child.c).
 *
 * The runner starts each importer process by fork() and exec() of
 * dmabuf-sim itself in a hidden mode:
 *
 *	dmabuf-sim --importer-child BEHAVIOUR NAME FD
 *
 * FD is the child's end of a SOCK_SEQPACKET pair: over it the runner sends
 * the buffer's descriptor (SCM_RIGHTS), then one SIM_PMSG_REVOKED once the
 * revoke returned; the child sends one fixed-size record per step of its
 * fate. The runner's verdict follows these records and waitpid(), never a
 * time: a killed-mid-revoke child is killed when its SIMP_INVALIDATED
 * arrives, a faulting child reports the fault from its SIGBUS handler, a
 * holds-vmap child reports what its CPU access returned once it read
 * SIM_PMSG_REVOKED.
 */
#ifndef DMABUF_SIM_PROC_MSG_H
#define DMABUF_SIM_PROC_MSG_H

#include <stdint.h>

#define SIM_CHILD_ARG	"--importer-child"

enum sim_pmsg_type {
	SIM_PMSG_MAPPED = 1,	/* child: mapped; arg = checksum of what it read */
	SIM_PMSG_INVALIDATED,	/* child: invalidate_mappings ran */
	SIM_PMSG_UNMAPPED,	/* child: unmapped in invalidate_mappings */
	SIM_PMSG_FAULTED,	/* child: value = signal; arg = accesses after invalidate */
	SIM_PMSG_MAP_AGAIN,	/* child: value = 0 or -errno of a map after the revoke */
	SIM_PMSG_FAILED,	/* child: value = -errno, arg = source line: it gave up */
	SIM_PMSG_DONE,		/* child: detached, put, exiting */
	SIM_PMSG_CPU_BEGIN,	/* child: value = dma_buf_begin_cpu_access() after the revoke */
	SIM_PMSG_CPU_END,	/* child: value = dma_buf_end_cpu_access(); arg = non-zero bytes read */
	SIM_PMSG_DIAG,		/* child: the library reported; value = enum dmb_diag_kind */
	SIM_PMSG_REVOKED,	/* runner: the revoke returned */
};

struct sim_pmsg {
	uint32_t type;		/* enum sim_pmsg_type */
	int32_t value;
	uint64_t arg;
};

/* proc-child.c: the child's main; returns its exit status. */
int sim_importer_child(int argc, char **argv);

#endif /* DMABUF_SIM_PROC_MSG_H */
