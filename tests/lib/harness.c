// SPDX-License-Identifier: MIT
/*
 * harness.c - the recording diagnostics sink, thread helpers and the main
 * loop shared by every test program.
 *
 * Locking: the recorder is filled from any thread (reports come from
 * signalling threads and workers), so it has its own mutex.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define TH_MAX_REPORTS	64
#define TH_MSG_MAX	512

struct th_report {
	enum dmb_diag_kind kind;
	char msg[TH_MSG_MAX];
	char where[128];
};

static struct {
	pthread_mutex_t lock;
	unsigned int count;
	unsigned int dropped;
	struct th_report reports[TH_MAX_REPORTS];
} recorder = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void record_report(const struct dmb_diag *diag, void *data)
{
	struct th_report *r;

	pthread_mutex_lock(&recorder.lock);
	if (recorder.count == TH_MAX_REPORTS) {
		recorder.dropped++;
		goto out;
	}
	r = &recorder.reports[recorder.count++];
	r->kind = diag->kind;
	snprintf(r->msg, sizeof(r->msg), "%s", diag->msg);
	snprintf(r->where, sizeof(r->where), "%s:%d %s", diag->file,
		 diag->line, diag->func);
out:
	pthread_mutex_unlock(&recorder.lock);
}

bool th_take_report(enum dmb_diag_kind kind, const char *needle)
{
	bool found = false;

	pthread_mutex_lock(&recorder.lock);
	for (unsigned int i = 0; i < recorder.count; i++) {
		struct th_report *r = &recorder.reports[i];

		if (r->kind != kind || (needle && !strstr(r->msg, needle)))
			continue;
		memmove(r, r + 1, (recorder.count - i - 1) * sizeof(*r));
		recorder.count--;
		found = true;
		break;
	}
	pthread_mutex_unlock(&recorder.lock);
	return found;
}

unsigned int th_count_reports(enum dmb_diag_kind kind)
{
	unsigned int n = 0;

	pthread_mutex_lock(&recorder.lock);
	for (unsigned int i = 0; i < recorder.count; i++)
		n += recorder.reports[i].kind == kind;
	pthread_mutex_unlock(&recorder.lock);
	return n;
}

void th_forget_reports(void)
{
	pthread_mutex_lock(&recorder.lock);
	recorder.count = 0;
	recorder.dropped = 0;
	pthread_mutex_unlock(&recorder.lock);
}

int th_setup(void **state)
{
	th_forget_reports();
	dmb_diag_set_backtrace(false);
	dmb_diag_set_sink(record_report, NULL);
	return 0;
}

int th_teardown(void **state)
{
	unsigned int left, dropped;

	dmb_diag_set_sink(NULL, NULL);
	pthread_mutex_lock(&recorder.lock);
	left = recorder.count;
	dropped = recorder.dropped;
	for (unsigned int i = 0; i < left; i++)
		print_error("unexpected report: %s (%s)\n",
			    recorder.reports[i].msg, recorder.reports[i].where);
	pthread_mutex_unlock(&recorder.lock);
	/* A failing teardown makes cmocka fail the case. */
	return left || dropped ? -1 : 0;
}

struct th_thread {
	pthread_t id;
};

struct th_thread *th_thread_start(void *(*fn)(void *arg), void *arg)
{
	struct th_thread *t = malloc(sizeof(*t));

	assert_non_null(t);
	assert_int_equal(pthread_create(&t->id, NULL, fn, arg), 0);
	return t;
}

void *th_thread_join(struct th_thread *t)
{
	void *ret;

	assert_int_equal(pthread_join(t->id, &ret), 0);
	free(t);
	return ret;
}

void th_sleep_ns(int64_t ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

unsigned int th_stress_seed(void)
{
	static unsigned int seed;
	const char *env;

	if (seed)
		return seed;
	env = getenv("DMABUF_TEST_SEED");
	seed = env ? (unsigned int)strtoul(env, NULL, 0) : 20261130u;
	if (!seed)
		seed = 1;
	fprintf(stderr, "# stress seed %u (set DMABUF_TEST_SEED to replay)\n", seed);
	return seed;
}

int th_run_group(int argc, char **argv, const char *name,
		 const struct CMUnitTest *tests, size_t count)
{
	const char *base = strrchr(name, '/');

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return _cmocka_run_group_tests(base ? base + 1 : name, tests, count,
				       NULL, NULL);
}
