/*
 * smtp_sasl - the SASL client (RFC 4954 AUTH) over Cyrus SASL; see smtp.h.
 *
 * Implementation notes. As in Postfix, mechanisms come from Cyrus SASL's
 * plugins (PLAIN, LOGIN, CRAM-MD5, SCRAM-*, ...), chosen by the library
 * among those the server offers, filtered by smtp_sasl_mechanism_filter
 * and limited by the security options of the connection:
 * smtp_sasl_security_options in plaintext, smtp_sasl_tls_security_options
 * over TLS, smtp_sasl_tls_verified_security_options over a matched TLS
 * connection. "noplaintext" without TLS therefore leaves no PLAIN or
 * LOGIN, and no credentials leave the host in the clear. The library's
 * calls are synchronous but only compute: each challenge and response
 * is one SMTP line, sent and read by the state machine in
 * smtp_session.c, so nothing here blocks.
 *
 * Credentials (smtp_sasl_password_maps, "user:password"): with
 * smtp_sender_dependent_authentication the sender (address, then
 * @domain), then the server's host name, then the destination as
 * written ("[host]:port" or a domain), as Postfix's
 * smtp_sasl_passwd_lookup(). No entry: no AUTH. A table error defers.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sasl/sasl.h>
#include <sasl/saslutil.h>

#include "maps.h"
#include "mem.h"
#include "msg.h"
#include "smtp.h"

struct smtp_sasl {
	sasl_conn_t *conn;
	sasl_callback_t cb[4];
	sasl_secret_t *secret;
};

static struct maps *smtp_sasl_map;
static int smtp_sasl_ready;

void
smtp_sasl_init(void)
{
	int rc;

	smtp_sasl_map = maps_free(smtp_sasl_map);
	if (!var_smtp_sasl_auth_enable)
		return;
	if (*var_smtp_sasl_password_maps)
		smtp_sasl_map = maps_create("smtp_sasl_password_maps",
		    var_smtp_sasl_password_maps, 0);
	else
		msg_warn("specify a password table via the "
			 "`smtp_sasl_password_maps' configuration parameter");
	if (!smtp_sasl_ready) {
		if ((rc = sasl_client_init(NULL)) != SASL_OK)
			msg_warn("SASL library initialization error: %s",
			    sasl_errstring(rc, NULL, NULL));
		else
			smtp_sasl_ready = 1;
	}
}

void
smtp_sasl_refresh(void)
{
	if (smtp_sasl_map)
		maps_refresh(smtp_sasl_map);
}

/* smtp_sasl_set - "user:password" into the session */

static void
smtp_sasl_set(struct smtp_session *s, const char *value)
{
	const char *colon = strchr(value, ':');

	mem_free(s->sasl_user);
	mem_free(s->sasl_pass);
	s->sasl_user = colon ? mem_strndup(value, (size_t)(colon - value))
			     : mem_strdup(value);
	s->sasl_pass = mem_strdup(colon ? colon + 1 : "");
}

int
smtp_sasl_lookup(struct smtp_session *s)
{
	const char *value = NULL;

	if (smtp_sasl_map == NULL)
		return 0;
	if (var_smtp_sender_dependent_authentication && *s->q.sender)
		value = maps_addr_find(smtp_sasl_map, s->q.sender,
		    var_recipient_delimiter, 0);
	if (value == NULL && !maps_error(smtp_sasl_map))
		value = maps_find(smtp_sasl_map, s->addr->host, 0);
	if (value == NULL && !maps_error(smtp_sasl_map) && s->sites)
		value = maps_find(smtp_sasl_map, s->sites[s->site], 0);
	if (value == NULL && maps_error(smtp_sasl_map)) {
		msg_warn("%s: %s lookup error for %s", s->queue_id,
		    maps_title(smtp_sasl_map), s->addr->host);
		return -1;
	}
	if (value == NULL)
		return 0;
	smtp_sasl_set(s, value);
	return 1;
}

/* ---- callbacks ----------------------------------------------------------- */

static int
smtp_sasl_get_user(void *ctx, int id, const char **result, unsigned *len)
{
	struct smtp_session *s = ctx;

	*result = s->sasl_user;
	if (len)
		*len = (unsigned)strlen(s->sasl_user);
	return SASL_OK;
}

static int
smtp_sasl_get_pass(sasl_conn_t *conn, void *ctx, int id,
    sasl_secret_t **psecret)
{
	struct smtp_session *s = ctx;
	size_t len = strlen(s->sasl_pass);
	sasl_secret_t *sec = mem_calloc(1, sizeof(*sec) + len + 1);

	sec->len = len;
	memcpy(sec->data, s->sasl_pass, len + 1);
	mem_free(s->sasl->secret);
	s->sasl->secret = sec;
	*psecret = sec;
	return SASL_OK;
}

/* smtp_sasl_props - a security options list as Cyrus flags */

static unsigned
smtp_sasl_props(const char *opts)
{
	static const struct {
		const char *name;
		unsigned flag;
	} names[] = {
	    {"noplaintext", SASL_SEC_NOPLAINTEXT},
	    {"noactive", SASL_SEC_NOACTIVE},
	    {"nodictionary", SASL_SEC_NODICTIONARY},
	    {"noanonymous", SASL_SEC_NOANONYMOUS},
	    {"forward_secrecy", SASL_SEC_FORWARD_SECRECY},
	    {"mutual_auth", SASL_SEC_MUTUAL_AUTH},
	};
	static const char sep[] = " \t\r\n,";
	unsigned flags = 0;
	size_t len;

	for (opts += strspn(opts, sep); *opts;
	     opts += len, opts += strspn(opts, sep)) {
		len = strcspn(opts, sep);
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == len &&
			    strncasecmp(names[i].name, opts, len) == 0)
				flags |= names[i].flag;
	}
	return flags;
}

/* smtp_sasl_filtered - smtp_sasl_mechanism_filter: first match decides */

static int
smtp_sasl_filtered(const char *mech, size_t mlen)
{
	static const char sep[] = " \t\r\n,";
	const char *cp = var_smtp_sasl_mechanism_filter;
	size_t len;

	if (*cp == 0)
		return 1;
	for (cp += strspn(cp, sep); *cp; cp += len, cp += strspn(cp, sep)) {
		int neg = *cp == '!';
		const char *pat = cp + neg;

		len = strcspn(cp, sep);
		if ((len - neg == 10 &&
			strncasecmp(pat, "static:all", 10) == 0) ||
		    (len - neg == mlen && strncasecmp(pat, mech, mlen) == 0))
			return !neg;
	}
	return 0;
}

/* smtp_sasl_mechs - the server's mechanisms that pass the filter */

static void
smtp_sasl_mechs(const char *offered, struct vbuf *out)
{
	size_t len;

	for (offered += strspn(offered, " "); *offered;
	     offered += len, offered += strspn(offered, " ")) {
		len = strcspn(offered, " ");
		if (smtp_sasl_filtered(offered, len))
			vbuf_printf(out, "%s%.*s", out->len ? " " : "",
			    (int)len, offered);
	}
}

/* smtp_sasl_encode - base64 of a client message, appended to out */

static int
smtp_sasl_encode(const char *data, unsigned len, struct vbuf *out)
{
	unsigned need = (len + 2) / 3 * 4 + 1, got = 0;
	char *buf = mem_alloc(need + 1);
	int rc = sasl_encode64(data, len, buf, need + 1, &got);

	if (rc == SASL_OK)
		vbuf_append(out, buf, got);
	mem_free(buf);
	return rc == SASL_OK ? 0 : -1;
}

/* smtp_sasl_new - the per-connection Cyrus state with its options */

static int
smtp_sasl_new(struct smtp_session *s, struct vbuf *why)
{
	struct smtp_sasl *x = mem_calloc(1, sizeof(*x));
	sasl_security_properties_t props;
	const char *opts = !s->tls_on ? var_smtp_sasl_security_options
	    : s->tls_matched ? var_smtp_sasl_tls_verified_security_options
			     : var_smtp_sasl_tls_security_options;
	int rc;

	x->cb[0] = (sasl_callback_t){SASL_CB_USER,
	    (int (*)(void))(void (*)(void))smtp_sasl_get_user, s};
	x->cb[1] = (sasl_callback_t){SASL_CB_AUTHNAME,
	    (int (*)(void))(void (*)(void))smtp_sasl_get_user, s};
	x->cb[2] = (sasl_callback_t){SASL_CB_PASS,
	    (int (*)(void))(void (*)(void))smtp_sasl_get_pass, s};
	x->cb[3] = (sasl_callback_t){SASL_CB_LIST_END, NULL, NULL};
	s->sasl = x;
	rc = sasl_client_new("smtp", s->addr->host, NULL, NULL, x->cb, 0,
	    &x->conn);
	if (rc != SASL_OK) {
		vbuf_printf(why, "per-session SASL client initialization: %s",
		    sasl_errstring(rc, NULL, NULL));
		return -1;
	}
	memset(&props, 0, sizeof(props));
	props.max_ssf = 1; /* no SASL security layer */
	props.security_flags = smtp_sasl_props(opts);
	if ((rc = sasl_setprop(x->conn, SASL_SEC_PROPS, &props)) != SASL_OK) {
		vbuf_printf(why, "set per-session SASL security properties: %s",
		    sasl_errstring(rc, NULL, NULL));
		return -1;
	}
	return 0;
}

int
smtp_sasl_start(struct smtp_session *s, struct vbuf *out, struct vbuf *why,
    char dsn[16])
{
	struct vbuf mechs = VBUF_INIT;
	const char *clientout = NULL, *mech = NULL;
	unsigned outlen = 0;
	int rc = -1;

	strcpy(dsn, "4.7.0");
	smtp_sasl_mechs(vbuf_str(&s->auth_mechs), &mechs);
	if (mechs.len == 0) {
		msg_warn("%s offered no supported AUTH mechanisms: '%s'",
		    s->relay, vbuf_str(&s->auth_mechs));
		vbuf_printf(why,
		    "SASL authentication failed: server %s offered "
		    "no compatible authentication mechanisms for "
		    "this type of connection security",
		    s->hostaddr);
	} else if (!smtp_sasl_ready) {
		vbuf_printf(why,
		    "SASL authentication failed; cannot "
		    "authenticate to server %s: %s",
		    s->hostaddr, "SASL library initialization failed");
	} else if (smtp_sasl_new(s, why) == 0) {
		int r = sasl_client_start(s->sasl->conn, mechs.data, NULL,
		    &clientout, &outlen, &mech);

		if (r != SASL_OK && r != SASL_CONTINUE) {
			vbuf_printf(why,
			    "SASL authentication failed; cannot "
			    "authenticate to server %s: %s",
			    s->hostaddr, sasl_errstring(r, NULL, NULL));
		} else {
			vbuf_printf(out, "AUTH %s", mech);
			if (clientout && outlen > 0) {
				vbuf_puts(out, " ");
				(void)smtp_sasl_encode(clientout, outlen, out);
			}
			vbuf_puts(out, "\r\n");
			rc = 0;
		}
	}
	vbuf_free(&mechs);
	if (rc < 0)
		smtp_sasl_done(s);
	return rc;
}

int
smtp_sasl_step(struct smtp_session *s, const char *challenge, struct vbuf *out,
    struct vbuf *why)
{
	size_t clen = strlen(challenge);
	char *dec = mem_alloc(clen + 1);
	unsigned declen = 0, outlen = 0;
	const char *clientout = NULL;
	int rc;

	rc = sasl_decode64(challenge, (unsigned)clen, dec, (unsigned)clen + 1,
	    &declen);
	if (rc == SASL_OK && s->sasl)
		rc = sasl_client_step(s->sasl->conn, dec, declen, NULL,
		    &clientout, &outlen);
	else if (rc == SASL_OK)
		rc = SASL_FAIL;
	mem_free(dec);
	if (rc != SASL_OK && rc != SASL_CONTINUE) {
		vbuf_printf(why,
		    "SASL authentication failed; cannot "
		    "authenticate to server %s: %s",
		    s->hostaddr, sasl_errstring(rc, NULL, NULL));
		return -1;
	}
	if (clientout && outlen > 0)
		(void)smtp_sasl_encode(clientout, outlen, out);
	vbuf_puts(out, "\r\n");
	return 0;
}

void
smtp_sasl_done(struct smtp_session *s)
{
	if (s->sasl == NULL)
		return;
	if (s->sasl->conn)
		sasl_dispose(&s->sasl->conn);
	mem_free(s->sasl->secret);
	s->sasl = mem_free(s->sasl);
}
