/*
 * ops/dev_vkb.c: virtual keyboards and pointers (vkbd frontends; QEMU's
 * vkbd or Linux's vinput backend): their device type for the generic
 * machinery (libxl 4.17's synchronous add: nodes only; the features it
 * writes; what list reads back from the backend), and
 * libxl_device_vkb_add / _remove / _destroy / _list / _getinfo and
 * libxl_devid_to_device_vkb, with libxl's results.
 */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "dev/devpath.h"
#include "ops/device.h"
#include "ops/device_devid.h"
#include "xs/paths.h"

/* ------------------------------------------------------------ codecs */

/*
 * The features as libxl reads them back from the backend directory (which
 * the backend's domain may write anything into): strtoul with base 0, a
 * bool being true for any non-zero result, a uint32 keeping the low 32
 * bits, and text that is no number at all reading as 0. Deliberately the
 * same values as libxl's, so that list gives what Debian's library gives
 * whatever the backend wrote; written as "%u".
 */
static unsigned long libxl_number(const char *text)
{
    return strtoul(text, NULL, 0);
}

static const char *feat_bool_encode(libxl__gc *gc,
                                    const libxl__devent_src *src,
                                    const void *field, const void *arg)
{
    (void)gc; (void)src; (void)arg;
    return *(const bool *)field ? "1" : "0";
}

static int feat_bool_decode(libxl__gc *gc, const char *text, void *field,
                            const void *arg)
{
    (void)gc; (void)arg;
    *(bool *)field = libxl_number(text) != 0;
    return 0;
}

static const char *feat_u32_encode(libxl__gc *gc,
                                   const libxl__devent_src *src,
                                   const void *field, const void *arg)
{
    (void)src; (void)arg;
    return GCSPRINTF("%u", (unsigned)*(const uint32_t *)field);
}

static int feat_u32_decode(libxl__gc *gc, const char *text, void *field,
                           const void *arg)
{
    (void)gc; (void)arg;
    *(uint32_t *)field = (uint32_t)libxl_number(text);
    return 0;
}

static const libxl__dev_codec feat_bool = { feat_bool_encode,
                                            feat_bool_decode };
static const libxl__dev_codec feat_u32 = { feat_u32_encode,
                                           feat_u32_decode };

/* ------------------------------------------------------------ entries */

static bool has_multi_touch(const libxl__devent_src *src)
{
    return ((const libxl_device_vkb *)src->dev)->feature_multi_touch;
}

/* A bool or uint32 feature is written only when it is set (non-zero). */
static bool bool_set(const void *dev, size_t offset)
{
    return *(const bool *)((const char *)dev + offset);
}

static bool u32_set(const void *dev, size_t offset)
{
    return *(const uint32_t *)((const char *)dev + offset) != 0;
}

#define F(field) offsetof(libxl_device_vkb, field)
#define WHEN_BOOL(field)                                                    \
    static bool when_##field(const libxl__devent_src *src)                  \
    { return bool_set(src->dev, F(field)); }
#define WHEN_U32(field)                                                     \
    static bool when_##field(const libxl__devent_src *src)                  \
    { return u32_set(src->dev, F(field)); }
WHEN_BOOL(feature_disable_keyboard)
WHEN_BOOL(feature_disable_pointer)
WHEN_BOOL(feature_abs_pointer)
WHEN_BOOL(feature_raw_pointer)
WHEN_U32(width)
WHEN_U32(height)
#undef WHEN_BOOL
#undef WHEN_U32

#define A(field) offsetof(libxl__devaddr, field)
#define BACK LIBXL__DEVENT_BACK
#define FRONT LIBXL__DEVENT_FRONT
#define OPT LIBXL__DEVENT_OPTIONAL
#define FEATURE(key, field, codec)                                          \
    { key, BACK, F(field), &codec, NULL, OPT, when_##field }

static const libxl__dev_entry vkb_entries[] = {
    { "frontend-id", BACK, A(domid), &libxl__devc_u32, NULL,
      LIBXL__DEVENT_ADDR, NULL },
    { "online", BACK, 0, &libxl__devc_fixed, "1", 0, NULL },
    { "state", BACK, 0, &libxl__devc_fixed, "1", 0, NULL },
    /* libxl__devc_string leaves a NULL id out */
    { "unique-id", BACK, F(unique_id), &libxl__devc_string, NULL, OPT,
      NULL },
    FEATURE("feature-disable-keyboard", feature_disable_keyboard,
            feat_bool),
    FEATURE("feature-disable-pointer", feature_disable_pointer,
            feat_bool),
    FEATURE("feature-abs-pointer", feature_abs_pointer, feat_bool),
    FEATURE("feature-raw-pointer", feature_raw_pointer, feat_bool),
    { "feature-multi-touch", BACK, F(feature_multi_touch),
      &feat_bool, NULL, OPT, has_multi_touch },
    { "multi-touch-width", BACK, F(multi_touch_width), &feat_u32,
      NULL, OPT, has_multi_touch },
    { "multi-touch-height", BACK, F(multi_touch_height), &feat_u32,
      NULL, OPT, has_multi_touch },
    { "multi-touch-num-contacts", BACK, F(multi_touch_num_contacts),
      &feat_u32, NULL, OPT, has_multi_touch },
    FEATURE("width", width, feat_u32),
    FEATURE("height", height, feat_u32),
    /* the frontend's own */
    { "backend-id", FRONT, A(backend_domid), &libxl__devc_u32, NULL,
      LIBXL__DEVENT_ADDR, NULL },
    { "state", FRONT, 0, &libxl__devc_fixed, "1", 0, NULL },
};
#undef FEATURE
#undef F
#undef A

/* ------------------------------------------------------------ devtype */

static int vkb_setdefault(libxl__gc *gc, uint32_t domid,
                          libxl_domain_type type, void *dev, bool hotplug)
{
    libxl_device_vkb *vkb = dev;
    (void)domid; (void)type; (void)hotplug;

    if (vkb->backend_type == LIBXL_VKB_BACKEND_UNKNOWN)
        vkb->backend_type = LIBXL_VKB_BACKEND_QEMU;
    if (!vkb->backend_domname) return 0;
    return libxl_domain_qualifier_to_domid(gc->ctx, vkb->backend_domname,
                                           &vkb->backend_domid);
}

static int vkb_update_devid(libxl__gc *gc, uint32_t domid, void *dev)
{
    libxl_device_vkb *vkb = dev;

    if (vkb->devid == -1)
        vkb->devid = libxl__device_nextid(gc, domid, LIBXL__DEVKIND_VKBD);
    return vkb->devid < 0 ? ERROR_FAIL : 0;
}

static int vkb_to_addr(libxl__gc *gc, uint32_t domid, const void *dev,
                       libxl__devaddr *addr)
{
    const libxl_device_vkb *vkb = dev;
    (void)gc;

    addr->kind = LIBXL__DEVKIND_VKBD;
    addr->backend_kind = vkb->backend_type == LIBXL_VKB_BACKEND_LINUX
        ? LIBXL__DEVKIND_VINPUT : LIBXL__DEVKIND_VKBD;
    addr->domid = domid;
    addr->backend_domid = vkb->backend_domid;
    addr->devid = vkb->devid;
    return 0;
}

/* The devid, the backend's domain and which backend it is (vinput: Linux;
 * anything else: QEMU, as libxl), from the record's backend path. */
static int vkb_from_record(libxl__gc *gc, const libxl__devaddr *addr,
                           const char *(*get)(const char *, void *),
                           void *user, void *dev)
{
    libxl_device_vkb *vkb = dev;
    const char *be = get("backend", user);
    libxl__backend_path parsed;

    vkb->devid = addr->devid;
    if (!be || !get("frontend", user)) {
        LOG(gc->ctx, ERROR, "xenstore read failed: `%s/%s'",
            libxl__dev_record_path(gc, addr), be ? "frontend" : "backend");
        return ERROR_FAIL;
    }
    if (!libxl__backend_path_parse(be, &parsed)) {
        LOG(gc->ctx, ERROR, "internal error: backend path %s unparseable!",
            be);
        return ERROR_FAIL;
    }
    vkb->backend_domid = parsed.backend_domid;
    vkb->backend_type = !strcmp(parsed.kind, "vinput")
        ? LIBXL_VKB_BACKEND_LINUX : LIBXL_VKB_BACKEND_QEMU;
    return 0;
}

/* Not in libxl__device_types: libxl's retrieve leaves vkbs as stored. */
static const libxl__devtype vkb_type = {
    .name = "vkb",
    .kind = LIBXL__DEVKIND_VKBD,
    .size = sizeof(libxl_device_vkb),
    .cfg_array = offsetof(libxl_domain_config, vkbs),
    .cfg_num = offsetof(libxl_domain_config, num_vkbs),
    .init = (void (*)(void *))libxl_device_vkb_init,
    .dispose = (void (*)(void *))libxl_device_vkb_dispose,
    .copy = (void (*)(libxl_ctx *, void *, const void *))
            libxl_device_vkb_copy,
    .setdefault = vkb_setdefault,
    .update_devid = vkb_update_devid,
    .to_addr = vkb_to_addr,
    .entries = LIBXL__DEV_ENTRIES(vkb_entries),
    .from_record = vkb_from_record,
    .hotplug = LIBXL__HOTPLUG_NONE,
    .add_nodes_only = true,
    .read_where = LIBXL__DEVENT_BACK,
};

/* --------------------------------------------------- public functions */

int libxl_device_vkb_add(libxl_ctx *ctx, uint32_t domid,
                         libxl_device_vkb *vkb,
                         const libxl_asyncop_how *ao_how)
{
    return libxl__device_add(ctx, domid, &vkb_type, vkb, ao_how);
}

int libxl_device_vkb_remove(libxl_ctx *ctx, uint32_t domid,
                            libxl_device_vkb *vkb,
                            const libxl_asyncop_how *ao_how)
{
    return libxl__device_remove(ctx, domid, &vkb_type, vkb,
                                LIBXL__FORCE_AUTO, ao_how);
}

int libxl_device_vkb_destroy(libxl_ctx *ctx, uint32_t domid,
                             libxl_device_vkb *vkb,
                             const libxl_asyncop_how *ao_how)
{
    return libxl__device_remove(ctx, domid, &vkb_type, vkb,
                                LIBXL__FORCE_ON, ao_how);
}

libxl_device_vkb *libxl_device_vkb_list(libxl_ctx *ctx, uint32_t domid,
                                        int *num)
{
    GC_INIT(ctx);
    return libxl__device_list(gc, &vkb_type, domid, num);
}

int libxl_devid_to_device_vkb(libxl_ctx *ctx, uint32_t domid, int devid,
                              libxl_device_vkb *vkb)
{
    GC_INIT(ctx);
    int n = 0, rc = ERROR_NOTFOUND;
    libxl_device_vkb *list;

    libxl_device_vkb_init(vkb);
    list = libxl__device_list(gc, &vkb_type, domid, &n);
    for (int i = 0; i < n; i++) {
        if (list[i].devid != devid) continue;
        libxl_device_vkb_copy(ctx, vkb, &list[i]);
        rc = 0;
        break;
    }
    libxl__device_list_free(&vkb_type, list, n);
    return rc;
}

int libxl_device_vkb_getinfo(libxl_ctx *ctx, uint32_t domid,
                             const libxl_device_vkb *vkb,
                             libxl_vkbinfo *info)
{
    GC_INIT(ctx);
    libxl__devaddr addr = { .kind = LIBXL__DEVKIND_VKBD, .domid = domid };
    const char *fe;
    int rc;

    libxl_vkbinfo_init(info);
    info->devid = vkb->devid;
    addr.devid = vkb->devid;
    fe = libxl__dev_frontend_path(gc, &addr);
    if (!fe) return ERROR_NOMEM;
    rc = libxl__device_info_paths(gc, &addr, &info->backend,
                                  &info->backend_id, &info->frontend);
    if (rc) return rc;
    info->state = libxl__device_fe_number(gc, fe, "state");
    info->frontend_id = domid;
    info->evtch = libxl__device_fe_number(gc, fe, "event-channel");
    info->rref = libxl__device_fe_number(gc, fe, "page-gref");
    return 0;
}
