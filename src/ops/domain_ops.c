/*
 * ops/domain_ops.c: the domain operations built on asynchronous operations
 * (ao/ao.h): libxl_domain_pause, _unpause, _shutdown, _reboot and _destroy,
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
#include <unistd.h>

#include "ao/ao.h"
#include "base/log.h"
#include "base/util.h"
#include "dev/devpath.h"
#include "ops/device.h"
#include "ops/domain_ops.h"
#include "ops/domid_history.h"
#include "ops/ops.h"
#include "ops/userdata.h"
#include "subop/xswait.h"
#include "xs/paths.h"
#include "xs/release.h"
#include "xs/xs.h"

#include <xen/hvm/params.h>   /* after xenctrl.h (base/ctx_base.h) */

#define SHUTDOWN_ACK_TIMEOUT_MS (60 * 1000)   /* as libxl 4.17 */
#define DESTROY_TIMEOUT_MS      (10 * 1000)

void libxl__domain_ops_set_timeouts(libxl_ctx *ctx, int shutdown_ack_ms,
                                    int destroy_ms)
{
    CTX_LOCK(ctx);
    CTX_DOMAIN_OPS(ctx)->shutdown_ack_timeout_ms = shutdown_ack_ms;
    CTX_DOMAIN_OPS(ctx)->destroy_timeout_ms = destroy_ms;
    CTX_UNLOCK(ctx);
}

static int ctx_destroy_timeout(libxl_ctx *ctx)
{
    return CTX_DOMAIN_OPS(ctx)->destroy_timeout_ms > 0 ? CTX_DOMAIN_OPS(ctx)->destroy_timeout_ms
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
    GC_INIT(ctx);
    xc_domaininfo_t info;
    uint64_t callback_irq = 0;
    const char *type;
    libxl_domain_type t = LIBXL_DOMAIN_TYPE_HVM;

    if (domain_getinfo(ctx, domid, &info) != 1) {
        LOG(ctx, ERROR, "unable to get domain type for domid=%u", domid);
        return ERROR_FAIL;
    }
    if (!(info.flags & XEN_DOMINF_hvm_guest)) return 1;

    type = libxl__xs_read_checked(gc, XBT_NULL,
                                  GCSPRINTF("/libxl/%u/type", domid), 64);
    if (!type || libxl_domain_type_from_string(type, &t)) {
        LOG(ctx, WARN, "unable to get domain type for domid=%u, assuming HVM",
            domid);
        t = LIBXL_DOMAIN_TYPE_HVM;
    }
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
    ps->xsw.timeout_ms = CTX_DOMAIN_OPS(ctx)->shutdown_ack_timeout_ms > 0
        ? CTX_DOMAIN_OPS(ctx)->shutdown_ack_timeout_ms : SHUTDOWN_ACK_TIMEOUT_MS;
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
 *  1. (initiator, unlocked) check the domain exists, pause it (so the
 *     guest no longer runs while its entries go; a failure is logged and
 *     the destroy goes on, as in libxl 4.17), and look for what needs
 *     libxl's long way: devices in the toolstack's records, a device
 *     model. Without them (1a, the initiator goes on unlocked): note its
 *     /vm path, remove /local/domain/N, /libxl/N and /vm/UUID, its
 *     userdata files (under their lock) and the device model's save
 *     files, and destroy it in the hypervisor: libxl 4.17's order;
 *  1b. with them (locked, as libxl): the device model stopped
 *     (dm_destroy.c), every device removed, forced, with its hotplug
 *     script (devices_destroy.c), then 1a's steps;
 *  2. wait (abortable, bounded) until the hypervisor has forgotten it,
 *     re-checking at every @releaseDomain, and complete. A timeout or an
 *     abort completes with ERROR_TIMEDOUT / ERROR_ABORTED (the domain is
 *     destroyed and its entries removed all the same).
 *
 * Cost. On a host with many domains every xenstore request is slow
 * (xenstored visits each introduced domain per request), so step 2 uses
 * the ctx's shared @releaseDomain watch (xs/release.h), which the first
 * destroy asks to be kept until the ctx is freed: a destroy then makes no
 * watch / unwatch requests (nor opens and closes xswatch.c's connection
 * each time). Since the watch outlives the destroys, a release may already
 * have been reported before a destroy registers: each one checks its
 * domain once when it does. The xenstore requests of step 1 that do
 * not depend on each other go in batches (xsbatch.c): a domain without
 * devices costs two round trips (the reads, the removals).
 *
 * The order matters to xenstored (4.17): a domain released while it still
 * owns nodes (a guest owns several under /local/domain/N) makes xenstored
 * walk its whole tree looking for them, to delete them as orphans, before
 * it lets the domain go; removed first, as libxl does, there is no walk.
 */
typedef struct {
    libxl__ao *ao;
    uint32_t domid;
    char dom_path[48], libxl_path[48];
    char *vm_path;                    /* ao pool; NULL if none */
    libxl__xs_release release;        /* Active while waiting */
    libxl__ao_time timeout;
    libxl__ao_time recheck;           /* while the domain is still dying */
    int recheck_ms;                   /* its next interval (backoff) */
    uint8_t uuid[16];                 /* the hypervisor's handle */
    bool has_devices, has_dm;         /* libxl's long way (step 1b) */
} destroy_state;

/* xenstored fires @releaseDomain when it drops a dying domain, but not
 * when the hypervisor finally frees it (on a real host that can be seconds
 * later, once its memory is relinquished). So while a destroyed domain is
 * still present, its destroy also re-checks on a timer, starting at 10 ms
 * and backing off to 200 ms. */
#define DESTROY_RECHECK_FIRST_MS 10
#define DESTROY_RECHECK_MAX_MS 200

/*
 * Unlocked helpers: they use only ctx's xenstore connections and ds (owned
 * by the initiator until it registers the wait). The requests of each step
 * do not depend on each other, so each step is one batch (xsbatch.c): one
 * round trip to xenstored, not one per request. Removals of nodes already
 * gone are not failures.
 */
static void log_rm_failures(destroy_state *ds, const libxl__xs_req *q,
                            unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (q[i].err && q[i].err != ENOENT) {
            errno = q[i].err;
            LOGED(ds->ao->ctx, ERROR, ds->domid, "xs_rm failed for %s",
                  q[i].path);
        }
}

static void free_answers(libxl__xs_req *q, unsigned n)
{
    for (unsigned i = 0; i < n; i++) free(q[i].data);
}

/* The names of a directory answer, in the ao's pool; their number. */
static unsigned answer_names(destroy_state *ds, const libxl__xs_req *q,
                             char ***names_r)
{
    unsigned n = 0;
    char **names;

    *names_r = NULL;
    if (q->err || !q->data) return 0;
    for (unsigned off = 0; off < q->len; off += strlen(q->data + off) + 1)
        n++;
    names = n ? libxl__ao_zalloc(ds->ao, n * sizeof(*names)) : NULL;
    if (!names) return 0;
    n = 0;
    for (unsigned off = 0; off < q->len; off += strlen(q->data + off) + 1)
        names[n++] = libxl__ao_sprintf(ds->ao, "%s", q->data + off);
    for (unsigned i = 0; i < n; i++)
        if (!names[i]) return 0;
    *names_r = names;
    return n;
}

/* A value answer, in the ao's pool; NULL if none. */
static char *answer_value(destroy_state *ds, const libxl__xs_req *q)
{
    return !q->err && q->data ? libxl__ao_sprintf(ds->ao, "%s", q->data)
                              : NULL;
}

/*
 * The directory to remove for a backend path libxl's records name, or NULL
 * to leave it alone. The records are the toolstack's, but what they say is
 * checked all the same before anything is removed: only the shape of a
 * backend of one of this domain's devices, "/local/domain/B/backend/KIND/
 * N/DEVID" with N this domain, is accepted (anything else, such as
 * "/local/domain/0" or another domain's backend, is logged and ignored),
 * and it goes with its whole ".../KIND/N" directory, which only holds this
 * domain's backends.
 */
static char *backend_dir(destroy_state *ds, const char *be)
{
    libxl__backend_path bp;

    if (!libxl__backend_path_parse(be, &bp) || bp.frontend_domid != ds->domid) {
        LOGD(ds->ao->ctx, WARN, ds->domid, "destroy: ignoring backend path"
             " \"%.80s\", which is not one of this domain's backends", be);
        return NULL;
    }
    return libxl__ao_sprintf(ds->ao, "%.*s", (int)bp.frontend_dir_len, be);
}

/* A /vm path is removed only as "/vm/NAME" (one component): the domain's
 * vm node is the toolstack's, but it lives in the guest's directory. */
static bool vm_path_ok(const char *vm)
{
    return !strncmp(vm, "/vm/", 4) && vm[4] && !strchr(vm + 4, '/') &&
           strlen(vm) < 128;
}

/*
 * Note the domain's /vm path, and remove its xenstore entries, as libxl
 * 4.17 does before it destroys the domain: its devices' (the frontends
 * libxl's records name outside /local/domain/N, and the backends, each
 * backend directory once), then /local/domain/N, /libxl/N (with the
 * records) and /vm/UUID.
 *
 * The devices are found in libxl's records (/libxl/N/device), never in the
 * guest's own /local/domain/N/device, whose nodes the guest writes: as
 * libxl since XSA-175. (A device with no record keeps its backend, as with
 * libxl; its frontend goes with /local/domain/N.) In at most four round
 * trips, each a batch (xsbatch.c): the /vm path and the record directory;
 * the kinds; each device's backend and frontend path; the removals. A
 * domain without devices costs two.
 */
static void destroy_remove_entries(destroy_state *ds)
{
    libxl_ctx *ctx = ds->ao->ctx;
    libxl__ao *ao = ds->ao;
    const char *records;
    char **kinds;
    unsigned nkinds, i;
    libxl__xs_req first[2] = {
        { .type = LIBXL__XS_READ },
        { .type = LIBXL__XS_DIRECTORY },
    };

    first[0].path = libxl__ao_sprintf(ao, "%s/vm", ds->dom_path);
    first[1].path = records = libxl__ao_sprintf(ao, "%s/device",
                                                ds->libxl_path);
    libxl__xs_req *mq = NULL;
    unsigned nm = 0, first_be, nr = 0;
    if (!first[0].path || !records) goto remove;
    libxl__xs_batch(ctx, first, 2);
    ds->vm_path = answer_value(ds, &first[0]);
    if (ds->vm_path && !vm_path_ok(ds->vm_path)) {
        LOGD(ctx, WARN, ds->domid, "destroy: ignoring vm path \"%.80s\"",
             ds->vm_path);
        ds->vm_path = NULL;
    }
    nkinds = answer_names(ds, &first[1], &kinds);
    free_answers(first, 2);
    if (!nkinds) goto remove;

    /* The devices of each kind. */
    libxl__xs_req *kq = libxl__ao_zalloc(ao, nkinds * sizeof(*kq));
    if (!kq) goto remove;
    for (unsigned k = 0; k < nkinds; k++) {
        kq[k].type = LIBXL__XS_DIRECTORY;
        kq[k].path = libxl__ao_sprintf(ao, "%s/%s", records, kinds[k]);
        if (!kq[k].path) goto remove;
    }
    libxl__xs_batch(ctx, kq, nkinds);

    /* Each device's backend and frontend paths. */
    unsigned ndev = 0;
    char ***devs = libxl__ao_zalloc(ao, nkinds * sizeof(*devs));
    unsigned *ndevs = libxl__ao_zalloc(ao, nkinds * sizeof(*ndevs));
    if (!devs || !ndevs) { free_answers(kq, nkinds); goto remove; }
    for (i = 0; i < nkinds; i++) {
        ndevs[i] = answer_names(ds, &kq[i], &devs[i]);
        ndev += ndevs[i];
    }
    free_answers(kq, nkinds);
    libxl__xs_req *rq = libxl__ao_zalloc(ao, (2 * ndev + 1) * sizeof(*rq));
    if (!rq) goto remove;
    for (i = 0; i < nkinds; i++)
        for (unsigned d = 0; d < ndevs[i]; d++) {
            rq[nr].type = LIBXL__XS_READ;
            rq[nr++].path = libxl__ao_sprintf(ao, "%s/%s/backend", kq[i].path,
                                              devs[i][d]);
            rq[nr].type = LIBXL__XS_READ;
            rq[nr++].path = libxl__ao_sprintf(ao, "%s/%s/frontend",
                                              kq[i].path, devs[i][d]);
        }
    for (i = 0; i < nr; i++)
        if (!rq[i].path) goto remove;
    libxl__xs_batch(ctx, rq, nr);

    /* The removals: frontends elsewhere, then the backend directories
     * (each once); the records go with /libxl/N below. At most one per
     * answer (nr), plus the three directories below. */
    mq = libxl__ao_zalloc(ao, (nr + 3) * sizeof(*mq));
    if (!mq) { free_answers(rq, nr); goto remove; }
    for (i = 0; i < nr; i++) {
        const char *v = answer_value(ds, &rq[i]);
        size_t l = strlen(rq[i].path);
        bool frontend = l > 9 && !strcmp(rq[i].path + l - 9, "/frontend");
        if (!frontend || !v || *v != '/' ||
            !strncmp(v, ds->dom_path, strlen(ds->dom_path)))
            continue;
        mq[nm].type = LIBXL__XS_RM;
        mq[nm++].path = v;
    }
    first_be = nm;
    for (i = 0; i < nr; i++) {
        const char *v = answer_value(ds, &rq[i]);
        size_t l = strlen(rq[i].path);
        bool backend = l > 8 && !strcmp(rq[i].path + l - 8, "/backend");
        char *dir = backend && v && *v == '/' ? backend_dir(ds, v) : NULL;
        bool seen = false;
        if (!dir) continue;
        for (unsigned j = first_be; j < nm && !seen; j++)
            seen = !strcmp(mq[j].path, dir);
        if (seen) continue;
        mq[nm].type = LIBXL__XS_RM;
        mq[nm++].path = dir;
    }
    free_answers(rq, nr);

remove:
    if (!mq) {
        nm = 0;
        mq = libxl__ao_zalloc(ao, 3 * sizeof(*mq));
    }
    if (mq) {
        mq[nm].type = LIBXL__XS_RM;
        mq[nm++].path = ds->dom_path;
        mq[nm].type = LIBXL__XS_RM;
        mq[nm++].path = ds->libxl_path;
        if (ds->vm_path) {
            mq[nm].type = LIBXL__XS_RM;
            mq[nm++].path = ds->vm_path;
        }
        libxl__xs_batch(ctx, mq, nm);
        log_rm_failures(ds, mq, nm);
        return;
    }
    /* No memory even for that: one by one. */
    libxl__xs_req one = { .type = LIBXL__XS_RM };
    const char *dirs[3] = { ds->dom_path, ds->libxl_path, ds->vm_path };
    for (i = 0; i < 3 && dirs[i]; i++) {
        one.path = dirs[i];
        libxl__xs_batch(ctx, &one, 1);
        log_rm_failures(ds, &one, 1);
    }
}


/* Whether the domain needs libxl's long way: a device in the
 * toolstack's records, a device model recorded. One batch. */
static bool destroy_probe(destroy_state *ds)
{
    libxl__ao *ao = ds->ao;
    libxl__xs_req q[2] = {
        { .type = LIBXL__XS_DIRECTORY },
        { .type = LIBXL__XS_READ },
    };

    q[0].path = libxl__ao_sprintf(ao, "%s/device", ds->libxl_path);
    q[1].path = libxl__ao_sprintf(ao, "%s/image/device-model-pid",
                                  ds->dom_path);
    if (!q[0].path || !q[1].path) {
        /* no memory to look: the long way finds out by itself */
        ds->has_devices = true;
        return true;
    }
    libxl__xs_batch(ao->ctx, q, 2);
    ds->has_devices = !q[0].err && q[0].len > 0;
    ds->has_dm = !q[1].err;
    free_answers(q, 2);
    return ds->has_devices || ds->has_dm;
}

/* The domain's userdata files, under their lock (libxl's destroy): 0 or
 * ERROR_LOCK_FAIL (logged by the lock). */
static int destroy_userdata(destroy_state *ds)
{
    libxl__gc *gc = libxl__ao_gc(ds->ao);
    libxl__userdata_dom dom = { .domid = ds->domid };
    libxl__userdata_flock lock = { .fd = -1 };

    snprintf(dom.uuid, sizeof(dom.uuid), LIBXL_UUID_FMT,
             LIBXL_UUID_BYTES(*(libxl_uuid *)ds->uuid));
    if (libxl__userdata_lock(gc, &dom, LIBXL__LOCK_USERDATA, &lock, NULL))
        return ERROR_LOCK_FAIL;
    libxl__userdata_destroyall(gc, &dom);
    libxl__userdata_unlock(&lock);
    return 0;
}

/* libxl__remove_file: 0, or ERROR_FAIL (logged). */
static int remove_file(libxl_ctx *ctx, const char *path)
{
    while (unlink(path) < 0) {
        if (errno == ENOENT) return 0;
        if (errno == EINTR) continue;
        LOGE(ctx, ERROR, "failed to remove file %s", path);
        return ERROR_FAIL;
    }
    return 0;
}

/* What follows the devices (step 1a): 0, or the error the destroy fails
 * with (logged; the domain is then not destroyed, as in libxl). */
static int destroy_rest(destroy_state *ds)
{
    libxl_ctx *ctx = ds->ao->ctx;
    char path[64];
    int rc;

    destroy_remove_entries(ds);
    rc = destroy_userdata(ds);
    if (rc) return rc;
    /* the device model's save and restore files (libxc's, not userdata) */
    snprintf(path, sizeof(path), LIBXL__USERDATA_DIR "/qemu-save.%u",
             ds->domid);
    if (remove_file(ctx, path)) return ERROR_FAIL;
    snprintf(path, sizeof(path), LIBXL__USERDATA_DIR "/qemu-resume.%u",
             ds->domid);
    if (remove_file(ctx, path)) return ERROR_FAIL;
    /* libxl records the domid as recent just before it goes; a failure
     * to is reported as the destroy's */
    if (libxl__mark_domid_recent(libxl__ao_gc(ds->ao), ds->domid) ||
        xc_domain_destroy(ctx->xch, ds->domid) < 0) {
        LOGED(ctx, ERROR, ds->domid, "xc_domain_destroy failed");
        return ERROR_FAIL;
    }
    return 0;
}

/* Completion. */
static void destroy_finish(libxl__egc *egc, destroy_state *ds, int rc)
{
    libxl_ctx *ctx = egc->ctx;

    libxl__xs_release_deregister(ctx, &ds->release);
    libxl__ao_time_deregister(ctx, &ds->timeout);
    libxl__ao_time_deregister(ctx, &ds->recheck);
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
    destroy_state *ds = CONTAINER_OF(t, destroy_state, recheck);
    /* An abort is handled once, by the main timeout's callback. */
    if (rc == ERROR_ABORTED) return;
    destroy_check_gone(egc, ds);
}

static void destroy_released(libxl__egc *egc, libxl__xs_release *r)
{
    destroy_check_gone(egc, CONTAINER_OF(r, destroy_state, release));
}

static void destroy_timeout(libxl__egc *egc, libxl__ao_time *t, int rc)
{
    destroy_state *ds = CONTAINER_OF(t, destroy_state, timeout);
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
    int rc;

    rc = libxl__ao_time_register(ds->ao, &ds->timeout, destroy_timeout,
                                 ctx_destroy_timeout(ctx));
    if (rc) goto out;
    libxl__xs_release_keep(ctx);
    rc = libxl__xs_release_register(ctx, &ds->release, destroy_released);
    if (rc) goto out;
    destroy_check_gone(egc, ds);
    rc = 0;
out:
    if (rc) destroy_finish(egc, ds, rc);
}



static void destroy_devices_done(libxl__egc *egc, void *arg, int rc);

int libxl_domain_destroy(libxl_ctx *ctx, uint32_t domid,
                         const libxl_asyncop_how *ao_how)
{
    AO_CREATE(ctx, domid, ao_how);
    destroy_state *ds;
    xc_domaininfo_t info;
    int found = 0, rc = 0;
    bool long_way = false;

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
    libxl__xs_release_init(&ds->release);
    ds->recheck_ms = DESTROY_RECHECK_FIRST_MS;

    AO_UNLOCKED(ao, {
        found = domain_getinfo(ctx, domid, &info);
        if (found == 1) {
            memcpy(ds->uuid, info.handle, sizeof(ds->uuid));
            if (xc_domain_pause(ctx->xch, domid) < 0)
                LOGED(ctx, ERROR, domid, "xc_domain_pause failed");
            long_way = destroy_probe(ds);
            if (!long_way) rc = destroy_rest(ds);
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
    if (long_way) {
        if (ds->has_dm &&
            libxl__device_model_destroy(libxl__ao_gc(ao), domid))
            LOGD(ctx, ERROR, domid, "libxl__destroy_device_model failed");
        libxl__devices_destroy(egc, ao, domid, destroy_devices_done, ds);
        return AO_INPROGRESS;
    }
    if (rc) goto fail;

    destroy_wait_start(egc, ds);
    return AO_INPROGRESS;

fail:
    LOGD(ctx, ERROR, domid, "Unable to destroy guest");
    LOGD(ctx, ERROR, domid, "Destruction of domain failed");
    libxl__ao_complete(egc, ao, rc);
    return AO_INPROGRESS;
}

/* Step 1b's devices are gone (or failed to go, which libxl only logs):
 * the rest, locked. */
static void destroy_devices_done(libxl__egc *egc, void *arg, int rc)
{
    destroy_state *ds = arg;

    if (rc < 0)
        LOGD(egc->ctx, ERROR, ds->domid, "libxl__devices_destroy failed");
    rc = destroy_rest(ds);
    if (rc) {
        LOGD(egc->ctx, ERROR, ds->domid, "Unable to destroy guest");
        destroy_finish(egc, ds, rc);
        return;
    }
    destroy_wait_start(egc, ds);
}
