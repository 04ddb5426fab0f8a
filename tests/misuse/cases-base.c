// SPDX-License-Identifier: MIT
/*
 * cases-base.c - misuse of the base layer's headers: clock.h,
 * completion.h, debug.h, device.h, diag.h, interrupt.h, irq_work.h,
 * kref.h, list.h, lockdep.h, scatterlist.h, sigbus-guard.h.
 *
 * kref.h and list.h are the intrusive building blocks every object embeds;
 * as the kernel's kref and list_head they trust their caller (a check in
 * each list step would cost every walk of every list), and every public
 * function of an object that embeds one checks its own pointer first.
 * They are named with MISUSE_NOTHING and that reason.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include <dmabuf/clock.h>
#include <dmabuf/completion.h>
#include <dmabuf/debug.h>
#include <dmabuf/device.h>
#include <dmabuf/diag.h>
#include <dmabuf/interrupt.h>
#include <dmabuf/irq_work.h>
#include <dmabuf/kref.h>
#include <dmabuf/list.h>
#include <dmabuf/lockdep.h>
#include <dmabuf/scatterlist.h>
#include <dmabuf/sigbus-guard.h>

#include "misuse.h"

#define TRUSTED "an intrusive building block: trusts its caller, as the kernel's"

MISUSE_NOTHING(dmb_kref_init, TRUSTED)
MISUSE_NOTHING(dmb_kref_read, TRUSTED)
MISUSE_NOTHING(dmb_kref_read_acquire, TRUSTED)
MISUSE_NOTHING(dmb_kref_get, TRUSTED)
MISUSE_NOTHING(dmb_kref_get_unless_zero, TRUSTED)
MISUSE_NOTHING(dmb_kref_put, TRUSTED)
MISUSE_NOTHING(dmb_list_init, TRUSTED)
MISUSE_NOTHING(dmb_list_empty, TRUSTED)
MISUSE_NOTHING(__dmb_list_insert, TRUSTED)
MISUSE_NOTHING(dmb_list_add, TRUSTED)
MISUSE_NOTHING(dmb_list_add_tail, TRUSTED)
MISUSE_NOTHING(dmb_list_del, TRUSTED)
MISUSE_NOTHING(dmb_list_splice_tail_init, TRUSTED)

/* clock.h */

static struct dmb_clock *virtual_clock(void)
{
	return dmb_clock_create_virtual(0);
}

MISUSE_NOTHING(dmb_clock_real, "no argument")
MISUSE_NOTHING(dmb_clock_create_virtual, "no pointer argument")
MISUSE_NOTHING(dmb_clock_current, "no argument")
MISUSE_NOTHING(dmb_ktime_get_ns, "no argument")
MISUSE_NOTHING(dmb_timeout_deadline, "no pointer argument; saturates")

MISUSE_CASE(dmb_clock_destroy, null, MISUSE_SILENT)
{
	dmb_clock_destroy(NULL);	/* documented: ignored, as free() */
	return true;
}

MISUSE_CASE(dmb_clock_destroy, real_clock, MISUSE_SILENT)
{
	dmb_clock_destroy(dmb_clock_real());	/* documented: ignored */
	return dmb_clock_now(dmb_clock_real()) > 0;
}

MISUSE_CASE(dmb_clock_is_virtual, null, MISUSE_REPORTED)
{
	return !dmb_clock_is_virtual(NULL);
}

MISUSE_CASE(dmb_clock_now, null, MISUSE_REPORTED)
{
	return dmb_clock_now(NULL) > 0;
}

MISUSE_CASE(dmb_clock_advance, null, MISUSE_REPORTED)
{
	return dmb_clock_advance(NULL, 1) == -EINVAL;
}

MISUSE_CASE(dmb_clock_advance, real_clock, MISUSE_REPORTED)
{
	return dmb_clock_advance(dmb_clock_real(), 1) == -EINVAL;
}

MISUSE_CASE(dmb_clock_advance, backwards, MISUSE_REPORTED)
{
	return dmb_clock_advance(virtual_clock(), -1) == -EINVAL;
}

MISUSE_CASE(dmb_clock_sleep_until, null, MISUSE_REPORTED)
{
	return dmb_clock_sleep_until(NULL, 0) == -EINVAL;
}

MISUSE_CASE(dmb_clock_sleep_until_or, null_clock, MISUSE_REPORTED)
{
	return dmb_clock_sleep_until_or(NULL, 0, NULL, NULL) == -EINVAL;
}

MISUSE_CASE(dmb_clock_kick, null, MISUSE_REPORTED)
{
	dmb_clock_kick(NULL);
	return true;
}

MISUSE_CASE(dmb_clock_actor_expect, null, MISUSE_REPORTED)
{
	return dmb_clock_actor_expect(NULL) == 0;
}

MISUSE_CASE(dmb_clock_actor_cancel, null, MISUSE_REPORTED)
{
	dmb_clock_actor_cancel(NULL, 1);
	return true;
}

MISUSE_CASE(dmb_clock_actor_begin, null, MISUSE_REPORTED)
{
	dmb_clock_actor_begin(NULL, 1);
	return dmb_clock_current() == NULL;
}

/* A thread that is no actor (begin with id 0 makes none): a no-op. */
MISUSE_CASE(dmb_clock_actor_end, not_an_actor, MISUSE_SILENT)
{
	dmb_clock_actor_end();
	return dmb_clock_current() == NULL;
}

MISUSE_CASE(dmb_clock_wait_settled, null, MISUSE_REPORTED)
{
	return dmb_clock_wait_settled(NULL, 0) == -EINVAL;
}

MISUSE_CASE(dmb_clock_driven, null, MISUSE_REPORTED)
{
	return !dmb_clock_driven(NULL);
}

MISUSE_CASE(dmb_clock_next_deadline, null, MISUSE_REPORTED)
{
	return dmb_clock_next_deadline(NULL) == MAX_SCHEDULE_TIMEOUT;
}

MISUSE_CASE(dmb_clock_run_until, null, MISUSE_REPORTED)
{
	return dmb_clock_run_until(NULL, 1, 0) == -EINVAL;
}

/* completion.h */

MISUSE_CASE(dmb_init_completion, null, MISUSE_REPORTED)
{
	return dmb_init_completion(NULL) == -EINVAL;
}

MISUSE_CASE(dmb_completion_fini, null, MISUSE_REPORTED)
{
	dmb_completion_fini(NULL);
	return true;
}

MISUSE_CASE(dmb_reinit_completion, null, MISUSE_REPORTED)
{
	dmb_reinit_completion(NULL);
	return true;
}

MISUSE_CASE(dmb_complete, null, MISUSE_REPORTED)
{
	dmb_complete(NULL);
	return true;
}

MISUSE_CASE(dmb_complete_all, null, MISUSE_REPORTED)
{
	dmb_complete_all(NULL);
	return true;
}

MISUSE_CASE(dmb_completion_done, null, MISUSE_REPORTED)
{
	return dmb_completion_done(NULL);	/* nothing to wait for */
}

MISUSE_CASE(dmb_wait_for_completion_timeout, null, MISUSE_REPORTED)
{
	return dmb_wait_for_completion_timeout(NULL, 0) == -EINVAL;
}

MISUSE_CASE(dmb_wait_for_completion_timeout, negative_timeout, MISUSE_REPORTED)
{
	static struct dmb_completion x;

	dmb_init_completion(&x);
	return dmb_wait_for_completion_timeout(&x, -1) == -EINVAL;
}

MISUSE_CASE(dmb_wait_for_completion, null, MISUSE_REPORTED)
{
	dmb_wait_for_completion(NULL);
	return true;
}

/* debug.h, device.h, diag.h */

MISUSE_NOTHING(dmb_debug_enabled, "no argument")
MISUSE_NOTHING(dmb_debug_set, "no pointer argument; either mode is valid")

/* Documented: "(no device)", for reports about a bare attachment. */
MISUSE_CASE(dev_name, null, MISUSE_SILENT)
{
	return dev_name(NULL) != NULL;
}

MISUSE_CASE(dmb_diag_set_sink, null_fn, MISUSE_SILENT)
{
	/* documented: back to stderr (the report below goes there, uncounted) */
	dmb_diag_set_sink(NULL, NULL);
	return true;
}

MISUSE_NOTHING(dmb_diag_set_backtrace, "no pointer argument")

MISUSE_CASE(dmb_diag_count, invalid_kind, MISUSE_SILENT)
{
	return dmb_diag_count((enum dmb_diag_kind)99) == 0;
}

MISUSE_CASE(dmb_diag_format, null_diag, MISUSE_REPORTED)
{
	char buf[16];

	return dmb_diag_format(NULL, buf, sizeof(buf)) == -1;
}

MISUSE_CASE(dmb_diag_format, null_buf, MISUSE_REPORTED)
{
	struct dmb_diag diag = { .msg = "m", .file = "f", .func = "g" };

	return dmb_diag_format(&diag, NULL, 16) == -1;
}

MISUSE_CASE(dmb_diag_report_at, null_strings, MISUSE_REPORTED)
{
	dmb_diag_report_at(DMB_DIAG_WARN, NULL, 0, NULL, "%s", "x");
	return true;
}

MISUSE_CASE(dmb_diag_report_at, null_format, MISUSE_REPORTED)
{
	dmb_diag_report_at(DMB_DIAG_WARN, __FILE__, __LINE__, __func__, NULL);
	return true;
}

/* interrupt.h */

MISUSE_NOTHING(dmb_interrupt_pending, "no argument")
MISUSE_NOTHING(dmb_interrupt_clear, "no argument")

MISUSE_CASE(dmb_thread_interrupt, thread_not_registered, MISUSE_SILENT)
{
	/* a thread that never slept interruptibly: the request stays pending */
	return dmb_thread_interrupt(pthread_self()) == 0 && dmb_interrupt_pending();
}

MISUSE_CASE(dmb_interrupt_sleep_begin, null, MISUSE_REPORTED)
{
	return dmb_interrupt_sleep_begin(NULL) == -EINVAL;
}

/* Documented as a no-op for a thread not registered. */
MISUSE_CASE(dmb_interrupt_sleep_end, without_begin, MISUSE_SILENT)
{
	dmb_interrupt_sleep_end();
	return true;
}

/* irq_work.h */

static void nop_work(struct dmb_irq_work *work)
{
}

MISUSE_CASE(dmb_init_irq_work, null_work, MISUSE_REPORTED)
{
	dmb_init_irq_work(NULL, nop_work);
	return true;
}

MISUSE_CASE(dmb_init_irq_work, null_func, MISUSE_REPORTED)
{
	static struct dmb_irq_work work;

	dmb_init_irq_work(&work, NULL);
	return !dmb_irq_work_queue(&work);
}

MISUSE_CASE(dmb_irq_work_queue, null, MISUSE_REPORTED)
{
	return !dmb_irq_work_queue(NULL);
}

/* lockdep.h */

MISUSE_NOTHING(dmb_lockdep_depth, "no argument")
MISUSE_NOTHING(dmb_fence_begin_signalling, "no argument")
MISUSE_NOTHING(dmb_fence_in_signalling, "no argument")

MISUSE_CASE(dmb_lockdep_acquire, null, MISUSE_REPORTED)
{
	dmb_lockdep_acquire(NULL, NULL);
	return dmb_lockdep_depth() == 0;
}

MISUSE_CASE(dmb_lockdep_acquire_trylock, null, MISUSE_REPORTED)
{
	dmb_lockdep_acquire_trylock(NULL, NULL);
	return dmb_lockdep_depth() == 0;
}

MISUSE_CASE(dmb_lockdep_release, null, MISUSE_REPORTED)
{
	return !dmb_lockdep_release(NULL);
}

MISUSE_CASE(dmb_lockdep_release, not_held, MISUSE_REPORTED)
{
	static struct dmb_lockdep_map map = { .name = "misuse" };

	return !dmb_lockdep_release(&map);
}

MISUSE_CASE(dmb_lockdep_is_held, null, MISUSE_REPORTED)
{
	return !dmb_lockdep_is_held(NULL);
}

MISUSE_CASE(dmb_lockdep_held_ctx, null, MISUSE_REPORTED)
{
	return dmb_lockdep_held_ctx(NULL) == NULL;
}

MISUSE_CASE(dmb_lockdep_for_each_held, null, MISUSE_REPORTED)
{
	dmb_lockdep_for_each_held(NULL, NULL);
	return true;
}

MISUSE_CASE(dmb_mutex_lock, null, MISUSE_REPORTED)
{
	dmb_mutex_lock(NULL);
	return dmb_lockdep_depth() == 0;
}

MISUSE_CASE(dmb_mutex_unlock, null, MISUSE_REPORTED)
{
	dmb_mutex_unlock(NULL);
	return true;
}

MISUSE_CASE(dmb_mutex_unlock, not_held, MISUSE_REPORTED)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

	dmb_mutex_unlock(&lock);
	return true;
}

MISUSE_CASE(dmb_mutex_held, null, MISUSE_REPORTED)
{
	return !dmb_mutex_held(NULL);
}

MISUSE_CASE(dmb_lockdep_track_order, null, MISUSE_REPORTED)
{
	return dmb_lockdep_track_order(NULL) == -EINVAL;
}

MISUSE_CASE(dmb_lockdep_set_inversion_hook, null, MISUSE_SILENT)
{
	dmb_lockdep_set_inversion_hook(NULL);	/* documented: no hook */
	return true;
}

MISUSE_CASE(dmb_lockdep_forget, null, MISUSE_REPORTED)
{
	dmb_lockdep_forget(NULL);
	return true;
}

MISUSE_CASE(dmb_fence_end_signalling, without_begin, MISUSE_REPORTED)
{
	dmb_fence_end_signalling(true);
	return !dmb_fence_in_signalling();
}

/* scatterlist.h */

MISUSE_CASE(sg_alloc_table, null, MISUSE_REPORTED)
{
	return sg_alloc_table(NULL, 1) == -EINVAL;
}

MISUSE_CASE(sg_alloc_table, no_entries, MISUSE_REPORTED)
{
	struct sg_table t;

	return sg_alloc_table(&t, 0) == -EINVAL;
}

/* Ignored, as free(NULL). */
MISUSE_CASE(sg_free_table, null, MISUSE_SILENT)
{
	sg_free_table(NULL);
	return true;
}

MISUSE_CASE(sg_dma_address, null, MISUSE_REPORTED)
{
	return sg_dma_address(NULL) == 0;
}

MISUSE_CASE(sg_dma_len, null, MISUSE_REPORTED)
{
	return sg_dma_len(NULL) == 0;
}

/* sigbus-guard.h */

MISUSE_CASE(dmb_sigbus_guard_add, null, MISUSE_REPORTED)
{
	return dmb_sigbus_guard_add(NULL, 4096, PROT_READ) == -EINVAL;
}

MISUSE_CASE(dmb_sigbus_guard_add, zero_len, MISUSE_REPORTED)
{
	static char byte;

	return dmb_sigbus_guard_add(&byte, 0, PROT_READ) == -EINVAL;
}

MISUSE_CASE(dmb_sigbus_guard_del, bad_slot, MISUSE_REPORTED)
{
	dmb_sigbus_guard_del(-1);
	return true;
}

/* A page of our own to guard (the guard takes page-aligned ranges only). */
static void *guard_page(void)
{
	void *p = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* A range whose end wraps past the end of the address space. */
MISUSE_CASE(dmb_sigbus_guard_add, wrapping_range, MISUSE_REPORTED)
{
	char *p = guard_page();

	return p && dmb_sigbus_guard_add(p, SIZE_MAX - 4095, PROT_READ) == -EINVAL &&
	       dmb_sigbus_guard_add((void *)(UINTPTR_MAX & ~(uintptr_t)4095),
				    8192, PROT_READ) == -EINVAL;
}

/* prot bits mmap() does not take as protection (PROT_GROWSDOWN, garbage). */
MISUSE_CASE(dmb_sigbus_guard_add, unknown_prot, MISUSE_REPORTED)
{
	char *p = guard_page();

	return p && dmb_sigbus_guard_add(p, 4096, PROT_READ | 0x100) == -EINVAL &&
	       dmb_sigbus_guard_add(p, 4096, PROT_GROWSDOWN) == -EINVAL &&
	       dmb_sigbus_guard_add(p, 4096, -1) == -EINVAL;
}

/* The handler's mmap(MAP_FIXED) could not answer a fault at this start. */
MISUSE_CASE(dmb_sigbus_guard_add, unaligned, MISUSE_REPORTED)
{
	char *p = guard_page();

	return p && dmb_sigbus_guard_add(p + 1, 16, PROT_READ) == -EINVAL;
}

/* A byte guarded already, by the same range or one overlapping it. */
MISUSE_CASE(dmb_sigbus_guard_add, overlap, MISUSE_REPORTED)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, 3 * (size_t)pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int h;

	if (p == MAP_FAILED)
		return false;
	h = dmb_sigbus_guard_add(p + pg, (size_t)pg, PROT_READ);
	return h > 0 &&
	       dmb_sigbus_guard_add(p + pg, (size_t)pg, PROT_READ) == -EEXIST &&
	       dmb_sigbus_guard_add(p, 2 * (size_t)pg, PROT_READ) == -EEXIST &&
	       dmb_sigbus_guard_add(p, 3 * (size_t)pg, PROT_READ) == -EEXIST;
}

/* A slot that was guarding and no longer is: deleting it again is refused. */
MISUSE_CASE(dmb_sigbus_guard_del, twice, MISUSE_REPORTED)
{
	void *page = guard_page();
	int slot = page ? dmb_sigbus_guard_add(page, 1, PROT_READ) : -1;

	if (slot < 0)
		return false;
	dmb_sigbus_guard_del(slot);
	dmb_sigbus_guard_del(slot);
	return true;
}

/* A shared page of a memfd, truncated: touching it faults (SIGBUS). */
static volatile char *truncated_page(void)
{
	long size = sysconf(_SC_PAGESIZE);
	int fd = memfd_create("truncated", MFD_CLOEXEC);
	void *p;

	if (fd < 0 || ftruncate(fd, size))
		return NULL;
	p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED || ftruncate(fd, 0))
		return NULL;
	return p;
}

/*
 * A handle kept after its del, once its slot guards another mapping: the
 * del is refused, and the new mapping stays guarded (its fault is
 * contained, not the end of the child).
 */
MISUSE_CASE(dmb_sigbus_guard_del, stale_handle, MISUSE_REPORTED)
{
	volatile char *p = truncated_page();
	long size = sysconf(_SC_PAGESIZE);
	int stale, now;

	if (!p)
		return false;
	stale = dmb_sigbus_guard_add((void *)p, (size_t)size, PROT_READ | PROT_WRITE);
	dmb_sigbus_guard_del(stale);
	now = dmb_sigbus_guard_add((void *)p, (size_t)size, PROT_READ | PROT_WRITE);
	if (stale < 0 || now < 0 || now == stale)
		return false;
	dmb_sigbus_guard_del(stale);
	p[0] = 1;
	return dmb_sigbus_guard_damaged(now);
}

/* ... and so is asking whether it was damaged: the new mapping was. */
MISUSE_CASE(dmb_sigbus_guard_damaged, stale_handle, MISUSE_REPORTED)
{
	volatile char *p = truncated_page();
	long size = sysconf(_SC_PAGESIZE);
	int stale, now;

	if (!p)
		return false;
	stale = dmb_sigbus_guard_add((void *)p, (size_t)size, PROT_READ | PROT_WRITE);
	dmb_sigbus_guard_del(stale);
	now = dmb_sigbus_guard_add((void *)p, (size_t)size, PROT_READ | PROT_WRITE);
	if (stale < 0 || now < 0)
		return false;
	p[0] = 1;
	return !dmb_sigbus_guard_damaged(stale) && dmb_sigbus_guard_damaged(now);
}

MISUSE_CASE(dmb_sigbus_guard_damaged, bad_slot, MISUSE_REPORTED)
{
	return !dmb_sigbus_guard_damaged(1 << 20);
}

MISUSE_CASE(dmb_sigbus_guard_damaged, free_slot, MISUSE_REPORTED)
{
	void *page = guard_page();
	int slot = page ? dmb_sigbus_guard_add(page, 1, PROT_READ) : -1;

	if (slot < 0)
		return false;
	dmb_sigbus_guard_del(slot);
	return !dmb_sigbus_guard_damaged(slot);
}

MISUSE_CASE(dmb_sigbus_guard_range_damaged, null, MISUSE_SILENT)
{
	return !dmb_sigbus_guard_range_damaged(NULL, 4096);	/* documented */
}

/*
 * A range wrapping past the end of memory: taken to that end (documented),
 * so a damaged mapping above its start is found, the one below it is not.
 */
MISUSE_CASE(dmb_sigbus_guard_range_damaged, wrapping, MISUSE_SILENT)
{
	volatile char *p = truncated_page();
	long size = sysconf(_SC_PAGESIZE);
	int h;

	if (!p)
		return false;
	h = dmb_sigbus_guard_add((void *)p, (size_t)size, PROT_READ | PROT_WRITE);
	if (h < 0)
		return false;
	p[0] = 1;
	return dmb_sigbus_guard_range_damaged((const void *)p, SIZE_MAX) &&
	       dmb_sigbus_guard_range_damaged((const void *)(p - size), SIZE_MAX) &&
	       !dmb_sigbus_guard_range_damaged((const void *)(p + size), SIZE_MAX);
}

MISUSE_CASE(dmb_sigbus_guard_range_damaged, unguarded, MISUSE_SILENT)
{
	static char page[1];

	return !dmb_sigbus_guard_range_damaged(page, sizeof(page));
}
