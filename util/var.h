#ifndef SLUICE_VAR_H
#define SLUICE_VAR_H
/*
 * NAME
 *	var - one C variable per main.cf parameter that sluice reads
 * SYNOPSIS
 *	#include "var.h"  (param.h includes it)
 * DESCRIPTION
 *	Each variable is named var_<exact main.cf name>, so grep finds it,
 *	and is declared once, here. Its C type says how it is read: a
 *	const char * holds the expanded string, a long a number, time in
 *	seconds or size in bytes, an int a boolean (1 or 0), a char ** a
 *	NULL-terminated list. Nothing fills a variable by itself: a program
 *	names the parameters it reads in its own table of
 *	PARAM_VAR(name) rows, and param_bind() (param(3))
 *	fills them from the loaded configuration; defaults live only in
 *	param(3)'s table. Until bound, a variable is 0 or NULL. Strings and
 *	lists are borrowed from param(3) until the next param_load().
 */

/* strings */
extern const char *var_2bounce_notice_recipient;
extern const char *var_bounce_notice_recipient;
extern const char *var_bounce_service_name;
extern const char *var_canonical_maps;
extern const char *var_cleanup_service_name;
extern const char *var_command_directory;
extern const char *var_daemon_directory;
extern const char *var_default_verp_delimiters;
extern const char *var_delay_notice_recipient;
extern const char *var_default_transport;
extern const char *var_dns_servers;
extern const char *var_double_bounce_sender;
extern const char *var_empty_address_recipient;
extern const char *var_empty_address_default_transport_maps_lookup_key;
extern const char *var_empty_address_relayhost_maps_lookup_key;
extern const char *var_flush_service_name;
extern const char *var_inet_protocols;
extern const char *var_mail_name;
extern const char *var_mail_owner;
extern const char *var_mail_version;
extern const char *var_maillog_file;
extern const char *var_masquerade_exceptions;
extern const char *var_master_service_disable;
extern const char *var_mydomain;
extern const char *var_myhostname;
extern const char *var_myorigin;
extern const char *var_parent_domain_matches_subdomains;
extern const char *var_queue_directory;
extern const char *var_recipient_canonical_maps;
extern const char *var_recipient_delimiter;
extern const char *var_relay_recipient_maps;
extern const char *var_relay_transport;
extern const char *var_relayhost;
extern const char *var_sender_canonical_maps;
extern const char *var_sender_dependent_default_transport_maps;
extern const char *var_sender_dependent_relayhost_maps;
extern const char *var_sendmail_fix_line_endings;
extern const char *var_setgid_group;
extern const char *var_showq_service_name;
extern const char *var_smtp_address_preference;
extern const char *var_smtp_connection_cache_destinations;
extern const char *var_smtp_dns_support_level;
extern const char *var_smtp_fallback_relay;
extern const char *var_smtp_generic_maps;
extern const char *var_smtp_helo_name;
extern const char *var_smtp_host_lookup;
extern const char *var_smtp_sasl_mechanism_filter;
extern const char *var_smtp_sasl_password_maps;
extern const char *var_smtp_sasl_security_options;
extern const char *var_smtp_sasl_tls_security_options;
extern const char *var_smtp_sasl_tls_verified_security_options;
extern const char *var_smtp_tcp_port;
extern const char *var_smtp_tls_CAfile;
extern const char *var_smtp_tls_CApath;
extern const char *var_smtp_tls_cert_file;
extern const char *var_smtp_tls_ciphers;
extern const char *var_smtp_tls_exclude_ciphers;
extern const char *var_smtp_tls_fingerprint_cert_match;
extern const char *var_smtp_tls_fingerprint_digest;
extern const char *var_smtp_tls_key_file;
extern const char *var_smtp_tls_mandatory_ciphers;
extern const char *var_smtp_tls_mandatory_exclude_ciphers;
extern const char *var_smtp_tls_mandatory_protocols;
extern const char *var_smtp_tls_policy_maps;
extern const char *var_smtp_tls_protocols;
extern const char *var_smtp_tls_secure_cert_match;
extern const char *var_smtp_tls_security_level;
extern const char *var_smtp_tls_servername;
extern const char *var_smtp_tls_verify_cert_match;
extern const char *var_smtpd_banner;
extern const char *var_smtpd_forbid_bare_newline;
extern const char *var_smtpd_tls_cert_file;
extern const char *var_smtpd_tls_key_file;
extern const char *var_smtpd_tls_security_level;
extern const char *var_syslog_name;
extern const char *var_transport_maps;
extern const char *var_verp_delimiter_filter;

/* lists */
extern char **var_authorized_flush_users;
extern char **var_authorized_mailq_users;
extern char **var_canonical_classes;
extern char **var_fast_flush_domains;
extern char **var_hash_queue_names;
extern char **var_inet_interfaces;
extern char **var_masquerade_classes;
extern char **var_masquerade_domains;
extern char **var_mydestination;
extern char **var_mynetworks;
extern char **var_notify_classes;
extern char **var_propagate_unmatched_extensions;
extern char **var_proxy_interfaces;
extern char **var_recipient_canonical_classes;
extern char **var_relay_domains;
extern char **var_sender_canonical_classes;
extern char **var_smtpd_client_restrictions;
extern char **var_smtpd_discard_ehlo_keywords;
extern char **var_smtpd_forbid_bare_newline_exclusions;
extern char **var_smtpd_helo_restrictions;
extern char **var_smtpd_recipient_restrictions;
extern char **var_smtpd_relay_restrictions;
extern char **var_smtpd_sender_restrictions;
extern char **var_virtual_alias_domains;
extern char **var_virtual_mailbox_domains;

/* numbers, times (seconds) and sizes (bytes) */
extern long var_bounce_queue_lifetime;
extern long var_bounce_size_limit;
extern long var_default_process_limit;
extern long var_defer_code;
extern long var_delay_warning_time;
extern long var_duplicate_filter_limit;
extern long var_fast_flush_purge_time;
extern long var_fast_flush_refresh_time;
extern long var_hash_queue_depth;
extern long var_header_size_limit;
extern long var_hopcount_limit;
extern long var_invalid_hostname_reject_code;
extern long var_ipc_timeout;
extern long var_line_length_limit;
extern long var_max_idle;
extern long var_max_use;
extern long var_maximal_backoff_time;
extern long var_maximal_queue_lifetime;
extern long var_message_size_limit;
extern long var_minimal_backoff_time;
extern long var_non_fqdn_reject_code;
extern long var_qmgr_ipc_timeout;
extern long var_qmgr_message_active_limit;
extern long var_qmgr_message_recipient_limit;
extern long var_qmgr_message_recipient_minimum;
extern long var_queue_file_attribute_count_limit;
extern long var_queue_minfree;
extern long var_queue_run_delay;
extern long var_reject_code;
extern long var_relay_domains_reject_code;
extern long var_unknown_relay_recipient_reject_code;
extern long var_service_throttle_time;
extern long var_smtp_connect_timeout;
extern long var_smtp_connection_cache_time_limit;
extern long var_smtp_connection_reuse_count_limit;
extern long var_smtp_connection_reuse_time_limit;
extern long var_smtp_data_done_timeout;
extern long var_smtp_data_init_timeout;
extern long var_smtp_data_xfer_timeout;
extern long var_smtp_helo_timeout;
extern long var_smtp_line_length_limit;
extern long var_smtp_mail_timeout;
extern long var_smtp_mx_address_limit;
extern long var_smtp_mx_session_limit;
extern long var_smtp_quit_timeout;
extern long var_smtp_rcpt_timeout;
extern long var_smtp_rset_timeout;
extern long var_smtp_starttls_timeout;
extern long var_smtp_tls_loglevel;
extern long var_smtp_tls_session_cache_timeout;
extern long var_smtpd_client_connection_count_limit;
extern long var_smtpd_error_sleep_time;
extern long var_smtpd_forbid_bare_newline_reject_code;
extern long var_smtpd_hard_error_limit;
extern long var_smtpd_junk_command_limit;
extern long var_smtpd_recipient_limit;
extern long var_smtpd_recipient_overshoot_limit;
extern long var_smtpd_soft_error_limit;
extern long var_smtpd_starttls_timeout;
extern long var_smtpd_timeout;
extern long var_transport_retry_time;

/* booleans */
extern int var_allow_percent_hack;
extern int var_allow_untrusted_routing;
extern int var_append_at_myorigin;
extern int var_append_dot_mydomain;
extern int var_cleanup_replace_stray_cr_lf;
extern int var_disable_dns_lookups;
extern int var_disable_vrfy_command;
extern int var_enable_long_queue_ids;
extern int var_ignore_mx_lookup_error;
extern int var_resolve_dequoted_address;
extern int var_show_user_unknown_table_name;
extern int var_smtp_connection_cache_on_demand;
extern int var_smtp_defer_if_no_mx_address_found;
extern int var_smtp_enforce_tls;
extern int var_smtp_randomize_addresses;
extern int var_smtp_sasl_auth_enable;
extern int var_smtp_sasl_auth_soft_bounce;
extern int var_smtp_sender_dependent_authentication;
extern int var_smtp_skip_5xx_greeting;
extern int var_smtp_tls_connection_reuse;
extern int var_smtp_use_tls;
extern int var_smtpd_enforce_tls;
extern int var_smtpd_helo_required;
extern int var_smtpd_peername_lookup;
extern int var_smtpd_reject_unlisted_recipient;
extern int var_smtpd_use_tls;
extern int var_soft_bounce;
extern int var_swap_bangpath;

#endif
