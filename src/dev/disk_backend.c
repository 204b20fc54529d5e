/*
 * dev/disk_backend.c: libxl_string_to_backend, a disk backend's name as
 * xl's old disk syntax spells it into libxl_disk_backend.
 */
#include <string.h>

#include "libxl_utils.h"

/*
 * "phy", "file" (tap), "qdisk" and "standalone"; any other text leaves
 * *backend alone and returns 0, as in libxl. libxl's "tap:TYPE" branch is
 * reached only by exactly "tap", whose missing ':' is ERROR_INVAL: so
 * "tap:vhd" is another unknown text. Kept as it is.
 */
int libxl_string_to_backend(libxl_ctx *ctx, char *s,
                            libxl_disk_backend *backend)
{
    (void)ctx;
    if (!strcmp(s, "phy"))
        *backend = LIBXL_DISK_BACKEND_PHY;
    else if (!strcmp(s, "file"))
        *backend = LIBXL_DISK_BACKEND_TAP;
    else if (!strcmp(s, "qdisk"))
        *backend = LIBXL_DISK_BACKEND_QDISK;
    else if (!strcmp(s, "standalone"))
        *backend = LIBXL_DISK_BACKEND_STANDALONE;
    else if (!strcmp(s, "tap"))
        return ERROR_INVAL;
    return 0;
}
