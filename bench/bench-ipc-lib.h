/* SPDX-License-Identifier: MIT */
/*
 * bench-ipc-lib.h - what the cross-process benchmarks (bench-ipc,
 * bench-revoke-hostile) share: a clock, a median, a fatal check, one-byte
 * messages between processes and their limit, the round trip of a Unix
 * socket between two processes. Figures only; nothing is asserted.
 *
 * Locking: none; each benchmark calls these from its main thread.
 */
#ifndef DMABUF_BENCH_IPC_LIB_H
#define DMABUF_BENCH_IPC_LIB_H

#include <stdint.h>

/* bench_now_ns - CLOCK_MONOTONIC in ns */
int64_t bench_now_ns(void);

/* bench_median_i64 - the median of @v[0..@n) (sorts @v) */
int64_t bench_median_i64(int64_t *v, int n);

/* bench_must - unless @ok, print @what with errno and exit(1) */
void bench_must(int ok, const char *what);

/* bench_put_byte - write byte @c to @fd (bench_must()) */
void bench_put_byte(int fd, char c);

/* bench_get_byte - read one byte from @fd (bench_must()); Return: it */
char bench_get_byte(int fd);

/*
 * bench_rtt_ns - one Unix socket round trip between two processes: the
 * median over several runs of a forked echo's mean. Return: ns.
 */
int64_t bench_rtt_ns(void);

#endif /* DMABUF_BENCH_IPC_LIB_H */
