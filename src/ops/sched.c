/*
 * ops/sched.c: schedulers and their per-pool, per-domain and per-vcpu
 * parameters (issue 16). Placeholders for now; no state, nothing of
 * another family.
 */
#include "ops/not_implemented.h"

NOT_IMPLEMENTED(libxl_sched_credit_params_get, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t poolid,
                 libxl_sched_credit_params *scinfo))

NOT_IMPLEMENTED(libxl_sched_credit_params_set, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t poolid,
                 libxl_sched_credit_params *scinfo))

NOT_IMPLEMENTED(libxl_sched_credit2_params_get, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t poolid,
                 libxl_sched_credit2_params *scinfo))

NOT_IMPLEMENTED(libxl_sched_credit2_params_set, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t poolid,
                 libxl_sched_credit2_params *scinfo))

NOT_IMPLEMENTED(libxl_domain_sched_params_get, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t domid,
                 libxl_domain_sched_params *params))

NOT_IMPLEMENTED(libxl_domain_sched_params_set, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t domid,
                 const libxl_domain_sched_params *params))

NOT_IMPLEMENTED(libxl_vcpu_sched_params_get, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t domid,
                 libxl_vcpu_sched_params *params))

NOT_IMPLEMENTED(libxl_vcpu_sched_params_get_all, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t domid,
                 libxl_vcpu_sched_params *params))

NOT_IMPLEMENTED(libxl_vcpu_sched_params_set, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t domid,
                 const libxl_vcpu_sched_params *params))

NOT_IMPLEMENTED(libxl_vcpu_sched_params_set_all, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t domid,
                 const libxl_vcpu_sched_params *params))
