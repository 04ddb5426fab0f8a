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

/** th_thread_start / th_thread_join - pthreads that fail the test on error */
struct th_thread;
struct th_thread *th_thread_start(void *(*fn)(void *arg), void *arg);
void *th_thread_join(struct th_thread *t);

/** th_sleep_ns - sleep for real time (only to let another thread block) */
void th_sleep_ns(int64_t ns);

/**
 * th_stress_seed - seed for a stress test: $DMABUF_TEST_SEED or a fixed
 * default, printed so a failure can be replayed
 */
unsigned int th_stress_seed(void);

#endif /* DMABUF_TEST_HARNESS_H */
