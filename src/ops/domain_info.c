/*
 * ops/domain_info.c: synchronous domain queries (libxl_domain_info,
 * libxl_list_domain, libxl_dominfo_list_free). It owns the translation of
 * the hypervisor's domain information into libxl_dominfo and nothing else;
 * it registers no events and keeps no state.
 */
#include <stdlib.h>

#include "base/log.h"
#include "ops/ops.h"

/* Domains fetched per getdomaininfolist hypercall. */
#define DOMINFO_BATCH 1024

static uint64_t pages_to_kb(uint64_t pages)
{
    return pages * (XC_PAGE_SIZE / 1024);
}

/* Fill *out (already initialised) from one hypervisor record. */
static void dominfo_from_xen(libxl_ctx *ctx, libxl_dominfo *out,
                             const xc_domaininfo_t *in)
{
    uint32_t flags = in->flags;

    (void)ctx;
    libxl_uuid_copy(ctx, &out->uuid, (const libxl_uuid *)in->handle);
    out->domid = in->domain;
    out->ssidref = in->ssidref;
    out->ssid_label = NULL; /* needs an XSM policy; none on these hosts */

    out->running = !!(flags & XEN_DOMINF_running);
    out->blocked = !!(flags & XEN_DOMINF_blocked);
    out->paused = !!(flags & XEN_DOMINF_paused);
    out->shutdown = !!(flags & XEN_DOMINF_shutdown);
    out->dying = !!(flags & XEN_DOMINF_dying);
    out->never_stop = !!(flags & XEN_DOMINF_xs_domain);

    /* Meaningful only while shut down; otherwise a value that is no
     * reason at all. */
    if (out->shutdown)
        out->shutdown_reason = (flags >> XEN_DOMINF_shutdownshift) &
                               XEN_DOMINF_shutdownmask;
    else
        out->shutdown_reason = LIBXL_SHUTDOWN_REASON_UNKNOWN;

    out->outstanding_memkb = pages_to_kb(in->outstanding_pages);
    out->current_memkb = pages_to_kb(in->tot_pages);
    out->shared_memkb = pages_to_kb(in->shr_pages);
    out->paged_memkb = pages_to_kb(in->paged_pages);
    out->max_memkb = pages_to_kb(in->max_pages);
    out->cpu_time = in->cpu_time;
    out->vcpu_max_id = in->max_vcpu_id;
    out->vcpu_online = in->nr_online_vcpus;
    out->cpupool = in->cpupool;
    out->gpaddr_bits = in->gpaddr_bits;
    out->domain_type = (flags & XEN_DOMINF_hvm_guest) ? LIBXL_DOMAIN_TYPE_HVM
                                                     : LIBXL_DOMAIN_TYPE_PV;
}

int libxl_domain_info(libxl_ctx *ctx, libxl_dominfo *info_r, uint32_t domid)
{
    xc_domaininfo_t xcinfo;
    int r;

    r = xc_domain_getinfolist(ctx->xch, domid, 1, &xcinfo);
    if (r < 0) {
        LOGED(ctx, ERROR, domid, "getting domain info list");
        return ERROR_FAIL;
    }
    /* The hypervisor answers with the first domain whose id is >= domid. */
    if (r == 0 || xcinfo.domain != domid)
        return ERROR_DOMAIN_NOTFOUND;

    if (info_r) {
        libxl_dominfo_init(info_r);
        dominfo_from_xen(ctx, info_r, &xcinfo);
    }
    return 0;
}

libxl_dominfo *libxl_list_domain(libxl_ctx *ctx, int *nb_domain_out)
{
    xc_domaininfo_t *batch = NULL;
    libxl_dominfo *list = NULL;
    size_t n = 0, cap = 0;
    uint32_t next = 0;

    batch = malloc(sizeof(*batch) * DOMINFO_BATCH);
    if (!batch) {
        LOGE(ctx, ERROR, "allocating the domain list");
        goto fail;
    }

    for (;;) {
        int r = xc_domain_getinfolist(ctx->xch, next, DOMINFO_BATCH, batch);
        if (r < 0) {
            LOGE(ctx, ERROR, "getting domain info list");
            goto fail;
        }
        if (n + (size_t)r > cap) {
            size_t want = cap ? cap * 2 : DOMINFO_BATCH;
            while (want < n + (size_t)r) want *= 2;
            libxl_dominfo *grown = realloc(list, want * sizeof(*list));
            if (!grown) {
                LOGE(ctx, ERROR, "allocating the domain list");
                goto fail;
            }
            list = grown;
            cap = want;
        }
        for (int i = 0; i < r; i++) {
            libxl_dominfo_init(&list[n]);
            dominfo_from_xen(ctx, &list[n], &batch[i]);
            n++;
        }
        if (r < DOMINFO_BATCH) break;
        next = batch[r - 1].domain + 1u;
    }

    free(batch);
    *nb_domain_out = (int)n;
    return list;

fail:
    free(batch);
    libxl_dominfo_list_free(list, (int)n);
    return NULL;
}

void libxl_dominfo_list_free(libxl_dominfo *list, int nb_domain)
{
    if (!list) return;
    for (int i = 0; i < nb_domain; i++)
        libxl_dominfo_dispose(&list[i]);
    free(list);
}
