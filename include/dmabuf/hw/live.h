/* SPDX-License-Identifier: MIT */
/*
 * hw/live.h - which simulated objects exist now, so that a call with one
 * that was destroyed is refused and reported without reading its freed
 * memory.
 *
 * An object embeds a struct dmb_live, added when the object is created and
 * deleted when its handle stops being valid (its destroy or release); an
 * entry point asks dmb_live_refuse() before it touches the object. The
 * registry keeps addresses only: a node is found by comparing its address,
 * never by reading it, and adding one allocates nothing, so creating an
 * object cannot fail here. A freed object whose memory a new object reuses
 * passes for live again: the check catches the common second destroy or
 * use after destroy, not every one.
 *
 * The hw layer's spaces, regions, devices and PCI functions use it, and so
 * do the reference drivers (vfio-pci, vram, importers), which see only
 * public headers; it is public for that reason, and for a driver written
 * outside the tree.
 *
 * Locking: every function is thread-safe. An internal leaf rwlock guards
 * the registry and is held only while one hash bucket is walked; no
 * function calls out under it (a report is made after it is dropped).
 */
#ifndef DMABUF_HW_LIVE_H
#define DMABUF_HW_LIVE_H

#include <stdbool.h>
#include <dmabuf/compiler.h>

DMB_BEGIN_DECLS

/*
 * The node an object embeds. Its one field belongs to the registry (under
 * its lock); the object's owner never touches it.
 */
struct dmb_live {
	struct dmb_live *next;
};

/**
 * dmb_live_add - mark an object live
 * @l: the node embedded in the object
 *
 * Context: any thread; once, when the object is created, before its
 * handle is given out.
 * Return: nothing. A NULL @l or a node that is live already is a WARN
 * and nothing changes.
 */
void dmb_live_add(struct dmb_live *l);

/**
 * dmb_live_del - mark an object gone
 * @l: the node embedded in the object
 *
 * Context: any thread; once, in the object's destroy, before its memory
 * is freed or can be reused.
 * Return: nothing. A NULL @l or a node that is not live is a WARN.
 */
void dmb_live_del(struct dmb_live *l);

/**
 * dmb_live_refuse - refuse a call with an object that does not exist
 * @l: the node embedded in the object; only its address is used, so the
 *	object may have been freed
 * @call: the entry point, named in the report
 *
 * Context: any thread. Call it before reading anything of the object.
 * Return: false if @l is a live object's node; true, with a WARN naming
 * @call, if it is not (destroyed already, or never created), if @l is
 * NULL, or if @call is NULL.
 */
bool dmb_live_refuse(const struct dmb_live *l, const char *call);

DMB_END_DECLS

#endif /* DMABUF_HW_LIVE_H */
