/* SPDX-License-Identifier: MIT */
/*
 * fuzz-ipc-wire.c - libFuzzer target: the ipc wire decoder and a live
 * exporter connection (docs/ipc.md "Wire protocol").
 *
 * An input is a sequence of records: one control byte, then up to 64 bytes
 * of message (the last record may be short). Control bit 0 sends a
 * sync_file descriptor with the message, bit 1 a second descriptor (a
 * memfd). Bit 2 of the first control byte makes the connection read-only
 * (dmb_dma_buf_fd_readonly()). An empty record is not sent: on
 * SOCK_SEQPACKET it reads as the peer's EOF, which the exporter handles as
 * a peer that went away.
 *
 * Each record is first given to dmb_ipc_msg_check() as received by either
 * end with 0, 1 and 2 descriptors. It is then sent, with its descriptors,
 * to a real exporter connection (the importer's end of dma_buf_fd() of a
 * memfd buffer) and the exporter's context dispatches it. A message the
 * validator refuses must drop the connection with a notice ("ipc: dropping
 * connection"), after which the importer's end reads EOF; any drop must
 * come with that notice. The connection and the buffer are then released:
 * a leak of anything the exporter built for the peer (attachments,
 * mappings, imported fences) is a finding, as is any sanitizer report.
 * Everything runs in this thread, so an input plays the same every time.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <dmabuf/diag.h>
#include <dmabuf/dma-fence.h>
#include <dmabuf/dmb-ipc.h>
#include <dmabuf/sync_file.h>

#include "../src/ipc/ipc-private.h"

#define RECORD	(1 + sizeof(struct dmb_ipc_msg))

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static unsigned long drops;

/* Count the drops; say nothing else (the default sink prints). */
static void sink(const struct dmb_diag *diag, void *unused)
{
	(void)unused;
	if (diag->kind == DMB_DIAG_NOTICE &&
	    strstr(diag->msg, "ipc: dropping connection"))
		drops++;
}

static void fail(const char *what, size_t index)
{
	fprintf(stderr, "record %zu: %s\n", index, what);
	abort();
}

/* The validator alone, as either end with 0..2 descriptors. */
static void check_alone(const struct dmb_ipc_msg *msg, size_t len)
{
	int nfds;

	for (nfds = 0; nfds <= 2; nfds++) {
		dmb_ipc_msg_check(msg, len, nfds, true);
		dmb_ipc_msg_check(msg, len, nfds, false);
	}
}

/* Send @len bytes of @msg with the descriptors @ctl asks for. */
static int send_record(int sock, const struct dmb_ipc_msg *msg, size_t len,
		       unsigned char ctl, int *nfds)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(2 * sizeof(int))];
	} cbuf;
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	int fds[2], n = 0, i;
	ssize_t ret;

	if (ctl & 1) {
		struct dma_fence *stub = dma_fence_get_stub();

		fds[n] = dmb_sync_file_export(stub);
		dma_fence_put(stub);
		if (fds[n] >= 0)
			n++;
	}
	if (ctl & 2) {
		fds[n] = memfd_create("fuzz", MFD_CLOEXEC);
		if (fds[n] >= 0)
			n++;
	}
	if (n) {
		memset(&cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf.buf;
		mh.msg_controllen = CMSG_SPACE(n * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(n * sizeof(int));
		memcpy(CMSG_DATA(c), fds, n * sizeof(int));
	}
	ret = sendmsg(sock, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	for (i = 0; i < n; i++)
		close(fds[i]);
	*nfds = n;
	return ret == (ssize_t)len ? 0 : -1;
}

/* Read what the exporter sent us; 1 if the connection ended. */
static int drain(int sock)
{
	struct dmb_ipc_msg msg;
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} cbuf;
	struct iovec iov = { .iov_base = &msg, .iov_len = sizeof(msg) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	ssize_t n;

	for (;;) {
		mh.msg_control = cbuf.buf;
		mh.msg_controllen = sizeof(cbuf.buf);
		n = recvmsg(sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n == 0)
			return 1;
		if (n < 0)
			return 0;
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			size_t i, count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (i = 0; i < count; i++) {
				int fd;

				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				close(fd);
			}
		}
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct dmb_ipc *ipc;
	struct dma_buf *buf;
	size_t off, index = 0;
	bool ended = false;
	int sock;

	dmb_diag_set_sink(sink, NULL);
	dmb_diag_set_backtrace(false);
	drops = 0;
	ipc = dmb_ipc_create("fuzz", 0);
	buf = ipc ? dmb_memfd_buf_create(ipc, "fuzz", 4096, NULL) : NULL;
	if (!buf)
		sock = -1;
	else if (size && (data[0] & 4))
		sock = dmb_dma_buf_fd_readonly(buf, O_CLOEXEC);
	else
		sock = dma_buf_fd(buf, O_CLOEXEC);
	if (sock < 0)
		fail("cannot set up an exporter", 0);

	for (off = 0; off < size && !ended; off += RECORD, index++) {
		struct dmb_ipc_msg msg = { 0 };
		size_t len = size - off - 1 < sizeof(msg) ? size - off - 1 : sizeof(msg);
		unsigned long before = drops;
		bool bad;
		int nfds;

		memcpy(&msg, data + off + 1, len);
		check_alone(&msg, len);
		/* An empty SOCK_SEQPACKET record reads as the peer's EOF. */
		if (!len)
			break;
		if (send_record(sock, &msg, len, data[off], &nfds))
			fail("the exporter stopped reading", index);
		bad = dmb_ipc_msg_check(&msg, len, nfds, true) != NULL;
		/* One message per dispatch; the next one sees a drop's EOF. */
		dmb_ipc_dispatch(ipc);
		if (drops != before)
			dmb_ipc_dispatch(ipc);
		ended = drain(sock);
		if (bad && (drops == before || !ended))
			fail("a malformed message did not drop the connection", index);
		if (ended && drops == before)
			fail("the connection ended without a notice", index);
	}
	close(sock);
	dmb_ipc_dispatch(ipc);
	dma_buf_put(buf);
	dmb_ipc_destroy(ipc);
	dmb_diag_set_sink(NULL, NULL);
	return 0;
}
