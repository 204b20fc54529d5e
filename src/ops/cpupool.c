/*
 * ops/cpupool.c: cpupools, as libxl 4.17 handles them: listing and
 * describing them, creating, renaming and destroying them (the hypervisor
 * and /local/pool/N in xenstore), moving cpus (one, a map, a node's) and
 * domains between them, and the pool names and ids. No state; nothing of
 * another family (the cpu topology comes from the public
 * libxl_get_cpu_topology, as in libxl).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

#include "libxl_utils.h"

/* ------------------------------------------------------------ names */

/* libxl formats pool ids as signed ints in these paths, and so do we. */
#define POOL_PATH(buf, id) \
    snprintf((buf), sizeof(buf), "/local/pool/%d", (int)(id))

char *libxl_cpupoolid_to_name(libxl_ctx *ctx, uint32_t poolid)
{
    char path[64];
    unsigned int len;

    snprintf(path, sizeof(path), "/local/pool/%d/name", (int)poolid);
    return xs_read(ctx->xsh, XBT_NULL, path, &len);
}

int libxl_cpupoolid_is_valid(libxl_ctx *ctx, uint32_t poolid)
{
    char *name = libxl_cpupoolid_to_name(ctx, poolid);
    int valid = name != NULL;

    free(name);
    return valid;
}

int libxl_name_to_cpupoolid(libxl_ctx *ctx, const char *name,
                            uint32_t *poolid)
{
    int nb = 0, rc = ERROR_INVAL;
    libxl_cpupoolinfo *pools = libxl_list_cpupool(ctx, &nb);

    if (!pools)
        return ERROR_NOMEM;
    for (int i = 0; i < nb && rc; i++) {
        char *candidate = libxl_cpupoolid_to_name(ctx, pools[i].poolid);
        if (candidate && !strcmp(candidate, name)) {
            *poolid = pools[i].poolid;
            rc = 0;
        }
        free(candidate);
    }
    libxl_cpupoolinfo_list_free(pools, nb);
    return rc;
}

/* A qualifier of nothing but digits (at least one) is an id. */
static bool qualifier_is_id(const char *p, uint32_t *id)
{
    size_t i;

    for (i = 0; p[i]; i++)
        if (!isdigit((unsigned char)p[i]))
            return false;
    if (!i)
        return false;
    *id = (uint32_t)strtoul(p, NULL, 10);
    return true;
}

int libxl_cpupool_qualifier_to_cpupoolid(libxl_ctx *ctx, const char *p,
                                         uint32_t *poolid_r, int *was_name_r)
{
    bool is_id = qualifier_is_id(p, poolid_r);

    if (was_name_r)
        *was_name_r = !is_id;
    return is_id ? 0 : libxl_name_to_cpupoolid(ctx, p, poolid_r);
}

/* ------------------------------------------------------------ info */

/*
 * The pool poolid (exact) or the first one from poolid on. On failure
 * ERROR_*, with errno ENOENT when there was no such pool (logged only
 * when exact).
 */
static int pool_info(libxl_ctx *ctx, libxl_cpupoolinfo *info,
                     uint32_t poolid, bool exact)
{
    xc_cpupoolinfo_t *raw = xc_cpupool_getinfo(ctx->xch, poolid);
    int rc = ERROR_FAIL;

    if (!raw) {
        if (exact || errno != ENOENT)
            LOGE(ctx, ERROR, "failed to get info for cpupool%d", (int)poolid);
        return ERROR_FAIL;
    }
    if (exact && raw->cpupool_id != poolid) {
        LOG(ctx, ERROR, "got info for cpupool%d, wanted cpupool%d\n",
            (int)raw->cpupool_id, (int)poolid);
        goto out;
    }
    info->poolid = raw->cpupool_id;
    info->pool_name = libxl_cpupoolid_to_name(ctx, info->poolid);
    if (!info->pool_name)
        goto out;
    info->sched = (libxl_scheduler)raw->sched_id;
    info->n_dom = raw->n_dom;
    rc = libxl_cpu_bitmap_alloc(ctx, &info->cpumap, 0);
    if (rc)
        goto out;
    memcpy(info->cpumap.map, raw->cpumap, info->cpumap.size);
    rc = 0;
out:
    {
        int e = errno;     /* the caller looks at errno */
        xc_cpupool_infofree(ctx->xch, raw);
        errno = e;
    }
    return rc;
}

int libxl_cpupool_info(libxl_ctx *ctx, libxl_cpupoolinfo *info,
                       uint32_t poolid)
{
    return pool_info(ctx, info, poolid, true);
}

libxl_cpupoolinfo *libxl_list_cpupool(libxl_ctx *ctx, int *nb_pool_out)
{
    libxl_cpupoolinfo *list = NULL;
    uint32_t next = 0;
    int n = 0;

    for (;;) {
        libxl_cpupoolinfo info;

        libxl_cpupoolinfo_init(&info);
        if (pool_info(ctx, &info, next, false)) {
            int e = errno;
            libxl_cpupoolinfo_dispose(&info);
            /* no pool from `next` on ends the list; anything else fails */
            if (e != ENOENT)
                goto fail;
            break;
        }
        libxl_cpupoolinfo *grown = realloc(list, (size_t)(n + 1) * sizeof(*list));
        if (!grown) {
            libxl_cpupoolinfo_dispose(&info);
            LOG(ctx, ERROR, "cannot allocate a list of %d cpupools", n + 1);
            goto fail;
        }
        list = grown;
        list[n++] = info;
        if (info.poolid == UINT32_MAX)
            break;
        next = info.poolid + 1;
    }
    *nb_pool_out = n;
    return list;

fail:
    libxl_cpupoolinfo_list_free(list, n);
    *nb_pool_out = 0;
    return NULL;
}

int libxl_get_freecpus(libxl_ctx *ctx, libxl_bitmap *cpumap)
{
    int ncpus = libxl_get_max_cpus(ctx);

    if (ncpus < 0)
        return ncpus;
    cpumap->map = xc_cpupool_freeinfo(ctx->xch);
    if (!cpumap->map)
        return ERROR_FAIL;
    cpumap->size = (uint32_t)(ncpus + 7) / 8;
    return 0;
}

/* ------------------------------------------------------------ xenstore */

/* Writes one node in transaction t; logs a failure (as libxl, the
 * transaction's end decides). */
static void pool_xs_write(libxl_ctx *ctx, xs_transaction_t t,
                          const char *path, const char *value)
{
    if (!xs_write(ctx->xsh, t, path, value, strlen(value)))
        LOGE(ctx, ERROR, "xenstore write failed: `%s' = `%s'", path, value);
}

/* ------------------------------------------------------------ create */

int libxl_cpupool_create(libxl_ctx *ctx, const char *name,
                         libxl_scheduler sched, libxl_bitmap cpumap,
                         libxl_uuid *uuid, uint32_t *poolid)
{
    char uuid_s[LIBXL_UUID_FMTLEN + 1], dir[64], path[80];
    uint32_t id;
    int i;

    /* 0 meant "any" once, and still does */
    id = *poolid == LIBXL_CPUPOOL_POOLID_ANY || *poolid == 0
         ? XC_CPUPOOL_POOLID_ANY : *poolid;
    snprintf(uuid_s, sizeof(uuid_s), LIBXL_UUID_FMT, LIBXL_UUID_BYTES(*uuid));

    if (xc_cpupool_create(ctx->xch, &id, sched)) {
        LOG(ctx, ERROR, "Could not create cpupool");
        return ERROR_FAIL;
    }
    *poolid = id;

    libxl_for_each_bit(i, cpumap) {
        if (!libxl_bitmap_test(&cpumap, i))
            continue;
        if (xc_cpupool_addcpu(ctx->xch, *poolid, i)) {
            LOG(ctx, ERROR, "Error moving cpu to cpupool");
            libxl_cpupool_destroy(ctx, *poolid);
            return ERROR_FAIL;
        }
    }

    POOL_PATH(dir, *poolid);
    for (;;) {
        xs_transaction_t t = xs_transaction_start(ctx->xsh);

        xs_mkdir(ctx->xsh, t, dir);
        snprintf(path, sizeof(path), "%s/uuid", dir);
        pool_xs_write(ctx, t, path, uuid_s);
        snprintf(path, sizeof(path), "%s/name", dir);
        pool_xs_write(ctx, t, path, name);
        /* as libxl: only a conflict is retried, and any end is success */
        if (xs_transaction_end(ctx->xsh, t, false) || errno != EAGAIN)
            return 0;
    }
}

/* ------------------------------------------------------------ destroy */

int libxl_cpupool_destroy(libxl_ctx *ctx, uint32_t poolid)
{
    xc_cpupoolinfo_t *info = xc_cpupool_getinfo(ctx->xch, poolid);
    libxl_bitmap cpus;
    char dir[64];
    int rc, i;

    if (!info)
        return ERROR_NOMEM;     /* libxl's code for "no such pool", too */
    rc = ERROR_INVAL;
    if (info->cpupool_id != poolid || info->n_dom)
        goto out;

    libxl_bitmap_init(&cpus);
    rc = libxl_cpu_bitmap_alloc(ctx, &cpus, 0);
    if (rc)
        goto out;
    memcpy(cpus.map, info->cpumap, cpus.size);
    libxl_for_each_bit(i, cpus) {
        if (!libxl_bitmap_test(&cpus, i))
            continue;
        if (xc_cpupool_removecpu(ctx->xch, poolid, i)) {
            LOG(ctx, ERROR, "Error removing cpu from cpupool");
            rc = ERROR_FAIL;
            goto out_map;
        }
    }
    if (xc_cpupool_destroy(ctx->xch, poolid)) {
        LOG(ctx, ERROR, "Could not destroy cpupool");
        rc = ERROR_FAIL;
        goto out_map;
    }

    POOL_PATH(dir, poolid);
    for (;;) {
        /* libxl removes the directory outside the transaction it opens */
        xs_transaction_t t = xs_transaction_start(ctx->xsh);

        xs_rm(ctx->xsh, XBT_NULL, dir);
        if (xs_transaction_end(ctx->xsh, t, false) || errno != EAGAIN)
            break;
    }
    rc = 0;

out_map:
    libxl_bitmap_dispose(&cpus);
out:
    xc_cpupool_infofree(ctx->xch, info);
    return rc;
}

/* ------------------------------------------------------------ rename */

int libxl_cpupool_rename(libxl_ctx *ctx, const char *name, uint32_t poolid)
{
    xc_cpupoolinfo_t *info = xc_cpupool_getinfo(ctx->xch, poolid);
    char path[80];
    int rc;

    if (!info)
        return ERROR_NOMEM;
    rc = ERROR_INVAL;
    if (info->cpupool_id != poolid)
        goto out;

    rc = 0;
    snprintf(path, sizeof(path), "/local/pool/%d/name", (int)poolid);
    for (;;) {
        xs_transaction_t t = xs_transaction_start(ctx->xsh);

        pool_xs_write(ctx, t, path, name);
        if (xs_transaction_end(ctx->xsh, t, false))
            break;
        if (errno == EAGAIN)
            continue;
        rc = ERROR_FAIL;
        break;
    }
out:
    xc_cpupool_infofree(ctx->xch, info);
    return rc;
}

/* ------------------------------------------------------------ cpus */

int libxl_cpupool_cpuadd(libxl_ctx *ctx, uint32_t poolid, int cpu)
{
    if (xc_cpupool_addcpu(ctx->xch, poolid, cpu)) {
        LOGE(ctx, ERROR, "Error moving cpu %d to cpupool", cpu);
        return ERROR_FAIL;
    }
    return 0;
}

int libxl_cpupool_cpuremove(libxl_ctx *ctx, uint32_t poolid, int cpu)
{
    if (xc_cpupool_removecpu(ctx->xch, poolid, cpu)) {
        LOGE(ctx, ERROR, "Error removing cpu %d from cpupool", cpu);
        return ERROR_FAIL;
    }
    return 0;
}

/* Each cpu of the map in turn; ERROR_FAIL unless every one moved. */
static int move_cpumap(libxl_ctx *ctx, uint32_t poolid,
                       const libxl_bitmap *cpumap, bool add)
{
    int c, moved = 0;

    libxl_for_each_set_bit(c, *cpumap) {
        int rc = add ? libxl_cpupool_cpuadd(ctx, poolid, c)
                     : libxl_cpupool_cpuremove(ctx, poolid, c);
        if (!rc)
            moved++;
    }
    return moved == libxl_bitmap_count_set(cpumap) ? 0 : ERROR_FAIL;
}

int libxl_cpupool_cpuadd_cpumap(libxl_ctx *ctx, uint32_t poolid,
                                const libxl_bitmap *cpumap)
{
    return move_cpumap(ctx, poolid, cpumap, true);
}

int libxl_cpupool_cpuremove_cpumap(libxl_ctx *ctx, uint32_t poolid,
                                   const libxl_bitmap *cpumap)
{
    return move_cpumap(ctx, poolid, cpumap, false);
}

/* The free cpus of node: those that move count in *cpus (failures do
 * not fail the call, as in libxl). */
int libxl_cpupool_cpuadd_node(libxl_ctx *ctx, uint32_t poolid, int node,
                              int *cpus)
{
    libxl_bitmap freemap;
    libxl_cputopology *topo;
    int nr = 0, rc = 0;

    libxl_bitmap_init(&freemap);
    if (libxl_get_freecpus(ctx, &freemap))
        return ERROR_FAIL;
    topo = libxl_get_cpu_topology(ctx, &nr);
    if (!topo) {
        rc = ERROR_FAIL;
        goto out;
    }
    *cpus = 0;
    for (int cpu = 0; cpu < nr; cpu++) {
        if (libxl_bitmap_test(&freemap, cpu) &&
            topo[cpu].node == (uint32_t)node &&
            !libxl_cpupool_cpuadd(ctx, poolid, cpu))
            (*cpus)++;
    }
    libxl_cputopology_list_free(topo, nr);
out:
    libxl_bitmap_dispose(&freemap);
    return rc;
}

/* The cpus of node in pool poolid, counted in *cpus as they leave. */
int libxl_cpupool_cpuremove_node(libxl_ctx *ctx, uint32_t poolid, int node,
                                 int *cpus)
{
    libxl_cputopology *topo;
    libxl_cpupoolinfo *pools;
    int npools = 0, nr = 0, rc = 0;

    pools = libxl_list_cpupool(ctx, &npools);
    if (!pools)
        return ERROR_NOMEM;
    topo = libxl_get_cpu_topology(ctx, &nr);
    if (!topo) {
        rc = ERROR_FAIL;
        goto out;
    }
    *cpus = 0;
    for (int p = 0; p < npools; p++) {
        if (pools[p].poolid != poolid)
            continue;
        for (int cpu = 0; cpu < nr; cpu++)
            if (topo[cpu].node == (uint32_t)node &&
                libxl_bitmap_test(&pools[p].cpumap, cpu) &&
                !libxl_cpupool_cpuremove(ctx, poolid, cpu))
                (*cpus)++;
    }
    libxl_cputopology_list_free(topo, nr);
out:
    libxl_cpupoolinfo_list_free(pools, npools);
    return rc;
}

/* ------------------------------------------------------------ domains */

int libxl_cpupool_movedomain(libxl_ctx *ctx, uint32_t poolid, uint32_t domid)
{
    if (xc_cpupool_movedomain(ctx->xch, poolid, domid)) {
        LOGD(ctx, ERROR, domid, "Error moving domain to cpupool");
        return ERROR_FAIL;
    }
    return 0;
}

/* ------------------------------------------------------------ list_free */

void libxl_cpupoolinfo_list_free(libxl_cpupoolinfo *list, int nb_pool)
{
    if (!list) return;
    for (int i = 0; i < nb_pool; i++)
        libxl_cpupoolinfo_dispose(&list[i]);
    free(list);
}
