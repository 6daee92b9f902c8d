/*
 * sluice_maps - "sluice check" for the lookup tables sluice uses; see
 * sluice.h.
 *
 * Every *_maps parameter that a daemon reads is opened here as the daemon
 * would open it (maps_check()): an unknown table type, a missing or
 * unreadable file, a pattern that does not compile or a text line longer
 * than the table reader accepts is reported naming the parameter and the
 * table. At run time the same table is a lookup error: the mail is
 * deferred, never routed by a default (util/resolve).
 */
#include <stddef.h>

#include "sluice.h"
#include "maps.h"
#include "msg.h"
#include "param.h"
#include "vbuf.h"

/* The table parameters the daemons read: util/resolve, cleanup, smtp. */
static const char *const sluice_maps_params[] = {
    "transport_maps",
    "sender_dependent_relayhost_maps",
    "sender_dependent_default_transport_maps",
    "relay_recipient_maps",
    "canonical_maps",
    "sender_canonical_maps",
    "recipient_canonical_maps",
    "smtp_generic_maps",
    NULL,
};

int
sluice_check_maps(void)
{
	struct vbuf why = VBUF_INIT;
	int bad = 0;

	for (size_t i = 0; sluice_maps_params[i] != NULL; i++) {
		const char *name = sluice_maps_params[i];

		vbuf_reset(&why);
		if (maps_check(name, param_str(name), &why) < 0) {
			msg_warn("%s", vbuf_str(&why));
			bad++;
		}
	}
	vbuf_free(&why);
	if (bad)
		msg_fatal("%d lookup table%s cannot be opened; see above", bad,
		    bad == 1 ? "" : "s");
	return (0);
}
