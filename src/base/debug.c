// SPDX-License-Identifier: MIT
/*
 * debug.c - the debug/production mode switch (see debug.h).
 *
 * Contract: the mode is decided exactly once, by whichever comes first:
 * dmb_debug_set(), or the first dmb_debug_enabled() (which reads
 * DMABUF_DEBUG). Every later reader sees that decision.
 *
 * Locking: one atomic moved once from -1 by a compare-and-swap; the loser
 * of a race reads the winner's decision.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <dmabuf/debug.h>

atomic_int __dmb_debug_mode = -1;

/* The mode DMABUF_DEBUG asks for: off only for an explicit 0/off/no/false. */
static int mode_from_env(void)
{
	static const char *const off[] = { "0", "off", "no", "false" };
	const char *v = getenv("DMABUF_DEBUG");

	for (size_t i = 0; v && i < DMB_ARRAY_SIZE(off); i++)
		if (strcasecmp(v, off[i]) == 0)
			return 0;
	return 1;
}

int __dmb_debug_decide(void)
{
	int expected = -1;

	atomic_compare_exchange_strong(&__dmb_debug_mode, &expected,
				       mode_from_env());
	return atomic_load(&__dmb_debug_mode);
}

int dmb_debug_set(bool on)
{
	int expected = -1;

	if (atomic_compare_exchange_strong(&__dmb_debug_mode, &expected, on))
		return 0;
	return expected == (int)on ? 0 : -EBUSY;
}
