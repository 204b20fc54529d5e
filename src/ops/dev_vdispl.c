/*
 * ops/dev_vdispl.c: virtual displays (vdispl): their device type for the
 * generic machinery (defaults, devid, address, xenstore entries with one
 * nested directory per connector), and libxl_device_vdispl_add / _remove
 * / _destroy / _list / _getinfo and libxl_devid_to_device_vdispl, with
 * libxl 4.17's results. getinfo reads the guest's frontend: every value
 * there is hostile and is read through the entry tables' codecs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "ops/device.h"
#include "ops/device_devid.h"
#include "libxl_utils.h"

/* ------------------------------------------------------------ codecs */

/* A connector's resolution, "WIDTHxHEIGHT" (libxl prints both as signed
 * numbers). Read back (getinfo) as libxl scans it: two numbers, or the
 * read fails (with what was scanned stored, as libxl's). */
static const char *resolution_encode(libxl__gc *gc,
                                     const libxl__devent_src *src,
                                     const void *field, const void *arg)
{
    const libxl_connector_param *c = src->dev;
    (void)field; (void)arg;
    return GCSPRINTF("%dx%d", (int)c->width, (int)c->height);
}

static int resolution_decode(libxl__gc *gc, const char *text, void *field,
                             const void *arg)
{
    libxl_connectorinfo *c = field;
    (void)gc; (void)arg;

    return sscanf(text, "%" SCNu32 "x%" SCNu32, &c->width, &c->height) == 2
        ? 0 : ERROR_INVAL;
}

static const libxl__dev_codec resolution_codec = { resolution_encode,
                                                   resolution_decode };

/* ------------------------------------------------------------ entries */

#define BACK LIBXL__DEVENT_BACK
#define FRONT LIBXL__DEVENT_FRONT
#define RO_FRONT LIBXL__DEVENT_RO_FRONT
#define OPT LIBXL__DEVENT_OPTIONAL
#define A(field) offsetof(libxl__devaddr, field)

#define C(field) offsetof(libxl_connector_param, field)
static const libxl__dev_entry connector_entries[] = {
    { "resolution", RO_FRONT, 0, &resolution_codec, NULL, 0, NULL },
    { "unique-id", RO_FRONT, C(unique_id), &libxl__devc_string, NULL, 0,
      NULL },
};
#undef C

static const libxl__dev_subtable connectors = {
    LIBXL__DEV_ENTRIES(connector_entries), sizeof(libxl_connector_param),
    offsetof(libxl_device_vdispl, num_connectors),
    (void (*)(void *))libxl_connector_param_init, 0,
};

#define F(field) offsetof(libxl_device_vdispl, field)
static const libxl__dev_entry vdispl_entries[] = {
    { "frontend-id", BACK, A(domid), &libxl__devc_u32, NULL,
      LIBXL__DEVENT_ADDR, NULL },
    { "online", BACK, 0, &libxl__devc_fixed, "1", 0, NULL },
    { "state", BACK, 0, &libxl__devc_fixed, "1", 0, NULL },
    { "backend-id", FRONT, A(backend_domid), &libxl__devc_u32, NULL,
      LIBXL__DEVENT_ADDR, NULL },
    { "state", FRONT, 0, &libxl__devc_fixed, "1", 0, NULL },
    { "be-alloc", RO_FRONT, F(be_alloc), &libxl__devc_bool01, NULL, 0,
      NULL },
    { "%u", RO_FRONT, F(connectors), &libxl__devc_nested, &connectors, 0,
      NULL },
};
#undef F

/* What getinfo reads of the frontend (libxl_vdisplinfo); what the guest
 * has not written reads -1 (libxl's "absent"). */
#define DEF LIBXL__DEVENT_DEFAULT
#define I(field) offsetof(libxl_connectorinfo, field)
static const libxl__dev_entry connectorinfo_entries[] = {
    { "unique-id", FRONT, I(unique_id), &libxl__devc_string, NULL, 0,
      NULL },
    { "resolution", FRONT, 0, &resolution_codec, NULL, 0, NULL },
    { "req-ring-ref", FRONT, I(req_rref), &libxl__devc_int_loose, "-1", DEF,
      NULL },
    { "req-event-channel", FRONT, I(req_evtch), &libxl__devc_int_loose,
      "-1", DEF, NULL },
    { "evt-ring-ref", FRONT, I(evt_rref), &libxl__devc_int_loose, "-1", DEF,
      NULL },
    { "evt-event-channel", FRONT, I(evt_evtch), &libxl__devc_int_loose,
      "-1", DEF, NULL },
};
#undef I

static const libxl__dev_subtable connectorinfos = {
    LIBXL__DEV_ENTRIES(connectorinfo_entries), sizeof(libxl_connectorinfo),
    offsetof(libxl_vdisplinfo, num_connectors),
    (void (*)(void *))libxl_connectorinfo_init, 0,
};

#define I(field) offsetof(libxl_vdisplinfo, field)
static const libxl__dev_entry vdisplinfo_entries[] = {
    { "state", FRONT, I(state), &libxl__devc_int_loose, "-1", DEF, NULL },
    { "be-alloc", FRONT, I(be_alloc), &libxl__devc_bool_loose, NULL, OPT,
      NULL },
    { "%u", FRONT, I(connectors), &libxl__devc_nested, &connectorinfos, 0,
      NULL },
};
#undef I
static const libxl__dev_entries vdisplinfo_table =
    LIBXL__DEV_ENTRIES(vdisplinfo_entries);

/* ------------------------------------------------------------ devtype */

static bool vdispl_same(const void *a, const void *b)
{
    return ((const libxl_device_vdispl *)a)->devid ==
           ((const libxl_device_vdispl *)b)->devid;
}

static int vdispl_setdefault(libxl__gc *gc, uint32_t domid,
                             libxl_domain_type type, void *dev, bool hotplug)
{
    libxl_device_vdispl *vdispl = dev;
    (void)domid; (void)type; (void)hotplug;

    if (!vdispl->backend_domname) return 0;
    return libxl_domain_qualifier_to_domid(gc->ctx, vdispl->backend_domname,
                                           &vdispl->backend_domid);
}

static int vdispl_update_devid(libxl__gc *gc, uint32_t domid, void *dev)
{
    libxl_device_vdispl *vdispl = dev;

    if (vdispl->devid == -1)
        vdispl->devid = libxl__device_nextid(gc, domid,
                                             LIBXL__DEVKIND_VDISPL);
    return vdispl->devid < 0 ? ERROR_FAIL : 0;
}

static void vdispl_update_config(libxl__gc *gc, void *saved, const void *dev)
{
    libxl_device_vdispl *dst = saved;
    const libxl_device_vdispl *src = dev;
    (void)gc;

    dst->devid = src->devid;
    dst->be_alloc = src->be_alloc;
}

/* libxl keeps only the devid and the backend's domain of a listed
 * display: the connectors are in the stored configuration. */
static int vdispl_from_record(libxl__gc *gc, const libxl__devaddr *addr,
                              const char *(*get)(const char *, void *),
                              void *user, void *dev)
{
    libxl_device_vdispl *vdispl = dev;

    vdispl->devid = addr->devid;
    return libxl__device_record_backend_domid(gc, addr, get, user,
                                              &vdispl->backend_domid);
}

const libxl__devtype libxl__vdispl_devtype = {
    .name = "vdispl",
    .kind = LIBXL__DEVKIND_VDISPL,
    .size = sizeof(libxl_device_vdispl),
    .cfg_array = offsetof(libxl_domain_config, vdispls),
    .cfg_num = offsetof(libxl_domain_config, num_vdispls),
    .init = (void (*)(void *))libxl_device_vdispl_init,
    .dispose = (void (*)(void *))libxl_device_vdispl_dispose,
    .copy = (void (*)(libxl_ctx *, void *, const void *))
            libxl_device_vdispl_copy,
    .same = vdispl_same,
    .setdefault = vdispl_setdefault,
    .update_devid = vdispl_update_devid,
    .update_config = vdispl_update_config,
    .backend_domid_off = offsetof(libxl_device_vdispl, backend_domid),
    .devid_off = offsetof(libxl_device_vdispl, devid),
    .entries = LIBXL__DEV_ENTRIES(vdispl_entries),
    .from_record = vdispl_from_record,
    .hotplug = LIBXL__HOTPLUG_NONE,
    .setdefault_untyped = true,
};
#define vdispl_type libxl__vdispl_devtype

/* --------------------------------------------------- public functions */

int libxl_device_vdispl_add(libxl_ctx *ctx, uint32_t domid,
                            libxl_device_vdispl *displ,
                            const libxl_asyncop_how *ao_how)
{
    return libxl__device_add(ctx, domid, &vdispl_type, displ, ao_how);
}

int libxl_device_vdispl_remove(libxl_ctx *ctx, uint32_t domid,
                               libxl_device_vdispl *vdispl,
                               const libxl_asyncop_how *ao_how)
{
    return libxl__device_remove(ctx, domid, &vdispl_type, vdispl,
                                LIBXL__FORCE_AUTO, ao_how);
}

int libxl_device_vdispl_destroy(libxl_ctx *ctx, uint32_t domid,
                                libxl_device_vdispl *vdispl,
                                const libxl_asyncop_how *ao_how)
{
    return libxl__device_remove(ctx, domid, &vdispl_type, vdispl,
                                LIBXL__FORCE_ON, ao_how);
}

libxl_device_vdispl *libxl_device_vdispl_list(libxl_ctx *ctx, uint32_t domid,
                                              int *num)
{
    GC_INIT(ctx);
    return libxl__device_list(gc, &vdispl_type, domid, num);
}

int libxl_devid_to_device_vdispl(libxl_ctx *ctx, uint32_t domid, int devid,
                                 libxl_device_vdispl *vdispl)
{
    GC_INIT(ctx);
    return libxl__device_devid_to_device(gc, &vdispl_type, domid, devid,
                                         vdispl);
}

int libxl_device_vdispl_getinfo(libxl_ctx *ctx, uint32_t domid,
                                const libxl_device_vdispl *vdispl,
                                libxl_vdisplinfo *info)
{
    GC_INIT(ctx);
    libxl__devaddr addr;
    const char *fe;
    int rc;

    libxl_vdisplinfo_init(info);
    info->devid = vdispl->devid;
    libxl__device_addr_of(gc, &libxl__vdispl_devtype, domid, vdispl, &addr);
    fe = libxl__dev_frontend_path(gc, &addr);
    if (!fe) return ERROR_NOMEM;
    rc = libxl__device_info_paths(gc, &addr, &info->backend,
                                  &info->backend_id, &info->frontend);
    if (rc) return rc;
    info->frontend_id = domid;
    return libxl__device_read_entries(gc, &vdisplinfo_table, FRONT, fe,
                                      info);
}
