// SPDX-License-Identifier: MIT
/*
 * test-check.c - violation reports: names, the sink line, counts, the ring
 * of records, the clock, bounds and policy.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dmabuf/check.h>

#include "harness.h"

static const struct dmb_check_subject vfio_odp = {
	.buffer = "bar0",
	.exporter = "vfio-pci",
	.importer = "rdma-odp",
	.device = "mlx0",
};

/* Every kind has a name "V1".."V10" and a summary; others are "V?". */
static void names_and_summaries(void **state)
{
	char name[8];

	for (int kind = DMB_V1_INVALIDATE_UNLOCKED; kind < DMB_NR_VIOLATIONS; kind++) {
		snprintf(name, sizeof(name), "V%d", kind);
		assert_string_equal(dmb_violation_name(kind), name);
		assert_string_not_equal(dmb_violation_summary(kind), "unknown");
	}
	assert_string_equal(dmb_violation_summary(DMB_V6_UNMAP_TIMEOUT),
			    "importer has a broken invalidate_mappings");
	assert_string_equal(dmb_violation_name(0), "V?");
	assert_string_equal(dmb_violation_name(DMB_NR_VIOLATIONS), "V?");
	assert_string_equal(dmb_violation_summary(0), "unknown");
	assert_string_equal(dmb_violation_summary(99), "unknown");
}

/* A report reaches the sink as one VIOLATION line: name, summary, who, detail. */
static void report_reaches_sink(void **state)
{
	dmb_check_report(DMB_V6_UNMAP_TIMEOUT, &vfio_odp,
			 "still mapped %d ms after invalidate", 1000);
	assert_true(th_take_report(DMB_DIAG_VIOLATION,
		"V6 importer has a broken invalidate_mappings: buffer=bar0 "
		"exporter=vfio-pci importer=rdma-odp device=mlx0: "
		"still mapped 1000 ms after invalidate"));
}

/* Subject fields that are NULL or empty are left out of the line. */
static void report_omits_missing_subject(void **state)
{
	const struct dmb_check_subject only_buffer = { .buffer = "vram3" };

	dmb_check_report(DMB_V3_MAP_WHILE_REVOKED, &only_buffer, "map #%d", 2);
	assert_true(th_take_report(DMB_DIAG_VIOLATION,
		"V3 exporter returned a mapping while revoked: buffer=vram3: map #2"));
	dmb_check_report(DMB_V10_LOCK_INVERSION, NULL, "no subject");
	assert_true(th_take_report(DMB_DIAG_VIOLATION,
		"V10 resv lock order inversion outside an acquire context: no subject"));
}

/* Counts are per kind and total, and start from zero after a reset. */
static void reports_are_counted(void **state)
{
	dmb_check_reset();
	dmb_check_report(DMB_V1_INVALIDATE_UNLOCKED, NULL, "first");
	dmb_check_report(DMB_V1_INVALIDATE_UNLOCKED, NULL, "second");
	dmb_check_report(DMB_V7_FENCE_TIMEOUT, NULL, "fence");
	assert_int_equal(dmb_check_count(DMB_V1_INVALIDATE_UNLOCKED), 2);
	assert_int_equal(dmb_check_count(DMB_V7_FENCE_TIMEOUT), 1);
	assert_int_equal(dmb_check_count(DMB_V2_MAP_UNLOCKED), 0);
	assert_int_equal(dmb_check_count(0), 0);
	assert_int_equal(dmb_check_count(DMB_NR_VIOLATIONS), 0);
	assert_int_equal(dmb_check_total(), 3);
	assert_int_equal(th_count_reports(DMB_DIAG_VIOLATION), 3);
	th_forget_reports();
}

/* A record copies the subject's strings (NULL -> "") and the formatted detail. */
static void record_copies_strings(void **state)
{
	char importer[16] = "gpu-import";
	struct dmb_check_subject who = { .buffer = "heap7", .importer = importer };
	struct dmb_check_record rec;

	dmb_check_reset();
	dmb_check_report(DMB_V9_BAD_DETACH_OR_PUT, &who, "%d live mappings", 3);
	strcpy(importer, "overwritten");
	assert_int_equal(dmb_check_records(&rec, 1), 1);
	assert_int_equal(rec.kind, DMB_V9_BAD_DETACH_OR_PUT);
	assert_string_equal(rec.buffer, "heap7");
	assert_string_equal(rec.importer, "gpu-import");
	assert_string_equal(rec.exporter, "");
	assert_string_equal(rec.device, "");
	assert_string_equal(rec.detail, "3 live mappings");
	assert_true(th_take_report(DMB_DIAG_VIOLATION, "V9"));
}

/* Names and details longer than the record's fields are cut, not overflowed. */
static void record_truncates(void **state)
{
	char longname[DMB_CHECK_NAME_LEN * 2];
	struct dmb_check_subject who = { .device = longname };
	struct dmb_check_record rec;

	memset(longname, 'd', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	dmb_check_reset();
	dmb_check_report(DMB_V8_BAD_UNMAP, &who, "%0*d", DMB_CHECK_DETAIL_LEN * 2, 0);
	assert_int_equal(dmb_check_records(&rec, 1), 1);
	assert_int_equal(strlen(rec.device), DMB_CHECK_NAME_LEN - 1);
	assert_int_equal(strlen(rec.detail), DMB_CHECK_DETAIL_LEN - 1);
	assert_true(th_take_report(DMB_DIAG_VIOLATION, "V8"));
}

/* The ring keeps the newest DMB_CHECK_RECORDS, copied out oldest first. */
static void ring_keeps_newest(void **state)
{
	static struct dmb_check_record recs[DMB_CHECK_RECORDS + 1];
	const int extra = 10;
	char want[32];

	dmb_check_reset();
	for (int i = 0; i < DMB_CHECK_RECORDS + extra; i++) {
		dmb_check_report(DMB_V2_MAP_UNLOCKED, NULL, "report %d", i);
		th_forget_reports();
	}
	assert_int_equal(dmb_check_records(recs, DMB_ARRAY_SIZE(recs)),
			 DMB_CHECK_RECORDS);
	for (int i = 0; i < DMB_CHECK_RECORDS; i++) {
		snprintf(want, sizeof(want), "report %d", i + extra);
		assert_string_equal(recs[i].detail, want);
	}
	/* a short array gets the most recent ones */
	assert_int_equal(dmb_check_records(recs, 2), 2);
	snprintf(want, sizeof(want), "report %d", DMB_CHECK_RECORDS + extra - 2);
	assert_string_equal(recs[0].detail, want);
	assert_int_equal(dmb_check_total(), DMB_CHECK_RECORDS + extra);
}

/* Reset forgets counts and records but keeps the policy and bounds. */
static void reset_keeps_settings(void **state)
{
	const struct dmb_check_bounds set = { 5 * NSEC_PER_MSEC, 7 * NSEC_PER_MSEC };
	const struct dmb_check_bounds dflt = { NSEC_PER_SEC, NSEC_PER_SEC };
	struct dmb_check_bounds got;
	struct dmb_check_record rec;

	assert_int_equal(dmb_check_set_bounds(&set), 0);
	dmb_check_report(DMB_V5_DMA_AFTER_UNMAP, NULL, "before reset");
	assert_true(th_take_report(DMB_DIAG_VIOLATION, "before reset"));
	dmb_check_reset();
	assert_int_equal(dmb_check_total(), 0);
	assert_int_equal(dmb_check_count(DMB_V5_DMA_AFTER_UNMAP), 0);
	assert_int_equal(dmb_check_records(&rec, 1), 0);
	dmb_check_get_bounds(&got);
	assert_int_equal(got.unmap_ns, set.unmap_ns);
	assert_int_equal(got.fence_ns, set.fence_ns);
	assert_int_equal(dmb_check_set_bounds(&dflt), 0);
}

/* Bounds default to one second each and can be changed. */
static void bounds_default_and_set(void **state)
{
	const struct dmb_check_bounds set = { 2 * NSEC_PER_MSEC, 3 * NSEC_PER_MSEC };
	const struct dmb_check_bounds dflt = { NSEC_PER_SEC, NSEC_PER_SEC };
	struct dmb_check_bounds got;

	dmb_check_get_bounds(&got);
	assert_int_equal(got.unmap_ns, NSEC_PER_SEC);
	assert_int_equal(got.fence_ns, NSEC_PER_SEC);
	assert_int_equal(dmb_check_set_bounds(&set), 0);
	dmb_check_get_bounds(&got);
	assert_int_equal(got.unmap_ns, 2 * NSEC_PER_MSEC);
	assert_int_equal(got.fence_ns, 3 * NSEC_PER_MSEC);
	assert_int_equal(dmb_check_set_bounds(&dflt), 0);
}

/* A bound that is not positive, or NULL, is refused with a WARN; nothing changes. */
static void bounds_reject_nonpositive(void **state)
{
	const struct dmb_check_bounds bad[] = {
		{ 0, NSEC_PER_SEC },
		{ NSEC_PER_SEC, -1 },
	};
	struct dmb_check_bounds got;

	for (size_t i = 0; i < DMB_ARRAY_SIZE(bad); i++) {
		assert_int_equal(dmb_check_set_bounds(&bad[i]), -EINVAL);
		th_assert_warned("must be positive");
	}
	assert_int_equal(dmb_check_set_bounds(NULL), -EINVAL);
	th_assert_warned("NULL checker bounds");
	dmb_check_get_bounds(&got);
	assert_int_equal(got.unmap_ns, NSEC_PER_SEC);
	assert_int_equal(got.fence_ns, NSEC_PER_SEC);
}

/* Reports are stamped with the checker clock; NULL means real time. */
static void stamped_with_checker_clock(void **state)
{
	struct dmb_clock *clock = dmb_clock_create_virtual(7 * NSEC_PER_SEC);
	struct dmb_check_record rec;
	int64_t before;

	assert_non_null(clock);
	dmb_check_set_clock(clock);
	assert_int_equal(dmb_check_now(), 7 * NSEC_PER_SEC);
	assert_int_equal(dmb_clock_advance(clock, 250 * NSEC_PER_MSEC), 0);
	dmb_check_reset();
	dmb_check_report(DMB_V7_FENCE_TIMEOUT, NULL, "late");
	assert_int_equal(dmb_check_records(&rec, 1), 1);
	assert_int_equal(rec.time_ns, 7 * NSEC_PER_SEC + 250 * NSEC_PER_MSEC);
	assert_true(th_take_report(DMB_DIAG_VIOLATION, "[check t=7.250000000]"));

	dmb_check_set_clock(NULL);
	dmb_clock_destroy(clock);
	before = dmb_ktime_get_ns();
	assert_true(dmb_check_now() >= before);
	assert_true(dmb_check_now() <= dmb_ktime_get_ns());
}

/* set_policy returns the previous policy; an unknown one is refused. */
static void policy_set_returns_previous(void **state)
{
	assert_int_equal(dmb_check_set_policy(DMB_CHECK_ABORT), DMB_CHECK_REPORT);
	assert_int_equal(dmb_check_set_policy(DMB_CHECK_REPORT), DMB_CHECK_ABORT);
	assert_int_equal(dmb_check_set_policy(42), DMB_CHECK_REPORT);
	th_assert_warned("unknown checker policy 42");
	assert_int_equal(dmb_check_set_policy(DMB_CHECK_REPORT), DMB_CHECK_REPORT);
}

/* Under DMB_CHECK_ABORT a violation aborts the process after reporting. */
static void policy_abort_aborts(void **state)
{
	int status;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const struct rlimit no_core = { 0, 0 };

		setrlimit(RLIMIT_CORE, &no_core);
		dmb_check_set_policy(DMB_CHECK_ABORT);
		dmb_check_report(DMB_V4_DMA_AFTER_INVALIDATE, NULL, "fatal");
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	/* the parent's policy is untouched */
	dmb_check_report(DMB_V4_DMA_AFTER_INVALIDATE, NULL, "survives");
	assert_true(th_take_report(DMB_DIAG_VIOLATION, "survives"));
}

#define REPORTERS	8
#define PER_REPORTER	200

static void *reporter(void *arg)
{
	int id = (int)(intptr_t)arg;

	for (int i = 0; i < PER_REPORTER; i++) {
		int kind = i % (DMB_NR_VIOLATIONS - 1) + 1;

		dmb_check_report(kind, &vfio_odp, "thread %d kind %d", id, kind);
	}
	return NULL;
}

/* Reports from several threads are all counted and the records stay whole. */
static void concurrent_reports(void **state)
{
	static struct dmb_check_record recs[DMB_CHECK_RECORDS];
	struct th_thread *threads[REPORTERS];
	unsigned long expect[DMB_NR_VIOLATIONS] = { 0 };
	size_t n;

	dmb_check_reset();
	for (int t = 0; t < REPORTERS; t++)
		threads[t] = th_thread_start(reporter, (void *)(intptr_t)t);
	for (int t = 0; t < REPORTERS; t++)
		th_thread_join(threads[t]);
	th_forget_reports();

	for (int i = 0; i < PER_REPORTER; i++)
		expect[i % (DMB_NR_VIOLATIONS - 1) + 1] += REPORTERS;
	for (int kind = 1; kind < DMB_NR_VIOLATIONS; kind++)
		assert_int_equal(dmb_check_count(kind), expect[kind]);
	assert_int_equal(dmb_check_total(), REPORTERS * PER_REPORTER);

	n = dmb_check_records(recs, DMB_ARRAY_SIZE(recs));
	assert_int_equal(n, DMB_CHECK_RECORDS);
	for (size_t i = 0; i < n; i++) {
		int id, kind;

		assert_int_equal(sscanf(recs[i].detail, "thread %d kind %d",
					&id, &kind), 2);
		assert_int_equal(kind, recs[i].kind);
		assert_string_equal(recs[i].buffer, "bar0");
		assert_string_equal(recs[i].device, "mlx0");
	}
}

/*
 * A sink that holds the report it is handed until the case lets it go, so
 * the case can look at the checker while the report is in the sink.
 */
struct held_sink {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool entered;			/* the sink has the report */
	bool released;			/* the case let it go */
	char msg[256];
};

static void held_sink_fn(const struct dmb_diag *diag, void *data)
{
	struct held_sink *h = data;

	pthread_mutex_lock(&h->lock);
	snprintf(h->msg, sizeof(h->msg), "%s", diag->msg);
	h->entered = true;
	pthread_cond_broadcast(&h->cond);
	while (!h->released)
		pthread_cond_wait(&h->cond, &h->lock);
	pthread_mutex_unlock(&h->lock);
}

/* Teardown hook and end of the case: let the sink return. */
static void held_sink_release(void *arg)
{
	struct held_sink *h = arg;

	pthread_mutex_lock(&h->lock);
	h->released = true;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
}

static void *report_v6(void *arg)
{
	dmb_check_report(DMB_V6_UNMAP_TIMEOUT, &vfio_odp, "held in the sink");
	return NULL;
}

/*
 * A violation is counted and kept only once the sink has its report: a
 * program that sees the count rise finds the report where its sink put it.
 * (Counting first let a poller see the count and miss the report.)
 */
static void published_after_delivery(void **state)
{
	struct held_sink *h = th_alloc(sizeof(*h));
	struct dmb_check_record rec;
	struct th_thread *t;
	bool entered;

	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->cond, NULL);
	th_on_teardown(held_sink_release, h);
	dmb_check_reset();
	dmb_diag_set_sink(held_sink_fn, h);

	t = th_thread_start(report_v6, NULL);
	pthread_mutex_lock(&h->lock);
	while (!h->entered)
		pthread_cond_wait(&h->cond, &h->lock);
	entered = h->entered;
	pthread_mutex_unlock(&h->lock);
	assert_true(entered);
	/* The report is in the sink, which has not returned: not yet published. */
	assert_int_equal(dmb_check_count(DMB_V6_UNMAP_TIMEOUT), 0);
	assert_int_equal(dmb_check_total(), 0);
	assert_int_equal(dmb_check_records(&rec, 1), 0);

	held_sink_release(h);
	th_thread_join(t);
	assert_int_equal(dmb_check_count(DMB_V6_UNMAP_TIMEOUT), 1);
	assert_int_equal(dmb_check_records(&rec, 1), 1);
	assert_string_equal(rec.detail, "held in the sink");
	assert_non_null(strstr(h->msg, "V6 importer has a broken invalidate_mappings"));
	dmb_diag_set_sink(NULL, NULL);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		TH_TEST(names_and_summaries),
		TH_TEST(report_reaches_sink),
		TH_TEST(report_omits_missing_subject),
		TH_TEST(reports_are_counted),
		TH_TEST(record_copies_strings),
		TH_TEST(record_truncates),
		TH_TEST(ring_keeps_newest),
		TH_TEST(reset_keeps_settings),
		TH_TEST(bounds_default_and_set),
		TH_TEST(bounds_reject_nonpositive),
		TH_TEST(stamped_with_checker_clock),
		TH_TEST(policy_set_returns_previous),
		TH_TEST(policy_abort_aborts),
		TH_TEST(concurrent_reports),
		TH_TEST(published_after_delivery),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
