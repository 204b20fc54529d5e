/*
 * dev/devpath.c: strict parsing of device paths (dev/devpath.h).
 */
#include <string.h>

#include "dev/devpath.h"

bool libxl__parse_u32_strict(const char **p, uint32_t *val)
{
    const char *q = *p;
    uint64_t v = 0;

    if (*q < '0' || *q > '9' || (*q == '0' && q[1] >= '0' && q[1] <= '9'))
        return false;
    for (; *q >= '0' && *q <= '9'; q++) {
        v = v * 10 + (uint64_t)(*q - '0');
        if (v > UINT32_MAX) return false;
    }
    *val = (uint32_t)v;
    *p = q;
    return true;
}

static bool skip_literal(const char **p, const char *lit)
{
    size_t n = strlen(lit);
    if (strncmp(*p, lit, n)) return false;
    *p += n;
    return true;
}

bool libxl__backend_path_parse(const char *path, libxl__backend_path *out)
{
    const char *p = path, *kind;
    size_t kind_len;

    if (!skip_literal(&p, "/local/domain/") ||
        !libxl__parse_u32_strict(&p, &out->backend_domid) ||
        !skip_literal(&p, "/backend/"))
        return false;
    kind = p;
    while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')
        p++;
    kind_len = (size_t)(p - kind);
    if (!kind_len || kind_len > LIBXL__DEV_KIND_MAX || *p++ != '/')
        return false;
    memcpy(out->kind, kind, kind_len);
    out->kind[kind_len] = '\0';
    if (!libxl__parse_u32_strict(&p, &out->frontend_domid)) return false;
    out->frontend_dir_len = (size_t)(p - path);
    return *p++ == '/' && libxl__parse_u32_strict(&p, &out->devid) && !*p;
}
