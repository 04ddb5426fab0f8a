/* SPDX-License-Identifier: MIT */
/*
 * ipc-child.c - importer processes for the cross-process tests
 * (ipc-child.h): spawned by fork() and exec(), always reaped, served by an
 * event-driven exporter loop.
 *
 * Locking: the table of importers belongs to the case's main thread (the
 * one that spawns, reaps and runs teardown); no other thread touches it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "ipc-child.h"

/* More than any case runs at once (test-ipc.c's one revoke of four). */
#define IPC_CHILD_MAX	8

static pid_t children[IPC_CHILD_MAX];
static unsigned int nr_children;
/* The teardown hook of the running case is registered (once a case). */
static bool hooked;

/* ---- the importer's side ---- */

void ipc_child_run(int argc, char **argv, const struct ipc_child_fn *table,
		   size_t count)
{
	if (argc != 5 || strcmp(argv[1], IPC_CHILD_ARG) != 0)
		return;
	for (size_t i = 0; i < count; i++) {
		if (strcmp(table[i].name, argv[2]) != 0)
			continue;
		table[i].fn(atoi(argv[3]), atoi(argv[4]));
		/* exit, not _exit: LeakSanitizer checks the importer too. */
		exit(0);
	}
	fprintf(stderr, "importer: no child %s\n", argv[2]);
	_exit(127);
}

void ctl_send(int ctl, char c)
{
	CHILD_CHECK(send(ctl, &c, 1, MSG_NOSIGNAL) == 1);
}

char ctl_recv(int ctl)
{
	char c = 0;

	return recv(ctl, &c, 1, 0) == 1 ? c : 0;
}

/* ---- the exporter's side ---- */

static void forget(unsigned int i)
{
	children[i] = children[--nr_children];
}

void ipc_child_reap_all(void)
{
	int status;

	while (nr_children) {
		kill(children[0], SIGKILL);
		waitpid(children[0], &status, 0);
		forget(0);
	}
}

static void reap_all_hook(void *arg)
{
	(void)arg;
	hooked = false;
	ipc_child_reap_all();
}

pid_t ipc_child_spawn(const char *name, int arg, int *ctl)
{
	char fd_arg[16], arg_arg[16];
	int sv[2];
	pid_t pid;

	assert_true(nr_children < IPC_CHILD_MAX);
	if (!hooked) {
		th_on_teardown(reap_all_hook, NULL);
		hooked = true;
	}
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	snprintf(fd_arg, sizeof(fd_arg), "%d", sv[1]);
	snprintf(arg_arg, sizeof(arg_arg), "%d", arg);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[] = { program_invocation_short_name, IPC_CHILD_ARG,
				 (char *)name, fd_arg, arg_arg, NULL };
		static const char msg[] = "importer: exec failed\n";

		/*
		 * Only the importer's end crosses exec(). Between fork() and
		 * exec() of a multithreaded parent only async-signal-safe
		 * calls: no stdio, no strerror().
		 */
		if (fcntl(sv[1], F_SETFD, 0) == 0)
			execv("/proc/self/exe", argv);
		/* Nothing else to tell if the write fails. */
		(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
		_exit(127);
	}
	children[nr_children++] = pid;
	close(sv[1]);
	*ctl = sv[0];
	return pid;
}

int ipc_child_reap(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	for (unsigned int i = 0; i < nr_children; i++) {
		if (children[i] == pid) {
			forget(i);
			break;
		}
	}
	return status;
}

char loop_until(struct dmb_ipc *ipc, int ctl, int fd)
{
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = dmb_ipc_get_fd(ipc), .events = POLLIN },
			{ .fd = fd >= 0 ? fd : ctl, .events = POLLIN },
		};

		assert_true(poll(p, 2, -1) > 0);
		if (p[0].revents)
			assert_true(dmb_ipc_dispatch(ipc) >= 0);
		if (p[1].revents)
			return fd >= 0 ? 0 : ctl_recv(ctl);
	}
}

void drain(struct dmb_ipc *ipc)
{
	struct pollfd p = { .fd = dmb_ipc_get_fd(ipc), .events = POLLIN };

	while (poll(&p, 1, 0) > 0)
		assert_true(dmb_ipc_dispatch(ipc) >= 0);
}

bool dump_has(const char *needle)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	bool found;

	assert_non_null(f);
	dma_buf_debug_dump(f);
	fclose(f);
	found = strstr(text, needle) != NULL;
	free(text);
	return found;
}

void *revoke_thread(void *arg)
{
	struct revoker *r = arg;

	r->ret = dmb_memfd_buf_revoke(r->buf, &r->stats);
	if (write(r->done[1], "d", 1) != 1)
		r->ret = -EIO;
	return NULL;
}

static void close_revoker(void *arg)
{
	struct revoker *r = arg;

	close(r->done[0]);
	close(r->done[1]);
}

struct revoker *new_revoker(struct dma_buf *buf)
{
	struct revoker *r = TH_NEW(struct revoker, { .buf = buf });

	assert_int_equal(pipe2(r->done, O_CLOEXEC), 0);
	th_on_teardown(close_revoker, r);
	return r;
}

void revoke_serving(struct dmb_ipc *ipc, struct revoker *r)
{
	struct th_thread *t = th_thread_start(revoke_thread, r);

	loop_until(ipc, -1, r->done[0]);
	th_thread_join(t);
	assert_int_equal(r->ret, 0);
}

/* ---- importers that speak the wire protocol themselves ---- */

uint32_t raw_seq;

int raw_request(int sock, enum dmb_ipc_type type, uint64_t handle,
		uint64_t arg, const char *name, uint64_t *out, int *fd)
{
	struct dmb_ipc_msg msg, rep;
	const char *why = NULL;
	int none;

	dmb_ipc_msg_init(&msg, type);
	msg.seq = ++raw_seq;
	msg.handle = handle;
	msg.arg = arg;
	if (name)
		memcpy(msg.name, name, strlen(name));
	if (dmb_ipc_msg_send(sock, &msg, -1))
		return -EPIPE;
	if (dmb_ipc_msg_recv(sock, true, false, &rep, fd ? fd : &none, &why) != 1)
		return -EPIPE;
	CHILD_CHECK(rep.type == DMB_IPC_REPLY && rep.seq == msg.seq);
	if (!fd && none >= 0)
		close(none);
	if (out)
		*out = rep.handle;
	return rep.status;
}

uint64_t raw_hello(int sock, const char *name, uint64_t *att)
{
	uint64_t access;

	CHILD_CHECK(raw_request(sock, DMB_IPC_HELLO, 0, (uint64_t)getpid(), name,
				&access, NULL) == 0);
	CHILD_CHECK(raw_request(sock, DMB_IPC_ATTACH, 0, DMB_IPC_ATTACH_REVOCABLE,
				NULL, att, NULL) == 0);
	return access;
}

void raw_wait_invalidate(int sock, uint64_t att)
{
	struct dmb_ipc_msg msg;
	const char *why = NULL;
	int none = -1;

	CHILD_CHECK(dmb_ipc_msg_recv(sock, true, false, &msg, &none, &why) == 1);
	CHILD_CHECK(msg.type == DMB_IPC_INVALIDATE && msg.handle == att);
}

void raw_unmap(int sock, uint64_t map)
{
	struct dmb_ipc_msg msg;

	dmb_ipc_msg_init(&msg, DMB_IPC_UNMAP);
	msg.handle = map;
	CHILD_CHECK(dmb_ipc_msg_send(sock, &msg, -1) == 0);
}
