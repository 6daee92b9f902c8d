#ifndef SLUICE_RING_H
#define SLUICE_RING_H
/*
 * NAME
 *	ring - the list of live connections of a multi-client daemon
 * SYNOPSIS
 *	#include "ring.h"
 *
 *	static struct ring head = RING_INIT(head);
 *
 *	void ring_prepend(struct ring *head, struct ring *entry);
 *	void ring_detach(struct ring *entry);
 *	int  ring_count(const struct ring *head);
 *	struct ring *ring_first(struct ring *head);
 *
 *	TYPE *RING_ENTRY(struct ring *entry, TYPE, member);
 *	RING_FOREACH(struct ring *entry, struct ring *head) ...
 *	struct ring *ring_succ(struct ring *entry);
 * DESCRIPTION
 *	A circular doubly-linked list (the shape of Postfix's ring) whose
 *entries are struct ring members embedded in the application's structures (a
 *cleanup or flush client, a delivery request, an SMTP session), with an empty
 *head of its own. A head is initialised with RING_INIT(name) and is empty when
 *ring_succ(head) == head.
 *
 *	ring_prepend() inserts entry at the front (the newest first).
 *	ring_detach() takes entry out of whatever ring holds it; an entry
 *	that was never inserted (all zero) is left alone, as is one that
 *	was already detached.
 *	ring_first() returns the front entry, NULL when the ring is empty
 *	(e.g. to free every entry: while ((r = ring_first(&head)) != 0)).
 *	ring_count() counts the entries (e.g. clients in progress, for a
 *	draining daemon).
 *
 *	RING_ENTRY() turns an entry into the structure it is the member
 *	of; RING_FOREACH() walks the entries front to back (an entry
 *	must not be detached while the walk stands on it).
 * DIAGNOSTICS
 *	None.
 */
#include <stddef.h>

struct ring {
	struct ring *succ;
	struct ring *pred;
};

#define RING_INIT(name)                                                        \
	{                                                                      \
		&(name), &(name)                                               \
	}
#define ring_succ(entry) ((entry)->succ)
#define RING_ENTRY(entry, type, member)                                        \
	((type *)((char *)(entry)-offsetof(type, member)))
#define RING_FOREACH(entry, head)                                              \
	for ((entry) = ring_succ(head); (entry) != (head);                     \
	     (entry) = ring_succ(entry))

void ring_prepend(struct ring *head, struct ring *entry);
void ring_detach(struct ring *entry);
int ring_count(const struct ring *head);
struct ring *ring_first(struct ring *head);

#endif
