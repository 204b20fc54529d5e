/*
 * ops/cpupool.c: cpupools, their names and ids, and moving cpus and
 * domains between them. Placeholders for now, except
 * libxl_cpupoolinfo_list_free; no state, nothing of another family.
 */
#include <stdlib.h>

#include "ops/not_implemented.h"

NOT_IMPLEMENTED(libxl_list_cpupool, libxl_cpupoolinfo *, NULL, ctx,
                (libxl_ctx *ctx, int *nb_pool_out))

NOT_IMPLEMENTED(libxl_get_freecpus, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, libxl_bitmap *cpumap))

NOT_IMPLEMENTED(libxl_cpupool_create, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, const char *name, libxl_scheduler sched,
                 libxl_bitmap cpumap, libxl_uuid *uuid, uint32_t *poolid))

NOT_IMPLEMENTED(libxl_cpupool_destroy, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t poolid))

NOT_IMPLEMENTED(libxl_cpupool_rename, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, const char *name, uint32_t poolid))

NOT_IMPLEMENTED(libxl_cpupool_cpuadd, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t poolid, int cpu))

NOT_IMPLEMENTED(libxl_cpupool_cpuadd_node, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t poolid, int node, int *cpus))

NOT_IMPLEMENTED(libxl_cpupool_cpuadd_cpumap, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t poolid, const libxl_bitmap *cpumap))

NOT_IMPLEMENTED(libxl_cpupool_cpuremove, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t poolid, int cpu))

NOT_IMPLEMENTED(libxl_cpupool_cpuremove_node, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t poolid, int node, int *cpus))

NOT_IMPLEMENTED(libxl_cpupool_cpuremove_cpumap, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t poolid, const libxl_bitmap *cpumap))

NOT_IMPLEMENTED(libxl_cpupool_movedomain, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t poolid, uint32_t domid))

NOT_IMPLEMENTED(libxl_cpupool_info, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, libxl_cpupoolinfo *info, uint32_t poolid))

NOT_IMPLEMENTED(libxl_cpupool_qualifier_to_cpupoolid, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, const char *p, uint32_t *poolid_r,
                 int *was_name_r))

NOT_IMPLEMENTED(libxl_name_to_cpupoolid, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, const char *name, uint32_t *poolid))

NOT_IMPLEMENTED(libxl_cpupoolid_to_name, char *, NULL, ctx,
                (libxl_ctx *ctx, uint32_t poolid))

NOT_IMPLEMENTED(libxl_cpupoolid_is_valid, int, 0, ctx,
                (libxl_ctx *ctx, uint32_t poolid))

/* The lists this family returns. */

void libxl_cpupoolinfo_list_free(libxl_cpupoolinfo *list, int nb_pool)
{
    if (!list) return;
    for (int i = 0; i < nb_pool; i++)
        libxl_cpupoolinfo_dispose(&list[i]);
    free(list);
}
