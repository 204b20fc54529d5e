/*
 * ops/domain_type.c: libxl__domain_type (ops/domain_type.h).
 */
#include <errno.h>
#include <inttypes.h>

#include "base/log.h"
#include "ops/domain_type.h"
#include "xs/paths.h"

/* Longest /libxl/N/type worth parsing. */
#define TYPE_MAX 64

libxl_domain_type libxl__domain_type(libxl__gc *gc, uint32_t domid)
{
    libxl_ctx *ctx = gc->ctx;
    xc_domaininfo_t info;
    libxl_domain_type t;
    const char *path;
    char *value;

    if (xc_domain_getinfolist(ctx->xch, domid, 1, &info) != 1 ||
        info.domain != domid) {
        LOG(ctx, ERROR, "unable to get domain type for domid=%" PRIu32,
            domid);
        return LIBXL_DOMAIN_TYPE_INVALID;
    }
    if (!(info.flags & XEN_DOMINF_hvm_guest))
        return LIBXL_DOMAIN_TYPE_PV;
    path = GCSPRINTF("/libxl/%" PRIu32 "/type", domid);
    if (!path)
        return LIBXL_DOMAIN_TYPE_HVM;
    value = libxl__xs_read_checked(gc, XBT_NULL, path, TYPE_MAX);
    if (!value && errno != EINVAL)     /* EINVAL: there, but not a type */
        LOGE(ctx, ERROR, "xenstore read failed: `%s'", path);
    if (!value || libxl_domain_type_from_string(value, &t)) {
        LOG(ctx, WARN, "unable to get domain type for domid=%" PRIu32
            ", assuming HVM", domid);
        return LIBXL_DOMAIN_TYPE_HVM;
    }
    return t;
}
