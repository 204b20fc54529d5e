/*
 * xs/paths.h: synchronous xenstore reads through the ctx's libxenstore
 * handle (ctx->xsh) into a per-call allocator, bounded and checked, for
 * values a guest may have written, and removing a node with the
 * directories it leaves empty. Lock not needed.
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

/*
 * Removes path (and everything below it) in transaction t, then each of
 * its parents that is left with an empty value and no children, up to
 * the first that is not (never "/"). 0, or ERROR_FAIL when path could not
 * be removed (ENOENT included), or a parent could not be read (but for
 * ENOENT: a parent already gone ends the walk) or removed (the parents
 * above it stay); errno tells which.
 */
int libxl__xs_path_cleanup(libxl__gc *gc, xs_transaction_t t,
                           const char *path);

/*
 * Writes each key/value pair of kvs (key, value, ..., NULL) as
 * DIR/KEY in t. 0, or ERROR_FAIL (logged with the path) at the first
 * failure.
 */
int libxl__xs_writev(libxl__gc *gc, xs_transaction_t t, const char *dir,
                     const char *const *kvs);

#endif /* LIGHTCORE_XS_PATHS_H */
