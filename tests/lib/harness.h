/* SPDX-License-Identifier: MIT */
/*
 * harness.h - what every libdmabuf test shares.
 *
 * Each test program is one object's behaviours, one cmocka case per
 * behaviour. Every case runs with a recording diagnostics sink: a WARN or
 * violation the case did not claim with th_take_report() fails it in
 * teardown, so misuse the library reports can never pass unnoticed. meson
 * runs each program in its own process with a timeout (a deadlock is a
 * failure), and the ASan build checks at exit that nothing leaked.
 *
 * Usage:
 *	static void late_add_callback(void **state) { ... }
 *	int main(int argc, char **argv)
 *	{
 *		const struct CMUnitTest tests[] = { TH_TEST(late_add_callback) };
 *		return th_run(argc, argv, tests, TH_COUNT(tests));
 *	}
 *
 * An optional argument runs only the cases matching it (a cmocka glob).
 */
#ifndef DMABUF_TEST_HARNESS_H
#define DMABUF_TEST_HARNESS_H

#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dmabuf/diag.h>

int th_setup(void **state);
int th_teardown(void **state);

#define TH_TEST(fn) cmocka_unit_test_setup_teardown(fn, th_setup, th_teardown)
#define TH_COUNT(tests) (sizeof(tests) / sizeof((tests)[0]))

int th_run_group(int argc, char **argv, const char *name,
		 const struct CMUnitTest *tests, size_t count);
#define th_run(argc, argv, tests, count) \
	th_run_group(argc, argv, __FILE__, tests, count)

/**
 * th_take_report - claim one recorded report of @kind whose message
 * contains @needle (NULL matches any)
 *
 * Return: true if one was found (it is removed), false otherwise.
 */
bool th_take_report(enum dmb_diag_kind kind, const char *needle);

/** th_count_reports - reports of @kind recorded and not yet taken */
unsigned int th_count_reports(enum dmb_diag_kind kind);

/** th_forget_reports - drop every recorded report (for stress tests) */
void th_forget_reports(void);

/* Assert that exactly one report of @kind containing @needle was raised. */
#define th_assert_warned(needle) \
	assert_true(th_take_report(DMB_DIAG_WARN, needle))

/*
 * The fixture rule. A failed assertion leaves the case by longjmp, past the
 * joins and frees at its end, and the next case reuses its stack. So:
 * - every thread a case starts goes through th_thread_start(): it belongs
 *   to the case, and th_teardown() joins whatever the case did not join
 *   (and then fails the case, if it had passed: a case joins its threads);
 * - what a thread shares with the case lives in th_alloc() memory (freed
 *   only after the case's threads are joined) or in static storage, never
 *   on the case's stack;
 * - a thread the case may leave blocked is released by a th_on_teardown()
 *   hook, which teardown runs before it joins;
 * - teardown fails the case if the process runs more threads than when the
 *   case began (a library worker left running, a thread not started through
 *   the harness). It waits for them to go, up to TH_HANG_NS: a bound that
 *   only catches hangs.
 * A join that does not finish within TH_HANG_NS aborts the program: a
 * thread still running over a finished case's memory must not run on into
 * the next case.
 */
#define TH_HANG_NS	(20LL * 1000000000LL)

struct th_thread;

/** th_thread_start - start a thread owned by the running case (asserted) */
struct th_thread *th_thread_start(void *(*fn)(void *arg), void *arg);

/** th_thread_join - join a thread of th_thread_start(); Return: its value */
void *th_thread_join(struct th_thread *t);

/**
 * th_alloc - zeroed memory owned by the running case (asserted), freed by
 * th_teardown() after the case's threads are joined
 */
void *th_alloc(size_t size);

/**
 * TH_NEW - a @type owned by the running case, initialised from the braced
 * initialiser that follows: struct x *p = TH_NEW(struct x, { .a = 1 });
 */
#define TH_NEW(type, ...) \
	((type *)th_memdup(&(type)__VA_ARGS__, sizeof(type)))
void *th_memdup(const void *src, size_t size);

/** th_on_teardown - run @fn(@arg) in teardown, last added first, before the joins */
void th_on_teardown(void (*fn)(void *arg), void *arg);

/**
 * th_teardown_threads - run the hooks and join the case's threads now (for
 * fixtures that destroy objects the threads use). Return: -1 if a thread was
 * left for teardown to join, else 0. th_teardown() calls it too.
 */
int th_teardown_threads(void);

/** th_threads_running - threads of this process now (from /proc/self/task) */
unsigned int th_threads_running(void);

/** th_sleep_ns - sleep for real time (only to poll or to let another thread block) */
void th_sleep_ns(int64_t ns);

/**
 * TH_WAIT_UNTIL - re-evaluate @expr every 100 us of real time until it is
 * true or TH_HANG_NS passed (a hang guard: the condition is what a case
 * asserts, never the time). Return: its last value. Safe in helper threads.
 */
#define TH_WAIT_UNTIL(expr) __extension__ ({			\
	int64_t __th_end = th_now_ns() + TH_HANG_NS;			\
	bool __th_ok;							\
	while (!(__th_ok = (expr)) && th_now_ns() < __th_end)		\
		th_sleep_ns(100 * 1000);				\
	__th_ok; })

/** th_now_ns - CLOCK_MONOTONIC in ns (for hang guards only) */
int64_t th_now_ns(void);

/**
 * th_wait_until_ns - poll @cond(@arg) every 100 us until true or @ns passed
 * Return: its last value.
 */
bool th_wait_until_ns(int64_t ns, bool (*cond)(void *arg), void *arg);

/*
 * th_set_hang_ns - the bound teardown waits for stray threads to go, for the
 * harness's own test (whose stray thread is blocked for sure); default
 * TH_HANG_NS
 */
void th_set_hang_ns(int64_t ns);

/**
 * th_sigbus_catch_begin - put a SIGBUS handler of the case's in front of
 * every other, as a program or a test framework that installs its own
 * after libdmabuf's guard (dmabuf/sigbus-guard.h) does: a fault is counted
 * and the faulting page replaced with zeros, so the access completes. For
 * cases that assert a path never touches memory another process shrank.
 * th_sigbus_catch_end() puts the previous handler back (teardown does, if
 * the case failed first). Main thread of the case; not nested.
 */
void th_sigbus_catch_begin(void);

/** th_sigbus_catch_end - end th_sigbus_catch_begin(); Return: the faults caught */
unsigned int th_sigbus_catch_end(void);

/**
 * th_stress_seed - seed for a stress test: $DMABUF_TEST_SEED or a fixed
 * default, printed so a failure can be replayed
 */
unsigned int th_stress_seed(void);

#endif /* DMABUF_TEST_HARNESS_H */
