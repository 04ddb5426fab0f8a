// SPDX-License-Identifier: MIT
/*
 * scatterlist.c - allocation of sg_table entries.
 *
 * Contract: a table owns a calloc()ed array of entries; exporters fill them.
 * Locking: none (a table belongs to one mapping).
 */
#include <errno.h>
#include <stdlib.h>

#include <dmabuf/diag.h>
#include <dmabuf/scatterlist.h>

int sg_alloc_table(struct sg_table *table, unsigned int nents)
{
	if (DMB_WARN(!table || !nents, "sg_alloc_table(%p, %u)", (void *)table,
		     nents))
		return -EINVAL;
	table->sgl = calloc(nents, sizeof(*table->sgl));
	if (!table->sgl)
		return -ENOMEM;
	table->nents = nents;
	table->orig_nents = nents;
	return 0;
}

void sg_free_table(struct sg_table *table)
{
	if (!table)
		return;
	free(table->sgl);
	table->sgl = NULL;
	table->nents = 0;
	table->orig_nents = 0;
}
