// SPDX-License-Identifier: MIT
/*
 * quarantine.c - the release quarantine: released buffers, attachments,
 * revoke helpers and library-freed fences are kept for a while, poisoned,
 * so that a use of one is reported (with what it was and who released it)
 * and refused instead of reading freed memory. The kernel's answer to the
 * same problem is debug objects and slab poisoning; this is their userspace
 * reduction (see check.h for the contract and quarantine-private.h for the
 * hooks).
 *
 * Kept: an object, poisoned with DMB_POISON_BYTE but for its state word
 * (DMB_OBJ_RELEASED), so a use that slips past an entry check reads
 * 0x6b6b6b6b6b6b6b6b - a pointer no machine maps - rather than a valid one;
 * under AddressSanitizer the poisoned bytes are also poisoned for ASan, so
 * such a use is an ASan report, while the entry checks (which read only the
 * state word) report through the library. Beside it, a record: its kind, a
 * name, and the releaser's backtrace, taken with diag.c's unwinder as bare
 * return addresses (cheap) and named only when a report needs them.
 *
 * The bound: a FIFO of at most DMB_QUARANTINE_MAX_OBJECTS objects and
 * DMB_QUARANTINE_MAX_BYTES bytes (objects and records); the oldest is really
 * freed when a release passes either. Everything left is freed by
 * dmb_check_quarantine_flush(), by switching the quarantine off, and when
 * the library is unloaded or the process exits.
 *
 * Locking: quarantine_lock, a leaf mutex, protects the FIFO and its
 * figures. Nothing is called with it held but memory copies and free();
 * the backtrace is taken and reports are raised without it, so a release
 * or a report may come from any thread with any library lock held.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <dmabuf/check.h>
#include <dmabuf/list.h>

#include "../base/debug-private.h"
#include "../base/diag-private.h"
#include "quarantine-private.h"

#if defined(__SANITIZE_ADDRESS__)
#define QUARANTINE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define QUARANTINE_ASAN 1
#endif
#endif
#ifdef QUARANTINE_ASAN
#include <sanitizer/asan_interface.h>
#define quarantine_poison(p, n)		ASAN_POISON_MEMORY_REGION(p, n)
#define quarantine_unpoison(p, n)	ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define quarantine_poison(p, n)		((void)(p), (void)(n))
#define quarantine_unpoison(p, n)	((void)(p), (void)(n))
#endif

/* The releaser's frames kept, and the room to name them in a report. */
#define RELEASER_FRAMES	16
#define RELEASER_MAX	768

struct quarantine_rec {
	struct dmb_list_head node;		/* on kept, oldest first */
	void *obj;
	size_t size;
	unsigned int *state;
	size_t keep;				/* bytes from state not poisoned */
	enum dmb_obj_kind kind;
	char name[DMB_CHECK_NAME_LEN * 2];
	int nr_ips;
	void *ips[RELEASER_FRAMES];		/* the releaser's backtrace */
};

static pthread_mutex_t quarantine_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dmb_list_head kept = DMB_LIST_HEAD_INIT(kept);	/* lock */
static struct dmb_quarantine_stats figures;			/* lock */

atomic_bool __dmb_quarantine_switch = true;

static const char *const kind_names[] = {
	[DMB_OBJ_BUFFER] = "dma_buf",
	[DMB_OBJ_ATTACHMENT] = "dma_buf_attachment",
	[DMB_OBJ_REVOCABLE] = "revoke helper",
	[DMB_OBJ_FENCE] = "dma_fence",
};

static size_t rec_bytes(const struct quarantine_rec *rec)
{
	return rec->size + sizeof(*rec);
}

/*
 * Fill @rec's object with poison around its state word, which the release
 * already set and an entry check may be reading in another thread, and
 * what follows it to be kept.
 */
static void poison_object(struct quarantine_rec *rec)
{
	char *start = rec->obj, *word = (char *)rec->state;
	size_t before = (size_t)(word - start);

	memset(start, DMB_POISON_BYTE, before);
	memset(word + rec->keep, DMB_POISON_BYTE,
	       rec->size - before - rec->keep);
	quarantine_poison(rec->obj, rec->size);
	quarantine_unpoison(rec->state, rec->keep);
}

static void free_rec(struct quarantine_rec *rec)
{
	quarantine_unpoison(rec->obj, rec->size);
	free(rec->obj);
	free(rec);
}

/* Move every record from @list to nobody: really free them. No lock. */
static void free_list(struct dmb_list_head *list)
{
	struct quarantine_rec *rec, *tmp;

	dmb_list_for_each_entry_safe(rec, tmp, list, node)
		free_rec(rec);
}

/* Take the oldest records off until the bounds hold, onto @out. Locked. */
static void evict_locked(struct dmb_list_head *out, size_t max_objects,
			 size_t max_bytes)
{
	while (!dmb_list_empty(&kept) &&
	       (figures.objects > max_objects || figures.bytes > max_bytes)) {
		struct quarantine_rec *rec =
			dmb_list_first_entry(&kept, struct quarantine_rec, node);

		dmb_list_del(&rec->node);
		figures.objects--;
		figures.bytes -= rec_bytes(rec);
		figures.freed++;
		dmb_list_add_tail(&rec->node, out);
	}
}

bool __dmb_quarantine_release(enum dmb_obj_kind kind, void *obj, size_t size,
			      unsigned int *state, size_t keep,
			      const char *fmt, ...)
{
	struct quarantine_rec *rec;
	struct dmb_list_head evicted;
	va_list ap;

	/* The one test-and-set that decides who releases: a second is misuse. */
	if (__atomic_exchange_n(state, DMB_OBJ_RELEASED, __ATOMIC_RELAXED) ==
	    DMB_OBJ_RELEASED) {
		__dmb_quarantine_report_use(obj, "a second release", 0);
		return true;
	}
	rec = malloc(sizeof(*rec));
	if (!rec) {
		/* Not kept, freed by the caller: a use is not caught, no more. */
		__atomic_store_n(state, DMB_OBJ_LIVE, __ATOMIC_RELAXED);
		return false;
	}
	rec->obj = obj;
	rec->size = size;
	rec->state = state;
	rec->keep = keep;
	rec->kind = kind;
	va_start(ap, fmt);
	vsnprintf(rec->name, sizeof(rec->name), fmt, ap);
	va_end(ap);
	/* Skip this function: the releaser's release path is frame #0. */
	rec->nr_ips = __dmb_diag_capture(rec->ips, RELEASER_FRAMES, 1);
	poison_object(rec);

	dmb_list_init(&evicted);
	pthread_mutex_lock(&quarantine_lock);
	dmb_list_add_tail(&rec->node, &kept);
	figures.objects++;
	figures.bytes += rec_bytes(rec);
	figures.kept++;
	evict_locked(&evicted, DMB_QUARANTINE_MAX_OBJECTS,
		     DMB_QUARANTINE_MAX_BYTES);
	pthread_mutex_unlock(&quarantine_lock);
	free_list(&evicted);
	return true;
}

/* The record of @obj, or NULL. Locked. */
static struct quarantine_rec *find_locked(const void *obj)
{
	struct quarantine_rec *rec;

	dmb_list_for_each_entry(rec, &kept, node)
		if (rec->obj == obj)
			return rec;
	return NULL;
}

bool __dmb_quarantine_holds(const void *obj)
{
	bool held;

	pthread_mutex_lock(&quarantine_lock);
	held = find_locked(obj) != NULL;
	pthread_mutex_unlock(&quarantine_lock);
	return held;
}

void __dmb_quarantine_report_use(const void *obj, const char *call,
				 int violation)
{
	struct quarantine_rec *rec;
	char what[DMB_CHECK_NAME_LEN * 3];
	char releaser[RELEASER_MAX];
	void *ips[RELEASER_FRAMES];
	int nr_ips = -1;

	/*
	 * Copied out: the record may be freed as soon as the lock drops. The
	 * names are looked up without the lock (it reads symbol tables).
	 */
	pthread_mutex_lock(&quarantine_lock);
	rec = find_locked(obj);
	if (rec) {
		snprintf(what, sizeof(what), "%s %s (%p)", kind_names[rec->kind],
			 rec->name, obj);
		nr_ips = rec->nr_ips;
		memcpy(ips, rec->ips, sizeof(ips));
	} else {
		snprintf(what, sizeof(what), "object %p", obj);
	}
	pthread_mutex_unlock(&quarantine_lock);
	if (nr_ips >= 0)
		__dmb_diag_symbolize(ips, nr_ips, releaser, sizeof(releaser));
	else
		snprintf(releaser, sizeof(releaser),
			 "  (unknown: no longer in the release quarantine)\n");

	if (violation)
		dmb_check_report((enum dmb_violation)violation, NULL,
				 "%s of released %s: refused; released at:\n%s",
				 call, what, releaser);
	else
		DMB_WARN(true, "%s of released %s: refused; released at:\n%s",
			 call, what, releaser);
}

bool dmb_check_set_quarantine(bool on)
{
	bool was = atomic_exchange(&__dmb_quarantine_switch, on);

	if (!on)
		dmb_check_quarantine_flush();
	return was;
}

bool dmb_check_quarantine_enabled(void)
{
	return __dmb_quarantine_on();
}

void dmb_check_quarantine_stats(struct dmb_quarantine_stats *out)
{
	if (DMB_WARN(!out, "dmb_check_quarantine_stats(NULL)"))
		return;
	pthread_mutex_lock(&quarantine_lock);
	*out = figures;
	pthread_mutex_unlock(&quarantine_lock);
}

void dmb_check_quarantine_flush(void)
{
	struct dmb_list_head evicted;

	dmb_list_init(&evicted);
	pthread_mutex_lock(&quarantine_lock);
	evict_locked(&evicted, 0, 0);
	pthread_mutex_unlock(&quarantine_lock);
	free_list(&evicted);
}

/* On for anything but an explicit 0/off/no/false, as DMABUF_DEBUG. */
static void __attribute__((constructor)) quarantine_from_env(void)
{
	static const char *const off[] = { "0", "off", "no", "false" };
	const char *v = getenv("DMABUF_QUARANTINE");

	for (size_t i = 0; v && i < DMB_ARRAY_SIZE(off); i++)
		if (strcasecmp(v, off[i]) == 0)
			atomic_store(&__dmb_quarantine_switch, false);
}

/* Nothing kept outlives the library: leak checkers see a clean exit. */
static void __attribute__((destructor)) quarantine_fini(void)
{
	dmb_check_quarantine_flush();
}
