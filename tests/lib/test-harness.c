// SPDX-License-Identifier: MIT
/*
 * test-harness.c - the harness's own checks of the fixture rule: a thread
 * a case leaves running is joined in teardown and fails the case, a thread
 * the harness does not own fails it too, and after a failed assertion the
 * next case finds nothing of the failed one still running.
 *
 * The cases run the harness's setup and teardown themselves (they are what
 * is tested), so they are plain cmocka cases.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* A gate a thread waits at until a case or a teardown hook opens it. */
struct gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool open;
};

static void gate_init(struct gate *g)
{
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	g->open = false;
}

static void gate_open(void *arg)
{
	struct gate *g = arg;

	pthread_mutex_lock(&g->lock);
	g->open = true;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

static void gate_wait(struct gate *g)
{
	pthread_mutex_lock(&g->lock);
	while (!g->open)
		pthread_cond_wait(&g->cond, &g->lock);
	pthread_mutex_unlock(&g->lock);
}

static struct gate gate;
static atomic_bool worker_done;

/* Waits at the gate, then writes into the case's memory and says it is done. */
static void *gated_worker(void *arg)
{
	unsigned int *shared = arg;

	gate_wait(&gate);
	*shared = 42;
	atomic_store(&worker_done, true);
	return NULL;
}

/* A thread the case did not join is joined by teardown, which fails the case. */
static void left_thread_is_joined(void **state)
{
	void *fixture = NULL;

	gate_init(&gate);
	atomic_store(&worker_done, false);
	assert_int_equal(th_setup(&fixture), 0);
	th_on_teardown(gate_open, &gate);
	th_thread_start(gated_worker, th_alloc(sizeof(unsigned int)));
	/* the case "forgets" to join */
	assert_int_equal(th_teardown(&fixture), -1);
	assert_true(atomic_load(&worker_done));
}

/* A case that joins its threads passes; its memory outlives them. */
static void joined_thread_passes(void **state)
{
	void *fixture = NULL;
	unsigned int *shared;
	struct th_thread *t;

	gate_init(&gate);
	atomic_store(&worker_done, false);
	assert_int_equal(th_setup(&fixture), 0);
	shared = th_alloc(sizeof(*shared));
	t = th_thread_start(gated_worker, shared);
	gate_open(&gate);
	th_thread_join(t);
	assert_int_equal(*shared, 42);
	assert_int_equal(th_teardown(&fixture), 0);
}

static void *blocked_at_gate(void *arg)
{
	gate_wait(&gate);
	return NULL;
}

/*
 * A thread the harness does not own, still running at teardown (blocked at
 * the gate: the bound only shortens the wait), fails the case.
 */
static void unowned_thread_fails_teardown(void **state)
{
	void *fixture = NULL;
	pthread_t id;

	gate_init(&gate);
	assert_int_equal(th_setup(&fixture), 0);
	assert_int_equal(pthread_create(&id, NULL, blocked_at_gate, NULL), 0);
	th_set_hang_ns(100 * 1000 * 1000);
	assert_int_equal(th_teardown(&fixture), -1);
	th_set_hang_ns(TH_HANG_NS);
	gate_open(&gate);
	assert_int_equal(pthread_join(id, NULL), 0);
	assert_int_equal(th_setup(&fixture), 0);
	assert_int_equal(th_teardown(&fixture), 0);
}

/* ---- a failed assertion, then the next case ----------------------------- */

static atomic_int child_writes;

static void *writer_at_gate(void *arg)
{
	unsigned int *shared = arg;

	gate_wait(&gate);
	*shared = 7;
	atomic_fetch_add(&child_writes, 1);
	return NULL;
}

/* Starts a thread over the case's memory, then fails before joining it. */
static void fails_with_thread_running(void **state)
{
	gate_init(&gate);
	th_on_teardown(gate_open, &gate);
	th_thread_start(writer_at_gate, th_alloc(sizeof(unsigned int)));
	fail_msg("deliberate failure with a thread running");
}

/* Runs next: the failed case's thread has finished, nothing else runs. */
static void next_case_finds_nothing_running(void **state)
{
	assert_int_equal(atomic_load(&child_writes), 1);
}

/*
 * In a child (its output discarded): the failed case is the only failure,
 * and the next case sees the failed one's thread finished.
 */
static void failed_case_leaves_nothing_running(void **state)
{
	const struct CMUnitTest group[] = {
		TH_TEST(fails_with_thread_running),
		TH_TEST(next_case_finds_nothing_running),
	};
	int status;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		_exit(_cmocka_run_group_tests("child", group, TH_COUNT(group),
					      NULL, NULL));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
}

/*
 * th_sigbus_catch: a read of a page its file no longer has is counted and
 * completes with zeros; the handler before it is back afterwards.
 */
static void sigbus_catch_counts_and_completes(void **state)
{
	long page = sysconf(_SC_PAGESIZE);
	volatile unsigned char *p;
	struct sigaction before, after;
	int fd = memfd_create("shrunk", MFD_CLOEXEC);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 2 * page), 0);
	p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	p[0] = 7;
	assert_int_equal(ftruncate(fd, page), 0);
	assert_int_equal(sigaction(SIGBUS, NULL, &before), 0);
	th_sigbus_catch_begin();
	assert_int_equal(p[0], 7);
	assert_int_equal(p[page + 1], 0);
	p[page + 2] = 1;
	assert_int_equal(th_sigbus_catch_end(), 1);
	assert_int_equal(sigaction(SIGBUS, NULL, &after), 0);
	assert_true(after.sa_handler == before.sa_handler);
	munmap((void *)p, 2 * page);
	close(fd);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(left_thread_is_joined),
		cmocka_unit_test(joined_thread_passes),
		cmocka_unit_test(unowned_thread_fails_teardown),
		cmocka_unit_test(failed_case_leaves_nothing_running),
		TH_TEST(sigbus_catch_counts_and_completes),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
