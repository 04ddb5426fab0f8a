/* SPDX-License-Identifier: MIT */
/*
 * wire.c - the wire protocol's messages: build, validate, send, receive,
 * and the SCM_RIGHTS helpers programs use to pass descriptors.
 *
 * Every message is one SOCK_SEQPACKET record of exactly
 * sizeof(struct dmb_ipc_msg) bytes; a descriptor travels only where the
 * type allows one. Validation is total: any field that a type does not use
 * must be zero, so a peer cannot smuggle state through it.
 *
 * Locking: none; these functions touch only their arguments.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <dmabuf/diag.h>
#include <dmabuf/dma-direction.h>
#include <dmabuf/dma-resv.h>

#include "ipc-private.h"

void dmb_ipc_msg_init(struct dmb_ipc_msg *msg, enum dmb_ipc_type type)
{
	memset(msg, 0, sizeof(*msg));
	msg->magic = DMB_IPC_MAGIC;
	msg->version = DMB_IPC_VERSION;
	msg->type = (uint16_t)type;
}

static bool name_ok(const char *name, bool used)
{
	size_t i = 0;

	if (used) {
		for (; i < DMB_IPC_NAME_LEN && name[i]; i++)
			if (name[i] < 0x20 || name[i] > 0x7e)
				return false;
		if (i == 0 || i == DMB_IPC_NAME_LEN)
			return false;
	}
	for (; i < DMB_IPC_NAME_LEN; i++)
		if (name[i])
			return false;
	return true;
}

const char *dmb_ipc_msg_check(const struct dmb_ipc_msg *msg, size_t len,
			      int nfds, bool exporter_side)
{
	bool request;

	if (len != sizeof(*msg))
		return "wrong message length";
	if (msg->magic != DMB_IPC_MAGIC)
		return "bad magic";
	if (msg->version != DMB_IPC_VERSION)
		return "unsupported protocol version";
	if (msg->type < DMB_IPC_HELLO || msg->type > DMB_IPC_TYPE_MAX)
		return "unknown message type";
	request = msg->type != DMB_IPC_REPLY && msg->type != DMB_IPC_INVALIDATE;
	if (request != exporter_side)
		return "message sent in the wrong direction";
	/* Only a successful reply may carry one (the caller checks which). */
	if (msg->type == DMB_IPC_FENCE ? nfds != 1 :
	    nfds > (msg->type == DMB_IPC_REPLY && !msg->status ? 1 : 0))
		return "unexpected or missing descriptor";
	if (!name_ok(msg->name, msg->type == DMB_IPC_HELLO))
		return "bad name field";
	if (msg->type != DMB_IPC_REPLY && msg->status)
		return "status in a request";
	switch (msg->type) {
	case DMB_IPC_HELLO:
		if (!msg->seq || msg->handle || !msg->arg ||
		    msg->arg > (uint64_t)INT32_MAX)
			return "bad HELLO";
		break;
	case DMB_IPC_ATTACH:
		if (!msg->seq || msg->handle ||
		    (msg->arg & ~(uint64_t)DMB_IPC_ATTACH_REVOCABLE))
			return "bad ATTACH";
		break;
	case DMB_IPC_MAP:
		if (!msg->seq || !msg->handle || msg->arg >= DMA_NONE)
			return "bad MAP";
		break;
	case DMB_IPC_VMAP:
		if (!msg->seq || msg->handle || msg->arg)
			return "bad VMAP";
		break;
	case DMB_IPC_UNMAP:
	case DMB_IPC_DETACH:
	case DMB_IPC_INVALIDATE:
	case DMB_IPC_VUNMAP:
		if (msg->seq || !msg->handle || msg->arg)
			return "bad one-way message";
		break;
	case DMB_IPC_FENCE:
		if (!msg->seq || msg->handle || msg->arg > DMA_RESV_USAGE_BOOKKEEP)
			return "bad FENCE";
		break;
	case DMB_IPC_REPLY:
		if (!msg->seq || msg->status > 0 || msg->status < -4095)
			return "bad REPLY";
		if (msg->status && (msg->handle || msg->arg || nfds))
			return "failed REPLY with a result";
		break;
	}
	return NULL;
}

int dmb_ipc_msg_send(int sock, const struct dmb_ipc_msg *msg, int fd)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = sizeof(*msg) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	ssize_t n;

	if (fd >= 0) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do
		n = sendmsg(sock, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == (ssize_t)sizeof(*msg) ? 0 : -EIO;
}

/* Receive one record; close and count every descriptor beyond the first. */
static ssize_t recv_record(int sock, void *buf, size_t len, bool block,
			   int *fd, int *nfds, bool *truncated)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c;
	ssize_t n;

	*fd = -1;
	*nfds = 0;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | (block ? 0 : MSG_DONTWAIT));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		size_t i, count;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < count; i++) {
			int got;

			memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (*fd < 0)
				*fd = got;
			else
				close(got);
			(*nfds)++;
		}
	}
	*truncated = mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC);
	/*
	 * An empty record is not EOF when descriptors came with it: a peer
	 * sent it (a malformed message). Read as EOF, its descriptor would
	 * stay open in this process, one more per such record.
	 */
	if (n == 0 && *nfds) {
		close(*fd);
		*fd = -1;
		return -EBADMSG;
	}
	return n;
}

int dmb_ipc_msg_recv(int sock, bool block, bool exporter_side,
		     struct dmb_ipc_msg *msg, int *fd, const char **why)
{
	bool truncated = false;
	int nfds;
	ssize_t n;

	n = recv_record(sock, msg, sizeof(*msg), block, fd, &nfds, &truncated);
	if (n == -EAGAIN || n == -EWOULDBLOCK)
		return 0;
	if (n == -EBADMSG) {
		*why = "empty message with a descriptor";
		return -EBADMSG;
	}
	if (n == 0 || n == -ECONNRESET)
		return -EPIPE;
	if (n < 0)
		return (int)n;
	*why = truncated ? "truncated message" :
	       dmb_ipc_msg_check(msg, (size_t)n, nfds, exporter_side);
	if (*why) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		return -EBADMSG;
	}
	return 1;
}

int dmb_ipc_fd_check(int fd, bool sync_file)
{
	int type, domain, mark;
	socklen_t len = sizeof(type);

	if (fd < 0)
		return -EBADF;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len))
		return errno == ENOTSOCK ? -EINVAL : -errno;
	len = sizeof(domain);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len))
		return -errno;
	if (type != SOCK_SEQPACKET || domain != AF_UNIX)
		return -EINVAL;
	len = sizeof(mark);
	if (getsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &mark, &len))
		return -errno;
	return (mark == DMB_IPC_SYNC_FILE_MARK) == sync_file ? 0 : -EINVAL;
}

int dmb_ipc_send_fd(int sock, int fd)
{
	char byte = 'F';
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c;
	ssize_t n;

	memset(&ctl, 0, sizeof(ctl));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : 0;
}

int dmb_ipc_recv_fd(int sock)
{
	bool truncated = false;
	char byte;
	int fd, nfds;
	ssize_t n;

	n = recv_record(sock, &byte, 1, true, &fd, &nfds, &truncated);
	if (n == 0)
		return -EPIPE;
	if (n < 0)
		return (int)n;
	if (nfds != 1 || truncated) {
		if (fd >= 0)
			close(fd);
		return -EBADMSG;
	}
	return fd;
}
