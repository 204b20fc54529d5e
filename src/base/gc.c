/*
 * base/gc.c: the per-call scoped allocator of base/gc.h, a pool with the
 * ctx it logs through.
 */
#include <stdarg.h>
#include <stdlib.h>

#include "base/gc.h"

/* A block malloc'ed elsewhere, freed with the gc; the record itself lives
 * in the pool. */
struct libxl__gc_owned {
    void *ptr;
    libxl__gc_owned *next;
};

void libxl__gc_init(libxl__gc *gc, libxl_ctx *ctx)
{
    gc->ctx = ctx;
    gc->owned = NULL;
    libxl__pool_init(&gc->pool);
}

void libxl__gc_dispose(libxl__gc *gc)
{
    for (libxl__gc_owned *o = gc->owned; o; o = o->next)
        free(o->ptr);
    gc->owned = NULL;
    libxl__pool_dispose(&gc->pool);
}

void *libxl__gc_adopt(libxl__gc *gc, void *ptr)
{
    libxl__gc_owned *o;

    if (!ptr) return NULL;
    o = libxl__pool_zalloc(gc->ctx, &gc->pool, sizeof(*o));
    if (!o) {
        free(ptr);
        return NULL;
    }
    o->ptr = ptr;
    o->next = gc->owned;
    gc->owned = o;
    return ptr;
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
