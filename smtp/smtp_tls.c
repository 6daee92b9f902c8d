/*
 * smtp_tls - the client side of STARTTLS: the process's SSL_CTX, TLS
 * policy per destination, certificate checks, Postfix's TLS log lines,
 * and an in-memory session cache; see smtp.h.
 *
 * Implementation notes. The SSL_CTX is built once in pre_init (so that a
 * client key only root may read can be loaded before privileges are
 * dropped); when that fails, TLS is "unavailable": "may" then goes on in
 * plaintext and stricter levels defer ("TLS is required, but our TLS
 * engine is unavailable"), as in Postfix. The handshake itself runs in
 * the event loop (smtp_session.c, libevent's OpenSSL bufferevent on the
 * connected socket): nothing here blocks.
 *
 * Certificates are always verified against smtp_tls_CAfile/CApath, but
 * the verify callback never aborts the handshake: the result decides
 * "Trusted"/"Untrusted" in the log and, at the levels that must match
 * (fingerprint, verify, secure), whether mail may be sent. verify and
 * secure pass their names to OpenSSL's host check (SSL_add1_host; a
 * name with a leading dot matches any subdomain), so a wrong name is a
 * verification error as in Postfix 3.x. fingerprint compares the
 * certificate's and the public key's digest (smtp_tls_fingerprint_digest).
 *
 * Policy lookup (Postfix's smtp_tls_policy.c): the destination as given
 * ("[host]:port", "host:port", "domain"); for a domain also each parent
 * as ".parent". A table error or a malformed entry is a configuration
 * problem: the destination is deferred with "client TLS configuration
 * problem" (4.7.5), never tried without TLS.
 *
 * Session resumption: new sessions (TLS 1.3 tickets arrive after the
 * handshake) are kept per "host[addr]:port/servername" for
 * smtp_tls_session_cache_timeout and offered on the next connection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "maps.h"
#include "mem.h"
#include "metrics.h"
#include "msg.h"
#include "smtp.h"
#include "tls.h"

#define SMTP_TLS_SCACHE_MAX 1000 /* sessions kept */

static SSL_CTX *smtp_tls_ctx;
static char *smtp_tls_broken; /* why the engine is unavailable */
static struct maps *smtp_tls_policy_map;
static int smtp_tls_app_index = -1;

const char *
smtp_tls_level_name(int level)
{
	return tls_level_name(level);
}

/* smtp_tls_level_parse - Postfix's level names (util/tls); -1 unknown */

int
smtp_tls_level_parse(const char *name)
{
	return tls_level_lookup(name);
}

/* smtp_tls_default_level - smtp_tls_security_level, else the old booleans */

int
smtp_tls_default_level(void)
{
	if (*var_smtp_tls_security_level)
		return smtp_tls_level_parse(var_smtp_tls_security_level);
	if (var_smtp_enforce_tls)
		return SMTP_TLS_ENCRYPT;
	return var_smtp_use_tls ? SMTP_TLS_MAY : SMTP_TLS_NONE;
}

/* ---- the session cache --------------------------------------------------- */

struct smtp_tls_sess {
	char *key;
	SSL_SESSION *sess;
	time_t stored;
};

static struct smtp_tls_sess *smtp_tls_scache;
static size_t smtp_tls_nscache;

static struct smtp_tls_sess *
smtp_tls_scache_find(const char *key)
{
	for (size_t i = 0; i < smtp_tls_nscache; i++)
		if (strcmp(smtp_tls_scache[i].key, key) == 0)
			return &smtp_tls_scache[i];
	return NULL;
}

static void
smtp_tls_scache_drop(struct smtp_tls_sess *e)
{
	mem_free(e->key);
	SSL_SESSION_free(e->sess);
	*e = smtp_tls_scache[--smtp_tls_nscache];
}

/* smtp_tls_new_session - OpenSSL has a resumable session: keep it */

static int
smtp_tls_new_session(SSL *ssl, SSL_SESSION *sess)
{
	const char *key = SSL_get_ex_data(ssl, smtp_tls_app_index);
	struct smtp_tls_sess *e;

	if (key == NULL || !SSL_SESSION_is_resumable(sess))
		return 0;
	if ((e = smtp_tls_scache_find(key)) != NULL)
		smtp_tls_scache_drop(e);
	if (smtp_tls_nscache >= SMTP_TLS_SCACHE_MAX)
		smtp_tls_scache_drop(&smtp_tls_scache[0]);
	smtp_tls_scache = mem_realloc(smtp_tls_scache,
	    (smtp_tls_nscache + 1) * sizeof(*smtp_tls_scache));
	e = &smtp_tls_scache[smtp_tls_nscache++];
	e->key = mem_strdup(key);
	e->sess = sess; /* our reference */
	e->stored = time(NULL);
	return 1;
}

static void
smtp_tls_free_key(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
    long argl, void *argp)
{
	mem_free(ptr);
}

/* ---- the context --------------------------------------------------------- */

static void
smtp_tls_unavailable(const char *fmt, const char *arg)
{
	struct vbuf why = VBUF_INIT;

	vbuf_printf(&why, fmt, arg);
	vbuf_puts(&why, ": ");
	tls_errors(&why);
	msg_warn("%s: disabling TLS support", why.data);
	smtp_tls_broken = vbuf_export(&why);
	SSL_CTX_free(smtp_tls_ctx);
	smtp_tls_ctx = NULL;
}

static int
smtp_tls_load_certs(void)
{
	const char *cert = var_smtp_tls_cert_file, *key = var_smtp_tls_key_file;

	if ((*var_smtp_tls_CAfile || *var_smtp_tls_CApath) &&
	    SSL_CTX_load_verify_locations(smtp_tls_ctx,
		*var_smtp_tls_CAfile ? var_smtp_tls_CAfile : NULL,
		*var_smtp_tls_CApath ? var_smtp_tls_CApath : NULL) != 1) {
		smtp_tls_unavailable("cannot load Certification Authority data "
				     "(smtp_tls_CAfile \"%s\")",
		    var_smtp_tls_CAfile);
		return -1;
	}
	if (*cert == 0)
		return 0;
	if (*key == 0)
		key = cert;
	if (SSL_CTX_use_certificate_chain_file(smtp_tls_ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(smtp_tls_ctx, key, SSL_FILETYPE_PEM) !=
		1 ||
	    SSL_CTX_check_private_key(smtp_tls_ctx) != 1) {
		smtp_tls_unavailable("cannot load client certificate \"%s\"",
		    cert);
		return -1;
	}
	return 0;
}

/* smtp_tls_pre_init - the client SSL_CTX, with root's privileges */

void
smtp_tls_pre_init(void)
{
	if (smtp_tls_ctx || smtp_tls_broken)
		return;
	/* No destination can ask for TLS: OpenSSL stays unloaded (memory). */
	if (smtp_tls_default_level() == SMTP_TLS_NONE &&
	    *var_smtp_tls_policy_maps == 0)
		return;
	if (smtp_tls_app_index < 0)
		smtp_tls_app_index = SSL_get_ex_new_index(0, NULL, NULL, NULL,
		    smtp_tls_free_key);
	if ((smtp_tls_ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		smtp_tls_unavailable("%s", "cannot create TLS client context");
		return;
	}
	SSL_CTX_set_options(smtp_tls_ctx,
	    SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_min_proto_version(smtp_tls_ctx, TLS1_VERSION);
	SSL_CTX_set_session_cache_mode(smtp_tls_ctx,
	    SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(smtp_tls_ctx, smtp_tls_new_session);
	(void)smtp_tls_load_certs();
}

/* smtp_tls_init - the policy tables (after privileges are dropped) */

void
smtp_tls_init(void)
{
	smtp_tls_policy_map = maps_free(smtp_tls_policy_map);
	if (*var_smtp_tls_policy_maps)
		smtp_tls_policy_map = maps_create("smtp_tls_policy_maps",
		    var_smtp_tls_policy_maps, 0);
	if (smtp_tls_default_level() < 0)
		msg_warn("Invalid TLS level \"%s\"",
		    var_smtp_tls_security_level);
}

void
smtp_tls_refresh(void)
{
	if (smtp_tls_policy_map)
		maps_refresh(smtp_tls_policy_map);
}

const char *
smtp_tls_unavailable_why(void)
{
	return smtp_tls_ctx   ? NULL
	    : smtp_tls_broken ? smtp_tls_broken
			      : "TLS is not initialized";
}

/* ---- policy -------------------------------------------------------------- */

void
smtp_tls_policy_free(struct smtp_tls_policy *p)
{
	for (size_t i = 0; i < p->nmatch; i++)
		mem_free(p->match[i]);
	mem_free(p->match);
	mem_free(p->protocols);
	mem_free(p->ciphers);
	mem_free(p->exclude);
	mem_free(p->servername);
	memset(p, 0, sizeof(*p));
}

/* smtp_tls_add_match - split a match list into p->match */

static void
smtp_tls_add_match(struct smtp_tls_policy *p, const char *list, const char *sep)
{
	size_t len;

	for (list += strspn(list, sep); *list;
	     list += len, list += strspn(list, sep)) {
		len = strcspn(list, sep);
		p->match =
		    mem_realloc(p->match, (p->nmatch + 1) * sizeof(*p->match));
		p->match[p->nmatch++] = mem_strndup(list, len);
	}
}

/* smtp_tls_attr - one name=value of a policy entry; -1 when invalid */

static int
smtp_tls_attr(struct smtp_tls_policy *p, const char *where, char *name,
    const char *val)
{
	char **slot = NULL;

	if (strcasecmp(name, "match") == 0) {
		if (p->level == SMTP_TLS_FPRINT) {
			smtp_tls_add_match(p, val, "|");
			return 0;
		}
		if (p->level == SMTP_TLS_VERIFY ||
		    p->level == SMTP_TLS_SECURE) {
			smtp_tls_add_match(p, val, ":");
			return 0;
		}
		msg_warn("%s: attribute \"%s\" invalid at security level "
			 "\"%s\"",
		    where, name, smtp_tls_level_name(p->level));
		return -1;
	}
	if (strcasecmp(name, "connection_reuse") == 0) {
		if (strcasecmp(val, "yes") != 0 && strcasecmp(val, "no") != 0) {
			msg_warn("%s: attribute \"%s\" has bad value: \"%s\"",
			    where, name, val);
			return -1;
		}
		p->conn_reuse = strcasecmp(val, "yes") == 0;
		return 0;
	}
	if (strcasecmp(name, "ciphers") == 0)
		slot = &p->ciphers;
	else if (strcasecmp(name, "protocols") == 0)
		slot = &p->protocols;
	else if (strcasecmp(name, "exclude") == 0)
		slot = &p->exclude;
	else if (strcasecmp(name, "servername") == 0)
		slot = &p->servername;
	if (slot == NULL) {
		msg_warn("%s: invalid attribute name: \"%s\"", where, name);
		return -1;
	}
	if (*val == 0 || *slot != NULL) {
		msg_warn(*val ? "%s: attribute \"%s\" is specified multiple "
				"times"
			      : "%s: attribute \"%s\" has empty value",
		    where, name);
		return -1;
	}
	*slot = mem_strdup(val);
	return 0;
}

/* smtp_tls_policy_parse - "level [name=value ...]" of a policy entry */

static int
smtp_tls_policy_parse(struct smtp_tls_policy *p, const char *where,
    const char *value)
{
	static const char sep[] = " \t\r\n,";
	char *copy = mem_strdup(value), *cp = copy, *tok;
	int rc = 0;

	while ((tok = strsep(&cp, sep)) != NULL && *tok == 0)
		;
	if (tok == NULL) {
		msg_warn("%s: invalid empty policy", where);
		rc = -1;
	} else if ((p->level = smtp_tls_level_parse(tok)) < 0) {
		msg_warn("%s: invalid security level \"%s\"", where, tok);
		rc = -1;
	}
	while (rc == 0 && (tok = strsep(&cp, sep)) != NULL) {
		char *eq;

		if (*tok == 0)
			continue;
		if (p->level < SMTP_TLS_MAY) {
			msg_warn("%s: ignoring attribute \"%s\" with TLS "
				 "disabled",
			    where, tok);
			continue;
		}
		if ((eq = strchr(tok, '=')) == NULL) {
			msg_warn("%s: malformed attribute/value pair \"%s\": "
				 "missing '='",
			    where, tok);
			rc = -1;
			break;
		}
		*eq = 0;
		rc = smtp_tls_attr(p, where, tok, eq + 1);
	}
	mem_free(copy);
	return rc;
}

/* smtp_tls_policy_lookup - one key; 1 found, 0 not, -1 error */

static int
smtp_tls_policy_lookup(struct smtp_tls_policy *p, const char *key,
    const char *site)
{
	const char *value;
	struct vbuf where = VBUF_INIT;
	int rc;

	if ((value = maps_find(smtp_tls_policy_map, key, 0)) == NULL) {
		if (maps_error(smtp_tls_policy_map)) {
			msg_warn("%s: policy table lookup error",
			    maps_title(smtp_tls_policy_map));
			return -1;
		}
		return 0;
	}
	vbuf_printf(&where, "%s, next-hop destination \"%s\"",
	    maps_title(smtp_tls_policy_map), site);
	rc = smtp_tls_policy_parse(p, where.data, value) < 0 ? -1 : 1;
	vbuf_free(&where);
	return rc;
}

/* smtp_tls_hostname - may a destination have parent-domain entries? */

static int
smtp_tls_hostname(const char *site)
{
	return *site && *site != '[' && strchr(site, ':') == NULL;
}

/*
 * smtp_tls_policy_find - the policy of one destination as written in the
 * nexthop ("[host]:port" or a domain). 0, or -1 for a configuration
 * problem (p->level is then SMTP_TLS_INVALID).
 */
int
smtp_tls_policy_find(struct smtp_tls_policy *p, const char *site)
{
	int rc = 0;

	smtp_tls_policy_free(p);
	p->conn_reuse = var_smtp_tls_connection_reuse;
	p->level = smtp_tls_default_level();
	if (p->level >= 0 && smtp_tls_policy_map) {
		const char *key = site;
		struct smtp_tls_policy found = {0};

		found.conn_reuse = p->conn_reuse;
		do {
			rc = smtp_tls_policy_lookup(&found, key, site);
		} while (rc == 0 && smtp_tls_hostname(site) &&
		    (key = strchr(key + 1, '.')) != NULL);
		if (rc == 1) {
			smtp_tls_policy_free(p);
			*p = found;
		} else {
			smtp_tls_policy_free(&found);
		}
	}
	/* Without match=, main.cf's names or fingerprints. */
	if (p->nmatch == 0 && p->level == SMTP_TLS_VERIFY)
		smtp_tls_add_match(p, var_smtp_tls_verify_cert_match,
		    " \t\r\n,:");
	else if (p->nmatch == 0 && p->level == SMTP_TLS_SECURE)
		smtp_tls_add_match(p, var_smtp_tls_secure_cert_match,
		    " \t\r\n,:");
	else if (p->nmatch == 0 && p->level == SMTP_TLS_FPRINT)
		smtp_tls_add_match(p, var_smtp_tls_fingerprint_cert_match,
		    " \t\r\n,|");
	if (p->nmatch == 0 && p->level == SMTP_TLS_FPRINT) {
		msg_warn("nexthop domain %s: configured at fingerprint "
			 "security level, but with no fingerprints to match.",
		    site);
		rc = -1;
	}
	if (rc < 0 || p->level < 0) {
		smtp_tls_policy_free(p);
		p->level = SMTP_TLS_INVALID;
		return -1;
	}
	return 0;
}

/* ---- one connection ------------------------------------------------------ */

/* smtp_tls_verify_cb - remember the first error nearest the leaf */

static int
smtp_tls_verify_cb(int ok, X509_STORE_CTX *store)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(store,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	struct smtp_session *s = ssl ? SSL_get_app_data(ssl) : NULL;
	int depth = X509_STORE_CTX_get_error_depth(store);

	if (!ok && s != NULL && (s->tls_err == 0 || depth < s->tls_err_depth)) {
		X509 *x = X509_STORE_CTX_get_current_cert(store);
		char buf[256];

		s->tls_err = X509_STORE_CTX_get_error(store);
		s->tls_err_depth = depth;
		mem_free(s->tls_err_issuer);
		if (x)
			X509_NAME_oneline(X509_get_issuer_name(x), buf,
			    sizeof(buf));
		else
			strcpy(buf, "<unknown>");
		s->tls_err_issuer = mem_strdup(buf);
	}
	return 1; /* the policy decides, after the handshake */
}

/* smtp_tls_expand - "hostname", "nexthop", "dot-nexthop" or a literal */

static void
smtp_tls_expand(const struct smtp_session *s, const char *name,
    struct vbuf *out)
{
	vbuf_reset(out);
	if (strcasecmp(name, "hostname") == 0)
		vbuf_puts(out, s->addr->host);
	else if (strcasecmp(name, "nexthop") == 0)
		vbuf_puts(out, s->nh.name);
	else if (strcasecmp(name, "dot-nexthop") == 0)
		vbuf_printf(out, ".%s", s->nh.name);
	else
		vbuf_puts(out, name);
}

/* smtp_tls_limits - protocols and ciphers of the policy's level */

static int
smtp_tls_limits(const struct smtp_session *s, SSL *ssl, struct vbuf *why)
{
	const struct smtp_tls_policy *p = &s->tls;
	int mandatory = p->level >= SMTP_TLS_ENCRYPT, min, max, rc;
	struct vbuf list = VBUF_INIT;

	if (tls_protocols(p->protocols ? p->protocols
		    : mandatory	       ? var_smtp_tls_mandatory_protocols
				       : var_smtp_tls_protocols,
		&min, &max, why) < 0)
		return -1;
	SSL_set_min_proto_version(ssl, min);
	SSL_set_max_proto_version(ssl, max);
	rc = tls_cipher_list(p->ciphers ? p->ciphers
		: mandatory		? var_smtp_tls_mandatory_ciphers
					: var_smtp_tls_ciphers,
	    p->exclude	    ? p->exclude
		: mandatory ? var_smtp_tls_mandatory_exclude_ciphers
			    : var_smtp_tls_exclude_ciphers,
	    &list, why);
	if (rc == 0 && SSL_set_cipher_list(ssl, list.data) != 1) {
		vbuf_printf(why, "bad cipher list \"%s\"", list.data);
		rc = -1;
	}
	vbuf_free(&list);
	return rc;
}

/* smtp_tls_sni - the server name to send, or NULL */

static const char *
smtp_tls_sni(const struct smtp_session *s, struct vbuf *buf)
{
	const char *sn =
	    s->tls.servername ? s->tls.servername : var_smtp_tls_servername;

	if (*sn == 0)
		return NULL;
	smtp_tls_expand(s, sn, buf);
	return buf->data;
}

/*
 * smtp_tls_ssl - the SSL object for a handshake on the session's
 * connection; NULL with why on a configuration problem.
 */
SSL *
smtp_tls_ssl(struct smtp_session *s, struct vbuf *why)
{
	struct vbuf buf = VBUF_INIT, key = VBUF_INIT;
	struct smtp_tls_sess *e;
	const char *sni;
	SSL *ssl;

	if (smtp_tls_ctx == NULL || (ssl = SSL_new(smtp_tls_ctx)) == NULL) {
		vbuf_puts(why, "cannot create TLS session");
		return NULL;
	}
	if (smtp_tls_limits(s, ssl, why) < 0) {
		SSL_free(ssl);
		return NULL;
	}
	SSL_set_app_data(ssl, s);
	SSL_set_verify(ssl, SSL_VERIFY_PEER, smtp_tls_verify_cb);
	if ((sni = smtp_tls_sni(s, &buf)) != NULL)
		SSL_set_tlsext_host_name(ssl, sni);
	if (s->tls.level == SMTP_TLS_VERIFY ||
	    s->tls.level == SMTP_TLS_SECURE) {
		SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		for (size_t i = 0; i < s->tls.nmatch; i++) {
			smtp_tls_expand(s, s->tls.match[i], &buf);
			SSL_add1_host(ssl, buf.data);
		}
	}
	vbuf_printf(&key, "%s/%s/%s", s->relay, sni ? sni : "",
	    smtp_tls_level_name(s->tls.level));
	if ((e = smtp_tls_scache_find(key.data)) != NULL) {
		if (time(NULL) - e->stored > var_smtp_tls_session_cache_timeout)
			smtp_tls_scache_drop(e);
		else
			SSL_set_session(ssl, e->sess);
	}
	SSL_set_ex_data(ssl, smtp_tls_app_index, vbuf_export(&key));
	vbuf_free(&buf);
	s->tls_err = 0;
	s->tls_err_depth = 0;
	return ssl;
}

/* smtp_tls_log_verify - Postfix's tls_log_verify_error() texts */

static void
smtp_tls_log_verify(const struct smtp_session *s)
{
	const char *purpose = s->tls_err_depth > 0 ? "CA" : "server";
	const char *na = s->relay;

	switch (s->tls_err) {
	case 0:
		break;
	case X509_V_ERR_CERT_UNTRUSTED:
		msg_info("certificate verification failed for %s: not trusted "
			 "by local or TLSA policy",
		    na);
		break;
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		msg_info("certificate verification failed for %s: self-signed "
			 "certificate",
		    na);
		break;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
		msg_info("certificate verification failed for %s: untrusted "
			 "issuer %s",
		    na, s->tls_err_issuer ? s->tls_err_issuer : "<unknown>");
		break;
	case X509_V_ERR_CERT_NOT_YET_VALID:
	case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
		msg_info("%s certificate verification failed for %s: "
			 "certificate not yet valid",
		    purpose, na);
		break;
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
		msg_info("%s certificate verification failed for %s: "
			 "certificate has expired",
		    purpose, na);
		break;
	case X509_V_ERR_INVALID_PURPOSE:
		msg_info("certificate verification failed for %s: not "
			 "designated for use as a %s certificate",
		    na, purpose);
		break;
	default:
		msg_info("%s certificate verification failed for %s: num=%d:%s",
		    purpose, na, s->tls_err,
		    X509_verify_cert_error_string(s->tls_err));
		break;
	}
}

/* smtp_tls_hex - a digest as "AB:CD:..." */

static void
smtp_tls_hex(struct vbuf *out, const unsigned char *md, unsigned len)
{
	for (unsigned i = 0; i < len; i++)
		vbuf_printf(out, "%s%02X", i ? ":" : "", md[i]);
}

/* smtp_tls_fpt_equal - digests equal, ignoring case and colons */

static int
smtp_tls_fpt_equal(const char *a, const char *b)
{
	for (;;) {
		while (*a == ':')
			a++;
		while (*b == ':')
			b++;
		if (*a == 0 || *b == 0)
			return *a == *b;
		if ((*a | 0x20) != (*b | 0x20))
			return 0;
		a++, b++;
	}
}

/*
 * smtp_tls_fpt_digest - smtp_tls_fingerprint_digest. Its default is
 * Postfix's conditional "${{$compatibility_level} <level {3.6} ? {md5} :
 * {sha256}}", which param(3) keeps unexpanded: decide it here.
 */
static const char *
smtp_tls_fpt_digest(void)
{
	const char *name = var_smtp_tls_fingerprint_digest;
	const char *compat;
	long major, minor = 0;
	char *end;

	if (*name && *name != '$')
		return name;
	compat = param_str("compatibility_level");
	major = strtol(compat, &end, 10);
	if (*end == '.')
		minor = strtol(end + 1, NULL, 10);
	if (major > 3 || (major == 3 && minor >= 6))
		return "sha256";
	msg_info("using backwards-compatible default setting "
		 "smtp_tls_fingerprint_digest=md5 to compute certificate "
		 "fingerprints");
	return "md5";
}

/* smtp_tls_fpt_match - fingerprint level: certificate or key digest */

static int
smtp_tls_fpt_match(const struct smtp_session *s, X509 *peer)
{
	const char *name = smtp_tls_fpt_digest();
	const EVP_MD *md = EVP_get_digestbyname(name);
	unsigned char buf[EVP_MAX_MD_SIZE];
	unsigned len;
	struct vbuf cert = VBUF_INIT, pkey = VBUF_INIT;
	int found = 0;

	if (md == NULL) {
		msg_warn("digest algorithm \"%s\" not found", name);
		return 0;
	}
	if (X509_digest(peer, md, buf, &len) == 1)
		smtp_tls_hex(&cert, buf, len);
	if (X509_pubkey_digest(peer, md, buf, &len) == 1)
		smtp_tls_hex(&pkey, buf, len);
	for (size_t i = 0; !found && i < s->tls.nmatch; i++)
		found = (cert.len &&
			    smtp_tls_fpt_equal(s->tls.match[i], cert.data)) ||
		    (pkey.len &&
			smtp_tls_fpt_equal(s->tls.match[i], pkey.data));
	vbuf_free(&cert);
	vbuf_free(&pkey);
	return found;
}

/*
 * smtp_tls_log - "Trusted TLS connection established to H[A]:P: ..."
 * (reused: a cached connection), when smtp_tls_loglevel >= 1.
 */
void
smtp_tls_log(const struct smtp_session *s, int reused)
{
	if (var_smtp_tls_loglevel < 1 || s->tls_summary == NULL)
		return;
	msg_info("%s TLS connection %s to %s: %s", s->tls_kind,
	    reused ? "reused" : "established", s->relay, s->tls_summary);
}

/*
 * smtp_tls_check - the handshake is done: judge the certificate, log,
 * and return 0 when the policy is met, else -1 with why (Postfix's
 * "Server certificate not verified").
 */
int
smtp_tls_check(struct smtp_session *s, SSL *ssl, struct vbuf *why)
{
	X509 *peer = SSL_get1_peer_certificate(ssl);
	struct vbuf d = VBUF_INIT;
	int must_match = s->tls.level >= SMTP_TLS_FPRINT;

	SSL_set_app_data(ssl, NULL);
	s->tls_trusted = peer && SSL_get_verify_result(ssl) == X509_V_OK;
	if (s->tls.level == SMTP_TLS_FPRINT)
		s->tls_matched = s->tls_trusted =
		    peer && smtp_tls_fpt_match(s, peer);
	else
		s->tls_matched = must_match && s->tls_trusted;
	s->tls_kind = peer == NULL ? "Anonymous"
	    : s->tls_matched	   ? "Verified"
	    : s->tls_trusted	   ? "Trusted"
				   : "Untrusted";
	if (!s->tls_trusted && s->tls.level != SMTP_TLS_FPRINT &&
	    (must_match || var_smtp_tls_loglevel >= 1))
		smtp_tls_log_verify(s);
	tls_summary(ssl, &d);
	mem_free(s->tls_summary);
	s->tls_summary = vbuf_export(&d);
	smtp_tls_log(s, 0);
	metrics_inc(METRIC_TLS_OUT);
	X509_free(peer);
	if (must_match && !s->tls_matched) {
		vbuf_puts(why, "Server certificate not verified");
		return -1;
	}
	return 0;
}

/* smtp_tls_connect_error - Postfix's "SSL_connect error to H[A]:P: ..." */

void
smtp_tls_connect_error(const struct smtp_session *s, unsigned long *errs,
    size_t nerr, int timeout)
{
	char buf[256];

	if (timeout)
		msg_info("SSL_connect error to %s: Connection timed out",
		    s->relay);
	else if (nerr > 0)
		msg_info("SSL_connect error to %s: -1", s->relay);
	else
		msg_info("SSL_connect error to %s: lost connection", s->relay);
	for (size_t i = 0; i < nerr; i++) {
		ERR_error_string_n(errs[i], buf, sizeof(buf));
		msg_warn("TLS library problem: %s:", buf);
	}
}
