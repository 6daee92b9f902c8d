/*
 * smtpd private interface: one struct smtpd_session per client, the relay
 * check and the address/network helpers.
 */
#ifndef SLUICE_SMTPD_H
#define SLUICE_SMTPD_H

#include <netinet/in.h>
#include <sys/socket.h>
#include "vbuf.h"

/* smtpd_check.c */
struct smtpd_net;
void smtpd_check_init(void);
int smtpd_check_mynetworks(const struct sockaddr_storage *ss);
/* Does the client match the network list in parameter param (CIDR, v4/v6,
 * [v6]/len; parsed once per process; UNIX-domain clients always match)? */
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
/* smtpd_addr_internal() turns an address as the client sent it (inside
 * <>) into Postfix's internal form: source route dropped, quotes and
 * backslash escapes removed. smtpd_resolve() resolves rcpt (internal form,
 * as smtpd_check_recipient() also takes it) the way trivial-rewrite does for
 * delivery, stores the
 * resolved address (internal form, user@domain) in result and returns its
 * class (LOCAL: mydestination or our [address]; VIRTUAL; RELAY:
 * relay_domains; DEFAULT: elsewhere) plus ROUTED when the resolved local
 * part still holds @, ! or %. smtpd_auth_destination() is
 * permit_auth_destination: 1 when rcpt may be accepted from any client. */
#define SMTPD_RESOLVE_LOCAL (1 << 0)
#define SMTPD_RESOLVE_VIRTUAL (1 << 1)
#define SMTPD_RESOLVE_RELAY (1 << 2)
#define SMTPD_RESOLVE_DEFAULT (1 << 3)
#define SMTPD_RESOLVE_ROUTED (1 << 8)
#define SMTPD_RESOLVE_ERROR (1 << 9) /* next hop is no host name or literal */
void smtpd_addr_internal(const char *external, struct vbuf *out);
int smtpd_resolve(const char *rcpt, struct vbuf *result);
int smtpd_auth_destination(const char *rcpt);
/* smtpd_addr_bad(): the (internal-form) address resolves to a next hop that
 * is no valid host name or address literal (Postfix: 501 5.1.3 / 5.1.7). */
int smtpd_addr_bad(const char *addr);

/* smtpd_session.c */
void smtpd_session_init(void);
void smtpd_session_create(int fd);
void smtpd_session_stdio(void); /* smtpd -S: sendmail -bs */
void smtpd_session_stop_all(void);
int smtpd_session_active(void);

#endif
