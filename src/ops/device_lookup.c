/*
 * ops/device_lookup.c: the numbers a guest publishes in its frontend
 * directory (state, event channel, ring reference...), read the way
 * libxl 4.17's _getinfo calls read them (ops/device.h). Reads only; no
 * state.
 */
#include <stdlib.h>

#include "ops/device.h"
#include "xs/paths.h"

/* Longest frontend value a _getinfo call looks at (a number). */
#define MAX_FE_NUMBER 64

int libxl__device_fe_number(libxl__gc *gc, const char *fe, const char *key)
{
    const char *path = GCSPRINTF("%s/%s", fe, key);
    const char *v = path ? libxl__xs_read_checked(gc, XBT_NULL, path,
                                                  MAX_FE_NUMBER)
                         : NULL;

    /* what libxl makes of it: strtoul, stored in an int (the guest's
     * value is shown as libxl shows it, whatever it wrote) */
    return v ? (int)strtoul(v, NULL, 10) : -1;
}
