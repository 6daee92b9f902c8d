/*
 * smtpd_check_conf.h - shared set-up of the smtpd_check unit tests
 * (header-only; include it after cmocka.h and the sluice headers).
 *
 * setup() and teardown() make and remove a temporary queue_directory;
 * configure("a=b;c=d") writes main.cf there with the base settings every
 * case shares (myhostname mx.example.net, mydestination localhost,
 * relay_domains relay.example, mynetworks 127.0.0.2/32, ...) followed by
 * the overrides, then loads it and runs smtpd_check_init().
 */
#ifndef SLUICE_TEST_SMTPD_CHECK_CONF_H
#define SLUICE_TEST_SMTPD_CHECK_CONF_H

static char tmpdir[] = "/tmp/test_smtpd_check_conf.XXXXXX";

static int
setup(void **state)
{
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Write main.cf: the base settings, then "a=b;c=d"; load it. */
static void
configure(const char *settings)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/main.cf", tmpdir);
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
	    "mynetworks = 127.0.0.2/32\n",
	    tmpdir);
	if (settings) {
		char *copy = mem_strdup(settings), *p = copy, *item;

		while ((item = strsep(&p, ";")) != NULL)
			if (*item)
				fprintf(fp, "%s\n", item);
		mem_free(copy);
	}
	assert_int_equal(fclose(fp), 0);
	param_load(tmpdir);
	smtpd_check_init();
}

#endif
