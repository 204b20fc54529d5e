/*
 * ops/need_memory.c: libxl_domain_need_memory, how much free memory the
 * host must have to build a configuration, in its current form (which
 * defaults the caller's configuration in place) and its two old forms
 * (which default a copy of the build info only). The defaults and the sum
 * are ops/domain_defaults.c's; this file owns no state.
 */
#include <inttypes.h>

#include "libxl.h"

#include "base/gc.h"
#include "base/log.h"
#include "ops/domain_defaults.h"

int libxl_domain_need_memory(libxl_ctx *ctx, libxl_domain_config *config,
                             uint32_t domid_for_logging, uint64_t *need_memkb)
{
    GC_INIT(ctx);
    int rc;

    libxl__domain_defaults_note_need_memory(ctx, false);
    rc = libxl__domain_config_setdefault(gc, config, domid_for_logging);
    if (rc) return rc;
    return libxl__domain_need_memory_calculate(gc, &config->b_info,
                                               need_memkb);
}

int libxl_domain_need_memory_0x041200(libxl_ctx *ctx,
                                      const libxl_domain_build_info *b_info_in,
                                      uint64_t *need_memkb)
{
    GC_INIT(ctx);
    libxl_domain_build_info b_info;
    int rc;

    libxl__domain_defaults_note_need_memory(ctx, true);
    libxl_domain_build_info_init(&b_info);
    libxl_domain_build_info_copy(ctx, &b_info, b_info_in);
    rc = libxl__domain_build_info_setdefault(gc, &b_info);
    if (!rc)
        rc = libxl__domain_need_memory_calculate(gc, &b_info, need_memkb);
    libxl_domain_build_info_dispose(&b_info);
    return rc;
}

/* The 32-bit form of API 0x040700: an amount that does not fit fails. */
int libxl_domain_need_memory_0x040700(libxl_ctx *ctx,
                                      const libxl_domain_build_info *b_info_in,
                                      uint32_t *need_memkb)
{
    uint64_t kb = 0;
    int rc = libxl_domain_need_memory_0x041200(ctx, b_info_in, &kb);

    if (rc)
        return rc;
    *need_memkb = (uint32_t)kb;
    if (*need_memkb != kb) {
        LOGE(ctx, ERROR, "memory size %"PRIu64" too large for 32 bit value\n",
             kb);
        return ERROR_FAIL;
    }
    return 0;
}
