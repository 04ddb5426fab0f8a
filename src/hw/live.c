// SPDX-License-Identifier: MIT
/*
 * live.c - which simulated objects exist now (<dmabuf/hw/live.h>): a call
 * with an object that was destroyed already, whose memory is freed, is
 * refused and reported without reading that memory. Each object embeds
 * its node (no allocation: creating an object cannot fail here), and an
 * object is looked up by the address of its node, which is compared, never
 * read. A freed object whose memory a new one reuses is found live again:
 * the check catches the common double destroy, not every one.
 *
 * Locking: live_lock, a leaf rwlock, guards the buckets; it is held only
 * across a bucket's walk (for reading by dmb_live_refuse(), which the
 * drivers call on every entry point, so that lookups run side by side),
 * and every report is made after it is dropped.
 */
#include <pthread.h>
#include <stdint.h>

#include <dmabuf/diag.h>
#include <dmabuf/hw/live.h>

#define LIVE_BUCKETS	64

static pthread_rwlock_t live_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct dmb_live *buckets[LIVE_BUCKETS];	/* under live_lock */

static struct dmb_live **bucket(const struct dmb_live *l)
{
	return &buckets[((uintptr_t)l >> 4) % LIVE_BUCKETS];
}

/* Where @l is linked in its bucket, or the bucket's end; under live_lock. */
static struct dmb_live **live_find_locked(const struct dmb_live *l)
{
	struct dmb_live **pos;

	for (pos = bucket(l); *pos && *pos != l; pos = &(*pos)->next)
		;
	return pos;
}

void dmb_live_add(struct dmb_live *l)
{
	struct dmb_live **pos;
	bool twice = false;

	if (DMB_WARN(!l, "dmb_live_add(NULL)"))
		return;
	pthread_rwlock_wrlock(&live_lock);
	pos = live_find_locked(l);
	if (*pos) {
		twice = true;
	} else {
		l->next = *bucket(l);
		*bucket(l) = l;
	}
	pthread_rwlock_unlock(&live_lock);
	DMB_WARN(twice, "dmb_live_add of an object that is live already");
}

void dmb_live_del(struct dmb_live *l)
{
	struct dmb_live **pos;
	bool found = false;

	if (DMB_WARN(!l, "dmb_live_del(NULL)"))
		return;
	pthread_rwlock_wrlock(&live_lock);
	pos = live_find_locked(l);
	if (*pos) {
		*pos = l->next;
		found = true;
	}
	pthread_rwlock_unlock(&live_lock);
	DMB_WARN(!found, "dmb_live_del of an object that is not live");
}

bool dmb_live_refuse(const struct dmb_live *l, const char *call)
{
	bool live;

	if (DMB_WARN(!l || !call, "dmb_live_refuse(%p, %p)", (const void *)l,
		     (const void *)call))
		return true;
	pthread_rwlock_rdlock(&live_lock);
	live = *live_find_locked(l) != NULL;
	pthread_rwlock_unlock(&live_lock);
	return DMB_WARN(!live, "%s of an object that does not exist (destroyed already?)",
			call);
}
