/*
 * smtpd_tls - STARTTLS for smtpd over OpenSSL and libevent's TLS filter.
 * The contract is in smtpd_tls.h; the parts shared with the smtp client
 * (error text, the Postfix summary of a session) are util/tls.
 */
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <event2/bufferevent_ssl.h>

#include "smtpd.h"
#include "smtpd_tls.h"
#include "msg.h"
#include "pcheck.h"
#include "tls.h"

static SSL_CTX *ctx;
static int level = SMTPD_TLS_NONE;

void
smtpd_tls_errors(struct vbuf *out)
{
	tls_errors(out);
}

static int
level_parse(void)
{
	const char *l = var_smtpd_tls_security_level;
	struct vbuf why = VBUF_INIT;

	if (*l == 0) {
		if (var_smtpd_enforce_tls)
			return SMTPD_TLS_ENCRYPT;
		return var_smtpd_use_tls ? SMTPD_TLS_MAY : SMTPD_TLS_NONE;
	}
	if (strcasecmp(l, "none") == 0)
		return SMTPD_TLS_NONE;
	if (strcasecmp(l, "may") == 0)
		return SMTPD_TLS_MAY;
	if (strcasecmp(l, "encrypt") == 0)
		return SMTPD_TLS_ENCRYPT;
	/* Not reached through param_bind(), which refuses the value first
	 * with this text (util/pcheck, as sluice check). */
	(void)pcheck_param("smtpd_tls_security_level", 0, &why);
	msg_fatal("%s", vbuf_str(&why));
}

void
smtpd_tls_init(void)
{
	const char *cert, *key;
	struct vbuf why = VBUF_INIT;

	if (ctx) {
		SSL_CTX_free(ctx);
		ctx = NULL;
	}
	if ((level = level_parse()) == SMTPD_TLS_NONE)
		return;
	cert = var_smtpd_tls_cert_file;
	key = var_smtpd_tls_key_file;
	if (*cert == 0) {
		msg_warn("TLS is unavailable: smtpd_tls_security_level = %s "
			 "but "
			 "smtpd_tls_cert_file is empty",
		    level == SMTPD_TLS_ENCRYPT ? "encrypt" : "may");
		return;
	}
	if (*key == 0)
		key = cert;
	ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL || SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		smtpd_tls_errors(&why);
		msg_warn("cannot load TLS certificate \"%s\" and key \"%s\": "
			 "%s: "
			 "disabling TLS support",
		    cert, key, vbuf_str(&why));
		vbuf_free(&why);
		if (ctx)
			SSL_CTX_free(ctx);
		ctx = NULL;
		return;
	}
	/* One process serves many clients; no renegotiation, no compression. */
	SSL_CTX_set_options(ctx,
	    SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
		SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
	SSL_CTX_set_session_id_context(ctx,
	    (const unsigned char *)"sluice-smtpd", 12);
	vbuf_free(&why);
}

int
smtpd_tls_level(void)
{
	return level;
}

int
smtpd_tls_ready(void)
{
	return ctx != NULL;
}

struct bufferevent *
smtpd_tls_start(int fd)
{
	SSL *ssl;
	struct bufferevent *bev;

	if (ctx == NULL || (ssl = SSL_new(ctx)) == NULL)
		return NULL;
	bev = bufferevent_openssl_socket_new(smtpd_event_base(), fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		SSL_free(ssl);
	return bev;
}

void
smtpd_tls_describe(struct bufferevent *bev, struct vbuf *out)
{
	SSL *ssl = bufferevent_openssl_get_ssl(bev);

	if (ssl != NULL)
		tls_summary(ssl, out);
}
