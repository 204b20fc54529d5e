/*
 * base/ctx_base.h: the part of the library context that every layer may
 * touch (the application's logger, the hypervisor and xenstore handles,
 * the ctx lock) and the way each layer above hangs its own state off the
 * ctx without knowing the layers above it.
 *
 * Layered state. struct libxl__ctx holds only what is declared here. Each
 * layer with per-ctx state declares a "view": a struct whose first member
 * is the view of the layer below, followed by its own state, e.g.
 *
 *     typedef struct { libxl__ctx_view_xs lower; libxl__ao_state ao; }
 *         libxl__ctx_view_ao;
 *     #define CTX_AO(ctx) (&((libxl__ctx_view_ao *)(ctx))->ao)
 *
 * The composition root (ctx.c) allocates the topmost view, so a
 * libxl_ctx * points at every view at once (C11 6.7.2.1: a pointer to a
 * struct, suitably converted, points to its first member). Only ctx.c
 * knows the full size; nothing else may allocate or copy a ctx.
 */
#ifndef LIGHTCORE_BASE_CTX_BASE_H
#define LIGHTCORE_BASE_CTX_BASE_H

#include <pthread.h>
#include <stdbool.h>

#include <xenctrl.h>
#include <xenstore.h>

#include "libxl.h"

struct libxl__ctx {
    xentoollog_logger *lg;        /* the application's logger; not owned */
    xc_interface *xch;            /* hypervisor handle */
    struct xs_handle *xsh;        /* xenstore connection */

    /* Recursive. Protects every field of every layer's view of this ctx.
     * Application callbacks are never made with it held. */
    pthread_mutex_t lock;
};

#define CTX_LOCK(ctx)   libxl__ctx_lock(ctx)
#define CTX_UNLOCK(ctx) libxl__ctx_unlock(ctx)
void libxl__ctx_lock(libxl_ctx *ctx);
void libxl__ctx_unlock(libxl_ctx *ctx);

/* Initialise the recursive lock; 0 or ERROR_FAIL. */
int libxl__ctx_lock_init(libxl_ctx *ctx);

/*
 * One module's part in a ctx's life (the module table in ctx.c lists them
 * in layer order). Every member may be NULL.
 *  - init: set up the module's state in a zeroed ctx. Cannot fail:
 *    everything that can fail is done lazily, at first use.
 *  - busy: true (and logged) if the ctx must not be freed now.
 *  - dispose: release everything; make no callback. Idempotent.
 * ctx.c calls init in table order and busy / dispose (in reverse order)
 * with the ctx lock held, from the one thread that allocates or frees it.
 */
typedef struct libxl__module {
    const char *name;
    void (*init)(libxl_ctx *ctx);
    bool (*busy)(libxl_ctx *ctx);
    void (*dispose)(libxl_ctx *ctx);
} libxl__module;

#endif /* LIGHTCORE_BASE_CTX_BASE_H */
