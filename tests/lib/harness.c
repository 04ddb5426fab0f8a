// SPDX-License-Identifier: MIT
/*
 * harness.c - the recording diagnostics sink, the case's owned threads and
 * memory (the fixture rule of harness.h) and the main loop shared by every
 * test program.
 *
 * Locking: the recorder is filled from any thread (reports come from
 * signalling threads and workers), so it has its own mutex; the case's
 * threads, memory and hooks have another (a helper thread may start or
 * join a thread too). Neither is held across a call out.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

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

#define TH_MAX_HOOKS	16

struct th_thread {
	pthread_t id;
	struct th_thread *next;
};

struct th_block {
	struct th_block *next;
	max_align_t data[];
};

/* What the running case owns; emptied by th_teardown(). */
static struct {
	pthread_mutex_t lock;
	struct th_thread *threads;	/* started, not yet joined */
	struct th_block *blocks;
	struct { void (*fn)(void *); void *arg; } hooks[TH_MAX_HOOKS];
	unsigned int nr_hooks;
	unsigned int threads_before;	/* the process's threads at setup */
	bool left_running;		/* teardown had to join a thread */
	int64_t hang_ns;		/* the hang guard of th_teardown() */
} owned = { .lock = PTHREAD_MUTEX_INITIALIZER, .hang_ns = TH_HANG_NS };

void th_set_hang_ns(int64_t ns)
{
	owned.hang_ns = ns;
}

int64_t th_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

unsigned int th_threads_running(void)
{
	DIR *dir = opendir("/proc/self/task");
	struct dirent *d;
	unsigned int n = 0;

	if (!dir)
		return 0;
	while ((d = readdir(dir)))
		n += d->d_name[0] != '.';
	closedir(dir);
	return n;
}

int th_setup(void **state)
{
	th_forget_reports();
	dmb_diag_set_backtrace(false);
	dmb_diag_set_sink(record_report, NULL);
	owned.threads_before = th_threads_running();
	return 0;
}

/* Join @t, giving up (and aborting the program) after TH_HANG_NS. */
static void join_or_abort(struct th_thread *t)
{
	struct timespec until;
	int err;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += TH_HANG_NS / 1000000000;
	err = pthread_timedjoin_np(t->id, NULL, &until);
	if (err) {
		fprintf(stderr, "# a thread of the case did not finish (%s): aborting rather than let it run over the next case\n",
			strerror(err));
		abort();
	}
	free(t);
}

int th_teardown_threads(void)
{
	struct th_thread *left;
	int ret = 0;

	pthread_mutex_lock(&owned.lock);
	while (owned.nr_hooks) {
		unsigned int i = --owned.nr_hooks;
		void (*fn)(void *) = owned.hooks[i].fn;
		void *arg = owned.hooks[i].arg;

		/* A hook may take library locks: never call out with ours. */
		pthread_mutex_unlock(&owned.lock);
		fn(arg);
		pthread_mutex_lock(&owned.lock);
	}
	while ((left = owned.threads)) {
		owned.threads = left->next;
		pthread_mutex_unlock(&owned.lock);
		join_or_abort(left);
		ret = -1;
		pthread_mutex_lock(&owned.lock);
	}
	if (ret)
		owned.left_running = true;
	pthread_mutex_unlock(&owned.lock);
	if (ret)
		print_error("the case left threads running; teardown joined them\n");
	return ret;
}

static void free_blocks(void)
{
	struct th_block *b;

	pthread_mutex_lock(&owned.lock);
	while ((b = owned.blocks)) {
		owned.blocks = b->next;
		free(b);
	}
	pthread_mutex_unlock(&owned.lock);
}

static bool threads_back(void *arg)
{
	unsigned int *threads = arg;

	*threads = th_threads_running();
	return *threads <= owned.threads_before;
}

bool th_wait_until_ns(int64_t ns, bool (*cond)(void *arg), void *arg)
{
	int64_t end = th_now_ns() + ns;
	bool ok;

	while (!(ok = cond(arg)) && th_now_ns() < end)
		th_sleep_ns(100 * 1000);
	return ok;
}

int th_teardown(void **state)
{
	unsigned int left, dropped, threads;
	int ret;

	th_teardown_threads();
	pthread_mutex_lock(&owned.lock);
	ret = owned.left_running ? -1 : 0;
	owned.left_running = false;
	pthread_mutex_unlock(&owned.lock);

	dmb_diag_set_sink(NULL, NULL);
	pthread_mutex_lock(&recorder.lock);
	left = recorder.count;
	dropped = recorder.dropped;
	for (unsigned int i = 0; i < left; i++)
		print_error("unexpected report: %s (%s)\n",
			    recorder.reports[i].msg, recorder.reports[i].where);
	pthread_mutex_unlock(&recorder.lock);
	free_blocks();
	/* A joined thread may linger in /proc for a moment after its exit. */
	if (!th_wait_until_ns(owned.hang_ns, threads_back, &threads)) {
		print_error("%u threads still running after the case (%u before it)\n",
			    threads, owned.threads_before);
		ret = -1;
	}
	/* A failing teardown makes cmocka fail the case. */
	return left || dropped || ret ? -1 : 0;
}

struct th_thread *th_thread_start(void *(*fn)(void *arg), void *arg)
{
	struct th_thread *t = malloc(sizeof(*t));

	assert_non_null(t);
	if (pthread_create(&t->id, NULL, fn, arg)) {
		free(t);
		fail_msg("pthread_create failed");
	}
	pthread_mutex_lock(&owned.lock);
	t->next = owned.threads;
	owned.threads = t;
	pthread_mutex_unlock(&owned.lock);
	return t;
}

void *th_thread_join(struct th_thread *t)
{
	struct th_thread **p;
	void *ret;

	assert_int_equal(pthread_join(t->id, &ret), 0);
	pthread_mutex_lock(&owned.lock);
	for (p = &owned.threads; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			break;
		}
	}
	pthread_mutex_unlock(&owned.lock);
	free(t);
	return ret;
}

void *th_alloc(size_t size)
{
	struct th_block *b = calloc(1, sizeof(*b) + size);

	assert_non_null(b);
	pthread_mutex_lock(&owned.lock);
	b->next = owned.blocks;
	owned.blocks = b;
	pthread_mutex_unlock(&owned.lock);
	return b->data;
}

void *th_memdup(const void *src, size_t size)
{
	return memcpy(th_alloc(size), src, size);
}

void th_on_teardown(void (*fn)(void *arg), void *arg)
{
	pthread_mutex_lock(&owned.lock);
	if (owned.nr_hooks == TH_MAX_HOOKS) {
		pthread_mutex_unlock(&owned.lock);
		fail_msg("more than %d teardown hooks", TH_MAX_HOOKS);
	}
	owned.hooks[owned.nr_hooks].fn = fn;
	owned.hooks[owned.nr_hooks].arg = arg;
	owned.nr_hooks++;
	pthread_mutex_unlock(&owned.lock);
}

/* th_sigbus_catch_*: the handler only touches these (async-signal-safe). */
static atomic_uint sigbus_caught;
static uintptr_t sigbus_page;
static struct sigaction sigbus_old;
static bool sigbus_catching;

static void sigbus_catch(int sig, siginfo_t *info, void *uctx)
{
	uintptr_t page = (uintptr_t)info->si_addr & ~(sigbus_page - 1);

	(void)sig;
	(void)uctx;
	atomic_fetch_add(&sigbus_caught, 1);
	if (mmap((void *)page, sigbus_page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
		abort();
}

static void sigbus_catch_teardown(void *arg)
{
	(void)arg;
	if (sigbus_catching)
		th_sigbus_catch_end();
}

void th_sigbus_catch_begin(void)
{
	struct sigaction sa;

	assert_false(sigbus_catching);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sigbus_catch;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigbus_page = (uintptr_t)sysconf(_SC_PAGESIZE);
	atomic_store(&sigbus_caught, 0);
	assert_int_equal(sigaction(SIGBUS, &sa, &sigbus_old), 0);
	sigbus_catching = true;
	th_on_teardown(sigbus_catch_teardown, NULL);
}

unsigned int th_sigbus_catch_end(void)
{
	assert_true(sigbus_catching);
	sigaction(SIGBUS, &sigbus_old, NULL);
	sigbus_catching = false;
	return atomic_load(&sigbus_caught);
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

static void *no_op(void *arg)
{
	return arg;
}

int th_run_group(int argc, char **argv, const char *name,
		 const struct CMUnitTest *tests, size_t count)
{
	const char *base = strrchr(name, '/');

	pthread_t id;

	/*
	 * A sanitizer's runtime may start a thread of its own at the first
	 * pthread_create() and keep it: start one before any case, so no
	 * case's thread count includes it.
	 */
	if (pthread_create(&id, NULL, no_op, NULL) == 0)
		pthread_join(id, NULL);
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return _cmocka_run_group_tests(base ? base + 1 : name, tests, count,
				       NULL, NULL);
}
