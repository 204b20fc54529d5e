/*
 * ops/flask.c: the FLASK security module's calls, passed to the
 * hypervisor through libxenctrl as libxl 4.17 passes them: their results
 * are libxenctrl's (-1 and errno on failure; ENOSYS from a hypervisor
 * built without XSM, as Debian's is). No state, nothing of another family.
 */
#include <stdlib.h>
#include <string.h>

#include "base/ctx_base.h"

int libxl_flask_context_to_sid(libxl_ctx *ctx, char *buf, size_t len,
                               uint32_t *ssidref)
{
    return xc_flask_context_to_sid(ctx->xch, buf, (uint32_t)len, ssidref);
}

int libxl_flask_sid_to_context(libxl_ctx *ctx, uint32_t ssidref,
                               char **buf, size_t *len)
{
    /* one byte more than the hypervisor may fill: always terminated */
    char context[XC_PAGE_SIZE + 1];
    int r;

    memset(context, 0, sizeof(context));
    r = xc_flask_sid_to_context(ctx->xch, (int)ssidref, context,
                                XC_PAGE_SIZE);
    if (!r) {
        *len = strlen(context);
        *buf = strdup(context);
    }
    return r;
}

int libxl_flask_getenforce(libxl_ctx *ctx)
{
    return xc_flask_getenforce(ctx->xch);
}

int libxl_flask_setenforce(libxl_ctx *ctx, int mode)
{
    return xc_flask_setenforce(ctx->xch, mode);
}

int libxl_flask_loadpolicy(libxl_ctx *ctx, void *policy, uint32_t size)
{
    return xc_flask_load(ctx->xch, policy, size);
}
