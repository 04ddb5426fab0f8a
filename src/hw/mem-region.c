// SPDX-License-Identifier: MIT
/*
 * mem-region.c - simulated physical memory backed by a memfd, with a page
 * allocator and isolation (see hw/mem-region.h for the contract).
 *
 * The memfd is sized once and sealed against shrinking and growing, so no
 * holder of the fd can pull pages from under a mapping. It is mapped twice,
 * shared: the CPU view, which isolation protects PROT_NONE, and the device
 * view, which DMA uses and which is never protected — so isolating a region
 * while a DMA chunk is moving bytes cannot crash the engine; the chunk
 * finishes (it translated before the flag was set) and the barrier below
 * waits for it.
 *
 * The allocator is a bitmap of pages, one bit per page, searched first fit.
 *
 * Sharing a range with another process (dmb_mem_share()) cannot hand out
 * the region's memfd: one file for the whole region cannot be truncated
 * per range, and a file sealed against shrinking cannot be taken back at
 * all. A shared range gets a memfd of its own, a *generation*: sized,
 * sealed against growing and further seals, filled with the range's bytes
 * once, and mapped MAP_FIXED over the range in both views, so the devices,
 * the CPU view and every other process see the same pages. Taking it back
 * (dmb_mem_unshare()) copies the bytes into the region's own pages, maps
 * those back over both views, and only then truncates the generation:
 * every other process's mapping faults from then on and can never be grown
 * back, while the local views never miss a page. The next share is a new
 * generation. Both swaps hold the space's lock for writing, so no DMA
 * access moves bytes in the range while its pages change.
 *
 * A process given a writable descriptor can truncate a generation early.
 * Both views of a shared range are guarded against it
 * (dmabuf/sigbus-guard.h): an access that faults gets zeros instead of a
 * SIGBUS, the DMA path fails a transfer that touched a damaged view
 * (dma-access.c), and dmb_mem_share_check() tells the exporter, which
 * fails its CPU access with -EIO, and names the processes the exporter
 * said were given a writable descriptor (dmb_mem_share_note_writer()).
 * Taking a range back reads the generation through its file (pread()),
 * never through the views: what a peer cut off reads as zeros without a
 * fault, so the revoke paths that take ranges back do not depend on the
 * guard's handler being the one in front (a program or a test framework
 * may install its own SIGBUS handler after ours, until the next share
 * puts ours back), and report a shrink nobody had checked for.
 *
 * Locking: region->alloc_lock (leaf) protects the bitmap. share_lock
 * protects the list of shared ranges and orders a swap of pages in the CPU
 * view against a change of its protection; it is taken before the space's
 * lock, and may be taken under a buffer's resv lock (an exporter's mmap
 * op). Isolation is an atomic flag read on every translated page; setting
 * it is followed by a barrier on the space's lock, which every DMA chunk
 * holds for reading.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sys/stat.h>

#include <dmabuf/diag.h>
#include <dmabuf/sigbus-guard.h>

#include "hw-internal.h"

#define BITS	64
#define WRITERS_LEN	256

/* A range handed to other processes: its own generation of memory. */
struct dmb_mem_share {
	struct dmb_mem_share *next;
	uint64_t offset;		/* in the region */
	uint64_t size;
	int fd;				/* the generation; truncated when taken back */
	int guard_cpu, guard_dev;	/* the views' guard handles */
	bool reported;			/* share_lock: its damage was reported */
	char writers[WRITERS_LEN];	/* share_lock: "a[1], b[2]", could shrink it */
};

static bool page_used(const struct dmb_mem_region *r, uint64_t pg)
{
	return r->bitmap[pg / BITS] & (1ULL << (pg % BITS));
}

static void mark_pages(struct dmb_mem_region *r, uint64_t first, uint64_t n,
		       bool used)
{
	for (uint64_t pg = first; pg < first + n; pg++) {
		if (used)
			r->bitmap[pg / BITS] |= 1ULL << (pg % BITS);
		else
			r->bitmap[pg / BITS] &= ~(1ULL << (pg % BITS));
	}
}

static int map_views(struct dmb_mem_region *r)
{
	void *cpu, *dev;

	cpu = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED, r->memfd, 0);
	if (cpu == MAP_FAILED)
		return -errno;
	dev = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED, r->memfd, 0);
	if (dev == MAP_FAILED) {
		int err = -errno;

		munmap(cpu, r->size);
		return err;
	}
	r->cpu_view = cpu;
	r->dev_view = dev;
	return 0;
}

static int open_memfd(struct dmb_mem_region *r)
{
	int fd = memfd_create(r->name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	int err;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)r->size) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW))
		goto err_close;
	r->memfd = fd;
	return 0;

err_close:
	err = -errno;
	close(fd);
	return err;
}

struct dmb_mem_region *dmb_mem_region_create(struct dmb_phys_space *space,
					     const struct dmb_mem_region_info *info)
{
	long host_page = sysconf(_SC_PAGESIZE);
	struct dmb_mem_region *r;
	int err;

	if (DMB_WARN(!space || !info || !info->name || !info->size ||
		     !DMB_PAGE_ALIGNED(info->size) || info->size % host_page,
		     "bad memory region (size must be a non-zero multiple of %llu and of the host page)",
		     DMB_PAGE_SIZE)) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->space = space;
	r->size = info->size;
	r->owner = info->owner;
	r->memfd = -1;
	snprintf(r->name, sizeof(r->name), "%s", info->name);
	pthread_mutex_init(&r->alloc_lock, NULL);
	pthread_mutex_init(&r->share_lock, NULL);
	r->nr_pages = r->size / DMB_PAGE_SIZE;
	r->free_pages = r->nr_pages;
	r->bitmap = calloc((r->nr_pages + BITS - 1) / BITS, sizeof(*r->bitmap));
	if (!r->bitmap) {
		err = -ENOMEM;
		goto err_free;
	}
	err = open_memfd(r);
	if (err)
		goto err_free_bitmap;
	err = map_views(r);
	if (err)
		goto err_close;
	err = __dmb_space_insert(space, r);
	if (err)
		goto err_unmap;
	if (r->owner)
		atomic_fetch_add(&r->owner->owned_regions, 1);
	dmb_live_add(&r->live);
	return r;

err_unmap:
	munmap(r->dev_view, r->size);
	munmap(r->cpu_view, r->size);
err_close:
	close(r->memfd);
err_free_bitmap:
	free(r->bitmap);
err_free:
	pthread_mutex_destroy(&r->share_lock);
	pthread_mutex_destroy(&r->alloc_lock);
	free(r);
	errno = -err;
	return NULL;
}

int dmb_mem_region_destroy(struct dmb_mem_region *r)
{
	if (!r)
		return 0;
	if (dmb_live_refuse(&r->live, "dmb_mem_region_destroy"))
		return -EINVAL;
	if (DMB_WARN(__dmb_space_remove(r->space, r),
		     "destroying region %s while an IOMMU still maps %lu of its pages",
		     r->name, atomic_load(&r->mapped)))
		return -EBUSY;
	dmb_live_del(&r->live);
	if (r->owner)
		atomic_fetch_sub(&r->owner->owned_regions, 1);
	/* Nobody elsewhere keeps a view of memory that is gone. */
	dmb_mem_unshare(r, r->base, r->size);
	munmap(r->dev_view, r->size);
	munmap(r->cpu_view, r->size);
	close(r->memfd);
	free(r->bitmap);
	pthread_mutex_destroy(&r->share_lock);
	pthread_mutex_destroy(&r->alloc_lock);
	free(r);
	return 0;
}

const char *dmb_mem_region_name(const struct dmb_mem_region *r)
{
	if (DMB_WARN(!r, "dmb_mem_region_name(NULL)"))
		return "(null)";
	return r->name;
}

uint64_t dmb_mem_region_base(const struct dmb_mem_region *r)
{
	if (DMB_WARN(!r, "dmb_mem_region_base(NULL)"))
		return 0;
	return r->base;
}

uint64_t dmb_mem_region_size(const struct dmb_mem_region *r)
{
	if (DMB_WARN(!r, "dmb_mem_region_size(NULL)"))
		return 0;
	return r->size;
}

struct dmb_hw_device *dmb_mem_region_owner(const struct dmb_mem_region *r)
{
	if (DMB_WARN(!r, "dmb_mem_region_owner(NULL)"))
		return NULL;
	return r->owner;
}

void *dmb_mem_region_vaddr(const struct dmb_mem_region *r)
{
	if (DMB_WARN(!r, "dmb_mem_region_vaddr(NULL)"))
		return NULL;
	return r->cpu_view;
}

int dmb_mem_region_memfd(const struct dmb_mem_region *r)
{
	if (DMB_WARN(!r, "dmb_mem_region_memfd(NULL)"))
		return -EINVAL;
	return r->memfd;
}

int dmb_mem_alloc(struct dmb_mem_region *r, uint64_t size, uint64_t *phys)
{
	uint64_t want = DMB_PAGE_ALIGN(size) / DMB_PAGE_SIZE;
	uint64_t run = 0, pg = 0;
	int ret = -ENOMEM;

	if (DMB_WARN(!r || !phys, "dmb_mem_alloc(%p, %#llx, %p)", (void *)r,
		     (unsigned long long)size, (void *)phys))
		return -EINVAL;
	if (!size || size > r->size)
		return size ? -ENOMEM : -EINVAL;
	pthread_mutex_lock(&r->alloc_lock);
	if (want > r->free_pages)
		goto out_unlock;
	while (pg < r->nr_pages) {
		/* Skip a full word at once when at a word boundary. */
		if (pg % BITS == 0 && r->bitmap[pg / BITS] == ~0ULL) {
			run = 0;
			pg += BITS;
			continue;
		}
		run = page_used(r, pg) ? 0 : run + 1;
		pg++;
		if (run == want) {
			mark_pages(r, pg - want, want, true);
			r->free_pages -= want;
			*phys = r->base + (pg - want) * DMB_PAGE_SIZE;
			ret = 0;
			break;
		}
	}
out_unlock:
	pthread_mutex_unlock(&r->alloc_lock);
	return ret;
}

int dmb_mem_free(struct dmb_mem_region *r, uint64_t phys, uint64_t size)
{
	uint64_t first, n, pg;
	int ret = 0;

	if (DMB_WARN(!r, "dmb_mem_free(NULL)"))
		return -EINVAL;
	if (DMB_WARN(!DMB_PAGE_ALIGNED(phys) || !size || size > r->size || phys < r->base ||
		     phys - r->base >= r->size ||
		     DMB_PAGE_ALIGN(size) > r->size - (phys - r->base),
		     "free of [%#llx, +%#llx) outside region %s",
		     (unsigned long long)phys, (unsigned long long)size, r->name))
		return -EINVAL;
	first = (phys - r->base) / DMB_PAGE_SIZE;
	n = DMB_PAGE_ALIGN(size) / DMB_PAGE_SIZE;
	pthread_mutex_lock(&r->alloc_lock);
	for (pg = first; pg < first + n; pg++) {
		if (!page_used(r, pg)) {
			ret = -EINVAL;
			goto out_unlock;
		}
	}
	mark_pages(r, first, n, false);
	r->free_pages += n;
out_unlock:
	pthread_mutex_unlock(&r->alloc_lock);
	DMB_WARN(ret, "free of page %#llx in region %s, which is not allocated",
		 (unsigned long long)(r->base + pg * DMB_PAGE_SIZE), r->name);
	return ret;
}

uint64_t dmb_mem_region_free_bytes(struct dmb_mem_region *r)
{
	uint64_t n;

	if (DMB_WARN(!r, "dmb_mem_region_free_bytes(NULL)"))
		return 0;
	pthread_mutex_lock(&r->alloc_lock);
	n = r->free_pages;
	pthread_mutex_unlock(&r->alloc_lock);
	return n * DMB_PAGE_SIZE;
}

int dmb_mem_region_set_isolated(struct dmb_mem_region *r, bool isolated)
{
	int prot = isolated ? PROT_NONE : PROT_READ | PROT_WRITE;

	if (DMB_WARN(!r, "dmb_mem_region_set_isolated(NULL)"))
		return -EINVAL;
	/* A share or unshare maps the CPU view with the flag's protection. */
	pthread_mutex_lock(&r->share_lock);
	if (mprotect(r->cpu_view, r->size, prot)) {
		pthread_mutex_unlock(&r->share_lock);
		return -errno;
	}
	atomic_store(&r->isolated, isolated);
	pthread_mutex_unlock(&r->share_lock);
	/* DMA chunks that translated before the store finish before we return. */
	if (isolated)
		__dmb_space_barrier(r->space);
	return 0;
}

bool dmb_mem_region_isolated(const struct dmb_mem_region *r)
{
	/* Nothing can reach a region that is not there. */
	if (DMB_WARN(!r, "dmb_mem_region_isolated(NULL)"))
		return true;
	return atomic_load(&((struct dmb_mem_region *)r)->isolated);
}

/* Sharing ranges with other processes. */

static int cpu_prot(const struct dmb_mem_region *r)
{
	return atomic_load(&r->isolated) ? PROT_NONE : PROT_READ | PROT_WRITE;
}

/*
 * Put @fd's pages at @offset under both views. Space write-locked, share
 * lock held. Return: 0 or -errno (the views are then as they were, unless
 * restoring failed too, which is reported).
 */
static int map_range(struct dmb_mem_region *r, uint64_t offset, uint64_t size,
		     int fd, off_t file_off)
{
	int err;

	if (mmap(r->dev_view + offset, size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, fd, file_off) == MAP_FAILED)
		return -errno;
	if (mmap(r->cpu_view + offset, size, cpu_prot(r),
		 MAP_SHARED | MAP_FIXED, fd, file_off) != MAP_FAILED)
		return 0;
	err = -errno;
	DMB_WARN(mmap(r->dev_view + offset, size, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_FIXED, r->memfd, (off_t)offset) == MAP_FAILED,
		 "region %s: cannot restore the device view: %d", r->name, errno);
	return err;
}

/* A sealed generation of @size bytes holding @src's bytes. */
static int new_generation(struct dmb_mem_region *r, const void *src, uint64_t size)
{
	int fd = memfd_create(r->name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	void *p;
	int err;

	if (fd < 0)
		return -errno;
	/* Sized, then sealed: a peer can shrink it, never grow it back. */
	if (ftruncate(fd, (off_t)size) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SEAL))
		goto err_close;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		goto err_close;
	memcpy(p, src, size);
	munmap(p, size);
	return fd;

err_close:
	err = -errno;
	close(fd);
	return err;
}

/*
 * Guard both views of @sh's freshly mapped generation; on failure map the
 * region's pages back. Space write-locked, share lock held.
 */
static int guard_range(struct dmb_mem_region *r, struct dmb_mem_share *sh)
{
	int ret;

	sh->guard_dev = dmb_sigbus_guard_add(r->dev_view + sh->offset, sh->size,
					     PROT_READ | PROT_WRITE);
	if (sh->guard_dev < 0) {
		ret = sh->guard_dev;
		goto err_restore;
	}
	/*
	 * Read-write whatever isolation says now: only an access the view
	 * allows can fault with SIGBUS (an isolated view gives SIGSEGV), and
	 * isolation may end while the range is shared.
	 */
	sh->guard_cpu = dmb_sigbus_guard_add(r->cpu_view + sh->offset, sh->size,
					     PROT_READ | PROT_WRITE);
	if (sh->guard_cpu < 0) {
		ret = sh->guard_cpu;
		goto err_unguard;
	}
	return 0;

err_unguard:
	dmb_sigbus_guard_del(sh->guard_dev);
err_restore:
	DMB_WARN(map_range(r, sh->offset, sh->size, r->memfd, (off_t)sh->offset),
		 "region %s: cannot map its pages back", r->name);
	return ret;
}

static bool range_valid(const struct dmb_mem_region *r, uint64_t phys,
			uint64_t size)
{
	uint64_t host_page = (uint64_t)sysconf(_SC_PAGESIZE);

	return size && phys >= r->base && phys - r->base < r->size &&
	       size <= r->size - (phys - r->base) &&
	       (phys - r->base) % host_page == 0 && size % host_page == 0;
}

int dmb_mem_share(struct dmb_mem_region *r, uint64_t phys, uint64_t size)
{
	struct dmb_mem_share *sh;
	uint64_t offset;
	int fd, ret;

	if (DMB_WARN(!r || !range_valid(r, phys, size),
		     "dmb_mem_share of [%#llx, +%#llx): not host pages of the region",
		     (unsigned long long)phys, (unsigned long long)size))
		return -EINVAL;
	offset = phys - r->base;
	pthread_mutex_lock(&r->share_lock);
	for (sh = r->shares; sh; sh = sh->next) {
		if (sh->offset == offset && sh->size == size)
			goto out_dup;
		if (sh->offset < offset + size && offset < sh->offset + sh->size) {
			ret = -EBUSY;	/* another range's generation overlaps */
			goto out_unlock;
		}
	}
	sh = calloc(1, sizeof(*sh));
	if (!sh) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	sh->offset = offset;
	sh->size = size;
	/* No DMA moves bytes from the copy until both views show the copy. */
	__dmb_space_write_lock(r->space);
	sh->fd = new_generation(r, r->dev_view + offset, size);
	ret = sh->fd < 0 ? sh->fd : map_range(r, offset, size, sh->fd, 0);
	if (!ret)
		ret = guard_range(r, sh);
	__dmb_space_write_unlock(r->space);
	if (ret) {
		if (sh->fd >= 0)
			close(sh->fd);
		free(sh);
		goto out_unlock;
	}
	sh->next = r->shares;
	r->shares = sh;
out_dup:
	fd = fcntl(sh->fd, F_DUPFD_CLOEXEC, 0);
	ret = fd < 0 ? -errno : fd;
out_unlock:
	pthread_mutex_unlock(&r->share_lock);
	return ret;
}

/* Whether another process shrank @sh's generation under our views. */
static bool share_damaged(const struct dmb_mem_share *sh)
{
	struct stat st;

	return dmb_sigbus_guard_damaged(sh->guard_cpu) ||
	       dmb_sigbus_guard_damaged(sh->guard_dev) ||
	       (!fstat(sh->fd, &st) && (uint64_t)st.st_size < sh->size);
}

/*
 * Whether @sh was shrunk; the first time, a notice naming the writers.
 * Share lock held.
 */
static bool report_damage(struct dmb_mem_region *r, struct dmb_mem_share *sh)
{
	if (!share_damaged(sh))
		return false;
	if (!sh->reported)
		dmb_notice("region %s: shared range [%#llx, +%#llx) was shrunk "
			   "under the exporter; read-write importers: %s",
			   r->name, (unsigned long long)(r->base + sh->offset),
			   (unsigned long long)sh->size,
			   sh->writers[0] ? sh->writers : "none");
	sh->reported = true;
	return true;
}

/*
 * Copy @sh's generation into @own through the file: a generation another
 * process shrank gives fewer bytes, never a fault, and the rest is zeros.
 * Return: 0 or -errno (@own then holds zeros past what was read).
 */
static int read_generation(const struct dmb_mem_share *sh, uint8_t *own)
{
	uint64_t done = 0;
	int ret = 0;

	while (done < sh->size) {
		ssize_t n = pread(sh->fd, own + done, sh->size - done, (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			ret = -errno;
		if (n <= 0)
			break;
		done += (uint64_t)n;
	}
	memset(own + done, 0, sh->size - done);
	return ret;
}

/* Give @sh's range back its region pages, then truncate the generation. */
static void take_back(struct dmb_mem_region *r, struct dmb_mem_share *sh)
{
	void *own;
	int err;

	/* A shrink nobody checked for is still reported, with its writers. */
	report_damage(r, sh);
	__dmb_space_write_lock(r->space);
	own = mmap(NULL, sh->size, PROT_READ | PROT_WRITE, MAP_SHARED, r->memfd,
		   (off_t)sh->offset);
	if (!DMB_WARN(own == MAP_FAILED, "region %s: cannot map its pages: %d",
		      r->name, errno)) {
		err = read_generation(sh, own);
		DMB_WARN(err, "region %s: cannot read a shared range back: %d",
			 r->name, err);
		munmap(own, sh->size);
	}
	/* Before the views change: the guard must not map over new pages. */
	dmb_sigbus_guard_del(sh->guard_cpu);
	dmb_sigbus_guard_del(sh->guard_dev);
	if (own != MAP_FAILED)
		DMB_WARN(map_range(r, sh->offset, sh->size, r->memfd,
				   (off_t)sh->offset),
			 "region %s: cannot map its pages back", r->name);
	__dmb_space_write_unlock(r->space);
	/* Whatever happened above, no other process keeps the pages. */
	DMB_WARN(ftruncate(sh->fd, 0), "region %s: truncate failed: %d",
		 r->name, errno);
	close(sh->fd);
	free(sh);
}

void dmb_mem_unshare(struct dmb_mem_region *r, uint64_t phys, uint64_t size)
{
	struct dmb_mem_share **link, *sh;
	uint64_t offset;

	if (DMB_WARN(!r || !size || phys < r->base || phys - r->base >= r->size ||
		     size > r->size - (phys - r->base),
		     "dmb_mem_unshare of [%#llx, +%#llx): not in the region",
		     (unsigned long long)phys, (unsigned long long)size))
		return;
	offset = phys - r->base;
	pthread_mutex_lock(&r->share_lock);
	link = &r->shares;
	while ((sh = *link)) {
		if (sh->offset >= offset && sh->offset + sh->size <= offset + size) {
			*link = sh->next;
			take_back(r, sh);
		} else {
			link = &sh->next;
		}
	}
	pthread_mutex_unlock(&r->share_lock);
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

void dmb_mem_share_note_writer(struct dmb_mem_region *r, uint64_t phys,
			       uint64_t size, const char *writer)
{
	struct dmb_mem_share *sh;
	uint64_t offset;
	size_t len;

	if (DMB_WARN(!r || !writer || !size || phys < r->base ||
		     phys - r->base >= r->size || size > r->size - (phys - r->base),
		     "dmb_mem_share_note_writer of [%#llx, +%#llx): not in the region",
		     (unsigned long long)phys, (unsigned long long)size))
		return;
	offset = phys - r->base;
	pthread_mutex_lock(&r->share_lock);
	for (sh = r->shares; sh; sh = sh->next) {
		if (sh->offset >= offset + size || offset >= sh->offset + sh->size ||
		    listed(sh->writers, writer))
			continue;
		/* The list keeps the first ones that fit. */
		len = strlen(sh->writers);
		snprintf(sh->writers + len, sizeof(sh->writers) - len, "%s%s",
			 len ? ", " : "", writer);
	}
	pthread_mutex_unlock(&r->share_lock);
}

int dmb_mem_share_check(struct dmb_mem_region *r, uint64_t phys, uint64_t size)
{
	struct dmb_mem_share *sh;
	uint64_t offset;
	int ret = 0;

	if (DMB_WARN(!r || !size || phys < r->base || phys - r->base >= r->size ||
		     size > r->size - (phys - r->base),
		     "dmb_mem_share_check of [%#llx, +%#llx): not in the region",
		     (unsigned long long)phys, (unsigned long long)size))
		return -EINVAL;
	offset = phys - r->base;
	pthread_mutex_lock(&r->share_lock);
	for (sh = r->shares; sh; sh = sh->next) {
		if (sh->offset >= offset + size || offset >= sh->offset + sh->size ||
		    !report_damage(r, sh))
			continue;
		ret = -EIO;
	}
	pthread_mutex_unlock(&r->share_lock);
	return ret;
}
