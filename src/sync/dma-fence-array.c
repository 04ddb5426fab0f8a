// SPDX-License-Identifier: MIT
/*
 * dma-fence-array.c - one fence standing for several.
 *
 * Contract: the array signals once every member has (or, with
 * signal_on_any, once one has), carrying the first member error it learnt
 * of. It owns its members' references and the fences[] array, and drops them
 * on release. It is lazy, like any fence: nothing is registered on the
 * members until someone needs to hear of the array's completion
 * (ops->enable_signaling). Before that, is_signaled() polls the members'
 * SIGNALED bits.
 *
 * Counting: @state holds how many member signals the array still needs
 * (num_fences, or 1 with signal_on_any) plus ARRAY_ENABLING until
 * enable_signaling has registered its callbacks. Each member signal takes
 * one off, never below zero (late members of a signal_on_any array count
 * for nothing). Whoever takes @state to exactly zero signals the array: a
 * member callback, or enable_signaling itself when it clears ARRAY_ENABLING.
 * Each registered callback holds a reference on the array and drops it when
 * it runs, so the array outlives every callback; dropping the last one from
 * inside a member's callback is fine (the member's signaller holds the
 * member).
 *
 * Locking rule and lock order: a member callback runs with the member's lock
 * held and takes the array's lock to signal it, so the order is member ->
 * array, and nothing may take them the other way round. That is why
 * enable_signaling, which the core calls with the array's lock held, drops
 * it while it adds its callbacks (each add takes a member's lock). Nothing
 * can signal the array in that window: the member callbacks cannot end the
 * count while ARRAY_ENABLING is set, and the poll answers false once
 * ENABLE_SIGNAL is set; enable_signaling retakes the lock before it clears
 * ARRAY_ENABLING. The @error slot is written once, with compare-and-swap,
 * before the count is decremented; whoever reaches zero reads it after, and
 * sets it on the array under the array's lock just before signalling.
 */
#include <errno.h>
#include <stdlib.h>

#include <dmabuf/diag.h>
#include <dmabuf/dma-fence-array.h>
#include <dmabuf/dma-fence-chain.h>

#define ARRAY_ENABLING	(1U << 31)
#define ARRAY_PENDING	(ARRAY_ENABLING - 1)

struct dma_fence_array_cb {
	struct dma_fence_cb cb;
	struct dma_fence_array *array;
};

struct dma_fence_array {
	struct dma_fence base;
	unsigned int num_fences;
	bool signal_on_any;
	struct dma_fence **fences;
	atomic_uint state;
	atomic_int error;
	struct dma_fence_array_cb callbacks[];
};

static const struct dma_fence_ops dma_fence_array_ops;

static struct dma_fence_array *to_array(struct dma_fence *fence)
{
	return dmb_container_of(fence, struct dma_fence_array, base);
}

static void array_record_error(struct dma_fence_array *array, int error)
{
	int none = 0;

	if (error)
		atomic_compare_exchange_strong(&array->error, &none, error);
}

/* Count one member signal. Return: true if the caller must signal the array. */
static bool array_count_signal(struct dma_fence_array *array)
{
	unsigned int old, next;

	old = atomic_load_explicit(&array->state, memory_order_relaxed);
	do {
		if (!(old & ARRAY_PENDING))
			return false;
		next = old - 1;
	} while (!atomic_compare_exchange_weak_explicit(&array->state, &old,
							next,
							memory_order_acq_rel,
							memory_order_relaxed));
	return next == 0;
}

/* With the array's lock held: give it the recorded error, if any. */
static void array_set_error_locked(struct dma_fence_array *array)
{
	int error = atomic_load_explicit(&array->error, memory_order_relaxed);

	dmb_fence_assert_lock_held(&array->base);
	if (error)
		dma_fence_set_error_locked(&array->base, error);
}

/* Runs in the member's signalling thread, with the member's lock held. */
static void array_member_signaled(struct dma_fence *member,
				  struct dma_fence_cb *cb)
{
	struct dma_fence_array *array =
		dmb_container_of(cb, struct dma_fence_array_cb, cb)->array;

	array_record_error(array, member->error);
	if (array_count_signal(array)) {
		dmb_fence_lock(&array->base);
		array_set_error_locked(array);
		dma_fence_signal_locked(&array->base);
		dmb_fence_unlock(&array->base);
	}
	dma_fence_put(&array->base);	/* the reference this callback held */
}

static const char *array_driver_name(struct dma_fence *fence)
{
	return "dma_fence_array";
}

static const char *array_timeline_name(struct dma_fence *fence)
{
	return "unbound";
}

/* Called once, with the array's lock held; drops it meanwhile (see above). */
static bool array_enable_signaling(struct dma_fence *fence)
{
	struct dma_fence_array *array = to_array(fence);
	unsigned int old;

	dmb_fence_unlock(fence);
	for (unsigned int i = 0; i < array->num_fences; i++) {
		struct dma_fence *member = array->fences[i];
		struct dma_fence_array_cb *acb = &array->callbacks[i];

		acb->array = array;
		dma_fence_get(&array->base);
		if (!dma_fence_add_callback(member, &acb->cb,
					    array_member_signaled))
			continue;

		/*
		 * The member signaled already: count it here. Our caller
		 * holds a reference, so this put is never the last.
		 */
		dma_fence_put(&array->base);
		array_record_error(array, member->error);
		array_count_signal(array);
		if (!(atomic_load_explicit(&array->state, memory_order_relaxed) &
		      ARRAY_PENDING))
			break;	/* nothing left to wait for */
	}
	dmb_fence_lock(fence);

	old = atomic_fetch_and_explicit(&array->state, ~ARRAY_ENABLING,
					memory_order_acq_rel);
	if (old & ARRAY_PENDING)
		return true;
	array_set_error_locked(array);
	return false;		/* the core signals the array now */
}

/*
 * With the array's lock held. Before signalling is enabled nothing counts
 * the members, so look at them; after, the member callbacks signal the
 * array and there is nothing to add. Members are only looked at, never
 * polled, so this takes no member lock.
 */
static bool array_signaled(struct dma_fence *fence)
{
	struct dma_fence_array *array = to_array(fence);
	unsigned int need = array->signal_on_any ? 1 : array->num_fences;
	unsigned int done = 0;
	int error = 0;

	if (dma_fence_test_flag(fence, DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT))
		return false;

	for (unsigned int i = 0; i < array->num_fences && done < need; i++) {
		struct dma_fence *member = array->fences[i];

		if (!dma_fence_test_flag(member, DMA_FENCE_FLAG_SIGNALED_BIT))
			continue;
		if (!error)
			error = member->error;
		done++;
	}
	if (done < need)
		return false;
	if (error)
		dma_fence_set_error_locked(fence, error);
	return true;
}

/* Any member may be what the waiter waits for: each gets the hint. */
static void array_set_deadline(struct dma_fence *fence, int64_t deadline)
{
	struct dma_fence_array *array = to_array(fence);

	for (unsigned int i = 0; i < array->num_fences; i++)
		dma_fence_set_deadline(array->fences[i], deadline);
}

static void array_release(struct dma_fence *fence)
{
	struct dma_fence_array *array = to_array(fence);

	for (unsigned int i = 0; i < array->num_fences; i++)
		dma_fence_put(array->fences[i]);
	free(array->fences);
	free(array);
}

static const struct dma_fence_ops dma_fence_array_ops = {
	.get_driver_name = array_driver_name,
	.get_timeline_name = array_timeline_name,
	.enable_signaling = array_enable_signaling,
	.signaled = array_signaled,
	.release = array_release,
	.set_deadline = array_set_deadline,
};

struct dma_fence *dma_fence_array_create(int num_fences,
					 struct dma_fence **fences,
					 uint64_t context, uint64_t seqno,
					 bool signal_on_any)
{
	struct dma_fence_array *array;

	if (DMB_WARN(num_fences < 1 || !fences,
		     "dma_fence_array_create of %d fences at %p", num_fences,
		     (void *)fences))
		goto err_inval;
	for (int i = 0; i < num_fences; i++) {
		if (DMB_WARN(!fences[i],
			     "dma_fence_array_create: member %d is NULL", i))
			goto err_inval;
		/*
		 * Reported and accepted, as the kernel does: containers in
		 * containers make every walk recursive. Flatten them first
		 * with dma_fence_unwrap_merge().
		 */
		DMB_WARN(dma_fence_is_container(fences[i]),
			 "dma_fence_array_create: member %d is a container (%s); flatten it with dma_fence_unwrap_merge()",
			 i, dma_fence_driver_name(fences[i]));
	}

	array = calloc(1, sizeof(*array) +
			  (size_t)num_fences * sizeof(array->callbacks[0]));
	if (!array)
		return NULL;	/* errno is ENOMEM */

	dma_fence_init(&array->base, &dma_fence_array_ops, NULL, context,
		       seqno);
	array->num_fences = (unsigned int)num_fences;
	array->signal_on_any = signal_on_any;
	array->fences = fences;
	atomic_init(&array->state, ARRAY_ENABLING |
		    (signal_on_any ? 1U : (unsigned int)num_fences));
	atomic_init(&array->error, 0);
	return &array->base;

err_inval:
	errno = EINVAL;
	return NULL;
}

bool dma_fence_is_array(struct dma_fence *fence)
{
	if (DMB_WARN(!fence, "dma_fence_is_array(NULL)"))
		return false;
	return fence->ops == &dma_fence_array_ops;
}

unsigned int dma_fence_array_num_fences(struct dma_fence *fence)
{
	return dma_fence_is_array(fence) ? to_array(fence)->num_fences : 0;
}

struct dma_fence *dma_fence_array_fence(struct dma_fence *fence, unsigned int i)
{
	struct dma_fence_array *array;

	/* NULL, as the kernel's dma_fence_array_first(NULL): no member. */
	if (!fence || !dma_fence_is_array(fence))
		return i == 0 ? fence : NULL;
	array = to_array(fence);
	return i < array->num_fences ? array->fences[i] : NULL;
}
