// SPDX-License-Identifier: MIT
/*
 * debug.c - the debug/production mode switch (see debug.h).
 *
 * Contract: debug mode until DMABUF_DEBUG (read when the library is loaded)
 * or dmb_debug_set(false) turns it off; from production mode there is no
 * way back, since locks taken meanwhile were never recorded.
 *
 * Locking: one atomic; readers load it relaxed (a check that runs while
 * another thread switches may still be made in debug mode, which is safe:
 * every record it makes is one production mode ignores).
 */
#include <errno.h>
#include <stdlib.h>
#include <strings.h>

#include <dmabuf/compiler.h>
#include <dmabuf/debug.h>

#include "debug-private.h"

atomic_int __dmb_debug_mode = 1;

/* Production mode only for an explicit 0/off/no/false. */
static void __attribute__((constructor)) debug_mode_from_env(void)
{
	static const char *const off[] = { "0", "off", "no", "false" };
	const char *v = getenv("DMABUF_DEBUG");

	for (size_t i = 0; v && i < DMB_ARRAY_SIZE(off); i++)
		if (strcasecmp(v, off[i]) == 0)
			atomic_store(&__dmb_debug_mode, 0);
}

bool dmb_debug_enabled(void)
{
	return __dmb_debug_on();
}

int dmb_debug_set(bool on)
{
	if (!on) {
		atomic_store(&__dmb_debug_mode, 0);
		return 0;
	}
	return atomic_load(&__dmb_debug_mode) ? 0 : -EBUSY;
}
