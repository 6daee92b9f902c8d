/*
 * NAME
 *	postsuper - queue maintenance (Postfix compatible)
 * SYNOPSIS
 *	postsuper [-psSv] [-c config_dir] [-d queue_id] [-e queue_id]
 *		[-f queue_id] [-h queue_id] [-H queue_id] [-r queue_id]
 *		[selection...] [queue...]
 * DESCRIPTION
 *	postsuper changes the queue the way Postfix's postsuper does:
 *
 *	-d ID	delete the message and its defer, bounce and trace logs
 *		(searched in maildrop incoming active deferred hold).
 *	-h ID	put the message on hold (from incoming active deferred).
 *	-H ID	release it from hold into deferred.
 *	-r ID	requeue it: move it into maildrop with its time stamps set
 *		to now; pickup gives it to cleanup again (mode 0700 tells
 *		pickup it is a requeued file). Its logs stay.
 *	-e ID	force it to expire (group execute bit); qmgr bounces it
 *		on its next delivery attempt.
 *	-f ID	-e, then -H.
 *	-s	structure check: move files to the hash directories the
 *		settings want, rename files whose name does not match
 *		their inode number (after a restore) or the ID style of
 *		enable_long_queue_ids, remove unused hash directories.
 *		-S also checks the inode part of long IDs.
 *	-p	purge: remove temporary files that were never completed and
 *		are older than 7 days, and entries that are not files.
 *
 *	ID is a queue ID, ALL (every message of the queues; no
 *	per-message lines; -d ALL also empties the log queues named),
 *	or "-" to read IDs from standard input, one per line. A line may
 *	carry mailq's markers ("*", "!", "#") after the ID; they are
 *	ignored, so "postqueue -p | awk ... | postsuper -d -" works for
 *	every message. Options may repeat and run in command-line order,
 *	after the repairs; with no option at all postsuper runs -s -p.
 *	The optional queue names limit every operation (default: defer
 *	bounce maildrop incoming active deferred hold flush).
 * QUEUE SELECTION
 *	Beyond Postfix, long options limit the per-message operations
 *	(-d -e -f -h -H -r) to the messages they select, what scripts
 *	around "postqueue -p | awk | postsuper -d -" do by hand:
 *	"postsuper -d ALL --sender spammer@example.com" deletes exactly
 *	that sender's mail. They are postqueue(1)'s: --sender ADDR,
 *	--recipient ADDR, --domain DOMAIN (a recipient's domain or a parent
 *	of it), --sender-domain DOMAIN, --older-than TIME, --newer-than TIME
 *	(s, m, h, d, w), --larger-than SIZE, --smaller-than SIZE (k, m, g)
 *	and --queue NAME, with the same rules: every kind given must match,
 *	any value of a kind given twice. They apply to ALL, to "-" and to
 *	an explicit ID alike (the message must then also match) and to
 *	every per-message option of the command; together with queue
 *	names, a message must be in a named queue too. Without them
 *	postsuper does exactly what Postfix's does.
 *
 *	Selection and action are one pass: each message is read (envelope
 *	and defer log, as the listing shows it), matched and changed while
 *	the file read is still open, and only if its queue path still names
 *	that very file (same device and inode, which the open descriptor
 *	keeps from being reused): a message that was delivered meanwhile
 *	and a new one under the same queue ID is never hit. One that qmgr
 *	moved to another queue meanwhile is followed there. Messages the
 *	selection changes are each reported ("ID: removed", ...) also for
 *	ALL, then the usual summary; -d also removes their defer, bounce
 *	and trace logs, as "-d ID" does.
 * DIAGNOSTICS
 *	Standard error and the log get "postsuper: ID: removed" (placed on
 *	hold, released from hold, requeued, expired) per message and one
 *	summary per requested operation, even for 0, in this order:
 *	"Requeued: N message(s)", "Deleted: ...", "Force-expired: ...",
 *	"Placed on hold: ...", "Released from hold: ...", and after a
 *	structure fix that renamed files "Renamed to match inode number:
 *	N message(s)" ("message" only when N is 1). An invalid ID is a
 *	warning ("invalid mail queue id: ID"); a missing one is just not
 *	counted. Fatal errors exit 1, among them "invalid --NAME value:
 *	\"VALUE\" (want ...)" and "queue selection options need -d, -e,
 *	-f, -h, -H or -r".
 * SECURITY
 *	Only the superuser may run postsuper, or, for an unprivileged
 *	instance, the user who owns queue_directory. The superuser works
 *	as the owner of the queue directories (mail_owner for a system
 *	instance), so that directories made here are usable by the
 *	daemons. postsuper never reads message content (a selection reads
 *	the envelope only).
 * PARAMETERS
 *	queue_directory, hash_queue_names, hash_queue_depth,
 *	enable_long_queue_ids, syslog_name, maillog_file.
 * SEE ALSO
 *	postqueue(1), qdir(3), qselect(3), docs/postfix/admin-tools.md.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "mem.h"
#include "msg.h"
#include "param.h"
#include "qdir.h"
#include "qid.h"
#include "qselect.h"
#include "showq.h"
#include "vbuf.h"
#include "postsuper.h"

#define PS_LINE_MAX 1024 /* bytes per stdin line */
#define PS_ALL "ALL"
#define PS_STDIN "-"

/*
 * The queue names postsuper accepts on the command line; all but the
 * first (trace) are the default, in this order.
 */
static const char *const ps_known_queues[] = {
    QDIR_TRACE,
    QDIR_DEFER,
    QDIR_BOUNCE,
    QDIR_MAILDROP,
    QDIR_INCOMING,
    QDIR_ACTIVE,
    QDIR_DEFERRED,
    QDIR_HOLD,
    QDIR_FLUSH,
    0,
};

static const char *const *const ps_default_queues = ps_known_queues + 1;

/*
 * The operations of each per-message option, in the order they run.
 */
static const struct ps_option {
	char opt;
	int nop;
	enum ps_op op[2];
} ps_options[] = {
    {'d', 1, {PS_DELETE}},
    {'e', 1, {PS_EXPIRE}},
    {'f', 2, {PS_EXPIRE, PS_RELEASE}},
    {'h', 1, {PS_HOLD}},
    {'H', 1, {PS_RELEASE}},
    {'r', 1, {PS_REQUEUE}},
    {0},
};

/*
 * The per-message requests, in command-line order.
 */
struct ps_request {
	const struct ps_option *option;
	const char *id;
};

static void
ps_usage(void)
{
	msg_fatal(
	    "usage: postsuper [-c config_dir] [-d queue_id (delete)] "
	    "[-e queue_id (expire)] [-f queue_id (expire and/or un-hold)] "
	    "[-h queue_id (hold)] [-H queue_id (un-hold)] "
	    "[-p (purge temporary files)] [-r queue_id (requeue)] "
	    "[-s (structure fix)] [-S (redundant structure fix)]"
	    "[-v (verbose)] [queue...]");
}

static const struct param_var ps_params[] = {
    PARAM_VAR(enable_long_queue_ids),
    PARAM_VAR(hash_queue_depth),
    PARAM_VAR(queue_directory),
    PARAM_VAR_END,
};

/* ps_privileges - superuser or the owner of the queue */

static void
ps_privileges(void)
{
	const char *qdir = var_queue_directory;
	uid_t uid = getuid();
	struct stat st;
	uid_t owner;
	gid_t group;

	if (stat(qdir, &st) < 0)
		msg_fatal("queue directory %s: %m", qdir);
	if (uid != 0 && uid != st.st_uid)
		msg_fatal("use of this command is reserved for the superuser");
	if (geteuid() != uid)
		msg_fatal("do not run this command set-uid");
	if (uid != 0)
		return;

	/*
	 * Work as the owner of the message queues (Postfix: mail_owner).
	 */
	qdir_chdir();
	if (stat(QDIR_DEFERRED, &st) < 0 || st.st_uid == 0)
		return;
	owner = st.st_uid;
	group = st.st_gid;
	if (setgroups(1, &group) < 0 || setgid(group) < 0 || setuid(owner) < 0)
		msg_fatal("cannot switch to the queue owner uid %ld: %m",
		    (long)owner);
	if (getuid() != owner || geteuid() != owner || getgid() != group)
		msg_fatal("privilege switch to uid %ld failed", (long)owner);
}

/* ps_option - the table row of a per-message option letter */

static const struct ps_option *
ps_option(char opt)
{
	const struct ps_option *po;

	for (po = ps_options; po->opt && po->opt != opt; po++)
		/* void */;
	if (po->opt == 0)
		msg_panic("ps_option: bad option %c", opt);
	return (po);
}

/* The selection options (qselect(3)), empty when none were given. */
static struct qselect *ps_sel;

/* ps_one_id - a per-message request for one ID */

static void
ps_one_id(const struct ps_option *po, const char *id, char **queues)
{
	struct vbuf shown = VBUF_INIT;
	int i;

	if (!qid_ok(id)) {
		showq_printable(&shown, id);
		msg_warn("invalid mail queue id: %s", shown.data);
		vbuf_free(&shown);
		return;
	}
	for (i = 0; i < po->nop; i++) {
		if (qselect_any(ps_sel))
			ps_select_id(po->op[i], id, queues, ps_sel);
		else
			ps_op_id(po->op[i], id, queues);
	}
}

/* ps_stdin_ids - IDs from standard input */

static void
ps_stdin_ids(const struct ps_option *po, char **queues)
{
	char line[PS_LINE_MAX];
	char *cp;
	char *end;
	size_t len;
	int too_long = 0;

	while (fgets(line, sizeof(line), stdin) != 0) {
		len = strlen(line);
		if (len > 0 && line[len - 1] != '\n' && !feof(stdin)) {
			too_long = 1; /* skip the rest of this line */
			continue;
		}
		if (too_long) {
			too_long = 0;
			msg_warn("invalid mail queue id: line too long");
			continue;
		}
		/* the first word, without mailq's markers */
		for (cp = line; *cp == ' ' || *cp == '\t'; cp++)
			/* void */;
		for (end = cp; *end && *end != ' ' && *end != '\t' &&
		     *end != '\n' && *end != '\r';
		     end++)
			/* void */;
		while (end > cp &&
		    (end[-1] == '*' || end[-1] == '!' || end[-1] == '#'))
			end--;
		*end = 0;
		if (*cp == 0)
			continue;
		ps_one_id(po, cp, queues);
	}
}

/* ps_request - one per-message option */

static void
ps_request(const struct ps_request *req, char **queues)
{
	const struct ps_option *po = req->option;
	int i;

	if (strcmp(req->id, PS_ALL) == 0) {
		for (i = 0; i < po->nop; i++) {
			if (qselect_any(ps_sel))
				ps_select_all(po->op[i], queues, ps_sel);
			else
				ps_op_all(po->op[i], queues);
		}
	} else if (strcmp(req->id, PS_STDIN) == 0) {
		ps_stdin_ids(po, queues);
	} else {
		ps_one_id(po, req->id, queues);
	}
}

/* ps_summary - "Deleted: 3 messages" */

static void
ps_summary(const char *what, unsigned long count)
{
	msg_info("%s: %lu message%s", what, count, count == 1 ? "" : "s");
}

/* ps_queues - the queues named on the command line, else the default */

static char **
ps_queues(int argc, char **argv)
{
	const char *const *kp;
	char **queues;
	size_t n;
	int i;

	if (optind >= argc)
		return ((char **)ps_default_queues);
	queues = mem_calloc((size_t)(argc - optind) + 1, sizeof(*queues));
	for (n = 0, i = optind; i < argc; i++, n++) {
		for (kp = ps_known_queues; *kp && strcmp(*kp, argv[i]) != 0;
		     kp++)
			/* void */;
		if (*kp == 0)
			msg_fatal("invalid directory name: %s", argv[i]);
		queues[n] = argv[i];
	}
	return (queues);
}

/* ps_requests - the requests in command-line order, then the summaries */

static void
ps_requests(const struct ps_request *reqs, size_t nreq, char **queues)
{
	int wanted[PS_OP_COUNT] = {0};
	size_t n;
	int i;

	for (n = 0; n < nreq; n++) {
		ps_request(reqs + n, queues);
		for (i = 0; i < reqs[n].option->nop; i++)
			wanted[reqs[n].option->op[i]] = 1;
	}

	/* Summaries in Postfix's order. */
	if (wanted[PS_REQUEUE])
		ps_summary("Requeued", ps_count[PS_REQUEUE]);
	if (wanted[PS_DELETE])
		ps_summary("Deleted", ps_count[PS_DELETE]);
	if (wanted[PS_EXPIRE])
		ps_summary("Force-expired", ps_count[PS_EXPIRE]);
	if (wanted[PS_HOLD])
		ps_summary("Placed on hold", ps_count[PS_HOLD]);
	if (wanted[PS_RELEASE])
		ps_summary("Released from hold", ps_count[PS_RELEASE]);
}

int
main(int argc, char **argv)
{
	const char *prog =
	    strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	struct ps_request *reqs;
	size_t nreq = 0;
	char **queues;
	const char *config_dir = 0;
	int structure = 0;
	int strict = 0;
	int purge = 0;
	int verbose = 0;
	int renamed = 0;
	struct vbuf why = VBUF_INIT;
	int ch;

	msg_init(*prog ? prog : "postsuper", MSG_STDERR);
	reqs = mem_calloc((size_t)argc + 1, sizeof(*reqs));
	ps_sel = qselect_create();
	while ((ch = getopt_long(argc, argv, "c:d:e:f:h:H:pr:sSv",
		    qselect_options, 0)) != -1) {
		switch (ch) {
		case 'c':
			if (*optarg != '/')
				msg_fatal("-c requires absolute pathname");
			config_dir = optarg;
			break;
		case 'd':
		case 'e':
		case 'f':
		case 'h':
		case 'H':
		case 'r':
			reqs[nreq].option = ps_option((char)ch);
			reqs[nreq].id = optarg;
			nreq++;
			break;
		case 'p':
			purge = 1;
			break;
		case 's':
			structure = 1;
			break;
		case 'S':
			strict = 1;
			break;
		case 'v':
			verbose++;
			break;
		default:
			if (qselect_add(ps_sel, ch, optarg, &why) < 0)
				msg_fatal("%s", vbuf_str(&why));
			if (ch < QSELECT_OPT_BASE)
				ps_usage();
		}
	}
	if (qselect_any(ps_sel) && nreq == 0)
		msg_fatal("queue selection options need -d, -e, -f, -h, -H "
			  "or -r");
	if (nreq == 0 && !structure && !strict && !purge)
		structure = purge = 1;

	queues = ps_queues(argc, argv);
	param_load(config_dir);
	param_bind(ps_params);
	param_log_open();
	msg_verbose = verbose;
	if (qdir_hashed(QDIR_MAILDROP))
		msg_fatal("%s queue must not be hashed", QDIR_MAILDROP);
	ps_privileges();
	qdir_chdir();

	/*
	 * Repairs first, then the requests in command-line order.
	 */
	if (structure || strict || purge)
		renamed = ps_repair(queues, structure, strict, purge);
	if (renamed > 0) {
		ps_summary("Renamed to match inode number",
		    (unsigned long)renamed);
		msg_warn(
		    "QUEUE FILE NAMES WERE CHANGED TO MATCH INODE NUMBERS");
		if (nreq > 0) {
			msg_error("QUEUE FILE NAMES WERE CHANGED TO MATCH "
				  "INODE NUMBERS");
			msg_fatal(
			    "CHECK YOUR QUEUE IDS AND RE-ISSUE THE COMMAND");
		}
	}
	ps_requests(reqs, nreq, queues);
	ps_sel = qselect_free(ps_sel);
	vbuf_free(&why);
	mem_free(reqs);
	if (queues != (char **)ps_default_queues)
		mem_free(queues);
	return (0);
}
