/* SPDX-License-Identifier: MIT */
/*
 * irq_work.h - work deferred out of a fence callback, the kernel's irq_work.
 *
 * A fence callback runs with the signalled fence's lock held and must not
 * take locks that are ordered before it. When a callback needs to do more
 * (the fence chain re-arms itself on the next fence of its timeline, which
 * takes that fence's lock), it queues a dmb_irq_work: the work runs soon
 * after, in a library thread, holding no lock. As in the kernel, queueing an
 * item that is already queued does nothing, and the item must stay valid
 * until its function has run (the owner keeps a reference for it).
 *
 * Locking: one internal lock protects the queue; it is a leaf, never held
 * while a work function runs. Work functions run one at a time, in queueing
 * order, in one thread started on the first queueing (detached; it lives as
 * long as the process).
 */
#ifndef DMABUF_IRQ_WORK_H
#define DMABUF_IRQ_WORK_H

#include <stdbool.h>
#include <dmabuf/compiler.h>
#include <dmabuf/list.h>

DMB_BEGIN_DECLS

struct dmb_irq_work;
typedef void (*dmb_irq_work_func_t)(struct dmb_irq_work *work);

/**
 * struct dmb_irq_work - one deferrable piece of work; embed it
 * @node: private: on the queue while queued (queue lock)
 * @queued: private: queued and not yet started (queue lock)
 * @func: what to run
 */
struct dmb_irq_work {
	struct dmb_list_head node;
	bool queued;
	dmb_irq_work_func_t func;
};

/**
 * dmb_init_irq_work - prepare @work to run @func
 *
 * Context: any thread; @work is not queued.
 */
void dmb_init_irq_work(struct dmb_irq_work *work, dmb_irq_work_func_t func);

/**
 * dmb_irq_work_queue - run @work->func(@work) soon, in the work thread
 *
 * Context: any thread, any lock (fence callbacks included); never sleeps
 * beyond the queue's leaf lock.
 * Return: true if queued, false if it was already queued (it runs once).
 * If the work thread cannot be started, the work runs in the caller, which
 * is reported.
 */
bool dmb_irq_work_queue(struct dmb_irq_work *work);

DMB_END_DECLS

#endif /* DMABUF_IRQ_WORK_H */
