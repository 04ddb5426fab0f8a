// SPDX-License-Identifier: MIT
/*
 * diag.c - the diagnostics sink behind DMB_WARN() and the protocol checker.
 *
 * Contract: a report never aborts and never takes a library lock, so it can
 * be raised from any context, including with resv or fence locks held and
 * from inside fence callbacks. The message is formatted into a buffer on the
 * caller's stack; the backtrace is produced with libunwind (symbolised from
 * the symbol table, hidden functions included) or, in a build without it,
 * with glibc's backtrace() (exported names only), or left out.
 *
 * Locking: sink_lock (a reader/writer lock) protects the sink. A report holds
 * it for reading while the sink runs, so reports from several threads are
 * delivered concurrently and a report raised inside a sink nests fine;
 * dmb_diag_set_sink() takes it for writing, so once it returns no report
 * reaches the old sink (a test can free its recorder right after). A sink
 * must therefore not call dmb_diag_set_sink().
 */
#if DMB_HAVE_LIBUNWIND
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#elif DMB_HAVE_EXECINFO
#include <execinfo.h>
#include <stdlib.h>
#endif

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <dmabuf/clock.h>
#include <dmabuf/diag.h>

#include "diag-private.h"

#define DIAG_MSG_MAX		1024
#define DIAG_BACKTRACE_MAX	4096
#define DIAG_BACKTRACE_FRAMES	16

static pthread_rwlock_t sink_lock = PTHREAD_RWLOCK_INITIALIZER;
static dmb_diag_sink_fn sink_fn;
static void *sink_data;
static atomic_bool backtrace_enabled = true;
static atomic_ulong diag_counts[DMB_DIAG_NOTICE + 1];

static const char *const kind_names[] = {
	[DMB_DIAG_WARN] = "WARNING",
	[DMB_DIAG_VIOLATION] = "VIOLATION",
	[DMB_DIAG_NOTICE] = "NOTICE",
};

void dmb_diag_set_sink(dmb_diag_sink_fn fn, void *data)
{
	pthread_rwlock_wrlock(&sink_lock);
	sink_fn = fn;
	sink_data = data;
	pthread_rwlock_unlock(&sink_lock);
}

bool dmb_diag_set_backtrace(bool enable)
{
	return atomic_exchange(&backtrace_enabled, enable);
}

unsigned long dmb_diag_count(enum dmb_diag_kind kind)
{
	if (kind > DMB_DIAG_NOTICE)
		return 0;
	return atomic_load(&diag_counts[kind]);
}

#if DMB_HAVE_LIBUNWIND
/*
 * Unwind the calling thread, skipping @skip frames above this one (the
 * reporting function). Not inlined, so the frame count is exact.
 */
static void __attribute__((noinline)) diag_backtrace(char *buf, size_t size, int skip)
{
	unw_context_t uc;
	unw_cursor_t cursor;
	size_t len = 0;
	int frame = 0;

	buf[0] = '\0';
	if (unw_getcontext(&uc) || unw_init_local(&cursor, &uc))
		return;

	while (unw_step(&cursor) > 0 && frame < DIAG_BACKTRACE_FRAMES + skip) {
		char name[128];
		unw_word_t off = 0, ip = 0;
		int n;

		if (frame++ < skip)
			continue;
		unw_get_reg(&cursor, UNW_REG_IP, &ip);
		if (unw_get_proc_name(&cursor, name, sizeof(name), &off))
			strcpy(name, "??");
		n = snprintf(buf + len, size - len, "  #%d %s+0x%lx [0x%lx]\n",
			     frame - skip - 1, name, (unsigned long)off,
			     (unsigned long)ip);
		if (n < 0 || (size_t)n >= size - len)
			break;
		len += (size_t)n;
	}
}
#elif DMB_HAVE_EXECINFO
/* The same with glibc alone: names of exported functions only. */
static void __attribute__((noinline)) diag_backtrace(char *buf, size_t size, int skip)
{
	void *ips[DIAG_BACKTRACE_FRAMES + 2];
	char **names;
	size_t len = 0;
	int nr, frame;

	buf[0] = '\0';
	nr = backtrace(ips, (int)DMB_ARRAY_SIZE(ips));
	names = backtrace_symbols(ips, nr);	/* NULL: addresses only */
	for (frame = skip + 1; frame < nr; frame++) {
		int n = names ?
			snprintf(buf + len, size - len, "  #%d %s\n",
				 frame - skip - 1, names[frame]) :
			snprintf(buf + len, size - len, "  #%d [%p]\n",
				 frame - skip - 1, ips[frame]);

		if (n < 0 || (size_t)n >= size - len)
			break;
		len += (size_t)n;
	}
	free(names);
}
#else
static void diag_backtrace(char *buf, size_t size, int skip)
{
	(void)size;
	(void)skip;
	buf[0] = '\0';
}
#endif

/*
 * A backtrace kept for later (the release quarantine's releaser): the
 * return addresses only, which is cheap; naming them, which reads symbol
 * tables, waits for __dmb_diag_symbolize() and a report that needs it.
 */
#if DMB_HAVE_LIBUNWIND
/*
 * A cursor walk, not unw_backtrace(): that one keeps a per-thread cache
 * whose destructor, run at thread exit, crashes ThreadSanitizer's runtime.
 */
int __attribute__((noinline)) __dmb_diag_capture(void **ips, int max, int skip)
{
	unw_context_t uc;
	unw_cursor_t cursor;
	int frame = 0, n = 0;

	if (unw_getcontext(&uc) || unw_init_local(&cursor, &uc))
		return 0;
	while (n < max && unw_step(&cursor) > 0) {
		unw_word_t ip = 0;

		if (frame++ < skip)
			continue;
		unw_get_reg(&cursor, UNW_REG_IP, &ip);
		ips[n++] = (void *)ip;
	}
	return n;
}
#elif DMB_HAVE_EXECINFO
int __attribute__((noinline)) __dmb_diag_capture(void **ips, int max, int skip)
{
	void *all[2 * DIAG_BACKTRACE_FRAMES];
	int first = skip + 1;	/* this function, then @skip callers */
	int n;

	if (max + first > (int)DMB_ARRAY_SIZE(all))
		max = (int)DMB_ARRAY_SIZE(all) - first;
	n = backtrace(all, max + first);
	n = n > first ? n - first : 0;
	memcpy(ips, all + first, (size_t)n * sizeof(*ips));
	/* Not a tail call: this frame must be there for @skip to count. */
	__asm__ volatile("" ::: "memory");
	return n;
}
#else
int __dmb_diag_capture(void **ips, int max, int skip)
{
	(void)ips;
	(void)max;
	(void)skip;
	return 0;
}
#endif

#if DMB_HAVE_LIBUNWIND
/* Name each address as diag_backtrace() does, through a cursor moved to it. */
void __dmb_diag_symbolize(void *const *ips, int nr, char *buf, size_t size)
{
	unw_context_t uc;
	unw_cursor_t cursor;
	size_t len = 0;

	buf[0] = '\0';
	if (unw_getcontext(&uc) || unw_init_local(&cursor, &uc))
		return;
	for (int i = 0; i < nr; i++) {
		unw_word_t off = 0, ip = (unw_word_t)ips[i];
		char name[128];
		int n;

		if (unw_set_reg(&cursor, UNW_REG_IP, ip) ||
		    unw_get_proc_name(&cursor, name, sizeof(name), &off))
			strcpy(name, "??");
		n = snprintf(buf + len, size - len, "  #%d %s+0x%lx [0x%lx]\n",
			     i, name, (unsigned long)off, (unsigned long)ip);
		if (n < 0 || (size_t)n >= size - len)
			break;
		len += (size_t)n;
	}
}
#elif DMB_HAVE_EXECINFO
void __dmb_diag_symbolize(void *const *ips, int nr, char *buf, size_t size)
{
	char **names = backtrace_symbols(ips, nr);	/* NULL: addresses only */
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < nr; i++) {
		int n = names ?
			snprintf(buf + len, size - len, "  #%d %s\n", i, names[i]) :
			snprintf(buf + len, size - len, "  #%d [%p]\n", i, ips[i]);

		if (n < 0 || (size_t)n >= size - len)
			break;
		len += (size_t)n;
	}
	free(names);
}
#else
void __dmb_diag_symbolize(void *const *ips, int nr, char *buf, size_t size)
{
	(void)ips;
	(void)nr;
	snprintf(buf, size, "  (no unwinder in this build)\n");
}
#endif

int dmb_diag_format(const struct dmb_diag *diag, char *buf, size_t size)
{
	const char *kind;

	if (DMB_WARN(!diag || (!buf && size), "dmb_diag_format(%p, %p, %zu)",
		     (const void *)diag, (void *)buf, size))
		return -1;
	kind = diag->kind <= DMB_DIAG_NOTICE ? kind_names[diag->kind] : "REPORT";
	return snprintf(buf, size, "libdmabuf %s: %s\n  at %s:%d (%s), t=%lld.%09lld\n%s",
			kind, diag->msg, diag->file, diag->line, diag->func,
			(long long)(diag->time_ns / NSEC_PER_SEC),
			(long long)(diag->time_ns % NSEC_PER_SEC),
			diag->backtrace ? diag->backtrace : "");
}

static void diag_to_stderr(const struct dmb_diag *diag)
{
	char text[DIAG_MSG_MAX + DIAG_BACKTRACE_MAX + 256];

	dmb_diag_format(diag, text, sizeof(text));
	flockfile(stderr);
	fputs(text, stderr);
	funlockfile(stderr);
}

void dmb_diag_report_at(enum dmb_diag_kind kind, const char *file, int line,
			const char *func, const char *fmt, ...)
{
	char msg[DIAG_MSG_MAX];
	char bt[DIAG_BACKTRACE_MAX];
	struct dmb_diag diag = {
		.kind = kind,
		.file = file,
		.line = line,
		.func = func,
		.msg = msg,
		.time_ns = dmb_ktime_get_ns(),
	};
	va_list ap;

	/* Reported as what it is: a report without a message is one too. */
	if (dmb_unlikely(!fmt)) {
		snprintf(msg, sizeof(msg), "a report without a format string");
	} else {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
	}

	if (atomic_load_explicit(&backtrace_enabled, memory_order_relaxed)) {
		diag_backtrace(bt, sizeof(bt), 1);
		diag.backtrace = bt;
	}

	if (kind <= DMB_DIAG_NOTICE)
		atomic_fetch_add(&diag_counts[kind], 1);

	pthread_rwlock_rdlock(&sink_lock);
	if (sink_fn)
		sink_fn(&diag, sink_data);
	else
		diag_to_stderr(&diag);
	pthread_rwlock_unlock(&sink_lock);
}
