/*
 * smtpd_tls - the server side of STARTTLS (RFC 3207) over OpenSSL.
 *
 * smtpd_tls_init() reads smtpd_tls_security_level (or, when that is empty,
 * the legacy smtpd_enforce_tls / smtpd_use_tls), smtpd_tls_cert_file and
 * smtpd_tls_key_file, and builds the one SSL_CTX of the process. A
 * certificate or key that cannot be loaded is a warning, not a fatal
 * error, as in Postfix: TLS is then unavailable and STARTTLS answers
 * 454 4.7.0 (and with level "encrypt" no mail is accepted at all).
 *
 * smtpd_tls_level() is SMTPD_TLS_NONE, _MAY or _ENCRYPT as configured;
 * smtpd_tls_ready() says whether a handshake can be offered.
 *
 * smtpd_tls_start() starts the server side of a TLS handshake on the
 * connected socket fd (whose plain-text bufferevent the caller has freed
 * after its "220 Ready to start TLS" was sent) and returns the TLS
 * bufferevent; freeing it frees the TLS state and closes fd. When its
 * output buffer is empty, every reply written to it has reached the
 * kernel. The handshake's end is reported as BEV_EVENT_CONNECTED. NULL
 * on failure (fd is then still the caller's).
 *
 * smtpd_tls_describe() appends the negotiated parameters in Postfix's log
 * form: "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)", then
 * " key-exchange X25519 server-signature RSA-PSS (2048 bits)
 * server-digest SHA256" where OpenSSL can tell.
 */
#ifndef SLUICE_SMTPD_TLS_H
#define SLUICE_SMTPD_TLS_H

#include <event2/bufferevent.h>
#include "vbuf.h"

#define SMTPD_TLS_NONE 0
#define SMTPD_TLS_MAY 1
#define SMTPD_TLS_ENCRYPT 2

void smtpd_tls_init(void);
int smtpd_tls_level(void);
int smtpd_tls_ready(void);
struct bufferevent *smtpd_tls_start(int fd);
void smtpd_tls_describe(struct bufferevent *bev, struct vbuf *out);
/* The OpenSSL error queue as one line (and cleared), for log messages. */
void smtpd_tls_errors(struct vbuf *out);

#endif
