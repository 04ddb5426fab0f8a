// SPDX-License-Identifier: MIT
/*
 * test-vram.c - the movable-VRAM exporter against R15 (and R3, R6 where a
 * move meets them): moves invalidate first and wait for fences, new
 * mappings point at the new backing, the bytes survive every move (also
 * under a DMA load running while buffers move), old backings live until
 * their last unmap, the pin rule (VRAM only if every attachment can reach
 * it), pinned buffers do not move, importers that cannot reach VRAM are
 * served from system memory, a shared range shrunk by another process
 * (clean errors until a move takes it back), and misuse.
 *
 * Each case gets a GPU "gpu0" (peer-to-peer, one engine) with 1 MiB of
 * VRAM, system RAM from the fixture, a manager whose observer counts moves,
 * and importer devices "peer0" (peer-to-peer, one engine) and "dev0" (no
 * peer-to-peer).
 */
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dmabuf/hw/dma-engine.h>
#include <dmabuf/drivers/heap.h>
#include <dmabuf/drivers/vram.h>

#include "timp.h"
#include "mock-fence.h"

#define VRAM_SIZE	(1ULL << 20)
#define BUF_SIZE	(16 * DMB_PAGE_SIZE)

struct vx {
	struct hw_fixture *f;
	struct dmb_hw_device *gpu;
	struct dmb_hw_device *peer;	/* p2p, one engine */
	struct dmb_hw_device *dev;	/* no p2p */
	struct dmb_mem_region *vram;
	struct dmb_vram *vm;
	struct dmb_exporter_observer obs;
	atomic_uint moved;		/* observer calls */
	atomic_int last_where;		/* 'v' or 's' */
	atomic_uint moved_bad;		/* calls with a foreign buffer or NULL stats */
	struct dma_buf *expect_buf;	/* set before the observer can run */
};

static void obs_moved(void *data, struct dma_buf *buf, const char *where,
		      const struct dmb_revoke_stats *stats)
{
	struct vx *x = data;

	if (buf != x->expect_buf || !stats || stats->total_ns < 0 ||
	    stats->unmap_wait_ns || (strcmp(where, "vram") && strcmp(where, "system")))
		atomic_fetch_add(&x->moved_bad, 1);
	atomic_store(&x->last_where, where[0]);
	atomic_fetch_add(&x->moved, 1);
}

static int vx_setup(void **state)
{
	struct vx *x = calloc(1, sizeof(*x));
	struct dmb_mem_region_info info = { .name = "vram", .size = VRAM_SIZE };

	if (!x || exp_setup(state))
		return -1;
	x->f = *state;
	x->gpu = hw_device(x->f, "gpu0", true, 1);
	x->peer = hw_device(x->f, "peer0", true, 1);
	x->dev = hw_device(x->f, "dev0", false, 0);
	info.owner = x->gpu;
	x->vram = dmb_mem_region_create(x->f->space, &info);
	x->obs = (struct dmb_exporter_observer){ .moved = obs_moved, .data = x };
	x->vm = x->vram ? dmb_vram_create(x->gpu, x->vram, x->f->ram, &x->obs) : NULL;
	if (!x->vm)
		return -1;
	*state = x;
	return 0;
}

static int vx_teardown(void **state)
{
	struct vx *x = *state;
	int ret = th_teardown_threads();

	if (dmb_mem_region_free_bytes(x->vram) != VRAM_SIZE) {
		print_error("%llu bytes of VRAM not freed\n", (unsigned long long)
			    (VRAM_SIZE - dmb_mem_region_free_bytes(x->vram)));
		ret = -1;
	}
	if (atomic_load(&x->moved_bad)) {
		print_error("%u bad observer call(s)\n", atomic_load(&x->moved_bad));
		ret = -1;
	}
	if (dmb_vram_destroy(x->vm) || dmb_mem_region_destroy(x->vram))
		ret = -1;
	*state = x->f;
	free(x);
	return hw_teardown(state) || ret ? -1 : 0;
}

#define VX_TEST(fn) cmocka_unit_test_setup_teardown(fn, vx_setup, vx_teardown)

static struct dma_buf *vx_export(struct vx *x, uint64_t size)
{
	struct dma_buf *buf = dmb_vram_export(x->vm, size, "bo");

	assert_non_null(buf);
	x->expect_buf = buf;
	return buf;
}

static bool in_region(struct dmb_mem_region *r, uint64_t phys)
{
	return phys >= dmb_mem_region_base(r) &&
	       phys < dmb_mem_region_base(r) + dmb_mem_region_size(r);
}

/* Byte i of a pattern with @seed. */
static uint8_t pat(unsigned int seed, uint64_t i)
{
	return (uint8_t)(seed + i * 13);
}

static void cpu_fill(struct dma_buf *buf, unsigned int seed)
{
	static uint8_t data[BUF_SIZE];

	for (uint64_t i = 0; i < BUF_SIZE; i++)
		data[i] = pat(seed, i);
	assert_int_equal(dmb_vram_cpu_access(buf, 0, data, BUF_SIZE, true), 0);
}

static bool cpu_holds(struct dma_buf *buf, unsigned int seed)
{
	static uint8_t data[BUF_SIZE];

	assert_int_equal(dmb_vram_cpu_access(buf, 0, data, BUF_SIZE, false), 0);
	for (uint64_t i = 0; i < BUF_SIZE; i++)
		if (data[i] != pat(seed, i))
			return false;
	return true;
}

/* Export: zeroed, in VRAM while it has room, in system memory once it is full. */
static void export_in_vram_then_spills(void **state)
{
	struct vx *x = *state;
	struct dma_buf *a, *b;
	uint8_t byte = 1;

	memset(dmb_mem_region_vaddr(x->vram), 0xee, BUF_SIZE);
	a = vx_export(x, VRAM_SIZE - BUF_SIZE);
	b = vx_export(x, BUF_SIZE + 1);
	assert_int_equal(dmb_vram_placement(a), DMB_VRAM_IN_VRAM);
	assert_int_equal(dmb_vram_placement(b), DMB_VRAM_IN_SYSTEM);
	assert_int_equal(dma_buf_size(b), BUF_SIZE + 1);
	assert_string_equal(dma_buf_exporter_name(a), "vram");
	for (uint64_t off = 0; off < BUF_SIZE; off += 509) {
		assert_int_equal(dmb_vram_cpu_access(a, off, &byte, 1, false), 0);
		assert_int_equal(byte, 0);
	}
	assert_int_equal(dmb_vram_moves(a), 0);
	dma_buf_put(b);
	dma_buf_put(a);
}

/*
 * R15: a move calls invalidate_mappings first; the importer's next mapping
 * points at the new backing, in the other region; the observer hears it.
 */
static void evict_invalidates_and_moves(void **state)
{
	struct vx *x = *state;
	struct dma_buf *buf = vx_export(x, BUF_SIZE);
	struct timp imp;
	uint64_t before;

	timp_init(&imp, "gpu-imp", x->peer, TIMP_REVOCABLE, true, true);
	assert_non_null(timp_attach(&imp, buf));
	assert_int_equal(timp_map(&imp), 0);
	before = timp_phys(&imp);
	assert_true(in_region(x->vram, before));

	assert_int_equal(dmb_vram_evict(buf), 0);
	assert_int_equal(atomic_load(&imp.invalidations), 1);
	assert_false(timp_mapped(&imp));
	assert_int_equal(dmb_vram_placement(buf), DMB_VRAM_IN_SYSTEM);
	assert_int_equal(dmb_vram_moves(buf), 1);
	assert_int_equal(atomic_load(&x->moved), 1);
	assert_int_equal(atomic_load(&x->last_where), 's');

	assert_int_equal(timp_map(&imp), 0);
	assert_true(in_region(x->f->ram, timp_phys(&imp)));
	assert_int_not_equal(timp_phys(&imp), before);

	/* Already there: nothing moves, nobody is told. */
	assert_int_equal(dmb_vram_evict(buf), 0);
	assert_int_equal(dmb_vram_moves(buf), 1);
	assert_int_equal(atomic_load(&imp.invalidations), 1);

	assert_int_equal(dmb_vram_migrate(buf), 0);
	assert_int_equal(atomic_load(&imp.invalidations), 2);
	assert_int_equal(dmb_vram_placement(buf), DMB_VRAM_IN_VRAM);
	assert_int_equal(atomic_load(&x->last_where), 'v');
	assert_int_equal(timp_map(&imp), 0);
	assert_true(in_region(x->vram, timp_phys(&imp)));
	timp_detach(&imp);
	dma_buf_put(buf);
}

/* R15: a migration into a full VRAM fails with -ENOSPC before it disturbs anyone. */
static void migrate_into_full_vram(void **state)
{
	struct vx *x = *state;
	struct dma_buf *buf = vx_export(x, BUF_SIZE), *hog;
	struct timp imp;

	timp_init(&imp, "gpu-imp", x->peer, TIMP_REVOCABLE, true, true);
	assert_non_null(timp_attach(&imp, buf));
	assert_int_equal(dmb_vram_evict(buf), 0);
	hog = dmb_vram_export(x->vm, VRAM_SIZE, "hog");
	assert_non_null(hog);
	assert_int_equal(dmb_vram_placement(hog), DMB_VRAM_IN_VRAM);
	assert_int_equal(timp_map(&imp), 0);

	assert_int_equal(dmb_vram_migrate(buf), -ENOSPC);
	assert_int_equal(dmb_vram_placement(buf), DMB_VRAM_IN_SYSTEM);
	assert_int_equal(atomic_load(&imp.invalidations), 1);
	assert_true(timp_mapped(&imp));
	assert_int_equal(atomic_load(&x->moved), 1);

	dma_buf_put(hog);
	assert_int_equal(dmb_vram_migrate(buf), 0);
	timp_detach(&imp);
	dma_buf_put(buf);
}

/* R15: the bytes survive eviction and migration, seen by the CPU and by DMA through a new mapping. */
static void data_survives_moves(void **state)
{
	struct vx *x = *state;
	struct dma_buf *buf = vx_export(x, BUF_SIZE);
	uint8_t out[64];
	struct timp imp;

	timp_init(&imp, "gpu-imp", x->peer, TIMP_REVOCABLE, true, true);
	assert_non_null(timp_attach(&imp, buf));
	cpu_fill(buf, 7);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(i % 2 ? dmb_vram_migrate(buf) : dmb_vram_evict(buf), 0);
		assert_true(cpu_holds(buf, 7));
		assert_int_equal(timp_map(&imp), 0);
		assert_int_equal(timp_dma_read(&imp, timp_addr(&imp), BUF_SIZE - 64,
					       out, 64, NULL), 0);
		for (int j = 0; j < 64; j++)
			assert_int_equal(out[j], pat(7, BUF_SIZE - 64 + j));
	}
	assert_int_equal(dmb_vram_moves(buf), 4);
	timp_detach(&imp);
	dma_buf_put(buf);
}

/*
 * R6, R15: after a move, an importer that has not unmapped yet still
 * reaches the old pages (read-and-discard of the old copy, never somebody
 * else's memory); they are freed on its unmap. A dynamic importer without
 * invalidate_mappings is not told and keeps the old pages until it unmaps.
 */
static void old_backing_freed_on_last_unmap(void **state)
{
	struct vx *x = *state;
	struct dma_buf *buf = vx_export(x, BUF_SIZE);
	struct dmb_check_map *token;
	struct timp late, quiet;
	uint8_t out[16];

	timp_init(&late, "late", x->peer, TIMP_REVOCABLE, true, false);
	timp_init(&quiet, "quiet", x->peer, TIMP_DYNAMIC, true, false);
	assert_non_null(timp_attach(&late, buf));
	assert_non_null(timp_attach(&quiet, buf));
	cpu_fill(buf, 3);
	assert_int_equal(timp_map(&late), 0);
	assert_int_equal(timp_map(&quiet), 0);
	token = timp_token(&late);
	assert_int_equal(dmb_mem_region_free_bytes(x->vram), VRAM_SIZE - BUF_SIZE);

	assert_int_equal(dmb_vram_evict(buf), 0);
	assert_int_equal(atomic_load(&late.invalidations), 1);
	assert_int_equal(atomic_load(&quiet.invalidations), 0);
	assert_int_equal(dmb_check_map_state(token), DMB_MAP_INVALIDATED);
	/* Both still map the old pages, which nobody can be given. */
	assert_int_equal(dmb_mem_region_free_bytes(x->vram), VRAM_SIZE - BUF_SIZE);
	assert_int_equal(timp_dma_read(&late, timp_addr(&late), 0, out, sizeof(out), token), 0);
	assert_int_equal(timp_dma_read(&quiet, timp_addr(&quiet), 0, out, sizeof(out), NULL), 0);
	for (unsigned int j = 0; j < sizeof(out); j++)
		assert_int_equal(out[j], pat(3, j));
	assert_int_equal(dmb_check_total(), 0);

	timp_unmap(&late);
	assert_int_equal(dmb_mem_region_free_bytes(x->vram), VRAM_SIZE - BUF_SIZE);
	timp_unmap(&quiet);
	assert_int_equal(dmb_mem_region_free_bytes(x->vram), VRAM_SIZE);
	dmb_check_map_put(token);
	timp_detach(&quiet);
	timp_detach(&late);
	dma_buf_put(buf);
}

/* R15: with every attachment able to reach VRAM (a p2p peer, the GPU itself) a pin keeps the buffer there, and it does not move. */
static void pin_all_p2p_stays_in_vram(void **state)
{
	struct vx *x = *state;
	struct dma_buf *buf = vx_export(x, BUF_SIZE);
	struct timp peer, self;

	timp_init(&peer, "rdma-p2p", x->peer, TIMP_REVOCABLE, true, true);
	timp_init(&self, "self", x->gpu, TIMP_STATIC, false, false);
	assert_non_null(timp_attach(&peer, buf));
	assert_non_null(timp_attach(&self, buf));
	assert_int_equal(timp_pin(&peer), 0);
	assert_int_equal(dmb_vram_placement(buf), DMB_VRAM_IN_VRAM);
	assert_int_equal(timp_map(&self), 0);		/* R3: pins too */
	assert_true(in_region(x->vram, timp_phys(&self)));
	assert_int_equal(atomic_load(&peer.invalidations), 0);

	assert_int_equal(dmb_vram_evict(buf), -EBUSY);
	assert_int_equal(dmb_vram_migrate(buf), 0);	/* already there */
	timp_unpin(&peer);
	assert_int_equal(dmb_vram_evict(buf), -EBUSY);	/* the static map's pin */
	timp_unmap(&self);
	assert_int_equal(dmb_vram_evict(buf), 0);
	assert_int_equal(dmb_vram_moves(buf), 1);
	timp_detach(&self);
	timp_detach(&peer);
	dma_buf_put(buf);
}

/* R15: with one attachment that cannot reach VRAM, a pin first migrates the buffer to system memory (invalidating first). */
static void pin_with_non_p2p_attachment_migrates(void **state)
{
	struct vx *x = *state;
	struct dma_buf *buf = vx_export(x, BUF_SIZE);
	struct timp peer, far;

	timp_init(&peer, "rdma-p2p", x->peer, TIMP_REVOCABLE, true, true);
	timp_init(&far, "nic-no-p2p", x->dev, TIMP_REVOCABLE, false, true);
	assert_non_null(timp_attach(&peer, buf));
	assert_non_null(timp_attach(&far, buf));
	cpu_fill(buf, 9);
	assert_int_equal(timp_map(&peer), 0);
	assert_int_equal(dmb_vram_placement(buf), DMB_VRAM_IN_VRAM);

	assert_int_equal(timp_pin(&peer), 0);
	assert_int_equal(dmb_vram_placement(buf), DMB_VRAM_IN_SYSTEM);
	assert_int_equal(atomic_load(&peer.invalidations), 1);
	assert_int_equal(atomic_load(&x->moved), 1);
	assert_true(cpu_holds(buf, 9));
	assert_int_equal(dmb_vram_migrate(buf), -EBUSY);
	assert_int_equal(timp_map(&far), 0);
	assert_true(in_region(x->f->ram, timp_phys(&far)));

	timp_unpin(&peer);
	timp_detach(&far);
	/* The far importer is gone: pinning in VRAM is fine again. */
	assert_int_equal(dmb_vram_migrate(buf), 0);
	assert_int_equal(timp_pin(&peer), 0);
	assert_int_equal(dmb_vram_placement(buf), DMB_VRAM_IN_VRAM);
	timp_unpin(&peer);
	timp_detach(&peer);
	dma_buf_put(buf);
}

/* R3, R15: a static importer is pinned on map; being unable to reach VRAM, the pin moves the buffer to system memory first. */
static void static_map_pins_in_system(void **state)
{
	struct vx *x = *state;
	struct dma_buf *buf = vx_export(x, BUF_SIZE);
	struct timp st;

	timp_init(&st, "static", x->dev, TIMP_STATIC, false, false);
	assert_non_null(timp_attach(&st, buf));
	assert_int_equal(dmb_vram_placement(buf), DMB_VRAM_IN_VRAM);
	assert_int_equal(timp_map(&st), 0);
	assert_int_equal(dmb_vram_placement(buf), DMB_VRAM_IN_SYSTEM);
	assert_true(in_region(x->f->ram, timp_phys(&st)));
	assert_int_equal(dmb_vram_migrate(buf), -EBUSY);
	timp_unmap(&st);
	assert_int_equal(dmb_vram_migrate(buf), 0);
	timp_detach(&st);
	dma_buf_put(buf);
}

/*
 * R15: a dynamic importer that cannot reach VRAM — its device lacks
 * peer-to-peer, or it does not allow it — is served from system memory:
 * its map moves the buffer first, telling the others.
 */
static void non_p2p_map_moves_to_system(void **state)
{
	struct vx *x = *state;
	struct dma_buf *buf = vx_export(x, BUF_SIZE);
	struct timp peer, far, shy;

	timp_init(&peer, "gpu-imp", x->peer, TIMP_REVOCABLE, true, true);
	timp_init(&far, "claims-p2p", x->dev, TIMP_REVOCABLE, true, true);
	timp_init(&shy, "no-p2p", x->peer, TIMP_REVOCABLE, false, true);
	assert_non_null(timp_attach(&peer, buf));
	assert_non_null(timp_attach(&far, buf));
	assert_non_null(timp_attach(&shy, buf));
	cpu_fill(buf, 5);
	assert_int_equal(timp_map(&peer), 0);

	assert_int_equal(timp_map(&far), 0);
	assert_int_equal(dmb_vram_placement(buf), DMB_VRAM_IN_SYSTEM);
	assert_true(in_region(x->f->ram, timp_phys(&far)));
	assert_int_equal(atomic_load(&peer.invalidations), 1);
	assert_false(timp_mapped(&peer));
	assert_true(cpu_holds(buf, 5));

	assert_int_equal(dmb_vram_migrate(buf), 0);
	assert_false(timp_mapped(&far));
	assert_int_equal(timp_map(&shy), 0);
	assert_int_equal(dmb_vram_placement(buf), DMB_VRAM_IN_SYSTEM);
	assert_int_equal(dmb_vram_moves(buf), 3);
	assert_int_equal(atomic_load(&x->moved), 3);
	timp_detach(&shy);
	timp_detach(&far);
	timp_detach(&peer);
	dma_buf_put(buf);
}

/*
 * R15: pinned in VRAM, the buffer cannot serve an importer that cannot
 * reach it: its map fails with -EREMOTEIO, its pin with -EBUSY.
 */
static void pinned_in_vram_refuses_far_importer(void **state)
{
	struct vx *x = *state;
	struct dma_buf *buf = vx_export(x, BUF_SIZE);
	struct timp peer, far;

	timp_init(&peer, "rdma-p2p", x->peer, TIMP_REVOCABLE, true, true);
	timp_init(&far, "nic-no-p2p", x->dev, TIMP_REVOCABLE, false, true);
	assert_non_null(timp_attach(&peer, buf));
	assert_int_equal(timp_pin(&peer), 0);
	assert_non_null(timp_attach(&far, buf));
	assert_int_equal(timp_map(&far), -EREMOTEIO);
	assert_int_equal(timp_pin(&far), -EBUSY);
	assert_int_equal(timp_pin(&peer), -EBUSY);
	assert_int_equal(dmb_vram_placement(buf), DMB_VRAM_IN_VRAM);
	assert_int_equal(dmb_vram_moves(buf), 0);
	timp_unpin(&peer);
	assert_int_equal(timp_map(&far), 0);
	assert_int_equal(dmb_vram_placement(buf), DMB_VRAM_IN_SYSTEM);
	timp_detach(&far);
	timp_detach(&peer);
	dma_buf_put(buf);
}

struct mover {
	struct dma_buf *buf;
	int rounds;
	int ret;
	atomic_bool done;
};

static void *mover_thread(void *arg)
{
	struct mover *m = arg;

	for (int i = 0; i < m->rounds && !m->ret; i++) {
		m->ret = dmb_vram_evict(m->buf);
		if (!m->ret)
			m->ret = dmb_vram_migrate(m->buf);
	}
	atomic_store(&m->done, true);
	return NULL;
}

/* R15, R8 (step 4 for moves): a move waits for every fence in the resv before it copies. */
static void move_waits_for_fences(void **state)
{
	struct vx *x = *state;
	struct dma_buf *buf = vx_export(x, BUF_SIZE);
	struct dma_fence *fence = mock_fence();
	struct mover *m = TH_NEW(struct mover, { .buf = buf, .rounds = 1 });
	struct th_thread *t;

	th_add_fence(buf, fence, DMA_RESV_USAGE_BOOKKEEP);
	t = th_thread_start(mover_thread, m);
	th_sleep_ns(20 * NSEC_PER_MSEC);
	assert_false(atomic_load(&m->done));
	assert_int_equal(dmb_vram_moves(buf), 0);
	assert_int_equal(dma_fence_signal(fence), 0);
	th_thread_join(t);
	assert_int_equal(m->ret, 0);
	assert_int_equal(dmb_vram_moves(buf), 2);
	dma_fence_put(fence);
	dma_buf_put(buf);
}

/*
 * A GPU-like importer fills the buffer again and again with its DMA engine
 * (its fence in the resv) and checks each fill with the CPU, while another
 * thread evicts and migrates the buffer. On invalidate it only marks its
 * mapping stale; before its next job it unmaps (its last job has retired)
 * and maps again.
 */
struct loader {
	struct vx *x;
	struct timp *imp;
	struct dma_buf *buf;
	int rounds;
	int failed_round;		/* 0: all good */
	int why;
	unsigned int remaps;
};

static uint8_t loader_data[BUF_SIZE];

/* One round: (re)map if stale, submit a fill under the resv lock. Return: its fence or NULL. */
static struct dma_fence *loader_submit(struct loader *l, uint8_t fill)
{
	struct dma_resv *resv = dma_buf_resv(l->buf);
	struct timp *imp = l->imp;
	struct dmb_check_map *token = NULL;
	struct dma_fence *fence = NULL;

	dma_resv_lock(resv, NULL);
	if (!imp->sgt || atomic_load(&imp->stale)) {
		if (imp->sgt)
			dma_buf_unmap_attachment(imp->attach, imp->sgt, DMA_BIDIRECTIONAL);
		atomic_store(&imp->stale, false);
		imp->sgt = dma_buf_map_attachment(imp->attach, DMA_BIDIRECTIONAL);
		l->remaps++;
		if (!imp->sgt)
			goto out_unlock;
	}
	token = dma_buf_mapping_token(imp->attach, imp->sgt);
	if (!token || dma_resv_reserve_fences(resv, 1))
		goto out_unlock;
	fence = dmb_dma_submit(dmb_hw_device_engine(imp->hw, 0), &(struct dmb_dma_job){
		.op = DMB_DMA_FILL,
		.dst = { .addr = sg_dma_address(imp->sgt->sgl), .map = token },
		.len = BUF_SIZE, .fill = fill });
	if (fence)
		dma_resv_add_fence(resv, fence, DMA_RESV_USAGE_WRITE);
out_unlock:
	dma_resv_unlock(resv);
	dmb_check_map_put(token);
	return fence;
}

static void *loader_thread(void *arg)
{
	struct loader *l = arg;

	for (int k = 1; k <= l->rounds && !l->failed_round; k++) {
		uint8_t fill = (uint8_t)k;
		struct dma_fence *fence = loader_submit(l, fill);

		if (!fence) {
			l->failed_round = k;
			l->why = 1;
			break;
		}
		dmb_clock_advance(l->x->f->clock, 10 * NSEC_PER_USEC);
		dma_fence_wait(fence);
		if (dma_fence_get_status(fence) != 1) {
			l->failed_round = k;
			l->why = 2;
		}
		dma_fence_put(fence);
		if (dmb_vram_cpu_access(l->buf, 0, loader_data, BUF_SIZE, false)) {
			l->failed_round = k;
			l->why = 3;
		}
		for (uint64_t i = 0; i < BUF_SIZE && !l->failed_round; i++) {
			if (loader_data[i] != fill) {
				l->failed_round = k;
				l->why = 4;
			}
		}
	}
	return NULL;
}

/* R15, R6: data stays intact while the buffer moves under a DMA load; nobody faults or violates the protocol. */
static void data_intact_under_load(void **state)
{
	struct vx *x = *state;
	struct dma_buf *buf = vx_export(x, BUF_SIZE);
	struct mover *m = TH_NEW(struct mover, { .buf = buf, .rounds = 100 });
	struct timp *imp = th_alloc(sizeof(*imp));
	struct loader *l = TH_NEW(struct loader, {
		.x = x, .imp = imp, .buf = buf, .rounds = 400,
	});
	struct th_thread *tl, *tm;

	timp_init(imp, "gpu-imp", x->peer, TIMP_REVOCABLE, true, false);
	assert_non_null(timp_attach(imp, buf));
	tl = th_thread_start(loader_thread, l);
	tm = th_thread_start(mover_thread, m);
	th_thread_join(tm);
	th_thread_join(tl);

	if (l->failed_round)
		print_error("round %d failed (%d)\n", l->failed_round, l->why);
	assert_int_equal(l->failed_round, 0);
	assert_int_equal(m->ret, 0);
	assert_int_equal(dmb_vram_moves(buf), 200);
	assert_int_equal(atomic_load(&x->moved), 200);
	assert_true(l->remaps >= 1);
	assert_int_equal(dmb_check_total(), 0);
	assert_int_equal(dmb_iommu_fault_count(dmb_hw_device_domain(x->peer)), 0);
	timp_detach(imp);
	dma_buf_put(buf);
}

/* Destroying the manager with a buffer still alive is refused with -EBUSY. */
static void destroy_with_live_buffer_refused(void **state)
{
	struct vx *x = *state;
	struct dma_buf *buf = vx_export(x, BUF_SIZE);

	assert_int_equal(dmb_vram_destroy(x->vm), -EBUSY);
	th_assert_warned("1 buffer(s) not released");
	dma_buf_put(buf);
}

/* CPU access refuses ranges outside the buffer with -EINVAL and reaches the bytes wherever they live. */
static void cpu_access_bounds(void **state)
{
	struct vx *x = *state;
	struct dma_buf *buf = vx_export(x, BUF_SIZE - 10);
	uint8_t in[4] = { 1, 2, 3, 4 }, out[4];

	assert_int_equal(dmb_vram_cpu_access(buf, BUF_SIZE - 10, out, 1, false), -EINVAL);
	assert_int_equal(dmb_vram_cpu_access(buf, BUF_SIZE - 12, out, 3, false), -EINVAL);
	assert_int_equal(dmb_vram_cpu_access(buf, 0, out, 0, false), -EINVAL);
	assert_int_equal(dmb_vram_cpu_access(buf, BUF_SIZE - 14, in, 4, true), 0);
	assert_int_equal(dmb_vram_evict(buf), 0);
	assert_int_equal(dmb_vram_cpu_access(buf, BUF_SIZE - 14, out, 4, false), 0);
	assert_memory_equal(in, out, 4);
	dma_buf_put(buf);
}

/* The buffer's current range, shared as another process would get it (the mmap op). */
static int vx_share(struct dma_buf *buf)
{
	struct dma_resv *resv = dma_buf_resv(buf);
	int fd;

	assert_int_equal(dma_resv_lock(resv, NULL), 0);
	fd = dmb_dma_buf_mmap_fd(buf);
	dma_resv_unlock(resv);
	return fd;
}

/*
 * Another process given a writable descriptor truncates the shared VRAM
 * range (here: this case, holding the descriptor). CPU access fails with
 * -EIO (one notice), an importer's map and a new share too; a local
 * importer that cannot reach VRAM moves the buffer, which takes the range
 * back: its bytes are zeros, whole memory again, and a new share is a
 * whole generation. Neither the access nor the move touches the shrunk
 * pages: with another SIGBUS handler in front of the guard's (as a program
 * may install), nothing faults.
 */
static void shrunk_share_taken_back_by_move(void **state)
{
	struct vx *x = *state;
	struct dma_buf *buf = vx_export(x, BUF_SIZE);
	static uint8_t data[BUF_SIZE];
	struct timp peer, far;
	uint8_t *view;
	struct stat st;
	int fd, fd2;

	timp_init(&peer, "gpu-imp", x->peer, TIMP_REVOCABLE, true, true);
	timp_init(&far, "claims-p2p", x->dev, TIMP_REVOCABLE, true, true);
	assert_non_null(timp_attach(&peer, buf));
	assert_non_null(timp_attach(&far, buf));
	cpu_fill(buf, 4);
	fd = vx_share(buf);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 0), 0);

	th_sigbus_catch_begin();
	assert_int_equal(dmb_vram_cpu_access(buf, 0, data, BUF_SIZE, false), -EIO);
	assert_true(th_take_report(DMB_DIAG_NOTICE, "was shrunk under the exporter"));
	assert_int_equal(dmb_vram_cpu_access(buf, 0, data, BUF_SIZE, true), -EIO);
	assert_int_equal(timp_map(&peer), -EIO);
	assert_int_equal(vx_share(buf), -EIO);
	assert_int_equal(dmb_vram_placement(buf), DMB_VRAM_IN_VRAM);
	/* The move takes the range back first: the copy reads no shrunk page. */
	assert_int_equal(timp_map(&far), 0);
	assert_int_equal(th_sigbus_catch_end(), 0);
	assert_int_equal(th_count_reports(DMB_DIAG_NOTICE), 0);
	assert_int_equal(dmb_vram_placement(buf), DMB_VRAM_IN_SYSTEM);
	assert_int_equal(dmb_vram_cpu_access(buf, 0, data, BUF_SIZE, false), 0);
	for (uint64_t i = 0; i < BUF_SIZE; i++)
		assert_int_equal(data[i], 0);

	cpu_fill(buf, 6);
	fd2 = vx_share(buf);
	assert_true(fd2 >= 0);
	assert_int_equal(fstat(fd2, &st), 0);
	assert_int_equal(st.st_size, BUF_SIZE);
	view = mmap(NULL, BUF_SIZE, PROT_READ, MAP_SHARED, fd2, 0);
	assert_true(view != MAP_FAILED);
	for (uint64_t i = 0; i < BUF_SIZE; i++)
		assert_int_equal(view[i], pat(6, i));
	assert_int_equal(timp_map(&peer), 0);
	munmap(view, BUF_SIZE);
	close(fd2);
	close(fd);
	timp_detach(&far);
	timp_detach(&peer);
	dma_buf_put(buf);
}

/* Misuse: NULL arguments, regions of the wrong kind and foreign buffers WARN and fail. */
static void misuse_warns(void **state)
{
	struct vx *x = *state;
	struct dma_buf *heap;
	uint8_t byte;

	assert_null(dmb_vram_create(NULL, x->vram, x->f->ram, NULL));
	assert_int_equal(errno, EINVAL);
	th_assert_warned("dmb_vram_create(");
	assert_null(dmb_vram_create(x->peer, x->vram, x->f->ram, NULL));
	th_assert_warned("is not peer0's local memory");
	assert_null(dmb_vram_create(x->gpu, x->vram, x->vram, NULL));
	th_assert_warned("is not system memory");
	assert_int_equal(dmb_vram_destroy(NULL), -EINVAL);
	th_assert_warned("destroy(NULL)");
	assert_null(dmb_vram_export(NULL, BUF_SIZE, NULL));
	th_assert_warned("without a manager");
	assert_null(dmb_vram_export(x->vm, 0, NULL));
	assert_int_equal(errno, EINVAL);
	assert_null(dmb_vram_export(x->vm, VRAM_SIZE + HW_RAM_SIZE, NULL));
	assert_int_equal(errno, ENOMEM);
	assert_int_equal(dmb_vram_evict(NULL), -EINVAL);
	th_assert_warned("dmb_vram_evict(NULL)");

	heap = dmb_heap_export(x->f->ram, DMB_PAGE_SIZE, "heap");
	assert_non_null(heap);
	assert_int_equal(dmb_vram_migrate(heap), -EINVAL);
	th_assert_warned("is not a vram buffer");
	assert_int_equal(dmb_vram_moves(heap), 0);
	th_assert_warned("is not a vram buffer");
	assert_int_equal(dmb_vram_placement(heap), DMB_VRAM_IN_SYSTEM);
	th_assert_warned("is not a vram buffer");
	assert_int_equal(dmb_vram_cpu_access(heap, 0, &byte, 1, false), -EINVAL);
	th_assert_warned("is not a vram buffer");
	dma_buf_put(heap);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		VX_TEST(export_in_vram_then_spills),
		VX_TEST(evict_invalidates_and_moves),
		VX_TEST(migrate_into_full_vram),
		VX_TEST(data_survives_moves),
		VX_TEST(old_backing_freed_on_last_unmap),
		VX_TEST(pin_all_p2p_stays_in_vram),
		VX_TEST(pin_with_non_p2p_attachment_migrates),
		VX_TEST(static_map_pins_in_system),
		VX_TEST(non_p2p_map_moves_to_system),
		VX_TEST(pinned_in_vram_refuses_far_importer),
		VX_TEST(move_waits_for_fences),
		VX_TEST(data_intact_under_load),
		VX_TEST(destroy_with_live_buffer_refused),
		VX_TEST(cpu_access_bounds),
		VX_TEST(shrunk_share_taken_back_by_move),
		VX_TEST(misuse_warns),
	};

	return th_run(argc, argv, tests, TH_COUNT(tests));
}
