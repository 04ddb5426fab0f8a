// SPDX-License-Identifier: MIT
/*
 * fault-inject.c - the allocation wrappers behind fault-inject.h.
 *
 * Locking: a countdown and two counters, all atomic. The count of live
 * allocations is exact for memory allocated and freed through the wrappers,
 * which is all of the library's own memory.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>

#include "fault-inject.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void __real_free(void *p);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
void __wrap_free(void *p);

static atomic_long countdown = -1;
static atomic_bool failed;
static atomic_long live;

void fi_fail_nth(long n)
{
	atomic_store(&failed, false);
	atomic_store(&countdown, n);
}

bool fi_failed(void)
{
	bool f = atomic_exchange(&failed, false);

	atomic_store(&countdown, -1);
	return f;
}

long fi_live(void)
{
	return atomic_load(&live);
}

/*
 * Should this allocation fail? Counts the armed countdown down to it, and
 * fails the way the C library does: NULL with errno ENOMEM.
 */
static bool fail_now(void)
{
	long n = atomic_load(&countdown);

	while (n >= 0) {
		if (atomic_compare_exchange_weak(&countdown, &n, n - 1)) {
			if (n == 0) {
				atomic_store(&failed, true);
				errno = ENOMEM;
				return true;
			}
			return false;
		}
	}
	return false;
}

void *__wrap_malloc(size_t size)
{
	void *p = fail_now() ? NULL : __real_malloc(size);

	if (p)
		atomic_fetch_add(&live, 1);
	return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
	void *p = fail_now() ? NULL : __real_calloc(n, size);

	if (p)
		atomic_fetch_add(&live, 1);
	return p;
}

void *__wrap_realloc(void *old, size_t size)
{
	void *p;

	if (fail_now())
		return NULL;		/* the old block stays, as realloc() says */
	p = __real_realloc(old, size);
	if (p && !old)
		atomic_fetch_add(&live, 1);
	return p;
}

void __wrap_free(void *p)
{
	if (!p)
		return;
	atomic_fetch_sub(&live, 1);
	__real_free(p);
}
