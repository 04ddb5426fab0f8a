// SPDX-License-Identifier: MIT
/*
 * test-sigbus-guard.c - the SIGBUS guard's place among the process's
 * actions: it never chains to itself, puts back the action it found, lets a
 * SIGBUS sent by kill() or sigqueue() do what it would have done without
 * the guard, and leaves alone a handler installed in front of it; it
 * refuses at add what its handler could not answer, and a range asked
 * about that wraps past the end of memory does not hide damage.
 *
 * Each case that faults or changes the process's SIGBUS action runs in a
 * forked child (it may end by a signal); the verdict is the child's wait
 * status. The refusals at add are checked in the case itself. The
 * program is linked with --wrap=sigaction (tests/meson.build) so that a
 * case can see which actions the guard installs.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dmabuf/sigbus-guard.h>

#include "harness.h"

/* ---- the sigaction() calls the guard makes, while recording ---- */

int __real_sigaction(int sig, const struct sigaction *act, struct sigaction *old);
int __wrap_sigaction(int sig, const struct sigaction *act, struct sigaction *old);

/* Only the child of a case touches these; the wrapper stays async-signal-safe. */
static volatile sig_atomic_t recording, nr_installs;

int __wrap_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	if (recording && sig == SIGBUS && act)
		nr_installs++;
	return __real_sigaction(sig, act, old);
}

/* ---- in the child ---- */

/* A failed check in the child: its line, and exit status 3. */
#define CHILD_CHECK(x) do {						\
	if (!(x)) {							\
		fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #x);	\
		_exit(3);						\
	}								\
} while (0)

static long page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

static void *anon_page(void)
{
	void *p = mmap(NULL, page_size(), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHILD_CHECK(p != MAP_FAILED);
	return p;
}

/* A shared mapping of a memfd, truncated: touching it faults. */
static volatile char *truncated_page(void)
{
	int fd = memfd_create("truncated", MFD_CLOEXEC);
	void *p;

	CHILD_CHECK(fd >= 0 && ftruncate(fd, page_size()) == 0);
	p = mmap(NULL, page_size(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHILD_CHECK(p != MAP_FAILED && ftruncate(fd, 0) == 0);
	close(fd);
	return p;
}

static void set_action(void (*fn)(int, siginfo_t *, void *), void (*h)(int),
		       struct sigaction *saved)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	if (fn) {
		sa.sa_sigaction = fn;
		sa.sa_flags = SA_SIGINFO;
	} else {
		sa.sa_handler = h;
	}
	sigemptyset(&sa.sa_mask);
	CHILD_CHECK(sigaction(SIGBUS, &sa, saved) == 0);
}

static void (*current_sigaction(void))(int, siginfo_t *, void *)
{
	struct sigaction cur;

	CHILD_CHECK(sigaction(SIGBUS, NULL, &cur) == 0);
	return cur.sa_flags & SA_SIGINFO ? cur.sa_sigaction : NULL;
}

static void other_handler(int sig, siginfo_t *info, void *uctx)
{
	(void)sig;
	(void)info;
	(void)uctx;
}

static void first_handler(int sig, siginfo_t *info, void *uctx)
{
	(void)sig;
	(void)info;
	(void)uctx;
}

/*
 * A framework's per-test handler around the last guarded mapping's del:
 * installed in front of the guard (saving it), the del leaves it, then the
 * framework puts back what it saved, the guard's handler. Then a mapping is
 * guarded again.
 */
static int guard_again_after_framework(void)
{
	struct sigaction saved;
	void *page = anon_page();
	int h = dmb_sigbus_guard_add(page, page_size(), PROT_READ | PROT_WRITE);

	CHILD_CHECK(h > 0);
	set_action(other_handler, NULL, &saved);
	dmb_sigbus_guard_del(h);
	CHILD_CHECK(sigaction(SIGBUS, &saved, NULL) == 0);
	h = dmb_sigbus_guard_add(page, page_size(), PROT_READ | PROT_WRITE);
	CHILD_CHECK(h > 0);
	return h;
}

static void child_stray_fault_after_reguard(void)
{
	volatile char *p;

	set_action(NULL, SIG_DFL, NULL);
	guard_again_after_framework();
	p = truncated_page();
	p[0] = 1;	/* outside every guarded mapping: SIGBUS ends us */
}

static void child_first_action_back_after_reguard(void)
{
	set_action(first_handler, NULL, NULL);
	dmb_sigbus_guard_del(guard_again_after_framework());
	CHILD_CHECK(current_sigaction() == first_handler);
}

static void child_kill_default(void)
{
	volatile char *p;

	set_action(NULL, SIG_DFL, NULL);
	p = truncated_page();
	CHILD_CHECK(dmb_sigbus_guard_add((void *)p, page_size(),
					 PROT_READ | PROT_WRITE) > 0);
	kill(getpid(), SIGBUS);		/* the default action: SIGBUS ends us */
}

/* A sent signal whose si_addr lies in a guarded mapping, as a fault's would. */
static void send_with_address(void *addr)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_signo = SIGBUS;
	si.si_code = SI_QUEUE;
	si.si_addr = addr;
	CHILD_CHECK(syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), SIGBUS,
			    &si) == 0);
}

static void child_sent_address_default(void)
{
	void *page = anon_page();

	set_action(NULL, SIG_DFL, NULL);
	CHILD_CHECK(dmb_sigbus_guard_add(page, page_size(),
					 PROT_READ | PROT_WRITE) > 0);
	send_with_address(page);	/* not a fault: SIGBUS ends us */
}

static void child_sent_ignored(void)
{
	void (*guard)(int, siginfo_t *, void *);
	volatile char *p;
	int h;

	set_action(NULL, SIG_IGN, NULL);
	p = truncated_page();
	h = dmb_sigbus_guard_add((void *)p, page_size(), PROT_READ | PROT_WRITE);
	CHILD_CHECK(h > 0);
	guard = current_sigaction();
	CHILD_CHECK(guard);
	kill(getpid(), SIGBUS);
	send_with_address((void *)p);
	CHILD_CHECK(!dmb_sigbus_guard_damaged(h));
	CHILD_CHECK(current_sigaction() == guard);
	p[0] = 1;		/* a real fault in the guarded mapping */
	CHILD_CHECK(dmb_sigbus_guard_damaged(h));
	dmb_sigbus_guard_del(h);
	CHILD_CHECK(current_sigaction() == NULL);
}

static void child_del_behind_other_handler(void)
{
	void *page = anon_page();
	int h;

	set_action(NULL, SIG_DFL, NULL);
	h = dmb_sigbus_guard_add(page, page_size(), PROT_READ | PROT_WRITE);
	CHILD_CHECK(h > 0);
	set_action(other_handler, NULL, NULL);
	recording = 1;
	dmb_sigbus_guard_del(h);
	recording = 0;
	CHILD_CHECK(nr_installs == 0);	/* not even for a moment */
	CHILD_CHECK(current_sigaction() == other_handler);
}

/*
 * A damaged mapping is found by a range that reaches it and wraps past the
 * end of the address space: such a range is taken to that end, not
 * truncated to the bytes below its start.
 */
static void child_range_damaged_wrapping(void)
{
	volatile char *p;
	char *c;
	int h;

	set_action(NULL, SIG_DFL, NULL);
	p = truncated_page();
	c = (char *)p;
	h = dmb_sigbus_guard_add(c, page_size(), PROT_READ | PROT_WRITE);
	CHILD_CHECK(h > 0);
	p[0] = 1;
	CHILD_CHECK(dmb_sigbus_guard_damaged(h));
	CHILD_CHECK(dmb_sigbus_guard_range_damaged(c, page_size()));
	CHILD_CHECK(dmb_sigbus_guard_range_damaged(c, SIZE_MAX));
	CHILD_CHECK(dmb_sigbus_guard_range_damaged(c + 1, SIZE_MAX));
	CHILD_CHECK(dmb_sigbus_guard_range_damaged(c - page_size(), SIZE_MAX - 1));
	/* Above the damaged mapping, all the way up: nothing damaged there. */
	CHILD_CHECK(!dmb_sigbus_guard_range_damaged(c + page_size(), SIZE_MAX));
	dmb_sigbus_guard_del(h);
}

/* ---- in the case ---- */

/* Run @fn in a child, reaped here; Return: its wait status. */
static int run_child(void (*fn)(void))
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* Dying of SIGBUS is what some cases expect: no core file. */
		CHILD_CHECK(setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 }) == 0);
		/*
		 * A handler chaining to itself spins (a tail call) or
		 * recurses: CPU time, not real time, ends it by SIGXCPU, a
		 * failure. A passing child uses a few milliseconds of it,
		 * however loaded the machine: this bound only catches that.
		 */
		CHILD_CHECK(setrlimit(RLIMIT_CPU, &(struct rlimit){ 5, 5 }) == 0);
		fn();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void assert_killed_by_sigbus(int status)
{
	if (WIFSIGNALED(status))
		assert_int_equal(WTERMSIG(status), SIGBUS);
	else
		fail_msg("child exited %d instead of dying of SIGBUS",
			 WEXITSTATUS(status));
}

static void assert_exited_0(int status)
{
	if (WIFSIGNALED(status))
		fail_msg("child died of signal %d", WTERMSIG(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/*
 * The guard put back by a framework that had saved it, then used again: a
 * fault outside it still ends the process by SIGBUS (a guard chaining to
 * itself recursed until the stack overflowed: SIGSEGV).
 */
static void stray_fault_after_reguard_ends_by_sigbus(void **state)
{
	(void)state;
	assert_killed_by_sigbus(run_child(child_stray_fault_after_reguard));
}

/* ... and the last del then puts back the program's own action. */
static void first_action_back_after_reguard(void **state)
{
	(void)state;
	assert_exited_0(run_child(child_first_action_back_after_reguard));
}

/* kill(SIGBUS) with the default action before the guard ends the process. */
static void sent_sigbus_default_ends_process(void **state)
{
	(void)state;
	assert_killed_by_sigbus(run_child(child_kill_default));
}

/* A sent SIGBUS is never taken for a fault, whatever its si_addr. */
static void sent_sigbus_with_address_is_no_fault(void **state)
{
	(void)state;
	assert_killed_by_sigbus(run_child(child_sent_address_default));
}

/*
 * With SIG_IGN before the guard, a sent SIGBUS is ignored, flags nothing,
 * and the guard stays in front: the next real fault is still contained.
 */
static void sent_sigbus_ignored_keeps_guard(void **state)
{
	(void)state;
	assert_exited_0(run_child(child_sent_ignored));
}

/*
 * The last del with another handler in front installs nothing (not the
 * saved action for a moment before putting theirs back).
 */
static void del_behind_other_handler_leaves_it(void **state)
{
	(void)state;
	assert_exited_0(run_child(child_del_behind_other_handler));
}

/* Dying of SIGBUS when asked about a wrapping range would be a failure too. */
static void range_damaged_wrapping_range_reaches_the_end(void **state)
{
	(void)state;
	assert_exited_0(run_child(child_range_damaged_wrapping));
}

/*
 * What the handler could not answer is refused at add, reported, with
 * -EINVAL: a start off a page boundary (its mmap(MAP_FIXED) fails), a range
 * wrapping past the end of the address space, prot bits that are not
 * read/write/exec. A byte already guarded is refused with -EEXIST, and the
 * first guard stays as it was.
 */
static void add_refuses_what_the_handler_cannot_answer(void **state)
{
	size_t pg = (size_t)page_size();
	char *p = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int h;

	(void)state;
	assert_true(p != MAP_FAILED);
	assert_int_equal(dmb_sigbus_guard_add(p + 8, pg, PROT_READ), -EINVAL);
	th_assert_warned("page boundary");
	assert_int_equal(dmb_sigbus_guard_add(p, SIZE_MAX - pg, PROT_READ), -EINVAL);
	th_assert_warned("wraps");
	assert_int_equal(dmb_sigbus_guard_add(p, pg, PROT_READ | 0x40), -EINVAL);
	th_assert_warned("unknown prot bits 0x40");
	assert_int_equal(dmb_sigbus_guard_add(p, pg, PROT_GROWSDOWN), -EINVAL);
	th_assert_warned("unknown prot bits");

	h = dmb_sigbus_guard_add(p + pg, pg, PROT_NONE);
	assert_true(h > 0);
	assert_int_equal(dmb_sigbus_guard_add(p + pg, pg, PROT_READ), -EEXIST);
	th_assert_warned("overlaps");
	assert_int_equal(dmb_sigbus_guard_add(p, 3 * pg, PROT_READ), -EEXIST);
	th_assert_warned("overlaps");
	assert_int_equal(dmb_sigbus_guard_add(p + pg + pg - 1, 2, PROT_READ),
			 -EINVAL);	/* unaligned first */
	th_assert_warned("page boundary");
	/* Its neighbours are free; a length short of a page ends before it. */
	{
		int below = dmb_sigbus_guard_add(p, pg - 1, PROT_READ);
		int above = dmb_sigbus_guard_add(p + 2 * pg, 1, PROT_READ);

		assert_true(below > 0 && above > 0);
		dmb_sigbus_guard_del(below);
		dmb_sigbus_guard_del(above);
	}
	assert_false(dmb_sigbus_guard_damaged(h));
	dmb_sigbus_guard_del(h);
	/* Once deleted, the range may be guarded again. */
	h = dmb_sigbus_guard_add(p, 3 * pg, PROT_READ | PROT_WRITE | PROT_EXEC);
	assert_true(h > 0);
	dmb_sigbus_guard_del(h);
	assert_int_equal(munmap(p, 3 * pg), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		TH_TEST(stray_fault_after_reguard_ends_by_sigbus),
		TH_TEST(first_action_back_after_reguard),
		TH_TEST(sent_sigbus_default_ends_process),
		TH_TEST(sent_sigbus_with_address_is_no_fault),
		TH_TEST(sent_sigbus_ignored_keeps_guard),
		TH_TEST(del_behind_other_handler_leaves_it),
		TH_TEST(range_damaged_wrapping_range_reaches_the_end),
		TH_TEST(add_refuses_what_the_handler_cannot_answer),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
