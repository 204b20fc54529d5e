/*
 * xs/paths.c: bounded, checked synchronous reads (xs/paths.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
