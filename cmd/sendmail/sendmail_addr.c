/*
 * sendmail_addr - the RFC 822 address-list parser of cleanup, compiled
 * into sendmail as well (sendmail -t, -f and command-line recipients must
 * parse addresses exactly as cleanup does), and so is cleanup's table of
 * known headers (sendmail -t reads To, Cc, Bcc and their Resent- forms).
 * Both files depend on nothing but util/; they belong in a util/addr
 * module once there is one.
 */
#include "../../cleanup/cleanup_addr.c"
#include "../../cleanup/cleanup_header.c"
