#ifndef SLUICE_PICKUP_H
#define SLUICE_PICKUP_H
/*
 * NAME
 *	pickup - private interfaces of the pickup daemon
 * SYNOPSIS
 *	#include "pickup.h"
 *
 *	int  pickup_validate(FILE *fp, int requeued, size_t maxlen,
 *			struct pickup_info *info, struct vbuf *why);
 *	int  pickup_send(FILE *fp, struct enqueue *eq,
 *			const struct pickup_info *info, size_t maxlen,
 *			struct vbuf *why);
 *	int  pickup_file(const char *id, const char *service, int timeout);
 *	void pickup_info_free(struct pickup_info *info);
 * DESCRIPTION
 *	pickup_validate() reads a maildrop file from its start and checks
 *	it: every record of a type allowed in its segment (fresh files: the
 *	records postdrop writes; requeued files, mode 0700, "postsuper -r":
 *	any queue-file record), no CR, LF or NUL inside envelope records,
 *	records at most maxlen bytes, at least one S and one R record, and
 *	'E' as the last record. It fills info (sender as in the file,
 *	recipient count) and returns 0, or -1 with why.
 *
 *	pickup_send() rewinds fp and streams its records to the cleanup
 *	client eq (enqueue.h): first "A submit_uid=UID" (the file owner, so
 *	cleanup adds the local Received: header), then the file's records
 *	except the C record and "A create_time" (cleanup writes its own).
 *	Unless info->requeued, the file is a user's and untrusted: an
 *	attribute a user may not set (maildrop.h) is dropped with Postfix's
 *	warning "uid=UID: ignoring attribute record: NAME=VALUE". Returns
 *	0, or -1 with why.
 *
 *	pickup_file() handles maildrop/ID: validate, connect to
 *	public/SERVICE (cleanup_service_name), send, wait for the reply (timeout
 *seconds for each step). It returns PICKUP_DONE (accepted: file removed,
 *"NEWID: uid=UID from=<SENDER>" logged), PICKUP_CORRUPT (bad file or a
 *	permanent reject: moved to corrupt/ with a warning), PICKUP_KEEP
 *	(temporary failure, try again later), PICKUP_SKIP (not a ready file)
 *	or PICKUP_DOWN (cleanup unreachable: stop this pass).
 */
#include <stdio.h>
#include <sys/types.h>
#include "enqueue.h"
#include "vbuf.h"

struct pickup_info {
	char *sender; /* S record as in the file */
	int rcpt_count;
	uid_t uid;    /* file owner */
	int requeued; /* postsuper -r: trusted, all records kept */
};

#define PICKUP_DONE 0
#define PICKUP_CORRUPT 1
#define PICKUP_KEEP 2
#define PICKUP_SKIP 3
#define PICKUP_DOWN 4

int pickup_validate(FILE *fp, int requeued, size_t maxlen,
    struct pickup_info *info, struct vbuf *why);
int pickup_send(FILE *fp, struct enqueue *eq, const struct pickup_info *info,
    size_t maxlen, struct vbuf *why);
int pickup_file(const char *id, const char *service, int timeout);
void pickup_info_free(struct pickup_info *info);

#endif
