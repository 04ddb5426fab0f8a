// SPDX-License-Identifier: MIT
/*
 * interrupt.c - per-thread interrupt requests, the userspace stand-in for a
 * pending signal (contract in include/dmabuf/interrupt.h).
 *
 * Each thread that uses the API, or is interrupted, has an entry in one
 * registry: its id, its request flag, and where it sleeps interruptibly, if
 * it does. An entry is made on first use by either side (so a request sent
 * before the target's first call is kept) and removed when its thread exits
 * (a thread-specific key's destructor).
 *
 * Locking: registry_lock protects the list and every entry's @sleep; the
 * flag is atomic so that the thread itself reads it without the lock. The
 * interrupter sets the flag, then calls the sleep's wake under
 * registry_lock; the sleeper registers its sleep under registry_lock, then
 * reads the flag before every sleep. One of the two sees the other: either
 * the sleeper sees the request, or the interrupter finds the sleep and wakes
 * it (the wake function makes the sleep itself notice, see the callers).
 * Unregistering under the same lock means the wake never runs on a sleep
 * that has ended. Order: registry_lock before any lock a wake takes.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include <dmabuf/diag.h>
#include <dmabuf/interrupt.h>
#include <dmabuf/list.h>

struct interrupt_entry {
	struct dmb_list_head node;		/* registry_lock */
	pthread_t thread;			/* const */
	atomic_bool pending;
	struct dmb_interrupt_sleep *sleep;	/* registry_lock */
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dmb_list_head registry = DMB_LIST_HEAD_INIT(registry);
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;
static _Thread_local struct interrupt_entry *self_entry;

/* At thread exit: the entry goes, with any request nobody will handle. */
static void entry_release(void *arg)
{
	struct interrupt_entry *e = arg;

	pthread_mutex_lock(&registry_lock);
	dmb_list_del(&e->node);
	pthread_mutex_unlock(&registry_lock);
	free(e);
}

static void exit_key_create(void)
{
	pthread_key_create(&exit_key, entry_release);
}

/* Find @thread's entry, or make one. Context: registry_lock held. */
static struct interrupt_entry *entry_get_locked(pthread_t thread)
{
	struct interrupt_entry *e;

	dmb_list_for_each_entry(e, &registry, node)
		if (pthread_equal(e->thread, thread))
			return e;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->thread = thread;
	atomic_init(&e->pending, false);
	dmb_list_add_tail(&e->node, &registry);
	return e;
}

/* The calling thread's entry, made and tied to its exit on first use. */
static struct interrupt_entry *entry_self(void)
{
	struct interrupt_entry *e = self_entry;

	if (e)
		return e;
	pthread_once(&exit_key_once, exit_key_create);
	pthread_mutex_lock(&registry_lock);
	e = entry_get_locked(pthread_self());
	pthread_mutex_unlock(&registry_lock);
	if (!e)
		return NULL;
	/* If this fails the entry outlives the thread, listed: harmless. */
	(void)pthread_setspecific(exit_key, e);
	self_entry = e;
	return e;
}

int dmb_thread_interrupt(pthread_t thread)
{
	struct interrupt_entry *e;

	pthread_mutex_lock(&registry_lock);
	e = entry_get_locked(thread);
	if (!e) {
		pthread_mutex_unlock(&registry_lock);
		return -ENOMEM;
	}
	atomic_store(&e->pending, true);
	if (e->sleep)
		e->sleep->wake(e->sleep->arg);
	pthread_mutex_unlock(&registry_lock);
	return 0;
}

bool dmb_interrupt_pending(void)
{
	struct interrupt_entry *e = entry_self();

	return e && atomic_load(&e->pending);
}

void dmb_interrupt_clear(void)
{
	struct interrupt_entry *e = entry_self();

	if (e)
		atomic_store(&e->pending, false);
}

int dmb_interrupt_sleep_begin(struct dmb_interrupt_sleep *sleep)
{
	struct interrupt_entry *e;

	if (DMB_WARN(!sleep || !sleep->wake, "dmb_interrupt_sleep_begin(%p)",
		     (void *)sleep))
		return -EINVAL;
	e = entry_self();
	if (!e)
		return -ENOMEM;
	pthread_mutex_lock(&registry_lock);
	e->sleep = sleep;
	pthread_mutex_unlock(&registry_lock);
	return 0;
}

void dmb_interrupt_sleep_end(void)
{
	struct interrupt_entry *e = self_entry;

	if (!e)
		return;
	pthread_mutex_lock(&registry_lock);
	e->sleep = NULL;
	pthread_mutex_unlock(&registry_lock);
}
