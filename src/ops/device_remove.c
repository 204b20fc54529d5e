/*
 * ops/device_remove.c: removing a device from a domain, for every kind
 * (libxl__device_remove, contract in ops/device.h), with libxl 4.17's
 * steps, deadlines, results and log lines. Knows no kind.
 *
 * The steps, in the order they run:
 *   initiate   the backend told to close (online 0, state Closing) in one
 *              transaction; forced: the frontend removed first. A QEMU
 *              backend of a paused, dying or shut-down guest is not asked:
 *              after a short grace it is marked Closed (libxl's bodge);
 *   wait       the backend reaching Closed; a remove (not forced) that
 *              times out is forced and starts again;
 *   hotplug    the script's "remove" (a backend in another domain: its
 *              directory going away instead);
 *   done       the device's nodes removed (unless an unforced removal
 *              failed), the result.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"
#include "ops/device.h"
#include "subop/async_exec.h"
#include "subop/xswait.h"
#include "xs/paths.h"
#include "xs/xs.h"

/* libxl's grace for QEMU backends of a guest that cannot answer. */
#define QEMU_BODGE_MS 2000

#define MAX_HOTPLUG_ERROR 1024

typedef struct {
    libxl__ao *ao;
    const libxl__devtype *dt;
    libxl__devaddr addr;
    libxl__devforce force;
    const char *be, *be_state;
    int num_exec;
    libxl__xswait wait;
    libxl__ao_time bodge;
    libxl__async_exec_state aes;
    libxl__device_removed_cb *cb;     /* a sub-operation's; NULL: the ao's */
    void *cb_arg;
} devrm;

static void initiate(libxl__egc *egc, devrm *rm);
static void backend_state(libxl__egc *egc, libxl__xswait *xsw, int rc,
                          const char *value);
static void qemu_bodge_over(libxl__egc *egc, libxl__ao_time *t, int rc);
static void hotplug(libxl__egc *egc, devrm *rm);
static void hotplug_done(libxl__egc *egc, libxl__async_exec_state *aes,
                         int rc, int status);
static void backend_gone(libxl__egc *egc, libxl__xswait *xsw, int rc,
                         const char *value);
static void done(libxl__egc *egc, devrm *rm, int rc);

/* A removal's state for the device at addr, in ao (NULL without
 * memory); its backend paths set. */
static devrm *devrm_new(libxl__ao *ao, const libxl__devtype *dt,
                        const libxl__devaddr *addr, libxl__devforce force)
{
    libxl__gc *gc = libxl__ao_gc(ao);
    devrm *rm = libxl__ao_zalloc(ao, sizeof(*rm));

    if (!rm) return NULL;
    rm->ao = ao;
    rm->dt = dt;
    rm->addr = *addr;
    rm->force = force;
    libxl__xswait_init(&rm->wait);
    libxl__ao_time_init(&rm->bodge);
    libxl__async_exec_init(&rm->aes);
    rm->be = libxl__dev_backend_path(gc, &rm->addr);
    rm->be_state = rm->be ? GCSPRINTF("%s/state", rm->be) : NULL;
    return rm->be_state ? rm : NULL;
}

int libxl__device_remove(libxl_ctx *ctx, uint32_t domid,
                         const libxl__devtype *dt, const void *dev,
                         libxl__devforce force,
                         const libxl_asyncop_how *ao_how)
{
    AO_CREATE(ctx, domid, ao_how);
    libxl__gc *gc = libxl__ao_gc(ao);
    libxl__devaddr addr;
    devrm *rm;
    int rc;

    rc = libxl__device_addr_of(gc, dt, domid, dev, &addr);
    if (rc) return AO_CREATE_FAIL(rc);
    if (dt->pre_remove) {
        AO_UNLOCKED(ao, rc = dt->pre_remove(gc, domid, dev));
        if (rc) {
            LOGD(ctx, ERROR, domid, "Unable to remove %s with id %d",
                 libxl__devkind_name(addr.kind), addr.devid);
            libxl__ao_complete(egc, ao, rc);
            return AO_INPROGRESS;
        }
    }
    rm = devrm_new(ao, dt, &addr, force);
    if (!rm) return AO_CREATE_FAIL(ERROR_NOMEM);
    initiate(egc, rm);
    return AO_INPROGRESS;
}

void libxl__device_remove_sub(libxl__egc *egc, libxl__ao *ao,
                              const libxl__devtype *dt,
                              const libxl__devaddr *addr,
                              libxl__devforce force,
                              libxl__device_removed_cb *cb, void *arg)
{
    devrm *rm = devrm_new(ao, dt, addr, force);

    if (!rm) {
        cb(egc, arg, ERROR_NOMEM);
        return;
    }
    rm->cb = cb;
    rm->cb_arg = arg;
    initiate(egc, rm);
}

/* ------------------------------------------------------------ initiate */

/* Whether the guest can still answer a QEMU backend (libxl asks only a
 * running one); 0, or an error (logged). */
static int guest_answers(libxl__egc *egc, devrm *rm, bool *answers)
{
    libxl_dominfo info;
    int rc;

    libxl_dominfo_init(&info);
    rc = libxl_domain_info(egc->ctx, &info, rm->addr.domid);
    if (rc) {
        LOGD(egc->ctx, ERROR, rm->addr.domid, "unable to get info for domain"
             " %u", rm->addr.domid);
    } else {
        *answers = !(info.paused || info.dying || info.shutdown);
    }
    libxl_dominfo_dispose(&info);
    return rc;
}

/* One transaction: the frontend removed (forced), the backend told to
 * close. 0; 1 if the backend is gone already; or an error. */
static int tell_backend(libxl__gc *gc, devrm *rm)
{
    struct xs_handle *xsh = gc->ctx->xsh;
    uint32_t domid = rm->addr.domid;

    for (;;) {
        xs_transaction_t t = xs_transaction_start(xsh);
        const char *state, *fe;

        if (!t) {
            LOGD(gc->ctx, ERROR, domid, "unable to start transaction");
            return ERROR_FAIL;
        }
        if (rm->force == LIBXL__FORCE_ON) {
            fe = libxl__dev_frontend_path(gc, &rm->addr);
            if (fe) libxl__xs_path_cleanup(gc, t, fe);
        }
        state = libxl__xs_read_checked(gc, t, rm->be_state, 16);
        if (!state && errno == ENOENT) {
            LOG(gc->ctx, INFO, "backend %s already removed, cleanup frontend"
                " only", rm->be);
            xs_transaction_end(xsh, t, false);
            return 1;
        }
        if (!state) {
            LOGD(gc->ctx, ERROR, domid, "unable to read device state from"
                 " path %s", rm->be_state);
            xs_transaction_end(xsh, t, true);
            return ERROR_FAIL;
        }
        if (!xs_write(xsh, t, GCSPRINTF("%s/online", rm->be), "0", 1) ||
            (atoi(state) != LIBXL__XENBUS_CLOSED &&
             !xs_write(xsh, t, rm->be_state, "5", 1))) {
            LOGED(gc->ctx, ERROR, domid, "unable to write to xenstore path"
                  " %s", rm->be_state);
            xs_transaction_end(xsh, t, true);
            return ERROR_FAIL;
        }
        if (xs_transaction_end(xsh, t, false)) return 0;
        if (errno != EAGAIN) {
            LOGED(gc->ctx, ERROR, domid, "xs transaction failed");
            return ERROR_FAIL;
        }
    }
}

static void initiate(libxl__egc *egc, devrm *rm)
{
    libxl__gc *gc = libxl__ao_gc(rm->ao);
    uint32_t self;
    bool answers = true;
    int rc;

    rc = libxl__device_own_domid(gc, &self);
    if (rc) {
        LOGD(egc->ctx, ERROR, rm->addr.domid, "unable to get my domid");
        goto out;
    }
    if (self == 0) {
        rc = guest_answers(egc, rm, &answers);
        if (rc) goto out;
        if (!answers && libxl__devkind_qemu_backend(rm->addr.backend_kind)) {
            rc = libxl__ao_time_register(rm->ao, &rm->bodge,
                                         qemu_bodge_over, QEMU_BODGE_MS);
            if (rc) {
                LOGD(egc->ctx, ERROR, rm->addr.domid, "unable to register"
                     " timeout for Qemu device %s", rm->be);
                goto out;
            }
            return;
        }
    }
    rc = tell_backend(gc, rm);
    if (rc == 1) {
        rc = 0;
        goto out;
    }
    if (rc) goto out;

    rm->wait.ao = rm->ao;
    rm->wait.what = libxl__ao_sprintf(rm->ao, "backend %s (hoping for state"
                                      " change to 6)", rm->be_state);
    rm->wait.path = rm->be_state;
    rm->wait.timeout_ms =
        libxl__device_timeout_ms(LIBXL__DEVTIMEOUT_DESTROY);
    rm->wait.callback = backend_state;
    rc = libxl__xswait_start(&rm->wait);
    if (rc) {
        LOGD(egc->ctx, ERROR, rm->addr.domid, "unable to remove device %s",
             rm->be);
        goto out;
    }
    return;
out:
    done(egc, rm, rc);
}

static void qemu_bodge_over(libxl__egc *egc, libxl__ao_time *t, int rc)
{
    devrm *rm = CONTAINER_OF(t, devrm, bodge);
    libxl__gc *gc = libxl__ao_gc(rm->ao);
    const char *state;

    if (rc != ERROR_TIMEDOUT) goto out;
    state = libxl__xs_read_checked(gc, XBT_NULL, rm->be_state, 16);
    if (!state && errno != ENOENT) {
        rc = ERROR_FAIL;
        goto out;
    }
    if (state && atoi(state) != LIBXL__XENBUS_CLOSED &&
        !xs_write(egc->ctx->xsh, XBT_NULL, rm->be_state, "6", 1)) {
        rc = ERROR_FAIL;
        goto out;
    }
    hotplug(egc, rm);
    return;
out:
    done(egc, rm, rc);
}

/* ------------------------------------------------ waiting for Closed */

static void backend_state(libxl__egc *egc, libxl__xswait *xsw, int rc,
                          const char *value)
{
    devrm *rm = CONTAINER_OF(xsw, devrm, wait);
    libxl_ctx *ctx = egc->ctx;

    if (!rc && !value) {
        LOGD(ctx, DEBUG, rm->addr.domid, "backend %s wanted state 6 but it"
             " was removed", rm->be_state);
        rc = ERROR_INVAL;
    }
    if (!rc && atoi(value) != LIBXL__XENBUS_CLOSED) return;
    libxl__xswait_stop(xsw);
    if (rc == ERROR_TIMEDOUT && rm->force == LIBXL__FORCE_AUTO) {
        LOGD(ctx, DEBUG, rm->addr.domid, "Timeout reached, initiating forced"
             " remove");
        rm->force = LIBXL__FORCE_ON;
        initiate(egc, rm);
        return;
    }
    if (rc) {
        LOGD(ctx, ERROR, rm->addr.domid, "unable to remove device with path"
             " %s", rm->be);
        done(egc, rm, rc);
        return;
    }
    hotplug(egc, rm);
}

/* ------------------------------------------------------ hotplug script */

static void hotplug(libxl__egc *egc, devrm *rm)
{
    libxl__gc *gc = libxl__ao_gc(rm->ao);
    const char *path = NULL;
    char **argv = NULL, **envp = NULL;
    uint32_t self;
    int rc;

    rc = libxl__device_own_domid(gc, &self);
    if (rc) goto out;
    if (rm->addr.backend_domid != self) {
        /* a driver domain removes its backend itself: wait for it */
        rm->wait.ao = rm->ao;
        rm->wait.what = "removal of backend path";
        rm->wait.path = rm->be;
        rm->wait.timeout_ms =
            libxl__device_timeout_ms(LIBXL__DEVTIMEOUT_DESTROY);
        rm->wait.callback = backend_gone;
        rc = libxl__xswait_start(&rm->wait);
        if (rc) {
            LOGD(egc->ctx, ERROR, rm->addr.domid, "Setup of backend removal"
                 " watch failed (path %s)", rm->be);
            goto out;
        }
        return;
    }
    rc = libxl__device_hotplug_args(gc, rm->dt, &rm->addr, false,
                                    rm->num_exec, &path, &argv, &envp);
    if (rc < 0) {
        LOGD(egc->ctx, ERROR, rm->addr.domid, "unable to get args/env to"
             " execute hotplug script for device %s", rm->be);
        goto out;
    }
    if (!rc) goto out;
    rm->aes.ao = rm->ao;
    rm->aes.what = GCSPRINTF("%s %s", argv[0], argv[1]);
    rm->aes.path = path;
    rm->aes.argv = argv;
    rm->aes.envp = envp;
    rm->aes.stdfds[0] = -1;
    rm->aes.stdfds[1] = 2;
    rm->aes.stdfds[2] = 2;
    rm->aes.timeout_ms = libxl__device_timeout_ms(LIBXL__DEVTIMEOUT_HOTPLUG);
    rm->aes.callback = hotplug_done;
    rc = libxl__async_exec_start(egc, &rm->aes);
    if (rc) goto out;
    return;
out:
    done(egc, rm, rc);
}

static void hotplug_done(libxl__egc *egc, libxl__async_exec_state *aes,
                         int rc, int status)
{
    devrm *rm = CONTAINER_OF(aes, devrm, aes);
    libxl__gc *gc = libxl__ao_gc(rm->ao);

    if (!rc && status) {
        const char *err = libxl__xs_read_checked(
            gc, XBT_NULL, GCSPRINTF("%s/hotplug-error", rm->be),
            MAX_HOTPLUG_ERROR);
        if (err) LOG(egc->ctx, ERROR, "script: %s", err);
        rc = ERROR_FAIL;
    }
    /* a removal goes on after a failed script: logged, and as in libxl
     * the next step's result stands (the script's error is not kept) */
    (void)rc;
    rm->num_exec++;
    hotplug(egc, rm);
}

static void backend_gone(libxl__egc *egc, libxl__xswait *xsw, int rc,
                         const char *value)
{
    devrm *rm = CONTAINER_OF(xsw, devrm, wait);

    if (!rc && value) return;               /* still there */
    libxl__xswait_stop(xsw);
    if (rc == ERROR_TIMEDOUT)
        LOGD(egc->ctx, ERROR, rm->addr.domid, "timed out while waiting for"
             " %s to be removed", rm->be);
    done(egc, rm, rc);
}

/* ---------------------------------------------------------------- done */

static void done(libxl__egc *egc, devrm *rm, int rc)
{
    libxl__gc *gc = libxl__ao_gc(rm->ao);

    /* an unforced removal that failed leaves the device as it is */
    if (rm->force == LIBXL__FORCE_ON || !rc) {
        int r = libxl__device_destroy_nodes(gc, &rm->addr);
        /* xenstored gone: the ctx's disaster, reported once */
        if (r) libxl__xswatch_check_conn_error(egc, errno);
        if (!rc) rc = r;
    }
    if (rc)
        LOGD(egc->ctx, ERROR, rm->addr.domid, "Unable to remove %s with id"
             " %d", libxl__devkind_name(rm->addr.kind), rm->addr.devid);
    if (rm->cb) rm->cb(egc, rm->cb_arg, rc);
    else libxl__ao_complete(egc, rm->ao, rc);
}
