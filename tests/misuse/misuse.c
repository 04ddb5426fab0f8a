// SPDX-License-Identifier: MIT
/*
 * misuse.c - the misuse suite's runner (contract in misuse.h): one forked
 * child per case, judged by the parent from the child's exit status and
 * from what it wrote to its stderr, which the parent reads through a pipe:
 * every report the child's sink received (one "MISUSE-REPORT" line each,
 * then the formatted report), any sanitizer output, and a last
 * "MISUSE-RESULT" line with the case's verdict on the return value and the
 * number of reports.
 *
 * The parent reads the pipe to its end before it reaps the child, so a
 * child that writes much never blocks on a full pipe; the child is reaped
 * on every path.
 */
#include <fnmatch.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "misuse.h"

static struct misuse_case *cases;
static unsigned int nr_cases;

void misuse_register(struct misuse_case *c)
{
	c->next = cases;
	cases = c;
	nr_cases++;
}

/* In the child: count misuse reports and pass each one to the parent. */
static atomic_ulong child_reports;

static void child_sink(const struct dmb_diag *diag, void *data)
{
	char text[2048];

	if (diag->kind == DMB_DIAG_WARN || diag->kind == DMB_DIAG_VIOLATION)
		atomic_fetch_add(&child_reports, 1);
	dmb_diag_format(diag, text, sizeof(text));
	dprintf(STDERR_FILENO, "MISUSE-REPORT %s", text);
}

/*
 * Set in the child. A cmocka assertion failing in a case's set-up (a mock
 * helper's) unwinds into cmocka's runner, which would go on with the next
 * case inside the child: the child ends there instead, with a failure.
 */
static bool in_child;

static void __attribute__((noreturn)) child_run(const struct misuse_case *c, int out)
{
	bool refused;

	in_child = true;
	if (dup2(out, STDERR_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0)
		_exit(125);
	close(out);
	dmb_diag_set_backtrace(false);
	dmb_diag_set_sink(child_sink, NULL);
	refused = c->run();
	dprintf(STDERR_FILENO, "MISUSE-RESULT refused=%d reports=%lu\n",
		refused, atomic_load(&child_reports));
	/* No exit handlers: the case leaves its objects as they are. */
	_exit(0);
}

/* Read @fd to its end into a NUL-terminated malloc()ed string. */
static char *read_all(int fd)
{
	size_t len = 0, size = 4096;
	char *buf = malloc(size);
	ssize_t n;

	assert_non_null(buf);
	for (;;) {
		if (size - len < 2) {
			size *= 2;
			buf = realloc(buf, size);
			assert_non_null(buf);
		}
		n = read(fd, buf + len, size - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return buf;
}

static const char *const sanitizer_marks[] = {
	"runtime error:", "Sanitizer", "LeakSanitizer",
};

/* What is wrong with a finished child, or NULL if the case passed. */
static const char *verdict(const struct misuse_case *c, int status,
			   const char *out, int refused, unsigned long reports)
{
	if (WIFSIGNALED(status))
		return "the child died of a signal";
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return "the child exited with an error";
	for (size_t i = 0; i < DMB_ARRAY_SIZE(sanitizer_marks); i++)
		if (strstr(out, sanitizer_marks[i]))
			return "sanitizer report";
	if (refused != 1)
		return "the call did not return its refusal value";
	if (c->expect == MISUSE_REPORTED && !reports)
		return "refused, but nothing was reported";
	if (c->expect == MISUSE_SILENT && reports)
		return "tolerated as in the kernel, yet reported";
	return NULL;
}

static void run_case(void **state)
{
	const struct misuse_case *c = *state;
	int fds[2], status;
	unsigned long reports = 0;
	int refused = -1;
	const char *result, *why;
	char *out;
	pid_t pid;

	if (in_child)
		_exit(126);
	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		child_run(c, fds[1]);
	}
	close(fds[1]);
	out = read_all(fds[0]);
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0)
		assert_int_equal(errno, EINTR);

	result = strstr(out, "MISUSE-RESULT ");
	if (result)
		sscanf(result, "MISUSE-RESULT refused=%d reports=%lu", &refused,
		       &reports);
	why = verdict(c, status, out, refused, reports);
	if (why) {
		/* The output goes before the failure leaves the case. */
		print_error("%s (%s): %s; the child's output:\n%s", c->func,
			    c->what, why, out);
		free(out);
		fail_msg("%s (%s): %s", c->func, c->what, why);
	}
	free(out);
}

static int by_name(const void *a, const void *b)
{
	const struct misuse_case *x = *(struct misuse_case *const *)a;
	const struct misuse_case *y = *(struct misuse_case *const *)b;
	int ret = strcmp(x->func, y->func);

	return ret ? ret : strcmp(x->what, y->what);
}

int misuse_main(int argc, char **argv, const char *name)
{
	struct misuse_case **sorted = calloc(nr_cases, sizeof(*sorted));
	struct CMUnitTest *tests = calloc(nr_cases, sizeof(*tests));
	struct misuse_case *c;
	unsigned int n = 0, i = 0;
	int ret;

	if (!sorted || !tests)
		return 1;
	for (c = cases; c; c = c->next)
		sorted[i++] = c;
	qsort(sorted, nr_cases, sizeof(*sorted), by_name);

	if (argc > 1 && !strcmp(argv[1], "--list")) {
		for (i = 0; i < nr_cases; i++)
			if (!i || strcmp(sorted[i]->func, sorted[i - 1]->func))
				printf("%s\n", sorted[i]->func);
		free(tests);
		free(sorted);
		return 0;
	}
	for (i = 0; i < nr_cases; i++) {
		char *label;

		if (sorted[i]->expect == MISUSE_NO_CASE)
			continue;
		if (asprintf(&label, "%s/%s", sorted[i]->func, sorted[i]->what) < 0)
			return 1;
		tests[n++] = (struct CMUnitTest) {
			.name = label,
			.test_func = run_case,
			.setup_func = th_setup,
			.teardown_func = th_teardown,
			.initial_state = sorted[i],
		};
	}
	ret = th_run_group(argc, argv, name, tests, n);
	for (i = 0; i < n; i++)
		free((char *)tests[i].name);
	free(tests);
	free(sorted);
	return ret;
}
