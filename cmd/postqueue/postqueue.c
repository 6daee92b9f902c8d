/*
 * NAME
 *	postqueue - list or flush the mail queue (Postfix compatible)
 * SYNOPSIS
 *	postqueue [-v] [-c config_dir] -f
 *	postqueue [-v] [-c config_dir] -i queue_id
 *	postqueue [-v] [-c config_dir] -j [selection...]
 *	postqueue [-v] [-c config_dir] -p [selection...]
 *	postqueue [-v] [-c config_dir] -s site
 * DESCRIPTION
 *	Exactly one of -f -i -j -p -s is required; anything else, and any
 *	argument after the options, is a usage error.
 *
 *	-p prints the queue in Postfix's mailq format, byte for byte (the
 *	same listing as "mailq" and "sendmail -bp"); -j prints one JSON
 *	object per message (Postfix 3.7 fields). Both ask the showq
 *	service (public/$showq_service_name), which streams the queue in
 *	Postfix 3's showq protocol: queues maildrop, active, incoming,
 *	deferred, hold in that order, readdir order within a queue; the
 *	listing is printed as it arrives. In the listing "*" marks active
 *	messages, "!" held ones and "#" messages that are forced to expire
 *	(postsuper -e / -f). When the service cannot be reached (the mail
 *	system is down), the superuser and mail_owner get a warning and
 *	the same listing read directly from the queue (util/showq) by
 *	one worker process per processor (util/showq_par): the same
 *	queues in the same order, but within a queue the messages of the
 *	workers interleave (Postfix promises no order there either);
 *	anyone else gets "Queue report unavailable".
 *
 *	-f asks qmgr to forget dead destinations, ignore retry times and
 *	scan the deferred and incoming queues (trigger "FADI" on
 *	public/qmgr), and pickup to scan maildrop ("W" on public/pickup).
 *
 *	-i queue_id asks the flush service (send_file) to move that message
 *	from deferred to incoming with its time stamp set to now and the
 *	g+r "unthrottle" bit, and to wake qmgr. A message that is not in the
 *	deferred queue is silently ignored.
 *
 *	-s site delivers the deferred mail for site now. The site must be a
 *	valid host name or [address] and must be eligible for fast flush
 *	(fast_flush_domains, default $relay_domains: the domain itself or a
 *	parent domain listed, ".domain" for subdomains only, "!domain" to
 *	exclude). The flush service (send_site) moves the messages its
 *	per-site log names (those deferred for that site) to incoming and
 *	wakes qmgr.
 *
 *	When the flush service cannot be reached, -i and -s fail with
 *	"Cannot flush mail queue - mail system is down" (exit 69), as
 *	Postfix's postqueue: they never move queue files themselves.
 *
 *	-c config_dir selects the instance; otherwise $MAIL_CONFIG, else
 *	the compiled-in default. -v is verbose logging (honoured only for
 *	the superuser, as in Postfix).
 * QUEUE SELECTION
 *	Beyond Postfix, -p and -j take long options that list only some
 *	messages (util/qselect; postsuper(1) takes the same ones). Without
 *	them the output is Postfix's, byte for byte.
 *
 *	--sender ADDR	the sender is ADDR ("" or "<>": the null sender,
 *		listed as MAILER-DAEMON).
 *	--recipient ADDR	a listed recipient is ADDR.
 *	--domain DOMAIN	a listed recipient's domain is DOMAIN or a
 *		subdomain of it (a leading "@" or "." is ignored).
 *	--sender-domain DOMAIN	the same for the sender.
 *	--older-than TIME	arrived more than TIME ago; TIME is a number
 *		with an optional unit s (default), m, h, d or w.
 *	--newer-than TIME	arrived less than TIME ago.
 *	--larger-than SIZE	the size mailq shows is more than SIZE bytes
 *		(a number with an optional k, m or g: times 1024).
 *	--smaller-than SIZE	that size is less than SIZE bytes.
 *	--queue NAME	in queue maildrop, incoming, active, deferred or
 *		hold.
 *
 *	Each option is also written --name=VALUE. Addresses are compared
 *	as the listing shows them, ignoring case, the double quotes of a
 *	quoted local part and enclosing <>. The recipients are those the
 *	listing shows (not yet delivered). A message is listed when it
 *	meets every kind of option given; an option given several times
 *	is met by any of its values: "--sender a@x --sender b@x --domain
 *	example.com" lists mail from a@x or b@x with a recipient in
 *	example.com. The messages are filtered as they arrive from the
 *	showq service (or the direct read), printed by the same printers;
 *	the -p trailer counts only the messages shown, and when none is
 *	shown -p prints "Mail queue is empty" (-j prints nothing), as for
 *	an empty queue. mailq and sendmail -bp take no such options.
 * DIAGNOSTICS
 *	Messages go to standard error as "postqueue: ..." and to the log.
 *	Every fatal error exits with status 69 (EX_UNAVAILABLE), as
 *	Postfix's postqueue does; success is 0, including "nothing to do".
 *	Texts: "usage: postqueue -f | postqueue -i queueid | postqueue -j |
 *	postqueue -p | postqueue -s site", "Cannot flush mail queue - mail
 *	system is down", "Cannot flush queue ID - invalid name: \"ID\"",
 *	"Cannot flush mail queue - invalid destination: \"SITE\"", "Flush
 *	service is not configured for destination \"SITE\"", "Invalid
 *	request: \"SITE\"" (the flush service refused it), "User
 *	NAME(UID) is not allowed to view the mail queue" (to flush ...),
 *	"Connect to the $mail_name showq service: Permission denied",
 *	"Queue report unavailable - mail system is down (Connect to the
 *	$mail_name showq service: REASON)", "malformed showq server
 *	response", "invalid --NAME value: \"VALUE\" (want ...)" (a bad
 *	selection value), "queue selection options need -p or -j";
 *	warning "Mail system is down -- accessing queue directly (Connect
 *	to the $mail_name showq service: REASON)".
 * SECURITY
 *	postqueue is installed set-group-ID setgid_group (sluice
 *	set-permissions), the group that may enter public/: so any user
 *	reaches showq (listing), qmgr and pickup (-f) and flush (-i, -s),
 *	and nothing else. setgid_init() is its first call (descriptors
 *	0-2, a cleared environment), and -c or $MAIL_CONFIG is accepted
 *	from others than root only when the default main.cf lists the
 *	directory in alternate_config_directories (setgid(3)). Reading the
 *	queue directly (the fallbacks) needs the superuser or mail_owner.
 *	authorized_mailq_users and authorized_flush_users are honoured for
 *	static:anyone, static:none-style lists of user names; other table
 *	types deny (with a warning). Queue files and defer logs are
 *	untrusted input: addresses are quoted and non-printable bytes shown
 *	as '?'.
 * PARAMETERS
 *	queue_directory, hash_queue_names, hash_queue_depth,
 *	duplicate_filter_limit (1000), enable_long_queue_ids (no),
 *	fast_flush_domains ($relay_domains), authorized_mailq_users and
 *	authorized_flush_users (static:anyone), mail_owner,
 *	showq_service_name (showq), ipc_timeout (3600s), mail_name,
 *	syslog_name, maillog_file.
 * SEE ALSO
 *	postsuper(1), showq(8), showq(3), showq_proto(3), qselect(3),
 *	setgid(3), docs/postfix/admin-tools.md.
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "param.h"
#include "qdir.h"
#include "qselect.h"
#include "setgid.h"
#include "showq.h"
#include "vbuf.h"
#include "postqueue.h"

#define PQ_EXIT_STATUS 69 /* EX_UNAVAILABLE, for every fatal */

enum pq_mode { PQ_NONE, PQ_FLUSH, PQ_FLUSH_ID, PQ_JSON, PQ_LIST, PQ_SITE };

static const struct param_var pq_params[] = {
    PARAM_VAR(authorized_flush_users),
    PARAM_VAR(authorized_mailq_users),
    PARAM_VAR(enable_long_queue_ids),
    PARAM_VAR(fast_flush_domains),
    PARAM_VAR(ipc_timeout),
    PARAM_VAR(mail_name),
    PARAM_VAR(mail_owner),
    PARAM_VAR(showq_service_name),
    PARAM_VAR_END,
};

static void
pq_usage(void)
{
	msg_fatal("usage: postqueue -f | postqueue -i queueid | postqueue -j"
		  " | postqueue -p | postqueue -s site");
}

/* pq_user_ok - authorized_*_users check for the real user */

static int
pq_user_ok(const char *param, char **list)
{
	uid_t uid = getuid();
	struct passwd *pw;
	int ok = 0;

	if (uid == 0)
		return (1);
	if ((pw = getpwnam(var_mail_owner)) != 0 && pw->pw_uid == uid)
		return (1);
	pw = getpwuid(uid);
	for (; list && *list && !ok; list++) {
		if (strcmp(*list, "static:anyone") == 0)
			ok = 1;
		else if (strncmp(*list, "static:", 7) == 0)
			continue;
		else if (strchr(*list, ':') != 0)
			msg_warn("%s: table %s is not supported; denying "
				 "access",
			    param, *list);
		else if (pw != 0 && strcmp(*list, pw->pw_name) == 0)
			ok = 1;
	}
	return (ok);
}

/* pq_check_user - fatal unless the user may do this */

static void
pq_check_user(const char *param, char **list, const char *what)
{
	struct passwd *pw;

	if (!pq_user_ok(param, list)) {
		pw = getpwuid(getuid());
		msg_fatal("User %s(%ld) is not allowed to %s the mail queue",
		    pw ? pw->pw_name : "unknown", (long)getuid(), what);
	}
}

int
main(int argc, char **argv)
{
	enum pq_mode mode = PQ_NONE;
	const char *config_dir = 0;
	const char *arg = 0;
	struct qselect *sel = qselect_create();
	struct vbuf why = VBUF_INIT;
	int verbose = 0;
	int ch;

	setgid_init();
	msg_init("postqueue", MSG_STDERR);
	msg_fatal_status(PQ_EXIT_STATUS);

	while ((ch = getopt_long(argc, argv, "c:fi:jps:v", qselect_options,
		    0)) != -1) {
		switch (ch) {
		case 'c':
			if (*optarg == 0)
				msg_fatal("-c requires absolute pathname");
			config_dir = optarg;
			break;
		case 'f':
		case 'i':
		case 'j':
		case 'p':
		case 's':
			if (mode != PQ_NONE)
				pq_usage();
			mode = ch == 'f' ? PQ_FLUSH
			    : ch == 'i'	 ? PQ_FLUSH_ID
			    : ch == 'j'	 ? PQ_JSON
			    : ch == 'p'	 ? PQ_LIST
					 : PQ_SITE;
			arg = optarg;
			break;
		case 'v':
			if (geteuid() == 0)
				verbose++;
			break;
		default:
			if (qselect_add(sel, ch, optarg, &why) < 0)
				msg_fatal("%s", vbuf_str(&why));
			if (ch < QSELECT_OPT_BASE)
				pq_usage();
		}
	}
	if (argc > optind || mode == PQ_NONE)
		pq_usage();
	if (qselect_any(sel) && mode != PQ_LIST && mode != PQ_JSON)
		msg_fatal("queue selection options need -p or -j");

	setgid_load(config_dir);
	param_bind(pq_params);
	param_log_open();
	msg_verbose = verbose;
	qdir_chdir();

	switch (mode) {
	case PQ_LIST:
		pq_check_user("authorized_mailq_users",
		    var_authorized_mailq_users, "view");
		pq_list(SHOWQ_OUT_COMPAT, sel);
		break;
	case PQ_JSON:
		pq_check_user("authorized_mailq_users",
		    var_authorized_mailq_users, "view");
		pq_list(SHOWQ_OUT_JSON, sel);
		break;
	case PQ_FLUSH:
		pq_check_user("authorized_flush_users",
		    var_authorized_flush_users, "flush");
		pq_flush_all();
		break;
	case PQ_FLUSH_ID:
		pq_check_user("authorized_flush_users",
		    var_authorized_flush_users, "flush");
		pq_flush_id(arg);
		break;
	case PQ_SITE:
		pq_check_user("authorized_flush_users",
		    var_authorized_flush_users, "flush");
		pq_flush_site(arg);
		break;
	case PQ_NONE:
		pq_usage();
	}
	qselect_free(sel);
	vbuf_free(&why);
	return (0);
}
