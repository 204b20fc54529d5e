/*
 * ops/tmem.c: the transcendent-memory calls libxl 4.17 still exports
 * although Xen no longer has tmem (nor libxenctrl an interface to it): as
 * in libxl, each logs that it cannot, with errno as the caller left it,
 * and fails. No state, nothing of another family.
 */
#include "base/log.h"

char *libxl_tmem_list(libxl_ctx *ctx, uint32_t domid, int use_long)
{
    (void)use_long;
    LOGED(ctx, ERROR, domid, "Can not get tmem list");
    return NULL;
}

int libxl_tmem_freeze(libxl_ctx *ctx, uint32_t domid)
{
    LOGED(ctx, ERROR, domid, "Can not freeze tmem pools");
    return ERROR_FAIL;
}

int libxl_tmem_thaw(libxl_ctx *ctx, uint32_t domid)
{
    LOGED(ctx, ERROR, domid, "Can not thaw tmem pools");
    return ERROR_FAIL;
}

int libxl_tmem_set(libxl_ctx *ctx, uint32_t domid, char *name, uint32_t set)
{
    (void)set;
    LOGED(ctx, ERROR, domid, "Can not set tmem %s", name);
    return ERROR_FAIL;
}

int libxl_tmem_shared_auth(libxl_ctx *ctx, uint32_t domid, char *uuid,
                           int auth)
{
    (void)uuid; (void)auth;
    LOGED(ctx, ERROR, domid, "Can not set tmem shared auth");
    return ERROR_FAIL;
}

int libxl_tmem_freeable(libxl_ctx *ctx)
{
    LOGE(ctx, ERROR, "Can not get tmem freeable memory");
    return ERROR_FAIL;
}
