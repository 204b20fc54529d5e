/*
 * base/pool.h: a bump allocator freed all at once. The per-call allocator
 * (base/gc.h), aos and sub-operations (ao/ao.h) are built on it. A pool
 * belongs to one owner; it has no lock of its own.
 */
#ifndef LIGHTCORE_BASE_POOL_H
#define LIGHTCORE_BASE_POOL_H

#include <stdarg.h>
#include <stddef.h>

#include "base/ctx_base.h"

/* Bytes of the first chunk, kept inside the owner (no allocation for
 * users that need only a little memory). */
#define LIBXL__POOL_INLINE 512

typedef struct libxl__pool_chunk libxl__pool_chunk;

/* Private fields. */
typedef struct libxl__pool {
    char *cur, *end;
    libxl__pool_chunk *chunks;        /* malloc'ed chunks, newest first */
    _Alignas(16) char inline_buf[LIBXL__POOL_INLINE];
} libxl__pool;

void libxl__pool_init(libxl__pool *p);
/* Free every block; the pool may then be used again as after _init. */
void libxl__pool_dispose(libxl__pool *p);

/* Zeroed memory, 16-byte aligned, valid until _dispose. NULL when out of
 * memory (logged through ctx, which may be NULL). */
void *libxl__pool_zalloc(libxl_ctx *ctx, libxl__pool *p, size_t size);
/* A formatted string in the pool; NULL when out of memory. */
char *libxl__pool_sprintf(libxl_ctx *ctx, libxl__pool *p,
                          const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
char *libxl__pool_vsprintf(libxl_ctx *ctx, libxl__pool *p,
                           const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
/* A copy of s (NULL gives NULL) in the pool. */
char *libxl__pool_strdup(libxl_ctx *ctx, libxl__pool *p, const char *s);

#endif /* LIGHTCORE_BASE_POOL_H */
