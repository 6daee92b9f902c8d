/*
 * NAME
 *	qmgr_param - the queue manager's parameters
 * SYNOPSIS
 *	#include "qmgr.h"
 *
 *	extern const struct param_var qmgr_params[];
 *
 *	void qmgr_param_init(void);
 *	long qmgr_transport_int(const char *transport, const char *suffix,
 *			const char *fallback);
 *	const char *qmgr_transport_str(const char *transport,
 *			const char *suffix, const char *fallback);
 * DESCRIPTION
 *	qmgr_params is the table of the parameters qmgr reads, bound to the
 *	var_<name> variables by server_main() (param_bind(3)); the defaults
 *	are param(3)'s. It lives here, not in qmgr.c, so that the unit
 *	tests, which link every qmgr object but qmgr.c, see the variables.
 *
 *	qmgr_param_init() applies qmgr's sanity limits to the bound values
 *	(relations between parameters, e.g. bounce_queue_lifetime at most
 *	maximal_queue_lifetime).
 *
 *	qmgr_transport_int()/qmgr_transport_str() read a per-transport
 *	parameter "<transport>_<suffix>" (e.g. smtp_destination_recipient_
 *	limit), whose name is only known at run time, so it cannot be a row
 *	of the table: from param(3) if its table knows the name, else from
 *	main.cf as written (a plain number for _int), else the fallback
 *	parameter (e.g. default_destination_recipient_limit), which is
 *	exactly Postfix's default for every such parameter. They carry no
 *	default of their own: the fallback must be a parameter param(3)
 *	knows.
 */
#include <stdlib.h>
#include <string.h>
#include "msg.h"
#include "param.h"
#include "cfg.h"
#include "qmgr.h"

const struct param_var qmgr_params[] = {
    PARAM_VAR(bounce_queue_lifetime),
    PARAM_VAR(default_process_limit),
    PARAM_VAR(maximal_backoff_time),
    PARAM_VAR(maximal_queue_lifetime),
    PARAM_VAR(minimal_backoff_time),
    PARAM_VAR(myhostname),
    PARAM_VAR(qmgr_ipc_timeout),
    PARAM_VAR(qmgr_message_active_limit),
    PARAM_VAR(qmgr_message_recipient_limit),
    PARAM_VAR(qmgr_message_recipient_minimum),
    PARAM_VAR(queue_run_delay),
    PARAM_VAR(relayhost),
    PARAM_VAR(transport_retry_time),
    PARAM_VAR_END,
};

static int
qmgr_param_number(const char *s, long *out)
{
	char *end;
	long v;

	if (s == 0 || *s < '0' || *s > '9')
		return (-1);
	v = strtol(s, &end, 10);
	if (*end != 0 || v < 0)
		return (-1);
	*out = v;
	return (0);
}

long
qmgr_transport_int(const char *transport, const char *suffix,
    const char *fallback)
{
	struct vbuf name = VBUF_INIT;
	const char *raw;
	long v;

	vbuf_printf(&name, "%s_%s", transport, suffix);
	if (param_find(name.data))
		v = param_int(name.data);
	else if (param_cfg() == 0 ||
	    (raw = cfg_get(param_cfg(), name.data)) == 0 ||
	    qmgr_param_number(raw, &v) < 0)
		v = param_int(fallback);
	vbuf_free(&name);
	return (v);
}

const char *
qmgr_transport_str(const char *transport, const char *suffix,
    const char *fallback)
{
	struct vbuf name = VBUF_INIT;
	const char *v = 0;

	vbuf_printf(&name, "%s_%s", transport, suffix);
	if (param_find(name.data))
		v = param_str(name.data);
	else if (param_cfg())
		v = cfg_get(param_cfg(), name.data);
	if (v == 0)
		v = param_str(fallback);
	vbuf_free(&name);
	return (v);
}

void
qmgr_param_init(void)
{
	/* Sanity, as Postfix's parameter table minimums. */
	if (var_queue_run_delay < 1)
		var_queue_run_delay = 1;
	if (var_minimal_backoff_time < 1)
		var_minimal_backoff_time = 1;
	if (var_maximal_backoff_time < var_minimal_backoff_time)
		var_maximal_backoff_time = var_minimal_backoff_time;
	if (var_maximal_queue_lifetime < 0)
		var_maximal_queue_lifetime = 0;
	if (var_bounce_queue_lifetime > var_maximal_queue_lifetime)
		var_bounce_queue_lifetime = var_maximal_queue_lifetime;
	if (var_qmgr_message_active_limit < 1)
		var_qmgr_message_active_limit = 1;
	if (var_qmgr_message_recipient_minimum < 1)
		var_qmgr_message_recipient_minimum = 1;
	if (var_qmgr_message_recipient_limit < var_qmgr_message_active_limit)
		var_qmgr_message_recipient_limit =
		    var_qmgr_message_active_limit;
	if (var_transport_retry_time < 1)
		var_transport_retry_time = 1;
	if (var_qmgr_ipc_timeout < 1)
		var_qmgr_ipc_timeout = 1;
	if (var_default_process_limit < 1)
		var_default_process_limit = 1;
}
