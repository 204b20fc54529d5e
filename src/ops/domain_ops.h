/*
 * ops/domain_ops.h: what the domain control family (domain_ops.c: pause,
 * unpause, shutdown, reboot, destroy) keeps per ctx, and its test hooks.
 */
#ifndef LIGHTCORE_OPS_DOMAIN_OPS_H
#define LIGHTCORE_OPS_DOMAIN_OPS_H

#include "base/ctx_base.h"
#include "base/gc.h"

/* Per-ctx state (CTX_DOMAIN_OPS(ctx), ops/ops.h); all zero initially. */
typedef struct libxl__domain_ops_state {
    /* Tunables (0 = the default); for tests. */
    int shutdown_ack_timeout_ms;      /* default 60 s, as libxl */
    int destroy_timeout_ms;           /* default 10 s */
} libxl__domain_ops_state;

/* For tests: how long libxl_domain_shutdown / _reboot wait for the guest's
 * acknowledgement, and libxl_domain_destroy for the domain to disappear
 * (ms; 0 restores the default). Takes the lock itself. */
void libxl__domain_ops_set_timeouts(libxl_ctx *ctx, int shutdown_ack_ms,
                                    int destroy_ms);

/*
 * A domain's device model stopped as libxl's destroy stops it
 * (dm_destroy.c): dom0's device-model/DOMID directory removed, the pid the
 * domain's image/device-model-pid records sent SIGHUP (a value that is
 * not a positive number is refused, never passed to kill(2)), the QMP
 * sockets removed. 0, or the first failure (each logged as libxl logs
 * it; the steps after a failure still run). Lock held or not.
 */
int libxl__device_model_destroy(libxl__gc *gc, uint32_t domid);

/* No module-table entry: the state is the tunables only (all zero is the
 * defaults), and nothing of the family outlives its aos. */

#endif /* LIGHTCORE_OPS_DOMAIN_OPS_H */
