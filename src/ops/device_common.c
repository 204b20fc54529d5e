/*
 * ops/device_common.c: small pieces every device operation uses
 * (ops/device.h): the deadlines and their test tunables, this domain's
 * own domid, and removing a device's directories.
 */
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "dev/devpath.h"
#include "ops/device.h"
#include "ops/device_devid.h"
#include "ops/ops.h"
#include "xs/paths.h"

int libxl__device_timeout_ms(libxl__devtimeout which)
{
    static const struct { const char *env; int ms; } t[] = {
        [LIBXL__DEVTIMEOUT_INIT] = { "LIGHTCORE_DEVICE_INIT_TIMEOUT_MS",
                                     10000 },
        [LIBXL__DEVTIMEOUT_HOTPLUG] = { "LIGHTCORE_DEVICE_HOTPLUG_TIMEOUT_MS",
                                        40000 },
        [LIBXL__DEVTIMEOUT_DESTROY] = { "LIGHTCORE_DEVICE_DESTROY_TIMEOUT_MS",
                                        10000 },
    };
    const char *v = getenv(t[which].env);
    uint32_t ms;

    if (v && libxl__parse_u32_strict(&v, &ms) && !*v && ms > 0 &&
        ms <= INT_MAX)
        return (int)ms;
    return t[which].ms;
}

int libxl__device_own_domid(libxl__gc *gc, uint32_t *domid)
{
    libxl__devices_state *st = CTX_DEVICES(gc->ctx);
    uint64_t known = atomic_load(&st->own_domid_plus1);
    const char *v, *p;

    if (known) {
        *domid = (uint32_t)(known - 1);
        return 0;
    }
    v = libxl__xs_read_checked(gc, XBT_NULL, "domid", 16);
    p = v;
    if (!v) {
        LOGE(gc->ctx, ERROR, "failed to get own domid (domid)");
        return ERROR_FAIL;
    }
    if (!libxl__parse_u32_strict(&p, domid) || *p) {
        LOG(gc->ctx, ERROR, "got a bad domid from xenstore (%s)", v);
        return ERROR_FAIL;
    }
    atomic_store(&st->own_domid_plus1, (uint64_t)*domid + 1);
    return 0;
}

/* Removes path and its empty parents in t; whether that failed for any
 * reason but the path being gone already (errno says which). */
static bool cleanup_failed(libxl__gc *gc, xs_transaction_t t,
                           const char *path)
{
    return libxl__xs_path_cleanup(gc, t, path) && errno != ENOENT;
}

int libxl__device_destroy_nodes(libxl__gc *gc, const libxl__devaddr *addr)
{
    const char *fe = libxl__dev_frontend_path(gc, addr);
    const char *rec = libxl__dev_record_path(gc, addr);
    const char *be = libxl__dev_backend_path(gc, addr);
    bool record_only = addr->backend_kind == LIBXL__DEVKIND_NONE;
    uint32_t self;
    int rc;

    if (!fe || !rec || !be) return ERROR_NOMEM;
    rc = libxl__device_own_domid(gc, &self);
    if (rc) return rc;
    for (;;) {
        xs_transaction_t t = xs_transaction_start(gc->ctx->xsh);
        bool failed = false;

        if (!t) {
            LOGE(gc->ctx, ERROR, "xs_transaction_start failed");
            return ERROR_FAIL;
        }
        /* the first failure stops the walk (errno is its) */
        if (self == 0)
            failed = (!record_only && cleanup_failed(gc, t, fe)) ||
                     cleanup_failed(gc, t, rec);
        if (!failed && !record_only &&
            (addr->backend_domid == self || self == 0))
            failed = cleanup_failed(gc, t, be);
        if (failed) {
            /* a refusal (libxl commits what it could remove): nothing
             * is removed, the caller sees the failure */
            int e = errno;
            xs_transaction_end(gc->ctx->xsh, t, true);
            errno = e;
            LOGE(gc->ctx, ERROR, "unable to remove the nodes of %s", be);
            return ERROR_FAIL;
        }
        if (xs_transaction_end(gc->ctx->xsh, t, false)) return 0;
        if (errno != EAGAIN) {
            LOGE(gc->ctx, ERROR, "xs_transaction_end failed");
            return ERROR_FAIL;
        }
    }
}

int libxl__device_addr_of(libxl__gc *gc, const libxl__devtype *dt,
                          uint32_t domid, const void *dev,
                          libxl__devaddr *addr)
{
    const char *base = dev;

    if (dt->to_addr) return dt->to_addr(gc, domid, dev, addr);
    addr->kind = addr->backend_kind = dt->kind;
    addr->domid = domid;
    memcpy(&addr->backend_domid, base + dt->backend_domid_off,
           sizeof(addr->backend_domid));
    memcpy(&addr->devid, base + dt->devid_off, sizeof(addr->devid));
    return 0;
}

int libxl__device_record_backend_domid(libxl__gc *gc,
                                       const libxl__devaddr *addr,
                                       const char *(*get)(const char *,
                                                          void *),
                                       void *user, uint32_t *domid)
{
    const char *be = get("backend", user);

    if (!be) {
        LOG(gc->ctx, ERROR, "xenstore read failed: `%s/backend'",
            libxl__dev_record_path(gc, addr));
        return ERROR_FAIL;
    }
    return libxl__device_backend_domid(gc, be, domid);
}
