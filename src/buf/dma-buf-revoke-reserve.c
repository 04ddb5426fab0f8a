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
 * The estimate is a decaying maximum: a cut that costs more than the
 * estimate raises it at once; each cut that costs less lowers it by an
 * eighth, so one slow cut (a descheduled thread, a report with a
 * backtrace) is forgotten after a few dozen. It starts at 1 ms, more than
 * any cut measured on a quiet machine, and the reserve is never more than
 * half the bound: an importer process always has at least half of it to
 * unmap before it is cut off.
 *
 * Locking: none. The estimate is one atomic, shared by every revoke of
 * the process (the cost is the machine's, not a buffer's); concurrent
 * updates may lose one of two observations, never corrupt the estimate.
 */
#include <stdatomic.h>

#include <dmabuf/clock.h>

#include "dma-buf-revoke-private.h"

#define CUT_COST_START_NS	(1000 * 1000)

static _Atomic int64_t cut_cost_ns = CUT_COST_START_NS;

int64_t dmb_revoke_reserve_ns(int64_t bound)
{
	int64_t cost = atomic_load_explicit(&cut_cost_ns, memory_order_relaxed);

	if (bound <= 0 || bound == MAX_SCHEDULE_TIMEOUT)
		return 0;
	cost += cost / 4;
	return cost < bound / 2 ? cost : bound / 2;
}

void dmb_revoke_reserve_note(int64_t cost, bool decay)
{
	int64_t old = atomic_load_explicit(&cut_cost_ns, memory_order_relaxed);
	int64_t new;

	if (cost < 0)
		return;
	do {
		new = decay ? old - old / 16 : old;
		if (cost > new)
			new = cost;
	} while (!atomic_compare_exchange_weak_explicit(&cut_cost_ns, &old, new,
							memory_order_relaxed,
							memory_order_relaxed));
}

void dmb_revoke_reserve_reset(void)
{
	atomic_store_explicit(&cut_cost_ns, CUT_COST_START_NS,
			      memory_order_relaxed);
}
