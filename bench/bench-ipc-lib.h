/* SPDX-License-Identifier: MIT */
/*
 * bench-ipc-lib.h - what the cross-process benchmarks (bench-ipc,
 * bench-revoke-hostile) share: a clock, a median, a fatal check, one-byte
 * messages between processes and their limit, the round trip of a Unix
 * socket between two processes, starting an importer, and the importer's
 * one mapping. Figures only; nothing is asserted.
 *
 * Locking: each benchmark calls these from its main thread, but for
 * bench_mapping, which belongs to the buffer's resv lock: the invalidate
 * (bench_imp_ops, in the importer's ipc thread) clears it under that lock.
 */
#ifndef DMABUF_BENCH_IPC_LIB_H
#define DMABUF_BENCH_IPC_LIB_H

#include <stdint.h>
#include <sys/types.h>

#include <dmabuf/dma-buf.h>

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

/*
 * bench_spawn_self - start this program again, fork()ed and exec()ed (a
 * fork alone would copy the exporter's context, its thread's locks and
 * its sockets, into it), as "PROG @role CTL-FD [@extra]": CTL-FD is its
 * end of a new SOCK_SEQPACKET pair, *@ctl gets ours. Return: its pid.
 */
pid_t bench_spawn_self(const char *role, const char *extra, int *ctl);

/* ---- an importer's one mapping (one buffer at a time) ---- */

/* The importer's mapping, NULL when none. Resv lock. */
extern struct sg_table *bench_mapping;

/* Dynamic attachment ops whose invalidate unmaps bench_mapping at once. */
extern const struct dma_buf_attach_ops bench_imp_ops;
extern struct device bench_imp_dev;

/* bench_map_now - map @attach into bench_mapping under @resv (bench_must()) */
void bench_map_now(struct dma_buf_attachment *attach, struct dma_resv *resv);

/* bench_unmap_put - unmap bench_mapping if any, detach @attach, put @buf */
void bench_unmap_put(struct dma_buf *buf, struct dma_buf_attachment *attach);

#endif /* DMABUF_BENCH_IPC_LIB_H */
