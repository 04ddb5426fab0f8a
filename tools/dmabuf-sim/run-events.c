// SPDX-License-Identifier: MIT
/*
 * run-events.c - the scenario's events (a reset, a close, an eviction...),
 * performed one at a time by the event thread, and what comes back from
 * the library while they happen: the exporter's revoke/unrevoke/move
 * reports and the checker's diagnostics, all written into the result.
 *
 * Locking: world->lock protects the result, the revoked state and the
 * hand-over of events to the thread (see run-world.h). Observer and sink
 * callbacks may run with library locks held, so they only take world->lock,
 * which is never held while calling into the library.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <dmabuf/diag.h>

#include <dmabuf/hw/pci.h>

#include "run-world.h"
#include "units.h"

static enum dmb_importer_kind importer_kind(enum sim_importer_kind kind)
{
	static const enum dmb_importer_kind map[SIM_NR_IMPORTERS] = {
		[SIM_IMP_IOMMUFD] = DMB_IMPORTER_IOMMUFD,
		[SIM_IMP_RDMA_PINNED] = DMB_IMPORTER_RDMA_PINNED,
		[SIM_IMP_RDMA_ODP] = DMB_IMPORTER_RDMA_ODP,
		[SIM_IMP_GPU] = DMB_IMPORTER_GPU,
		[SIM_IMP_BROKEN_NO_UNMAP] = DMB_IMPORTER_BROKEN_NO_UNMAP,
		[SIM_IMP_BROKEN_WRITE_AFTER_INV] = DMB_IMPORTER_BROKEN_WRITE_AFTER_INVALIDATE,
		[SIM_IMP_BROKEN_TOUCH_AFTER_UNMAP] = DMB_IMPORTER_BROKEN_TOUCH_AFTER_UNMAP,
	};

	return map[kind];
}

int sim_pci_action(struct dmb_pci_function *pci, enum sim_action action)
{
	switch (action) {
	case SIM_ACT_FLR:
		return dmb_pci_flr_begin(pci);
	case SIM_ACT_FLR_DONE:
		return dmb_pci_flr_end(pci);
	case SIM_ACT_DECODE_OFF:
		return dmb_pci_set_decode(pci, false);
	case SIM_ACT_DECODE_ON:
		return dmb_pci_set_decode(pci, true);
	case SIM_ACT_CLOSE:
		return dmb_pci_close(pci);
	default:
		return -EOPNOTSUPP;
	}
}

int sim_attach_spec(struct sim_world *w, unsigned int spec_idx)
{
	const struct sim_importer_spec *spec = &w->sc->importers[spec_idx];
	int64_t now = sim_now(w);

	for (unsigned int i = 0; i < spec->count; i++) {
		struct dmb_hw_device_info info = { .p2p = true };
		unsigned int n = atomic_load_explicit(&w->nr_imps, memory_order_relaxed);
		struct sim_attachment_result *a;
		struct sim_imp *si;
		char name[SIM_NAME_LEN];
		int err = 0;

		if (n == SIM_MAX_IMPORTERS)
			return -ENOSPC;
		/* Only this thread writes entries not yet published. */
		si = &w->imps[n];
		memset(si, 0, sizeof(*si));
		si->spec = spec;
		si->spec_idx = spec_idx;
		si->att = -1;
		sim_importer_instance_name(spec, i, name, sizeof(name));
		snprintf(si->device, sizeof(si->device), "%s", name);
		snprintf(si->track, sizeof(si->track), "%s %s",
			 sim_importer_name(spec->kind), name);

		info.name = si->device;
		info.nr_engines = spec->kind == SIM_IMP_GPU ? 1 : 0;
		/* A GPU job holds its engine (and its fence) this long. */
		info.timing.fixed_ns = w->sc->workload.job_ns;
		si->dev = dmb_hw_device_create(w->space, &info);
		if (!si->dev)
			return -errno;
		si->imp = dmb_importer_create(importer_kind(spec->kind), si->dev,
					      w->buf);
		if (!si->imp)
			err = -errno;
		/*
		 * Spread the first accesses over one interval: where in it
		 * each importer starts is the seed's decision.
		 */
		si->next_ns = now + (int64_t)(((w->res->seed * 2654435761u +
						(n + 1) * 40503u) % 1000u) *
					      (uint64_t)w->sc->workload.interval_ns / 1000u);

		pthread_mutex_lock(&w->lock);
		a = sim_result_add_attachment(w->res, sim_importer_name(spec->kind),
					      si->device,
					      sim_exporter_name(w->sc->exporter.kind),
					      spec_idx);
		if (a) {
			si->att = (int)(a - w->res->attachments);
			a->attach_result = err;
			a->revocable = si->imp ?
				dma_buf_attach_revocable(dmb_importer_attachment(si->imp)) :
				spec->kind != SIM_IMP_RDMA_PINNED;
		}
		sim_result_event(w->res, now, si->track, false,
				 err ? "attach refused: %s" : "attached%s",
				 err ? strerror(-err) :
				 (a && a->revocable ? " (revocable)" : " (not revocable)"));
		/* Published: from here on the main thread may use it. */
		atomic_store_explicit(&w->nr_imps, n + 1, memory_order_release);
		pthread_mutex_unlock(&w->lock);
		sim_account_memory(w, 0);
	}
	return 0;
}

/* The exporter tells us what it did. */

static void on_revoked(void *data, struct dma_buf *buf, const char *reason,
		       const struct dmb_revoke_stats *st)
{
	struct sim_world *w = data;
	int64_t now = sim_now(w);
	struct sim_revoke_result *r;

	pthread_mutex_lock(&w->lock);
	w->revoked = true;
	/* The importers' unmaps come before the revoke that waited for them. */
	sim_story_locked(w, now);
	if (st->already_revoked) {
		sim_result_event(w->res, now, w->exp_track, false,
				 "%s: already revoked, nothing to do", reason);
		goto out;
	}
	sim_result_event(w->res, now, w->exp_track, false,
			 "revoked (%s): invalidate %.3f ms, fence wait %.3f ms, unmap wait %.3f ms%s",
			 reason, st->invalidate_ns / 1e6, st->fence_wait_ns / 1e6,
			 st->unmap_wait_ns / 1e6,
			 st->forced ? ", mappings torn down by force" : "");
	/* A revoke an event caused began with the event, not when it returned. */
	r = sim_result_add_revoke(w->res, w->exp_track, reason,
				  w->ev_busy ? w->ev_at : now);
	if (!r)
		goto out;
	r->total_ns = st->total_ns;
	r->invalidate_ns = st->invalidate_ns;
	r->fence_wait_ns = st->fence_wait_ns;
	r->unmap_wait_ns = st->unmap_wait_ns;
	r->warnings = st->warnings;
	r->forced = st->forced;
	for (unsigned int i = 0; i < sim_nr_imps(w); i++) {
		struct sim_imp *si = &w->imps[i];
		struct dmb_importer_stats ist;
		int64_t lat;

		if (!si->imp || si->att < 0)
			continue;
		dmb_importer_get_stats(si->imp, &ist);
		lat = dmb_importer_unmap_latency(si->imp);
		r->unmap_latency_ns[si->att] = lat >= 0 ? lat :
			ist.invalidations ? SIM_LATENCY_NEVER : SIM_LATENCY_NONE;
	}
	/* The spans the trace shows: the revoke and its phases, ending now. */
	sim_story_revoke(w, now, st);
out:
	pthread_mutex_unlock(&w->lock);
}

static void on_unrevoked(void *data, struct dma_buf *buf, const char *reason)
{
	struct sim_world *w = data;

	pthread_mutex_lock(&w->lock);
	w->revoked = false;
	w->restore_pending = true;
	w->res->nr_unrevokes++;
	sim_result_event(w->res, sim_now(w), w->exp_track, false,
			 "unrevoked (%s): importers may map again", reason);
	pthread_mutex_unlock(&w->lock);
}

static void on_moved(void *data, struct dma_buf *buf, const char *where,
		     const struct dmb_revoke_stats *st)
{
	struct sim_world *w = data;
	int64_t now = sim_now(w);

	pthread_mutex_lock(&w->lock);
	sim_story_locked(w, now);
	sim_result_event(w->res, now, w->exp_track, false,
			 "moved to %s: invalidate %.3f ms, fence wait %.3f ms",
			 where, st->invalidate_ns / 1e6, st->fence_wait_ns / 1e6);
	sim_result_span(w->res, now - st->total_ns > 0 ? now - st->total_ns : 0, now,
			w->exp_track, where, false);
	pthread_mutex_unlock(&w->lock);
}

void sim_observer_init(struct sim_world *w)
{
	w->observer.revoked = on_revoked;
	w->observer.unrevoked = on_unrevoked;
	w->observer.moved = on_moved;
	w->observer.data = w;
}

/* The checker and the library speak through the diagnostics sink. */

/* A bound passed in a revoke: V6, V7, or the notice about a pinned importer. */
static bool is_bound_report(const struct dmb_diag *diag)
{
	if (diag->kind == DMB_DIAG_VIOLATION)
		return !strncmp(diag->msg, "V6", 2) || !strncmp(diag->msg, "V7", 2);
	return diag->kind == DMB_DIAG_NOTICE && strstr(diag->msg, "revoke of");
}

static void sink(const struct dmb_diag *diag, void *data)
{
	struct sim_world *w = data;
	const char *kind = diag->kind == DMB_DIAG_VIOLATION ? "" :
			   diag->kind == DMB_DIAG_NOTICE ? "notice: " : "WARNING: ";
	int64_t now = sim_now(w);

	pthread_mutex_lock(&w->lock);
	sim_result_event(w->res, now, diag->kind == DMB_DIAG_WARN ? "libdmabuf" :
			 w->exp_track, true, "%s%s", kind, diag->msg);
	if (w->ev_busy && is_bound_report(diag))
		snprintf(w->wait_line, sizeof(w->wait_line), "%s", diag->msg);
	pthread_mutex_unlock(&w->lock);
}

void sim_sink_install(struct sim_world *w)
{
	dmb_diag_set_backtrace(false);
	dmb_diag_set_sink(sink, w);
}

void sim_sink_remove(void)
{
	dmb_diag_set_sink(NULL, NULL);
	dmb_diag_set_backtrace(true);
}

/* The events themselves. */

static void cpu_read(struct sim_world *w, int64_t now)
{
	uint8_t probe[64];
	bool revoked;
	int ret = 0;

	switch (w->sc->exporter.kind) {
	case SIM_EXP_VFIO_PCI:
		ret = dmb_pci_bar_read(w->pci, 0, 0, probe, sizeof(probe));
		break;
	case SIM_EXP_VRAM:
		ret = dmb_vram_cpu_access(w->buf, 0, probe, sizeof(probe), false);
		break;
	case SIM_EXP_HEAP:
		memcpy(probe, dmb_heap_vaddr(w->buf), sizeof(probe));
		break;
	default:
		break;
	}
	pthread_mutex_lock(&w->lock);
	revoked = w->revoked;
	w->res->cpu.reads++;
	w->res->cpu.faults += ret != 0;
	w->res->cpu.revoked_reads += revoked;
	w->res->cpu.revoked_faults += revoked && ret != 0;
	sim_result_event(w->res, now, w->exp_track, !!ret, "CPU read of the buffer: %s",
			 ret ? strerror(-ret) : "ok");
	pthread_mutex_unlock(&w->lock);
}

static void low_power(struct sim_world *w, bool enter, int64_t now)
{
	int ret = dmb_vfio_pci_low_power(w->vfio, enter);

	pthread_mutex_lock(&w->lock);
	if (ret) {
		sim_result_event(w->res, now, w->exp_track, false,
				 "%s refused: %s (%u power reference(s) held by mappings)",
				 enter ? "D3 entry" : "D0 exit", strerror(-ret),
				 dmb_vfio_pci_power_refs(w->vfio));
	} else if (enter && w->low_power_since < 0) {
		w->low_power_since = sim_now(w);
		sim_result_event(w->res, w->low_power_since, w->exp_track, false,
				 "entered D3hot");
	} else if (!enter && w->low_power_since >= 0) {
		w->res->low_power_ns += sim_now(w) - w->low_power_since;
		w->low_power_since = -1;
		sim_result_event(w->res, sim_now(w), w->exp_track, false,
				 "back in D0");
	}
	pthread_mutex_unlock(&w->lock);
}

static int perform(struct sim_world *w, const struct sim_event_spec *ev)
{
	int64_t now = sim_now(w);

	pthread_mutex_lock(&w->lock);
	w->ev_at = now;
	sim_result_event(w->res, now, w->exp_track, true, "event: %s",
			 sim_action_name(ev->action));
	pthread_mutex_unlock(&w->lock);

	switch (ev->action) {
	case SIM_ACT_FLR:
	case SIM_ACT_FLR_DONE:
	case SIM_ACT_DECODE_OFF:
	case SIM_ACT_DECODE_ON:
	case SIM_ACT_CLOSE:
		return sim_pci_action(w->pci, ev->action);
	case SIM_ACT_D3:
		low_power(w, true, now);
		return 0;
	case SIM_ACT_D0:
		low_power(w, false, now);
		return 0;
	case SIM_ACT_EVICT:
		return dmb_vram_evict(w->buf);
	case SIM_ACT_MIGRATE:
		return dmb_vram_migrate(w->buf);
	case SIM_ACT_ATTACH:
		return sim_attach_spec(w, ev->importer);
	case SIM_ACT_CPU_READ:
		cpu_read(w, now);
		return 0;
	case SIM_ACT_INVALIDATE:
		dma_resv_lock(dma_buf_resv(w->buf), NULL);
		dma_buf_invalidate_mappings(w->buf);
		dma_resv_unlock(dma_buf_resv(w->buf));
		return 0;
	default:
		return -EINVAL;
	}
}

static bool ev_woken(void *arg)
{
	struct sim_world *w = arg;

	return atomic_load(&w->ev_wake);
}

/* Wait for an event or for stop; world->lock held, dropped while waiting. */
static void ev_wait(struct sim_world *w)
{
	while (!w->ev_next && !w->ev_stop) {
		if (!w->ev_actor) {
			pthread_cond_wait(&w->ev_cond, &w->lock);
			continue;
		}
		pthread_mutex_unlock(&w->lock);
		dmb_clock_sleep_until_or(w->clock, MAX_SCHEDULE_TIMEOUT, ev_woken, w);
		pthread_mutex_lock(&w->lock);
	}
	atomic_store(&w->ev_wake, false);
}

static void *event_thread(void *arg)
{
	struct sim_world *w = arg;
	const struct sim_event_spec *ev;
	int ret;

	dmb_clock_actor_begin(w->clock, w->ev_actor);
	pthread_mutex_lock(&w->lock);
	for (;;) {
		ev_wait(w);
		if (!w->ev_next)
			break;
		ev = w->ev_next;
		pthread_mutex_unlock(&w->lock);

		ret = perform(w, ev);

		pthread_mutex_lock(&w->lock);
		if (ret)
			sim_result_event(w->res, sim_now(w), w->exp_track, false,
					 "%s failed: %s", sim_action_name(ev->action),
					 strerror(-ret));
		w->ev_next = NULL;
		w->ev_busy = false;
		w->wait_line[0] = '\0';
		pthread_cond_broadcast(&w->ev_idle);
	}
	pthread_mutex_unlock(&w->lock);
	dmb_clock_actor_end();
	return NULL;
}

int sim_events_start(struct sim_world *w)
{
	int ret;

	w->ev_actor = dmb_clock_actor_expect(w->clock);
	ret = -pthread_create(&w->ev_thread, NULL, event_thread, w);
	if (ret)
		dmb_clock_actor_cancel(w->clock, w->ev_actor);
	w->ev_started = ret == 0;
	return ret;
}

/* Tell the thread: on a virtual clock by its park predicate and a kick. */
static void ev_notify(struct sim_world *w)
{
	atomic_store(&w->ev_wake, true);
	pthread_cond_signal(&w->ev_cond);
}

void sim_events_stop(struct sim_world *w)
{
	if (!w->ev_started)
		return;
	pthread_mutex_lock(&w->lock);
	w->ev_stop = true;
	ev_notify(w);
	pthread_mutex_unlock(&w->lock);
	dmb_clock_kick(w->clock);
	pthread_join(w->ev_thread, NULL);
}

bool sim_events_post(struct sim_world *w, const struct sim_event_spec *ev)
{
	bool posted = false;

	pthread_mutex_lock(&w->lock);
	if (!w->ev_busy) {
		w->ev_next = ev;
		w->ev_busy = true;
		w->wait_next = 0;
		ev_notify(w);
		posted = true;
	}
	pthread_mutex_unlock(&w->lock);
	if (posted)
		dmb_clock_kick(w->clock);
	return posted;
}

bool sim_events_wait_idle(struct sim_world *w, int64_t real_ns)
{
	int64_t deadline = dmb_ktime_get_ns() + real_ns;
	struct timespec ts = { deadline / NSEC_PER_SEC, deadline % NSEC_PER_SEC };
	bool busy;

	pthread_mutex_lock(&w->lock);
	while (w->ev_busy &&
	       pthread_cond_timedwait(&w->ev_idle, &w->lock, &ts) != ETIMEDOUT)
		;
	busy = w->ev_busy;
	pthread_mutex_unlock(&w->lock);
	return !busy;
}

bool sim_events_busy(struct sim_world *w)
{
	bool busy;

	pthread_mutex_lock(&w->lock);
	busy = w->ev_busy;
	pthread_mutex_unlock(&w->lock);
	return busy;
}

/*
 * A revoke waiting past its bound. The helper reports V6 (or V7) once, at
 * the bound; under warn-then-wait it then waits on in silence. The runner
 * repeats that line, with the time the event has waited so far, at twice
 * the bound and then at doubling intervals, and says how to change the
 * policy.
 */
void sim_report_waiting(struct sim_world *w, int64_t now)
{
	const struct sim_scenario *sc = w->sc;
	char elapsed[32], line[SIM_TEXT_LEN];
	int64_t at;

	pthread_mutex_lock(&w->lock);
	snprintf(line, sizeof(line), "%s", w->wait_line);
	at = w->ev_at;
	pthread_mutex_unlock(&w->lock);
	if (!line[0])
		return;
	if (!w->wait_next) {
		struct dmb_check_bounds b;

		dmb_check_get_bounds(&b);
		w->wait_every = sc->policy.unmap_bound_ns ? sc->policy.unmap_bound_ns :
							    b.unmap_ns;
		w->wait_next = now + w->wait_every;
		return;
	}
	if (now < w->wait_next)
		return;
	sim_format_duration(now - at, elapsed, sizeof(elapsed));
	pthread_mutex_lock(&w->lock);
	sim_result_event(w->res, now, w->exp_track, true,
			 "still waiting %s after the %s began: %s", elapsed,
			 w->ev_next ? sim_action_name(w->ev_next->action) : "event",
			 line);
	sim_result_event(w->res, now, w->exp_track, false,
			 "the wait policy is %s: %s", sim_wait_name(sc->policy.wait),
			 sc->policy.wait == DMB_REVOKE_DEADLINE_FORCE ?
			 "the mappings are torn down at the bound" :
			 "it waits until the importer unmaps; -p deadline-force "
			 "(or policy: { wait: deadline-force } in the scenario) "
			 "tears the mappings down at the bound instead");
	pthread_mutex_unlock(&w->lock);
	w->wait_every *= 2;
	w->wait_next = now + w->wait_every;
}

int64_t sim_waiting_next(struct sim_world *w)
{
	bool armed;

	pthread_mutex_lock(&w->lock);
	armed = w->wait_line[0] != '\0';
	pthread_mutex_unlock(&w->lock);
	if (!armed)
		return INT64_MAX;
	return w->wait_next ? w->wait_next : INT64_MAX;
}
