/* SPDX-License-Identifier: MIT */
/*
 * misuse.h - the misuse suite's case runner: each case calls one public
 * function the wrong way (a NULL argument, the wrong lock state, a call
 * made twice, an object in the wrong state) in a forked child, and the
 * parent asserts what the README promises: the child exits normally (no
 * signal, no sanitizer report), the call returned its refusal value, and a
 * diagnostic was reported through the sink (or, for what the kernel
 * tolerates silently, that none was).
 *
 * A case is a function that sets up what it needs, makes the call and
 * returns true if the call returned the refusal value; it runs in the
 * child only, which exits without any clean-up (the parent never sees its
 * memory, so a case need not free or unlock anything). Cases register
 * themselves, so a program is a list of them:
 *
 *	MISUSE_CASE(dma_fence_signal, null_fence, MISUSE_REPORTED)
 *	{
 *		return dma_fence_signal(NULL) == -EINVAL;
 *	}
 *
 *	int main(int argc, char **argv) { return misuse_main(argc, argv, __FILE__); }
 *
 * A function with nothing a caller can get wrong (no pointer, no state)
 * is named with MISUSE_NOTHING(function, "why"), so that the coverage
 * check (scripts/check-misuse-coverage.py, which compares every public
 * declaration with the names `<program> --list` prints) knows it was
 * considered rather than forgotten.
 *
 * Locking: the parent runs cases one at a time; a child is single-threaded
 * unless its case starts threads (it then need not join them).
 */
#ifndef DMABUF_TEST_MISUSE_H
#define DMABUF_TEST_MISUSE_H

#include <errno.h>
#include <stdbool.h>

enum misuse_expect {
	MISUSE_REPORTED,	/* at least one WARN or VIOLATION */
	MISUSE_SILENT,		/* tolerated, as the kernel does: no report */
	MISUSE_NO_CASE,		/* nothing to get wrong: listed, not run */
};

struct misuse_case {
	const char *func;	/* the public function under test */
	const char *what;	/* what is wrong with the call */
	enum misuse_expect expect;
	bool (*run)(void);	/* in the child: true if refused as documented */
	struct misuse_case *next;
};

void misuse_register(struct misuse_case *c);

#define MISUSE_CASE(fn, tag, expect)					\
	static bool misuse_run_##fn##__##tag(void);			\
	static struct misuse_case misuse_case_##fn##__##tag = {		\
		#fn, #tag, expect, misuse_run_##fn##__##tag, 0 };	\
	static void __attribute__((constructor))			\
	misuse_reg_##fn##__##tag(void)					\
	{								\
		misuse_register(&misuse_case_##fn##__##tag);		\
	}								\
	static bool misuse_run_##fn##__##tag(void)

#define MISUSE_NOTHING(fn, why)						\
	static struct misuse_case misuse_case_##fn##__nothing = {	\
		#fn, why, MISUSE_NO_CASE, 0, 0 };			\
	static void __attribute__((constructor))			\
	misuse_reg_##fn##__nothing(void)				\
	{								\
		misuse_register(&misuse_case_##fn##__nothing);		\
	}

/*
 * misuse_main - run every registered case (or those whose "function/what"
 * name matches argv[1], a cmocka glob), as cmocka tests with TAP output;
 * `--list` prints the functions covered, one a line, and exits.
 */
int misuse_main(int argc, char **argv, const char *name);

#endif /* DMABUF_TEST_MISUSE_H */
