/* SPDX-License-Identifier: MIT */
/*
 * ipc-child.h - the importer processes of the cross-process tests
 * (tests/ipc/), the exporter's loop that serves them, and the raw wire
 * requests of importers that speak the protocol themselves.
 *
 * Why one copy: the rules that make a cross-process verdict trustworthy
 * (docs/testing.md) live here once instead of in every test program:
 * - an importer is fork()ed *and* exec()ed: a child that only forked would
 *   inherit the state of every thread of the exporter, and TSan's runtime,
 *   whose internal locks another thread may hold at fork(), can hang such
 *   a child under load; exec() starts the importer clean;
 * - every importer is killed and reaped by a teardown hook whatever the
 *   case did, a failed assertion included;
 * - the exporter's verdicts follow events (a byte on a control socket, a
 *   descriptor becoming readable, waitpid()), never the passing of time.
 *
 * The importer is the test program itself, run as
 *	PROG --ipc-child NAME CTL-FD ARG
 * main() hands argc/argv to IPC_CHILD_RUN() before th_run(): NAME picks a
 * function of the program's table, which runs with its end of the control
 * socket (CTL-FD) and ARG (what the program makes of it: a step, a kind, a
 * mode), then exit()s (not _exit(): LeakSanitizer checks the importer too).
 *
 * The control socket is a SOCK_SEQPACKET pair: one byte a message, EOF
 * when the other side exits. Both sides use ctl_send()/ctl_recv().
 *
 * Locking: the exporter's side (ipc_child_spawn(), ipc_child_reap(),
 * loop_until(), drain()) belongs to the case's main thread; a revoker's
 * thread only revokes and writes its pipe.
 */
#ifndef DMABUF_TEST_IPC_CHILD_H
#define DMABUF_TEST_IPC_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include <dmabuf/dmb-ipc.h>

#include "harness.h"
#include "../../src/ipc/ipc-private.h"

#define IPC_CHILD_ARG	"--ipc-child"

/*
 * CHILD_CHECK - an importer's check: on failure say where and exit with
 * the line number. The status stays below 64, so it never reads as one a
 * case gives a meaning of its own (test-ipc-threats.c's FAULTED, 66) nor
 * as 127 (the exec failed).
 */
#define CHILD_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "importer: %s:%d: %s (errno %d)\n",	\
			__FILE__, __LINE__, #cond, errno);		\
		_exit(__LINE__ & 0x3f ? __LINE__ & 0x3f : 1);		\
	}								\
} while (0)

/* ---- the importer's side ---- */

/* One importer a test program can run: @fn(ctl, arg) under @name. */
struct ipc_child_fn {
	const char *name;
	void (*fn)(int ctl, int arg);
};
#define IPC_CHILD(fn) { #fn, fn }

/**
 * ipc_child_run - run the importer argv asks for, if it asks for one
 *
 * With argv "PROG --ipc-child NAME CTL-FD ARG", runs @table's NAME and
 * exits (127 for a name it does not know); otherwise returns.
 */
void ipc_child_run(int argc, char **argv, const struct ipc_child_fn *table,
		   size_t count);
#define IPC_CHILD_RUN(argc, argv, table) \
	ipc_child_run(argc, argv, table, sizeof(table) / sizeof((table)[0]))

/** ctl_send - send control byte @c (CHILD_CHECKed: the importers use it) */
void ctl_send(int ctl, char c);

/** ctl_recv - wait for a control byte; Return: it, 0 at EOF or error */
char ctl_recv(int ctl);

/* ---- the exporter's side ---- */

/**
 * ipc_child_spawn - start importer @name of this program with @arg
 *
 * *@ctl gets the exporter's end of a new control socket; only the
 * importer's end crosses exec(). The importer is killed and reaped in the
 * case's teardown unless ipc_child_reap() reaped it before. Asserted.
 * Return: its pid.
 */
pid_t ipc_child_spawn(const char *name, int arg, int *ctl);

/** ipc_child_reap - wait for importer @pid to exit; Return: its wait status */
int ipc_child_reap(pid_t pid);

/** ipc_child_reap_all - kill -9 and reap every importer not reaped yet */
void ipc_child_reap_all(void);

/**
 * loop_until - the exporter's loop: dispatch @ipc until a byte arrives on
 * @ctl, or (@fd >= 0) until @fd is readable
 *
 * Return: that byte (0 at EOF), or 0 for @fd, which is not read.
 */
char loop_until(struct dmb_ipc *ipc, int ctl, int fd);

/** drain - dispatch everything already there (a dead peer's EOF included) */
void drain(struct dmb_ipc *ipc);

/** dump_has - whether dma_buf_debug_dump() mentions @needle */
bool dump_has(const char *needle);

/*
 * A revoke of a memfd buffer run from a second thread while the case's
 * thread dispatches the importers' answers: the revoke waits for their
 * unmaps, which only the dispatch brings in.
 */
struct revoker {
	struct dma_buf *buf;
	int done[2];	/* a pipe: readable when the revoke returned */
	int ret;
	struct dmb_revoke_stats stats;
};

/** revoke_thread - th_thread_start() body: revoke @arg's buffer, write done */
void *revoke_thread(void *arg);

/** new_revoker - a revoker of @buf owned by the case (its pipe closed in teardown) */
struct revoker *new_revoker(struct dma_buf *buf);

/** revoke_serving - revoke from a second thread while dispatching @ipc; asserted 0 */
void revoke_serving(struct dmb_ipc *ipc, struct revoker *r);

/* ---- importers that speak the wire protocol themselves ---- */

/* The last sequence number raw_request() used (a raw peer's own sends). */
extern uint32_t raw_seq;

/**
 * raw_request - send request @type and wait for its reply
 *
 * @name goes in the message's name field (the HELLO's); *@out gets the
 * reply's handle, *@fd the descriptor it carried (-1 if none; with a NULL
 * @fd one is closed). Return: the reply's status, -EPIPE if the connection
 * failed.
 */
int raw_request(int sock, enum dmb_ipc_type type, uint64_t handle,
		uint64_t arg, const char *name, uint64_t *out, int *fd);

/**
 * raw_hello - HELLO as @name, then a revocable ATTACH (*@att); both
 * CHILD_CHECKed. Return: the HELLO reply's handle (the access granted).
 */
uint64_t raw_hello(int sock, const char *name, uint64_t *att);

/** raw_wait_invalidate - the next message is an INVALIDATE of @att (checked) */
void raw_wait_invalidate(int sock, uint64_t att);

/** raw_unmap - send UNMAP of mapping @map (no reply comes) */
void raw_unmap(int sock, uint64_t map);

#endif /* DMABUF_TEST_IPC_CHILD_H */
