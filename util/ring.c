/*
 * ring - a circular doubly-linked list; see ring.h.
 */
#include "ring.h"

void
ring_prepend(struct ring *head, struct ring *entry)
{
	entry->succ = head->succ;
	entry->pred = head;
	head->succ->pred = entry;
	head->succ = entry;
}

void
ring_detach(struct ring *entry)
{
	if (entry->succ == 0)
		return;
	entry->succ->pred = entry->pred;
	entry->pred->succ = entry->succ;
	entry->succ = entry->pred = 0;
}

int
ring_count(const struct ring *head)
{
	const struct ring *entry;
	int n = 0;

	for (entry = head->succ; entry != head; entry = entry->succ)
		n++;
	return (n);
}

struct ring *
ring_first(struct ring *head)
{
	return (head->succ != head ? head->succ : 0);
}
