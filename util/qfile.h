#ifndef SLUICE_QFILE_H
#define SLUICE_QFILE_H
/*
 * NAME
 *	qfile - queue-file records in Postfix's exact format
 * SYNOPSIS
 *	#include "qfile.h"
 *
 *	int  rec_put(FILE *fp, int type, const void *data, size_t len);
 *	int  rec_puts(FILE *fp, int type, const char *s);
 *	int  rec_printf(FILE *fp, int type, const char *fmt, ...);
 *	void rec_encode(struct vbuf *out, int type, const void *data,
 *			size_t len);
 *	int  rec_get(FILE *fp, struct vbuf *data, size_t maxlen, int flags);
 *	long rec_parse(const void *buf, size_t avail, size_t maxlen,
 *			int *type, size_t *data_off, size_t *data_len);
 *	const char *rec_type_name(int type);
 *	int  rec_size_parse(const char *data, size_t len, long fields[6]);
 *	void rec_size_format(char out[96], const long fields[6]);
 *
 *	int  rec_get_why(FILE *fp, struct vbuf *data, size_t maxlen,
 *			int flags, struct vbuf *why);
 *	int  rec_goto(FILE *fp, const char *value, struct vbuf *why);
 * DESCRIPTION
 *	A record is one type byte, the data length as a little-endian
 *	base-128 varint (7 bits per byte, 0x80 = more follows, at most 4
 *	bytes), then the data (may hold NULs). See docs/postfix/queue.md.
 *
 *	rec_put() writes one record with stdio and returns type, or REC_ERR
 *	on a write error (errno set). rec_puts()/rec_printf() are shorthands.
 *	rec_encode() appends the encoded record to out (for IPC buffers).
 *
 *	rec_get() reads one record into data (replacing its contents; data
 *	is NUL-terminated) and returns its type, REC_EOF at a clean end of
 *	file before the first byte of a record, or REC_ERR when the record
 *	is truncated, its length field is malformed or exceeds maxlen (0 =
 *	no limit). flags: REC_FOLLOW_PTR follows 'p' records (jump to the
 *	decimal offset; 0 = no-op) and skips 'w' padding; REC_SEEK_END seeks
 *	to end of file after returning 'E' (Postfix's rec_get semantics; use
 *	both for reading queue files, REC_RAW (0) for postcat -v/-r).
 *
 *	rec_parse() decodes one record from memory: it returns the number of
 *	bytes the record occupies and sets *type, *data_off (offset of the
 *	data from buf) and *data_len; 0 if more bytes are needed; -1 if the
 *	bytes cannot be a record (bad length or over maxlen).
 *
 *	rec_type_name() gives postcat's label ("message_size", "sender",
 *	...; "unknown_record_type" for others, as Postfix). rec_size_parse()
 *	reads the 'C' record's
 *	numeric fields (missing ones 0), returning how many were present or
 *	-1 if it holds anything but digits, '-' and spaces.
 *	rec_size_format() prints six fields "%15ld" joined by single
 *	spaces (95 bytes + NUL).
 *
 *	rec_get_why() is rec_get() that, on REC_ERR, also puts Postfix's
 *	reason into why (if not NULL), e.g. "unexpected EOF in data, record
 *	type 78 length 50", "too many length bits, record type 67",
 *	"illegal length N, record type T", "malformed pointer record value:
 *	X", "too many reverse jump records"; callers prefix the path.
 *	rec_goto() follows the value of a 'p' record read with REC_RAW (as
 *	REC_FOLLOW_PTR would): 0 on success (value 0 = no-op), REC_ERR with
 *	why otherwise. Pointer loops are cut off: more than 10000 jumps to
 *	an offset at or before the previous jump's target in one pass over
 *	a file (a pass starts when a read starts at offset 0) fail.
 * DIAGNOSTICS
 *	Fatal: out of memory. Everything else is returned.
 */
#include <stdio.h>
#include <stddef.h>
#include "vbuf.h"

#define REC_EOF (-2)
#define REC_ERR (-1)

#define REC_RAW 0
#define REC_FOLLOW_PTR (1 << 0)
#define REC_SEEK_END (1 << 1)
#define REC_READER (REC_FOLLOW_PTR | REC_SEEK_END)

#define REC_TYPE_SIZE 'C'
#define REC_TYPE_TIME 'T'
#define REC_TYPE_CTIME 'c'
#define REC_TYPE_FULL 'F'
#define REC_TYPE_INSP 'I'
#define REC_TYPE_FILT 'L'
#define REC_TYPE_CONT 'L'
#define REC_TYPE_FROM 'S'
#define REC_TYPE_DONE 'D'
#define REC_TYPE_RCPT 'R'
#define REC_TYPE_ORCP 'O'
#define REC_TYPE_DRCP '/'
#define REC_TYPE_WARN 'W'
#define REC_TYPE_ATTR 'A'
#define REC_TYPE_KILL 'K'
#define REC_TYPE_RDR '>'
#define REC_TYPE_FLGS 'f'
#define REC_TYPE_DELAY 'd'
#define REC_TYPE_MESG 'M'
#define REC_TYPE_NORM 'N'
#define REC_TYPE_DTXT 'w'
#define REC_TYPE_XTRA 'X'
#define REC_TYPE_RRTO 'r'
#define REC_TYPE_ERTO 'e'
#define REC_TYPE_PRIO 'P'
#define REC_TYPE_PTR 'p'
#define REC_TYPE_VERP 'V'
#define REC_TYPE_END 'E'

#define REC_SIZE_LEN 95 /* data length of the C record */
#define REC_ENVELOPE_TYPES "MCTcFILSDRO/WVA>K<ion"
#define REC_CONTENT_TYPES "XLNw"
#define REC_EXTRACT_TYPES "EDRO/PreAFIL>Kon"

int rec_put(FILE *fp, int type, const void *data, size_t len);
int rec_puts(FILE *fp, int type, const char *s);
int rec_printf(FILE *fp, int type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void rec_encode(struct vbuf *out, int type, const void *data, size_t len);
int rec_get(FILE *fp, struct vbuf *data, size_t maxlen, int flags);
long rec_parse(const void *buf, size_t avail, size_t maxlen, int *type,
    size_t *data_off, size_t *data_len);
const char *rec_type_name(int type);
int rec_size_parse(const char *data, size_t len, long fields[6]);
void rec_size_format(char out[96], const long fields[6]);
int rec_get_why(FILE *fp, struct vbuf *data, size_t maxlen, int flags,
    struct vbuf *why);
int rec_goto(FILE *fp, const char *value, struct vbuf *why);

#endif
