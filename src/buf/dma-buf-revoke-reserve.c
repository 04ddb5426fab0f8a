// SPDX-License-Identifier: MIT
/*
 * dma-buf-revoke-reserve.c - how much of a revoke's unmap bound is kept
 * for cutting importer processes off and taking the memory back, so that
 * a hung importer process delays the exporter by the bound, not by the
 * bound plus the cut.
 *
 * Cutting a peer off is not free: the revoking thread must wake up, report
 * the peer, shut its socket down, tear its mappings down, and the exporter
 * must then take the pages back (truncate a memfd another process maps).
 * On a paravirtualised guest that is a few hundred microseconds, tens of
 * socket round trips (docs/performance.md). If the cut started at the
 * bound, every revoke held by a hung peer would end that much after it.
 * So the revoke cuts the peers off at the bound minus a reserve, and the
 * reserve is what the last cuts cost, measured from the moment a cut was
 * due until the memory was back (dmb_revocable_taken_back(), or the
 * helper's return for an exporter that does not say).
 *
 * The estimate is the costliest of the last CUT_WINDOW cuts, plus a
 * quarter for the next one being costlier still: a slow cut (a thread
 * descheduled, a report with a backtrace, several peers cut at once)
 * raises it at once and is forgotten CUT_WINDOW cuts later. Before any
 * cut it is 1 ms, more than any single cut measured on a quiet machine.
 * The reserve is never more than half the bound: an importer process
 * always has at least half of it to unmap before it is cut off.
 *
 * Locking: none. The window is shared by every revoke of the process (the
 * cost is the machine's, not a buffer's); each slot is an atomic, so
 * concurrent cuts may overwrite each other's figure, never tear one.
 */
#include <stdatomic.h>

#include <dmabuf/clock.h>

#include "dma-buf-revoke-private.h"

#define CUT_WINDOW		8
#define CUT_COST_START_NS	(1000 * 1000)

static _Atomic int64_t cut_cost[CUT_WINDOW] = {
	CUT_COST_START_NS, CUT_COST_START_NS, CUT_COST_START_NS,
	CUT_COST_START_NS, CUT_COST_START_NS, CUT_COST_START_NS,
	CUT_COST_START_NS, CUT_COST_START_NS,
};
static atomic_uint cut_next;

int64_t dmb_revoke_reserve_ns(int64_t bound)
{
	int64_t cost = 0, c;

	if (bound <= 0 || bound == MAX_SCHEDULE_TIMEOUT)
		return 0;
	for (int i = 0; i < CUT_WINDOW; i++) {
		c = atomic_load_explicit(&cut_cost[i], memory_order_relaxed);
		if (c > cost)
			cost = c;
	}
	cost += cost / 4;
	return cost < bound / 2 ? cost : bound / 2;
}

unsigned int dmb_revoke_reserve_note(int64_t cost)
{
	unsigned int slot = atomic_fetch_add_explicit(&cut_next, 1,
						      memory_order_relaxed) %
			    CUT_WINDOW;

	atomic_store_explicit(&cut_cost[slot], cost > 0 ? cost : 0,
			      memory_order_relaxed);
	return slot;
}

void dmb_revoke_reserve_raise(unsigned int slot, int64_t cost)
{
	_Atomic int64_t *c = &cut_cost[slot % CUT_WINDOW];
	int64_t old = atomic_load_explicit(c, memory_order_relaxed);

	while (cost > old &&
	       !atomic_compare_exchange_weak_explicit(c, &old, cost,
						      memory_order_relaxed,
						      memory_order_relaxed))
		;
}

void dmb_revoke_reserve_reset(void)
{
	for (int i = 0; i < CUT_WINDOW; i++)
		atomic_store_explicit(&cut_cost[i], CUT_COST_START_NS,
				      memory_order_relaxed);
	atomic_store_explicit(&cut_next, 0, memory_order_relaxed);
}
