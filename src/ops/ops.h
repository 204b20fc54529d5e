/*
 * ops/ops.h: the ctx as the operations see it: every family's per-ctx
 * state on top of the layers below (base/ctx_base.h explains views). A
 * family reaches only its own state (CTX_<FAMILY>), never another's.
 */
#ifndef LIGHTCORE_OPS_OPS_H
#define LIGHTCORE_OPS_OPS_H

#include "evgen/evgen.h"
#include "ops/device.h"
#include "ops/domain_defaults.h"
#include "ops/domain_ops.h"
#include "ops/host.h"

typedef struct libxl__ctx_view_ops {
    libxl__ctx_view_evgen lower;
    libxl__domain_ops_state domain_ops;   /* domain_ops.c */
    libxl__host_state host;               /* host.c */
    libxl__devices_state devices;         /* device_common.c */
    libxl__domain_defaults_state domain_defaults; /* domain_defaults.c */
} libxl__ctx_view_ops;
#define CTX_DOMAIN_OPS(ctx) (&((libxl__ctx_view_ops *)(ctx))->domain_ops)
#define CTX_HOST(ctx)       (&((libxl__ctx_view_ops *)(ctx))->host)
#define CTX_DEVICES(ctx)    (&((libxl__ctx_view_ops *)(ctx))->devices)
#define CTX_DOMAIN_DEFAULTS(ctx) \
    (&((libxl__ctx_view_ops *)(ctx))->domain_defaults)

#endif /* LIGHTCORE_OPS_OPS_H */
