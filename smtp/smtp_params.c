/*
 * smtp_params - the parameters smtp reads, in one table; see smtp.h.
 *
 * Implementation notes. server_main() binds smtp_params[] (after -o
 * overrides) before smtp_init() runs smtp_params_init(), which derives
 * the few values that are computed from several parameters. This file
 * is apart from smtp.c so that the unit tests, which link every smtp
 * object but smtp.c, can bind the same table with param_bind(). smtp
 * has no per-transport ("<service>_...") parameters: every name below
 * is fixed, so nothing is looked up by name at run time.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "dns.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "smtp.h"

#define SMTP_LINE_LENGTH_MIN 40 /* smtp_line_length_limit floor */

const struct param_var smtp_params[] = {
    PARAM_VAR(disable_dns_lookups),
    PARAM_VAR(dns_servers),
    PARAM_VAR(header_size_limit),
    PARAM_VAR(ignore_mx_lookup_error),
    PARAM_VAR(inet_interfaces),
    PARAM_VAR(inet_protocols),
    PARAM_VAR(minimal_backoff_time),
    PARAM_VAR(propagate_unmatched_extensions),
    PARAM_VAR(proxy_interfaces),
    PARAM_VAR(recipient_delimiter),
    PARAM_VAR(relayhost),
    PARAM_VAR(smtp_address_preference),
    PARAM_VAR(smtp_connect_timeout),
    PARAM_VAR(smtp_connection_cache_destinations),
    PARAM_VAR(smtp_connection_cache_on_demand),
    PARAM_VAR(smtp_connection_cache_time_limit),
    PARAM_VAR(smtp_connection_reuse_count_limit),
    PARAM_VAR(smtp_connection_reuse_time_limit),
    PARAM_VAR(smtp_data_done_timeout),
    PARAM_VAR(smtp_data_init_timeout),
    PARAM_VAR(smtp_data_xfer_timeout),
    PARAM_VAR(smtp_defer_if_no_mx_address_found),
    PARAM_VAR(smtp_dns_support_level),
    PARAM_VAR(smtp_enforce_tls),
    PARAM_VAR(smtp_fallback_relay),
    PARAM_VAR(smtp_generic_maps),
    PARAM_VAR(smtp_helo_name),
    PARAM_VAR(smtp_helo_timeout),
    PARAM_VAR(smtp_host_lookup),
    PARAM_VAR(smtp_line_length_limit),
    PARAM_VAR(smtp_mail_timeout),
    PARAM_VAR(smtp_mx_address_limit),
    PARAM_VAR(smtp_mx_session_limit),
    PARAM_VAR(smtp_quit_timeout),
    PARAM_VAR(smtp_randomize_addresses),
    PARAM_VAR(smtp_rcpt_timeout),
    PARAM_VAR(smtp_rset_timeout),
    PARAM_VAR(smtp_sasl_auth_enable),
    PARAM_VAR(smtp_sasl_auth_soft_bounce),
    PARAM_VAR(smtp_sasl_mechanism_filter),
    PARAM_VAR(smtp_sasl_password_maps),
    PARAM_VAR(smtp_sasl_security_options),
    PARAM_VAR(smtp_sasl_tls_security_options),
    PARAM_VAR(smtp_sasl_tls_verified_security_options),
    PARAM_VAR(smtp_sender_dependent_authentication),
    PARAM_VAR(smtp_skip_5xx_greeting),
    PARAM_VAR(smtp_starttls_timeout),
    PARAM_VAR(smtp_tcp_port),
    PARAM_VAR(smtp_tls_CAfile),
    PARAM_VAR(smtp_tls_CApath),
    PARAM_VAR(smtp_tls_cert_file),
    PARAM_VAR(smtp_tls_ciphers),
    PARAM_VAR(smtp_tls_connection_reuse),
    PARAM_VAR(smtp_tls_exclude_ciphers),
    PARAM_VAR(smtp_tls_fingerprint_cert_match),
    PARAM_VAR(smtp_tls_fingerprint_digest),
    PARAM_VAR(smtp_tls_key_file),
    PARAM_VAR(smtp_tls_loglevel),
    PARAM_VAR(smtp_tls_mandatory_ciphers),
    PARAM_VAR(smtp_tls_mandatory_exclude_ciphers),
    PARAM_VAR(smtp_tls_mandatory_protocols),
    PARAM_VAR(smtp_tls_policy_maps),
    PARAM_VAR(smtp_tls_protocols),
    PARAM_VAR(smtp_tls_secure_cert_match),
    PARAM_VAR(smtp_tls_security_level),
    PARAM_VAR(smtp_tls_servername),
    PARAM_VAR(smtp_tls_session_cache_timeout),
    PARAM_VAR(smtp_tls_verify_cert_match),
    PARAM_VAR(smtp_use_tls),
    PARAM_VAR_END,
};

struct smtp_derived smtp_derived;

/* smtp_families - inet_protocols as DNS_INET* bits (none known: all) */

static int
smtp_families(const char *protos)
{
	static const char sep[] = ", \t\r\n";
	int families = 0;
	size_t len;

	for (protos += strspn(protos, sep); *protos;
	     protos += len, protos += strspn(protos, sep)) {
		len = strcspn(protos, sep);
		if (len == 3 && strncasecmp(protos, "all", len) == 0)
			families |= DNS_INET_ALL;
		else if (len == 4 && strncasecmp(protos, "ipv4", len) == 0)
			families |= DNS_INET4;
		else if (len == 4 && strncasecmp(protos, "ipv6", len) == 0)
			families |= DNS_INET6;
	}
	return families ? families : DNS_INET_ALL;
}

/* smtp_params_init - derive the values computed from the bound ones */

void
smtp_params_init(void)
{
	struct smtp_derived *d = &smtp_derived;
	const char *pref = var_smtp_address_preference;

	d->line_length_limit = var_smtp_line_length_limit < SMTP_LINE_LENGTH_MIN
	    ? SMTP_LINE_LENGTH_MIN
	    : var_smtp_line_length_limit;
	d->mx_lookups = !var_disable_dns_lookups &&
	    strcasecmp(var_smtp_dns_support_level, "disabled") != 0;
	d->native_hosts =
	    !d->mx_lookups || strstr(var_smtp_host_lookup, "native") != NULL;
	d->family_pref = strcasecmp(pref, "ipv4") == 0 ? AF_INET
	    : strcasecmp(pref, "ipv6") == 0	       ? AF_INET6
						       : 0;
	mem_free(d->own);
	d->own =
	    smtp_own_addrs(var_inet_interfaces, var_proxy_interfaces, &d->nown);
	d->families = smtp_families(var_inet_protocols);
	srandom((unsigned)(time(NULL) ^ getpid()));
	if (smtp_port_parse(var_smtp_tcp_port) < 0)
		msg_fatal("bad smtp_tcp_port value: %s", var_smtp_tcp_port);
}
