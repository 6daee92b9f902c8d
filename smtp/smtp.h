/*
 * smtp private interface. The daemon is smtp.c (manual and main());
 * smtp_request.c speaks the delivery protocol with qmgr;
 * smtp_session.c is one delivery request as a state machine (the SMTP
 * dialogue, connections, per-recipient results); smtp_site.c chooses
 * the destinations and addresses it tries (MX and address lookups,
 * fallback relays, limits); smtp_params.c holds the parameters;
 * smtp_queue.c reads the queue file; smtp_nexthop.c, smtp_reply.c and
 * smtp_text.c are pure helpers with unit tests (test_smtp_*.c).
 * NOTE: the Makefile does not track this header; after changing it,
 * remove the smtp objects of the build directory.
 */
#ifndef SLUICE_SMTP_H
#define SLUICE_SMTP_H

#include <stddef.h>
#include <sys/time.h>
#include "deliv.h"
#include "dns.h"
#include "param.h"
#include "vbuf.h"

/* Limits. */
#define SMTP_REPLY_LINE_MAX 2048 /* one reply line (line_length_limit) */
#define SMTP_REPLY_TEXT_MAX 4096 /* joined multi-line reply text */
#define SMTP_REPLY_LINES_MAX 100 /* lines kept for EHLO parsing */

/*
 * smtp_nexthop.c: one destination in Postfix's host_port syntax:
 * "[host]:port", "[1.2.3.4]", "[ipv6:2001:db8::1]:25", "host:port",
 * "host". smtp_nexthop_parse() fills nh (owned strings, release with
 * smtp_nexthop_free()) and returns 0, or -1 with why set to Postfix's
 * reason: missing "]", garbage after "]", valid hostname or network
 * address required, bad network port. An empty port means def_port.
 * smtp_port_parse() accepts a number 1..65535 or a service name (smtp,
 * submission, ...) and returns the port or -1.
 */
struct smtp_nexthop {
	char *host; /* as written, without [] */
	char *name; /* for texts: host without "ipv6:" */
	int port;
	int bracketed; /* [...]: no MX lookup */
};

int smtp_nexthop_parse(const char *text, const char *def_port,
    struct smtp_nexthop *nh, struct vbuf *why);
void smtp_nexthop_free(struct smtp_nexthop *nh);
int smtp_port_parse(const char *service);

/*
 * smtp_mx.c: the address list of one destination (spec §3, steps 2-6).
 * struct smtp_addr is one address to try, with the MX preference and
 * the name of the host it belongs to (the MX host, or the nexthop host
 * without MX lookup); host names longer than DNS_NAME_MAX-1 are cut.
 * smtp_mx_sort() sorts MX records by ascending preference, keeping the
 * answer order among equal preferences (stable), and drops records
 * whose exchange is "" (the root: no host); it returns the new count.
 * smtp_addr_add() appends the addresses of one host with its
 * preference, at most DNS_ADDR_MAX in all; returns how many it took.
 * smtp_addr_sort() orders a list for trying: with randomize, first a
 * shuffle (rand_fn(i) returns 0..i-1; NULL = random()), then a stable
 * sort by preference and, within a preference, by family when
 * family_pref is AF_INET or AF_INET6 (smtp_address_preference ipv4,
 * ipv6; 0 = any). So equal-preference addresses end up in random
 * order and better preferences always come first.
 * smtp_addr_unloop() is loop detection on a list sorted by preference:
 * when an address is one of own[] (this host's interfaces), that
 * address and every address with the same or a worse preference are
 * dropped. It returns the new count and sets *self_pref to the best
 * preference of an own address, or -1 when none was found.
 * smtp_own_addrs() collects this host's addresses from the
 * inet_interfaces and proxy_interfaces lists ("all": every interface
 * address via getifaddrs(); "loopback-only": 127.0.0.1 and ::1;
 * numeric entries as they are; host names are ignored, as they cannot
 * be resolved without blocking). *nown gets the count; the vector is
 * released with mem_free().
 */
struct smtp_addr {
	struct dns_addr a;
	int pref;
	char host[DNS_NAME_MAX];
};

size_t smtp_mx_sort(struct dns_mx *mx, size_t nmx);
size_t smtp_addr_add(struct smtp_addr *list, size_t *nlist,
    const struct dns_addr *addrs, size_t naddr, int pref, const char *host);
void smtp_addr_sort(struct smtp_addr *list, size_t n, int randomize,
    int family_pref, long (*rand_fn)(long));
size_t smtp_addr_unloop(struct smtp_addr *list, size_t n,
    const struct dns_addr *own, size_t nown, int *self_pref);
struct dns_addr *smtp_own_addrs(char **inet_interfaces, char **proxy_interfaces,
    size_t *nown);

/*
 * smtp_reply.c: SMTP replies. smtp_reply_feed() takes one reply line
 * without its line end (the caller bounds it at SMTP_REPLY_LINE_MAX)
 * and returns 1 when the reply is complete, 0 when more lines follow.
 * The reply ends with a line "DDD" or "DDD text"; as in Postfix, any
 * line that is not "DDD", "DDD text" or "DDD-text" is taken as one more
 * continuation line (only the phase timeout ends such a reply). code
 * is that of the last line. Control characters become '?' (Postfix
 * printable()).
 * text holds the lines joined by single spaces (codes included, as
 * Postfix logs them), at most about SMTP_REPLY_TEXT_MAX bytes; lines
 * holds each line's text after "NNN-" and a newline, for EHLO parsing
 * (well-formed lines only, at most SMTP_REPLY_LINES_MAX). dsn is the enhanced
 * status: the reply's own X.Y.Z when its class matches the code, else X.0.0,
 * and 5.5.0 for codes outside 2xx/4xx/5xx.
 * smtp_reply_reset() empties a reply for reuse; smtp_reply_free()
 * releases its memory.
 */
struct smtp_reply {
	int code;
	int first_code; /* of the first line (0: malformed) */
	char dsn[16];
	struct vbuf text;
	struct vbuf lines;
	size_t nlines;
	int complete;
};

void smtp_reply_reset(struct smtp_reply *r);
void smtp_reply_free(struct smtp_reply *r);
int smtp_reply_feed(struct smtp_reply *r, const char *line, size_t len);

/*
 * EHLO keywords: smtp_ehlo_parse() reads a complete 250 EHLO reply and
 * returns the SMTP_FEAT_* mask; *size_limit gets SIZE's argument (0 =
 * none or no SIZE).
 */
#define SMTP_FEAT_PIPELINING (1 << 0)
#define SMTP_FEAT_SIZE (1 << 1)
#define SMTP_FEAT_8BITMIME (1 << 2)
#define SMTP_FEAT_STARTTLS (1 << 3)
#define SMTP_FEAT_AUTH (1 << 4)

int smtp_ehlo_parse(const struct smtp_reply *r, long *size_limit);

/*
 * smtp_ehlo_auth() appends the mechanisms of the EHLO reply's AUTH (and
 * old-style AUTH=) lines to out, separated by spaces, upper-cased.
 */
void smtp_ehlo_auth(const struct smtp_reply *r, struct vbuf *out);

/*
 * smtp_text.c: message content to SMTP DATA. smtp_text_put() appends
 * len bytes of the current line to out; eol ends the line. Lines get
 * CRLF, a leading '.' is doubled, and a line longer than limit bytes
 * is broken as Postfix does: after limit bytes come CRLF and a space,
 * then the rest (again at most limit bytes per output line). A line
 * of at most limit bytes goes out unchanged. smtp_text_end() appends
 * the final ".\r\n", first ending an unterminated line.
 */
struct smtp_text {
	size_t limit;
	size_t col; /* bytes on the current output line */
	int bol;    /* at the start of a logical line */
};

void smtp_text_init(struct smtp_text *t, size_t limit);
void smtp_text_put(struct smtp_text *t, struct vbuf *out, const char *data,
    size_t len, int eol);
void smtp_text_end(struct smtp_text *t, struct vbuf *out);

/*
 * smtp_queue.c: the queue file of one delivery. smtp_queue_open() opens
 * active/ID read-only with a non-blocking shared flock (held until
 * close) plus a read/write descriptor for marking recipients done, and
 * reads the envelope: sender, arrival time, content offset and size
 * (C record), and the 8-bit encoding flag. It returns 0, SMTP_QUEUE_LOCKED
 * when the lock is busy (nothing stays open), or -1 with why.
 * smtp_queue_rewind() positions at the first content record;
 * smtp_queue_content() then appends SMTP DATA text for the next records
 * until out holds at least want bytes: 1 = more to come, 0 = content
 * complete (the final "." is appended), -1 = read error or corrupt
 * content. smtp_queue_close() releases everything (idempotent).
 */
#define SMTP_QUEUE_LOCKED (-2)
#define SMTP_QUEUE_REC_MAX (1024 * 1024) /* one record, sanity limit */
#define SMTP_QUEUE_BUF_MIN 4096		 /* stdio buffer for the file... */
#define SMTP_QUEUE_BUF_MAX (64 * 1024)	 /* ...the file's size, at most */

struct smtp_queue {
	int fd;	     /* read-write, shared lock (and deliv_mark_done()); -1 */
	void *fp;    /* FILE * over fd */
	char *iobuf; /* its buffer */
	char *sender;
	double arrival;	   /* T record */
	long content_size; /* C field 1 */
	long data_offset;  /* C field 2 */
	int eightbit;	   /* A encoding=8bit */
	struct vbuf rec;
	/* smtp_generic_maps on the headers (smtp_generic.c); 0: off */
	int generic;
	int in_headers;	  /* still in the primary headers */
	struct vbuf line; /* the logical line being assembled */
	struct vbuf hdr;  /* the pending header, lines joined by \n */
};

int smtp_queue_open(struct smtp_queue *q, const char *queue_id,
    struct vbuf *why);
int smtp_queue_rewind(struct smtp_queue *q);
int smtp_queue_content(struct smtp_queue *q, struct smtp_text *t,
    struct vbuf *out, size_t want);
void smtp_queue_close(struct smtp_queue *q);

/*
 * smtp_session.c: one delivery request, from address lookup to the
 * last result. smtp_session_create() validates the request attributes
 * (NULL with why when malformed) and makes the session's events in
 * base; smtp_session_start() runs it in that event loop; when every recipient
 * has its result (marks written, not synced: qmgr syncs a file that stays
 * queued), done() is called from the event
 * loop with status 0 (all final) or 1 (some deferred) and, for a site-level
 * failure, hop_status and hop_dsn (else NULL). done() may free the session with
 * smtp_session_free(), which also abandons a delivery in progress.
 */
struct smtp_session;
struct attr_list;

typedef void smtp_session_done_fn(struct smtp_session *s, int status,
    const char *hop_status, const char *hop_dsn, void *ctx);

enum smtp_state {
	SMTP_ST_INIT,	  /* created, not started */
	SMTP_ST_RESOLVE,  /* address lookup */
	SMTP_ST_CONNECT,  /* non-blocking connect */
	SMTP_ST_GREETING, /* waiting for 220 */
	SMTP_ST_EHLO,
	SMTP_ST_HELO,
	SMTP_ST_STARTTLS, /* waiting for the STARTTLS reply */
	SMTP_ST_TLS,	  /* TLS handshake */
	SMTP_ST_AUTH,	  /* SASL exchange */
	SMTP_ST_MAIL,	  /* waiting for the MAIL FROM reply */
	SMTP_ST_RCPT,	  /* waiting for RCPT TO replies */
	SMTP_ST_DATA,	  /* waiting for 354 */
	SMTP_ST_BODY,	  /* streaming the content */
	SMTP_ST_DOT,	  /* waiting for the end-of-data reply */
	SMTP_ST_QUIT,	  /* flushing QUIT, then close */
	SMTP_ST_RSET,	  /* RSET before the connection is cached */
	SMTP_ST_DONE,	  /* results reported */
};

struct event_base;

struct smtp_session *smtp_session_create(struct event_base *base,
    const struct attr_list *req, smtp_session_done_fn *done, void *ctx,
    struct vbuf *why);
void smtp_session_start(struct smtp_session *s);
struct smtp_session *smtp_session_free(struct smtp_session *s);
const char *smtp_state_name(enum smtp_state state);

/*
 * The session's insides, shared by smtp_session.c (the SMTP dialogue
 * with one server) and smtp_site.c (which destinations and addresses
 * are tried, in which order).
 */
/* A recipient's last failure, reported if nothing better happens. */
struct smtp_why {
	char dsn[16];
	char *reason;
	char *diag;  /* server reply, or NULL */
	char *mta;   /* server host name with diag */
	char *relay; /* "host[addr]:port" or "none" */
	double conn_done;
	int site; /* site-level failure */
};

struct smtp_rcpt {
	struct deliv_rcpt r; /* strings below */
	char *address;
	char *orig_rcpt;
	char *dsn_orig_rcpt;
	int final;	      /* result reported */
	int accepted;	      /* RCPT 2xx in this connection */
	struct smtp_why last; /* last soft failure */
};

/*
 * smtp_tls.c: the TLS policy of a destination (smtp_tls_security_level,
 * then smtp_tls_policy_maps), levels in Postfix's order of strictness.
 */
enum smtp_tls_level {
	SMTP_TLS_INVALID = -1, /* configuration problem: defer */
	SMTP_TLS_NONE,
	SMTP_TLS_MAY,
	SMTP_TLS_ENCRYPT,
	SMTP_TLS_FPRINT,
	SMTP_TLS_VERIFY,
	SMTP_TLS_SECURE,
};

struct smtp_tls_policy {
	int level;
	char **match; /* names (verify, secure) or digests (fingerprint) */
	size_t nmatch;
	char *protocols; /* NULL: by level from main.cf */
	char *ciphers;
	char *exclude;
	char *servername;
	int conn_reuse; /* smtp_tls_connection_reuse or policy */
};

struct smtp_session {
	enum smtp_state state;
	struct event_base *base;
	smtp_session_done_fn *done;
	void *done_ctx;
	struct event *timer;
	struct event *done_ev;

	/* The request. */
	char *queue_id;
	char *nexthop;
	struct deliv_times times;
	struct smtp_rcpt *rcpt;
	size_t nrcpt;

	/* The message. */
	struct smtp_queue q;
	int queue_open;
	int lock_tries;
	int deferred; /* some recipient stays pending */

	/* Where to: the sites (nexthop list, then fallback relays). */
	char **sites;
	size_t nsites;
	size_t first_fallback; /* index of the first fallback relay */
	size_t site;	       /* the current one */
	int is_mx;	       /* this host is an MX: no more sites */
	struct smtp_nexthop nh;
	struct dns_req *dns; /* MX or host address lookup */
	int mx_query;	     /* dns is the MX lookup */
	struct dns_mx *mx;   /* sorted MX hosts of the site */
	size_t nmx;
	struct smtp_mxq *mxq; /* their address lookups */
	size_t mxq_pending;
	struct smtp_addr *addrs;
	size_t naddr;
	size_t addr_next;
	int nsessions; /* got past HELO */

	/* The current connection. */
	unsigned conn_gen;
	int fd;
	struct event *conn_ev;
	struct bufferevent *bev;
	const struct smtp_addr *addr;
	char *hostaddr; /* "host[addr]" */
	char *relay;	/* "host[addr]:port" */
	int features;
	long size_limit;
	int pipelining;
	int last_try; /* no further address after this */
	double conn_done;
	size_t *todo; /* recipients in this transaction */
	size_t ntodo;
	size_t rcpt_sent;
	size_t rcpt_replies;
	size_t naccepted;
	struct smtp_reply reply;
	int skip_to_eol;
	int body_done; /* final "." queued for output */
	struct smtp_text text;
	struct vbuf out;

	/* TLS and SASL (smtp_tls.c, smtp_sasl.c) and reuse (smtp_cache.c). */
	struct smtp_tls_policy tls; /* of the current site */
	int tls_on;		    /* the connection is encrypted */
	int tls_plain;		    /* may: this attempt without STARTTLS */
	int tls_owns_fd;	    /* bev is the TLS one (closes fd) */
	int tls_trusted;
	int tls_matched;
	int tls_err;		/* first certificate error, or 0 */
	int tls_err_depth;	/* its depth in the chain */
	char *tls_err_issuer;	/* issuer of the failing certificate */
	const char *tls_kind;	/* Trusted, Verified, Untrusted, Anonymous */
	char *tls_summary;	/* "TLSv1.3 with cipher ..." */
	struct smtp_sasl *sasl; /* SASL exchange in progress */
	char *sasl_user;	/* credentials for this server, or NULL */
	char *sasl_pass;
	int authed;		/* AUTH succeeded */
	struct vbuf auth_mechs; /* EHLO AUTH list */
	int conn_use;		/* 1 for a new connection, N on reuse */
	double conn_start;	/* when the connection was made */
	char *cache_key;	/* registered for on-demand caching */
	int no_cache;		/* a cached connection failed: new ones only */

	/* The last site-level failure of the last attempt (hop status). */
	int site_failed;
	char site_dsn[16];
	char *site_reason;
};

/* One MX host's address lookup. */
struct smtp_mxq {
	struct smtp_session *s;
	struct dns_req *req;
	int done;
	int status;
	char dsn[16];
	char *why;
	struct dns_addr *addrs;
	size_t naddr;
};

/*
 * smtp_session.c, for smtp_site.c: smtp_enter_state() changes state and
 * re-arms the phase timer; smtp_connect() opens a connection to
 * s->addr on port s->nh.port and runs the dialogue on it;
 * smtp_site_fail() applies a connection- or destination-level failure
 * to every open recipient; smtp_any_open() tells whether a recipient
 * still lacks a final result; smtp_finish() reports the leftovers and
 * completes the session.
 * smtp_session_connected() starts the dialogue (greeting onwards) on a
 * connected socket fd to s->addr; smtp_connect() ends in it.
 * smtp_session_start_fd() is smtp_session_start() for a connection that
 * is already up (tests: one end of a socketpair): it opens the queue
 * file and runs the dialogue on fd as the one and final address, "host"
 * with address text addr, of the one destination, port for the logs.
 */
void smtp_enter_state(struct smtp_session *s, enum smtp_state state);
void smtp_connect(struct smtp_session *s);
void smtp_site_fail(struct smtp_session *s, const char *dsn, const char *reason,
    const char *diag);
int smtp_any_open(const struct smtp_session *s);
void smtp_finish(struct smtp_session *s);
void smtp_session_connected(struct smtp_session *s, int fd);
void smtp_session_start_fd(struct smtp_session *s, const char *host,
    const char *addr, int port, int fd);
/* smtp_session_adopt(): s->bev is a cached connection; send MAIL on it. */
void smtp_session_adopt(struct smtp_session *s);

/*
 * smtp_site.c: the destinations of a session and their addresses (see
 * its notes). smtp_sites_start() builds the site list (the request's
 * nexthop list, then smtp_fallback_relay) and looks up the first;
 * smtp_sites_one() makes the session's only site one address, tried
 * last (smtp_session_start_fd()). smtp_next_address() connects to the
 * next address to try, else goes on to the next site, else finishes.
 * smtp_site_established() counts a session that got past HELO against
 * smtp_mx_session_limit. smtp_final_site() is 1 when no site comes
 * after the current one. smtp_soften() turns a hard dsn into 4.3.5
 * (with a warning) for a fallback relay or $relayhost, whose hard
 * errors are configuration problems; buf holds the result.
 * smtp_resolve_timeout() fails a site whose lookups took too long;
 * smtp_resolve_cancel() abandons its lookups; smtp_sites_free()
 * releases all site state.
 */
void smtp_sites_start(struct smtp_session *s);
void smtp_sites_one(struct smtp_session *s, const char *host, const char *addr,
    int port);
void smtp_next_address(struct smtp_session *s);
void smtp_site_established(struct smtp_session *s);
int smtp_final_site(const struct smtp_session *s);
const char *smtp_soften(struct smtp_session *s, const char *dsn, char buf[16]);
void smtp_resolve_timeout(struct smtp_session *s);
void smtp_resolve_cancel(struct smtp_session *s);
/* smtp_site_restart(): the current site again, without cached connections. */
void smtp_site_restart(struct smtp_session *s);
void smtp_sites_free(struct smtp_session *s);

/*
 * smtp_tls.c: STARTTLS (see its notes). smtp_tls_pre_init() builds the
 * process's SSL_CTX (CA data, client certificate) before privileges are
 * dropped; smtp_tls_init() opens smtp_tls_policy_maps; smtp_tls_refresh()
 * re-opens changed tables. smtp_tls_unavailable_why() is NULL when TLS
 * can be used, else why not. smtp_tls_level_parse() maps a level name
 * (-1: unknown); smtp_tls_default_level() is main.cf's level.
 * smtp_tls_policy_find() sets the policy of a destination (-1 and
 * SMTP_TLS_INVALID on a configuration problem or table error).
 * smtp_tls_ssl() makes the SSL object for the session's connection
 * (SNI, protocols, ciphers, names to verify, a cached session to resume).
 * smtp_tls_check() judges the peer after the handshake and logs; -1
 * with why when the policy is not met. smtp_tls_log() logs the summary
 * line (again, as "reused", for a cached connection).
 * smtp_tls_connect_error() logs a failed handshake as Postfix does.
 */
struct ssl_st;

void smtp_tls_pre_init(void);
void smtp_tls_init(void);
void smtp_tls_refresh(void);
const char *smtp_tls_unavailable_why(void);
int smtp_tls_level_parse(const char *name);
int smtp_tls_default_level(void);
const char *smtp_tls_level_name(int level);
int smtp_tls_policy_find(struct smtp_tls_policy *p, const char *site);
void smtp_tls_policy_free(struct smtp_tls_policy *p);
struct ssl_st *smtp_tls_ssl(struct smtp_session *s, struct vbuf *why);
int smtp_tls_check(struct smtp_session *s, struct ssl_st *ssl,
    struct vbuf *why);
void smtp_tls_log(const struct smtp_session *s, int reused);
void smtp_tls_connect_error(const struct smtp_session *s, unsigned long *errs,
    size_t nerr, int timeout);

/*
 * smtp_sasl.c: the SASL client over Cyrus SASL (see its notes).
 * smtp_sasl_init() initializes the library and opens
 * smtp_sasl_password_maps. smtp_sasl_lookup() finds the credentials for
 * the session's server (sender with smtp_sender_dependent_authentication,
 * then the host name, then the destination): 1 found (s->sasl_user,
 * s->sasl_pass set), 0 none, -1 table error. smtp_sasl_start() picks
 * the mechanism and returns the AUTH command line in out (0), or -1 with
 * why and dsn. smtp_sasl_step() answers a 334 challenge (0, out holds
 * the response line) or fails (-1). smtp_sasl_done() releases the
 * exchange.
 */
void smtp_sasl_init(void);
void smtp_sasl_refresh(void);
int smtp_sasl_lookup(struct smtp_session *s);
int smtp_sasl_start(struct smtp_session *s, struct vbuf *out, struct vbuf *why,
    char dsn[16]);
int smtp_sasl_step(struct smtp_session *s, const char *challenge,
    struct vbuf *out, struct vbuf *why);
void smtp_sasl_done(struct smtp_session *s);

/*
 * smtp_cache.c: idle connections kept for reuse, per destination (see its
 * notes). smtp_cache_key() is the session's key for its current site.
 * smtp_cache_wanted() tells whether the session's connection may be
 * kept after its transaction; smtp_cache_put() takes it over (the
 * session no longer has a connection). smtp_cache_get() gives a live
 * cached connection for the current site to the session (1) or finds
 * none (0). smtp_cache_demand() / smtp_cache_undemand() count the
 * sessions working on a destination (on-demand caching).
 * smtp_cache_flush() closes every idle connection.
 */
void smtp_cache_key(const struct smtp_session *s, struct vbuf *key);
int smtp_cache_wanted(struct smtp_session *s);
void smtp_cache_put(struct smtp_session *s);
int smtp_cache_get(struct smtp_session *s);
void smtp_cache_demand(struct smtp_session *s);
void smtp_cache_undemand(struct smtp_session *s);
void smtp_cache_flush(void);

/* smtp_request.c: the qmgr side. */
void smtp_request_accept(int fd);
int smtp_request_active(void);
void smtp_request_stop_all(void);

/*
 * smtp_params.c: the parameters, declared once in smtp_params[] (the
 * server_spec's .params; unit tests param_bind() it). After binding,
 * smtp_params_init() derives smtp_derived from them and checks
 * smtp_tcp_port (fatal when bad).
 */

extern const struct param_var smtp_params[];

struct smtp_derived {
	long line_length_limit; /* smtp_line_length_limit, at least 40 */
	int families;		/* inet_protocols: DNS_INET4 | DNS_INET6 */
	int mx_lookups;		/* DNS enabled: MX for bare hosts */
	int native_hosts;	/* hosts file first (DNS_HOSTS) */
	int family_pref;	/* smtp_address_preference: 0, AF_INET(6) */
	struct dns_addr *own;	/* this host's addresses (loops) */
	size_t nown;
};

extern struct smtp_derived smtp_derived;
void smtp_params_init(void);

/*
 * smtp_generic.c: smtp_generic_maps (generic(5)), addresses rewritten on
 * output only. smtp_generic_init() opens the tables (after
 * smtp_params_init()); smtp_generic_active() tells whether any are set;
 * smtp_generic_refresh() re-opens changed ones (per delivery request).
 * smtp_generic_addr() gives the address to send for addr (out = addr when
 * no entry matches); -1 with why when a table could not be read.
 * smtp_generic_line() takes one logical content line (without its end)
 * while q->in_headers: it keeps a header until its continuation lines are
 * in, rewrites the addresses of sender and recipient headers, and passes
 * finished lines to smtp_text_put(); the first empty or non-header line
 * ends the headers. -1 with why on a table error.
 */
void smtp_generic_init(void);
int smtp_generic_active(void);
void smtp_generic_refresh(void);
int smtp_generic_addr(const char *addr, struct vbuf *out, struct vbuf *why);
int smtp_generic_line(struct smtp_queue *q, struct smtp_text *t,
    struct vbuf *out, const char *line, size_t len, struct vbuf *why);

#endif
