// SPDX-License-Identifier: MIT
/*
 * dma-buf-revoke.c - the exporter-side revoke helper: a mapping count, a
 * completion, and the full revoke/unrevoke sequences with their wait policy.
 *
 * Contract: see include/dmabuf/dma-buf-revoke.h. While the buffer is not
 * revoked, count = 1 (the base reference) + live mappings; revoke drops the
 * base reference after the fences retired, so the count reaches zero — and
 * the completion fires — exactly when the last mapping handed out before the
 * revoke is unmapped. No mapping can be counted while revoked.
 *
 * Locking:
 *  - op_lock serialises revoke and unrevoke of one buffer (an unrevoke must
 *    not re-arm the completion a revoke is waiting on). Order: op_lock, then
 *    the resv lock.
 *  - count and policy are protected by the buffer's resv lock; the exporter's
 *    map and unmap ops, which call in here, run with it held.
 *  - revoked is atomic, written under the resv lock, read anywhere: the
 *    exporter's attach op reads it without the lock (an early, advisory
 *    refusal); its map op reads it with the lock (the answer that counts).
 *  - The completion is waited on without any lock, since the importers need
 *    the resv lock to unmap.
 *  - waiting_on is atomic: the clock a revoke by an actor of a virtual clock
 *    (clock.h) is parked on in step 6, which the last unmap kicks.
 *  - wake_fd is made once, under op_lock, by the first revoke that waits
 *    through the bound ops' wait_unmapped (which reads the importer
 *    processes' UNMAPs in the revoking thread, ipc.c), and closed with the
 *    helper. wake_armed (atomic) says such a wait is on: the last unmap
 *    writes wake_fd once if it runs in another thread (a local importer,
 *    a dispatcher that held a connection); one in the waiting thread
 *    itself (waiting_here) needs no wake-up, the wait looks at the
 *    completion after each message it handles.
 *
 * Two counts, one truth: the helper's count is the exporter's word, lowered
 * by its unmap op; the core keeps its own count of the buffer's live
 * mappings (dma_buf.nr_mappings). An unmap op that lowers the helper's count
 * once too often is refused at the floor (the base reference until the
 * revoke drops it in step 4, zero after), but one made while other mappings are
 * counted cannot be told from a legitimate one there. So step 6 ends with a
 * cross-check under the resv lock: if the core still knows of live mappings
 * the helper's count missed, the revoke reports it and waits for the core's
 * count to reach zero as well (with the same policy at the bound), so that
 * "revoke returned" still means "nothing maps the memory any more".
 *
 * Time: a revoke run by an actor of a virtual clock waits its bounds on that
 * clock, parked (dma-fence-clock.h), so a simulation decides by its own
 * time alone when a bound has passed; any other caller waits real time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <dmabuf/completion.h>
#include <dmabuf/dma-buf-revoke.h>
#include <dmabuf/dma-fence-clock.h>

#include "dma-buf-private.h"
#include "dma-buf-revoke-private.h"

struct dmb_revocable {
	unsigned int obj_state;			/* DMB_OBJ_*: quarantine-private.h */
	struct dma_buf *dmabuf;
	struct dmb_revoke_policy policy;	/* resv */
	unsigned int count;			/* resv */
	bool base;				/* resv: count holds the base reference */
	atomic_bool revoked;
	struct dmb_completion unmapped;
	struct dmb_completion core_unmapped;	/* the core's count reached 0 */
	_Atomic(struct dmb_clock *) waiting_on;
	int wake_fd;				/* op_lock to make; then const */
	atomic_bool wake_armed;			/* a wait_unmapped op waits */
	int64_t cut_due;			/* op_lock: when this revoke's cut was due */
	int64_t cut_done;			/* op_lock: done, if others held on after */
	_Atomic int64_t cut_mark;		/* the helper's return - what the cut cost */
	_Atomic unsigned int cut_slot;		/* the cut's figure in the reserve's window */
	pthread_mutex_t op_lock;
};

/* Set once by the ipc layer (dma-buf-revoke-private.h); NULL until then. */
static _Atomic(const struct dmb_revoke_bound_ops *) bound_ops;

/* The helper whose bound ops' wait_unmapped this thread is in, if any. */
static _Thread_local struct dmb_revocable *waiting_here;

static bool policy_valid(const struct dmb_revoke_policy *policy)
{
	return !DMB_WARN((unsigned int)policy->wait > DMB_REVOKE_DEADLINE_FORCE ||
			 policy->unmap_bound_ns < 0 || policy->fence_bound_ns < 0,
			 "invalid revoke policy (wait %d, bounds %lld/%lld ns)",
			 policy->wait, (long long)policy->unmap_bound_ns,
			 (long long)policy->fence_bound_ns);
}

struct dmb_revocable *dmb_revocable_create(struct dma_buf *dmabuf,
					   const struct dmb_revoke_policy *policy)
{
	static const struct dmb_revoke_policy default_policy = {
		.wait = DMB_REVOKE_WARN_THEN_WAIT,
	};
	struct dmb_revocable *rev;
	int ret;

	if (DMB_WARN(!dmabuf, "dmb_revocable_create without a buffer") ||
	    dmb_obj_refuse_released(&dmabuf->obj_state, dmabuf,
				    "dmb_revocable_create") ||
	    (policy && !policy_valid(policy))) {
		errno = EINVAL;
		return NULL;
	}
	rev = calloc(1, sizeof(*rev));
	if (!rev) {
		errno = ENOMEM;
		return NULL;
	}
	ret = dmb_init_completion(&rev->unmapped);
	if (ret)
		goto err_free;
	ret = dmb_init_completion(&rev->core_unmapped);
	if (ret)
		goto err_completion;
	ret = -pthread_mutex_init(&rev->op_lock, NULL);
	if (ret)
		goto err_core_completion;
	rev->dmabuf = dmabuf;
	rev->policy = policy ? *policy : default_policy;
	rev->count = 1;
	rev->base = true;
	rev->wake_fd = -1;
	atomic_init(&rev->wake_armed, false);
	atomic_init(&rev->revoked, false);
	return rev;

err_core_completion:
	dmb_completion_fini(&rev->core_unmapped);
err_completion:
	dmb_completion_fini(&rev->unmapped);
err_free:
	free(rev);
	errno = -ret;
	return NULL;
}

void dmb_revocable_destroy(struct dmb_revocable *rev)
{
	if (!rev || dmb_obj_refuse_released(&rev->obj_state, rev,
					    "dmb_revocable_destroy"))
		return;
	/* Not revoked: the base reference; revoked: nothing may be left. */
	DMB_WARN(rev->count > rev->base,
		 "revoke helper of %s destroyed with %u mapping(s) live",
		 dma_buf_name(rev->dmabuf), rev->count - rev->base);
	if (rev->wake_fd >= 0)
		close(rev->wake_fd);
	pthread_mutex_destroy(&rev->op_lock);
	dmb_completion_fini(&rev->core_unmapped);
	dmb_completion_fini(&rev->unmapped);
	/* Named by address: the buffer may be gone before its helper. */
	if (!dmb_quarantine_release(DMB_OBJ_REVOCABLE, rev, sizeof(*rev),
				    &rev->obj_state, sizeof(rev->obj_state),
				    "of buffer %p",
				    (void *)rev->dmabuf))
		free(rev);
}

int dmb_revocable_set_policy(struct dmb_revocable *rev,
			     const struct dmb_revoke_policy *policy)
{
	if (DMB_WARN(!rev || !policy, "dmb_revocable_set_policy(%p, %p)",
		     (void *)rev, (const void *)policy) ||
	    dmb_obj_refuse_released(&rev->obj_state, rev,
				    "dmb_revocable_set_policy") ||
	    !policy_valid(policy))
		return -EINVAL;
	if (dma_buf_lock_self(rev->dmabuf, "dmb_revocable_set_policy"))
		return -EINVAL;
	rev->policy = *policy;
	dma_resv_unlock(rev->dmabuf->resv);
	return 0;
}

void dmb_revoke_set_bound_ops(const struct dmb_revoke_bound_ops *ops)
{
	atomic_store(&bound_ops, ops);
}

/*
 * Whether the waits of steps 4 and 6 end at a bound: with the policy's
 * say, or because an importer may be another process (bound ops set).
 */
static bool revoke_bounded(const struct dmb_revoke_policy *policy)
{
	return policy->wait != DMB_REVOKE_WAIT || atomic_load(&bound_ops);
}

int dmb_revocable_attach(struct dmb_revocable *rev,
			 struct dma_buf_attachment *attach, unsigned int flags)
{
	if (DMB_WARN(!rev || !attach, "dmb_revocable_attach(%p, %p)",
		     (void *)rev, (void *)attach) ||
	    dmb_obj_refuse_released(&rev->obj_state, rev, "dmb_revocable_attach"))
		return -EINVAL;

	if ((flags & DMB_REVOCABLE_REQUIRE_P2P) && !attach->peer2peer)
		return -EOPNOTSUPP;
	/*
	 * Unlocked, as in the kernel: a revoke may start right after this
	 * answer, so the attachment can go live on a revoked buffer. That is
	 * safe because dmb_revocable_map() checks again under the resv lock,
	 * and a revoke's invalidate finds the attachment once it is listed.
	 */
	if (atomic_load(&rev->revoked))
		return -ENODEV;
	/* The unmap wait is bounded only if every importer can be told (R10). */
	if ((flags & DMB_REVOCABLE_REQUIRE_REVOCABLE) &&
	    !dma_buf_attach_revocable(attach))
		return -EOPNOTSUPP;
	return 0;
}

int dmb_revocable_map(struct dmb_revocable *rev)
{
	if (DMB_WARN(!rev, "dmb_revocable_map(NULL)") ||
	    dmb_obj_refuse_released(&rev->obj_state, rev, "dmb_revocable_map"))
		return -EINVAL;
	if (!dma_resv_held_or_report(rev->dmabuf->resv))
		return -EINVAL;
	if (atomic_load(&rev->revoked))
		return -ENODEV;
	rev->count++;
	return 0;
}

/*
 * Wake a revoke waiting in step 6: parked on a virtual clock, or in the
 * bound ops' wait_unmapped from another thread (once). Resv held.
 */
static void revoke_kick(struct dmb_revocable *rev)
{
	struct dmb_clock *clock = atomic_load(&rev->waiting_on);
	uint64_t one = 1;

	if (clock)
		dmb_clock_kick(clock);
	if (waiting_here != rev && atomic_exchange(&rev->wake_armed, false) &&
	    write(rev->wake_fd, &one, sizeof(one)) < 0)
		return;		/* saturated: the waiter is awake anyway */
}

void dmb_revocable_unmap(struct dmb_revocable *rev)
{
	if (DMB_WARN(!rev, "dmb_revocable_unmap(NULL)") ||
	    dmb_obj_refuse_released(&rev->obj_state, rev, "dmb_revocable_unmap"))
		return;
	if (!dma_resv_held_or_report(rev->dmabuf->resv))
		return;
	/*
	 * The count never goes below its base: until a revoke drops it, the
	 * base reference is not a mapping, and consuming it would let the
	 * revoke return at once with mappings live.
	 */
	if (DMB_WARN(rev->count <= rev->base,
		     "unbalanced dmb_revocable_unmap on %s: no counted mapping left (the exporter's unmap op lowered the count once too often); refused",
		     dma_buf_name(rev->dmabuf)))
		return;
	if (--rev->count == 0) {
		dmb_complete_all(&rev->unmapped);
		revoke_kick(rev);
	}
}

void dmb_revocable_core_idle(struct dmb_revocable *rev)
{
	dmb_complete_all(&rev->core_unmapped);
	revoke_kick(rev);
}

bool dmb_revocable_is_revoked(struct dmb_revocable *rev)
{
	if (DMB_WARN(!rev, "dmb_revocable_is_revoked(NULL)") ||
	    dmb_obj_refuse_released(&rev->obj_state, rev,
				    "dmb_revocable_is_revoked"))
		return false;
	return atomic_load(&rev->revoked);
}

unsigned int dmb_revocable_mappings(struct dmb_revocable *rev)
{
	unsigned int n;

	if (DMB_WARN(!rev, "dmb_revocable_mappings(NULL)") ||
	    dmb_obj_refuse_released(&rev->obj_state, rev, "dmb_revocable_mappings"))
		return 0;
	if (dma_buf_lock_self(rev->dmabuf, "dmb_revocable_mappings"))
		return 0;
	n = rev->count - rev->base;
	dma_resv_unlock(rev->dmabuf->resv);
	return n;
}

static int64_t bound_or(int64_t bound, int64_t fallback)
{
	return bound ? bound : fallback;
}

/*
 * A bounded wait in real time ends up to the thread's timer slack (50 us
 * by default, the kernel's leeway to batch timer wake-ups) after its
 * deadline: that much past the revoke's bound, every time it is hit. The
 * revoke's bounded waits run with the smallest slack and give the
 * caller's back after. Return: the caller's slack, or -1 if left alone.
 */
static int slack_off(int64_t bound)
{
	int slack;

	if (bound == MAX_SCHEDULE_TIMEOUT)
		return -1;
	slack = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
	if (slack > 1)
		prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	return slack > 1 ? slack : -1;
}

static void slack_restore(int slack)
{
	if (slack > 1)
		prctl(PR_SET_TIMERSLACK, (unsigned long)slack, 0, 0, 0);
}

/* Wait for every fence for up to @bound, on @clock if not NULL. */
static int64_t wait_fences(struct dma_resv *resv, struct dmb_clock *clock,
			   int64_t bound)
{
	int64_t left;
	int slack;

	if (!clock) {
		slack = slack_off(bound);
		left = dma_resv_wait_timeout(resv, DMA_RESV_USAGE_BOOKKEEP, bound);
		slack_restore(slack);
		return left;
	}
	return dmb_resv_wait_until(resv, DMA_RESV_USAGE_BOOKKEEP, clock,
				   dmb_timeout_deadline(dmb_clock_now(clock), bound));
}

static bool unmapped_done(void *arg)
{
	return dmb_completion_done(arg);
}

/*
 * Wait in real time for @done for up to @bound (finite): through the bound
 * ops' wait_unmapped, which reads the importer processes' UNMAPs in this
 * thread, if it has any to read; else asleep on the completion. op_lock
 * held, no resv lock.
 */
static int64_t wait_unmapped_real(struct dmb_revocable *rev,
				  struct dmb_completion *done, int64_t bound)
{
	const struct dmb_revoke_bound_ops *ops = atomic_load(&bound_ops);
	int64_t end, left;
	int ret;

	if (!ops || !ops->wait_unmapped || bound <= 0)
		return dmb_wait_for_completion_timeout(done, bound);
	if (rev->wake_fd < 0)
		rev->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (rev->wake_fd < 0)
		return dmb_wait_for_completion_timeout(done, bound);
	end = dmb_ktime_get_ns() + bound;
	waiting_here = rev;
	atomic_store(&rev->wake_armed, true);
	ret = ops->wait_unmapped(rev->dmabuf, done, rev->wake_fd, bound);
	atomic_store(&rev->wake_armed, false);
	waiting_here = NULL;
	if (ret >= 0)
		return ret;
	left = end - dmb_ktime_get_ns();
	return dmb_wait_for_completion_timeout(done, left > 0 ? left : 0);
}

/*
 * Wait for @done (the last unmap by either count) for up to @bound, on
 * @clock if not NULL.
 */
static int64_t wait_unmapped(struct dmb_revocable *rev, struct dmb_completion *done,
			     struct dmb_clock *clock, int64_t bound)
{
	int64_t left;
	int slack;

	if (!clock) {
		slack = slack_off(bound);
		left = bound == MAX_SCHEDULE_TIMEOUT ?
		       dmb_wait_for_completion_timeout(done, bound) :
		       wait_unmapped_real(rev, done, bound);
		slack_restore(slack);
		return left;
	}
	atomic_store(&rev->waiting_on, clock);
	dmb_clock_sleep_until_or(clock, dmb_timeout_deadline(dmb_clock_now(clock),
							     bound),
				 unmapped_done, done);
	atomic_store(&rev->waiting_on, NULL);
	return dmb_completion_done(done);
}

/*
 * Step 4 with the policy: wait for every fence; at the bound report each
 * pending one (V7), end the ones the bound ops can (an untrusted
 * importer's) and keep waiting for the rest. Resv lock held.
 */
static void revoke_wait_fences(struct dmb_revocable *rev,
			       const struct dmb_revoke_policy *policy,
			       struct dmb_clock *clock, int64_t bound,
			       struct dmb_revoke_stats *stats)
{
	const struct dmb_revoke_bound_ops *ops = atomic_load(&bound_ops);
	struct dma_resv *resv = rev->dmabuf->resv;
	struct dma_resv_iter cursor;
	struct dmb_check_subject who;
	struct dma_fence *fence;
	bool ended;

	dma_resv_assert_held(resv);
	if (!revoke_bounded(policy)) {
		wait_fences(resv, clock, MAX_SCHEDULE_TIMEOUT);
		return;
	}
	if (wait_fences(resv, clock, bound))
		return;
	dma_buf_subject(rev->dmabuf, &who);
	dma_resv_for_each_fence(&cursor, resv, DMA_RESV_USAGE_BOOKKEEP, fence) {
		if (dma_fence_is_signaled(fence))
			continue;
		ended = ops && ops->end_fence(fence);
		if (!ended && policy->wait == DMB_REVOKE_WAIT)
			continue;
		dmb_check_report(DMB_V7_FENCE_TIMEOUT, &who,
				 "fence %s:%s seqno %llu (%s) not signaled %lld ms into the revoke's fence wait; %s",
				 dma_fence_driver_name(fence),
				 dma_fence_timeline_name(fence),
				 (unsigned long long)fence->seqno,
				 dma_resv_usage_name(dma_resv_iter_usage(&cursor)),
				 (long long)(bound / NSEC_PER_MSEC),
				 ended ? "ended with -ETIMEDOUT (an untrusted importer's)" :
					 "still waiting");
		stats->warnings++;
		stats->forced_fences += ended;
	}
	wait_fences(resv, clock, MAX_SCHEDULE_TIMEOUT);
}

/* @ns as milliseconds, to the microsecond below 10 ms ("2.750 ms"). */
static const char *ms_str(char buf[32], int64_t ns)
{
	if (ns >= 10 * NSEC_PER_MSEC || !(ns % NSEC_PER_MSEC))
		snprintf(buf, 32, "%lld ms", (long long)(ns / NSEC_PER_MSEC));
	else
		snprintf(buf, 32, "%lld.%03lld ms", (long long)(ns / NSEC_PER_MSEC),
			 (long long)(ns % NSEC_PER_MSEC / NSEC_PER_USEC));
	return buf;
}

/*
 * At the unmap bound (@waited into the wait): name every attachment still
 * mapped. A revocable one broke its promise (V6); a pinned one was
 * accepted knowing it may never let go, so it gets a notice. One the bound
 * ops cut off (an untrusted importer) is named whatever the policy, and
 * its mappings are torn down here and now, under the lock already held:
 * its importer can do nothing more, so waiting for anybody else to take
 * them back would only add a wake-up or two to the revoke. With
 * DEADLINE_FORCE, the others' too. @cut_only: the cut reserve's early
 * pass, which handles the importers the ops cut off and leaves the others
 * their whole bound. Return: whether an importer was cut off.
 */
static bool revoke_unmap_deadline(struct dmb_revocable *rev,
				  const struct dmb_revoke_policy *policy,
				  int64_t waited, bool cut_only,
				  struct dmb_revoke_stats *stats)
{
	const struct dmb_revoke_bound_ops *ops = atomic_load(&bound_ops);
	struct dma_buf *dmabuf = rev->dmabuf;
	struct dma_buf_attachment *attach;
	struct dmb_check_subject who;
	bool cut, any = false;
	const char *then;
	char ms[32];

	dma_resv_lock(dmabuf->resv, NULL);
	dmb_list_for_each_entry(attach, &dmabuf->attachments, node) {
		if (!dma_buf_attachment_nr_mappings(attach))
			continue;
		cut = ops && ops->cut_off(attach);
		if (!cut && (cut_only || policy->wait == DMB_REVOKE_WAIT))
			continue;
		any |= cut;
		then = cut ? "; cut off, its mappings count as unmapped" : "";
		dma_buf_attachment_subject(attach, &who);
		if (dma_buf_attach_revocable(attach))
			dmb_check_report(DMB_V6_UNMAP_TIMEOUT, &who,
					 "importer has a broken invalidate_mappings: %u mapping(s) still live %s after invalidate%s",
					 dma_buf_attachment_nr_mappings(attach),
					 ms_str(ms, waited), then);
		else
			dmb_notice("revoke of %s waits for pinned importer %s (device %s): %u mapping(s) still live after %s; it is not revocable and unmaps only when done%s",
				   who.buffer, who.importer, who.device,
				   dma_buf_attachment_nr_mappings(attach),
				   ms_str(ms, waited), then);
		stats->warnings++;
		if (cut || policy->wait == DMB_REVOKE_DEADLINE_FORCE)
			stats->forced += dma_buf_force_unmap(attach);
	}
	dma_resv_unlock(dmabuf->resv);
	return any;
}

/*
 * Step 6 on @done with the policy: at the bound name every attachment still
 * mapped (and force them with DEADLINE_FORCE), then keep waiting. Once
 * importer processes may map (bound ops set), a wait in real time first
 * ends early, cuts those still mapped off then, and records when the cut
 * was due: early by the cut reserve (dma-buf-revoke-reserve.c) and by
 * @spent, the real time the revoke took before this wait apart from the
 * fence wait, so that the revoke has taken the memory back from them by
 * its bounds; never earlier than half the bound. Local importers still
 * get the whole bound.
 */
static void revoke_wait_unmapped(struct dmb_revocable *rev,
				 struct dmb_completion *done,
				 const struct dmb_revoke_policy *policy,
				 struct dmb_clock *clock, int64_t bound,
				 int64_t spent, struct dmb_revoke_stats *stats)
{
	int64_t start, reserve = 0, left = bound;

	if (!revoke_bounded(policy))
		goto wait;
	if (!clock && atomic_load(&bound_ops) && dmb_revoke_reserve_ns(bound)) {
		reserve = dmb_revoke_reserve_ns(bound) + spent;
		if (reserve > bound / 2)
			reserve = bound / 2;
	}
	if (reserve) {
		start = dmb_ktime_get_ns();
		stats->cut_reserve_ns = reserve;
		if (wait_unmapped(rev, done, clock, bound - reserve))
			goto wait;
		if (revoke_unmap_deadline(rev, policy, bound - reserve, true,
					  stats)) {
			/* Local importers still mapped are not the cut's cost. */
			rev->cut_due = start + bound - reserve;
			rev->cut_done = dmb_completion_done(done) ? 0 :
					dmb_ktime_get_ns();
		}
		left = start + bound - dmb_ktime_get_ns();
		if (left < 0)
			left = 0;
	}
	if (wait_unmapped(rev, done, clock, left) == 0)
		revoke_unmap_deadline(rev, policy, bound, false, stats);
wait:
	wait_unmapped(rev, done, clock, MAX_SCHEDULE_TIMEOUT);
}

/*
 * The helper's count reached zero: cross-check it with the core's. Live
 * mappings the core still knows of mean the exporter lowered its count for
 * a mapping that is still live; report it, naming the buffer, and wait for
 * the core's count too (see the top of the file).
 */
static void revoke_wait_core(struct dmb_revocable *rev,
			     const struct dmb_revoke_policy *policy,
			     struct dmb_clock *clock, int64_t bound,
			     struct dmb_revoke_stats *stats)
{
	struct dma_buf *dmabuf = rev->dmabuf;

	dma_resv_lock(dmabuf->resv, NULL);
	if (!dmabuf->nr_mappings) {
		dma_resv_unlock(dmabuf->resv);
		return;
	}
	DMB_WARN(true, "revoke of %s: the exporter's count says unmapped, but %u mapping(s) are still live (an unbalanced dmb_revocable_unmap); waiting for them",
		 dma_buf_name(dmabuf), dmabuf->nr_mappings);
	stats->warnings++;
	dmb_reinit_completion(&rev->core_unmapped);
	dmabuf->idle_waiter = rev;
	dma_resv_unlock(dmabuf->resv);

	revoke_wait_unmapped(rev, &rev->core_unmapped, policy, clock, bound, 0,
			     stats);

	dma_resv_lock(dmabuf->resv, NULL);
	dmabuf->idle_waiter = NULL;
	dma_resv_unlock(dmabuf->resv);
}

/*
 * The revoke cut an importer process off early: note what the cut cost
 * until now (the helper's return), and leave the mark from which
 * dmb_revocable_taken_back() counts the exporter's take-back. op_lock held.
 */
static void revoke_note_cut(struct dmb_revocable *rev)
{
	int64_t now = dmb_ktime_get_ns(), cost;

	if (!rev->cut_due)
		return;
	cost = (rev->cut_done ? rev->cut_done : now) - rev->cut_due;
	atomic_store(&rev->cut_slot, dmb_revoke_reserve_note(cost));
	atomic_store(&rev->cut_mark, now - cost);
}

void dmb_revocable_taken_back(struct dmb_revocable *rev)
{
	int64_t mark;

	if (DMB_WARN(!rev, "dmb_revocable_taken_back(NULL)") ||
	    dmb_obj_refuse_released(&rev->obj_state, rev,
				    "dmb_revocable_taken_back"))
		return;
	mark = atomic_exchange(&rev->cut_mark, 0);
	if (mark)
		dmb_revoke_reserve_raise(atomic_load(&rev->cut_slot),
					 dmb_ktime_get_ns() - mark);
}

int dmb_revocable_revoke(struct dmb_revocable *rev, struct dmb_revoke_stats *stats)
{
	struct dmb_revoke_stats local = { 0 };
	struct dmb_clock *clock = dmb_clock_current();
	struct dmb_revoke_policy policy;
	struct dmb_check_bounds bounds;
	struct dma_buf *dmabuf;
	struct dma_resv *resv;
	int64_t t0, t1, t2, t3, t4, unmap_bound, start, fence_wait;

	if (DMB_WARN(!rev, "dmb_revocable_revoke(NULL)") ||
	    dmb_obj_refuse_released(&rev->obj_state, rev, "dmb_revocable_revoke"))
		return -EINVAL;
	resv = rev->dmabuf->resv;
	if (DMB_WARN(dma_resv_held(resv),
		     "revoke of %s with its resv lock held would deadlock",
		     dma_buf_name(rev->dmabuf)))
		return -EINVAL;
	if (!stats)
		stats = &local;
	*stats = local;
	dmb_check_get_bounds(&bounds);
	/*
	 * An importer may drop the last reference from invalidate_mappings;
	 * the release (which typically destroys @rev) then runs at the
	 * unhold, the revoke's very last step.
	 */
	dmabuf = rev->dmabuf;
	dma_buf_hold(dmabuf);

	pthread_mutex_lock(&rev->op_lock);
	/* The checker's clock may be virtual; the cut reserve is real time. */
	start = dmb_ktime_get_ns();
	t0 = dmb_check_now();
	dma_resv_lock(resv, NULL);				/* 1 */
	/* One policy for the whole sequence, read while it is protected. */
	policy = rev->policy;
	if (atomic_load(&rev->revoked)) {
		/*
		 * Already revoked (a close after a reset, say): the base
		 * reference is gone and the completion fired. Doing the
		 * sequence again would drop the count below zero.
		 */
		dma_resv_unlock(resv);
		pthread_mutex_unlock(&rev->op_lock);
		stats->already_revoked = true;
		dma_buf_unhold(dmabuf);
		return 0;
	}
	atomic_store(&rev->revoked, true);			/* 2 */
	rev->cut_due = 0;
	atomic_store(&rev->cut_mark, 0);
	dma_buf_mark_revoked(rev->dmabuf, true);
	t1 = dmb_check_now();
	dma_buf_invalidate_mappings(rev->dmabuf);		/* 3 */
	t2 = dmb_check_now();
	fence_wait = dmb_ktime_get_ns();
	revoke_wait_fences(rev, &policy, clock, bound_or(policy.fence_bound_ns,
							 bounds.fence_ns), stats);	/* 4 */
	fence_wait = dmb_ktime_get_ns() - fence_wait;
	t3 = dmb_check_now();
	rev->base = false;
	if (--rev->count == 0)					/* the base reference */
		dmb_complete_all(&rev->unmapped);
	dma_resv_unlock(resv);					/* 5 */

	unmap_bound = bound_or(policy.unmap_bound_ns, bounds.unmap_ns);
	revoke_wait_unmapped(rev, &rev->unmapped, &policy, clock, unmap_bound,
			     dmb_ktime_get_ns() - start - fence_wait,
			     stats);					/* 6 */
	revoke_wait_core(rev, &policy, clock, unmap_bound, stats);
	t4 = dmb_check_now();
	revoke_note_cut(rev);
	pthread_mutex_unlock(&rev->op_lock);

	stats->invalidate_ns = t2 - t1;
	stats->fence_wait_ns = t3 - t2;
	stats->unmap_wait_ns = t4 - t3;
	stats->total_ns = t4 - t0;
	dma_buf_unhold(dmabuf);
	return 0;
}

int dmb_revocable_unrevoke(struct dmb_revocable *rev)
{
	struct dma_resv *resv;

	if (DMB_WARN(!rev, "dmb_revocable_unrevoke(NULL)") ||
	    dmb_obj_refuse_released(&rev->obj_state, rev, "dmb_revocable_unrevoke"))
		return -EINVAL;
	resv = rev->dmabuf->resv;
	if (DMB_WARN(dma_resv_held(resv),
		     "unrevoke of %s with its resv lock held would deadlock",
		     dma_buf_name(rev->dmabuf)))
		return -EINVAL;

	pthread_mutex_lock(&rev->op_lock);
	dma_resv_lock(resv, NULL);
	if (atomic_load(&rev->revoked)) {
		/*
		 * Re-arm first, then open the gate: the first map after
		 * "revoked" clears must count into a fresh round (R9).
		 *
		 * The merged series (v7) also invalidates and waits for the
		 * fences here, while still revoked. Both are no-ops in
		 * effect: the revoke waited until nothing was mapped and no
		 * map succeeds while revoked, so an invalidate would reach
		 * importers with nothing to drop; and a fence added while
		 * revoked is waited for by whoever maps next (a static
		 * attachment's map waits for KERNEL fences, a dynamic
		 * importer synchronises with the resv itself). See
		 * docs/kernel-differences.md.
		 */
		rev->count = 1;
		rev->base = true;
		dmb_reinit_completion(&rev->unmapped);
		atomic_store(&rev->revoked, false);
		dma_buf_mark_revoked(rev->dmabuf, false);
	}
	dma_resv_unlock(resv);
	pthread_mutex_unlock(&rev->op_lock);
	return 0;
}
