/*
 * ctx.c: library contexts (libxl_ctx_alloc / libxl_ctx_free), the ctx lock,
 * logging through the application's xentoollog logger, and the hypervisor
 * version information. It owns struct libxl__ctx's lifetime and nothing
 * that other modules register on it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

/* ---------------------------------------------------------------- lock */

void libxl__ctx_lock(libxl_ctx *ctx)
{
    int r = pthread_mutex_lock(&ctx->lock);
    if (r) abort(); /* only fails on a corrupt or freed ctx */
}

void libxl__ctx_unlock(libxl_ctx *ctx)
{
    int r = pthread_mutex_unlock(&ctx->lock);
    if (r) abort();
}

/* ------------------------------------------------------------- logging */

void libxl__log(libxl_ctx *ctx, xentoollog_level level, int errnoval,
                const char *file, int line, const char *func,
                uint32_t domid, const char *fmt, ...)
{
    int saved_errno = errno;
    char *msg = NULL;
    char domain_prefix[32] = "";
    va_list ap;

    if (!ctx || !ctx->lg) goto out;

    va_start(ap, fmt);
    int r = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (r < 0) { msg = NULL; goto out; }

    if (domid != LIBXL__NO_DOMID)
        snprintf(domain_prefix, sizeof(domain_prefix), "Domain %u:", domid);

    xtl_log(ctx->lg, level, errnoval, "libxl", "%s:%d:%s: %s%s",
            file, line, func, domain_prefix, msg);

out:
    free(msg);
    errno = saved_errno;
}

/* ----------------------------------------------------------------- ctx */

static void ctx_release(libxl_ctx *ctx)
{
    libxl__childproc_dispose(ctx); /* child processes: before the core */
    libxl__evgens_dispose(ctx);   /* evgens and watches: before the core */
    libxl__ev_state_dispose(ctx); /* event core: before the handles go */
    if (ctx->xsh) xs_close(ctx->xsh);
    if (ctx->xch) xc_interface_close(ctx->xch);
    libxl_version_info_dispose(&ctx->version_info);
    pthread_mutex_destroy(&ctx->lock);
    free(ctx);
}

int libxl_ctx_alloc(libxl_ctx **pctx, int version, unsigned flags,
                    xentoollog_logger *lg)
{
    libxl_ctx *ctx = NULL;
    pthread_mutexattr_t attr;
    int rc;

    (void)flags; /* none defined */

    if (version != LIBXL_VERSION) {
        rc = ERROR_VERSION;
        goto out;
    }

    ctx = calloc(1, sizeof(*ctx));
    if (!ctx) {
        xtl_log(lg, XTL_ERROR, errno, "libxl",
                "%s:%d:%s: cannot allocate a context",
                LIBXL__FILE, __LINE__, __func__);
        rc = ERROR_NOMEM;
        goto out;
    }
    ctx->lg = lg;
    libxl_version_info_init(&ctx->version_info);

    if (pthread_mutexattr_init(&attr) ||
        pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE) ||
        pthread_mutex_init(&ctx->lock, &attr)) {
        LOG(ctx, ERROR, "cannot initialise the context lock");
        free(ctx);
        ctx = NULL;
        rc = ERROR_FAIL;
        goto out;
    }
    pthread_mutexattr_destroy(&attr);
    libxl__ev_state_init(ctx); /* event core: lazy, cannot fail */
    libxl__evgens_init(ctx);   /* watches and evgens: lazy, cannot fail */
    libxl__childproc_init(ctx); /* child processes: lazy, cannot fail */

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

    libxl__forklock_acquire(); /* child processes: as above */
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
    if (ctx) ctx_release(ctx);
    return rc;
}

/* event core: a ctx without hypervisor or xenstore, for unit tests. */
int libxl__ctx_alloc_bare(libxl_ctx **pctx, xentoollog_logger *lg)
{
    pthread_mutexattr_t attr;
    libxl_ctx *ctx = calloc(1, sizeof(*ctx));

    if (!ctx) return ERROR_NOMEM;
    ctx->lg = lg;
    libxl_version_info_init(&ctx->version_info);
    if (pthread_mutexattr_init(&attr) ||
        pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE) ||
        pthread_mutex_init(&ctx->lock, &attr)) {
        free(ctx);
        return ERROR_FAIL;
    }
    pthread_mutexattr_destroy(&attr);
    libxl__ev_state_init(ctx);
    libxl__evgens_init(ctx);   /* watches and evgens */
    libxl__childproc_init(ctx); /* child processes */
    *pctx = ctx;
    return 0;
}

int libxl_ctx_free(libxl_ctx *ctx)
{
    if (!ctx) return 0;
    /* asynchronous operations (ao.h): refuse while any is in flight */
    if (libxl__ao_ctx_busy(ctx)) return ERROR_INVAL;
    ctx_release(ctx);
    return 0;
}

/* ------------------------------------------------------ version info */

/* Ask the hypervisor one string-valued XENVER_ question. NULL on error. */
static char *xen_version_string(libxl_ctx *ctx, int cmd, size_t size)
{
    char *buf = calloc(1, size + 1);
    if (!buf) return NULL;
    if (xc_version(ctx->xch, cmd, buf) < 0) {
        LOGE(ctx, ERROR, "xen_version query %d failed", cmd);
        free(buf);
        return NULL;
    }
    buf[size] = '\0';
    return buf;
}

/* The build id as lowercase hex; "" if the hypervisor has none. */
static char *xen_build_id(libxl_ctx *ctx)
{
    enum { MAX_ID = 1024 };
    xen_build_id_t *id = calloc(1, sizeof(*id) + MAX_ID);
    char *hex = NULL;
    int r;

    if (!id) return NULL;
    id->len = MAX_ID;
    r = xc_version(ctx->xch, XENVER_build_id, id);
    if (r < 0) {
        hex = strdup("");
        goto out;
    }
    hex = calloc(1, (size_t)r * 2 + 1);
    if (!hex) goto out;
    for (int i = 0; i < r; i++)
        snprintf(hex + 2 * i, 3, "%02hhx", id->buf[i]);
out:
    free(id);
    return hex;
}

static int fill_version_info(libxl_ctx *ctx, libxl_version_info *info)
{
    xen_extraversion_t extra;
    xen_compile_info_t compile;
    xen_platform_parameters_t platform;
    int version, pagesize;

    version = xc_version(ctx->xch, XENVER_version, NULL);
    if (version < 0) {
        LOGE(ctx, ERROR, "cannot read the hypervisor version");
        return ERROR_FAIL;
    }
    info->xen_version_major = version >> 16;
    info->xen_version_minor = version & 0xffff;

    memset(&extra, 0, sizeof(extra));
    memset(&compile, 0, sizeof(compile));
    memset(&platform, 0, sizeof(platform));
    if (xc_version(ctx->xch, XENVER_extraversion, &extra) < 0 ||
        xc_version(ctx->xch, XENVER_compile_info, &compile) < 0 ||
        xc_version(ctx->xch, XENVER_platform_parameters, &platform) < 0) {
        LOGE(ctx, ERROR, "cannot read the hypervisor build information");
        return ERROR_FAIL;
    }
    pagesize = xc_version(ctx->xch, XENVER_pagesize, NULL);
    if (pagesize < 0) {
        LOGE(ctx, ERROR, "cannot read the hypervisor page size");
        return ERROR_FAIL;
    }

#define DUP_FIELD(dst, src) \
    ((dst) = strndup((src), sizeof(src)))
    DUP_FIELD(info->xen_version_extra, extra);
    DUP_FIELD(info->compiler, compile.compiler);
    DUP_FIELD(info->compile_by, compile.compile_by);
    DUP_FIELD(info->compile_domain, compile.compile_domain);
    DUP_FIELD(info->compile_date, compile.compile_date);
#undef DUP_FIELD
    info->virt_start = platform.virt_start;
    info->pagesize = pagesize;
    info->capabilities = xen_version_string(ctx, XENVER_capabilities,
                                            sizeof(xen_capabilities_info_t));
    info->changeset = xen_version_string(ctx, XENVER_changeset,
                                         sizeof(xen_changeset_info_t));
    info->commandline = xen_version_string(ctx, XENVER_commandline,
                                           sizeof(xen_commandline_t));
    info->build_id = xen_build_id(ctx);

    if (!info->xen_version_extra || !info->compiler || !info->compile_by ||
        !info->compile_domain || !info->compile_date || !info->capabilities ||
        !info->changeset || !info->commandline || !info->build_id) {
        LOG(ctx, ERROR, "cannot collect the hypervisor version information");
        return ERROR_FAIL;
    }
    return 0;
}

const libxl_version_info *libxl_get_version_info(libxl_ctx *ctx)
{
    const libxl_version_info *result = NULL;

    CTX_LOCK(ctx);
    if (!ctx->have_version_info) {
        libxl_version_info fresh;
        libxl_version_info_init(&fresh);
        if (fill_version_info(ctx, &fresh)) {
            libxl_version_info_dispose(&fresh);
            goto out;
        }
        ctx->version_info = fresh;
        ctx->have_version_info = true;
    }
    result = &ctx->version_info;
out:
    CTX_UNLOCK(ctx);
    return result;
}
