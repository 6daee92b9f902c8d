/*
 * test_rewrite - canonical/generic mapping, masquerading, and addresses
 * rewritten inside headers with everything else kept as it was.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "rewrite.h"
#include "testdir.h"

static struct testdir td;

static int
setup(void **state)
{
	FILE *fp;

	(void)state;
	if (testdir_make(&td, "test_rewrite", NULL) < 0)
		return (-1);
	fp = fopen("canon", "w");
	if (fp == NULL)
		return (-1);
	fputs("joe@example.com        Joe.Smith@example.com\n"
	      "@old.example           @new.example\n"
	      "ann@example.com        anne@example.org, other@x\n"
	      "loop1@x                loop2@x\n"
	      "loop2@x                loop1@x\n"
	      "chain1@x               chain2@x\n"
	      "chain2@x               chain3@x\n"
	      "bob                    robert@example.net\n",
	    fp);
	return (fclose(fp));
}

static int
teardown(void **state)
{
	(void)state;
	return (testdir_remove(&td));
}

static void
test_map(void **state)
{
	struct maps *m = maps_create("canonical_maps", "texthash:canon", 0);
	struct vbuf out = VBUF_INIT;

	(void)state;
	assert_int_equal(rewrite_map(m, "joe@example.com", 0, "+", &out), 1);
	assert_string_equal(vbuf_str(&out), "Joe.Smith@example.com");
	/* Extension: propagated only when asked. */
	assert_int_equal(rewrite_map(m, "joe+x@example.com", REWRITE_PROPAGATE,
			     "+", &out),
	    1);
	assert_string_equal(vbuf_str(&out), "Joe.Smith+x@example.com");
	assert_int_equal(rewrite_map(m, "joe+x@example.com", 0, "+", &out), 1);
	assert_string_equal(vbuf_str(&out), "Joe.Smith@example.com");
	/* @domain keeps the local part. */
	assert_int_equal(rewrite_map(m, "u+e@old.example", 0, "+", &out), 1);
	assert_string_equal(vbuf_str(&out), "u+e@new.example");
	/* Multi-valued: the first. Chains resolve; loops end. */
	assert_int_equal(rewrite_map(m, "ann@example.com", 0, "+", &out), 1);
	assert_string_equal(vbuf_str(&out), "anne@example.org");
	assert_int_equal(rewrite_map(m, "chain1@x", 0, "", &out), 1);
	assert_string_equal(vbuf_str(&out), "chain3@x");
	assert_true(rewrite_map(m, "loop1@x", 0, "", &out) >= 0);
	/* Bare user only for our own domains. */
	assert_int_equal(rewrite_map(m, "bob@here", 0, "", &out), 0);
	assert_string_equal(vbuf_str(&out), "bob@here");
	assert_int_equal(rewrite_map(m, "bob@here", REWRITE_LOCAL, "", &out),
	    1);
	assert_string_equal(vbuf_str(&out), "robert@example.net");
	maps_free(m);
	m = maps_create("canonical_maps", "hash:/nonexistent/x", 0);
	assert_int_equal(rewrite_map(m, "joe@example.com", 0, "", &out), -1);
	assert_string_equal(vbuf_str(&out), "joe@example.com");
	maps_free(m);
	vbuf_free(&out);
}

static void
test_masquerade(void **state)
{
	char *domains[] = {"!secret.example.com", "example.com", NULL};
	struct maps *ex =
	    maps_create("masquerade_exceptions", "inline:{root=1}", 0);
	struct vbuf out = VBUF_INIT;

	(void)state;
	assert_int_equal(rewrite_masquerade(domains, ex, "u@a.b.example.com",
			     &out),
	    1);
	assert_string_equal(vbuf_str(&out), "u@example.com");
	assert_int_equal(rewrite_masquerade(domains, ex, "u@example.com", &out),
	    0);
	assert_int_equal(rewrite_masquerade(domains, ex,
			     "u@x.secret.example.com", &out),
	    0);
	assert_int_equal(rewrite_masquerade(domains, ex, "root@a.example.com",
			     &out),
	    0);
	assert_int_equal(rewrite_masquerade(domains, ex, "u@other.org", &out),
	    0);
	assert_string_equal(vbuf_str(&out), "u@other.org");
	maps_free(ex);
	vbuf_free(&out);
}

static int
upper_joe(void *ctx, const char *addr, struct vbuf *out)
{
	(*(int *)ctx)++;
	if (strcmp(addr, "joe@x") != 0 && strcmp(addr, "a b@x") != 0)
		return (0);
	vbuf_set(out, strcmp(addr, "joe@x") == 0 ? "JOE@y" : "c d@y");
	return (1);
}

static void
test_header(void **state)
{
	static const struct {
		const char *in, *want;
		int calls;
	} cases[] = {
	    {" Joe (the man) <joe@x>, other@z",
		" Joe (the man) <JOE@y>, other@z", 2},
	    {" joe@x (comment)", " JOE@y (comment)", 1},
	    {" \"Smith, Joe\" <@r1,@r2:joe@x>",
		" \"Smith, Joe\" <@r1,@r2:JOE@y>", 1},
	    {" friends: joe@x,\n\tk@z;, joe@x",
		" friends: JOE@y,\n\tk@z;, JOE@y", 3},
	    {" undisclosed-recipients:;", " undisclosed-recipients:;", 0},
	    {" \"a b\"@x", " \"c d\"@y", 1},
	    {" <>", " <>", 0},
	};
	struct vbuf out = VBUF_INIT;
	size_t i;
	int calls;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		calls = 0;
		assert_true(rewrite_header(cases[i].in, strlen(cases[i].in),
				upper_joe, &calls, &out) >= 0);
		assert_string_equal(vbuf_str(&out), cases[i].want);
		assert_int_equal(calls, cases[i].calls);
	}
	vbuf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_map),
	    cmocka_unit_test(test_masquerade),
	    cmocka_unit_test(test_header),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
