/*
 * smtpd_params - the parameters smtpd reads, in one table (smtpd.h). The
 * table is smtpd's server_spec.params; unit tests bind it themselves.
 */
#include <stddef.h>

#include "smtpd.h"
#include "param.h"

const char *var_cleanup_service_name;
int var_disable_vrfy_command;
const char *var_dns_servers;
const char *var_flush_service_name;
long var_hopcount_limit;
long var_line_length_limit;
const char *var_mail_name;
long var_message_size_limit;
const char *var_myhostname;
long var_queue_minfree;
const char *var_smtpd_banner;
long var_smtpd_client_connection_count_limit;
char **var_smtpd_discard_ehlo_keywords;
int var_smtpd_enforce_tls;
long var_smtpd_error_sleep_time;
const char *var_smtpd_forbid_bare_newline;
long var_smtpd_forbid_bare_newline_reject_code;
long var_smtpd_hard_error_limit;
int var_smtpd_helo_required;
long var_smtpd_junk_command_limit;
int var_smtpd_peername_lookup;
long var_smtpd_recipient_limit;
long var_smtpd_recipient_overshoot_limit;
long var_smtpd_soft_error_limit;
long var_smtpd_starttls_timeout;
long var_smtpd_timeout;
const char *var_smtpd_tls_cert_file;
const char *var_smtpd_tls_key_file;
const char *var_smtpd_tls_security_level;
int var_smtpd_use_tls;
int var_soft_bounce;

const struct param_var smtpd_params[] = {
    PARAM_VAR("cleanup_service_name", &var_cleanup_service_name),
    PARAM_VAR("disable_vrfy_command", &var_disable_vrfy_command),
    PARAM_VAR("dns_servers", &var_dns_servers),
    PARAM_VAR("flush_service_name", &var_flush_service_name),
    PARAM_VAR("hopcount_limit", &var_hopcount_limit),
    PARAM_VAR("line_length_limit", &var_line_length_limit),
    PARAM_VAR("mail_name", &var_mail_name),
    PARAM_VAR("message_size_limit", &var_message_size_limit),
    PARAM_VAR("myhostname", &var_myhostname),
    PARAM_VAR("queue_minfree", &var_queue_minfree),
    PARAM_VAR("smtpd_banner", &var_smtpd_banner),
    PARAM_VAR("smtpd_client_connection_count_limit",
	&var_smtpd_client_connection_count_limit),
    PARAM_VAR("smtpd_discard_ehlo_keywords", &var_smtpd_discard_ehlo_keywords),
    PARAM_VAR("smtpd_enforce_tls", &var_smtpd_enforce_tls),
    PARAM_VAR("smtpd_error_sleep_time", &var_smtpd_error_sleep_time),
    PARAM_VAR("smtpd_forbid_bare_newline", &var_smtpd_forbid_bare_newline),
    PARAM_VAR("smtpd_forbid_bare_newline_reject_code",
	&var_smtpd_forbid_bare_newline_reject_code),
    PARAM_VAR("smtpd_hard_error_limit", &var_smtpd_hard_error_limit),
    PARAM_VAR("smtpd_helo_required", &var_smtpd_helo_required),
    PARAM_VAR("smtpd_junk_command_limit", &var_smtpd_junk_command_limit),
    PARAM_VAR("smtpd_peername_lookup", &var_smtpd_peername_lookup),
    PARAM_VAR("smtpd_recipient_limit", &var_smtpd_recipient_limit),
    PARAM_VAR("smtpd_recipient_overshoot_limit",
	&var_smtpd_recipient_overshoot_limit),
    PARAM_VAR("smtpd_soft_error_limit", &var_smtpd_soft_error_limit),
    PARAM_VAR("smtpd_starttls_timeout", &var_smtpd_starttls_timeout),
    PARAM_VAR("smtpd_timeout", &var_smtpd_timeout),
    PARAM_VAR("smtpd_tls_cert_file", &var_smtpd_tls_cert_file),
    PARAM_VAR("smtpd_tls_key_file", &var_smtpd_tls_key_file),
    PARAM_VAR("smtpd_tls_security_level", &var_smtpd_tls_security_level),
    PARAM_VAR("smtpd_use_tls", &var_smtpd_use_tls),
    PARAM_VAR("soft_bounce", &var_soft_bounce),
    PARAM_VAR_END,
};
