// SPDX-License-Identifier: MIT
/*
 * revoke-exporter - an exporter that can take its memory back, built on the
 * revoke helper (dmabuf/dma-buf-revoke.h), with two importers:
 *
 *  - "cache", a revocable importer: it provides invalidate_mappings and
 *    gives its mapping back when told, so the exporter accepts it;
 *  - "pinned", which cannot be told (no invalidate_mappings): the exporter
 *    refuses it at attach time with -EOPNOTSUPP, before it can hold the
 *    memory hostage.
 *
 * Then the exporter revokes: the helper locks, marks the buffer revoked,
 * invalidates, waits for fences and for every mapping to come back. After
 * that no importer reaches the memory (a new map fails with -ENODEV) and the
 * exporter could reset its device; unrevoke lets the importer map again.
 *
 * Build against an installed libdmabuf: make -C examples run-revoke-exporter
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dmabuf/dma-buf-revoke.h>
#include <dmabuf/version.h>

#define BUF_SIZE	4096

/* The exporter's side of one buffer: its memory and its revoke helper. */
struct my_buf {
	unsigned char memory[BUF_SIZE];
	struct dmb_revocable *rev;
};

static int my_attach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct my_buf *mb = dma_buf_priv(dmabuf);

	/* -ENODEV while revoked; -EOPNOTSUPP for an importer it cannot revoke */
	return dmb_revocable_attach(mb->rev, attach, DMB_REVOCABLE_REQUIRE_REVOCABLE);
}

/* One range: the "device address" is the host address (no IOMMU here). */
static int my_map(struct dma_buf_attachment *attach,
		  enum dma_data_direction dir, struct sg_table **sgtp)
{
	struct my_buf *mb = dma_buf_priv(dma_buf_attachment_dmabuf(attach));
	struct sg_table *sgt;
	int ret;

	(void)dir;
	ret = dmb_revocable_map(mb->rev);	/* first: counts the mapping */
	if (ret)
		return ret;
	sgt = calloc(1, sizeof(*sgt));
	if (!sgt) {
		ret = -ENOMEM;
		goto err_uncount;
	}
	ret = sg_alloc_table(sgt, 1);
	if (ret)
		goto err_free;
	sgt->sgl[0].phys_addr = (uint64_t)(uintptr_t)mb->memory;
	sgt->sgl[0].length = BUF_SIZE;
	sgt->sgl[0].dma_address = sgt->sgl[0].phys_addr;
	sgt->sgl[0].dma_length = BUF_SIZE;
	*sgtp = sgt;
	return 0;

err_free:
	free(sgt);
err_uncount:
	dmb_revocable_unmap(mb->rev);
	return ret;
}

static void my_unmap(struct dma_buf_attachment *attach, struct sg_table *sgt,
		     enum dma_data_direction dir)
{
	struct my_buf *mb = dma_buf_priv(dma_buf_attachment_dmabuf(attach));

	(void)dir;
	sg_free_table(sgt);
	free(sgt);
	dmb_revocable_unmap(mb->rev);	/* last: may complete a waiting revoke */
}

static void my_release(struct dma_buf *dmabuf)
{
	struct my_buf *mb = dma_buf_priv(dmabuf);

	dmb_revocable_destroy(mb->rev);
	free(mb);
}

static struct dmb_revocable *rev_of(struct dma_buf *buf)
{
	struct my_buf *mb = dma_buf_priv(buf);

	return mb->rev;
}

static const struct dma_buf_ops my_ops = {
	.attach = my_attach,
	.map_dma_buf = my_map,
	.unmap_dma_buf = my_unmap,
	.release = my_release,
};

/* The revocable importer keeps at most one mapping. */
struct cache {
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	unsigned int invalidations;
};

/* Called with the resv lock held: give the mapping back now. */
static void cache_invalidate(struct dma_buf_attachment *attach)
{
	struct cache *c = dma_buf_attachment_importer_priv(attach);

	c->invalidations++;
	if (c->sgt) {
		dma_buf_unmap_attachment(attach, c->sgt, DMA_BIDIRECTIONAL);
		c->sgt = NULL;
	}
}

static const struct dma_buf_attach_ops cache_ops = {
	.name = "cache",
	.invalidate_mappings = cache_invalidate,
};

/* No invalidate_mappings: this importer cannot be asked to let go. */
static const struct dma_buf_attach_ops pinned_ops = {
	.name = "pinned",
};

static int cache_map(struct cache *c)
{
	c->sgt = dma_buf_map_attachment_unlocked(c->attach, DMA_BIDIRECTIONAL);
	return c->sgt ? 0 : -errno;
}

static struct dma_buf *export_buffer(void)
{
	struct my_buf *mb = calloc(1, sizeof(*mb));
	struct dma_buf_export_info info = {
		.exp_name = "revoke-exporter",
		.ops = &my_ops,
		.size = BUF_SIZE,
		.priv = mb,
	};
	struct dma_buf *buf;

	if (!mb)
		return NULL;
	buf = dma_buf_export(&info);
	if (!buf) {
		free(mb);
		return NULL;
	}
	mb->rev = dmb_revocable_create(buf, NULL);
	if (!mb->rev) {
		dma_buf_put(buf);	/* release frees mb; destroy(NULL) is a no-op */
		return NULL;
	}
	return buf;
}

int main(void)
{
	struct device cache_dev = { .name = "cache-dev" };
	struct device pinned_dev = { .name = "pinned-dev" };
	struct dma_buf_attachment *refused;
	struct dmb_revoke_stats stats;
	struct cache c = { 0 };
	struct dma_buf *buf;
	int failures = 0;
	int ret;

	printf("libdmabuf %s\n", DMABUF_VERSION_STRING);
	buf = export_buffer();
	if (!buf) {
		perror("export");
		return 1;
	}

	c.attach = dma_buf_dynamic_attach(buf, &cache_dev, &cache_ops, &c);
	if (!c.attach || cache_map(&c)) {
		perror("cache: attach and map");
		dma_buf_put(buf);
		return 1;
	}
	printf("cache: attached and mapped at 0x%llx\n",
	       (unsigned long long)sg_dma_address(c.sgt->sgl));

	refused = dma_buf_dynamic_attach(buf, &pinned_dev, &pinned_ops, NULL);
	printf("pinned: attach %s (%s)\n", refused ? "accepted" : "refused",
	       refused ? "-" : strerror(errno));
	if (refused || errno != EOPNOTSUPP) {
		failures++;
		if (refused)
			dma_buf_detach(buf, refused);
	}

	ret = dmb_revocable_revoke(rev_of(buf), &stats);
	printf("revoke: %d, %u invalidation(s), cache mapping %s\n", ret,
	       c.invalidations, c.sgt ? "still held" : "given back");
	if (ret || c.invalidations != 1 || c.sgt)
		failures++;

	/* Revoked: nobody gets at the memory, the device could be reset now. */
	ret = cache_map(&c);
	printf("cache: map while revoked: %s\n", ret ? strerror(-ret) : "mapped");
	if (ret != -ENODEV)
		failures++;

	dmb_revocable_unrevoke(rev_of(buf));
	ret = cache_map(&c);
	printf("cache: map after unrevoke: %s\n", ret ? strerror(-ret) : "mapped");
	if (ret)
		failures++;
	else
		dma_buf_unmap_attachment_unlocked(c.attach, c.sgt, DMA_BIDIRECTIONAL);

	dma_buf_detach(buf, c.attach);
	dma_buf_put(buf);
	printf("%s\n", failures ? "FAILED" : "done");
	return failures ? 1 : 0;
}
