/*
 * ops/device_events.c: libxl_device_events_handler, the driver domain's
 * side of devices (what `xl devd` runs): it watches this domain's own
 * backend directory (/local/domain/SELF/backend) and, as libxl 4.17 does,
 *  - a backend device it has not seen that is not Closed is taken on:
 *    once the backend reaches InitWait its hotplug script runs "add"
 *    (a qdisk: the guest's QEMU would be spawned, see below);
 *  - a device it has taken on that is Closed with online 0 is let go: the
 *    backend is told to close (already done), its script runs "remove",
 *    and its backend directory is removed; when the last device of a
 *    guest goes, this domain's libxl/GUEST directory goes too.
 * Devices already in InitWait when the handler starts are taken on as
 * soon as its watch is in place. The operation runs until it is aborted (beyond libxl, whose
 * handler never ends: lightcore completes it with ERROR_ABORTED).
 *
 * Trust: everything is read from this domain's backend directories,
 * which only this domain and dom0 can write; the guest's frontend nodes
 * are never read, so nothing a guest writes chooses a script, its
 * arguments or a path that is removed. Paths are parsed strictly.
 *
 * Not done: spawning QEMU for a qdisk backend (libxl's
 * libxl__spawn_qdisk_backend) - lightcore has no device-model spawner
 * yet; such a device is tracked and logged, nothing is started. A
 * removal is started only for a backend that is Closed already, so its
 * wait for Closed ends at once; if the backend leaves Closed meanwhile
 * and the wait times out, the removal fails (libxl would force it, which
 * removes the guest's frontend: not a driver domain's to remove).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xen_list.h>

#include "base/log.h"
#include "base/util.h"
#include "dev/devpath.h"
#include "ops/device.h"
#include "subop/async_exec.h"
#include "subop/xswait.h"
#include "xs/paths.h"

#define MAX_HOTPLUG_ERROR 1024

typedef struct devd devd;

/* A backend device taken on. */
typedef struct devd_device {
    libxl__devaddr addr;
    XEN_SLIST_ENTRY(struct devd_device) next;
} devd_device;

/* A guest with devices served here. */
typedef struct devd_guest {
    uint32_t domid;
    int num_qdisks;
    XEN_SLIST_HEAD(, struct devd_device) devices;
    XEN_SLIST_ENTRY(struct devd_guest) next;
} devd_guest;

struct devd {
    libxl__ao *ao;
    uint32_t self;
    const char *be_root;                  /* /local/domain/SELF/backend */
    libxl__ev_xswatch watch;
    libxl__ao_abortable abrt;
    XEN_SLIST_HEAD(, struct devd_guest) guests;
};

/* One add or remove of a device, a sub-operation of the handler's ao
 * with a copy of the device's address (so that the device's own entry
 * may go while it runs). */
typedef struct {
    libxl__subop *sub;
    libxl__devaddr addr;
    uint32_t self;
    bool add;
    const char *be, *be_state;
    int num_exec;
    int rc;
    libxl__xswait wait;
    libxl__async_exec_state aes;
} devd_op;

static void backend_changed(libxl__egc *egc, libxl__ev_xswatch *w,
                            const char *watch_path, const char *event_path);
static void aborted(libxl__egc *egc, libxl__ao_abortable *ab, int rc);
static void op_start(libxl__egc *egc, devd *dd, const libxl__devaddr *addr,
                     bool add);
static void op_hotplug(libxl__egc *egc, devd_op *op);
static void op_done(libxl__egc *egc, devd_op *op, int rc);
static int remove_backend(libxl__gc *gc, uint32_t self,
                          const libxl__devaddr *addr);

/* ------------------------------------------------------------- start */

/* The devices already waiting for us (state InitWait) when we start:
 * looked for when the watch's first event arrives (xenstored sends one
 * for every new watch, with the watched path), so that nothing changed
 * between a look made earlier and the watch taking effect is missed
 * (libxl's registration waits for xenstored's answer; ours does not). */
static void scan_waiting(libxl__egc *egc, devd *dd)
{
    GC_INIT(egc->ctx);
    struct xs_handle *xsh = egc->ctx->xsh;
    unsigned nk = 0, nd, ni;
    char **kinds = libxl__gc_adopt(gc, xs_directory(xsh, XBT_NULL,
                                                    dd->be_root, &nk));

    for (unsigned i = 0; kinds && i < nk; i++) {
        const char *kdir = GCSPRINTF("%s/%s", dd->be_root, kinds[i]);
        char **doms = libxl__gc_adopt(gc, xs_directory(xsh, XBT_NULL, kdir,
                                                       &nd));
        for (unsigned j = 0; doms && j < nd; j++) {
            const char *ddir = GCSPRINTF("%s/%s", kdir, doms[j]);
            char **ids = libxl__gc_adopt(gc, xs_directory(xsh, XBT_NULL,
                                                          ddir, &ni));
            for (unsigned k = 0; ids && k < ni; k++) {
                const char *sp = GCSPRINTF("%s/%s/state", ddir, ids[k]);
                const char *st = libxl__xs_read_checked(gc, XBT_NULL, sp,
                                                        16);
                if (st && !strcmp(st, "2") &&
                    libxl__ev_xswatch_isregistered(&dd->watch))
                    backend_changed(egc, &dd->watch, dd->be_root, sp);
            }
        }
    }
}

int libxl_device_events_handler(libxl_ctx *ctx,
                                const libxl_asyncop_how *ao_how)
{
    AO_CREATE(ctx, 0, ao_how);
    libxl__gc *gc = libxl__ao_gc(ao);
    devd *dd = libxl__ao_zalloc(ao, sizeof(*dd));
    int rc;

    if (!dd) return AO_CREATE_FAIL(ERROR_NOMEM);
    dd->ao = ao;
    XEN_SLIST_INIT(&dd->guests);
    libxl__ev_xswatch_init(&dd->watch);
    libxl__ao_abortable_init(&dd->abrt);
    rc = libxl__device_own_domid(gc, &dd->self);
    if (rc) {
        LOG(ctx, ERROR, "unable to get domain id");
        return AO_CREATE_FAIL(rc);
    }
    dd->be_root = GCSPRINTF("/local/domain/%u/backend", dd->self);
    if (!dd->be_root) return AO_CREATE_FAIL(ERROR_NOMEM);
    rc = libxl__ao_abortable_register(ao, &dd->abrt, aborted);
    if (rc) return AO_CREATE_FAIL(rc);
    rc = libxl__ev_xswatch_register(ctx, &dd->watch, backend_changed,
                                    dd->be_root);
    if (rc) {
        libxl__ao_abortable_deregister(&dd->abrt);
        return AO_CREATE_FAIL(rc);
    }
    return AO_INPROGRESS;
}

/* Everything taken on is forgotten (nothing is removed: the devices stay
 * as they are, for a handler started later). */
static void forget_all(devd *dd)
{
    while (!XEN_SLIST_EMPTY(&dd->guests)) {
        devd_guest *g = XEN_SLIST_FIRST(&dd->guests);
        XEN_SLIST_REMOVE_HEAD(&dd->guests, next);
        while (!XEN_SLIST_EMPTY(&g->devices)) {
            devd_device *d = XEN_SLIST_FIRST(&g->devices);
            XEN_SLIST_REMOVE_HEAD(&g->devices, next);
            free(d);
        }
        free(g);
    }
}

static void aborted(libxl__egc *egc, libxl__ao_abortable *ab, int rc)
{
    devd *dd = CONTAINER_OF(ab, devd, abrt);

    LOG(egc->ctx, DEBUG, "device events handler aborted");
    libxl__ev_xswatch_deregister(egc->ctx, &dd->watch);
    forget_all(dd);
    /* operations under way hear the abort themselves; the completion
     * waits for them */
    libxl__ao_complete(egc, dd->ao, rc);
}

/* ------------------------------------------------- what changed, and what
 * to do about it */

static devd_guest *find_guest(devd *dd, uint32_t domid)
{
    devd_guest *g;

    XEN_SLIST_FOREACH(g, &dd->guests, next)
        if (g->domid == domid) return g;
    return NULL;
}

static devd_device *find_device(devd_guest *g, const libxl__devaddr *a)
{
    devd_device *d;

    XEN_SLIST_FOREACH(d, &g->devices, next)
        if (d->addr.devid == a->devid && d->addr.domid == a->domid &&
            d->addr.backend_domid == a->backend_domid &&
            d->addr.backend_kind == a->backend_kind &&
            d->addr.kind == a->kind)
            return d;
    return NULL;
}

/* A guest left without devices is forgotten, with what this domain keeps
 * for it (libxl/GUEST, relative to this domain's home). */
static void maybe_forget_guest(libxl__gc *gc, devd *dd, devd_guest *g)
{
    if (!g || !XEN_SLIST_EMPTY(&g->devices)) return;
    XEN_SLIST_REMOVE(&dd->guests, g, devd_guest, next);
    LOGD(gc->ctx, DEBUG, g->domid, "Removed domain from the list of active"
         " guests");
    if (!xs_rm(gc->ctx->xsh, XBT_NULL, GCSPRINTF("libxl/%u", g->domid)) &&
        errno != ENOENT)
        LOGE(gc->ctx, ERROR, "xenstore rm failed: `libxl/%u'", g->domid);
    free(g);
}

/* A xenbus state or online value: a small decimal number, else -1. */
static int small_number(const char *v)
{
    uint32_t n;
    const char *p = v;

    if (!v || !libxl__parse_u32_strict(&p, &n) || *p || n > 1000) return -1;
    return (int)n;
}

/* The device of a backend directory under be_root: false if the path is
 * not one (or names another backend domain). */
static bool parse_backend(devd *dd, const char *dir, libxl__devaddr *a)
{
    libxl__backend_path bp;

    if (!libxl__backend_path_parse(dir, &bp) ||
        bp.backend_domid != dd->self || bp.devid > INT32_MAX ||
        !libxl__devkind_from_name(bp.kind, &a->backend_kind) ||
        a->backend_kind == LIBXL__DEVKIND_NONE)
        return false;
    a->kind = a->backend_kind == LIBXL__DEVKIND_QDISK ? LIBXL__DEVKIND_VBD
                                                      : a->backend_kind;
    a->domid = bp.frontend_domid;
    a->backend_domid = bp.backend_domid;
    a->devid = (int)bp.devid;
    return true;
}

static void backend_changed(libxl__egc *egc, libxl__ev_xswatch *w,
                            const char *watch_path, const char *event_path)
{
    devd *dd = CONTAINER_OF(w, devd, watch);
    GC_INIT(egc->ctx);
    const char *slash = strrchr(event_path, '/');
    const char *dir;
    libxl__devaddr a;
    devd_guest *g = NULL;
    devd_device *d;
    int state, online;

    if (!strcmp(event_path, watch_path)) {
        scan_waiting(egc, dd);
        return;
    }
    /* only a device's state or online node says anything */
    if (!slash || (strcmp(slash, "/state") && strcmp(slash, "/online")))
        goto out;
    dir = GCSPRINTF("%.*s", (int)(slash - event_path), event_path);
    if (!dir) goto out;
    state = small_number(libxl__xs_read_checked(gc, XBT_NULL,
                                                GCSPRINTF("%s/state", dir),
                                                16));
    online = small_number(libxl__xs_read_checked(gc, XBT_NULL,
                                                 GCSPRINTF("%s/online", dir),
                                                 16));
    if (state < 0 || online < 0 || !parse_backend(dd, dir, &a)) goto out;

    g = find_guest(dd, a.domid);
    if (!g && state == LIBXL__XENBUS_CLOSED)
        goto out;                         /* gone, or never taken on */
    if (!g) {
        g = calloc(1, sizeof(*g));
        if (!g) {
            LOGD(egc->ctx, ERROR, a.domid, "out of memory");
            goto out;
        }
        g->domid = a.domid;
        XEN_SLIST_INIT(&g->devices);
        XEN_SLIST_INSERT_HEAD(&dd->guests, g, next);
        LOGD(egc->ctx, DEBUG, a.domid, "Added domain to the list of active"
             " guests");
    }
    d = find_device(g, &a);
    if (!d && state == LIBXL__XENBUS_CLOSED) goto out;
    if (!d) {
        d = calloc(1, sizeof(*d));
        if (!d) {
            LOGD(egc->ctx, ERROR, a.domid, "out of memory");
            goto out;
        }
        d->addr = a;
        XEN_SLIST_INSERT_HEAD(&g->devices, d, next);
        LOGD(egc->ctx, DEBUG, a.domid, "Added device %s to the list of"
             " active devices", dir);
        if (a.backend_kind == LIBXL__DEVKIND_QDISK) {
            if (g->num_qdisks++ == 0) {
                LOGD(egc->ctx, ERROR, a.domid, "a QEMU for qdisk backends"
                     " is not started by this library");
                LOGD(egc->ctx, DEBUG, a.domid, "qdisk backend spawn"
                     " failed");
            }
        } else {
            op_start(egc, dd, &a, true);
        }
    } else if (state == LIBXL__XENBUS_CLOSED && online == 0) {
        XEN_SLIST_REMOVE(&g->devices, d, devd_device, next);
        if (a.backend_kind == LIBXL__DEVKIND_QDISK) {
            --g->num_qdisks;
            if (remove_backend(gc, dd->self, &a))
                LOGD(egc->ctx, ERROR, a.domid, "unable to remove %s", dir);
        } else {
            op_start(egc, dd, &a, false);
        }
        LOGD(egc->ctx, DEBUG, a.domid, "Removed device %s from the list of"
             " active devices", dir);
        free(d);
    }
out:
    maybe_forget_guest(gc, dd, g);
}

/* -------------------------------------------------- one add or remove */

static void op_backend_state(libxl__egc *egc, libxl__xswait *xsw, int rc,
                             const char *value);
static void op_script_done(libxl__egc *egc, libxl__async_exec_state *aes,
                           int rc, int status);

/* Tells the backend to close (it normally has: it is Closed already), in
 * one transaction. 0; 1 if it is gone; or an error (logged). */
static int op_tell_backend(libxl__gc *gc, devd_op *op)
{
    struct xs_handle *xsh = gc->ctx->xsh;
    uint32_t domid = op->addr.domid;

    for (;;) {
        xs_transaction_t t = xs_transaction_start(xsh);
        const char *state;

        if (!t) {
            LOGD(gc->ctx, ERROR, domid, "unable to start transaction");
            return ERROR_FAIL;
        }
        state = libxl__xs_read_checked(gc, t, op->be_state, 16);
        if (!state) {
            int e = errno;
            xs_transaction_end(xsh, t, true);
            if (e == ENOENT) {
                LOG(gc->ctx, INFO, "backend %s already removed, cleanup"
                    " frontend only", op->be);
                return 1;
            }
            LOGD(gc->ctx, ERROR, domid, "unable to read device state from"
                 " path %s", op->be_state);
            return ERROR_FAIL;
        }
        if (!xs_write(xsh, t, GCSPRINTF("%s/online", op->be), "0", 1) ||
            (small_number(state) != LIBXL__XENBUS_CLOSED &&
             !xs_write(xsh, t, op->be_state, "5", 1))) {
            LOGED(gc->ctx, ERROR, domid, "unable to write to xenstore path"
                  " %s", op->be_state);
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

static void op_start(libxl__egc *egc, devd *dd, const libxl__devaddr *addr,
                     bool add)
{
    libxl__subop *sub = libxl__subop_begin(dd->ao);
    devd_op *op = sub ? libxl__subop_zalloc(sub, sizeof(*op)) : NULL;
    libxl__gc *gc;
    int rc;

    if (!op) {
        LOGD(egc->ctx, ERROR, addr->domid, "out of memory");
        if (sub) libxl__subop_end(egc, sub);
        return;
    }
    gc = &sub->gc;
    op->sub = sub;
    op->addr = *addr;
    op->self = dd->self;
    op->add = add;
    libxl__xswait_init(&op->wait);
    libxl__async_exec_init(&op->aes);
    op->be = libxl__dev_backend_path(gc, addr);
    op->be_state = op->be ? GCSPRINTF("%s/state", op->be) : NULL;
    if (!op->be_state) {
        op_done(egc, op, ERROR_NOMEM);
        return;
    }
    if (add && libxl__devkind_qemu_backend(addr->backend_kind)) {
        op_hotplug(egc, op);              /* QEMU connects by itself */
        return;
    }
    if (!add) {
        rc = op_tell_backend(gc, op);
        if (rc) {
            op_done(egc, op, rc > 0 ? 0 : rc);
            return;
        }
    }
    op->wait.ao = sub->ao;
    op->wait.what = GCSPRINTF("backend %s (hoping for state change to %d)",
                              op->be_state, add ? LIBXL__XENBUS_INITWAIT
                                                : LIBXL__XENBUS_CLOSED);
    op->wait.path = op->be_state;
    op->wait.timeout_ms = libxl__device_timeout_ms(
        add ? LIBXL__DEVTIMEOUT_INIT : LIBXL__DEVTIMEOUT_DESTROY);
    op->wait.callback = op_backend_state;
    rc = libxl__xswait_start(&op->wait);
    if (rc) {
        LOGD(egc->ctx, ERROR, addr->domid, add ? "unable to initialize"
             " device %s" : "unable to remove device %s", op->be);
        op_done(egc, op, rc);
    }
}

static void op_backend_state(libxl__egc *egc, libxl__xswait *xsw, int rc,
                             const char *value)
{
    devd_op *op = CONTAINER_OF(xsw, devd_op, wait);
    int want = op->add ? LIBXL__XENBUS_INITWAIT : LIBXL__XENBUS_CLOSED;

    if (!rc && !value) {
        LOGD(egc->ctx, DEBUG, op->addr.domid, "backend %s wanted state %d"
             " but it was removed", op->be_state, want);
        rc = ERROR_INVAL;
    }
    if (!rc && small_number(value) != want) return;
    libxl__xswait_stop(xsw);
    if (rc) {
        LOGD(egc->ctx, ERROR, op->addr.domid, "unable to %s device with"
             " path %s", op->add ? "add" : "remove", op->be);
        op_done(egc, op, rc);
        return;
    }
    op_hotplug(egc, op);
}

/* The script, once per step of the kind (vbd one, vif up to two). */
static void op_hotplug(libxl__egc *egc, devd_op *op)
{
    libxl__gc *gc = &op->sub->gc;
    const char *path = NULL;
    char **argv = NULL, **envp = NULL;
    int rc;

    rc = libxl__device_hotplug_args_backend(gc, &op->addr, op->add,
                                            op->num_exec, &path, &argv,
                                            &envp);
    if (rc < 0) {
        LOGD(egc->ctx, ERROR, op->addr.domid, "unable to get args/env to"
             " execute hotplug script for device %s", op->be);
        op_done(egc, op, rc);
        return;
    }
    if (!rc) {
        LOGD(egc->ctx, DEBUG, op->addr.domid, "No hotplug script to"
             " execute");
        op_done(egc, op, 0);
        return;
    }
    LOGD(egc->ctx, DEBUG, op->addr.domid, "calling hotplug script: %s %s",
         argv[0], argv[1]);
    op->aes.ao = op->sub->ao;
    op->aes.what = GCSPRINTF("%s %s", argv[0], argv[1]);
    op->aes.path = path;
    op->aes.argv = argv;
    op->aes.envp = envp;
    op->aes.stdfds[0] = -1;                   /* /dev/null */
    op->aes.stdfds[1] = 2;
    op->aes.stdfds[2] = 2;
    op->aes.timeout_ms = libxl__device_timeout_ms(LIBXL__DEVTIMEOUT_HOTPLUG);
    op->aes.callback = op_script_done;
    rc = libxl__async_exec_start(egc, &op->aes);
    if (rc) op_done(egc, op, rc);
}

static void op_script_done(libxl__egc *egc, libxl__async_exec_state *aes,
                           int rc, int status)
{
    devd_op *op = CONTAINER_OF(aes, devd_op, aes);
    libxl__gc *gc = &op->sub->gc;

    if (!rc && status) {
        const char *err = libxl__xs_read_checked(
            gc, XBT_NULL, GCSPRINTF("%s/hotplug-error", op->be),
            MAX_HOTPLUG_ERROR);
        if (err) LOG(egc->ctx, ERROR, "script: %s", err);
        rc = ERROR_FAIL;
    }
    if (rc) {
        if (!op->rc) op->rc = rc;
        /* an add stops at a failed script; a removal goes on */
        if (op->add || rc == ERROR_ABORTED) {
            op_done(egc, op, op->rc);
            return;
        }
    }
    op->num_exec++;
    op_hotplug(egc, op);
}

/* A driver domain removes what it can of a backend it let go: the
 * directory, and the parents it owns that are left empty (dom0's, above,
 * refuse: that is not a failure, as in libxl). dom0 running the handler
 * removes as the toolstack does. */
static int remove_backend(libxl__gc *gc, uint32_t self,
                          const libxl__devaddr *addr)
{
    const char *be = libxl__dev_backend_path(gc, addr);

    if (self == 0) return libxl__device_destroy_nodes(gc, addr);
    if (!be) return ERROR_NOMEM;
    for (;;) {
        xs_transaction_t t = xs_transaction_start(gc->ctx->xsh);

        if (!t) {
            LOGE(gc->ctx, ERROR, "xs_transaction_start failed");
            return ERROR_FAIL;
        }
        (void)libxl__xs_path_cleanup(gc, t, be);
        if (xs_transaction_end(gc->ctx->xsh, t, false)) return 0;
        if (errno != EAGAIN) {
            LOGE(gc->ctx, ERROR, "xs_transaction_end failed");
            return ERROR_FAIL;
        }
    }
}

static void op_done(libxl__egc *egc, devd_op *op, int rc)
{
    libxl__gc *gc = &op->sub->gc;

    if (!rc) rc = op->rc;
    /* a device let go leaves nothing of its backend behind */
    if (!op->add && !rc) rc = remove_backend(gc, op->self, &op->addr);
    LOGD(egc->ctx, DEBUG, op->addr.domid, "device %s %s %s",
         op->be ? op->be : "?", op->add ? "add" : "remove",
         rc ? "failed" : "succeed");
    libxl__subop_end(egc, op->sub);
}
