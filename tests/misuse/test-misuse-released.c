// SPDX-License-Identifier: MIT
/*
 * test-misuse-released.c - the misuse suite's use-after-release program
 * (issue #10): every public function of dma-buf.h and dma-buf-revoke.h,
 * and the fence functions of dma-fence.h, called with an object that was
 * released - a buffer after its last dma_buf_put(), an attachment after
 * dma_buf_detach(), a revoke helper after dmb_revocable_destroy(), a fence
 * the library frees after its last dma_fence_put() - in debug mode with
 * the release quarantine on (the defaults): each call is reported and
 * refused, each case in a forked child (misuse.h). The cases live in
 * cases-released-*.c.
 */
#include "misuse.h"

int main(int argc, char **argv)
{
	return misuse_main(argc, argv, __FILE__);
}
