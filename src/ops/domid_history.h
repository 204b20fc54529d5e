/*
 * ops/domid_history.h: the host's record of recently destroyed domids
 * (/var/run/xen/domid-history, libxl 4.17's file and format), so that
 * creation does not hand out a domid a toolstack may still be thinking
 * about. Written by destroy, read by creation; cleared by
 * libxl_clear_domid_history (domid_history.c).
 *
 * The file holds one line per domid, "SECONDS DOMID\n", SECONDS being
 * CLOCK_MONOTONIC's when it was destroyed; a line older than the reuse
 * timeout (60 s, or $LIBXL_DOMID_REUSE_TIMEOUT read as strtol base 0)
 * counts for nothing and is dropped at the next write.
 */
#ifndef LIGHTCORE_OPS_DOMID_HISTORY_H
#define LIGHTCORE_OPS_DOMID_HISTORY_H

#include <stdbool.h>
#include <stdint.h>

#include "base/gc.h"

/*
 * Records domid as destroyed now, as libxl does before it asks the
 * hypervisor: under the lock domid-history.lock, the live lines of the
 * file and then the new one are appended to domid-history.new, which is
 * renamed over the file. 0, or ERROR_FAIL (logged) when the lock, the
 * old file, the clock or the rename fail; a failure to open, write or
 * close the new file is logged and, as in libxl, not an error (0). Blocks
 * on the lock: call without the ctx lock.
 */
int libxl__mark_domid_recent(libxl__gc *gc, uint32_t domid);

/*
 * *recent = whether domid has a live line in the file (a missing file:
 * none). 0, or ERROR_FAIL (logged) when the file cannot be read.
 */
int libxl__is_domid_recent(libxl__gc *gc, uint32_t domid, bool *recent);

#endif /* LIGHTCORE_OPS_DOMID_HISTORY_H */
