/*
 * ops/device_list.c: reading a domain's devices of one kind back from
 * the toolstack's records (/libxl/DOMID/device/KIND/DEVID), for every
 * kind (ops/device.h). Each record is read in one batch of requests and
 * decoded through the kind's entry table; names and values are checked,
 * not trusted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "dev/devpath.h"
#include "ops/device.h"
#include "xs/paths.h"

/* The longest value read back from a directory (xenstore's payload). */
#define MAX_VALUE 4096

/* A lookup reading DIR/KEY. */
typedef struct {
    libxl__gc *gc;
    const char *dir;
} dir_reads;

static const char *dir_get(const char *key, void *user)
{
    dir_reads *dr = user;
    libxl__gc *gc = dr->gc;
    const char *path = GCSPRINTF("%s/%s", dr->dir, key);
    const char *v = path ? libxl__xs_read_checked(gc, XBT_NULL, path,
                                                  MAX_VALUE)
                         : NULL;

    if (!v && (!path || errno != ENOENT)) return libxl__dev_lookup_error;
    return v;
}

int libxl__device_read_entries(libxl__gc *gc, const libxl__dev_entries *table,
                               unsigned where, const char *dir, void *dev)
{
    dir_reads dr = { gc, dir };
    return libxl__dev_entries_read(gc, table, where, dev, dir_get, &dr, dir);
}

/* The values of one record, read in one batch: one per entry, then
 * "backend" and "frontend"; any other key (a nested entry's) is read
 * when asked for. */
typedef struct {
    const libxl__dev_entries *table;
    libxl__xs_req *reqs;
    unsigned n;
    dir_reads dir;
} record_reads;

static const char *const record_extra[] = { "backend", "frontend" };
#define N_EXTRA (sizeof(record_extra) / sizeof(record_extra[0]))

static const char *record_key(const record_reads *rr, unsigned i)
{
    return i < rr->table->count ? rr->table->entries[i].key
                                : record_extra[i - rr->table->count];
}

static const char *record_get(const char *key, void *user)
{
    record_reads *rr = user;

    for (unsigned i = 0; i < rr->n; i++) {
        if (!strcmp(record_key(rr, i), key)) {
            const libxl__xs_req *r = &rr->reqs[i];
            if (r->err || !r->data || strlen(r->data) != r->len)
                return NULL;
            return r->data;
        }
    }
    return dir_get(key, &rr->dir);
}

int libxl__device_from_record(libxl__gc *gc, const libxl__devtype *dt,
                              const libxl__devaddr *addr, void *dev)
{
    const char *rec = libxl__dev_record_path(gc, addr);
    const libxl__dev_entries *table = &dt->entries;
    record_reads rr = { table, NULL, table->count + N_EXTRA, { gc, rec } };
    int rc;

    if (!rec) return ERROR_NOMEM;
    rr.reqs = GCZALLOC(rr.n * sizeof(*rr.reqs));
    if (!rr.reqs) return ERROR_NOMEM;
    for (unsigned i = 0; i < rr.n; i++) {
        rr.reqs[i].type = LIBXL__XS_READ;
        rr.reqs[i].path = GCSPRINTF("%s/%s", rec, record_key(&rr, i));
        if (!rr.reqs[i].path) return ERROR_NOMEM;
    }
    libxl__xs_batch(gc->ctx, rr.reqs, rr.n);
    rc = dt->from_record ? dt->from_record(gc, addr, record_get, &rr, dev)
                         : 0;
    if (!rc && !dt->read_where)
        rc = libxl__dev_entries_decode(gc, table, dev, record_get, &rr, rec);
    if (!rc && dt->read_where) {
        /* the directory the toolstack wrote down, not one the guest or
         * the backend names; a backend's must be a backend directory */
        bool back = dt->read_where == LIBXL__DEVENT_BACK;
        const char *key = back ? "backend" : "frontend";
        const char *dir = record_get(key, &rr);
        libxl__backend_path parsed;

        if (!dir || dir == libxl__dev_lookup_error) {
            LOG(gc->ctx, ERROR, "xenstore read failed: `%s/%s'", rec, key);
            rc = ERROR_FAIL;
        } else if (back && !libxl__backend_path_parse(dir, &parsed)) {
            LOG(gc->ctx, ERROR, "internal error: backend path %s"
                " unparseable!", dir);
            rc = ERROR_FAIL;
        } else {
            rc = libxl__device_read_entries(gc, table, dt->read_where, dir,
                                            dev);
        }
    }
    for (unsigned i = 0; i < rr.n; i++) free(rr.reqs[i].data);
    return rc;
}

void *libxl__device_list(libxl__gc *gc, const libxl__devtype *dt,
                         uint32_t domid, int *num)
{
    libxl__devkind kind = dt->kind;
    const char *dir;
    unsigned n = 0;
    char **names;
    char *list = NULL;
    int count = 0;

    *num = 0;
    if (dt->list) return dt->list(gc, domid, num);
    if (dt->records_kind && dt->records_kind(gc, domid, &kind)) return NULL;
    dir = libxl__dev_records_dir(gc, domid, kind);
    names = dir ? libxl__gc_adopt(gc, xs_directory(gc->ctx->xsh, XBT_NULL,
                                                   dir, &n))
                : NULL;
    if (!names || !n) return NULL;
    list = malloc(dt->size * n);
    if (!list) {
        LOG(gc->ctx, ERROR, "no memory for a list of %u %ss", n, dt->name);
        return NULL;
    }
    for (unsigned i = 0; i < n; i++) {
        const char *p = names[i];
        void *dev = libxl__devtype_elem(dt, list, count);
        libxl__devaddr addr = { .kind = kind, .domid = domid };
        uint32_t devid;

        if (!libxl__parse_u32_strict(&p, &devid) || *p || devid > INT32_MAX) {
            LOGD(gc->ctx, ERROR, domid, "ignoring %s/%s: not a device id",
                 dir, names[i]);
            continue;
        }
        addr.devid = (int)devid;
        dt->init(dev);
        count++;
        if (libxl__device_from_record(gc, dt, &addr, dev)) {
            libxl__device_list_free(dt, list, count);
            return NULL;
        }
    }
    if (!count) {
        free(list);
        return NULL;
    }
    *num = count;
    return list;
}

void libxl__device_list_free(const libxl__devtype *dt, void *list, int num)
{
    for (int i = 0; i < num; i++)
        dt->dispose(libxl__devtype_elem(dt, list, i));
    free(list);
}
