/*
 * flush_log - per-site logs of deferred queue IDs; see flush.h.
 *
 * Implementation notes. A log is appended to and read under an exclusive
 * flock(), as Postfix does, so an "add" never lands in a log that is being
 * emptied. A read is bounded per line (longer lines are skipped with a
 * warning, they cannot be queue IDs) and the duplicate set is bounded by
 * FLUSH_DUP_MAX; beyond that, repeats are simply moved again, which is
 * harmless (the second rename finds nothing). Files that vanish while we
 * work (qmgr took them) give ENOENT, which is not an error.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "deliv.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "qdir.h"
#include "qid.h"
#include "server.h"
#include "vbuf.h"
#include "flush.h"

#define FLUSH_LINE_MAX 256   /* longest queue ID line */
#define FLUSH_SET_SIZE 16384 /* hash slots, > FLUSH_DUP_MAX */
#define FLUSH_SCAN_DEPTH 8   /* hash levels we descend */

/* flush_site_name - site to file name */

void
flush_site_name(struct vbuf *out, const char *site)
{
	const unsigned char *cp;

	vbuf_reset(out);
	for (cp = (const unsigned char *)site; *cp; cp++)
		vbuf_putc(out,
		    (*cp < 0x80 && isalnum(*cp)) ? tolower(*cp) : '_');
}

/* flush_site_path - flush/[H/]NAME, hashed as queue files are */

void
flush_site_path(struct vbuf *out, const char *site)
{
	struct vbuf name = VBUF_INIT;

	flush_site_name(&name, site);
	if (qid_ok(name.data)) {
		qdir_path(out, FLUSH_DIR, name.data);
	} else { /* empty or overlong: callers check */
		vbuf_reset(out);
		vbuf_printf(out, "%s/%.255s_", FLUSH_DIR, name.data);
	}
	vbuf_free(&name);
}

/* flush_add - append one queue ID to a site's log */

int
flush_add(const char *site, const char *queue_id)
{
	struct vbuf path = VBUF_INIT;
	struct vbuf line = VBUF_INIT;
	int status = DELIV_FLUSH_OK;
	int fd;

	flush_site_path(&path, site);
	fd = open(path.data, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 && errno == ENOENT && qdir_mkdirs(path.data) == 0)
		fd = open(path.data, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		    0600);
	if (fd < 0) {
		msg_warn("open %s: %m", path.data);
		status = DELIV_FLUSH_FAIL;
	} else {
		vbuf_printf(&line, "%s\n", queue_id);
		if (flock(fd, LOCK_EX) < 0) {
			msg_warn("lock %s: %m", path.data);
			status = DELIV_FLUSH_FAIL;
		} else if (write(fd, line.data, line.len) !=
		    (ssize_t)line.len) {
			msg_warn("append %s: %m", path.data);
			status = DELIV_FLUSH_FAIL;
		}
		(void)close(fd); /* also unlocks */
	}
	if (msg_verbose)
		msg_info("add %s %s: status %d", site, queue_id, status);
	vbuf_free(&line);
	vbuf_free(&path);
	return (status);
}

/*
 * A bounded set of queue IDs (open addressing, FNV-1a).
 */
struct flush_set {
	char *slot[FLUSH_SET_SIZE];
	size_t count;
};

/* flush_set_add - 1 if new (or the set is full), 0 if seen before */

static int
flush_set_add(struct flush_set *set, const char *id)
{
	unsigned long h = 2166136261UL;
	const unsigned char *cp;
	size_t i;

	for (cp = (const unsigned char *)id; *cp; cp++)
		h = (h ^ *cp) * 16777619UL;
	for (i = h % FLUSH_SET_SIZE; set->slot[i] != 0;
	     i = (i + 1) % FLUSH_SET_SIZE)
		if (strcmp(set->slot[i], id) == 0)
			return (0);
	if (set->count >= FLUSH_DUP_MAX)
		return (1);
	set->slot[i] = mem_strdup(id);
	set->count++;
	return (1);
}

static void
flush_set_free(struct flush_set *set)
{
	size_t i;

	for (i = 0; i < FLUSH_SET_SIZE; i++)
		if (set->slot[i])
			mem_free(set->slot[i]);
	mem_free(set);
}

/* flush_one - touch one message, move deferred -> incoming; 1 if done */

static int
flush_one(const char *id, int how)
{
	struct vbuf path = VBUF_INIT;
	struct stat st;
	int done = 0;

	qdir_path(&path, QDIR_DEFERRED, id);
	if (utimensat(AT_FDCWD, path.data, 0, 0) == 0) {
		if ((how & FLUSH_UNTHROTTLE_AFTER) &&
		    stat(path.data, &st) == 0 &&
		    chmod(path.data, (st.st_mode | S_IRGRP) & 07777) < 0 &&
		    errno != ENOENT)
			msg_warn("chmod %s: %m", path.data);
		if (qdir_move(id, QDIR_DEFERRED, QDIR_INCOMING) == 0)
			done = 1;
		else if (errno != ENOENT)
			msg_warn("move %s to %s: %m", path.data, QDIR_INCOMING);
	} else if (errno != ENOENT) {
		msg_warn("set time stamps of %s: %m", path.data);
	} else {
		/* Not deferred; perhaps already in incoming. */
		qdir_path(&path, QDIR_INCOMING, id);
		if (utimensat(AT_FDCWD, path.data, 0, 0) == 0)
			done = 1;
		else if (errno != ENOENT)
			msg_warn("set time stamps of %s: %m", path.data);
	}
	if (msg_verbose)
		msg_info("flush %s: %s", id, done ? "scheduled" : "not found");
	vbuf_free(&path);
	return (done);
}

/* flush_wake - tell qmgr; a lost trigger waits for the next scan */

static void
flush_wake(const char *bytes)
{
	if (trigger_send("public/qmgr", bytes, strlen(bytes)) < 0)
		msg_warn("trigger public/qmgr: %m");
}

/* flush_send_path - deliver what one log names */

int
flush_send_path(const char *path, int how)
{
	struct flush_set *set;
	struct timespec ts[2];
	char line[FLUSH_LINE_MAX + 2];
	FILE *fp;
	size_t len;
	int skipping = 0;
	int nread = 0;
	int fd;

	if ((fd = open(path, O_RDWR | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return (DELIV_FLUSH_OK);
		msg_warn("open %s: %m", path);
		return (DELIV_FLUSH_FAIL);
	}
	if (flock(fd, LOCK_EX) < 0) {
		msg_warn("lock %s: %m", path);
		(void)close(fd);
		return (DELIV_FLUSH_FAIL);
	}
	if ((fp = fdopen(fd, "r")) == 0) {
		msg_warn("fdopen %s: %m", path);
		(void)close(fd);
		return (DELIV_FLUSH_FAIL);
	}
	if (how & FLUSH_UNTHROTTLE_BEFORE)
		flush_wake("F");
	set = mem_calloc(1, sizeof(*set));
	while (fgets(line, sizeof(line), fp) != 0) {
		len = strlen(line);
		nread = 1;
		if (len > 0 && line[len - 1] == '\n') {
			line[--len] = 0;
			if (skipping) { /* the end of an overlong line */
				skipping = 0;
				continue;
			}
		} else if (!feof(fp)) {
			if (!skipping)
				msg_warn("%s: skipping overlong line", path);
			skipping = 1;
			continue;
		} else if (skipping) {
			continue;
		}
		if (!qid_ok(line)) {
			msg_warn("%s: bad queue ID: %.100s", path, line);
			continue;
		}
		if (flush_set_add(set, line))
			(void)flush_one(line, how);
	}
	if (ferror(fp))
		msg_warn("read %s: %m", path);
	if (nread) {
		if (ftruncate(fd, 0) < 0)
			msg_warn("truncate %s: %m", path);
		/* "Read now": the refresh looks at the access time. */
		ts[0].tv_sec = 0;
		ts[0].tv_nsec = UTIME_NOW;
		ts[1].tv_sec = 0;
		ts[1].tv_nsec = UTIME_OMIT;
		if (futimens(fd, ts) < 0)
			msg_warn("set access time of %s: %m", path);
	}
	(void)fclose(fp); /* also unlocks */
	flush_set_free(set);
	if (nread)
		flush_wake("I");
	return (DELIV_FLUSH_OK);
}

/* flush_send_site - ETRN, postqueue -s */

int
flush_send_site(const char *site)
{
	struct vbuf path = VBUF_INIT;
	int status;

	flush_site_path(&path, site);
	status = flush_send_path(path.data, FLUSH_UNTHROTTLE_BEFORE);
	if (msg_verbose)
		msg_info("send_site %s: status %d", site, status);
	vbuf_free(&path);
	return (status);
}

/* flush_send_file - postqueue -i */

int
flush_send_file(const char *queue_id)
{
	if (flush_one(queue_id, FLUSH_UNTHROTTLE_AFTER))
		flush_wake("I");
	return (DELIV_FLUSH_OK);
}

/* flush_refresh_file - one log */

static void
flush_refresh_file(const char *path, long refresh_age, long purge_age)
{
	struct stat st;
	time_t now = time((time_t *)0);
	int fd;

	if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return;
	if (st.st_size == 0) {
		if (st.st_mtime + purge_age > now)
			return;
		/* Re-check under the lock: an "add" may have come meanwhile. */
		if ((fd = open(path, O_RDWR | O_CLOEXEC)) < 0)
			return;
		if (flock(fd, LOCK_EX) == 0 && fstat(fd, &st) == 0 &&
		    st.st_size == 0 && st.st_mtime + purge_age <= now) {
			if (unlink(path) < 0 && errno != ENOENT)
				msg_warn("remove %s: %m", path);
			else if (msg_verbose)
				msg_info("refresh: removed %s", path);
		}
		(void)close(fd);
	} else if (st.st_atime + refresh_age <= now) {
		(void)flush_send_path(path, 0);
	}
}

/* flush_refresh_dir - a log directory, descending into hash levels */

static void
flush_refresh_dir(const char *dir, int depth, long refresh_age, long purge_age)
{
	struct vbuf path = VBUF_INIT;
	struct dirent *dp;
	struct stat st;
	DIR *dirp;

	if ((dirp = opendir(dir)) == 0) {
		if (errno != ENOENT)
			msg_warn("open directory %s: %m", dir);
		return;
	}
	while ((dp = readdir(dirp)) != 0) {
		if (dp->d_name[0] == '.')
			continue;
		vbuf_reset(&path);
		vbuf_printf(&path, "%s/%s", dir, dp->d_name);
		if (lstat(path.data, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (strlen(dp->d_name) == 1 && depth < FLUSH_SCAN_DEPTH)
				flush_refresh_dir(path.data, depth + 1,
				    refresh_age, purge_age);
		} else if (S_ISREG(st.st_mode)) {
			flush_refresh_file(path.data, refresh_age, purge_age);
		}
	}
	(void)closedir(dirp);
	vbuf_free(&path);
}

/* flush_refresh - the periodic wake-up and the purge request */

int
flush_refresh(long refresh_age, long purge_age)
{
	flush_refresh_dir(FLUSH_DIR, 0, refresh_age, purge_age);
	return (DELIV_FLUSH_OK);
}
