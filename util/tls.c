/*
 * tls - OpenSSL helpers shared by smtpd and smtp; see tls.h.
 *
 * Implementation notes. The summary follows Postfix 3.7's
 * tls_get_signature_params(): the key exchange is the peer's temporary
 * key (X25519, X448, "ECDHE (curve)", "DHE (N bits)"); each end's
 * signature is that end's certificate key type and size with the
 * digest of the handshake signature. On the client the local end is
 * reported only when a client certificate was actually used.
 */
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tls.h"

void
tls_errors(struct vbuf *out)
{
	unsigned long e;
	char buf[256];
	int n = 0;

	while ((e = ERR_get_error()) != 0) {
		if (n++ < 4) {
			ERR_error_string_n(e, buf, sizeof(buf));
			vbuf_printf(out, "%s%s", n > 1 ? "; " : "", buf);
		}
	}
	if (n == 0)
		vbuf_puts(out, "no further detail");
}

const char *
tls_pkey_name(int nid)
{
	switch (nid) {
	case EVP_PKEY_RSA:
		return "RSA";
	case EVP_PKEY_RSA_PSS:
		return "RSA-PSS";
	case EVP_PKEY_EC:
		return "ECDSA";
	case EVP_PKEY_ED25519:
		return "ED25519";
	case EVP_PKEY_ED448:
		return "ED448";
	case EVP_PKEY_DSA:
		return "DSA";
	}
	return OBJ_nid2sn(nid);
}

static const struct {
	const char *name;
	int version;
} tls_versions[] = {
    {"SSLv2", 0x0200},
    {"SSLv3", SSL3_VERSION},
    {"TLSv1", TLS1_VERSION},
    {"TLSv1.1", TLS1_1_VERSION},
    {"TLSv1.2", TLS1_2_VERSION},
    {"TLSv1.3", TLS1_3_VERSION},
};
#define TLS_NVERSIONS (sizeof(tls_versions) / sizeof(tls_versions[0]))

static int
tls_version_index(const char *name, size_t len)
{
	for (size_t i = 0; i < TLS_NVERSIONS; i++)
		if (strlen(tls_versions[i].name) == len &&
		    strncasecmp(tls_versions[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

int
tls_protocols(const char *spec, int *min, int *max, struct vbuf *why)
{
	static const char sep[] = " \t\r\n,:";
	int on[TLS_NVERSIONS], any_plain = 0, lo = -1, hi = -1;
	size_t len;

	for (size_t i = 0; i < TLS_NVERSIONS; i++)
		on[i] = 1;
	for (spec += strspn(spec, sep); *spec;
	     spec += len, spec += strspn(spec, sep)) {
		const char *tok = spec;
		int op = 0, idx;

		len = strcspn(spec, sep);
		if (len > 2 && (tok[0] == '>' || tok[0] == '<') &&
		    tok[1] == '=')
			op = *tok;
		else if (len > 1 && tok[0] == '!')
			op = '!';
		tok += op == '!' ? 1 : op ? 2 : 0;
		idx = tls_version_index(tok, len - (size_t)(tok - spec));
		if (idx < 0) {
			vbuf_printf(why, "invalid TLS protocol name: \"%.*s\"",
			    (int)len, spec);
			return -1;
		}
		if (op == '!')
			on[idx] = 0;
		else if (op == '>')
			lo = idx;
		else if (op == '<')
			hi = idx;
		else if (any_plain++ == 0)
			for (size_t i = 0; i < TLS_NVERSIONS; i++)
				on[i] = (int)i == idx;
		else
			on[idx] = 1;
	}
	*min = *max = 0;
	for (size_t i = 2; i < TLS_NVERSIONS; i++) { /* TLSv1 and up */
		if (!on[i] || (lo >= 0 && (int)i < lo) ||
		    (hi >= 0 && (int)i > hi))
			continue;
		if (*min == 0)
			*min = tls_versions[i].version;
		*max = tls_versions[i].version;
	}
	if (*min == 0) {
		vbuf_printf(why, "no TLS protocol version left in \"%s\"",
		    spec);
		return -1;
	}
	return 0;
}

int
tls_cipher_list(const char *grade, const char *exclude, struct vbuf *out,
    struct vbuf *why)
{
	static const struct {
		const char *grade, *list;
	} grades[] = {
	    {"high", "aNULL:-aNULL:HIGH:@STRENGTH"},
	    {"medium", "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH"},
	    {"low", "aNULL:-aNULL:HIGH:MEDIUM:LOW:+RC4:@STRENGTH"},
	    {"export", "aNULL:-aNULL:HIGH:MEDIUM:LOW:EXPORT:+RC4:@STRENGTH"},
	    {"null", "eNULL:!aNULL"},
	};
	static const char sep[] = " \t\r\n,:";
	size_t i, len;

	for (i = 0; i < sizeof(grades) / sizeof(grades[0]); i++)
		if (strcasecmp(grade, grades[i].grade) == 0)
			break;
	if (i == sizeof(grades) / sizeof(grades[0])) {
		vbuf_printf(why, "invalid cipher grade: \"%s\"", grade);
		return -1;
	}
	vbuf_puts(out, grades[i].list);
	for (exclude += strspn(exclude, sep); *exclude;
	     exclude += len, exclude += strspn(exclude, sep)) {
		len = strcspn(exclude, sep);
		vbuf_printf(out, ":!%.*s", (int)len, exclude);
	}
	return 0;
}

/* tls_sig_append - " server-signature RSA (2048 bits) server-digest X" */

static void
tls_sig_append(struct vbuf *out, const char *who, EVP_PKEY *pkey, int have_type,
    int type_nid, int have_dgst, int dgst_nid)
{
	int nid = EVP_PKEY_get_base_id(pkey);
	const char *name;
	char curve[80];
	size_t clen = 0;

	if (nid == EVP_PKEY_RSA && have_type && type_nid == EVP_PKEY_RSA_PSS)
		name = "RSA-PSS";
	else
		name = tls_pkey_name(nid);
	if (name == NULL)
		return;
	vbuf_printf(out, " %s-signature %s", who, name);
	if (nid == EVP_PKEY_EC &&
	    EVP_PKEY_get_utf8_string_param(pkey, "group", curve, sizeof(curve),
		&clen) == 1 &&
	    clen > 0)
		vbuf_printf(out, " (%s)", curve);
	else if (EVP_PKEY_get_bits(pkey) > 0 && nid != EVP_PKEY_ED25519 &&
	    nid != EVP_PKEY_ED448)
		vbuf_printf(out, " (%d bits)", EVP_PKEY_get_bits(pkey));
	if (have_dgst && dgst_nid != NID_undef && OBJ_nid2sn(dgst_nid))
		vbuf_printf(out, " %s-digest %s", who, OBJ_nid2sn(dgst_nid));
}

/* tls_kex_append - " key-exchange X25519" and the like */

static void
tls_kex_append(SSL *ssl, struct vbuf *out)
{
	EVP_PKEY *k = NULL;
	char curve[80];
	size_t clen = 0;
	int nid;

	if (SSL_is_server(ssl)) {
		/* No peer temporary key API on the server: the group. */
		nid = SSL_get_negotiated_group(ssl);
		if (nid > 0 && (nid & TLSEXT_nid_unknown) == 0 &&
		    OBJ_nid2sn(nid))
			vbuf_printf(out, " key-exchange %s", OBJ_nid2sn(nid));
		return;
	}
	if (SSL_get_peer_tmp_key(ssl, &k) != 1 || k == NULL)
		return;
	switch (nid = EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_DH:
		vbuf_printf(out, " key-exchange DHE (%d bits)",
		    EVP_PKEY_get_bits(k));
		break;
	case EVP_PKEY_EC:
		vbuf_puts(out, " key-exchange ECDHE");
		if (EVP_PKEY_get_utf8_string_param(k, "group", curve,
			sizeof(curve), &clen) == 1 &&
		    clen > 0)
			vbuf_printf(out, " (%s)", curve);
		break;
	default:
		if (OBJ_nid2sn(nid))
			vbuf_printf(out, " key-exchange %s", OBJ_nid2sn(nid));
		break;
	}
	EVP_PKEY_free(k);
}

void
tls_summary(SSL *ssl, struct vbuf *out)
{
	const SSL_CIPHER *c = SSL_get_current_cipher(ssl);
	int alg = 0, use, srv = SSL_is_server(ssl), tn = 0, dn = 0;
	int ht, hd;
	X509 *local = NULL, *peer;

	if (c == NULL)
		return;
	use = SSL_CIPHER_get_bits(c, &alg);
	vbuf_printf(out, "%s with cipher %s (%d/%d bits)", SSL_get_version(ssl),
	    SSL_CIPHER_get_name(c), use, alg);
	tls_kex_append(ssl, out);
	/* The server's end first, then the client's (if it signed). */
	if (srv || SSL_get_signature_nid(ssl, &dn) == 1)
		local = SSL_get_certificate(ssl);
	peer = SSL_get_peer_certificate(ssl);
	for (int pass = 0; pass < 2; pass++) {
		int server_end = pass == 0;
		int is_local = server_end == srv;
		X509 *x = is_local ? local : peer;
		EVP_PKEY *k;

		if (x == NULL || (k = X509_get0_pubkey(x)) == NULL)
			continue;
		if (is_local) {
			ht = SSL_get_signature_type_nid(ssl, &tn);
			hd = SSL_get_signature_nid(ssl, &dn);
		} else {
			ht = SSL_get_peer_signature_type_nid(ssl, &tn);
			hd = SSL_get_peer_signature_nid(ssl, &dn);
		}
		tls_sig_append(out, server_end ? "server" : "client", k, ht, tn,
		    hd, dn);
	}
	X509_free(peer);
}

static const char *const tls_levels[] = {
    "none",
    "may",
    "encrypt",
    "fingerprint",
    "verify",
    "secure",
};

int
tls_level_lookup(const char *name)
{
	for (int i = 0; i <= TLS_LEV_SECURE; i++)
		if (strcasecmp(name, tls_levels[i]) == 0)
			return i;
	if (strcasecmp(name, "dane") == 0)
		return TLS_LEV_MAY;
	return -1;
}

const char *
tls_level_name(int level)
{
	if (level < 0 || level > TLS_LEV_SECURE)
		return "invalid";
	return tls_levels[level];
}
