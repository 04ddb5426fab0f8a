/* SPDX-License-Identifier: MIT */
/*
 * bench.h - timing helpers shared by the benchmarks.
 *
 * Benchmarks print figures, never pass/fail. Each measures the library
 * against the physical limit in the same run and prints the ratio. Timings
 * are the median of several repetitions, to shrug off a noisy neighbour.
 *
 * With --callgrind a benchmark runs a short fixed loop instead, for
 * `valgrind --tool=callgrind --toggle-collect=<op>` to count the
 * instructions of one operation exactly (see bench/run.sh).
 *
 * Benchmarks measure production mode (include/dmabuf/debug.h), what a
 * program that ships runs: each switches to it before main() unless the
 * environment asks for a mode (DMABUF_DEBUG=1 measures debug mode, the
 * default of tests and the simulator).
 */
#ifndef DMABUF_BENCH_H
#define DMABUF_BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dmabuf/clock.h>
#include <dmabuf/debug.h>

#define BENCH_REPS	7

static inline int bench_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/*
 * An operation to time, handed to bench_median() as @arg by address: ISO C
 * converts no function pointer to void * and back.
 */
struct bench_op {
	void (*fn)(void);
};
#define BENCH_OP(f)	((void *)&(struct bench_op){ (f) })

/* Median of BENCH_REPS runs of @fn(@arg), each returning ns per operation x1000. */
static inline double bench_median(int64_t (*fn)(void *arg), void *arg)
{
	int64_t v[BENCH_REPS];

	for (int i = 0; i < BENCH_REPS; i++)
		v[i] = fn(arg);
	qsort(v, BENCH_REPS, sizeof(v[0]), bench_cmp_i64);
	return (double)v[BENCH_REPS / 2] / 1000.0;
}

/* Production mode unless DMABUF_DEBUG chose (see above). */
static void __attribute__((constructor)) bench_choose_mode(void)
{
	if (!getenv("DMABUF_DEBUG"))
		dmb_debug_set(false);
}

/* For the printed figures: which mode they were measured in. */
static inline const char *bench_mode_name(void)
{
	return dmb_debug_enabled() ? "debug mode" : "production mode";
}

static inline int bench_callgrind_mode(int argc, char **argv)
{
	return argc > 1 && !strcmp(argv[1], "--callgrind");
}

/* Keep the optimiser from discarding a value. */
#define bench_keep(x) __asm__ volatile("" : : "g"(x) : "memory")

/*
 * Make @x opaque to the optimiser (it may have changed): a call through a
 * pointer it holds stays a real indirect call instead of being inlined.
 */
#define bench_hide(x) __asm__ volatile("" : "+r"(x))

#endif /* DMABUF_BENCH_H */
