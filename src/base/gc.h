/*
 * base/gc.h: the per-call scoped allocator. A synchronous library function
 * declares one with GC_INIT(ctx) and allocates its paths and temporaries
 * from it; everything is freed when the function's scope is left, by
 * whatever return. Asynchronous operations have one per ao (the ao's
 * lifetime: libxl__ao_gc in ao/ao.h) and per sub-operation, so helpers
 * that take a libxl__gc * serve both.
 *
 * Never hand gc memory to the application or keep it past the owner's
 * lifetime: copy with malloc what must outlive it. A gc belongs to one
 * thread at a time; it takes no lock.
 */
#ifndef LIGHTCORE_BASE_GC_H
#define LIGHTCORE_BASE_GC_H

#include "base/pool.h"

typedef struct libxl__gc_owned libxl__gc_owned;
typedef struct libxl__gc {
    libxl_ctx *ctx;                   /* for logging; read-only */
    libxl__pool pool;                 /* private */
    libxl__gc_owned *owned;           /* private: libxl__gc_adopt */
} libxl__gc;

void libxl__gc_init(libxl__gc *gc, libxl_ctx *ctx);
/* Free everything allocated from gc (idempotent). */
void libxl__gc_dispose(libxl__gc *gc);

/* GC_INIT(ctx) declares `gc` (a libxl__gc *) in the current scope,
 * disposed automatically when the scope is left. */
#define GC_INIT(ctx_)                                                       \
    __attribute__((cleanup(libxl__gc_dispose))) libxl__gc gc_storage_;     \
    libxl__gc *const gc = (libxl__gc_init(&gc_storage_, (ctx_)), &gc_storage_)
#define CTX (gc->ctx)

/* Zeroed memory; NULL (logged) when out of memory. */
void *libxl__gc_zalloc(libxl__gc *gc, size_t size);
/* A formatted string; NULL (logged) when out of memory. */
char *libxl__gc_sprintf(libxl__gc *gc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A copy of s; NULL for NULL or when out of memory. */
char *libxl__gc_strdup(libxl__gc *gc, const char *s);

/* Make gc own ptr, malloc'ed elsewhere (a libxenstore result, say): it is
 * freed with the gc. Returns ptr; NULL for NULL. When out of memory, ptr
 * is freed at once and NULL returned (logged), so callers only check for
 * NULL. */
void *libxl__gc_adopt(libxl__gc *gc, void *ptr);

/* The usual spellings inside a function that has `gc`. */
#define GCSPRINTF(...) libxl__gc_sprintf(gc, __VA_ARGS__)
#define GCZALLOC(size) libxl__gc_zalloc(gc, (size))
#define GCNEW(ptr)     ((ptr) = libxl__gc_zalloc(gc, sizeof(*(ptr))))

#endif /* LIGHTCORE_BASE_GC_H */
