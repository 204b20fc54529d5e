/*
 * ops/vcpu_online.c: libxl_set_vcpuonline, which vcpus a guest should
 * have online. A PV or PVH guest (and an HVM guest of the traditional
 * device model) is told through xenstore, cpu/N/availability, which its
 * kernel watches; an HVM guest of upstream QEMU needs QEMU's monitor
 * (not here yet: ERROR_NI). Nothing of another family, no state.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xenctrl.h>
#include <xenstore.h>

#include "base/gc.h"
#include "base/log.h"
#include "ops/ops.h"
#include "xs/paths.h"

#include "libxl_utils.h"

/* Longest /libxl/N/type or dm-version worth parsing. */
#define XS_NAME_MAX 64

/*
 * The domain's type as libxl works it out: the hypervisor's HVM flag,
 * then (HVM container) /libxl/N/type, HVM when that is missing or
 * unreadable; LIBXL_DOMAIN_TYPE_INVALID (logged) when domid is not there.
 */
static libxl_domain_type domain_type(libxl__gc *gc, uint32_t domid)
{
    libxl_ctx *ctx = gc->ctx;
    xc_domaininfo_t dom;
    libxl_domain_type t;
    const char *path;
    char *value;

    if (xc_domain_getinfolist(ctx->xch, domid, 1, &dom) != 1 ||
        dom.domain != domid) {
        LOG(ctx, ERROR, "unable to get domain type for domid=%u", domid);
        return LIBXL_DOMAIN_TYPE_INVALID;
    }
    if (!(dom.flags & XEN_DOMINF_hvm_guest))
        return LIBXL_DOMAIN_TYPE_PV;

    path = GCSPRINTF("/libxl/%i/type", (int)domid);
    if (!path)
        return LIBXL_DOMAIN_TYPE_HVM;
    value = libxl__xs_read_checked(gc, XBT_NULL, path, XS_NAME_MAX);
    if (!value && errno != EINVAL)     /* EINVAL: there, but not a type */
        LOGE(ctx, ERROR, "xenstore read failed: `%s'", path);
    if (!value || libxl_domain_type_from_string(value, &t)) {
        LOG(ctx, WARN, "unable to get domain type for domid=%u, assuming HVM",
            domid);
        return LIBXL_DOMAIN_TYPE_HVM;
    }
    return t;
}

/* The device model an HVM guest runs: /libxl/N/dm-version, the
 * traditional one when absent, -1 (logged) when not a version. */
static int dm_version(libxl__gc *gc, uint32_t domid)
{
    libxl_ctx *ctx = gc->ctx;
    libxl_device_model_version v;
    const char *path = GCSPRINTF("/libxl/%i/dm-version", (int)domid);
    char *value;

    if (!path)
        return -1;
    value = libxl__xs_read_checked(gc, XBT_NULL, path, XS_NAME_MAX);
    if (!value && errno != EINVAL)
        return LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN_TRADITIONAL;
    if (!value || libxl_device_model_version_from_string(value, &v) < 0) {
        LOGD(ctx, ERROR, domid, "fatal: %s contain a wrong value (%s)", path,
             value ? value : "(unreadable)");
        return -1;
    }
    return v;
}

/*
 * cpu/N/availability for every vcpu up to the highest, "online" for the
 * bits set in cpumap, in one transaction (retried while it conflicts).
 */
static int write_availability(libxl__gc *gc, uint32_t domid,
                              const libxl_bitmap *cpumap, uint32_t max_id)
{
    libxl_ctx *ctx = gc->ctx;
    char *dompath = libxl__gc_adopt(gc, xs_get_domain_path(ctx->xsh, domid));

    if (!dompath) {
        LOGED(ctx, ERROR, domid, "Failed to get dompath");
        return ERROR_FAIL;
    }
    for (;;) {
        xs_transaction_t t = xs_transaction_start(ctx->xsh);

        for (uint32_t i = 0; i <= max_id; i++) {
            const char *path = GCSPRINTF("%s/cpu/%u/availability", dompath, i);
            const char *v = libxl_bitmap_test(cpumap, (int)i) ? "online"
                                                              : "offline";
            if (!path)
                continue;
            if (!xs_write(ctx->xsh, t, path, v, strlen(v)))
                LOGE(ctx, ERROR, "xenstore write failed: `%s' = `%s'", path, v);
        }
        if (xs_transaction_end(ctx->xsh, t, false))
            return 0;
        if (errno != EAGAIN)
            return ERROR_FAIL;
    }
}

int libxl_set_vcpuonline(libxl_ctx *ctx, uint32_t domid, libxl_bitmap *cpumap,
                         const libxl_asyncop_how *ao_how)
{
    AO_CREATE(ctx, domid, ao_how);
    GC_INIT(ctx);
    libxl_dominfo info;
    int rc, want;

    libxl_dominfo_init(&info);
    rc = libxl_domain_info(ctx, &info, domid);
    if (rc < 0) {
        LOGED(ctx, ERROR, domid, "Getting domain info list");
        goto out;
    }

    want = libxl_bitmap_count_set(cpumap);
    if (want == 0) {
        LOGED(ctx, ERROR, domid, "Requested 0 VCPUs!");
        rc = ERROR_FAIL;
        goto out;
    }
    if (want > (int)info.vcpu_max_id + 1) {
        LOGED(ctx, ERROR, domid, "Requested %d VCPUs, however maxcpus is %d!",
              want, (int)info.vcpu_max_id + 1);
        rc = ERROR_FAIL;
        goto out;
    }

    switch (domain_type(gc, domid)) {
    case LIBXL_DOMAIN_TYPE_HVM:
        switch (dm_version(gc, domid)) {
        case LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN_TRADITIONAL:
            break;
        case LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN:
            /* libxl asks QEMU (query-cpus-fast, query-hotpluggable-cpus,
             * device_add per new vcpu) before writing xenstore */
            LOGD(ctx, ERROR, domid, "libxl_set_vcpuonline: vcpus of a guest "
                 "of upstream QEMU are not implemented yet");
            rc = ERROR_NI;
            break;
        default:
            rc = ERROR_INVAL;
        }
        break;
    case LIBXL_DOMAIN_TYPE_PVH:
    case LIBXL_DOMAIN_TYPE_PV:
        break;
    default:
        rc = ERROR_INVAL;
    }

out:
    if (!rc)
        rc = write_availability(gc, domid, cpumap, info.vcpu_max_id);
    libxl_dominfo_dispose(&info);
    libxl__ao_complete(egc, ao, rc);
    return AO_INPROGRESS;
}
