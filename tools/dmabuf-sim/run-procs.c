// SPDX-License-Identifier: MIT
/*
 * run-procs.c - play a scenario whose importers are processes: the
 * exporter shares its buffer as a descriptor (dma_buf_fd()) with importer
 * processes started from dmabuf-sim itself (proc-child.c), performs the
 * scenario's revoking event, and records each process's fate.
 *
 * Time is real (processes do not run on the scenario clock), but nothing
 * is decided by it: the event starts once every importer has mapped (and
 * its "at" has passed), a killed-mid-revoke importer is killed when its
 * invalidate arrived, a holds-vmap importer tries CPU access when told the
 * revoke returned, the revoke's end is a byte on a pipe, and each fate
 * is what the process reported on its control socket plus waitpid(). The
 * only time bound is the hang guard (the scenario's duration plus
 * SIM_PROCS_GRACE_NS), after which the run gives up and fails. Whether the
 * revoke finished within its policy's bound is measured and shown, not
 * judged: on a loaded machine it may not, and a verdict must not flake.
 *
 * Threads: the main thread dispatches the exporter's context
 * (dmb_ipc_dispatch()) and the control sockets; the revoke runs in a thread
 * of its own, because it waits for unmaps that only the dispatching thread
 * can deliver (docs/ipc.md). The diagnostics sink runs in either; ps->lock
 * protects the result against that, and is never held while calling into
 * the library. Every child is spawned before the revoke thread exists, and
 * every child is reaped, on every path.
 *
 * The exporter kind is a parameter (exporter_create(), exporter_perform()):
 * today only a memfd buffer can be shared with another process.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dmabuf/clock.h>
#include <dmabuf/diag.h>
#include <dmabuf/dmb-ipc.h>
#include <dmabuf/drivers/vfio-pci.h>
#include <dmabuf/hw/dma-engine.h>
#include <dmabuf/hw/pci.h>

#include "proc-msg.h"
#include "run-procs.h"

#define SIM_PROCS_GRACE_NS	(30 * NSEC_PER_SEC)	/* the hang guard, past the duration */
#define SIM_PROCS_SLACK_NS	(100 * NSEC_PER_MSEC)	/* shown with the bound */
#define SIM_DIAG_KINDS		(DMB_DIAG_NOTICE + 1)

struct sim_proc {
	const struct sim_importer_spec *spec;
	char name[SIM_NAME_LEN];	/* instance name: the context's and the device's */
	char track[SIM_TRACK_LEN];
	pid_t pid;			/* -1 once reaped */
	int ctl;			/* the runner's end; -1 at EOF */
	int att;			/* index in res->attachments */
	int status;			/* waitpid()'s */
	bool mapped, unmapped, faulted, killed, done, failed;
	bool map_again_set;
	int map_again;			/* 0 or -errno */
	bool cpu_begin_set, cpu_end_set;	/* holds-vmap: its CPU access after the revoke */
	int cpu_begin, cpu_end;		/* 0 or -errno */
	unsigned long cpu_nonzero;	/* bytes of its vmap it read that were not zero */
	unsigned int diags[SIM_DIAG_KINDS];	/* the library's reports in it, by kind */
	int fault_sig;
	int fail_err;
	unsigned int fail_line;
	unsigned long after_invalidate;	/* accesses it made after its invalidate */
	unsigned int invalidations;
	int64_t invalidated_at, unmapped_at, mapped_at, end_at;
	uint64_t checksum;
};

struct sim_procs {
	const struct sim_scenario *sc;
	struct sim_result *res;
	int64_t t0;
	struct dmb_ipc *ipc;
	struct dma_buf *buf;
	/* vfio-pci: a PCI function on an address space of its own */
	struct dmb_phys_space *space;
	struct dmb_pci_function *pci;
	struct dmb_vfio_pci *vfio;
	struct dmb_exporter_observer observer;
	char exp_track[SIM_TRACK_LEN];
	uint64_t checksum;		/* of the contents the importers must read */
	struct sim_proc procs[SIM_MAX_IMPORTERS];
	unsigned int nr;
	pthread_mutex_t lock;		/* the result, against the sink */

	/* the event in flight, performed by the event thread */
	const struct sim_event_spec *ev;
	pthread_t thread;
	bool busy;
	int done[2];			/* a pipe: readable when the event returned */
	int ev_ret;
	bool revoked;			/* the event revoked the buffer */
	struct dmb_revoke_stats stats;
	int64_t ev_at;
	unsigned int next_ev;
};

static int64_t now_ns(struct sim_procs *ps)
{
	return dmb_ktime_get_ns() - ps->t0;
}

static void event(struct sim_procs *ps, const char *track, bool instant, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void event(struct sim_procs *ps, const char *track, bool instant, const char *fmt, ...)
{
	char text[SIM_TEXT_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&ps->lock);
	sim_result_event(ps->res, now_ns(ps), track, instant, "%s", text);
	pthread_mutex_unlock(&ps->lock);
}

static void sink(const struct dmb_diag *diag, void *data)
{
	struct sim_procs *ps = data;
	const char *kind = diag->kind == DMB_DIAG_VIOLATION ? "" :
			   diag->kind == DMB_DIAG_NOTICE ? "notice: " : "WARNING: ";

	event(ps, diag->kind == DMB_DIAG_WARN ? "libdmabuf" : ps->exp_track, true,
	      "%s%s", kind, diag->msg);
}

/* ---- the exporter ---- */

/* vfio-pci reports its revoke's phases here, in the thread that revoked. */
static void on_revoked(void *data, struct dma_buf *buf, const char *reason,
		       const struct dmb_revoke_stats *st)
{
	struct sim_procs *ps = data;

	/* Read by the main thread after the join. */
	if (!st->already_revoked) {
		ps->stats = *st;
		ps->revoked = true;
	}
}

static void on_unrevoked(void *data, struct dma_buf *buf, const char *reason)
{
	struct sim_procs *ps = data;

	pthread_mutex_lock(&ps->lock);
	ps->res->nr_unrevokes++;
	sim_result_event(ps->res, now_ns(ps), ps->exp_track, false,
			 "unrevoked (%s): importers may map again", reason);
	pthread_mutex_unlock(&ps->lock);
}

static struct dma_buf *vfio_pci_create(struct sim_procs *ps, const char *name)
{
	const struct sim_scenario *sc = ps->sc;
	struct dmb_pci_function_info pinfo = {
		.dev = { .name = sc->exporter.device, .p2p = true },
		.bar_size = { DMB_PAGE_ALIGN(sc->exporter.size) },
	};
	struct dmb_vfio_pci_info vinfo = {
		.policy = DMB_VFIO_POLICY_REVOKE,
		.revoke = &sc->policy,
		.observer = &ps->observer,
	};

	ps->observer.revoked = on_revoked;
	ps->observer.unrevoked = on_unrevoked;
	ps->observer.data = ps;
	ps->space = dmb_phys_space_create(dmb_clock_real());
	if (!ps->space)
		return NULL;
	ps->pci = dmb_pci_function_create(ps->space, &pinfo);
	if (!ps->pci)
		return NULL;
	ps->vfio = dmb_vfio_pci_open(ps->pci, &vinfo);
	if (!ps->vfio)
		return NULL;
	/* A buffer of an exporter without a context is shared through this one. */
	dmb_ipc_set_default(ps->ipc);
	return dmb_vfio_pci_export(ps->vfio, 0, 0, sc->exporter.size, name);
}

static struct dma_buf *exporter_create(struct sim_procs *ps)
{
	const struct sim_scenario *sc = ps->sc;
	char name[SIM_NAME_LEN + 8];

	snprintf(name, sizeof(name), "%s-buf", sc->exporter.device);
	switch (sc->exporter.kind) {
	case SIM_EXP_MEMFD:
		return dmb_memfd_buf_create(ps->ipc, name, sc->exporter.size, &sc->policy);
	case SIM_EXP_VFIO_PCI:
		return vfio_pci_create(ps, name);
	default:
		errno = EOPNOTSUPP;
		return NULL;
	}
}

/* An event, in the event thread: the revoke it causes fills @st. */
static int exporter_perform(struct sim_procs *ps, enum sim_action action,
			    struct dmb_revoke_stats *st)
{
	switch (ps->sc->exporter.kind) {
	case SIM_EXP_MEMFD:
		if (action != SIM_ACT_CLOSE)
			return -EOPNOTSUPP;
		ps->revoked = true;
		return dmb_memfd_buf_revoke(ps->buf, st);
	case SIM_EXP_VFIO_PCI:
		/* A revoke's phases come to on_revoked(), which fills @st. */
		return sim_pci_action(ps->pci, action);
	default:
		return -EOPNOTSUPP;
	}
}

/* Write the exporter's contents through the CPU. */
static int exporter_write(struct sim_procs *ps, const uint8_t *data, size_t size)
{
	void *p;
	int ret;

	if (ps->sc->exporter.kind == SIM_EXP_VFIO_PCI)
		return dmb_pci_bar_write(ps->pci, 0, 0, data, size);
	ret = dma_buf_vmap_unlocked(ps->buf, &p);
	if (ret)
		return ret;
	memcpy(p, data, size);
	/* A memfd revoke is refused while the exporter holds a vmap. */
	dma_buf_vunmap_unlocked(ps->buf, p);
	return 0;
}

/* The pattern the importers must read: only the seed decides it. */
static int fill(struct sim_procs *ps)
{
	uint64_t x = ps->res->seed * 0x9e3779b97f4a7c15ull + 1;
	size_t size = dma_buf_size(ps->buf);
	uint8_t *p = malloc(size);
	int ret;

	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < size; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (uint8_t)x;
	}
	ps->checksum = dmb_dma_checksum(p, size);
	ret = exporter_write(ps, p, size);
	free(p);
	return ret;
}

/* ---- the importer processes ---- */

static int spawn(struct sim_procs *ps, struct sim_proc *pr)
{
	char fd_arg[16];
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	snprintf(fd_arg, sizeof(fd_arg), "%d", sv[1]);
	fflush(NULL);
	pr->pid = fork();
	if (pr->pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -errno;
	}
	if (pr->pid == 0) {
		char *argv[] = { "dmabuf-sim", SIM_CHILD_ARG,
				 (char *)sim_behaviour_name(pr->spec->behaviour),
				 pr->name, fd_arg, NULL };

		/* Only the importer's end crosses exec(). */
		if (fcntl(sv[1], F_SETFD, 0) == 0)
			execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(sv[1]);
	pr->ctl = sv[0];
	return 0;
}

static int share(struct sim_procs *ps, struct sim_proc *pr)
{
	int fd = dma_buf_fd(ps->buf, O_CLOEXEC);
	int ret;

	if (fd < 0)
		return fd;
	ret = dmb_ipc_send_fd(pr->ctl, fd);
	close(fd);
	return ret;
}

static void add_procs(struct sim_procs *ps)
{
	const struct sim_scenario *sc = ps->sc;

	for (unsigned int s = 0; s < sc->nr_importers; s++) {
		for (unsigned int i = 0; i < sc->importers[s].count; i++) {
			struct sim_proc *pr = &ps->procs[ps->nr];
			struct sim_attachment_result *a;
			char name[SIM_NAME_LEN];

			pr->spec = &sc->importers[s];
			/* "<driver> <device>", as every importer's track. */
			pr->pid = -1;
			pr->ctl = -1;
			pr->invalidated_at = pr->unmapped_at = -1;
			sim_importer_instance_name(pr->spec, i, name, sizeof(name));
			snprintf(pr->name, sizeof(pr->name), "%s", name);
			snprintf(pr->track, sizeof(pr->track), "%s %s",
				 sim_importer_name(SIM_IMP_PROCESS), name);
			a = sim_result_add_attachment(ps->res, sim_importer_name(SIM_IMP_PROCESS),
						      pr->name, sim_exporter_name(sc->exporter.kind), s);
			pr->att = a ? (int)(a - ps->res->attachments) : -1;
			if (a) {
				a->process = true;
				a->behaviour = pr->spec->behaviour;
				a->revocable = true;
			}
			ps->nr++;
		}
	}
}

/* The child is gone (its socket closed): collect its status. */
static void reap(struct sim_procs *ps, struct sim_proc *pr)
{
	if (pr->ctl >= 0)
		close(pr->ctl);
	pr->ctl = -1;
	if (pr->pid > 0 && waitpid(pr->pid, &pr->status, 0) == pr->pid) {
		pr->end_at = now_ns(ps);
		/* Its death unmapped it: the exporter saw its connection close. */
		if (pr->killed && pr->invalidated_at >= 0 && pr->unmapped_at < 0) {
			pr->unmapped_at = pr->end_at;
			event(ps, pr->track, true,
			      "unmapped: it died, and with it its connection and mapping");
		}
		pr->pid = -pr->pid;	/* reaped; the id stays for the report */
	}
}

static void kill_child(struct sim_procs *ps, struct sim_proc *pr, const char *why)
{
	if (pr->pid <= 0 || pr->killed)
		return;
	kill(pr->pid, SIGKILL);
	pr->killed = true;
	event(ps, pr->track, true, "killed (SIGKILL) by the runner: %s", why);
}

static void on_msg(struct sim_procs *ps, struct sim_proc *pr, const struct sim_pmsg *m)
{
	int64_t now = now_ns(ps);

	switch (m->type) {
	case SIM_PMSG_MAPPED:
		pr->mapped = true;
		pr->mapped_at = now;
		pr->checksum = m->arg;
		event(ps, pr->track, false, "imported, %s; read %s",
		      pr->spec->behaviour == SIM_BEH_HOLDS_VMAP ? "vmapped (dma_buf_vmap)" :
		      "attached (revocable) and mapped", m->arg == ps->checksum ? "the exporter's bytes" : "OTHER bytes than the exporter's");
		break;
	case SIM_PMSG_INVALIDATED:
		pr->invalidations++;
		pr->invalidated_at = now;
		event(ps, pr->track, true, "invalidated: invalidate_mappings ran in the process");
		if (pr->spec->behaviour == SIM_BEH_KILLED_MID_REVOKE)
			kill_child(ps, pr, "its invalidate arrived, its mapping is live");
		break;
	case SIM_PMSG_UNMAPPED:
		pr->unmapped = true;
		pr->unmapped_at = now;
		event(ps, pr->track, true, "unmapped");
		break;
	case SIM_PMSG_FAULTED:
		pr->faulted = true;
		pr->fault_sig = m->value;
		pr->after_invalidate = (unsigned long)m->arg;
		event(ps, pr->track, true, "faulted with %s after %lu access(es) since its invalidate",
		      m->value == SIGBUS ? "SIGBUS" : strsignal(m->value),
		      (unsigned long)m->arg);
		break;
	case SIM_PMSG_MAP_AGAIN:
		pr->map_again_set = true;
		pr->map_again = m->value;
		event(ps, pr->track, false, "map after the revoke: %s",
		      m->value ? strerror(-m->value) : "succeeded");
		break;
	case SIM_PMSG_FAILED:
		pr->failed = true;
		pr->fail_err = m->value;
		pr->fail_line = (unsigned int)m->arg;
		event(ps, pr->track, false, "gave up at proc-child.c:%u: %s", pr->fail_line,
		      strerror(-m->value));
		break;
	case SIM_PMSG_CPU_BEGIN:
		pr->cpu_begin_set = true;
		pr->cpu_begin = m->value;
		event(ps, pr->track, true, "CPU access through its vmap after the revoke: %s",
		      m->value ? strerror(-m->value) : "allowed");
		break;
	case SIM_PMSG_CPU_END:
		pr->cpu_end_set = true;
		pr->cpu_end = m->value;
		pr->cpu_nonzero = (unsigned long)m->arg;
		event(ps, pr->track, true, "... read %s; end of CPU access: %s",
		      m->arg ? "NON-ZERO bytes" : "zeros", m->value ? strerror(-m->value) : "ok");
		break;
	case SIM_PMSG_DIAG:
		if (m->value >= 0 && m->value < SIM_DIAG_KINDS)
			pr->diags[m->value]++;
		event(ps, pr->track, true, "the library reported a %s in the process",
		      m->value == DMB_DIAG_NOTICE ? "notice" :
		      m->value == DMB_DIAG_VIOLATION ? "violation" : "WARNING");
		break;
	case SIM_PMSG_DONE:
		pr->done = true;
		event(ps, pr->track, false, "%s, put the buffer, exited",
		      pr->spec->behaviour == SIM_BEH_HOLDS_VMAP ? "vunmapped" : "detached");
		break;
	default:
		event(ps, pr->track, false, "sent an unknown record %u", m->type);
		break;
	}
}

static void ctl_readable(struct sim_procs *ps, struct sim_proc *pr)
{
	struct sim_pmsg m;
	ssize_t n = recv(pr->ctl, &m, sizeof(m), MSG_DONTWAIT);

	/*
	 * A child that dies with a record of ours unread (a writer that
	 * faulted before it read REVOKED) makes our next recv() fail with
	 * ECONNRESET once; what it sent before dying is still queued after.
	 */
	if (n == sizeof(m))
		on_msg(ps, pr, &m);
	else if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR &&
			    errno != ECONNRESET))
		reap(ps, pr);
}

static void tell_revoked(struct sim_procs *ps)
{
	struct sim_pmsg m = { .type = SIM_PMSG_REVOKED };

	for (unsigned int i = 0; i < ps->nr; i++)
		if (ps->procs[i].ctl >= 0)
			(void)!send(ps->procs[i].ctl, &m, sizeof(m), MSG_NOSIGNAL);
}

/* ---- the event ---- */

static void *event_thread(void *arg)
{
	struct sim_procs *ps = arg;
	char c = 1;

	ps->ev_ret = exporter_perform(ps, ps->ev->action, &ps->stats);
	(void)!write(ps->done[1], &c, 1);
	return NULL;
}

static int start_event(struct sim_procs *ps)
{
	int ret;

	ps->ev = &ps->sc->events[ps->next_ev++];
	ps->ev_at = now_ns(ps);
	ps->revoked = false;
	memset(&ps->stats, 0, sizeof(ps->stats));
	event(ps, ps->exp_track, true, "event: %s", sim_action_name(ps->ev->action));
	ret = -pthread_create(&ps->thread, NULL, event_thread, ps);
	ps->busy = ret == 0;
	return ret;
}

/* The bound a revoke is held to by its policy, or -1 (none). */
static int64_t revoke_bound(const struct dmb_revoke_policy *pol)
{
	if (pol->wait == DMB_REVOKE_WAIT)
		return -1;
	return pol->fence_bound_ns + pol->unmap_bound_ns;
}

/* The revoke and its phases, ending at @end, as the in-process runner shows them. */
static void revoke_spans(struct sim_procs *ps, int64_t end)
{
	const struct dmb_revoke_stats *st = &ps->stats;
	int64_t t4 = end, t3 = t4 - st->unmap_wait_ns, t2 = t3 - st->fence_wait_ns;
	int64_t t1 = t2 - st->invalidate_ns, t0 = end - st->total_ns;

	t0 = t0 < 0 ? 0 : t0;
	t1 = t1 < t0 ? t0 : t1;
	sim_result_span(ps->res, t0, t4, ps->exp_track, "revoke", false);
	sim_result_span(ps->res, t1, t2, ps->exp_track, "invalidate", false);
	sim_result_span(ps->res, t2, t3, ps->exp_track, "fence wait", false);
	sim_result_span(ps->res, t3, t4, ps->exp_track, "unmap wait", st->warnings != 0);
}

static void record_revoke(struct sim_procs *ps, int64_t end)
{
	const struct dmb_revoke_stats *st = &ps->stats;
	struct sim_revoke_result *r;
	int64_t bound = revoke_bound(&ps->sc->policy);

	pthread_mutex_lock(&ps->lock);
	r = sim_result_add_revoke(ps->res, ps->exp_track, sim_action_name(ps->ev->action),
				  ps->ev_at);
	if (r) {
		r->total_ns = st->total_ns;
		r->invalidate_ns = st->invalidate_ns;
		r->fence_wait_ns = st->fence_wait_ns;
		r->unmap_wait_ns = st->unmap_wait_ns;
		r->warnings = st->warnings;
		r->forced = st->forced;
		r->bound_ns = bound;
		r->slack_ns = bound >= 0 ? SIM_PROCS_SLACK_NS : -1;
		for (unsigned int i = 0; i < ps->nr; i++) {
			const struct sim_proc *pr = &ps->procs[i];

			if (pr->att < 0 || pr->invalidated_at < 0)
				continue;
			r->unmap_latency_ns[pr->att] = pr->unmapped_at >= 0 ?
				pr->unmapped_at - pr->invalidated_at : SIM_LATENCY_NEVER;
		}
	}
	revoke_spans(ps, end);
	sim_result_event(ps->res, end, ps->exp_track, false,
			 "revoked (%s): invalidate %.3f ms, fence wait %.3f ms, unmap wait %.3f ms%s",
			 sim_action_name(ps->ev->action), st->invalidate_ns / 1e6,
			 st->fence_wait_ns / 1e6, st->unmap_wait_ns / 1e6,
			 st->forced ? ", mappings torn down by force" : "");
	if (bound >= 0)
		sim_result_event(ps->res, end, ps->exp_track, false,
				 "the revoke took %.3f ms; its bound is %.3f ms (+ %.0f ms slack): %s (measured, not judged)",
				 st->total_ns / 1e6, bound / 1e6, SIM_PROCS_SLACK_NS / 1e6,
				 st->total_ns <= bound + SIM_PROCS_SLACK_NS ? "within" : "OVER");
	pthread_mutex_unlock(&ps->lock);
}

static void event_done(struct sim_procs *ps)
{
	int64_t end = now_ns(ps);
	char c;

	(void)!read(ps->done[0], &c, 1);
	pthread_join(ps->thread, NULL);
	ps->busy = false;
	if (ps->ev_ret) {
		event(ps, ps->exp_track, false, "%s failed: %s", sim_action_name(ps->ev->action),
		      strerror(-ps->ev_ret));
		return;
	}
	if (!ps->revoked)
		return;
	record_revoke(ps, end);
	tell_revoked(ps);
}

/* ---- the loop ---- */

static bool all_mapped_or_gone(struct sim_procs *ps)
{
	for (unsigned int i = 0; i < ps->nr; i++)
		if (!ps->procs[i].mapped && ps->procs[i].ctl >= 0)
			return false;
	return true;
}

static bool all_reaped(struct sim_procs *ps)
{
	for (unsigned int i = 0; i < ps->nr; i++)
		if (ps->procs[i].pid > 0)
			return false;
	return true;
}

static void give_up(struct sim_procs *ps)
{
	pthread_mutex_lock(&ps->lock);
	ps->res->gave_up = true;
	snprintf(ps->res->unfinished, sizeof(ps->res->unfinished), "%s",
		 ps->busy ? sim_action_name(ps->ev->action) : "importer processes");
	ps->res->unfinished_at_ns = ps->busy ? ps->ev_at : 0;
	sim_result_event(ps->res, now_ns(ps), ps->exp_track, false,
			 "gave up: %s still under way %lld s after the end",
			 ps->res->unfinished, (long long)(SIM_PROCS_GRACE_NS / NSEC_PER_SEC));
	pthread_mutex_unlock(&ps->lock);
	for (unsigned int i = 0; i < ps->nr; i++)
		kill_child(ps, &ps->procs[i], "the run gave up");
}

static void play(struct sim_procs *ps)
{
	const struct sim_scenario *sc = ps->sc;
	int64_t give_up_at = sc->duration_ns + SIM_PROCS_GRACE_NS;
	bool gave_up = false;

	for (;;) {
		struct pollfd pfd[2 + SIM_MAX_IMPORTERS];
		struct sim_proc *who[2 + SIM_MAX_IMPORTERS];
		int64_t now = now_ns(ps), wait = give_up_at - now;
		unsigned int n = 0;
		/*
		 * The first event waits until every importer has mapped; a later
		 * one until every importer's story ended, so that what they do
		 * after a revoke never races the next event (an unrevoke).
		 */
		bool ready = ps->next_ev ? all_reaped(ps) : all_mapped_or_gone(ps);

		if (!ps->busy && ready && ps->next_ev < sc->nr_events &&
		    sc->events[ps->next_ev].at_ns <= now && start_event(ps))
			break;
		if (!ps->busy && ps->next_ev == sc->nr_events && all_reaped(ps))
			break;
		if (!gave_up && now >= give_up_at) {
			give_up(ps);
			gave_up = true;
		}
		if (!ps->busy && ready && ps->next_ev < sc->nr_events &&
		    sc->events[ps->next_ev].at_ns - now < wait)
			wait = sc->events[ps->next_ev].at_ns - now;
		if (gave_up)
			wait = -1;	/* every child was killed: their EOFs come */

		pfd[n] = (struct pollfd){ .fd = dmb_ipc_get_fd(ps->ipc), .events = POLLIN };
		who[n++] = NULL;
		pfd[n] = (struct pollfd){ .fd = ps->busy ? ps->done[0] : -1, .events = POLLIN };
		who[n++] = NULL;
		for (unsigned int i = 0; i < ps->nr; i++) {
			if (ps->procs[i].ctl < 0)
				continue;
			pfd[n] = (struct pollfd){ .fd = ps->procs[i].ctl, .events = POLLIN };
			who[n++] = &ps->procs[i];
		}
		if (poll(pfd, n, wait < 0 ? -1 : (int)(wait / NSEC_PER_MSEC) + 1) < 0 &&
		    errno != EINTR)
			break;
		if (pfd[0].revents)
			dmb_ipc_dispatch(ps->ipc);
		if (pfd[1].revents)
			event_done(ps);
		for (unsigned int i = 2; i < n; i++)
			if (pfd[i].revents)
				ctl_readable(ps, who[i]);
	}
}

/* ---- the fates ---- */

/* Whether the exporter still has an attachment of @pr's process. */
static bool still_attached(const struct sim_proc *pr)
{
	char *text = NULL, needle[SIM_NAME_LEN + 16];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	bool found;

	if (!f)
		return true;
	dma_buf_debug_dump(f);
	fclose(f);
	snprintf(needle, sizeof(needle), "%s[%d]", pr->name, (int)-pr->pid);
	found = text && strstr(text, needle);
	free(text);
	return found;
}

static void fate(struct sim_procs *ps, struct sim_proc *pr)
{
	struct sim_attachment_result *a = pr->att >= 0 ? &ps->res->attachments[pr->att] : NULL;
	bool exited0 = WIFEXITED(pr->status) && WEXITSTATUS(pr->status) == 0;
	bool attached = still_attached(pr);
	enum sim_fate f = SIM_FATE_LOST;
	char detail[SIM_TEXT_LEN];

	if (pr->failed) {
		f = SIM_FATE_FAILED;
		snprintf(detail, sizeof(detail), "gave up at proc-child.c:%u: %s",
			 pr->fail_line, strerror(-pr->fail_err));
	} else if (pr->faulted && exited0) {
		f = SIM_FATE_FAULTED;
		snprintf(detail, sizeof(detail),
			 "faulted with %s after %lu access(es) since its invalidate; contained: the exporter went on, the importer was %s",
			 pr->fault_sig == SIGBUS ? "SIGBUS" : strsignal(pr->fault_sig),
			 pr->after_invalidate, attached ? "NOT cleaned up" : "cleaned up");
		if (pr->fault_sig != SIGBUS || attached)
			f = SIM_FATE_LOST;
	} else if (pr->killed && WIFSIGNALED(pr->status) && WTERMSIG(pr->status) == SIGKILL) {
		f = attached ? SIM_FATE_LOST : SIM_FATE_CLEANED_UP;
		snprintf(detail, sizeof(detail),
			 "killed after its invalidate arrived; its mapping and attachment were %s",
			 attached ? "NOT dropped by the exporter" : "dropped by the exporter");
	} else if (pr->spec->behaviour == SIM_BEH_HOLDS_VMAP && pr->cpu_begin_set &&
		   pr->cpu_end_set && pr->done && exited0) {
		/* Refused both ways, the memory gone, its stand-in attachment dropped. */
		f = pr->cpu_begin == -EIO && pr->cpu_end == -EIO && !pr->cpu_nonzero &&
		    !attached ? SIM_FATE_REFUSED : SIM_FATE_LOST;
		snprintf(detail, sizeof(detail),
			 "kept its vmap through the revoke; then CPU access: begin %s, end %s; it read %s (%u notice(s)); the exporter %s its vmap's attachment",
			 pr->cpu_begin ? strerror(-pr->cpu_begin) : "allowed",
			 pr->cpu_end ? strerror(-pr->cpu_end) : "ok",
			 pr->cpu_nonzero ? "NON-ZERO bytes: the memory was not taken back" : "zeros",
			 pr->diags[DMB_DIAG_NOTICE], attached ? "did NOT drop" : "dropped");
	} else if (pr->unmapped && pr->done && exited0) {
		f = SIM_FATE_UNMAPPED;
		snprintf(detail, sizeof(detail), "unmapped in invalidate_mappings%s%s",
			 pr->map_again_set ? "; a map after the revoke: " : "",
			 !pr->map_again_set ? "" : pr->map_again ? strerror(-pr->map_again) :
			 "succeeded");
	} else if (WIFSIGNALED(pr->status)) {
		snprintf(detail, sizeof(detail), "died of %s without reporting it",
			 strsignal(WTERMSIG(pr->status)));
	} else {
		snprintf(detail, sizeof(detail), "exited with status %d without a fate",
			 WIFEXITED(pr->status) ? WEXITSTATUS(pr->status) : -1);
	}
	if (pr->mapped && pr->checksum != ps->checksum) {
		f = SIM_FATE_LOST;
		snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail),
			 "; it read other bytes than the exporter's");
	}
	event(ps, pr->track, false, "fate: %s (%s)", sim_fate_name(f), detail);
	if (pr->mapped)
		sim_result_span(ps->res, pr->mapped_at, pr->end_at > pr->mapped_at ?
				pr->end_at : pr->mapped_at + 1, pr->track,
				sim_behaviour_name(pr->spec->behaviour),
				f != sim_fate_expected(pr->spec->behaviour));
	if (!a)
		return;
	a->pid = -pr->pid;
	a->fate = f;
	snprintf(a->fate_detail, sizeof(a->fate_detail), "%s", detail);
	a->invalidations = pr->invalidations;
	a->unmap_latency_ns = pr->unmapped_at >= 0 && pr->invalidated_at >= 0 ?
		pr->unmapped_at - pr->invalidated_at :
		pr->invalidated_at >= 0 ? SIM_LATENCY_NEVER : SIM_LATENCY_NONE;
}

static void collect(struct sim_procs *ps)
{
	struct dmb_check_record *records;
	struct pollfd p = { .fd = dmb_ipc_get_fd(ps->ipc), .events = POLLIN };
	size_t n;

	/* Every child is reaped: their sockets closed; let the exporter see it. */
	while (poll(&p, 1, 0) > 0 && dmb_ipc_dispatch(ps->ipc) > 0)
		;
	for (unsigned int i = 0; i < ps->nr; i++)
		fate(ps, &ps->procs[i]);
	records = calloc(DMB_CHECK_RECORDS, sizeof(*records));
	if (records) {
		n = dmb_check_records(records, DMB_CHECK_RECORDS);
		memcpy(ps->res->violations, records, n * sizeof(*records));
		ps->res->nr_violations = (unsigned int)n;
		/* On the run's clock, as every other time of the report. */
		for (size_t i = 0; i < n; i++)
			if (ps->res->violations[i].time_ns >= ps->t0)
				ps->res->violations[i].time_ns -= ps->t0;
		free(records);
	}
	ps->res->duration_ns = now_ns(ps);
}

/* Kill and reap whatever is left: on every path, failures included. */
static void reap_all(struct sim_procs *ps)
{
	for (unsigned int i = 0; i < ps->nr; i++) {
		struct sim_proc *pr = &ps->procs[i];

		if (pr->pid > 0) {
			kill(pr->pid, SIGKILL);
			reap(ps, pr);
		}
		if (pr->ctl >= 0)
			close(pr->ctl);
		pr->ctl = -1;
	}
}

static int setup(struct sim_procs *ps)
{
	const struct sim_scenario *sc = ps->sc;
	int ret;

	snprintf(ps->exp_track, sizeof(ps->exp_track), "%s %s",
		 sim_exporter_name(sc->exporter.kind), sc->exporter.device);
	if (pipe2(ps->done, O_CLOEXEC))
		return -errno;
	ps->ipc = dmb_ipc_create("dmabuf-sim", 0);
	if (!ps->ipc)
		return -errno;
	ps->buf = exporter_create(ps);
	if (!ps->buf)
		return -errno;
	ret = fill(ps);
	if (ret)
		return ret;
	event(ps, ps->exp_track, false, "exported %s (%llu KiB), shareable with dma_buf_fd()",
	      dma_buf_name(ps->buf), (unsigned long long)(sc->exporter.size >> 10));
	add_procs(ps);
	/* Every child before any thread: they fork a process with one. */
	for (unsigned int i = 0; i < ps->nr; i++) {
		ret = spawn(ps, &ps->procs[i]);
		if (ret)
			return ret;
		event(ps, ps->procs[i].track, false, "started %s[%d]: an importer process that is %s",
		      ps->procs[i].name, (int)ps->procs[i].pid,
		      sim_behaviour_name(ps->procs[i].spec->behaviour));
	}
	for (unsigned int i = 0; i < ps->nr; i++) {
		ret = share(ps, &ps->procs[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * An event still under way when the run stops: its importers are dead, so
 * dispatching their closed connections lets the revoke end.
 */
static void finish_event(struct sim_procs *ps)
{
	while (ps->busy) {
		struct pollfd p[2] = {
			{ .fd = dmb_ipc_get_fd(ps->ipc), .events = POLLIN },
			{ .fd = ps->done[0], .events = POLLIN },
		};

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			dmb_ipc_dispatch(ps->ipc);
		if (p[1].revents)
			event_done(ps);
	}
}

static void teardown(struct sim_procs *ps)
{
	reap_all(ps);
	finish_event(ps);
	/* The result is collected: a release's revoke is not the scenario's. */
	ps->observer.revoked = NULL;
	ps->observer.unrevoked = NULL;
	if (ps->buf)
		dma_buf_put(ps->buf);
	if (ps->vfio)
		dmb_vfio_pci_release(ps->vfio);
	if (ps->pci)
		dmb_pci_function_destroy(ps->pci);
	if (ps->space)
		dmb_phys_space_destroy(ps->space);
	dmb_ipc_set_default(NULL);
	if (ps->ipc)
		dmb_ipc_destroy(ps->ipc);
	if (ps->done[0] >= 0) {
		close(ps->done[0]);
		close(ps->done[1]);
	}
}

int sim_run_procs(const struct sim_scenario *sc, struct sim_result *res)
{
	struct sim_procs *ps = calloc(1, sizeof(*ps));
	int ret;

	if (!ps)
		return -ENOMEM;
	ps->sc = sc;
	ps->res = res;
	ps->done[0] = ps->done[1] = -1;
	ps->t0 = dmb_ktime_get_ns();
	pthread_mutex_init(&ps->lock, NULL);
	dmb_check_reset();
	dmb_check_set_clock(NULL);
	dmb_diag_set_backtrace(false);
	dmb_diag_set_sink(sink, ps);

	ret = setup(ps);
	if (ret == 0) {
		play(ps);
		reap_all(ps);
		collect(ps);
	} else {
		event(ps, "dmabuf-sim", false, "could not set the scenario up: %s",
		      strerror(-ret));
	}
	teardown(ps);
	dmb_diag_set_sink(NULL, NULL);
	dmb_diag_set_backtrace(true);
	pthread_mutex_destroy(&ps->lock);
	free(ps);
	return ret;
}
