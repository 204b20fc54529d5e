/*
 * ops/psr.c: Intel platform shared resource monitoring and allocation
 * (x86 only, as in libxl 4.17). Placeholders for now, except the
 * list_free functions; no state, nothing of another family.
 */
#include <stdlib.h>

#include "ops/not_implemented.h"

#if defined(__i386__) || defined(__x86_64__)

NOT_IMPLEMENTED(libxl_psr_cmt_attach, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t domid))

NOT_IMPLEMENTED(libxl_psr_cmt_detach, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t domid))

NOT_IMPLEMENTED(libxl_psr_cmt_domain_attached, int, 0, ctx,
                (libxl_ctx *ctx, uint32_t domid))

NOT_IMPLEMENTED(libxl_psr_cmt_enabled, int, 0, ctx,
                (libxl_ctx *ctx))

NOT_IMPLEMENTED(libxl_psr_cmt_get_total_rmid, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t *total_rmid))

NOT_IMPLEMENTED(libxl_psr_cmt_get_l3_cache_size, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t socketid, uint32_t *l3_cache_size))

NOT_IMPLEMENTED(libxl_psr_cmt_get_cache_occupancy, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t domid, uint32_t socketid,
                 uint32_t *l3_cache_occupancy))

NOT_IMPLEMENTED(libxl_psr_cmt_type_supported, int, 0, ctx,
                (libxl_ctx *ctx, libxl_psr_cmt_type type))

NOT_IMPLEMENTED(libxl_psr_cmt_get_sample, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t domid, libxl_psr_cmt_type type,
                 uint64_t scope, uint64_t *sample_r, uint64_t *tsc_r))

NOT_IMPLEMENTED(libxl_psr_cat_set_cbm, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t domid, libxl_psr_cbm_type type,
                 libxl_bitmap *target_map, uint64_t cbm))

NOT_IMPLEMENTED(libxl_psr_cat_get_cbm, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t domid, libxl_psr_cbm_type type,
                 uint32_t target, uint64_t *cbm_r))

NOT_IMPLEMENTED(libxl_psr_cat_get_info, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, libxl_psr_cat_info **info, unsigned int *nr,
                 unsigned int lvl))

NOT_IMPLEMENTED(libxl_psr_cat_get_l3_info, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, libxl_psr_cat_info **info, int *nr))

NOT_IMPLEMENTED(libxl_psr_set_val, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t domid, libxl_psr_type type,
                 libxl_bitmap *target_map, uint64_t val))

NOT_IMPLEMENTED(libxl_psr_get_val, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t domid, libxl_psr_type type,
                 unsigned int target, uint64_t *val))

NOT_IMPLEMENTED(libxl_psr_get_hw_info, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, libxl_psr_feat_type type, unsigned int lvl,
                 unsigned int *nr, libxl_psr_hw_info **info))

/* The lists this family returns. */

void libxl_psr_cat_info_list_free(libxl_psr_cat_info *list, int nr)
{
    if (!list) return;
    for (int i = 0; i < nr; i++)
        libxl_psr_cat_info_dispose(&list[i]);
    free(list);
}

void libxl_psr_hw_info_list_free(libxl_psr_hw_info *list, unsigned int nr)
{
    if (!list) return;
    for (unsigned int i = 0; i < nr; i++)
        libxl_psr_hw_info_dispose(&list[i]);
    free(list);
}

#endif /* x86 */
