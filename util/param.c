/*
 * param - the typed parameter table and the loaded configuration; see
 * param.h.
 *
 * Implementation notes:
 *	The table holds every parameter of Postfix 3.7's "postconf -d"
 *	(so that a Postfix main.cf is understood and "postconf -d" matches
 *	Postfix line for line) plus fallback_relay, maillog_file_permissions
 *	(3.9+) and the sluice extension dns_servers. Defaults are the raw
 *	strings Postfix prints, with these intended sluice differences:
 *
 *	  config_directory	SLUICE_PREFIX/etc/sluice
 *	  daemon_directory	SLUICE_PREFIX/libexec/sluice
 *	  command_directory	SLUICE_PREFIX/sbin
 *	  data_directory	/var/lib/sluice
 *	  queue_directory	/var/spool/sluice
 *	  sendmail_path, mailq_path, newaliases_path
 *				SLUICE_PREFIX/sbin/{sendmail,mailq,newaliases}
 *	  manpage_directory	SLUICE_PREFIX/share/man
 *	  html_directory	SLUICE_PREFIX/share/doc/sluice/html
 *	  readme_directory	SLUICE_PREFIX/share/doc/sluice
 *	  sample_directory, meta_directory
 *				SLUICE_PREFIX/etc/sluice
 *	  shlib_directory	SLUICE_PREFIX/lib/sluice
 *	  mail_owner, syslog_name, mail_name
 *				sluice
 *	  mail_version		0.1 (SLUICE_VERSION)
 *	  myhostname		kernel hostname; without a dot, NAME.localdomain
 *				(NAME.$mydomain when mydomain is set)
 *	  mydomain		myhostname minus its first label, else
 *				localdomain
 *	  mynetworks		127.0.0.0/8 [::1]/128 (Postfix computes it
 *				from the interfaces)
 *	  process_id		the process's own PID
 *
 *	Types only decide validation and the default time unit: a bare
 *	number for a time parameter uses the unit of its default, as in
 *	Postfix ("fast_flush_refresh_time = 2" means 2 hours). Booleans
 *	accept yes/no (Postfix) and also true/false/1/0 at load time;
 *	param_bool() itself is 1 only for yes/true/1. Lists split on commas
 *	and white space outside {} (so "check_x {a, b}" and inline
 *	"regexp:{{...}}" tables stay one item).
 *
 *	Values are looked up in this order: the configuration directory
 *	actually in use (config_directory only), -o overrides, main.cf, the
 *	default. Expanded values and split lists are cached per parameter
 *	until the next param_load()/param_override().
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "param.h"
#include "mem.h"
#include "pcheck.h"
#include "msg.h"
#include "vbuf.h"

#ifndef SLUICE_PREFIX
#define SLUICE_PREFIX "/usr/local"
#endif
#define SLUICE_VERSION "0.1"
#define PARAM_DEF_CONFIG_DIR SLUICE_PREFIX "/etc/sluice"

/*
 * The table, sorted by name (checked at start-up). A NULL default is
 * filled in at run time (host-derived values).
 */
static struct param_def param_defs[] = {
    {"2bounce_notice_recipient", PARAM_STR, "postmaster", 0, 0},
    {"access_map_defer_code", PARAM_INT, "450", 0, 0},
    {"access_map_reject_code", PARAM_INT, "554", 0, 0},
    {"address_verify_cache_cleanup_interval", PARAM_TIME, "12h", 'h', 0},
    {"address_verify_default_transport", PARAM_STR, "$default_transport", 0, 0},
    {"address_verify_local_transport", PARAM_STR, "$local_transport", 0, 0},
    {"address_verify_map", PARAM_STR, "btree:$data_directory/verify_cache", 0,
	0},
    {"address_verify_negative_cache", PARAM_BOOL, "yes", 0, 0},
    {"address_verify_negative_expire_time", PARAM_TIME, "3d", 'd', 0},
    {"address_verify_negative_refresh_time", PARAM_TIME, "3h", 'h', 0},
    {"address_verify_pending_request_limit", PARAM_INT, "5000", 0, 0},
    {"address_verify_poll_count", PARAM_INT, "${stress?{1}:{3}}", 0, 0},
    {"address_verify_poll_delay", PARAM_TIME, "3s", 's', 0},
    {"address_verify_positive_expire_time", PARAM_TIME, "31d", 'd', 0},
    {"address_verify_positive_refresh_time", PARAM_TIME, "7d", 'd', 0},
    {"address_verify_relay_transport", PARAM_STR, "$relay_transport", 0, 0},
    {"address_verify_relayhost", PARAM_STR, "$relayhost", 0, 0},
    {"address_verify_sender", PARAM_STR, "$double_bounce_sender", 0, 0},
    {"address_verify_sender_dependent_default_transport_maps", PARAM_LIST,
	"$sender_dependent_default_transport_maps", 0, 0},
    {"address_verify_sender_dependent_relayhost_maps", PARAM_LIST,
	"$sender_dependent_relayhost_maps", 0, 0},
    {"address_verify_sender_ttl", PARAM_TIME, "0s", 's', 0},
    {"address_verify_service_name", PARAM_STR, "verify", 0, 0},
    {"address_verify_transport_maps", PARAM_LIST, "$transport_maps", 0, 0},
    {"address_verify_virtual_transport", PARAM_STR, "$virtual_transport", 0, 0},
    {"alias_database", PARAM_STR, "hash:/etc/aliases", 0, 0},
    {"alias_maps", PARAM_LIST, "hash:/etc/aliases, nis:mail.aliases", 0, 0},
    {"allow_mail_to_commands", PARAM_LIST, "alias, forward", 0, 0},
    {"allow_mail_to_files", PARAM_LIST, "alias, forward", 0, 0},
    {"allow_min_user", PARAM_BOOL, "no", 0, 0},
    {"allow_percent_hack", PARAM_BOOL, "yes", 0, 0},
    {"allow_untrusted_routing", PARAM_BOOL, "no", 0, 0},
    {"alternate_config_directories", PARAM_LIST, "", 0, 0},
    {"always_add_missing_headers", PARAM_BOOL, "no", 0, 0},
    {"always_bcc", PARAM_STR, "", 0, 0},
    {"anvil_rate_time_unit", PARAM_TIME, "60s", 's', 0},
    {"anvil_status_update_time", PARAM_TIME, "600s", 's', 0},
    {"append_at_myorigin", PARAM_BOOL, "yes", 0, 0},
    {"append_dot_mydomain", PARAM_BOOL,
	"${{$compatibility_level} <level {1} ? {yes} : {no}}", 0, 0},
    {"application_event_drain_time", PARAM_TIME, "100s", 's', 0},
    {"authorized_flush_users", PARAM_LIST, "static:anyone", 0, 0},
    {"authorized_mailq_users", PARAM_LIST, "static:anyone", 0, 0},
    {"authorized_submit_users", PARAM_LIST, "static:anyone", 0, 0},
    {"backwards_bounce_logfile_compatibility", PARAM_BOOL, "yes", 0, 0},
    {"berkeley_db_create_buffer_size", PARAM_SIZE, "16777216", 0, 0},
    {"berkeley_db_read_buffer_size", PARAM_SIZE, "131072", 0, 0},
    {"best_mx_transport", PARAM_STR, "", 0, 0},
    {"biff", PARAM_BOOL, "yes", 0, 0},
    {"body_checks", PARAM_LIST, "", 0, 0},
    {"body_checks_size_limit", PARAM_SIZE, "51200", 0, 0},
    {"bounce_notice_recipient", PARAM_STR, "postmaster", 0, 0},
    {"bounce_queue_lifetime", PARAM_TIME, "5d", 'd', 0},
    {"bounce_service_name", PARAM_STR, "bounce", 0, 0},
    {"bounce_size_limit", PARAM_SIZE, "50000", 0, 0},
    {"bounce_template_file", PARAM_STR, "", 0, 0},
    {"broken_sasl_auth_clients", PARAM_BOOL, "no", 0, 0},
    {"canonical_classes", PARAM_LIST,
	"envelope_sender, envelope_recipient, header_sender, header_recipient",
	0, 0},
    {"canonical_maps", PARAM_LIST, "", 0, 0},
    {"cleanup_replace_stray_cr_lf", PARAM_BOOL, "yes", 0, 0},
    {"cleanup_service_name", PARAM_STR, "cleanup", 0, 0},
    {"command_directory", PARAM_STR, SLUICE_PREFIX "/sbin", 0, 0},
    {"command_execution_directory", PARAM_STR, "", 0, 0},
    {"command_expansion_filter", PARAM_STR,
	"1234567890!@%-_=+:,./"
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
	0, 0},
    {"command_time_limit", PARAM_TIME, "1000s", 's', 0},
    {"compatibility_level", PARAM_STR, "0", 0, 0},
    {"config_directory", PARAM_STR, SLUICE_PREFIX "/etc/sluice", 0, 0},
    {"confirm_delay_cleared", PARAM_BOOL, "no", 0, 0},
    {"connection_cache_protocol_timeout", PARAM_TIME, "5s", 's', 0},
    {"connection_cache_service_name", PARAM_STR, "scache", 0, 0},
    {"connection_cache_status_update_time", PARAM_TIME, "600s", 's', 0},
    {"connection_cache_ttl_limit", PARAM_TIME, "2s", 's', 0},
    {"content_filter", PARAM_STR, "", 0, 0},
    {"cyrus_sasl_config_path", PARAM_STR, "", 0, 0},
    {"daemon_directory", PARAM_STR, SLUICE_PREFIX "/libexec/sluice", 0, 0},
    {"daemon_table_open_error_is_fatal", PARAM_BOOL, "no", 0, 0},
    {"daemon_timeout", PARAM_TIME, "18000s", 's', 1},
    {"data_directory", PARAM_STR, "/var/lib/sluice", 0, 0},
    {"debug_peer_level", PARAM_INT, "2", 0, 0},
    {"debug_peer_list", PARAM_LIST, "", 0, 0},
    {"debugger_command", PARAM_STR, "", 0, 0},
    {"default_database_type", PARAM_STR, "hash", 0, 0},
    {"default_delivery_slot_cost", PARAM_INT, "5", 0, 0},
    {"default_delivery_slot_discount", PARAM_INT, "50", 0, 0},
    {"default_delivery_slot_loan", PARAM_INT, "3", 0, 0},
    {"default_delivery_status_filter", PARAM_STR, "", 0, 0},
    {"default_destination_concurrency_failed_cohort_limit", PARAM_INT, "1", 0,
	0},
    {"default_destination_concurrency_limit", PARAM_INT, "20", 0, 0},
    {"default_destination_concurrency_negative_feedback", PARAM_INT, "1", 0, 0},
    {"default_destination_concurrency_positive_feedback", PARAM_INT, "1", 0, 0},
    {"default_destination_rate_delay", PARAM_TIME, "0s", 's', 0},
    {"default_destination_recipient_limit", PARAM_INT, "50", 0, 0},
    {"default_extra_recipient_limit", PARAM_INT, "1000", 0, 0},
    {"default_filter_nexthop", PARAM_STR, "", 0, 0},
    {"default_minimum_delivery_slots", PARAM_INT, "3", 0, 0},
    {"default_privs", PARAM_STR, "nobody", 0, 0},
    {"default_process_limit", PARAM_INT, "100", 0, 1},
    {"default_rbl_reply", PARAM_STR,
	"$rbl_code Service unavailable; $rbl_class [$rbl_what] blocked using "
	"$rbl_domain${rbl_reason?; $rbl_reason}",
	0, 0},
    {"default_recipient_limit", PARAM_INT, "20000", 0, 0},
    {"default_recipient_refill_delay", PARAM_TIME, "5s", 's', 0},
    {"default_recipient_refill_limit", PARAM_INT, "100", 0, 0},
    {"default_transport", PARAM_STR, "smtp", 0, 0},
    {"default_transport_rate_delay", PARAM_TIME, "0s", 's', 0},
    {"default_verp_delimiters", PARAM_STR, "+=", 0, 0},
    {"defer_code", PARAM_INT, "450", 0, 0},
    {"defer_service_name", PARAM_STR, "defer", 0, 0},
    {"defer_transports", PARAM_LIST, "", 0, 0},
    {"delay_logging_resolution_limit", PARAM_INT, "2", 0, 0},
    {"delay_notice_recipient", PARAM_STR, "postmaster", 0, 0},
    {"delay_warning_time", PARAM_TIME, "0h", 'h', 0},
    {"deliver_lock_attempts", PARAM_INT, "20", 0, 0},
    {"deliver_lock_delay", PARAM_TIME, "1s", 's', 0},
    {"destination_concurrency_feedback_debug", PARAM_BOOL, "no", 0, 0},
    {"detect_8bit_encoding_header", PARAM_BOOL, "yes", 0, 0},
    {"disable_dns_lookups", PARAM_BOOL, "no", 0, 0},
    {"disable_mime_input_processing", PARAM_BOOL, "no", 0, 0},
    {"disable_mime_output_conversion", PARAM_BOOL, "no", 0, 0},
    {"disable_verp_bounces", PARAM_BOOL, "no", 0, 0},
    {"disable_vrfy_command", PARAM_BOOL, "no", 0, 0},
    {"dns_ncache_ttl_fix_enable", PARAM_BOOL, "no", 0, 0},
    {"dns_servers", PARAM_LIST, "", 0, 0},
    {"dnsblog_reply_delay", PARAM_TIME, "0s", 's', 0},
    {"dnsblog_service_name", PARAM_STR, "dnsblog", 0, 0},
    {"dnssec_probe", PARAM_STR, "ns:.", 0, 0},
    {"dont_remove", PARAM_INT, "0", 0, 0},
    {"double_bounce_sender", PARAM_STR, "double-bounce", 0, 0},
    {"duplicate_filter_limit", PARAM_INT, "1000", 0, 1},
    {"empty_address_default_transport_maps_lookup_key", PARAM_STR, "<>", 0, 0},
    {"empty_address_local_login_sender_maps_lookup_key", PARAM_STR, "<>", 0, 0},
    {"empty_address_recipient", PARAM_STR, "MAILER-DAEMON", 0, 0},
    {"empty_address_relayhost_maps_lookup_key", PARAM_STR, "<>", 0, 0},
    {"enable_idna2003_compatibility", PARAM_BOOL, "no", 0, 0},
    {"enable_long_queue_ids", PARAM_BOOL, "no", 0, 0},
    {"enable_original_recipient", PARAM_BOOL, "yes", 0, 0},
    {"enable_threaded_bounces", PARAM_BOOL, "no", 0, 0},
    {"error_delivery_slot_cost", PARAM_INT, "$default_delivery_slot_cost", 0,
	0},
    {"error_delivery_slot_discount", PARAM_INT,
	"$default_delivery_slot_discount", 0, 0},
    {"error_delivery_slot_loan", PARAM_INT, "$default_delivery_slot_loan", 0,
	0},
    {"error_destination_concurrency_failed_cohort_limit", PARAM_INT,
	"$default_destination_concurrency_failed_cohort_limit", 0, 0},
    {"error_destination_concurrency_limit", PARAM_INT,
	"$default_destination_concurrency_limit", 0, 0},
    {"error_destination_concurrency_negative_feedback", PARAM_INT,
	"$default_destination_concurrency_negative_feedback", 0, 0},
    {"error_destination_concurrency_positive_feedback", PARAM_INT,
	"$default_destination_concurrency_positive_feedback", 0, 0},
    {"error_destination_rate_delay", PARAM_TIME,
	"$default_destination_rate_delay", 's', 0},
    {"error_destination_recipient_limit", PARAM_INT,
	"$default_destination_recipient_limit", 0, 0},
    {"error_extra_recipient_limit", PARAM_INT, "$default_extra_recipient_limit",
	0, 0},
    {"error_initial_destination_concurrency", PARAM_INT,
	"$initial_destination_concurrency", 0, 0},
    {"error_minimum_delivery_slots", PARAM_INT,
	"$default_minimum_delivery_slots", 0, 0},
    {"error_notice_recipient", PARAM_STR, "postmaster", 0, 0},
    {"error_recipient_limit", PARAM_INT, "$default_recipient_limit", 0, 0},
    {"error_recipient_refill_delay", PARAM_TIME,
	"$default_recipient_refill_delay", 's', 0},
    {"error_recipient_refill_limit", PARAM_INT,
	"$default_recipient_refill_limit", 0, 0},
    {"error_service_name", PARAM_STR, "error", 0, 0},
    {"error_transport_rate_delay", PARAM_TIME, "$default_transport_rate_delay",
	's', 0},
    {"execution_directory_expansion_filter", PARAM_STR,
	"1234567890!@%-_=+:,./"
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
	0, 0},
    {"expand_owner_alias", PARAM_BOOL, "no", 0, 0},
    {"export_environment", PARAM_LIST, "TZ MAIL_CONFIG LANG", 0, 0},
    {"fallback_relay", PARAM_STR, "", 0, 0},
    {"fallback_transport", PARAM_STR, "", 0, 0},
    {"fallback_transport_maps", PARAM_LIST, "", 0, 0},
    {"fast_flush_domains", PARAM_LIST, "$relay_domains", 0, 0},
    {"fast_flush_purge_time", PARAM_TIME, "7d", 'd', 1},
    {"fast_flush_refresh_time", PARAM_TIME, "12h", 'h', 1},
    {"fault_injection_code", PARAM_INT, "0", 0, 0},
    {"flush_service_name", PARAM_STR, "flush", 0, 0},
    {"fork_attempts", PARAM_INT, "5", 0, 0},
    {"fork_delay", PARAM_TIME, "1s", 's', 0},
    {"forward_expansion_filter", PARAM_STR,
	"1234567890!@%-_=+:,./"
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
	0, 0},
    {"forward_path", PARAM_LIST,
	"$home/.forward${recipient_delimiter}${extension}, $home/.forward", 0,
	0},
    {"frozen_delivered_to", PARAM_BOOL, "yes", 0, 0},
    {"hash_queue_depth", PARAM_INT, "1", 0, 1},
    {"hash_queue_names", PARAM_LIST, "deferred, defer", 0, 0},
    {"header_address_token_limit", PARAM_INT, "10240", 0, 0},
    {"header_checks", PARAM_LIST, "", 0, 0},
    {"header_from_format", PARAM_STR, "standard", 0, 0},
    {"header_size_limit", PARAM_SIZE, "102400", 0, 1},
    {"helpful_warnings", PARAM_BOOL, "yes", 0, 0},
    {"home_mailbox", PARAM_STR, "", 0, 0},
    {"hopcount_limit", PARAM_INT, "50", 0, 1},
    {"html_directory", PARAM_STR, SLUICE_PREFIX "/share/doc/sluice/html", 0, 0},
    {"ignore_mx_lookup_error", PARAM_BOOL, "no", 0, 0},
    {"import_environment", PARAM_LIST,
	"MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ XAUTHORITY DISPLAY LANG=C "
	"POSTLOG_SERVICE POSTLOG_HOSTNAME",
	0, 0},
    {"in_flow_delay", PARAM_TIME, "1s", 's', 0},
    {"inet_interfaces", PARAM_LIST, "all", 0, 0},
    {"inet_protocols", PARAM_LIST, "all", 0, 0},
    {"info_log_address_format", PARAM_STR, "external", 0, 0},
    {"initial_destination_concurrency", PARAM_INT, "5", 0, 1},
    {"internal_mail_filter_classes", PARAM_LIST, "", 0, 0},
    {"invalid_hostname_reject_code", PARAM_INT, "501", 0, 0},
    {"ipc_idle", PARAM_TIME, "5s", 's', 0},
    {"ipc_timeout", PARAM_TIME, "3600s", 's', 1},
    {"ipc_ttl", PARAM_TIME, "1000s", 's', 0},
    {"known_tcp_ports", PARAM_LIST,
	"lmtp=24, smtp=25, smtps=submissions=465, submission=587", 0, 0},
    {"line_length_limit", PARAM_INT, "2048", 0, 1},
    {"lmdb_map_size", PARAM_SIZE, "16777216", 0, 0},
    {"lmtp_address_preference", PARAM_STR, "any", 0, 0},
    {"lmtp_address_verify_target", PARAM_STR, "rcpt", 0, 0},
    {"lmtp_assume_final", PARAM_BOOL, "no", 0, 0},
    {"lmtp_balance_inet_protocols", PARAM_BOOL, "yes", 0, 0},
    {"lmtp_bind_address", PARAM_STR, "", 0, 0},
    {"lmtp_bind_address6", PARAM_STR, "", 0, 0},
    {"lmtp_bind_address_enforce", PARAM_BOOL, "no", 0, 0},
    {"lmtp_body_checks", PARAM_LIST, "", 0, 0},
    {"lmtp_cname_overrides_servername", PARAM_BOOL, "no", 0, 0},
    {"lmtp_connect_timeout", PARAM_TIME, "0s", 's', 0},
    {"lmtp_connection_cache_destinations", PARAM_STR, "", 0, 0},
    {"lmtp_connection_cache_on_demand", PARAM_BOOL, "yes", 0, 0},
    {"lmtp_connection_cache_time_limit", PARAM_TIME, "2s", 's', 0},
    {"lmtp_connection_reuse_count_limit", PARAM_INT, "0", 0, 0},
    {"lmtp_connection_reuse_time_limit", PARAM_TIME, "300s", 's', 0},
    {"lmtp_data_done_timeout", PARAM_TIME, "600s", 's', 0},
    {"lmtp_data_init_timeout", PARAM_TIME, "120s", 's', 0},
    {"lmtp_data_xfer_timeout", PARAM_TIME, "180s", 's', 0},
    {"lmtp_defer_if_no_mx_address_found", PARAM_BOOL, "no", 0, 0},
    {"lmtp_delivery_status_filter", PARAM_STR,
	"$default_delivery_status_filter", 0, 0},
    {"lmtp_discard_lhlo_keyword_address_maps", PARAM_LIST, "", 0, 0},
    {"lmtp_discard_lhlo_keywords", PARAM_LIST, "", 0, 0},
    {"lmtp_dns_reply_filter", PARAM_STR, "", 0, 0},
    {"lmtp_dns_resolver_options", PARAM_STR, "", 0, 0},
    {"lmtp_dns_support_level", PARAM_STR, "", 0, 0},
    {"lmtp_enforce_tls", PARAM_BOOL, "no", 0, 0},
    {"lmtp_fallback_relay", PARAM_STR, "", 0, 0},
    {"lmtp_generic_maps", PARAM_LIST, "", 0, 0},
    {"lmtp_header_checks", PARAM_LIST, "", 0, 0},
    {"lmtp_host_lookup", PARAM_STR, "dns", 0, 0},
    {"lmtp_lhlo_name", PARAM_STR, "$myhostname", 0, 0},
    {"lmtp_lhlo_timeout", PARAM_TIME, "300s", 's', 0},
    {"lmtp_line_length_limit", PARAM_INT, "998", 0, 0},
    {"lmtp_mail_timeout", PARAM_TIME, "300s", 's', 0},
    {"lmtp_mime_header_checks", PARAM_LIST, "", 0, 0},
    {"lmtp_min_data_rate", PARAM_INT, "500", 0, 0},
    {"lmtp_mx_address_limit", PARAM_INT, "5", 0, 0},
    {"lmtp_mx_session_limit", PARAM_INT, "2", 0, 0},
    {"lmtp_nested_header_checks", PARAM_LIST, "", 0, 0},
    {"lmtp_per_request_deadline", PARAM_BOOL,
	"${lmtp_per_record_deadline?{$lmtp_per_record_deadline}:{no}}", 0, 0},
    {"lmtp_pix_workaround_delay_time", PARAM_TIME, "10s", 's', 0},
    {"lmtp_pix_workaround_maps", PARAM_LIST, "", 0, 0},
    {"lmtp_pix_workaround_threshold_time", PARAM_TIME, "500s", 's', 0},
    {"lmtp_pix_workarounds", PARAM_STR, "disable_esmtp,delay_dotcrlf", 0, 0},
    {"lmtp_quit_timeout", PARAM_TIME, "300s", 's', 0},
    {"lmtp_quote_rfc821_envelope", PARAM_BOOL, "yes", 0, 0},
    {"lmtp_randomize_addresses", PARAM_BOOL, "yes", 0, 0},
    {"lmtp_rcpt_timeout", PARAM_TIME, "300s", 's', 0},
    {"lmtp_reply_filter", PARAM_STR, "", 0, 0},
    {"lmtp_rset_timeout", PARAM_TIME, "20s", 's', 0},
    {"lmtp_sasl_auth_cache_name", PARAM_STR, "", 0, 0},
    {"lmtp_sasl_auth_cache_time", PARAM_TIME, "90d", 'd', 0},
    {"lmtp_sasl_auth_enable", PARAM_BOOL, "no", 0, 0},
    {"lmtp_sasl_auth_soft_bounce", PARAM_BOOL, "yes", 0, 0},
    {"lmtp_sasl_mechanism_filter", PARAM_STR, "", 0, 0},
    {"lmtp_sasl_password_maps", PARAM_LIST, "", 0, 0},
    {"lmtp_sasl_path", PARAM_STR, "", 0, 0},
    {"lmtp_sasl_security_options", PARAM_LIST, "noplaintext, noanonymous", 0,
	0},
    {"lmtp_sasl_tls_security_options", PARAM_LIST,
	"$lmtp_sasl_security_options", 0, 0},
    {"lmtp_sasl_tls_verified_security_options", PARAM_LIST,
	"$lmtp_sasl_tls_security_options", 0, 0},
    {"lmtp_sasl_type", PARAM_STR, "cyrus", 0, 0},
    {"lmtp_send_dummy_mail_auth", PARAM_BOOL, "no", 0, 0},
    {"lmtp_send_xforward_command", PARAM_BOOL, "no", 0, 0},
    {"lmtp_sender_dependent_authentication", PARAM_BOOL, "no", 0, 0},
    {"lmtp_skip_5xx_greeting", PARAM_BOOL, "yes", 0, 0},
    {"lmtp_skip_quit_response", PARAM_BOOL, "no", 0, 0},
    {"lmtp_starttls_timeout", PARAM_TIME, "300s", 's', 0},
    {"lmtp_tcp_port", PARAM_STR, "24", 0, 0},
    {"lmtp_tls_CAfile", PARAM_STR, "", 0, 0},
    {"lmtp_tls_CApath", PARAM_STR, "", 0, 0},
    {"lmtp_tls_block_early_mail_reply", PARAM_BOOL, "no", 0, 0},
    {"lmtp_tls_cert_file", PARAM_STR, "", 0, 0},
    {"lmtp_tls_chain_files", PARAM_STR, "", 0, 0},
    {"lmtp_tls_ciphers", PARAM_STR, "medium", 0, 0},
    {"lmtp_tls_connection_reuse", PARAM_BOOL, "no", 0, 0},
    {"lmtp_tls_dcert_file", PARAM_STR, "", 0, 0},
    {"lmtp_tls_dkey_file", PARAM_STR, "$lmtp_tls_dcert_file", 0, 0},
    {"lmtp_tls_eccert_file", PARAM_STR, "", 0, 0},
    {"lmtp_tls_eckey_file", PARAM_STR, "$lmtp_tls_eccert_file", 0, 0},
    {"lmtp_tls_enforce_peername", PARAM_BOOL, "yes", 0, 0},
    {"lmtp_tls_exclude_ciphers", PARAM_STR, "", 0, 0},
    {"lmtp_tls_fingerprint_cert_match", PARAM_STR, "", 0, 0},
    {"lmtp_tls_fingerprint_digest", PARAM_STR,
	"${{$compatibility_level} <level {3.6} ? {md5} : {sha256}}", 0, 0},
    {"lmtp_tls_force_insecure_host_tlsa_lookup", PARAM_BOOL, "no", 0, 0},
    {"lmtp_tls_key_file", PARAM_STR, "$lmtp_tls_cert_file", 0, 0},
    {"lmtp_tls_loglevel", PARAM_INT, "0", 0, 0},
    {"lmtp_tls_mandatory_ciphers", PARAM_STR, "medium", 0, 0},
    {"lmtp_tls_mandatory_exclude_ciphers", PARAM_STR, "", 0, 0},
    {"lmtp_tls_mandatory_protocols", PARAM_LIST, ">=TLSv1", 0, 0},
    {"lmtp_tls_note_starttls_offer", PARAM_BOOL, "no", 0, 0},
    {"lmtp_tls_per_site", PARAM_STR, "", 0, 0},
    {"lmtp_tls_policy_maps", PARAM_LIST, "", 0, 0},
    {"lmtp_tls_protocols", PARAM_LIST, ">=TLSv1", 0, 0},
    {"lmtp_tls_scert_verifydepth", PARAM_INT, "9", 0, 0},
    {"lmtp_tls_secure_cert_match", PARAM_STR, "nexthop", 0, 0},
    {"lmtp_tls_security_level", PARAM_STR, "", 0, 0},
    {"lmtp_tls_servername", PARAM_STR, "", 0, 0},
    {"lmtp_tls_session_cache_database", PARAM_STR, "", 0, 0},
    {"lmtp_tls_session_cache_timeout", PARAM_TIME, "3600s", 's', 0},
    {"lmtp_tls_trust_anchor_file", PARAM_STR, "", 0, 0},
    {"lmtp_tls_verify_cert_match", PARAM_STR, "hostname", 0, 0},
    {"lmtp_tls_wrappermode", PARAM_BOOL, "no", 0, 0},
    {"lmtp_use_tls", PARAM_BOOL, "no", 0, 0},
    {"lmtp_xforward_timeout", PARAM_TIME, "300s", 's', 0},
    {"local_command_shell", PARAM_STR, "", 0, 0},
    {"local_delivery_status_filter", PARAM_STR,
	"$default_delivery_status_filter", 0, 0},
    {"local_destination_concurrency_limit", PARAM_INT, "2", 0, 0},
    {"local_destination_recipient_limit", PARAM_INT, "1", 0, 0},
    {"local_header_rewrite_clients", PARAM_STR, "permit_inet_interfaces", 0, 0},
    {"local_login_sender_maps", PARAM_LIST, "static:*", 0, 0},
    {"local_recipient_maps", PARAM_LIST, "proxy:unix:passwd.byname $alias_maps",
	0, 0},
    {"local_transport", PARAM_STR, "local:$myhostname", 0, 0},
    {"luser_relay", PARAM_STR, "", 0, 0},
    {"mail_name", PARAM_STR, "sluice", 0, 0},
    {"mail_owner", PARAM_STR, "sluice", 0, 0},
    {"mail_release_date", PARAM_STR, "20240304", 0, 0},
    {"mail_spool_directory", PARAM_STR, "/var/mail", 0, 0},
    {"mail_version", PARAM_STR, SLUICE_VERSION, 0, 0},
    {"mailbox_command", PARAM_STR, "", 0, 0},
    {"mailbox_command_maps", PARAM_LIST, "", 0, 0},
    {"mailbox_delivery_lock", PARAM_LIST, "fcntl, dotlock", 0, 0},
    {"mailbox_size_limit", PARAM_SIZE, "51200000", 0, 0},
    {"mailbox_transport", PARAM_STR, "", 0, 0},
    {"mailbox_transport_maps", PARAM_LIST, "", 0, 0},
    {"maillog_file", PARAM_STR, "", 0, 0},
    {"maillog_file_compressor", PARAM_STR, "gzip", 0, 0},
    {"maillog_file_permissions", PARAM_STR, "0600", 0, 0},
    {"maillog_file_prefixes", PARAM_LIST, "/var, /dev/stdout", 0, 0},
    {"maillog_file_rotate_suffix", PARAM_STR, "%Y%m%d-%H%M%S", 0, 0},
    {"mailq_path", PARAM_STR, SLUICE_PREFIX "/sbin/mailq", 0, 0},
    {"manpage_directory", PARAM_STR, SLUICE_PREFIX "/share/man", 0, 0},
    {"maps_rbl_domains", PARAM_LIST, "", 0, 0},
    {"maps_rbl_reject_code", PARAM_INT, "554", 0, 0},
    {"masquerade_classes", PARAM_LIST,
	"envelope_sender, header_sender, header_recipient", 0, 0},
    {"masquerade_domains", PARAM_LIST, "", 0, 0},
    {"masquerade_exceptions", PARAM_STR, "", 0, 0},
    {"master_service_disable", PARAM_LIST, "", 0, 0},
    {"max_idle", PARAM_TIME, "100s", 's', 1},
    {"max_use", PARAM_INT, "100", 0, 1},
    {"maximal_backoff_time", PARAM_TIME, "4000s", 's', 1},
    {"maximal_queue_lifetime", PARAM_TIME, "5d", 'd', 0},
    {"message_drop_headers", PARAM_LIST,
	"bcc, content-length, resent-bcc, return-path", 0, 0},
    {"message_reject_characters", PARAM_STR, "", 0, 0},
    {"message_size_limit", PARAM_SIZE, "10240000", 0, 0},
    {"message_strip_characters", PARAM_STR, "", 0, 0},
    {"meta_directory", PARAM_STR, SLUICE_PREFIX "/etc/sluice", 0, 0},
    {"milter_command_timeout", PARAM_TIME, "30s", 's', 0},
    {"milter_connect_macros", PARAM_STR, "j {daemon_name} {daemon_addr} v _", 0,
	0},
    {"milter_connect_timeout", PARAM_TIME, "30s", 's', 0},
    {"milter_content_timeout", PARAM_TIME, "300s", 's', 0},
    {"milter_data_macros", PARAM_STR, "i", 0, 0},
    {"milter_default_action", PARAM_STR, "tempfail", 0, 0},
    {"milter_end_of_data_macros", PARAM_STR, "i", 0, 0},
    {"milter_end_of_header_macros", PARAM_STR, "i", 0, 0},
    {"milter_header_checks", PARAM_LIST, "", 0, 0},
    {"milter_helo_macros", PARAM_STR,
	"{tls_version} {cipher} {cipher_bits} {cert_subject} {cert_issuer}", 0,
	0},
    {"milter_macro_daemon_name", PARAM_STR, "$myhostname", 0, 0},
    {"milter_macro_defaults", PARAM_STR, "", 0, 0},
    {"milter_macro_v", PARAM_STR, "$mail_name $mail_version", 0, 0},
    {"milter_mail_macros", PARAM_STR,
	"i {auth_type} {auth_authen} {auth_author} {mail_addr} {mail_host} "
	"{mail_mailer}",
	0, 0},
    {"milter_protocol", PARAM_STR, "6", 0, 0},
    {"milter_rcpt_macros", PARAM_STR, "i {rcpt_addr} {rcpt_host} {rcpt_mailer}",
	0, 0},
    {"milter_unknown_command_macros", PARAM_STR, "", 0, 0},
    {"mime_boundary_length_limit", PARAM_INT, "2048", 0, 0},
    {"mime_header_checks", PARAM_LIST, "$header_checks", 0, 0},
    {"mime_nesting_limit", PARAM_INT, "100", 0, 0},
    {"minimal_backoff_time", PARAM_TIME, "300s", 's', 1},
    {"multi_instance_directories", PARAM_LIST, "", 0, 0},
    {"multi_instance_enable", PARAM_BOOL, "no", 0, 0},
    {"multi_instance_group", PARAM_STR, "", 0, 0},
    {"multi_instance_name", PARAM_STR, "", 0, 0},
    {"multi_instance_wrapper", PARAM_STR, "", 0, 0},
    {"multi_recipient_bounce_reject_code", PARAM_INT, "550", 0, 0},
    {"mydestination", PARAM_LIST, "$myhostname, localhost.$mydomain, localhost",
	0, 0},
    {"mydomain", PARAM_STR, NULL, 0, 0},
    {"myhostname", PARAM_STR, NULL, 0, 0},
    {"mynetworks", PARAM_LIST, "127.0.0.0/8 [::1]/128", 0, 0},
    {"mynetworks_style", PARAM_STR,
	"${{$compatibility_level} <level {2} ? {subnet} : {host}}", 0, 0},
    {"myorigin", PARAM_STR, "$myhostname", 0, 0},
    {"nested_header_checks", PARAM_LIST, "$header_checks", 0, 0},
    {"newaliases_path", PARAM_STR, SLUICE_PREFIX "/sbin/newaliases", 0, 0},
    {"non_fqdn_reject_code", PARAM_INT, "504", 0, 0},
    {"non_smtpd_milters", PARAM_STR, "", 0, 0},
    {"notify_classes", PARAM_LIST, "resource, software", 0, 0},
    {"openssl_path", PARAM_STR, "openssl", 0, 0},
    {"owner_request_special", PARAM_BOOL, "yes", 0, 0},
    {"parent_domain_matches_subdomains", PARAM_STR,
	"debug_peer_list,fast_flush_domains,mynetworks,permit_mx_backup_"
	"networks,qmqpd_authorized_clients,relay_domains,smtpd_access_maps",
	0, 0},
    {"permit_mx_backup_networks", PARAM_LIST, "", 0, 0},
    {"pickup_service_name", PARAM_STR, "pickup", 0, 0},
    {"pipe_delivery_status_filter", PARAM_STR,
	"$default_delivery_status_filter", 0, 0},
    {"plaintext_reject_code", PARAM_INT, "450", 0, 0},
    {"postlog_service_name", PARAM_STR, "postlog", 0, 0},
    {"postlogd_watchdog_timeout", PARAM_TIME, "10s", 's', 0},
    {"postmulti_control_commands", PARAM_LIST, "reload flush", 0, 0},
    {"postmulti_start_commands", PARAM_LIST, "start", 0, 0},
    {"postmulti_stop_commands", PARAM_LIST, "stop abort drain quick-stop", 0,
	0},
    {"postscreen_access_list", PARAM_LIST, "permit_mynetworks", 0, 0},
    {"postscreen_allowlist_interfaces", PARAM_LIST,
	"${postscreen_whitelist_interfaces?{$postscreen_whitelist_interfaces}:{"
	"static:all}}",
	0, 0},
    {"postscreen_bare_newline_action", PARAM_STR, "ignore", 0, 0},
    {"postscreen_bare_newline_enable", PARAM_BOOL, "no", 0, 0},
    {"postscreen_bare_newline_ttl", PARAM_TIME, "30d", 'd', 0},
    {"postscreen_cache_cleanup_interval", PARAM_TIME, "12h", 'h', 0},
    {"postscreen_cache_map", PARAM_STR,
	"btree:$data_directory/postscreen_cache", 0, 0},
    {"postscreen_cache_retention_time", PARAM_TIME, "7d", 'd', 0},
    {"postscreen_client_connection_count_limit", PARAM_INT,
	"$smtpd_client_connection_count_limit", 0, 0},
    {"postscreen_command_count_limit", PARAM_INT, "20", 0, 0},
    {"postscreen_command_filter", PARAM_STR, "", 0, 0},
    {"postscreen_command_time_limit", PARAM_TIME, "${stress?{10}:{300}}s", 's',
	0},
    {"postscreen_denylist_action", PARAM_STR,
	"${postscreen_blacklist_action?{$postscreen_blacklist_action}:{ignore}"
	"}",
	0, 0},
    {"postscreen_disable_vrfy_command", PARAM_BOOL, "$disable_vrfy_command", 0,
	0},
    {"postscreen_discard_ehlo_keyword_address_maps", PARAM_LIST,
	"$smtpd_discard_ehlo_keyword_address_maps", 0, 0},
    {"postscreen_discard_ehlo_keywords", PARAM_LIST,
	"$smtpd_discard_ehlo_keywords", 0, 0},
    {"postscreen_dnsbl_action", PARAM_STR, "ignore", 0, 0},
    {"postscreen_dnsbl_allowlist_threshold", PARAM_INT,
	"${postscreen_dnsbl_whitelist_threshold?{$postscreen_dnsbl_whitelist_"
	"threshold}:{0}}",
	0, 0},
    {"postscreen_dnsbl_max_ttl", PARAM_TIME,
	"${postscreen_dnsbl_ttl?{$postscreen_dnsbl_ttl}:{1}}h", 'h', 0},
    {"postscreen_dnsbl_min_ttl", PARAM_TIME, "60s", 's', 0},
    {"postscreen_dnsbl_reply_map", PARAM_STR, "", 0, 0},
    {"postscreen_dnsbl_sites", PARAM_STR, "", 0, 0},
    {"postscreen_dnsbl_threshold", PARAM_INT, "1", 0, 0},
    {"postscreen_dnsbl_timeout", PARAM_TIME, "10s", 's', 0},
    {"postscreen_enforce_tls", PARAM_BOOL, "$smtpd_enforce_tls", 0, 0},
    {"postscreen_expansion_filter", PARAM_STR, "$smtpd_expansion_filter", 0, 0},
    {"postscreen_forbidden_commands", PARAM_LIST, "$smtpd_forbidden_commands",
	0, 0},
    {"postscreen_greet_action", PARAM_STR, "ignore", 0, 0},
    {"postscreen_greet_banner", PARAM_STR, "$smtpd_banner", 0, 0},
    {"postscreen_greet_ttl", PARAM_TIME, "1d", 'd', 0},
    {"postscreen_greet_wait", PARAM_TIME, "${stress?{2}:{6}}s", 's', 0},
    {"postscreen_helo_required", PARAM_BOOL, "$smtpd_helo_required", 0, 0},
    {"postscreen_non_smtp_command_action", PARAM_STR, "drop", 0, 0},
    {"postscreen_non_smtp_command_enable", PARAM_BOOL, "no", 0, 0},
    {"postscreen_non_smtp_command_ttl", PARAM_TIME, "30d", 'd', 0},
    {"postscreen_pipelining_action", PARAM_STR, "enforce", 0, 0},
    {"postscreen_pipelining_enable", PARAM_BOOL, "no", 0, 0},
    {"postscreen_pipelining_ttl", PARAM_TIME, "30d", 'd', 0},
    {"postscreen_post_queue_limit", PARAM_INT, "$default_process_limit", 0, 0},
    {"postscreen_pre_queue_limit", PARAM_INT, "$default_process_limit", 0, 0},
    {"postscreen_reject_footer", PARAM_STR, "$smtpd_reject_footer", 0, 0},
    {"postscreen_reject_footer_maps", PARAM_LIST, "$smtpd_reject_footer_maps",
	0, 0},
    {"postscreen_tls_security_level", PARAM_STR, "$smtpd_tls_security_level", 0,
	0},
    {"postscreen_upstream_proxy_protocol", PARAM_STR, "", 0, 0},
    {"postscreen_upstream_proxy_timeout", PARAM_TIME, "5s", 's', 0},
    {"postscreen_use_tls", PARAM_BOOL, "$smtpd_use_tls", 0, 0},
    {"postscreen_watchdog_timeout", PARAM_TIME, "10s", 's', 0},
    {"prepend_delivered_header", PARAM_LIST, "command, file, forward", 0, 0},
    {"process_id", PARAM_STR, NULL, 0, 0},
    {"process_id_directory", PARAM_STR, "pid", 0, 0},
    {"process_name", PARAM_STR, "postconf", 0, 0},
    {"propagate_unmatched_extensions", PARAM_LIST, "canonical, virtual", 0, 0},
    {"proxy_interfaces", PARAM_LIST, "", 0, 0},
    {"proxy_read_maps", PARAM_LIST,
	"$local_recipient_maps $mydestination $virtual_alias_maps "
	"$virtual_alias_domains $virtual_mailbox_maps $virtual_mailbox_domains "
	"$relay_recipient_maps $relay_domains $canonical_maps "
	"$sender_canonical_maps $recipient_canonical_maps $relocated_maps "
	"$transport_maps $mynetworks $smtpd_sender_login_maps $sender_bcc_maps "
	"$recipient_bcc_maps $smtp_generic_maps $lmtp_generic_maps $alias_maps "
	"$smtpd_client_restrictions $smtpd_helo_restrictions "
	"$smtpd_sender_restrictions $smtpd_relay_restrictions "
	"$smtpd_recipient_restrictions "
	"$address_verify_sender_dependent_default_transport_maps "
	"$address_verify_sender_dependent_relayhost_maps "
	"$address_verify_transport_maps $fallback_transport_maps "
	"$lmtp_discard_lhlo_keyword_address_maps $lmtp_pix_workaround_maps "
	"$lmtp_sasl_password_maps $lmtp_tls_policy_maps $mailbox_command_maps "
	"$mailbox_transport_maps $postscreen_discard_ehlo_keyword_address_maps "
	"$rbl_reply_maps $sender_dependent_default_transport_maps "
	"$sender_dependent_relayhost_maps "
	"$smtp_discard_ehlo_keyword_address_maps $smtp_pix_workaround_maps "
	"$smtp_sasl_password_maps $smtp_tls_policy_maps "
	"$smtpd_discard_ehlo_keyword_address_maps $smtpd_milter_maps "
	"$virtual_gid_maps $virtual_uid_maps $local_login_sender_maps "
	"$postscreen_reject_footer_maps $smtpd_reject_footer_maps "
	"$tls_server_sni_maps $tlsproxy_client_policy_maps "
	"$default_delivery_status_filter $lmtp_delivery_status_filter "
	"$lmtp_dns_reply_filter $lmtp_reply_filter "
	"$local_delivery_status_filter $pipe_delivery_status_filter "
	"$postscreen_command_filter $smtp_delivery_status_filter "
	"$smtp_dns_reply_filter $smtp_reply_filter $smtpd_command_filter "
	"$smtpd_dns_reply_filter $virtual_delivery_status_filter $body_checks "
	"$header_checks $lmtp_body_checks $lmtp_header_checks "
	"$lmtp_mime_header_checks $lmtp_nested_header_checks "
	"$milter_header_checks $mime_header_checks $nested_header_checks "
	"$smtp_body_checks $smtp_header_checks $smtp_mime_header_checks "
	"$smtp_nested_header_checks",
	0, 0},
    {"proxy_write_maps", PARAM_LIST,
	"$smtp_sasl_auth_cache_name $lmtp_sasl_auth_cache_name "
	"$address_verify_map $postscreen_cache_map",
	0, 0},
    {"proxymap_service_name", PARAM_STR, "proxymap", 0, 0},
    {"proxywrite_service_name", PARAM_STR, "proxywrite", 0, 0},
    {"qmgr_clog_warn_time", PARAM_TIME, "300s", 's', 0},
    {"qmgr_daemon_timeout", PARAM_TIME, "1000s", 's', 0},
    {"qmgr_fudge_factor", PARAM_INT, "100", 0, 0},
    {"qmgr_ipc_timeout", PARAM_TIME, "60s", 's', 1},
    {"qmgr_message_active_limit", PARAM_INT, "20000", 0, 1},
    {"qmgr_message_recipient_limit", PARAM_INT, "20000", 0, 1},
    {"qmgr_message_recipient_minimum", PARAM_INT, "10", 0, 0},
    {"qmqpd_authorized_clients", PARAM_STR, "", 0, 0},
    {"qmqpd_client_port_logging", PARAM_BOOL, "no", 0, 0},
    {"qmqpd_error_delay", PARAM_TIME, "1s", 's', 0},
    {"qmqpd_timeout", PARAM_TIME, "300s", 's', 0},
    {"queue_directory", PARAM_STR, "/var/spool/sluice", 0, 0},
    {"queue_file_attribute_count_limit", PARAM_INT, "100", 0, 0},
    {"queue_minfree", PARAM_SIZE, "0", 0, 0},
    {"queue_run_delay", PARAM_TIME, "300s", 's', 1},
    {"queue_service_name", PARAM_STR, "qmgr", 0, 0},
    {"rbl_reply_maps", PARAM_LIST, "", 0, 0},
    {"readme_directory", PARAM_STR, SLUICE_PREFIX "/share/doc/sluice", 0, 0},
    {"receive_override_options", PARAM_STR, "", 0, 0},
    {"recipient_bcc_maps", PARAM_LIST, "", 0, 0},
    {"recipient_canonical_classes", PARAM_LIST,
	"envelope_recipient, header_recipient", 0, 0},
    {"recipient_canonical_maps", PARAM_LIST, "", 0, 0},
    {"recipient_delimiter", PARAM_STR, "", 0, 0},
    {"reject_code", PARAM_INT, "554", 0, 0},
    {"reject_tempfail_action", PARAM_STR, "defer_if_permit", 0, 0},
    {"relay_clientcerts", PARAM_STR, "", 0, 0},
    {"relay_delivery_slot_cost", PARAM_INT, "$default_delivery_slot_cost", 0,
	0},
    {"relay_delivery_slot_discount", PARAM_INT,
	"$default_delivery_slot_discount", 0, 0},
    {"relay_delivery_slot_loan", PARAM_INT, "$default_delivery_slot_loan", 0,
	0},
    {"relay_destination_concurrency_failed_cohort_limit", PARAM_INT,
	"$default_destination_concurrency_failed_cohort_limit", 0, 0},
    {"relay_destination_concurrency_limit", PARAM_INT,
	"$default_destination_concurrency_limit", 0, 0},
    {"relay_destination_concurrency_negative_feedback", PARAM_INT,
	"$default_destination_concurrency_negative_feedback", 0, 0},
    {"relay_destination_concurrency_positive_feedback", PARAM_INT,
	"$default_destination_concurrency_positive_feedback", 0, 0},
    {"relay_destination_rate_delay", PARAM_TIME,
	"$default_destination_rate_delay", 's', 0},
    {"relay_destination_recipient_limit", PARAM_INT,
	"$default_destination_recipient_limit", 0, 0},
    {"relay_domains", PARAM_LIST,
	"${{$compatibility_level} <level {2} ? {$mydestination} : {}}", 0, 0},
    {"relay_domains_reject_code", PARAM_INT, "554", 0, 0},
    {"relay_extra_recipient_limit", PARAM_INT, "$default_extra_recipient_limit",
	0, 0},
    {"relay_initial_destination_concurrency", PARAM_INT,
	"$initial_destination_concurrency", 0, 0},
    {"relay_minimum_delivery_slots", PARAM_INT,
	"$default_minimum_delivery_slots", 0, 0},
    {"relay_recipient_limit", PARAM_INT, "$default_recipient_limit", 0, 0},
    {"relay_recipient_maps", PARAM_LIST, "", 0, 0},
    {"relay_recipient_refill_delay", PARAM_TIME,
	"$default_recipient_refill_delay", 's', 0},
    {"relay_recipient_refill_limit", PARAM_INT,
	"$default_recipient_refill_limit", 0, 0},
    {"relay_transport", PARAM_STR, "relay", 0, 0},
    {"relay_transport_rate_delay", PARAM_TIME, "$default_transport_rate_delay",
	's', 0},
    {"relayhost", PARAM_STR, "", 0, 0},
    {"relocated_maps", PARAM_LIST, "", 0, 0},
    {"remote_header_rewrite_domain", PARAM_STR, "", 0, 0},
    {"require_home_directory", PARAM_BOOL, "no", 0, 0},
    {"reset_owner_alias", PARAM_BOOL, "no", 0, 0},
    {"resolve_dequoted_address", PARAM_BOOL, "yes", 0, 0},
    {"resolve_null_domain", PARAM_BOOL, "no", 0, 0},
    {"resolve_numeric_domain", PARAM_BOOL, "no", 0, 0},
    {"respectful_logging", PARAM_BOOL,
	"${{$compatibility_level} <level {3.6} ? {no} : {yes}}", 0, 0},
    {"retry_delivery_slot_cost", PARAM_INT, "$default_delivery_slot_cost", 0,
	0},
    {"retry_delivery_slot_discount", PARAM_INT,
	"$default_delivery_slot_discount", 0, 0},
    {"retry_delivery_slot_loan", PARAM_INT, "$default_delivery_slot_loan", 0,
	0},
    {"retry_destination_concurrency_failed_cohort_limit", PARAM_INT,
	"$default_destination_concurrency_failed_cohort_limit", 0, 0},
    {"retry_destination_concurrency_limit", PARAM_INT,
	"$default_destination_concurrency_limit", 0, 0},
    {"retry_destination_concurrency_negative_feedback", PARAM_INT,
	"$default_destination_concurrency_negative_feedback", 0, 0},
    {"retry_destination_concurrency_positive_feedback", PARAM_INT,
	"$default_destination_concurrency_positive_feedback", 0, 0},
    {"retry_destination_rate_delay", PARAM_TIME,
	"$default_destination_rate_delay", 's', 0},
    {"retry_destination_recipient_limit", PARAM_INT,
	"$default_destination_recipient_limit", 0, 0},
    {"retry_extra_recipient_limit", PARAM_INT, "$default_extra_recipient_limit",
	0, 0},
    {"retry_initial_destination_concurrency", PARAM_INT,
	"$initial_destination_concurrency", 0, 0},
    {"retry_minimum_delivery_slots", PARAM_INT,
	"$default_minimum_delivery_slots", 0, 0},
    {"retry_recipient_limit", PARAM_INT, "$default_recipient_limit", 0, 0},
    {"retry_recipient_refill_delay", PARAM_TIME,
	"$default_recipient_refill_delay", 's', 0},
    {"retry_recipient_refill_limit", PARAM_INT,
	"$default_recipient_refill_limit", 0, 0},
    {"retry_transport_rate_delay", PARAM_TIME, "$default_transport_rate_delay",
	's', 0},
    {"rewrite_service_name", PARAM_STR, "rewrite", 0, 0},
    {"sample_directory", PARAM_STR, SLUICE_PREFIX "/etc/sluice", 0, 0},
    {"send_cyrus_sasl_authzid", PARAM_BOOL, "no", 0, 0},
    {"sender_bcc_maps", PARAM_LIST, "", 0, 0},
    {"sender_canonical_classes", PARAM_LIST, "envelope_sender, header_sender",
	0, 0},
    {"sender_canonical_maps", PARAM_LIST, "", 0, 0},
    {"sender_dependent_default_transport_maps", PARAM_LIST, "", 0, 0},
    {"sender_dependent_relayhost_maps", PARAM_LIST, "", 0, 0},
    {"sendmail_fix_line_endings", PARAM_STR, "always", 0, 0},
    {"sendmail_path", PARAM_STR, SLUICE_PREFIX "/sbin/sendmail", 0, 0},
    {"service_name", PARAM_STR, "", 0, 0},
    {"service_throttle_time", PARAM_TIME, "60s", 's', 1},
    {"setgid_group", PARAM_STR, "postdrop", 0, 0},
    {"shlib_directory", PARAM_STR, SLUICE_PREFIX "/lib/sluice", 0, 0},
    {"show_user_unknown_table_name", PARAM_BOOL, "yes", 0, 0},
    {"showq_service_name", PARAM_STR, "showq", 0, 0},
    {"smtp_address_preference", PARAM_STR, "any", 0, 0},
    {"smtp_address_verify_target", PARAM_STR, "rcpt", 0, 0},
    {"smtp_always_send_ehlo", PARAM_BOOL, "yes", 0, 0},
    {"smtp_balance_inet_protocols", PARAM_BOOL, "yes", 0, 0},
    {"smtp_bind_address", PARAM_STR, "", 0, 0},
    {"smtp_bind_address6", PARAM_STR, "", 0, 0},
    {"smtp_bind_address_enforce", PARAM_BOOL, "no", 0, 0},
    {"smtp_body_checks", PARAM_LIST, "", 0, 0},
    {"smtp_cname_overrides_servername", PARAM_BOOL, "no", 0, 0},
    {"smtp_connect_timeout", PARAM_TIME, "30s", 's', 0},
    {"smtp_connection_cache_destinations", PARAM_STR, "", 0, 0},
    {"smtp_connection_cache_on_demand", PARAM_BOOL, "yes", 0, 0},
    {"smtp_connection_cache_time_limit", PARAM_TIME, "2s", 's', 0},
    {"smtp_connection_reuse_count_limit", PARAM_INT, "0", 0, 0},
    {"smtp_connection_reuse_time_limit", PARAM_TIME, "300s", 's', 0},
    {"smtp_data_done_timeout", PARAM_TIME, "600s", 's', 1},
    {"smtp_data_init_timeout", PARAM_TIME, "120s", 's', 1},
    {"smtp_data_xfer_timeout", PARAM_TIME, "180s", 's', 1},
    {"smtp_defer_if_no_mx_address_found", PARAM_BOOL, "no", 0, 0},
    {"smtp_delivery_slot_cost", PARAM_INT, "$default_delivery_slot_cost", 0, 0},
    {"smtp_delivery_slot_discount", PARAM_INT,
	"$default_delivery_slot_discount", 0, 0},
    {"smtp_delivery_slot_loan", PARAM_INT, "$default_delivery_slot_loan", 0, 0},
    {"smtp_delivery_status_filter", PARAM_STR,
	"$default_delivery_status_filter", 0, 0},
    {"smtp_destination_concurrency_failed_cohort_limit", PARAM_INT,
	"$default_destination_concurrency_failed_cohort_limit", 0, 0},
    {"smtp_destination_concurrency_limit", PARAM_INT,
	"$default_destination_concurrency_limit", 0, 0},
    {"smtp_destination_concurrency_negative_feedback", PARAM_INT,
	"$default_destination_concurrency_negative_feedback", 0, 0},
    {"smtp_destination_concurrency_positive_feedback", PARAM_INT,
	"$default_destination_concurrency_positive_feedback", 0, 0},
    {"smtp_destination_rate_delay", PARAM_TIME,
	"$default_destination_rate_delay", 's', 0},
    {"smtp_destination_recipient_limit", PARAM_INT,
	"$default_destination_recipient_limit", 0, 0},
    {"smtp_discard_ehlo_keyword_address_maps", PARAM_LIST, "", 0, 0},
    {"smtp_discard_ehlo_keywords", PARAM_LIST, "", 0, 0},
    {"smtp_dns_reply_filter", PARAM_STR, "", 0, 0},
    {"smtp_dns_resolver_options", PARAM_STR, "", 0, 0},
    {"smtp_dns_support_level", PARAM_STR, "", 0, 0},
    {"smtp_enforce_tls", PARAM_BOOL, "no", 0, 0},
    {"smtp_extra_recipient_limit", PARAM_INT, "$default_extra_recipient_limit",
	0, 0},
    {"smtp_fallback_relay", PARAM_STR, "$fallback_relay", 0, 0},
    {"smtp_generic_maps", PARAM_LIST, "", 0, 0},
    {"smtp_header_checks", PARAM_LIST, "", 0, 0},
    {"smtp_helo_name", PARAM_STR, "$myhostname", 0, 0},
    {"smtp_helo_timeout", PARAM_TIME, "300s", 's', 1},
    {"smtp_host_lookup", PARAM_STR, "dns", 0, 0},
    {"smtp_initial_destination_concurrency", PARAM_INT,
	"$initial_destination_concurrency", 0, 0},
    {"smtp_line_length_limit", PARAM_INT, "998", 0, 0},
    {"smtp_mail_timeout", PARAM_TIME, "300s", 's', 1},
    {"smtp_mime_header_checks", PARAM_LIST, "", 0, 0},
    {"smtp_min_data_rate", PARAM_INT, "500", 0, 0},
    {"smtp_minimum_delivery_slots", PARAM_INT,
	"$default_minimum_delivery_slots", 0, 0},
    {"smtp_mx_address_limit", PARAM_INT, "5", 0, 0},
    {"smtp_mx_session_limit", PARAM_INT, "2", 0, 0},
    {"smtp_nested_header_checks", PARAM_LIST, "", 0, 0},
    {"smtp_never_send_ehlo", PARAM_BOOL, "no", 0, 0},
    {"smtp_per_request_deadline", PARAM_BOOL,
	"${smtp_per_record_deadline?{$smtp_per_record_deadline}:{no}}", 0, 0},
    {"smtp_pix_workaround_delay_time", PARAM_TIME, "10s", 's', 0},
    {"smtp_pix_workaround_maps", PARAM_LIST, "", 0, 0},
    {"smtp_pix_workaround_threshold_time", PARAM_TIME, "500s", 's', 0},
    {"smtp_pix_workarounds", PARAM_STR, "disable_esmtp,delay_dotcrlf", 0, 0},
    {"smtp_quit_timeout", PARAM_TIME, "300s", 's', 1},
    {"smtp_quote_rfc821_envelope", PARAM_BOOL, "yes", 0, 0},
    {"smtp_randomize_addresses", PARAM_BOOL, "yes", 0, 0},
    {"smtp_rcpt_timeout", PARAM_TIME, "300s", 's', 1},
    {"smtp_recipient_limit", PARAM_INT, "$default_recipient_limit", 0, 0},
    {"smtp_recipient_refill_delay", PARAM_TIME,
	"$default_recipient_refill_delay", 's', 0},
    {"smtp_recipient_refill_limit", PARAM_INT,
	"$default_recipient_refill_limit", 0, 0},
    {"smtp_reply_filter", PARAM_STR, "", 0, 0},
    {"smtp_rset_timeout", PARAM_TIME, "20s", 's', 1},
    {"smtp_sasl_auth_cache_name", PARAM_STR, "", 0, 0},
    {"smtp_sasl_auth_cache_time", PARAM_TIME, "90d", 'd', 0},
    {"smtp_sasl_auth_enable", PARAM_BOOL, "no", 0, 0},
    {"smtp_sasl_auth_soft_bounce", PARAM_BOOL, "yes", 0, 0},
    {"smtp_sasl_mechanism_filter", PARAM_STR, "", 0, 0},
    {"smtp_sasl_password_maps", PARAM_LIST, "", 0, 0},
    {"smtp_sasl_path", PARAM_STR, "", 0, 0},
    {"smtp_sasl_security_options", PARAM_LIST, "noplaintext, noanonymous", 0,
	0},
    {"smtp_sasl_tls_security_options", PARAM_LIST,
	"$smtp_sasl_security_options", 0, 0},
    {"smtp_sasl_tls_verified_security_options", PARAM_LIST,
	"$smtp_sasl_tls_security_options", 0, 0},
    {"smtp_sasl_type", PARAM_STR, "cyrus", 0, 0},
    {"smtp_send_dummy_mail_auth", PARAM_BOOL, "no", 0, 0},
    {"smtp_send_xforward_command", PARAM_BOOL, "no", 0, 0},
    {"smtp_sender_dependent_authentication", PARAM_BOOL, "no", 0, 0},
    {"smtp_skip_5xx_greeting", PARAM_BOOL, "yes", 0, 0},
    {"smtp_skip_quit_response", PARAM_BOOL, "yes", 0, 0},
    {"smtp_starttls_timeout", PARAM_TIME, "300s", 's', 1},
    {"smtp_tcp_port", PARAM_STR, "smtp", 0, 0},
    {"smtp_tls_CAfile", PARAM_STR, "", 0, 0},
    {"smtp_tls_CApath", PARAM_STR, "", 0, 0},
    {"smtp_tls_block_early_mail_reply", PARAM_BOOL, "no", 0, 0},
    {"smtp_tls_cert_file", PARAM_STR, "", 0, 0},
    {"smtp_tls_chain_files", PARAM_STR, "", 0, 0},
    {"smtp_tls_ciphers", PARAM_STR, "medium", 0, 0},
    {"smtp_tls_connection_reuse", PARAM_BOOL, "no", 0, 0},
    {"smtp_tls_dane_insecure_mx_policy", PARAM_STR,
	"${{$smtp_tls_security_level} == {dane} ? {dane} : {may}}", 0, 0},
    {"smtp_tls_dcert_file", PARAM_STR, "", 0, 0},
    {"smtp_tls_dkey_file", PARAM_STR, "$smtp_tls_dcert_file", 0, 0},
    {"smtp_tls_eccert_file", PARAM_STR, "", 0, 0},
    {"smtp_tls_eckey_file", PARAM_STR, "$smtp_tls_eccert_file", 0, 0},
    {"smtp_tls_enforce_peername", PARAM_BOOL, "yes", 0, 0},
    {"smtp_tls_exclude_ciphers", PARAM_STR, "", 0, 0},
    {"smtp_tls_fingerprint_cert_match", PARAM_STR, "", 0, 0},
    {"smtp_tls_fingerprint_digest", PARAM_STR,
	"${{$compatibility_level} <level {3.6} ? {md5} : {sha256}}", 0, 0},
    {"smtp_tls_force_insecure_host_tlsa_lookup", PARAM_BOOL, "no", 0, 0},
    {"smtp_tls_key_file", PARAM_STR, "$smtp_tls_cert_file", 0, 0},
    {"smtp_tls_loglevel", PARAM_INT, "0", 0, 0},
    {"smtp_tls_mandatory_ciphers", PARAM_STR, "medium", 0, 0},
    {"smtp_tls_mandatory_exclude_ciphers", PARAM_STR, "", 0, 0},
    {"smtp_tls_mandatory_protocols", PARAM_LIST, ">=TLSv1", 0, 0},
    {"smtp_tls_note_starttls_offer", PARAM_BOOL, "no", 0, 0},
    {"smtp_tls_per_site", PARAM_STR, "", 0, 0},
    {"smtp_tls_policy_maps", PARAM_LIST, "", 0, 0},
    {"smtp_tls_protocols", PARAM_LIST, ">=TLSv1", 0, 0},
    {"smtp_tls_scert_verifydepth", PARAM_INT, "9", 0, 0},
    {"smtp_tls_secure_cert_match", PARAM_LIST, "nexthop, dot-nexthop", 0, 0},
    {"smtp_tls_security_level", PARAM_STR, "", 0, 0},
    {"smtp_tls_servername", PARAM_STR, "", 0, 0},
    {"smtp_tls_session_cache_database", PARAM_STR, "", 0, 0},
    {"smtp_tls_session_cache_timeout", PARAM_TIME, "3600s", 's', 0},
    {"smtp_tls_trust_anchor_file", PARAM_STR, "", 0, 0},
    {"smtp_tls_verify_cert_match", PARAM_STR, "hostname", 0, 0},
    {"smtp_tls_wrappermode", PARAM_BOOL, "no", 0, 0},
    {"smtp_transport_rate_delay", PARAM_TIME, "$default_transport_rate_delay",
	's', 0},
    {"smtp_use_tls", PARAM_BOOL, "no", 0, 0},
    {"smtp_xforward_timeout", PARAM_TIME, "300s", 's', 0},
    {"smtpd_authorized_verp_clients", PARAM_STR, "$authorized_verp_clients", 0,
	0},
    {"smtpd_authorized_xclient_hosts", PARAM_STR, "", 0, 0},
    {"smtpd_authorized_xforward_hosts", PARAM_STR, "", 0, 0},
    {"smtpd_banner", PARAM_STR, "$myhostname ESMTP $mail_name", 0, 0},
    {"smtpd_client_auth_rate_limit", PARAM_INT, "0", 0, 0},
    {"smtpd_client_connection_count_limit", PARAM_INT, "50", 0, 0},
    {"smtpd_client_connection_rate_limit", PARAM_INT, "0", 0, 0},
    {"smtpd_client_event_limit_exceptions", PARAM_STR,
	"${smtpd_client_connection_limit_exceptions:$mynetworks}", 0, 0},
    {"smtpd_client_message_rate_limit", PARAM_INT, "0", 0, 0},
    {"smtpd_client_new_tls_session_rate_limit", PARAM_INT, "0", 0, 0},
    {"smtpd_client_port_logging", PARAM_BOOL, "no", 0, 0},
    {"smtpd_client_recipient_rate_limit", PARAM_INT, "0", 0, 0},
    {"smtpd_client_restrictions", PARAM_LIST, "", 0, 0},
    {"smtpd_command_filter", PARAM_STR, "", 0, 0},
    {"smtpd_data_restrictions", PARAM_LIST, "", 0, 0},
    {"smtpd_delay_open_until_valid_rcpt", PARAM_BOOL, "yes", 0, 0},
    {"smtpd_delay_reject", PARAM_BOOL, "yes", 0, 0},
    {"smtpd_discard_ehlo_keyword_address_maps", PARAM_LIST, "", 0, 0},
    {"smtpd_discard_ehlo_keywords", PARAM_LIST, "", 0, 0},
    {"smtpd_dns_reply_filter", PARAM_STR, "", 0, 0},
    {"smtpd_end_of_data_restrictions", PARAM_LIST, "", 0, 0},
    {"smtpd_enforce_tls", PARAM_BOOL, "no", 0, 0},
    {"smtpd_error_sleep_time", PARAM_TIME, "1s", 's', 0},
    {"smtpd_etrn_restrictions", PARAM_LIST, "", 0, 0},
    {"smtpd_expansion_filter", PARAM_STR,
	"\\t\\40!\"#$%&'()*+,-./"
	"0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\\\]^_`"
	"abcdefghijklmnopqrstuvwxyz{|}~",
	0, 0},
    {"smtpd_forbid_bare_newline", PARAM_STR, "no", 0, 0},
    {"smtpd_forbid_bare_newline_exclusions", PARAM_LIST, "$mynetworks", 0, 0},
    {"smtpd_forbid_bare_newline_reject_code", PARAM_INT, "550", 0, 0},
    {"smtpd_forbid_unauth_pipelining", PARAM_BOOL, "no", 0, 0},
    {"smtpd_forbidden_commands", PARAM_LIST,
	"CONNECT GET POST regexp:{{/^[^A-Z]/ Bogus}}", 0, 0},
    {"smtpd_hard_error_limit", PARAM_INT, "${stress?{1}:{20}}", 0, 0},
    {"smtpd_helo_required", PARAM_BOOL, "no", 0, 0},
    {"smtpd_helo_restrictions", PARAM_LIST, "", 0, 0},
    {"smtpd_history_flush_threshold", PARAM_INT, "100", 0, 0},
    {"smtpd_junk_command_limit", PARAM_INT, "${stress?{1}:{100}}", 0, 0},
    {"smtpd_log_access_permit_actions", PARAM_STR, "", 0, 0},
    {"smtpd_milter_maps", PARAM_LIST, "", 0, 0},
    {"smtpd_milters", PARAM_STR, "", 0, 0},
    {"smtpd_min_data_rate", PARAM_INT, "500", 0, 0},
    {"smtpd_noop_commands", PARAM_LIST, "", 0, 0},
    {"smtpd_null_access_lookup_key", PARAM_STR, "<>", 0, 0},
    {"smtpd_peername_lookup", PARAM_BOOL, "yes", 0, 0},
    {"smtpd_per_request_deadline", PARAM_BOOL,
	"${smtpd_per_record_deadline?{$smtpd_per_record_deadline}:{${stress?{"
	"yes}:{no}}}}",
	0, 0},
    {"smtpd_policy_service_default_action", PARAM_STR,
	"451 4.3.5 Server configuration problem", 0, 0},
    {"smtpd_policy_service_max_idle", PARAM_TIME, "300s", 's', 0},
    {"smtpd_policy_service_max_ttl", PARAM_TIME, "1000s", 's', 0},
    {"smtpd_policy_service_policy_context", PARAM_STR, "", 0, 0},
    {"smtpd_policy_service_request_limit", PARAM_INT, "0", 0, 0},
    {"smtpd_policy_service_retry_delay", PARAM_TIME, "1s", 's', 0},
    {"smtpd_policy_service_timeout", PARAM_TIME, "100s", 's', 0},
    {"smtpd_policy_service_try_limit", PARAM_INT, "2", 0, 0},
    {"smtpd_proxy_ehlo", PARAM_STR, "$myhostname", 0, 0},
    {"smtpd_proxy_filter", PARAM_STR, "", 0, 0},
    {"smtpd_proxy_options", PARAM_STR, "", 0, 0},
    {"smtpd_proxy_timeout", PARAM_TIME, "100s", 's', 0},
    {"smtpd_recipient_limit", PARAM_INT, "1000", 0, 1},
    {"smtpd_recipient_overshoot_limit", PARAM_INT, "1000", 0, 0},
    {"smtpd_recipient_restrictions", PARAM_LIST, "", 0, 0},
    {"smtpd_reject_footer", PARAM_STR, "", 0, 0},
    {"smtpd_reject_footer_maps", PARAM_LIST, "", 0, 0},
    {"smtpd_reject_unlisted_recipient", PARAM_BOOL, "yes", 0, 0},
    {"smtpd_reject_unlisted_sender", PARAM_BOOL, "no", 0, 0},
    {"smtpd_relay_before_recipient_restrictions", PARAM_BOOL,
	"${{$compatibility_level} <level {3.6} ? {no} : {yes}}", 0, 0},
    {"smtpd_relay_restrictions", PARAM_LIST,
	"${{$compatibility_level} <level {1} ? {} : {permit_mynetworks, "
	"permit_sasl_authenticated, defer_unauth_destination}}",
	0, 0},
    {"smtpd_restriction_classes", PARAM_LIST, "", 0, 0},
    {"smtpd_sasl_auth_enable", PARAM_BOOL, "no", 0, 0},
    {"smtpd_sasl_authenticated_header", PARAM_BOOL, "no", 0, 0},
    {"smtpd_sasl_exceptions_networks", PARAM_LIST, "", 0, 0},
    {"smtpd_sasl_local_domain", PARAM_STR, "", 0, 0},
    {"smtpd_sasl_mechanism_filter", PARAM_LIST, "!external, static:rest", 0, 0},
    {"smtpd_sasl_path", PARAM_STR, "smtpd", 0, 0},
    {"smtpd_sasl_response_limit", PARAM_INT, "12288", 0, 0},
    {"smtpd_sasl_security_options", PARAM_STR, "noanonymous", 0, 0},
    {"smtpd_sasl_service", PARAM_STR, "smtp", 0, 0},
    {"smtpd_sasl_tls_security_options", PARAM_STR,
	"$smtpd_sasl_security_options", 0, 0},
    {"smtpd_sasl_type", PARAM_STR, "cyrus", 0, 0},
    {"smtpd_sender_login_maps", PARAM_LIST, "", 0, 0},
    {"smtpd_sender_restrictions", PARAM_LIST, "", 0, 0},
    {"smtpd_service_name", PARAM_STR, "smtpd", 0, 0},
    {"smtpd_soft_error_limit", PARAM_INT, "10", 0, 0},
    {"smtpd_starttls_timeout", PARAM_TIME, "${stress?{10}:{300}}s", 's', 0},
    {"smtpd_timeout", PARAM_TIME, "${stress?{10}:{300}}s", 's', 1},
    {"smtpd_tls_CAfile", PARAM_STR, "", 0, 0},
    {"smtpd_tls_CApath", PARAM_STR, "", 0, 0},
    {"smtpd_tls_always_issue_session_ids", PARAM_BOOL, "yes", 0, 0},
    {"smtpd_tls_ask_ccert", PARAM_BOOL, "no", 0, 0},
    {"smtpd_tls_auth_only", PARAM_BOOL, "no", 0, 0},
    {"smtpd_tls_ccert_verifydepth", PARAM_INT, "9", 0, 0},
    {"smtpd_tls_cert_file", PARAM_STR, "", 0, 0},
    {"smtpd_tls_chain_files", PARAM_STR, "", 0, 0},
    {"smtpd_tls_ciphers", PARAM_STR, "medium", 0, 0},
    {"smtpd_tls_dcert_file", PARAM_STR, "", 0, 0},
    {"smtpd_tls_dh1024_param_file", PARAM_STR, "", 0, 0},
    {"smtpd_tls_dh512_param_file", PARAM_STR, "", 0, 0},
    {"smtpd_tls_dkey_file", PARAM_STR, "$smtpd_tls_dcert_file", 0, 0},
    {"smtpd_tls_eccert_file", PARAM_STR, "", 0, 0},
    {"smtpd_tls_eckey_file", PARAM_STR, "$smtpd_tls_eccert_file", 0, 0},
    {"smtpd_tls_eecdh_grade", PARAM_STR, "auto", 0, 0},
    {"smtpd_tls_exclude_ciphers", PARAM_STR, "", 0, 0},
    {"smtpd_tls_fingerprint_digest", PARAM_STR,
	"${{$compatibility_level} <level {3.6} ? {md5} : {sha256}}", 0, 0},
    {"smtpd_tls_key_file", PARAM_STR, "$smtpd_tls_cert_file", 0, 0},
    {"smtpd_tls_loglevel", PARAM_INT, "0", 0, 0},
    {"smtpd_tls_mandatory_ciphers", PARAM_STR, "medium", 0, 0},
    {"smtpd_tls_mandatory_exclude_ciphers", PARAM_STR, "", 0, 0},
    {"smtpd_tls_mandatory_protocols", PARAM_LIST, ">=TLSv1", 0, 0},
    {"smtpd_tls_protocols", PARAM_LIST, ">=TLSv1", 0, 0},
    {"smtpd_tls_received_header", PARAM_BOOL, "no", 0, 0},
    {"smtpd_tls_req_ccert", PARAM_BOOL, "no", 0, 0},
    {"smtpd_tls_security_level", PARAM_STR, "", 0, 0},
    {"smtpd_tls_session_cache_database", PARAM_STR, "", 0, 0},
    {"smtpd_tls_session_cache_timeout", PARAM_TIME, "3600s", 's', 0},
    {"smtpd_tls_wrappermode", PARAM_BOOL, "no", 0, 0},
    {"smtpd_upstream_proxy_protocol", PARAM_STR, "", 0, 0},
    {"smtpd_upstream_proxy_timeout", PARAM_TIME, "5s", 's', 0},
    {"smtpd_use_tls", PARAM_BOOL, "no", 0, 0},
    {"smtputf8_autodetect_classes", PARAM_LIST, "sendmail, verify", 0, 0},
    {"smtputf8_enable", PARAM_BOOL,
	"${{$compatibility_level} <level {1} ? {no} : {yes}}", 0, 0},
    {"soft_bounce", PARAM_BOOL, "no", 0, 0},
    {"stale_lock_time", PARAM_TIME, "500s", 's', 0},
    {"stress", PARAM_STR, "", 0, 0},
    {"strict_7bit_headers", PARAM_BOOL, "no", 0, 0},
    {"strict_8bitmime", PARAM_BOOL, "no", 0, 0},
    {"strict_8bitmime_body", PARAM_BOOL, "no", 0, 0},
    {"strict_mailbox_ownership", PARAM_BOOL, "yes", 0, 0},
    {"strict_mime_encoding_domain", PARAM_BOOL, "no", 0, 0},
    {"strict_rfc821_envelopes", PARAM_BOOL, "no", 0, 0},
    {"strict_smtputf8", PARAM_BOOL, "no", 0, 0},
    {"sun_mailtool_compatibility", PARAM_BOOL, "no", 0, 0},
    {"swap_bangpath", PARAM_BOOL, "yes", 0, 0},
    {"syslog_facility", PARAM_STR, "mail", 0, 0},
    {"syslog_name", PARAM_STR,
	"${multi_instance_name?{$multi_instance_name}:{postfix}}", 0, 0},
    {"tcp_windowsize", PARAM_INT, "0", 0, 0},
    {"tls_append_default_CA", PARAM_BOOL, "no", 0, 0},
    {"tls_config_file", PARAM_STR, "default", 0, 0},
    {"tls_config_name", PARAM_STR, "", 0, 0},
    {"tls_daemon_random_bytes", PARAM_INT, "32", 0, 0},
    {"tls_dane_digests", PARAM_STR, "sha512 sha256", 0, 0},
    {"tls_disable_workarounds", PARAM_STR, "", 0, 0},
    {"tls_eecdh_auto_curves", PARAM_STR,
	"X25519 X448 prime256v1 secp521r1 secp384r1", 0, 0},
    {"tls_eecdh_strong_curve", PARAM_STR, "prime256v1", 0, 0},
    {"tls_eecdh_ultra_curve", PARAM_STR, "secp384r1", 0, 0},
    {"tls_export_cipherlist", PARAM_STR,
	"aNULL:-aNULL:HIGH:MEDIUM:LOW:EXPORT:+RC4:@STRENGTH", 0, 0},
    {"tls_fast_shutdown_enable", PARAM_BOOL, "yes", 0, 0},
    {"tls_high_cipherlist", PARAM_STR, "aNULL:-aNULL:HIGH:@STRENGTH", 0, 0},
    {"tls_legacy_public_key_fingerprints", PARAM_BOOL, "no", 0, 0},
    {"tls_low_cipherlist", PARAM_STR,
	"aNULL:-aNULL:HIGH:MEDIUM:LOW:+RC4:@STRENGTH", 0, 0},
    {"tls_medium_cipherlist", PARAM_STR,
	"aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH", 0, 0},
    {"tls_null_cipherlist", PARAM_STR, "eNULL:!aNULL", 0, 0},
    {"tls_preempt_cipherlist", PARAM_BOOL, "no", 0, 0},
    {"tls_random_bytes", PARAM_INT, "32", 0, 0},
    {"tls_random_exchange_name", PARAM_STR, "${data_directory}/prng_exch", 0,
	0},
    {"tls_random_prng_update_period", PARAM_TIME, "3600s", 's', 0},
    {"tls_random_reseed_period", PARAM_TIME, "3600s", 's', 0},
    {"tls_random_source", PARAM_STR, "dev:/dev/urandom", 0, 0},
    {"tls_server_sni_maps", PARAM_LIST, "", 0, 0},
    {"tls_session_ticket_cipher", PARAM_STR, "aes-256-cbc", 0, 0},
    {"tls_ssl_options", PARAM_STR, "", 0, 0},
    {"tls_wildcard_matches_multiple_labels", PARAM_BOOL, "yes", 0, 0},
    {"tlsmgr_service_name", PARAM_STR, "tlsmgr", 0, 0},
    {"tlsproxy_client_CAfile", PARAM_STR, "$smtp_tls_CAfile", 0, 0},
    {"tlsproxy_client_CApath", PARAM_STR, "$smtp_tls_CApath", 0, 0},
    {"tlsproxy_client_cert_file", PARAM_STR, "$smtp_tls_cert_file", 0, 0},
    {"tlsproxy_client_chain_files", PARAM_STR, "$smtp_tls_chain_files", 0, 0},
    {"tlsproxy_client_dcert_file", PARAM_STR, "$smtp_tls_dcert_file", 0, 0},
    {"tlsproxy_client_dkey_file", PARAM_STR, "$smtp_tls_dkey_file", 0, 0},
    {"tlsproxy_client_eccert_file", PARAM_STR, "$smtp_tls_eccert_file", 0, 0},
    {"tlsproxy_client_eckey_file", PARAM_STR, "$smtp_tls_eckey_file", 0, 0},
    {"tlsproxy_client_enforce_tls", PARAM_BOOL, "$smtp_enforce_tls", 0, 0},
    {"tlsproxy_client_fingerprint_digest", PARAM_STR,
	"$smtp_tls_fingerprint_digest", 0, 0},
    {"tlsproxy_client_key_file", PARAM_STR, "$smtp_tls_key_file", 0, 0},
    {"tlsproxy_client_loglevel", PARAM_INT, "$smtp_tls_loglevel", 0, 0},
    {"tlsproxy_client_loglevel_parameter", PARAM_STR, "smtp_tls_loglevel", 0,
	0},
    {"tlsproxy_client_per_site", PARAM_STR, "$smtp_tls_per_site", 0, 0},
    {"tlsproxy_client_policy_maps", PARAM_LIST,
	"${tlsproxy_client_policy:$smtp_tls_policy_maps}", 0, 0},
    {"tlsproxy_client_scert_verifydepth", PARAM_INT,
	"$smtp_tls_scert_verifydepth", 0, 0},
    {"tlsproxy_client_security_level", PARAM_STR,
	"${tlsproxy_client_level:$smtp_tls_security_level}", 0, 0},
    {"tlsproxy_client_use_tls", PARAM_BOOL, "$smtp_use_tls", 0, 0},
    {"tlsproxy_enforce_tls", PARAM_BOOL, "$smtpd_enforce_tls", 0, 0},
    {"tlsproxy_service_name", PARAM_STR, "tlsproxy", 0, 0},
    {"tlsproxy_tls_CAfile", PARAM_STR, "$smtpd_tls_CAfile", 0, 0},
    {"tlsproxy_tls_CApath", PARAM_STR, "$smtpd_tls_CApath", 0, 0},
    {"tlsproxy_tls_always_issue_session_ids", PARAM_BOOL,
	"$smtpd_tls_always_issue_session_ids", 0, 0},
    {"tlsproxy_tls_ask_ccert", PARAM_BOOL, "$smtpd_tls_ask_ccert", 0, 0},
    {"tlsproxy_tls_ccert_verifydepth", PARAM_INT,
	"$smtpd_tls_ccert_verifydepth", 0, 0},
    {"tlsproxy_tls_cert_file", PARAM_STR, "$smtpd_tls_cert_file", 0, 0},
    {"tlsproxy_tls_chain_files", PARAM_STR, "$smtpd_tls_chain_files", 0, 0},
    {"tlsproxy_tls_ciphers", PARAM_STR, "$smtpd_tls_ciphers", 0, 0},
    {"tlsproxy_tls_dcert_file", PARAM_STR, "$smtpd_tls_dcert_file", 0, 0},
    {"tlsproxy_tls_dh1024_param_file", PARAM_STR,
	"$smtpd_tls_dh1024_param_file", 0, 0},
    {"tlsproxy_tls_dh512_param_file", PARAM_STR, "$smtpd_tls_dh512_param_file",
	0, 0},
    {"tlsproxy_tls_dkey_file", PARAM_STR, "$smtpd_tls_dkey_file", 0, 0},
    {"tlsproxy_tls_eccert_file", PARAM_STR, "$smtpd_tls_eccert_file", 0, 0},
    {"tlsproxy_tls_eckey_file", PARAM_STR, "$smtpd_tls_eckey_file", 0, 0},
    {"tlsproxy_tls_eecdh_grade", PARAM_STR, "$smtpd_tls_eecdh_grade", 0, 0},
    {"tlsproxy_tls_exclude_ciphers", PARAM_STR, "$smtpd_tls_exclude_ciphers", 0,
	0},
    {"tlsproxy_tls_fingerprint_digest", PARAM_STR,
	"$smtpd_tls_fingerprint_digest", 0, 0},
    {"tlsproxy_tls_key_file", PARAM_STR, "$smtpd_tls_key_file", 0, 0},
    {"tlsproxy_tls_loglevel", PARAM_INT, "$smtpd_tls_loglevel", 0, 0},
    {"tlsproxy_tls_mandatory_ciphers", PARAM_STR,
	"$smtpd_tls_mandatory_ciphers", 0, 0},
    {"tlsproxy_tls_mandatory_exclude_ciphers", PARAM_STR,
	"$smtpd_tls_mandatory_exclude_ciphers", 0, 0},
    {"tlsproxy_tls_mandatory_protocols", PARAM_LIST,
	"$smtpd_tls_mandatory_protocols", 0, 0},
    {"tlsproxy_tls_protocols", PARAM_LIST, "$smtpd_tls_protocols", 0, 0},
    {"tlsproxy_tls_req_ccert", PARAM_BOOL, "$smtpd_tls_req_ccert", 0, 0},
    {"tlsproxy_tls_security_level", PARAM_STR, "$smtpd_tls_security_level", 0,
	0},
    {"tlsproxy_use_tls", PARAM_BOOL, "$smtpd_use_tls", 0, 0},
    {"tlsproxy_watchdog_timeout", PARAM_TIME, "10s", 's', 0},
    {"trace_service_name", PARAM_STR, "trace", 0, 0},
    {"transport_maps", PARAM_LIST, "", 0, 0},
    {"transport_retry_time", PARAM_TIME, "60s", 's', 1},
    {"trigger_timeout", PARAM_TIME, "10s", 's', 0},
    {"undisclosed_recipients_header", PARAM_STR, "", 0, 0},
    {"unknown_address_reject_code", PARAM_INT, "450", 0, 0},
    {"unknown_address_tempfail_action", PARAM_STR, "$reject_tempfail_action", 0,
	0},
    {"unknown_client_reject_code", PARAM_INT, "450", 0, 0},
    {"unknown_helo_hostname_tempfail_action", PARAM_STR,
	"$reject_tempfail_action", 0, 0},
    {"unknown_hostname_reject_code", PARAM_INT, "450", 0, 0},
    {"unknown_local_recipient_reject_code", PARAM_INT, "550", 0, 0},
    {"unknown_relay_recipient_reject_code", PARAM_INT, "550", 0, 0},
    {"unknown_virtual_alias_reject_code", PARAM_INT, "550", 0, 0},
    {"unknown_virtual_mailbox_reject_code", PARAM_INT, "550", 0, 0},
    {"unverified_recipient_defer_code", PARAM_INT, "450", 0, 0},
    {"unverified_recipient_reject_code", PARAM_INT, "450", 0, 0},
    {"unverified_recipient_reject_reason", PARAM_STR, "", 0, 0},
    {"unverified_recipient_tempfail_action", PARAM_STR,
	"$reject_tempfail_action", 0, 0},
    {"unverified_sender_defer_code", PARAM_INT, "450", 0, 0},
    {"unverified_sender_reject_code", PARAM_INT, "450", 0, 0},
    {"unverified_sender_reject_reason", PARAM_STR, "", 0, 0},
    {"unverified_sender_tempfail_action", PARAM_STR, "$reject_tempfail_action",
	0, 0},
    {"verp_delimiter_filter", PARAM_STR, "-=+", 0, 0},
    {"virtual_alias_address_length_limit", PARAM_INT, "1000", 0, 0},
    {"virtual_alias_domains", PARAM_LIST, "$virtual_alias_maps", 0, 0},
    {"virtual_alias_expansion_limit", PARAM_INT, "1000", 0, 0},
    {"virtual_alias_maps", PARAM_LIST, "$virtual_maps", 0, 0},
    {"virtual_alias_recursion_limit", PARAM_INT, "1000", 0, 0},
    {"virtual_delivery_status_filter", PARAM_STR,
	"$default_delivery_status_filter", 0, 0},
    {"virtual_gid_maps", PARAM_LIST, "", 0, 0},
    {"virtual_mailbox_base", PARAM_STR, "", 0, 0},
    {"virtual_mailbox_domains", PARAM_LIST, "$virtual_mailbox_maps", 0, 0},
    {"virtual_mailbox_limit", PARAM_SIZE, "51200000", 0, 0},
    {"virtual_mailbox_lock", PARAM_LIST, "fcntl, dotlock", 0, 0},
    {"virtual_mailbox_maps", PARAM_LIST, "", 0, 0},
    {"virtual_minimum_uid", PARAM_INT, "100", 0, 0},
    {"virtual_transport", PARAM_STR, "virtual", 0, 0},
    {"virtual_uid_maps", PARAM_LIST, "", 0, 0},

};

#define PARAM_COUNT (sizeof(param_defs) / sizeof(param_defs[0]))

/* Run-time state. */
static struct cfg *param_main; /* loaded main.cf */
static struct cfg *param_over; /* -o overrides */
static char *param_dir;	       /* configuration directory in use */
static char *param_main_path;  /* its main.cf */
static int param_loaded;
static int param_ready_done;
static char *param_cache[PARAM_COUNT];	/* expanded values */
static char **param_lists[PARAM_COUNT]; /* split values */
static char param_def_host[300];
static char param_def_domain[300];
static char param_def_pid[32];

static void param_host_defaults(void);

/* param_index - table index of name, or -1 */

static int
param_index(const char *name)
{
	size_t lo = 0, hi = PARAM_COUNT;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(name, param_defs[mid].name);

		if (cmp == 0)
			return ((int)mid);
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return (-1);
}

/* param_set_def - fill in a run-time default */

static void
param_set_def(const char *name, const char *value)
{
	int i = param_index(name);

	if (i < 0)
		msg_panic("param_set_def: unknown parameter %s", name);
	param_defs[i].def = value;
}

/* param_flush - forget expanded values */

static void
param_flush(void)
{
	size_t i;
	char **cpp;

	for (i = 0; i < PARAM_COUNT; i++) {
		param_cache[i] = mem_free(param_cache[i]);
		if (param_lists[i] != NULL) {
			for (cpp = param_lists[i]; *cpp; cpp++)
				mem_free(*cpp);
			param_lists[i] = mem_free(param_lists[i]);
		}
	}
}

/* param_ready - one-time initialisation: check the table, set defaults */

static void
param_ready(void)
{
	size_t i;

	if (param_ready_done)
		return;
	param_ready_done = 1;
	for (i = 1; i < PARAM_COUNT; i++)
		if (strcmp(param_defs[i - 1].name, param_defs[i].name) >= 0)
			msg_panic("param table not sorted at %s",
			    param_defs[i].name);
	if (param_main == NULL)
		param_main = cfg_create();
	if (param_over == NULL)
		param_over = cfg_create();
	param_host_defaults();
}

const char *
param_builtin_config_dir(void)
{
	return (PARAM_DEF_CONFIG_DIR);
}

/* param_default_dir - the directory param_load(NULL) would use */

static const char *
param_default_dir(void)
{
	const char *env = getenv("MAIL_CONFIG");

	return (env != NULL && *env != 0 ? env : PARAM_DEF_CONFIG_DIR);
}

/* param_lookup - cfg_expand() callback: any name, known or not */

static const char *
param_lookup(const char *name, void *ctx)
{
	const char *v;
	int i;

	(void)ctx;
	if (param_loaded && strcmp(name, "config_directory") == 0)
		return (param_dir);
	if ((v = cfg_get(param_over, name)) != NULL)
		return (v);
	if ((v = cfg_get(param_main, name)) != NULL)
		return (v);
	if ((i = param_index(name)) >= 0)
		return (param_defs[i].def);
	return (NULL);
}

/* param_host_defaults - myhostname, mydomain and process_id defaults */

static void
param_host_defaults(void)
{
	char host[256];
	const char *src, *dot;
	struct vbuf buf = VBUF_INIT;

	if (gethostname(host, sizeof(host)) != 0)
		host[0] = 0;
	host[sizeof(host) - 1] = 0;
	if (host[0] == 0)
		snprintf(host, sizeof(host), "localhost");

	/* Provisional values so that the expansions below terminate. */
	snprintf(param_def_domain, sizeof(param_def_domain), "localdomain");
	param_set_def("mydomain", param_def_domain);
	if (strchr(host, '.') != NULL)
		snprintf(param_def_host, sizeof(param_def_host), "%s", host);
	else if (cfg_get(param_over, "mydomain") ||
	    cfg_get(param_main, "mydomain"))
		snprintf(param_def_host, sizeof(param_def_host), "%s.$mydomain",
		    host);
	else
		snprintf(param_def_host, sizeof(param_def_host),
		    "%s.localdomain", host);
	param_set_def("myhostname", param_def_host);

	/* mydomain follows the effective myhostname. */
	src = param_def_host;
	if (cfg_get(param_over, "myhostname") ||
	    cfg_get(param_main, "myhostname")) {
		if (cfg_expand(&buf, param_lookup("myhostname", NULL),
			param_lookup, NULL, NULL) == 0)
			src = vbuf_str(&buf);
	}
	if ((dot = strchr(src, '.')) != NULL && dot[1] != 0 && dot[1] != '$')
		snprintf(param_def_domain, sizeof(param_def_domain), "%s",
		    dot + 1);
	vbuf_free(&buf);

	snprintf(param_def_pid, sizeof(param_def_pid), "%ld", (long)getpid());
	param_set_def("process_id", param_def_pid);
}

/* param_refresh - after any change of the inputs */

static void
param_refresh(void)
{
	param_ready();
	param_flush();
	param_host_defaults();
}

/* param_lookup_def - the table entry of a name the caller must know */

static int
param_must_index(const char *name, const char *caller)
{
	int i;

	param_ready();
	if ((i = param_index(name)) < 0)
		msg_panic("%s: unknown parameter \"%s\"", caller, name);
	return (i);
}

/* param_where - "PATH, line N: " when main.cf supplies the value */

const char *
param_where(const char *name)
{
	static struct vbuf where = VBUF_INIT;
	int line;

	vbuf_reset(&where);
	if (cfg_get(param_over, name) == NULL &&
	    cfg_get(param_main, name) != NULL &&
	    (line = cfg_line(param_main, name)) > 0)
		vbuf_printf(&where, "%s, line %d: ",
		    param_main_path ? param_main_path : "main.cf", line);
	return (vbuf_str(&where));
}

/* ---- conversions ------------------------------------------------- */

/* param_conv_long - whole-string decimal; 0 or -1 */

static int
param_conv_long(const char *s, long *out)
{
	char *end;
	long v;

	if (*s == 0 || isspace((unsigned char)*s))
		return (-1);
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end != 0 || errno == ERANGE)
		return (-1);
	*out = v;
	return (0);
}

/* param_conv_time - Postfix's conv_time(): N or N plus one unit */

static int
param_conv_time(const char *s, int def_unit, long *out)
{
	long v = 0, mul;
	const char *cp = s;
	int unit;

	if (!isdigit((unsigned char)*cp))
		return (-1);
	for (; isdigit((unsigned char)*cp); cp++) {
		v = v * 10 + (*cp - '0');
		if (v > INT_MAX)
			return (-1);
	}
	if (*cp != 0 && cp[1] != 0)
		return (-1);
	unit = *cp ? *cp : def_unit;
	switch (unit) {
	case 's':
		mul = 1;
		break;
	case 'm':
		mul = 60;
		break;
	case 'h':
		mul = 3600;
		break;
	case 'd':
		mul = 86400;
		break;
	case 'w':
		mul = 7 * 86400;
		break;
	default:
		return (-1);
	}
	if (v > INT_MAX / mul)
		return (-1);
	*out = v * mul;
	return (0);
}

/* param_conv_bool - 1, 0 or -1 */

static int
param_conv_bool(const char *s)
{
	if (strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0 ||
	    strcmp(s, "1") == 0)
		return (1);
	if (strcasecmp(s, "no") == 0 || strcasecmp(s, "false") == 0 ||
	    strcmp(s, "0") == 0)
		return (0);
	return (-1);
}

/* ---- accessors --------------------------------------------------- */

const struct param_def *
param_table(size_t *count)
{
	param_ready();
	if (count != NULL)
		*count = PARAM_COUNT;
	return (param_defs);
}

const struct param_def *
param_find(const char *name)
{
	int i;

	param_ready();
	i = param_index(name);
	return (i < 0 ? NULL : &param_defs[i]);
}

const char *
param_raw(const char *name)
{
	int i = param_must_index(name, "param_raw");
	const char *v;

	(void)i;
	v = param_lookup(name, NULL);
	return (v != NULL ? v : "");
}

int
param_is_set(const char *name)
{
	(void)param_must_index(name, "param_is_set");
	return (cfg_get(param_over, name) != NULL ||
	    cfg_get(param_main, name) != NULL);
}

const char *
param_str(const char *name)
{
	int i = param_must_index(name, "param_str");
	static struct vbuf why = VBUF_INIT;
	struct vbuf out = VBUF_INIT;

	if (param_cache[i] != NULL)
		return (param_cache[i]);
	if (cfg_expand(&out, param_raw(name), param_lookup, NULL, &why) < 0) {
		vbuf_free(&out);
		msg_fatal("%sparameter %s: %s", param_where(name), name,
		    vbuf_str(&why));
	}
	vbuf_str(&out);
	param_cache[i] = vbuf_export(&out);
	return (param_cache[i]);
}

void
param_bind(const struct param_var *vars)
{
	const struct param_var *v;
	const struct param_def *d;

	for (v = vars; v != NULL && v->name != NULL; v++) {
		d = &param_defs[param_must_index(v->name, "param_bind")];
		switch (v->kind) {
		case PARAM_KIND_STR:
			*(const char **)v->var = param_str(v->name);
			break;
		case PARAM_KIND_BOOL:
			*(int *)v->var = param_bool(v->name);
			break;
		case PARAM_KIND_LIST:
			*(char ***)v->var = param_list(v->name);
			break;
		case PARAM_KIND_LONG:
			*(long *)v->var = d->type == PARAM_TIME
			    ? param_time(v->name)
			    : d->type == PARAM_SIZE ? param_size(v->name)
						    : param_int(v->name);
			break;
		}
		pcheck_bound(v->name);
	}
}

/*
 * param_fatal_why - fatal with "WHERE WHY". The text is copied to static
 * storage and the buffer freed first: a test's fatal hook may jump out of
 * msg_fatal(), and nothing must be left allocated then.
 */
static void __attribute__((noreturn))
param_fatal_why(const char *name, struct vbuf *why)
{
	static char text[2048];

	snprintf(text, sizeof(text), "%s%s", param_where(name), vbuf_str(why));
	vbuf_free(why);
	msg_fatal("%s", text);
}

/*
 * param_conv - a number, time or size value of d: 0 and *out, or -1 with
 * why in Postfix's words (without the location)
 */
static int
param_conv(const struct param_def *d, const char *s, long *out,
    struct vbuf *why)
{
	if (d->type == PARAM_TIME) {
		if (param_conv_time(s, d->unit ? d->unit : 's', out) < 0) {
			vbuf_printf(why,
			    "parameter %s: bad time value or unit: %s", d->name,
			    s);
			return (-1);
		}
	} else if (param_conv_long(s, out) < 0) {
		vbuf_printf(why, "bad numerical configuration: %s = %s",
		    d->name, s);
		return (-1);
	}
	if (d->min != 0 && *out < d->min) {
		if (d->type == PARAM_TIME)
			vbuf_printf(why, "invalid %s: %ld (min %ld)", d->name,
			    *out, d->min);
		else
			vbuf_printf(why, "invalid %s parameter value %ld < %ld",
			    d->name, *out, d->min);
		return (-1);
	}
	return (0);
}

int
param_type_check(const char *name, const char *value, struct vbuf *why)
{
	const struct param_def *d =
	    &param_defs[param_must_index(name, "param_type_check")];
	long v;

	switch (d->type) {
	case PARAM_BOOL:
		if (param_conv_bool(value) >= 0)
			return (0);
		vbuf_printf(why, "bad boolean configuration: %s = %s", name,
		    value);
		return (-1);
	case PARAM_INT:
	case PARAM_SIZE:
	case PARAM_TIME:
		return (param_conv(d, value, &v, why));
	default:
		return (0);
	}
}

int
param_expand(struct vbuf *out, const char *text, struct vbuf *why)
{
	param_ready();
	return (cfg_expand(out, text, param_lookup, NULL, why));
}

long
param_int(const char *name)
{
	const struct param_def *d =
	    &param_defs[param_must_index(name, "param_int")];
	struct vbuf why = VBUF_INIT;
	long v;

	if (param_conv(d, param_str(name), &v, &why) < 0)
		param_fatal_why(name, &why);
	vbuf_free(&why);
	return (v);
}

long
param_size(const char *name)
{
	return (param_int(name));
}

long
param_time(const char *name)
{
	return (param_int(name));
}

int
param_bool(const char *name)
{
	return (param_conv_bool(param_str(name)) == 1);
}

char **
param_split(const char *s)
{
	char **vec;
	size_t n = 0, cap = 8;

	vec = mem_alloc(cap * sizeof(char *));
	for (;;) {
		const char *start;
		int level = 0;

		s += strspn(s, ", \t\r\n");
		if (*s == 0)
			break;
		/* A token runs to the next separator outside {}. */
		for (start = s; *s; s++) {
			if (*s == '{')
				level++;
			else if (*s == '}' && level > 0)
				level--;
			else if (level == 0 && strchr(", \t\r\n", *s) != NULL)
				break;
		}
		if (n + 2 > cap) {
			cap *= 2;
			vec = mem_realloc(vec, cap * sizeof(char *));
		}
		vec[n++] = mem_strndup(start, (size_t)(s - start));
	}
	vec[n] = NULL;
	return (vec);
}

void
param_split_free(char **vec)
{
	char **cpp;

	for (cpp = vec; cpp != NULL && *cpp; cpp++)
		mem_free(*cpp);
	mem_free(vec);
}

char **
param_list(const char *name)
{
	int i = param_must_index(name, "param_list");

	if (param_lists[i] == NULL)
		param_lists[i] = param_split(param_str(name));
	return (param_lists[i]);
}

/* param_validate - convert a typed value once, fatal if it is bad */

static void
param_validate(const struct param_def *d)
{
	struct vbuf why = VBUF_INIT;

	if (param_type_check(d->name, param_str(d->name), &why) < 0)
		param_fatal_why(d->name, &why);
	vbuf_free(&why);
}

/* ---- loading ----------------------------------------------------- */

/* param_install - make c the configuration of dir (both taken over) */

static void
param_install(char *dir, char *main_path, struct cfg *c)
{
	mem_free(param_dir);
	param_dir = dir;
	mem_free(param_main_path);
	param_main_path = main_path;
	cfg_free(param_main);
	param_main = c;
	param_loaded = 1;
	param_refresh();
}

void
param_load(const char *config_dir)
{
	const char *dir;
	struct vbuf path = VBUF_INIT, why = VBUF_INIT;
	struct cfg *c;
	size_t i;

	param_ready();
	dir = config_dir != NULL && *config_dir != 0 ? config_dir
						     : param_default_dir();
	vbuf_printf(&path, "%s/main.cf", dir);
	c = cfg_create();
	if (cfg_load(c, vbuf_str(&path), &why) < 0) {
		static char text[2048];

		snprintf(text, sizeof(text), "%s", vbuf_str(&why));
		cfg_free(c);
		vbuf_free(&path);
		vbuf_free(&why);
		msg_fatal("%s", text);
	}
	vbuf_free(&why);
	if (setenv("MAIL_CONFIG", dir, 1) != 0)
		msg_fatal("setenv MAIL_CONFIG: %m");
	/* Install only after success: the old values stay valid until here. */
	param_install(mem_strdup(dir), vbuf_export(&path), c);

	for (i = 0; i < cfg_count(param_main); i++) {
		const struct param_def *d =
		    param_find(cfg_name_at(param_main, i));

		if (d != NULL)
			param_validate(d);
	}
}

void
param_load_cfg(const char *config_dir, struct cfg *c)
{
	const char *dir;
	struct vbuf path = VBUF_INIT;

	param_ready();
	dir = config_dir != NULL && *config_dir != 0 ? config_dir
						     : param_default_dir();
	vbuf_printf(&path, "%s/main.cf", dir);
	param_install(mem_strdup(dir), vbuf_export(&path), c);
}

void
param_override(const char *name_eq_value)
{
	char *copy = mem_strdup(name_eq_value);
	char *name = copy, *eq, *value, *end;
	const struct param_def *d;

	param_ready();
	while (isspace((unsigned char)*name))
		name++;
	if ((eq = strchr(name, '=')) == NULL || eq == name) {
		mem_free(copy);
		msg_fatal("bad parameter override: \"%s\"", name_eq_value);
	}
	value = eq + 1;
	end = eq;
	while (end > name && isspace((unsigned char)end[-1]))
		end--;
	*end = 0;
	while (isspace((unsigned char)*value))
		value++;
	end = value + strlen(value);
	while (end > value && isspace((unsigned char)end[-1]))
		*--end = 0;
	if (*name == 0 || strpbrk(name, " \t") != NULL) {
		mem_free(copy);
		msg_fatal("bad parameter override: \"%s\"", name_eq_value);
	}
	cfg_set(param_over, name, value);
	d = param_find(name);
	mem_free(copy);
	param_refresh();
	if (d != NULL)
		param_validate(d);
}

void
param_log_open(void)
{
	const char *file = param_str("maillog_file");

	/* As Postfix: a log file must lie under maillog_file_prefixes. */
	if (*file != 0) {
		char **pfx;

		for (pfx = param_list("maillog_file_prefixes"); *pfx; pfx++)
			if (strncmp(file, *pfx, strlen(*pfx)) == 0)
				break;
		if (*pfx == NULL)
			msg_fatal("maillog_file value '%s' does not match any "
				  "prefix "
				  "in maillog_file_prefixes",
			    file);
	}
	if (msg_syslog_facility(param_str("syslog_facility")) < 0)
		msg_fatal("file %s: parameter syslog_facility: unrecognized "
			  "value: %s",
		    param_main_cf_path(), param_str("syslog_facility"));
	msg_log_open(param_str("syslog_name"), file, param_str("myhostname"));
}

const char *
param_config_dir(void)
{
	return (param_loaded ? param_dir : param_default_dir());
}

const char *
param_main_cf_path(void)
{
	static struct vbuf path = VBUF_INIT;

	if (param_loaded)
		return (param_main_path);
	vbuf_reset(&path);
	vbuf_printf(&path, "%s/main.cf", param_default_dir());
	return (vbuf_str(&path));
}

struct cfg *
param_cfg(void)
{
	param_ready();
	return (param_main);
}
