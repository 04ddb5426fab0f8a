// SPDX-License-Identifier: MIT
/*
 * test-quarantine.c - the release quarantine (check.h): a use of a released
 * buffer, attachment, revoke helper or library-freed fence is reported,
 * naming the object's kind and its releaser, and refused; the FIFO is
 * bounded; production mode and the switch turn it off; concurrent releases
 * are safe.
 *
 * Each misuse runs in a forked child, as a hostile program would: without
 * the quarantine it crashes (SIGSEGV, or glibc's double-free abort) or
 * corrupts memory silently, and the child keeps that from taking the test
 * down. The child sends every report it raises and a line saying whether
 * the call was refused through a pipe; the parent reads to the end, always
 * reaps it, and then judges.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dmabuf/check.h>
#include <dmabuf/debug.h>
#include <dmabuf/dma-buf-revoke.h>
#include <dmabuf/dma-buf.h>
#include <dmabuf/dma-fence.h>

#include "harness.h"
#include "mock-exporter.h"

#define CHILD_OUT_MAX	(64 * 1024)

/* The child's end of the pipe, for its sink. */
static int child_fd = -1;

static void child_write(const char *text)
{
	size_t len = strlen(text);

	while (len) {
		ssize_t n = write(child_fd, text, len);

		if (n <= 0)
			return;
		text += n;
		len -= (size_t)n;
	}
}

static void child_sink(const struct dmb_diag *diag, void *data)
{
	char text[8192];

	dmb_diag_format(diag, text, sizeof(text));
	child_write(text);
}

struct child_result {
	int status;
	char *out;	/* th_alloc()ed, NUL-terminated */
};

/*
 * Run @misuse in a forked child with a sink into a pipe; @misuse says
 * "REFUSED" (child_write()) if the call it made was refused. Reads
 * everything the child wrote, then reaps it, whatever happened.
 */
static struct child_result run_child(void (*misuse)(void))
{
	struct child_result res = { .out = th_alloc(CHILD_OUT_MAX + 1) };
	size_t len = 0;
	int fds[2];
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const struct rlimit no_core = { 0, 0 };

		static const int fatal[] = { SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE };

		/* A crash ends the child (cmocka's handlers would go on). */
		for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
			signal(fatal[i], SIG_DFL);
		setrlimit(RLIMIT_CORE, &no_core);
		close(fds[0]);
		child_fd = fds[1];
		dmb_diag_set_sink(child_sink, NULL);
		misuse();
		_exit(0);
	}
	close(fds[1]);
	for (;;) {
		ssize_t n = read(fds[0], res.out + len, CHILD_OUT_MAX - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || (len += (size_t)n) == CHILD_OUT_MAX)
			break;
	}
	close(fds[0]);
	assert_int_equal(waitpid(pid, &res.status, 0), pid);
	return res;
}

/* The verdict of every misuse case: survived, reported, refused. */
static void assert_caught(const struct child_result *res, const char *kind,
			  const char *call, const char *releaser)
{
	if (!WIFEXITED(res->status) || WEXITSTATUS(res->status) != 0 ||
	    !strstr(res->out, kind) || !strstr(res->out, call) ||
	    !strstr(res->out, releaser) || !strstr(res->out, "REFUSED"))
		print_error("child status %#x, output:\n%s\n", res->status,
			    res->out);
	assert_false(WIFSIGNALED(res->status));
	assert_true(WIFEXITED(res->status));
	assert_int_equal(WEXITSTATUS(res->status), 0);
	assert_non_null(strstr(res->out, "of released"));
	assert_non_null(strstr(res->out, kind));
	assert_non_null(strstr(res->out, call));
	assert_non_null(strstr(res->out, releaser));
	assert_non_null(strstr(res->out, "REFUSED"));
}

/*
 * The releasers: out of line, so each is a frame of its own in the release
 * backtrace the report must contain.
 */
static void __attribute__((noinline)) detach_here(struct dma_buf *buf,
						  struct dma_buf_attachment *a)
{
	dma_buf_detach(buf, a);
	__asm__ volatile("" ::: "memory");
}

static void __attribute__((noinline)) destroy_here(struct dmb_revocable *rev)
{
	dmb_revocable_destroy(rev);
	__asm__ volatile("" ::: "memory");
}

static void __attribute__((noinline)) put_buffer_here(struct dma_buf *buf)
{
	dma_buf_put(buf);
	__asm__ volatile("" ::: "memory");
}

static void __attribute__((noinline)) put_fence_here(struct dma_fence *fence)
{
	dma_fence_put(fence);
	__asm__ volatile("" ::: "memory");
}

/* A fence the library frees: no ops->release, at the start of a malloc()ed block. */
static const char *qf_name(struct dma_fence *fence)
{
	return "qfence";
}

static const struct dma_fence_ops qfence_ops = {
	.get_driver_name = qf_name,
	.get_timeline_name = qf_name,
};

static struct dma_fence *qfence(void)
{
	struct dma_fence *fence = malloc(sizeof(*fence));

	if (fence)
		dma_fence_init(fence, &qfence_ops, NULL,
			       dma_fence_context_alloc(1), 1);
	return fence;
}

/* The child's side of each case (no cmocka here: plain checks). */

static void misuse_map_after_detach(void)
{
	static struct mock_exporter me;
	static struct mock_importer imp;
	struct dma_buf *buf = mock_export(&me, "qbuf", 4096, 0);
	struct dma_buf_attachment *a;

	mock_importer_init(&imp, "qdev");
	a = mock_importer_attach(&imp, buf, &mock_importer_ops_revocable);
	if (!a)
		return;
	detach_here(buf, a);
	errno = 0;
	if (!dma_buf_map_attachment_unlocked(a, DMA_BIDIRECTIONAL) &&
	    errno == EINVAL)
		child_write("REFUSED\n");
	if (!dma_buf_attachment_dmabuf(a))
		child_write("GETTER REFUSED\n");
	dma_buf_put(buf);
}

static void misuse_map_locked_after_detach(void)
{
	static struct mock_exporter me;
	static struct mock_importer imp;
	struct dma_buf *buf = mock_export(&me, "qbuf", 4096, 0);
	struct dma_resv *resv = dma_buf_resv(buf);
	struct dma_buf_attachment *a;
	struct sg_table *sgt;

	mock_importer_init(&imp, "qdev");
	a = mock_importer_attach(&imp, buf, &mock_importer_ops_revocable);
	if (!a)
		return;
	detach_here(buf, a);
	dma_resv_lock(resv, NULL);
	errno = 0;
	sgt = dma_buf_map_attachment(a, DMA_BIDIRECTIONAL);
	if (!sgt && errno == EINVAL)
		child_write("REFUSED\n");
	/* and the unmap of a table that cannot be there: refused too */
	dma_buf_unmap_attachment(a, (struct sg_table *)&me, DMA_BIDIRECTIONAL);
	dma_resv_unlock(resv);
	if (!me.unmap_calls)
		child_write("UNMAP REFUSED\n");
	dma_buf_put(buf);
}

static void misuse_destroy_twice(void)
{
	static struct mock_exporter me;
	struct dma_buf *buf = mock_export(&me, "qbuf", 4096, 0);
	struct dmb_revocable *rev = dmb_revocable_create(buf, NULL);
	struct dmb_quarantine_stats before, after;

	if (!rev)
		return;
	destroy_here(rev);
	dmb_check_quarantine_stats(&before);
	dmb_revocable_destroy(rev);
	dmb_check_quarantine_stats(&after);
	/* Refused: nothing freed, nothing kept a second time. */
	if (after.kept == before.kept && after.freed == before.freed)
		child_write("REFUSED\n");
	dma_buf_put(buf);
}

static void misuse_get_unless_zero_released(void)
{
	static struct mock_exporter me;
	struct dma_buf *buf = mock_export(&me, "qbuf", 4096, 0);

	put_buffer_here(buf);
	if (!dmb_dma_buf_get_unless_zero(buf))
		child_write("REFUSED\n");
}

static void misuse_fence_put_twice(void)
{
	struct dma_fence *fence = qfence();
	struct dmb_quarantine_stats before, after;

	if (!fence)
		return;
	dma_fence_signal(fence);
	put_fence_here(fence);
	dmb_check_quarantine_stats(&before);
	dma_fence_put(fence);
	dmb_check_quarantine_stats(&after);
	if (after.kept == before.kept && after.freed == before.freed &&
	    !dma_fence_get(fence))
		child_write("REFUSED\n");
}

/* map of an attachment after its detach: reported (attachment, detacher), refused. */
static void map_after_detach(void **state)
{
	struct child_result res = run_child(misuse_map_after_detach);

	assert_caught(&res, "dma_buf_attachment", "dma_buf_map_attachment_unlocked",
		      "detach_here");
	assert_non_null(strstr(res.out, "dma_buf_attachment_dmabuf of released"));
	assert_non_null(strstr(res.out, "GETTER REFUSED"));
}

/* the locked map and unmap of a detached attachment: reported, refused. */
static void map_locked_after_detach(void **state)
{
	struct child_result res = run_child(misuse_map_locked_after_detach);

	assert_caught(&res, "dma_buf_attachment", "dma_buf_map_attachment",
		      "detach_here");
	assert_non_null(strstr(res.out, "dma_buf_unmap_attachment of released"));
	assert_non_null(strstr(res.out, "UNMAP REFUSED"));
}

/* a second dmb_revocable_destroy(): reported (helper, first destroyer), not freed twice. */
static void revocable_destroy_twice(void **state)
{
	struct child_result res = run_child(misuse_destroy_twice);

	assert_caught(&res, "revoke helper", "dmb_revocable_destroy",
		      "destroy_here");
}

/* get_unless_zero on a released buffer: reported (buffer, last putter), false. */
static void get_unless_zero_after_release(void **state)
{
	struct child_result res = run_child(misuse_get_unless_zero_released);

	assert_caught(&res, "dma_buf qbuf", "dmb_dma_buf_get_unless_zero",
		      "put_buffer_here");
}

/* a second last put of a fence: reported (fence, first putter), not freed twice. */
static void fence_put_twice(void **state)
{
	struct child_result res = run_child(misuse_fence_put_twice);

	assert_caught(&res, "dma_fence qfence:qfence", "dma_fence_put",
		      "put_fence_here");
}

/*
 * More releases than the FIFO holds: it keeps exactly its bound, the
 * oldest are really freed (ASan's leak check sees the rest freed at exit).
 */
static void bound_frees_oldest(void **state)
{
	struct dmb_quarantine_stats before, after;
	const unsigned int extra = 10;

	assert_true(dmb_check_quarantine_enabled());
	dmb_check_quarantine_flush();
	dmb_check_quarantine_stats(&before);
	assert_int_equal(before.objects, 0);
	assert_int_equal(before.bytes, 0);
	for (unsigned int i = 0; i < DMB_QUARANTINE_MAX_OBJECTS + extra; i++) {
		struct dma_fence *fence = qfence();

		assert_non_null(fence);
		dma_fence_signal(fence);
		dma_fence_put(fence);
	}
	dmb_check_quarantine_stats(&after);
	assert_int_equal(after.objects, DMB_QUARANTINE_MAX_OBJECTS);
	assert_true(after.bytes > 0 && after.bytes <= DMB_QUARANTINE_MAX_BYTES);
	assert_int_equal(after.kept - before.kept, DMB_QUARANTINE_MAX_OBJECTS + extra);
	assert_int_equal(after.freed - before.freed, extra);

	dmb_check_quarantine_flush();
	dmb_check_quarantine_stats(&after);
	assert_int_equal(after.objects, 0);
	assert_int_equal(after.bytes, 0);
	assert_int_equal(after.freed - before.freed, DMB_QUARANTINE_MAX_OBJECTS + extra);
}

/* Releases of each kind are kept in debug mode (the default). */
static void kinds_are_kept(void **state)
{
	struct mock_exporter *me = th_alloc(sizeof(*me));
	struct mock_importer *imp = th_alloc(sizeof(*imp));
	struct dmb_quarantine_stats before, after;
	struct dma_buf *buf = mock_export(me, "qbuf", 4096, 0);
	struct dmb_revocable *rev = dmb_revocable_create(buf, NULL);
	struct dma_fence *fence = qfence();

	assert_non_null(rev);
	assert_non_null(fence);
	mock_importer_init(imp, "qdev");
	assert_non_null(mock_importer_attach(imp, buf, NULL));
	dmb_check_quarantine_stats(&before);
	mock_importer_detach(imp);
	dmb_revocable_destroy(rev);
	dma_buf_put(buf);
	dma_fence_signal(fence);
	dma_fence_put(fence);
	dmb_check_quarantine_stats(&after);
	assert_int_equal(after.kept - before.kept, 4);
}

/* The switch: off, a release frees at once, and what was kept is freed. */
static void switch_off_frees_at_once(void **state)
{
	struct dmb_quarantine_stats before, after;
	struct dma_fence *fence = qfence();

	assert_non_null(fence);
	dma_fence_signal(fence);
	dma_fence_put(fence);
	dmb_check_quarantine_stats(&before);
	assert_true(before.objects > 0);

	assert_true(dmb_check_set_quarantine(false));
	assert_false(dmb_check_quarantine_enabled());
	dmb_check_quarantine_stats(&after);
	assert_int_equal(after.objects, 0);
	assert_int_equal(after.freed - before.freed, before.objects);

	fence = qfence();
	assert_non_null(fence);
	dma_fence_signal(fence);
	dma_fence_put(fence);
	dmb_check_quarantine_stats(&before);
	assert_int_equal(before.kept, after.kept);
	assert_int_equal(before.objects, 0);

	assert_false(dmb_check_set_quarantine(true));
	assert_true(dmb_check_quarantine_enabled());
}

/* Production mode (one way, so in a child): releases are not kept. */
static void production_child(void)
{
	static struct mock_exporter me;
	static struct mock_importer imp;
	struct dmb_quarantine_stats before, after;
	struct dma_buf *buf;
	struct dmb_revocable *rev;
	struct dma_fence *fence;

	if (dmb_debug_set(false) || dmb_check_quarantine_enabled())
		return;
	buf = mock_export(&me, "qbuf", 4096, 0);
	rev = dmb_revocable_create(buf, NULL);
	fence = qfence();
	mock_importer_init(&imp, "qdev");
	if (!rev || !fence || !mock_importer_attach(&imp, buf, NULL))
		return;
	dmb_check_quarantine_stats(&before);
	mock_importer_detach(&imp);
	dmb_revocable_destroy(rev);
	dma_buf_put(buf);
	dma_fence_signal(fence);
	dma_fence_put(fence);
	dmb_check_quarantine_stats(&after);
	if (after.kept == before.kept && after.objects == 0)
		child_write("NOT KEPT\n");
}

static void production_mode_not_kept(void **state)
{
	struct child_result res = run_child(production_child);

	if (!strstr(res.out, "NOT KEPT"))
		print_error("child status %#x, output:\n%s\n", res.status, res.out);
	assert_true(WIFEXITED(res.status));
	assert_int_equal(WEXITSTATUS(res.status), 0);
	assert_non_null(strstr(res.out, "NOT KEPT"));
	assert_null(strstr(res.out, "libdmabuf"));	/* no report at all */
}

/* Concurrent releases (and evictions): every one counted, the bound kept. */
#define RELEASERS	4
#define RELEASES	(DMB_QUARANTINE_MAX_OBJECTS / 2)

static void *releaser(void *arg)
{
	struct mock_exporter *me = arg;

	for (unsigned int i = 0; i < RELEASES; i++) {
		struct dma_fence *fence = qfence();
		struct dma_buf *buf = mock_export(me, "qbuf", 4096, 0);

		assert_non_null(fence);
		dma_fence_signal(fence);
		dma_fence_put(fence);
		dma_buf_put(buf);
	}
	return NULL;
}

static void concurrent_releases(void **state)
{
	struct dmb_quarantine_stats before, after;
	struct mock_exporter *me = th_alloc(RELEASERS * sizeof(*me));
	struct th_thread *t[RELEASERS];

	dmb_check_quarantine_stats(&before);
	for (int i = 0; i < RELEASERS; i++)
		t[i] = th_thread_start(releaser, &me[i]);
	for (int i = 0; i < RELEASERS; i++)
		th_thread_join(t[i]);
	dmb_check_quarantine_stats(&after);
	assert_int_equal(after.kept - before.kept, RELEASERS * RELEASES * 2);
	assert_int_equal(after.objects, DMB_QUARANTINE_MAX_OBJECTS);
	assert_int_equal((after.kept - after.freed) - (before.kept - before.freed),
			 after.objects - before.objects);
	dmb_check_quarantine_flush();
}

/*
 * A put of a released buffer, which is checked against the live buffers
 * and the quarantine without reading the buffer, while releases in another
 * thread evict it: every put is reported (V9) and refused, with or without
 * its releaser, and nothing is read after it is freed.
 */
#define LATE_PUTS	64

static void *late_putter(void *arg)
{
	for (int i = 0; i < LATE_PUTS; i++)
		dma_buf_put(arg);
	return NULL;
}

static void reports_race_evictions(void **state)
{
	struct mock_exporter *me = th_alloc(sizeof(*me));
	struct dma_buf *buf = mock_export(me, "qbuf", 4096, 0);
	unsigned long v9 = dmb_check_count(DMB_V9_BAD_DETACH_OR_PUT);
	struct th_thread *t;

	dma_buf_put(buf);
	t = th_thread_start(late_putter, buf);
	for (unsigned int i = 0; i < 2 * DMB_QUARANTINE_MAX_OBJECTS; i++) {
		struct dma_fence *fence = qfence();

		assert_non_null(fence);
		dma_fence_signal(fence);
		dma_fence_put(fence);
	}
	th_thread_join(t);
	assert_int_equal(dmb_check_count(DMB_V9_BAD_DETACH_OR_PUT) - v9, LATE_PUTS);
	th_forget_reports();
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		TH_TEST(map_after_detach),
		TH_TEST(map_locked_after_detach),
		TH_TEST(revocable_destroy_twice),
		TH_TEST(get_unless_zero_after_release),
		TH_TEST(fence_put_twice),
		TH_TEST(bound_frees_oldest),
		TH_TEST(kinds_are_kept),
		TH_TEST(switch_off_frees_at_once),
		TH_TEST(production_mode_not_kept),
		TH_TEST(concurrent_releases),
		TH_TEST(reports_race_evictions),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
