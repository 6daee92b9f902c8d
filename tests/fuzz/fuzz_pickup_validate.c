/*
 * fuzz_pickup_validate - pickup's maildrop validator: the input is a
 * maildrop file, written by any local user (untrusted). It is checked
 * with pickup_validate() as a fresh file and as a requeued one; a file
 * that passes is streamed with pickup_send() as pickup sends it to
 * cleanup (here into /dev/null).
 *
 * Invariant checked: an accepted file has a sender, a recipient and no
 * record of type 0.
 */
#include <fcntl.h>
#include <stdint.h>
#include <string.h>

#include "enqueue.h"
#include "fuzz.h"
#include "msg.h"
#include "qfile.h"
#include "vbuf.h"
#include "../../pickup/pickup.h"

#define FUZZ_MAXLEN 4096 /* a small line_length_limit finds edge cases */

static void
validate(FILE *fp, int requeued)
{
	struct pickup_info info;
	struct vbuf why = VBUF_INIT;
	struct enqueue eq;
	int fd, type;

	memset(&info, 0, sizeof(info));
	if (pickup_validate(fp, requeued, FUZZ_MAXLEN, &info, &why) == 0) {
		if (info.sender == NULL || info.rcpt_count < 1)
			msg_panic("fuzz_pickup_validate: accepted a file "
				  "without sender or recipient");
		rewind(fp);
		while ((type = rec_get(fp, &why, 0, REC_FOLLOW_PTR)) > 0)
			/* void */;
		if (type == 0)
			msg_panic("fuzz_pickup_validate: accepted a file "
				  "with record type 0");
		if ((fd = open("/dev/null", O_WRONLY)) < 0)
			msg_fatal("open /dev/null: %m");
		enqueue_fdopen(&eq, fd, 10);
		vbuf_reset(&why);
		if (pickup_send(fp, &eq, &info, FUZZ_MAXLEN, &why) < 0)
			msg_panic("fuzz_pickup_validate: valid file not sent: "
				  "%s",
			    vbuf_str(&why));
		enqueue_close(&eq);
	}
	pickup_info_free(&info);
	vbuf_free(&why);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	FILE *fp;

	if (!init) {
		fuzz_msg_init("fuzz_pickup_validate");
		init = 1;
	}
	fp = fuzz_memfile(data, size);
	validate(fp, 0);
	validate(fp, 1);
	fclose(fp);
	return (0);
}
