/*
 * ops/dev_usbctrl.c: PVUSB controllers (vusb: kernel usbback; qusb: QEMU;
 * devicemodel: an HVM guest's emulated controller): their device type for
 * the generic machinery (defaults, address, xenstore entries with the
 * port list, what is read back), and libxl_device_usbctrl_add / _remove /
 * _destroy / _list / _getinfo and libxl_devid_to_device_usbctrl with
 * libxl 4.17's results and log lines. The device-model controller needs
 * QEMU's QMP (the device model is the creation issue's): without a
 * running QEMU it fails as libxl's does, and otherwise too (logged).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/log.h"
#include "dev/devpath.h"
#include "ops/device.h"
#include "ops/device_devid.h"
#include "ops/usb.h"
#include "subop/qmp.h"
#include "xs/paths.h"

#define MAX_VALUE 256

static libxl_usbctrl_type type_of(const libxl__devent_src *src)
{
    return ((const libxl_device_usbctrl *)src->dev)->type;
}

/* Everything but the device-model controller has a frontend and a
 * backend; that one has only its record. */
static bool has_backend(const libxl__devent_src *src)
{
    return type_of(src) != LIBXL_USBCTRL_TYPE_DEVICEMODEL;
}

#define F(field) offsetof(libxl_device_usbctrl, field)
#define A(field) offsetof(libxl__devaddr, field)
#define BACK LIBXL__DEVENT_BACK
#define FRONT LIBXL__DEVENT_FRONT
#define WO LIBXL__DEVENT_WRITE_ONLY
#define OPT LIBXL__DEVENT_OPTIONAL

static const libxl__dev_entry usbctrl_entries[] = {
    { "frontend-id", BACK, A(domid), &libxl__devc_u32, NULL,
      LIBXL__DEVENT_ADDR, has_backend },
    { "online", BACK, 0, &libxl__devc_fixed, "1", 0, has_backend },
    { "state", BACK, 0, &libxl__devc_fixed, "1", 0, has_backend },
    { "type", BACK, F(type), &libxl__devc_enum,
      LIBXL__DEVC_ENUM(libxl_usbctrl_type), OPT, NULL },
    /* read back from the backend, as libxl (see usbctrl_from_record) */
    { "usb-ver", BACK, F(version), &libxl__devc_int, NULL, WO, NULL },
    { "num-ports", BACK, F(ports), &libxl__devc_int, NULL, WO, NULL },
    /* the port list: "port", then port/1 ... port/N, empty (a free port;
     * an attached device's bus id is written to the backend's) */
    { "port", BACK, 0, &libxl__devc_fixed, "", WO, NULL },
    { "port", BACK, F(ports), &libxl__devc_fixed, "",
      WO | LIBXL__DEVENT_SERIES, NULL },
    /* the frontend's own */
    { "backend-id", FRONT, A(backend_domid), &libxl__devc_u32, NULL,
      LIBXL__DEVENT_ADDR, NULL },
    { "state", FRONT, 0, &libxl__devc_fixed, "1", 0, NULL },
};
#undef F
#undef A

/* ------------------------------------------------------------ devtype */

static bool usbctrl_same(const void *a, const void *b)
{
    return ((const libxl_device_usbctrl *)a)->devid ==
           ((const libxl_device_usbctrl *)b)->devid;
}

static int usbctrl_setdefault(libxl__gc *gc, uint32_t domid,
                              libxl_domain_type domtype, void *dev,
                              bool hotplug)
{
    libxl_device_usbctrl *c = dev;
    int rc;
    (void)domid; (void)hotplug;

    if (c->type == LIBXL_USBCTRL_TYPE_AUTO) {
        if (domtype != LIBXL_DOMAIN_TYPE_HVM) {
            rc = libxl__usbback_loaded(gc);
            if (rc < 0) return rc;
            c->type = rc ? LIBXL_USBCTRL_TYPE_PV : LIBXL_USBCTRL_TYPE_QUSB;
        } else {
            c->type = LIBXL_USBCTRL_TYPE_DEVICEMODEL;
        }
    }
    switch (c->type) {
    case LIBXL_USBCTRL_TYPE_PV:
    case LIBXL_USBCTRL_TYPE_QUSB:
        if (!c->version) c->version = 2;
        if (c->version < 1 || c->version > 2) {
            LOG(gc->ctx, ERROR, "USB version for paravirtualized devices"
                " must be 1 or 2");
            return ERROR_INVAL;
        }
        if (!c->ports) c->ports = 8;
        if (c->ports < 1 || c->ports > LIBXL__USB_MAX_PORTS) {
            LOG(gc->ctx, ERROR, "Number of ports for USB controller is"
                " limited to %u", LIBXL__USB_MAX_PORTS);
            return ERROR_INVAL;
        }
        break;
    case LIBXL_USBCTRL_TYPE_DEVICEMODEL:
        if (!c->version) c->version = 2;
        switch (c->version) {
        case 1:
        case 2: {
            /* QEMU's uhci has 2 ports, its ehci 6 */
            int fixed = c->version == 1 ? 2 : 6;
            if (c->ports && c->ports != fixed) {
                LOG(gc->ctx, ERROR, "Number of ports for USB controller of"
                    " version %d is always %d", c->version, fixed);
                return ERROR_INVAL;
            }
            c->ports = fixed;
            break;
        }
        case 3:
            if (!c->ports) c->ports = 8;
            if (c->ports > 15) {
                LOG(gc->ctx, ERROR, "Number of ports for USB controller of"
                    " version 3 is limited to 15");
                return ERROR_INVAL;
            }
            break;
        default:
            LOG(gc->ctx, ERROR, "Illegal USB version");
            return ERROR_INVAL;
        }
        break;
    default:
        break;
    }
    if (c->backend_domname) {
        rc = libxl_domain_qualifier_to_domid(gc->ctx, c->backend_domname,
                                             &c->backend_domid);
        if (rc < 0) return rc;
    }
    return 0;
}

/* A free devid: one past the last record's (libxl's rule). */
static int usbctrl_update_devid(libxl__gc *gc, uint32_t domid, void *dev)
{
    libxl_device_usbctrl *c = dev;

    if (c->devid == -1)
        c->devid = libxl__device_nextid(gc, domid, LIBXL__DEVKIND_VUSB);
    return c->devid < 0 ? ERROR_FAIL : 0;
}

/* libxl stores the controller with its defaults and devid. */
static void usbctrl_update_config(libxl__gc *gc, void *saved,
                                  const void *dev)
{
    libxl_device_usbctrl_dispose(saved);
    libxl_device_usbctrl_init(saved);
    libxl_device_usbctrl_copy(gc->ctx, saved, dev);
}

static int usbctrl_to_addr(libxl__gc *gc, uint32_t domid, const void *dev,
                           libxl__devaddr *addr)
{
    const libxl_device_usbctrl *c = dev;

    switch (c->type) {
    case LIBXL_USBCTRL_TYPE_PV:
        addr->backend_kind = LIBXL__DEVKIND_VUSB;
        break;
    case LIBXL_USBCTRL_TYPE_QUSB:
        addr->backend_kind = LIBXL__DEVKIND_QUSB;
        break;
    case LIBXL_USBCTRL_TYPE_DEVICEMODEL:
        addr->backend_kind = LIBXL__DEVKIND_NONE;
        break;
    default:
        /* libxl aborts the process here */
        LOGD(gc->ctx, ERROR, domid, "invalid USB controller type %d",
             (int)c->type);
        return ERROR_INVAL;
    }
    if (c->devid < 0) {
        LOGD(gc->ctx, ERROR, domid, "invalid USB controller id %d", c->devid);
        return ERROR_INVAL;
    }
    addr->kind = LIBXL__DEVKIND_VUSB;
    addr->domid = domid;
    addr->backend_domid = c->backend_domid;
    addr->devid = c->devid;
    return 0;
}

static int read_int(libxl__gc *gc, const char *path, int *val);

static int usbctrl_from_record(libxl__gc *gc, const libxl__devaddr *addr,
                               const char *(*get)(const char *key, void *),
                               void *user, void *dev)
{
    libxl_device_usbctrl *c = dev;
    const char *type = get("type", user), *be;
    libxl_usbctrl_type t = LIBXL_USBCTRL_TYPE_AUTO;

    int rc;

    c->devid = addr->devid;
    if (type) libxl_usbctrl_type_from_string(type, &t);
    if (t == LIBXL_USBCTRL_TYPE_DEVICEMODEL) {
        be = libxl__dev_record_path(gc, addr);
        rc = libxl__device_own_domid(gc, &c->backend_domid);
    } else {
        be = get("backend", user);
        if (!be) return 0;            /* libxl: a controller of defaults */
        rc = libxl__device_backend_domid(gc, be, &c->backend_domid);
    }
    if (rc) return rc;
    /* libxl reads these where the backend has them (atoi; -1 when
     * missing), not from the record */
    if ((rc = read_int(gc, GCSPRINTF("%s/usb-ver", be), &c->version)) ||
        (rc = read_int(gc, GCSPRINTF("%s/num-ports", be), &c->ports)))
        return rc;
    return 0;
}

static int usbctrl_pre_remove(libxl__gc *gc, uint32_t domid,
                              const void *dev);
static int usbctrl_dm_add(libxl__gc *gc, uint32_t domid, const void *dev);

const libxl__devtype libxl__usbctrl_devtype = {
    .name = "usbctrl",
    .kind = LIBXL__DEVKIND_VUSB,
    .size = sizeof(libxl_device_usbctrl),
    .cfg_array = offsetof(libxl_domain_config, usbctrls),
    .cfg_num = offsetof(libxl_domain_config, num_usbctrls),
    .init = (void (*)(void *))libxl_device_usbctrl_init,
    .dispose = (void (*)(void *))libxl_device_usbctrl_dispose,
    .copy = (void (*)(libxl_ctx *, void *, const void *))
        libxl_device_usbctrl_copy,
    .same = usbctrl_same,
    .setdefault = usbctrl_setdefault,
    .update_devid = usbctrl_update_devid,
    .update_config = usbctrl_update_config,
    .to_addr = usbctrl_to_addr,
    .entries = LIBXL__DEV_ENTRIES(usbctrl_entries),
    .from_record = usbctrl_from_record,
    .hotplug = LIBXL__HOTPLUG_NONE,
    .check = libxl__usbctrl_check,
    .pre_remove = usbctrl_pre_remove,
    .dm_add = usbctrl_dm_add,
};

/* ------------------------------------------ the device model's side */

/* Whether QEMU (of backend domain be) serves kind for domid: a domain
 * whose device model lists no backends at all gets def, as libxl. */
static bool qemu_serves(libxl__gc *gc, uint32_t domid, uint32_t be,
                        const char *kind, bool def)
{
    const char *dir = GCSPRINTF("/local/domain/%u/device-model/%u/backends",
                                be, domid);
    unsigned n;
    char **l = libxl__gc_adopt(gc, xs_directory(gc->ctx->xsh, XBT_NULL, dir,
                                                &n));

    if (!l) return def;
    return libxl__gc_adopt(gc, xs_directory(gc->ctx->xsh, XBT_NULL,
                                            GCSPRINTF("%s/%s", dir, kind),
                                            &n)) != NULL;
}

int libxl__usbctrl_check(libxl__gc *gc, uint32_t domid,
                         const libxl_domain_config *d_config,
                         const void *dev)
{
    const libxl_device_usbctrl *c = dev;
    int rc = libxl__device_dm_check_start(gc, domid, d_config);

    if (rc) return rc;
    if (c->type == LIBXL_USBCTRL_TYPE_QUSB &&
        !qemu_serves(gc, domid, c->backend_domid, "qusb", false)) {
        LOGD(gc->ctx, ERROR, domid, "backend type not supported by device"
             " model");
        return ERROR_FAIL;
    }
    return 0;
}

/* QEMU's device_add of the emulated controller: the device model's, which
 * lightcore does not drive yet (the creation issue). Without a QEMU it
 * fails as libxl's does. */
static int usbctrl_dm_add(libxl__gc *gc, uint32_t domid, const void *dev)
{
    const char *qmp = libxl__qmp_socket_path(gc, domid);
    struct stat st;
    (void)dev;

    if (stat(qmp, &st)) {
        LOGED(gc->ctx, ERROR, domid, "Failed to connect to QMP socket %s",
              qmp);
    } else {
        LOGD(gc->ctx, ERROR, domid, "a device-model USB controller needs"
             " QEMU's device_add, which lightcore does not send yet");
    }
    return ERROR_FAIL;
}

/* ------------------------------------------------ the port list */

const char *libxl__usbctrl_ports_dir(libxl__gc *gc, uint32_t domid,
                                     int devid)
{
    libxl__devaddr addr = { .kind = LIBXL__DEVKIND_VUSB, .domid = domid,
                            .devid = devid };
    const char *rec = libxl__dev_record_path(gc, &addr), *type, *be;
    libxl_usbctrl_type t;

    if (!rec) return NULL;
    type = libxl__xs_read_checked(gc, XBT_NULL, GCSPRINTF("%s/type", rec),
                                  MAX_VALUE);
    if (!type || libxl_usbctrl_type_from_string(type, &t)) return NULL;
    if (t == LIBXL_USBCTRL_TYPE_DEVICEMODEL) return rec;
    be = libxl__xs_read_checked(gc, XBT_NULL, GCSPRINTF("%s/backend", rec),
                                MAX_VALUE);
    if (!be && errno != ENOENT)
        LOGE(gc->ctx, ERROR, "xenstore read failed: `%s/backend'", rec);
    return be;
}

char *libxl__usbctrl_port_path(libxl__gc *gc, uint32_t domid,
                               libxl_usbctrl_type type, int ctrl, int port)
{
    if (type == LIBXL_USBCTRL_TYPE_DEVICEMODEL)
        return GCSPRINTF("/libxl/%u/device/vusb/%d/port/%d", domid, ctrl,
                         port);
    return GCSPRINTF("/local/domain/0/backend/%s/%u/%d/port/%d",
                     type == LIBXL_USBCTRL_TYPE_QUSB ? "qusb" : "vusb",
                     domid, ctrl, port);
}

/* ------------------------------------------------ public functions */

int libxl__usbctrl_of(libxl__gc *gc, uint32_t domid, int devid,
                      libxl_device_usbctrl *usbctrl)
{
    return libxl__device_devid_to_device(gc, &libxl__usbctrl_devtype, domid,
                                         devid, usbctrl);
}

int libxl_devid_to_device_usbctrl(libxl_ctx *ctx, uint32_t domid, int devid,
                                  libxl_device_usbctrl *usbctrl)
{
    GC_INIT(ctx);
    return libxl__usbctrl_of(gc, domid, devid, usbctrl);
}

int libxl_device_usbctrl_add(libxl_ctx *ctx, uint32_t domid,
                             libxl_device_usbctrl *usbctrl,
                             const libxl_asyncop_how *ao_how)
{
    return libxl__device_add(ctx, domid, &libxl__usbctrl_devtype, usbctrl,
                             ao_how);
}

/* Before the controller goes: the devices on its ports (libxl removes
 * them first, and stops at a failure). */
static int usbctrl_pre_remove(libxl__gc *gc, uint32_t domid, const void *dev)
{
    const libxl_device_usbctrl *c = dev;
    libxl_device_usbctrl live;
    libxl_device_usbdev *devs = NULL;
    int num = 0, rc, first = 0;

    if (c->type != LIBXL_USBCTRL_TYPE_PV &&
        c->type != LIBXL_USBCTRL_TYPE_QUSB &&
        c->type != LIBXL_USBCTRL_TYPE_DEVICEMODEL) {
        LOGD(gc->ctx, ERROR, domid, "invalid USB controller type %d",
             (int)c->type);
        return ERROR_INVAL;
    }
    rc = libxl__usbctrl_of(gc, domid, c->devid, &live);
    libxl_device_usbctrl_dispose(&live);
    if (rc) return rc;
    rc = libxl__usbdev_list_ctrl(gc, domid, c->devid, &devs, &num);
    if (rc) return rc;
    for (int i = 0; i < num; i++) {
        rc = libxl__usbdev_remove_one(gc, domid, &devs[i]);
        if (rc && !first) first = rc;
    }
    if (first) return first;
    if (c->type == LIBXL_USBCTRL_TYPE_DEVICEMODEL) {
        const char *qmp = libxl__qmp_socket_path(gc, domid);
        LOGED(gc->ctx, ERROR, domid, "Failed to connect to QMP socket %s",
              qmp);
        return ERROR_FAIL;
    }
    return 0;
}

int libxl_device_usbctrl_remove(libxl_ctx *ctx, uint32_t domid,
                                libxl_device_usbctrl *usbctrl,
                                const libxl_asyncop_how *ao_how)
{
    return libxl__device_remove(ctx, domid, &libxl__usbctrl_devtype, usbctrl,
                                LIBXL__FORCE_AUTO, ao_how);
}

int libxl_device_usbctrl_destroy(libxl_ctx *ctx, uint32_t domid,
                                 libxl_device_usbctrl *usbctrl,
                                 const libxl_asyncop_how *ao_how)
{
    return libxl__device_remove(ctx, domid, &libxl__usbctrl_devtype, usbctrl,
                                LIBXL__FORCE_ON, ao_how);
}

libxl_device_usbctrl *libxl_device_usbctrl_list(libxl_ctx *ctx,
                                                uint32_t domid, int *num)
{
    GC_INIT(ctx);
    return libxl__device_list(gc, &libxl__usbctrl_devtype, domid, num);
}

/* A number libxl reads with atoi, -1 when the node is missing. 0, or
 * ERROR_FAIL on a read error (logged). */
static int read_int(libxl__gc *gc, const char *path, int *val)
{
    const char *v = libxl__xs_read_checked(gc, XBT_NULL, path, MAX_VALUE);

    if (!v && errno != ENOENT) {
        LOGE(gc->ctx, ERROR, "xenstore read failed: `%s'", path);
        return ERROR_FAIL;
    }
    *val = v ? libxl__usb_atoi(v) : -1;
    return 0;
}

static const char *read_mandatory(libxl__gc *gc, const char *path)
{
    const char *v = libxl__xs_read_checked(gc, XBT_NULL, path, MAX_VALUE);

    if (!v) LOGE(gc->ctx, ERROR, "xenstore read failed: `%s'", path);
    return v;
}

int libxl_device_usbctrl_getinfo(libxl_ctx *ctx, uint32_t domid,
                                 const libxl_device_usbctrl *usbctrl,
                                 libxl_usbctrlinfo *info)
{
    GC_INIT(ctx);
    libxl__devaddr addr = { .kind = LIBXL__DEVKIND_VUSB, .domid = domid,
                            .devid = usbctrl->devid };
    const char *rec, *fe, *be, *type;
    int rc;

    info->devid = usbctrl->devid;
    rec = GCSPRINTF("/libxl/%u/device/vusb/%d", domid, usbctrl->devid);
    type = read_mandatory(gc, GCSPRINTF("%s/type", rec));
    if (!type) return ERROR_FAIL;
    libxl_usbctrl_type_from_string(type, &info->type);
    if (info->type == LIBXL_USBCTRL_TYPE_DEVICEMODEL) {
        rc = read_int(gc, GCSPRINTF("%s/num-ports", rec), &info->ports);
        if (!rc) rc = read_int(gc, GCSPRINTF("%s/usb-ver", rec),
                               &info->version);
        if (!rc) rc = libxl__device_own_domid(gc, &info->backend_id);
        return rc;
    }
    fe = GCSPRINTF("/local/domain/%u/device/vusb/%d", domid, addr.devid);
    be = read_mandatory(gc, GCSPRINTF("%s/backend", rec));
    if (!fe || !be) return ERROR_FAIL;
    free(info->backend);
    info->backend = strdup(be);
    if (!info->backend) return ERROR_NOMEM;
    rc = libxl__device_backend_domid(gc, be, &info->backend_id);
    if (rc) return rc;
    /* libxl reads the connection ring's reference from urb-ring-ref too */
    if ((rc = read_int(gc, GCSPRINTF("%s/state", fe), &info->state)) ||
        (rc = read_int(gc, GCSPRINTF("%s/event-channel", fe),
                       &info->evtch)) ||
        (rc = read_int(gc, GCSPRINTF("%s/urb-ring-ref", fe),
                       &info->ref_urb)) ||
        (rc = read_int(gc, GCSPRINTF("%s/urb-ring-ref", fe),
                       &info->ref_conn)))
        return rc;
    free(info->frontend);
    info->frontend = strdup(fe);
    if (!info->frontend) return ERROR_NOMEM;
    info->frontend_id = domid;
    if ((rc = read_int(gc, GCSPRINTF("%s/num-ports", be), &info->ports)) ||
        (rc = read_int(gc, GCSPRINTF("%s/usb-ver", be), &info->version)))
        return rc;
    return 0;
}
