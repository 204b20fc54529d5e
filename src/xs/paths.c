/*
 * xs/paths.c: bounded, checked synchronous reads, path clean-up and
 * multiple writes (xs/paths.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "xs/paths.h"

char *libxl__xs_read_checked(libxl__gc *gc, xs_transaction_t t,
                             const char *path, size_t max)
{
    unsigned int len = 0;
    char *value = libxl__gc_adopt(gc, xs_read(gc->ctx->xsh, t, path, &len));

    if (!value) return NULL;   /* errno from xs_read, or ENOMEM */
    if (len > max || strlen(value) != len) {
        errno = EINVAL;
        return NULL;
    }
    return value;
}

/* Whether dir exists with no children and an empty value. The children
 * are asked for first: the parents a clean-up walks up to usually still
 * have some, and then one request settles it. */
static int empty_dir(libxl__gc *gc, xs_transaction_t t, const char *dir)
{
    struct xs_handle *xsh = gc->ctx->xsh;
    unsigned int len = 0, n = 0;
    char **children = xs_directory(xsh, t, dir, &n);
    char *value;

    if (!children) return -1;
    free(children);
    if (n) return 0;
    value = xs_read(xsh, t, dir, &len);
    if (!value) return -1;
    free(value);
    return len == 0;
}

int libxl__xs_path_cleanup(libxl__gc *gc, xs_transaction_t t,
                           const char *path)
{
    struct xs_handle *xsh = gc->ctx->xsh;
    char *p = libxl__gc_strdup(gc, path), *slash;

    if (!p) return ERROR_NOMEM;
    if (!xs_rm(xsh, t, p)) {
        if (errno != ENOENT)
            LOGE(gc->ctx, DEBUG, "unable to remove path %s", p);
        return ERROR_FAIL;
    }
    while ((slash = strrchr(p, '/')) && slash != p) {
        int empty;

        *slash = '\0';
        empty = empty_dir(gc, t, p);
        if (empty < 0 && errno != ENOENT) {
            LOGE(gc->ctx, DEBUG, "unable to read path %s", p);
            return ERROR_FAIL;
        }
        if (empty != 1) break;
        if (!xs_rm(xsh, t, p)) {
            if (errno != ENOENT)
                LOGE(gc->ctx, DEBUG, "unable to remove path %s", p);
            return ERROR_FAIL;
        }
    }
    return 0;
}

int libxl__xs_writev(libxl__gc *gc, xs_transaction_t t, const char *dir,
                     const char *const *kvs)
{
    for (; kvs && kvs[0]; kvs += 2) {
        const char *path = libxl__gc_sprintf(gc, "%s/%s", dir, kvs[0]);

        if (!path) return ERROR_NOMEM;
        if (!xs_write(gc->ctx->xsh, t, path, kvs[1], strlen(kvs[1]))) {
            LOGE(gc->ctx, ERROR, "unable to write %s", path);
            return ERROR_FAIL;
        }
    }
    return 0;
}
