/*
 * setgid - what a set-group-ID command does first; see setgid.h.
 *
 * Implementation notes. The environment is replaced, not filtered: a
 * variable we did not think of (LD_*, MALLOC_*, RES_OPTIONS, HOSTALIASES)
 * cannot slip through. The dynamic loader already ignores LD_* for a
 * set-group-ID process; clearing it again costs nothing and also covers
 * libraries that read the environment at run time.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "setgid.h"
#include "mem.h"
#include "msg.h"
#include "param.h"

static int setgid_priv;

/*
 * Under AddressSanitizer (make check SAN=1): LeakSanitizer cannot work in
 * a set-group-ID process (the kernel makes it non-dumpable) and ends it
 * with a fatal error, so the set-group-ID commands, which link this module,
 * turn leak checking off by default; ASan and UBSan still run, and
 * ASAN_OPTIONS can still turn it on. Unused in a normal build.
 */
const char *__asan_default_options(void);

const char *
__asan_default_options(void)
{
	return ("detect_leaks=0");
}
static char *setgid_env_config;

/* setgid_fds - make sure descriptors 0, 1 and 2 are open */

static void
setgid_fds(void)
{
	int fd;

	for (fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		if (open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
			msg_fatal("open /dev/null: %m");
	}
}

/* setgid_env - keep TZ and LANG, drop everything else */

static void
setgid_env(void)
{
	static const char *const keep[] = {"TZ", "LANG", NULL};
	char *saved[2] = {NULL, NULL};
	const char *v;
	int i;

	if ((v = getenv("MAIL_CONFIG")) != NULL && *v != 0)
		setgid_env_config = mem_strdup(v);
	for (i = 0; keep[i] != NULL; i++)
		if ((v = getenv(keep[i])) != NULL)
			saved[i] = mem_strdup(v);
	if (clearenv() != 0)
		msg_fatal("cannot clear the environment");
	for (i = 0; keep[i] != NULL; i++) {
		if (saved[i] != NULL && setenv(keep[i], saved[i], 1) != 0)
			msg_fatal("setenv %s: %m", keep[i]);
		mem_free(saved[i]);
	}
}

void
setgid_init(void)
{
	setgid_priv = getegid() != getgid() || geteuid() != getuid();
	if (!setgid_priv)
		return;
	setgid_fds();
	setgid_env();
}

int
setgid_privileged(void)
{
	return (setgid_priv);
}

/* setgid_listed - dir is an entry of the loaded list parameter name */

static int
setgid_listed(const char *name, const char *dir)
{
	char **list = param_list(name);
	size_t i;

	for (i = 0; list != NULL && list[i] != NULL; i++)
		if (strcmp(list[i], dir) == 0)
			return (1);
	return (0);
}

void
setgid_load(const char *config_dir)
{
	const char *dir = config_dir;
	char *copy;

	if (dir == NULL || *dir == 0)
		dir = setgid_priv ? setgid_env_config : getenv("MAIL_CONFIG");
	if (!setgid_priv || dir == NULL || *dir == 0 || getuid() == 0 ||
	    strcmp(dir, param_builtin_config_dir()) == 0) {
		param_load(dir != NULL && *dir != 0 ? dir : NULL);
		return;
	}
	copy = mem_strdup(dir);
	param_load(param_builtin_config_dir());
	if (!setgid_listed("alternate_config_directories", copy) &&
	    !setgid_listed("multi_instance_directories", copy))
		msg_fatal("unauthorized configuration directory name: %s",
		    copy);
	param_load(copy);
	mem_free(copy);
}
