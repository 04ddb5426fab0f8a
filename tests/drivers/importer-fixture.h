/* SPDX-License-Identifier: MIT */
/*
 * importer-fixture.h - what the importer tests share: a virtual clock (also
 * the checker's), an address space with system RAM, the importing device
 * "imp0" (peer-to-peer, one DMA engine whose jobs take IMP_JOB_NS), a
 * second device "exp0" with local memory, and a small exporter of the
 * test's own over that memory.
 *
 * The test exporter is what a driver developer would write first: map
 * builds a table of the buffer's physical ranges and dma_map_sgtable()s it
 * for the importer's device; with TEXP_REVOCABLE it owns a revoke helper
 * (attach requires revocable and peer-to-peer importers, map and unmap
 * count); with TEXP_PIN it has pin/unpin; with TEXP_SPLIT its memory is two
 * ranges a page apart, so a table has two entries that are not contiguous
 * under an identity domain. Every op it runs appends its name to a log
 * ("attach,pin,map,...") so a test can assert the order of calls, and the
 * map/unmap/pin counters are atomics a test reads at any time.
 *
 * Every case gets fresh objects and the harness's recording sink; teardown
 * destroys them in reverse order and fails the case if one cannot be
 * destroyed (a region still mapped by an IOMMU, say: an importer leaked a
 * mapping).
 */
#ifndef DMABUF_TEST_IMPORTER_FIXTURE_H
#define DMABUF_TEST_IMPORTER_FIXTURE_H

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dmabuf/check.h>
#include <dmabuf/dma-buf-revoke.h>
#include <dmabuf/dma-buf.h>
#include <dmabuf/drivers/importer.h>
#include <dmabuf/hw/dma-mapping.h>
#include <dmabuf/hw/hw-device.h>
#include <dmabuf/hw/iommu.h>
#include <dmabuf/hw/mem-region.h>
#include <dmabuf/hw/phys-space.h>

#include "fixture.h"

#define FX_START_NS	NSEC_PER_SEC
#define FX_RAM_SIZE	(16ULL << 20)
#define FX_DEVMEM_SIZE	(4ULL << 20)
#define FX_BUF_SIZE	(16 * DMB_PAGE_SIZE)
#define IMP_JOB_NS	NSEC_PER_MSEC		/* virtual: one GPU job */
#define FX_HANG_NS	(10 * NSEC_PER_SEC)	/* a hang guard, never a timing check */

/* A revoke that waits long enough never to report on a slow machine. */
static const struct dmb_revoke_policy fx_patient = {
	.wait = DMB_REVOKE_WARN_THEN_WAIT,
	.unmap_bound_ns = FX_HANG_NS,
	.fence_bound_ns = FX_HANG_NS,
};

struct imp_fixture {
	struct dmb_clock *clock;
	struct dmb_phys_space *space;
	struct dmb_mem_region *ram;
	struct dmb_hw_device *dev;	/* imp0: the importer's device */
	struct dmb_hw_device *owner;	/* exp0: owns devmem */
	struct dmb_mem_region *devmem;
	void *priv;			/* the test file's own objects */
};

static inline int fx_setup(void **state)
{
	struct imp_fixture *f = calloc(1, sizeof(*f));
	struct dmb_mem_region_info ram = { .name = "ram", .size = FX_RAM_SIZE };
	struct dmb_mem_region_info devmem = { .name = "exp0-mem", .size = FX_DEVMEM_SIZE };
	struct dmb_hw_device_info dev = {
		.name = "imp0", .p2p = true, .nr_engines = 1,
		.timing = { .fixed_ns = IMP_JOB_NS },
	};
	struct dmb_hw_device_info owner = { .name = "exp0" };

	if (!f)
		return -1;
	f->clock = dmb_clock_create_virtual(FX_START_NS);
	f->space = f->clock ? dmb_phys_space_create(f->clock) : NULL;
	f->ram = f->space ? dmb_mem_region_create(f->space, &ram) : NULL;
	f->dev = f->ram ? dmb_hw_device_create(f->space, &dev) : NULL;
	f->owner = f->dev ? dmb_hw_device_create(f->space, &owner) : NULL;
	devmem.owner = f->owner;
	f->devmem = f->owner ? dmb_mem_region_create(f->space, &devmem) : NULL;
	if (!f->devmem)
		return -1;
	dmb_check_set_clock(f->clock);
	dmb_check_reset();
	*state = f;
	return th_setup(state);
}

static inline int fx_teardown(void **state)
{
	struct imp_fixture *f = *state;
	int ret = 0;

	th_teardown_threads();
	if (dmb_mem_region_destroy(f->devmem) || dmb_hw_device_destroy(f->owner) ||
	    dmb_hw_device_destroy(f->dev) || dmb_mem_region_destroy(f->ram) ||
	    dmb_phys_space_destroy(f->space))
		ret = -1;
	dmb_check_set_clock(NULL);
	dmb_clock_destroy(f->clock);
	free(f);
	return th_teardown(state) || ret ? -1 : 0;
}

#define FX_TEST(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

/* Time. */

/* Let simulated work due within @ns of virtual time complete. */
static inline void fx_advance(struct imp_fixture *f, int64_t ns)
{
	assert_int_equal(dmb_clock_advance(f->clock, ns), 0);
}

/* Advance the clock by exactly @ns, then wait for @fence, due by then. */
static inline int fx_advance_to(struct imp_fixture *f, int64_t ns,
				struct dma_fence *fence)
{
	fx_advance(f, ns);
	assert_true(dma_fence_wait_timeout(fence, FX_HANG_NS) > 0);
	return dma_fence_get_status(fence);
}

/*
 * Advance the clock until @fence signals; return its status. On a slow
 * machine the clock may overshoot the fence's time: where the exact time
 * matters, use fx_advance_to().
 */
static inline int fx_finish(struct imp_fixture *f, struct dma_fence *fence)
{
	for (int i = 0; i < 1000 && !dma_fence_is_signaled(fence); i++) {
		fx_advance(f, IMP_JOB_NS);
		dma_fence_wait_timeout(fence, NSEC_PER_MSEC);
	}
	assert_true(dma_fence_wait_timeout(fence, FX_HANG_NS) > 0);
	return dma_fence_get_status(fence);
}

/* Poll @cond (real time, bounded): for another thread to get somewhere. */
#define FX_WAIT_FOR(cond) do {						\
	int64_t __t = 0;						\
	while (!(cond) && __t < FX_HANG_NS) {				\
		th_sleep_ns(NSEC_PER_MSEC);				\
		__t += NSEC_PER_MSEC;					\
	}								\
	assert_true(cond);						\
} while (0)

/* Reports. */

/*
 * Claim the report of violation @kind about importer @importer: the
 * checker kept a record naming it, and the sink got the report.
 */
static inline void fx_claim_violation(enum dmb_violation kind, const char *importer)
{
	struct dmb_check_record recs[32];
	size_t n = dmb_check_records(recs, DMB_ARRAY_SIZE(recs));
	char needle[160];
	bool named = false;

	for (size_t i = 0; i < n; i++)
		named |= recs[i].kind == kind && !strcmp(recs[i].importer, importer);
	assert_true(named);
	snprintf(needle, sizeof(needle), "%s %s:", dmb_violation_name(kind),
		 dmb_violation_summary(kind));
	assert_true(th_take_report(DMB_DIAG_VIOLATION, needle));
}

/* Stats in one call. */
static inline struct dmb_importer_stats fx_stats(struct dmb_importer *imp)
{
	struct dmb_importer_stats s;

	dmb_importer_get_stats(imp, &s);
	return s;
}

/* Live mappings of @attach, read under the resv lock. */
static inline unsigned int fx_mapped(struct dma_buf_attachment *attach)
{
	struct dma_resv *resv = dma_buf_resv(dma_buf_attachment_dmabuf(attach));
	unsigned int n;

	dma_resv_lock(resv, NULL);
	n = dma_buf_attachment_mapped(attach);
	dma_resv_unlock(resv);
	return n;
}

/* Call dma_buf_invalidate_mappings() as an exporter would (resv held). */
static inline void fx_invalidate(struct dma_buf *buf)
{
	dma_resv_lock(dma_buf_resv(buf), NULL);
	dma_buf_invalidate_mappings(buf);
	dma_resv_unlock(dma_buf_resv(buf));
}

/* Byte i of a pattern with @seed is (seed + i * 7) & 0xff. */
static inline void fx_pattern(void *p, uint64_t len, unsigned int seed)
{
	for (uint64_t i = 0; i < len; i++)
		((uint8_t *)p)[i] = (uint8_t)(seed + i * 7);
}

static inline bool fx_holds(const void *p, uint64_t len, unsigned int seed)
{
	for (uint64_t i = 0; i < len; i++)
		if (((const uint8_t *)p)[i] != (uint8_t)(seed + i * 7))
			return false;
	return true;
}

/* The test exporter. */

enum test_exporter_flags {
	TEXP_PIN = 1u << 0,
	TEXP_REVOCABLE = 1u << 1,
	TEXP_SPLIT = 1u << 2,
};

struct test_exporter {
	struct dma_buf *buf;
	struct dmb_phys_space *space;
	struct dmb_mem_region *region;
	uint64_t phys[2];
	uint64_t len[2];
	unsigned int nr;
	struct dmb_revocable *rev;
	atomic_uint maps;
	atomic_uint unmaps;
	atomic_uint pins;
	atomic_uint unpins;
	atomic_bool released;
	pthread_mutex_t log_lock;
	char log[256];
};

static inline void texp_log(struct test_exporter *te, const char *op)
{
	size_t len;

	pthread_mutex_lock(&te->log_lock);
	len = strlen(te->log);
	snprintf(te->log + len, sizeof(te->log) - len, "%s%s", len ? "," : "", op);
	pthread_mutex_unlock(&te->log_lock);
}

static inline struct test_exporter *texp_of(struct dma_buf_attachment *attach)
{
	return dma_buf_priv(dma_buf_attachment_dmabuf(attach));
}

static inline int texp_attach(struct dma_buf *buf, struct dma_buf_attachment *attach)
{
	struct test_exporter *te = dma_buf_priv(buf);

	texp_log(te, "attach");
	return te->rev ? dmb_revocable_attach(te->rev, attach,
					      DMB_REVOCABLE_REQUIRE_REVOCABLE |
					      DMB_REVOCABLE_REQUIRE_P2P) : 0;
}

static inline void texp_detach(struct dma_buf *buf, struct dma_buf_attachment *attach)
{
	texp_log(dma_buf_priv(buf), "detach");
}

static inline int texp_pin(struct dma_buf_attachment *attach)
{
	struct test_exporter *te = texp_of(attach);

	texp_log(te, "pin");
	atomic_fetch_add(&te->pins, 1);
	return 0;
}

static inline void texp_unpin(struct dma_buf_attachment *attach)
{
	struct test_exporter *te = texp_of(attach);

	texp_log(te, "unpin");
	atomic_fetch_add(&te->unpins, 1);
}

static inline int texp_map(struct dma_buf_attachment *attach,
			   enum dma_data_direction dir, struct sg_table **sgtp)
{
	struct test_exporter *te = texp_of(attach);
	struct sg_table *sgt;
	int ret;

	texp_log(te, "map");
	if (te->rev) {
		ret = dmb_revocable_map(te->rev);
		if (ret)
			return ret;
	}
	sgt = calloc(1, sizeof(*sgt));
	ret = sgt ? sg_alloc_table(sgt, te->nr) : -ENOMEM;
	if (ret)
		goto err_free;
	for (unsigned int i = 0; i < te->nr; i++) {
		sgt->sgl[i].phys_addr = te->phys[i];
		sgt->sgl[i].length = te->len[i];
	}
	ret = dma_map_sgtable(dma_buf_attachment_dev(attach), sgt, dir, 0);
	if (ret)
		goto err_table;
	atomic_fetch_add(&te->maps, 1);
	*sgtp = sgt;
	return 0;

err_table:
	sg_free_table(sgt);
err_free:
	free(sgt);
	if (te->rev)
		dmb_revocable_unmap(te->rev);
	return ret;
}

static inline void texp_unmap(struct dma_buf_attachment *attach,
			      struct sg_table *sgt, enum dma_data_direction dir)
{
	struct test_exporter *te = texp_of(attach);

	texp_log(te, "unmap");
	dma_unmap_sgtable(dma_buf_attachment_dev(attach), sgt, dir, 0);
	sg_free_table(sgt);
	free(sgt);
	atomic_fetch_add(&te->unmaps, 1);
	if (te->rev)
		dmb_revocable_unmap(te->rev);
}

static inline void texp_release(struct dma_buf *buf)
{
	struct test_exporter *te = dma_buf_priv(buf);

	texp_log(te, "release");
	dmb_revocable_destroy(te->rev);
	te->rev = NULL;
	for (unsigned int i = 0; i < te->nr; i++)
		dmb_mem_free(te->region, te->phys[i], te->len[i]);
	atomic_store(&te->released, true);
}

static const struct dma_buf_ops texp_ops_pin = {
	.attach = texp_attach, .detach = texp_detach,
	.pin = texp_pin, .unpin = texp_unpin,
	.map_dma_buf = texp_map, .unmap_dma_buf = texp_unmap,
	.release = texp_release,
};

static const struct dma_buf_ops texp_ops_nopin = {
	.attach = texp_attach, .detach = texp_detach,
	.map_dma_buf = texp_map, .unmap_dma_buf = texp_unmap,
	.release = texp_release,
};

/*
 * texp_export - a buffer of FX_BUF_SIZE bytes in @region, zeroed
 * @policy: the revoke helper's policy (with TEXP_REVOCABLE), or NULL
 */
static inline struct dma_buf *texp_export(struct test_exporter *te,
					  struct dmb_phys_space *space,
					  struct dmb_mem_region *region,
					  unsigned int flags,
					  const struct dmb_revoke_policy *policy)
{
	struct dma_buf_export_info info = {
		.exp_name = "test-exporter",
		.ops = flags & TEXP_PIN ? &texp_ops_pin : &texp_ops_nopin,
		.size = FX_BUF_SIZE,
		.priv = te,
	};
	uint64_t gap;

	memset(te, 0, sizeof(*te));
	pthread_mutex_init(&te->log_lock, NULL);
	te->space = space;
	te->region = region;
	if (flags & TEXP_SPLIT) {
		/* Two halves with an allocated page between them. */
		te->nr = 2;
		te->len[0] = te->len[1] = FX_BUF_SIZE / 2;
		assert_int_equal(dmb_mem_alloc(region, te->len[0], &te->phys[0]), 0);
		assert_int_equal(dmb_mem_alloc(region, DMB_PAGE_SIZE, &gap), 0);
		assert_int_equal(dmb_mem_alloc(region, te->len[1], &te->phys[1]), 0);
		assert_int_equal(dmb_mem_free(region, gap, DMB_PAGE_SIZE), 0);
	} else {
		te->nr = 1;
		te->len[0] = FX_BUF_SIZE;
		assert_int_equal(dmb_mem_alloc(region, FX_BUF_SIZE, &te->phys[0]), 0);
	}
	for (unsigned int i = 0; i < te->nr; i++)
		memset(dmb_phys_to_virt(space, te->phys[i], te->len[i]), 0, te->len[i]);
	te->buf = dma_buf_export(&info);
	assert_non_null(te->buf);
	if (flags & TEXP_REVOCABLE) {
		te->rev = dmb_revocable_create(te->buf, policy);
		assert_non_null(te->rev);
	}
	return te->buf;
}

/* The CPU view of byte @offset of the buffer (within one range). */
static inline uint8_t *texp_bytes(struct test_exporter *te, uint64_t offset)
{
	unsigned int i = 0;

	while (offset >= te->len[i])
		offset -= te->len[i++];
	return dmb_phys_to_virt(te->space, te->phys[i] + offset, te->len[i] - offset);
}

static inline void texp_clear_log(struct test_exporter *te)
{
	pthread_mutex_lock(&te->log_lock);
	te->log[0] = '\0';
	pthread_mutex_unlock(&te->log_lock);
}

/* Drop the test's reference; the buffer must be released by it. */
static inline void texp_put(struct test_exporter *te)
{
	dma_buf_put(te->buf);
	assert_true(atomic_load(&te->released));
	pthread_mutex_destroy(&te->log_lock);
}

/* A revoke in a thread of its own, since it blocks. */

struct fx_revoker {
	struct dmb_revocable *rev;
	struct dmb_revoke_stats stats;
	int ret;
	atomic_bool done;
	struct th_thread *thread;
};

/* No cmocka assert here: it would jump across threads. */
static inline void *fx_revoker_main(void *arg)
{
	struct fx_revoker *r = arg;

	r->ret = dmb_revocable_revoke(r->rev, &r->stats);
	atomic_store(&r->done, true);
	return NULL;
}

static inline void fx_revoke_start(struct fx_revoker *r, struct dmb_revocable *rev)
{
	memset(r, 0, sizeof(*r));
	r->rev = rev;
	r->thread = th_thread_start(fx_revoker_main, r);
}

static inline void fx_revoke_join(struct fx_revoker *r)
{
	th_thread_join(r->thread);
	assert_true(atomic_load(&r->done));
	assert_int_equal(r->ret, 0);
}

#endif /* DMABUF_TEST_IMPORTER_FIXTURE_H */
