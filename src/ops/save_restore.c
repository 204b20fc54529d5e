/*
 * ops/save_restore.c: suspending a domain to a stream, resuming it,
 * Remus/COLO replication: issue 19. Placeholders for now; no state,
 * nothing of another family.
 */
#include "ops/not_implemented.h"

NOT_IMPLEMENTED(libxl_domain_suspend, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t domid, int fd, int flags,
                 const libxl_asyncop_how *ao_how))

NOT_IMPLEMENTED(libxl_domain_suspend_only, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t domid,
                 const libxl_asyncop_how *ao_how))

NOT_IMPLEMENTED(libxl_domain_resume, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, uint32_t domid, int suspend_cancel,
                 const libxl_asyncop_how *ao_how))

NOT_IMPLEMENTED(libxl_domain_remus_start, int, ERROR_NI, ctx,
                (libxl_ctx *ctx, libxl_domain_remus_info *info, uint32_t domid,
                 int send_fd, int recv_fd, const libxl_asyncop_how *ao_how))
