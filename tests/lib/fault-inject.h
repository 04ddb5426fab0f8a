/* SPDX-License-Identifier: MIT */
/*
 * fault-inject.h - make the library's allocations fail on purpose.
 *
 * A test program linked with -Wl,--wrap=malloc,--wrap=calloc,
 * --wrap=realloc,--wrap=free (tests/meson.build does it for tests/fault/)
 * routes every allocation of the statically linked library and of the test
 * itself through this file. fi_fail_nth(n) makes the n-th allocation from
 * now on fail (0: the next one); fi_live() counts allocations not freed, so
 * a test can check that a call which failed on an allocation left nothing
 * behind, in any build (with or without a leak sanitizer).
 *
 * Locking: the counters are atomic; any thread may allocate.
 */
#ifndef DMABUF_TEST_FAULT_INJECT_H
#define DMABUF_TEST_FAULT_INJECT_H

#include <stdbool.h>

/** fi_fail_nth - the @n-th allocation from now fails; -1: none does */
void fi_fail_nth(long n);

/** fi_failed - true once the armed failure happened (and disarm) */
bool fi_failed(void);

/** fi_live - allocations made through the wrappers and not freed */
long fi_live(void);

#endif /* DMABUF_TEST_FAULT_INJECT_H */
