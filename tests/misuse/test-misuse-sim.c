// SPDX-License-Identifier: MIT
/*
 * test-misuse-sim.c - the misuse suite of libdmabuf-sim (issue #10): every
 * public function of include/dmabuf/hw and include/dmabuf/drivers called
 * with NULL for each pointer argument, in the wrong states (a transition of
 * a closed PCI function, a reset ended that was not begun, a destroy while
 * the object is in use, an unmap or free of what is not mapped or
 * allocated) and with ranges that are outside their object or wrap past
 * 2^64, each case in a forked child (misuse.h) on a simulated machine of
 * its own (sim.h). The cases live in cases-hw.c, cases-hw-pci.c and
 * cases-drivers.c.
 */
#include "misuse.h"

int main(int argc, char **argv)
{
	return misuse_main(argc, argv, __FILE__);
}
