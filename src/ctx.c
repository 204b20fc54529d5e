/*
 * ctx.c: the composition root. It owns a ctx's allocation (the topmost
 * view of every layer's state, base/ctx_base.h), its hypervisor and
 * xenstore handles, and the module table: every module with per-ctx
 * state, in layer order, set up in that order and disposed in reverse.
 * Nothing includes this file's header but tests; no module names another
 * through it.
 */
#include <stdlib.h>

#include "base/log.h"
#include "base/util.h"
#include "child/child.h"
#include "ctx.h"
#include "ops/ops.h"

/* The whole ctx: every view is a prefix of it. */
typedef struct libxl__ctx_full {
    libxl__ctx_view_ops ops;
} libxl__ctx_full;

static const libxl__module *const modules[] = {
    &libxl__module_ev,
    &libxl__module_xswatch,
    &libxl__module_xsbatch,
    &libxl__module_xs_release,
    &libxl__module_ao,
    &libxl__module_childproc,
    &libxl__module_death,
    &libxl__module_eject,
    &libxl__module_host,
};

/* A zeroed ctx with its lock and every module set up; NULL on failure. */
static libxl_ctx *ctx_new(xentoollog_logger *lg)
{
    libxl_ctx *ctx = calloc(1, sizeof(libxl__ctx_full));

    if (!ctx) return NULL;
    ctx->lg = lg;
    if (libxl__ctx_lock_init(ctx)) {
        free(ctx);
        return NULL;
    }
    CTX_LOCK(ctx);
    for (size_t i = 0; i < ARRAY_SIZE(modules); i++)
        if (modules[i]->init) modules[i]->init(ctx);
    CTX_UNLOCK(ctx);
    return ctx;
}

/* Dispose every module and free ctx. The caller holds the lock, once. */
static void ctx_release(libxl_ctx *ctx)
{
    for (size_t i = ARRAY_SIZE(modules); i-- > 0; )
        if (modules[i]->dispose) modules[i]->dispose(ctx);
    CTX_UNLOCK(ctx);
    /* The modules are gone: the handles they used may go too. */
    if (ctx->xsh) xs_close(ctx->xsh);
    if (ctx->xch) xc_interface_close(ctx->xch);
    pthread_mutex_destroy(&ctx->lock);
    free(ctx);
}

int libxl_ctx_alloc(libxl_ctx **pctx, int version, unsigned flags,
                    xentoollog_logger *lg)
{
    libxl_ctx *ctx = NULL;
    int rc;

    (void)flags; /* none defined */

    if (version != LIBXL_VERSION) {
        rc = ERROR_VERSION;
        goto out;
    }

    ctx = ctx_new(lg);
    if (!ctx) {
        xtl_log(lg, XTL_ERROR, errno, "libxl",
                "%s:%d:%s: cannot allocate a context",
                LIBXL__FILE, __LINE__, __func__);
        rc = ERROR_NOMEM;
        goto out;
    }

    /* child processes: libxenctrl and libxenstore may make an fd without
     * close-on-exec for a moment; no fork() may run meanwhile. */
    libxl__forklock_acquire();
    ctx->xch = xc_interface_open(lg, lg, 0);
    libxl__forklock_release();
    if (!ctx->xch) {
        LOGE(ctx, ERROR, "cannot open the hypervisor interface (libxenctrl);"
             " is this a Xen dom0?");
        rc = ERROR_FAIL;
        goto out;
    }

    libxl__forklock_acquire(); /* as above */
    ctx->xsh = xs_open(0);
    libxl__forklock_release();
    if (!ctx->xsh) {
        LOGE(ctx, ERROR, "cannot connect to xenstored; is it running?");
        rc = ERROR_FAIL;
        goto out;
    }

    *pctx = ctx;
    ctx = NULL;
    rc = 0;

out:
    if (ctx) {
        CTX_LOCK(ctx);
        ctx_release(ctx);
    }
    return rc;
}

int libxl__ctx_alloc_bare(libxl_ctx **pctx, xentoollog_logger *lg)
{
    libxl_ctx *ctx = ctx_new(lg);

    if (!ctx) return ERROR_NOMEM;
    *pctx = ctx;
    return 0;
}

int libxl_ctx_free(libxl_ctx *ctx)
{
    if (!ctx) return 0;
    /* The lock is held from the busy checks to the end of the disposal, so
     * no operation can start in between. */
    CTX_LOCK(ctx);
    for (size_t i = ARRAY_SIZE(modules); i-- > 0; ) {
        if (modules[i]->busy && modules[i]->busy(ctx)) {
            CTX_UNLOCK(ctx);
            return ERROR_INVAL;
        }
    }
    ctx_release(ctx);
    return 0;
}
