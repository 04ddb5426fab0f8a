/* SPDX-License-Identifier: MIT */
/*
 * revoke.pml - a SPIN model of the revoke helper (src/buf/dma-buf-revoke.c)
 * and its users as they are in src/: the exporter's revoke, unrevoke and
 * close (a VFIO-style exporter, src/drivers/vfio-pci.c, whose walks are
 * serialised), three revocable importers that map, unmap, run jobs with
 * fences and react to invalidate_mappings either at once or later from a
 * thread of their own, one pinned importer that never reacts, the resv
 * lock, the mapping count with its completion, and the fence wait.
 *
 * docs/model.md maps every step to the function and lines it stands for,
 * states the properties and gives the verification statistics;
 * model/verify.sh runs the checker.
 *
 * Mutants: define one of these (spin -DMUT_...) to get a variant that
 * mirrors a real mistake; the checker must reject every one of them.
 *   MUT_DOUBLE_PUT      close after an earlier revoke runs the sequence
 *                       again: the count drops a second time and the wait is
 *                       on a completion that already fired (the 7.1-rc VFIO
 *                       cleanup bug)
 *   MUT_REARM_LATE      unrevoke clears "revoked" under the lock and re-arms
 *                       the count and the completion after dropping it
 *   MUT_NO_FENCE_WAIT   revoke skips step 4
 *   MUT_LATE_INVALIDATE revoke waits for the fences and drops the lock
 *                       before it invalidates
 *   MUT_ADMIT_PINNED    attach admits a pinned importer that is not
 *                       revocable
 *   MUT_UNLOCKED_UNMAP  the thread that unmaps after an invalidate does so
 *                       without the resv lock
 *
 * Abstraction. A mapping is a number per importer; a job is one unsignalled
 * fence of the importer in the buffer's resv (BOOKKEEP); the memory is
 * touched while an importer holds a mapping or a job of it runs. Everything
 * a process does while holding the resv lock is one atomic step: every
 * other writer of that state needs the lock too, so no interleaving is
 * lost, except where a step blocks (the fence wait), which SPIN then lets
 * the others interleave with. Unlocked work (the count updates of the
 * mutants that drop the lock) is split into its real steps: the count is
 * read, then written, as "count++" in C is.
 */

#define N	3		/* revocable importers (the macros below spell out 3) */
#define M	2		/* mappings each */

#define NOW	0		/* unmaps inside invalidate_mappings */
#define LATER	1		/* notes it; a thread of its own unmaps */

#define FREE	255

byte resv = FREE;		/* the buffer's resv lock: owner pid or FREE */

/* The helper (struct dmb_revocable); count and done under resv. */
bool revoked;			/* rev->revoked and dmabuf->revoked */
byte count = 1;			/* the base reference + mappings */
bool done;			/* rev->unmapped has fired */

/* The core's attachments. */
byte mode[N];
bool attached[N];
byte mapped[N];			/* importer i's nr_mappings */
bool told[N];			/* LATER importer i was invalidated and has not unmapped */
bool jobs[N];			/* an unsignalled fence of importer i in the resv */
bool pinned_attached;		/* the non-revocable importer was admitted */
byte pinned_mapped;

/* Ghost state for the properties. */
bool in_revoke;			/* a revoke has begun its sequence and not returned */
bool waiting;			/* that revoke waits on the completion (step 6) */
bool revoke_returned;		/* a full revoke returned; no unrevoke since */
bool fresh;			/* unrevoked; no map has succeeded nor revoke begun since */

#define all_unmapped	(mapped[0] + mapped[1] + mapped[2] + pinned_mapped == 0)
#define no_jobs		(!jobs[0] && !jobs[1] && !jobs[2])

inline lock()
{
	resv == FREE -> resv = _pid
}

inline unlock()
{
	assert(resv == _pid);
	resv = FREE
}

/* dmb_revocable_map(), past its revoked check: count++. */
inline count_get()
{
	tmp = count;
	count = tmp + 1;
	tmp = 0
}

/* dmb_revocable_unmap(), and revoke's put of the base reference. */
inline count_put()
{
	assert(count > 0);		/* the count never underflows */
	tmp = count;
	count = tmp - 1;
	tmp = 0;
	if
	:: count == 0 -> done = true	/* dmb_complete_all() */
	:: else
	fi
}

/* Unrevoke's re-arm: count = 1 and dmb_reinit_completion(). */
inline rearm()
{
	count = 1;
	assert(!waiting);		/* never re-armed under a waiting revoke */
	done = false
}

/* dma_buf_invalidate_mappings(): every revocable attachment is told. */
inline invalidate()
{
	k = 0;
	do
	:: k < N ->
		if
		:: attached[k] && mode[k] == NOW ->
			do			/* unmaps right there */
			:: mapped[k] > 0 ->
				mapped[k]--;
				count_put()
			:: else -> break
			od
		:: attached[k] && mode[k] == LATER && mapped[k] > 0 ->
			told[k] = true		/* its thread will unmap */
		:: else
		fi;
		k++
	:: else -> k = 0; break
	od
}

/* dmb_revocable_revoke(); close makes the same call. */
inline revoke()
{
	atomic {
		lock();				/* 1 (op_lock: walks are serialised) */
#ifndef MUT_DOUBLE_PUT
		skipped = revoked;		/* already revoked: return at once */
#endif
		if
		:: skipped ->
			unlock()
		:: else ->
			in_revoke = true;
			fresh = false;
			revoked = true;		/* 2 */
#ifndef MUT_LATE_INVALIDATE
			invalidate();		/* 3 */
#endif
#ifndef MUT_NO_FENCE_WAIT
			no_jobs;		/* 4: wait for every fence */
#endif
#ifndef MUT_LATE_INVALIDATE
			count_put();		/* the base reference */
#endif
			unlock()		/* 5 */
		fi
	}
#ifdef MUT_LATE_INVALIDATE
	if
	:: !skipped ->
		invalidate();			/* the callbacks run unlocked */
		atomic {
			lock();
			count_put();
			unlock()
		}
	:: else
	fi;
#endif
	atomic {
		if
		:: !skipped ->
			waiting = true;
			done;			/* 6 */
			waiting = false;
			/* When revoke returns nobody touches the memory. */
			assert(all_unmapped && no_jobs);
			revoke_returned = true;
			in_revoke = false
		:: else
		fi;
		skipped = false
	}
}

/* dmb_revocable_unrevoke(). */
inline unrevoke()
{
	atomic {
		lock();
		if
		:: revoked ->
#ifndef MUT_REARM_LATE
			rearm();
#endif
			revoked = false;
			revoke_returned = false;
			fresh = true
		:: else
		fi;
		unlock()
	}
#ifdef MUT_REARM_LATE
	rearm()
#endif
}

/*
 * The exporter: a VFIO function's walks, serialised by its transition mutex
 * (so one process, and op_lock is never contended). A reset revokes, its
 * end unrevokes, a second reset may begin; close revokes for good, during a
 * reset or not, or never comes.
 */
active proctype exporter()
{
	byte k, tmp;
	bool skipped;

	revoke();
	if
	:: unrevoke();
		if
		:: revoke()
		:: skip
		fi
	:: skip
	fi;
	if
	:: revoke()				/* close */
	:: skip
	fi
}

/*
 * A revocable importer: attaches, then forever maps (up to M), submits a
 * job on a mapping that was not invalidated, or unmaps one. It tries to
 * attach or map only while it has not been told the buffer is revoked
 * (is_revoked), so a refused importer waits instead of spinning on the
 * lock; a refusal still happens when the revoke comes in between.
 */
proctype importer(byte i)
{
	byte tmp;

end_attach:
	do
	:: attached[i] -> break
	:: !attached[i] && !revoked ->		/* dma_buf_dynamic_attach() */
		atomic {
			lock();
			if
			:: !revoked -> attached[i] = true
			:: else			/* -ENODEV */
			fi;
			unlock()
		}
	od;
end_loop:
	do
	:: !revoked && mapped[i] < M && !told[i] ->	/* dma_buf_map_attachment() */
		atomic {
			lock();
			if
			:: !revoked ->
				assert(!revoke_returned);
				count_get();
				mapped[i]++;
				fresh = false
			:: else			/* -ENODEV, nothing counted */
			fi;
			unlock()
		}
	:: mapped[i] > 0 && !told[i] && !jobs[i] ->	/* submit a job */
		atomic {
			lock();
			if
			:: mapped[i] > 0 && !told[i] ->
				assert(!revoke_returned);
				jobs[i] = true	/* dma_resv_add_fence() */
			:: else
			fi;
			unlock()
		}
	:: mapped[i] > 0 ->			/* dma_buf_unmap_attachment() */
		atomic {
			lock();
			if
			:: mapped[i] > 0 ->	/* not taken back meanwhile */
				mapped[i]--;
				count_put()
			:: else
			fi;
			unlock()
		}
	od
}

/*
 * The thread of a LATER importer that acts on invalidate_mappings: it takes
 * back every invalidated mapping.
 */
proctype unmapper(byte i)
{
	byte tmp;

end_idle:
	do
	:: told[i] ->
#ifndef MUT_UNLOCKED_UNMAP
		atomic {
			lock();
			do
			:: mapped[i] > 0 ->
				mapped[i]--;
				count_put()
			:: else -> break
			od;
			told[i] = false;
			unlock()
		}
#else
		do
		:: mapped[i] > 0 ->
			mapped[i]--;
			count_put()
		:: else -> break
		od;
		told[i] = false
#endif
	od
}

/*
 * A pinned importer without invalidate_mappings (an RDMA pinned MR): once
 * it has a mapping it keeps it until it is done, which may be never. The
 * attach check with DMB_REVOCABLE_REQUIRE_REVOCABLE refuses it.
 */
proctype pinned()
{
	byte tmp;

	atomic {
		lock();
#ifdef MUT_ADMIT_PINNED
		pinned_attached = !revoked;
#endif
		/* else -EOPNOTSUPP (R10) */
		unlock()
	}
	if
	:: pinned_attached ->
		atomic {
			lock();
			if
			:: !revoked ->
				count_get();
				pinned_mapped = 1;
				fresh = false
			:: else
			fi;
			unlock()
		}
	:: else
	fi
}

/* The hardware: every fence signals, in any order, without any lock. */
active proctype hardware()
{
end_hw:
	do
	:: jobs[0] -> jobs[0] = false
	:: jobs[1] -> jobs[1] = false
	:: jobs[2] -> jobs[2] = false
	od
}

init
{
	atomic {
		mode[0] = NOW;
		mode[1] = LATER;
		mode[2] = LATER;
		run importer(0);
		run importer(1);
		run importer(2);
		run unmapper(1);
		run unmapper(2);
		run pinned()
	}
}

/*
 * Properties (docs/model.md). Safety is asserted inline as well: the count
 * never underflows, the completion is never re-armed under a waiting
 * revoke, no map and no job succeeds while a finished revoke stands, and
 * when a revoke returns nothing is mapped and no job runs.
 */
ltl safe_after_revoke { [] (revoke_returned -> (all_unmapped && no_jobs)) }
ltl revoke_returns { [] (in_revoke -> <> !in_revoke) }
ltl map_after_unrevoke { [] (fresh -> <> !fresh) }
