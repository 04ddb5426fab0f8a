/* SPDX-License-Identifier: MIT */
/*
 * bench-revoke-hostile - revoke latency with one hostile importer process
 * (it maps and never unmaps) plus N cooperating ones, against its limit
 * measured in the same run: the policy's unmap bound plus one Unix socket
 * round trip between two processes (docs/performance.md, "Revoke with a
 * hostile importer"). The hostile importer speaks the wire protocol itself
 * and never reads its socket; at the bound minus its cut reserve (a
 * column) the revoke cuts it off, tears its mapping down itself and
 * truncates the memory, so as to be done by the bound (the exporter's
 * dispatcher tears the dead peer down later, outside the revoke). Importers
 * are exec'd before they are timed; figures are medians; a row says "met"
 * when its median is within the limit; nothing here is asserted.
 *
 * The revoke raises two reports at the bound (V6, and the notice of the
 * cut); the matrix runs with report backtraces off, as they cost more than
 * the mechanism (unwinding and symbolising, milliseconds on a loaded
 * machine), and a last line measures the default, backtraces on.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <dmabuf/dmb-ipc.h>

#include "bench.h"
#include "bench-ipc-lib.h"
#include "../src/ipc/ipc-private.h"

#define BUF_SIZE	4096

/* ---- importers (this program, exec'd) ---- */

/* A cooperating importer: map, say 'M', unmap when told, end at EOF. */
static void cooperating(int ctl)
{
	struct dmb_ipc *ipc = dmb_ipc_create("bench", DMB_IPC_THREAD);
	struct dma_buf_attachment *attach;
	struct dma_buf *buf;
	char c;
	int fd = dmb_ipc_recv_fd(ctl);

	bench_must(ipc && fd >= 0, "importer setup");
	buf = dmb_ipc_import(ipc, fd);
	close(fd);
	bench_must(buf != NULL, "import");
	attach = dma_buf_dynamic_attach(buf, &bench_imp_dev, &bench_imp_ops, NULL);
	bench_must(attach != NULL, "attach");
	bench_map_now(attach, dma_buf_resv(buf));
	bench_put_byte(ctl, 'M');
	while (read(ctl, &c, 1) > 0)
		;
	bench_unmap_put(buf, attach);
	dmb_ipc_destroy(ipc);
	_exit(0);
}

/* Send a request on the raw protocol and wait for its reply. */
static void raw_request(int sock, struct dmb_ipc_msg *msg, int *fd)
{
	static uint32_t seq;
	struct dmb_ipc_msg rep;
	const char *why = NULL;

	msg->seq = ++seq;
	bench_must(!dmb_ipc_msg_send(sock, msg, -1), "send");
	bench_must(dmb_ipc_msg_recv(sock, true, false, &rep, fd, &why) == 1 &&
	     !rep.status, "reply");
	msg->handle = rep.handle;
}

/* The hostile importer: map, keep the mapping, never read the socket. */
static void hostile(int ctl)
{
	struct dmb_ipc_msg msg;
	int sock = dmb_ipc_recv_fd(ctl), fd = -1;
	char c;

	bench_must(sock >= 0, "hostile setup");
	dmb_ipc_msg_init(&msg, DMB_IPC_HELLO);
	msg.arg = (uint64_t)getpid();
	memcpy(msg.name, "hostile", 7);
	raw_request(sock, &msg, &fd);
	dmb_ipc_msg_init(&msg, DMB_IPC_ATTACH);
	msg.arg = DMB_IPC_ATTACH_REVOCABLE;
	raw_request(sock, &msg, &fd);
	msg.type = DMB_IPC_MAP;
	msg.arg = DMA_BIDIRECTIONAL;
	raw_request(sock, &msg, &fd);
	bench_must(fd >= 0 && mmap(NULL, BUF_SIZE, PROT_READ, MAP_SHARED, fd, 0) !=
	     MAP_FAILED, "hostile map");
	bench_put_byte(ctl, 'M');
	while (read(ctl, &c, 1) > 0)
		;
	_exit(0);
}

/* The checker's V6 reports at each bound are expected: keep them quiet. */
static void quiet(const struct dmb_diag *diag, void *data)
{
	(void)diag;
	(void)data;
}

/* One revoke: 1 hostile + @n cooperating importers, bound @bound_ns. */
static int64_t hostile_revoke_ns(struct dmb_ipc *ipc, int n, int64_t bound_ns,
				 struct dmb_revoke_stats *stats)
{
	const struct dmb_revoke_policy policy = {
		.wait = DMB_REVOKE_WARN_THEN_WAIT,
		.unmap_bound_ns = bound_ns,
		.fence_bound_ns = bound_ns,
	};
	struct dma_buf *buf = dmb_memfd_buf_create(ipc, "bench", BUF_SIZE, &policy);
	int ctl[1 + 16], status;
	pid_t pid[1 + 16];
	int64_t t0, t;

	bench_must(buf != NULL && n <= 16, "revoke setup");
	for (int i = 0; i <= n; i++) {
		int fd = dma_buf_fd(buf, O_CLOEXEC);

		pid[i] = bench_spawn_self(i ? "--cooperating" : "--hostile", NULL, &ctl[i]);
		bench_must(fd >= 0 && !dmb_ipc_send_fd(ctl[i], fd), "send");
		close(fd);
	}
	for (int i = 0; i <= n; i++)
		bench_must(bench_get_byte(ctl[i]) == 'M', "mapped");
	t0 = bench_now_ns();
	bench_must(!dmb_memfd_buf_revoke(buf, stats), "revoke");
	t = bench_now_ns() - t0;
	for (int i = 0; i <= n; i++) {
		close(ctl[i]);
		waitpid(pid[i], &status, 0);
	}
	dma_buf_put(buf);
	return t;
}

/*
 * One line: medians of REPS revokes. Where the time past the bound goes:
 * the unmap wait's end past the bound (the wake-up at the bound, the
 * reports and the cut, tearing the mappings down: stats.unmap_wait_ns),
 * and taking the memory back after the helper returned (the truncate).
 */
static void row(struct dmb_ipc *ipc, int64_t bound, int n, int64_t rtt,
		const char *note)
{
	enum { REPS = 5 };
	int64_t v[REPS], wait[REPS], back[REPS], reserve[REPS], lat;
	struct dmb_revoke_stats stats = { 0 };

	for (int r = 0; r < REPS; r++) {
		v[r] = hostile_revoke_ns(ipc, n, bound, &stats);
		wait[r] = stats.unmap_wait_ns - bound;
		back[r] = v[r] - stats.total_ns;
		reserve[r] = stats.cut_reserve_ns;
	}
	lat = bench_median_i64(v, REPS);
	printf("%8lldms %3d %14lld %14lld %10.1f %10lld %10lld %10lld %7u %6s%s\n",
	       (long long)(bound / 1000000), n, (long long)lat,
	       (long long)(lat - bound), (double)(lat - bound) / (double)rtt,
	       (long long)bench_median_i64(wait, REPS), (long long)bench_median_i64(back, REPS),
	       (long long)bench_median_i64(reserve, REPS),
	       stats.forced, lat - bound <= rtt ? "met" : "missed", note);
}

int main(int argc, char **argv)
{
	static const int64_t bounds[] = { 1000000, 10000000, 100000000 };
	static const int counts[] = { 0, 1, 4, 8 };
	struct dmb_ipc *ipc;
	int64_t rtt;

	if (argc == 3 && !strcmp(argv[1], "--cooperating"))
		cooperating(atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "--hostile"))
		hostile(atoi(argv[2]));
	if (bench_callgrind_mode(argc, argv))
		return 0;	/* nothing here is counted in instructions */
	dmb_diag_set_sink(quiet, NULL);
	ipc = dmb_ipc_create("exporter", DMB_IPC_THREAD);
	bench_must(ipc != NULL, "context");
	rtt = bench_rtt_ns();
	printf("bench-revoke-hostile (%s): 1 hostile importer process (never unmaps) + N cooperating\n",
	       bench_mode_name());
	printf("unix socket round trip: %lld ns\n", (long long)rtt);
	printf("%10s %3s %14s %14s %10s %10s %10s %10s %7s %6s\n", "bound", "N",
	       "revoke (ns)", "- bound (ns)", "in RTTs", "wait-bound", "take back",
	       "reserve", "forced", "limit");
	dmb_diag_set_backtrace(false);
	for (size_t b = 0; b < sizeof(bounds) / sizeof(bounds[0]); b++)
		for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++)
			row(ipc, bounds[b], counts[c], rtt, "");
	dmb_diag_set_backtrace(true);
	row(ipc, bounds[1], 0, rtt, " (report backtraces on)");
	dmb_ipc_destroy(ipc);
	return 0;
}
