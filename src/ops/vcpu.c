/*
 * ops/vcpu.c: a domain's vcpus as the hypervisor holds them: the vcpu
 * list (state, time, cpu, hard and soft affinity), setting vcpu affinity
 * and the domain's NUMA node affinity. Synchronous, through libxenctrl;
 * no state, nothing of another family.
 */
#include <stdlib.h>
#include <string.h>

#include <xenctrl.h>

#include "base/gc.h"
#include "base/log.h"
#include "ops/ops.h"

#include "libxl_utils.h"

/* ------------------------------------------------------------ listing */

static void vcpuinfo_free_n(libxl_vcpuinfo *list, unsigned int n)
{
    for (unsigned int i = 0; i < n; i++)
        libxl_vcpuinfo_dispose(&list[i]);
    free(list);
}

/*
 * One entry per vcpu id up to the domain's highest, online or not. Like
 * libxl, the first step asks for the first domain from domid on, so a
 * missing domain is reported by the vcpu query that follows.
 */
libxl_vcpuinfo *libxl_list_vcpu(libxl_ctx *ctx, uint32_t domid,
                                int *nr_vcpus_out, int *nr_cpus_out)
{
    xc_domaininfo_t dom;
    libxl_vcpuinfo *list;
    unsigned int n, count;

    if (xc_domain_getinfolist(ctx->xch, domid, 1, &dom) != 1) {
        LOGED(ctx, ERROR, domid, "Getting infolist");
        return NULL;
    }
    if (dom.max_vcpu_id == XEN_INVALID_MAX_VCPU_ID)
        return NULL;

    *nr_cpus_out = libxl_get_max_cpus(ctx);
    count = dom.max_vcpu_id + 1;
    list = calloc(count, sizeof(*list));
    if (!list) {
        LOGD(ctx, ERROR, domid, "cannot allocate a list of %u vcpus", count);
        return NULL;
    }

    for (n = 0; n < count; n++) {
        libxl_vcpuinfo *v = &list[n];
        xc_vcpuinfo_t xv;

        libxl_vcpuinfo_init(v);
        if (libxl_cpu_bitmap_alloc(ctx, &v->cpumap, 0) ||
            libxl_cpu_bitmap_alloc(ctx, &v->cpumap_soft, 0))
            goto fail;
        if (xc_vcpu_getinfo(ctx->xch, domid, n, &xv) == -1) {
            LOGED(ctx, ERROR, domid, "Getting vcpu info");
            goto fail;
        }
        if (xc_vcpu_getaffinity(ctx->xch, domid, n, v->cpumap.map,
                                v->cpumap_soft.map,
                                XEN_VCPUAFFINITY_SOFT |
                                XEN_VCPUAFFINITY_HARD) == -1) {
            LOGED(ctx, ERROR, domid, "Getting vcpu affinity");
            goto fail;
        }
        v->vcpuid = n;
        v->cpu = xv.cpu;
        v->online = !!xv.online;
        v->blocked = !!xv.blocked;
        v->running = !!xv.running;
        v->vcpu_time = xv.cpu_time;
    }
    *nr_vcpus_out = (int)n;
    return list;

fail:
    vcpuinfo_free_n(list, n + 1);
    return NULL;
}

/* ------------------------------------------------------------ affinity */

/* Copies as many bytes of src as dst holds (dst stays host-sized); a
 * map without storage counts as empty, whatever its size says. */
static void bitmap_copy_fit(libxl_bitmap *dst, const libxl_bitmap *src)
{
    uint32_t n = dst->size < src->size ? dst->size : src->size;

    if (n && src->map)
        memcpy(dst->map, src->map, n);
}

/*
 * Hard and/or soft affinity of one vcpu. The hypervisor answers with
 * what it will really use (the maps cut to the pool's cpus, soft within
 * hard), which is compared with what was asked and reported.
 */
static int set_vcpu_affinity(libxl_ctx *ctx, uint32_t domid, uint32_t vcpuid,
                             const libxl_bitmap *want_hard,
                             const libxl_bitmap *want_soft, unsigned flags)
{
    libxl_bitmap hard, soft;
    int rc;

    libxl_bitmap_init(&hard);
    libxl_bitmap_init(&soft);
    if (!want_hard && !want_soft && !flags) {
        rc = ERROR_INVAL;
        goto out;
    }

    /* libxenctrl reads and rewrites host-sized maps */
    if (want_hard) {
        rc = libxl_cpu_bitmap_alloc(ctx, &hard, 0);
        if (rc) goto out;
        bitmap_copy_fit(&hard, want_hard);
        flags |= XEN_VCPUAFFINITY_HARD;
    }
    if (want_soft) {
        rc = libxl_cpu_bitmap_alloc(ctx, &soft, 0);
        if (rc) goto out;
        bitmap_copy_fit(&soft, want_soft);
        flags |= XEN_VCPUAFFINITY_SOFT;
    }

    if (xc_vcpu_setaffinity(ctx->xch, domid, vcpuid,
                            want_hard ? hard.map : NULL,
                            want_soft ? soft.map : NULL, flags)) {
        LOGED(ctx, ERROR, domid, "Setting vcpu affinity");
        rc = ERROR_FAIL;
        goto out;
    }

    if (want_hard && !libxl_bitmap_equal(want_hard, &hard, 0))
        LOGD(ctx, DEBUG, domid,
             "New hard affinity for vcpu %d has unreachable cpus", vcpuid);
    if (want_soft) {
        if (!libxl_bitmap_equal(want_soft, &soft, 0))
            LOGD(ctx, DEBUG, domid,
                 "New soft affinity for vcpu %d has unreachable cpus", vcpuid);
        if (libxl_bitmap_is_empty(&soft))
            LOGD(ctx, WARN, domid,
                 "All cpus in soft affinity of vcpu %d are unreachable."
                 " Only hard affinity will be considered for scheduling",
                 vcpuid);
    }
    rc = 0;
out:
    libxl_bitmap_dispose(&hard);
    libxl_bitmap_dispose(&soft);
    return rc;
}

int libxl_set_vcpuaffinity(libxl_ctx *ctx, uint32_t domid, uint32_t vcpuid,
                           const libxl_bitmap *cpumap_hard,
                           const libxl_bitmap *cpumap_soft)
{
    return set_vcpu_affinity(ctx, domid, vcpuid, cpumap_hard, cpumap_soft, 0);
}

/* The same, and first undo a pin the guest asked for (SCHEDOP_pin_override). */
int libxl_set_vcpuaffinity_force(libxl_ctx *ctx, uint32_t domid,
                                 uint32_t vcpuid,
                                 const libxl_bitmap *cpumap_hard,
                                 const libxl_bitmap *cpumap_soft)
{
    return set_vcpu_affinity(ctx, domid, vcpuid, cpumap_hard, cpumap_soft,
                             XEN_VCPUAFFINITY_FORCE);
}

/* Vcpus 0 .. max_vcpus - 1 alike; a failure is logged and the rest done. */
int libxl_set_vcpuaffinity_all(libxl_ctx *ctx, uint32_t domid,
                               unsigned int max_vcpus,
                               const libxl_bitmap *cpumap_hard,
                               const libxl_bitmap *cpumap_soft)
{
    int rc = 0;

    for (unsigned int i = 0; i < max_vcpus; i++) {
        if (libxl_set_vcpuaffinity(ctx, domid, i, cpumap_hard, cpumap_soft)) {
            LOGD(ctx, WARN, domid, "Failed to set affinity for %d", (int)i);
            rc = ERROR_FAIL;
        }
    }
    return rc;
}

/* ------------------------------------------------------------ nodes */

/*
 * libxenctrl copies a host-sized node map in or out of nodemap->map. A
 * smaller map (hostile or not) goes through a host-sized copy instead of
 * being read or written past its end; a map without storage is passed on
 * as it is, and the hypervisor refuses it.
 */
static int nodemap_size(libxl_ctx *ctx)
{
    int n = xc_get_nodemap_size(ctx->xch);

    return n > 0 ? n : 0;
}

int libxl_domain_set_nodeaffinity(libxl_ctx *ctx, uint32_t domid,
                                  libxl_bitmap *nodemap)
{
    GC_INIT(ctx);
    uint8_t *map = nodemap->map;
    int need = nodemap_size(ctx);

    if (map && nodemap->size < (uint32_t)need) {
        map = GCZALLOC(need);
        if (!map)
            return ERROR_NOMEM;
        memcpy(map, nodemap->map, nodemap->size);
    }
    if (xc_domain_node_setaffinity(ctx->xch, domid, map)) {
        LOGED(ctx, ERROR, domid, "Setting node affinity");
        return ERROR_FAIL;
    }
    return 0;
}

int libxl_domain_get_nodeaffinity(libxl_ctx *ctx, uint32_t domid,
                                  libxl_bitmap *nodemap)
{
    GC_INIT(ctx);
    uint8_t *map = nodemap->map;
    int need = nodemap_size(ctx);

    if (map && nodemap->size < (uint32_t)need) {
        map = GCZALLOC(need);
        if (!map)
            return ERROR_NOMEM;
    }
    if (xc_domain_node_getaffinity(ctx->xch, domid, map)) {
        LOGED(ctx, ERROR, domid, "Getting node affinity");
        return ERROR_FAIL;
    }
    if (map != nodemap->map)
        memcpy(nodemap->map, map, nodemap->size);
    return 0;
}
