/*
 * fuzz_master_conf - the master.cf parser: the input is a master.cf. It is
 * parsed with master_cf_load() (util/cfg) and, when that succeeds, turned
 * into master's list of services with master_conf_build() (the entry
 * checks, inet addresses, exec vectors and duplicate detection), as at
 * start-up and reload.
 *
 * inet services that name a host (not an address literal or "*") are not
 * built: that would be a DNS lookup. The main.cf, written once into the
 * target's temporary directory, sets numeric inet_interfaces, a
 * daemon_directory with a "smtpd" and a "qmgr" in it, and
 * master_service_disable.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "cfg.h"
#include "fuzz.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "vbuf.h"
#include "../../master/master.h"

static struct vbuf path = VBUF_INIT;

static void
configure(void)
{
	const char *dir = fuzz_tmpdir("fuzz_master_conf");
	struct vbuf buf = VBUF_INIT;
	const char *progs[] = {"smtpd", "qmgr"};

	fuzz_msg_init("fuzz_master_conf");
	vbuf_printf(&buf,
	    "daemon_directory = %s\n"
	    "inet_interfaces = 127.0.0.1, [::1]\n"
	    "inet_protocols = all\n"
	    "master_service_disable = pickup/unix, fifo\n",
	    dir);
	vbuf_printf(&path, "%s/main.cf", dir);
	fuzz_write(vbuf_str(&path), (const uint8_t *)buf.data, buf.len);
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		vbuf_reset(&path);
		vbuf_printf(&path, "%s/%s", dir, progs[i]);
		fuzz_write(vbuf_str(&path), (const uint8_t *)"", 0);
		if (chmod(vbuf_str(&path), 0755) < 0)
			msg_fatal("chmod %s: %m", vbuf_str(&path));
	}
	vbuf_free(&buf);
	param_load(dir);
	master_param_init();
	master_config_dir = dir;
	master_conf_quiet = 0;
	vbuf_reset(&path);
	vbuf_printf(&path, "%s/master.cf", dir);
}

/* numeric_host - the host of an inet service needs no lookup */

static int
numeric_host(const char *service)
{
	unsigned char a[16];
	const char *colon, *close;
	char *host;
	int ok;

	if (*service == '[') {
		if ((close = strchr(service, ']')) == NULL)
			return (1); /* a syntax error, no lookup */
		host = mem_strndup(service + 1, (size_t)(close - service - 1));
	} else if ((colon = strrchr(service, ':')) != NULL) {
		host = mem_strndup(service, (size_t)(colon - service));
	} else {
		return (1); /* bare port: inet_interfaces */
	}
	ok = *host == 0 || strcmp(host, "*") == 0 ||
	    inet_pton(AF_INET, host, a) == 1 ||
	    inet_pton(AF_INET6, host, a) == 1;
	mem_free(host);
	return (ok);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct master_ent *ents;
	struct master_serv *list;
	struct vbuf why = VBUF_INIT;
	size_t count, i;

	if (path.len == 0)
		configure();
	fuzz_write(vbuf_str(&path), data, size);
	if (master_cf_load(vbuf_str(&path), &ents, &count, &why) < 0) {
		vbuf_free(&why);
		return (0);
	}
	for (i = 0; i < count; i++)
		if (ents[i].type == MASTER_INET &&
		    !numeric_host(ents[i].service))
			break;
	master_cf_free(ents, count);
	if (i == count) {
		vbuf_reset(&why);
		list = master_conf_build(vbuf_str(&path), &why);
		master_conf_free_list(list);
	}
	vbuf_free(&why);
	return (0);
}
