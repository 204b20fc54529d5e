/*
 * ops/flask.c: the XSM/FLASK security module's calls. Placeholders for
 * now; no state, nothing of another family.
 */
#include "ops/not_implemented.h"

NOT_IMPLEMENTED(libxl_flask_context_to_sid, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, char *buf, size_t len, uint32_t *ssidref))

NOT_IMPLEMENTED(libxl_flask_sid_to_context, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t ssidref, char **buf, size_t *len))

NOT_IMPLEMENTED(libxl_flask_getenforce, int, ERROR_NI, ctx,
                (libxl_ctx *ctx))

NOT_IMPLEMENTED(libxl_flask_setenforce, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, int mode))

NOT_IMPLEMENTED(libxl_flask_loadpolicy, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, void *policy, uint32_t size))
