/*
 * relayconf.h - the main.cf of the relay unit tests (test_resolve,
 * test_smtpd_check); header-only, include it after cmocka.h.
 *
 *	int  relayconf_setup(void **state);
 *	int  relayconf_teardown(void **state);
 *	void relayconf_load(const char *extra, const char *settings);
 *
 * relayconf_setup() makes a temporary directory (a cmocka group fixture;
 * relayconf_teardown() removes it). relayconf_load() writes main.cf
 * there: queue_directory, mydestination = localhost, relay_domains =
 * relay.example, inet_interfaces = all, proxy_interfaces = 192.0.2.7 and
 * myhostname mx.example.net; then extra as it is (whole lines, may be
 * ""), then each item of settings ("name=value;name=value", or NULL) on a
 * line of its own; and loads it with param_load(). A failure fails the
 * test.
 */
#ifndef SLUICE_TEST_RELAYCONF_H
#define SLUICE_TEST_RELAYCONF_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"
#include "param.h"

static char relayconf_dir[] = "/tmp/test_relayconf.XXXXXX";

static int
relayconf_setup(void **state)
{
	return mkdtemp(relayconf_dir) == NULL ? -1 : 0;
}

static int
relayconf_teardown(void **state)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", relayconf_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
relayconf_load(const char *extra, const char *settings)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/main.cf", relayconf_dir);
	assert_non_null(fp = fopen(path, "w"));
	fprintf(fp,
	    "queue_directory = %s\n"
	    "compatibility_level = 3.6\n"
	    "myhostname = mx.example.net\n"
	    "mydomain = example.net\n"
	    "mydestination = localhost\n"
	    "relay_domains = relay.example\n"
	    "inet_interfaces = all\n"
	    "proxy_interfaces = 192.0.2.7\n"
	    "%s",
	    relayconf_dir, extra);
	if (settings) {
		char *copy = mem_strdup(settings), *p = copy, *item;

		while ((item = strsep(&p, ";")) != NULL)
			if (*item)
				fprintf(fp, "%s\n", item);
		mem_free(copy);
	}
	assert_int_equal(fclose(fp), 0);
	param_load(relayconf_dir);
}

#endif
