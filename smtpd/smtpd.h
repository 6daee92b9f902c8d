/*
 * smtpd private interface: the parameters smtpd reads, one struct
 * smtpd_session per client and the files that work on it, the relay policy
 * and the network helpers.
 */
#ifndef SLUICE_SMTPD_H
#define SLUICE_SMTPD_H

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "param.h"
#include "qid.h"
#include "resolve.h"
#include "ring.h"
#include "vbuf.h"

/* smtpd_check.c: the relay policy; where an address goes is util/resolve
 * (resolve_internal(), resolve_bad_nexthop(), ...). Its parameters, bound by
 * smtpd_check_init() (after param_load(); again after every reload),
 * which also initialises util/resolve. */
extern const struct param_var smtpd_check_params[];

struct smtpd_net;
void smtpd_check_init(void);
int smtpd_check_mynetworks(const struct sockaddr_storage *ss);
/* Does the client match the network list in parameter param, one of the
 * lists of smtpd_check_params (CIDR, v4/v6, [v6]/len; parsed once per
 * process; UNIX-domain clients always match)? */
int smtpd_check_netlist(const struct sockaddr_storage *ss, const char *param);
/* smtpd_check_recipient() evaluates smtpd_client_restrictions,
 * smtpd_helo_restrictions, smtpd_sender_restrictions, then the relay and
 * recipient lists, all at RCPT time (smtpd_delay_reject), for rcpt in
 * internal form. Returns 0 to accept it, or an SMTP code (454/554/...)
 * with the reply text (without the code) in why. */
struct smtpd_check_ctx {
	const struct sockaddr_storage *client;
	const char *namaddr; /* "name[addr]" */
	const char *helo;    /* NULL before HELO/EHLO */
	const char *sender;  /* internal form; "" for <> */
};
int smtpd_check_recipient(const struct smtpd_check_ctx *ctx, const char *rcpt,
    struct vbuf *why);
/* smtpd_addr_bytes(): the client's address bytes in a (an IPv4-mapped IPv6
 * address as IPv4); AF_INET, AF_INET6, or 0 for a local (stdio) client. */
int smtpd_addr_bytes(const struct sockaddr_storage *ss, unsigned char a[16]);

/*
 * smtpd_params.c: every parameter the session, command, TLS and main code
 * read, bound once at start (server_main() binds smtpd_params after -o
 * overrides; a new configuration means a new smtpd process). smtpd_check.c
 * binds its own table in smtpd_check_init().
 */
extern const struct param_var smtpd_params[];

/*
 * smtpd_session.c: one SMTP client, a state machine over a bufferevent
 * (lifecycle, replies, the input loop, content lines). The other files
 * below work on the same struct smtpd_session.
 */
#define CMD_LINE_MIN 512	   /* RFC 5321 4.5.3.1.4 */
#define CMD_LINE_MAX 65536	   /* whatever line_length_limit says */
#define DATA_CHUNK 8192		   /* longest content record we send */
#define CLEANUP_HIWAT (256 * 1024) /* pause the client above this */
#define CLEANUP_TIMEOUT 300
#define CLIENT_HIWAT (64 * 1024) /* pending replies before we stop reading */

enum smtpd_state {
	SS_CMD,		/* reading commands */
	SS_DATA,	/* reading message content */
	SS_WAIT_QUEUED, /* content sent, waiting for cleanup */
	SS_WAIT_FLUSH,	/* ETRN sent to the flush service */
	SS_WAIT_QID,	/* first RCPT: waiting for cleanup's queue ID */
	SS_STARTTLS,	/* flushing "220 Ready to start TLS" */
	SS_LOOKUP,	/* reverse lookup before the banner */
	SS_CLOSING,	/* flushing the last reply */
};

/* Command counters, printed in this order on the disconnect line. */
enum {
	C_HELO,
	C_EHLO,
	C_STARTTLS,
	C_MAIL,
	C_RCPT,
	C_DATA,
	C_RSET,
	C_NOOP,
	C_VRFY,
	C_ETRN,
	C_QUIT,
	C_UNKNOWN,
	C_COUNT
};
extern const char *const smtpd_cmd_names[C_COUNT];

/*
 * smtpd_forbid_bare_newline: every mode normalizes (a bare LF ends a line,
 * never the message); "note" also flags the disconnect line, "reject"
 * refuses commands and messages that hold a bare LF. Clients listed in
 * smtpd_forbid_bare_newline_exclusions are only normalized. A network
 * client never ends DATA with a bare LF. LF_LOCAL is "sendmail -bs" only
 * (the local user's own input, exempt from smtpd_forbid_bare_newline in
 * Postfix): LF and CRLF are the same, so "." LF ends DATA.
 */
#define LF_NORMALIZE 0
#define LF_NOTE 1
#define LF_REJECT 2
#define LF_LOCAL 3

struct bufferevent;
struct dns_req;
struct event;
struct event_base;
struct evbuffer;

struct smtpd_session {
	struct bufferevent *bev;  /* client */
	int fd;			  /* client socket (closed by us) */
	struct bufferevent *cbev; /* cleanup, during a transaction */
	struct vbuf cpend;	  /* records not yet handed to cbev */
	struct event *cflush;	  /* hands them on, later in this turn */
	pid_t postdrop_pid;	  /* sendmail -bs: cbev's postdrop */
	struct bufferevent *fbev; /* flush service, during ETRN */
	char *etrn_site;
	enum smtpd_state state;
	struct sockaddr_storage ss;
	char addr[INET6_ADDRSTRLEN];
	char port[8];
	char saddr[INET6_ADDRSTRLEN];
	char sport[8];
	char name[NI_MAXHOST];	/* verified client name or "unknown" */
	char rname[NI_MAXHOST]; /* reverse (PTR) name or "unknown" */
	struct dns_req *dns;	/* reverse or forward lookup */
	char namaddr[NI_MAXHOST + INET6_ADDRSTRLEN + 4];
	char *helo;
	int esmtp;
	int tls;	      /* STARTTLS done (handshake may be running) */
	int tls_up;	      /* the handshake has finished */
	int stdio;	      /* sendmail -bs: stdin and stdout */
	char *sender;	      /* NULL = no MAIL yet */
	char *envid;	      /* DSN ENVID (decoded) */
	int ret;	      /* DSN RET: 1 FULL, 2 HDRS, 0 unset */
	const char *encoding; /* BODY=: "7bit", "8bit" or NULL */
	char *first_rcpt;
	int nrcpt;
	int overshoot; /* RCPTs beyond smtpd_recipient_limit */
	char qid[QID_SIZE];
	long size; /* content bytes seen */
	int too_big;
	int failed; /* cleanup went away mid-transaction */
	int junk;   /* NOOP, RSET, VRFY, ETRN so far */
	int in_header;
	int hops;
	int prev_crlf;	     /* last content line ended in CRLF */
	int bare_lf;	     /* a line ended in a bare LF (session) */
	int data_bare_lf;    /* ... in this message's content */
	int lf_mode;	     /* smtpd_forbid_bare_newline for us */
	struct event *delay; /* smtpd_error_sleep_time timer */
	int delay_pending;
	struct evbuffer *delayed; /* replies held back meanwhile */
	int at_bol;		  /* next content byte starts a line */
	int skip_line;		  /* discarding an overlong command */
	int errors;
	const char *last_cmd; /* for "timeout after X" */
	int ok[C_COUNT];
	int total[C_COUNT];
	struct vbuf scratch;
	struct vbuf logaddr[2]; /* log_addr() results */
	struct ring ring;	/* in the list of live sessions */
};

/* smtpd_session_init() takes the event loop every session runs in
 * (smtpd_event_base() returns it) and sizes the session cap;
 * smtpd_session_create() serves a connected client socket. */
void smtpd_session_init(struct event_base *base);
struct event_base *smtpd_event_base(void);
void smtpd_session_create(int fd);
void smtpd_session_stop_all(void);
int smtpd_session_active(void);
void smtpd_session_start(struct smtpd_session *s, int fd,
    struct bufferevent *bev);
void smtpd_session_greet(struct smtpd_session *s);
void smtpd_session_free(struct smtpd_session *s);
void smtpd_process_input(struct smtpd_session *s);
void smtpd_enter_state(struct smtpd_session *s, enum smtpd_state st);
void smtpd_client_pause(struct smtpd_session *s);
void smtpd_client_resume(struct smtpd_session *s);
/* A state that waits for the replies to drain (client_write()) calls this
 * after entering it: replies are written at once when the socket takes
 * them, and then no write event would come. */
void smtpd_output_drained(struct smtpd_session *s);
void smtpd_transaction_reset(struct smtpd_session *s);
/* A reply line (CRLF added; soft_bounce turns 5XX into 4XX); an error
 * reply also counts toward smtpd_hard_error_limit and returns -1 when that
 * limit ends the session. */
void smtpd_reply(struct smtpd_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int smtpd_error_reply(struct smtpd_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The refusal for a bare LF (reject mode) after where ("DATA", a verb). */
void smtpd_bare_lf_reject(struct smtpd_session *s, const char *where);

/* smtpd_cmd.c: the commands. smtpd_cmd_index() is a verb's counter
 * (C_UNKNOWN if none); smtpd_command() runs one command line. */
int smtpd_cmd_index(const char *verb);
void smtpd_command(struct smtpd_session *s, char *line);

/* smtpd_cleanup.c: the transaction's connection to cleanup. */
/* smtpd_cleanup_await_qid(): the first recipient is sent; its 250 waits
 * (client input paused, state SS_WAIT_QID) until cleanup names the queue
 * file, or fails (451 4.3.0, the recipient is not counted). */
void smtpd_cleanup_await_qid(struct smtpd_session *s);
int smtpd_cleanup_open(struct smtpd_session *s);
void smtpd_cleanup_close(struct smtpd_session *s);
void smtpd_cleanup_send(struct smtpd_session *s, int type, const void *data,
    size_t len);
void smtpd_cleanup_sendf(struct smtpd_session *s, int type, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));
void smtpd_cleanup_envelope(struct smtpd_session *s);
void smtpd_cleanup_received(struct smtpd_session *s);
void smtpd_cleanup_finish(struct smtpd_session *s);
int smtpd_cleanup_congested(struct smtpd_session *s);

/* smtpd_etrn.c: ETRN through the flush service. */
void smtpd_cmd_etrn(struct smtpd_session *s, char *arg);
void smtpd_etrn_close(struct smtpd_session *s);

/* smtpd_peer.c: the client's name (reverse lookup, forward confirmation);
 * smtpd_session_greet() follows. */
void smtpd_peer_lookup(struct smtpd_session *s);

/* smtpd_stdio.c: smtpd -S, one session over stdin and stdout (sendmail
 * -bs). smtpd_stdio_ended(): stdin has ended; smtpd_stdio_gone(): the
 * session is over. */
void smtpd_session_stdio(void);
int smtpd_stdio_ended(void);
void smtpd_stdio_gone(void);

#endif
