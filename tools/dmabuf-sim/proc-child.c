// SPDX-License-Identifier: MIT
/*
 * proc-child.c - an importer process (dmabuf-sim --importer-child, internal):
 * import the buffer whose descriptor arrives on the control socket, attach
 * with an invalidate_mappings, map, read the bytes, then act out its
 * behaviour and tell the runner each step of its fate (proc-msg.h).
 *
 * Threads: the importing context runs its own thread (DMB_IPC_THREAD),
 * where invalidate_mappings runs with the proxy's resv lock held; the main
 * thread maps and touches the memory. The mapping's table (sgt) is shared
 * by both and only used under that resv lock; the main thread keeps the
 * mapping's address, which stays valid for never-unmap and keeps-writing
 * because they never unmap. A fault (SIGBUS once the exporter truncated
 * the memory) is reported by the handler, which then ends the process.
 *
 * holds-vmap maps for the CPU instead (dma_buf_vmap() of the proxy) and
 * keeps the vmap through the revoke, which does not wait for it; its CPU
 * access afterwards must be refused (-EIO) and read zeros, the library's
 * guard standing between it and SIGBUS (docs/ipc.md, "hold a vmap"). What
 * the library reports in the process goes to the runner, not to stderr.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <dmabuf/device.h>
#include <dmabuf/diag.h>
#include <dmabuf/dmb-ipc.h>
#include <dmabuf/hw/dma-engine.h>

#include "proc-msg.h"
#include "scenario.h"

static int ctl = -1;
static enum sim_behaviour behaviour;
static struct sg_table *sgt;			/* (resv) */
static atomic_bool invalidated;
static atomic_ulong accesses_after_invalidate;

/* One record to the runner; async-signal-safe (the SIGBUS handler uses it). */
static void tell(enum sim_pmsg_type type, int value, uint64_t arg)
{
	struct sim_pmsg m = { .type = type, .value = value, .arg = arg };

	(void)!send(ctl, &m, sizeof(m), MSG_NOSIGNAL);
}

#define GIVE_UP(err) do {						\
	tell(SIM_PMSG_FAILED, (err), __LINE__);				\
	return 1;							\
} while (0)

static void on_sigbus(int sig)
{
	tell(SIM_PMSG_FAULTED, sig, atomic_load(&accesses_after_invalidate));
	_exit(0);
}

/* Any thread: the runner shows it in the process's lane. */
static void on_diag(const struct dmb_diag *diag, void *data)
{
	(void)data;
	tell(SIM_PMSG_DIAG, (int)diag->kind, 0);
}

/* The ipc thread, resv held. */
static void invalidate(struct dma_buf_attachment *attach)
{
	atomic_store(&invalidated, true);
	tell(SIM_PMSG_INVALIDATED, 0, 0);
	if (behaviour != SIM_BEH_COOPERATING || !sgt)
		return;
	dma_buf_unmap_attachment(attach, sgt, DMA_BIDIRECTIONAL);
	sgt = NULL;
	tell(SIM_PMSG_UNMAPPED, 0, 0);
}

static const struct dma_buf_attach_ops attach_ops = {
	.name = "dmabuf-sim-process",
	.invalidate_mappings = invalidate,
};

/* Block until the runner says the revoke returned; false at EOF. */
static bool wait_revoked(void)
{
	struct sim_pmsg m;

	return recv(ctl, &m, sizeof(m), 0) == sizeof(m) && m.type == SIM_PMSG_REVOKED;
}

/*
 * Write through the mapping until the revoke takes it away (SIGBUS). It
 * writes back what it reads, so the other importers still read the
 * exporter's bytes: a write all the same, which faults like any.
 */
static void keep_writing(volatile uint8_t *p, size_t len)
{
	struct pollfd pfd = { .fd = ctl, .events = POLLIN };
	size_t i = 0;

	for (;;) {
		p[i % len] = p[i % len];
		i++;
		if (atomic_load(&invalidated))
			atomic_fetch_add(&accesses_after_invalidate, 1);
		/* Paced by the control socket, not by time: it ends the loop. */
		if (poll(&pfd, 1, 1) > 0)
			break;
	}
	if (wait_revoked())
		p[0] = p[0];	/* the memory is gone: this faults */
}

/*
 * holds-vmap: read the exporter's bytes through a vmap, keep it through
 * the revoke, then try CPU access once the runner said the revoke returned
 * (from then on it fails, whether the INVALIDATE was dispatched yet or
 * not: no time decides it). Both accessors' returns go to the runner.
 */
static int hold_vmap(struct dma_buf *buf)
{
	size_t len = dma_buf_size(buf);
	const volatile uint8_t *p;
	unsigned long nonzero = 0;
	uint64_t sum;
	void *vaddr;
	int ret;

	ret = dma_buf_vmap_unlocked(buf, &vaddr);
	if (ret)
		return ret;
	p = vaddr;
	ret = dma_buf_begin_cpu_access(buf, DMA_FROM_DEVICE);
	if (ret)
		goto unmap;
	sum = dmb_dma_checksum(vaddr, len);
	ret = dma_buf_end_cpu_access(buf, DMA_FROM_DEVICE);
	if (ret)
		goto unmap;
	tell(SIM_PMSG_MAPPED, 0, sum);
	if (!wait_revoked()) {
		ret = -EPIPE;
		goto unmap;
	}
	tell(SIM_PMSG_CPU_BEGIN, dma_buf_begin_cpu_access(buf, DMA_FROM_DEVICE), 0);
	for (size_t i = 0; i < len; i++)
		nonzero += p[i] != 0;
	tell(SIM_PMSG_CPU_END, dma_buf_end_cpu_access(buf, DMA_FROM_DEVICE), nonzero);
unmap:
	dma_buf_vunmap_unlocked(buf, vaddr);
	return ret;
}

static int act(struct dma_buf_attachment *attach, volatile uint8_t *p, size_t len)
{
	struct sg_table *again;

	switch (behaviour) {
	case SIM_BEH_COOPERATING:
		if (!wait_revoked())
			return -EPIPE;
		again = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
		tell(SIM_PMSG_MAP_AGAIN, again ? 0 : -errno, 0);
		if (again)
			dma_buf_unmap_attachment_unlocked(attach, again, DMA_BIDIRECTIONAL);
		return 0;
	case SIM_BEH_NEVER_UNMAP:
		if (!wait_revoked())
			return -EPIPE;
		atomic_fetch_add(&accesses_after_invalidate, 1);
		(void)p[len - 1];	/* faults */
		return -EEXIST;		/* it did not: the memory was not taken back */
	case SIM_BEH_KEEPS_WRITING:
		keep_writing(p, len);
		return -EEXIST;
	case SIM_BEH_KILLED_MID_REVOKE:
		wait_revoked();		/* the runner kills it first */
		return -EPIPE;
	default:
		return -EINVAL;
	}
}

int sim_importer_child(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_sigbus };
	struct device dev = { .name = NULL };
	struct dma_buf_attachment *attach;
	struct dmb_ipc *ipc;
	struct dma_buf *buf;
	volatile uint8_t *p = NULL;
	size_t len = 0;
	int fd, b, ret;

	if (argc != 5)
		return 2;
	ctl = atoi(argv[4]);
	b = sim_name_lookup(sim_behaviour_names, SIM_NR_BEHAVIOURS, argv[2]);
	if (b < 0)
		GIVE_UP(-EINVAL);
	behaviour = (enum sim_behaviour)b;
	dev.name = argv[3];
	if (sigaction(SIGBUS, &sa, NULL))
		GIVE_UP(-errno);
	dmb_diag_set_sink(on_diag, NULL);

	ipc = dmb_ipc_create(argv[3], DMB_IPC_THREAD);
	if (!ipc)
		GIVE_UP(-errno);
	fd = dmb_ipc_recv_fd(ctl);
	if (fd < 0)
		GIVE_UP(fd);
	buf = dmb_ipc_import(ipc, fd);
	close(fd);
	if (!buf)
		GIVE_UP(-errno);
	if (behaviour == SIM_BEH_HOLDS_VMAP) {
		ret = hold_vmap(buf);
		if (ret)
			GIVE_UP(ret);
		goto out;
	}
	attach = dma_buf_dynamic_attach(buf, &dev, &attach_ops, NULL);
	if (!attach)
		GIVE_UP(-errno);
	if (dma_resv_lock(dma_buf_resv(buf), NULL))
		GIVE_UP(-EDEADLK);
	sgt = dma_buf_map_attachment(attach, DMA_BIDIRECTIONAL);
	ret = sgt ? 0 : -errno;
	if (sgt) {
		p = (volatile uint8_t *)(uintptr_t)sgt->sgl[0].dma_address;
		len = sgt->sgl[0].dma_length;
	}
	dma_resv_unlock(dma_buf_resv(buf));
	if (ret)
		GIVE_UP(ret);
	tell(SIM_PMSG_MAPPED, 0, dmb_dma_checksum((const void *)p, len));

	ret = act(attach, p, len);
	if (ret)
		GIVE_UP(ret);

	dma_resv_lock(dma_buf_resv(buf), NULL);
	if (sgt)
		dma_buf_unmap_attachment(attach, sgt, DMA_BIDIRECTIONAL);
	sgt = NULL;
	dma_resv_unlock(dma_buf_resv(buf));
	dma_buf_detach(buf, attach);
out:
	dma_buf_put(buf);
	dmb_ipc_destroy(ipc);
	tell(SIM_PMSG_DONE, 0, 0);
	return 0;
}
