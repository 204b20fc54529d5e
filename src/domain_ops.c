/*
 * domain_ops.c: the domain operations built on asynchronous operations
 * (ao.h): libxl_domain_pause, _unpause, _shutdown, _reboot and _destroy,
 * with libxl 4.17's signatures, results and completion behaviour (which
 * errors are returned by the initiating call and which are delivered as
 * the operation's completion), and the tunable timeouts of the waits.
 *
 * Hypercalls and xenstore requests made by an initiator run without the
 * ctx lock (AO_UNLOCKED, or libxl__ao_immediate), so threads sharing a ctx
 * do not queue behind each other's round trips.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#include <xen/hvm/params.h>   /* after xenctrl.h (internal.h) */

#define SHUTDOWN_ACK_TIMEOUT_MS (60 * 1000)   /* as libxl 4.17 */
#define DESTROY_TIMEOUT_MS      (10 * 1000)

void libxl__domain_ops_set_timeouts(libxl_ctx *ctx, int shutdown_ack_ms,
                                    int destroy_ms)
{
    CTX_LOCK(ctx);
    ctx->ao.shutdown_ack_timeout_ms = shutdown_ack_ms;
    ctx->ao.destroy_timeout_ms = destroy_ms;
    CTX_UNLOCK(ctx);
}

static int ctx_destroy_timeout(libxl_ctx *ctx)
{
    return ctx->ao.destroy_timeout_ms > 0 ? ctx->ao.destroy_timeout_ms
                                          : DESTROY_TIMEOUT_MS;
}

/* The domain's hypervisor record: 1 found, 0 no such domain, -1 error
 * (errno set). Lock not needed. */
static int domain_getinfo(libxl_ctx *ctx, uint32_t domid,
                          xc_domaininfo_t *info)
{
    int r = xc_domain_getinfolist(ctx->xch, domid, 1, info);
    if (r < 0) return -1;
    return r == 1 && info->domain == domid;
}

/* ------------------------------------------------------ pause, unpause */

/* Both are immediate operations (ao.h): one hypercall, no lock, and for a
 * synchronous call no allocation either. */

/* As libxl 4.17: a failure is the call's return value, no completion. */
static int pause_step(libxl_ctx *ctx, uint32_t domid, void *arg, int *result)
{
    (void)arg;
    if (xc_domain_pause(ctx->xch, domid) < 0) {
        LOGED(ctx, ERROR, domid, "Pausing domain");
        return ERROR_FAIL;
    }
    *result = 0;
    return 0;
}

int libxl_domain_pause(libxl_ctx *ctx, uint32_t domid,
                       const libxl_asyncop_how *ao_how)
{
    return libxl__ao_immediate(ctx, domid, ao_how, pause_step, NULL);
}

/*
 * As libxl 4.17: failures are the operation's result, not the call's.
 * libxl first reads the domain's type (to resume an HVM guest's device
 * model, which lightcore never starts) and fails when there is no such
 * domain; the unpause hypercall fails in exactly the same cases (ESRCH),
 * so it is made directly and the missing domain is reported as libxl
 * reports it.
 */
static int unpause_step(libxl_ctx *ctx, uint32_t domid, void *arg,
                        int *result)
{
    (void)arg;
    if (xc_domain_unpause(ctx->xch, domid) < 0) {
        if (errno == ESRCH)
            LOG(ctx, ERROR, "unable to get domain type for domid=%u", domid);
        else
            LOGED(ctx, ERROR, domid, "Unpausing domain");
        *result = ERROR_FAIL;
        return 0;
    }
    *result = 0;
    return 0;
}

int libxl_domain_unpause(libxl_ctx *ctx, uint32_t domid,
                         const libxl_asyncop_how *ao_how)
{
    return libxl__ao_immediate(ctx, domid, ao_how, unpause_step, NULL);
}

/* ----------------------------------------------------- shutdown, reboot */

/*
 * libxl 4.17's rule for "can this guest be asked through control/shutdown":
 * PV and PVH guests always can; an HVM guest only once its PV drivers set
 * up the callback interrupt (HVM_PARAM_CALLBACK_IRQ nonzero). The type of
 * a guest the hypervisor calls HVM is what /libxl/N/type names (any case),
 * HVM if that is missing or names no type; "invalid" is a failure.
 * Returns 1, 0 (ERROR_NOPARAVIRT), or ERROR_FAIL. Lock not needed.
 */
static int pvcontrol_available(libxl_ctx *ctx, uint32_t domid)
{
    xc_domaininfo_t info;
    uint64_t callback_irq = 0;
    char path[64], *type;
    libxl_domain_type t = LIBXL_DOMAIN_TYPE_HVM;

    if (domain_getinfo(ctx, domid, &info) != 1) {
        LOG(ctx, ERROR, "unable to get domain type for domid=%u", domid);
        return ERROR_FAIL;
    }
    if (!(info.flags & XEN_DOMINF_hvm_guest)) return 1;

    snprintf(path, sizeof(path), "/libxl/%u/type", domid);
    type = xs_read(ctx->xsh, XBT_NULL, path, NULL);
    if (!type || libxl_domain_type_from_string(type, &t)) {
        LOG(ctx, WARN, "unable to get domain type for domid=%u, assuming HVM",
            domid);
        t = LIBXL_DOMAIN_TYPE_HVM;
    }
    free(type);
    if (t == LIBXL_DOMAIN_TYPE_INVALID) return ERROR_FAIL;
    if (t != LIBXL_DOMAIN_TYPE_HVM) return 1;

    if (xc_hvm_param_get(ctx->xch, domid, HVM_PARAM_CALLBACK_IRQ,
                         &callback_irq) < 0) {
        LOGED(ctx, ERROR, domid, "Getting HVM callback IRQ");
        return ERROR_FAIL;
    }
    return callback_irq != 0;
}

typedef struct {
    libxl__xswait xsw;
    char path[64];
} pvcontrol_state;

static void pvcontrol_answer(libxl__egc *egc, libxl__xswait *xsw, int rc,
                             const char *value)
{
    libxl__ao *ao = xsw->ao;

    /* The guest acknowledges by emptying (or removing) the node. */
    if (!rc && value && *value) return;
    libxl__xswait_stop(xsw);
    /* An abort is the caller's own decision, not a failure to report. */
    if (rc == ERROR_ABORTED)
        LOGD(egc->ctx, DEBUG, ao->domid,
             "control request aborted before the guest acknowledged it");
    else if (rc)
        LOGD(egc->ctx, ERROR, ao->domid,
             "guest didn't acknowledge control request: %s",
             libxl_error_to_string(rc) ? libxl_error_to_string(rc) : "error");
    libxl__ao_complete(egc, ao, rc);
}

/* Write cmd to the guest's control node and wait for its acknowledgement.
 * Errors before the request was written are the call's result. */
static int pvcontrol_request(libxl_ctx *ctx, uint32_t domid,
                             const libxl_asyncop_how *ao_how, const char *cmd)
{
    AO_CREATE(ctx, domid, ao_how);
    pvcontrol_state *ps;
    int avail = 0, rc;
    bool written = false;

    ps = libxl__ao_zalloc(ao, sizeof(*ps));
    if (!ps) return AO_CREATE_FAIL(ERROR_NOMEM);
    snprintf(ps->path, sizeof(ps->path), "/local/domain/%u/control/shutdown",
             domid);

    AO_UNLOCKED(ao, {
        avail = pvcontrol_available(ctx, domid);
        if (avail == 1)
            written = xs_write(ctx->xsh, XBT_NULL, ps->path, cmd, strlen(cmd));
    });
    if (avail < 0) return AO_CREATE_FAIL(avail);
    if (!avail) return AO_CREATE_FAIL(ERROR_NOPARAVIRT);
    if (!written) {
        LOGED(ctx, ERROR, domid, "failed to write %s to %s", cmd, ps->path);
        return AO_CREATE_FAIL(ERROR_FAIL);
    }

    libxl__xswait_init(&ps->xsw);
    ps->xsw.ao = ao;
    ps->xsw.what = cmd;
    ps->xsw.path = ps->path;
    ps->xsw.timeout_ms = ctx->ao.shutdown_ack_timeout_ms > 0
        ? ctx->ao.shutdown_ack_timeout_ms : SHUTDOWN_ACK_TIMEOUT_MS;
    ps->xsw.callback = pvcontrol_answer;
    rc = libxl__xswait_start(&ps->xsw);
    if (rc) {
        /* The request is out (libxl leaves it too); the wait is what
         * failed, or was aborted meanwhile: that is the result. */
        libxl__ao_complete(egc, ao, rc);
    }
    return AO_INPROGRESS;
}

int libxl_domain_shutdown(libxl_ctx *ctx, uint32_t domid,
                          const libxl_asyncop_how *ao_how)
{
    return pvcontrol_request(ctx, domid, ao_how, "poweroff");
}

int libxl_domain_reboot(libxl_ctx *ctx, uint32_t domid,
                        const libxl_asyncop_how *ao_how)
{
    return pvcontrol_request(ctx, domid, ao_how, "reboot");
}

/* ------------------------------------------------------------- destroy */

/*
 * libxl_domain_destroy, as one ao:
 *  1. (initiator, unlocked) check the domain exists, note its /vm path,
 *     remove its devices' xenstore entries (frontends, and the backends
 *     they and libxl's records point to), destroy it in the hypervisor;
 *  2. wait (abortable, bounded) until the hypervisor has forgotten it,
 *     re-checking at every @releaseDomain;
 *  3. remove /local/domain/N, /vm/UUID and /libxl/N, and complete.
 * A timeout or an abort during step 2 still does step 3 (the domain is
 * already destroyed, only its final disappearance is late) and completes
 * with ERROR_TIMEDOUT / ERROR_ABORTED.
 *
 * Cost. On a host with many domains every xenstore request is slow
 * (xenstored visits each introduced domain per request), so step 2 uses
 * one @releaseDomain watch per ctx (ctx->ao.destroy_release), registered
 * by the first destroy and kept until the ctx is freed, shared by all the
 * destroys in flight (ctx->ao.destroy_waiters): a destroy then makes no
 * watch / unwatch requests (nor opens and closes xswatch.c's connection
 * each time). Since the watch outlives the destroys, a release may already
 * have been reported before a destroy joins the waiters: each one checks
 * its domain once when it joins.
 */
struct libxl__destroy_wait {
    struct libxl__destroy_wait *next, **pprev;   /* on destroy_waiters */
};

typedef struct {
    libxl__ao *ao;
    uint32_t domid;
    char dom_path[48], libxl_path[48];
    char *vm_path;                    /* ao pool; NULL if none */
    struct libxl__destroy_wait wait;  /* linked while waiting (pprev) */
    libxl__ao_time timeout;
    libxl__ao_time recheck;           /* while the domain is still dying */
    int recheck_ms;                   /* its next interval (backoff) */
} destroy_state;

/* xenstored fires @releaseDomain when it drops a dying domain, but not
 * when the hypervisor finally frees it (on a real host that can be seconds
 * later, once its memory is relinquished). So while a destroyed domain is
 * still present, its destroy also re-checks on a timer, starting at 10 ms
 * and backing off to 200 ms. */
#define DESTROY_RECHECK_FIRST_MS 10
#define DESTROY_RECHECK_MAX_MS 200

/* Unlocked helpers: they use only ctx->xsh and ds (owned by the
 * initiator until it registers the wait). */
static void xs_rm_logged(libxl_ctx *ctx, uint32_t domid, const char *path)
{
    if (!xs_rm(ctx->xsh, XBT_NULL, path) && errno != ENOENT)
        LOGED(ctx, ERROR, domid, "xs_rm failed for %s", path);
}

static char *xs_read_ao(destroy_state *ds, const char *path)
{
    char *v = xs_read(ds->ao->ctx->xsh, XBT_NULL, path, NULL);
    char *copy = NULL;
    if (v) copy = libxl__ao_sprintf(ds->ao, "%s", v);
    free(v);
    return copy;
}

/* The directory a backend path should be removed as: a dom0-style
 * ".../backend/KIND/DOMID/DEVID" goes with its whole ".../KIND/DOMID". */
static char *backend_dir(destroy_state *ds, const char *be)
{
    char tail[32];
    const char *slash = strrchr(be, '/');
    size_t n;

    if (slash && slash != be) {
        n = (size_t)(slash - be);
        snprintf(tail, sizeof(tail), "/%u", ds->domid);
        if (n > strlen(tail) && !strncmp(be + n - strlen(tail), tail,
                                          strlen(tail)))
            return libxl__ao_sprintf(ds->ao, "%.*s", (int)n, be);
    }
    return libxl__ao_sprintf(ds->ao, "%s", be);
}

static void destroy_remove_devices(destroy_state *ds)
{
    libxl_ctx *ctx = ds->ao->ctx;
    const char *bases[2] = { ds->libxl_path, ds->dom_path };
    enum { MAX_BE = 64 };
    char *be_dirs[MAX_BE];
    unsigned nbe = 0;

    for (int b = 0; b < 2; b++) {
        char *base = libxl__ao_sprintf(ds->ao, "%s/device", bases[b]);
        unsigned nkinds = 0, ndevices = 0;
        char **kinds = base ? xs_directory(ctx->xsh, XBT_NULL, base, &nkinds)
                            : NULL;
        for (unsigned k = 0; k < nkinds; k++) {
            /* device/suspend/event-channel is the suspend event channel
             * node, not a device */
            if (b == 1 && !strcmp(kinds[k], "suspend")) continue;
            ndevices++;
            char *kpath = libxl__ao_sprintf(ds->ao, "%s/%s", base, kinds[k]);
            unsigned ndevs = 0;
            char **devs = kpath ? xs_directory(ctx->xsh, XBT_NULL, kpath,
                                               &ndevs) : NULL;
            for (unsigned d = 0; d < ndevs; d++) {
                char *p = libxl__ao_sprintf(ds->ao, "%s/%s/backend", kpath,
                                            devs[d]);
                char *be = p ? xs_read_ao(ds, p) : NULL;
                char *dir = be && *be == '/' ? backend_dir(ds, be) : NULL;
                if (b == 0 && p) {
                    /* libxl's record also names the frontend */
                    p = libxl__ao_sprintf(ds->ao, "%s/%s/frontend", kpath,
                                          devs[d]);
                    char *fe = p ? xs_read_ao(ds, p) : NULL;
                    if (fe && *fe == '/' &&
                        strncmp(fe, ds->dom_path, strlen(ds->dom_path)))
                        xs_rm_logged(ctx, ds->domid, fe);
                }
                if (!dir) continue;
                bool seen = false;
                for (unsigned i = 0; i < nbe && !seen; i++)
                    seen = !strcmp(be_dirs[i], dir);
                if (seen) continue;
                if (nbe < MAX_BE) be_dirs[nbe++] = dir;
                else xs_rm_logged(ctx, ds->domid, dir);
            }
            free(devs);
        }
        free(kinds);
        if (base && ndevices) xs_rm_logged(ctx, ds->domid, base);
    }
    for (unsigned i = 0; i < nbe; i++)
        xs_rm_logged(ctx, ds->domid, be_dirs[i]);
}

static void waiter_unlink(struct libxl__destroy_wait *w)
{
    if (!w->pprev) return;
    *w->pprev = w->next;
    if (w->next) w->next->pprev = w->pprev;
    w->next = NULL;
    w->pprev = NULL;
}

/* Step 3 and completion. */
static void destroy_finish(libxl__egc *egc, destroy_state *ds, int rc)
{
    libxl_ctx *ctx = egc->ctx;

    waiter_unlink(&ds->wait);
    libxl__ao_time_deregister(ctx, &ds->timeout);
    libxl__ao_time_deregister(ctx, &ds->recheck);
    if (ds->vm_path) xs_rm_logged(ctx, ds->domid, ds->vm_path);
    xs_rm_logged(ctx, ds->domid, ds->dom_path);
    xs_rm_logged(ctx, ds->domid, ds->libxl_path);
    if (rc)
        LOGD(ctx, ERROR, ds->domid, "Destruction of domain failed");
    libxl__ao_complete(egc, ds->ao, rc);
}

static void destroy_recheck(libxl__egc *egc, libxl__ao_time *t, int rc);

/* Finish ds if its domain is gone (or cannot be looked up); true if so.
 * Otherwise make sure a re-check is pending. */
static bool destroy_check_gone(libxl__egc *egc, destroy_state *ds)
{
    xc_domaininfo_t info;
    int found, rc;

    found = domain_getinfo(egc->ctx, ds->domid, &info);
    if (found < 0) {
        LOGED(egc->ctx, ERROR, ds->domid, "getting domain info");
        destroy_finish(egc, ds, ERROR_FAIL);
        return true;
    }
    if (!found) {
        destroy_finish(egc, ds, 0);
        return true;
    }
    if (!libxl__ao_time_isregistered(&ds->recheck)) {
        rc = libxl__ao_time_register(ds->ao, &ds->recheck, destroy_recheck,
                                     ds->recheck_ms);
        if (rc) {
            /* Only an abort or no memory: finish with that. */
            destroy_finish(egc, ds, rc);
            return true;
        }
        ds->recheck_ms = ds->recheck_ms * 2 > DESTROY_RECHECK_MAX_MS
                             ? DESTROY_RECHECK_MAX_MS : ds->recheck_ms * 2;
    }
    return false;
}

static void destroy_recheck(libxl__egc *egc, libxl__ao_time *t, int rc)
{
    destroy_state *ds = (destroy_state *)((char *)t -
                                          offsetof(destroy_state, recheck));
    /* An abort is handled once, by the main timeout's callback. */
    if (rc == ERROR_ABORTED) return;
    destroy_check_gone(egc, ds);
}

static void destroy_released(libxl__egc *egc, libxl__ev_xswatch *w,
                             const char *watch_path, const char *event_path)
{
    libxl_ctx *ctx = egc->ctx;
    struct libxl__destroy_wait *wt, *next;
    (void)w; (void)watch_path; (void)event_path;

    /* destroy_finish unlinks only the waiter it finishes */
    for (wt = ctx->ao.destroy_waiters; wt; wt = next) {
        next = wt->next;
        destroy_check_gone(egc, (destroy_state *)((char *)wt -
                                   offsetof(destroy_state, wait)));
    }
}

static void destroy_timeout(libxl__egc *egc, libxl__ao_time *t, int rc)
{
    destroy_state *ds = (destroy_state *)((char *)t -
                                          offsetof(destroy_state, timeout));
    if (rc == ERROR_TIMEDOUT)
        LOGD(egc->ctx, ERROR, ds->domid, "domain still present %d ms after"
             " its destruction", ctx_destroy_timeout(egc->ctx));
    destroy_finish(egc, ds, rc);
}

/* Step 2: join the waiters (registering the ctx's watch if need be) and
 * check once, for a release reported before we joined. */
static void destroy_wait_start(libxl__egc *egc, destroy_state *ds)
{
    libxl_ctx *ctx = egc->ctx;
    libxl__ao_state *st = &ctx->ao;
    int rc;

    rc = libxl__ao_time_register(ds->ao, &ds->timeout, destroy_timeout,
                                 ctx_destroy_timeout(ctx));
    if (rc) goto out;
    if (!libxl__ev_xswatch_isregistered(&st->destroy_release)) {
        rc = libxl__ev_xswatch_register(ctx, &st->destroy_release,
                                        destroy_released, "@releaseDomain");
        if (rc) goto out;
    }
    ds->wait.next = st->destroy_waiters;
    if (ds->wait.next) ds->wait.next->pprev = &ds->wait.next;
    ds->wait.pprev = &st->destroy_waiters;
    st->destroy_waiters = &ds->wait;
    destroy_check_gone(egc, ds);
    rc = 0;
out:
    if (rc) destroy_finish(egc, ds, rc);
}

void libxl__domain_ops_ctx_dispose(libxl_ctx *ctx)
{
    /* No ao exists, so nobody waits. */
    libxl__ev_xswatch_deregister(ctx, &ctx->ao.destroy_release);
    ctx->ao.destroy_waiters = NULL;
}

int libxl_domain_destroy(libxl_ctx *ctx, uint32_t domid,
                         const libxl_asyncop_how *ao_how)
{
    AO_CREATE(ctx, domid, ao_how);
    destroy_state *ds;
    xc_domaininfo_t info;
    int found = 0, r = 0, rc;

    if (domid == 0) {
        LOGD(ctx, ERROR, domid, "refusing to destroy domain 0");
        return AO_CREATE_FAIL(ERROR_INVAL);
    }
    ds = libxl__ao_zalloc(ao, sizeof(*ds));
    if (!ds) return AO_CREATE_FAIL(ERROR_NOMEM);
    ds->ao = ao;
    ds->domid = domid;
    snprintf(ds->dom_path, sizeof(ds->dom_path), "/local/domain/%u", domid);
    snprintf(ds->libxl_path, sizeof(ds->libxl_path), "/libxl/%u", domid);
    libxl__ao_time_init(&ds->timeout);
    libxl__ao_time_init(&ds->recheck);
    ds->recheck_ms = DESTROY_RECHECK_FIRST_MS;

    AO_UNLOCKED(ao, {
        found = domain_getinfo(ctx, domid, &info);
        if (found == 1) {
            char *p = libxl__ao_sprintf(ao, "%s/vm", ds->dom_path);
            ds->vm_path = p ? xs_read_ao(ds, p) : NULL;
            destroy_remove_devices(ds);
            r = xc_domain_destroy(ctx->xch, domid);
        }
    });
    if (found < 0) {
        LOGED(ctx, ERROR, domid, "Getting domain info");
        rc = ERROR_FAIL;
        goto fail;
    }
    if (!found) {
        LOGD(ctx, ERROR, domid, "Non-existant domain");
        rc = ERROR_DOMAIN_NOTFOUND;
        goto fail;
    }
    if (r < 0) {
        LOGED(ctx, ERROR, domid, "xc_domain_destroy failed");
        rc = ERROR_FAIL;
        goto fail;
    }

    destroy_wait_start(egc, ds);
    return AO_INPROGRESS;

fail:
    LOGD(ctx, ERROR, domid, "Destruction of domain failed");
    libxl__ao_complete(egc, ao, rc);
    return AO_INPROGRESS;
}
