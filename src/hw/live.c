// SPDX-License-Identifier: MIT
/*
 * live.c - which simulated objects exist now (hw-internal.h): a destroy of
 * an object that was destroyed already, whose memory is freed, is refused
 * and reported without reading that memory. Each object embeds its node
 * (no allocation: creating an object cannot fail here), and an object is
 * looked up by the address of its node, which is compared, never read.
 * A freed object whose memory a new one of the same kind reuses is found
 * live again: the check catches the common double destroy, not every one.
 *
 * Locking: live_lock, a leaf mutex, guards the buckets; it is held only
 * across a bucket's walk.
 */
#include <pthread.h>
#include <stdint.h>

#include <dmabuf/diag.h>

#include "hw-internal.h"

#define LIVE_BUCKETS	64

static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dmb_live *buckets[LIVE_BUCKETS];	/* under live_lock */

static struct dmb_live **bucket(const struct dmb_live *l)
{
	return &buckets[((uintptr_t)l >> 4) % LIVE_BUCKETS];
}

void __dmb_live_add(struct dmb_live *l)
{
	struct dmb_live **head = bucket(l);

	pthread_mutex_lock(&live_lock);
	l->next = *head;
	*head = l;
	pthread_mutex_unlock(&live_lock);
}

void __dmb_live_del(struct dmb_live *l)
{
	struct dmb_live **pos;

	pthread_mutex_lock(&live_lock);
	for (pos = bucket(l); *pos; pos = &(*pos)->next) {
		if (*pos == l) {
			*pos = l->next;
			break;
		}
	}
	pthread_mutex_unlock(&live_lock);
}

bool __dmb_live_refuse(const struct dmb_live *l, const char *call)
{
	const struct dmb_live *pos;
	bool live = false;

	pthread_mutex_lock(&live_lock);
	for (pos = *bucket(l); pos && !live; pos = pos->next)
		live = pos == l;
	pthread_mutex_unlock(&live_lock);
	return DMB_WARN(!live, "%s of an object that does not exist (destroyed already?)",
			call);
}
