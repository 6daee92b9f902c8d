/*
 * test_ring - util/ring: insertion at the front, detaching (also of an
 * entry never inserted or already detached), counting, the first entry,
 * walking and getting back from an entry to its structure.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ring.h"

struct client {
	int id;
	struct ring link;
};

static void
test_empty(void **state)
{
	struct ring head = RING_INIT(head);

	assert_int_equal(ring_count(&head), 0);
	assert_null(ring_first(&head));
	assert_ptr_equal(ring_succ(&head), &head);
}

static void
test_prepend_walk_detach(void **state)
{
	struct ring head = RING_INIT(head);
	struct client c[3] = {{.id = 1}, {.id = 2}, {.id = 3}};
	struct ring *r;
	int order[3], n = 0;

	for (int i = 0; i < 3; i++)
		ring_prepend(&head, &c[i].link);
	assert_int_equal(ring_count(&head), 3);
	RING_FOREACH(r, &head)
	order[n++] = RING_ENTRY(r, struct client, link)->id;
	assert_int_equal(order[0], 3); /* the newest first */
	assert_int_equal(order[1], 2);
	assert_int_equal(order[2], 1);

	ring_detach(&c[1].link); /* from the middle */
	assert_int_equal(ring_count(&head), 2);
	ring_detach(&c[1].link); /* again: no effect */
	assert_int_equal(ring_count(&head), 2);
	assert_ptr_equal(RING_ENTRY(ring_first(&head), struct client, link),
	    &c[2]);

	/* Free-all idiom: take the first until none is left. */
	n = 0;
	while ((r = ring_first(&head)) != NULL) {
		ring_detach(r);
		n++;
	}
	assert_int_equal(n, 2);
	assert_int_equal(ring_count(&head), 0);
}

static void
test_detach_never_inserted(void **state)
{
	struct ring head = RING_INIT(head);
	struct client lone = {0};
	struct client in = {.id = 7};

	ring_prepend(&head, &in.link);
	ring_detach(&lone.link);
	assert_int_equal(ring_count(&head), 1);
	assert_ptr_equal(ring_first(&head), &in.link);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_prepend_walk_detach),
	    cmocka_unit_test(test_detach_never_inserted),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
