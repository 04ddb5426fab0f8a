/* SPDX-License-Identifier: MIT */
/*
 * list.h - intrusive doubly linked circular list, the kernel's list_head.
 *
 * An empty list is a head that points at itself. Entries are embedded in the
 * objects they link, so adding and removing never allocates and never fails.
 *
 * Locking: none. Every list belongs to an object whose documentation says
 * which lock protects it.
 */
#ifndef DMABUF_LIST_H
#define DMABUF_LIST_H

#include <stdbool.h>
#include <dmabuf/compiler.h>

DMB_BEGIN_DECLS

struct dmb_list_head {
	struct dmb_list_head *next, *prev;
};

#define DMB_LIST_HEAD_INIT(name) { &(name), &(name) }

/**
 * dmb_list_init - an empty list (or a detached entry)
 *
 * Context: the caller serialises access to the list (its lock, or sole
 *	ownership).
 */
static inline void dmb_list_init(struct dmb_list_head *head)
{
	head->next = head;
	head->prev = head;
}

/**
 * dmb_list_empty - true if @head has no entries
 *
 * Context: the caller serialises access to the list (its lock, or sole
 *	ownership).
 */
static inline bool dmb_list_empty(const struct dmb_list_head *head)
{
	return head->next == head;
}

/**
 * __dmb_list_insert - link @entry between @prev and @next (internal)
 *
 * Context: the caller serialises access to the list (its lock, or sole
 *	ownership).
 */
static inline void __dmb_list_insert(struct dmb_list_head *entry,
				     struct dmb_list_head *prev,
				     struct dmb_list_head *next)
{
	next->prev = entry;
	entry->next = next;
	entry->prev = prev;
	prev->next = entry;
}

/*
 * Insert @entry right after @head (stack order).
 *
 * Context: the caller serialises access to the list (its lock, or sole
 *	ownership).
 */
static inline void dmb_list_add(struct dmb_list_head *entry,
				struct dmb_list_head *head)
{
	__dmb_list_insert(entry, head, head->next);
}

/*
 * Insert @entry right before @head (queue order).
 *
 * Context: the caller serialises access to the list (its lock, or sole
 *	ownership).
 */
static inline void dmb_list_add_tail(struct dmb_list_head *entry,
				     struct dmb_list_head *head)
{
	__dmb_list_insert(entry, head->prev, head);
}

/*
 * Unlink @entry and make it an empty list of its own, so that a second
 * dmb_list_del() or a dmb_list_empty() test on it is harmless.
 * Context: the caller serialises access to the list (its lock, or sole
 *	ownership).
 */
static inline void dmb_list_del(struct dmb_list_head *entry)
{
	entry->next->prev = entry->prev;
	entry->prev->next = entry->next;
	dmb_list_init(entry);
}

/*
 * Move every entry of @list to the tail of @head; @list becomes empty.
 *
 * Context: the caller serialises access to both lists.
 */
static inline void dmb_list_splice_tail_init(struct dmb_list_head *list,
					     struct dmb_list_head *head)
{
	if (dmb_list_empty(list))
		return;
	list->next->prev = head->prev;
	head->prev->next = list->next;
	list->prev->next = head;
	head->prev = list->prev;
	dmb_list_init(list);
}

#define dmb_list_entry(ptr, type, member) dmb_container_of(ptr, type, member)

#define dmb_list_first_entry(head, type, member) \
	dmb_list_entry((head)->next, type, member)

#define dmb_list_for_each_entry(pos, head, member)				\
	for (pos = dmb_list_entry((head)->next, __typeof__(*pos), member);	\
	     &pos->member != (head);						\
	     pos = dmb_list_entry(pos->member.next, __typeof__(*pos), member))

/* As above, but @pos may be unlinked (and freed) inside the loop body. */
#define dmb_list_for_each_entry_safe(pos, tmp, head, member)			\
	for (pos = dmb_list_entry((head)->next, __typeof__(*pos), member),	\
	     tmp = dmb_list_entry(pos->member.next, __typeof__(*pos), member);	\
	     &pos->member != (head);						\
	     pos = tmp,								\
	     tmp = dmb_list_entry(tmp->member.next, __typeof__(*tmp), member))

DMB_END_DECLS

#endif /* DMABUF_LIST_H */
