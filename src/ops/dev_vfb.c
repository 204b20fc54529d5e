/*
 * ops/dev_vfb.c: virtual framebuffers (vfb, served by QEMU): their device
 * type for the generic machinery (libxl 4.17's synchronous add: nodes
 * only; the VNC and SDL settings it writes for QEMU), and
 * libxl_device_vfb_add / _remove / _destroy, with libxl's results.
 */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "ops/device.h"
#include "ops/device_devid.h"

/* ------------------------------------------------------------ entries */

#define F(field) offsetof(libxl_device_vfb, field)
#define A(field) offsetof(libxl__devaddr, field)
#define BACK LIBXL__DEVENT_BACK
#define FRONT LIBXL__DEVENT_FRONT
#define WO LIBXL__DEVENT_WRITE_ONLY

/* Never read back: libxl has no vfb list. Strings left NULL are left out
 * (vnclisten without VNC, vncpasswd, xauthority, display). */
static const libxl__dev_entry vfb_entries[] = {
    { "frontend-id", BACK, A(domid), &libxl__devc_u32, NULL,
      LIBXL__DEVENT_ADDR, NULL },
    { "online", BACK, 0, &libxl__devc_fixed, "1", 0, NULL },
    { "state", BACK, 0, &libxl__devc_fixed, "1", 0, NULL },
    { "vnc", BACK, F(vnc.enable), &libxl__devc_defbool01, NULL, WO, NULL },
    { "vnclisten", BACK, F(vnc.listen), &libxl__devc_string, NULL, WO,
      NULL },
    { "vncpasswd", BACK, F(vnc.passwd), &libxl__devc_string, NULL, WO,
      NULL },
    { "vncdisplay", BACK, F(vnc.display), &libxl__devc_int, NULL, WO,
      NULL },
    { "vncunused", BACK, F(vnc.findunused), &libxl__devc_defbool01, NULL,
      WO, NULL },
    { "sdl", BACK, F(sdl.enable), &libxl__devc_defbool01, NULL, WO, NULL },
    { "opengl", BACK, F(sdl.opengl), &libxl__devc_defbool01, NULL, WO,
      NULL },
    { "xauthority", BACK, F(sdl.xauthority), &libxl__devc_string, NULL, WO,
      NULL },
    { "display", BACK, F(sdl.display), &libxl__devc_string, NULL, WO,
      NULL },
    /* the frontend's own */
    { "backend-id", FRONT, A(backend_domid), &libxl__devc_u32, NULL,
      LIBXL__DEVENT_ADDR, NULL },
    { "state", FRONT, 0, &libxl__devc_fixed, "1", 0, NULL },
};
#undef F
#undef A

/* ------------------------------------------------------------ devtype */

static int vfb_setdefault(libxl__gc *gc, uint32_t domid,
                          libxl_domain_type type, void *dev, bool hotplug)
{
    libxl_device_vfb *vfb = dev;
    (void)domid; (void)type; (void)hotplug;

    libxl_defbool_setdefault(&vfb->vnc.enable, true);
    if (libxl_defbool_val(vfb->vnc.enable)) {
        if (!vfb->vnc.listen) {
            vfb->vnc.listen = strdup("127.0.0.1");
            if (!vfb->vnc.listen) return ERROR_NOMEM;
        }
        libxl_defbool_setdefault(&vfb->vnc.findunused, true);
    } else {
        libxl_defbool_setdefault(&vfb->vnc.findunused, false);
    }
    libxl_defbool_setdefault(&vfb->sdl.enable, false);
    libxl_defbool_setdefault(&vfb->sdl.opengl, false);
    if (!vfb->backend_domname) return 0;
    return libxl_domain_qualifier_to_domid(gc->ctx, vfb->backend_domname,
                                           &vfb->backend_domid);
}

static int vfb_update_devid(libxl__gc *gc, uint32_t domid, void *dev)
{
    libxl_device_vfb *vfb = dev;

    if (vfb->devid == -1)
        vfb->devid = libxl__device_nextid(gc, domid, LIBXL__DEVKIND_VFB);
    return vfb->devid < 0 ? ERROR_FAIL : 0;
}

static const libxl__devtype vfb_type = {
    .name = "vfb",
    .kind = LIBXL__DEVKIND_VFB,
    .size = sizeof(libxl_device_vfb),
    .cfg_array = offsetof(libxl_domain_config, vfbs),
    .cfg_num = offsetof(libxl_domain_config, num_vfbs),
    .init = (void (*)(void *))libxl_device_vfb_init,
    .dispose = (void (*)(void *))libxl_device_vfb_dispose,
    .copy = (void (*)(libxl_ctx *, void *, const void *))
            libxl_device_vfb_copy,
    .setdefault = vfb_setdefault,
    .update_devid = vfb_update_devid,
    .backend_domid_off = offsetof(libxl_device_vfb, backend_domid),
    .devid_off = offsetof(libxl_device_vfb, devid),
    .entries = LIBXL__DEV_ENTRIES(vfb_entries),
    .hotplug = LIBXL__HOTPLUG_NONE,
    .add_nodes_only = true,
};

/* --------------------------------------------------- public functions */

int libxl_device_vfb_add(libxl_ctx *ctx, uint32_t domid,
                         libxl_device_vfb *vfb,
                         const libxl_asyncop_how *ao_how)
{
    return libxl__device_add(ctx, domid, &vfb_type, vfb, ao_how);
}

int libxl_device_vfb_remove(libxl_ctx *ctx, uint32_t domid,
                            libxl_device_vfb *vfb,
                            const libxl_asyncop_how *ao_how)
{
    return libxl__device_remove(ctx, domid, &vfb_type, vfb,
                                LIBXL__FORCE_AUTO, ao_how);
}

int libxl_device_vfb_destroy(libxl_ctx *ctx, uint32_t domid,
                             libxl_device_vfb *vfb,
                             const libxl_asyncop_how *ao_how)
{
    return libxl__device_remove(ctx, domid, &vfb_type, vfb,
                                LIBXL__FORCE_ON, ao_how);
}
