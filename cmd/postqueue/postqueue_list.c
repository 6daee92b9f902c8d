/*
 * postqueue_list - postqueue -p and -j: the listing from the showq service.
 *
 * Implementation notes. The listing is read from public/showq in pieces
 * and decoded as it arrives (showq_proto(3)); each message is printed as
 * soon as it is complete, so memory does not grow with the queue. When
 * the service cannot be reached, postqueue does what Postfix's does
 * (docs/postfix/admin-tools.md section 1): permission trouble is fatal
 * at once; the superuser is warned and reads the queue directly
 * (showq(3), the same listing); anyone else gets "Queue report
 * unavailable - mail system is down". Beyond Postfix, mail_owner may
 * read the queue directly too: it owns the queue (an unprivileged
 * instance run by its own user).
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ipc.h"
#include "msg.h"
#include "param.h"
#include "showq.h"
#include "showq_proto.h"
#include "vbuf.h"
#include "postqueue.h"

#define PQ_READ_SIZE (64 * 1024)

static const char pq_bad[] = "malformed showq server response";

/* pq_list_stream - decode the service's listing into out */

static void
pq_list_stream(int fd, struct showq_out *out)
{
	static char buf[PQ_READ_SIZE];
	struct showq_dec *dec = showq_dec_create();
	ssize_t n;
	int status = SHOWQ_DEC_MORE;

	while (status == SHOWQ_DEC_MORE) {
		if ((n = read(fd, buf, sizeof(buf))) < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (msg_verbose)
				msg_info("showq: %s",
				    n < 0 ? strerror(errno) : "end of file");
			msg_fatal("%s", pq_bad);
		}
		status =
		    showq_dec_feed(dec, buf, (size_t)n, showq_out_msg, out, 0);
	}
	if (status == SHOWQ_DEC_BAD) {
		if (msg_verbose)
			msg_info("%s", showq_dec_error(dec));
		msg_fatal("%s", pq_bad);
	}
	showq_dec_free(dec);
}

/* pq_owner - is the caller mail_owner? */

static int
pq_owner(void)
{
	struct passwd *pw = getpwnam(var_mail_owner);

	return (pw != 0 && pw->pw_uid == geteuid());
}

/* pq_list - postqueue -p and -j */

void
pq_list(int flags)
{
	static char obuf[64 * 1024];
	struct showq_out *out;
	struct vbuf why = VBUF_INIT;
	int fd;
	int err;

	if (var_enable_long_queue_ids)
		flags |= SHOWQ_OUT_LONG_IDS;
	(void)setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	out = showq_out_create(stdout, flags);
	if ((fd = ipc_connect("public", var_showq_service_name, 0,
		 (int)var_ipc_timeout, 0)) >= 0) {
		pq_list_stream(fd, out);
		(void)close(fd);
	} else if ((err = errno) == EACCES || err == EPERM) {
		msg_fatal("Connect to the %s %s service: %s", var_mail_name,
		    var_showq_service_name, strerror(err));
	} else if (geteuid() == 0 || pq_owner()) {
		msg_warn("Mail system is down -- accessing queue directly "
			 "(Connect to the %s %s service: %s)",
		    var_mail_name, var_showq_service_name, strerror(err));
		if (showq_walk(NULL, showq_out_msg, out, &why) < 0)
			msg_fatal("Queue report unavailable - %s",
			    vbuf_str(&why));
	} else {
		msg_fatal("Queue report unavailable - mail system is down "
			  "(Connect to the %s %s service: %s)",
		    var_mail_name, var_showq_service_name, strerror(err));
	}
	if (showq_out_end(out) < 0)
		msg_fatal("write error on standard output: %m");
	showq_out_free(out);
	vbuf_free(&why);
}
