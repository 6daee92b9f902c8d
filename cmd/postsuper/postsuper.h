/*
 * postsuper - private interfaces between the postsuper source files.
 *
 * postsuper.c: options, privileges, the order of work, summaries.
 * postsuper_ops.c: per-message operations (-d -h -H -r -e -f).
 *	void ps_op_id(enum ps_op op, const char *id, char **queues);
 *		one ID, searched in the queues of the list that the
 *		operation uses (two rounds); prints "ID: removed" etc.
 *	void ps_op_all(enum ps_op op, char **queues);
 *		every ready message of those queues; no per-message lines.
 *	int  ps_is_message_queue(const char *queue);
 *	int  ps_op_uses(enum ps_op op, const char *queue);
 *		does op look in this message queue?
 *	int  ps_apply(enum ps_op op, const char *queue, const char *id,
 *		const char *path, const struct stat *st, int remove_logs);
 *		do op on the ready file queue/ID at path (its hashed
 *		path: moves rename that one) with lstat() st: 1 done, 0
 *		gone, -1 other error (warned).
 *	void ps_done(enum ps_op op, const char *id);
 *		"ID: removed" etc., and count it.
 * postsuper_select.c: the per-message operations for a selection.
 *	void ps_select_id(enum ps_op op, const char *id, char **queues,
 *		const struct qselect *sel);
 *	void ps_select_all(enum ps_op op, char **queues,
 *		const struct qselect *sel);
 *		as ps_op_id() / ps_op_all(), but only on messages that sel
 *		selects, each read, matched and changed in one step, and
 *		with a line per message also for ALL.
 * postsuper_repair.c: -s, -S (structure and names), -p (purge).
 *	int  ps_repair(char **queues, int structure, int strict, int purge);
 *		returns the number of files renamed to match their inode.
 * The working directory is queue_directory.
 */
#ifndef SLUICE_POSTSUPER_H
#define SLUICE_POSTSUPER_H

/* The parameters postsuper reads, bound in main() (postsuper.c). */

enum ps_op {
	PS_REQUEUE, /* -r */
	PS_DELETE,  /* -d */
	PS_EXPIRE,  /* -e, first half of -f */
	PS_HOLD,    /* -h */
	PS_RELEASE, /* -H, second half of -f */
	PS_OP_COUNT
};

/* Messages affected per operation, for the summary lines. */
extern unsigned long ps_count[PS_OP_COUNT];

struct qselect;
struct stat;
void ps_op_id(enum ps_op op, const char *id, char **queues);
int ps_op_uses(enum ps_op op, const char *queue);
int ps_apply(enum ps_op op, const char *queue, const char *id, const char *path,
    const struct stat *st, int remove_logs);
void ps_done(enum ps_op op, const char *id);
void ps_select_id(enum ps_op op, const char *id, char **queues,
    const struct qselect *sel);
void ps_select_all(enum ps_op op, char **queues, const struct qselect *sel);
void ps_op_all(enum ps_op op, char **queues);
int ps_is_message_queue(const char *queue);
int ps_repair(char **queues, int structure, int strict, int purge);

#endif
