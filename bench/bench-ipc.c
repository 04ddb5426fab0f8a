/* SPDX-License-Identifier: MIT */
/*
 * bench-ipc - the cross-process layer against the limits measured in the
 * same run (docs/performance.md, docs/ipc.md):
 *  - one Unix socket round trip between two processes;
 *  - revoke of N cooperating importer processes, per importer, in RTTs;
 *  - handing a buffer to another process (send, import, attach, map) vs
 *    sending its bytes through a socket, 4 KiB to 256 MiB;
 *  - the importer reading the mapped bytes vs memcpy in one process;
 *  - a fence signalled here waking a waiter in another process (through
 *    its sync_file: dma_fence_wait() of the imported fence, and poll() of
 *    the descriptor) vs a bare cross-process futex wake.
 * Importers are started (fork and exec) before they are timed and live for
 * many buffers, each running the library's thread; the first hand-over and
 * the first revoke such a process sees are reported apart (they include
 * its code's first run: page faults, lazy symbol binding). Figures are
 * medians; nothing here is asserted.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/futex.h>
#include <poll.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <dmabuf/dma-fence.h>
#include <dmabuf/dmb-ipc.h>
#include <dmabuf/sync_file.h>

#include "bench.h"
#include "bench-ipc-lib.h"

/* ---- importers ---- */

/* Read the mapping and a private buffer of the same size; send both times. */
static void read_back(int ctl, size_t size)
{
	const char *src = (const char *)(uintptr_t)bench_mapping->sgl[0].dma_address;
	char *local = malloc(size), *dst = malloc(size);
	int64_t t[2], r[2][5];

	bench_must(local && dst, "malloc");
	memset(local, 1, size);
	memset(dst, 0, size);
	for (int i = 0; i < 5; i++) {
		int64_t t0 = bench_now_ns();

		memcpy(dst, src, size);
		bench_keep(dst);
		r[0][i] = bench_now_ns() - t0;
		t0 = bench_now_ns();
		memcpy(dst, local, size);
		bench_keep(dst);
		r[1][i] = bench_now_ns() - t0;
	}
	t[0] = bench_median_i64(r[0], 5);
	t[1] = bench_median_i64(r[1], 5);
	bench_must(write(ctl, t, sizeof(t)) == sizeof(t), "write");
	free(local);
	free(dst);
}

/*
 * An importer process, which lives for many buffers (a steady state, as a
 * compositor's clients are): for each buffer descriptor received on @ctl,
 * import, attach, map, say 'M'; with @rb also time reading the mapping
 * (read_back). Then obey: 'U' map again (the exporter unrevoked), 'D' done
 * with this buffer (unmap, detach, put, answer 'D'). EOF: exit.
 */
static void importer(int ctl, int rb)
{
	struct dmb_ipc *ipc = dmb_ipc_create("bench", DMB_IPC_THREAD);
	int fd;

	bench_must(ipc != NULL, "importer setup");
	bench_put_byte(ctl, 'R');
	while ((fd = dmb_ipc_recv_fd(ctl)) >= 0) {
		struct dma_buf_attachment *attach;
		struct dma_buf *buf = dmb_ipc_import(ipc, fd);
		struct dma_resv *resv;
		char cmd;

		close(fd);
		bench_must(buf != NULL, "import");
		attach = dma_buf_dynamic_attach(buf, &bench_imp_dev, &bench_imp_ops, NULL);
		bench_must(attach != NULL, "attach");
		resv = dma_buf_resv(buf);
		bench_map_now(attach, resv);
		bench_put_byte(ctl, 'M');
		if (rb)
			read_back(ctl, dma_buf_size(buf));
		rb = 0;
		while ((cmd = bench_get_byte(ctl)) == 'U') {
			bench_map_now(attach, resv);
			bench_put_byte(ctl, 'M');
		}
		bench_must(cmd == 'D', "importer command");
		bench_unmap_put(buf, attach);
		bench_put_byte(ctl, 'D');
	}
	dmb_ipc_destroy(ipc);
	_exit(0);
}

static pid_t spawn_importer(int *ctl, int rb)
{
	pid_t pid = bench_spawn_self("--importer", rb ? "1" : "0", ctl);

	bench_must(bench_get_byte(*ctl) == 'R', "importer ready");
	return pid;
}

static void send_buf(struct dma_buf *buf, int ctl)
{
	int fd = dma_buf_fd(buf, O_CLOEXEC);

	bench_must(fd >= 0 && !dmb_ipc_send_fd(ctl, fd), "send");
	close(fd);
}

static void done_buf(int ctl)
{
	bench_put_byte(ctl, 'D');
	bench_must(bench_get_byte(ctl) == 'D', "importer done");
}

static void finish(int ctl, pid_t pid)
{
	int status;

	close(ctl);
	waitpid(pid, &status, 0);
}

enum { ROUNDS = 7 };

/*
 * Revoke of @n importer processes, all mapped: *@cold is the first revoke
 * those processes see (their invalidate path never ran), the result the
 * median of the next ROUNDS, each after an unrevoke and a fresh map;
 * *@inval the median time the revoke spent in invalidate_mappings (sending
 * the INVALIDATEs: the importers it wakes may take the CPU meanwhile).
 */
static int64_t revoke_ns(struct dmb_ipc *ipc, int n, int64_t *cold,
			 int64_t *inval)
{
	struct dma_buf *buf = dmb_memfd_buf_create(ipc, "bench", 4096, NULL);
	int *ctl = calloc((size_t)n, sizeof(int));
	pid_t *pid = calloc((size_t)n, sizeof(pid_t));
	int64_t t0, v[ROUNDS + 1], w[ROUNDS + 1];
	struct dmb_revoke_stats st;

	bench_must(buf && ctl && pid, "revoke setup");
	for (int i = 0; i < n; i++) {
		pid[i] = spawn_importer(&ctl[i], 0);
		send_buf(buf, ctl[i]);
	}
	for (int r = 0; r <= ROUNDS; r++) {
		for (int i = 0; i < n; i++)
			bench_must(bench_get_byte(ctl[i]) == 'M', "mapped");
		t0 = bench_now_ns();
		bench_must(!dmb_memfd_buf_revoke(buf, &st), "revoke");
		v[r] = bench_now_ns() - t0;
		w[r] = st.invalidate_ns;
		bench_must(!dmb_memfd_buf_unrevoke(buf), "unrevoke");
		for (int i = 0; i < n && r < ROUNDS; i++)
			bench_put_byte(ctl[i], 'U');
	}
	for (int i = 0; i < n; i++) {
		done_buf(ctl[i]);
		finish(ctl[i], pid[i]);
	}
	dma_buf_put(buf);
	free(ctl);
	free(pid);
	*cold = v[0];
	*inval = bench_median_i64(w + 1, ROUNDS);
	return bench_median_i64(v + 1, ROUNDS);
}

/* ---- fence signal -> wake in another process ---- */

enum { WAKE_ROUNDS = 200 };

/*
 * Let the waiter block before the wake is timed (a benchmark may sleep:
 * nothing here is a verdict).
 */
static void settle(void)
{
	struct timespec ts = { .tv_nsec = 1000000 };

	nanosleep(&ts, NULL);
}

struct futex_page {
	atomic_int word;
};

/* The bare limit: a futex word in shared memory, woken across processes. */
static int64_t futex_wake_ns(void)
{
	struct futex_page *pg = mmap(NULL, sizeof(*pg), PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int64_t lat[WAKE_ROUNDS], t0, t1;
	int sv[2], status;
	pid_t pid;

	bench_must(pg != MAP_FAILED, "mmap");
	bench_must(!socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), "socketpair");
	atomic_store(&pg->word, 0);
	pid = fork();
	bench_must(pid >= 0, "fork");
	if (pid == 0) {
		close(sv[0]);
		for (int i = 0; i < WAKE_ROUNDS; i++) {
			bench_put_byte(sv[1], 'R');
			while (atomic_load(&pg->word) == i)
				syscall(SYS_futex, &pg->word, FUTEX_WAIT, i, NULL, NULL, 0);
			t1 = bench_now_ns();
			bench_must(write(sv[1], &t1, sizeof(t1)) == sizeof(t1), "write");
		}
		_exit(0);
	}
	close(sv[1]);
	for (int i = 0; i < WAKE_ROUNDS; i++) {
		bench_must(bench_get_byte(sv[0]) == 'R', "futex waiter ready");
		settle();
		t0 = bench_now_ns();
		atomic_store(&pg->word, i + 1);
		syscall(SYS_futex, &pg->word, FUTEX_WAKE, 1, NULL, NULL, 0);
		bench_must(read(sv[0], &t1, sizeof(t1)) == sizeof(t1), "read");
		lat[i] = t1 - t0;
	}
	close(sv[0]);
	waitpid(pid, &status, 0);
	munmap(pg, sizeof(*pg));
	return bench_median_i64(lat, WAKE_ROUNDS);
}

/*
 * The fence waiter (exec'd, like the importers): for each sync_file it
 * receives, say 'R', wait for it (@use_poll: poll() the descriptor;
 * otherwise dma_fence_wait() of the imported fence), send the time it woke.
 */
static void fence_waiter(int ctl, int use_poll)
{
	struct dmb_ipc *ipc = dmb_ipc_create("bench-waiter", DMB_IPC_THREAD);
	int fd;

	bench_must(ipc != NULL, "dmb_ipc_create");
	dmb_ipc_set_default(ipc);
	bench_put_byte(ctl, 'R');
	while ((fd = dmb_ipc_recv_fd(ctl)) >= 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct dma_fence *fence = use_poll ? NULL : sync_file_get_fence(fd);
		int64_t t1;

		bench_must(use_poll || fence != NULL, "sync_file_get_fence");
		bench_put_byte(ctl, 'R');
		if (use_poll)
			bench_must(poll(&p, 1, -1) == 1, "poll");
		else
			bench_must(dma_fence_wait(fence) == 0, "dma_fence_wait");
		t1 = bench_now_ns();
		bench_must(write(ctl, &t1, sizeof(t1)) == sizeof(t1), "write");
		if (fence)
			dma_fence_put(fence);
		close(fd);
	}
	dmb_ipc_destroy(ipc);
	_exit(0);
}

static const char *bench_fence_name(struct dma_fence *f)
{
	(void)f;
	return "bench";
}

static const struct dma_fence_ops bench_fence_ops = {
	.get_driver_name = bench_fence_name,
	.get_timeline_name = bench_fence_name,
};

/* A fence signalled here, waited for in another process. */
static int64_t fence_wake_ns(int use_poll)
{
	uint64_t ctx = dma_fence_context_alloc(1);
	int64_t lat[WAKE_ROUNDS], t0, t1;
	int ctl, status;
	pid_t pid = bench_spawn_self("--fence-waiter", use_poll ? "1" : "0", &ctl);

	bench_must(bench_get_byte(ctl) == 'R', "fence waiter started");
	for (int i = 0; i < WAKE_ROUNDS; i++) {
		struct dma_fence *f = malloc(sizeof(*f));
		int sfd;

		bench_must(f != NULL, "malloc");
		dma_fence_init(f, &bench_fence_ops, NULL, ctx, (uint64_t)i + 1);
		sfd = dmb_sync_file_export(f);
		bench_must(sfd >= 0 && !dmb_ipc_send_fd(ctl, sfd), "send sync_file");
		close(sfd);
		bench_must(bench_get_byte(ctl) == 'R', "fence waiter ready");
		settle();
		t0 = bench_now_ns();
		dma_fence_signal(f);
		bench_must(read(ctl, &t1, sizeof(t1)) == sizeof(t1), "read");
		lat[i] = t1 - t0;
		dma_fence_put(f);
	}
	close(ctl);
	waitpid(pid, &status, 0);
	return bench_median_i64(lat, WAKE_ROUNDS);
}

/*
 * Hand a buffer of @size to an importer process: send, import, attach,
 * map, timed until the importer says it mapped. The importer lives for
 * ROUNDS + 1 buffers: *@cold is its first (its code never ran), the
 * result the median of the rest. With @rw, the first buffer is also read
 * back (read_back) and the figures stored there.
 */
static int64_t handoff_ns(struct dmb_ipc *ipc, size_t size, int64_t *cold,
			  int64_t *rw)
{
	int ctl;
	pid_t pid = spawn_importer(&ctl, rw != NULL);
	int64_t t0, v[ROUNDS + 1];

	for (int r = 0; r <= ROUNDS; r++) {
		struct dma_buf *buf = dmb_memfd_buf_create(ipc, "bench", size, NULL);

		bench_must(buf != NULL, "buffer");
		t0 = bench_now_ns();
		send_buf(buf, ctl);
		bench_must(bench_get_byte(ctl) == 'M', "mapped");
		v[r] = bench_now_ns() - t0;
		if (rw)
			bench_must(read(ctl, rw, 2 * sizeof(int64_t)) == 2 * sizeof(int64_t),
			     "read figures");
		rw = NULL;
		done_buf(ctl);
		dma_buf_put(buf);
	}
	finish(ctl, pid);
	*cold = v[0];
	return bench_median_i64(v + 1, ROUNDS);
}

/* The same bytes through a stream socket to a ready reader, acknowledged. */
static int64_t copy_ns(size_t size)
{
	char *data = calloc(1, size);
	int sv[2], status;
	int64_t t0, t;
	pid_t pid;

	bench_must(data && !socketpair(AF_UNIX, SOCK_STREAM, 0, sv), "copy setup");
	pid = fork();
	if (pid == 0) {
		size_t got = 0;
		ssize_t n;

		close(sv[0]);
		bench_put_byte(sv[1], 'R');
		while (got < size && (n = read(sv[1], data, size - got)) > 0)
			got += (size_t)n;
		bench_put_byte(sv[1], 'A');
		_exit(0);
	}
	close(sv[1]);
	bench_must(bench_get_byte(sv[0]) == 'R', "ready");
	t0 = bench_now_ns();
	for (size_t off = 0; off < size;) {
		ssize_t n = write(sv[0], data + off, size - off);

		bench_must(n > 0, "write");
		off += (size_t)n;
	}
	bench_must(bench_get_byte(sv[0]) == 'A', "ack");
	t = bench_now_ns() - t0;
	close(sv[0]);
	waitpid(pid, &status, 0);
	free(data);
	return t;
}

static void print_wake(void)
{
	int64_t fu = futex_wake_ns(), fw = fence_wake_ns(0), fp = fence_wake_ns(1);

	printf("\nfence signal -> wake in another process (median of %d):\n"
	       "  bare futex wake (shared memory): %lld ns\n"
	       "  dma_fence_wait() of the imported sync_file: %lld ns = %.2fx futex\n"
	       "  poll() of the sync_file descriptor: %lld ns = %.2fx futex\n",
	       WAKE_ROUNDS, (long long)fu, (long long)fw, (double)fw / (double)fu,
	       (long long)fp, (double)fp / (double)fu);
}

/* No argument: every figure; --wake: only the fence wake-up's. */
int main(int argc, char **argv)
{
	static const size_t sizes[] = {
		4096, 65536, 1 << 20, 4 << 20, 16 << 20, 64 << 20, 256 << 20,
	};
	static const int counts[] = { 1, 4, 16, 64 };
	struct dmb_ipc *ipc;
	int64_t rtt, rw[2], cold, v[5];

	if (argc == 4 && !strcmp(argv[1], "--importer"))
		importer(atoi(argv[2]), atoi(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "--fence-waiter"))
		fence_waiter(atoi(argv[2]), atoi(argv[3]));
	ipc = dmb_ipc_create("bench-exporter", DMB_IPC_THREAD);
	bench_must(ipc != NULL, "dmb_ipc_create");
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 2 && !strcmp(argv[1], "--wake")) {
		printf("bench-ipc --wake (%s)\n", bench_mode_name());
		print_wake();
		dmb_ipc_destroy(ipc);
		return 0;
	}
	rtt = bench_rtt_ns();
	printf("bench-ipc (%s)\n", bench_mode_name());
	printf("unix socket round trip: %lld ns\n", (long long)rtt);
	printf("\nrevoke of N importer processes (median of %d revokes of running importers; first revoke they see):\n",
	       ROUNDS);
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		int64_t uw, t = revoke_ns(ipc, counts[i], &cold, &uw);

		printf("  N=%-3d %9lld ns, %7lld ns per importer = %.2f RTT; first: %.2f RTT; sending the invalidates: %lld ns\n",
		       counts[i], (long long)t, (long long)(t / counts[i]),
		       (double)t / counts[i] / (double)rtt,
		       (double)cold / counts[i] / (double)rtt, (long long)uw);
	}
	printf("\nhand a buffer over (send, import, attach, map; median of %d to a running importer; its first) vs send its bytes (median of 5):\n",
	       ROUNDS);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int64_t h, c;

		h = handoff_ns(ipc, sizes[i], &cold, NULL);
		for (int r = 0; r < 5; r++)
			v[r] = copy_ns(sizes[i]);
		c = bench_median_i64(v, 5);
		printf("  %8zu KiB: handoff %9lld ns (%.1f RTT; first %9lld ns), socket copy %11lld ns: %.1fx (first %.1fx)\n",
		       sizes[i] >> 10, (long long)h, (double)h / (double)rtt,
		       (long long)cold, (long long)c, (double)c / (double)h,
		       (double)c / (double)cold);
	}
	handoff_ns(ipc, 64 << 20, &cold, rw);
	printf("\nimporter reads 64 MiB through its mapping: %lld ns; memcpy of "
	       "private memory: %lld ns: %.2fx memcpy speed\n",
	       (long long)rw[0], (long long)rw[1], (double)rw[1] / (double)rw[0]);
	print_wake();
	dmb_ipc_destroy(ipc);
	return 0;
}
