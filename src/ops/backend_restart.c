/*
 * ops/backend_restart.c: libxl_lightcore_backend_domain_restarted
 * (libxl_lightcore.h, seed 004): a restarted driver domain's backends
 * made again from the toolstack's records, the frontends pointed at them,
 * the records and the stored configurations updated. Owns nothing else.
 *
 * The records (/libxl/D/device/K/N) are dom0's, and each keeps every
 * backend entry the add wrote (device_add.c), so a backend can be made
 * again from its record alone, in another domain. The guest's frontend
 * directory is written (backend, backend-id, state) and its permissions
 * updated, never read for a value: the only thing taken from it is the
 * list of its nodes, bounded, for their permissions.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libxl_lightcore.h"

#include "base/log.h"
#include "dev/devpath.h"
#include "ops/device.h"
#include "ops/userdata.h"
#include "xs/paths.h"

/* Longest record value copied. */
#define MAX_VALUE 4096
/* How many frontend nodes (per level, two levels) get new permissions. */
#define MAX_FE_NODES 256

/* A device to move, found from its record. */
typedef struct moved {
    libxl__devaddr addr;              /* backend_domid: the new one */
    struct moved *next;
} moved;

static bool parse_id(const char *s, uint32_t *v)
{
    const char *p = s;
    return s && libxl__parse_u32_strict(&p, v) && !*p;
}

/* Every record under /libxl whose backend is in old_domid. */
static int find_devices(libxl__gc *gc, uint32_t old_domid,
                        uint32_t new_domid, moved **list)
{
    struct xs_handle *xsh = gc->ctx->xsh;
    unsigned nd = 0, nk, nn;
    char **doms = libxl__gc_adopt(gc, xs_directory(xsh, XBT_NULL, "/libxl",
                                                   &nd));

    if (!doms && errno != ENOENT) {
        LOGE(gc->ctx, ERROR, "cannot list /libxl");
        return ERROR_FAIL;
    }
    for (unsigned i = 0; doms && i < nd; i++) {
        uint32_t domid;
        const char *ddir = GCSPRINTF("/libxl/%s/device", doms[i]);
        char **kinds;

        if (!parse_id(doms[i], &domid)) continue;
        kinds = libxl__gc_adopt(gc, xs_directory(xsh, XBT_NULL, ddir, &nk));
        for (unsigned j = 0; kinds && j < nk; j++) {
            const char *kdir = GCSPRINTF("%s/%s", ddir, kinds[j]);
            char **ids = libxl__gc_adopt(gc, xs_directory(xsh, XBT_NULL,
                                                          kdir, &nn));
            libxl__devkind kind;

            if (!libxl__devkind_from_name(kinds[j], &kind)) continue;
            for (unsigned k = 0; ids && k < nn; k++) {
                const char *be = libxl__xs_read_checked(
                    gc, XBT_NULL, GCSPRINTF("%s/%s/backend", kdir, ids[k]),
                    MAX_VALUE);
                libxl__backend_path bp;
                libxl__devkind bkind;
                uint32_t devid;
                moved *m;

                if (!be || !parse_id(ids[k], &devid) || devid > INT32_MAX ||
                    !libxl__backend_path_parse(be, &bp) ||
                    bp.backend_domid != old_domid ||
                    bp.frontend_domid != domid || bp.devid != devid ||
                    !libxl__devkind_from_name(bp.kind, &bkind))
                    continue;
                m = GCZALLOC(sizeof(*m));
                if (!m) return ERROR_NOMEM;
                m->addr.kind = kind;
                m->addr.backend_kind = bkind;
                m->addr.domid = domid;
                m->addr.backend_domid = new_domid;
                m->addr.devid = (int)devid;
                m->next = *list;
                *list = m;
            }
        }
    }
    return 0;
}

/* perms with every old_domid made new_domid; false if none was. */
static bool remap(struct xs_permissions *perms, unsigned n,
                  uint32_t old_domid, uint32_t new_domid)
{
    bool changed = false;

    for (unsigned i = 0; i < n; i++)
        if (perms[i].id == old_domid) {
            perms[i].id = new_domid;
            changed = true;
        }
    return changed;
}

/* The permissions of path and of the nodes below it (depth levels) that
 * name old_domid name new_domid instead. */
static bool remap_tree(libxl__gc *gc, xs_transaction_t t, const char *path,
                       uint32_t old_domid, uint32_t new_domid, int depth)
{
    struct xs_handle *xsh = gc->ctx->xsh;
    unsigned n = 0, nc = 0;
    struct xs_permissions *perms = libxl__gc_adopt(
        gc, xs_get_permissions(xsh, t, path, &n));
    char **children;

    if (!perms) return errno == ENOENT;
    if (remap(perms, n, old_domid, new_domid) &&
        !xs_set_permissions(xsh, t, path, perms, n))
        return false;
    if (!depth) return true;
    children = libxl__gc_adopt(gc, xs_directory(xsh, t, path, &nc));
    for (unsigned i = 0; children && i < nc && i < MAX_FE_NODES; i++)
        if (!remap_tree(gc, t, GCSPRINTF("%s/%s", path, children[i]),
                        old_domid, new_domid, depth - 1))
            return false;
    return true;
}

/* One device, in t: the new backend from the record, the frontend, the
 * record. false on a xenstore failure (errno). */
static bool move_one(libxl__gc *gc, xs_transaction_t t, const moved *m,
                     uint32_t old_domid)
{
    struct xs_handle *xsh = gc->ctx->xsh;
    const libxl__devaddr *a = &m->addr;
    libxl__devaddr old = *a;
    const char *rec = libxl__dev_record_path(gc, a);
    const char *fe = libxl__dev_frontend_path(gc, a);
    const char *be = libxl__dev_backend_path(gc, a);
    const char *old_be;
    struct xs_permissions be_perms[2] = {
        { .id = a->backend_domid, .perms = XS_PERM_NONE },
        { .id = a->domid, .perms = XS_PERM_READ },
    };
    const char *id = GCSPRINTF("%u", a->backend_domid);
    unsigned nkeys = 0;
    char **keys;

    old.backend_domid = old_domid;
    old_be = libxl__dev_backend_path(gc, &old);
    if (!rec || !fe || !be || !old_be || !id) {
        errno = ENOMEM;
        return false;
    }
    /* the backend, as the add made it: frontend first, then the entries
     * the record keeps, in its order */
    if ((!xs_rm(xsh, t, be) && errno != ENOENT) || !xs_mkdir(xsh, t, be) ||
        !xs_set_permissions(xsh, t, be, be_perms, 2) ||
        !xs_write(xsh, t, GCSPRINTF("%s/frontend", be), fe, strlen(fe)))
        return false;
    keys = libxl__gc_adopt(gc, xs_directory(xsh, t, rec, &nkeys));
    if (!keys) return false;
    for (unsigned i = 0; i < nkeys; i++) {
        const char *v;

        if (!strcmp(keys[i], "frontend") || !strcmp(keys[i], "backend"))
            continue;
        v = libxl__xs_read_checked(gc, t, GCSPRINTF("%s/%s", rec, keys[i]),
                                   MAX_VALUE);
        if (!strcmp(keys[i], "state")) v = "1";
        if (!v ||
            !xs_write(xsh, t, GCSPRINTF("%s/%s", be, keys[i]), v, strlen(v)))
            return false;
    }
    /* what is left of the old backend (its domain's tree normally went
     * with it) */
    (void)libxl__xs_path_cleanup(gc, t, old_be);
    /* the frontend: the new backend, and Initialising again */
    if (!remap_tree(gc, t, fe, old_domid, a->backend_domid, 2) ||
        !xs_write(xsh, t, GCSPRINTF("%s/backend", fe), be, strlen(be)) ||
        !xs_write(xsh, t, GCSPRINTF("%s/backend-id", fe), id, strlen(id)) ||
        !xs_write(xsh, t, GCSPRINTF("%s/state", fe), "1", 1))
        return false;
    return xs_write(xsh, t, GCSPRINTF("%s/backend", rec), be, strlen(be));
}

static int move_nodes(libxl__gc *gc, const moved *m, uint32_t old_domid)
{
    struct xs_handle *xsh = gc->ctx->xsh;

    for (;;) {
        xs_transaction_t t = xs_transaction_start(xsh);

        if (!t) {
            LOGE(gc->ctx, ERROR, "xs_transaction_start failed");
            return ERROR_FAIL;
        }
        if (!move_one(gc, t, m, old_domid)) {
            LOGED(gc->ctx, ERROR, m->addr.domid, "cannot move %s %d to"
                  " domain %u", libxl__devkind_name(m->addr.kind),
                  m->addr.devid, m->addr.backend_domid);
            xs_transaction_end(xsh, t, true);
            return ERROR_FAIL;
        }
        if (xs_transaction_end(xsh, t, false)) return 0;
        if (errno != EAGAIN) {
            LOGE(gc->ctx, ERROR, "xs_transaction_end failed");
            return ERROR_FAIL;
        }
    }
}

/* Whether a device's backend, as stored, is old_domid: by domid (no
 * name), or by a name that is that domid in digits (what libxl takes for
 * a domid). A real name is resolved when it is used, and the restarted
 * domain has it again: such a device needs no change. */
static bool stored_backend_is(uint32_t domid, const char *name,
                              uint32_t old_domid)
{
    uint32_t v;

    if (!name) return domid == old_domid;
    return parse_id(name, &v) && v == old_domid;
}

static bool set_backend(uint32_t *domid, char **name, uint32_t new_domid)
{
    if (*name) {
        char *s = NULL;
        if (asprintf(&s, "%u", new_domid) < 0) return false;
        free(*name);
        *name = s;
    }
    *domid = new_domid;
    return true;
}

/* The devices of d_config served by old_domid, served by new_domid: how
 * many changed, or -1 when out of memory. */
static int config_move(libxl_domain_config *c, uint32_t old_domid,
                       uint32_t new_domid)
{
    int n = 0;

#define MOVE(array, num)                                                  \
    for (int i = 0; i < c->num; i++)                                      \
        if (stored_backend_is(c->array[i].backend_domid,                  \
                              c->array[i].backend_domname, old_domid)) {  \
            if (!set_backend(&c->array[i].backend_domid,                  \
                             &c->array[i].backend_domname, new_domid))    \
                return -1;                                                \
            n++;                                                          \
        }
    MOVE(disks, num_disks)
    MOVE(nics, num_nics)
    MOVE(vtpms, num_vtpms)
    MOVE(p9s, num_p9s)
    MOVE(pvcallsifs, num_pvcallsifs)
    MOVE(vdispls, num_vdispls)
    MOVE(vsnds, num_vsnds)
    MOVE(channels, num_channels)
    MOVE(usbctrls, num_usbctrls)
    MOVE(vfbs, num_vfbs)
    MOVE(vkbs, num_vkbs)
#undef MOVE
    return n;
}

/* Domain domid's stored configuration with the devices moved; a domain
 * without one is left so. */
static int move_config(libxl__gc *gc, uint32_t domid, uint32_t old_domid,
                       uint32_t new_domid)
{
    libxl__userdata_dom dom;
    libxl__userdata_flock lock = { .fd = -1 };
    libxl_domain_config d_config;
    int rc;

    libxl_domain_config_init(&d_config);
    rc = libxl__userdata_dom_find(gc, domid, &dom);
    if (!rc) rc = libxl__userdata_lock(gc, &dom, LIBXL__LOCK_USERDATA, &lock,
                                       NULL);
    if (!rc) rc = libxl__userdata_config_read(gc, &dom, &d_config);
    if (rc == ERROR_JSON_CONFIG_EMPTY) {
        rc = 0;
    } else if (!rc) {
        int n = config_move(&d_config, old_domid, new_domid);
        if (n < 0) rc = ERROR_NOMEM;
        else if (n) rc = libxl__userdata_config_write(gc, &dom, &d_config);
    }
    libxl__userdata_unlock(&lock);
    libxl_domain_config_dispose(&d_config);
    if (rc)
        LOGD(gc->ctx, ERROR, domid, "could not update the stored"
             " configuration's backends");
    return rc;
}

int libxl_lightcore_backend_domain_restarted(libxl_ctx *ctx,
                                             uint32_t old_domid,
                                             uint32_t new_domid,
                                             int *num_r)
{
    GC_INIT(ctx);
    moved *list = NULL;
    int rc, n = 0;

    if (num_r) *num_r = 0;
    if (old_domid == new_domid || !old_domid || !new_domid ||
        !libxl__xs_read_checked(gc, XBT_NULL,
                                GCSPRINTF("/local/domain/%u/domid",
                                          new_domid), 16)) {
        LOG(ctx, ERROR, "domain %u cannot take over domain %u's backends",
            new_domid, old_domid);
        return ERROR_INVAL;
    }
    rc = find_devices(gc, old_domid, new_domid, &list);
    if (rc) return rc;
    for (moved *m = list; m; m = m->next) {
        rc = move_nodes(gc, m, old_domid);
        if (rc) goto out;
        LOGD(ctx, DEBUG, m->addr.domid, "%s %d: backend now in domain %u",
             libxl__devkind_name(m->addr.kind), m->addr.devid, new_domid);
        n++;
    }
    /* each frontend domain's configuration, once */
    for (moved *m = list; m; m = m->next) {
        bool seen = false;
        for (moved *p = list; p != m; p = p->next)
            if (p->addr.domid == m->addr.domid) seen = true;
        if (seen) continue;
        rc = move_config(gc, m->addr.domid, old_domid, new_domid);
        if (rc) goto out;
    }
out:
    if (num_r) *num_r = n;
    return rc;
}
