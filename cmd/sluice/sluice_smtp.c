/*
 * sluice_smtp - sluice check's look at the smtp client's TLS and SASL
 * settings; see sluice.h.
 *
 * Implementation notes. What smtp would find wrong at run time is said
 * here first, one warning per problem, in the words smtp uses: an
 * unknown smtp_tls_security_level, CA data or a client certificate that
 * cannot be loaded, a bad protocol list or cipher grade, a table that
 * cannot be opened, SASL enabled without a password table. smtp itself
 * never downgrades on such a problem: it defers the mail.
 */
#include <string.h>

#include <openssl/ssl.h>

#include "maps.h"
#include "msg.h"
#include "param.h"
#include "sluice.h"
#include "tls.h"

/* sluice_smtp_certs - can the CA data and the client certificate load? */

static int
sluice_smtp_certs(void)
{
	const char *ca = param_str("smtp_tls_CAfile");
	const char *cap = param_str("smtp_tls_CApath");
	const char *cert = param_str("smtp_tls_cert_file");
	const char *key = param_str("smtp_tls_key_file");
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	struct vbuf why = VBUF_INIT;
	int bad = 0;

	if (ctx == NULL)
		return 0;
	if ((*ca || *cap) &&
	    SSL_CTX_load_verify_locations(ctx, *ca ? ca : NULL,
		*cap ? cap : NULL) != 1) {
		tls_errors(&why);
		msg_warn("cannot load Certification Authority data "
			 "(smtp_tls_CAfile \"%s\", smtp_tls_CApath \"%s\"): %s",
		    ca, cap, why.data);
		bad++;
	}
	if (*cert &&
	    (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
		SSL_CTX_use_PrivateKey_file(ctx, *key ? key : cert,
		    SSL_FILETYPE_PEM) != 1 ||
		SSL_CTX_check_private_key(ctx) != 1)) {
		vbuf_reset(&why);
		tls_errors(&why);
		msg_warn("cannot load smtp_tls_cert_file \"%s\" with "
			 "smtp_tls_key_file \"%s\": %s",
		    cert, key, why.data);
		bad++;
	}
	vbuf_free(&why);
	SSL_CTX_free(ctx);
	return bad;
}

/* sluice_smtp_table - can the tables of a parameter be opened? */

static int
sluice_smtp_table(const char *name)
{
	struct vbuf why = VBUF_INIT;
	int bad = 0;

	if (*param_str(name) && maps_check(name, param_str(name), &why) < 0) {
		msg_warn("%s", why.data);
		bad = 1;
	}
	vbuf_free(&why);
	return bad;
}

int
sluice_smtp_check(void)
{
	static const char *const protos[] = {"smtp_tls_protocols",
	    "smtp_tls_mandatory_protocols", NULL};
	static const char *const grades[] = {"smtp_tls_ciphers",
	    "smtp_tls_mandatory_ciphers", NULL};
	const char *level = param_str("smtp_tls_security_level");
	struct vbuf why = VBUF_INIT;
	int bad = 0, min, max;

	if (*level && tls_level_lookup(level) < 0) {
		msg_warn("Invalid TLS level \"%s\" (smtp_tls_security_level)",
		    level);
		bad++;
	}
	if (*level && tls_level_lookup(level) == TLS_LEV_FPRINT &&
	    *param_str("smtp_tls_fingerprint_cert_match") == 0) {
		msg_warn("smtp_tls_security_level = fingerprint, but "
			 "smtp_tls_fingerprint_cert_match is empty");
		bad++;
	}
	for (int i = 0; protos[i]; i++, vbuf_reset(&why))
		if (tls_protocols(param_str(protos[i]), &min, &max, &why) < 0) {
			msg_warn("%s: %s", protos[i], why.data);
			bad++;
		}
	for (int i = 0; grades[i]; i++, vbuf_reset(&why))
		if (tls_cipher_list(param_str(grades[i]), "", &why, &why) < 0) {
			msg_warn("%s: invalid cipher grade \"%s\"", grades[i],
			    param_str(grades[i]));
			bad++;
		}
	vbuf_free(&why);
	bad += sluice_smtp_certs();
	bad += sluice_smtp_table("smtp_tls_policy_maps");
	if (param_bool("smtp_sasl_auth_enable")) {
		if (*param_str("smtp_sasl_password_maps") == 0) {
			msg_warn("smtp_sasl_auth_enable = yes, but "
				 "smtp_sasl_password_maps is empty: specify a "
				 "password table");
			bad++;
		}
		bad += sluice_smtp_table("smtp_sasl_password_maps");
	}
	return bad;
}
