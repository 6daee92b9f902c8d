#ifndef SLUICE_TLS_H
#define SLUICE_TLS_H
/*
 * NAME
 *	tls - OpenSSL helpers shared by the TLS server (smtpd) and client (smtp)
 * SYNOPSIS
 *	#include "tls.h"
 *
 *	void tls_errors(struct vbuf *out);
 *	const char *tls_pkey_name(int nid);
 *	int  tls_protocols(const char *spec, int *min, int *max,
 *			struct vbuf *why);
 *	int  tls_cipher_list(const char *grade, const char *exclude,
 *			struct vbuf *out, struct vbuf *why);
 *	void tls_summary(SSL *ssl, struct vbuf *out);
 *
 *	int  tls_level_lookup(const char *name);
 *	const char *tls_level_name(int level);
 * DESCRIPTION
 *	tls_errors() appends the OpenSSL error queue as one line (at most
 *	four entries, "; " between them, "no further detail" when empty) and
 *	clears the queue.
 *
 *	tls_pkey_name() is the name Postfix logs for a key type: RSA,
 *	RSA-PSS, ECDSA, ED25519, ED448, DSA, else OpenSSL's short name.
 *
 *	tls_protocols() reads a Postfix protocol list (smtp_tls_protocols,
 *	smtp_tls_mandatory_protocols): ">=TLSv1.2", "<=TLSv1.3", "!SSLv3",
 *	"TLSv1.2 TLSv1.3" (a bare name enables only the names listed),
 *	separated by white space, commas or colons. *min and *max get the
 *	OpenSSL version bounds (0 = no bound). -1 with why for an unknown
 *	protocol name or an empty range.
 *
 *	tls_cipher_list() appends the OpenSSL cipher list of a Postfix
 *	cipher grade (high, medium, low, export, null; Postfix 3.7's
 *	tls_*_cipherlist defaults) followed by ":!X" for each name of
 *	exclude. -1 with why for an unknown grade.
 *
 *	tls_summary() appends the negotiated parameters of a connection as
 *	Postfix's tls_log_summary() (tls_misc.c) logs them: "TLSv1.3 with
 *	cipher TLS_AES_256_GCM_SHA384 (256/256 bits)", then where known
 *	" key-exchange X25519", " server-signature RSA-PSS (2048 bits)",
 *	" server-digest SHA256", and for a client certificate
 *	" client-signature ... client-digest ...". Works for either end.
 *
 *	tls_level_lookup() maps a Postfix TLS security level name to
 *	TLS_LEV_NONE, _MAY, _ENCRYPT, _FPRINT, _VERIFY or _SECURE (in order
 *	of strictness), or -1 for an unknown name; "dane" is TLS_LEV_MAY
 *	(no DNSSEC-validating resolver here, as Postfix then does) and
 *	"dane-only" is unknown. tls_level_name() is the reverse.
 * SEE ALSO
 *	docs/postfix/smtp-client.md, smtpd/smtpd_tls.h, smtp/smtp_tls.c.
 */
#include <openssl/ssl.h>

#include "vbuf.h"

void tls_errors(struct vbuf *out);
const char *tls_pkey_name(int nid);
int tls_protocols(const char *spec, int *min, int *max, struct vbuf *why);
int tls_cipher_list(const char *grade, const char *exclude, struct vbuf *out,
    struct vbuf *why);
void tls_summary(SSL *ssl, struct vbuf *out);

#define TLS_LEV_NONE 0
#define TLS_LEV_MAY 1
#define TLS_LEV_ENCRYPT 2
#define TLS_LEV_FPRINT 3
#define TLS_LEV_VERIFY 4
#define TLS_LEV_SECURE 5
int tls_level_lookup(const char *name);
const char *tls_level_name(int level);

#endif
