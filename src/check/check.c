// SPDX-License-Identifier: MIT
/*
 * check.c - the protocol checker's reports: violation records, counts,
 * policy, bounds and clock (see check.h for the contract).
 *
 * A report formats its detail, copies the subject's strings into a record
 * (they may not outlive the call), stamps it with the checker clock, keeps it
 * hands it to the diagnostics sink as one line starting with the violation's
 * name, then - only once the sink has returned - keeps it in a ring of the
 * DMB_CHECK_RECORDS most recent (the oldest is overwritten) and counts it per
 * kind, and aborts if the policy says so.
 *
 * The checker also turns lockdep's lock-order inversions into V10: at load
 * time it registers the reservation class's mutex name for order tracking
 * and installs the inversion hook (base cannot call up into this layer).
 *
 * Locking: check_lock, a leaf mutex, protects the ring and the bounds and is
 * never held across a call out (the sink runs without it). Counts, policy
 * and the clock pointer are atomics. So every function may be called from
 * any thread, with any library lock held.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dmabuf/check.h>
#include <dmabuf/diag.h>
#include <dmabuf/lockdep.h>

static pthread_mutex_t check_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dmb_check_record records[DMB_CHECK_RECORDS];
static unsigned long records_written;	/* since the last reset */
static struct dmb_check_bounds bounds = {
	.unmap_ns = NSEC_PER_SEC,
	.fence_ns = NSEC_PER_SEC,
};
static atomic_ulong counts[DMB_NR_VIOLATIONS];
static atomic_int policy = DMB_CHECK_REPORT;
static _Atomic(struct dmb_clock *) check_clock;

static const char *const violation_summaries[DMB_NR_VIOLATIONS] = {
	[DMB_V1_INVALIDATE_UNLOCKED] =
		"invalidate_mappings called without the resv lock",
	[DMB_V2_MAP_UNLOCKED] =
		"exporter map/unmap without the resv lock",
	[DMB_V3_MAP_WHILE_REVOKED] =
		"exporter returned a mapping while revoked",
	[DMB_V4_DMA_AFTER_INVALIDATE] =
		"DMA write started through an invalidated mapping",
	[DMB_V5_DMA_AFTER_UNMAP] =
		"DMA through an unmapped mapping or a revoked buffer",
	[DMB_V6_UNMAP_TIMEOUT] =
		"importer has a broken invalidate_mappings",
	[DMB_V7_FENCE_TIMEOUT] =
		"fence did not signal within the bound",
	[DMB_V8_BAD_UNMAP] =
		"unmap of a table not mapped on this attachment, or double unmap",
	[DMB_V9_BAD_DETACH_OR_PUT] =
		"detach with live mappings, or put of a released buffer",
	[DMB_V10_LOCK_INVERSION] =
		"resv lock order inversion outside an acquire context",
};

static const char *const violation_names[DMB_NR_VIOLATIONS] = {
	[DMB_V1_INVALIDATE_UNLOCKED] = "V1",
	[DMB_V2_MAP_UNLOCKED] = "V2",
	[DMB_V3_MAP_WHILE_REVOKED] = "V3",
	[DMB_V4_DMA_AFTER_INVALIDATE] = "V4",
	[DMB_V5_DMA_AFTER_UNMAP] = "V5",
	[DMB_V6_UNMAP_TIMEOUT] = "V6",
	[DMB_V7_FENCE_TIMEOUT] = "V7",
	[DMB_V8_BAD_UNMAP] = "V8",
	[DMB_V9_BAD_DETACH_OR_PUT] = "V9",
	[DMB_V10_LOCK_INVERSION] = "V10",
};

static bool violation_valid(enum dmb_violation kind)
{
	return kind >= DMB_V1_INVALIDATE_UNLOCKED && kind < DMB_NR_VIOLATIONS;
}

const char *dmb_violation_name(enum dmb_violation kind)
{
	return violation_valid(kind) ? violation_names[kind] : "V?";
}

const char *dmb_violation_summary(enum dmb_violation kind)
{
	return violation_valid(kind) ? violation_summaries[kind] : "unknown";
}

enum dmb_check_policy dmb_check_set_policy(enum dmb_check_policy new)
{
	if (DMB_WARN(new != DMB_CHECK_REPORT && new != DMB_CHECK_ABORT,
		     "unknown checker policy %d", (int)new))
		return atomic_load(&policy);
	return atomic_exchange(&policy, new);
}

int dmb_check_set_bounds(const struct dmb_check_bounds *new)
{
	if (DMB_WARN(!new, "NULL checker bounds"))
		return -EINVAL;
	if (DMB_WARN(new->unmap_ns <= 0 || new->fence_ns <= 0,
		     "checker bounds must be positive (unmap %lld ns, fence %lld ns)",
		     (long long)new->unmap_ns, (long long)new->fence_ns))
		return -EINVAL;
	pthread_mutex_lock(&check_lock);
	bounds = *new;
	pthread_mutex_unlock(&check_lock);
	return 0;
}

void dmb_check_get_bounds(struct dmb_check_bounds *out)
{
	if (DMB_WARN(!out, "dmb_check_get_bounds(NULL)"))
		return;
	pthread_mutex_lock(&check_lock);
	*out = bounds;
	pthread_mutex_unlock(&check_lock);
}

void dmb_check_set_clock(struct dmb_clock *clock)
{
	atomic_store(&check_clock, clock);
}

int64_t dmb_check_now(void)
{
	struct dmb_clock *clock = atomic_load(&check_clock);

	return dmb_clock_now(clock ? clock : dmb_clock_real());
}

unsigned long dmb_check_count(enum dmb_violation kind)
{
	return violation_valid(kind) ? atomic_load(&counts[kind]) : 0;
}

unsigned long dmb_check_total(void)
{
	unsigned long total = 0;

	for (int kind = DMB_V1_INVALIDATE_UNLOCKED; kind < DMB_NR_VIOLATIONS; kind++)
		total += atomic_load(&counts[kind]);
	return total;
}

size_t dmb_check_records(struct dmb_check_record *out, size_t max)
{
	unsigned long first, n;

	if (DMB_WARN(!out && max, "dmb_check_records into NULL"))
		return 0;
	pthread_mutex_lock(&check_lock);
	n = records_written < DMB_CHECK_RECORDS ? records_written : DMB_CHECK_RECORDS;
	if (n > max)
		n = max;
	first = records_written - n;
	for (unsigned long i = 0; i < n; i++)
		out[i] = records[(first + i) % DMB_CHECK_RECORDS];
	pthread_mutex_unlock(&check_lock);
	return n;
}

void dmb_check_reset(void)
{
	pthread_mutex_lock(&check_lock);
	records_written = 0;
	memset(records, 0, sizeof(records));
	for (int kind = 0; kind < DMB_NR_VIOLATIONS; kind++)
		atomic_store(&counts[kind], 0);
	pthread_mutex_unlock(&check_lock);
}

static void copy_name(char *dst, const char *src)
{
	snprintf(dst, DMB_CHECK_NAME_LEN, "%s", src ? src : "");
}

/* Append " what=name" to @buf for each subject field that is set. */
static void format_subject(char *buf, size_t size,
			   const struct dmb_check_record *rec)
{
	const struct { const char *what, *name; } fields[] = {
		{ "buffer", rec->buffer },
		{ "exporter", rec->exporter },
		{ "importer", rec->importer },
		{ "device", rec->device },
	};
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < DMB_ARRAY_SIZE(fields) && len < size; i++) {
		int n;

		if (!fields[i].name[0])
			continue;
		n = snprintf(buf + len, size - len, " %s=%s", fields[i].what,
			     fields[i].name);
		if (n < 0)
			break;
		len += (size_t)n;
	}
}

void dmb_check_report_at(enum dmb_violation kind,
			 const struct dmb_check_subject *who, const char *file,
			 int line, const char *func, const char *fmt, ...)
{
	static const struct dmb_check_subject nobody;
	struct dmb_check_record rec = { .kind = kind };
	char subject[4 * (DMB_CHECK_NAME_LEN + 16)];
	char detail[1024] = "";	/* zeroed: copied whole below */
	va_list ap;

	if (!who)
		who = &nobody;
	rec.time_ns = dmb_check_now();
	copy_name(rec.buffer, who->buffer);
	copy_name(rec.exporter, who->exporter);
	copy_name(rec.importer, who->importer);
	copy_name(rec.device, who->device);
	/* The sink gets the whole detail; the record keeps what fits. */
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	memcpy(rec.detail, detail, sizeof(rec.detail) - 1);	/* rec is zeroed */

	format_subject(subject, sizeof(subject), &rec);
	dmb_diag_report_at(DMB_DIAG_VIOLATION, file, line, func,
			   "%s %s:%s%s %s [check t=%lld.%09lld]",
			   dmb_violation_name(kind), dmb_violation_summary(kind),
			   subject, subject[0] ? ":" : "", detail,
			   (long long)(rec.time_ns / NSEC_PER_SEC),
			   (long long)(rec.time_ns % NSEC_PER_SEC));

	/*
	 * Published only now that the sink has the report: a program that
	 * sees the count (or the record) rise and then looks at what its sink
	 * received must find the report there. The record goes in before the
	 * count, so a count seen implies its record is kept too.
	 */
	pthread_mutex_lock(&check_lock);
	records[records_written++ % DMB_CHECK_RECORDS] = rec;
	pthread_mutex_unlock(&check_lock);
	if (violation_valid(kind))
		atomic_fetch_add(&counts[kind], 1);

	if (atomic_load(&policy) == DMB_CHECK_ABORT)
		abort();
}

/*
 * lockdep's inversion hook: @taken was just taken while @held is held, both
 * outside an acquire context, and the opposite order was seen before.
 */
static void check_lock_inversion(const struct dmb_lockdep_map *held,
				 const struct dmb_lockdep_map *taken,
				 unsigned int path)
{
	dmb_check_report(DMB_V10_LOCK_INVERSION, NULL,
			 "took %s %p while holding %s %p, but the opposite order was seen before (%p to %p in %u step%s); two threads doing both can deadlock",
			 taken->name, (const void *)taken, held->name,
			 (const void *)held, (const void *)taken,
			 (const void *)held, path, path > 1 ? "s" : "");
}

/* Which locks are order-checked is up to their owners (dma-resv.c). */
static void __attribute__((constructor)) check_init(void)
{
	dmb_lockdep_set_inversion_hook(check_lock_inversion);
}
