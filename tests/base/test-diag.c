// SPDX-License-Identifier: MIT
/* test-diag.c - reports reach the installed sink with their context, never abort. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <dmabuf/diag.h>

#include "harness.h"

struct capture {
	atomic_int calls;
	enum dmb_diag_kind kind;
	char msg[256];
	char func[64];
	int line;
	bool had_backtrace;
	char backtrace[1024];
};

static void capture_sink(const struct dmb_diag *diag, void *data)
{
	struct capture *c = data;

	if (atomic_fetch_add(&c->calls, 1))
		return;
	c->kind = diag->kind;
	snprintf(c->msg, sizeof(c->msg), "%s", diag->msg);
	snprintf(c->func, sizeof(c->func), "%s", diag->func);
	c->line = diag->line;
	c->had_backtrace = diag->backtrace != NULL;
	if (diag->backtrace)
		snprintf(c->backtrace, sizeof(c->backtrace), "%s", diag->backtrace);
}

/* DMB_WARN returns its condition and reports only when it is true. */
static void warn_returns_condition(void **state)
{
	struct capture c = { 0 };
	int line;

	dmb_diag_set_sink(capture_sink, &c);
	assert_false(DMB_WARN(0, "never"));
	assert_int_equal(atomic_load(&c.calls), 0);
	line = __LINE__ + 1;
	assert_true(DMB_WARN(1, "buffer %s misused", "vram0"));
	dmb_diag_set_sink(NULL, NULL);

	assert_int_equal(atomic_load(&c.calls), 1);
	assert_int_equal(c.kind, DMB_DIAG_WARN);
	assert_string_equal(c.msg, "buffer vram0 misused");
	assert_string_equal(c.func, "warn_returns_condition");
	assert_int_equal(c.line, line);
}

/* reports are counted per kind for the whole process. */
static void reports_are_counted(void **state)
{
	unsigned long warns = dmb_diag_count(DMB_DIAG_WARN);
	unsigned long notices = dmb_diag_count(DMB_DIAG_NOTICE);

	DMB_WARN_ON(1 + 1 == 2);
	dmb_notice("importer %s is slow", "gpu0");
	assert_int_equal(dmb_diag_count(DMB_DIAG_WARN), warns + 1);
	assert_int_equal(dmb_diag_count(DMB_DIAG_NOTICE), notices + 1);
	th_assert_warned("WARN_ON(1 + 1 == 2)");
	assert_true(th_take_report(DMB_DIAG_NOTICE, "gpu0 is slow"));
}

static volatile int deep_warned;

/* Not inlined and not a tail call, so its frame is on the stack. */
static void __attribute__((noinline)) deep_caller(void)
{
	if (DMB_WARN(true, "from deep"))
		deep_warned++;
}

/* with backtraces on, the report names the function that raised it. */
static void backtrace_names_caller(void **state)
{
	struct capture c = { 0 };
	bool old = dmb_diag_set_backtrace(true);

	dmb_diag_set_sink(capture_sink, &c);
	deep_caller();
	dmb_diag_set_sink(NULL, NULL);
	dmb_diag_set_backtrace(old);

	assert_true(c.had_backtrace);
	assert_non_null(strstr(c.backtrace, "deep_caller"));
	assert_non_null(strstr(c.backtrace, "backtrace_names_caller"));
}

/* the default text names kind, message and place. */
static void format_is_readable(void **state)
{
	struct dmb_diag d = {
		.kind = DMB_DIAG_VIOLATION, .file = "dma-buf.c", .line = 42,
		.func = "dma_buf_map", .msg = "V3 mapped while revoked",
		.time_ns = 1500000000,
	};
	char buf[256];

	assert_true(dmb_diag_format(&d, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "VIOLATION: V3 mapped while revoked"));
	assert_non_null(strstr(buf, "dma-buf.c:42 (dma_buf_map)"));
	assert_non_null(strstr(buf, "t=1.500000000"));
}

static void *warn_loop(void *arg)
{
	for (int i = 0; i < 200; i++)
		DMB_WARN(true, "thread report");
	return NULL;
}

/* reports from several threads all reach the sink, none lost. */
static void concurrent_reports(void **state)
{
	struct capture *c = TH_NEW(struct capture, { 0 });
	struct th_thread *t[4];

	dmb_diag_set_sink(capture_sink, c);
	for (int i = 0; i < 4; i++)
		t[i] = th_thread_start(warn_loop, NULL);
	for (int i = 0; i < 4; i++)
		th_thread_join(t[i]);
	dmb_diag_set_sink(NULL, NULL);
	assert_int_equal(atomic_load(&c->calls), 800);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		TH_TEST(warn_returns_condition),
		TH_TEST(reports_are_counted),
		TH_TEST(backtrace_names_caller),
		TH_TEST(format_is_readable),
		TH_TEST(concurrent_reports),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
