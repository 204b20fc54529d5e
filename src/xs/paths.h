/*
 * xs/paths.h: synchronous xenstore reads through the ctx's libxenstore
 * handle (ctx->xsh) into a per-call allocator, bounded and checked, for
 * values a guest may have written. Lock not needed.
 */
#ifndef LIGHTCORE_XS_PATHS_H
#define LIGHTCORE_XS_PATHS_H

#include <stddef.h>

#include "base/gc.h"
#include "xs/xs.h"

/*
 * The value of path as a string owned by gc, or NULL with errno set:
 * ENOENT (no such node), EINVAL (the value holds a NUL byte or is longer
 * than max bytes: it is not used, whoever wrote it), or the error of the
 * request.
 */
char *libxl__xs_read_checked(libxl__gc *gc, xs_transaction_t t,
                             const char *path, size_t max);

#endif /* LIGHTCORE_XS_PATHS_H */
