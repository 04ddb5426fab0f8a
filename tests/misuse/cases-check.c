// SPDX-License-Identifier: MIT
/*
 * cases-check.c - misuse of check.h, the protocol checker's API: NULL
 * bounds, tokens, names and records, and kinds out of range.
 */
#include <dmabuf/check.h>

#include "misuse.h"

MISUSE_NOTHING(dmb_check_now, "no argument")
MISUSE_NOTHING(dmb_check_total, "no argument")
MISUSE_NOTHING(dmb_check_reset, "no argument")

MISUSE_CASE(dmb_check_set_policy, invalid, MISUSE_REPORTED)
{
	enum dmb_check_policy old = dmb_check_set_policy(DMB_CHECK_REPORT);

	dmb_check_set_policy((enum dmb_check_policy)99);
	return dmb_check_set_policy(old) == DMB_CHECK_REPORT;
}

MISUSE_CASE(dmb_check_set_bounds, null, MISUSE_REPORTED)
{
	return dmb_check_set_bounds(NULL) == -EINVAL;
}

MISUSE_CASE(dmb_check_get_bounds, null, MISUSE_REPORTED)
{
	dmb_check_get_bounds(NULL);
	return true;
}

MISUSE_CASE(dmb_check_set_clock, null, MISUSE_SILENT)
{
	dmb_check_set_clock(NULL);	/* documented: real time */
	return dmb_check_now() > 0;
}

MISUSE_CASE(dmb_check_report_at, null_subject, MISUSE_REPORTED)
{
	/* a subject's fields may be NULL, and so may the subject */
	dmb_check_report_at(DMB_V1_INVALIDATE_UNLOCKED, NULL, NULL, 0, NULL,
			    "%s", "misuse");
	return dmb_check_count(DMB_V1_INVALIDATE_UNLOCKED) == 1;
}

MISUSE_CASE(dmb_check_report_at, invalid_kind, MISUSE_REPORTED)
{
	dmb_check_report_at((enum dmb_violation)99, NULL, __FILE__, __LINE__,
			    __func__, "%s", "misuse");
	return dmb_check_total() == 0;
}

MISUSE_CASE(dmb_check_count, invalid_kind, MISUSE_SILENT)
{
	return dmb_check_count((enum dmb_violation)99) == 0;
}

MISUSE_CASE(dmb_check_records, null, MISUSE_REPORTED)
{
	return dmb_check_records(NULL, 4) == 0;
}

MISUSE_CASE(dmb_violation_name, invalid_kind, MISUSE_SILENT)
{
	return dmb_violation_name((enum dmb_violation)99) != NULL;
}

MISUSE_CASE(dmb_violation_summary, invalid_kind, MISUSE_SILENT)
{
	return dmb_violation_summary((enum dmb_violation)99) != NULL;
}

/* Documented: a NULL subject names nobody. */
MISUSE_CASE(dmb_check_names_create, null, MISUSE_SILENT)
{
	return dmb_check_names_create(NULL) != NULL;
}

MISUSE_CASE(dmb_check_names_get, null, MISUSE_SILENT)
{
	return dmb_check_names_get(NULL) == NULL;
}

MISUSE_CASE(dmb_check_names_put, null, MISUSE_SILENT)
{
	dmb_check_names_put(NULL);
	return true;
}

/* Tolerated, as the get/put of names: NULL in, NULL out. */
MISUSE_CASE(dmb_check_names_subject, null, MISUSE_SILENT)
{
	return dmb_check_names_subject(NULL) == NULL;
}

MISUSE_CASE(dmb_check_map_create_named, null, MISUSE_REPORTED)
{
	return dmb_check_map_create_named(NULL) == NULL && errno == EINVAL;
}

/* As dmb_check_names_create(NULL): a token about nobody. */
MISUSE_CASE(dmb_check_map_create, null, MISUSE_SILENT)
{
	return dmb_check_map_create(NULL) != NULL;
}

MISUSE_CASE(dmb_check_map_reuse, null, MISUSE_REPORTED)
{
	return dmb_check_map_reuse(NULL) == -EINVAL;
}

MISUSE_CASE(dmb_check_map_get, null, MISUSE_SILENT)
{
	return dmb_check_map_get(NULL) == NULL;
}

MISUSE_CASE(dmb_check_map_put, null, MISUSE_SILENT)
{
	dmb_check_map_put(NULL);
	return true;
}

MISUSE_CASE(dmb_check_map_invalidate, null, MISUSE_REPORTED)
{
	dmb_check_map_invalidate(NULL);
	return true;
}

MISUSE_CASE(dmb_check_map_unmap, null, MISUSE_REPORTED)
{
	dmb_check_map_unmap(NULL, false);
	return true;
}

MISUSE_CASE(dmb_check_map_state, null, MISUSE_REPORTED)
{
	dmb_check_map_state(NULL);
	return true;
}

MISUSE_CASE(dmb_check_map_subject, null, MISUSE_REPORTED)
{
	return dmb_check_map_subject(NULL) == NULL;
}

MISUSE_CASE(dmb_check_map_invalidated_at, null, MISUSE_REPORTED)
{
	dmb_check_map_invalidated_at(NULL);
	return true;
}

MISUSE_CASE(dmb_check_map_unmapped_at, null, MISUSE_REPORTED)
{
	dmb_check_map_unmapped_at(NULL);
	return true;
}

MISUSE_CASE(dmb_check_dma, null, MISUSE_REPORTED)
{
	return dmb_check_dma(NULL, DMB_DMA_READ) == -EINVAL;
}

MISUSE_NOTHING(dmb_check_set_quarantine, "a bool: both values are valid")
MISUSE_NOTHING(dmb_check_quarantine_enabled, "no argument")
MISUSE_NOTHING(dmb_check_quarantine_flush, "no argument; flushing an empty or disabled quarantine is valid")

MISUSE_CASE(dmb_check_quarantine_stats, null, MISUSE_REPORTED)
{
	struct dmb_quarantine_stats st = { .objects = 1 };

	dmb_check_quarantine_stats(NULL);
	dmb_check_quarantine_stats(&st);	/* still answers afterwards */
	return st.objects == 0;
}
