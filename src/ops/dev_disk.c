/*
 * ops/dev_disk.c: disks (vbd, qdisk and virtio backends): their device
 * type for the generic machinery (defaults, address, xenstore entries,
 * what is read back), and libxl_device_disk_add / _remove / _destroy /
 * _safe_remove / _list / _getinfo and libxl_vdev_to_device_disk, with
 * libxl 4.17's results and log lines.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/log.h"
#include "dev/devpath.h"
#include "dev/vdev.h"
#include "ops/device.h"
#include "ops/device_devid.h"
#include "xs/paths.h"
#include "libxl_utils.h"

#define SCRIPT_DIR "/etc/xen/scripts"

/* ------------------------------------------------------------ codecs */

/* "aio" for raw and empty images, as libxl names formats for qdisk;
 * "(null)" for a format it has no name for (what libxl writes). */
static const char *format_name(libxl_disk_format format)
{
    switch (format) {
    case LIBXL_DISK_FORMAT_QCOW: return "qcow";
    case LIBXL_DISK_FORMAT_QCOW2: return "qcow2";
    case LIBXL_DISK_FORMAT_VHD: return "vhd";
    case LIBXL_DISK_FORMAT_RAW:
    case LIBXL_DISK_FORMAT_EMPTY: return "aio";
    case LIBXL_DISK_FORMAT_QED: return "qed";
    default: return "(null)";
    }
}

/* params: the path, or FORMAT:PATH for QEMU. Read back: what follows the
 * first ':' if there is one. */
static const char *params_encode(libxl__gc *gc, const libxl__devent_src *src,
                                 const void *field, const void *arg)
{
    const libxl_device_disk *disk = src->dev;
    (void)field; (void)arg;

    if (disk->backend == LIBXL_DISK_BACKEND_QDISK)
        return GCSPRINTF("%s:%s", format_name(disk->format),
                         disk->pdev_path ? disk->pdev_path : "");
    return disk->pdev_path ? disk->pdev_path : "";
}

static int params_decode(libxl__gc *gc, const char *text, void *field,
                         const void *arg)
{
    const char *colon = strchr(text, ':');
    char **path = field, *copy = strdup(colon ? colon + 1 : text);
    (void)gc; (void)arg;

    if (!copy) return ERROR_NOMEM;
    free(*path);
    *path = copy;
    return 0;
}

static const libxl__dev_codec params_codec = { params_encode, params_decode };

/* script: absolute, from the scripts directory unless given so. */
static const char *script_encode(libxl__gc *gc, const libxl__devent_src *src,
                                 const void *field, const void *arg)
{
    const char *script = *(char *const *)field;
    (void)src; (void)arg;

    if (!script) script = "block";
    return script[0] == '/' ? script : GCSPRINTF("%s/%s", SCRIPT_DIR, script);
}

static const libxl__dev_codec script_codec = { script_encode, NULL };

/* type: the backend as libxl names it ("phy" for tap too); read back as
 * libxl_string_to_backend reads it, an unknown name leaving it unset. */
static const char *type_encode(libxl__gc *gc, const libxl__devent_src *src,
                               const void *field, const void *arg)
{
    (void)gc; (void)src; (void)arg;
    switch (*(const libxl_disk_backend *)field) {
    case LIBXL_DISK_BACKEND_QDISK: return "qdisk";
    case LIBXL_DISK_BACKEND_TAP:
    case LIBXL_DISK_BACKEND_PHY: return "phy";
    case LIBXL_DISK_BACKEND_STANDALONE: return "standalone";
    default: return NULL;
    }
}

static int type_decode(libxl__gc *gc, const char *text, void *field,
                       const void *arg)
{
    (void)arg;
    libxl_string_to_backend(gc->ctx, (char *)text, field);
    return 0;
}

static const libxl__dev_codec type_codec = { type_encode, type_decode };

/* protocol (PV guests): the guest's native protocol, when the hypervisor
 * says. */
static const char *protocol_encode(libxl__gc *gc,
                                   const libxl__devent_src *src,
                                   const void *field, const void *arg)
{
    (void)field; (void)arg;
    return libxl__gc_strdup(gc, xc_domain_get_native_protocol(
        src->ctx->xch, src->addr->domid));
}

static const libxl__dev_codec protocol_codec = { protocol_encode, NULL };

static const char *transport_encode(libxl__gc *gc,
                                    const libxl__devent_src *src,
                                    const void *field, const void *arg)
{
    (void)gc; (void)src; (void)arg;
    return *(const libxl_disk_transport *)field == LIBXL_DISK_TRANSPORT_MMIO
        ? "mmio" : NULL;
}

static const libxl__dev_codec transport_codec = { transport_encode, NULL };

/* ------------------------------------------------------------ entries */

static bool is_phy(const libxl__devent_src *src)
{
    return ((const libxl_device_disk *)src->dev)->backend ==
           LIBXL_DISK_BACKEND_PHY;
}

static bool has_colo(const libxl__devent_src *src)
{
    const libxl_device_disk *disk = src->dev;
    return disk->backend == LIBXL_DISK_BACKEND_QDISK &&
           libxl_defbool_val(disk->colo_enable);
}

static bool direct_io(const libxl__devent_src *src)
{
    return ((const libxl_device_disk *)src->dev)->direct_io_safe;
}

static bool is_virtio(const libxl__devent_src *src)
{
    return ((const libxl_device_disk *)src->dev)->specification ==
           LIBXL_DISK_SPECIFICATION_VIRTIO;
}

static bool is_pv(const libxl__devent_src *src)
{
    return src->domain_type == LIBXL_DOMAIN_TYPE_PV;
}

#define F(field) offsetof(libxl_device_disk, field)
#define A(field) offsetof(libxl__devaddr, field)
#define BACK LIBXL__DEVENT_BACK
#define FRONT LIBXL__DEVENT_FRONT
#define WO LIBXL__DEVENT_WRITE_ONLY
static const libxl__devc_words mode_words = { "w", "r" };
static const libxl__devc_words type_words = { "cdrom", "disk" };

static const libxl__dev_entry disk_entries[] = {
    { "params", BACK, F(pdev_path), &params_codec, NULL,
      LIBXL__DEVENT_OPTIONAL, NULL },
    { "script", BACK, F(script), &script_codec, NULL, WO, is_phy },
    { "colo-host", BACK, F(colo_host), &libxl__devc_string, NULL, WO,
      has_colo },
    { "colo-port", BACK, F(colo_port), &libxl__devc_int, NULL, WO,
      has_colo },
    { "colo-export", BACK, F(colo_export), &libxl__devc_string, NULL, WO,
      has_colo },
    { "active-disk", BACK, F(active_disk), &libxl__devc_string, NULL, WO,
      has_colo },
    { "hidden-disk", BACK, F(hidden_disk), &libxl__devc_string, NULL, WO,
      has_colo },
    { "frontend-id", BACK, A(domid), &libxl__devc_u32, NULL,
      LIBXL__DEVENT_ADDR, NULL },
    { "online", BACK, 0, &libxl__devc_fixed, "1", 0, NULL },
    { "removable", BACK, F(removable), &libxl__devc_int01, NULL, 0, NULL },
    { "bootable", BACK, 0, &libxl__devc_fixed, "1", 0, NULL },
    { "state", BACK, 0, &libxl__devc_fixed, "1", 0, NULL },
    { "dev", BACK, F(vdev), &libxl__devc_string, NULL, 0, NULL },
    { "type", BACK, F(backend), &type_codec, NULL, 0, NULL },
    { "mode", BACK, F(readwrite), &libxl__devc_int_words, &mode_words, 0,
      NULL },
    { "device-type", BACK, F(is_cdrom), &libxl__devc_int_words,
      &type_words, 0, NULL },
    { "direct-io-safe", BACK, 0, &libxl__devc_fixed, "1", 0, direct_io },
    { "discard-enable", BACK, F(discard_enable), &libxl__devc_defbool01,
      NULL, WO, NULL },
    { "specification", BACK, F(specification), &libxl__devc_enum,
      LIBXL__DEVC_ENUM(libxl_disk_specification), WO, NULL },
    { "transport", BACK, F(transport), &transport_codec, NULL, WO,
      is_virtio },
    { "base", BACK, F(base), &libxl__devc_u64, NULL, WO, is_virtio },
    { "irq", BACK, F(irq), &libxl__devc_u32, NULL, WO, is_virtio },
    /* the frontend's own */
    { "backend-id", FRONT, A(backend_domid), &libxl__devc_u32, NULL,
      LIBXL__DEVENT_ADDR, NULL },
    { "state", FRONT, 0, &libxl__devc_fixed, "1", 0, NULL },
    { "virtual-device", FRONT, A(devid), &libxl__devc_int, NULL,
      LIBXL__DEVENT_ADDR, NULL },
    { "device-type", FRONT, F(is_cdrom), &libxl__devc_int_words,
      &type_words, 0, NULL },
    { "trusted", FRONT, F(trusted), &libxl__devc_defbool01, NULL, 0, NULL },
    { "protocol", FRONT, 0, &protocol_codec, NULL, 0, is_pv },
};
#undef F
#undef A

/* ------------------------------------------------------------ devtype */

static bool disk_same(const void *a, const void *b)
{
    const char *va = ((const libxl_device_disk *)a)->vdev;
    const char *vb = ((const libxl_device_disk *)b)->vdev;
    return va && vb && !strcmp(va, vb);
}

/* Which backend serves the disk (libxl's choice, in its order: phy, qdisk,
 * tap, standalone); 0 if unsuitable. */
static libxl_disk_backend try_backend(libxl__gc *gc, libxl_device_disk *disk,
                                      const struct stat *st,
                                      libxl_disk_backend backend)
{
    bool virtio = disk->specification == LIBXL_DISK_SPECIFICATION_VIRTIO;
    const char *vdev = disk->vdev;

    if (virtio != (backend == LIBXL_DISK_BACKEND_STANDALONE)) {
        LOG(gc->ctx, DEBUG, "Disk vdev=%s, backend %s not compatible with"
            " specification %s", vdev, libxl_disk_backend_to_string(backend),
            libxl_disk_specification_to_string(disk->specification));
        return 0;
    }
    switch (backend) {
    case LIBXL_DISK_BACKEND_PHY:
    case LIBXL_DISK_BACKEND_STANDALONE:
        if (disk->format != LIBXL_DISK_FORMAT_RAW) {
            LOG(gc->ctx, DEBUG, "Disk vdev=%s, backend %s unsuitable due to"
                " format %s", vdev, libxl_disk_backend_to_string(backend),
                libxl_disk_format_to_string(disk->format));
            return 0;
        }
        if (backend == LIBXL_DISK_BACKEND_STANDALONE && disk->script)
            goto bad_script;
        if (libxl_defbool_val(disk->colo_enable)) {
            LOG(gc->ctx, DEBUG, "Disk vdev=%s, backend %s not compatible with"
                " colo", vdev, libxl_disk_backend_to_string(backend));
            return 0;
        }
        if (disk->backend_domid != 0) {
            LOG(gc->ctx, DEBUG, "Disk vdev=%s, is using a storage driver"
                " domain, skipping physical device check", vdev);
            return backend;
        }
        if (backend == LIBXL_DISK_BACKEND_PHY && disk->script) {
            LOG(gc->ctx, DEBUG, "Disk vdev=%s, uses script=... assuming phy"
                " backend", vdev);
            return backend;
        }
        if (S_ISBLK(st->st_mode) || S_ISREG(st->st_mode)) return backend;
        LOG(gc->ctx, DEBUG, "Disk vdev=%s, backend %s unsuitable as phys path"
            " not a block device", vdev,
            backend == LIBXL_DISK_BACKEND_PHY ? "phy" : "standalone");
        return 0;
    case LIBXL_DISK_BACKEND_TAP:
        LOG(gc->ctx, DEBUG, "Disk vdev=%s, backend tap unsuitable because"
            " blktap not available", vdev);
        return 0;
    case LIBXL_DISK_BACKEND_QDISK:
        if (disk->script) goto bad_script;
        return backend;
    default:
        LOG(gc->ctx, DEBUG, "Disk vdev=%s, backend %d unknown", vdev,
            backend);
        return 0;
    }
bad_script:
    LOG(gc->ctx, DEBUG, "Disk vdev=%s, backend %s not compatible with"
        " script=...", vdev, libxl_disk_backend_to_string(backend));
    return 0;
}

static int set_backend(libxl__gc *gc, libxl_device_disk *disk)
{
    struct stat st;
    libxl_disk_backend ok;

    memset(&st, 0, sizeof(st));
    LOG(gc->ctx, DEBUG, "Disk vdev=%s spec.backend=%s specification=%s",
        disk->vdev, libxl_disk_backend_to_string(disk->backend),
        libxl_disk_specification_to_string(disk->specification));
    if (disk->format == LIBXL_DISK_FORMAT_EMPTY) {
        if (!disk->is_cdrom) {
            LOG(gc->ctx, ERROR, "Disk vdev=%s is empty but not cdrom",
                disk->vdev);
            return ERROR_INVAL;
        }
        if (disk->pdev_path && *disk->pdev_path) {
            LOG(gc->ctx, ERROR, "Disk vdev=%s is empty but an image has been"
                " provided: %s", disk->vdev, disk->pdev_path);
            return ERROR_INVAL;
        }
    } else if ((disk->backend == LIBXL_DISK_BACKEND_UNKNOWN ||
                disk->backend == LIBXL_DISK_BACKEND_PHY ||
                disk->backend == LIBXL_DISK_BACKEND_STANDALONE) &&
               disk->backend_domid == 0 && !disk->script) {
        if (!disk->pdev_path || stat(disk->pdev_path, &st)) {
            if (!disk->pdev_path) errno = EFAULT;
            LOGE(gc->ctx, ERROR, "Disk vdev=%s failed to stat: %s",
                 disk->vdev, disk->pdev_path ? disk->pdev_path : "(null)");
            return ERROR_INVAL;
        }
    }
    if (disk->backend != LIBXL_DISK_BACKEND_UNKNOWN) {
        ok = try_backend(gc, disk, &st, disk->backend);
    } else {
        ok = try_backend(gc, disk, &st, LIBXL_DISK_BACKEND_PHY);
        if (!ok) ok = try_backend(gc, disk, &st, LIBXL_DISK_BACKEND_QDISK);
        if (!ok) ok = try_backend(gc, disk, &st, LIBXL_DISK_BACKEND_TAP);
        if (!ok) ok = try_backend(gc, disk, &st,
                                  LIBXL_DISK_BACKEND_STANDALONE);
        if (ok)
            LOG(gc->ctx, DEBUG, "Disk vdev=%s, using backend %s", disk->vdev,
                libxl_disk_backend_to_string(ok));
    }
    if (!ok) {
        LOG(gc->ctx, ERROR, "no suitable backend for disk %s", disk->vdev);
        return ERROR_INVAL;
    }
    disk->backend = ok;
    return 0;
}

static int disk_setdefault(libxl__gc *gc, uint32_t domid,
                           libxl_domain_type type, void *dev, bool hotplug)
{
    libxl_device_disk *disk = dev;
    int rc;

    libxl_defbool_setdefault(&disk->discard_enable, !!disk->readwrite);
    libxl_defbool_setdefault(&disk->colo_enable, false);
    libxl_defbool_setdefault(&disk->colo_restore_enable, false);
    libxl_defbool_setdefault(&disk->trusted, true);
    if (disk->backend_domname) {
        rc = libxl_domain_qualifier_to_domid(gc->ctx, disk->backend_domname,
                                             &disk->backend_domid);
        if (rc < 0) return rc;
    }
    if (disk->specification == LIBXL_DISK_SPECIFICATION_UNKNOWN)
        disk->specification = LIBXL_DISK_SPECIFICATION_XEN;
    if (disk->specification == LIBXL_DISK_SPECIFICATION_XEN &&
        disk->transport != LIBXL_DISK_TRANSPORT_UNKNOWN) {
        LOGD(gc->ctx, ERROR, domid, "Transport is only supported for"
             " specification virtio");
        return ERROR_INVAL;
    }
    if (disk->specification == LIBXL_DISK_SPECIFICATION_VIRTIO) {
        if (disk->transport != LIBXL_DISK_TRANSPORT_UNKNOWN &&
            disk->transport != LIBXL_DISK_TRANSPORT_MMIO) {
            LOGD(gc->ctx, ERROR, domid, "Unsupported transport for"
                 " specification virtio");
            return ERROR_INVAL;
        }
        disk->transport = LIBXL_DISK_TRANSPORT_MMIO;
    }
    if (hotplug && disk->specification == LIBXL_DISK_SPECIFICATION_VIRTIO) {
        LOGD(gc->ctx, ERROR, domid, "Hotplug isn't supported for"
             " specification virtio");
        return ERROR_FAIL;
    }
    if (disk->is_cdrom && type == LIBXL_DOMAIN_TYPE_HVM) {
        if (disk->backend != LIBXL_DISK_BACKEND_QDISK &&
            disk->backend != LIBXL_DISK_BACKEND_UNKNOWN) {
            LOGD(gc->ctx, ERROR, domid, "Backend for CD devices on HVM"
                 " guests must be Qdisk");
            return ERROR_FAIL;
        }
        disk->backend = LIBXL_DISK_BACKEND_QDISK;
    }
    rc = set_backend(gc, disk);
    if (rc) return rc;
    if (disk->backend == LIBXL_DISK_BACKEND_TAP) {
        LOG(gc->ctx, ERROR, "blktap is not supported");
        return ERROR_FAIL;
    }
    return 0;
}

static int disk_to_addr(libxl__gc *gc, uint32_t domid, const void *dev,
                        libxl__devaddr *addr)
{
    const libxl_device_disk *disk = dev;
    int devid = disk->vdev ? libxl__vdev_to_devid(disk->vdev, NULL, NULL)
                           : -1;

    if (devid == -1) {
        LOGD(gc->ctx, ERROR, domid, "Invalid or unsupported virtual disk"
             " identifier %s", disk->vdev ? disk->vdev : "(null)");
        return ERROR_INVAL;
    }
    switch (disk->backend) {
    case LIBXL_DISK_BACKEND_PHY:
    case LIBXL_DISK_BACKEND_TAP:
        addr->backend_kind = LIBXL__DEVKIND_VBD;
        break;
    case LIBXL_DISK_BACKEND_QDISK:
        addr->backend_kind = LIBXL__DEVKIND_QDISK;
        break;
    case LIBXL_DISK_BACKEND_STANDALONE:
        addr->backend_kind = LIBXL__DEVKIND_VIRTIO_DISK;
        break;
    default:
        LOGD(gc->ctx, ERROR, domid, "Unrecognized disk backend type: %d",
             disk->backend);
        return ERROR_INVAL;
    }
    addr->kind = disk->backend == LIBXL_DISK_BACKEND_STANDALONE
        ? LIBXL__DEVKIND_VIRTIO_DISK : LIBXL__DEVKIND_VBD;
    addr->domid = domid;
    addr->backend_domid = disk->backend_domid;
    addr->devid = devid;
    return 0;
}

/* An add says it twice, as libxl's does (once finding the address, once
 * adding). */
static int disk_add_to_addr(libxl__gc *gc, uint32_t domid, const void *dev,
                            libxl__devaddr *addr)
{
    const libxl_device_disk *disk = dev;
    int rc = disk_to_addr(gc, domid, dev, addr);

    if (rc == ERROR_INVAL && (!disk->vdev ||
                              libxl__vdev_to_devid(disk->vdev, NULL,
                                                   NULL) == -1))
        LOGD(gc->ctx, ERROR, domid, "Invalid or unsupported virtual disk"
             " identifier %s", disk->vdev ? disk->vdev : "(null)");
    return rc;
}

static int disk_from_record(libxl__gc *gc, const libxl__devaddr *addr,
                            const char *(*get)(const char *, void *),
                            void *user, void *dev)
{
    libxl_device_disk *disk = dev;
    const char *rec = libxl__dev_record_path(gc, addr);
    const char *be = get("backend", user), *v;

    if (!be) {
        LOG(gc->ctx, ERROR, "disk %s does not exist (no backend path", rec);
        return ERROR_FAIL;
    }
    if (libxl__device_backend_domid(gc, be, &disk->backend_domid)) {
        LOG(gc->ctx, ERROR, "Unable to fetch device backend domid from %s",
            be);
        return ERROR_FAIL;
    }
    libxl_defbool_set(&disk->colo_enable, get("colo-host", user) != NULL);
    v = get("specification", user);
    if (!v) {
        disk->specification = LIBXL_DISK_SPECIFICATION_XEN;
    } else if (libxl_disk_specification_from_string(v,
                                                     &disk->specification)) {
        LOG(gc->ctx, ERROR, "Unable to parse xenstore node %s/specification",
            rec);
        return ERROR_FAIL;
    }
    disk->format = LIBXL_DISK_FORMAT_UNKNOWN;
    return 0;
}

/* A removable disk whose drive xenstore shows empty is empty (libxl's
 * cdrom invariant); otherwise the stored media stands. */
static void disk_merge(libxl_ctx *ctx, const void *live, void *stored)
{
    const libxl_device_disk *src = live;
    libxl_device_disk *dst = stored;
    char *empty;
    (void)ctx;

    if (!src->removable || (src->pdev_path && *src->pdev_path)) return;
    empty = strdup("");
    if (!empty) return;
    free(dst->pdev_path);
    dst->pdev_path = empty;
    dst->format = LIBXL_DISK_FORMAT_EMPTY;
}

static int records_kind(libxl__gc *gc, uint32_t domid, libxl__devkind *kind);

const libxl__devtype libxl__disk_devtype = {
    .name = "disk",
    .kind = LIBXL__DEVKIND_VBD,
    .size = sizeof(libxl_device_disk),
    .cfg_array = offsetof(libxl_domain_config, disks),
    .cfg_num = offsetof(libxl_domain_config, num_disks),
    .init = (void (*)(void *))libxl_device_disk_init,
    .dispose = (void (*)(void *))libxl_device_disk_dispose,
    .copy = (void (*)(libxl_ctx *, void *, const void *))
            libxl_device_disk_copy,
    .same = disk_same,
    .setdefault = disk_setdefault,
    .to_addr = disk_to_addr,
    .add_to_addr = disk_add_to_addr,
    .entries = LIBXL__DEV_ENTRIES(disk_entries),
    .from_record = disk_from_record,
    .hotplug = LIBXL__HOTPLUG_BLOCK,
    .records_kind = records_kind,
    .merge = disk_merge,
};
#define disk_type libxl__disk_devtype

/* --------------------------------------------------- public functions */

int libxl_device_disk_add(libxl_ctx *ctx, uint32_t domid,
                          libxl_device_disk *disk,
                          const libxl_asyncop_how *ao_how)
{
    return libxl__device_add(ctx, domid, &disk_type, disk, ao_how);
}

int libxl_device_disk_remove(libxl_ctx *ctx, uint32_t domid,
                             libxl_device_disk *disk,
                             const libxl_asyncop_how *ao_how)
{
    return libxl__device_remove(ctx, domid, &disk_type, disk,
                                LIBXL__FORCE_AUTO, ao_how);
}

int libxl_device_disk_destroy(libxl_ctx *ctx, uint32_t domid,
                              libxl_device_disk *disk,
                              const libxl_asyncop_how *ao_how)
{
    return libxl__device_remove(ctx, domid, &disk_type, disk,
                                LIBXL__FORCE_ON, ao_how);
}

int libxl_device_disk_safe_remove(libxl_ctx *ctx, uint32_t domid,
                                  libxl_device_disk *disk,
                                  const libxl_asyncop_how *ao_how)
{
    return libxl__device_remove(ctx, domid, &disk_type, disk,
                                LIBXL__FORCE_OFF, ao_how);
}

/* Where the domain's disk records are: vbd's, or virtio_disk's when only
 * those exist (both: ERROR_INVAL, as libxl). */
static int records_kind(libxl__gc *gc, uint32_t domid, libxl__devkind *kind)
{
    const char *xen = libxl__dev_records_dir(gc, domid, LIBXL__DEVKIND_VBD);
    const char *virtio = libxl__dev_records_dir(gc, domid,
                                                LIBXL__DEVKIND_VIRTIO_DISK);
    bool has_xen, has_virtio;

    if (!xen || !virtio) return ERROR_NOMEM;
    has_xen = libxl__xs_read_checked(gc, XBT_NULL, xen, 0) != NULL;
    if (!has_xen && errno != ENOENT && errno != EINVAL) return ERROR_FAIL;
    has_virtio = libxl__xs_read_checked(gc, XBT_NULL, virtio, 0) != NULL;
    if (!has_virtio && errno != ENOENT && errno != EINVAL) return ERROR_FAIL;
    if (has_xen && has_virtio) {
        LOGD(gc->ctx, ERROR, domid, "Invalid configuration, both xen and"
             " virtio paths are present");
        return ERROR_INVAL;
    }
    *kind = has_virtio ? LIBXL__DEVKIND_VIRTIO_DISK : LIBXL__DEVKIND_VBD;
    return 0;
}

libxl_device_disk *libxl_device_disk_list(libxl_ctx *ctx, uint32_t domid,
                                          int *num)
{
    GC_INIT(ctx);
    return libxl__device_list(gc, &disk_type, domid, num);
}

int libxl_vdev_to_device_disk(libxl_ctx *ctx, uint32_t domid,
                              const char *vdev, libxl_device_disk *disk)
{
    GC_INIT(ctx);
    libxl__devtype dt = disk_type;
    libxl__devaddr addr = { .domid = domid };
    int devid = libxl__vdev_to_devid(vdev, NULL, NULL);
    int rc;

    if (devid < 0) return ERROR_INVAL;
    libxl_device_disk_init(disk);
    rc = records_kind(gc, domid, &dt.kind);
    if (rc) return rc;
    addr.kind = dt.kind;
    addr.devid = devid;
    rc = libxl__device_from_record(gc, &dt, &addr, disk);
    if (rc) {
        libxl_device_disk_dispose(disk);
        libxl_device_disk_init(disk);
    }
    return rc;
}

/* A number the guest wrote, read as libxl reads it (strtoul), or -1. */
static int frontend_number(libxl__gc *gc, const char *fe, const char *key)
{
    const char *v = libxl__xs_read_checked(gc, XBT_NULL,
                                           GCSPRINTF("%s/%s", fe, key), 64);
    return v ? (int)strtoul(v, NULL, 10) : -1;
}

int libxl_device_disk_getinfo(libxl_ctx *ctx, uint32_t domid,
                              const libxl_device_disk *disk,
                              libxl_diskinfo *diskinfo)
{
    GC_INIT(ctx);
    libxl__devaddr addr = { .domid = domid };
    const char *fe, *rec;
    int rc;

    diskinfo->backend = NULL;
    diskinfo->devid = disk->vdev ? libxl__vdev_to_devid(disk->vdev, NULL,
                                                        NULL)
                                 : -1;
    addr.kind = disk->backend == LIBXL_DISK_BACKEND_STANDALONE
        ? LIBXL__DEVKIND_VIRTIO_DISK : LIBXL__DEVKIND_VBD;
    addr.devid = diskinfo->devid;
    fe = libxl__dev_frontend_path(gc, &addr);
    rec = libxl__dev_record_path(gc, &addr);
    if (!fe || !rec) return ERROR_NOMEM;
    diskinfo->backend = xs_read(ctx->xsh, XBT_NULL,
                                GCSPRINTF("%s/backend", rec), NULL);
    if (!diskinfo->backend) return ERROR_FAIL;
    rc = libxl__device_backend_domid(gc, diskinfo->backend,
                                     &diskinfo->backend_id);
    if (rc) {
        free(diskinfo->backend);
        diskinfo->backend = NULL;
        return rc;
    }
    diskinfo->state = frontend_number(gc, fe, "state");
    diskinfo->evtch = frontend_number(gc, fe, "event-channel");
    diskinfo->rref = frontend_number(gc, fe, "ring-ref");
    diskinfo->frontend = xs_read(ctx->xsh, XBT_NULL,
                                 GCSPRINTF("%s/frontend", rec), NULL);
    diskinfo->frontend_id = domid;
    return 0;
}
