/*
 * sluice_config - "sluice check" for main.cf and master.cf values; see
 * sluice.h.
 *
 * Implementation notes. The checks are util/pcheck's, the ones the
 * daemons apply when they bind their parameters and the master's reload
 * check runs, so a value that passes here is one the daemon that reads
 * it accepts: every parameter with a rule (enumerations, restriction
 * lists with their arguments, lookup tables opened as the daemons open
 * them, TLS files readable), Postfix's relay guard, and every enabled
 * master.cf entry (type, chroot, its program in daemon_directory, each
 * -o override's name and value). Number, time, size and boolean values
 * of main.cf were checked by param_load() already (fatal with file and
 * line). Each problem is reported first, then one fatal line sums up,
 * so that one run shows them all. Unknown names are warnings only.
 */
#include "sluice.h"
#include "msg.h"
#include "param.h"
#include "pcheck.h"
#include "vbuf.h"

int
sluice_check_config(void)
{
	struct vbuf path = VBUF_INIT;
	int bad;

	vbuf_printf(&path, "%s/master.cf", param_config_dir());
	bad = pcheck_config(PCHECK_FILES);
	bad += pcheck_master_cf(vbuf_str(&path), PCHECK_FILES);
	pcheck_unknown(vbuf_str(&path));
	if (bad)
		msg_fatal("%d configuration error%s in %s; see above; nothing "
			  "was changed",
		    bad, bad == 1 ? "" : "s", param_config_dir());
	vbuf_free(&path);
	return (0);
}
