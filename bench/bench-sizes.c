// SPDX-License-Identifier: MIT
/* bench-sizes.c - the size in bytes of each public object. */
#include <stdio.h>

#include <dmabuf/completion.h>
#include <dmabuf/dma-fence.h>
#include <dmabuf/dma-resv.h>
#include <dmabuf/kref.h>
#include <dmabuf/list.h>
#include <dmabuf/ww_mutex.h>

#define SHOW(type) printf("sizes: %-24s %4zu bytes\n", #type, sizeof(type))

int main(void)
{
	SHOW(struct dmb_list_head);
	SHOW(struct dmb_kref);
	SHOW(struct dmb_completion);
	SHOW(struct dma_fence);
	SHOW(struct dma_fence_cb);
	SHOW(struct ww_mutex);
	SHOW(struct ww_acquire_ctx);
	SHOW(struct dma_resv);
	SHOW(struct dma_resv_iter);
	return 0;
}
