// SPDX-License-Identifier: MIT
/*
 * ipc-exporter - share a revocable buffer with another program, then take
 * it back (docs/ipc.md). Runs ipc-importer as a separate process:
 *
 *   ipc-exporter PATH-TO-ipc-importer
 *
 * The exporter writes a message into a memfd-backed buffer, hands the
 * importer a descriptor for it over a Unix socket, and waits until the
 * importer has read the message through its own mapping of the same pages.
 * Then it revokes: the importer's invalidate_mappings runs in the importer's
 * process, it unmaps, and only then does the revoke return; from that moment
 * no process can reach the old pages. The importer's next map fails with
 * -ENODEV, and the exporter waits for it to exit.
 *
 * The library runs a thread for each side here (DMB_IPC_THREAD); a program
 * with its own loop polls dmb_ipc_get_fd() and calls dmb_ipc_dispatch().
 *
 * Build against an installed libdmabuf: make -C examples run-ipc-exporter
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dmabuf/dmb-ipc.h>

#define BUF_SIZE	(1 << 20)

static int fail(const char *what, int err)
{
	fprintf(stderr, "ipc-exporter: %s: %s\n", what, strerror(err));
	return 1;
}

int main(int argc, char **argv)
{
	struct dmb_ipc *ipc;
	struct dma_buf *buf;
	char arg[16], byte = 0;
	void *vaddr;
	int sv[2], fd, status, ret = 1;
	pid_t pid;

	if (argc != 2) {
		fprintf(stderr, "usage: ipc-exporter PATH-TO-ipc-importer\n");
		return 2;
	}
	ipc = dmb_ipc_create("ipc-exporter", DMB_IPC_THREAD);
	if (!ipc)
		return fail("dmb_ipc_create", errno);
	buf = dmb_memfd_buf_create(ipc, "greeting", BUF_SIZE, NULL);
	if (!buf) {
		ret = fail("dmb_memfd_buf_create", errno);
		goto out_ipc;
	}
	if (dma_buf_vmap_unlocked(buf, &vaddr)) {
		fail("dma_buf_vmap_unlocked", EINVAL);
		goto out_buf;
	}
	snprintf(vaddr, 64, "hello from process %d", (int)getpid());
	dma_buf_vunmap_unlocked(buf, vaddr);

	/* The importer gets its end of a control socket as its argument. */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv)) {
		fail("socketpair", errno);
		goto out_buf;
	}
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		snprintf(arg, sizeof(arg), "%d", sv[1]);
		execl(argv[1], argv[1], arg, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	if (pid < 0) {
		fail("fork", errno);
		goto out_sock;
	}

	fd = dma_buf_fd(buf, O_CLOEXEC);
	if (fd < 0 || dmb_ipc_send_fd(sv[0], fd)) {
		fail("dma_buf_fd/dmb_ipc_send_fd", fd < 0 ? -fd : EPIPE);
		goto out_wait;
	}
	close(fd);
	if (read(sv[0], &byte, 1) != 1 || byte != 'M') {
		fprintf(stderr, "ipc-exporter: the importer did not map\n");
		goto out_wait;
	}
	printf("exporter: the importer has the buffer mapped; revoking\n");
	if (dmb_memfd_buf_revoke(buf, NULL)) {
		fprintf(stderr, "ipc-exporter: revoke failed\n");
		goto out_wait;
	}
	printf("exporter: revoked: no process can reach those pages now\n");
	if (write(sv[0], "R", 1) == 1)
		ret = 0;

out_wait:
	shutdown(sv[0], SHUT_RDWR);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "ipc-exporter: the importer failed\n");
		ret = 1;
	}
out_sock:
	close(sv[0]);
out_buf:
	dma_buf_put(buf);
out_ipc:
	dmb_ipc_destroy(ipc);
	return ret;
}
