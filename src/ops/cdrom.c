/*
 * ops/cdrom.c: libxl_cdrom_insert, changing (or emptying) the media of an
 * HVM guest's emulated CD-ROM drive, with libxl 4.17's steps, results,
 * log lines, xenstore writes and stored configuration:
 *
 *   check        the guest is HVM, has no stub domain, its device model
 *                is known; the drive is one of its cdroms (by vdev); the
 *                caller's disk gets the drive's backend and the disk
 *                defaults; then the domain's device-change lock is taken
 *                and held to the end;
 *   eject        upstream QEMU only: over QMP, query-version (which QEMU
 *                it is), then eject of the drive "ide-DEVID";
 *   empty        under the userdata lock, the drive's backend and record
 *                say "no media" (type, params ""); the stored
 *                configuration with the new disk must not need a device
 *                model that is not running;
 *   insert       upstream QEMU and media only: the image is opened here
 *                and its fd passed to QEMU (add-fd), which then opens
 *                /dev/fdset/N as the drive's new medium
 *                (blockdev-change-medium, or change before QEMU 2.8);
 *   record       under the userdata lock, the stored configuration takes
 *                the disk as the caller gave it and xenstore the new
 *                params.
 * The traditional device model watches xenstore: for it, only empty and
 * record run. Nothing else of another family; no per-ctx state.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xenstore.h>

#include "base/log.h"
#include "base/util.h"
#include "dev/vdev.h"
#include "ops/device.h"
#include "ops/userdata.h"
#include "subop/qmp.h"
#include "ops/domain_type.h"
#include "xs/paths.h"

#include "libxl_utils.h"

/* Longest /libxl/N/type or dm-version worth parsing. */
#define XS_NAME_MAX 64

/* ------------------------------------------------------- the guest */

/* The running device model: /libxl/N/dm-version, the traditional one
 * when there is none, -1 (logged) when it names no version. */
static int guest_dm(libxl__gc *gc, uint32_t domid)
{
    libxl_device_model_version v;
    const char *path = GCSPRINTF("/libxl/%u/dm-version", domid);
    char *value;

    if (!path) return -1;
    value = libxl__xs_read_checked(gc, XBT_NULL, path, XS_NAME_MAX);
    if (!value && errno != EINVAL)
        return LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN_TRADITIONAL;
    if (!value || libxl_device_model_version_from_string(value, &v) < 0) {
        LOGD(gc->ctx, ERROR, domid, "fatal: %s contain a wrong value (%s)",
             path, value ? value : "(unreadable)");
        return -1;
    }
    return v;
}

/* ------------------------------------------------------- the names */

/* A backend as xenstore's "type" names it. */
static const char *backend_word(libxl_disk_backend b)
{
    switch (b) {
    case LIBXL_DISK_BACKEND_QDISK: return "qdisk";
    case LIBXL_DISK_BACKEND_TAP:
    case LIBXL_DISK_BACKEND_PHY: return "phy";
    case LIBXL_DISK_BACKEND_STANDALONE: return "standalone";
    default: return "(null)";
    }
}

/* A format as the prefix of a qdisk's params names it. */
static const char *params_format(libxl_disk_format f)
{
    switch (f) {
    case LIBXL_DISK_FORMAT_QCOW: return "qcow";
    case LIBXL_DISK_FORMAT_QCOW2: return "qcow2";
    case LIBXL_DISK_FORMAT_VHD: return "vhd";
    case LIBXL_DISK_FORMAT_RAW:
    case LIBXL_DISK_FORMAT_EMPTY: return "aio";
    case LIBXL_DISK_FORMAT_QED: return "qed";
    default: return "(null)";
    }
}

/* A format as QEMU's block layer names it; NULL: none. */
static const char *qemu_format(libxl_disk_format f)
{
    switch (f) {
    case LIBXL_DISK_FORMAT_QCOW: return "qcow";
    case LIBXL_DISK_FORMAT_QCOW2: return "qcow2";
    case LIBXL_DISK_FORMAT_VHD: return "vpc";
    case LIBXL_DISK_FORMAT_RAW: return "raw";
    case LIBXL_DISK_FORMAT_QED: return "qed";
    default: return NULL;
    }
}

/* ------------------------------------------------------- the operation */

typedef struct {
    libxl__ao *ao;
    uint32_t domid;
    libxl_device_disk *disk;          /* the caller's, given the defaults */
    libxl_device_disk saved;          /* as the caller gave it: stored */
    int dm;                           /* libxl_device_model_version */
    int devid;
    libxl__userdata_dom dom;
    libxl__userdata_flock devlock;    /* held from check to the end */
    struct timespec deadline;         /* CLOCK_MONOTONIC */
    libxl__qmp qmp;                   /* upstream QEMU only */
    int image_fd;                     /* for add-fd; -1 */
} cdrom_state;

static void qmp_version(libxl__egc *egc, libxl__qmp *qmp, int rc,
                        struct json_object *response);
static void ejected(libxl__egc *egc, libxl__qmp *qmp, int rc,
                    struct json_object *response);
static void fd_added(libxl__egc *egc, libxl__qmp *qmp, int rc,
                     struct json_object *response);
static void inserted(libxl__egc *egc, libxl__qmp *qmp, int rc,
                     struct json_object *response);
static void cdrom_done(libxl__egc *egc, cdrom_state *cs, int rc);

/* What is left of libxl's budget for the whole exchange (its hotplug
 * timeout, 40 s), in ms, at least 1. */
static int ms_left(const cdrom_state *cs)
{
    struct timespec now;
    long long ms;

    clock_gettime(CLOCK_MONOTONIC, &now);
    ms = (cs->deadline.tv_sec - now.tv_sec) * 1000LL +
         (cs->deadline.tv_nsec - now.tv_nsec) / 1000000;
    return ms < 1 ? 1 : ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

/* The next QMP command, bounded by what is left of the budget. 0 or an
 * error (no callback then). */
static int qmp_next(cdrom_state *cs, const char *cmd, struct json_object *args,
                    libxl__qmp_callback *cb, int fd)
{
    cs->qmp.timeout_ms = ms_left(cs);
    cs->qmp.callback = cb;
    return libxl__qmp_send(&cs->qmp, cmd, args, fd);
}

/* {"id": "ide-DEVID"} (QEMU 2.8 on), else {"device": ...}. */
static struct json_object *drive_args(cdrom_state *cs)
{
    const libxl__qmp *q = &cs->qmp;
    bool by_id = q->qemu_major > 2 ||
                 (q->qemu_major == 2 && q->qemu_minor >= 8);
    struct json_object *args = json_object_new_object();
    char name[32];

    if (!args) return NULL;
    snprintf(name, sizeof(name), "ide-%d", cs->devid);
    json_object_object_add(args, by_id ? "id" : "device",
                           json_object_new_string(name));
    return args;
}

/* The checks before anything is done; 0 or an error (logged). */
static int check(libxl__gc *gc, cdrom_state *cs)
{
    libxl_ctx *ctx = gc->ctx;
    libxl_device_disk *disk = cs->disk, *disks;
    libxl_domain_type type = libxl__domain_type(gc, cs->domid);
    int num = 0, i, rc;

    if (type == LIBXL_DOMAIN_TYPE_INVALID) return ERROR_FAIL;
    if (type != LIBXL_DOMAIN_TYPE_HVM) {
        LOGD(ctx, ERROR, cs->domid, "cdrom-insert requires an HVM domain");
        return ERROR_INVAL;
    }
    if (libxl_get_stubdom_id(ctx, (int)cs->domid) != 0) {
        LOGD(ctx, ERROR, cs->domid,
             "cdrom-insert doesn't work for stub domains");
        return ERROR_INVAL;
    }
    cs->dm = guest_dm(gc, cs->domid);
    if (cs->dm == -1) {
        LOGD(ctx, ERROR, cs->domid, "Cannot determine device model version");
        return ERROR_FAIL;
    }

    disks = libxl__device_list(gc, &libxl__disk_devtype, cs->domid, &num);
    for (i = 0; i < num; i++)
        if (disks[i].is_cdrom && disk->vdev && disks[i].vdev &&
            !strcmp(disk->vdev, disks[i].vdev)) {
            disk->backend = disks[i].backend;
            break;
        }
    libxl__device_list_free(&libxl__disk_devtype, disks, num);
    if (i == num) {
        LOGD(ctx, ERROR, cs->domid, "Virtual device not found");
        return ERROR_FAIL;
    }

    rc = libxl__disk_devtype.setdefault(gc, cs->domid, type, disk, false);
    if (rc) return rc;
    if (!disk->pdev_path) {
        disk->pdev_path = strdup("");
        if (!disk->pdev_path) return ERROR_NOMEM;
        disk->format = LIBXL_DISK_FORMAT_EMPTY;
    }
    cs->devid = libxl__vdev_to_devid(disk->vdev, NULL, NULL);
    return 0;
}

int libxl_cdrom_insert(libxl_ctx *ctx, uint32_t domid, libxl_device_disk *disk,
                       const libxl_asyncop_how *ao_how)
{
    AO_CREATE(ctx, domid, ao_how);
    libxl__gc *gc = libxl__ao_gc(ao);
    cdrom_state *cs = libxl__ao_zalloc(ao, sizeof(*cs));
    int rc;

    if (!cs) return AO_CREATE_FAIL(ERROR_NOMEM);
    cs->ao = ao;
    cs->domid = domid;
    cs->disk = disk;
    cs->image_fd = -1;
    cs->devlock.fd = -1;
    libxl_device_disk_init(&cs->saved);
    libxl_device_disk_copy(ctx, &cs->saved, disk);
    libxl__qmp_init(&cs->qmp);

    rc = check(gc, cs);
    if (rc) goto out;

    /* (another process may hold it: waited for without the ctx lock) */
    AO_UNLOCKED(ao, rc = libxl__userdata_dom_find(gc, domid, &cs->dom) ? -1
                    : libxl__userdata_lock(gc, &cs->dom, LIBXL__LOCK_DEVICES,
                                           &cs->devlock, NULL));
    if (rc) {
        rc = ERROR_LOCK_FAIL;
        goto out;
    }
    clock_gettime(CLOCK_MONOTONIC, &cs->deadline);
    cs->deadline.tv_sec += libxl__device_timeout_ms(LIBXL__DEVTIMEOUT_HOTPLUG)
                           / 1000;
    cs->deadline.tv_nsec += (long)(libxl__device_timeout_ms(
                                LIBXL__DEVTIMEOUT_HOTPLUG) % 1000) * 1000000;
    if (cs->deadline.tv_nsec >= 1000000000) {
        cs->deadline.tv_sec++;
        cs->deadline.tv_nsec -= 1000000000;
    }

    if (cs->dm == LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN) {
        /* which QEMU it is (the greeting says), before the eject */
        cs->qmp.ao = ao;
        cs->qmp.what = "QMP";
        cs->qmp.path = libxl__qmp_socket_path(gc, domid);
        cs->qmp.connect_timeout_ms = 0;             /* libxl tries once */
        rc = cs->qmp.path ? qmp_next(cs, "query-version", NULL, qmp_version,
                                     -1)
                          : ERROR_NOMEM;
        if (rc) goto out;
        return AO_INPROGRESS;
    }
    ejected(egc, &cs->qmp, 0, NULL);
    return AO_INPROGRESS;

out:
    cdrom_done(egc, cs, rc);
    return AO_INPROGRESS;
}

static void qmp_version(libxl__egc *egc, libxl__qmp *qmp, int rc,
                        struct json_object *response)
{
    cdrom_state *cs = CONTAINER_OF(qmp, cdrom_state, qmp);
    struct json_object *args;

    (void)response;
    if (rc) goto out;
    args = drive_args(cs);
    if (!args) {
        rc = ERROR_NOMEM;
        goto out;
    }
    rc = qmp_next(cs, "eject", args, ejected, -1);
    json_object_put(args);
    if (!rc) return;
out:
    cdrom_done(egc, cs, rc);
}

/* In one transaction (retried while it conflicts): the drive's record
 * must still be there; its backend and record get kvs. Then, if d_config
 * is not NULL, it is stored (inside the loop, as libxl). 0 or an error
 * (logged). */
static int write_drive(libxl__gc *gc, cdrom_state *cs, const char *const *kvs,
                       libxl_domain_config *d_config)
{
    libxl_ctx *ctx = gc->ctx;
    libxl__devaddr addr;
    const char *be, *rec, *fe;
    int rc = libxl__disk_devtype.to_addr(gc, cs->domid, cs->disk, &addr);

    if (rc) return rc;
    be = libxl__dev_backend_path(gc, &addr);
    rec = libxl__dev_record_path(gc, &addr);
    fe = rec ? GCSPRINTF("%s/frontend", rec) : NULL;
    if (!be || !fe) return ERROR_NOMEM;
    for (;;) {
        xs_transaction_t t = xs_transaction_start(ctx->xsh);

        if (!t) {
            LOGED(ctx, ERROR, cs->domid, "could not create xenstore"
                  " transaction");
            return ERROR_FAIL;
        }
        if (!libxl__xs_read_checked(gc, t, fe, 4096) && errno == ENOENT) {
            LOGD(ctx, ERROR, cs->domid, "Internal error: %s does not exist",
                 fe);
            rc = ERROR_FAIL;
        } else if (d_config &&
                   (rc = libxl__userdata_config_write(gc, &cs->dom,
                                                      d_config))) {
            /* (logged) */
        } else {
            rc = libxl__xs_writev(gc, t, be, kvs);
            if (!rc) rc = libxl__xs_writev(gc, t, rec, kvs);
        }
        if (rc) {
            xs_transaction_end(ctx->xsh, t, true);
            return rc;
        }
        if (xs_transaction_end(ctx->xsh, t, false)) return 0;
        if (errno != EAGAIN) {
            LOGED(ctx, ERROR, cs->domid, "xenstore transaction failed");
            return ERROR_FAIL;
        }
    }
}

/* The stored configuration with the disk as the caller gave it, the
 * userdata lock held. */
static int config_with_disk(libxl__gc *gc, cdrom_state *cs,
                            libxl_domain_config *d_config)
{
    int rc = libxl__userdata_config_read(gc, &cs->dom, d_config);

    if (rc) return rc;
    return libxl__device_config_put(gc, &libxl__disk_devtype, d_config,
                                    &cs->saved, NULL);
}

/* The drive is empty in QEMU (or the device model watches xenstore): so
 * it is in xenstore; then the new media, if any, goes to QEMU. */
static void ejected(libxl__egc *egc, libxl__qmp *qmp, int rc,
                    struct json_object *response)
{
    cdrom_state *cs = CONTAINER_OF(qmp, cdrom_state, qmp);
    libxl__gc *gc = libxl__ao_gc(cs->ao);
    libxl_ctx *ctx = gc->ctx;
    libxl_device_disk *disk = cs->disk;
    libxl__userdata_flock lock = { .fd = -1 };
    libxl_domain_config d_config;
    bool qmp_next_sent = false;
    const char *kvs[] = { "type", backend_word(disk->backend),
                          "params", "", NULL };

    (void)response;
    libxl_domain_config_init(&d_config);
    if (rc) goto out;
    if (libxl__userdata_lock(gc, &cs->dom, LIBXL__LOCK_USERDATA, &lock,
                             NULL)) {
        rc = ERROR_LOCK_FAIL;
        goto out;
    }
    rc = write_drive(gc, cs, kvs, NULL);
    if (rc) goto out;
    rc = config_with_disk(gc, cs, &d_config);
    if (rc) goto out;
    rc = libxl__device_dm_check_start(gc, cs->domid, &d_config);
    if (rc) goto out;

    if (cs->dm == LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN &&
        disk->format != LIBXL_DISK_FORMAT_EMPTY) {
        struct json_object *args;
        const char *opaque;

        cs->image_fd = open(disk->pdev_path, O_RDONLY | O_CLOEXEC);
        if (cs->image_fd < 0) {
            LOGED(ctx, ERROR, cs->domid, "Failed to open cdrom file %s",
                  disk->pdev_path);
            rc = ERROR_FAIL;
            goto out;
        }
        /* a free-form note QEMU keeps with the fd */
        opaque = GCSPRINTF("%s:%s", libxl_disk_format_to_string(disk->format),
                           disk->pdev_path);
        args = json_object_new_object();
        if (!opaque || !args) {
            json_object_put(args);
            rc = ERROR_NOMEM;
            goto out;
        }
        json_object_object_add(args, "opaque", json_object_new_string(opaque));
        rc = qmp_next(cs, "add-fd", args, fd_added, cs->image_fd);
        json_object_put(args);
        if (rc) goto out;
        qmp_next_sent = true;
    }
out:
    libxl__userdata_unlock(&lock);
    libxl_domain_config_dispose(&d_config);
    if (rc)
        cdrom_done(egc, cs, rc);
    else if (!qmp_next_sent)
        inserted(egc, qmp, 0, NULL);
}

/* QEMU has the image's fd in a set: the drive opens the set. */
static void fd_added(libxl__egc *egc, libxl__qmp *qmp, int rc,
                     struct json_object *response)
{
    cdrom_state *cs = CONTAINER_OF(qmp, cdrom_state, qmp);
    const libxl__qmp *q = &cs->qmp;
    bool modern = q->qemu_major > 2 ||
                  (q->qemu_major == 2 && q->qemu_minor >= 8);
    const char *fmt = qemu_format(cs->disk->format);
    struct json_object *set, *args;
    char target[48];

    close(cs->image_fd);
    cs->image_fd = -1;
    if (rc) goto out;
    if (!response || !json_object_is_type(response, json_type_object) ||
        !json_object_object_get_ex(response, "fdset-id", &set) ||
        !json_object_is_type(set, json_type_int)) {
        rc = ERROR_FAIL;
        goto out;
    }
    snprintf(target, sizeof(target), "/dev/fdset/%d",
             (int)json_object_get_int64(set));
    args = drive_args(cs);
    if (!args) {
        rc = ERROR_NOMEM;
        goto out;
    }
    json_object_object_add(args, modern ? "filename" : "target",
                           json_object_new_string(target));
    json_object_object_add(args, modern ? "format" : "arg",
                           fmt ? json_object_new_string(fmt) : NULL);
    rc = qmp_next(cs, modern ? "blockdev-change-medium" : "change", args,
                  inserted, -1);
    json_object_put(args);
    if (!rc) return;
out:
    cdrom_done(egc, cs, rc);
}

/* The media is in: the stored configuration and xenstore say so. */
static void inserted(libxl__egc *egc, libxl__qmp *qmp, int rc,
                     struct json_object *response)
{
    cdrom_state *cs = CONTAINER_OF(qmp, cdrom_state, qmp);
    libxl__gc *gc = libxl__ao_gc(cs->ao);
    libxl_device_disk *disk = cs->disk;
    libxl__userdata_flock lock = { .fd = -1 };
    libxl_domain_config d_config;
    const char *params = disk->format == LIBXL_DISK_FORMAT_EMPTY ? ""
        : GCSPRINTF("%s:%s", params_format(disk->format), disk->pdev_path);
    const char *kvs[] = { "type", backend_word(disk->backend),
                          "params", params, NULL };

    (void)response;
    libxl_domain_config_init(&d_config);
    if (rc) goto out;
    if (!params) {
        rc = ERROR_NOMEM;
        goto out;
    }
    if (libxl__userdata_lock(gc, &cs->dom, LIBXL__LOCK_USERDATA, &lock,
                             NULL)) {
        rc = ERROR_LOCK_FAIL;
        goto out;
    }
    rc = config_with_disk(gc, cs, &d_config);
    if (rc) goto out;
    rc = write_drive(gc, cs, kvs, &d_config);
out:
    libxl__userdata_unlock(&lock);
    libxl_domain_config_dispose(&d_config);
    cdrom_done(egc, cs, rc);
}

static void cdrom_done(libxl__egc *egc, cdrom_state *cs, int rc)
{
    libxl_ctx *ctx = cs->ao->ctx;

    if (rc == ERROR_TIMEDOUT)
        LOGD(ctx, ERROR, cs->domid, "cdrom insertion timed out");
    libxl__qmp_close(&cs->qmp);
    if (cs->image_fd >= 0) close(cs->image_fd);
    cs->image_fd = -1;
    libxl__userdata_unlock(&cs->devlock);
    libxl_device_disk_dispose(&cs->saved);
    libxl__ao_complete(egc, cs->ao, rc);
}
