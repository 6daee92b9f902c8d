/*
 * sluice_init - write a new self-contained instance; see sluice.h.
 *
 * Implementation notes. main.cf is conf/main.cf followed by an INSTANCE
 * block (later entries win, and postconf -e edits them in place);
 * master.cf is conf/master.cf with the SMTP server's line bound to
 * 127.0.0.1:PORT. Both are created with O_EXCL, so an existing instance
 * is never overwritten, not even by a race.
 *
 * daemon_directory is the directory of the running sluice binary when the
 * master is next to it (a build tree's bin/); an installed sluice lives
 * in sbin/ with its daemons in libexec/sluice, the compiled-in default,
 * and then daemon_directory is not written.
 *
 * mail_owner: an ordinary user's instance runs as that user (mail_owner
 * and setgid_group are the user and their primary group). For root, the
 * daemons run as the account named with --mail-owner, else as the
 * default "sluice"; setgid_group must exist too. When either is missing
 * init stops and names the command that creates it: it never falls back
 * to an account that other services share (such as "nobody"), since
 * whoever controls that account would control the mail queue.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "sluice.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "vbuf.h"

#define SLUICE_DEFAULT_PORT "2525"
#define SLUICE_DEFAULT_OWNER "sluice"	/* param.c's mail_owner */
#define SLUICE_DEFAULT_GROUP "postdrop" /* param.c's setgid_group */
#define SLUICE_SMTPD_LINE "smtp      inet "

/* sluice_write_new - create path with text; fatal if it exists */

static void
sluice_write_new(const char *path, const char *text, size_t len)
{
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) <
	    0) {
		if (errno == EEXIST)
			msg_fatal("%s already exists; not overwriting it",
			    path);
		msg_fatal("create %s: %m", path);
	}
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) < 0 ||
	    close(fd) < 0) {
		(void)unlink(path);
		msg_fatal("write %s: %m", path);
	}
}

/* sluice_bindir - absolute directory of the running binary */

static char *
sluice_bindir(void)
{
	char buf[PATH_MAX];
	ssize_t n;
	char *slash;

	if ((n = readlink("/proc/self/exe", buf, sizeof(buf) - 1)) <= 0)
		msg_fatal("readlink /proc/self/exe: %m");
	buf[n] = 0;
	if ((slash = strrchr(buf, '/')) == NULL || slash == buf)
		msg_fatal("unexpected program path: %s", buf);
	*slash = 0;
	return (mem_strdup(buf));
}

/* sluice_owner - mail_owner and setgid_group lines for this user */

static void
sluice_owner(struct vbuf *out, const char *owner)
{
	struct passwd *pw;
	struct group *gr;
	const char *user = NULL;

	if (getuid() != 0) {
		if (owner != NULL)
			msg_fatal("--mail-owner needs root: an ordinary user's "
				  "instance runs as that user");
		if ((pw = getpwuid(getuid())) == NULL)
			msg_fatal("cannot find the name of user ID %ld",
			    (long)getuid());
		user = pw->pw_name;
		vbuf_printf(out, "mail_owner = %s\n", user);
		if ((gr = getgrgid(getgid())) != NULL)
			vbuf_printf(out, "setgid_group = %s\n", gr->gr_name);
		return;
	}
	user = owner != NULL ? owner : SLUICE_DEFAULT_OWNER;
	if ((pw = getpwnam(user)) == NULL) {
		if (owner != NULL)
			msg_fatal("--mail-owner: user \"%s\" does not exist",
			    owner);
		msg_fatal("user \"%s\" does not exist: create the dedicated "
			  "mail_owner account first (useradd --system "
			  "--user-group --no-create-home --home-dir "
			  "/nonexistent "
			  "--shell /usr/sbin/nologin %s), or name another "
			  "unshared account with sluice init --mail-owner USER",
		    user, user);
	}
	if (pw->pw_uid == 0)
		msg_fatal("mail_owner \"%s\" has user ID 0: choose an "
			  "unprivileged account",
		    user);
	if (owner != NULL)
		vbuf_printf(out, "mail_owner = %s\n", owner);
	if ((gr = getgrnam(SLUICE_DEFAULT_GROUP)) == NULL)
		msg_fatal("group \"%s\" does not exist: create it first "
			  "(groupadd --system %s)",
		    SLUICE_DEFAULT_GROUP, SLUICE_DEFAULT_GROUP);
	if (gr->gr_gid == pw->pw_gid)
		msg_fatal("setgid_group \"%s\" is the primary group of "
			  "mail_owner \"%s\": give them different groups",
		    SLUICE_DEFAULT_GROUP, user);
}

/*
 * sluice_log_prefix - the directory an instance may keep its log in: the
 * instance directory's parent, so a tool that puts the configuration in
 * WORK/conf and the log in WORK/maillog (as the side-by-side benchmark
 * harness does) works
 * without editing maillog_file_prefixes; the instance directory itself
 * when it sits directly under "/".
 */
static const char *
sluice_log_prefix(const char *dir, struct vbuf *out)
{
	const char *slash = strrchr(dir, '/');

	vbuf_reset(out);
	if (slash == NULL || slash == dir)
		vbuf_puts(out, dir);
	else
		vbuf_append(out, dir, (size_t)(slash - dir));
	return (vbuf_str(out));
}

/* sluice_port_ok - 1..65535, digits only */

static int
sluice_port_ok(const char *port)
{
	long v;
	char *end;

	if (*port == 0 || strlen(port) > 5 ||
	    strspn(port, "0123456789") != strlen(port))
		return (0);
	v = strtol(port, &end, 10);
	return (*end == 0 && v >= 1 && v <= 65535);
}

int
sluice_init(const char *dir_arg, const char *port, const char *owner)
{
	struct vbuf text = VBUF_INIT, path = VBUF_INIT, prefix = VBUF_INIT;
	char dir[PATH_MAX], *bindir;
	const char *line, *end;
	struct stat st;

	if (port == NULL)
		port = SLUICE_DEFAULT_PORT;
	if (!sluice_port_ok(port))
		msg_fatal("bad port: \"%s\" (expected 1-65535)", port);
	if (*dir_arg == 0)
		msg_fatal("empty directory name");
	if (strpbrk(dir_arg, " \t\r\n,$#{}") != NULL)
		msg_fatal("directory names with white space or any of ,$#{} "
			  "are "
			  "not supported: \"%s\"",
		    dir_arg);
	if (stat(dir_arg, &st) < 0 && mkdir(dir_arg, 0755) < 0)
		msg_fatal("create directory %s: %m", dir_arg);
	if (realpath(dir_arg, dir) == NULL)
		msg_fatal("%s: %m", dir_arg);

	/* Refuse before writing anything. */
	vbuf_printf(&path, "%s/main.cf", dir);
	if (access(vbuf_str(&path), F_OK) == 0)
		msg_fatal("%s already exists; not overwriting it",
		    vbuf_str(&path));
	vbuf_reset(&path);
	vbuf_printf(&path, "%s/master.cf", dir);
	if (access(vbuf_str(&path), F_OK) == 0)
		msg_fatal("%s already exists; not overwriting it",
		    vbuf_str(&path));

	/* main.cf: the defaults plus this instance's settings. */
	bindir = sluice_bindir();
	vbuf_puts(&text, sluice_main_cf);
	vbuf_printf(&text,
	    "\n"
	    "# INSTANCE\n"
	    "#\n"
	    "# Written by \"sluice init\": a self-contained instance in %s.\n"
	    "queue_directory = %s/queue\n"
	    "maillog_file = %s/log/maillog\n"
	    "maillog_file_prefixes = /var, /dev/stdout, %s\n"
	    "inet_interfaces = 127.0.0.1\n"
	    "mynetworks = 127.0.0.0/8\n"
	    "command_directory = %s\n",
	    dir, dir, dir, sluice_log_prefix(dir, &prefix), bindir);
	vbuf_reset(&path);
	vbuf_printf(&path, "%s/master", bindir);
	if (access(vbuf_str(&path), X_OK) == 0)
		vbuf_printf(&text, "daemon_directory = %s\n", bindir);
	sluice_owner(&text, owner);
	vbuf_reset(&path);
	vbuf_printf(&path, "%s/main.cf", dir);
	sluice_write_new(vbuf_str(&path), text.data, text.len);

	/* master.cf: the defaults, the SMTP server on 127.0.0.1:PORT. */
	vbuf_reset(&text);
	for (line = sluice_master_cf; *line; line = end) {
		end = strchr(line, '\n');
		end = end ? end + 1 : line + strlen(line);
		if (strncmp(line, SLUICE_SMTPD_LINE,
			strlen(SLUICE_SMTPD_LINE)) == 0) {
			vbuf_printf(&text,
			    "127.0.0.1:%s inet  n       -       n"
			    "       -       -       smtpd\n",
			    port);
		} else {
			vbuf_append(&text, line, (size_t)(end - line));
		}
	}
	vbuf_reset(&path);
	vbuf_printf(&path, "%s/master.cf", dir);
	sluice_write_new(vbuf_str(&path), text.data, text.len);

	/* The log and the queue, exactly as check makes them. */
	param_load(dir);
	param_bind(sluice_params);
	sluice_script_msgs();
	sluice_check_queue(); /* the values: sluice check, start */
	printf("sluice: created an instance in %s (SMTP on 127.0.0.1:%s); "
	       "start it with: %s/sluice -c %s start\n",
	    dir, port, bindir, dir);
	mem_free(bindir);
	vbuf_free(&text);
	vbuf_free(&path);
	vbuf_free(&prefix);
	return (0);
}
