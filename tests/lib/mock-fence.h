/* SPDX-License-Identifier: MIT */
/*
 * mock-fence.h - software fences for tests: signalled by hand, counted, so a
 * test can assert that every fence it made was released.
 */
#ifndef DMABUF_TEST_MOCK_FENCE_H
#define DMABUF_TEST_MOCK_FENCE_H

#include <dmabuf/dma-fence.h>

/** mock_fence - a new unsignaled fence on a timeline of its own */
struct dma_fence *mock_fence(void);

/** mock_fence_on - a new unsignaled fence at @seqno on timeline @context */
struct dma_fence *mock_fence_on(uint64_t context, uint64_t seqno);

/** mock_fence_live - mock fences created and not yet released */
long mock_fence_live(void);

/*
 * mock_fence_setup / mock_fence_teardown - th_setup()/th_teardown() for a
 * case whose only fixture is the harness's, which also fail the case if a
 * mock fence it made was not released. MOCK_FENCE_TEST(fn) registers one.
 */
int mock_fence_setup(void **state);
int mock_fence_teardown(void **state);
#define MOCK_FENCE_TEST(fn) \
	cmocka_unit_test_setup_teardown(fn, mock_fence_setup, mock_fence_teardown)

#endif /* DMABUF_TEST_MOCK_FENCE_H */
