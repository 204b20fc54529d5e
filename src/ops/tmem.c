/*
 * ops/tmem.c: the transcendent-memory calls libxl 4.17 still exports
 * (libxenctrl 4.17 has no tmem interface left). Placeholders for now; no
 * state, nothing of another family.
 */
#include "ops/not_implemented.h"

NOT_IMPLEMENTED(libxl_tmem_list, char *, NULL, ctx,
                (libxl_ctx *ctx, uint32_t domid, int use_long))

NOT_IMPLEMENTED(libxl_tmem_freeze, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t domid))

NOT_IMPLEMENTED(libxl_tmem_thaw, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t domid))

NOT_IMPLEMENTED(libxl_tmem_set, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t domid, char *name, uint32_t set))

NOT_IMPLEMENTED(libxl_tmem_shared_auth, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t domid, char *uuid, int auth))

NOT_IMPLEMENTED(libxl_tmem_freeable, int, ERROR_NI, ctx,
                (libxl_ctx *ctx))
