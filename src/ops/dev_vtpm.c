/*
 * ops/dev_vtpm.c: virtual TPMs (vtpm frontends and backends): their device
 * type for the generic machinery (a uuid made up when none is given, the
 * entries libxl 4.17 writes, what list reads back from the backend), and
 * libxl_device_vtpm_add / _remove / _destroy / _list / _getinfo,
 * libxl_devid_to_device_vtpm and libxl_uuid_to_device_vtpm, with libxl's
 * results.
 */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "dev/devpath.h"
#include "ops/device.h"
#include "ops/device_devid.h"
#include "xs/paths.h"

/* ------------------------------------------------------------ entries */

/* uuid: lowercase with hyphens; read back as libxl_uuid_from_string reads
 * it (what the backend holds may be anything). */
static const char *uuid_encode(libxl__gc *gc, const libxl__devent_src *src,
                               const void *field, const void *arg)
{
    const libxl_uuid *uuid = field;
    (void)src; (void)arg;
    return GCSPRINTF(LIBXL_UUID_FMT, LIBXL_UUID_BYTES(*uuid));
}

static int uuid_decode(libxl__gc *gc, const char *text, void *field,
                       const void *arg)
{
    (void)gc; (void)arg;
    return libxl_uuid_from_string(field, text) ? ERROR_INVAL : 0;
}

static const libxl__dev_codec uuid_codec = { uuid_encode, uuid_decode };

#define F(field) offsetof(libxl_device_vtpm, field)
#define A(field) offsetof(libxl__devaddr, field)
#define BACK LIBXL__DEVENT_BACK
#define FRONT LIBXL__DEVENT_FRONT
#define WO LIBXL__DEVENT_WRITE_ONLY

static const libxl__dev_entry vtpm_entries[] = {
    { "frontend-id", BACK, A(domid), &libxl__devc_u32, NULL,
      LIBXL__DEVENT_ADDR, NULL },
    { "online", BACK, 0, &libxl__devc_fixed, "1", 0, NULL },
    { "state", BACK, 0, &libxl__devc_fixed, "1", 0, NULL },
    { "handle", BACK, F(devid), &libxl__devc_int, NULL, WO, NULL },
    { "uuid", BACK, F(uuid), &uuid_codec, NULL, LIBXL__DEVENT_OPTIONAL,
      NULL },
    { "resume", BACK, 0, &libxl__devc_fixed, "False", 0, NULL },
    /* the frontend's own */
    { "backend-id", FRONT, A(backend_domid), &libxl__devc_u32, NULL,
      LIBXL__DEVENT_ADDR, NULL },
    { "state", FRONT, 0, &libxl__devc_fixed, "1", 0, NULL },
    { "handle", FRONT, F(devid), &libxl__devc_int, NULL, WO, NULL },
};
#undef F
#undef A

/* ------------------------------------------------------------ devtype */

static bool vtpm_same(const void *a, const void *b)
{
    return ((const libxl_device_vtpm *)a)->devid ==
           ((const libxl_device_vtpm *)b)->devid;
}

static int vtpm_setdefault(libxl__gc *gc, uint32_t domid,
                           libxl_domain_type type, void *dev, bool hotplug)
{
    libxl_device_vtpm *vtpm = dev;
    (void)domid; (void)type; (void)hotplug;

    if (libxl_uuid_is_nil(&vtpm->uuid)) libxl_uuid_generate(&vtpm->uuid);
    if (!vtpm->backend_domname) return 0;
    return libxl_domain_qualifier_to_domid(gc->ctx, vtpm->backend_domname,
                                           &vtpm->backend_domid);
}

static int vtpm_update_devid(libxl__gc *gc, uint32_t domid, void *dev)
{
    libxl_device_vtpm *vtpm = dev;

    if (vtpm->devid == -1)
        vtpm->devid = libxl__device_nextid(gc, domid, LIBXL__DEVKIND_VTPM);
    return vtpm->devid < 0 ? ERROR_FAIL : 0;
}

/* The stored configuration keeps the devid and uuid chosen. */
static void vtpm_update_config(libxl__gc *gc, void *saved, const void *dev)
{
    libxl_device_vtpm *dst = saved;
    const libxl_device_vtpm *src = dev;

    dst->devid = src->devid;
    libxl_uuid_copy(gc->ctx, &dst->uuid, &src->uuid);
}

/* The devid, the backend's domain, and the uuid as the backend holds it
 * (libxl reads it from there: a malformed one fails the list). */
static int vtpm_from_record(libxl__gc *gc, const libxl__devaddr *addr,
                            const char *(*get)(const char *, void *),
                            void *user, void *dev)
{
    libxl_device_vtpm *vtpm = dev;
    const char *be = get("backend", user), *path, *uuid;
    libxl__backend_path parsed;
    int rc;

    vtpm->devid = addr->devid;
    rc = libxl__device_record_backend_domid(gc, addr, get, user,
                                            &vtpm->backend_domid);
    if (rc) return rc;
    if (!libxl__backend_path_parse(be, &parsed)) {
        LOG(gc->ctx, ERROR, "internal error: backend path %s unparseable!",
            be);
        return ERROR_FAIL;
    }
    path = GCSPRINTF("%s/uuid", be);
    uuid = path ? libxl__xs_read_checked(gc, XBT_NULL, path,
                                         XENSTORE_PAYLOAD_MAX)
                : NULL;
    if (uuid && libxl_uuid_from_string(&vtpm->uuid, uuid)) {
        LOGD(gc->ctx, ERROR, vtpm->backend_domid, "%s/uuid is a malformed"
             " uuid?? (%s) Probably a bug!!\n", be, uuid);
        return ERROR_FAIL;
    }
    return 0;
}

const libxl__devtype libxl__vtpm_devtype = {
    .name = "vtpm",
    .kind = LIBXL__DEVKIND_VTPM,
    .size = sizeof(libxl_device_vtpm),
    .cfg_array = offsetof(libxl_domain_config, vtpms),
    .cfg_num = offsetof(libxl_domain_config, num_vtpms),
    .init = (void (*)(void *))libxl_device_vtpm_init,
    .dispose = (void (*)(void *))libxl_device_vtpm_dispose,
    .copy = (void (*)(libxl_ctx *, void *, const void *))
            libxl_device_vtpm_copy,
    .same = vtpm_same,
    .setdefault = vtpm_setdefault,
    .update_devid = vtpm_update_devid,
    .update_config = vtpm_update_config,
    .backend_domid_off = offsetof(libxl_device_vtpm, backend_domid),
    .devid_off = offsetof(libxl_device_vtpm, devid),
    .entries = LIBXL__DEV_ENTRIES(vtpm_entries),
    .from_record = vtpm_from_record,
    .hotplug = LIBXL__HOTPLUG_NONE,
    .setdefault_untyped = true,
};
#define vtpm_type libxl__vtpm_devtype

/* --------------------------------------------------- public functions */

int libxl_device_vtpm_add(libxl_ctx *ctx, uint32_t domid,
                          libxl_device_vtpm *vtpm,
                          const libxl_asyncop_how *ao_how)
{
    return libxl__device_add(ctx, domid, &vtpm_type, vtpm, ao_how);
}

int libxl_device_vtpm_remove(libxl_ctx *ctx, uint32_t domid,
                             libxl_device_vtpm *vtpm,
                             const libxl_asyncop_how *ao_how)
{
    return libxl__device_remove(ctx, domid, &vtpm_type, vtpm,
                                LIBXL__FORCE_AUTO, ao_how);
}

int libxl_device_vtpm_destroy(libxl_ctx *ctx, uint32_t domid,
                              libxl_device_vtpm *vtpm,
                              const libxl_asyncop_how *ao_how)
{
    return libxl__device_remove(ctx, domid, &vtpm_type, vtpm,
                                LIBXL__FORCE_ON, ao_how);
}

libxl_device_vtpm *libxl_device_vtpm_list(libxl_ctx *ctx, uint32_t domid,
                                          int *num)
{
    GC_INIT(ctx);
    return libxl__device_list(gc, &vtpm_type, domid, num);
}

int libxl_device_vtpm_getinfo(libxl_ctx *ctx, uint32_t domid,
                              const libxl_device_vtpm *vtpm,
                              libxl_vtpminfo *vtpminfo)
{
    GC_INIT(ctx);
    libxl__devaddr addr = { .kind = LIBXL__DEVKIND_VTPM, .domid = domid };
    const char *fe, *rec, *uuid;
    int rc;

    libxl_vtpminfo_init(vtpminfo);
    vtpminfo->devid = vtpm->devid;
    addr.devid = vtpm->devid;
    fe = libxl__dev_frontend_path(gc, &addr);
    rec = libxl__dev_record_path(gc, &addr);
    if (!fe || !rec) return ERROR_NOMEM;
    rc = libxl__device_info_paths(gc, &addr, &vtpminfo->backend,
                                  &vtpminfo->backend_id,
                                  &vtpminfo->frontend);
    if (rc) return rc;
    vtpminfo->state = libxl__device_fe_number(gc, fe, "state");
    vtpminfo->evtch = libxl__device_fe_number(gc, fe, "event-channel");
    vtpminfo->rref = libxl__device_fe_number(gc, fe, "ring-ref");
    vtpminfo->frontend_id = domid;
    /* the uuid the toolstack recorded, not the backend's */
    uuid = libxl__xs_read_checked(gc, XBT_NULL, GCSPRINTF("%s/uuid", rec),
                                  XENSTORE_PAYLOAD_MAX);
    if (!uuid) {
        LOGD(ctx, ERROR, domid, "%s/uuid does not exist!",
             vtpminfo->backend);
        return ERROR_FAIL;
    }
    if (libxl_uuid_from_string(&vtpminfo->uuid, uuid)) {
        LOGD(ctx, ERROR, domid, "%s/uuid is a malformed uuid?? (%s) Probably"
             " a bug!\n", vtpminfo->backend, uuid);
        return ERROR_FAIL;
    }
    return 0;
}

/* The vtpm whose devid (uuid NULL) or uuid matches, copied as libxl
 * copies it (backend domid, devid and uuid) into vtpm, which is first
 * initialised (by memset when zero: libxl's uuid lookup). 0, or 1 (libxl's
 * "not found"); a domain without vtpms is ERROR_FAIL, vtpm untouched. */
static int find_vtpm(libxl_ctx *ctx, uint32_t domid, int devid,
                     const libxl_uuid *uuid, bool zero,
                     libxl_device_vtpm *vtpm)
{
    GC_INIT(ctx);
    int n = 0, rc = 1;
    libxl_device_vtpm *list = libxl__device_list(gc, &vtpm_type, domid, &n);

    if (!list) return ERROR_FAIL;
    if (zero)
        memset(vtpm, 0, sizeof(*vtpm));
    else
        libxl_device_vtpm_init(vtpm);
    for (int i = 0; i < n; i++) {
        if (uuid ? libxl_uuid_compare(uuid, &list[i].uuid) != 0
                 : list[i].devid != devid)
            continue;
        vtpm->backend_domid = list[i].backend_domid;
        vtpm->devid = list[i].devid;
        libxl_uuid_copy(ctx, &vtpm->uuid, &list[i].uuid);
        rc = 0;
        break;
    }
    libxl__device_list_free(&vtpm_type, list, n);
    return rc;
}

int libxl_devid_to_device_vtpm(libxl_ctx *ctx, uint32_t domid, int devid,
                               libxl_device_vtpm *vtpm)
{
    return find_vtpm(ctx, domid, devid, NULL, false, vtpm);
}

int libxl_uuid_to_device_vtpm(libxl_ctx *ctx, uint32_t domid,
                              libxl_uuid *uuid, libxl_device_vtpm *vtpm)
{
    return find_vtpm(ctx, domid, 0, uuid, true, vtpm);
}
