/*
 * ops/host.h: what the host information family (host.c:
 * libxl_get_version_info) keeps per ctx.
 */
#ifndef LIGHTCORE_OPS_HOST_H
#define LIGHTCORE_OPS_HOST_H

#include <stdbool.h>

#include "libxl.h"

#include "base/ctx_base.h"

/* Per-ctx state (CTX_HOST(ctx), ops/ops.h). */
typedef struct libxl__host_state {
    /* Filled on the first libxl_get_version_info, then constant. */
    libxl_version_info version_info;
    bool have_version_info;
} libxl__host_state;

extern const libxl__module libxl__module_host;

#endif /* LIGHTCORE_OPS_HOST_H */
