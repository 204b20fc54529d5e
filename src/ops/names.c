/*
 * ops/names.c: domain name and id lookups (libxl_utils.h). It reads xenstore
 * and the domain list; it registers nothing and keeps no state.
 */
#include <stdio.h>
#include <stdlib.h>

#include "base/log.h"
#include "ops/ops.h"
#include "libxl_utils.h"

/* Longest domain name we accept from xenstore (guests cannot write it, but
 * a bound keeps a corrupt store from costing unbounded memory). */
#define MAX_NAME_LEN 1024

char *libxl_domid_to_name(libxl_ctx *ctx, uint32_t domid)
{
    char path[64];
    unsigned int len = 0;
    char *name;

    snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
    name = xs_read(ctx->xsh, XBT_NULL, path, &len);
    if (!name) return NULL;
    if (len > MAX_NAME_LEN || strlen(name) != len) {
        /* Embedded NUL or absurd length: not a usable name. */
        LOGD(ctx, WARN, domid, "ignoring malformed name in xenstore");
        free(name);
        return NULL;
    }
    return name;
}

int libxl_name_to_domid(libxl_ctx *ctx, const char *name, uint32_t *domid)
{
    libxl_dominfo *list;
    int nb = 0, rc = ERROR_INVAL;

    if (!name) return ERROR_INVAL;
    list = libxl_list_domain(ctx, &nb);
    if (!list) return ERROR_FAIL;

    for (int i = 0; i < nb && rc; i++) {
        char *candidate = libxl_domid_to_name(ctx, list[i].domid);
        if (candidate && !strcmp(candidate, name)) {
            *domid = list[i].domid;
            rc = 0;
        }
        free(candidate);
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
