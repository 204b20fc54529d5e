/*
 * ctx.h: what the composition root (ctx.c) offers tests. No file of the
 * library includes it.
 */
#ifndef LIGHTCORE_CTX_H
#define LIGHTCORE_CTX_H

#include "libxl.h"

/*
 * For unit tests: a ctx with a lock, logger and every module's state but
 * no hypervisor or xenstore handles (xch and xsh are NULL). Free it with
 * libxl_ctx_free. Returns 0 or ERROR_NOMEM / ERROR_FAIL.
 */
int libxl__ctx_alloc_bare(libxl_ctx **pctx, xentoollog_logger *lg);

#endif /* LIGHTCORE_CTX_H */
