/*
 * qid - queue IDs in Postfix's short and long forms; see qid.h.
 *
 * Implementation notes: the long form's digits come from one alphabet
 * with the vowels removed (so IDs never spell words); base 52 uses all
 * of it, base 51 all but the final 'z', which therefore can only be the
 * separator between the time and the inode number.
 */
#include <stdio.h>
#include <string.h>

#include "qid.h"
#include "msg.h"

static const char qid_alphabet[] =
    "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";

#define QID_LG_SEC_BASE 52
#define QID_LG_SEC_PAD 6
#define QID_LG_USEC_BASE 52
#define QID_LG_USEC_PAD 4
#define QID_LG_INUM_BASE 51
#define QID_LG_SEPARATOR 'z'
#define QID_LG_MIN_SEP_POS (QID_LG_SEC_PAD + QID_LG_USEC_PAD)

/* qid_put_base - append value in base, zero-padded to pad digits */

static char *
qid_put_base(char *cp, char *end, unsigned long value, unsigned base, int pad)
{
	char tmp[80];
	int n = 0;

	do {
		tmp[n++] = qid_alphabet[value % base];
		value /= base;
	} while (value > 0);
	while (n < pad && n < (int)sizeof(tmp))
		tmp[n++] = '0';
	while (n > 0 && cp < end)
		*cp++ = tmp[--n];
	return (cp);
}

/* qid_digit - value of one long-form digit, or -1 */

static int
qid_digit(int ch, unsigned base)
{
	const char *cp;

	if (ch == 0 || (cp = strchr(qid_alphabet, ch)) == 0)
		return (-1);
	if ((unsigned)(cp - qid_alphabet) >= base)
		return (-1);
	return ((int)(cp - qid_alphabet));
}

/* qid_short - Postfix's short queue ID */

void
qid_short(char buf[QID_SIZE], long usec, unsigned long inode)
{
	snprintf(buf, QID_SIZE, "%05lX%lX", (unsigned long)usec, inode);
}

/* qid_long - Postfix's long queue ID */

void
qid_long(char buf[QID_SIZE], long sec, long usec, unsigned long inode)
{
	char *cp = buf;
	char *end = buf + QID_SIZE - 1;

	cp = qid_put_base(cp, end, (unsigned long)sec, QID_LG_SEC_BASE,
	    QID_LG_SEC_PAD);
	cp = qid_put_base(cp, end, (unsigned long)usec, QID_LG_USEC_BASE,
	    QID_LG_USEC_PAD);
	if (cp < end)
		*cp++ = QID_LG_SEPARATOR;
	cp = qid_put_base(cp, end, inode, QID_LG_INUM_BASE, 0);
	*cp = 0;
}

/* qid_ok - Postfix's mail_queue_id_ok() */

int
qid_ok(const char *name)
{
	const char *cp;

	if (name == 0 || *name == 0 || strlen(name) > 255)
		return (0);
	for (cp = name; *cp; cp++)
		if (!((*cp >= 'A' && *cp <= 'Z') ||
			(*cp >= 'a' && *cp <= 'z') ||
			(*cp >= '0' && *cp <= '9') || *cp == '_'))
			return (0);
	return (1);
}

/* qid_is_long - last 'z' far enough in */

int
qid_is_long(const char *id)
{
	const char *zp = strrchr(id, QID_LG_SEPARATOR);

	return (zp != 0 && zp - id >= QID_LG_MIN_SEP_POS);
}

/* qid_long_usec - decode the microseconds of a long ID, or -1 */

static long
qid_long_usec(const char *id)
{
	const char *zp = strrchr(id, QID_LG_SEPARATOR);
	const char *cp;
	long usec = 0;
	int d;

	if (zp == 0 || zp - id < QID_LG_MIN_SEP_POS)
		return (-1);
	for (cp = zp - QID_LG_USEC_PAD; cp < zp; cp++) {
		if ((d = qid_digit(*cp, QID_LG_USEC_BASE)) < 0)
			return (-1);
		usec = usec * QID_LG_USEC_BASE + d;
	}
	return (usec);
}

/* qid_hash_chars - the names of the hash subdirectories */

int
qid_hash_chars(const char *id, char out[8], int depth)
{
	char hex[QID_SIZE];
	const char *src = id;
	long usec;
	int i;

	if (depth < 0)
		depth = 0;
	if (depth > 7)
		depth = 7;
	if (qid_is_long(id) && (usec = qid_long_usec(id)) >= 0) {
		snprintf(hex, sizeof(hex), "%05lX", usec);
		src = hex;
	}
	for (i = 0; i < depth && src[i]; i++)
		out[i] = src[i];
	for (/* void */; i < depth; i++)
		out[i] = '_';
	out[depth] = 0;
	return (depth);
}
