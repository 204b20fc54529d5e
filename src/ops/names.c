/*
 * ops/names.c: domain name and id lookups (libxl_utils.h). It reads xenstore
 * and the domain list; it registers nothing and keeps no state.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/gc.h"
#include "base/log.h"
#include "ops/ops.h"
#include "xs/paths.h"
#include "libxl_utils.h"

/* Longest domain name we accept from xenstore (guests cannot write it, but
 * a bound keeps a corrupt store from costing unbounded memory). */
#define MAX_NAME_LEN 1024

/* domid's name, owned by gc; NULL if it has none (or a malformed one). */
static const char *domid_name(libxl__gc *gc, uint32_t domid)
{
    const char *name = libxl__xs_read_checked(gc, XBT_NULL,
        GCSPRINTF("/local/domain/%u/name", domid), MAX_NAME_LEN);

    if (!name && errno == EINVAL)
        LOGD(CTX, WARN, domid, "ignoring malformed name in xenstore");
    return name;
}

char *libxl_domid_to_name(libxl_ctx *ctx, uint32_t domid)
{
    GC_INIT(ctx);
    const char *name = domid_name(gc, domid);
    return name ? strdup(name) : NULL;
}

int libxl_name_to_domid(libxl_ctx *ctx, const char *name, uint32_t *domid)
{
    libxl_dominfo *list;
    int nb = 0, rc = ERROR_INVAL;

    if (!name) return ERROR_INVAL;
    list = libxl_list_domain(ctx, &nb);
    if (!list) return ERROR_FAIL;

    for (int i = 0; i < nb && rc; i++) {
        GC_INIT(ctx);   /* one per candidate: freed at each iteration */
        const char *candidate = domid_name(gc, list[i].domid);
        if (candidate && !strcmp(candidate, name)) {
            *domid = list[i].domid;
            rc = 0;
        }
    }
    libxl_dominfo_list_free(list, nb);
    return rc;
}

int libxl_domain_qualifier_to_domid(libxl_ctx *ctx, const char *name,
                                    uint32_t *domid)
{
    if (!name || !*name) return ERROR_INVAL;
    if (strspn(name, "0123456789") == strlen(name)) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(name, &end, 10);
        if (errno || v > UINT32_MAX) return ERROR_INVAL;
        *domid = (uint32_t)v;
        return 0;
    }
    return libxl_name_to_domid(ctx, name, domid);
}
