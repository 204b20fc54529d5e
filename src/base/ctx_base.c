/*
 * base/ctx_base.c: the ctx lock. It owns nothing else of the ctx.
 */
#include <stdlib.h>

#include "base/ctx_base.h"

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

int libxl__ctx_lock_init(libxl_ctx *ctx)
{
    pthread_mutexattr_t attr;
    int rc = ERROR_FAIL;

    if (pthread_mutexattr_init(&attr)) return ERROR_FAIL;
    if (!pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE) &&
        !pthread_mutex_init(&ctx->lock, &attr))
        rc = 0;
    pthread_mutexattr_destroy(&attr);
    return rc;
}
