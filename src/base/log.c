/*
 * base/log.c: libxl__log, the one way the library writes to the
 * application's logger.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/log.h"

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

    /* as libxl: only a guest's id (not dom0's, nor a reserved one) */
    if (domid > 0 && domid < DOMID_FIRST_RESERVED)
        snprintf(domain_prefix, sizeof(domain_prefix), "Domain %u:", domid);

    xtl_log(ctx->lg, level, errnoval, "libxl", "%s:%d:%s: %s%s",
            file, line, func, domain_prefix, msg);

out:
    free(msg);
    errno = saved_errno;
}
