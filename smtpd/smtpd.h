/*
 * smtpd private interface: one struct smtpd_session per client, the relay
 * policy and the network helpers.
 */
#ifndef SLUICE_SMTPD_H
#define SLUICE_SMTPD_H

#include <netinet/in.h>
#include <sys/socket.h>
#include "param.h"
#include "resolve.h"
#include "vbuf.h"

/* smtpd_check.c: the relay policy; where an address goes is util/resolve
 * (resolve_internal(), resolve_bad_nexthop(), ...). Its parameters, bound by
 * smtpd_check_init() (after param_load(); again after every reload),
 * which also initialises util/resolve. */
extern char **var_mynetworks;
extern char **var_smtpd_forbid_bare_newline_exclusions;
extern char **var_smtpd_client_restrictions;
extern char **var_smtpd_helo_restrictions;
extern char **var_smtpd_sender_restrictions;
extern char **var_smtpd_relay_restrictions;
extern char **var_smtpd_recipient_restrictions;
extern long var_relay_domains_reject_code;
extern long var_non_fqdn_reject_code;
extern long var_invalid_hostname_reject_code;
extern long var_reject_code;
extern long var_defer_code;
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

/* smtpd_session.c */
void smtpd_session_init(void);
void smtpd_session_create(int fd);
void smtpd_session_stdio(void); /* smtpd -S: sendmail -bs */
void smtpd_session_stop_all(void);
int smtpd_session_active(void);

#endif
