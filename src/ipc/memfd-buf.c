/* SPDX-License-Identifier: MIT */
/*
 * memfd-buf.c - the exporter of shareable memory: a buffer whose pages are
 * a memfd, so a mapping in another process is the same pages.
 *
 * Each generation of the memory is its own memfd, sized once and sealed
 * against growing and further seals (IPC.md, measured facts). Revoke runs
 * the revoke helper, then truncates the generation: every mapping of it in
 * any process faults from then on, and nobody can grow it back. Unrevoke
 * makes a new generation; old pages are never handed out again.
 *
 * Access (docs/ipc.md, "Access rights"): a generation's memfd is made mode
 * 0400 before anybody else sees it, so a read-only importer, which gets a
 * descriptor reopened O_RDONLY, cannot reopen it for writing through /proc
 * (unless it is root). A read-write importer can still truncate it early:
 * the exporter's own mapping is guarded (dmabuf/sigbus-guard.h), so an
 * access to it then completes, CPU access, map and vmap fail with -EIO,
 * and a notice names the importers that were given a writable descriptor of that generation.
 *
 * Locking: the current generation, the vmap count and the revoke helper's
 * state are protected by the buffer's resv lock (the ops run with it held;
 * revoke and unrevoke take it). A generation's reference count is atomic:
 * each table handed out holds one, so a late unmap finds its generation.
 * So is a generation's list of writers (ipc-export.c hands descriptors out
 * under it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dmabuf/diag.h>
#include <dmabuf/sigbus-guard.h>

#include "ipc-private.h"
#include "../buf/dma-buf-private.h"	/* the exporter's note_writer op */

#define WRITERS_LEN	256

static const char memfd_exp_name[] = "memfd";

struct memfd_gen {
	atomic_uint refs;
	int fd;
	void *vaddr;		/* the exporter's own mapping; NULL once revoked */
	size_t size;
	int guard;		/* vaddr's guard handle while vaddr is set */
	atomic_bool reported;	/* its damage was reported */
	char writers[WRITERS_LEN];	/* resv: "a[1], b[2]", given a writable fd */
};

struct memfd_buf {
	struct dmb_ipc *ipc;
	struct dmb_revocable *rev;
	struct memfd_gen *gen;	/* resv */
	unsigned int vmaps;	/* resv */
};

struct memfd_map {
	struct sg_table sgt;
	struct memfd_gen *gen;
};

static struct memfd_gen *gen_new(size_t size)
{
	struct memfd_gen *gen = calloc(1, sizeof(*gen));
	int err;

	if (!gen)
		return NULL;
	atomic_init(&gen->refs, 1);
	gen->size = size;
	gen->fd = memfd_create("dmabuf", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (gen->fd < 0)
		goto err_free;
	/* Before any peer sees it: no reopening for writing via /proc. */
	if (fchmod(gen->fd, 0400) || ftruncate(gen->fd, (off_t)size) ||
	    fcntl(gen->fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SEAL))
		goto err_close;
	gen->vaddr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			  gen->fd, 0);
	if (gen->vaddr == MAP_FAILED)
		goto err_close;
	gen->guard = dmb_sigbus_guard_add(gen->vaddr, size, PROT_READ | PROT_WRITE);
	if (gen->guard < 0) {
		munmap(gen->vaddr, size);
		errno = -gen->guard;
		goto err_close;
	}
	return gen;

err_close:
	err = errno;
	close(gen->fd);
	errno = err;
err_free:
	free(gen);
	return NULL;
}

/* Unguard and unmap the exporter's own mapping. */
static void gen_unmap(struct memfd_gen *gen)
{
	if (!gen->vaddr)
		return;
	dmb_sigbus_guard_del(gen->guard);
	munmap(gen->vaddr, gen->size);
	gen->vaddr = NULL;
}

/*
 * Whether a peer shrank the generation under the exporter's mapping (it
 * faulted, or the file is shorter than it was made). Once it is revoked
 * we truncated it ourselves: not damage.
 */
static bool gen_damaged(struct memfd_gen *gen)
{
	struct stat st;

	if (!gen->vaddr)
		return false;
	return dmb_sigbus_guard_damaged(gen->guard) ||
	       (!fstat(gen->fd, &st) && (size_t)st.st_size < gen->size);
}

/* -EIO for a damaged generation, reported once with who could do it. */
static int gen_check(struct memfd_gen *gen, struct dma_buf *dmabuf)
{
	if (!gen_damaged(gen))
		return 0;
	if (!atomic_exchange(&gen->reported, true))
		dmb_notice("memfd %s: its memory was shrunk under the exporter; "
			   "read-write importers: %s", dma_buf_name(dmabuf),
			   gen->writers[0] ? gen->writers : "none");
	return -EIO;
}

/* Whether @name is an item of @list ("a[1], b[2]"). */
static bool listed(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; (p = strstr(p, name)); p++)
		if ((p == list || p[-1] == ' ') && (!p[n] || p[n] == ','))
			return true;
	return false;
}

/*
 * Remember @writer (once) as given a writable descriptor of @gen; the list
 * keeps the first ones that fit.
 */
static void gen_note_writer(struct memfd_gen *gen, const char *writer)
{
	size_t len;

	len = strlen(gen->writers);
	if (!listed(gen->writers, writer))
		snprintf(gen->writers + len, sizeof(gen->writers) - len, "%s%s",
			 len ? ", " : "", writer);
}

/* Take the generation's memory back from every process that maps it. */
static void gen_revoke(struct memfd_gen *gen)
{
	gen_unmap(gen);
	DMB_WARN(ftruncate(gen->fd, 0), "memfd: truncate failed: %d", errno);
}

static void gen_put(struct memfd_gen *gen)
{
	if (atomic_fetch_sub(&gen->refs, 1) != 1)
		return;
	gen_unmap(gen);
	close(gen->fd);
	free(gen);
}

static int memfd_attach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct memfd_buf *mb = dma_buf_priv(dmabuf);

	return dmb_revocable_attach(mb->rev, attach, 0);
}

static int memfd_map(struct dma_buf_attachment *attach,
		     enum dma_data_direction dir, struct sg_table **sgt)
{
	struct memfd_buf *mb = dma_buf_priv(dma_buf_attachment_dmabuf(attach));
	struct memfd_map *map;
	int ret;

	(void)dir;
	ret = dmb_revocable_map(mb->rev);
	if (ret)
		return ret;
	ret = gen_check(mb->gen, dma_buf_attachment_dmabuf(attach));
	if (ret) {
		dmb_revocable_unmap(mb->rev);
		return ret;
	}
	map = calloc(1, sizeof(*map));
	if (!map || sg_alloc_table(&map->sgt, 1)) {
		free(map);
		dmb_revocable_unmap(mb->rev);
		return -ENOMEM;
	}
	map->gen = mb->gen;
	atomic_fetch_add(&map->gen->refs, 1);
	/* Local importers reach the pages through the exporter's mapping. */
	map->sgt.sgl[0].dma_address = (uint64_t)(uintptr_t)map->gen->vaddr;
	map->sgt.sgl[0].dma_length = map->gen->size;
	map->sgt.sgl[0].length = map->gen->size;
	*sgt = &map->sgt;
	return 0;
}

static void memfd_unmap(struct dma_buf_attachment *attach, struct sg_table *sgt,
			enum dma_data_direction dir)
{
	struct memfd_buf *mb = dma_buf_priv(dma_buf_attachment_dmabuf(attach));
	struct memfd_map *map = dmb_container_of(sgt, struct memfd_map, sgt);

	(void)dir;
	sg_free_table(&map->sgt);
	gen_put(map->gen);
	free(map);
	dmb_revocable_unmap(mb->rev);
}

static int memfd_vmap(struct dma_buf *dmabuf, void **vaddr)
{
	struct memfd_buf *mb = dma_buf_priv(dmabuf);

	int ret;

	if (dmb_revocable_is_revoked(mb->rev))
		return -ENODEV;
	ret = gen_check(mb->gen, dmabuf);
	if (ret)
		return ret;
	mb->vmaps++;
	*vaddr = mb->gen->vaddr;
	return 0;
}

static void memfd_vunmap(struct dma_buf *dmabuf, void *vaddr)
{
	struct memfd_buf *mb = dma_buf_priv(dmabuf);

	(void)vaddr;
	mb->vmaps--;
}

/* Another process maps the current generation (resv held: it is stable). */
static int memfd_mmap(struct dma_buf *dmabuf)
{
	struct memfd_buf *mb = dma_buf_priv(dmabuf);
	int fd;

	if (dmb_revocable_is_revoked(mb->rev))
		return -ENODEV;
	fd = gen_check(mb->gen, dmabuf);
	if (fd)
		return fd;
	fd = fcntl(mb->gen->fd, F_DUPFD_CLOEXEC, 0);
	return fd < 0 ? -errno : fd;
}

/*
 * CPU access is where the exporter learns that a peer shrank the memory:
 * accesses in between went to zeros (dmabuf/sigbus-guard.h), so the bracket
 * fails.
 */
static int memfd_cpu_access(struct dma_buf *dmabuf, enum dma_data_direction dir)
{
	struct memfd_buf *mb = dma_buf_priv(dmabuf);
	struct dma_resv *resv = dma_buf_resv(dmabuf);
	int ret;

	(void)dir;
	ret = dma_resv_lock(resv, NULL);
	if (ret)
		return ret;
	ret = gen_check(mb->gen, dmabuf);
	dma_resv_unlock(resv);
	return ret;
}

static void memfd_release(struct dma_buf *dmabuf)
{
	struct memfd_buf *mb = dma_buf_priv(dmabuf);

	if (mb->rev)
		dmb_revocable_destroy(mb->rev);
	gen_put(mb->gen);
	free(mb);
}

/* A peer given a writable descriptor of the current generation (resv). */
static void memfd_note_writer(struct dma_buf *dmabuf, const char *peer)
{
	struct memfd_buf *mb = dma_buf_priv(dmabuf);

	gen_note_writer(mb->gen, peer);
}

static const struct dma_buf_ops memfd_ops = {
	.attach = memfd_attach,
	.map_dma_buf = memfd_map,
	.unmap_dma_buf = memfd_unmap,
	.release = memfd_release,
	.vmap = memfd_vmap,
	.vunmap = memfd_vunmap,
	.mmap = memfd_mmap,
	.begin_cpu_access = memfd_cpu_access,
	.end_cpu_access = memfd_cpu_access,
	.note_writer = memfd_note_writer,
};

static struct memfd_buf *memfd_buf_of(struct dma_buf *dmabuf, const char *call)
{
	if (DMB_WARN(!dmabuf || dma_buf_exporter_name(dmabuf) != memfd_exp_name,
		     "%s: not a memfd buffer", call))
		return NULL;
	return dma_buf_priv(dmabuf);
}

struct dma_buf *dmb_memfd_buf_create(struct dmb_ipc *ipc, const char *name,
				     size_t size,
				     const struct dmb_revoke_policy *policy)
{
	struct dma_buf_export_info info = {
		.exp_name = memfd_exp_name,
		.ops = &memfd_ops,
		.size = size,
	};
	struct memfd_buf *mb;
	struct dma_buf *buf;
	int err;

	if (DMB_WARN(!ipc || !size, "dmb_memfd_buf_create: no context or size") ||
	    !dmb_ipc_live_or_report(ipc, "dmb_memfd_buf_create")) {
		errno = EINVAL;
		return NULL;
	}
	mb = calloc(1, sizeof(*mb));
	if (!mb)
		return NULL;
	mb->ipc = ipc;
	mb->gen = gen_new(size);
	if (!mb->gen)
		goto err_free;
	info.priv = mb;
	buf = dma_buf_export(&info);
	if (!buf)
		goto err_gen;
	mb->rev = dmb_revocable_create(buf, policy);
	if (!mb->rev || (name && dma_buf_set_name(buf, name))) {
		err = mb->rev ? ENOMEM : errno;
		dma_buf_put(buf);	/* the release op frees mb */
		errno = err;
		return NULL;
	}
	return buf;

err_gen:
	gen_put(mb->gen);
err_free:
	err = errno;
	free(mb);
	errno = err;
	return NULL;
}

int dmb_memfd_buf_revoke(struct dma_buf *dmabuf, struct dmb_revoke_stats *stats)
{
	struct memfd_buf *mb = memfd_buf_of(dmabuf, "dmb_memfd_buf_revoke");
	struct dma_resv *resv;
	int ret;

	if (!mb)
		return -EINVAL;
	resv = dma_buf_resv(dmabuf);
	ret = dma_resv_lock(resv, NULL);
	if (ret)
		return ret;
	/*
	 * Our own vmap is a kernel-style one, held off a revoke; a peer's
	 * is not counted here (ipc-export.c): the truncate takes it back.
	 */
	ret = mb->vmaps ? -EBUSY : 0;
	dma_resv_unlock(resv);
	if (ret)
		return ret;
	ret = dmb_revocable_revoke(mb->rev, stats);
	if (ret)
		return ret;
	/* Every mapping handed out is unmapped now: take the pages back. */
	dma_resv_lock(resv, NULL);
	gen_revoke(mb->gen);
	dma_resv_unlock(resv);
	dmb_revocable_taken_back(mb->rev);
	return 0;
}

int dmb_memfd_buf_unrevoke(struct dma_buf *dmabuf)
{
	struct memfd_buf *mb = memfd_buf_of(dmabuf, "dmb_memfd_buf_unrevoke");
	struct memfd_gen *gen, *old;
	struct dma_resv *resv;
	int ret;

	if (!mb)
		return -EINVAL;
	if (!dmb_revocable_is_revoked(mb->rev))
		return 0;
	gen = gen_new(dma_buf_size(dmabuf));
	if (!gen)
		return -errno;
	resv = dma_buf_resv(dmabuf);
	/* Refused (and reported) if the caller holds it: see the header. */
	ret = dma_resv_lock(resv, NULL);
	if (ret) {
		gen_put(gen);
		return ret;
	}
	old = mb->gen;
	mb->gen = gen;
	dma_resv_unlock(resv);
	gen_put(old);
	return dmb_revocable_unrevoke(mb->rev);
}

struct dmb_ipc *dmb_memfd_buf_ipc(struct dma_buf *dmabuf)
{
	/* Not a misuse: other exporters' buffers are served by the default. */
	if (dma_buf_exporter_name(dmabuf) != memfd_exp_name)
		return NULL;
	return ((struct memfd_buf *)dma_buf_priv(dmabuf))->ipc;
}

void dmb_memfd_buf_note_writer(struct dma_buf *dmabuf, const char *writer)
{
	/* Any exporter: the ops are const once exported. */
	if (dmabuf->ops->note_writer)
		dmabuf->ops->note_writer(dmabuf, writer);
}
