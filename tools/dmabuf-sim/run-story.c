// SPDX-License-Identifier: MIT
/*
 * run-story.c - what each importer went through, told on its own track:
 * invalidated, unmapped (and how long after), mapped again; and the phases
 * of each revoke as spans on the exporter's track.
 *
 * The importers' statistics only count, so the runner reads them at every
 * instant it stops at (on the virtual clock every instant at which anything
 * happens, so the times are exact) and just before it records a revoke's
 * end, and writes what changed. An unmap is placed at the invalidate's time
 * plus the importer's own unmap latency, which is exact on either clock.
 *
 * Locking: world->lock, held by the callers, protects the story fields of
 * imps[] and the result; the statistics are atomics.
 */
#include "run-world.h"
#include "units.h"

/* One importer's changes since the last look. Lock held. */
static void story_one(struct sim_world *w, struct sim_imp *si, int64_t now)
{
	struct dmb_importer_stats st;
	char lat[32];
	int64_t latency, unmapped_at;

	dmb_importer_get_stats(si->imp, &st);
	if (st.invalidations > si->seen_invalidations) {
		si->seen_invalidations = st.invalidations;
		si->invalidated_at = now;
		si->awaiting_unmap = true;
		sim_result_event(w->res, now, si->track, true,
				 "invalidated (invalidate_mappings): stops using the mapping");
	}
	latency = dmb_importer_unmap_latency(si->imp);
	if (si->awaiting_unmap && latency >= 0) {
		si->awaiting_unmap = false;
		unmapped_at = si->invalidated_at + latency;
		sim_result_event(w->res, unmapped_at, si->track, true,
				 "unmapped, %s after the invalidate",
				 sim_format_duration(latency, lat, sizeof(lat)));
		sim_result_span(w->res, si->invalidated_at, unmapped_at, si->track,
				"invalidated, mapped", false);
	}
	if (st.maps > si->seen_maps) {
		/* Mapped anew without having unmapped: the exporter tore it down. */
		if (si->awaiting_unmap) {
			si->awaiting_unmap = false;
			sim_result_span(w->res, si->invalidated_at, now, si->track,
					"invalidated, mapped", true);
			sim_result_event(w->res, now, si->track, true,
					 "its mapping was torn down by the exporter: it never unmapped by itself");
		}
		if (si->seen_maps)
			sim_result_event(w->res, now, si->track, true, "mapped again");
		si->seen_maps = st.maps;
	}
}

void sim_story_locked(struct sim_world *w, int64_t now)
{
	for (unsigned int i = 0; i < sim_nr_imps(w); i++)
		if (w->imps[i].imp)
			story_one(w, &w->imps[i], now);
}

void sim_story(struct sim_world *w)
{
	int64_t now = sim_now(w);

	pthread_mutex_lock(&w->lock);
	sim_story_locked(w, now);
	pthread_mutex_unlock(&w->lock);
}

void sim_story_end(struct sim_world *w, int64_t end)
{
	pthread_mutex_lock(&w->lock);
	for (unsigned int i = 0; i < sim_nr_imps(w); i++) {
		struct sim_imp *si = &w->imps[i];

		if (!si->imp || !si->awaiting_unmap)
			continue;
		/* Never unmapped by itself: stale to the end of the run. */
		sim_result_span(w->res, si->invalidated_at, end, si->track,
				"invalidated, mapped", true);
		sim_result_event(w->res, end, si->track, true,
				 "never unmapped by itself after its last invalidate");
	}
	pthread_mutex_unlock(&w->lock);
}

void sim_story_revoke(struct sim_world *w, int64_t end,
		      const struct dmb_revoke_stats *st)
{
	int64_t t4 = end, t3 = t4 - st->unmap_wait_ns, t2 = t3 - st->fence_wait_ns;
	int64_t t1 = t2 - st->invalidate_ns, t0 = end - st->total_ns;

	if (t0 < 0)
		t0 = 0;
	if (t1 < t0)
		t1 = t0;
	sim_result_span(w->res, t0, t4, w->exp_track, "revoke", false);
	sim_result_span(w->res, t1, t2, w->exp_track, "invalidate", false);
	sim_result_span(w->res, t2, t3, w->exp_track, "fence wait", false);
	sim_result_span(w->res, t3, t4, w->exp_track, "unmap wait", st->warnings != 0);
}
