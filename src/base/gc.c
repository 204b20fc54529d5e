/*
 * base/gc.c: the per-call scoped allocator of base/gc.h, a pool with the
 * ctx it logs through.
 */
#include <stdarg.h>

#include "base/gc.h"

void libxl__gc_init(libxl__gc *gc, libxl_ctx *ctx)
{
    gc->ctx = ctx;
    libxl__pool_init(&gc->pool);
}

void libxl__gc_dispose(libxl__gc *gc)
{
    libxl__pool_dispose(&gc->pool);
}

void *libxl__gc_zalloc(libxl__gc *gc, size_t size)
{
    return libxl__pool_zalloc(gc->ctx, &gc->pool, size);
}

char *libxl__gc_sprintf(libxl__gc *gc, const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = libxl__pool_vsprintf(gc->ctx, &gc->pool, fmt, ap);
    va_end(ap);
    return s;
}

char *libxl__gc_strdup(libxl__gc *gc, const char *s)
{
    return libxl__pool_strdup(gc->ctx, &gc->pool, s);
}
