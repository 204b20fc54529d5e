/*
 * base/pool.c: the bump allocator of base/pool.h.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/pool.h"

struct libxl__pool_chunk {
    libxl__pool_chunk *next;
    _Alignas(16) char data[];
};

#define POOL_CHUNK 4096

void libxl__pool_init(libxl__pool *p)
{
    p->cur = p->inline_buf;
    p->end = p->inline_buf + sizeof(p->inline_buf);
    p->chunks = NULL;
}

void libxl__pool_dispose(libxl__pool *p)
{
    while (p->chunks) {
        libxl__pool_chunk *c = p->chunks;
        p->chunks = c->next;
        free(c);
    }
    libxl__pool_init(p);
}

void *libxl__pool_zalloc(libxl_ctx *ctx, libxl__pool *p, size_t size)
{
    size_t need = (size + 15) & ~(size_t)15;
    void *mem;

    /* Rounding up, or adding a chunk's header, must not wrap. */
    if (need < size || need > SIZE_MAX - sizeof(libxl__pool_chunk))
        goto nomem;
    if ((size_t)(p->end - p->cur) < need) {
        size_t bytes = need > POOL_CHUNK ? need : POOL_CHUNK;
        libxl__pool_chunk *c = malloc(sizeof(*c) + bytes);
        if (!c) goto nomem;
        c->next = p->chunks;
        p->chunks = c;
        if (need > POOL_CHUNK) {
            /* A big block of its own; keep the current chunk for later. */
            memset(c->data, 0, size);
            return c->data;
        }
        p->cur = c->data;
        p->end = c->data + bytes;
    }
    mem = p->cur;
    p->cur += need;
    memset(mem, 0, size);
    return mem;

nomem:
    LOG(ctx, ERROR, "out of memory allocating %zu bytes", size);
    return NULL;
}

char *libxl__pool_vsprintf(libxl_ctx *ctx, libxl__pool *p,
                           const char *fmt, va_list ap)
{
    va_list ap2;
    char *s;
    int n;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) return NULL;
    s = libxl__pool_zalloc(ctx, p, (size_t)n + 1);
    if (!s) return NULL;
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

char *libxl__pool_sprintf(libxl_ctx *ctx, libxl__pool *p,
                          const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = libxl__pool_vsprintf(ctx, p, fmt, ap);
    va_end(ap);
    return s;
}

char *libxl__pool_strdup(libxl_ctx *ctx, libxl__pool *p, const char *s)
{
    size_t len;
    char *copy;

    if (!s) return NULL;
    len = strlen(s);
    copy = libxl__pool_zalloc(ctx, p, len + 1);
    if (copy) memcpy(copy, s, len);
    return copy;
}
