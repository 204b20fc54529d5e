/*
 * libxl_lightcore.h: lightcore's extensions beyond libxl 4.17's
 * interface. Nothing here changes a libxl 4.17 type or function: a
 * program that uses only libxl.h is unaffected, and one that uses these
 * checks the LIBXL_HAVE_LIGHTCORE_* macro first.
 */
#ifndef LIBXL_LIGHTCORE_H
#define LIBXL_LIGHTCORE_H

#include <stdint.h>

#include "libxl.h"

/*
 * A driver domain restarted (seed 004: a device's backend entries are
 * kept by the toolstack, so the domain serving them can be rebuilt).
 *
 * A driver domain that served other domains' devices as old_domid runs
 * again as new_domid (a domain made afresh, usually with the same name).
 * The toolstack's record of each device (/libxl/DOMID/device/KIND/DEVID,
 * which only dom0 can write) keeps every backend entry it wrote; for each
 * record whose backend is in old_domid this call, in one xenstore
 * transaction per device:
 *  - makes the backend directory again under new_domid from the record
 *    (state Initialising, so that new_domid's device events handler,
 *    libxl_device_events_handler, takes it on and runs its scripts),
 *    and removes what is left of the old one;
 *  - points the guest's frontend at it (`backend`, `backend-id`, the
 *    permissions that named old_domid) and sets its state back to
 *    Initialising, so the guest's frontend connects again;
 *  - makes the record name the new backend;
 * then, in their domains' stored configurations, gives new_domid to the
 * devices whose backend is old_domid by domid (or by a backend_domname
 * that is old_domid in digits, which libxl takes for a domid); a device
 * whose backend is named (xl's backend=NAME) is left as it is: the name
 * is resolved when it is used, and the restarted domain has it again.
 * Frontend values are written, never read: a guest chooses nothing here.
 *
 * Synchronous; it does not wait for the devices to connect. Returns 0
 * with *num_r (if not NULL) the number of devices moved, ERROR_INVAL when
 * new_domid has no xenstore home (it does not exist), equals old_domid,
 * or either is dom0 (which does not restart), or ERROR_FAIL (logged)
 * when xenstore or a stored configuration could not be updated (the
 * devices done so far stay done).
 */
#define LIBXL_HAVE_LIGHTCORE_BACKEND_DOMAIN_RESTARTED 1
int libxl_lightcore_backend_domain_restarted(libxl_ctx *ctx,
                                             uint32_t old_domid,
                                             uint32_t new_domid,
                                             int *num_r);

#endif /* LIBXL_LIGHTCORE_H */
