/*
 * ops/device_devid.c: the pieces shared by the device kinds numbered by a
 * plain devid (ops/device_devid.h): the next free devid, the backend
 * domain of a backend path, a getinfo's common part, devid_to_device.
 * Reads only the toolstack's own records, never a guest's nodes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "dev/devpath.h"
#include "ops/device_devid.h"
#include "xs/paths.h"

int libxl__device_nextid(libxl__gc *gc, uint32_t domid, libxl__devkind kind)
{
    const char *dir = libxl__dev_records_dir(gc, domid, kind);
    unsigned n = 0;
    char **names;

    if (!dir) return -1;
    names = libxl__gc_adopt(gc, xs_directory(gc->ctx->xsh, XBT_NULL, dir,
                                             &n));
    if (!names || !n) return 0;
    /* the last one xenstore lists (libxl's rule, not the highest) */
    return (int)(strtoul(names[n - 1], NULL, 10) + 1);
}

int libxl__device_backend_domid(libxl__gc *gc, const char *be,
                                uint32_t *domid)
{
    const char *p = be;

    if (!be || strncmp(p, "/local/domain/", 14) ||
        (p += 14, !libxl__parse_u32_strict(&p, domid)) || *p != '/') {
        LOG(gc->ctx, ERROR, "internal error: backend path %s unparseable!",
            be ? be : "(null)");
        return ERROR_FAIL;
    }
    return 0;
}

/* A record's value, malloc'ed; NULL if it has none. */
static char *record_value(libxl__gc *gc, const char *rec, const char *key)
{
    const char *path = GCSPRINTF("%s/%s", rec, key);
    const char *v = path ? libxl__xs_read_checked(gc, XBT_NULL, path, 4096)
                         : NULL;
    return v ? strdup(v) : NULL;
}

int libxl__device_info_paths(libxl__gc *gc, const libxl__devaddr *addr,
                             char **backend, uint32_t *backend_id,
                             char **frontend)
{
    const char *rec = libxl__dev_record_path(gc, addr);

    if (!rec) return ERROR_NOMEM;
    *backend = record_value(gc, rec, "backend");
    if (!*backend) return ERROR_FAIL;
    if (libxl__device_backend_domid(gc, *backend, backend_id))
        return ERROR_FAIL;
    *frontend = record_value(gc, rec, "frontend");
    return 0;
}

int libxl__device_devid_to_device(libxl__gc *gc, const libxl__devtype *dt,
                                  uint32_t domid, int devid, void *dev)
{
    libxl__devaddr addr = { .kind = dt->kind, .backend_kind = dt->kind,
                            .domid = domid, .devid = devid };
    const char *rec = libxl__dev_record_path(gc, &addr);

    dt->init(dev);
    if (!rec) return ERROR_NOMEM;
    if (!libxl__xs_read_checked(gc, XBT_NULL, rec, 4096)) {
        LOGE(gc->ctx, ERROR, "xenstore read failed: `%s'", rec);
        return ERROR_NOTFOUND;
    }
    return libxl__device_from_record(gc, dt, &addr, dev);
}
