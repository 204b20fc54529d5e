/*
 * ops/device_add.c: adding a device to a domain, for every kind
 * (libxl__device_add, contract in ops/device.h), and undoing all of it
 * when a step fails or the operation is aborted. Knows no kind: what is
 * written comes from the kind's devtype and entry table.
 *
 * The steps, in the order they run:
 *   prepare      defaults, address, and under the userdata lock the
 *                stored configuration and the xenstore nodes (run by the
 *                initiating thread without the ctx lock: it may wait for
 *                another process's lock);
 *   wait         the backend reaching InitWait (xswait);
 *   hotplug      the script, once per step the kind has (async_exec);
 *   undo         on a failure: the script's "remove" (if its "add" ran;
 *                it runs even when the operation is being aborted), the
 *                nodes, the configuration entry.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "ops/device.h"
#include "ops/userdata.h"
#include "subop/async_exec.h"
#include "subop/xswait.h"
#include "xs/paths.h"
#include "xs/xs.h"
#include "xs/xstx.h"

/* Longest hotplug-error message taken from the backend. */
#define MAX_HOTPLUG_ERROR 1024

typedef struct {
    libxl__ao *ao;
    const libxl__devtype *dt;
    uint32_t domid;
    void *dev;                        /* the caller's struct */
    libxl__devaddr addr;
    const char *be_state;             /* BACKEND/state */
    /* what there is to undo */
    void *saved;                      /* the struct as stored; ao memory */
    void *replaced;                   /* malloc'ed: the entry it replaced */
    bool have_addr;                   /* named in messages (libxl: once
                                         its nodes are written) */
    bool nodes_written, config_stored, add_script_started;
    int num_exec;
    int rc;                           /* the failure being undone */
    libxl__xswait wait;
    libxl__async_exec_state aes;
} devadd;

static void wait_backend(libxl__egc *egc, devadd *da);
static void backend_state(libxl__egc *egc, libxl__xswait *xsw, int rc,
                          const char *value);
static void hotplug(libxl__egc *egc, devadd *da);
static void hotplug_done(libxl__egc *egc, libxl__async_exec_state *aes,
                         int rc, int status);
static void undo(libxl__egc *egc, devadd *da, int rc);
static void undo_script_done(libxl__egc *egc, libxl__async_exec_state *aes,
                             int rc, int status);
static void undo_records(libxl__egc *egc, devadd *da);
static void finish(libxl__egc *egc, devadd *da, int rc);

/* ------------------------------------------------------------ prepare */

/* The permissions libxl gives a device's directories. */
static void set_perms(libxl__xstx *tx, const char *path, uint32_t owner,
                      uint32_t reader)
{
    struct xs_permissions perms[2] = {
        { .id = owner, .perms = XS_PERM_NONE },
        { .id = reader, .perms = XS_PERM_READ },
    };
    libxl__xstx_set_perms(tx, path, perms, 2);
}

/* Writes kvs under dir (just made, with the perms dir_owner/dir_reader),
 * each node with the perms owner/reader. A node dom0 creates gets its
 * parent's permissions from xenstored, so they are set only where they
 * differ from dir's: the same tree as libxl's, which sets them on every
 * node, with one request per node fewer. */
static bool write_with_perms(libxl__gc *gc, libxl__xstx *tx,
                             const char *dir, const char **kvs,
                             uint32_t owner, uint32_t reader,
                             uint32_t dir_owner, uint32_t dir_reader)
{
    bool inherit = owner == dir_owner && reader == dir_reader;

    for (; kvs[0]; kvs += 2) {
        const char *path = GCSPRINTF("%s/%s", dir, kvs[0]);
        if (!path) return false;
        libxl__xstx_write(tx, path, kvs[1]);
        if (!inherit) set_perms(tx, path, owner, reader);
    }
    return true;
}

/* Queues in tx the record, frontend and backend of da's device: 0, or
 * ERROR_NOMEM. The requests' own failures show once tx is flushed. */
static int write_nodes(libxl__gc *gc, libxl__xstx *tx, devadd *da,
                       const libxl__devent_src *src)
{
    const libxl__devaddr *a = &da->addr;
    const libxl__dev_entries *table = &da->dt->entries;
    const char *rec = libxl__dev_record_path(gc, a);
    const char *fe = libxl__dev_frontend_path(gc, a);
    const char *be = libxl__dev_backend_path(gc, a);
    const char **back = libxl__dev_entries_kvs(gc, table, LIBXL__DEVENT_BACK,
                                               src);
    const char **front = libxl__dev_entries_kvs(gc, table,
                                                LIBXL__DEVENT_FRONT, src);
    const char **ro_front = libxl__dev_entries_kvs(gc, table,
                                                   LIBXL__DEVENT_RO_FRONT,
                                                   src);
    bool record_only = a->backend_kind == LIBXL__DEVKIND_NONE;
    /* console 0 and vuarts: the guest may only read its frontend */
    bool ro_dir = (a->kind == LIBXL__DEVKIND_CONSOLE && a->devid == 0) ||
                  a->kind == LIBXL__DEVKIND_VUART;

    if (!rec || !fe || !be || !back || !front || !ro_front)
        return ERROR_NOMEM;
    libxl__xstx_rm(tx, rec);
    if (!record_only) {
        const char *rec_fe = GCSPRINTF("%s/frontend", rec);
        const char *rec_be = GCSPRINTF("%s/backend", rec);
        if (!rec_fe || !rec_be) return ERROR_NOMEM;
        libxl__xstx_write(tx, rec_fe, fe);
        libxl__xstx_write(tx, rec_be, be);
    }

    if (!record_only && (front[0] || ro_front[0])) {
        uint32_t fe_owner = ro_dir ? a->backend_domid : a->domid;
        uint32_t fe_reader = ro_dir ? a->domid : a->backend_domid;
        const char *fe_be = GCSPRINTF("%s/backend", fe);
        if (!fe_be) return ERROR_NOMEM;
        libxl__xstx_rm(tx, fe);
        libxl__xstx_mkdir(tx, fe);
        set_perms(tx, fe, fe_owner, fe_reader);
        libxl__xstx_write(tx, fe_be, be);
        if (!write_with_perms(gc, tx, fe, front, a->domid, a->backend_domid,
                              fe_owner, fe_reader) ||
            !write_with_perms(gc, tx, fe, ro_front, a->backend_domid,
                              a->domid, fe_owner, fe_reader))
            return ERROR_NOMEM;
    }
    if (back[0]) {
        if (!record_only) {
            const char *be_fe = GCSPRINTF("%s/frontend", be);
            if (!be_fe) return ERROR_NOMEM;
            libxl__xstx_rm(tx, be);
            libxl__xstx_mkdir(tx, be);
            set_perms(tx, be, a->backend_domid, a->domid);
            libxl__xstx_write(tx, be_fe, fe);
            if (!libxl__xstx_writev(tx, gc, be, back)) return ERROR_NOMEM;
        }
        /* the record keeps a copy of every backend entry: what the
         * toolstack reads back, instead of trusting the backend */
        if (!libxl__xstx_writev(tx, gc, rec, back)) return ERROR_NOMEM;
    }
    return 0;
}

/* The device's nodes, in one transaction that also refuses a device that
 * exists already (unless the kind's add overwrites it). Its requests are
 * sent together (xs/xstx.h): three round trips to xenstored, not one per
 * node. */
static int add_nodes(libxl__gc *gc, devadd *da, const libxl__devent_src *src)
{
    bool refuse = !da->dt->add_nodes_only;
    const char *rec = libxl__dev_record_path(gc, &da->addr);
    libxl__xstx tx;
    int rc, e;

    if (!rec) return ERROR_NOMEM;
    libxl__xstx_init(&tx, gc->ctx);
    for (;;) {
        e = libxl__xstx_start(&tx);
        if (e) {
            errno = e;
            LOGED(gc->ctx, ERROR, da->domid, "xs_transaction_start failed");
            rc = ERROR_FAIL;
            break;
        }
        unsigned exists = refuse ? libxl__xstx_read(&tx, rec) : 0;
        rc = write_nodes(gc, &tx, da, src);
        libxl__xstx_flush(&tx);
        const libxl__xstx_req *r = refuse ? libxl__xstx_req_at(&tx, exists)
                                          : NULL;
        const libxl__xstx_req *bad = libxl__xstx_failed(&tx);
        if (r && r->err != ENOENT && r->err != EAGAIN) {
            if (!r->err) {
                LOGD(gc->ctx, ERROR, da->domid,
                     "device already exists in xenstore");
                rc = ERROR_DEVICE_EXISTS;
            } else {
                errno = r->err;
                LOGED(gc->ctx, ERROR, da->domid, "cannot read %s", rec);
                rc = ERROR_FAIL;
            }
        } else if (!rc && bad && bad->err != EAGAIN) {
            /* libxl says nothing here (its caller logs the failed add) */
            errno = bad->err;
            LOGED(gc->ctx, DEBUG, da->domid, "unable to write the nodes of"
                  " %s %d (%s)", da->dt->name, da->addr.devid, bad->path);
            rc = ERROR_FAIL;
        }
        e = libxl__xstx_end(&tx, !rc && !bad);
        if (rc) break;
        if (!e && !bad) break;
        if (e && e != EAGAIN) {
            errno = e;
            LOGED(gc->ctx, ERROR, da->domid, "xs transaction failed");
            rc = ERROR_FAIL;
            break;
        }
        /* a conflict, or the connection was lost: again */
    }
    libxl__xstx_dispose(&tx);
    return rc;
}

/*
 * Everything before the waits: runs on the initiating thread without the
 * ctx lock (it may wait for the userdata lock of another process). On a
 * failure it leaves nothing behind.
 */
static int prepare(libxl__gc *gc, devadd *da)
{
    libxl_ctx *ctx = gc->ctx;
    const libxl__devtype *dt = da->dt;
    libxl__userdata_dom dom;
    libxl__userdata_flock lock = { .fd = -1 };
    libxl_domain_config d_config;
    libxl_dominfo info;
    libxl__devent_src src;
    int rc;

    libxl_domain_config_init(&d_config);
    libxl_dominfo_init(&info);
    dt->copy(ctx, da->saved, da->dev);        /* stored as given */

    if (!dt->setdefault_untyped) {
        rc = libxl_domain_info(ctx, &info, da->domid);
        if (rc) {
            LOG(ctx, ERROR, "unable to get domain type for domid=%u",
                da->domid);
            rc = ERROR_FAIL;
            goto out;
        }
    }
    if (dt->setdefault) {
        rc = dt->setdefault(gc, da->domid, info.domain_type, da->dev, true);
        if (rc) goto out;
    }
    if (dt->update_devid) {
        rc = dt->update_devid(gc, da->domid, da->dev);
        if (rc) goto out;
    }
    if (dt->update_config) dt->update_config(gc, da->saved, da->dev);
    rc = dt->add_to_addr
         ? dt->add_to_addr(gc, da->domid, da->dev, &da->addr)
         : libxl__device_addr_of(gc, dt, da->domid, da->dev, &da->addr);
    if (rc) goto out;
    da->be_state = GCSPRINTF("%s/state", libxl__dev_backend_path(gc,
                                                                 &da->addr));

    if (libxl__userdata_dom_find(gc, da->domid, &dom) ||
        libxl__userdata_lock(gc, &dom, LIBXL__LOCK_USERDATA, &lock, NULL)) {
        rc = ERROR_LOCK_FAIL;
        goto out;
    }
    rc = libxl__userdata_config_read(gc, &dom, &d_config);
    if (rc) {
        LOGD(ctx, ERROR, da->domid, "Fail to get domain configuration");
        goto out;
    }
    rc = libxl__device_config_put(gc, dt, &d_config, da->saved,
                                  &da->replaced);
    if (rc) goto out;
    if (dt->check) {
        rc = dt->check(gc, da->domid, &d_config, da->dev);
        if (rc) goto out;
    }

    src = (libxl__devent_src){ ctx, da->dev, &da->addr, info.domain_type };
    rc = add_nodes(gc, da, &src);
    if (rc) goto out;
    da->nodes_written = da->have_addr = true;

    rc = libxl__userdata_config_write(gc, &dom, &d_config);
    if (rc) {
        libxl__device_destroy_nodes(gc, &da->addr);
        da->nodes_written = false;
        goto out;
    }
    da->config_stored = true;
out:
    libxl__userdata_unlock(&lock);
    libxl_domain_config_dispose(&d_config);
    libxl_dominfo_dispose(&info);
    return rc;
}

/* libxl's synchronous add: defaults, devid and the nodes, nothing else
 * (no domain lookup, no stored configuration). */
static int prepare_nodes_only(devadd *da)
{
    libxl__gc *gc = libxl__ao_gc(da->ao);
    const libxl__devtype *dt = da->dt;
    libxl__devent_src src;
    int rc;

    if (dt->setdefault) {
        rc = dt->setdefault(gc, da->domid, LIBXL_DOMAIN_TYPE_INVALID,
                            da->dev, false);
        if (rc) return rc;
    }
    if (dt->update_devid) {
        rc = dt->update_devid(gc, da->domid, da->dev);
        if (rc) return rc;
    }
    rc = libxl__device_addr_of(gc, dt, da->domid, da->dev, &da->addr);
    if (rc) return rc;
    src = (libxl__devent_src){ da->ao->ctx, da->dev, &da->addr,
                               LIBXL_DOMAIN_TYPE_INVALID };
    return add_nodes(gc, da, &src);
}

int libxl__device_add_records(libxl__gc *gc, uint32_t domid,
                              const libxl__devtype *dt, void *dev)
{
    devadd da = { .dt = dt, .domid = domid, .dev = dev };
    int rc;

    da.saved = GCZALLOC(dt->size);
    if (!da.saved) return ERROR_NOMEM;
    dt->init(da.saved);
    rc = prepare(gc, &da);
    dt->dispose(da.saved);
    if (da.replaced) {
        dt->dispose(da.replaced);
        free(da.replaced);
    }
    return rc;
}

int libxl__device_unadd(libxl__gc *gc, uint32_t domid,
                        const libxl__devtype *dt, const void *dev)
{
    libxl__userdata_dom dom;
    libxl__userdata_flock lock = { .fd = -1 };
    libxl_domain_config d_config;
    libxl__devaddr addr;
    int rc;

    rc = libxl__device_addr_of(gc, dt, domid, dev, &addr);
    if (!rc) rc = libxl__device_destroy_nodes(gc, &addr);
    libxl_domain_config_init(&d_config);
    if (libxl__userdata_dom_find(gc, domid, &dom) ||
        libxl__userdata_lock(gc, &dom, LIBXL__LOCK_USERDATA, &lock, NULL) ||
        libxl__userdata_config_read(gc, &dom, &d_config) ||
        libxl__device_config_drop(gc, dt, &d_config, dev, NULL) ||
        libxl__userdata_config_write(gc, &dom, &d_config)) {
        LOGD(gc->ctx, ERROR, domid, "could not take the %s out of the"
             " stored configuration", dt->name);
        if (!rc) rc = ERROR_FAIL;
    }
    libxl__userdata_unlock(&lock);
    libxl_domain_config_dispose(&d_config);
    return rc;
}

int libxl__device_add(libxl_ctx *ctx, uint32_t domid,
                      const libxl__devtype *dt, void *dev,
                      const libxl_asyncop_how *ao_how)
{
    AO_CREATE(ctx, domid, ao_how);
    devadd *da = libxl__ao_zalloc(ao, sizeof(*da));
    int rc;

    if (!da) return AO_CREATE_FAIL(ERROR_NOMEM);
    da->saved = libxl__ao_zalloc(ao, dt->size);
    if (!da->saved) return AO_CREATE_FAIL(ERROR_NOMEM);
    da->ao = ao;
    da->dt = dt;
    da->domid = domid;
    da->dev = dev;
    dt->init(da->saved);
    libxl__xswait_init(&da->wait);
    libxl__async_exec_init(&da->aes);

    if (dt->add_nodes_only) {
        AO_UNLOCKED(ao, rc = prepare_nodes_only(da));
        finish(egc, da, rc);
        return AO_INPROGRESS;
    }
    AO_UNLOCKED(ao, rc = prepare(libxl__ao_gc(ao), da));
    if (rc) {
        finish(egc, da, rc);
    } else if (libxl__ao_aborting(ao)) {
        undo(egc, da, ERROR_ABORTED);
    } else {
        wait_backend(egc, da);
    }
    return AO_INPROGRESS;
}

/* ------------------------------------------------ waiting for InitWait */

static void wait_backend(libxl__egc *egc, devadd *da)
{
    int rc;

    /* A record-only device: the device model's to take, or nothing. */
    if (da->addr.backend_kind == LIBXL__DEVKIND_NONE) {
        rc = da->dt->dm_add ? da->dt->dm_add(libxl__ao_gc(da->ao), da->domid,
                                             da->dev)
                            : 0;
        if (rc) undo(egc, da, rc);
        else finish(egc, da, 0);
        return;
    }
    /* QEMU connects a device by itself, without waiting in InitWait. */
    if (libxl__devkind_qemu_backend(da->addr.backend_kind)) {
        hotplug(egc, da);
        return;
    }
    da->wait.ao = da->ao;
    da->wait.what = libxl__ao_sprintf(da->ao, "backend %s (hoping for state"
                                      " change to 2)", da->be_state);
    da->wait.path = da->be_state;
    da->wait.timeout_ms = libxl__device_timeout_ms(LIBXL__DEVTIMEOUT_INIT);
    da->wait.callback = backend_state;
    rc = libxl__xswait_start(&da->wait);
    if (rc) {
        LOGD(egc->ctx, ERROR, da->domid, "unable to initialize device %s",
             da->be_state);
        undo(egc, da, rc);
    }
}

/* A state the backend wrote: a decimal number (atoi in libxl). */
static int state_of(const char *value)
{
    char *end;
    long v = strtol(value, &end, 10);
    return (end == value || v < 0 || v > 100) ? -1 : (int)v;
}

static void backend_state(libxl__egc *egc, libxl__xswait *xsw, int rc,
                          const char *value)
{
    devadd *da = CONTAINER_OF(xsw, devadd, wait);
    libxl_ctx *ctx = egc->ctx;

    if (!rc && !value) {
        LOGD(ctx, DEBUG, da->domid, "backend %s wanted state 2 but it was"
             " removed", da->be_state);
        rc = ERROR_INVAL;
    }
    if (!rc && state_of(value) != LIBXL__XENBUS_INITWAIT) {
        LOGD(ctx, DEBUG, da->domid, "backend %s wanted state 2 still"
             " waiting state %s", da->be_state, value);
        return;
    }
    libxl__xswait_stop(xsw);
    if (rc) {
        LOGD(ctx, ERROR, da->domid, "unable to add device with path %s",
             libxl__dev_backend_path(libxl__ao_gc(da->ao), &da->addr));
        undo(egc, da, rc);
        return;
    }
    hotplug(egc, da);
}

/* ------------------------------------------------------ hotplug script */

/* Starts the script's run for da (add or remove); 1 started, 0 nothing to
 * run, or an error (logged). */
static int start_script(libxl__egc *egc, devadd *da, bool add,
                        bool survives_abort,
                        libxl__async_exec_callback *callback)
{
    libxl__gc *gc = libxl__ao_gc(da->ao);
    const char *path = NULL;
    char **argv = NULL, **envp = NULL;
    int rc;

    rc = libxl__device_hotplug_args(gc, da->dt, &da->addr, add,
                                    add ? da->num_exec : 0, &path, &argv,
                                    &envp);
    if (rc <= 0) {
        if (rc)
            LOGD(egc->ctx, ERROR, da->domid, "unable to get args/env to"
                 " execute hotplug script for device %s",
                 libxl__dev_backend_path(gc, &da->addr));
        return rc;
    }
    libxl__async_exec_init(&da->aes);
    da->aes.ao = da->ao;
    da->aes.what = GCSPRINTF("%s %s", argv[0], argv[1]);
    da->aes.path = path;
    da->aes.argv = argv;
    da->aes.envp = envp;
    da->aes.stdfds[0] = -1;                   /* /dev/null */
    da->aes.stdfds[1] = 2;                    /* stdout to stderr */
    da->aes.stdfds[2] = 2;
    da->aes.timeout_ms = libxl__device_timeout_ms(LIBXL__DEVTIMEOUT_HOTPLUG);
    da->aes.survives_abort = survives_abort;
    da->aes.callback = callback;
    rc = libxl__async_exec_start(egc, &da->aes);
    return rc ? rc : 1;
}

static void hotplug(libxl__egc *egc, devadd *da)
{
    libxl__gc *gc = libxl__ao_gc(da->ao);
    uint32_t self;
    int rc;

    rc = libxl__device_own_domid(gc, &self);
    if (rc) {
        undo(egc, da, rc);
        return;
    }
    if (da->addr.backend_domid != self) {
        /* a driver domain runs its own scripts */
        LOGD(egc->ctx, DEBUG, da->domid, "Backend domid %u, domid %u,"
             " assuming driver domains", da->addr.backend_domid, self);
        finish(egc, da, 0);
        return;
    }
    rc = start_script(egc, da, true, false, hotplug_done);
    if (rc < 0) {
        undo(egc, da, rc);
        return;
    }
    if (!rc) {
        finish(egc, da, 0);
        return;
    }
    da->add_script_started = true;
}

static void hotplug_done(libxl__egc *egc, libxl__async_exec_state *aes,
                         int rc, int status)
{
    devadd *da = CONTAINER_OF(aes, devadd, aes);
    libxl__gc *gc = libxl__ao_gc(da->ao);

    if (!rc && status) {
        const char *be = libxl__dev_backend_path(gc, &da->addr);
        const char *err = be ? libxl__xs_read_checked(
            gc, XBT_NULL, GCSPRINTF("%s/hotplug-error", be),
            MAX_HOTPLUG_ERROR) : NULL;
        if (err) LOG(egc->ctx, ERROR, "script: %s", err);
        rc = ERROR_FAIL;
    }
    if (rc) {
        undo(egc, da, rc);
        return;
    }
    da->num_exec++;
    hotplug(egc, da);
}

/* ---------------------------------------------------------------- undo */

static void undo(libxl__egc *egc, devadd *da, int rc)
{
    int r;

    da->rc = rc;
    if (da->add_script_started) {
        da->add_script_started = false;
        r = start_script(egc, da, false, true, undo_script_done);
        if (r > 0) return;
    }
    undo_records(egc, da);
}

static void undo_script_done(libxl__egc *egc, libxl__async_exec_state *aes,
                             int rc, int status)
{
    devadd *da = CONTAINER_OF(aes, devadd, aes);
    (void)rc; (void)status;               /* logged; nothing more to do */
    undo_records(egc, da);
}

/* The nodes and the configuration entry. Takes the userdata lock with the
 * ctx lock held: its holders never wait for the ctx lock. */
static void undo_records(libxl__egc *egc, devadd *da)
{
    libxl__gc *gc = libxl__ao_gc(da->ao);
    libxl__userdata_dom dom;
    libxl__userdata_flock lock = { .fd = -1 };
    libxl_domain_config d_config;

    if (da->nodes_written) {
        if (libxl__device_destroy_nodes(gc, &da->addr)) {
            int e = errno;
            LOGD(egc->ctx, ERROR, da->domid, "could not remove the nodes of"
                 " the %s that failed", da->dt->name);
            /* xenstored gone (no watch was open to see it): the ctx's
             * disaster, reported once */
            libxl__xswatch_check_conn_error(egc, e);
        }
        da->nodes_written = false;
    }
    if (!da->config_stored) goto out;
    libxl_domain_config_init(&d_config);
    if (libxl__userdata_dom_find(gc, da->domid, &dom) ||
        libxl__userdata_lock(gc, &dom, LIBXL__LOCK_USERDATA, &lock, NULL) ||
        libxl__userdata_config_read(gc, &dom, &d_config) ||
        libxl__device_config_drop(gc, da->dt, &d_config, da->saved,
                                  da->replaced) ||
        libxl__userdata_config_write(gc, &dom, &d_config))
        LOGD(egc->ctx, ERROR, da->domid, "could not take the %s that failed"
             " out of the stored configuration", da->dt->name);
    libxl__userdata_unlock(&lock);
    libxl_domain_config_dispose(&d_config);
    da->config_stored = false;
out:
    finish(egc, da, da->rc);
}

/* ---------------------------------------------------------------- end */

static void finish(libxl__egc *egc, devadd *da, int rc)
{
    if (rc && da->dt->add_nodes_only)
        LOGD(egc->ctx, ERROR, da->domid, "Unable to add %s device",
             da->dt->name);
    else if (rc && da->have_addr)
        LOGD(egc->ctx, ERROR, da->domid, "Unable to add %s with id %d",
             libxl__devkind_name(da->addr.kind), da->addr.devid);
    else if (rc)
        LOG(egc->ctx, ERROR, "unable to add device");
    da->dt->dispose(da->saved);
    if (da->replaced) {
        da->dt->dispose(da->replaced);
        free(da->replaced);
        da->replaced = NULL;
    }
    libxl__ao_complete(egc, da->ao, rc);
}
