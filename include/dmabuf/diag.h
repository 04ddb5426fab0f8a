/* SPDX-License-Identifier: MIT */
/*
 * diag.h - the diagnostics sink: WARN as a report, not an abort.
 *
 * Misuse of the API (an unlock by a thread that does not own the lock, a
 * fence signalled twice, a call without a required lock) is reported through
 * one process-wide sink and the call returns an error; the program goes on.
 * The default sink prints the report and a backtrace to stderr. Tests and the
 * simulator install a callback to count, record or reject reports.
 *
 * Every report carries the place that raised it (file, line, function), a
 * formatted message that names the objects involved, the monotonic time, and,
 * when enabled, a symbolised backtrace of the calling thread.
 *
 * Locking: reports from several threads are delivered concurrently, so a sink
 * callback must be thread-safe. A callback may itself raise reports (they are
 * delivered normally) but must not call dmb_diag_set_sink().
 */
#ifndef DMABUF_DIAG_H
#define DMABUF_DIAG_H

#include <stdbool.h>
#include <stdint.h>
#include <dmabuf/compiler.h>

DMB_BEGIN_DECLS

enum dmb_diag_kind {
	DMB_DIAG_WARN,		/* API misuse or a broken invariant */
	DMB_DIAG_VIOLATION,	/* a protocol violation found by the checker */
	DMB_DIAG_NOTICE,	/* something a developer wants to know (a slow importer) */
};

struct dmb_diag {
	enum dmb_diag_kind kind;
	const char *file;
	int line;
	const char *func;
	const char *msg;	/* formatted message, valid during the callback */
	const char *backtrace;	/* one frame a line, or NULL if disabled */
	int64_t time_ns;	/* CLOCK_MONOTONIC */
};

/**
 * typedef dmb_diag_sink_fn - receives every report
 * @diag: the report; its strings live only for the duration of the call
 * @data: the pointer given to dmb_diag_set_sink()
 *
 * Context: any thread, possibly several at once, and possibly with library
 * locks held (a violation is reported where it happens, often under a resv
 * lock): a sink must not call back into the library.
 */
typedef void (*dmb_diag_sink_fn)(const struct dmb_diag *diag, void *data);

/**
 * dmb_diag_set_sink - route reports to @fn, or back to stderr if @fn is NULL
 * @fn: the sink callback
 * @data: passed to @fn
 *
 * Context: any thread but a sink callback. Waits for reports being delivered
 * to finish: once it returns, the previous sink is never called again.
 */
void dmb_diag_set_sink(dmb_diag_sink_fn fn, void *data);

/**
 * dmb_diag_set_backtrace - enable or disable backtraces in reports
 * @enable: true to unwind and symbolise the calling thread on every report
 *
 * Enabled by default. Return: the previous setting.
 * Context: any thread.
 */
bool dmb_diag_set_backtrace(bool enable);

/**
 * dmb_diag_count - number of reports of @kind raised since the process started
 * Context: any thread, no lock.
 */
unsigned long dmb_diag_count(enum dmb_diag_kind kind);

/**
 * dmb_diag_format - format @diag as the default sink prints it
 * @diag: the report
 * @buf: destination
 * @size: size of @buf
 *
 * Context: any thread, a sink callback included.
 * Return: the length the full text needs, as snprintf().
 */
int dmb_diag_format(const struct dmb_diag *diag, char *buf, size_t size);

/**
 * dmb_diag_report_at - raise a report of @kind from @file:@line in @func
 *
 * What DMB_WARN() and dmb_notice() expand to; a caller that reports on
 * behalf of another place (the checker) passes that place.
 * Context: any thread, any locks held.
 */
void dmb_diag_report_at(enum dmb_diag_kind kind, const char *file, int line,
			const char *func, const char *fmt, ...) DMB_PRINTF(5, 6);

/**
 * DMB_WARN - report misuse when @cond is true
 *
 * Evaluates @cond once and returns it, so it reads like the kernel's:
 * ``if (DMB_WARN(!fence, "NULL fence")) return -EINVAL;``
 */
#define DMB_WARN(cond, ...) __extension__ ({				\
	bool __dmb_c = !!(cond);					\
	if (dmb_unlikely(__dmb_c))					\
		dmb_diag_report_at(DMB_DIAG_WARN, __FILE__, __LINE__,	\
				   __func__, __VA_ARGS__);		\
	__dmb_c; })

#define DMB_WARN_ON(cond) DMB_WARN(cond, "WARN_ON(%s)", #cond)

/* Report a non-fatal notice (a slow importer, a long fence wait). */
#define dmb_notice(...)							\
	dmb_diag_report_at(DMB_DIAG_NOTICE, __FILE__, __LINE__, __func__, \
			   __VA_ARGS__)

DMB_END_DECLS

#endif /* DMABUF_DIAG_H */
