// SPDX-License-Identifier: MIT
/*
 * test-misuse.c - the misuse suite of libdmabuf's public API (issue #10):
 * every public function of the headers in include/dmabuf called with NULL for each
 * pointer argument and in the wrong states, each case in a forked child
 * (misuse.h). The cases live in cases-*.c, one file per header family;
 * tests/misuse/meson.build checks that every declared function has one.
 */
#include "misuse.h"

int main(int argc, char **argv)
{
	return misuse_main(argc, argv, __FILE__);
}
