/*
 * smtpd_params - the parameters smtpd reads, in one table (smtpd.h). The
 * table is smtpd's server_spec.params; unit tests bind it themselves.
 */
#include <stddef.h>

#include "smtpd.h"
#include "param.h"

const struct param_var smtpd_params[] = {
    PARAM_VAR(cleanup_service_name),
    PARAM_VAR(command_directory),
    PARAM_VAR(disable_vrfy_command),
    PARAM_VAR(dns_servers),
    PARAM_VAR(flush_service_name),
    PARAM_VAR(hopcount_limit),
    PARAM_VAR(line_length_limit),
    PARAM_VAR(mail_name),
    PARAM_VAR(message_size_limit),
    PARAM_VAR(myhostname),
    PARAM_VAR(queue_minfree),
    PARAM_VAR(smtpd_banner),
    PARAM_VAR(smtpd_client_connection_count_limit),
    PARAM_VAR(smtpd_discard_ehlo_keywords),
    PARAM_VAR(smtpd_enforce_tls),
    PARAM_VAR(smtpd_error_sleep_time),
    PARAM_VAR(smtpd_forbid_bare_newline),
    PARAM_VAR(smtpd_forbid_bare_newline_reject_code),
    PARAM_VAR(smtpd_hard_error_limit),
    PARAM_VAR(smtpd_helo_required),
    PARAM_VAR(smtpd_junk_command_limit),
    PARAM_VAR(smtpd_peername_lookup),
    PARAM_VAR(smtpd_recipient_limit),
    PARAM_VAR(smtpd_recipient_overshoot_limit),
    PARAM_VAR(smtpd_soft_error_limit),
    PARAM_VAR(smtpd_starttls_timeout),
    PARAM_VAR(smtpd_timeout),
    PARAM_VAR(smtpd_tls_cert_file),
    PARAM_VAR(smtpd_tls_key_file),
    PARAM_VAR(smtpd_tls_security_level),
    PARAM_VAR(smtpd_use_tls),
    PARAM_VAR(soft_bounce),
    PARAM_VAR_END,
};
