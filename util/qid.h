#ifndef SLUICE_QID_H
#define SLUICE_QID_H
/*
 * NAME
 *	qid - queue IDs in Postfix's short (and long) form
 * SYNOPSIS
 *	#include "qid.h"
 *
 *	void qid_short(char buf[QID_SIZE], long usec, unsigned long inode);
 *	void qid_long(char buf[QID_SIZE], long sec, long usec, unsigned long
 *inode); int  qid_ok(const char *name); int  qid_is_long(const char *id); int
 *qid_hash_chars(const char *id, char out[8], int depth); DESCRIPTION
 *	qid_short() writes "%05X" of usec followed by the inode in upper-case
 *	hex. qid_long() writes Postfix's long form (base-52 seconds padded to
 *	6, 4 base-52 usec digits, 'z', base-51 inode). qid_ok() is Postfix's
 *	mail_queue_id_ok(): 1..255 characters of [A-Za-z0-9_]. qid_is_long()
 *	tells a long ID (last 'z' at index >= 10). qid_hash_chars() fills out
 *	with the depth characters that name its hash subdirectories (short:
 *	the first characters of the ID, '_' where the ID is shorter; long:
 *	the "%05X" rendering of its microseconds) and returns depth.
 */
#define QID_SIZE 32

void qid_short(char buf[QID_SIZE], long usec, unsigned long inode);
void qid_long(char buf[QID_SIZE], long sec, long usec, unsigned long inode);
int qid_ok(const char *name);
int qid_is_long(const char *id);
int qid_hash_chars(const char *id, char out[8], int depth);

#endif
