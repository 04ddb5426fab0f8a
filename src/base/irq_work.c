// SPDX-License-Identifier: MIT
/*
 * irq_work.c - the deferred-work thread behind dmb_irq_work_queue()
 * (contract in include/dmabuf/irq_work.h).
 *
 * Locking: queue_lock protects the queue and each item's queued flag; the
 * thread takes an item off under it and runs the item's function without
 * it, so a function may queue work again (itself included).
 */
#include <pthread.h>

#include <dmabuf/diag.h>
#include <dmabuf/irq_work.h>

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t queue_wait = PTHREAD_COND_INITIALIZER;
static struct dmb_list_head queue = DMB_LIST_HEAD_INIT(queue);
static pthread_once_t worker_once = PTHREAD_ONCE_INIT;
static bool worker_running;	/* written once, under worker_once */

static void *irq_work_thread(void *arg)
{
	struct dmb_irq_work *work;

	pthread_mutex_lock(&queue_lock);
	for (;;) {
		while (dmb_list_empty(&queue))
			pthread_cond_wait(&queue_wait, &queue_lock);
		work = dmb_list_first_entry(&queue, struct dmb_irq_work, node);
		dmb_list_del(&work->node);
		work->queued = false;
		pthread_mutex_unlock(&queue_lock);
		work->func(work);
		pthread_mutex_lock(&queue_lock);
	}
	return NULL;
}

static void irq_work_start(void)
{
	pthread_attr_t attr;
	pthread_t thread;

	if (pthread_attr_init(&attr))
		return;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	worker_running = !pthread_create(&thread, &attr, irq_work_thread, NULL);
	pthread_attr_destroy(&attr);
}

void dmb_init_irq_work(struct dmb_irq_work *work, dmb_irq_work_func_t func)
{
	if (DMB_WARN(!work || !func, "dmb_init_irq_work(%p, %p)", (void *)work,
		     (void *)func))
		return;
	dmb_list_init(&work->node);
	work->queued = false;
	work->func = func;
}

bool dmb_irq_work_queue(struct dmb_irq_work *work)
{
	if (DMB_WARN(!work || !work->func, "dmb_irq_work_queue of %p without a function",
		     (void *)work))
		return false;
	pthread_once(&worker_once, irq_work_start);
	if (DMB_WARN(!worker_running,
		     "the deferred-work thread could not be started: running the work here")) {
		work->func(work);
		return true;
	}
	pthread_mutex_lock(&queue_lock);
	if (work->queued) {
		pthread_mutex_unlock(&queue_lock);
		return false;
	}
	work->queued = true;
	dmb_list_add_tail(&work->node, &queue);
	pthread_cond_signal(&queue_wait);
	pthread_mutex_unlock(&queue_lock);
	return true;
}
