/*
 * ops/create.c: building domains (new, from a saved image, soft reset)
 * and reaching their consoles: issue 18. Placeholders for now; no state,
 * nothing of another family.
 */
#include "ops/not_implemented.h"

NOT_IMPLEMENTED(libxl_domain_create_new, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, libxl_domain_config *d_config,
                 uint32_t *domid, const libxl_asyncop_how *ao_how,
                 const libxl_asyncprogress_how *aop_console_how))

NOT_IMPLEMENTED(libxl_domain_create_restore, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, libxl_domain_config *d_config,
                 uint32_t *domid, int restore_fd, int send_back_fd,
                 const libxl_domain_restore_params *params,
                 const libxl_asyncop_how *ao_how,
                 const libxl_asyncprogress_how *aop_console_how))

NOT_IMPLEMENTED(libxl_domain_soft_reset, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, libxl_domain_config *d_config, uint32_t domid,
                 const libxl_asyncop_how *ao_how,
                 const libxl_asyncprogress_how *aop_console_how))

