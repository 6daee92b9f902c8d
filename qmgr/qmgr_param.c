/*
 * NAME
 *	qmgr_param - the queue manager's parameters
 * SYNOPSIS
 *	#include "qmgr.h"
 *
 *	void qmgr_param_init(void);
 *	long qmgr_param_time(const char *name, long def);
 *	long qmgr_param_int(const char *name, long def);
 *	const char *qmgr_param_str(const char *name, const char *def);
 *	long qmgr_transport_int(const char *transport, const char *suffix,
 *			const char *fallback, long def);
 *	const char *qmgr_transport_str(const char *transport,
 *			const char *suffix, const char *fallback,
 *			const char *def);
 * DESCRIPTION
 *	qmgr_param_init() loads the var_<name> variables from the loaded
 *	configuration (param(3)), applying qmgr's sanity limits.
 *
 *	qmgr_param_time(), qmgr_param_int() and qmgr_param_str() read one
 *	parameter through param(3) when the parameter table knows it, and
 *	return def otherwise.
 *
 *	qmgr_transport_int()/qmgr_transport_str() read a per-transport
 *	parameter "<transport>_<suffix>" (e.g. smtp_destination_recipient_
 *	limit): from the table if it knows the name, else from main.cf as
 *	written (a plain number for _int), else the fallback parameter
 *	("default_destination_recipient_limit"), else def.
 */
#include <stdlib.h>
#include <string.h>
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "cfg.h"
#include "qmgr.h"

long var_queue_run_delay = 300;
long var_minimal_backoff_time = 300;
long var_maximal_backoff_time = 4000;
long var_maximal_queue_lifetime = 5 * 86400;
long var_bounce_queue_lifetime = 5 * 86400;
long var_qmgr_message_active_limit = 20000;
long var_qmgr_message_recipient_limit = 20000;
long var_qmgr_message_recipient_minimum = 10;
long var_transport_retry_time = 60;
long var_qmgr_ipc_timeout = 60;
long var_default_process_limit = 100;
char *var_relayhost;
char *var_myhostname;

long
qmgr_param_time(const char *name, long def)
{
	return (param_find(name) ? param_time(name) : def);
}

long
qmgr_param_int(const char *name, long def)
{
	return (param_find(name) ? param_int(name) : def);
}

const char *
qmgr_param_str(const char *name, const char *def)
{
	return (param_find(name) ? param_str(name) : def);
}

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
    const char *fallback, long def)
{
	struct vbuf name = VBUF_INIT;
	const char *raw;
	long v = def;

	vbuf_printf(&name, "%s_%s", transport, suffix);
	if (param_find(name.data)) {
		v = param_int(name.data);
	} else if (param_cfg() &&
	    (raw = cfg_get(param_cfg(), name.data)) != 0 &&
	    qmgr_param_number(raw, &v) == 0) {
		/* v set */;
	} else if (fallback) {
		v = qmgr_param_int(fallback, def);
	}
	vbuf_free(&name);
	return (v);
}

const char *
qmgr_transport_str(const char *transport, const char *suffix,
    const char *fallback, const char *def)
{
	struct vbuf name = VBUF_INIT;
	const char *v = 0;

	vbuf_printf(&name, "%s_%s", transport, suffix);
	if (param_find(name.data))
		v = param_str(name.data);
	else if (param_cfg())
		v = cfg_get(param_cfg(), name.data);
	if (v == 0 && fallback)
		v = qmgr_param_str(fallback, def);
	vbuf_free(&name);
	return (v ? v : def);
}

void
qmgr_param_init(void)
{
	var_queue_run_delay = qmgr_param_time("queue_run_delay", 300);
	var_minimal_backoff_time = qmgr_param_time("minimal_backoff_time", 300);
	var_maximal_backoff_time =
	    qmgr_param_time("maximal_backoff_time", 4000);
	var_maximal_queue_lifetime =
	    qmgr_param_time("maximal_queue_lifetime", 5 * 86400);
	var_bounce_queue_lifetime =
	    qmgr_param_time("bounce_queue_lifetime", 5 * 86400);
	var_qmgr_message_active_limit =
	    qmgr_param_int("qmgr_message_active_limit", 20000);
	var_qmgr_message_recipient_limit =
	    qmgr_param_int("qmgr_message_recipient_limit", 20000);
	var_qmgr_message_recipient_minimum =
	    qmgr_param_int("qmgr_message_recipient_minimum", 10);
	var_transport_retry_time = qmgr_param_time("transport_retry_time", 60);
	var_qmgr_ipc_timeout = qmgr_param_time("qmgr_ipc_timeout", 60);
	var_default_process_limit =
	    qmgr_param_int("default_process_limit", 100);
	mem_free(var_relayhost);
	var_relayhost = mem_strdup(qmgr_param_str("relayhost", ""));
	mem_free(var_myhostname);
	var_myhostname = mem_strdup(qmgr_param_str("myhostname", "localhost"));

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
